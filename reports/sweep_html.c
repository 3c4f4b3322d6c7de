/* reports/sweep_html.c: summary.html of `blindfold sweep-merge`, one
 * self-contained page: counts, one plot per varied path, and the table of
 * summary.csv.
 *
 * Each plot puts that path's values on x and, for each value, aggregates
 * the variants that have it (whatever the other paths are): the video
 * latency p95 (left axis) and the delivered ratio (right axis) as median
 * with min-max error bars, and the share of variants that passed. gnuplot
 * draws it as SVG (reports/gnuplot.h); the page carries it as an
 * <img src="data:image/svg+xml,..."> so that the page stays plain HTML
 * that HTML checkers such as `xmllint --html` accept, while the SVG text
 * is still in the file. Without gnuplot the page says why and shows the
 * table only. */
#include "reports/gnuplot.h"
#include "reports/html_util.h"
#include "reports/sweep_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLOT_WIDTH  720
#define PLOT_HEIGHT 400

static void write_svg_image(FILE *out, const char *svg, const char *alt)
{
    fputs("<div class=\"plot\">", out);
    reports__html_svg_image(out, svg, alt);
    fputs("</div>\n", out);
}

/* `text` inside a gnuplot double-quoted string, on one line. */
static void gnuplot_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', out);
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out);
    }
    fputc('"', out);
}

/* An x tick label in the datablock: quoted, where gnuplot knows no escape,
 * so '"' becomes '\'' and line breaks spaces; cut to about 28 bytes on a
 * UTF-8 boundary. */
