/* The upstream NACK generator: gap detection, retry spacing and count,
 * recovery, the 65535 -> 0 wrap, the bounded list under overflow and under
 * a flood of random sequence numbers, and giving up on old packets. */
#include "sfu/nack_gen.h"

#include <check.h>
#include <malloc.h>
#include <stdint.h>

#define MS 1000u

static sfu__nack_gen_t *make_gen(const sfu__nack_gen_config_t *config)
{
    sfu__nack_gen_config_t defaults = sfu__nack_gen_config_default();
    sfu__nack_gen_t *gen = NULL;
    ck_assert_int_eq(sfu__nack_gen_create(config ? config : &defaults, &gen), SFU_OK);
    ck_assert_ptr_nonnull(gen);
    return gen;
}

static void receive_run(sfu__nack_gen_t *gen, uint32_t first, uint32_t last, uint64_t now_us)
{
    for (uint32_t s = first; s <= last; s++)
        ck_assert_int_eq(sfu__nack_gen_receive(gen, (uint16_t)s, now_us, 0), SFU__NACK_RX_NEWEST);
}

/* A small deterministic generator for the flood (xorshift32). */
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

START_TEST(single_gap_is_nacked_at_once)
{
    sfu__nack_gen_t *gen = make_gen(NULL);
    ck_assert_uint_eq(sfu__nack_gen_next_timer_us(gen), UINT64_MAX);
    receive_run(gen, 100, 101, 0);
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 104, 5 * MS, 0), SFU__NACK_RX_NEWEST);
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 2);
    ck_assert_uint_eq(sfu__nack_gen_next_timer_us(gen), 5 * MS);

    uint16_t seqs[16];
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 5 * MS, seqs, 16), 2);
    ck_assert_uint_eq(seqs[0], 102);
    ck_assert_uint_eq(seqs[1], 103);
    /* Nothing more until the retry interval (the default RTT, 100 ms). */
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 5 * MS, seqs, 16), 0);
    ck_assert_uint_eq(sfu__nack_gen_next_timer_us(gen), 105 * MS);

    const sfu__nack_gen_stats_t *st = sfu__nack_gen_stats(gen);
    ck_assert_uint_eq(st->received, 3);
    ck_assert_uint_eq(st->missing, 2);
    ck_assert_uint_eq(st->nacks_requested, 2);
    sfu__nack_gen_destroy(gen);
}
END_TEST

START_TEST(retries_are_spaced_by_rtt)
{
    sfu__nack_gen_t *gen = make_gen(NULL);
    sfu__nack_gen_set_rtt(gen, 80 * MS);
    receive_run(gen, 10, 10, 0);
    sfu__nack_gen_receive(gen, 12, 0, 0);
    uint16_t seqs[4];
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 0, seqs, 4), 1);
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 79 * MS, seqs, 4), 0);
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 80 * MS, seqs, 4), 1);
    ck_assert_uint_eq(seqs[0], 11);
    ck_assert_uint_eq(sfu__nack_gen_next_timer_us(gen), 160 * MS);

    /* An RTT below the floor (40 ms) spaces retries by the floor. */
    sfu__nack_gen_set_rtt(gen, 10 * MS);
    ck_assert_uint_eq(sfu__nack_gen_next_timer_us(gen), 120 * MS);
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 119 * MS, seqs, 4), 0);
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 120 * MS, seqs, 4), 1);
    ck_assert_uint_eq(sfu__nack_gen_stats(gen)->nacks_requested, 3);
    sfu__nack_gen_destroy(gen);
}
END_TEST

START_TEST(at_most_max_retries)
{
    sfu__nack_gen_config_t config = sfu__nack_gen_config_default();
    config.max_retries = 3;
    config.max_age_ms = 10000;
    sfu__nack_gen_t *gen = make_gen(&config);
    receive_run(gen, 0, 0, 0);
    sfu__nack_gen_receive(gen, 2, 0, 0);

    /* Given a scheduler that polls exactly when the generator asks */
    unsigned nacks = 0, polls = 0;
    uint64_t now = 0;
    while (sfu__nack_gen_next_timer_us(gen) != UINT64_MAX && polls < 100) {
        now = sfu__nack_gen_next_timer_us(gen);
        uint16_t seqs[4];
        size_t n = sfu__nack_gen_poll(gen, now, seqs, 4);
        for (size_t i = 0; i < n; i++)
            ck_assert_uint_eq(seqs[i], 1);
        nacks += (unsigned)n;
        polls++;
    }
    /* Then the packet is requested three times, 100 ms apart, and given up
     * one interval after the last request */
    ck_assert_uint_eq(nacks, 3);
    ck_assert_uint_eq(now, 300 * MS);
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 0);
    ck_assert_uint_eq(sfu__nack_gen_stats(gen)->given_up, 1);
    ck_assert_uint_eq(sfu__nack_gen_stats(gen)->nacks_requested, 3);
    /* Arriving now, it is late, not recovered. */
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 1, now, SFU__NACK_RETRANSMISSION),
                     SFU__NACK_RX_LATE);
    sfu__nack_gen_destroy(gen);
}
END_TEST

