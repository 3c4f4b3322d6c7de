/* The public boundary of peers/peer.h: peer_new refuses bad configurations
 * (PEER_ERR_INVALID_ARG, or PEER_ERR_SRTP for keying material that does
 * not fit the profile) and creates nothing; peer_add_remote, the key calls
 * and the figures check their arguments and state; the error list gives
 * every code a name and a message; the capture grid helpers round both
 * ways. */
#include "peers/tests/peer_pair.h"

static void sink(void *ctx, uint32_t peer_id, uint64_t now_us, const uint8_t *bytes, size_t len)
{
    (void)ctx;
    (void)peer_id;
    (void)now_us;
    (void)bytes;
    (void)len;
}

/* A valid sender: three layers, audio, SRTP keyed. */
static peer_config_t good_config(void)
{
    pair_t pair;
    pair_init(&pair);
    peer_config_t c = pair.config_a;
    c.audio.enabled = true;
    c.sink = sink;
    return c;
}

typedef void (*breaker_fn)(peer_config_t *c);

static void no_sink(peer_config_t *c)
{
    c->sink = NULL;
}
static void fps_zero(peer_config_t *c)
{
    c->video.fps = 0;
}
static void fps_too_high(peer_config_t *c)
{
    c->video.fps = 241;
}
static void no_layers(peer_config_t *c)
{
    c->video.n_layers = 0;
}
static void too_many_layers(peer_config_t *c)
{
    c->video.n_layers = PEER_MAX_LAYERS + 1;
}
static void odd_width(peer_config_t *c)
{
    c->video.layers[1].width = 321;
}
static void layer_above_source(peer_config_t *c)
{
    c->video.layers[2].height = 720;
}
static void zero_kbps(peer_config_t *c)
{
    c->video.layers[0].max_kbps = 0;
}
static void same_ssrc(peer_config_t *c)
{
    c->video.layers[1].ssrc = c->video.layers[0].ssrc;
}
static void rtx_is_audio(peer_config_t *c)
{
    c->video.layers[2].rtx_ssrc = c->audio.ssrc;
}
static void zero_ssrc(peer_config_t *c)
{
    c->audio.ssrc = 0;
}
static void bad_rid(peer_config_t *c)
{
    strcpy(c->video.layers[0].rid, "a b");
}
static void same_pt(peer_config_t *c)
{
    c->video.rtx_payload_type = c->video.payload_type;
}
static void pt_too_large(peer_config_t *c)
{
    c->audio.payload_type = 128;
}
static void ptime_25(peer_config_t *c)
{
    c->audio.ptime_ms = 25;
}
static void kbps_too_low(peer_config_t *c)
{
    c->audio.kbps = 5;
}
static void ext_id_15(peer_config_t *c)
{
    c->ext.twcc = 15;
}
static void ext_id_twice(peer_config_t *c)
{
    c->ext.rid = c->ext.mid;
}
static void mtu_too_small(peer_config_t *c)
{
    c->mtu = 100;
}
static void mtu_too_large(peer_config_t *c)
{
    c->mtu = 9000;
}
static void no_pacing(peer_config_t *c)
{
    c->pacing_factor = 0;
}
static void no_rtcp(peer_config_t *c)
{
    c->rtcp_interval_ms = 0;
}
static void bad_scheme(peer_config_t *c)
{
    c->scheme = (peer_scheme_t)7;
}
static void bad_suite(peer_config_t *c)
{
    c->suite = (sframe_suite_t)0;
}
static void bad_signal(peer_config_t *c)
{
    c->signal = (peer_signal_t)9;
}
static void prefix_with_sframe(peer_config_t *c)
{
    c->signal = PEER_SIGNAL_CLEAR_PREFIX;
}
static void transform_with_legacy(peer_config_t *c)
{
    c->scheme = PEER_SCHEME_INSERTABLE_LEGACY;
    c->signal = PEER_SIGNAL_CLEAR_PREFIX;
    c->test_transform = PEER_TEST_TRANSFORM_HALF_CLEAR;
}
static void clip_without_clips(peer_config_t *c)
{
    c->video.source = PEER_VIDEO_CLIP;
}
static void speed_3(peer_config_t *c)
{
    c->video.encoder_speed = 3;
}
static void material_too_long(peer_config_t *c)
{
    c->keying_material_len = 65;
}
static void nack_no_retries(peer_config_t *c)
{
    c->nack_max_retries = 0;
}

