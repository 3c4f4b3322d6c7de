/* reports/html_plot.c: line plots for the HTML pages (reports/html_plot.h):
 * a gnuplot script with one inline datablock per line, the page's common
 * look (grid, legend outside the data, titles and axis labels), split into
 * several plots when the lines would crowd one. */
#include "reports/html_plot.h"
#include "reports/html_util.h"

#include <string.h>

static void plot_chunk(html_page_t *page, const html_plot_spec_t *spec, const char *id,
                       const char *caption, html_line_t *lines, size_t n_lines)
{
    html_text_t script = { 0 };
    for (size_t i = 0; i < n_lines; i++)
        reports__text_printf(&script, "$d%zu << EOD\n%sEOD\n", i, lines[i].rows.bytes);
    reports__text_printf(&script, "set title ");
    reports__text_gp_string(&script, spec->title);
    reports__text_printf(&script, "\nset xlabel ");
    reports__text_gp_string(&script, spec->xlabel);
    reports__text_printf(&script, "\nset ylabel ");
    reports__text_gp_string(&script, spec->ylabel);
    reports__text_printf(&script, "\nset grid lc rgb \"#dddddd\"\nset key outside right top "
                                  "vertical Left reverse noenhanced samplen 2\nset datafile "
                                  "missing \"NaN\"\nset border 3\nset tics nomirror\n");
    if (spec->y2label != NULL) {
        reports__text_printf(&script, "set y2label ");
        reports__text_gp_string(&script, spec->y2label);
        reports__text_printf(&script, "\nset y2tics\nset border 11\n");
    }
    if (spec->settings != NULL)
        reports__text_printf(&script, "%s\n", spec->settings);
    reports__text_printf(&script, "plot ");
    for (size_t i = 0; i < n_lines; i++) {
        reports__text_printf(&script, "%s$d%zu using 1:2 axes %s with %s title ",
                             i ? ", \\\n  " : "", i, lines[i].y2 ? "x1y2" : "x1y1",
                             lines[i].style != NULL ? lines[i].style : "lines lw 1.5");
        reports__text_gp_string(&script, lines[i].title);
    }
    reports__text_printf(&script, "\n");
    reports__html_plot(page, id, caption, &script, spec->width, spec->height);
    reports__text_free(&script);
}

/* Whether the rows hold at least one point with a value. */
static bool has_points(const html_text_t *rows)
{
    if (rows->failed || rows->len == 0)
        return false;
    for (const char *line = rows->bytes; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        if (len < 4 || strncmp(line + len - 4, " NaN", 4) != 0)
            return true;
        if (end == NULL)
            break;
        line = end + 1;
    }
    return false;
}

void reports__html_line_plot(html_page_t *page, const html_plot_spec_t *spec, html_line_t *lines,
                             size_t n_lines)
{
    /* Keep only the lines that have rows, in order. */
    size_t kept = 0;
    for (size_t i = 0; i < n_lines; i++)
        if (has_points(&lines[i].rows)) {
            if (kept != i) {
                html_line_t moved = lines[kept];
                lines[kept] = lines[i];
                lines[i] = moved;
            }
            kept++;
        }
    if (kept == 0) {
        fprintf(page->out, "<div class=\"plot\" id=\"%s\">\n<p class=\"caption\">", spec->id);
        reports__html_text(page->out, spec->caption);
        fputs("</p>\n<p class=\"missing\">No plot: no data for it.</p>\n</div>\n", page->out);
        return;
    }
    size_t max = spec->max_lines != 0 ? spec->max_lines : HTML_PLOT_MAX_LINES;
    size_t parts = (kept + max - 1) / max;
    for (size_t part = 0; part < parts; part++) {
        char id[256], caption[1024];
        size_t first = part * max;
        size_t count = kept - first < max ? kept - first : max;
        if (part == 0)
            snprintf(id, sizeof(id), "%s", spec->id);
        else
            snprintf(id, sizeof(id), "%s-%zu", spec->id, part + 1);
        if (parts > 1)
            snprintf(caption, sizeof(caption), "%s (part %zu of %zu: lines %zu to %zu)",
                     spec->caption, part + 1, parts, first + 1, first + count);
        else
            snprintf(caption, sizeof(caption), "%s", spec->caption);
        plot_chunk(page, spec, id, caption, lines + first, count);
    }
}