START_TEST(recovered_packet_is_removed)
{
    sfu__nack_gen_t *gen = make_gen(NULL);
    receive_run(gen, 0, 0, 0);
    sfu__nack_gen_receive(gen, 5, 0, 0); /* 1 2 3 4 missing */
    uint16_t seqs[8];
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 0, seqs, 8), 4);

    ck_assert_int_eq(sfu__nack_gen_receive(gen, 3, 20 * MS, SFU__NACK_RETRANSMISSION),
                     SFU__NACK_RX_RECOVERED);
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 3);
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 3, 21 * MS, SFU__NACK_RETRANSMISSION),
                     SFU__NACK_RX_LATE); /* a duplicate */
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 5, 21 * MS, 0), SFU__NACK_RX_LATE);

    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 100 * MS, seqs, 8), 3);
    ck_assert_uint_eq(seqs[0], 1);
    ck_assert_uint_eq(seqs[1], 2);
    ck_assert_uint_eq(seqs[2], 4);

    /* A packet that arrives before its first NACK was only reordered. */
    sfu__nack_gen_receive(gen, 7, 101 * MS, 0);
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 6, 101 * MS, 0), SFU__NACK_RX_REORDERED);

    const sfu__nack_gen_stats_t *st = sfu__nack_gen_stats(gen);
    ck_assert_uint_eq(st->recovered, 1);
    ck_assert_uint_eq(st->reordered, 1);
    ck_assert_uint_eq(st->late, 2);
    sfu__nack_gen_destroy(gen);
}
END_TEST

START_TEST(gap_across_the_wrap)
{
    sfu__nack_gen_t *gen = make_gen(NULL);
    receive_run(gen, 65530, 65533, 0);
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 2, 1 * MS, 0), SFU__NACK_RX_NEWEST);
    uint16_t seqs[8];
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 1 * MS, seqs, 8), 4);
    ck_assert_uint_eq(seqs[0], 65534);
    ck_assert_uint_eq(seqs[1], 65535);
    ck_assert_uint_eq(seqs[2], 0);
    ck_assert_uint_eq(seqs[3], 1);
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 65535, 2 * MS, 0), SFU__NACK_RX_RECOVERED);
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 0, 2 * MS, 0), SFU__NACK_RX_RECOVERED);
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 2);
    sfu__nack_gen_destroy(gen);
}
END_TEST

START_TEST(poll_respects_the_callers_capacity)
{
    sfu__nack_gen_t *gen = make_gen(NULL);
    receive_run(gen, 0, 0, 0);
    sfu__nack_gen_receive(gen, 11, 0, 0); /* 1 .. 10 missing */
    uint16_t seqs[4];
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 0, seqs, 4), 4);
    ck_assert_uint_eq(seqs[0], 1);
    /* The rest stay due. */
    ck_assert_uint_eq(sfu__nack_gen_next_timer_us(gen), 0);
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 0, seqs, 4), 4);
    ck_assert_uint_eq(seqs[0], 5);
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 0, seqs, 4), 2);
    ck_assert_uint_eq(seqs[1], 10);
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 0, seqs, 4), 0);
    sfu__nack_gen_destroy(gen);
}
END_TEST

START_TEST(first_nack_can_wait_for_reordering)
{
    sfu__nack_gen_config_t config = sfu__nack_gen_config_default();
    config.first_nack_delay_ms = 10;
    sfu__nack_gen_t *gen = make_gen(&config);
    receive_run(gen, 0, 0, 0);
    sfu__nack_gen_receive(gen, 2, 0, 0);
    uint16_t seqs[4];
    ck_assert_uint_eq(sfu__nack_gen_next_timer_us(gen), 10 * MS);
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 9 * MS, seqs, 4), 0);
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 10 * MS, seqs, 4), 1);
    sfu__nack_gen_destroy(gen);
}
END_TEST

