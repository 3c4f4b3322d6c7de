/* The pacer, in virtual time: the long-run output rate is pacing_factor
 * times the target; a 100-packet frame is spread over the time the rate
 * allows; audio leaves before retransmissions before video, and audio
 * bypasses the budget; the queue bounds drop the oldest video and count
 * it; a target change takes effect; next_send_us is exact. */
#include "peers/pacer.h"

#include <check.h>
#include <string.h>

#define MS  1000u
#define SEC 1000000u

/* A packet tagged with its class and a running number, for order checks. */
static void fill_packet(uint8_t *pkt, size_t len, peer__pacer_priority_t priority, uint32_t number)
{
    memset(pkt, 0xAB, len);
    pkt[0] = (uint8_t)priority;
    pkt[1] = (uint8_t)(number >> 16);
    pkt[2] = (uint8_t)(number >> 8);
    pkt[3] = (uint8_t)number;
}

static uint32_t packet_number(const uint8_t *pkt)
{
    return ((uint32_t)pkt[1] << 16) | ((uint32_t)pkt[2] << 8) | pkt[3];
}

static peer__pacer_t *make_pacer(uint32_t target_kbps)
{
    peer__pacer_config_t c = peer__pacer_config_default();
    c.target_kbps = target_kbps;
    peer__pacer_t *p = NULL;
    ck_assert_int_eq(peer__pacer_create(&c, &p), RTP_OK);
    return p;
}

static void enqueue(peer__pacer_t *p, size_t len, peer__pacer_priority_t priority, uint32_t number,
                    uint64_t now_us)
{
    uint8_t pkt[1500];
    fill_packet(pkt, len, priority, number);
    ck_assert_int_eq(peer__pacer_enqueue(p, pkt, len, priority, now_us), RTP_OK);
}

/* Keeps the video queue at least `backlog` packets deep and sends whenever
 * the pacer allows, from *now_us until end_us; returns the bytes sent. */
static uint64_t run_saturated(peer__pacer_t *p, uint64_t *now_us, uint64_t end_us, size_t backlog)
{
    uint64_t bytes = 0;
    uint8_t out[1500];
    uint32_t number = 0;
    for (;;) {
        while (peer__pacer_queued_packets(p) < backlog)
            enqueue(p, 1200, PEER__PACER_VIDEO, number++, *now_us);
        size_t len = 0;
        while (peer__pacer_dequeue(p, *now_us, out, sizeof(out), &len, NULL) == RTP_OK)
            bytes += len;
        uint64_t next = peer__pacer_next_send_us(p);
        ck_assert_uint_gt(next, *now_us);
        if (next >= end_us) {
            *now_us = end_us;
            return bytes;
        }
        *now_us = next;
    }
}

START_TEST(test_long_run_rate)
{
    /* Given a 1000 kbps target, the pacing rate is 2.5 Mbit/s. */
    peer__pacer_t *p = make_pacer(1000);
    ck_assert_uint_eq(peer__pacer_rate_bps(p), 2500000u);
    uint64_t now = 0;
    (void)run_saturated(p, &now, 1 * SEC, 20);
    /* When 10 s of a saturated queue are paced, the output is 2.5 Mbit/s
     * within 0.1 % (one packet plus the 5 ms burst over 10 s is 0.01 %). */
    uint64_t bytes = run_saturated(p, &now, 11 * SEC, 20);
    double rate_bps = (double)bytes * 8.0 / 10.0;
    ck_assert_double_eq_tol(rate_bps, 2500000.0, 2500.0);
    peer__pacer_destroy(p);
}
END_TEST

