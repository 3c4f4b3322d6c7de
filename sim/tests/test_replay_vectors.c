/* `blindfold replay` on every capture of vectors/pcap/ and on its variants
 * (label replay; sim/tests/replay.cmake runs it with the paths it needs).
 *
 * tshark is the independent reference: `tshark -r FILE -o
 * rtp.heuristic_rtp:TRUE -q -z rtp,streams` (sim/tests/tshark_util.h).
 *
 *  - captures_match_tshark: for each capture, the replay (exit 0) writes a
 *    streams.csv with tshark's streams, no more and no fewer: source and
 *    destination address and port and SSRC, and for each the payload type
 *    names, packets and lost. report.json is kind "replay", has every key
 *    of the contract (docs/report-format.md and the brief of the replay),
 *    counts every record of the file in packets_read, and its streams are
 *    the CSV's rows; every stream is plain, replayed and forwarded.
 *  - variants_match_original: each capture rewritten by pcap_variant
 *    (sim/tests/pcap_variant.c) into pcapng, LINUX_SLL2, 802.1Q, QinQ and
 *    IPv6 replays into the original's stream table: every streams.csv row
 *    identical, addresses aside for IPv6, where they are the original's
 *    mapped to 2001:db8::a.b.c.d; the same packets_read and skipped
 *    counts. The variant's table also equals tshark's on the variant, and
 *    tshark finds no bad UDP checksum in the IPv6 variant. */
#include "sim/replay_streams.h"
#include "sim/tests/tshark_util.h"

#include <jansson.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#define PATH_CAP REPLAY_PATH_CAP

static const char *const modes[] = { "pcapng", "sll2", "vlan", "qinq", "ipv6" };
#define N_MODES (sizeof modes / sizeof modes[0])

/* --- The captures ------------------------------------------------------------ */

static size_t count_records(const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    ck_assert_msg(pc != NULL, "%s: %s", path, err);
    struct pcap_pkthdr *hdr;
    const u_char *frame;
    size_t n = 0;
    while (pcap_next_ex(pc, &hdr, &frame) == 1)
        n++;
    pcap_close(pc);
    return n;
}

/* --- Comparisons ---------------------------------------------------------- */

/* "a.b.c.d:port" or "[v6]:port" into the address text tshark prints and
 * the port. */
static void split_endpoint_text(const char *text, char *ip, size_t cap, unsigned *port)
{
    const char *colon = strrchr(text, ':');
    ck_assert_msg(colon != NULL, "endpoint '%s'", text);
    *port = (unsigned)strtoul(colon + 1, NULL, 10);
    if (text[0] == '[')
        snprintf(ip, cap, "%.*s", (int)(colon - text - 2), text + 1);
    else
        snprintf(ip, cap, "%.*s", (int)(colon - text), text);
}

/* tshark's payload column for a payload_types cell ("96;127"). */
static void payload_names(const char *types, char *out, size_t cap)
{
    out[0] = '\0';
    for (const char *p = types; *p != '\0';) {
        char name[40];
        wireshark_pt_name((unsigned)strtoul(p, NULL, 10), name, sizeof name);
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%s", used > 0 ? ", " : "", name);
        p += strcspn(p, ";");
        if (*p == ';')
            p++;
    }
}

