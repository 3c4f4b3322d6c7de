/* sframe/: frame encryption for E2EE media.
 *
 *  - RFC 9605 SFrame: the five cipher suites of section 4.5, the header of
 *    section 4.3, the key schedule of 4.4.2, sender and receiver contexts
 *    with replay protection, the ratchet of 5.1 and the MLS KID layout of
 *    5.2.
 *  - The legacy insertable-streams format of Jitsi and LiveKit clients:
 *    sframe/sframe_legacy.h, included below.
 *
 * Usable on its own: depends on OpenSSL 3 libcrypto only. Per-frame calls
 * allocate nothing; every allocation happens in *_new and *_add_key, through
 * OPENSSL_zalloc, and every key byte is wiped (OPENSSL_cleanse) on release.
 * A key lives in exactly one context, which only encrypts (sender) or only
 * decrypts (receiver), as RFC 9605 section 4.4 requires. */
#ifndef BLINDFOLD_SFRAME_H
#define BLINDFOLD_SFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Errors ------------------------------------------------------------ *
 * Besides the errors each function lists, every function returning
 * sframe_err_t returns SFRAME_ERR_INVALID_ARG for a NULL pointer where it
 * needs an object or a non-empty buffer. */

#define SFRAME_ERROR_LIST(X)                                                         \
    X(SFRAME_OK, "success")                                                          \
    X(SFRAME_ERR_INVALID_ARG, "argument out of range")                               \
    X(SFRAME_ERR_UNKNOWN_SUITE, "unknown cipher suite")                              \
    X(SFRAME_ERR_TRUNCATED, "input ends before the fields it declares")              \
    X(SFRAME_ERR_MALFORMED, "malformed SFrame header or legacy trailer")             \
    X(SFRAME_ERR_NO_SPACE, "output buffer too small")                                \
    X(SFRAME_ERR_AUTH, "authentication failed")                                      \
    X(SFRAME_ERR_UNKNOWN_KID, "no key for this KID")                                 \
    X(SFRAME_ERR_REPLAY, "counter already seen or older than the replay window")     \
    X(SFRAME_ERR_COUNTER_EXHAUSTED, "sender counter exhausted: rekey")               \
    X(SFRAME_ERR_RATCHET, "ratchet step behind the current one or beyond the bound") \
    X(SFRAME_ERR_KEY_EXISTS, "a key with this KID is already installed")             \
    X(SFRAME_ERR_RING_FULL, "key ring full")                                         \
    X(SFRAME_ERR_CRYPTO, "OpenSSL operation failed")                                 \
    X(SFRAME_ERR_SELF_TEST, "cipher suite failed its known-answer self-test")        \
    X(SFRAME_ERR_NO_MEMORY, "out of memory")

typedef enum sframe_err {
#define SFRAME__ENUM(name, msg) name,
    SFRAME_ERROR_LIST(SFRAME__ENUM)
#undef SFRAME__ENUM
        SFRAME_ERR__COUNT
} sframe_err_t;

/* Message for an error code; never NULL, also for unknown codes. */
const char *sframe_strerror(sframe_err_t err);
/* The code's identifier, such as "SFRAME_ERR_AUTH"; never NULL. */
const char *sframe_errname(sframe_err_t err);

/* --- Cipher suites (RFC 9605 section 4.5) ------------------------------ */

typedef enum sframe_suite {
    SFRAME_AES_128_CTR_HMAC_SHA256_80 = 1,
    SFRAME_AES_128_CTR_HMAC_SHA256_64 = 2,
    SFRAME_AES_128_CTR_HMAC_SHA256_32 = 3,
    SFRAME_AES_128_GCM_SHA256_128 = 4,
    SFRAME_AES_256_GCM_SHA512_128 = 5,
} sframe_suite_t;

