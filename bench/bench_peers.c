/* bench_peers: the cost of the peers' codecs, which sizes large rooms.
 *
 * Cases, at each layer size of the default scenario (640x360 at 1500 kbps,
 * 320x180 at 500 kbps, 160x90 at 150 kbps; 30 fps; peers/codec.h encoder
 * defaults: realtime, fixed speed 8, CBR):
 *  - vp8-encode: peer__vp8_encoder_encode of the peers' "pattern" source
 *    (60 distinct frames rendered before timing, fed in a loop with growing
 *    capture times, so the encoder keeps doing inter prediction);
 *  - vp8-decode: peer__vp8_decoder_decode of 60 frames encoded by that
 *    encoder (a keyframe, then delta frames), replayed pass after pass by
 *    one decoder (the keyframe resets it); includes the copy out to
 *    contiguous I420;
 *  - clip-verify: what a receiver in clip mode does instead of decoding,
 *    peer__clip_verify (FNV-1a 64 over the frame) of the same 60 frames,
 *    reported against vp8-decode as its reference: the ratio is how many
 *    times cheaper verification is than decoding.
 * And Opus (mono, 20 ms, 32 kbps, complexity 9, VBR: the default
 * scenario's audio) on a 1 kHz tone:
 *  - opus-encode and opus-decode: packets per second (50 make one second
 *    of audio), and opus-plc: concealment of a lost packet.
 * And the E2EE transform's share of the per-frame cost, at each layer size,
 * on the same 60 encoded frames:
 *  - e2ee-sframe-gcm and e2ee-legacy: protect then unprotect of each frame
 *    (peers/e2ee.h: RFC 9605 AES_128_GCM_SHA256_128, and the Jitsi
 *    insertable-streams format), in ns per frame, reported against what a
 *    sender spends on a frame, encode + protect + packetize (the packetizer
 *    with the peers' default extensions: DD, transport-wide number, mid,
 *    rid, abs-capture-time): the ratio is the transform's share.
 *
 * And the shared frame cache (peer.h, "Frame cache"), at 640x360:
 *  - pattern-render: peer__pattern_render of distinct frames, what a sender
 *    or a receiver without a cache spends on each picture;
 *  - frame-cache-hit: peer__frame_cache_picture finding one of 60 pictures
 *    already in the cache, reported against pattern-render (the ratio is
 *    how many times cheaper a hit is);
 *  - frame-cache-copy: a memcpy of one picture, against pattern-render:
 *    what a sender would add by rendering privately and copying into the
 *    cache instead of rendering into it;
 *  - frame-cache-call/4-peers: the picture work of a 4-peer call, per
 *    captured frame: 4 senders render their three layers, 4 receivers
 *    take the top layer of the 3 others and measure its PSNR (against a
 *    fixed picture standing in for the decoded one), with one shared
 *    16 MB cache, reported against the same work without a cache (the
 *    ratio is the share of the time that remains).
 *
 * Timing: CLOCK_MONOTONIC around passes of 60 frames (50 packets); one
 * warm-up pass, then passes until the time budget, and the best pass
 * counts, which cancels most machine noise. Output follows docs/cli.md
 * "Benchmarks": one JSON object per line; `--quick` runs a few seconds. */
#include "peers/codec.h"
#include "peers/e2ee.h"
#include "peers/packetizer.h"
#include "peers/peer_internal.h"
#include "peers/source.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

#define FPS            30
#define FRAMES         60 /* per pass */
#define PACKETS        50 /* per pass: 1 s of 20 ms audio */
#define ONE_SECOND     1e9
#define MIN_PASSES     3
#define MAX_ENCODED    (1u << 20)
#define PI             3.14159265358979323846
#define TONE_HZ        1000.0
#define TONE_AMPLITUDE 10362.0
#define MTU            1200
#define MAX_PACKETS    512 /* per frame */
#define E2EE_OVERHEAD  64

typedef struct layer {
    unsigned width, height, max_kbps;
} layer_t;

static const layer_t layers[] = {
    { 640, 360, 1500 },
    { 320, 180, 500 },
    { 160, 90, 150 },
};

typedef struct encoded_set {
    uint8_t *bytes;
    size_t offsets[FRAMES], lens[FRAMES];
} encoded_set_t;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * ONE_SECOND + (double)ts.tv_nsec;
}

