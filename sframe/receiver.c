/* The SFrame receiver context: a ring of decryption keys looked up by the
 * KID of each header (RFC 9605 section 4.4.1 and the decrypt procedure of
 * 4.4.3), an optional per-key replay window (section 9.3 leaves
 * anti-replay to the application; this is the counter-based mitigation it
 * suggests, after RFC 3711 section 3.3.2), and receivers that follow the
 * sender-key ratchet of section 5.1 forward, never backward.
 *
 * With ratchet_bits R > 0 a key is found by its generation (KID >> R) and
 * holds the secret of its current step (the KID's low R bits). A frame of
 * a later step, at most max_ratchet_ahead ahead, is tried with keys derived
 * into a scratch key prepared in sframe_receiver_new; only when it
 * authenticates do the scratch key and the entry swap, which moves the
 * entry forward and resets its replay window (a new KID starts its
 * counter at 0). A sender never wraps its step (sframe_sender_ratchet
 * refuses), so steps compare as plain integers.
 *
 * The replay window is a bitmap of ceil(W/64) + 1 words used as a ring
 * indexed by CTR (the scheme of RFC 6479): moving the top forward clears
 * only the words it passes, so each frame costs O(1) amortized for any W.
 * Keys, bitmaps and cipher contexts are allocated in *_new and add_key;
 * unprotect allocates nothing, also when it follows a ratchet step. */
#include "sframe/internal.h"

#include <openssl/crypto.h>

#include <string.h>

#define MAX_REPLAY_WINDOW 65536u

typedef struct rx_replay {
    uint64_t *words; /* NULL when the window is disabled */
    size_t word_count;
    uint64_t top; /* highest authenticated CTR */
    bool seen_any;
} rx_replay_t;

typedef struct rx_key {
    bool in_use;
    uint64_t id;                    /* the KID, or with ratchet bits the generation */
    uint64_t step;                  /* current ratchet step (0 without ratchet bits) */
    uint8_t secret[SFRAME__MAX_NH]; /* of the current step; ratchet only */
    sframe__aead_key_t aead;
    rx_replay_t replay;
} rx_key_t;

struct sframe_receiver {
    const sframe__suite_t *suite;
    EVP_CIPHER *cipher;
    unsigned replay_window;
    unsigned ratchet_bits;
    uint64_t step_mask; /* 2^R - 1 */
    uint64_t max_ahead; /* max_ratchet_ahead, capped at step_mask */
    rx_key_t *keys;
    size_t key_capacity;
    /* Ratchet trials: derived here, swapped into the entry on success. */
    sframe__aead_key_t scratch;
    uint8_t scratch_secret[SFRAME__MAX_NH];
};

sframe_receiver_config_t sframe_receiver_config_default(sframe_suite_t suite)
{
    return (sframe_receiver_config_t){
        .suite = suite,
        .max_keys = 16,
        .replay_window = 128,
        .ratchet_bits = 0,
        .max_ratchet_ahead = 8,
    };
}

/* --- Replay window ---------------------------------------------------------------- */

static void replay_reset(rx_replay_t *replay)
{
    if (replay->words != NULL) {
        memset(replay->words, 0, replay->word_count * sizeof(uint64_t));
    }
    replay->top = 0;
    replay->seen_any = false;
}

/* True when `ctr` may be accepted: never seen and not older than the window. */
static bool replay_allows(const rx_replay_t *replay, unsigned window, uint64_t ctr)
{
    if (replay->words == NULL || !replay->seen_any || ctr > replay->top) {
        return true;
    }
    if (replay->top - ctr >= window) {
        return false;
    }
    uint64_t word = replay->words[(ctr / 64) % replay->word_count];
    return ((word >> (ctr % 64)) & 1) == 0;
}

