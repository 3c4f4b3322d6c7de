/* reports/sweep_merge.c: `blindfold sweep-merge`, the folders of one sweep
 * (or of its shards) into summary.csv and summary.html (reports/sweep.h).
 *
 * Every folder given must hold a sweep.json of the same sweep (name, vary,
 * number of variants). The grid is rebuilt from it, so variants that no
 * folder holds still get their row, marked "missing". Each DIR/<id>/
 * contributes variant.json (which variant, and "status": "error" when the
 * run crashed) and report.json (the figures). Rows come out in variant
 * index order and hold nothing measured on the wall clock, so the same
 * results give the same bytes however they were sharded. */
#include "reports/sweep_internal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MERGE_PATH_MAX 4096

/* --- Headline figures ------------------------------------------------------ */

typedef enum pair_scope { SCOPE_VIDEO, SCOPE_AUDIO, SCOPE_ALL } pair_scope_t;
typedef enum aggregate { AGG_MAX, AGG_MIN, AGG_MEAN } aggregate_t;

typedef struct figure_rule {
    const char *name;
    pair_scope_t scope;
    const char *field;    /* in received[] */
    const char *subfield; /* in that object, or NULL */
    aggregate_t aggregate;
} figure_rule_t;

/* One row per figure, in column order: which pairs, which field of
 * received[], and how the pairs combine. */
static const figure_rule_t figure_rules[REPORTS__FIG_COUNT] = {
    [REPORTS__FIG_VIDEO_LATENCY_P50] = { "video_latency_p50_ms", SCOPE_VIDEO, "latency_ms", "p50",
                                         AGG_MAX },
    [REPORTS__FIG_VIDEO_LATENCY_P95] = { "video_latency_p95_ms", SCOPE_VIDEO, "latency_ms", "p95",
                                         AGG_MAX },
    [REPORTS__FIG_VIDEO_LATENCY_P99] = { "video_latency_p99_ms", SCOPE_VIDEO, "latency_ms", "p99",
                                         AGG_MAX },
    [REPORTS__FIG_AUDIO_LATENCY_P95] = { "audio_latency_p95_ms", SCOPE_AUDIO, "latency_ms", "p95",
                                         AGG_MAX },
    [REPORTS__FIG_FPS_MIN] = { "fps_min", SCOPE_VIDEO, "fps", NULL, AGG_MIN },
    [REPORTS__FIG_FPS_MEAN] = { "fps_mean", SCOPE_VIDEO, "fps", NULL, AGG_MEAN },
    [REPORTS__FIG_FREEZE_RATIO_MAX] = { "freeze_ratio_max", SCOPE_VIDEO, "freeze_ratio", NULL,
                                        AGG_MAX },
    [REPORTS__FIG_DELIVERED_RATIO_MIN] = { "delivered_ratio_min", SCOPE_ALL, "delivered_ratio",
                                           NULL, AGG_MIN },
    [REPORTS__FIG_DECRYPT_SUCCESS_MIN] = { "decrypt_success_min", SCOPE_ALL, "decrypt_success",
                                           NULL, AGG_MIN },
    [REPORTS__FIG_TIME_TO_FIRST_FRAME_MAX] = { "time_to_first_frame_ms_max", SCOPE_ALL,
                                               "time_to_first_frame_ms", NULL, AGG_MAX },
    [REPORTS__FIG_PSNR_MIN] = { "psnr_db_min", SCOPE_VIDEO, "psnr_db_mean", NULL, AGG_MIN },
};

const char *reports__sweep_figure_name(reports__sweep_figure_t figure)
{
    return figure_rules[figure].name;
}

static bool in_scope(const json_t *pair, pair_scope_t scope)
{
    const char *kind = json_string_value(json_object_get(pair, "kind"));
    if (kind == NULL)
        return false;
    if (scope == SCOPE_VIDEO)
        return strcmp(kind, "video") == 0;
    if (scope == SCOPE_AUDIO)
        return strcmp(kind, "audio") == 0;
    return true;
}

