/* Tests for the capture reader's IP layer and classification
 * (sim/capture_ip.c, the RFC 7983 part of sim/capture.c): payload kinds and
 * TURN unwrapping, IPv4 and IPv6 fragment reassembly with its bounds,
 * IPv6 extension headers, and malformed headers, each counted where
 * sim/capture.h says. Captures are Ethernet pcap files written by libpcap
 * in memory. Expected values come from the packets the tests build. */
#include "capture_test_util.h"

static cap_result_t *read_frames(const cap_frames_t *f, const sim__capture_config_t *config)
{
    cap_bytes_t b = capture_write_libpcap(DLT_EN10MB, 65535, f);
    cap_result_t *r = cap_read(&b, config);
    cap_free(&b);
    ck_assert_msg(r->open_err == SIM__CAPTURE_OK, "%s", r->message);
    ck_assert_int_eq(r->end, SIM__CAPTURE_END);
    return r;
}

static void add_udp4(cap_frames_t *f, const uint8_t *payload, size_t len)
{
    uint8_t ip[CAP_MAX_FRAME];
    cap_add_ip(f, CAP_ETH, ip, cap_udp4(ip, payload, len));
}

/* ---- RFC 7983 classes and TURN ----------------------------------------------- */

START_TEST(every_kind_and_turn)
{
    cap_frames_t *f = cap_frames_new();
    uint8_t body[256];
    add_udp4(f, cap_stun, sizeof cap_stun);
    add_udp4(f, cap_zrtp, sizeof cap_zrtp);
    add_udp4(f, cap_dtls, sizeof cap_dtls);
    add_udp4(f, cap_rtp, sizeof cap_rtp);
    add_udp4(f, cap_rtcp, sizeof cap_rtcp);
    add_udp4(f, body, cap_channel_data(body, cap_rtp, sizeof cap_rtp));
    add_udp4(f, body, cap_channel_data(body, cap_rtcp, sizeof cap_rtcp));
    add_udp4(f, body, cap_channel_data(body, cap_dtls, sizeof cap_dtls));
    size_t n = cap_channel_data(body, cap_rtp, sizeof cap_rtp);
    body[3] = 200; /* declared length past the datagram */
    add_udp4(f, body, n);
    uint8_t nested[256];
    n = cap_channel_data(nested, body, cap_channel_data(body, cap_rtp, sizeof cap_rtp));
    add_udp4(f, nested, n);
    static const uint8_t unclaimed[4] = { 0x08, 1, 2, 3 };
    add_udp4(f, unclaimed, sizeof unclaimed);
    add_udp4(f, unclaimed, 0); /* empty payload */

    cap_result_t *r = read_frames(f, NULL);
    static const struct {
        rtp_demux_kind_t kind;
        bool via_turn;
        size_t len;
    } expect[] = {
        { RTP_DEMUX_STUN, false, sizeof cap_stun },
        { RTP_DEMUX_ZRTP, false, sizeof cap_zrtp },
        { RTP_DEMUX_DTLS, false, sizeof cap_dtls },
        { RTP_DEMUX_RTP, false, sizeof cap_rtp },
        { RTP_DEMUX_RTCP, false, sizeof cap_rtcp },
        { RTP_DEMUX_RTP, true, sizeof cap_rtp },
        { RTP_DEMUX_RTCP, true, sizeof cap_rtcp },
        { RTP_DEMUX_DTLS, true, sizeof cap_dtls },
        { RTP_DEMUX_TURN_CHANNEL, false, 24 },
        { RTP_DEMUX_TURN_CHANNEL, false, 28 },
        { RTP_DEMUX_UNKNOWN, false, 4 },
        { RTP_DEMUX_UNKNOWN, false, 0 },
    };
    ck_assert_uint_eq(r->count, sizeof expect / sizeof expect[0]);
    for (size_t i = 0; i < r->count; i++) {
        const sim__capture_datagram_t *d = &r->got[i];
        ck_assert_msg(d->kind == expect[i].kind, "datagram %zu: %s", i, rtp_demux_name(d->kind));
        ck_assert_int_eq(d->via_turn, expect[i].via_turn);
        ck_assert_uint_eq(d->turn_channel, expect[i].via_turn ? 0x4001 : 0);
        ck_assert_uint_eq(d->payload_len, expect[i].len);
    }
    ck_assert_mem_eq(r->got[5].payload, cap_rtp, sizeof cap_rtp);
    ck_assert_mem_eq(r->got[6].payload, cap_rtcp, sizeof cap_rtcp);
    const sim__capture_counters_t *c = &r->counters;
    ck_assert_uint_eq(c->by_kind[RTP_DEMUX_STUN], 1);
    ck_assert_uint_eq(c->by_kind[RTP_DEMUX_ZRTP], 1);
    ck_assert_uint_eq(c->by_kind[RTP_DEMUX_DTLS], 2);
    ck_assert_uint_eq(c->by_kind[RTP_DEMUX_RTP], 2);
    ck_assert_uint_eq(c->by_kind[RTP_DEMUX_RTCP], 2);
    ck_assert_uint_eq(c->by_kind[RTP_DEMUX_TURN_CHANNEL], 2);
    ck_assert_uint_eq(c->by_kind[RTP_DEMUX_UNKNOWN], 2);
    ck_assert_uint_eq(c->via_turn, 3);
    ck_assert_uint_eq(c->datagrams, 12);
    cap_result_free(r);
    free(f);
}
END_TEST

