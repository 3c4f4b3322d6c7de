/* sfu/history.c: the send history of one outgoing stream (see history.h),
 * which answers NACKs (RFC 4585 section 6.2.1) with retransmissions
 * (RFC 4588).
 *
 * Sequence numbers are extended to 64 bits relative to the newest stored
 * packet (RFC 3550 appendix A.1: the nearest unwrapped value), and packet n
 * lives in slot n mod capacity. A slot records the extended number it
 * holds, so a lookup tells "this packet" from "an older one that shared the
 * slot" without scanning. The window of the ring is the `capacity` numbers
 * ending at the newest stored one; older packets are overwritten, gaps in
 * the window are slots that still hold an older number, or none.
 *
 * The age bound is checked on lookup rather than by sweeping, so storing
 * stays O(1). Ideas follow mediasoup's RtpStreamSend retransmission buffer
 * (2500 packets) and libwebrtc's RtpPacketHistory (per-packet resend time
 * and count, at most one resend per RTT). */
#include "sfu/history.h"

#include <stdlib.h>
#include <string.h>

typedef struct sfu__history_slot {
    int64_t seq_ext; /* the extended sequence number held; valid when `used` */
    uint64_t stored_us;
    uint64_t last_resend_us;
    uint32_t resend_count;
    uint16_t len;
    bool used;
} sfu__history_slot_t;

struct sfu__history {
    sfu__history_config_t config;
    sfu__history_slot_t *slots; /* capacity entries */
    uint8_t *bytes;             /* capacity * slot_size */
    bool started;               /* a packet was stored since creation or the last clear */
    int64_t newest_ext;         /* the newest stored extended number */
    int64_t first_ext;          /* the first stored one: nothing older was ever seen */
    sfu__history_stats_t stats;
};

sfu__history_config_t sfu__history_config_default(void)
{
    return (sfu__history_config_t){
        .capacity = 2500,
        .slot_size = 1500,
        .history_ms = 1000,
    };
}

static bool sfu__history_config_valid(const sfu__history_config_t *c)
{
    return c->capacity > 0 && c->capacity <= SFU__HISTORY_MAX_CAPACITY &&
           c->slot_size >= SFU__HISTORY_MIN_SLOT_SIZE &&
           c->slot_size <= SFU__HISTORY_MAX_SLOT_SIZE && c->history_ms > 0;
}

sfu_err_t sfu__history_create(const sfu__history_config_t *config, sfu__history_t **out)
{
    if (config == NULL || out == NULL || !sfu__history_config_valid(config))
        return SFU_ERR_INVALID_ARG;
    *out = NULL;

    sfu__history_t *h = calloc(1, sizeof *h);
    if (h == NULL)
        return SFU_ERR_NO_MEMORY;
    h->config = *config;
    h->slots = calloc(config->capacity, sizeof *h->slots);
    h->bytes = malloc((size_t)config->capacity * config->slot_size);
    if (h->slots == NULL || h->bytes == NULL)
        goto fail;
    *out = h;
    return SFU_OK;

fail:
    sfu__history_destroy(h);
    return SFU_ERR_NO_MEMORY;
}

void sfu__history_destroy(sfu__history_t *history)
{
    if (history == NULL)
        return;
    free(history->slots);
    free(history->bytes);
    free(history);
}

void sfu__history_clear(sfu__history_t *history)
{
    memset(history->slots, 0, (size_t)history->config.capacity * sizeof *history->slots);
    history->started = false;
    history->newest_ext = 0;
    history->first_ext = 0;
}

/* The extended number of `seq`: the one nearest the newest stored packet. */
static int64_t sfu__history_extend(const sfu__history_t *h, uint16_t seq)
{
    uint16_t newest = (uint16_t)h->newest_ext;
    return h->newest_ext + (int64_t)(int16_t)(uint16_t)(seq - newest);
}

static sfu__history_slot_t *sfu__history_slot_of(sfu__history_t *h, int64_t seq_ext)
{
    /* seq_ext may be negative (a packet from before the first one stored,
     * extended downwards); keep the index in range. */
    int64_t cap = h->config.capacity;
    int64_t index = ((seq_ext % cap) + cap) % cap;
    return &h->slots[index];
}

static uint8_t *sfu__history_bytes_of(sfu__history_t *h, const sfu__history_slot_t *slot)
{
    return h->bytes + (size_t)(slot - h->slots) * h->config.slot_size;
}

/* True when seq_ext is older than the window of the ring. */
static bool sfu__history_before_window(const sfu__history_t *h, int64_t seq_ext)
{
    return seq_ext <= h->newest_ext - (int64_t)h->config.capacity;
}

