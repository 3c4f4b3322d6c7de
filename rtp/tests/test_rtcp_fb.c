/* RTCP feedback: Generic NACK (RFC 4585 6.2.1) with expansion and
 * compression, transport-wide CC feedback
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1), PLI
 * (RFC 4585 6.3.1), FIR (RFC 5104 4.3.1) and REMB
 * (draft-alvestrand-rmcat-remb-03 2.2). Vectors are hand-built from those
 * layouts; each names its section. */
#include "rtp/rtp.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* ---- Vectors ----------------------------------------------------------- */

/* RFC 4585 6.2.1: NACK from 0x11111111 about 0x22222222: PID 100 with BLP
 * bits 0 and 2, so 100, 101 and 103 are lost. */
static const uint8_t nack_vec[] = {
    0x81, 205, 0x00, 0x03, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0x00, 0x64, 0x00, 0x05,
};

/* RFC 4585 6.2.1 across the wrap: PID 65534, BLP 0b10111, so 65534, 65535,
 * 0, 1 and 3; a second item PID 20 with no BLP. */
static const uint8_t nack_wrap_vec[] = {
    0x81, 205, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xfe, 0x00, 0x17, 0x00, 0x14, 0x00, 0x00,
};

/* draft section 3.1 with the status vector of 3.1.4 Example 1 (1-bit
 * symbols 0 1 1 1 1 1 0 0 0 1 1 1 0 0, chunk 0x9F1C). Base sequence 65530
 * so the 14 statuses cross 65535 -> 0, reference time 1 (64 ms), feedback
 * count 7, then eight small deltas and two bytes of zero padding. */
static const uint8_t twcc_vec1[] = {
    0x8f, 205,  0x00, 0x07, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0xff, 0xfa, 0x00, 0x0e,
    0x00, 0x00, 0x01, 0x07, 0x9f, 0x1c, 0x04, 0x08, 0x00, 0xff, 0x01, 0x10, 0x02, 0x03, 0x00, 0x00,
};

/* draft section 3.1 with four chunks: 3.1.3 Example 1 (run of 221 "not
 * received", 0x00DD), 3.1.3 Example 2 (run of 24 symbol 11, 0x6018), 3.1.4
 * Example 2 (2-bit vector 00 11 01 01 01 00 00, 0xCD50) and a 2-bit vector
 * 10 10 01 00 00 00 00 (0xE900) of which the status count of 255 uses the
 * first three. Reference time -2 (0xFFFFFE), feedback count 255. Deltas:
 * small 0x10 0x20 0x30, large 0x1000 and -200 (0xFF38), small 0x05. */
static const uint8_t twcc_vec2[] = {
    0x8f, 205,  0x00, 0x08, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,
    0x03, 0xe8, 0x00, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xdd, 0x60, 0x18,
    0xcd, 0x50, 0xe9, 0x00, 0x10, 0x20, 0x30, 0x10, 0x00, 0xff, 0x38, 0x05,
};

/* RFC 4585 6.3.1: PLI, no FCI. */
static const uint8_t pli_vec[] = {
    0x81, 206, 0x00, 0x02, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,
};

/* RFC 5104 4.3.1: FIR with media SSRC 0 and two entries (SSRC, seq nr,
 * 24 reserved bits). */
static const uint8_t fir_vec[] = {
    0x84, 206,  0x00, 0x06, 0x11, 0x11, 0x11, 0x11, 0x00, 0x00, 0x00, 0x00, 0x33, 0x33,
    0x33, 0x33, 0x05, 0x00, 0x00, 0x00, 0x44, 0x44, 0x44, 0x44, 0x06, 0x00, 0x00, 0x00,
};

/* draft-alvestrand-rmcat-remb-03 2.2: REMB of 1 Mbit/s, exponent 2 and
 * mantissa 250000 (0x3D090, so 0x0BD090 with the exponent), one SSRC. */
static const uint8_t remb_vec[] = {
    0x8f, 206, 0x00, 0x05, 0x11, 0x11, 0x11, 0x11, 0x00, 0x00, 0x00, 0x00,
    'R',  'E', 'M',  'B',  0x01, 0x0b, 0xd0, 0x90, 0x33, 0x33, 0x33, 0x33,
};

typedef struct vector {
    const char *name;
    const uint8_t *bytes;
    size_t len;
    rtp_rtcp_kind_t kind;
    size_t cut_ok; /* shortest cut that is still valid (fewer list items); 0: none */
} vector_t;

#define VEC(v, kind, cut_ok)          \
    {                                 \
#v, v, sizeof v, kind, cut_ok \
    }
static const vector_t vectors[] = {
    VEC(nack_vec, RTP_RTCP_KIND_NACK, 0),  VEC(nack_wrap_vec, RTP_RTCP_KIND_NACK, 16),
    VEC(twcc_vec1, RTP_RTCP_KIND_TWCC, 0), VEC(twcc_vec2, RTP_RTCP_KIND_TWCC, 0),
    VEC(pli_vec, RTP_RTCP_KIND_PLI, 0),    VEC(fir_vec, RTP_RTCP_KIND_FIR, 20),
    VEC(remb_vec, RTP_RTCP_KIND_REMB, 0),
};
#define N_VECTORS (sizeof vectors / sizeof vectors[0])

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static unsigned be24(const uint8_t *p)
{
    return (unsigned)p[0] << 16 | be16(p + 1);
}

