/* sim/: simulated links. A link is one direction between a peer and the
 * SFU, built from composable stages in the style of a chain of simulator
 * nodes: loss, duplication, bottleneck queue (or trace-driven delivery),
 * propagation delay and jitter. Each stage's .c file states its model.
 *
 * A link copies each packet it accepts, holds it in engine time and hands
 * it to the delivery callback; nothing is allocated per packet once its
 * internal pools have grown to the link's working set. */
#ifndef BLINDFOLD_SIM_LINK_H
#define BLINDFOLD_SIM_LINK_H

#include "sim/sim_engine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sim_jitter_dist {
    SIM_JITTER_NONE = 0,
    SIM_JITTER_UNIFORM,
    SIM_JITTER_NORMAL,
    SIM_JITTER_PARETO,
} sim_jitter_dist_t;

typedef enum sim_loss_model {
    SIM_LOSS_NONE = 0,
    SIM_LOSS_BERNOULLI,
    SIM_LOSS_GILBERT_ELLIOTT,
    SIM_LOSS_PATTERN,
} sim_loss_model_t;

/* A link profile, as resolved from a scenario's "links" entry (see
 * docs/scenario-format.md). The link keeps its own copy of everything,
 * including the pattern and trace arrays. */
typedef struct sim_link_profile {
    double delay_ms; /* fixed one-way propagation delay */
    struct {
        sim_jitter_dist_t dist;
        double stddev_ms;
        bool reorder; /* false: delivery order stays FIFO */
        /* pareto shape alpha; 0 = the default 3. Must be > 2 so that the
         * standard deviation, stddev_ms, exists. Other dists ignore it. */
        double pareto_shape;
    } jitter;
    struct {
        sim_loss_model_t model;
        double p;                            /* bernoulli */
        double p_good_to_bad, p_bad_to_good; /* gilbert-elliott transitions */
        double loss_good, loss_bad;          /* loss probability in each state */
        const uint64_t *drop;                /* pattern: sorted 0-based packet indices */
        size_t drop_count;
    } loss;
    double rate_kbps; /* bottleneck rate; 0 = unlimited */
    double queue_ms;  /* drop-tail bound, as queueing delay at rate_kbps */
    double duplicate; /* probability a packet is delivered twice */
    /* mahimahi trace: each entry one 1500-byte delivery opportunity at that
     * millisecond, ascending; wraps at the end. NULL: no trace. Replaces
     * rate_kbps when set. */
    const uint32_t *trace_ms;
    size_t trace_len;
} sim_link_profile_t;

/* The profile of a link with no impairment ("ideal"). Its other fields
 * hold the scenario format's defaults (queue_ms 200, loss_bad 1), so a
 * caller may start from it and set only what a scenario names. */
sim_link_profile_t sim_link_profile_ideal(void);

/* NULL when every field of `profile` is in range, else a static message
 * naming the first offending field, e.g. "loss.p: not in [0, 1]". The
 * scenario loader can report it under the profile's JSON path. */
const char *sim_link_profile_check(const sim_link_profile_t *profile);

/* Per-link counters. Delays are from sim_link_send() to delivery and are
 * counted at delivery, duplicates included; delay_min_us is 0 until the
 * first delivery. At any time
 *   sent + duplicated = lost_random + lost_queue + delivered + in_flight. */
typedef struct sim_link_counters {
    uint64_t sent;        /* packets handed to sim_link_send() */
    uint64_t lost_random; /* dropped by the loss model */
    uint64_t lost_queue;  /* dropped because the bottleneck queue was full */
    uint64_t duplicated;  /* extra copies created */
    uint64_t delivered;   /* deliveries, duplicates included */
    uint64_t bytes_sent;
    uint64_t bytes_delivered;
    uint64_t delay_sum_us;
    uint64_t delay_min_us;
    uint64_t delay_max_us;
    uint64_t queue_delay_sum_us; /* time spent waiting in the bottleneck queue */
    uint64_t queue_delay_max_us;
    uint64_t in_flight; /* copies admitted and not yet delivered (a gauge) */
} sim_link_counters_t;

typedef struct sim_link sim_link_t;

/* Called when a packet arrives at the far end, from an engine event, never
 * from inside sim_link_send(). `packet` is valid only during the call. The
 * callback may send on any link, this one included, but must not free this
 * link. */
typedef void (*sim_link_deliver_fn)(void *ctx, uint64_t now_us, const uint8_t *packet, size_t len);

/* Creates a link on `engine` with its own random stream `rng` (the caller
 * seeds it with a stable name, e.g. "link:alice:up"; the link copies it).
 * NULL when an argument is NULL, the profile is out of range
 * (sim_link_profile_check()) or memory runs out. */
sim_link_t *sim_link_new(sim_engine_t *engine, const sim_link_profile_t *profile,
                         const sim_rng_t *rng, sim_link_deliver_fn deliver, void *ctx);

/* Drops packets in flight (cancelling their events) and frees; accepts
 * NULL. Call it before sim_engine_free() of the link's engine. */
void sim_link_free(sim_link_t *link);

/* Sends a copy of `len` bytes at `packet` (NULL allowed when len is 0) into
 * the link at the engine's current time. Returns false only when memory
 * runs out (the packet then counts as neither sent nor lost, and nothing
 * else changes). */
bool sim_link_send(sim_link_t *link, const uint8_t *packet, size_t len);

/* Switches the profile from now on; packets already in flight keep their
 * schedule. Returns false on a profile out of range or out of memory. */
bool sim_link_set_profile(sim_link_t *link, const sim_link_profile_t *profile);

const sim_link_counters_t *sim_link_counters(const sim_link_t *link);

#endif
