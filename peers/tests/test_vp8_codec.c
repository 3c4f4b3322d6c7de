/* VP8 encoder and decoder (peers/vp8_codec.c) on the default scenario's
 * three simulcast layer sizes, with a moving, textured test picture.
 *
 * Round trip: 60 frames (2 s at 30 fps) per layer encode and decode back;
 * every frame decodes at the layer's size, only the first is a keyframe,
 * the second second's bitrate stays within 1.5x the layer's max_kbps, and
 * the luma PSNR against the input averages above 30 dB. Keyframes come on
 * request and at the configured interval. Garbage, truncated frames and
 * delta frames without a reference yield errors, never crashes (these tests
 * also run under ASan). After warm-up, encode and decode allocate nothing. */
#include "peers/codec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"

#define FPS         30
#define FRAMES      60
#define FRAME_US    (1000000u / FPS)
#define MIN_PSNR_DB 30.0

typedef struct layer {
    unsigned width, height, max_kbps;
} layer_t;

static const layer_t layers[] = {
    { 160, 90, 150 },
    { 320, 180, 500 },
    { 640, 360, 1500 },
};

static uint8_t clamp_u8(double value)
{
    return (uint8_t)(value < 0.0 ? 0.0 : value > 255.0 ? 255.0 : value);
}

/* Frame n of a moving picture: drifting sine texture, a bright box moving
 * across, and colour gradients; scaled with the frame size so every layer
 * shows the same scene. */
static void render(unsigned width, unsigned height, unsigned n, uint8_t *i420)
{
    double scale = (double)width / 640.0;
    double box_x = fmod(4.0 * n * scale, (double)width), box_y = (double)height / 3.0;
    double box = (double)height / 4.0;
    for (unsigned y = 0; y < height; y++) {
        for (unsigned x = 0; x < width; x++) {
            double xs = x / scale, ys = y / scale;
            double luma = 110.0 + 40.0 * sin((xs + 3.0 * n) * 0.08) * cos((ys - 2.0 * n) * 0.06) +
                          20.0 * sin((xs + ys) * 0.02);
            if (x >= box_x && x < box_x + box && y >= box_y && y < box_y + box)
                luma = ((x / 4 + y / 4) % 2) ? 230.0 : 60.0;
            i420[(size_t)y * width + x] = clamp_u8(luma);
        }
    }
    size_t luma_size = (size_t)width * height, chroma_w = width / 2, chroma_h = height / 2;
    for (size_t y = 0; y < chroma_h; y++) {
        for (size_t x = 0; x < chroma_w; x++) {
            i420[luma_size + y * chroma_w + x] =
                clamp_u8(128.0 + 60.0 * (double)x / (double)chroma_w);
            i420[luma_size + chroma_w * chroma_h + y * chroma_w + x] =
                clamp_u8(128.0 - 50.0 * (double)y / (double)chroma_h + (double)(n % 30));
        }
    }
}

static double luma_psnr(const uint8_t *a, const uint8_t *b, size_t luma_size)
{
    double sse = 0.0;
    for (size_t i = 0; i < luma_size; i++) {
        double d = (double)a[i] - (double)b[i];
        sse += d * d;
    }
    if (sse == 0.0)
        return 99.0;
    return 10.0 * log10(255.0 * 255.0 * (double)luma_size / sse);
}

static peer__vp8_encoder_t *make_encoder(const layer_t *layer, uint64_t keyframe_interval_us)
{
    peer__vp8_encoder_config_t config = peer__vp8_encoder_config_default();
    config.width = layer->width;
    config.height = layer->height;
    config.fps = FPS;
    config.max_kbps = layer->max_kbps;
    config.keyframe_interval_us = keyframe_interval_us;
    peer__vp8_encoder_t *encoder = NULL;
    ck_assert_int_eq(peer__vp8_encoder_new(&config, &encoder), PEER__CODEC_OK);
    ck_assert_ptr_nonnull(encoder);
    return encoder;
}

/* Given a layer's encoder and a decoder, when 60 frames go through both,
 * then every frame decodes to the layer's size, the first frame alone is a
 * keyframe, the rate of the second second is capped and quality holds. */
