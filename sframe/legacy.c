/* The legacy insertable-streams E2EE frame format of the Jitsi and LiveKit
 * web clients: key derivation and ratchet, the clear prefix, the IV, and
 * sender and receiver contexts (see sframe/sframe_legacy.h for the
 * layout). Written from these sources, read at
 *
 *  - jitsi/lib-jitsi-meet modules/e2ee/Context.ts: UNENCRYPTED_BYTES,
 *    IV_LENGTH, KEYRING_SIZE, RATCHET_WINDOW_SIZE, encodeFunction (trailer
 *    = IV || IV_LENGTH || keyIndex, AAD = the clear bytes), decodeFunction
 *    (key index = last byte, no key -> drop), _decryptFrame (ratchet on
 *    failure), _makeIV (SSRC || timestamp || sendCount % 0xFFFF, count per
 *    SSRC from a random start); modules/e2ee/crypto-utils.ts: deriveKeys,
 *    ratchet.
 *  - livekit/client-sdk-js src/e2ee/constants.ts (SALT, UNENCRYPTED_BYTES,
 *    KEY_PROVIDER_DEFAULTS), src/e2ee/utils.ts (getAlgoOptions, deriveKeys,
 *    ratchet, createKeyMaterialFromString/FromBuffer),
 *    src/e2ee/worker/FrameCryptor.ts (encodeFunction, decryptFrame, makeIV:
 *    third IV word = timestamp - sendCount % 0xFFFF),
 *    src/e2ee/worker/ParticipantKeyHandler.ts (ratchetKey, setKeySet).
 *
 * Where blindfold differs from the sources, on purpose:
 *  - An IV length byte other than 12 is rejected (the clients hand any
 *    length to WebCrypto); a key index is 0..15, not reduced mod 16.
 *  - Jitsi's _decryptFrame stores each ratcheted key in the slot of
 *    _currentKeyIndex, not of the frame's key index; the two agree while a
 *    participant uses one index. Here the frame's slot ratchets.
 *  - LiveKit's failureTolerance (dropping frames of a key after repeated
 *    failures), server-injected frames, H.264 NALU handling and empty DTX
 *    frames (passed through in clear) are the caller's business. */
#include "sframe/sframe.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <limits.h>
#include <string.h>

/* --- Variants ------------------------------------------------------------- */

typedef struct legacy__variant_info {
    const char *name;
    const char *kdf_name;     /* OpenSSL EVP_KDF: "HKDF" or "PBKDF2" */
    const char *key_salt;     /* material -> AES key */
    const char *ratchet_salt; /* material -> next material */
    size_t info_zero_bytes;   /* HKDF info: this many zero bytes */
    bool iv_from_timestamp;   /* third IV word = timestamp - count (LiveKit) */
    sframe_legacy_ratchet_mode_t ratchet_mode;
} legacy__variant_info_t;

static const legacy__variant_info_t legacy__variants[] = {
    /* crypto-utils.ts deriveKeys / ratchet: two salts, empty info. */
    [SFRAME_LEGACY_JITSI] = { "jitsi", "HKDF", "JFrameEncryptionKey", "JFrameRatchetKey", 0, false,
                              SFRAME_LEGACY_RATCHET_CHAIN },
    /* utils.ts getAlgoOptions('HKDF', ratchetSalt): one salt for both,
     * info = new ArrayBuffer(128). */
    [SFRAME_LEGACY_LIVEKIT] = { "livekit", "HKDF", "LKFrameEncryptionKey", "LKFrameEncryptionKey",
                                128, true, SFRAME_LEGACY_RATCHET_ONE_STEP },
    /* utils.ts getAlgoOptions('PBKDF2', ratchetSalt): 100000 iterations. */
    [SFRAME_LEGACY_LIVEKIT_PASSWORD] = { "livekit-password", "PBKDF2", "LKFrameEncryptionKey",
                                         "LKFrameEncryptionKey", 0, true,
                                         SFRAME_LEGACY_RATCHET_ONE_STEP },
};

static const uint8_t legacy__zero_info[128];

static const legacy__variant_info_t *legacy__variant(sframe_legacy_variant_t variant)
{
    if ((unsigned)variant >= sizeof legacy__variants / sizeof legacy__variants[0])
        return NULL;
    return &legacy__variants[variant];
}

const char *sframe_legacy_variant_name(sframe_legacy_variant_t variant)
{
    const legacy__variant_info_t *v = legacy__variant(variant);
    return v != NULL ? v->name : "unknown";
}

