/* `blindfold run [SCENARIO.json] [--seed N] [--set JSON.PATH=VALUE]...
 * [--out DIR] [--json] [--trace FILE] [--pcap FILE] [--quiet] [--no-html]`: runs one call
 * (sim/sim_run.h) and writes its folder (reports/reports.h), report.html
 * included unless --no-html. */
#include "cli/cli.h"
#include "reports/reports.h"
#include "sim/sim.h"
#include "sim/sim_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_help(void)
{
    printf("Usage: blindfold run [SCENARIO.json] [--seed N] [--set JSON.PATH=VALUE]...\n"
           "                     [--out DIR] [--json] [--trace FILE] [--pcap FILE] [--quiet]\n"
           "                     [--no-html]\n"
           "\n"
           "Runs one end-to-end encrypted call through the SFU core in virtual time: the\n"
           "scenario's peers with real VP8/Opus codecs and E2EE, simulated links, events\n"
           "and key distribution. Checks that the SFU saw only ciphertext, that receivers\n"
           "decrypted and decoded what was sent, and the scenario's budgets.\n"
           "Without SCENARIO.json it runs the built-in default scenario.\n"
           "\n"
           "Writes DIR/report.json, DIR/frames.csv and DIR/timeseries.csv\n"
           "(docs/report-format.md), prints a summary table and renders DIR/report.html,\n"
           "a self-contained page with the tables and plots (as blindfold report DIR\n"
           "does; plots need gnuplot: BLINDFOLD_GNUPLOT, else 'gnuplot' in PATH).\n"
           "\n"
           "Options:\n"
           "  --seed N               the scenario's seed (0 .. 2^64-1)\n"
           "  --set JSON.PATH=VALUE  override one scenario field; repeatable (as in\n"
           "                         blindfold check)\n"
           "  --out DIR              output folder; default blindfold-out/<scenario name>\n"
           "  --json                 print report.json on stdout instead of the summary\n"
           "  --trace FILE           write a JSON-lines log of the call's events to FILE\n"
           "  --pcap FILE            write what the SFU received and sent to FILE (pcap, as\n"
           "                         on the wire; blindfold replay reads it back)\n"
           "  --quiet                no progress line on stderr\n"
           "  --no-html              do not render report.html (and remove an older one)\n"
           "  -h, --help             show this help and exit\n"
           "\n"
           "Example:\n"
           "  blindfold run scenarios/lossy-uplink.json --set links.lossy.loss.p=0.05\n"
           "\n"
           "Exit codes: 0 every budget met, 1 a budget or invariant failed, 2 invalid\n"
           "scenario or usage, 3 internal error.\n");
}

static int usage_error(const char *message, const char *arg)
{
    return cli__usage_error("run", message, arg);
}

typedef struct run_args {
    const char *file;
    const char **sets;
    size_t n_sets;
    const char *seed;
    const char *out;
    const char *trace;
    const char *pcap;
    bool json;
    bool quiet;
    bool no_html;
} run_args_t;

static int parse_args(int argc, char **argv, run_args_t *a)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int rc = BLINDFOLD_EXIT_OK;
        if (cli__is_opt(arg, "--set")) {
            const char *value = NULL;
            rc = cli__take_value("run", argc, argv, &i, "--set", &value, false);
            if (rc == BLINDFOLD_EXIT_OK)
                a->sets[a->n_sets++] = value;
        } else if (cli__is_opt(arg, "--seed")) {
            rc = cli__take_value("run", argc, argv, &i, "--seed", &a->seed, false);
        } else if (cli__is_opt(arg, "--out")) {
            rc = cli__take_value("run", argc, argv, &i, "--out", &a->out, false);
        } else if (cli__is_opt(arg, "--trace")) {
            rc = cli__take_value("run", argc, argv, &i, "--trace", &a->trace, false);
        } else if (cli__is_opt(arg, "--pcap")) {
            rc = cli__take_value("run", argc, argv, &i, "--pcap", &a->pcap, false);
        } else if (strcmp(arg, "--json") == 0) {
            a->json = true;
        } else if (strcmp(arg, "--quiet") == 0) {
            a->quiet = true;
        } else if (strcmp(arg, "--no-html") == 0) {
            a->no_html = true;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return usage_error("unknown option", arg);
        } else if (a->file != NULL) {
            return usage_error("expected at most one SCENARIO.json, got another:", arg);
        } else {
            a->file = arg;
        }
        if (rc != BLINDFOLD_EXIT_OK)
            return rc;
    }
    if (a->file != NULL && a->file[0] == '\0')
        return usage_error("empty SCENARIO.json name", NULL);
    uint64_t seed;
    if (a->seed != NULL && !cli__parse_u64(a->seed, &seed))
        return usage_error("--seed needs a decimal number 0 .. 18446744073709551615, got", a->seed);
    if (a->out != NULL && a->out[0] == '\0')
        return usage_error("--out needs a folder name", NULL);
    return BLINDFOLD_EXIT_OK;
}

typedef struct run_ui {
    bool progress;
    bool shown;
    FILE *trace;
    bool trace_failed;
} run_ui_t;

