/* reports/html_page.c: `reports_render_html` (reports/reports.h), the
 * entry point of the HTML page, and the pieces the run and replay pages
 * share: the CSV reader, text buffers for gnuplot scripts, table cells
 * from JSON values and the plot slot.
 *
 * The page is written to DIR/report.html.tmp and renamed over
 * DIR/report.html only when every write succeeded, so a failure never
 * leaves half a page behind. */
#include "reports/gnuplot.h"
#include "reports/html_internal.h"
#include "reports/html_util.h"
#include "reports/reports.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HTML_PATH_MAX  4096
#define CSV_MAX_FIELDS 64

/* ---- CSV ---- */

struct html_csv {
    FILE *file;
    char *line;
    size_t line_cap;
    char *header;
    const char *names[CSV_MAX_FIELDS];
    int n_names;
    const char *fields[CSV_MAX_FIELDS];
    int n_fields;
};

static int split_fields(char *line, const char **fields)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < CSV_MAX_FIELDS;) {
        fields[n++] = p;
        char *comma = strchr(p, ',');
        if (comma == NULL)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

html_csv_t *reports__csv_open(const char *dir, const char *name)
{
    char path[HTML_PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return NULL;
    html_csv_t *csv = calloc(1, sizeof(*csv));
    if (csv == NULL) {
        fclose(file);
        return NULL;
    }
    csv->file = file;
    if (getline(&csv->line, &csv->line_cap, file) < 0 ||
        (csv->header = strdup(csv->line)) == NULL) {
        reports__csv_close(csv);
        return NULL;
    }
    csv->n_names = split_fields(csv->header, csv->names);
    return csv;
}

void reports__csv_close(html_csv_t *csv)
{
    if (csv == NULL)
        return;
    if (csv->file != NULL)
        fclose(csv->file);
    free(csv->line);
    free(csv->header);
    free(csv);
}

int reports__csv_col(const html_csv_t *csv, const char *name)
{
    for (int i = 0; i < csv->n_names; i++)
        if (strcmp(csv->names[i], name) == 0)
            return i;
    return -1;
}

int reports__csv_columns(const html_csv_t *csv)
{
    return csv->n_names;
}

const char *reports__csv_name(const html_csv_t *csv, int col)
{
    return col >= 0 && col < csv->n_names ? csv->names[col] : "";
}

bool reports__csv_next(html_csv_t *csv)
{
    for (;;) {
        if (getline(&csv->line, &csv->line_cap, csv->file) < 0)
            return false;
        if (csv->line[0] == '\n' || csv->line[0] == '\0')
            continue;
        csv->n_fields = split_fields(csv->line, csv->fields);
        return true;
    }
}

const char *reports__csv_field(const html_csv_t *csv, int col)
{
    if (col < 0 || col >= csv->n_fields)
        return "";
    return csv->fields[col];
}

bool reports__csv_number(const html_csv_t *csv, int col, double *value)
{
    const char *text = reports__csv_field(csv, col);
    if (*text == '\0')
        return false;
    char *end;
    double parsed = strtod(text, &end);
    if (*end != '\0' || !isfinite(parsed))
        return false;
    *value = parsed;
    return true;
}

/* ---- text buffers ---- */

void reports__text_printf(html_text_t *text, const char *format, ...)
{
    if (text->failed)
        return;
    for (;;) {
        va_list args;
        va_start(args, format);
        size_t room = text->cap - text->len;
        int n = vsnprintf(text->bytes != NULL ? text->bytes + text->len : NULL, room, format, args);
        va_end(args);
        if (n < 0) {
            text->failed = true;
            return;
        }
        if ((size_t)n < room) {
            text->len += (size_t)n;
            return;
        }
        size_t cap = text->cap != 0 ? text->cap * 2 : 4096;
        while (cap < text->len + (size_t)n + 1)
            cap *= 2;
        char *bigger = realloc(text->bytes, cap);
        if (bigger == NULL) {
            text->failed = true;
            return;
        }
        text->bytes = bigger;
        text->cap = cap;
    }
}

void reports__text_free(html_text_t *text)
{
    free(text->bytes);
    memset(text, 0, sizeof(*text));
}

void reports__text_gp_string(html_text_t *text, const char *value)
{
    reports__text_printf(text, "\"");
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            reports__text_printf(text, "\\%c", *p);
        else if (strchr("_^@&{}~", *p) != NULL)
            /* "\\_" in a double-quoted gnuplot string is "\_" for enhanced text. */
            reports__text_printf(text, "\\\\%c", *p);
        else if ((unsigned char)*p >= ' ')
            reports__text_printf(text, "%c", *p);
    }
    reports__text_printf(text, "\"");
}

/* ---- table cells ---- */

void reports__html_number(FILE *out, const json_t *value)
{
    if (json_is_integer(value)) {
        fprintf(out, "%lld", (long long)json_integer_value(value));
    } else if (json_is_real(value)) {
        double x = json_real_value(value);
        double mag = fabs(x);
        if (x == floor(x) && mag < 1e15)
            fprintf(out, "%.0f", x);
        else if (mag >= 100)
            fprintf(out, "%.1f", x);
        else if (mag >= 1)
            fprintf(out, "%.3g", x);
        else
            fprintf(out, "%.3g", x);
    } else if (json_is_true(value)) {
        fputs("true", out);
    } else if (json_is_false(value)) {
        fputs("false", out);
    } else if (json_is_string(value)) {
        reports__html_text(out, json_string_value(value));
    } else {
        fputs("\xe2\x80\x94", out); /* em dash: no value */
    }
}

void reports__html_json_cell(FILE *out, const json_t *value)
{
    fputs(json_is_number(value) || value == NULL || json_is_null(value) ? "<td class=\"num\">"
                                                                        : "<td>",
          out);
    reports__html_number(out, value);
    fputs("</td>", out);
}

void reports__html_badge(FILE *out, bool pass)
{
    fputs(pass ? "<span class=\"badge pass\">PASS</span>"
               : "<span class=\"badge fail\">FAIL</span>",
          out);
}

static void object_rows(FILE *out, const json_t *object, const char *prefix)
{
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)object, key, value)
    {
        char name[256];
        snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] != '\0' ? "." : "", key);
        if (json_is_object(value)) {
            object_rows(out, value, name);
            continue;
        }
        if (json_is_array(value))
            continue;
        fputs("<tr><th>", out);
        reports__html_text(out, name);
        fputs("</th>", out);
        reports__html_json_cell(out, value);
        fputs("</tr>\n", out);
    }
}

