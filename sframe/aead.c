/* The AEAD algorithms of RFC 9605 section 4.5 on OpenSSL EVP ciphers:
 * AES-GCM for suites 4 and 5, and for suites 1-3 the encrypt-then-MAC
 * construction of section 4.5.1: AES-CTR under the first Nka bytes of the
 * key with the counter block nonce || 00000000, then a tag that is the
 * first Nt bytes of HMAC-SHA-256 under the remaining Nh bytes over
 *   len(AAD) (8 BE) || len(ct) (8 BE) || Nt (8 BE) || nonce || AAD || ct.
 *
 * A key lives in an sframe__aead_key_t whose EVP_CIPHER_CTX is created
 * once; each frame only hands it a new IV, so the per-frame work is the
 * EVP init with the IV, the AAD in pieces (header, then metadata: never
 * copied together), the cipher update, and the tag. Tags of the CTR suites
 * are compared with CRYPTO_memcmp; GCM's check inside EVP_DecryptFinal_ex
 * is constant time already. */
#include "sframe/internal.h"

#include <openssl/crypto.h>

#include <limits.h>
#include <string.h>

/* EVP takes int lengths; longer inputs go through in chunks of this size. */
#define EVP_CHUNK (1 << 30)

#define CTR_IV_LEN 16

/* Feeds `len` bytes through the cipher (as AAD when out is NULL). */
static bool cipher_update(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in, size_t len,
                          size_t *written)
{
    size_t total = 0;
    while (len > 0) {
        int chunk = len > EVP_CHUNK ? EVP_CHUNK : (int)len;
        int out_len = 0;
        if (EVP_CipherUpdate(ctx, out == NULL ? NULL : out + total, &out_len, in, chunk) != 1) {
            return false;
        }
        total += (size_t)out_len;
        in += chunk;
        len -= (size_t)chunk;
    }
    if (written != NULL) {
        *written = total;
    }
    return true;
}

static void wipe(uint8_t *bytes, size_t len)
{
    if (len > 0) {
        OPENSSL_cleanse(bytes, len);
    }
}

/* --- Key state ------------------------------------------------------------------ */

sframe_err_t sframe__aead_key_set(sframe__aead_key_t *key, const sframe__suite_t *suite,
                                  const EVP_CIPHER *cipher, bool encrypt, const uint8_t *sframe_key,
                                  const uint8_t *salt)
{
    const EVP_CIPHER *first_cipher = NULL;

    if (key->cipher_ctx == NULL) {
        key->cipher_ctx = EVP_CIPHER_CTX_new();
        if (key->cipher_ctx == NULL) {
            return SFRAME_ERR_NO_MEMORY;
        }
        first_cipher = cipher;
    }
    /* Re-keying a context that already has its cipher (first_cipher NULL)
     * keeps the provider's context: no allocation. */
    if (EVP_CipherInit_ex(key->cipher_ctx, first_cipher, NULL, sframe_key, NULL, encrypt ? 1 : 0) !=
        1) {
        return SFRAME_ERR_CRYPTO;
    }
    if (!suite->gcm) {
        sframe__hmac_key_set(&key->auth_key, suite->hash, sframe_key + suite->info.nka,
                             suite->info.nk - suite->info.nka);
    }
    if (salt != NULL) {
        memcpy(key->salt, salt, SFRAME__NN);
    }
    return SFRAME_OK;
}

void sframe__aead_key_scrub(sframe__aead_key_t *key)
{
    static const uint8_t zero_key[SFRAME__MAX_NK] = { 0 };

    if (key->cipher_ctx != NULL) {
        /* Overwrites the expanded key in place; -1 keeps the direction. */
        (void)EVP_CipherInit_ex(key->cipher_ctx, NULL, NULL, zero_key, NULL, -1);
    }
    OPENSSL_cleanse(&key->auth_key, sizeof(key->auth_key));
    OPENSSL_cleanse(key->salt, sizeof(key->salt));
}

