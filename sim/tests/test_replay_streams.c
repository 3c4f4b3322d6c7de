/* The replay's RTP stream table (sim/replay_streams.h): hand-built packet
 * sequences for each counting rule, the stream bound, the CSV and JSON
 * outputs, and tshark as the independent reference.
 *
 * The tshark cases run `tshark -r FILE -o rtp.heuristic_rtp:TRUE -q -z
 * rtp,streams` and compare its table with the table's rows, stream by
 * stream (tshark lists them newest first): addresses, ports, SSRC, the
 * payload type names, packets and lost exactly; start and end time within
 * 2 us (tshark prints 6 decimals); min, mean and max delta and jitter
 * within 0.0011 ms (it prints 3 decimals; the extra 0.0001 covers a last
 * digit rounded the other way); its "Problems?" flag against
 * sequence_errors + timestamp_errors > 0. They cover every capture in
 * vectors/pcap/ (the packets are taken out with libpcap and a minimal
 * Ethernet/IPv4/IPv6/UDP walk, not the replay's capture reader) and
 * synthetic captures written here, whose static payload types give tshark
 * a clock rate, so jitter is compared too. tshark must be on PATH:
 * .ci/setup installs it. */
#include "sim/replay_streams.h"
#include "sim/tests/tshark_util.h"

#include <glob.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- Hand-built packets -------------------------------------------------- */

typedef struct sent {
    int64_t at_us;
    uint16_t seq;
    uint32_t ts;
    uint8_t pt;
    bool marker;
} sent_t;

static sim__streams_endpoint_t ep4(uint8_t host, uint16_t port)
{
    sim__streams_endpoint_t ep = { .family = 4, .addr = { 10, 0, 0, host }, .port = port };
    return ep;
}

