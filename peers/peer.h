/* peers/peer.h: a virtual endpoint of a call, the one public header of
 * peers/.
 *
 * A peer does what a browser's WebRTC stack does with Insertable Streams:
 *
 *   send:    source -> encoder (one VP8 encoder per simulcast layer, Opus)
 *            -> E2EE transform -> packetizer (RFC 7741 / RFC 7587, header
 *            extensions) -> send history (RTX) -> pacer -> hop-by-hop SRTP
 *            -> sink
 *   receive: hop-by-hop SRTP -> RTX unwrap -> jitter buffer (NACK, PLI)
 *            -> E2EE transform -> decoder -> verification (burned-in code,
 *            PSNR, clip checksum) -> one frame record per frame
 *
 * plus the RTCP a browser sends: SR for its own streams, RR, generic NACK,
 * PLI and transport-wide congestion-control feedback for what it receives;
 * and what it answers: NACK with RTX, PLI and FIR with a keyframe, RR with an
 * RTT estimate.
 *
 * No I/O and no clock: every call takes now_us (virtual microseconds), and
 * every datagram leaves through config.sink, already SRTP-protected for the
 * SFU. Randomness is injected: everything random a peer needs (SSRCs,
 * initial sequence numbers and timestamps, keys) is in its configuration,
 * drawn by the harness from its seeded generator. The same configuration
 * and the same inputs at the same times give the same outputs.
 *
 * Capture times. Video frame n of every peer is captured at
 * peer_video_capture_us(fps, n), a grid shared by all peers that starts at
 * virtual time 0; audio frame k at k * ptime. A peer that starts at start_us
 * captures the grid points at or after it. Each frame's first packet
 * carries its capture time in the abs-capture-time header extension, so a
 * receiver learns it exactly through the SFU, whatever the SFU rewrites.
 *
 * Frame numbers. For video, the frame number n of the grid is burned into
 * the picture (pattern source) with the sender's id; the receiver reads it
 * back from the decoded picture and checks it against the capture time. For
 * audio, and for video from a clip, the number is the grid index of the
 * capture time.
 *
 * Memory: a peer and each subscription allocate when created; the per-packet
 * and per-frame paths allocate nothing after the first frames (codec
 * libraries manage their own buffers).
 *
 * A peer is not thread-safe; distinct peers may run on distinct threads,
 * unless they share a frame cache (config.frame_cache), which binds them to
 * one thread. The clip set is read-only once made and may be shared. */
#ifndef BLINDFOLD_PEERS_PEER_H
#define BLINDFOLD_PEERS_PEER_H

#include "hbh/hbh.h"
#include "sframe/sframe.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Errors ----------------------------------------------------------------- */

#define PEER_ERROR_LIST(X)                                                   \
    X(PEER_OK, "success")                                                    \
    X(PEER_ERR_INVALID_ARG, "argument out of range")                         \
    X(PEER_ERR_NO_MEMORY, "out of memory")                                   \
    X(PEER_ERR_NO_SPACE, "output buffer too small")                          \
    X(PEER_ERR_CODEC, "the codec library failed")                            \
    X(PEER_ERR_CRYPTO, "the E2EE transform failed (key, counter or crypto)") \
    X(PEER_ERR_SRTP, "hop-by-hop SRTP could not be set up")                  \
    X(PEER_ERR_NOT_FOUND, "no such remote sender, stream or key")            \
    X(PEER_ERR_EXISTS, "already present")                                    \
    X(PEER_ERR_FULL, "a configured bound is reached")                        \
    X(PEER_ERR_STATE, "not possible in the peer's current state")

typedef enum peer_err {
#define PEER__ENUM(name, msg) name,
    PEER_ERROR_LIST(PEER__ENUM)
#undef PEER__ENUM
        PEER_ERR__COUNT
} peer_err_t;

/* Message and identifier of an error code; never NULL. */
const char *peer_strerror(peer_err_t err);
const char *peer_errname(peer_err_t err);

/* --- Limits and helpers ------------------------------------------------------ */

#define PEER_MAX_LAYERS  8  /* simulcast layers of a video track */
#define PEER_RID_MAX     17 /* rid and mid bytes, NUL included */
#define PEER_MAX_REMOTES 4096

/* Virtual time of video frame n on the shared capture grid:
 * round(n * 1e6 / fps). */
uint64_t peer_video_capture_us(double fps, uint64_t n);
/* The grid index of a capture time: round(capture_us * fps / 1e6). */
uint64_t peer_video_frame_index(double fps, uint64_t capture_us);

