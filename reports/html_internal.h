/* reports/html_internal.h: private to the HTML page of reports/
 * (html_*.c): the page being written, a small CSV reader, table cells
 * from JSON values and the plot slot. */
#ifndef BLINDFOLD_REPORTS_HTML_INTERNAL_H
#define BLINDFOLD_REPORTS_HTML_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define HTML_PLOT_WIDTH  720
#define HTML_PLOT_HEIGHT 360
/* Points per latency CDF curve at most: quantiles of the sorted samples. */
#define HTML_CDF_POINTS 400

typedef struct html_page {
    const char *dir;
    FILE *out;
    const json_t *report;
    bool gnuplot_ok;
    char gnuplot_why[512]; /* why there are no plots, when !gnuplot_ok */
} html_page_t;

/* The run and replay pages' bodies (between html_begin and html_end). */
void reports__html_run_body(html_page_t *page);
void reports__html_run_plots(html_page_t *page);
void reports__html_replay_body(html_page_t *page);
void reports__html_replay_plots(html_page_t *page);

/* A CSV file read one row at a time. Fields are split on commas (the
 * files reports/ reads never quote); `col` finds a header column. */
typedef struct html_csv html_csv_t;
html_csv_t *reports__csv_open(const char *dir, const char *name);
void reports__csv_close(html_csv_t *csv);
/* Index of the named header column, or -1. */
int reports__csv_col(const html_csv_t *csv, const char *name);
/* The header's columns: their number and names. */
int reports__csv_columns(const html_csv_t *csv);
const char *reports__csv_name(const html_csv_t *csv, int col);
/* Advances to the next row; false at the end. */
bool reports__csv_next(html_csv_t *csv);
/* Field `col` of the current row ("" when col < 0 or past the row's end). */
const char *reports__csv_field(const html_csv_t *csv, int col);
/* The field as a number; false when empty or not a number. */
bool reports__csv_number(const html_csv_t *csv, int col, double *value);

/* A growable text buffer, for gnuplot scripts and datablocks. */
typedef struct html_text {
    char *bytes;
    size_t len, cap;
    bool failed;
} html_text_t;
void reports__text_printf(html_text_t *text, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
void reports__text_free(html_text_t *text);
/* A gnuplot string literal: double-quoted, with " and \ escaped and
 * enhanced-text specials (_ ^ @ & { }) made literal. */
void reports__text_gp_string(html_text_t *text, const char *value);

/* Table cells. `json_cell` writes <td> (class num for numbers) with the
 * value formatted for reading; null and missing show as an em dash. */
void reports__html_json_cell(FILE *out, const json_t *value);
void reports__html_number(FILE *out, const json_t *value);
void reports__html_badge(FILE *out, bool pass);
/* A two-column table (key, value) of every scalar key of `object`, nested
 * objects flattened as "outer.inner". */
void reports__html_object_table(FILE *out, const json_t *object);
/* <h2 id=...>title</h2> */
void reports__html_heading(FILE *out, const char *id, const char *title);

/* An id made from free text: [a-z0-9-] only, others become '-'. */
void reports__html_id(char *id, size_t id_len, const char *prefix, const char *a, const char *b);

/* The slot of one plot: <div class="plot" id="ID"> with the caption and
 * either the inlined SVG drawn from `script`, or a note saying why there is
 * none (no gnuplot, or gnuplot's complaint). */
void reports__html_plot(html_page_t *page, const char *id, const char *caption,
                        const html_text_t *script, unsigned width, unsigned height);

#endif