static size_t build_rtp(uint32_t ssrc, const sent_t *s, size_t payload_len, uint8_t *out,
                        size_t cap)
{
    uint8_t payload[1200];
    ck_assert_uint_le(payload_len, sizeof payload);
    for (size_t i = 0; i < payload_len; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    rtp_header_t h = {
        .marker = s->marker, .payload_type = s->pt, .seq = s->seq, .timestamp = s->ts, .ssrc = ssrc
    };
    size_t len = 0;
    ck_assert_int_eq(rtp_write(&h, payload, payload_len, 0, out, cap, &len), RTP_OK);
    return len;
}

static sim__streams_status_t feed(sim__streams_t *t, uint32_t ssrc, const sent_t *s,
                                  sim__streams_row_t **row)
{
    uint8_t pkt[1500];
    size_t len = build_rtp(ssrc, s, 20, pkt, sizeof pkt);
    sim__streams_packet_t p = { .capture_us = s->at_us,
                                .src = ep4(1, 40000),
                                .dst = ep4(2, 50000),
                                .rtp = pkt,
                                .rtp_len = len };
    return sim__streams_add(t, &p, row);
}

static sim__streams_row_t *feed_all(sim__streams_t *t, uint32_t ssrc, const sent_t *list, size_t n)
{
    sim__streams_row_t *row = NULL;
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(feed(t, ssrc, &list[i], &row), SIM__STREAMS_COUNTED);
    return row;
}

/* Sequence numbers 20 ms apart, timestamps 160 ticks apart (PCMU). */
static sim__streams_row_t *feed_seqs(sim__streams_t *t, const uint16_t *seqs, size_t n)
{
    sim__streams_row_t *row = NULL;
    for (size_t i = 0; i < n; i++) {
        sent_t s = { .at_us = (int64_t)i * 20000, .seq = seqs[i], .ts = (uint32_t)i * 160 };
        ck_assert_int_eq(feed(t, 0x11223344, &s, &row), SIM__STREAMS_COUNTED);
    }
    return row;
}

START_TEST(in_order_stream_counts_everything)
{
    sim__streams_t *t = sim__streams_create(NULL);
    sim__streams_set_origin(t, -500000);
    const uint16_t seqs[] = { 100, 101, 102, 103, 104 };
    sim__streams_row_t *row = feed_seqs(t, seqs, 5);
    ck_assert_uint_eq(sim__streams_count(t), 1);
    ck_assert_ptr_eq(sim__streams_row(t, 0), row);
    ck_assert_uint_eq(row->packets, 5);
    ck_assert_uint_eq(row->bytes, 5 * (12 + 20));
    ck_assert_int_eq(sim__streams_lost(row), 0);
    ck_assert_int_eq(sim__streams_lost_rfc3550(row), 0);
    ck_assert_uint_eq(row->duplicates + row->reordered + row->sequence_errors, 0);
    ck_assert_uint_eq(row->timestamp_errors, 0);
    ck_assert_double_eq_tol(sim__streams_rel_s(t, row->first_us), 0.5, 1e-12);
    ck_assert_double_eq_tol(sim__streams_rel_s(t, row->last_us), 0.58, 1e-12);
    ck_assert_str_eq(sim__streams_codec(t, row->payload_type), "PCMU");
    ck_assert_uint_eq(row->clock_rate, 8000);
    ck_assert_double_eq_tol(row->max_delta_ms, 20.0, 1e-9);
    sim__streams_destroy(t);
}
END_TEST

/* Each case was checked against tshark 4.0.17 on the same sequence (20 ms
 * and 160 ticks apart, unless `ts` says otherwise), printed "lost" and
 * "Problems?" in its comments. */
static const struct seq_case {
    const char *name;
    uint16_t seqs[8];
    uint32_t ts[8]; /* all 0: i * 160 */
    size_t n;
    int64_t lost, lost_rfc3550;
    uint64_t duplicates, reordered, sequence_errors, timestamp_errors;
} seq_cases[] = {
    /* tshark: 0, no problem */
    { "wrap", { 65534, 65535, 0, 1 }, { 0 }, 4, 0, 0, 0, 0, 0, 0 },
    /* tshark: -1, X */
    { "duplicate", { 100, 101, 101, 102 }, { 0, 160, 160, 320 }, 4, -1, -1, 1, 0, 1, 0 },
    /* tshark: -2, X: the last packet is late, so Wireshark's span ends at 102 */
    { "late last packet",
      { 100, 101, 103, 104, 102 },
      { 0, 160, 480, 640, 320 },
      5,
      -2,
      0,
      0,
      1,
      2,
      0 },
    /* tshark: 2, X */
    { "gap", { 1, 2, 5, 6 }, { 0, 160, 640, 800 }, 4, 2, 2, 0, 0, 1, 0 },
    /* tshark: -1, X: its timestamp is before the first, so no new cycle */
    { "below first, older ts", { 100, 101, 99, 102 }, { 160, 320, 0, 480 }, 4, -1, -1, 0, 1, 1, 1 },
    /* tshark: 65535, X: in time, so Wireshark counts a wrap */
    { "below first, newer ts",
      { 100, 101, 99, 102 },
      { 160, 320, 400, 480 },
      4,
      65535,
      -1,
      0,
      1,
      1,
      0 },
    /* tshark: 65536, X: the late 65535 is in time, ends the cycle 0 began,
     * and 1 begins another */
    { "reorder across wrap",
      { 65533, 65534, 0, 65535, 1 },
      { 0, 160, 480, 320, 640 },
      5,
      65536,
      0,
      0,
      1,
      3,
      0 },
};

START_TEST(sequence_cases_match_wireshark)
{
    const struct seq_case *c = &seq_cases[_i];
    sim__streams_t *t = sim__streams_create(NULL);
    sim__streams_row_t *row = NULL;
    bool explicit_ts = false;
    for (size_t i = 0; i < c->n; i++)
        explicit_ts = explicit_ts || c->ts[i] != 0;
    for (size_t i = 0; i < c->n; i++) {
        sent_t s = { .at_us = (int64_t)i * 20000,
                     .seq = c->seqs[i],
                     .ts = explicit_ts ? c->ts[i] : (uint32_t)i * 160 };
        ck_assert_int_eq(feed(t, 7, &s, &row), SIM__STREAMS_COUNTED);
    }
    ck_assert_msg(sim__streams_lost(row) == c->lost, "%s: lost %lld, want %lld", c->name,
                  (long long)sim__streams_lost(row), (long long)c->lost);
    ck_assert_msg(sim__streams_lost_rfc3550(row) == c->lost_rfc3550, "%s: rfc lost %lld", c->name,
                  (long long)sim__streams_lost_rfc3550(row));
    ck_assert_msg(row->duplicates == c->duplicates, "%s: duplicates %llu", c->name,
                  (unsigned long long)row->duplicates);
    ck_assert_msg(row->reordered == c->reordered, "%s: reordered %llu", c->name,
                  (unsigned long long)row->reordered);
    ck_assert_msg(row->sequence_errors == c->sequence_errors, "%s: sequence errors %llu", c->name,
                  (unsigned long long)row->sequence_errors);
    ck_assert_msg(row->timestamp_errors == c->timestamp_errors, "%s: timestamp errors %llu",
                  c->name, (unsigned long long)row->timestamp_errors);
    sim__streams_destroy(t);
}
END_TEST

/* Given a stream that starts at 0, When it runs past 65535 and on to 2,
 * Then Wireshark's second wrap rule (0 right after 65535) counts the cycle,
 * and the RTP timestamp wraps too without a timestamp error. */
START_TEST(stream_from_zero_wraps_through_65535)
{
    sim__streams_t *t = sim__streams_create(NULL);
    sim__streams_row_t *row = NULL;
    uint32_t ts = 0xFFFFFFFFu - 160 * 1000;
    for (uint32_t i = 0; i < 65536 + 3; i++, ts += 160) {
        sent_t s = { .at_us = (int64_t)i * 20000, .seq = (uint16_t)i, .ts = ts };
        ck_assert_int_eq(feed(t, 9, &s, &row), SIM__STREAMS_COUNTED);
    }
    ck_assert_uint_eq(row->packets, 65539);
    ck_assert_int_eq(sim__streams_lost(row), 0);
    ck_assert_int_eq(sim__streams_lost_rfc3550(row), 0);
    ck_assert_uint_eq(row->sequence_errors + row->timestamp_errors, 0);
    ck_assert_double_eq_tol(row->max_jitter_ms, 0.0, 1e-9);
    sim__streams_destroy(t);
}
END_TEST

/* Duplicates are told from reordering within the window of 1024 numbers
 * up to the highest; a copy older than that counts as reordered, and does
 * not mark the newer number that shares its place in the window. */
START_TEST(duplicates_within_window_reordered_beyond)
{
    sim__streams_t *t = sim__streams_create(NULL);
    sim__streams_row_t *row = NULL;
    const uint16_t missing = 61990, highest = 61999;
    for (uint16_t i = 0; i < 2000; i++) {
        sent_t s = { .at_us = (int64_t)i * 1000, .seq = (uint16_t)(i + 60000), .ts = i * 90u };
        if (s.seq != missing)
            ck_assert_int_eq(feed(t, 5, &s, &row), SIM__STREAMS_COUNTED);
    }
    const uint16_t late[] = { (uint16_t)(missing - 1024), missing, (uint16_t)(highest - 1023) };
    for (size_t i = 0; i < 3; i++) {
        sent_t s = { .at_us = 2000000 + (int64_t)i * 1000, .seq = late[i], .ts = 0 };
        ck_assert_int_eq(feed(t, 5, &s, &row), SIM__STREAMS_COUNTED);
    }
    ck_assert_uint_eq(row->duplicates, 1);
    ck_assert_uint_eq(row->reordered, 2);
    ck_assert_int_eq(sim__streams_lost_rfc3550(row), -2);
    sim__streams_destroy(t);
}
END_TEST

/* --- Jitter and deltas ---------------------------------------------------- */

/* PCMU, 20 ms and 160 ticks apart, arriving at 0, 20, 45 and 60 ms. In
 * timestamp units (RFC 3550 6.4.1): D = 0, 40, -40 ticks, so J = 0, 40/16
 * = 2.5 and (15 * 2.5 + 40) / 16 = 4.84375 ticks, that is 0, 0.3125 and
 * 0.60546875 ms at 8 ticks per ms. Wireshark's running mean over the
 * packets before each: (0 + 0) / 1, (0 * 1 + 0.3125) / 2 = 0.15625,
 * (0.15625 * 2 + 0.60546875) / 3 = 0.305989583. tshark prints 0.000,
 * 0.306 and 0.605 for min, mean and max on this sequence. */
START_TEST(jitter_matches_hand_computed_rfc3550)
{
    sim__streams_t *t = sim__streams_create(NULL);
    const sent_t list[] = { { 0, 1, 0, 0, false },
                            { 20000, 2, 160, 0, false },
                            { 45000, 3, 320, 0, false },
                            { 60000, 4, 480, 0, false } };
    sim__streams_row_t *row = feed_all(t, 1, list, 4);
    ck_assert_double_eq_tol(row->analysis.jitter_ms, 0.60546875, 1e-12);
    ck_assert_double_eq_tol(row->max_jitter_ms, 0.60546875, 1e-12);
    ck_assert_double_eq_tol(row->min_jitter_ms, 0.0, 1e-12);
    ck_assert_double_eq_tol(row->mean_jitter_ms, (0.15625 * 2 + 0.60546875) / 3, 1e-12);
    ck_assert_double_eq_tol(row->max_delta_ms, 25.0, 1e-9);
    ck_assert_double_eq_tol(row->min_delta_ms, 15.0, 1e-9);
    ck_assert_double_eq_tol(row->mean_delta_ms, 20.0, 1e-9);
    sim__streams_destroy(t);
}
END_TEST

START_TEST(dynamic_payload_has_no_jitter_until_mapped)
{
    sim__streams_t *t = sim__streams_create(NULL);
    const sent_t list[] = { { 0, 1, 0, 96, false },
                            { 33000, 2, 2970, 96, false },
                            { 70000, 3, 5940, 96, false } };
    sim__streams_row_t *row = feed_all(t, 1, list, 3);
    ck_assert_uint_eq(row->clock_rate, 0);
    ck_assert_str_eq(sim__streams_codec(t, 96), "");
    ck_assert_double_eq(row->max_jitter_ms, 0.0);
    ck_assert_uint_eq(row->jitter_regular, 0);
    ck_assert_double_eq_tol(row->max_delta_ms, 37.0, 1e-9);

    /* VP8 at 90 kHz, by name: 33 ms of timestamps each time, so the third
     * packet is 4 ms late: D = 4 ms, J = 4 / 16. */
    ck_assert_int_eq(sim__streams_map_payload(t, 96, "VP8", 0), RTP_OK);
    ck_assert_uint_eq(sim__streams_clock_rate(t, 96), 90000);
    row = feed_all(t, 2, list, 3);
    ck_assert_uint_eq(row->clock_rate, 90000);
    ck_assert_double_eq_tol(row->max_jitter_ms, 4.0 / 16, 1e-12);
    ck_assert_str_eq(sim__streams_codec(t, row->payload_type), "VP8");
    sim__streams_destroy(t);
}
END_TEST

/* Marked packets, comfort noise and the packet after it stay out of the
 * delta and jitter figures, but still move the reference point. */
START_TEST(marker_and_comfort_noise_are_not_regular)
{
    sim__streams_t *t = sim__streams_create(NULL);
    const sent_t list[] = {
        { 0, 1, 0, 0, false },          { 20000, 2, 160, 0, false },
        { 120000, 3, 960, 0, true },    /* talkspurt after 100 ms: marked */
        { 140000, 4, 1120, 13, false }, /* CN */
        { 300000, 5, 2400, 0, false },  /* right after CN */
        { 320000, 6, 2560, 0, false },  { 345000, 7, 2720, 0, false },
    };
    sim__streams_row_t *row = feed_all(t, 1, list, 7);
    ck_assert_uint_eq(row->regular, 3);
    ck_assert_double_eq_tol(row->max_delta_ms, 25.0, 1e-9);
    ck_assert(row->payload_type_changed);
    ck_assert_uint_eq(row->payload_types[0], 1);
    ck_assert_uint_eq(row->payload_types[1], 1u << 5);
    sim__streams_destroy(t);
}
END_TEST

/* --- The table ----------------------------------------------------------- */

START_TEST(bound_counts_untracked_streams)
{
    sim__streams_config_t cfg = sim__streams_config_default();
    ck_assert_uint_eq(cfg.max_streams, 4096);
    cfg.max_streams = 2;
    sim__streams_t *t = sim__streams_create(&cfg);
    sent_t s = { .seq = 1 };
    ck_assert_int_eq(feed(t, 1, &s, NULL), SIM__STREAMS_COUNTED);
    ck_assert_int_eq(feed(t, 2, &s, NULL), SIM__STREAMS_COUNTED);
    sim__streams_row_t *row = (sim__streams_row_t *)1;
    ck_assert_int_eq(feed(t, 3, &s, &row), SIM__STREAMS_UNTRACKED);
    ck_assert_ptr_null(row);
    ck_assert_int_eq(feed(t, 3, &s, NULL), SIM__STREAMS_UNTRACKED);
    ck_assert_int_eq(feed(t, 1, &s, NULL), SIM__STREAMS_COUNTED);
    bool exact = false;
    ck_assert_uint_eq(sim__streams_count(t), 2);
    ck_assert_uint_eq(sim__streams_untracked_packets(t), 2);
    ck_assert_uint_eq(sim__streams_untracked_streams(t, &exact), 1);
    ck_assert(exact);
    for (uint32_t ssrc = 4; ssrc < 10; ssrc++)
        ck_assert_int_eq(feed(t, ssrc, &s, NULL), SIM__STREAMS_UNTRACKED);
    ck_assert_uint_eq(sim__streams_untracked_streams(t, &exact), 2);
    ck_assert(!exact);
    ck_assert_uint_eq(sim__streams_untracked_packets(t), 8);

    cfg.max_streams = 0;
    ck_assert_ptr_null(sim__streams_create(&cfg));
    cfg.max_streams = ((size_t)1 << 24) + 1;
    ck_assert_ptr_null(sim__streams_create(&cfg));
    sim__streams_destroy(t);
    sim__streams_destroy(NULL);
}
END_TEST

/* Rows keep their address and first-seen order across blocks of rows; the
 * key is the whole (src, dst, SSRC), IPv6 included. */
START_TEST(rows_keep_order_address_and_key)
{
    sim__streams_t *t = sim__streams_create(NULL);
    sim__streams_row_t *first = NULL;
    sent_t s = { .seq = 1 };
    ck_assert_int_eq(feed(t, 1000, &s, &first), SIM__STREAMS_COUNTED);
    for (uint32_t ssrc = 1001; ssrc < 1300; ssrc++)
        ck_assert_int_eq(feed(t, ssrc, &s, NULL), SIM__STREAMS_COUNTED);
    ck_assert_ptr_eq(sim__streams_row(t, 0), first);
    for (size_t i = 0; i < sim__streams_count(t); i++)
        ck_assert_uint_eq(sim__streams_row(t, i)->ssrc, 1000 + i);
    ck_assert_ptr_null(sim__streams_row(t, 300));

    uint8_t pkt[64];
    size_t len = build_rtp(1000, &s, 4, pkt, sizeof pkt);
    sim__streams_packet_t p = {
        .src = ep4(1, 40000), .dst = ep4(2, 50000), .rtp = pkt, .rtp_len = len, .wire_len = 100
    };
    p.src.addr[15] = 0xEE; /* ignored for IPv4 */
    sim__streams_row_t *row = NULL;
    ck_assert_int_eq(sim__streams_add(t, &p, &row), SIM__STREAMS_COUNTED);
    ck_assert_ptr_eq(row, first);
    ck_assert_uint_eq(first->bytes, 12 + 20 + 100);
    p.src.family = 6; /* ::ffff-less 10.0.0.1 followed by zeros: another key */
    ck_assert_int_eq(sim__streams_add(t, &p, &row), SIM__STREAMS_COUNTED);
    ck_assert_ptr_ne(row, first);
    ck_assert_ptr_eq(sim__streams_find(t, &p.src, &p.dst, 1000), row);
    p.dst.port = 50001;
    ck_assert_ptr_null(sim__streams_find(t, &p.src, &p.dst, 1000));
    sim__streams_destroy(t);
}
END_TEST

START_TEST(malformed_and_invalid_are_refused)
{
    sim__streams_t *t = sim__streams_create(NULL);
    const uint8_t short_pkt[] = { 0x80, 0x00, 0x00 };
    sim__streams_packet_t p = {
        .src = ep4(1, 1), .dst = ep4(2, 2), .rtp = short_pkt, .rtp_len = sizeof short_pkt
    };
    ck_assert_int_eq(sim__streams_add(t, &p, NULL), SIM__STREAMS_MALFORMED);
    uint8_t pkt[64];
    sent_t s = { .seq = 1 };
    p.rtp = pkt;
    p.rtp_len = build_rtp(1, &s, 4, pkt, sizeof pkt);
    p.src.family = 5;
    ck_assert_int_eq(sim__streams_add(t, &p, NULL), SIM__STREAMS_INVALID);
    ck_assert_uint_eq(sim__streams_count(t), 0);
    ck_assert_uint_eq(sim__streams_malformed(t), 1);
    ck_assert_ptr_null(sim__streams_find(t, &p.src, &p.dst, 1));
    sim__streams_destroy(t);
}
END_TEST

START_TEST(endpoint_text_round_trips)
{
    static const char *const good[] = { "192.168.1.2:49686", "[2001:db8::1]:5004", "0.0.0.0:0",
                                        "[::]:65535" };
    static const char *const bad[] = { "192.168.1.2",  "192.168.1.2:", "192.168.1.2:65536",
                                       "[::1]5004",    "[::1:5004",    "1.2.3:80",
                                       "[1.2.3.4]:80", "1.2.3.4:8x",   ":80" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        sim__streams_endpoint_t ep;
        char text[SIM__STREAMS_ENDPOINT_TEXT_LEN];
        ck_assert_msg(sim__streams_endpoint_parse(good[i], &ep), "%s", good[i]);
        ck_assert(sim__streams_endpoint_format(&ep, text, sizeof text));
        ck_assert_str_eq(text, good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim__streams_endpoint_t ep;
        ck_assert_msg(!sim__streams_endpoint_parse(bad[i], &ep), "%s", bad[i]);
        ck_assert_uint_eq(ep.family, 0);
    }
    sim__streams_endpoint_t longest = { .family = 6, .port = 65535 };
    memset(longest.addr, 0xAB, sizeof longest.addr);
    char text[SIM__STREAMS_ENDPOINT_TEXT_LEN];
    ck_assert(sim__streams_endpoint_format(&longest, text, sizeof text));
    ck_assert(!sim__streams_endpoint_format(&longest, text, 10));
    ck_assert_str_eq(text, "");
    longest.family = 0;
    ck_assert(!sim__streams_endpoint_format(&longest, text, sizeof text));
}
END_TEST

START_TEST(map_payload_checks_names)
{
    sim__streams_t *t = sim__streams_create(NULL);
    ck_assert_int_eq(sim__streams_map_payload(t, 128, "VP8", 0), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(sim__streams_map_payload(t, 96, NULL, 0), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(sim__streams_map_payload(t, 96, "", 0), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(sim__streams_map_payload(t, 96, "a,b", 0), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(sim__streams_map_payload(t, 96, "x y", 0), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(sim__streams_map_payload(t, 96, "0123456789abcdef", 0), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(sim__streams_map_payload(t, 96, "0123456789abcde", 0), RTP_OK);
    ck_assert_uint_eq(sim__streams_clock_rate(t, 96), 0);
    ck_assert_int_eq(sim__streams_map_payload(t, 111, "OPUS", 0), RTP_OK);
    ck_assert_uint_eq(sim__streams_clock_rate(t, 111), 48000);
    ck_assert_int_eq(sim__streams_map_payload(t, 101, "telephone-event", 8000), RTP_OK);
    ck_assert_uint_eq(sim__streams_clock_rate(t, 101), 0);
    ck_assert_int_eq(sim__streams_map_payload(t, 0, "PCMU", 16000), RTP_OK);
    ck_assert_uint_eq(sim__streams_clock_rate(t, 0), 16000);
    ck_assert_str_eq(sim__streams_codec(t, 8), "PCMA");
    ck_assert_uint_eq(sim__streams_clock_rate(t, 9), 8000);
    ck_assert_str_eq(sim__streams_codec(t, 200), "");
    sim__streams_destroy(t);
}
END_TEST

/* --- Outputs -------------------------------------------------------------- */

static sim__streams_t *two_stream_table(void)
{
    sim__streams_t *t = sim__streams_create(NULL);
    const sent_t audio[] = { { 180130, 10, 0, 0, false }, { 200130, 12, 320, 0, false } };
    (void)feed_all(t, 0xE454D8D4, audio, 2);
    const sent_t video[] = { { 300000, 5, 0, 100, true } };
    sim__streams_row_t *row = feed_all(t, 0xAB, video, 1);
    row->replay.srtp = SIM__STREAMS_SRTP_DECRYPTED;
    row->replay.looks_encrypted = true;
    row->replay.forwarded_packets = 1;
    return t;
}

START_TEST(json_has_the_contract_keys)
{
    sim__streams_t *t = two_stream_table();
    json_t *streams = sim__streams_to_json(t);
    ck_assert_ptr_nonnull(streams);
    ck_assert_uint_eq(json_array_size(streams), 2);
    static const char *const contract[] = { "src",
                                            "dst",
                                            "ssrc",
                                            "payload_type",
                                            "codec",
                                            "packets",
                                            "bytes",
                                            "lost",
                                            "duplicates",
                                            "reordered",
                                            "first_s",
                                            "last_s",
                                            "jitter_ms_max",
                                            "srtp",
                                            "looks_encrypted",
                                            "forwarded_packets" };
    static const char *const added[] = { "payload_types",   "payload_type_changed",
                                         "clock_rate",      "lost_rfc3550",
                                         "sequence_errors", "timestamp_errors",
                                         "max_delta_ms",    "jitter_ms_mean" };
    json_t *a = json_array_get(streams, 0);
    for (size_t i = 0; i < sizeof contract / sizeof contract[0]; i++)
        ck_assert_msg(json_object_get(a, contract[i]) != NULL, "no %s", contract[i]);
    for (size_t i = 0; i < sizeof added / sizeof added[0]; i++)
        ck_assert_msg(json_object_get(a, added[i]) != NULL, "no %s", added[i]);
    ck_assert_uint_eq(json_object_size(a), 24);
    ck_assert_str_eq(json_string_value(json_object_get(a, "src")), "10.0.0.1:40000");
    ck_assert_str_eq(json_string_value(json_object_get(a, "dst")), "10.0.0.2:50000");
    ck_assert_str_eq(json_string_value(json_object_get(a, "ssrc")), "0xE454D8D4");
    ck_assert_str_eq(json_string_value(json_object_get(a, "codec")), "PCMU");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "lost")), 1);
    ck_assert_double_eq_tol(json_real_value(json_object_get(a, "first_s")), 0.0, 1e-9);
    ck_assert_double_eq_tol(json_real_value(json_object_get(a, "last_s")), 0.02, 1e-9);
    ck_assert_str_eq(json_string_value(json_object_get(a, "srtp")), "plain");
    ck_assert(json_is_false(json_object_get(a, "looks_encrypted")));
    json_t *b = json_array_get(streams, 1);
    ck_assert_str_eq(json_string_value(json_object_get(b, "ssrc")), "0x000000AB");
    ck_assert_str_eq(json_string_value(json_object_get(b, "codec")), "");
    ck_assert_int_eq(json_integer_value(json_object_get(b, "payload_type")), 100);
    ck_assert_str_eq(json_string_value(json_object_get(b, "srtp")), "decrypted");
    ck_assert(json_is_true(json_object_get(b, "looks_encrypted")));
    ck_assert_int_eq(json_integer_value(json_object_get(b, "forwarded_packets")), 1);
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "first_s")), 0.11987, 1e-9);
    json_decref(streams);
    sim__streams_destroy(t);
}
END_TEST

START_TEST(csv_has_the_documented_columns)
{
    sim__streams_t *t = two_stream_table();
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(sim__streams_write_csv(t, out), 0);
    ck_assert_int_eq(fclose(out), 0);
    const char *want =
        "src,dst,ssrc,payload_type,payload_types,payload_type_changed,codec,clock_rate,packets,"
        "bytes,lost,lost_rfc3550,duplicates,reordered,sequence_errors,timestamp_errors,"
        "first_s,last_s,min_delta_ms,mean_delta_ms,max_delta_ms,min_jitter_ms,mean_jitter_ms,"
        "max_jitter_ms,srtp,looks_encrypted,forwarded_packets\n"
        "10.0.0.1:40000,10.0.0.2:50000,0xE454D8D4,0,0,0,PCMU,8000,2,64,1,1,0,0,1,0,0.000000,"
        "0.020000,20.000,20.000,20.000,1.250,1.250,1.250,plain,0,0\n"
        "10.0.0.1:40000,10.0.0.2:50000,0x000000AB,100,100,0,,0,1,32,0,0,0,0,0,0,0.119870,"
        "0.119870,,,,,,,decrypted,1,1\n";
    ck_assert_str_eq(text, want);
    free(text);
    sim__streams_destroy(t);
}
END_TEST

/* --- tshark ---------------------------------------------------------------- */

/* tshark's runner and table parser: sim/tests/tshark_util.h. */

static void expected_payload_names(const sim__streams_row_t *row, char *out, size_t cap)
{
    out[0] = '\0';
    for (unsigned pt = 0; pt < 128; pt++) {
        if (!(((unsigned)row->payload_types[pt / 8] >> (pt % 8)) & 1u))
            continue;
        char name[40];
        wireshark_pt_name(pt, name, sizeof name);
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%s", used > 0 ? ", " : "", name);
    }
}

static void split_endpoint(const sim__streams_endpoint_t *ep, char *ip, size_t cap)
{
    char text[SIM__STREAMS_ENDPOINT_TEXT_LEN];
    ck_assert(sim__streams_endpoint_format(ep, text, sizeof text));
    char *colon = strrchr(text, ':');
    *colon = '\0';
    if (text[0] == '[') {
        text[strlen(text) - 1] = '\0';
        snprintf(ip, cap, "%s", text + 1);
    } else {
        snprintf(ip, cap, "%s", text);
    }
}

#define MS_TOL 0.0011
#define S_TOL  2e-6

static void compare_row(const char *what, const sim__streams_t *t, const sim__streams_row_t *r,
                        const ts_row_t *w)
{
    char names[160];
    expected_payload_names(r, names, sizeof names);
    ck_assert_msg(strcmp(names, w->payload) == 0, "%s 0x%08X: payload '%s', tshark '%s'", what,
                  r->ssrc, names, w->payload);
    ck_assert_msg(r->packets == w->packets, "%s 0x%08X: %llu packets, tshark %lu", what, r->ssrc,
                  (unsigned long long)r->packets, w->packets);
    ck_assert_msg(sim__streams_lost(r) == w->lost, "%s 0x%08X: lost %lld, tshark %ld", what,
                  r->ssrc, (long long)sim__streams_lost(r), w->lost);
    bool problem = r->sequence_errors + r->timestamp_errors > 0;
    ck_assert_msg(problem == w->problem, "%s 0x%08X: problem %d, tshark %d", what, r->ssrc, problem,
                  w->problem);
    ck_assert_msg(fabs(sim__streams_rel_s(t, r->first_us) - w->start_s) <= S_TOL &&
                      fabs(sim__streams_rel_s(t, r->last_us) - w->end_s) <= S_TOL,
                  "%s 0x%08X: times %.6f..%.6f, tshark %.6f..%.6f", what, r->ssrc,
                  sim__streams_rel_s(t, r->first_us), sim__streams_rel_s(t, r->last_us), w->start_s,
                  w->end_s);
    bool has_delta = r->regular > 0, has_jitter = r->jitter_regular > 0;
    double ours[6] = { has_delta ? r->min_delta_ms : -1,   r->mean_delta_ms,  r->max_delta_ms,
                       has_jitter ? r->min_jitter_ms : -1, r->mean_jitter_ms, r->max_jitter_ms };
    const double theirs[6] = { w->delta[0],  w->delta[1],  w->delta[2],
                               w->jitter[0], w->jitter[1], w->jitter[2] };
    static const char *const label[6] = { "min delta",  "mean delta",  "max delta",
                                          "min jitter", "mean jitter", "max jitter" };
    for (int i = 0; i < 6; i++)
        ck_assert_msg(fabs(ours[i] - theirs[i]) <= MS_TOL, "%s 0x%08X: %s %.4f, tshark %.3f", what,
                      r->ssrc, label[i], ours[i], theirs[i]);
}

/* Every stream of the table against tshark's, one for one. */
static void compare_with_tshark(const char *path, const sim__streams_t *t)
{
    ck_assert_msg(tshark_on_path(), "tshark is not on PATH: run .ci/setup, which installs it");
    static ts_row_t rows[TS_MAX_ROWS];
    size_t n = tshark_streams(path, rows);
    ck_assert_msg(n == sim__streams_count(t), "%s: %zu streams, tshark %zu", path,
                  sim__streams_count(t), n);
    ck_assert_msg(n > 0, "%s: no RTP stream", path);
    for (size_t i = 0; i < sim__streams_count(t); i++) {
        const sim__streams_row_t *r = sim__streams_row(t, i);
        char src[64], dst[64];
        split_endpoint(&r->src, src, sizeof src);
        split_endpoint(&r->dst, dst, sizeof dst);
        ts_row_t *w = NULL;
        for (size_t k = 0; k < n && w == NULL; k++) {
            if (!rows[k].matched && rows[k].ssrc == r->ssrc && rows[k].sport == r->src.port &&
                rows[k].dport == r->dst.port && strcmp(rows[k].src, src) == 0 &&
                strcmp(rows[k].dst, dst) == 0)
                w = &rows[k];
        }
        ck_assert_msg(w != NULL, "%s: stream %s:%u > %s:%u 0x%08X not in tshark's table", path, src,
                      r->src.port, dst, r->dst.port, r->ssrc);
        w->matched = true;
        compare_row(path, t, r, w);
    }
}

/* --- Reading captures (a minimal walk; the replay has its own reader) ----- */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Finds the IP packet in a frame of the given link type. */
static const uint8_t *link_payload(int dlt, const uint8_t *frame, size_t len, size_t *ip_len)
{
    size_t off = 0;
    uint16_t type = 0;
    if (dlt == DLT_EN10MB) {
        off = 12;
        do {
            if (off + 2 > len)
                return NULL;
            type = be16(frame + off);
            off += (type == 0x8100 || type == 0x88A8) ? 4 : 2;
        } while (type == 0x8100 || type == 0x88A8);
    } else if (dlt == DLT_RAW) {
        off = 0;
    } else if (dlt == DLT_NULL || dlt == DLT_LOOP) {
        off = 4;
    } else if (dlt == DLT_LINUX_SLL) {
        off = 16;
    } else if (dlt == DLT_LINUX_SLL2) {
        off = 20;
    } else {
        ck_abort_msg("link type %d is not handled by the test's walk", dlt);
    }
    if (off >= len)
        return NULL;
    *ip_len = len - off;
    return frame + off;
}

static bool ip_udp(const uint8_t *ip, size_t len, sim__streams_endpoint_t *src,
                   sim__streams_endpoint_t *dst, const uint8_t **udp, size_t *udp_len)
{
    memset(src, 0, sizeof *src);
    memset(dst, 0, sizeof *dst);
    size_t hdr;
    if (len >= 20 && ip[0] >> 4 == 4) {
        hdr = (size_t)(ip[0] & 0x0F) * 4;
        bool fragment = (be16(ip + 6) & 0x3FFF) != 0;
        if (hdr < 20 || len < hdr + 8 || ip[9] != 17 || fragment)
            return false;
        size_t total = be16(ip + 2);
        if (total < len)
            len = total;
        src->family = dst->family = 4;
        memcpy(src->addr, ip + 12, 4);
        memcpy(dst->addr, ip + 16, 4);
    } else if (len >= 48 && ip[0] >> 4 == 6) {
        hdr = 40;
        if (ip[6] != 17)
            return false;
        src->family = dst->family = 6;
        memcpy(src->addr, ip + 8, 16);
        memcpy(dst->addr, ip + 24, 16);
    } else {
        return false;
    }
    if (len < hdr + 8)
        return false;
    const uint8_t *u = ip + hdr;
    src->port = be16(u);
    dst->port = be16(u + 2);
    size_t ulen = be16(u + 4);
    if (ulen < 8 || ulen > len - hdr)
        return false;
    *udp = u + 8;
    *udp_len = ulen - 8;
    return true;
}

/* Feeds every UDP datagram that RFC 7983 calls RTP; returns how many. */
static size_t feed_capture(const char *path, sim__streams_t *t)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    ck_assert_msg(pc != NULL, "%s: %s", path, err);
    int dlt = pcap_datalink(pc);
    struct pcap_pkthdr *hdr;
    const u_char *frame;
    size_t fed = 0;
    bool first = true;
    while (pcap_next_ex(pc, &hdr, &frame) == 1) {
        int64_t us = (int64_t)hdr->ts.tv_sec * 1000000 + hdr->ts.tv_usec;
        if (first)
            sim__streams_set_origin(t, us);
        first = false;
        size_t ip_len = 0;
        const uint8_t *ip = link_payload(dlt, frame, hdr->caplen, &ip_len);
        sim__streams_packet_t p = { .capture_us = us };
        if (ip == NULL || !ip_udp(ip, ip_len, &p.src, &p.dst, &p.rtp, &p.rtp_len))
            continue;
        if (rtp_demux(p.rtp, p.rtp_len) != RTP_DEMUX_RTP)
            continue;
        if (sim__streams_add(t, &p, NULL) == SIM__STREAMS_COUNTED)
            fed++;
    }
    pcap_close(pc);
    return fed;
}

START_TEST(captures_match_tshark)
{
    glob_t found;
    int rc = glob("vectors/pcap/*.pcap", 0, NULL, &found);
    ck_assert_msg(rc == 0 || rc == GLOB_NOMATCH, "glob failed");
    (void)glob("vectors/pcap/*.pcapng", GLOB_APPEND, NULL, &found);
    ck_assert_msg(found.gl_pathc > 0, "no capture in vectors/pcap/");
    bool has_reference = false;
    for (size_t i = 0; i < found.gl_pathc; i++) {
        const char *path = found.gl_pathv[i];
        has_reference = has_reference || strstr(path, "str0m-vp8.pcap") != NULL;
        sim__streams_t *t = sim__streams_create(NULL);
        ck_assert_msg(feed_capture(path, t) > 0, "%s: no RTP packet", path);
        compare_with_tshark(path, t);
        sim__streams_destroy(t);
    }
    ck_assert_msg(has_reference, "vectors/pcap/str0m-vp8.pcap is missing");
    globfree(&found);
}
END_TEST

/* --- Synthetic captures ------------------------------------------------------ */

typedef struct frame_out {
    int64_t at_us;
    uint8_t bytes[1400];
    size_t len;
} frame_out_t;

#define SYN_MAX_FRAMES 6000

typedef struct synth {
    frame_out_t *frames;
    size_t n;
    uint64_t rng;
} synth_t;

static uint32_t synth_rand(synth_t *s, uint32_t below)
{
    s->rng = s->rng * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)((s->rng >> 33) % below);
}

