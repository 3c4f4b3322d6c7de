/* sfu/nack_gen.c: the upstream NACK generator (see nack_gen.h). It decides
 * which lost packets of a publisher stream to request with Generic NACK
 * (RFC 4585 section 6.2.1) and when.
 *
 * Sequence numbers are extended to 64 bits with rtp_seq_unwrap() (RFC 3550
 * appendix A.1), so gaps across 65535 -> 0 need no special case. The
 * missing packets are kept in one array sorted by extended number. Gaps are
 * only ever appended at its end (they lie beyond the newest packet), at
 * non-decreasing times, so the oldest entries, by number and by time, form
 * its front: aging out trims a prefix, and a recovered packet is found by
 * binary search. Removal compacts the array in one pass; with at most
 * max_tracked (1000) entries of 32 bytes this costs less than the
 * bookkeeping of a tree, and never allocates.
 *
 * The design follows mediasoup's NackGenerator (MaxPacketAge 10000,
 * MaxNackPackets 1000, 10 retries, 40 ms timer, trimming to a keyframe
 * before clearing the list) and libwebrtc's NackModule (retries spaced by
 * the RTT); the code is written from their description, not copied. Time
 * is the caller's now_us; the caller's scheduler calls poll() at
 * next_timer_us(), replacing their timers. */
#include "sfu/nack_gen.h"

#include "rtp/rtp.h"

#include <stdlib.h>
#include <string.h>

typedef struct sfu__nack_entry {
    int64_t seq_ext;
    uint64_t missing_since_us; /* when the gap was seen */
    uint64_t last_nack_us;     /* valid when retries > 0 */
    uint32_t retries;          /* NACKs sent so far */
} sfu__nack_entry_t;

struct sfu__nack_gen {
    sfu__nack_gen_config_t config;
    uint64_t rtt_us;
    sfu__nack_entry_t *entries; /* sorted by seq_ext, `count` of max_tracked */
    size_t count;
    bool started;
    rtp_seq_unwrapper_t unwrapper;
    int64_t newest_ext;
    /* Recent keyframe starts, oldest first, `keyframe_count` of them. */
    int64_t keyframes[SFU__NACK_GEN_KEYFRAMES];
    size_t keyframe_count;
    sfu__nack_gen_stats_t stats;
};

sfu__nack_gen_config_t sfu__nack_gen_config_default(void)
{
    return (sfu__nack_gen_config_t){
        .max_tracked = 1000,
        .max_retries = 10,
        .min_retry_interval_ms = 40,
        .default_rtt_ms = 100,
        .max_age_seqs = 10000,
        .max_age_ms = 1000,
        .first_nack_delay_ms = 0,
    };
}

static bool sfu__nack_gen_config_valid(const sfu__nack_gen_config_t *c)
{
    return c->max_tracked > 0 && c->max_tracked <= SFU__NACK_GEN_MAX_TRACKED &&
           c->max_retries > 0 && c->max_age_seqs > 0 && c->max_age_ms > 0;
}

sfu_err_t sfu__nack_gen_create(const sfu__nack_gen_config_t *config, sfu__nack_gen_t **out)
{
    if (config == NULL || out == NULL || !sfu__nack_gen_config_valid(config))
        return SFU_ERR_INVALID_ARG;
    *out = NULL;

    sfu__nack_gen_t *gen = calloc(1, sizeof *gen);
    if (gen == NULL)
        return SFU_ERR_NO_MEMORY;
    gen->config = *config;
    gen->rtt_us = (uint64_t)config->default_rtt_ms * 1000u;
    gen->entries = calloc(config->max_tracked, sizeof *gen->entries);
    if (gen->entries == NULL)
        goto fail;
    *out = gen;
    return SFU_OK;

fail:
    sfu__nack_gen_destroy(gen);
    return SFU_ERR_NO_MEMORY;
}

void sfu__nack_gen_destroy(sfu__nack_gen_t *gen)
{
    if (gen == NULL)
        return;
    free(gen->entries);
    free(gen);
}

void sfu__nack_gen_reset(sfu__nack_gen_t *gen)
{
    gen->count = 0;
    gen->started = false;
    gen->unwrapper = (rtp_seq_unwrapper_t){ 0 };
    gen->newest_ext = 0;
    gen->keyframe_count = 0;
}

void sfu__nack_gen_set_rtt(sfu__nack_gen_t *gen, uint64_t rtt_us)
{
    gen->rtt_us = rtt_us;
}

/* --- The sorted list ---------------------------------------------------- */

