/* RTCP: compound packets, reports, source description and the feedback
 * messages a WebRTC SFU speaks (RFC 3550, RFC 4585, RFC 5104, RFC 5506,
 * draft-holmer-rmcat-transport-wide-cc-extensions-01, draft-alvestrand-
 * rmcat-remb-03).
 *
 * Parsing works in three steps, all over the caller's bytes:
 *   1. rtp_rtcp_iter_next() walks a compound datagram and yields one
 *      rtp_rtcp_packet_t per packet: the common header, already checked.
 *   2. rtp_rtcp_parse() dispatches a packet to its typed parser through a
 *      const table keyed by (packet type, FMT); each typed parser
 *      (rtp_rtcp_parse_sr, ..._nack, ..._twcc, ...) can also be called
 *      directly.
 *   3. Lists bounded by the 5-bit count field (report blocks, BYE SSRCs) are
 *      copied into fixed arrays. Lists bounded only by the packet length
 *      (SDES items, NACK and FIR entries, REMB SSRCs, TWCC statuses) stay
 *      in the packet; the typed parser validates them once and accessors
 *      read them. Views point into the caller's buffer and live as long as
 *      it does.
 *
 * Builders write one packet into a caller buffer of `cap` bytes, set
 * `*written` to its size and fill in the length field, so a compound packet
 * is built by appending: build into buf + used with cap - used. On any error
 * `*written` is 0 and the bytes of buf are unspecified.
 *
 * Error convention: RTP_ERR_TRUNCATED means the datagram ends before a
 * packet's declared length; RTP_ERR_MALFORMED means the content contradicts
 * itself inside a declared length (counts that do not fit, bad padding).
 *
 * Reduced-size RTCP (RFC 5506) is the default: a compound may start with
 * any packet type and may hold a single feedback packet.
 * rtp_rtcp_check_compound() applies the stricter RFC 3550 rules. */
#ifndef BLINDFOLD_RTP_RTCP_H
#define BLINDFOLD_RTP_RTCP_H

#include "rtp/rtp_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Constants --------------------------------------------------------- */

/* RTCP packet types (RFC 3550 section 12.1, RFC 4585 section 6.1). */
enum {
    RTP_RTCP_PT_SR = 200,
    RTP_RTCP_PT_RR = 201,
    RTP_RTCP_PT_SDES = 202,
    RTP_RTCP_PT_BYE = 203,
    RTP_RTCP_PT_APP = 204,
    RTP_RTCP_PT_RTPFB = 205,
    RTP_RTCP_PT_PSFB = 206,
};

/* Feedback message types (FMT) for the feedback packets handled here. */
enum {
    RTP_RTCP_FMT_NACK = 1,  /* RTPFB, RFC 4585 section 6.2.1 */
    RTP_RTCP_FMT_TWCC = 15, /* RTPFB, transport-wide CC draft section 3.1 */
    RTP_RTCP_FMT_PLI = 1,   /* PSFB, RFC 4585 section 6.3.1 */
    RTP_RTCP_FMT_FIR = 4,   /* PSFB, RFC 5104 section 4.3.1 */
    RTP_RTCP_FMT_AFB = 15,  /* PSFB application layer FB; REMB lives here */
};

/* SDES item types (RFC 3550 section 12.2). */
enum {
    RTP_RTCP_SDES_END = 0,
    RTP_RTCP_SDES_CNAME = 1,
    RTP_RTCP_SDES_NAME = 2,
    RTP_RTCP_SDES_EMAIL = 3,
    RTP_RTCP_SDES_PHONE = 4,
    RTP_RTCP_SDES_LOC = 5,
    RTP_RTCP_SDES_TOOL = 6,
    RTP_RTCP_SDES_NOTE = 7,
    RTP_RTCP_SDES_PRIV = 8,
};

#define RTP_RTCP_HEADER_SIZE 4
#define RTP_RTCP_MAX_COUNT   31 /* the 5-bit RC/SC/FMT/subtype field */
/* The 16-bit length field counts 32-bit words minus one. */
#define RTP_RTCP_MAX_PACKET_SIZE ((size_t)65536 * 4)

/* ---- Common header and compound iteration (RFC 3550 section 6.4) ------- */

