/* reports/run_files.c: the output folder of `blindfold run`. */
#include "reports/reports.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PATH_MAX_LEN 4096

struct reports_run_out {
    char dir[PATH_MAX_LEN];
    FILE *frames;
    FILE *timeseries;
    bool write_failed;
    char failed_file[64];
    int failed_errno;
};

/* mkdir -p: every missing component of `path`. */
static bool make_dirs(const char *path, char *err, size_t err_len)
{
    char buf[PATH_MAX_LEN];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof(buf)) {
        snprintf(err, err_len, "%s: output folder name too long or empty", path);
        return false;
    }
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        struct stat st;
        if (stat(buf, &st) != 0) {
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
                snprintf(err, err_len, "%s: cannot create folder: %s", buf, strerror(errno));
                return false;
            }
        } else if (!S_ISDIR(st.st_mode)) {
            snprintf(err, err_len, "%s: exists and is not a folder", buf);
            return false;
        }
        buf[i] = saved;
    }
    return true;
}

static FILE *open_in(const char *dir, const char *name, const char *mode, char *err, size_t err_len)
{
    char path[PATH_MAX_LEN];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        snprintf(err, err_len, "%s/%s: path too long", dir, name);
        return NULL;
    }
    FILE *f = fopen(path, mode);
    if (f == NULL)
        snprintf(err, err_len, "%s: cannot open for writing: %s", path, strerror(errno));
    return f;
}

