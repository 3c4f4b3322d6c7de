/* The shared frame cache (peer.h, "Frame cache"; peers/peer_frame_cache.c).
 *
 * - A two-peer call (peers/tests/peer_pair.h: A sends three layers, B
 *   receives one, with some loss so NACK and RTX run) gives the same frame
 *   records (PSNR bit for bit), the same sent frames and the same bytes on
 *   both sinks with a shared cache as without, and B's PSNR references all
 *   come from the cache.
 * - Caches too small to help, down to 1 byte, change nothing either, stay
 *   within their bound and keep their counters consistent.
 * - The cache itself: every picture it returns is the exact rendering of
 *   its key, through wrap-around and eviction; the oldest inserted goes
 *   first; at most 1024 pictures; a picture over max_bytes is rendered into
 *   the caller's buffer.
 * - After warm-up a call with a cache that keeps evicting allocates nothing
 *   (alloc_count.h; left out under ASan).
 * - Bad arguments. */
#include "peers/peer_internal.h"
#include "peers/tests/peer_pair.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"

#define CALL_MS        3000u
#define SHORT_CALL_MS  1500u
#define BIG_CACHE      (64u << 20) /* 3 s of A's three layers: no eviction */
#define SLOTS          1024u       /* peer_frame_cache.c */
#define QUARTER_BYTES  21600u      /* 160x90 I420 */
#define QUARTER_PADDED 21632u      /* ... at a 64-byte aligned offset */
#define ROOM           8192u

/* --- Calls ------------------------------------------------------------------- */

/* FNV-1a 64 over every datagram a sink emitted, lengths included. */
typedef struct wire_hash {
    uint64_t hash;
    uint64_t datagrams;
} wire_hash_t;

static void hash_datagram(void *ctx, const uint8_t *bytes, size_t len)
{
    wire_hash_t *wire = ctx;
    uint64_t h = wire->hash;
    for (size_t i = 0; i < sizeof len; i++)
        h = (h ^ (uint8_t)(len >> (8 * i))) * 0x100000001B3u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ bytes[i]) * 0x100000001B3u;
    wire->hash = h;
    wire->datagrams++;
}

typedef struct call_result {
    peer_frame_record_t *records;
    size_t n_records;
    pair_sent_t *sent;
    size_t n_sent;
    wire_hash_t ab, ba;
    peer_stats_t a_stats;
    size_t psnr_records; /* B's records with a PSNR: its cache lookups */
} call_result_t;

static bool drop_every_40th(void *ctx, uint64_t index, const uint8_t *rtp, size_t len)
{
    (void)ctx;
    (void)rtp;
    (void)len;
    return index % 40 == 17;
}

/* A sends its three layers, B receives `layer`, both with `cache` (NULL:
 * none), for `call_ms`; B's records, A's sent frames and the sinks' bytes
 * go to *out. */
static void run_call(call_result_t *out, peer_frame_cache_t *cache, unsigned layer,
                     uint64_t call_ms)
{
    memset(out, 0, sizeof(*out));
    out->ab.hash = out->ba.hash = 0xCBF29CE484222325u;
    pair_t pair;
    pair_init(&pair);
    pair.config_a.frame_cache = cache;
    pair.config_b.frame_cache = cache;
    pair.ab.drop = drop_every_40th;
    pair.ab.observe = hash_datagram;
    pair.ab.observe_ctx = &out->ab;
    pair.ba.observe = hash_datagram;
    pair.ba.observe_ctx = &out->ba;
    pair_start(&pair);
    pair_receive_layer(&pair, layer);
    pair_keys(&pair, 1);
    pair_run(&pair, call_ms * PAIR_MS);
    out->a_stats = pair_stats(pair.a);
    out->records = pair.records;
    out->n_records = pair.n_records;
    out->sent = pair.sent;
    out->n_sent = pair.n_sent;
    pair.records = NULL;
    pair.sent = NULL;
    pair_free(&pair);
    for (size_t i = 0; i < out->n_records; i++)
        if (!isnan(out->records[i].psnr_db))
            out->psnr_records++;
}

static void call_result_free(call_result_t *result)
{
    free(result->records);
    free(result->sent);
}