/* One RTCP packet inside a datagram. */
typedef struct rtp_rtcp_packet {
    const uint8_t *data; /* first header byte */
    size_t size;         /* (length + 1) * 4: header, body and padding */
    bool padding;        /* P bit */
    uint8_t count;       /* RC, SC, FMT or APP subtype: 5 bits */
    uint8_t pt;          /* packet type */
    const uint8_t *body; /* after the 4-byte header */
    size_t body_len;     /* without the padding octets */
} rtp_rtcp_packet_t;

/* Parses the packet at the start of buf (which may hold more packets after
 * it). Does not judge whether padding is allowed here; the iterator does.
 *   buf, len  datagram bytes; len may exceed the packet.
 *   pkt       receives the view.
 * Errors: RTP_ERR_INVALID_ARG (NULL), RTP_ERR_TRUNCATED (len < 4 or len
 * shorter than the length field says), RTP_ERR_BAD_VERSION (V != 2),
 * RTP_ERR_MALFORMED (P set with a padding count of 0 or larger than the
 * packet body). */
rtp_err_t rtp_rtcp_packet_parse(const uint8_t *buf, size_t len, rtp_rtcp_packet_t *pkt);

/* Iterator over the packets of one compound datagram. */
typedef struct rtp_rtcp_iter {
    const uint8_t *pos;
    const uint8_t *end;
    unsigned index; /* packets yielded so far */
    rtp_err_t err;  /* sticky: once set, every next() returns it */
} rtp_rtcp_iter_t;

/* Starts iterating over buf[0..len). buf may be NULL only when len is 0. */
void rtp_rtcp_iter_init(rtp_rtcp_iter_t *it, const uint8_t *buf, size_t len);

/* Yields the next packet.
 * Errors: RTP_ERR_END after the last packet; RTP_ERR_INVALID_ARG (NULL);
 * every error of rtp_rtcp_packet_parse(); RTP_ERR_MALFORMED when a packet
 * other than the last has its P bit set (RFC 3550 section 6.4.1). An error
 * is sticky: the datagram's length fields no longer add up, so nothing after
 * it can be trusted. */
rtp_err_t rtp_rtcp_iter_next(rtp_rtcp_iter_t *it, rtp_rtcp_packet_t *pkt);

/* Full RFC 3550 validity (Appendix A.2) of a compound datagram: every packet
 * parses as a header, the lengths add up to len, only the last packet is
 * padded, and the first packet is SR or RR.
 * Errors: those of rtp_rtcp_iter_next(); RTP_ERR_TRUNCATED for an empty
 * datagram; RTP_ERR_MALFORMED when the first packet is not SR or RR. */
rtp_err_t rtp_rtcp_check_compound(const uint8_t *buf, size_t len);

/* Writes the 4-byte common header (V=2, P=0) of a packet whose body the
 * caller has already written at pkt[4..pkt_len). Useful for packet types
 * this module does not build.
 * Errors: RTP_ERR_INVALID_ARG when pkt is NULL, pkt_len is below 4, not a
 * multiple of 4 or above RTP_RTCP_MAX_PACKET_SIZE, or count > 31. */
rtp_err_t rtp_rtcp_write_header(uint8_t *pkt, size_t pkt_len, uint8_t count, uint8_t pt);

/* ---- SR and RR (RFC 3550 sections 6.4.1, 6.4.2) ------------------------ */

typedef struct rtp_rtcp_report_block {
    uint32_t ssrc;            /* SSRC_n, the source this block reports on */
    uint8_t fraction_lost;    /* fixed point, /256 */
    int32_t cumulative_lost;  /* 24-bit signed on the wire */
    uint32_t ext_highest_seq; /* extended highest sequence number received */
    uint32_t jitter;          /* interarrival jitter, RTP timestamp units */
    uint32_t lsr;             /* middle 32 bits of the last SR's NTP time */
    uint32_t dlsr;            /* delay since last SR, 1/65536 s */
} rtp_rtcp_report_block_t;

typedef struct rtp_rtcp_sender_info {
    uint64_t ntp;          /* NTP timestamp: seconds << 32 | fraction */
    uint32_t rtp_ts;       /* RTP timestamp of the same instant */
    uint32_t packet_count; /* sender's packet count */
    uint32_t octet_count;  /* sender's payload octet count */
} rtp_rtcp_sender_info_t;

/* A sender report. ext/ext_len: profile-specific extension after the report
 * blocks (a view when parsed; a multiple of 4 bytes, or NULL/0, to build). */
