/* The key schedule (sframe/schedule.c) against OpenSSL's own HMAC and HKDF
 * (EVP_MAC "HMAC", EVP_KDF "HKDF" in EXTRACT_ONLY / EXPAND_ONLY modes),
 * which the library does not use per frame: the internal HMAC for keys
 * shorter than, equal to and longer than a block, both hashes; key and
 * salt derivation with the labels of RFC 9605 section 4.4.2; the ratchet
 * of section 5.1, also in place; and the section 4.4.2 key and salt of the
 * RFC's own vectors for suites 1 and 5. */
#include "sframe/internal.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <stdio.h>
#include <string.h>

#define SUITE_COUNT 5

static const sframe_suite_t all_suites[SUITE_COUNT] = {
    SFRAME_AES_128_CTR_HMAC_SHA256_80, SFRAME_AES_128_CTR_HMAC_SHA256_64,
    SFRAME_AES_128_CTR_HMAC_SHA256_32, SFRAME_AES_128_GCM_SHA256_128,
    SFRAME_AES_256_GCM_SHA512_128,
};

static const char *digest_name(sframe__hash_id_t hash)
{
    return hash == SFRAME__SHA256 ? "SHA256" : "SHA512";
}

static void evp_hmac(sframe__hash_id_t hash, const uint8_t *key, size_t key_len, const uint8_t *msg,
                     size_t msg_len, uint8_t *out)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    ck_assert_ptr_nonnull(mac);
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    ck_assert_ptr_nonnull(ctx);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest_name(hash), 0),
        OSSL_PARAM_construct_end(),
    };
    static const uint8_t no_key = 0;
    size_t out_len = 0;
    ck_assert_int_eq(EVP_MAC_init(ctx, key_len ? key : &no_key, key_len, params), 1);
    ck_assert_int_eq(EVP_MAC_update(ctx, msg, msg_len), 1);
    ck_assert_int_eq(EVP_MAC_final(ctx, out, &out_len, SFRAME__MAX_NH), 1);
    ck_assert_uint_eq(out_len, sframe__hash_size(hash));
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
}

/* HKDF through EVP_KDF: mode "EXTRACT_ONLY" with an empty salt, or
 * "EXPAND_ONLY" with the PRK as key. */
static void evp_hkdf(sframe__hash_id_t hash, const char *mode, const uint8_t *key, size_t key_len,
                     const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    ck_assert_ptr_nonnull(kdf);
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    ck_assert_ptr_nonnull(ctx);
    OSSL_PARAM params[6];
    size_t n = 0;
    params[n++] =
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest_name(hash), 0);
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, (char *)mode, 0);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
    if (info_len > 0) {
        params[n++] =
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    }
    params[n] = OSSL_PARAM_construct_end();
    ck_assert_int_eq(EVP_KDF_derive(ctx, out, out_len, params), 1);
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
}

/* Loop index: hash * 6 + key length case. */
START_TEST(hmac_matches_evp)
{
    static const size_t key_lens[] = { 0, 1, 32, 64, 128, 200 };
    const sframe__hash_id_t hash = _i < 6 ? SFRAME__SHA256 : SFRAME__SHA512;
    const size_t key_len = key_lens[_i % 6];
    uint8_t key[200];
    uint8_t msg[300];
    for (size_t i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t)(i * 13 + 1);
    }
    for (size_t i = 0; i < sizeof(msg); i++) {
        msg[i] = (uint8_t)(i ^ 0x5c);
    }
    sframe__hmac_key_t hmac_key;
    sframe__hmac_key_set(&hmac_key, hash, key, key_len);
    for (size_t msg_len = 0; msg_len <= sizeof(msg); msg_len += 37) {
        uint8_t expected[SFRAME__MAX_NH];
        uint8_t got[SFRAME__MAX_NH];
        evp_hmac(hash, key, key_len, msg, msg_len, expected);
        /* In two pieces, as the AEAD feeds it. */
        sframe__hmac_t mac;
        sframe__hmac_start(&mac, &hmac_key);
        sframe__hmac_update(&mac, msg, msg_len / 2);
        sframe__hmac_update(&mac, msg + msg_len / 2, msg_len - msg_len / 2);
        sframe__hmac_finish(&mac, got);
        ck_assert_mem_eq(got, expected, sframe__hash_size(hash));
    }
}
END_TEST