static const breaker_fn breakers[] = {
    no_sink,
    fps_zero,
    fps_too_high,
    no_layers,
    too_many_layers,
    odd_width,
    layer_above_source,
    zero_kbps,
    same_ssrc,
    rtx_is_audio,
    zero_ssrc,
    bad_rid,
    same_pt,
    pt_too_large,
    ptime_25,
    kbps_too_low,
    ext_id_15,
    ext_id_twice,
    mtu_too_small,
    mtu_too_large,
    no_pacing,
    no_rtcp,
    bad_scheme,
    bad_suite,
    bad_signal,
    prefix_with_sframe,
    transform_with_legacy,
    clip_without_clips,
    speed_3,
    material_too_long,
    nack_no_retries,
};
#define N_BREAKERS (int)(sizeof(breakers) / sizeof(breakers[0]))

START_TEST(good_config_accepted)
{
    peer_config_t c = good_config();
    peer_t *peer = NULL;
    ck_assert_int_eq(peer_new(&c, &peer), PEER_OK);
    ck_assert_ptr_nonnull(peer);
    peer_free(peer);
    peer_free(NULL);
}
END_TEST

START_TEST(bad_config_refused)
{
    peer_config_t c = good_config();
    breakers[_i](&c);
    peer_t *sentinel = NULL, *peer = (peer_t *)&sentinel; /* peer_new resets it */
    ck_assert_int_eq(peer_new(&c, &peer), PEER_ERR_INVALID_ARG);
    ck_assert_ptr_null(peer);
}
END_TEST

START_TEST(srtp_material_must_fit_profile)
{
    peer_config_t c = good_config();
    peer_t *peer = NULL;
    c.keying_material_len = 60; /* AES_CM's length, not AEAD's 56 */
    ck_assert_int_eq(peer_new(&c, &peer), PEER_ERR_SRTP);
    c.srtp_profile = HBH_PROFILE_NONE; /* none takes no material */
    ck_assert_int_eq(peer_new(&c, &peer), PEER_ERR_SRTP);
    c.keying_material_len = 0;
    ck_assert_int_eq(peer_new(&c, &peer), PEER_OK);
    peer_free(peer);
    ck_assert_int_eq(peer_new(NULL, &peer), PEER_ERR_INVALID_ARG);
    ck_assert_int_eq(peer_new(&c, NULL), PEER_ERR_INVALID_ARG);
}
END_TEST

