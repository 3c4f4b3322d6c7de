/* peers/e2ee.h: the E2EE transform of a peer, private to peers/. It sits
 * between the encoder and the packetizer (sender) and between the jitter
 * buffer and the decoder (receiver), and uses sframe/ for the crypto.
 *
 * Schemes (docs/DESIGN.md, "How the E2EE schemes look to the SFU"):
 *  - SFRAME: RFC 9605 over the whole encoded frame; the SFrame header is
 *    the only clear part, and it is not frame data.
 *  - INSERTABLE_LEGACY: the Jitsi/LiveKit format of sframe/sframe_legacy.h:
 *    a clear prefix (VP8 key frame 10, VP8 delta 3, Opus 1 byte), AES-GCM,
 *    trailer.
 *  - NONE: no E2EE; the frame passes unchanged (the negative control).
 *
 * SFrame KIDs. A peer's streams (audio, each simulcast layer) are separate
 * SFrame senders sharing the peer's base key of an epoch, so each needs its
 * own KID (the KID enters the key schedule; equal KIDs would reuse nonces).
 * The KID is the MLS layout of RFC 9605 section 5.2, whose context field
 * numbers a member's senders, with the ratchet step of section 5.1 below:
 *
 *   generation = stream << (32 + 8) | sender_id << 8 | epoch mod 2^8
 *   KID        = generation << 8 | ratchet step mod 2^8
 *
 * (sframe_mls_kid with s_bits PEER__E2EE_SENDER_BITS, e_bits
 * PEER__E2EE_EPOCH_BITS, then sframe_ratchet_kid with
 * PEER__E2EE_RATCHET_BITS). Sender 1, stream 0, epoch 1, step 0 is KID
 * 0x10100, a 3-byte KID field. Legacy frames carry key index epoch mod 16
 * and follow ratchet steps by the receiver's retries.
 *
 * Key life on a receiver (docs/DESIGN.md, "Key distribution"): the harness
 * adds (epoch, step, base key) for the remote sender. Adding an epoch newer
 * than the newest makes the newest the previous one, kept grace_ms from
 * that moment and removed on the first call at or after the deadline;
 * anything older goes at once. So at most two epochs live, which keeps the
 * epoch fields (mod 2^8, legacy mod 16) unambiguous.
 *
 * Hold policy. A frame is held when no key for its epoch is installed and
 * its epoch is newer than every epoch added (or none was added yet): the
 * key may still be on its way. It is copied into a queue bounded by
 * max_held_frames and max_held_bytes. peer__e2ee_receiver_poll() hands
 * held frames back, oldest first, when their epoch's key has arrived
 * (decrypted or failed), when they have waited hold_ms, or when a newer
 * epoch arrived without theirs (both: expired). Every held frame thus
 * comes back exactly once, with the caller's tag. A frame that would be
 * held while the queue is full is refused (PEER__E2EE_HOLD_FULL) and
 * counted; a frame of an epoch already gone is PEER__E2EE_UNKNOWN_KEY.
 *
 * Errors of key management and of the sender are sframe_err_t. */
#ifndef BLINDFOLD_PEERS_E2EE_H
#define BLINDFOLD_PEERS_E2EE_H

#include "sframe/sframe.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PEER__E2EE_SENDER_BITS       32u /* sender ids are uint32_t */
#define PEER__E2EE_EPOCH_BITS        8u
#define PEER__E2EE_RATCHET_BITS      8u
#define PEER__E2EE_MAX_STREAMS       16u /* streams per peer (KID context field) */
#define PEER__E2EE_LEGACY_EPOCH_BITS 4u  /* key index = epoch mod 16 */

typedef enum peer__e2ee_scheme {
    PEER__E2EE_SFRAME,
    PEER__E2EE_INSERTABLE_LEGACY,
    PEER__E2EE_NONE,
} peer__e2ee_scheme_t;

/* "sframe", "insertable-legacy", "none"; "unknown" otherwise. */
const char *peer__e2ee_scheme_name(peer__e2ee_scheme_t scheme);

