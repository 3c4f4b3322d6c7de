/* RTP header extensions (RFC 8285) and their typed values. */
#include "rtp/rtp.h"

#include <inttypes.h>
#include <string.h>

/* Builds a packet with the given extension block (profile, body) and
 * payload; returns its length. */
static size_t make_packet(uint8_t *pkt, size_t cap, uint16_t profile, const uint8_t *block,
                          size_t block_len, const char *payload)
{
    rtp_header_t h = { .payload_type = 96, .seq = 10, .timestamp = 20, .ssrc = 30 };
    if (block) {
        h.extension = true;
        h.ext_profile = profile;
        h.ext = block;
        h.ext_len = block_len;
    }
    size_t len = 0;
    ck_assert_int_eq(rtp_write(&h, (const uint8_t *)payload, strlen(payload), 0, pkt, cap, &len),
                     RTP_OK);
    return len;
}

/* Collects the (id, len) pairs of a packet's elements into ids/lens. */
static size_t list_elements(const uint8_t *pkt, size_t len, uint8_t *ids, uint8_t *lens)
{
    rtp_header_t h;
    ck_assert_int_eq(rtp_parse(pkt, len, &h), RTP_OK);
    rtp_ext_iter_t it;
    rtp_err_t err = rtp_ext_iter_init(&it, &h);
    if (err == RTP_ERR_NOT_FOUND)
        return 0;
    ck_assert_int_eq(err, RTP_OK);
    size_t n = 0;
    rtp_ext_elem_t e;
    while ((err = rtp_ext_next(&it, &e)) == RTP_OK) {
        ids[n] = e.id;
        lens[n] = e.len;
        n++;
    }
    ck_assert_int_eq(err, RTP_ERR_END);
    return n;
}

/* RFC 8285 4.2 figure: elements ID 1 (1 byte), ID 2 (2 bytes), a padding
 * byte between them, ID 3 (4 bytes), then padding to the word. */
static const uint8_t one_byte_block[] = { 0x10, 0xaa, 0x00, 0x21, 0xbb, 0xcc, 0x33, 1, 2, 3, 4, 0 };

START_TEST(one_byte_iteration)
{
    uint8_t pkt[64];
    size_t len = make_packet(pkt, sizeof pkt, 0xbede, one_byte_block, sizeof one_byte_block, "p");
    uint8_t ids[8], lens[8];
    ck_assert_uint_eq(list_elements(pkt, len, ids, lens), 3);
    ck_assert_uint_eq(ids[0], 1);
    ck_assert_uint_eq(lens[0], 1);
    ck_assert_uint_eq(ids[1], 2);
    ck_assert_uint_eq(lens[1], 2);
    ck_assert_uint_eq(ids[2], 3);
    ck_assert_uint_eq(lens[2], 4);

    rtp_header_t h;
    rtp_parse(pkt, len, &h);
    rtp_ext_elem_t e;
    ck_assert_int_eq(rtp_ext_find(&h, 2, &e), RTP_OK);
    ck_assert_uint_eq(e.value[0], 0xbb);
    ck_assert_uint_eq(e.value[1], 0xcc);
    ck_assert_int_eq(rtp_ext_find(&h, 4, &e), RTP_ERR_NOT_FOUND);
}
END_TEST

START_TEST(one_byte_id15_stops_processing)
{
    /* RFC 8285 4.2: at ID 15 processing stops; what follows is ignored. */
    const uint8_t block[] = { 0x10, 0xaa, 0xf5, 0x20, 0x01, 0x02, 0x00, 0x00 };
    uint8_t pkt[64], ids[8], lens[8];
    size_t len = make_packet(pkt, sizeof pkt, 0xbede, block, sizeof block, "");
    ck_assert_uint_eq(list_elements(pkt, len, ids, lens), 1);
    ck_assert_uint_eq(ids[0], 1);
}
END_TEST

