/* The SFU core's reliability paths, end to end (SRTP profile none): a
 * subscriber's NACK answered with RTX (RFC 4588) or plain retransmission
 * from the stream's history, the history's count bound and the counted
 * miss for an evicted packet, the upstream NACK generator asking a
 * publisher for a gap within its retry limit, and PLI throttling. */
#include "sfu/tests/sfu_test_util.h"

static t_sink_t sink;

static sfu_room_t *video_room(sfu_config_t *config)
{
    t_sink_reset(&sink);
    sfu_room_t *room = t_room(config, &sink, NULL);
    t_add(room, 1);
    t_add(room, 2);
    t_add(room, 3);
    t_declare_video(room, 1, 1, SFU_KEYFRAME_FRAME_MARKING);
    t_subscribe(room, 2, 1, 2, 0);
    t_subscribe(room, 3, 1, 2, 0);
    return room;
}

static void send_video(sfu_room_t *room, uint16_t seq, bool key, uint64_t now_us)
{
    t_rtp_t r = t_rtp_default();
    r.ssrc = 1010;
    r.seq = seq;
    r.ts = seq * 3000u;
    r.vp8 = true;
    r.vp8_start = true;
    r.vp8_keyframe = key;
    r.picture_id = seq;
    r.frame_marking = true;
    r.fm_start = true;
    r.fm_independent = key;
    r.twcc = seq;
    t_input(room, 1, now_us, &r);
}

static void send_nack(sfu_room_t *room, uint32_t from, uint32_t media_ssrc, const uint16_t *seqs,
                      size_t n, uint64_t now_us)
{
    rtp_rtcp_nack_item_t items[16];
    size_t n_items = 0;
    ck_assert_int_eq(rtp_rtcp_nack_compress(seqs, n, items, 16, &n_items), RTP_OK);
    rtp_rtcp_nack_params_t p = {
        .sender_ssrc = 42, .media_ssrc = media_ssrc, .items = items, .n_items = n_items
    };
    uint8_t buf[256];
    size_t len = 0;
    ck_assert_int_eq(rtp_rtcp_build_nack(buf, sizeof(buf), &p, &len), RTP_OK);
    ck_assert_int_eq(sfu_input(room, from, now_us, buf, len), SFU_OK);
}

static void send_pli(sfu_room_t *room, uint32_t from, uint32_t media_ssrc, uint64_t now_us)
{
    rtp_rtcp_pli_t pli = { .sender_ssrc = 42, .media_ssrc = media_ssrc };
    uint8_t buf[64];
    size_t len = 0;
    ck_assert_int_eq(rtp_rtcp_build_pli(buf, sizeof(buf), &pli, &len), RTP_OK);
    ck_assert_int_eq(sfu_input(room, from, now_us, buf, len), SFU_OK);
}

START_TEST(nack_gets_rtx_from_history)
{
    sfu_config_t config = sfu_config_default();
    sfu_room_t *room = video_room(&config);
    /* Given 10 packets forwarded to subscribers 2 and 3 (out seq 1000..1009) */
    for (uint16_t i = 0; i < 10; i++)
        send_video(room, (uint16_t)(100 + i), i == 0, i * 10u * T_MS);
    ck_assert_uint_eq(sink.per_participant[2], 10);
    const t_captured_t *orig = NULL;
    for (size_t i = 0; i < sink.count; i++) {
        rtp_header_t h;
        ck_assert_int_eq(rtp_parse(sink.packets[i].bytes, sink.packets[i].len, &h), RTP_OK);
        if (sink.packets[i].to == 2 && h.seq == 1004)
            orig = &sink.packets[i];
    }
    ck_assert_ptr_nonnull(orig);
    /* When subscriber 2 NACKs 1004 and 1006 */
    size_t before = sink.count;
    uint16_t lost[2] = { 1004, 1006 };
    send_nack(room, 2, t_sub_ssrc(2, 1, 2), lost, 2, 100 * T_MS);
    /* Then two RTX packets go to 2 only, on its RTX SSRC and PT, with the OSN */
    ck_assert_uint_eq(sink.count - before, 2);
    const t_captured_t *rtx = &sink.packets[before];
    ck_assert_uint_eq(rtx->to, 2);
    rtp_header_t h;
    ck_assert_int_eq(rtp_parse(rtx->bytes, rtx->len, &h), RTP_OK);
    ck_assert_uint_eq(h.ssrc, t_sub_ssrc(2, 1, 2) + 5u);
    ck_assert_uint_eq(h.payload_type, 97);
    ck_assert_uint_eq(h.seq, 1000); /* the RTX stream's own sequence */
    uint8_t restored[T_MAX_PKT];
    size_t rlen = 0;
    uint16_t osn = 0;
    ck_assert_int_eq(rtp_rtx_unwrap(rtx->bytes, rtx->len, t_sub_ssrc(2, 1, 2), 96, restored,
                                    sizeof(restored), &rlen, &osn),
                     RTP_OK);
    ck_assert_uint_eq(osn, 1004);
    /* The original packet comes back, but for its transport-wide sequence
     * number: the RTX is a new packet on the downlink (10 were sent before) */
    ck_assert_uint_eq(rlen, orig->len);
    rtp_header_t rh, oh;
    ck_assert_int_eq(rtp_parse(restored, rlen, &rh), RTP_OK);
    ck_assert_int_eq(rtp_parse(orig->bytes, orig->len, &oh), RTP_OK);
    ck_assert_uint_eq(rh.seq, oh.seq);
    ck_assert_uint_eq(rh.timestamp, oh.timestamp);
    ck_assert_uint_eq(rh.payload_len, oh.payload_len);
    ck_assert_mem_eq(rh.payload, oh.payload, oh.payload_len);
    rtp_ext_elem_t e;
    uint16_t tw = 0;
    ck_assert_int_eq(rtp_ext_find(&rh, T_EXT_TWCC, &e), RTP_OK);
    ck_assert_int_eq(rtp_ext_twcc_seq_parse(&e, &tw), RTP_OK);
    ck_assert_uint_eq(tw, 10);
    /* And a repeated NACK within the RTT is not answered twice */
    send_nack(room, 2, t_sub_ssrc(2, 1, 2), lost, 1, 100 * T_MS);
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_eq(s.nacks_received, 2);
    ck_assert_uint_eq(s.retransmissions, 2);
    ck_assert_uint_eq(s.retransmissions_too_soon, 1);
    sfu_room_free(room);
}
END_TEST

