/* RTP fixed header parse and write (RFC 3550 section 5.1 and 5.3.1),
 * sequence-number unwrapping (RFC 3550 appendix A.1), RTX payload wrapping
 * (RFC 4588 section 4), first-byte demultiplexing (RFC 7983 section 7,
 * RFC 5761 section 4) and TURN ChannelData framing (RFC 8656 section 12.4). */
#include "rtp/rtp_packet.h"

#include "rtp/bytes.h"

#include <string.h>

rtp_err_t rtp_parse(const uint8_t *pkt, size_t len, rtp_header_t *out)
{
    memset(out, 0, sizeof *out);
    rtp__cursor_t c = rtp__cursor(pkt, len);
    uint8_t b0 = rtp__get8(&c);
    uint8_t b1 = rtp__get8(&c);
    out->seq = rtp__get16(&c);
    out->timestamp = rtp__get32(&c);
    out->ssrc = rtp__get32(&c);
    if (c.bad)
        return RTP_ERR_TRUNCATED;
    if (b0 >> 6 != RTP_VERSION)
        return RTP_ERR_BAD_VERSION;
    out->padding = (b0 & 0x20) != 0;
    out->extension = (b0 & 0x10) != 0;
    out->csrc_count = b0 & 0x0f;
    out->marker = (b1 & 0x80) != 0;
    out->payload_type = b1 & 0x7f;

    for (unsigned i = 0; i < out->csrc_count; i++)
        out->csrc[i] = rtp__get32(&c);
    if (out->extension) {
        out->ext_profile = rtp__get16(&c);
        out->ext_len = (size_t)rtp__get16(&c) * 4;
        out->ext = rtp__take(&c, out->ext_len);
    }
    if (c.bad)
        return RTP_ERR_TRUNCATED;

    out->header_len = (size_t)(c.pos - pkt);
    size_t rest = rtp__left(&c);
    if (out->padding) {
        /* The count byte is the packet's last and counts itself, so 0 is
         * impossible, and padding cannot reach back into the header. */
        uint8_t count = rest > 0 ? pkt[len - 1] : 0;
        if (count == 0 || count > rest)
            return RTP_ERR_MALFORMED;
        out->padding_len = count;
        rest -= count;
    }
    out->payload = c.pos;
    out->payload_len = rest;
    return RTP_OK;
}

size_t rtp_header_size(const rtp_header_t *h)
{
    size_t size = RTP_FIXED_HEADER_LEN + 4u * h->csrc_count;
    if (h->extension)
        size += 4 + h->ext_len;
    return size;
}

rtp_err_t rtp_write(const rtp_header_t *h, const uint8_t *payload, size_t payload_len,
                    uint8_t padding_len, uint8_t *out, size_t cap, size_t *out_len)
{
    if (h->csrc_count > RTP_MAX_CSRC || h->payload_type > 127)
        return RTP_ERR_INVALID_ARG;
    if (h->extension &&
        (h->ext_len % 4 != 0 || h->ext_len > 4u * 0xffff || (h->ext == NULL && h->ext_len > 0)))
        return RTP_ERR_INVALID_ARG;
    if (payload_len > 0 && payload == NULL)
        return RTP_ERR_INVALID_ARG;

    size_t header_len = rtp_header_size(h);
    if (cap < header_len || cap - header_len < payload_len ||
        cap - header_len - payload_len < padding_len)
        return RTP_ERR_NO_SPACE;

    /* The payload may already sit inside `out` (a caller rewriting a packet
     * in place with a different header size): move it first. */
    if (payload_len > 0)
        memmove(out + header_len, payload, payload_len);

    rtp__writer_t w = rtp__writer(out, header_len);
    rtp__put8(&w, (uint8_t)(RTP_VERSION << 6 | (padding_len > 0) << 5 | h->extension << 4 |
                            h->csrc_count));
    rtp__put8(&w, (uint8_t)(h->marker << 7 | h->payload_type));
    rtp__put16(&w, h->seq);
    rtp__put32(&w, h->timestamp);
    rtp__put32(&w, h->ssrc);
    for (unsigned i = 0; i < h->csrc_count; i++)
        rtp__put32(&w, h->csrc[i]);
    if (h->extension) {
        rtp__put16(&w, h->ext_profile);
        rtp__put16(&w, (uint16_t)(h->ext_len / 4));
        uint8_t *body = rtp__reserve(&w, h->ext_len);
        if (body && h->ext_len > 0)
            memmove(body, h->ext, h->ext_len);
    }
    if (w.bad)
        return RTP_ERR_NO_SPACE; /* unreachable: sized above */

    uint8_t *pad = out + header_len + payload_len;
    if (padding_len > 0) {
        memset(pad, 0, padding_len);
        pad[padding_len - 1] = padding_len;
    }
    *out_len = header_len + payload_len + padding_len;
    return RTP_OK;
}