/* --- Clear prefix --------------------------------------------------------- */

bool sframe_legacy_vp8_is_keyframe(uint8_t first_byte)
{
    return (first_byte & 0x01) == 0;
}

size_t sframe_legacy_clear_bytes(sframe_legacy_codec_t codec, bool keyframe)
{
    switch (codec) {
    case SFRAME_LEGACY_VIDEO_VP8:
        return keyframe ? 10 : 3;
    case SFRAME_LEGACY_AUDIO:
        return 1;
    }
    return 0;
}

size_t sframe_legacy_frame_clear_bytes(sframe_legacy_codec_t codec, const uint8_t *frame,
                                       size_t frame_len)
{
    if (codec == SFRAME_LEGACY_VIDEO_VP8) {
        if (frame == NULL || frame_len == 0)
            return 0;
        return sframe_legacy_clear_bytes(codec, sframe_legacy_vp8_is_keyframe(frame[0]));
    }
    return sframe_legacy_clear_bytes(codec, false);
}

/* The clear byte count of a frame, or why there is none. */
static sframe_err_t legacy__codec_clear(sframe_legacy_codec_t codec, const uint8_t *frame,
                                        size_t frame_len, size_t *clear)
{
    if (codec != SFRAME_LEGACY_VIDEO_VP8 && codec != SFRAME_LEGACY_AUDIO)
        return SFRAME_ERR_INVALID_ARG;
    if (codec == SFRAME_LEGACY_VIDEO_VP8 && frame_len == 0)
        return SFRAME_ERR_TRUNCATED; /* no P bit to read */
    *clear = sframe_legacy_frame_clear_bytes(codec, frame, frame_len);
    return SFRAME_OK;
}

/* --- IV --------------------------------------------------------------------- */

static void legacy__put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void legacy__iv(const legacy__variant_info_t *v, uint32_t ssrc, uint32_t rtp_timestamp,
                       uint64_t send_count, uint8_t *iv)
{
    /* The count is a JS number that only grows; the IV carries it mod
     * 0xFFFF. DataView.setUint32 reduces LiveKit's difference mod 2^32,
     * which unsigned subtraction does here. */
    uint32_t count = (uint32_t)(send_count % SFRAME_LEGACY_SEND_COUNT_MOD);
    legacy__put_be32(iv, ssrc);
    legacy__put_be32(iv + 4, rtp_timestamp);
    legacy__put_be32(iv + 8, v->iv_from_timestamp ? rtp_timestamp - count : count);
}

sframe_err_t sframe_legacy_make_iv(sframe_legacy_variant_t variant, uint32_t ssrc,
                                   uint32_t rtp_timestamp, uint64_t send_count, uint8_t *iv_out)
{
    const legacy__variant_info_t *v = legacy__variant(variant);
    if (v == NULL || iv_out == NULL)
        return SFRAME_ERR_INVALID_ARG;
    legacy__iv(v, ssrc, rtp_timestamp, send_count, iv_out);
    return SFRAME_OK;
}

/* --- Key derivation --------------------------------------------------------- */

static EVP_KDF_CTX *legacy__kdf_new(const legacy__variant_info_t *v)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, v->kdf_name, NULL);
    if (kdf == NULL)
        return NULL;
    EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf); /* holds its own reference */
    EVP_KDF_free(kdf);
    return kctx;
}

/* out_len bytes of KDF(material, salt) as the variant's WebCrypto call
 * computes them (deriveKey to AES-128 takes 16 bytes, deriveBits(256) 32). */
static sframe_err_t legacy__kdf(EVP_KDF_CTX *kctx, const legacy__variant_info_t *v,
                                const char *salt, const uint8_t *material, size_t material_len,
                                uint8_t *out, size_t out_len)
{
    uint64_t iterations = SFRAME_LEGACY_PBKDF2_ITERATIONS;
    int pkcs5_checks_off = 1; /* WebCrypto applies no SP 800-132 bounds */
    OSSL_PARAM params[6];
    size_t n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, strlen(salt));
    if (strcmp(v->kdf_name, "PBKDF2") == 0) {
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)material,
                                                        material_len);
        params[n++] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iterations);
        params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5_checks_off);
    } else {
        params[n++] =
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)material, material_len);
        if (v->info_zero_bytes > 0)
            params[n++] = OSSL_PARAM_construct_octet_string(
                OSSL_KDF_PARAM_INFO, (void *)legacy__zero_info, v->info_zero_bytes);
    }
    params[n] = OSSL_PARAM_construct_end();
    int ok = EVP_KDF_derive(kctx, out, out_len, params);
    /* Drops (and wipes) the KDF's copies of the material. */
    EVP_KDF_CTX_reset(kctx);
    return ok == 1 ? SFRAME_OK : SFRAME_ERR_CRYPTO;
}