/* Every row of csv is one stream of tshark's table of `path`, and back. */
static void csv_matches_tshark(const char *what, const char *path, const replay_csv_t *csv)
{
    static ts_row_t rows[TS_MAX_ROWS];
    size_t n = tshark_streams(path, rows);
    ck_assert_msg(n == csv->n_rows, "%s: %zu streams, tshark %zu", what, csv->n_rows, n);
    ck_assert_msg(n > 0, "%s: no RTP stream", what);
    for (size_t i = 0; i < csv->n_rows; i++) {
        char src[80], dst[80], ssrc[16], types[160], src_ip[64], dst_ip[64], names[160];
        unsigned sport, dport;
        replay_csv_cell(csv, i, "src", src, sizeof src);
        replay_csv_cell(csv, i, "dst", dst, sizeof dst);
        replay_csv_cell(csv, i, "ssrc", ssrc, sizeof ssrc);
        replay_csv_cell(csv, i, "payload_types", types, sizeof types);
        split_endpoint_text(src, src_ip, sizeof src_ip, &sport);
        split_endpoint_text(dst, dst_ip, sizeof dst_ip, &dport);
        uint32_t id = (uint32_t)strtoul(ssrc, NULL, 16);
        ts_row_t *w = NULL;
        for (size_t k = 0; k < n && w == NULL; k++) {
            if (!rows[k].matched && rows[k].ssrc == id && rows[k].sport == sport &&
                rows[k].dport == dport && strcmp(rows[k].src, src_ip) == 0 &&
                strcmp(rows[k].dst, dst_ip) == 0)
                w = &rows[k];
        }
        ck_assert_msg(w != NULL, "%s: stream %s > %s %s not in tshark's table", what, src, dst,
                      ssrc);
        w->matched = true;
        payload_names(types, names, sizeof names);
        ck_assert_msg(strcmp(names, w->payload) == 0, "%s %s: payload '%s', tshark '%s'", what,
                      ssrc, names, w->payload);
        unsigned long long packets = replay_csv_u64(csv, i, "packets");
        long long lost = replay_csv_i64(csv, i, "lost");
        ck_assert_msg(packets == w->packets, "%s %s: %llu packets, tshark %lu", what, ssrc, packets,
                      w->packets);
        ck_assert_msg(lost == w->lost, "%s %s: lost %lld, tshark %ld", what, ssrc, lost, w->lost);
    }
}

static const json_t *member(const json_t *obj, const char *key, json_type type)
{
    const json_t *v = json_object_get(obj, key);
    ck_assert_msg(v != NULL, "report: no key '%s'", key);
    ck_assert_msg(json_typeof(v) == type || (type == JSON_REAL && json_is_integer(v)) ||
                      (type == JSON_TRUE && json_is_boolean(v)),
                  "report: '%s' has type %d, want %d", key, (int)json_typeof(v), (int)type);
    return v;
}

/* The contract's keys of report.json, and its streams against the CSV. */
static void report_has_contract(const char *what, const json_t *report, const replay_csv_t *csv)
{
    ck_assert_str_eq(json_string_value(member(report, "kind", JSON_STRING)), "replay");
    member(report, "capture", JSON_STRING);
    member(report, "format", JSON_STRING);
    ck_assert(json_object_get(report, "link_type") != NULL);
    member(report, "packets_read", JSON_INTEGER);
    const json_t *cap_err = json_object_get(report, "capture_error");
    ck_assert_msg(cap_err != NULL && (json_is_null(cap_err) || json_is_string(cap_err)),
                  "%s: capture_error missing or not null/string", what);
    if (json_is_string(cap_err))
        ck_assert_msg(json_string_length(cap_err) == 0, "%s: capture_error '%s'", what,
                      json_string_value(cap_err));
    const json_t *skipped = member(report, "skipped", JSON_OBJECT);
    static const char *const skip_keys[] = { "stun", "dtls", "non_udp", "unparsed",
                                             "srtp_auth_failed" };
    for (size_t i = 0; i < sizeof skip_keys / sizeof skip_keys[0]; i++)
        member(skipped, skip_keys[i], JSON_INTEGER);
    ck_assert(json_object_get(report, "keys") != NULL);
    ck_assert_int_eq(json_integer_value(member(report, "subscribers", JSON_INTEGER)), 1);
    const json_t *sfu = member(report, "sfu", JSON_OBJECT);
    member(sfu, "packets_in", JSON_INTEGER);
    member(sfu, "packets_out", JSON_INTEGER);
    member(sfu, "dropped", JSON_OBJECT);

    const json_t *streams = member(report, "streams", JSON_ARRAY);
    ck_assert_msg(json_array_size(streams) == csv->n_rows, "%s: %zu streams in JSON, %zu in CSV",
                  what, json_array_size(streams), csv->n_rows);
    for (size_t i = 0; i < csv->n_rows; i++) {
        const json_t *s = json_array_get(streams, i);
        char cell[80];
        static const char *const text_keys[] = { "src", "dst", "ssrc", "codec" };
        for (size_t k = 0; k < 4; k++) {
            replay_csv_cell(csv, i, text_keys[k], cell, sizeof cell);
            ck_assert_msg(strcmp(json_string_value(member(s, text_keys[k], JSON_STRING)), cell) ==
                              0,
                          "%s stream %zu: %s differs from streams.csv", what, i, text_keys[k]);
        }
        const char *ssrc = json_string_value(json_object_get(s, "ssrc"));
        ck_assert_msg(strlen(ssrc) == 10 && strncmp(ssrc, "0x", 2) == 0 &&
                          strspn(ssrc + 2, "0123456789ABCDEF") == 8,
                      "%s: ssrc '%s' is not 0x%%08X", what, ssrc);
        static const char *const number_keys[] = {
            "payload_type", "packets",          "bytes", "lost", "duplicates",
            "reordered",    "forwarded_packets"
        };
        for (size_t k = 0; k < sizeof number_keys / sizeof number_keys[0]; k++) {
            long long want = replay_csv_i64(csv, i, number_keys[k]);
            long long got = json_integer_value(member(s, number_keys[k], JSON_INTEGER));
            ck_assert_msg(got == want, "%s stream %zu: %s %lld, streams.csv %lld", what, i,
                          number_keys[k], got, want);
        }
        member(s, "first_s", JSON_REAL);
        member(s, "last_s", JSON_REAL);
        member(s, "jitter_ms_max", JSON_REAL);
        ck_assert_str_eq(json_string_value(member(s, "srtp", JSON_STRING)), "plain");
        ck_assert_msg(json_is_null(json_object_get(s, "srtp_key")), "%s: srtp_key not null", what);
        member(s, "looks_encrypted", JSON_TRUE);
        member(s, "looks_encrypted_basis", JSON_STRING);
        ck_assert_msg(json_is_true(member(s, "replayed", JSON_TRUE)), "%s stream %zu not replayed",
                      what, i);
        ck_assert_str_eq(json_string_value(member(s, "not_replayed", JSON_STRING)), "");
        ck_assert_msg(json_integer_value(json_object_get(s, "forwarded_packets")) > 0,
                      "%s stream %zu: nothing forwarded", what, i);
    }
}