START_TEST(hkdf_matches_evp)
{
    const sframe__hash_id_t hash = _i == 0 ? SFRAME__SHA256 : SFRAME__SHA512;
    const size_t nh = sframe__hash_size(hash);
    uint8_t ikm[77];
    for (size_t i = 0; i < sizeof(ikm); i++) {
        ikm[i] = (uint8_t)(0xa0 + i);
    }
    for (size_t ikm_len = 1; ikm_len <= sizeof(ikm); ikm_len += 19) {
        uint8_t prk[SFRAME__MAX_NH];
        uint8_t expected_prk[SFRAME__MAX_NH];
        sframe__hkdf_extract(hash, ikm, ikm_len, prk);
        evp_hkdf(hash, "EXTRACT_ONLY", ikm, ikm_len, NULL, 0, expected_prk, nh);
        ck_assert_mem_eq(prk, expected_prk, nh);

        sframe__hmac_key_t prk_key;
        sframe__hmac_key_set(&prk_key, hash, prk, nh);
        static const uint8_t info[] = "SFrame 1.0 Secret key 0123456789";
        for (size_t out_len = 1; out_len <= 200; out_len += 33) {
            uint8_t okm[200];
            uint8_t expected_okm[200];
            sframe__hkdf_expand(&prk_key, info, sizeof(info) - 1, okm, out_len);
            evp_hkdf(hash, "EXPAND_ONLY", prk, nh, info, sizeof(info) - 1, expected_okm, out_len);
            ck_assert_mem_eq(okm, expected_okm, out_len);
        }
    }
}
END_TEST

/* Section 4.4.2 written out with EVP_KDF, label bytes built by hand. */
START_TEST(key_salt_matches_evp)
{
    const sframe_suite_t suite_id = all_suites[_i];
    const sframe__suite_t *suite = sframe__suite_get(suite_id);
    ck_assert_ptr_nonnull(suite);
    static const uint64_t kids[] = { 0, 0x123, UINT64_MAX };
    static const uint8_t base_key[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 };
    uint8_t prk[SFRAME__MAX_NH];
    evp_hkdf(suite->hash, "EXTRACT_ONLY", base_key, sizeof(base_key), NULL, 0, prk, suite->info.nh);

    for (size_t k = 0; k < sizeof(kids) / sizeof(kids[0]); k++) {
        uint8_t key_info[64];
        uint8_t salt_info[64];
        memcpy(key_info, "SFrame 1.0 Secret key ", 22);
        memcpy(salt_info, "SFrame 1.0 Secret salt ", 23);
        for (int i = 0; i < 8; i++) {
            key_info[22 + i] = salt_info[23 + i] = (uint8_t)(kids[k] >> (56 - 8 * i));
        }
        key_info[30] = salt_info[31] = 0;
        key_info[31] = salt_info[32] = (uint8_t)suite_id;
        uint8_t expected_key[SFRAME__MAX_NK];
        uint8_t expected_salt[SFRAME__NN];
        evp_hkdf(suite->hash, "EXPAND_ONLY", prk, suite->info.nh, key_info, 32, expected_key,
                 suite->info.nk);
        evp_hkdf(suite->hash, "EXPAND_ONLY", prk, suite->info.nh, salt_info, 33, expected_salt,
                 SFRAME__NN);

        uint8_t key[SFRAME__MAX_NK];
        uint8_t salt[SFRAME__NN];
        ck_assert_int_eq(
            sframe_derive_key_salt(suite_id, base_key, sizeof(base_key), kids[k], key, salt),
            SFRAME_OK);
        ck_assert_mem_eq(key, expected_key, suite->info.nk);
        ck_assert_mem_eq(salt, expected_salt, SFRAME__NN);
    }

    /* The ratchet: HKDF-Expand(HKDF-Extract("", base_key), "SFrame 1.0
     * Ratchet", Nh), also with `next` aliasing the base key. */
    uint8_t expected_next[SFRAME__MAX_NH];
    evp_hkdf(suite->hash, "EXPAND_ONLY", prk, suite->info.nh, (const uint8_t *)"SFrame 1.0 Ratchet",
             18, expected_next, suite->info.nh);
    uint8_t next[SFRAME__MAX_NH] = { 0 };
    memcpy(next, base_key, sizeof(base_key));
    ck_assert_int_eq(sframe_ratchet_base_key(suite_id, next, sizeof(base_key), next), SFRAME_OK);
    ck_assert_mem_eq(next, expected_next, suite->info.nh);
    ck_assert_int_eq(sframe_ratchet_base_key((sframe_suite_t)0, next, 1, next),
                     SFRAME_ERR_UNKNOWN_SUITE);
    ck_assert_int_eq(sframe_derive_key_salt((sframe_suite_t)7, base_key, 1, 0, next, next),
                     SFRAME_ERR_UNKNOWN_SUITE);
}
END_TEST