int64_t rtp_seq_unwrap(rtp_seq_unwrapper_t *u, uint16_t seq)
{
    if (!u->started) {
        u->started = true;
        u->last = seq;
        return seq;
    }
    /* Two's-complement 16-bit difference from the last value: the nearest
     * of the candidates seq + k * 65536. */
    u->last += rtp_seq_diff((uint16_t)u->last, seq);
    return u->last;
}

rtp_err_t rtp_rtx_wrap(const uint8_t *original, size_t len, uint32_t rtx_ssrc, uint8_t rtx_pt,
                       uint16_t rtx_seq, uint8_t *out, size_t cap, size_t *out_len)
{
    rtp_header_t h;
    rtp_err_t err = rtp_parse(original, len, &h);
    if (err != RTP_OK)
        return err;
    if (rtx_pt > 127)
        return RTP_ERR_INVALID_ARG;
    uint16_t osn = h.seq;
    h.ssrc = rtx_ssrc;
    h.payload_type = rtx_pt;
    h.seq = rtx_seq;

    size_t header_len = rtp_header_size(&h);
    if (cap < header_len + 2 || cap - header_len - 2 < h.payload_len)
        return RTP_ERR_NO_SPACE;
    /* Place the original payload after the OSN first: it may overlap out. */
    memmove(out + header_len + 2, h.payload, h.payload_len);
    rtp__wr16(out + header_len, osn);
    return rtp_write(&h, out + header_len, h.payload_len + 2, 0, out, cap, out_len);
}

rtp_err_t rtp_rtx_unwrap(const uint8_t *rtx, size_t len, uint32_t media_ssrc, uint8_t media_pt,
                         uint8_t *out, size_t cap, size_t *out_len, uint16_t *osn)
{
    rtp_header_t h;
    rtp_err_t err = rtp_parse(rtx, len, &h);
    if (err != RTP_OK)
        return err;
    if (h.payload_len < 2)
        return RTP_ERR_TRUNCATED;
    if (media_pt > 127)
        return RTP_ERR_INVALID_ARG;
    uint16_t original_seq = rtp__rd16(h.payload);
    h.ssrc = media_ssrc;
    h.payload_type = media_pt;
    h.seq = original_seq;
    err = rtp_write(&h, h.payload + 2, h.payload_len - 2, 0, out, cap, out_len);
    if (err == RTP_OK && osn)
        *osn = original_seq;
    return err;
}

rtp_demux_kind_t rtp_demux(const uint8_t *datagram, size_t len)
{
    if (len == 0)
        return RTP_DEMUX_UNKNOWN;
    uint8_t b = datagram[0];
    if (b <= 3)
        return RTP_DEMUX_STUN;
    if (b >= 16 && b <= 19)
        return RTP_DEMUX_ZRTP;
    if (b >= 20 && b <= 63)
        return RTP_DEMUX_DTLS;
    if (b >= 64 && b <= 79)
        return RTP_DEMUX_TURN_CHANNEL;
    if (b >= 128 && b <= 191) {
        if (len < 2)
            return RTP_DEMUX_UNKNOWN;
        uint8_t pt = datagram[1];
        return pt >= 192 && pt <= 223 ? RTP_DEMUX_RTCP : RTP_DEMUX_RTP;
    }
    return RTP_DEMUX_UNKNOWN;
}

const char *rtp_demux_name(rtp_demux_kind_t kind)
{
    static const char *const names[] = {
        [RTP_DEMUX_UNKNOWN] = "unknown",
        [RTP_DEMUX_STUN] = "stun",
        [RTP_DEMUX_ZRTP] = "zrtp",
        [RTP_DEMUX_DTLS] = "dtls",
        [RTP_DEMUX_TURN_CHANNEL] = "turn-channel",
        [RTP_DEMUX_RTP] = "rtp",
        [RTP_DEMUX_RTCP] = "rtcp",
    };
    if ((unsigned)kind >= sizeof names / sizeof names[0])
        return "unknown";
    return names[kind];
}

rtp_err_t rtp_turn_channel_data(const uint8_t *datagram, size_t len, uint16_t *channel,
                                const uint8_t **inner, size_t *inner_len)
{
    rtp__cursor_t c = rtp__cursor(datagram, len);
    uint16_t number = rtp__get16(&c);
    uint16_t length = rtp__get16(&c);
    if (c.bad)
        return RTP_ERR_TRUNCATED;
    if (number < 0x4000 || number > 0x4fff)
        return RTP_ERR_MALFORMED;
    const uint8_t *body = rtp__take(&c, length);
    if (!body)
        return RTP_ERR_TRUNCATED;
    *channel = number;
    *inner = body;
    *inner_len = length;
    return RTP_OK;
}
