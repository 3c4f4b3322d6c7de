/* sim/replay_streams.h: the RTP stream table of `blindfold replay`, private
 * to sim/.
 *
 * The replay hands it every RTP packet it finds in a capture (after UDP,
 * TURN ChannelData and, where it can, SRTP); the table keeps one row per
 * stream, one stream being one (source address and port, destination
 * address and port, SSRC), in the order the streams were first seen. The
 * rows become report.json's `streams` (docs/report-format.md, kind
 * "replay") and streams.csv.
 *
 * Counting rules. The contract says `streams` counts packets the way
 * Wireshark's `tshark -z rtp,streams` does, so every figure tshark prints
 * follows Wireshark 4.0's RTP analysis (rtppacket_analyse in ui/tap-rtp-
 * analysis.c, rtpstream_info_calculate in ui/tap-rtp-common.c), checked
 * against tshark 4.0.17 (Debian 12) on captures and on hand-built
 * sequences (sim/tests/test_replay_streams.c). Per packet, in the order fed:
 *
 *  - "In time": a packet is in time unless its RTP timestamp lies before
 *    the first packet's, "before" meaning more than 2^31 ticks ahead modulo
 *    2^32. (So, as in Wireshark 4.0, a stream whose timestamps run more than
 *    2^31 ticks past its first, 6.6 hours of 90 kHz video, is out of time
 *    from then on.) A packet out of time counts in timestamp_errors.
 *  - packets: every packet of the stream, duplicates included.
 *  - lost = expected - packets, expected = (last seq + 65536 * cycles) -
 *    first seq + 1, where "last seq" is the sequence number of the packet
 *    fed last (not the highest one) and `cycles` counts wraps with
 *    Wireshark's heuristic: an in-time packet whose seq is below the first
 *    seq (or is 0 right after a 65535) starts a cycle, unless a cycle has
 *    started and no in-time packet above the first seq has ended it yet.
 *    Duplicates make lost negative, as tshark shows; so does a stream whose
 *    last packet arrives late; and a packet from just before the first one
 *    that arrives in time starts a cycle of its own (lost near 65536).
 *  - sequence_errors (Wireshark's "wrong sequence" count): with s a cursor
 *    that starts at the first seq, an in-time packet with seq s + 1 (or 0
 *    after 65535) is in order and moves s; an in-time packet that jumps
 *    forward (seq > s + 1, or s - seq > 0xFF00: lost packets across the
 *    wrap) counts and moves s; any other packet with seq <= s (late or
 *    duplicate) counts. An out-of-time packet with seq > s counts nothing.
 *    tshark's "Problems?" column is sequence_errors + timestamp_errors > 0.
 *  - delta: arrival time minus that of the last in-time packet. Max, min
 *    and mean delta cover only "regular" packets: in time, not the first,
 *    no marker bit, not comfort noise (PT 13 or 19) nor right after it.
 *    The mean is Wireshark's running mean, whose denominator counts every
 *    earlier packet of the stream, regular or not (so streams of mostly
 *    marked packets, such as video of one packet per frame, show a mean
 *    far below the min).
 *  - jitter: RFC 3550 section 6.4.1's estimator J += (|D| - J) / 16, in
 *    milliseconds, over in-time packets, where D compares the arrival time
 *    and the RTP timestamp of the packet with those of the last in-time
 *    packet. The clock rate is that of the packet's payload type: the
 *    static table of RFC 3551 (as Wireshark's, with 8000 Hz also for the
 *    reserved PTs 1, 2 and 19), or what sim__streams_map_payload() gave. A
 *    PT without a clock rate (every dynamic PT by default, as in tshark
 *    without SDP) gets no jitter: it stays 0. Timestamp ticks become ms as
 *    ticks / (rate / 1000) with the integer quotient, as in Wireshark:
 *    44100 Hz counts as 44 kHz (rates below 1000 Hz count as unknown). Max,
 *    min and mean jitter cover the regular packets with a known clock
 *    rate, the mean with the same denominator as the mean delta.
 *  - first_s and last_s: capture times of the first and last packet fed,
 *    in seconds after the origin (sim__streams_set_origin).
 *
 * Added figures, not in tshark's table:
 *  - bytes: the RTP packet as the UDP datagram carried it (RTP header,
 *    payload, padding, SRTP tag; TURN framing excluded), the same count as
 *    Wireshark's per-packet RTP length. tshark's table prints no bytes;
 *    its RTP stream analysis adds 28 (IPv4) or 48 (IPv6) bytes of IP and
 *    UDP header to it for its bandwidth.
 *  - duplicates, reordered, lost_rfc3550: from sequence numbers extended
 *    to 64 bits (rtp_seq_unwrap). A packet whose number was already seen
 *    among the last SIM__STREAMS_SEQ_WINDOW numbers up to the highest is a
 *    duplicate; any other packet below the highest is reordered (a
 *    duplicate of a packet older than the window counts as reordered: the
 *    table cannot tell). lost_rfc3550 is RFC 3550 appendix A.3's count:
 *    highest - first + 1 - packets.
 *
 * What the table does not do as Wireshark does: Wireshark's heuristic
 * dissector refuses RTP payload types 72..76, which no real stream uses
 * (RFC 5761 section 4), and reads RTP that rtp_parse() refuses (a bad
 * padding count); the table counts whatever it is fed that parses.
 *
 * Memory is bounded: at most max_streams rows; rows are allocated in
 * blocks when streams appear, nothing per packet. Packets of further
 * streams are counted (untracked packets and, up to max_streams of them,
 * distinct untracked streams) but not analysed. */
