/* peers/jitter_buffer.h: the receive side of one incoming stream (the
 * depacketizer and jitter buffer), private to peers/.
 *
 * Feed it every RTP packet of the stream, already SRTP-unprotected and, for
 * retransmissions, RTX-unwrapped (rtp_rtx_unwrap); it orders packets by
 * extended sequence number (RFC 3550 appendix A.1), drops duplicates,
 * assembles frames and decides when each one plays:
 *
 * Video (VP8, RFC 7741 section 4.4): a frame runs from a packet with S=1
 * and PID 0 to the next packet with the marker bit, every sequence number
 * in between present, one RTP timestamp. Its bytes are the payloads without
 * their VP8 descriptors, concatenated: the frame exactly as the sender's
 * packetizer got it (possibly ciphertext). The keyframe flag comes from
 * the dependency descriptor (a structure on the first packet), from frame
 * marking (I), or from the clear prefix: a caller check, by default the
 * VP8 P bit of the first payload byte (insertable-legacy keeps it clear).
 * A frame is released as soon as it is complete and decodable: a keyframe,
 * or the frame right after the last released one (VP8 without temporal
 * layers: each delta frame depends on the previous frame). Nothing is held
 * back for smoothing.
 *
 * Loss (video): a gap is NACKed at once, then every max(RTT,
 * nack_min_interval_ms), at most nack_max_retries times; one interval
 * after the last NACK, or nack_max_age_ms after the gap was seen, the
 * packet is given up. A given-up packet, a frame that cannot be decoded
 * (no preceding frame), a frame above max_frame_size or a window overflow
 * make the stream wait for a keyframe: frames are dropped until one is
 * complete, missing packets before the newest keyframe start are no longer
 * NACKed, and a PLI is due at once and again every pli_interval_ms until a
 * keyframe is released. Frames skipped because a newer keyframe is
 * already here cause no PLI. The caller may also ask for one
 * (peer__jitter_buffer_request_keyframe, e.g. on a decrypt failure).
 *
 * Audio (Opus, RFC 7587): one packet per frame. A frame plays at
 *   rtp_ts / clock + min_transit + target_delay
 * where transit is arrival time minus the RTP time, min_transit is its
 * minimum over the last PEER__JB_JITTER_WINDOW packets (the fastest path
 * seen lately), and target_delay is the 95th percentile of (transit -
 * min_transit) over the same packets plus audio_extra_delay_ms, clamped to
 * [audio_min_delay_ms, audio_max_delay_ms] (20..200 ms by default). A
 * frame missing when its turn comes (the next frame it precedes is due) is
 * released as lost, size 0, so the caller runs Opus PLC; a packet that
 * arrives after its turn is dropped as late. Audio does not NACK by
 * default.
 *
 * Memory: max_packets slots of max_payload bytes each, allocated by
 * peer__jitter_buffer_create(); nothing allocates afterwards. Packets more
 * than max_packets - 1 ahead of the oldest unreleased one push the window
 * forward (dropping what falls out); packets behind it are dropped as
 * late. A frame therefore never exceeds max_packets packets nor
 * max_frame_size bytes.
 *
 * Startup: the first packet received opens the window. Until a frame is
 * released or dropped, an earlier packet (reordered) still extends the
 * window back to it, and the head waits startup_wait_ms before being
 * dropped as undecodable. Later, packets behind the window are late. */
#ifndef BLINDFOLD_PEERS_JITTER_BUFFER_H
#define BLINDFOLD_PEERS_JITTER_BUFFER_H

#include "peers/packetizer.h"
#include "rtp/rtp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Audio jitter samples kept for the playout delay. */
#define PEER__JB_JITTER_WINDOW 128u
/* Upper bound of max_packets. */
#define PEER__JB_MAX_PACKETS 4096u

/* Caller's clear-prefix check: true when the frame whose first packet's
 * payload (after the VP8 descriptor) starts with prefix[0..len) is a
 * keyframe. */
typedef bool (*peer__keyframe_check_fn)(void *ctx, const uint8_t *prefix, size_t len);

typedef struct peer__jitter_buffer_config {
    peer__media_kind_t kind;
    /* Where keyframes are read (video): DD, frame marking, or NONE for
     * the clear prefix (keyframe_check, or the VP8 P bit when NULL). */
    peer__frame_signal_t signal;
    uint8_t ext_dd;            /* one-byte or two-byte extension ID */
    uint8_t ext_frame_marking; /* idem */
    peer__keyframe_check_fn keyframe_check;
    void *keyframe_check_ctx;
    uint32_t max_packets;      /* slots, a power of two, 16..4096 */
    uint32_t max_payload;      /* bytes per slot (payload after the descriptor) */
    uint32_t max_frame_size;   /* bytes of one assembled frame */
    bool nack;                 /* send NACKs */
    uint32_t nack_max_retries; /* NACKs per missing packet, >= 1 */
    uint32_t nack_min_interval_ms;
    uint32_t default_rtt_ms;  /* until peer__jitter_buffer_set_rtt() */
    uint32_t nack_max_age_ms; /* give up on a packet missing this long */
    uint32_t pli_interval_ms; /* at most one PLI per interval */
    /* Video: until the first frame is released or dropped, how long the
     * packet at the head may wait for reordered earlier packets before it
     * is dropped as not decodable. */
    uint32_t startup_wait_ms;
    /* Audio. */
    uint32_t clock_rate_hz; /* RTP clock, 48000 for Opus */
    uint32_t audio_min_delay_ms;
    uint32_t audio_max_delay_ms;
    uint32_t audio_extra_delay_ms; /* added to the jitter percentile */
} peer__jitter_buffer_config_t;

