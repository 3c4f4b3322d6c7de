/* sframe/sframe_legacy.h: the legacy insertable-streams frame format of the
 * Jitsi (lib-jitsi-meet modules/e2ee) and LiveKit (client-sdk-js src/e2ee)
 * web clients. Included by sframe/sframe.h; errors are sframe_err_t.
 *
 * A protected frame is
 *
 *   clear | AES-128-GCM ciphertext | tag (16) | IV (12) | IV length (1) | key index (1)
 *
 * The clear prefix is the first 10 bytes of a VP8 key frame, 3 of a VP8
 * delta frame and 1 (the Opus TOC byte) of audio; it is the AAD. The output
 * starts with exactly the input's clear prefix, so an SFU reads the VP8
 * payload header (its P bit) or the TOC byte of a protected frame as if it
 * were in clear. The IV is SSRC (4, BE) || RTP timestamp (4, BE) || a third
 * word from the sender's per-SSRC frame count: count mod 0xFFFF for Jitsi,
 * (timestamp - count mod 0xFFFF) mod 2^32 for LiveKit.
 *
 * Keys: caller-supplied key material goes through a KDF to an AES-128-GCM
 * key; the ratchet maps material to 32 bytes of new material, which then
 * is the material of the next key. A receiver holds a ring of 16 slots
 * addressed by the trailer's key index; on an authentication failure it
 * retries with ratcheted keys of the frame's slot (see
 * sframe_legacy_receiver_config_t) and keeps the ratcheted key only if one
 * decrypts the frame.
 *
 * Per-frame calls allocate nothing and set the AES key only when it
 * changes; the exception is a receiver's ratchet retries after a failed
 * frame, which run the KDF (OpenSSL allocates inside it). A forged frame
 * naming an installed key thus costs up to ratchet_window key derivations
 * (for LIVEKIT_PASSWORD, 200000 PBKDF2 iterations each), as it does in the
 * clients. Deterministic: the sender's first count is a parameter (the
 * browsers start it at a random value). */
#ifndef BLINDFOLD_SFRAME_LEGACY_H
#define BLINDFOLD_SFRAME_LEGACY_H

#include "sframe/sframe.h" /* sframe_err_t; guarded, so either header may come first */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SFRAME_LEGACY_KEY_RING_SIZE 16 /* Jitsi KEYRING_SIZE, LiveKit keyringSize default */
#define SFRAME_LEGACY_KEY_LEN       16 /* AES-128 */
#define SFRAME_LEGACY_TAG_LEN       16
#define SFRAME_LEGACY_IV_LEN        12 /* the only IV length byte accepted */
#define SFRAME_LEGACY_TRAILER_LEN   2  /* IV length, key index */
/* Bytes protection adds to every frame: tag, IV, IV length, key index. */
#define SFRAME_LEGACY_MAX_OVERHEAD \
    (SFRAME_LEGACY_TAG_LEN + SFRAME_LEGACY_IV_LEN + SFRAME_LEGACY_TRAILER_LEN)
#define SFRAME_LEGACY_RATCHET_LEN       32  /* material out of one ratchet step */
#define SFRAME_LEGACY_MATERIAL_MAX      128 /* longest material a context accepts */
#define SFRAME_LEGACY_SEND_COUNT_MOD    0xFFFF
#define SFRAME_LEGACY_RATCHET_WINDOW    8 /* Jitsi RATCHET_WINDOW_SIZE, LiveKit ratchetWindowSize */
#define SFRAME_LEGACY_RATCHET_MAX       256 /* largest ratchet_window a receiver accepts */
#define SFRAME_LEGACY_PBKDF2_ITERATIONS 100000

/* How key material becomes keys.
 *  - JITSI: HKDF-SHA256, salt "JFrameEncryptionKey", empty info, 16 bytes
 *    -> AES key; ratchet: HKDF-SHA256, salt "JFrameRatchetKey", empty info,
 *    32 bytes (crypto-utils deriveKeys, ratchet).
 *  - LIVEKIT: key material imported as HKDF (createKeyMaterialFromBuffer):
 *    HKDF-SHA256, salt "LKFrameEncryptionKey", info 128 zero bytes, for
 *    both the key (16 bytes) and the ratchet (32 bytes) (utils.ts
 *    deriveKeys, ratchet). The AES key is therefore the first 16 bytes of
 *    the next ratchet material.
 *  - LIVEKIT_PASSWORD: a string key (createKeyMaterialFromString): the same
 *    with PBKDF2-HMAC-SHA256, 100000 iterations, salt "LKFrameEncryptionKey",
 *    in place of HKDF. The ratchet output is again PBKDF2 material.
 * The LiveKit variants also share the IV rule (timestamp - count). */
