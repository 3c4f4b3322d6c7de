/* The "clip" video source (peers/peer.h, peer_clips_new): the pattern
 * encoded once per layer and shared read-only by the sender, which replays
 * it in a loop, and the receiver, which checks each frame's checksum
 * against the set instead of decoding (decode = false), or decodes too.
 * Two peers back to back (peers/tests/peer_pair.h), top layer, for longer
 * than the clip, so the loop back to frame 0 is crossed. */
#include "peers/tests/peer_pair.h"

#define CLIP_FRAMES    45u
#define KEYFRAME_EVERY 15u
#define RUN_US         (2500u * PAIR_MS)

static void clip_call(pair_t *pair, peer_clips_t **clips, bool decode)
{
    pair_init(pair);
    ck_assert_int_eq(peer_clips_new(&pair->config_a.video, CLIP_FRAMES, KEYFRAME_EVERY, clips),
                     PEER_OK);
    pair->config_a.video.source = PEER_VIDEO_CLIP;
    pair->config_a.video.clips = *clips;
    pair->config_b.decode = decode;
    pair_start(pair);
    pair_receive_layer(pair, 2);
    pair_keys(pair, 1);
    pair_run(pair, RUN_US);
}

static void check_records(const pair_t *pair, bool decode)
{
    size_t sent = pair_count_sent(pair, PEER_KIND_VIDEO, 2);
    ck_assert_uint_gt(sent, CLIP_FRAMES + 10);
    ck_assert_uint_ge(pair->n_records, sent - 1);
    for (size_t i = 0; i < pair->n_records; i++) {
        const peer_frame_record_t *r = &pair->records[i];
        ck_assert(r->decrypted);
        ck_assert(r->verified);
        ck_assert(r->decoded == decode);
        ck_assert_uint_eq(r->layer, 2);
        ck_assert_uint_eq(r->frame, i); /* the grid index of its capture time */
        ck_assert(isnan(r->psnr_db));
        /* The clip loops: keyframes at clip frames 0, 15, 30. */
        ck_assert(r->keyframe == (i % KEYFRAME_EVERY == 0));
    }
    peer_remote_stats_t rs = pair_remote_stats(pair, PEER_KIND_VIDEO);
    ck_assert_uint_eq(rs.frames_verified, pair->n_records);
    ck_assert_uint_eq(rs.frames_verify_failed, 0);
    ck_assert_uint_eq(rs.frames_decoded, decode ? pair->n_records : 0);
    ck_assert_uint_eq(rs.layer, 2);
}

START_TEST(clip_checksums_without_decoding)
{
    pair_t pair;
    peer_clips_t *clips = NULL;
    clip_call(&pair, &clips, false);
    check_records(&pair, false);
    /* The sender's frames are the clip's, key and delta alike. */
    ck_assert_uint_eq(
        pair_stats(pair.a).keyframes,
        3 * ((pair_count_sent(&pair, PEER_KIND_VIDEO, 2) + KEYFRAME_EVERY - 1) / KEYFRAME_EVERY));
    pair_free(&pair);
    peer_clips_free(clips);
}
END_TEST

START_TEST(clip_checksums_and_decoding)
{
    pair_t pair;
    peer_clips_t *clips = NULL;
    clip_call(&pair, &clips, true);
    check_records(&pair, true);
    pair_free(&pair);
    peer_clips_free(clips);
}
END_TEST

/* A frame that is not in the set fails verification: a receiver with
 * another set (another seed) verifies nothing. */
START_TEST(foreign_clip_fails)
{
    pair_t pair;
    pair_init(&pair);
    peer_clips_t *clips = NULL, *other = NULL;
    ck_assert_int_eq(peer_clips_new(&pair.config_a.video, CLIP_FRAMES, KEYFRAME_EVERY, &clips),
                     PEER_OK);
    peer_video_config_t video = pair.config_a.video;
    video.pattern_seed++;
    ck_assert_int_eq(peer_clips_new(&video, CLIP_FRAMES, KEYFRAME_EVERY, &other), PEER_OK);
    pair.config_a.video.source = PEER_VIDEO_CLIP;
    pair.config_a.video.clips = clips;
    pair.config_b.decode = false;
    pair_start(&pair);
    peer_remote_config_t r = pair_video_remote(&pair, 2);
    r.clips = other;
    ck_assert_int_eq(peer_add_remote(pair.b, &r), PEER_OK);
    pair.ab.allowed[pair.ab.n_allowed++] = r.ssrc;
    pair_keys(&pair, 1);
    pair_run(&pair, 1000u * PAIR_MS);
    ck_assert_uint_gt(pair.n_records, 20);
    for (size_t i = 0; i < pair.n_records; i++)
        ck_assert(pair.records[i].decrypted && !pair.records[i].verified);
    ck_assert_uint_eq(pair_remote_stats(&pair, PEER_KIND_VIDEO).frames_verify_failed,
                      pair.n_records);
    pair_free(&pair);
    peer_clips_free(clips);
    peer_clips_free(other);
}
END_TEST

START_TEST(clip_arguments_checked)
{
    pair_t pair;
    pair_init(&pair);
    peer_clips_t *clips = NULL;
    peer_video_config_t video = pair.config_a.video;
    ck_assert_int_eq(peer_clips_new(NULL, 10, 5, &clips), PEER_ERR_INVALID_ARG);
    ck_assert_int_eq(peer_clips_new(&video, 0, 5, &clips), PEER_ERR_INVALID_ARG);
    video.layers[0].width = 15;
    ck_assert_int_eq(peer_clips_new(&video, 10, 5, &clips), PEER_ERR_INVALID_ARG);
    ck_assert_ptr_null(clips);
    peer_clips_free(NULL);
    /* A sender whose layers do not match the set's is refused. */
    video = pair.config_a.video;
    video.n_layers = 1;
    video.layers[0] = video.layers[2];
    ck_assert_int_eq(peer_clips_new(&video, 2, 0, &clips), PEER_OK);
    pair.config_a.video.source = PEER_VIDEO_CLIP;
    pair.config_a.video.clips = clips;
    pair.config_a.sink = pair_sink_a;
    peer_t *peer = NULL;
    ck_assert_int_eq(peer_new(&pair.config_a, &peer), PEER_ERR_INVALID_ARG);
    pair.config_a.video.n_layers = 1;
    ck_assert_int_eq(peer_new(&pair.config_a, &peer), PEER_ERR_INVALID_ARG); /* 160x90 vs 640x360 */
    pair.config_a.video.layers[0] = pair.config_a.video.layers[2];
    ck_assert_int_eq(peer_new(&pair.config_a, &peer), PEER_OK);
    peer_free(peer);
    peer_clips_free(clips);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("peer_clips");
    TCase *tc = tcase_create("clips");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, clip_checksums_without_decoding);
    tcase_add_test(tc, clip_checksums_and_decoding);
    tcase_add_test(tc, foreign_clip_fails);
    tcase_add_test(tc, clip_arguments_checked);
    suite_add_tcase(s, tc);
    return s;
}
