/* Tests for the bottleneck stage of sim/ links: the rate bottleneck with its
 * drop-tail bound (sim/link_queue.c) and mahimahi trace delivery
 * (sim/link_trace.c). Delay and jitter are 0 throughout, so a packet is
 * delivered the instant it leaves the bottleneck (rounded to 1 us). */
#include "sim/tests/link_test_util.h"

#include <math.h>

typedef struct timed_send {
    uint64_t at_us;
    size_t len;
} timed_send_t;

/* Sends packet i at sends[i].at_us, then runs the engine dry. */
static void run_sends(sim_engine_t *engine, sim_link_t *link, const timed_send_t *sends,
                      size_t count)
{
    for (size_t i = 0; i < count; i++) {
        sim_run_until(engine, sends[i].at_us);
        link_send_numbered(link, i, sends[i].len);
    }
    sim_run(engine);
}

/* --- rate bottleneck -------------------------------------------------- */

#define RATE_KBPS    1500.0
#define RATE_QUEUE   100.0 /* ms */
#define RATE_PERIOD  2000u /* us between sends */
#define RATE_PACKETS 5000u

static size_t rate_packet_len(size_t i)
{
    return 200 + (i * 37) % 1201; /* 200..1400 bytes, mean ~800: about 2.1 x the rate */
}

