/* Tests for the AV1 dependency descriptor (rtp/rtp_dd.h, rtp/dd.c).
 *
 * Sources of the vectors:
 *   - L1T3 and L3T3 structures: AV1 RTP spec, Appendix A.10.2.1 and
 *     A.10.2.2 (template tables, transcribed).
 *   - Hand-assembled bit strings for the L1T3 keyframe and an ns(5) case,
 *     written out field by field from the A.8.2 syntax in the comments.
 *   - A Chrome (libwebrtc) L3T3 capture: the hex strings of livekit/livekit
 *     pkg/sfu/dependencydescriptor/dependencydescriptorextension_test.go
 *     ("hex bytes from traffic capture"). Their structure is checked against
 *     libwebrtc's own table, modules/video_coding/svc/
 *     scalability_structure_l3t3.cc, and their bytes against our writer. */
#include "rtp/rtp.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------- */

typedef struct tpl_row {
    uint8_t spatial_id, temporal_id;
    const char *dtis; /* one of "-DSR" per decode target */
    uint8_t fdiff_count;
    uint8_t fdiffs[3];
    uint8_t chain_fdiffs[3];
} tpl_row_t;

static uint8_t dti_value(char symbol)
{
    const char *symbols = "-DSR";
    const char *at = strchr(symbols, symbol);
    ck_assert_ptr_nonnull(at);
    return (uint8_t)(at - symbols);
}

static void build_structure(rtp_dd_structure_t *s, uint8_t offset, uint8_t dt_count,
                            uint8_t chain_count, const uint8_t *protected_by, const tpl_row_t *rows,
                            size_t row_count)
{
    memset(s, 0, sizeof *s);
    s->template_id_offset = offset;
    s->dt_count = dt_count;
    s->chain_count = chain_count;
    s->template_count = (uint8_t)row_count;
    for (unsigned dt = 0; chain_count > 0 && dt < dt_count; dt++)
        s->decode_target_protected_by[dt] = protected_by[dt];
    for (size_t t = 0; t < row_count; t++) {
        rtp_dd_template_t *tpl = &s->templates[t];
        tpl->spatial_id = rows[t].spatial_id;
        tpl->temporal_id = rows[t].temporal_id;
        ck_assert_uint_eq(strlen(rows[t].dtis), dt_count);
        for (unsigned dt = 0; dt < dt_count; dt++)
            tpl->dtis[dt] = dti_value(rows[t].dtis[dt]);
        tpl->fdiff_count = rows[t].fdiff_count;
        memcpy(tpl->fdiffs, rows[t].fdiffs, rows[t].fdiff_count);
        memcpy(tpl->chain_fdiffs, rows[t].chain_fdiffs, chain_count);
    }
}

/* A.10.2.1: L1T3, one chain. The spec numbers templates 1..5; with
 * template_id_offset 1 those numbers are the frame_dependency_template_ids. */
static void structure_l1t3(rtp_dd_structure_t *s)
{
    static const tpl_row_t rows[] = {
        { 0, 0, "SSS", 0, { 0 }, { 0 } }, { 0, 0, "SSS", 1, { 4 }, { 4 } },
        { 0, 1, "SD-", 1, { 2 }, { 2 } }, { 0, 2, "D--", 1, { 1 }, { 1 } },
        { 0, 2, "D--", 1, { 1 }, { 3 } },
    };
    static const uint8_t protected_by[] = { 0, 0, 0 };
    build_structure(s, 1, 3, 1, protected_by, rows, sizeof rows / sizeof rows[0]);
}

/* A.10.2.2: L3T3 full SVC, three chains. Decode targets in the spec's order:
 * HD 30/15/7.5, VGA 30/15/7.5, QVGA 30/15/7.5. Resolutions added. */
static void structure_l3t3_spec(rtp_dd_structure_t *s)
{
    static const tpl_row_t rows[] = {
        { 0, 0, "SSSSSSSSS", 0, { 0 }, { 0, 0, 0 } },
        { 0, 0, "RRRRRRSSS", 1, { 12 }, { 12, 11, 10 } },
        { 0, 1, "RR-RR-SD-", 1, { 6 }, { 6, 5, 4 } },
        { 0, 2, "R--R--D--", 1, { 3 }, { 3, 2, 1 } },
        { 0, 2, "R--R--D--", 1, { 3 }, { 9, 8, 7 } },
        { 1, 0, "SSSSSS---", 1, { 1 }, { 1, 1, 1 } },
        { 1, 0, "RRRSSS---", 2, { 12, 1 }, { 1, 1, 1 } },
        { 1, 1, "RR-SD----", 2, { 6, 1 }, { 7, 6, 5 } },
        { 1, 2, "R--D-----", 2, { 3, 1 }, { 4, 3, 2 } },
        { 1, 2, "R--D-----", 2, { 3, 1 }, { 10, 9, 8 } },
        { 2, 0, "SSS------", 1, { 1 }, { 2, 1, 1 } },
        { 2, 0, "SSS------", 2, { 12, 1 }, { 2, 1, 1 } },
        { 2, 1, "SD-------", 2, { 6, 1 }, { 8, 7, 6 } },
        { 2, 2, "D--------", 2, { 3, 1 }, { 5, 4, 3 } },
        { 2, 2, "D--------", 2, { 3, 1 }, { 11, 10, 9 } },
    };
    static const uint8_t protected_by[] = { 2, 2, 2, 1, 1, 1, 0, 0, 0 };
    build_structure(s, 0, 9, 3, protected_by, rows, sizeof rows / sizeof rows[0]);
    s->has_resolutions = true;
    s->render_width[0] = 320, s->render_height[0] = 180;
    s->render_width[1] = 640, s->render_height[1] = 360;
    s->render_width[2] = 1280, s->render_height[2] = 720;
}

/* libwebrtc's L3T3 (scalability_structure_l3t3.cc, templates in their
 * sorted order t[0x0]..t[0xE]) with the resolutions of the capture. */
