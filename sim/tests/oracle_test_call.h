/* Helpers of sim/tests/test_oracle.c: a small simulated publisher side
 * standing in for the peers, and the packets it sends through the oracle.
 *
 * Three streams (participant 1 video, simulcast layers 0 and 1;
 * participant 2 Opus audio) send plaintext frames with a skewed byte
 * distribution (geometric, mean ~16, so a plain copy is far from uniform)
 * and a correct VP8 frame tag (RFC 6386 9.1: P bit, and for key frames the
 * start code 9d 01 2a and the size). Frames are protected for real with
 * sframe/ (an SFrame sender, AES_128_GCM_SHA256_128, one KID per stream;
 * the Jitsi legacy sender) or by one of the broken transforms the oracle
 * must catch, registered with sim__oracle_frame_sent, packetized into real
 * RTP packets with rtp/ (one-byte header extensions, a VP8 payload
 * descriptor with a 15-bit PictureID, MTU 1200, RTX via rtp_rtx_wrap) and
 * each packet handed to sim__oracle_observe, as the SFU's observer hook
 * would. */
#ifndef BLINDFOLD_SIM_TESTS_ORACLE_TEST_CALL_H
#define BLINDFOLD_SIM_TESTS_ORACLE_TEST_CALL_H

#include "rtp/rtp.h"
#include "sframe/sframe.h"
#include "sim/oracle.h"
#include "sim/sim_engine.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MTU         1200
#define FRAME_MAX   40000
#define PACKETS_MAX 64
#define PKT_MAX     1600

static const uint8_t test_key[16] = { 0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                                      0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f };
static const uint8_t xor_pattern[16] = { 0x5a, 0x13, 0xc7, 0x21, 0x9e, 0x44, 0xb3, 0x7d,
                                         0x08, 0xe6, 0x31, 0xaf, 0x62, 0x1c, 0xd5, 0x99 };

/* How a test publisher protects its frames. */
typedef enum transform {
    T_SFRAME,          /* real SFrame */
    T_LEGACY,          /* real legacy (Jitsi) */
    T_NONE,            /* no E2EE */
    T_XOR,             /* SFrame header, then plaintext ^ a fixed 16-byte pattern */
    T_CTR_STUCK,       /* real SFrame, a fresh sender per frame: counter 0 every time */
    T_HALF_CLEAR,      /* SFrame header, first half in clear, the rest really encrypted */
    T_LEGACY_PREFIX20, /* legacy with 20 clear bytes on key frames, 10 declared */
} transform_t;

typedef struct stream {
    uint32_t participant, track;
    unsigned layer;
    sim__oracle_kind_t kind;
    uint32_t ssrc, rtx_ssrc;
    uint8_t pt, rtx_pt;
    uint16_t seq, rtx_seq, picture_id;
    uint32_t ts;
    uint64_t kid;
    size_t key_len, delta_min, delta_max; /* frame sizes */
    unsigned frames;
    sframe_sender_t *sframe;
    sframe_legacy_sender_t *legacy;
    uint64_t xor_ctr;
} stream_t;

typedef struct call {
    sim__oracle_t *oracle;
    sim_rng_t rng;
    uint64_t now_us;
    transform_t transform;
    stream_t streams[3];
    unsigned rtx_every;       /* every n-th packet also resent on RTX (0: never) */
    unsigned dup_every;       /* every n-th packet observed twice (0: never) */
    unsigned rtx_first;       /* 1: the RTX copy comes before the original */
    uint64_t packets;         /* media packets built */
    size_t clear_max;         /* what the test expects as clear_bytes_max_per_packet */
    size_t video_first_clear; /* header + ext + descriptor + SFrame header, first packet */
    size_t leaked_at;         /* leaked_len > 0: plaintext [at, at + len) copied over the cipher */
    size_t leaked_len;
    size_t leaked_tail; /* > 0: the frame's last plaintext bytes copied over the cipher */
} call_t;

/* ---- publisher side ---------------------------------------------------------- */

static inline uint8_t skewed_byte(sim_rng_t *rng)
{
    double u = sim_rng_uniform(rng);
    double v = -log(1.0 - u) * 16.0;
    return v >= 255.0 ? 255 : (uint8_t)v;
}