/* Frame n of the "pattern" source the peers send (peers/source.h), so the
 * encoder works on the same content as in a call. */
static void render(unsigned width, unsigned height, unsigned n, uint8_t *i420)
{
    peer__pattern_config_t pattern = peer__pattern_config_default();
    peer__image_t image = peer__image_wrap_i420(i420, width, height);
    peer__pattern_render(&pattern, n, &image);
}

static void print_line(const char *kase, const char *metric, double value, const char *unit)
{
    printf("{\"bench\": \"peers\", \"case\": \"%s\", \"metric\": \"%s\", \"value\": %.0f, "
           "\"unit\": \"%s\"}\n",
           kase, metric, value, unit);
    fflush(stdout);
}

static void print_line_ref(const char *kase, const char *metric, double value, const char *unit,
                           const char *reference, double reference_value)
{
    printf("{\"bench\": \"peers\", \"case\": \"%s\", \"metric\": \"%s\", \"value\": %.0f, "
           "\"unit\": \"%s\", \"reference\": \"%s\", \"reference_value\": %.0f, "
           "\"ratio\": %.4f}\n",
           kase, metric, value, unit, reference, reference_value, value / reference_value);
    fflush(stdout);
}

/* ---- VP8 ---------------------------------------------------------------- */

typedef struct vp8_case {
    const layer_t *layer;
    size_t frame_len;
    uint8_t *sources; /* FRAMES rendered frames */
    uint8_t *decoded;
    encoded_set_t encoded;
    peer__clip_t *clip;
    peer__vp8_encoder_t *encoder;
    peer__vp8_decoder_t *decoder;
    uint64_t next_us;
} vp8_case_t;

static void vp8_case_free(vp8_case_t *c)
{
    free(c->sources);
    free(c->decoded);
    free(c->encoded.bytes);
    peer__clip_free(c->clip);
    peer__vp8_encoder_free(c->encoder);
    peer__vp8_decoder_free(c->decoder);
}

/* One pass of FRAMES encodes; false on a codec error. */
static bool encode_pass(vp8_case_t *c, encoded_set_t *keep)
{
    size_t used = 0;
    for (unsigned n = 0; n < FRAMES; n++) {
        peer__encoded_frame_t frame;
        if (peer__vp8_encoder_encode(c->encoder, c->sources + n * c->frame_len, c->frame_len,
                                     c->next_us, &frame) != PEER__CODEC_OK)
            return false;
        c->next_us += 1000000u / FPS;
        if (keep != NULL) {
            if (used + frame.len > MAX_ENCODED)
                return false;
            memcpy(keep->bytes + used, frame.data, frame.len);
            keep->offsets[n] = used;
            keep->lens[n] = frame.len;
            used += frame.len;
        }
    }
    return true;
}

/* The sequence starts with a keyframe, so one decoder replays it pass
 * after pass without carrying anything over. */
static bool decode_pass(vp8_case_t *c)
{
    for (unsigned n = 0; n < FRAMES; n++) {
        unsigned width, height;
        if (peer__vp8_decoder_decode(c->decoder, c->encoded.bytes + c->encoded.offsets[n],
                                     c->encoded.lens[n], c->decoded, c->frame_len, &width,
                                     &height) != PEER__CODEC_OK)
            return false;
    }
    return true;
}

static bool vp8_case_init(vp8_case_t *c, const layer_t *layer)
{
    memset(c, 0, sizeof *c);
    c->layer = layer;
    c->frame_len = peer__i420_size(layer->width, layer->height);
    c->sources = malloc(c->frame_len * FRAMES);
    c->decoded = malloc(c->frame_len);
    c->encoded.bytes = malloc(MAX_ENCODED);
    if (c->sources == NULL || c->decoded == NULL || c->encoded.bytes == NULL)
        return false;
    for (unsigned n = 0; n < FRAMES; n++)
        render(layer->width, layer->height, n, c->sources + n * c->frame_len);
    peer__vp8_encoder_config_t config = peer__vp8_encoder_config_default();
    config.width = layer->width;
    config.height = layer->height;
    config.fps = FPS;
    config.max_kbps = layer->max_kbps;
    if (peer__vp8_encoder_new(&config, &c->encoder) != PEER__CODEC_OK ||
        peer__vp8_decoder_new(&c->decoder) != PEER__CODEC_OK)
        return false;
    /* The first pass (keyframe included) is kept for decode and clip. */
    if (!encode_pass(c, &c->encoded) || peer__clip_new(FRAMES, &c->clip) != PEER__CODEC_OK)
        return false;
    for (unsigned n = 0; n < FRAMES; n++)
        if (peer__clip_append(c->clip, c->encoded.bytes + c->encoded.offsets[n], c->encoded.lens[n],
                              n == 0) != PEER__CODEC_OK)
            return false;
    return true;
}

