/* Sender and receiver contexts (sframe/sender.c, receiver.c) over every
 * suite of RFC 9605 section 4.5: round trips with and without metadata and
 * for empty frames; tampering with every bit of header, ciphertext, tag
 * and metadata; truncated and empty inputs; the replay window (checked
 * against a plain reference model); counter exhaustion; key removal and
 * the key ring's bounds; the ratchet of section 5.1 forward, backward and
 * past its bound; unknown KIDs; sframe_max_overhead; the MLS KID layout of
 * section 5.2 (with the RFC's Figure 9 examples) and its base key; the
 * suite table and the error names. */
#include "sframe/sframe.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SUITE_COUNT 5
#define BIG         12000

static const sframe_suite_t all_suites[SUITE_COUNT] = {
    SFRAME_AES_128_CTR_HMAC_SHA256_80, SFRAME_AES_128_CTR_HMAC_SHA256_64,
    SFRAME_AES_128_CTR_HMAC_SHA256_32, SFRAME_AES_128_GCM_SHA256_128,
    SFRAME_AES_256_GCM_SHA512_128,
};

static const uint8_t base_key[16] = {
    0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f,
};

/* "IETF SFrame WG" and "draft-ietf-sframe-enc", as in the RFC vectors. */
static const uint8_t metadata[] = "IETF SFrame WG";
static const uint8_t plaintext[] = "draft-ietf-sframe-enc";
#define METADATA_LEN  (sizeof(metadata) - 1)
#define PLAINTEXT_LEN (sizeof(plaintext) - 1)

static uint8_t frame_in[BIG];
static uint8_t sealed[BIG + 64];
static uint8_t opened[BIG + 64];

static size_t tag_size(sframe_suite_t suite)
{
    const sframe_suite_info_t *info = sframe_suite_info(suite);
    ck_assert_ptr_nonnull(info);
    return info->nt;
}

static sframe_sender_t *sender_make(sframe_suite_t suite, uint64_t kid, uint64_t first_ctr,
                                    unsigned ratchet_bits)
{
    sframe_sender_config_t config = sframe_sender_config_default(suite);
    config.kid = kid;
    config.first_ctr = first_ctr;
    config.ratchet_bits = ratchet_bits;
    sframe_sender_t *sender = NULL;
    ck_assert_int_eq(sframe_sender_new(&config, base_key, sizeof(base_key), &sender), SFRAME_OK);
    ck_assert_ptr_nonnull(sender);
    return sender;
}

static sframe_receiver_t *receiver_make(sframe_suite_t suite, unsigned replay_window,
                                        unsigned ratchet_bits)
{
    sframe_receiver_config_t config = sframe_receiver_config_default(suite);
    config.replay_window = replay_window;
    config.ratchet_bits = ratchet_bits;
    sframe_receiver_t *receiver = NULL;
    ck_assert_int_eq(sframe_receiver_new(&config, &receiver), SFRAME_OK);
    ck_assert_ptr_nonnull(receiver);
    return receiver;
}

static size_t protect_ok(sframe_sender_t *sender, const uint8_t *md, size_t md_len,
                         const uint8_t *pt, size_t pt_len, uint8_t *out, size_t cap)
{
    size_t len = 0;
    ck_assert_int_eq(sframe_sender_protect(sender, md, md_len, pt, pt_len, out, cap, &len),
                     SFRAME_OK);
    return len;
}

static sframe_err_t unprotect(sframe_receiver_t *receiver, const uint8_t *md, size_t md_len,
                              const uint8_t *in, size_t in_len, size_t *out_len)
{
    return sframe_receiver_unprotect(receiver, md, md_len, in, in_len, opened, sizeof(opened),
                                     out_len, NULL);
}

static void fill_frame(size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        frame_in[i] = (uint8_t)(seed + i * 7);
    }
}

/* ---- round trips ------------------------------------------------------------- */

START_TEST(round_trip)
{
    static const size_t frame_lens[] = { 0, 1, 15, 16, 17, 100, 1200, 10000 };
    static const size_t md_lens[] = { 0, 1, METADATA_LEN, 100 };
    const sframe_suite_t suite = all_suites[_i];
    const size_t nt = tag_size(suite);
    sframe_sender_t *sender = sender_make(suite, 0x123, 0, 0);
    sframe_receiver_t *receiver = receiver_make(suite, 128, 0);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 0x123, base_key, sizeof(base_key)),
                     SFRAME_OK);
    uint8_t md[100];
    memset(md, 0x5a, sizeof(md));
    uint64_t ctr = 0;

    for (size_t f = 0; f < sizeof(frame_lens) / sizeof(frame_lens[0]); f++) {
        for (size_t m = 0; m < sizeof(md_lens) / sizeof(md_lens[0]); m++) {
            const size_t len = frame_lens[f];
            fill_frame(len, (uint8_t)(f * 31 + m));
            ck_assert_uint_eq(sframe_sender_next_ctr(sender), ctr);
            size_t sealed_len =
                protect_ok(sender, md, md_lens[m], frame_in, len, sealed, sizeof(sealed));
            size_t header_len = sframe_header_size(0x123, ctr);
            ck_assert_uint_eq(sealed_len, header_len + len + nt);
            ck_assert_uint_le(sealed_len, len + sframe_max_overhead(suite));
            if (len >= 16) {
                /* The frame is not in the clear. */
                ck_assert_int_ne(memcmp(sealed + header_len, frame_in, len), 0);
            }

            sframe_header_t header = { 0, 0 };
            size_t opened_len = 99;
            ck_assert_int_eq(sframe_receiver_unprotect(receiver, md, md_lens[m], sealed, sealed_len,
                                                       opened, len, &opened_len, &header),
                             SFRAME_OK);
            ck_assert_uint_eq(opened_len, len);
            if (len > 0) {
                ck_assert_mem_eq(opened, frame_in, len);
            }
            ck_assert_uint_eq(header.kid, 0x123);
            ck_assert_uint_eq(header.ctr, ctr);
            ctr++;
        }
    }
    ck_assert_uint_eq(sframe_sender_kid(sender), 0x123);
    sframe_sender_free(sender);
    sframe_receiver_free(receiver);
}
END_TEST

/* A suite's frames do not open under another suite, even with the same
 * base key and KID (the suite id is in the key schedule). */
START_TEST(suites_do_not_mix)
{
    const sframe_suite_t suite = all_suites[_i];
    sframe_sender_t *sender = sender_make(suite, 1, 0, 0);
    size_t len = protect_ok(sender, metadata, METADATA_LEN, plaintext, PLAINTEXT_LEN, sealed,
                            sizeof(sealed));
    for (size_t j = 0; j < SUITE_COUNT; j++) {
        sframe_receiver_t *receiver = receiver_make(all_suites[j], 0, 0);
        ck_assert_int_eq(sframe_receiver_add_key(receiver, 1, base_key, sizeof(base_key)),
                         SFRAME_OK);
        size_t out_len = 0;
        sframe_err_t err = unprotect(receiver, metadata, METADATA_LEN, sealed, len, &out_len);
        if (all_suites[j] == suite) {
            ck_assert_int_eq(err, SFRAME_OK);
        } else {
            /* The frame is long enough for any suite's tag. */
            ck_assert_int_eq(err, SFRAME_ERR_AUTH);
        }
        sframe_receiver_free(receiver);
    }
    sframe_sender_free(sender);
}
END_TEST