/* ---- IPv4 fragments ------------------------------------------------------------ */

/* A UDP datagram of 8 + 2992 bytes (payload: RTP header, then i & 0xff). */
static size_t big_udp(uint8_t *out)
{
    uint8_t payload[2992];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)i;
    memcpy(payload, cap_rtp, 12);
    return cap_udp(out, 5000, 6000, payload, sizeof payload);
}

/* Adds the IPv4 fragment [offset, offset + len) of `udp` (id `id`). */
static cap_frame_t *add_frag4(cap_frames_t *f, const uint8_t *udp, size_t udp_len, uint16_t id,
                              size_t offset, size_t len)
{
    uint8_t ip[CAP_MAX_FRAME];
    bool more = offset + len < udp_len;
    uint16_t field = (uint16_t)((more ? 0x2000u : 0u) | (offset / 8));
    return cap_add_ip(f, CAP_ETH, ip,
                      cap_ipv4(ip, 17, id, field, cap_v4_a, cap_v4_b, udp + offset, len));
}

/* Fragment layouts of the 3000-byte datagram: {offset, len} in arrival
 * order, and what comes of them. */
typedef struct frag_case {
    const char *name;
    size_t pieces;
    size_t piece[6][2];
    bool corrupt_third; /* the third piece's first byte is flipped */
    uint64_t datagrams, dropped, datagrams_dropped;
    sim__capture_frag_drop_t reason; /* and how many of `dropped` it counts */
    uint64_t for_reason;
} frag_case_t;

static const frag_case_t frag_cases[] = {
    { "in order", 3, { { 0, 1480 }, { 1480, 1480 }, { 2960, 40 } }, false, 1, 0, 0, 0, 0 },
    { "out of order", 3, { { 2960, 40 }, { 0, 1480 }, { 1480, 1480 } }, false, 1, 0, 0, 0, 0 },
    { "duplicate",
      4,
      { { 0, 1480 }, { 0, 1480 }, { 1480, 1480 }, { 2960, 40 } },
      false,
      1,
      1,
      0,
      SIM__CAPTURE_FRAG_DUPLICATE,
      1 },
    { "identical overlap",
      4,
      { { 0, 1480 }, { 1000, 1000 }, { 1480, 1480 }, { 2960, 40 } },
      false,
      1,
      0,
      0,
      0,
      0 },
    { "conflicting overlap",
      3,
      { { 0, 1480 }, { 1480, 1480 }, { 1000, 2000 } },
      true,
      0,
      3,
      1,
      SIM__CAPTURE_FRAG_OVERLAP,
      3 },
    { "missing one",
      2,
      { { 0, 1480 }, { 2960, 40 } },
      false,
      0,
      2,
      1,
      SIM__CAPTURE_FRAG_INCOMPLETE,
      2 },
    { "past the last one's end",
      3,
      { { 0, 1480 }, { 2960, 40 }, { 1480, 1528 } },
      false,
      0,
      3,
      1,
      SIM__CAPTURE_FRAG_OVERLAP,
      3 },
    { "not a multiple of 8",
      3,
      { { 0, 1001 }, { 1480, 1480 }, { 2960, 40 } },
      false,
      0,
      3,
      1,
      SIM__CAPTURE_FRAG_MALFORMED,
      1 },
};

