/* The RTX send history: a NACK for a stored packet yields its RFC 4588
 * retransmission (RTX SSRC, payload type, OSN, payload, RTX sequence
 * counter), at most once per RTT; packets evicted by count or age and
 * packets never sent are misses; the 16-bit wrap of both sequence spaces;
 * the caller's buffer bound; configuration and store refusals. */
#include "peers/send_history.h"

#include <check.h>
#include <string.h>

#define MS          1000u
#define MEDIA_SSRC  0x11223344u
#define MEDIA_PT    96
#define RTX_SSRC    0x55667788u
#define RTX_PT      97
#define PAYLOAD_LEN 100

/* A media packet whose payload bytes derive from its sequence number. */
static size_t make_packet(uint8_t *out, size_t cap, uint16_t seq, size_t payload_len)
{
    uint8_t payload[1500];
    ck_assert_uint_le(payload_len, sizeof(payload));
    for (size_t i = 0; i < payload_len; i++)
        payload[i] = (uint8_t)(seq * 7u + i);
    rtp_header_t h = { 0 };
    h.marker = (seq % 3) == 0;
    h.payload_type = MEDIA_PT;
    h.seq = seq;
    h.timestamp = 90000u + seq * 3000u;
    h.ssrc = MEDIA_SSRC;
    size_t len = 0;
    ck_assert_int_eq(rtp_write(&h, payload, payload_len, 0, out, cap, &len), RTP_OK);
    return len;
}

static peer__send_history_t *make_history(uint32_t capacity, uint32_t max_age_ms,
                                          uint16_t first_rtx_seq)
{
    peer__send_history_config_t c = peer__send_history_config_default();
    c.capacity = capacity;
    c.max_age_ms = max_age_ms;
    c.rtx_ssrc = RTX_SSRC;
    c.rtx_pt = RTX_PT;
    c.first_rtx_seq = first_rtx_seq;
    peer__send_history_t *h = NULL;
    ck_assert_int_eq(peer__send_history_create(&c, &h), RTP_OK);
    return h;
}

static void store_range(peer__send_history_t *h, uint16_t first, size_t n, uint64_t now_us)
{
    uint8_t pkt[1500];
    for (size_t i = 0; i < n; i++) {
        uint16_t seq = (uint16_t)(first + i);
        size_t len = make_packet(pkt, sizeof(pkt), seq, PAYLOAD_LEN);
        ck_assert_int_eq(peer__send_history_store(h, pkt, len, now_us), RTP_OK);
    }
}

/* Checks that rtx[0..len) is the retransmission of media packet `osn` with
 * RTX sequence number `rtx_seq`, byte for byte. */
static void check_rtx(const uint8_t *rtx, size_t len, uint16_t osn, uint16_t rtx_seq)
{
    rtp_header_t h;
    ck_assert_int_eq(rtp_parse(rtx, len, &h), RTP_OK);
    ck_assert_uint_eq(h.ssrc, RTX_SSRC);
    ck_assert_uint_eq(h.payload_type, RTX_PT);
    ck_assert_uint_eq(h.seq, rtx_seq);
    ck_assert_uint_eq(h.timestamp, 90000u + (uint32_t)osn * 3000u);
    ck_assert(h.marker == ((osn % 3) == 0));
    ck_assert_uint_eq(h.payload_len, PAYLOAD_LEN + 2);
    ck_assert_uint_eq(((unsigned)h.payload[0] << 8) | h.payload[1], osn);
    for (size_t i = 0; i < PAYLOAD_LEN; i++)
        ck_assert_uint_eq(h.payload[2 + i], (uint8_t)(osn * 7u + i));
    /* Unwrapping restores the original exactly. */
    uint8_t original[1500], restored[1500];
    size_t original_len = make_packet(original, sizeof(original), osn, PAYLOAD_LEN);
    size_t restored_len = 0;
    uint16_t got_osn = 0;
    ck_assert_int_eq(rtp_rtx_unwrap(rtx, len, MEDIA_SSRC, MEDIA_PT, restored, sizeof(restored),
                                    &restored_len, &got_osn),
                     RTP_OK);
    ck_assert_uint_eq(got_osn, osn);
    ck_assert_uint_eq(restored_len, original_len);
    ck_assert_mem_eq(restored, original, original_len);
}