void reports__sweep_figures(const json_t *report, reports__sweep_figures_t *figures)
{
    memset(figures, 0, sizeof(*figures));
    size_t counts[REPORTS__FIG_COUNT] = { 0 };
    const json_t *peers = json_object_get(report, "peers");
    for (size_t p = 0; p < json_array_size(peers); p++) {
        const json_t *peer = json_array_get(peers, p);
        const char *role = json_string_value(json_object_get(peer, "role"));
        if (role != NULL && strcmp(role, "eavesdropper") == 0)
            continue;
        const json_t *received = json_object_get(peer, "received");
        for (size_t r = 0; r < json_array_size(received); r++) {
            const json_t *pair = json_array_get(received, r);
            /* As the budgets: eavesdroppers, and pairs that expected no
             * frame (the sender was never in the call with them), are out. */
            const json_t *expected = json_object_get(pair, "frames_expected");
            if (json_is_true(json_object_get(pair, "eavesdropper")) ||
                (json_is_integer(expected) && json_integer_value(expected) == 0))
                continue;
            for (size_t f = 0; f < REPORTS__FIG_COUNT; f++) {
                const figure_rule_t *rule = &figure_rules[f];
                if (!in_scope(pair, rule->scope))
                    continue;
                const json_t *value = json_object_get(pair, rule->field);
                if (rule->subfield != NULL)
                    value = json_object_get(value, rule->subfield);
                if (!json_is_number(value))
                    continue;
                double x = json_number_value(value);
                double *slot = &figures->value[f];
                if (counts[f] == 0)
                    *slot = x;
                else if (rule->aggregate == AGG_MAX)
                    *slot = x > *slot ? x : *slot;
                else if (rule->aggregate == AGG_MIN)
                    *slot = x < *slot ? x : *slot;
                else
                    *slot += x;
                counts[f]++;
            }
        }
    }
    for (size_t f = 0; f < REPORTS__FIG_COUNT; f++) {
        figures->has[f] = counts[f] > 0;
        /* A mean is rounded to 6 decimals so the CSV stays readable. */
        if (figures->has[f] && figure_rules[f].aggregate == AGG_MEAN)
            figures->value[f] = round(figures->value[f] / (double)counts[f] * 1e6) / 1e6;
    }
}

/* --- Small helpers ----------------------------------------------------------- */

