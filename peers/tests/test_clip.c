/* Clip mode (peers/clip.c): a 40-frame clip of the lowest layer with a
 * keyframe every 10 frames.
 *
 * The clip holds the encoder's frames with keyframes where configured; a
 * player replays them in order and loops; each frame's checksum matches its
 * bytes and verification catches a changed byte or length; a keyframe
 * request jumps to the next clip keyframe (wrapping); and everything a
 * player emits, across loops and jumps, still decodes. */
#include "peers/codec.h"

#include <stdlib.h>
#include <string.h>

#define WIDTH        160
#define HEIGHT       90
#define CLIP_FRAMES  40
#define KEYFRAME_GAP 10

/* A moving gradient with a moving block; user counts the calls. */
static void render(void *user, unsigned n, uint8_t *i420, size_t len)
{
    unsigned *calls = user;
    (*calls)++;
    ck_assert_uint_eq(len, peer__i420_size(WIDTH, HEIGHT));
    for (unsigned y = 0; y < HEIGHT; y++)
        for (unsigned x = 0; x < WIDTH; x++)
            i420[y * WIDTH + x] = (uint8_t)((x + y + 3 * n) & 0xff);
    for (unsigned y = 20; y < 50; y++)
        for (unsigned x = (2 * n) % 120; x < (2 * n) % 120 + 30; x++)
            i420[y * WIDTH + x] = (uint8_t)(((x / 4 + y / 4) % 2) ? 220 : 40);
    memset(i420 + WIDTH * HEIGHT, 128, len - WIDTH * HEIGHT);
}

static peer__clip_t *make_clip(void)
{
    peer__clip_config_t config = { .frame_count = CLIP_FRAMES, .keyframe_every = KEYFRAME_GAP };
    peer__vp8_encoder_config_t enc = peer__vp8_encoder_config_default();
    enc.width = WIDTH;
    enc.height = HEIGHT;
    enc.max_kbps = 150;
    enc.keyframe_interval_us = 1; /* ignored: clip keyframes follow keyframe_every */
    unsigned calls = 0;
    peer__clip_t *clip = NULL;
    ck_assert_int_eq(peer__clip_encode(&config, &enc, render, &calls, &clip), PEER__CODEC_OK);
    ck_assert_ptr_nonnull(clip);
    ck_assert_uint_eq(calls, CLIP_FRAMES);
    ck_assert_uint_eq(peer__clip_frame_count(clip), CLIP_FRAMES);
    return clip;
}

START_TEST(clip_holds_the_encoded_sequence)
{
    peer__clip_t *clip = make_clip();
    for (unsigned i = 0; i < CLIP_FRAMES; i++) {
        peer__encoded_frame_t frame;
        uint64_t checksum = 0;
        ck_assert_int_eq(peer__clip_frame(clip, i, &frame, &checksum), PEER__CODEC_OK);
        ck_assert_uint_gt(frame.len, 0);
        ck_assert_int_eq(frame.keyframe, i % KEYFRAME_GAP == 0);
        ck_assert_int_eq(peer__vp8_is_keyframe(frame.data, frame.len), i % KEYFRAME_GAP == 0);
        ck_assert_uint_eq(checksum, peer__clip_checksum(frame.data, frame.len));
        ck_assert_int_eq(peer__clip_verify(clip, i, frame.data, frame.len), PEER__CODEC_OK);
    }
    peer__encoded_frame_t frame;
    ck_assert_int_eq(peer__clip_frame(clip, CLIP_FRAMES, &frame, NULL),
                     PEER__CODEC_ERR_INVALID_ARG);
    peer__clip_free(clip);
}
END_TEST

/* FNV-1a 64 known answers (the reference test values of the algorithm). */
START_TEST(checksum_known_answers)
{
    ck_assert_uint_eq(peer__clip_checksum((const uint8_t *)"", 0), 0xcbf29ce484222325ull);
    ck_assert_uint_eq(peer__clip_checksum((const uint8_t *)"a", 1), 0xaf63dc4c8601ec8cull);
    ck_assert_uint_eq(peer__clip_checksum((const uint8_t *)"foobar", 6), 0x85944171f73967e8ull);
}
END_TEST

