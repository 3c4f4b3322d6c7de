/* peers/send_history.c: the sender's RTX history of one media stream (see
 * send_history.h for the behaviour and its defaults).
 *
 * References: RFC 4588 section 4 (the RTX packet: own SSRC, payload type
 * and sequence space, OSN first in the payload; built by rtp_rtx_wrap()),
 * sent in answer to RFC 4585 section 6.2.1 generic NACKs; RFC 3550
 * appendix A.1 (extended sequence numbers); libwebrtc's RtpPacketHistory
 * (modules/rtp_rtcp/source/rtp_packet_history.cc: a bounded history, and
 * no retransmission of a packet more than once per RTT).
 *
 * Storage is one array of `capacity` slots; extended sequence number e
 * lives in slot e mod capacity, which remembers e, so an overwritten packet
 * is told apart from the one that replaced it. A NACKed 16-bit number is
 * extended relative to the newest stored packet, which the capacity bound
 * (at most half the circle) makes unambiguous. */
#include "peers/send_history.h"

#include <stdlib.h>
#include <string.h>

#define MS 1000u

typedef struct history_slot {
    int64_t ext_seq; /* -1: empty */
    uint64_t stored_us;
    uint64_t last_resend_us;
    uint32_t resend_count;
    uint32_t len;
} history_slot_t;

struct peer__send_history {
    peer__send_history_config_t config;
    history_slot_t *slots;
    uint8_t *arena; /* capacity * slot_size bytes */
    uint64_t rtt_us;
    bool started;
    int64_t newest; /* extended sequence number of the newest stored packet */
    uint16_t next_rtx_seq;
    peer__send_history_stats_t stats;
};

peer__send_history_config_t peer__send_history_config_default(void)
{
    return (peer__send_history_config_t){
        .capacity = 600,
        .slot_size = 1500,
        .max_age_ms = 1000,
        .rtx_ssrc = 0,
        .rtx_pt = 97,
        .first_rtx_seq = 0,
        .default_rtt_ms = 100,
    };
}

static bool config_valid(const peer__send_history_config_t *c)
{
    return c->capacity >= 1 && c->capacity <= PEER__SEND_HISTORY_MAX_CAPACITY &&
           c->slot_size >= PEER__SEND_HISTORY_MIN_SLOT_SIZE &&
           c->slot_size <= PEER__SEND_HISTORY_MAX_SLOT_SIZE && c->max_age_ms > 0 &&
           c->rtx_pt <= 127;
}

rtp_err_t peer__send_history_create(const peer__send_history_config_t *config,
                                    peer__send_history_t **out)
{
    if (config == NULL || out == NULL || !config_valid(config))
        return RTP_ERR_INVALID_ARG;
    peer__send_history_t *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return RTP_ERR_NO_SPACE;
    h->config = *config;
    h->slots = calloc(config->capacity, sizeof(*h->slots));
    h->arena = malloc((size_t)config->capacity * config->slot_size);
    if (h->slots == NULL || h->arena == NULL)
        goto fail;
    for (uint32_t i = 0; i < config->capacity; i++)
        h->slots[i].ext_seq = -1;
    h->rtt_us = (uint64_t)config->default_rtt_ms * MS;
    h->next_rtx_seq = config->first_rtx_seq;
    *out = h;
    return RTP_OK;
fail:
    peer__send_history_destroy(h);
    return RTP_ERR_NO_SPACE;
}

void peer__send_history_destroy(peer__send_history_t *history)
{
    if (history == NULL)
        return;
    free(history->slots);
    free(history->arena);
    free(history);
}

static size_t slot_index(const peer__send_history_t *h, int64_t ext_seq)
{
    return (size_t)((uint64_t)ext_seq % h->config.capacity);
}

static uint8_t *slot_bytes(const peer__send_history_t *h, size_t index)
{
    return h->arena + index * h->config.slot_size;
}

/* The extended sequence number nearest the newest stored packet. */
static int64_t extend(const peer__send_history_t *h, uint16_t seq)
{
    return h->newest + rtp_seq_diff((uint16_t)h->newest, seq);
}

rtp_err_t peer__send_history_store(peer__send_history_t *history, const uint8_t *pkt, size_t len,
                                   uint64_t now_us)
{
    if (history == NULL)
        return RTP_ERR_INVALID_ARG;
    rtp_header_t hdr;
    rtp_err_t err = pkt == NULL ? RTP_ERR_INVALID_ARG : rtp_parse(pkt, len, &hdr);
    if (err == RTP_OK && len > history->config.slot_size)
        err = RTP_ERR_NO_SPACE;
    /* Extended sequence numbers start high enough that one from just
     * before the first packet stays non-negative. */
    int64_t ext = 0;
    if (err == RTP_OK) {
        ext = history->started ? extend(history, hdr.seq) : (int64_t)65536 + hdr.seq;
        if (history->started && ext <= history->newest - (int64_t)history->config.capacity)
            err = RTP_ERR_INVALID_ARG;
    }
    if (err != RTP_OK) {
        history->stats.store_refused++;
        return err;
    }
    if (!history->started || ext > history->newest)
        history->newest = ext;
    history->started = true;
    size_t index = slot_index(history, ext);
    history_slot_t *slot = &history->slots[index];
    slot->ext_seq = ext;
    slot->stored_us = now_us;
    slot->last_resend_us = 0;
    slot->resend_count = 0;
    slot->len = (uint32_t)len;
    memcpy(slot_bytes(history, index), pkt, len);
    history->stats.stored++;
    return RTP_OK;
}