typedef enum sframe_legacy_variant {
    SFRAME_LEGACY_JITSI,
    SFRAME_LEGACY_LIVEKIT,
    SFRAME_LEGACY_LIVEKIT_PASSWORD,
} sframe_legacy_variant_t;

/* "jitsi", "livekit", "livekit-password"; "unknown" otherwise. */
const char *sframe_legacy_variant_name(sframe_legacy_variant_t variant);

/* --- Clear prefix (Jitsi Context UNENCRYPTED_BYTES, LiveKit constants.ts) -- */

typedef enum sframe_legacy_codec {
    SFRAME_LEGACY_VIDEO_VP8, /* 10 clear bytes for a key frame, 3 for a delta frame */
    SFRAME_LEGACY_AUDIO,     /* Opus: 1 clear byte, the TOC */
} sframe_legacy_codec_t;

/* RFC 6386 section 9.1: bit 0 of the frame tag's first byte (the frame
 * type, P in RFC 7741 section 4.3) is 0 for a key frame, 1 otherwise. */
bool sframe_legacy_vp8_is_keyframe(uint8_t first_byte);

/* Clear bytes for a codec and frame kind (`keyframe` matters for VP8 only);
 * 0 for an unknown codec. */
size_t sframe_legacy_clear_bytes(sframe_legacy_codec_t codec, bool keyframe);

/* Clear bytes of this frame, deciding the VP8 case from its first byte;
 * the same before and after protection, since that byte is clear. 0 for
 * an unknown codec or an empty VP8 frame. May exceed frame_len (such a
 * frame cannot be protected). */
size_t sframe_legacy_frame_clear_bytes(sframe_legacy_codec_t codec, const uint8_t *frame,
                                       size_t frame_len);

/* --- One-shot derivation, for vectors and tools ---------------------------
 * They fetch OpenSSL state on every call; contexts keep theirs. */

/* material -> AES-128-GCM key (SFRAME_LEGACY_KEY_LEN bytes).
 * Errors: SFRAME_ERR_INVALID_ARG (unknown variant, NULL pointer, empty
 * material), SFRAME_ERR_CRYPTO. */
sframe_err_t sframe_legacy_derive_key(sframe_legacy_variant_t variant, const uint8_t *material,
                                      size_t material_len, uint8_t *key_out);

/* material -> next material (SFRAME_LEGACY_RATCHET_LEN bytes); `next_out`
 * may alias `material`. Errors: as sframe_legacy_derive_key. */
sframe_err_t sframe_legacy_ratchet(sframe_legacy_variant_t variant, const uint8_t *material,
                                   size_t material_len, uint8_t *next_out);

/* The 12-byte IV a sender uses for (ssrc, rtp_timestamp, send_count).
 * Errors: SFRAME_ERR_INVALID_ARG (unknown variant, NULL iv_out). */
sframe_err_t sframe_legacy_make_iv(sframe_legacy_variant_t variant, uint32_t ssrc,
                                   uint32_t rtp_timestamp, uint64_t send_count, uint8_t *iv_out);

/* --- Sender ------------------------------------------------------------------
 * One sender per SSRC: both clients keep one count per SSRC
 * (Context._sendCounts, FrameCryptor.sendCounts); a participant's senders
 * share its key. */

typedef struct sframe_legacy_sender sframe_legacy_sender_t;

typedef struct sframe_legacy_sender_config {
    sframe_legacy_variant_t variant;
    /* Count of the first frame. The clients draw it uniformly from
     * [0, 0xFFFF) per SSRC; blindfold injects it. Default 0. */
    uint64_t first_send_count;
} sframe_legacy_sender_config_t;

/* Defaults for `variant`: first_send_count 0. */
sframe_legacy_sender_config_t sframe_legacy_sender_config_default(sframe_legacy_variant_t variant);

/* Creates a sender with no key (it refuses to protect until one is set).
 * Errors: SFRAME_ERR_INVALID_ARG (NULL, unknown variant),
 * SFRAME_ERR_CRYPTO, SFRAME_ERR_NO_MEMORY. */
sframe_err_t sframe_legacy_sender_new(const sframe_legacy_sender_config_t *config,
                                      sframe_legacy_sender_t **out);

/* Wipes and frees; accepts NULL. */
void sframe_legacy_sender_free(sframe_legacy_sender_t *sender);