START_TEST(test_rate_overload)
{
    /* Given a 1500 kbps bottleneck with a 100 ms queue, offered about twice
     * its rate for 10 s, with sizes that make serialization times
     * fractional (8000 len / 1500 us). */
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.rate_kbps = RATE_KBPS;
    profile.queue_ms = RATE_QUEUE;
    timed_send_t *sends = calloc(RATE_PACKETS, sizeof *sends);
    ck_assert_ptr_nonnull(sends);
    for (size_t i = 0; i < RATE_PACKETS; i++)
        sends[i] = (timed_send_t){ .at_us = i * RATE_PERIOD, .len = rate_packet_len(i) };
    sim_engine_t *engine = sim_engine_new(64);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &profile, LINK_TEST_SEED, &log);
    run_sends(engine, link, sends, RATE_PACKETS);
    const sim_link_counters_t *counters = sim_link_counters(link);

    /* Then deliveries come in sending order, and each packet is either
     * delivered once or dropped by the queue. */
    int64_t *delivered_at = malloc(RATE_PACKETS * sizeof *delivered_at);
    ck_assert_ptr_nonnull(delivered_at);
    for (size_t i = 0; i < RATE_PACKETS; i++)
        delivered_at[i] = -1;
    for (size_t k = 0; k < log.count; k++) {
        LINK_CHECK(k == 0 || log.items[k].index > log.items[k - 1].index);
        delivered_at[log.items[k].index] = (int64_t)log.items[k].at_us;
    }
    ck_assert_uint_eq(counters->delivered + counters->lost_queue, RATE_PACKETS);
    ck_assert_uint_gt(counters->lost_queue, RATE_PACKETS / 3);

    /* Then, reading only what was delivered: a packet was dropped exactly
     * when the link was still busy with earlier packets for more than
     * queue_ms, i.e. when the backlog exceeded rate x queue_ms bytes; an
     * admitted packet starts when the one before it ends (or on arrival)
     * and takes 8000 len / rate us. Delivery times are rounded to 1 us. */
    const double bound_us = RATE_QUEUE * 1000.0;
    const double bound_bytes = RATE_KBPS * RATE_QUEUE / 8.0;
    double busy_until_us = 0.0; /* end of the last admitted packet, as delivered */
    double max_wait_us = 0.0, min_drop_backlog = INFINITY;
    for (size_t i = 0; i < RATE_PACKETS; i++) {
        double t = (double)sends[i].at_us;
        double wait_us = busy_until_us > t ? busy_until_us - t : 0.0;
        if (delivered_at[i] < 0) {
            LINK_CHECK(wait_us > bound_us - 1.0);
            double backlog_bytes = wait_us * RATE_KBPS / 8000.0;
            LINK_CHECK(backlog_bytes > bound_bytes - 1.0);
            if (backlog_bytes < min_drop_backlog)
                min_drop_backlog = backlog_bytes;
            continue;
        }
        LINK_CHECK(wait_us <= bound_us + 1.0);
        if (wait_us > max_wait_us)
            max_wait_us = wait_us;
        double expect_us = t + wait_us + (double)sends[i].len * 8000.0 / RATE_KBPS;
        LINK_CHECK(fabs((double)delivered_at[i] - expect_us) <= 1.0);
        busy_until_us = (double)delivered_at[i];
    }

    /* Then, with the model's exact arithmetic (the start of serialization
     * is max(arrival, end of the previous packet); drop when the wait is
     * > queue_ms, admit when it is <= queue_ms), every decision and every
     * rounded delivery time matches. */
    double exact_busy_us = 0.0;
    for (size_t i = 0; i < RATE_PACKETS; i++) {
        double t = (double)sends[i].at_us;
        double wait_us = exact_busy_us > t ? exact_busy_us - t : 0.0;
        LINK_CHECK((wait_us > bound_us) == (delivered_at[i] < 0));
        if (wait_us > bound_us)
            continue;
        exact_busy_us = t + wait_us + (double)sends[i].len * 8000.0 / RATE_KBPS;
        LINK_CHECK(delivered_at[i] == (int64_t)floor(exact_busy_us + 0.5));
    }

    /* Then, once the queue has filled (by 1 s), the link is never idle: the
     * bytes delivered in (1 s, T] are rate x (T - 1 s) / 8 within one
     * packet (1400 bytes), the partly carried packets at either end. */
    size_t k = 0;
    while (k < log.count && log.items[k].at_us <= 1000000)
        k++;
    uint64_t bytes = 0;
    double worst_gap = 0.0;
    for (uint64_t horizon_us = 1100000; horizon_us <= 10000000; horizon_us += 100000) {
        while (k < log.count && log.items[k].at_us <= horizon_us)
            bytes += log.items[k++].len;
        double capacity = RATE_KBPS * (double)(horizon_us - 1000000) / 8000.0;
        LINK_CHECK(fabs((double)bytes - capacity) <= 1400.0);
        if (fabs((double)bytes - capacity) > worst_gap)
            worst_gap = fabs((double)bytes - capacity);
    }

    /* Then the queue delay counters stay within the bound and reach it. */
    ck_assert_uint_le(counters->queue_delay_max_us, 100000);
    ck_assert_uint_ge(counters->queue_delay_max_us, 100000 - 1400 * 8000 / 1500);
    link_test_note("rate %.0f kbps, queue %.0f ms: %llu delivered, %llu dropped, smallest "
                   "backlog at a drop %.1f bytes (bound %.1f), longest wait %.1f us, "
                   "queue_delay_max %llu us, throughput off by at most %.0f bytes\n",
                   RATE_KBPS, RATE_QUEUE, (unsigned long long)counters->delivered,
                   (unsigned long long)counters->lost_queue, min_drop_backlog, bound_bytes,
                   max_wait_us, (unsigned long long)counters->queue_delay_max_us, worst_gap);

    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
    free(delivered_at);
    free(sends);
}
END_TEST

START_TEST(test_rate_zero_queue)
{
    /* queue_ms 0 admits only a packet that finds the link idle. */
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.rate_kbps = 1000.0;
    profile.queue_ms = 0.0;
    static const timed_send_t sends[] = { { 0, 1000 }, { 0, 1000 }, { 7999, 100 }, { 8000, 100 } };
    sim_engine_t *engine = sim_engine_new(64);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &profile, LINK_TEST_SEED, &log);
    run_sends(engine, link, sends, 4);
    ck_assert_uint_eq(log.count, 2);
    ck_assert_uint_eq(log.items[0].index, 0);
    ck_assert_uint_eq(log.items[0].at_us, 8000);
    ck_assert_uint_eq(log.items[1].index, 3);
    ck_assert_uint_eq(log.items[1].at_us, 8800);
    ck_assert_uint_eq(sim_link_counters(link)->lost_queue, 2);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

