/* peers/send_history.h: the RTX send history of one outgoing media stream,
 * private to peers/.
 *
 * The sender keeps a copy of every RTP packet it sends (before SRTP) so that
 * it can answer the receiver's generic NACKs (RFC 4585 section 6.2.1) with
 * retransmissions on the stream's RTX stream (RFC 4588 section 4): its own
 * SSRC and payload type, its own sequence number counter, and a payload
 * that starts with the original sequence number (OSN).
 *
 * The history is a ring of `capacity` fixed-size slots indexed by the
 * stream's sequence number extended to 64 bits, bounded twice:
 *   - by count: storing packet n overwrites packet n - capacity;
 *   - by age: a packet stored more than max_age_ms ago is no longer served
 *     (the receiver's jitter buffer has given up on it by then).
 * A NACKed packet that is not in the history (never stored, overwritten or
 * too old) is counted as a miss.
 *
 * A packet is retransmitted at most once per RTT: a receiver repeating its
 * NACK before our retransmission could have reached it gets nothing (a
 * too-soon refusal), as libwebrtc's RtpPacketHistory does.
 *
 * All memory is allocated by peer__send_history_create(); storing and
 * answering NACKs never allocate. */
#ifndef BLINDFOLD_PEERS_SEND_HISTORY_H
#define BLINDFOLD_PEERS_SEND_HISTORY_H

#include "rtp/rtp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A capacity above 32768 would let two stored packets be half the 16-bit
 * sequence circle apart, so a NACKed number could mean either. */
#define PEER__SEND_HISTORY_MAX_CAPACITY  32768u
#define PEER__SEND_HISTORY_MIN_SLOT_SIZE 12u /* an RTP fixed header */
#define PEER__SEND_HISTORY_MAX_SLOT_SIZE 65535u
/* An RTX packet is the original plus the 2-byte OSN. */
#define PEER__RTX_OVERHEAD 2u

typedef struct peer__send_history_config {
    uint32_t capacity;       /* packets kept, 1..PEER__SEND_HISTORY_MAX_CAPACITY */
    uint32_t slot_size;      /* largest packet stored, bytes */
    uint32_t max_age_ms;     /* older packets are not served; > 0 */
    uint32_t rtx_ssrc;       /* SSRC of the RTX stream */
    uint8_t rtx_pt;          /* RTX payload type, 0..127 */
    uint16_t first_rtx_seq;  /* sequence number of the first RTX packet */
    uint32_t default_rtt_ms; /* until peer__send_history_set_rtt() */
} peer__send_history_config_t;

/* Defaults: 600 packets (libwebrtc's kMinSendSidePacketHistorySize),
 * 1500-byte slots, 1000 ms max age (the jitter buffer's default
 * nack_max_age_ms), RTX SSRC 0 and PT 97 (set both), first RTX sequence
 * number 0, RTT 100 ms. */
peer__send_history_config_t peer__send_history_config_default(void);

typedef struct peer__send_history_stats {
    uint64_t stored;        /* packets copied in */
    uint64_t store_refused; /* malformed, larger than a slot, or behind the ring */
    uint64_t nacked;        /* sequence numbers asked for */
    uint64_t retransmitted; /* RTX packets produced */
    uint64_t misses;        /* NACKed but not in the history (includes expired) */
    uint64_t expired;       /* of misses: still in the ring but older than max_age_ms */
    uint64_t too_soon;      /* refused: retransmitted less than one RTT ago */
    uint64_t no_space;      /* not produced: the caller's buffer was full */
    uint64_t rtx_bytes;     /* bytes of RTX packets produced */
} peer__send_history_stats_t;

/* What one NACKed sequence number led to. */
typedef enum peer__rtx_result {
    PEER__RTX_SENT = 0, /* an RTX packet was written */
    PEER__RTX_MISS,     /* not in the history */
    PEER__RTX_TOO_SOON, /* resent less than one RTT ago */
    PEER__RTX_NO_SPACE, /* the output buffer is too small (nothing marked) */
} peer__rtx_result_t;

typedef struct peer__send_history peer__send_history_t;

/* Allocates a history with all the memory it will ever use.
 *
 * Errors: RTP_ERR_INVALID_ARG for a NULL argument, a capacity of 0 or above
 * PEER__SEND_HISTORY_MAX_CAPACITY, a slot size outside
 * PEER__SEND_HISTORY_MIN_SLOT_SIZE..PEER__SEND_HISTORY_MAX_SLOT_SIZE,
 * max_age_ms 0 or rtx_pt > 127; RTP_ERR_NO_SPACE when memory cannot be
 * allocated. */
rtp_err_t peer__send_history_create(const peer__send_history_config_t *config,
                                    peer__send_history_t **out);

/* Frees it; NULL is accepted. */
void peer__send_history_destroy(peer__send_history_t *history);

/* Copies the RTP packet pkt[0..len) sent at now_us; its sequence number is
 * read from the packet. Storing a sequence number again replaces the copy
 * and its retransmission record.
 *
 * Errors (each counted in store_refused): those of rtp_parse();
 * RTP_ERR_NO_SPACE when len exceeds the slot size; RTP_ERR_INVALID_ARG when
 * the packet is older than the ring reaches (capacity behind the newest). */
rtp_err_t peer__send_history_store(peer__send_history_t *history, const uint8_t *pkt, size_t len,
                                   uint64_t now_us);

/* Round-trip time to the receiver, from RTCP; the minimum spacing of two
 * retransmissions of one packet. */
void peer__send_history_set_rtt(peer__send_history_t *history, uint64_t rtt_us);

/* Answers one NACKed sequence number: on PEER__RTX_SENT, the RTX packet is
 * in out[0..*out_len), the packet is marked as resent at now_us and the RTX
 * sequence counter advances. On PEER__RTX_NO_SPACE, *out_len is the size
 * needed. */
peer__rtx_result_t peer__send_history_resend(peer__send_history_t *history, uint16_t seq,
                                             uint64_t now_us, uint8_t *out, size_t cap,
                                             size_t *out_len);

/* Answers a NACK: for each of seqs[0..n_seqs) in order (as
 * rtp_rtcp_nack_expand() gives them), writes its RTX packet, if any, into
 * out[0..cap) right after the previous one and its length into
 * lens[count]. Stops when max_packets packets are written or the next one
 * does not fit (that one and the rest are counted in no_space). Returns the
 * number of RTX packets written; the k-th starts at the sum of lens[0..k). */
size_t peer__send_history_on_nack(peer__send_history_t *history, const uint16_t *seqs,
                                  size_t n_seqs, uint64_t now_us, uint8_t *out, size_t cap,
                                  size_t *lens, size_t max_packets);

/* True when `seq` is stored and not older than max_age_ms at now_us. */
bool peer__send_history_contains(const peer__send_history_t *history, uint16_t seq,
                                 uint64_t now_us);

/* The sequence number the next RTX packet will carry. */
uint16_t peer__send_history_next_rtx_seq(const peer__send_history_t *history);

/* Bytes allocated at creation; constant for the history's life. */
size_t peer__send_history_memory_bytes(const peer__send_history_t *history);

const peer__send_history_stats_t *peer__send_history_stats(const peer__send_history_t *history);

#endif
