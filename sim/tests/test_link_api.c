/* Tests for sim/ links as a whole (sim/link.c): reproducibility, stream
 * isolation, counters, profile validation and ownership, and the delivery
 * contract (asynchronous, re-entrant, cancelled on free). */
#include "sim/tests/link_test_util.h"

#include <math.h>

/* A profile that exercises every stage at once. */
static sim_link_profile_t busy_profile(void)
{
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.delay_ms = 20.0;
    profile.jitter.dist = SIM_JITTER_NORMAL;
    profile.jitter.stddev_ms = 5.0;
    profile.jitter.reorder = true;
    profile.loss.model = SIM_LOSS_GILBERT_ELLIOTT;
    profile.loss.p_good_to_bad = 0.02;
    profile.loss.p_bad_to_good = 0.3;
    profile.loss.loss_good = 0.01;
    profile.loss.loss_bad = 0.8;
    profile.rate_kbps = 6000.0;
    profile.queue_ms = 50.0;
    profile.duplicate = 0.05;
    return profile;
}

static size_t busy_len(size_t i)
{
    return 100 + (i * 53) % 1200;
}

/* Sends n packets, one per ms, on a link seeded (seed, name); returns the
 * log. With `other` set, a second link on the same engine, seeded
 * (seed, "link:other"), gets three packets around each of the first's. */
static link_log_t run_busy(uint64_t seed, const char *name, size_t n, bool other)
{
    sim_link_profile_t profile = busy_profile();
    sim_engine_t *engine = sim_engine_new(1024);
    link_log_t log = { 0 }, other_log = { 0 };
    sim_rng_t rng = link_test_rng(seed, name);
    sim_link_t *link = sim_link_new(engine, &profile, &rng, link_log_deliver, &log);
    ck_assert_ptr_nonnull(link);
    sim_link_t *second = NULL;
    if (other) {
        sim_rng_t other_rng = link_test_rng(seed, "link:other");
        second = sim_link_new(engine, &profile, &other_rng, link_log_deliver, &other_log);
        ck_assert_ptr_nonnull(second);
    }
    for (size_t i = 0; i < n; i++) {
        sim_run_until(engine, i * 1000);
        if (second)
            link_send_numbered(second, 3 * i, busy_len(i + 7));
        link_send_numbered(link, i, busy_len(i));
        if (second) {
            link_send_numbered(second, 3 * i + 1, busy_len(i + 3));
            link_send_numbered(second, 3 * i + 2, 1200);
        }
    }
    sim_run(engine);
    sim_link_free(second);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&other_log);
    return log;
}

static bool logs_equal(const link_log_t *a, const link_log_t *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++) {
        if (a->items[i].at_us != b->items[i].at_us || a->items[i].index != b->items[i].index ||
            a->items[i].len != b->items[i].len)
            return false;
    }
    return true;
}

START_TEST(test_same_seed_same_log)
{
    link_log_t first = run_busy(LINK_TEST_SEED, "link:a", 5000, false);
    link_log_t again = run_busy(LINK_TEST_SEED, "link:a", 5000, false);
    link_log_t reseeded = run_busy(LINK_TEST_SEED + 1, "link:a", 5000, false);
    link_log_t renamed = run_busy(LINK_TEST_SEED, "link:b", 5000, false);
    ck_assert_uint_gt(first.count, 4000);
    ck_assert(logs_equal(&first, &again));
    ck_assert(!logs_equal(&first, &reseeded));
    ck_assert(!logs_equal(&first, &renamed));
    link_log_free(&first);
    link_log_free(&again);
    link_log_free(&reseeded);
    link_log_free(&renamed);
}
END_TEST

START_TEST(test_second_link_changes_nothing)
{
    /* Given the same link alone and then with a second, busier link on the
     * same engine (its own stream, sends interleaved at the same instants),
     * then the first link's deliveries are identical: same losses, same
     * times. */
    link_log_t alone = run_busy(LINK_TEST_SEED, "link:a", 5000, false);
    link_log_t shared = run_busy(LINK_TEST_SEED, "link:a", 5000, true);
    ck_assert(logs_equal(&alone, &shared));
    link_log_free(&alone);
    link_log_free(&shared);
}
END_TEST