START_TEST(test_rate_change_keeps_queued_schedule)
{
    /* Given five 1000-byte packets queued at 1000 kbps at t = 0 (8 ms each),
     * when the rate drops to 100 kbps at 1 ms, then those five still leave
     * at 8, 16, 24, 32 and 40 ms, and a packet sent at 1 ms starts after
     * them and takes 80 ms: it leaves at 120 ms. */
    sim_link_profile_t fast = sim_link_profile_ideal();
    fast.rate_kbps = 1000.0;
    fast.queue_ms = 1000.0;
    sim_link_profile_t slow = fast;
    slow.rate_kbps = 100.0;
    sim_engine_t *engine = sim_engine_new(64);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &fast, LINK_TEST_SEED, &log);
    for (uint64_t i = 0; i < 5; i++)
        link_send_numbered(link, i, 1000);
    sim_run_until(engine, 1000);
    ck_assert(sim_link_set_profile(link, &slow));
    link_send_numbered(link, 5, 1000);
    sim_run(engine);
    ck_assert_uint_eq(log.count, 6);
    for (size_t i = 0; i < 5; i++)
        ck_assert_uint_eq(log.items[i].at_us, 8000 * (i + 1));
    ck_assert_uint_eq(log.items[5].at_us, 120000);
    ck_assert_uint_eq(sim_link_counters(link)->queue_delay_max_us, 39000);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

/* --- trace ----------------------------------------------------------------- */

typedef struct trace_case {
    const char *name;
    uint32_t trace[8];
    size_t trace_len;
    double queue_ms;
    timed_send_t sends[12];
    size_t send_count;
    uint64_t expect_ms[12]; /* delivery time of each packet, ms; 0 = dropped */
} trace_case_t;

static const trace_case_t trace_cases[] = {
    {
        /* Two opportunities at 2 ms, one at 5, one at 10, period 10 ms; a
         * saturated link carries exactly these, wrapping. */
        .name = "full packets wrap around the period",
        .trace = { 2, 2, 5, 10 },
        .trace_len = 4,
        .queue_ms = 1000,
        .sends = { { 0, 1500 },
                   { 0, 1500 },
                   { 0, 1500 },
                   { 0, 1500 },
                   { 0, 1500 },
                   { 0, 1500 },
                   { 0, 1500 },
                   { 0, 1500 },
                   { 0, 1500 },
                   { 0, 1500 } },
        .send_count = 10,
        .expect_ms = { 2, 2, 5, 10, 12, 12, 15, 20, 22, 22 },
    },
    {
        .name = "two half packets share one opportunity",
        .trace = { 2, 2, 5, 10 },
        .trace_len = 4,
        .queue_ms = 1000,
        .sends = { { 0, 750 },
                   { 0, 750 },
                   { 0, 750 },
                   { 0, 750 },
                   { 0, 750 },
                   { 0, 750 },
                   { 0, 750 },
                   { 0, 750 } },
        .send_count = 8,
        .expect_ms = { 2, 2, 2, 2, 5, 5, 10, 10 },
    },
    {
        /* 3000 bytes take both 2 ms opportunities; 1000 bytes leave 500 in
         * the 5 ms one, which the next 1000-byte packet starts in. */
        .name = "packets span opportunities",
        .trace = { 2, 2, 5, 10 },
        .trace_len = 4,
        .queue_ms = 1000,
        .sends = { { 0, 3000 }, { 0, 1000 }, { 0, 1000 } },
        .send_count = 3,
        .expect_ms = { 2, 5, 10 },
    },
    {
        /* An opportunity carries only packets that arrived strictly before
         * it; opportunities nobody could use are lost, not banked. */
        .name = "strictly later, unused opportunities lost",
        .trace = { 2, 2, 5, 10 },
        .trace_len = 4,
        .queue_ms = 1000,
        .sends = { { 4999, 1500 },
                   { 5000, 1500 },
                   { 21000, 1500 },
                   { 21000, 1500 },
                   { 21000, 1500 } },
        .send_count = 5,
        .expect_ms = { 5, 10, 22, 22, 25 },
    },
    {
        /* With m[0] = 0, the end of one period and the start of the next are
         * two opportunities at the same instant. */
        .name = "zero first entry doubles the boundary",
        .trace = { 0, 4 },
        .trace_len = 2,
        .queue_ms = 1000,
        .sends = { { 0, 1500 }, { 0, 1500 }, { 0, 1500 }, { 0, 1500 }, { 0, 1500 } },
        .send_count = 5,
        .expect_ms = { 4, 4, 8, 8, 12 },
    },
    {
        /* One opportunity every 10 ms and a 25 ms queue bound: a packet that
         * would wait 30 ms for its opportunity is dropped. */
        .name = "queue bound applies to the wait",
        .trace = { 10 },
        .trace_len = 1,
        .queue_ms = 25,
        .sends = { { 0, 1500 }, { 0, 1500 }, { 0, 1500 }, { 0, 1500 }, { 5000, 1500 } },
        .send_count = 5,
        .expect_ms = { 10, 20, 0, 0, 30 },
    },
};

