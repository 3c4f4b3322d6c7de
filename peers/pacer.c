/* peers/pacer.c: the sender-side pacer (see pacer.h for the model, its
 * bounds and its defaults).
 *
 * References: libwebrtc's PacingController
 * (modules/pacing/pacing_controller.cc): pacing rate = pacing factor (2.5,
 * kDefaultPaceMultiplier) times the target; a media budget that accrues
 * with time and that each sent packet consumes (IntervalBudget, later
 * "media debt"); audio not paced unless the WebRTC-Pacer-BlockAudio field
 * trial is on; and its prioritized packet queue (audio, then
 * retransmission, then video, FIFO within a class). The 5 ms burst cap
 * is this file's choice, not libwebrtc's value.
 *
 * The budget is kept in bit-microseconds (bits times 10^6), so that time
 * in microseconds times a rate in bits per second adds exactly, with no
 * rounding that could drift over a long run. Packets live in a pool of
 * fixed-size slots; each priority class is a ring of slot indices, and
 * free slots are a stack. */
#include "peers/pacer.h"

#include <stdlib.h>
#include <string.h>

#define US_PER_S 1000000u

typedef struct pacer_slot {
    uint64_t enqueue_us;
    uint32_t len;
} pacer_slot_t;

/* FIFO of slot indices, capacity max_packets. */
typedef struct index_ring {
    uint32_t *items;
    uint32_t head;
    uint32_t count;
} index_ring_t;

struct peer__pacer {
    peer__pacer_config_t config;
    pacer_slot_t *slots;
    uint8_t *arena;
    uint32_t *free_stack;
    uint32_t free_count;
    index_ring_t queues[PEER__PACER_PRIORITY_COUNT];
    size_t queued_bytes;
    uint64_t rate_bps;
    int64_t budget;     /* bit-microseconds; <= budget_cap */
    int64_t budget_cap; /* rate_bps * max_burst_us */
    uint64_t last_us;   /* time the budget was last brought up to date */
    peer__pacer_stats_t stats;
};

peer__pacer_config_t peer__pacer_config_default(void)
{
    return (peer__pacer_config_t){
        .target_kbps = 1000,
        .pacing_factor = 2.5,
        .max_burst_us = 5000,
        .max_packets = 1024,
        .max_bytes = 1024 * 1024,
        .max_packet_size = 1500,
        .pace_audio = false,
    };
}

static bool config_valid(const peer__pacer_config_t *c)
{
    /* The factor bound keeps rate_bps * max_burst_us far inside int64. */
    return c->pacing_factor > 0.0 && c->pacing_factor <= 100.0 && c->max_packets >= 1 &&
           c->max_packets <= PEER__PACER_MAX_PACKETS && c->max_packet_size >= 1 &&
           c->max_bytes >= c->max_packet_size && c->max_burst_us <= US_PER_S;
}

static void set_rate(peer__pacer_t *p, uint32_t target_kbps)
{
    double rate = p->config.pacing_factor * (double)target_kbps * 1000.0 + 0.5;
    p->rate_bps =
        rate > (double)PEER__PACER_MAX_RATE_BPS ? PEER__PACER_MAX_RATE_BPS : (uint64_t)rate;
    p->budget_cap = (int64_t)(p->rate_bps * p->config.max_burst_us);
    if (p->budget > p->budget_cap)
        p->budget = p->budget_cap;
}

rtp_err_t peer__pacer_create(const peer__pacer_config_t *config, peer__pacer_t **out)
{
    if (config == NULL || out == NULL || !config_valid(config))
        return RTP_ERR_INVALID_ARG;
    peer__pacer_t *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return RTP_ERR_NO_SPACE;
    p->config = *config;
    uint32_t n = config->max_packets;
    p->slots = calloc(n, sizeof(*p->slots));
    p->arena = malloc((size_t)n * config->max_packet_size);
    p->free_stack = malloc(n * sizeof(*p->free_stack));
    if (p->slots == NULL || p->arena == NULL || p->free_stack == NULL)
        goto fail;
    for (int q = 0; q < PEER__PACER_PRIORITY_COUNT; q++) {
        p->queues[q].items = malloc(n * sizeof(*p->queues[q].items));
        if (p->queues[q].items == NULL)
            goto fail;
    }
    /* Pop order 0, 1, 2...: slot i is at stack position n - 1 - i. */
    for (uint32_t i = 0; i < n; i++)
        p->free_stack[i] = n - 1 - i;
    p->free_count = n;
    /* A fresh pacer starts with a full burst allowance, as one idle long. */
    set_rate(p, config->target_kbps);
    p->budget = p->budget_cap;
    *out = p;
    return RTP_OK;
fail:
    peer__pacer_destroy(p);
    return RTP_ERR_NO_SPACE;
}

