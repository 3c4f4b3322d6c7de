/* Fuzz target: the SFrame header decoder (sframe/header.c, RFC 9605
 * section 4.3). Besides not crashing or reading past the input:
 *  - decode fails only with TRUNCATED or MALFORMED, and empty input is
 *    TRUNCATED;
 *  - whatever decodes re-encodes to exactly the bytes it was read from
 *    (decoding is strict: one encoding per KID and CTR), with
 *    sframe_header_size() agreeing on the length;
 *  - every strict prefix of a decodable header is TRUNCATED;
 *  - the other direction: the first 16 input bytes taken as a KID and a
 *    CTR encode, and decode back to the same values. */
#include "fuzz.h"

#include "sframe/sframe.h"

#include <string.h>

static uint64_t read_be64(const uint8_t *bytes)
{
    uint64_t value = 0;
    for (size_t i = 0; i < 8; i++) {
        value = value << 8 | bytes[i];
    }
    return value;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sframe_header_t header;
    size_t header_len = 0;
    uint8_t encoded[SFRAME_HEADER_MAX];
    size_t encoded_len = 0;

    sframe_err_t err = sframe_header_decode(data, size, &header, &header_len);
    if (err != SFRAME_OK) {
        FUZZ_ASSERT(err == SFRAME_ERR_TRUNCATED || err == SFRAME_ERR_MALFORMED);
        FUZZ_ASSERT(size > 0 || err == SFRAME_ERR_TRUNCATED);
    } else {
        FUZZ_ASSERT(header_len >= 1 && header_len <= SFRAME_HEADER_MAX && header_len <= size);
        FUZZ_ASSERT(sframe_header_size(header.kid, header.ctr) == header_len);
        FUZZ_ASSERT(sframe_header_encode(header.kid, header.ctr, encoded, sizeof(encoded),
                                         &encoded_len) == SFRAME_OK);
        FUZZ_ASSERT(encoded_len == header_len);
        FUZZ_ASSERT(memcmp(encoded, data, header_len) == 0);
        for (size_t prefix = 0; prefix < header_len; prefix++) {
            sframe_header_t partial;
            size_t partial_len = 0;
            FUZZ_ASSERT(sframe_header_decode(data, prefix, &partial, &partial_len) ==
                        SFRAME_ERR_TRUNCATED);
        }
    }

    if (size >= 16) {
        const uint64_t kid = read_be64(data);
        const uint64_t ctr = read_be64(data + 8);
        FUZZ_ASSERT(sframe_header_encode(kid, ctr, encoded, sizeof(encoded), &encoded_len) ==
                    SFRAME_OK);
        FUZZ_ASSERT(encoded_len == sframe_header_size(kid, ctr));
        FUZZ_ASSERT(sframe_header_decode(encoded, encoded_len, &header, &header_len) == SFRAME_OK);
        FUZZ_ASSERT(header.kid == kid && header.ctr == ctr && header_len == encoded_len);
    }
    return 0;
}
