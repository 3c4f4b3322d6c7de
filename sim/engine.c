/* sim/engine.c: the discrete-event engine, the only clock in blindfold.
 *
 * Pending events sit in a 4-ary min-heap keyed by (time_us, sequence): the
 * sequence is a counter bumped by every sim_schedule(), so events due at the
 * same instant run in the order they were scheduled, and an event scheduled
 * by a handler at the current instant runs after every event already due
 * then. A 4-ary heap is shallower than a binary one and its children share a
 * cache line or two, which pays off on the pop-heavy run loop.
 *
 * Cancellation is O(log n): every event owns a slot in a slot array that
 * records its heap position (kept current by every sift) and a generation.
 * An id is (generation << 32) | slot index. When an event runs or is
 * cancelled its slot's generation is bumped and the slot goes on a free
 * list; a slot whose generation would wrap is retired instead, so an id is
 * never handed out twice while the engine lives and a stale id is simply
 * rejected. Generations start at 1, so no id is 0.
 *
 * Both arrays grow by doubling and never shrink; once they have reached the
 * working set, scheduling, cancelling and running allocate nothing. The
 * shape follows the timer heaps of h2o/quicly's t/simulator.c and picoquic's
 * simulated links: one loop pops the earliest event, advances the clock to
 * its time and calls its handler. */
#include "sim/sim_engine.h"

#include <stdlib.h>

#define SIM__ARITY     4
#define SIM__NO_SLOT   UINT32_MAX /* end of the free list */
#define SIM__GEN_LIMIT UINT32_MAX /* a slot reaching it is retired */
#define SIM__MIN_CAP   16

typedef struct sim__heap_entry {
    uint64_t at_us;
    uint64_t seq;
    uint32_t slot;
} sim__heap_entry_t;

typedef struct sim__slot {
    sim_event_fn fn;
    void *ctx;
    uint32_t generation;
    uint32_t link; /* in use: heap position; free: next free slot */
} sim__slot_t;

struct sim_engine {
    sim__heap_entry_t *heap;
    size_t heap_len, heap_cap;
    sim__slot_t *slots;
    uint32_t slot_len, slot_cap;
    uint32_t free_head;
    uint64_t now_us;
    uint64_t next_seq;
    uint64_t events_run;
    bool running; /* guards against a handler re-entering the run loop */
};

/* ---- heap ---------------------------------------------------------------- */

static inline bool sim__before(const sim__heap_entry_t *a, const sim__heap_entry_t *b)
{
    return a->at_us < b->at_us || (a->at_us == b->at_us && a->seq < b->seq);
}

static inline void sim__heap_place(sim_engine_t *engine, size_t pos, sim__heap_entry_t entry)
{
    engine->heap[pos] = entry;
    engine->slots[entry.slot].link = (uint32_t)pos;
}

/* Moves `entry`, meant for position `pos`, up past every later parent. */
static void sim__sift_up(sim_engine_t *engine, size_t pos, sim__heap_entry_t entry)
{
    while (pos > 0) {
        size_t parent = (pos - 1) / SIM__ARITY;
        if (!sim__before(&entry, &engine->heap[parent]))
            break;
        sim__heap_place(engine, pos, engine->heap[parent]);
        pos = parent;
    }
    sim__heap_place(engine, pos, entry);
}

/* The index of the earliest child of `pos`; `first` must be in the heap. */
static inline size_t sim__earliest_child(const sim_engine_t *engine, size_t first)
{
    size_t last = first + SIM__ARITY < engine->heap_len ? first + SIM__ARITY : engine->heap_len;
    size_t best = first;
    for (size_t child = first + 1; child < last; child++)
        if (sim__before(&engine->heap[child], &engine->heap[best]))
            best = child;
    return best;
}

/* Moves `entry`, meant for position `pos`, down past every earlier child. */
static void sim__sift_down(sim_engine_t *engine, size_t pos, sim__heap_entry_t entry)
{
    for (;;) {
        size_t first = pos * SIM__ARITY + 1;
        if (first >= engine->heap_len)
            break;
        size_t child = sim__earliest_child(engine, first);
        if (!sim__before(&engine->heap[child], &entry))
            break;
        sim__heap_place(engine, pos, engine->heap[child]);
        pos = child;
    }
    sim__heap_place(engine, pos, entry);
}

/* Takes the entry at `pos` out of the heap, refilling the hole with the last
 * entry. */
static void sim__heap_remove(sim_engine_t *engine, size_t pos)
{
    sim__heap_entry_t last = engine->heap[--engine->heap_len];
    if (pos == engine->heap_len)
        return;
    if (pos > 0 && sim__before(&last, &engine->heap[(pos - 1) / SIM__ARITY]))
        sim__sift_up(engine, pos, last);
    else
        sim__sift_down(engine, pos, last);
}

/* ---- slots and growth ------------------------------------------------------ */

static bool sim__grow(void **array, size_t elem_size, size_t *cap, size_t max_cap)
{
    if (*cap >= max_cap)
        return false;
    size_t new_cap = *cap < SIM__MIN_CAP ? SIM__MIN_CAP : *cap * 2;
    if (new_cap > max_cap || new_cap < *cap)
        new_cap = max_cap;
    void *grown = realloc(*array, new_cap * elem_size);
    if (grown == NULL)
        return false;
    *array = grown;
    *cap = new_cap;
    return true;
}

static bool sim__heap_reserve(sim_engine_t *engine)
{
    if (engine->heap_len < engine->heap_cap)
        return true;
    void *heap = engine->heap;
    bool grown = sim__grow(&heap, sizeof(sim__heap_entry_t), &engine->heap_cap,
                           SIZE_MAX / sizeof(sim__heap_entry_t));
    engine->heap = heap;
    return grown;
}

