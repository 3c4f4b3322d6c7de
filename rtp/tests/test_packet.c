/* RTP fixed header, sequence numbers, RTX and demultiplexing. */
#include "rtp/rtp.h"

#include <check.h>
#include <string.h>

/* RFC 3550 5.1 figure: V=2 P=0 X=1 CC=2 | M=1 PT=96 | seq 0x1234 |
 * ts 0xdeadbeef | SSRC 0x11223344 | CSRC 0xaaaaaaaa 0xbbbbbbbb |
 * extension profile 0xBEDE, length 1 word, body | payload "hello". */
static const uint8_t full_packet[] = {
    0x92, 0xe0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x11, 0x22, 0x33,
    0x44, 0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb, 0xbe, 0xde,
    0x00, 0x01, 0x10, 0x7f, 0x00, 0x00, 'h',  'e',  'l',  'l',  'o',
};

START_TEST(parse_full_header)
{
    rtp_header_t h;
    ck_assert_int_eq(rtp_parse(full_packet, sizeof full_packet, &h), RTP_OK);
    ck_assert(!h.padding);
    ck_assert(h.extension);
    ck_assert(h.marker);
    ck_assert_uint_eq(h.payload_type, 96);
    ck_assert_uint_eq(h.seq, 0x1234);
    ck_assert_uint_eq(h.timestamp, 0xdeadbeef);
    ck_assert_uint_eq(h.ssrc, 0x11223344);
    ck_assert_uint_eq(h.csrc_count, 2);
    ck_assert_uint_eq(h.csrc[0], 0xaaaaaaaa);
    ck_assert_uint_eq(h.csrc[1], 0xbbbbbbbb);
    ck_assert_uint_eq(h.ext_profile, 0xbede);
    ck_assert_uint_eq(h.ext_len, 4);
    ck_assert_ptr_eq(h.ext, full_packet + 24);
    ck_assert_uint_eq(h.header_len, 28);
    ck_assert_uint_eq(h.payload_len, 5);
    ck_assert_mem_eq(h.payload, "hello", 5);
    ck_assert_uint_eq(rtp_header_size(&h), 28);
}
END_TEST

START_TEST(every_short_prefix_is_truncated)
{
    rtp_header_t h;
    for (size_t len = 0; len < 28; len++)
        ck_assert_int_eq(rtp_parse(full_packet, len, &h), RTP_ERR_TRUNCATED);
    /* From the end of the header on, a shorter payload is still a packet. */
    ck_assert_int_eq(rtp_parse(full_packet, 28, &h), RTP_OK);
    ck_assert_uint_eq(h.payload_len, 0);
}
END_TEST

START_TEST(rejects_other_versions)
{
    uint8_t pkt[sizeof full_packet];
    for (unsigned v = 0; v < 4; v++) {
        if (v == 2)
            continue;
        memcpy(pkt, full_packet, sizeof pkt);
        pkt[0] = (uint8_t)((pkt[0] & 0x3f) | v << 6);
        rtp_header_t h;
        ck_assert_int_eq(rtp_parse(pkt, sizeof pkt, &h), RTP_ERR_BAD_VERSION);
    }
}
END_TEST

START_TEST(fifteen_csrcs_round_trip)
{
    rtp_header_t in = { .payload_type = 111, .seq = 65535, .timestamp = 1, .ssrc = 2 };
    in.csrc_count = 15;
    for (unsigned i = 0; i < 15; i++)
        in.csrc[i] = 0x01010101u * (i + 1);
    uint8_t pkt[128];
    size_t len;
    ck_assert_int_eq(rtp_write(&in, (const uint8_t *)"xy", 2, 0, pkt, sizeof pkt, &len), RTP_OK);
    ck_assert_uint_eq(len, 12 + 60 + 2);
    rtp_header_t out;
    ck_assert_int_eq(rtp_parse(pkt, len, &out), RTP_OK);
    ck_assert_uint_eq(out.csrc_count, 15);
    for (unsigned i = 0; i < 15; i++)
        ck_assert_uint_eq(out.csrc[i], in.csrc[i]);
    ck_assert_uint_eq(out.seq, 65535);
    ck_assert_mem_eq(out.payload, "xy", 2);

    in.csrc_count = 16;
    ck_assert_int_eq(rtp_write(&in, NULL, 0, 0, pkt, sizeof pkt, &len), RTP_ERR_INVALID_ARG);
}
END_TEST

