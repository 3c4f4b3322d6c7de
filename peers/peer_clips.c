/* peers/peer_clips.c: the clip set of the "clip" video source (peer.h,
 * peer_clips_new): each layer's pattern sequence encoded once
 * (peers/clip.c), shared read-only by every sender that replays it and
 * every receiver that checks it.
 *
 * A receiver does not know which clip frame it got (the SFU may switch
 * layers, and a keyframe request makes a sender skip ahead), so the set
 * keeps an index of every frame's FNV-1a 64 checksum, sorted, and a
 * received frame is looked up there and then compared byte for byte
 * (peer__clip_verify). */
#include "peers/peer_internal.h"

#include <math.h>
#include <stdlib.h>

typedef struct clip_index_entry {
    uint64_t checksum;
    unsigned layer;
    unsigned index;
} clip_index_entry_t;

struct peer_clips {
    unsigned n_layers;
    uint32_t width[PEER_MAX_LAYERS], height[PEER_MAX_LAYERS];
    peer__clip_t *clips[PEER_MAX_LAYERS];
    clip_index_entry_t *index;
    size_t n_index;
};

typedef struct render_ctx {
    peer__pattern_config_t pattern;
    uint32_t width, height;
} render_ctx_t;

static void render_layer(void *user, unsigned frame_number, uint8_t *i420, size_t i420_len)
{
    const render_ctx_t *ctx = user;
    (void)i420_len;
    peer__image_t image = peer__image_wrap_i420(i420, ctx->width, ctx->height);
    peer__pattern_render(&ctx->pattern, frame_number, &image);
}

static int compare_entries(const void *a, const void *b)
{
    const clip_index_entry_t *x = a, *y = b;
    return x->checksum < y->checksum ? -1 : x->checksum > y->checksum;
}

static bool layer_valid(const peer_layer_config_t *layer)
{
    return layer->width >= 16 && layer->height >= 16 && layer->width <= 4096 &&
           layer->height <= 4096 && layer->width % 2 == 0 && layer->height % 2 == 0 &&
           layer->max_kbps > 0;
}

static peer_err_t build_index(peer_clips_t *clips)
{
    size_t total = 0;
    for (unsigned l = 0; l < clips->n_layers; l++)
        total += peer__clip_frame_count(clips->clips[l]);
    clips->index = calloc(total, sizeof(*clips->index));
    if (clips->index == NULL)
        return PEER_ERR_NO_MEMORY;
    for (unsigned l = 0; l < clips->n_layers; l++) {
        unsigned count = peer__clip_frame_count(clips->clips[l]);
        for (unsigned i = 0; i < count; i++) {
            peer__encoded_frame_t frame;
            uint64_t checksum = 0;
            if (peer__clip_frame(clips->clips[l], i, &frame, &checksum) != PEER__CODEC_OK)
                return PEER_ERR_CODEC;
            clips->index[clips->n_index++] =
                (clip_index_entry_t){ .checksum = checksum, .layer = l, .index = i };
        }
    }
    qsort(clips->index, clips->n_index, sizeof(*clips->index), compare_entries);
    return PEER_OK;
}

peer_err_t peer_clips_new(const peer_video_config_t *video, unsigned frames,
                          unsigned keyframe_every, peer_clips_t **out)
{
    if (video == NULL || out == NULL || frames == 0 || video->n_layers == 0 ||
        video->n_layers > PEER_MAX_LAYERS || !(video->fps > 0.0 && video->fps <= 240.0) ||
        video->encoder_speed < 4 || video->encoder_speed > 16)
        return PEER_ERR_INVALID_ARG;
    for (unsigned l = 0; l < video->n_layers; l++)
        if (!layer_valid(&video->layers[l]))
            return PEER_ERR_INVALID_ARG;
    *out = NULL;
    peer_clips_t *clips = calloc(1, sizeof(*clips));
    if (clips == NULL)
        return PEER_ERR_NO_MEMORY;
    peer_err_t err = PEER_OK;
    clips->n_layers = video->n_layers;
    peer__clip_config_t clip_config = { .frame_count = frames, .keyframe_every = keyframe_every };
    for (unsigned l = 0; l < video->n_layers; l++) {
        const peer_layer_config_t *layer = &video->layers[l];
        clips->width[l] = layer->width;
        clips->height[l] = layer->height;
        peer__vp8_encoder_config_t enc = peer__vp8_encoder_config_default();
        enc.width = layer->width;
        enc.height = layer->height;
        enc.fps = (unsigned)lround(video->fps < 1.0 ? 1.0 : video->fps);
        enc.max_kbps = layer->max_kbps;
        enc.speed = video->encoder_speed;
        render_ctx_t ctx = { .pattern = { .sender_id = 0, .seed = video->pattern_seed },
                             .width = layer->width,
                             .height = layer->height };
        err = peer__err_from_codec(
            peer__clip_encode(&clip_config, &enc, render_layer, &ctx, &clips->clips[l]));
        if (err != PEER_OK)
            goto fail;
    }
    err = build_index(clips);
    if (err != PEER_OK)
        goto fail;
    *out = clips;
    return PEER_OK;

fail:
    peer_clips_free(clips);
    return err;
}

void peer_clips_free(peer_clips_t *clips)
{
    if (clips == NULL)
        return;
    for (unsigned l = 0; l < PEER_MAX_LAYERS; l++)
        peer__clip_free(clips->clips[l]);
    free(clips->index);
    free(clips);
}

unsigned peer__clips_layers(const peer_clips_t *clips)
{
    return clips != NULL ? clips->n_layers : 0;
}

void peer__clips_size(const peer_clips_t *clips, unsigned layer, uint32_t *width, uint32_t *height)
{
    *width = layer < clips->n_layers ? clips->width[layer] : 0;
    *height = layer < clips->n_layers ? clips->height[layer] : 0;
}

const peer__clip_t *peer__clips_clip(const peer_clips_t *clips, unsigned layer)
{
    return layer < clips->n_layers ? clips->clips[layer] : NULL;
}

bool peer__clips_find(const peer_clips_t *clips, const uint8_t *frame, size_t len, unsigned *layer,
                      unsigned *index)
{
    if (clips == NULL || frame == NULL || len == 0)
        return false;
    uint64_t checksum = peer__clip_checksum(frame, len);
    size_t lo = 0, hi = clips->n_index;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (clips->index[mid].checksum < checksum)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Equal checksums (a frame repeated across layers, or a collision):
     * the first that matches byte for byte. */
    for (size_t i = lo; i < clips->n_index && clips->index[i].checksum == checksum; i++) {
        const clip_index_entry_t *e = &clips->index[i];
        if (peer__clip_verify(clips->clips[e->layer], e->index, frame, len) == PEER__CODEC_OK) {
            *layer = e->layer;
            *index = e->index;
            return true;
        }
    }
    return false;
}