/* --- Configuration ---------------------------------------------------------- */

typedef enum peer_scheme {
    PEER_SCHEME_SFRAME = 0,        /* RFC 9605 over the whole frame */
    PEER_SCHEME_INSERTABLE_LEGACY, /* Jitsi/LiveKit: clear prefix, AES-GCM, trailer */
    PEER_SCHEME_NONE,              /* no E2EE: the negative control */
} peer_scheme_t;

/* Deliberately broken transforms, for the confidentiality oracle's negative
 * controls. Never use them for anything else. Each keeps the frame layout
 * of the scheme (sframe: an SFrame header first) so the SFU forwards it as
 * usual, and the receiving peers undo it so the call itself works: only the
 * oracle can tell. Like the scheme, the transform is the call's: a peer
 * applies its own config.test_transform to what it sends and expects it in
 * what it receives. Only scheme sframe has them (peer_new refuses any
 * other scheme with a transform: PEER_ERR_INVALID_ARG). clear_head in
 * peer_sent_frame_t stays what the scheme declares (the SFrame header):
 * the oracle compares the wire against that declaration. */
typedef enum peer_test_transform {
    PEER_TEST_TRANSFORM_OFF = 0,
    /* SFrame header (KID and counter as usual), then the frame XORed with
     * a constant 16-byte pattern, no tag. */
    PEER_TEST_TRANSFORM_XOR_CONSTANT,
    PEER_TEST_TRANSFORM_CTR_REUSE, /* SFrame with the counter stuck at 0: nonce reuse */
    /* SFrame header, the first floor(n / 2) bytes of the frame in clear,
     * then the SFrame ciphertext and tag of the rest. */
    PEER_TEST_TRANSFORM_HALF_CLEAR,
} peer_test_transform_t;

/* How keyframes and frame boundaries travel in clear (the scenario's
 * e2ee.keyframe_signal). */
typedef enum peer_signal {
    PEER_SIGNAL_DEPENDENCY_DESCRIPTOR = 0,
    PEER_SIGNAL_FRAME_MARKING,
    /* The VP8 P bit in a clear prefix: insertable-legacy or none (refused
     * with sframe, whose header hides it). */
    PEER_SIGNAL_CLEAR_PREFIX,
} peer_signal_t;

typedef enum peer_video_source {
    PEER_VIDEO_PATTERN = 0, /* rendered and encoded live; receivers decode and verify */
    PEER_VIDEO_CLIP,        /* a peer_clips_t replayed; receivers verify checksums */
} peer_video_source_t;

typedef enum peer_kind {
    PEER_KIND_AUDIO = 0,
    PEER_KIND_VIDEO,
} peer_kind_t;

/* RFC 8285 one-byte IDs (1..14) the peer uses; 0 = not sent. Receivers
 * expect the same IDs on what the SFU forwards. */
typedef struct peer_ext_ids {
    uint8_t audio_level;
    uint8_t twcc;
    uint8_t mid;
    uint8_t rid;
    uint8_t dependency_descriptor;
    uint8_t frame_marking;
    uint8_t abs_capture_time;
} peer_ext_ids_t;

/* audio_level 1, twcc 2, mid 3, rid 4, dependency_descriptor 5,
 * frame_marking 6, abs_capture_time 7. */
peer_ext_ids_t peer_ext_ids_default(void);

typedef struct peer_layer_config {
    char rid[PEER_RID_MAX];
    uint32_t width, height; /* even; the encoded size */
    uint32_t max_kbps;      /* the layer encoder's CBR target */
    uint32_t ssrc;
    uint32_t rtx_ssrc; /* 0: no RTX for this layer */
    uint16_t first_seq;
    uint16_t first_rtx_seq;
    uint32_t first_timestamp; /* RTP timestamp of capture time 0 */
    uint16_t first_picture_id;
} peer_layer_config_t;

typedef struct peer_clips peer_clips_t;
typedef struct peer_frame_cache peer_frame_cache_t; /* see "Frame cache" below */