/* Runs pass() until the budget is spent (at least MIN_PASSES after one
 * warm-up) and returns the best pass time in ns, or a negative value. */
typedef bool (*pass_fn)(void *ctx);

static double best_pass_ns(pass_fn pass, void *ctx, double budget_ns)
{
    if (!pass(ctx))
        return -1.0;
    double best = 0.0, spent = 0.0;
    for (int passes = 0; passes < MIN_PASSES || spent < budget_ns; passes++) {
        double start = now_ns();
        if (!pass(ctx))
            return -1.0;
        double elapsed = now_ns() - start;
        spent += elapsed;
        if (passes == 0 || elapsed < best)
            best = elapsed;
    }
    return best;
}

static bool encode_pass_fn(void *ctx)
{
    return encode_pass(ctx, NULL);
}

static bool decode_pass_fn(void *ctx)
{
    return decode_pass(ctx);
}

static bool verify_pass_fn(void *ctx)
{
    vp8_case_t *c = ctx;
    for (unsigned n = 0; n < FRAMES; n++)
        if (peer__clip_verify(c->clip, n, c->encoded.bytes + c->encoded.offsets[n],
                              c->encoded.lens[n]) != PEER__CODEC_OK)
            return false;
    return true;
}

/* ---- E2EE share ---------------------------------------------------------- */

typedef struct e2ee_case {
    const vp8_case_t *vp8;
    peer__e2ee_sender_t *sender;
    peer__e2ee_receiver_t *receiver;
    peer__packetizer_t packetizer;
    uint16_t twcc;
    uint8_t *protected_frames; /* FRAMES protected frames, for packetize */
    size_t offsets[FRAMES], lens[FRAMES];
    uint8_t *plain;
    uint8_t *packet_bytes;
    peer__packet_slot_t slots[MAX_PACKETS];
} e2ee_case_t;

static const uint8_t bench_key[16] = "bench base key!!";

static void e2ee_case_free(e2ee_case_t *e)
{
    peer__e2ee_sender_free(e->sender);
    peer__e2ee_receiver_free(e->receiver);
    free(e->protected_frames);
    free(e->plain);
    free(e->packet_bytes);
}

static bool e2ee_case_init(e2ee_case_t *e, const vp8_case_t *c, peer__e2ee_scheme_t scheme)
{
    memset(e, 0, sizeof *e);
    e->vp8 = c;
    peer__e2ee_sender_config_t sc = peer__e2ee_sender_config_default(scheme);
    sc.sender_id = 1;
    sc.stream = 1;
    peer__e2ee_receiver_config_t rc = peer__e2ee_receiver_config_default(scheme);
    rc.sender_id = 1;
    if (peer__e2ee_sender_new(&sc, &e->sender) != SFRAME_OK ||
        peer__e2ee_sender_set_key(e->sender, 1, bench_key, sizeof bench_key) != SFRAME_OK ||
        peer__e2ee_receiver_new(&rc, &e->receiver) != SFRAME_OK ||
        peer__e2ee_receiver_add_key(e->receiver, 1, 0, bench_key, sizeof bench_key, 0) != SFRAME_OK)
        return false;
    peer__packetizer_config_t pc = peer__packetizer_config_default();
    pc.ssrc = 0x1234;
    pc.mtu = MTU;
    pc.signal = PEER__SIGNAL_DD;
    pc.ext_twcc = 2;
    pc.ext_mid = 3;
    pc.ext_rid = 4;
    pc.ext_dd = 5;
    pc.ext_abs_capture_time = 7;
    pc.mid = "1";
    pc.rid = "f";
    pc.twcc_seq = &e->twcc;
    if (peer__packetizer_init(&e->packetizer, &pc) != RTP_OK)
        return false;
    size_t total = 0;
    for (unsigned n = 0; n < FRAMES; n++)
        total += c->encoded.lens[n] + E2EE_OVERHEAD;
    e->protected_frames = malloc(total);
    e->plain = malloc(MAX_ENCODED);
    e->packet_bytes = malloc((size_t)MAX_PACKETS * MTU);
    if (e->protected_frames == NULL || e->plain == NULL || e->packet_bytes == NULL)
        return false;
    for (unsigned i = 0; i < MAX_PACKETS; i++)
        e->slots[i] =
            (peer__packet_slot_t){ .data = e->packet_bytes + (size_t)i * MTU, .cap = MTU };
    size_t used = 0;
    for (unsigned n = 0; n < FRAMES; n++) {
        e->offsets[n] = used;
        used += c->encoded.lens[n] + E2EE_OVERHEAD;
    }
    return true;
}

