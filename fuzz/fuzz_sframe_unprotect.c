/* Fuzz target: sframe_receiver_unprotect (sframe/receiver.c) on arbitrary
 * input, with a fresh receiver per input so that runs are reproducible.
 *
 * Input: one selector byte, then records.
 *   selector: suite = 1 + s % 5; ratchet bits = 4 if (s / 5) is odd, else
 *             0; replay window = {0, 4, 128}[(s / 10) % 3].
 *   record:   sframe length (2 bytes BE), metadata length (1 byte), the
 *             metadata, the SFrame ciphertext (a short last record takes
 *             what is left). At most MAX_RECORDS records.
 * The receiver holds keys for a few fixed KIDs (fuzz_kids below); the base
 * key of KID k is fuzz_base_key(k), and the seeds were made by senders with
 * those keys, protecting fuzz_pattern(kid, ctr) plaintexts.
 *
 * Invariants besides not crashing:
 *  - the error is one unprotect documents;
 *  - a frame that authenticates decodes to the header the receiver
 *    reported, its plaintext has the length the header and tag leave, and
 *    it is the pattern for its KID and CTR (a fuzzer cannot forge a tag, so
 *    anything that opens came from a seed's sender);
 *  - the same frame again is then a replay (window on) or opens again
 *    (window off). */
#include "fuzz.h"

#include "sframe/sframe.h"

#include <string.h>

#define MAX_RECORDS 64
#define MAX_FRAME   65536 /* the largest record */

static const uint64_t fuzz_kids_plain[] = { 0, 7, 0x123, UINT64_MAX };
/* With 4 ratchet bits: generation 0 step 0, generation 0x12 step 3, and
 * the last generation at step 0. */
static const uint64_t fuzz_kids_ratchet[] = { 0x00, 0x123, UINT64_C(0xfffffffffffffff0) };

static void fuzz_base_key(uint64_t kid, uint8_t key[16])
{
    for (size_t i = 0; i < 16; i++) {
        key[i] = (uint8_t)((kid >> (8 * (i % 8))) + 0x35 * i);
    }
}

static uint8_t fuzz_pattern(uint64_t kid, uint64_t ctr, size_t i)
{
    return (uint8_t)(kid * 3 + ctr * 7 + i * 11);
}

typedef struct fuzz_setup {
    sframe_suite_t suite;
    unsigned ratchet_bits;
    unsigned replay_window;
} fuzz_setup_t;

static fuzz_setup_t fuzz_select(uint8_t selector)
{
    static const unsigned windows[] = { 0, 4, 128 };
    fuzz_setup_t setup = {
        .suite = (sframe_suite_t)(1 + selector % 5),
        .ratchet_bits = ((selector / 5) & 1) ? 4 : 0,
        .replay_window = windows[(selector / 10) % 3],
    };
    return setup;
}

static sframe_receiver_t *fuzz_receiver(const fuzz_setup_t *setup)
{
    sframe_receiver_config_t config = sframe_receiver_config_default(setup->suite);
    config.max_keys = 4;
    config.ratchet_bits = setup->ratchet_bits;
    config.replay_window = setup->replay_window;
    sframe_receiver_t *receiver = NULL;
    FUZZ_ASSERT(sframe_receiver_new(&config, &receiver) == SFRAME_OK);
    const uint64_t *kids = setup->ratchet_bits ? fuzz_kids_ratchet : fuzz_kids_plain;
    size_t count = setup->ratchet_bits ? sizeof(fuzz_kids_ratchet) / sizeof(uint64_t)
                                       : sizeof(fuzz_kids_plain) / sizeof(uint64_t);
    for (size_t i = 0; i < count; i++) {
        uint8_t key[16];
        fuzz_base_key(kids[i], key);
        FUZZ_ASSERT(sframe_receiver_add_key(receiver, kids[i], key, sizeof(key)) == SFRAME_OK);
    }
    return receiver;
}

static bool documented_error(sframe_err_t err)
{
    switch (err) {
    case SFRAME_ERR_TRUNCATED:
    case SFRAME_ERR_MALFORMED:
    case SFRAME_ERR_UNKNOWN_KID:
    case SFRAME_ERR_RATCHET:
    case SFRAME_ERR_REPLAY:
    case SFRAME_ERR_AUTH:
        return true;
    default:
        return false;
    }
}

static void check_opened(const fuzz_setup_t *setup, const uint8_t *frame, size_t frame_len,
                         const sframe_header_t *reported, const uint8_t *plain, size_t plain_len)
{
    sframe_header_t header;
    size_t header_len = 0;
    FUZZ_ASSERT(sframe_header_decode(frame, frame_len, &header, &header_len) == SFRAME_OK);
    FUZZ_ASSERT(header.kid == reported->kid && header.ctr == reported->ctr);
    FUZZ_ASSERT(plain_len == frame_len - header_len - sframe_suite_info(setup->suite)->nt);
    for (size_t i = 0; i < plain_len; i++) {
        FUZZ_ASSERT(plain[i] == fuzz_pattern(header.kid, header.ctr, i));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t plain[MAX_FRAME];
    if (size == 0) {
        return 0;
    }
    const fuzz_setup_t setup = fuzz_select(data[0]);
    sframe_receiver_t *receiver = fuzz_receiver(&setup);
    const uint8_t *cursor = data + 1;
    const uint8_t *end = data + size;

    for (int record = 0; record < MAX_RECORDS && end - cursor >= 3; record++) {
        size_t frame_len = (size_t)cursor[0] << 8 | cursor[1];
        size_t md_len = cursor[2];
        cursor += 3;
        if (md_len > (size_t)(end - cursor)) {
            md_len = (size_t)(end - cursor);
        }
        const uint8_t *metadata = cursor;
        cursor += md_len;
        if (frame_len > (size_t)(end - cursor)) {
            frame_len = (size_t)(end - cursor);
        }
        const uint8_t *frame = cursor;
        cursor += frame_len;

        sframe_header_t header = { 0, 0 };
        size_t plain_len = 0;
        sframe_err_t err = sframe_receiver_unprotect(receiver, metadata, md_len, frame, frame_len,
                                                     plain, sizeof(plain), &plain_len, &header);
        if (err != SFRAME_OK) {
            FUZZ_ASSERT(documented_error(err));
            FUZZ_ASSERT(plain_len == 0);
            continue;
        }
        check_opened(&setup, frame, frame_len, &header, plain, plain_len);
        err = sframe_receiver_unprotect(receiver, metadata, md_len, frame, frame_len, plain,
                                        sizeof(plain), &plain_len, &header);
        FUZZ_ASSERT(err == (setup.replay_window > 0 ? SFRAME_ERR_REPLAY : SFRAME_OK));
    }
    sframe_receiver_free(receiver);
    return 0;
}