/* ---- tampering ---------------------------------------------------------------- */

/* The header 99 01 23 45 67 (KID 0x123, CTR 0x4567) with one bit flipped,
 * byte by byte, bit 7 first. What the receiver (holding only KID 0x123)
 * must answer:
 *   99 -> 19 X=0: KID 1 inline, CTR from 01 23            UNKNOWN_KID
 *   99 -> d9 KLEN 6: KID 01 23 45 67 + 2 ciphertext bytes  UNKNOWN_KID
 *   99 -> b9 KLEN 4: KID 0x01234567                         UNKNOWN_KID
 *   99 -> 89 KLEN 1: KID byte 01 is below 8                 MALFORMED
 *   99 -> 91 Y=0: CTR 1 inline, KID 0x0123 (3-byte header)  AUTH
 *   99 -> 9d / 9b / 98: CLEN 6 / 4 / 1, KID still 0x123     AUTH
 *   01 bit 0 -> 00: leading zero byte in the KID            MALFORMED
 *   01 other bits, 23 any bit: another KID                  UNKNOWN_KID
 *   45, 67 any bit: another CTR under the same key          AUTH */
static const sframe_err_t header_flip_expect[5][8] = {
    { SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_MALFORMED,
      SFRAME_ERR_AUTH, SFRAME_ERR_AUTH, SFRAME_ERR_AUTH, SFRAME_ERR_AUTH },
    { SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_UNKNOWN_KID,
      SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_UNKNOWN_KID,
      SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_MALFORMED },
    { SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_UNKNOWN_KID,
      SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_UNKNOWN_KID,
      SFRAME_ERR_UNKNOWN_KID, SFRAME_ERR_UNKNOWN_KID },
    { SFRAME_ERR_AUTH, SFRAME_ERR_AUTH, SFRAME_ERR_AUTH, SFRAME_ERR_AUTH, SFRAME_ERR_AUTH,
      SFRAME_ERR_AUTH, SFRAME_ERR_AUTH, SFRAME_ERR_AUTH },
    { SFRAME_ERR_AUTH, SFRAME_ERR_AUTH, SFRAME_ERR_AUTH, SFRAME_ERR_AUTH, SFRAME_ERR_AUTH,
      SFRAME_ERR_AUTH, SFRAME_ERR_AUTH, SFRAME_ERR_AUTH },
};

START_TEST(tamper_every_bit)
{
    const sframe_suite_t suite = all_suites[_i];
    const size_t nt = tag_size(suite);
    sframe_sender_t *sender = sender_make(suite, 0x123, 0x4567, 0);
    sframe_receiver_t *receiver = receiver_make(suite, 128, 0);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 0x123, base_key, sizeof(base_key)),
                     SFRAME_OK);
    const size_t len = protect_ok(sender, metadata, METADATA_LEN, plaintext, PLAINTEXT_LEN, sealed,
                                  sizeof(sealed));
    ck_assert_uint_eq(len, 5 + PLAINTEXT_LEN + nt);
    static const uint8_t header[] = { 0x99, 0x01, 0x23, 0x45, 0x67 };
    ck_assert_mem_eq(sealed, header, sizeof(header));

    uint8_t tampered[128];
    uint8_t md[METADATA_LEN];
    size_t out_len = 0;
    for (size_t bit = 0; bit < 8 * len; bit++) {
        memcpy(tampered, sealed, len);
        tampered[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
        /* Prefill: whatever fails must leave no plaintext behind. */
        memset(opened, 0xaa, PLAINTEXT_LEN);
        sframe_err_t expect = bit < 40 ? header_flip_expect[bit / 8][bit % 8] : SFRAME_ERR_AUTH;
        ck_assert_msg(unprotect(receiver, metadata, METADATA_LEN, tampered, len, &out_len) ==
                          expect,
                      "bit %zu: expected %s", bit, sframe_errname(expect));
        ck_assert_uint_eq(out_len, 0);
        for (size_t i = 0; i < PLAINTEXT_LEN; i++) {
            ck_assert(opened[i] == 0xaa || opened[i] == 0x00);
        }
    }
    for (size_t bit = 0; bit < 8 * METADATA_LEN; bit++) {
        memcpy(md, metadata, METADATA_LEN);
        md[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
        ck_assert_int_eq(unprotect(receiver, md, METADATA_LEN, sealed, len, &out_len),
                         SFRAME_ERR_AUTH);
    }
    /* Metadata missing, or one byte longer. */
    ck_assert_int_eq(unprotect(receiver, NULL, 0, sealed, len, &out_len), SFRAME_ERR_AUTH);
    ck_assert_int_eq(unprotect(receiver, metadata, METADATA_LEN + 1, sealed, len, &out_len),
                     SFRAME_ERR_AUTH);

    /* None of it changed the receiver: the genuine frame opens, once. */
    ck_assert_int_eq(unprotect(receiver, metadata, METADATA_LEN, sealed, len, &out_len), SFRAME_OK);
    ck_assert_uint_eq(out_len, PLAINTEXT_LEN);
    ck_assert_mem_eq(opened, plaintext, PLAINTEXT_LEN);
    ck_assert_int_eq(unprotect(receiver, metadata, METADATA_LEN, sealed, len, &out_len),
                     SFRAME_ERR_REPLAY);
    sframe_sender_free(sender);
    sframe_receiver_free(receiver);
}
END_TEST

/* The header reaches the caller also when authentication fails. */
START_TEST(header_out_on_failure)
{
    sframe_sender_t *sender = sender_make(SFRAME_AES_128_GCM_SHA256_128, 0x123, 0x4567, 0);
    sframe_receiver_t *receiver = receiver_make(SFRAME_AES_128_GCM_SHA256_128, 128, 0);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 0x123, base_key, sizeof(base_key)),
                     SFRAME_OK);
    size_t len = protect_ok(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed, sizeof(sealed));
    sealed[len - 1] ^= 1;
    sframe_header_t header = { 0, 0 };
    size_t out_len = 0;
    ck_assert_int_eq(sframe_receiver_unprotect(receiver, NULL, 0, sealed, len, opened,
                                               sizeof(opened), &out_len, &header),
                     SFRAME_ERR_AUTH);
    ck_assert_uint_eq(header.kid, 0x123);
    ck_assert_uint_eq(header.ctr, 0x4567);
    sframe_sender_free(sender);
    sframe_receiver_free(receiver);
}
END_TEST

/* ---- truncated and empty input -------------------------------------------------- */