/* Given a player, when it emits 2.5 loops, then indices run 0..39 in order
 * and wrap, each checksum matches the bytes, and a modified frame fails. */
START_TEST(replay_loops_in_order)
{
    peer__clip_t *clip = make_clip();
    peer__clip_player_t player;
    peer__clip_player_init(&player, clip);
    uint8_t copy[65536];
    for (unsigned n = 0; n < CLIP_FRAMES * 5 / 2; n++) {
        peer__encoded_frame_t frame;
        unsigned index = 999;
        uint64_t checksum = 0;
        peer__clip_player_next(&player, 1000u * n, &frame, &index, &checksum);
        ck_assert_uint_eq(index, n % CLIP_FRAMES);
        ck_assert_uint_eq(frame.capture_us, 1000u * n);
        ck_assert_int_eq(frame.keyframe, index % KEYFRAME_GAP == 0);
        ck_assert_uint_eq(checksum, peer__clip_checksum(frame.data, frame.len));
        ck_assert_int_eq(peer__clip_verify(clip, index, frame.data, frame.len), PEER__CODEC_OK);

        /* A flipped bit anywhere, or a lost tail byte, is detected; so is
         * the right frame checked against the wrong index. */
        ck_assert_uint_le(frame.len, sizeof copy);
        memcpy(copy, frame.data, frame.len);
        copy[(n * 7) % frame.len] ^= (uint8_t)(1u << (n % 8));
        ck_assert_int_eq(peer__clip_verify(clip, index, copy, frame.len), PEER__CODEC_ERR_CHECKSUM);
        ck_assert_int_eq(peer__clip_verify(clip, index, frame.data, frame.len - 1),
                         PEER__CODEC_ERR_CHECKSUM);
        ck_assert_int_eq(peer__clip_verify(clip, (index + 1) % CLIP_FRAMES, frame.data, frame.len),
                         PEER__CODEC_ERR_CHECKSUM);
    }
    ck_assert_uint_eq(player.frames_sent, CLIP_FRAMES * 5 / 2);
    ck_assert_int_eq(peer__clip_verify(clip, CLIP_FRAMES, copy, 1), PEER__CODEC_ERR_INVALID_ARG);
    peer__clip_free(clip);
}
END_TEST

/* Keyframe requests jump to the next clip keyframe, wrapping to frame 0;
 * a request at a keyframe position takes that keyframe. Every emitted
 * frame, across the jumps and the loop, decodes. */
START_TEST(keyframe_request_jumps_forward)
{
    peer__clip_t *clip = make_clip();
    peer__clip_player_t player;
    peer__clip_player_init(&player, clip);
    peer__vp8_decoder_t *decoder = NULL;
    ck_assert_int_eq(peer__vp8_decoder_new(&decoder), PEER__CODEC_OK);
    size_t frame_len = peer__i420_size(WIDTH, HEIGHT);
    uint8_t *decoded = malloc(frame_len);
    ck_assert_ptr_nonnull(decoded);

    /* position before the call -> request? -> expected index */
    static const struct {
        bool request;
        unsigned expect;
    } steps[] = {
        { false, 0 },  { false, 1 },  { false, 2 },  { true, 10 }, { false, 11 },
        { true, 20 },  { false, 21 }, { false, 22 }, { true, 30 }, { false, 31 },
        { false, 32 }, { true, 0 },   { false, 1 },  { false, 2 },
    };
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        if (steps[s].request)
            peer__clip_player_request_keyframe(&player);
        peer__encoded_frame_t frame;
        unsigned index = 999;
        peer__clip_player_next(&player, 0, &frame, &index, NULL);
        ck_assert_uint_eq(index, steps[s].expect);
        ck_assert_int_eq(frame.keyframe, steps[s].request || index == 0);
        unsigned width, height;
        ck_assert_int_eq(peer__vp8_decoder_decode(decoder, frame.data, frame.len, decoded,
                                                  frame_len, &width, &height),
                         PEER__CODEC_OK);
    }
    /* At a keyframe position, a request takes that very keyframe. */
    peer__clip_player_t at_keyframe;
    peer__clip_player_init(&at_keyframe, clip);
    at_keyframe.next_index = 20;
    peer__clip_player_request_keyframe(&at_keyframe);
    peer__encoded_frame_t frame;
    unsigned index = 0;
    peer__clip_player_next(&at_keyframe, 0, &frame, &index, NULL);
    ck_assert_uint_eq(index, 20);

    /* A full loop plus the wrap decodes frame after frame. */
    for (unsigned n = 0; n < CLIP_FRAMES + 5; n++) {
        peer__clip_player_next(&player, 0, &frame, &index, NULL);
        unsigned width, height;
        ck_assert_int_eq(peer__vp8_decoder_decode(decoder, frame.data, frame.len, decoded,
                                                  frame_len, &width, &height),
                         PEER__CODEC_OK);
    }
    free(decoded);
    peer__vp8_decoder_free(decoder);
    peer__clip_free(clip);
}
END_TEST

