/* sim/link_internal.h: the stages a link is built from, private to
 * sim/link*.c and the link tests.
 *
 * A packet handed to sim_link_send() passes, in this order:
 *   loss (link_loss.c) -> duplication (link.c) -> bottleneck: unlimited,
 *   rate (link_queue.c) or trace (link_trace.c) -> propagation delay and
 *   jitter (link_jitter.c) -> one engine event that delivers it (link.c).
 * Every stage works out its decision when the packet enters the link: the
 * bottleneck is a FIFO served on a schedule that later arrivals cannot
 * change, so a packet's departure time is known on arrival. Each stage keeps
 * its state in a small plain struct; sim_link_send() copies them all before
 * it starts, so a failure half-way can put everything back. */
#ifndef BLINDFOLD_SIM_LINK_INTERNAL_H
#define BLINDFOLD_SIM_LINK_INTERNAL_H

#include "sim/sim_link.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Loss stage (link_loss.c) ------------------------------------------ */

typedef struct sim__loss {
    sim_rng_t rng;
    bool bad;           /* gilbert-elliott: the chain's state for the next packet */
    uint64_t index;     /* 0-based index of the next packet since the profile applied */
    size_t pattern_pos; /* pattern: first entry of `drop` not below `index` */
} sim__loss_t;

/* NULL or the message for the first loss field out of range. */
const char *sim__loss_check(const sim_link_profile_t *profile);

void sim__loss_init(sim__loss_t *loss, const sim_rng_t *rng);

/* Called when the profile changes from `old_model` to `profile`. */
void sim__loss_apply_profile(sim__loss_t *loss, sim_loss_model_t old_model,
                             const sim_link_profile_t *profile);

/* Decides the fate of the next packet entering the link: true = lost. */
bool sim__loss_drops(sim__loss_t *loss, const sim_link_profile_t *profile);

/* --- Bottleneck stage (link_queue.c, link_trace.c) ---------------------- */

/* Bytes one trace line lets through (mahimahi's delivery opportunity). */
#define SIM__TRACE_OPPORTUNITY_BYTES 1500u

typedef struct sim__queue {
    /* When the link finishes carrying the last packet it admitted, in
     * fractional microseconds: a packet never starts before it. */
    double free_at_us;
    /* trace: opportunity (period, index) is at
     * base_us + period * trace period + trace_ms[index] * 1000 */
    uint64_t trace_base_us;
    uint64_t trace_period;    /* period of the next unopened opportunity */
    size_t trace_index;       /* its index in trace_ms */
    uint64_t trace_open_us;   /* time of the opportunity last opened */
    uint32_t trace_open_left; /* bytes it can still carry; 0 = none */
} sim__queue_t;

/* The outcome for one packet that the bottleneck admits. */
typedef struct sim__queue_slot {
    double wait_us;   /* from arrival until the link starts carrying it */
    double depart_us; /* when its last byte has been carried */
} sim__queue_slot_t;

/* NULL or the message for the first bottleneck field out of range. */
const char *sim__queue_check(const sim_link_profile_t *profile);

void sim__queue_init(sim__queue_t *queue, const sim_link_profile_t *profile, uint64_t now_us);

/* Called when the profile changes to `profile` at `now_us`; `same_trace`
 * when the old profile had a trace with exactly the same entries. */
void sim__queue_apply_profile(sim__queue_t *queue, const sim_link_profile_t *profile,
                              uint64_t now_us, bool same_trace);

/* Offers a packet of `len` bytes arriving at `now_us`. False: the
 * drop-tail bound refuses it, and nothing changes. */
bool sim__queue_admit(sim__queue_t *queue, const sim_link_profile_t *profile, uint64_t now_us,
                      size_t len, sim__queue_slot_t *slot);

/* The trace half of the bottleneck (link_trace.c). */
const char *sim__trace_check(const sim_link_profile_t *profile);
void sim__trace_start(sim__queue_t *queue, uint64_t now_us);
bool sim__trace_admit(sim__queue_t *queue, const sim_link_profile_t *profile, uint64_t now_us,
                      size_t len, sim__queue_slot_t *slot);

/* --- Propagation delay and jitter stage (link_jitter.c) ----------------- */

typedef struct sim__delay {
    sim_rng_t rng;
    uint64_t last_delivery_us; /* latest delivery time handed out so far */
} sim__delay_t;

/* NULL or the message for the first delay or jitter field out of range. */
const char *sim__delay_check(const sim_link_profile_t *profile);

void sim__delay_init(sim__delay_t *delay, const sim_rng_t *rng);

/* One draw of the jitter term J, in ms (see link_jitter.c). */
double sim__jitter_draw_ms(sim_rng_t *rng, const sim_link_profile_t *profile);

/* The delivery time, in whole microseconds, of a packet that leaves the
 * bottleneck at `depart_us`. */
uint64_t sim__delay_deliver_at(sim__delay_t *delay, const sim_link_profile_t *profile,
                               double depart_us);

#endif
