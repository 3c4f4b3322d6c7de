/* Tests for the call metrics (sim/metrics.h): percentiles on known sets,
 * the W3C freeze rule (a 400 ms gap, the threshold's equality in both of
 * its branches, the trailing stall, a freeze straddling the warmup),
 * expected frames across join, leave, rejoin, warmup and tail, the frame
 * counts and ratios with failures and duplicates, the key accounting, the
 * budget aggregation (eavesdroppers excluded, missing pairs), a complete
 * timeseries.csv, determinism, and the API's error returns. Every expected
 * value is worked out by hand in the comments. */
#include "sim/metrics.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------- */

static uint64_t ms(uint64_t milliseconds)
{
    return milliseconds * 1000u;
}

static uint64_t sec(uint64_t seconds)
{
    return seconds * 1000000u;
}

#define OK(call) ck_assert_msg((call) == SIM__METRICS_OK, "%s failed", #call)

static sim__metrics_t *make(uint64_t duration_us, uint64_t warmup_us, double fps, uint64_t ptime_us,
                            uint64_t tail_us, size_t peers)
{
    sim__metrics_config_t config = sim__metrics_config_default();
    config.duration_us = duration_us;
    config.warmup_us = warmup_us;
    config.video_fps = fps;
    config.audio_ptime_us = ptime_us;
    config.tail_us = tail_us;
    sim__metrics_t *metrics = sim__metrics_new(&config, peers);
    ck_assert_ptr_nonnull(metrics);
    return metrics;
}

static void add_peer(sim__metrics_t *metrics, size_t index, const char *name, bool video,
                     bool audio, bool eavesdropper)
{
    sim__metrics_peer_t peer = {
        .name = name,
        .eavesdropper = eavesdropper,
        .publishes_video = video,
        .publishes_audio = audio,
    };
    OK(sim__metrics_set_peer(metrics, index, &peer));
}

/* A rendered record of `frame` at `render_us`, captured on its grid. */
static sim__metrics_frame_record_t rendered(size_t receiver, size_t sender,
                                            sim__metrics_kind_t kind, uint64_t frame,
                                            uint64_t capture_us, uint64_t render_us)
{
    return (sim__metrics_frame_record_t){
        .receiver = receiver,
        .sender = sender,
        .kind = kind,
        .layer = 0,
        .frame = frame,
        .capture_us = capture_us,
        .render_us = render_us,
        .decrypted = true,
        .decoded = true,
        .verified = true,
        .psnr_db = NAN,
        .epoch = 1,
    };
}

static uint64_t video_us(double fps, uint64_t n)
{
    return sim__metrics_video_capture_us(fps, n);
}

/* Feeds a rendered video record of frame n, `latency_us` after capture. */
static void feed_video(sim__metrics_t *metrics, size_t receiver, size_t sender, double fps,
                       uint64_t n, uint64_t latency_us)
{
    uint64_t capture = video_us(fps, n);
    sim__metrics_frame_record_t record =
        rendered(receiver, sender, SIM__METRICS_VIDEO, n, capture, capture + latency_us);
    OK(sim__metrics_frame_received(metrics, &record));
}

static const sim__metrics_pair_t *find_pair(const sim__metrics_t *metrics, size_t receiver,
                                            size_t sender, sim__metrics_kind_t kind)
{
    for (size_t i = 0; i < sim__metrics_pair_count(metrics); i++) {
        const sim__metrics_pair_t *pair = sim__metrics_pair(metrics, i);
        if (pair->receiver == receiver && pair->sender == sender && pair->kind == kind)
            return pair;
    }
    ck_abort_msg("no pair %zu <- %zu kind %d", receiver, sender, (int)kind);
    return NULL;
}

#define TOL 1e-9

/* ---- percentiles --------------------------------------------------------- */

/* numpy.percentile(x, p) with its default linear method, by hand:
 * rank h = (n - 1) p / 100, x[floor h] + frac(h) (x[floor h + 1] - x[floor h]). */
static const struct {
    int64_t samples[8];
    size_t count;
    double p50, p95, p99, p100;
} percentile_cases[] = {
    /* one sample: every percentile is it */
    { { 5 }, 1, 5.0, 5.0, 5.0, 5.0 },
    /* two: h = 0.5, 0.95, 0.99 -> 1 + h * 2 */
    { { 1, 3 }, 2, 2.0, 2.9, 2.98, 3.0 },
    /* ties: h = 1.5 -> 2; h = 2.85 -> 2 + 0.85 * 5; h = 2.97 -> 2 + 0.97 * 5 */
    { { 2, 2, 2, 7 }, 4, 2.0, 6.25, 6.85, 7.0 },
    /* five: h = 2 -> 30; h = 3.8 -> 48; h = 3.96 -> 49.6 */
    { { 10, 20, 30, 40, 50 }, 5, 30.0, 48.0, 49.6, 50.0 },
    /* negative values sort below zero */
    { { -4, 0, 4 }, 3, 0.0, 3.6, 3.92, 4.0 },
};

START_TEST(percentile_known_sets)
{
    const int64_t *samples = percentile_cases[_i].samples;
    size_t count = percentile_cases[_i].count;
    ck_assert_double_eq_tol(sim__metrics_percentile(samples, count, 50), percentile_cases[_i].p50,
                            TOL);
    ck_assert_double_eq_tol(sim__metrics_percentile(samples, count, 95), percentile_cases[_i].p95,
                            TOL);
    ck_assert_double_eq_tol(sim__metrics_percentile(samples, count, 99), percentile_cases[_i].p99,
                            TOL);
    ck_assert_double_eq_tol(sim__metrics_percentile(samples, count, 100), percentile_cases[_i].p100,
                            TOL);
    ck_assert_double_eq_tol(sim__metrics_percentile(samples, count, 0), (double)samples[0], TOL);
}
END_TEST

START_TEST(percentile_no_samples)
{
    ck_assert_double_eq(sim__metrics_percentile(NULL, 0, 50), 0.0);
}
END_TEST

START_TEST(video_grid_rounds)
{
    /* round(n * 1e6 / 30): 33333.3 -> 33333, 66666.7 -> 66667, 1e6 exactly */
    ck_assert_uint_eq(video_us(30.0, 0), 0);
    ck_assert_uint_eq(video_us(30.0, 1), 33333);
    ck_assert_uint_eq(video_us(30.0, 2), 66667);
    ck_assert_uint_eq(video_us(30.0, 30), 1000000);
    ck_assert_uint_eq(video_us(25.0, 3), 120000);
}
END_TEST

/* ---- freezes ------------------------------------------------------------- */

START_TEST(freeze_one_400ms_gap_at_30fps)
{
    /* Given 30 fps, every frame rendered 50 ms after capture, except frames
     * 151..161: frame 150 (5.0 s) and frame 162 (5.4 s) are 400 ms apart.
     * The last 30 durations sum to exactly 1 s (30 frames), so the
     * threshold is max(3 * 33.3, 33.3 + 150) = 183.3 ms: one freeze of
     * 400 ms. */
    sim__metrics_t *metrics = make(sec(10), sec(2), 30.0, ms(20), ms(500), 2);
    add_peer(metrics, 0, "alice", true, false, false);
    add_peer(metrics, 1, "bob", false, false, false);
    OK(sim__metrics_join(metrics, 0, 0));
    OK(sim__metrics_join(metrics, 1, 0));
    OK(sim__metrics_subscribe(metrics, 1, 0));
    for (uint64_t n = 0; video_us(30.0, n) + ms(50) <= sec(10); n++)
        if (n < 151 || n > 161)
            feed_video(metrics, 1, 0, 30.0, n, ms(50));
    OK(sim__metrics_finish(metrics));

    const sim__metrics_pair_t *pair = find_pair(metrics, 1, 0, SIM__METRICS_VIDEO);
    ck_assert_uint_eq(pair->freeze_count, 1);
    ck_assert_double_eq_tol(pair->freeze_ms, 400.0, TOL);
    /* observed [2 s, 10 s) = 8000 ms */
    ck_assert_uint_eq(pair->observed_us, sec(8));
    ck_assert(pair->has_freeze_ratio);
    ck_assert_double_eq_tol(pair->freeze_ratio, 0.05, TOL);
    /* counted [2 s, 9.5 s): frames 60..284 = 225, 11 of them missing */
    ck_assert_uint_eq(pair->frames_expected, 225);
    ck_assert_uint_eq(pair->frames_rendered, 214);
    ck_assert_uint_eq(pair->frames_incomplete, 11);
    ck_assert_double_eq_tol(pair->fps, 214.0 / 7.5, TOL);
    ck_assert(pair->has_latency);
    ck_assert_double_eq_tol(pair->latency_ms.p50_ms, 50.0, TOL);
    ck_assert_double_eq_tol(pair->latency_ms.max_ms, 50.0, TOL);
    sim__metrics_free(metrics);
}
END_TEST

