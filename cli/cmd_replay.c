/* `blindfold replay CAPTURE [--srtp-key SPEC]... [--dtls-srtp-material HEX]
 * [--link PROFILE.json] [--subscribers N] [--out DIR] [--json] [--seed N]
 * [--quiet] [--no-html]`: replays every RTP stream of a capture through
 * the SFU core (sim/sim_replay.h) and writes report.json, streams.csv,
 * stream_timeseries.csv, forwarded.pcap and report.html. */
#include "cli/cli.h"
#include "reports/reports.h"
#include "sim/sim_replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_help(void)
{
    printf("Usage: blindfold replay CAPTURE [--srtp-key SPEC]... [--dtls-srtp-material HEX]\n"
           "                        [--link PROFILE.json] [--subscribers N] [--out DIR]\n"
           "                        [--json] [--seed N] [--quiet] [--no-html]\n"
           "\n"
           "Replays every RTP stream of a pcap or pcapng capture through the SFU core, with\n"
           "the capture's timestamps as virtual time, and reports every stream (counted as\n"
           "tshark -z rtp,streams counts them), what the SFU forwarded and dropped, and\n"
           "whether the media looks end-to-end encrypted.\n"
           "\n"
           "Options:\n"
           "  --srtp-key SPEC           an SRTP master key, [SRC_IP:PORT=]PROFILE:BASE64 (SDES\n"
           "                            inline key||salt); repeatable. Each stream keeps the\n"
           "                            key whose authentication tags verify\n"
           "  --dtls-srtp-material HEX  RFC 5764 keying material (client key, server key,\n"
           "                            client salt, server salt): both keys are tried\n"
           "  --link PROFILE.json       a scenario link profile applied to every publisher's\n"
           "                            path into the SFU\n"
           "  --subscribers N           receive-only participants that get every stream\n"
           "                            (1 .. %u; default 1)\n"
           "  --out DIR                 output folder; default blindfold-out/<capture name>\n"
           "  --json                    print report.json on stdout instead of the summary\n"
           "  --seed N                  the link profile's random seed (default 1)\n"
           "  --quiet                   no summary on stdout\n"
           "  --no-html                 do not render report.html\n"
           "  -h, --help                show this help and exit\n"
           "\n"
           "Files: report.json, streams.csv, stream_timeseries.csv, forwarded.pcap (the\n"
           "SFU's egress to each subscriber as Ethernet/IPv4/UDP), report.html.\n"
           "\n"
           "Exit codes: 0 replayed, 2 bad input (an unreadable or damaged capture, a bad\n"
           "key or profile; a capture damaged part way is still replayed up to the damage\n"
           "and reported), 3 internal error.\n",
           SIM_REPLAY_MAX_SUBSCRIBERS);
}

static int usage_error(const char *message, const char *arg)
{
    return cli__usage_error("replay", message, arg);
}

typedef struct replay_args {
    const char *capture;
    const char **keys;
    size_t n_keys;
    const char *material, *link, *subscribers, *out, *seed;
    bool json, quiet, no_html;
} replay_args_t;

static int parse_args(int argc, char **argv, replay_args_t *a)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        int rc = BLINDFOLD_EXIT_OK;
        if (cli__is_opt(arg, "--srtp-key")) {
            rc = cli__take_value("replay", argc, argv, &i, "--srtp-key", &value, true);
            if (rc == BLINDFOLD_EXIT_OK)
                a->keys[a->n_keys++] = value;
        } else if (cli__is_opt(arg, "--dtls-srtp-material")) {
            rc = cli__take_value("replay", argc, argv, &i, "--dtls-srtp-material", &a->material,
                                 false);
        } else if (cli__is_opt(arg, "--link")) {
            rc = cli__take_value("replay", argc, argv, &i, "--link", &a->link, false);
        } else if (cli__is_opt(arg, "--subscribers")) {
            rc = cli__take_value("replay", argc, argv, &i, "--subscribers", &a->subscribers, false);
        } else if (cli__is_opt(arg, "--out")) {
            rc = cli__take_value("replay", argc, argv, &i, "--out", &a->out, false);
        } else if (cli__is_opt(arg, "--seed")) {
            rc = cli__take_value("replay", argc, argv, &i, "--seed", &a->seed, false);
        } else if (strcmp(arg, "--json") == 0) {
            a->json = true;
        } else if (strcmp(arg, "--quiet") == 0) {
            a->quiet = true;
        } else if (strcmp(arg, "--no-html") == 0) {
            a->no_html = true;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return usage_error("unknown option", arg);
        } else if (a->capture != NULL) {
            return usage_error("expected one CAPTURE, got another:", arg);
        } else {
            a->capture = arg;
        }
        if (rc != BLINDFOLD_EXIT_OK)
            return rc;
    }
    if (a->capture == NULL || a->capture[0] == '\0')
        return usage_error("expected a CAPTURE (a pcap or pcapng file)", NULL);
    if (a->out != NULL && a->out[0] == '\0')
        return usage_error("--out needs a folder name", NULL);
    return BLINDFOLD_EXIT_OK;
}

