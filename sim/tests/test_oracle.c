/* Tests for the confidentiality oracle (sim/oracle.h) through its API, on
 * calls made by the publisher side of sim/tests/oracle_test_call.h: real
 * SFrame and legacy encryption pass, the negative controls (none, XOR with
 * a constant, a stuck counter, half the frame in clear, a clear prefix
 * longer than declared, short leaked runs) are caught by the checks meant
 * for them, retransmissions and duplicates add nothing, hostile views are
 * counted, and the bounds hold. */
#include "sim/tests/oracle_test_call.h"

/* ---- the real schemes pass -------------------------------------------------------- */

START_TEST(sframe_real_encryption_is_ciphertext_only)
{
    call_t call;
    call_init(&call, T_SFRAME, NULL);
    run_ticks(&call, 140);
    sim__oracle_result_t r;
    sim__oracle_result(call.oracle, &r);

    assert_clean(&r);
    ck_assert_uint_eq(r.streams_tested, 3);
    ck_assert_uint_eq(r.packets_inspected, call.packets);
    ck_assert_uint_eq(r.packets_observed, call.packets);
    ck_assert_uint_eq(r.unmatched, 0);
    ck_assert_uint_eq(r.duplicates, 0);
    ck_assert_uint_eq(r.malformed, 0);
    ck_assert_uint_eq(r.stream_mismatch, 0);
    ck_assert_uint_eq(r.cover_overflow, 0);
    ck_assert_uint_eq(r.frames_registered, 280);
    /* Header (12) + extension block + descriptor (4) + SFrame header, in
     * the first packet of a video frame: the most the SFU reads. */
    ck_assert_uint_eq(r.clear_bytes_max_per_packet, call.clear_max);
    ck_assert_uint_eq(r.clear_bytes_max_per_packet, call.video_first_clear);
    ck_assert_uint_eq(call.video_first_clear, 12 + 4 + 4 + 4 + 3);
    ck_assert_uint_gt(r.payload_bytes_inspected, 400000);
    call_free(&call);
}
END_TEST

START_TEST(legacy_real_encryption_is_ciphertext_only)
{
    call_t call;
    call_init(&call, T_LEGACY, NULL);
    run_ticks(&call, 140);
    sim__oracle_result_t r;
    sim__oracle_result(call.oracle, &r);

    assert_clean(&r);
    ck_assert_uint_eq(r.streams_tested, 3);
    ck_assert_uint_eq(r.legacy_trailer_bad, 0);
    ck_assert_uint_eq(r.unmatched, 0);
    /* The key frame prefix (10) in a first packet, or the trailer (14) in
     * a last one. */
    ck_assert_uint_eq(r.clear_bytes_max_per_packet, call.clear_max);
    call_free(&call);
}
END_TEST

/* ---- the broken transforms are caught --------------------------------------------- */

START_TEST(none_is_caught_by_windows_and_uniformity)
{
    sim__oracle_result_t r = run_call(T_NONE);
    ck_assert_str_eq(r.verdict, "leak");
    ck_assert_uint_gt(r.plaintext_window_hits, 0);
    ck_assert_uint_eq(r.streams_tested, 3);
    ck_assert_double_lt(r.uniformity_min_p, 1e-6);
    ck_assert_ptr_nonnull(strstr(r.first_finding, "plaintext window: participant"));
}
END_TEST

START_TEST(xor_with_a_constant_is_caught_by_the_keystream_check)
{
    sim__oracle_result_t r = run_call(T_XOR);
    ck_assert_str_eq(r.verdict, "leak");
    ck_assert_uint_gt(r.keystream_relation_hits, 0);
    ck_assert_uint_gt(r.keystream_periodic, 0);
    /* Every frame's keystream starts like the first one's. */
    ck_assert_uint_eq(r.keystream_repeat, 280 - 1);
}
END_TEST

