/* sframe/: private declarations shared by the RFC 9605 implementation files.
 *
 * The layers, bottom up:
 *   schedule.c  HMAC and HKDF over SHA-256/512 (RFC 2104, RFC 5869), the key
 *               schedule of RFC 9605 section 4.4.2 and the ratchet of 5.1;
 *   aead.c      the per-key AEAD state and the two AEAD families of 4.5;
 *   suites.c    the suite table and its known-answer self-tests;
 *   sender.c, receiver.c  the contexts.
 * Nothing below the contexts allocates, except sframe__aead_key_set the
 * first time it is given a key slot. */
#ifndef BLINDFOLD_SFRAME_INTERNAL_H
#define BLINDFOLD_SFRAME_INTERNAL_H

#include "sframe/sframe.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest sizes over all suites. */
#define SFRAME__MAX_NH 64 /* SHA-512 */
#define SFRAME__MAX_NK 48 /* AES-128 key plus an HMAC-SHA-256 key */
#define SFRAME__MAX_NT 16
#define SFRAME__NN     12 /* every suite's nonce */

/* Largest frame either AEAD family accepts: AES-GCM (SP 800-38D) and a
 * 32-bit block counter in AES-CTR (section 4.5.1 appends four zero bytes
 * to the nonce) both stop at 2^32 blocks; GCM loses two more. */
#define SFRAME__MAX_FRAME ((UINT64_C(1) << 36) - 32)

/* --- Hashes, HMAC and HKDF (schedule.c) ---------------------------------- */

typedef enum sframe__hash_id {
    SFRAME__SHA256,
    SFRAME__SHA512,
} sframe__hash_id_t;

typedef union sframe__sha_state {
    SHA256_CTX sha256;
    SHA512_CTX sha512;
} sframe__sha_state_t;

/* An HMAC key, stored as the hash states after the key's ipad and opad
 * blocks, so that each MAC costs no key processing and no allocation. */
typedef struct sframe__hmac_key {
    sframe__hash_id_t hash;
    sframe__sha_state_t inner;
    sframe__sha_state_t outer;
} sframe__hmac_key_t;

/* One HMAC computation in progress. */
typedef struct sframe__hmac {
    const sframe__hmac_key_t *key;
    sframe__sha_state_t state;
} sframe__hmac_t;

size_t sframe__hash_size(sframe__hash_id_t hash);
void sframe__hmac_key_set(sframe__hmac_key_t *key, sframe__hash_id_t hash, const uint8_t *secret,
                          size_t secret_len);
void sframe__hmac_start(sframe__hmac_t *mac, const sframe__hmac_key_t *key);
void sframe__hmac_update(sframe__hmac_t *mac, const uint8_t *bytes, size_t len);
/* Writes the full hash-sized MAC and wipes the running state. */
void sframe__hmac_finish(sframe__hmac_t *mac, uint8_t *out);

/* HKDF-Extract("", ikm) into prk (hash-sized). */
void sframe__hkdf_extract(sframe__hash_id_t hash, const uint8_t *ikm, size_t ikm_len, uint8_t *prk);
/* HKDF-Expand(prk, info, out_len) with prk given as an HMAC key;
 * out_len <= 255 * hash size. */
void sframe__hkdf_expand(const sframe__hmac_key_t *prk, const uint8_t *info, size_t info_len,
                         uint8_t *out, size_t out_len);

/* --- Suites (suites.c) ---------------------------------------------------- */

/* A known answer: one SFrame ciphertext of section 4.4.3 (as in the
 * `sframe` section of the RFC 9605 vector file). */
typedef struct sframe__kat {
    const uint8_t *base_key;
    size_t base_key_len;
    uint64_t kid;
    uint64_t ctr;
    const uint8_t *metadata;
    size_t metadata_len;
    const uint8_t *pt;
    size_t pt_len;
    const uint8_t *ct; /* header || ciphertext || tag */
    size_t ct_len;
} sframe__kat_t;

typedef struct sframe__suite {
    sframe_suite_info_t info;
    sframe__hash_id_t hash;
    const char *cipher_name; /* OpenSSL name, for EVP_CIPHER_fetch */
    bool gcm;                /* AES-GCM; otherwise AES-CTR + HMAC (4.5.1) */
    sframe__kat_t kat;
} sframe__suite_t;

