/* VP8 RTP payload: the payload descriptor, parsed, written and rewritten in
 * place (RFC 7741 section 4.2), and the start of the VP8 frame that follows
 * it in a frame's first packet: the payload header / frame tag and a key
 * frame's start code and dimensions (RFC 7741 section 4.3, RFC 6386
 * sections 9.1 and 19.1).
 *
 * Descriptor layout (RFC 7741 figure 2), bit 0 the most significant:
 *
 *          0 1 2 3 4 5 6 7
 *         +-+-+-+-+-+-+-+-+
 *         |X|R|N|S|R| PID |  always
 *    X:   |I|L|T|K| RSV   |
 *    I:   |M| PictureID   |  plus a second PictureID byte when M = 1
 *    L:   |   TL0PICIDX   |
 *    T/K: |TID|Y| KEYIDX  |  present when T or K is set
 *
 * The frame tag is a 24-bit little-endian value: bit 0 the inverse key
 * frame flag P, bits 1-3 the version, bit 4 show_frame, bits 5-23 the first
 * partition size (RFC 7741 writes it Size0 + 8 * Size1 + 2048 * Size2). */
#include "rtp/rtp_payload.h"

#include "rtp/bytes.h"

#include <string.h>

/* First octet. */
#define VP8_X        0x80
#define VP8_N        0x20
#define VP8_S        0x10
#define VP8_PID_MASK 0x07
/* Extension octet. */
#define VP8_I 0x80
#define VP8_L 0x40
#define VP8_T 0x20
#define VP8_K 0x10
/* PictureID. */
#define VP8_M 0x80
/* T/K octet. */
#define VP8_TID_SHIFT   6
#define VP8_Y           0x20
#define VP8_KEYIDX_MASK 0x1f

#define VP8_TAG_LEN     3
#define VP8_KEY_HDR_LEN 10 /* frame tag, start code, width, height */
#define VP8_DIMS_AT     6

static const uint8_t vp8__start_code[3] = { 0x9d, 0x01, 0x2a };

static bool vp8__has_extension(const rtp_vp8_desc_t *d)
{
    return d->extended || d->has_picture_id || d->has_tl0picidx || d->has_tid || d->has_keyidx;
}

rtp_err_t rtp_vp8_desc_parse(const uint8_t *payload, size_t len, rtp_vp8_desc_t *out,
                             size_t *desc_len)
{
    memset(out, 0, sizeof *out);
    rtp_vp8_desc_t d = { 0 };
    rtp__cursor_t c = rtp__cursor(payload, len);

    uint8_t b0 = rtp__get8(&c);
    d.non_reference = (b0 & VP8_N) != 0;
    d.start_of_partition = (b0 & VP8_S) != 0;
    d.partition_index = b0 & VP8_PID_MASK;
    d.extended = (b0 & VP8_X) != 0;

    if (d.extended && !c.bad) {
        uint8_t x = rtp__get8(&c);
        d.has_picture_id = (x & VP8_I) != 0;
        d.has_tl0picidx = (x & VP8_L) != 0;
        d.has_tid = (x & VP8_T) != 0;
        d.has_keyidx = (x & VP8_K) != 0;
        if (d.has_picture_id) {
            uint8_t p = rtp__get8(&c);
            d.picture_id_long = (p & VP8_M) != 0;
            d.picture_id = p & 0x7f;
            if (d.picture_id_long)
                d.picture_id = (uint16_t)(d.picture_id << 8 | rtp__get8(&c));
        }
        if (d.has_tl0picidx)
            d.tl0picidx = rtp__get8(&c);
        if (d.has_tid || d.has_keyidx) {
            uint8_t tk = rtp__get8(&c);
            /* RFC 7741: with only one of T and K set, the other's part of
             * the octet is present but MUST be ignored. */
            if (d.has_tid) {
                d.tid = (uint8_t)(tk >> VP8_TID_SHIFT);
                d.layer_sync = (tk & VP8_Y) != 0;
            }
            if (d.has_keyidx)
                d.keyidx = tk & VP8_KEYIDX_MASK;
        }
    }
    /* A packet that ends with its descriptor carries no VP8 data at all;
     * RFC 7741 section 4 always follows the descriptor with payload. */
    if (c.bad || rtp__left(&c) == 0)
        return RTP_ERR_TRUNCATED;
    if (d.has_tl0picidx && !d.has_tid)
        return RTP_ERR_MALFORMED;

    *out = d;
    *desc_len = (size_t)(c.pos - payload);
    return RTP_OK;
}

size_t rtp_vp8_desc_size(const rtp_vp8_desc_t *desc)
{
    size_t size = 1;
    if (!vp8__has_extension(desc))
        return size;
    size++;
    if (desc->has_picture_id)
        size += desc->picture_id_long ? 2 : 1;
    if (desc->has_tl0picidx)
        size++;
    if (desc->has_tid || desc->has_keyidx)
        size++;
    return size;
}

static bool vp8__desc_valid(const rtp_vp8_desc_t *d)
{
    if (d->partition_index > VP8_PID_MASK)
        return false;
    if (d->has_picture_id &&
        d->picture_id > (d->picture_id_long ? RTP_VP8_PICTURE_ID_MAX_15 : RTP_VP8_PICTURE_ID_MAX_7))
        return false;
    if (d->has_tl0picidx && !d->has_tid)
        return false;
    if (d->has_tid && d->tid > 3)
        return false;
    if (d->has_keyidx && d->keyidx > VP8_KEYIDX_MASK)
        return false;
    return true;
}