START_TEST(truncated_inputs)
{
    const sframe_suite_t suite = all_suites[_i];
    const size_t nt = tag_size(suite);
    sframe_sender_t *sender = sender_make(suite, 0x123, 0x4567, 0);
    sframe_receiver_t *receiver = receiver_make(suite, 128, 0);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 0x123, base_key, sizeof(base_key)),
                     SFRAME_OK);
    const size_t len = protect_ok(sender, metadata, METADATA_LEN, plaintext, PLAINTEXT_LEN, sealed,
                                  sizeof(sealed));
    size_t out_len = 0;

    /* Shorter than header + tag: TRUNCATED. From there on the tag is read
     * from the wrong place: AUTH. */
    for (size_t prefix = 0; prefix < len; prefix++) {
        sframe_err_t expect = prefix < 5 + nt ? SFRAME_ERR_TRUNCATED : SFRAME_ERR_AUTH;
        ck_assert_msg(unprotect(receiver, metadata, METADATA_LEN, sealed, prefix, &out_len) ==
                          expect,
                      "prefix %zu", prefix);
    }
    ck_assert_int_eq(unprotect(receiver, metadata, METADATA_LEN, NULL, 0, &out_len),
                     SFRAME_ERR_TRUNCATED);

    /* Header and tag alone: an empty frame that authenticates. */
    size_t empty_len = protect_ok(sender, NULL, 0, NULL, 0, sealed, sizeof(sealed));
    ck_assert_uint_eq(empty_len, 5 + nt);
    ck_assert_int_eq(
        sframe_receiver_unprotect(receiver, NULL, 0, sealed, empty_len, NULL, 0, &out_len, NULL),
        SFRAME_OK);
    ck_assert_uint_eq(out_len, 0);

    /* Too little room for the plaintext. */
    size_t full = protect_ok(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed, sizeof(sealed));
    ck_assert_int_eq(sframe_receiver_unprotect(receiver, NULL, 0, sealed, full, opened,
                                               PLAINTEXT_LEN - 1, &out_len, NULL),
                     SFRAME_ERR_NO_SPACE);
    ck_assert_int_eq(sframe_receiver_unprotect(receiver, NULL, 0, sealed, full, opened,
                                               PLAINTEXT_LEN, &out_len, NULL),
                     SFRAME_OK);
    sframe_sender_free(sender);
    sframe_receiver_free(receiver);
}
END_TEST

START_TEST(sender_no_space)
{
    const sframe_suite_t suite = all_suites[_i];
    const size_t nt = tag_size(suite);
    sframe_sender_t *sender = sender_make(suite, 0x123, 0x4567, 0);
    size_t len = 0;
    const size_t need = 5 + PLAINTEXT_LEN + nt;
    for (size_t cap = 0; cap < need; cap++) {
        ck_assert_int_eq(
            sframe_sender_protect(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed, cap, &len),
            SFRAME_ERR_NO_SPACE);
        ck_assert_uint_eq(len, 0);
    }
    /* Failures did not use up counters. */
    ck_assert_uint_eq(sframe_sender_next_ctr(sender), 0x4567);
    ck_assert_int_eq(
        sframe_sender_protect(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed, need, &len),
        SFRAME_OK);
    ck_assert_uint_eq(len, need);
    ck_assert_uint_eq(sframe_sender_next_ctr(sender), 0x4568);
    sframe_sender_free(sender);
}
END_TEST

/* ---- replay ---------------------------------------------------------------------- */

/* Seals `plaintext` at a chosen counter (a sender per counter, same key). */
static size_t seal_at(sframe_suite_t suite, uint64_t kid, uint64_t ctr, uint8_t *out)
{
    sframe_sender_t *sender = sender_make(suite, kid, ctr, 0);
    size_t len = protect_ok(sender, NULL, 0, plaintext, PLAINTEXT_LEN, out, 128);
    sframe_sender_free(sender);
    return len;
}

START_TEST(replay_basics)
{
    const sframe_suite_t suite = all_suites[_i];
    sframe_receiver_t *receiver = receiver_make(suite, 128, 0);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 9, base_key, sizeof(base_key)), SFRAME_OK);
    uint8_t frames[10][128];
    size_t lens[10];
    for (size_t c = 0; c < 10; c++) {
        lens[c] = seal_at(suite, 9, c, frames[c]);
    }
    size_t out_len = 0;

    /* Out of order within the window: accepted once each. */
    static const size_t order[] = { 5, 3, 9, 0, 4, 8, 1, 2, 7, 6 };
    for (size_t i = 0; i < 10; i++) {
        size_t c = order[i];
        ck_assert_int_eq(unprotect(receiver, NULL, 0, frames[c], lens[c], &out_len), SFRAME_OK);
        ck_assert_int_eq(unprotect(receiver, NULL, 0, frames[c], lens[c], &out_len),
                         SFRAME_ERR_REPLAY);
    }

    /* Older than the window: top 200, window 128 -> 72 is out, 73 is in. */
    uint8_t frame[128];
    size_t len = seal_at(suite, 9, 200, frame);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, frame, len, &out_len), SFRAME_OK);
    len = seal_at(suite, 9, 72, frame);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, frame, len, &out_len), SFRAME_ERR_REPLAY);
    len = seal_at(suite, 9, 73, frame);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, frame, len, &out_len), SFRAME_OK);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, frame, len, &out_len), SFRAME_ERR_REPLAY);
    sframe_receiver_free(receiver);

    /* Window 0: no replay protection. */
    receiver = receiver_make(suite, 0, 0);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 9, base_key, sizeof(base_key)), SFRAME_OK);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, frames[3], lens[3], &out_len), SFRAME_OK);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, frames[3], lens[3], &out_len), SFRAME_OK);
    sframe_receiver_free(receiver);
}
END_TEST

/* Windows per KID: the same counter under two KIDs is two frames. */
START_TEST(replay_per_kid)
{
    sframe_receiver_t *receiver = receiver_make(SFRAME_AES_128_GCM_SHA256_128, 64, 0);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 1, base_key, sizeof(base_key)), SFRAME_OK);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 2, base_key, sizeof(base_key)), SFRAME_OK);
    uint8_t a[128];
    uint8_t b[128];
    size_t a_len = seal_at(SFRAME_AES_128_GCM_SHA256_128, 1, 5, a);
    size_t b_len = seal_at(SFRAME_AES_128_GCM_SHA256_128, 2, 5, b);
    size_t out_len = 0;
    ck_assert_int_eq(unprotect(receiver, NULL, 0, a, a_len, &out_len), SFRAME_OK);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, b, b_len, &out_len), SFRAME_OK);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, a, a_len, &out_len), SFRAME_ERR_REPLAY);
    sframe_receiver_free(receiver);
}
END_TEST

/* A pseudo-random walk of counters against a reference model: a list of
 * every accepted counter and the highest one. Windows around the word
 * size, and a large one crossed by big jumps. */