START_TEST(test_burst_smoothing)
{
    /* Given an idle pacer at 2.5 Mbit/s (budget at its 5 ms cap), when a
     * 100-packet, 120000-byte frame arrives at once, then it leaves over
     * 960000 bits / 2.5 Mbit/s = 384 ms, less the 5 ms burst allowance. */
    peer__pacer_t *p = make_pacer(1000);
    uint64_t now = 10 * SEC;
    for (uint32_t i = 0; i < 100; i++)
        enqueue(p, 1200, PEER__PACER_VIDEO, i, now);

    uint8_t out[1500];
    size_t len = 0;
    uint32_t sent_at_once = 0;
    while (peer__pacer_dequeue(p, now, out, sizeof(out), &len, NULL) == RTP_OK)
        sent_at_once++;
    /* 5 ms at 2.5 Mbit/s is 1562.5 bytes: a positive budget lets 2 go. */
    ck_assert_uint_eq(sent_at_once, 2);

    uint32_t sent = sent_at_once;
    uint64_t last_departure = now;
    uint64_t prev = now;
    while (peer__pacer_queued_packets(p) > 0) {
        now = peer__pacer_next_send_us(p);
        ck_assert_int_eq(peer__pacer_dequeue(p, now, out, sizeof(out), &len, NULL), RTP_OK);
        ck_assert_uint_eq(packet_number(out), sent);
        /* Spaced by one packet time (3.84 ms) once the burst is spent. */
        if (sent > 2)
            ck_assert_uint_le(now - prev, 3841);
        ck_assert_uint_ge(now - prev, sent > 2 ? 3839u : 0u);
        prev = now;
        sent++;
        last_departure = now;
    }
    ck_assert_uint_eq(sent, 100);
    uint64_t spread = last_departure - 10 * SEC;
    ck_assert_uint_ge(spread, 384 * MS - 5 * MS - 4 * MS);
    ck_assert_uint_le(spread, 384 * MS);

    const peer__pacer_stats_t *s = peer__pacer_stats(p);
    ck_assert_uint_eq(s->sent[PEER__PACER_VIDEO], 100);
    ck_assert_uint_eq(s->delay_samples, 100);
    ck_assert_uint_eq(s->delay_max_us, spread);
    /* The mean wait of a linearly drained frame is about half the spread. */
    ck_assert_uint_ge(s->delay_sum_us / 100, spread / 2 - 5 * MS);
    ck_assert_uint_le(s->delay_sum_us / 100, spread / 2 + 5 * MS);
    peer__pacer_destroy(p);
}
END_TEST

START_TEST(test_priority_order)
{
    peer__pacer_t *p = make_pacer(1000);
    uint64_t now = SEC;
    uint8_t out[1500];
    size_t len = 0;
    peer__pacer_priority_t prio;

    /* Spend the burst allowance so that the budget is in debt. */
    enqueue(p, 1200, PEER__PACER_VIDEO, 0, now);
    enqueue(p, 1200, PEER__PACER_VIDEO, 1, now);
    while (peer__pacer_dequeue(p, now, out, sizeof(out), &len, NULL) == RTP_OK)
        ;
    ck_assert_uint_eq(peer__pacer_queued_packets(p), 0);

    /* Given video, then retransmissions, then audio queued in that order. */
    for (uint32_t i = 0; i < 3; i++)
        enqueue(p, 1000, PEER__PACER_VIDEO, 100 + i, now);
    for (uint32_t i = 0; i < 3; i++)
        enqueue(p, 1000, PEER__PACER_RETRANSMISSION, 200 + i, now);
    for (uint32_t i = 0; i < 3; i++)
        enqueue(p, 100, PEER__PACER_AUDIO, 300 + i, now);

    /* Audio bypasses the budget: all three leave now, in order. */
    for (uint32_t i = 0; i < 3; i++) {
        ck_assert_int_eq(peer__pacer_dequeue(p, now, out, sizeof(out), &len, &prio), RTP_OK);
        ck_assert_int_eq(prio, PEER__PACER_AUDIO);
        ck_assert_uint_eq(packet_number(out), 300 + i);
        ck_assert_uint_eq(len, 100);
    }
    ck_assert_int_eq(peer__pacer_dequeue(p, now, out, sizeof(out), &len, &prio), RTP_ERR_END);
    ck_assert_uint_gt(peer__pacer_next_send_us(p), now);

    /* Audio arriving later still jumps ahead of the waiting video. */
    uint32_t expected[] = { 200, 201, 400, 202, 100, 101, 102 };
    size_t k = 0;
    while (peer__pacer_queued_packets(p) > 0) {
        uint64_t next = peer__pacer_next_send_us(p);
        now = next;
        if (k == 2) {
            enqueue(p, 100, PEER__PACER_AUDIO, 400, now);
            ck_assert_uint_eq(peer__pacer_next_send_us(p), now);
        }
        ck_assert_int_eq(peer__pacer_dequeue(p, now, out, sizeof(out), &len, &prio), RTP_OK);
        ck_assert_uint_eq(packet_number(out), expected[k]);
        k++;
    }
    ck_assert_uint_eq(k, 7);
    const peer__pacer_stats_t *s = peer__pacer_stats(p);
    ck_assert_uint_eq(s->sent[PEER__PACER_AUDIO], 4);
    ck_assert_uint_eq(s->sent[PEER__PACER_RETRANSMISSION], 3);
    ck_assert_uint_eq(s->sent[PEER__PACER_VIDEO], 5);
    ck_assert_uint_eq(s->delay_max_us_by[PEER__PACER_AUDIO], 0);
    ck_assert_uint_gt(s->delay_max_us_by[PEER__PACER_VIDEO], 0);
    peer__pacer_destroy(p);
}
END_TEST

