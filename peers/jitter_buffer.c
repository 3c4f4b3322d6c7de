/* peers/jitter_buffer.c: depacketizer and jitter buffer of one incoming
 * stream (see jitter_buffer.h for the behaviour and its defaults).
 *
 * References: RFC 3550 appendix A.1 (extended sequence numbers) and section
 * 6.4.1 (interarrival jitter: transit = arrival - RTP time, which the audio
 * playout delay is built on); RFC 7741 sections 4.2-4.4 (VP8 descriptor,
 * frame boundaries: S=1 PID 0 starts a frame, the marker ends it); RFC 7587
 * section 4.2 (one Opus frame per packet); RFC 4585 sections 3.5.1 and 6.2.1
 * (when to NACK) and 6.3.1 (PLI); av1-rtp-spec appendix A.8.3 (a structure
 * on a frame's first packet marks a keyframe); RFC 9626 (frame marking I).
 *
 * Storage is one ring of max_packets slots indexed by extended sequence
 * number modulo max_packets, with a payload arena beside it. The positions
 * [base, highest] are "covered": each has a slot that is present, missing
 * (a gap seen, maybe NACKed) or lost (given up). base is the oldest
 * position not yet released or dropped; highest - base < max_packets
 * always holds, which is what bounds memory and every scan. NACK state
 * lives in the missing slots themselves, so there is no second list to
 * bound. */
#include "peers/jitter_buffer.h"

#include <stdlib.h>
#include <string.h>

#define MS 1000u
/* Values kept to find the 95th percentile of PEER__JB_JITTER_WINDOW. */
#define TOP_MAX (PEER__JB_JITTER_WINDOW / 20u + 2u)

typedef enum slot_state {
    SLOT_MISSING = 0,
    SLOT_PRESENT,
    SLOT_LOST,
} slot_state_t;

typedef struct jb_slot {
    int64_t pos;    /* extended sequence number */
    int64_t ts_ext; /* extended RTP timestamp (audio) */
    uint8_t state;  /* slot_state_t */
    bool received;  /* a packet filled it (kept after it is played) */
    bool frame_start;
    bool marker;
    bool keyframe; /* frame_start of a keyframe */
    uint16_t frame_number;
    uint32_t ts;
    uint32_t payload_len;
    uint32_t nack_count;
    uint64_t arrival_us;   /* present: arrival; missing: when the gap was seen */
    uint64_t next_nack_us; /* missing: next NACK, or give-up once retries are spent */
} jb_slot_t;

struct peer__jitter_buffer {
    peer__jitter_buffer_config_t config;
    uint64_t rtt_us;
    jb_slot_t *slots;
    uint8_t *arena;
    uint64_t mask;
    rtp_seq_unwrapper_t unwrapper;
    bool started;
    int64_t base;
    int64_t highest;
    size_t stored;
    bool base_moved; /* something was released or dropped */
    uint64_t first_arrival_us;
    /* Video decodability and keyframe requests. */
    bool need_keyframe;
    bool pli_wanted;
    bool pli_sent;
    uint64_t last_pli_us;
    bool have_key_start;
    int64_t key_start;
    uint64_t nack_due_us;
    bool have_structure;
    rtp_dd_structure_t dd_structure;
    /* Audio playout. */
    bool ts_started;
    uint32_t ts_last;
    int64_t ts_ext_last;
    int64_t step_ts;
    double transit[PEER__JB_JITTER_WINDOW];
    size_t transit_count;
    size_t transit_next;
    double min_transit_us;
    double target_delay_us;
    peer__jb_stats_t stats;
};

peer__jitter_buffer_config_t peer__jitter_buffer_config_default(peer__media_kind_t kind)
{
    peer__jitter_buffer_config_t c = {
        .kind = kind,
        .signal = PEER__SIGNAL_NONE,
        .max_packets = 512,
        .max_payload = 1200,
        .max_frame_size = 512u * 1024u,
        .nack = true,
        .nack_max_retries = 10,
        .nack_min_interval_ms = 20,
        .default_rtt_ms = 100,
        .nack_max_age_ms = 1000,
        .pli_interval_ms = 300,
        .startup_wait_ms = 50,
        .clock_rate_hz = 90000,
        .audio_min_delay_ms = 20,
        .audio_max_delay_ms = 200,
        .audio_extra_delay_ms = 5,
    };
    if (kind == PEER__MEDIA_AUDIO) {
        c.max_packets = 64;
        c.max_frame_size = 1200;
        c.nack = false;
        c.clock_rate_hz = 48000;
    }
    return c;
}