START_TEST(ipv4_fragments)
{
    const frag_case_t *fc = &frag_cases[_i];
    uint8_t udp[3100];
    size_t udp_len = big_udp(udp);
    ck_assert_uint_eq(udp_len, 3000);
    cap_frames_t *f = cap_frames_new();
    add_udp4(f, cap_stun, sizeof cap_stun); /* unrelated, before */
    for (size_t i = 0; i < fc->pieces; i++) {
        cap_frame_t *fr = add_frag4(f, udp, udp_len, 77, fc->piece[i][0], fc->piece[i][1]);
        if (fc->corrupt_third && i == 2)
            fr->bytes[14 + 20] ^= 0xff;
    }
    cap_result_t *r = read_frames(f, NULL);
    const sim__capture_counters_t *c = &r->counters;
    ck_assert_msg(r->count == 1 + fc->datagrams, "%s: %zu datagrams", fc->name, r->count);
    ck_assert_uint_eq(c->fragments, fc->pieces);
    ck_assert_uint_eq(c->reassembled, fc->datagrams);
    ck_assert_uint_eq(cap_frag_dropped_total(c), fc->dropped);
    ck_assert_uint_eq(c->datagrams_dropped, fc->datagrams_dropped);
    if (fc->dropped)
        ck_assert_uint_eq(c->fragments_dropped[fc->reason], fc->for_reason);
    if (fc->datagrams) {
        const sim__capture_datagram_t *d = &r->got[1];
        ck_assert(d->reassembled);
        ck_assert_int_eq(d->kind, RTP_DEMUX_RTP);
        ck_assert_uint_eq(d->payload_len, 2992);
        ck_assert_mem_eq(d->payload, udp + 8, 2992);
        ck_assert_uint_eq(d->src.port, 5000);
        ck_assert_mem_eq(d->dst.ip, cap_v4_b, 4);
        ck_assert_uint_eq(d->record_index, fc->pieces); /* the completing fragment */
    }
    cap_result_free(r);
    free(f);
}
END_TEST

/* Given the first two fragments, then the last 31 s later: the datagram
 * times out, and the late fragment starts one that never completes. */
START_TEST(ipv4_fragment_timeout)
{
    uint8_t udp[3100];
    size_t udp_len = big_udp(udp);
    cap_frames_t *f = cap_frames_new();
    add_frag4(f, udp, udp_len, 5, 0, 1480);
    add_frag4(f, udp, udp_len, 5, 1480, 1480);
    add_frag4(f, udp, udp_len, 5, 2960, 40)->time_us += 31000000u;
    cap_result_t *r = read_frames(f, NULL);
    ck_assert_uint_eq(r->count, 0);
    ck_assert_uint_eq(r->counters.fragments_dropped[SIM__CAPTURE_FRAG_TIMEOUT], 2);
    ck_assert_uint_eq(r->counters.fragments_dropped[SIM__CAPTURE_FRAG_INCOMPLETE], 1);
    ck_assert_uint_eq(r->counters.datagrams_dropped, 2);
    cap_result_free(r);

    /* With a 60 s timeout the same capture completes. */
    sim__capture_config_t config = sim__capture_config_default();
    config.reassembly_timeout_us = 60000000u;
    r = read_frames(f, &config);
    ck_assert_uint_eq(r->count, 1);
    ck_assert_uint_eq(r->got[0].time_us, CAP_T0_US + 2000u + 31000000u);
    cap_result_free(r);
    free(f);
}
END_TEST

