/* `blindfold check SCENARIO.json [--set JSON.PATH=VALUE]...`: validates a
 * scenario without running it, through sim/sim_scenario.h, which holds all
 * the checking. On success it prints the resolved scenario (every default
 * filled in, keys in the order of docs/scenario-format.md) as indented JSON
 * on stdout and exits 0. Otherwise it prints the first problem on one line
 * of stderr, `FILE: JSON.PATH: message`, and exits 2. */
#include "cli/cli.h"
#include "sim/sim_scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_help(void)
{
    printf("Usage: blindfold check SCENARIO.json [--set JSON.PATH=VALUE]...\n"
           "\n"
           "Validates a scenario (docs/scenario-format.md) without running it. On success\n"
           "prints the resolved scenario, every default filled in, as JSON. Otherwise\n"
           "prints the first problem on one line, with its JSON path:\n"
           "  scenario.json: peers[2].uplnk: unknown key (did you mean \"uplink\"?)\n"
           "\n"
           "Options:\n"
           "  --set JSON.PATH=VALUE  override one field before validation; repeatable,\n"
           "                         applied in order. JSON.PATH is keys and [N] indices\n"
           "                         (peers[0].count, links.lossy.loss.p); missing\n"
           "                         objects are created, and [N] may append one entry.\n"
           "                         VALUE is JSON (8, 0.05, true, null, [\"bob\"]); text\n"
           "                         that is not valid JSON is taken as a string, so\n"
           "                         --set peers[0].uplink=lossy works.\n"
           "  -h, --help             show this help and exit\n"
           "\n"
           "Example:\n"
           "  blindfold check scenarios/lossy-uplink.json --set links.lossy.loss.p=0.05\n"
           "\n"
           "Exit codes: 0 valid, 2 invalid scenario or usage, 3 internal error.\n");
}

static int usage_error(const char *message, const char *arg)
{
    return cli__usage_error("check", message, arg);
}

/* Splits argv into the scenario file and the --set assignments. */
static int parse_args(int argc, char **argv, const char **file, const char **sets, size_t *n_sets)
{
    *file = NULL;
    *n_sets = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--set") == 0) {
            if (i + 1 >= argc)
                return usage_error("--set needs JSON.PATH=VALUE", NULL);
            sets[(*n_sets)++] = argv[++i];
        } else if (strncmp(arg, "--set=", 6) == 0) {
            sets[(*n_sets)++] = arg + 6;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return usage_error("unknown option", arg);
        } else if (*file != NULL) {
            return usage_error("expected one SCENARIO.json, got another:", arg);
        } else {
            *file = arg;
        }
    }
    if (*file == NULL || (*file)[0] == '\0')
        return usage_error("expected one SCENARIO.json", NULL);
    return BLINDFOLD_EXIT_OK;
}

int cli__cmd_check(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help();
            return BLINDFOLD_EXIT_OK;
        }
    const char **sets = calloc((size_t)argc, sizeof *sets);
    if (sets == NULL) {
        fprintf(stderr, "blindfold: out of memory\n");
        return BLINDFOLD_EXIT_INTERNAL;
    }
    const char *file;
    size_t n_sets;
    int status = parse_args(argc, argv, &file, sets, &n_sets);
    if (status != BLINDFOLD_EXIT_OK) {
        free(sets);
        return status;
    }
    char err[1024];
    sim_scenario_t *scenario = sim_scenario_load(file, sets, n_sets, err, sizeof err);
    free(sets);
    if (scenario == NULL) {
        fprintf(stderr, "%s\n", err);
        return BLINDFOLD_EXIT_USAGE;
    }
    char *text = sim_scenario_resolved_text(scenario);
    sim_scenario_free(scenario);
    if (text == NULL) {
        fprintf(stderr, "blindfold: out of memory\n");
        return BLINDFOLD_EXIT_INTERNAL;
    }
    fputs(text, stdout);
    free(text);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "blindfold: cannot write stdout\n");
        return BLINDFOLD_EXIT_INTERNAL;
    }
    return BLINDFOLD_EXIT_OK;
}