/* The suite's table row, or NULL. */
const sframe__suite_t *sframe__suite_get(sframe_suite_t id);

/* --- Key schedule (schedule.c) -------------------------------------------- */

/* sframe_secret = HKDF-Extract("", base_key): Nh bytes. Everything a
 * context derives from a base key goes through this secret, so contexts
 * keep the secret instead of the caller's base key. */
void sframe__secret_from_base_key(const sframe__suite_t *suite, const uint8_t *base_key,
                                  size_t base_key_len, uint8_t *secret);
/* sframe_key (Nk) and sframe_salt (Nn) for `kid` (section 4.4.2). */
void sframe__key_salt_from_secret(const sframe__suite_t *suite, const uint8_t *secret, uint64_t kid,
                                  uint8_t *key, uint8_t *salt);
/* The secret of the next ratchet step (section 5.1): the secret of
 * base_key' = HKDF-Expand(secret, "SFrame 1.0 Ratchet", Nh). May alias. */
void sframe__ratchet_secret(const sframe__suite_t *suite, const uint8_t *secret,
                            uint8_t *next_secret);

/* nonce = salt XOR CTR, CTR left-padded to Nn bytes (section 4.4.3). */
static inline void sframe__nonce(const uint8_t *salt, uint64_t ctr, uint8_t *nonce)
{
    for (size_t i = 0; i < SFRAME__NN - 8; i++) {
        nonce[i] = salt[i];
    }
    for (size_t i = 0; i < 8; i++) {
        nonce[SFRAME__NN - 1 - i] = (uint8_t)(salt[SFRAME__NN - 1 - i] ^ (uint8_t)(ctr >> (8 * i)));
    }
}

/* --- AEAD (aead.c) ---------------------------------------------------------- */

/* The per-key state of one direction: a cipher context holding the
 * expanded AES key, the HMAC key of CTR suites, and the salt. */
typedef struct sframe__aead_key {
    EVP_CIPHER_CTX *cipher_ctx;
    sframe__hmac_key_t auth_key; /* CTR + HMAC suites only */
    uint8_t salt[SFRAME__NN];
} sframe__aead_key_t;

/* Installs sframe_key (Nk bytes) and salt (Nn bytes; may be NULL) for
 * encryption or decryption. Creates the cipher context on first use;
 * later calls re-key it in place without allocating.
 * Errors: SFRAME_ERR_NO_MEMORY, SFRAME_ERR_CRYPTO. */
sframe_err_t sframe__aead_key_set(sframe__aead_key_t *key, const sframe__suite_t *suite,
                                  const EVP_CIPHER *cipher, bool encrypt, const uint8_t *sframe_key,
                                  const uint8_t *salt);
/* Overwrites the key material but keeps the context for a later
 * sframe__aead_key_set (which then does not allocate). */
void sframe__aead_key_scrub(sframe__aead_key_t *key);
/* Wipes and frees; accepts a zeroed or half-built key. */
void sframe__aead_key_release(sframe__aead_key_t *key);

/* AEAD.Encrypt with AAD = aad1 || aad2: writes pt_len ciphertext bytes to
 * ct and Nt bytes to tag. Errors: SFRAME_ERR_CRYPTO. */
sframe_err_t sframe__aead_seal(const sframe__suite_t *suite, sframe__aead_key_t *key,
                               const uint8_t *nonce, const uint8_t *aad1, size_t aad1_len,
                               const uint8_t *aad2, size_t aad2_len, const uint8_t *pt,
                               size_t pt_len, uint8_t *ct, uint8_t *tag);
/* AEAD.Decrypt of ct (ct_len bytes, without the tag) and tag (Nt bytes).
 * On failure `pt` holds no plaintext. Errors: SFRAME_ERR_AUTH,
 * SFRAME_ERR_CRYPTO. */
sframe_err_t sframe__aead_open(const sframe__suite_t *suite, sframe__aead_key_t *key,
                               const uint8_t *nonce, const uint8_t *aad1, size_t aad1_len,
                               const uint8_t *aad2, size_t aad2_len, const uint8_t *ct,
                               size_t ct_len, const uint8_t *tag, uint8_t *pt);

#endif
