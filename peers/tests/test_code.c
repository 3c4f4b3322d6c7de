/* The burned-in code: layout at the default scenario's layer sizes, round
 * trips on raw frames (extreme values included), reading through noise,
 * detection of corrupted cells, and survival through real VP8 coding at the
 * lowest layer (160x90, 150 kbps) for 300 frames. */
#include "peers/source.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

typedef struct layer_size {
    uint32_t width, height;
} layer_size_t;

/* The default scenario's three layers: 640x360 at scale_down 1, 2, 4. */
static const layer_size_t layer_sizes[] = { { 640, 360 }, { 320, 180 }, { 160, 90 } };

static const struct {
    uint16_t sender;
    uint32_t frame;
} code_pairs[] = {
    { 0, 0 },           { 1, 1 },        { 0xFFFF, 0xFFFFFFFFu }, { 0, 0xFFFFFFFFu },
    { 0xFFFF, 0 },      { 2, 299 },      { 0x8000, 0x80000000u }, { 0x5555, 0xAAAAAAAAu },
    { 0xAAAA, 0x5555 }, { 1234, 98765 }, { 42, 0x00FFFFFFu },     { 7, 0x01000000u },
};
#define PAIR_COUNT (sizeof(code_pairs) / sizeof(code_pairs[0]))

typedef struct frame_buffer {
    uint8_t *bytes;
    peer__image_t image;
} frame_buffer_t;

static frame_buffer_t frame_alloc(uint32_t width, uint32_t height)
{
    frame_buffer_t fb;
    fb.bytes = malloc(peer__image_i420_size(width, height));
    ck_assert_ptr_nonnull(fb.bytes);
    fb.image = peer__image_wrap_i420(fb.bytes, width, height);
    return fb;
}

static void render(frame_buffer_t *fb, uint16_t sender, uint32_t frame)
{
    peer__pattern_config_t config = peer__pattern_config_default();
    config.sender_id = sender;
    config.seed = 7;
    peer__pattern_render(&config, frame, &fb->image);
}

static peer__code_result_t read_code(const frame_buffer_t *fb, uint16_t *sender, uint32_t *frame)
{
    return peer__code_read(fb->image.planes[0], fb->image.width, fb->image.height,
                           fb->image.strides[0], sender, frame);
}

static void assert_reads(const frame_buffer_t *fb, uint16_t sender, uint32_t frame)
{
    uint16_t got_sender = 0;
    uint32_t got_frame = 0;
    peer__code_result_t result = read_code(fb, &got_sender, &got_frame);
    ck_assert_msg(result == PEER__CODE_OK, "%ux%u sender %u frame %u: %s", fb->image.width,
                  fb->image.height, sender, frame, peer__code_result_name(result));
    ck_assert_uint_eq(got_sender, sender);
    ck_assert_uint_eq(got_frame, frame);
}

/* xorshift32: the deterministic noise of these tests. */
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static void add_noise(frame_buffer_t *fb, int32_t amplitude, uint32_t seed)
{
    uint32_t state = seed | 1u;
    for (uint32_t row = 0; row < fb->image.height; row++) {
        uint8_t *line = fb->image.planes[0] + row * fb->image.strides[0];
        for (uint32_t col = 0; col < fb->image.width; col++) {
            int32_t noise = (int32_t)(next_random(&state) % (uint32_t)(2 * amplitude + 1));
            int32_t value = line[col] + noise - amplitude;
            line[col] = (uint8_t)(value < 0 ? 0 : value > 255 ? 255 : value);
        }
    }
}

static void fill_cell(frame_buffer_t *fb, uint32_t column, uint32_t row, uint8_t luma)
{
    peer__code_layout_t layout = peer__code_layout(fb->image.width, fb->image.height);
    uint32_t x, y;
    peer__code_cell_rect(&layout, column, row, &x, &y);
    for (uint32_t j = 0; j < layout.cell; j++)
        memset(fb->image.planes[0] + (y + j) * fb->image.strides[0] + x, luma, layout.cell);
}

