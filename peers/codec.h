/* peers/ codecs (private header): VP8 encoder and decoder over libvpx, Opus
 * encoder and decoder over libopus, and the "clip" mode that encodes a
 * layer's sequence once and replays it.
 *
 * Conventions shared by everything here:
 *  - No I/O and no clock. Time is the caller's now_us (virtual time,
 *    microseconds), used only as the encoder's presentation time.
 *  - Video frames are contiguous I420: the Y plane (width * height bytes),
 *    then U and V ((width / 2) * (height / 2) bytes each); width and height
 *    are even. peer__i420_size() gives the byte count.
 *  - Setup allocates (libvpx and libopus contexts, clip storage); the
 *    per-frame calls allocate nothing in this code, and libvpx / libopus do
 *    not allocate per frame after their first frame either.
 *  - Errors are peer__codec_err_t, 0 meaning success. When peers/peer.h
 *    brings the module's one error enum, these codes fold into it. */
#ifndef BLINDFOLD_PEERS_CODEC_H
#define BLINDFOLD_PEERS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PEER__CODEC_ERROR_LIST(X)                                             \
    X(PEER__CODEC_OK, "success")                                              \
    X(PEER__CODEC_ERR_INVALID_ARG, "argument out of range")                   \
    X(PEER__CODEC_ERR_NO_MEMORY, "allocation failed")                         \
    X(PEER__CODEC_ERR_NO_SPACE, "output buffer too small")                    \
    X(PEER__CODEC_ERR_CODEC, "the codec library reported an error")           \
    X(PEER__CODEC_ERR_CORRUPT, "the encoded frame is corrupt or undecodable") \
    X(PEER__CODEC_ERR_NEED_KEYFRAME,                                          \
      "the decoder has no valid reference: it waits for a keyframe")          \
    X(PEER__CODEC_ERR_CHECKSUM, "the frame does not match the clip's checksum")

typedef enum peer__codec_err {
#define PEER__CODEC_ENUM(name, msg) name,
    PEER__CODEC_ERROR_LIST(PEER__CODEC_ENUM)
#undef PEER__CODEC_ENUM
        PEER__CODEC_ERR__COUNT
} peer__codec_err_t;

/* Human-readable message for a code; never NULL, also for unknown codes. */
static inline const char *peer__codec_strerror(peer__codec_err_t err)
{
    static const char *const messages[] = {
#define PEER__CODEC_MSG(name, msg) msg,
        PEER__CODEC_ERROR_LIST(PEER__CODEC_MSG)
#undef PEER__CODEC_MSG
    };
    if ((unsigned)err >= (unsigned)PEER__CODEC_ERR__COUNT)
        return "unknown peers codec error";
    return messages[err];
}

/* Bytes of a contiguous I420 frame of width x height (both even). */
static inline size_t peer__i420_size(unsigned width, unsigned height)
{
    return (size_t)width * height + 2 * ((size_t)(width / 2) * (height / 2));
}

/* ---- VP8 encoder (peers/vp8_codec.c) --------------------------------------
 *
 * One encoder per simulcast layer, fed that layer's (already downscaled)
 * frames. libvpx realtime mode (VPX_DL_REALTIME), CBR at max_kbps, no
 * lookahead, one thread, one temporal layer (every frame is TID 0), no
 * frame dropping, keyframes only at start, on request and at the optional
 * interval. See vp8_codec.c for every libvpx setting and why. */

typedef struct peer__vp8_encoder_config {
    unsigned width, height; /* even, 16..4096 */
    unsigned fps;           /* nominal frame rate: frame duration for rate control */
    unsigned max_kbps;      /* CBR target, the layer's max_kbps */
    /* A keyframe when at least this much virtual time has passed since the
     * last one; 0 = only the first frame and requested ones (the scenario's
     * keyframe_interval_s * 1000000). */
    uint64_t keyframe_interval_us;
    /* libvpx cpu-used 4..16, higher is faster. It is passed negated, which
     * fixes the speed: a positive cpu-used lets libvpx adapt its speed to
     * the wall-clock encode time, and the output would then depend on the
     * machine's load instead of only on the input. */
    unsigned speed;
} peer__vp8_encoder_config_t;