START_TEST(replay_model)
{
    static const unsigned windows[] = { 1, 63, 64, 65, 128, 1000, 65536 };
    const unsigned window = windows[_i];
    const sframe_suite_t suite = SFRAME_AES_128_CTR_HMAC_SHA256_32;
    sframe_receiver_t *receiver = receiver_make(suite, window, 0);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 3, base_key, sizeof(base_key)), SFRAME_OK);

    enum { STEPS = 600 };
    uint64_t *accepted = calloc(STEPS, sizeof(uint64_t));
    ck_assert_ptr_nonnull(accepted);
    size_t accepted_count = 0;
    uint64_t top = 0;
    uint64_t state = 0x9e3779b97f4a7c15u ^ window;
    uint64_t base = 1000;
    for (size_t step = 0; step < STEPS; step++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        uint64_t r = state >> 33;
        uint64_t ctr;
        switch (r % 5) {
        case 0: /* jump forward, sometimes past the whole window */
            base += 1 + (r >> 3) % (3 * (uint64_t)window + 200);
            ctr = base;
            break;
        case 1: /* an exact repeat of something recent */
            ctr = accepted_count > 0 ? accepted[accepted_count - 1 - (r >> 3) % accepted_count]
                                     : base;
            break;
        default: /* near the top, either side of the window edge */
            ctr = base - (r >> 3) % ((uint64_t)window + 70);
            break;
        }
        bool seen = false;
        for (size_t i = 0; i < accepted_count; i++) {
            seen = seen || accepted[i] == ctr;
        }
        bool expect_ok = !seen && (accepted_count == 0 || ctr > top || top - ctr < window);

        uint8_t frame[128];
        size_t len = seal_at(suite, 3, ctr, frame);
        size_t out_len = 0;
        sframe_err_t err = unprotect(receiver, NULL, 0, frame, len, &out_len);
        ck_assert_msg(err == (expect_ok ? SFRAME_OK : SFRAME_ERR_REPLAY),
                      "window %u step %zu ctr %llu top %llu: got %s", window, step,
                      (unsigned long long)ctr, (unsigned long long)top, sframe_errname(err));
        if (expect_ok) {
            accepted[accepted_count++] = ctr;
            top = accepted_count == 1 || ctr > top ? ctr : top;
        }
    }
    free(accepted);
    sframe_receiver_free(receiver);
}
END_TEST

/* ---- counter exhaustion ----------------------------------------------------------- */

START_TEST(counter_exhaustion)
{
    const sframe_suite_t suite = all_suites[_i];
    sframe_sender_t *sender = sender_make(suite, 4, UINT64_MAX - 1, 0);
    sframe_receiver_t *receiver = receiver_make(suite, 128, 0);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 4, base_key, sizeof(base_key)), SFRAME_OK);
    size_t out_len = 0;
    sframe_header_t header;

    for (uint64_t expect_ctr = UINT64_MAX - 1;; expect_ctr++) {
        ck_assert_uint_eq(sframe_sender_next_ctr(sender), expect_ctr);
        size_t len = protect_ok(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed, sizeof(sealed));
        ck_assert_int_eq(sframe_receiver_unprotect(receiver, NULL, 0, sealed, len, opened,
                                                   sizeof(opened), &out_len, &header),
                         SFRAME_OK);
        ck_assert_uint_eq(header.ctr, expect_ctr);
        if (expect_ctr == UINT64_MAX) {
            break;
        }
    }
    /* CTR 2^64 - 1 has been used: nothing more, and it stays that way. */
    size_t len = 123;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(sframe_sender_protect(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed,
                                               sizeof(sealed), &len),
                         SFRAME_ERR_COUNTER_EXHAUSTED);
        ck_assert_uint_eq(len, 0);
    }
    ck_assert_uint_eq(sframe_sender_next_ctr(sender), UINT64_MAX);
    sframe_sender_free(sender);
    sframe_receiver_free(receiver);
}
END_TEST

/* first_ctr = 2^64 - 1: exactly one frame. */
START_TEST(counter_exhaustion_single)
{
    sframe_sender_t *sender = sender_make(all_suites[_i], 0, UINT64_MAX, 0);
    size_t len = 0;
    ck_assert_int_eq(sframe_sender_protect(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed,
                                           sizeof(sealed), &len),
                     SFRAME_OK);
    ck_assert_uint_eq(len, 1 + 8 + PLAINTEXT_LEN + tag_size(all_suites[_i]));
    ck_assert_int_eq(sframe_sender_protect(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed,
                                           sizeof(sealed), &len),
                     SFRAME_ERR_COUNTER_EXHAUSTED);
    sframe_sender_free(sender);
}
END_TEST

/* ---- key ring ----------------------------------------------------------------------- */

START_TEST(key_ring)
{
    const sframe_suite_t suite = SFRAME_AES_256_GCM_SHA512_128;
    sframe_receiver_config_t config = sframe_receiver_config_default(suite);
    config.max_keys = 3;
    sframe_receiver_t *receiver = NULL;
    ck_assert_int_eq(sframe_receiver_new(&config, &receiver), SFRAME_OK);
    uint8_t frame[128];
    size_t len = seal_at(suite, 0x42, 0, frame);
    size_t out_len = 0;

    ck_assert_int_eq(unprotect(receiver, NULL, 0, frame, len, &out_len), SFRAME_ERR_UNKNOWN_KID);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 0x42, base_key, sizeof(base_key)),
                     SFRAME_OK);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 0x42, base_key, sizeof(base_key)),
                     SFRAME_ERR_KEY_EXISTS);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 1, base_key, sizeof(base_key)), SFRAME_OK);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, UINT64_MAX, base_key, sizeof(base_key)),
                     SFRAME_OK);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 2, base_key, sizeof(base_key)),
                     SFRAME_ERR_RING_FULL);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, frame, len, &out_len), SFRAME_OK);

    ck_assert_int_eq(sframe_receiver_remove_key(receiver, 0x42), SFRAME_OK);
    ck_assert_int_eq(sframe_receiver_remove_key(receiver, 0x42), SFRAME_ERR_UNKNOWN_KID);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, frame, len, &out_len), SFRAME_ERR_UNKNOWN_KID);
    /* The slot is free again; a fresh key starts a fresh replay window. */
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 2, base_key, sizeof(base_key)), SFRAME_OK);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 0x42, base_key, sizeof(base_key)),
                     SFRAME_ERR_RING_FULL);
    ck_assert_int_eq(sframe_receiver_remove_key(receiver, 2), SFRAME_OK);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 0x42, base_key, sizeof(base_key)),
                     SFRAME_OK);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, frame, len, &out_len), SFRAME_OK);
    sframe_receiver_free(receiver);
}
END_TEST

/* A KID nobody installed, and a key installed under another base key. */
START_TEST(unknown_kid)
{
    const sframe_suite_t suite = all_suites[_i];
    sframe_receiver_t *receiver = receiver_make(suite, 128, 0);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 5, base_key, sizeof(base_key)), SFRAME_OK);
    uint8_t frame[128];
    size_t len = seal_at(suite, 6, 0, frame);
    size_t out_len = 0;
    sframe_header_t header = { 0, 0 };
    ck_assert_int_eq(sframe_receiver_unprotect(receiver, NULL, 0, frame, len, opened,
                                               sizeof(opened), &out_len, &header),
                     SFRAME_ERR_UNKNOWN_KID);
    ck_assert_uint_eq(header.kid, 6);

    static const uint8_t other_key[16] = { 1 };
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 6, other_key, sizeof(other_key)), SFRAME_OK);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, frame, len, &out_len), SFRAME_ERR_AUTH);
    sframe_receiver_free(receiver);
}
END_TEST

/* ---- ratchet (section 5.1) ------------------------------------------------------------ */

#define RATCHET_BITS 4
#define GENERATION   0x1234u

/* The sender ratchets `steps` times in one go; the receiver, still at
 * step 0, follows with the first frame of the new step. Loop index:
 * suite * 8 + (steps - 1), steps 1..8 (the default max_ratchet_ahead). */