static uint8_t cell_value(const frame_buffer_t *fb, uint32_t column, uint32_t row)
{
    peer__code_layout_t layout = peer__code_layout(fb->image.width, fb->image.height);
    uint32_t x, y;
    peer__code_cell_rect(&layout, column, row, &x, &y);
    return fb->image.planes[0][(y + layout.cell / 2) * fb->image.strides[0] + x + layout.cell / 2];
}

START_TEST(crc16_check_value)
{
    ck_assert_uint_eq(peer__code_crc16((const uint8_t *)"123456789", 9), 0x29B1);
}
END_TEST

START_TEST(layout_scales_with_the_frame)
{
    /* Cells are 8x8 at the lowest layer and grow with the frame. */
    ck_assert_uint_eq(peer__code_layout(160, 90).cell, 8);
    ck_assert_uint_eq(peer__code_layout(320, 180).cell, 16);
    ck_assert_uint_eq(peer__code_layout(640, 360).cell, 32);
    ck_assert_uint_eq(peer__code_layout(1280, 720).cell, 64);
    ck_assert_uint_eq(peer__code_layout(160, 90).origin_x, 8);
    /* Bits fill columns 1..16 row by row; column 0 is the reference. */
    uint32_t column, row;
    peer__code_bit_cell(0, &column, &row);
    ck_assert_uint_eq(column, 1);
    ck_assert_uint_eq(row, 0);
    peer__code_bit_cell(63, &column, &row);
    ck_assert_uint_eq(column, 16);
    ck_assert_uint_eq(row, 3);
    ck_assert_uint_eq(peer__code_layout(39, 90).cell, 0);
    ck_assert_uint_eq(peer__code_layout(160, 21).cell, 0);
    ck_assert_uint_eq(peer__code_layout(40, 22).cell, 2);
}
END_TEST

/* Every pair round-trips over a rendered frame at every layer size. (The
 * code is redrawn over one rendering: a full render per pair would only
 * slow the sanitizer run.) */
START_TEST(round_trip_at_every_layer)
{
    layer_size_t size = layer_sizes[_i];
    frame_buffer_t fb = frame_alloc(size.width, size.height);
    render(&fb, 3, 37);
    for (size_t p = 0; p < PAIR_COUNT; p++) {
        peer__code_draw(&fb.image, code_pairs[p].sender, code_pairs[p].frame);
        assert_reads(&fb, code_pairs[p].sender, code_pairs[p].frame);
    }
    /* And the pattern's own code: sender and frame as rendered. */
    for (uint32_t n = 0; n < 8; n++) {
        render(&fb, (uint16_t)(n * 1000u + 1u), n * 104729u);
        assert_reads(&fb, (uint16_t)(n * 1000u + 1u), n * 104729u);
    }
    free(fb.bytes);
}
END_TEST

START_TEST(reads_through_noise)
{
    layer_size_t size = layer_sizes[_i];
    frame_buffer_t fb = frame_alloc(size.width, size.height);
    size_t bytes = peer__image_i420_size(size.width, size.height);
    uint8_t *background = malloc(bytes);
    ck_assert_ptr_nonnull(background);
    render(&fb, 2, 10);
    memcpy(background, fb.bytes, bytes);
    for (size_t p = 0; p < PAIR_COUNT; p++) {
        memcpy(fb.bytes, background, bytes);
        peer__code_draw(&fb.image, code_pairs[p].sender, code_pairs[p].frame);
        add_noise(&fb, 20, (uint32_t)p + 1u);
        assert_reads(&fb, code_pairs[p].sender, code_pairs[p].frame);
    }
    /* Even +-60 around cells 16/240 leaves each cell's mean clear. */
    render(&fb, 9, 9);
    add_noise(&fb, 60, 99);
    assert_reads(&fb, 9, 9);
    free(background);
    free(fb.bytes);
}
END_TEST