START_TEST(test_nack_yields_rtx)
{
    peer__send_history_t *h = make_history(64, 1000, 500);
    store_range(h, 100, 10, 0);

    uint8_t out[1500];
    size_t len = 0;
    ck_assert_int_eq(peer__send_history_resend(h, 103, 10 * MS, out, sizeof(out), &len),
                     PEER__RTX_SENT);
    ck_assert_uint_eq(len, 12 + PAYLOAD_LEN + 2);
    check_rtx(out, len, 103, 500);

    /* A whole NACK: packets back to back, RTX sequence numbers running on. */
    uint8_t many[4096];
    size_t lens[8];
    const uint16_t seqs[] = { 105, 107, 109 };
    ck_assert_uint_eq(peer__send_history_on_nack(h, seqs, 3, 10 * MS, many, sizeof(many), lens, 8),
                      3);
    size_t offset = 0;
    for (size_t i = 0; i < 3; i++) {
        check_rtx(many + offset, lens[i], seqs[i], (uint16_t)(501 + i));
        offset += lens[i];
    }
    ck_assert_uint_eq(peer__send_history_next_rtx_seq(h), 504);

    const peer__send_history_stats_t *s = peer__send_history_stats(h);
    ck_assert_uint_eq(s->stored, 10);
    ck_assert_uint_eq(s->nacked, 4);
    ck_assert_uint_eq(s->retransmitted, 4);
    ck_assert_uint_eq(s->rtx_bytes, 4 * (12 + PAYLOAD_LEN + 2));
    ck_assert_uint_eq(s->misses, 0);
    ck_assert_uint_eq(s->too_soon, 0);
    peer__send_history_destroy(h);
}
END_TEST

START_TEST(test_once_per_rtt)
{
    peer__send_history_t *h = make_history(64, 1000, 0);
    peer__send_history_set_rtt(h, 50 * MS);
    store_range(h, 1000, 5, 0);
    uint8_t out[1500];
    size_t len = 0;

    ck_assert_int_eq(peer__send_history_resend(h, 1002, 100 * MS, out, sizeof(out), &len),
                     PEER__RTX_SENT);
    /* A repeated NACK within one RTT is refused and costs no RTX number. */
    ck_assert_int_eq(peer__send_history_resend(h, 1002, 100 * MS, out, sizeof(out), &len),
                     PEER__RTX_TOO_SOON);
    ck_assert_int_eq(peer__send_history_resend(h, 1002, 150 * MS - 1, out, sizeof(out), &len),
                     PEER__RTX_TOO_SOON);
    /* Another packet is not affected. */
    ck_assert_int_eq(peer__send_history_resend(h, 1003, 100 * MS, out, sizeof(out), &len),
                     PEER__RTX_SENT);
    check_rtx(out, len, 1003, 1);
    ck_assert_int_eq(peer__send_history_resend(h, 1002, 150 * MS, out, sizeof(out), &len),
                     PEER__RTX_SENT);
    check_rtx(out, len, 1002, 2);

    /* In a NACK list, a too-soon entry is skipped, not fatal. */
    uint8_t many[4096];
    size_t lens[4];
    const uint16_t seqs[] = { 1002, 1004 };
    ck_assert_uint_eq(peer__send_history_on_nack(h, seqs, 2, 160 * MS, many, sizeof(many), lens, 4),
                      1);
    check_rtx(many, lens[0], 1004, 3);

    const peer__send_history_stats_t *s = peer__send_history_stats(h);
    ck_assert_uint_eq(s->too_soon, 3);
    ck_assert_uint_eq(s->retransmitted, 4);
    ck_assert_uint_eq(s->nacked, 7);
    peer__send_history_destroy(h);
}
END_TEST