void peer__send_history_set_rtt(peer__send_history_t *history, uint64_t rtt_us)
{
    if (history != NULL)
        history->rtt_us = rtt_us;
}

/* The slot holding `seq`, or NULL; *expired tells an age miss apart. */
static history_slot_t *find(const peer__send_history_t *h, uint16_t seq, uint64_t now_us,
                            bool *expired)
{
    *expired = false;
    if (!h->started)
        return NULL;
    int64_t ext = extend(h, seq);
    history_slot_t *slot = &h->slots[slot_index(h, ext)];
    if (ext < 0 || slot->ext_seq != ext)
        return NULL;
    if (now_us > slot->stored_us &&
        now_us - slot->stored_us > (uint64_t)h->config.max_age_ms * MS) {
        *expired = true;
        return NULL;
    }
    return slot;
}

bool peer__send_history_contains(const peer__send_history_t *history, uint16_t seq, uint64_t now_us)
{
    bool expired;
    return history != NULL && find(history, seq, now_us, &expired) != NULL;
}

peer__rtx_result_t peer__send_history_resend(peer__send_history_t *history, uint16_t seq,
                                             uint64_t now_us, uint8_t *out, size_t cap,
                                             size_t *out_len)
{
    history->stats.nacked++;
    bool expired;
    history_slot_t *slot = find(history, seq, now_us, &expired);
    if (slot == NULL) {
        history->stats.misses++;
        if (expired)
            history->stats.expired++;
        return PEER__RTX_MISS;
    }
    if (slot->resend_count > 0 && now_us < slot->last_resend_us + history->rtt_us) {
        history->stats.too_soon++;
        return PEER__RTX_TOO_SOON;
    }
    size_t needed = (size_t)slot->len + PEER__RTX_OVERHEAD;
    if (out == NULL || cap < needed) {
        if (out_len != NULL)
            *out_len = needed;
        history->stats.no_space++;
        return PEER__RTX_NO_SPACE;
    }
    size_t written = 0;
    const uint8_t *original = slot_bytes(history, slot_index(history, slot->ext_seq));
    /* The original parsed when it was stored and the size was checked
     * above, so wrapping cannot fail. */
    if (rtp_rtx_wrap(original, slot->len, history->config.rtx_ssrc, history->config.rtx_pt,
                     history->next_rtx_seq, out, cap, &written) != RTP_OK) {
        history->stats.no_space++;
        return PEER__RTX_NO_SPACE;
    }
    history->next_rtx_seq++;
    slot->resend_count++;
    slot->last_resend_us = now_us;
    history->stats.retransmitted++;
    history->stats.rtx_bytes += written;
    if (out_len != NULL)
        *out_len = written;
    return PEER__RTX_SENT;
}

size_t peer__send_history_on_nack(peer__send_history_t *history, const uint16_t *seqs,
                                  size_t n_seqs, uint64_t now_us, uint8_t *out, size_t cap,
                                  size_t *lens, size_t max_packets)
{
    if (history == NULL || (seqs == NULL && n_seqs > 0))
        return 0;
    size_t count = 0;
    size_t used = 0;
    for (size_t i = 0; i < n_seqs; i++) {
        if (count == max_packets || out == NULL || lens == NULL) {
            /* No room for any packet: these are neither looked up nor sent. */
            history->stats.nacked += n_seqs - i;
            history->stats.no_space += n_seqs - i;
            break;
        }
        size_t len = 0;
        peer__rtx_result_t r =
            peer__send_history_resend(history, seqs[i], now_us, out + used, cap - used, &len);
        if (r == PEER__RTX_NO_SPACE) {
            history->stats.nacked += n_seqs - i - 1;
            history->stats.no_space += n_seqs - i - 1;
            break;
        }
        if (r == PEER__RTX_SENT) {
            lens[count++] = len;
            used += len;
        }
    }
    return count;
}

uint16_t peer__send_history_next_rtx_seq(const peer__send_history_t *history)
{
    return history->next_rtx_seq;
}

size_t peer__send_history_memory_bytes(const peer__send_history_t *history)
{
    if (history == NULL)
        return 0;
    return sizeof(*history) + (size_t)history->config.capacity * sizeof(*history->slots) +
           (size_t)history->config.capacity * history->config.slot_size;
}

const peer__send_history_stats_t *peer__send_history_stats(const peer__send_history_t *history)
{
    return &history->stats;
}