START_TEST(write_round_trips_the_full_packet)
{
    rtp_header_t h;
    ck_assert_int_eq(rtp_parse(full_packet, sizeof full_packet, &h), RTP_OK);
    uint8_t out[64];
    size_t len;
    ck_assert_int_eq(rtp_write(&h, h.payload, h.payload_len, 0, out, sizeof out, &len), RTP_OK);
    ck_assert_uint_eq(len, sizeof full_packet);
    ck_assert_mem_eq(out, full_packet, len);
    /* Every capacity short of the packet is refused, and nothing else. */
    for (size_t cap = 0; cap < sizeof full_packet; cap++)
        ck_assert_int_eq(rtp_write(&h, h.payload, h.payload_len, 0, out, cap, &len),
                         RTP_ERR_NO_SPACE);
}
END_TEST

START_TEST(write_rejects_bad_headers)
{
    uint8_t out[64];
    size_t len;
    rtp_header_t h = { .payload_type = 128 };
    ck_assert_int_eq(rtp_write(&h, NULL, 0, 0, out, sizeof out, &len), RTP_ERR_INVALID_ARG);
    h.payload_type = 0;
    h.extension = true;
    h.ext_len = 3;
    h.ext = (const uint8_t *)"abc";
    ck_assert_int_eq(rtp_write(&h, NULL, 0, 0, out, sizeof out, &len), RTP_ERR_INVALID_ARG);
    h.ext = NULL;
    h.ext_len = 4;
    ck_assert_int_eq(rtp_write(&h, NULL, 0, 0, out, sizeof out, &len), RTP_ERR_INVALID_ARG);
    h.ext_len = 0; /* an empty block is legal: profile and zero length */
    ck_assert_int_eq(rtp_write(&h, NULL, 0, 0, out, sizeof out, &len), RTP_OK);
    ck_assert_uint_eq(len, 16);
}
END_TEST

START_TEST(zero_length_extension_block)
{
    const uint8_t pkt[] = { 0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 0, 0xaa };
    rtp_header_t h;
    ck_assert_int_eq(rtp_parse(pkt, sizeof pkt, &h), RTP_OK);
    ck_assert(h.extension);
    ck_assert_uint_eq(h.ext_len, 0);
    ck_assert_uint_eq(h.payload_len, 1);
    rtp_ext_iter_t it;
    rtp_ext_elem_t e;
    ck_assert_int_eq(rtp_ext_iter_init(&it, &h), RTP_OK);
    ck_assert_int_eq(rtp_ext_next(&it, &e), RTP_ERR_END);
}
END_TEST