typedef struct rtp_rtcp_sr {
    uint32_t ssrc;
    rtp_rtcp_sender_info_t info;
    uint8_t n_blocks;
    rtp_rtcp_report_block_t blocks[RTP_RTCP_MAX_COUNT];
    const uint8_t *ext;
    size_t ext_len;
} rtp_rtcp_sr_t;

/* A receiver report; fields as in rtp_rtcp_sr_t. */
typedef struct rtp_rtcp_rr {
    uint32_t ssrc;
    uint8_t n_blocks;
    rtp_rtcp_report_block_t blocks[RTP_RTCP_MAX_COUNT];
    const uint8_t *ext;
    size_t ext_len;
} rtp_rtcp_rr_t;

/* Parse an SR / RR.
 * Errors: RTP_ERR_INVALID_ARG (NULL, or pkt is not of that type),
 * RTP_ERR_MALFORMED (body shorter than the fixed part plus RC blocks). */
rtp_err_t rtp_rtcp_parse_sr(const rtp_rtcp_packet_t *pkt, rtp_rtcp_sr_t *sr);
rtp_err_t rtp_rtcp_parse_rr(const rtp_rtcp_packet_t *pkt, rtp_rtcp_rr_t *rr);

/* Build an SR / RR.
 * Errors: RTP_ERR_INVALID_ARG (NULL, n_blocks > 31, a cumulative_lost
 * outside the 24-bit signed range, ext_len not a multiple of 4),
 * RTP_ERR_NO_SPACE (cap too small). */
rtp_err_t rtp_rtcp_build_sr(uint8_t *buf, size_t cap, const rtp_rtcp_sr_t *sr, size_t *written);
rtp_err_t rtp_rtcp_build_rr(uint8_t *buf, size_t cap, const rtp_rtcp_rr_t *rr, size_t *written);

/* ---- SDES (RFC 3550 section 6.5) --------------------------------------- */

/* A parsed SDES packet: a view of its chunks, validated by the parser. */
typedef struct rtp_rtcp_sdes {
    uint8_t n_chunks;
    const uint8_t *chunks;
    size_t chunks_len;
} rtp_rtcp_sdes_t;

/* One SDES item. text is not NUL-terminated. When building, ssrc is
 * ignored (the chunk carries it). */
typedef struct rtp_rtcp_sdes_item {
    uint32_t ssrc; /* the chunk's SSRC/CSRC */
    uint8_t type;  /* RTP_RTCP_SDES_CNAME ... */
    uint8_t length;
    const char *text;
} rtp_rtcp_sdes_item_t;

/* Parse SDES: checks every chunk's items and null termination.
 * Errors: RTP_ERR_INVALID_ARG (NULL or not SDES), RTP_ERR_MALFORMED (an
 * item or terminator runs past the body, or bytes follow the last chunk). */
rtp_err_t rtp_rtcp_parse_sdes(const rtp_rtcp_packet_t *pkt, rtp_rtcp_sdes_t *sdes);

typedef struct rtp_rtcp_sdes_iter {
    const uint8_t *pos;
    const uint8_t *end;
    const uint8_t *chunk_start;
    unsigned chunks_left;
    uint32_t ssrc;
    bool in_chunk;
} rtp_rtcp_sdes_iter_t;

/* Iterates the items of all chunks in order; chunks without items yield
 * nothing. */
void rtp_rtcp_sdes_iter_init(rtp_rtcp_sdes_iter_t *it, const rtp_rtcp_sdes_t *sdes);

/* Errors: RTP_ERR_END after the last item; RTP_ERR_INVALID_ARG (NULL);
 * RTP_ERR_MALFORMED if the view was not produced by rtp_rtcp_parse_sdes()
 * and does not hold well-formed chunks. */
rtp_err_t rtp_rtcp_sdes_next(rtp_rtcp_sdes_iter_t *it, rtp_rtcp_sdes_item_t *item);

/* Finds the first item of `type` for `ssrc`.
 * Errors: RTP_ERR_NOT_FOUND, RTP_ERR_INVALID_ARG, RTP_ERR_MALFORMED. */
rtp_err_t rtp_rtcp_sdes_find(const rtp_rtcp_sdes_t *sdes, uint32_t ssrc, uint8_t type,
                             rtp_rtcp_sdes_item_t *item);

/* One chunk to build: an SSRC and its items. */
typedef struct rtp_rtcp_sdes_chunk {
    uint32_t ssrc;
    const rtp_rtcp_sdes_item_t *items;
    size_t n_items;
} rtp_rtcp_sdes_chunk_t;

