/* Per-frame calls allocate nothing (sframe/sframe.h, DESIGN.md "Memory").
 *
 * Every allocation in sframe/ and inside OpenSSL goes through OPENSSL_malloc,
 * so counting functions installed with CRYPTO_set_mem_functions see them
 * all. OpenSSL accepts them only before its first allocation in the
 * process; Check runs each test (and each loop iteration) in a forked child
 * and nothing in this file touches OpenSSL outside a test body, so each
 * body installs them first. (With CK_FORK=no the first body installs them
 * for all: install_counter accepts that they are already ours.)
 *
 * Given a sender and a receiver (setup, which may allocate) and a few
 * warm-up frames, when 1000 protect + unprotect rounds run, then the count
 * does not move. Likewise for the failure paths (forgery, replay, unknown
 * KID) and for ratcheting, where the receiver derives keys inside
 * unprotect. */
#include "sframe/sframe.h"

#include <openssl/crypto.h>
#include <openssl/err.h>

#include <stdlib.h>
#include <string.h>

#define SUITE_COUNT 5
#define ROUNDS      1000

static const sframe_suite_t all_suites[SUITE_COUNT] = {
    SFRAME_AES_128_CTR_HMAC_SHA256_80, SFRAME_AES_128_CTR_HMAC_SHA256_64,
    SFRAME_AES_128_CTR_HMAC_SHA256_32, SFRAME_AES_128_GCM_SHA256_128,
    SFRAME_AES_256_GCM_SHA512_128,
};

static const uint8_t base_key[32] = { 0x2a, 0x17, 0x99 };

static unsigned long allocations;

static void *counting_malloc(size_t size, const char *file, int line)
{
    (void)file;
    (void)line;
    allocations++;
    return malloc(size);
}

static void *counting_realloc(void *ptr, size_t size, const char *file, int line)
{
    (void)file;
    (void)line;
    allocations++;
    return realloc(ptr, size);
}

static void counting_free(void *ptr, const char *file, int line)
{
    (void)file;
    (void)line;
    free(ptr);
}

static void install_counter(void)
{
    if (CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free) == 1) {
        return;
    }
    CRYPTO_malloc_fn current_malloc = NULL;
    CRYPTO_get_mem_functions(&current_malloc, NULL, NULL);
    ck_assert_msg(current_malloc == counting_malloc,
                  "OpenSSL allocated before the test could install its counter");
}

static uint8_t frame[10000];
static uint8_t sealed[sizeof(frame) + 64];
static uint8_t opened[sizeof(frame) + 64];
static const uint8_t metadata[] = "IETF SFrame WG";

/* One protect + unprotect of a `len`-byte frame; checks the round trip. */
static void round_trip(sframe_sender_t *sender, sframe_receiver_t *receiver, size_t len,
                       size_t md_len)
{
    size_t sealed_len = 0;
    size_t opened_len = 0;
    ck_assert_int_eq(sframe_sender_protect(sender, metadata, md_len, frame, len, sealed,
                                           sizeof(sealed), &sealed_len),
                     SFRAME_OK);
    ck_assert_int_eq(sframe_receiver_unprotect(receiver, metadata, md_len, sealed, sealed_len,
                                               opened, sizeof(opened), &opened_len, NULL),
                     SFRAME_OK);
    ck_assert_uint_eq(opened_len, len);
}

static const size_t frame_lens[] = { 1200, 0, 100, 10000, 17 };
#define FRAME_LENS (sizeof(frame_lens) / sizeof(frame_lens[0]))

START_TEST(steady_state_allocates_nothing)
{
    install_counter();
    const sframe_suite_t suite = all_suites[_i];
    for (size_t i = 0; i < sizeof(frame); i++) {
        frame[i] = (uint8_t)i;
    }
    sframe_sender_config_t tx = sframe_sender_config_default(suite);
    tx.kid = 0x123;
    sframe_sender_t *sender = NULL;
    ck_assert_int_eq(sframe_sender_new(&tx, base_key, sizeof(base_key), &sender), SFRAME_OK);
    sframe_receiver_config_t rx = sframe_receiver_config_default(suite);
    sframe_receiver_t *receiver = NULL;
    ck_assert_int_eq(sframe_receiver_new(&rx, &receiver), SFRAME_OK);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 0x123, base_key, sizeof(base_key)),
                     SFRAME_OK);
    ck_assert_uint_gt(allocations, 0); /* the counter is live */
    for (size_t i = 0; i < 10; i++) {
        round_trip(sender, receiver, frame_lens[i % FRAME_LENS], i % 2 ? 14 : 0);
    }

    const unsigned long before = allocations;
    for (size_t i = 0; i < ROUNDS; i++) {
        round_trip(sender, receiver, frame_lens[i % FRAME_LENS], i % 3 ? 14 : 0);
    }
    ck_assert_uint_eq(allocations - before, 0);

    sframe_receiver_free(receiver);
    sframe_sender_free(sender);
}
END_TEST

/* Forgeries, replays and unknown KIDs: refused without allocating, and
 * without leaving errors on OpenSSL's error queue. */