static rtp_rtcp_packet_t one_packet(const uint8_t *bytes, size_t len)
{
    rtp_rtcp_packet_t pkt;
    ck_assert_int_eq(rtp_rtcp_packet_parse(bytes, len, &pkt), RTP_OK);
    ck_assert_uint_eq(pkt.size, len);
    return pkt;
}

START_TEST(vector_dispatches)
{
    const vector_t *v = &vectors[_i];
    rtp_rtcp_packet_t pkt = one_packet(v->bytes, v->len);
    rtp_rtcp_msg_t msg;
    ck_assert_msg(rtp_rtcp_parse(&pkt, &msg) == RTP_OK, "%s", v->name);
    ck_assert_int_eq(msg.kind, v->kind);
}
END_TEST

/* Every prefix fails; and so does every shortened declared length, which
 * cuts the body while keeping the header consistent with the buffer, unless
 * the cut falls between whole NACK or FIR entries. */
START_TEST(vector_prefixes_fail)
{
    const vector_t *v = &vectors[_i];
    uint8_t copy[64];
    rtp_rtcp_iter_t it;
    rtp_rtcp_packet_t pkt;
    for (size_t len = 0; len < v->len; len++) {
        memcpy(copy, v->bytes, len);
        rtp_rtcp_iter_init(&it, copy, len);
        rtp_err_t err = rtp_rtcp_iter_next(&it, &pkt);
        ck_assert_msg(err != RTP_OK, "%s prefix %zu accepted", v->name, len);
    }
    for (size_t words = 1; words < v->len / 4; words++) {
        size_t len = words * 4;
        memcpy(copy, v->bytes, len);
        copy[2] = 0;
        copy[3] = (uint8_t)(words - 1);
        pkt = one_packet(copy, len);
        rtp_rtcp_msg_t msg;
        rtp_err_t err = rtp_rtcp_parse(&pkt, &msg);
        if (v->cut_ok && len >= v->cut_ok && (len - v->cut_ok) % (v->cut_ok - 12) == 0)
            ck_assert_int_eq(err, RTP_OK);
        else
            ck_assert_msg(err != RTP_OK, "%s cut to %zu accepted", v->name, len);
    }
}
END_TEST

/* ---- Generic NACK ------------------------------------------------------ */