START_TEST(test_paced_audio)
{
    /* With pace_audio, audio waits for the budget like the rest, but still
     * goes first. */
    peer__pacer_config_t c = peer__pacer_config_default();
    c.pace_audio = true;
    peer__pacer_t *p = NULL;
    ck_assert_int_eq(peer__pacer_create(&c, &p), RTP_OK);
    uint8_t out[1500];
    size_t len = 0;
    uint64_t now = SEC;
    /* Two 1500-byte packets spend the 12500-bit allowance and more. */
    enqueue(p, 1500, PEER__PACER_VIDEO, 0, now);
    enqueue(p, 1500, PEER__PACER_VIDEO, 0, now);
    ck_assert_int_eq(peer__pacer_dequeue(p, now, out, sizeof(out), &len, NULL), RTP_OK);
    ck_assert_int_eq(peer__pacer_dequeue(p, now, out, sizeof(out), &len, NULL), RTP_OK);
    enqueue(p, 1200, PEER__PACER_VIDEO, 1, now);
    enqueue(p, 100, PEER__PACER_AUDIO, 2, now);
    ck_assert_int_eq(peer__pacer_dequeue(p, now, out, sizeof(out), &len, NULL), RTP_ERR_END);
    now = peer__pacer_next_send_us(p);
    ck_assert_int_eq(peer__pacer_dequeue(p, now, out, sizeof(out), &len, NULL), RTP_OK);
    ck_assert_uint_eq(packet_number(out), 2);
    peer__pacer_destroy(p);
}
END_TEST

