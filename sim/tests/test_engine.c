/* Tests for the discrete-event engine (sim/sim_engine.h, sim/engine.c).
 *
 * Ordering (time, then scheduling order), cancellation of every kind of id,
 * run_until and the clock, events a handler schedules at its own instant,
 * the counters, and a randomized run against a reference model: a sorted
 * array of (time, sequence) that executes the same operations. */
#include "sim/sim_engine.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------- */

#define TRACE_MAX 64

/* What ran, in order: each probe's tag and the time it saw. */
typedef struct trace {
    sim_engine_t *engine;
    int tags[TRACE_MAX];
    uint64_t times[TRACE_MAX];
    size_t len;
} trace_t;

typedef struct probe {
    trace_t *trace;
    int tag;
    /* Optional action when it runs: schedule `child` at now + child_delay,
     * and cancel `victim`. */
    struct probe *child;
    uint64_t child_delay;
    sim_timer_id_t victim;
    bool victim_cancelled;
} probe_t;

static void record(void *ctx, uint64_t now_us)
{
    probe_t *probe = ctx;
    trace_t *trace = probe->trace;
    ck_assert_uint_eq(now_us, sim_engine_now(trace->engine));
    ck_assert_uint_lt(trace->len, TRACE_MAX);
    trace->tags[trace->len] = probe->tag;
    trace->times[trace->len] = now_us;
    trace->len++;
    if (probe->child)
        ck_assert_uint_ne(
            sim_schedule(trace->engine, now_us + probe->child_delay, record, probe->child), 0);
    if (probe->victim)
        probe->victim_cancelled = sim_cancel(trace->engine, probe->victim);
}

static void nothing(void *ctx, uint64_t now_us)
{
    (void)ctx;
    (void)now_us;
}

static sim_engine_t *new_engine(trace_t *trace)
{
    memset(trace, 0, sizeof *trace);
    trace->engine = sim_engine_new(0);
    ck_assert_ptr_nonnull(trace->engine);
    return trace->engine;
}

static void assert_tags(const trace_t *trace, const int *tags, size_t count)
{
    ck_assert_uint_eq(trace->len, count);
    for (size_t i = 0; i < count; i++)
        ck_assert_int_eq(trace->tags[i], tags[i]);
}

/* ---- ordering ------------------------------------------------------------ */

