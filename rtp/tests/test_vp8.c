/* VP8 payload descriptor (RFC 7741 section 4.2) and frame start (RFC 7741
 * section 4.3, RFC 6386 section 9.1): parse, write, in-place rewrite and
 * peek, against hand-built vectors. */
#include "rtp/rtp.h"

#include <check.h>
#include <string.h>

Suite *blindfold_test_suite(void);

/* A key frame's first 10 bytes (RFC 6386 section 9.1): frame tag with
 * P = 0, version 0, show_frame = 1, first partition size 0x1234; start
 * code 9d 01 2a; width 640 and height 480 little-endian, scales 0.
 * Size0 = 4, Size1 = 0x46, Size2 = 2: 4 + 8 * 70 + 2048 * 2 = 0x1234
 * (RFC 7741 section 4.3). */
#define KEY_640x480 0x90, 0x46, 0x02, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01
/* A delta frame's tag: P = 1, version 0, show_frame = 1, size 100. */
#define DELTA_100 0x91, 0x0c, 0x00

typedef struct vp8_vector {
    const char *name;
    uint8_t bytes[24];
    size_t len;
    size_t desc_len;
    bool starts_frame; /* S = 1 and PID = 0 */
    rtp_vp8_desc_t desc;
} vp8_vector_t;

#define VEC(...) .bytes = { __VA_ARGS__ }, .len = sizeof((uint8_t[]){ __VA_ARGS__ })

/* Every descriptor shape. Reserved bits are zero in all of them, so each
 * must also be what rtp_vp8_desc_write() produces. */