START_TEST(round_trip_per_layer)
{
    const layer_t *layer = &layers[_i];
    size_t frame_len = peer__i420_size(layer->width, layer->height);
    uint8_t *source = malloc(frame_len), *decoded = malloc(frame_len);
    ck_assert_ptr_nonnull(source);
    ck_assert_ptr_nonnull(decoded);
    peer__vp8_encoder_t *encoder = make_encoder(layer, 0);
    peer__vp8_decoder_t *decoder = NULL;
    ck_assert_int_eq(peer__vp8_decoder_new(&decoder), PEER__CODEC_OK);

    size_t second_bytes = 0;
    double psnr_sum = 0.0, psnr_min = 99.0;
    for (unsigned n = 0; n < FRAMES; n++) {
        render(layer->width, layer->height, n, source);
        peer__encoded_frame_t frame;
        uint64_t now_us = 5000000u + (uint64_t)n * FRAME_US;
        ck_assert_int_eq(peer__vp8_encoder_encode(encoder, source, frame_len, now_us, &frame),
                         PEER__CODEC_OK);
        ck_assert_uint_gt(frame.len, 0);
        ck_assert_uint_eq(frame.capture_us, now_us);
        ck_assert_int_eq(frame.keyframe, n == 0);
        ck_assert_int_eq(peer__vp8_is_keyframe(frame.data, frame.len), n == 0);
        if (n >= FPS)
            second_bytes += frame.len;

        unsigned width = 0, height = 0;
        ck_assert_int_eq(peer__vp8_decoder_decode(decoder, frame.data, frame.len, decoded,
                                                  frame_len, &width, &height),
                         PEER__CODEC_OK);
        ck_assert_uint_eq(width, layer->width);
        ck_assert_uint_eq(height, layer->height);
        double psnr = luma_psnr(source, decoded, (size_t)width * height);
        psnr_sum += psnr;
        psnr_min = psnr < psnr_min ? psnr : psnr_min;
    }
    double kbps = (double)second_bytes * 8.0 / 1000.0;
    double psnr_mean = psnr_sum / FRAMES;
    printf("vp8 %ux%u cap %u kbps: second-second %.0f kbps, luma PSNR mean %.2f dB min %.2f dB\n",
           layer->width, layer->height, layer->max_kbps, kbps, psnr_mean, psnr_min);
    ck_assert_double_le(kbps, 1.5 * layer->max_kbps);
    ck_assert_double_gt(kbps, 0.2 * layer->max_kbps); /* CBR spends its budget */
    ck_assert_double_gt(psnr_mean, MIN_PSNR_DB);

    peer__vp8_decoder_free(decoder);
    peer__vp8_encoder_free(encoder);
    free(source);
    free(decoded);
}
END_TEST

START_TEST(keyframe_on_request)
{
    const layer_t *layer = &layers[1];
    size_t frame_len = peer__i420_size(layer->width, layer->height);
    uint8_t *source = malloc(frame_len);
    ck_assert_ptr_nonnull(source);
    peer__vp8_encoder_t *encoder = make_encoder(layer, 0);
    for (unsigned n = 0; n < 12; n++) {
        if (n == 5 || n == 9)
            peer__vp8_encoder_request_keyframe(encoder);
        render(layer->width, layer->height, n, source);
        peer__encoded_frame_t frame;
        ck_assert_int_eq(
            peer__vp8_encoder_encode(encoder, source, frame_len, (uint64_t)n * FRAME_US, &frame),
            PEER__CODEC_OK);
        bool expect = n == 0 || n == 5 || n == 9;
        ck_assert_int_eq(frame.keyframe, expect);
        ck_assert_int_eq(peer__vp8_is_keyframe(frame.data, frame.len), expect);
    }
    peer__vp8_encoder_free(encoder);
    free(source);
}
END_TEST

START_TEST(keyframe_interval)
{
    const layer_t *layer = &layers[0];
    size_t frame_len = peer__i420_size(layer->width, layer->height);
    uint8_t *source = malloc(frame_len);
    ck_assert_ptr_nonnull(source);
    /* 0.5 s at 30 fps: frames 0, 15, 30 and 45. */
    peer__vp8_encoder_t *encoder = make_encoder(layer, 500000);
    for (unsigned n = 0; n < FRAMES; n++) {
        render(layer->width, layer->height, n, source);
        peer__encoded_frame_t frame;
        uint64_t now_us = (uint64_t)n * 1000000u / FPS;
        ck_assert_int_eq(peer__vp8_encoder_encode(encoder, source, frame_len, now_us, &frame),
                         PEER__CODEC_OK);
        ck_assert_int_eq(frame.keyframe, n % 15 == 0);
    }
    peer__vp8_encoder_free(encoder);
    free(source);
}
END_TEST