/* Deliberately broken variants of SFRAME for the confidentiality oracle's
 * negative controls (peer.h, peer_test_transform_t). Sender and receiver
 * must agree on the mode; receivers undo each one, so frames still come out
 * DECRYPTED and only the oracle can tell:
 *  - XOR_CONSTANT: a normal SFrame header (same KID and counter
 *    progression), then the frame XORed with peer__e2ee_xor_pattern, no
 *    tag; receivers check the KID (sender, stream, live epoch) only;
 *  - CTR_REUSE: real SFrame encryption, but every frame carries counter 0
 *    (nonce reuse); receivers run without a replay window;
 *  - HALF_CLEAR: SFrame header, the first floor(n / 2) bytes of the frame in
 *    clear, then the SFrame ciphertext and tag of the rest (header as AAD);
 *    receivers reassemble.
 * Only SFRAME accepts a mode other than OFF. */
typedef enum peer__e2ee_test_mode {
    PEER__E2EE_TEST_OFF = 0,
    PEER__E2EE_TEST_XOR_CONSTANT,
    PEER__E2EE_TEST_CTR_REUSE,
    PEER__E2EE_TEST_HALF_CLEAR,
} peer__e2ee_test_mode_t;

#define PEER__E2EE_XOR_PATTERN_LEN 16u
/* The constant of XOR_CONSTANT: byte i of the body is XORed with
 * pattern[i % 16]. */
extern const uint8_t peer__e2ee_xor_pattern[PEER__E2EE_XOR_PATTERN_LEN];

typedef enum peer__e2ee_kind {
    PEER__E2EE_VIDEO_VP8,
    PEER__E2EE_AUDIO_OPUS,
} peer__e2ee_kind_t;

/* Outcome of one receiver frame. */
#define PEER__E2EE_RESULT_LIST(X)                                                 \
    X(PEER__E2EE_DECRYPTED, "decrypted (for NONE: passed through)")               \
    X(PEER__E2EE_AUTH_FAILED, "authentication failed: wrong key or forged frame") \
    X(PEER__E2EE_HELD, "no key yet: the frame is held, poll returns it later")    \
    X(PEER__E2EE_HOLD_FULL, "no key yet and the hold queue is full: not held")    \
    X(PEER__E2EE_UNKNOWN_KEY, "no key and none to wait for (old epoch or step)")  \
    X(PEER__E2EE_REPLAY, "SFrame counter already seen or behind the window")      \
    X(PEER__E2EE_EXPIRED, "a held frame whose key did not come in time")          \
    X(PEER__E2EE_MALFORMED, "truncated or malformed, or another sender's frame")  \
    X(PEER__E2EE_ERROR, "invalid argument, output too small, crypto or memory")   \
    X(PEER__E2EE_NOTHING, "poll: no held frame is ready")

typedef enum peer__e2ee_result {
#define PEER__E2EE_ENUM(name, msg) name,
    PEER__E2EE_RESULT_LIST(PEER__E2EE_ENUM)
#undef PEER__E2EE_ENUM
        PEER__E2EE_RESULT__COUNT
} peer__e2ee_result_t;

/* Message and identifier of a result; never NULL. */
const char *peer__e2ee_result_str(peer__e2ee_result_t result);
const char *peer__e2ee_result_name(peer__e2ee_result_t result);

/* --- KIDs, clear bytes, sizes --------------------------------------------- */

typedef struct peer__e2ee_kid_fields {
    uint32_t sender_id;
    unsigned stream;
    unsigned epoch_mod; /* epoch mod 2^PEER__E2EE_EPOCH_BITS */
    unsigned step_mod;  /* ratchet step mod 2^PEER__E2EE_RATCHET_BITS */
} peer__e2ee_kid_fields_t;

/* The KID of (sender, stream, epoch, step); stream < PEER__E2EE_MAX_STREAMS.
 * Errors: SFRAME_ERR_INVALID_ARG. */
sframe_err_t peer__e2ee_kid(uint32_t sender_id, unsigned stream, uint64_t epoch, uint64_t step,
                            uint64_t *kid);

/* Splits a KID; false if it does not have the layout (stream too large or
 * bits above it). */