static const vp8_vector_t vectors[] = {
    {
        /* RFC 7741 section 4.6.1, key frame in a single packet:
         * X=1 S=1 PID=0; I=1; PictureID=17 (M=0); payload header P=0. */
        .name = "4.6.1 key frame, 7-bit PictureID",
        .starts_frame = true,
        VEC(0x90, 0x80, 0x11, KEY_640x480, 0xaa),
        .desc_len = 3,
        .desc = { .start_of_partition = true,
                  .extended = true,
                  .has_picture_id = true,
                  .picture_id = 17 },
    },
    {
        /* RFC 7741 section 4.6.2, non-discardable interframe, no
         * PictureID: X=0 S=1 PID=0; payload header P=1. */
        .name = "4.6.2 interframe, no extension",
        .starts_frame = true,
        VEC(0x10, DELTA_100, 0xbb, 0xcc),
        .desc_len = 1,
        .desc = { .start_of_partition = true },
    },
    {
        /* RFC 7741 section 4.6.3, partitions in separate packets: the
         * packet starting the second partition, S=1 PID=1, PictureID 17;
         * no payload header since PID != 0. */
        .name = "4.6.3 second partition, PID=1",
        VEC(0x91, 0x80, 0x11, 0x01, 0x02),
        .desc_len = 3,
        .desc = { .start_of_partition = true,
                  .partition_index = 1,
                  .extended = true,
                  .has_picture_id = true,
                  .picture_id = 17 },
    },
    {
        /* RFC 7741 section 4.6.4, frame fragmented across packets: a
         * continuation packet, S=0 PID=0. */
        .name = "4.6.4 continuation, S=0",
        VEC(0x80, 0x80, 0x11, 0x03),
        .desc_len = 3,
        .desc = { .extended = true, .has_picture_id = true, .picture_id = 17 },
    },
    {
        /* RFC 7741 section 4.6.5, long PictureID: M=1, PictureID 4711
         * = 0x1267, sent as 1|001 0010 0110 0111. */
        .name = "4.6.5 key frame, 15-bit PictureID 4711",
        .starts_frame = true,
        VEC(0x90, 0x80, 0x92, 0x67, KEY_640x480),
        .desc_len = 4,
        .desc = { .start_of_partition = true,
                  .extended = true,
                  .has_picture_id = true,
                  .picture_id_long = true,
                  .picture_id = 4711 },
    },
    {
        .name = "7-bit PictureID 127, N=1",
        .starts_frame = true,
        VEC(0xb0, 0x80, 0x7f, DELTA_100),
        .desc_len = 3,
        .desc = { .non_reference = true,
                  .start_of_partition = true,
                  .extended = true,
                  .has_picture_id = true,
                  .picture_id = 127 },
    },
    {
        /* L needs T (RFC 7741 section 4.2), so TL0PICIDX comes with a
         * T/K octet: TL0PICIDX 5, TID 0, Y 0. */
        .name = "L with T, TID 0",
        .starts_frame = true,
        VEC(0x90, 0x60, 0x05, 0x00, DELTA_100),
        .desc_len = 4,
        .desc = { .start_of_partition = true,
                  .extended = true,
                  .has_tl0picidx = true,
                  .tl0picidx = 5,
                  .has_tid = true },
    },
    {
        .name = "T with Y, TID 2",
        .starts_frame = true,
        VEC(0x90, 0x20, 0xa0, DELTA_100),
        .desc_len = 3,
        .desc = { .start_of_partition = true,
                  .extended = true,
                  .has_tid = true,
                  .tid = 2,
                  .layer_sync = true },
    },
    {
        .name = "T without Y, TID 1",
        .starts_frame = true,
        VEC(0x90, 0x20, 0x40, DELTA_100),
        .desc_len = 3,
        .desc = { .start_of_partition = true, .extended = true, .has_tid = true, .tid = 1 },
    },
    {
        .name = "K only, KEYIDX 17",
        .starts_frame = true,
        VEC(0x90, 0x10, 0x11, DELTA_100),
        .desc_len = 3,
        .desc = { .start_of_partition = true, .extended = true, .has_keyidx = true, .keyidx = 17 },
    },
    {
        .name = "T and K",
        VEC(0x80, 0x30, 0x65, 0x42),
        .desc_len = 3,
        .desc = { .extended = true,
                  .has_tid = true,
                  .tid = 1,
                  .layer_sync = true,
                  .has_keyidx = true,
                  .keyidx = 5 },
    },
    {
        .name = "I 15-bit, L, T with Y, K, N, PID 3: all at maximum",
        VEC(0xa3, 0xf0, 0xff, 0xff, 0xff, 0xff, 0x00),
        .desc_len = 6,
        .desc = { .non_reference = true,
                  .partition_index = 3,
                  .extended = true,
                  .has_picture_id = true,
                  .picture_id_long = true,
                  .picture_id = 0x7fff,
                  .has_tl0picidx = true,
                  .tl0picidx = 255,
                  .has_tid = true,
                  .tid = 3,
                  .layer_sync = true,
                  .has_keyidx = true,
                  .keyidx = 31 },
    },
    {
        .name = "I 7-bit, L, T, K: all at zero",
        VEC(0x97, 0xf0, 0x00, 0x00, 0x00, 0x00),
        .desc_len = 5,
        .desc = { .start_of_partition = true,
                  .partition_index = 7,
                  .extended = true,
                  .has_picture_id = true,
                  .has_tl0picidx = true,
                  .has_tid = true,
                  .has_keyidx = true },
    },
    {
        /* X=1 with I=L=T=K=0: legal, the extension octet is still there. */
        .name = "empty extension octet",
        .starts_frame = true,
        VEC(0x90, 0x00, DELTA_100),
        .desc_len = 2,
        .desc = { .start_of_partition = true, .extended = true },
    },
};

#define N_VECTORS ((int)(sizeof vectors / sizeof vectors[0]))

