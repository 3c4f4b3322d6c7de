/* A call between two peers back to back (peers/tests/peer_pair.h), with
 * nothing in the way but a fixed 20 ms delay: the whole send and receive
 * chains of peers/peer.h.
 *
 *  - The top layer (640x360 of three simulcast layers, sframe
 *    AES_128_GCM_SHA256_128, DD, SRTP AEAD_AES_128_GCM) for 3 s: every
 *    frame decrypts, decodes and verifies (burned-in code and the frame
 *    number of its capture time), PSNR against the regenerated pattern is
 *    above 30 dB on average, and each frame renders the link delay plus
 *    its pacing after its capture.
 *  - The lowest layer (160x90) for 300 frames: the code survives all of
 *    them.
 *  - RTCP both ways: SRs from A, RRs from B give A an RTT of twice the
 *    delay; transport-wide feedback reaches A. */
#include "peers/tests/peer_pair.h"

#include <stdio.h>

#define PACING_SLACK_US (3u * PAIR_MS)
#define PACKET_OVERHEAD 80u /* RTP header, extensions, descriptor, SRTP tag: at most */

/* How long A's pacer takes to send all layers of frame n: their bytes at
 * 2.5 x (150 + 500 + 1500) kbit/s. A frame's packets leave behind those of
 * every lower layer of the same capture. */
static uint64_t pacing_us(const pair_t *pair, uint64_t n)
{
    uint64_t bits = 0;
    for (size_t i = 0; i < pair->n_sent; i++)
        if (pair->sent[i].kind == PEER_KIND_VIDEO && pair->sent[i].frame == n)
            bits += 8u * (pair->sent[i].protected_len + PACKET_OVERHEAD * pair->sent[i].packets);
    return bits * 1000000u / 5375000u;
}

/* Given a call on one layer for `duration_us`, checks every record. */
static void check_clean_call(pair_t *pair, unsigned layer, bool every_psnr, size_t *verified,
                             double *psnr_mean, uint64_t *latency_max)
{
    double psnr_sum = 0;
    size_t psnr_n = 0;
    *verified = 0;
    *latency_max = 0;
    for (size_t i = 0; i < pair->n_records; i++) {
        const peer_frame_record_t *r = &pair->records[i];
        ck_assert_uint_eq(r->receiver_id, PAIR_B_ID);
        ck_assert_uint_eq(r->sender_id, PAIR_A_ID);
        ck_assert_int_eq(r->kind, PEER_KIND_VIDEO);
        ck_assert(r->decrypted);
        ck_assert(r->decoded);
        ck_assert(r->verified);
        ck_assert(!r->waited_for_key);
        ck_assert_uint_eq(r->layer, layer);
        ck_assert_uint_eq(r->epoch, 1);
        ck_assert_uint_eq(r->frame, peer_video_frame_index(30.0, r->capture_us));
        ck_assert_uint_eq(r->capture_us, peer_video_capture_us(30.0, r->frame));
        ck_assert_uint_ge(r->render_us, r->capture_us + PAIR_DELAY_US);
        uint64_t latency = r->render_us - r->capture_us;
        ck_assert_uint_le(latency, PAIR_DELAY_US + pacing_us(pair, r->frame) + PACING_SLACK_US);
        *latency_max = latency > *latency_max ? latency : *latency_max;
        ck_assert(isnan(r->psnr_db) == (!every_psnr && r->frame % 10 != 0));
        if (!isnan(r->psnr_db)) {
            psnr_sum += r->psnr_db;
            psnr_n++;
        }
        (*verified)++;
        /* Frames come in capture order, none twice. */
        if (i > 0)
            ck_assert_uint_eq(r->frame, pair->records[i - 1].frame + 1);
    }
    *psnr_mean = psnr_n ? psnr_sum / (double)psnr_n : 0;
}

