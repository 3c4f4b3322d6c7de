/* Codec payload formats: the VP8 payload descriptor (RFC 7741 section 4.2),
 * the start of a VP8 frame (RFC 7741 section 4.3, RFC 6386 section 9.1) and
 * the Opus TOC byte (RFC 6716 sections 3.1 and 3.2).
 *
 * These are what an SFU reads, and rewrites, in a payload it otherwise
 * forwards untouched. Under the legacy insertable-streams E2EE scheme only
 * a clear prefix of the codec data is readable (VP8: 10 bytes of a key
 * frame, 3 of a delta frame; Opus: the TOC byte), which is why the peek
 * functions report how much they could decode. */
#ifndef BLINDFOLD_RTP_PAYLOAD_H
#define BLINDFOLD_RTP_PAYLOAD_H

#include "rtp/rtp_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- VP8 payload descriptor (RFC 7741 section 4.2) -------------------- */

#define RTP_VP8_DESC_MAX_LEN      6      /* 1 + X + 2 (PictureID) + L + T/K */
#define RTP_VP8_PICTURE_ID_MAX_7  0x7f   /* M = 0 */
#define RTP_VP8_PICTURE_ID_MAX_15 0x7fff /* M = 1 */

/* A VP8 payload descriptor. The has_* flags are the I, L, T and K bits;
 * each value is meaningful only when its flag is set (the parser leaves
 * the others zero, the writer ignores them). */
typedef struct rtp_vp8_desc {
    bool non_reference;      /* N: the frame can be discarded */
    bool start_of_partition; /* S */
    uint8_t partition_index; /* PID, 0..7 */

    /* X: the extension octet is present. The parser reports the bit as
     * sent (an extension octet with I = L = T = K = 0 is legal); the writer
     * also emits the octet whenever any of I, L, T, K is set. */
    bool extended;

    bool has_picture_id;  /* I */
    bool picture_id_long; /* M: the 15-bit form (2 bytes) rather than 7-bit */
    uint16_t picture_id;  /* 0..127, or 0..32767 when picture_id_long */

    bool has_tl0picidx; /* L; RFC 7741 requires T whenever L is set */
    uint8_t tl0picidx;

    bool has_tid;    /* T */
    uint8_t tid;     /* TID, 0..3 */
    bool layer_sync; /* Y; read and written only with T (see rtp_vp8_desc_parse) */

    bool has_keyidx; /* K */
    uint8_t keyidx;  /* KEYIDX, 0..31 */
} rtp_vp8_desc_t;

/* Parses the payload descriptor at the start of a VP8 RTP payload (the
 * bytes after the RTP header). `*desc_len` receives its length, 1..6; the
 * VP8 payload starts at payload + *desc_len.
 *
 * Reserved bits (R in the first octet, RSV in the extension octet) are
 * ignored, as RFC 7741 requires of a receiver. With K = 1 and T = 0 the
 * TID and Y bits "MUST be ignored" and are reported as zero; likewise
 * KEYIDX with T = 1 and K = 0.
 *
 * Errors: RTP_ERR_TRUNCATED when the payload ends inside the descriptor,
 * or right after it: a VP8 RTP packet carries at least one byte of VP8
 * data, so a payload that is only a descriptor is cut short;
 * RTP_ERR_MALFORMED when L = 1 and T = 0 (RFC 7741: "When set to 1, the
 * TL0PICIDX MUST be present ... and the T bit MUST be set to 1"). On
 * error *out is zeroed and *desc_len is left unchanged. */
rtp_err_t rtp_vp8_desc_parse(const uint8_t *payload, size_t len, rtp_vp8_desc_t *out,
                             size_t *desc_len);

/* Length in bytes of the descriptor rtp_vp8_desc_write() would write for
 * `desc`, 1..6. Does not validate the values. */
size_t rtp_vp8_desc_size(const rtp_vp8_desc_t *desc);

/* Writes `desc` to `out`, honouring the requested PictureID width
 * (picture_id_long), with every reserved bit zero. `*written` receives the
 * length, which equals rtp_vp8_desc_size(desc).
 *
 * Errors: RTP_ERR_INVALID_ARG for partition_index > 7, a picture_id that
 * does not fit its width (> 127 with picture_id_long false, > 32767),
 * tid > 3, keyidx > 31, or has_tl0picidx without has_tid;
 * RTP_ERR_NO_SPACE when `cap` is smaller than the descriptor. Nothing is
 * written on error. */
rtp_err_t rtp_vp8_desc_write(const rtp_vp8_desc_t *desc, uint8_t *out, size_t cap, size_t *written);

/* Rewrites, in place, the PictureID and TL0PICIDX of the descriptor at the
 * start of `payload` without moving any byte: the PictureID keeps its
 * width (M bit) and each field is changed only if present; the rest of the
 * descriptor, reserved bits included, and the VP8 data are left as they
 * are. This is the SFU's per-receiver rewrite.
 *
 * Errors: those of rtp_vp8_desc_parse(); RTP_ERR_INVALID_ARG for
 * picture_id > 32767; RTP_ERR_UNSUPPORTED when the descriptor carries a
 * 7-bit PictureID and picture_id > 127: the 15-bit form is one byte longer,
 * so the caller must parse, set picture_id_long and rtp_vp8_desc_write()
 * into a new buffer. On error `payload` is unchanged. */
rtp_err_t rtp_vp8_desc_rewrite(uint8_t *payload, size_t len, uint16_t picture_id,
                               uint8_t tl0picidx);

/* True when the packet starts a VP8 frame (S = 1 and PID = 0), the only
 * packet that carries the VP8 payload header (RFC 7741 section 4.3). */
