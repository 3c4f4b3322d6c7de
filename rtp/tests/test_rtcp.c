/* RTCP common header, compound iteration, dispatch and the RFC 3550
 * packets (SR, RR, SDES, BYE, APP). Vectors are built by hand from the
 * packet layouts of RFC 3550 section 6; each names its section. */
#include "rtp/rtp.h"

#include <check.h>
#include <string.h>

/* ---- Vectors ----------------------------------------------------------- */

/* RFC 3550 6.4.1: SR with one report block. NTP 0xE8F0A1B2.80000000, RTP ts
 * 90000, 100 packets, 50000 octets; block for 0x55667788: fraction 64/256,
 * cumulative lost -2 (24-bit two's complement), highest seq 0x0001FFFF,
 * jitter 42, LSR 0xA1B28000, DLSR 1.5 s (0x00018000). */
static const uint8_t sr_vec[] = {
    0x81, 200,  0x00, 0x0c, 0x11, 0x22, 0x33, 0x44, 0xe8, 0xf0, 0xa1, 0xb2, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x5f, 0x90, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00,
    0xc3, 0x50, 0x55, 0x66, 0x77, 0x88, 0x40, 0xff, 0xff, 0xfe, 0x00, 0x01, 0xff,
    0xff, 0x00, 0x00, 0x00, 0x2a, 0xa1, 0xb2, 0x80, 0x00, 0x00, 0x01, 0x80, 0x00,
};

/* RFC 3550 6.4.2: an empty RR (RC=0), as sent when nothing was received. */
static const uint8_t rr_empty_vec[] = { 0x80, 201, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef };

/* RFC 3550 6.4.2: RR with two blocks, the second with cumulative lost at the
 * 24-bit maximum 0x7FFFFF. */
static const uint8_t rr_vec[] = {
    0x82, 201,  0x00, 0x0d, 0x01, 0x02, 0x03, 0x04, /* SSRC of sender */
    0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x00, 0x00, 0x00, /* block 1: nothing lost */
    0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x0e, 0x0f, 0x10, 0x11, 0xff, 0x7f, 0xff, 0xff, /* block 2 */
    0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x01,
};

/* RFC 3550 6.5: three chunks. 0x11223344: CNAME "bob@10.0.0.1" (4+2+12
 * bytes, then 2 nulls); 0x55667788: NAME "Al", TOOL "x" then 1 null;
 * 0x99AABBCC: no items, 4 nulls. */
static const uint8_t sdes_vec[] = {
    0x83, 202, 0x00, 0x0a, 0x11, 0x22, 0x33, 0x44, 0x01, 12,   'b',  'o',  'b',  '@',  '1',
    '0',  '.', '0',  '.',  '0',  '.',  '1',  0x00, 0x00, 0x55, 0x66, 0x77, 0x88, 0x02, 2,
    'A',  'l', 0x06, 1,    'x',  0x00, 0x99, 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x00, 0x00,
};

/* RFC 3550 6.6: BYE for two SSRCs with reason "done" (length octet, four
 * characters, three padding octets). */
static const uint8_t bye_vec[] = {
    0x82, 203,  0x00, 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
    0x77, 0x88, 0x04, 'd',  'o',  'n',  'e',  0x00, 0x00, 0x00,
};

/* RFC 3550 6.7: APP subtype 5, name "TEST", four data octets. */
static const uint8_t app_vec[] = {
    0x85, 204, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 'T', 'E', 'S', 'T', 1, 2, 3, 4,
};

/* RFC 3550 6.1: the minimal compound, an SR (no blocks) then an SDES CNAME
 * "a@b" for the same SSRC. */
static const uint8_t compound_vec[] = {
    0x80, 200,  0x00, 0x06, 0x11, 0x22, 0x33, 0x44, 0,   0,   0,   1, 0, 0,    0,
    2,    0,    0,    0,    3,    0,    0,    0,    4,   0,   0,   0, 5, 0x81, 202,
    0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0x01, 0x03, 'a', '@', 'b', 0, 0, 0,
};

/* RFC 3550 6.4.1 padding: an RR whose P bit is set and whose last octet
 * counts 4 padding octets, as the last packet of an RR+BYE compound. */
static const uint8_t padded_compound_vec[] = {
    0x80, 201,  0x00, 0x01, 0x01, 0x02, 0x03, 0x04, 0xa1, 203,
    0x00, 0x02, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x04,
};

typedef struct vector {
    const char *name;
    const uint8_t *bytes;
    size_t len;
    rtp_rtcp_kind_t first_kind;
    unsigned n_packets;
} vector_t;

#define VEC(v, kind, n)          \
    {                            \
#v, v, sizeof v, kind, n \
    }