typedef struct peer_video_config {
    bool enabled;
    peer_video_source_t source;
    uint32_t width, height;        /* the source picture; layers scale it down */
    double fps;                    /* (0, 240] */
    uint64_t keyframe_interval_us; /* 0: at start and on request only */
    unsigned n_layers;             /* 1..PEER_MAX_LAYERS, lowest first */
    peer_layer_config_t layers[PEER_MAX_LAYERS];
    uint8_t payload_type;      /* default 96 */
    uint8_t rtx_payload_type;  /* default 97 */
    char mid[PEER_RID_MAX];    /* default "1" */
    uint64_t pattern_seed;     /* texture seed, shared by the call (receivers regenerate) */
    const peer_clips_t *clips; /* PEER_VIDEO_CLIP: one clip per layer, same layer sizes */
    unsigned encoder_speed;    /* libvpx cpu-used 4..16; default 8 */
} peer_video_config_t;

typedef struct peer_audio_config {
    bool enabled;
    uint32_t kbps;     /* 6..510 */
    uint32_t ptime_ms; /* 10, 20, 40 or 60 */
    uint32_t ssrc;
    uint16_t first_seq;
    uint32_t first_timestamp; /* RTP timestamp of capture time 0 */
    uint8_t payload_type;     /* default 111 */
    char mid[PEER_RID_MAX];   /* default "0" */
} peer_audio_config_t;

/* Sent and received frames are reported through these; the pointers are
 * valid only during the call. */
typedef struct peer_sent_frame {
    uint32_t sender_id;
    peer_kind_t kind;
    unsigned layer; /* 0 for audio */
    uint32_t ssrc;
    uint64_t frame;      /* grid index */
    uint64_t capture_us; /* == now_us of the call */
    uint32_t rtp_timestamp;
    bool keyframe;
    const uint8_t *plaintext; /* the encoded frame */
    size_t plaintext_len;
    const uint8_t *protected_frame; /* after the E2EE transform: what is packetized */
    size_t protected_len;
    /* Bytes of protected_frame the scheme declares readable: the SFrame
     * header (sframe), the clear prefix (insertable-legacy), everything
     * (none); clear_tail the legacy trailer (IV, IV length, key index). */
    size_t clear_head;
    size_t clear_tail;
    uint64_t epoch;   /* key epoch; 0 for none */
    uint64_t kid;     /* sframe: the frame's KID */
    uint64_t ctr;     /* sframe: the frame's counter */
    unsigned packets; /* RTP packets it became */
} peer_sent_frame_t;

/* What became of one received frame. Every frame the jitter buffer
 * releases gets exactly one record:
 *  - a video frame that never completed has none; it shows in
 *    frames_dropped;
 *  - an audio frame the jitter buffer gave up on (lost: PLC fills its time)
 *    has one with decrypted, decoded and verified false, and capture_us
 *    extrapolated from the stream's other frames (0 before any carried
 *    abs-capture-time);
 *  - a frame held for its key gets its record when it is settled (its key
 *    came, or it waited key_hold_ms), with waited_for_key set. */
typedef struct peer_frame_record {
    uint32_t receiver_id;
    uint32_t sender_id;
    peer_kind_t kind;
    unsigned layer;      /* video: from the decoded size (or the clip); audio 0 */
    uint64_t frame;      /* grid index (the burned-in number for decoded video) */
    uint64_t capture_us; /* from abs-capture-time; 0 when the packet lacked it */
    /* Release from the jitter buffer (video) or playout (audio); for a
     * frame held for its key, when it was settled. */
    uint64_t render_us;
    bool keyframe;
    /* Audio: no packet of the frame arrived in time; Opus concealed it.
     * Such a record says only that playout passed the frame: it was never
     * received, so decrypted, decoded and verified are false. */
    bool lost;
    bool decrypted;
    bool waited_for_key; /* held for its key first (see e2ee_result) */
    int e2ee_result;     /* private result code, for diagnostics only */
    bool decoded;
    /* Pattern video: the burned-in code read back matches sender_id and
     * the frame number of capture_us. Clip video: the checksum matches a
     * frame of the layer's clip. Audio: decoded. */
    bool verified;
    double psnr_db; /* pattern video, when measured; NaN otherwise */
    uint64_t epoch; /* the key epoch that opened it; 0 when not decrypted */
} peer_frame_record_t;

typedef void (*peer_sink_fn)(void *ctx, uint32_t peer_id, uint64_t now_us, const uint8_t *bytes,
                             size_t len);
typedef void (*peer_sent_fn)(void *ctx, uint64_t now_us, const peer_sent_frame_t *frame);
typedef void (*peer_frame_fn)(void *ctx, uint64_t now_us, const peer_frame_record_t *record);