static inline bool rtp_vp8_desc_starts_frame(const rtp_vp8_desc_t *desc)
{
    return desc->start_of_partition && desc->partition_index == 0;
}

/* --- Start of a VP8 frame (RFC 7741 section 4.3, RFC 6386 section 9.1) - */

/* How much of the frame start rtp_vp8_peek() could decode; each level
 * includes the ones before it. */
typedef enum rtp_vp8_have {
    RTP_VP8_HAVE_NOTHING = 0,
    RTP_VP8_HAVE_TAG_BYTE,   /* 1 byte: keyframe, version, show_frame */
    RTP_VP8_HAVE_TAG,        /* 3 bytes: + first_partition_size */
    RTP_VP8_HAVE_START_CODE, /* key frames, 6 bytes: start code 9d 01 2a checked */
    RTP_VP8_HAVE_DIMENSIONS, /* key frames, 10 bytes: + width, height, scales */
} rtp_vp8_have_t;

/* The uncompressed start of a VP8 frame. Fields beyond `have` are zero. */
typedef struct rtp_vp8_frame_info {
    rtp_vp8_have_t have;
    bool keyframe;                 /* P (frame type) bit == 0 */
    uint8_t version;               /* 0..7; 0..3 are defined, others reserved */
    bool show_frame;               /* H */
    uint32_t first_partition_size; /* 19 bits, in bytes */
    uint16_t width;                /* 14 bits */
    uint8_t horizontal_scale;      /* 2 bits */
    uint16_t height;               /* 14 bits */
    uint8_t vertical_scale;        /* 2 bits */
} rtp_vp8_frame_info_t;

/* Decodes the frame tag (3 bytes) and, for a key frame, the start code and
 * dimensions (7 more bytes) at the start of `vp8`, the VP8 data after the
 * payload descriptor of a packet for which rtp_vp8_desc_starts_frame() is
 * true. Under E2EE, pass only the clear prefix.
 *
 * Returns RTP_OK when every field the frame type defines was present: 3
 * bytes for a delta frame, 10 for a key frame.
 *
 * Errors: RTP_ERR_TRUNCATED when fewer bytes were available; *out still
 * holds what they gave, and out->have says how much that is (with 1 or 2
 * bytes the P bit is known: enough to tell a key frame); RTP_ERR_MALFORMED
 * when a key frame's start code is not 9d 01 2a (out->have is then
 * RTP_VP8_HAVE_TAG). */
rtp_err_t rtp_vp8_peek(const uint8_t *vp8, size_t len, rtp_vp8_frame_info_t *out);

/* --- Opus TOC byte (RFC 6716 sections 3.1 and 3.2) -------------------- */

#define RTP_OPUS_MAX_PACKET_US 120000 /* R5: at most 120 ms of audio a packet */

typedef enum rtp_opus_mode {
    RTP_OPUS_MODE_SILK = 0,
    RTP_OPUS_MODE_HYBRID,
    RTP_OPUS_MODE_CELT,
} rtp_opus_mode_t;

typedef enum rtp_opus_bandwidth {
    RTP_OPUS_BW_NB = 0, /* narrowband, 4 kHz */
    RTP_OPUS_BW_MB,     /* medium-band, 6 kHz */
    RTP_OPUS_BW_WB,     /* wideband, 8 kHz */
    RTP_OPUS_BW_SWB,    /* super-wideband, 12 kHz */
    RTP_OPUS_BW_FB,     /* fullband, 20 kHz */
} rtp_opus_bandwidth_t;

typedef struct rtp_opus_toc {
    uint8_t config; /* 0..31 */
    rtp_opus_mode_t mode;
    rtp_opus_bandwidth_t bandwidth;
    uint32_t frame_duration_us; /* 2500, 5000, 10000, 20000, 40000 or 60000 */
    bool stereo;                /* s */
    uint8_t code;               /* c, frame count code 0..3 */
    /* Frames in the packet: 1 for code 0, 2 for codes 1 and 2, M for code
     * 3. Zero when unknown (rtp_opus_toc_decode() of a code 3 TOC). */
    uint8_t frame_count;
    bool vbr;             /* code 3 only: v */
    bool padded;          /* code 3 only: p, Opus padding present */
    uint32_t samples_48k; /* frame_count times the samples of one frame at 48 kHz */
} rtp_opus_toc_t;

/* Decodes the TOC byte alone: everything but the code 3 frame count, which
 * needs the next byte (frame_count and samples_48k are then zero). This is
 * all an SFU can read when only the TOC byte is clear. Never fails. */
void rtp_opus_toc_decode(uint8_t toc, rtp_opus_toc_t *out);

/* Parses the TOC byte of an Opus packet (the RTP payload) and, for code 3,
 * the frame count byte. Only these are checked: frame lengths and Opus
 * padding (RFC 6716 section 3.4, R2-R4, R6, R7) are not, since under E2EE
 * the bytes after the TOC are ciphertext.
 *
 * Errors: RTP_ERR_TRUNCATED for an empty payload (R1) or a code 3 packet
 * of 1 byte (R6, R7: code 3 packets have at least 2); RTP_ERR_MALFORMED
 * for code 3 with M = 0 or more than 120 ms of audio (R5). On error *out
 * is zeroed. */
rtp_err_t rtp_opus_toc_parse(const uint8_t *payload, size_t len, rtp_opus_toc_t *out);

/* The TOC byte for `config` (0..31), `stereo` and frame count `code`
 * (0..3). Each argument is reduced to its field width (config & 31,
 * code & 3), as a bit-field store would. */
uint8_t rtp_opus_toc_make(uint8_t config, bool stereo, uint8_t code);

#endif