void reports__html_object_table(FILE *out, const json_t *object)
{
    if (!json_is_object(object)) {
        fputs("<p class=\"note\">Not in the report.</p>\n", out);
        return;
    }
    fputs("<table>\n<tbody>\n", out);
    object_rows(out, object, "");
    fputs("</tbody>\n</table>\n", out);
}

void reports__html_heading(FILE *out, const char *id, const char *title)
{
    fprintf(out, "<h2 id=\"%s\">", id);
    reports__html_text(out, title);
    fputs("</h2>\n", out);
}

static void id_append(char *id, size_t id_len, size_t *at, const char *text)
{
    for (const char *p = text; *p != '\0' && *at + 1 < id_len; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        id[(*at)++] = keep ? c : '-';
    }
    id[*at] = '\0';
}

void reports__html_id(char *id, size_t id_len, const char *prefix, const char *a, const char *b)
{
    size_t at = 0;
    id[0] = '\0';
    id_append(id, id_len, &at, prefix);
    if (a != NULL) {
        id_append(id, id_len, &at, "-");
        id_append(id, id_len, &at, a);
    }
    if (b != NULL) {
        id_append(id, id_len, &at, "-");
        id_append(id, id_len, &at, b);
    }
}

/* ---- plots ---- */

void reports__html_plot(html_page_t *page, const char *id, const char *caption,
                        const html_text_t *script, unsigned width, unsigned height)
{
    FILE *out = page->out;
    fprintf(out, "<div class=\"plot\" id=\"%s\">\n<p class=\"caption\">", id);
    reports__html_text(out, caption);
    fputs("</p>\n", out);
    char why[512] = "";
    char *svg = NULL;
    if (!page->gnuplot_ok)
        snprintf(why, sizeof(why), "%s", page->gnuplot_why);
    else if (script->failed || script->bytes == NULL)
        snprintf(why, sizeof(why), "out of memory building the plot");
    else
        svg = reports__gnuplot_svg(script->bytes, width, height, why, sizeof(why));
    if (svg != NULL) {
        reports__html_svg_image(out, svg, caption);
        fputs("\n", out);
        free(svg);
    } else {
        fputs("<p class=\"missing\">No plot: ", out);
        reports__html_text(out, why);
        fputs("</p>\n", out);
    }
    fputs("</div>\n", out);
}