static bool legacy__material_ok(const uint8_t *material, size_t material_len)
{
    return material != NULL && material_len > 0 && material_len <= SFRAME_LEGACY_MATERIAL_MAX;
}

/* The one-shot derivations: `ratchet` picks the ratchet salt and length. */
static sframe_err_t legacy__oneshot(sframe_legacy_variant_t variant, bool ratchet,
                                    const uint8_t *material, size_t material_len, uint8_t *out)
{
    const legacy__variant_info_t *v = legacy__variant(variant);
    if (v == NULL || material == NULL || material_len == 0 || out == NULL)
        return SFRAME_ERR_INVALID_ARG;
    EVP_KDF_CTX *kctx = legacy__kdf_new(v);
    if (kctx == NULL)
        return SFRAME_ERR_CRYPTO;
    uint8_t buf[SFRAME_LEGACY_RATCHET_LEN];
    size_t len = ratchet ? SFRAME_LEGACY_RATCHET_LEN : SFRAME_LEGACY_KEY_LEN;
    /* Through a buffer, so that out may alias material. */
    sframe_err_t err = legacy__kdf(kctx, v, ratchet ? v->ratchet_salt : v->key_salt, material,
                                   material_len, buf, len);
    if (err == SFRAME_OK)
        memcpy(out, buf, len);
    OPENSSL_cleanse(buf, sizeof buf);
    EVP_KDF_CTX_free(kctx);
    return err;
}

sframe_err_t sframe_legacy_derive_key(sframe_legacy_variant_t variant, const uint8_t *material,
                                      size_t material_len, uint8_t *key_out)
{
    return legacy__oneshot(variant, false, material, material_len, key_out);
}

sframe_err_t sframe_legacy_ratchet(sframe_legacy_variant_t variant, const uint8_t *material,
                                   size_t material_len, uint8_t *next_out)
{
    return legacy__oneshot(variant, true, material, material_len, next_out);
}

/* --- Keys held by contexts ------------------------------------------------------
 * A key is its material and a cipher context keyed from it once; frames
 * only set the IV. */

typedef struct legacy__key {
    EVP_CIPHER_CTX *aead;
    uint8_t material[SFRAME_LEGACY_MATERIAL_MAX];
    size_t material_len;
    unsigned ratchets;
    bool present;
} legacy__key_t;

/* What both contexts hold: the variant, the fetched cipher, one KDF context. */
typedef struct legacy__crypto {
    const legacy__variant_info_t *variant;
    EVP_CIPHER *gcm;
    EVP_KDF_CTX *kdf;
} legacy__crypto_t;

static sframe_err_t legacy__crypto_init(legacy__crypto_t *c, const legacy__variant_info_t *v)
{
    c->variant = v;
    c->gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    c->kdf = legacy__kdf_new(v);
    return c->gcm != NULL && c->kdf != NULL ? SFRAME_OK : SFRAME_ERR_CRYPTO;
}

static void legacy__crypto_release(legacy__crypto_t *c)
{
    EVP_KDF_CTX_free(c->kdf);
    EVP_CIPHER_free(c->gcm);
}

static void legacy__key_wipe(legacy__key_t *key)
{
    OPENSSL_cleanse(key->material, sizeof key->material);
    key->material_len = 0;
    key->ratchets = 0;
    key->present = false;
    /* Frees the keyed state (OpenSSL wipes it); the next load re-inits. */
    if (key->aead != NULL)
        EVP_CIPHER_CTX_reset(key->aead);
}

/* Makes `key` hold `material` (which may be key->material) and its AES key,
 * for encryption or decryption. On error `key` is unchanged unless the
 * cipher init failed, which leaves it wiped. */