static void check_identity(const sim_link_counters_t *c)
{
    LINK_CHECK(c->sent + c->duplicated ==
               c->lost_random + c->lost_queue + c->delivered + c->in_flight);
}

START_TEST(test_counters_consistent)
{
    /* Given every stage active, with uniform jitter kept FIFO, then at any
     * time sent + duplicated = lost_random + lost_queue + delivered +
     * in_flight, and at the end nothing is in flight and the delay and byte
     * counters equal what the receiver measured. */
    sim_link_profile_t profile = busy_profile();
    profile.loss.model = SIM_LOSS_BERNOULLI;
    profile.loss.p = 0.05;
    profile.duplicate = 0.1;
    profile.rate_kbps = 4000.0;
    profile.queue_ms = 30.0;
    profile.delay_ms = 10.0;
    profile.jitter.dist = SIM_JITTER_UNIFORM;
    profile.jitter.stddev_ms = 3.0;
    profile.jitter.reorder = false;
    const size_t n = 3000;
    sim_engine_t *engine = sim_engine_new(1024);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &profile, LINK_TEST_SEED, &log);
    const sim_link_counters_t *c = sim_link_counters(link);
    uint64_t bytes_sent = 0, max_in_flight = 0;
    for (size_t i = 0; i < n; i++) {
        sim_run_until(engine, i * 1000);
        check_identity(c);
        link_send_numbered(link, i, busy_len(i));
        bytes_sent += busy_len(i);
        check_identity(c);
        max_in_flight = c->in_flight > max_in_flight ? c->in_flight : max_in_flight;
    }
    sim_run(engine);
    check_identity(c);
    ck_assert_uint_eq(c->in_flight, 0);
    ck_assert_uint_gt(max_in_flight, 10);
    ck_assert_uint_eq(c->sent, n);
    ck_assert_uint_eq(c->bytes_sent, bytes_sent);
    ck_assert_uint_gt(c->lost_random, 0);
    ck_assert_uint_gt(c->lost_queue, 0);
    ck_assert_uint_gt(c->duplicated, 0);
    ck_assert_uint_eq(c->delivered, log.count);

    uint64_t sum = 0, min = UINT64_MAX, max = 0, bytes = 0;
    for (size_t k = 0; k < log.count; k++) {
        uint64_t delay = log.items[k].at_us - log.items[k].index * 1000;
        sum += delay;
        min = delay < min ? delay : min;
        max = delay > max ? delay : max;
        bytes += log.items[k].len;
    }
    ck_assert_uint_eq(c->delay_sum_us, sum);
    ck_assert_uint_eq(c->delay_min_us, min);
    ck_assert_uint_eq(c->delay_max_us, max);
    ck_assert_uint_eq(c->bytes_delivered, bytes);
    ck_assert_uint_ge(min, 10000 - 5197); /* delay_ms - stddev sqrt(3) */
    ck_assert_uint_le(c->queue_delay_max_us, 30000);
    ck_assert_uint_gt(c->queue_delay_max_us, 20000);
    ck_assert_uint_le(c->queue_delay_sum_us, c->delay_sum_us);
    link_test_note("counters: sent %llu, lost_random %llu, lost_queue %llu, duplicated %llu, "
                   "delivered %llu, delay min/mean/max %llu/%llu/%llu us\n",
                   (unsigned long long)c->sent, (unsigned long long)c->lost_random,
                   (unsigned long long)c->lost_queue, (unsigned long long)c->duplicated,
                   (unsigned long long)c->delivered, (unsigned long long)min,
                   (unsigned long long)(sum / log.count), (unsigned long long)max);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

/* --- profile validation ------------------------------------------------ */

static const uint64_t unsorted_drop[] = { 4, 3 };
static const uint32_t decreasing_trace[] = { 5, 4, 10 };
static const uint32_t zero_trace[] = { 0, 0 };