/* One gap of gap_us between two renders, after regular frames. */
static const struct {
    double fps;
    uint64_t gap_us;
    bool freeze;
} threshold_cases[] = {
    { 25.0, 190000, true },  /* max(3 * 40, 40 + 150) = 190 ms: ">=" counts equality */
    { 25.0, 189999, false }, /* 1 us short */
    { 10.0, 300000, true },  /* max(3 * 100, 100 + 150) = 300 ms: the 3x branch */
    { 10.0, 299999, false },
    { 30.0, 100000, false }, /* 3 * 33.3 = 100 ms, but avg + 150 = 183.3 ms rules */
    { 30.0, 183334, true },  /* 30 * 183334 >= 1e6 + 30 * 150000 */
    { 30.0, 183333, false }, /* 30 * 183333 < 5.5e6 */
};

START_TEST(freeze_threshold)
{
    /* Given 2 s of frames rendered 20 ms after capture, then one render
     * gap_us after the previous one, then 40 more frames at the nominal
     * pace; the receiver leaves 1 us after the last render (no stall). */
    double fps = threshold_cases[_i].fps;
    uint64_t gap = threshold_cases[_i].gap_us;
    uint64_t regular = (uint64_t)(2.0 * fps);
    sim__metrics_t *metrics = make(sec(20), 0, fps, ms(20), 0, 2);
    add_peer(metrics, 0, "alice", true, false, false);
    add_peer(metrics, 1, "bob", false, false, false);
    OK(sim__metrics_join(metrics, 0, 0));
    OK(sim__metrics_join(metrics, 1, 0));
    OK(sim__metrics_subscribe(metrics, 1, 0));
    uint64_t last_render = 0;
    for (uint64_t n = 0; n <= regular + 41; n++) {
        uint64_t capture = video_us(fps, n);
        uint64_t render;
        if (n <= regular)
            render = capture + ms(20);
        else
            render = video_us(fps, regular) + ms(20) + gap + (capture - video_us(fps, regular + 1));
        sim__metrics_frame_record_t record = rendered(1, 0, SIM__METRICS_VIDEO, n, capture, render);
        OK(sim__metrics_frame_received(metrics, &record));
        last_render = render;
    }
    OK(sim__metrics_leave(metrics, 1, last_render + 1));
    OK(sim__metrics_finish(metrics));

    const sim__metrics_pair_t *pair = find_pair(metrics, 1, 0, SIM__METRICS_VIDEO);
    ck_assert_uint_eq(pair->freeze_count, (threshold_cases[_i].freeze ? 1 : 0));
    ck_assert_double_eq_tol(pair->freeze_ms,
                            threshold_cases[_i].freeze ? (double)gap / 1000.0 : 0.0, TOL);
    sim__metrics_free(metrics);
}
END_TEST

START_TEST(freeze_trailing_stall)
{
    /* Given 25 fps rendered 40 ms after capture, three receivers of alice:
     *  bob stops at 5 s (last render at 5.0 s): a 5 s trailing stall;
     *  carol renders up to 9.88 s: 120 ms to the end, under 190 ms;
     *  dave misses [1.5 s, 2.5 s): renders 1.52 s and 2.56 s, a freeze
     *  straddling the 2 s warmup of which 560 ms count. */
    sim__metrics_t *metrics = make(sec(10), sec(2), 25.0, ms(20), ms(500), 4);
    add_peer(metrics, 0, "alice", true, false, false);
    for (size_t i = 1; i < 4; i++) {
        add_peer(metrics, i, i == 1 ? "bob" : i == 2 ? "carol" : "dave", false, false, false);
        OK(sim__metrics_join(metrics, i, 0));
        OK(sim__metrics_subscribe(metrics, i, 0));
    }
    OK(sim__metrics_join(metrics, 0, 0));
    for (uint64_t n = 0; video_us(25.0, n) + ms(40) <= sec(10); n++) {
        uint64_t capture = video_us(25.0, n);
        if (capture < ms(5000))
            feed_video(metrics, 1, 0, 25.0, n, ms(40));
        if (capture + ms(40) <= ms(9900))
            feed_video(metrics, 2, 0, 25.0, n, ms(40));
        if (capture < ms(1500) || capture >= ms(2500))
            feed_video(metrics, 3, 0, 25.0, n, ms(40));
    }
    OK(sim__metrics_finish(metrics));

    const sim__metrics_pair_t *bob = find_pair(metrics, 1, 0, SIM__METRICS_VIDEO);
    ck_assert_uint_eq(bob->freeze_count, 1);
    ck_assert_double_eq_tol(bob->freeze_ms, 5000.0, TOL);
    ck_assert_double_eq_tol(bob->freeze_ratio, 5000.0 / 8000.0, TOL);
    const sim__metrics_pair_t *carol = find_pair(metrics, 2, 0, SIM__METRICS_VIDEO);
    ck_assert_uint_eq(carol->freeze_count, 0);
    ck_assert_double_eq_tol(carol->freeze_ms, 0.0, TOL);
    ck_assert(carol->has_freeze_ratio);
    const sim__metrics_pair_t *dave = find_pair(metrics, 3, 0, SIM__METRICS_VIDEO);
    ck_assert_uint_eq(dave->freeze_count, 1);
    ck_assert_double_eq_tol(dave->freeze_ms, 560.0, TOL);
    sim__metrics_free(metrics);
}
END_TEST

/* ---- expected frames ------------------------------------------------------ */

START_TEST(expected_frames_join_leave_rejoin)
{
    /* Given duration 20 s, warmup 2 s, tail 0.5 s, alice publishing 30 fps
     * video and 20 ms audio all along, and bob present [1, 6) and
     * [10.5, 20): the counting windows are [2, 5.5) and [10.5, 19.5).
     *  video: frames 60..164 (105) and 315..584 (270) = 375;
     *  audio: 3.5 s / 20 ms = 175 and 9 s / 20 ms = 450 = 625. */
    sim__metrics_t *metrics = make(sec(20), sec(2), 30.0, ms(20), ms(500), 2);
    add_peer(metrics, 0, "alice", true, true, false);
    add_peer(metrics, 1, "bob", false, false, false);
    OK(sim__metrics_join(metrics, 0, 0));
    OK(sim__metrics_join(metrics, 1, sec(1)));
    OK(sim__metrics_leave(metrics, 1, sec(6)));
    OK(sim__metrics_join(metrics, 1, ms(10500)));
    OK(sim__metrics_subscribe(metrics, 1, 0));
    /* bob's first render: frame 36 (1.2 s) at 1.25 s, 250 ms after joining */
    feed_video(metrics, 1, 0, 30.0, 36, ms(50));
    OK(sim__metrics_finish(metrics));

    const sim__metrics_pair_t *video = find_pair(metrics, 1, 0, SIM__METRICS_VIDEO);
    const sim__metrics_pair_t *audio = find_pair(metrics, 1, 0, SIM__METRICS_AUDIO);
    ck_assert_uint_eq(video->frames_expected, 375);
    ck_assert_uint_eq(audio->frames_expected, 625);
    ck_assert_uint_eq(video->active_us, ms(14500));   /* 5 + 9.5 s */
    ck_assert_uint_eq(video->counted_us, ms(12500));  /* 3.5 + 9 s */
    ck_assert_uint_eq(video->observed_us, ms(13500)); /* 4 + 9.5 s */
    ck_assert_uint_eq(video->frames_incomplete, 375);
    ck_assert_uint_eq(video->frames_rendered, 0); /* frame 36 is before the warmup */
    ck_assert(video->has_time_to_first_frame);
    ck_assert_double_eq_tol(video->time_to_first_frame_ms, 250.0, TOL);
    ck_assert(!audio->has_time_to_first_frame);
    ck_assert(!video->has_latency);
    ck_assert(video->has_delivered_ratio);
    ck_assert_double_eq_tol(video->delivered_ratio, 0.0, TOL);
    ck_assert(!video->has_decrypt_success);
    sim__metrics_free(metrics);
}
END_TEST