/* blindfold-out/<capture file name without its extension>. */
static void default_out(const char *capture, char *dir, size_t cap)
{
    const char *base = strrchr(capture, '/');
    base = base != NULL ? base + 1 : capture;
    const char *dot = strrchr(base, '.');
    int len = dot != NULL && dot != base ? (int)(dot - base) : (int)strlen(base);
    snprintf(dir, cap, "blindfold-out/%.*s", len, base);
}

static int run_replay(const replay_args_t *a, const sim_replay_options_t *o_in, const char *dir)
{
    char err[1024] = "";
    reports_replay_out_t *out = reports_replay_open(dir, err, sizeof err);
    if (out == NULL) {
        fprintf(stderr, "blindfold replay: %s\n", err);
        return BLINDFOLD_EXIT_USAGE;
    }
    sim_replay_options_t o = *o_in;
    o.streams_csv = reports_replay_streams(out);
    o.stream_timeseries = reports_replay_timeseries(out);
    o.forwarded_pcap = reports_replay_pcap_path(out);
    json_t *report = NULL;
    sim_replay_status_t st = sim_replay(&o, &report, err, sizeof err);
    if (st == SIM_REPLAY_BAD_INPUT || st == SIM_REPLAY_INTERNAL) {
        /* Nothing was replayed: no files that look like a result. */
        reports_replay_discard(out);
        fprintf(stderr, "blindfold replay: %s\n", err);
        return st == SIM_REPLAY_BAD_INPUT ? BLINDFOLD_EXIT_USAGE : BLINDFOLD_EXIT_INTERNAL;
    }
    char close_err[1024] = "";
    bool closed = reports_replay_close(out, report, close_err, sizeof close_err);
    if (!closed) {
        fprintf(stderr, "blindfold replay: %s\n", close_err);
        json_decref(report);
        return BLINDFOLD_EXIT_INTERNAL;
    }
    int exit_code =
        cli__finish_html("replay", dir, a->no_html) ? BLINDFOLD_EXIT_OK : BLINDFOLD_EXIT_INTERNAL;
    if (a->json) {
        char *text = reports_json_text(report);
        if (text != NULL)
            fputs(text, stdout);
        free(text);
    } else if (!a->quiet) {
        reports_print_replay_summary(stdout, report);
        printf("files: %s/report.json, streams.csv, stream_timeseries.csv, forwarded.pcap%s\n", dir,
               a->no_html ? "" : ", report.html");
    }
    json_decref(report);
    if (st == SIM_REPLAY_DAMAGED) {
        /* Everything before the damage is in the files; the capture is
         * still bad input. */
        fprintf(stderr, "blindfold replay: %s\n", err);
        return BLINDFOLD_EXIT_USAGE;
    }
    return exit_code;
}

int cli__cmd_replay(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help();
            return BLINDFOLD_EXIT_OK;
        }
    replay_args_t a;
    memset(&a, 0, sizeof a);
    a.keys = calloc((size_t)argc + 1, sizeof *a.keys);
    if (a.keys == NULL) {
        fprintf(stderr, "blindfold replay: out of memory\n");
        return BLINDFOLD_EXIT_INTERNAL;
    }
    int rc = parse_args(argc, argv, &a);
    sim_replay_options_t o = sim_replay_options_default();
    uint64_t n = 0;
    if (rc == BLINDFOLD_EXIT_OK && a.subscribers != NULL) {
        if (!cli__parse_u64(a.subscribers, &n) || n < 1 || n > SIM_REPLAY_MAX_SUBSCRIBERS) {
            fprintf(stderr,
                    "blindfold replay: --subscribers needs a number 1 .. %u, got %s (see "
                    "blindfold replay --help)\n",
                    SIM_REPLAY_MAX_SUBSCRIBERS, a.subscribers);
            rc = BLINDFOLD_EXIT_USAGE;
        } else {
            o.subscribers = (unsigned)n;
        }
    }
    if (rc == BLINDFOLD_EXIT_OK && a.seed != NULL && !cli__parse_u64(a.seed, &o.seed))
        rc = usage_error("--seed needs a decimal number 0 .. 18446744073709551615, got", a.seed);
    if (rc != BLINDFOLD_EXIT_OK) {
        free(a.keys);
        return rc;
    }
    o.capture = a.capture;
    o.srtp_keys = a.keys;
    o.n_srtp_keys = a.n_keys;
    o.dtls_srtp_material = a.material;
    o.link = a.link;
    o.version = BLINDFOLD_VERSION;
    char dir[4096];
    if (a.out != NULL)
        snprintf(dir, sizeof dir, "%s", a.out);
    else
        default_out(a.capture, dir, sizeof dir);
    rc = run_replay(&a, &o, dir);
    free(a.keys);
    return rc;
}