START_TEST(captures_match_tshark)
{
    char capture[PATH_CAP], dir[PATH_CAP];
    ck_assert_uint_gt(replay_capture_path((size_t)_i, capture, sizeof capture), (size_t)_i);
    tool_work_dir("replay-vectors", dir, sizeof dir);
    replay_ok(capture, dir, "");
    replay_csv_t *csv = replay_load_csv(dir);
    csv_matches_tshark(capture, capture, csv);
    json_t *report = replay_load_report(dir);
    report_has_contract(capture, report, csv);
    ck_assert_uint_eq((size_t)json_integer_value(json_object_get(report, "packets_read")),
                      count_records(capture));
    json_decref(report);
    free(csv);
    tool_remove_dir(dir);
}
END_TEST

/* The original's address text mapped as pcap_variant's ipv6 mode does. */
static void mapped_endpoint(const char *v4_text, char *out, size_t cap)
{
    sim__streams_endpoint_t ep;
    ck_assert_msg(sim__streams_endpoint_parse(v4_text, &ep) && ep.family == 4, "'%s'", v4_text);
    uint8_t v4[4];
    memcpy(v4, ep.addr, 4);
    static const uint8_t prefix[12] = { 0x20, 0x01, 0x0d, 0xb8 };
    ep.family = 6;
    memcpy(ep.addr, prefix, 12);
    memcpy(ep.addr + 12, v4, 4);
    ck_assert(sim__streams_endpoint_format(&ep, out, cap));
}

