/* `blindfold report DIR`: renders DIR/report.html, one self-contained page,
 * from DIR/report.json and the CSV files beside it (reports/reports.h),
 * for run and replay folders alike. */
#include "cli/cli.h"
#include "reports/reports.h"

#include <stdio.h>
#include <string.h>

static void print_help(void)
{
    printf("Usage: blindfold report DIR\n"
           "\n"
           "Renders DIR/report.html from DIR/report.json and the CSV files beside it, as\n"
           "left by blindfold run or blindfold replay: one self-contained page (inline\n"
           "style, SVG plots as data images, nothing fetched) with the summary, the\n"
           "per-receiver and per-sender tables, confidentiality, SFU counters and plots.\n"
           "\n"
           "Plots are drawn with gnuplot: the program named by BLINDFOLD_GNUPLOT when it\n"
           "is set (empty: no plots), else 'gnuplot' in PATH. Without gnuplot the page\n"
           "still renders and says why it has no plots.\n"
           "\n"
           "Prints the path of the page.\n"
           "\n"
           "Options:\n"
           "  -h, --help  show this help and exit\n"
           "\n"
           "Exit codes: 0 page written, 2 usage error or DIR/report.json missing or not a\n"
           "report, 3 the page cannot be written.\n");
}

int cli__cmd_report(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_help();
            return BLINDFOLD_EXIT_OK;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "blindfold report: unknown option %s (see blindfold report --help)\n",
                    arg);
            return BLINDFOLD_EXIT_USAGE;
        }
        if (dir != NULL) {
            fprintf(stderr, "blindfold report: expected one DIR, got another: %s\n", arg);
            return BLINDFOLD_EXIT_USAGE;
        }
        dir = arg;
    }
    if (dir == NULL || dir[0] == '\0') {
        fprintf(stderr, "blindfold report: expected one DIR (see blindfold report --help)\n");
        return BLINDFOLD_EXIT_USAGE;
    }
    char err[1024] = "";
    int rc = reports_render_html(dir, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "blindfold report: %s\n", err);
        return rc == 2 ? BLINDFOLD_EXIT_USAGE : BLINDFOLD_EXIT_INTERNAL;
    }
    printf("%s/report.html\n", dir);
    return BLINDFOLD_EXIT_OK;
}
