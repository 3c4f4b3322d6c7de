/* sim/link_trace.c: the trace-driven bottleneck, mahimahi's link model
 * (K. Winstein et al., mahimahi's LinkQueue; docs/REFERENCES.md "Network
 * models"). It replaces the rate bottleneck of link_queue.c when a profile
 * has trace_ms; the drop-tail bound stated there applies unchanged.
 *
 * Schedule. A trace is n >= 1 non-decreasing integer milliseconds
 * m[0..n-1] with m[n-1] > 0; each entry is one delivery opportunity of
 * 1500 bytes, and equal entries are several opportunities at the same
 * instant. The trace repeats with period P = m[n-1] ms (as mahimahi, which
 * adds the last entry to its base at each wrap): opportunity (k, j), k =
 * 0, 1, ..., is at B + k P + m[j] ms, where B is the time the trace started
 * (see sim__trace_start()). Opportunities are used in (k, j) order. When
 * m[0] = 0 the last opportunity of period k and the first of period k + 1
 * fall on the same instant; both exist.
 *
 * Service, as mahimahi's: the FIFO's packets take the opportunities' bytes
 * in order. An opportunity at time T can carry bytes of a packet that
 * arrived strictly before T (mahimahi burns the opportunities due at or
 * before "now" before it queues a packet arriving "now"). A packet of len
 * bytes starts in the first usable opportunity that still has bytes left,
 * takes min(len, bytes left) from it and the rest from the following
 * opportunities, and leaves at the time of the opportunity that carries its
 * last byte; so a small packet can share an opportunity with the packets
 * before and after it, a packet over 1500 bytes spans several, and a
 * 0-byte packet still waits for an opportunity. Bytes of an opportunity
 * that no queued packet could use are lost, never banked: a link idle for a
 * while does not deliver a burst afterwards.
 *
 * The queueing delay of a packet is the time from its arrival to the
 * opportunity that carries its first byte, and the drop-tail bound drops it
 * when that exceeds queue_ms. This includes the wait for the next
 * opportunity when the queue is empty: during a gap in the trace, packets
 * that would wait longer than queue_ms are dropped on arrival.
 *
 * mahimahi's own opportunity is 1504 bytes (its TUN MTU); blindfold uses the
 * 1500 bytes docs/scenario-format.md states. */
#include "sim/link_internal.h"

#include <math.h>

const char *sim__trace_check(const sim_link_profile_t *profile)
{
    const uint32_t *trace = profile->trace_ms;
    size_t len = profile->trace_len;
    if (trace == NULL)
        return len == 0 ? NULL : "trace: NULL with a non-zero length";
    if (len == 0)
        return "trace: no entries";
    for (size_t i = 1; i < len; i++) {
        if (trace[i] < trace[i - 1])
            return "trace: timestamps must be non-decreasing";
    }
    if (trace[len - 1] == 0)
        return "trace: must last a non-zero time (last entry > 0)";
    return NULL;
}

static uint64_t sim__trace_period_us(const sim_link_profile_t *profile)
{
    return (uint64_t)profile->trace_ms[profile->trace_len - 1] * 1000u;
}

static uint64_t sim__trace_time_us(const sim__queue_t *queue, const sim_link_profile_t *profile,
                                   uint64_t period, size_t index)
{
    return queue->trace_base_us + period * sim__trace_period_us(profile) +
           (uint64_t)profile->trace_ms[index] * 1000u;
}

/* Opens the next unopened opportunity and moves past it. */
static void sim__trace_open_next(sim__queue_t *queue, const sim_link_profile_t *profile)
{
    queue->trace_open_us =
        sim__trace_time_us(queue, profile, queue->trace_period, queue->trace_index);
    queue->trace_open_left = SIM__TRACE_OPPORTUNITY_BYTES;
    if (++queue->trace_index == profile->trace_len) {
        queue->trace_index = 0;
        queue->trace_period++;
    }
}

/* Moves the cursor past every unopened opportunity at or before now_us:
 * those are lost. Arithmetic, so a long idle time costs nothing. */
static void sim__trace_skip_past(sim__queue_t *queue, const sim_link_profile_t *profile,
                                 uint64_t now_us)
{
    if (sim__trace_time_us(queue, profile, queue->trace_period, queue->trace_index) > now_us)
        return;
    /* The cursor's opportunity is at or after the base, so now_us is too. */
    uint64_t period_us = sim__trace_period_us(profile);
    uint64_t since_base_us = now_us - queue->trace_base_us;
    uint64_t offset_ms = (since_base_us % period_us) / 1000u;
    /* First index with m[index] ms > offset: m[index] * 1000 > offset_us.
     * It exists, since m[n-1] * 1000 = period_us > offset_us. */
    size_t low = 0, high = profile->trace_len - 1;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (profile->trace_ms[mid] > offset_ms)
            high = mid;
        else
            low = mid + 1;
    }
    queue->trace_period = since_base_us / period_us;
    queue->trace_index = low;
}

void sim__trace_start(sim__queue_t *queue, uint64_t now_us)
{
    double free_at_us = ceil(queue->free_at_us);
    queue->trace_base_us = free_at_us > (double)now_us ? (uint64_t)free_at_us : now_us;
    queue->trace_period = 0;
    queue->trace_index = 0;
    queue->trace_open_us = 0;
    queue->trace_open_left = 0;
}

bool sim__trace_admit(sim__queue_t *queue, const sim_link_profile_t *profile, uint64_t now_us,
                      size_t len, sim__queue_slot_t *slot)
{
    sim__queue_t next = *queue;
    if (next.trace_open_left == 0 || next.trace_open_us <= now_us) {
        sim__trace_skip_past(&next, profile, now_us);
        sim__trace_open_next(&next, profile);
    }
    double wait_us = (double)(next.trace_open_us - now_us);
    if (wait_us > profile->queue_ms * 1000.0)
        return false;
    size_t need = len;
    while (need > next.trace_open_left) {
        need -= next.trace_open_left;
        sim__trace_open_next(&next, profile);
    }
    next.trace_open_left -= (uint32_t)need;
    next.free_at_us = (double)next.trace_open_us;
    *queue = next;
    *slot = (sim__queue_slot_t){ .wait_us = wait_us, .depart_us = next.free_at_us };
    return true;
}