static void assert_desc_eq(const rtp_vp8_desc_t *got, const rtp_vp8_desc_t *want)
{
    ck_assert_int_eq(got->non_reference, want->non_reference);
    ck_assert_int_eq(got->start_of_partition, want->start_of_partition);
    ck_assert_uint_eq(got->partition_index, want->partition_index);
    ck_assert_int_eq(got->extended, want->extended);
    ck_assert_int_eq(got->has_picture_id, want->has_picture_id);
    ck_assert_int_eq(got->picture_id_long, want->picture_id_long);
    ck_assert_uint_eq(got->picture_id, want->picture_id);
    ck_assert_int_eq(got->has_tl0picidx, want->has_tl0picidx);
    ck_assert_uint_eq(got->tl0picidx, want->tl0picidx);
    ck_assert_int_eq(got->has_tid, want->has_tid);
    ck_assert_uint_eq(got->tid, want->tid);
    ck_assert_int_eq(got->layer_sync, want->layer_sync);
    ck_assert_int_eq(got->has_keyidx, want->has_keyidx);
    ck_assert_uint_eq(got->keyidx, want->keyidx);
}

/* --- parse and write ---------------------------------------------------- */

START_TEST(test_vector_parse)
{
    const vp8_vector_t *v = &vectors[_i];
    rtp_vp8_desc_t d;
    size_t desc_len = 99;
    ck_assert_msg(rtp_vp8_desc_parse(v->bytes, v->len, &d, &desc_len) == RTP_OK, "%s", v->name);
    ck_assert_uint_eq(desc_len, v->desc_len);
    assert_desc_eq(&d, &v->desc);
}
END_TEST

START_TEST(test_vector_write)
{
    const vp8_vector_t *v = &vectors[_i];
    uint8_t out[RTP_VP8_DESC_MAX_LEN + 2];
    memset(out, 0xee, sizeof out);
    size_t written = 0;
    ck_assert_uint_eq(rtp_vp8_desc_size(&v->desc), v->desc_len);
    ck_assert_msg(rtp_vp8_desc_write(&v->desc, out, sizeof out, &written) == RTP_OK, "%s", v->name);
    ck_assert_uint_eq(written, v->desc_len);
    ck_assert_mem_eq(out, v->bytes, v->desc_len);
    ck_assert_uint_eq(out[written], 0xee);
}
END_TEST

/* Every proper prefix, including the descriptor without any VP8 byte. */
START_TEST(test_vector_truncated)
{
    const vp8_vector_t *v = &vectors[_i];
    for (size_t n = 0; n <= v->desc_len; n++) {
        rtp_vp8_desc_t d;
        size_t desc_len = 99;
        ck_assert_msg(rtp_vp8_desc_parse(v->bytes, n, &d, &desc_len) == RTP_ERR_TRUNCATED,
                      "%s: prefix %zu", v->name, n);
        ck_assert_uint_eq(desc_len, 99);
        ck_assert_int_eq(d.extended, false);
    }
    /* One byte of VP8 data is enough. */
    rtp_vp8_desc_t d;
    size_t desc_len;
    ck_assert_int_eq(rtp_vp8_desc_parse(v->bytes, v->desc_len + 1, &d, &desc_len), RTP_OK);
}
END_TEST

START_TEST(test_write_no_space)
{
    const vp8_vector_t *v = &vectors[_i];
    for (size_t cap = 0; cap < v->desc_len; cap++) {
        uint8_t out[RTP_VP8_DESC_MAX_LEN];
        memset(out, 0xee, sizeof out);
        size_t written = 99;
        ck_assert_int_eq(rtp_vp8_desc_write(&v->desc, out, cap, &written), RTP_ERR_NO_SPACE);
        ck_assert_uint_eq(written, 99);
        for (size_t k = 0; k < sizeof out; k++)
            ck_assert_uint_eq(out[k], 0xee);
    }
}
END_TEST