START_TEST(padding_rules)
{
    /* 12-byte header, payload "ab", 3 bytes of padding ending in count 3. */
    uint8_t pkt[] = { 0xa0, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 'a', 'b', 0, 0, 3 };
    rtp_header_t h;
    ck_assert_int_eq(rtp_parse(pkt, sizeof pkt, &h), RTP_OK);
    ck_assert(h.padding);
    ck_assert_uint_eq(h.padding_len, 3);
    ck_assert_uint_eq(h.payload_len, 2);

    pkt[16] = 5; /* all that follows the header: payload empty, still valid */
    ck_assert_int_eq(rtp_parse(pkt, sizeof pkt, &h), RTP_OK);
    ck_assert_uint_eq(h.payload_len, 0);
    pkt[16] = 6; /* longer than the payload and padding together */
    ck_assert_int_eq(rtp_parse(pkt, sizeof pkt, &h), RTP_ERR_MALFORMED);
    pkt[16] = 255;
    ck_assert_int_eq(rtp_parse(pkt, sizeof pkt, &h), RTP_ERR_MALFORMED);
    pkt[16] = 0; /* the count includes itself, so 0 is impossible */
    ck_assert_int_eq(rtp_parse(pkt, sizeof pkt, &h), RTP_ERR_MALFORMED);
    /* P set on a header with nothing after it. */
    ck_assert_int_eq(rtp_parse(pkt, 12, &h), RTP_ERR_MALFORMED);

    /* Written padding parses back. */
    uint8_t out[32];
    size_t len;
    pkt[16] = 3;
    ck_assert_int_eq(rtp_parse(pkt, sizeof pkt, &h), RTP_OK);
    ck_assert_int_eq(rtp_write(&h, h.payload, h.payload_len, 7, out, sizeof out, &len), RTP_OK);
    ck_assert_uint_eq(len, 12 + 2 + 7);
    ck_assert_int_eq(rtp_parse(out, len, &h), RTP_OK);
    ck_assert_uint_eq(h.padding_len, 7);
    ck_assert_mem_eq(h.payload, "ab", 2);
}
END_TEST

START_TEST(sequence_comparison_wraps)
{
    ck_assert(rtp_seq_lt(65535, 0));
    ck_assert(!rtp_seq_lt(0, 65535));
    ck_assert(rtp_seq_lt(65000, 100));
    ck_assert(rtp_seq_lt(1, 2));
    ck_assert(!rtp_seq_lt(7, 7));
    ck_assert_int_eq(rtp_seq_diff(65535, 0), 1);
    ck_assert_int_eq(rtp_seq_diff(0, 65535), -1);
    ck_assert_int_eq(rtp_seq_diff(100, 65000), -636);
    /* Half-way: exactly one of the two orders holds. */
    ck_assert(rtp_seq_lt(0, 32768) != rtp_seq_lt(32768, 0));
    ck_assert(rtp_seq_lt(40000, 7232) != rtp_seq_lt(7232, 40000));
}
END_TEST

START_TEST(unwrapper_follows_wraps_both_ways)
{
    rtp_seq_unwrapper_t u = { 0 };
    ck_assert_int_eq(rtp_seq_unwrap(&u, 65534), 65534);
    ck_assert_int_eq(rtp_seq_unwrap(&u, 65535), 65535);
    ck_assert_int_eq(rtp_seq_unwrap(&u, 0), 65536);
    ck_assert_int_eq(rtp_seq_unwrap(&u, 1), 65537);
    ck_assert_int_eq(rtp_seq_unwrap(&u, 65533), 65533); /* late, from before the wrap */
    ck_assert_int_eq(rtp_seq_unwrap(&u, 2), 65538);

    rtp_seq_unwrapper_t back = { 0 };
    ck_assert_int_eq(rtp_seq_unwrap(&back, 1), 1);
    ck_assert_int_eq(rtp_seq_unwrap(&back, 65535), -1);

    /* Ten wraps in steps of 1000. */
    rtp_seq_unwrapper_t run = { 0 };
    int64_t expect = 60000;
    rtp_seq_unwrap(&run, 60000);
    for (int i = 0; i < 700; i++) {
        expect += 1000;
        ck_assert_int_eq(rtp_seq_unwrap(&run, (uint16_t)expect), expect);
    }
    ck_assert_int_gt(expect, 10 * 65536);
}
END_TEST

