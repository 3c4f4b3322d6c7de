/* VP8 encoder and decoder over libvpx (RFC 6386), set up the way a WebRTC
 * browser sets up one simulcast layer (libwebrtc's libvpx_vp8_encoder.cc).
 *
 * Encoder settings, each deliberate:
 *  - realtime: deadline VPX_DL_REALTIME, g_lag_in_frames 0 (a frame out for
 *    every frame in), one thread, and cpu-used passed negated
 *    (-config.speed): a fixed speed. A positive cpu-used makes libvpx pick
 *    its speed from wall-clock encode times, which would make the bitstream
 *    depend on machine load; blindfold's runs must be reproducible.
 *  - rate: VPX_CBR at max_kbps with libwebrtc's buffer model (initial 500,
 *    optimal 600, size 1000 ms; undershoot 100 %, overshoot 15 %), q 2..56,
 *    and the keyframe size cap libwebrtc computes (MaxIntraTarget: optimal
 *    buffer * 0.5 * fps / 10 percent of a frame's budget, at least 300 %).
 *  - no frame dropping (rc_dropframe_thresh 0) and no spatial resize: every
 *    captured frame yields an encoded frame, so the harness can account for
 *    each frame number end to end.
 *  - one temporal layer: every frame has TID 0 (the packetizer writes
 *    TID 0 and TL0PICIDX increments per frame). g_error_resilient stays 0
 *    as libwebrtc leaves it for a single temporal layer.
 *  - keyframes: kf_mode VPX_KF_DISABLED, so libvpx never inserts one on its
 *    own (no scene-cut detection); the first frame is a keyframe, and
 *    VPX_EFLAG_FORCE_KF makes one after a request or once
 *    keyframe_interval_us of virtual time passed since the last one.
 *  - static threshold 1, no denoiser, one token partition, as libwebrtc.
 *  - presentation time: now_us - first now_us in a 1/1000000 time base,
 *    duration 1000000 / fps.
 *
 * The decoder runs one thread without post-processing and copies the
 * decoded picture out as contiguous I420. It reports both libvpx errors and
 * frames libvpx decoded but flagged corrupted (VP8D_GET_FRAME_CORRUPTED),
 * and after either, or before the first keyframe, it refuses delta frames
 * until a keyframe decodes: decoding them would only propagate garbage. */
#include "peers/codec.h"

#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

#include <stdlib.h>
#include <string.h>

#define VP8__MIN_DIM         16
#define VP8__MAX_DIM         4096
#define VP8__MIN_SPEED       4
#define VP8__MAX_SPEED       16
#define VP8__US_PER_S        1000000u
#define VP8__BUF_INITIAL_MS  500
#define VP8__BUF_OPTIMAL_MS  600
#define VP8__BUF_SIZE_MS     1000
#define VP8__MIN_Q           2
#define VP8__MAX_Q           56
#define VP8__MIN_INTRA_PCT   300u
#define VP8__KEYFRAME_HEADER 10 /* frame tag (3) + start code (3) + sizes (4) */

struct peer__vp8_encoder {
    vpx_codec_ctx_t codec;
    vpx_codec_enc_cfg_t cfg;
    vpx_image_t image;
    peer__vp8_encoder_config_t config;
    uint64_t first_us, last_us, last_keyframe_us;
    bool started;
    bool keyframe_requested;
};

struct peer__vp8_decoder {
    vpx_codec_ctx_t codec;
    bool have_reference; /* a keyframe decoded and nothing failed since */
};

peer__vp8_encoder_config_t peer__vp8_encoder_config_default(void)
{
    return (peer__vp8_encoder_config_t){
        .width = 640,
        .height = 360,
        .fps = 30,
        .max_kbps = 1500,
        .keyframe_interval_us = 0,
        .speed = 8,
    };
}

