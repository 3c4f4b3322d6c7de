/* sim/oracle_tables.c: the bounded tables of the confidentiality oracle.
 *
 * The map is open addressing with linear probing over 2^n slots, kept at
 * most half full by its users, with a byte of tag per slot so that probes
 * read the slots themselves only on a likely match; removal is Knuth's algorithm R (TAOCP vol. 3,
 * 6.4, "deletion with linear probing"): the entries after the hole that
 * could not have been stored before it move back, so the table never holds
 * tombstones and lookups stay short however long the oracle runs.
 *
 * The keyset is a FIFO ring of records indexed by such a map under the
 * FNV-1a 64 hash of the key bytes; a full ring forgets its oldest record. */
#include "sim/oracle_internal.h"

#include <stdlib.h>
#include <string.h>

bool sim__oracle_map_init(sim__oracle_map_t *map, size_t max_entries)
{
    size_t cap = 16;
    while (cap < 2 * max_entries)
        cap *= 2;
    map->slots = calloc(cap, sizeof *map->slots);
    map->tags = calloc(cap, 1);
    map->mask = cap - 1;
    map->count = 0;
    return map->slots && map->tags;
}

void sim__oracle_map_release(sim__oracle_map_t *map)
{
    free(map->slots);
    free(map->tags);
    map->slots = NULL;
    map->tags = NULL;
}

size_t sim__oracle_map_bytes(const sim__oracle_map_t *map)
{
    return (map->mask + 1) * (sizeof *map->slots + 1);
}

/* The first slot at or after index i (in probe order) holding `key`. */
static sim__oracle_slot_t *sim__map_scan(const sim__oracle_map_t *map, size_t i, uint64_t key,
                                         uint8_t tag)
{
    for (;; i = (i + 1) & map->mask) {
        if (map->tags[i] == 0)
            return NULL;
        if (map->tags[i] == tag && map->slots[i].key == key)
            return &map->slots[i];
    }
}

sim__oracle_slot_t *sim__oracle_map_find(const sim__oracle_map_t *map, uint64_t key)
{
    uint64_t mixed = sim__oracle_map_mix(key);
    return sim__map_scan(map, (size_t)mixed & map->mask, key, sim__oracle_map_tag(mixed));
}

sim__oracle_slot_t *sim__oracle_map_next(const sim__oracle_map_t *map, sim__oracle_slot_t *slot)
{
    size_t i = (size_t)(slot - map->slots);
    return sim__map_scan(map, (i + 1) & map->mask, slot->key,
                         sim__oracle_map_tag(sim__oracle_map_mix(slot->key)));
}

void sim__oracle_map_add(sim__oracle_map_t *map, uint64_t key, uint32_t ref, uint32_t aux)
{
    uint64_t mixed = sim__oracle_map_mix(key);
    size_t i = (size_t)mixed & map->mask;
    while (map->tags[i] != 0)
        i = (i + 1) & map->mask;
    map->slots[i] = (sim__oracle_slot_t){ .key = key, .ref = ref, .aux = aux };
    map->tags[i] = sim__oracle_map_tag(mixed);
    map->count++;
}

bool sim__oracle_map_remove(sim__oracle_map_t *map, uint64_t key, uint32_t ref, uint32_t aux)
{
    sim__oracle_slot_t *slot = sim__oracle_map_find(map, key);
    while (slot && (slot->ref != ref || slot->aux != aux))
        slot = sim__oracle_map_next(map, slot);
    if (!slot)
        return false;

    /* Algorithm R: move back every later entry of the cluster whose home
     * is not cyclically in (hole, j]. */
    size_t hole = (size_t)(slot - map->slots);
    size_t j = hole;
    for (;;) {
        j = (j + 1) & map->mask;
        if (map->tags[j] == 0)
            break;
        size_t home = (size_t)sim__oracle_map_mix(map->slots[j].key) & map->mask;
        bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
            map->slots[hole] = map->slots[j];
            map->tags[hole] = map->tags[j];
            hole = j;
        }
    }
    map->slots[hole] = (sim__oracle_slot_t){ 0 };
    map->tags[hole] = 0;
    map->count--;
    return true;
}

/* ---- keyset ---------------------------------------------------------------- */

static uint64_t sim__oracle_fnv1a(const uint8_t *bytes, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= bytes[i];
        h *= 0x100000001b3u;
    }
    return h;
}

bool sim__oracle_keyset_init(sim__oracle_keyset_t *set, size_t cap)
{
    *set = (sim__oracle_keyset_t){ .cap = cap };
    set->recs = calloc(cap, sizeof *set->recs);
    if (!set->recs || !sim__oracle_map_init(&set->index, cap)) {
        sim__oracle_keyset_release(set);
        return false;
    }
    return true;
}

void sim__oracle_keyset_release(sim__oracle_keyset_t *set)
{
    free(set->recs);
    set->recs = NULL;
    sim__oracle_map_release(&set->index);
}

size_t sim__oracle_keyset_bytes(const sim__oracle_keyset_t *set)
{
    return set->cap * sizeof *set->recs + sim__oracle_map_bytes(&set->index);
}

sim__oracle_keyrec_t *sim__oracle_keyset_find(const sim__oracle_keyset_t *set, const uint8_t *key,
                                              size_t key_len)
{
    uint64_t hash = sim__oracle_fnv1a(key, key_len);
    for (sim__oracle_slot_t *slot = sim__oracle_map_find(&set->index, hash); slot;
         slot = sim__oracle_map_next(&set->index, slot)) {
        sim__oracle_keyrec_t *rec = &set->recs[slot->ref - 1];
        if (rec->key_len == key_len && memcmp(rec->key, key, key_len) == 0)
            return rec;
    }
    return NULL;
}

void sim__oracle_keyset_add(sim__oracle_keyset_t *set, const uint8_t *key, size_t key_len,
                            uint32_t ssrc, uint32_t rtp_timestamp)
{
    if (set->count == set->cap) {
        size_t oldest = (set->head + set->cap - set->count) % set->cap;
        sim__oracle_keyrec_t *old = &set->recs[oldest];
        sim__oracle_map_remove(&set->index, sim__oracle_fnv1a(old->key, old->key_len),
                               (uint32_t)(oldest + 1), 0);
        set->count--;
        set->evicted++;
    }
    sim__oracle_keyrec_t *rec = &set->recs[set->head];
    memset(rec, 0, sizeof *rec);
    memcpy(rec->key, key, key_len);
    rec->key_len = (uint8_t)key_len;
    rec->ssrc = ssrc;
    rec->rtp_timestamp = rtp_timestamp;
    sim__oracle_map_add(&set->index, sim__oracle_fnv1a(key, key_len), (uint32_t)(set->head + 1), 0);
    set->head = (set->head + 1) % set->cap;
    set->count++;
}