static const vector_t vectors[] = {
    VEC(sr_vec, RTP_RTCP_KIND_SR, 1),       VEC(rr_empty_vec, RTP_RTCP_KIND_RR, 1),
    VEC(rr_vec, RTP_RTCP_KIND_RR, 1),       VEC(sdes_vec, RTP_RTCP_KIND_SDES, 1),
    VEC(bye_vec, RTP_RTCP_KIND_BYE, 1),     VEC(app_vec, RTP_RTCP_KIND_APP, 1),
    VEC(compound_vec, RTP_RTCP_KIND_SR, 2), VEC(padded_compound_vec, RTP_RTCP_KIND_RR, 2),
};
#define N_VECTORS (sizeof vectors / sizeof vectors[0])

/* Iterates and parses every packet; returns the first error, or RTP_OK
 * after a clean RTP_ERR_END. *n gets the packets that parsed. */
static rtp_err_t walk(const uint8_t *buf, size_t len, unsigned *n, rtp_rtcp_kind_t *first)
{
    rtp_rtcp_iter_t it;
    rtp_rtcp_iter_init(&it, buf, len);
    rtp_rtcp_packet_t pkt;
    rtp_err_t err;
    *n = 0;
    while ((err = rtp_rtcp_iter_next(&it, &pkt)) == RTP_OK) {
        rtp_rtcp_msg_t msg;
        rtp_err_t perr = rtp_rtcp_parse(&pkt, &msg);
        if (perr != RTP_OK)
            return perr;
        if (*n == 0 && first)
            *first = msg.kind;
        (*n)++;
    }
    return err == RTP_ERR_END ? RTP_OK : err;
}

START_TEST(vector_parses)
{
    const vector_t *v = &vectors[_i];
    unsigned n;
    rtp_rtcp_kind_t kind = RTP_RTCP_KIND_UNKNOWN;
    ck_assert_msg(walk(v->bytes, v->len, &n, &kind) == RTP_OK, "%s", v->name);
    ck_assert_uint_eq(n, v->n_packets);
    ck_assert_int_eq(kind, v->first_kind);
}
END_TEST

/* Every prefix either ends on a packet boundary (a shorter valid compound)
 * or is reported as an error; nothing reads past the prefix (ASan). */
START_TEST(vector_prefixes_fail)
{
    const vector_t *v = &vectors[_i];
    size_t boundaries[8] = { 0 };
    size_t n_boundaries = 0;
    rtp_rtcp_iter_t it;
    rtp_rtcp_iter_init(&it, v->bytes, v->len);
    rtp_rtcp_packet_t pkt;
    while (rtp_rtcp_iter_next(&it, &pkt) == RTP_OK)
        boundaries[n_boundaries++] = (size_t)(pkt.data + pkt.size - v->bytes);

    for (size_t len = 1; len < v->len; len++) {
        uint8_t copy[256];
        memcpy(copy, v->bytes, len);
        bool boundary = false;
        for (size_t b = 0; b < n_boundaries; b++)
            boundary |= boundaries[b] == len;
        unsigned n;
        rtp_err_t err = walk(copy, len, &n, NULL);
        if (boundary) {
            ck_assert_int_eq(err, RTP_OK);
        } else {
            ck_assert_msg(err != RTP_OK, "%s prefix %zu accepted", v->name, len);
        }
    }
}
END_TEST

/* ---- Common header and iteration --------------------------------------- */

START_TEST(header_fields)
{
    rtp_rtcp_packet_t pkt;
    ck_assert_int_eq(rtp_rtcp_packet_parse(sr_vec, sizeof sr_vec, &pkt), RTP_OK);
    ck_assert_uint_eq(pkt.size, 52);
    ck_assert_uint_eq(pkt.count, 1);
    ck_assert_uint_eq(pkt.pt, 200);
    ck_assert(!pkt.padding);
    ck_assert_ptr_eq(pkt.body, sr_vec + 4);
    ck_assert_uint_eq(pkt.body_len, 48);

    /* The padded BYE: 12 bytes, of which 4 padding. */
    ck_assert_int_eq(rtp_rtcp_packet_parse(padded_compound_vec + 8, 12, &pkt), RTP_OK);
    ck_assert(pkt.padding);
    ck_assert_uint_eq(pkt.pt, 203);
    ck_assert_uint_eq(pkt.body_len, 4);
}
END_TEST