void sframe__aead_key_release(sframe__aead_key_t *key)
{
    if (key == NULL) {
        return;
    }
    /* The providers' freectx wipes the expanded key (OPENSSL_clear_free). */
    EVP_CIPHER_CTX_free(key->cipher_ctx);
    key->cipher_ctx = NULL;
    OPENSSL_cleanse(&key->auth_key, sizeof(key->auth_key));
    OPENSSL_cleanse(key->salt, sizeof(key->salt));
}

/* --- AES-CTR + HMAC (section 4.5.1) ----------------------------------------------- */

static void put_be64(uint8_t *out, uint64_t value)
{
    for (size_t i = 0; i < 8; i++) {
        out[i] = (uint8_t)(value >> (56 - 8 * i));
    }
}

/* The full HMAC of section 4.5.1's compute_tag, before truncation to Nt. */
static void ctr_hmac_tag(const sframe__suite_t *suite, const sframe__aead_key_t *key,
                         const uint8_t *nonce, const uint8_t *aad1, size_t aad1_len,
                         const uint8_t *aad2, size_t aad2_len, const uint8_t *ct, size_t ct_len,
                         uint8_t *full_tag)
{
    uint8_t prefix[3 * 8 + SFRAME__NN];
    sframe__hmac_t mac;

    put_be64(prefix, (uint64_t)aad1_len + (uint64_t)aad2_len);
    put_be64(prefix + 8, (uint64_t)ct_len);
    put_be64(prefix + 16, (uint64_t)suite->info.nt);
    memcpy(prefix + 24, nonce, SFRAME__NN);
    sframe__hmac_start(&mac, &key->auth_key);
    sframe__hmac_update(&mac, prefix, sizeof(prefix));
    sframe__hmac_update(&mac, aad1, aad1_len);
    sframe__hmac_update(&mac, aad2, aad2_len);
    sframe__hmac_update(&mac, ct, ct_len);
    sframe__hmac_finish(&mac, full_tag);
}

/* AES-CTR from the counter block nonce || 00000000; encrypts and decrypts. */
static bool ctr_crypt(sframe__aead_key_t *key, const uint8_t *nonce, const uint8_t *in, size_t len,
                      uint8_t *out)
{
    uint8_t iv[CTR_IV_LEN] = { 0 };

    memcpy(iv, nonce, SFRAME__NN);
    if (EVP_CipherInit_ex(key->cipher_ctx, NULL, NULL, NULL, iv, -1) != 1) {
        return false;
    }
    return cipher_update(key->cipher_ctx, out, in, len, NULL);
}

static sframe_err_t ctr_hmac_seal(const sframe__suite_t *suite, sframe__aead_key_t *key,
                                  const uint8_t *nonce, const uint8_t *aad1, size_t aad1_len,
                                  const uint8_t *aad2, size_t aad2_len, const uint8_t *pt,
                                  size_t pt_len, uint8_t *ct, uint8_t *tag)
{
    uint8_t full_tag[SFRAME__MAX_NH];

    if (!ctr_crypt(key, nonce, pt, pt_len, ct)) {
        return SFRAME_ERR_CRYPTO;
    }
    ctr_hmac_tag(suite, key, nonce, aad1, aad1_len, aad2, aad2_len, ct, pt_len, full_tag);
    memcpy(tag, full_tag, suite->info.nt);
    return SFRAME_OK;
}

static sframe_err_t ctr_hmac_open(const sframe__suite_t *suite, sframe__aead_key_t *key,
                                  const uint8_t *nonce, const uint8_t *aad1, size_t aad1_len,
                                  const uint8_t *aad2, size_t aad2_len, const uint8_t *ct,
                                  size_t ct_len, const uint8_t *tag, uint8_t *pt)
{
    uint8_t full_tag[SFRAME__MAX_NH];

    /* Encrypt-then-MAC: verify before any plaintext exists. */
    ctr_hmac_tag(suite, key, nonce, aad1, aad1_len, aad2, aad2_len, ct, ct_len, full_tag);
    int differs = CRYPTO_memcmp(full_tag, tag, suite->info.nt);
    OPENSSL_cleanse(full_tag, sizeof(full_tag));
    if (differs != 0) {
        return SFRAME_ERR_AUTH;
    }
    return ctr_crypt(key, nonce, ct, ct_len, pt) ? SFRAME_OK : SFRAME_ERR_CRYPTO;
}

