/* Typed header-extension values:
 *  - audio level, RFC 6464 section 3;
 *  - transport-wide sequence number,
 *    draft-holmer-rmcat-transport-wide-cc-extensions-01 section 2;
 *  - abs-send-time, webrtc.org/experiments/rtp-hdrext/abs-send-time
 *    (24-bit 6.18 fixed-point seconds);
 *  - abs-capture-time, webrtc.org/experiments/rtp-hdrext/abs-capture-time
 *    (UQ32.32 NTP capture time, optionally a Q32.32 clock offset), and
 *    the microsecond <-> NTP Q32.32 conversions it needs;
 *  - mid (RFC 8843 section 15.2, token syntax of RFC 4566 section 9) and
 *    rid / repaired-rid (RFC 8852 section 3, rid syntax of RFC 8851
 *    section 10);
 *  - video frame marking, RFC 9626 section 3 (the libwebrtc
 *    implementation of draft-ietf-avtext-framemarking-07 reads the same
 *    1- and 3-byte layouts). */
#include "rtp/rtp_ext.h"

#include "rtp/bytes.h"

#include <string.h>

rtp_err_t rtp_ext_audio_level_parse(const rtp_ext_elem_t *e, bool *voice, uint8_t *level_dbov)
{
    if (e->len < 1)
        return RTP_ERR_MALFORMED;
    *voice = (e->value[0] & 0x80) != 0;
    *level_dbov = e->value[0] & 0x7f;
    return RTP_OK;
}

size_t rtp_ext_audio_level_write(bool voice, uint8_t level_dbov, uint8_t out[1])
{
    if (level_dbov > 127)
        return 0;
    out[0] = (uint8_t)(voice << 7 | level_dbov);
    return 1;
}

rtp_err_t rtp_ext_twcc_seq_parse(const rtp_ext_elem_t *e, uint16_t *seq)
{
    if (e->len != 2)
        return RTP_ERR_MALFORMED;
    *seq = rtp__rd16(e->value);
    return RTP_OK;
}

size_t rtp_ext_twcc_seq_write(uint16_t seq, uint8_t out[2])
{
    rtp__wr16(out, seq);
    return 2;
}

rtp_err_t rtp_ext_abs_send_time_parse(const rtp_ext_elem_t *e, uint32_t *abs_send_time)
{
    if (e->len != 3)
        return RTP_ERR_MALFORMED;
    *abs_send_time = rtp__rd24(e->value);
    return RTP_OK;
}

size_t rtp_ext_abs_send_time_write(uint32_t abs_send_time, uint8_t out[3])
{
    if (abs_send_time > 0xffffff)
        return 0;
    rtp__wr24(out, abs_send_time);
    return 3;
}

#define ABS_SEND_TIME_PERIOD_US 64000000u /* 2^6 seconds */

uint32_t rtp_abs_send_time_from_us(uint64_t time_us)
{
    uint64_t in_period = time_us % ABS_SEND_TIME_PERIOD_US;
    uint64_t fixed = ((in_period << 18) + 500000) / 1000000;
    return (uint32_t)(fixed & 0xffffff);
}

uint64_t rtp_abs_send_time_to_us(uint32_t abs_send_time)
{
    uint64_t fixed = abs_send_time & 0xffffff;
    return (fixed * 1000000 + (1u << 17)) >> 18;
}

static uint64_t ext__rd64(const uint8_t *p)
{
    return (uint64_t)rtp__rd32(p) << 32 | rtp__rd32(p + 4);
}

rtp_err_t rtp_ext_abs_capture_time_parse(const rtp_ext_elem_t *e, uint64_t *ntp_q32,
                                         bool *has_offset, int64_t *offset_q32)
{
    if (e->len != 8 && e->len != 16)
        return RTP_ERR_MALFORMED;
    *ntp_q32 = ext__rd64(e->value);
    *has_offset = e->len == 16;
    *offset_q32 = 0;
    if (*has_offset) {
        /* Two's complement on the wire; converted without relying on the
         * implementation-defined unsigned-to-signed cast. */
        uint64_t raw = ext__rd64(e->value + 8);
        *offset_q32 = raw <= INT64_MAX ? (int64_t)raw : -(int64_t)(~raw) - 1;
    }
    return RTP_OK;
}

size_t rtp_ext_abs_capture_time_write(uint64_t ntp_q32, uint8_t out[8])
{
    rtp__wr32(out, (uint32_t)(ntp_q32 >> 32));
    rtp__wr32(out + 4, (uint32_t)ntp_q32);
    return 8;
}