START_TEST(header_rejects)
{
    rtp_rtcp_packet_t pkt;
    uint8_t b[16];

    /* V=1 and V=3 (RFC 3550 6.4.1: version is 2). */
    memcpy(b, rr_empty_vec, 8);
    b[0] = 0x40;
    ck_assert_int_eq(rtp_rtcp_packet_parse(b, 8, &pkt), RTP_ERR_BAD_VERSION);
    b[0] = 0xc0;
    ck_assert_int_eq(rtp_rtcp_packet_parse(b, 8, &pkt), RTP_ERR_BAD_VERSION);

    /* Length field larger than the datagram. */
    memcpy(b, rr_empty_vec, 8);
    b[3] = 2;
    ck_assert_int_eq(rtp_rtcp_packet_parse(b, 8, &pkt), RTP_ERR_TRUNCATED);
    ck_assert_int_eq(rtp_rtcp_packet_parse(b, 3, &pkt), RTP_ERR_TRUNCATED);

    /* Padding count 0, and larger than the body. */
    memcpy(b, rr_empty_vec, 8);
    b[0] |= 0x20;
    b[7] = 0;
    ck_assert_int_eq(rtp_rtcp_packet_parse(b, 8, &pkt), RTP_ERR_MALFORMED);
    b[7] = 5;
    ck_assert_int_eq(rtp_rtcp_packet_parse(b, 8, &pkt), RTP_ERR_MALFORMED);
    b[7] = 4; /* the whole body is padding: allowed by the header, not RR */
    ck_assert_int_eq(rtp_rtcp_packet_parse(b, 8, &pkt), RTP_OK);
    ck_assert_uint_eq(pkt.body_len, 0);
    rtp_rtcp_rr_t rr;
    ck_assert_int_eq(rtp_rtcp_parse_rr(&pkt, &rr), RTP_ERR_MALFORMED);

    ck_assert_int_eq(rtp_rtcp_packet_parse(NULL, 8, &pkt), RTP_ERR_INVALID_ARG);
}
END_TEST

START_TEST(iter_padding_only_on_last)
{
    /* RFC 3550 6.4.1: the P bit on the first packet of two is an error. */
    uint8_t b[sizeof padded_compound_vec];
    memcpy(b, padded_compound_vec, sizeof b);
    b[0] |= 0x20;
    b[7] = 4;
    rtp_rtcp_iter_t it;
    rtp_rtcp_iter_init(&it, b, sizeof b);
    rtp_rtcp_packet_t pkt;
    ck_assert_int_eq(rtp_rtcp_iter_next(&it, &pkt), RTP_ERR_MALFORMED);
    /* Sticky. */
    ck_assert_int_eq(rtp_rtcp_iter_next(&it, &pkt), RTP_ERR_MALFORMED);

    /* The same packet alone is fine. */
    rtp_rtcp_iter_init(&it, b, 8);
    ck_assert_int_eq(rtp_rtcp_iter_next(&it, &pkt), RTP_OK);
    ck_assert_int_eq(rtp_rtcp_iter_next(&it, &pkt), RTP_ERR_END);
}
END_TEST

START_TEST(iter_trailing_and_empty)
{
    uint8_t b[12];
    memcpy(b, rr_empty_vec, 8);
    memset(b + 8, 0x80, 4);
    rtp_rtcp_iter_t it;
    rtp_rtcp_packet_t pkt;
    /* 2 stray bytes after a packet: the lengths do not add up (A.2). */
    rtp_rtcp_iter_init(&it, b, 10);
    ck_assert_int_eq(rtp_rtcp_iter_next(&it, &pkt), RTP_OK);
    ck_assert_int_eq(rtp_rtcp_iter_next(&it, &pkt), RTP_ERR_TRUNCATED);

    rtp_rtcp_iter_init(&it, NULL, 0);
    ck_assert_int_eq(rtp_rtcp_iter_next(&it, &pkt), RTP_ERR_END);
    ck_assert_int_eq(rtp_rtcp_check_compound(b, 0), RTP_ERR_TRUNCATED);
}
END_TEST

START_TEST(compound_checks)
{
    /* RFC 3550 A.2 wants SR or RR first; RFC 5506 lets anything lead. */
    ck_assert_int_eq(rtp_rtcp_check_compound(compound_vec, sizeof compound_vec), RTP_OK);
    ck_assert_int_eq(rtp_rtcp_check_compound(padded_compound_vec, sizeof padded_compound_vec),
                     RTP_OK);
    ck_assert_int_eq(rtp_rtcp_check_compound(sdes_vec, sizeof sdes_vec), RTP_ERR_MALFORMED);
    ck_assert_int_eq(rtp_rtcp_check_compound(bye_vec, sizeof bye_vec), RTP_ERR_MALFORMED);
    uint8_t b[sizeof compound_vec];
    memcpy(b, compound_vec, sizeof b);
    b[28] = 0x41; /* second packet's version */
    ck_assert_int_eq(rtp_rtcp_check_compound(b, sizeof b), RTP_ERR_BAD_VERSION);
}
END_TEST