/* Records an authenticated `ctr`. */
static void replay_mark(rx_replay_t *replay, uint64_t ctr)
{
    if (replay->words == NULL) {
        return;
    }
    if (!replay->seen_any) {
        replay->seen_any = true;
        replay->top = ctr;
    } else if (ctr > replay->top) {
        /* Words of blocks past the old top hold counters from a full ring
         * ago, all older than the window: clear them. */
        uint64_t old_block = replay->top / 64;
        uint64_t new_block = ctr / 64;
        if (new_block - old_block >= replay->word_count) {
            memset(replay->words, 0, replay->word_count * sizeof(uint64_t));
        } else {
            for (uint64_t block = old_block + 1; block <= new_block; block++) {
                replay->words[block % replay->word_count] = 0;
            }
        }
        replay->top = ctr;
    }
    replay->words[(ctr / 64) % replay->word_count] |= UINT64_C(1) << (ctr % 64);
}

/* --- Key ring ---------------------------------------------------------------------- */

static void key_release(rx_key_t *key)
{
    sframe__aead_key_release(&key->aead);
    if (key->replay.words != NULL) {
        OPENSSL_free(key->replay.words);
    }
    OPENSSL_cleanse(key, sizeof(*key));
}

static uint64_t key_id(const sframe_receiver_t *receiver, uint64_t kid)
{
    return receiver->ratchet_bits == 0 ? kid : kid >> receiver->ratchet_bits;
}

static rx_key_t *key_find(sframe_receiver_t *receiver, uint64_t id)
{
    for (size_t i = 0; i < receiver->key_capacity; i++) {
        rx_key_t *key = &receiver->keys[i];
        if (key->in_use && key->id == id) {
            return key;
        }
    }
    return NULL;
}

sframe_err_t sframe_receiver_new(const sframe_receiver_config_t *config, sframe_receiver_t **out)
{
    static const uint8_t zero_key[SFRAME__MAX_NK] = { 0 };
    sframe_receiver_t *receiver = NULL;
    sframe_err_t err;

    if (out != NULL) {
        *out = NULL;
    }
    if (config == NULL || out == NULL) {
        return SFRAME_ERR_INVALID_ARG;
    }
    const sframe__suite_t *suite = sframe__suite_get(config->suite);
    if (suite == NULL) {
        return SFRAME_ERR_UNKNOWN_SUITE;
    }
    if (config->max_keys == 0 || config->replay_window > MAX_REPLAY_WINDOW ||
        config->ratchet_bits > 63) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if (config->max_keys > SIZE_MAX / sizeof(rx_key_t)) {
        return SFRAME_ERR_NO_MEMORY;
    }
    err = sframe_suite_self_test(config->suite);
    if (err != SFRAME_OK) {
        return err;
    }

    receiver = OPENSSL_zalloc(sizeof(*receiver));
    if (receiver == NULL) {
        return SFRAME_ERR_NO_MEMORY;
    }
    receiver->suite = suite;
    receiver->replay_window = config->replay_window;
    receiver->ratchet_bits = config->ratchet_bits;
    receiver->step_mask = (UINT64_C(1) << config->ratchet_bits) - 1;
    receiver->max_ahead = config->max_ratchet_ahead < receiver->step_mask
                              ? config->max_ratchet_ahead
                              : receiver->step_mask;
    receiver->key_capacity = config->max_keys;
    receiver->keys = OPENSSL_zalloc(config->max_keys * sizeof(rx_key_t));
    if (receiver->keys == NULL) {
        err = SFRAME_ERR_NO_MEMORY;
        goto fail;
    }
    receiver->cipher = EVP_CIPHER_fetch(NULL, suite->cipher_name, NULL);
    if (receiver->cipher == NULL) {
        err = SFRAME_ERR_CRYPTO;
        goto fail;
    }
    if (receiver->ratchet_bits > 0) {
        /* Created now so that following a ratchet step only re-keys it. */
        err = sframe__aead_key_set(&receiver->scratch, suite, receiver->cipher, false, zero_key,
                                   NULL);
        if (err != SFRAME_OK) {
            goto fail;
        }
    }
    *out = receiver;
    return SFRAME_OK;

fail:
    sframe_receiver_free(receiver);
    return err;
}

