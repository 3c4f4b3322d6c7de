/* sim/oracle.c: the confidentiality oracle's lifetime, its track table,
 * its registry of sent frames and its result (sim/oracle.h says what it
 * checks and guarantees; sim/oracle_observe.c runs the checks per packet).
 *
 * The registry is three bounded structures that move together:
 *   - a ring of frame records, max_frames long, oldest first;
 *   - a ring arena of max_bytes holding each frame's plaintext and
 *     protected copies back to back; a copy that does not fit before the
 *     end goes to the start, and the oldest frames make room;
 *   - the lookup (SSRC, RTP timestamp) -> record and the window index.
 * A frame leaves them when it is older than retention_ms (expired) or when
 * a new frame needs its room (evicted, counted). */
#include "sim/oracle_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest clear parts a scheme may declare: the longest SFrame header
 * (RFC 9605 4.3); the VP8 key frame prefix and the legacy trailer (IV, IV
 * length, key index). A frame claiming more is refused, so a harness bug
 * cannot hide a leak behind a generous declaration. */
#define SIM__SFRAME_CLEAR_HEAD_MAX SFRAME_HEADER_MAX
#define SIM__LEGACY_CLEAR_HEAD_MAX 10
#define SIM__LEGACY_CLEAR_TAIL_MAX (SFRAME_LEGACY_IV_LEN + SFRAME_LEGACY_TRAILER_LEN)

static const char *const sim__oracle_messages[] = {
#define SIM__ORACLE_MSG(name, msg) [name] = msg,
    SIM__ORACLE_ERROR_LIST(SIM__ORACLE_MSG)
#undef SIM__ORACLE_MSG
};

const char *sim__oracle_strerror(sim__oracle_err_t err)
{
    if ((unsigned)err >= SIM__ORACLE_ERR__COUNT)
        return "unknown error";
    return sim__oracle_messages[err];
}

sim__oracle_config_t sim__oracle_config_default(void)
{
    return (sim__oracle_config_t){
        .scheme = SIM_E2EE_SFRAME,
        .window = 8,
        .index_stride = 8,
        .retention_ms = 3000,
        .periodic_max_period = 64,
        .periodic_min_span = 32,
        .periodic_fraction = 0.5,
        .uniformity_min_bytes = 16384,
        .uniformity_alpha = 1e-6,
        .max_frames = 8192,
        .max_bytes = (size_t)16 << 20,
        .max_windows = (size_t)1 << 19,
        .max_tracks = 256,
        .max_fingerprints = 16384,
        .max_nonces = 65536,
    };
}

static bool sim__in(size_t value, size_t lo, size_t hi)
{
    return value >= lo && value <= hi;
}

static bool sim__config_valid(const sim__oracle_config_t *c)
{
    return (c->scheme == SIM_E2EE_SFRAME || c->scheme == SIM_E2EE_INSERTABLE_LEGACY ||
            c->scheme == SIM_E2EE_NONE) &&
           sim__in(c->window, SIM__ORACLE_WINDOW_MIN, SIM__ORACLE_WINDOW_MAX) &&
           sim__in(c->index_stride, 1, 64) && c->retention_ms > 0 &&
           sim__in(c->periodic_max_period, 1, 64) && c->periodic_min_span >= 8 &&
           c->periodic_fraction >= 0.1 && c->periodic_fraction <= 1.0 &&
           c->uniformity_min_bytes >= 256 && c->uniformity_alpha >= 0.0 &&
           c->uniformity_alpha <= 1.0 && sim__in(c->max_frames, 16, (size_t)1 << 24) &&
           sim__in(c->max_bytes, (size_t)64 << 10, (size_t)2 << 30) &&
           sim__in(c->max_windows, 1024, (size_t)1 << 26) && sim__in(c->max_tracks, 1, 65536) &&
           sim__in(c->max_fingerprints, 16, (size_t)1 << 24) &&
           sim__in(c->max_nonces, 16, (size_t)1 << 24);
}