reports_run_out_t *reports_run_open(const char *dir, char *err, size_t err_len)
{
    if (dir == NULL || !make_dirs(dir, err, err_len))
        return NULL;
    reports_run_out_t *out = calloc(1, sizeof(*out));
    if (out == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    snprintf(out->dir, sizeof(out->dir), "%s", dir);
    out->frames = open_in(dir, "frames.csv", "w", err, err_len);
    if (out->frames != NULL)
        out->timeseries = open_in(dir, "timeseries.csv", "w", err, err_len);
    if (out->frames == NULL || out->timeseries == NULL) {
        if (out->frames != NULL)
            fclose(out->frames);
        free(out);
        return NULL;
    }
    if (fputs("receiver,sender,kind,layer,frame,capture_us,render_us,latency_ms,decrypted,"
              "decoded,psnr_db\n",
              out->frames) < 0) {
        out->write_failed = true;
        snprintf(out->failed_file, sizeof(out->failed_file), "frames.csv");
        out->failed_errno = errno;
    }
    return out;
}

static void note_failure(reports_run_out_t *out, const char *file)
{
    if (out->write_failed)
        return;
    out->write_failed = true;
    out->failed_errno = errno;
    snprintf(out->failed_file, sizeof(out->failed_file), "%s", file);
}

void reports_frame_row(void *ctx, const sim_run_frame_row_t *row)
{
    reports_run_out_t *out = ctx;
    if (out == NULL || row == NULL || out->write_failed)
        return;
    /* Absent figures are empty cells. */
    char psnr[32] = "", latency[32] = "";
    if (isfinite(row->psnr_db))
        snprintf(psnr, sizeof(psnr), "%.2f", row->psnr_db);
    if (isfinite(row->latency_ms))
        snprintf(latency, sizeof(latency), "%.3f", row->latency_ms);
    if (fprintf(out->frames, "%s,%s,%s,%u,%llu,%llu,%llu,%s,%d,%d,%s\n", row->receiver, row->sender,
                row->kind, row->layer, (unsigned long long)row->frame,
                (unsigned long long)row->capture_us, (unsigned long long)row->render_us, latency,
                row->decrypted ? 1 : 0, row->decoded ? 1 : 0, psnr) < 0)
        note_failure(out, "frames.csv");
}

FILE *reports_run_timeseries(reports_run_out_t *out)
{
    return out != NULL ? out->timeseries : NULL;
}

char *reports_json_text(const json_t *report)
{
    char *text = json_dumps(report, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    if (text == NULL)
        return NULL;
    size_t len = strlen(text);
    char *with_newline = realloc(text, len + 2);
    if (with_newline == NULL) {
        free(text);
        return NULL;
    }
    with_newline[len] = '\n';
    with_newline[len + 1] = '\0';
    return with_newline;
}

/* DIR/report.json from `report`; false with one line in err. */
static bool write_report(const char *dir, const json_t *report, char *err, size_t err_len)
{
    char *text = reports_json_text(report);
    if (text == NULL) {
        snprintf(err, err_len, "out of memory");
        return false;
    }
    FILE *f = open_in(dir, "report.json", "w", err, err_len);
    bool ok = f != NULL;
    if (f != NULL) {
        bool wrote = fputs(text, f) >= 0;
        if (fclose(f) != 0)
            wrote = false;
        if (!wrote) {
            snprintf(err, err_len, "%s/report.json: write failed: %s", dir, strerror(errno));
            ok = false;
        }
    }
    free(text);
    return ok;
}

bool reports_run_close(reports_run_out_t *out, const json_t *report, char *err, size_t err_len)
{
    if (out == NULL)
        return false;
    bool ok = true;
    bool frames_bad = ferror(out->frames) != 0;
    if (fclose(out->frames) != 0 || frames_bad)
        note_failure(out, "frames.csv");
    bool series_bad = ferror(out->timeseries) != 0;
    if (fclose(out->timeseries) != 0 || series_bad)
        note_failure(out, "timeseries.csv");
    if (out->write_failed) {
        snprintf(err, err_len, "%s/%s: write failed: %s", out->dir, out->failed_file,
                 strerror(out->failed_errno));
        ok = false;
    }
    if (ok && report != NULL)
        ok = write_report(out->dir, report, err, err_len);
    free(out);
    return ok;
}

/* --- blindfold replay ------------------------------------------------------ */

struct reports_replay_out {
    char dir[PATH_MAX_LEN];
    char pcap[PATH_MAX_LEN + 32];
    FILE *streams;
    FILE *timeseries;
};

reports_replay_out_t *reports_replay_open(const char *dir, char *err, size_t err_len)
{
    if (dir == NULL || !make_dirs(dir, err, err_len))
        return NULL;
    reports_replay_out_t *out = calloc(1, sizeof(*out));
    if (out == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    snprintf(out->dir, sizeof(out->dir), "%s", dir);
    snprintf(out->pcap, sizeof(out->pcap), "%s/forwarded.pcap", dir);
    out->streams = open_in(dir, "streams.csv", "w", err, err_len);
    if (out->streams != NULL)
        out->timeseries = open_in(dir, "stream_timeseries.csv", "w", err, err_len);
    if (out->streams == NULL || out->timeseries == NULL) {
        if (out->streams != NULL)
            fclose(out->streams);
        free(out);
        return NULL;
    }
    return out;
}

FILE *reports_replay_streams(reports_replay_out_t *out)
{
    return out->streams;
}

FILE *reports_replay_timeseries(reports_replay_out_t *out)
{
    return out->timeseries;
}

const char *reports_replay_pcap_path(const reports_replay_out_t *out)
{
    return out->pcap;
}

bool reports_replay_close(reports_replay_out_t *out, const json_t *report, char *err,
                          size_t err_len)
{
    if (out == NULL)
        return false;
    const char *failed = NULL;
    int failed_errno = 0;
    bool bad = ferror(out->streams) != 0;
    if (fclose(out->streams) != 0 || bad) {
        failed = "streams.csv";
        failed_errno = errno;
    }
    bad = ferror(out->timeseries) != 0;
    if ((fclose(out->timeseries) != 0 || bad) && failed == NULL) {
        failed = "stream_timeseries.csv";
        failed_errno = errno;
    }
    bool ok = failed == NULL;
    if (!ok)
        snprintf(err, err_len, "%s/%s: write failed: %s", out->dir, failed, strerror(failed_errno));
    if (ok && report != NULL)
        ok = write_report(out->dir, report, err, err_len);
    free(out);
    return ok;
}

void reports_replay_discard(reports_replay_out_t *out)
{
    if (out == NULL)
        return;
    static const char *const files[] = { "streams.csv", "stream_timeseries.csv", "forwarded.pcap" };
    fclose(out->streams);
    fclose(out->timeseries);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[PATH_MAX_LEN + 32];
        snprintf(path, sizeof path, "%s/%s", out->dir, files[i]);
        (void)remove(path);
    }
    free(out);
}