#ifndef BLINDFOLD_SIM_REPLAY_STREAMS_H
#define BLINDFOLD_SIM_REPLAY_STREAMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rtp/rtp.h"

#define SIM__STREAMS_MAX_DEFAULT 4096
#define SIM__STREAMS_CODEC_LEN   16   /* codec names hold at most 15 characters */
#define SIM__STREAMS_SEQ_WINDOW  1024 /* sequence numbers remembered for duplicates */
/* Longest endpoint text: "[" IPv6 "]:" port and the NUL. */
#define SIM__STREAMS_ENDPOINT_TEXT_LEN 56

/* An IP address and UDP port. For IPv4 only addr[0..3] count. */
typedef struct sim__streams_endpoint {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
} sim__streams_endpoint_t;

/* The replay's verdict on a stream's SRTP (the `srtp` key). */
typedef enum sim__streams_srtp {
    SIM__STREAMS_SRTP_PLAIN = 0,
    SIM__STREAMS_SRTP_DECRYPTED,
    SIM__STREAMS_SRTP_UNDECRYPTABLE,
} sim__streams_srtp_t;

/* One packet for sim__streams_add(). */
typedef struct sim__streams_packet {
    int64_t capture_us; /* capture time */
    sim__streams_endpoint_t src, dst;
    const uint8_t *rtp; /* the RTP packet; only its header is read */
    size_t rtp_len;
    size_t wire_len; /* bytes it counts for; 0 means rtp_len (see `bytes` above) */
} sim__streams_packet_t;

typedef enum sim__streams_status {
    SIM__STREAMS_COUNTED = 0, /* the packet went into its row */
    SIM__STREAMS_UNTRACKED,   /* a new stream beyond max_streams: counted only */
    SIM__STREAMS_MALFORMED,   /* rtp_parse() refused the header: not counted */
    SIM__STREAMS_INVALID,     /* an endpoint family other than 4 or 6 */
} sim__streams_status_t;

/* The analysis state of a row, mirroring Wireshark's per-stream state.
 * Read it through the row's figures below; only replay_streams.c writes it. */
typedef struct sim__streams_analysis {
    uint16_t first_seq, last_seq;
    uint16_t seq_cursor; /* the last seq that was in order, or jumped to */
    bool cycle_open;     /* a wrap started and no seq above first_seq ended it */
    uint32_t cycles;
    uint32_t first_ts; /* RTP timestamp of the first packet */
    double intime_ms;  /* arrival of the last in-time packet, ms after the origin */
    double nominal_ms; /* timestamp of the last in-time packet with a clock rate,
                          in ms after first_ts at the rate then */
    double jitter_ms;  /* current estimate */
    uint8_t prev_pt;   /* PT of the packet fed last */
    rtp_seq_unwrapper_t unwrap;
    int64_t first_ext, highest_ext;
    uint8_t seen[SIM__STREAMS_SEQ_WINDOW / 8]; /* bit (n mod window): n was received */
} sim__streams_analysis_t;

