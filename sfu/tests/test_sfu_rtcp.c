/* RTCP terminated per hop, end to end (SRTP profile none): the fields of
 * the SFU's SR (RFC 3550 6.4.1; NTP/RTP mapping of the rewritten stream)
 * and RR (A.3 loss, A.8 jitter, LSR/DLSR), the RTT estimate from a
 * subscriber's report block, BYE, and malformed or truncated RTP and RTCP
 * dropped and counted. Also: memory stays fixed under a flood of distinct
 * SSRCs and sequence numbers. */
#include "sfu/tests/sfu_test_util.h"

#include <malloc.h>

static t_sink_t sink;

static sfu_room_t *make_room(void)
{
    t_sink_reset(&sink);
    sfu_config_t config = sfu_config_default();
    sfu_room_t *room = t_room(&config, &sink, NULL);
    t_add(room, 1);
    t_add(room, 2);
    t_declare_audio(room, 1);
    t_declare_video(room, 1, 1, SFU_KEYFRAME_FRAME_MARKING);
    t_subscribe(room, 2, 1, 1, 0);
    return room;
}

/* Finds the newest captured RTCP packet of `kind` sent to `to`. */
static bool find_rtcp(uint32_t to, rtp_rtcp_kind_t kind, size_t since, rtp_rtcp_msg_t *msg,
                      uint64_t *at)
{
    bool found = false;
    for (size_t i = since; i < sink.count; i++) {
        const t_captured_t *c = &sink.packets[i % T_MAX_CAPTURED];
        rtp_rtcp_packet_t pkt;
        rtp_rtcp_msg_t m;
        if (c->to != to || rtp_demux(c->bytes, c->len) != RTP_DEMUX_RTCP)
            continue;
        ck_assert_int_eq(rtp_rtcp_packet_parse(c->bytes, c->len, &pkt), RTP_OK);
        ck_assert_int_eq(rtp_rtcp_parse(&pkt, &m), RTP_OK);
        if (m.kind == kind) {
            /* the views point into the sink: fine until the next capture */
            *msg = m;
            if (at != NULL)
                *at = c->now_us;
            found = true;
        }
    }
    return found;
}

START_TEST(sender_report_fields)
{
    sfu_room_t *room = make_room();
    /* Given 10 audio packets of 60 payload bytes, 20 ms apart */
    for (unsigned i = 0; i < 10; i++) {
        t_rtp_t r = t_rtp_default();
        r.ssrc = 1001;
        r.pt = 111;
        r.seq = (uint16_t)i;
        r.ts = 777u + 960u * i;
        r.payload_len = 60;
        t_input(room, 1, 1000000u + i * 20u * T_MS, &r);
    }
    rtp_header_t last;
    const t_captured_t *c = t_sink_back(&sink, 0);
    ck_assert_int_eq(rtp_parse(c->bytes, c->len, &last), RTP_OK);
    /* When the RTCP timer runs 50 ms after the last packet */
    uint64_t t = 1000000u + 9u * 20u * T_MS + 50u * T_MS;
    size_t since = sink.count;
    (void)sfu_poll(room, t);
    /* Then subscriber 2 gets an SR for its stream */
    rtp_rtcp_msg_t m;
    ck_assert(find_rtcp(2, RTP_RTCP_KIND_SR, since, &m, NULL));
    ck_assert_uint_eq(m.u.sr.ssrc, t_sub_ssrc(2, 1, 1));
    ck_assert_uint_eq(m.u.sr.info.ntp >> 32, t / 1000000u);
    uint64_t frac_us = ((m.u.sr.info.ntp & 0xffffffffu) * 1000000u) >> 32;
    ck_assert_uint_le(frac_us, t % 1000000u);
    ck_assert_uint_ge(frac_us + 1, t % 1000000u);
    /* The RTP timestamp extends the last rewritten one by 50 ms at 48 kHz */
    ck_assert_uint_eq(m.u.sr.info.rtp_ts, last.timestamp + 2400u);
    ck_assert_uint_eq(m.u.sr.info.packet_count, 10);
    ck_assert_uint_eq(m.u.sr.info.octet_count, 600);
    ck_assert_uint_eq(t_stats(room).sr_sent, 1);
    sfu_room_free(room);
}
END_TEST

static void send_sr(sfu_room_t *room, uint32_t from, uint32_t ssrc, uint64_t ntp, uint64_t now_us)
{
    rtp_rtcp_sr_t sr = { .ssrc = ssrc, .info = { .ntp = ntp, .rtp_ts = 1 } };
    uint8_t buf[128];
    size_t len = 0;
    ck_assert_int_eq(rtp_rtcp_build_sr(buf, sizeof(buf), &sr, &len), RTP_OK);
    ck_assert_int_eq(sfu_input(room, from, now_us, buf, len), SFU_OK);
}

