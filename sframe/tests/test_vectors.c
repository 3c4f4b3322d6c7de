/* The RFC 9605 test vectors through sframe/vectors.c: every vector of
 * vectors/sframe/rfc9605-test-vectors.json (see vectors/SOURCES.md) passes,
 * one per loop iteration; a copy with one hex digit of one `ct` changed
 * fails exactly that vector; 64-bit KIDs and CTRs stay exact; and malformed
 * files are refused with a message naming the file and the JSON path (or
 * line and column). Modified files are written to temporary files here. */
#include "sframe/sframe_vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RFC_FILE "vectors/sframe/rfc9605-test-vectors.json"

/* 289 header + 3 aes_ctr_hmac + 5 sframe. */
#define RFC_HEADER_COUNT 289
#define RFC_AES_COUNT    3
#define RFC_SFRAME_COUNT 5
#define RFC_COUNT        (RFC_HEADER_COUNT + RFC_AES_COUNT + RFC_SFRAME_COUNT)

/* Loaded once, before the forked test cases run (an unchecked fixture). */
static sframe_vectors_t *rfc_vectors;

static void load_rfc(void)
{
    char err[512];
    rfc_vectors = sframe_vectors_load(RFC_FILE, err, sizeof err);
    if (rfc_vectors == NULL)
        fprintf(stderr, "%s\n", err);
}

static void free_rfc(void)
{
    sframe_vectors_free(rfc_vectors);
    rfc_vectors = NULL;
}

/* ---- helpers ------------------------------------------------------------ */