typedef struct bad_profile {
    const char *field; /* the message starts with it */
    void (*spoil)(sim_link_profile_t *profile);
} bad_profile_t;

static void spoil_delay(sim_link_profile_t *p)
{
    p->delay_ms = -1.0;
}
static void spoil_delay_nan(sim_link_profile_t *p)
{
    p->delay_ms = NAN;
}
static void spoil_dist(sim_link_profile_t *p)
{
    p->jitter.dist = (sim_jitter_dist_t)7;
}
static void spoil_stddev(sim_link_profile_t *p)
{
    p->jitter.stddev_ms = -0.5;
}
static void spoil_shape(sim_link_profile_t *p)
{
    p->jitter.dist = SIM_JITTER_PARETO;
    p->jitter.pareto_shape = 2.0;
}
static void spoil_model(sim_link_profile_t *p)
{
    p->loss.model = (sim_loss_model_t)9;
}
static void spoil_p(sim_link_profile_t *p)
{
    p->loss.model = SIM_LOSS_BERNOULLI;
    p->loss.p = 1.5;
}
static void spoil_ge(sim_link_profile_t *p)
{
    p->loss.model = SIM_LOSS_GILBERT_ELLIOTT;
    p->loss.p_bad_to_good = -0.1;
}
static void spoil_unsorted(sim_link_profile_t *p)
{
    p->loss.model = SIM_LOSS_PATTERN;
    p->loss.drop = unsorted_drop;
    p->loss.drop_count = 2;
}
static void spoil_null_drop(sim_link_profile_t *p)
{
    p->loss.model = SIM_LOSS_PATTERN;
    p->loss.drop_count = 2;
}
static void spoil_rate(sim_link_profile_t *p)
{
    p->rate_kbps = INFINITY;
}
static void spoil_tiny_rate(sim_link_profile_t *p)
{
    p->rate_kbps = 0.0005;
}
static void spoil_queue(sim_link_profile_t *p)
{
    p->queue_ms = NAN;
}
static void spoil_long_queue(sim_link_profile_t *p)
{
    p->queue_ms = 1e300;
}
static void spoil_duplicate(sim_link_profile_t *p)
{
    p->duplicate = 1.1;
}
static void spoil_null_trace(sim_link_profile_t *p)
{
    p->trace_len = 3;
}
static void spoil_empty_trace(sim_link_profile_t *p)
{
    p->trace_ms = zero_trace;
    p->trace_len = 0;
}
static void spoil_decreasing_trace(sim_link_profile_t *p)
{
    p->trace_ms = decreasing_trace;
    p->trace_len = 3;
}
static void spoil_zero_trace(sim_link_profile_t *p)
{
    p->trace_ms = zero_trace;
    p->trace_len = 2;
}

static const bad_profile_t bad_profiles[] = {
    { "delay_ms", spoil_delay },
    { "delay_ms", spoil_delay_nan },
    { "jitter.dist", spoil_dist },
    { "jitter.stddev_ms", spoil_stddev },
    { "jitter.pareto_shape", spoil_shape },
    { "loss.model", spoil_model },
    { "loss.p", spoil_p },
    { "loss.p_bad_to_good", spoil_ge },
    { "loss.drop", spoil_unsorted },
    { "loss.drop", spoil_null_drop },
    { "rate_kbps", spoil_rate },
    { "rate_kbps", spoil_tiny_rate },
    { "queue_ms", spoil_queue },
    { "queue_ms", spoil_long_queue },
    { "duplicate", spoil_duplicate },
    { "trace", spoil_null_trace },
    { "trace", spoil_empty_trace },
    { "trace", spoil_decreasing_trace },
    { "trace", spoil_zero_trace },
};

