/* Keys between two peers (peers/tests/peer_pair.h), top layer, sframe:
 *  - a wrong key at B for A's epoch: nothing decrypts, every frame the
 *    jitter buffer completes is counted as a decrypt failure, and B's
 *    keyframe requests are throttled to one per pli_interval_ms;
 *  - a rekey: A moves to epoch 2 mid-call, B gets the key 300 ms later:
 *    the frames in between wait, then decrypt; none is lost, and each
 *    frame's record names the epoch A sent it in;
 *  - a key that comes late (within the hold time): every frame waits, then
 *    decrypts, in order;
 *  - a key that never comes: frames are counted as waiting for their key,
 *    each with a record once it expires; none disappears silently;
 *  - no send key yet (sframe, insertable-legacy): A's frames are counted
 *    and dropped, nothing is sent in clear, and B's first frame after the
 *    key is a keyframe. */
#include "peers/tests/peer_pair.h"

#include <stdio.h>

#define RUN_US (3000u * PAIR_MS)

static const uint8_t wrong_key[16] = "not A's real key";

START_TEST(wrong_key_decrypts_nothing)
{
    pair_t pair;
    pair_init(&pair);
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    ck_assert_int_eq(peer_set_send_key(pair.a, 1, pair_key(1), 16), PEER_OK);
    ck_assert_int_eq(peer_add_recv_key(pair.b, PAIR_A_ID, 1, 0, wrong_key, 16, 0), PEER_OK);

    pair_run(&pair, RUN_US);

    peer_remote_stats_t rs = pair_remote_stats(&pair, PEER_KIND_VIDEO);
    ck_assert_uint_eq(rs.frames_decrypted, 0);
    ck_assert_uint_gt(rs.frames_complete, 5);
    ck_assert_uint_eq(rs.frames_decrypt_failed, rs.frames_complete);
    ck_assert_uint_eq(pair.n_records, rs.frames_complete);
    for (size_t i = 0; i < pair.n_records; i++) {
        ck_assert(!pair.records[i].decrypted);
        ck_assert(!pair.records[i].decoded);
        ck_assert_uint_eq(pair.records[i].epoch, 0);
    }
    /* One PLI per failed keyframe at most, and never two within 300 ms. */
    ck_assert_uint_ge(rs.plis_sent, 5);
    ck_assert_uint_le(rs.plis_sent, RUN_US / (300u * PAIR_MS) + 1);
    peer_stats_t sa = pair_stats(pair.a);
    ck_assert_uint_ge(sa.plis_received + 1, rs.plis_sent);
    ck_assert_uint_ge(sa.keyframes, 3 + sa.plis_received);
    printf("wrong key: %llu complete frames, all failed; %llu PLIs in 3 s\n",
           (unsigned long long)rs.frames_complete, (unsigned long long)rs.plis_sent);
    pair_free(&pair);
}
END_TEST

START_TEST(rekey_mid_call_loses_nothing)
{
    pair_t pair;
    pair_init(&pair);
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    pair_keys(&pair, 1);

    /* Given A on epoch 1, then on epoch 2 from t = 1 s. */
    pair_run(&pair, 1000u * PAIR_MS);
    ck_assert_int_eq(peer_set_send_key(pair.a, 2, pair_key(2), 16), PEER_OK);
    ck_assert_int_eq(peer_set_send_key(pair.a, 2, pair_key(2), 16), PEER_ERR_INVALID_ARG);
    ck_assert_int_eq(peer_set_send_key(pair.a, 1, pair_key(1), 16), PEER_ERR_INVALID_ARG);
    /* When B gets epoch 2's key only 300 ms later. */
    pair_run(&pair, 1300u * PAIR_MS);
    ck_assert_int_eq(peer_add_recv_key(pair.b, PAIR_A_ID, 2, 0, pair_key(2), 16, pair.now_us),
                     PEER_OK);
    ck_assert_int_eq(peer_add_recv_key(pair.b, PAIR_A_ID, 2, 0, pair_key(2), 16, pair.now_us),
                     PEER_ERR_EXISTS);
    pair.next_b = pair.now_us; /* as the harness does after a key */
    pair_run(&pair, RUN_US);

    /* Then every frame has its record, in order, decrypted with the epoch
     * it was sent in; the ones in the gap waited. */
    size_t sent = pair_count_sent(&pair, PEER_KIND_VIDEO, 2);
    ck_assert_uint_ge(pair.n_records, sent - 1);
    size_t waited = 0, epoch2 = 0;
    for (size_t i = 0; i < pair.n_records; i++) {
        const peer_frame_record_t *r = &pair.records[i];
        ck_assert_uint_eq(r->frame, i);
        ck_assert(r->decrypted && r->decoded && r->verified);
        uint64_t sent_epoch = 0;
        for (size_t j = 0; j < pair.n_sent; j++)
            if (pair.sent[j].layer == 2 && pair.sent[j].frame == r->frame)
                sent_epoch = pair.sent[j].epoch;
        ck_assert_uint_eq(r->epoch, sent_epoch);
        ck_assert(r->epoch == 1 || r->epoch == 2);
        waited += r->waited_for_key;
        epoch2 += r->epoch == 2;
        if (r->waited_for_key) {
            ck_assert_uint_eq(r->epoch, 2);
            ck_assert_uint_ge(r->render_us, 1300u * PAIR_MS);
        }
    }
    /* About 280 ms of frames (1.02 s to 1.3 s of capture) waited. */
    ck_assert_uint_ge(waited, 7);
    ck_assert_uint_le(waited, 10);
    ck_assert_uint_ge(epoch2, 55);
    peer_remote_stats_t rs = pair_remote_stats(&pair, PEER_KIND_VIDEO);
    ck_assert_uint_eq(rs.frames_waiting_for_key + rs.frames_decrypt_failed, 0);
    ck_assert_uint_eq(rs.plis_sent, 0);
    printf("rekey: %zu frames, %zu waited for epoch 2, %zu on epoch 2\n", pair.n_records, waited,
           epoch2);
    pair_free(&pair);
}
END_TEST