/* One stream. The figures are the table's; the `replay` slot is the
 * caller's to fill. */
typedef struct sim__streams_row {
    sim__streams_endpoint_t src, dst;
    uint32_t ssrc;
    uint8_t payload_type;      /* of the first packet */
    bool payload_type_changed; /* some packet had another PT */
    uint8_t payload_types[16]; /* bit p: PT p was seen */
    uint32_t clock_rate;       /* the last non-zero rate used for jitter; 0: none */
    uint64_t packets, bytes;
    uint64_t duplicates, reordered;
    uint64_t sequence_errors, timestamp_errors;
    int64_t first_us, last_us; /* capture times of the first and last packet fed */
    uint64_t regular;          /* packets that entered delta and jitter figures */
    uint64_t jitter_regular;   /* ... with a known clock rate */
    double max_delta_ms, min_delta_ms, mean_delta_ms;
    double max_jitter_ms, min_jitter_ms, mean_jitter_ms;
    struct {
        sim__streams_srtp_t srtp;
        bool looks_encrypted;
        uint64_t forwarded_packets;
    } replay;
    sim__streams_analysis_t analysis;
    uint64_t hash; /* of (src, dst, ssrc), for the index */
    size_t index;  /* the row's position in first-seen order */
} sim__streams_row_t;

typedef struct sim__streams sim__streams_t;

typedef struct sim__streams_config {
    size_t max_streams; /* rows kept, 1..16777216; default SIM__STREAMS_MAX_DEFAULT */
} sim__streams_config_t;

/* { .max_streams = SIM__STREAMS_MAX_DEFAULT }. */
sim__streams_config_t sim__streams_config_default(void);

/* A new, empty table with the static payload types mapped (RFC 3551).
 * Returns NULL when cfg->max_streams is 0 or above 16777216, or when
 * memory runs out. `cfg` may be NULL for the defaults. */
sim__streams_t *sim__streams_create(const sim__streams_config_t *cfg);

/* Frees the table and its rows. Accepts NULL. */
void sim__streams_destroy(sim__streams_t *table);

/* Names payload type `pt` (any PT, static ones included) `codec` with
 * clock rate `clock_rate` Hz, as an SDP rtpmap line would. clock_rate 0
 * looks the rate up by codec name (VP8, H264, opus, ...: the names of
 * Wireshark's table and the WebRTC video codecs, case-insensitive), and
 * leaves it unknown for names it does not know and for telephone-event,
 * whose timestamps do not advance.
 *
 * The name shows in every row whose first PT is `pt` when the table is
 * written; the clock rate counts for packets added afterwards.
 *
 * Errors: RTP_ERR_INVALID_ARG for pt > 127, a NULL or empty codec, one
 * longer than SIM__STREAMS_CODEC_LEN - 1 characters, or one holding
 * anything but printable ASCII without spaces, `,` and `"` (so the name
 * needs no quoting in streams.csv). */
rtp_err_t sim__streams_map_payload(sim__streams_t *table, uint8_t pt, const char *codec,
                                   uint32_t clock_rate);

/* The codec name and clock rate mapped for `pt` ("" and 0 when none). */
const char *sim__streams_codec(const sim__streams_t *table, uint8_t pt);
uint32_t sim__streams_clock_rate(const sim__streams_t *table, uint8_t pt);

/* Sets the time that first_s and last_s count from: the capture time of
 * the capture's first packet, RTP or not (Wireshark's relative time).
 * Without it, the first packet added sets it. Set it before adding. */
void sim__streams_set_origin(sim__streams_t *table, int64_t capture_us);

/* Adds one packet. On SIM__STREAMS_COUNTED, *row (when row is not NULL)
 * points to the packet's row, which stays at that address until the
 * table is destroyed; otherwise *row is NULL. Returns the status above. */