static sframe_err_t legacy__key_load(legacy__crypto_t *c, legacy__key_t *key,
                                     const uint8_t *material, size_t material_len, bool encrypt)
{
    uint8_t aes_key[SFRAME_LEGACY_KEY_LEN];
    sframe_err_t err = legacy__kdf(c->kdf, c->variant, c->variant->key_salt, material, material_len,
                                   aes_key, sizeof aes_key);
    if (err != SFRAME_OK)
        goto done;
    int ok = encrypt ? EVP_EncryptInit_ex2(key->aead, c->gcm, aes_key, NULL, NULL)
                     : EVP_DecryptInit_ex2(key->aead, c->gcm, aes_key, NULL, NULL);
    if (ok != 1) {
        legacy__key_wipe(key);
        err = SFRAME_ERR_CRYPTO;
        goto done;
    }
    memmove(key->material, material, material_len);
    if (material_len < sizeof key->material)
        OPENSSL_cleanse(key->material + material_len, sizeof key->material - material_len);
    key->material_len = material_len;
    key->present = true;
done:
    OPENSSL_cleanse(aes_key, sizeof aes_key);
    return err;
}

/* key -> its ratchet, re-keyed. */
static sframe_err_t legacy__key_ratchet(legacy__crypto_t *c, legacy__key_t *key, bool encrypt)
{
    uint8_t next[SFRAME_LEGACY_RATCHET_LEN];
    sframe_err_t err = legacy__kdf(c->kdf, c->variant, c->variant->ratchet_salt, key->material,
                                   key->material_len, next, sizeof next);
    if (err == SFRAME_OK)
        err = legacy__key_load(c, key, next, sizeof next, encrypt);
    OPENSSL_cleanse(next, sizeof next);
    return err;
}

/* --- AEAD --------------------------------------------------------------------- */

/* ciphertext || tag of the plaintext under the keyed context. */
static sframe_err_t legacy__seal(EVP_CIPHER_CTX *aead, const uint8_t *iv, const uint8_t *aad,
                                 size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *ct,
                                 uint8_t *tag)
{
    int n = 0;
    if (EVP_EncryptInit_ex2(aead, NULL, NULL, iv, NULL) != 1)
        return SFRAME_ERR_CRYPTO;
    if (aad_len > 0 && EVP_EncryptUpdate(aead, NULL, &n, aad, (int)aad_len) != 1)
        return SFRAME_ERR_CRYPTO;
    if (pt_len > 0 && EVP_EncryptUpdate(aead, ct, &n, pt, (int)pt_len) != 1)
        return SFRAME_ERR_CRYPTO;
    if (EVP_EncryptFinal_ex(aead, ct + pt_len, &n) != 1)
        return SFRAME_ERR_CRYPTO;
    if (EVP_CIPHER_CTX_ctrl(aead, EVP_CTRL_GCM_GET_TAG, SFRAME_LEGACY_TAG_LEN, tag) != 1)
        return SFRAME_ERR_CRYPTO;
    return SFRAME_OK;
}

/* Plaintext into pt, or SFRAME_ERR_AUTH with pt wiped. OpenSSL compares
 * the tag in constant time. */
static sframe_err_t legacy__open(EVP_CIPHER_CTX *aead, const uint8_t *iv, const uint8_t *aad,
                                 size_t aad_len, const uint8_t *ct, size_t ct_len,
                                 const uint8_t *tag, uint8_t *pt)
{
    int n = 0;
    if (EVP_DecryptInit_ex2(aead, NULL, NULL, iv, NULL) != 1)
        return SFRAME_ERR_CRYPTO;
    if (aad_len > 0 && EVP_DecryptUpdate(aead, NULL, &n, aad, (int)aad_len) != 1)
        return SFRAME_ERR_CRYPTO;
    if (ct_len > 0 && EVP_DecryptUpdate(aead, pt, &n, ct, (int)ct_len) != 1)
        return SFRAME_ERR_CRYPTO;
    if (EVP_CIPHER_CTX_ctrl(aead, EVP_CTRL_GCM_SET_TAG, SFRAME_LEGACY_TAG_LEN, (void *)tag) != 1)
        return SFRAME_ERR_CRYPTO;
    if (EVP_DecryptFinal_ex(aead, pt + ct_len, &n) != 1) {
        OPENSSL_cleanse(pt, ct_len);
        return SFRAME_ERR_AUTH;
    }
    return SFRAME_OK;
}

static bool legacy__overlap(const void *a, size_t a_len, const void *b, size_t b_len)
{
    uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
    if (a_len == 0 || b_len == 0)
        return false;
    return pa < pb + b_len && pb < pa + a_len;
}

/* --- Sender ----------------------------------------------------------------------- */