/* The SFU forces 15-bit PictureIDs: the same descriptor, one byte longer. */
START_TEST(test_write_forced_long_picture_id)
{
    rtp_vp8_desc_t d;
    size_t desc_len;
    ck_assert_int_eq(rtp_vp8_desc_parse(vectors[0].bytes, vectors[0].len, &d, &desc_len), RTP_OK);
    d.picture_id_long = true;
    uint8_t out[RTP_VP8_DESC_MAX_LEN];
    size_t written;
    ck_assert_uint_eq(rtp_vp8_desc_size(&d), 4);
    ck_assert_int_eq(rtp_vp8_desc_write(&d, out, sizeof out, &written), RTP_OK);
    ck_assert_uint_eq(written, 4);
    const uint8_t want[] = { 0x90, 0x80, 0x80, 0x11 };
    ck_assert_mem_eq(out, want, sizeof want);

    /* And back: a 15-bit ID that fits 7 bits can be written short. */
    rtp_vp8_desc_t back;
    uint8_t pkt[] = { 0x90, 0x80, 0x80, 0x11, 0x00 };
    ck_assert_int_eq(rtp_vp8_desc_parse(pkt, sizeof pkt, &back, &desc_len), RTP_OK);
    ck_assert_int_eq(back.picture_id_long, true);
    ck_assert_uint_eq(back.picture_id, 17);
    back.picture_id_long = false;
    ck_assert_int_eq(rtp_vp8_desc_write(&back, out, sizeof out, &written), RTP_OK);
    ck_assert_mem_eq(out, vectors[0].bytes, 3);
}
END_TEST

/* I, L, T or K imply the extension octet even when `extended` is false. */
START_TEST(test_write_implies_extension)
{
    rtp_vp8_desc_t d = { .start_of_partition = true, .has_keyidx = true, .keyidx = 3 };
    uint8_t out[RTP_VP8_DESC_MAX_LEN];
    size_t written;
    ck_assert_int_eq(rtp_vp8_desc_write(&d, out, sizeof out, &written), RTP_OK);
    const uint8_t want[] = { 0x90, 0x10, 0x03 };
    ck_assert_uint_eq(written, sizeof want);
    ck_assert_mem_eq(out, want, sizeof want);
}
END_TEST

/* Values the writer must refuse; the base is valid. */
static const struct {
    const char *name;
    rtp_vp8_desc_t desc;
} invalid_descs[] = {
    { "PID 8", { .partition_index = 8 } },
    { "7-bit PictureID 128", { .has_picture_id = true, .picture_id = 128 } },
    { "15-bit PictureID 0x8000",
      { .has_picture_id = true, .picture_id_long = true, .picture_id = 0x8000 } },
    { "TID 4", { .has_tid = true, .tid = 4 } },
    { "KEYIDX 32", { .has_keyidx = true, .keyidx = 32 } },
    { "L without T", { .has_tl0picidx = true, .tl0picidx = 1 } },
};

START_TEST(test_write_invalid)
{
    uint8_t out[RTP_VP8_DESC_MAX_LEN] = { 0 };
    size_t written = 99;
    ck_assert_msg(rtp_vp8_desc_write(&invalid_descs[_i].desc, out, sizeof out, &written) ==
                      RTP_ERR_INVALID_ARG,
                  "%s", invalid_descs[_i].name);
    ck_assert_uint_eq(written, 99);
    ck_assert_uint_eq(out[0], 0);
}
END_TEST

/* Absent fields are ignored by the writer, whatever they hold. */
START_TEST(test_write_ignores_absent_values)
{
    rtp_vp8_desc_t d = { .has_keyidx = true,
                         .keyidx = 9,
                         .tid = 3,
                         .layer_sync = true,
                         .picture_id = 0xffff,
                         .tl0picidx = 7 };
    uint8_t out[RTP_VP8_DESC_MAX_LEN];
    size_t written;
    ck_assert_int_eq(rtp_vp8_desc_write(&d, out, sizeof out, &written), RTP_OK);
    const uint8_t want[] = { 0x80, 0x10, 0x09 };
    ck_assert_uint_eq(written, sizeof want);
    ck_assert_mem_eq(out, want, sizeof want);
}
END_TEST