START_TEST(expected_frames_off_grid)
{
    /* Given alice joining at 3.01 s (duration 5 s, warmup 2 s, tail 0.5 s),
     * the window is [3.01, 4.5): video frames 91 (3.0333 s) .. 134 = 44;
     * audio frames 151 (3.02 s) .. 224 (4.48 s) = 74. A pair whose only
     * interval ends before the warmup expects nothing and is still listed. */
    sim__metrics_t *metrics = make(sec(5), sec(2), 30.0, ms(20), ms(500), 3);
    add_peer(metrics, 0, "alice", true, true, false);
    add_peer(metrics, 1, "bob", false, false, false);
    add_peer(metrics, 2, "carol", true, false, false);
    OK(sim__metrics_join(metrics, 0, ms(3010)));
    OK(sim__metrics_join(metrics, 1, 0));
    OK(sim__metrics_join(metrics, 2, 0));
    OK(sim__metrics_leave(metrics, 2, ms(1500)));
    OK(sim__metrics_subscribe(metrics, 1, 0));
    OK(sim__metrics_subscribe(metrics, 1, 2));
    OK(sim__metrics_finish(metrics));

    ck_assert_uint_eq(find_pair(metrics, 1, 0, SIM__METRICS_VIDEO)->frames_expected, 44);
    ck_assert_uint_eq(find_pair(metrics, 1, 0, SIM__METRICS_AUDIO)->frames_expected, 74);
    const sim__metrics_pair_t *early = find_pair(metrics, 1, 2, SIM__METRICS_VIDEO);
    ck_assert_uint_eq(early->frames_expected, 0);
    ck_assert_uint_eq(early->active_us, ms(1500));
    ck_assert(!early->has_fps);
    ck_assert(!early->has_delivered_ratio);
    ck_assert(!early->has_freeze_ratio);
    sim__metrics_free(metrics);
}
END_TEST

/* ---- counts, ratios, latency, PSNR, layers ---------------------------------- */

START_TEST(delivered_incomplete_decrypt)
{
    /* Given 25 fps, duration 6 s, warmup 2 s, tail 0.5 s: counted frames
     * 50..137 (88). Records, 60 ms after capture unless said:
     *   60..67  none                   -> incomplete 8, received 80
     *   70..73  not decrypted          -> decrypt failed 4, decrypted 76
     *   80..82  decrypted, not decoded
     *   90..91  decoded, not verified  -> rendered 88 - 8 - 4 - 3 - 2 = 71
     *   95      twice, rendered at +60 and +80 ms (counts once, +60)
     *   96      failed once, then rendered at +70 ms
     *   PSNR 35 dB, but NaN at 100 and +inf (counted as 100) at 101
     *   layer 0 below 110, 2 from 110, 1 at 120: switches 0>2, 2>1, 1>2
     * plus rendered frames before the warmup (0..49) and in the tail
     * (138..145), which count nowhere. */
    sim__metrics_t *metrics = make(sec(6), sec(2), 25.0, ms(20), ms(500), 2);
    add_peer(metrics, 0, "alice", true, false, false);
    add_peer(metrics, 1, "bob", false, false, false);
    OK(sim__metrics_join(metrics, 0, 0));
    OK(sim__metrics_join(metrics, 1, 0));
    OK(sim__metrics_subscribe(metrics, 1, 0));
    for (uint64_t n = 0; n <= 145; n++) {
        if (n >= 60 && n <= 67)
            continue;
        uint64_t capture = video_us(25.0, n);
        sim__metrics_frame_record_t record =
            rendered(1, 0, SIM__METRICS_VIDEO, n, capture, capture + ms(60));
        record.psnr_db = n == 100 ? NAN : n == 101 ? INFINITY : 35.0;
        record.layer = n == 120 ? 1 : n >= 110 ? 2 : 0;
        record.decrypted = !(n >= 70 && n <= 73) && n != 96;
        record.decoded = record.decrypted && !(n >= 80 && n <= 82);
        record.verified = record.decoded && n != 90 && n != 91;
        OK(sim__metrics_frame_received(metrics, &record));
        if (n == 95 || n == 96) {
            record.render_us = capture + (n == 95 ? ms(80) : ms(70));
            record.decrypted = record.decoded = record.verified = true;
            OK(sim__metrics_frame_received(metrics, &record));
        }
    }
    OK(sim__metrics_finish(metrics));

    const sim__metrics_pair_t *pair = find_pair(metrics, 1, 0, SIM__METRICS_VIDEO);
    ck_assert_uint_eq(pair->frames_expected, 88);
    ck_assert_uint_eq(pair->frames_received, 80);
    ck_assert_uint_eq(pair->frames_incomplete, 8);
    ck_assert_uint_eq(pair->frames_decrypted, 76);
    ck_assert_uint_eq(pair->frames_decrypt_failed, 4);
    ck_assert_uint_eq(pair->frames_rendered, 71);
    ck_assert_double_eq_tol(pair->delivered_ratio, 71.0 / 88.0, TOL);
    ck_assert_double_eq_tol(pair->decrypt_success, 0.95, TOL);
    ck_assert_double_eq_tol(pair->fps, 71.0 / 3.5, TOL);
    /* latencies: 70 x 60 ms and 1 x 70 ms; p99 rank 69.3 -> 60 + 0.3 * 10 */
    ck_assert_double_eq_tol(pair->latency_ms.p50_ms, 60.0, TOL);
    ck_assert_double_eq_tol(pair->latency_ms.p95_ms, 60.0, TOL);
    ck_assert_double_eq_tol(pair->latency_ms.p99_ms, 63.0, TOL);
    ck_assert_double_eq_tol(pair->latency_ms.max_ms, 70.0, TOL);
    ck_assert(pair->has_psnr);
    ck_assert_double_eq_tol(pair->psnr_db_mean, (35.0 * 69 + 100.0) / 70.0, TOL);
    ck_assert_uint_eq(pair->layer_switches, 3);
    ck_assert_uint_eq(pair->records_outside, 0);
    /* renders 59 -> 68 are 360 ms apart (>= 190 ms): a freeze. Renders
     * 69 -> 74 are 200 ms apart, but the window now holds that 360 ms:
     * avg = (360 + 29 * 40) / 30 = 50.7 ms, threshold 200.7 ms: none. */
    ck_assert_uint_eq(pair->freeze_count, 1);
    ck_assert_double_eq_tol(pair->freeze_ms, 360.0, TOL);
    sim__metrics_free(metrics);
}
END_TEST

/* ---- keys ------------------------------------------------------------------ */

typedef struct key_record {
    size_t receiver;
    uint64_t frame; /* 25 fps: frame n captured at n * 40 ms */
    uint64_t render_ms;
    uint64_t epoch;
    bool decrypted;
    bool waited;
} key_record_t;