struct sframe_legacy_sender {
    legacy__crypto_t crypto;
    legacy__key_t key;
    unsigned key_index;
    uint64_t send_count;
};

sframe_legacy_sender_config_t sframe_legacy_sender_config_default(sframe_legacy_variant_t variant)
{
    return (sframe_legacy_sender_config_t){ .variant = variant, .first_send_count = 0 };
}

sframe_err_t sframe_legacy_sender_new(const sframe_legacy_sender_config_t *config,
                                      sframe_legacy_sender_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (config == NULL || out == NULL)
        return SFRAME_ERR_INVALID_ARG;
    const legacy__variant_info_t *v = legacy__variant(config->variant);
    if (v == NULL)
        return SFRAME_ERR_INVALID_ARG;

    sframe_err_t err = SFRAME_ERR_NO_MEMORY;
    sframe_legacy_sender_t *sender = OPENSSL_zalloc(sizeof *sender);
    if (sender == NULL)
        goto fail;
    sender->key.aead = EVP_CIPHER_CTX_new();
    if (sender->key.aead == NULL)
        goto fail;
    err = legacy__crypto_init(&sender->crypto, v);
    if (err != SFRAME_OK)
        goto fail;
    sender->send_count = config->first_send_count;
    *out = sender;
    return SFRAME_OK;
fail:
    sframe_legacy_sender_free(sender);
    return err;
}

void sframe_legacy_sender_free(sframe_legacy_sender_t *sender)
{
    if (sender == NULL)
        return;
    legacy__key_wipe(&sender->key);
    EVP_CIPHER_CTX_free(sender->key.aead);
    legacy__crypto_release(&sender->crypto);
    OPENSSL_clear_free(sender, sizeof *sender);
}

sframe_err_t sframe_legacy_sender_set_key(sframe_legacy_sender_t *sender, unsigned key_index,
                                          const uint8_t *material, size_t material_len)
{
    if (sender == NULL || key_index >= SFRAME_LEGACY_KEY_RING_SIZE ||
        !legacy__material_ok(material, material_len))
        return SFRAME_ERR_INVALID_ARG;
    sframe_err_t err =
        legacy__key_load(&sender->crypto, &sender->key, material, material_len, true);
    if (err != SFRAME_OK)
        return err;
    sender->key.ratchets = 0;
    sender->key_index = key_index;
    return SFRAME_OK;
}

sframe_err_t sframe_legacy_sender_ratchet(sframe_legacy_sender_t *sender)
{
    if (sender == NULL)
        return SFRAME_ERR_INVALID_ARG;
    if (!sender->key.present)
        return SFRAME_ERR_UNKNOWN_KID;
    sframe_err_t err = legacy__key_ratchet(&sender->crypto, &sender->key, true);
    if (err == SFRAME_OK)
        sender->key.ratchets++;
    return err;
}

unsigned sframe_legacy_sender_key_index(const sframe_legacy_sender_t *sender)
{
    return sender != NULL ? sender->key_index : 0;
}

uint64_t sframe_legacy_sender_send_count(const sframe_legacy_sender_t *sender)
{
    return sender != NULL ? sender->send_count : 0;
}

sframe_err_t sframe_legacy_sender_protect_prefix(sframe_legacy_sender_t *sender, size_t clear_bytes,
                                                 uint32_t ssrc, uint32_t rtp_timestamp,
                                                 const uint8_t *frame, size_t frame_len,
                                                 uint8_t *out, size_t cap, size_t *out_len)
{
    if (out_len != NULL)
        *out_len = 0;
    if (sender == NULL || (frame == NULL && frame_len > 0) || out == NULL || out_len == NULL)
        return SFRAME_ERR_INVALID_ARG;
    if (frame_len > (size_t)INT_MAX - SFRAME_LEGACY_MAX_OVERHEAD)
        return SFRAME_ERR_INVALID_ARG;
    if (out != frame && legacy__overlap(frame, frame_len, out, cap))
        return SFRAME_ERR_INVALID_ARG;
    if (!sender->key.present)
        return SFRAME_ERR_UNKNOWN_KID;
    if (clear_bytes > frame_len)
        return SFRAME_ERR_TRUNCATED;
    size_t total = frame_len + SFRAME_LEGACY_MAX_OVERHEAD;
    if (cap < total)
        return SFRAME_ERR_NO_SPACE;

    size_t pt_len = frame_len - clear_bytes;
    uint8_t *tag = out + frame_len;
    uint8_t *iv = tag + SFRAME_LEGACY_TAG_LEN;
    legacy__iv(sender->crypto.variant, ssrc, rtp_timestamp, sender->send_count, iv);
    if (out != frame && clear_bytes > 0)
        memcpy(out, frame, clear_bytes);
    /* In place the AAD is read from out, whose prefix is the frame's. */
    sframe_err_t err = legacy__seal(sender->key.aead, iv, out, clear_bytes, frame + clear_bytes,
                                    pt_len, out + clear_bytes, tag);
    if (err != SFRAME_OK) {
        if (out != frame)
            OPENSSL_cleanse(out, total);
        return err;
    }
    iv[SFRAME_LEGACY_IV_LEN] = SFRAME_LEGACY_IV_LEN;
    iv[SFRAME_LEGACY_IV_LEN + 1] = (uint8_t)sender->key_index;
    sender->send_count++;
    *out_len = total;
    return SFRAME_OK;
}