START_TEST(top_layer_undisturbed)
{
    /* Given A sending three layers and B taking the top one. */
    pair_t pair;
    pair_init(&pair);
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    pair_keys(&pair, 1);

    /* When 3 s of call run. */
    pair_run(&pair, 3000u * PAIR_MS);

    /* Then every frame A sent on the layer, but those still in flight,
     * reached B whole and checked. */
    size_t verified = 0;
    double psnr = 0;
    uint64_t latency_max = 0;
    check_clean_call(&pair, 2, true, &verified, &psnr, &latency_max);
    size_t sent = pair_count_sent(&pair, PEER_KIND_VIDEO, 2);
    ck_assert_uint_ge(sent, 90);
    ck_assert_uint_ge(verified, sent - 1);
    ck_assert_uint_eq(pair.records[0].frame, 0);
    ck_assert(pair.records[0].keyframe);
    ck_assert_double_gt(psnr, 30.0);
    /* The link delay plus the pacing of a frame's packets, all three
     * layers' worth (checked per frame above): well under a frame
     * interval but for the first keyframes. */
    ck_assert_uint_le(latency_max, PAIR_DELAY_US + 33u * PAIR_MS);

    peer_remote_stats_t rs = pair_remote_stats(&pair, PEER_KIND_VIDEO);
    ck_assert_uint_eq(rs.frames_complete, verified);
    ck_assert_uint_eq(rs.frames_decrypted, verified);
    ck_assert_uint_eq(rs.frames_decoded, verified);
    ck_assert_uint_eq(rs.frames_verified, verified);
    ck_assert_uint_eq(rs.frames_dropped, 0);
    ck_assert_uint_eq(rs.frames_decrypt_failed + rs.frames_decode_failed + rs.frames_verify_failed,
                      0);
    ck_assert_uint_eq(rs.plis_sent, 0);
    ck_assert_uint_eq(rs.nacks_sent, 0);
    ck_assert_uint_eq(rs.layer, 2);
    ck_assert_uint_eq(rs.layer_switches, 0);

    peer_stats_t sa = pair_stats(pair.a), sb = pair_stats(pair.b);
    ck_assert_uint_eq(sa.video_frames, 3 * sent);
    ck_assert_uint_eq(sa.keyframes, 3); /* the first frame of each layer */
    ck_assert_uint_eq(sa.frames_not_sent, 0);
    ck_assert_uint_eq(sa.pacer_dropped, 0);
    ck_assert_uint_eq(sb.srtp_failures + sb.malformed + sb.unknown_ssrc, 0);
    ck_assert_uint_eq(sa.srtp_failures + sa.malformed, 0);
    /* RTCP: B's RRs carry LSR/DLSR of A's SRs: RTT is twice the delay. */
    ck_assert_uint_ge(sa.rtcp_packets_sent, 2);
    ck_assert_uint_ge(sb.rtcp_packets_sent, 2);
    ck_assert_uint_ge(sa.rtt_us, 2 * PAIR_DELAY_US - 100);
    ck_assert_uint_le(sa.rtt_us, 2 * PAIR_DELAY_US + 100);
    ck_assert_uint_ge(sb.twcc_feedback_sent, 25);
    /* All but what is still on its way back. */
    ck_assert_uint_ge(sa.twcc_feedback_received + 1, sb.twcc_feedback_sent);
    printf("top layer: %zu frames verified, PSNR mean %.2f dB, latency max %.1f ms, RTT %.1f "
           "ms\n",
           verified, psnr, (double)latency_max / 1000.0, (double)sa.rtt_us / 1000.0);
    pair_free(&pair);
}
END_TEST

START_TEST(lowest_layer_code_survives_300_frames)
{
    pair_t pair;
    pair_init(&pair);
    pair.config_b.psnr_every = 10;
    pair_start(&pair);
    pair_receive_layer(&pair, 0);
    pair_keys(&pair, 1);

    pair_run(&pair, peer_video_capture_us(30.0, 299) + 100u * PAIR_MS);

    ck_assert_uint_ge(pair.n_records, 300);
    pair.n_records = 300;
    size_t verified = 0;
    double psnr = 0;
    uint64_t latency_max = 0;
    for (size_t i = 0; i < pair.n_records; i++)
        ck_assert_uint_eq(pair.records[i].frame, i);
    check_clean_call(&pair, 0, false, &verified, &psnr, &latency_max);
    ck_assert_uint_eq(verified, 300);
    ck_assert_double_gt(psnr, 25.0);
    printf("lowest layer: 300 frames verified, PSNR mean (every 10th) %.2f dB\n", psnr);
    peer_remote_stats_t rs = pair_remote_stats(&pair, PEER_KIND_VIDEO);
    ck_assert_uint_ge(rs.frames_verified, 300);
    ck_assert_uint_eq(rs.frames_verify_failed, 0);
    pair_free(&pair);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("peer_call");
    TCase *tc = tcase_create("call");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, top_layer_undisturbed);
    tcase_add_test(tc, lowest_layer_code_survives_300_frames);
    suite_add_tcase(s, tc);
    return s;
}