START_TEST(append_rules)
{
    peer__clip_t *clip = NULL;
    ck_assert_int_eq(peer__clip_new(0, &clip), PEER__CODEC_ERR_INVALID_ARG);
    ck_assert_int_eq(peer__clip_new(2, &clip), PEER__CODEC_OK);
    const uint8_t bytes[3] = { 1, 2, 3 };
    /* The loop must start at a keyframe. */
    ck_assert_int_eq(peer__clip_append(clip, bytes, 3, false), PEER__CODEC_ERR_INVALID_ARG);
    ck_assert_int_eq(peer__clip_append(clip, bytes, 0, true), PEER__CODEC_ERR_INVALID_ARG);
    ck_assert_int_eq(peer__clip_append(clip, bytes, 3, true), PEER__CODEC_OK);
    ck_assert_int_eq(peer__clip_append(clip, bytes, 2, false), PEER__CODEC_OK);
    ck_assert_int_eq(peer__clip_append(clip, bytes, 1, false), PEER__CODEC_ERR_NO_SPACE);
    ck_assert_uint_eq(peer__clip_frame_count(clip), 2);
    ck_assert_int_eq(peer__clip_verify(clip, 1, bytes, 2), PEER__CODEC_OK);
    ck_assert_int_eq(peer__clip_verify(clip, 1, bytes, 3), PEER__CODEC_ERR_CHECKSUM);

    /* With one keyframe, a request from anywhere wraps to frame 0. */
    peer__clip_player_t player;
    peer__clip_player_init(&player, clip);
    peer__encoded_frame_t frame;
    unsigned index = 9;
    peer__clip_player_next(&player, 0, &frame, &index, NULL);
    ck_assert_uint_eq(index, 0);
    peer__clip_player_request_keyframe(&player);
    peer__clip_player_next(&player, 0, &frame, &index, NULL);
    ck_assert_uint_eq(index, 0);
    ck_assert_int_eq(frame.keyframe, true);
    peer__clip_player_next(&player, 0, &frame, &index, NULL);
    ck_assert_uint_eq(index, 1);
    peer__clip_free(clip);
    peer__clip_free(NULL);

    peer__clip_config_t config = peer__clip_config_default();
    ck_assert_uint_eq(config.frame_count, 300);
    config.frame_count = 0;
    peer__vp8_encoder_config_t enc = peer__vp8_encoder_config_default();
    unsigned calls = 0;
    ck_assert_int_eq(peer__clip_encode(&config, &enc, render, &calls, &clip),
                     PEER__CODEC_ERR_INVALID_ARG);
    ck_assert_ptr_null(clip);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("peers_clip");
    TCase *tc = tcase_create("clip");
    tcase_add_test(tc, clip_holds_the_encoded_sequence);
    tcase_add_test(tc, checksum_known_answers);
    tcase_add_test(tc, replay_loops_in_order);
    tcase_add_test(tc, keyframe_request_jumps_forward);
    tcase_add_test(tc, append_rules);
    suite_add_tcase(suite, tc);
    return suite;
}