START_TEST(test_queue_bound)
{
    peer__pacer_config_t c = peer__pacer_config_default();
    c.max_packets = 10;
    c.max_bytes = 10000;
    c.max_packet_size = 1500;
    peer__pacer_t *p = NULL;
    ck_assert_int_eq(peer__pacer_create(&c, &p), RTP_OK);
    uint8_t pkt[1500];
    uint64_t now = SEC;

    /* Count bound: 15 small video packets into 10 places drop the oldest 5. */
    for (uint32_t i = 0; i < 15; i++)
        enqueue(p, 100, PEER__PACER_VIDEO, i, now);
    ck_assert_uint_eq(peer__pacer_queued_packets(p), 10);
    ck_assert_uint_eq(peer__pacer_stats(p)->dropped_video, 5);

    /* A retransmission evicts video too; audio and RTX are never dropped. */
    enqueue(p, 100, PEER__PACER_RETRANSMISSION, 100, now);
    enqueue(p, 100, PEER__PACER_AUDIO, 101, now);
    ck_assert_uint_eq(peer__pacer_stats(p)->dropped_video, 7);
    ck_assert_uint_eq(peer__pacer_queued_packets(p), 10);

    /* Byte bound: 1000 bytes queued; 6 video packets of 1500 bytes make
     * 10000 at most, so the 7th drops the oldest video. */
    uint8_t out[1500];
    size_t len = 0;
    size_t drained = 0;
    while (peer__pacer_queued_packets(p) > 0) {
        now = peer__pacer_next_send_us(p) > now ? peer__pacer_next_send_us(p) : now;
        ck_assert_int_eq(peer__pacer_dequeue(p, now, out, sizeof(out), &len, NULL), RTP_OK);
        if (drained == 2)
            ck_assert_uint_eq(packet_number(out), 7); /* 0..6 were dropped */
        drained++;
    }
    ck_assert_uint_eq(drained, 10);
    for (uint32_t i = 0; i < 6; i++)
        enqueue(p, 1500, PEER__PACER_VIDEO, 20 + i, now);
    ck_assert_uint_eq(peer__pacer_queued_bytes(p), 9000);
    enqueue(p, 1500, PEER__PACER_VIDEO, 26, now);
    ck_assert_uint_eq(peer__pacer_queued_bytes(p), 9000);
    ck_assert_uint_eq(peer__pacer_stats(p)->dropped_video, 8);

    /* With only audio and retransmissions queued, a new packet is refused
     * and nothing is dropped. */
    peer__pacer_destroy(p);
    ck_assert_int_eq(peer__pacer_create(&c, &p), RTP_OK);
    for (uint32_t i = 0; i < 5; i++)
        enqueue(p, 100, PEER__PACER_AUDIO, i, now);
    for (uint32_t i = 0; i < 5; i++)
        enqueue(p, 100, PEER__PACER_RETRANSMISSION, i, now);
    fill_packet(pkt, 100, PEER__PACER_VIDEO, 50);
    ck_assert_int_eq(peer__pacer_enqueue(p, pkt, 100, PEER__PACER_VIDEO, now), RTP_ERR_NO_SPACE);
    ck_assert_int_eq(peer__pacer_enqueue(p, pkt, 100, PEER__PACER_AUDIO, now), RTP_ERR_NO_SPACE);
    ck_assert_int_eq(peer__pacer_enqueue(p, pkt, 1501, PEER__PACER_AUDIO, now), RTP_ERR_NO_SPACE);
    ck_assert_int_eq(peer__pacer_enqueue(p, pkt, 0, PEER__PACER_AUDIO, now), RTP_ERR_INVALID_ARG);
    ck_assert_uint_eq(peer__pacer_stats(p)->refused, 3);
    ck_assert_uint_eq(peer__pacer_stats(p)->dropped_video, 0);
    ck_assert_uint_eq(peer__pacer_queued_packets(p), 10);
    ck_assert_uint_eq(peer__pacer_oldest_wait_us(p, now + 7 * MS), 7 * MS);
    /* A packet too large for the caller's buffer stays queued. */
    ck_assert_int_eq(peer__pacer_dequeue(p, now, out, 10, &len, NULL), RTP_ERR_NO_SPACE);
    ck_assert_uint_eq(len, 100);
    ck_assert_uint_eq(peer__pacer_queued_packets(p), 10);
    peer__pacer_destroy(p);
}
END_TEST

START_TEST(test_target_change)
{
    peer__pacer_t *p = make_pacer(1000);
    uint64_t now = 0;
    (void)run_saturated(p, &now, 1 * SEC, 20);
    uint64_t bytes = run_saturated(p, &now, 3 * SEC, 20);
    ck_assert_double_eq_tol((double)bytes * 8.0 / 2.0, 2500000.0, 5000.0);

    /* When the target drops to 400 kbps, the output follows at 1 Mbit/s. */
    peer__pacer_set_target_kbps(p, 400, now);
    ck_assert_uint_eq(peer__pacer_rate_bps(p), 1000000u);
    bytes = run_saturated(p, &now, 5 * SEC, 20);
    ck_assert_double_eq_tol((double)bytes * 8.0 / 2.0, 1000000.0, 5000.0);

    /* And up to 4000 kbps: 10 Mbit/s. */
    peer__pacer_set_target_kbps(p, 4000, now);
    bytes = run_saturated(p, &now, 7 * SEC, 20);
    ck_assert_double_eq_tol((double)bytes * 8.0 / 2.0, 10000000.0, 20000.0);

    /* Target 0 pauses video. */
    peer__pacer_set_target_kbps(p, 0, now);
    uint8_t out[1500];
    size_t len = 0;
    while (peer__pacer_dequeue(p, now, out, sizeof(out), &len, NULL) == RTP_OK)
        ;
    ck_assert_uint_eq(peer__pacer_next_send_us(p), UINT64_MAX);
    ck_assert_int_eq(peer__pacer_dequeue(p, now + 10 * SEC, out, sizeof(out), &len, NULL),
                     RTP_ERR_END);
    peer__pacer_destroy(p);
}
END_TEST