START_TEST(counter_stuck_at_zero_is_caught_by_nonce_and_keystream_repeat)
{
    sim__oracle_result_t r = run_call(T_CTR_STUCK);
    ck_assert_str_eq(r.verdict, "leak");
    /* Three KIDs, each with CTR 0 on every frame. */
    ck_assert_uint_eq(r.nonce_reuse, 280 - 3);
    ck_assert_uint_eq(r.keystream_repeat, 280 - 3);
    ck_assert_uint_eq(r.keystream_periodic, 0);
    ck_assert_uint_eq(r.plaintext_window_hits, 0);
    ck_assert_ptr_nonnull(strstr(r.first_finding, "nonce reuse: participant"));
}
END_TEST

START_TEST(half_the_frame_in_clear_is_caught_by_windows)
{
    sim__oracle_result_t r = run_call(T_HALF_CLEAR);
    ck_assert_str_eq(r.verdict, "leak");
    ck_assert_uint_gt(r.plaintext_window_hits, 200);
    ck_assert_uint_eq(r.nonce_reuse, 0);
}
END_TEST

START_TEST(legacy_prefix_longer_than_declared_is_caught)
{
    sim__oracle_result_t r = run_call(T_LEGACY_PREFIX20);
    ck_assert_str_eq(r.verdict, "leak");
    /* Key frames 0, 30 and 60 of both layers: 10 clear bytes too many in
     * each first packet, and nothing else. */
    ck_assert_uint_eq(r.plaintext_window_hits, 6);
    ck_assert_uint_eq(r.keystream_relation_hits, 0);
    ck_assert_uint_eq(r.nonce_reuse, 0);
    ck_assert_ptr_nonnull(strstr(r.first_finding, "participant 1 track 1 layer 0 ssrc 0x00001000"));
}
END_TEST

/* Runs of 16 (and 15) plaintext bytes copied over the ciphertext at every
 * alignment against the index stride are found. */
START_TEST(short_plaintext_runs_are_found_at_every_offset)
{
    size_t offset = (size_t)_i / 2;
    call_t call;
    call_init(&call, T_SFRAME, NULL);
    call.leaked_at = 100 + offset;
    call.leaked_len = _i % 2 ? 16 : 15;
    run_ticks(&call, 2);
    sim__oracle_result_t r;
    sim__oracle_result(call.oracle, &r);
    /* Four frames (two ticks of audio, one of each video layer). */
    ck_assert_uint_eq(r.plaintext_window_hits, 4);
    call_free(&call);
}
END_TEST

/* A run of one window's length is found where the index guarantees it
 * beyond the stride rule: at the frame's end (the last window is always
 * indexed). The start of the sealed plaintext is covered by
 * legacy_prefix_longer_than_declared_is_caught. */
START_TEST(a_window_at_the_frame_end_is_found)
{
    call_t call;
    call_init(&call, T_SFRAME, NULL);
    call.leaked_tail = 8;
    run_ticks(&call, 2);
    sim__oracle_result_t r;
    sim__oracle_result(call.oracle, &r);
    ck_assert_uint_eq(r.plaintext_window_hits, 4);
    call_free(&call);
}
END_TEST

/* ---- retransmissions and duplicates ------------------------------------------------------ */

START_TEST(retransmissions_and_duplicates_of_good_traffic_are_no_finding)
{
    call_t call;
    call_init(&call, _i == 0 ? T_SFRAME : T_LEGACY, NULL);
    call.rtx_every = 1; /* every video packet again on RTX: a double count would fail (d) */
    call.dup_every = 3;
    call.rtx_first = 0;
    run_ticks(&call, 70);
    call.rtx_every = 2;
    call.rtx_first = 1; /* the retransmission overtakes the original */
    run_ticks(&call, 70);
    sim__oracle_result_t r;
    sim__oracle_result(call.oracle, &r);

    assert_clean(&r);
    ck_assert_uint_eq(r.streams_tested, 3);
    ck_assert_uint_gt(r.rtx_unwrapped, 300);
    ck_assert_uint_gt(r.duplicates, 500);
    ck_assert_uint_eq(r.unmatched, 0);
    ck_assert_uint_eq(r.malformed, 0);
    call_free(&call);
}
END_TEST

