/* reports/sweep_internal.h, private to reports/ (and its tests): the
 * pieces sweep.c, sweep_merge.c and sweep_html.c share behind
 * reports/sweep.h. */
#ifndef BLINDFOLD_REPORTS_SWEEP_INTERNAL_H
#define BLINDFOLD_REPORTS_SWEEP_INTERNAL_H

#include "reports/sweep.h"

#include <stdio.h>

/* A malloc'd copy of text; NULL when out of memory. */
char *reports__sweep_dup(const char *text);

/* The headline figures of one run report, in summary.csv's column order
 * (after `status`). */
typedef enum reports__sweep_figure {
    REPORTS__FIG_VIDEO_LATENCY_P50,
    REPORTS__FIG_VIDEO_LATENCY_P95,
    REPORTS__FIG_VIDEO_LATENCY_P99,
    REPORTS__FIG_AUDIO_LATENCY_P95,
    REPORTS__FIG_FPS_MIN,
    REPORTS__FIG_FPS_MEAN,
    REPORTS__FIG_FREEZE_RATIO_MAX,
    REPORTS__FIG_DELIVERED_RATIO_MIN,
    REPORTS__FIG_DECRYPT_SUCCESS_MIN,
    REPORTS__FIG_TIME_TO_FIRST_FRAME_MAX,
    REPORTS__FIG_PSNR_MIN,
    REPORTS__FIG_COUNT
} reports__sweep_figure_t;

typedef struct reports__sweep_figures {
    double value[REPORTS__FIG_COUNT];
    bool has[REPORTS__FIG_COUNT];
} reports__sweep_figures_t;

/* The column name of a figure, e.g. "video_latency_p95_ms". */
const char *reports__sweep_figure_name(reports__sweep_figure_t figure);

/* Aggregates a run report's peers[].received[] over member pairs (no
 * eavesdropper on either side): the max, min or mean of the table in
 * sweep_merge.c. A figure no pair has is absent (has = false). */
void reports__sweep_figures(const json_t *report, reports__sweep_figures_t *figures);

/* A real in the shortest form that reads back to the same double, into
 * text (at least 32 bytes). */
void reports__sweep_format_real(double value, char *text, size_t text_len);

/* One variant's results, as summary.csv and summary.html show them. */
typedef struct reports__sweep_row {
    const char *status; /* "pass", "fail", "error" or "missing" */
    int pass;           /* 1, 0, or -1 when there is no report */
    reports__sweep_figures_t figures;
    char verdict[32]; /* confidentiality.verdict, or "" */
    char failed[512]; /* failed budgets and invariants, ';'-separated */
} reports__sweep_row_t;

/* Variant `index`'s value in dimension `dimension` as a table shows it: a
 * string as itself, anything else as canonical JSON. malloc'd; NULL when
 * out of memory. */
char *reports__sweep_value_text(const reports_sweep_t *sweep, size_t index, size_t dimension);

/* Writes summary.html for `sweep` with its rows (one per variant, in
 * index order): the table and, when gnuplot is there, one plot per varied
 * path. False, with one line in err, when the file cannot be written. */
bool reports__sweep_write_html(const char *path, const reports_sweep_t *sweep,
                               const reports__sweep_row_t *rows, char *err, size_t err_len);

#endif