typedef struct peer_config {
    uint32_t id;       /* participant id; the SFrame sender id; burned in (low 16 bits) */
    uint32_t index;    /* the peer's position: its tone frequency */
    uint64_t start_us; /* first capture at or after this */
    peer_video_config_t video;
    peer_audio_config_t audio;

    /* E2EE. */
    peer_scheme_t scheme;
    sframe_suite_t suite;                   /* sframe; default AES_128_GCM_SHA256_128 */
    sframe_legacy_variant_t legacy_variant; /* insertable-legacy; default JITSI */
    peer_signal_t signal;                   /* default DEPENDENCY_DESCRIPTOR */
    peer_test_transform_t test_transform;   /* default OFF */
    uint32_t key_grace_ms;                  /* previous epoch kept; default 2000 */
    uint32_t key_hold_ms;                   /* a frame waits this long for its key; 2000 */

    /* Transport toward the SFU. */
    hbh_profile_t srtp_profile;  /* default AEAD_AES_128_GCM */
    hbh_role_t dtls_role;        /* the peer's side; default CLIENT */
    uint8_t keying_material[64]; /* RFC 5764 material, copied (wiped on free) */
    size_t keying_material_len;
    uint32_t rtcp_ssrc; /* SSRC of RR/NACK/PLI/TWCC when sending nothing */
    /* Largest RTP packet before SRTP, 256..1500, sent or accepted from the
     * SFU (the call's peers share it); default 1200. */
    size_t mtu;
    peer_ext_ids_t ext;
    double pacing_factor;      /* default 2.5 */
    uint32_t rtcp_interval_ms; /* SR/RR period; default 1000 */
    uint32_t twcc_interval_ms; /* transport feedback period; default 100; 0 = off */

    /* Receiving. */
    bool nack;                 /* NACK lost video packets; default true */
    uint32_t nack_max_retries; /* default 10 */
    uint32_t pli_interval_ms;  /* default 300 */
    /* PSNR of decoded pattern video: every psnr_every-th frame number
     * (n % psnr_every == 0); 1 = every frame (default), 0 = never. */
    uint32_t psnr_every;
    bool decode; /* false: skip decoding (checksum only); default true */

    /* Pattern pictures shared by the call's peers (see "Frame cache"
     * below): this peer renders its layers into it and finds its PSNR
     * references there. Not owned; it must outlive the peer. NULL (the
     * default): the peer renders everything itself. Outputs are the same
     * either way. */
    peer_frame_cache_t *frame_cache;

    peer_sink_fn sink; /* required; it must not call back into the same peer */
    void *sink_ctx;
    peer_sent_fn on_sent; /* may be NULL */
    void *on_sent_ctx;
    peer_frame_fn on_frame; /* may be NULL */
    void *on_frame_ctx;
} peer_config_t;

/* Defaults as documented per field: id 1, video and audio disabled, scheme
 * sframe, no SRTP keys (profile AEAD_AES_128_GCM: set keying material or
 * choose HBH_PROFILE_NONE). */
peer_config_t peer_config_default(void);

/* What a peer receives from one remote sender through the SFU: the SFU's
 * outgoing SSRCs toward this peer (sfu_subscription_config_t), and the
 * sender's media description. */
typedef struct peer_remote_config {
    uint32_t sender_id;
    peer_kind_t kind;
    uint32_t ssrc;     /* the SFU's outgoing SSRC */
    uint32_t rtx_ssrc; /* 0: none */
    uint8_t payload_type;
    uint8_t rtx_payload_type;
    /* Video: the sender's layers (sizes identify the layer of a decoded
     * frame), its fps and pattern seed (to regenerate frames for PSNR) or
     * clips (to check checksums). */
    peer_video_source_t source;
    double fps;
    uint32_t width, height;
    unsigned n_layers;
    uint32_t layer_width[PEER_MAX_LAYERS], layer_height[PEER_MAX_LAYERS];
    uint64_t pattern_seed;
    const peer_clips_t *clips;
    uint32_t ptime_ms; /* audio */
} peer_remote_config_t;

/* --- Lifetime ----------------------------------------------------------------- */

typedef struct peer peer_t;

/* Errors: PEER_ERR_INVALID_ARG (a field out of range, no sink, clip source
 * without clips of matching sizes), PEER_ERR_SRTP (keying material that does
 * not fit the profile), PEER_ERR_CODEC, PEER_ERR_CRYPTO, PEER_ERR_NO_MEMORY. */
peer_err_t peer_new(const peer_config_t *config, peer_t **out);

/* Wipes keys and frees everything; NULL accepted. */
void peer_free(peer_t *peer);