static void structure_l3t3_libwebrtc(rtp_dd_structure_t *s)
{
    static const tpl_row_t rows[] = {
        { 0, 0, "SSSRRRRRR", 1, { 12 }, { 12, 11, 10 } },
        { 0, 0, "SSSSSSSSS", 0, { 0 }, { 0, 0, 0 } },
        { 0, 1, "-DS-RR-RR", 1, { 6 }, { 6, 5, 4 } },
        { 0, 2, "--D--R--R", 1, { 3 }, { 3, 2, 1 } },
        { 0, 2, "--D--R--R", 1, { 3 }, { 9, 8, 7 } },
        { 1, 0, "---SSSRRR", 2, { 12, 1 }, { 1, 1, 1 } },
        { 1, 0, "---SSSSSS", 1, { 1 }, { 1, 1, 1 } },
        { 1, 1, "----DS-RR", 2, { 6, 1 }, { 7, 6, 5 } },
        { 1, 2, "-----D--R", 2, { 3, 1 }, { 4, 3, 2 } },
        { 1, 2, "-----D--R", 2, { 3, 1 }, { 10, 9, 8 } },
        { 2, 0, "------SSS", 2, { 12, 1 }, { 2, 1, 1 } },
        { 2, 0, "------SSS", 1, { 1 }, { 2, 1, 1 } },
        { 2, 1, "-------DS", 2, { 6, 1 }, { 8, 7, 6 } },
        { 2, 2, "--------D", 2, { 3, 1 }, { 5, 4, 3 } },
        { 2, 2, "--------D", 2, { 3, 1 }, { 11, 10, 9 } },
    };
    static const uint8_t protected_by[] = { 0, 0, 0, 1, 1, 1, 2, 2, 2 };
    build_structure(s, 0, 9, 3, protected_by, rows, sizeof rows / sizeof rows[0]);
    s->has_resolutions = true;
    s->render_width[0] = 120, s->render_height[0] = 67;
    s->render_width[1] = 240, s->render_height[1] = 135;
    s->render_width[2] = 480, s->render_height[2] = 270;
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    ck_assert_uint_le(n, cap);
    for (size_t i = 0; i < n; i++) {
        unsigned byte;
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &byte), 1);
        out[i] = (uint8_t)byte;
    }
    return n;
}

/* Every prefix of a valid, minimally encoded descriptor: shorter than 3
 * bytes is truncated; exactly 3 bytes is a valid compact descriptor with the
 * same mandatory fields; anything between is truncated (or, without a
 * structure to resolve against, needs one). */
static void check_prefixes(const uint8_t *bytes, size_t len, const rtp_dd_structure_t *prev)
{
    rtp_dd_t full, part;
    ck_assert_int_eq(rtp_dd_parse(bytes, len, prev, &full, NULL), RTP_OK);
    for (size_t n = 0; n < len; n++) {
        rtp_err_t err = rtp_dd_parse(bytes, n, prev, &part, NULL);
        if (n < 3) {
            ck_assert_int_eq(err, RTP_ERR_TRUNCATED);
            continue;
        }
        ck_assert_int_eq(part.start_of_frame, full.start_of_frame);
        ck_assert_int_eq(part.end_of_frame, full.end_of_frame);
        ck_assert_uint_eq(part.template_id, full.template_id);
        ck_assert_uint_eq(part.frame_number, full.frame_number);
        if (n == 3) {
            ck_assert(err == RTP_OK || err == RTP_ERR_NEED_STRUCTURE);
            ck_assert(!part.has_structure);
        } else if (prev || full.has_structure) {
            ck_assert_msg(err == RTP_ERR_TRUNCATED, "prefix %zu of %zu: %s", n, len,
                          rtp_errname(err));
        } else {
            ck_assert(err == RTP_ERR_TRUNCATED || err == RTP_ERR_NEED_STRUCTURE);
        }
    }
}

/* A test-only bit writer for hostile vectors. */
typedef struct bitbuf {
    uint8_t bytes[600];
    size_t bits;
} bitbuf_t;

static void put(bitbuf_t *b, uint32_t value, unsigned n)
{
    ck_assert_uint_le(n, 32);
    for (unsigned i = 0; i < n; i++, b->bits++) {
        ck_assert_uint_lt(b->bits / 8, sizeof b->bytes);
        if ((value >> (n - 1 - i)) & 1u)
            b->bytes[b->bits / 8] = (uint8_t)(b->bytes[b->bits / 8] | (0x80u >> (b->bits % 8)));
    }
}

/* Appends whole zero bytes, so a failure cannot be blamed on truncation. */
static void pad(bitbuf_t *b, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        put(b, 0, 8);
}

static size_t bitbuf_len(const bitbuf_t *b)
{
    return (b->bits + 7) / 8;
}

/* ---- known bytes ----------------------------------------------------------- */

/* L1T3 keyframe (A.10.2.1), assembled by hand from the A.8.2 syntax:
 *   11 000001 0x1234          start, end, template id 1, frame_number
 *   1 0 0 0 0                 structure present, nothing else
 *   000001 00010              template_id_offset 1, dt_cnt_minus_one 2
 *   00 01 01 00 11            next_layer_idc: T0 T0 T1 T2 T2, end
 *   101010 101010 100100 010000 010000    DTIs SSS SSS SD- D-- D--
 *   0 | 1 0011 0 | 1 0001 0 | 1 0000 0 | 1 0000 0   fdiffs -, 4, 2, 1, 1
 *   01                        chain_cnt 1 as ns(4)
 *                             decode_target_protected_by: ns(1), no bits
 *   0000 0100 0010 0001 0011  template chain fdiffs 0 4 2 1 3
 *   0                         no resolutions
 * = 128 bits, no padding. */
static const uint8_t l1t3_keyframe[] = { 0xc1, 0x12, 0x34, 0x80, 0x22, 0x14, 0xea, 0xaa,
                                         0x44, 0x10, 0x4d, 0x14, 0x10, 0x20, 0x84, 0x26 };

START_TEST(test_l1t3_keyframe_known_bytes)
{
    rtp_dd_structure_t expected, parsed;
    structure_l1t3(&expected);

    rtp_dd_t dd;
    ck_assert_int_eq(rtp_dd_parse(l1t3_keyframe, sizeof l1t3_keyframe, NULL, &dd, &parsed), RTP_OK);
    ck_assert(rtp_dd_structure_equal(&parsed, &expected));
    ck_assert(dd.start_of_frame && dd.end_of_frame && dd.has_structure);
    ck_assert(rtp_dd_is_keyframe_start(&dd));
    ck_assert_uint_eq(dd.template_id, 1);
    ck_assert_uint_eq(dd.frame_number, 0x1234);
    ck_assert(dd.active_decode_targets_present);
    ck_assert_uint_eq(dd.active_decode_targets, 0x7);
    ck_assert_uint_eq(dd.spatial_id, 0);
    ck_assert_uint_eq(dd.temporal_id, 0);
    ck_assert_uint_eq(dd.dt_count, 3);
    ck_assert_uint_eq(dd.dtis[0], RTP_DD_DTI_SWITCH);
    ck_assert_uint_eq(dd.fdiff_count, 0);
    ck_assert_uint_eq(dd.chain_count, 1);
    ck_assert_uint_eq(dd.chain_fdiffs[0], 0);
    ck_assert(!dd.has_resolution);

    /* The writer produces the same bits. */
    uint8_t out[64];
    size_t len;
    ck_assert_int_eq(rtp_dd_write(&dd, &expected, out, sizeof out, &len), RTP_OK);
    ck_assert_uint_eq(len, sizeof l1t3_keyframe);
    ck_assert_mem_eq(out, l1t3_keyframe, len);
    check_prefixes(l1t3_keyframe, sizeof l1t3_keyframe, NULL);
}
END_TEST