START_TEST(test_trace_cases)
{
    const trace_case_t *c = &trace_cases[_i];
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.rate_kbps = 1.0; /* ignored: the trace replaces it */
    profile.queue_ms = c->queue_ms;
    profile.trace_ms = c->trace;
    profile.trace_len = c->trace_len;
    sim_engine_t *engine = sim_engine_new(64);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &profile, LINK_TEST_SEED, &log);
    run_sends(engine, link, c->sends, c->send_count);

    size_t k = 0, dropped = 0;
    for (size_t i = 0; i < c->send_count; i++) {
        if (c->expect_ms[i] == 0) {
            dropped++;
            continue;
        }
        ck_assert_msg(k < log.count, "%s: packet %zu missing", c->name, i);
        ck_assert_msg(log.items[k].index == i && log.items[k].at_us == c->expect_ms[i] * 1000,
                      "%s: packet %zu: got #%llu at %llu us, want %llu ms", c->name, i,
                      (unsigned long long)log.items[k].index,
                      (unsigned long long)log.items[k].at_us, (unsigned long long)c->expect_ms[i]);
        k++;
    }
    ck_assert_uint_eq(k, log.count);
    ck_assert_uint_eq(sim_link_counters(link)->lost_queue, dropped);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

START_TEST(test_trace_saturated_periods)
{
    /* Given the trace 1 1 1 3 7 7 10 (7 opportunities per 10 ms, repeated
     * lines) and 700 full packets queued at once, then packet i leaves at
     * opportunity (i / 7, i % 7), 10 (i / 7) + m[i % 7] ms, so each 10 ms
     * period carries exactly 7 and the schedule wraps 100 times. */
    static const uint32_t trace[] = { 1, 1, 1, 3, 7, 7, 10 };
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.queue_ms = 10000.0;
    profile.trace_ms = trace;
    profile.trace_len = 7;
    sim_engine_t *engine = sim_engine_new(64);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &profile, LINK_TEST_SEED, &log);
    for (uint64_t i = 0; i < 700; i++)
        link_send_numbered(link, i, 1500);
    sim_run(engine);
    ck_assert_uint_eq(log.count, 700);
    unsigned per_period[101] = { 0 };
    for (size_t i = 0; i < 700; i++) {
        uint64_t expect_us = (10 * (i / 7) + trace[i % 7]) * 1000;
        LINK_CHECK(log.items[i].index == i && log.items[i].at_us == expect_us);
        per_period[(log.items[i].at_us - 1) / 10000]++; /* period (10k, 10k + 10] ms */
    }
    for (size_t k = 0; k < 100; k++)
        LINK_CHECK(per_period[k] == 7);
    const sim_link_counters_t *counters = sim_link_counters(link);
    ck_assert_uint_eq(counters->queue_delay_max_us, 1000000); /* packet 699, at 1000 ms */
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

