/* The SFrame key schedule: HMAC (RFC 2104) and HKDF (RFC 5869) over SHA-256
 * and SHA-512, key and salt derivation (RFC 9605 section 4.4.2), the
 * sender-key ratchet and KID layout (section 5.1) and the MLS KID layout
 * and base key (section 5.2).
 *
 * Why HMAC is built here on the low-level SHA-2 functions rather than on
 * EVP_MAC: the AES-CTR + HMAC suites compute an HMAC per frame, and the
 * receiver runs HKDF when it follows a ratchet step inside unprotect; both
 * must not allocate. With OpenSSL 3.0 (3.0.22 measured) every EVP_MAC_init
 * on an HMAC context allocates two blocks, even with the key left as it is
 * (EVP_MD_CTX_copy_ex duplicates the provider's SHA-2 context), and every
 * EVP_DigestInit_ex frees and allocates the provider context again. The
 * SHA256_CTX/SHA512_CTX functions are plain structs that can be copied, so
 * an HMAC key becomes two precomputed hash states (ipad and opad blocks
 * already absorbed) and each MAC is a struct copy plus the hashing. Those
 * functions are deprecated in OpenSSL 3.0, which is this file's one
 * exemption from the warning set: OPENSSL_SUPPRESS_DEPRECATED below. The
 * tests check this HMAC/HKDF against EVP_KDF "HKDF" and against the RFC
 * 9605 vectors. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "sframe/internal.h"

#include <openssl/crypto.h>

#include <string.h>

/* --- SHA-2 dispatch ---------------------------------------------------------- */

typedef struct sframe__hash_ops {
    size_t block_size;
    size_t out_size;
    void (*init)(sframe__sha_state_t *state);
    void (*update)(sframe__sha_state_t *state, const uint8_t *bytes, size_t len);
    void (*final)(sframe__sha_state_t *state, uint8_t *out);
} sframe__hash_ops_t;

static void sha256_init(sframe__sha_state_t *state)
{
    SHA256_Init(&state->sha256);
}

static void sha256_update(sframe__sha_state_t *state, const uint8_t *bytes, size_t len)
{
    SHA256_Update(&state->sha256, bytes, len);
}

static void sha256_final(sframe__sha_state_t *state, uint8_t *out)
{
    SHA256_Final(out, &state->sha256);
}

static void sha512_init(sframe__sha_state_t *state)
{
    SHA512_Init(&state->sha512);
}

static void sha512_update(sframe__sha_state_t *state, const uint8_t *bytes, size_t len)
{
    SHA512_Update(&state->sha512, bytes, len);
}

static void sha512_final(sframe__sha_state_t *state, uint8_t *out)
{
    SHA512_Final(out, &state->sha512);
}

static const sframe__hash_ops_t hash_ops[] = {
    [SFRAME__SHA256] = { 64, 32, sha256_init, sha256_update, sha256_final },
    [SFRAME__SHA512] = { 128, 64, sha512_init, sha512_update, sha512_final },
};

size_t sframe__hash_size(sframe__hash_id_t hash)
{
    return hash_ops[hash].out_size;
}

/* --- HMAC (RFC 2104) ---------------------------------------------------------- */

#define HMAC_MAX_BLOCK 128

void sframe__hmac_key_set(sframe__hmac_key_t *key, sframe__hash_id_t hash, const uint8_t *secret,
                          size_t secret_len)
{
    const sframe__hash_ops_t *ops = &hash_ops[hash];
    uint8_t block[HMAC_MAX_BLOCK] = { 0 };
    uint8_t pad[HMAC_MAX_BLOCK];

    key->hash = hash;
    if (secret_len > ops->block_size) {
        ops->init(&key->inner);
        ops->update(&key->inner, secret, secret_len);
        ops->final(&key->inner, block);
    } else if (secret_len > 0) {
        memcpy(block, secret, secret_len);
    }
    for (size_t i = 0; i < ops->block_size; i++) {
        pad[i] = (uint8_t)(block[i] ^ 0x36);
    }
    ops->init(&key->inner);
    ops->update(&key->inner, pad, ops->block_size);
    for (size_t i = 0; i < ops->block_size; i++) {
        pad[i] = (uint8_t)(block[i] ^ 0x5c);
    }
    ops->init(&key->outer);
    ops->update(&key->outer, pad, ops->block_size);
    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(pad, sizeof(pad));
}

void sframe__hmac_start(sframe__hmac_t *mac, const sframe__hmac_key_t *key)
{
    mac->key = key;
    mac->state = key->inner;
}