static bool protect_frame(e2ee_case_t *e, unsigned n)
{
    const vp8_case_t *c = e->vp8;
    const uint8_t *frame = c->encoded.bytes + c->encoded.offsets[n];
    size_t len = c->encoded.lens[n];
    return peer__e2ee_sender_protect(e->sender, frame, len, PEER__E2EE_VIDEO_VP8,
                                     peer__vp8_is_keyframe(frame, len), 0x1234, 3000u * n,
                                     e->protected_frames + e->offsets[n], len + E2EE_OVERHEAD,
                                     &e->lens[n]) == SFRAME_OK;
}

static bool protect_pass(void *ctx)
{
    e2ee_case_t *e = ctx;
    for (unsigned n = 0; n < FRAMES; n++)
        if (!protect_frame(e, n))
            return false;
    return true;
}

/* Protect then unprotect each frame: fresh counters, so no replay. */
static bool round_trip_pass(void *ctx)
{
    e2ee_case_t *e = ctx;
    for (unsigned n = 0; n < FRAMES; n++) {
        size_t out_len = 0;
        if (!protect_frame(e, n) ||
            peer__e2ee_receiver_unprotect(
                e->receiver, PEER__E2EE_VIDEO_VP8, e->protected_frames + e->offsets[n], e->lens[n],
                n, 0, e->plain, MAX_ENCODED, &out_len) != PEER__E2EE_DECRYPTED ||
            out_len != e->vp8->encoded.lens[n])
            return false;
    }
    return true;
}

static bool packetize_pass(void *ctx)
{
    e2ee_case_t *e = ctx;
    for (unsigned n = 0; n < FRAMES; n++) {
        const uint8_t *frame = e->protected_frames + e->offsets[n];
        peer__frame_meta_t meta = { .keyframe = n == 0,
                                    .frame_number = (uint16_t)n,
                                    .rtp_timestamp = 3000u * n,
                                    .has_capture_time = true,
                                    .capture_ntp_q32 = (uint64_t)n << 27 };
        size_t count = 0;
        if (peer__packetize(&e->packetizer, &meta, frame, e->lens[n], e->slots, MAX_PACKETS,
                            &count) != RTP_OK)
            return false;
    }
    return true;
}

/* The transform's protect + unprotect per frame against a sender's encode
 * + protect + packetize per frame. */
static bool bench_e2ee(vp8_case_t *c, const char *size, double encode_ns, double budget_ns)
{
    static const struct {
        peer__e2ee_scheme_t scheme;
        const char *name;
    } schemes[] = { { PEER__E2EE_SFRAME, "e2ee-sframe-gcm" },
                    { PEER__E2EE_INSERTABLE_LEGACY, "e2ee-legacy" } };
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        e2ee_case_t e;
        bool ok = e2ee_case_init(&e, c, schemes[i].scheme);
        double protect_ns = ok ? best_pass_ns(protect_pass, &e, budget_ns / 4) : -1.0;
        double packetize_ns = ok ? best_pass_ns(packetize_pass, &e, budget_ns / 4) : -1.0;
        double round_trip_ns = ok ? best_pass_ns(round_trip_pass, &e, budget_ns / 4) : -1.0;
        e2ee_case_free(&e);
        if (protect_ns <= 0.0 || packetize_ns <= 0.0 || round_trip_ns <= 0.0) {
            fprintf(stderr, "bench_peers: %s failed at %s\n", schemes[i].name, size);
            return false;
        }
        char kase[64];
        snprintf(kase, sizeof kase, "%s/%s", schemes[i].name, size);
        print_line_ref(kase, "ns_per_frame", round_trip_ns / FRAMES, "ns",
                       "encode+protect+packetize",
                       (encode_ns + protect_ns + packetize_ns) / FRAMES);
    }
    return true;
}