START_TEST(rtx_round_trip)
{
    uint8_t rtx[64];
    size_t rtx_len;
    ck_assert_int_eq(
        rtp_rtx_wrap(full_packet, sizeof full_packet, 0x55667788, 97, 7, rtx, sizeof rtx, &rtx_len),
        RTP_OK);
    ck_assert_uint_eq(rtx_len, sizeof full_packet + 2);
    rtp_header_t h;
    ck_assert_int_eq(rtp_parse(rtx, rtx_len, &h), RTP_OK);
    ck_assert_uint_eq(h.ssrc, 0x55667788);
    ck_assert_uint_eq(h.payload_type, 97);
    ck_assert_uint_eq(h.seq, 7);
    ck_assert_uint_eq(h.timestamp, 0xdeadbeef);
    ck_assert(h.marker);
    ck_assert_uint_eq(h.payload_len, 7);
    ck_assert_uint_eq(h.payload[0], 0x12); /* OSN 0x1234 */
    ck_assert_uint_eq(h.payload[1], 0x34);

    uint8_t back[64];
    size_t back_len;
    uint16_t osn = 0;
    ck_assert_int_eq(
        rtp_rtx_unwrap(rtx, rtx_len, 0x11223344, 96, back, sizeof back, &back_len, &osn), RTP_OK);
    ck_assert_uint_eq(osn, 0x1234);
    ck_assert_uint_eq(back_len, sizeof full_packet);
    ck_assert_mem_eq(back, full_packet, back_len);

    /* In place, in the same buffer. */
    uint8_t inplace[64];
    memcpy(inplace, full_packet, sizeof full_packet);
    ck_assert_int_eq(rtp_rtx_wrap(inplace, sizeof full_packet, 0x55667788, 97, 7, inplace,
                                  sizeof inplace, &rtx_len),
                     RTP_OK);
    ck_assert_mem_eq(inplace, rtx, rtx_len);
    ck_assert_int_eq(
        rtp_rtx_unwrap(inplace, rtx_len, 0x11223344, 96, inplace, sizeof inplace, &back_len, NULL),
        RTP_OK);
    ck_assert_mem_eq(inplace, full_packet, sizeof full_packet);

    ck_assert_int_eq(rtp_rtx_wrap(full_packet, sizeof full_packet, 1, 97, 7, rtx,
                                  sizeof full_packet + 1, &rtx_len),
                     RTP_ERR_NO_SPACE);
}
END_TEST

START_TEST(rtx_padding_only_has_no_original)
{
    /* A bandwidth probe: RTX header and padding, no OSN. */
    const uint8_t probe[] = { 0xa0, 0x61, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4 };
    uint8_t out[32];
    size_t len;
    ck_assert_int_eq(rtp_rtx_unwrap(probe, sizeof probe, 3, 96, out, sizeof out, &len, NULL),
                     RTP_ERR_TRUNCATED);
}
END_TEST

static const struct demux_case {
    uint8_t first, second;
    size_t len;
    rtp_demux_kind_t kind;
} demux_cases[] = {
    { 0, 1, 20, RTP_DEMUX_STUN },          { 3, 0, 20, RTP_DEMUX_STUN },
    { 4, 0, 20, RTP_DEMUX_UNKNOWN },       { 16, 0, 20, RTP_DEMUX_ZRTP },
    { 19, 0, 20, RTP_DEMUX_ZRTP },         { 20, 0, 20, RTP_DEMUX_DTLS },
    { 23, 0xfe, 20, RTP_DEMUX_DTLS },      { 63, 0, 20, RTP_DEMUX_DTLS },
    { 64, 0, 20, RTP_DEMUX_TURN_CHANNEL }, { 79, 0, 20, RTP_DEMUX_TURN_CHANNEL },
    { 80, 0, 20, RTP_DEMUX_UNKNOWN },      { 127, 0, 20, RTP_DEMUX_UNKNOWN },
    { 128, 96, 20, RTP_DEMUX_RTP },        { 0x80, 0xe0, 20, RTP_DEMUX_RTP }, /* M=1 PT=96 */
    { 0x80, 200, 20, RTP_DEMUX_RTCP },     { 0x81, 205, 20, RTP_DEMUX_RTCP },
    { 0x80, 192, 20, RTP_DEMUX_RTCP },     { 0x80, 223, 20, RTP_DEMUX_RTCP },
    { 0x80, 224, 20, RTP_DEMUX_RTP },      { 191, 96, 20, RTP_DEMUX_RTP },
    { 192, 96, 20, RTP_DEMUX_UNKNOWN },    { 0x80, 96, 1, RTP_DEMUX_UNKNOWN },
    { 0, 0, 0, RTP_DEMUX_UNKNOWN },
};