/* Flipping any one data cell is caught by the CRC, not misread. */
START_TEST(flipped_cell_is_detected)
{
    layer_size_t size = layer_sizes[_i];
    frame_buffer_t fb = frame_alloc(size.width, size.height);
    uint16_t sender;
    uint32_t frame;
    render(&fb, 5, 1000);
    for (uint32_t bit = 0; bit < PEER__CODE_BITS; bit++) {
        peer__code_draw(&fb.image, 5, 1000u + bit);
        uint32_t column, row;
        peer__code_bit_cell(bit, &column, &row);
        uint8_t was = cell_value(&fb, column, row);
        fill_cell(&fb, column, row,
                  (uint8_t)(was == PEER__CODE_WHITE ? PEER__CODE_BLACK : PEER__CODE_WHITE));
        ck_assert_int_eq(read_code(&fb, &sender, &frame), PEER__CODE_BAD_CHECKSUM);
    }
    /* Two flipped cells as well, for a spread of pairs. */
    for (uint32_t bit = 0; bit + 7u < PEER__CODE_BITS; bit += 3u) {
        peer__code_draw(&fb.image, 6, bit);
        for (uint32_t b = bit; b <= bit + 7u; b += 7u) {
            uint32_t column, row;
            peer__code_bit_cell(b, &column, &row);
            uint8_t was = cell_value(&fb, column, row);
            fill_cell(&fb, column, row,
                      (uint8_t)(was == PEER__CODE_WHITE ? PEER__CODE_BLACK : PEER__CODE_WHITE));
        }
        ck_assert_int_eq(read_code(&fb, &sender, &frame), PEER__CODE_BAD_CHECKSUM);
    }
    free(fb.bytes);
}
END_TEST

START_TEST(damaged_code_is_unreadable)
{
    frame_buffer_t fb = frame_alloc(160, 90);
    uint16_t sender = 77;
    uint32_t frame = 77;

    /* A grey data cell sits on the threshold. */
    render(&fb, 1, 2);
    fill_cell(&fb, 3, 2, 128);
    ck_assert_int_eq(read_code(&fb, &sender, &frame), PEER__CODE_AMBIGUOUS);
    render(&fb, 1, 2);
    fill_cell(&fb, 16, 3, 150);
    ck_assert_int_eq(read_code(&fb, &sender, &frame), PEER__CODE_AMBIGUOUS);

    /* A black reference cell that turned white: no trustworthy threshold. */
    render(&fb, 1, 2);
    fill_cell(&fb, 0, 1, PEER__CODE_WHITE);
    ck_assert_int_eq(read_code(&fb, &sender, &frame), PEER__CODE_NO_CONTRAST);
    render(&fb, 1, 2);
    fill_cell(&fb, 0, 2, 60);
    ck_assert_int_eq(read_code(&fb, &sender, &frame), PEER__CODE_NO_CONTRAST);

    /* A flat grey picture (a decoder's concealment) has no code. */
    memset(fb.bytes, 128, peer__image_i420_size(160, 90));
    ck_assert_int_eq(read_code(&fb, &sender, &frame), PEER__CODE_NO_CONTRAST);

    /* All data cells black, or all white, with the references intact. */
    for (int white = 0; white <= 1; white++) {
        render(&fb, 1, 2);
        for (uint32_t bit = 0; bit < PEER__CODE_BITS; bit++) {
            uint32_t column, row;
            peer__code_bit_cell(bit, &column, &row);
            fill_cell(&fb, column, row, (uint8_t)(white ? PEER__CODE_WHITE : PEER__CODE_BLACK));
        }
        ck_assert_int_eq(read_code(&fb, &sender, &frame), PEER__CODE_BAD_CHECKSUM);
    }

    /* Too small a frame carries no code. */
    ck_assert_int_eq(peer__code_read(fb.bytes, 39, 90, 39, &sender, &frame), PEER__CODE_TOO_SMALL);
    ck_assert_uint_eq(sender, 77);
    ck_assert_uint_eq(frame, 77);
    free(fb.bytes);
}
END_TEST

/* ---- Through VP8 ---- */

typedef struct vp8_pair {
    vpx_codec_ctx_t encoder;
    vpx_codec_ctx_t decoder;
    vpx_image_t input;
} vp8_pair_t;