static void hex_to_bytes(const char *hex, uint8_t *out, size_t len)
{
    ck_assert_uint_eq(strlen(hex), 2 * len);
    for (size_t i = 0; i < len; i++) {
        unsigned byte = 0;
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &byte), 1);
        out[i] = (uint8_t)byte;
    }
}

/* sframe_key and sframe_salt of the RFC 9605 vector file, `sframe`
 * section, suites 1 (SHA-256, 48-byte key) and 5 (SHA-512). */
START_TEST(rfc_vector_key_salt)
{
    static const struct {
        sframe_suite_t suite;
        const char *key;
        const char *salt;
    } rows[] = {
        { SFRAME_AES_128_CTR_HMAC_SHA256_80,
          "3f7d9a7c83ae8e1c8a11ae695ab59314b367e359fadac7b9c46b2bc6f81f46e16b96f0811868d59402b7e870"
          "102720b3",
          "50b29329a04dc0f184ac3168" },
        { SFRAME_AES_256_GCM_SHA512_128,
          "d3e27b0d4a5ae9e55df01a70e6d4d28d969b246e2936f4b7a5d9b494da6b9633",
          "84991c167b8cd23c93708ec7" },
    };
    static const uint8_t base_key[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const sframe_suite_info_t *info = sframe_suite_info(rows[i].suite);
        uint8_t expected_key[SFRAME__MAX_NK];
        uint8_t expected_salt[SFRAME__NN];
        hex_to_bytes(rows[i].key, expected_key, info->nk);
        hex_to_bytes(rows[i].salt, expected_salt, SFRAME__NN);
        uint8_t key[SFRAME__MAX_NK];
        uint8_t salt[SFRAME__NN];
        ck_assert_int_eq(sframe_derive_key_salt(rows[i].suite, base_key, 16, 0x123, key, salt),
                         SFRAME_OK);
        ck_assert_mem_eq(key, expected_key, info->nk);
        ck_assert_mem_eq(salt, expected_salt, SFRAME__NN);
    }
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("sframe_schedule");
    TCase *tc = tcase_create("schedule");
    tcase_add_loop_test(tc, hmac_matches_evp, 0, 12);
    tcase_add_loop_test(tc, hkdf_matches_evp, 0, 2);
    tcase_add_loop_test(tc, key_salt_matches_evp, 0, SUITE_COUNT);
    tcase_add_test(tc, rfc_vector_key_salt);
    suite_add_tcase(suite, tc);
    return suite;
}
