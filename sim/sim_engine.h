/* sim/: the discrete-event engine and seeded randomness.
 *
 * Virtual time is uint64_t microseconds. The engine keeps timers in a
 * min-heap keyed by (time_us, insertion sequence), so events at the same
 * instant run in the order they were scheduled, every run. Only sim/ owns
 * a clock; everything else is handed `now_us`.
 *
 * Randomness comes from xoshiro256** streams. Each stream is derived from
 * (scenario seed, stable name) through a hash, so adding a peer or a link
 * never changes another's stream. rand() is never used. */
#ifndef BLINDFOLD_SIM_ENGINE_H
#define BLINDFOLD_SIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Event engine ------------------------------------------------------ */

typedef struct sim_engine sim_engine_t;

/* An event handler: `ctx` as given to sim_schedule(), `now_us` the event's
 * time (equal to sim_engine_now() while it runs). Handlers may schedule and
 * cancel events, including at the current instant (those run after every
 * event already due at that instant). */
typedef void (*sim_event_fn)(void *ctx, uint64_t now_us);

/* Identifies a scheduled event; 0 is never a valid id. Ids are not reused
 * while the engine lives, so cancelling a stale id is harmless. */
typedef uint64_t sim_timer_id_t;

/* Creates an engine at time 0. `capacity_hint` sizes the heap up front
 * (it grows when needed). NULL when out of memory. */
sim_engine_t *sim_engine_new(size_t capacity_hint);

/* Frees the engine and drops pending events; accepts NULL. */
void sim_engine_free(sim_engine_t *engine);

uint64_t sim_engine_now(const sim_engine_t *engine);

/* Events scheduled and not yet run or cancelled. */
size_t sim_engine_pending(const sim_engine_t *engine);

/* Events run since creation. */
uint64_t sim_engine_events_run(const sim_engine_t *engine);

/* Schedules fn(ctx, at_us). Returns the event's id, or 0 when `at_us` is
 * before now, `fn` is NULL or memory runs out. */
sim_timer_id_t sim_schedule(sim_engine_t *engine, uint64_t at_us, sim_event_fn fn, void *ctx);

/* Cancels a pending event. Returns false when it already ran, was
 * cancelled, or never existed. */
bool sim_cancel(sim_engine_t *engine, sim_timer_id_t id);

/* Runs every event due at or before `until_us`, then sets the clock to
 * `until_us` (never backwards). Returns the number of events run. Called
 * from inside a handler (as is sim_run()), it does nothing and returns 0. */
uint64_t sim_run_until(sim_engine_t *engine, uint64_t until_us);

/* Runs until no event is pending; the clock stays at the last event's
 * time. Returns the number of events run. */
uint64_t sim_run(sim_engine_t *engine);

/* --- Seeded randomness (xoshiro256**) ----------------------------------- */

typedef struct sim_rng {
    uint64_t s[4];
} sim_rng_t;

/* Seeds a stream from (seed, name): the name is hashed together with the
 * seed and the result expanded with SplitMix64 into the state. Different
 * names give independent streams; the same pair always the same stream. */
void sim_rng_seed(sim_rng_t *rng, uint64_t seed, const char *name);

/* Next 64 random bits. */
uint64_t sim_rng_next(sim_rng_t *rng);

/* Uniform double in [0, 1), 53 bits. */
double sim_rng_uniform(sim_rng_t *rng);

/* True with probability p (p <= 0: never; p >= 1: always). Draws exactly
 * one value whatever p is, so changing p never shifts the rest of a stream. */
bool sim_rng_chance(sim_rng_t *rng, double p);

/* Uniform integer in [0, n), without modulo bias; 0 when n == 0. */
uint64_t sim_rng_below(sim_rng_t *rng, uint64_t n);

/* Normal deviate with the given mean and standard deviation. */
double sim_rng_normal(sim_rng_t *rng, double mean, double stddev);

/* Pareto deviate: scale x_m > 0, shape alpha > 0; values >= x_m. */
double sim_rng_pareto(sim_rng_t *rng, double scale, double shape);

#endif