static char *read_all(const char *path, size_t *out_len)
{
    FILE *file = fopen(path, "rb");
    ck_assert_msg(file != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(file, 0, SEEK_END), 0);
    long size = ftell(file);
    ck_assert_int_ge(size, 0);
    rewind(file);
    char *text = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(fread(text, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    text[size] = '\0';
    *out_len = (size_t)size;
    return text;
}

/* Writes bytes to a new temporary file; `path` receives its name. */
static void write_temp(const char *bytes, size_t len, char *path, size_t path_len)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, path_len, "%s/blindfold-vectors-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    ck_assert_msg(fd >= 0, "mkstemp %s", path);
    FILE *file = fdopen(fd, "wb");
    ck_assert_ptr_nonnull(file);
    ck_assert_uint_eq(fwrite(bytes, 1, len, file), len);
    ck_assert_int_eq(fclose(file), 0);
}

/* Loads `json` from a temporary file; returns NULL with err filled in. */
static sframe_vectors_t *load_text(const char *json, size_t len, char *path, size_t path_len,
                                   char *err, size_t err_len)
{
    write_temp(json, len, path, path_len);
    sframe_vectors_t *vectors = sframe_vectors_load(path, err, err_len);
    unlink(path);
    return vectors;
}

/* ---- the RFC file ------------------------------------------------------- */

START_TEST(rfc_file_has_297_vectors)
{
    ck_assert_msg(rfc_vectors != NULL, "%s did not load", RFC_FILE);
    ck_assert_uint_eq(sframe_vectors_count(rfc_vectors), RFC_COUNT);
    ck_assert_str_eq(sframe_vectors_name(rfc_vectors, 0), "header[0]");
    ck_assert_str_eq(sframe_vectors_name(rfc_vectors, RFC_HEADER_COUNT), "aes_ctr_hmac[0]");
    ck_assert_str_eq(sframe_vectors_name(rfc_vectors, RFC_HEADER_COUNT + RFC_AES_COUNT),
                     "sframe[0]");
    ck_assert_str_eq(sframe_vectors_name(rfc_vectors, RFC_COUNT - 1), "sframe[4]");
}
END_TEST

START_TEST(rfc_vector_passes)
{
    ck_assert_msg(rfc_vectors != NULL, "%s did not load", RFC_FILE);
    char why[256];
    size_t index = (size_t)_i;
    ck_assert_msg(sframe_vectors_check(rfc_vectors, index, why, sizeof why), "%s: %s",
                  sframe_vectors_name(rfc_vectors, index), why);
}
END_TEST

/* Given the RFC file with one hex digit of sframe[2].ct (byte 20) changed,
 * when every vector is checked, then only sframe[2] fails, naming ct and
 * the byte. */
START_TEST(tampered_ct_fails_only_its_vector)
{
    size_t len = 0;
    char *text = read_all(RFC_FILE, &len);
    char *pos = strstr(text, "\"sframe\"");
    ck_assert_ptr_nonnull(pos);
    for (int k = 0; k < 3; k++) {
        pos = strstr(pos + 1, "\"ct\": \"");
        ck_assert_ptr_nonnull(pos);
    }
    char *digit = pos + strlen("\"ct\": \"") + 2 * 20;
    *digit = *digit == '0' ? '1' : '0';

    char path[256], err[512];
    sframe_vectors_t *vectors = load_text(text, len, path, sizeof path, err, sizeof err);
    free(text);
    ck_assert_msg(vectors != NULL, "%s", err);
    ck_assert_uint_eq(sframe_vectors_count(vectors), RFC_COUNT);
    size_t failed = 0;
    for (size_t i = 0; i < sframe_vectors_count(vectors); i++) {
        char why[256];
        if (sframe_vectors_check(vectors, i, why, sizeof why))
            continue;
        failed++;
        ck_assert_str_eq(sframe_vectors_name(vectors, i), "sframe[2]");
        ck_assert_msg(strstr(why, "ct differs at byte 20") != NULL, "why: %s", why);
    }
    ck_assert_uint_eq(failed, 1);
    sframe_vectors_free(vectors);
}
END_TEST

START_TEST(missing_file_is_refused)
{
    char err[512];
    ck_assert_ptr_null(sframe_vectors_load("vectors/sframe/no-such-file.json", err, sizeof err));
    ck_assert_msg(strstr(err, "vectors/sframe/no-such-file.json: cannot open") != NULL, "%s", err);
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* ---- exact 64-bit numbers and what the checks catch --------------------- */

typedef struct small_case {
    const char *json;
    bool passes;
    const char *why; /* substring of the failure, when it fails */
} small_case_t;

#define AES0_TAIL                                                                          \
    "\"enc_key\": \"000102030405060708090a0b0c0d0e0f\", "                                  \
    "\"auth_key\": \"101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\", " \
    "\"nonce\": \"101112131415161718191a1b\", \"aad\": \"4945544620534672616d65205747\", " \
    "\"pt\": \"64726166742d696574662d736672616d652d656e63\", "                             \
    "\"ct\": \"6339af04ada1d064688a442b8dc69d5b6bfa40f4bef0583e8081069cc60705\"}]}"
#define AES0_KEY                                                                                   \
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d" \
    "2e2f"

static const small_case_t small_cases[] = {
    /* 2^64 - 1 and 2^53 + 1, which a double would round to 2^53. */
    { "{\"header\": [{\"kid\": 18446744073709551615, \"ctr\": 9007199254740993, "
      "\"encoded\": \"feffffffffffffffff20000000000001\"}]}",
      true, NULL },
    { "{\"header\": [{\"kid\": 18446744073709551615, \"ctr\": 9007199254740992, "
      "\"encoded\": \"feffffffffffffffff20000000000001\"}]}",
      false, "encoded differs at byte 15" },
    { "{\"header\": [{\"kid\": 7, \"ctr\": 0, \"encoded\": \"7000\"}]}", false,
      "encoded is 2 bytes in the file, computed 1" },
    { "{\"aes_ctr_hmac\": [{\"cipher_suite\": 1, \"key\": \"" AES0_KEY "\", " AES0_TAIL, true,
      NULL },
    { "{\"aes_ctr_hmac\": [{\"cipher_suite\": 9, \"key\": \"" AES0_KEY "\", " AES0_TAIL, false,
      "cipher_suite 9 is not an RFC 9605 suite" },
    { "{\"aes_ctr_hmac\": [{\"cipher_suite\": 4, \"key\": \"" AES0_KEY "\", " AES0_TAIL, false,
      "not an AES-CTR + HMAC suite" },
    { "{\"aes_ctr_hmac\": [{\"cipher_suite\": 1, \"key\": \"000102030405060708090a0b0c0d0e0f\", "
      "" AES0_TAIL,
      false, "key is 16 bytes, the suite's Nk is 48" },
    { "{\"aes_ctr_hmac\": [{\"cipher_suite\": 2, \"key\": \"" AES0_KEY "\", " AES0_TAIL, false,
      "ct differs at byte" },
};

START_TEST(small_file_checks)
{
    const small_case_t *c = &small_cases[_i];
    char path[256], err[512], why[256];
    sframe_vectors_t *vectors =
        load_text(c->json, strlen(c->json), path, sizeof path, err, sizeof err);
    ck_assert_msg(vectors != NULL, "%s", err);
    ck_assert_uint_eq(sframe_vectors_count(vectors), 1);
    bool passed = sframe_vectors_check(vectors, 0, why, sizeof why);
    ck_assert_msg(passed == c->passes, "case %d: %s", _i, passed ? "passed" : why);
    if (!c->passes)
        ck_assert_msg(strstr(why, c->why) != NULL, "case %d: why: %s", _i, why);
    sframe_vectors_free(vectors);
}
END_TEST

/* ---- malformed files ---------------------------------------------------- */

typedef struct bad_case {
    const char *json;
    const char *message; /* in the error, after "PATH: " */
} bad_case_t;

#define HDR(fields) "{\"header\": [{" fields "}]}"

static const bad_case_t bad_cases[] = {
    /* Truncated and otherwise broken JSON: line and column. */
    { "{\"header\": [{\"kid\": 0, \"ctr\": 0, \"enc",
      "line 1, column 38 (byte 37): premature end of input" },
    { "{\"header\": [\n  {\"kid\": 0, \"ctr\": 0, \"encoded\": \"00\"}\n", "line 3, column 1" },
    { "", "line 1, column 1 (byte 0): " },
    { HDR("\"kid\": 0 0, \"ctr\": 0, \"encoded\": \"00\""),
      "line 1, column 24 (byte 23): '}' expected near '0'" },
    { HDR("\"kid\": 0, \"kid\": 1, \"ctr\": 0, \"encoded\": \"00\""), "duplicate object key" },
    { HDR("\"kid\": 0, \"ctr\": 0, \"encoded\": \"00\\u0000\""), "\\u0000 in a string" },
    /* Wrong types. */
    { "[]", "(root): expected an object, got an array" },
    { "{\"header\": {}}", "header: expected an array, got an object" },
    { "{\"header\": [7]}", "header[0]: expected an object, got a number" },
    { HDR("\"kid\": \"0\", \"ctr\": 0, \"encoded\": \"00\""),
      "header[0].kid: expected an unsigned integer, got a string" },
    { HDR("\"kid\": null, \"ctr\": 0, \"encoded\": \"00\""),
      "header[0].kid: expected an unsigned integer, got null" },
    { HDR("\"kid\": 0, \"ctr\": 0, \"encoded\": 0"),
      "header[0].encoded: expected a hex string, got a number" },
    { HDR("\"kid\": 0, \"ctr\": 0, \"encoded\": [\"00\"]"),
      "header[0].encoded: expected a hex string, got an array" },
    /* Numbers outside uint64_t, or not integers. */
    { HDR("\"kid\": 18446744073709551616, \"ctr\": 0, \"encoded\": \"00\""),
      "header[0].kid: 18446744073709551616 does not fit in 64 bits" },
    { HDR("\"kid\": 0, \"ctr\": 99999999999999999999999, \"encoded\": \"00\""),
      "header[0].ctr: 99999999999999999999999 does not fit in 64 bits" },
    { HDR("\"kid\": -1, \"ctr\": 0, \"encoded\": \"00\""), "header[0].kid: -1 is negative" },
    { HDR("\"kid\": 1e3, \"ctr\": 0, \"encoded\": \"00\""),
      "header[0].kid: 1e3 is not an integer" },
    { HDR("\"kid\": 1.0, \"ctr\": 0, \"encoded\": \"00\""),
      "header[0].kid: 1.0 is not an integer" },
    { HDR("\"kid\": 01, \"ctr\": 0, \"encoded\": \"00\""), "header[0].kid: 01 has a leading zero" },
    /* Hex strings. */
    { HDR("\"kid\": 0, \"ctr\": 0, \"encoded\": \"0g\""),
      "header[0].encoded: not a hex string (character 1)" },
    { HDR("\"kid\": 0, \"ctr\": 0, \"encoded\": \"000\""),
      "header[0].encoded: not a hex string (odd number of digits, 3)" },
    /* Members. */
    { HDR("\"kid\": 0, \"encoded\": \"00\""), "header[0].ctr: missing" },
    { HDR("\"kid\": 0, \"ctr\": 0, \"encoded\": \"00\", \"extra\": 1"),
      "header[0]: unknown member \"extra\"" },
    { "{\"headers\": []}", "(root): unknown member \"headers\"" },
    { "{\"header\": [], \"sframe\": []}", "(root): no vectors" },
    { "{\"sframe\": [{\"cipher_suite\": 4, \"kid\": 291, \"ctr\": 17767, "
      "\"base_key\": \"000102030405060708090a0b0c0d0e0f\", \"sframe_key_label\": \"\", "
      "\"sframe_salt_label\": \"\", \"sframe_secret\": \"\", \"sframe_key\": \"\", "
      "\"sframe_salt\": \"\", \"metadata\": \"\", \"nonce\": \"\", \"aad\": \"\", \"pt\": \"\", "
      "\"ct\": \"99x1\"}]}",
      "sframe[0].ct: not a hex string (character 2)" },
};

START_TEST(malformed_file_is_refused)
{
    const bad_case_t *c = &bad_cases[_i];
    char path[256], err[512];
    sframe_vectors_t *vectors =
        load_text(c->json, strlen(c->json), path, sizeof path, err, sizeof err);
    ck_assert_msg(vectors == NULL, "case %d loaded", _i);
    size_t path_len = strlen(path);
    ck_assert_msg(strncmp(err, path, path_len) == 0 && strncmp(err + path_len, ": ", 2) == 0 &&
                      strstr(err + path_len, c->message) != NULL,
                  "case %d: got '%s', want '%s: ...%s...'", _i, err, path, c->message);
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* A truncated copy of the real file names the line where it ends. */
START_TEST(truncated_rfc_file_is_refused)
{
    size_t len = 0;
    char *text = read_all(RFC_FILE, &len);
    size_t cut = len / 2, lines = 1;
    for (size_t i = 0; i < cut; i++)
        lines += text[i] == '\n';
    char path[256], err[512], expect[64];
    sframe_vectors_t *vectors = load_text(text, cut, path, sizeof path, err, sizeof err);
    free(text);
    ck_assert_ptr_null(vectors);
    snprintf(expect, sizeof expect, ": line %zu, column ", lines);
    ck_assert_msg(strstr(err, path) == err && strstr(err, expect) != NULL, "%s", err);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("sframe_vectors");

    TCase *rfc = tcase_create("rfc9605");
    tcase_add_unchecked_fixture(rfc, load_rfc, free_rfc);
    tcase_add_test(rfc, rfc_file_has_297_vectors);
    tcase_add_loop_test(rfc, rfc_vector_passes, 0, RFC_COUNT);
    suite_add_tcase(suite, rfc);

    TCase *changed = tcase_create("changed");
    tcase_add_test(changed, tampered_ct_fails_only_its_vector);
    tcase_add_loop_test(changed, small_file_checks, 0,
                        (int)(sizeof small_cases / sizeof small_cases[0]));
    suite_add_tcase(suite, changed);

    TCase *malformed = tcase_create("malformed");
    tcase_add_test(malformed, missing_file_is_refused);
    tcase_add_loop_test(malformed, malformed_file_is_refused, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(malformed, truncated_rfc_file_is_refused);
    suite_add_tcase(suite, malformed);
    return suite;
}