/* ns(5) from the spec's table (A.8.2: 3 -> "110"), through chain_cnt:
 *   10 000000 0x0000          start, template id 0, frame 0
 *   1 0 0 0 0                 structure present
 *   000000 00011              offset 0, DtCnt 4
 *   11                        one template
 *   10101010                  DTIs SSSS
 *   0                         no fdiffs
 *   110                       chain_cnt 3 as ns(5)
 *   0 10 11 11                protected_by 0 1 2 2 as ns(3)
 *   0000 0000 0000            chain fdiffs
 *   0                         no resolutions
 * = 74 bits, 6 padding bits. */
START_TEST(test_ns_known_bytes)
{
    static const uint8_t bytes[] = { 0x80, 0x00, 0x00, 0x80, 0x03, 0xea, 0x99, 0x78, 0x00, 0x00 };
    rtp_dd_t dd;
    rtp_dd_structure_t s;
    ck_assert_int_eq(rtp_dd_parse(bytes, sizeof bytes, NULL, &dd, &s), RTP_OK);
    ck_assert_uint_eq(s.dt_count, 4);
    ck_assert_uint_eq(s.chain_count, 3);
    ck_assert_uint_eq(s.decode_target_protected_by[0], 0);
    ck_assert_uint_eq(s.decode_target_protected_by[1], 1);
    ck_assert_uint_eq(s.decode_target_protected_by[2], 2);
    ck_assert_uint_eq(s.decode_target_protected_by[3], 2);
    ck_assert_uint_eq(s.template_count, 1);
    ck_assert_uint_eq(dd.active_decode_targets, 0xf);

    uint8_t out[16];
    size_t len;
    ck_assert_int_eq(rtp_dd_write(&dd, &s, out, sizeof out, &len), RTP_OK);
    ck_assert_uint_eq(len, sizeof bytes);
    ck_assert_mem_eq(out, bytes, len);
    check_prefixes(bytes, sizeof bytes, NULL);
}
END_TEST

/* ---- Chrome capture -------------------------------------------------------- */

typedef struct capture_row {
    const char *hex;
    bool start, end;
    uint8_t template_id;
    uint16_t frame_number;
    uint8_t spatial_id, temporal_id;
    bool active_present;
    uint32_t active;
    uint32_t width;
} capture_row_t;

static const capture_row_t capture[] = {
    { "c1017280081485214eafffaaaa863cf0430c10c302afc0aaa0063c00430010c002a000a80006000040001d95"
      "4926e082b04a0941b820ac1282503157f974000ca864330e222222eca8655304224230eca877530077004200"
      "ef008601df010d",
      true, true, 1, 370, 0, 0, true, 0x1ff, 120 },
    { "86017340fc", true, false, 6, 371, 1, 0, true, 0x3f, 240 },
    { "46017340fc", false, true, 6, 371, 1, 0, true, 0x3f, 240 },
    { "c3017540fc", true, true, 3, 373, 0, 2, true, 0x3f, 120 },
    { "88017640fc", true, false, 8, 374, 1, 2, true, 0x3f, 240 },
    { "48017640fc", false, true, 8, 374, 1, 2, true, 0x3f, 240 },
    { "c2017840fc", true, true, 2, 376, 0, 1, true, 0x3f, 120 },
    { "860173", true, false, 6, 371, 1, 0, false, 0, 240 },
    { "460173", false, true, 6, 371, 1, 0, false, 0, 240 },
    { "8b0174", true, false, 11, 372, 2, 0, false, 0, 480 },
    { "0b0174", false, false, 11, 372, 2, 0, false, 0, 480 },
    { "c30175", true, true, 3, 373, 0, 2, false, 0, 120 },
};