/* --- AES-GCM ---------------------------------------------------------------------- */

static sframe_err_t gcm_seal(const sframe__suite_t *suite, sframe__aead_key_t *key,
                             const uint8_t *nonce, const uint8_t *aad1, size_t aad1_len,
                             const uint8_t *aad2, size_t aad2_len, const uint8_t *pt, size_t pt_len,
                             uint8_t *ct, uint8_t *tag)
{
    EVP_CIPHER_CTX *ctx = key->cipher_ctx;
    uint8_t final_block[16]; /* GCM's final step writes nothing */
    size_t written = 0;
    int final_len = 0;

    if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
        !cipher_update(ctx, NULL, aad1, aad1_len, NULL) ||
        !cipher_update(ctx, NULL, aad2, aad2_len, NULL) ||
        !cipher_update(ctx, ct, pt, pt_len, &written) || written != pt_len ||
        EVP_EncryptFinal_ex(ctx, final_block, &final_len) != 1 || final_len != 0 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)suite->info.nt, tag) != 1) {
        return SFRAME_ERR_CRYPTO;
    }
    return SFRAME_OK;
}

static sframe_err_t gcm_open(const sframe__suite_t *suite, sframe__aead_key_t *key,
                             const uint8_t *nonce, const uint8_t *aad1, size_t aad1_len,
                             const uint8_t *aad2, size_t aad2_len, const uint8_t *ct, size_t ct_len,
                             const uint8_t *tag, uint8_t *pt)
{
    EVP_CIPHER_CTX *ctx = key->cipher_ctx;
    uint8_t expected_tag[SFRAME__MAX_NT];
    uint8_t final_block[16]; /* GCM's final step writes nothing */
    size_t written = 0;
    int final_len = 0;

    /* EVP's ctrl takes a non-const pointer. */
    memcpy(expected_tag, tag, suite->info.nt);
    if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)suite->info.nt, expected_tag) != 1 ||
        !cipher_update(ctx, NULL, aad1, aad1_len, NULL) ||
        !cipher_update(ctx, NULL, aad2, aad2_len, NULL) ||
        !cipher_update(ctx, pt, ct, ct_len, &written) || written != ct_len) {
        wipe(pt, ct_len);
        return SFRAME_ERR_CRYPTO;
    }
    if (EVP_DecryptFinal_ex(ctx, final_block, &final_len) != 1 || final_len != 0) {
        /* GCM decrypts before it checks: take back what it wrote. */
        wipe(pt, ct_len);
        return SFRAME_ERR_AUTH;
    }
    return SFRAME_OK;
}

/* --- Dispatch ---------------------------------------------------------------------- */

sframe_err_t sframe__aead_seal(const sframe__suite_t *suite, sframe__aead_key_t *key,
                               const uint8_t *nonce, const uint8_t *aad1, size_t aad1_len,
                               const uint8_t *aad2, size_t aad2_len, const uint8_t *pt,
                               size_t pt_len, uint8_t *ct, uint8_t *tag)
{
    if (suite->gcm) {
        return gcm_seal(suite, key, nonce, aad1, aad1_len, aad2, aad2_len, pt, pt_len, ct, tag);
    }
    return ctr_hmac_seal(suite, key, nonce, aad1, aad1_len, aad2, aad2_len, pt, pt_len, ct, tag);
}