/* RFC 7741 section 4.2: L=1 requires T=1. */
START_TEST(test_parse_l_without_t)
{
    const uint8_t pkt[] = { 0x90, 0x40, 0x05, 0x00 };
    rtp_vp8_desc_t d;
    size_t desc_len = 99;
    ck_assert_int_eq(rtp_vp8_desc_parse(pkt, sizeof pkt, &d, &desc_len), RTP_ERR_MALFORMED);
    ck_assert_uint_eq(desc_len, 99);
    /* With K the T/K octet is there, but T is still required. */
    const uint8_t with_k[] = { 0x90, 0x50, 0x05, 0x03, 0x00 };
    ck_assert_int_eq(rtp_vp8_desc_parse(with_k, sizeof with_k, &d, &desc_len), RTP_ERR_MALFORMED);
}
END_TEST

/* R and RSV "MUST be ignored by the receiver"; so are the unannounced
 * halves of the T/K octet. */
START_TEST(test_parse_ignores_reserved)
{
    /* 4.6.1's descriptor with both R bits and all RSV bits set. */
    const uint8_t pkt[] = { 0xd8, 0x8f, 0x11, 0x90 };
    rtp_vp8_desc_t d;
    size_t desc_len;
    ck_assert_int_eq(rtp_vp8_desc_parse(pkt, sizeof pkt, &d, &desc_len), RTP_OK);
    ck_assert_uint_eq(desc_len, 3);
    assert_desc_eq(&d, &vectors[0].desc);

    /* K only: TID and Y bits set but ignored. */
    const uint8_t k_only[] = { 0x90, 0x10, 0xf1, 0x00 };
    ck_assert_int_eq(rtp_vp8_desc_parse(k_only, sizeof k_only, &d, &desc_len), RTP_OK);
    ck_assert_int_eq(d.has_tid, false);
    ck_assert_uint_eq(d.tid, 0);
    ck_assert_int_eq(d.layer_sync, false);
    ck_assert_uint_eq(d.keyidx, 17);

    /* T only: KEYIDX bits set but ignored. */
    const uint8_t t_only[] = { 0x90, 0x20, 0x5f, 0x00 };
    ck_assert_int_eq(rtp_vp8_desc_parse(t_only, sizeof t_only, &d, &desc_len), RTP_OK);
    ck_assert_uint_eq(d.tid, 1);
    ck_assert_int_eq(d.layer_sync, false);
    ck_assert_int_eq(d.has_keyidx, false);
    ck_assert_uint_eq(d.keyidx, 0);
}
END_TEST

START_TEST(test_starts_frame)
{
    const vp8_vector_t *v = &vectors[_i];
    ck_assert_msg(rtp_vp8_desc_starts_frame(&v->desc) == v->starts_frame, "%s", v->name);
}
END_TEST

/* --- in-place rewrite --------------------------------------------------- */

START_TEST(test_rewrite_long)
{
    uint8_t pkt[sizeof vectors[4].bytes];
    memcpy(pkt, vectors[4].bytes, sizeof pkt);
    ck_assert_int_eq(rtp_vp8_desc_rewrite(pkt, vectors[4].len, 0x7abc, 9), RTP_OK);
    const uint8_t want[] = { 0x90, 0x80, 0xfa, 0xbc, KEY_640x480 };
    ck_assert_mem_eq(pkt, want, sizeof want);

    rtp_vp8_desc_t d;
    size_t desc_len;
    ck_assert_int_eq(rtp_vp8_desc_parse(pkt, vectors[4].len, &d, &desc_len), RTP_OK);
    ck_assert_uint_eq(d.picture_id, 0x7abc);
    ck_assert_int_eq(d.has_tl0picidx, false);
}
END_TEST

START_TEST(test_rewrite_short)
{
    uint8_t pkt[sizeof vectors[0].bytes];
    memcpy(pkt, vectors[0].bytes, sizeof pkt);
    ck_assert_int_eq(rtp_vp8_desc_rewrite(pkt, vectors[0].len, 127, 0), RTP_OK);
    ck_assert_uint_eq(pkt[2], 0x7f);
    ck_assert_mem_eq(pkt + 3, vectors[0].bytes + 3, vectors[0].len - 3);
}
END_TEST