START_TEST(ratchet_forward)
{
    const sframe_suite_t suite = all_suites[_i / 8];
    const unsigned steps = (unsigned)(_i % 8) + 1;
    const uint64_t kid0 = sframe_ratchet_kid(GENERATION, 0, RATCHET_BITS);
    sframe_sender_t *sender = sender_make(suite, kid0, 0, RATCHET_BITS);
    sframe_receiver_t *receiver = receiver_make(suite, 128, RATCHET_BITS);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, kid0, base_key, sizeof(base_key)),
                     SFRAME_OK);
    size_t out_len = 0;
    sframe_header_t header;

    size_t len = protect_ok(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed, sizeof(sealed));
    ck_assert_int_eq(unprotect(receiver, NULL, 0, sealed, len, &out_len), SFRAME_OK);
    /* Keep a step-0 frame the receiver has not seen. */
    uint8_t old_frame[128];
    size_t old_len = protect_ok(sender, NULL, 0, plaintext, PLAINTEXT_LEN, old_frame, 128);

    for (unsigned s = 0; s < steps; s++) {
        ck_assert_int_eq(sframe_sender_ratchet(sender), SFRAME_OK);
    }
    ck_assert_uint_eq(sframe_sender_kid(sender), sframe_ratchet_kid(GENERATION, steps, 4));
    ck_assert_uint_eq(sframe_sender_next_ctr(sender), 0);

    /* A forged frame of the new step changes nothing. */
    len = protect_ok(sender, metadata, METADATA_LEN, plaintext, PLAINTEXT_LEN, sealed,
                     sizeof(sealed));
    sealed[len - 1] ^= 0x40;
    ck_assert_int_eq(unprotect(receiver, metadata, METADATA_LEN, sealed, len, &out_len),
                     SFRAME_ERR_AUTH);
    sealed[len - 1] ^= 0x40;
    ck_assert_int_eq(sframe_receiver_unprotect(receiver, metadata, METADATA_LEN, sealed, len,
                                               opened, sizeof(opened), &out_len, &header),
                     SFRAME_OK);
    ck_assert_mem_eq(opened, plaintext, PLAINTEXT_LEN);
    ck_assert_uint_eq(header.kid, sframe_ratchet_kid(GENERATION, steps, RATCHET_BITS));
    ck_assert_uint_eq(header.ctr, 0);

    /* The window restarted with the step, and works within it. */
    ck_assert_int_eq(unprotect(receiver, metadata, METADATA_LEN, sealed, len, &out_len),
                     SFRAME_ERR_REPLAY);
    len = protect_ok(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed, sizeof(sealed));
    ck_assert_int_eq(unprotect(receiver, NULL, 0, sealed, len, &out_len), SFRAME_OK);

    /* Never backward: the unseen step-0 frame is refused. */
    ck_assert_int_eq(unprotect(receiver, NULL, 0, old_frame, old_len, &out_len),
                     SFRAME_ERR_RATCHET);

    /* The receiver's key is the public ratchet applied `steps` times. */
    uint8_t ratcheted[64];
    memcpy(ratcheted, base_key, sizeof(base_key));
    size_t ratcheted_len = sizeof(base_key);
    for (unsigned s = 0; s < steps; s++) {
        ck_assert_int_eq(sframe_ratchet_base_key(suite, ratcheted, ratcheted_len, ratcheted),
                         SFRAME_OK);
        ratcheted_len = sframe_suite_info(suite)->nh;
    }
    sframe_receiver_t *direct = receiver_make(suite, 0, 0);
    ck_assert_int_eq(sframe_receiver_add_key(direct,
                                             sframe_ratchet_kid(GENERATION, steps, RATCHET_BITS),
                                             ratcheted, ratcheted_len),
                     SFRAME_OK);
    ck_assert_int_eq(unprotect(direct, NULL, 0, sealed, len, &out_len), SFRAME_OK);
    sframe_receiver_free(direct);
    sframe_sender_free(sender);
    sframe_receiver_free(receiver);
}
END_TEST

/* Step by step through every step of R = 4 bits, then the sender refuses
 * to wrap; beyond max_ratchet_ahead the receiver refuses and stays put. */
START_TEST(ratchet_walk_and_bound)
{
    const sframe_suite_t suite = all_suites[_i];
    const uint64_t kid0 = sframe_ratchet_kid(GENERATION, 0, RATCHET_BITS);
    sframe_sender_t *sender = sender_make(suite, kid0, 0, RATCHET_BITS);
    sframe_receiver_t *receiver = receiver_make(suite, 128, RATCHET_BITS);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, kid0, base_key, sizeof(base_key)),
                     SFRAME_OK);
    size_t out_len = 0;
    for (unsigned step = 0; step < 16; step++) {
        ck_assert_uint_eq(sframe_sender_kid(sender), (uint64_t)GENERATION << 4 | step);
        for (int f = 0; f < 3; f++) {
            size_t len =
                protect_ok(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed, sizeof(sealed));
            ck_assert_int_eq(unprotect(receiver, NULL, 0, sealed, len, &out_len), SFRAME_OK);
        }
        ck_assert_int_eq(sframe_sender_ratchet(sender), step < 15 ? SFRAME_OK : SFRAME_ERR_RATCHET);
    }
    /* Still at step 15 after the refusal, and still usable. */
    ck_assert_uint_eq(sframe_sender_kid(sender), (uint64_t)GENERATION << 4 | 15);
    sframe_sender_free(sender);
    sframe_receiver_free(receiver);

    /* Beyond the bound: 9 steps ahead with max_ratchet_ahead 8. */
    sender = sender_make(suite, kid0, 0, RATCHET_BITS);
    receiver = receiver_make(suite, 128, RATCHET_BITS);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, kid0, base_key, sizeof(base_key)),
                     SFRAME_OK);
    uint8_t step8[128];
    size_t step8_len = 0;
    for (unsigned s = 1; s <= 9; s++) {
        ck_assert_int_eq(sframe_sender_ratchet(sender), SFRAME_OK);
        if (s == 8) {
            step8_len = protect_ok(sender, NULL, 0, plaintext, PLAINTEXT_LEN, step8, 128);
        }
    }
    size_t len = protect_ok(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed, sizeof(sealed));
    ck_assert_int_eq(unprotect(receiver, NULL, 0, sealed, len, &out_len), SFRAME_ERR_RATCHET);
    /* The refusal moved nothing: step 8 is still within reach, and after
     * it step 9 is one ahead. */
    ck_assert_int_eq(unprotect(receiver, NULL, 0, step8, step8_len, &out_len), SFRAME_OK);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, sealed, len, &out_len), SFRAME_OK);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, step8, step8_len, &out_len), SFRAME_ERR_RATCHET);

    /* Another generation of the same sender needs its own key. */
    sframe_sender_t *next_gen = sender_make(suite, sframe_ratchet_kid(GENERATION + 1, 0, 4), 0, 4);
    len = protect_ok(next_gen, NULL, 0, plaintext, PLAINTEXT_LEN, sealed, sizeof(sealed));
    ck_assert_int_eq(unprotect(receiver, NULL, 0, sealed, len, &out_len), SFRAME_ERR_UNKNOWN_KID);
    sframe_sender_free(next_gen);
    sframe_sender_free(sender);
    sframe_receiver_free(receiver);
}
END_TEST