START_TEST(plain_retransmission_without_rtx)
{
    sfu_config_t config = sfu_config_default();
    config.rtx = false;
    sfu_room_t *room = video_room(&config);
    for (uint16_t i = 0; i < 5; i++)
        send_video(room, i, i == 0, i * 10u * T_MS);
    const t_captured_t *orig = t_sink_back(&sink, 1); /* seq 1004 to subscriber 2 */
    ck_assert_uint_eq(orig->to, 2);
    t_captured_t copy = *orig;
    uint16_t lost = 1004;
    send_nack(room, 2, t_sub_ssrc(2, 1, 2), &lost, 1, 60 * T_MS);
    const t_captured_t *re = t_sink_back(&sink, 0);
    ck_assert_uint_eq(re->len, copy.len);
    ck_assert_mem_eq(re->bytes, copy.bytes, copy.len);
    sfu_room_free(room);
}
END_TEST

START_TEST(history_bound_and_evicted_nack_counted)
{
    sfu_config_t config = sfu_config_default();
    config.history_packets_video = 16;
    sfu_room_t *room = video_room(&config);
    /* Given 100 packets through a 16-packet history */
    for (uint16_t i = 0; i < 100; i++)
        send_video(room, i, i == 0, i * T_MS);
    /* When 2 NACKs the oldest packet and one of the last 16 */
    size_t before = sink.count;
    uint16_t lost[2] = { 1000, 1090 };
    send_nack(room, 2, t_sub_ssrc(2, 1, 2), lost, 2, 100 * T_MS);
    /* Then only the recent one is resent; the evicted one is counted */
    ck_assert_uint_eq(sink.count - before, 1);
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_eq(s.retransmissions, 1);
    ck_assert_uint_eq(s.dropped.history_miss, 1);
    /* And the age bound holds too: after history_ms nothing is served */
    send_nack(room, 2, t_sub_ssrc(2, 1, 2), &lost[1], 1, 5000 * T_MS);
    ck_assert_uint_eq(t_stats(room).dropped.history_miss, 2);
    /* And a NACK for a stream 2 does not receive is a miss, not a resend */
    send_nack(room, 2, 0xDEAD, &lost[1], 1, 5000 * T_MS);
    ck_assert_uint_eq(t_stats(room).dropped.history_miss, 3);
    ck_assert_uint_eq(t_stats(room).retransmissions, 1);
    sfu_room_free(room);
}
END_TEST

