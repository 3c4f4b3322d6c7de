/* bench_sim_events: how many events per second the discrete-event engine
 * (sim/engine.c) runs, against the floor of calling a handler at all.
 *
 * Cases:
 *  - timers-1k, timers-100k: that many timers, each rescheduling itself at
 *    now + d when it fires, d uniform in 1..64 us (drawn up front from a
 *    seeded stream into a table, so the handler does no arithmetic beyond
 *    a table read). The heap holds a steady 1k or 100k pending events; an
 *    event is one pop, one handler call and one push.
 *  - schedule+cancel-1k: with 1k events pending far in the future, each
 *    operation schedules one event at now + d and cancels the one scheduled
 *    1k operations earlier; an "event" here is one such pair, and nothing
 *    runs.
 * Reference, "fnptr-loop": a plain loop calling a trivial handler (the
 * table read and a sum) through a function pointer read from a volatile
 * variable, as many times as the engine ran events: the cost of an event
 * with no engine at all. ratio = value / reference_value (higher is
 * better; 1 would be an engine that costs nothing).
 *
 * Timing: CLOCK_MONOTONIC around passes of many events; engine and
 * reference passes alternate, in alternating order, over many rounds, and
 * the best pass of each side counts, which cancels most machine noise.
 * Output follows docs/cli.md "Benchmarks": one line per case, metric
 * events_per_s, unit "1/s". `--quick` runs in about a second; the default
 * run takes about ten. */
#include "sim/sim_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

#define ONE_SECOND    1e9
#define DELAY_COUNT   4096u /* a power of two */
#define DELAY_MAX_US  64u
#define FAR_FUTURE_US (UINT64_C(1) << 62)
#define CHURN_PENDING 1024u

typedef struct bench_plan {
    double budget_ns; /* per case */
    int min_rounds;
    uint64_t events_per_pass;
} bench_plan_t;

/* What every handler, engine-driven or not, works on. */
typedef struct bench_timers {
    sim_engine_t *engine;
    uint32_t delays[DELAY_COUNT];
    uint32_t cursor;
    uint64_t sink;
} bench_timers_t;

typedef struct bench_case {
    const char *name;
    size_t pending;
    bool churn;
} bench_case_t;

static const bench_case_t cases[] = {
    { .name = "timers-1k", .pending = 1000, .churn = false },
    { .name = "timers-100k", .pending = 100000, .churn = false },
    { .name = "schedule+cancel-1k", .pending = CHURN_PENDING, .churn = true },
};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * ONE_SECOND + (double)ts.tv_nsec;
}

static inline uint32_t next_delay(bench_timers_t *timers)
{
    return timers->delays[timers->cursor++ & (DELAY_COUNT - 1)];
}

/* ---- handlers ------------------------------------------------------------ */

static void timer_fire(void *ctx, uint64_t now_us)
{
    bench_timers_t *timers = ctx;
    sim_schedule(timers->engine, now_us + next_delay(timers), timer_fire, timers);
}

static void reference_fire(void *ctx, uint64_t now_us)
{
    bench_timers_t *timers = ctx;
    timers->sink += now_us + next_delay(timers);
}

static void never_runs(void *ctx, uint64_t now_us)
{
    (void)ctx;
    (void)now_us;
    abort();
}

/* ---- passes: each returns the events it ran, timing in *elapsed_ns ------- */

static uint64_t engine_timers_pass(bench_timers_t *timers, uint64_t events, double *elapsed_ns)
{
    uint64_t ran = 0;
    double start = now_ns();
    while (ran < events)
        ran += sim_run_until(timers->engine, sim_engine_now(timers->engine) + DELAY_MAX_US);
    *elapsed_ns = now_ns() - start;
    return ran;
}

static uint64_t engine_churn_pass(bench_timers_t *timers, sim_timer_id_t *ring, uint64_t events,
                                  double *elapsed_ns)
{
    sim_engine_t *engine = timers->engine;
    uint64_t failures = 0;
    double start = now_ns();
    for (uint64_t i = 0; i < events; i++) {
        size_t slot = (size_t)(i % CHURN_PENDING);
        sim_timer_id_t id =
            sim_schedule(engine, FAR_FUTURE_US + next_delay(timers), never_runs, timers);
        failures += !sim_cancel(engine, ring[slot]);
        ring[slot] = id;
    }
    *elapsed_ns = now_ns() - start;
    return failures == 0 ? events : 0;
}

