/* The SFrame header of RFC 9605 section 4.3 (sframe/header.c): round trips
 * over every KID and CTR length (inline 0-7, then 1..8 bytes, up to
 * 2^64 - 1), the example of section 4.3's figure as REFERENCES.md gives it
 * (KID 0x123, CTR 0x4567 -> 99 01 23 45 67), refusal of non-minimal
 * encodings (MALFORMED), of every truncated prefix (TRUNCATED) and of
 * empty input. */
#include "sframe/sframe.h"

#include <stdint.h>
#include <string.h>

/* Per field: a value and the bytes it adds after the config byte. The
 * smallest and largest value of each encoded length. */
typedef struct field_case {
    uint64_t value;
    size_t bytes;
} field_case_t;

static const field_case_t field_cases[] = {
    { 0, 0 },
    { 1, 0 },
    { 7, 0 },
    { 8, 1 },
    { 0xff, 1 },
    { 0x100, 2 },
    { 0xffff, 2 },
    { 0x10000, 3 },
    { 0xffffff, 3 },
    { UINT64_C(0x1000000), 4 },
    { UINT64_C(0xffffffff), 4 },
    { UINT64_C(0x100000000), 5 },
    { UINT64_C(0xffffffffff), 5 },
    { UINT64_C(0x10000000000), 6 },
    { UINT64_C(0xffffffffffff), 6 },
    { UINT64_C(0x1000000000000), 7 },
    { UINT64_C(0xffffffffffffff), 7 },
    { UINT64_C(0x100000000000000), 8 },
    { UINT64_C(0x8000000000000000), 8 },
    { UINT64_MAX, 8 },
};

#define FIELD_CASES (sizeof(field_cases) / sizeof(field_cases[0]))

/* Expected encoding built independently of header.c, field by field. */
static size_t expected_encoding(uint64_t kid, size_t kid_bytes, uint64_t ctr, size_t ctr_bytes,
                                uint8_t *out)
{
    unsigned k = kid_bytes == 0 ? (unsigned)kid : 0x8u | (unsigned)(kid_bytes - 1);
    unsigned c = ctr_bytes == 0 ? (unsigned)ctr : 0x8u | (unsigned)(ctr_bytes - 1);
    size_t len = 0;
    out[len++] = (uint8_t)(k << 4 | c);
    for (size_t i = 0; i < kid_bytes; i++) {
        out[len++] = (uint8_t)(kid >> (8 * (kid_bytes - 1 - i)));
    }
    for (size_t i = 0; i < ctr_bytes; i++) {
        out[len++] = (uint8_t)(ctr >> (8 * (ctr_bytes - 1 - i)));
    }
    return len;
}

/* Every pair of KID and CTR cases: size, encoding, decoding, and the
 * refusal of every strict prefix. Loop index = KID case. */
START_TEST(round_trip_all_lengths)
{
    const field_case_t *kid = &field_cases[_i];
    for (size_t j = 0; j < FIELD_CASES; j++) {
        const field_case_t *ctr = &field_cases[j];
        uint8_t expected[SFRAME_HEADER_MAX];
        uint8_t encoded[SFRAME_HEADER_MAX + 4];
        size_t expected_len =
            expected_encoding(kid->value, kid->bytes, ctr->value, ctr->bytes, expected);
        size_t len = 0;

        ck_assert_uint_eq(sframe_header_size(kid->value, ctr->value), expected_len);
        ck_assert_int_eq(
            sframe_header_encode(kid->value, ctr->value, encoded, sizeof(encoded), &len),
            SFRAME_OK);
        ck_assert_uint_eq(len, expected_len);
        ck_assert_mem_eq(encoded, expected, expected_len);

        /* Trailing bytes (the ciphertext) are not part of the header. */
        memset(encoded + len, 0xa5, sizeof(encoded) - len);
        sframe_header_t header = { 0, 0 };
        size_t header_len = 0;
        ck_assert_int_eq(sframe_header_decode(encoded, sizeof(encoded), &header, &header_len),
                         SFRAME_OK);
        ck_assert_uint_eq(header_len, expected_len);
        ck_assert_uint_eq(header.kid, kid->value);
        ck_assert_uint_eq(header.ctr, ctr->value);

        for (size_t prefix = 0; prefix < expected_len; prefix++) {
            ck_assert_int_eq(sframe_header_decode(encoded, prefix, &header, &header_len),
                             SFRAME_ERR_TRUNCATED);
        }
        ck_assert_int_eq(
            sframe_header_encode(kid->value, ctr->value, encoded, expected_len - 1, &len),
            SFRAME_ERR_NO_SPACE);
    }
}
END_TEST

