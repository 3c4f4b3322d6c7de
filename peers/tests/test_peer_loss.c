/* Impairments between two peers (peers/tests/peer_pair.h), top layer:
 *  - 5% of the media packets dropped (every 20th), NACK on: B NACKs, A
 *    answers on the RTX stream from its send history, frames recover, at
 *    least 99% of them are delivered and verified;
 *  - one packet of the first keyframe dropped, NACK off: B cannot recover
 *    it, gives up on it, sends a PLI, and A's next frame on the layer is a
 *    keyframe that B decodes;
 *  - reordering and duplication: every frame still delivered exactly once,
 *    in order, and verified. */
#include "peers/tests/peer_pair.h"

#include <stdio.h>

#define RUN_US (3000u * PAIR_MS)

static bool drop_every_20th(void *ctx, uint64_t index, const uint8_t *rtp, size_t len)
{
    (void)ctx;
    (void)rtp;
    (void)len;
    return index % 20 == 7;
}

/* Frames of the records: each once, in order; returns how many verified. */
static size_t check_once_in_order(const pair_t *pair)
{
    size_t verified = 0;
    for (size_t i = 0; i < pair->n_records; i++) {
        const peer_frame_record_t *r = &pair->records[i];
        if (i > 0)
            ck_assert_uint_gt(r->frame, pair->records[i - 1].frame);
        verified += r->decrypted && r->decoded && r->verified;
    }
    return verified;
}

START_TEST(loss_recovered_by_nack_and_rtx)
{
    /* Given every 20th media packet toward B dropped. */
    pair_t pair;
    pair_init(&pair);
    pair.ab.drop = drop_every_20th;
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    pair_keys(&pair, 1);

    /* When 3 s run. */
    pair_run(&pair, RUN_US);

    /* Then B NACKed the gaps, A retransmitted on RTX, and frames made it. */
    size_t sent = pair_count_sent(&pair, PEER_KIND_VIDEO, 2);
    size_t verified = check_once_in_order(&pair);
    peer_remote_stats_t rs = pair_remote_stats(&pair, PEER_KIND_VIDEO);
    peer_stats_t sa = pair_stats(pair.a);
    ck_assert_uint_gt(pair.ab.dropped, 20);
    ck_assert_uint_ge(rs.nacks_sent, pair.ab.dropped * 9 / 10);
    ck_assert_uint_gt(rs.nack_packets_sent, 0);
    ck_assert_uint_gt(sa.nacks_received, 0);
    ck_assert_uint_ge(sa.rtx_packets_sent, pair.ab.dropped * 9 / 10);
    ck_assert_uint_gt(rs.rtx_packets, 0);
    /* Frames still in flight at the end (the last ~NACK round trip) aside. */
    ck_assert_uint_ge(100 * verified, 99 * (sent - 3));
    ck_assert_uint_eq(verified, pair.n_records);
    ck_assert_uint_eq(rs.frames_decrypt_failed + rs.frames_decode_failed, 0);
    ck_assert_uint_eq(sa.keyframes, 3);
    printf("loss: %llu of %llu media packets dropped, %llu NACKed (%llu messages), %llu RTX "
           "sent, %zu of %zu frames verified\n",
           (unsigned long long)pair.ab.dropped, (unsigned long long)pair.ab.media_index,
           (unsigned long long)rs.nacks_sent, (unsigned long long)rs.nack_packets_sent,
           (unsigned long long)sa.rtx_packets_sent, verified, sent);
    pair_free(&pair);
}
END_TEST

static bool drop_third_packet(void *ctx, uint64_t index, const uint8_t *rtp, size_t len)
{
    (void)ctx;
    (void)rtp;
    (void)len;
    return index == 2; /* inside the first keyframe of 640x360 */
}

START_TEST(lost_keyframe_packet_without_nack_makes_pli)
{
    pair_t pair;
    pair_init(&pair);
    pair.config_b.nack = false;
    pair.ab.drop = drop_third_packet;
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    pair_keys(&pair, 1);
    ck_assert(pair.n_sent == 0);

    pair_run(&pair, RUN_US);

    ck_assert(pair.sent[2].keyframe && pair.sent[2].layer == 2 && pair.sent[2].packets > 3);
    peer_remote_stats_t rs = pair_remote_stats(&pair, PEER_KIND_VIDEO);
    peer_stats_t sa = pair_stats(pair.a);
    ck_assert_uint_eq(rs.nacks_sent, 0);
    ck_assert_uint_ge(rs.plis_sent, 1);
    ck_assert_uint_le(rs.plis_sent, 2);
    ck_assert_uint_eq(sa.plis_received, rs.plis_sent);
    ck_assert_uint_gt(rs.frames_dropped, 0);
    /* A answered with a keyframe on that layer only. */
    ck_assert_uint_eq(sa.keyframes, 3 + rs.plis_sent);
    size_t later_keyframes = 0;
    for (size_t i = 3; i < pair.n_sent; i++)
        if (pair.sent[i].keyframe) {
            ck_assert_uint_eq(pair.sent[i].layer, 2);
            later_keyframes++;
        }
    ck_assert_uint_eq(later_keyframes, rs.plis_sent);
    /* B starts rendering at that keyframe, and everything from it on is
     * verified. */
    ck_assert_uint_gt(pair.n_records, 30);
    ck_assert(pair.records[0].keyframe);
    ck_assert_uint_gt(pair.records[0].frame, 0);
    size_t verified = check_once_in_order(&pair);
    ck_assert_uint_eq(verified, pair.n_records);
    ck_assert_uint_eq(rs.frames_decode_failed, 0);
    printf("keyframe loss: first frame rendered %llu after %llu PLI(s)\n",
           (unsigned long long)pair.records[0].frame, (unsigned long long)rs.plis_sent);
    pair_free(&pair);
}
END_TEST

START_TEST(reorder_and_duplicates_deliver_each_frame_once)
{
    pair_t pair;
    pair_init(&pair);
    pair.ab.duplicate_every = 7;
    pair.ab.reorder_every = 5;
    pair.ab.reorder_us = 3u * PAIR_MS;
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    pair_keys(&pair, 1);

    pair_run(&pair, RUN_US);

    size_t sent = pair_count_sent(&pair, PEER_KIND_VIDEO, 2);
    size_t verified = check_once_in_order(&pair);
    peer_remote_stats_t rs = pair_remote_stats(&pair, PEER_KIND_VIDEO);
    ck_assert_uint_gt(pair.ab.duplicated, 50);
    /* Duplicates stop at SRTP's replay check: counted there. */
    uint64_t replays = pair_stats(pair.b).srtp_failures;
    ck_assert_uint_le(replays, pair.ab.duplicated);
    ck_assert_uint_ge(replays + 1, pair.ab.duplicated); /* one may be in flight */
    ck_assert_uint_ge(verified, sent - 1);
    ck_assert_uint_eq(verified, pair.n_records);
    /* Consecutive frames: none missing, none twice. */
    for (size_t i = 1; i < pair.n_records; i++)
        ck_assert_uint_eq(pair.records[i].frame, pair.records[i - 1].frame + 1);
    ck_assert_uint_eq(rs.frames_dropped, 0);
    pair_free(&pair);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("peer_loss");
    TCase *tc = tcase_create("loss");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, loss_recovered_by_nack_and_rtx);
    tcase_add_test(tc, lost_keyframe_packet_without_nack_makes_pli);
    tcase_add_test(tc, reorder_and_duplicates_deliver_each_frame_once);
    suite_add_tcase(s, tc);
    return s;
}
