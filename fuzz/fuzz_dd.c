/* Fuzz target for the AV1 dependency descriptor parser and writer
 * (rtp/dd.c; AV1 RTP spec Appendix A).
 *
 * Input layout. Byte 0 selects the mode:
 *   bit 0 clear  the rest is one descriptor, parsed with no structure;
 *   bit 0 set    byte 1 is a length n; the next n bytes are a first
 *                descriptor, parsed with no structure to obtain one (as from
 *                a keyframe), and the rest is parsed with that structure, as
 *                an SFU does for the packets that follow. Bit 1 makes the
 *                second parse write its structure back into the same object
 *                it reads (prev_structure == structure_out).
 *
 * Invariants, for every parse:
 *   - with at least 3 bytes, the mandatory fields match the first 3 bytes,
 *     whatever the result;
 *   - rewriting frame_number in place changes nothing else about the parse;
 *   - anything that parses writes back in no more bytes than it came in,
 *     re-parses to the same values (and the same structure), and writing
 *     that again gives the same bytes. */
#include "fuzz.h"

#include "rtp/rtp.h"

#include <string.h>

#define MAX_COPY 4096

static void check_mandatory(const uint8_t *ext, size_t len, const rtp_dd_t *dd)
{
    if (len < 3)
        return;
    FUZZ_ASSERT(dd->start_of_frame == ((ext[0] & 0x80) != 0));
    FUZZ_ASSERT(dd->end_of_frame == ((ext[0] & 0x40) != 0));
    FUZZ_ASSERT(dd->template_id == (ext[0] & 0x3f));
    FUZZ_ASSERT(dd->frame_number == (uint16_t)(ext[1] << 8 | ext[2]));
}

static void check_renumber(const uint8_t *ext, size_t len, const rtp_dd_structure_t *prev,
                           rtp_err_t expected_err, const rtp_dd_t *expected)
{
    static uint8_t copy[MAX_COPY];
    if (len < 3 || len > sizeof copy)
        return;
    memcpy(copy, ext, len);
    uint16_t renumbered = (uint16_t)(expected->frame_number ^ 0x5a5a);
    FUZZ_ASSERT(rtp_dd_set_frame_number(copy, len, renumbered) == RTP_OK);
    rtp_dd_t dd;
    FUZZ_ASSERT(rtp_dd_parse(copy, len, prev, &dd, NULL) == expected_err);
    FUZZ_ASSERT(dd.frame_number == renumbered);
    dd.frame_number = expected->frame_number;
    FUZZ_ASSERT(rtp_dd_equal(&dd, expected));
}

static void check_round_trip(size_t in_len, const rtp_dd_t *dd, const rtp_dd_structure_t *structure)
{
    static uint8_t written[MAX_COPY], rewritten[MAX_COPY];
    size_t len = 0, len2 = 0;
    FUZZ_ASSERT(rtp_dd_write(dd, structure, written, sizeof written, &len) == RTP_OK);
    FUZZ_ASSERT(len >= 3 && len <= in_len);

    rtp_dd_t again;
    rtp_dd_structure_t again_structure;
    FUZZ_ASSERT(rtp_dd_parse(written, len, structure, &again, &again_structure) == RTP_OK);
    FUZZ_ASSERT(rtp_dd_equal(&again, dd));
    if (dd->has_structure)
        FUZZ_ASSERT(rtp_dd_structure_equal(&again_structure, structure));

    FUZZ_ASSERT(rtp_dd_write(&again, structure, rewritten, sizeof rewritten, &len2) == RTP_OK);
    FUZZ_ASSERT(len2 == len && memcmp(written, rewritten, len) == 0);
}

/* Parses one descriptor against prev (may be NULL) and checks the
 * invariants. Returns whether it parsed with a structure attached, which
 * then sits in *structure_out. */
static bool parse_and_check(const uint8_t *ext, size_t len, const rtp_dd_structure_t *prev,
                            rtp_dd_structure_t *structure_out)
{
    /* Keep what prev held: structure_out may alias it. */
    static rtp_dd_structure_t prev_copy;
    if (prev)
        prev_copy = *prev;

    rtp_dd_t dd;
    rtp_err_t err = rtp_dd_parse(ext, len, prev, &dd, structure_out);
    check_mandatory(ext, len, &dd);
    check_renumber(ext, len, prev ? &prev_copy : NULL, err, &dd);
    if (err != RTP_OK) {
        FUZZ_ASSERT(!dd.has_structure && dd.dt_count == 0);
        return false;
    }
    check_round_trip(len, &dd, dd.has_structure ? structure_out : &prev_copy);
    return dd.has_structure;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rtp_dd_structure_t structure;
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++, size--;

    if (!(mode & 1)) {
        parse_and_check(data, size, NULL, &structure);
        return 0;
    }
    if (size < 1)
        return 0;
    size_t first_len = data[0];
    data++, size--;
    if (first_len > size)
        first_len = size;
    bool have = parse_and_check(data, first_len, NULL, &structure);
    const uint8_t *second = data + first_len;
    size_t second_len = size - first_len;
    if (!have) {
        parse_and_check(second, second_len, NULL, &structure);
    } else if (mode & 2) {
        parse_and_check(second, second_len, &structure, &structure);
    } else {
        static rtp_dd_structure_t next;
        parse_and_check(second, second_len, &structure, &next);
    }
    return 0;
}