START_TEST(bad_arguments)
{
    peer__vp8_encoder_config_t config = peer__vp8_encoder_config_default();
    peer__vp8_encoder_t *encoder = (peer__vp8_encoder_t *)&config;
    config.width = 641;
    ck_assert_int_eq(peer__vp8_encoder_new(&config, &encoder), PEER__CODEC_ERR_INVALID_ARG);
    ck_assert_ptr_null(encoder);
    config = peer__vp8_encoder_config_default();
    config.speed = 3;
    ck_assert_int_eq(peer__vp8_encoder_new(&config, &encoder), PEER__CODEC_ERR_INVALID_ARG);
    config = peer__vp8_encoder_config_default();
    config.max_kbps = 0;
    ck_assert_int_eq(peer__vp8_encoder_new(&config, &encoder), PEER__CODEC_ERR_INVALID_ARG);
    ck_assert_int_eq(peer__vp8_encoder_new(NULL, &encoder), PEER__CODEC_ERR_INVALID_ARG);

    const layer_t *layer = &layers[0];
    size_t frame_len = peer__i420_size(layer->width, layer->height);
    uint8_t *source = calloc(1, frame_len);
    ck_assert_ptr_nonnull(source);
    encoder = make_encoder(layer, 0);
    peer__encoded_frame_t frame;
    ck_assert_int_eq(peer__vp8_encoder_encode(encoder, source, frame_len - 1, 0, &frame),
                     PEER__CODEC_ERR_INVALID_ARG);
    ck_assert_int_eq(peer__vp8_encoder_encode(encoder, source, frame_len, 1000, &frame),
                     PEER__CODEC_OK);
    /* Time must move forward. */
    ck_assert_int_eq(peer__vp8_encoder_encode(encoder, source, frame_len, 1000, &frame),
                     PEER__CODEC_ERR_INVALID_ARG);
    ck_assert_int_eq(peer__vp8_encoder_set_kbps(encoder, 0), PEER__CODEC_ERR_INVALID_ARG);
    ck_assert_int_eq(peer__vp8_encoder_set_kbps(encoder, 100), PEER__CODEC_OK);
    ck_assert_int_eq(peer__vp8_encoder_encode(encoder, source, frame_len, 40000, &frame),
                     PEER__CODEC_OK);
    ck_assert_int_eq(frame.keyframe, false);
    peer__vp8_encoder_free(encoder);
    peer__vp8_encoder_free(NULL);
    peer__vp8_decoder_free(NULL);
    free(source);
    ck_assert_str_eq(peer__codec_strerror(PEER__CODEC_ERR_NEED_KEYFRAME),
                     "the decoder has no valid reference: it waits for a keyframe");
    ck_assert_str_eq(peer__codec_strerror((peer__codec_err_t)99), "unknown peers codec error");
}
END_TEST

/* Encodes frames 0 .. count - 1 of the lowest layer into separate copies. */
typedef struct encoded_copy {
    uint8_t *data;
    size_t len;
} encoded_copy_t;

static void encode_copies(encoded_copy_t *copies, unsigned count)
{
    const layer_t *layer = &layers[0];
    size_t frame_len = peer__i420_size(layer->width, layer->height);
    uint8_t *source = malloc(frame_len);
    ck_assert_ptr_nonnull(source);
    peer__vp8_encoder_t *encoder = make_encoder(layer, 0);
    for (unsigned n = 0; n < count; n++) {
        render(layer->width, layer->height, n, source);
        peer__encoded_frame_t frame;
        ck_assert_int_eq(
            peer__vp8_encoder_encode(encoder, source, frame_len, (uint64_t)n * FRAME_US, &frame),
            PEER__CODEC_OK);
        copies[n].data = malloc(frame.len);
        ck_assert_ptr_nonnull(copies[n].data);
        memcpy(copies[n].data, frame.data, frame.len);
        copies[n].len = frame.len;
    }
    peer__vp8_encoder_free(encoder);
    free(source);
}

static uint64_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return *state >> 33;
}

/* Given a decoder, when it gets random bytes, truncated keyframes, delta
 * frames without a reference or damaged delta frames, then each call fails
 * with an error (never a crash), and a later keyframe decodes again. */
