/* peers/peer_frame_cache.c: the cache of pattern pictures a call's peers
 * share (peer.h, "Frame cache").
 *
 * A pattern picture is a pure function of its key (sender id, seed, frame
 * number, width, height; source.h), so whoever renders it first keeps it
 * for the others: the sender renders each layer into the cache to encode
 * it, and the receivers of that layer find their PSNR reference there.
 * Nothing is ever invalidated, only evicted.
 *
 * Memory. One arena of max_bytes, used as a byte ring: each picture is one
 * piece at a 64-byte aligned offset, placed where the previous one ended;
 * one that would cross the end starts again at 0, the tail left unused
 * until the ring comes round. Beside it a fixed table of SLOTS descriptors,
 * itself a ring in insertion order. Both are allocated by
 * peer_frame_cache_new and never after, so the per-frame paths of the
 * peers stay allocation-free (DESIGN.md "Memory").
 *
 * Eviction: oldest inserted first, while the new picture's bytes overlap
 * the oldest picture's, or when every descriptor is taken. Not LRU: a
 * picture is wanted by the receivers of its layer within one network and
 * jitter-buffer delay of its capture, and never again, so its worth
 * follows its age; a hit says only that one receiver is done with it, and
 * LRU would keep it over a newer picture other receivers still want. FIFO
 * is also what lets the arena be a ring: space frees in the order it was
 * taken, without fragmentation or per-size pools.
 *
 * Lookup: a chained hash table, BUCKETS heads over the descriptors.
 *
 * A returned picture stays valid until the next call on the cache: only an
 * insertion evicts, and callers use the picture (encode, PSNR) before they
 * ask for another. */
#include "peers/peer_internal.h"

#include <stdlib.h>

#define SLOTS   1024u /* pictures held at most */
#define BUCKETS 2048u /* a power of two, twice SLOTS: short chains */
#define ALIGN   64u   /* picture offsets in the arena */
#define NONE    UINT32_MAX

typedef struct cache_key {
    uint64_t seed;
    uint32_t frame;
    uint32_t width, height;
    uint16_t sender_id;
} cache_key_t;

typedef struct cache_slot {
    cache_key_t key;
    size_t offset, len; /* the picture's bytes in the arena */
    uint32_t bucket;
    uint32_t next; /* the next slot of the bucket's chain, or NONE */
} cache_slot_t;

struct peer_frame_cache {
    uint8_t *arena;
    size_t cap;      /* max_bytes */
    size_t head;     /* where the next picture goes, unless it must wrap */
    uint32_t oldest; /* the slot ring: slots[oldest] is the oldest picture */
    uint32_t count;
    peer_frame_cache_stats_t stats;
    uint32_t buckets[BUCKETS];
    cache_slot_t slots[SLOTS];
};

peer_err_t peer_frame_cache_new(size_t max_bytes, peer_frame_cache_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (max_bytes == 0 || out == NULL)
        return PEER_ERR_INVALID_ARG;
    peer_frame_cache_t *cache = calloc(1, sizeof(*cache));
    if (cache == NULL)
        return PEER_ERR_NO_MEMORY;
    cache->arena = malloc(max_bytes);
    if (cache->arena == NULL) {
        free(cache);
        return PEER_ERR_NO_MEMORY;
    }
    cache->cap = max_bytes;
    for (uint32_t b = 0; b < BUCKETS; b++)
        cache->buckets[b] = NONE;
    *out = cache;
    return PEER_OK;
}

void peer_frame_cache_free(peer_frame_cache_t *cache)
{
    if (cache == NULL)
        return;
    free(cache->arena);
    free(cache);
}

peer_err_t peer_frame_cache_stats(const peer_frame_cache_t *cache, peer_frame_cache_stats_t *out)
{
    if (cache == NULL || out == NULL)
        return PEER_ERR_INVALID_ARG;
    *out = cache->stats;
    return PEER_OK;
}