START_TEST(ratchet_config)
{
    sframe_sender_t *plain = sender_make(SFRAME_AES_128_GCM_SHA256_128, 7, 0, 0);
    ck_assert_int_eq(sframe_sender_ratchet(plain), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_sender_ratchet(NULL), SFRAME_ERR_INVALID_ARG);
    sframe_sender_free(plain);

    /* A receiver installed mid-generation (step 5) follows from there;
     * removing by any KID of the generation removes it. */
    const uint64_t kid5 = sframe_ratchet_kid(GENERATION, 5, RATCHET_BITS);
    uint8_t key5[32];
    memcpy(key5, base_key, sizeof(base_key));
    size_t key5_len = sizeof(base_key);
    for (int s = 0; s < 5; s++) {
        ck_assert_int_eq(
            sframe_ratchet_base_key(SFRAME_AES_128_GCM_SHA256_128, key5, key5_len, key5),
            SFRAME_OK);
        key5_len = 32;
    }
    sframe_sender_t *sender = sender_make(SFRAME_AES_128_GCM_SHA256_128,
                                          sframe_ratchet_kid(GENERATION, 0, 4), 0, RATCHET_BITS);
    for (int s = 0; s < 6; s++) {
        ck_assert_int_eq(sframe_sender_ratchet(sender), SFRAME_OK);
    }
    sframe_receiver_t *receiver = receiver_make(SFRAME_AES_128_GCM_SHA256_128, 128, RATCHET_BITS);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, kid5, key5, key5_len), SFRAME_OK);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, sframe_ratchet_kid(GENERATION, 9, 4),
                                             base_key, sizeof(base_key)),
                     SFRAME_ERR_KEY_EXISTS);
    size_t len = protect_ok(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed, sizeof(sealed));
    size_t out_len = 0;
    ck_assert_int_eq(unprotect(receiver, NULL, 0, sealed, len, &out_len), SFRAME_OK);
    ck_assert_int_eq(
        sframe_receiver_remove_key(receiver, sframe_ratchet_kid(GENERATION, 0, RATCHET_BITS)),
        SFRAME_OK);
    ck_assert_int_eq(unprotect(receiver, NULL, 0, sealed, len, &out_len), SFRAME_ERR_UNKNOWN_KID);
    sframe_receiver_free(receiver);
    sframe_sender_free(sender);
}
END_TEST

START_TEST(ratchet_kid_layout)
{
    ck_assert_uint_eq(sframe_ratchet_kid(0x12, 3, 4), 0x123);
    ck_assert_uint_eq(sframe_ratchet_kid(0x12, 17, 4), 0x121); /* step mod 2^R */
    ck_assert_uint_eq(sframe_ratchet_kid(0x12, 5, 0), 0x12);
    ck_assert_uint_eq(sframe_ratchet_kid(1, 0, 63), UINT64_C(1) << 63);
    ck_assert_uint_eq(sframe_ratchet_kid(0, UINT64_MAX, 63), (UINT64_C(1) << 63) - 1);
}
END_TEST

/* ---- MLS (section 5.2) ------------------------------------------------------------------ */

/* RFC 9605 Figure 9: E = 4, S = 6. */
START_TEST(mls_kid_figure_9)
{
    static const struct {
        uint64_t epoch, index, context, kid;
    } rows[] = {
        { 14, 3, 0, 0x3e },  { 14, 7, 0, 0x7e },   { 14, 20, 0, 0x14e },
        { 15, 3, 0, 0x3f },  { 15, 5, 0, 0x5f },   { 16, 2, 2, 0x820 },
        { 16, 2, 3, 0xc20 }, { 17, 33, 0, 0x211 }, { 17, 51, 0, 0x331 },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint64_t kid = 0;
        ck_assert_int_eq(sframe_mls_kid(rows[i].context, rows[i].index, rows[i].epoch, 6, 4, &kid),
                         SFRAME_OK);
        ck_assert_uint_eq(kid, rows[i].kid);
    }
}
END_TEST

START_TEST(mls_kid_bounds)
{
    uint64_t kid = 0;
    /* Epoch is taken mod 2^E; the index must fit S bits. */
    ck_assert_int_eq(sframe_mls_kid(0, 3, 14 + 16 * 5, 6, 4, &kid), SFRAME_OK);
    ck_assert_uint_eq(kid, 0x3e);
    ck_assert_int_eq(sframe_mls_kid(0, 64, 0, 6, 4, &kid), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_mls_kid(0, 63, 0, 6, 4, &kid), SFRAME_OK);
    /* The context gets the remaining 64 - S - E bits. */
    ck_assert_int_eq(sframe_mls_kid(UINT64_C(1) << 54, 0, 0, 6, 4, &kid), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_mls_kid((UINT64_C(1) << 54) - 1, 63, 15, 6, 4, &kid), SFRAME_OK);
    ck_assert_uint_eq(kid, UINT64_MAX);
    /* All 64 bits to index and epoch: no room for a context. */
    ck_assert_int_eq(sframe_mls_kid(0, UINT32_MAX, UINT32_MAX, 32, 32, &kid), SFRAME_OK);
    ck_assert_uint_eq(kid, UINT64_MAX);
    ck_assert_int_eq(sframe_mls_kid(1, 0, 0, 32, 32, &kid), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_mls_kid(0, 0, 0, 40, 25, &kid), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_mls_kid(0, 0, 0, 0, 0, &kid), SFRAME_OK);
    ck_assert_uint_eq(kid, 0);
    ck_assert_int_eq(sframe_mls_kid(5, 0, 9, 0, 0, &kid), SFRAME_OK);
    ck_assert_uint_eq(kid, 5);
    ck_assert_int_eq(sframe_mls_kid(0, 0, 0, 6, 4, NULL), SFRAME_ERR_INVALID_ARG);
}
END_TEST

/* Section 5.2: base_key is the exporter output, one per epoch for all
 * members; two members' keys differ through their KIDs alone. */
START_TEST(mls_base_key)
{
    const sframe_suite_t suite = all_suites[_i];
    const size_t nk = sframe_suite_info(suite)->nk;
    uint8_t exported[48];
    for (size_t i = 0; i < sizeof(exported); i++) {
        exported[i] = (uint8_t)(0xc0 + i);
    }
    uint8_t epoch_key[48];
    ck_assert_int_eq(sframe_mls_base_key(suite, exported, nk, epoch_key), SFRAME_OK);
    ck_assert_mem_eq(epoch_key, exported, nk);
    ck_assert_int_eq(sframe_mls_base_key(suite, exported, nk - 1, epoch_key),
                     SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_mls_base_key((sframe_suite_t)9, exported, nk, epoch_key),
                     SFRAME_ERR_UNKNOWN_SUITE);

    uint64_t kid_a = 0;
    uint64_t kid_b = 0;
    ck_assert_int_eq(sframe_mls_kid(0, 3, 14, 6, 4, &kid_a), SFRAME_OK);
    ck_assert_int_eq(sframe_mls_kid(0, 7, 14, 6, 4, &kid_b), SFRAME_OK);
    uint8_t key_a[48], salt_a[12], key_b[48], salt_b[12];
    ck_assert_int_eq(sframe_derive_key_salt(suite, epoch_key, nk, kid_a, key_a, salt_a), SFRAME_OK);
    ck_assert_int_eq(sframe_derive_key_salt(suite, epoch_key, nk, kid_b, key_b, salt_b), SFRAME_OK);
    ck_assert_int_ne(memcmp(key_a, key_b, nk), 0);
    ck_assert_int_ne(memcmp(salt_a, salt_b, 12), 0);

    /* Member 3 sends; a receiver holding the epoch key under member 3's
     * KID opens it, one holding it under member 7's does not. */
    sframe_sender_config_t config = sframe_sender_config_default(suite);
    config.kid = kid_a;
    sframe_sender_t *sender = NULL;
    ck_assert_int_eq(sframe_sender_new(&config, epoch_key, nk, &sender), SFRAME_OK);
    size_t len = protect_ok(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed, sizeof(sealed));
    sframe_receiver_t *receiver = receiver_make(suite, 128, 0);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, kid_a, epoch_key, nk), SFRAME_OK);
    size_t out_len = 0;
    ck_assert_int_eq(unprotect(receiver, NULL, 0, sealed, len, &out_len), SFRAME_OK);
    sframe_receiver_free(receiver);
    sframe_sender_free(sender);
}
END_TEST

