/* sim/oracle_windows.c: check (a) of the confidentiality oracle, the index
 * of plaintext windows and the scan of observed bytes against it.
 *
 * A window of w bytes is keyed by the polynomial hash
 *   h(x[0..w)) = sum x[i] * B^(w-1-i) mod 2^64,   B = 0x100000001b3 (odd),
 * the Rabin-Karp rolling hash (R. Karp and M. Rabin, "Efficient randomized
 * pattern-matching algorithms", IBM J. Res. Dev. 31(2), 1987): sliding one
 * byte costs a multiply-add, so a scan hashes every position of a packet
 * in O(1) each. The table's home slot comes from a finaliser of h (its low
 * bits alone are weak: they depend only on the low bits of the bytes).
 *
 * The index keeps one entry per distinct hash: a window already present is
 * re-pointed at the newest frame holding it, which outlives the older one.
 * An entry therefore refers to (frame, offset) where those w bytes are, and
 * a scan confirms every candidate with a byte comparison. Removing a frame
 * removes exactly the entries that still point at it.
 *
 * Indexed starts of a frame: exempt, exempt + k, exempt + 2k, ... and the
 * last window, plain_len - w (sim/oracle.h states what this guarantees). */
#include "sim/oracle_internal.h"

#include <string.h>

/* Positions hashed ahead of the one being checked: the tag array (1 MiB
 * with the default bounds) is larger than a core's L2, so computing the
 * hashes a few positions early and prefetching their tags overlaps the
 * misses. */
#define SIM__PREFETCH_AHEAD 16

size_t sim__oracle_window_count(const sim__oracle_config_t *config, size_t exempt, size_t plain_len)
{
    if (plain_len < exempt || plain_len - exempt < config->window)
        return 0;
    size_t span = plain_len - exempt - config->window;
    return span / config->index_stride + 1 + (span % config->index_stride != 0);
}

/* The next indexed start after `pos`, or SIZE_MAX after the last. */
static size_t sim__next_start(const sim__oracle_t *o, const sim__oracle_rec_t *rec, size_t pos)
{
    size_t last = rec->plain_len - o->config.window;
    if (pos >= last)
        return SIZE_MAX;
    return last - pos > o->config.index_stride ? pos + o->config.index_stride : last;
}

static size_t sim__first_start(const sim__oracle_t *o, const sim__oracle_rec_t *rec)
{
    if (rec->plain_len < rec->exempt || rec->plain_len - rec->exempt < o->config.window)
        return SIZE_MAX;
    return rec->exempt;
}

void sim__oracle_windows_add(sim__oracle_t *o, size_t slot_index)
{
    const sim__oracle_rec_t *rec = &o->recs[slot_index];
    const uint8_t *plain = sim__oracle_rec_plain(o, rec);
    uint32_t ref = (uint32_t)(slot_index + 1);
    for (size_t pos = sim__first_start(o, rec); pos != SIZE_MAX;
         pos = sim__next_start(o, rec, pos)) {
        uint64_t h = sim__oracle_window_hash(plain + pos, o->config.window);
        sim__oracle_slot_t *slot = sim__oracle_map_find(&o->windows, h);
        if (slot) {
            slot->ref = ref;
            slot->aux = (uint32_t)pos;
        } else {
            sim__oracle_map_add(&o->windows, h, ref, (uint32_t)pos);
        }
    }
}

void sim__oracle_windows_remove(sim__oracle_t *o, size_t slot_index)
{
    const sim__oracle_rec_t *rec = &o->recs[slot_index];
    const uint8_t *plain = sim__oracle_rec_plain(o, rec);
    uint32_t ref = (uint32_t)(slot_index + 1);
    for (size_t pos = sim__first_start(o, rec); pos != SIZE_MAX;
         pos = sim__next_start(o, rec, pos)) {
        uint64_t h = sim__oracle_window_hash(plain + pos, o->config.window);
        sim__oracle_map_remove(&o->windows, h, ref, (uint32_t)pos);
    }
}

/* True when the window at `bytes` is the plaintext some entry points at. */
static bool sim__confirm(const sim__oracle_t *o, uint64_t h, const uint8_t *bytes)
{
    for (sim__oracle_slot_t *slot = sim__oracle_map_find(&o->windows, h); slot;
         slot = sim__oracle_map_next(&o->windows, slot)) {
        const sim__oracle_rec_t *rec = &o->recs[slot->ref - 1];
        if (memcmp(sim__oracle_rec_plain(o, rec) + slot->aux, bytes, o->config.window) == 0)
            return true;
    }
    return false;
}

/* The hash of window j from that of window j - 1. */
static inline uint64_t sim__roll(uint64_t h, const uint8_t *bytes, size_t j, size_t w, uint64_t pow)
{
    return (h - bytes[j - 1] * pow) * SIM__ORACLE_HASH_BASE + bytes[j - 1 + w];
}

bool sim__oracle_scan_windows(const sim__oracle_t *o, const uint8_t *bytes, size_t len)
{
    size_t w = o->config.window;
    if (o->windows.count == 0 || len < w)
        return false;
    size_t n = len - w + 1; /* window starts */
    uint64_t pow = o->base_pow;

    /* Window j's hash and its finalised form wait in hashes[] and mixed[]
     * (at j % AHEAD) from when its tag is prefetched until it is checked,
     * AHEAD positions later; `ahead` is the newest hash computed. */
    uint64_t hashes[SIM__PREFETCH_AHEAD], mixed[SIM__PREFETCH_AHEAD];
    uint64_t ahead = sim__oracle_window_hash(bytes, w);
    size_t lead = n < SIM__PREFETCH_AHEAD ? n : SIM__PREFETCH_AHEAD;
    for (size_t j = 0; j < lead; j++) {
        if (j > 0)
            ahead = sim__roll(ahead, bytes, j, w, pow);
        hashes[j] = ahead;
        mixed[j] = sim__oracle_map_mix(ahead);
        __builtin_prefetch(&o->windows.tags[(size_t)mixed[j] & o->windows.mask]);
    }
    for (size_t i = 0; i < n; i++) {
        size_t at = i % SIM__PREFETCH_AHEAD;
        uint64_t h = hashes[at];
        uint64_t m = mixed[at];
        size_t j = i + SIM__PREFETCH_AHEAD;
        if (j < n) {
            ahead = sim__roll(ahead, bytes, j, w, pow);
            hashes[at] = ahead;
            mixed[at] = sim__oracle_map_mix(ahead);
            __builtin_prefetch(&o->windows.tags[(size_t)mixed[at] & o->windows.mask]);
        }
        if (sim__oracle_map_may_hold(&o->windows, m) && sim__confirm(o, h, bytes + i))
            return true;
    }
    return false;
}