rtp_err_t rtp_vp8_desc_write(const rtp_vp8_desc_t *desc, uint8_t *out, size_t cap, size_t *written)
{
    if (!vp8__desc_valid(desc))
        return RTP_ERR_INVALID_ARG;
    size_t size = rtp_vp8_desc_size(desc);
    if (cap < size)
        return RTP_ERR_NO_SPACE;

    rtp__writer_t w = rtp__writer(out, cap);
    bool ext = vp8__has_extension(desc);
    rtp__put8(&w, (uint8_t)((ext ? VP8_X : 0) | (desc->non_reference ? VP8_N : 0) |
                            (desc->start_of_partition ? VP8_S : 0) | desc->partition_index));
    if (ext) {
        rtp__put8(&w,
                  (uint8_t)((desc->has_picture_id ? VP8_I : 0) | (desc->has_tl0picidx ? VP8_L : 0) |
                            (desc->has_tid ? VP8_T : 0) | (desc->has_keyidx ? VP8_K : 0)));
        if (desc->has_picture_id) {
            if (desc->picture_id_long)
                rtp__put16(&w, (uint16_t)(VP8_M << 8 | desc->picture_id));
            else
                rtp__put8(&w, (uint8_t)desc->picture_id);
        }
        if (desc->has_tl0picidx)
            rtp__put8(&w, desc->tl0picidx);
        if (desc->has_tid || desc->has_keyidx) {
            uint8_t tk = 0;
            if (desc->has_tid)
                tk |= (uint8_t)(desc->tid << VP8_TID_SHIFT | (desc->layer_sync ? VP8_Y : 0));
            if (desc->has_keyidx)
                tk |= desc->keyidx;
            rtp__put8(&w, tk);
        }
    }
    *written = size;
    return RTP_OK;
}

rtp_err_t rtp_vp8_desc_rewrite(uint8_t *payload, size_t len, uint16_t picture_id, uint8_t tl0picidx)
{
    rtp_vp8_desc_t d;
    size_t desc_len;
    rtp_err_t err = rtp_vp8_desc_parse(payload, len, &d, &desc_len);
    if (err != RTP_OK)
        return err;
    if (picture_id > RTP_VP8_PICTURE_ID_MAX_15)
        return RTP_ERR_INVALID_ARG;
    if (d.has_picture_id && !d.picture_id_long && picture_id > RTP_VP8_PICTURE_ID_MAX_7)
        return RTP_ERR_UNSUPPORTED;

    /* The optional fields follow the first two octets in a fixed order. */
    uint8_t *field = payload + 2;
    if (d.has_picture_id) {
        if (d.picture_id_long) {
            rtp__wr16(field, (uint16_t)(VP8_M << 8 | picture_id));
            field += 2;
        } else {
            *field++ = (uint8_t)picture_id;
        }
    }
    if (d.has_tl0picidx)
        *field = tl0picidx;
    return RTP_OK;
}

rtp_err_t rtp_vp8_peek(const uint8_t *vp8, size_t len, rtp_vp8_frame_info_t *out)
{
    memset(out, 0, sizeof *out);
    if (len == 0)
        return RTP_ERR_TRUNCATED;

    /* Byte 0 alone holds P, the version and show_frame. */
    out->have = RTP_VP8_HAVE_TAG_BYTE;
    out->keyframe = (vp8[0] & 0x01) == 0;
    out->version = (vp8[0] >> 1) & 0x07;
    out->show_frame = (vp8[0] & 0x10) != 0;
    if (len < VP8_TAG_LEN)
        return RTP_ERR_TRUNCATED;

    uint32_t tag = (uint32_t)vp8[0] | (uint32_t)vp8[1] << 8 | (uint32_t)vp8[2] << 16;
    out->have = RTP_VP8_HAVE_TAG;
    out->first_partition_size = tag >> 5;
    if (!out->keyframe)
        return RTP_OK;

    if (len < VP8_TAG_LEN + sizeof vp8__start_code)
        return RTP_ERR_TRUNCATED;
    if (memcmp(vp8 + VP8_TAG_LEN, vp8__start_code, sizeof vp8__start_code) != 0)
        return RTP_ERR_MALFORMED;
    out->have = RTP_VP8_HAVE_START_CODE;
    if (len < VP8_KEY_HDR_LEN)
        return RTP_ERR_TRUNCATED;

    /* Two little-endian 16-bit words: 2-bit scale above a 14-bit size. */
    uint16_t h = (uint16_t)(vp8[VP8_DIMS_AT] | vp8[VP8_DIMS_AT + 1] << 8);
    uint16_t v = (uint16_t)(vp8[VP8_DIMS_AT + 2] | vp8[VP8_DIMS_AT + 3] << 8);
    out->have = RTP_VP8_HAVE_DIMENSIONS;
    out->width = h & 0x3fff;
    out->horizontal_scale = (uint8_t)(h >> 14);
    out->height = v & 0x3fff;
    out->vertical_scale = (uint8_t)(v >> 14);
    return RTP_OK;
}