START_TEST(reference_example)
{
    static const uint8_t expected[] = { 0x99, 0x01, 0x23, 0x45, 0x67 };
    uint8_t encoded[SFRAME_HEADER_MAX];
    size_t len = 0;

    ck_assert_int_eq(sframe_header_encode(0x123, 0x4567, encoded, sizeof(encoded), &len),
                     SFRAME_OK);
    ck_assert_uint_eq(len, sizeof(expected));
    ck_assert_mem_eq(encoded, expected, sizeof(expected));

    sframe_header_t header;
    size_t header_len = 0;
    ck_assert_int_eq(sframe_header_decode(expected, sizeof(expected), &header, &header_len),
                     SFRAME_OK);
    ck_assert_uint_eq(header.kid, 0x123);
    ck_assert_uint_eq(header.ctr, 0x4567);
    ck_assert_uint_eq(header_len, 5);
}
END_TEST

START_TEST(extremes)
{
    uint8_t encoded[SFRAME_HEADER_MAX];
    size_t len = 0;

    /* KID 0, CTR 0: the one-byte header 00. */
    ck_assert_int_eq(sframe_header_encode(0, 0, encoded, 1, &len), SFRAME_OK);
    ck_assert_uint_eq(len, 1);
    ck_assert_uint_eq(encoded[0], 0x00);
    /* KID 7, CTR 7: 77. */
    ck_assert_int_eq(sframe_header_encode(7, 7, encoded, 1, &len), SFRAME_OK);
    ck_assert_uint_eq(encoded[0], 0x77);
    /* Both 2^64 - 1: config ff, then sixteen ff bytes; the 17-byte maximum. */
    ck_assert_int_eq(sframe_header_encode(UINT64_MAX, UINT64_MAX, encoded, sizeof(encoded), &len),
                     SFRAME_OK);
    ck_assert_uint_eq(len, SFRAME_HEADER_MAX);
    for (size_t i = 0; i < SFRAME_HEADER_MAX; i++) {
        ck_assert_uint_eq(encoded[i], 0xff);
    }
    ck_assert_uint_eq(sframe_header_size(UINT64_MAX, UINT64_MAX), SFRAME_HEADER_MAX);
}
END_TEST

/* Every config byte, followed by the largest bytes its lengths allow
 * (never a leading zero, never a value below 8): each decodes, and encoding
 * the result gives the same bytes. So the decoder accepts exactly one
 * encoding per (KID, CTR) and no config byte is refused for itself. */
START_TEST(every_config_byte)
{
    for (unsigned config = 0; config < 256; config++) {
        uint8_t bytes[SFRAME_HEADER_MAX];
        memset(bytes, 0xff, sizeof(bytes));
        bytes[0] = (uint8_t)config;
        size_t kid_bytes = (config & 0x80u) ? ((config >> 4) & 7u) + 1 : 0;
        size_t ctr_bytes = (config & 0x08u) ? (config & 7u) + 1 : 0;

        sframe_header_t header;
        size_t header_len = 0;
        ck_assert_int_eq(sframe_header_decode(bytes, sizeof(bytes), &header, &header_len),
                         SFRAME_OK);
        ck_assert_uint_eq(header_len, 1 + kid_bytes + ctr_bytes);
        uint8_t encoded[SFRAME_HEADER_MAX];
        size_t len = 0;
        ck_assert_int_eq(
            sframe_header_encode(header.kid, header.ctr, encoded, sizeof(encoded), &len),
            SFRAME_OK);
        ck_assert_uint_eq(len, header_len);
        ck_assert_mem_eq(encoded, bytes, len);
    }
}
END_TEST

