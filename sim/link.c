/* sim/link.c: a simulated link, the composition of its stages, and the
 * duplication stage.
 *
 * Path of a packet sent at time t (each stage's model is stated in its
 * file, see sim/link_internal.h):
 *   1. loss (link_loss.c): lost -> lost_random, the end of it.
 *   2. duplication: with probability `duplicate` the packet becomes two
 *      copies, counted once in `duplicated`. Modelled after the loss stage,
 *      as a duplication inside the network: a lost packet is never
 *      duplicated, and both copies then take the same path independently:
 *      the duplicate enters the bottleneck right after the original, at the
 *      same instant t, takes its own room and serialization time there (and
 *      may be the one the queue drops), and draws its own jitter. One
 *      uniform draw u from the duplication stream per packet sent, lost or
 *      not (so the duplication decisions follow the send index whatever the
 *      loss model does); duplicate when u < duplicate.
 *   3. bottleneck (link_queue.c, link_trace.c): dropped -> lost_queue, else
 *      a departure time and a queueing delay.
 *   4. propagation delay and jitter (link_jitter.c): the delivery time, in
 *      whole microseconds, FIFO unless reorder is set.
 *   5. delivery: every admitted copy is copied into a packet slot and gets
 *      one engine event at its delivery time, which updates the counters
 *      and calls the deliver callback. Delivery therefore never happens
 *      inside sim_link_send(), even with zero delay: the event runs after
 *      the events already due at that instant. One event per copy (rather
 *      than one timer for a FIFO head) because with reorder the delivery
 *      order is not the sending order.
 *
 * Randomness: the stream given to sim_link_new() is split into three
 * independent streams, so that a change to one stage's parameters never
 * shifts another stage's draws: its first output s seeds
 * sim_rng_seed(s, "loss"), sim_rng_seed(s, "duplicate") and
 * sim_rng_seed(s, "jitter"). Per packet, the loss stage draws first, then
 * the duplication stage, then the jitter of each admitted copy, original
 * first; every run with the same seed makes the same draws.
 *
 * Memory: packet slots are made on demand and recycled through a free
 * list; a slot's buffer grows to the largest packet it has held. Once the
 * pool covers the packets in flight, sending allocates nothing. A send that
 * runs out of memory (here or in the engine) puts every stage back as it
 * was, counters included.
 *
 * A profile change (sim_link_set_profile()) applies to packets sent from
 * then on. Copies already admitted keep their delivery events; the
 * bottleneck's backlog, the FIFO order of deliveries and the
 * gilbert-elliott state carry over as each stage's file says; the pattern
 * index restarts, and so does the trace unless it is the same trace. */
#include "sim/link_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct sim__link_packet sim__link_packet_t;

struct sim__link_packet {
    sim_link_t *link;
    sim__link_packet_t *next_free;
    sim_timer_id_t timer; /* its delivery event; 0 while on the free list */
    uint64_t sent_at_us;
    uint64_t queue_delay_us;
    size_t len, cap;
    uint8_t *bytes;
};

/* Everything sim_link_send() changes, so that it can be put back. */
typedef struct sim__link_state {
    sim__loss_t loss;
    sim_rng_t duplicate_rng;
    sim__queue_t queue;
    sim__delay_t delay;
    sim_link_counters_t counters;
} sim__link_state_t;

struct sim_link {
    sim_engine_t *engine;
    sim_link_deliver_fn deliver;
    void *deliver_ctx;
    sim_link_profile_t profile; /* its arrays are the two below */
    uint64_t *drop;
    uint32_t *trace_ms;
    sim__link_state_t state;
    sim__link_packet_t **packets; /* every slot made, in flight or free */
    size_t packet_count, packet_cap;
    sim__link_packet_t *free_list;
};

sim_link_profile_t sim_link_profile_ideal(void)
{
    return (sim_link_profile_t){
        .delay_ms = 0.0,
        .jitter = { .dist = SIM_JITTER_NONE, .stddev_ms = 0.0, .reorder = false },
        .loss = { .model = SIM_LOSS_NONE, .loss_good = 0.0, .loss_bad = 1.0 },
        .rate_kbps = 0.0,
        .queue_ms = 200.0,
        .duplicate = 0.0,
        .trace_ms = NULL,
        .trace_len = 0,
    };
}