/* An Ethernet frame around one UDP datagram, IPv4 or IPv6 by src->family. */
static void synth_frame(synth_t *s, int64_t at_us, const sim__streams_endpoint_t *src,
                        const sim__streams_endpoint_t *dst, const uint8_t *udp_payload, size_t len)
{
    ck_assert_uint_lt(s->n, SYN_MAX_FRAMES);
    frame_out_t *f = &s->frames[s->n++];
    uint8_t *b = f->bytes;
    memset(b, 0, 14);
    memset(b, 0x02, 6);
    memset(b + 6, 0x04, 6);
    size_t ip_hdr = src->family == 4 ? 20 : 40;
    size_t udp_len = 8 + len;
    ck_assert_uint_le(14 + ip_hdr + udp_len, sizeof f->bytes);
    uint8_t *ip = b + 14;
    memset(ip, 0, ip_hdr);
    if (src->family == 4) {
        b[12] = 0x08;
        ip[0] = 0x45;
        ip[2] = (uint8_t)((20 + udp_len) >> 8);
        ip[3] = (uint8_t)(20 + udp_len);
        ip[8] = 64;
        ip[9] = 17;
        memcpy(ip + 12, src->addr, 4);
        memcpy(ip + 16, dst->addr, 4);
    } else {
        b[12] = 0x86;
        b[13] = 0xDD;
        ip[0] = 0x60;
        ip[4] = (uint8_t)(udp_len >> 8);
        ip[5] = (uint8_t)udp_len;
        ip[6] = 17;
        ip[7] = 64;
        memcpy(ip + 8, src->addr, 16);
        memcpy(ip + 24, dst->addr, 16);
    }
    uint8_t *u = ip + ip_hdr;
    u[0] = (uint8_t)(src->port >> 8);
    u[1] = (uint8_t)src->port;
    u[2] = (uint8_t)(dst->port >> 8);
    u[3] = (uint8_t)dst->port;
    u[4] = (uint8_t)(udp_len >> 8);
    u[5] = (uint8_t)udp_len;
    u[6] = u[7] = 0;
    memcpy(u + 8, udp_payload, len);
    f->len = 14 + ip_hdr + udp_len;
    f->at_us = at_us;
}