void sframe_receiver_free(sframe_receiver_t *receiver)
{
    if (receiver == NULL) {
        return;
    }
    if (receiver->keys != NULL) {
        for (size_t i = 0; i < receiver->key_capacity; i++) {
            key_release(&receiver->keys[i]);
        }
        OPENSSL_free(receiver->keys);
    }
    sframe__aead_key_release(&receiver->scratch);
    EVP_CIPHER_free(receiver->cipher);
    OPENSSL_clear_free(receiver, sizeof(*receiver));
}

sframe_err_t sframe_receiver_add_key(sframe_receiver_t *receiver, uint64_t kid,
                                     const uint8_t *base_key, size_t base_key_len)
{
    uint8_t key_bytes[SFRAME__MAX_NK];
    uint8_t salt[SFRAME__NN];
    rx_key_t *key = NULL;
    sframe_err_t err;

    if (receiver == NULL || base_key == NULL || base_key_len == 0) {
        return SFRAME_ERR_INVALID_ARG;
    }
    const uint64_t id = key_id(receiver, kid);
    if (key_find(receiver, id) != NULL) {
        return SFRAME_ERR_KEY_EXISTS;
    }
    for (size_t i = 0; i < receiver->key_capacity && key == NULL; i++) {
        if (!receiver->keys[i].in_use) {
            key = &receiver->keys[i];
        }
    }
    if (key == NULL) {
        return SFRAME_ERR_RING_FULL;
    }

    if (receiver->replay_window > 0) {
        key->replay.word_count = (receiver->replay_window + 63u) / 64u + 1u;
        key->replay.words = OPENSSL_zalloc(key->replay.word_count * sizeof(uint64_t));
        if (key->replay.words == NULL) {
            err = SFRAME_ERR_NO_MEMORY;
            goto fail;
        }
    }
    sframe__secret_from_base_key(receiver->suite, base_key, base_key_len, key->secret);
    sframe__key_salt_from_secret(receiver->suite, key->secret, kid, key_bytes, salt);
    err =
        sframe__aead_key_set(&key->aead, receiver->suite, receiver->cipher, false, key_bytes, salt);
    OPENSSL_cleanse(key_bytes, sizeof(key_bytes));
    OPENSSL_cleanse(salt, sizeof(salt));
    if (err != SFRAME_OK) {
        goto fail;
    }
    if (receiver->ratchet_bits == 0) {
        OPENSSL_cleanse(key->secret, sizeof(key->secret));
    }
    key->id = id;
    key->step = kid & receiver->step_mask;
    key->in_use = true;
    return SFRAME_OK;

fail:
    key_release(key);
    return err;
}

sframe_err_t sframe_receiver_remove_key(sframe_receiver_t *receiver, uint64_t kid)
{
    if (receiver == NULL) {
        return SFRAME_ERR_INVALID_ARG;
    }
    rx_key_t *key = key_find(receiver, key_id(receiver, kid));
    if (key == NULL) {
        return SFRAME_ERR_UNKNOWN_KID;
    }
    key_release(key);
    return SFRAME_OK;
}

/* --- Unprotect ---------------------------------------------------------------------- */

/* Derives the key of `kid`, `ahead` steps past the entry, into the scratch. */
static sframe_err_t ratchet_into_scratch(sframe_receiver_t *receiver, const rx_key_t *key,
                                         uint64_t ahead, uint64_t kid)
{
    uint8_t key_bytes[SFRAME__MAX_NK];
    uint8_t salt[SFRAME__NN];

    memcpy(receiver->scratch_secret, key->secret, sizeof(receiver->scratch_secret));
    for (uint64_t i = 0; i < ahead; i++) {
        sframe__ratchet_secret(receiver->suite, receiver->scratch_secret, receiver->scratch_secret);
    }
    sframe__key_salt_from_secret(receiver->suite, receiver->scratch_secret, kid, key_bytes, salt);
    sframe_err_t err = sframe__aead_key_set(&receiver->scratch, receiver->suite, receiver->cipher,
                                            false, key_bytes, salt);
    OPENSSL_cleanse(key_bytes, sizeof(key_bytes));
    OPENSSL_cleanse(salt, sizeof(salt));
    return err;
}