static inline size_t make_plaintext(call_t *call, stream_t *s, bool keyframe, uint8_t *out)
{
    size_t len;
    if (s->kind == SIM__ORACLE_AUDIO_OPUS) {
        len = s->delta_min + (size_t)sim_rng_below(&call->rng, s->delta_max - s->delta_min + 1);
        for (size_t i = 0; i < len; i++)
            out[i] = skewed_byte(&call->rng);
        out[0] = rtp_opus_toc_make(12, false, 0);
        return len;
    }
    len = keyframe
              ? s->key_len
              : s->delta_min + (size_t)sim_rng_below(&call->rng, s->delta_max - s->delta_min + 1);
    for (size_t i = 0; i < len; i++)
        out[i] = skewed_byte(&call->rng);
    /* Frame tag: P bit (0 = key frame), version 0, show_frame. */
    out[0] = (uint8_t)((out[0] & 0xe0) | 0x10 | (keyframe ? 0 : 1));
    if (keyframe) {
        out[3] = 0x9d;
        out[4] = 0x01;
        out[5] = 0x2a;
        out[6] = 0x80; /* 640 x 360 */
        out[7] = 0x02;
        out[8] = 0x68;
        out[9] = 0x01;
    }
    return len;
}

static inline sframe_sender_t *make_sframe_sender(uint64_t kid, uint64_t first_ctr)
{
    sframe_sender_config_t config = sframe_sender_config_default(SFRAME_AES_128_GCM_SHA256_128);
    config.kid = kid;
    config.first_ctr = first_ctr;
    sframe_sender_t *sender = NULL;
    ck_assert_int_eq(sframe_sender_new(&config, test_key, sizeof test_key, &sender), SFRAME_OK);
    return sender;
}

static inline size_t sframe_protect(sframe_sender_t *sender, const uint8_t *plain, size_t len,
                                    uint8_t *out)
{
    size_t out_len = 0;
    ck_assert_int_eq(sframe_sender_protect(sender, NULL, 0, plain, len, out, FRAME_MAX, &out_len),
                     SFRAME_OK);
    return out_len;
}

static inline size_t sframe_header_len_of(const uint8_t *frame, size_t len)
{
    sframe_header_t header;
    size_t header_len = 0;
    ck_assert_int_eq(sframe_header_decode(frame, len, &header, &header_len), SFRAME_OK);
    return header_len;
}

static inline sframe_legacy_codec_t legacy_codec(const stream_t *s)
{
    return s->kind == SIM__ORACLE_AUDIO_OPUS ? SFRAME_LEGACY_AUDIO : SFRAME_LEGACY_VIDEO_VP8;
}

/* Protects one frame as the call's transform does; fills the frame's
 * declaration. */
static inline void protect(call_t *call, stream_t *s, bool keyframe, const uint8_t *plain,
                           size_t len, uint8_t *out, sim__oracle_frame_t *f)
{
    f->clear_tail = 0;
    switch (call->transform) {
    case T_SFRAME:
    case T_CTR_STUCK: {
        sframe_sender_t *sender = s->sframe;
        if (call->transform == T_CTR_STUCK)
            sender = make_sframe_sender(s->kid, 0);
        f->protected_len = sframe_protect(sender, plain, len, out);
        if (call->transform == T_CTR_STUCK)
            sframe_sender_free(sender);
        f->clear_head = f->plain_offset = sframe_header_len_of(out, f->protected_len);
        break;
    }
    case T_XOR: {
        size_t header_len = 0;
        ck_assert_int_eq(sframe_header_encode(s->kid, s->xor_ctr++, out, FRAME_MAX, &header_len),
                         SFRAME_OK);
        for (size_t i = 0; i < len; i++)
            out[header_len + i] = plain[i] ^ xor_pattern[i % sizeof xor_pattern];
        f->protected_len = header_len + len;
        f->clear_head = f->plain_offset = header_len;
        break;
    }
    case T_HALF_CLEAR: {
        size_t half = len / 2;
        static uint8_t sealed[FRAME_MAX];
        size_t sealed_len = sframe_protect(s->sframe, plain + half, len - half, sealed);
        size_t header_len = sframe_header_len_of(sealed, sealed_len);
        memcpy(out, sealed, header_len);
        memcpy(out + header_len, plain, half);
        memcpy(out + header_len + half, sealed + header_len, sealed_len - header_len);
        f->protected_len = sealed_len + half;
        f->clear_head = f->plain_offset = header_len;
        break;
    }
    case T_LEGACY:
    case T_LEGACY_PREFIX20: {
        size_t clear = sframe_legacy_frame_clear_bytes(legacy_codec(s), plain, len);
        size_t actual = clear;
        if (call->transform == T_LEGACY_PREFIX20 && s->kind == SIM__ORACLE_VIDEO_VP8 && keyframe)
            actual = 20;
        ck_assert_int_eq(sframe_legacy_sender_protect_prefix(s->legacy, actual, s->ssrc, s->ts,
                                                             plain, len, out, FRAME_MAX,
                                                             &f->protected_len),
                         SFRAME_OK);
        f->clear_head = clear;
        f->clear_tail = SFRAME_LEGACY_IV_LEN + SFRAME_LEGACY_TRAILER_LEN;
        f->plain_offset = 0;
        break;
    }
    case T_NONE:
        memcpy(out, plain, len);
        f->protected_len = len;
        f->clear_head = len;
        f->plain_offset = 0;
        break;
    }
    if (call->leaked_len > 0 && call->leaked_at + call->leaked_len <= len)
        memcpy(out + f->plain_offset + call->leaked_at, plain + call->leaked_at, call->leaked_len);
    if (call->leaked_tail > 0 && call->leaked_tail <= len)
        memcpy(out + f->plain_offset + len - call->leaked_tail, plain + len - call->leaked_tail,
               call->leaked_tail);
}