static bool config_valid(const peer__vp8_encoder_config_t *c)
{
    return c->width >= VP8__MIN_DIM && c->width <= VP8__MAX_DIM && c->height >= VP8__MIN_DIM &&
           c->height <= VP8__MAX_DIM && c->width % 2 == 0 && c->height % 2 == 0 && c->fps > 0 &&
           c->fps <= 240 && c->max_kbps > 0 && c->max_kbps <= 100000 &&
           c->speed >= VP8__MIN_SPEED && c->speed <= VP8__MAX_SPEED;
}

/* libwebrtc's MaxIntraTarget(): keyframe size cap in percent of the
 * per-frame budget. */
static unsigned max_intra_pct(unsigned fps)
{
    unsigned pct = VP8__BUF_OPTIMAL_MS / 2 * fps / 10;
    return pct < VP8__MIN_INTRA_PCT ? VP8__MIN_INTRA_PCT : pct;
}

static bool fill_config(vpx_codec_enc_cfg_t *cfg, const peer__vp8_encoder_config_t *c)
{
    if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), cfg, 0) != VPX_CODEC_OK)
        return false;
    cfg->g_w = c->width;
    cfg->g_h = c->height;
    cfg->g_threads = 1;
    cfg->g_timebase.num = 1;
    cfg->g_timebase.den = (int)VP8__US_PER_S;
    cfg->g_lag_in_frames = 0;
    cfg->g_error_resilient = 0;
    cfg->g_pass = VPX_RC_ONE_PASS;
    cfg->rc_end_usage = VPX_CBR;
    cfg->rc_target_bitrate = c->max_kbps;
    cfg->rc_dropframe_thresh = 0;
    cfg->rc_resize_allowed = 0;
    cfg->rc_min_quantizer = VP8__MIN_Q;
    cfg->rc_max_quantizer = VP8__MAX_Q;
    cfg->rc_undershoot_pct = 100;
    cfg->rc_overshoot_pct = 15;
    cfg->rc_buf_initial_sz = VP8__BUF_INITIAL_MS;
    cfg->rc_buf_optimal_sz = VP8__BUF_OPTIMAL_MS;
    cfg->rc_buf_sz = VP8__BUF_SIZE_MS;
    cfg->kf_mode = VPX_KF_DISABLED;
    cfg->ts_number_layers = 1;
    return true;
}

peer__codec_err_t peer__vp8_encoder_new(const peer__vp8_encoder_config_t *config,
                                        peer__vp8_encoder_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (config == NULL || out == NULL || !config_valid(config))
        return PEER__CODEC_ERR_INVALID_ARG;

    peer__vp8_encoder_t *enc = calloc(1, sizeof *enc);
    if (enc == NULL)
        return PEER__CODEC_ERR_NO_MEMORY;
    enc->config = *config;
    if (!fill_config(&enc->cfg, config)) {
        free(enc);
        return PEER__CODEC_ERR_CODEC;
    }
    if (vpx_codec_enc_init(&enc->codec, vpx_codec_vp8_cx(), &enc->cfg, 0) != VPX_CODEC_OK) {
        free(enc);
        return PEER__CODEC_ERR_CODEC;
    }
    if (vpx_codec_control(&enc->codec, VP8E_SET_CPUUSED, -(int)config->speed) != VPX_CODEC_OK ||
        vpx_codec_control(&enc->codec, VP8E_SET_STATIC_THRESHOLD, 1u) != VPX_CODEC_OK ||
        vpx_codec_control(&enc->codec, VP8E_SET_NOISE_SENSITIVITY, 0u) != VPX_CODEC_OK ||
        vpx_codec_control(&enc->codec, VP8E_SET_TOKEN_PARTITIONS, (int)VP8_ONE_TOKENPARTITION) !=
            VPX_CODEC_OK ||
        vpx_codec_control(&enc->codec, VP8E_SET_MAX_INTRA_BITRATE_PCT,
                          max_intra_pct(config->fps)) != VPX_CODEC_OK) {
        peer__vp8_encoder_free(enc);
        return PEER__CODEC_ERR_CODEC;
    }
    *out = enc;
    return PEER__CODEC_OK;
}

void peer__vp8_encoder_free(peer__vp8_encoder_t *encoder)
{
    if (encoder == NULL)
        return;
    vpx_codec_destroy(&encoder->codec);
    free(encoder);
}

