/* The cipher suites of RFC 9605 section 4.5 (sizes from its table, ids
 * from the IANA registry of section 8.1) as one const table, each row with
 * the OpenSSL cipher it uses and a known-answer vector: the `sframe`
 * section of the RFC 9605 test vectors (base_key 000102..0f, KID 0x123,
 * CTR 0x4567, metadata "IETF SFrame WG", plaintext "draft-ietf-sframe-enc").
 *
 * The self-test result is the one piece of mutable static state in
 * sframe/: one atomic tri-state per suite (not run, passed, failed). It is
 * safe without a lock because the test is idempotent: it reads only const
 * data and its own local state, so threads racing to run it compute the
 * same answer and store the same value. */
#include "sframe/internal.h"

#include <openssl/crypto.h>

#include <stdatomic.h>
#include <string.h>

static const uint8_t kat_base_key[] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

static const uint8_t kat_metadata[] = {
    0x49, 0x45, 0x54, 0x46, 0x20, 0x53, 0x46, 0x72, 0x61, 0x6d, 0x65, 0x20, 0x57, 0x47,
};

static const uint8_t kat_pt[] = {
    0x64, 0x72, 0x61, 0x66, 0x74, 0x2d, 0x69, 0x65, 0x74, 0x66, 0x2d,
    0x73, 0x66, 0x72, 0x61, 0x6d, 0x65, 0x2d, 0x65, 0x6e, 0x63,
};

static const uint8_t kat_ct_1[] = {
    0x99, 0x01, 0x23, 0x45, 0x67, 0x44, 0x94, 0x08, 0xb6, 0xf4, 0x90, 0x08,
    0x61, 0x65, 0xb9, 0xd6, 0xf6, 0x2b, 0x24, 0xae, 0x1a, 0x59, 0xa5, 0x64,
    0x86, 0xb4, 0xae, 0x8e, 0xd0, 0x36, 0xb8, 0x89, 0x12, 0xe2, 0x4f, 0x11,
};

static const uint8_t kat_ct_2[] = {
    0x99, 0x01, 0x23, 0x45, 0x67, 0x3f, 0x31, 0x43, 0x8d, 0xb4, 0xd0, 0x94,
    0x34, 0xe4, 0x3a, 0xfa, 0x0f, 0x8a, 0x2f, 0x00, 0x86, 0x7a, 0x2b, 0xe0,
    0x85, 0x04, 0x6a, 0x9f, 0x5c, 0xb4, 0xf1, 0x01, 0xd6, 0x07,
};

static const uint8_t kat_ct_3[] = {
    0x99, 0x01, 0x23, 0x45, 0x67, 0x17, 0xfc, 0x8a, 0xf2, 0x8a, 0x5a, 0x69, 0x5a, 0xfc, 0xfc,
    0x6c, 0x8d, 0xf6, 0x35, 0x8a, 0x17, 0xe2, 0x6b, 0x2f, 0xcb, 0x3b, 0xae, 0x32, 0xe4, 0x43,
};

static const uint8_t kat_ct_4[] = {
    0x99, 0x01, 0x23, 0x45, 0x67, 0xb7, 0x41, 0x2c, 0x25, 0x13, 0xa1, 0xb6, 0x6d, 0xbb,
    0x48, 0x84, 0x1b, 0xba, 0xf1, 0x7f, 0x59, 0x87, 0x51, 0x17, 0x6a, 0xd8, 0x47, 0x68,
    0x1a, 0x69, 0xc6, 0xd0, 0xb0, 0x91, 0xc0, 0x70, 0x18, 0xce, 0x4a, 0xdb, 0x34, 0xeb,
};

static const uint8_t kat_ct_5[] = {
    0x99, 0x01, 0x23, 0x45, 0x67, 0x94, 0xf5, 0x09, 0xd3, 0x6e, 0x9b, 0xea, 0xcb, 0x0e,
    0x26, 0x1d, 0x99, 0xc7, 0xd1, 0xe9, 0x72, 0xf1, 0xfe, 0xd7, 0x87, 0xd4, 0x04, 0x9f,
    0x17, 0xca, 0x21, 0x35, 0x3c, 0x1c, 0xc2, 0x4d, 0x56, 0xce, 0xab, 0xce, 0xd2, 0x79,
};