/* A 7-bit field cannot take a 15-bit ID without moving the payload. */
START_TEST(test_rewrite_short_overflow)
{
    uint8_t pkt[sizeof vectors[0].bytes];
    memcpy(pkt, vectors[0].bytes, sizeof pkt);
    ck_assert_int_eq(rtp_vp8_desc_rewrite(pkt, vectors[0].len, 128, 0), RTP_ERR_UNSUPPORTED);
    ck_assert_mem_eq(pkt, vectors[0].bytes, vectors[0].len);
    ck_assert_int_eq(rtp_vp8_desc_rewrite(pkt, vectors[0].len, 0x8000, 0), RTP_ERR_INVALID_ARG);
    ck_assert_mem_eq(pkt, vectors[0].bytes, vectors[0].len);
}
END_TEST

START_TEST(test_rewrite_all_fields)
{
    /* The all-maximum descriptor with both R bits and RSV set: they and
     * the T/K octet survive the rewrite. */
    uint8_t pkt[] = { 0xeb, 0xff, 0xff, 0xff, 0xff, 0xff, 0x42 };
    ck_assert_int_eq(rtp_vp8_desc_rewrite(pkt, sizeof pkt, 5, 42), RTP_OK);
    const uint8_t want[] = { 0xeb, 0xff, 0x80, 0x05, 42, 0xff, 0x42 };
    ck_assert_mem_eq(pkt, want, sizeof want);
}
END_TEST

START_TEST(test_rewrite_tl0_only)
{
    /* No PictureID: any valid ID is accepted and ignored. */
    uint8_t pkt[sizeof vectors[6].bytes];
    memcpy(pkt, vectors[6].bytes, sizeof pkt);
    ck_assert_int_eq(rtp_vp8_desc_rewrite(pkt, vectors[6].len, 0x7fff, 200), RTP_OK);
    ck_assert_uint_eq(pkt[2], 200);
    pkt[2] = vectors[6].bytes[2];
    ck_assert_mem_eq(pkt, vectors[6].bytes, vectors[6].len);
}
END_TEST

START_TEST(test_rewrite_nothing_to_rewrite)
{
    uint8_t pkt[sizeof vectors[1].bytes];
    memcpy(pkt, vectors[1].bytes, sizeof pkt);
    ck_assert_int_eq(rtp_vp8_desc_rewrite(pkt, vectors[1].len, 300, 1), RTP_OK);
    ck_assert_mem_eq(pkt, vectors[1].bytes, vectors[1].len);
}
END_TEST

START_TEST(test_rewrite_truncated)
{
    const vp8_vector_t *v = &vectors[_i];
    for (size_t n = 0; n <= v->desc_len; n++) {
        uint8_t pkt[sizeof v->bytes];
        memcpy(pkt, v->bytes, sizeof pkt);
        ck_assert_int_eq(rtp_vp8_desc_rewrite(pkt, n, 1, 1), RTP_ERR_TRUNCATED);
        ck_assert_mem_eq(pkt, v->bytes, v->len);
    }
}
END_TEST

START_TEST(test_rewrite_malformed)
{
    uint8_t pkt[] = { 0x90, 0xc0, 0x11, 0x05, 0x00 }; /* I and L, no T */
    ck_assert_int_eq(rtp_vp8_desc_rewrite(pkt, sizeof pkt, 1, 1), RTP_ERR_MALFORMED);
    ck_assert_uint_eq(pkt[2], 0x11);
    ck_assert_uint_eq(pkt[3], 0x05);
}
END_TEST

/* --- frame start peek --------------------------------------------------- */

static const uint8_t key_640x480[] = { KEY_640x480 };