sfu_err_t sfu__history_store(sfu__history_t *history, uint16_t seq, const uint8_t *pkt, size_t len,
                             uint64_t now_us)
{
    if (pkt == NULL && len > 0)
        return SFU_ERR_INVALID_ARG;
    if (len > history->config.slot_size) {
        history->stats.store_refused++;
        return SFU_ERR_NO_SPACE;
    }
    int64_t seq_ext = history->started ? sfu__history_extend(history, seq) : seq;
    if (history->started && sfu__history_before_window(history, seq_ext)) {
        history->stats.store_refused++;
        return SFU_ERR_EVICTED;
    }

    if (!history->started) {
        history->started = true;
        history->newest_ext = seq_ext;
        history->first_ext = seq_ext;
    }
    if (seq_ext > history->newest_ext)
        history->newest_ext = seq_ext;
    if (seq_ext < history->first_ext)
        history->first_ext = seq_ext;

    sfu__history_slot_t *slot = sfu__history_slot_of(history, seq_ext);
    *slot = (sfu__history_slot_t){
        .seq_ext = seq_ext,
        .stored_us = now_us,
        .len = (uint16_t)len,
        .used = true,
    };
    if (len > 0)
        memcpy(sfu__history_bytes_of(history, slot), pkt, len);
    history->stats.stored++;
    return SFU_OK;
}

static bool sfu__history_aged_out(const sfu__history_t *h, const sfu__history_slot_t *slot,
                                  uint64_t now_us)
{
    uint64_t max_age_us = (uint64_t)h->config.history_ms * 1000u;
    return now_us > slot->stored_us && now_us - slot->stored_us > max_age_us;
}

/* Classifies `seq` and returns its slot when it is served; *err says why
 * not otherwise. Does not count. */
static sfu__history_slot_t *sfu__history_find(sfu__history_t *h, uint16_t seq, uint64_t now_us,
                                              sfu_err_t *err)
{
    *err = SFU_ERR_NOT_FOUND;
    if (!h->started)
        return NULL;
    int64_t seq_ext = sfu__history_extend(h, seq);
    if (seq_ext > h->newest_ext || seq_ext < h->first_ext)
        return NULL;
    if (sfu__history_before_window(h, seq_ext)) {
        *err = SFU_ERR_EVICTED;
        return NULL;
    }
    sfu__history_slot_t *slot = sfu__history_slot_of(h, seq_ext);
    if (!slot->used || slot->seq_ext != seq_ext)
        return NULL; /* a gap: the slot holds an older packet, or none */
    if (sfu__history_aged_out(h, slot, now_us)) {
        *err = SFU_ERR_EVICTED;
        return NULL;
    }
    *err = SFU_OK;
    return slot;
}

static void sfu__history_describe(sfu__history_t *h, const sfu__history_slot_t *slot,
                                  sfu__history_packet_t *out)
{
    if (out == NULL)
        return;
    *out = (sfu__history_packet_t){
        .bytes = sfu__history_bytes_of(h, slot),
        .len = slot->len,
        .seq = (uint16_t)slot->seq_ext,
        .stored_us = slot->stored_us,
        .resend_count = slot->resend_count,
        .last_resend_us = slot->last_resend_us,
    };
}

static void sfu__history_count_lookup(sfu__history_t *h, sfu_err_t err)
{
    h->stats.lookups++;
    if (err == SFU_OK)
        h->stats.hits++;
    else if (err == SFU_ERR_EVICTED)
        h->stats.evicted++;
    else
        h->stats.not_found++;
}

sfu_err_t sfu__history_lookup(sfu__history_t *history, uint16_t seq, uint64_t now_us,
                              sfu__history_packet_t *out)
{
    sfu_err_t err;
    sfu__history_slot_t *slot = sfu__history_find(history, seq, now_us, &err);
    sfu__history_count_lookup(history, err);
    if (slot != NULL)
        sfu__history_describe(history, slot, out);
    return err;
}

bool sfu__history_resend_allowed(const sfu__history_packet_t *p, uint64_t now_us,
                                 uint64_t min_interval_us)
{
    if (p->resend_count == 0)
        return true;
    return now_us >= p->last_resend_us && now_us - p->last_resend_us >= min_interval_us;
}

sfu_err_t sfu__history_resend(sfu__history_t *history, uint16_t seq, uint64_t now_us,
                              uint64_t min_interval_us, sfu__history_packet_t *out)
{
    sfu__history_packet_t found;
    sfu_err_t err;
    sfu__history_slot_t *slot = sfu__history_find(history, seq, now_us, &err);
    sfu__history_count_lookup(history, err);
    if (slot == NULL)
        return err;

    sfu__history_describe(history, slot, &found);
    if (out != NULL)
        *out = found;
    if (!sfu__history_resend_allowed(&found, now_us, min_interval_us)) {
        history->stats.resends_too_soon++;
        return SFU_ERR_TOO_SOON;
    }
    slot->resend_count++;
    slot->last_resend_us = now_us;
    history->stats.resends++;
    return SFU_OK;
}

const sfu__history_config_t *sfu__history_config(const sfu__history_t *history)
{
    return &history->config;
}

size_t sfu__history_memory_bytes(const sfu__history_t *history)
{
    size_t cap = history->config.capacity;
    return sizeof *history + cap * sizeof *history->slots + cap * history->config.slot_size;
}

const sfu__history_stats_t *sfu__history_stats(const sfu__history_t *history)
{
    return &history->stats;
}
