/* Private to the confidentiality oracle (sim/oracle*.c): its state, the
 * bounded tables it keeps and the statistics helpers. See sim/oracle.h for
 * what the oracle does and the bounds it keeps. */
#ifndef BLINDFOLD_SIM_ORACLE_INTERNAL_H
#define BLINDFOLD_SIM_ORACLE_INTERNAL_H

#include "sim/oracle.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- an open-addressing hash table (oracle_tables.c) ---------------------
 * Linear probing over a power-of-two array of 16-byte slots holding a
 * 64-bit key and two 32-bit values, beside a byte array of tags: 0 for an
 * empty slot, else 7 bits of the key's hash with the top bit set. Probes
 * walk the tags (1 byte per slot: the array stays in cache and in the TLB's
 * reach where the slots do not) and read a slot only when its tag matches,
 * about once in 128 occupied probes for a key that is absent. Keys may
 * repeat (callers that want one entry per key update in place). Deletion
 * shifts the following cluster back (Knuth 6.4, algorithm R), so no
 * tombstones accumulate and a table kept at most half full keeps short
 * probe sequences forever. `ref` is the caller's value; callers store an
 * index + 1 there by convention. */

typedef struct sim__oracle_slot {
    uint64_t key;
    uint32_t ref;
    uint32_t aux;
} sim__oracle_slot_t;

typedef struct sim__oracle_map {
    sim__oracle_slot_t *slots;
    uint8_t *tags;
    size_t mask; /* capacity - 1 */
    size_t count;
} sim__oracle_map_t;

/* A table of at least 2 * max_entries slots. False when out of memory. */
bool sim__oracle_map_init(sim__oracle_map_t *map, size_t max_entries);
void sim__oracle_map_release(sim__oracle_map_t *map);
size_t sim__oracle_map_bytes(const sim__oracle_map_t *map);

/* The SplitMix64 finaliser of a key: its low bits give the home slot, its
 * top 7 bits the tag. */