sframe_err_t sframe_legacy_sender_protect(sframe_legacy_sender_t *sender,
                                          sframe_legacy_codec_t codec, uint32_t ssrc,
                                          uint32_t rtp_timestamp, const uint8_t *frame,
                                          size_t frame_len, uint8_t *out, size_t cap,
                                          size_t *out_len)
{
    if (out_len != NULL)
        *out_len = 0;
    if (sender == NULL || (frame == NULL && frame_len > 0))
        return SFRAME_ERR_INVALID_ARG;
    size_t clear = 0;
    sframe_err_t err = legacy__codec_clear(codec, frame, frame_len, &clear);
    if (err != SFRAME_OK)
        return err;
    return sframe_legacy_sender_protect_prefix(sender, clear, ssrc, rtp_timestamp, frame, frame_len,
                                               out, cap, out_len);
}

/* --- Receiver --------------------------------------------------------------------- */

struct sframe_legacy_receiver {
    legacy__crypto_t crypto;
    sframe_legacy_receiver_config_t config;
    legacy__key_t slots[SFRAME_LEGACY_KEY_RING_SIZE];
    legacy__key_t candidate; /* a ratcheted key on trial */
};

/* Moves the candidate's key into a slot, without re-keying: the cipher
 * contexts swap, so the candidate ends up holding the slot's previous key,
 * for the caller to wipe. */
static void legacy__slot_take(legacy__key_t *slot, legacy__key_t *cand, unsigned ratchets)
{
    EVP_CIPHER_CTX *previous = slot->aead;
    slot->aead = cand->aead;
    cand->aead = previous;
    memcpy(slot->material, cand->material, sizeof slot->material);
    slot->material_len = cand->material_len;
    slot->ratchets = ratchets;
    slot->present = true;
}

sframe_legacy_receiver_config_t
sframe_legacy_receiver_config_default(sframe_legacy_variant_t variant)
{
    const legacy__variant_info_t *v = legacy__variant(variant);
    return (sframe_legacy_receiver_config_t){
        .variant = variant,
        .ratchet_window = SFRAME_LEGACY_RATCHET_WINDOW,
        .ratchet_mode = v != NULL ? v->ratchet_mode : SFRAME_LEGACY_RATCHET_CHAIN,
    };
}

sframe_err_t sframe_legacy_receiver_new(const sframe_legacy_receiver_config_t *config,
                                        sframe_legacy_receiver_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (config == NULL || out == NULL)
        return SFRAME_ERR_INVALID_ARG;
    const legacy__variant_info_t *v = legacy__variant(config->variant);
    if (v == NULL || config->ratchet_window > SFRAME_LEGACY_RATCHET_MAX ||
        (config->ratchet_mode != SFRAME_LEGACY_RATCHET_CHAIN &&
         config->ratchet_mode != SFRAME_LEGACY_RATCHET_ONE_STEP))
        return SFRAME_ERR_INVALID_ARG;

    sframe_err_t err = SFRAME_ERR_NO_MEMORY;
    sframe_legacy_receiver_t *receiver = OPENSSL_zalloc(sizeof *receiver);
    if (receiver == NULL)
        goto fail;
    receiver->config = *config;
    for (size_t i = 0; i < SFRAME_LEGACY_KEY_RING_SIZE; i++) {
        receiver->slots[i].aead = EVP_CIPHER_CTX_new();
        if (receiver->slots[i].aead == NULL)
            goto fail;
    }
    receiver->candidate.aead = EVP_CIPHER_CTX_new();
    if (receiver->candidate.aead == NULL)
        goto fail;
    err = legacy__crypto_init(&receiver->crypto, v);
    if (err != SFRAME_OK)
        goto fail;
    *out = receiver;
    return SFRAME_OK;
fail:
    sframe_legacy_receiver_free(receiver);
    return err;
}