START_TEST(overflow_clears_and_asks_for_a_keyframe)
{
    sfu__nack_gen_config_t config = sfu__nack_gen_config_default();
    config.max_tracked = 100;
    sfu__nack_gen_t *gen = make_gen(&config);
    receive_run(gen, 0, 0, 0);
    sfu__nack_gen_receive(gen, 51, 0, 0); /* 50 missing: fits */
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 50);
    /* 60 more do not fit, and no keyframe was seen. */
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 112, 0, 0), SFU__NACK_RX_KEYFRAME_NEEDED);
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 0);
    ck_assert_uint_eq(sfu__nack_gen_next_timer_us(gen), UINT64_MAX);
    const sfu__nack_gen_stats_t *st = sfu__nack_gen_stats(gen);
    ck_assert_uint_eq(st->overflow, 110);
    ck_assert_uint_eq(st->keyframe_requests, 1);
    /* A gap larger than the list alone also overflows. */
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 300, 0, 0), SFU__NACK_RX_KEYFRAME_NEEDED);
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 0);
    ck_assert_uint_eq(st->overflow, 110 + 187);
    ck_assert_uint_eq(st->keyframe_requests, 2);
    sfu__nack_gen_destroy(gen);
}
END_TEST

START_TEST(overflow_trims_to_a_keyframe)
{
    sfu__nack_gen_config_t config = sfu__nack_gen_config_default();
    config.max_tracked = 100;
    sfu__nack_gen_t *gen = make_gen(&config);
    /* Given 60 missing before a keyframe start at 61 */
    receive_run(gen, 0, 0, 0);
    sfu__nack_gen_receive(gen, 61, 0, SFU__NACK_KEYFRAME_START);
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 60);
    /* When 60 more go missing after it */
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 122, 0, 0), SFU__NACK_RX_NEWEST);
    /* Then the ones before the keyframe were dropped to make room */
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 60);
    ck_assert_uint_eq(sfu__nack_gen_stats(gen)->overflow, 60);
    ck_assert_uint_eq(sfu__nack_gen_stats(gen)->keyframe_requests, 0);
    uint16_t seqs[128];
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 0, seqs, 128), 60);
    ck_assert_uint_eq(seqs[0], 62);
    ck_assert_uint_eq(seqs[59], 121);

    /* A keyframe start after an overflowing gap needs nothing before it. */
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 400, 0, SFU__NACK_KEYFRAME_START),
                     SFU__NACK_RX_NEWEST);
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 0);
    ck_assert_uint_eq(sfu__nack_gen_stats(gen)->keyframe_requests, 0);
    sfu__nack_gen_destroy(gen);
}
END_TEST

START_TEST(old_packets_are_given_up)
{
    sfu__nack_gen_config_t config = sfu__nack_gen_config_default();
    config.max_age_seqs = 100;
    config.max_age_ms = 500;
    config.max_retries = 1000;
    sfu__nack_gen_t *gen = make_gen(&config);

    /* By sequence distance: 5 missing, then the stream moves 100 past them. */
    receive_run(gen, 0, 0, 0);
    sfu__nack_gen_receive(gen, 6, 0, 0);
    receive_run(gen, 7, 101, 0);
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 5);
    receive_run(gen, 102, 106, 0);
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 0);
    ck_assert_uint_eq(sfu__nack_gen_stats(gen)->aged_out, 5);
    /* A gap longer than the distance only tracks its last 100. */
    sfu__nack_gen_receive(gen, 400, 0, 0);
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 100);
    ck_assert_uint_eq(sfu__nack_gen_stats(gen)->missing, 5 + 293);
    ck_assert_uint_eq(sfu__nack_gen_stats(gen)->aged_out, 5 + 193);
    sfu__nack_gen_reset(gen);

    /* By time: missing for more than 500 ms, whatever the retries left. */
    receive_run(gen, 1000, 1000, 0);
    sfu__nack_gen_receive(gen, 1002, 10 * MS, 0);
    uint16_t seqs[4];
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 10 * MS, seqs, 4), 1);
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 510 * MS, seqs, 4), 1); /* 500 ms: still */
    ck_assert_uint_eq(sfu__nack_gen_next_timer_us(gen), 510 * MS + 1);
    ck_assert_uint_eq(sfu__nack_gen_poll(gen, 510 * MS + 1, seqs, 4), 0);
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 0);
    ck_assert_uint_eq(sfu__nack_gen_stats(gen)->aged_out, 5 + 193 + 1);
    sfu__nack_gen_destroy(gen);
}
END_TEST