START_TEST(one_byte_malformed_and_truncated)
{
    rtp_header_t h;
    rtp_ext_iter_t it;
    rtp_ext_elem_t e;
    uint8_t pkt[64];

    const uint8_t id0_with_length[] = { 0x03, 0, 0, 0 };
    size_t len = make_packet(pkt, sizeof pkt, 0xbede, id0_with_length, 4, "");
    rtp_parse(pkt, len, &h);
    rtp_ext_iter_init(&it, &h);
    ck_assert_int_eq(rtp_ext_next(&it, &e), RTP_ERR_MALFORMED);
    ck_assert_int_eq(rtp_ext_next(&it, &e), RTP_ERR_END); /* stays at the end */

    const uint8_t overrun[] = { 0x10, 0xaa, 0x2f, 0x00 }; /* ID 2 wants 16 bytes */
    len = make_packet(pkt, sizeof pkt, 0xbede, overrun, 4, "");
    rtp_parse(pkt, len, &h);
    rtp_ext_iter_init(&it, &h);
    ck_assert_int_eq(rtp_ext_next(&it, &e), RTP_OK);
    ck_assert_int_eq(rtp_ext_next(&it, &e), RTP_ERR_TRUNCATED);
    ck_assert_int_eq(rtp_ext_find(&h, 2, &e), RTP_ERR_TRUNCATED);
}
END_TEST

START_TEST(two_byte_iteration)
{
    /* RFC 8285 4.3: ID 1 with zero bytes, padding, ID 200 with 3 bytes,
     * ID 5 with 17 bytes. */
    uint8_t block[28] = { 1, 0, 0, 200, 3, 'a', 'b', 'c', 5, 17 };
    for (int i = 0; i < 17; i++)
        block[10 + i] = (uint8_t)i;
    uint8_t pkt[64], ids[8], lens[8];
    size_t len = make_packet(pkt, sizeof pkt, 0x1003, block, sizeof block, "x");
    ck_assert_uint_eq(list_elements(pkt, len, ids, lens), 3);
    ck_assert_uint_eq(ids[0], 1);
    ck_assert_uint_eq(lens[0], 0);
    ck_assert_uint_eq(ids[1], 200);
    ck_assert_uint_eq(lens[1], 3);
    ck_assert_uint_eq(ids[2], 5);
    ck_assert_uint_eq(lens[2], 17);

    /* A header byte with no length byte after it. */
    const uint8_t cut[] = { 0, 0, 0, 7 };
    len = make_packet(pkt, sizeof pkt, 0x1000, cut, 4, "");
    rtp_header_t h;
    rtp_ext_iter_t it;
    rtp_ext_elem_t e;
    rtp_parse(pkt, len, &h);
    rtp_ext_iter_init(&it, &h);
    ck_assert_int_eq(rtp_ext_next(&it, &e), RTP_ERR_TRUNCATED);
}
END_TEST

START_TEST(foreign_profile_and_no_block)
{
    uint8_t pkt[64];
    const uint8_t block[] = { 1, 2, 3, 4 };
    size_t len = make_packet(pkt, sizeof pkt, 0x1234, block, 4, "");
    rtp_header_t h;
    rtp_ext_iter_t it;
    rtp_ext_elem_t e;
    rtp_parse(pkt, len, &h);
    ck_assert_int_eq(rtp_ext_iter_init(&it, &h), RTP_ERR_UNSUPPORTED);
    ck_assert_int_eq(rtp_ext_set(pkt, &len, sizeof pkt, 1, block, 1), RTP_ERR_UNSUPPORTED);

    len = make_packet(pkt, sizeof pkt, 0, NULL, 0, "abc");
    rtp_parse(pkt, len, &h);
    ck_assert_int_eq(rtp_ext_iter_init(&it, &h), RTP_ERR_NOT_FOUND);
    ck_assert_int_eq(rtp_ext_find(&h, 1, &e), RTP_ERR_NOT_FOUND);
}
END_TEST