START_TEST(receiver_report_fields)
{
    sfu_room_t *room = make_room();
    /* Given video seqs 0,1,2,4,5,6 at 10 ms (900 ticks) apart, 5 late by 5 ms */
    const uint16_t seqs[6] = { 0, 1, 2, 4, 5, 6 };
    for (unsigned i = 0; i < 6; i++) {
        t_rtp_t r = t_rtp_default();
        r.ssrc = 1010;
        r.seq = seqs[i];
        r.ts = 900u * seqs[i];
        r.vp8 = r.vp8_start = true;
        uint64_t at = 10000u * seqs[i] + (seqs[i] == 5 ? 5000u : 0u);
        t_input(room, 1, at, &r);
    }
    /* And an SR from the publisher at 70 ms */
    uint64_t ntp = 0x0123456789ABCDEFull;
    send_sr(room, 1, 1010, ntp, 70 * T_MS);
    /* When the RTCP timer runs at 100 ms */
    size_t since = sink.count;
    (void)sfu_poll(room, 100 * T_MS);
    rtp_rtcp_msg_t m;
    ck_assert(find_rtcp(1, RTP_RTCP_KIND_RR, since, &m, NULL));
    ck_assert_uint_eq(m.u.rr.n_blocks, 1);
    const rtp_rtcp_report_block_t *b = &m.u.rr.blocks[0];
    ck_assert_uint_eq(b->ssrc, 1010);
    ck_assert_uint_eq(b->fraction_lost, 256 / 7);
    ck_assert_int_eq(b->cumulative_lost, 1);
    ck_assert_uint_eq(b->ext_highest_seq, 6);
    /* J = 450/16 = 28.1 after seq 5, then 28.1 + (450 - 28.1)/16 = 54.5 */
    ck_assert_uint_eq(b->jitter, 54);
    ck_assert_uint_eq(b->lsr, (uint32_t)(ntp >> 16));
    ck_assert_uint_eq(b->dlsr, 30u * 65536u / 1000u);
    /* And the next report's fraction covers only the new interval */
    for (uint16_t s = 7; s < 17; s++) {
        t_rtp_t r = t_rtp_default();
        r.ssrc = 1010;
        r.seq = s;
        r.ts = 900u * s;
        r.vp8 = r.vp8_start = true;
        t_input(room, 1, 10000u * s, &r);
    }
    since = sink.count;
    (void)sfu_poll(room, 1200 * T_MS);
    ck_assert(find_rtcp(1, RTP_RTCP_KIND_RR, since, &m, NULL));
    ck_assert_uint_eq(m.u.rr.blocks[0].fraction_lost, 0);
    ck_assert_int_eq(m.u.rr.blocks[0].cumulative_lost, 1);
    ck_assert_uint_eq(m.u.rr.blocks[0].ext_highest_seq, 16);
    sfu_room_free(room);
}
END_TEST

START_TEST(rtt_from_subscriber_report)
{
    sfu_room_t *room = make_room();
    t_rtp_t r = t_rtp_default();
    r.ssrc = 1001;
    r.pt = 111;
    t_input(room, 1, 0, &r);
    size_t since = sink.count;
    (void)sfu_poll(room, 1000 * T_MS);
    rtp_rtcp_msg_t m;
    ck_assert(find_rtcp(2, RTP_RTCP_KIND_SR, since, &m, NULL));
    uint32_t lsr = (uint32_t)(m.u.sr.info.ntp >> 16);
    /* When 2 reports on it after holding it 50 ms, arriving 130 ms after it */
    rtp_rtcp_rr_t rr = { .ssrc = 77, .n_blocks = 1 };
    rr.blocks[0] = (rtp_rtcp_report_block_t){ .ssrc = t_sub_ssrc(2, 1, 1),
                                              .lsr = lsr,
                                              .dlsr = 50u * 65536u / 1000u };
    uint8_t buf[128];
    size_t len = 0;
    ck_assert_int_eq(rtp_rtcp_build_rr(buf, sizeof(buf), &rr, &len), RTP_OK);
    ck_assert_int_eq(sfu_input(room, 2, 1130 * T_MS, buf, len), SFU_OK);
    /* Then its RTT is 80 ms (to the 1/65536 s of the NTP short format) */
    uint64_t rtt = 0;
    ck_assert_int_eq(sfu_participant_rtt_us(room, 2, &rtt), SFU_OK);
    ck_assert_uint_ge(rtt, 79900);
    ck_assert_uint_le(rtt, 80100);
    sfu_room_free(room);
}
END_TEST

START_TEST(bye_ends_the_track)
{
    sfu_room_t *room = make_room();
    rtp_rtcp_bye_t bye = { .n_ssrcs = 1, .ssrcs = { 1001 } };
    uint8_t buf[64];
    size_t len = 0;
    ck_assert_int_eq(rtp_rtcp_build_bye(buf, sizeof(buf), &bye, &len), RTP_OK);
    ck_assert_int_eq(sfu_input(room, 1, 0, buf, len), SFU_OK);
    t_rtp_t r = t_rtp_default();
    r.ssrc = 1001;
    r.pt = 111;
    t_input(room, 1, 0, &r);
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_eq(s.byes_received, 1);
    ck_assert_uint_eq(s.dropped.unknown_ssrc, 1);
    ck_assert_uint_eq(sink.count, 0);
    /* A subscription to a track that no longer exists is refused */
    sfu_subscription_config_t sc = { .ssrc = 5 };
    ck_assert_int_eq(sfu_subscribe(room, 2, 1, 1, &sc), SFU_ERR_NOT_FOUND);
    sfu_room_free(room);
}
END_TEST