static bool config_valid(const peer__jitter_buffer_config_t *c)
{
    bool pow2 = c->max_packets != 0 && (c->max_packets & (c->max_packets - 1)) == 0;
    return pow2 && c->max_packets >= 16 && c->max_packets <= PEER__JB_MAX_PACKETS &&
           c->max_payload >= 1 && c->max_payload <= 65536 && c->max_frame_size >= 1 &&
           c->nack_max_retries >= 1 && c->nack_max_age_ms >= 1 && c->clock_rate_hz >= 1000 &&
           c->audio_min_delay_ms <= c->audio_max_delay_ms && c->audio_max_delay_ms <= 10000 &&
           (c->kind == PEER__MEDIA_AUDIO || c->kind == PEER__MEDIA_VIDEO);
}

rtp_err_t peer__jitter_buffer_create(const peer__jitter_buffer_config_t *config,
                                     peer__jitter_buffer_t **out)
{
    if (config == NULL || out == NULL || !config_valid(config))
        return RTP_ERR_INVALID_ARG;
    *out = NULL;
    peer__jitter_buffer_t *jb = calloc(1, sizeof *jb);
    if (jb == NULL)
        return RTP_ERR_NO_SPACE;
    jb->slots = calloc(config->max_packets, sizeof *jb->slots);
    jb->arena = malloc((size_t)config->max_packets * config->max_payload);
    if (jb->slots == NULL || jb->arena == NULL)
        goto fail;
    jb->config = *config;
    jb->rtt_us = (uint64_t)config->default_rtt_ms * MS;
    jb->mask = config->max_packets - 1u;
    jb->need_keyframe = true; /* nothing decodable before the first keyframe */
    jb->nack_due_us = UINT64_MAX;
    jb->target_delay_us = (double)config->audio_min_delay_ms * MS;
    jb->stats.audio_target_delay_us = config->audio_min_delay_ms * MS;
    *out = jb;
    return RTP_OK;
fail:
    peer__jitter_buffer_destroy(jb);
    return RTP_ERR_NO_SPACE;
}

void peer__jitter_buffer_destroy(peer__jitter_buffer_t *jb)
{
    if (jb == NULL)
        return;
    free(jb->slots);
    free(jb->arena);
    free(jb);
}

static jb_slot_t *slot_at(const peer__jitter_buffer_t *jb, int64_t pos)
{
    return &jb->slots[(uint64_t)pos & jb->mask];
}

static uint8_t *payload_at(const peer__jitter_buffer_t *jb, int64_t pos)
{
    return jb->arena + ((uint64_t)pos & jb->mask) * jb->config.max_payload;
}

/* A frame was or will be dropped: wait for a keyframe and ask for one. */
static void keyframe_needed(peer__jitter_buffer_t *jb)
{
    jb->need_keyframe = true;
    jb->pli_wanted = true;
}

/* Forgets positions [base, to), moving base to `to`. */
static void drop_until(peer__jitter_buffer_t *jb, int64_t to)
{
    for (int64_t p = jb->base; p < to && p <= jb->highest; p++) {
        jb_slot_t *s = slot_at(jb, p);
        if (s->state == SLOT_PRESENT) {
            jb->stored--;
            if (s->frame_start)
                jb->stats.frames_dropped++;
        }
        s->state = SLOT_LOST;
    }
    if (to > jb->base)
        jb->base_moved = true;
    jb->base = to;
}

/* --- Receiving -------------------------------------------------------- */