START_TEST(test_capture_structure_is_libwebrtc_l3t3)
{
    uint8_t bytes[128];
    size_t len = unhex(capture[0].hex, bytes, sizeof bytes);
    rtp_dd_t dd;
    rtp_dd_structure_t parsed, expected;
    structure_l3t3_libwebrtc(&expected);
    ck_assert_int_eq(rtp_dd_parse(bytes, len, NULL, &dd, &parsed), RTP_OK);
    ck_assert(rtp_dd_structure_equal(&parsed, &expected));
    ck_assert(rtp_dd_is_keyframe_start(&dd));

    /* libwebrtc's decode targets run from S0T0 up to S2T2. */
    uint8_t sid, tid;
    ck_assert_int_eq(rtp_dd_decode_target_layer(&parsed, 0, &sid, &tid), RTP_OK);
    ck_assert_uint_eq(sid, 0);
    ck_assert_uint_eq(tid, 0);
    ck_assert_int_eq(rtp_dd_decode_target_layer(&parsed, 5, &sid, &tid), RTP_OK);
    ck_assert_uint_eq(sid, 1);
    ck_assert_uint_eq(tid, 2);
    ck_assert_int_eq(rtp_dd_decode_target_layer(&parsed, 8, &sid, &tid), RTP_OK);
    ck_assert_uint_eq(sid, 2);
    ck_assert_uint_eq(tid, 2);
    ck_assert_int_eq(rtp_dd_decode_target_layer(&parsed, 9, &sid, &tid), RTP_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_capture_vectors)
{
    const capture_row_t *row = &capture[_i];
    rtp_dd_structure_t structure;
    structure_l3t3_libwebrtc(&structure);

    uint8_t bytes[128];
    size_t len = unhex(row->hex, bytes, sizeof bytes);
    rtp_dd_t dd;
    ck_assert_int_eq(rtp_dd_parse(bytes, len, &structure, &dd, NULL), RTP_OK);
    ck_assert_int_eq(dd.start_of_frame, row->start);
    ck_assert_int_eq(dd.end_of_frame, row->end);
    ck_assert_uint_eq(dd.template_id, row->template_id);
    ck_assert_uint_eq(dd.frame_number, row->frame_number);
    ck_assert_uint_eq(dd.spatial_id, row->spatial_id);
    ck_assert_uint_eq(dd.temporal_id, row->temporal_id);
    ck_assert_int_eq(dd.active_decode_targets_present, row->active_present);
    ck_assert_uint_eq(dd.active_decode_targets, row->active);
    ck_assert(dd.has_resolution);
    ck_assert_uint_eq(dd.max_width, row->width);
    ck_assert_int_eq(rtp_dd_is_keyframe_start(&dd), _i == 0);

    /* The frame's values are its template's: fdiffs, DTIs and chains. */
    rtp_dd_t from_template = dd;
    unsigned index = row->template_id; /* offset 0 */
    ck_assert_int_eq(rtp_dd_from_template(&structure, index, &from_template), RTP_OK);
    ck_assert(rtp_dd_equal(&dd, &from_template));

    /* Our writer produces exactly libwebrtc's bytes. */
    uint8_t out[128];
    size_t out_len;
    ck_assert_int_eq(rtp_dd_write(&dd, &structure, out, sizeof out, &out_len), RTP_OK);
    ck_assert_uint_eq(out_len, len);
    ck_assert_mem_eq(out, bytes, len);

    check_prefixes(bytes, len, &structure);
    if (dd.has_structure)
        check_prefixes(bytes, len, NULL);
}
END_TEST

/* ---- round trips ----------------------------------------------------------- */

enum { SHAPE_L1T3, SHAPE_L3T3 };
enum { CUSTOM_DTIS = 1, CUSTOM_FDIFFS = 2, CUSTOM_CHAINS = 4 };

typedef struct round_trip {
    const char *name;
    int shape;
    unsigned template_index;
    bool attach;
    bool active_present;
    uint32_t active;
    unsigned custom;
    /* Counted by hand from A.8.2; the comments count the bits after the 24
     * mandatory ones, rounded up to bytes, plus 3. */
    size_t expected_len;
} round_trip_t;

static const round_trip_t round_trips[] = {
    { "L1T3 keyframe", SHAPE_L1T3, 0, true, true, 0x7, 0, 16 },
    { "L1T3 T1 compact", SHAPE_L1T3, 2, false, false, 0, 0, 3 },
    { "L1T3 T2 compact", SHAPE_L1T3, 4, false, false, 0, 0, 3 },
    /* flags 5 + chain 8 = 13 bits */
    { "L1T3 custom chain", SHAPE_L1T3, 1, false, false, 0, CUSTOM_CHAINS, 5 },
    /* flags 5 + structure 731 = 736 bits */
    { "L3T3 keyframe with resolutions", SHAPE_L3T3, 0, true, true, 0x1ff, 0, 95 },
    /* + 9 bits of explicit active decode targets */
    { "L3T3 keyframe, some targets off", SHAPE_L3T3, 0, true, true, 0x0ff, 0, 97 },
    /* flags 5 + mask 9 */
    { "L3T3 active decode targets", SHAPE_L3T3, 6, false, true, 0x3f, 0, 5 },
    { "L3T3 all targets off", SHAPE_L3T3, 7, false, true, 0, 0, 5 },
    /* flags 5 + 9 DTIs x 2 */
    { "L3T3 custom dtis", SHAPE_L3T3, 3, false, false, 0, CUSTOM_DTIS, 6 },
    /* flags 5 + (2+4) + (2+8) + (2+12) + (2+12) + 2 */
    { "L3T3 custom fdiffs", SHAPE_L3T3, 9, false, false, 0, CUSTOM_FDIFFS, 10 },
    /* flags 5 + 3 x 8 */
    { "L3T3 custom chains", SHAPE_L3T3, 12, false, false, 0, CUSTOM_CHAINS, 7 },
    /* flags 5 + mask 9 + dtis 18 + fdiffs 46 + chains 24 = 102 bits */
    { "L3T3 everything custom", SHAPE_L3T3, 10, false, true, 0x1c0,
      CUSTOM_DTIS | CUSTOM_FDIFFS | CUSTOM_CHAINS, 16 },
    /* 736 + 9 + 18 + 46 + 24 = 833 bits */
    { "L3T3 keyframe everything custom", SHAPE_L3T3, 1, true, true, 0x1,
      CUSTOM_DTIS | CUSTOM_FDIFFS | CUSTOM_CHAINS, 108 },
};

static void build_shape(int shape, rtp_dd_structure_t *s)
{
    if (shape == SHAPE_L1T3)
        structure_l1t3(s);
    else
        structure_l3t3_spec(s);
}

START_TEST(test_round_trip)
{
    const round_trip_t *c = &round_trips[_i];
    rtp_dd_structure_t structure;
    build_shape(c->shape, &structure);

    /* Given a descriptor built from a template, with overrides */
    rtp_dd_t dd;
    memset(&dd, 0, sizeof dd);
    ck_assert_int_eq(rtp_dd_from_template(&structure, c->template_index, &dd), RTP_OK);
    dd.start_of_frame = true;
    dd.end_of_frame = _i % 2 == 0;
    dd.frame_number = (uint16_t)(0xfff0 + _i);
    dd.has_structure = c->attach;
    dd.active_decode_targets_present = c->active_present;
    dd.active_decode_targets = c->active;
    if (c->custom & CUSTOM_DTIS)
        for (unsigned dt = 0; dt < dd.dt_count; dt++)
            dd.dtis[dt] = (uint8_t)((dd.dtis[dt] + 1) % 4);
    if (c->custom & CUSTOM_FDIFFS) {
        static const uint16_t fdiffs[] = { 1, 17, 300, 4096 };
        dd.fdiff_count = 4;
        memcpy(dd.fdiffs, fdiffs, sizeof fdiffs);
    }
    if (c->custom & CUSTOM_CHAINS)
        for (unsigned ch = 0; ch < dd.chain_count; ch++)
            dd.chain_fdiffs[ch] = (uint8_t)(ch == 0 ? 255 : 7 * ch);

    /* When written */
    uint8_t bytes[256];
    size_t len;
    ck_assert_int_eq(rtp_dd_write(&dd, &structure, bytes, sizeof bytes, &len), RTP_OK);
    ck_assert_msg(len == c->expected_len, "%s: %zu bytes, expected %zu", c->name, len,
                  c->expected_len);
    if (len > 3) {
        unsigned flags = bytes[3] >> 3;
        ck_assert_uint_eq((flags >> 4) & 1, c->attach);
        ck_assert_uint_eq((flags >> 2) & 1, !!(c->custom & CUSTOM_DTIS));
        ck_assert_uint_eq((flags >> 1) & 1, !!(c->custom & CUSTOM_FDIFFS));
        ck_assert_uint_eq(flags & 1, !!(c->custom & CUSTOM_CHAINS));
    }

    /* Then parsing gives the same values, with the structure in force */
    rtp_dd_t parsed;
    rtp_dd_structure_t parsed_structure;
    memset(&parsed_structure, 0xab, sizeof parsed_structure);
    ck_assert_int_eq(rtp_dd_parse(bytes, len, &structure, &parsed, &parsed_structure), RTP_OK);
    ck_assert_msg(rtp_dd_equal(&parsed, &dd), "%s: values differ", c->name);
    ck_assert_int_eq(parsed.has_structure, c->attach);
    if (c->attach) {
        ck_assert(rtp_dd_structure_equal(&parsed_structure, &structure));
        ck_assert(rtp_dd_is_keyframe_start(&parsed));
        /* and also without any previous structure */
        ck_assert_int_eq(rtp_dd_parse(bytes, len, NULL, &parsed, NULL), RTP_OK);
        ck_assert(rtp_dd_equal(&parsed, &dd));
    } else {
        ck_assert_uint_eq(parsed_structure.dt_count, 0xab); /* untouched */
        ck_assert(!rtp_dd_is_keyframe_start(&parsed));
        rtp_dd_t alone;
        ck_assert_int_eq(rtp_dd_parse(bytes, len, NULL, &alone, NULL), RTP_ERR_NEED_STRUCTURE);
        ck_assert_uint_eq(alone.frame_number, dd.frame_number);
    }
    if (c->shape == SHAPE_L3T3) {
        uint32_t widths[] = { 320, 640, 1280 };
        ck_assert(parsed.has_resolution);
        ck_assert_uint_eq(parsed.max_width, widths[dd.spatial_id]);
    }
    check_prefixes(bytes, len, &structure);
}
END_TEST

/* chain_cnt is ns(DtCnt + 1) and decode_target_protected_by is ns(chain_cnt):
 * every chain count for DtCnt 5 (ns(6): 2- and 3-bit codes). */
START_TEST(test_chain_counts)
{
    static const tpl_row_t rows[] = {
        { 0, 0, "SSSSS", 0, { 0 }, { 0, 0, 0 } },
        { 0, 1, "RDS-R", 1, { 1 }, { 1, 2, 3 } },
    };
    uint8_t protected_by[5];
    unsigned chains = (unsigned)_i;
    for (unsigned dt = 0; dt < 5; dt++)
        protected_by[dt] = (uint8_t)(chains ? (dt + 1) % chains : 0);
    rtp_dd_structure_t s;
    build_structure(&s, 63, 5, 3, protected_by, rows, 2);
    s.chain_count = (uint8_t)chains;
    for (unsigned t = 0; t < 2; t++)
        for (unsigned c = 0; c < chains; c++)
            s.templates[t].chain_fdiffs[c] = (uint8_t)(t * 5 + c);

    rtp_dd_t dd = { 0 };
    ck_assert_int_eq(rtp_dd_from_template(&s, 1, &dd), RTP_OK);
    ck_assert_uint_eq(dd.template_id, 0); /* (63 + 1) % 64 */
    dd.has_structure = true;
    dd.active_decode_targets_present = true;
    dd.active_decode_targets = 0x1f;

    uint8_t bytes[64];
    size_t len;
    ck_assert_int_eq(rtp_dd_write(&dd, &s, bytes, sizeof bytes, &len), RTP_OK);
    rtp_dd_t parsed;
    rtp_dd_structure_t parsed_structure;
    ck_assert_int_eq(rtp_dd_parse(bytes, len, NULL, &parsed, &parsed_structure), RTP_OK);
    ck_assert(rtp_dd_structure_equal(&parsed_structure, &s));
    ck_assert(rtp_dd_equal(&parsed, &dd));
    ck_assert_uint_eq(parsed.temporal_id, 1);
    check_prefixes(bytes, len, NULL);
}
END_TEST

/* ---- needing a structure ------------------------------------------------------ */

START_TEST(test_need_structure)
{
    rtp_dd_t dd;
    rtp_dd_structure_t l1t3;
    structure_l1t3(&l1t3);

    /* Given no structure, a compact descriptor still gives its mandatory
     * fields (Chrome capture "c30175"). */
    static const uint8_t compact[] = { 0xc3, 0x01, 0x75 };
    ck_assert_int_eq(rtp_dd_parse(compact, sizeof compact, NULL, &dd, NULL),
                     RTP_ERR_NEED_STRUCTURE);
    ck_assert(dd.start_of_frame && dd.end_of_frame);
    ck_assert_uint_eq(dd.template_id, 3);
    ck_assert_uint_eq(dd.frame_number, 373);
    ck_assert(!dd.has_structure && !dd.active_decode_targets_present);
    ck_assert_uint_eq(dd.dt_count, 0);

    /* So does an extended one whose bitmask length depends on the structure
     * (capture "46017340fc"). */
    static const uint8_t extended[] = { 0x46, 0x01, 0x73, 0x40, 0xfc };
    ck_assert_int_eq(rtp_dd_parse(extended, sizeof extended, NULL, &dd, NULL),
                     RTP_ERR_NEED_STRUCTURE);
    ck_assert(!dd.start_of_frame && dd.end_of_frame);
    ck_assert_uint_eq(dd.template_id, 6);
    ck_assert_uint_eq(dd.frame_number, 371);
    ck_assert_uint_eq(dd.active_decode_targets, 0);

    /* A template id outside the structure in force: a newer structure was
     * lost (A.8.3 note). L1T3 has ids 1..5 (offset 1). */
    uint8_t bytes[3] = { 0x80 | 6, 0x00, 0x07 };
    ck_assert_int_eq(rtp_dd_parse(bytes, 3, &l1t3, &dd, NULL), RTP_ERR_NEED_STRUCTURE);
    ck_assert_uint_eq(dd.template_id, 6);
    ck_assert_uint_eq(dd.frame_number, 7);
    bytes[0] = 0x80 | 0; /* index (0 - 1) mod 64 = 63 */
    ck_assert_int_eq(rtp_dd_parse(bytes, 3, &l1t3, &dd, NULL), RTP_ERR_NEED_STRUCTURE);
    bytes[0] = 0x80 | 5; /* index 4: T2 */
    ck_assert_int_eq(rtp_dd_parse(bytes, 3, &l1t3, &dd, NULL), RTP_OK);
    ck_assert_uint_eq(dd.temporal_id, 2);
    ck_assert_uint_eq(dd.chain_fdiffs[0], 3);
}
END_TEST

START_TEST(test_structure_out_kept_on_failure)
{
    rtp_dd_structure_t l1t3, kept;
    structure_l1t3(&l1t3);
    kept = l1t3;
    rtp_dd_t dd;
    /* A keyframe cut short fails and leaves the structure alone... */
    ck_assert_int_eq(rtp_dd_parse(l1t3_keyframe, sizeof l1t3_keyframe - 1, &kept, &dd, &kept),
                     RTP_ERR_TRUNCATED);
    ck_assert(rtp_dd_structure_equal(&kept, &l1t3));
    ck_assert_uint_eq(dd.frame_number, 0x1234);
    ck_assert(!dd.has_structure);

    /* ...while a whole one replaces it, even when prev and out alias. */
    rtp_dd_structure_t other;
    structure_l3t3_spec(&other);
    ck_assert_int_eq(rtp_dd_parse(l1t3_keyframe, sizeof l1t3_keyframe, &other, &dd, &other),
                     RTP_OK);
    ck_assert(rtp_dd_structure_equal(&other, &l1t3));
}
END_TEST

/* ---- frame number rewrite ------------------------------------------------------ */

START_TEST(test_set_frame_number)
{
    uint8_t bytes[sizeof l1t3_keyframe];
    memcpy(bytes, l1t3_keyframe, sizeof bytes);
    rtp_dd_t before, after;
    ck_assert_int_eq(rtp_dd_parse(bytes, sizeof bytes, NULL, &before, NULL), RTP_OK);

    ck_assert_int_eq(rtp_dd_set_frame_number(bytes, sizeof bytes, 0xbeef), RTP_OK);
    ck_assert_uint_eq(bytes[1], 0xbe);
    ck_assert_uint_eq(bytes[2], 0xef);
    ck_assert_uint_eq(bytes[0], l1t3_keyframe[0]);
    ck_assert_mem_eq(bytes + 3, l1t3_keyframe + 3, sizeof bytes - 3);

    ck_assert_int_eq(rtp_dd_parse(bytes, sizeof bytes, NULL, &after, NULL), RTP_OK);
    ck_assert_uint_eq(after.frame_number, 0xbeef);
    after.frame_number = before.frame_number;
    ck_assert(rtp_dd_equal(&after, &before));

    /* A compact descriptor works the same; shorter input does not. */
    uint8_t compact[3] = { 0xc3, 0x01, 0x75 };
    ck_assert_int_eq(rtp_dd_set_frame_number(compact, 3, 0), RTP_OK);
    ck_assert_uint_eq(compact[0], 0xc3);
    ck_assert_uint_eq(compact[1], 0);
    ck_assert_uint_eq(compact[2], 0);
    ck_assert_int_eq(rtp_dd_set_frame_number(compact, 2, 1), RTP_ERR_TRUNCATED);
    ck_assert_int_eq(rtp_dd_set_frame_number(NULL, 3, 1), RTP_ERR_INVALID_ARG);
}
END_TEST

/* ---- hostile input ---------------------------------------------------------------- */

/* Mandatory fields (template id 0, frame 0), flags, offset 0, dt_cnt. */
static void hostile_header(bitbuf_t *b, unsigned flags, unsigned dt_cnt_minus_one)
{
    memset(b, 0, sizeof *b);
    put(b, 0xc0, 8);
    put(b, 0, 16);
    put(b, flags, 5);
    put(b, 0, 6);
    put(b, dt_cnt_minus_one, 5);
}

/* After a one-template layer list: DTIs for dt_count targets, no template
 * fdiffs, chain_cnt 0, no resolutions. */
static void simple_tail(bitbuf_t *b, unsigned dt_count)
{
    for (unsigned dt = 0; dt < dt_count; dt++)
        put(b, RTP_DD_DTI_SWITCH, 2);
    put(b, 0, 1);
    put(b, 0, dt_count + 1 == 2 ? 1 : 5); /* ns(2) is 1 bit; ns(33) of 0 is 5 bits */
    put(b, 0, 1);
}

static void build_65_templates(bitbuf_t *b)
{
    hostile_header(b, 0x10, 0);
    for (int i = 0; i < 64; i++)
        put(b, 0, 2);
    put(b, 3, 2);
    pad(b, 8);
}

static void build_temporal_overflow(bitbuf_t *b)
{
    hostile_header(b, 0x10, 0);
    for (int i = 0; i < 8; i++)
        put(b, 1, 2);
    put(b, 3, 2);
    pad(b, 8);
}

static void build_spatial_overflow(bitbuf_t *b)
{
    hostile_header(b, 0x10, 0);
    for (int i = 0; i < 4; i++)
        put(b, 2, 2);
    put(b, 3, 2);
    pad(b, 8);
}

/* next_layer_idc never 3: the data ends first. */
static void build_endless_layers(bitbuf_t *b)
{
    hostile_header(b, 0x10, 0);
    for (int i = 0; i < 40; i++)
        put(b, 0, 2);
}

static void build_template_fdiffs(bitbuf_t *b, int count)
{
    hostile_header(b, 0x10, 0);
    put(b, 3, 2);
    put(b, RTP_DD_DTI_SWITCH, 2);
    for (int i = 0; i < count; i++) {
        put(b, 1, 1);
        put(b, 15, 4);
    }
    put(b, 0, 1);
    put(b, 0, 1); /* chain_cnt 0 as ns(2) */
    put(b, 0, 1);
}

static void build_17_template_fdiffs(bitbuf_t *b)
{
    build_template_fdiffs(b, 17);
}

static void build_16_template_fdiffs(bitbuf_t *b)
{
    build_template_fdiffs(b, 16);
}

static void build_17_frame_fdiffs(bitbuf_t *b)
{
    hostile_header(b, 0x12, 0);
    put(b, 3, 2);
    simple_tail(b, 1);
    for (int i = 0; i < 17; i++) {
        put(b, 3, 2);
        put(b, 4095, 12);
    }
    put(b, 0, 2);
}

static void build_template_id_outside(bitbuf_t *b)
{
    hostile_header(b, 0x10, 0);
    b->bytes[0] = 0xc1; /* template id 1; one template at offset 0 */
    put(b, 3, 2);
    simple_tail(b, 1);
}

static void build_32_decode_targets(bitbuf_t *b)
{
    hostile_header(b, 0x18, 31);
    put(b, 3, 2);
    simple_tail(b, 32);
    put(b, 0x80000001u, 32); /* active_decode_targets_bitmask */
}

typedef struct hostile {
    const char *name;
    void (*build)(bitbuf_t *b);
    rtp_err_t expected;
} hostile_t;

static const hostile_t hostiles[] = {
    { "65 templates", build_65_templates, RTP_ERR_MALFORMED },
    { "temporal id 8", build_temporal_overflow, RTP_ERR_MALFORMED },
    { "spatial id 4", build_spatial_overflow, RTP_ERR_MALFORMED },
    { "next_layer_idc never 3", build_endless_layers, RTP_ERR_TRUNCATED },
    { "17 template fdiffs", build_17_template_fdiffs, RTP_ERR_UNSUPPORTED },
    { "16 template fdiffs", build_16_template_fdiffs, RTP_OK },
    { "17 frame fdiffs", build_17_frame_fdiffs, RTP_ERR_UNSUPPORTED },
    { "template id outside attached structure", build_template_id_outside, RTP_ERR_MALFORMED },
    { "32 decode targets", build_32_decode_targets, RTP_OK },
};

START_TEST(test_hostile)
{
    const hostile_t *h = &hostiles[_i];
    bitbuf_t b;
    h->build(&b);
    rtp_dd_t dd;
    rtp_dd_structure_t s;
    memset(&s, 0x5a, sizeof s);
    rtp_err_t err = rtp_dd_parse(b.bytes, bitbuf_len(&b), NULL, &dd, &s);
    ck_assert_msg(err == h->expected, "%s: %s", h->name, rtp_errname(err));
    ck_assert_uint_eq(dd.start_of_frame, 1);
    if (err != RTP_OK) {
        ck_assert_uint_eq(s.dt_count, 0x5a); /* untouched */
        ck_assert(!dd.has_structure);
        ck_assert_uint_eq(dd.dt_count, 0);
        return;
    }
    /* The accepted edges carry exactly the bound. */
    if (s.dt_count == 32) {
        ck_assert_uint_eq(dd.active_decode_targets, 0x80000001u);
    } else {
        ck_assert_uint_eq(s.templates[0].fdiff_count, RTP_DD_MAX_FDIFFS);
        ck_assert_uint_eq(dd.fdiffs[15], 16);
    }
    uint8_t out[600];
    size_t len;
    ck_assert_int_eq(rtp_dd_write(&dd, &s, out, sizeof out, &len), RTP_OK);
    ck_assert_uint_eq(len, bitbuf_len(&b));
    ck_assert_mem_eq(out, b.bytes, len);
}
END_TEST

START_TEST(test_bad_prev_structure)
{
    rtp_dd_structure_t s;
    structure_l1t3(&s);
    static const uint8_t compact[] = { 0x81, 0x00, 0x01 };
    rtp_dd_t dd;
    s.dt_count = 33;
    ck_assert_int_eq(rtp_dd_parse(compact, 3, &s, &dd, NULL), RTP_ERR_INVALID_ARG);
    ck_assert_uint_eq(dd.frame_number, 1);
    s.dt_count = 0;
    ck_assert_int_eq(rtp_dd_parse(compact, 3, &s, &dd, NULL), RTP_ERR_INVALID_ARG);
    structure_l1t3(&s);
    s.template_count = 65;
    ck_assert_int_eq(rtp_dd_parse(compact, 3, &s, &dd, NULL), RTP_ERR_INVALID_ARG);
    structure_l1t3(&s);
    s.chain_count = 4;
    ck_assert_int_eq(rtp_dd_parse(compact, 3, &s, &dd, NULL), RTP_ERR_INVALID_ARG);
    structure_l1t3(&s);
    s.templates[0].fdiff_count = 17;
    ck_assert_int_eq(rtp_dd_parse(compact, 3, &s, &dd, NULL), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(rtp_dd_parse(NULL, 3, &s, &dd, NULL), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(rtp_dd_parse(compact, 3, &s, NULL, NULL), RTP_ERR_INVALID_ARG);
}
END_TEST

/* ---- writer argument checks ------------------------------------------------------ */

START_TEST(test_write_rejects)
{
    rtp_dd_structure_t s;
    structure_l1t3(&s);
    rtp_dd_t dd = { 0 };
    ck_assert_int_eq(rtp_dd_from_template(&s, 1, &dd), RTP_OK);
    uint8_t out[64];
    size_t len = 99;

    /* Too small a buffer: the size needed comes back, the buffer untouched. */
    dd.has_structure = true;
    memset(out, 0xee, sizeof out);
    ck_assert_int_eq(rtp_dd_write(&dd, &s, out, 15, &len), RTP_ERR_NO_SPACE);
    ck_assert_uint_eq(len, 16);
    ck_assert_uint_eq(out[0], 0xee);
    ck_assert_int_eq(rtp_dd_write(&dd, &s, NULL, 0, &len), RTP_ERR_NO_SPACE);
    ck_assert_uint_eq(len, 16);
    ck_assert_int_eq(rtp_dd_write(&dd, &s, out, 16, &len), RTP_OK);
    dd.has_structure = false;

    ck_assert_int_eq(rtp_dd_write(NULL, &s, out, sizeof out, &len), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(rtp_dd_write(&dd, NULL, out, sizeof out, &len), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(rtp_dd_write(&dd, &s, out, sizeof out, NULL), RTP_ERR_INVALID_ARG);
    ck_assert_int_eq(rtp_dd_write(&dd, &s, NULL, 8, &len), RTP_ERR_INVALID_ARG);

    rtp_dd_t bad;
#define EXPECT_BAD_DD(mutation)                                                               \
    do {                                                                                      \
        bad = dd;                                                                             \
        mutation;                                                                             \
        ck_assert_int_eq(rtp_dd_write(&bad, &s, out, sizeof out, &len), RTP_ERR_INVALID_ARG); \
    } while (0)
    EXPECT_BAD_DD(bad.temporal_id = 1);  /* not the template's layer */
    EXPECT_BAD_DD(bad.template_id = 0);  /* offset 1: index 63 */
    EXPECT_BAD_DD(bad.template_id = 6);  /* past the 5 templates */
    EXPECT_BAD_DD(bad.template_id = 64); /* not 6 bits */
    EXPECT_BAD_DD(bad.dt_count = 4);     /* not the structure's */
    EXPECT_BAD_DD(bad.chain_count = 0);  /* not the structure's */
    EXPECT_BAD_DD(bad.dtis[1] = 4);      /* no such DTI */
    EXPECT_BAD_DD((bad.fdiff_count = 1, bad.fdiffs[0] = 0));
    EXPECT_BAD_DD((bad.fdiff_count = 1, bad.fdiffs[0] = 4097));
    EXPECT_BAD_DD(bad.fdiff_count = RTP_DD_MAX_FDIFFS + 1);
    EXPECT_BAD_DD((bad.active_decode_targets_present = true, bad.active_decode_targets = 0x8));
#undef EXPECT_BAD_DD

    /* Structures the syntax cannot express, when attached. */
    rtp_dd_structure_t broken;
    dd.has_structure = true;
#define EXPECT_BAD_STRUCTURE(mutation)                                                            \
    do {                                                                                          \
        broken = s;                                                                               \
        mutation;                                                                                 \
        ck_assert_int_eq(rtp_dd_write(&dd, &broken, out, sizeof out, &len), RTP_ERR_INVALID_ARG); \
    } while (0)
    EXPECT_BAD_STRUCTURE(broken.templates[3].temporal_id = 3); /* T1 -> T3 */
    EXPECT_BAD_STRUCTURE(broken.templates[0].temporal_id = 1); /* first is not T0 */
    EXPECT_BAD_STRUCTURE(broken.templates[2].spatial_id = 1);  /* S1 must start at T0 */
    EXPECT_BAD_STRUCTURE(broken.decode_target_protected_by[2] = 1);
    EXPECT_BAD_STRUCTURE(broken.templates[4].dtis[0] = 4);
    EXPECT_BAD_STRUCTURE(broken.templates[4].fdiffs[0] = 17);
    EXPECT_BAD_STRUCTURE(broken.templates[4].chain_fdiffs[0] = 16);
    EXPECT_BAD_STRUCTURE(broken.template_id_offset = 64);
    EXPECT_BAD_STRUCTURE(broken.dt_count = 0);
    EXPECT_BAD_STRUCTURE(broken.dt_count = 33);
    EXPECT_BAD_STRUCTURE(broken.template_count = 0);
    EXPECT_BAD_STRUCTURE((broken.has_resolutions = true, broken.render_width[0] = 0));
    EXPECT_BAD_STRUCTURE((broken.has_resolutions = true, broken.render_width[0] = 65537,
                          broken.render_height[0] = 1));
#undef EXPECT_BAD_STRUCTURE

    ck_assert_int_eq(rtp_dd_from_template(&s, 5, &dd), RTP_ERR_INVALID_ARG);
}
END_TEST

/* A.10.2.2's decode targets run HD 30 fps (S2T2) down to QVGA 7.5 fps (S0T0). */
START_TEST(test_decode_target_layers)
{
    rtp_dd_structure_t s;
    structure_l3t3_spec(&s);
    static const uint8_t expect[9][2] = { { 2, 2 }, { 2, 1 }, { 2, 0 }, { 1, 2 }, { 1, 1 },
                                          { 1, 0 }, { 0, 2 }, { 0, 1 }, { 0, 0 } };
    for (unsigned dt = 0; dt < 9; dt++) {
        uint8_t sid = 9, tid = 9;
        ck_assert_int_eq(rtp_dd_decode_target_layer(&s, dt, &sid, &tid), RTP_OK);
        ck_assert_uint_eq(sid, expect[dt][0]);
        ck_assert_uint_eq(tid, expect[dt][1]);
    }
}
END_TEST

START_TEST(test_keyframe_rule)
{
    rtp_dd_t dd = { 0 };
    dd.has_structure = true;
    ck_assert(!rtp_dd_is_keyframe_start(&dd)); /* a structure mid-frame */
    dd.start_of_frame = true;
    ck_assert(rtp_dd_is_keyframe_start(&dd));
    dd.has_structure = false;
    ck_assert(!rtp_dd_is_keyframe_start(&dd));
    ck_assert(!rtp_dd_is_keyframe_start(NULL));
}
END_TEST

/* Padding bits are ignored whatever their value (A.8.3 zero_padding), and
 * trailing bytes too. */
START_TEST(test_padding_ignored)
{
    uint8_t bytes[sizeof l1t3_keyframe + 2];
    memcpy(bytes, l1t3_keyframe, sizeof l1t3_keyframe);
    bytes[sizeof l1t3_keyframe] = 0xff;
    bytes[sizeof l1t3_keyframe + 1] = 0x01;
    rtp_dd_t a, b;
    ck_assert_int_eq(rtp_dd_parse(l1t3_keyframe, sizeof l1t3_keyframe, NULL, &a, NULL), RTP_OK);
    ck_assert_int_eq(rtp_dd_parse(bytes, sizeof bytes, NULL, &b, NULL), RTP_OK);
    ck_assert(rtp_dd_equal(&a, &b));

    /* A 4-byte descriptor with no flags set means the same as 3 bytes. */
    rtp_dd_structure_t s;
    structure_l1t3(&s);
    static const uint8_t four[] = { 0x83, 0x00, 0x10, 0x07 };
    ck_assert_int_eq(rtp_dd_parse(four, 4, &s, &a, NULL), RTP_OK);
    ck_assert_int_eq(rtp_dd_parse(four, 3, &s, &b, NULL), RTP_OK);
    ck_assert(rtp_dd_equal(&a, &b));
    ck_assert_uint_eq(a.temporal_id, 1);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("rtp_dd");

    TCase *known = tcase_create("known_bytes");
    tcase_add_test(known, test_l1t3_keyframe_known_bytes);
    tcase_add_test(known, test_ns_known_bytes);
    tcase_add_test(known, test_capture_structure_is_libwebrtc_l3t3);
    tcase_add_loop_test(known, test_capture_vectors, 0, (int)(sizeof capture / sizeof capture[0]));
    suite_add_tcase(suite, known);

    TCase *round = tcase_create("round_trip");
    tcase_add_loop_test(round, test_round_trip, 0,
                        (int)(sizeof round_trips / sizeof round_trips[0]));
    tcase_add_loop_test(round, test_chain_counts, 0, 6);
    suite_add_tcase(suite, round);

    TCase *sfu = tcase_create("sfu");
    tcase_add_test(sfu, test_need_structure);
    tcase_add_test(sfu, test_structure_out_kept_on_failure);
    tcase_add_test(sfu, test_set_frame_number);
    tcase_add_test(sfu, test_decode_target_layers);
    tcase_add_test(sfu, test_keyframe_rule);
    tcase_add_test(sfu, test_padding_ignored);
    suite_add_tcase(suite, sfu);

    TCase *hostile = tcase_create("hostile");
    tcase_add_loop_test(hostile, test_hostile, 0, (int)(sizeof hostiles / sizeof hostiles[0]));
    tcase_add_test(hostile, test_bad_prev_structure);
    tcase_add_test(hostile, test_write_rejects);
    suite_add_tcase(suite, hostile);

    return suite;
}