bool peer__e2ee_kid_decode(uint64_t kid, peer__e2ee_kid_fields_t *fields);

/* Leading bytes of a protected frame that are in clear: SFRAME 0 (its
 * header is not frame data), INSERTABLE_LEGACY 10/3 for a VP8 key/delta
 * frame (from the P bit of frame[0]) and 1 for audio, NONE frame_len.
 * Never more than frame_len; 0 for an unknown scheme or kind. */
size_t peer__e2ee_clear_bytes(peer__e2ee_scheme_t scheme, peer__e2ee_kind_t kind,
                              const uint8_t *frame, size_t frame_len);

/* Length of the SFrame header at the start of a protected SFRAME frame,
 * which an SFU may read (KID and counter) but which carries no frame data.
 * Errors: SFRAME_ERR_INVALID_ARG, SFRAME_ERR_TRUNCATED, SFRAME_ERR_MALFORMED. */
sframe_err_t peer__e2ee_sframe_header_len(const uint8_t *frame, size_t frame_len,
                                          size_t *header_len);

/* Largest number of bytes protection adds to a frame; 0 for NONE and for
 * an unknown scheme or suite. */
size_t peer__e2ee_max_overhead(peer__e2ee_scheme_t scheme, sframe_suite_t suite);

/* One ratchet step of a base key, as sender and receivers take it: for
 * SFRAME sframe_ratchet_base_key (Nh bytes out), for INSERTABLE_LEGACY
 * sframe_legacy_ratchet (32 bytes out). The harness uses it to hand a
 * newcomer the ratcheted keys. `out` holds at least 64 bytes; it may alias
 * `key`. Errors: SFRAME_ERR_INVALID_ARG (NONE, empty key), those of sframe/. */
sframe_err_t peer__e2ee_ratchet_key(peer__e2ee_scheme_t scheme, sframe_suite_t suite,
                                    sframe_legacy_variant_t variant, const uint8_t *key,
                                    size_t key_len, uint8_t *out, size_t *out_len);

/* --- Sender: one per (peer, stream) ---------------------------------------- */

typedef struct peer__e2ee_sender peer__e2ee_sender_t;

typedef struct peer__e2ee_sender_config {
    peer__e2ee_scheme_t scheme;
    sframe_suite_t suite;                   /* SFRAME; default AES_128_GCM_SHA256_128 */
    sframe_legacy_variant_t legacy_variant; /* INSERTABLE_LEGACY; default JITSI */
    uint64_t legacy_first_send_count;       /* injected start of the IV count; default 0 */
    uint32_t sender_id;                     /* the peer; default 0 */
    unsigned stream;                        /* KID context, < PEER__E2EE_MAX_STREAMS; default 0 */
    peer__e2ee_test_mode_t test_mode;       /* SFRAME only; default OFF */
} peer__e2ee_sender_config_t;

peer__e2ee_sender_config_t peer__e2ee_sender_config_default(peer__e2ee_scheme_t scheme);

/* Errors: SFRAME_ERR_INVALID_ARG (unknown scheme, stream too large, a test
 * mode with a scheme other than SFRAME), SFRAME_ERR_UNKNOWN_SUITE,
 * SFRAME_ERR_SELF_TEST, SFRAME_ERR_CRYPTO, SFRAME_ERR_NO_MEMORY. A sender of
 * SFRAME or INSERTABLE_LEGACY refuses to protect until a key is set. */
sframe_err_t peer__e2ee_sender_new(const peer__e2ee_sender_config_t *config,
                                   peer__e2ee_sender_t **out);

/* Wipes and frees; accepts NULL. */
void peer__e2ee_sender_free(peer__e2ee_sender_t *sender);

/* Sets the base key of `epoch` (a rekey when a key was set): SFRAME starts
 * a new context at KID (sender, stream, epoch, step 0), counter 0;
 * INSERTABLE_LEGACY sets the key at index epoch mod 16 (its IV count goes
 * on). NONE accepts and ignores it. Errors: SFRAME_ERR_INVALID_ARG (NULL or
 * empty key, legacy material over 128 bytes), SFRAME_ERR_CRYPTO,
 * SFRAME_ERR_NO_MEMORY; the previous key stays on error. */