sim__streams_status_t sim__streams_add(sim__streams_t *table, const sim__streams_packet_t *pkt,
                                       sim__streams_row_t **row);

/* Rows in first-seen order, 0 <= i < sim__streams_count(). NULL beyond. */
size_t sim__streams_count(const sim__streams_t *table);
sim__streams_row_t *sim__streams_row(const sim__streams_t *table, size_t i);

/* The row of (src, dst, ssrc), or NULL. */
sim__streams_row_t *sim__streams_find(const sim__streams_t *table,
                                      const sim__streams_endpoint_t *src,
                                      const sim__streams_endpoint_t *dst, uint32_t ssrc);

/* Packets of streams beyond max_streams, and how many such streams were
 * seen: exact while *streams_exact is true (up to max_streams of them),
 * a lower bound after. streams_exact may be NULL. Malformed packets are
 * sim__streams_malformed(). */
uint64_t sim__streams_untracked_packets(const sim__streams_t *table);
uint64_t sim__streams_untracked_streams(const sim__streams_t *table, bool *streams_exact);
uint64_t sim__streams_malformed(const sim__streams_t *table);

/* Figures derived from a row, as documented at the top. */
int64_t sim__streams_lost(const sim__streams_row_t *row);
int64_t sim__streams_lost_rfc3550(const sim__streams_row_t *row);
double sim__streams_rel_s(const sim__streams_t *table, int64_t capture_us);

/* "plain", "decrypted" or "undecryptable" ("?" for other values). */
const char *sim__streams_srtp_name(sim__streams_srtp_t srtp);

/* Writes "a.b.c.d:port" or "[v6]:port" into out (cap >= SIM__STREAMS_
 * ENDPOINT_TEXT_LEN suffices). Returns false when it does not fit or the
 * family is neither 4 nor 6 (out then holds ""). */
bool sim__streams_endpoint_format(const sim__streams_endpoint_t *ep, char *out, size_t cap);

/* Parses that text form. Returns false, leaving *ep zeroed, when it is not
 * one. */
bool sim__streams_endpoint_parse(const char *text, sim__streams_endpoint_t *ep);

/* Writes streams.csv: a header line, then one line per row in first-seen
 * order. Columns, in order:
 *   src,dst,ssrc            endpoints as above; SSRC as 0xHEX (8 digits)
 *   payload_type            first PT
 *   payload_types           every PT seen, ascending, separated by ';'
 *   payload_type_changed    1 or 0
 *   codec,clock_rate        of the first PT; clock_rate of the jitter (0: none)
 *   packets,bytes
 *   lost,lost_rfc3550       Wireshark's count; RFC 3550 A.3's count
 *   duplicates,reordered,sequence_errors,timestamp_errors
 *   first_s,last_s          seconds from the origin, 6 decimals
 *   min_delta_ms,mean_delta_ms,max_delta_ms        3 decimals; empty when
 *   min_jitter_ms,mean_jitter_ms,max_jitter_ms     no packet entered them
 *   srtp,looks_encrypted,forwarded_packets         the replay's slot
 * Returns 0, or -1 when a write fails. */
int sim__streams_write_csv(const sim__streams_t *table, FILE *out);

/* The report's `streams` array: one object per row in first-seen order
 * with the contract's keys (src, dst, ssrc as "0x" and 8 uppercase hex
 * digits, payload_type, codec, packets, bytes, lost, duplicates,
 * reordered, first_s, last_s, jitter_ms_max, srtp, looks_encrypted,
 * forwarded_packets) and these additions: payload_types (array),
 * payload_type_changed, clock_rate, lost_rfc3550, sequence_errors,
 * timestamp_errors, max_delta_ms and jitter_ms_mean. jitter_ms_max
 * and jitter_ms_mean are 0 for a stream without a clock rate, as tshark
 * prints them; max_delta_ms is 0 when no packet entered it. Returns NULL
 * when memory runs out. */
json_t *sim__streams_to_json(const sim__streams_t *table);

#endif
