/* Opus TOC byte and frame count (RFC 6716 sections 3.1, 3.2 and the R1/R5
 * rules of 3.4), checked against the RFC's configuration table. */
#include "rtp/rtp.h"

#include <check.h>
#include <string.h>

Suite *blindfold_test_suite(void);

/* RFC 6716 section 3.1, table 2, as printed: each row covers a range of
 * configuration numbers whose frame sizes follow in order. */
static const struct {
    uint8_t first, last;
    rtp_opus_mode_t mode;
    rtp_opus_bandwidth_t bandwidth;
    uint32_t sizes_us[4];
} rfc_table[] = {
    { 0, 3, RTP_OPUS_MODE_SILK, RTP_OPUS_BW_NB, { 10000, 20000, 40000, 60000 } },
    { 4, 7, RTP_OPUS_MODE_SILK, RTP_OPUS_BW_MB, { 10000, 20000, 40000, 60000 } },
    { 8, 11, RTP_OPUS_MODE_SILK, RTP_OPUS_BW_WB, { 10000, 20000, 40000, 60000 } },
    { 12, 13, RTP_OPUS_MODE_HYBRID, RTP_OPUS_BW_SWB, { 10000, 20000 } },
    { 14, 15, RTP_OPUS_MODE_HYBRID, RTP_OPUS_BW_FB, { 10000, 20000 } },
    { 16, 19, RTP_OPUS_MODE_CELT, RTP_OPUS_BW_NB, { 2500, 5000, 10000, 20000 } },
    { 20, 23, RTP_OPUS_MODE_CELT, RTP_OPUS_BW_WB, { 2500, 5000, 10000, 20000 } },
    { 24, 27, RTP_OPUS_MODE_CELT, RTP_OPUS_BW_SWB, { 2500, 5000, 10000, 20000 } },
    { 28, 31, RTP_OPUS_MODE_CELT, RTP_OPUS_BW_FB, { 2500, 5000, 10000, 20000 } },
};

/* Samples at 48 kHz of one frame of each size. */
static uint32_t samples_of(uint32_t us)
{
    switch (us) {
    case 2500:
        return 120;
    case 5000:
        return 240;
    case 10000:
        return 480;
    case 20000:
        return 960;
    case 40000:
        return 1920;
    case 60000:
        return 2880;
    }
    ck_abort_msg("no such frame size %u", (unsigned)us);
    return 0;
}

START_TEST(test_config_table)
{
    uint8_t config = (uint8_t)_i;
    size_t row = 0;
    while (config > rfc_table[row].last)
        row++;
    uint32_t size_us = rfc_table[row].sizes_us[config - rfc_table[row].first];

    const uint8_t pkt[] = { rtp_opus_toc_make(config, false, 0), 0xfc };
    ck_assert_uint_eq(pkt[0], (unsigned)config << 3);
    rtp_opus_toc_t t;
    ck_assert_int_eq(rtp_opus_toc_parse(pkt, sizeof pkt, &t), RTP_OK);
    ck_assert_uint_eq(t.config, config);
    ck_assert_int_eq(t.mode, rfc_table[row].mode);
    ck_assert_int_eq(t.bandwidth, rfc_table[row].bandwidth);
    ck_assert_uint_eq(t.frame_duration_us, size_us);
    ck_assert_int_eq(t.stereo, false);
    ck_assert_uint_eq(t.code, 0);
    ck_assert_uint_eq(t.frame_count, 1);
    ck_assert_uint_eq(t.samples_48k, samples_of(size_us));
}
END_TEST

/* The spot values the RFC's text names: config 0 is 10 ms, 3 is 60 ms. */
START_TEST(test_config_examples)
{
    rtp_opus_toc_t t;
    rtp_opus_toc_decode(rtp_opus_toc_make(0, false, 0), &t);
    ck_assert_uint_eq(t.frame_duration_us, 10000);
    rtp_opus_toc_decode(rtp_opus_toc_make(3, false, 0), &t);
    ck_assert_uint_eq(t.frame_duration_us, 60000);
    /* TOC 0x7c = 01111|1|00: config 15, Hybrid FB 20 ms, stereo, code 0. */
    rtp_opus_toc_decode(0x7c, &t);
    ck_assert_uint_eq(t.config, 15);
    ck_assert_int_eq(t.mode, RTP_OPUS_MODE_HYBRID);
    ck_assert_int_eq(t.bandwidth, RTP_OPUS_BW_FB);
    ck_assert_int_eq(t.stereo, true);
    ck_assert_uint_eq(t.samples_48k, 960);
}
END_TEST

/* Every TOC byte: make() and decode() agree bit for bit. */
START_TEST(test_toc_bits)
{
    uint8_t toc = (uint8_t)_i;
    uint8_t config = (uint8_t)(toc >> 3);
    bool stereo = (toc & 0x04) != 0;
    uint8_t code = toc & 0x03;
    ck_assert_uint_eq(rtp_opus_toc_make(config, stereo, code), toc);
    rtp_opus_toc_t t;
    rtp_opus_toc_decode(toc, &t);
    ck_assert_uint_eq(t.config, config);
    ck_assert_int_eq(t.stereo, stereo);
    ck_assert_uint_eq(t.code, code);
    ck_assert_uint_eq(t.frame_count, code == 0 ? 1 : code == 3 ? 0 : 2);
}
END_TEST

START_TEST(test_make_masks)
{
    ck_assert_uint_eq(rtp_opus_toc_make(32 + 5, true, 4 + 2), (5 << 3) | 0x04 | 2);
}
END_TEST