static void init_missing(peer__jitter_buffer_t *jb, int64_t pos, uint64_t now_us)
{
    jb_slot_t *s = slot_at(jb, pos);
    memset(s, 0, sizeof *s);
    s->pos = pos;
    s->state = SLOT_MISSING;
    s->arrival_us = now_us;
    s->next_nack_us = now_us;
    if (jb->config.nack && now_us < jb->nack_due_us)
        jb->nack_due_us = now_us;
}

/* Makes room for `pos` > highest: keeps highest - base < max_packets. */
static void advance_window(peer__jitter_buffer_t *jb, int64_t pos, uint64_t now_us)
{
    int64_t window = (int64_t)jb->config.max_packets;
    if (pos - jb->base >= window) {
        jb->stats.overflows++;
        bool video = jb->config.kind == PEER__MEDIA_VIDEO;
        if (pos - jb->highest >= window) {
            /* A jump beyond the whole window: start over at pos. */
            drop_until(jb, jb->highest + 1);
            jb->base = pos;
            jb->highest = pos - 1;
        } else {
            drop_until(jb, pos - window + 1);
        }
        if (video)
            keyframe_needed(jb);
    }
    int64_t first_new = jb->highest + 1 > jb->base ? jb->highest + 1 : jb->base;
    for (int64_t p = first_new; p < pos; p++)
        init_missing(jb, p, now_us);
    jb->highest = pos;
}

/* Startup: a packet from before the first one arrived (reordered); the
 * window grows back to it, and the positions in between become missing. */
static void extend_back(peer__jitter_buffer_t *jb, int64_t pos, uint64_t now_us)
{
    for (int64_t p = pos; p < jb->base; p++)
        init_missing(jb, p, now_us);
    jb->base = pos;
}

/* Keyframe flag and frame number of a frame's first packet (video). */
static void read_frame_start(peer__jitter_buffer_t *jb, const rtp_header_t *h,
                             const rtp_vp8_desc_t *desc, const uint8_t *vp8, size_t vp8_len,
                             jb_slot_t *s)
{
    const peer__jitter_buffer_config_t *c = &jb->config;
    s->frame_number = desc->has_picture_id ? desc->picture_id : 0;
    rtp_ext_elem_t e;
    if (c->signal == PEER__SIGNAL_DD) {
        if (c->ext_dd == 0 || rtp_ext_find(h, c->ext_dd, &e) != RTP_OK)
            return;
        rtp_dd_t dd;
        rtp_err_t err = rtp_dd_parse(e.value, e.len, jb->have_structure ? &jb->dd_structure : NULL,
                                     &dd, &jb->dd_structure);
        if (e.len >= RTP_DD_MANDATORY_SIZE)
            s->frame_number = dd.frame_number;
        if (err == RTP_OK && dd.has_structure)
            jb->have_structure = true;
        s->keyframe = err == RTP_OK && rtp_dd_is_keyframe_start(&dd);
    } else if (c->signal == PEER__SIGNAL_FRAME_MARKING) {
        rtp_frame_marking_t fm;
        s->keyframe = c->ext_frame_marking != 0 &&
                      rtp_ext_find(h, c->ext_frame_marking, &e) == RTP_OK &&
                      rtp_ext_frame_marking_parse(&e, &fm) == RTP_OK && fm.independent;
    } else if (c->keyframe_check != NULL) {
        s->keyframe = c->keyframe_check(c->keyframe_check_ctx, vp8, vp8_len);
    } else {
        /* RFC 7741 section 4.3: P = 0 in the first byte is a keyframe. */
        s->keyframe = (vp8[0] & 1u) == 0;
    }
}

/* Audio: the transit of one packet and the playout delay it implies. Late
 * packets count too: they are the jitter the delay failed to cover. */