static void vp8_open(vp8_pair_t *pair, uint32_t width, uint32_t height, uint32_t kbps)
{
    vpx_codec_enc_cfg_t cfg;
    ck_assert_int_eq(vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0), VPX_CODEC_OK);
    cfg.g_w = width;
    cfg.g_h = height;
    cfg.g_timebase.num = 1;
    cfg.g_timebase.den = 30;
    cfg.rc_target_bitrate = kbps;
    cfg.rc_end_usage = VPX_CBR;
    cfg.g_lag_in_frames = 0;
    cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
    cfg.g_threads = 1;
    cfg.kf_max_dist = 3000;
    cfg.rc_min_quantizer = 2;
    cfg.rc_max_quantizer = 56;
    cfg.rc_buf_sz = 1000;
    cfg.rc_buf_initial_sz = 500;
    cfg.rc_buf_optimal_sz = 600;
    cfg.rc_undershoot_pct = 100;
    cfg.rc_overshoot_pct = 15;
    ck_assert_int_eq(vpx_codec_enc_init(&pair->encoder, vpx_codec_vp8_cx(), &cfg, 0), VPX_CODEC_OK);
    ck_assert_int_eq(vpx_codec_control(&pair->encoder, VP8E_SET_CPUUSED, 8), VPX_CODEC_OK);
    ck_assert_int_eq(vpx_codec_control(&pair->encoder, VP8E_SET_STATIC_THRESHOLD, 1), VPX_CODEC_OK);
    ck_assert_int_eq(vpx_codec_dec_init(&pair->decoder, vpx_codec_vp8_dx(), NULL, 0), VPX_CODEC_OK);
    ck_assert_ptr_nonnull(vpx_img_alloc(&pair->input, VPX_IMG_FMT_I420, width, height, 16));
}

static void vp8_close(vp8_pair_t *pair)
{
    vpx_img_free(&pair->input);
    vpx_codec_destroy(&pair->encoder);
    vpx_codec_destroy(&pair->decoder);
}

static peer__image_t image_of_vpx(const vpx_image_t *img)
{
    return (peer__image_t){
        .planes = { img->planes[0], img->planes[1], img->planes[2] },
        .strides = { (size_t)img->stride[0], (size_t)img->stride[1], (size_t)img->stride[2] },
        .width = img->d_w,
        .height = img->d_h,
    };
}

/* The largest distance, over all 68 cells, between the mean of a cell's
 * inner half in `decoded` and in `source` (where it is 16 or 240): how far
 * lossy coding moved the code toward the reader's dead zone. */
static uint32_t worst_cell_error(const vpx_image_t *decoded, const peer__image_t *source)
{
    peer__code_layout_t layout = peer__code_layout(source->width, source->height);
    uint32_t margin = layout.cell / 4u, side = layout.cell - 2u * margin, worst = 0;
    for (uint32_t row = 0; row < PEER__CODE_ROWS; row++) {
        for (uint32_t column = 0; column < PEER__CODE_COLUMNS; column++) {
            uint32_t x, y;
            peer__code_cell_rect(&layout, column, row, &x, &y);
            int32_t sum_decoded = 0, sum_source = 0;
            for (uint32_t j = 0; j < side; j++) {
                for (uint32_t i = 0; i < side; i++) {
                    size_t yy = y + margin + j, xx = x + margin + i;
                    sum_decoded += decoded->planes[0][yy * (size_t)decoded->stride[0] + xx];
                    sum_source += source->planes[0][yy * source->strides[0] + xx];
                }
            }
            int32_t diff = abs(sum_decoded - sum_source) / (int32_t)(side * side);
            worst = (uint32_t)diff > worst ? (uint32_t)diff : worst;
        }
    }
    return worst;
}

/* Encodes frame n and decodes what came out; returns the decoded picture
 * (valid until the next call) and adds the encoded size to *bytes. */
static const vpx_image_t *vp8_round_trip(vp8_pair_t *pair, uint32_t n, size_t *bytes)
{
    ck_assert_int_eq(vpx_codec_encode(&pair->encoder, &pair->input, n, 1, 0, VPX_DL_REALTIME),
                     VPX_CODEC_OK);
    vpx_codec_iter_t iter = NULL;
    const vpx_codec_cx_pkt_t *pkt;
    int frames = 0;
    while ((pkt = vpx_codec_get_cx_data(&pair->encoder, &iter)) != NULL) {
        if (pkt->kind != VPX_CODEC_CX_FRAME_PKT)
            continue;
        *bytes += pkt->data.frame.sz;
        ck_assert_int_eq(vpx_codec_decode(&pair->decoder, pkt->data.frame.buf,
                                          (unsigned int)pkt->data.frame.sz, NULL, 0),
                         VPX_CODEC_OK);
        frames++;
    }
    ck_assert_int_eq(frames, 1);
    vpx_codec_iter_t out_iter = NULL;
    const vpx_image_t *decoded = vpx_codec_get_frame(&pair->decoder, &out_iter);
    ck_assert_ptr_nonnull(decoded);
    return decoded;
}