#define KAT(ct)                                                                                \
    {                                                                                          \
        kat_base_key, sizeof(kat_base_key), 0x123, 0x4567, kat_metadata, sizeof(kat_metadata), \
            kat_pt, sizeof(kat_pt), ct, sizeof(ct)                                             \
    }

/* Indexed by suite id; row 0 is unused (no suite 0). */
static const sframe__suite_t suites[] = {
    [SFRAME_AES_128_CTR_HMAC_SHA256_80] = {
        .info = { SFRAME_AES_128_CTR_HMAC_SHA256_80, "AES_128_CTR_HMAC_SHA256_80", 32, 16, 48, 12, 10 },
        .hash = SFRAME__SHA256, .cipher_name = "AES-128-CTR", .gcm = false, .kat = KAT(kat_ct_1),
    },
    [SFRAME_AES_128_CTR_HMAC_SHA256_64] = {
        .info = { SFRAME_AES_128_CTR_HMAC_SHA256_64, "AES_128_CTR_HMAC_SHA256_64", 32, 16, 48, 12, 8 },
        .hash = SFRAME__SHA256, .cipher_name = "AES-128-CTR", .gcm = false, .kat = KAT(kat_ct_2),
    },
    [SFRAME_AES_128_CTR_HMAC_SHA256_32] = {
        .info = { SFRAME_AES_128_CTR_HMAC_SHA256_32, "AES_128_CTR_HMAC_SHA256_32", 32, 16, 48, 12, 4 },
        .hash = SFRAME__SHA256, .cipher_name = "AES-128-CTR", .gcm = false, .kat = KAT(kat_ct_3),
    },
    [SFRAME_AES_128_GCM_SHA256_128] = {
        .info = { SFRAME_AES_128_GCM_SHA256_128, "AES_128_GCM_SHA256_128", 32, 0, 16, 12, 16 },
        .hash = SFRAME__SHA256, .cipher_name = "AES-128-GCM", .gcm = true, .kat = KAT(kat_ct_4),
    },
    [SFRAME_AES_256_GCM_SHA512_128] = {
        .info = { SFRAME_AES_256_GCM_SHA512_128, "AES_256_GCM_SHA512_128", 64, 0, 32, 12, 16 },
        .hash = SFRAME__SHA512, .cipher_name = "AES-256-GCM", .gcm = true, .kat = KAT(kat_ct_5),
    },
};

#define SUITE_SLOTS (sizeof(suites) / sizeof(suites[0]))

const sframe__suite_t *sframe__suite_get(sframe_suite_t id)
{
    if ((unsigned)id == 0 || (unsigned)id >= SUITE_SLOTS) {
        return NULL;
    }
    return &suites[id];
}

const sframe_suite_info_t *sframe_suite_info(sframe_suite_t id)
{
    const sframe__suite_t *suite = sframe__suite_get(id);
    return suite == NULL ? NULL : &suite->info;
}

sframe_err_t sframe_suite_by_name(const char *name, sframe_suite_t *suite)
{
    if (name == NULL || suite == NULL) {
        return SFRAME_ERR_INVALID_ARG;
    }
    for (size_t i = 1; i < SUITE_SLOTS; i++) {
        if (strcmp(suites[i].info.name, name) == 0) {
            *suite = suites[i].info.id;
            return SFRAME_OK;
        }
    }
    return SFRAME_ERR_UNKNOWN_SUITE;
}

size_t sframe_max_overhead(sframe_suite_t id)
{
    const sframe__suite_t *suite = sframe__suite_get(id);
    return suite == NULL ? 0 : SFRAME_HEADER_MAX + suite->info.nt;
}

/* --- Known-answer self-test ------------------------------------------------------ */

enum { SELF_TEST_NOT_RUN = 0, SELF_TEST_PASSED = 1, SELF_TEST_FAILED = 2 };

static atomic_int self_test_state[SUITE_SLOTS];

/* Protects and unprotects the suite's vector through the same internal
 * functions the contexts use. SFRAME_ERR_SELF_TEST on a wrong answer,
 * SFRAME_ERR_CRYPTO (not cached: it may be passing) when OpenSSL fails. */