/* ---- packets ---------------------------------------------------------------------- */

static inline size_t overlap(size_t a_lo, size_t a_hi, size_t b_lo, size_t b_hi)
{
    size_t lo = a_lo > b_lo ? a_lo : b_lo;
    size_t hi = a_hi < b_hi ? a_hi : b_hi;
    return hi > lo ? hi - lo : 0;
}

static inline void observe(call_t *call, const stream_t *s, bool rtx, const uint8_t *bytes,
                           size_t len)
{
    sfu_packet_view_t view = {
        .participant_id = s->participant,
        .track_id = s->track,
        .layer = s->layer,
        .rtx = rtx,
        .bytes = bytes,
        .len = len,
    };
    sim__oracle_observe(call->oracle, call->now_us, &view);
}

/* Builds one RTP packet of `s` carrying chunk[0..n) (after a VP8
 * descriptor for video); returns its length and the clear header bytes. */
static inline size_t build_packet(stream_t *s, bool first, bool last, const uint8_t *chunk,
                                  size_t n, uint8_t *out, size_t *header_clear)
{
    uint8_t ext[16];
    rtp_ext_writer_t w;
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, ext, sizeof ext);
    uint8_t twcc[2];
    rtp_ext_writer_add(&w, 2, twcc, rtp_ext_twcc_seq_write(s->seq, twcc));
    if (s->kind == SIM__ORACLE_AUDIO_OPUS) {
        uint8_t level[1];
        rtp_ext_writer_add(&w, 1, level, rtp_ext_audio_level_write(true, 30, level));
    }
    rtp_header_t h = { .marker = last,
                       .payload_type = s->pt,
                       .seq = s->seq++,
                       .timestamp = s->ts,
                       .ssrc = s->ssrc,
                       .extension = true };
    ck_assert_int_eq(rtp_ext_writer_finish(&w, &h.ext_profile, &h.ext_len), RTP_OK);
    h.ext = ext;

    uint8_t payload[PKT_MAX];
    size_t desc_len = 0;
    if (s->kind == SIM__ORACLE_VIDEO_VP8) {
        rtp_vp8_desc_t desc = { .start_of_partition = first,
                                .has_picture_id = true,
                                .picture_id_long = true,
                                .picture_id = s->picture_id };
        ck_assert_int_eq(rtp_vp8_desc_write(&desc, payload, sizeof payload, &desc_len), RTP_OK);
    }
    memcpy(payload + desc_len, chunk, n);
    size_t len = 0;
    ck_assert_int_eq(rtp_write(&h, payload, desc_len + n, 0, out, PKT_MAX, &len), RTP_OK);
    *header_clear = rtp_header_size(&h) + desc_len;
    return len;
}

/* Packetizes a frame into packets[], noting the clear bytes the test
 * expects; returns the packet count. */