#define US_PER_SECOND 1000000u

uint64_t rtp_ntp_q32_from_us(uint64_t time_us)
{
    uint64_t seconds = time_us / US_PER_SECOND;
    uint64_t sub_us = time_us % US_PER_SECOND;
    /* < 2^32 even for sub_us 999999, so it never carries into the seconds */
    uint64_t fraction = ((sub_us << 32) + US_PER_SECOND / 2) / US_PER_SECOND;
    return (seconds << 32) | fraction;
}

uint64_t rtp_ntp_q32_to_us(uint64_t ntp_q32)
{
    uint64_t seconds = ntp_q32 >> 32;
    uint64_t fraction = ntp_q32 & 0xffffffffu;
    return seconds * US_PER_SECOND + ((fraction * US_PER_SECOND + (1u << 31)) >> 32);
}

/* RFC 4566 token-char: %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 /
 * %x41-5A / %x5E-7E. */
static bool ext__is_token_char(uint8_t c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b || c == 0x2d ||
           c == 0x2e || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ||
           (c >= 0x5e && c <= 0x7e);
}

/* RFC 8851 rid-id = 1*(alpha-numeric / "-" / "_"). */
static bool ext__is_rid_char(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '_';
}

static rtp_err_t ext__string_parse(const rtp_ext_elem_t *e, bool (*valid)(uint8_t), char *out,
                                   size_t cap)
{
    if (e->len == 0)
        return RTP_ERR_MALFORMED;
    for (size_t i = 0; i < e->len; i++)
        if (!valid(e->value[i]))
            return RTP_ERR_MALFORMED;
    if (cap < (size_t)e->len + 1)
        return RTP_ERR_NO_SPACE;
    memcpy(out, e->value, e->len);
    out[e->len] = '\0';
    return RTP_OK;
}

static size_t ext__string_write(const char *text, bool (*valid)(uint8_t), uint8_t *out, size_t cap)
{
    size_t len = 0;
    while (len <= 255 && text[len] != '\0')
        len++;
    if (len == 0 || len > 255 || len > cap)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!valid((uint8_t)text[i]))
            return 0;
    memcpy(out, text, len);
    return len;
}

rtp_err_t rtp_ext_mid_parse(const rtp_ext_elem_t *e, char *out, size_t cap)
{
    return ext__string_parse(e, ext__is_token_char, out, cap);
}

rtp_err_t rtp_ext_rid_parse(const rtp_ext_elem_t *e, char *out, size_t cap)
{
    return ext__string_parse(e, ext__is_rid_char, out, cap);
}

size_t rtp_ext_mid_write(const char *mid, uint8_t *out, size_t cap)
{
    return ext__string_write(mid, ext__is_token_char, out, cap);
}

size_t rtp_ext_rid_write(const char *rid, uint8_t *out, size_t cap)
{
    return ext__string_write(rid, ext__is_rid_char, out, cap);
}

rtp_err_t rtp_ext_frame_marking_parse(const rtp_ext_elem_t *e, rtp_frame_marking_t *fm)
{
    if (e->len < 1 || e->len > 3)
        return RTP_ERR_MALFORMED;
    memset(fm, 0, sizeof *fm);
    uint8_t b0 = e->value[0];
    fm->start_of_frame = (b0 & 0x80) != 0;
    fm->end_of_frame = (b0 & 0x40) != 0;
    fm->independent = (b0 & 0x20) != 0;
    fm->discardable = (b0 & 0x10) != 0;
    if (e->len == 1)
        return RTP_OK; /* short form: the low four bits are reserved zeros, ignored */
    fm->scalable = true;
    fm->base_layer_sync = (b0 & 0x08) != 0;
    fm->tid = b0 & 0x07;
    fm->lid = e->value[1];
    if (e->len == 3) {
        fm->has_tl0picidx = true;
        fm->tl0picidx = e->value[2];
    }
    return RTP_OK;
}

size_t rtp_ext_frame_marking_write(const rtp_frame_marking_t *fm, uint8_t out[3])
{
    if (fm->tid > 7)
        return 0;
    uint8_t b0 = (uint8_t)(fm->start_of_frame << 7 | fm->end_of_frame << 6 | fm->independent << 5 |
                           fm->discardable << 4);
    if (!fm->scalable) {
        out[0] = b0;
        return 1;
    }
    out[0] = (uint8_t)(b0 | fm->base_layer_sync << 3 | fm->tid);
    out[1] = fm->lid;
    out[2] = fm->tl0picidx;
    return 3;
}