START_TEST(newer_retransmission_is_ignored)
{
    sfu__nack_gen_t *gen = make_gen(NULL);
    receive_run(gen, 0, 0, 0);
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 5, 0, SFU__NACK_RETRANSMISSION),
                     SFU__NACK_RX_IGNORED);
    ck_assert_uint_eq(sfu__nack_gen_missing_count(gen), 0);
    ck_assert_int_eq(sfu__nack_gen_receive(gen, 1, 0, 0), SFU__NACK_RX_NEWEST);
    sfu__nack_gen_destroy(gen);
}
END_TEST

START_TEST(flood_of_random_numbers_stays_bounded)
{
    /* Given a hostile publisher sending random distinct-looking numbers */
    sfu__nack_gen_t *gen = make_gen(NULL);
    size_t memory = sfu__nack_gen_memory_bytes(gen);
    uint32_t rng = 0x12345678u;
    size_t max_seen = 0;
    uint64_t nacked = 0;
    uint16_t seqs[64];
#ifdef __GLIBC__
    struct mallinfo2 before = mallinfo2();
#endif
    /* (no ck_assert in the loop: Check's bookkeeping could allocate) */
    for (uint32_t i = 0; i < 200000; i++) {
        uint32_t r = next_random(&rng);
        unsigned flags = (r >> 20) % 50 == 0 ? SFU__NACK_KEYFRAME_START : 0u;
        if ((r >> 26) % 8 == 0)
            flags |= SFU__NACK_RETRANSMISSION;
        uint64_t now = (uint64_t)i * 100u;
        sfu__nack_gen_receive(gen, (uint16_t)r, now, flags);
        size_t missing = sfu__nack_gen_missing_count(gen);
        if (missing > max_seen)
            max_seen = missing;
        if (i % 16 == 0)
            nacked += sfu__nack_gen_poll(gen, now, seqs, 64);
    }
#ifdef __GLIBC__
    struct mallinfo2 after = mallinfo2();
    ck_assert_uint_eq(after.uordblks, before.uordblks);
    ck_assert_uint_eq(after.hblkhd, before.hblkhd);
#endif
    /* Then the list never exceeded its bound and memory never changed */
    ck_assert_uint_le(max_seen, 1000);
    ck_assert_uint_gt(max_seen, 0);
    ck_assert_uint_gt(nacked, 0);
    ck_assert_uint_eq(sfu__nack_gen_memory_bytes(gen), memory);
    const sfu__nack_gen_stats_t *st = sfu__nack_gen_stats(gen);
    ck_assert_uint_gt(st->overflow, 0);
    ck_assert_uint_gt(st->keyframe_requests, 0);
    ck_assert_uint_eq(st->received, 200000);
    sfu__nack_gen_destroy(gen);
}
END_TEST

START_TEST(refuses_bad_config)
{
    sfu__nack_gen_t *gen = NULL;
    sfu__nack_gen_config_t config = sfu__nack_gen_config_default();
    config.max_tracked = 0;
    ck_assert_int_eq(sfu__nack_gen_create(&config, &gen), SFU_ERR_INVALID_ARG);
    config = sfu__nack_gen_config_default();
    config.max_tracked = SFU__NACK_GEN_MAX_TRACKED + 1;
    ck_assert_int_eq(sfu__nack_gen_create(&config, &gen), SFU_ERR_INVALID_ARG);
    config = sfu__nack_gen_config_default();
    config.max_retries = 0;
    ck_assert_int_eq(sfu__nack_gen_create(&config, &gen), SFU_ERR_INVALID_ARG);
    ck_assert_int_eq(sfu__nack_gen_create(NULL, &gen), SFU_ERR_INVALID_ARG);
    ck_assert_ptr_null(gen);
    sfu__nack_gen_destroy(NULL);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("sfu_nack_gen");
    TCase *tc = tcase_create("nack");
    tcase_add_test(tc, single_gap_is_nacked_at_once);
    tcase_add_test(tc, retries_are_spaced_by_rtt);
    tcase_add_test(tc, at_most_max_retries);
    tcase_add_test(tc, recovered_packet_is_removed);
    tcase_add_test(tc, gap_across_the_wrap);
    tcase_add_test(tc, poll_respects_the_callers_capacity);
    tcase_add_test(tc, first_nack_can_wait_for_reordering);
    tcase_add_test(tc, newer_retransmission_is_ignored);
    suite_add_tcase(s, tc);

    tc = tcase_create("bounds");
    tcase_add_test(tc, overflow_clears_and_asks_for_a_keyframe);
    tcase_add_test(tc, overflow_trims_to_a_keyframe);
    tcase_add_test(tc, old_packets_are_given_up);
    tcase_add_test(tc, flood_of_random_numbers_stays_bounded);
    tcase_add_test(tc, refuses_bad_config);
    suite_add_tcase(s, tc);
    return s;
}