START_TEST(demux_first_byte)
{
    const struct demux_case *c = &demux_cases[_i];
    const uint8_t dgram[2] = { c->first, c->second };
    uint8_t padded[20] = { c->first, c->second };
    const uint8_t *input = c->len <= 2 ? dgram : padded;
    ck_assert_msg(rtp_demux(input, c->len) == c->kind, "first byte %u second %u: got %s", c->first,
                  c->second, rtp_demux_name(rtp_demux(input, c->len)));
}
END_TEST

START_TEST(turn_channel_data)
{
    /* Channel 0x4001, 4 bytes of data, 0 bytes of UDP padding needed. */
    const uint8_t msg[] = { 0x40, 0x01, 0x00, 0x04, 0x80, 0x60, 0x00, 0x01 };
    uint16_t channel;
    const uint8_t *inner;
    size_t inner_len;
    ck_assert_int_eq(rtp_turn_channel_data(msg, sizeof msg, &channel, &inner, &inner_len), RTP_OK);
    ck_assert_uint_eq(channel, 0x4001);
    ck_assert_uint_eq(inner_len, 4);
    ck_assert_ptr_eq(inner, msg + 4);
    ck_assert_int_eq(rtp_demux(inner, inner_len), RTP_DEMUX_RTP);
    for (size_t len = 0; len < sizeof msg; len++)
        ck_assert_int_eq(rtp_turn_channel_data(msg, len, &channel, &inner, &inner_len),
                         RTP_ERR_TRUNCATED);
    const uint8_t bad[] = { 0x50, 0x00, 0x00, 0x00 };
    ck_assert_int_eq(rtp_turn_channel_data(bad, sizeof bad, &channel, &inner, &inner_len),
                     RTP_ERR_MALFORMED);
}
END_TEST

START_TEST(error_names_and_messages)
{
    ck_assert_str_eq(rtp_errname(RTP_OK), "RTP_OK");
    ck_assert_str_eq(rtp_errname(RTP_ERR_TRUNCATED), "RTP_ERR_TRUNCATED");
    ck_assert_str_eq(rtp_strerror(RTP_ERR_NO_SPACE), "output buffer too small");
    ck_assert_str_eq(rtp_strerror((rtp_err_t)999), "unknown rtp error");
    for (int e = 0; e < RTP_ERR__COUNT; e++)
        ck_assert(strlen(rtp_strerror((rtp_err_t)e)) > 0);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("rtp_packet");
    TCase *tc = tcase_create("header");
    tcase_add_test(tc, parse_full_header);
    tcase_add_test(tc, every_short_prefix_is_truncated);
    tcase_add_test(tc, rejects_other_versions);
    tcase_add_test(tc, fifteen_csrcs_round_trip);
    tcase_add_test(tc, write_round_trips_the_full_packet);
    tcase_add_test(tc, write_rejects_bad_headers);
    tcase_add_test(tc, zero_length_extension_block);
    tcase_add_test(tc, padding_rules);
    tcase_add_test(tc, error_names_and_messages);
    suite_add_tcase(s, tc);

    tc = tcase_create("sequence");
    tcase_add_test(tc, sequence_comparison_wraps);
    tcase_add_test(tc, unwrapper_follows_wraps_both_ways);
    suite_add_tcase(s, tc);

    tc = tcase_create("rtx");
    tcase_add_test(tc, rtx_round_trip);
    tcase_add_test(tc, rtx_padding_only_has_no_original);
    suite_add_tcase(s, tc);

    tc = tcase_create("demux");
    tcase_add_loop_test(tc, demux_first_byte, 0, (int)(sizeof demux_cases / sizeof demux_cases[0]));
    tcase_add_test(tc, turn_channel_data);
    suite_add_tcase(s, tc);
    return s;
}