/* Starts receiving one stream (`kind`) of a remote sender. The scheme,
 * suite, signal, test transform and extension IDs are the peer's own (the
 * call's). Errors: PEER_ERR_INVALID_ARG, PEER_ERR_EXISTS (SSRC in use, or
 * the sender's stream of that kind already added), PEER_ERR_FULL,
 * PEER_ERR_NO_MEMORY. */
peer_err_t peer_add_remote(peer_t *peer, const peer_remote_config_t *remote);
/* Stops receiving from a sender (all its streams). PEER_ERR_NOT_FOUND. */
peer_err_t peer_remove_remote(peer_t *peer, uint32_t sender_id);

/* --- Keys (the harness plays the key server) ---------------------------------- */

/* The peer's own base key for `epoch` (all its streams). A newer epoch is a
 * rekey. Scheme none accepts and ignores keys. Errors: PEER_ERR_INVALID_ARG
 * (NULL or empty key, an epoch not newer than the current one),
 * PEER_ERR_CRYPTO. */
peer_err_t peer_set_send_key(peer_t *peer, uint64_t epoch, const uint8_t *key, size_t len);
/* One ratchet step of the own key (RFC 9605 section 5.1), as on a join.
 * A no-op for scheme none. Errors: PEER_ERR_STATE (no key yet, or the last
 * ratchet step reached: rekey instead), PEER_ERR_CRYPTO. */
peer_err_t peer_ratchet_send_key(peer_t *peer);
/* A remote sender's base key of `epoch`, already ratcheted `step` times.
 * Errors: PEER_ERR_NOT_FOUND (no such remote), PEER_ERR_INVALID_ARG,
 * PEER_ERR_EXISTS, PEER_ERR_CRYPTO. */
peer_err_t peer_add_recv_key(peer_t *peer, uint32_t sender_id, uint64_t epoch, uint64_t step,
                             const uint8_t *key, size_t len, uint64_t now_us);

/* One ratchet step of a base key, exactly as the peer's own sender and its
 * receivers take it (RFC 9605 section 5.1 for sframe, the legacy ratchet
 * for insertable-legacy): the key server uses it to hand a newcomer the
 * ratcheted keys. `out` holds at least 64 bytes and may alias `key`.
 * Errors: PEER_ERR_INVALID_ARG (scheme none, empty key), PEER_ERR_CRYPTO. */
peer_err_t peer_ratchet_key(peer_scheme_t scheme, sframe_suite_t suite,
                            sframe_legacy_variant_t variant, const uint8_t *key, size_t len,
                            uint8_t *out, size_t *out_len);

/* --- Driving -------------------------------------------------------------------- */

/* One datagram from the SFU (SRTP or SRTCP). Problems are counted in the
 * stats, never returned: PEER_OK unless an argument is NULL. It only
 * stores: what the datagram makes due (frames, retransmissions, keyframes)
 * is done by the next peer_poll, which the caller runs right after (the
 * next wake-up may have moved earlier); the same holds after
 * peer_add_recv_key. */
peer_err_t peer_input(peer_t *peer, uint64_t now_us, const uint8_t *bytes, size_t len);

/* Does everything due at now_us (captures, encodes, paced sends, jitter
 * buffer releases, decodes, RTCP); returns the next time it wants to run,
 * always after now_us. */
uint64_t peer_poll(peer_t *peer, uint64_t now_us);

/* Asks every layer encoder for a keyframe (as a PLI would). */
void peer_request_keyframe(peer_t *peer);

/* --- Figures -------------------------------------------------------------------- */

typedef struct peer_remote_stats {
    uint32_t sender_id;
    peer_kind_t kind;
    uint64_t packets, bytes, rtx_packets, duplicates, late;
    uint64_t frames_complete; /* released by the jitter buffer (audio: not lost) */
    uint64_t frames_dropped;  /* video: incomplete or undecodable, dropped */
    uint64_t frames_lost;     /* audio: concealed */
    uint64_t frames_decrypted;
    uint64_t frames_decrypt_failed; /* authentication, unknown key, replay, malformed */
    /* Held frames whose key never came, and frames refused for a key
     * because the hold queue was full. */
    uint64_t frames_waiting_for_key;
    uint64_t frames_decoded, frames_decode_failed;
    uint64_t frames_verified, frames_verify_failed;
    uint64_t nacks_sent;        /* sequence numbers NACKed, retries included */
    uint64_t nack_packets_sent; /* RTCP NACK messages */
    uint64_t plis_sent;
    uint64_t layer_switches; /* changes of the decoded layer */
    unsigned layer;          /* the layer of the newest frame */
} peer_remote_stats_t;