static void update_audio_delay(peer__jitter_buffer_t *jb, int64_t ts_ext, uint64_t arrival_us)
{
    double ts_us = (double)ts_ext * 1e6 / (double)jb->config.clock_rate_hz;
    double transit = (double)arrival_us - ts_us;
    jb->transit[jb->transit_next] = transit;
    jb->transit_next = (jb->transit_next + 1) % PEER__JB_JITTER_WINDOW;
    if (jb->transit_count < PEER__JB_JITTER_WINDOW)
        jb->transit_count++;
    double min = jb->transit[0];
    for (size_t i = 1; i < jb->transit_count; i++)
        if (jb->transit[i] < min)
            min = jb->transit[i];
    /* 95th percentile of the delay above the fastest packet: the k-th
     * largest value, k = n - floor(0.95 n) <= 7, kept in a small array in
     * one pass rather than by sorting the window. */
    size_t n = jb->transit_count;
    size_t k = n - (n * 95) / 100;
    double top[TOP_MAX]; /* descending */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        double v = jb->transit[i] - min;
        if (kept == k && v <= top[k - 1])
            continue;
        size_t j = kept < k ? kept++ : k - 1;
        for (; j > 0 && top[j - 1] < v; j--)
            top[j] = top[j - 1];
        top[j] = v;
    }
    double target = top[k - 1] + (double)jb->config.audio_extra_delay_ms * MS;
    double lo = (double)jb->config.audio_min_delay_ms * MS;
    double hi = (double)jb->config.audio_max_delay_ms * MS;
    jb->target_delay_us = target < lo ? lo : target > hi ? hi : target;
    jb->min_transit_us = min;
    jb->stats.audio_target_delay_us = (uint32_t)jb->target_delay_us;
}

static int64_t extend_ts(peer__jitter_buffer_t *jb, uint32_t ts)
{
    if (!jb->ts_started) {
        jb->ts_started = true;
        jb->ts_last = ts;
        jb->ts_ext_last = ts;
        return ts;
    }
    jb->ts_ext_last += (int32_t)(ts - jb->ts_last);
    jb->ts_last = ts;
    return jb->ts_ext_last;
}

static void store_audio(peer__jitter_buffer_t *jb, jb_slot_t *s, int64_t pos, int64_t ts_ext)
{
    s->ts_ext = ts_ext;
    {
        const jb_slot_t *prev = slot_at(jb, pos - 1);
        int64_t step = s->ts_ext - prev->ts_ext;
        /* A plausible frame duration: up to 120 ms (RFC 6716 R5). */
        if (prev->received && prev->pos == pos - 1 && step > 0 &&
            step <= (int64_t)jb->config.clock_rate_hz * 120 / 1000)
            jb->step_ts = step;
    }
}

peer__jb_rx_t peer__jitter_buffer_receive(peer__jitter_buffer_t *jb, const uint8_t *pkt, size_t len,
                                          uint64_t now_us)
{
    if (jb == NULL || pkt == NULL)
        return PEER__JB_RX_MALFORMED;
    jb->stats.received++;
    bool video = jb->config.kind == PEER__MEDIA_VIDEO;
    rtp_header_t h;
    rtp_vp8_desc_t desc;
    memset(&desc, 0, sizeof desc);
    size_t desc_len = 0;
    if (rtp_parse(pkt, len, &h) != RTP_OK || h.payload_len == 0 ||
        (video && rtp_vp8_desc_parse(h.payload, h.payload_len, &desc, &desc_len) != RTP_OK)) {
        jb->stats.malformed++;
        return PEER__JB_RX_MALFORMED;
    }
    const uint8_t *body = h.payload + desc_len;
    size_t body_len = h.payload_len - desc_len;
    if (body_len > jb->config.max_payload) {
        jb->stats.too_large++;
        return PEER__JB_RX_TOO_LARGE;
    }
    int64_t pos = rtp_seq_unwrap(&jb->unwrapper, h.seq);
    int64_t ts_ext = 0;
    if (!video) {
        ts_ext = extend_ts(jb, h.timestamp);
        update_audio_delay(jb, ts_ext, now_us);
    }
    if (!jb->started) {
        jb->started = true;
        jb->base = pos;
        jb->highest = pos - 1;
        jb->first_arrival_us = now_us;
    }
    if (pos < jb->base) {
        if (jb->base_moved || jb->highest - pos >= (int64_t)jb->config.max_packets) {
            jb->stats.late++;
            return PEER__JB_RX_LATE;
        }
        extend_back(jb, pos, now_us);
    }
    jb_slot_t *s = slot_at(jb, pos);
    if (pos <= jb->highest) {
        if (s->state == SLOT_PRESENT) {
            jb->stats.duplicates++;
            return PEER__JB_RX_DUPLICATE;
        }
        if (s->state == SLOT_LOST) {
            jb->stats.late++;
            return PEER__JB_RX_LATE;
        }
        if (s->nack_count > 0)
            jb->stats.recovered++;
    } else {
        advance_window(jb, pos, now_us);
    }
    memset(s, 0, sizeof *s);
    s->pos = pos;
    s->state = SLOT_PRESENT;
    s->received = true;
    s->ts = h.timestamp;
    s->marker = h.marker;
    s->arrival_us = now_us;
    s->payload_len = (uint32_t)body_len;
    memcpy(payload_at(jb, pos), body, body_len);
    jb->stored++;
    if (video) {
        s->frame_start = rtp_vp8_desc_starts_frame(&desc);
        if (s->frame_start)
            read_frame_start(jb, &h, &desc, body, body_len, s);
        if (s->frame_start && s->keyframe && (!jb->have_key_start || pos > jb->key_start)) {
            jb->have_key_start = true;
            jb->key_start = pos;
        }
    } else {
        s->frame_start = true;
        s->frame_number = h.seq;
        store_audio(jb, s, pos, ts_ext);
    }
    return PEER__JB_RX_STORED;
}

