/* peers/pacer.h: the sender-side pacer of one peer, private to peers/.
 *
 * Every RTP packet a peer sends (audio, retransmissions, video) goes through
 * the pacer, which smooths the encoder's bursts (a keyframe is many packets
 * produced at one instant) into a steady flow at
 *   pacing rate = pacing_factor * target bitrate   (2.5 by default)
 * as libwebrtc's PacingController does.
 *
 * The model is a leaky bucket with a signed budget, in bits:
 *   - the budget grows at the pacing rate with (virtual) time, and is capped
 *     at max_burst_us worth of it (5 ms by default), so an idle pacer can
 *     release at most that much at once;
 *   - a packet may leave while the budget is positive; its size is then
 *     subtracted, so the budget may go negative by less than one packet,
 *     and the next packet waits until the debt is repaid.
 * Over any busy period the output rate is therefore the pacing rate, within
 * one packet plus the burst cap.
 *
 * Priority: audio, then retransmissions, then video; FIFO within each.
 * Audio bypasses the budget (libwebrtc does not pace audio by default,
 * field trial WebRTC-Pacer-BlockAudio off): a queued audio packet is
 * released at once, but its size is still charged to the budget, so video
 * yields to it. With pace_audio set, audio is paced like the rest (still
 * first).
 *
 * Bounds: at most max_packets packets and max_bytes bytes are queued. On
 * overflow the oldest queued video packets are dropped (counted) until the
 * new packet fits; when dropping video cannot make room (the queue holds
 * only audio and retransmissions, or the new packet is video and no older
 * video is queued) the new packet is refused (counted).
 *
 * Not modelled: libwebrtc's queue-time limit (raising the rate when the
 * queue would take over 2 s to drain), padding and probing.
 *
 * All memory (max_packets slots of max_packet_size bytes) is allocated by
 * peer__pacer_create(); enqueue and dequeue never allocate. */
#ifndef BLINDFOLD_PEERS_PACER_H
#define BLINDFOLD_PEERS_PACER_H

#include "rtp/rtp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PEER__PACER_MAX_PACKETS 65536u
/* The pacing rate is clamped to 1 Tbit/s, which keeps the budget
 * arithmetic inside 64 bits. */
#define PEER__PACER_MAX_RATE_BPS 1000000000000ull

/* Highest priority first. */
typedef enum peer__pacer_priority {
    PEER__PACER_AUDIO = 0,
    PEER__PACER_RETRANSMISSION,
    PEER__PACER_VIDEO,
    PEER__PACER_PRIORITY_COUNT,
} peer__pacer_priority_t;

typedef struct peer__pacer_config {
    uint32_t target_kbps;     /* target bitrate; 0 pauses all but unpaced audio */
    double pacing_factor;     /* > 0 */
    uint32_t max_burst_us;    /* budget cap, in time at the pacing rate */
    uint32_t max_packets;     /* queue bound, 1..PEER__PACER_MAX_PACKETS */
    uint32_t max_bytes;       /* queue bound in bytes, >= max_packet_size */
    uint32_t max_packet_size; /* largest packet accepted, >= 1 */
    bool pace_audio;          /* false: audio bypasses the budget */
} peer__pacer_config_t;

/* Defaults: 1000 kbps, factor 2.5, 5 ms burst, 1024 packets, 1 MiB, 1500-byte
 * packets, audio not paced. */
peer__pacer_config_t peer__pacer_config_default(void);

typedef struct peer__pacer_stats {
    uint64_t enqueued[PEER__PACER_PRIORITY_COUNT];
    uint64_t sent[PEER__PACER_PRIORITY_COUNT];
    uint64_t bytes_sent;
    uint64_t dropped_video; /* queued video dropped to make room */
    uint64_t refused;       /* new packets refused: no room or too large */
    uint64_t delay_samples; /* packets sent, for the delay figures */
    uint64_t delay_sum_us;  /* sum of (dequeue - enqueue) */
    uint64_t delay_max_us;
    uint64_t delay_max_us_by[PEER__PACER_PRIORITY_COUNT];
} peer__pacer_stats_t;

typedef struct peer__pacer peer__pacer_t;

/* Errors: RTP_ERR_INVALID_ARG for a NULL argument or a configuration value
 * out of range; RTP_ERR_NO_SPACE when memory cannot be allocated. */
rtp_err_t peer__pacer_create(const peer__pacer_config_t *config, peer__pacer_t **out);

/* Frees it; NULL is accepted. */
void peer__pacer_destroy(peer__pacer_t *pacer);

/* Queues a copy of pkt[0..len) at now_us (which also brings the budget up
 * to now_us).
 *
 * Errors: RTP_ERR_INVALID_ARG for NULLs, len 0 or an unknown priority;
 * RTP_ERR_NO_SPACE when len exceeds max_packet_size or the queue has no
 * room even after dropping older video (counted in refused). Dropping
 * older video to make room is not an error (counted in dropped_video). */
rtp_err_t peer__pacer_enqueue(peer__pacer_t *pacer, const uint8_t *pkt, size_t len,
                              peer__pacer_priority_t priority, uint64_t now_us);

/* Releases the next packet the budget allows at now_us into out[0..cap).
 * Returns RTP_OK with *len (and *priority, may be NULL) set; RTP_ERR_END
 * when nothing may leave now (empty, or waiting for budget: see
 * peer__pacer_next_send_us); RTP_ERR_NO_SPACE when the packet due exceeds
 * cap (it stays; *len tells the size needed); RTP_ERR_INVALID_ARG for
 * NULLs. Call it until RTP_ERR_END. Time never runs backwards: a now_us
 * before an earlier call's counts as that earlier time. */
rtp_err_t peer__pacer_dequeue(peer__pacer_t *pacer, uint64_t now_us, uint8_t *out, size_t cap,
                              size_t *len, peer__pacer_priority_t *priority);

/* The earliest time at which dequeue will release a packet, given what is
 * queued now: the time of the last call when something may leave already,
 * UINT64_MAX when the queue is empty (or paused at target 0). */
uint64_t peer__pacer_next_send_us(const peer__pacer_t *pacer);

/* Changes the target bitrate from now_us on; the budget accrued so far at
 * the old rate is kept. */
void peer__pacer_set_target_kbps(peer__pacer_t *pacer, uint32_t target_kbps, uint64_t now_us);

/* The pacing rate in bits per second: pacing_factor * target. */
uint64_t peer__pacer_rate_bps(const peer__pacer_t *pacer);

size_t peer__pacer_queued_packets(const peer__pacer_t *pacer);
size_t peer__pacer_queued_bytes(const peer__pacer_t *pacer);

/* How long the oldest queued packet has waited at now_us; 0 when empty. */
uint64_t peer__pacer_oldest_wait_us(const peer__pacer_t *pacer, uint64_t now_us);

/* Bytes allocated at creation; constant for the pacer's life. */
size_t peer__pacer_memory_bytes(const peer__pacer_t *pacer);

const peer__pacer_stats_t *peer__pacer_stats(const peer__pacer_t *pacer);

#endif