/* A stream sent every `period_us` with `ticks` per packet, arriving with a
 * uniform delay of 0..jitter_us; some packets lost, some duplicated, some
 * with the marker bit (and with `frame_packets` > 1, packets of one frame
 * share a timestamp and the last is marked). */
typedef struct synth_stream {
    sim__streams_endpoint_t src, dst;
    uint32_t ssrc;
    uint8_t pt, alt_pt; /* alt_pt, when not 0, replaces pt in some runs */
    uint16_t first_seq;
    uint32_t first_ts;
    size_t count;
    int64_t start_us, period_us, jitter_us;
    uint32_t ticks;
    unsigned frame_packets;
    unsigned loss_pct, dup_pct, marker_pct;
} synth_stream_t;

static void synth_stream(synth_t *s, const synth_stream_t *st)
{
    uint16_t seq = st->first_seq;
    uint32_t ts = st->first_ts;
    for (size_t i = 0; i < st->count; i++) {
        bool last_of_frame =
            st->frame_packets <= 1 || i % st->frame_packets == st->frame_packets - 1;
        uint8_t pt = st->pt;
        if (st->alt_pt != 0 && (i / 50) % 4 == 3)
            pt = st->alt_pt;
        sent_t pkt = { .seq = seq,
                       .ts = ts,
                       .pt = pt,
                       .marker = st->frame_packets > 1 ? last_of_frame
                                                       : synth_rand(s, 100) < st->marker_pct };
        seq++;
        if (last_of_frame)
            ts += st->ticks;
        if (synth_rand(s, 100) < st->loss_pct)
            continue;
        uint8_t rtp[1300];
        size_t len = build_rtp(st->ssrc, &pkt, 40 + synth_rand(s, 200), rtp, sizeof rtp);
        int64_t sent_us =
            st->start_us +
            (int64_t)(i / (st->frame_packets > 1 ? st->frame_packets : 1)) * st->period_us;
        int64_t at = sent_us + (st->jitter_us > 0 ? synth_rand(s, (uint32_t)st->jitter_us) : 0);
        synth_frame(s, at, &st->src, &st->dst, rtp, len);
        if (synth_rand(s, 100) < st->dup_pct)
            synth_frame(s, at + 300 + synth_rand(s, 3000), &st->src, &st->dst, rtp, len);
    }
}