static inline size_t packetize(call_t *call, stream_t *s, const sim__oracle_frame_t *f,
                               uint8_t packets[][PKT_MAX], size_t *lens)
{
    size_t n_packets = 0;
    size_t room = s->kind == SIM__ORACLE_VIDEO_VP8 ? MTU - 12 - 8 - 4 : FRAME_MAX;
    for (size_t at = 0; at < f->protected_len; at += room) {
        size_t n = f->protected_len - at < room ? f->protected_len - at : room;
        ck_assert_uint_lt(n_packets, PACKETS_MAX);
        size_t header_clear = 0;
        lens[n_packets] =
            build_packet(s, at == 0, at + n == f->protected_len, f->protected_frame + at, n,
                         packets[n_packets], &header_clear);
        size_t clear = header_clear + overlap(at, at + n, 0, f->clear_head) +
                       overlap(at, at + n, f->protected_len - f->clear_tail, f->protected_len);
        if (clear > call->clear_max)
            call->clear_max = clear;
        if (s->kind == SIM__ORACLE_VIDEO_VP8 && at == 0)
            call->video_first_clear = header_clear + f->clear_head;
        n_packets++;
    }
    s->picture_id = (uint16_t)((s->picture_id + 1) & 0x7fff);
    return n_packets;
}

/* Packetizes a registered frame and shows every packet to the oracle,
 * with the call's duplicates and retransmissions. */
static inline void send_packets(call_t *call, stream_t *s, const sim__oracle_frame_t *f)
{
    static uint8_t packets[PACKETS_MAX][PKT_MAX];
    size_t lens[PACKETS_MAX];
    size_t n_packets = packetize(call, s, f, packets, lens);

    for (size_t i = 0; i < n_packets; i++) {
        call->packets++;
        bool resend = call->rtx_every && s->rtx_ssrc && call->packets % call->rtx_every == 0;
        uint8_t rtx[PKT_MAX + 2];
        size_t rtx_len = 0;
        if (resend) {
            ck_assert_int_eq(rtp_rtx_wrap(packets[i], lens[i], s->rtx_ssrc, s->rtx_pt, s->rtx_seq++,
                                          rtx, sizeof rtx, &rtx_len),
                             RTP_OK);
            if (call->rtx_first)
                observe(call, s, true, rtx, rtx_len);
        }
        observe(call, s, false, packets[i], lens[i]);
        if (call->dup_every && call->packets % call->dup_every == 0)
            observe(call, s, false, packets[i], lens[i]);
        if (resend && !call->rtx_first)
            observe(call, s, true, rtx, rtx_len);
    }
}

static inline void send_frame(call_t *call, stream_t *s)
{
    static uint8_t plain[FRAME_MAX], prot[FRAME_MAX + 64];
    bool keyframe = s->kind == SIM__ORACLE_VIDEO_VP8 && s->frames % 30 == 0;
    size_t len = make_plaintext(call, s, keyframe, plain);
    sim__oracle_frame_t f = {
        .participant_id = s->participant,
        .track_id = s->track,
        .layer = s->layer,
        .ssrc = s->ssrc,
        .rtp_timestamp = s->ts,
        .plaintext = plain,
        .plaintext_len = len,
        .protected_frame = prot,
    };
    protect(call, s, keyframe, plain, len, prot, &f);
    ck_assert_int_eq(sim__oracle_frame_sent(call->oracle, call->now_us, &f), SIM__ORACLE_OK);
    send_packets(call, s, &f);
    s->frames++;
    s->ts += s->kind == SIM__ORACLE_VIDEO_VP8 ? 3600 : 960;
}

static inline sim_e2ee_scheme_t declared_scheme(transform_t t)
{
    switch (t) {
    case T_LEGACY:
    case T_LEGACY_PREFIX20:
        return SIM_E2EE_INSERTABLE_LEGACY;
    case T_NONE:
        return SIM_E2EE_NONE;
    default:
        return SIM_E2EE_SFRAME;
    }
}