/* ---- hostile input ------------------------------------------------------------------------ */

START_TEST(malformed_and_random_views_are_counted_without_harm)
{
    call_t call;
    call_init(&call, T_SFRAME, NULL);
    run_ticks(&call, 10);
    stream_t *s = &call.streams[0];

    /* A real packet of a registered frame, truncated at every length and
     * sent as if on RTX. */
    static uint8_t plain[FRAME_MAX], prot[FRAME_MAX + 64];
    size_t len = make_plaintext(&call, s, false, plain);
    sim__oracle_frame_t f = { .participant_id = 1,
                              .track_id = 1,
                              .ssrc = s->ssrc,
                              .rtp_timestamp = s->ts,
                              .plaintext = plain,
                              .plaintext_len = len,
                              .protected_frame = prot };
    protect(&call, s, false, plain, len, prot, &f);
    ck_assert_int_eq(sim__oracle_frame_sent(call.oracle, call.now_us, &f), SIM__ORACLE_OK);
    uint8_t pkt[PKT_MAX];
    size_t header_clear = 0;
    size_t pkt_len = build_packet(s, true, false, prot, 1000, pkt, &header_clear);
    for (size_t cut = 0; cut <= pkt_len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
        memcpy(copy, pkt, cut);
        observe(&call, s, false, copy, cut);
        observe(&call, s, true, copy, cut);
        free(copy);
    }

    /* Random views, half of them shaped like RTP (V=2), on declared and
     * undeclared streams. */
    for (unsigned i = 0; i < 20000; i++) {
        size_t n = (size_t)sim_rng_below(&call.rng, 1500);
        uint8_t *bytes = malloc(n ? n : 1);
        for (size_t j = 0; j < n; j++)
            bytes[j] = (uint8_t)sim_rng_next(&call.rng);
        if (n > 0 && i % 2)
            bytes[0] = (uint8_t)(0x80 | (bytes[0] & 0x3f));
        if (n > 12 && i % 4 == 1)
            memcpy(bytes + 8, (const uint8_t[]){ 0, 0, 0x10, 0x01 }, 4); /* layer 1's SSRC */
        sfu_packet_view_t view = { .participant_id = (uint32_t)(i % 3),
                                   .track_id = 1,
                                   .layer = i % 4,
                                   .rtx = i % 5 == 0,
                                   .bytes = bytes,
                                   .len = n };
        sim__oracle_observe(call.oracle, call.now_us, &view);
        free(bytes);
    }
    sim__oracle_observe(call.oracle, call.now_us, NULL);
    sfu_packet_view_t empty = { .participant_id = 1, .track_id = 1, .bytes = NULL, .len = 10 };
    sim__oracle_observe(call.oracle, call.now_us, &empty);
    sim__oracle_observe(NULL, call.now_us, &empty);

    sim__oracle_result_t r;
    sim__oracle_result(call.oracle, &r);
    assert_clean(&r);
    ck_assert_uint_gt(r.malformed, 5000);
    ck_assert_uint_gt(r.unknown_stream, 1000);
    ck_assert_uint_gt(r.unmatched, 100);
    call_free(&call);
}
END_TEST

/* Packets of a big frame arriving every other one leave more gaps than a
 * frame keeps seen ranges: the extra chunks are checked but left out of
 * (d), and nothing is counted twice. A frame registered under another
 * layer than the packets' view is counted. */