/* --- NACK and PLI ----------------------------------------------------- */

static uint64_t retry_interval_us(const peer__jitter_buffer_t *jb)
{
    uint64_t floor_us = (uint64_t)jb->config.nack_min_interval_ms * MS;
    return jb->rtt_us > floor_us ? jb->rtt_us : floor_us;
}

/* True when a missing packet is no longer worth waiting for. */
static bool missing_expired(const peer__jitter_buffer_t *jb, const jb_slot_t *s, uint64_t now_us)
{
    if (now_us >= s->arrival_us &&
        now_us - s->arrival_us >= (uint64_t)jb->config.nack_max_age_ms * MS)
        return true;
    return jb->config.nack && s->nack_count >= jb->config.nack_max_retries &&
           now_us >= s->next_nack_us;
}

/* First position worth NACKing: while waiting for a keyframe, nothing
 * before the newest keyframe start matters. */
static int64_t nack_from(const peer__jitter_buffer_t *jb)
{
    if (jb->need_keyframe && jb->have_key_start && jb->key_start > jb->base)
        return jb->key_start;
    return jb->base;
}

size_t peer__jitter_buffer_poll_nack(peer__jitter_buffer_t *jb, uint64_t now_us, uint16_t *seqs,
                                     size_t cap)
{
    if (jb == NULL || !jb->started || !jb->config.nack || now_us < jb->nack_due_us)
        return 0;
    size_t n = 0;
    uint64_t due = UINT64_MAX;
    for (int64_t p = nack_from(jb); p <= jb->highest; p++) {
        jb_slot_t *s = slot_at(jb, p);
        if (s->state != SLOT_MISSING)
            continue;
        if (missing_expired(jb, s, now_us)) {
            s->state = SLOT_LOST;
            jb->stats.nacks_given_up++;
            continue;
        }
        if (s->next_nack_us <= now_us) {
            if (seqs == NULL || n >= cap) {
                due = now_us; /* more due than fit */
                continue;
            }
            seqs[n++] = (uint16_t)p;
            s->nack_count++;
            s->next_nack_us = now_us + retry_interval_us(jb);
            jb->stats.nacks_sent++;
        }
        uint64_t age_limit = s->arrival_us + (uint64_t)jb->config.nack_max_age_ms * MS;
        uint64_t next = s->next_nack_us < age_limit ? s->next_nack_us : age_limit;
        if (next < due)
            due = next;
    }
    jb->nack_due_us = due;
    return n;
}

bool peer__jitter_buffer_poll_pli(peer__jitter_buffer_t *jb, uint64_t now_us)
{
    if (jb == NULL || !jb->pli_wanted)
        return false;
    uint64_t interval = (uint64_t)jb->config.pli_interval_ms * MS;
    if (jb->pli_sent && now_us - jb->last_pli_us < interval && now_us >= jb->last_pli_us)
        return false;
    jb->pli_sent = true;
    jb->last_pli_us = now_us;
    jb->stats.plis++;
    return true;
}