sframe_err_t sframe__aead_open(const sframe__suite_t *suite, sframe__aead_key_t *key,
                               const uint8_t *nonce, const uint8_t *aad1, size_t aad1_len,
                               const uint8_t *aad2, size_t aad2_len, const uint8_t *ct,
                               size_t ct_len, const uint8_t *tag, uint8_t *pt)
{
    if (suite->gcm) {
        return gcm_open(suite, key, nonce, aad1, aad1_len, aad2, aad2_len, ct, ct_len, tag, pt);
    }
    return ctr_hmac_open(suite, key, nonce, aad1, aad1_len, aad2, aad2_len, ct, ct_len, tag, pt);
}

/* --- Public one-shot functions ------------------------------------------------------ */

/* Sets up a throwaway key for one operation. */
static sframe_err_t one_shot_key(const sframe__suite_t *suite, bool encrypt, const uint8_t *key,
                                 sframe__aead_key_t *state)
{
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, suite->cipher_name, NULL);
    if (cipher == NULL) {
        return SFRAME_ERR_CRYPTO;
    }
    sframe_err_t err = sframe__aead_key_set(state, suite, cipher, encrypt, key, NULL);
    EVP_CIPHER_free(cipher);
    return err;
}

sframe_err_t sframe_aead_encrypt(sframe_suite_t suite_id, const uint8_t *key, const uint8_t *nonce,
                                 const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                                 size_t pt_len, uint8_t *out, size_t cap, size_t *out_len)
{
    const sframe__suite_t *suite = sframe__suite_get(suite_id);
    sframe__aead_key_t state = { 0 };

    if (out_len != NULL) {
        *out_len = 0;
    }
    if (suite == NULL) {
        return SFRAME_ERR_UNKNOWN_SUITE;
    }
    if (key == NULL || nonce == NULL || out_len == NULL || out == NULL ||
        (aad == NULL && aad_len > 0) || (pt == NULL && pt_len > 0)) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if ((uint64_t)pt_len > SFRAME__MAX_FRAME) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if (cap < pt_len + suite->info.nt) {
        return SFRAME_ERR_NO_SPACE;
    }
    sframe_err_t err = one_shot_key(suite, true, key, &state);
    if (err == SFRAME_OK) {
        err = sframe__aead_seal(suite, &state, nonce, aad, aad_len, NULL, 0, pt, pt_len, out,
                                out + pt_len);
    }
    sframe__aead_key_release(&state);
    if (err == SFRAME_OK) {
        *out_len = pt_len + suite->info.nt;
    }
    return err;
}

sframe_err_t sframe_aead_decrypt(sframe_suite_t suite_id, const uint8_t *key, const uint8_t *nonce,
                                 const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                                 size_t ct_len, uint8_t *out, size_t cap, size_t *out_len)
{
    const sframe__suite_t *suite = sframe__suite_get(suite_id);
    sframe__aead_key_t state = { 0 };

    if (out_len != NULL) {
        *out_len = 0;
    }
    if (suite == NULL) {
        return SFRAME_ERR_UNKNOWN_SUITE;
    }
    if (key == NULL || nonce == NULL || out_len == NULL || (aad == NULL && aad_len > 0) ||
        (ct == NULL && ct_len > 0)) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if (ct_len < suite->info.nt) {
        return SFRAME_ERR_TRUNCATED;
    }
    size_t pt_len = ct_len - suite->info.nt;
    if ((uint64_t)pt_len > SFRAME__MAX_FRAME) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if (out == NULL && pt_len > 0) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if (cap < pt_len) {
        return SFRAME_ERR_NO_SPACE;
    }
    sframe_err_t err = one_shot_key(suite, false, key, &state);
    if (err == SFRAME_OK) {
        err = sframe__aead_open(suite, &state, nonce, aad, aad_len, NULL, 0, ct, pt_len,
                                ct + pt_len, out);
    }
    sframe__aead_key_release(&state);
    if (err == SFRAME_OK) {
        *out_len = pt_len;
    }
    return err;
}
