/* tshark and the other programs the replay tests run, shared by
 * sim/tests/test_replay_streams.c and the `replay` label tests
 * (sim/tests/test_replay_*.c). Check tests only: failures are ck_assert.
 *
 *  - tshark_streams(): runs `tshark -r FILE -o rtp.heuristic_rtp:TRUE -q
 *    -z rtp,streams` and parses its table, one ts_row_t per stream, in the
 *    order tshark prints them (newest first). tshark must be on PATH:
 *    .ci/setup installs it (Debian 12: tshark 4.0.17).
 *  - wireshark_pt_name(): the payload type names tshark prints.
 *  - tool_run(): runs a shell command, keeps its stderr, returns its exit
 *    status; what the replay tests use to run blindfold and pcap_variant,
 *    whose paths come from the environment (tool_path(), set by
 *    sim/tests/replay.cmake), in a fresh folder (tool_work_dir()).
 *  - replay_run(): `blindfold replay CAPTURE --out DIR --no-html --quiet`
 *    and more options; replay_load_report() and replay_load_csv() read
 *    what it wrote: report.json, and streams.csv (columns:
 *    sim/replay_streams.h) cell by column name. */
#ifndef BLINDFOLD_SIM_TESTS_TSHARK_UTIL_H
#define BLINDFOLD_SIM_TESTS_TSHARK_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* --- tshark's RTP stream table -------------------------------------------- */

typedef struct ts_row {
    double start_s, end_s;
    char src[64], dst[64];
    unsigned sport, dport;
    uint32_t ssrc;
    char payload[160];
    unsigned long packets;
    long lost;
    double delta[3], jitter[3]; /* min, mean, max */
    bool problem;
    bool matched;
} ts_row_t;

#define TS_MAX_ROWS 512

static inline bool tshark_on_path(void)
{
    return system("command -v tshark >/dev/null 2>&1") == 0;
}

/* One data line of the table: 7 fixed fields, the payload names (which may
 * hold spaces), packets, lost, "(pct%)", six figures, and "X" or nothing. */
static inline void tshark_parse_line(char *line, ts_row_t *row)
{
    char *tok[64];
    size_t n = 0;
    for (char *p = strtok(line, " \t\n"); p != NULL && n < 64; p = strtok(NULL, " \t\n"))
        tok[n++] = p;
    memset(row, 0, sizeof *row);
    if (n > 0 && strcmp(tok[n - 1], "X") == 0) {
        row->problem = true;
        n--;
    }
    ck_assert_msg(n >= 17, "short tshark line (%zu fields)", n);
    row->start_s = strtod(tok[0], NULL);
    row->end_s = strtod(tok[1], NULL);
    snprintf(row->src, sizeof row->src, "%s", tok[2]);
    row->sport = (unsigned)strtoul(tok[3], NULL, 10);
    snprintf(row->dst, sizeof row->dst, "%s", tok[4]);
    row->dport = (unsigned)strtoul(tok[5], NULL, 10);
    row->ssrc = (uint32_t)strtoul(tok[6], NULL, 16);
    for (size_t i = 0; i < 3; i++) {
        row->delta[i] = strtod(tok[n - 6 + i], NULL);
        row->jitter[i] = strtod(tok[n - 3 + i], NULL);
    }
    ck_assert_msg(tok[n - 7][0] == '(', "no loss percentage in tshark's line");
    row->lost = strtol(tok[n - 8], NULL, 10);
    row->packets = strtoul(tok[n - 9], NULL, 10);
    for (size_t i = 7; i < n - 9; i++) {
        size_t used = strlen(row->payload);
        snprintf(row->payload + used, sizeof row->payload - used, "%s%s", i > 7 ? " " : "", tok[i]);
    }
}

/* tshark's RTP streams of `path` into rows (TS_MAX_ROWS of room); returns
 * how many. An empty table is 0 rows, not an error. */