void peer__jitter_buffer_request_keyframe(peer__jitter_buffer_t *jb, uint64_t now_us)
{
    (void)now_us;
    if (jb != NULL && jb->config.kind == PEER__MEDIA_VIDEO)
        keyframe_needed(jb);
}

void peer__jitter_buffer_set_rtt(peer__jitter_buffer_t *jb, uint64_t rtt_us)
{
    if (jb != NULL)
        jb->rtt_us = rtt_us;
}

/* --- Releasing video -------------------------------------------------- */

typedef enum scan {
    SCAN_COMPLETE,   /* [base, *end] is a whole frame */
    SCAN_INCOMPLETE, /* wait for more packets */
    SCAN_BROKEN,     /* [base, *end] cannot become a frame: drop it */
} scan_t;

/* Looks for the end of the frame starting at base. */
static scan_t scan_frame(const peer__jitter_buffer_t *jb, int64_t *end, size_t *size)
{
    const jb_slot_t *first = slot_at(jb, jb->base);
    size_t total = 0;
    for (int64_t p = jb->base; p <= jb->highest; p++) {
        const jb_slot_t *s = slot_at(jb, p);
        *end = p;
        if (s->state == SLOT_MISSING)
            return SCAN_INCOMPLETE;
        if (s->state == SLOT_LOST)
            return SCAN_BROKEN;
        if (p > jb->base && (s->frame_start || s->ts != first->ts)) {
            /* The previous frame never ended: its marker was missing. */
            *end = p - 1;
            return SCAN_BROKEN;
        }
        total += s->payload_len;
        if (total > jb->config.max_frame_size)
            return SCAN_BROKEN;
        if (s->marker) {
            *size = total;
            return SCAN_COMPLETE;
        }
    }
    return SCAN_INCOMPLETE;
}

static void copy_frame(peer__jitter_buffer_t *jb, int64_t end, uint64_t now_us, uint8_t *buf,
                       peer__jb_frame_t *frame)
{
    const jb_slot_t *first = slot_at(jb, jb->base);
    memset(frame, 0, sizeof *frame);
    frame->keyframe = first->keyframe;
    frame->rtp_timestamp = first->ts;
    frame->first_seq = (uint16_t)jb->base;
    frame->last_seq = (uint16_t)end;
    frame->frame_number = first->frame_number;
    frame->first_arrival_us = UINT64_MAX;
    frame->playout_us = now_us;
    size_t off = 0;
    for (int64_t p = jb->base; p <= end; p++) {
        const jb_slot_t *s = slot_at(jb, p);
        memcpy(buf + off, payload_at(jb, p), s->payload_len);
        off += s->payload_len;
        if (s->arrival_us < frame->first_arrival_us)
            frame->first_arrival_us = s->arrival_us;
        if (s->arrival_us > frame->last_arrival_us)
            frame->last_arrival_us = s->arrival_us;
        frame->packets++;
    }
    frame->size = off;
    jb->stored -= frame->packets;
    jb->base = end + 1;
    jb->base_moved = true;
    jb->stats.frames_released++;
    if (frame->keyframe) {
        jb->need_keyframe = false;
        jb->pli_wanted = false;
    }
}

/* Until the first release or drop, what sits at base may still be preceded
 * by reordered packets: give them startup_wait_ms before dropping it. */
static bool startup_hold(const peer__jitter_buffer_t *jb, uint64_t now_us)
{
    return !jb->base_moved &&
           now_us < jb->first_arrival_us + (uint64_t)jb->config.startup_wait_ms * MS;
}