START_TEST(garbage_and_truncation)
{
    enum { COUNT = 4 };
    encoded_copy_t copies[COUNT];
    encode_copies(copies, COUNT);
    const layer_t *layer = &layers[0];
    size_t frame_len = peer__i420_size(layer->width, layer->height);
    uint8_t *decoded = malloc(frame_len);
    uint8_t garbage[2048];
    ck_assert_ptr_nonnull(decoded);
    peer__vp8_decoder_t *decoder = NULL;
    ck_assert_int_eq(peer__vp8_decoder_new(&decoder), PEER__CODEC_OK);
    unsigned width, height;

    /* A delta frame before any keyframe. */
    ck_assert_int_eq(peer__vp8_decoder_decode(decoder, copies[1].data, copies[1].len, decoded,
                                              frame_len, &width, &height),
                     PEER__CODEC_ERR_NEED_KEYFRAME);

    /* Random bytes, some made to look like keyframes: never accepted. */
    uint64_t state = 42;
    for (unsigned round = 0; round < 200; round++) {
        size_t len = 1 + (size_t)(next_random(&state) % sizeof garbage);
        for (size_t i = 0; i < len; i++)
            garbage[i] = (uint8_t)next_random(&state);
        if (round % 2 == 0 && len >= 10) {
            garbage[0] &= 0xfe; /* keyframe, with a valid start code and size */
            garbage[3] = 0x9d;
            garbage[4] = 0x01;
            garbage[5] = 0x2a;
            garbage[6] = 160;
            garbage[7] = 0;
            garbage[8] = 90;
            garbage[9] = 0;
        }
        peer__codec_err_t err =
            peer__vp8_decoder_decode(decoder, garbage, len, decoded, frame_len, &width, &height);
        ck_assert_msg(err == PEER__CODEC_ERR_CORRUPT || err == PEER__CODEC_ERR_NEED_KEYFRAME,
                      "garbage round %u (%zu bytes): %s", round, len, peer__codec_strerror(err));
    }

    /* Truncated keyframes. */
    const size_t cuts[] = { 1, 3, 9, 10, 20, copies[0].len / 2, copies[0].len * 3 / 4 };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        peer__codec_err_t err = peer__vp8_decoder_decode(decoder, copies[0].data, cuts[i], decoded,
                                                         frame_len, &width, &height);
        ck_assert_msg(err == PEER__CODEC_ERR_CORRUPT || err == PEER__CODEC_ERR_NEED_KEYFRAME,
                      "keyframe cut to %zu of %zu bytes: %s", cuts[i], copies[0].len,
                      peer__codec_strerror(err));
    }

    /* The real keyframe restores decoding; a truncated delta frame breaks it
     * and the decoder then refuses delta frames until the next keyframe. */
    ck_assert_int_eq(peer__vp8_decoder_decode(decoder, copies[0].data, copies[0].len, decoded,
                                              frame_len, &width, &height),
                     PEER__CODEC_OK);
    ck_assert_int_eq(peer__vp8_decoder_decode(decoder, copies[1].data, copies[1].len / 2, decoded,
                                              frame_len, &width, &height),
                     PEER__CODEC_ERR_CORRUPT);
    ck_assert_int_eq(peer__vp8_decoder_decode(decoder, copies[2].data, copies[2].len, decoded,
                                              frame_len, &width, &height),
                     PEER__CODEC_ERR_NEED_KEYFRAME);
    ck_assert_int_eq(peer__vp8_decoder_decode(decoder, copies[0].data, copies[0].len, decoded,
                                              frame_len, &width, &height),
                     PEER__CODEC_OK);
    ck_assert_uint_eq(width, layer->width);
    ck_assert_uint_eq(height, layer->height);

    /* A too-small output buffer is reported with the size it needs. */
    ck_assert_int_eq(peer__vp8_decoder_decode(decoder, copies[0].data, copies[0].len, decoded,
                                              frame_len - 1, &width, &height),
                     PEER__CODEC_ERR_NO_SPACE);
    ck_assert_uint_eq(width, layer->width);
    ck_assert_int_eq(
        peer__vp8_decoder_decode(decoder, NULL, 10, decoded, frame_len, &width, &height),
        PEER__CODEC_ERR_INVALID_ARG);

    peer__vp8_decoder_free(decoder);
    for (unsigned n = 0; n < COUNT; n++)
        free(copies[n].data);
    free(decoded);
}
END_TEST