/* Row i of the variant equals row i of the original. */
static void rows_equal(const char *what, const replay_csv_t *orig, const replay_csv_t *var,
                       bool ipv6)
{
    ck_assert_msg(var->n_rows == orig->n_rows, "%s: %zu streams, original %zu", what, var->n_rows,
                  orig->n_rows);
    ck_assert_str_eq(var->line[0], orig->line[0]);
    for (size_t i = 0; i < orig->n_rows; i++) {
        if (!ipv6) {
            ck_assert_msg(strcmp(var->line[i + 1], orig->line[i + 1]) == 0,
                          "%s row %zu:\n  %s\noriginal:\n  %s", what, i, var->line[i + 1],
                          orig->line[i + 1]);
            continue;
        }
        static const char *const ends[] = { "src", "dst" };
        for (size_t k = 0; k < 2; k++) {
            char o[80], v[80], want[SIM__STREAMS_ENDPOINT_TEXT_LEN];
            replay_csv_cell(orig, i, ends[k], o, sizeof o);
            replay_csv_cell(var, i, ends[k], v, sizeof v);
            mapped_endpoint(o, want, sizeof want);
            ck_assert_msg(strcmp(v, want) == 0, "%s row %zu: %s %s, want %s", what, i, ends[k], v,
                          want);
        }
        const char *rest_o = strchr(strchr(orig->line[i + 1], ',') + 1, ',');
        const char *rest_v = strchr(strchr(var->line[i + 1], ',') + 1, ',');
        ck_assert_msg(strcmp(rest_o, rest_v) == 0, "%s row %zu:\n  %s\noriginal:\n  %s", what, i,
                      var->line[i + 1], orig->line[i + 1]);
    }
}

START_TEST(variants_match_original)
{
    size_t capture_index = (size_t)_i / N_MODES;
    const char *mode = modes[(size_t)_i % N_MODES];
    char capture[PATH_CAP], dir[PATH_CAP], variant[PATH_CAP + 32], orig_dir[PATH_CAP + 32],
        var_dir[PATH_CAP + 32], what[2 * PATH_CAP];
    ck_assert_uint_gt(replay_capture_path(capture_index, capture, sizeof capture), capture_index);
    tool_work_dir("replay-variant", dir, sizeof dir);
    snprintf(variant, sizeof variant, "%s/%s.cap", dir, mode);
    snprintf(what, sizeof what, "%s as %s", capture, mode);
    replay_variant(mode, capture, variant);
    /* Only ipv6 computes a checksum; the other modes copy the IP bytes. */
    if (strcmp(mode, "ipv6") == 0)
        ck_assert_msg(tshark_bad_checksums(variant) == 0, "%s: bad UDP checksums", what);

    snprintf(orig_dir, sizeof orig_dir, "%s/original", dir);
    snprintf(var_dir, sizeof var_dir, "%s/variant", dir);
    replay_ok(capture, orig_dir, "");
    replay_ok(variant, var_dir, "");
    replay_csv_t *orig = replay_load_csv(orig_dir), *var = replay_load_csv(var_dir);
    rows_equal(what, orig, var, strcmp(mode, "ipv6") == 0);
    csv_matches_tshark(what, variant, var);

    json_t *orig_report = replay_load_report(orig_dir), *var_report = replay_load_report(var_dir);
    ck_assert(json_equal(json_object_get(orig_report, "packets_read"),
                         json_object_get(var_report, "packets_read")));
    ck_assert_msg(
        json_equal(json_object_get(orig_report, "skipped"), json_object_get(var_report, "skipped")),
        "%s: skipped differs", what);
    bool same_link = json_equal(json_object_get(orig_report, "link_type"),
                                json_object_get(var_report, "link_type"));
    ck_assert_msg(same_link == (strcmp(mode, "sll2") != 0), "%s: link_type", what);
    bool same_format =
        json_equal(json_object_get(orig_report, "format"), json_object_get(var_report, "format"));
    ck_assert_msg(same_format == (strcmp(mode, "pcapng") != 0), "%s: format", what);
    json_decref(orig_report);
    json_decref(var_report);
    free(orig);
    free(var);
    tool_remove_dir(dir);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("replay_vectors");
    int captures = (int)replay_capture_path(0, NULL, 0);
    TCase *tshark = tcase_create("tshark");
    tcase_add_loop_test(tshark, captures_match_tshark, 0, captures > 0 ? captures : 1);
    suite_add_tcase(s, tshark);
    TCase *variants = tcase_create("variants");
    tcase_add_loop_test(variants, variants_match_original, 0,
                        captures > 0 ? captures * (int)N_MODES : 1);
    suite_add_tcase(s, variants);
    return s;
}