START_TEST(upstream_nack_for_a_gap_within_limits)
{
    sfu_config_t config = sfu_config_default();
    sfu_room_t *room = video_room(&config);
    /* Given packets 10, 11, then 15: 12..14 are missing */
    send_video(room, 10, true, 0);
    send_video(room, 11, false, 10 * T_MS);
    send_video(room, 15, false, 20 * T_MS);
    size_t before = sink.count;
    /* When the timers run */
    uint64_t next = sfu_poll(room, 20 * T_MS);
    /* Then a NACK for 12..14 on layer SSRC 1010 went to the publisher
     * (after the first poll's RR to the publisher and SRs to subscribers) */
    bool found = false;
    for (size_t i = before; i < sink.count; i++) {
        const t_captured_t *c = &sink.packets[i];
        rtp_rtcp_packet_t pkt;
        rtp_rtcp_msg_t msg;
        ck_assert_int_eq(rtp_rtcp_packet_parse(c->bytes, c->len, &pkt), RTP_OK);
        ck_assert_int_eq(rtp_rtcp_parse(&pkt, &msg), RTP_OK);
        if (msg.kind != RTP_RTCP_KIND_NACK)
            continue;
        ck_assert_uint_eq(c->to, 1);
        ck_assert_uint_eq(msg.u.nack.media_ssrc, 1010);
        uint16_t seqs[8];
        size_t n = 0;
        ck_assert_int_eq(rtp_rtcp_nack_expand(&msg.u.nack, seqs, 8, &n), RTP_OK);
        ck_assert_uint_eq(n, 3);
        ck_assert_uint_eq(seqs[0], 12);
        ck_assert_uint_eq(seqs[2], 14);
        found = true;
    }
    ck_assert(found);
    ck_assert_uint_gt(next, 20 * T_MS);
    /* And retries stop after the generator's limit (10) */
    uint64_t now = 20 * T_MS;
    for (unsigned i = 0; i < 100; i++) {
        now += 50 * T_MS;
        (void)sfu_poll(room, now);
    }
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_le(s.upstream_nacks_sent, 10);
    ck_assert_uint_ge(s.upstream_nacks_sent, 2);
    ck_assert_uint_eq(s.upstream_nack_seqs, 3 * s.upstream_nacks_sent);
    /* And a recovered packet (as RTX from the publisher) is forwarded */
    t_rtp_t r = t_rtp_default();
    r.ssrc = 1010;
    r.seq = 13;
    r.vp8 = r.vp8_start = true;
    uint8_t media[T_MAX_PKT], rtx[T_MAX_PKT];
    size_t mlen = t_build_rtp(&r, media, sizeof(media)), rlen = 0;
    ck_assert_int_eq(rtp_rtx_wrap(media, mlen, 1020, 97, 1, rtx, sizeof(rtx), &rlen), RTP_OK);
    before = sink.per_participant[2];
    ck_assert_int_eq(sfu_input(room, 1, now, rtx, rlen), SFU_OK);
    ck_assert_uint_eq(sink.per_participant[2], before + 1);
    ck_assert_uint_eq(t_stats(room).rtx_in, 1);
    sfu_room_free(room);
}
END_TEST

START_TEST(pli_from_subscribers_is_throttled)
{
    sfu_config_t config = sfu_config_default();
    config.pli_min_interval_ms = 300;
    sfu_room_t *room = video_room(&config);
    send_video(room, 1, true, 0);
    /* When both subscribers send PLIs 100 ms apart */
    send_pli(room, 2, t_sub_ssrc(2, 1, 2), 0);
    send_pli(room, 3, t_sub_ssrc(3, 1, 2), 100 * T_MS);
    send_pli(room, 2, t_sub_ssrc(2, 1, 2), 200 * T_MS);
    /* Then one reached the publisher */
    ck_assert_uint_eq(sink.per_participant[1], 1);
    send_pli(room, 3, t_sub_ssrc(3, 1, 2), 300 * T_MS);
    ck_assert_uint_eq(sink.per_participant[1], 2);
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_eq(s.plis_forwarded, 2);
    ck_assert_uint_eq(s.plis_suppressed, 2);
    const t_captured_t *c = t_sink_back(&sink, 0);
    rtp_rtcp_packet_t pkt;
    rtp_rtcp_msg_t msg;
    ck_assert_int_eq(rtp_rtcp_packet_parse(c->bytes, c->len, &pkt), RTP_OK);
    ck_assert_int_eq(rtp_rtcp_parse(&pkt, &msg), RTP_OK);
    ck_assert_int_eq(msg.kind, RTP_RTCP_KIND_PLI);
    ck_assert_uint_eq(msg.u.pli.media_ssrc, 1010);
    /* And a FIR counts the same way */
    rtp_rtcp_fir_entry_t entry = { .ssrc = t_sub_ssrc(2, 1, 2), .seq_nr = 1 };
    rtp_rtcp_fir_params_t fp = { .sender_ssrc = 42, .entries = &entry, .n_entries = 1 };
    uint8_t buf[64];
    size_t len = 0;
    ck_assert_int_eq(rtp_rtcp_build_fir(buf, sizeof(buf), &fp, &len), RTP_OK);
    ck_assert_int_eq(sfu_input(room, 2, 400 * T_MS, buf, len), SFU_OK);
    s = t_stats(room);
    ck_assert_uint_eq(s.firs_received, 1);
    ck_assert_uint_eq(s.plis_suppressed, 3);
    sfu_room_free(room);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("sfu_reliability");
    TCase *tc = tcase_create("nack");
    tcase_add_test(tc, nack_gets_rtx_from_history);
    tcase_add_test(tc, plain_retransmission_without_rtx);
    tcase_add_test(tc, history_bound_and_evicted_nack_counted);
    tcase_add_test(tc, upstream_nack_for_a_gap_within_limits);
    suite_add_tcase(s, tc);
    tc = tcase_create("pli");
    tcase_add_test(tc, pli_from_subscribers_is_throttled);
    suite_add_tcase(s, tc);
    return s;
}