START_TEST(test_trace_starts_after_queued_packets)
{
    /* Given a 1000-byte packet serializing at 1000 kbps until 8 ms, when the
     * profile switches at 1 ms to the trace "1" (an opportunity every ms),
     * then the trace starts once the link is free, at 8 ms: a packet sent
     * at 1 ms leaves at 9 ms, and one sent at 20.5 ms at 21 ms. */
    static const uint32_t trace[] = { 1 };
    sim_link_profile_t rate = sim_link_profile_ideal();
    rate.rate_kbps = 1000.0;
    sim_link_profile_t traced = rate;
    traced.trace_ms = trace;
    traced.trace_len = 1;
    sim_engine_t *engine = sim_engine_new(64);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &rate, LINK_TEST_SEED, &log);
    link_send_numbered(link, 0, 1000);
    sim_run_until(engine, 1000);
    ck_assert(sim_link_set_profile(link, &traced));
    link_send_numbered(link, 1, 1000);
    sim_run_until(engine, 20500);
    link_send_numbered(link, 2, 1000);
    sim_run(engine);
    ck_assert_uint_eq(log.count, 3);
    ck_assert_uint_eq(log.items[0].at_us, 8000);
    ck_assert_uint_eq(log.items[1].at_us, 9000);
    ck_assert_uint_eq(log.items[2].at_us, 21000);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

START_TEST(test_trace_phase_kept_for_same_trace)
{
    /* Given the trace 2 2 5 10 running since 0, when at 6 ms the profile
     * changes to one with the same trace (and a loss model), then the trace
     * keeps its phase: a packet sent at 6 ms leaves at 10 ms (a restart
     * would give 8 ms). When at 11 ms it changes to a different trace "1",
     * that one starts then: a packet sent at 11 ms leaves at 12 ms. */
    static const uint32_t trace[] = { 2, 2, 5, 10 };
    static const uint32_t trace_copy[] = { 2, 2, 5, 10 };
    static const uint32_t other[] = { 1 };
    sim_link_profile_t first = sim_link_profile_ideal();
    first.trace_ms = trace;
    first.trace_len = 4;
    sim_link_profile_t same = first;
    same.trace_ms = trace_copy;
    same.loss.model = SIM_LOSS_BERNOULLI;
    same.loss.p = 0.0;
    sim_link_profile_t changed = first;
    changed.trace_ms = other;
    changed.trace_len = 1;
    sim_engine_t *engine = sim_engine_new(64);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &first, LINK_TEST_SEED, &log);
    link_send_numbered(link, 0, 1500);
    sim_run_until(engine, 6000);
    ck_assert(sim_link_set_profile(link, &same));
    link_send_numbered(link, 1, 1500);
    sim_run_until(engine, 11000);
    ck_assert(sim_link_set_profile(link, &changed));
    link_send_numbered(link, 2, 1500);
    sim_run(engine);
    ck_assert_uint_eq(log.count, 3);
    ck_assert_uint_eq(log.items[0].at_us, 2000);
    ck_assert_uint_eq(log.items[1].at_us, 10000);
    ck_assert_uint_eq(log.items[2].at_us, 12000);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("sim_link_queue");

    TCase *rate = tcase_create("rate");
    tcase_add_test(rate, test_rate_overload);
    tcase_add_test(rate, test_rate_zero_queue);
    tcase_add_test(rate, test_rate_change_keeps_queued_schedule);
    suite_add_tcase(suite, rate);

    TCase *trace = tcase_create("trace");
    tcase_add_loop_test(trace, test_trace_cases, 0,
                        (int)(sizeof trace_cases / sizeof trace_cases[0]));
    tcase_add_test(trace, test_trace_saturated_periods);
    tcase_add_test(trace, test_trace_starts_after_queued_packets);
    tcase_add_test(trace, test_trace_phase_kept_for_same_trace);
    suite_add_tcase(suite, trace);
    return suite;
}
