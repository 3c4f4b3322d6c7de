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
 * Timing: CLOCK_MONOTONIC around passes of 60 frames (50 packets); one
 * warm-up pass, then passes until the time budget, and the best pass
 * counts, which cancels most machine noise. Output follows docs/cli.md
 * "Benchmarks": one JSON object per line; `--quick` runs a few seconds. */
#include "peers/codec.h"
#include "peers/e2ee.h"
#include "peers/packetizer.h"
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
    return bench_opus(budget_ns);
}
