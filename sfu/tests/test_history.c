/* The send history: storing and looking up by sequence number, the count
 * and age bounds, EVICTED versus NOT_FOUND, the 65535 -> 0 wrap, fixed
 * memory, and the once-per-interval resend check. */
#include "sfu/history.h"

#include <check.h>
#include <malloc.h>
#include <string.h>

#define MS 1000u

/* A fake packet whose bytes all derive from seq, len 20 + seq % 50. */
static size_t make_packet(uint16_t seq, uint8_t *buf)
{
    size_t len = 20 + seq % 50;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seq * 31u + i);
    return len;
}

static sfu__history_t *make_history(uint32_t capacity, uint32_t history_ms)
{
    sfu__history_config_t config = sfu__history_config_default();
    config.capacity = capacity;
    config.history_ms = history_ms;
    sfu__history_t *h = NULL;
    ck_assert_int_eq(sfu__history_create(&config, &h), SFU_OK);
    ck_assert_ptr_nonnull(h);
    return h;
}

static void store(sfu__history_t *h, uint16_t seq, uint64_t now_us)
{
    uint8_t buf[128];
    size_t len = make_packet(seq, buf);
    ck_assert_int_eq(sfu__history_store(h, seq, buf, len, now_us), SFU_OK);
}

static void assert_found(sfu__history_t *h, uint16_t seq, uint64_t now_us)
{
    uint8_t want[128];
    size_t want_len = make_packet(seq, want);
    sfu__history_packet_t p;
    ck_assert_int_eq(sfu__history_lookup(h, seq, now_us, &p), SFU_OK);
    ck_assert_uint_eq(p.seq, seq);
    ck_assert_uint_eq(p.len, want_len);
    ck_assert_mem_eq(p.bytes, want, want_len);
}

START_TEST(stores_and_looks_up)
{
    sfu__history_t *h = make_history(64, 1000);
    for (uint16_t seq = 1000; seq < 1040; seq++)
        store(h, seq, 5 * MS);
    for (uint16_t seq = 1000; seq < 1040; seq++)
        assert_found(h, seq, 6 * MS);
    sfu__history_packet_t p;
    ck_assert_int_eq(sfu__history_lookup(h, 1020, 6 * MS, &p), SFU_OK);
    ck_assert_uint_eq(p.stored_us, 5 * MS);
    ck_assert_uint_eq(p.resend_count, 0);

    const sfu__history_stats_t *st = sfu__history_stats(h);
    ck_assert_uint_eq(st->stored, 40);
    ck_assert_uint_eq(st->lookups, 41);
    ck_assert_uint_eq(st->hits, 41);
    ck_assert_uint_eq(st->evicted, 0);
    ck_assert_uint_eq(st->not_found, 0);
    sfu__history_destroy(h);
}
END_TEST