static int frame_order(const void *a, const void *b)
{
    const frame_out_t *x = a, *y = b;
    return (x->at_us > y->at_us) - (x->at_us < y->at_us);
}

static void synth_write(synth_t *s, const char *path)
{
    qsort(s->frames, s->n, sizeof s->frames[0], frame_order);
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *dump = pcap_dump_open(dead, path);
    ck_assert_msg(dump != NULL, "%s: %s", path, pcap_geterr(dead));
    for (size_t i = 0; i < s->n; i++) {
        struct pcap_pkthdr h = { .caplen = (bpf_u_int32)s->frames[i].len,
                                 .len = (bpf_u_int32)s->frames[i].len };
        h.ts.tv_sec = (time_t)(s->frames[i].at_us / 1000000);
        h.ts.tv_usec = (suseconds_t)(s->frames[i].at_us % 1000000);
        pcap_dump((u_char *)dump, &h, s->frames[i].bytes);
    }
    pcap_dump_close(dump);
    pcap_close(dead);
}

/* Scenario k: audio (PCMU with CN runs, or G.722) over IPv4 wrapping its
 * sequence numbers, H.263 video over IPv6 with frames of 3 packets, a
 * dynamic PT (no jitter for tshark either), reordering from arrival
 * jitter above the packet interval, loss and duplicates; a STUN request
 * first, so that times count from a packet that is not RTP, and an RTCP
 * sender report on the audio port. */