START_TEST(scattered_packets_and_stream_mismatch)
{
    call_t call;
    call_init(&call, T_SFRAME, NULL);
    stream_t *s = &call.streams[1];
    static uint8_t plain[FRAME_MAX], prot[FRAME_MAX + 64];
    static uint8_t packets[PACKETS_MAX][PKT_MAX];
    size_t lens[PACKETS_MAX];
    s->key_len = 25000; /* 22 packets */
    size_t len = make_plaintext(&call, s, true, plain);
    sim__oracle_frame_t f = { .participant_id = 1,
                              .track_id = 1,
                              .layer = 1,
                              .ssrc = s->ssrc,
                              .rtp_timestamp = s->ts,
                              .plaintext = plain,
                              .plaintext_len = len,
                              .protected_frame = prot };
    protect(&call, s, true, plain, len, prot, &f);
    ck_assert_int_eq(sim__oracle_frame_sent(call.oracle, call.now_us, &f), SIM__ORACLE_OK);
    size_t n = packetize(&call, s, &f, packets, lens);
    ck_assert_uint_eq(n, 22);
    for (size_t round = 0; round < 2; round++) {
        for (size_t i = 0; i < n; i += 2)
            observe(&call, s, false, packets[i], lens[i]);
        for (size_t i = 1; i < n; i += 2)
            observe(&call, s, false, packets[i], lens[i]);
    }
    sim__oracle_result_t r;
    sim__oracle_result(call.oracle, &r);
    assert_clean(&r);
    /* Evens 16, 18 and 20 find no free range the first time, and again
     * in the second round until the odd packets have merged the rest. */
    ck_assert_uint_ge(r.cover_overflow, 3);
    ck_assert_uint_eq(r.stream_mismatch, 0);
    ck_assert_uint_eq(r.unmatched, 0);

    /* The same SSRC registered as layer 0's frame: the view says layer 1. */
    s->ts += 3600;
    f.layer = 0;
    f.rtp_timestamp = s->ts;
    protect(&call, s, false, plain, 3000, prot, &f);
    f.plaintext_len = 3000;
    ck_assert_int_eq(sim__oracle_frame_sent(call.oracle, call.now_us, &f), SIM__ORACLE_OK);
    n = packetize(&call, s, &f, packets, lens);
    observe(&call, s, false, packets[0], lens[0]);
    sim__oracle_result(call.oracle, &r);
    ck_assert_uint_eq(r.stream_mismatch, 1);
    call_free(&call);
}
END_TEST

/* ---- bounds --------------------------------------------------------------------------------- */

START_TEST(registry_bounds_evict_the_oldest_and_memory_stays_fixed)
{
    sim__oracle_config_t config = sim__oracle_config_default();
    config.max_frames = 16;
    config.max_bytes = 64 << 10;
    config.max_windows = 4096;
    config.max_fingerprints = 16;
    config.max_nonces = 16;
    call_t call;
    call_init(&call, T_SFRAME, &config);
    size_t memory = sim__oracle_memory_bytes(call.oracle);
    ck_assert_uint_gt(memory, 64 << 10);

    run_ticks(&call, 60); /* 120 frames, ~2 MB of copies */
    sim__oracle_result_t r;
    sim__oracle_result(call.oracle, &r);
    ck_assert_uint_eq(sim__oracle_memory_bytes(call.oracle), memory);
    ck_assert_uint_eq(r.frames_registered, 120);
    ck_assert_uint_gt(r.frames_evicted, 100);
    ck_assert_uint_eq(r.frames_expired, 0);
    ck_assert_uint_eq(r.nonces_evicted, 120 - 16);
    ck_assert_uint_eq(r.fingerprints_evicted, 120 - 16);
    /* Each frame is observed right after it is registered: still held. */
    ck_assert_uint_eq(r.unmatched, 0);
    assert_clean(&r);

    /* A frame too large for the arena (70000 bytes of copies), or for the
     * window index (4125 windows), is refused. */
    static uint8_t big[50000];
    sim__oracle_frame_t f = { .participant_id = 1,
                              .track_id = 1,
                              .ssrc = 0x1000,
                              .plaintext = big,
                              .plaintext_len = 20000,
                              .protected_frame = big,
                              .protected_len = 50000,
                              .clear_head = 4,
                              .plain_offset = 4 };
    ck_assert_int_eq(sim__oracle_frame_sent(call.oracle, call.now_us, &f),
                     SIM__ORACLE_ERR_TOO_LARGE);
    f.plaintext_len = 33000;
    f.protected_len = 100;
    ck_assert_int_eq(sim__oracle_frame_sent(call.oracle, call.now_us, &f),
                     SIM__ORACLE_ERR_TOO_LARGE);
    sim__oracle_result(call.oracle, &r);
    ck_assert_uint_eq(r.frames_rejected, 2);
    call_free(&call);
}
END_TEST