/* Build an SDES packet of n_chunks chunks.
 * Errors: RTP_ERR_INVALID_ARG (NULL, n_chunks > 31, an item of type 0 or
 * with text NULL and length > 0), RTP_ERR_NO_SPACE. */
rtp_err_t rtp_rtcp_build_sdes(uint8_t *buf, size_t cap, const rtp_rtcp_sdes_chunk_t *chunks,
                              size_t n_chunks, size_t *written);

/* Build an SDES packet of one chunk holding one CNAME item.
 * Errors: RTP_ERR_INVALID_ARG (NULL, cname_len > 255), RTP_ERR_NO_SPACE. */
rtp_err_t rtp_rtcp_build_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc, const char *cname,
                                    size_t cname_len, size_t *written);

/* ---- BYE (RFC 3550 section 6.6) and APP (section 6.7) ------------------ */

typedef struct rtp_rtcp_bye {
    uint8_t n_ssrcs;
    uint32_t ssrcs[RTP_RTCP_MAX_COUNT];
    const char *reason; /* NULL when absent; not NUL-terminated */
    uint8_t reason_len;
} rtp_rtcp_bye_t;

/* Errors: RTP_ERR_INVALID_ARG (NULL or not BYE), RTP_ERR_MALFORMED (SSRC
 * list or reason past the body). */
rtp_err_t rtp_rtcp_parse_bye(const rtp_rtcp_packet_t *pkt, rtp_rtcp_bye_t *bye);

/* Errors: RTP_ERR_INVALID_ARG (NULL, n_ssrcs > 31, reason NULL with
 * reason_len > 0), RTP_ERR_NO_SPACE. */
rtp_err_t rtp_rtcp_build_bye(uint8_t *buf, size_t cap, const rtp_rtcp_bye_t *bye, size_t *written);

typedef struct rtp_rtcp_app {
    uint8_t subtype; /* 5 bits */
    uint32_t ssrc;
    char name[4];        /* four ASCII characters */
    const uint8_t *data; /* application-dependent data */
    size_t data_len;
} rtp_rtcp_app_t;

/* Errors: RTP_ERR_INVALID_ARG (NULL or not APP), RTP_ERR_MALFORMED (body
 * shorter than SSRC and name). */
rtp_err_t rtp_rtcp_parse_app(const rtp_rtcp_packet_t *pkt, rtp_rtcp_app_t *app);

/* Errors: RTP_ERR_INVALID_ARG (NULL, subtype > 31, data_len not a multiple
 * of 4, data NULL with data_len > 0), RTP_ERR_NO_SPACE. */
rtp_err_t rtp_rtcp_build_app(uint8_t *buf, size_t cap, const rtp_rtcp_app_t *app, size_t *written);

/* ---- Feedback common part (RFC 4585 section 6.1) ----------------------- */

/* Any RTPFB/PSFB packet: the two SSRCs and a view of the FCI. */
typedef struct rtp_rtcp_fb {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    const uint8_t *fci;
    size_t fci_len;
} rtp_rtcp_fb_t;

/* Errors: RTP_ERR_INVALID_ARG (NULL, PT not 205/206), RTP_ERR_MALFORMED
 * (body shorter than the two SSRCs). */
rtp_err_t rtp_rtcp_parse_fb(const rtp_rtcp_packet_t *pkt, rtp_rtcp_fb_t *fb);

/* ---- Generic NACK (RFC 4585 section 6.2.1) ----------------------------- */

/* PID is a lost sequence number; bit i (LSB = 0) of BLP marks PID+i+1. */
typedef struct rtp_rtcp_nack_item {
    uint16_t pid;
    uint16_t blp;
} rtp_rtcp_nack_item_t;

typedef struct rtp_rtcp_nack {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    const uint8_t *fci; /* n_items PID/BLP pairs */
    size_t n_items;
} rtp_rtcp_nack_t;

/* Errors: RTP_ERR_INVALID_ARG (NULL, not RTPFB FMT 1), RTP_ERR_MALFORMED
 * (no FCI entry, or an FCI that is not a whole number of entries). */
rtp_err_t rtp_rtcp_parse_nack(const rtp_rtcp_packet_t *pkt, rtp_rtcp_nack_t *nack);