START_TEST(key_accounting)
{
    /* Given alice (0) sending; bob (1) present [0, 5) and [8, 10), whose
     * departure at 5 s forbids epochs >= 3; carol (2) joining at 6 s; eve
     * (3) an eavesdropper. */
    static const key_record_t records[] = {
        { 1, 100, 4050, 2, true, false }, /* before leaving: fine */
        { 1, 135, 5500, 3, true, false }, /* departed, epoch 3: by_departed */
        { 1, 127, 5200, 2, true, false }, /* departed, old epoch 2: fine */
        { 1, 140, 5700, 3, false, true }, /* not decrypted, waited */
        { 1, 205, 8250, 5, true, false }, /* after rejoining: fine */
        { 1, 175, 8300, 4, true, false }, /* captured 7.0 s, before the 8 s rejoin */
        { 2, 147, 6100, 3, true, false }, /* captured 5.88 s, before carol's join */
        { 2, 152, 6100, 3, true, false }, /* captured 6.08 s: fine */
        { 2, 148, 5950, 3, true, false }, /* made before carol ever joined */
        { 3, 100, 4100, 2, true, false }, /* eavesdropper */
        { 3, 101, 4140, 2, false, true }, /* eavesdropper, waited */
    };
    sim__metrics_t *metrics = make(sec(10), sec(2), 25.0, ms(20), ms(500), 4);
    add_peer(metrics, 0, "alice", true, true, false);
    add_peer(metrics, 1, "bob", false, false, false);
    add_peer(metrics, 2, "carol", false, false, false);
    add_peer(metrics, 3, "eve", false, false, true);
    OK(sim__metrics_join(metrics, 0, 0));
    OK(sim__metrics_join(metrics, 1, 0));
    OK(sim__metrics_leave(metrics, 1, sec(5)));
    OK(sim__metrics_departure(metrics, 1, sec(5), 3));
    OK(sim__metrics_join(metrics, 1, sec(8)));
    OK(sim__metrics_join(metrics, 2, sec(6)));
    OK(sim__metrics_join(metrics, 3, 0));
    for (size_t r = 1; r <= 3; r++)
        OK(sim__metrics_subscribe(metrics, r, 0));
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
        const key_record_t *k = &records[i];
        sim__metrics_frame_record_t record = rendered(k->receiver, 0, SIM__METRICS_VIDEO, k->frame,
                                                      k->frame * ms(40), ms(k->render_ms));
        record.epoch = k->epoch;
        record.decrypted = record.decoded = record.verified = k->decrypted;
        record.waited_for_key = k->waited;
        OK(sim__metrics_frame_received(metrics, &record));
    }
    /* bob from carol, who publishes nothing: kept for the keys only */
    sim__metrics_frame_record_t stray = rendered(1, 2, SIM__METRICS_VIDEO, 225, sec(9), ms(9050));
    stray.epoch = 5;
    OK(sim__metrics_frame_received(metrics, &stray));
    OK(sim__metrics_finish(metrics));

    const sim__metrics_keys_t *keys = sim__metrics_keys(metrics);
    ck_assert_uint_eq(keys->frames_decrypted_by_departed, 1);
    ck_assert_uint_eq(keys->frames_decrypted_before_join, 3);
    ck_assert_uint_eq(keys->frames_decrypted_by_eavesdropper, 1);
    ck_assert_uint_eq(keys->frames_waiting_for_key, 2);
    /* captured outside the active intervals: bob's 5.08, 5.4, 5.6, 7.0 s
     * and carol's 5.88, 5.92 s */
    ck_assert_uint_eq(find_pair(metrics, 1, 0, SIM__METRICS_VIDEO)->records_outside, 4);
    ck_assert_uint_eq(find_pair(metrics, 2, 0, SIM__METRICS_VIDEO)->records_outside, 2);
    const sim__metrics_diag_t *diag = sim__metrics_diag(metrics);
    ck_assert_uint_eq(diag->records_outside, 6);
    ck_assert_uint_eq(diag->records_unsubscribed, 1);
    ck_assert_uint_eq(diag->capture_mismatch, 0);
    sim__metrics_free(metrics);
}
END_TEST

/* ---- budgets ------------------------------------------------------------------ */

/* Duration 4 s, warmup 1 s, tail 0.5 s: counted [1, 3.5), video 25 fps
 * frames 25..87 (63), audio 20 ms frames 50..174 (125). Receiver r gets
 * every frame alice sends, video at +50 ms with PSNR 40 dB, audio at
 * +30 ms; undecrypted when `decrypt` is false. */
static void feed_all(sim__metrics_t *metrics, size_t receiver, bool video, bool decrypt)
{
    for (uint64_t n = 0; video && video_us(25.0, n) + ms(50) <= sec(4); n++) {
        uint64_t capture = video_us(25.0, n);
        sim__metrics_frame_record_t record =
            rendered(receiver, 0, SIM__METRICS_VIDEO, n, capture, capture + ms(50));
        record.psnr_db = 40.0;
        record.decrypted = record.decoded = record.verified = decrypt;
        OK(sim__metrics_frame_received(metrics, &record));
    }
    for (uint64_t k = 0; k * ms(20) + ms(30) <= sec(4); k++) {
        sim__metrics_frame_record_t record =
            rendered(receiver, 0, SIM__METRICS_AUDIO, k, k * ms(20), k * ms(20) + ms(30));
        record.decrypted = record.decoded = record.verified = decrypt;
        OK(sim__metrics_frame_received(metrics, &record));
    }
}

static sim__metrics_budget_value_t budget(const sim__metrics_t *metrics, sim__metrics_budget_t id)
{
    return sim__metrics_budget_value(metrics, id);
}

START_TEST(budgets_exclude_eavesdroppers)
{
    /* Given bob (member) receiving everything and eve (eavesdropper)
     * decrypting nothing: every budget reads bob's pairs only. */
    sim__metrics_t *metrics = make(sec(4), sec(1), 25.0, ms(20), ms(500), 3);
    add_peer(metrics, 0, "alice", true, true, false);
    add_peer(metrics, 1, "bob", false, false, false);
    add_peer(metrics, 2, "eve", false, false, true);
    for (size_t i = 0; i < 3; i++)
        OK(sim__metrics_join(metrics, i, 0));
    OK(sim__metrics_subscribe(metrics, 2, 0));
    OK(sim__metrics_subscribe(metrics, 1, 0));
    feed_all(metrics, 1, true, true);
    feed_all(metrics, 2, true, false);
    OK(sim__metrics_finish(metrics));

    /* listed by receiver, sender, video before audio */
    ck_assert_uint_eq(sim__metrics_pair_count(metrics), 4);
    static const size_t receivers[] = { 1, 1, 2, 2 };
    for (size_t i = 0; i < 4; i++) {
        const sim__metrics_pair_t *pair = sim__metrics_pair(metrics, i);
        ck_assert_uint_eq(pair->receiver, receivers[i]);
        ck_assert_uint_eq(pair->sender, 0);
        ck_assert_int_eq(pair->kind, i % 2 ? SIM__METRICS_AUDIO : SIM__METRICS_VIDEO);
        ck_assert(pair->eavesdropper == (receivers[i] == 2));
    }
    ck_assert_ptr_null(sim__metrics_pair(metrics, 4));
    const sim__metrics_pair_t *eve = sim__metrics_pair(metrics, 2);
    ck_assert(eve->has_decrypt_success);
    ck_assert_double_eq_tol(eve->decrypt_success, 0.0, TOL);
    ck_assert_double_eq_tol(eve->delivered_ratio, 0.0, TOL);
    const sim__metrics_pair_t *bob_audio = sim__metrics_pair(metrics, 1);
    ck_assert(!bob_audio->has_freeze_ratio);
    ck_assert(!bob_audio->has_psnr);
    ck_assert_uint_eq(bob_audio->frames_expected, 125);

    sim__metrics_budget_value_t p95 = budget(metrics, SIM__METRICS_BUDGET_VIDEO_LATENCY_P95_MS);
    ck_assert(p95.has_value);
    ck_assert_double_eq_tol(p95.value, 50.0, TOL);
    ck_assert_uint_eq(p95.pairs, 1);
    ck_assert_uint_eq(p95.pairs_missing, 0);
    ck_assert_uint_eq(p95.worst_pair, 0);
    ck_assert_double_eq_tol(budget(metrics, SIM__METRICS_BUDGET_AUDIO_LATENCY_P95_MS).value, 30.0,
                            TOL);
    ck_assert_double_eq_tol(budget(metrics, SIM__METRICS_BUDGET_VIDEO_FPS_MIN).value, 63.0 / 2.5,
                            TOL);
    sim__metrics_budget_value_t freeze = budget(metrics, SIM__METRICS_BUDGET_FREEZE_RATIO_MAX);
    ck_assert(freeze.has_value);
    ck_assert_double_eq_tol(freeze.value, 0.0, TOL);
    sim__metrics_budget_value_t delivered =
        budget(metrics, SIM__METRICS_BUDGET_DELIVERED_RATIO_MIN);
    ck_assert_double_eq_tol(delivered.value, 1.0, TOL); /* eve's 0 is left out */
    ck_assert_uint_eq(delivered.pairs, 2);
    ck_assert_double_eq_tol(budget(metrics, SIM__METRICS_BUDGET_DECRYPT_SUCCESS_MIN).value, 1.0,
                            TOL);
    /* video's first frame at 50 ms, audio's at 30 ms */
    ck_assert_double_eq_tol(budget(metrics, SIM__METRICS_BUDGET_TIME_TO_FIRST_FRAME_MS_MAX).value,
                            50.0, TOL);
    ck_assert_double_eq_tol(budget(metrics, SIM__METRICS_BUDGET_PSNR_DB_MIN).value, 40.0, TOL);

    ck_assert(sim__metrics_budget_passes(SIM__METRICS_BUDGET_VIDEO_LATENCY_P95_MS, &p95, 50.0));
    ck_assert(!sim__metrics_budget_passes(SIM__METRICS_BUDGET_VIDEO_LATENCY_P95_MS, &p95, 49.9));
    ck_assert(sim__metrics_budget_passes(SIM__METRICS_BUDGET_DELIVERED_RATIO_MIN, &delivered, 1.0));
    sim__metrics_budget_value_t fps = budget(metrics, SIM__METRICS_BUDGET_VIDEO_FPS_MIN);
    ck_assert(!sim__metrics_budget_passes(SIM__METRICS_BUDGET_VIDEO_FPS_MIN, &fps, 25.3));
    ck_assert_str_eq(sim__metrics_budget_name(SIM__METRICS_BUDGET_VIDEO_LATENCY_P95_MS),
                     "video_latency_p95_ms");
    ck_assert_str_eq(sim__metrics_budget_name(SIM__METRICS_BUDGET_TIME_TO_FIRST_FRAME_MS_MAX),
                     "time_to_first_frame_ms_max");
    ck_assert(sim__metrics_budget_is_upper(SIM__METRICS_BUDGET_FREEZE_RATIO_MAX));
    ck_assert(!sim__metrics_budget_is_upper(SIM__METRICS_BUDGET_PSNR_DB_MIN));
    ck_assert_ptr_null(sim__metrics_budget_name(SIM__METRICS_BUDGET__COUNT));
    sim__metrics_free(metrics);
}
END_TEST