START_TEST(remotes_and_keys_checked)
{
    pair_t pair;
    pair_init(&pair);
    pair_start(&pair);
    peer_remote_config_t r = pair_video_remote(&pair, 0);
    peer_remote_config_t bad = r;
    bad.ssrc = 0;
    ck_assert_int_eq(peer_add_remote(pair.b, &bad), PEER_ERR_INVALID_ARG);
    bad = r;
    bad.fps = 0;
    ck_assert_int_eq(peer_add_remote(pair.b, &bad), PEER_ERR_INVALID_ARG);
    bad = r;
    bad.n_layers = 0;
    ck_assert_int_eq(peer_add_remote(pair.b, &bad), PEER_ERR_INVALID_ARG);
    bad = r;
    bad.source = PEER_VIDEO_CLIP; /* without clips */
    ck_assert_int_eq(peer_add_remote(pair.b, &bad), PEER_ERR_INVALID_ARG);
    bad = r;
    bad.kind = PEER_KIND_AUDIO;
    bad.ptime_ms = 15;
    ck_assert_int_eq(peer_add_remote(pair.b, &bad), PEER_ERR_INVALID_ARG);
    ck_assert_int_eq(peer_add_remote(NULL, &r), PEER_ERR_INVALID_ARG);

    ck_assert_int_eq(peer_add_remote(pair.b, &r), PEER_OK);
    /* The same SSRC, the same RTX SSRC, the same sender and kind. */
    ck_assert_int_eq(peer_add_remote(pair.b, &r), PEER_ERR_EXISTS);
    bad = r;
    bad.sender_id = 99;
    bad.ssrc = 77;
    ck_assert_int_eq(peer_add_remote(pair.b, &bad), PEER_ERR_EXISTS);
    bad.rtx_ssrc = 78;
    ck_assert_int_eq(peer_add_remote(pair.b, &bad), PEER_OK);
    bad.sender_id = PAIR_A_ID;
    bad.ssrc = 79;
    bad.rtx_ssrc = 80;
    ck_assert_int_eq(peer_add_remote(pair.b, &bad), PEER_ERR_EXISTS);

    /* Keys go to known senders only, epochs forward only. */
    const uint8_t *key = pair_key(1);
    ck_assert_int_eq(peer_add_recv_key(pair.b, 12345, 1, 0, key, 16, 0), PEER_ERR_NOT_FOUND);
    ck_assert_int_eq(peer_add_recv_key(pair.b, PAIR_A_ID, 1, 0, NULL, 16, 0), PEER_ERR_INVALID_ARG);
    ck_assert_int_eq(peer_add_recv_key(pair.b, PAIR_A_ID, 2, 0, key, 16, 0), PEER_OK);
    ck_assert_int_eq(peer_add_recv_key(pair.b, PAIR_A_ID, 2, 0, key, 16, 0), PEER_ERR_EXISTS);
    ck_assert_int_eq(peer_add_recv_key(pair.b, PAIR_A_ID, 1, 0, key, 16, 0), PEER_ERR_INVALID_ARG);
    ck_assert_int_eq(peer_add_recv_key(pair.b, PAIR_A_ID, 3, 300, key, 16, 0),
                     PEER_ERR_INVALID_ARG);

    /* The sender side: ratchet needs a key; epochs move forward. */
    ck_assert_int_eq(peer_ratchet_send_key(pair.a), PEER_ERR_STATE);
    ck_assert_int_eq(peer_set_send_key(pair.a, 1, key, 0), PEER_ERR_INVALID_ARG);
    ck_assert_int_eq(peer_set_send_key(pair.a, 4, key, 16), PEER_OK);
    ck_assert_int_eq(peer_ratchet_send_key(pair.a), PEER_OK);
    ck_assert_int_eq(peer_set_send_key(pair.a, 4, key, 16), PEER_ERR_INVALID_ARG);

    /* Figures and removal. */
    peer_remote_stats_t rs;
    ck_assert_int_eq(peer_remote_stats(pair.b, PAIR_A_ID, PEER_KIND_VIDEO, &rs), PEER_OK);
    ck_assert_uint_eq(rs.sender_id, PAIR_A_ID);
    ck_assert_int_eq(peer_remote_stats(pair.b, PAIR_A_ID, PEER_KIND_AUDIO, &rs),
                     PEER_ERR_NOT_FOUND);
    ck_assert_int_eq(peer_remove_remote(pair.b, PAIR_A_ID), PEER_OK);
    ck_assert_int_eq(peer_remove_remote(pair.b, PAIR_A_ID), PEER_ERR_NOT_FOUND);
    ck_assert_int_eq(peer_remote_stats(pair.b, PAIR_A_ID, PEER_KIND_VIDEO, &rs),
                     PEER_ERR_NOT_FOUND);
    ck_assert_int_eq(peer_remote_stats(pair.b, 99, PEER_KIND_VIDEO, &rs), PEER_OK);
    /* The removed sender's SSRC is free again. */
    ck_assert_int_eq(peer_add_remote(pair.b, &r), PEER_OK);
    pair_free(&pair);
}
END_TEST