START_TEST(write_header_limits)
{
    uint8_t b[8] = { 0 };
    ck_assert_int_eq(rtp_rtcp_write_header(b, 8, 31, 204), RTP_OK);
    ck_assert_mem_eq(b, "\x9f\xcc\x00\x01", 4);
    ck_assert_int_eq(rtp_rtcp_write_header(b, 8, 32, 204), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(rtp_rtcp_write_header(b, 6, 0, 204), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(rtp_rtcp_write_header(b, 0, 0, 204), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(rtp_rtcp_write_header(b, RTP_RTCP_MAX_PACKET_SIZE + 4, 0, 204),
                     RTP_ERR_INVALID_ARG);
}
END_TEST

/* ---- SR and RR --------------------------------------------------------- */

static rtp_rtcp_packet_t one_packet(const uint8_t *bytes, size_t len)
{
    rtp_rtcp_packet_t pkt;
    ck_assert_int_eq(rtp_rtcp_packet_parse(bytes, len, &pkt), RTP_OK);
    ck_assert_uint_eq(pkt.size, len);
    return pkt;
}

/* Builds with every capacity below the needed one (NO_SPACE, written 0)
 * and at exactly the needed one, which must give `expect`. */
typedef rtp_err_t (*build_fn)(uint8_t *buf, size_t cap, const void *arg, size_t *written);

static void check_build(build_fn build, const void *arg, const uint8_t *expect, size_t len)
{
    uint8_t out[512];
    size_t written = 99;
    for (size_t cap = 0; cap < len; cap++) {
        ck_assert_int_eq(build(out, cap, arg, &written), RTP_ERR_NO_SPACE);
        ck_assert_uint_eq(written, 0);
    }
    ck_assert_int_eq(build(out, len, arg, &written), RTP_OK);
    ck_assert_uint_eq(written, len);
    ck_assert_mem_eq(out, expect, len);
}

static rtp_err_t build_sr(uint8_t *buf, size_t cap, const void *arg, size_t *written)
{
    return rtp_rtcp_build_sr(buf, cap, arg, written);
}

static rtp_err_t build_rr(uint8_t *buf, size_t cap, const void *arg, size_t *written)
{
    return rtp_rtcp_build_rr(buf, cap, arg, written);
}

static rtp_err_t build_bye(uint8_t *buf, size_t cap, const void *arg, size_t *written)
{
    return rtp_rtcp_build_bye(buf, cap, arg, written);
}

static rtp_err_t build_app(uint8_t *buf, size_t cap, const void *arg, size_t *written)
{
    return rtp_rtcp_build_app(buf, cap, arg, written);
}

START_TEST(sr_values_and_round_trip)
{
    rtp_rtcp_packet_t pkt = one_packet(sr_vec, sizeof sr_vec);
    rtp_rtcp_sr_t sr;
    ck_assert_int_eq(rtp_rtcp_parse_sr(&pkt, &sr), RTP_OK);
    ck_assert_uint_eq(sr.ssrc, 0x11223344);
    ck_assert_uint_eq(sr.info.ntp, 0xe8f0a1b280000000ull);
    ck_assert_uint_eq(sr.info.rtp_ts, 90000);
    ck_assert_uint_eq(sr.info.packet_count, 100);
    ck_assert_uint_eq(sr.info.octet_count, 50000);
    ck_assert_uint_eq(sr.n_blocks, 1);
    const rtp_rtcp_report_block_t *b = &sr.blocks[0];
    ck_assert_uint_eq(b->ssrc, 0x55667788);
    ck_assert_uint_eq(b->fraction_lost, 64);
    ck_assert_int_eq(b->cumulative_lost, -2);
    ck_assert_uint_eq(b->ext_highest_seq, 0x1ffff);
    ck_assert_uint_eq(b->jitter, 42);
    ck_assert_uint_eq(b->lsr, 0xa1b28000);
    ck_assert_uint_eq(b->dlsr, 0x18000);
    ck_assert_uint_eq(sr.ext_len, 0);
    check_build(build_sr, &sr, sr_vec, sizeof sr_vec);

    /* Wrong type for the parser. */
    ck_assert_int_eq(rtp_rtcp_parse_rr(&pkt, &(rtp_rtcp_rr_t){ 0 }), RTP_ERR_INVALID_ARG);
}
END_TEST

START_TEST(rr_values_and_round_trip)
{
    rtp_rtcp_packet_t pkt = one_packet(rr_vec, sizeof rr_vec);
    rtp_rtcp_rr_t rr;
    ck_assert_int_eq(rtp_rtcp_parse_rr(&pkt, &rr), RTP_OK);
    ck_assert_uint_eq(rr.ssrc, 0x01020304);
    ck_assert_uint_eq(rr.n_blocks, 2);
    ck_assert_uint_eq(rr.blocks[0].ssrc, 0x0a0b0c0d);
    ck_assert_uint_eq(rr.blocks[0].ext_highest_seq, 0x1000);
    ck_assert_int_eq(rr.blocks[0].cumulative_lost, 0);
    ck_assert_uint_eq(rr.blocks[1].fraction_lost, 0xff);
    ck_assert_int_eq(rr.blocks[1].cumulative_lost, 0x7fffff);
    ck_assert_uint_eq(rr.blocks[1].ext_highest_seq, 0x12345678);
    ck_assert_uint_eq(rr.blocks[1].jitter, 256);
    ck_assert_uint_eq(rr.blocks[1].lsr, 0x11223344);
    ck_assert_uint_eq(rr.blocks[1].dlsr, 1);
    check_build(build_rr, &rr, rr_vec, sizeof rr_vec);

    pkt = one_packet(rr_empty_vec, sizeof rr_empty_vec);
    ck_assert_int_eq(rtp_rtcp_parse_rr(&pkt, &rr), RTP_OK);
    ck_assert_uint_eq(rr.ssrc, 0xdeadbeef);
    ck_assert_uint_eq(rr.n_blocks, 0);
    check_build(build_rr, &rr, rr_empty_vec, sizeof rr_empty_vec);
}
END_TEST

START_TEST(rr_count_exceeds_body)
{
    /* RC=3 but room for two blocks: the length rules. */
    uint8_t b[sizeof rr_vec];
    memcpy(b, rr_vec, sizeof b);
    b[0] = 0x83;
    rtp_rtcp_packet_t pkt = one_packet(b, sizeof b);
    rtp_rtcp_rr_t rr;
    ck_assert_int_eq(rtp_rtcp_parse_rr(&pkt, &rr), RTP_ERR_MALFORMED);
    rtp_rtcp_msg_t msg;
    ck_assert_int_eq(rtp_rtcp_parse(&pkt, &msg), RTP_ERR_MALFORMED);
}
END_TEST

START_TEST(report_extension_and_limits)
{
    /* A profile-specific extension after the blocks survives a round trip. */
    static const uint8_t ext[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    rtp_rtcp_rr_t rr = { .ssrc = 7, .n_blocks = 1, .ext = ext, .ext_len = sizeof ext };
    rr.blocks[0].cumulative_lost = -(1 << 23);
    uint8_t out[64];
    size_t len;
    ck_assert_int_eq(rtp_rtcp_build_rr(out, sizeof out, &rr, &len), RTP_OK);
    ck_assert_uint_eq(len, 4 + 4 + 24 + 8);
    rtp_rtcp_packet_t pkt = one_packet(out, len);
    rtp_rtcp_rr_t back;
    ck_assert_int_eq(rtp_rtcp_parse_rr(&pkt, &back), RTP_OK);
    ck_assert_int_eq(back.blocks[0].cumulative_lost, -(1 << 23));
    ck_assert_uint_eq(back.ext_len, 8);
    ck_assert_mem_eq(back.ext, ext, 8);

    rr.blocks[0].cumulative_lost = 1 << 23;
    ck_assert_int_eq(rtp_rtcp_build_rr(out, sizeof out, &rr, &len), RTP_ERR_INVALID_ARG);
    rr.blocks[0].cumulative_lost = 0;
    rr.ext_len = 6;
    ck_assert_int_eq(rtp_rtcp_build_rr(out, sizeof out, &rr, &len), RTP_ERR_INVALID_ARG);
    rr.ext_len = 0;
    rr.n_blocks = 32;
    ck_assert_int_eq(rtp_rtcp_build_rr(out, sizeof out, &rr, &len), RTP_ERR_INVALID_ARG);
}
END_TEST

/* ---- SDES -------------------------------------------------------------- */

START_TEST(sdes_items)
{
    rtp_rtcp_packet_t pkt = one_packet(sdes_vec, sizeof sdes_vec);
    rtp_rtcp_sdes_t sdes;
    ck_assert_int_eq(rtp_rtcp_parse_sdes(&pkt, &sdes), RTP_OK);
    ck_assert_uint_eq(sdes.n_chunks, 3);

    rtp_rtcp_sdes_iter_t it;
    rtp_rtcp_sdes_iter_init(&it, &sdes);
    rtp_rtcp_sdes_item_t item;
    ck_assert_int_eq(rtp_rtcp_sdes_next(&it, &item), RTP_OK);
    ck_assert_uint_eq(item.ssrc, 0x11223344);
    ck_assert_uint_eq(item.type, RTP_RTCP_SDES_CNAME);
    ck_assert_uint_eq(item.length, 12);
    ck_assert_mem_eq(item.text, "bob@10.0.0.1", 12);
    ck_assert_int_eq(rtp_rtcp_sdes_next(&it, &item), RTP_OK);
    ck_assert_uint_eq(item.ssrc, 0x55667788);
    ck_assert_uint_eq(item.type, RTP_RTCP_SDES_NAME);
    ck_assert_mem_eq(item.text, "Al", 2);
    ck_assert_int_eq(rtp_rtcp_sdes_next(&it, &item), RTP_OK);
    ck_assert_uint_eq(item.type, RTP_RTCP_SDES_TOOL);
    ck_assert_uint_eq(item.length, 1);
    ck_assert_int_eq(rtp_rtcp_sdes_next(&it, &item), RTP_ERR_END);

    ck_assert_int_eq(rtp_rtcp_sdes_find(&sdes, 0x55667788, RTP_RTCP_SDES_TOOL, &item), RTP_OK);
    ck_assert_mem_eq(item.text, "x", 1);
    ck_assert_int_eq(rtp_rtcp_sdes_find(&sdes, 0x99aabbcc, RTP_RTCP_SDES_CNAME, &item),
                     RTP_ERR_NOT_FOUND);

    /* Rebuilding the three chunks gives the same bytes. */
    rtp_rtcp_sdes_item_t items1[] = { { 0, RTP_RTCP_SDES_CNAME, 12, "bob@10.0.0.1" } };
    rtp_rtcp_sdes_item_t items2[] = { { 0, RTP_RTCP_SDES_NAME, 2, "Al" },
                                      { 0, RTP_RTCP_SDES_TOOL, 1, "x" } };
    rtp_rtcp_sdes_chunk_t chunks[] = { { 0x11223344, items1, 1 },
                                       { 0x55667788, items2, 2 },
                                       { 0x99aabbcc, NULL, 0 } };
    uint8_t out[64];
    size_t len;
    for (size_t cap = 0; cap < sizeof sdes_vec; cap++)
        ck_assert_int_eq(rtp_rtcp_build_sdes(out, cap, chunks, 3, &len), RTP_ERR_NO_SPACE);
    ck_assert_int_eq(rtp_rtcp_build_sdes(out, sizeof out, chunks, 3, &len), RTP_OK);
    ck_assert_uint_eq(len, sizeof sdes_vec);
    ck_assert_mem_eq(out, sdes_vec, len);
}
END_TEST

START_TEST(sdes_cname_builder)
{
    /* The CNAME chunk of compound_vec. */
    uint8_t out[32];
    size_t len;
    ck_assert_int_eq(rtp_rtcp_build_sdes_cname(out, sizeof out, 0x11223344, "a@b", 3, &len),
                     RTP_OK);
    ck_assert_uint_eq(len, 16);
    ck_assert_mem_eq(out, compound_vec + 28, 16);

    /* A CNAME whose item ends on a word boundary gets four nulls. */
    ck_assert_int_eq(rtp_rtcp_build_sdes_cname(out, sizeof out, 1, "ab", 2, &len), RTP_OK);
    ck_assert_uint_eq(len, 16);
    ck_assert_mem_eq(out + 8,
                     "\x01\x02"
                     "ab\0\0\0\0",
                     8);

    char big[256];
    memset(big, 'c', sizeof big);
    ck_assert_int_eq(rtp_rtcp_build_sdes_cname(out, sizeof out, 1, big, 256, &len),
                     RTP_ERR_INVALID_ARG);
    uint8_t room[300];
    ck_assert_int_eq(rtp_rtcp_build_sdes_cname(room, sizeof room, 1, big, 255, &len), RTP_OK);
    rtp_rtcp_packet_t pkt = one_packet(room, len);
    rtp_rtcp_sdes_t sdes;
    rtp_rtcp_sdes_item_t item;
    ck_assert_int_eq(rtp_rtcp_parse_sdes(&pkt, &sdes), RTP_OK);
    ck_assert_int_eq(rtp_rtcp_sdes_find(&sdes, 1, RTP_RTCP_SDES_CNAME, &item), RTP_OK);
    ck_assert_uint_eq(item.length, 255);
}
END_TEST

START_TEST(sdes_malformed)
{
    uint8_t b[sizeof sdes_vec];
    rtp_rtcp_packet_t pkt;
    rtp_rtcp_sdes_t sdes;

    /* An item length running past the body. */
    memcpy(b, sdes_vec, sizeof b);
    b[9] = 200;
    pkt = one_packet(b, sizeof b);
    ck_assert_int_eq(rtp_rtcp_parse_sdes(&pkt, &sdes), RTP_ERR_MALFORMED);

    /* SC says four chunks, three present. */
    memcpy(b, sdes_vec, sizeof b);
    b[0] = 0x84;
    pkt = one_packet(b, sizeof b);
    ck_assert_int_eq(rtp_rtcp_parse_sdes(&pkt, &sdes), RTP_ERR_MALFORMED);

    /* SC says two chunks, three present: stray bytes. */
    b[0] = 0x82;
    pkt = one_packet(b, sizeof b);
    ck_assert_int_eq(rtp_rtcp_parse_sdes(&pkt, &sdes), RTP_ERR_MALFORMED);

    /* A chunk without its terminating null octet. */
    static const uint8_t no_null[] = { 0x81, 202, 0, 2, 1, 2, 3, 4, 0x01, 2, 'a', 'b' };
    pkt = one_packet(no_null, sizeof no_null);
    ck_assert_int_eq(rtp_rtcp_parse_sdes(&pkt, &sdes), RTP_ERR_MALFORMED);

    /* An empty SDES (SC=0) is valid. */
    static const uint8_t empty[] = { 0x80, 202, 0, 0 };
    pkt = one_packet(empty, sizeof empty);
    ck_assert_int_eq(rtp_rtcp_parse_sdes(&pkt, &sdes), RTP_OK);
    ck_assert_uint_eq(sdes.n_chunks, 0);
}
END_TEST

/* ---- BYE and APP ------------------------------------------------------- */

START_TEST(bye_values_and_round_trip)
{
    rtp_rtcp_packet_t pkt = one_packet(bye_vec, sizeof bye_vec);
    rtp_rtcp_bye_t bye;
    ck_assert_int_eq(rtp_rtcp_parse_bye(&pkt, &bye), RTP_OK);
    ck_assert_uint_eq(bye.n_ssrcs, 2);
    ck_assert_uint_eq(bye.ssrcs[0], 0x11223344);
    ck_assert_uint_eq(bye.ssrcs[1], 0x55667788);
    ck_assert_uint_eq(bye.reason_len, 4);
    ck_assert_mem_eq(bye.reason, "done", 4);
    check_build(build_bye, &bye, bye_vec, sizeof bye_vec);

    /* Without a reason: just the SSRC list. */
    rtp_rtcp_bye_t plain = { .n_ssrcs = 1, .ssrcs = { 9 } };
    static const uint8_t plain_vec[] = { 0x81, 203, 0, 1, 0, 0, 0, 9 };
    check_build(build_bye, &plain, plain_vec, sizeof plain_vec);
    pkt = one_packet(plain_vec, sizeof plain_vec);
    ck_assert_int_eq(rtp_rtcp_parse_bye(&pkt, &bye), RTP_OK);
    ck_assert_ptr_null(bye.reason);

    /* A reason longer than the packet. */
    uint8_t b[sizeof bye_vec];
    memcpy(b, bye_vec, sizeof b);
    b[12] = 9;
    pkt = one_packet(b, sizeof b);
    ck_assert_int_eq(rtp_rtcp_parse_bye(&pkt, &bye), RTP_ERR_MALFORMED);
    /* SC larger than the list. */
    memcpy(b, bye_vec, sizeof b);
    b[0] = 0x85;
    pkt = one_packet(b, sizeof b);
    ck_assert_int_eq(rtp_rtcp_parse_bye(&pkt, &bye), RTP_ERR_MALFORMED);
}
END_TEST

START_TEST(app_values_and_round_trip)
{
    rtp_rtcp_packet_t pkt = one_packet(app_vec, sizeof app_vec);
    rtp_rtcp_app_t app;
    ck_assert_int_eq(rtp_rtcp_parse_app(&pkt, &app), RTP_OK);
    ck_assert_uint_eq(app.subtype, 5);
    ck_assert_uint_eq(app.ssrc, 0x11223344);
    ck_assert_mem_eq(app.name, "TEST", 4);
    ck_assert_uint_eq(app.data_len, 4);
    ck_assert_mem_eq(app.data, "\x01\x02\x03\x04", 4);
    check_build(build_app, &app, app_vec, sizeof app_vec);

    app.data_len = 3;
    uint8_t out[32];
    size_t len;
    ck_assert_int_eq(rtp_rtcp_build_app(out, sizeof out, &app, &len), RTP_ERR_INVALID_ARG);
    app.data_len = 4;
    app.subtype = 32;
    ck_assert_int_eq(rtp_rtcp_build_app(out, sizeof out, &app, &len), RTP_ERR_INVALID_ARG);

    static const uint8_t short_app[] = { 0x80, 204, 0, 1, 1, 2, 3, 4 };
    pkt = one_packet(short_app, sizeof short_app);
    ck_assert_int_eq(rtp_rtcp_parse_app(&pkt, &app), RTP_ERR_MALFORMED);
}
END_TEST

/* ---- Dispatch and appending builders ----------------------------------- */

START_TEST(dispatch_table)
{
    ck_assert_int_eq(rtp_rtcp_kind_of(200, 3), RTP_RTCP_KIND_SR);
    ck_assert_int_eq(rtp_rtcp_kind_of(205, 1), RTP_RTCP_KIND_NACK);
    ck_assert_int_eq(rtp_rtcp_kind_of(205, 15), RTP_RTCP_KIND_TWCC);
    ck_assert_int_eq(rtp_rtcp_kind_of(206, 1), RTP_RTCP_KIND_PLI);
    ck_assert_int_eq(rtp_rtcp_kind_of(206, 4), RTP_RTCP_KIND_FIR);
    ck_assert_int_eq(rtp_rtcp_kind_of(206, 15), RTP_RTCP_KIND_REMB);
    ck_assert_int_eq(rtp_rtcp_kind_of(205, 3), RTP_RTCP_KIND_UNKNOWN); /* TMMBR */
    ck_assert_int_eq(rtp_rtcp_kind_of(207, 0), RTP_RTCP_KIND_UNKNOWN); /* XR */
    ck_assert_str_eq(rtp_rtcp_kind_name(RTP_RTCP_KIND_TWCC), "TWCC");
    ck_assert_str_eq(rtp_rtcp_kind_name(RTP_RTCP_KIND__COUNT), "invalid");

    /* XR (RFC 3611, PT 207) iterates but does not parse. */
    static const uint8_t xr[] = { 0x80, 207, 0, 1, 1, 2, 3, 4 };
    rtp_rtcp_packet_t pkt = one_packet(xr, sizeof xr);
    rtp_rtcp_msg_t msg;
    ck_assert_int_eq(rtp_rtcp_parse(&pkt, &msg), RTP_ERR_UNSUPPORTED);
    ck_assert_int_eq(msg.kind, RTP_RTCP_KIND_UNKNOWN);

    pkt = one_packet(bye_vec, sizeof bye_vec);
    ck_assert_int_eq(rtp_rtcp_parse(&pkt, &msg), RTP_OK);
    ck_assert_int_eq(msg.kind, RTP_RTCP_KIND_BYE);
    ck_assert_uint_eq(msg.u.bye.ssrcs[1], 0x55667788);
}
END_TEST

START_TEST(build_compound_by_appending)
{
    /* Given an RR, an SDES CNAME and a PLI appended into one buffer, */
    uint8_t buf[128];
    size_t used = 0, len;
    rtp_rtcp_rr_t rr = { .ssrc = 0x01020304 };
    ck_assert_int_eq(rtp_rtcp_build_rr(buf, sizeof buf, &rr, &len), RTP_OK);
    used += len;
    ck_assert_int_eq(
        rtp_rtcp_build_sdes_cname(buf + used, sizeof buf - used, 0x01020304, "me", 2, &len),
        RTP_OK);
    used += len;
    rtp_rtcp_pli_t pli = { 0x01020304, 0x0a0b0c0d };
    ck_assert_int_eq(rtp_rtcp_build_pli(buf + used, sizeof buf - used, &pli, &len), RTP_OK);
    used += len;

    /* when it is walked, then the three come back in order, valid by A.2. */
    ck_assert_int_eq(rtp_rtcp_check_compound(buf, used), RTP_OK);
    rtp_rtcp_iter_t it;
    rtp_rtcp_iter_init(&it, buf, used);
    rtp_rtcp_packet_t pkt;
    rtp_rtcp_msg_t msg;
    const rtp_rtcp_kind_t kinds[] = { RTP_RTCP_KIND_RR, RTP_RTCP_KIND_SDES, RTP_RTCP_KIND_PLI };
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(rtp_rtcp_iter_next(&it, &pkt), RTP_OK);
        ck_assert_int_eq(rtp_rtcp_parse(&pkt, &msg), RTP_OK);
        ck_assert_int_eq(msg.kind, kinds[i]);
    }
    ck_assert_uint_eq(msg.u.pli.media_ssrc, 0x0a0b0c0d);
    ck_assert_int_eq(rtp_rtcp_iter_next(&it, &pkt), RTP_ERR_END);

    /* A reduced-size datagram (RFC 5506): the PLI alone. */
    size_t pli_at = used - 12;
    rtp_rtcp_iter_init(&it, buf + pli_at, 12);
    ck_assert_int_eq(rtp_rtcp_iter_next(&it, &pkt), RTP_OK);
    ck_assert_int_eq(rtp_rtcp_parse(&pkt, &msg), RTP_OK);
    ck_assert_int_eq(msg.kind, RTP_RTCP_KIND_PLI);
    ck_assert_int_eq(rtp_rtcp_check_compound(buf + pli_at, 12), RTP_ERR_MALFORMED);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("rtp_rtcp");
    TCase *tc = tcase_create("vectors");
    tcase_add_loop_test(tc, vector_parses, 0, (int)N_VECTORS);
    tcase_add_loop_test(tc, vector_prefixes_fail, 0, (int)N_VECTORS);
    suite_add_tcase(s, tc);

    tc = tcase_create("header");
    tcase_add_test(tc, header_fields);
    tcase_add_test(tc, header_rejects);
    tcase_add_test(tc, iter_padding_only_on_last);
    tcase_add_test(tc, iter_trailing_and_empty);
    tcase_add_test(tc, compound_checks);
    tcase_add_test(tc, write_header_limits);
    suite_add_tcase(s, tc);

    tc = tcase_create("reports");
    tcase_add_test(tc, sr_values_and_round_trip);
    tcase_add_test(tc, rr_values_and_round_trip);
    tcase_add_test(tc, rr_count_exceeds_body);
    tcase_add_test(tc, report_extension_and_limits);
    suite_add_tcase(s, tc);

    tc = tcase_create("sdes_bye_app");
    tcase_add_test(tc, sdes_items);
    tcase_add_test(tc, sdes_cname_builder);
    tcase_add_test(tc, sdes_malformed);
    tcase_add_test(tc, bye_values_and_round_trip);
    tcase_add_test(tc, app_values_and_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("dispatch");
    tcase_add_test(tc, dispatch_table);
    tcase_add_test(tc, build_compound_by_appending);
    suite_add_tcase(s, tc);
    return s;
}
