/* peers/packetizer.h: turns one encoded (possibly E2EE-encrypted) frame into
 * RTP packets of one stream, private to peers/.
 *
 * The frame bytes are opaque: they are copied into the payloads unread,
 * split at whatever byte the MTU dictates. What a receiver or the SFU needs
 * in clear comes from the packetizer, never from the frame:
 *   - VP8 (RFC 7741 section 4.2): a payload descriptor in every packet with
 *     X=1, I=1 and a 15-bit PictureID (one per frame, +1 each frame), and,
 *     when vp8_tl0picidx is set, L=1 T=1 with TID 0 and a TL0PICIDX that
 *     grows by one every frame (every frame is a base-layer frame); S=1 and
 *     PID 0 on the first packet of a frame, S=0 PID 0 on the others; the
 *     marker bit on the last packet (RFC 7741 section 4.1).
 *   - Opus (RFC 7587 section 4.2): the whole frame in one packet; the marker
 *     bit on the first packet of the stream and on the first packet of a
 *     talkspurt after DTX (meta->talkspurt_start), RFC 7587 section 4.1 and
 *     RFC 3551 section 4.1.
 *   - Header extensions in the one-byte form (RFC 8285 section 4.2), each
 *     with the ID its config field gives (0 = not sent): audio level
 *     (RFC 6464, audio only), transport-wide sequence number (one per
 *     packet from the caller's per-peer counter), mid and rid (RFC 8843,
 *     RFC 8852: on the first mid_rid_packets packets of the stream, or on
 *     every packet when mid_rid_packets is 0, the default, so a receiver
 *     that lost the first packets still learns them), and, for video, per
 *     config either the AV1 dependency descriptor (start/end of frame, frame
 *     number, template id; an L1T1 template structure attached to the first
 *     packet of every keyframe) or frame marking (RFC 9626 short form:
 *     S/E/I/D, D always 0 since every frame is referenced); and
 *     abs-capture-time (8-byte form: the frame's capture time as NTP
 *     Q32.32) on the first packet of every frame that has one
 *     (meta->has_capture_time).
 *
 * Packets are filled greedily: each takes as much of the frame as its MTU
 * leaves after the header, extensions and descriptor. RTX and SRTP are not
 * done here (rtp_rtx_wrap and the sender's SRTP session do them).
 *
 * No allocation: the packetizer is a caller-owned struct; output goes to
 * caller-owned buffers. Errors are rtp/'s codes (the wire layer's); the
 * peer maps them to peer_err_t at its public boundary. */
#ifndef BLINDFOLD_PEERS_PACKETIZER_H
#define BLINDFOLD_PEERS_PACKETIZER_H

#include "rtp/rtp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum peer__media_kind {
    PEER__MEDIA_AUDIO = 0, /* Opus, RFC 7587 */
    PEER__MEDIA_VIDEO,     /* VP8, RFC 7741 */
} peer__media_kind_t;

/* How keyframes and frame boundaries travel in clear. */
typedef enum peer__frame_signal {
    PEER__SIGNAL_NONE = 0,      /* nothing beyond the VP8 descriptor */
    PEER__SIGNAL_DD,            /* AV1 dependency descriptor extension */
    PEER__SIGNAL_FRAME_MARKING, /* frame marking extension (RFC 9626) */
} peer__frame_signal_t;

/* Longest mid or rid value (the one-byte form carries 16 bytes at most). */
#define PEER__MID_RID_MAX 16
/* Largest extension block one packet gets: audio level 2, twcc 3, mid 17,
 * rid 17, DD 17 (or frame marking 2), abs-capture-time 9, padded to 4. */
#define PEER__EXT_BLOCK_MAX 68