/* 640x360 at 30 fps, 1500 kbps (the default scenario's top layer), no
 * periodic keyframe, speed 8. */
peer__vp8_encoder_config_t peer__vp8_encoder_config_default(void);

typedef struct peer__vp8_encoder peer__vp8_encoder_t;

/* One encoded frame. data points into the encoder (or the clip) and stays
 * valid until the next encode call on that encoder (for a clip: as long as
 * the clip lives and nothing is appended to it). len == 0 means the encoder
 * produced no frame (cannot happen with frame dropping off; callers skip
 * such a frame). */
typedef struct peer__encoded_frame {
    const uint8_t *data;
    size_t len;
    bool keyframe;
    uint64_t capture_us; /* the now_us the frame was encoded at */
} peer__encoded_frame_t;

/* Creates an encoder. Errors: INVALID_ARG (NULL, odd or out-of-range size,
 * fps or max_kbps 0, speed outside 4..16), NO_MEMORY, CODEC (libvpx refused
 * the configuration). *out is NULL on error. */
peer__codec_err_t peer__vp8_encoder_new(const peer__vp8_encoder_config_t *config,
                                        peer__vp8_encoder_t **out);

/* Frees the encoder; accepts NULL. */
void peer__vp8_encoder_free(peer__vp8_encoder_t *encoder);

/* The next encoded frame is a keyframe (a PLI or FIR arrived). */
void peer__vp8_encoder_request_keyframe(peer__vp8_encoder_t *encoder);

/* Changes the CBR target (congestion control); takes effect on the next
 * frame. Errors: INVALID_ARG (NULL or 0), CODEC. */
peer__codec_err_t peer__vp8_encoder_set_kbps(peer__vp8_encoder_t *encoder, unsigned kbps);

/* Encodes one I420 frame of the configured size (i420_len must be
 * peer__i420_size(width, height)) captured at now_us, which must grow
 * strictly from call to call. On success *frame describes the encoded
 * frame. Errors: INVALID_ARG (NULL, wrong length, now_us not after the
 * previous call's), CODEC (libvpx failed; the encoder should then be
 * recreated). */
peer__codec_err_t peer__vp8_encoder_encode(peer__vp8_encoder_t *encoder, const uint8_t *i420,
                                           size_t i420_len, uint64_t now_us,
                                           peer__encoded_frame_t *frame);

/* True when an encoded VP8 frame is a keyframe, from its uncompressed data
 * chunk (RFC 6386 section 9.1: P bit clear and the start code). */
bool peer__vp8_is_keyframe(const uint8_t *data, size_t len);

/* ---- VP8 decoder (peers/vp8_codec.c) ------------------------------------ */

typedef struct peer__vp8_decoder peer__vp8_decoder_t;

/* Creates a decoder (one thread, no post-processing). Errors: INVALID_ARG,
 * NO_MEMORY, CODEC. */
peer__codec_err_t peer__vp8_decoder_new(peer__vp8_decoder_t **out);

/* Frees the decoder; accepts NULL. */
void peer__vp8_decoder_free(peer__vp8_decoder_t *decoder);

/* Decodes one encoded frame into out_i420 (capacity out_cap) as contiguous
 * I420 and reports its size; the size may change at a keyframe (the SFU
 * switched layers). Errors:
 *  - INVALID_ARG: NULL pointers or len 0;
 *  - NEED_KEYFRAME: a delta frame while the decoder has no valid
 *    reference: before the first keyframe, or after an error, until the
 *    next keyframe decodes (the receiver should send a PLI);
 *  - CORRUPT: libvpx rejected the frame or flagged it corrupted
 *    (VP8D_GET_FRAME_CORRUPTED): garbage or truncated input; the decoder
 *    then waits for a keyframe;
 *  - NO_SPACE: out_cap is below the decoded frame's I420 size (*width and
 *    *height are still set, so the caller can grow its buffer).
 * Garbage input never crashes or reads outside [data, data + len). */