static inline size_t tshark_streams(const char *path, ts_row_t *rows)
{
    ck_assert_msg(tshark_on_path(), "tshark is not on PATH: run .ci/setup, which installs it");
    ck_assert_msg(strchr(path, '\'') == NULL, "%s: quote in the name", path);
    char cmd[1024];
    int n_cmd =
        snprintf(cmd, sizeof cmd,
                 "tshark -r '%s' -o rtp.heuristic_rtp:TRUE -q -z rtp,streams 2>/dev/null", path);
    ck_assert_msg(n_cmd > 0 && (size_t)n_cmd < sizeof cmd, "%s: path too long", path);
    FILE *out = popen(cmd, "r");
    ck_assert_ptr_nonnull(out);
    char line[1024];
    size_t n = 0;
    int section = 0; /* 0 before the banner, 1 at the column names, 2 in the table */
    while (fgets(line, sizeof line, out) != NULL) {
        if (strncmp(line, "=====", 5) == 0) {
            if (section == 0 && strstr(line, "RTP Streams") != NULL) {
                section = 1;
                continue;
            }
            if (section == 2)
                break;
        }
        if (section == 1) {
            section = 2; /* the column names */
            continue;
        }
        if (section == 2) {
            ck_assert_msg(n < TS_MAX_ROWS, "%s: more than %d streams", path, TS_MAX_ROWS);
            tshark_parse_line(line, &rows[n++]);
        }
    }
    int status = pclose(out);
    ck_assert_msg(status == 0 && section == 2, "%s: tshark failed (status %d)", path, status);
    return n;
}

/* Frames of `path` whose IPv4 header checksum or UDP checksum tshark
 * finds bad (a zero UDP checksum over IPv4 is "not present", not bad). */
static inline size_t tshark_bad_checksums(const char *path)
{
    ck_assert_msg(tshark_on_path(), "tshark is not on PATH: run .ci/setup, which installs it");
    ck_assert_msg(strchr(path, '\'') == NULL, "%s: quote in the name", path);
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "tshark -r '%s' -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -Y "
             "'udp.checksum.status == 0 || ip.checksum.status == 0' 2>/dev/null",
             path);
    FILE *out = popen(cmd, "r");
    ck_assert_ptr_nonnull(out);
    char line[1024];
    size_t n = 0;
    while (fgets(line, sizeof line, out) != NULL)
        n++;
    int status = pclose(out);
    ck_assert_msg(status == 0, "%s: tshark failed (status %d)", path, status);
    return n;
}

/* Wireshark's short payload type names (epan/rtp_pt.h), as tshark prints
 * them; "RTPType-N" for the dynamic range without SDP. */
static inline void wireshark_pt_name(unsigned pt, char *out, size_t cap)
{
    static const char *const names[35] = {
        "g711U",
        "fs-1016",
        "g721",
        "GSM",
        "g723",
        "DVI4 8k",
        "DVI4 16k",
        "Exp. from Xerox PARC",
        "g711A",
        "g722",
        "16-bit audio, stereo",
        "16-bit audio, monaural",
        "Qualcomm",
        "CN",
        "MPEG-I/II Audio",
        "g728",
        "DVI4 11k",
        "DVI4 22k",
        "g729",
        "CN(old)",
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        "CellB",
        "JPEG",
        NULL,
        "NV",
        NULL,
        NULL,
        "h261",
        "MPEG-I/II Video",
        "MPEG-II streams",
        "h263",
    };
    if (pt >= 96)
        snprintf(out, cap, "RTPType-%u", pt);
    else if (pt < 35 && names[pt] != NULL)
        snprintf(out, cap, "%s", names[pt]);
    else
        snprintf(out, cap, "Unassigned");
}

/* --- Running the programs under test ------------------------------------- */

/* The path in environment variable `name` (set by sim/tests/replay.cmake). */
static inline const char *tool_path(const char *name)
{
    const char *path = getenv(name);
    ck_assert_msg(path != NULL && path[0] != '\0', "%s is not set: run the test through ctest",
                  name);
    return path;
}

/* Runs `cmd` with sh, stdout discarded; its stderr goes into err (cap
 * bytes, may be NULL when cap is 0). Returns the exit status, or -1 when
 * the command did not exit normally. */