START_TEST(test_next_send_us)
{
    peer__pacer_t *p = make_pacer(1000); /* 2.5 Mbit/s */
    uint8_t out[1500];
    size_t len = 0;
    uint64_t now = 2 * SEC;
    ck_assert_uint_eq(peer__pacer_next_send_us(p), UINT64_MAX);

    /* Budget 12500 bits (5 ms); a 1500-byte packet (12000 bits) leaves 500
     * bits; a second one (12000) leaves a debt of 11500 bits, repaid in
     * 4600 us: the budget is positive from 4601 us on. */
    enqueue(p, 1500, PEER__PACER_VIDEO, 0, now);
    ck_assert_uint_eq(peer__pacer_next_send_us(p), now);
    ck_assert_int_eq(peer__pacer_dequeue(p, now, out, sizeof(out), &len, NULL), RTP_OK);
    enqueue(p, 1500, PEER__PACER_VIDEO, 1, now);
    enqueue(p, 1500, PEER__PACER_VIDEO, 2, now);
    ck_assert_uint_eq(peer__pacer_next_send_us(p), now);
    ck_assert_int_eq(peer__pacer_dequeue(p, now, out, sizeof(out), &len, NULL), RTP_OK);
    ck_assert_uint_eq(peer__pacer_next_send_us(p), now + 4601);
    ck_assert_int_eq(peer__pacer_dequeue(p, now + 4600, out, sizeof(out), &len, NULL), RTP_ERR_END);
    ck_assert_uint_eq(peer__pacer_next_send_us(p), now + 4601);
    ck_assert_int_eq(peer__pacer_dequeue(p, now + 4601, out, sizeof(out), &len, NULL), RTP_OK);
    ck_assert_uint_eq(packet_number(out), 2);
    ck_assert_uint_eq(peer__pacer_next_send_us(p), UINT64_MAX);

    /* Debt now 12000 - 2.5 bits = 11997.5 bits: 4799 us to repay, positive at
     * 4800 us. Time running backwards changes nothing. */
    enqueue(p, 1500, PEER__PACER_VIDEO, 3, now);
    ck_assert_uint_eq(peer__pacer_next_send_us(p), now + 4601 + 4800);
    ck_assert_int_eq(peer__pacer_dequeue(p, now + 4601 + 4799, out, sizeof(out), &len, NULL),
                     RTP_ERR_END);
    ck_assert_int_eq(peer__pacer_dequeue(p, now + 4601 + 4800, out, sizeof(out), &len, NULL),
                     RTP_OK);
    peer__pacer_destroy(p);
}
END_TEST

START_TEST(test_config)
{
    peer__pacer_config_t c = peer__pacer_config_default();
    peer__pacer_t *p = NULL;
    ck_assert_int_eq(peer__pacer_create(NULL, &p), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(peer__pacer_create(&c, NULL), RTP_ERR_INVALID_ARG);
    c.pacing_factor = 0.0;
    ck_assert_int_eq(peer__pacer_create(&c, &p), RTP_ERR_INVALID_ARG);
    c = peer__pacer_config_default();
    c.max_packets = 0;
    ck_assert_int_eq(peer__pacer_create(&c, &p), RTP_ERR_INVALID_ARG);
    c = peer__pacer_config_default();
    c.max_bytes = c.max_packet_size - 1;
    ck_assert_int_eq(peer__pacer_create(&c, &p), RTP_ERR_INVALID_ARG);
    peer__pacer_destroy(NULL);
    c = peer__pacer_config_default();
    ck_assert(c.pacing_factor == 2.5);
    ck_assert(!c.pace_audio);
    ck_assert_int_eq(peer__pacer_create(&c, &p), RTP_OK);
    ck_assert_uint_ge(peer__pacer_memory_bytes(p), 1024u * 1500u);
    uint8_t pkt[4] = { 0 };
    ck_assert_int_eq(peer__pacer_enqueue(p, pkt, 4, PEER__PACER_PRIORITY_COUNT, 0),
                     RTP_ERR_INVALID_ARG);
    peer__pacer_destroy(p);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("pacer");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_long_run_rate);
    tcase_add_test(tc, test_burst_smoothing);
    tcase_add_test(tc, test_priority_order);
    tcase_add_test(tc, test_paced_audio);
    tcase_add_test(tc, test_queue_bound);
    tcase_add_test(tc, test_target_change);
    tcase_add_test(tc, test_next_send_us);
    tcase_add_test(tc, test_config);
    suite_add_tcase(s, tc);
    return s;
}