peer__codec_err_t peer__vp8_decoder_decode(peer__vp8_decoder_t *decoder, const uint8_t *data,
                                           size_t len, uint8_t *out_i420, size_t out_cap,
                                           unsigned *width, unsigned *height);

/* ---- Opus (peers/opus_codec.c) -------------------------------------------
 *
 * 48 kHz, 16-bit PCM, OPUS_APPLICATION_VOIP, one Opus frame per packet of
 * ptime. */

#define PEER__OPUS_RATE        48000
#define PEER__OPUS_MAX_PACKET  4000 /* bytes: libopus's recommended bound for any packet */
#define PEER__OPUS_MAX_SAMPLES 2880 /* per channel: 60 ms at 48 kHz */

typedef struct peer__opus_config {
    unsigned channels; /* 1 or 2 */
    unsigned kbps;     /* OPUS_SET_BITRATE, 6..510 */
    /* Packet duration in microseconds: 2500, 5000, 10000, 20000, 40000 or
     * 60000 (the scenario's ptime_ms * 1000). */
    unsigned ptime_us;
    unsigned complexity;      /* OPUS_SET_COMPLEXITY 0..10 */
    bool vbr;                 /* OPUS_SET_VBR; WebRTC's default is VBR */
    bool inband_fec;          /* OPUS_SET_INBAND_FEC */
    unsigned packet_loss_pct; /* OPUS_SET_PACKET_LOSS_PERC, what FEC plans for */
} peer__opus_config_t;

/* Mono, 32 kbps, 20 ms, complexity 9, VBR, no FEC: the default scenario's
 * audio as a WebRTC browser sends it, minus FEC (a lossless default). */
peer__opus_config_t peer__opus_config_default(void);

/* Samples per channel in one packet of config->ptime_us (960 for 20 ms). */
unsigned peer__opus_frame_samples(const peer__opus_config_t *config);

typedef struct peer__opus_encoder peer__opus_encoder_t;
typedef struct peer__opus_decoder peer__opus_decoder_t;

/* Errors: INVALID_ARG (a field out of range), NO_MEMORY, CODEC. */
peer__codec_err_t peer__opus_encoder_new(const peer__opus_config_t *config,
                                         peer__opus_encoder_t **out);
void peer__opus_encoder_free(peer__opus_encoder_t *encoder);

/* Changes the target bitrate. Errors: INVALID_ARG, CODEC. */
peer__codec_err_t peer__opus_encoder_set_kbps(peer__opus_encoder_t *encoder, unsigned kbps);

/* Encodes exactly one ptime of interleaved PCM (frame_samples * channels
 * samples) into out (capacity out_cap; PEER__OPUS_MAX_PACKET always
 * suffices) and sets *out_len. Errors: INVALID_ARG (NULL or a wrong
 * sample count), NO_SPACE, CODEC. */
peer__codec_err_t peer__opus_encoder_encode(peer__opus_encoder_t *encoder, const int16_t *pcm,
                                            size_t samples, uint8_t *out, size_t out_cap,
                                            size_t *out_len);

/* A decoder for config->channels channels at 48 kHz; it uses channels and
 * ptime_us only (for the PLC length). Errors as for the encoder. */
peer__codec_err_t peer__opus_decoder_new(const peer__opus_config_t *config,
                                         peer__opus_decoder_t **out);
void peer__opus_decoder_free(peer__opus_decoder_t *decoder);

/* Decodes one packet into pcm (capacity pcm_cap samples, interleaved) and
 * sets *samples_per_channel. data == NULL (len ignored) is a lost packet:
 * the decoder's packet loss concealment fills one ptime. Errors:
 * INVALID_ARG, NO_SPACE (pcm_cap below the packet's duration), CORRUPT
 * (libopus rejected the packet). */
peer__codec_err_t peer__opus_decoder_decode(peer__opus_decoder_t *decoder, const uint8_t *data,
                                            size_t len, int16_t *pcm, size_t pcm_cap,
                                            size_t *samples_per_channel);

/* ---- Clip mode (peers/clip.c) ---------------------------------------------
 *
 * For large rooms: a layer's sequence is encoded once, the encoded frames
 * are kept, and every sender of that layer replays them in a loop.
 * Receivers check each frame's FNV-1a 64 checksum instead of decoding.
 * Frame 0 of a clip is always a keyframe, so the loop from the last frame
 * back to frame 0 is decodable. */