void peer__vp8_encoder_request_keyframe(peer__vp8_encoder_t *encoder)
{
    if (encoder != NULL)
        encoder->keyframe_requested = true;
}

peer__codec_err_t peer__vp8_encoder_set_kbps(peer__vp8_encoder_t *encoder, unsigned kbps)
{
    if (encoder == NULL || kbps == 0 || kbps > 100000)
        return PEER__CODEC_ERR_INVALID_ARG;
    encoder->cfg.rc_target_bitrate = kbps;
    if (vpx_codec_enc_config_set(&encoder->codec, &encoder->cfg) != VPX_CODEC_OK)
        return PEER__CODEC_ERR_CODEC;
    encoder->config.max_kbps = kbps;
    return PEER__CODEC_OK;
}

static bool keyframe_due(const peer__vp8_encoder_t *enc, uint64_t now_us)
{
    if (!enc->started || enc->keyframe_requested)
        return true;
    return enc->config.keyframe_interval_us != 0 &&
           now_us - enc->last_keyframe_us >= enc->config.keyframe_interval_us;
}

peer__codec_err_t peer__vp8_encoder_encode(peer__vp8_encoder_t *encoder, const uint8_t *i420,
                                           size_t i420_len, uint64_t now_us,
                                           peer__encoded_frame_t *frame)
{
    if (encoder == NULL || i420 == NULL || frame == NULL)
        return PEER__CODEC_ERR_INVALID_ARG;
    const peer__vp8_encoder_config_t *c = &encoder->config;
    if (i420_len != peer__i420_size(c->width, c->height) ||
        (encoder->started && now_us <= encoder->last_us))
        return PEER__CODEC_ERR_INVALID_ARG;
    *frame = (peer__encoded_frame_t){ .capture_us = now_us };

    /* vpx_img_wrap only points the planes into the caller's frame. The
     * encoder reads through a non-const pointer but does not write. */
    if (vpx_img_wrap(&encoder->image, VPX_IMG_FMT_I420, c->width, c->height, 1,
                     (unsigned char *)(uintptr_t)i420) == NULL)
        return PEER__CODEC_ERR_CODEC;
    if (!encoder->started)
        encoder->first_us = now_us;
    vpx_enc_frame_flags_t flags = keyframe_due(encoder, now_us) ? VPX_EFLAG_FORCE_KF : 0;
    vpx_codec_pts_t pts = (vpx_codec_pts_t)(now_us - encoder->first_us);
    if (vpx_codec_encode(&encoder->codec, &encoder->image, pts, VP8__US_PER_S / c->fps, flags,
                         VPX_DL_REALTIME) != VPX_CODEC_OK)
        return PEER__CODEC_ERR_CODEC;
    encoder->started = true;
    encoder->last_us = now_us;
    encoder->keyframe_requested = false;

    vpx_codec_iter_t iter = NULL;
    const vpx_codec_cx_pkt_t *pkt;
    while ((pkt = vpx_codec_get_cx_data(&encoder->codec, &iter)) != NULL) {
        if (pkt->kind != VPX_CODEC_CX_FRAME_PKT)
            continue;
        /* One token partition and no VPX_CODEC_USE_OUTPUT_PARTITION: one
         * packet per frame. */
        frame->data = pkt->data.frame.buf;
        frame->len = pkt->data.frame.sz;
        frame->keyframe = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
    }
    if (frame->keyframe)
        encoder->last_keyframe_us = now_us;
    return PEER__CODEC_OK;
}

bool peer__vp8_is_keyframe(const uint8_t *data, size_t len)
{
    return data != NULL && len >= VP8__KEYFRAME_HEADER && (data[0] & 0x01) == 0 &&
           data[3] == 0x9d && data[4] == 0x01 && data[5] == 0x2a;
}

/* ---- decoder ------------------------------------------------------------ */