/* Given a table of 2 and the first fragments of three datagrams: the
 * oldest (id 1) gives way to the third, ids 2 and 3 complete, and the rest
 * of id 1, coming last, starts a datagram that never completes. */
START_TEST(ipv4_reassembly_table_full)
{
    uint8_t udp[3100];
    size_t udp_len = big_udp(udp);
    cap_frames_t *f = cap_frames_new();
    for (uint16_t id = 1; id <= 3; id++)
        add_frag4(f, udp, udp_len, id, 0, 1480);
    static const uint16_t rest[3] = { 2, 3, 1 };
    for (size_t i = 0; i < 3; i++) {
        add_frag4(f, udp, udp_len, rest[i], 1480, 1480);
        add_frag4(f, udp, udp_len, rest[i], 2960, 40);
    }
    sim__capture_config_t config = sim__capture_config_default();
    config.max_reassembly = 2;
    cap_result_t *r = read_frames(f, &config);
    ck_assert_uint_eq(r->count, 2);
    ck_assert_uint_eq(r->counters.fragments_dropped[SIM__CAPTURE_FRAG_EVICTED], 1);
    ck_assert_uint_eq(r->counters.fragments_dropped[SIM__CAPTURE_FRAG_INCOMPLETE], 2);
    ck_assert_uint_eq(r->counters.reassembled, 2);
    cap_result_free(r);
    free(f);
}
END_TEST

/* A fragment reaching past 65535 bytes drops its datagram: the "ping of
 * death" shape. And fragments of TCP are not reassembled at all. */
START_TEST(ipv4_oversize_and_non_udp_fragments)
{
    uint8_t udp[3100], ip[CAP_MAX_FRAME];
    size_t udp_len = big_udp(udp);
    cap_frames_t *f = cap_frames_new();
    add_frag4(f, udp, udp_len, 9, 0, 1480);
    cap_add_ip(f, CAP_ETH, ip,
               cap_ipv4(ip, 17, 9, (uint16_t)(65528 / 8), cap_v4_a, cap_v4_b, udp, 16));
    cap_add_ip(f, CAP_ETH, ip, cap_ipv4(ip, 6, 10, 0x2000, cap_v4_a, cap_v4_b, udp, 8));
    cap_result_t *r = read_frames(f, NULL);
    ck_assert_uint_eq(r->count, 0);
    ck_assert_uint_eq(r->counters.fragments, 2);
    ck_assert_uint_eq(r->counters.fragments_dropped[SIM__CAPTURE_FRAG_OVERSIZE], 2);
    ck_assert_uint_eq(r->counters.datagrams_dropped, 1);
    ck_assert_uint_eq(r->counters.skipped[SIM__CAPTURE_SKIP_NON_UDP], 1);
    cap_result_free(r);
    free(f);
}
END_TEST

/* ---- IPv6 ---------------------------------------------------------------------- */

/* Adds the IPv6 fragment [offset, offset + len) of `part` (the fragmentable
 * part, starting with header `first`), with a hop-by-hop header in front
 * of the fragment header. */
static void add_frag6(cap_frames_t *f, uint8_t first, const uint8_t *part, size_t part_len,
                      size_t offset, size_t len)
{
    uint8_t body[CAP_MAX_FRAME], ip[CAP_MAX_FRAME];
    bool more = offset + len < part_len;
    body[0] = first;
    body[1] = 0;
    cap_wr16(body + 2, (uint16_t)(offset | (more ? 1u : 0u)));
    cap_wr32(body + 4, 0xabcdef01u);
    memcpy(body + 8, part + offset, len);
    size_t n = cap_ipv6_ext(body, 44, 0, 8 + len); /* hop-by-hop */
    cap_add_ip(f, CAP_ETH, ip, cap_ipv6(ip, 0, cap_v6_a, cap_v6_b, body, n));
}

/* Given an IPv6 datagram whose fragmentable part is a destination-options
 * header then UDP, in three fragments out of order. */