START_TEST(storing_again_replaces)
{
    sfu__history_t *h = make_history(8, 1000);
    store(h, 7, 0);
    ck_assert_int_eq(sfu__history_resend(h, 7, 1 * MS, 0, NULL), SFU_OK);
    const uint8_t other[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
    ck_assert_int_eq(sfu__history_store(h, 7, other, sizeof other, 2 * MS), SFU_OK);
    sfu__history_packet_t p;
    ck_assert_int_eq(sfu__history_lookup(h, 7, 2 * MS, &p), SFU_OK);
    ck_assert_uint_eq(p.len, sizeof other);
    ck_assert_mem_eq(p.bytes, other, sizeof other);
    ck_assert_uint_eq(p.resend_count, 0);
    sfu__history_destroy(h);
}
END_TEST

START_TEST(count_bound_evicts_the_oldest)
{
    sfu__history_t *h = make_history(8, 1000);
    for (uint16_t seq = 0; seq < 20; seq++)
        store(h, seq, 0);
    for (uint16_t seq = 0; seq < 12; seq++)
        ck_assert_int_eq(sfu__history_lookup(h, seq, 0, NULL), SFU_ERR_EVICTED);
    for (uint16_t seq = 12; seq < 20; seq++)
        assert_found(h, seq, 0);
    ck_assert_uint_eq(sfu__history_stats(h)->evicted, 12);
    ck_assert_uint_eq(sfu__history_stats(h)->hits, 8);
    sfu__history_destroy(h);
}
END_TEST

START_TEST(time_bound_evicts_old_packets)
{
    /* Given packets stored at 0, 50 and 90 ms with history_ms 100 */
    sfu__history_t *h = make_history(64, 100);
    store(h, 1, 0);
    store(h, 2, 50 * MS);
    store(h, 3, 90 * MS);
    /* Then at exactly 100 ms the first is still served, a microsecond later
     * it is not, and the others last until their own 100 ms */
    assert_found(h, 1, 100 * MS);
    ck_assert_int_eq(sfu__history_lookup(h, 1, 100 * MS + 1, NULL), SFU_ERR_EVICTED);
    assert_found(h, 2, 120 * MS);
    assert_found(h, 3, 120 * MS);
    ck_assert_int_eq(sfu__history_lookup(h, 2, 151 * MS, NULL), SFU_ERR_EVICTED);
    assert_found(h, 3, 151 * MS);
    ck_assert_int_eq(sfu__history_lookup(h, 3, 10000 * MS, NULL), SFU_ERR_EVICTED);
    ck_assert_int_eq(sfu__history_resend(h, 3, 10000 * MS, 0, NULL), SFU_ERR_EVICTED);
    sfu__history_destroy(h);
}
END_TEST

START_TEST(evicted_differs_from_not_found)
{
    sfu__history_t *h = make_history(8, 1000);
    /* Empty: nothing was ever stored. */
    ck_assert_int_eq(sfu__history_lookup(h, 0, 0, NULL), SFU_ERR_NOT_FOUND);

    for (uint16_t seq = 100; seq < 120; seq++)
        if (seq != 117)
            store(h, seq, 0);
    /* Newer than the newest, or older than the first stored. */
    ck_assert_int_eq(sfu__history_lookup(h, 120, 0, NULL), SFU_ERR_NOT_FOUND);
    ck_assert_int_eq(sfu__history_lookup(h, 5000, 0, NULL), SFU_ERR_NOT_FOUND);
    ck_assert_int_eq(sfu__history_lookup(h, 99, 0, NULL), SFU_ERR_NOT_FOUND);
    ck_assert_int_eq(sfu__history_lookup(h, 60000, 0, NULL), SFU_ERR_NOT_FOUND);
    /* A gap inside the window: never stored. */
    ck_assert_int_eq(sfu__history_lookup(h, 117, 0, NULL), SFU_ERR_NOT_FOUND);
    /* Stored, then overwritten. */
    ck_assert_int_eq(sfu__history_lookup(h, 100, 0, NULL), SFU_ERR_EVICTED);
    ck_assert_int_eq(sfu__history_lookup(h, 111, 0, NULL), SFU_ERR_EVICTED);
    assert_found(h, 112, 0);

    const sfu__history_stats_t *st = sfu__history_stats(h);
    ck_assert_uint_eq(st->not_found, 6);
    ck_assert_uint_eq(st->evicted, 2);
    ck_assert_uint_eq(st->hits, 1);
    sfu__history_destroy(h);
}
END_TEST

START_TEST(sequence_numbers_wrap)
{
    sfu__history_t *h = make_history(16, 1000);
    for (uint32_t i = 0; i < 16; i++)
        store(h, (uint16_t)(65530u + i), 0); /* 65530 .. 65535, 0 .. 9 */
    for (uint32_t i = 0; i < 16; i++)
        assert_found(h, (uint16_t)(65530u + i), 0);
    ck_assert_int_eq(sfu__history_lookup(h, 65529, 0, NULL), SFU_ERR_NOT_FOUND);
    ck_assert_int_eq(sfu__history_lookup(h, 10, 0, NULL), SFU_ERR_NOT_FOUND);

    /* Ten more push 65530 .. 65535 and 0 .. 3 out, across the wrap. */
    for (uint16_t seq = 10; seq < 20; seq++)
        store(h, seq, 0);
    for (uint32_t i = 0; i < 10; i++)
        ck_assert_int_eq(sfu__history_lookup(h, (uint16_t)(65530u + i), 0, NULL), SFU_ERR_EVICTED);
    for (uint16_t seq = 4; seq < 20; seq++)
        assert_found(h, seq, 0);

    /* Several full turns of the circle keep working. */
    for (uint32_t i = 0; i < 2 * 65536u; i++)
        store(h, (uint16_t)(20u + i), 1);
    uint16_t newest = (uint16_t)(20u + 2 * 65536u - 1);
    assert_found(h, newest, 1);
    assert_found(h, (uint16_t)(newest - 15), 1);
    ck_assert_int_eq(sfu__history_lookup(h, (uint16_t)(newest - 16), 1, NULL), SFU_ERR_EVICTED);
    sfu__history_destroy(h);
}
END_TEST

START_TEST(reordered_store_within_the_window)
{
    sfu__history_t *h = make_history(8, 1000);
    store(h, 10, 0);
    store(h, 12, 0);
    store(h, 11, 0); /* late, but inside the window */
    assert_found(h, 11, 0);
    for (uint16_t seq = 13; seq < 18; seq++)
        store(h, seq, 0);
    /* 9 precedes both the window (10 .. 17) and the first packet stored. */
    ck_assert_int_eq(sfu__history_lookup(h, 9, 0, NULL), SFU_ERR_NOT_FOUND);
    uint8_t buf[128];
    size_t len = make_packet(9, buf);
    ck_assert_int_eq(sfu__history_store(h, 9, buf, len, 0), SFU_ERR_EVICTED);
    store(h, 18, 0);
    /* Older than the window now: refused, and reported as evicted. */
    len = make_packet(10, buf);
    ck_assert_int_eq(sfu__history_store(h, 10, buf, len, 0), SFU_ERR_EVICTED);
    ck_assert_uint_eq(sfu__history_stats(h)->store_refused, 2);
    sfu__history_destroy(h);
}
END_TEST

START_TEST(refuses_bad_input)
{
    sfu__history_config_t config = sfu__history_config_default();
    sfu__history_t *h = NULL;
    config.capacity = 0;
    ck_assert_int_eq(sfu__history_create(&config, &h), SFU_ERR_INVALID_ARG);
    config.capacity = SFU__HISTORY_MAX_CAPACITY + 1;
    ck_assert_int_eq(sfu__history_create(&config, &h), SFU_ERR_INVALID_ARG);
    config = sfu__history_config_default();
    config.slot_size = 11;
    ck_assert_int_eq(sfu__history_create(&config, &h), SFU_ERR_INVALID_ARG);
    config = sfu__history_config_default();
    config.history_ms = 0;
    ck_assert_int_eq(sfu__history_create(&config, &h), SFU_ERR_INVALID_ARG);
    ck_assert_int_eq(sfu__history_create(NULL, &h), SFU_ERR_INVALID_ARG);
    ck_assert_ptr_null(h);
    sfu__history_destroy(NULL);

    config = sfu__history_config_default();
    config.slot_size = 100;
    ck_assert_int_eq(sfu__history_create(&config, &h), SFU_OK);
    uint8_t big[101] = { 0 };
    ck_assert_int_eq(sfu__history_store(h, 1, big, sizeof big, 0), SFU_ERR_NO_SPACE);
    ck_assert_int_eq(sfu__history_store(h, 1, big, 100, 0), SFU_OK);
    ck_assert_int_eq(sfu__history_store(h, 2, NULL, 5, 0), SFU_ERR_INVALID_ARG);
    ck_assert_uint_eq(sfu__history_stats(h)->store_refused, 1);
    sfu__history_destroy(h);
}
END_TEST

START_TEST(clear_forgets_everything)
{
    sfu__history_t *h = make_history(8, 1000);
    for (uint16_t seq = 0; seq < 5; seq++)
        store(h, seq, 0);
    sfu__history_clear(h);
    for (uint16_t seq = 0; seq < 5; seq++)
        ck_assert_int_eq(sfu__history_lookup(h, seq, 0, NULL), SFU_ERR_NOT_FOUND);
    /* A new stream with unrelated numbers starts cleanly. */
    store(h, 40000, 0);
    assert_found(h, 40000, 0);
    ck_assert_uint_eq(sfu__history_stats(h)->stored, 6);
    sfu__history_destroy(h);
}
END_TEST

START_TEST(memory_is_fixed_at_creation)
{
    /* Given a history of 32 slots of 1500 bytes */
    sfu__history_t *h = make_history(32, 50);
    size_t bytes = sfu__history_memory_bytes(h);
    ck_assert_uint_ge(bytes, 32u * 1500u);
    uint8_t buf[128];
    for (uint16_t seq = 0; seq < 32; seq++)
        store(h, seq, 0);
    const uint8_t *slot_ptr[32];
    for (uint16_t seq = 0; seq < 32; seq++) {
        sfu__history_packet_t p;
        ck_assert_int_eq(sfu__history_lookup(h, seq, 0, &p), SFU_OK);
        slot_ptr[seq] = p.bytes;
    }

    /* When 100000 packets go through it, with lookups and resends */
    uint32_t store_failures = 0;
#ifdef __GLIBC__
    struct mallinfo2 before = mallinfo2();
#endif
    /* (no ck_assert in the loop: Check's bookkeeping could allocate) */
    for (uint32_t i = 32; i < 100000; i++) {
        uint16_t seq = (uint16_t)i;
        size_t len = make_packet(seq, buf);
        store_failures += sfu__history_store(h, seq, buf, len, i * 10u) != SFU_OK;
        (void)sfu__history_lookup(h, (uint16_t)(seq - (i % 40)), i * 10u, NULL);
        (void)sfu__history_resend(h, (uint16_t)(seq - 3), i * 10u, 20 * MS, NULL);
    }
#ifdef __GLIBC__
    struct mallinfo2 after = mallinfo2();
#endif
    ck_assert_uint_eq(store_failures, 0);
#ifdef __GLIBC__
    /* Then the heap did not grow */
    ck_assert_uint_eq(after.uordblks, before.uordblks);
    ck_assert_uint_eq(after.hblkhd, before.hblkhd);
#endif
    /* And every packet still lives in the slot it had, in the same arena */
    ck_assert_uint_eq(sfu__history_memory_bytes(h), bytes);
    for (uint32_t i = 100000 - 32; i < 100000; i++) {
        sfu__history_packet_t p;
        ck_assert_int_eq(sfu__history_lookup(h, (uint16_t)i, 100000 * 10u, &p), SFU_OK);
        ck_assert_ptr_eq(p.bytes, slot_ptr[i % 32]);
    }
    sfu__history_destroy(h);
}
END_TEST

START_TEST(resend_at_most_once_per_interval)
{
    sfu__history_t *h = make_history(64, 1000);
    store(h, 500, 0);
    sfu__history_packet_t p;
    /* The first resend is always allowed. */
    ck_assert_int_eq(sfu__history_resend(h, 500, 10 * MS, 50 * MS, &p), SFU_OK);
    ck_assert_uint_eq(p.resend_count, 0);
    ck_assert(sfu__history_resend_allowed(&p, 10 * MS, 50 * MS));
    /* A repeated NACK within the interval (an RTT) is refused. */
    ck_assert_int_eq(sfu__history_resend(h, 500, 30 * MS, 50 * MS, &p), SFU_ERR_TOO_SOON);
    ck_assert_uint_eq(p.resend_count, 1);
    ck_assert_uint_eq(p.last_resend_us, 10 * MS);
    ck_assert(!sfu__history_resend_allowed(&p, 59 * MS, 50 * MS));
    ck_assert(sfu__history_resend_allowed(&p, 60 * MS, 50 * MS));
    ck_assert_int_eq(sfu__history_resend(h, 500, 59 * MS, 50 * MS, NULL), SFU_ERR_TOO_SOON);
    /* After the interval it goes again. */
    ck_assert_int_eq(sfu__history_resend(h, 500, 60 * MS, 50 * MS, &p), SFU_OK);
    ck_assert_uint_eq(p.resend_count, 1);
    ck_assert_int_eq(sfu__history_lookup(h, 500, 61 * MS, &p), SFU_OK);
    ck_assert_uint_eq(p.resend_count, 2);
    ck_assert_uint_eq(p.last_resend_us, 60 * MS);
    /* Unknown numbers are errors, not resends. */
    ck_assert_int_eq(sfu__history_resend(h, 501, 61 * MS, 50 * MS, NULL), SFU_ERR_NOT_FOUND);

    const sfu__history_stats_t *st = sfu__history_stats(h);
    ck_assert_uint_eq(st->resends, 2);
    ck_assert_uint_eq(st->resends_too_soon, 2);
    sfu__history_destroy(h);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("sfu_history");
    TCase *tc = tcase_create("store");
    tcase_add_test(tc, stores_and_looks_up);
    tcase_add_test(tc, storing_again_replaces);
    tcase_add_test(tc, reordered_store_within_the_window);
    tcase_add_test(tc, refuses_bad_input);
    tcase_add_test(tc, clear_forgets_everything);
    suite_add_tcase(s, tc);

    tc = tcase_create("bounds");
    tcase_add_test(tc, count_bound_evicts_the_oldest);
    tcase_add_test(tc, time_bound_evicts_old_packets);
    tcase_add_test(tc, evicted_differs_from_not_found);
    tcase_add_test(tc, sequence_numbers_wrap);
    tcase_add_test(tc, memory_is_fixed_at_creation);
    suite_add_tcase(s, tc);

    tc = tcase_create("resend");
    tcase_add_test(tc, resend_at_most_once_per_interval);
    suite_add_tcase(s, tc);
    return s;
}
