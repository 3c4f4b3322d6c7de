/* sim/link_queue.c: the bottleneck stage, a single FIFO server with a
 * drop-tail queue in front of it. Each copy that survives loss and
 * duplication is offered to it at the instant it was sent.
 *
 * The server is, by the profile (dispatched through sim__queue_modes[]):
 *   unlimited (rate_kbps 0, no trace): a packet leaves the instant it
 *     arrives; no queue, no drop.
 *   rate (rate_kbps >= 0.001): packets are serialized one after another at
 *     rate_kbps (1 kbps = 1000 bit/s), taking 8000 len / rate_kbps us for
 *     `len` bytes (the bytes given to sim_link_send(), no header added).
 *     A packet arriving at t starts at s = max(t, F), F being when the link
 *     finishes the packet admitted before it, and leaves at
 *     s + 8000 len / rate_kbps. Times are kept in fractional microseconds;
 *     only the final delivery time is rounded (link_jitter.c).
 *   trace (trace_ms set): mahimahi delivery opportunities, see
 *     link_trace.c; rate_kbps is ignored.
 *
 * Drop-tail bound, the same for rate and trace: a packet's queueing delay
 * is w = s - t, the time from its arrival until the link starts carrying
 * it. The packet is dropped (lost_queue) when w > queue_ms, and admitted
 * when w <= queue_ms; so no admitted packet ever waits longer than
 * queue_ms. At a rate this is a byte bound: w > queue_ms exactly when the
 * backlog still to be serialized ahead of the packet, (F - t) rate, exceeds
 * rate_kbps * queue_ms / 8 bytes (the packet being sent counts with the
 * bytes it has left). queue_ms = 0 admits only packets that find the link
 * idle. A dropped packet changes nothing. Since every packet's departure is
 * fixed when it arrives (FIFO, a schedule later arrivals cannot change), no
 * event is needed inside the bottleneck.
 *
 * A profile change at time t applies to packets arriving from t on: packets
 * already admitted keep their departure times, and F carries over, so new
 * packets still queue behind them (at the new rate). A profile whose trace
 * has the same entries as the old profile's keeps the trace running, phase
 * and partly used opportunity included (so changing, say, only the loss of
 * a trace link does not disturb its capacity); any other trace starts at
 * max(t, F), see sim__trace_start(). Under an unlimited profile new packets
 * do not wait for packets still queued from an earlier profile (the delay
 * stage keeps FIFO order unless reorder is set). */
#include "sim/link_internal.h"

#include <math.h>

#define SIM__RATE_MIN_KBPS 0.001      /* 1 bit/s: keeps every time finite */
#define SIM__QUEUE_MAX_MS  86400000.0 /* one day */

typedef struct sim__queue_mode {
    bool (*admit)(sim__queue_t *queue, const sim_link_profile_t *profile, uint64_t now_us,
                  size_t len, sim__queue_slot_t *slot);
    void (*start)(sim__queue_t *queue, uint64_t now_us);
} sim__queue_mode_t;

static bool sim__queue_unlimited_admit(sim__queue_t *queue, const sim_link_profile_t *profile,
                                       uint64_t now_us, size_t len, sim__queue_slot_t *slot)
{
    (void)queue;
    (void)profile;
    (void)len;
    *slot = (sim__queue_slot_t){ .wait_us = 0.0, .depart_us = (double)now_us };
    return true;
}

static bool sim__queue_rate_admit(sim__queue_t *queue, const sim_link_profile_t *profile,
                                  uint64_t now_us, size_t len, sim__queue_slot_t *slot)
{
    double arrival_us = (double)now_us;
    double start_us = queue->free_at_us > arrival_us ? queue->free_at_us : arrival_us;
    double wait_us = start_us - arrival_us;
    if (wait_us > profile->queue_ms * 1000.0)
        return false;
    queue->free_at_us = start_us + (double)len * 8000.0 / profile->rate_kbps;
    *slot = (sim__queue_slot_t){ .wait_us = wait_us, .depart_us = queue->free_at_us };
    return true;
}

static void sim__queue_keep(sim__queue_t *queue, uint64_t now_us)
{
    (void)queue;
    (void)now_us;
}

enum { SIM__QUEUE_UNLIMITED, SIM__QUEUE_RATE, SIM__QUEUE_TRACE };

static const sim__queue_mode_t sim__queue_modes[] = {
    [SIM__QUEUE_UNLIMITED] = { sim__queue_unlimited_admit, sim__queue_keep },
    [SIM__QUEUE_RATE] = { sim__queue_rate_admit, sim__queue_keep },
    [SIM__QUEUE_TRACE] = { sim__trace_admit, sim__trace_start },
};

static const sim__queue_mode_t *sim__queue_mode(const sim_link_profile_t *profile)
{
    if (profile->trace_ms != NULL)
        return &sim__queue_modes[SIM__QUEUE_TRACE];
    if (profile->rate_kbps > 0.0)
        return &sim__queue_modes[SIM__QUEUE_RATE];
    return &sim__queue_modes[SIM__QUEUE_UNLIMITED];
}

const char *sim__queue_check(const sim_link_profile_t *profile)
{
    double rate = profile->rate_kbps;
    if (!(rate == 0.0 || (rate >= SIM__RATE_MIN_KBPS && isfinite(rate))))
        return "rate_kbps: not 0 (unlimited) or a finite number >= 0.001";
    if (!(profile->queue_ms >= 0.0 && profile->queue_ms <= SIM__QUEUE_MAX_MS))
        return "queue_ms: not in [0, 86400000]";
    return sim__trace_check(profile);
}

void sim__queue_init(sim__queue_t *queue, const sim_link_profile_t *profile, uint64_t now_us)
{
    *queue = (sim__queue_t){ .free_at_us = (double)now_us };
    sim__queue_mode(profile)->start(queue, now_us);
}

void sim__queue_apply_profile(sim__queue_t *queue, const sim_link_profile_t *profile,
                              uint64_t now_us, bool same_trace)
{
    if (!same_trace)
        sim__queue_mode(profile)->start(queue, now_us);
}

bool sim__queue_admit(sim__queue_t *queue, const sim_link_profile_t *profile, uint64_t now_us,
                      size_t len, sim__queue_slot_t *slot)
{
    return sim__queue_mode(profile)->admit(queue, profile, now_us, len, slot);
}