const char *sim_link_profile_check(const sim_link_profile_t *profile)
{
    if (profile == NULL)
        return "profile: NULL";
    const char *reason = sim__delay_check(profile);
    if (reason == NULL)
        reason = sim__loss_check(profile);
    if (reason == NULL)
        reason = sim__queue_check(profile);
    if (reason == NULL && !(profile->duplicate >= 0.0 && profile->duplicate <= 1.0))
        reason = "duplicate: not in [0, 1]";
    return reason;
}

/* Copies `profile` into `copy`, with arrays of its own; false when out of
 * memory. Arrays the model does not use are not kept. */
static bool sim__link_copy_profile(const sim_link_profile_t *profile, sim_link_profile_t *copy,
                                   uint64_t **drop, uint32_t **trace_ms)
{
    *copy = *profile;
    *drop = NULL;
    *trace_ms = NULL;
    copy->loss.drop = NULL;
    copy->loss.drop_count = 0;
    if (profile->loss.model == SIM_LOSS_PATTERN && profile->loss.drop_count > 0) {
        size_t count = profile->loss.drop_count;
        if (count > SIZE_MAX / sizeof **drop || (*drop = malloc(count * sizeof **drop)) == NULL)
            return false;
        memcpy(*drop, profile->loss.drop, count * sizeof **drop);
        copy->loss.drop = *drop;
        copy->loss.drop_count = count;
    }
    if (profile->trace_ms != NULL) {
        size_t len = profile->trace_len;
        if (len > SIZE_MAX / sizeof **trace_ms ||
            (*trace_ms = malloc(len * sizeof **trace_ms)) == NULL) {
            free(*drop);
            *drop = NULL;
            return false;
        }
        memcpy(*trace_ms, profile->trace_ms, len * sizeof **trace_ms);
        copy->trace_ms = *trace_ms;
    }
    return true;
}

/* Makes sure the free list holds two slots (the original and a possible
 * duplicate) at its head, each able to hold `len` bytes. */
static bool sim__link_reserve(sim_link_t *link, size_t len)
{
    sim__link_packet_t **at = &link->free_list;
    for (int i = 0; i < 2; i++) {
        if (*at == NULL) {
            if (link->packet_count == link->packet_cap) {
                size_t cap = link->packet_cap ? 2 * link->packet_cap : 16;
                sim__link_packet_t **packets = realloc(link->packets, cap * sizeof *packets);
                if (packets == NULL)
                    return false;
                link->packets = packets;
                link->packet_cap = cap;
            }
            sim__link_packet_t *packet = calloc(1, sizeof *packet);
            if (packet == NULL)
                return false;
            packet->link = link;
            link->packets[link->packet_count++] = packet;
            *at = packet;
        }
        if ((*at)->cap < len) {
            uint8_t *bytes = realloc((*at)->bytes, len);
            if (bytes == NULL)
                return false;
            (*at)->bytes = bytes;
            (*at)->cap = len;
        }
        at = &(*at)->next_free;
    }
    return true;
}

static void sim__link_on_deliver(void *ctx, uint64_t now_us)
{
    sim__link_packet_t *packet = ctx;
    sim_link_t *link = packet->link;
    sim_link_counters_t *counters = &link->state.counters;
    uint64_t delay_us = now_us - packet->sent_at_us;

    counters->delivered++;
    counters->bytes_delivered += packet->len;
    counters->delay_sum_us += delay_us;
    if (counters->delivered == 1 || delay_us < counters->delay_min_us)
        counters->delay_min_us = delay_us;
    if (delay_us > counters->delay_max_us)
        counters->delay_max_us = delay_us;
    counters->queue_delay_sum_us += packet->queue_delay_us;
    if (packet->queue_delay_us > counters->queue_delay_max_us)
        counters->queue_delay_max_us = packet->queue_delay_us;
    counters->in_flight--;
    packet->timer = 0;

    link->deliver(link->deliver_ctx, now_us, packet->bytes, packet->len);

    packet->next_free = link->free_list;
    link->free_list = packet;
}