/* Codes 0, 1 and 2 need no second byte. Config 1: NB SILK, 20 ms. */
START_TEST(test_codes_012)
{
    static const struct {
        uint8_t code;
        uint8_t frames;
    } cases[] = { { 0, 1 }, { 1, 2 }, { 2, 2 } };
    for (size_t k = 0; k < 3; k++) {
        const uint8_t pkt[] = { rtp_opus_toc_make(1, true, cases[k].code) };
        rtp_opus_toc_t t;
        ck_assert_int_eq(rtp_opus_toc_parse(pkt, 1, &t), RTP_OK);
        ck_assert_uint_eq(t.code, cases[k].code);
        ck_assert_uint_eq(t.frame_count, cases[k].frames);
        ck_assert_uint_eq(t.samples_48k, cases[k].frames * 960u);
        ck_assert_int_eq(t.stereo, true);
        ck_assert_int_eq(t.vbr, false);
        ck_assert_int_eq(t.padded, false);
    }
}
END_TEST

/* Code 3: frame count byte |v|p|M|, M != 0, at most 120 ms (R5). */
static const struct {
    const char *name;
    uint8_t config;
    uint8_t count_byte;
    rtp_err_t err;
    uint8_t frames;
    uint32_t samples;
} code3_cases[] = {
    { "CBR, 3 x 20 ms", 1, 0x03, RTP_OK, 3, 2880 },
    { "VBR, 6 x 20 ms = 120 ms", 1, 0x86, RTP_OK, 6, 5760 },
    { "padded, 2 x 60 ms = 120 ms", 3, 0x42, RTP_OK, 2, 5760 },
    { "VBR padded, 48 x 2.5 ms = 120 ms", 16, 0xf0, RTP_OK, 48, 5760 },
    { "1 x 60 ms", 11, 0x01, RTP_OK, 1, 2880 },
    { "M = 0", 1, 0x00, RTP_ERR_MALFORMED, 0, 0 },
    { "M = 0 with v and p", 1, 0xc0, RTP_ERR_MALFORMED, 0, 0 },
    { "7 x 20 ms = 140 ms", 1, 0x07, RTP_ERR_MALFORMED, 0, 0 },
    { "3 x 60 ms = 180 ms", 3, 0x03, RTP_ERR_MALFORMED, 0, 0 },
    { "49 x 2.5 ms", 16, 0x31, RTP_ERR_MALFORMED, 0, 0 },
    { "63 x 10 ms", 0, 0x3f, RTP_ERR_MALFORMED, 0, 0 },
    { "13 x 10 ms = 130 ms", 12, 0x0d, RTP_ERR_MALFORMED, 0, 0 },
};

START_TEST(test_code3)
{
    const uint8_t pkt[] = { rtp_opus_toc_make(code3_cases[_i].config, false, 3),
                            code3_cases[_i].count_byte, 0x00 };
    rtp_opus_toc_t t;
    ck_assert_msg(rtp_opus_toc_parse(pkt, sizeof pkt, &t) == code3_cases[_i].err, "%s",
                  code3_cases[_i].name);
    ck_assert_uint_eq(t.frame_count, code3_cases[_i].frames);
    ck_assert_uint_eq(t.samples_48k, code3_cases[_i].samples);
    if (code3_cases[_i].err == RTP_OK) {
        ck_assert_uint_eq(t.code, 3);
        ck_assert_int_eq(t.vbr, (code3_cases[_i].count_byte & 0x80) != 0);
        ck_assert_int_eq(t.padded, (code3_cases[_i].count_byte & 0x40) != 0);
    } else {
        ck_assert_uint_eq(t.config, 0); /* zeroed on error */
    }
}
END_TEST

START_TEST(test_truncated)
{
    rtp_opus_toc_t t;
    const uint8_t code3[] = { rtp_opus_toc_make(1, false, 3), 0x02 };
    ck_assert_int_eq(rtp_opus_toc_parse(code3, 0, &t), RTP_ERR_TRUNCATED); /* R1 */
    ck_assert_int_eq(rtp_opus_toc_parse(code3, 1, &t), RTP_ERR_TRUNCATED);
    ck_assert_uint_eq(t.frame_count, 0);
    ck_assert_int_eq(rtp_opus_toc_parse(code3, 2, &t), RTP_OK);
    ck_assert_uint_eq(t.frame_count, 2);

    /* The TOC alone still tells what an SFU can know. */
    rtp_opus_toc_decode(code3[0], &t);
    ck_assert_uint_eq(t.config, 1);
    ck_assert_uint_eq(t.code, 3);
    ck_assert_uint_eq(t.frame_count, 0);
    ck_assert_uint_eq(t.samples_48k, 0);
    ck_assert_uint_eq(t.frame_duration_us, 20000);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("opus");
    TCase *toc = tcase_create("toc");
    tcase_add_loop_test(toc, test_config_table, 0, 32);
    tcase_add_test(toc, test_config_examples);
    tcase_add_loop_test(toc, test_toc_bits, 0, 256);
    tcase_add_test(toc, test_make_masks);
    suite_add_tcase(s, toc);

    TCase *frames = tcase_create("frames");
    tcase_add_test(frames, test_codes_012);
    tcase_add_loop_test(frames, test_code3, 0, (int)(sizeof code3_cases / sizeof code3_cases[0]));
    tcase_add_test(frames, test_truncated);
    suite_add_tcase(s, frames);
    return s;
}