sim__oracle_err_t sim__oracle_new(const sim__oracle_config_t *config, sim__oracle_t **out)
{
    if (!config || !out || !sim__config_valid(config))
        return SIM__ORACLE_ERR_INVALID_ARG;
    *out = NULL;
    sim__oracle_t *o = calloc(1, sizeof *o);
    if (!o)
        return SIM__ORACLE_ERR_NO_MEMORY;
    o->config = *config;
    o->retention_us = (uint64_t)config->retention_ms * 1000u;
    o->base_pow = 1;
    for (size_t i = 1; i < config->window; i++)
        o->base_pow *= SIM__ORACLE_HASH_BASE;

    o->recs = calloc(config->max_frames, sizeof *o->recs);
    o->arena = malloc(config->max_bytes);
    o->tracks = calloc(config->max_tracks, sizeof *o->tracks);
    o->scratch_packet = malloc(SIM__ORACLE_SCRATCH);
    o->scratch_diff = malloc(SIM__ORACLE_SCRATCH);
    if (!o->recs || !o->arena || !o->tracks || !o->scratch_packet || !o->scratch_diff ||
        !sim__oracle_map_init(&o->by_frame, config->max_frames) ||
        !sim__oracle_map_init(&o->windows, config->max_windows) ||
        !sim__oracle_keyset_init(&o->keystreams, config->max_fingerprints) ||
        !sim__oracle_keyset_init(&o->nonces, config->max_nonces))
        goto fail;

    o->memory_bytes = sizeof *o + config->max_frames * sizeof *o->recs + config->max_bytes +
                      config->max_tracks * sizeof *o->tracks + 2 * (size_t)SIM__ORACLE_SCRATCH +
                      sim__oracle_map_bytes(&o->by_frame) + sim__oracle_map_bytes(&o->windows) +
                      sim__oracle_keyset_bytes(&o->keystreams) +
                      sim__oracle_keyset_bytes(&o->nonces);
    *out = o;
    return SIM__ORACLE_OK;

fail:
    sim__oracle_free(o);
    return SIM__ORACLE_ERR_NO_MEMORY;
}

void sim__oracle_free(sim__oracle_t *o)
{
    if (!o)
        return;
    free(o->recs);
    free(o->arena);
    free(o->tracks);
    free(o->scratch_packet);
    free(o->scratch_diff);
    sim__oracle_map_release(&o->by_frame);
    sim__oracle_map_release(&o->windows);
    sim__oracle_keyset_release(&o->keystreams);
    sim__oracle_keyset_release(&o->nonces);
    free(o);
}

size_t sim__oracle_memory_bytes(const sim__oracle_t *o)
{
    return o ? o->memory_bytes : 0;
}

/* ---- tracks ------------------------------------------------------------------ */

sim__oracle_track_state_t *sim__oracle_find_track(const sim__oracle_t *o, uint32_t participant_id,
                                                  uint32_t track_id)
{
    for (size_t i = 0; i < o->n_tracks; i++) {
        sim__oracle_track_state_t *t = &o->tracks[i];
        if (t->decl.participant_id == participant_id && t->decl.track_id == track_id)
            return t;
    }
    return NULL;
}

sim__oracle_err_t sim__oracle_add_track(sim__oracle_t *o, const sim__oracle_track_t *track)
{
    if (!o || !track || track->n_layers < 1 || track->n_layers > SFU_MAX_LAYERS ||
        track->media_pt > 127 || track->rtx_pt > 127 ||
        (track->kind != SIM__ORACLE_AUDIO_OPUS && track->kind != SIM__ORACLE_VIDEO_VP8))
        return SIM__ORACLE_ERR_INVALID_ARG;
    for (unsigned i = 0; i < track->n_layers; i++)
        if (track->layers[i].ssrc == 0)
            return SIM__ORACLE_ERR_INVALID_ARG;

    sim__oracle_track_state_t *t =
        sim__oracle_find_track(o, track->participant_id, track->track_id);
    if (!t) {
        if (o->n_tracks == o->config.max_tracks)
            return SIM__ORACLE_ERR_FULL;
        t = &o->tracks[o->n_tracks++];
    }
    t->decl = *track;
    return SIM__ORACLE_OK;
}

/* ---- registry ------------------------------------------------------------------ */

static uint64_t sim__frame_key(uint32_t ssrc, uint32_t rtp_timestamp)
{
    return (uint64_t)ssrc << 32 | rtp_timestamp;
}

static size_t sim__slot_of(const sim__oracle_t *o, uint64_t seq)
{
    return (size_t)(seq % o->config.max_frames);
}

static size_t sim__live_frames(const sim__oracle_t *o)
{
    return (size_t)(o->rec_next - o->rec_first);
}