START_TEST(test_evicted_by_count)
{
    peer__send_history_t *h = make_history(16, 1000, 0);
    store_range(h, 0, 40, 0);
    uint8_t out[1500];
    size_t len = 0;

    /* 40 packets through 16 slots: 24..39 remain. */
    ck_assert(!peer__send_history_contains(h, 23, 0));
    ck_assert(peer__send_history_contains(h, 24, 0));
    ck_assert_int_eq(peer__send_history_resend(h, 10, 0, out, sizeof(out), &len), PEER__RTX_MISS);
    ck_assert_int_eq(peer__send_history_resend(h, 23, 0, out, sizeof(out), &len), PEER__RTX_MISS);
    ck_assert_int_eq(peer__send_history_resend(h, 24, 0, out, sizeof(out), &len), PEER__RTX_SENT);
    check_rtx(out, len, 24, 0);
    /* Never sent: ahead of the newest. */
    ck_assert_int_eq(peer__send_history_resend(h, 40, 0, out, sizeof(out), &len), PEER__RTX_MISS);
    ck_assert_int_eq(peer__send_history_resend(h, 30000, 0, out, sizeof(out), &len),
                     PEER__RTX_MISS);

    /* Storing a packet older than the ring reaches is refused. */
    uint8_t pkt[1500];
    size_t pkt_len = make_packet(pkt, sizeof(pkt), 20, PAYLOAD_LEN);
    ck_assert_int_eq(peer__send_history_store(h, pkt, pkt_len, 0), RTP_ERR_INVALID_ARG);

    const peer__send_history_stats_t *s = peer__send_history_stats(h);
    ck_assert_uint_eq(s->misses, 4);
    ck_assert_uint_eq(s->expired, 0);
    ck_assert_uint_eq(s->retransmitted, 1);
    ck_assert_uint_eq(s->store_refused, 1);
    ck_assert_uint_eq(peer__send_history_next_rtx_seq(h), 1);
    peer__send_history_destroy(h);
}
END_TEST

START_TEST(test_evicted_by_age)
{
    peer__send_history_t *h = make_history(64, 1000, 0);
    store_range(h, 7, 1, 0);
    store_range(h, 8, 1, 600 * MS);
    uint8_t out[1500];
    size_t len = 0;

    ck_assert(peer__send_history_contains(h, 7, 1000 * MS));
    ck_assert(!peer__send_history_contains(h, 7, 1000 * MS + 1));
    ck_assert_int_eq(peer__send_history_resend(h, 7, 1000 * MS + 1, out, sizeof(out), &len),
                     PEER__RTX_MISS);
    ck_assert_int_eq(peer__send_history_resend(h, 8, 1000 * MS + 1, out, sizeof(out), &len),
                     PEER__RTX_SENT);
    check_rtx(out, len, 8, 0);
    ck_assert_int_eq(peer__send_history_resend(h, 8, 1600 * MS + 1, out, sizeof(out), &len),
                     PEER__RTX_MISS);

    const peer__send_history_stats_t *s = peer__send_history_stats(h);
    ck_assert_uint_eq(s->misses, 2);
    ck_assert_uint_eq(s->expired, 2);
    ck_assert_uint_eq(s->retransmitted, 1);
    peer__send_history_destroy(h);
}
END_TEST

START_TEST(test_wrap)
{
    /* Media sequence numbers wrap 65535 -> 0 inside the ring, and the RTX
     * counter wraps too. */
    peer__send_history_t *h = make_history(64, 1000, 65535);
    store_range(h, 65530, 12, 0); /* 65530..65535, 0..5 */
    uint8_t out[1500];
    size_t len = 0;

    ck_assert_int_eq(peer__send_history_resend(h, 65534, 0, out, sizeof(out), &len),
                     PEER__RTX_SENT);
    check_rtx(out, len, 65534, 65535);
    ck_assert_int_eq(peer__send_history_resend(h, 2, 0, out, sizeof(out), &len), PEER__RTX_SENT);
    check_rtx(out, len, 2, 0);
    ck_assert_int_eq(peer__send_history_resend(h, 0, 0, out, sizeof(out), &len), PEER__RTX_SENT);
    check_rtx(out, len, 0, 1);
    ck_assert_int_eq(peer__send_history_resend(h, 6, 0, out, sizeof(out), &len), PEER__RTX_MISS);
    ck_assert_int_eq(peer__send_history_resend(h, 65529, 0, out, sizeof(out), &len),
                     PEER__RTX_MISS);

    /* Far past the wrap, with the count bound across it. */
    store_range(h, 6, 60, 0); /* 6..65: 65530..65535 and 0..1 are evicted */
    ck_assert_int_eq(peer__send_history_resend(h, 65535, 0, out, sizeof(out), &len),
                     PEER__RTX_MISS);
    ck_assert_int_eq(peer__send_history_resend(h, 1, 0, out, sizeof(out), &len), PEER__RTX_MISS);
    ck_assert_int_eq(peer__send_history_resend(h, 3, 0, out, sizeof(out), &len), PEER__RTX_SENT);
    check_rtx(out, len, 3, 2);
    peer__send_history_destroy(h);
}
END_TEST