typedef struct peer_stats {
    /* Sending. */
    uint64_t video_frames, audio_frames, keyframes; /* encoded; video: each layer counts */
    uint64_t packets_sent, bytes_sent;              /* every datagram, RTCP included, after SRTP */
    uint64_t rtp_packets_sent, rtx_packets_sent, rtcp_packets_sent;
    uint64_t nacks_received, plis_received, firs_received; /* RTCP messages */
    uint64_t pacer_dropped;
    /* Frames not sent at all: before the first send key (sframe and
     * insertable-legacy cannot protect them; never sent in clear), or when
     * encoding, the transform or packetizing failed. The layer's next frame
     * is then a keyframe. */
    uint64_t frames_not_sent;
    uint64_t twcc_feedback_received;
    /* Receiving. */
    uint64_t packets_received, bytes_received;
    uint64_t srtp_failures; /* authentication, replay and other SRTP errors */
    uint64_t malformed;     /* not RTP or RTCP, truncated */
    uint64_t unknown_ssrc;
    uint64_t twcc_feedback_sent;
    uint64_t rtt_us; /* to the SFU, from RR LSR/DLSR; 0 until measured */
} peer_stats_t;

peer_err_t peer_stats(const peer_t *peer, peer_stats_t *out);
/* Figures for one remote sender's stream of `kind`. PEER_ERR_NOT_FOUND. */
peer_err_t peer_remote_stats(const peer_t *peer, uint32_t sender_id, peer_kind_t kind,
                             peer_remote_stats_t *out);

/* --- Clips (video source "clip") -------------------------------------------------- */

/* Encodes `frames` pattern frames (sender id 0, seed video->pattern_seed)
 * once per layer of `video`, with a keyframe every keyframe_every frames,
 * for peers to replay in a loop. Errors: PEER_ERR_INVALID_ARG,
 * PEER_ERR_CODEC, PEER_ERR_NO_MEMORY. */
peer_err_t peer_clips_new(const peer_video_config_t *video, unsigned frames,
                          unsigned keyframe_every, peer_clips_t **out);
void peer_clips_free(peer_clips_t *clips);

/* --- Frame cache (pattern video) ----------------------------------------------- */

/* Pattern frame n of a sender at one size is a pure function of (sender id,
 * pattern seed, n, width, height): the sender renders it to encode a layer,
 * and every receiver of that layer renders the same picture again as its
 * PSNR reference. One cache given to all the peers of a call
 * (config.frame_cache) lets the sender render into it and the receivers
 * find it there, so each picture is rendered once. Records, packets and
 * PSNR values are bit-identical with and without a cache, whatever its size.
 *
 * Memory: peer_frame_cache_new allocates an arena of max_bytes and a fixed
 * table for at most 1024 pictures; nothing after. Pictures go in insertion
 * order and the oldest make room (first in, first out): a picture is wanted
 * within one network and jitter-buffer delay of its capture, and never
 * after. A picture larger than max_bytes is rendered but not kept. To hit,
 * the cache must hold what the call's senders render during the longest
 * receive delay: with the default layers (453,600 bytes a frame) at 30 fps,
 * about 13.6 MB per sender and second. No more: the arena's pages are first
 * touched as the ring goes round, so an oversized cache costs page faults
 * and adds no hits.
 *
 * Not thread-safe: share a cache only among peers driven by one thread. */

/* Errors: PEER_ERR_INVALID_ARG (max_bytes 0, out NULL), PEER_ERR_NO_MEMORY. */
peer_err_t peer_frame_cache_new(size_t max_bytes, peer_frame_cache_t **out);
/* NULL accepted. Free the peers using the cache first. */
void peer_frame_cache_free(peer_frame_cache_t *cache);

/* hits + misses is every picture asked for (each layer a sender renders,
 * each PSNR reference); a miss renders. entries = insertions - evictions. */
typedef struct peer_frame_cache_stats {
    uint64_t hits;
    uint64_t misses;
    uint64_t insertions; /* misses kept (all but pictures over max_bytes) */
    uint64_t evictions;
    uint64_t entries; /* pictures held now */
    uint64_t bytes;   /* their bytes, at most max_bytes */
} peer_frame_cache_stats_t;

/* Errors: PEER_ERR_INVALID_ARG (a NULL argument). */
peer_err_t peer_frame_cache_stats(const peer_frame_cache_t *cache, peer_frame_cache_stats_t *out);

#endif