static bool records_equal(const peer_frame_record_t *x, const peer_frame_record_t *y)
{
    return x->receiver_id == y->receiver_id && x->sender_id == y->sender_id && x->kind == y->kind &&
           x->layer == y->layer && x->frame == y->frame && x->capture_us == y->capture_us &&
           x->render_us == y->render_us && x->keyframe == y->keyframe && x->lost == y->lost &&
           x->decrypted == y->decrypted && x->waited_for_key == y->waited_for_key &&
           x->e2ee_result == y->e2ee_result && x->decoded == y->decoded &&
           x->verified == y->verified && x->epoch == y->epoch &&
           memcmp(&x->psnr_db, &y->psnr_db, sizeof(x->psnr_db)) == 0;
}

static bool sent_equal(const pair_sent_t *x, const pair_sent_t *y)
{
    return x->layer == y->layer && x->kind == y->kind && x->frame == y->frame &&
           x->keyframe == y->keyframe && x->epoch == y->epoch &&
           x->plaintext_len == y->plaintext_len && x->protected_len == y->protected_len &&
           x->clear_head == y->clear_head && x->packets == y->packets;
}

/* Same records, sent frames and bytes on the wire. */
static void assert_same_call(const call_result_t *x, const call_result_t *y)
{
    ck_assert_uint_eq(x->n_records, y->n_records);
    for (size_t i = 0; i < x->n_records; i++)
        ck_assert_msg(records_equal(&x->records[i], &y->records[i]), "record %zu differs", i);
    ck_assert_uint_eq(x->n_sent, y->n_sent);
    for (size_t i = 0; i < x->n_sent; i++)
        ck_assert_msg(sent_equal(&x->sent[i], &y->sent[i]), "sent frame %zu differs", i);
    ck_assert_uint_eq(x->ab.datagrams, y->ab.datagrams);
    ck_assert_uint_eq(x->ab.hash, y->ab.hash);
    ck_assert_uint_eq(x->ba.datagrams, y->ba.datagrams);
    ck_assert_uint_eq(x->ba.hash, y->ba.hash);
}

static peer_frame_cache_stats_t cache_stats(const peer_frame_cache_t *cache)
{
    peer_frame_cache_stats_t s;
    ck_assert_int_eq(peer_frame_cache_stats(cache, &s), PEER_OK);
    return s;
}

/* What holds for any cache after a call: one lookup per layer A rendered
 * and per PSNR B measured; entries and bytes follow the insertions and
 * evictions and stay within the bounds. */
static void assert_counters(const peer_frame_cache_stats_t *s, const call_result_t *call,
                            size_t max_bytes)
{
    ck_assert_uint_eq(s->hits + s->misses, call->a_stats.video_frames + call->psnr_records);
    ck_assert_uint_le(s->insertions, s->misses);
    ck_assert_uint_le(s->evictions, s->insertions);
    ck_assert_uint_eq(s->entries, s->insertions - s->evictions);
    ck_assert_uint_le(s->entries, SLOTS);
    ck_assert_uint_le(s->bytes, max_bytes);
}

/* Given a call run without a cache, when the same call runs with one cache
 * shared by A and B, then nothing observable changes, A's renderings all
 * go into the cache and every PSNR reference of B is a hit. */
START_TEST(cache_changes_nothing_and_serves_every_reference)
{
    unsigned layer = (unsigned)_i;
    call_result_t without, with;
    run_call(&without, NULL, layer, CALL_MS);
    peer_frame_cache_t *cache = NULL;
    ck_assert_int_eq(peer_frame_cache_new(BIG_CACHE, &cache), PEER_OK);
    run_call(&with, cache, layer, CALL_MS);

    ck_assert_uint_gt(without.psnr_records, 60);
    ck_assert_uint_gt(without.ab.datagrams, 500);
    assert_same_call(&without, &with);
    peer_frame_cache_stats_t s = cache_stats(cache);
    assert_counters(&s, &with, BIG_CACHE);
    ck_assert_uint_eq(s.hits, with.psnr_records);
    ck_assert_uint_eq(s.misses, with.a_stats.video_frames);
    ck_assert_uint_eq(s.insertions, s.misses);
    ck_assert_uint_eq(s.evictions, 0);
    peer_frame_cache_free(cache);
    call_result_free(&without);
    call_result_free(&with);
}
END_TEST

/* Given a call run without a cache, when it runs again with caches from
 * 1 byte (holds nothing) through 100 kB (never the 640x360 picture B
 * takes) to 4 MB (0.3 s of A's layers), then nothing observable changes,
 * each cache stays within max_bytes, and the 4 MB one, though it keeps
 * evicting, still serves B's references. */