START_TEST(test_peek_keyframe)
{
    rtp_vp8_frame_info_t f;
    ck_assert_int_eq(rtp_vp8_peek(key_640x480, sizeof key_640x480, &f), RTP_OK);
    ck_assert_int_eq(f.have, RTP_VP8_HAVE_DIMENSIONS);
    ck_assert_int_eq(f.keyframe, true);
    ck_assert_uint_eq(f.version, 0);
    ck_assert_int_eq(f.show_frame, true);
    ck_assert_uint_eq(f.first_partition_size, 0x1234);
    ck_assert_uint_eq(f.width, 640);
    ck_assert_uint_eq(f.height, 480);
    ck_assert_uint_eq(f.horizontal_scale, 0);
    ck_assert_uint_eq(f.vertical_scale, 0);
}
END_TEST

/* Scale bits are the top two of each 16-bit word (RFC 6386 section 9.1);
 * version 3, show_frame 0, the largest 19-bit partition size. */
START_TEST(test_peek_keyframe_scales)
{
    const uint8_t hdr[] = { 0xe6, 0xff, 0xff, 0x9d, 0x01, 0x2a, 0x80, 0x42, 0xe0, 0xc1, 0x00 };
    rtp_vp8_frame_info_t f;
    ck_assert_int_eq(rtp_vp8_peek(hdr, sizeof hdr, &f), RTP_OK);
    ck_assert_int_eq(f.keyframe, true);
    ck_assert_uint_eq(f.version, 3);
    ck_assert_int_eq(f.show_frame, false);
    ck_assert_uint_eq(f.first_partition_size, 0x7ffff);
    ck_assert_uint_eq(f.width, 640);
    ck_assert_uint_eq(f.horizontal_scale, 1);
    ck_assert_uint_eq(f.height, 480);
    ck_assert_uint_eq(f.vertical_scale, 3);
}
END_TEST

START_TEST(test_peek_delta)
{
    const uint8_t hdr[] = { DELTA_100 };
    rtp_vp8_frame_info_t f;
    ck_assert_int_eq(rtp_vp8_peek(hdr, sizeof hdr, &f), RTP_OK);
    ck_assert_int_eq(f.have, RTP_VP8_HAVE_TAG);
    ck_assert_int_eq(f.keyframe, false);
    ck_assert_int_eq(f.show_frame, true);
    ck_assert_uint_eq(f.first_partition_size, 100);
    ck_assert_uint_eq(f.width, 0);

    /* One clear byte: enough for P, version and show_frame. */
    ck_assert_int_eq(rtp_vp8_peek(hdr, 1, &f), RTP_ERR_TRUNCATED);
    ck_assert_int_eq(f.have, RTP_VP8_HAVE_TAG_BYTE);
    ck_assert_int_eq(f.keyframe, false);
    ck_assert_int_eq(f.show_frame, true);
    ck_assert_uint_eq(f.first_partition_size, 0);
}
END_TEST

/* What each clear-prefix length of a key frame yields. */
START_TEST(test_peek_keyframe_prefixes)
{
    static const rtp_vp8_have_t want[] = {
        RTP_VP8_HAVE_NOTHING,    RTP_VP8_HAVE_TAG_BYTE,   RTP_VP8_HAVE_TAG_BYTE,
        RTP_VP8_HAVE_TAG,        RTP_VP8_HAVE_TAG,        RTP_VP8_HAVE_TAG,
        RTP_VP8_HAVE_START_CODE, RTP_VP8_HAVE_START_CODE, RTP_VP8_HAVE_START_CODE,
        RTP_VP8_HAVE_START_CODE,
    };
    for (size_t n = 0; n < sizeof key_640x480; n++) {
        rtp_vp8_frame_info_t f;
        ck_assert_msg(rtp_vp8_peek(key_640x480, n, &f) == RTP_ERR_TRUNCATED, "prefix %zu", n);
        ck_assert_int_eq(f.have, want[n]);
        ck_assert_int_eq(f.keyframe, n > 0);
        ck_assert_uint_eq(f.first_partition_size, n >= 3 ? 0x1234 : 0);
        ck_assert_uint_eq(f.width, 0);
    }
}
END_TEST