void peer__pacer_destroy(peer__pacer_t *pacer)
{
    if (pacer == NULL)
        return;
    for (int q = 0; q < PEER__PACER_PRIORITY_COUNT; q++)
        free(pacer->queues[q].items);
    free(pacer->free_stack);
    free(pacer->arena);
    free(pacer->slots);
    free(pacer);
}

static uint32_t ring_front(const peer__pacer_t *p, const index_ring_t *r)
{
    (void)p;
    return r->items[r->head];
}

static uint32_t ring_pop(const peer__pacer_t *p, index_ring_t *r)
{
    uint32_t index = r->items[r->head];
    r->head = (r->head + 1) % p->config.max_packets;
    r->count--;
    return index;
}

static void ring_push(const peer__pacer_t *p, index_ring_t *r, uint32_t index)
{
    r->items[(r->head + r->count) % p->config.max_packets] = index;
    r->count++;
}

static size_t queued_packets(const peer__pacer_t *p)
{
    return p->config.max_packets - p->free_count;
}

static void release_slot(peer__pacer_t *p, uint32_t index)
{
    p->queued_bytes -= p->slots[index].len;
    p->free_stack[p->free_count++] = index;
}

/* Brings the budget up to now_us; time never runs backwards. */
static void advance(peer__pacer_t *p, uint64_t now_us)
{
    if (now_us <= p->last_us)
        return;
    uint64_t elapsed = now_us - p->last_us;
    p->last_us = now_us;
    if (p->rate_bps == 0 || p->budget >= p->budget_cap)
        return;
    /* Clamp before multiplying: a long idle period could overflow. */
    uint64_t room = (uint64_t)(p->budget_cap - p->budget);
    if (elapsed >= room / p->rate_bps + 1) {
        p->budget = p->budget_cap;
        return;
    }
    p->budget += (int64_t)(elapsed * p->rate_bps);
    if (p->budget > p->budget_cap)
        p->budget = p->budget_cap;
}

static bool has_room(const peer__pacer_t *p, size_t len)
{
    return p->free_count > 0 && p->queued_bytes + len <= p->config.max_bytes;
}

rtp_err_t peer__pacer_enqueue(peer__pacer_t *pacer, const uint8_t *pkt, size_t len,
                              peer__pacer_priority_t priority, uint64_t now_us)
{
    if (pacer == NULL || pkt == NULL || len == 0 || (int)priority < 0 ||
        priority >= PEER__PACER_PRIORITY_COUNT)
        return RTP_ERR_INVALID_ARG;
    index_ring_t *video = &pacer->queues[PEER__PACER_VIDEO];
    advance(pacer, now_us);
    if (len > pacer->config.max_packet_size) {
        pacer->stats.refused++;
        return RTP_ERR_NO_SPACE;
    }
    /* Decide before dropping anything: dropping all queued video must be
     * enough, or nothing is dropped and the new packet is refused. */
    size_t video_bytes = 0;
    if (!has_room(pacer, len)) {
        for (uint32_t i = 0; i < video->count; i++) {
            uint32_t index = video->items[(video->head + i) % pacer->config.max_packets];
            video_bytes += pacer->slots[index].len;
        }
        bool enough =
            video->count > 0 && pacer->queued_bytes - video_bytes + len <= pacer->config.max_bytes;
        if (!enough) {
            pacer->stats.refused++;
            return RTP_ERR_NO_SPACE;
        }
    }
    while (!has_room(pacer, len)) {
        release_slot(pacer, ring_pop(pacer, video));
        pacer->stats.dropped_video++;
    }
    uint32_t index = pacer->free_stack[--pacer->free_count];
    pacer->slots[index].len = (uint32_t)len;
    pacer->slots[index].enqueue_us = now_us;
    memcpy(pacer->arena + (size_t)index * pacer->config.max_packet_size, pkt, len);
    pacer->queued_bytes += len;
    ring_push(pacer, &pacer->queues[priority], index);
    pacer->stats.enqueued[priority]++;
    return RTP_OK;
}

static bool audio_unpaced(const peer__pacer_t *p)
{
    return !p->config.pace_audio && p->queues[PEER__PACER_AUDIO].count > 0;
}