START_TEST(failures_allocate_nothing)
{
    install_counter();
    const sframe_suite_t suite = all_suites[_i];
    sframe_sender_config_t tx = sframe_sender_config_default(suite);
    tx.kid = 77;
    sframe_sender_t *sender = NULL;
    ck_assert_int_eq(sframe_sender_new(&tx, base_key, sizeof(base_key), &sender), SFRAME_OK);
    sframe_receiver_config_t rx = sframe_receiver_config_default(suite);
    sframe_receiver_t *receiver = NULL;
    ck_assert_int_eq(sframe_receiver_new(&rx, &receiver), SFRAME_OK);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, 77, base_key, sizeof(base_key)), SFRAME_OK);
    uint8_t stranger[64];
    size_t stranger_len = 0;
    ck_assert_int_eq(sframe_header_encode(78, 0, stranger, sizeof(stranger), &stranger_len),
                     SFRAME_OK);
    memset(stranger + stranger_len, 0, 32);
    stranger_len += 32;
    size_t sealed_len = 0;
    size_t opened_len = 0;

    unsigned long before = 0;
    for (size_t i = 0; i < ROUNDS + 10; i++) {
        if (i == 10) {
            before = allocations; /* after warm-up */
        }
        ck_assert_int_eq(sframe_sender_protect(sender, metadata, 14, frame, 1200, sealed,
                                               sizeof(sealed), &sealed_len),
                         SFRAME_OK);
        sealed[sealed_len - 1] ^= 1;
        ck_assert_int_eq(sframe_receiver_unprotect(receiver, metadata, 14, sealed, sealed_len,
                                                   opened, sizeof(opened), &opened_len, NULL),
                         SFRAME_ERR_AUTH);
        sealed[sealed_len - 1] ^= 1;
        ck_assert_int_eq(sframe_receiver_unprotect(receiver, metadata, 14, sealed, sealed_len,
                                                   opened, sizeof(opened), &opened_len, NULL),
                         SFRAME_OK);
        ck_assert_int_eq(sframe_receiver_unprotect(receiver, metadata, 14, sealed, sealed_len,
                                                   opened, sizeof(opened), &opened_len, NULL),
                         SFRAME_ERR_REPLAY);
        ck_assert_int_eq(sframe_receiver_unprotect(receiver, NULL, 0, stranger, stranger_len,
                                                   opened, sizeof(opened), &opened_len, NULL),
                         SFRAME_ERR_UNKNOWN_KID);
    }
    ck_assert_uint_eq(allocations - before, 0);
    ck_assert_uint_eq(ERR_peek_error(), 0);

    sframe_receiver_free(receiver);
    sframe_sender_free(sender);
}
END_TEST

/* The sender ratchets every 10 frames (R = 8 bits: up to 255 steps) and the
 * receiver follows inside unprotect; one frame in each step is forged
 * first, so the receiver also derives and throws away a scratch key. */
START_TEST(ratchet_allocates_nothing)
{
    install_counter();
    const sframe_suite_t suite = all_suites[_i];
    sframe_sender_config_t tx = sframe_sender_config_default(suite);
    tx.kid = sframe_ratchet_kid(5, 0, 8);
    tx.ratchet_bits = 8;
    sframe_sender_t *sender = NULL;
    ck_assert_int_eq(sframe_sender_new(&tx, base_key, sizeof(base_key), &sender), SFRAME_OK);
    sframe_receiver_config_t rx = sframe_receiver_config_default(suite);
    rx.ratchet_bits = 8;
    sframe_receiver_t *receiver = NULL;
    ck_assert_int_eq(sframe_receiver_new(&rx, &receiver), SFRAME_OK);
    ck_assert_int_eq(sframe_receiver_add_key(receiver, tx.kid, base_key, sizeof(base_key)),
                     SFRAME_OK);
    size_t sealed_len = 0;
    size_t opened_len = 0;

    unsigned long before = 0;
    for (size_t i = 0; i < 2000; i++) {
        if (i == 20) {
            before = allocations;
        }
        bool new_step = i > 0 && i % 10 == 0;
        if (new_step) {
            ck_assert_int_eq(sframe_sender_ratchet(sender), SFRAME_OK);
        }
        ck_assert_int_eq(sframe_sender_protect(sender, NULL, 0, frame, 1200, sealed, sizeof(sealed),
                                               &sealed_len),
                         SFRAME_OK);
        if (new_step) {
            sealed[sealed_len - 1] ^= 1;
            ck_assert_int_eq(sframe_receiver_unprotect(receiver, NULL, 0, sealed, sealed_len,
                                                       opened, sizeof(opened), &opened_len, NULL),
                             SFRAME_ERR_AUTH);
            sealed[sealed_len - 1] ^= 1;
        }
        ck_assert_int_eq(sframe_receiver_unprotect(receiver, NULL, 0, sealed, sealed_len, opened,
                                                   sizeof(opened), &opened_len, NULL),
                         SFRAME_OK);
        if (i % 10 == 9 && sframe_sender_kid(sender) % 256 == 255) {
            break; /* the step is about to run out */
        }
    }
    ck_assert_uint_eq(allocations - before, 0);

    sframe_receiver_free(receiver);
    sframe_sender_free(sender);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("sframe_alloc");
    TCase *tc = tcase_create("alloc");
    tcase_add_loop_test(tc, steady_state_allocates_nothing, 0, SUITE_COUNT);
    tcase_add_loop_test(tc, failures_allocate_nothing, 0, SUITE_COUNT);
    tcase_add_loop_test(tc, ratchet_allocates_nothing, 0, SUITE_COUNT);
    suite_add_tcase(suite, tc);
    return suite;
}