static rtp_err_t pop_video(peer__jitter_buffer_t *jb, uint64_t now_us, uint8_t *buf, size_t cap,
                           peer__jb_frame_t *frame)
{
    while (jb->base <= jb->highest) {
        if (jb->need_keyframe && jb->have_key_start && jb->key_start > jb->base) {
            drop_until(jb, jb->key_start);
            continue;
        }
        jb_slot_t *s = slot_at(jb, jb->base);
        if (s->state == SLOT_MISSING) {
            if (!missing_expired(jb, s, now_us))
                return RTP_ERR_END;
            s->state = SLOT_LOST;
            jb->stats.nacks_given_up++;
        }
        if (s->state == SLOT_LOST || !s->frame_start || (jb->need_keyframe && !s->keyframe)) {
            if (startup_hold(jb, now_us))
                return RTP_ERR_END;
            /* Unrecoverable, a frame without its start, or undecodable. */
            drop_until(jb, jb->base + 1);
            keyframe_needed(jb);
            continue;
        }
        int64_t end = jb->base;
        size_t size = 0;
        scan_t r = scan_frame(jb, &end, &size);
        if (r == SCAN_INCOMPLETE) {
            /* A gap inside the frame that is no longer worth waiting for.
             * With NACK on, poll_nack gives up on it too; without NACK
             * this is the only place that does. */
            jb_slot_t *gap = slot_at(jb, end);
            if (gap->state != SLOT_MISSING || !missing_expired(jb, gap, now_us))
                return RTP_ERR_END;
            gap->state = SLOT_LOST;
            jb->stats.nacks_given_up++;
            continue;
        }
        if (r == SCAN_BROKEN) {
            drop_until(jb, end + 1);
            keyframe_needed(jb);
            continue;
        }
        if (size > cap) {
            memset(frame, 0, sizeof *frame);
            frame->size = size;
            return RTP_ERR_NO_SPACE;
        }
        copy_frame(jb, end, now_us, buf, frame);
        return RTP_OK;
    }
    return RTP_ERR_END;
}

/* --- Releasing audio -------------------------------------------------- */

static double audio_playout_us(const peer__jitter_buffer_t *jb, const jb_slot_t *s)
{
    double ts_us = (double)s->ts_ext * 1e6 / (double)jb->config.clock_rate_hz;
    return ts_us + jb->min_transit_us + jb->target_delay_us;
}

/* A time in double to uint64_t without overflow: hostile timestamps can
 * put it anywhere. */
static uint64_t clamp_us(double t)
{
    if (!(t > 0))
        return 0;
    if (t >= 1.8e19)
        return UINT64_MAX;
    return (uint64_t)t;
}

static bool is_due(double playout_us, uint64_t now_us)
{
    return (double)now_us >= playout_us;
}

/* When the frame at base is due: for a missing one, extrapolated back from
 * the next present packet by the frame duration. *next is that packet. */
static double audio_base_due_us(const peer__jitter_buffer_t *jb, const jb_slot_t **next)
{
    for (int64_t p = jb->base; p <= jb->highest; p++) {
        const jb_slot_t *s = slot_at(jb, p);
        if (s->state != SLOT_PRESENT)
            continue;
        *next = s;
        double step_us = (double)jb->step_ts * 1e6 / (double)jb->config.clock_rate_hz;
        return audio_playout_us(jb, s) - (double)(p - jb->base) * step_us;
    }
    *next = NULL;
    return 0;
}

static rtp_err_t pop_audio(peer__jitter_buffer_t *jb, uint64_t now_us, uint8_t *buf, size_t cap,
                           peer__jb_frame_t *frame)
{
    if (jb->base > jb->highest)
        return RTP_ERR_END;
    const jb_slot_t *next = NULL;
    double due_us = audio_base_due_us(jb, &next);
    if (next == NULL || !is_due(due_us, now_us))
        return RTP_ERR_END;
    jb_slot_t *s = slot_at(jb, jb->base);
    memset(frame, 0, sizeof *frame);
    frame->first_seq = frame->last_seq = (uint16_t)jb->base;
    frame->frame_number = (uint16_t)jb->base;
    frame->playout_us = clamp_us(due_us);
    if (s->state != SLOT_PRESENT) {
        int64_t back = (next->pos - jb->base) * jb->step_ts;
        frame->lost = true;
        frame->rtp_timestamp = (uint32_t)(next->ts - (uint32_t)back);
        s->state = SLOT_LOST;
        jb->base++;
        jb->base_moved = true;
        jb->stats.frames_lost++;
        return RTP_OK;
    }
    if (s->payload_len > cap) {
        frame->size = s->payload_len;
        return RTP_ERR_NO_SPACE;
    }
    memcpy(buf, payload_at(jb, jb->base), s->payload_len);
    frame->size = s->payload_len;
    frame->rtp_timestamp = s->ts;
    frame->packets = 1;
    frame->first_arrival_us = frame->last_arrival_us = s->arrival_us;
    s->state = SLOT_LOST; /* played: a duplicate now is late */
    jb->stored--;
    jb->base++;
    jb->base_moved = true;
    jb->stats.frames_released++;
    return RTP_OK;
}

