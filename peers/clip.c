/* Clip mode for large rooms: a layer's sequence is encoded once with the
 * real VP8 encoder, the encoded frames are kept in one byte arena with an
 * index (offset, length, keyframe flag, FNV-1a 64 checksum), and each
 * sender replays them in a loop through a small player cursor. Receivers
 * verify the checksum of what they received instead of decoding, which
 * removes the decoder from the per-receiver cost.
 *
 * Frame 0 is always a keyframe, so wrapping from the last frame to frame 0
 * is a valid VP8 sequence. A keyframe request makes the player jump forward
 * to the next clip keyframe (wrapping), never re-inserting a keyframe out of
 * order: every sequence a player emits is then one the encoder produced, so
 * a receiver that does decode it (a test, a sampled check) still can.
 *
 * FNV-1a 64 (Fowler, Noll, Vo; offset basis 0xcbf29ce484222325, prime
 * 0x100000001b3) is not cryptographic; it only has to catch a frame the
 * pipeline damaged or mixed up, and the E2EE layer authenticates anyway. */
#include "peers/codec.h"

#include <stdlib.h>
#include <string.h>

#define CLIP__FNV_OFFSET 0xcbf29ce484222325ull
#define CLIP__FNV_PRIME  0x100000001b3ull
#define CLIP__MAX_FRAMES 1000000u

typedef struct clip__entry {
    size_t offset;
    size_t len;
    uint64_t checksum;
    bool keyframe;
} clip__entry_t;

struct peer__clip {
    clip__entry_t *entries;
    unsigned count, capacity;
    uint8_t *bytes;
    size_t bytes_len, bytes_cap;
};

peer__clip_config_t peer__clip_config_default(void)
{
    return (peer__clip_config_t){ .frame_count = 300, .keyframe_every = 30 };
}

uint64_t peer__clip_checksum(const uint8_t *data, size_t len)
{
    uint64_t hash = CLIP__FNV_OFFSET;
    for (size_t i = 0; i < len; i++) {
        hash ^= data[i];
        hash *= CLIP__FNV_PRIME;
    }
    return hash;
}

peer__codec_err_t peer__clip_new(unsigned capacity_frames, peer__clip_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || capacity_frames == 0 || capacity_frames > CLIP__MAX_FRAMES)
        return PEER__CODEC_ERR_INVALID_ARG;
    peer__clip_t *clip = calloc(1, sizeof *clip);
    if (clip == NULL)
        return PEER__CODEC_ERR_NO_MEMORY;
    clip->entries = calloc(capacity_frames, sizeof *clip->entries);
    if (clip->entries == NULL) {
        free(clip);
        return PEER__CODEC_ERR_NO_MEMORY;
    }
    clip->capacity = capacity_frames;
    *out = clip;
    return PEER__CODEC_OK;
}

void peer__clip_free(peer__clip_t *clip)
{
    if (clip == NULL)
        return;
    free(clip->entries);
    free(clip->bytes);
    free(clip);
}

/* Grows the arena geometrically; only while the clip is built. */
static bool reserve_bytes(peer__clip_t *clip, size_t extra)
{
    if (extra > SIZE_MAX - clip->bytes_len)
        return false;
    size_t need = clip->bytes_len + extra;
    if (need <= clip->bytes_cap)
        return true;
    size_t cap = clip->bytes_cap == 0 ? 65536 : clip->bytes_cap;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *bytes = realloc(clip->bytes, cap);
    if (bytes == NULL)
        return false;
    clip->bytes = bytes;
    clip->bytes_cap = cap;
    return true;
}

peer__codec_err_t peer__clip_append(peer__clip_t *clip, const uint8_t *data, size_t len,
                                    bool keyframe)
{
    if (clip == NULL || data == NULL || len == 0 || (clip->count == 0 && !keyframe))
        return PEER__CODEC_ERR_INVALID_ARG;
    if (clip->count == clip->capacity)
        return PEER__CODEC_ERR_NO_SPACE;
    if (!reserve_bytes(clip, len))
        return PEER__CODEC_ERR_NO_MEMORY;
    memcpy(clip->bytes + clip->bytes_len, data, len);
    clip->entries[clip->count++] = (clip__entry_t){
        .offset = clip->bytes_len,
        .len = len,
        .checksum = peer__clip_checksum(data, len),
        .keyframe = keyframe,
    };
    clip->bytes_len += len;
    return PEER__CODEC_OK;
}