sframe_err_t peer__e2ee_sender_set_key(peer__e2ee_sender_t *sender, uint64_t epoch,
                                       const uint8_t *base_key, size_t base_key_len);

/* One ratchet step (RFC 9605 section 5.1; legacy: material := ratchet).
 * Errors: SFRAME_ERR_UNKNOWN_KID (no key), SFRAME_ERR_RATCHET (SFRAME: step
 * 255 reached; rekey instead), SFRAME_ERR_INVALID_ARG (NONE),
 * SFRAME_ERR_CRYPTO. */
sframe_err_t peer__e2ee_sender_ratchet(peer__e2ee_sender_t *sender);

/* Protects one encoded frame into out (at most frame_len +
 * peer__e2ee_max_overhead bytes; NONE copies it). `keyframe` must agree
 * with the VP8 P bit of frame[0] (it decides the legacy clear prefix).
 * ssrc and rtp_ts make the legacy IV. `out` must not overlap `frame`.
 * Errors: SFRAME_ERR_INVALID_ARG (NULL, empty frame, P bit mismatch,
 * overlap), SFRAME_ERR_UNKNOWN_KID (no key set), SFRAME_ERR_TRUNCATED
 * (shorter than the legacy clear prefix), SFRAME_ERR_NO_SPACE,
 * SFRAME_ERR_COUNTER_EXHAUSTED, SFRAME_ERR_CRYPTO. */
sframe_err_t peer__e2ee_sender_protect(peer__e2ee_sender_t *sender, const uint8_t *frame,
                                       size_t frame_len, peer__e2ee_kind_t kind, bool keyframe,
                                       uint32_t ssrc, uint32_t rtp_ts, uint8_t *out, size_t cap,
                                       size_t *out_len);

/* SFRAME: the KID the next frame carries (0 before a key is set). */
uint64_t peer__e2ee_sender_kid(const peer__e2ee_sender_t *sender);
uint64_t peer__e2ee_sender_frames(const peer__e2ee_sender_t *sender);

/* --- Receiver: one per (receiver, remote sender) --------------------------- */

typedef struct peer__e2ee_receiver peer__e2ee_receiver_t;

typedef struct peer__e2ee_receiver_config {
    peer__e2ee_scheme_t scheme;
    sframe_suite_t suite;                   /* default AES_128_GCM_SHA256_128 */
    sframe_legacy_variant_t legacy_variant; /* default JITSI (ratchet retries: CHAIN) */
    uint32_t sender_id;                     /* the remote sender; default 0 */
    unsigned streams;                       /* SFRAME streams of the sender (1..16); default 4 */
    unsigned replay_window;                 /* SFRAME per-KID window; default 128 */
    unsigned max_ratchet_ahead;             /* SFRAME steps followed forward; default 8 */
    uint32_t grace_ms;                /* previous epoch kept after a newer one; default 2000 */
    uint32_t hold_ms;                 /* longest wait for a key; default 2000 */
    size_t max_held_frames;           /* default 64 */
    size_t max_held_bytes;            /* default 4 MiB */
    peer__e2ee_test_mode_t test_mode; /* SFRAME only; the senders' mode; default OFF */
} peer__e2ee_receiver_config_t;

peer__e2ee_receiver_config_t peer__e2ee_receiver_config_default(peer__e2ee_scheme_t scheme);

typedef struct peer__e2ee_receiver_stats {
    uint64_t decrypted;           /* all decrypted frames, held ones included */
    uint64_t auth_failures;       /* held ones included */
    uint64_t unknown_key;         /* no key and nothing to wait for (held ones included) */
    uint64_t held;                /* frames that entered the hold queue */
    uint64_t held_then_decrypted; /* subsets of held ... */
    uint64_t held_then_failed;    /* key came, frame did not decrypt */
    uint64_t held_expired;        /* key did not come (waiting-for-key expired) */
    uint64_t hold_full;           /* refused: queue full */
    uint64_t replays;             /* SFRAME only: the legacy format has no counter to check */
    uint64_t malformed;           /* includes SFRAME frames of another sender (legacy frames
                                     do not name their sender: they fail or wait instead) */
    size_t held_now;              /* held - held_then_decrypted - held_then_failed - held_expired */
} peer__e2ee_receiver_stats_t;