START_TEST(small_caches_change_nothing)
{
    static const size_t sizes[] = { 1, 100000, 400000, 1u << 20, 4u << 20 };
    call_result_t without;
    run_call(&without, NULL, 2, SHORT_CALL_MS);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        peer_frame_cache_t *cache = NULL;
        ck_assert_int_eq(peer_frame_cache_new(sizes[k], &cache), PEER_OK);
        call_result_t with;
        run_call(&with, cache, 2, SHORT_CALL_MS);
        assert_same_call(&without, &with);
        peer_frame_cache_stats_t s = cache_stats(cache);
        assert_counters(&s, &with, sizes[k]);
        if (sizes[k] < 345600) { /* B's pictures never fit */
            ck_assert_uint_eq(s.hits, 0);
            ck_assert_uint_eq(s.misses, with.a_stats.video_frames + with.psnr_records);
        }
        if (sizes[k] == 1)
            ck_assert_uint_eq(s.insertions, 0);
        if (sizes[k] == 100000) {
            ck_assert_uint_gt(s.insertions, 0);
            ck_assert_uint_gt(s.evictions, 0);
        }
        if (sizes[k] == 4u << 20) {
            ck_assert_uint_gt(s.evictions, 0);
            ck_assert_uint_eq(s.hits, with.psnr_records);
        }
        peer_frame_cache_free(cache);
        call_result_free(&with);
    }
    call_result_free(&without);
}
END_TEST

/* --- The cache alone ------------------------------------------------------------ */

static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* The picture is exactly the rendering of its key. */
static void assert_picture(const peer__image_t *image, const peer__pattern_config_t *pattern,
                           uint32_t frame, uint32_t width, uint32_t height, uint8_t *scratch)
{
    ck_assert_uint_eq(image->width, width);
    ck_assert_uint_eq(image->height, height);
    peer__image_t fresh = peer__image_wrap_i420(scratch, width, height);
    peer__pattern_render(pattern, frame, &fresh);
    size_t len = peer__image_i420_size(width, height);
    ck_assert(memcmp(image->planes[0], scratch, len) == 0);
    ck_assert(image->planes[1] == image->planes[0] + (size_t)width * height);
}

/* Given a 300 kB cache, when 4000 random requests over two senders, two
 * seeds, 8 frames and five sizes (odd ones too) make it wrap and evict
 * again and again, then every picture it returns is exactly the rendering of its
 * key, and its counters stay consistent after every request. */
START_TEST(pictures_are_exact_through_wrap_and_eviction)
{
    static const uint32_t sizes[][2] = {
        { 160, 90 }, { 320, 180 }, { 16, 16 }, { 33, 17 }, { 96, 54 },
    };
    const size_t max_bytes = 300000;
    peer_frame_cache_t *cache = NULL;
    ck_assert_int_eq(peer_frame_cache_new(max_bytes, &cache), PEER_OK);
    uint8_t *scratch = malloc(peer__image_i420_size(320, 180));
    uint8_t *fallback = malloc(peer__image_i420_size(320, 180));
    ck_assert(scratch != NULL && fallback != NULL);
    uint32_t rng = 77;
    for (uint64_t i = 0; i < 4000; i++) {
        uint32_t r = next_random(&rng);
        peer__pattern_config_t pattern = { .sender_id = (uint16_t)(1 + r % 2),
                                           .seed = 5 + (r >> 2) % 2 };
        uint32_t frame = (r >> 3) % 8;
        const uint32_t *size = sizes[(r >> 9) % 5];
        peer__image_t image =
            peer__frame_cache_picture(cache, &pattern, frame, size[0], size[1], fallback);
        assert_picture(&image, &pattern, frame, size[0], size[1], scratch);
        peer_frame_cache_stats_t s = cache_stats(cache);
        ck_assert_uint_eq(s.hits + s.misses, i + 1);
        ck_assert_uint_eq(s.insertions, s.misses); /* every size fits */
        ck_assert_uint_eq(s.entries, s.insertions - s.evictions);
        ck_assert_uint_le(s.bytes, max_bytes);
    }
    peer_frame_cache_stats_t s = cache_stats(cache);
    ck_assert_uint_gt(s.hits, 100);
    ck_assert_uint_gt(s.evictions, 500);
    free(scratch);
    free(fallback);
    peer_frame_cache_free(cache);
}
END_TEST