/* ---- the page ---- */

static int load_report(const char *dir, json_t **report, char *err, size_t err_len)
{
    char path[HTML_PATH_MAX];
    snprintf(path, sizeof(path), "%s/report.json", dir);
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return 2;
    }
    json_error_t jerr;
    *report = json_loadf(file, JSON_REJECT_DUPLICATES, &jerr);
    fclose(file);
    if (*report == NULL) {
        snprintf(err, err_len, "%s: line %d, column %d: %s", path, jerr.line, jerr.column,
                 jerr.text);
        return 2;
    }
    const char *kind = json_string_value(json_object_get(*report, "kind"));
    if (!json_is_object(*report) || kind == NULL ||
        (strcmp(kind, "run") != 0 && strcmp(kind, "replay") != 0)) {
        snprintf(err, err_len,
                 "%s: not a blindfold report (expected \"kind\": \"run\" or "
                 "\"replay\")",
                 path);
        json_decref(*report);
        *report = NULL;
        return 2;
    }
    return 0;
}

int reports_render_html(const char *dir, char *err, size_t err_len)
{
    json_t *report = NULL;
    int rc = load_report(dir, &report, err, err_len);
    if (rc != 0)
        return rc;
    char tmp_path[HTML_PATH_MAX], path[HTML_PATH_MAX];
    snprintf(path, sizeof(path), "%s/report.html", dir);
    snprintf(tmp_path, sizeof(tmp_path), "%s/report.html.tmp", dir);
    FILE *out = fopen(tmp_path, "w");
    if (out == NULL) {
        snprintf(err, err_len, "%s: cannot open for writing: %s", tmp_path, strerror(errno));
        json_decref(report);
        return 3;
    }
    html_page_t page = { .dir = dir, .out = out, .report = report };
    page.gnuplot_ok = reports__gnuplot_available(page.gnuplot_why, sizeof(page.gnuplot_why));
    bool run = strcmp(json_string_value(json_object_get(report, "kind")), "run") == 0;
    const char *name = json_string_value(json_object_get(report, run ? "scenario" : "capture"));
    char title[512];
    snprintf(title, sizeof(title), "blindfold %s: %s", run ? "run" : "replay",
             name != NULL ? name : "(unnamed)");
    reports__html_begin(out, title);
    if (run)
        reports__html_run_body(&page);
    else
        reports__html_replay_body(&page);
    reports__html_end(out);
    bool write_failed = ferror(out) != 0;
    int saved_errno = errno;
    if (fclose(out) != 0 && !write_failed) {
        write_failed = true;
        saved_errno = errno;
    }
    json_decref(report);
    if (write_failed) {
        snprintf(err, err_len, "%s: write failed: %s", tmp_path, strerror(saved_errno));
        remove(tmp_path);
        return 3;
    }
    if (rename(tmp_path, path) != 0) {
        snprintf(err, err_len, "%s: cannot rename to report.html: %s", tmp_path, strerror(errno));
        remove(tmp_path);
        return 3;
    }
    return 0;
}