/* Given a sender at the lowest layer of the default scenario (160x90,
 * 150 kbps, realtime, cpu-used 8), when 300 frames go through VP8, then
 * every decoded frame shows its own sender id and frame number. */
START_TEST(code_survives_vp8_at_the_lowest_layer)
{
    vp8_pair_t pair;
    vp8_open(&pair, 160, 90, 150);
    peer__pattern_config_t config = { .sender_id = 0xBEEF, .seed = 1 };
    peer__image_t input = image_of_vpx(&pair.input);
    uint8_t *reference = malloc(peer__image_i420_size(160, 90));
    ck_assert_ptr_nonnull(reference);
    peer__image_t source = peer__image_wrap_i420(reference, 160, 90);
    size_t bytes = 0, read_ok = 0;
    uint32_t worst_error = 0;
    double psnr_sum = 0.0, psnr_min = PEER__PSNR_CAP_DB;
    for (uint32_t n = 0; n < 300; n++) {
        peer__pattern_render(&config, n, &input);
        const vpx_image_t *decoded = vp8_round_trip(&pair, n, &bytes);
        uint16_t sender = 0;
        uint32_t frame = 0;
        peer__code_result_t result = peer__code_read(decoded->planes[0], decoded->d_w, decoded->d_h,
                                                     (size_t)decoded->stride[0], &sender, &frame);
        ck_assert_msg(result == PEER__CODE_OK, "frame %u: %s", n, peer__code_result_name(result));
        ck_assert_uint_eq(sender, 0xBEEF);
        ck_assert_uint_eq(frame, n);
        read_ok++;
        /* The receiver's reference: the source regenerated at this size. */
        peer__pattern_render(&config, frame, &source);
        uint32_t error = worst_cell_error(decoded, &source);
        worst_error = error > worst_error ? error : worst_error;
        peer__image_t out = image_of_vpx(decoded);
        double psnr = peer__psnr_luma(&out, &source);
        psnr_sum += psnr;
        psnr_min = psnr < psnr_min ? psnr : psnr_min;
    }
    double kbps = (double)bytes * 8.0 * 30.0 / 300.0 / 1000.0;
    printf("vp8 160x90 @150 kbps: %zu/300 codes read, %.1f kbps, luma PSNR avg %.2f min %.2f dB, "
           "worst cell error %u\n",
           read_ok, kbps, psnr_sum / 300.0, psnr_min, worst_error);
    /* Cells sit 112 from the midpoint and the dead zone is 37 wide: the
     * worst cell must keep at least half of its margin. */
    ck_assert_uint_lt(worst_error, 56);
    /* The encoder did real work, within its budget. */
    ck_assert_double_lt(kbps, 200.0);
    ck_assert_double_gt(kbps, 60.0);
    ck_assert_double_gt(psnr_sum / 300.0, 25.0);
    ck_assert_double_lt(psnr_sum / 300.0, 50.0);
    free(reference);
    vp8_close(&pair);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("peers_code");
    TCase *raw = tcase_create("raw");
    tcase_add_test(raw, crc16_check_value);
    tcase_add_test(raw, layout_scales_with_the_frame);
    tcase_add_loop_test(raw, round_trip_at_every_layer, 0, 3);
    tcase_add_loop_test(raw, reads_through_noise, 0, 3);
    tcase_add_loop_test(raw, flipped_cell_is_detected, 0, 3);
    tcase_add_test(raw, damaged_code_is_unreadable);
    suite_add_tcase(suite, raw);
    TCase *vp8 = tcase_create("vp8");
    tcase_add_test(vp8, code_survives_vp8_at_the_lowest_layer);
    suite_add_tcase(suite, vp8);
    return suite;
}