START_TEST(test_bad_profile_refused)
{
    const bad_profile_t *bad = &bad_profiles[_i];
    sim_link_profile_t good = sim_link_profile_ideal();
    good.delay_ms = 30.0;
    ck_assert_ptr_null(sim_link_profile_check(&good));
    sim_link_profile_t profile = good;
    bad->spoil(&profile);
    const char *reason = sim_link_profile_check(&profile);
    ck_assert_ptr_nonnull(reason);
    ck_assert_msg(strncmp(reason, bad->field, strlen(bad->field)) == 0, "%s: got \"%s\"",
                  bad->field, reason);

    sim_engine_t *engine = sim_engine_new(16);
    link_log_t log = { 0 };
    sim_rng_t rng = link_test_rng(1, "link:test");
    ck_assert_ptr_null(sim_link_new(engine, &profile, &rng, link_log_deliver, &log));
    /* A refused change keeps the old profile. */
    sim_link_t *link = link_test_new(engine, &good, 1, &log);
    ck_assert(!sim_link_set_profile(link, &profile));
    link_send_numbered(link, 0, 64);
    sim_run(engine);
    ck_assert_uint_eq(log.count, 1);
    ck_assert_uint_eq(log.items[0].at_us, 30000);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

START_TEST(test_ideal_and_null_arguments)
{
    sim_link_profile_t ideal = sim_link_profile_ideal();
    ck_assert_ptr_null(sim_link_profile_check(&ideal));
    ck_assert_ptr_nonnull(sim_link_profile_check(NULL));
    ck_assert_double_eq(ideal.loss.loss_bad, 1.0);
    ck_assert_double_eq(ideal.queue_ms, 200.0);
    sim_engine_t *engine = sim_engine_new(16);
    sim_rng_t rng = link_test_rng(1, "link:test");
    link_log_t log = { 0 };
    ck_assert_ptr_null(sim_link_new(NULL, &ideal, &rng, link_log_deliver, &log));
    ck_assert_ptr_null(sim_link_new(engine, NULL, &rng, link_log_deliver, &log));
    ck_assert_ptr_null(sim_link_new(engine, &ideal, NULL, link_log_deliver, &log));
    ck_assert_ptr_null(sim_link_new(engine, &ideal, &rng, NULL, &log));
    sim_link_free(NULL);
    sim_engine_free(engine);
}
END_TEST

START_TEST(test_profile_arrays_copied)
{
    /* The link keeps its own copies: changing the caller's arrays after
     * sim_link_new() changes nothing. */
    uint64_t drop[] = { 1 };
    uint32_t trace[] = { 5 };
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.loss.model = SIM_LOSS_PATTERN;
    profile.loss.drop = drop;
    profile.loss.drop_count = 1;
    profile.trace_ms = trace;
    profile.trace_len = 1;
    sim_engine_t *engine = sim_engine_new(16);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &profile, 1, &log);
    drop[0] = 0;
    trace[0] = 1;
    for (uint64_t i = 0; i < 3; i++)
        link_send_numbered(link, i, 1500);
    sim_run(engine);
    ck_assert_uint_eq(log.count, 2);
    ck_assert_uint_eq(log.items[0].index, 0);
    ck_assert_uint_eq(log.items[0].at_us, 5000);
    ck_assert_uint_eq(log.items[1].index, 2);
    ck_assert_uint_eq(log.items[1].at_us, 10000);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

/* --- delivery contract --------------------------------------------------- */

START_TEST(test_delivery_is_an_event)
{
    /* Even with no delay, delivery happens from the engine, after
     * sim_link_send() returns, at the same virtual time, in sending order;
     * a 0-byte packet is a packet. */
    sim_link_profile_t ideal = sim_link_profile_ideal();
    sim_engine_t *engine = sim_engine_new(16);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &ideal, 1, &log);
    sim_run_until(engine, 777);
    link_send_numbered(link, 0, 8);
    ck_assert(sim_link_send(link, NULL, 0));
    link_send_numbered(link, 2, 9);
    ck_assert_uint_eq(log.count, 0);
    ck_assert_uint_eq(sim_link_counters(link)->in_flight, 3);
    sim_run(engine);
    ck_assert_uint_eq(log.count, 3);
    ck_assert_uint_eq(log.items[0].index, 0);
    ck_assert_uint_eq(log.items[1].len, 0);
    ck_assert_uint_eq(log.items[2].index, 2);
    for (size_t i = 0; i < 3; i++)
        ck_assert_uint_eq(log.items[i].at_us, 777);
    ck_assert_uint_eq(sim_link_counters(link)->bytes_delivered, 17);
    ck_assert_uint_eq(sim_link_counters(link)->delay_max_us, 0);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

START_TEST(test_free_cancels_in_flight)
{
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.delay_ms = 100.0;
    sim_engine_t *engine = sim_engine_new(16);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &profile, 1, &log);
    for (uint64_t i = 0; i < 10; i++)
        link_send_numbered(link, i, 500);
    ck_assert_uint_eq(sim_engine_pending(engine), 10);
    sim_link_free(link);
    ck_assert_uint_eq(sim_engine_pending(engine), 0);
    ck_assert_uint_eq(sim_run(engine), 0);
    ck_assert_uint_eq(log.count, 0);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

typedef struct echo {
    sim_link_t *link;
    link_log_t log;
    uint64_t remaining;
} echo_t;

static void echo_deliver(void *ctx, uint64_t now_us, const uint8_t *packet, size_t len)
{
    echo_t *echo = ctx;
    link_log_deliver(&echo->log, now_us, packet, len);
    if (echo->remaining > 0) {
        echo->remaining--;
        /* Send a bigger packet from inside the delivery: the slot being
         * delivered must stay intact while the pool grows. */
        uint8_t copy[LINK_TEST_MAX_BYTES];
        memcpy(copy, packet, len);
        copy[0]++;
        memset(copy + len, 0x5a, 100);
        LINK_CHECK(sim_link_send(echo->link, copy, len + 100));
        LINK_CHECK(memcmp(copy, packet, 1) != 0 && memcmp(copy + 1, packet + 1, len - 1) == 0);
    }
}

START_TEST(test_send_from_delivery)
{
    /* A delivery callback that sends on its own link: 20 hops of 1 ms, the
     * packet growing by 100 bytes each time. */
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.delay_ms = 1.0;
    sim_engine_t *engine = sim_engine_new(16);
    echo_t echo = { .remaining = 20 };
    sim_rng_t rng = link_test_rng(1, "link:echo");
    echo.link = sim_link_new(engine, &profile, &rng, echo_deliver, &echo);
    ck_assert_ptr_nonnull(echo.link);
    link_send_numbered(echo.link, 0, 8);
    sim_run(engine);
    ck_assert_uint_eq(echo.log.count, 21);
    for (size_t i = 0; i <= 20; i++) {
        ck_assert_uint_eq(echo.log.items[i].at_us, 1000 * (i + 1));
        ck_assert_uint_eq(echo.log.items[i].index, i);
        ck_assert_uint_eq(echo.log.items[i].len, 8 + 100 * i);
    }
    sim_link_free(echo.link);
    sim_engine_free(engine);
    link_log_free(&echo.log);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("sim_link_api");

    TCase *repro = tcase_create("reproducibility");
    tcase_add_test(repro, test_same_seed_same_log);
    tcase_add_test(repro, test_second_link_changes_nothing);
    tcase_add_test(repro, test_counters_consistent);
    suite_add_tcase(suite, repro);

    TCase *profile = tcase_create("profile");
    tcase_add_loop_test(profile, test_bad_profile_refused, 0,
                        (int)(sizeof bad_profiles / sizeof bad_profiles[0]));
    tcase_add_test(profile, test_ideal_and_null_arguments);
    tcase_add_test(profile, test_profile_arrays_copied);
    suite_add_tcase(suite, profile);

    TCase *delivery = tcase_create("delivery");
    tcase_add_test(delivery, test_delivery_is_an_event);
    tcase_add_test(delivery, test_free_cancels_in_flight);
    tcase_add_test(delivery, test_send_from_delivery);
    suite_add_tcase(suite, delivery);
    return suite;
}