START_TEST(synthetic_captures_match_tshark)
{
    synth_t s = { .frames = calloc(SYN_MAX_FRAMES, sizeof(frame_out_t)),
                  .rng = 0x9E3779B97F4A7C15u + (uint64_t)_i };
    ck_assert_ptr_nonnull(s.frames);
    const int64_t base = 1700000000LL * 1000000 + 123456;
    sim__streams_endpoint_t a = ep4(1, 40000), b = ep4(2, 50000);
    sim__streams_endpoint_t a6 = { .family = 6,
                                   .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
                                   .port = 40002 };
    sim__streams_endpoint_t b6 = { .family = 6,
                                   .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 },
                                   .port = 50002 };
    const uint8_t stun[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42 };
    synth_frame(&s, base, &a, &b, stun, sizeof stun);

    const synth_stream_t audio = { .src = a,
                                   .dst = b,
                                   .ssrc = 0x1A2B3C4D + (uint32_t)_i,
                                   .pt = _i == 1 ? 9 : 0,
                                   .alt_pt = _i == 1 ? 0 : 13,
                                   .first_seq = (uint16_t)(65000 + 100 * _i),
                                   .first_ts = 0xFFFF0000u,
                                   .count = 1500,
                                   .start_us = base + 50000,
                                   .period_us = 20000,
                                   .jitter_us = 5000 + 20000 * _i,
                                   .ticks = 160,
                                   .loss_pct = 2,
                                   .dup_pct = 2,
                                   .marker_pct = 3 };
    const synth_stream_t video = { .src = a6,
                                   .dst = b6,
                                   .ssrc = 0xCAFE0001,
                                   .pt = 34,
                                   .first_seq = 100,
                                   .first_ts = 12345,
                                   .count = 900 * 3,
                                   .start_us = base + 70000,
                                   .period_us = 33333,
                                   .jitter_us = 8000 + 30000 * _i,
                                   .ticks = 3000,
                                   .frame_packets = 3,
                                   .loss_pct = 1,
                                   .dup_pct = 1 };
    const synth_stream_t dynamic = { .src = b,
                                     .dst = a,
                                     .ssrc = 0x0BADF00D,
                                     .pt = 111,
                                     .first_seq = 1,
                                     .first_ts = 7,
                                     .count = 800,
                                     .start_us = base + 30000,
                                     .period_us = 20000,
                                     .jitter_us = 30000,
                                     .ticks = 960,
                                     .loss_pct = 3,
                                     .dup_pct = 1,
                                     .marker_pct = 1 };
    synth_stream(&s, &audio);
    synth_stream(&s, &video);
    synth_stream(&s, &dynamic);
    const uint8_t rtcp_sr[28] = { 0x80, 200, 0x00, 0x06, 0x1A, 0x2B, 0x3C, 0x4D };
    synth_frame(&s, base + 1000000, &a, &b, rtcp_sr, sizeof rtcp_sr);

    const char *tmpdir = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
    char path[512];
    snprintf(path, sizeof path, "%s/blindfold-streams-XXXXXX", tmpdir);
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    synth_write(&s, path);
    free(s.frames);

    sim__streams_t *t = sim__streams_create(NULL);
    ck_assert_uint_gt(feed_capture(path, t), 4000);
    ck_assert_uint_eq(sim__streams_count(t), 3);
    const sim__streams_row_t *r = sim__streams_row(t, 0);
    ck_assert_uint_gt(r->reordered + sim__streams_row(t, 1)->reordered, 0);
    ck_assert_uint_gt(r->duplicates, 0);
    compare_with_tshark(path, t);
    sim__streams_destroy(t);
    unlink(path);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("replay_streams");
    TCase *counting = tcase_create("counting");
    tcase_add_test(counting, in_order_stream_counts_everything);
    tcase_add_loop_test(counting, sequence_cases_match_wireshark, 0,
                        (int)(sizeof seq_cases / sizeof seq_cases[0]));
    tcase_add_test(counting, stream_from_zero_wraps_through_65535);
    tcase_add_test(counting, duplicates_within_window_reordered_beyond);
    suite_add_tcase(s, counting);

    TCase *jitter = tcase_create("jitter");
    tcase_add_test(jitter, jitter_matches_hand_computed_rfc3550);
    tcase_add_test(jitter, dynamic_payload_has_no_jitter_until_mapped);
    tcase_add_test(jitter, marker_and_comfort_noise_are_not_regular);
    suite_add_tcase(s, jitter);

    TCase *table = tcase_create("table");
    tcase_add_test(table, bound_counts_untracked_streams);
    tcase_add_test(table, rows_keep_order_address_and_key);
    tcase_add_test(table, malformed_and_invalid_are_refused);
    tcase_add_test(table, endpoint_text_round_trips);
    tcase_add_test(table, map_payload_checks_names);
    suite_add_tcase(s, table);

    TCase *output = tcase_create("output");
    tcase_add_test(output, json_has_the_contract_keys);
    tcase_add_test(output, csv_has_the_documented_columns);
    suite_add_tcase(s, output);

    TCase *tshark = tcase_create("tshark");
    tcase_add_test(tshark, captures_match_tshark);
    tcase_add_loop_test(tshark, synthetic_captures_match_tshark, 0, 3);
    suite_add_tcase(s, tshark);
    return s;
}