/* The class of the next packet to leave, or PRIORITY_COUNT when empty. */
static int next_class(const peer__pacer_t *p)
{
    for (int q = 0; q < PEER__PACER_PRIORITY_COUNT; q++)
        if (p->queues[q].count > 0)
            return q;
    return PEER__PACER_PRIORITY_COUNT;
}

rtp_err_t peer__pacer_dequeue(peer__pacer_t *pacer, uint64_t now_us, uint8_t *out, size_t cap,
                              size_t *len, peer__pacer_priority_t *priority)
{
    if (pacer == NULL || out == NULL || len == NULL)
        return RTP_ERR_INVALID_ARG;
    advance(pacer, now_us);
    int q = next_class(pacer);
    if (q == PEER__PACER_PRIORITY_COUNT)
        return RTP_ERR_END;
    if (!audio_unpaced(pacer) && pacer->budget <= 0)
        return RTP_ERR_END;
    index_ring_t *ring = &pacer->queues[q];
    uint32_t index = ring_front(pacer, ring);
    const pacer_slot_t *slot = &pacer->slots[index];
    *len = slot->len;
    if (cap < slot->len)
        return RTP_ERR_NO_SPACE;
    memcpy(out, pacer->arena + (size_t)index * pacer->config.max_packet_size, slot->len);
    (void)ring_pop(pacer, ring);
    /* Audio that bypasses the budget is still charged to it. */
    pacer->budget -= (int64_t)slot->len * 8 * US_PER_S;
    uint64_t now = pacer->last_us; /* now_us, or later if time ran backwards */
    uint64_t delay = now > slot->enqueue_us ? now - slot->enqueue_us : 0;
    peer__pacer_stats_t *s = &pacer->stats;
    s->sent[q]++;
    s->bytes_sent += slot->len;
    s->delay_samples++;
    s->delay_sum_us += delay;
    if (delay > s->delay_max_us)
        s->delay_max_us = delay;
    if (delay > s->delay_max_us_by[q])
        s->delay_max_us_by[q] = delay;
    release_slot(pacer, index);
    if (priority != NULL)
        *priority = (peer__pacer_priority_t)q;
    return RTP_OK;
}

uint64_t peer__pacer_next_send_us(const peer__pacer_t *pacer)
{
    if (queued_packets(pacer) == 0)
        return UINT64_MAX;
    if (audio_unpaced(pacer) || pacer->budget > 0)
        return pacer->last_us;
    if (pacer->rate_bps == 0)
        return UINT64_MAX;
    /* The first whole microsecond at which the budget turns positive. */
    uint64_t debt = (uint64_t)(-pacer->budget);
    return pacer->last_us + debt / pacer->rate_bps + 1;
}

void peer__pacer_set_target_kbps(peer__pacer_t *pacer, uint32_t target_kbps, uint64_t now_us)
{
    advance(pacer, now_us);
    pacer->config.target_kbps = target_kbps;
    set_rate(pacer, target_kbps);
}

uint64_t peer__pacer_rate_bps(const peer__pacer_t *pacer)
{
    return pacer->rate_bps;
}

size_t peer__pacer_queued_packets(const peer__pacer_t *pacer)
{
    return queued_packets(pacer);
}

size_t peer__pacer_queued_bytes(const peer__pacer_t *pacer)
{
    return pacer->queued_bytes;
}

uint64_t peer__pacer_oldest_wait_us(const peer__pacer_t *pacer, uint64_t now_us)
{
    uint64_t oldest = UINT64_MAX;
    for (int q = 0; q < PEER__PACER_PRIORITY_COUNT; q++) {
        const index_ring_t *r = &pacer->queues[q];
        if (r->count > 0 && pacer->slots[ring_front(pacer, r)].enqueue_us < oldest)
            oldest = pacer->slots[ring_front(pacer, r)].enqueue_us;
    }
    return oldest == UINT64_MAX || now_us <= oldest ? 0 : now_us - oldest;
}

size_t peer__pacer_memory_bytes(const peer__pacer_t *pacer)
{
    if (pacer == NULL)
        return 0;
    size_t n = pacer->config.max_packets;
    return sizeof(*pacer) + n * sizeof(*pacer->slots) + n * pacer->config.max_packet_size +
           n * sizeof(uint32_t) * (1 + PEER__PACER_PRIORITY_COUNT);
}

const peer__pacer_stats_t *peer__pacer_stats(const peer__pacer_t *pacer)
{
    return &pacer->stats;
}