static void scratch_scrub(sframe_receiver_t *receiver)
{
    sframe__aead_key_scrub(&receiver->scratch);
    OPENSSL_cleanse(receiver->scratch_secret, sizeof(receiver->scratch_secret));
}

/* Makes the authenticated scratch key the entry's key for `step`. */
static void ratchet_commit(sframe_receiver_t *receiver, rx_key_t *key, uint64_t step)
{
    sframe__aead_key_t previous = key->aead;
    key->aead = receiver->scratch;
    receiver->scratch = previous;
    OPENSSL_cleanse(&previous, sizeof(previous));
    memcpy(key->secret, receiver->scratch_secret, sizeof(key->secret));
    key->step = step;
    replay_reset(&key->replay);
    /* The scratch now holds the previous step's key: wipe it (forward
     * secrecy is the point of ratcheting), keeping its context. */
    scratch_scrub(receiver);
}

sframe_err_t sframe_receiver_unprotect(sframe_receiver_t *receiver, const uint8_t *metadata,
                                       size_t metadata_len, const uint8_t *sframe,
                                       size_t sframe_len, uint8_t *out, size_t cap, size_t *out_len,
                                       sframe_header_t *header_out)
{
    sframe_header_t header;
    uint8_t nonce[SFRAME__NN];
    size_t header_len = 0;

    if (out_len != NULL) {
        *out_len = 0;
    }
    if (receiver == NULL || out_len == NULL || (metadata == NULL && metadata_len > 0) ||
        (sframe == NULL && sframe_len > 0)) {
        return SFRAME_ERR_INVALID_ARG;
    }
    sframe_err_t err = sframe_header_decode(sframe, sframe_len, &header, &header_len);
    if (err != SFRAME_OK) {
        return err;
    }
    if (header_out != NULL) {
        *header_out = header;
    }
    const size_t nt = receiver->suite->info.nt;
    if (sframe_len - header_len < nt) {
        return SFRAME_ERR_TRUNCATED;
    }
    const size_t ct_len = sframe_len - header_len - nt;
    if ((uint64_t)ct_len > SFRAME__MAX_FRAME || (out == NULL && ct_len > 0)) {
        return SFRAME_ERR_INVALID_ARG;
    }

    rx_key_t *key = key_find(receiver, key_id(receiver, header.kid));
    if (key == NULL) {
        return SFRAME_ERR_UNKNOWN_KID;
    }
    const uint64_t step = header.kid & receiver->step_mask;
    if (step < key->step || step - key->step > receiver->max_ahead) {
        return SFRAME_ERR_RATCHET;
    }
    const bool advance = step != key->step;
    if (!advance && !replay_allows(&key->replay, receiver->replay_window, header.ctr)) {
        return SFRAME_ERR_REPLAY;
    }
    if (cap < ct_len) {
        return SFRAME_ERR_NO_SPACE;
    }

    sframe__aead_key_t *aead = &key->aead;
    if (advance) {
        err = ratchet_into_scratch(receiver, key, step - key->step, header.kid);
        if (err != SFRAME_OK) {
            scratch_scrub(receiver);
            return err;
        }
        aead = &receiver->scratch;
    }
    sframe__nonce(aead->salt, header.ctr, nonce);
    const uint8_t *ct = sframe + header_len;
    err = sframe__aead_open(receiver->suite, aead, nonce, sframe, header_len, metadata,
                            metadata_len, ct, ct_len, ct + ct_len, out);
    if (err != SFRAME_OK) {
        if (advance) {
            scratch_scrub(receiver);
        }
        return err;
    }
    if (advance) {
        ratchet_commit(receiver, key, step);
    }
    replay_mark(&key->replay, header.ctr);
    *out_len = ct_len;
    return SFRAME_OK;
}