peer__codec_err_t peer__clip_encode(const peer__clip_config_t *config,
                                    const peer__vp8_encoder_config_t *encoder_config,
                                    peer__clip_render_fn render, void *user, peer__clip_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (config == NULL || encoder_config == NULL || render == NULL || out == NULL ||
        config->frame_count == 0 || config->frame_count > CLIP__MAX_FRAMES)
        return PEER__CODEC_ERR_INVALID_ARG;

    peer__vp8_encoder_config_t enc_config = *encoder_config;
    enc_config.keyframe_interval_us = 0;
    peer__vp8_encoder_t *encoder = NULL;
    peer__clip_t *clip = NULL;
    size_t frame_len = peer__i420_size(enc_config.width, enc_config.height);
    uint8_t *source = NULL;

    peer__codec_err_t err = peer__vp8_encoder_new(&enc_config, &encoder);
    if (err != PEER__CODEC_OK)
        goto fail;
    err = peer__clip_new(config->frame_count, &clip);
    if (err != PEER__CODEC_OK)
        goto fail;
    source = malloc(frame_len);
    if (source == NULL) {
        err = PEER__CODEC_ERR_NO_MEMORY;
        goto fail;
    }
    for (unsigned n = 0; n < config->frame_count; n++) {
        if (config->keyframe_every != 0 && n % config->keyframe_every == 0)
            peer__vp8_encoder_request_keyframe(encoder);
        render(user, n, source, frame_len);
        peer__encoded_frame_t frame;
        uint64_t now_us = (uint64_t)n * 1000000u / enc_config.fps;
        err = peer__vp8_encoder_encode(encoder, source, frame_len, now_us, &frame);
        if (err != PEER__CODEC_OK)
            goto fail;
        if (frame.len == 0) { /* cannot happen with frame dropping off */
            err = PEER__CODEC_ERR_CODEC;
            goto fail;
        }
        err = peer__clip_append(clip, frame.data, frame.len, frame.keyframe);
        if (err != PEER__CODEC_OK)
            goto fail;
    }
    free(source);
    peer__vp8_encoder_free(encoder);
    *out = clip;
    return PEER__CODEC_OK;

fail:
    free(source);
    peer__vp8_encoder_free(encoder);
    peer__clip_free(clip);
    return err;
}

unsigned peer__clip_frame_count(const peer__clip_t *clip)
{
    return clip == NULL ? 0 : clip->count;
}

peer__codec_err_t peer__clip_frame(const peer__clip_t *clip, unsigned index,
                                   peer__encoded_frame_t *frame, uint64_t *checksum)
{
    if (clip == NULL || frame == NULL || index >= clip->count)
        return PEER__CODEC_ERR_INVALID_ARG;
    const clip__entry_t *entry = &clip->entries[index];
    *frame = (peer__encoded_frame_t){
        .data = clip->bytes + entry->offset,
        .len = entry->len,
        .keyframe = entry->keyframe,
        .capture_us = 0,
    };
    if (checksum != NULL)
        *checksum = entry->checksum;
    return PEER__CODEC_OK;
}

peer__codec_err_t peer__clip_verify(const peer__clip_t *clip, unsigned index, const uint8_t *data,
                                    size_t len)
{
    if (clip == NULL || index >= clip->count || (data == NULL && len != 0))
        return PEER__CODEC_ERR_INVALID_ARG;
    const clip__entry_t *entry = &clip->entries[index];
    if (len != entry->len || peer__clip_checksum(data, len) != entry->checksum)
        return PEER__CODEC_ERR_CHECKSUM;
    return PEER__CODEC_OK;
}

void peer__clip_player_init(peer__clip_player_t *player, const peer__clip_t *clip)
{
    *player = (peer__clip_player_t){ .clip = clip };
}

void peer__clip_player_request_keyframe(peer__clip_player_t *player)
{
    player->keyframe_pending = true;
}

void peer__clip_player_next(peer__clip_player_t *player, uint64_t now_us,
                            peer__encoded_frame_t *frame, unsigned *index, uint64_t *checksum)
{
    const peer__clip_t *clip = player->clip;
    unsigned at = player->next_index;
    if (player->keyframe_pending) {
        /* Frame 0 is a keyframe, so this stops within one loop. */
        while (!clip->entries[at].keyframe)
            at = at + 1 == clip->count ? 0 : at + 1;
        player->keyframe_pending = false;
    }
    const clip__entry_t *entry = &clip->entries[at];
    *frame = (peer__encoded_frame_t){
        .data = clip->bytes + entry->offset,
        .len = entry->len,
        .keyframe = entry->keyframe,
        .capture_us = now_us,
    };
    if (index != NULL)
        *index = at;
    if (checksum != NULL)
        *checksum = entry->checksum;
    player->next_index = at + 1 == clip->count ? 0 : at + 1;
    player->frames_sent++;
}