void sframe__hmac_update(sframe__hmac_t *mac, const uint8_t *bytes, size_t len)
{
    if (len > 0) {
        hash_ops[mac->key->hash].update(&mac->state, bytes, len);
    }
}

void sframe__hmac_finish(sframe__hmac_t *mac, uint8_t *out)
{
    const sframe__hash_ops_t *ops = &hash_ops[mac->key->hash];
    uint8_t inner[SFRAME__MAX_NH];

    ops->final(&mac->state, inner);
    mac->state = mac->key->outer;
    ops->update(&mac->state, inner, ops->out_size);
    ops->final(&mac->state, out);
    OPENSSL_cleanse(inner, sizeof(inner));
    OPENSSL_cleanse(&mac->state, sizeof(mac->state));
}

/* --- HKDF (RFC 5869) ---------------------------------------------------------- */

void sframe__hkdf_extract(sframe__hash_id_t hash, const uint8_t *ikm, size_t ikm_len, uint8_t *prk)
{
    /* An empty salt and HashLen zero bytes give the same HMAC key (both
     * are zero-padded to a block), as RFC 5869 section 2.2 intends. */
    sframe__hmac_key_t salt_key;
    sframe__hmac_t mac;

    sframe__hmac_key_set(&salt_key, hash, NULL, 0);
    sframe__hmac_start(&mac, &salt_key);
    sframe__hmac_update(&mac, ikm, ikm_len);
    sframe__hmac_finish(&mac, prk);
    OPENSSL_cleanse(&salt_key, sizeof(salt_key));
}

void sframe__hkdf_expand(const sframe__hmac_key_t *prk, const uint8_t *info, size_t info_len,
                         uint8_t *out, size_t out_len)
{
    size_t hash_len = sframe__hash_size(prk->hash);
    uint8_t block[SFRAME__MAX_NH];
    sframe__hmac_t mac;
    uint8_t counter = 1;

    for (size_t done = 0; done < out_len; counter++) {
        sframe__hmac_start(&mac, prk);
        if (counter > 1) {
            sframe__hmac_update(&mac, block, hash_len);
        }
        sframe__hmac_update(&mac, info, info_len);
        sframe__hmac_update(&mac, &counter, 1);
        sframe__hmac_finish(&mac, block);
        size_t take = out_len - done < hash_len ? out_len - done : hash_len;
        memcpy(out + done, block, take);
        done += take;
    }
    OPENSSL_cleanse(block, sizeof(block));
}

/* --- Key schedule (RFC 9605 section 4.4.2) ------------------------------------ */

static const char key_label[] = "SFrame 1.0 Secret key ";
static const char salt_label[] = "SFrame 1.0 Secret salt ";
static const char ratchet_label[] = "SFrame 1.0 Ratchet";

/* label || KID (8 bytes BE) || cipher suite (2 bytes BE); returns its length. */
static size_t schedule_info(const char *label, size_t label_len, uint64_t kid, sframe_suite_t suite,
                            uint8_t *info)
{
    memcpy(info, label, label_len);
    for (size_t i = 0; i < 8; i++) {
        info[label_len + i] = (uint8_t)(kid >> (56 - 8 * i));
    }
    info[label_len + 8] = (uint8_t)((unsigned)suite >> 8);
    info[label_len + 9] = (uint8_t)suite;
    return label_len + 10;
}

void sframe__secret_from_base_key(const sframe__suite_t *suite, const uint8_t *base_key,
                                  size_t base_key_len, uint8_t *secret)
{
    sframe__hkdf_extract(suite->hash, base_key, base_key_len, secret);
}

void sframe__key_salt_from_secret(const sframe__suite_t *suite, const uint8_t *secret, uint64_t kid,
                                  uint8_t *key, uint8_t *salt)
{
    uint8_t info[sizeof(salt_label) - 1 + 10];
    sframe__hmac_key_t prk;
    size_t info_len;

    sframe__hmac_key_set(&prk, suite->hash, secret, suite->info.nh);
    info_len = schedule_info(key_label, sizeof(key_label) - 1, kid, suite->info.id, info);
    sframe__hkdf_expand(&prk, info, info_len, key, suite->info.nk);
    info_len = schedule_info(salt_label, sizeof(salt_label) - 1, kid, suite->info.id, info);
    sframe__hkdf_expand(&prk, info, info_len, salt, suite->info.nn);
    OPENSSL_cleanse(&prk, sizeof(prk));
}