/* Errors: SFRAME_ERR_INVALID_ARG (unknown scheme, streams 0 or above 16,
 * max_held_frames 0, a test mode with a scheme other than SFRAME), those of
 * sframe_receiver_new and sframe_legacy_receiver_new. */
sframe_err_t peer__e2ee_receiver_new(const peer__e2ee_receiver_config_t *config,
                                     peer__e2ee_receiver_t **out);

/* Wipes keys, frees held frames (uncounted) and the receiver; accepts NULL. */
void peer__e2ee_receiver_free(peer__e2ee_receiver_t *receiver);

/* Installs the remote sender's base key of `epoch`, already ratcheted
 * `step` times (a newcomer's key; 0 otherwise). See the top comment for
 * what happens to older epochs. Held frames are not touched: call
 * peer__e2ee_receiver_poll next. NONE accepts and ignores it.
 * Errors: SFRAME_ERR_INVALID_ARG (NULL or empty key, an epoch older than
 * the newest added, step too large), SFRAME_ERR_KEY_EXISTS (epoch already
 * installed), SFRAME_ERR_CRYPTO, SFRAME_ERR_NO_MEMORY. */
sframe_err_t peer__e2ee_receiver_add_key(peer__e2ee_receiver_t *receiver, uint64_t epoch,
                                         uint64_t step, const uint8_t *base_key,
                                         size_t base_key_len, uint64_t now_us);

/* Removes an installed epoch at once. Errors: SFRAME_ERR_UNKNOWN_KID. */
sframe_err_t peer__e2ee_receiver_remove_key(peer__e2ee_receiver_t *receiver, uint64_t epoch);

/* True if the epoch's key is installed (after expiring at now_us). */
bool peer__e2ee_receiver_has_epoch(peer__e2ee_receiver_t *receiver, uint64_t epoch,
                                   uint64_t now_us);

/* Unprotects one frame (as the jitter buffer assembled it) into out
 * (`cap` >= frame_len always suffices). `tag` is the caller's name for the
 * frame (e.g. its RTP timestamp), returned if the frame is held. Returns
 * DECRYPTED (*out_len set), AUTH_FAILED, HELD, HOLD_FULL, UNKNOWN_KEY,
 * REPLAY, MALFORMED or ERROR; *out_len is 0 unless DECRYPTED. */
peer__e2ee_result_t peer__e2ee_receiver_unprotect(peer__e2ee_receiver_t *receiver,
                                                  peer__e2ee_kind_t kind, const uint8_t *frame,
                                                  size_t frame_len, uint64_t tag, uint64_t now_us,
                                                  uint8_t *out, size_t cap, size_t *out_len);

typedef struct peer__e2ee_released {
    uint64_t tag;
    peer__e2ee_kind_t kind;
    uint64_t held_since_us;
} peer__e2ee_released_t;

/* Hands back at most one held frame that is settled at now_us (see the
 * top comment): DECRYPTED (plaintext in out), AUTH_FAILED, UNKNOWN_KEY,
 * REPLAY or EXPIRED (*out_len 0), with its tag in *released; NOTHING when
 * none is. Call it until NOTHING after add_key and on every tick. ERROR
 * (the frame stays held) when cap is below the held frame's length. */
peer__e2ee_result_t peer__e2ee_receiver_poll(peer__e2ee_receiver_t *receiver, uint64_t now_us,
                                             peer__e2ee_released_t *released, uint8_t *out,
                                             size_t cap, size_t *out_len);

peer__e2ee_receiver_stats_t peer__e2ee_receiver_stats(const peer__e2ee_receiver_t *receiver);

/* The epoch whose key opened the last DECRYPTED frame (from unprotect or
 * poll); 0 before any and for NONE. */
uint64_t peer__e2ee_receiver_last_epoch(const peer__e2ee_receiver_t *receiver);

#endif
