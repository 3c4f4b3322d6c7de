/* Hostile input to peer_input during a call (peers/tests/peer_pair.h): random
 * bytes, random bytes that look like RTP or RTCP, truncated SRTP and SRTCP,
 * packets under another SRTP key, and packets of SSRCs the peer does not
 * receive. Each is counted in peer_stats (malformed, srtp_failures,
 * unknown_ssrc), none crashes, and the call goes on: frames after the
 * attack still verify. */
#include "peers/tests/peer_pair.h"

#define CAPTURED 64

typedef struct capture {
    uint8_t bytes[CAPTURED][PAIR_DATAGRAM];
    size_t lens[CAPTURED];
    size_t count;
} capture_t;

static void capture_datagrams(void *ctx, const uint8_t *bytes, size_t len)
{
    capture_t *c = ctx;
    if (c->count < CAPTURED) {
        memcpy(c->bytes[c->count], bytes, len);
        c->lens[c->count++] = len;
    }
}

static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static uint64_t rejected(const peer_stats_t *s)
{
    return s->malformed + s->srtp_failures + s->unknown_ssrc;
}

START_TEST(hostile_input_counted_call_survives)
{
    pair_t pair;
    pair_init(&pair);
    static capture_t captured;
    captured.count = 0;
    pair.ab.observe = capture_datagrams;
    pair.ab.observe_ctx = &captured;
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    pair.ab.n_allowed = 0; /* B also gets the layers it does not take */
    pair_keys(&pair, 1);
    pair_run(&pair, 500u * PAIR_MS);
    ck_assert_uint_eq(captured.count, CAPTURED);

    /* Unknown SSRCs: A's two lower layers reached B. */
    peer_stats_t before = pair_stats(pair.b);
    ck_assert_uint_gt(before.unknown_ssrc, 10);
    ck_assert_uint_eq(before.malformed + before.srtp_failures, 0);

    /* Random datagrams, some with an RTP or RTCP first byte. */
    static uint8_t junk[1600];
    uint32_t rng = 2024;
    uint64_t now = pair.now_us;
    const size_t n_junk = 3000;
    for (size_t i = 0; i < n_junk; i++) {
        size_t len = next_random(&rng) % sizeof junk;
        for (size_t j = 0; j < len; j++)
            junk[j] = (uint8_t)next_random(&rng);
        if (len > 1 && i % 3 == 1)
            junk[0] = 0x80 | (junk[0] & 0x3f); /* RTP version 2 */
        if (len > 1 && i % 3 == 2) {
            junk[0] = 0x80;
            junk[1] = (uint8_t)(200 + i % 6); /* an RTCP type */
        }
        ck_assert_int_eq(peer_input(pair.b, now, junk, len), PEER_OK);
    }
    /* Real datagrams cut short: SRTP needs its whole tag. */
    size_t n_cut = 0;
    for (size_t i = 0; i < captured.count; i++) {
        const size_t cuts[] = { 1, 4, 11, 12, captured.lens[i] / 2, captured.lens[i] - 1 };
        for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
            ck_assert_int_eq(peer_input(pair.b, now, captured.bytes[i], cuts[c]), PEER_OK);
            n_cut++;
        }
    }
    /* A's own packets under a flipped tag byte, and replayed. */
    for (size_t i = 0; i < captured.count; i++) {
        uint8_t copy[PAIR_DATAGRAM];
        memcpy(copy, captured.bytes[i], captured.lens[i]);
        copy[captured.lens[i] - 1] ^= 0x40;
        ck_assert_int_eq(peer_input(pair.b, now, copy, captured.lens[i]), PEER_OK);
        ck_assert_int_eq(peer_input(pair.b, now, captured.bytes[i], captured.lens[i]), PEER_OK);
    }
    ck_assert_int_eq(peer_input(pair.b, now, NULL, 0), PEER_OK);
    ck_assert_int_eq(peer_input(NULL, now, junk, 10), PEER_ERR_INVALID_ARG);
    ck_assert_int_eq(peer_input(pair.b, now, NULL, 10), PEER_ERR_INVALID_ARG);

    /* Then every datagram was counted as received and rejected. */
    peer_stats_t after = pair_stats(pair.b);
    uint64_t fed = n_junk + n_cut + 2 * captured.count + 1;
    ck_assert_uint_eq(after.packets_received - before.packets_received, fed);
    ck_assert_uint_eq(rejected(&after) - rejected(&before), fed);
    ck_assert_uint_gt(after.malformed, n_junk / 4);
    ck_assert_uint_ge(after.srtp_failures, 2 * captured.count);

    /* And the call goes on: the frames after the attack verify. */
    size_t records_before = pair.n_records;
    pair_run(&pair, 1500u * PAIR_MS);
    ck_assert_uint_ge(pair.n_records - records_before, 28);
    for (size_t i = 0; i < pair.n_records; i++) {
        ck_assert(pair.records[i].verified);
        ck_assert_uint_eq(pair.records[i].frame, i);
    }
    pair_free(&pair);
}
END_TEST

/* A third peer keyed with other material: everything it sends fails SRTP
 * authentication at B. */
START_TEST(wrong_srtp_key_counted)
{
    pair_t pair;
    pair_init(&pair);
    for (size_t i = 0; i < pair.config_a.keying_material_len; i++)
        pair.config_a.keying_material[i] ^= 0x5a;
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    pair_keys(&pair, 1);

    pair_run(&pair, 1000u * PAIR_MS);

    peer_stats_t sb = pair_stats(pair.b), sa = pair_stats(pair.a);
    ck_assert_uint_eq(pair.n_records, 0);
    ck_assert_uint_gt(sb.srtp_failures, 100);
    ck_assert_uint_eq(sb.srtp_failures, sb.packets_received);
    /* B's RTCP fails at A the same way. */
    ck_assert_uint_gt(sa.srtp_failures, 0);
    ck_assert_uint_eq(sa.rtt_us, 0);
    ck_assert_uint_eq(pair_remote_stats(&pair, PEER_KIND_VIDEO).packets, 0);
    pair_free(&pair);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("peer_input");
    TCase *tc = tcase_create("input");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, hostile_input_counted_call_survives);
    tcase_add_test(tc, wrong_srtp_key_counted);
    suite_add_tcase(s, tc);
    return s;
}
