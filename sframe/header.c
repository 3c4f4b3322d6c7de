/* The SFrame header of RFC 9605 section 4.3: a config byte X|KKK|Y|CCC,
 * then the KID, then the CTR, each a big-endian integer of 1 to 8 bytes
 * unless it is 0-7 and sits in its 3-bit field (flag 0).
 *
 * Non-minimal encodings. Section 4.3 says: "If the value of one of these
 * fields is in the range 0-7, then the value is carried in the
 * corresponding bits of the config byte (K or C) and the corresponding
 * flag (X or Y) is set to zero. Otherwise, the value MUST be encoded with
 * the minimum number of bytes required and appended after the config
 * byte, with the KID first and CTR second." That binds the encoder; the
 * RFC says nothing about what a decoder does with a header that breaks it.
 * We decode strictly and return SFRAME_ERR_MALFORMED for both ways to break
 * it: an extended field whose value is 0-7 (it belonged in the config
 * byte), and an extended field of two or more bytes whose first byte is
 * zero. So every (KID, CTR) has exactly one accepted encoding, decode then
 * encode gives back the same bytes, and the header bytes that enter the
 * AAD cannot be varied without changing the KID or CTR. */
#include "sframe/sframe.h"

#include <stddef.h>
#include <stdint.h>

#define FLAG_EXTENDED 0x8u /* X or Y within its nibble */
#define FIELD_MASK    0x7u

/* Bytes in the minimal big-endian encoding of an extended value (>= 8). */
static size_t value_bytes(uint64_t value)
{
    size_t bytes = 1;
    while (bytes < 8 && (value >> (8 * bytes)) != 0) {
        bytes++;
    }
    return bytes;
}

/* Bytes a field adds after the config byte: 0 when it fits in 3 bits. */
static size_t field_bytes(uint64_t value)
{
    return value <= FIELD_MASK ? 0 : value_bytes(value);
}

/* The config nibble for a field: the value, or the flag and length - 1. */
static unsigned field_nibble(uint64_t value)
{
    if (value <= FIELD_MASK) {
        return (unsigned)value;
    }
    return FLAG_EXTENDED | (unsigned)(value_bytes(value) - 1);
}

static uint8_t *write_be(uint8_t *cursor, uint64_t value, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++) {
        cursor[i] = (uint8_t)(value >> (8 * (bytes - 1 - i)));
    }
    return cursor + bytes;
}

size_t sframe_header_size(uint64_t kid, uint64_t ctr)
{
    return 1 + field_bytes(kid) + field_bytes(ctr);
}

sframe_err_t sframe_header_encode(uint64_t kid, uint64_t ctr, uint8_t *out, size_t cap,
                                  size_t *out_len)
{
    size_t len = sframe_header_size(kid, ctr);

    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL && cap > 0) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if (cap < len) {
        return SFRAME_ERR_NO_SPACE;
    }
    out[0] = (uint8_t)(field_nibble(kid) << 4 | field_nibble(ctr));
    uint8_t *cursor = write_be(out + 1, kid, field_bytes(kid));
    write_be(cursor, ctr, field_bytes(ctr));
    if (out_len != NULL) {
        *out_len = len;
    }
    return SFRAME_OK;
}

/* Reads one field described by its config nibble at *cursor. */
static sframe_err_t read_field(unsigned nibble, const uint8_t **cursor, const uint8_t *end,
                               uint64_t *value)
{
    if ((nibble & FLAG_EXTENDED) == 0) {
        *value = nibble;
        return SFRAME_OK;
    }
    size_t bytes = (nibble & FIELD_MASK) + 1;
    if ((size_t)(end - *cursor) < bytes) {
        return SFRAME_ERR_TRUNCATED;
    }
    const uint8_t *field = *cursor;
    if (bytes > 1 && field[0] == 0) {
        return SFRAME_ERR_MALFORMED; /* leading zero byte */
    }
    uint64_t decoded = 0;
    for (size_t i = 0; i < bytes; i++) {
        decoded = decoded << 8 | field[i];
    }
    if (decoded <= FIELD_MASK) {
        return SFRAME_ERR_MALFORMED; /* belonged in the config byte */
    }
    *cursor += bytes;
    *value = decoded;
    return SFRAME_OK;
}

sframe_err_t sframe_header_decode(const uint8_t *buf, size_t len, sframe_header_t *header,
                                  size_t *header_len)
{
    if ((buf == NULL && len > 0) || header == NULL || header_len == NULL) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if (len == 0) {
        return SFRAME_ERR_TRUNCATED;
    }
    const uint8_t *cursor = buf + 1;
    const uint8_t *end = buf + len;
    uint64_t kid = 0;
    uint64_t ctr = 0;
    sframe_err_t err = read_field(buf[0] >> 4, &cursor, end, &kid);
    if (err != SFRAME_OK) {
        return err;
    }
    err = read_field(buf[0] & 0xfu, &cursor, end, &ctr);
    if (err != SFRAME_OK) {
        return err;
    }
    header->kid = kid;
    header->ctr = ctr;
    *header_len = (size_t)(cursor - buf);
    return SFRAME_OK;
}