/* Derives the key from `material` and makes `key_index` (0..15) the index
 * written into every following frame's trailer (Jitsi setKey, LiveKit
 * setKey with updateCurrentKeyIndex). The count goes on.
 * Errors: SFRAME_ERR_INVALID_ARG (key_index > 15, NULL or empty material,
 * material longer than SFRAME_LEGACY_MATERIAL_MAX), SFRAME_ERR_CRYPTO.
 * After SFRAME_ERR_INVALID_ARG the sender keeps its key; after
 * SFRAME_ERR_CRYPTO it may have none. */
sframe_err_t sframe_legacy_sender_set_key(sframe_legacy_sender_t *sender, unsigned key_index,
                                          const uint8_t *material, size_t material_len);

/* Replaces the material with its ratchet and re-derives the key; the key
 * index stays (LiveKit ratchetKey; Jitsi's sender sets ratchet(material)
 * as its new key). Errors: SFRAME_ERR_INVALID_ARG (NULL),
 * SFRAME_ERR_UNKNOWN_KID (no key set), SFRAME_ERR_CRYPTO. */
sframe_err_t sframe_legacy_sender_ratchet(sframe_legacy_sender_t *sender);

/* Protects one frame: out = clear || ciphertext || tag || IV || 12 || key
 * index, frame_len + SFRAME_LEGACY_MAX_OVERHEAD bytes, whose first
 * clear_bytes equal the frame's. The clear prefix follows the codec and,
 * for VP8, the P bit of frame[0]. `out` may equal `frame` (in place, with
 * cap for the overhead); no other overlap is allowed. The count advances
 * only on success.
 * Errors: SFRAME_ERR_INVALID_ARG (NULL pointer, unknown codec, overlap,
 * frame_len beyond INT_MAX - overhead), SFRAME_ERR_UNKNOWN_KID (no key
 * set), SFRAME_ERR_TRUNCATED (frame shorter than its clear prefix, or an
 * empty VP8 frame), SFRAME_ERR_NO_SPACE, SFRAME_ERR_CRYPTO. */
sframe_err_t sframe_legacy_sender_protect(sframe_legacy_sender_t *sender,
                                          sframe_legacy_codec_t codec, uint32_t ssrc,
                                          uint32_t rtp_timestamp, const uint8_t *frame,
                                          size_t frame_len, uint8_t *out, size_t cap,
                                          size_t *out_len);

/* The same with the clear byte count given, as the browser's frame.type
 * decides it (for codecs or frames the P-bit rule does not cover, e.g.
 * LiveKit's VP9 with 0). Errors: as above. */
sframe_err_t sframe_legacy_sender_protect_prefix(sframe_legacy_sender_t *sender, size_t clear_bytes,
                                                 uint32_t ssrc, uint32_t rtp_timestamp,
                                                 const uint8_t *frame, size_t frame_len,
                                                 uint8_t *out, size_t cap, size_t *out_len);

/* The key index frames carry; meaningful once a key is set. */
unsigned sframe_legacy_sender_key_index(const sframe_legacy_sender_t *sender);
/* The count the next frame's IV is made from. */
uint64_t sframe_legacy_sender_send_count(const sframe_legacy_sender_t *sender);

/* --- Receiver ------------------------------------------------------------ */

typedef struct sframe_legacy_receiver sframe_legacy_receiver_t;

/* What a receiver tries after a frame fails to authenticate.
 *  - CHAIN: step k tries the key ratcheted k times, k = 1..ratchet_window,
 *    so a sender up to ratchet_window steps ahead is followed. Jitsi
 *    Context._decryptFrame: each retry ratchets the material the previous
 *    one stored.
 *  - ONE_STEP: only the key ratcheted once is tried. LiveKit
 *    FrameCryptor.decryptFrame retries up to ratchetWindowSize times, but
 *    each retry ratchets the slot's unchanged material
 *    (ParticipantKeyHandler.ratchetKey(keyIndex, false)), so every retry
 *    tries the same once-ratcheted key; blindfold tries it once.
 * Both keep a ratcheted key only when it decrypts the frame (Jitsi
 * restores its initial key after the last failure; LiveKit sets the key
 * set only on success). */
typedef enum sframe_legacy_ratchet_mode {
    SFRAME_LEGACY_RATCHET_CHAIN,
    SFRAME_LEGACY_RATCHET_ONE_STEP,
} sframe_legacy_ratchet_mode_t;