START_TEST(writer_forms_and_padding)
{
    uint8_t buf[32];
    rtp_ext_writer_t w;
    uint16_t profile;
    size_t block_len;
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, buf, sizeof buf);
    ck_assert_int_eq(rtp_ext_writer_add(&w, 3, (const uint8_t *)"\x7f", 1), RTP_OK);
    ck_assert_int_eq(rtp_ext_writer_add(&w, 4, (const uint8_t *)"\x01\x02", 2), RTP_OK);
    ck_assert_int_eq(rtp_ext_writer_finish(&w, &profile, &block_len), RTP_OK);
    ck_assert_uint_eq(profile, 0xbede);
    ck_assert_uint_eq(block_len, 8);
    const uint8_t expect[] = { 0x30, 0x7f, 0x41, 0x01, 0x02, 0, 0, 0 };
    ck_assert_mem_eq(buf, expect, 8);

    /* The one-byte form cannot carry ID 15, ID 0, 17 bytes or 0 bytes. */
    uint8_t big[17] = { 0 };
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, buf, sizeof buf);
    ck_assert_int_eq(rtp_ext_writer_add(&w, 15, big, 1), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(rtp_ext_writer_add(&w, 1, big, 1), RTP_ERR_INVALID_ARG); /* sticky */
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, buf, sizeof buf);
    ck_assert_int_eq(rtp_ext_writer_add(&w, 1, big, 17), RTP_ERR_INVALID_ARG);
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, buf, sizeof buf);
    ck_assert_int_eq(rtp_ext_writer_add(&w, 1, big, 0), RTP_ERR_INVALID_ARG);
    rtp_ext_writer_init(&w, RTP_EXT_FORM_TWO_BYTE, buf, sizeof buf);
    ck_assert_int_eq(rtp_ext_writer_add(&w, 0, big, 1), RTP_ERR_INVALID_ARG);

    rtp_ext_writer_init(&w, RTP_EXT_FORM_TWO_BYTE, buf, sizeof buf);
    ck_assert_int_eq(rtp_ext_writer_add(&w, 1, NULL, 0), RTP_OK);
    ck_assert_int_eq(rtp_ext_writer_add(&w, 200, big, 17), RTP_OK);
    ck_assert_int_eq(rtp_ext_writer_finish(&w, &profile, &block_len), RTP_OK);
    ck_assert_uint_eq(profile, 0x1000);
    ck_assert_uint_eq(block_len, 24);

    rtp_ext_writer_init(&w, RTP_EXT_FORM_TWO_BYTE, buf, 4);
    ck_assert_int_eq(rtp_ext_writer_add(&w, 9, big, 3), RTP_ERR_NO_SPACE);

    ck_assert_int_eq(rtp_ext_form_for(14, 16), RTP_EXT_FORM_ONE_BYTE);
    ck_assert_int_eq(rtp_ext_form_for(15, 1), RTP_EXT_FORM_TWO_BYTE);
    ck_assert_int_eq(rtp_ext_form_for(1, 0), RTP_EXT_FORM_TWO_BYTE);
    ck_assert_int_eq(rtp_ext_form_for(0, 1), RTP_EXT_FORM_NONE);
    ck_assert_int_eq(rtp_ext_form_for(1, 256), RTP_EXT_FORM_NONE);
}
END_TEST