static int bench_layer(const layer_t *layer, double budget_ns)
{
    vp8_case_t c;
    int code = EXIT_INTERNAL;
    if (!vp8_case_init(&c, layer)) {
        fprintf(stderr, "bench_peers: setup failed at %ux%u\n", layer->width, layer->height);
        goto done;
    }
    char size[32], kase[64];
    snprintf(size, sizeof size, "%ux%u@%ukbps", layer->width, layer->height, layer->max_kbps);

    double encode_ns = best_pass_ns(encode_pass_fn, &c, budget_ns);
    double decode_ns = best_pass_ns(decode_pass_fn, &c, budget_ns);
    double verify_ns = best_pass_ns(verify_pass_fn, &c, budget_ns / 4);
    if (encode_ns <= 0.0 || decode_ns <= 0.0 || verify_ns <= 0.0) {
        fprintf(stderr, "bench_peers: a codec call failed at %s\n", size);
        goto done;
    }
    double encode_fps = FRAMES * ONE_SECOND / encode_ns;
    double decode_fps = FRAMES * ONE_SECOND / decode_ns;
    double verify_fps = FRAMES * ONE_SECOND / verify_ns;
    snprintf(kase, sizeof kase, "vp8-encode/%s", size);
    print_line(kase, "frames_per_s", encode_fps, "1/s");
    snprintf(kase, sizeof kase, "vp8-decode/%s", size);
    print_line(kase, "frames_per_s", decode_fps, "1/s");
    snprintf(kase, sizeof kase, "clip-verify/%s", size);
    print_line_ref(kase, "frames_per_s", verify_fps, "1/s", "vp8-decode", decode_fps);
    if (!bench_e2ee(&c, size, encode_ns, budget_ns))
        goto done;
    code = EXIT_SUCCESS;
done:
    vp8_case_free(&c);
    return code;
}

/* ---- Frame cache ---------------------------------------------------------- */

#define CACHE_HIT_REPEAT  100 /* hit passes: FRAMES pictures, this many times */
#define CALL_PEERS        4
#define CALL_FRAMES       5 /* per pass of the 4-peer case */
#define CALL_CACHE_BYTES  (16u << 20)
#define CACHE_PICTURE_MAX (640u * 360u * 3u / 2u)

typedef struct cache_case {
    peer_frame_cache_t *cache; /* NULL: the call case without one */
    uint8_t *fallback;         /* one 640x360 picture */
    uint8_t *copy;
    uint8_t *decoded; /* the call case's stand-in for a decoded picture */
    uint32_t next_frame;
    double psnr_sum; /* keeps the PSNR work from being optimised out */
} cache_case_t;

static bool render_pass(void *ctx)
{
    cache_case_t *c = ctx;
    peer__pattern_config_t pattern = peer__pattern_config_default();
    peer__image_t image = peer__image_wrap_i420(c->fallback, 640, 360);
    for (unsigned n = 0; n < FRAMES; n++)
        peer__pattern_render(&pattern, c->next_frame++, &image);
    return true;
}

/* Frames 0..FRAMES-1 were put in the cache beforehand. */
static bool hit_pass(void *ctx)
{
    cache_case_t *c = ctx;
    peer__pattern_config_t pattern = peer__pattern_config_default();
    for (unsigned r = 0; r < CACHE_HIT_REPEAT; r++)
        for (unsigned n = 0; n < FRAMES; n++)
            if (peer__frame_cache_picture(c->cache, &pattern, n, 640, 360, c->fallback).planes[0] ==
                c->fallback)
                return false;
    return true;
}

static bool copy_pass(void *ctx)
{
    cache_case_t *c = ctx;
    for (unsigned n = 0; n < FRAMES; n++) {
        c->fallback[0] = (uint8_t)n;
        memcpy(c->copy, c->fallback, CACHE_PICTURE_MAX);
    }
    return c->copy[0] == FRAMES - 1;
}

/* CALL_FRAMES captured frames of the 4-peer call: senders first (they
 * capture before their receivers see anything), then receivers. */