/* The i-th PID/BLP pair; i must be below n_items (zeros otherwise). */
rtp_rtcp_nack_item_t rtp_rtcp_nack_item_at(const rtp_rtcp_nack_t *nack, size_t i);

/* Expands a NACK into the sequence numbers it reports lost, in packet
 * order (each PID, then its BLP bits from PID+1 up). Overlapping items yield
 * duplicates. Writes at most cap numbers; *n_seqs gets the count written.
 * Errors: RTP_ERR_INVALID_ARG (NULL), RTP_ERR_NO_SPACE (more than cap; the
 * first cap are written). */
rtp_err_t rtp_rtcp_nack_expand(const rtp_rtcp_nack_t *nack, uint16_t *seqs, size_t cap,
                               size_t *n_seqs);

/* Compresses lost sequence numbers, in any order and with duplicates, into
 * PID/BLP pairs. The numbers are taken in circular order starting after
 * the largest gap, so a run across 65535 -> 0 stays one run. n_seqs may be
 * 0. Writes at most cap items; *n_items gets the count written.
 * Errors: RTP_ERR_INVALID_ARG (NULL), RTP_ERR_NO_SPACE (more than cap
 * items; the cap oldest are written). */
rtp_err_t rtp_rtcp_nack_compress(const uint16_t *seqs, size_t n_seqs, rtp_rtcp_nack_item_t *items,
                                 size_t cap, size_t *n_items);

typedef struct rtp_rtcp_nack_params {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    const rtp_rtcp_nack_item_t *items;
    size_t n_items;
} rtp_rtcp_nack_params_t;

/* Errors: RTP_ERR_INVALID_ARG (NULL, n_items 0 or too many for one
 * packet), RTP_ERR_NO_SPACE. */
rtp_err_t rtp_rtcp_build_nack(uint8_t *buf, size_t cap, const rtp_rtcp_nack_params_t *params,
                              size_t *written);

/* ---- Transport-wide CC feedback (draft-holmer-...-01 section 3.1) ------ */

/* Packet status symbols, section 3.1.1. The draft marks 11 reserved but its
 * own examples use it as "received, without receive delta"; it is parsed as
 * such and never built. */
typedef enum rtp_rtcp_twcc_status {
    RTP_RTCP_TWCC_NOT_RECEIVED = 0,
    RTP_RTCP_TWCC_SMALL_DELTA = 1,
    RTP_RTCP_TWCC_LARGE_DELTA = 2,
    RTP_RTCP_TWCC_NO_DELTA = 3,
} rtp_rtcp_twcc_status_t;

#define RTP_RTCP_TWCC_DELTA_US     250   /* receive delta unit */
#define RTP_RTCP_TWCC_REF_TIME_US  64000 /* reference time unit */
#define RTP_RTCP_TWCC_MAX_RUN      8191  /* 13-bit run length */
#define RTP_RTCP_TWCC_REF_TIME_MIN (-(1 << 23))
#define RTP_RTCP_TWCC_REF_TIME_MAX ((1 << 23) - 1)

typedef struct rtp_rtcp_twcc {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    uint16_t base_seq;
    uint16_t status_count;
    int32_t reference_time; /* 24-bit signed, units of 64 ms */
    uint8_t fb_pkt_count;
    size_t n_deltas;       /* statuses that carry a receive delta */
    const uint8_t *chunks; /* the packet status chunks */
    size_t chunks_len;
    const uint8_t *deltas; /* the receive deltas, 1 or 2 bytes each */
    size_t deltas_len;
} rtp_rtcp_twcc_t;

/* One reported packet. For a status with a delta, delta_us is the arrival
 * time minus the previous received packet's (the reference time for the
 * first) and arrival_us = reference_time * 64000 + the deltas so far; for
 * other statuses both are 0. */
typedef struct rtp_rtcp_twcc_entry {
    uint16_t seq;
    rtp_rtcp_twcc_status_t status;
    int32_t delta_us;
    int64_t arrival_us;
} rtp_rtcp_twcc_entry_t;

/* Parses the fixed fields and validates chunks and deltas (enough chunks
 * for status_count, enough delta bytes for the statuses that need them).
 * Bytes after the deltas are taken as padding.
 * Errors: RTP_ERR_INVALID_ARG (NULL, not RTPFB FMT 15), RTP_ERR_MALFORMED
 * (status_count 0, chunks or deltas past the body). */
rtp_err_t rtp_rtcp_parse_twcc(const rtp_rtcp_packet_t *pkt, rtp_rtcp_twcc_t *twcc);