START_TEST(set_adds_replaces_and_changes_form)
{
    uint8_t pkt[128], ids[8], lens[8];
    size_t len = make_packet(pkt, sizeof pkt, 0, NULL, 0, "payload");

    /* Add to a packet without a block: one-byte form, X set. */
    ck_assert_int_eq(rtp_ext_set(pkt, &len, sizeof pkt, 5, (const uint8_t *)"\x01\x02", 2), RTP_OK);
    ck_assert_uint_eq(list_elements(pkt, len, ids, lens), 1);
    rtp_header_t h;
    rtp_parse(pkt, len, &h);
    ck_assert(h.extension);
    ck_assert_uint_eq(h.ext_profile, 0xbede);
    ck_assert_mem_eq(h.payload, "payload", 7);

    /* Replace in place: still one element, new value. */
    ck_assert_int_eq(rtp_ext_set(pkt, &len, sizeof pkt, 5, (const uint8_t *)"\x09", 1), RTP_OK);
    rtp_parse(pkt, len, &h);
    rtp_ext_elem_t e;
    ck_assert_int_eq(rtp_ext_find(&h, 5, &e), RTP_OK);
    ck_assert_uint_eq(e.len, 1);
    ck_assert_uint_eq(e.value[0], 9);

    /* A 20-byte value forces the two-byte form for every element. */
    uint8_t twenty[20];
    memset(twenty, 0x5a, sizeof twenty);
    ck_assert_int_eq(rtp_ext_set(pkt, &len, sizeof pkt, 7, twenty, 20), RTP_OK);
    rtp_parse(pkt, len, &h);
    ck_assert_uint_eq(h.ext_profile, 0x1000);
    ck_assert_uint_eq(list_elements(pkt, len, ids, lens), 2);
    ck_assert_uint_eq(ids[0], 5);
    ck_assert_uint_eq(ids[1], 7);
    ck_assert_uint_eq(lens[1], 20);
    ck_assert_mem_eq(h.payload, "payload", 7);

    /* Removing it brings the block back to one-byte. */
    ck_assert_int_eq(rtp_ext_remove(pkt, &len, sizeof pkt, 7), RTP_OK);
    rtp_parse(pkt, len, &h);
    ck_assert_uint_eq(h.ext_profile, 0xbede);
    ck_assert_uint_eq(list_elements(pkt, len, ids, lens), 1);

    /* Removing the last element drops the block and the X bit. */
    ck_assert_int_eq(rtp_ext_remove(pkt, &len, sizeof pkt, 5), RTP_OK);
    rtp_parse(pkt, len, &h);
    ck_assert(!h.extension);
    ck_assert_uint_eq(len, 12 + 7);
    ck_assert_int_eq(rtp_ext_remove(pkt, &len, sizeof pkt, 5), RTP_ERR_NOT_FOUND);

    ck_assert_int_eq(rtp_ext_set(pkt, &len, sizeof pkt, 0, twenty, 1), RTP_ERR_INVALID_ARG);
}
END_TEST

START_TEST(edit_keeps_padding_and_refuses_without_space)
{
    uint8_t pkt[64];
    rtp_header_t h = { .payload_type = 96, .seq = 1, .ssrc = 2 };
    size_t len;
    ck_assert_int_eq(rtp_write(&h, (const uint8_t *)"abc", 3, 5, pkt, sizeof pkt, &len), RTP_OK);
    ck_assert_int_eq(rtp_ext_set(pkt, &len, sizeof pkt, 1, (const uint8_t *)"z", 1), RTP_OK);
    rtp_header_t out;
    ck_assert_int_eq(rtp_parse(pkt, len, &out), RTP_OK);
    ck_assert_uint_eq(out.padding_len, 5);
    ck_assert_uint_eq(out.payload_len, 3);
    ck_assert_mem_eq(out.payload, "abc", 3);

    uint8_t before[64];
    memcpy(before, pkt, len);
    size_t before_len = len;
    ck_assert_int_eq(rtp_ext_set(pkt, &len, len + 1, 2, (const uint8_t *)"wxyz", 4),
                     RTP_ERR_NO_SPACE);
    ck_assert_uint_eq(len, before_len);
    ck_assert_mem_eq(pkt, before, len);
}
END_TEST