static bool call_pass(void *ctx)
{
    cache_case_t *c = ctx;
    peer__image_t decoded = peer__image_wrap_i420(c->decoded, 640, 360);
    for (unsigned f = 0; f < CALL_FRAMES; f++) {
        uint32_t n = c->next_frame++;
        for (unsigned s = 0; s < CALL_PEERS; s++) {
            peer__pattern_config_t pattern = { .sender_id = (uint16_t)(s + 1), .seed = 42 };
            for (size_t l = sizeof layers / sizeof layers[0]; l-- > 0;)
                (void)peer__frame_cache_picture(c->cache, &pattern, n, layers[l].width,
                                                layers[l].height, c->fallback);
        }
        for (unsigned r = 0; r < CALL_PEERS; r++) {
            for (unsigned s = 0; s < CALL_PEERS; s++) {
                if (s == r)
                    continue;
                peer__pattern_config_t pattern = { .sender_id = (uint16_t)(s + 1), .seed = 42 };
                peer__image_t reference =
                    peer__frame_cache_picture(c->cache, &pattern, n, 640, 360, c->fallback);
                c->psnr_sum += peer__psnr_i420(&decoded, &reference);
            }
        }
    }
    return c->psnr_sum > 0.0;
}

static void cache_case_free(cache_case_t *c)
{
    peer_frame_cache_free(c->cache);
    free(c->fallback);
    free(c->copy);
    free(c->decoded);
}

static bool cache_case_init(cache_case_t *c, size_t max_bytes)
{
    memset(c, 0, sizeof *c);
    c->fallback = malloc(CACHE_PICTURE_MAX);
    c->copy = malloc(CACHE_PICTURE_MAX);
    c->decoded = malloc(CACHE_PICTURE_MAX);
    if (c->fallback == NULL || c->copy == NULL || c->decoded == NULL)
        return false;
    render(640, 360, 1000, c->decoded);
    return max_bytes == 0 || peer_frame_cache_new(max_bytes, &c->cache) == PEER_OK;
}

static int bench_frame_cache(double budget_ns)
{
    int code = EXIT_INTERNAL;
    cache_case_t micro, call_without, call_with;
    bool ok = cache_case_init(&micro, (size_t)FRAMES * CACHE_PICTURE_MAX) &&
              cache_case_init(&call_without, 0) && cache_case_init(&call_with, CALL_CACHE_BYTES) &&
              render_pass(&micro);
    /* The hit pass asks for frames 0..FRAMES-1: put them in. */
    peer__pattern_config_t pattern = peer__pattern_config_default();
    for (unsigned n = 0; ok && n < FRAMES; n++)
        (void)peer__frame_cache_picture(micro.cache, &pattern, n, 640, 360, micro.fallback);
    double render_ns = ok ? best_pass_ns(render_pass, &micro, budget_ns / 2) : -1.0;
    double hit_ns = ok ? best_pass_ns(hit_pass, &micro, budget_ns / 4) : -1.0;
    double copy_ns = ok ? best_pass_ns(copy_pass, &micro, budget_ns / 4) : -1.0;
    double without_ns = ok ? best_pass_ns(call_pass, &call_without, budget_ns) : -1.0;
    double with_ns = ok ? best_pass_ns(call_pass, &call_with, budget_ns) : -1.0;
    if (render_ns <= 0.0 || hit_ns <= 0.0 || copy_ns <= 0.0 || without_ns <= 0.0 ||
        with_ns <= 0.0) {
        fprintf(stderr, "bench_peers: the frame cache case failed\n");
        goto done;
    }
    double render_fps = FRAMES * ONE_SECOND / render_ns;
    print_line("pattern-render/640x360", "frames_per_s", render_fps, "1/s");
    print_line_ref("frame-cache-hit/640x360", "frames_per_s",
                   FRAMES * CACHE_HIT_REPEAT * ONE_SECOND / hit_ns, "1/s", "pattern-render",
                   render_fps);
    print_line_ref("frame-cache-copy/640x360", "frames_per_s", FRAMES * ONE_SECOND / copy_ns, "1/s",
                   "pattern-render", render_fps);
    print_line_ref("frame-cache-call/4-peers", "ns_per_frame", with_ns / CALL_FRAMES, "ns",
                   "no-cache", without_ns / CALL_FRAMES);
    code = EXIT_SUCCESS;
done:
    cache_case_free(&micro);
    cache_case_free(&call_without);
    cache_case_free(&call_with);
    return code;
}