START_TEST(frames_expire_after_retention)
{
    sim__oracle_config_t config = sim__oracle_config_default();
    config.retention_ms = 100;
    call_t call;
    call_init(&call, T_NONE, &config);
    stream_t *s = &call.streams[2];
    static uint8_t plain[FRAME_MAX], prot[FRAME_MAX];
    size_t len = make_plaintext(&call, s, false, plain);
    sim__oracle_frame_t f = { .participant_id = 2,
                              .track_id = 7,
                              .ssrc = s->ssrc,
                              .rtp_timestamp = s->ts,
                              .plaintext = plain,
                              .plaintext_len = len,
                              .protected_frame = prot };
    protect(&call, s, false, plain, len, prot, &f);
    ck_assert_int_eq(sim__oracle_frame_sent(call.oracle, 0, &f), SIM__ORACLE_OK);
    uint8_t pkt[PKT_MAX];
    size_t header_clear = 0;
    size_t pkt_len = build_packet(s, true, true, prot, f.protected_len, pkt, &header_clear);

    call.now_us = 100000; /* exactly the retention: still held */
    observe(&call, s, false, pkt, pkt_len);
    sim__oracle_result_t r;
    sim__oracle_result(call.oracle, &r);
    ck_assert_uint_eq(r.frames_expired, 0);
    ck_assert_uint_eq(r.unmatched, 0);
    ck_assert_uint_eq(r.plaintext_window_hits, 1);

    call.now_us = 100001;
    observe(&call, s, false, pkt, pkt_len);
    sim__oracle_result(call.oracle, &r);
    ck_assert_uint_eq(r.frames_expired, 1);
    ck_assert_uint_eq(r.unmatched, 1);
    ck_assert_uint_eq(r.plaintext_window_hits, 1); /* gone from the index too */
    call_free(&call);
}
END_TEST

START_TEST(window_index_cap_evicts_whole_frames)
{
    sim__oracle_config_t config = sim__oracle_config_default();
    config.max_windows = 1024;
    config.index_stride = 1;
    call_t call;
    call_init(&call, T_NONE, &config);
    stream_t *s = &call.streams[2];
    s->delta_min = s->delta_max = 600; /* 593 windows: one frame at a time */
    for (unsigned i = 0; i < 10; i++) {
        send_frame(&call, s);
        call.now_us += 20000;
    }
    sim__oracle_result_t r;
    sim__oracle_result(call.oracle, &r);
    ck_assert_uint_eq(r.frames_evicted, 9);
    ck_assert_uint_eq(r.plaintext_window_hits, 10);
    call_free(&call);
}
END_TEST

/* ---- API ----------------------------------------------------------------------------------- */