START_TEST(late_key_frames_wait_then_decrypt)
{
    pair_t pair;
    pair_init(&pair);
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    ck_assert_int_eq(peer_set_send_key(pair.a, 1, pair_key(1), 16), PEER_OK);

    pair_run(&pair, 1000u * PAIR_MS);
    ck_assert_uint_eq(pair.n_records, 0); /* all held */
    ck_assert_int_eq(peer_add_recv_key(pair.b, PAIR_A_ID, 1, 0, pair_key(1), 16, pair.now_us),
                     PEER_OK);
    pair.next_b = pair.now_us;
    pair_run(&pair, 2000u * PAIR_MS);

    ck_assert_uint_ge(pair.n_records, 58);
    size_t waited = 0;
    for (size_t i = 0; i < pair.n_records; i++) {
        const peer_frame_record_t *r = &pair.records[i];
        ck_assert_uint_eq(r->frame, i);
        ck_assert(r->decrypted && r->decoded && r->verified);
        waited += r->waited_for_key;
        ck_assert(r->waited_for_key == (r->capture_us + PAIR_DELAY_US < 1000u * PAIR_MS));
    }
    ck_assert_uint_ge(waited, 28);
    peer_remote_stats_t rs = pair_remote_stats(&pair, PEER_KIND_VIDEO);
    ck_assert_uint_eq(rs.frames_decrypted, pair.n_records);
    ck_assert_uint_eq(rs.frames_waiting_for_key, 0);
    pair_free(&pair);
}
END_TEST

START_TEST(key_never_comes_frames_counted)
{
    pair_t pair;
    pair_init(&pair);
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    ck_assert_int_eq(peer_set_send_key(pair.a, 1, pair_key(1), 16), PEER_OK);

    pair_run(&pair, 4000u * PAIR_MS);

    peer_remote_stats_t rs = pair_remote_stats(&pair, PEER_KIND_VIDEO);
    ck_assert_uint_eq(rs.frames_decrypted, 0);
    ck_assert_uint_gt(rs.frames_waiting_for_key, 50);
    /* Each record is a frame that expired waiting (held key_hold_ms) or
     * found the hold queue full; the rest are still held. */
    ck_assert_uint_eq(pair.n_records, rs.frames_waiting_for_key);
    ck_assert_uint_le(rs.frames_complete - pair.n_records, 64);
    for (size_t i = 0; i < pair.n_records; i++) {
        const peer_frame_record_t *r = &pair.records[i];
        ck_assert(!r->decrypted);
        if (r->waited_for_key)
            ck_assert_uint_ge(r->render_us, r->capture_us + 2000u * PAIR_MS);
        if (i > 0)
            ck_assert_uint_gt(r->frame, pair.records[i - 1].frame);
    }
    ck_assert(pair.records[0].waited_for_key);
    ck_assert_uint_eq(pair.records[0].frame, 0);
    printf("no key: %llu complete, %zu records (waiting for key), %llu still held\n",
           (unsigned long long)rs.frames_complete, pair.n_records,
           (unsigned long long)(rs.frames_complete - pair.n_records));
    pair_free(&pair);
}
END_TEST

/* Before A has a send key, sframe and insertable-legacy cannot protect its
 * frames: they are counted and dropped, nothing goes out in clear, and the
 * first frame after the key is a keyframe B decodes. */