static inline uint64_t sim__oracle_map_mix(uint64_t key)
{
    uint64_t z = key;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static inline uint8_t sim__oracle_map_tag(uint64_t mixed)
{
    return (uint8_t)(mixed >> 57 | 0x80);
}

/* True when the key may be present: a quick test on the tags alone (no
 * false negatives). */
static inline bool sim__oracle_map_may_hold(const sim__oracle_map_t *map, uint64_t mixed)
{
    uint8_t tag = sim__oracle_map_tag(mixed);
    for (size_t i = (size_t)mixed & map->mask;; i = (i + 1) & map->mask) {
        if (map->tags[i] == 0)
            return false;
        if (map->tags[i] == tag)
            return true;
    }
}

/* The first slot holding `key`, or NULL. Continue with map_next. */
sim__oracle_slot_t *sim__oracle_map_find(const sim__oracle_map_t *map, uint64_t key);
sim__oracle_slot_t *sim__oracle_map_next(const sim__oracle_map_t *map, sim__oracle_slot_t *slot);
/* Adds an entry; the caller keeps count below capacity / 2. */
void sim__oracle_map_add(sim__oracle_map_t *map, uint64_t key, uint32_t ref, uint32_t aux);
/* Removes the entry (key, ref, aux) if present; true when one was removed. */
bool sim__oracle_map_remove(sim__oracle_map_t *map, uint64_t key, uint32_t ref, uint32_t aux);

/* ---- a bounded set of keys with their frame (oracle_tables.c) ------------
 * A FIFO ring of up to `cap` records indexed by a map; adding to a full set
 * drops the oldest record. Used for keystream fingerprints and nonces. */

#define SIM__ORACLE_KEY_MAX 32

typedef struct sim__oracle_keyrec {
    uint8_t key[SIM__ORACLE_KEY_MAX];
    uint8_t key_len;
    uint32_t ssrc; /* the frame it was seen in */
    uint32_t rtp_timestamp;
} sim__oracle_keyrec_t;

typedef struct sim__oracle_keyset {
    sim__oracle_keyrec_t *recs;
    size_t cap, head, count; /* the oldest record is at (head - count) mod cap */
    sim__oracle_map_t index;
    uint64_t evicted;
} sim__oracle_keyset_t;

bool sim__oracle_keyset_init(sim__oracle_keyset_t *set, size_t cap);
void sim__oracle_keyset_release(sim__oracle_keyset_t *set);
size_t sim__oracle_keyset_bytes(const sim__oracle_keyset_t *set);
/* The record with this key, or NULL. key_len <= SIM__ORACLE_KEY_MAX. */
sim__oracle_keyrec_t *sim__oracle_keyset_find(const sim__oracle_keyset_t *set, const uint8_t *key,
                                              size_t key_len);
/* Adds a record (the caller checked it is not there), dropping the oldest
 * when full. */
void sim__oracle_keyset_add(sim__oracle_keyset_t *set, const uint8_t *key, size_t key_len,
                            uint32_t ssrc, uint32_t rtp_timestamp);

/* ---- the oracle's state (oracle.c, oracle_observe.c) ------------------------ */

#define SIM__ORACLE_COVER_MAX 8 /* seen ranges per frame */

/* The protected ranges of a frame already inspected: disjoint, sorted,
 * merged when they touch. */
typedef struct sim__oracle_cover {
    unsigned n;
    struct {
        size_t lo, hi;
    } range[SIM__ORACLE_COVER_MAX];
} sim__oracle_cover_t;

/* A registered frame. Its plaintext copy is at arena[arena_off] and its
 * protected copy right after it. */
typedef struct sim__oracle_rec {
    uint64_t sent_us;
    uint32_t participant_id, track_id; /* as registered */
    unsigned layer;
    uint32_t ssrc, rtp_timestamp;
    size_t arena_off;
    size_t plain_len, prot_len;
    size_t clear_head, clear_tail, plain_offset;
    size_t exempt;    /* leading plaintext bytes not indexed (check (a)) */
    size_t sealed_lo; /* protected offsets [sealed_lo, sealed_hi): the sealed part */
    size_t sealed_hi;
    size_t next_offset; /* where the next chunk probably starts */
    bool fingerprinted; /* (b)(2) done */
    bool nonce_checked; /* (c) done */
    sim__oracle_cover_t seen;
} sim__oracle_rec_t;

/* (d) of one (track, layer). */
typedef struct sim__oracle_stream_stats {
    uint64_t hist[256];
    uint64_t total;
} sim__oracle_stream_stats_t;

typedef struct sim__oracle_track_state {
    sim__oracle_track_t decl;
    sim__oracle_stream_stats_t layers[SFU_MAX_LAYERS];
} sim__oracle_track_state_t;

typedef struct sim__oracle_finding {
    bool set;
    char text[SIM__ORACLE_FINDING_MAX];
} sim__oracle_finding_t;

struct sim__oracle {
    sim__oracle_config_t config;
    uint64_t retention_us;
    uint64_t base_pow; /* B^(w-1) for the rolling hash */

    /* Registry: a ring of frame records; frame seq s lives in recs[s % max_frames]. */
    sim__oracle_rec_t *recs;
    uint64_t rec_first;         /* oldest live seq */
    uint64_t rec_next;          /* next seq to assign */
    uint8_t *arena;             /* ring of copies, max_bytes */
    size_t arena_head;          /* where the next copy goes (when it fits) */
    sim__oracle_map_t by_frame; /* (ssrc << 32 | ts) -> rec slot + 1 */
    sim__oracle_map_t windows;  /* window hash -> rec slot + 1, plaintext offset */
    sim__oracle_keyset_t keystreams;
    sim__oracle_keyset_t nonces;

    sim__oracle_track_state_t *tracks;
    size_t n_tracks;

    /* Per-packet scratch: the unwrapped RTX packet and the XOR of a chunk. */
    uint8_t *scratch_packet;
    uint8_t *scratch_diff;

    size_t memory_bytes;
    sim__oracle_result_t counts; /* the counters; verdict and p computed on demand */
    sim__oracle_finding_t first;
};

#define SIM__ORACLE_SCRATCH 65536 /* longest packet (a UDP datagram) */

/* Rolling polynomial hash of windows: h = sum x[i] * B^(w-1-i) mod 2^64. */
#define SIM__ORACLE_HASH_BASE 0x100000001b3u

static inline uint64_t sim__oracle_window_hash(const uint8_t *bytes, size_t w)
{
    uint64_t h = 0;
    for (size_t i = 0; i < w; i++)
        h = h * SIM__ORACLE_HASH_BASE + bytes[i];
    return h;
}

static inline const uint8_t *sim__oracle_rec_plain(const sim__oracle_t *o,
                                                   const sim__oracle_rec_t *rec)
{
    return o->arena + rec->arena_off;
}

static inline const uint8_t *sim__oracle_rec_prot(const sim__oracle_t *o,
                                                  const sim__oracle_rec_t *rec)
{
    return o->arena + rec->arena_off + rec->plain_len;
}

/* ---- registry and tracks (oracle.c) ----------------------------------------- */

/* Drops the frames sent more than retention_ms before now_us. */
void sim__oracle_expire(sim__oracle_t *o, uint64_t now_us);
/* The live frame of (ssrc, rtp_timestamp), or NULL. */
sim__oracle_rec_t *sim__oracle_frame_lookup(const sim__oracle_t *o, uint32_t ssrc,
                                            uint32_t rtp_timestamp);
/* The declared track (participant, track id), or NULL. */
sim__oracle_track_state_t *sim__oracle_find_track(const sim__oracle_t *o, uint32_t participant_id,
                                                  uint32_t track_id);
/* Records the first finding, if none yet: "<check>: participant P track T
 * layer L ssrc 0xS rtp_ts TS". */
void sim__oracle_note(sim__oracle_t *o, const char *check, uint32_t participant_id,
                      uint32_t track_id, unsigned layer, uint32_t ssrc, uint32_t rtp_timestamp);

/* ---- check (a) (oracle_windows.c) ------------------------------------------ */

/* Windows a frame puts in the index. */
size_t sim__oracle_window_count(const sim__oracle_config_t *config, size_t exempt,
                                size_t plain_len);
/* Indexes / unindexes the windows of the frame in recs[slot_index]. */
void sim__oracle_windows_add(sim__oracle_t *o, size_t slot_index);
void sim__oracle_windows_remove(sim__oracle_t *o, size_t slot_index);
/* True when bytes[0..len) holds a plaintext window of a registered frame. */
bool sim__oracle_scan_windows(const sim__oracle_t *o, const uint8_t *bytes, size_t len);

/* ---- statistics (oracle_stats.c) --------------------------------------------- */

/* Check (b)(1): true when diff[0..len) is periodic as the config says. */
bool sim__oracle_periodic(const sim__oracle_config_t *config, const uint8_t *diff, size_t len);

/* Chi-square statistic of a 256-bin histogram against the uniform law. */
double sim__oracle_chi2_uniform(const uint64_t hist[256], uint64_t total);

#endif