START_TEST(ipv6_fragments_with_extension_headers)
{
    uint8_t part[3200];
    size_t n = big_udp(part);
    n = cap_ipv6_ext(part, 17, 1, n); /* destination options, 16 bytes */
    ck_assert_uint_eq(n, 3016);
    cap_frames_t *f = cap_frames_new();
    add_frag6(f, 60, part, n, 1448, 1448);
    add_frag6(f, 60, part, n, 2896, n - 2896);
    add_frag6(f, 60, part, n, 0, 1448);
    cap_result_t *r = read_frames(f, NULL);
    ck_assert_uint_eq(r->count, 1);
    const sim__capture_datagram_t *d = &r->got[0];
    ck_assert(d->reassembled);
    ck_assert_uint_eq(d->src.family, 6);
    ck_assert_mem_eq(d->src.ip, cap_v6_a, 16);
    ck_assert_uint_eq(d->dst.port, 6000);
    ck_assert_uint_eq(d->payload_len, 2992);
    ck_assert_mem_eq(d->payload, part + 16 + 8, 2992);
    ck_assert_uint_eq(r->counters.fragments, 3);
    ck_assert_uint_eq(r->counters.reassembled, 1);
    cap_result_free(r);

    /* Missing the middle one: dropped at the end, counted. */
    f->count = 0;
    add_frag6(f, 60, part, n, 0, 1448);
    add_frag6(f, 60, part, n, 2896, n - 2896);
    r = read_frames(f, NULL);
    ck_assert_uint_eq(r->count, 0);
    ck_assert_uint_eq(r->counters.fragments_dropped[SIM__CAPTURE_FRAG_INCOMPLETE], 2);
    cap_result_free(r);
    free(f);
}
END_TEST

START_TEST(ipv6_extension_chains)
{
    cap_frames_t *f = cap_frames_new();
    uint8_t body[CAP_MAX_FRAME], ip[CAP_MAX_FRAME];
    size_t n;
    /* hop-by-hop, routing, destination options, AH, UDP */
    n = cap_udp(body, 5000, 6000, cap_rtp, sizeof cap_rtp);
    memmove(body + 16, body, n);
    memset(body, 0, 16);
    body[0] = 17;
    body[1] = 2; /* AH: (2 + 2) * 4 = 16 bytes */
    n += 16;
    n = cap_ipv6_ext(body, 51, 0, n);
    n = cap_ipv6_ext(body, 60, 1, n);
    n = cap_ipv6_ext(body, 43, 0, n);
    cap_add_ip(f, CAP_ETH, ip, cap_ipv6(ip, 0, cap_v6_a, cap_v6_b, body, n));
    /* an atomic fragment (offset 0, M clear) is read through */
    n = cap_udp(body + 8, 5000, 6000, cap_rtcp, sizeof cap_rtcp);
    memset(body, 0, 8);
    body[0] = 17;
    cap_add_ip(f, CAP_ETH, ip, cap_ipv6(ip, 44, cap_v6_a, cap_v6_b, body, 8 + n));
    /* 17 destination-options headers: one more than the bound */
    n = cap_udp(body, 5000, 6000, cap_rtp, sizeof cap_rtp);
    for (int i = 0; i < 17; i++)
        n = cap_ipv6_ext(body, i == 0 ? 17 : 60, 0, n);
    cap_add_ip(f, CAP_ETH, ip, cap_ipv6(ip, 60, cap_v6_a, cap_v6_b, body, n));
    /* a routing header longer than the packet */
    n = cap_udp(body, 5000, 6000, cap_rtp, sizeof cap_rtp);
    n = cap_ipv6_ext(body, 17, 0, n);
    body[1] = 200;
    cap_add_ip(f, CAP_ETH, ip, cap_ipv6(ip, 43, cap_v6_a, cap_v6_b, body, n));
    /* ESP, ICMPv6 and no-next-header */
    memset(body, 0, 16);
    cap_add_ip(f, CAP_ETH, ip, cap_ipv6(ip, 50, cap_v6_a, cap_v6_b, body, 16));
    cap_add_ip(f, CAP_ETH, ip, cap_ipv6(ip, 58, cap_v6_a, cap_v6_b, body, 8));
    cap_add_ip(f, CAP_ETH, ip, cap_ipv6(ip, 59, cap_v6_a, cap_v6_b, body, 8));

    cap_result_t *r = read_frames(f, NULL);
    ck_assert_uint_eq(r->count, 2);
    ck_assert_int_eq(r->got[0].kind, RTP_DEMUX_RTP);
    ck_assert_mem_eq(r->got[0].payload, cap_rtp, sizeof cap_rtp);
    ck_assert_int_eq(r->got[1].kind, RTP_DEMUX_RTCP);
    ck_assert(!r->got[1].reassembled);
    ck_assert_uint_eq(r->counters.skipped[SIM__CAPTURE_SKIP_BAD_IP], 2);
    ck_assert_uint_eq(r->counters.skipped[SIM__CAPTURE_SKIP_NON_UDP], 3);
    ck_assert_uint_eq(r->counters.fragments, 0);
    cap_result_free(r);
    free(f);
}
END_TEST