rtp_err_t peer__jitter_buffer_pop(peer__jitter_buffer_t *jb, uint64_t now_us, uint8_t *buf,
                                  size_t cap, peer__jb_frame_t *frame)
{
    if (jb == NULL || frame == NULL || (buf == NULL && cap > 0))
        return RTP_ERR_INVALID_ARG;
    if (!jb->started)
        return RTP_ERR_END;
    if (jb->config.kind == PEER__MEDIA_VIDEO)
        return pop_video(jb, now_us, buf, cap, frame);
    return pop_audio(jb, now_us, buf, cap, frame);
}

/* --- Introspection ---------------------------------------------------- */

/* Video: 0 when pop has something to release or drop now; otherwise when
 * the missing packet that blocks it expires (UINT64_MAX if none does). */
static uint64_t video_wait_until_us(const peer__jitter_buffer_t *jb)
{
    if (jb->need_keyframe && jb->have_key_start && jb->key_start > jb->base)
        return 0;
    const jb_slot_t *s = slot_at(jb, jb->base);
    uint64_t hold_until =
        jb->base_moved ? 0 : jb->first_arrival_us + (uint64_t)jb->config.startup_wait_ms * MS;
    if (s->state == SLOT_PRESENT) {
        if (!s->frame_start || (jb->need_keyframe && !s->keyframe))
            return hold_until;
        int64_t end = jb->base;
        size_t size = 0;
        if (scan_frame(jb, &end, &size) != SCAN_INCOMPLETE)
            return 0;
    } else if (s->state == SLOT_LOST) {
        return hold_until;
    }
    for (int64_t p = jb->base; p <= jb->highest; p++) {
        const jb_slot_t *m = slot_at(jb, p);
        if (m->state == SLOT_MISSING)
            return m->arrival_us + (uint64_t)jb->config.nack_max_age_ms * MS;
    }
    return UINT64_MAX;
}

uint64_t peer__jitter_buffer_next_event_us(const peer__jitter_buffer_t *jb)
{
    if (jb == NULL || !jb->started)
        return UINT64_MAX;
    uint64_t next = UINT64_MAX;
    if (jb->config.nack)
        next = jb->nack_due_us;
    if (jb->pli_wanted) {
        uint64_t at =
            jb->pli_sent ? jb->last_pli_us + (uint64_t)jb->config.pli_interval_ms * MS : 0;
        if (at < next)
            next = at;
    }
    if (jb->base > jb->highest)
        return next;
    if (jb->config.kind == PEER__MEDIA_AUDIO) {
        const jb_slot_t *p = NULL;
        double at = audio_base_due_us(jb, &p);
        if (p != NULL) {
            uint64_t t = clamp_us(at + 1);
            if (t < next)
                next = t;
        }
    } else {
        uint64_t at = video_wait_until_us(jb);
        if (at < next)
            next = at;
    }
    return next;
}

size_t peer__jitter_buffer_packet_count(const peer__jitter_buffer_t *jb)
{
    return jb != NULL ? jb->stored : 0;
}

size_t peer__jitter_buffer_memory_bytes(const peer__jitter_buffer_t *jb)
{
    if (jb == NULL)
        return 0;
    return sizeof *jb + (size_t)jb->config.max_packets * sizeof *jb->slots +
           (size_t)jb->config.max_packets * jb->config.max_payload;
}

const peer__jb_stats_t *peer__jitter_buffer_stats(const peer__jitter_buffer_t *jb)
{
    return jb != NULL ? &jb->stats : NULL;
}