/* A decoder follows a layer switch: a keyframe of another size. */
START_TEST(resolution_change_at_keyframe)
{
    peer__vp8_decoder_t *decoder = NULL;
    ck_assert_int_eq(peer__vp8_decoder_new(&decoder), PEER__CODEC_OK);
    size_t top_len = peer__i420_size(layers[2].width, layers[2].height);
    uint8_t *source = malloc(top_len), *decoded = malloc(top_len);
    ck_assert_ptr_nonnull(source);
    ck_assert_ptr_nonnull(decoded);
    for (unsigned i = 0; i < 3; i++) {
        const layer_t *layer = &layers[2 - i];
        size_t frame_len = peer__i420_size(layer->width, layer->height);
        peer__vp8_encoder_t *encoder = make_encoder(layer, 0);
        for (unsigned n = 0; n < 3; n++) {
            render(layer->width, layer->height, n, source);
            peer__encoded_frame_t frame;
            ck_assert_int_eq(peer__vp8_encoder_encode(encoder, source, frame_len,
                                                      (uint64_t)n * FRAME_US, &frame),
                             PEER__CODEC_OK);
            unsigned width, height;
            ck_assert_int_eq(peer__vp8_decoder_decode(decoder, frame.data, frame.len, decoded,
                                                      top_len, &width, &height),
                             PEER__CODEC_OK);
            ck_assert_uint_eq(width, layer->width);
            ck_assert_uint_eq(height, layer->height);
        }
        peer__vp8_encoder_free(encoder);
    }
    peer__vp8_decoder_free(decoder);
    free(source);
    free(decoded);
}
END_TEST

#if COUNT_ALLOCATIONS
/* Given an encoder and a decoder after 10 warm-up frames, when 60 more
 * frames (one of them a requested keyframe) are encoded and decoded, then
 * neither this code nor libvpx allocates. */
START_TEST(no_allocation_per_frame)
{
    const layer_t *layer = &layers[2];
    size_t frame_len = peer__i420_size(layer->width, layer->height);
    uint8_t *source = malloc(frame_len), *decoded = malloc(frame_len);
    ck_assert_ptr_nonnull(source);
    ck_assert_ptr_nonnull(decoded);
    peer__vp8_encoder_t *encoder = make_encoder(layer, 0);
    peer__vp8_decoder_t *decoder = NULL;
    ck_assert_int_eq(peer__vp8_decoder_new(&decoder), PEER__CODEC_OK);
    /* No Check assertion inside the loop: Check records passing assertions
     * too, which allocates. */
    unsigned long before = 0;
    unsigned failures = 0;
    for (unsigned n = 0; n < 70; n++) {
        render(layer->width, layer->height, n, source);
        if (n == 10)
            before = allocations;
        if (n == 40)
            peer__vp8_encoder_request_keyframe(encoder);
        peer__encoded_frame_t frame;
        unsigned width, height;
        if (peer__vp8_encoder_encode(encoder, source, frame_len, (uint64_t)n * FRAME_US, &frame) !=
                PEER__CODEC_OK ||
            peer__vp8_decoder_decode(decoder, frame.data, frame.len, decoded, frame_len, &width,
                                     &height) != PEER__CODEC_OK)
            failures++;
    }
    unsigned long during = allocations - before;
    ck_assert_uint_eq(failures, 0);
    ck_assert_uint_eq(during, 0);
    ck_assert_uint_gt(before, 0); /* the counter does see setup */
    peer__vp8_decoder_free(decoder);
    peer__vp8_encoder_free(encoder);
    free(source);
    free(decoded);
}
END_TEST
#endif

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("peers_vp8_codec");
    TCase *tc = tcase_create("vp8");
    tcase_add_loop_test(tc, round_trip_per_layer, 0, (int)(sizeof layers / sizeof layers[0]));
    tcase_add_test(tc, keyframe_on_request);
    tcase_add_test(tc, keyframe_interval);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, garbage_and_truncation);
    tcase_add_test(tc, resolution_change_at_keyframe);
#if COUNT_ALLOCATIONS
    tcase_add_test(tc, no_allocation_per_frame);
#endif
    suite_add_tcase(suite, tc);
    return suite;
}