void sframe_legacy_receiver_free(sframe_legacy_receiver_t *receiver)
{
    if (receiver == NULL)
        return;
    for (size_t i = 0; i < SFRAME_LEGACY_KEY_RING_SIZE; i++) {
        legacy__key_wipe(&receiver->slots[i]);
        EVP_CIPHER_CTX_free(receiver->slots[i].aead);
    }
    legacy__key_wipe(&receiver->candidate);
    EVP_CIPHER_CTX_free(receiver->candidate.aead);
    legacy__crypto_release(&receiver->crypto);
    OPENSSL_clear_free(receiver, sizeof *receiver);
}

sframe_err_t sframe_legacy_receiver_set_key(sframe_legacy_receiver_t *receiver, unsigned key_index,
                                            const uint8_t *material, size_t material_len)
{
    if (receiver == NULL || key_index >= SFRAME_LEGACY_KEY_RING_SIZE ||
        !legacy__material_ok(material, material_len))
        return SFRAME_ERR_INVALID_ARG;
    /* Through the candidate, so that a failure leaves the slot as it was. */
    legacy__key_t *cand = &receiver->candidate;
    sframe_err_t err = legacy__key_load(&receiver->crypto, cand, material, material_len, false);
    if (err == SFRAME_OK)
        legacy__slot_take(&receiver->slots[key_index], cand, 0);
    legacy__key_wipe(cand);
    return err;
}

sframe_err_t sframe_legacy_receiver_remove_key(sframe_legacy_receiver_t *receiver,
                                               unsigned key_index)
{
    if (receiver == NULL || key_index >= SFRAME_LEGACY_KEY_RING_SIZE)
        return SFRAME_ERR_INVALID_ARG;
    if (!receiver->slots[key_index].present)
        return SFRAME_ERR_UNKNOWN_KID;
    legacy__key_wipe(&receiver->slots[key_index]);
    return SFRAME_OK;
}

sframe_err_t sframe_legacy_receiver_ratchet(sframe_legacy_receiver_t *receiver, unsigned key_index)
{
    if (receiver == NULL || key_index >= SFRAME_LEGACY_KEY_RING_SIZE)
        return SFRAME_ERR_INVALID_ARG;
    legacy__key_t *slot = &receiver->slots[key_index];
    if (!slot->present)
        return SFRAME_ERR_UNKNOWN_KID;
    legacy__key_t *cand = &receiver->candidate;
    memcpy(cand->material, slot->material, sizeof cand->material);
    cand->material_len = slot->material_len;
    sframe_err_t err = legacy__key_ratchet(&receiver->crypto, cand, false);
    if (err == SFRAME_OK)
        legacy__slot_take(slot, cand, slot->ratchets + 1);
    legacy__key_wipe(cand);
    return err;
}

bool sframe_legacy_receiver_has_key(const sframe_legacy_receiver_t *receiver, unsigned key_index)
{
    return receiver != NULL && key_index < SFRAME_LEGACY_KEY_RING_SIZE &&
           receiver->slots[key_index].present;
}

unsigned sframe_legacy_receiver_ratchet_count(const sframe_legacy_receiver_t *receiver,
                                              unsigned key_index)
{
    if (!sframe_legacy_receiver_has_key(receiver, key_index))
        return 0;
    return receiver->slots[key_index].ratchets;
}

/* One frame's pieces, as the trailer places them. */
typedef struct legacy__frame {
    const uint8_t *aad;
    size_t aad_len;
    const uint8_t *ct;
    size_t ct_len;
    const uint8_t *tag;
    const uint8_t *iv;
} legacy__frame_t;

/* After the slot's key failed: ratcheted keys of the slot, as many as the
 * mode and window allow. The first that opens the frame replaces the slot's
 * key (both clients keep it); otherwise nothing changes. */