START_TEST(malformed_input_is_dropped_and_counted)
{
    sfu_room_t *room = make_room();
    t_rtp_t r = t_rtp_default();
    r.ssrc = 1001;
    r.pt = 111;
    r.audio_level = 10;
    uint8_t good[T_MAX_PKT];
    size_t len = t_build_rtp(&r, good, sizeof(good));
    /* Truncated inside the extension block */
    ck_assert_int_eq(sfu_input(room, 1, 0, good, 14), SFU_OK);
    /* Padding count larger than the packet */
    uint8_t bad[T_MAX_PKT];
    memcpy(bad, good, len);
    bad[0] |= 0x20;
    bad[len - 1] = 200;
    ck_assert_int_eq(sfu_input(room, 1, 0, bad, len), SFU_OK);
    /* RTCP whose length field runs past the datagram */
    uint8_t rtcp[8] = { 0x80, 201, 0x00, 0x07, 0, 0, 0, 1 };
    ck_assert_int_eq(sfu_input(room, 1, 0, rtcp, sizeof(rtcp)), SFU_OK);
    /* A NACK with no FCI (RTPFB FMT 1, length 2) */
    uint8_t nack[12] = { 0x81, 205, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2 };
    ck_assert_int_eq(sfu_input(room, 2, 0, nack, sizeof(nack)), SFU_OK);
    /* One byte, and a STUN-looking datagram */
    ck_assert_int_eq(sfu_input(room, 1, 0, good, 1), SFU_OK);
    uint8_t stun[20] = { 0x00, 0x01 };
    ck_assert_int_eq(sfu_input(room, 1, 0, stun, sizeof(stun)), SFU_OK);
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_eq(s.dropped.malformed_rtp, 2);
    ck_assert_uint_eq(s.dropped.malformed_rtcp, 2);
    ck_assert_uint_eq(s.dropped.malformed, 4);
    ck_assert_uint_eq(s.dropped.not_rtp, 2);
    ck_assert_uint_eq(sink.count, 0);
    /* And the good packet still goes through */
    ck_assert_int_eq(sfu_input(room, 1, 0, good, len), SFU_OK);
    ck_assert_uint_eq(sink.count, 1);
    sfu_room_free(room);
}
END_TEST

START_TEST(memory_bounded_under_flood)
{
    sfu_room_t *room = make_room();
    t_subscribe(room, 2, 1, 2, 0);
    t_rtp_t r = t_rtp_default();
    r.ssrc = 1010;
    r.vp8 = r.vp8_start = r.vp8_keyframe = true;
    r.frame_marking = r.fm_start = r.fm_independent = true;
    uint8_t pkt[T_MAX_PKT];
    size_t len = t_build_rtp(&r, pkt, sizeof(pkt));
    /* Warm up: the first packet of the layer, and the timers */
    ck_assert_int_eq(sfu_input(room, 1, 0, pkt, len), SFU_OK);
    (void)sfu_poll(room, 0);
#ifdef __GLIBC__
    struct mallinfo2 before = mallinfo2();
#endif
    /* When a publisher floods distinct SSRCs and random sequence numbers
     * (no ck_assert in the loop: Check's bookkeeping could allocate) */
    uint32_t x = 1;
    for (uint32_t i = 0; i < 200000; i++) {
        x = x * 1664525u + 1013904223u;
        bool distinct_ssrc = (i & 1) != 0;
        uint32_t ssrc = distinct_ssrc ? x : 1010;
        pkt[2] = (uint8_t)(x >> 8);
        pkt[3] = (uint8_t)(x >> 16);
        pkt[8] = (uint8_t)(ssrc >> 24);
        pkt[9] = (uint8_t)(ssrc >> 16);
        pkt[10] = (uint8_t)(ssrc >> 8);
        pkt[11] = (uint8_t)ssrc;
        (void)sfu_input(room, 1, i * 100u, pkt, len);
        if (i % 1000 == 0)
            (void)sfu_poll(room, i * 100u);
    }
#ifdef __GLIBC__
    struct mallinfo2 after = mallinfo2();
    /* Then the heap did not grow */
    ck_assert_uint_eq(after.uordblks, before.uordblks);
    ck_assert_uint_eq(after.hblkhd, before.hblkhd);
#endif
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_ge(s.dropped.unknown_ssrc, 99000);
    sfu_room_free(room);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("sfu_rtcp");
    TCase *tc = tcase_create("reports");
    tcase_add_test(tc, sender_report_fields);
    tcase_add_test(tc, receiver_report_fields);
    tcase_add_test(tc, rtt_from_subscriber_report);
    tcase_add_test(tc, bye_ends_the_track);
    suite_add_tcase(s, tc);
    tc = tcase_create("hostile");
    tcase_add_test(tc, malformed_input_is_dropped_and_counted);
    tcase_add_test(tc, memory_bounded_under_flood);
    suite_add_tcase(s, tc);
    return s;
}