START_TEST(test_peek_bad_start_code)
{
    uint8_t hdr[] = { KEY_640x480 };
    hdr[5] = 0x2b;
    rtp_vp8_frame_info_t f;
    ck_assert_int_eq(rtp_vp8_peek(hdr, sizeof hdr, &f), RTP_ERR_MALFORMED);
    ck_assert_int_eq(f.have, RTP_VP8_HAVE_TAG);
    ck_assert_int_eq(f.keyframe, true);
    ck_assert_uint_eq(f.width, 0);
    /* Checked as soon as the 3 start-code bytes are there. */
    ck_assert_int_eq(rtp_vp8_peek(hdr, 6, &f), RTP_ERR_MALFORMED);
}
END_TEST

/* Descriptor then peek, as the SFU does on RFC 7741 section 4.6.1's and
 * 4.6.5's packets. */
START_TEST(test_peek_after_descriptor)
{
    static const int key_vectors[] = { 0, 4 };
    for (size_t k = 0; k < 2; k++) {
        const vp8_vector_t *v = &vectors[key_vectors[k]];
        rtp_vp8_desc_t d;
        size_t desc_len;
        ck_assert_int_eq(rtp_vp8_desc_parse(v->bytes, v->len, &d, &desc_len), RTP_OK);
        ck_assert(rtp_vp8_desc_starts_frame(&d));
        rtp_vp8_frame_info_t f;
        ck_assert_int_eq(rtp_vp8_peek(v->bytes + desc_len, v->len - desc_len, &f), RTP_OK);
        ck_assert_int_eq(f.keyframe, true);
        ck_assert_uint_eq(f.width, 640);
        ck_assert_uint_eq(f.height, 480);
    }
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("vp8");

    TCase *desc = tcase_create("descriptor");
    tcase_add_loop_test(desc, test_vector_parse, 0, N_VECTORS);
    tcase_add_loop_test(desc, test_vector_write, 0, N_VECTORS);
    tcase_add_loop_test(desc, test_vector_truncated, 0, N_VECTORS);
    tcase_add_loop_test(desc, test_write_no_space, 0, N_VECTORS);
    tcase_add_test(desc, test_write_forced_long_picture_id);
    tcase_add_test(desc, test_write_implies_extension);
    tcase_add_loop_test(desc, test_write_invalid, 0,
                        (int)(sizeof invalid_descs / sizeof invalid_descs[0]));
    tcase_add_test(desc, test_write_ignores_absent_values);
    tcase_add_test(desc, test_parse_l_without_t);
    tcase_add_test(desc, test_parse_ignores_reserved);
    tcase_add_loop_test(desc, test_starts_frame, 0, N_VECTORS);
    suite_add_tcase(s, desc);

    TCase *rewrite = tcase_create("rewrite");
    tcase_add_test(rewrite, test_rewrite_long);
    tcase_add_test(rewrite, test_rewrite_short);
    tcase_add_test(rewrite, test_rewrite_short_overflow);
    tcase_add_test(rewrite, test_rewrite_all_fields);
    tcase_add_test(rewrite, test_rewrite_tl0_only);
    tcase_add_test(rewrite, test_rewrite_nothing_to_rewrite);
    tcase_add_loop_test(rewrite, test_rewrite_truncated, 0, N_VECTORS);
    tcase_add_test(rewrite, test_rewrite_malformed);
    suite_add_tcase(s, rewrite);

    TCase *peek = tcase_create("peek");
    tcase_add_test(peek, test_peek_keyframe);
    tcase_add_test(peek, test_peek_keyframe_scales);
    tcase_add_test(peek, test_peek_delta);
    tcase_add_test(peek, test_peek_keyframe_prefixes);
    tcase_add_test(peek, test_peek_bad_start_code);
    tcase_add_test(peek, test_peek_after_descriptor);
    suite_add_tcase(s, peek);
    return s;
}