/* ---- malformed headers ------------------------------------------------------------ */

START_TEST(malformed_headers_are_counted)
{
    cap_frames_t *f = cap_frames_new();
    uint8_t ip[CAP_MAX_FRAME], frame[CAP_MAX_FRAME];
    size_t n = cap_udp4(ip, cap_rtp, sizeof cap_rtp);

    uint8_t bad[CAP_MAX_FRAME];
    memcpy(bad, ip, n);
    bad[0] = 0x44; /* IHL 4 */
    cap_add_ip(f, CAP_ETH, bad, n);
    memcpy(bad, ip, n);
    cap_wr16(bad + 2, 16); /* total length below the header */
    cap_add_ip(f, CAP_ETH, bad, n);
    memcpy(bad, ip, n);
    cap_wr16(bad + 2, (uint16_t)(n + 10)); /* total length past the frame */
    cap_add_ip(f, CAP_ETH, bad, n);
    cap_add_ip(f, CAP_ETH, bad, n)->wire = n + 14 + 10; /* the same, but the capture cut it */
    cap_add_ip(f, CAP_ETH, ip, n - 4)->wire = n + 14;
    memcpy(bad, ip, n);
    cap_wr16(bad + 24, 7); /* UDP length below 8 */
    cap_add_ip(f, CAP_ETH, bad, n);
    memcpy(bad, ip, n);
    cap_wr16(bad + 24, (uint16_t)(n - 20 + 1)); /* UDP length past the IP payload */
    cap_add_ip(f, CAP_ETH, bad, n);
    memcpy(bad, ip, n);
    bad[0] = 0x55; /* version 5 */
    cap_add_ip(f, CAP_ETH, bad, n);
    cap_add_ip(f, CAP_ETH, bad, cap_ipv4(bad, 17, 1, 0, cap_v4_a, cap_v4_b, ip + 20, 7));
    /* IPv4 with room for 7 UDP bytes */
    cap_add(f, frame, 10); /* Ethernet header cut short */
    /* nine VLAN tags */
    memset(frame, 0, sizeof frame);
    size_t len = 12;
    for (int i = 0; i < 9; i++, len += 4)
        cap_wr16(frame + len, 0x8100);
    cap_wr16(frame + len, 0x0800);
    memcpy(frame + len + 2, ip, n);
    cap_add(f, frame, len + 2 + n);
    /* an IPv4 packet in an IPv6 EtherType */
    len = cap_link_frame(CAP_ETH, 0x86DD, ip, n, frame);
    cap_add(f, frame, len);
    /* the good packet, with Ethernet padding after it */
    len = cap_link_frame(CAP_ETH, 0x0800, ip, n, frame);
    memset(frame + len, 0xee, 20);
    cap_add(f, frame, len + 20);

    cap_result_t *r = read_frames(f, NULL);
    const sim__capture_counters_t *c = &r->counters;
    ck_assert_uint_eq(c->records, 13);
    ck_assert_uint_eq(r->count, 1);
    ck_assert_uint_eq(r->got[0].payload_len, sizeof cap_rtp);
    ck_assert_uint_eq(c->skipped[SIM__CAPTURE_SKIP_BAD_IP], 5);
    ck_assert_uint_eq(c->skipped[SIM__CAPTURE_SKIP_SNAPPED], 2);
    ck_assert_uint_eq(c->skipped[SIM__CAPTURE_SKIP_BAD_UDP], 3);
    ck_assert_uint_eq(c->skipped[SIM__CAPTURE_SKIP_BAD_LINK], 2);
    cap_result_free(r);
    free(f);
}
END_TEST