static void on_progress(void *ctx, double virtual_s, double total_s, double wall_s)
{
    run_ui_t *ui = ctx;
    if (!ui->progress || wall_s < 1.0)
        return;
    double speed = wall_s > 0 ? virtual_s / wall_s : 0;
    double eta = speed > 0 ? (total_s - virtual_s) / speed : 0;
    fprintf(stderr, "\r  %.1f / %.1f s of call, %.2fx real time, about %.0f s left   ", virtual_s,
            total_s, speed, eta);
    fflush(stderr);
    ui->shown = true;
}

static void on_trace(void *ctx, const char *line)
{
    run_ui_t *ui = ctx;
    if (ui->trace_failed)
        return;
    if (fputs(line, ui->trace) < 0 || fputc('\n', ui->trace) < 0)
        ui->trace_failed = true;
}

int cli__cmd_run(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help();
            return BLINDFOLD_EXIT_OK;
        }
    run_args_t a;
    memset(&a, 0, sizeof(a));
    /* --seed N becomes one more --set, applied last so that it wins. */
    a.sets = calloc((size_t)argc + 1, sizeof(*a.sets));
    if (a.sets == NULL) {
        fprintf(stderr, "blindfold run: out of memory\n");
        return BLINDFOLD_EXIT_INTERNAL;
    }
    int rc = parse_args(argc, argv, &a);
    char seed_set[64];
    if (rc == BLINDFOLD_EXIT_OK && a.seed != NULL) {
        snprintf(seed_set, sizeof(seed_set), "seed=\"%s\"", a.seed);
        a.sets[a.n_sets++] = seed_set;
    }
    if (rc != BLINDFOLD_EXIT_OK) {
        free(a.sets);
        return rc;
    }

    char err[1024] = "";
    sim_scenario_t *scenario =
        a.file != NULL ? sim_scenario_load(a.file, a.sets, a.n_sets, err, sizeof(err))
                       : sim_scenario_builtin_default(a.sets, a.n_sets, err, sizeof(err));
    free(a.sets);
    if (scenario == NULL) {
        fprintf(stderr, "blindfold run: %s\n", err);
        return BLINDFOLD_EXIT_USAGE;
    }

    char dir[4096];
    if (a.out != NULL)
        snprintf(dir, sizeof(dir), "%s", a.out);
    else
        snprintf(dir, sizeof(dir), "blindfold-out/%s", scenario->name);
    reports_run_out_t *out = reports_run_open(dir, err, sizeof(err));
    if (out == NULL) {
        fprintf(stderr, "blindfold run: %s\n", err);
        sim_scenario_free(scenario);
        return BLINDFOLD_EXIT_USAGE;
    }
    run_ui_t ui = { .progress = !a.quiet && isatty(STDERR_FILENO) };
    if (a.trace != NULL) {
        ui.trace = fopen(a.trace, "w");
        if (ui.trace == NULL) {
            fprintf(stderr, "blindfold run: %s: cannot open for writing: %s\n", a.trace,
                    strerror(errno));
            (void)reports_run_close(out, NULL, err, sizeof(err));
            sim_scenario_free(scenario);
            return BLINDFOLD_EXIT_USAGE;
        }
    }

    sim_run_options_t options = {
        .on_frame = reports_frame_row,
        .on_frame_ctx = out,
        .timeseries = reports_run_timeseries(out),
        .version = BLINDFOLD_VERSION,
        .on_progress = on_progress,
        .on_progress_ctx = &ui,
        .on_trace = ui.trace != NULL ? on_trace : NULL,
        .on_trace_ctx = &ui,
        .pcap = a.pcap,
    };
    json_t *report = NULL;
    sim_run_status_t status = sim_run_call(scenario, &options, &report, err, sizeof(err));
    if (ui.shown)
        fputc('\n', stderr);
    int exit_code;
    if (status == SIM_RUN_INTERNAL || status == SIM_RUN_UNSUPPORTED) {
        fprintf(stderr, "blindfold run: %s\n", err);
        (void)reports_run_close(out, NULL, err, sizeof(err));
        exit_code = status == SIM_RUN_UNSUPPORTED ? BLINDFOLD_EXIT_USAGE : BLINDFOLD_EXIT_INTERNAL;
    } else if (!reports_run_close(out, report, err, sizeof(err))) {
        fprintf(stderr, "blindfold run: %s\n", err);
        exit_code = BLINDFOLD_EXIT_INTERNAL;
    } else {
        if (a.json) {
            char *text = reports_json_text(report);
            if (text != NULL)
                fputs(text, stdout);
            free(text);
        } else {
            reports_print_summary(stdout, report);
            printf("files: %s/report.json, frames.csv, timeseries.csv%s\n", dir,
                   a.no_html ? "" : ", report.html");
        }
        exit_code = status == SIM_RUN_PASS ? BLINDFOLD_EXIT_OK : BLINDFOLD_EXIT_FAILED;
        if (!cli__finish_html("run", dir, a.no_html))
            exit_code = BLINDFOLD_EXIT_INTERNAL;
    }
    if (ui.trace != NULL && (fclose(ui.trace) != 0 || ui.trace_failed)) {
        fprintf(stderr, "blindfold run: %s: write failed\n", a.trace);
        if (exit_code == BLINDFOLD_EXIT_OK || exit_code == BLINDFOLD_EXIT_FAILED)
            exit_code = BLINDFOLD_EXIT_INTERNAL;
    }
    json_decref(report);
    sim_scenario_free(scenario);
    return exit_code;
}