/* Sizes in bytes, named as in RFC 9605 section 4.5. */
typedef struct sframe_suite_info {
    sframe_suite_t id;
    const char *name; /* "AES_128_GCM_SHA256_128", ... */
    size_t nh;        /* hash output */
    size_t nka;       /* AES-CTR key inside Nk; 0 for GCM suites */
    size_t nk;        /* key */
    size_t nn;        /* nonce */
    size_t nt;        /* tag */
} sframe_suite_info_t;

/* The suite's sizes, or NULL for an unknown suite. */
const sframe_suite_info_t *sframe_suite_info(sframe_suite_t suite);

/* Looks a suite up by its RFC name. Errors: SFRAME_ERR_UNKNOWN_SUITE. */
sframe_err_t sframe_suite_by_name(const char *name, sframe_suite_t *suite);

/* Runs the suite's known-answer test (once per process; later calls
 * return the cached result). Contexts call it on creation.
 * Errors: SFRAME_ERR_UNKNOWN_SUITE, SFRAME_ERR_SELF_TEST, SFRAME_ERR_CRYPTO. */
sframe_err_t sframe_suite_self_test(sframe_suite_t suite);

/* Largest number of bytes protection adds to a frame: the longest header
 * (17) plus the suite's tag. 0 for an unknown suite. */
size_t sframe_max_overhead(sframe_suite_t suite);

/* --- Header (RFC 9605 section 4.3) ------------------------------------- */

#define SFRAME_HEADER_MAX 17

typedef struct sframe_header {
    uint64_t kid;
    uint64_t ctr;
} sframe_header_t;

/* Length of the minimal encoding of (kid, ctr), 1..17. */
size_t sframe_header_size(uint64_t kid, uint64_t ctr);

/* Writes the minimal encoding. Errors: SFRAME_ERR_NO_SPACE. */
sframe_err_t sframe_header_encode(uint64_t kid, uint64_t ctr, uint8_t *out, size_t cap,
                                  size_t *out_len);

/* Reads a header from the start of `buf`; `*header_len` receives its
 * length. Errors: SFRAME_ERR_TRUNCATED; SFRAME_ERR_MALFORMED for an
 * encoding that is not minimal (see header.c for what the RFC says). */
sframe_err_t sframe_header_decode(const uint8_t *buf, size_t len, sframe_header_t *header,
                                  size_t *header_len);

/* --- Key schedule and AEAD (RFC 9605 sections 4.4.2, 4.4.3, 4.5.1) ------
 * One-shot functions for test vectors and tools. They set up OpenSSL state
 * on every call; per-frame work goes through the contexts below. */

/* sframe_key (Nk bytes) and sframe_salt (Nn bytes) for (base_key, KID). */
sframe_err_t sframe_derive_key_salt(sframe_suite_t suite, const uint8_t *base_key,
                                    size_t base_key_len, uint64_t kid, uint8_t *key_out,
                                    uint8_t *salt_out);

/* AEAD.Encrypt(key, nonce, aad, pt): writes ciphertext || tag
 * (pt_len + Nt bytes). Errors: SFRAME_ERR_UNKNOWN_SUITE,
 * SFRAME_ERR_NO_SPACE, SFRAME_ERR_CRYPTO. */
sframe_err_t sframe_aead_encrypt(sframe_suite_t suite, const uint8_t *key, const uint8_t *nonce,
                                 const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                                 size_t pt_len, uint8_t *out, size_t cap, size_t *out_len);

/* AEAD.Decrypt: `ct` is ciphertext || tag. Errors: as above, plus
 * SFRAME_ERR_TRUNCATED when ct_len < Nt and SFRAME_ERR_AUTH. */
sframe_err_t sframe_aead_decrypt(sframe_suite_t suite, const uint8_t *key, const uint8_t *nonce,
                                 const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                                 size_t ct_len, uint8_t *out, size_t cap, size_t *out_len);

/* --- Ratchet (RFC 9605 section 5.1) and MLS KIDs (section 5.2) ---------- */

