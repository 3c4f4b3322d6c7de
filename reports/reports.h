/* reports/reports.h: what the runs leave behind, the one public header of
 * reports/.
 *
 * For `blindfold run` (docs/report-format.md): the output folder with
 * report.json, frames.csv and timeseries.csv, and the human summary table.
 * The CSV files are written as the run produces their rows (the sink
 * functions below match sim/sim_run.h's callbacks), so a long run never
 * holds them in memory. Every write is checked: a full disk or an
 * unwritable folder is an error naming the file, never a silently short
 * file. */
#ifndef BLINDFOLD_REPORTS_H
#define BLINDFOLD_REPORTS_H

#include "sim/sim_run.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct reports_run_out reports_run_out_t;

/* Creates `dir` (and its parents) if needed and opens frames.csv and
 * timeseries.csv in it, frames.csv with its header row. NULL on failure,
 * with one line in err naming the path and the reason. */
reports_run_out_t *reports_run_open(const char *dir, char *err, size_t err_len);

/* A sim_run_frame_fn for sim_run_options_t; ctx is the reports_run_out_t.
 * A failed write is remembered and reported by close. */
void reports_frame_row(void *ctx, const sim_run_frame_row_t *row);

/* The open timeseries.csv, for sim_run_options_t.timeseries. */
FILE *reports_run_timeseries(reports_run_out_t *out);

/* Writes report.json (when report is not NULL) and closes everything.
 * Returns false, with one line in err, if any write failed; frees `out`
 * either way. */
bool reports_run_close(reports_run_out_t *out, const json_t *report, char *err, size_t err_len);

/* The output folder of `blindfold replay`: creates `dir` (and its parents)
 * and opens streams.csv and stream_timeseries.csv in it for
 * sim_replay_options_t; forwarded.pcap is written by the replay itself at
 * reports_replay_pcap_path(). NULL on failure, with one line in err. */
typedef struct reports_replay_out reports_replay_out_t;
reports_replay_out_t *reports_replay_open(const char *dir, char *err, size_t err_len);
FILE *reports_replay_streams(reports_replay_out_t *out);
FILE *reports_replay_timeseries(reports_replay_out_t *out);
const char *reports_replay_pcap_path(const reports_replay_out_t *out);
/* Writes report.json (when report is not NULL) and closes; false, with
 * one line in err, if any write failed. Frees `out` either way. */
bool reports_replay_close(reports_replay_out_t *out, const json_t *report, char *err,
                          size_t err_len);
/* Closes and removes the files, for a replay that could not start. */
void reports_replay_discard(reports_replay_out_t *out);

/* The human summary of a replay report: one row per stream, what was
 * skipped, what the SFU forwarded and dropped, any damage. */
void reports_print_replay_summary(FILE *out, const json_t *report);

/* The report as JSON text, keys in the order they were added, indented by
 * two spaces, ending in a newline; the caller frees it. NULL when out of
 * memory. */
char *reports_json_text(const json_t *report);

/* The human summary of a run report: one row per receiver and sender, the
 * budgets with pass or fail, the confidentiality verdict and the outcome. */
void reports_print_summary(FILE *out, const json_t *report);

/* Renders DIR/report.html from DIR/report.json and the CSV files beside it (kind "run" or
 * "replay"). Returns 0 on success (plots missing for lack of gnuplot still count as success), 2
 * when report.json is missing or not a report (err names the file and, for JSON errors,
 * line/column), 3 when the page cannot be written. err holds one line. */
int reports_render_html(const char *dir, char *err, size_t err_len);

#endif