/* Decodes the status_count per-packet entries into entries[0..cap).
 * Errors: RTP_ERR_INVALID_ARG (NULL), RTP_ERR_MALFORMED (view not from
 * rtp_rtcp_parse_twcc() and inconsistent), RTP_ERR_NO_SPACE (status_count >
 * cap; the first cap entries are written). *n_entries gets the count
 * written. */
rtp_err_t rtp_rtcp_twcc_entries(const rtp_rtcp_twcc_t *twcc, rtp_rtcp_twcc_entry_t *entries,
                                size_t cap, size_t *n_entries);

/* One packet to report, in input to the builder. */
typedef struct rtp_rtcp_twcc_packet {
    uint16_t seq;       /* transport-wide sequence number */
    bool received;      /* false: report as not received */
    int64_t arrival_us; /* arrival time, any time base; ignored if !received */
} rtp_rtcp_twcc_packet_t;

/* packets must be in strictly increasing sequence order (modulo 2^16, each
 * step 1..32767); missing numbers in between are reported not received.
 * The reference time is the first received arrival rounded down to 64 ms;
 * arrival times are quantized down to 250 us without drift. Chunks are
 * chosen greedily: run length for runs of 14 or more (or the whole rest),
 * a 1-bit status vector when the next 14 statuses are only not-received or
 * small, else a run length for runs of 7 or more, else a 2-bit vector. */
typedef struct rtp_rtcp_twcc_params {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    uint8_t fb_pkt_count;
    const rtp_rtcp_twcc_packet_t *packets;
    size_t n_packets;
} rtp_rtcp_twcc_params_t;

/* Errors: RTP_ERR_INVALID_ARG (NULL, n_packets 0, sequence not increasing,
 * more than 65535 statuses, a delta outside [-8192, 8191.75] ms, or a
 * reference time outside the 24-bit signed range), RTP_ERR_NO_SPACE. */
rtp_err_t rtp_rtcp_build_twcc(uint8_t *buf, size_t cap, const rtp_rtcp_twcc_params_t *params,
                              size_t *written);

/* ---- PLI (RFC 4585 6.3.1), FIR (RFC 5104 4.3.1), REMB ------------------ */

typedef struct rtp_rtcp_pli {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
} rtp_rtcp_pli_t;

/* Errors: RTP_ERR_INVALID_ARG (NULL, not PSFB FMT 1), RTP_ERR_MALFORMED.
 * FCI bytes after the SSRCs, which RFC 4585 does not define, are ignored. */
rtp_err_t rtp_rtcp_parse_pli(const rtp_rtcp_packet_t *pkt, rtp_rtcp_pli_t *pli);

/* Errors: RTP_ERR_INVALID_ARG (NULL), RTP_ERR_NO_SPACE. */
rtp_err_t rtp_rtcp_build_pli(uint8_t *buf, size_t cap, const rtp_rtcp_pli_t *pli, size_t *written);

typedef struct rtp_rtcp_fir_entry {
    uint32_t ssrc;  /* the media sender asked for a decoder refresh */
    uint8_t seq_nr; /* command sequence number */
} rtp_rtcp_fir_entry_t;

typedef struct rtp_rtcp_fir {
    uint32_t sender_ssrc;
    uint32_t media_ssrc; /* unused by FIR, SHALL be 0 */
    const uint8_t *fci;
    size_t n_entries;
} rtp_rtcp_fir_t;

/* Errors: RTP_ERR_INVALID_ARG (NULL, not PSFB FMT 4), RTP_ERR_MALFORMED
 * (no entry, or FCI not a whole number of 8-byte entries). */
rtp_err_t rtp_rtcp_parse_fir(const rtp_rtcp_packet_t *pkt, rtp_rtcp_fir_t *fir);

/* The i-th FIR entry; i must be below n_entries (zeros otherwise). */
rtp_rtcp_fir_entry_t rtp_rtcp_fir_entry_at(const rtp_rtcp_fir_t *fir, size_t i);

typedef struct rtp_rtcp_fir_params {
    uint32_t sender_ssrc;
    const rtp_rtcp_fir_entry_t *entries;
    size_t n_entries;
} rtp_rtcp_fir_params_t;

/* Writes media SSRC 0 and the reserved bits 0.
 * Errors: RTP_ERR_INVALID_ARG (NULL, n_entries 0 or too many),
 * RTP_ERR_NO_SPACE. */