START_TEST(remap_renumbers_and_drops)
{
    uint8_t pkt[64], ids[8], lens[8];
    size_t len = make_packet(pkt, sizeof pkt, 0xbede, one_byte_block, sizeof one_byte_block, "q");
    uint8_t map[256] = { 0 };
    map[1] = 9;   /* renumber */
    map[2] = 0;   /* drop */
    map[3] = 100; /* needs the two-byte form */
    ck_assert_int_eq(rtp_ext_remap(pkt, &len, sizeof pkt, map), RTP_OK);
    ck_assert_uint_eq(list_elements(pkt, len, ids, lens), 2);
    ck_assert_uint_eq(ids[0], 9);
    ck_assert_uint_eq(lens[0], 1);
    ck_assert_uint_eq(ids[1], 100);
    ck_assert_uint_eq(lens[1], 4);
    rtp_header_t h;
    rtp_parse(pkt, len, &h);
    ck_assert_uint_eq(h.ext_profile, 0x1000);
    rtp_ext_elem_t e;
    ck_assert_int_eq(rtp_ext_find(&h, 100, &e), RTP_OK);
    ck_assert_mem_eq(e.value, "\x01\x02\x03\x04", 4);
    ck_assert_mem_eq(h.payload, "q", 1);
}
END_TEST

START_TEST(audio_level_twcc_abs_send_time)
{
    uint8_t v[3];
    bool voice;
    uint8_t level;
    ck_assert_uint_eq(rtp_ext_audio_level_write(true, 42, v), 1);
    ck_assert_uint_eq(v[0], 0x80 | 42);
    rtp_ext_elem_t e = { .id = 1, .len = 1, .value = v };
    ck_assert_int_eq(rtp_ext_audio_level_parse(&e, &voice, &level), RTP_OK);
    ck_assert(voice);
    ck_assert_uint_eq(level, 42);
    ck_assert_uint_eq(rtp_ext_audio_level_write(false, 128, v), 0);
    e.len = 0;
    ck_assert_int_eq(rtp_ext_audio_level_parse(&e, &voice, &level), RTP_ERR_MALFORMED);

    uint16_t seq;
    ck_assert_uint_eq(rtp_ext_twcc_seq_write(0xfffe, v), 2);
    e.len = 2;
    ck_assert_int_eq(rtp_ext_twcc_seq_parse(&e, &seq), RTP_OK);
    ck_assert_uint_eq(seq, 0xfffe);
    e.len = 3;
    ck_assert_int_eq(rtp_ext_twcc_seq_parse(&e, &seq), RTP_ERR_MALFORMED);

    /* 1.5 s is 0x060000 in 6.18 fixed point; 64 s wraps to 0. */
    ck_assert_uint_eq(rtp_abs_send_time_from_us(1500000), 0x060000);
    ck_assert_uint_eq(rtp_abs_send_time_from_us(64000000), 0);
    ck_assert_uint_eq(rtp_abs_send_time_from_us(65500000), 0x060000);
    ck_assert_uint_eq(rtp_abs_send_time_to_us(0x060000), 1500000);
    /* One step is 1/262144 s, about 3.8 us: conversions round within it. */
    for (uint64_t us = 0; us < 64000000; us += 999983) {
        uint64_t back = rtp_abs_send_time_to_us(rtp_abs_send_time_from_us(us));
        ck_assert_uint_le(back > us ? back - us : us - back, 2);
    }
    uint32_t ast;
    ck_assert_uint_eq(rtp_ext_abs_send_time_write(0x123456, v), 3);
    e.len = 3;
    ck_assert_int_eq(rtp_ext_abs_send_time_parse(&e, &ast), RTP_OK);
    ck_assert_uint_eq(ast, 0x123456);
    ck_assert_uint_eq(rtp_ext_abs_send_time_write(0x1000000, v), 0);
}
END_TEST

