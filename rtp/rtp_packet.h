/* RTP packets: the fixed header (RFC 3550 section 5.1), sequence-number
 * arithmetic, RTX wrapping (RFC 4588 section 4) and first-byte
 * demultiplexing of a shared port (RFC 7983 section 7). */
#ifndef BLINDFOLD_RTP_PACKET_H
#define BLINDFOLD_RTP_PACKET_H

#include "rtp/rtp_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_VERSION          2
#define RTP_FIXED_HEADER_LEN 12
#define RTP_MAX_CSRC         15

/* A parsed RTP header. After rtp_parse() every pointer points into the
 * caller's packet buffer, which must outlive the struct. */
typedef struct rtp_header {
    bool padding;   /* P: padding_len bytes of padding end the packet */
    bool extension; /* X: a header extension block follows the CSRCs */
    bool marker;    /* M */
    uint8_t payload_type;
    uint8_t csrc_count;
    uint16_t seq;
    uint32_t timestamp;
    uint32_t ssrc;
    uint32_t csrc[RTP_MAX_CSRC];
    /* The extension block (valid when `extension`): the 16-bit profile
     * ("defined by profile") and the body that follows the 4-byte block
     * header, ext_len bytes, a multiple of 4. */
    uint16_t ext_profile;
    const uint8_t *ext;
    size_t ext_len;
    /* Everything after the header and before the padding. */
    const uint8_t *payload;
    size_t payload_len;
    uint8_t padding_len; /* including the count byte itself; 0 without P */
    size_t header_len;   /* bytes from the start of the packet to the payload */
} rtp_header_t;

/* Parses the RTP header of `pkt`.
 *
 * Errors: RTP_ERR_TRUNCATED when the packet ends inside the fixed header,
 * the CSRC list or the extension block; RTP_ERR_BAD_VERSION when V != 2;
 * RTP_ERR_MALFORMED when P is set and the padding count is 0 or longer than
 * what follows the header (RFC 3550 5.1: the count includes itself). */
rtp_err_t rtp_parse(const uint8_t *pkt, size_t len, rtp_header_t *out);

/* Size in bytes of the header that rtp_write_header() would write for `h`:
 * 12 + 4 * csrc_count, plus 4 + ext_len when `extension` is set. */
size_t rtp_header_size(const rtp_header_t *h);

/* Writes a whole packet: the header described by `h` (its ext block, CSRCs,
 * marker...), then `payload_len` bytes of `payload`, then `padding_len`
 * bytes of padding (the last one holding the count; P is set iff
 * padding_len > 0). h->payload, h->payload_len, h->padding and
 * h->padding_len are ignored. `payload` may overlap `out` (memmove).
 *
 * Errors: RTP_ERR_INVALID_ARG for csrc_count > 15, payload_type > 127, an
 * ext_len that is not a multiple of 4 or above 4 * 65535, or ext == NULL
 * with ext_len > 0; RTP_ERR_NO_SPACE when the packet exceeds `cap`. */
rtp_err_t rtp_write(const rtp_header_t *h, const uint8_t *payload, size_t payload_len,
                    uint8_t padding_len, uint8_t *out, size_t cap, size_t *out_len);

/* --- Sequence numbers (RFC 3550 appendix A.1) ------------------------- */

/* Signed distance b - a in the 16-bit circle, in [-32768, 32767]. */
static inline int16_t rtp_seq_diff(uint16_t a, uint16_t b)
{
    return (int16_t)(uint16_t)(b - a);
}

/* True when `a` comes before `b`, wrap-aware: 65535 is before 0. For a
 * distance of exactly 32768 the later in value order counts as newer. */
static inline bool rtp_seq_lt(uint16_t a, uint16_t b)
{
    uint16_t d = (uint16_t)(b - a);
    return d != 0 && (d < 0x8000 || (d == 0x8000 && b > a));
}