static sframe_err_t legacy__follow_ratchet(sframe_legacy_receiver_t *receiver, legacy__key_t *slot,
                                           const legacy__frame_t *f, uint8_t *pt)
{
    legacy__key_t *cand = &receiver->candidate;
    unsigned steps = receiver->config.ratchet_mode == SFRAME_LEGACY_RATCHET_CHAIN
                         ? receiver->config.ratchet_window
                         : (receiver->config.ratchet_window > 0 ? 1 : 0);
    sframe_err_t err = SFRAME_ERR_AUTH;
    if (steps == 0)
        return err;
    memcpy(cand->material, slot->material, sizeof cand->material);
    cand->material_len = slot->material_len;
    for (unsigned step = 1; step <= steps; step++) {
        err = legacy__key_ratchet(&receiver->crypto, cand, false);
        if (err != SFRAME_OK)
            break;
        err = legacy__open(cand->aead, f->iv, f->aad, f->aad_len, f->ct, f->ct_len, f->tag, pt);
        if (err == SFRAME_OK) {
            legacy__slot_take(slot, cand, slot->ratchets + step);
            break;
        }
        if (err != SFRAME_ERR_AUTH)
            break;
    }
    legacy__key_wipe(cand); /* after a swap: the slot's previous key */
    return err;
}

sframe_err_t sframe_legacy_receiver_unprotect_prefix(sframe_legacy_receiver_t *receiver,
                                                     size_t clear_bytes, const uint8_t *frame,
                                                     size_t frame_len, uint8_t *out, size_t cap,
                                                     size_t *out_len, unsigned *key_index_out)
{
    if (out_len != NULL)
        *out_len = 0;
    if (receiver == NULL || (frame == NULL && frame_len > 0) || out == NULL || out_len == NULL)
        return SFRAME_ERR_INVALID_ARG;
    if (frame_len > INT_MAX)
        return SFRAME_ERR_INVALID_ARG;
    if (clear_bytes > frame_len || frame_len - clear_bytes < SFRAME_LEGACY_MAX_OVERHEAD)
        return SFRAME_ERR_TRUNCATED;
    const uint8_t *trailer = frame + frame_len - SFRAME_LEGACY_TRAILER_LEN;
    unsigned key_index = trailer[1];
    if (key_index_out != NULL)
        *key_index_out = key_index;
    if (trailer[0] != SFRAME_LEGACY_IV_LEN)
        return SFRAME_ERR_MALFORMED;
    if (key_index >= SFRAME_LEGACY_KEY_RING_SIZE || !receiver->slots[key_index].present)
        return SFRAME_ERR_UNKNOWN_KID;
    size_t plain_len = frame_len - SFRAME_LEGACY_MAX_OVERHEAD;
    if (cap < plain_len)
        return SFRAME_ERR_NO_SPACE;
    if (legacy__overlap(frame, frame_len, out, cap))
        return SFRAME_ERR_INVALID_ARG;

    legacy__frame_t f = {
        .aad = frame,
        .aad_len = clear_bytes,
        .ct = frame + clear_bytes,
        .ct_len = plain_len - clear_bytes,
        .iv = trailer - SFRAME_LEGACY_IV_LEN,
        .tag = trailer - SFRAME_LEGACY_IV_LEN - SFRAME_LEGACY_TAG_LEN,
    };
    legacy__key_t *slot = &receiver->slots[key_index];
    uint8_t *pt = out + clear_bytes;
    sframe_err_t err = legacy__open(slot->aead, f.iv, f.aad, f.aad_len, f.ct, f.ct_len, f.tag, pt);
    if (err == SFRAME_ERR_AUTH)
        err = legacy__follow_ratchet(receiver, slot, &f, pt);
    if (err != SFRAME_OK) {
        OPENSSL_cleanse(out, plain_len);
        return err;
    }
    if (clear_bytes > 0)
        memcpy(out, frame, clear_bytes);
    *out_len = plain_len;
    return SFRAME_OK;
}

sframe_err_t sframe_legacy_receiver_unprotect(sframe_legacy_receiver_t *receiver,
                                              sframe_legacy_codec_t codec, const uint8_t *frame,
                                              size_t frame_len, uint8_t *out, size_t cap,
                                              size_t *out_len, unsigned *key_index_out)
{
    if (out_len != NULL)
        *out_len = 0;
    if (receiver == NULL || (frame == NULL && frame_len > 0))
        return SFRAME_ERR_INVALID_ARG;
    size_t clear = 0;
    sframe_err_t err = legacy__codec_clear(codec, frame, frame_len, &clear);
    if (err != SFRAME_OK)
        return err;
    return sframe_legacy_receiver_unprotect_prefix(receiver, clear, frame, frame_len, out, cap,
                                                   out_len, key_index_out);
}