/* Index of the first entry whose number is >= seq_ext (count if none). */
static size_t sfu__nack_lower_bound(const sfu__nack_gen_t *gen, int64_t seq_ext)
{
    size_t lo = 0, hi = gen->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (gen->entries[mid].seq_ext < seq_ext)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void sfu__nack_remove_range(sfu__nack_gen_t *gen, size_t from, size_t n)
{
    memmove(&gen->entries[from], &gen->entries[from + n],
            (gen->count - from - n) * sizeof gen->entries[0]);
    gen->count -= n;
}

/* Drops the entries numbered below seq_ext; returns how many. */
static size_t sfu__nack_drop_before(sfu__nack_gen_t *gen, int64_t seq_ext)
{
    size_t n = sfu__nack_lower_bound(gen, seq_ext);
    sfu__nack_remove_range(gen, 0, n);
    return n;
}

static uint64_t sfu__nack_max_age_us(const sfu__nack_gen_t *gen)
{
    return (uint64_t)gen->config.max_age_ms * 1000u;
}

static bool sfu__nack_too_old_in_time(const sfu__nack_gen_t *gen, const sfu__nack_entry_t *e,
                                      uint64_t now_us)
{
    return now_us > e->missing_since_us && now_us - e->missing_since_us > sfu__nack_max_age_us(gen);
}

/* Gives up on entries too far behind the newest packet, or missing for
 * too long. Both are prefixes of the list (see the file comment). */
static void sfu__nack_age_out(sfu__nack_gen_t *gen, uint64_t now_us)
{
    gen->stats.aged_out += sfu__nack_drop_before(gen, gen->newest_ext - gen->config.max_age_seqs);
    size_t n = 0;
    while (n < gen->count && sfu__nack_too_old_in_time(gen, &gen->entries[n], now_us))
        n++;
    sfu__nack_remove_range(gen, 0, n);
    gen->stats.aged_out += n;
}

/* --- Keyframes and overflow -------------------------------------------- */

static void sfu__nack_note_keyframe(sfu__nack_gen_t *gen, int64_t seq_ext)
{
    if (gen->keyframe_count == SFU__NACK_GEN_KEYFRAMES) {
        memmove(&gen->keyframes[0], &gen->keyframes[1],
                (SFU__NACK_GEN_KEYFRAMES - 1) * sizeof gen->keyframes[0]);
        gen->keyframe_count--;
    }
    gen->keyframes[gen->keyframe_count++] = seq_ext;
}

/* Makes room for `needed` more entries by dropping the missing packets that
 * precede a keyframe start, trying the oldest keyframe first so as little
 * as possible is dropped. Returns true when the room is there. */
static bool sfu__nack_trim_to_keyframe(sfu__nack_gen_t *gen, size_t needed)
{
    size_t max = gen->config.max_tracked;
    size_t used = 0;
    while (gen->count + needed > max && used < gen->keyframe_count) {
        size_t dropped = sfu__nack_drop_before(gen, gen->keyframes[used]);
        gen->stats.overflow += dropped;
        used++;
    }
    memmove(&gen->keyframes[0], &gen->keyframes[used],
            (gen->keyframe_count - used) * sizeof gen->keyframes[0]);
    gen->keyframe_count -= used;
    return gen->count + needed <= max;
}

/* --- Receiving ----------------------------------------------------------- */

static sfu__nack_rx_t sfu__nack_receive_older(sfu__nack_gen_t *gen, int64_t seq_ext)
{
    size_t i = sfu__nack_lower_bound(gen, seq_ext);
    if (i == gen->count || gen->entries[i].seq_ext != seq_ext) {
        gen->stats.late++;
        return SFU__NACK_RX_LATE;
    }
    bool nacked = gen->entries[i].retries > 0;
    sfu__nack_remove_range(gen, i, 1);
    if (nacked) {
        gen->stats.recovered++;
        return SFU__NACK_RX_RECOVERED;
    }
    gen->stats.reordered++;
    return SFU__NACK_RX_REORDERED;
}

/* Records the gap between the newest packet and seq_ext (exclusive).
 * `keyframe`: seq_ext starts a keyframe. */
static sfu__nack_rx_t sfu__nack_add_gap(sfu__nack_gen_t *gen, int64_t seq_ext, uint64_t now_us,
                                        bool keyframe)
{
    int64_t first = gen->newest_ext + 1;
    int64_t oldest_kept = seq_ext - (int64_t)gen->config.max_age_seqs;
    if (first < oldest_kept) {
        /* Missing, but already too old to ask for. */
        gen->stats.missing += (uint64_t)(oldest_kept - first);
        gen->stats.aged_out += (uint64_t)(oldest_kept - first);
        first = oldest_kept;
    }
    if (first >= seq_ext)
        return SFU__NACK_RX_NEWEST;
    size_t gap = (size_t)(seq_ext - first);
    gen->stats.missing += gap;

    if (!sfu__nack_trim_to_keyframe(gen, gap)) {
        /* Nothing before this packet can be asked for. If it starts a
         * keyframe, receivers restart there and need none of it; otherwise
         * only a new keyframe repairs the stream. */
        gen->stats.overflow += gen->count + gap;
        gen->count = 0;
        if (keyframe)
            return SFU__NACK_RX_NEWEST;
        gen->stats.keyframe_requests++;
        return SFU__NACK_RX_KEYFRAME_NEEDED;
    }
    for (int64_t s = first; s < seq_ext; s++)
        gen->entries[gen->count++] = (sfu__nack_entry_t){
            .seq_ext = s,
            .missing_since_us = now_us,
        };
    return SFU__NACK_RX_NEWEST;
}

sfu__nack_rx_t sfu__nack_gen_receive(sfu__nack_gen_t *gen, uint16_t seq, uint64_t now_us,
                                     unsigned flags)
{
    gen->stats.received++;
    int64_t seq_ext = rtp_seq_unwrap(&gen->unwrapper, seq);
    if (!gen->started) {
        gen->started = true;
        gen->newest_ext = seq_ext;
        if (flags & SFU__NACK_KEYFRAME_START)
            sfu__nack_note_keyframe(gen, seq_ext);
        return SFU__NACK_RX_NEWEST;
    }
    if (seq_ext <= gen->newest_ext)
        return sfu__nack_receive_older(gen, seq_ext);
    if (flags & SFU__NACK_RETRANSMISSION)
        return SFU__NACK_RX_IGNORED;

    sfu__nack_age_out(gen, now_us);
    bool keyframe = (flags & SFU__NACK_KEYFRAME_START) != 0;
    sfu__nack_rx_t rx = sfu__nack_add_gap(gen, seq_ext, now_us, keyframe);
    gen->newest_ext = seq_ext;
    /* Entries before the new newest's age bound go now, not at the next
     * poll, so the list never holds what could not be asked for. */
    gen->stats.aged_out += sfu__nack_drop_before(gen, seq_ext - gen->config.max_age_seqs);
    if (keyframe)
        sfu__nack_note_keyframe(gen, seq_ext);
    return rx;
}

/* --- Polling -------------------------------------------------------------- */

static uint64_t sfu__nack_retry_interval_us(const sfu__nack_gen_t *gen)
{
    uint64_t floor_us = (uint64_t)gen->config.min_retry_interval_ms * 1000u;
    return gen->rtt_us > floor_us ? gen->rtt_us : floor_us;
}

/* When entry e next needs the poll: its next NACK, or, once its retries are
 * spent, the moment it is given up. */
static uint64_t sfu__nack_due_us(const sfu__nack_gen_t *gen, const sfu__nack_entry_t *e)
{
    if (e->retries == 0)
        return e->missing_since_us + (uint64_t)gen->config.first_nack_delay_ms * 1000u;
    return e->last_nack_us + sfu__nack_retry_interval_us(gen);
}

size_t sfu__nack_gen_poll(sfu__nack_gen_t *gen, uint64_t now_us, uint16_t *seqs, size_t cap)
{
    sfu__nack_age_out(gen, now_us);
    size_t written = 0, kept = 0;
    for (size_t i = 0; i < gen->count; i++) {
        sfu__nack_entry_t e = gen->entries[i];
        bool due = now_us >= sfu__nack_due_us(gen, &e);
        if (due && e.retries >= gen->config.max_retries) {
            gen->stats.given_up++; /* its last NACK had a full interval to work */
            continue;
        }
        if (due && written < cap) {
            seqs[written++] = (uint16_t)e.seq_ext;
            e.retries++;
            e.last_nack_us = now_us;
            gen->stats.nacks_requested++;
        }
        gen->entries[kept++] = e;
    }
    gen->count = kept;
    return written;
}

uint64_t sfu__nack_gen_next_timer_us(const sfu__nack_gen_t *gen)
{
    if (gen->count == 0)
        return UINT64_MAX;
    /* The front entry is the first to age out in time. */
    uint64_t next = gen->entries[0].missing_since_us + sfu__nack_max_age_us(gen) + 1;
    for (size_t i = 0; i < gen->count; i++) {
        uint64_t due = sfu__nack_due_us(gen, &gen->entries[i]);
        if (due < next)
            next = due;
    }
    return next;
}

size_t sfu__nack_gen_missing_count(const sfu__nack_gen_t *gen)
{
    return gen->count;
}

size_t sfu__nack_gen_memory_bytes(const sfu__nack_gen_t *gen)
{
    return sizeof *gen + (size_t)gen->config.max_tracked * sizeof gen->entries[0];
}

const sfu__nack_gen_stats_t *sfu__nack_gen_stats(const sfu__nack_gen_t *gen)
{
    return &gen->stats;
}