/* base_key' = HKDF-Expand(HKDF-Extract("", base_key), "SFrame 1.0 Ratchet",
 * Nh). `next` receives Nh bytes; it may alias `base_key`. */
sframe_err_t sframe_ratchet_base_key(sframe_suite_t suite, const uint8_t *base_key,
                                     size_t base_key_len, uint8_t *next);

/* KID = generation << ratchet_bits | step mod 2^ratchet_bits. */
uint64_t sframe_ratchet_kid(uint64_t generation, uint64_t step, unsigned ratchet_bits);

/* The MLS layout: KID = context << (s_bits + e_bits) | index << e_bits |
 * epoch mod 2^e_bits. Returns SFRAME_ERR_INVALID_ARG when a field does not
 * fit its bits or the total exceeds 64 bits. */
sframe_err_t sframe_mls_kid(uint64_t context, uint64_t member_index, uint64_t epoch,
                            unsigned s_bits, unsigned e_bits, uint64_t *kid);

/* The exporter label of section 5.2. */
#define SFRAME_MLS_EXPORTER_LABEL "SFrame 1.0 Base Key"

/* The epoch's base key from the caller's MLS-Exporter(SFRAME_MLS_EXPORTER_LABEL,
 * "", Nk) output. RFC 9605 section 5.2 uses that output as the base_key
 * itself, shared by every member of the epoch; members get distinct
 * sframe_key/sframe_salt only because their KIDs (sframe_mls_kid) differ
 * and the KID enters the key schedule. (Drafts before 2023 expanded a
 * per-member key from the index; the RFC does not.) Checks that the
 * exporter produced Nk bytes and copies them; out may alias.
 * Errors: SFRAME_ERR_UNKNOWN_SUITE, SFRAME_ERR_INVALID_ARG. */
sframe_err_t sframe_mls_base_key(sframe_suite_t suite, const uint8_t *exported_secret,
                                 size_t exported_secret_len, uint8_t *base_key_out);

/* --- Sender context ------------------------------------------------------ */

typedef struct sframe_sender sframe_sender_t;

typedef struct sframe_sender_config {
    sframe_suite_t suite;
    uint64_t kid;
    uint64_t first_ctr;    /* counter of the first frame; default 0 */
    unsigned ratchet_bits; /* R of section 5.1; 0: the KID never ratchets */
} sframe_sender_config_t;

/* Defaults for `suite`: kid 0, first_ctr 0, no ratchet. */
sframe_sender_config_t sframe_sender_config_default(sframe_suite_t suite);

/* Creates a sender holding one key derived from base_key for config->kid.
 * With ratchet_bits, config->kid's low ratchet_bits bits are the step.
 * Errors: SFRAME_ERR_INVALID_ARG (NULL or empty key, ratchet_bits > 63),
 * SFRAME_ERR_UNKNOWN_SUITE,
 * SFRAME_ERR_SELF_TEST, SFRAME_ERR_CRYPTO, SFRAME_ERR_NO_MEMORY. */
sframe_err_t sframe_sender_new(const sframe_sender_config_t *config, const uint8_t *base_key,
                               size_t base_key_len, sframe_sender_t **out);

/* Wipes and frees; accepts NULL. */
void sframe_sender_free(sframe_sender_t *sender);

/* Protects one frame: out = header || ciphertext || tag, at most
 * frame_len + sframe_max_overhead(suite) bytes. AAD is header || metadata.
 * Each call uses the next counter value; after 2^64 - 1 the sender refuses.
 * Errors: SFRAME_ERR_INVALID_ARG (NULL pointers, a frame over 2^36 - 32
 * bytes), SFRAME_ERR_NO_SPACE, SFRAME_ERR_COUNTER_EXHAUSTED,
 * SFRAME_ERR_CRYPTO. The counter advances only on success. */