/* splitmix64's finaliser. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15u;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
    return x ^ (x >> 31);
}

static uint32_t bucket_of(const cache_key_t *key)
{
    uint64_t h = mix64(key->seed ^ ((uint64_t)key->sender_id << 32 | key->frame));
    h = mix64(h ^ ((uint64_t)key->width << 32 | key->height));
    return (uint32_t)(h & (BUCKETS - 1u));
}

static bool key_equal(const cache_key_t *a, const cache_key_t *b)
{
    return a->frame == b->frame && a->sender_id == b->sender_id && a->seed == b->seed &&
           a->width == b->width && a->height == b->height;
}

static void evict_oldest(peer_frame_cache_t *cache)
{
    uint32_t index = cache->oldest;
    cache_slot_t *slot = &cache->slots[index];
    uint32_t *link = &cache->buckets[slot->bucket];
    while (*link != index)
        link = &cache->slots[*link].next;
    *link = slot->next;
    cache->oldest = (index + 1u) % SLOTS;
    cache->count--;
    cache->stats.entries--;
    cache->stats.bytes -= slot->len;
    cache->stats.evictions++;
}

/* The picture of `slot` shares a byte with [begin, end). */
static bool overlaps(const cache_slot_t *slot, size_t begin, size_t end)
{
    return slot->offset < end && begin < slot->offset + slot->len;
}

/* Evicts what is in the way of `len` bytes (len <= cap) and returns their
 * offset. From head, going round the ring, come the free bytes, then the
 * pictures oldest first: the ones in the way are always the oldest. When
 * the picture wraps, the unused tail [head, cap) counts as in the way, so
 * the pictures stay in insertion order round the ring. */
static size_t make_room(peer_frame_cache_t *cache, size_t len)
{
    if (cache->count == 0)
        cache->head = 0;
    size_t head = cache->head;
    bool wraps = len > cache->cap - head;
    size_t start = wraps ? 0 : head;
    while (cache->count > 0) {
        const cache_slot_t *oldest = &cache->slots[cache->oldest];
        if (cache->count < SLOTS && !overlaps(oldest, start, start + len) &&
            !(wraps && overlaps(oldest, head, cache->cap)))
            break;
        evict_oldest(cache);
    }
    size_t end = start + len;
    size_t padded = end + (ALIGN - end % ALIGN) % ALIGN;
    cache->head = padded < cache->cap ? padded : cache->cap;
    return start;
}

peer__image_t peer__frame_cache_picture(peer_frame_cache_t *cache,
                                        const peer__pattern_config_t *pattern, uint32_t frame,
                                        uint32_t width, uint32_t height, uint8_t *fallback)
{
    peer__image_t image;
    if (cache == NULL) {
        image = peer__image_wrap_i420(fallback, width, height);
        peer__pattern_render(pattern, frame, &image);
        return image;
    }
    cache_key_t key = { .seed = pattern->seed,
                        .frame = frame,
                        .width = width,
                        .height = height,
                        .sender_id = pattern->sender_id };
    uint32_t bucket = bucket_of(&key);
    for (uint32_t i = cache->buckets[bucket]; i != NONE; i = cache->slots[i].next) {
        if (key_equal(&cache->slots[i].key, &key)) {
            cache->stats.hits++;
            return peer__image_wrap_i420(cache->arena + cache->slots[i].offset, width, height);
        }
    }
    cache->stats.misses++;
    size_t len = peer__image_i420_size(width, height);
    if (len == 0 || len > cache->cap) {
        image = peer__image_wrap_i420(fallback, width, height);
        peer__pattern_render(pattern, frame, &image);
        return image;
    }
    size_t offset = make_room(cache, len);
    uint32_t index = (cache->oldest + cache->count) % SLOTS;
    cache->slots[index] = (cache_slot_t){
        .key = key,
        .offset = offset,
        .len = len,
        .bucket = bucket,
        .next = cache->buckets[bucket],
    };
    cache->buckets[bucket] = index;
    cache->count++;
    cache->stats.entries++;
    cache->stats.bytes += len;
    cache->stats.insertions++;
    image = peer__image_wrap_i420(cache->arena + offset, width, height);
    peer__pattern_render(pattern, frame, &image);
    return image;
}
