/* Fuzz target for the VP8 payload descriptor and frame-start peek
 * (rtp/vp8.c; RFC 7741 sections 4.2-4.3, RFC 6386 section 9.1).
 *
 * Invariants, for every input the parser accepts:
 *   - the descriptor fits the input and leaves at least one VP8 byte;
 *   - rtp_vp8_desc_size() matches the parsed length;
 *   - parse -> write -> parse gives identical values and length, and the
 *     written bytes equal the input's with reserved/ignored bits cleared;
 *   - forcing the 15-bit PictureID keeps every value;
 *   - an in-place rewrite changes only the PictureID and TL0PICIDX bytes.
 * For every input: rtp_vp8_peek() stays within `size` and its `have`
 * level matches the bytes it was given. */
#include "fuzz.h"

#include "rtp/rtp.h"

#include <string.h>

static bool desc_equal(const rtp_vp8_desc_t *a, const rtp_vp8_desc_t *b)
{
    return a->non_reference == b->non_reference && a->start_of_partition == b->start_of_partition &&
           a->partition_index == b->partition_index && a->extended == b->extended &&
           a->has_picture_id == b->has_picture_id && a->picture_id_long == b->picture_id_long &&
           a->picture_id == b->picture_id && a->has_tl0picidx == b->has_tl0picidx &&
           a->tl0picidx == b->tl0picidx && a->has_tid == b->has_tid && a->tid == b->tid &&
           a->layer_sync == b->layer_sync && a->has_keyidx == b->has_keyidx &&
           a->keyidx == b->keyidx;
}

/* The input's descriptor with every bit the parser ignores cleared. */
static void canonical(const uint8_t *in, const rtp_vp8_desc_t *d, size_t len, uint8_t *out)
{
    memcpy(out, in, len);
    out[0] &= 0xb7; /* both R bits */
    if (len == 1)
        return;
    out[1] &= 0xf0; /* RSV */
    if (d->has_tid || d->has_keyidx)
        out[len - 1] &= (uint8_t)((d->has_tid ? 0xe0 : 0) | (d->has_keyidx ? 0x1f : 0));
}

static void check_round_trip(const uint8_t *data, const rtp_vp8_desc_t *d, size_t desc_len)
{
    uint8_t buf[RTP_VP8_DESC_MAX_LEN + 1];
    size_t written = 0;
    FUZZ_ASSERT(rtp_vp8_desc_write(d, buf, sizeof buf, &written) == RTP_OK);
    FUZZ_ASSERT(written == desc_len);
    uint8_t want[RTP_VP8_DESC_MAX_LEN];
    canonical(data, d, desc_len, want);
    FUZZ_ASSERT(memcmp(buf, want, desc_len) == 0);

    buf[written] = 0; /* one VP8 byte, so the descriptor is not cut short */
    rtp_vp8_desc_t again;
    size_t again_len = 0;
    FUZZ_ASSERT(rtp_vp8_desc_parse(buf, written + 1, &again, &again_len) == RTP_OK);
    FUZZ_ASSERT(again_len == desc_len);
    FUZZ_ASSERT(desc_equal(d, &again));

    /* Too small a buffer is refused, never overrun. */
    FUZZ_ASSERT(rtp_vp8_desc_write(d, buf, desc_len - 1, &written) == RTP_ERR_NO_SPACE);
}

static void check_forced_long(const rtp_vp8_desc_t *d, size_t desc_len)
{
    if (!d->has_picture_id)
        return;
    rtp_vp8_desc_t wide = *d;
    wide.picture_id_long = true;
    uint8_t buf[RTP_VP8_DESC_MAX_LEN + 1];
    size_t written = 0;
    FUZZ_ASSERT(rtp_vp8_desc_write(&wide, buf, sizeof buf, &written) == RTP_OK);
    FUZZ_ASSERT(written == desc_len + (d->picture_id_long ? 0 : 1));
    buf[written] = 0;
    rtp_vp8_desc_t again;
    size_t again_len = 0;
    FUZZ_ASSERT(rtp_vp8_desc_parse(buf, written + 1, &again, &again_len) == RTP_OK);
    FUZZ_ASSERT(desc_equal(&wide, &again));
}