START_TEST(errors_named)
{
    ck_assert_str_eq(peer_errname(PEER_OK), "PEER_OK");
    ck_assert_str_eq(peer_errname(PEER_ERR_SRTP), "PEER_ERR_SRTP");
    ck_assert_str_eq(peer_strerror(PEER_ERR_INVALID_ARG), "argument out of range");
    for (int e = 0; e < PEER_ERR__COUNT; e++) {
        ck_assert_ptr_nonnull(peer_strerror((peer_err_t)e));
        ck_assert(strncmp(peer_errname((peer_err_t)e), "PEER_", 5) == 0);
    }
    ck_assert_ptr_nonnull(peer_strerror(PEER_ERR__COUNT));
    ck_assert_ptr_nonnull(peer_errname((peer_err_t)-1));
}
END_TEST

START_TEST(capture_grid_rounds_both_ways)
{
    ck_assert_uint_eq(peer_video_capture_us(30.0, 0), 0);
    ck_assert_uint_eq(peer_video_capture_us(30.0, 1), 33333);
    ck_assert_uint_eq(peer_video_capture_us(30.0, 2), 66667);
    ck_assert_uint_eq(peer_video_capture_us(29.97, 30), 1001001);
    for (uint64_t n = 0; n < 100000; n += 37) {
        ck_assert_uint_eq(peer_video_frame_index(30.0, peer_video_capture_us(30.0, n)), n);
        ck_assert_uint_eq(peer_video_frame_index(24.0, peer_video_capture_us(24.0, n)), n);
        ck_assert_uint_eq(peer_video_frame_index(59.94, peer_video_capture_us(59.94, n)), n);
    }
}
END_TEST

/* A peer that starts mid-grid captures the grid points at or after its
 * start, and nothing before it. */
static void count_sent(void *ctx, uint64_t now_us, const peer_sent_frame_t *frame)
{
    uint64_t *first = ctx;
    ck_assert_uint_eq(frame->capture_us, now_us);
    if (*first == UINT64_MAX)
        *first = frame->frame;
}

START_TEST(start_time_on_the_grid)
{
    peer_config_t c = good_config();
    c.audio.enabled = false;
    c.scheme = PEER_SCHEME_NONE;
    c.start_us = 1000000; /* exactly frame 30 */
    uint64_t first = UINT64_MAX;
    c.on_sent = count_sent;
    c.on_sent_ctx = &first;
    peer_t *peer = NULL;
    ck_assert_int_eq(peer_new(&c, &peer), PEER_OK);
    uint64_t next = peer_poll(peer, 0);
    ck_assert_uint_eq(next, 1000000);
    ck_assert_uint_eq(first, UINT64_MAX);
    next = peer_poll(peer, 999999);
    ck_assert_uint_eq(first, UINT64_MAX);
    ck_assert_uint_eq(next, 1000000);
    next = peer_poll(peer, next);
    ck_assert_uint_eq(first, 30);
    /* Then the pacer, the next frame (frame 31) or the first report. */
    ck_assert_uint_gt(next, 1000000);
    ck_assert_uint_le(next, peer_video_capture_us(30.0, 31));
    peer_free(peer);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("peer_config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, good_config_accepted);
    tcase_add_loop_test(tc, bad_config_refused, 0, N_BREAKERS);
    tcase_add_test(tc, srtp_material_must_fit_profile);
    tcase_add_test(tc, remotes_and_keys_checked);
    tcase_add_test(tc, errors_named);
    tcase_add_test(tc, capture_grid_rounds_both_ways);
    tcase_add_test(tc, start_time_on_the_grid);
    suite_add_tcase(s, tc);
    return s;
}