START_TEST(nack_values_and_expand)
{
    rtp_rtcp_packet_t pkt = one_packet(nack_vec, sizeof nack_vec);
    rtp_rtcp_nack_t nack;
    ck_assert_int_eq(rtp_rtcp_parse_nack(&pkt, &nack), RTP_OK);
    ck_assert_uint_eq(nack.sender_ssrc, 0x11111111);
    ck_assert_uint_eq(nack.media_ssrc, 0x22222222);
    ck_assert_uint_eq(nack.n_items, 1);
    rtp_rtcp_nack_item_t item = rtp_rtcp_nack_item_at(&nack, 0);
    ck_assert_uint_eq(item.pid, 100);
    ck_assert_uint_eq(item.blp, 5);
    ck_assert_uint_eq(rtp_rtcp_nack_item_at(&nack, 1).pid, 0);

    uint16_t seqs[32];
    size_t n;
    ck_assert_int_eq(rtp_rtcp_nack_expand(&nack, seqs, 32, &n), RTP_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(seqs[0], 100);
    ck_assert_uint_eq(seqs[1], 101);
    ck_assert_uint_eq(seqs[2], 103);
    ck_assert_int_eq(rtp_rtcp_nack_expand(&nack, seqs, 2, &n), RTP_ERR_NO_SPACE);
    ck_assert_uint_eq(n, 2);

    rtp_rtcp_nack_params_t params = { 0x11111111, 0x22222222, &item, 1 };
    uint8_t out[32];
    size_t len;
    ck_assert_int_eq(rtp_rtcp_build_nack(out, sizeof out, &params, &len), RTP_OK);
    ck_assert_uint_eq(len, sizeof nack_vec);
    ck_assert_mem_eq(out, nack_vec, len);
    for (size_t cap = 0; cap < len; cap++)
        ck_assert_int_eq(rtp_rtcp_build_nack(out, cap, &params, &len), RTP_ERR_NO_SPACE);
    params.n_items = 0;
    ck_assert_int_eq(rtp_rtcp_build_nack(out, sizeof out, &params, &len), RTP_ERR_INVALID_ARG);
}
END_TEST

START_TEST(nack_wrap_expand_and_compress)
{
    rtp_rtcp_packet_t pkt = one_packet(nack_wrap_vec, sizeof nack_wrap_vec);
    rtp_rtcp_nack_t nack;
    ck_assert_int_eq(rtp_rtcp_parse_nack(&pkt, &nack), RTP_OK);
    uint16_t seqs[32];
    size_t n;
    ck_assert_int_eq(rtp_rtcp_nack_expand(&nack, seqs, 32, &n), RTP_OK);
    const uint16_t expect[] = { 65534, 65535, 0, 1, 3, 20 };
    ck_assert_uint_eq(n, 6);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(seqs[i], expect[i]);

    /* Given the same losses shuffled and duplicated, compression gives the
     * vector's two items back, the run across the wrap kept whole. */
    const uint16_t shuffled[] = { 20, 1, 65535, 3, 0, 65534, 1, 20 };
    rtp_rtcp_nack_item_t items[8];
    size_t n_items;
    ck_assert_int_eq(rtp_rtcp_nack_compress(shuffled, 8, items, 8, &n_items), RTP_OK);
    ck_assert_uint_eq(n_items, 2);
    ck_assert_uint_eq(items[0].pid, 65534);
    ck_assert_uint_eq(items[0].blp, 0x0017);
    ck_assert_uint_eq(items[1].pid, 20);
    ck_assert_uint_eq(items[1].blp, 0);
    rtp_rtcp_nack_params_t params = { 1, 2, items, n_items };
    uint8_t out[32];
    size_t len;
    ck_assert_int_eq(rtp_rtcp_build_nack(out, sizeof out, &params, &len), RTP_OK);
    ck_assert_uint_eq(len, sizeof nack_wrap_vec);
    ck_assert_mem_eq(out, nack_wrap_vec, len);

    ck_assert_int_eq(rtp_rtcp_nack_compress(shuffled, 8, items, 1, &n_items), RTP_ERR_NO_SPACE);
    ck_assert_uint_eq(n_items, 1);
    ck_assert_uint_eq(items[0].pid, 65534);
}
END_TEST

START_TEST(nack_compress_edges)
{
    rtp_rtcp_nack_item_t items[8];
    size_t n;
    ck_assert_int_eq(rtp_rtcp_nack_compress(NULL, 0, items, 8, &n), RTP_OK);
    ck_assert_uint_eq(n, 0);

    /* PID+16 is the last BLP bit; PID+17 starts a new item. */
    const uint16_t reach[] = { 10, 26, 27 };
    ck_assert_int_eq(rtp_rtcp_nack_compress(reach, 3, items, 8, &n), RTP_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(items[0].pid, 10);
    ck_assert_uint_eq(items[0].blp, 0x8000);
    ck_assert_uint_eq(items[1].pid, 27);
    ck_assert_uint_eq(items[1].blp, 0);

    /* Widely spread: the order starts after the largest gap (0 -> 40000
     * is larger than 40000 -> 0 around the wrap). */
    const uint16_t spread[] = { 0, 40000 };
    ck_assert_int_eq(rtp_rtcp_nack_compress(spread, 2, items, 8, &n), RTP_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(items[0].pid, 40000);
    ck_assert_uint_eq(items[1].pid, 0);

    /* A single number at the top of the space. */
    const uint16_t top[] = { 65535 };
    ck_assert_int_eq(rtp_rtcp_nack_compress(top, 1, items, 8, &n), RTP_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(items[0].pid, 65535);
    ck_assert_uint_eq(items[0].blp, 0);
}
END_TEST

/* qsort() order for uint16_t. */
static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

START_TEST(nack_compress_expand_random)
{
    /* Given pseudo-random loss sets near the wrap, compress -> build ->
     * parse -> expand returns exactly the set (as a sorted list). */
    uint32_t state = 12345u + (uint32_t)_i;
    for (int round = 0; round < 200; round++) {
        uint16_t lost[300];
        size_t n_lost = 0;
        uint16_t base = (uint16_t)(65400 + round);
        for (uint16_t off = 0; off < 600 && n_lost < 300; off++) {
            state = state * 1103515245u + 12345u;
            if ((state >> 16) % 5 == 0)
                lost[n_lost++] = (uint16_t)(base + off);
        }
        rtp_rtcp_nack_item_t items[300];
        size_t n_items;
        ck_assert_int_eq(rtp_rtcp_nack_compress(lost, n_lost, items, 300, &n_items), RTP_OK);
        uint8_t pkt_buf[12 + 4 * 300];
        size_t len;
        rtp_rtcp_nack_params_t params = { 1, 2, items, n_items };
        if (n_lost == 0)
            continue;
        ck_assert_int_eq(rtp_rtcp_build_nack(pkt_buf, sizeof pkt_buf, &params, &len), RTP_OK);
        rtp_rtcp_packet_t pkt = one_packet(pkt_buf, len);
        rtp_rtcp_nack_t nack;
        ck_assert_int_eq(rtp_rtcp_parse_nack(&pkt, &nack), RTP_OK);
        uint16_t back[300];
        size_t n_back;
        ck_assert_int_eq(rtp_rtcp_nack_expand(&nack, back, 300, &n_back), RTP_OK);
        ck_assert_uint_eq(n_back, n_lost);
        /* Expansion is in circular order already: it equals the input
         * re-ordered from base. */
        for (size_t i = 0; i < n_lost; i++)
            ck_assert_uint_eq(back[i], lost[i]);
        qsort(back, n_back, sizeof back[0], cmp_u16);
        for (size_t i = 1; i < n_back; i++)
            ck_assert_uint_ne(back[i], back[i - 1]);
    }
}
END_TEST

START_TEST(nack_malformed)
{
    uint8_t b[sizeof nack_vec + 4];
    rtp_rtcp_packet_t pkt;
    rtp_rtcp_nack_t nack;
    /* No FCI at all. */
    memcpy(b, nack_vec, 12);
    b[3] = 2;
    pkt = one_packet(b, 12);
    ck_assert_int_eq(rtp_rtcp_parse_nack(&pkt, &nack), RTP_ERR_MALFORMED);
    /* Not a NACK. */
    pkt = one_packet(pli_vec, sizeof pli_vec);
    ck_assert_int_eq(rtp_rtcp_parse_nack(&pkt, &nack), RTP_ERR_INVALID_ARG);
}
END_TEST

/* ---- Transport-wide CC ------------------------------------------------- */

typedef struct twcc_expect {
    uint16_t index;
    rtp_rtcp_twcc_status_t status;
    int32_t delta_us;
    int64_t arrival_us;
} twcc_expect_t;

static size_t decode(const uint8_t *bytes, size_t len, rtp_rtcp_twcc_t *twcc,
                     rtp_rtcp_twcc_entry_t *entries, size_t cap)
{
    rtp_rtcp_packet_t pkt = one_packet(bytes, len);
    ck_assert_int_eq(rtp_rtcp_parse_twcc(&pkt, twcc), RTP_OK);
    size_t n;
    ck_assert_int_eq(rtp_rtcp_twcc_entries(twcc, entries, cap, &n), RTP_OK);
    ck_assert_uint_eq(n, twcc->status_count);
    return n;
}

START_TEST(twcc_one_bit_vector)
{
    rtp_rtcp_twcc_t twcc;
    rtp_rtcp_twcc_entry_t e[32];
    size_t n = decode(twcc_vec1, sizeof twcc_vec1, &twcc, e, 32);
    ck_assert_uint_eq(twcc.sender_ssrc, 0x11111111);
    ck_assert_uint_eq(twcc.media_ssrc, 0x22222222);
    ck_assert_uint_eq(twcc.base_seq, 65530);
    ck_assert_uint_eq(twcc.status_count, 14);
    ck_assert_int_eq(twcc.reference_time, 1);
    ck_assert_uint_eq(twcc.fb_pkt_count, 7);
    ck_assert_uint_eq(twcc.n_deltas, 8);
    ck_assert_uint_eq(n, 14);

    /* 1x not received, 5x received, 3x not, 3x received, 2x not; arrival =
     * 64000 us + running sum of deltas * 250 us. */
    const twcc_expect_t expect[] = {
        { 0, RTP_RTCP_TWCC_NOT_RECEIVED, 0, 0 },
        { 1, RTP_RTCP_TWCC_SMALL_DELTA, 1000, 65000 },
        { 2, RTP_RTCP_TWCC_SMALL_DELTA, 2000, 67000 },
        { 3, RTP_RTCP_TWCC_SMALL_DELTA, 0, 67000 },
        { 4, RTP_RTCP_TWCC_SMALL_DELTA, 63750, 130750 },
        { 5, RTP_RTCP_TWCC_SMALL_DELTA, 250, 131000 },
        { 6, RTP_RTCP_TWCC_NOT_RECEIVED, 0, 0 },
        { 8, RTP_RTCP_TWCC_NOT_RECEIVED, 0, 0 },
        { 9, RTP_RTCP_TWCC_SMALL_DELTA, 4000, 135000 },
        { 10, RTP_RTCP_TWCC_SMALL_DELTA, 500, 135500 },
        { 11, RTP_RTCP_TWCC_SMALL_DELTA, 750, 136250 },
        { 13, RTP_RTCP_TWCC_NOT_RECEIVED, 0, 0 },
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        const rtp_rtcp_twcc_entry_t *got = &e[expect[i].index];
        ck_assert_uint_eq(got->seq, (uint16_t)(65530 + expect[i].index));
        ck_assert_int_eq(got->status, expect[i].status);
        ck_assert_int_eq(got->delta_us, expect[i].delta_us);
        ck_assert_int_eq(got->arrival_us, expect[i].arrival_us);
    }
    ck_assert_uint_eq(e[6].seq, 0); /* 65530 + 6 wrapped */

    /* Rebuilding from (seq, received, arrival) picks the same 1-bit vector
     * and reproduces the vector byte for byte. */
    rtp_rtcp_twcc_packet_t in[14];
    for (size_t i = 0; i < 14; i++) {
        in[i].seq = e[i].seq;
        in[i].received = e[i].status != RTP_RTCP_TWCC_NOT_RECEIVED;
        in[i].arrival_us = e[i].arrival_us;
    }
    rtp_rtcp_twcc_params_t params = { 0x11111111, 0x22222222, 7, in, 14 };
    uint8_t out[64];
    size_t len;
    ck_assert_int_eq(rtp_rtcp_build_twcc(out, sizeof out, &params, &len), RTP_OK);
    ck_assert_uint_eq(len, sizeof twcc_vec1);
    ck_assert_mem_eq(out, twcc_vec1, len);
    for (size_t cap = 0; cap < len; cap++)
        ck_assert_int_eq(rtp_rtcp_build_twcc(out, cap, &params, &len), RTP_ERR_NO_SPACE);

    ck_assert_int_eq(rtp_rtcp_twcc_entries(&twcc, e, 5, &n), RTP_ERR_NO_SPACE);
    ck_assert_uint_eq(n, 5);
}
END_TEST

START_TEST(twcc_run_length_and_two_bit)
{
    rtp_rtcp_twcc_t twcc;
    static rtp_rtcp_twcc_entry_t e[300];
    size_t n = decode(twcc_vec2, sizeof twcc_vec2, &twcc, e, 300);
    ck_assert_uint_eq(n, 255);
    ck_assert_uint_eq(twcc.base_seq, 1000);
    ck_assert_int_eq(twcc.reference_time, -2);
    ck_assert_uint_eq(twcc.fb_pkt_count, 255);
    ck_assert_uint_eq(twcc.n_deltas, 6);
    ck_assert_uint_eq(twcc.chunks_len, 8);
    ck_assert_uint_eq(twcc.deltas_len, 8);

    for (size_t i = 0; i < 221; i++)
        ck_assert_int_eq(e[i].status, RTP_RTCP_TWCC_NOT_RECEIVED);
    for (size_t i = 221; i < 245; i++) {
        ck_assert_int_eq(e[i].status, RTP_RTCP_TWCC_NO_DELTA);
        ck_assert_int_eq(e[i].arrival_us, 0);
    }
    /* Reference -2 * 64 ms = -128000 us; then +4, +8, +12 ms (small),
     * +1024 ms and -50 ms (large, one negative) and +1.25 ms. */
    const twcc_expect_t expect[] = {
        { 245, RTP_RTCP_TWCC_NOT_RECEIVED, 0, 0 },
        { 246, RTP_RTCP_TWCC_NO_DELTA, 0, 0 },
        { 247, RTP_RTCP_TWCC_SMALL_DELTA, 4000, -124000 },
        { 248, RTP_RTCP_TWCC_SMALL_DELTA, 8000, -116000 },
        { 249, RTP_RTCP_TWCC_SMALL_DELTA, 12000, -104000 },
        { 250, RTP_RTCP_TWCC_NOT_RECEIVED, 0, 0 },
        { 251, RTP_RTCP_TWCC_NOT_RECEIVED, 0, 0 },
        { 252, RTP_RTCP_TWCC_LARGE_DELTA, 1024000, 920000 },
        { 253, RTP_RTCP_TWCC_LARGE_DELTA, -50000, 870000 },
        { 254, RTP_RTCP_TWCC_SMALL_DELTA, 1250, 871250 },
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        const rtp_rtcp_twcc_entry_t *got = &e[expect[i].index];
        ck_assert_uint_eq(got->seq, 1000 + expect[i].index);
        ck_assert_int_eq(got->status, expect[i].status);
        ck_assert_int_eq(got->delta_us, expect[i].delta_us);
        ck_assert_int_eq(got->arrival_us, expect[i].arrival_us);
    }
}
END_TEST

START_TEST(twcc_builder_chunk_choice)
{
    /* Given 30 lost, 20 received 1 ms apart, then received with a 100 ms
     * gap (large), 1 ms later (small), one lost, and one arriving 5 ms
     * earlier (negative, large), all across the 65535 -> 0 wrap, */
    rtp_rtcp_twcc_packet_t in[64];
    size_t n = 0;
    uint16_t seq = 65520;
    int64_t t = 10 * 64000 + 500; /* reference time 10, first delta 2 ticks */
    for (int i = 0; i < 30; i++)
        in[n++] = (rtp_rtcp_twcc_packet_t){ seq++, false, 0 };
    for (int i = 0; i < 20; i++) {
        in[n++] = (rtp_rtcp_twcc_packet_t){ seq++, true, t };
        t += 1000;
    }
    t += 100000;
    in[n++] = (rtp_rtcp_twcc_packet_t){ seq++, true, t };
    in[n++] = (rtp_rtcp_twcc_packet_t){ seq++, true, t + 1000 };
    seq++; /* a gap in the list: not received */
    in[n++] = (rtp_rtcp_twcc_packet_t){ seq++, true, t - 4000 };

    rtp_rtcp_twcc_params_t params = { 5, 6, 42, in, n };
    uint8_t out[128];
    size_t len;
    ck_assert_int_eq(rtp_rtcp_build_twcc(out, sizeof out, &params, &len), RTP_OK);
    ck_assert_uint_eq(len % 4, 0);

    /* then the chunks are RLE(not received, 30), RLE(small, 20) and one
     * 2-bit vector L S N L padded with not-received symbols, */
    ck_assert_uint_eq(be16(out + 12), 65520);
    ck_assert_uint_eq(be16(out + 14), 54);
    ck_assert_uint_eq(be24(out + 16), 10);
    ck_assert_uint_eq(out[19], 42);
    ck_assert_uint_eq(be16(out + 20), 0x001e);
    ck_assert_uint_eq(be16(out + 22), 0x2014);
    ck_assert_uint_eq(be16(out + 24), 0xc000 | 2u << 12 | 1u << 10 | 0u << 8 | 2u << 6);

    /* and parsing gives back every arrival time. */
    rtp_rtcp_packet_t pkt = one_packet(out, len);
    rtp_rtcp_twcc_t twcc;
    ck_assert_int_eq(rtp_rtcp_parse_twcc(&pkt, &twcc), RTP_OK);
    rtp_rtcp_twcc_entry_t e[64];
    size_t n_e;
    ck_assert_int_eq(rtp_rtcp_twcc_entries(&twcc, e, 64, &n_e), RTP_OK);
    ck_assert_uint_eq(n_e, 54);
    size_t k = 0;
    for (size_t i = 0; i < n_e; i++) {
        ck_assert_uint_eq(e[i].seq, (uint16_t)(65520 + i));
        if (i == 52) {
            ck_assert_int_eq(e[i].status, RTP_RTCP_TWCC_NOT_RECEIVED);
            continue;
        }
        ck_assert_uint_eq(in[k].seq, e[i].seq);
        ck_assert_int_eq(in[k].received, e[i].status != RTP_RTCP_TWCC_NOT_RECEIVED);
        if (in[k].received)
            ck_assert_int_eq(e[i].arrival_us, in[k].arrival_us);
        k++;
    }
    ck_assert_int_eq(e[50].status, RTP_RTCP_TWCC_LARGE_DELTA);
    ck_assert_int_eq(e[51].status, RTP_RTCP_TWCC_SMALL_DELTA);
    ck_assert_int_eq(e[53].status, RTP_RTCP_TWCC_LARGE_DELTA);
    ck_assert_int_eq(e[53].delta_us, -5000);
}
END_TEST

START_TEST(twcc_builder_long_runs_and_quantizing)
{
    /* 9000 statuses: more than one 13-bit run. Only the first and last
     * are received; arrival times not on the 250 us grid round down. */
    static rtp_rtcp_twcc_packet_t in[2];
    in[0] = (rtp_rtcp_twcc_packet_t){ 100, true, 1000 + 249 };
    in[1] = (rtp_rtcp_twcc_packet_t){ (uint16_t)(100 + 8999), true, 1000 + 8000000 + 10 };
    rtp_rtcp_twcc_params_t params = { 0, 0, 0, in, 2 };
    uint8_t out[64];
    size_t len;
    ck_assert_int_eq(rtp_rtcp_build_twcc(out, sizeof out, &params, &len), RTP_OK);
    rtp_rtcp_packet_t pkt = one_packet(out, len);
    rtp_rtcp_twcc_t twcc;
    ck_assert_int_eq(rtp_rtcp_parse_twcc(&pkt, &twcc), RTP_OK);
    ck_assert_uint_eq(twcc.status_count, 9000);
    /* 1-bit vector (S and 13 NR), RLE NR 8191, RLE NR 794, RLE L 1. */
    ck_assert_uint_eq(twcc.chunks_len, 4 * 2);
    static rtp_rtcp_twcc_entry_t e[9000];
    size_t n;
    ck_assert_int_eq(rtp_rtcp_twcc_entries(&twcc, e, 9000, &n), RTP_OK);
    ck_assert_int_eq(e[0].arrival_us, 1000);
    ck_assert_int_eq(e[8999].arrival_us, 8001000);
    ck_assert_int_eq(e[8999].status, RTP_RTCP_TWCC_LARGE_DELTA);
    ck_assert_int_eq(e[4000].status, RTP_RTCP_TWCC_NOT_RECEIVED);
}
END_TEST

START_TEST(twcc_builder_rejects)
{
    rtp_rtcp_twcc_packet_t in[3] = { { 10, true, 0 }, { 12, true, 1000 }, { 11, true, 2000 } };
    rtp_rtcp_twcc_params_t params = { 0, 0, 0, in, 3 };
    uint8_t out[64];
    size_t len;
    /* Out of order. */
    ck_assert_int_eq(rtp_rtcp_build_twcc(out, sizeof out, &params, &len), RTP_ERR_INVALID_ARG);
    /* Duplicate. */
    in[2].seq = 12;
    ck_assert_int_eq(rtp_rtcp_build_twcc(out, sizeof out, &params, &len), RTP_ERR_INVALID_ARG);
    /* A delta beyond 8191.75 ms. */
    in[2] = (rtp_rtcp_twcc_packet_t){ 13, true, 1000 + 8192000 };
    ck_assert_int_eq(rtp_rtcp_build_twcc(out, sizeof out, &params, &len), RTP_ERR_INVALID_ARG);
    in[2].arrival_us = 1000 + 8191750;
    ck_assert_int_eq(rtp_rtcp_build_twcc(out, sizeof out, &params, &len), RTP_OK);
    /* A reference time beyond 24 bits. */
    in[0].arrival_us = (int64_t)64000 << 23;
    in[1].arrival_us = in[2].arrival_us = in[0].arrival_us;
    ck_assert_int_eq(rtp_rtcp_build_twcc(out, sizeof out, &params, &len), RTP_ERR_INVALID_ARG);
    params.n_packets = 0;
    ck_assert_int_eq(rtp_rtcp_build_twcc(out, sizeof out, &params, &len), RTP_ERR_INVALID_ARG);

    /* Nothing received: reference time 0, a single run. */
    rtp_rtcp_twcc_packet_t lost[2] = { { 1, false, 0 }, { 5, false, 0 } };
    params = (rtp_rtcp_twcc_params_t){ 0, 0, 0, lost, 2 };
    ck_assert_int_eq(rtp_rtcp_build_twcc(out, sizeof out, &params, &len), RTP_OK);
    ck_assert_uint_eq(len, 24);
    ck_assert_uint_eq(be16(out + 20), 5);
}
END_TEST

START_TEST(twcc_malformed)
{
    uint8_t b[sizeof twcc_vec1];
    rtp_rtcp_packet_t pkt;
    rtp_rtcp_twcc_t twcc;
    /* Status count 0. */
    memcpy(b, twcc_vec1, sizeof b);
    b[14] = b[15] = 0;
    pkt = one_packet(b, sizeof b);
    ck_assert_int_eq(rtp_rtcp_parse_twcc(&pkt, &twcc), RTP_ERR_MALFORMED);
    /* Status count needing more chunks than the packet holds. */
    memcpy(b, twcc_vec1, sizeof b);
    b[14] = b[15] = 0xff;
    pkt = one_packet(b, sizeof b);
    ck_assert_int_eq(rtp_rtcp_parse_twcc(&pkt, &twcc), RTP_ERR_MALFORMED);
    /* A vector of 2-bit "large" symbols needs 14 delta bytes, 10 remain. */
    memcpy(b, twcc_vec1, sizeof b);
    b[15] = 7;
    b[20] = 0xea;
    b[21] = 0xaa;
    pkt = one_packet(b, sizeof b);
    ck_assert_int_eq(rtp_rtcp_parse_twcc(&pkt, &twcc), RTP_ERR_MALFORMED);
}
END_TEST

/* ---- PLI, FIR, REMB ---------------------------------------------------- */

START_TEST(pli_round_trip)
{
    rtp_rtcp_packet_t pkt = one_packet(pli_vec, sizeof pli_vec);
    rtp_rtcp_pli_t pli;
    ck_assert_int_eq(rtp_rtcp_parse_pli(&pkt, &pli), RTP_OK);
    ck_assert_uint_eq(pli.sender_ssrc, 0x11111111);
    ck_assert_uint_eq(pli.media_ssrc, 0x22222222);
    uint8_t out[16];
    size_t len;
    ck_assert_int_eq(rtp_rtcp_build_pli(out, sizeof out, &pli, &len), RTP_OK);
    ck_assert_uint_eq(len, sizeof pli_vec);
    ck_assert_mem_eq(out, pli_vec, len);
    ck_assert_int_eq(rtp_rtcp_build_pli(out, 11, &pli, &len), RTP_ERR_NO_SPACE);

    rtp_rtcp_fb_t fb;
    ck_assert_int_eq(rtp_rtcp_parse_fb(&pkt, &fb), RTP_OK);
    ck_assert_uint_eq(fb.fci_len, 0);
}
END_TEST

START_TEST(fir_round_trip)
{
    rtp_rtcp_packet_t pkt = one_packet(fir_vec, sizeof fir_vec);
    rtp_rtcp_fir_t fir;
    ck_assert_int_eq(rtp_rtcp_parse_fir(&pkt, &fir), RTP_OK);
    ck_assert_uint_eq(fir.sender_ssrc, 0x11111111);
    ck_assert_uint_eq(fir.media_ssrc, 0);
    ck_assert_uint_eq(fir.n_entries, 2);
    rtp_rtcp_fir_entry_t entries[2] = { rtp_rtcp_fir_entry_at(&fir, 0),
                                        rtp_rtcp_fir_entry_at(&fir, 1) };
    ck_assert_uint_eq(entries[0].ssrc, 0x33333333);
    ck_assert_uint_eq(entries[0].seq_nr, 5);
    ck_assert_uint_eq(entries[1].ssrc, 0x44444444);
    ck_assert_uint_eq(entries[1].seq_nr, 6);
    rtp_rtcp_fir_params_t params = { 0x11111111, entries, 2 };
    uint8_t out[32];
    size_t len;
    ck_assert_int_eq(rtp_rtcp_build_fir(out, sizeof out, &params, &len), RTP_OK);
    ck_assert_uint_eq(len, sizeof fir_vec);
    ck_assert_mem_eq(out, fir_vec, len);
    for (size_t cap = 0; cap < len; cap++)
        ck_assert_int_eq(rtp_rtcp_build_fir(out, cap, &params, &len), RTP_ERR_NO_SPACE);

    /* One and a half entries. */
    uint8_t b[sizeof fir_vec];
    memcpy(b, fir_vec, sizeof b);
    b[3] = 5;
    pkt = one_packet(b, 24);
    ck_assert_int_eq(rtp_rtcp_parse_fir(&pkt, &fir), RTP_ERR_MALFORMED);
}
END_TEST

START_TEST(remb_round_trip)
{
    rtp_rtcp_packet_t pkt = one_packet(remb_vec, sizeof remb_vec);
    rtp_rtcp_remb_t remb;
    ck_assert_int_eq(rtp_rtcp_parse_remb(&pkt, &remb), RTP_OK);
    ck_assert_uint_eq(remb.sender_ssrc, 0x11111111);
    ck_assert_uint_eq(remb.exp, 2);
    ck_assert_uint_eq(remb.mantissa, 250000);
    ck_assert_uint_eq(remb.bitrate_bps, 1000000);
    ck_assert_uint_eq(remb.n_ssrcs, 1);
    ck_assert_uint_eq(rtp_rtcp_remb_ssrc_at(&remb, 0), 0x33333333);
    ck_assert_uint_eq(rtp_rtcp_remb_ssrc_at(&remb, 1), 0);

    uint32_t ssrc = 0x33333333;
    rtp_rtcp_remb_params_t params = { 0x11111111, 1000000, &ssrc, 1 };
    uint8_t out[64];
    size_t len;
    ck_assert_int_eq(rtp_rtcp_build_remb(out, sizeof out, &params, &len), RTP_OK);
    ck_assert_uint_eq(len, sizeof remb_vec);
    ck_assert_mem_eq(out, remb_vec, len);
    for (size_t cap = 0; cap < len; cap++)
        ck_assert_int_eq(rtp_rtcp_build_remb(out, cap, &params, &len), RTP_ERR_NO_SPACE);

    /* The largest rate keeps 18 significant bits. */
    params.bitrate_bps = UINT64_MAX;
    ck_assert_int_eq(rtp_rtcp_build_remb(out, sizeof out, &params, &len), RTP_OK);
    pkt = one_packet(out, len);
    ck_assert_int_eq(rtp_rtcp_parse_remb(&pkt, &remb), RTP_OK);
    ck_assert_uint_eq(remb.exp, 46);
    ck_assert_uint_eq(remb.mantissa, 0x3ffff);
    ck_assert_uint_eq(remb.bitrate_bps, (uint64_t)0x3ffff << 46);
}
END_TEST

START_TEST(remb_rejects)
{
    uint8_t b[sizeof remb_vec];
    rtp_rtcp_packet_t pkt;
    rtp_rtcp_remb_t remb;
    rtp_rtcp_msg_t msg;
    /* Another application's AFB. */
    memcpy(b, remb_vec, sizeof b);
    b[12] = 'X';
    pkt = one_packet(b, sizeof b);
    ck_assert_int_eq(rtp_rtcp_parse_remb(&pkt, &remb), RTP_ERR_UNSUPPORTED);
    ck_assert_int_eq(rtp_rtcp_parse(&pkt, &msg), RTP_ERR_UNSUPPORTED);
    /* Num SSRC past the packet. */
    memcpy(b, remb_vec, sizeof b);
    b[16] = 2;
    pkt = one_packet(b, sizeof b);
    ck_assert_int_eq(rtp_rtcp_parse_remb(&pkt, &remb), RTP_ERR_MALFORMED);
    /* Exponent 63 with mantissa 2: beyond 64 bits. */
    memcpy(b, remb_vec, sizeof b);
    b[17] = 63 << 2;
    b[18] = 0;
    b[19] = 2;
    pkt = one_packet(b, sizeof b);
    ck_assert_int_eq(rtp_rtcp_parse_remb(&pkt, &remb), RTP_ERR_MALFORMED);
    b[19] = 1; /* 2^63 still fits */
    pkt = one_packet(b, sizeof b);
    ck_assert_int_eq(rtp_rtcp_parse_remb(&pkt, &remb), RTP_OK);
    ck_assert_uint_eq(remb.bitrate_bps, (uint64_t)1 << 63);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("rtp_rtcp_fb");
    TCase *tc = tcase_create("vectors");
    tcase_add_loop_test(tc, vector_dispatches, 0, (int)N_VECTORS);
    tcase_add_loop_test(tc, vector_prefixes_fail, 0, (int)N_VECTORS);
    suite_add_tcase(s, tc);

    tc = tcase_create("nack");
    tcase_add_test(tc, nack_values_and_expand);
    tcase_add_test(tc, nack_wrap_expand_and_compress);
    tcase_add_test(tc, nack_compress_edges);
    tcase_add_loop_test(tc, nack_compress_expand_random, 0, 4);
    tcase_add_test(tc, nack_malformed);
    suite_add_tcase(s, tc);

    tc = tcase_create("twcc");
    tcase_add_test(tc, twcc_one_bit_vector);
    tcase_add_test(tc, twcc_run_length_and_two_bit);
    tcase_add_test(tc, twcc_builder_chunk_choice);
    tcase_add_test(tc, twcc_builder_long_runs_and_quantizing);
    tcase_add_test(tc, twcc_builder_rejects);
    tcase_add_test(tc, twcc_malformed);
    suite_add_tcase(s, tc);

    tc = tcase_create("psfb");
    tcase_add_test(tc, pli_round_trip);
    tcase_add_test(tc, fir_round_trip);
    tcase_add_test(tc, remb_round_trip);
    tcase_add_test(tc, remb_rejects);
    suite_add_tcase(s, tc);
    return s;
}