static void check_rewrite(const uint8_t *data, size_t size, const rtp_vp8_desc_t *d,
                          size_t desc_len)
{
    /* Derive the new values from the input so both widths get exercised. */
    uint16_t new_id = (uint16_t)((data[size - 1] << 8 | data[0]) & 0x7fff);
    uint8_t new_tl0 = data[size / 2];

    uint8_t *copy = malloc(size);
    FUZZ_ASSERT(copy != NULL);
    memcpy(copy, data, size);
    rtp_err_t err = rtp_vp8_desc_rewrite(copy, size, new_id, new_tl0);
    if (d->has_picture_id && !d->picture_id_long && new_id > RTP_VP8_PICTURE_ID_MAX_7) {
        FUZZ_ASSERT(err == RTP_ERR_UNSUPPORTED);
        FUZZ_ASSERT(memcmp(copy, data, size) == 0);
        free(copy);
        return;
    }
    FUZZ_ASSERT(err == RTP_OK);
    FUZZ_ASSERT(memcmp(copy + desc_len, data + desc_len, size - desc_len) == 0);

    rtp_vp8_desc_t after;
    size_t after_len = 0;
    FUZZ_ASSERT(rtp_vp8_desc_parse(copy, size, &after, &after_len) == RTP_OK);
    FUZZ_ASSERT(after_len == desc_len);
    rtp_vp8_desc_t want = *d;
    if (want.has_picture_id)
        want.picture_id = new_id;
    if (want.has_tl0picidx)
        want.tl0picidx = new_tl0;
    FUZZ_ASSERT(desc_equal(&after, &want));
    /* Reserved bits survive: the first two octets are never touched. */
    FUZZ_ASSERT(copy[0] == data[0]);
    FUZZ_ASSERT(desc_len < 2 || copy[1] == data[1]);
    free(copy);
}

static void check_peek(const uint8_t *vp8, size_t len)
{
    rtp_vp8_frame_info_t f;
    rtp_err_t err = rtp_vp8_peek(vp8, len, &f);
    if (len == 0) {
        FUZZ_ASSERT(err == RTP_ERR_TRUNCATED && f.have == RTP_VP8_HAVE_NOTHING);
        return;
    }
    FUZZ_ASSERT(f.have >= RTP_VP8_HAVE_TAG_BYTE);
    FUZZ_ASSERT(f.keyframe == ((vp8[0] & 1) == 0));
    FUZZ_ASSERT(f.version <= 7 && f.first_partition_size < (1u << 19));
    FUZZ_ASSERT(f.width < (1u << 14) && f.height < (1u << 14));
    FUZZ_ASSERT(f.horizontal_scale < 4 && f.vertical_scale < 4);
    switch (err) {
    case RTP_OK:
        FUZZ_ASSERT(f.have == (f.keyframe ? RTP_VP8_HAVE_DIMENSIONS : RTP_VP8_HAVE_TAG));
        FUZZ_ASSERT(len >= (f.keyframe ? 10u : 3u));
        break;
    case RTP_ERR_TRUNCATED:
        FUZZ_ASSERT(len < (f.keyframe ? 10u : 3u));
        break;
    case RTP_ERR_MALFORMED:
        FUZZ_ASSERT(f.keyframe && len >= 6 && f.have == RTP_VP8_HAVE_TAG);
        FUZZ_ASSERT(memcmp(vp8 + 3, "\x9d\x01\x2a", 3) != 0);
        break;
    default:
        FUZZ_ASSERT(err == RTP_OK || err == RTP_ERR_TRUNCATED || err == RTP_ERR_MALFORMED);
    }
    if (f.have < RTP_VP8_HAVE_DIMENSIONS)
        FUZZ_ASSERT(f.width == 0 && f.height == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Every input is also a (possibly E2EE-truncated) frame start. */
    check_peek(data, size);

    rtp_vp8_desc_t d;
    size_t desc_len = 0;
    rtp_err_t err = rtp_vp8_desc_parse(data, size, &d, &desc_len);
    if (err != RTP_OK) {
        FUZZ_ASSERT(err == RTP_ERR_TRUNCATED || err == RTP_ERR_MALFORMED);
        uint8_t *copy = malloc(size ? size : 1);
        FUZZ_ASSERT(copy != NULL);
        if (size)
            memcpy(copy, data, size);
        FUZZ_ASSERT(rtp_vp8_desc_rewrite(copy, size, 0, 0) == err);
        FUZZ_ASSERT(size == 0 || memcmp(copy, data, size) == 0);
        free(copy);
        return 0;
    }
    FUZZ_ASSERT(desc_len >= 1 && desc_len <= RTP_VP8_DESC_MAX_LEN && desc_len < size);
    FUZZ_ASSERT(rtp_vp8_desc_size(&d) == desc_len);
    FUZZ_ASSERT(d.partition_index <= 7 && d.tid <= 3 && d.keyidx <= 31);
    FUZZ_ASSERT(!d.has_tl0picidx || d.has_tid);

    check_round_trip(data, &d, desc_len);
    check_forced_long(&d, desc_len);
    check_rewrite(data, size, &d, desc_len);
    if (rtp_vp8_desc_starts_frame(&d))
        check_peek(data + desc_len, size - desc_len);
    return 0;
}