peer__codec_err_t peer__vp8_decoder_new(peer__vp8_decoder_t **out)
{
    if (out == NULL)
        return PEER__CODEC_ERR_INVALID_ARG;
    *out = NULL;
    peer__vp8_decoder_t *dec = calloc(1, sizeof *dec);
    if (dec == NULL)
        return PEER__CODEC_ERR_NO_MEMORY;
    vpx_codec_dec_cfg_t cfg = { .threads = 1, .w = 0, .h = 0 };
    if (vpx_codec_dec_init(&dec->codec, vpx_codec_vp8_dx(), &cfg, 0) != VPX_CODEC_OK) {
        free(dec);
        return PEER__CODEC_ERR_CODEC;
    }
    *out = dec;
    return PEER__CODEC_OK;
}

void peer__vp8_decoder_free(peer__vp8_decoder_t *decoder)
{
    if (decoder == NULL)
        return;
    vpx_codec_destroy(&decoder->codec);
    free(decoder);
}

static void copy_plane(uint8_t *dst, const uint8_t *src, int stride, unsigned width,
                       unsigned height)
{
    for (unsigned row = 0; row < height; row++)
        memcpy(dst + (size_t)row * width, src + (ptrdiff_t)row * stride, width);
}

static peer__codec_err_t copy_image(const vpx_image_t *img, uint8_t *out, size_t out_cap,
                                    unsigned *width, unsigned *height)
{
    unsigned w = img->d_w, h = img->d_h;
    *width = w;
    *height = h;
    if (img->fmt != VPX_IMG_FMT_I420 || w % 2 != 0 || h % 2 != 0)
        return PEER__CODEC_ERR_CORRUPT; /* VP8 allows odd sizes; blindfold never sends them */
    if (out_cap < peer__i420_size(w, h))
        return PEER__CODEC_ERR_NO_SPACE;
    size_t luma = (size_t)w * h, chroma = (size_t)(w / 2) * (h / 2);
    copy_plane(out, img->planes[VPX_PLANE_Y], img->stride[VPX_PLANE_Y], w, h);
    copy_plane(out + luma, img->planes[VPX_PLANE_U], img->stride[VPX_PLANE_U], w / 2, h / 2);
    copy_plane(out + luma + chroma, img->planes[VPX_PLANE_V], img->stride[VPX_PLANE_V], w / 2,
               h / 2);
    return PEER__CODEC_OK;
}

peer__codec_err_t peer__vp8_decoder_decode(peer__vp8_decoder_t *decoder, const uint8_t *data,
                                           size_t len, uint8_t *out_i420, size_t out_cap,
                                           unsigned *width, unsigned *height)
{
    if (decoder == NULL || data == NULL || len == 0 || out_i420 == NULL || width == NULL ||
        height == NULL)
        return PEER__CODEC_ERR_INVALID_ARG;
    *width = 0;
    *height = 0;
    bool keyframe = peer__vp8_is_keyframe(data, len);
    if (!keyframe && !decoder->have_reference)
        return PEER__CODEC_ERR_NEED_KEYFRAME;
    if (len > UINT32_MAX)
        return PEER__CODEC_ERR_INVALID_ARG;

    /* From here on a failure leaves the references suspect. */
    decoder->have_reference = false;
    if (vpx_codec_decode(&decoder->codec, data, (unsigned)len, NULL, 0) != VPX_CODEC_OK)
        return PEER__CODEC_ERR_CORRUPT;
    int corrupted = 0;
    if (vpx_codec_control(&decoder->codec, VP8D_GET_FRAME_CORRUPTED, &corrupted) != VPX_CODEC_OK ||
        corrupted != 0)
        return PEER__CODEC_ERR_CORRUPT;
    vpx_codec_iter_t iter = NULL;
    const vpx_image_t *img = vpx_codec_get_frame(&decoder->codec, &iter);
    if (img == NULL)
        return PEER__CODEC_ERR_CORRUPT;
    peer__codec_err_t err = copy_image(img, out_i420, out_cap, width, height);
    if (err == PEER__CODEC_ERR_CORRUPT)
        return err;
    /* The frame decoded; NO_SPACE only means the caller's buffer is small. */
    decoder->have_reference = true;
    return err;
}