/* Link-layer shapes that carry no IP, or are cut short, per link type. */
START_TEST(link_headers_cut_short_or_not_ip)
{
    static const struct {
        int dlt;
        size_t len;
        uint8_t first[4];
        sim__capture_skip_t reason;
    } cases[] = {
        { DLT_NULL, 3, { 2, 0, 0 }, SIM__CAPTURE_SKIP_BAD_LINK },
        { DLT_NULL, 24, { 99, 0, 0, 0 }, SIM__CAPTURE_SKIP_NON_IP },
        { DLT_LINUX_SLL, 15, { 0 }, SIM__CAPTURE_SKIP_BAD_LINK },
        { DLT_LINUX_SLL2, 19, { 0 }, SIM__CAPTURE_SKIP_BAD_LINK },
        { DLT_LINUX_SLL2, 40, { 0x88, 0xcc }, SIM__CAPTURE_SKIP_NON_IP }, /* LLDP */
        { DLT_IPV4, 40, { 0x60 }, SIM__CAPTURE_SKIP_BAD_IP },
        { DLT_IPV6, 40, { 0x45 }, SIM__CAPTURE_SKIP_BAD_IP },
        { DLT_RAW, 40, { 0x75 }, SIM__CAPTURE_SKIP_BAD_IP },
        { DLT_RAW, 0, { 0 }, SIM__CAPTURE_SKIP_BAD_IP },
        { DLT_RAW, 30, { 0x60 }, SIM__CAPTURE_SKIP_BAD_IP },
        { DLT_EN10MB, 13, { 0 }, SIM__CAPTURE_SKIP_BAD_LINK },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cap_frames_t *f = cap_frames_new();
        uint8_t frame[64] = { 0 };
        memcpy(frame, cases[i].first, 4);
        cap_add(f, frame, cases[i].len);
        cap_bytes_t b = capture_write_libpcap(cases[i].dlt, 65535, f);
        cap_result_t *r = cap_read(&b, NULL);
        ck_assert_int_eq(r->end, SIM__CAPTURE_END);
        ck_assert_msg(r->counters.skipped[cases[i].reason] == 1, "case %zu", i);
        ck_assert_uint_eq(r->counters.records, 1);
        cap_result_free(r);
        cap_free(&b);
        free(f);
    }
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("capture_ip");
    TCase *kinds = tcase_create("kinds");
    tcase_add_test(kinds, every_kind_and_turn);
    suite_add_tcase(suite, kinds);

    TCase *frags = tcase_create("fragments");
    tcase_add_loop_test(frags, ipv4_fragments, 0, (int)(sizeof frag_cases / sizeof frag_cases[0]));
    tcase_add_test(frags, ipv4_fragment_timeout);
    tcase_add_test(frags, ipv4_reassembly_table_full);
    tcase_add_test(frags, ipv4_oversize_and_non_udp_fragments);
    tcase_add_test(frags, ipv6_fragments_with_extension_headers);
    suite_add_tcase(suite, frags);

    TCase *headers = tcase_create("headers");
    tcase_add_test(headers, ipv6_extension_chains);
    tcase_add_test(headers, malformed_headers_are_counted);
    tcase_add_test(headers, link_headers_cut_short_or_not_ip);
    suite_add_tcase(suite, headers);
    return suite;
}