rtp_err_t rtp_rtcp_build_fir(uint8_t *buf, size_t cap, const rtp_rtcp_fir_params_t *params,
                             size_t *written);

/* Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03
 * section 2.2): PSFB FMT 15 with the identifier "REMB". */
typedef struct rtp_rtcp_remb {
    uint32_t sender_ssrc;
    uint32_t media_ssrc; /* always 0 by the draft */
    uint8_t exp;         /* 6 bits */
    uint32_t mantissa;   /* 18 bits */
    uint64_t bitrate_bps;
    uint8_t n_ssrcs;
    const uint8_t *ssrc_list;
} rtp_rtcp_remb_t;

/* Errors: RTP_ERR_INVALID_ARG (NULL, not PSFB FMT 15), RTP_ERR_UNSUPPORTED
 * (an application layer feedback other than REMB), RTP_ERR_MALFORMED (FCI
 * too short for the fields or the SSRC list, or mantissa << exp above 64
 * bits). */
rtp_err_t rtp_rtcp_parse_remb(const rtp_rtcp_packet_t *pkt, rtp_rtcp_remb_t *remb);

/* The i-th SSRC of a REMB; i must be below n_ssrcs (0 otherwise). */
uint32_t rtp_rtcp_remb_ssrc_at(const rtp_rtcp_remb_t *remb, size_t i);

typedef struct rtp_rtcp_remb_params {
    uint32_t sender_ssrc;
    uint64_t bitrate_bps; /* rounded down to 18 significant bits */
    const uint32_t *ssrcs;
    size_t n_ssrcs;
} rtp_rtcp_remb_params_t;

/* Errors: RTP_ERR_INVALID_ARG (NULL, n_ssrcs > 255, ssrcs NULL with
 * n_ssrcs > 0), RTP_ERR_NO_SPACE. */
rtp_err_t rtp_rtcp_build_remb(uint8_t *buf, size_t cap, const rtp_rtcp_remb_params_t *params,
                              size_t *written);

/* ---- Dispatch ---------------------------------------------------------- */

typedef enum rtp_rtcp_kind {
    RTP_RTCP_KIND_UNKNOWN = 0,
    RTP_RTCP_KIND_SR,
    RTP_RTCP_KIND_RR,
    RTP_RTCP_KIND_SDES,
    RTP_RTCP_KIND_BYE,
    RTP_RTCP_KIND_APP,
    RTP_RTCP_KIND_NACK,
    RTP_RTCP_KIND_TWCC,
    RTP_RTCP_KIND_PLI,
    RTP_RTCP_KIND_FIR,
    RTP_RTCP_KIND_REMB,
    RTP_RTCP_KIND__COUNT
} rtp_rtcp_kind_t;

/* A parsed packet of any supported kind. */
typedef struct rtp_rtcp_msg {
    rtp_rtcp_kind_t kind;
    union {
        rtp_rtcp_sr_t sr;
        rtp_rtcp_rr_t rr;
        rtp_rtcp_sdes_t sdes;
        rtp_rtcp_bye_t bye;
        rtp_rtcp_app_t app;
        rtp_rtcp_nack_t nack;
        rtp_rtcp_twcc_t twcc;
        rtp_rtcp_pli_t pli;
        rtp_rtcp_fir_t fir;
        rtp_rtcp_remb_t remb;
    } u;
} rtp_rtcp_msg_t;

/* The kind a (packet type, count/FMT) pair is parsed as, from the same
 * const table rtp_rtcp_parse() uses; RTP_RTCP_KIND_UNKNOWN if none. */
rtp_rtcp_kind_t rtp_rtcp_kind_of(uint8_t pt, uint8_t count);

/* Name of a kind, such as "NACK"; never NULL. */
const char *rtp_rtcp_kind_name(rtp_rtcp_kind_t kind);

/* Parses pkt with the typed parser its (PT, FMT) selects; sets msg->kind.
 * Errors: RTP_ERR_INVALID_ARG (NULL), RTP_ERR_UNSUPPORTED (a packet type
 * or FMT not handled here, including non-REMB application feedback; kind is
 * then RTP_RTCP_KIND_UNKNOWN), and the errors of the typed parser. */
rtp_err_t rtp_rtcp_parse(const rtp_rtcp_packet_t *pkt, rtp_rtcp_msg_t *msg);

#endif