START_TEST(no_send_key_nothing_sent)
{
    pair_t pair;
    pair_init(&pair);
    if (_i == 1) {
        pair.config_a.scheme = pair.config_b.scheme = PEER_SCHEME_INSERTABLE_LEGACY;
        pair.config_a.signal = pair.config_b.signal = PEER_SIGNAL_CLEAR_PREFIX;
    }
    pair.config_a.audio.enabled = true;
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    pair_receive_audio(&pair);
    ck_assert_int_eq(peer_add_recv_key(pair.b, PAIR_A_ID, 1, 0, pair_key(1), 16, 0), PEER_OK);

    pair_run(&pair, 500u * PAIR_MS);
    peer_stats_t sa = pair_stats(pair.a);
    /* Captures at 0 .. 500 ms: 16 video of 3 layers, 26 audio. */
    ck_assert_uint_eq(sa.frames_not_sent, 16 * 3 + 26);
    ck_assert_uint_eq(sa.rtp_packets_sent + sa.rtx_packets_sent, 0);
    ck_assert_uint_eq(pair.n_sent, 0);
    ck_assert_uint_eq(pair.ab.media_index, 0);
    ck_assert_uint_eq(pair.n_records, 0);

    ck_assert_int_eq(peer_set_send_key(pair.a, 1, pair_key(1), 16), PEER_OK);
    pair_run(&pair, 1500u * PAIR_MS);
    ck_assert_uint_eq(pair_stats(pair.a).frames_not_sent, 16 * 3 + 26);
    size_t video = 0;
    for (size_t i = 0; i < pair.n_records; i++) {
        const peer_frame_record_t *r = &pair.records[i];
        ck_assert(r->decrypted && r->decoded && r->verified);
        if (r->kind != PEER_KIND_VIDEO)
            continue;
        ck_assert_uint_eq(r->frame, 16 + video);
        ck_assert(r->keyframe == (video == 0));
        video++;
    }
    ck_assert_uint_ge(video, 29);
    ck_assert_uint_eq(pair_remote_stats(&pair, PEER_KIND_VIDEO).plis_sent, 0);
    pair_free(&pair);
}
END_TEST

/* The key server's view of a join (peer_ratchet_key): a newcomer handed
 * the sender's key ratcheted once decrypts every frame sent after the
 * sender's ratchet and none sent before it. */
START_TEST(ratcheted_key_opens_only_later_frames)
{
    pair_t pair;
    pair_init(&pair);
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    ck_assert_int_eq(peer_set_send_key(pair.a, 1, pair_key(1), 16), PEER_OK);
    uint8_t next[64];
    size_t next_len = 0;
    ck_assert_int_eq(peer_ratchet_key(PEER_SCHEME_SFRAME, SFRAME_AES_128_GCM_SHA256_128,
                                      SFRAME_LEGACY_JITSI, pair_key(1), 16, next, &next_len),
                     PEER_OK);
    ck_assert_uint_eq(next_len, 32); /* Nh of SHA-256 */
    ck_assert_int_eq(peer_ratchet_key(PEER_SCHEME_NONE, SFRAME_AES_128_GCM_SHA256_128,
                                      SFRAME_LEGACY_JITSI, pair_key(1), 16, next, &next_len),
                     PEER_ERR_INVALID_ARG);
    ck_assert_int_eq(peer_ratchet_key(PEER_SCHEME_SFRAME, SFRAME_AES_128_GCM_SHA256_128,
                                      SFRAME_LEGACY_JITSI, pair_key(1), 16, next, &next_len),
                     PEER_OK);
    /* B holds only step 1 from the start. */
    ck_assert_int_eq(peer_add_recv_key(pair.b, PAIR_A_ID, 1, 1, next, next_len, pair.now_us),
                     PEER_OK);

    /* A sends 1 s on step 0, then ratchets. */
    pair_run(&pair, 1000u * PAIR_MS);
    ck_assert_int_eq(peer_ratchet_send_key(pair.a), PEER_OK);
    uint64_t ratchet_at = pair.now_us;
    pair_run(&pair, RUN_US);

    size_t before = 0, after = 0;
    for (size_t i = 0; i < pair.n_records; i++) {
        const peer_frame_record_t *r = &pair.records[i];
        /* The frame captured at ratchet_at itself went out before it. */
        if (r->decrypted) {
            ck_assert_uint_gt(r->capture_us, ratchet_at);
            after++;
        } else {
            ck_assert_uint_le(r->capture_us, ratchet_at);
            before++;
        }
    }
    ck_assert_uint_gt(after, 30);
    peer_remote_stats_t rs = pair_remote_stats(&pair, PEER_KIND_VIDEO);
    ck_assert_uint_eq(rs.frames_decrypted, after);
    printf("ratchet: %zu frames before the ratchet not opened, %zu after opened\n", before, after);
    pair_free(&pair);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("peer_keys");
    TCase *tc = tcase_create("keys");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, wrong_key_decrypts_nothing);
    tcase_add_test(tc, rekey_mid_call_loses_nothing);
    tcase_add_test(tc, late_key_frames_wait_then_decrypt);
    tcase_add_test(tc, key_never_comes_frames_counted);
    tcase_add_loop_test(tc, no_send_key_nothing_sent, 0, 2);
    tcase_add_test(tc, ratcheted_key_opens_only_later_frames);
    suite_add_tcase(s, tc);
    return s;
}