static peer__image_t quarter(peer_frame_cache_t *cache, uint32_t frame, uint8_t *fallback)
{
    peer__pattern_config_t pattern = { .sender_id = 7, .seed = 1 };
    return peer__frame_cache_picture(cache, &pattern, frame, 160, 90, fallback);
}

/* Given a cache with room for exactly three 160x90 pictures, frames 0, 1
 * and 2 in it and frame 0 just asked for again, when frame 3 comes, then
 * frame 0 goes (the oldest inserted, though the most recently used) and
 * frames 1 and 2 stay. */
START_TEST(oldest_inserted_goes_first)
{
    peer_frame_cache_t *cache = NULL;
    ck_assert_int_eq(peer_frame_cache_new(3 * QUARTER_PADDED, &cache), PEER_OK);
    uint8_t *fallback = malloc(QUARTER_BYTES);
    ck_assert(fallback != NULL);
    for (uint32_t n = 0; n < 3; n++)
        ck_assert(quarter(cache, n, fallback).planes[0] != fallback);
    (void)quarter(cache, 0, fallback);
    peer_frame_cache_stats_t s = cache_stats(cache);
    ck_assert_uint_eq(s.hits, 1);
    ck_assert_uint_eq(s.entries, 3);
    ck_assert_uint_eq(s.bytes, 3 * QUARTER_BYTES);

    (void)quarter(cache, 3, fallback);
    s = cache_stats(cache);
    ck_assert_uint_eq(s.evictions, 1);
    (void)quarter(cache, 1, fallback);
    (void)quarter(cache, 2, fallback);
    ck_assert_uint_eq(cache_stats(cache).hits, 3);
    (void)quarter(cache, 0, fallback); /* gone: rendered again, frame 1 goes */
    s = cache_stats(cache);
    ck_assert_uint_eq(s.hits, 3);
    ck_assert_uint_eq(s.misses, 5);
    ck_assert_uint_eq(s.evictions, 2);
    ck_assert_uint_eq(s.entries, 3);
    free(fallback);
    peer_frame_cache_free(cache);
}
END_TEST

/* Given a cache with bytes to spare, when 3000 distinct 16x16 pictures go
 * in, then it holds the newest 1024 of them and no more. */
START_TEST(at_most_1024_pictures)
{
    peer_frame_cache_t *cache = NULL;
    ck_assert_int_eq(peer_frame_cache_new(8u << 20, &cache), PEER_OK);
    uint8_t fallback[16 * 16 * 3 / 2];
    peer__pattern_config_t pattern = { .sender_id = 3, .seed = 9 };
    for (uint32_t n = 0; n < 3000; n++)
        (void)peer__frame_cache_picture(cache, &pattern, n, 16, 16, fallback);
    peer_frame_cache_stats_t s = cache_stats(cache);
    ck_assert_uint_eq(s.entries, SLOTS);
    ck_assert_uint_eq(s.evictions, 3000 - SLOTS);
    ck_assert_uint_eq(s.bytes, SLOTS * sizeof fallback);
    for (uint32_t n = 3000 - SLOTS; n < 3000; n++)
        (void)peer__frame_cache_picture(cache, &pattern, n, 16, 16, fallback);
    ck_assert_uint_eq(cache_stats(cache).hits, SLOTS);
    (void)peer__frame_cache_picture(cache, &pattern, 3000 - SLOTS - 1, 16, 16, fallback);
    ck_assert_uint_eq(cache_stats(cache).hits, SLOTS);
    peer_frame_cache_free(cache);
}
END_TEST

/* Given a cache smaller than the picture asked for (or no cache), then the
 * picture is rendered into the caller's buffer, counted as a miss and not
 * kept. */
