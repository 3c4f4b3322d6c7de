/* Fuzz target: the scenario loader (sim/sim_scenario.h) on arbitrary
 * bytes. Whatever loads must resolve to JSON that loads again to the very
 * same resolved text (the resolved scenario is a fixed point), and every
 * rejection must come with a one-line message. Trace paths resolve against
 * a directory that does not exist, so no input reads files. */
#include "fuzz.h"

#include "sim/sim.h"

#include <stdlib.h>
#include <string.h>

#define BASE_DIR "/nonexistent-blindfold-fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    err[0] = '\0';
    sim_scenario_t *scenario = sim_scenario_load_text((const char *)data, size, "fuzz.json",
                                                      BASE_DIR, NULL, 0, err, sizeof err);
    if (!scenario) {
        FUZZ_ASSERT(err[0] != '\0');
        FUZZ_ASSERT(strchr(err, '\n') == NULL);
        return 0;
    }
    char *resolved = sim_scenario_resolved_text(scenario);
    FUZZ_ASSERT(resolved != NULL);
    sim_scenario_t *again = sim_scenario_load_text(resolved, strlen(resolved), "resolved.json",
                                                   BASE_DIR, NULL, 0, err, sizeof err);
    if (!again) {
        fprintf(stderr, "resolved scenario does not reload: %s\n%s\n", err, resolved);
        abort();
    }
    char *resolved_again = sim_scenario_resolved_text(again);
    FUZZ_ASSERT(resolved_again != NULL);
    FUZZ_ASSERT(strcmp(resolved, resolved_again) == 0);
    free(resolved_again);
    free(resolved);
    sim_scenario_free(again);
    sim_scenario_free(scenario);
    return 0;
}