static void reference_pass(bench_timers_t *timers, uint64_t events, double *elapsed_ns)
{
    static sim_event_fn volatile handler = reference_fire;
    double start = now_ns();
    for (uint64_t i = 0; i < events; i++)
        handler(timers, i);
    *elapsed_ns = now_ns() - start;
}

/* ---- one case -------------------------------------------------------------- */

typedef struct bench_result {
    double engine_rate, reference_rate;
} bench_result_t;

static bool setup(bench_timers_t *timers, const bench_case_t *c, sim_timer_id_t *ring)
{
    sim_rng_t rng;
    sim_rng_seed(&rng, 1, "bench_sim_events/delays");
    for (uint32_t i = 0; i < DELAY_COUNT; i++)
        timers->delays[i] = 1 + (uint32_t)sim_rng_below(&rng, DELAY_MAX_US);
    timers->engine = sim_engine_new(c->pending + 1);
    if (timers->engine == NULL)
        return false;
    for (size_t i = 0; i < c->pending; i++) {
        sim_event_fn fn = c->churn ? never_runs : timer_fire;
        uint64_t at = c->churn ? FAR_FUTURE_US : next_delay(timers);
        sim_timer_id_t id = sim_schedule(timers->engine, at, fn, timers);
        if (id == 0)
            return false;
        if (c->churn)
            ring[i] = id;
    }
    return true;
}

static bool run_case(const bench_case_t *c, const bench_plan_t *plan, bench_result_t *result)
{
    bench_timers_t *timers = calloc(1, sizeof *timers);
    sim_timer_id_t *ring = calloc(CHURN_PENDING, sizeof *ring);
    bool ok = timers && ring && setup(timers, c, ring);
    result->engine_rate = result->reference_rate = 0;
    double spent = 0;
    for (int round = 0; ok && (round < plan->min_rounds || spent < plan->budget_ns); round++) {
        double engine_ns = 0, reference_ns = 0;
        uint64_t ran = 0;
        for (int side = 0; side < 2; side++) {
            if ((side == 0) == (round % 2 == 0))
                ran = c->churn ? engine_churn_pass(timers, ring, plan->events_per_pass, &engine_ns)
                               : engine_timers_pass(timers, plan->events_per_pass, &engine_ns);
            else
                reference_pass(timers, plan->events_per_pass, &reference_ns);
        }
        ok = ran >= plan->events_per_pass && engine_ns > 0 && reference_ns > 0;
        if (!ok)
            break;
        double engine_rate = (double)ran * ONE_SECOND / engine_ns;
        double reference_rate = (double)plan->events_per_pass * ONE_SECOND / reference_ns;
        if (round > 0) { /* the first round warms caches and grows nothing */
            result->engine_rate =
                engine_rate > result->engine_rate ? engine_rate : result->engine_rate;
            result->reference_rate =
                reference_rate > result->reference_rate ? reference_rate : result->reference_rate;
        }
        spent += engine_ns + reference_ns;
    }
    if (timers)
        sim_engine_free(timers->engine);
    free(timers);
    free(ring);
    return ok;
}

static void report(const bench_case_t *c, const bench_result_t *result)
{
    printf("{\"bench\": \"sim_events\", \"case\": \"%s\", \"metric\": \"events_per_s\", "
           "\"value\": %.0f, \"unit\": \"1/s\", \"reference\": \"fnptr-loop\", "
           "\"reference_value\": %.0f, \"ratio\": %.4f}\n",
           c->name, result->engine_rate, result->reference_rate,
           result->engine_rate / result->reference_rate);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    bench_plan_t plan = { .budget_ns = 3 * ONE_SECOND,
                          .min_rounds = 10,
                          .events_per_pass = 2000000 };
    if (argc == 2 && strcmp(argv[1], "--quick") == 0) {
        plan = (bench_plan_t){ .budget_ns = 0.25 * ONE_SECOND,
                               .min_rounds = 4,
                               .events_per_pass = 500000 };
    } else if (argc != 1) {
        fprintf(stderr, "usage: bench_sim_events [--quick]\n");
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bench_result_t result;
        if (!run_case(&cases[i], &plan, &result)) {
            fprintf(stderr, "bench_sim_events: %s: engine setup or run failed\n", cases[i].name);
            return EXIT_INTERNAL;
        }
        report(&cases[i], &result);
    }
    return EXIT_SUCCESS;
}