START_TEST(picture_over_max_bytes_goes_to_the_fallback)
{
    peer_frame_cache_t *cache = NULL;
    ck_assert_int_eq(peer_frame_cache_new(QUARTER_BYTES - 1, &cache), PEER_OK);
    uint8_t *fallback = malloc(QUARTER_BYTES);
    uint8_t *scratch = malloc(QUARTER_BYTES);
    ck_assert(fallback != NULL && scratch != NULL);
    peer__pattern_config_t pattern = { .sender_id = 7, .seed = 1 };
    for (int round = 0; round < 2; round++) {
        peer__image_t image = quarter(cache, 12, fallback);
        ck_assert(image.planes[0] == fallback);
        assert_picture(&image, &pattern, 12, 160, 90, scratch);
    }
    peer_frame_cache_stats_t s = cache_stats(cache);
    ck_assert_uint_eq(s.misses, 2);
    ck_assert_uint_eq(s.hits + s.insertions + s.entries + s.bytes, 0);

    peer__image_t image = peer__frame_cache_picture(NULL, &pattern, 13, 160, 90, fallback);
    ck_assert(image.planes[0] == fallback);
    assert_picture(&image, &pattern, 13, 160, 90, scratch);
    free(fallback);
    free(scratch);
    peer_frame_cache_free(cache);
}
END_TEST

START_TEST(bad_arguments)
{
    peer_frame_cache_t *cache = (peer_frame_cache_t *)&cache;
    ck_assert_int_eq(peer_frame_cache_new(0, &cache), PEER_ERR_INVALID_ARG);
    ck_assert_ptr_null(cache);
    ck_assert_int_eq(peer_frame_cache_new(1024, NULL), PEER_ERR_INVALID_ARG);
    peer_frame_cache_free(NULL);

    ck_assert_int_eq(peer_frame_cache_new(1024, &cache), PEER_OK);
    peer_frame_cache_stats_t s;
    memset(&s, 0xAB, sizeof s);
    ck_assert_int_eq(peer_frame_cache_stats(NULL, &s), PEER_ERR_INVALID_ARG);
    ck_assert_int_eq(peer_frame_cache_stats(cache, NULL), PEER_ERR_INVALID_ARG);
    s = cache_stats(cache);
    ck_assert_uint_eq(s.hits + s.misses + s.insertions + s.evictions + s.entries + s.bytes, 0);
    peer_frame_cache_free(cache);
}
END_TEST

/* --- Memory --------------------------------------------------------------------- */

/* Given the call of test_peer_alloc.c (A with audio, B on the top layer and
 * the audio, loss, SRTP off) sharing a 2 MB cache, which evicts on every
 * frame, when it runs one second and then two more, then those two make no
 * allocation at all while the cache serves B's references. */
START_TEST(steady_call_with_cache_allocates_nothing)
{
#if COUNT_ALLOCATIONS
    peer_frame_cache_t *cache = NULL;
    ck_assert_int_eq(peer_frame_cache_new(2u << 20, &cache), PEER_OK);
    pair_t pair;
    pair_init(&pair);
    pair.config_a.audio.enabled = true;
    for (int p = 0; p < 2; p++) {
        peer_config_t *c = p == 0 ? &pair.config_a : &pair.config_b;
        c->srtp_profile = HBH_PROFILE_NONE;
        c->keying_material_len = hbh_material_len(HBH_PROFILE_NONE);
        c->frame_cache = cache;
    }
    pair.ab.drop = drop_every_40th;
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    pair_receive_audio(&pair);
    pair_keys(&pair, 1);
    pair_reserve(&pair, ROOM);

    pair_run(&pair, 1000u * PAIR_MS);
    peer_frame_cache_stats_t before_stats = cache_stats(cache);
    pair_quiet = true;
    unsigned long before = allocations;
    pair_run(&pair, 3000u * PAIR_MS);
    unsigned long during = allocations - before;
    pair_quiet = false;
    ck_assert_uint_eq(pair_quiet_failures, 0);

    peer_frame_cache_stats_t s = cache_stats(cache);
    ck_assert_uint_gt(s.hits - before_stats.hits, 50);
    ck_assert_uint_gt(s.evictions - before_stats.evictions, 100);
    ck_assert_uint_eq(during, 0);
    pair_free(&pair);
    peer_frame_cache_free(cache);
#endif
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("peer_cache");
    TCase *tc = tcase_create("call");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, cache_changes_nothing_and_serves_every_reference, 0, PAIR_LAYERS);
    tcase_add_test(tc, small_caches_change_nothing);
    tcase_add_test(tc, steady_call_with_cache_allocates_nothing);
    suite_add_tcase(s, tc);
    tc = tcase_create("cache");
    tcase_add_test(tc, pictures_are_exact_through_wrap_and_eviction);
    tcase_add_test(tc, oldest_inserted_goes_first);
    tcase_add_test(tc, at_most_1024_pictures);
    tcase_add_test(tc, picture_over_max_bytes_goes_to_the_fallback);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}
