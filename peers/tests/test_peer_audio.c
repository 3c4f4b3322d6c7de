/* Audio between two peers (peers/tests/peer_pair.h): Opus, 20 ms, sframe.
 *  - Every frame arrives with its capture time (abs-capture-time), in
 *    order, decrypted and decoded, and plays within the jitter buffer's
 *    20..200 ms of playout delay after the link delay.
 *  - The RFC 6464 audio level each packet carries in clear is the level of
 *    the tone's PCM for that frame, so it follows the tone's talk/pause
 *    envelope: loud in the talk part, 127 (silence) in the pause.
 *  - Lost packets: each lost frame still has its record (lost, concealed:
 *    not decrypted, not decoded), with the capture time it would have had. */
#include "peers/source.h"
#include "peers/tests/peer_pair.h"

#include <stdio.h>

#define RUN_US   (3000u * PAIR_MS)
#define PTIME_US 20000u
#define SAMPLES  960u

typedef struct level_check {
    uint32_t ssrc, first_ts;
    size_t packets, silent, loud;
    uint8_t min_level;
} level_check_t;

/* What the link sees: the SRTP header (and its extensions) is in clear. */
static void observe_levels(void *ctx, const uint8_t *bytes, size_t len)
{
    level_check_t *check = ctx;
    rtp_header_t h;
    if (rtp_demux(bytes, len) != RTP_DEMUX_RTP || rtp_parse(bytes, len, &h) != RTP_OK ||
        h.ssrc != check->ssrc)
        return;
    rtp_ext_elem_t e;
    bool voice = false;
    uint8_t level = 0;
    ck_assert_int_eq(rtp_ext_find(&h, peer_ext_ids_default().audio_level, &e), RTP_OK);
    ck_assert_int_eq(rtp_ext_audio_level_parse(&e, &voice, &level), RTP_OK);
    /* The level of the tone's PCM of that frame. */
    uint64_t k = (uint32_t)(h.timestamp - check->first_ts) / SAMPLES;
    peer__tone_config_t tone = peer__tone_config_default();
    tone.peer_index = 1;
    int16_t pcm[SAMPLES];
    peer__tone_render(&tone, k * SAMPLES, SAMPLES, pcm);
    peer__audio_level_t expected = peer__audio_level_compute(pcm, SAMPLES);
    ck_assert_uint_eq(level, expected.level);
    ck_assert(voice == expected.voice);
    ck_assert(voice == (level <= PEER__AUDIO_LEVEL_VOICE_MAX));
    check->packets++;
    check->silent += level == 127;
    check->loud += level <= 20;
    check->min_level = level < check->min_level ? level : check->min_level;
}

static void audio_pair(pair_t *pair)
{
    pair_init(pair);
    pair->config_a.video.enabled = false;
    pair->config_a.audio.enabled = true;
    pair_start(pair);
    pair_receive_audio(pair);
    pair_keys(pair, 1);
}

START_TEST(audio_frames_levels_and_capture_times)
{
    pair_t pair;
    level_check_t levels = { .min_level = 127 };
    audio_pair(&pair);
    levels.ssrc = pair.config_a.audio.ssrc;
    levels.first_ts = pair.config_a.audio.first_timestamp;
    pair.ab.observe = observe_levels;
    pair.ab.observe_ctx = &levels;

    pair_run(&pair, RUN_US);

    ck_assert_uint_ge(pair.n_records, 140);
    for (size_t i = 0; i < pair.n_records; i++) {
        const peer_frame_record_t *r = &pair.records[i];
        ck_assert_int_eq(r->kind, PEER_KIND_AUDIO);
        ck_assert(r->decrypted && r->decoded && r->verified && !r->waited_for_key);
        ck_assert_uint_eq(r->frame, i);
        ck_assert_uint_eq(r->capture_us, i * PTIME_US);
        ck_assert_uint_eq(r->epoch, 1);
        ck_assert(isnan(r->psnr_db));
        ck_assert_uint_ge(r->render_us, r->capture_us + PAIR_DELAY_US + 20u * PAIR_MS);
        ck_assert_uint_le(r->render_us, r->capture_us + PAIR_DELAY_US + 200u * PAIR_MS);
    }
    /* The tone of peer index 1 talks 1400 ms of every 2000, from 700 ms
     * late: both parts show in 3 s. */
    ck_assert_uint_ge(levels.packets, 149);
    ck_assert_uint_ge(levels.silent, 20);
    ck_assert_uint_ge(levels.loud, 50);
    ck_assert_uint_le(levels.min_level, 12);
    peer_remote_stats_t rs = pair_remote_stats(&pair, PEER_KIND_AUDIO);
    ck_assert_uint_eq(rs.frames_lost, 0);
    ck_assert_uint_eq(rs.frames_decoded, pair.n_records);
    peer_stats_t sa = pair_stats(pair.a);
    ck_assert_uint_ge(sa.audio_frames, 150);
    ck_assert_uint_eq(sa.video_frames, 0);
    printf("audio: %zu frames, %zu packets with levels (%zu silent, %zu loud, min %u)\n",
           pair.n_records, levels.packets, levels.silent, levels.loud, levels.min_level);
    pair_free(&pair);
}
END_TEST

static bool drop_every_10th(void *ctx, uint64_t index, const uint8_t *rtp, size_t len)
{
    (void)ctx;
    (void)rtp;
    (void)len;
    return index % 10 == 5;
}

START_TEST(lost_audio_frames_concealed_with_records)
{
    pair_t pair;
    audio_pair(&pair);
    pair.ab.drop = drop_every_10th;

    pair_run(&pair, RUN_US);

    size_t lost = 0;
    for (size_t i = 0; i < pair.n_records; i++) {
        const peer_frame_record_t *r = &pair.records[i];
        ck_assert_uint_eq(r->frame, i);
        ck_assert_uint_eq(r->capture_us, i * PTIME_US);
        bool dropped = i % 10 == 5;
        ck_assert(r->lost == dropped);
        ck_assert(r->decrypted == !dropped);
        ck_assert(r->decoded == !dropped);
        ck_assert(r->verified == !dropped);
        lost += dropped;
    }
    peer_remote_stats_t rs = pair_remote_stats(&pair, PEER_KIND_AUDIO);
    ck_assert_uint_ge(lost, 14);
    ck_assert_uint_eq(rs.frames_lost, lost);
    ck_assert_uint_eq(rs.frames_complete + rs.frames_lost, pair.n_records);
    ck_assert_uint_eq(rs.frames_decoded, pair.n_records - lost);
    pair_free(&pair);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("peer_audio");
    TCase *tc = tcase_create("audio");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, audio_frames_levels_and_capture_times);
    tcase_add_test(tc, lost_audio_frames_concealed_with_records);
    suite_add_tcase(s, tc);
    return s;
}