static sframe_err_t run_kat(const sframe__suite_t *suite)
{
    const sframe__kat_t *kat = &suite->kat;
    const size_t nt = suite->info.nt;
    uint8_t header[SFRAME_HEADER_MAX];
    uint8_t secret[SFRAME__MAX_NH];
    uint8_t key[SFRAME__MAX_NK];
    uint8_t salt[SFRAME__NN];
    uint8_t nonce[SFRAME__NN];
    uint8_t buf[64];
    uint8_t tag[SFRAME__MAX_NT];
    sframe__aead_key_t seal_key = { 0 };
    sframe__aead_key_t open_key = { 0 };
    size_t header_len = 0;
    sframe_err_t err = SFRAME_ERR_SELF_TEST;

    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, suite->cipher_name, NULL);
    if (cipher == NULL) {
        return SFRAME_ERR_CRYPTO;
    }
    if (sframe_header_encode(kat->kid, kat->ctr, header, sizeof(header), &header_len) !=
            SFRAME_OK ||
        header_len + kat->pt_len + nt != kat->ct_len || kat->pt_len > sizeof(buf) ||
        memcmp(header, kat->ct, header_len) != 0) {
        goto fail;
    }
    sframe__secret_from_base_key(suite, kat->base_key, kat->base_key_len, secret);
    sframe__key_salt_from_secret(suite, secret, kat->kid, key, salt);
    sframe__nonce(salt, kat->ctr, nonce);

    err = sframe__aead_key_set(&seal_key, suite, cipher, true, key, salt);
    if (err != SFRAME_OK) {
        goto fail;
    }
    err = sframe__aead_seal(suite, &seal_key, nonce, header, header_len, kat->metadata,
                            kat->metadata_len, kat->pt, kat->pt_len, buf, tag);
    if (err != SFRAME_OK) {
        goto fail;
    }
    err = SFRAME_ERR_SELF_TEST;
    if (memcmp(buf, kat->ct + header_len, kat->pt_len) != 0 ||
        memcmp(tag, kat->ct + header_len + kat->pt_len, nt) != 0) {
        goto fail;
    }

    err = sframe__aead_key_set(&open_key, suite, cipher, false, key, salt);
    if (err != SFRAME_OK) {
        goto fail;
    }
    err = sframe__aead_open(suite, &open_key, nonce, header, header_len, kat->metadata,
                            kat->metadata_len, kat->ct + header_len, kat->pt_len,
                            kat->ct + header_len + kat->pt_len, buf);
    if (err != SFRAME_OK || memcmp(buf, kat->pt, kat->pt_len) != 0) {
        err = err == SFRAME_ERR_CRYPTO ? err : SFRAME_ERR_SELF_TEST;
        goto fail;
    }
    /* A wrong tag must be refused. */
    tag[0] ^= 0x01;
    err = sframe__aead_open(suite, &open_key, nonce, header, header_len, kat->metadata,
                            kat->metadata_len, kat->ct + header_len, kat->pt_len, tag, buf);
    err = err == SFRAME_ERR_AUTH ? SFRAME_OK : SFRAME_ERR_SELF_TEST;

fail:
    sframe__aead_key_release(&seal_key);
    sframe__aead_key_release(&open_key);
    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(salt, sizeof(salt));
    EVP_CIPHER_free(cipher);
    return err;
}

sframe_err_t sframe_suite_self_test(sframe_suite_t id)
{
    const sframe__suite_t *suite = sframe__suite_get(id);

    if (suite == NULL) {
        return SFRAME_ERR_UNKNOWN_SUITE;
    }
    int state = atomic_load(&self_test_state[id]);
    if (state == SELF_TEST_PASSED) {
        return SFRAME_OK;
    }
    if (state == SELF_TEST_FAILED) {
        return SFRAME_ERR_SELF_TEST;
    }
    sframe_err_t err = run_kat(suite);
    if (err == SFRAME_OK) {
        atomic_store(&self_test_state[id], SELF_TEST_PASSED);
    } else if (err == SFRAME_ERR_SELF_TEST) {
        atomic_store(&self_test_state[id], SELF_TEST_FAILED);
    }
    return err;
}