/* Defaults for a kind.
 * Video: signal NONE (VP8 P bit), 512 packets of 1200 bytes, frames up to
 *   512 KiB, NACK on with 10 retries, 20 ms floor, 100 ms RTT, 1000 ms max
 *   age, PLI at most every 300 ms, 50 ms startup wait, clock 90000.
 * Audio: 64 packets of 1200 bytes, frames up to 1200 bytes, NACK off,
 *   clock 48000, delay 20..200 ms plus 5 ms. */
peer__jitter_buffer_config_t peer__jitter_buffer_config_default(peer__media_kind_t kind);

/* One released frame. */
typedef struct peer__jb_frame {
    size_t size;   /* bytes written to the caller's buffer; 0 when lost */
    bool lost;     /* audio: no packet; run PLC */
    bool keyframe; /* video */
    uint32_t rtp_timestamp;
    uint16_t first_seq;
    uint16_t last_seq;
    uint32_t packets;
    uint16_t frame_number; /* DD frame number when present, else the VP8 PictureID */
    uint64_t first_arrival_us;
    uint64_t last_arrival_us;
    uint64_t playout_us; /* audio: when it was due; video: release time */
} peer__jb_frame_t;

/* What one received packet was. */
typedef enum peer__jb_rx {
    PEER__JB_RX_STORED = 0, /* stored, new */
    PEER__JB_RX_DUPLICATE,  /* already had it */
    PEER__JB_RX_LATE,       /* behind the window (played, dropped or given up) */
    PEER__JB_RX_MALFORMED,  /* not parseable as RTP with this payload format */
    PEER__JB_RX_TOO_LARGE,  /* payload above max_payload */
} peer__jb_rx_t;

typedef struct peer__jb_stats {
    uint64_t received;
    uint64_t duplicates;
    uint64_t late;
    uint64_t malformed;
    uint64_t too_large;
    uint64_t frames_released;
    uint64_t frames_dropped; /* video: frames whose first packet was discarded */
    uint64_t frames_lost;    /* audio: released as lost */
    uint64_t nacks_sent;     /* sequence numbers returned by poll_nack, retries included */
    uint64_t nacks_given_up;
    uint64_t recovered; /* missing packets that arrived after a NACK */
    uint64_t plis;
    uint64_t overflows; /* window pushes that dropped packets */
    uint32_t audio_target_delay_us;
} peer__jb_stats_t;

typedef struct peer__jitter_buffer peer__jitter_buffer_t;

/* Errors: RTP_ERR_INVALID_ARG for a NULL argument or a configuration value
 * out of range; RTP_ERR_NO_SPACE when memory cannot be allocated. */
rtp_err_t peer__jitter_buffer_create(const peer__jitter_buffer_config_t *config,
                                     peer__jitter_buffer_t **out);

/* Frees it; NULL is accepted. */
void peer__jitter_buffer_destroy(peer__jitter_buffer_t *jb);

/* Feeds one RTP packet received at now_us. */
peer__jb_rx_t peer__jitter_buffer_receive(peer__jitter_buffer_t *jb, const uint8_t *pkt, size_t len,
                                          uint64_t now_us);

/* Releases the next frame due at now_us into buf[0..cap).
 * Returns RTP_OK with *frame filled; RTP_ERR_END when no frame is due;
 * RTP_ERR_NO_SPACE when the due frame exceeds cap (it stays, and
 * frame->size tells the size needed); RTP_ERR_INVALID_ARG for NULLs. */
rtp_err_t peer__jitter_buffer_pop(peer__jitter_buffer_t *jb, uint64_t now_us, uint8_t *buf,
                                  size_t cap, peer__jb_frame_t *frame);

/* Sequence numbers to NACK now, oldest first, up to cap; gives up on the
 * packets whose retries or age are spent. Returns the count. Compress them
 * with rtp_rtcp_nack_compress() and send with rtp_rtcp_build_nack(). */
size_t peer__jitter_buffer_poll_nack(peer__jitter_buffer_t *jb, uint64_t now_us, uint16_t *seqs,
                                     size_t cap);

/* True when a PLI should be sent now (rtp_rtcp_build_pli); counts it and
 * restarts the throttle interval. */
bool peer__jitter_buffer_poll_pli(peer__jitter_buffer_t *jb, uint64_t now_us);

/* Drops everything up to the next keyframe and makes a PLI due (throttled):
 * for a decrypt or decode failure. */
void peer__jitter_buffer_request_keyframe(peer__jitter_buffer_t *jb, uint64_t now_us);

/* The earliest time at which pop, poll_nack or poll_pli may have work;
 * UINT64_MAX when none is foreseen. */
uint64_t peer__jitter_buffer_next_event_us(const peer__jitter_buffer_t *jb);

/* Round-trip time to the sender, from RTCP. */
void peer__jitter_buffer_set_rtt(peer__jitter_buffer_t *jb, uint64_t rtt_us);

/* Packets stored now, <= max_packets. */
size_t peer__jitter_buffer_packet_count(const peer__jitter_buffer_t *jb);

/* Bytes allocated at creation; constant for the buffer's life. */
size_t peer__jitter_buffer_memory_bytes(const peer__jitter_buffer_t *jb);

const peer__jb_stats_t *peer__jitter_buffer_stats(const peer__jitter_buffer_t *jb);

#endif
