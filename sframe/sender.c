/* The SFrame sender context: one encryption key (RFC 9605 section 4.4.1:
 * a key is marked for encryption or decryption, never both), the frame
 * counter of section 4.4.3 / 9.1, and the sender-key ratchet of section
 * 5.1.
 *
 * Everything expensive happens in sframe_sender_new: the KAT, the cipher
 * fetch, the key schedule and the cipher context. sframe_sender_protect
 * then writes the header straight into the output, XORs the counter into
 * the salt and hands header and metadata to the AEAD as two AAD pieces:
 * no allocation and no copy of the AAD. The counter never wraps: once CTR
 * 2^64 - 1 has been used the sender refuses (section 7.4: senders MUST NOT
 * encrypt twice with the same key and nonce). */
#include "sframe/internal.h"

#include <openssl/crypto.h>

#include <string.h>

struct sframe_sender {
    const sframe__suite_t *suite;
    EVP_CIPHER *cipher;
    sframe__aead_key_t key;
    /* HKDF-Extract("", base_key) of the current step; kept only when the
     * sender ratchets, which is the one thing it is needed for. */
    uint8_t secret[SFRAME__MAX_NH];
    uint64_t kid;
    uint64_t next_ctr;
    unsigned ratchet_bits;
    bool exhausted; /* CTR 2^64 - 1 has been used */
    bool broken;    /* a failed re-key left no usable key */
};

sframe_sender_config_t sframe_sender_config_default(sframe_suite_t suite)
{
    return (sframe_sender_config_t){
        .suite = suite,
        .kid = 0,
        .first_ctr = 0,
        .ratchet_bits = 0,
    };
}

/* Installs the key and salt of sender->kid from sender->secret. */
static sframe_err_t install_key(sframe_sender_t *sender)
{
    uint8_t key[SFRAME__MAX_NK];
    uint8_t salt[SFRAME__NN];

    sframe__key_salt_from_secret(sender->suite, sender->secret, sender->kid, key, salt);
    sframe_err_t err =
        sframe__aead_key_set(&sender->key, sender->suite, sender->cipher, true, key, salt);
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(salt, sizeof(salt));
    return err;
}

sframe_err_t sframe_sender_new(const sframe_sender_config_t *config, const uint8_t *base_key,
                               size_t base_key_len, sframe_sender_t **out)
{
    sframe_sender_t *sender = NULL;
    sframe_err_t err;

    if (out != NULL) {
        *out = NULL;
    }
    if (config == NULL || base_key == NULL || base_key_len == 0 || out == NULL) {
        return SFRAME_ERR_INVALID_ARG;
    }
    const sframe__suite_t *suite = sframe__suite_get(config->suite);
    if (suite == NULL) {
        return SFRAME_ERR_UNKNOWN_SUITE;
    }
    if (config->ratchet_bits > 63) {
        return SFRAME_ERR_INVALID_ARG;
    }
    err = sframe_suite_self_test(config->suite);
    if (err != SFRAME_OK) {
        return err;
    }

    sender = OPENSSL_zalloc(sizeof(*sender));
    if (sender == NULL) {
        return SFRAME_ERR_NO_MEMORY;
    }
    sender->suite = suite;
    sender->kid = config->kid;
    sender->next_ctr = config->first_ctr;
    sender->ratchet_bits = config->ratchet_bits;
    sender->cipher = EVP_CIPHER_fetch(NULL, suite->cipher_name, NULL);
    if (sender->cipher == NULL) {
        err = SFRAME_ERR_CRYPTO;
        goto fail;
    }
    sframe__secret_from_base_key(suite, base_key, base_key_len, sender->secret);
    err = install_key(sender);
    if (err != SFRAME_OK) {
        goto fail;
    }
    if (sender->ratchet_bits == 0) {
        OPENSSL_cleanse(sender->secret, sizeof(sender->secret));
    }
    *out = sender;
    return SFRAME_OK;

fail:
    sframe_sender_free(sender);
    return err;
}

void sframe_sender_free(sframe_sender_t *sender)
{
    if (sender == NULL) {
        return;
    }
    sframe__aead_key_release(&sender->key);
    EVP_CIPHER_free(sender->cipher);
    OPENSSL_clear_free(sender, sizeof(*sender));
}

sframe_err_t sframe_sender_protect(sframe_sender_t *sender, const uint8_t *metadata,
                                   size_t metadata_len, const uint8_t *frame, size_t frame_len,
                                   uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t nonce[SFRAME__NN];
    size_t header_len = 0;

    if (out_len != NULL) {
        *out_len = 0;
    }
    if (sender == NULL || out == NULL || out_len == NULL ||
        (metadata == NULL && metadata_len > 0) || (frame == NULL && frame_len > 0)) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if (sender->broken) {
        return SFRAME_ERR_CRYPTO;
    }
    if (sender->exhausted) {
        return SFRAME_ERR_COUNTER_EXHAUSTED;
    }
    if ((uint64_t)frame_len > SFRAME__MAX_FRAME) {
        return SFRAME_ERR_INVALID_ARG;
    }
    const uint64_t ctr = sender->next_ctr;
    const size_t nt = sender->suite->info.nt;
    sframe_err_t err = sframe_header_encode(sender->kid, ctr, out, cap, &header_len);
    if (err != SFRAME_OK) {
        return err;
    }
    if (cap - header_len < frame_len + nt) {
        return SFRAME_ERR_NO_SPACE;
    }
    sframe__nonce(sender->key.salt, ctr, nonce);
    uint8_t *ct = out + header_len;
    err = sframe__aead_seal(sender->suite, &sender->key, nonce, out, header_len, metadata,
                            metadata_len, frame, frame_len, ct, ct + frame_len);
    if (err != SFRAME_OK) {
        return err;
    }
    if (ctr == UINT64_MAX) {
        sender->exhausted = true;
    } else {
        sender->next_ctr = ctr + 1;
    }
    *out_len = header_len + frame_len + nt;
    return SFRAME_OK;
}

sframe_err_t sframe_sender_ratchet(sframe_sender_t *sender)
{
    if (sender == NULL || sender->ratchet_bits == 0) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if (sender->broken) {
        return SFRAME_ERR_CRYPTO;
    }
    const uint64_t step_mask = (UINT64_C(1) << sender->ratchet_bits) - 1;
    if ((sender->kid & step_mask) == step_mask) {
        return SFRAME_ERR_RATCHET;
    }
    /* The step is the KID's low bits and is below the mask: +1 stays
     * within them and leaves the generation alone. */
    sframe__ratchet_secret(sender->suite, sender->secret, sender->secret);
    sender->kid += 1;
    sender->next_ctr = 0;
    sender->exhausted = false;
    sframe_err_t err = install_key(sender);
    if (err != SFRAME_OK) {
        /* The old key is gone: refuse to protect rather than reuse it. */
        sender->broken = true;
        sframe__aead_key_scrub(&sender->key);
        OPENSSL_cleanse(sender->secret, sizeof(sender->secret));
    }
    return err;
}

uint64_t sframe_sender_kid(const sframe_sender_t *sender)
{
    return sender == NULL ? 0 : sender->kid;
}

uint64_t sframe_sender_next_ctr(const sframe_sender_t *sender)
{
    return sender == NULL ? 0 : sender->next_ctr;
}