typedef struct sframe_legacy_receiver_config {
    sframe_legacy_variant_t variant;
    /* Ratchet retries after a failure; 0 disables (Jitsi's sharedKey
     * mode). Default SFRAME_LEGACY_RATCHET_WINDOW, at most
     * SFRAME_LEGACY_RATCHET_MAX. */
    unsigned ratchet_window;
    /* Default: CHAIN for JITSI, ONE_STEP for the LiveKit variants. */
    sframe_legacy_ratchet_mode_t ratchet_mode;
} sframe_legacy_receiver_config_t;

sframe_legacy_receiver_config_t
sframe_legacy_receiver_config_default(sframe_legacy_variant_t variant);

/* Creates a receiver with 16 empty slots. Errors: SFRAME_ERR_INVALID_ARG
 * (NULL, unknown variant or mode, ratchet_window above the maximum),
 * SFRAME_ERR_CRYPTO, SFRAME_ERR_NO_MEMORY. */
sframe_err_t sframe_legacy_receiver_new(const sframe_legacy_receiver_config_t *config,
                                        sframe_legacy_receiver_t **out);

/* Wipes and frees; accepts NULL. */
void sframe_legacy_receiver_free(sframe_legacy_receiver_t *receiver);

/* Derives and installs the key of slot `key_index`, replacing (and
 * wiping) any key there. Errors: SFRAME_ERR_INVALID_ARG (NULL receiver,
 * key_index > 15, NULL, empty or too long material), SFRAME_ERR_CRYPTO;
 * on error the slot keeps its previous key. */
sframe_err_t sframe_legacy_receiver_set_key(sframe_legacy_receiver_t *receiver, unsigned key_index,
                                            const uint8_t *material, size_t material_len);

/* Empties (and wipes) a slot. Errors: SFRAME_ERR_INVALID_ARG (NULL,
 * key_index > 15), SFRAME_ERR_UNKNOWN_KID (slot already empty). */
sframe_err_t sframe_legacy_receiver_remove_key(sframe_legacy_receiver_t *receiver,
                                               unsigned key_index);

/* Ratchets a slot's key by hand (LiveKit ratchetKey on the receiving
 * side). Errors: SFRAME_ERR_INVALID_ARG, SFRAME_ERR_UNKNOWN_KID,
 * SFRAME_ERR_CRYPTO. */
sframe_err_t sframe_legacy_receiver_ratchet(sframe_legacy_receiver_t *receiver, unsigned key_index);

bool sframe_legacy_receiver_has_key(const sframe_legacy_receiver_t *receiver, unsigned key_index);

/* Ratchet steps the slot has taken since its key was set (by following
 * senders or by hand); 0 for an empty slot. */
unsigned sframe_legacy_receiver_ratchet_count(const sframe_legacy_receiver_t *receiver,
                                              unsigned key_index);

/* Unprotects one frame into out (clear || plaintext, frame_len -
 * SFRAME_LEGACY_MAX_OVERHEAD bytes; the clear prefix, from the codec and
 * the P bit of frame[0], is copied). `key_index_out` (may be NULL)
 * receives the trailer's key index byte as soon as the trailer is read,
 * also when a later check fails. On an authentication failure the
 * receiver ratchets as its config says; only a successful ratchet
 * changes its state. `out` must not overlap `frame` (retries read the
 * ciphertext again). On error *out_len is 0 and out holds no plaintext.
 * Errors: SFRAME_ERR_INVALID_ARG (NULL pointer, unknown codec, overlap),
 * SFRAME_ERR_TRUNCATED (shorter than clear prefix + overhead),
 * SFRAME_ERR_MALFORMED (IV length byte not 12), SFRAME_ERR_UNKNOWN_KID
 * (key index above 15 or an empty slot), SFRAME_ERR_NO_SPACE,
 * SFRAME_ERR_AUTH, SFRAME_ERR_CRYPTO. */
sframe_err_t sframe_legacy_receiver_unprotect(sframe_legacy_receiver_t *receiver,
                                              sframe_legacy_codec_t codec, const uint8_t *frame,
                                              size_t frame_len, uint8_t *out, size_t cap,
                                              size_t *out_len, unsigned *key_index_out);

/* The same with the clear byte count given. Errors: as above. */
sframe_err_t sframe_legacy_receiver_unprotect_prefix(sframe_legacy_receiver_t *receiver,
                                                     size_t clear_bytes, const uint8_t *frame,
                                                     size_t frame_len, uint8_t *out, size_t cap,
                                                     size_t *out_len, unsigned *key_index_out);

#endif