typedef struct peer__packetizer_config {
    peer__media_kind_t kind;
    uint32_t ssrc;
    uint8_t payload_type;      /* 0..127 */
    uint16_t first_seq;        /* RTP sequence number of the first packet */
    uint16_t first_picture_id; /* VP8 PictureID of the first frame, 0..32767 */
    uint8_t first_tl0picidx;   /* VP8 TL0PICIDX of the first frame */
    size_t mtu;                /* largest RTP packet, bytes; >= 64 */
    bool vp8_tl0picidx;        /* send L/T (TL0PICIDX, TID 0) */
    peer__frame_signal_t signal;
    /* One-byte extension IDs 1..14, 0 = not sent. */
    uint8_t ext_audio_level;
    uint8_t ext_twcc;
    uint8_t ext_mid;
    uint8_t ext_rid;
    uint8_t ext_dd;            /* used when signal == PEER__SIGNAL_DD */
    uint8_t ext_frame_marking; /* used when signal == PEER__SIGNAL_FRAME_MARKING */
    uint8_t ext_abs_capture_time;
    const char *mid;          /* copied at init; NULL or "" = not sent */
    const char *rid;          /* copied at init; NULL or "" = not sent */
    uint32_t mid_rid_packets; /* mid/rid on the first N packets; 0 = every packet */
    /* The peer's transport-wide counter, shared by all its streams: each
     * packet takes *twcc_seq and increments it. NULL = extension not sent. */
    uint16_t *twcc_seq;
} peer__packetizer_config_t;

/* Defaults: video, SSRC 0, PT 96, seq/PictureID/TL0PICIDX 0, MTU 1200, no
 * TL0PICIDX, signal NONE, every extension off, mid/rid on every packet. */
peer__packetizer_config_t peer__packetizer_config_default(void);

/* What the packetizer needs to know about one frame. */
typedef struct peer__frame_meta {
    bool keyframe;            /* video: an independently decodable frame */
    uint16_t frame_number;    /* video: DD frame_number (wraps) */
    uint32_t rtp_timestamp;   /* the frame's RTP timestamp */
    bool talkspurt_start;     /* audio: first frame after DTX (marker) */
    bool voice;               /* audio: RFC 6464 V flag */
    uint8_t audio_level_dbov; /* audio: 0..127, -dBov */
    bool has_capture_time;    /* send abs-capture-time on the first packet */
    uint64_t capture_ntp_q32; /* the capture time, NTP Q32.32 */
} peer__frame_meta_t;

/* One output buffer: the caller sets data and cap, the packetizer len. */
typedef struct peer__packet_slot {
    uint8_t *data;
    size_t cap;
    size_t len;
} peer__packet_slot_t;

typedef struct peer__packetizer {
    peer__packetizer_config_t config;
    char mid[PEER__MID_RID_MAX + 1];
    char rid[PEER__MID_RID_MAX + 1];
    uint16_t next_seq;
    uint16_t picture_id;
    uint8_t tl0picidx;
    uint64_t packets_sent;
    uint64_t frames_sent;
    rtp_dd_structure_t dd_structure; /* the L1T1 structure */
} peer__packetizer_t;

/* Errors: RTP_ERR_INVALID_ARG for a NULL argument, PT > 127, MTU < 64, an
 * extension ID above 14 or used twice, a mid/rid longer than 16 or not
 * valid as RFC 8851/5888 tokens, or a PictureID above 32767. */
rtp_err_t peer__packetizer_init(peer__packetizer_t *p, const peer__packetizer_config_t *config);

/* Number of packets peer__packetize() would emit for a frame of
 * frame_len bytes, or 0 when it cannot (frame_len 0, or an Opus frame that
 * does not fit one packet). */
size_t peer__packetizer_count(const peer__packetizer_t *p, const peer__frame_meta_t *meta,
                              size_t frame_len);

/* Packetizes one frame into slots[0..n_slots), setting each used slot's
 * len, and *n_packets to the count. Advances the sequence number, the
 * PictureID/TL0PICIDX (video) and the caller's TWCC counter only on
 * success; on error nothing is consumed and slot contents are undefined.
 *
 * Errors: RTP_ERR_INVALID_ARG for a NULL argument, frame_len 0, an audio
 * level above 127, or an Opus frame larger than one packet;
 * RTP_ERR_NO_SPACE when n_slots is below the packet count or a slot's cap
 * is smaller than its packet. */
rtp_err_t peer__packetize(peer__packetizer_t *p, const peer__frame_meta_t *meta,
                          const uint8_t *frame, size_t frame_len, peer__packet_slot_t *slots,
                          size_t n_slots, size_t *n_packets);

/* The L1T1 dependency descriptor structure the packetizer attaches to
 * keyframes: one decode target, one chain, template 0 for keyframes (no
 * references), template 1 for delta frames (refers to the previous frame). */
void peer__dd_structure_l1t1(rtp_dd_structure_t *s);

#endif