START_TEST(budgets_missing_pairs)
{
    /* Given bob receiving everything, carol (a member) receiving audio but
     * no video at all, and dave joining at 3.8 s (nothing expected): carol's
     * video pair lacks latency, freeze ratio and PSNR, and has delivered
     * ratio 0; dave's pairs are out of scope. */
    sim__metrics_t *metrics = make(sec(4), sec(1), 25.0, ms(20), ms(500), 4);
    add_peer(metrics, 0, "alice", true, true, false);
    add_peer(metrics, 1, "bob", false, false, false);
    add_peer(metrics, 2, "carol", false, false, false);
    add_peer(metrics, 3, "dave", false, false, false);
    for (size_t i = 0; i < 3; i++)
        OK(sim__metrics_join(metrics, i, 0));
    OK(sim__metrics_join(metrics, 3, ms(3800)));
    for (size_t i = 1; i < 4; i++)
        OK(sim__metrics_subscribe(metrics, i, 0));
    feed_all(metrics, 1, true, true);
    feed_all(metrics, 2, false, true);
    OK(sim__metrics_finish(metrics));

    ck_assert_uint_eq(sim__metrics_pair_count(metrics), 6);
    sim__metrics_budget_value_t p95 = budget(metrics, SIM__METRICS_BUDGET_VIDEO_LATENCY_P95_MS);
    ck_assert(p95.has_value);
    ck_assert_double_eq_tol(p95.value, 50.0, TOL);
    ck_assert_uint_eq(p95.pairs, 1);
    ck_assert_uint_eq(p95.pairs_missing, 1);
    ck_assert(!sim__metrics_budget_passes(SIM__METRICS_BUDGET_VIDEO_LATENCY_P95_MS, &p95, 1e9));
    sim__metrics_budget_value_t delivered =
        budget(metrics, SIM__METRICS_BUDGET_DELIVERED_RATIO_MIN);
    ck_assert_double_eq_tol(delivered.value, 0.0, TOL);
    ck_assert_uint_eq(delivered.worst_pair, 2); /* carol's video */
    ck_assert_uint_eq(delivered.pairs, 4);
    ck_assert_uint_eq(delivered.pairs_missing, 0);
    sim__metrics_budget_value_t freeze = budget(metrics, SIM__METRICS_BUDGET_FREEZE_RATIO_MAX);
    ck_assert_uint_eq(freeze.pairs_missing, 1);
    sim__metrics_budget_value_t audio = budget(metrics, SIM__METRICS_BUDGET_AUDIO_LATENCY_P95_MS);
    ck_assert_uint_eq(audio.pairs, 2);
    ck_assert(sim__metrics_budget_passes(SIM__METRICS_BUDGET_AUDIO_LATENCY_P95_MS, &audio, 30.0));
    const sim__metrics_pair_t *dave = find_pair(metrics, 3, 0, SIM__METRICS_VIDEO);
    ck_assert_uint_eq(dave->frames_expected, 0);
    sim__metrics_free(metrics);
}
END_TEST

/* ---- timeseries.csv ----------------------------------------------------------- */

static char *timeseries_text(const sim__metrics_t *metrics)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    OK(sim__metrics_write_timeseries(metrics, out));
    ck_assert_int_eq(fclose(out), 0);
    return text;
}

static void packet(sim__metrics_t *metrics, size_t peer, sim__metrics_dir_t dir, uint64_t at_us,
                   uint64_t bytes, bool delivered, uint64_t delay_us)
{
    sim__metrics_packet_t sample = {
        .peer = peer,
        .dir = dir,
        .at_us = at_us,
        .bytes = bytes,
        .delivered = delivered,
        .delay_us = delay_us,
    };
    OK(sim__metrics_link_packet(metrics, &sample));
}

static void counts(sim__metrics_t *metrics, size_t peer, sim__metrics_dir_t dir, uint64_t at_us,
                   uint64_t packets, uint64_t lost, uint64_t delivered, uint64_t bytes,
                   uint64_t delivered_bytes, uint64_t delay_sum_us)
{
    sim__metrics_link_counts_t c = {
        .peer = peer,
        .dir = dir,
        .at_us = at_us,
        .packets = packets,
        .lost = lost,
        .delivered = delivered,
        .bytes = bytes,
        .delivered_bytes = delivered_bytes,
        .delay_sum_us = delay_sum_us,
    };
    OK(sim__metrics_link_counts(metrics, &c));
}

/* The same packets either one by one or as per-bucket counts (as the
 * runner samples its links) give the same file. */
