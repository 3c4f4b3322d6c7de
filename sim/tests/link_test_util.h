/* Helpers shared by sim/tests/test_link_*.c: numbered packets and a log of
 * what a link delivered.
 *
 * A numbered packet carries its 0-based send index in its first 8 bytes
 * (little-endian), so a test can tell which packet (or which duplicate)
 * arrived when. Every statistical test prints its measured figures when
 * BLINDFOLD_TEST_VERBOSE is set in the environment.
 *
 * Check's ck_assert_*() report every passing check to the parent process
 * in fork mode, which is slow in loops of 10^5: per-packet checks here and
 * in the tests' loops use LINK_CHECK(), which calls Check only to fail. */
#ifndef BLINDFOLD_SIM_TESTS_LINK_TEST_UTIL_H
#define BLINDFOLD_SIM_TESTS_LINK_TEST_UTIL_H

#include "sim/sim_link.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINK_TEST_SEED      20240601u
#define LINK_TEST_MAX_BYTES 4096u
#define LINK_TEST_NO_INDEX  UINT64_MAX

#define LINK_CHECK(cond)                                                  \
    do {                                                                  \
        if (!(cond))                                                      \
            ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #cond); \
    } while (0)

typedef struct link_delivery {
    uint64_t at_us;
    uint64_t index; /* LINK_TEST_NO_INDEX for a packet under 8 bytes */
    size_t len;
} link_delivery_t;

typedef struct link_log {
    link_delivery_t *items;
    size_t count, cap;
} link_log_t;

static inline void link_log_deliver(void *ctx, uint64_t now_us, const uint8_t *packet, size_t len)
{
    link_log_t *log = ctx;
    if (log->count == log->cap) {
        log->cap = log->cap ? 2 * log->cap : 1024;
        log->items = realloc(log->items, log->cap * sizeof *log->items);
        LINK_CHECK(log->items != NULL);
    }
    uint64_t index = LINK_TEST_NO_INDEX;
    if (len >= 8) {
        index = 0;
        for (int i = 7; i >= 0; i--)
            index = index << 8 | packet[i];
    }
    log->items[log->count++] = (link_delivery_t){ .at_us = now_us, .index = index, .len = len };
}

static inline void link_log_free(link_log_t *log)
{
    free(log->items);
    *log = (link_log_t){ 0 };
}

/* Sends packet number `index`, `len` >= 8 bytes long. */
static inline void link_send_numbered(sim_link_t *link, uint64_t index, size_t len)
{
    uint8_t packet[LINK_TEST_MAX_BYTES];
    LINK_CHECK(len >= 8 && len <= sizeof packet);
    memset(packet, 0xa5, len);
    for (int i = 0; i < 8; i++)
        packet[i] = (uint8_t)(index >> (8 * i));
    LINK_CHECK(sim_link_send(link, packet, len));
}

static inline sim_rng_t link_test_rng(uint64_t seed, const char *name)
{
    sim_rng_t rng;
    sim_rng_seed(&rng, seed, name);
    return rng;
}

static inline sim_link_t *link_test_new(sim_engine_t *engine, const sim_link_profile_t *profile,
                                        uint64_t seed, link_log_t *log)
{
    sim_rng_t rng = link_test_rng(seed, "link:test");
    sim_link_t *link = sim_link_new(engine, profile, &rng, link_log_deliver, log);
    ck_assert_ptr_nonnull(link);
    return link;
}

__attribute__((format(printf, 1, 2))) static inline void link_test_note(const char *format, ...)
{
    if (getenv("BLINDFOLD_TEST_VERBOSE") == NULL)
        return;
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
}

#endif
