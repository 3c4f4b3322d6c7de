/* sfu/history.h: the send history of one outgoing stream, private to sfu/.
 *
 * The SFU keeps a copy of every packet it forwards to a subscriber so that it
 * can answer that subscriber's NACKs (RFC 4585 section 6.2.1) with
 * retransmissions (RFC 4588). The history is a ring of fixed-size slots,
 * indexed by the stream's 16-bit sequence number extended to 64 bits, and is
 * bounded twice:
 *   - by count: at most `capacity` packets; storing packet n overwrites
 *     packet n - capacity;
 *   - by age: a packet stored more than `history_ms` ago is no longer
 *     served (a retransmission that late would arrive after the receiver's
 *     jitter buffer gave up on it).
 * All memory is allocated by sfu__history_create(); storing, looking up and
 * resending never allocate, so a subscriber cannot grow it.
 *
 * Each slot also remembers how often its packet was resent and when last, so
 * that a burst of NACKs for the same packet (a receiver repeating its NACK
 * before our retransmission could have reached it) is answered at most once
 * per round-trip time. */
#ifndef BLINDFOLD_SFU_HISTORY_H
#define BLINDFOLD_SFU_HISTORY_H

#include "sfu/sfu_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Upper bounds of the configuration. A capacity above 32768 would make two
 * stored packets share a 16-bit sequence number's half circle, so a lookup
 * could no longer tell which one is meant. */
#define SFU__HISTORY_MAX_CAPACITY  32768u
#define SFU__HISTORY_MIN_SLOT_SIZE 12u /* an RTP fixed header */
#define SFU__HISTORY_MAX_SLOT_SIZE 65535u

typedef struct sfu__history_config {
    uint32_t capacity;   /* packets kept, 1..SFU__HISTORY_MAX_CAPACITY */
    uint32_t slot_size;  /* largest packet stored, in bytes */
    uint32_t history_ms; /* a packet older than this is no longer served; > 0 */
} sfu__history_config_t;

/* The defaults: 2500 packets (mediasoup's RtpStreamSend), 1500-byte slots
 * (an Ethernet MTU; SRTP is applied after the history, per receiver), and
 * 1000 ms (Janus' NACK queue upper clamp). About 3.8 MB per stream. */
sfu__history_config_t sfu__history_config_default(void);

typedef struct sfu__history_stats {
    uint64_t stored;           /* packets copied in */
    uint64_t store_refused;    /* larger than a slot, or older than the ring reaches */
    uint64_t lookups;          /* sfu__history_lookup() and _resend() calls */
    uint64_t hits;             /* lookups that found the packet */
    uint64_t evicted;          /* lookups answered SFU_ERR_EVICTED */
    uint64_t not_found;        /* lookups answered SFU_ERR_NOT_FOUND */
    uint64_t resends;          /* sfu__history_resend() calls that allowed a resend */
    uint64_t resends_too_soon; /* ... that refused one as too soon */
} sfu__history_stats_t;

/* A stored packet, as a lookup sees it. `bytes` points into the history and
 * stays valid until the next store or the destroy. */
typedef struct sfu__history_packet {
    const uint8_t *bytes;
    size_t len;
    uint16_t seq;
    uint64_t stored_us;
    uint32_t resend_count;   /* retransmissions so far */
    uint64_t last_resend_us; /* meaningful when resend_count > 0 */
} sfu__history_packet_t;

typedef struct sfu__history sfu__history_t;

/* Allocates a history with all the memory it will ever use:
 * capacity * slot_size bytes of packets plus a small header per slot.
 *
 * Errors: SFU_ERR_INVALID_ARG for a NULL argument, a capacity of 0 or above
 * SFU__HISTORY_MAX_CAPACITY, a slot size outside SFU__HISTORY_MIN_SLOT_SIZE
 * .. SFU__HISTORY_MAX_SLOT_SIZE, or history_ms 0; SFU_ERR_NO_MEMORY. */
sfu_err_t sfu__history_create(const sfu__history_config_t *config, sfu__history_t **out);

/* Frees the history; NULL is accepted. */
void sfu__history_destroy(sfu__history_t *history);

/* Forgets every packet (a new stream on the same slots); keeps the stats. */
void sfu__history_clear(sfu__history_t *history);

/* Copies packet `pkt` (its whole bytes, header included), whose RTP
 * sequence number is `seq`, into the history. Storing a sequence number
 * again replaces the earlier copy and its resend record. A packet older
 * than the newest stored one is accepted while its slot still belongs to
 * the ring's window (the last `capacity` sequence numbers).
 *
 * Errors: SFU_ERR_INVALID_ARG for pkt NULL with len > 0; SFU_ERR_NO_SPACE
 * when len exceeds the slot size; SFU_ERR_EVICTED when `seq` is older than
 * the window (its slot already holds a newer packet). Refusals are counted
 * in store_refused. */
sfu_err_t sfu__history_store(sfu__history_t *history, uint16_t seq, const uint8_t *pkt, size_t len,
                             uint64_t now_us);

/* Finds packet `seq`. On success fills *out (may be NULL).
 *
 * Errors:
 *   SFU_ERR_EVICTED    it is older than the newest stored packet by less
 *                      than half the sequence circle and not older than
 *                      the first packet ever stored, but it was
 *                      overwritten (the count bound) or stored more than
 *                      history_ms ago (the age bound);
 *   SFU_ERR_NOT_FOUND  it was never stored: newer than the newest, older
 *                      than the first stored, or a gap in the sequence;
 *                      also for an empty history. */
sfu_err_t sfu__history_lookup(sfu__history_t *history, uint16_t seq, uint64_t now_us,
                              sfu__history_packet_t *out);

/* True when a packet resent at p->last_resend_us may be resent again at
 * now_us: it was never resent, or at least min_interval_us (typically the
 * receiver's RTT) has passed. */
bool sfu__history_resend_allowed(const sfu__history_packet_t *p, uint64_t now_us,
                                 uint64_t min_interval_us);

/* Looks `seq` up for a retransmission: on success the packet is marked as
 * resent at now_us (resend_count + 1) and *out (may be NULL) describes it,
 * with the counters as they were before this resend.
 *
 * Errors: those of sfu__history_lookup(); SFU_ERR_TOO_SOON when the packet
 * was resent less than min_interval_us ago (nothing is marked; *out is
 * still filled). */
sfu_err_t sfu__history_resend(sfu__history_t *history, uint16_t seq, uint64_t now_us,
                              uint64_t min_interval_us, sfu__history_packet_t *out);

/* The configuration the history was created with. */
const sfu__history_config_t *sfu__history_config(const sfu__history_t *history);

/* Bytes allocated at creation; constant for the history's life. */
size_t sfu__history_memory_bytes(const sfu__history_t *history);

const sfu__history_stats_t *sfu__history_stats(const sfu__history_t *history);

#endif