static void timeseries_case(bool aggregated)
{
    /* Given 250 ms in 100 ms buckets (the last one 50 ms long); alice and
     * carol present all along, bob from 150 ms, subscribing both.
     *  alice up: 1000 B at 0 (20 ms), 500 B lost at 99.999 ms, 1250 B at
     *    100 ms (30 ms), 100 B at 250 ms, the end, in the last bucket;
     *  bob down: 2000 B at 160 ms (40 ms), 1000 B at 180 ms (20 ms);
     *  bob's layers: alice 2 and carol 1 from 150 ms, alice 0 from 200 ms.
     * kbps = bytes * 8 / bucket ms: 1000 B -> 80, 1500 B -> 120,
     * 1250 B -> 100, 3000 B -> 240, 100 B in 50 ms -> 16. Bucket 0 has no
     * bob rows: he is absent and has no packets. */
    sim__metrics_t *metrics = make(ms(250), 0, 30.0, ms(20), 0, 3);
    add_peer(metrics, 0, "alice", true, false, false);
    add_peer(metrics, 1, "bob", false, false, false);
    add_peer(metrics, 2, "carol", true, false, false);
    OK(sim__metrics_join(metrics, 0, 0));
    OK(sim__metrics_join(metrics, 2, 0));
    OK(sim__metrics_join(metrics, 1, ms(150)));
    OK(sim__metrics_subscribe(metrics, 1, 0));
    OK(sim__metrics_subscribe(metrics, 1, 2));
    if (!aggregated) {
        packet(metrics, 0, SIM__METRICS_UP, 0, 1000, true, ms(20));
        packet(metrics, 0, SIM__METRICS_UP, 99999, 500, false, 0);
        packet(metrics, 0, SIM__METRICS_UP, ms(100), 1250, true, ms(30));
        packet(metrics, 0, SIM__METRICS_UP, ms(250), 100, true, ms(10));
        packet(metrics, 1, SIM__METRICS_DOWN, ms(160), 2000, true, ms(40));
        packet(metrics, 1, SIM__METRICS_DOWN, ms(180), 1000, true, ms(20));
    } else {
        counts(metrics, 0, SIM__METRICS_UP, 99999, 2, 1, 1, 1500, 1000, ms(20));
        counts(metrics, 0, SIM__METRICS_UP, ms(100), 1, 0, 1, 1250, 1250, ms(30));
        counts(metrics, 0, SIM__METRICS_UP, ms(250), 1, 0, 1, 100, 100, ms(10));
        counts(metrics, 1, SIM__METRICS_DOWN, ms(180), 2, 0, 2, 3000, 3000, ms(60));
    }
    OK(sim__metrics_layer(metrics, 1, 0, ms(150), 2));
    OK(sim__metrics_layer(metrics, 1, 2, ms(150), 1));
    OK(sim__metrics_layer(metrics, 1, 0, ms(200), 0));
    OK(sim__metrics_finish(metrics));

    static const char expected[] = "t_s,peer,dir,packets,lost,loss_ratio,kbps,sent_kbps,mean_delay_"
                                   "ms,layer_min,layer_max,rtx_packets,"
                                   "mean_queue_delay_ms\n"
                                   "0.000,alice,up,2,1,0.5000,80.000,120.000,20.000,,,,\n"
                                   "0.000,alice,down,0,0,,0.000,0.000,,,,,\n"
                                   "0.000,carol,up,0,0,,0.000,0.000,,,,,\n"
                                   "0.000,carol,down,0,0,,0.000,0.000,,,,,\n"
                                   "0.100,alice,up,1,0,0.0000,100.000,100.000,30.000,,,,\n"
                                   "0.100,alice,down,0,0,,0.000,0.000,,,,,\n"
                                   "0.100,bob,up,0,0,,0.000,0.000,,,,,\n"
                                   "0.100,bob,down,2,0,0.0000,240.000,240.000,30.000,1,2,,\n"
                                   "0.100,carol,up,0,0,,0.000,0.000,,,,,\n"
                                   "0.100,carol,down,0,0,,0.000,0.000,,,,,\n"
                                   "0.200,alice,up,1,0,0.0000,16.000,16.000,10.000,,,,\n"
                                   "0.200,alice,down,0,0,,0.000,0.000,,,,,\n"
                                   "0.200,bob,up,0,0,,0.000,0.000,,,,,\n"
                                   "0.200,bob,down,0,0,,0.000,0.000,,0,1,,\n"
                                   "0.200,carol,up,0,0,,0.000,0.000,,,,,\n"
                                   "0.200,carol,down,0,0,,0.000,0.000,,,,,\n";
    char *text = timeseries_text(metrics);
    ck_assert_str_eq(text, expected);
    free(text);
    sim__metrics_free(metrics);
}

START_TEST(timeseries_csv)
{
    timeseries_case(false);
}
END_TEST

START_TEST(timeseries_csv_from_counts)
{
    timeseries_case(true);
}
END_TEST

static void extra(sim__metrics_t *metrics, size_t peer, sim__metrics_dir_t dir, uint64_t at_us,
                  uint64_t rtx_packets, uint64_t queue_delay_sum_us)
{
    sim__metrics_link_extra_t e = {
        .peer = peer,
        .dir = dir,
        .at_us = at_us,
        .has_rtx = true,
        .has_queue_delay = true,
        .rtx_packets = rtx_packets,
        .queue_delay_sum_us = queue_delay_sum_us,
    };
    OK(sim__metrics_link_extra(metrics, &e));
}

START_TEST(timeseries_rtx_and_queue_delay)
{
    /* Given 200 ms, alice present, her uplink carrying 4 packets in bucket
     * 0 (all delivered, 40 ms of delay of which 12 ms queueing in all) and
     * 2 RTX of them; her downlink 1 RTX in bucket 1 with nothing delivered.
     * Then: rtx_packets 2 and 0 in bucket 0, mean_queue_delay_ms 3 ms on
     * the up row; bucket 1 counts the down RTX, and a row with no delivered
     * copy has no queue delay. */
    sim__metrics_t *metrics = make(ms(200), 0, 30.0, ms(20), 0, 1);
    add_peer(metrics, 0, "alice", true, false, false);
    OK(sim__metrics_join(metrics, 0, 0));
    counts(metrics, 0, SIM__METRICS_UP, ms(99), 4, 0, 4, 4000, 4000, ms(40));
    extra(metrics, 0, SIM__METRICS_UP, ms(99), 2, ms(12));
    extra(metrics, 0, SIM__METRICS_DOWN, ms(150), 1, 0);
    sim__metrics_link_extra_t bad = { .peer = 1, .dir = SIM__METRICS_UP };
    ck_assert_int_eq(sim__metrics_link_extra(metrics, &bad), SIM__METRICS_ERR_INVALID_ARG);
    bad = (sim__metrics_link_extra_t){ .peer = 0, .dir = SIM__METRICS_UP, .at_us = ms(201) };
    ck_assert_int_eq(sim__metrics_link_extra(metrics, &bad), SIM__METRICS_ERR_RANGE);
    OK(sim__metrics_finish(metrics));
    ck_assert_int_eq(sim__metrics_link_extra(metrics, &bad), SIM__METRICS_ERR_STATE);
    static const char expected[] =
        "t_s,peer,dir,packets,lost,loss_ratio,kbps,sent_kbps,mean_delay_ms,layer_min,layer_max,"
        "rtx_packets,mean_queue_delay_ms\n"
        "0.000,alice,up,4,0,0.0000,320.000,320.000,10.000,,,2,3.000\n"
        "0.000,alice,down,0,0,,0.000,0.000,,,,0,\n"
        "0.100,alice,up,0,0,,0.000,0.000,,,,0,\n"
        "0.100,alice,down,0,0,,0.000,0.000,,,,1,\n";
    char *text = timeseries_text(metrics);
    ck_assert_str_eq(text, expected);
    free(text);
    sim__metrics_free(metrics);
}
END_TEST

/* ---- determinism ----------------------------------------------------------------- */

/* A small xorshift stream, so that the scenario below is fixed. */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

#define DET_PEERS 5

/* Builds the same call every time: alice (0) and bob (1) publish, carol
 * (2) receives, dave (3) leaves and comes back, eve (4) eavesdrops. The
 * received records are generated up front and fed in order or reversed. */