static void fail(char *err, size_t err_len, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(char *err, size_t err_len, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(err, err_len, format, args);
    va_end(args);
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* mkdir -p. */
static bool make_dirs(const char *path, char *err, size_t err_len)
{
    char partial[MERGE_PATH_MAX];
    if (snprintf(partial, sizeof(partial), "%s", path) >= (int)sizeof(partial)) {
        fail(err, err_len, "%s: path too long", path);
        return false;
    }
    for (char *p = partial + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            struct stat st;
            if (mkdir(partial, 0777) != 0 && errno != EEXIST) {
                fail(err, err_len, "%s: cannot create: %s", partial, strerror(errno));
                return false;
            }
            if (stat(partial, &st) != 0 || !S_ISDIR(st.st_mode)) {
                fail(err, err_len, "%s: exists and is not a folder", partial);
                return false;
            }
            if (end)
                return true;
            *p = '/';
        }
    }
}

/* A CSV cell: quoted when it holds a comma, a quote or a line break. */
static void csv_cell(FILE *out, const char *text)
{
    if (strpbrk(text, ",\"\r\n") == NULL) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

/* --- Rows ---------------------------------------------------------------------- */

typedef struct merge_row {
    reports__sweep_row_t row;
    char *text; /* the CSV line's cells after the assignment, for comparing copies */
    char *from; /* the folder it came from, or NULL */
} merge_row_t;

/* The cells of a row after the varied values: pass, status, the figures,
 * the verdict and the failed checks, CSV-joined. */
static char *result_cells(const reports__sweep_row_t *row)
{
    const char *status = row->status;
    int pass = row->pass;
    const reports__sweep_figures_t *figures = &row->figures;
    const char *verdict = row->verdict;
    const char *failed = row->failed;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out == NULL)
        return NULL;
    fprintf(out, "%s,%s", pass < 0 ? "" : pass ? "1" : "0", status);
    for (size_t f = 0; f < REPORTS__FIG_COUNT; f++) {
        char number[64] = "";
        if (figures->has[f])
            reports__sweep_format_real(figures->value[f], number, sizeof(number));
        fputc(',', out);
        fputs(number, out);
    }
    fputc(',', out);
    csv_cell(out, verdict);
    fputc(',', out);
    csv_cell(out, failed);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* The names of the failed budgets and invariants, separated by ';'. */
static void failed_checks(const json_t *report, char *text, size_t text_len)
{
    text[0] = '\0';
    static const char *const lists[] = { "budgets", "invariants" };
    for (size_t l = 0; l < 2; l++) {
        const json_t *entries = json_object_get(report, lists[l]);
        for (size_t i = 0; i < json_array_size(entries); i++) {
            const json_t *entry = json_array_get(entries, i);
            const char *name = json_string_value(json_object_get(entry, "name"));
            if (name == NULL || !json_is_false(json_object_get(entry, "pass")))
                continue;
            size_t used = strlen(text);
            snprintf(text + used, text_len - used, "%s%s", used > 0 ? ";" : "", name);
        }
    }
}

/* Reads one DIR/<id>/ copy of a variant into `row`. */
static bool read_copy(const char *folder, const json_t *variant, merge_row_t *row, char *err,
                      size_t err_len)
{
    char path[MERGE_PATH_MAX + 16];
    reports__sweep_row_t *out = &row->row;
    memset(out, 0, sizeof(*out));
    out->status = "missing";
    out->pass = -1;
    const char *recorded = json_string_value(json_object_get(variant, "status"));
    snprintf(path, sizeof(path), "%s/report.json", folder);
    if (recorded != NULL && strcmp(recorded, "error") == 0) {
        out->status = "error";
    } else if (file_exists(path)) {
        json_error_t error;
        json_t *report = json_load_file(path, 0, &error);
        if (report == NULL) {
            out->status = "error";
        } else {
            out->pass = json_is_true(json_object_get(report, "pass")) ? 1 : 0;
            out->status = out->pass ? "pass" : "fail";
            reports__sweep_figures(report, &out->figures);
            const char *verdict = json_string_value(
                json_object_get(json_object_get(report, "confidentiality"), "verdict"));
            snprintf(out->verdict, sizeof(out->verdict), "%s", verdict != NULL ? verdict : "");
            failed_checks(report, out->failed, sizeof(out->failed));
            json_decref(report);
        }
    }
    row->text = result_cells(out);
    if (row->text == NULL) {
        fail(err, err_len, "out of memory");
        return false;
    }
    return true;
}

/* --- Folders ---------------------------------------------------------------- */

static reports_sweep_t *read_description(const char *dir, char *err, size_t err_len)
{
    char path[MERGE_PATH_MAX];
    snprintf(path, sizeof(path), "%s/sweep.json", dir);
    json_error_t error;
    json_t *root = json_load_file(path, JSON_PRESERVE_ORDER | JSON_REJECT_DUPLICATES, &error);
    if (root == NULL) {
        if (!file_exists(path))
            fail(err, err_len, "%s: not a sweep folder (no sweep.json)", dir);
        else
            fail(err, err_len, "%s: line %d, column %d: %s", path, error.line, error.column,
                 error.text);
        return NULL;
    }
    reports_sweep_t *sweep = reports_sweep_from_description(root, path, err, err_len);
    json_decref(root);
    return sweep;
}

/* Puts one copy into rows[index], or checks it against the copy there. A
 * copy with a result wins over one without; two results must agree. The
 * copy's strings move into the row when it is kept. */
static bool place_copy(merge_row_t *rows, size_t index, merge_row_t *copy, char *err,
                       size_t err_len)
{
    merge_row_t *held = &rows[index];
    bool copy_missing = strcmp(copy->row.status, "missing") == 0;
    if (held->text == NULL || (strcmp(held->row.status, "missing") == 0 && !copy_missing)) {
        free(held->text);
        free(held->from);
        *held = *copy;
        copy->text = NULL;
        copy->from = NULL;
        return true;
    }
    if (copy_missing || strcmp(held->text, copy->text) == 0)
        return true;
    fail(err, err_len, "%s and %s: two different results for variant %zu (%s)", held->from,
         copy->from, index, copy->row.status);
    return false;
}

/* Reads every DIR/<sub>/variant.json of one folder into rows. */
static bool scan_folder(const reports_sweep_t *sweep, const char *dir, merge_row_t *rows, char *err,
                        size_t err_len)
{
    DIR *listing = opendir(dir);
    if (listing == NULL) {
        fail(err, err_len, "%s: cannot open: %s", dir, strerror(errno));
        return false;
    }
    bool ok = true;
    struct dirent *entry;
    while (ok && (entry = readdir(listing)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char folder[MERGE_PATH_MAX], path[MERGE_PATH_MAX + 16];
        if (snprintf(folder, sizeof(folder), "%s/%s", dir, entry->d_name) >= (int)sizeof(folder))
            continue;
        snprintf(path, sizeof(path), "%s/variant.json", folder);
        if (!file_exists(path))
            continue;
        json_error_t error;
        json_t *variant = json_load_file(path, 0, &error);
        const char *name = json_string_value(json_object_get(variant, "sweep"));
        const char *id = json_string_value(json_object_get(variant, "id"));
        const json_t *index = json_object_get(variant, "index");
        long found = id != NULL ? reports_sweep_find_id(sweep, id) : -1;
        if (variant == NULL) {
            fail(err, err_len, "%s: line %d, column %d: %s", path, error.line, error.column,
                 error.text);
            ok = false;
        } else if (name == NULL || strcmp(name, reports_sweep_name(sweep)) != 0) {
            fail(err, err_len, "%s: belongs to sweep \"%s\", not \"%s\"", path,
                 name != NULL ? name : "?", reports_sweep_name(sweep));
            ok = false;
        } else if (found < 0 || !json_is_integer(index) ||
                   json_integer_value(index) != (json_int_t)found) {
            fail(err, err_len, "%s: id and index are not a variant of sweep \"%s\"", path,
                 reports_sweep_name(sweep));
            ok = false;
        } else {
            merge_row_t copy = { .from = reports__sweep_dup(folder) };
            ok = copy.from != NULL && read_copy(folder, variant, &copy, err, err_len) &&
                 place_copy(rows, (size_t)found, &copy, err, err_len);
            if (copy.from == NULL)
                fail(err, err_len, "out of memory");
            free(copy.text);
            free(copy.from);
        }
        json_decref(variant);
    }
    closedir(listing);
    return ok;
}

/* --- Output ------------------------------------------------------------------- */

static bool write_csv(const char *path, const reports_sweep_t *sweep, const merge_row_t *rows,
                      char *err, size_t err_len)
{
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        fail(err, err_len, "%s: cannot open for writing: %s", path, strerror(errno));
        return false;
    }
    size_t dims = reports_sweep_dimension_count(sweep);
    fputs("variant,index", out);
    for (size_t d = 0; d < dims; d++) {
        fputc(',', out);
        csv_cell(out, reports_sweep_dimension_path(sweep, d));
    }
    fputs(",pass,status", out);
    for (size_t f = 0; f < REPORTS__FIG_COUNT; f++)
        fprintf(out, ",%s", figure_rules[f].name);
    fputs(",confidentiality_verdict,failed\n", out);
    bool ok = true;
    for (size_t i = 0; ok && i < reports_sweep_variant_count(sweep); i++) {
        fprintf(out, "%s,%zu", reports_sweep_variant_id(sweep, i), i);
        for (size_t d = 0; ok && d < dims; d++) {
            char *text = reports__sweep_value_text(sweep, i, d);
            ok = text != NULL;
            fputc(',', out);
            csv_cell(out, ok ? text : "");
            free(text);
        }
        fprintf(out, ",%s\n", rows[i].text);
    }
    if (fclose(out) != 0 || !ok) {
        fail(err, err_len, "%s: write failed", path);
        return false;
    }
    return true;
}

reports_sweep_merge_status_t reports_sweep_merge(const char *const *dirs, size_t n_dirs,
                                                 const char *out_dir, size_t *missing, char *err,
                                                 size_t err_len)
{
    reports_sweep_t *sweep = NULL;
    merge_row_t *rows = NULL;
    reports_sweep_merge_status_t status = REPORTS_SWEEP_MERGE_BAD_INPUT;
    *missing = 0;
    for (size_t i = 0; i < n_dirs; i++) {
        reports_sweep_t *other = read_description(dirs[i], err, err_len);
        if (other == NULL)
            goto done;
        if (sweep == NULL) {
            sweep = other;
            continue;
        }
        bool same = reports_sweep_same(sweep, other);
        reports_sweep_free(other);
        if (!same) {
            fail(err, err_len, "%s and %s: not the same sweep (name, vary or variant count differ)",
                 dirs[0], dirs[i]);
            goto done;
        }
    }
    if (sweep == NULL) {
        fail(err, err_len, "no folder to merge");
        goto done;
    }
    size_t total = reports_sweep_variant_count(sweep);
    rows = calloc(total, sizeof(*rows));
    if (rows == NULL) {
        fail(err, err_len, "out of memory");
        status = REPORTS_SWEEP_MERGE_IO_ERROR;
        goto done;
    }
    for (size_t i = 0; i < n_dirs; i++)
        if (!scan_folder(sweep, dirs[i], rows, err, err_len))
            goto done;
    for (size_t i = 0; i < total; i++) {
        if (rows[i].text == NULL) {
            rows[i].row.status = "missing";
            rows[i].row.pass = -1;
            rows[i].text = result_cells(&rows[i].row);
            if (rows[i].text == NULL) {
                fail(err, err_len, "out of memory");
                status = REPORTS_SWEEP_MERGE_IO_ERROR;
                goto done;
            }
        }
        if (strcmp(rows[i].row.status, "missing") == 0)
            (*missing)++;
    }
    status = REPORTS_SWEEP_MERGE_IO_ERROR;
    char csv_path[MERGE_PATH_MAX], html_path[MERGE_PATH_MAX];
    snprintf(csv_path, sizeof(csv_path), "%s/summary.csv", out_dir);
    snprintf(html_path, sizeof(html_path), "%s/summary.html", out_dir);
    reports__sweep_row_t *html_rows = calloc(total, sizeof(*html_rows));
    if (html_rows == NULL) {
        fail(err, err_len, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < total; i++)
        html_rows[i] = rows[i].row;
    bool written = make_dirs(out_dir, err, err_len) &&
                   write_csv(csv_path, sweep, rows, err, err_len) &&
                   reports__sweep_write_html(html_path, sweep, html_rows, err, err_len);
    free(html_rows);
    if (written)
        status = *missing > 0 ? REPORTS_SWEEP_MERGE_MISSING : REPORTS_SWEEP_MERGE_OK;
done:
    for (size_t i = 0; rows != NULL && i < reports_sweep_variant_count(sweep); i++) {
        free(rows[i].text);
        free(rows[i].from);
    }
    free(rows);
    reports_sweep_free(sweep);
    return status;
}