static void sim__drop_oldest(sim__oracle_t *o)
{
    size_t slot_index = sim__slot_of(o, o->rec_first);
    const sim__oracle_rec_t *rec = &o->recs[slot_index];
    sim__oracle_windows_remove(o, slot_index);
    sim__oracle_map_remove(&o->by_frame, sim__frame_key(rec->ssrc, rec->rtp_timestamp),
                           (uint32_t)(slot_index + 1), 0);
    o->rec_first++;
    if (o->rec_first == o->rec_next)
        o->arena_head = 0;
}

static void sim__evict_oldest(sim__oracle_t *o)
{
    sim__drop_oldest(o);
    o->counts.frames_evicted++;
}

void sim__oracle_expire(sim__oracle_t *o, uint64_t now_us)
{
    while (o->rec_first != o->rec_next) {
        const sim__oracle_rec_t *rec = &o->recs[sim__slot_of(o, o->rec_first)];
        if (now_us <= rec->sent_us || now_us - rec->sent_us <= o->retention_us)
            break;
        sim__drop_oldest(o);
        o->counts.frames_expired++;
    }
}

/* Room for `need` bytes in the arena (need <= max_bytes), evicting the
 * oldest frames until there is. Live copies span [tail, head) when head >
 * tail, else [tail, end) and [0, head). */
static size_t sim__arena_alloc(sim__oracle_t *o, size_t need)
{
    for (;;) {
        if (o->rec_first == o->rec_next)
            return 0;
        size_t tail = o->recs[sim__slot_of(o, o->rec_first)].arena_off;
        size_t head = o->arena_head;
        if (head > tail) {
            if (o->config.max_bytes - head >= need)
                return head;
            if (tail >= need)
                return 0;
        } else if (tail - head >= need) {
            return head;
        }
        sim__evict_oldest(o);
    }
}

sim__oracle_rec_t *sim__oracle_frame_lookup(const sim__oracle_t *o, uint32_t ssrc,
                                            uint32_t rtp_timestamp)
{
    const sim__oracle_slot_t *slot =
        sim__oracle_map_find(&o->by_frame, sim__frame_key(ssrc, rtp_timestamp));
    return slot ? &o->recs[slot->ref - 1] : NULL;
}

static bool sim__frame_valid(const sim__oracle_t *o, const sim__oracle_frame_t *f)
{
    if (!f->plaintext || f->plaintext_len == 0 || !f->protected_frame || f->protected_len == 0 ||
        f->clear_head > f->protected_len || f->clear_tail > f->protected_len - f->clear_head ||
        f->plain_offset > f->protected_len)
        return false;
    switch (o->config.scheme) {
    case SIM_E2EE_SFRAME:
        return f->clear_head <= SIM__SFRAME_CLEAR_HEAD_MAX && f->clear_tail == 0;
    case SIM_E2EE_INSERTABLE_LEGACY:
        return f->clear_head <= SIM__LEGACY_CLEAR_HEAD_MAX &&
               f->clear_tail <= SIM__LEGACY_CLEAR_TAIL_MAX;
    case SIM_E2EE_NONE:
        return true;
    }
    return false;
}

static void sim__rec_fill(const sim__oracle_t *o, sim__oracle_rec_t *rec, uint64_t now_us,
                          const sim__oracle_frame_t *f, size_t arena_off, size_t exempt)
{
    *rec = (sim__oracle_rec_t){
        .sent_us = now_us,
        .participant_id = f->participant_id,
        .track_id = f->track_id,
        .layer = f->layer,
        .ssrc = f->ssrc,
        .rtp_timestamp = f->rtp_timestamp,
        .arena_off = arena_off,
        .plain_len = f->plaintext_len,
        .prot_len = f->protected_len,
        .clear_head = f->clear_head,
        .clear_tail = f->clear_tail,
        .plain_offset = f->plain_offset,
        .exempt = exempt,
    };
    /* `none` claims nothing is clear: all of it is held to the checks. */
    bool none = o->config.scheme == SIM_E2EE_NONE;
    rec->sealed_lo = none ? 0 : f->clear_head;
    rec->sealed_hi = none ? f->protected_len : f->protected_len - f->clear_tail;
}