static inline void call_init(call_t *call, transform_t transform,
                             const sim__oracle_config_t *config)
{
    memset(call, 0, sizeof *call);
    call->transform = transform;
    sim_rng_seed(&call->rng, 7, "oracle-test");
    sim__oracle_config_t c = config ? *config : sim__oracle_config_default();
    c.scheme = declared_scheme(transform);
    ck_assert_int_eq(sim__oracle_new(&c, &call->oracle), SIM__ORACLE_OK);

    stream_t defaults[3] = {
        { .participant = 1,
          .track = 1,
          .layer = 0,
          .kind = SIM__ORACLE_VIDEO_VP8,
          .ssrc = 0x1000,
          .rtx_ssrc = 0x1100,
          .pt = 96,
          .rtx_pt = 97,
          .ts = 1000,
          .kid = 0x10,
          .key_len = 9000,
          .delta_min = 1200,
          .delta_max = 2400 },
        { .participant = 1,
          .track = 1,
          .layer = 1,
          .kind = SIM__ORACLE_VIDEO_VP8,
          .ssrc = 0x1001,
          .rtx_ssrc = 0x1101,
          .pt = 96,
          .rtx_pt = 97,
          .ts = 1000,
          .kid = 0x11,
          .key_len = 18000,
          .delta_min = 2500,
          .delta_max = 5000 },
        { .participant = 2,
          .track = 7,
          .layer = 0,
          .kind = SIM__ORACLE_AUDIO_OPUS,
          .ssrc = 0x2000,
          .rtx_ssrc = 0,
          .pt = 111,
          .ts = 5000,
          .kid = 0x20,
          .delta_min = 150,
          .delta_max = 250 },
    };
    memcpy(call->streams, defaults, sizeof defaults);

    sim__oracle_track_t video = { .participant_id = 1,
                                  .track_id = 1,
                                  .kind = SIM__ORACLE_VIDEO_VP8,
                                  .n_layers = 2,
                                  .media_pt = 96,
                                  .rtx_pt = 97 };
    video.layers[0] = (sim__oracle_layer_t){ 0x1000, 0x1100 };
    video.layers[1] = (sim__oracle_layer_t){ 0x1001, 0x1101 };
    sim__oracle_track_t audio = { .participant_id = 2,
                                  .track_id = 7,
                                  .kind = SIM__ORACLE_AUDIO_OPUS,
                                  .n_layers = 1,
                                  .media_pt = 111 };
    audio.layers[0] = (sim__oracle_layer_t){ 0x2000, 0 };
    ck_assert_int_eq(sim__oracle_add_track(call->oracle, &video), SIM__ORACLE_OK);
    ck_assert_int_eq(sim__oracle_add_track(call->oracle, &audio), SIM__ORACLE_OK);

    for (size_t i = 0; i < 3; i++) {
        stream_t *s = &call->streams[i];
        s->sframe = make_sframe_sender(s->kid, 0);
        sframe_legacy_sender_config_t lc = sframe_legacy_sender_config_default(SFRAME_LEGACY_JITSI);
        lc.first_send_count = 100 * i;
        ck_assert_int_eq(sframe_legacy_sender_new(&lc, &s->legacy), SFRAME_OK);
        ck_assert_int_eq(sframe_legacy_sender_set_key(s->legacy, 1, test_key, sizeof test_key),
                         SFRAME_OK);
    }
}

static inline void call_free(call_t *call)
{
    for (size_t i = 0; i < 3; i++) {
        sframe_sender_free(call->streams[i].sframe);
        sframe_legacy_sender_free(call->streams[i].legacy);
    }
    sim__oracle_free(call->oracle);
}

/* 140 ticks of 20 ms: an audio frame each, a video frame on both layers
 * every other tick; 280 frames. */
static inline void run_ticks(call_t *call, unsigned ticks)
{
    for (unsigned t = 0; t < ticks; t++) {
        send_frame(call, &call->streams[2]);
        if (t % 2 == 0) {
            send_frame(call, &call->streams[0]);
            send_frame(call, &call->streams[1]);
        }
        call->now_us += 20000;
    }
}

static inline sim__oracle_result_t run_call(transform_t transform)
{
    call_t call;
    call_init(&call, transform, NULL);
    run_ticks(&call, 140);
    sim__oracle_result_t r;
    sim__oracle_result(call.oracle, &r);
    call_free(&call);
    return r;
}

static inline void assert_clean(const sim__oracle_result_t *r)
{
    ck_assert_str_eq(r->verdict, "ciphertext-only");
    ck_assert_uint_eq(r->plaintext_window_hits, 0);
    ck_assert_uint_eq(r->keystream_relation_hits, 0);
    ck_assert_uint_eq(r->nonce_reuse, 0);
    ck_assert_double_ge(r->uniformity_min_p, 1e-6);
    ck_assert_str_eq(r->first_finding, "");
}

#endif