static inline int tool_run(const char *cmd, char *err, size_t cap)
{
    char wrapped[4096];
    int n = snprintf(wrapped, sizeof wrapped, "%s 2>&1 >/dev/null", cmd);
    ck_assert_msg(n > 0 && (size_t)n < sizeof wrapped, "command too long: %s", cmd);
    FILE *pipe = popen(wrapped, "r");
    ck_assert_ptr_nonnull(pipe);
    size_t used = 0;
    char chunk[512];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, pipe)) > 0) {
        size_t take = cap > used + 1 ? cap - used - 1 : 0;
        take = got < take ? got : take;
        if (take > 0)
            memcpy(err + used, chunk, take);
        used += take;
    }
    if (cap > 0)
        err[used] = '\0';
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A fresh folder under $REPLAY_WORK_DIR (or /tmp) into out. */
static inline void tool_work_dir(const char *tag, char *out, size_t cap)
{
    const char *root = getenv("REPLAY_WORK_DIR");
    int n = snprintf(out, cap, "%s/%s-XXXXXX", root != NULL && root[0] ? root : "/tmp", tag);
    ck_assert(n > 0 && (size_t)n < cap);
    char mk[1100];
    snprintf(mk, sizeof mk, "mkdir -p '%s'", root != NULL && root[0] ? root : "/tmp");
    ck_assert_int_eq(system(mk), 0);
    ck_assert_msg(mkdtemp(out) != NULL, "mkdtemp %s failed", out);
}

/* Removes a folder made by tool_work_dir() (tests call it once they
 * passed, so a failure leaves its evidence). */
static inline void tool_remove_dir(const char *dir)
{
    char cmd[1100];
    ck_assert(strchr(dir, '\'') == NULL);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* --- blindfold replay -------------------------------------------------------- */

#define REPLAY_PATH_CAP 1024

/* Capture `index` of $REPLAY_CAPTURE_LIST (one path per line, written by
 * replay.cmake at configure time) into out (may be NULL); returns how
 * many captures the list holds (0 without a list). */
static inline size_t replay_capture_path(size_t index, char *out, size_t cap)
{
    const char *list = getenv("REPLAY_CAPTURE_LIST");
    if (list == NULL)
        return 0;
    FILE *in = fopen(list, "r");
    if (in == NULL)
        return 0;
    char line[REPLAY_PATH_CAP];
    size_t n = 0;
    while (fgets(line, sizeof line, in) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\0')
            continue;
        if (n == index && out != NULL)
            snprintf(out, cap, "%s", line);
        n++;
    }
    fclose(in);
    return n;
}

/* The listed capture whose file name is `name` into out; it must exist. */
static inline void replay_capture_named(const char *name, char *out, size_t cap)
{
    size_t n = replay_capture_path(0, NULL, 0);
    for (size_t i = 0; i < n; i++) {
        replay_capture_path(i, out, cap);
        const char *slash = strrchr(out, '/');
        if (strcmp(slash != NULL ? slash + 1 : out, name) == 0)
            return;
    }
    ck_abort_msg("vectors/pcap/%s is not among the captures", name);
}

/* `$PCAP_VARIANT MODE CAPTURE OUT`, which must exit 0. */
static inline void replay_variant(const char *mode, const char *capture, const char *out)
{
    char cmd[3 * REPLAY_PATH_CAP], err[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s '%s' '%s'", tool_path("PCAP_VARIANT"), mode, capture, out);
    int status = tool_run(cmd, err, sizeof err);
    ck_assert_msg(status == 0, "%s: exit %d: %s", cmd, status, err);
}

/* Runs `$BLINDFOLD replay 'CAPTURE' --out 'DIR' --no-html --quiet EXTRA`
 * (EXTRA: more options, already quoted for sh, or ""); its stderr goes into
 * err. Returns the exit status. */
static inline int replay_run(const char *capture, const char *dir, const char *extra, char *err,
                             size_t cap)
{
    char cmd[3 * REPLAY_PATH_CAP];
    int n = snprintf(cmd, sizeof cmd, "'%s' replay '%s' --out '%s' --no-html --quiet %s",
                     tool_path("BLINDFOLD"), capture, dir, extra);
    ck_assert(n > 0 && (size_t)n < sizeof cmd);
    return tool_run(cmd, err, cap);
}

/* replay_run() that must exit 0. */
static inline void replay_ok(const char *capture, const char *dir, const char *extra)
{
    char err[2048];
    int status = replay_run(capture, dir, extra, err, sizeof err);
    ck_assert_msg(status == 0, "replay %s %s: exit %d: %s", capture, extra, status, err);
}

/* DIR/report.json; the caller json_decref()s it. */
static inline json_t *replay_load_report(const char *dir)
{
    char path[REPLAY_PATH_CAP + 32];
    int n = snprintf(path, sizeof path, "%s/report.json", dir);
    ck_assert_msg(n > 0 && (size_t)n < sizeof path, "%s: path too long", dir);
    json_error_t jerr;
    json_t *report = json_load_file(path, 0, &jerr);
    ck_assert_msg(report != NULL, "%s: %s", path, jerr.text);
    return report;
}

/* report.streams[i].key as an integer (it must be one). */
static inline long long replay_stream_int(const json_t *report, size_t i, const char *key)
{
    const json_t *v = json_object_get(json_array_get(json_object_get(report, "streams"), i), key);
    ck_assert_msg(json_is_integer(v), "streams[%zu].%s is not an integer", i, key);
    return json_integer_value(v);
}

/* report.streams[i].key as a string, or NULL when it is not one. */
static inline const char *replay_stream_str(const json_t *report, size_t i, const char *key)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(report, "streams"), i), key));
}