sim_link_t *sim_link_new(sim_engine_t *engine, const sim_link_profile_t *profile,
                         const sim_rng_t *rng, sim_link_deliver_fn deliver, void *ctx)
{
    if (engine == NULL || rng == NULL || deliver == NULL || sim_link_profile_check(profile))
        return NULL;
    sim_link_t *link = calloc(1, sizeof *link);
    if (link == NULL)
        return NULL;
    link->engine = engine;
    link->deliver = deliver;
    link->deliver_ctx = ctx;
    if (!sim__link_copy_profile(profile, &link->profile, &link->drop, &link->trace_ms))
        goto fail;

    sim_rng_t parent = *rng;
    uint64_t seed = sim_rng_next(&parent);
    sim_rng_t loss_rng, jitter_rng;
    sim_rng_seed(&loss_rng, seed, "loss");
    sim_rng_seed(&link->state.duplicate_rng, seed, "duplicate");
    sim_rng_seed(&jitter_rng, seed, "jitter");
    sim__loss_init(&link->state.loss, &loss_rng);
    sim__queue_init(&link->state.queue, &link->profile, sim_engine_now(engine));
    sim__delay_init(&link->state.delay, &jitter_rng);
    return link;

fail:
    sim_link_free(link);
    return NULL;
}

void sim_link_free(sim_link_t *link)
{
    if (link == NULL)
        return;
    for (size_t i = 0; i < link->packet_count; i++) {
        sim__link_packet_t *packet = link->packets[i];
        if (packet->timer != 0)
            sim_cancel(link->engine, packet->timer);
        free(packet->bytes);
        free(packet);
    }
    free(link->packets);
    free(link->drop);
    free(link->trace_ms);
    free(link);
}

bool sim_link_send(sim_link_t *link, const uint8_t *packet, size_t len)
{
    if (!sim__link_reserve(link, len))
        return false;
    uint64_t now_us = sim_engine_now(link->engine);
    const sim_link_profile_t *profile = &link->profile;
    sim__link_state_t *state = &link->state;
    sim__link_state_t saved = *state;
    sim_link_counters_t *counters = &state->counters;
    sim__link_packet_t *scheduled[2];
    size_t scheduled_count = 0;

    counters->sent++;
    counters->bytes_sent += len;
    bool lost = sim__loss_drops(&state->loss, profile);
    bool duplicate = sim_rng_uniform(&state->duplicate_rng) < profile->duplicate;
    if (lost) {
        counters->lost_random++;
        return true;
    }
    if (duplicate)
        counters->duplicated++;

    for (int copy = 0; copy < (duplicate ? 2 : 1); copy++) {
        sim__queue_slot_t slot;
        if (!sim__queue_admit(&state->queue, profile, now_us, len, &slot)) {
            counters->lost_queue++;
            continue;
        }
        uint64_t deliver_at_us = sim__delay_deliver_at(&state->delay, profile, slot.depart_us);
        sim__link_packet_t *copy_slot = link->free_list;
        copy_slot->timer =
            sim_schedule(link->engine, deliver_at_us, sim__link_on_deliver, copy_slot);
        if (copy_slot->timer == 0)
            goto fail;
        link->free_list = copy_slot->next_free;
        copy_slot->sent_at_us = now_us;
        copy_slot->queue_delay_us = (uint64_t)floor(slot.wait_us + 0.5);
        copy_slot->len = len;
        if (len > 0)
            memcpy(copy_slot->bytes, packet, len);
        scheduled[scheduled_count++] = copy_slot;
        counters->in_flight++;
    }
    return true;

fail:
    while (scheduled_count > 0) {
        sim__link_packet_t *copy_slot = scheduled[--scheduled_count];
        sim_cancel(link->engine, copy_slot->timer);
        copy_slot->timer = 0;
        copy_slot->next_free = link->free_list;
        link->free_list = copy_slot;
    }
    *state = saved;
    return false;
}

bool sim_link_set_profile(sim_link_t *link, const sim_link_profile_t *profile)
{
    if (sim_link_profile_check(profile) != NULL)
        return false;
    sim_link_profile_t copy;
    uint64_t *drop;
    uint32_t *trace_ms;
    if (!sim__link_copy_profile(profile, &copy, &drop, &trace_ms))
        return false;
    sim_loss_model_t old_model = link->profile.loss.model;
    bool same_trace =
        link->profile.trace_ms != NULL && copy.trace_ms != NULL &&
        link->profile.trace_len == copy.trace_len &&
        memcmp(link->profile.trace_ms, copy.trace_ms, copy.trace_len * sizeof *copy.trace_ms) == 0;
    free(link->drop);
    free(link->trace_ms);
    link->profile = copy;
    link->drop = drop;
    link->trace_ms = trace_ms;
    sim__loss_apply_profile(&link->state.loss, old_model, &link->profile);
    sim__queue_apply_profile(&link->state.queue, &link->profile, sim_engine_now(link->engine),
                             same_trace);
    return true;
}

const sim_link_counters_t *sim_link_counters(const sim_link_t *link)
{
    return &link->state.counters;
}