START_TEST(invalid_arguments_are_refused)
{
    sim__oracle_t *o = NULL;
    sim__oracle_config_t c = sim__oracle_config_default();
    ck_assert_int_eq(sim__oracle_new(NULL, &o), SIM__ORACLE_ERR_INVALID_ARG);
    c.window = 7;
    ck_assert_int_eq(sim__oracle_new(&c, &o), SIM__ORACLE_ERR_INVALID_ARG);
    c = sim__oracle_config_default();
    c.retention_ms = 0;
    ck_assert_int_eq(sim__oracle_new(&c, &o), SIM__ORACLE_ERR_INVALID_ARG);
    c = sim__oracle_config_default();
    c.max_tracks = 1;
    ck_assert_int_eq(sim__oracle_new(&c, &o), SIM__ORACLE_OK);

    sim__oracle_track_t t = { .participant_id = 1, .track_id = 1, .n_layers = 0 };
    ck_assert_int_eq(sim__oracle_add_track(o, &t), SIM__ORACLE_ERR_INVALID_ARG);
    t.n_layers = 1;
    ck_assert_int_eq(sim__oracle_add_track(o, &t), SIM__ORACLE_ERR_INVALID_ARG); /* SSRC 0 */
    t.layers[0].ssrc = 5;
    ck_assert_int_eq(sim__oracle_add_track(o, &t), SIM__ORACLE_OK);
    ck_assert_int_eq(sim__oracle_add_track(o, &t), SIM__ORACLE_OK); /* replaced */
    t.track_id = 2;
    ck_assert_int_eq(sim__oracle_add_track(o, &t), SIM__ORACLE_ERR_FULL);

    /* An SFrame frame may not declare more than a header's worth clear. */
    uint8_t bytes[64] = { 0 };
    sim__oracle_frame_t f = { .ssrc = 5,
                              .plaintext = bytes,
                              .plaintext_len = 40,
                              .protected_frame = bytes,
                              .protected_len = 64,
                              .clear_head = 18 };
    ck_assert_int_eq(sim__oracle_frame_sent(o, 0, &f), SIM__ORACLE_ERR_INVALID_ARG);
    f.clear_head = 4;
    f.clear_tail = 1;
    ck_assert_int_eq(sim__oracle_frame_sent(o, 0, &f), SIM__ORACLE_ERR_INVALID_ARG);
    f.clear_tail = 0;
    f.plaintext_len = 0;
    ck_assert_int_eq(sim__oracle_frame_sent(o, 0, &f), SIM__ORACLE_ERR_INVALID_ARG);
    ck_assert_str_eq(sim__oracle_strerror(SIM__ORACLE_ERR_FULL), "track table full");
    ck_assert_str_eq(sim__oracle_strerror((sim__oracle_err_t)99), "unknown error");

    sim__oracle_result_t r;
    sim__oracle_result(o, &r);
    ck_assert_str_eq(r.verdict, "ciphertext-only");
    ck_assert_double_eq(r.uniformity_min_p, 1.0);
    ck_assert_uint_eq(r.streams_tested, 0);
    ck_assert_uint_eq(r.frames_rejected, 3);
    sim__oracle_free(o);
    sim__oracle_free(NULL);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("oracle");

    TCase *schemes = tcase_create("schemes");
    tcase_set_timeout(schemes, 120);
    tcase_add_test(schemes, sframe_real_encryption_is_ciphertext_only);
    tcase_add_test(schemes, legacy_real_encryption_is_ciphertext_only);
    tcase_add_test(schemes, none_is_caught_by_windows_and_uniformity);
    tcase_add_test(schemes, xor_with_a_constant_is_caught_by_the_keystream_check);
    tcase_add_test(schemes, counter_stuck_at_zero_is_caught_by_nonce_and_keystream_repeat);
    tcase_add_test(schemes, half_the_frame_in_clear_is_caught_by_windows);
    tcase_add_test(schemes, legacy_prefix_longer_than_declared_is_caught);
    tcase_add_loop_test(schemes, short_plaintext_runs_are_found_at_every_offset, 0, 2 * 9);
    tcase_add_test(schemes, a_window_at_the_frame_end_is_found);
    tcase_add_loop_test(schemes, retransmissions_and_duplicates_of_good_traffic_are_no_finding, 0,
                        2);
    suite_add_tcase(suite, schemes);

    TCase *hostile = tcase_create("hostile");
    tcase_set_timeout(hostile, 120);
    tcase_add_test(hostile, malformed_and_random_views_are_counted_without_harm);
    tcase_add_test(hostile, scattered_packets_and_stream_mismatch);
    suite_add_tcase(suite, hostile);

    TCase *bounds = tcase_create("bounds");
    tcase_add_test(bounds, registry_bounds_evict_the_oldest_and_memory_stays_fixed);
    tcase_add_test(bounds, frames_expire_after_retention);
    tcase_add_test(bounds, window_index_cap_evicts_whole_frames);
    tcase_add_test(bounds, invalid_arguments_are_refused);
    suite_add_tcase(suite, bounds);

    return suite;
}
