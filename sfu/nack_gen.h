/* sfu/nack_gen.h: the upstream NACK generator of one publisher stream,
 * private to sfu/.
 *
 * The SFU feeds it the sequence number of every RTP packet it receives from
 * a publisher. It notices gaps, keeps the missing sequence numbers in a
 * bounded list and says, when polled, which ones to request again in a
 * Generic NACK (RFC 4585 section 6.2.1; build it with
 * rtp_rtcp_nack_compress() and rtp_rtcp_build_nack()). Each missing packet
 * is requested at once, then again every max(RTT, min_retry_interval), at
 * most max_retries times, and forgotten when it arrives, when it is older
 * than max_age_seqs sequence numbers or max_age_ms, or when its retries are
 * spent.
 *
 * The list never holds more than max_tracked entries. When a gap would
 * overflow it, the entries older than the oldest recent keyframe start that
 * frees enough room are dropped (a decoder restarts at a keyframe, so what
 * precedes it is no longer needed); when no keyframe helps, the whole list
 * is cleared, the new gap is not tracked, and the caller is told to request
 * a keyframe (PLI), as mediasoup's NackGenerator and libwebrtc's NackModule
 * do. If the packet that ends the overflowing gap starts a keyframe itself,
 * the list is cleared without a request: nothing before it is needed. Every
 * missing packet dropped this way is counted in `overflow`.
 *
 * Memory is allocated once by sfu__nack_gen_create(); nothing after that
 * allocates, whatever sequence numbers a hostile publisher sends. */
#ifndef BLINDFOLD_SFU_NACK_GEN_H
#define BLINDFOLD_SFU_NACK_GEN_H

#include "sfu/sfu_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keyframe starts remembered for trimming an overflowing list. */
#define SFU__NACK_GEN_KEYFRAMES 16u
/* Upper bound of max_tracked (about 40 bytes of memory each). */
#define SFU__NACK_GEN_MAX_TRACKED 32768u

typedef struct sfu__nack_gen_config {
    uint32_t max_tracked;           /* missing packets tracked at most, 1..32768 */
    uint32_t max_retries;           /* NACKs per missing packet, >= 1 */
    uint32_t min_retry_interval_ms; /* floor of the spacing between two NACKs of a packet */
    uint32_t default_rtt_ms;        /* the RTT until sfu__nack_gen_set_rtt() is called */
    uint32_t max_age_seqs;          /* give up on packets this far behind the newest, >= 1 */
    uint32_t max_age_ms;            /* give up on packets missing for longer, > 0 */
    /* Wait before the first NACK of a gap, to let a merely reordered packet
     * arrive first. 0 sends it at the next poll. */
    uint32_t first_nack_delay_ms;
} sfu__nack_gen_config_t;

/* The defaults follow mediasoup's NackGenerator: 1000 tracked packets, 10
 * retries, 40 ms floor (its timer period), 100 ms RTT until measured,
 * 10000 sequence numbers; max_age_ms 1000 (Janus' NACK queue upper clamp);
 * no first-NACK delay. */
sfu__nack_gen_config_t sfu__nack_gen_config_default(void);

/* Flags of sfu__nack_gen_receive(). */
enum {
    SFU__NACK_KEYFRAME_START = 1u << 0, /* the first packet of a keyframe */
    SFU__NACK_RETRANSMISSION = 1u << 1, /* came as a retransmission (RTX) */
};

/* What one received packet was. */
typedef enum sfu__nack_rx {
    SFU__NACK_RX_NEWEST = 0,      /* newer than every packet so far (perhaps after a gap) */
    SFU__NACK_RX_RECOVERED,       /* was missing and had been NACKed; now removed */
    SFU__NACK_RX_REORDERED,       /* was missing, arrived before its first NACK; removed */
    SFU__NACK_RX_LATE,            /* older and not tracked: duplicate, given up, or aged out */
    SFU__NACK_RX_IGNORED,         /* a retransmission newer than the newest: not asked for */
    SFU__NACK_RX_KEYFRAME_NEEDED, /* newest, but the list overflowed and was cleared:
                                   * request a keyframe from the publisher */
} sfu__nack_rx_t;

typedef struct sfu__nack_gen_stats {
    uint64_t received;          /* sfu__nack_gen_receive() calls */
    uint64_t missing;           /* sequence numbers found missing in gaps */
    uint64_t nacks_requested;   /* sequence numbers poll() returned, retries included */
    uint64_t recovered;         /* missing packets that arrived after a NACK */
    uint64_t reordered;         /* missing packets that arrived before their first NACK */
    uint64_t given_up;          /* dropped after max_retries NACKs */
    uint64_t aged_out;          /* dropped as older than max_age_seqs or max_age_ms */
    uint64_t overflow;          /* missing packets dropped or never tracked: list full */
    uint64_t keyframe_requests; /* times the list was cleared (KEYFRAME_NEEDED) */
    uint64_t late;              /* SFU__NACK_RX_LATE answers */
} sfu__nack_gen_stats_t;

typedef struct sfu__nack_gen sfu__nack_gen_t;

/* Errors: SFU_ERR_INVALID_ARG for a NULL argument or a configuration value
 * out of range (see the struct); SFU_ERR_NO_MEMORY. */
sfu_err_t sfu__nack_gen_create(const sfu__nack_gen_config_t *config, sfu__nack_gen_t **out);

/* Frees the generator; NULL is accepted. */
void sfu__nack_gen_destroy(sfu__nack_gen_t *gen);

/* Forgets the stream (a new SSRC): no missing packets, no newest. Keeps
 * the stats and the RTT. */
void sfu__nack_gen_reset(sfu__nack_gen_t *gen);

/* The round-trip time to the publisher, from RTCP (RFC 3550 6.4.1). */
void sfu__nack_gen_set_rtt(sfu__nack_gen_t *gen, uint64_t rtt_us);

/* Feeds one received packet's sequence number, with SFU__NACK_* flags.
 * The first packet starts the stream. Call sfu__nack_gen_poll() after it:
 * a new gap is due at once (after first_nack_delay_ms). */
sfu__nack_rx_t sfu__nack_gen_receive(sfu__nack_gen_t *gen, uint16_t seq, uint64_t now_us,
                                     unsigned flags);

/* Writes up to `cap` sequence numbers to NACK now into seqs[], oldest
 * first, counts a retry for each, and drops what is given up or aged out.
 * Returns how many were written; when more are due than fit, the rest stay
 * due for the next poll. */
size_t sfu__nack_gen_poll(sfu__nack_gen_t *gen, uint64_t now_us, uint16_t *seqs, size_t cap);

/* When the next poll has work (a NACK due, or an entry to drop): a time at
 * or before which the caller's scheduler should call poll. UINT64_MAX when
 * nothing is missing. */
uint64_t sfu__nack_gen_next_timer_us(const sfu__nack_gen_t *gen);

/* Missing packets tracked now, <= max_tracked. */
size_t sfu__nack_gen_missing_count(const sfu__nack_gen_t *gen);

/* Bytes allocated at creation; constant for the generator's life. */
size_t sfu__nack_gen_memory_bytes(const sfu__nack_gen_t *gen);

const sfu__nack_gen_stats_t *sfu__nack_gen_stats(const sfu__nack_gen_t *gen);

#endif
