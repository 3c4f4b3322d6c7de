/* What the subcommands share (cli/cli.h): option parsing, report.html. */
#include "cli/cli.h"
#include "reports/reports.h"

#include <stdio.h>
#include <string.h>

int cli__usage_error(const char *cmd, const char *message, const char *arg)
{
    fprintf(stderr, "blindfold %s: %s%s%s (see blindfold %s --help)\n", cmd, message,
            arg != NULL ? " " : "", arg != NULL ? arg : "", cmd);
    return BLINDFOLD_EXIT_USAGE;
}

bool cli__is_opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int cli__take_value(const char *cmd, int argc, char **argv, int *i, const char *name,
                    const char **slot, bool repeatable)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    const char *value;
    if (arg[n] == '=') {
        value = arg + n + 1;
    } else {
        if (*i + 1 >= argc)
            return cli__usage_error(cmd, "missing value for", name);
        value = argv[++*i];
    }
    if (*slot != NULL && !repeatable)
        return cli__usage_error(cmd, "option given twice:", name);
    *slot = value;
    return BLINDFOLD_EXIT_OK;
}

bool cli__finish_html(const char *cmd, const char *dir, bool no_html)
{
    char path[4200];
    if (no_html) {
        /* A page left by an earlier run would not match these files. */
        snprintf(path, sizeof path, "%s/report.html", dir);
        (void)remove(path);
        return true;
    }
    /* No gnuplot just means no plots; only a page that cannot be written
     * is an error. */
    char err[1024];
    int rc = reports_render_html(dir, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "blindfold %s: report.html not rendered: %s\n", cmd, err);
    return rc != 3;
}