/* Section 4.3: "the value MUST be encoded with the minimum number of bytes
 * required". Both ways to break it are MALFORMED, in either field. */
START_TEST(non_minimal_rejected)
{
    sframe_header_t header;
    size_t header_len = 0;

    /* An extended one-byte field holding 0-7, which belongs inline. */
    for (uint8_t value = 0; value < 8; value++) {
        const uint8_t kid_form[] = { 0x80, value };        /* X=1, KLEN 1; CTR 0 */
        const uint8_t ctr_form[] = { 0x08, value };        /* KID 0; Y=1, CLEN 1 */
        const uint8_t both_form[] = { 0x88, 0x08, value }; /* KID 8 fine, CTR not */
        ck_assert_int_eq(sframe_header_decode(kid_form, sizeof(kid_form), &header, &header_len),
                         SFRAME_ERR_MALFORMED);
        ck_assert_int_eq(sframe_header_decode(ctr_form, sizeof(ctr_form), &header, &header_len),
                         SFRAME_ERR_MALFORMED);
        ck_assert_int_eq(sframe_header_decode(both_form, sizeof(both_form), &header, &header_len),
                         SFRAME_ERR_MALFORMED);
    }
    /* A field of 2..8 bytes with a leading zero byte, even when the value
     * would need every remaining byte. */
    for (unsigned bytes = 2; bytes <= 8; bytes++) {
        uint8_t kid_form[1 + 8];
        uint8_t ctr_form[1 + 8];
        memset(kid_form, 0xff, sizeof(kid_form));
        memset(ctr_form, 0xff, sizeof(ctr_form));
        kid_form[0] = (uint8_t)(0x80u | (bytes - 1) << 4); /* CTR 0 inline */
        kid_form[1] = 0x00;
        ctr_form[0] = (uint8_t)(0x08u | (bytes - 1)); /* KID 0 inline */
        ctr_form[1] = 0x00;
        ck_assert_int_eq(sframe_header_decode(kid_form, 1 + bytes, &header, &header_len),
                         SFRAME_ERR_MALFORMED);
        ck_assert_int_eq(sframe_header_decode(ctr_form, 1 + bytes, &header, &header_len),
                         SFRAME_ERR_MALFORMED);
    }
    /* The REFERENCES example with its KID padded to three bytes. */
    const uint8_t padded[] = { 0xa9, 0x00, 0x01, 0x23, 0x45, 0x67 };
    ck_assert_int_eq(sframe_header_decode(padded, sizeof(padded), &header, &header_len),
                     SFRAME_ERR_MALFORMED);
}
END_TEST

START_TEST(empty_and_null)
{
    sframe_header_t header = { 42, 43 };
    size_t header_len = 99;
    const uint8_t byte = 0x00;

    ck_assert_int_eq(sframe_header_decode(&byte, 0, &header, &header_len), SFRAME_ERR_TRUNCATED);
    ck_assert_int_eq(sframe_header_decode(NULL, 0, &header, &header_len), SFRAME_ERR_TRUNCATED);
    /* Nothing is written on failure. */
    ck_assert_uint_eq(header.kid, 42);
    ck_assert_uint_eq(header_len, 99);
    ck_assert_int_eq(sframe_header_decode(NULL, 5, &header, &header_len), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_header_decode(&byte, 1, NULL, &header_len), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_header_decode(&byte, 1, &header, NULL), SFRAME_ERR_INVALID_ARG);

    size_t len = 7;
    ck_assert_int_eq(sframe_header_encode(0, 0, NULL, 0, &len), SFRAME_ERR_NO_SPACE);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(sframe_header_encode(0, 0, NULL, 4, &len), SFRAME_ERR_INVALID_ARG);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("sframe_header");
    TCase *tc = tcase_create("header");
    tcase_add_loop_test(tc, round_trip_all_lengths, 0, (int)FIELD_CASES);
    tcase_add_test(tc, reference_example);
    tcase_add_test(tc, extremes);
    tcase_add_test(tc, every_config_byte);
    tcase_add_test(tc, non_minimal_rejected);
    tcase_add_test(tc, empty_and_null);
    suite_add_tcase(suite, tc);
    return suite;
}