START_TEST(runs_in_time_order)
{
    trace_t trace;
    sim_engine_t *engine = new_engine(&trace);
    probe_t probes[5];
    const uint64_t times[5] = { 30, 10, 50, 20, 40 };
    for (int i = 0; i < 5; i++) {
        probes[i] = (probe_t){ .trace = &trace, .tag = i };
        ck_assert_uint_ne(sim_schedule(engine, times[i], record, &probes[i]), 0);
    }
    ck_assert_uint_eq(sim_engine_pending(engine), 5);
    ck_assert_uint_eq(sim_run(engine), 5);
    const int expected[5] = { 1, 3, 0, 4, 2 };
    assert_tags(&trace, expected, 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_uint_eq(trace.times[i], (i + 1) * 10);
    ck_assert_uint_eq(sim_engine_now(engine), 50);
    ck_assert_uint_eq(sim_engine_pending(engine), 0);
    sim_engine_free(engine);
}
END_TEST

START_TEST(ties_run_in_scheduling_order)
{
    /* Given events at 100 and 50 scheduled interleaved, each instant's
     * events run in the order they were scheduled. */
    trace_t trace;
    sim_engine_t *engine = new_engine(&trace);
    probe_t probes[8];
    for (int i = 0; i < 8; i++) {
        probes[i] = (probe_t){ .trace = &trace, .tag = i };
        ck_assert_uint_ne(sim_schedule(engine, i % 2 ? 50 : 100, record, &probes[i]), 0);
    }
    sim_run(engine);
    const int expected[8] = { 1, 3, 5, 7, 0, 2, 4, 6 };
    assert_tags(&trace, expected, 8);
    sim_engine_free(engine);
}
END_TEST

/* A bigger log than trace_t: tags and times of up to LOG_MAX events. */
#define LOG_MAX 4096

typedef struct event_log {
    uint32_t tags[LOG_MAX];
    uint64_t times[LOG_MAX];
    size_t len;
} event_log_t;

typedef struct logged_event {
    event_log_t *log;
    uint32_t tag;
} logged_event_t;

static void log_event(void *ctx, uint64_t now_us)
{
    logged_event_t *event = ctx;
    event_log_t *log = event->log;
    ck_assert_uint_lt(log->len, LOG_MAX);
    log->tags[log->len] = event->tag;
    log->times[log->len] = now_us;
    log->len++;
}

START_TEST(many_ties_keep_order)
{
    /* Given 3000 events spread over three instants, scheduled in a scrambled
     * order of instants: they run by instant, then by tag (= scheduling
     * order), through several heap levels. */
    enum { COUNT = 3000 };
    static event_log_t log;
    static logged_event_t events[COUNT];
    log.len = 0;
    sim_engine_t *engine = sim_engine_new(4);
    ck_assert_ptr_nonnull(engine);
    for (uint32_t i = 0; i < COUNT; i++) {
        events[i] = (logged_event_t){ .log = &log, .tag = i };
        ck_assert_uint_ne(sim_schedule(engine, (i * 7919u) % 3, log_event, &events[i]), 0);
    }
    ck_assert_uint_eq(sim_run(engine), COUNT);
    ck_assert_uint_eq(log.len, COUNT);
    for (size_t i = 1; i < COUNT; i++) {
        ck_assert_uint_eq(log.times[i], (log.tags[i] * 7919u) % 3);
        ck_assert(log.times[i - 1] < log.times[i] ||
                  (log.times[i - 1] == log.times[i] && log.tags[i - 1] < log.tags[i]));
    }
    sim_engine_free(engine);
}
END_TEST

/* ---- cancellation ---------------------------------------------------------- */

START_TEST(cancel_pending_ran_twice_stale_and_zero)
{
    trace_t trace;
    sim_engine_t *engine = new_engine(&trace);
    probe_t a = { .trace = &trace, .tag = 1 }, b = { .trace = &trace, .tag = 2 },
            c = { .trace = &trace, .tag = 3 };
    sim_timer_id_t id_a = sim_schedule(engine, 10, record, &a);
    sim_timer_id_t id_b = sim_schedule(engine, 20, record, &b);
    ck_assert_uint_ne(id_a, 0);
    ck_assert_uint_ne(id_b, 0);
    ck_assert_uint_ne(id_a, id_b);

    /* Pending: cancelled once, then never again. */
    ck_assert(sim_cancel(engine, id_b));
    ck_assert_uint_eq(sim_engine_pending(engine), 1);
    ck_assert(!sim_cancel(engine, id_b));

    /* Id 0 and ids that were never handed out. */
    ck_assert(!sim_cancel(engine, 0));
    ck_assert(!sim_cancel(engine, UINT64_MAX));
    ck_assert(!sim_cancel(engine, id_a + 1000));
    ck_assert(!sim_cancel(engine, (uint32_t)id_a)); /* generation 0 */

    /* A reused slot does not revive the old id. */
    sim_timer_id_t id_c = sim_schedule(engine, 30, record, &c);
    ck_assert_uint_ne(id_c, 0);
    ck_assert_uint_ne(id_c, id_b);
    ck_assert(!sim_cancel(engine, id_b));
    ck_assert_uint_eq(sim_engine_pending(engine), 2);

    /* Already ran. */
    ck_assert_uint_eq(sim_run_until(engine, 10), 1);
    ck_assert(!sim_cancel(engine, id_a));

    sim_run(engine);
    const int expected[2] = { 1, 3 };
    assert_tags(&trace, expected, 2);
    ck_assert(!sim_cancel(engine, id_c));
    sim_engine_free(engine);
}
END_TEST

START_TEST(ids_are_never_reused)
{
    /* Churn one slot many times: every id differs from every earlier one. */
    enum { ROUNDS = 10000 };
    sim_engine_t *engine = sim_engine_new(1);
    ck_assert_ptr_nonnull(engine);
    sim_timer_id_t first = sim_schedule(engine, 1, nothing, NULL);
    sim_timer_id_t previous = first;
    ck_assert(sim_cancel(engine, first));
    for (int i = 0; i < ROUNDS; i++) {
        sim_timer_id_t id = sim_schedule(engine, 1, nothing, NULL);
        ck_assert_uint_ne(id, 0);
        ck_assert_uint_ne(id, previous);
        ck_assert_uint_ne(id, first);
        ck_assert(!sim_cancel(engine, previous));
        ck_assert(sim_cancel(engine, id));
        previous = id;
    }
    ck_assert_uint_eq(sim_engine_pending(engine), 0);
    sim_engine_free(engine);
}
END_TEST

START_TEST(cancel_reorders_the_heap)
{
    /* Given 2000 events at distinct scrambled times, when every third is
     * cancelled (from the root, leaves and the middle of the heap), the rest
     * run in time order and the cancelled ones never run. */
    enum { COUNT = 2000 };
    static event_log_t log;
    static logged_event_t events[COUNT];
    static sim_timer_id_t ids[COUNT];
    log.len = 0;
    sim_engine_t *engine = sim_engine_new(0);
    ck_assert_ptr_nonnull(engine);
    for (uint32_t i = 0; i < COUNT; i++) {
        events[i] = (logged_event_t){ .log = &log, .tag = i };
        /* 37 is coprime with COUNT: every time in [0, COUNT) once. */
        ids[i] = sim_schedule(engine, (i * 37u) % COUNT, log_event, &events[i]);
        ck_assert_uint_ne(ids[i], 0);
    }
    for (uint32_t i = 0; i < COUNT; i += 3)
        ck_assert(sim_cancel(engine, ids[i]));
    size_t kept = COUNT - (COUNT + 2) / 3;
    ck_assert_uint_eq(sim_engine_pending(engine), kept);
    ck_assert_uint_eq(sim_run(engine), kept);
    ck_assert_uint_eq(log.len, kept);
    for (size_t i = 0; i < log.len; i++) {
        ck_assert_uint_ne(log.tags[i] % 3, 0);
        if (i > 0)
            ck_assert_uint_lt(log.times[i - 1], log.times[i]);
    }
    sim_engine_free(engine);
}
END_TEST

/* ---- the clock ------------------------------------------------------------- */

START_TEST(run_until_leaves_later_events_and_sets_the_clock)
{
    trace_t trace;
    sim_engine_t *engine = new_engine(&trace);
    probe_t probes[3];
    for (int i = 0; i < 3; i++) {
        probes[i] = (probe_t){ .trace = &trace, .tag = i };
        ck_assert_uint_ne(sim_schedule(engine, (uint64_t)(i + 1) * 10, record, &probes[i]), 0);
    }
    ck_assert_uint_eq(sim_run_until(engine, 20), 2);
    ck_assert_uint_eq(sim_engine_now(engine), 20);
    ck_assert_uint_eq(sim_engine_pending(engine), 1);

    ck_assert_uint_eq(sim_run_until(engine, 25), 0);
    ck_assert_uint_eq(sim_engine_now(engine), 25);

    /* Never backwards. */
    ck_assert_uint_eq(sim_run_until(engine, 5), 0);
    ck_assert_uint_eq(sim_engine_now(engine), 25);

    ck_assert_uint_eq(sim_run_until(engine, 1000), 1);
    ck_assert_uint_eq(sim_engine_now(engine), 1000);
    const int expected[3] = { 0, 1, 2 };
    assert_tags(&trace, expected, 3);

    /* sim_run leaves the clock at the last event. */
    ck_assert_uint_ne(sim_schedule(engine, 1500, nothing, NULL), 0);
    ck_assert_uint_eq(sim_run(engine), 1);
    ck_assert_uint_eq(sim_engine_now(engine), 1500);
    ck_assert_uint_eq(sim_run(engine), 0);
    sim_engine_free(engine);
}
END_TEST

START_TEST(scheduling_in_the_past_fails)
{
    trace_t trace;
    sim_engine_t *engine = new_engine(&trace);
    sim_run_until(engine, 100);
    ck_assert_uint_eq(sim_schedule(engine, 99, nothing, NULL), 0);
    ck_assert_uint_eq(sim_schedule(engine, 0, nothing, NULL), 0);
    ck_assert_uint_eq(sim_schedule(engine, 100, NULL, NULL), 0);
    ck_assert_uint_eq(sim_engine_pending(engine), 0);
    ck_assert_uint_ne(sim_schedule(engine, 100, nothing, NULL), 0);
    ck_assert_uint_ne(sim_schedule(engine, UINT64_MAX, nothing, NULL), 0);
    ck_assert_uint_eq(sim_run(engine), 2);
    ck_assert_uint_eq(sim_engine_now(engine), UINT64_MAX);
    sim_engine_free(engine);
}
END_TEST

START_TEST(handler_at_same_instant_runs_after_due_events)
{
    /* Given H at 10 (which schedules child C at 10 and cancels D), then A and
     * D at 10 and B at 11, scheduled in that order: H, A, C run at 10 and B
     * at 11; D never runs. */
    trace_t trace;
    sim_engine_t *engine = new_engine(&trace);
    probe_t c = { .trace = &trace, .tag = 'C' };
    probe_t h = { .trace = &trace, .tag = 'H', .child = &c, .child_delay = 0 };
    probe_t a = { .trace = &trace, .tag = 'A' }, b = { .trace = &trace, .tag = 'B' },
            d = { .trace = &trace, .tag = 'D' };
    ck_assert_uint_ne(sim_schedule(engine, 10, record, &h), 0);
    ck_assert_uint_ne(sim_schedule(engine, 10, record, &a), 0);
    h.victim = sim_schedule(engine, 10, record, &d);
    ck_assert_uint_ne(h.victim, 0);
    ck_assert_uint_ne(sim_schedule(engine, 11, record, &b), 0);

    ck_assert_uint_eq(sim_run_until(engine, 10), 3);
    ck_assert(h.victim_cancelled);
    const int expected[3] = { 'H', 'A', 'C' };
    assert_tags(&trace, expected, 3);
    ck_assert_uint_eq(trace.times[2], 10);
    ck_assert_uint_eq(sim_run(engine), 1);
    ck_assert_int_eq(trace.tags[3], 'B');
    sim_engine_free(engine);
}
END_TEST

static void reenter(void *ctx, uint64_t now_us)
{
    sim_engine_t *engine = ctx;
    ck_assert_uint_eq(sim_run(engine), 0);
    ck_assert_uint_eq(sim_run_until(engine, now_us + 100), 0);
}

START_TEST(handlers_cannot_reenter_the_loop)
{
    sim_engine_t *engine = sim_engine_new(0);
    ck_assert_ptr_nonnull(engine);
    ck_assert_uint_ne(sim_schedule(engine, 5, reenter, engine), 0);
    ck_assert_uint_ne(sim_schedule(engine, 50, nothing, NULL), 0);
    ck_assert_uint_eq(sim_run_until(engine, 10), 1);
    ck_assert_uint_eq(sim_engine_pending(engine), 1);
    ck_assert_uint_eq(sim_engine_now(engine), 10);
    sim_engine_free(engine);
}
END_TEST

START_TEST(counters)
{
    sim_engine_t *engine = sim_engine_new(2);
    ck_assert_ptr_nonnull(engine);
    ck_assert_uint_eq(sim_engine_now(engine), 0);
    ck_assert_uint_eq(sim_engine_pending(engine), 0);
    ck_assert_uint_eq(sim_engine_events_run(engine), 0);
    sim_timer_id_t ids[100];
    for (uint64_t i = 0; i < 100; i++)
        ids[i] = sim_schedule(engine, 1000 - i, nothing, NULL);
    ck_assert_uint_eq(sim_engine_pending(engine), 100);
    for (int i = 0; i < 100; i += 4)
        ck_assert(sim_cancel(engine, ids[i]));
    ck_assert_uint_eq(sim_engine_pending(engine), 75);
    ck_assert_uint_eq(sim_engine_events_run(engine), 0);
    /* Due by 950: i in 50..99, less the 12 cancelled (52, 56, ..., 96). */
    ck_assert_uint_eq(sim_run_until(engine, 950), 38);
    ck_assert_uint_eq(sim_engine_events_run(engine), 38);
    ck_assert_uint_eq(sim_run(engine), 37);
    ck_assert_uint_eq(sim_engine_events_run(engine), 75);
    ck_assert_uint_eq(sim_engine_pending(engine), 0);
    sim_engine_free(NULL);
    sim_engine_free(engine);
}
END_TEST

/* ---- randomized run against a reference model ------------------------------ */

/* Every event has a tag (its index); the engine side and the model side each
 * assign tags in scheduling order. An event whose tag is a multiple of 4
 * schedules a child at now + tag % 3 when it runs, on both sides. */
enum { RT_MAX = 40000, RT_OPS = 6000 };

typedef struct rt_model_entry {
    uint64_t at_us, seq;
    uint32_t tag;
} rt_model_entry_t;

typedef struct rt {
    sim_engine_t *engine;
    sim_rng_t rng;
    /* engine side */
    sim_timer_id_t ids[RT_MAX];
    struct rt_event {
        struct rt *rt;
        uint32_t tag;
    } events[RT_MAX];
    uint32_t engine_tags;
    uint32_t ran[RT_MAX];
    size_t ran_len;
    /* model side: pending events sorted by (at, seq) */
    rt_model_entry_t pending[RT_MAX];
    size_t pending_len;
    bool alive[RT_MAX];
    uint32_t model_tags;
    uint64_t model_seq, model_now;
    uint32_t expected[RT_MAX];
    size_t expected_len;
} rt_t;

static bool rt_spawns(uint32_t tag)
{
    return tag % 4 == 0;
}

static void rt_model_insert(rt_t *rt, uint64_t at_us)
{
    rt_model_entry_t entry = { .at_us = at_us, .seq = rt->model_seq++, .tag = rt->model_tags++ };
    size_t pos = rt->pending_len;
    while (pos > 0 && (rt->pending[pos - 1].at_us > at_us))
        pos--;
    memmove(&rt->pending[pos + 1], &rt->pending[pos],
            (rt->pending_len - pos) * sizeof(rt_model_entry_t));
    rt->pending[pos] = entry;
    rt->pending_len++;
    rt->alive[entry.tag] = true;
}

static bool rt_model_cancel(rt_t *rt, uint32_t tag)
{
    if (!rt->alive[tag])
        return false;
    for (size_t i = 0; i < rt->pending_len; i++) {
        if (rt->pending[i].tag == tag) {
            memmove(&rt->pending[i], &rt->pending[i + 1],
                    (rt->pending_len - i - 1) * sizeof(rt_model_entry_t));
            rt->pending_len--;
            rt->alive[tag] = false;
            return true;
        }
    }
    ck_abort_msg("model lost tag %u", tag);
    return false;
}

static void rt_model_run_until(rt_t *rt, uint64_t until_us)
{
    rt->expected_len = 0;
    while (rt->pending_len > 0 && rt->pending[0].at_us <= until_us) {
        rt_model_entry_t first = rt->pending[0];
        memmove(&rt->pending[0], &rt->pending[1], (rt->pending_len - 1) * sizeof first);
        rt->pending_len--;
        rt->alive[first.tag] = false;
        rt->model_now = first.at_us;
        rt->expected[rt->expected_len++] = first.tag;
        if (rt_spawns(first.tag))
            rt_model_insert(rt, first.at_us + first.tag % 3);
    }
    if (until_us > rt->model_now)
        rt->model_now = until_us;
}

static void rt_handler(void *ctx, uint64_t now_us);

static void rt_engine_schedule(rt_t *rt, uint64_t at_us)
{
    uint32_t tag = rt->engine_tags++;
    ck_assert_uint_lt(tag, RT_MAX);
    rt->events[tag] = (struct rt_event){ .rt = rt, .tag = tag };
    rt->ids[tag] = sim_schedule(rt->engine, at_us, rt_handler, &rt->events[tag]);
    ck_assert_uint_ne(rt->ids[tag], 0);
}

static void rt_handler(void *ctx, uint64_t now_us)
{
    struct rt_event *event = ctx;
    rt_t *rt = event->rt;
    rt->ran[rt->ran_len++] = event->tag;
    if (rt_spawns(event->tag))
        rt_engine_schedule(rt, now_us + event->tag % 3);
}

static void rt_step(rt_t *rt)
{
    uint64_t roll = sim_rng_below(&rt->rng, 100);
    uint64_t now = sim_engine_now(rt->engine);
    if (roll < 50) {
        /* Mostly near future, sometimes exactly now. */
        uint64_t at = now + (roll < 5 ? 0 : sim_rng_below(&rt->rng, 1000));
        rt_engine_schedule(rt, at);
        rt_model_insert(rt, at);
    } else if (roll < 53 && now > 0) {
        ck_assert_uint_eq(sim_schedule(rt->engine, now - 1, rt_handler, NULL), 0);
    } else if (roll < 80 && rt->model_tags > 0) {
        uint32_t tag = (uint32_t)sim_rng_below(&rt->rng, rt->model_tags);
        bool expected = rt_model_cancel(rt, tag);
        ck_assert_int_eq(sim_cancel(rt->engine, rt->ids[tag]), expected);
    } else {
        uint64_t until = now + sim_rng_below(&rt->rng, 600);
        rt->ran_len = 0;
        rt_model_run_until(rt, until);
        ck_assert_uint_eq(sim_run_until(rt->engine, until), rt->expected_len);
        ck_assert_uint_eq(rt->ran_len, rt->expected_len);
        for (size_t i = 0; i < rt->ran_len; i++)
            ck_assert_uint_eq(rt->ran[i], rt->expected[i]);
    }
    ck_assert_uint_eq(rt->engine_tags, rt->model_tags);
    ck_assert_uint_eq(sim_engine_pending(rt->engine), rt->pending_len);
    ck_assert_uint_eq(sim_engine_now(rt->engine), rt->model_now);
}

START_TEST(randomized_against_sorted_array_model)
{
    rt_t *rt = calloc(1, sizeof *rt);
    ck_assert_ptr_nonnull(rt);
    rt->engine = sim_engine_new(0);
    ck_assert_ptr_nonnull(rt->engine);
    sim_rng_seed(&rt->rng, (uint64_t)_i, "test_engine/randomized");
    for (int op = 0; op < RT_OPS; op++)
        rt_step(rt);
    /* Drain both. */
    rt->ran_len = 0;
    rt_model_run_until(rt, UINT64_MAX);
    ck_assert_uint_eq(sim_run(rt->engine), rt->expected_len);
    for (size_t i = 0; i < rt->ran_len; i++)
        ck_assert_uint_eq(rt->ran[i], rt->expected[i]);
    ck_assert_uint_eq(sim_engine_pending(rt->engine), 0);
    sim_engine_free(rt->engine);
    free(rt);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("sim_engine");
    TCase *tc = tcase_create("order");
    tcase_add_test(tc, runs_in_time_order);
    tcase_add_test(tc, ties_run_in_scheduling_order);
    tcase_add_test(tc, many_ties_keep_order);
    suite_add_tcase(s, tc);

    tc = tcase_create("cancel");
    tcase_add_test(tc, cancel_pending_ran_twice_stale_and_zero);
    tcase_add_test(tc, ids_are_never_reused);
    tcase_add_test(tc, cancel_reorders_the_heap);
    suite_add_tcase(s, tc);

    tc = tcase_create("clock");
    tcase_add_test(tc, run_until_leaves_later_events_and_sets_the_clock);
    tcase_add_test(tc, scheduling_in_the_past_fails);
    tcase_add_test(tc, handler_at_same_instant_runs_after_due_events);
    tcase_add_test(tc, handlers_cannot_reenter_the_loop);
    tcase_add_test(tc, counters);
    suite_add_tcase(s, tc);

    tc = tcase_create("model");
    tcase_add_loop_test(tc, randomized_against_sorted_array_model, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}