static sim__metrics_t *determinism_run(bool reverse)
{
    sim__metrics_t *metrics = make(sec(10), sec(2), 30.0, ms(20), ms(500), DET_PEERS);
    static const char *const names[DET_PEERS] = { "alice", "bob", "carol", "dave", "eve" };
    for (size_t i = 0; i < DET_PEERS; i++) {
        add_peer(metrics, i, names[i], i < 2, i < 2, i == 4);
        OK(sim__metrics_join(metrics, i, 0));
    }
    OK(sim__metrics_leave(metrics, 3, sec(3)));
    OK(sim__metrics_departure(metrics, 3, sec(3), 2));
    OK(sim__metrics_join(metrics, 3, sec(6)));
    for (size_t r = 0; r < DET_PEERS; r++)
        for (size_t s = 0; s < 2; s++)
            if (r != s)
                OK(sim__metrics_subscribe(metrics, r, s));

    size_t cap = 8192, count = 0;
    sim__metrics_frame_record_t *records = malloc(cap * sizeof *records);
    ck_assert_ptr_nonnull(records);
    uint64_t state = 0x9e3779b97f4a7c15u;
    for (size_t s = 0; s < 2; s++) {
        for (uint64_t n = 0; n < 300; n++) {
            sim__metrics_sent_frame_t sent = {
                .sender = s,
                .kind = SIM__METRICS_VIDEO,
                .frame = n,
                .capture_us = video_us(30.0, n),
                .bytes = 1000 + next_random(&state) % 4000,
                .keyframe = n % 100 == 0,
            };
            OK(sim__metrics_frame_sent(metrics, &sent));
        }
        for (size_t r = 0; r < DET_PEERS; r++) {
            for (uint64_t i = 0; r != s && i < 800; i++) {
                bool video = i < 300;
                uint64_t frame = video ? i : i - 300;
                uint64_t capture = video ? video_us(30.0, frame) : frame * ms(20);
                uint64_t roll = next_random(&state);
                if (roll % 50 == 0)
                    continue; /* never completed */
                uint64_t render = capture + ms(20) + roll % ms(180);
                if (render > sec(10))
                    continue;
                ck_assert_uint_lt(count, cap);
                records[count] = rendered(r, s, video ? SIM__METRICS_VIDEO : SIM__METRICS_AUDIO,
                                          frame, capture, render);
                records[count].layer = (unsigned)(roll >> 20) % 3;
                records[count].decrypted = r != 4 && roll % 37 != 0;
                records[count].verified = roll % 41 != 0;
                records[count].psnr_db = video ? 30.0 + (double)(roll % 1000) / 100.0 : NAN;
                records[count].epoch = capture < sec(3) ? 1 : 2;
                records[count].waited_for_key = roll % 53 == 0;
                count++;
            }
        }
    }
    for (size_t i = 0; i < count; i++)
        OK(sim__metrics_frame_received(metrics, &records[reverse ? count - 1 - i : i]));
    free(records);
    for (uint64_t t = 0; t < sec(10); t += ms(7)) {
        uint64_t roll = next_random(&state);
        packet(metrics, (size_t)(roll % DET_PEERS), roll & 1 ? SIM__METRICS_DOWN : SIM__METRICS_UP,
               t, 200 + roll % 1000, roll % 13 != 0, ms(10) + roll % ms(50));
        if (t % ms(700) == 0)
            OK(sim__metrics_layer(metrics, 2, (size_t)(roll >> 8) % 2, t, (unsigned)(roll % 3)));
    }
    OK(sim__metrics_finish(metrics));
    return metrics;
}

/* Every output as text, reals in hexadecimal so that bits compare. */
static char *dump(const sim__metrics_t *metrics)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < sim__metrics_pair_count(metrics); i++) {
        const sim__metrics_pair_t *p = sim__metrics_pair(metrics, i);
        fprintf(
            out,
            "%zu %zu %d e%d %llu %llu %llu | %llu %llu %llu %llu %llu %llu %llu | %d %a %a %a "
            "%a | %d %a | %llu %a %d %a | %d %a | %d %a | %llu | %d %a %d %a\n",
            p->receiver, p->sender, (int)p->kind, p->eavesdropper, (unsigned long long)p->active_us,
            (unsigned long long)p->counted_us, (unsigned long long)p->observed_us,
            (unsigned long long)p->frames_expected, (unsigned long long)p->frames_received,
            (unsigned long long)p->frames_decrypted, (unsigned long long)p->frames_rendered,
            (unsigned long long)p->frames_decrypt_failed, (unsigned long long)p->frames_incomplete,
            (unsigned long long)p->records_outside, p->has_latency, p->latency_ms.p50_ms,
            p->latency_ms.p95_ms, p->latency_ms.p99_ms, p->latency_ms.max_ms, p->has_fps, p->fps,
            (unsigned long long)p->freeze_count, p->freeze_ms, p->has_freeze_ratio, p->freeze_ratio,
            p->has_time_to_first_frame, p->time_to_first_frame_ms, p->has_psnr, p->psnr_db_mean,
            (unsigned long long)p->layer_switches, p->has_delivered_ratio, p->delivered_ratio,
            p->has_decrypt_success, p->decrypt_success);
    }
    for (size_t i = 0; i < DET_PEERS; i++) {
        const sim__metrics_sent_t *sent = sim__metrics_sent(metrics, i);
        fprintf(out, "sent %llu %llu %llu %llu %llu\n", (unsigned long long)sent->video_frames,
                (unsigned long long)sent->video_layer_frames,
                (unsigned long long)sent->audio_frames, (unsigned long long)sent->keyframes,
                (unsigned long long)sent->bytes);
    }
    const sim__metrics_keys_t *keys = sim__metrics_keys(metrics);
    fprintf(out, "keys %llu %llu %llu %llu\n",
            (unsigned long long)keys->frames_decrypted_by_departed,
            (unsigned long long)keys->frames_decrypted_before_join,
            (unsigned long long)keys->frames_decrypted_by_eavesdropper,
            (unsigned long long)keys->frames_waiting_for_key);
    for (unsigned b = 0; b < SIM__METRICS_BUDGET__COUNT; b++) {
        sim__metrics_budget_value_t v =
            sim__metrics_budget_value(metrics, (sim__metrics_budget_t)b);
        fprintf(out, "budget %u %d %a %zu %zu %zu\n", b, v.has_value, v.value, v.worst_pair,
                v.pairs, v.pairs_missing);
    }
    OK(sim__metrics_write_timeseries(metrics, out));
    ck_assert_int_eq(fclose(out), 0);
    return text;
}

START_TEST(determinism)
{
    /* Given the same call three times, the last with its records reversed:
     * every output is the same text, bit for bit. */
    sim__metrics_t *first = determinism_run(false);
    sim__metrics_t *second = determinism_run(false);
    sim__metrics_t *reversed = determinism_run(true);
    char *a = dump(first), *b = dump(second), *c = dump(reversed);
    ck_assert_uint_gt(strlen(a), 1000);
    ck_assert_str_eq(a, b);
    ck_assert_str_eq(a, c);
    /* the run is not degenerate */
    ck_assert_uint_gt(sim__metrics_keys(first)->frames_waiting_for_key, 0);
    ck_assert_uint_gt(sim__metrics_pair(first, 0)->frames_rendered, 0);
    ck_assert_uint_eq(sim__metrics_sent(first, 0)->video_frames, 300);
    ck_assert_uint_eq(sim__metrics_sent(first, 0)->keyframes, 3);
    free(a);
    free(b);
    free(c);
    sim__metrics_free(first);
    sim__metrics_free(second);
    sim__metrics_free(reversed);
}
END_TEST

/* ---- API ------------------------------------------------------------------------ */

START_TEST(sent_counts_layers_once)
{
    /* Given frames 0 and 1 on three simulcast layers (frame 0 a keyframe on
     * each) and two audio frames: 2 video frames, 6 layer frames, 3
     * keyframes, 2 audio frames. */
    sim__metrics_t *metrics = make(sec(1), 0, 30.0, ms(20), 0, 2);
    add_peer(metrics, 0, "alice", true, true, false);
    for (uint64_t n = 0; n < 2; n++) {
        for (unsigned layer = 0; layer < 3; layer++) {
            sim__metrics_sent_frame_t frame = {
                .sender = 0,
                .kind = SIM__METRICS_VIDEO,
                .layer = layer,
                .frame = n,
                .capture_us = video_us(30.0, n),
                .bytes = 100,
                .keyframe = n == 0,
            };
            OK(sim__metrics_frame_sent(metrics, &frame));
        }
        sim__metrics_sent_frame_t audio = {
            .sender = 0,
            .kind = SIM__METRICS_AUDIO,
            .frame = n,
            .capture_us = n * ms(20),
            .bytes = 80,
        };
        OK(sim__metrics_frame_sent(metrics, &audio));
    }
    ck_assert_ptr_null(sim__metrics_sent(metrics, 0)); /* before finish */
    OK(sim__metrics_finish(metrics));
    const sim__metrics_sent_t *sent = sim__metrics_sent(metrics, 0);
    ck_assert_uint_eq(sent->video_frames, 2);
    ck_assert_uint_eq(sent->video_layer_frames, 6);
    ck_assert_uint_eq(sent->keyframes, 3);
    ck_assert_uint_eq(sent->audio_frames, 2);
    ck_assert_uint_eq(sent->bytes, 760);
    ck_assert_str_eq(sim__metrics_peer_name(metrics, 0), "alice");
    ck_assert_str_eq(sim__metrics_peer_name(metrics, 1), "");
    sim__metrics_free(metrics);
}
END_TEST