/* ---- Opus --------------------------------------------------------------- */

typedef struct opus_case {
    peer__opus_encoder_t *encoder;
    peer__opus_decoder_t *decoder;
    unsigned frame;
    int16_t pcm[PACKETS][PEER__OPUS_MAX_SAMPLES];
    uint8_t packets[PACKETS][PEER__OPUS_MAX_PACKET];
    size_t lens[PACKETS];
    int16_t out[PEER__OPUS_MAX_SAMPLES];
} opus_case_t;

static bool opus_encode_pass(void *ctx)
{
    opus_case_t *c = ctx;
    for (unsigned p = 0; p < PACKETS; p++)
        if (peer__opus_encoder_encode(c->encoder, c->pcm[p], c->frame, c->packets[p],
                                      PEER__OPUS_MAX_PACKET, &c->lens[p]) != PEER__CODEC_OK)
            return false;
    return true;
}

static bool opus_decode_pass(void *ctx)
{
    opus_case_t *c = ctx;
    size_t decoded;
    for (unsigned p = 0; p < PACKETS; p++)
        if (peer__opus_decoder_decode(c->decoder, c->packets[p], c->lens[p], c->out,
                                      PEER__OPUS_MAX_SAMPLES, &decoded) != PEER__CODEC_OK)
            return false;
    return true;
}

static bool opus_plc_pass(void *ctx)
{
    opus_case_t *c = ctx;
    size_t decoded;
    for (unsigned p = 0; p < PACKETS; p++)
        if (peer__opus_decoder_decode(c->decoder, NULL, 0, c->out, PEER__OPUS_MAX_SAMPLES,
                                      &decoded) != PEER__CODEC_OK)
            return false;
    return true;
}

static int bench_opus(double budget_ns)
{
    int code = EXIT_INTERNAL;
    opus_case_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return code;
    peer__opus_config_t config = peer__opus_config_default();
    c->frame = peer__opus_frame_samples(&config);
    for (unsigned p = 0; p < PACKETS; p++)
        for (unsigned i = 0; i < c->frame; i++)
            c->pcm[p][i] =
                (int16_t)lrint(TONE_AMPLITUDE * sin(2.0 * PI * TONE_HZ * (p * c->frame + i) /
                                                    (double)PEER__OPUS_RATE));
    if (peer__opus_encoder_new(&config, &c->encoder) != PEER__CODEC_OK ||
        peer__opus_decoder_new(&config, &c->decoder) != PEER__CODEC_OK) {
        fprintf(stderr, "bench_peers: opus setup failed\n");
        goto done;
    }
    double encode_ns = best_pass_ns(opus_encode_pass, c, budget_ns);
    double decode_ns = best_pass_ns(opus_decode_pass, c, budget_ns);
    double plc_ns = best_pass_ns(opus_plc_pass, c, budget_ns / 2);
    if (encode_ns <= 0.0 || decode_ns <= 0.0 || plc_ns <= 0.0) {
        fprintf(stderr, "bench_peers: an opus call failed\n");
        goto done;
    }
    print_line("opus-encode/mono-20ms@32kbps", "packets_per_s", PACKETS * ONE_SECOND / encode_ns,
               "1/s");
    print_line("opus-decode/mono-20ms@32kbps", "packets_per_s", PACKETS * ONE_SECOND / decode_ns,
               "1/s");
    print_line("opus-plc/mono-20ms", "packets_per_s", PACKETS * ONE_SECOND / plc_ns, "1/s");
    code = EXIT_SUCCESS;
done:
    peer__opus_encoder_free(c->encoder);
    peer__opus_decoder_free(c->decoder);
    free(c);
    return code;
}

int main(int argc, char **argv)
{
    double budget_ns = 1.0 * ONE_SECOND;
    if (argc == 2 && strcmp(argv[1], "--quick") == 0) {
        budget_ns = 0.1 * ONE_SECOND;
    } else if (argc != 1) {
        fprintf(stderr, "usage: bench_peers [--quick]\n");
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        int code = bench_layer(&layers[i], budget_ns);
        if (code != EXIT_SUCCESS)
            return code;
    }
    int code = bench_frame_cache(budget_ns);
    if (code != EXIT_SUCCESS)
        return code;
    return bench_opus(budget_ns);
}
