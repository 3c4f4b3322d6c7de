/* Shared helpers of the sfu_* Check suites: a capturing sink, a counting
 * observer, and crafted RTP/RTCP packets (VP8 descriptor, frame marking,
 * audio level). Header-only; each test executable includes it once. */
#ifndef BLINDFOLD_SFU_TEST_UTIL_H
#define BLINDFOLD_SFU_TEST_UTIL_H

#include "rtp/rtp.h"
#include "sfu/sfu.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define T_MS               1000u
#define T_MAX_CAPTURED     256u
#define T_MAX_PKT          1600u
#define T_MAX_PARTICIPANTS 16u

/* Extension IDs every crafted packet uses. */
#define T_EXT_AUDIO_LEVEL   1
#define T_EXT_TWCC          3
#define T_EXT_FRAME_MARKING 7
#define T_EXT_DD            8

typedef struct t_captured {
    uint32_t to;
    uint64_t now_us;
    size_t len;
    uint8_t bytes[T_MAX_PKT];
} t_captured_t;

typedef struct t_sink {
    t_captured_t packets[T_MAX_CAPTURED]; /* a ring: the newest T_MAX_CAPTURED */
    size_t count;                         /* ever captured */
    size_t per_participant[T_MAX_PARTICIPANTS];
} t_sink_t;

static inline void t_sink_fn(void *ctx, uint32_t participant_id, uint64_t now_us,
                             const uint8_t *bytes, size_t len)
{
    t_sink_t *s = ctx;
    t_captured_t *c = &s->packets[s->count % T_MAX_CAPTURED];
    c->to = participant_id;
    c->now_us = now_us;
    c->len = len < T_MAX_PKT ? len : T_MAX_PKT;
    memcpy(c->bytes, bytes, c->len);
    s->count++;
    if (participant_id < T_MAX_PARTICIPANTS)
        s->per_participant[participant_id]++;
}

static inline void t_sink_reset(t_sink_t *s)
{
    memset(s, 0, sizeof(*s));
}

/* The i-th captured packet counting back from the newest (0 = newest). */
static inline const t_captured_t *t_sink_back(const t_sink_t *s, size_t i)
{
    ck_assert_uint_gt(s->count, i);
    return &s->packets[(s->count - 1 - i) % T_MAX_CAPTURED];
}

typedef struct t_observer {
    size_t count;
    size_t rtx;
    uint32_t last_participant, last_track;
    unsigned last_layer;
} t_observer_t;

static inline void t_observer_fn(void *ctx, uint64_t now_us, const sfu_packet_view_t *v)
{
    (void)now_us;
    t_observer_t *o = ctx;
    o->count++;
    o->rtx += v->rtx;
    o->last_participant = v->participant_id;
    o->last_track = v->track_id;
    o->last_layer = v->layer;
}

/* A room with SRTP none, the given sink and observer. */
static inline sfu_room_t *t_room(sfu_config_t *config, t_sink_t *sink, t_observer_t *obs)
{
    config->srtp_profile = SFU_SRTP_NONE;
    config->sink = t_sink_fn;
    config->sink_ctx = sink;
    config->observer = obs != NULL ? t_observer_fn : NULL;
    config->observer_ctx = obs;
    sfu_room_t *room = NULL;
    ck_assert_int_eq(sfu_room_new(config, &room), SFU_OK);
    return room;
}

static inline void t_add(sfu_room_t *room, uint32_t id)
{
    sfu_participant_config_t pc = { .id = id, .role = SFU_DTLS_SERVER };
    ck_assert_int_eq(sfu_add_participant(room, &pc), SFU_OK);
}

/* Audio track 1 of publisher `id`: SSRC id * 1000 + 1, PT 111, audio level
 * and TWCC extensions. */
static inline sfu_track_config_t t_audio_track(uint32_t id)
{
    sfu_track_config_t t = sfu_track_config_default();
    t.track_id = 1;
    t.kind = SFU_KIND_AUDIO;
    t.n_layers = 1;
    t.layers[0].ssrc = id * 1000u + 1u;
    t.media_pt = 111;
    t.rtx_pt = 0;
    t.clock_rate = 48000;
    t.vp8 = false;
    t.ext.audio_level = T_EXT_AUDIO_LEVEL;
    t.ext.twcc = T_EXT_TWCC;
    return t;
}

static inline void t_declare_audio(sfu_room_t *room, uint32_t id)
{
    sfu_track_config_t t = t_audio_track(id);
    ck_assert_int_eq(sfu_declare_track(room, id, &t), SFU_OK);
}

/* Video track 2 of publisher `id`: layers l with SSRC id * 1000 + 10 + l
 * and RTX id * 1000 + 20 + l, PT 96 / RTX 97, VP8, frame marking signal. */
static inline void t_declare_video(sfu_room_t *room, uint32_t id, unsigned n_layers,
                                   sfu_keyframe_signal_t signal)
{
    sfu_track_config_t t = sfu_track_config_default();
    t.track_id = 2;
    t.kind = SFU_KIND_VIDEO;
    t.n_layers = n_layers;
    for (unsigned l = 0; l < n_layers; l++) {
        t.layers[l].ssrc = id * 1000u + 10u + l;
        t.layers[l].rtx_ssrc = id * 1000u + 20u + l;
    }
    t.keyframe_signal = signal;
    t.ext.frame_marking = T_EXT_FRAME_MARKING;
    t.ext.dependency_descriptor = T_EXT_DD;
    t.ext.twcc = T_EXT_TWCC;
    ck_assert_int_eq(sfu_declare_track(room, id, &t), SFU_OK);
}