sframe_err_t sframe_sender_protect(sframe_sender_t *sender, const uint8_t *metadata,
                                   size_t metadata_len, const uint8_t *frame, size_t frame_len,
                                   uint8_t *out, size_t cap, size_t *out_len);

/* Moves to the next ratchet step (section 5.1): base_key becomes its
 * ratchet, the KID's step increases by one and the counter restarts at 0.
 * Errors: SFRAME_ERR_INVALID_ARG without ratchet_bits; SFRAME_ERR_RATCHET
 * when the step would wrap past 2^ratchet_bits - 1; SFRAME_ERR_CRYPTO. */
sframe_err_t sframe_sender_ratchet(sframe_sender_t *sender);

uint64_t sframe_sender_kid(const sframe_sender_t *sender);
/* The counter the next frame will carry (UINT64_MAX also once that value
 * has been used and the sender is exhausted). */
uint64_t sframe_sender_next_ctr(const sframe_sender_t *sender);

/* --- Receiver context ---------------------------------------------------- */

typedef struct sframe_receiver sframe_receiver_t;

typedef struct sframe_receiver_config {
    sframe_suite_t suite;
    size_t max_keys;            /* key ring capacity; default 16 */
    unsigned replay_window;     /* per-KID window in counters; default 128; 0 disables */
    unsigned ratchet_bits;      /* R of section 5.1; 0: KIDs are used as given */
    unsigned max_ratchet_ahead; /* how many steps a receiver follows forward; default 8 */
} sframe_receiver_config_t;

sframe_receiver_config_t sframe_receiver_config_default(sframe_suite_t suite);

/* Errors: SFRAME_ERR_INVALID_ARG (max_keys 0, replay_window above 65536,
 * ratchet_bits > 63), SFRAME_ERR_UNKNOWN_SUITE, SFRAME_ERR_SELF_TEST,
 * SFRAME_ERR_CRYPTO, SFRAME_ERR_NO_MEMORY. */
sframe_err_t sframe_receiver_new(const sframe_receiver_config_t *config, sframe_receiver_t **out);

void sframe_receiver_free(sframe_receiver_t *receiver);

/* Installs the base key for `kid`. With ratchet_bits set, the key is that
 * of the KID's generation at the KID's step; frames of later steps of the
 * same generation are followed by ratcheting.
 * Errors: SFRAME_ERR_KEY_EXISTS, SFRAME_ERR_RING_FULL,
 * SFRAME_ERR_INVALID_ARG, SFRAME_ERR_CRYPTO, SFRAME_ERR_NO_MEMORY. */
sframe_err_t sframe_receiver_add_key(sframe_receiver_t *receiver, uint64_t kid,
                                     const uint8_t *base_key, size_t base_key_len);

/* Removes (and wipes) the key for `kid` (its generation, with ratchet_bits).
 * Errors: SFRAME_ERR_UNKNOWN_KID. */
sframe_err_t sframe_receiver_remove_key(sframe_receiver_t *receiver, uint64_t kid);

/* Unprotects one SFrame ciphertext (header || ciphertext || tag) into
 * out (at most len - header - Nt bytes). `header_out` (may be NULL)
 * receives the KID and CTR, also on authentication failure.
 * Errors: SFRAME_ERR_TRUNCATED, SFRAME_ERR_MALFORMED (header),
 * SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_RATCHET (a step behind the current
 * one, or more than max_ratchet_ahead ahead), SFRAME_ERR_REPLAY,
 * SFRAME_ERR_AUTH, SFRAME_ERR_NO_SPACE, SFRAME_ERR_CRYPTO. Nothing about
 * the receiver's state changes unless authentication succeeds. */
sframe_err_t sframe_receiver_unprotect(sframe_receiver_t *receiver, const uint8_t *metadata,
                                       size_t metadata_len, const uint8_t *sframe,
                                       size_t sframe_len, uint8_t *out, size_t cap, size_t *out_len,
                                       sframe_header_t *header_out);

#include "sframe/sframe_legacy.h"

#endif