static inline size_t replay_stream_count(const json_t *report)
{
    const json_t *streams = json_object_get(report, "streams");
    ck_assert_msg(json_is_array(streams), "report.json: no streams array");
    return json_array_size(streams);
}

/* --- streams.csv ----------------------------------------------------------- */

#define REPLAY_CSV_MAX_ROWS 64
#define REPLAY_CSV_LINE     2048

/* Line 0 is the header; cells hold no ',' (sim/replay_streams.h). */
typedef struct replay_csv {
    size_t n_rows;
    char line[REPLAY_CSV_MAX_ROWS + 1][REPLAY_CSV_LINE];
} replay_csv_t;

/* Loads a streams.csv; the caller frees it. */
static inline replay_csv_t *replay_csv_load(const char *path)
{
    FILE *in = fopen(path, "r");
    ck_assert_msg(in != NULL, "%s: cannot open", path);
    replay_csv_t *csv = calloc(1, sizeof *csv);
    ck_assert_ptr_nonnull(csv);
    size_t n = 0;
    while (fgets(csv->line[n], REPLAY_CSV_LINE, in) != NULL) {
        size_t len = strlen(csv->line[n]);
        ck_assert_msg(len > 0 && csv->line[n][len - 1] == '\n', "%s: line %zu too long or cut",
                      path, n + 1);
        csv->line[n][len - 1] = '\0';
        n++;
        ck_assert_msg(n <= REPLAY_CSV_MAX_ROWS, "%s: more than %d rows", path, REPLAY_CSV_MAX_ROWS);
    }
    fclose(in);
    ck_assert_msg(n >= 1, "%s: no header line", path);
    csv->n_rows = n - 1;
    return csv;
}

/* Field `index` (0-based) of a comma-separated line into out; false when
 * the line has fewer fields. */
static inline bool replay_csv_field(const char *line, size_t index, char *out, size_t cap)
{
    const char *p = line;
    for (size_t i = 0; i < index; i++) {
        p = strchr(p, ',');
        if (p == NULL)
            return false;
        p++;
    }
    size_t len = strcspn(p, ",");
    snprintf(out, cap, "%.*s", (int)len, p);
    return true;
}

/* The cell of data row `row` (0-based) in column `name`. */
static inline void replay_csv_cell(const replay_csv_t *csv, size_t row, const char *name, char *out,
                                   size_t cap)
{
    ck_assert_uint_lt(row, csv->n_rows);
    char field[64];
    for (size_t i = 0; replay_csv_field(csv->line[0], i, field, sizeof field); i++) {
        if (strcmp(field, name) == 0) {
            ck_assert_msg(replay_csv_field(csv->line[row + 1], i, out, cap),
                          "streams.csv row %zu has no column %s", row, name);
            return;
        }
    }
    ck_abort_msg("streams.csv has no column %s", name);
}

static inline unsigned long long replay_csv_u64(const replay_csv_t *csv, size_t row,
                                                const char *name)
{
    char cell[64];
    replay_csv_cell(csv, row, name, cell, sizeof cell);
    return strtoull(cell, NULL, 10);
}

static inline long long replay_csv_i64(const replay_csv_t *csv, size_t row, const char *name)
{
    char cell[64];
    replay_csv_cell(csv, row, name, cell, sizeof cell);
    return strtoll(cell, NULL, 10);
}

/* DIR/streams.csv; the caller frees it. */
static inline replay_csv_t *replay_load_csv(const char *dir)
{
    char path[REPLAY_PATH_CAP + 32];
    int n_path = snprintf(path, sizeof path, "%s/streams.csv", dir);
    ck_assert_msg(n_path > 0 && (size_t)n_path < sizeof path, "%s: path too long", dir);
    return replay_csv_load(path);
}

#endif