void sframe__ratchet_secret(const sframe__suite_t *suite, const uint8_t *secret,
                            uint8_t *next_secret)
{
    uint8_t next_base_key[SFRAME__MAX_NH];
    sframe__hmac_key_t prk;

    sframe__hmac_key_set(&prk, suite->hash, secret, suite->info.nh);
    sframe__hkdf_expand(&prk, (const uint8_t *)ratchet_label, sizeof(ratchet_label) - 1,
                        next_base_key, suite->info.nh);
    sframe__hkdf_extract(suite->hash, next_base_key, suite->info.nh, next_secret);
    OPENSSL_cleanse(next_base_key, sizeof(next_base_key));
    OPENSSL_cleanse(&prk, sizeof(prk));
}

/* --- Public one-shot functions ------------------------------------------------ */

sframe_err_t sframe_derive_key_salt(sframe_suite_t suite_id, const uint8_t *base_key,
                                    size_t base_key_len, uint64_t kid, uint8_t *key_out,
                                    uint8_t *salt_out)
{
    const sframe__suite_t *suite = sframe__suite_get(suite_id);
    uint8_t secret[SFRAME__MAX_NH];

    if (suite == NULL) {
        return SFRAME_ERR_UNKNOWN_SUITE;
    }
    if ((base_key == NULL && base_key_len > 0) || key_out == NULL || salt_out == NULL) {
        return SFRAME_ERR_INVALID_ARG;
    }
    sframe__secret_from_base_key(suite, base_key, base_key_len, secret);
    sframe__key_salt_from_secret(suite, secret, kid, key_out, salt_out);
    OPENSSL_cleanse(secret, sizeof(secret));
    return SFRAME_OK;
}

sframe_err_t sframe_ratchet_base_key(sframe_suite_t suite_id, const uint8_t *base_key,
                                     size_t base_key_len, uint8_t *next)
{
    const sframe__suite_t *suite = sframe__suite_get(suite_id);
    uint8_t secret[SFRAME__MAX_NH];
    sframe__hmac_key_t prk;

    if (suite == NULL) {
        return SFRAME_ERR_UNKNOWN_SUITE;
    }
    if ((base_key == NULL && base_key_len > 0) || next == NULL) {
        return SFRAME_ERR_INVALID_ARG;
    }
    /* The secret is taken in full before `next` is written: they may alias. */
    sframe__secret_from_base_key(suite, base_key, base_key_len, secret);
    sframe__hmac_key_set(&prk, suite->hash, secret, suite->info.nh);
    sframe__hkdf_expand(&prk, (const uint8_t *)ratchet_label, sizeof(ratchet_label) - 1, next,
                        suite->info.nh);
    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(&prk, sizeof(prk));
    return SFRAME_OK;
}

/* --- KID layouts (sections 5.1 and 5.2) ---------------------------------------- */

/* x << n and the low n bits of x, defined for every n up to 64. */
static uint64_t shift_left(uint64_t x, unsigned n)
{
    return n >= 64 ? 0 : x << n;
}

static uint64_t low_bits(uint64_t x, unsigned n)
{
    return n >= 64 ? x : x & ((UINT64_C(1) << n) - 1);
}

uint64_t sframe_ratchet_kid(uint64_t generation, uint64_t step, unsigned ratchet_bits)
{
    return shift_left(generation, ratchet_bits) | low_bits(step, ratchet_bits);
}

sframe_err_t sframe_mls_kid(uint64_t context, uint64_t member_index, uint64_t epoch,
                            unsigned s_bits, unsigned e_bits, uint64_t *kid)
{
    if (kid == NULL || s_bits > 64 || e_bits > 64 || s_bits + e_bits > 64) {
        return SFRAME_ERR_INVALID_ARG;
    }
    unsigned low = s_bits + e_bits;
    if (low_bits(member_index, s_bits) != member_index || low_bits(context, 64 - low) != context) {
        return SFRAME_ERR_INVALID_ARG;
    }
    *kid = shift_left(context, low) | shift_left(member_index, e_bits) | low_bits(epoch, e_bits);
    return SFRAME_OK;
}

sframe_err_t sframe_mls_base_key(sframe_suite_t suite_id, const uint8_t *exported_secret,
                                 size_t exported_secret_len, uint8_t *base_key_out)
{
    const sframe__suite_t *suite = sframe__suite_get(suite_id);

    if (suite == NULL) {
        return SFRAME_ERR_UNKNOWN_SUITE;
    }
    if (exported_secret == NULL || base_key_out == NULL || exported_secret_len != suite->info.nk) {
        return SFRAME_ERR_INVALID_ARG;
    }
    /* Section 5.2: base_key = MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk),
     * one per epoch for every member; members differ only by their KIDs. */
    memmove(base_key_out, exported_secret, exported_secret_len);
    return SFRAME_OK;
}