/* ---- suites, overhead, configuration, errors ---------------------------------------------- */

START_TEST(suite_table)
{
    static const struct {
        sframe_suite_t id;
        const char *name;
        size_t nh, nka, nk, nn, nt;
    } rows[] = {
        { SFRAME_AES_128_CTR_HMAC_SHA256_80, "AES_128_CTR_HMAC_SHA256_80", 32, 16, 48, 12, 10 },
        { SFRAME_AES_128_CTR_HMAC_SHA256_64, "AES_128_CTR_HMAC_SHA256_64", 32, 16, 48, 12, 8 },
        { SFRAME_AES_128_CTR_HMAC_SHA256_32, "AES_128_CTR_HMAC_SHA256_32", 32, 16, 48, 12, 4 },
        { SFRAME_AES_128_GCM_SHA256_128, "AES_128_GCM_SHA256_128", 32, 0, 16, 12, 16 },
        { SFRAME_AES_256_GCM_SHA512_128, "AES_256_GCM_SHA512_128", 64, 0, 32, 12, 16 },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const sframe_suite_info_t *info = sframe_suite_info(rows[i].id);
        ck_assert_ptr_nonnull(info);
        ck_assert_int_eq(info->id, rows[i].id);
        ck_assert_str_eq(info->name, rows[i].name);
        ck_assert_uint_eq(info->nh, rows[i].nh);
        ck_assert_uint_eq(info->nka, rows[i].nka);
        ck_assert_uint_eq(info->nk, rows[i].nk);
        ck_assert_uint_eq(info->nn, rows[i].nn);
        ck_assert_uint_eq(info->nt, rows[i].nt);
        sframe_suite_t found = 0;
        ck_assert_int_eq(sframe_suite_by_name(rows[i].name, &found), SFRAME_OK);
        ck_assert_int_eq(found, rows[i].id);
        ck_assert_int_eq(sframe_suite_self_test(rows[i].id), SFRAME_OK);
        /* Cached: the same answer again. */
        ck_assert_int_eq(sframe_suite_self_test(rows[i].id), SFRAME_OK);
    }
    sframe_suite_t found = SFRAME_AES_128_GCM_SHA256_128;
    ck_assert_int_eq(sframe_suite_by_name("AES_128_GCM_SHA256_64", &found),
                     SFRAME_ERR_UNKNOWN_SUITE);
    ck_assert_int_eq(sframe_suite_by_name("aes_128_gcm_sha256_128", &found),
                     SFRAME_ERR_UNKNOWN_SUITE);
    ck_assert_int_eq(found, SFRAME_AES_128_GCM_SHA256_128);
    ck_assert_ptr_null(sframe_suite_info((sframe_suite_t)0));
    ck_assert_ptr_null(sframe_suite_info((sframe_suite_t)6));
    ck_assert_int_eq(sframe_suite_self_test((sframe_suite_t)0), SFRAME_ERR_UNKNOWN_SUITE);
    ck_assert_int_eq(sframe_suite_self_test((sframe_suite_t)6), SFRAME_ERR_UNKNOWN_SUITE);
}
END_TEST

START_TEST(max_overhead)
{
    /* 17-byte header plus the tag. */
    ck_assert_uint_eq(sframe_max_overhead(SFRAME_AES_128_CTR_HMAC_SHA256_80), 27);
    ck_assert_uint_eq(sframe_max_overhead(SFRAME_AES_128_CTR_HMAC_SHA256_64), 25);
    ck_assert_uint_eq(sframe_max_overhead(SFRAME_AES_128_CTR_HMAC_SHA256_32), 21);
    ck_assert_uint_eq(sframe_max_overhead(SFRAME_AES_128_GCM_SHA256_128), 33);
    ck_assert_uint_eq(sframe_max_overhead(SFRAME_AES_256_GCM_SHA512_128), 33);
    ck_assert_uint_eq(sframe_max_overhead((sframe_suite_t)0), 0);
    ck_assert_uint_eq(sframe_max_overhead((sframe_suite_t)6), 0);

    /* And it is reached: KID and CTR of eight bytes each. */
    for (size_t i = 0; i < SUITE_COUNT; i++) {
        sframe_sender_t *sender = sender_make(all_suites[i], UINT64_MAX, UINT64_MAX, 0);
        size_t len = protect_ok(sender, NULL, 0, plaintext, PLAINTEXT_LEN, sealed,
                                PLAINTEXT_LEN + sframe_max_overhead(all_suites[i]));
        ck_assert_uint_eq(len, PLAINTEXT_LEN + sframe_max_overhead(all_suites[i]));
        sframe_sender_free(sender);
    }
}
END_TEST

START_TEST(config_validation)
{
    sframe_sender_config_t tx = sframe_sender_config_default(SFRAME_AES_128_GCM_SHA256_128);
    ck_assert_int_eq(tx.suite, SFRAME_AES_128_GCM_SHA256_128);
    ck_assert_uint_eq(tx.kid, 0);
    ck_assert_uint_eq(tx.first_ctr, 0);
    ck_assert_uint_eq(tx.ratchet_bits, 0);
    sframe_sender_t *sender = (sframe_sender_t *)&tx; /* must be reset to NULL */
    ck_assert_int_eq(sframe_sender_new(&tx, NULL, 16, &sender), SFRAME_ERR_INVALID_ARG);
    ck_assert_ptr_null(sender);
    ck_assert_int_eq(sframe_sender_new(&tx, base_key, 0, &sender), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_sender_new(NULL, base_key, 16, &sender), SFRAME_ERR_INVALID_ARG);
    tx.ratchet_bits = 64;
    ck_assert_int_eq(sframe_sender_new(&tx, base_key, 16, &sender), SFRAME_ERR_INVALID_ARG);
    tx.ratchet_bits = 63;
    ck_assert_int_eq(sframe_sender_new(&tx, base_key, 16, &sender), SFRAME_OK);
    sframe_sender_free(sender);
    tx.suite = (sframe_suite_t)0;
    ck_assert_int_eq(sframe_sender_new(&tx, base_key, 16, &sender), SFRAME_ERR_UNKNOWN_SUITE);

    sframe_receiver_config_t rx = sframe_receiver_config_default(SFRAME_AES_128_GCM_SHA256_128);
    ck_assert_uint_eq(rx.max_keys, 16);
    ck_assert_uint_eq(rx.replay_window, 128);
    ck_assert_uint_eq(rx.ratchet_bits, 0);
    ck_assert_uint_eq(rx.max_ratchet_ahead, 8);
    sframe_receiver_t *receiver = NULL;
    rx.max_keys = 0;
    ck_assert_int_eq(sframe_receiver_new(&rx, &receiver), SFRAME_ERR_INVALID_ARG);
    rx.max_keys = 1;
    rx.replay_window = 65537;
    ck_assert_int_eq(sframe_receiver_new(&rx, &receiver), SFRAME_ERR_INVALID_ARG);
    rx.replay_window = 65536;
    rx.ratchet_bits = 64;
    ck_assert_int_eq(sframe_receiver_new(&rx, &receiver), SFRAME_ERR_INVALID_ARG);
    rx.ratchet_bits = 63;
    ck_assert_int_eq(sframe_receiver_new(&rx, &receiver), SFRAME_OK);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 1, NULL, 16), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 1, base_key, 0), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_receiver_add_key(NULL, 1, base_key, 16), SFRAME_ERR_INVALID_ARG);
    sframe_receiver_free(receiver);
    rx.suite = (sframe_suite_t)6;
    ck_assert_int_eq(sframe_receiver_new(&rx, &receiver), SFRAME_ERR_UNKNOWN_SUITE);
    ck_assert_int_eq(sframe_receiver_new(NULL, &receiver), SFRAME_ERR_INVALID_ARG);

    /* Destroy functions accept NULL. */
    sframe_sender_free(NULL);
    sframe_receiver_free(NULL);
}
END_TEST