START_TEST(api_errors)
{
    sim__metrics_config_t config = sim__metrics_config_default();
    ck_assert_ptr_null(sim__metrics_new(&config, 2)); /* duration 0 */
    config.duration_us = sec(1);
    config.warmup_us = sec(1);
    ck_assert_ptr_null(sim__metrics_new(&config, 2)); /* warmup not below duration */
    config.warmup_us = 0;
    ck_assert_ptr_null(sim__metrics_new(&config, 0));
    ck_assert_ptr_null(sim__metrics_new(NULL, 2));
    sim__metrics_free(NULL);

    sim__metrics_t *metrics = make(sec(1), 0, 0.0, ms(20), 0, 2); /* no video */
    sim__metrics_peer_t video_peer = { .name = "v", .publishes_video = true };
    ck_assert_int_eq(sim__metrics_set_peer(metrics, 0, &video_peer), SIM__METRICS_ERR_INVALID_ARG);
    ck_assert_int_eq(sim__metrics_set_peer(metrics, 2, &video_peer), SIM__METRICS_ERR_INVALID_ARG);
    add_peer(metrics, 0, "alice", false, true, false);
    ck_assert_int_eq(sim__metrics_leave(metrics, 0, 0), SIM__METRICS_ERR_ORDER);
    OK(sim__metrics_join(metrics, 0, ms(100)));
    ck_assert_int_eq(sim__metrics_join(metrics, 0, ms(200)), SIM__METRICS_ERR_ORDER);
    ck_assert_int_eq(sim__metrics_leave(metrics, 0, ms(50)), SIM__METRICS_ERR_ORDER);
    OK(sim__metrics_leave(metrics, 0, ms(300)));
    ck_assert_int_eq(sim__metrics_join(metrics, 0, ms(299)), SIM__METRICS_ERR_ORDER);
    ck_assert_int_eq(sim__metrics_join(metrics, 1, sec(2)), SIM__METRICS_ERR_RANGE);
    ck_assert_int_eq(sim__metrics_subscribe(metrics, 1, 1), SIM__METRICS_ERR_INVALID_ARG);
    ck_assert_int_eq(sim__metrics_subscribe(metrics, 1, 5), SIM__METRICS_ERR_INVALID_ARG);
    sim__metrics_frame_record_t record = rendered(1, 0, SIM__METRICS_VIDEO, 0, 0, 0);
    ck_assert_int_eq(sim__metrics_frame_received(metrics, &record), SIM__METRICS_ERR_INVALID_ARG);
    record = rendered(1, 0, SIM__METRICS_AUDIO, 0, 0, sec(2));
    ck_assert_int_eq(sim__metrics_frame_received(metrics, &record), SIM__METRICS_ERR_RANGE);
    record = rendered(1, 0, SIM__METRICS_AUDIO, 3, 123, ms(100));
    OK(sim__metrics_frame_received(metrics, &record)); /* capture 123 is not 60 ms */
    packet(metrics, 1, SIM__METRICS_UP, 0, 10, true, 0);
    sim__metrics_packet_t late = { .peer = 1, .dir = SIM__METRICS_DOWN, .at_us = sec(1) + 1 };
    ck_assert_int_eq(sim__metrics_link_packet(metrics, &late), SIM__METRICS_ERR_RANGE);
    OK(sim__metrics_layer(metrics, 1, 0, ms(500), 1));
    ck_assert_int_eq(sim__metrics_layer(metrics, 1, 0, ms(400), 1), SIM__METRICS_ERR_ORDER);
    ck_assert_int_eq(sim__metrics_layer(metrics, 1, 0, ms(600), 256), SIM__METRICS_ERR_INVALID_ARG);

    /* queries before finish */
    ck_assert_uint_eq(sim__metrics_pair_count(metrics), 0);
    ck_assert_ptr_null(sim__metrics_keys(metrics));
    ck_assert_int_eq(sim__metrics_write_timeseries(metrics, stdout), SIM__METRICS_ERR_STATE);
    ck_assert(!sim__metrics_budget_value(metrics, SIM__METRICS_BUDGET_PSNR_DB_MIN).has_value);

    OK(sim__metrics_finish(metrics));
    ck_assert_int_eq(sim__metrics_finish(metrics), SIM__METRICS_ERR_STATE);
    ck_assert_int_eq(sim__metrics_join(metrics, 1, 0), SIM__METRICS_ERR_STATE);
    ck_assert_int_eq(sim__metrics_frame_received(metrics, &record), SIM__METRICS_ERR_STATE);
    ck_assert_int_eq(sim__metrics_write_timeseries(metrics, NULL), SIM__METRICS_ERR_INVALID_ARG);
    ck_assert_uint_eq(sim__metrics_diag(metrics)->capture_mismatch, 1);
    ck_assert_uint_eq(sim__metrics_diag(metrics)->records_unsubscribed, 1);
    ck_assert_str_eq(sim__metrics_strerror(SIM__METRICS_ERR_ORDER),
                     "join while present, leave while absent, or time backwards");
    ck_assert_str_eq(sim__metrics_strerror(SIM__METRICS_ERR__COUNT), "unknown metrics error");
    sim__metrics_free(metrics);
}
END_TEST

START_TEST(config_from_scenario)
{
    char err[256];
    sim_scenario_t *scenario = sim_scenario_builtin_default(NULL, 0, err, sizeof err);
    ck_assert_msg(scenario != NULL, "%s", err);
    sim__metrics_config_t config = sim__metrics_config_from_scenario(scenario);
    ck_assert_uint_eq(config.duration_us, sim_scenario_us(scenario->duration_s));
    ck_assert_uint_eq(config.warmup_us, sim_scenario_us(scenario->warmup_s));
    ck_assert_double_eq(config.video_fps, scenario->media.video->fps);
    ck_assert_uint_eq(config.audio_ptime_us, scenario->media.audio->ptime_ms * 1000u);
    ck_assert_uint_eq(config.tail_us, 500000);
    ck_assert_uint_eq(config.bucket_us, 100000);
    sim_scenario_free(scenario);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("sim_metrics");

    TCase *stats = tcase_create("percentiles");
    tcase_add_loop_test(stats, percentile_known_sets, 0,
                        (int)(sizeof percentile_cases / sizeof percentile_cases[0]));
    tcase_add_test(stats, percentile_no_samples);
    tcase_add_test(stats, video_grid_rounds);
    suite_add_tcase(suite, stats);

    TCase *freezes = tcase_create("freezes");
    tcase_add_test(freezes, freeze_one_400ms_gap_at_30fps);
    tcase_add_loop_test(freezes, freeze_threshold, 0,
                        (int)(sizeof threshold_cases / sizeof threshold_cases[0]));
    tcase_add_test(freezes, freeze_trailing_stall);
    suite_add_tcase(suite, freezes);

    TCase *frames = tcase_create("frames");
    tcase_add_test(frames, expected_frames_join_leave_rejoin);
    tcase_add_test(frames, expected_frames_off_grid);
    tcase_add_test(frames, delivered_incomplete_decrypt);
    tcase_add_test(frames, sent_counts_layers_once);
    suite_add_tcase(suite, frames);

    TCase *keys = tcase_create("keys");
    tcase_add_test(keys, key_accounting);
    suite_add_tcase(suite, keys);

    TCase *budgets = tcase_create("budgets");
    tcase_add_test(budgets, budgets_exclude_eavesdroppers);
    tcase_add_test(budgets, budgets_missing_pairs);
    suite_add_tcase(suite, budgets);

    TCase *output = tcase_create("output");
    tcase_add_test(output, timeseries_csv);
    tcase_add_test(output, timeseries_csv_from_counts);
    tcase_add_test(output, timeseries_rtx_and_queue_delay);
    tcase_add_test(output, determinism);
    suite_add_tcase(suite, output);

    TCase *api = tcase_create("api");
    tcase_add_test(api, api_errors);
    tcase_add_test(api, config_from_scenario);
    suite_add_tcase(suite, api);

    return suite;
}