/* A free slot index, or SIM__NO_SLOT when out of memory or indices. */
static uint32_t sim__slot_take(sim_engine_t *engine)
{
    uint32_t index = engine->free_head;
    if (index != SIM__NO_SLOT) {
        engine->free_head = engine->slots[index].link;
        return index;
    }
    if (engine->slot_len == engine->slot_cap) {
        void *slots = engine->slots;
        size_t cap = engine->slot_cap;
        bool grown = sim__grow(&slots, sizeof(sim__slot_t), &cap, SIM__NO_SLOT);
        engine->slots = slots;
        engine->slot_cap = (uint32_t)cap;
        if (!grown)
            return SIM__NO_SLOT;
    }
    index = engine->slot_len++;
    engine->slots[index].generation = 1;
    return index;
}

/* Ends the slot's current id; the slot is reused unless its generation is
 * spent. */
static void sim__slot_release(sim_engine_t *engine, uint32_t index)
{
    sim__slot_t *slot = &engine->slots[index];
    slot->fn = NULL;
    slot->ctx = NULL;
    if (++slot->generation == SIM__GEN_LIMIT)
        return;
    slot->link = engine->free_head;
    engine->free_head = index;
}

static inline sim_timer_id_t sim__make_id(uint32_t generation, uint32_t index)
{
    return ((uint64_t)generation << 32) | index;
}

/* The slot of a pending event's id, or NULL when the id is not pending. */
static sim__slot_t *sim__lookup(const sim_engine_t *engine, sim_timer_id_t id)
{
    uint32_t index = (uint32_t)id;
    uint32_t generation = (uint32_t)(id >> 32);
    if (generation == 0 || index >= engine->slot_len)
        return NULL;
    sim__slot_t *slot = &engine->slots[index];
    return slot->generation == generation && slot->fn != NULL ? slot : NULL;
}

/* ---- public API ------------------------------------------------------------ */

sim_engine_t *sim_engine_new(size_t capacity_hint)
{
    sim_engine_t *engine = calloc(1, sizeof *engine);
    if (engine == NULL)
        return NULL;
    engine->free_head = SIM__NO_SLOT;
    size_t cap = capacity_hint < SIM__MIN_CAP ? SIM__MIN_CAP : capacity_hint;
    if (cap >= SIM__NO_SLOT)
        cap = SIM__NO_SLOT - 1;
    engine->heap = malloc(cap * sizeof(sim__heap_entry_t));
    engine->slots = malloc(cap * sizeof(sim__slot_t));
    if (engine->heap == NULL || engine->slots == NULL) {
        sim_engine_free(engine);
        return NULL;
    }
    engine->heap_cap = cap;
    engine->slot_cap = (uint32_t)cap;
    return engine;
}

void sim_engine_free(sim_engine_t *engine)
{
    if (engine == NULL)
        return;
    free(engine->heap);
    free(engine->slots);
    free(engine);
}

uint64_t sim_engine_now(const sim_engine_t *engine)
{
    return engine->now_us;
}

size_t sim_engine_pending(const sim_engine_t *engine)
{
    return engine->heap_len;
}

uint64_t sim_engine_events_run(const sim_engine_t *engine)
{
    return engine->events_run;
}

sim_timer_id_t sim_schedule(sim_engine_t *engine, uint64_t at_us, sim_event_fn fn, void *ctx)
{
    if (at_us < engine->now_us || fn == NULL || !sim__heap_reserve(engine))
        return 0;
    uint32_t index = sim__slot_take(engine);
    if (index == SIM__NO_SLOT)
        return 0;
    sim__slot_t *slot = &engine->slots[index];
    slot->fn = fn;
    slot->ctx = ctx;
    sim__heap_entry_t entry = { .at_us = at_us, .seq = engine->next_seq++, .slot = index };
    sim__sift_up(engine, engine->heap_len++, entry);
    return sim__make_id(slot->generation, index);
}

bool sim_cancel(sim_engine_t *engine, sim_timer_id_t id)
{
    sim__slot_t *slot = sim__lookup(engine, id);
    if (slot == NULL)
        return false;
    sim__heap_remove(engine, slot->link);
    sim__slot_release(engine, (uint32_t)id);
    return true;
}

/* Pops the earliest event, advances the clock to it and runs its handler. */
static void sim__run_first(sim_engine_t *engine)
{
    sim__heap_entry_t first = engine->heap[0];
    sim__slot_t *slot = &engine->slots[first.slot];
    sim_event_fn fn = slot->fn;
    void *ctx = slot->ctx;
    sim__heap_remove(engine, 0);
    sim__slot_release(engine, first.slot);
    engine->now_us = first.at_us;
    engine->events_run++;
    fn(ctx, first.at_us);
}

uint64_t sim_run_until(sim_engine_t *engine, uint64_t until_us)
{
    if (engine->running)
        return 0;
    engine->running = true;
    uint64_t before = engine->events_run;
    while (engine->heap_len > 0 && engine->heap[0].at_us <= until_us)
        sim__run_first(engine);
    if (until_us > engine->now_us)
        engine->now_us = until_us;
    engine->running = false;
    return engine->events_run - before;
}

uint64_t sim_run(sim_engine_t *engine)
{
    if (engine->running)
        return 0;
    engine->running = true;
    uint64_t before = engine->events_run;
    while (engine->heap_len > 0)
        sim__run_first(engine);
    engine->running = false;
    return engine->events_run - before;
}