START_TEST(test_buffer_bound)
{
    peer__send_history_t *h = make_history(64, 1000, 0);
    store_range(h, 10, 5, 0);
    const size_t rtx_len = 12 + PAYLOAD_LEN + 2;

    /* Room for one and a half packets: the second and the rest are not
     * produced, not marked, and can be asked again at once. */
    uint8_t out[1500];
    size_t lens[4];
    const uint16_t seqs[] = { 10, 11, 12 };
    ck_assert_uint_eq(
        peer__send_history_on_nack(h, seqs, 3, 0, out, rtx_len + rtx_len / 2, lens, 4), 1);
    ck_assert_uint_eq(lens[0], rtx_len);
    ck_assert_uint_eq(peer__send_history_stats(h)->no_space, 2);

    /* max_packets bounds the count. */
    ck_assert_uint_eq(peer__send_history_on_nack(h, seqs + 1, 2, 0, out, sizeof(out), lens, 1), 1);
    check_rtx(out, lens[0], 11, 1);
    ck_assert_uint_eq(peer__send_history_stats(h)->no_space, 3);

    size_t len = 0;
    ck_assert_int_eq(peer__send_history_resend(h, 12, 0, out, 10, &len), PEER__RTX_NO_SPACE);
    ck_assert_uint_eq(len, rtx_len);
    ck_assert_int_eq(peer__send_history_resend(h, 12, 0, out, sizeof(out), &len), PEER__RTX_SENT);
    check_rtx(out, len, 12, 2);
    ck_assert_uint_eq(peer__send_history_stats(h)->retransmitted, 3);
    peer__send_history_destroy(h);
}
END_TEST

START_TEST(test_config_and_refusals)
{
    peer__send_history_t *h = NULL;
    peer__send_history_config_t c = peer__send_history_config_default();
    ck_assert_int_eq(peer__send_history_create(NULL, &h), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(peer__send_history_create(&c, NULL), RTP_ERR_INVALID_ARG);
    c.capacity = 0;
    ck_assert_int_eq(peer__send_history_create(&c, &h), RTP_ERR_INVALID_ARG);
    c.capacity = PEER__SEND_HISTORY_MAX_CAPACITY + 1;
    ck_assert_int_eq(peer__send_history_create(&c, &h), RTP_ERR_INVALID_ARG);
    c = peer__send_history_config_default();
    c.slot_size = 11;
    ck_assert_int_eq(peer__send_history_create(&c, &h), RTP_ERR_INVALID_ARG);
    c = peer__send_history_config_default();
    c.max_age_ms = 0;
    ck_assert_int_eq(peer__send_history_create(&c, &h), RTP_ERR_INVALID_ARG);
    c = peer__send_history_config_default();
    c.rtx_pt = 128;
    ck_assert_int_eq(peer__send_history_create(&c, &h), RTP_ERR_INVALID_ARG);
    peer__send_history_destroy(NULL);

    c = peer__send_history_config_default();
    c.slot_size = 100;
    ck_assert_int_eq(peer__send_history_create(&c, &h), RTP_OK);
    ck_assert_uint_ge(peer__send_history_memory_bytes(h), 600u * 100u);
    uint8_t pkt[1500];
    size_t len = make_packet(pkt, sizeof(pkt), 1, PAYLOAD_LEN); /* 112 bytes > 100 */
    ck_assert_int_eq(peer__send_history_store(h, pkt, len, 0), RTP_ERR_NO_SPACE);
    ck_assert_int_eq(peer__send_history_store(h, pkt, 11, 0), RTP_ERR_TRUNCATED);
    pkt[0] = 0x40; /* version 1 */
    ck_assert_int_eq(peer__send_history_store(h, pkt, 50, 0), RTP_ERR_BAD_VERSION);
    ck_assert_int_eq(peer__send_history_store(h, NULL, 50, 0), RTP_ERR_INVALID_ARG);
    ck_assert_uint_eq(peer__send_history_stats(h)->store_refused, 4);
    ck_assert_uint_eq(peer__send_history_stats(h)->stored, 0);
    /* Empty: everything misses. */
    uint8_t out[200];
    ck_assert_int_eq(peer__send_history_resend(h, 1, 0, out, sizeof(out), &len), PEER__RTX_MISS);
    peer__send_history_destroy(h);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("send_history");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_nack_yields_rtx);
    tcase_add_test(tc, test_once_per_rtt);
    tcase_add_test(tc, test_evicted_by_count);
    tcase_add_test(tc, test_evicted_by_age);
    tcase_add_test(tc, test_wrap);
    tcase_add_test(tc, test_buffer_bound);
    tcase_add_test(tc, test_config_and_refusals);
    suite_add_tcase(s, tc);
    return s;
}