/* Subscription of `sub` to track of `pub`: outgoing SSRC sub * 100000 +
 * pub * 10 + track, RTX that + 5. */
static inline uint32_t t_sub_ssrc(uint32_t sub, uint32_t pub, uint32_t track)
{
    return sub * 100000u + pub * 10u + track;
}

static inline void t_subscribe(sfu_room_t *room, uint32_t sub, uint32_t pub, uint32_t track,
                               unsigned layer)
{
    sfu_subscription_config_t sc = { .ssrc = t_sub_ssrc(sub, pub, track),
                                     .rtx_ssrc = t_sub_ssrc(sub, pub, track) + 5u,
                                     .rtx_pt = 0,
                                     .first_seq = 1000,
                                     .first_timestamp = 5000,
                                     .preferred_layer = layer };
    ck_assert_int_eq(sfu_subscribe(room, sub, pub, track, &sc), SFU_OK);
}

typedef struct t_rtp {
    uint32_t ssrc;
    uint8_t pt;
    uint16_t seq;
    uint32_t ts;
    bool marker;
    /* extensions */
    int audio_level; /* < 0: none */
    bool frame_marking;
    bool fm_start, fm_independent;
    int twcc;          /* < 0: none */
    const uint8_t *dd; /* dependency descriptor value, dd_len bytes (<= 16) */
    size_t dd_len;
    /* VP8 */
    bool vp8;
    bool vp8_start;      /* S=1, PID 0 */
    bool vp8_keyframe;   /* P bit clear in the first payload byte */
    uint16_t picture_id; /* 15-bit */
    uint8_t tl0picidx;
    size_t payload_len; /* bytes after the descriptor (or the whole payload) */
    uint8_t padding;    /* RTP padding bytes (P bit), count included */
} t_rtp_t;

static inline t_rtp_t t_rtp_default(void)
{
    return (t_rtp_t){ .pt = 96, .audio_level = -1, .twcc = -1, .payload_len = 40 };
}

static inline size_t t_build_rtp(const t_rtp_t *r, uint8_t *out, size_t cap)
{
    uint8_t ext_block[64];
    rtp_ext_writer_t w;
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, ext_block, sizeof(ext_block));
    bool any = false;
    if (r->audio_level >= 0) {
        uint8_t v[1];
        size_t n = rtp_ext_audio_level_write(true, (uint8_t)r->audio_level, v);
        rtp_ext_writer_add(&w, T_EXT_AUDIO_LEVEL, v, n);
        any = true;
    }
    if (r->frame_marking) {
        rtp_frame_marking_t fm = { .start_of_frame = r->fm_start,
                                   .end_of_frame = true,
                                   .independent = r->fm_independent };
        uint8_t v[3];
        size_t n = rtp_ext_frame_marking_write(&fm, v);
        rtp_ext_writer_add(&w, T_EXT_FRAME_MARKING, v, n);
        any = true;
    }
    if (r->dd_len > 0) {
        rtp_ext_writer_add(&w, T_EXT_DD, r->dd, r->dd_len);
        any = true;
    }
    if (r->twcc >= 0) {
        uint8_t v[2];
        size_t n = rtp_ext_twcc_seq_write((uint16_t)r->twcc, v);
        rtp_ext_writer_add(&w, T_EXT_TWCC, v, n);
        any = true;
    }
    rtp_header_t h = { .marker = r->marker,
                       .payload_type = r->pt,
                       .seq = r->seq,
                       .timestamp = r->ts,
                       .ssrc = r->ssrc };
    if (any) {
        h.extension = true;
        ck_assert_int_eq(rtp_ext_writer_finish(&w, &h.ext_profile, &h.ext_len), RTP_OK);
        h.ext = ext_block;
    }
    uint8_t payload[T_MAX_PKT];
    size_t plen = 0;
    if (r->vp8) {
        rtp_vp8_desc_t d = { .start_of_partition = r->vp8_start,
                             .extended = true,
                             .has_picture_id = true,
                             .picture_id_long = true,
                             .picture_id = r->picture_id,
                             .has_tl0picidx = true,
                             .tl0picidx = r->tl0picidx,
                             .has_tid = true };
        ck_assert_int_eq(rtp_vp8_desc_write(&d, payload, sizeof(payload), &plen), RTP_OK);
    }
    for (size_t i = 0; i < r->payload_len; i++)
        payload[plen + i] = (uint8_t)(0xA5u ^ (r->seq + i));
    if (r->vp8 && r->payload_len > 0)
        payload[plen] = r->vp8_keyframe ? 0x10 : 0x11; /* bit 0 is P: 0 = key frame */
    plen += r->payload_len;
    size_t len = 0;
    ck_assert_int_eq(rtp_write(&h, payload, plen, r->padding, out, cap, &len), RTP_OK);
    return len;
}

static inline void t_input(sfu_room_t *room, uint32_t from, uint64_t now_us, const t_rtp_t *r)
{
    uint8_t buf[T_MAX_PKT];
    size_t len = t_build_rtp(r, buf, sizeof(buf));
    ck_assert_int_eq(sfu_input(room, from, now_us, buf, len), SFU_OK);
}

static inline sfu_stats_t t_stats(const sfu_room_t *room)
{
    sfu_stats_t s;
    ck_assert_int_eq(sfu_stats(room, &s), SFU_OK);
    return s;
}

#endif