START_TEST(error_names)
{
    for (int code = 0; code < SFRAME_ERR__COUNT; code++) {
        const char *name = sframe_errname((sframe_err_t)code);
        const char *message = sframe_strerror((sframe_err_t)code);
        ck_assert_ptr_nonnull(name);
        ck_assert_ptr_nonnull(message);
        ck_assert_int_eq(strncmp(name, "SFRAME_", 7), 0);
        ck_assert_uint_gt(strlen(message), 0);
        for (int other = 0; other < code; other++) {
            ck_assert_str_ne(name, sframe_errname((sframe_err_t)other));
        }
    }
    ck_assert_str_eq(sframe_errname(SFRAME_OK), "SFRAME_OK");
    ck_assert_str_eq(sframe_errname(SFRAME_ERR_AUTH), "SFRAME_ERR_AUTH");
    ck_assert_str_eq(sframe_strerror(SFRAME_ERR_AUTH), "authentication failed");
    ck_assert_ptr_nonnull(sframe_strerror(SFRAME_ERR__COUNT));
    ck_assert_ptr_nonnull(sframe_errname((sframe_err_t)-1));
}
END_TEST

/* The one-shot AEAD's own errors. */
START_TEST(aead_one_shot_errors)
{
    const sframe_suite_t suite = all_suites[_i];
    const size_t nt = tag_size(suite);
    static const uint8_t key[48] = { 7 };
    static const uint8_t nonce[12] = { 9 };
    size_t len = 0;
    ck_assert_int_eq(sframe_aead_encrypt(suite, key, nonce, metadata, METADATA_LEN, plaintext,
                                         PLAINTEXT_LEN, sealed, PLAINTEXT_LEN + nt - 1, &len),
                     SFRAME_ERR_NO_SPACE);
    ck_assert_int_eq(sframe_aead_encrypt(suite, key, nonce, metadata, METADATA_LEN, plaintext,
                                         PLAINTEXT_LEN, sealed, sizeof(sealed), &len),
                     SFRAME_OK);
    ck_assert_uint_eq(len, PLAINTEXT_LEN + nt);
    size_t out_len = 0;
    ck_assert_int_eq(sframe_aead_decrypt(suite, key, nonce, metadata, METADATA_LEN, sealed, nt - 1,
                                         opened, sizeof(opened), &out_len),
                     SFRAME_ERR_TRUNCATED);
    ck_assert_int_eq(sframe_aead_decrypt(suite, key, nonce, metadata, METADATA_LEN, sealed, len,
                                         opened, PLAINTEXT_LEN - 1, &out_len),
                     SFRAME_ERR_NO_SPACE);
    ck_assert_int_eq(sframe_aead_decrypt(suite, key, nonce, metadata, METADATA_LEN, sealed, len,
                                         opened, sizeof(opened), &out_len),
                     SFRAME_OK);
    ck_assert_mem_eq(opened, plaintext, PLAINTEXT_LEN);
    sealed[0] ^= 1;
    ck_assert_int_eq(sframe_aead_decrypt(suite, key, nonce, metadata, METADATA_LEN, sealed, len,
                                         opened, sizeof(opened), &out_len),
                     SFRAME_ERR_AUTH);
    ck_assert_int_eq(sframe_aead_encrypt((sframe_suite_t)0, key, nonce, NULL, 0, NULL, 0, sealed,
                                         sizeof(sealed), &len),
                     SFRAME_ERR_UNKNOWN_SUITE);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("sframe_contexts");

    TCase *frames = tcase_create("frames");
    tcase_add_loop_test(frames, round_trip, 0, SUITE_COUNT);
    tcase_add_loop_test(frames, suites_do_not_mix, 0, SUITE_COUNT);
    tcase_add_loop_test(frames, tamper_every_bit, 0, SUITE_COUNT);
    tcase_add_test(frames, header_out_on_failure);
    tcase_add_loop_test(frames, truncated_inputs, 0, SUITE_COUNT);
    tcase_add_loop_test(frames, sender_no_space, 0, SUITE_COUNT);
    tcase_add_loop_test(frames, aead_one_shot_errors, 0, SUITE_COUNT);
    suite_add_tcase(suite, frames);

    TCase *replay = tcase_create("replay");
    tcase_add_loop_test(replay, replay_basics, 0, SUITE_COUNT);
    tcase_add_test(replay, replay_per_kid);
    tcase_add_loop_test(replay, replay_model, 0, 7);
    tcase_add_loop_test(replay, counter_exhaustion, 0, SUITE_COUNT);
    tcase_add_loop_test(replay, counter_exhaustion_single, 0, SUITE_COUNT);
    suite_add_tcase(suite, replay);

    TCase *keys = tcase_create("keys");
    tcase_add_test(keys, key_ring);
    tcase_add_loop_test(keys, unknown_kid, 0, SUITE_COUNT);
    tcase_add_loop_test(keys, ratchet_forward, 0, SUITE_COUNT * 8);
    tcase_add_loop_test(keys, ratchet_walk_and_bound, 0, SUITE_COUNT);
    tcase_add_test(keys, ratchet_config);
    tcase_add_test(keys, ratchet_kid_layout);
    tcase_add_test(keys, mls_kid_figure_9);
    tcase_add_test(keys, mls_kid_bounds);
    tcase_add_loop_test(keys, mls_base_key, 0, SUITE_COUNT);
    suite_add_tcase(suite, keys);

    TCase *api = tcase_create("api");
    tcase_add_test(api, suite_table);
    tcase_add_test(api, max_overhead);
    tcase_add_test(api, config_validation);
    tcase_add_test(api, error_names);
    suite_add_tcase(suite, api);
    return suite;
}