sim__oracle_err_t sim__oracle_frame_sent(sim__oracle_t *o, uint64_t now_us,
                                         const sim__oracle_frame_t *frame)
{
    if (!o || !frame)
        return SIM__ORACLE_ERR_INVALID_ARG;
    if (!sim__frame_valid(o, frame)) {
        o->counts.frames_rejected++;
        return SIM__ORACLE_ERR_INVALID_ARG;
    }
    /* Plaintext bytes the scheme declares clear: those under the clear head
     * (the legacy prefix); none for `none`. */
    size_t exempt = 0;
    if (o->config.scheme != SIM_E2EE_NONE && frame->clear_head > frame->plain_offset)
        exempt = frame->clear_head - frame->plain_offset;
    if (exempt > frame->plaintext_len)
        exempt = frame->plaintext_len;
    size_t n_windows = sim__oracle_window_count(&o->config, exempt, frame->plaintext_len);
    if (frame->plaintext_len > o->config.max_bytes ||
        frame->protected_len > o->config.max_bytes - frame->plaintext_len ||
        n_windows > o->config.max_windows) {
        o->counts.frames_rejected++;
        return SIM__ORACLE_ERR_TOO_LARGE;
    }

    sim__oracle_expire(o, now_us);
    while (sim__live_frames(o) >= o->config.max_frames)
        sim__evict_oldest(o);
    while (sim__live_frames(o) > 0 && o->windows.count + n_windows > o->config.max_windows)
        sim__evict_oldest(o);
    size_t need = frame->plaintext_len + frame->protected_len;
    size_t arena_off = sim__arena_alloc(o, need);

    uint64_t seq = o->rec_next++;
    size_t slot_index = sim__slot_of(o, seq);
    sim__oracle_rec_t *rec = &o->recs[slot_index];
    sim__rec_fill(o, rec, now_us, frame, arena_off, exempt);
    memcpy(o->arena + arena_off, frame->plaintext, frame->plaintext_len);
    memcpy(o->arena + arena_off + frame->plaintext_len, frame->protected_frame,
           frame->protected_len);
    o->arena_head = arena_off + need;

    sim__oracle_windows_add(o, slot_index);
    uint64_t key = sim__frame_key(frame->ssrc, frame->rtp_timestamp);
    sim__oracle_slot_t *slot = sim__oracle_map_find(&o->by_frame, key);
    if (slot)
        slot->ref = (uint32_t)(slot_index + 1); /* the newer frame of that identity wins */
    else
        sim__oracle_map_add(&o->by_frame, key, (uint32_t)(slot_index + 1), 0);
    o->counts.frames_registered++;
    return SIM__ORACLE_OK;
}

/* ---- findings and result ----------------------------------------------------------- */

void sim__oracle_note(sim__oracle_t *o, const char *check, uint32_t participant_id,
                      uint32_t track_id, unsigned layer, uint32_t ssrc, uint32_t rtp_timestamp)
{
    if (o->first.set)
        return;
    o->first.set = true;
    snprintf(o->first.text, sizeof o->first.text,
             "%s: participant %u track %u layer %u ssrc 0x%08x rtp_ts %u", check, participant_id,
             track_id, layer, ssrc, rtp_timestamp);
}

void sim__oracle_result(const sim__oracle_t *o, sim__oracle_result_t *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    out->verdict = "ciphertext-only";
    out->uniformity_min_p = 1.0;
    if (!o)
        return;
    *out = o->counts;
    out->fingerprints_evicted = o->keystreams.evicted;
    out->nonces_evicted = o->nonces.evicted;
    memcpy(out->first_finding, o->first.text, sizeof out->first_finding);

    out->uniformity_min_p = 1.0;
    const sim__oracle_track_state_t *worst = NULL;
    unsigned worst_layer = 0;
    for (size_t i = 0; i < o->n_tracks; i++) {
        for (unsigned l = 0; l < SFU_MAX_LAYERS; l++) {
            const sim__oracle_stream_stats_t *s = &o->tracks[i].layers[l];
            if (s->total < o->config.uniformity_min_bytes)
                continue;
            out->streams_tested++;
            double p = sim__oracle_chi2_p(sim__oracle_chi2_uniform(s->hist, s->total), 255);
            if (p < out->uniformity_min_p) {
                out->uniformity_min_p = p;
                worst = &o->tracks[i];
                worst_layer = l;
            }
        }
    }
    bool uniformity_fails = out->uniformity_min_p < o->config.uniformity_alpha;
    if (uniformity_fails && !o->first.set && worst)
        snprintf(out->first_finding, sizeof out->first_finding,
                 "uniformity: participant %u track %u layer %u p %.3g", worst->decl.participant_id,
                 worst->decl.track_id, worst_layer, out->uniformity_min_p);
    bool leak = out->plaintext_window_hits > 0 || out->keystream_relation_hits > 0 ||
                out->nonce_reuse > 0 || uniformity_fails;
    out->verdict = leak ? "leak" : "ciphertext-only";
}