/* Extends 16-bit sequence numbers to 64 bits, following wraps in both
 * directions. The first value maps to itself; each later value maps to
 * the unwrapped number nearest the previous one, which may be negative if
 * a packet from before the first arrives. */
typedef struct rtp_seq_unwrapper {
    int64_t last;
    bool started;
} rtp_seq_unwrapper_t;

int64_t rtp_seq_unwrap(rtp_seq_unwrapper_t *u, uint16_t seq);

/* --- RTX (RFC 4588 section 4) ----------------------------------------- */

/* Builds the retransmission of `original` (a whole RTP packet) on the RTX
 * stream: SSRC `rtx_ssrc`, payload type `rtx_pt`, sequence number
 * `rtx_seq`, payload = original sequence number (OSN, 2 bytes) followed by
 * the original payload. The header extension block, CSRCs, marker and
 * timestamp are kept; padding is dropped.
 *
 * Errors: those of rtp_parse() on `original`; RTP_ERR_INVALID_ARG for
 * rtx_pt > 127; RTP_ERR_NO_SPACE when the result exceeds `cap`. */
rtp_err_t rtp_rtx_wrap(const uint8_t *original, size_t len, uint32_t rtx_ssrc, uint8_t rtx_pt,
                       uint16_t rtx_seq, uint8_t *out, size_t cap, size_t *out_len);

/* Restores the original packet from an RTX packet: SSRC `media_ssrc`,
 * payload type `media_pt`, sequence number taken from the OSN, payload
 * without the OSN. `*osn` receives the original sequence number (may be
 * NULL).
 *
 * Errors: those of rtp_parse(); RTP_ERR_TRUNCATED when the payload is
 * shorter than the 2-byte OSN (a padding-only RTX packet, as used for
 * bandwidth probing, carries no original); RTP_ERR_INVALID_ARG for
 * media_pt > 127; RTP_ERR_NO_SPACE. */
rtp_err_t rtp_rtx_unwrap(const uint8_t *rtx, size_t len, uint32_t media_ssrc, uint8_t media_pt,
                         uint8_t *out, size_t cap, size_t *out_len, uint16_t *osn);

/* --- Demultiplexing (RFC 7983 section 7, with RFC 5761 section 4) ----- */

typedef enum rtp_demux_kind {
    RTP_DEMUX_UNKNOWN = 0,  /* empty, or a first byte no protocol claims */
    RTP_DEMUX_STUN,         /* 0..3 */
    RTP_DEMUX_ZRTP,         /* 16..19 */
    RTP_DEMUX_DTLS,         /* 20..63 */
    RTP_DEMUX_TURN_CHANNEL, /* 64..79 */
    RTP_DEMUX_RTP,          /* 128..191, second byte not an RTCP type */
    RTP_DEMUX_RTCP,         /* 128..191, second byte 192..223 */
} rtp_demux_kind_t;

/* Classifies a datagram by its first byte (and, for RTP/RTCP, its second,
 * RFC 5761 section 4: packet types 192..223 are RTCP). A 1-byte datagram in
 * the RTP/RTCP range is UNKNOWN: it cannot be either. */
rtp_demux_kind_t rtp_demux(const uint8_t *datagram, size_t len);

/* Short lowercase name of a kind ("rtp", "stun", ...). */
const char *rtp_demux_name(rtp_demux_kind_t kind);

/* TURN ChannelData (RFC 8656 section 12.4): 2-byte channel number
 * (0x4000..0x4FFF), 2-byte length, then the application data; over UDP the
 * message may be followed by padding to 4 bytes. On success `*inner`
 * and `*inner_len` give the data.
 *
 * Errors: RTP_ERR_TRUNCATED when shorter than 4 bytes or than the declared
 * length; RTP_ERR_MALFORMED when the channel number is outside
 * 0x4000..0x4FFF. */
rtp_err_t rtp_turn_channel_data(const uint8_t *datagram, size_t len, uint16_t *channel,
                                const uint8_t **inner, size_t *inner_len);

#endif