static void data_label(FILE *out, const char *text)
{
    enum { LABEL_MAX = 28 };
    size_t len = strlen(text);
    size_t keep = len;
    if (len > LABEL_MAX) {
        keep = LABEL_MAX - 3;
        while (keep > 0 && ((unsigned char)text[keep] & 0xc0) == 0x80)
            keep--;
    }
    fputs(" \"", out);
    for (size_t i = 0; i < keep; i++)
        fputc(text[i] == '"' ? '\'' : text[i] == '\n' || text[i] == '\r' ? ' ' : text[i], out);
    fputs(keep < len ? "...\"" : "\"", out);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median, min and max of values[0..n) (sorted in place); NaN when n is 0. */
static void spread(double *values, size_t n, double out[3])
{
    if (n == 0) {
        out[0] = out[1] = out[2] = NAN;
        return;
    }
    qsort(values, n, sizeof(*values), compare_doubles);
    out[0] = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    out[1] = values[0];
    out[2] = values[n - 1];
}

static void data_number(FILE *out, double value)
{
    char text[64];
    if (isnan(value)) {
        fputs(" NaN", out);
        return;
    }
    reports__sweep_format_real(value, text, sizeof(text));
    fprintf(out, " %s", text);
}

/* One datablock line per value of dimension d: x, latency median min max,
 * delivered median min max, pass ratio, label. */
static bool write_data(FILE *script, const reports_sweep_t *sweep, const reports__sweep_row_t *rows,
                       size_t d, bool numeric)
{
    const json_t *list =
        json_object_get(reports_sweep_vary(sweep), reports_sweep_dimension_path(sweep, d));
    size_t total = reports_sweep_variant_count(sweep);
    double *latency = calloc(total + 1, sizeof(*latency));
    double *delivered = calloc(total + 1, sizeof(*delivered));
    bool ok = latency != NULL && delivered != NULL;
    bool any = false;
    fputs("$d << EOD\n", script);
    for (size_t j = 0; ok && j < json_array_size(list); j++) {
        size_t n_latency = 0, n_delivered = 0, ran = 0, passed = 0;
        for (size_t i = 0; i < total; i++) {
            if (reports_sweep_value_index(sweep, i, d) != j ||
                strcmp(rows[i].status, "missing") == 0)
                continue;
            ran++;
            passed += rows[i].pass == 1;
            const reports__sweep_figures_t *f = &rows[i].figures;
            if (f->has[REPORTS__FIG_VIDEO_LATENCY_P95])
                latency[n_latency++] = f->value[REPORTS__FIG_VIDEO_LATENCY_P95];
            if (f->has[REPORTS__FIG_DELIVERED_RATIO_MIN])
                delivered[n_delivered++] = f->value[REPORTS__FIG_DELIVERED_RATIO_MIN];
        }
        double lat[3], del[3];
        spread(latency, n_latency, lat);
        spread(delivered, n_delivered, del);
        any = any || ran > 0;
        const json_t *value = json_array_get(list, j);
        data_number(script, numeric ? json_number_value(value) : (double)j);
        for (size_t k = 0; k < 3; k++)
            data_number(script, lat[k]);
        for (size_t k = 0; k < 3; k++)
            data_number(script, del[k]);
        data_number(script, ran > 0 ? (double)passed / (double)ran : NAN);
        if (json_is_string(value)) {
            data_label(script, json_string_value(value));
        } else {
            char *label = reports_sweep_canonical_json(value);
            data_label(script, label != NULL ? label : "?");
            free(label);
        }
        fputc('\n', script);
    }
    fputs("EOD\n", script);
    free(latency);
    free(delivered);
    return ok && any;
}

/* The gnuplot script of dimension d's plot; NULL when there is nothing to
 * plot (no variant with a result) or no memory. */
static char *plot_script(const reports_sweep_t *sweep, const reports__sweep_row_t *rows, size_t d)
{
    const json_t *list =
        json_object_get(reports_sweep_vary(sweep), reports_sweep_dimension_path(sweep, d));
    bool numeric = true;
    for (size_t j = 0; j < json_array_size(list); j++)
        numeric = numeric && json_is_number(json_array_get(list, j));
    char *text = NULL;
    size_t len = 0;
    FILE *script = open_memstream(&text, &len);
    if (script == NULL)
        return NULL;
    bool any = write_data(script, sweep, rows, d, numeric);
    fputs("set xlabel ", script);
    gnuplot_string(script, reports_sweep_dimension_path(sweep, d));
    fputs(" noenhanced\n"
          "set ylabel \"video latency p95 (ms)\" noenhanced\n"
          "set y2label \"ratio\"\n"
          "set ytics nomirror\n"
          "set y2tics\n"
          "set y2range [0:1.05]\n"
          "set grid\n"
          "set key outside bottom center horizontal noenhanced\n"
          "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n"
          "set bars small\n",
          script);
    if (!numeric)
        fprintf(script, "set xtics noenhanced\nset xrange [-0.5:%zu.5]\n",
                json_array_size(list) - 1);
    const char *ticks = numeric ? "" : ":xticlabels(9)";
    fprintf(script,
            "plot $d using 1:2:3:4%s with yerrorlines axes x1y1 lt 1 lw 2 "
            "title \"video latency p95 ms (median, min-max)\", \\\n"
            "     $d using 1:2 with points axes x1y1 lt 1 pt 7 notitle, \\\n"
            "     $d using 1:5:6:7 with yerrorlines axes x1y2 lt 2 lw 2 "
            "title \"delivered ratio min (median, min-max)\", \\\n"
            "     $d using 1:5 with points axes x1y2 lt 2 pt 7 notitle, \\\n"
            "     $d using 1:8 with linespoints axes x1y2 lt 3 lw 2 pt 7 title \"pass ratio\"\n",
            ticks);
    if (fclose(script) != 0 || !any) {
        free(text);
        return NULL;
    }
    return text;
}

static void write_plots(FILE *out, const reports_sweep_t *sweep, const reports__sweep_row_t *rows)
{
    char why[512] = "";
    fputs("<h2>Plots</h2>\n", out);
    if (!reports__gnuplot_available(why, sizeof(why))) {
        fputs("<p>", out);
        reports__html_text(out, why);
        fputs(" The table below has every figure.</p>\n", out);
        return;
    }
    fputs("<p>One plot per varied path. For each of its values, the variants with that value "
          "(whatever the other paths are): video latency p95 (left axis) and delivered ratio "
          "(right axis) as median with min-max bars, and the share that passed.</p>\n",
          out);
    for (size_t d = 0; d < reports_sweep_dimension_count(sweep); d++) {
        const char *path = reports_sweep_dimension_path(sweep, d);
        fputs("<h3>", out);
        reports__html_text(out, path);
        fputs("</h3>\n", out);
        char *script = plot_script(sweep, rows, d);
        char *svg = script != NULL
                        ? reports__gnuplot_svg(script, PLOT_WIDTH, PLOT_HEIGHT, why, sizeof(why))
                        : NULL;
        if (svg != NULL) {
            write_svg_image(out, svg, path);
        } else {
            fputs("<p>No plot: ", out);
            reports__html_text(out,
                               script == NULL ? "no variant of this path has a result yet." : why);
            fputs("</p>\n", out);
        }
        free(svg);
        free(script);
    }
}

static void write_counts(FILE *out, const reports_sweep_t *sweep, const reports__sweep_row_t *rows)
{
    static const char *const statuses[] = { "pass", "fail", "error", "missing" };
    size_t counts[4] = { 0 };
    size_t total = reports_sweep_variant_count(sweep);
    for (size_t i = 0; i < total; i++)
        for (size_t s = 0; s < 4; s++)
            counts[s] += strcmp(rows[i].status, statuses[s]) == 0;
    fprintf(out, "<p>%zu variants of base scenario <code>", total);
    reports__html_text(out, reports_sweep_base(sweep));
    fputs("</code>:", out);
    for (size_t s = 0; s < 4; s++)
        fprintf(out, "%s %zu %s", s > 0 ? "," : "", counts[s], statuses[s]);
    fputs(".</p>\n", out);
}

static void write_table(FILE *out, const reports_sweep_t *sweep, const reports__sweep_row_t *rows)
{
    size_t dims = reports_sweep_dimension_count(sweep);
    fputs("<h2>Variants</h2>\n<table>\n<thead><tr><th>variant</th><th>index</th>", out);
    for (size_t d = 0; d < dims; d++) {
        fputs("<th>", out);
        reports__html_text(out, reports_sweep_dimension_path(sweep, d));
        fputs("</th>", out);
    }
    fputs("<th>status</th>", out);
    for (size_t f = 0; f < REPORTS__FIG_COUNT; f++)
        fprintf(out, "<th class=\"num\">%s</th>",
                reports__sweep_figure_name((reports__sweep_figure_t)f));
    fputs("<th>confidentiality</th><th>failed</th></tr></thead>\n<tbody>\n", out);
    for (size_t i = 0; i < reports_sweep_variant_count(sweep); i++) {
        fprintf(out, "<tr><td><code>%s</code></td><td class=\"num\">%zu</td>",
                reports_sweep_variant_id(sweep, i), i);
        for (size_t d = 0; d < dims; d++) {
            char *text = reports__sweep_value_text(sweep, i, d);
            fputs("<td>", out);
            reports__html_text(out, text != NULL ? text : "?");
            fputs("</td>", out);
            free(text);
        }
        const char *badge = strcmp(rows[i].status, "pass") == 0      ? "pass"
                            : strcmp(rows[i].status, "missing") == 0 ? "neutral"
                                                                     : "fail";
        fprintf(out, "<td><span class=\"badge %s\">%s</span></td>", badge, rows[i].status);
        for (size_t f = 0; f < REPORTS__FIG_COUNT; f++) {
            char number[64] = "";
            if (rows[i].figures.has[f])
                reports__sweep_format_real(rows[i].figures.value[f], number, sizeof(number));
            fprintf(out, "<td class=\"num\">%s</td>", number);
        }
        fputs("<td>", out);
        reports__html_text(out, rows[i].verdict);
        fputs("</td><td>", out);
        reports__html_text(out, rows[i].failed);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

bool reports__sweep_write_html(const char *path, const reports_sweep_t *sweep,
                               const reports__sweep_row_t *rows, char *err, size_t err_len)
{
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        snprintf(err, err_len, "%s: cannot open for writing: %s", path, strerror(errno));
        return false;
    }
    char title[256];
    snprintf(title, sizeof(title), "blindfold sweep %s", reports_sweep_name(sweep));
    reports__html_begin(out, title);
    fputs("<h1>", out);
    reports__html_text(out, title);
    fputs("</h1>\n", out);
    write_counts(out, sweep, rows);
    write_plots(out, sweep, rows);
    write_table(out, sweep, rows);
    reports__html_end(out);
    bool failed = ferror(out) != 0;
    if (fclose(out) != 0 || failed) {
        snprintf(err, err_len, "%s: write failed", path);
        return false;
    }
    return true;
}