typedef struct peer__clip peer__clip_t;

typedef struct peer__clip_config {
    unsigned frame_count; /* frames in the clip, >= 1 */
    /* A keyframe every this many frames (0 = frame 0 only). Keyframe
     * requests jump to the next clip keyframe, so this bounds how far a
     * request skips ahead (see peer__clip_player_request_keyframe). */
    unsigned keyframe_every;
} peer__clip_config_t;

/* 300 frames (10 s at 30 fps), a keyframe every 30 frames (1 s). */
peer__clip_config_t peer__clip_config_default(void);

/* Renders source frame frame_number as I420 into i420 (i420_len bytes). */
typedef void (*peer__clip_render_fn)(void *user, unsigned frame_number, uint8_t *i420,
                                     size_t i420_len);

/* Encodes frames 0 .. frame_count - 1 from render with a fresh encoder of
 * encoder_config (its keyframe_interval_us is ignored: clip keyframes follow
 * keyframe_every), at capture times n * 1000000 / fps, and keeps them.
 * Errors: INVALID_ARG, NO_MEMORY, and the encoder's errors. */
peer__codec_err_t peer__clip_encode(const peer__clip_config_t *config,
                                    const peer__vp8_encoder_config_t *encoder_config,
                                    peer__clip_render_fn render, void *user, peer__clip_t **out);

/* An empty clip that frames are appended to (frames from elsewhere, or
 * tests). capacity_frames bounds the frame count. */
peer__codec_err_t peer__clip_new(unsigned capacity_frames, peer__clip_t **out);

/* Appends a copy of one encoded frame. The first frame must be a keyframe
 * (INVALID_ARG otherwise); NO_SPACE once capacity_frames are held. */
peer__codec_err_t peer__clip_append(peer__clip_t *clip, const uint8_t *data, size_t len,
                                    bool keyframe);

void peer__clip_free(peer__clip_t *clip);

unsigned peer__clip_frame_count(const peer__clip_t *clip);

/* Frame index (0 .. frame_count - 1) as an encoded frame (capture_us 0),
 * with its checksum. Errors: INVALID_ARG (index out of range). */
peer__codec_err_t peer__clip_frame(const peer__clip_t *clip, unsigned index,
                                   peer__encoded_frame_t *frame, uint64_t *checksum);

/* FNV-1a 64 over len bytes. */
uint64_t peer__clip_checksum(const uint8_t *data, size_t len);

/* What a receiver does instead of decoding: OK when data is exactly frame
 * index of the clip (checksum and length), CHECKSUM when it is not,
 * INVALID_ARG for an index out of range. */
peer__codec_err_t peer__clip_verify(const peer__clip_t *clip, unsigned index, const uint8_t *data,
                                    size_t len);

/* A sender's position in a clip. Many players share one clip. */
typedef struct peer__clip_player {
    const peer__clip_t *clip;
    unsigned next_index;   /* clip frame the next call returns */
    bool keyframe_pending; /* a request arrived: jump to the next keyframe */
    uint64_t frames_sent;
} peer__clip_player_t;

/* Starts a player at clip frame 0 (a keyframe). */
void peer__clip_player_init(peer__clip_player_t *player, const peer__clip_t *clip);

/* Keyframe request: the next frame the player returns is the first clip
 * keyframe at or after its position (wrapping to frame 0), and playback
 * continues in order from there. The clip is not re-encoded and no frame is
 * re-inserted out of order, so every replayed sequence is one the encoder
 * produced and stays decodable; the cost is a skip of up to keyframe_every
 * - 1 frames of content. */
void peer__clip_player_request_keyframe(peer__clip_player_t *player);

/* The next frame to send, captured at now_us, and its clip index and
 * checksum (which the receiver verifies). Never fails on an initialised
 * player. */
void peer__clip_player_next(peer__clip_player_t *player, uint64_t now_us,
                            peer__encoded_frame_t *frame, unsigned *index, uint64_t *checksum);

#endif
