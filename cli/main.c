/* The blindfold command: parses the first argument and dispatches to a
 * subcommand through a const table. Exit codes follow docs/cli.md:
 * 0 success, 1 a budget/invariant/vector failed, 2 bad input or usage,
 * 3 internal error. Subcommands join the table as their modules land. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

typedef struct blindfold_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} blindfold_cmd_t;

/* One row per subcommand. The NULL row ends the table. */
static const blindfold_cmd_t blindfold_cmds[] = {
    { "run", "run a call through the SFU and check confidentiality and budgets", cli__cmd_run },
    { "replay", "replay the RTP streams of a pcap or pcapng capture through the SFU core",
      cli__cmd_replay },
    { "report", "render report.html, with plots, from a run or replay folder", cli__cmd_report },
    { "sweep", "run a grid of scenario variants, on one machine or as one shard", cli__cmd_sweep },
    { "sweep-merge", "merge sweep shards into summary.csv and summary.html", cli__cmd_sweep_merge },
    { "vectors", "check an RFC 9605 test-vector file", cli__cmd_vectors },
    { "sframe", "protect or unprotect hex frames with RFC 9605 SFrame", cli__cmd_sframe },
    { "check", "validate a scenario and print it with every default filled in", cli__cmd_check },
    { NULL, NULL, NULL },
};

static void print_usage(FILE *out)
{
    fprintf(out, "Usage: blindfold SUBCOMMAND [OPTIONS]\n"
                 "       blindfold --help | --version\n"
                 "\n"
                 "blindfold tests end-to-end encrypted video calls through an SFU: virtual\n"
                 "peers with real codecs encrypt every frame, a real SFU core forwards them\n"
                 "over simulated links, and blindfold verifies that the SFU saw only\n"
                 "ciphertext, that receivers decoded what was sent, and that latency and\n"
                 "throughput met their budgets.\n"
                 "\n"
                 "Subcommands:\n");
    if (blindfold_cmds[0].name == NULL)
        fprintf(out, "  (none in this build yet)\n");
    for (const blindfold_cmd_t *cmd = blindfold_cmds; cmd->name; cmd++)
        fprintf(out, "  %-12s %s\n", cmd->name, cmd->summary);
    fprintf(out, "\n"
                 "Options:\n"
                 "  -h, --help     show this help and exit\n"
                 "  --version      print the version and exit\n"
                 "\n"
                 "Exit codes: 0 success, 1 a budget or invariant failed, 2 bad input or\n"
                 "usage, 3 internal error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '\0') {
        fprintf(stderr, "blindfold: no subcommand given (see blindfold --help)\n");
        return BLINDFOLD_EXIT_USAGE;
    }
    const char *first = argv[1];
    if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0) {
        print_usage(stdout);
        return BLINDFOLD_EXIT_OK;
    }
    if (strcmp(first, "--version") == 0) {
        printf("blindfold %s\n", BLINDFOLD_VERSION);
        return BLINDFOLD_EXIT_OK;
    }
    if (first[0] == '-') {
        fprintf(stderr, "blindfold: unknown option '%s' (see blindfold --help)\n", first);
        return BLINDFOLD_EXIT_USAGE;
    }
    for (const blindfold_cmd_t *cmd = blindfold_cmds; cmd->name; cmd++)
        if (strcmp(cmd->name, first) == 0)
            return cmd->run(argc - 1, argv + 1);
    fprintf(stderr, "blindfold: unknown subcommand '%s' (see blindfold --help)\n", first);
    return BLINDFOLD_EXIT_USAGE;
}