START_TEST(abs_capture_time_forms)
{
    uint64_t ntp = 0;
    bool has_offset = true;
    int64_t offset = 7;
    uint8_t v[8];
    /* The 8-byte form: the UQ32.32 capture time alone, big-endian. */
    ck_assert_uint_eq(rtp_ext_abs_capture_time_write(0x0123456789abcdefull, v), 8);
    ck_assert_mem_eq(v, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
    rtp_ext_elem_t e = { .id = 7, .len = 8, .value = v };
    ck_assert_int_eq(rtp_ext_abs_capture_time_parse(&e, &ntp, &has_offset, &offset), RTP_OK);
    ck_assert_uint_eq(ntp, 0x0123456789abcdefull);
    ck_assert(!has_offset);
    ck_assert_int_eq(offset, 0);

    /* The 16-byte form adds a signed Q32.32 clock offset: -1.5 s here. */
    static const uint8_t long_form[16] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
                                           0xff, 0xff, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00 };
    e.len = 16;
    e.value = long_form;
    ck_assert_int_eq(rtp_ext_abs_capture_time_parse(&e, &ntp, &has_offset, &offset), RTP_OK);
    ck_assert_uint_eq(ntp, 0xffffffff00000001ull);
    ck_assert(has_offset);
    ck_assert_int_eq(offset, -(INT64_C(3) << 31));

    /* The offset's extremes. */
    static const uint8_t extremes[2][16] = {
        { 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0 },
        { 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
    };
    e.value = extremes[0];
    ck_assert_int_eq(rtp_ext_abs_capture_time_parse(&e, &ntp, &has_offset, &offset), RTP_OK);
    ck_assert_int_eq(offset, INT64_MIN);
    e.value = extremes[1];
    ck_assert_int_eq(rtp_ext_abs_capture_time_parse(&e, &ntp, &has_offset, &offset), RTP_OK);
    ck_assert_int_eq(offset, INT64_MAX);

    /* Every other length is refused and leaves the outputs alone. */
    static const uint8_t zeros[32] = { 0 };
    e.value = zeros;
    for (uint8_t len = 0; len < 32; len++) {
        if (len == 8 || len == 16)
            continue;
        e.len = len;
        ntp = 42;
        ck_assert_int_eq(rtp_ext_abs_capture_time_parse(&e, &ntp, &has_offset, &offset),
                         RTP_ERR_MALFORMED);
        ck_assert_uint_eq(ntp, 42);
    }

    /* Through a real packet: set, found, read back. */
    uint8_t pkt[256];
    size_t len = make_packet(pkt, sizeof pkt, 0, NULL, 0, "payload");
    uint64_t when = rtp_ntp_q32_from_us(12345678);
    ck_assert_uint_eq(rtp_ext_abs_capture_time_write(when, v), 8);
    ck_assert_int_eq(rtp_ext_set(pkt, &len, sizeof pkt, 7, v, 8), RTP_OK);
    rtp_header_t h;
    ck_assert_int_eq(rtp_parse(pkt, len, &h), RTP_OK);
    ck_assert_int_eq(rtp_ext_find(&h, 7, &e), RTP_OK);
    ck_assert_int_eq(rtp_ext_abs_capture_time_parse(&e, &ntp, &has_offset, &offset), RTP_OK);
    ck_assert_uint_eq(ntp, when);
    ck_assert_uint_eq(rtp_ntp_q32_to_us(ntp), 12345678);
}
END_TEST

START_TEST(ntp_q32_known_values)
{
    ck_assert_uint_eq(rtp_ntp_q32_from_us(0), 0);
    ck_assert_uint_eq(rtp_ntp_q32_from_us(1000000), 1ull << 32);
    ck_assert_uint_eq(rtp_ntp_q32_from_us(1500000), 1ull << 32 | 1ull << 31);
    ck_assert_uint_eq(rtp_ntp_q32_from_us(250000), 1ull << 30);
    /* 1 us is 4294.967296 steps: rounds to 4295; 999999 us stays below 2^32. */
    ck_assert_uint_eq(rtp_ntp_q32_from_us(1), 4295);
    ck_assert_uint_eq(rtp_ntp_q32_from_us(999999), 0xffffffffull - 4295 + 1);
    ck_assert_uint_eq(rtp_ntp_q32_to_us(1ull << 31), 500000);
    ck_assert_uint_eq(rtp_ntp_q32_to_us(0xffffffffull), 1000000); /* rounds up a second */
    ck_assert_uint_eq(rtp_ntp_q32_to_us(0xffffffff00000000ull), 4294967295ull * 1000000);
    /* The seconds wrap at 2^32, as NTP's do. */
    ck_assert_uint_eq(rtp_ntp_q32_from_us(4294967296ull * 1000000 + 7), rtp_ntp_q32_from_us(7));
}
END_TEST

/* Whole seconds the round trip is checked at: small, around powers of two,
 * around a day, and at the top of the range (2^32 - 1 s). */
static const uint64_t ntp_seconds[] = {
    0,        1,           59,          3600,        86399,       86400, 1u << 20, (1u << 31) - 1,
    1u << 31, 2208988800u, 3000000000u, 4294967294u, 4294967295u,
};

/* For whole second ntp_seconds[_i], every sub-second microsecond
 * 0..999999 survives rtp_ntp_q32_from_us() then rtp_ntp_q32_to_us(), and
 * the Q32.32 values rise strictly, so no two microseconds share one. The
 * seconds field is independent of the fraction, so with the table's spread
 * this covers [0, 2^32 * 10^6). */
START_TEST(ntp_q32_round_trip)
{
    uint64_t base_us = ntp_seconds[_i] * 1000000u;
    uint64_t previous = 0;
    for (uint64_t sub_us = 0; sub_us < 1000000u; sub_us++) {
        uint64_t us = base_us + sub_us;
        uint64_t q32 = rtp_ntp_q32_from_us(us);
        if (rtp_ntp_q32_to_us(q32) != us)
            ck_abort_msg("%" PRIu64 " us -> 0x%016" PRIx64 " -> %" PRIu64 " us", us, q32,
                         rtp_ntp_q32_to_us(q32));
        if (sub_us > 0 && q32 <= previous)
            ck_abort_msg("%" PRIu64 " us does not rise above %" PRIu64 " us", us, us - 1);
        if (q32 >> 32 != ntp_seconds[_i])
            ck_abort_msg("%" PRIu64 " us lands in second %" PRIu64, us, q32 >> 32);
        previous = q32;
    }
}
END_TEST

START_TEST(mid_and_rid)
{
    char text[32];
    rtp_ext_elem_t e = { .id = 9, .len = 5, .value = (const uint8_t *)"audio" };
    ck_assert_int_eq(rtp_ext_mid_parse(&e, text, sizeof text), RTP_OK);
    ck_assert_str_eq(text, "audio");
    ck_assert_int_eq(rtp_ext_mid_parse(&e, text, 5), RTP_ERR_NO_SPACE);

    e.value = (const uint8_t *)"a b c";
    ck_assert_int_eq(rtp_ext_mid_parse(&e, text, sizeof text), RTP_ERR_MALFORMED);
    e.len = 0;
    ck_assert_int_eq(rtp_ext_mid_parse(&e, text, sizeof text), RTP_ERR_MALFORMED);

    e.value = (const uint8_t *)"hi-q_1";
    e.len = 6;
    ck_assert_int_eq(rtp_ext_rid_parse(&e, text, sizeof text), RTP_OK);
    ck_assert_str_eq(text, "hi-q_1");
    e.value = (const uint8_t *)"hi.q!1"; /* fine as a mid token, not as a rid */
    ck_assert_int_eq(rtp_ext_rid_parse(&e, text, sizeof text), RTP_ERR_MALFORMED);
    ck_assert_int_eq(rtp_ext_mid_parse(&e, text, sizeof text), RTP_OK);

    uint8_t out[16];
    ck_assert_uint_eq(rtp_ext_rid_write("f", out, sizeof out), 1);
    ck_assert_uint_eq(out[0], 'f');
    ck_assert_uint_eq(rtp_ext_rid_write("no space", out, sizeof out), 0);
    ck_assert_uint_eq(rtp_ext_rid_write("", out, sizeof out), 0);
    ck_assert_uint_eq(rtp_ext_mid_write("0123456789abcdefg", out, sizeof out), 0);
    ck_assert_uint_eq(rtp_ext_mid_write("video", out, sizeof out), 5);
}
END_TEST

START_TEST(frame_marking_forms)
{
    rtp_frame_marking_t fm;
    uint8_t v[3];
    /* Short form: S=1 E=0 I=1 D=0. */
    rtp_ext_elem_t e = { .id = 4, .len = 1, .value = (const uint8_t *)"\xa0" };
    ck_assert_int_eq(rtp_ext_frame_marking_parse(&e, &fm), RTP_OK);
    ck_assert(fm.start_of_frame && !fm.end_of_frame && fm.independent && !fm.discardable);
    ck_assert(!fm.scalable);
    ck_assert_uint_eq(rtp_ext_frame_marking_write(&fm, v), 1);
    ck_assert_uint_eq(v[0], 0xa0);

    /* Long form: S E D B, TID 2, LID 1, TL0PICIDX 0x7e. */
    e.len = 3;
    e.value = (const uint8_t *)"\xda\x01\x7e";
    ck_assert_int_eq(rtp_ext_frame_marking_parse(&e, &fm), RTP_OK);
    ck_assert(fm.start_of_frame && fm.end_of_frame && !fm.independent && fm.discardable);
    ck_assert(fm.scalable && fm.base_layer_sync && fm.has_tl0picidx);
    ck_assert_uint_eq(fm.tid, 2);
    ck_assert_uint_eq(fm.lid, 1);
    ck_assert_uint_eq(fm.tl0picidx, 0x7e);
    ck_assert_uint_eq(rtp_ext_frame_marking_write(&fm, v), 3);
    ck_assert_mem_eq(v, "\xda\x01\x7e", 3);

    e.len = 2;
    ck_assert_int_eq(rtp_ext_frame_marking_parse(&e, &fm), RTP_OK);
    ck_assert(fm.scalable && !fm.has_tl0picidx);
    e.len = 4;
    ck_assert_int_eq(rtp_ext_frame_marking_parse(&e, &fm), RTP_ERR_MALFORMED);
    e.len = 0;
    ck_assert_int_eq(rtp_ext_frame_marking_parse(&e, &fm), RTP_ERR_MALFORMED);
    fm.tid = 8;
    ck_assert_uint_eq(rtp_ext_frame_marking_write(&fm, v), 0);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("rtp_ext");
    TCase *tc = tcase_create("elements");
    tcase_add_test(tc, one_byte_iteration);
    tcase_add_test(tc, one_byte_id15_stops_processing);
    tcase_add_test(tc, one_byte_malformed_and_truncated);
    tcase_add_test(tc, two_byte_iteration);
    tcase_add_test(tc, foreign_profile_and_no_block);
    tcase_add_test(tc, writer_forms_and_padding);
    suite_add_tcase(s, tc);

    tc = tcase_create("editing");
    tcase_add_test(tc, set_adds_replaces_and_changes_form);
    tcase_add_test(tc, edit_keeps_padding_and_refuses_without_space);
    tcase_add_test(tc, remap_renumbers_and_drops);
    suite_add_tcase(s, tc);

    tc = tcase_create("values");
    tcase_add_test(tc, audio_level_twcc_abs_send_time);
    tcase_add_test(tc, mid_and_rid);
    tcase_add_test(tc, frame_marking_forms);
    tcase_add_test(tc, abs_capture_time_forms);
    suite_add_tcase(s, tc);

    tc = tcase_create("ntp_q32");
    tcase_add_test(tc, ntp_q32_known_values);
    tcase_add_loop_test(tc, ntp_q32_round_trip, 0,
                        (int)(sizeof ntp_seconds / sizeof ntp_seconds[0]));
    suite_add_tcase(s, tc);
    return s;
}
