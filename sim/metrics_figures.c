/* sim/metrics_figures.c: what sim__metrics_finish() computes from the
 * stored inputs: each pair's active intervals (both peers present), the
 * received[] figures of every listed pair, the key accounting and the
 * budget values. The definitions it implements (capture grids, counting
 * and observed windows, percentiles by linear interpolation between
 * closest ranks, the W3C webrtc-stats freeze rule with its trailing-stall
 * extension, the budget aggregation) are stated in sim/metrics.h.
 *
 * Determinism: records are sorted in place by a total order before they
 * are merged, rendered frames are visited in (render time, frame number)
 * order, times are summed as integer microseconds, and the freeze rule is
 * evaluated in integers; floating point enters only in final divisions and
 * in sums taken in frame-number order. */
#include "sim/metrics_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- active intervals ------------------------------------------------------------ */

static uint64_t sim__metrics_max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static uint64_t sim__metrics_min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* The intersection of two presences, into pair->active. */
static bool sim__metrics_intersect(const sim__metrics_t *metrics,
                                   const sim__metrics_peer_state_t *a,
                                   const sim__metrics_peer_state_t *b,
                                   sim__metrics_pair_state_t *pair)
{
    pair->active = NULL;
    pair->active_count = 0;
    if (a->span_count == 0 || b->span_count == 0)
        return true;
    pair->active = malloc((a->span_count + b->span_count) * sizeof *pair->active);
    if (!pair->active)
        return false;
    size_t i = 0, j = 0;
    while (i < a->span_count && j < b->span_count) {
        uint64_t a_end = sim__metrics_span_end(metrics, &a->spans[i]);
        uint64_t b_end = sim__metrics_span_end(metrics, &b->spans[j]);
        uint64_t lo = sim__metrics_max_u64(a->spans[i].start_us, b->spans[j].start_us);
        uint64_t hi = sim__metrics_min_u64(a_end, b_end);
        if (lo < hi)
            pair->active[pair->active_count++] =
                (sim__metrics_span_t){ .start_us = lo, .end_us = hi };
        if (a_end < b_end)
            i++;
        else
            j++;
    }
    return true;
}

static uint64_t sim__metrics_active_us(const sim__metrics_pair_state_t *pair)
{
    uint64_t total = 0;
    for (size_t i = 0; i < pair->active_count; i++)
        total += pair->active[i].end_us - pair->active[i].start_us;
    return total;
}

/* Index of the active interval holding `at_us`, or SIM__METRICS_NONE. */
static size_t sim__metrics_active_at(const sim__metrics_pair_state_t *pair, uint64_t at_us)
{
    size_t lo = 0, hi = pair->active_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pair->active[mid].end_us <= at_us)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < pair->active_count && pair->active[lo].start_us <= at_us)
        return lo;
    return SIM__METRICS_NONE;
}

/* ---- capture grids ----------------------------------------------------------------- */

/* The first grid frame captured at or after at_us. */
static uint64_t sim__metrics_first_frame_from(const sim__metrics_t *metrics,
                                              sim__metrics_kind_t kind, uint64_t at_us)
{
    if (kind == SIM__METRICS_AUDIO) {
        uint64_t ptime = metrics->config.audio_ptime_us;
        return at_us / ptime + (at_us % ptime != 0);
    }
    /* An estimate, then exact steps on the grid formula itself. */
    uint64_t n = (uint64_t)((double)at_us * metrics->config.video_fps / 1e6);
    while (n > 0 && sim__metrics_grid_us(metrics, kind, n - 1) >= at_us)
        n--;
    while (sim__metrics_grid_us(metrics, kind, n) < at_us)
        n++;
    return n;
}

/* Grid frames captured in [from_us, to_us). */
static uint64_t sim__metrics_grid_count(const sim__metrics_t *metrics, sim__metrics_kind_t kind,
                                        uint64_t from_us, uint64_t to_us)
{
    if (to_us <= from_us)
        return 0;
    return sim__metrics_first_frame_from(metrics, kind, to_us) -
           sim__metrics_first_frame_from(metrics, kind, from_us);
}

/* ---- records ------------------------------------------------------------------------ */

static int sim__metrics_cmp_u64(uint64_t a, uint64_t b)
{
    return (a > b) - (a < b);
}

/* A total order over stored records, so that merging them does not depend
 * on the order they were fed in. */
static int sim__metrics_record_cmp(const void *pa, const void *pb)
{
    const sim__metrics_record_t *a = pa, *b = pb;
    int c = sim__metrics_cmp_u64(a->frame, b->frame);
    if (!c)
        c = sim__metrics_cmp_u64(a->render_us, b->render_us);
    if (!c)
        c = sim__metrics_cmp_u64(a->layer, b->layer);
    if (!c)
        c = sim__metrics_cmp_u64(a->flags, b->flags);
    if (!c)
        c = sim__metrics_cmp_u64(a->epoch, b->epoch);
    if (!c) {
        uint64_t a_bits, b_bits;
        memcpy(&a_bits, &a->psnr_db, sizeof a_bits);
        memcpy(&b_bits, &b->psnr_db, sizeof b_bits);
        c = sim__metrics_cmp_u64(a_bits, b_bits);
    }
    return c;
}

static bool sim__metrics_rendered(const sim__metrics_record_t *record)
{
    return (record->flags & SIM__METRICS_REC_RENDERED) == SIM__METRICS_REC_RENDERED;
}

/* A rendered frame of an active interval, for the render-order figures. */
typedef struct sim__metrics_render {
    size_t span;
    uint64_t render_us;
    uint64_t frame;
    uint8_t layer;
    bool counted; /* captured in the counting window */
} sim__metrics_render_t;

static int sim__metrics_render_cmp(const void *pa, const void *pb)
{
    const sim__metrics_render_t *a = pa, *b = pb;
    int c = sim__metrics_cmp_u64(a->span, b->span);
    if (!c)
        c = sim__metrics_cmp_u64(a->render_us, b->render_us);
    if (!c)
        c = sim__metrics_cmp_u64(a->frame, b->frame);
    return c;
}

static int sim__metrics_i64_cmp(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* Buffers reused from pair to pair. */
typedef struct sim__metrics_scratch {
    int64_t *latencies;
    size_t latency_count, latency_cap;
    sim__metrics_render_t *renders;
    size_t render_count, render_cap;
} sim__metrics_scratch_t;

/* ---- freezes ------------------------------------------------------------------------- */

/* The last (up to) 30 frame durations, in microseconds. */
typedef struct sim__metrics_freeze_window {
    uint64_t durations[SIM__METRICS_FREEZE_WIN];
    size_t count, next;
    uint64_t sum;
} sim__metrics_freeze_window_t;

/* The W3C rule in integers: d >= max(3 * avg, avg + 150 ms), avg = S / k,
 * with the nominal frame duration standing in before any duration. */
static bool sim__metrics_is_freeze(const sim__metrics_freeze_window_t *window, uint64_t nominal_us,
                                   uint64_t duration_us)
{
    uint64_t sum = window->count ? window->sum : nominal_us;
    uint64_t k = window->count ? (uint64_t)window->count : 1u;
    uint64_t lhs = duration_us * k;
    uint64_t rhs = sim__metrics_max_u64(3u * sum, sum + SIM__METRICS_FREEZE_ADD_US * k);
    return lhs >= rhs;
}

static void sim__metrics_freeze_push(sim__metrics_freeze_window_t *window, uint64_t duration_us)
{
    if (window->count == SIM__METRICS_FREEZE_WIN)
        window->sum -= window->durations[window->next];
    else
        window->count++;
    window->durations[window->next] = duration_us;
    window->sum += duration_us;
    window->next = (window->next + 1) % SIM__METRICS_FREEZE_WIN;
}

/* The freeze [from_us, to_us) clipped to the observed window; it counts
 * when something of it is left. */
static void sim__metrics_freeze_add(sim__metrics_pair_t *out, uint64_t *freeze_us, uint64_t from_us,
                                    uint64_t to_us, uint64_t observed_from, uint64_t observed_to)
{
    uint64_t lo = sim__metrics_max_u64(from_us, observed_from);
    uint64_t hi = sim__metrics_min_u64(to_us, observed_to);
    if (hi <= lo)
        return;
    out->freeze_count++;
    *freeze_us += hi - lo;
}

/* Freezes of one active interval: renders[0..count) in render order. */
static void sim__metrics_span_freezes(const sim__metrics_t *metrics,
                                      const sim__metrics_span_t *span,
                                      const sim__metrics_render_t *renders, size_t count,
                                      sim__metrics_pair_t *out, uint64_t *freeze_us)
{
    uint64_t observed_from = sim__metrics_max_u64(span->start_us, metrics->config.warmup_us);
    if (count == 0 || observed_from >= span->end_us)
        return;
    uint64_t nominal = sim__metrics_grid_us(metrics, SIM__METRICS_VIDEO, 1);
    sim__metrics_freeze_window_t window = { .count = 0 };
    uint64_t previous = renders[0].render_us;
    for (size_t i = 1; i < count; i++) {
        uint64_t duration = renders[i].render_us - previous;
        if (sim__metrics_is_freeze(&window, nominal, duration))
            sim__metrics_freeze_add(out, freeze_us, previous, renders[i].render_us, observed_from,
                                    span->end_us);
        sim__metrics_freeze_push(&window, duration);
        previous = renders[i].render_us;
    }
    /* The trailing stall: from the last render to the interval's end. */
    if (span->end_us > previous &&
        sim__metrics_is_freeze(&window, nominal, span->end_us - previous))
        sim__metrics_freeze_add(out, freeze_us, previous, span->end_us, observed_from,
                                span->end_us);
}

/* ---- one pair ---------------------------------------------------------------------------- */

/* Merges the records of one frame, records[0..count) (sorted), into what
 * the frame figures need. */
typedef struct sim__metrics_frame {
    bool decrypted;
    const sim__metrics_record_t *rendered; /* the earliest rendered record, or NULL */
} sim__metrics_frame_t;

static sim__metrics_frame_t sim__metrics_merge(const sim__metrics_record_t *records, size_t count)
{
    sim__metrics_frame_t frame = { .decrypted = false, .rendered = NULL };
    for (size_t i = 0; i < count; i++) {
        if (records[i].flags & SIM__METRICS_REC_DECRYPTED)
            frame.decrypted = true;
        if (!frame.rendered && sim__metrics_rendered(&records[i]))
            frame.rendered = &records[i];
    }
    return frame;
}

/* The frame figures: counts, latency samples, PSNR, and the rendered frames
 * for the render-order figures (into scratch). */
static bool sim__metrics_pair_frames(const sim__metrics_t *metrics, sim__metrics_pair_state_t *pair,
                                     sim__metrics_pair_t *out, sim__metrics_scratch_t *scratch)
{
    double psnr_sum = 0.0;
    uint64_t psnr_count = 0;
    scratch->latency_count = 0;
    scratch->render_count = 0;
    if (pair->record_count > 0) /* records is NULL before the first */
        qsort(pair->records, pair->record_count, sizeof *pair->records, sim__metrics_record_cmp);
    for (size_t first = 0, end; first < pair->record_count; first = end) {
        for (end = first + 1;
             end < pair->record_count && pair->records[end].frame == pair->records[first].frame;
             end++) {
        }
        uint64_t capture = sim__metrics_grid_us(metrics, pair->kind, pair->records[first].frame);
        size_t span_index = sim__metrics_active_at(pair, capture);
        if (span_index == SIM__METRICS_NONE) {
            out->records_outside += end - first;
            continue;
        }
        const sim__metrics_span_t *span = &pair->active[span_index];
        uint64_t count_end =
            span->end_us > metrics->config.tail_us ? span->end_us - metrics->config.tail_us : 0;
        bool counted = capture >= metrics->config.warmup_us && capture < count_end;
        sim__metrics_frame_t frame = sim__metrics_merge(&pair->records[first], end - first);
        if (counted) {
            out->frames_received++;
            out->frames_decrypted += frame.decrypted;
            out->frames_rendered += frame.rendered != NULL;
        }
        if (!frame.rendered)
            continue;
        if (!sim__metrics_grow((void **)&scratch->renders, &scratch->render_cap,
                               scratch->render_count + 1, sizeof *scratch->renders))
            return false;
        scratch->renders[scratch->render_count++] = (sim__metrics_render_t){
            .span = span_index,
            .render_us = frame.rendered->render_us,
            .frame = frame.rendered->frame,
            .layer = frame.rendered->layer,
            .counted = counted,
        };
        if (!counted)
            continue;
        if (!sim__metrics_grow((void **)&scratch->latencies, &scratch->latency_cap,
                               scratch->latency_count + 1, sizeof *scratch->latencies))
            return false;
        scratch->latencies[scratch->latency_count++] =
            (int64_t)frame.rendered->render_us - (int64_t)capture;
        double psnr = frame.rendered->psnr_db;
        if (pair->kind == SIM__METRICS_VIDEO && !isnan(psnr)) {
            psnr_sum += psnr > SIM__METRICS_PSNR_CAP_DB ? SIM__METRICS_PSNR_CAP_DB : psnr;
            psnr_count++;
        }
    }
    if (psnr_count > 0) {
        out->has_psnr = true;
        out->psnr_db_mean = psnr_sum / (double)psnr_count;
    }
    return true;
}

static void sim__metrics_pair_latency(sim__metrics_pair_t *out, sim__metrics_scratch_t *scratch)
{
    if (scratch->latency_count == 0)
        return;
    qsort(scratch->latencies, scratch->latency_count, sizeof *scratch->latencies,
          sim__metrics_i64_cmp);
    const int64_t *sorted = scratch->latencies;
    size_t n = scratch->latency_count;
    out->has_latency = true;
    out->latency_ms = (sim__metrics_latency_t){
        .p50_ms = sim__metrics_percentile(sorted, n, 50) / 1000.0,
        .p95_ms = sim__metrics_percentile(sorted, n, 95) / 1000.0,
        .p99_ms = sim__metrics_percentile(sorted, n, 99) / 1000.0,
        .max_ms = (double)sorted[n - 1] / 1000.0,
    };
}

/* Time to first frame, layer switches and freezes: the rendered frames in
 * render order, interval by interval. */
static void sim__metrics_pair_render_order(const sim__metrics_t *metrics,
                                           const sim__metrics_pair_state_t *pair,
                                           sim__metrics_pair_t *out,
                                           sim__metrics_scratch_t *scratch)
{
    sim__metrics_render_t *renders = scratch->renders;
    size_t count = scratch->render_count;
    if (count == 0)
        return;
    qsort(renders, count, sizeof *renders, sim__metrics_render_cmp);
    uint64_t first_render = UINT64_MAX;
    uint64_t freeze_us = 0;
    for (size_t first = 0, end; first < count; first = end) {
        for (end = first + 1; end < count && renders[end].span == renders[first].span; end++) {
        }
        const sim__metrics_render_t *last_counted = NULL;
        for (size_t i = first; i < end; i++) {
            first_render = sim__metrics_min_u64(first_render, renders[i].render_us);
            if (!renders[i].counted)
                continue;
            if (last_counted && last_counted->layer != renders[i].layer)
                out->layer_switches++;
            last_counted = &renders[i];
        }
        if (pair->kind == SIM__METRICS_VIDEO)
            sim__metrics_span_freezes(metrics, &pair->active[renders[first].span], &renders[first],
                                      end - first, out, &freeze_us);
    }
    int64_t ttff_us = (int64_t)first_render - (int64_t)pair->active[0].start_us;
    out->has_time_to_first_frame = true;
    out->time_to_first_frame_ms = (double)(ttff_us > 0 ? ttff_us : 0) / 1000.0;
    if (pair->kind == SIM__METRICS_VIDEO && out->observed_us > 0) {
        out->freeze_ms = (double)freeze_us / 1000.0;
        out->has_freeze_ratio = true;
        out->freeze_ratio = (double)freeze_us / (double)out->observed_us;
    }
}

static bool sim__metrics_pair_figures(const sim__metrics_t *metrics,
                                      sim__metrics_pair_state_t *pair, sim__metrics_pair_t *out,
                                      sim__metrics_scratch_t *scratch)
{
    const sim__metrics_config_t *config = &metrics->config;
    *out = (sim__metrics_pair_t){
        .receiver = pair->receiver,
        .sender = pair->sender,
        .kind = pair->kind,
        .eavesdropper = metrics->peers[pair->receiver].eavesdropper,
    };
    for (size_t i = 0; i < pair->active_count; i++) {
        const sim__metrics_span_t *span = &pair->active[i];
        uint64_t from = sim__metrics_max_u64(span->start_us, config->warmup_us);
        uint64_t count_end = span->end_us > config->tail_us ? span->end_us - config->tail_us : 0;
        out->active_us += span->end_us - span->start_us;
        if (span->end_us > from)
            out->observed_us += span->end_us - from;
        if (count_end > from) {
            out->counted_us += count_end - from;
            out->frames_expected += sim__metrics_grid_count(metrics, pair->kind, from, count_end);
        }
    }
    if (!sim__metrics_pair_frames(metrics, pair, out, scratch))
        return false;
    sim__metrics_pair_latency(out, scratch);
    sim__metrics_pair_render_order(metrics, pair, out, scratch);
    out->frames_decrypt_failed = out->frames_received - out->frames_decrypted;
    out->frames_incomplete = out->frames_expected - out->frames_received;
    if (out->counted_us > 0) {
        out->has_fps = true;
        out->fps = (double)out->frames_rendered * 1e6 / (double)out->counted_us;
    }
    if (out->frames_expected > 0) {
        out->has_delivered_ratio = true;
        out->delivered_ratio = (double)out->frames_rendered / (double)out->frames_expected;
    }
    if (out->frames_received > 0) {
        out->has_decrypt_success = true;
        out->decrypt_success = (double)out->frames_decrypted / (double)out->frames_received;
    }
    return true;
}

/* ---- keys -------------------------------------------------------------------------------- */

/* The start of the peer's first presence at or after at_us, or UINT64_MAX. */
static uint64_t sim__metrics_next_join(const sim__metrics_peer_state_t *peer, uint64_t at_us)
{
    for (size_t i = 0; i < peer->span_count; i++)
        if (peer->spans[i].start_us >= at_us)
            return peer->spans[i].start_us;
    return UINT64_MAX;
}

static bool sim__metrics_departed(const sim__metrics_peer_state_t *peer, uint64_t at_us,
                                  uint64_t epoch)
{
    for (size_t i = 0; i < peer->departure_count; i++) {
        const sim__metrics_departure_entry_t *departure = &peer->departures[i];
        if (epoch >= departure->first_epoch && at_us >= departure->leave_us &&
            at_us < sim__metrics_next_join(peer, departure->leave_us))
            return true;
    }
    return false;
}

/* Whether a frame captured at capture_us, decrypted at at_us, predates the
 * receiver's latest join at or before at_us (or it had never joined). */
static bool sim__metrics_before_join(const sim__metrics_peer_state_t *peer, uint64_t at_us,
                                     uint64_t capture_us)
{
    uint64_t latest_join = UINT64_MAX;
    for (size_t i = 0; i < peer->span_count && peer->spans[i].start_us <= at_us; i++)
        latest_join = peer->spans[i].start_us;
    return latest_join == UINT64_MAX || capture_us < latest_join;
}

static void sim__metrics_count_keys(sim__metrics_t *metrics)
{
    sim__metrics_keys_t *keys = &metrics->keys;
    for (size_t p = 0; p < metrics->pair_state_count; p++) {
        const sim__metrics_pair_state_t *pair = &metrics->pair_states[p];
        const sim__metrics_peer_state_t *receiver = &metrics->peers[pair->receiver];
        for (size_t i = 0; i < pair->record_count; i++) {
            const sim__metrics_record_t *record = &pair->records[i];
            if (record->flags & SIM__METRICS_REC_WAITED)
                keys->frames_waiting_for_key++;
            if (!(record->flags & SIM__METRICS_REC_DECRYPTED))
                continue;
            uint64_t capture = sim__metrics_grid_us(metrics, pair->kind, record->frame);
            if (receiver->eavesdropper)
                keys->frames_decrypted_by_eavesdropper++;
            else if (sim__metrics_departed(receiver, record->render_us, record->epoch))
                keys->frames_decrypted_by_departed++;
            else if (sim__metrics_before_join(receiver, record->render_us, capture))
                keys->frames_decrypted_before_join++;
        }
    }
}

/* ---- budgets ------------------------------------------------------------------------------ */

typedef bool (*sim__metrics_figure_fn)(const sim__metrics_pair_t *pair, double *value);

static bool sim__metrics_fig_p50(const sim__metrics_pair_t *pair, double *value)
{
    *value = pair->latency_ms.p50_ms;
    return pair->has_latency;
}

static bool sim__metrics_fig_p95(const sim__metrics_pair_t *pair, double *value)
{
    *value = pair->latency_ms.p95_ms;
    return pair->has_latency;
}

static bool sim__metrics_fig_p99(const sim__metrics_pair_t *pair, double *value)
{
    *value = pair->latency_ms.p99_ms;
    return pair->has_latency;
}

static bool sim__metrics_fig_fps(const sim__metrics_pair_t *pair, double *value)
{
    *value = pair->fps;
    return pair->has_fps;
}

static bool sim__metrics_fig_freeze_ratio(const sim__metrics_pair_t *pair, double *value)
{
    *value = pair->freeze_ratio;
    return pair->has_freeze_ratio;
}

static bool sim__metrics_fig_delivered(const sim__metrics_pair_t *pair, double *value)
{
    *value = pair->delivered_ratio;
    return pair->has_delivered_ratio;
}

static bool sim__metrics_fig_decrypt(const sim__metrics_pair_t *pair, double *value)
{
    *value = pair->decrypt_success;
    return pair->has_decrypt_success;
}

static bool sim__metrics_fig_ttff(const sim__metrics_pair_t *pair, double *value)
{
    *value = pair->time_to_first_frame_ms;
    return pair->has_time_to_first_frame;
}

static bool sim__metrics_fig_psnr(const sim__metrics_pair_t *pair, double *value)
{
    *value = pair->psnr_db_mean;
    return pair->has_psnr;
}

#define SIM__METRICS_KIND_BIT(kind) (1u << (unsigned)(kind))
#define SIM__METRICS_VIDEO_ONLY     SIM__METRICS_KIND_BIT(SIM__METRICS_VIDEO)
#define SIM__METRICS_AUDIO_ONLY     SIM__METRICS_KIND_BIT(SIM__METRICS_AUDIO)
#define SIM__METRICS_BOTH_KINDS     (SIM__METRICS_VIDEO_ONLY | SIM__METRICS_AUDIO_ONLY)

/* Which pairs each budget reads, and which figure of them. */
static const struct {
    unsigned kinds;
    sim__metrics_figure_fn figure;
} sim__metrics_budget_scope[SIM__METRICS_BUDGET__COUNT] = {
    [SIM__METRICS_BUDGET_VIDEO_LATENCY_P50_MS] = { SIM__METRICS_VIDEO_ONLY, sim__metrics_fig_p50 },
    [SIM__METRICS_BUDGET_VIDEO_LATENCY_P95_MS] = { SIM__METRICS_VIDEO_ONLY, sim__metrics_fig_p95 },
    [SIM__METRICS_BUDGET_VIDEO_LATENCY_P99_MS] = { SIM__METRICS_VIDEO_ONLY, sim__metrics_fig_p99 },
    [SIM__METRICS_BUDGET_AUDIO_LATENCY_P95_MS] = { SIM__METRICS_AUDIO_ONLY, sim__metrics_fig_p95 },
    [SIM__METRICS_BUDGET_VIDEO_FPS_MIN] = { SIM__METRICS_VIDEO_ONLY, sim__metrics_fig_fps },
    [SIM__METRICS_BUDGET_FREEZE_RATIO_MAX] = { SIM__METRICS_VIDEO_ONLY,
                                               sim__metrics_fig_freeze_ratio },
    [SIM__METRICS_BUDGET_DELIVERED_RATIO_MIN] = { SIM__METRICS_BOTH_KINDS,
                                                  sim__metrics_fig_delivered },
    [SIM__METRICS_BUDGET_DECRYPT_SUCCESS_MIN] = { SIM__METRICS_BOTH_KINDS,
                                                  sim__metrics_fig_decrypt },
    [SIM__METRICS_BUDGET_TIME_TO_FIRST_FRAME_MS_MAX] = { SIM__METRICS_BOTH_KINDS,
                                                         sim__metrics_fig_ttff },
    [SIM__METRICS_BUDGET_PSNR_DB_MIN] = { SIM__METRICS_VIDEO_ONLY, sim__metrics_fig_psnr },
};

static void sim__metrics_aggregate(sim__metrics_t *metrics, sim__metrics_budget_t budget)
{
    bool upper = sim__metrics_budget_is_upper(budget);
    sim__metrics_budget_value_t result = { .has_value = false };
    for (size_t i = 0; i < metrics->listed_count; i++) {
        const sim__metrics_pair_t *pair = &metrics->listed[i];
        if (pair->eavesdropper || pair->frames_expected == 0 ||
            !(sim__metrics_budget_scope[budget].kinds & SIM__METRICS_KIND_BIT(pair->kind)))
            continue;
        double value;
        if (!sim__metrics_budget_scope[budget].figure(pair, &value)) {
            result.pairs_missing++;
            continue;
        }
        result.pairs++;
        if (!result.has_value || (upper ? value > result.value : value < result.value)) {
            result.has_value = true;
            result.value = value;
            result.worst_pair = i;
        }
    }
    metrics->budgets[budget] = result;
}

/* ---- finish ---------------------------------------------------------------------------------- */

void sim__metrics_release_results(sim__metrics_t *metrics)
{
    for (size_t i = 0; i < metrics->pair_state_count; i++) {
        free(metrics->pair_states[i].active);
        metrics->pair_states[i].active = NULL;
        metrics->pair_states[i].active_count = 0;
    }
    free(metrics->listed);
    free(metrics->listed_state);
    metrics->listed = NULL;
    metrics->listed_state = NULL;
    metrics->listed_count = 0;
}

/* Pairs with active time, receiver by receiver in their (sender, kind)
 * order: the listing order. */
static bool sim__metrics_list_pairs(sim__metrics_t *metrics)
{
    size_t listed = 0;
    for (size_t p = 0; p < metrics->pair_state_count; p++) {
        sim__metrics_pair_state_t *pair = &metrics->pair_states[p];
        if (!pair->subscribed)
            continue;
        if (!sim__metrics_intersect(metrics, &metrics->peers[pair->receiver],
                                    &metrics->peers[pair->sender], pair))
            return false;
        listed += sim__metrics_active_us(pair) > 0;
    }
    metrics->listed = calloc(listed ? listed : 1, sizeof *metrics->listed);
    metrics->listed_state = calloc(listed ? listed : 1, sizeof *metrics->listed_state);
    if (!metrics->listed || !metrics->listed_state)
        return false;
    for (size_t r = 0; r < metrics->peer_count; r++) {
        const sim__metrics_peer_state_t *receiver = &metrics->peers[r];
        for (size_t i = 0; i < receiver->pair_count; i++) {
            const sim__metrics_pair_state_t *pair = &metrics->pair_states[receiver->pairs[i]];
            if (pair->subscribed && sim__metrics_active_us(pair) > 0)
                metrics->listed_state[metrics->listed_count++] = receiver->pairs[i];
        }
    }
    return true;
}

bool sim__metrics_compute(sim__metrics_t *metrics)
{
    sim__metrics_scratch_t scratch = { .latencies = NULL, .renders = NULL };
    metrics->keys = (sim__metrics_keys_t){ 0 };
    metrics->diag = (sim__metrics_diag_t){ .capture_mismatch = metrics->capture_mismatch };
    if (!sim__metrics_list_pairs(metrics))
        goto fail;
    for (size_t i = 0; i < metrics->listed_count; i++) {
        sim__metrics_pair_state_t *pair = &metrics->pair_states[metrics->listed_state[i]];
        if (!sim__metrics_pair_figures(metrics, pair, &metrics->listed[i], &scratch))
            goto fail;
        metrics->diag.records_outside += metrics->listed[i].records_outside;
    }
    for (size_t p = 0; p < metrics->pair_state_count; p++) {
        const sim__metrics_pair_state_t *pair = &metrics->pair_states[p];
        if (!pair->subscribed)
            metrics->diag.records_unsubscribed += pair->record_count;
        else if (sim__metrics_active_us(pair) == 0)
            metrics->diag.records_outside += pair->record_count;
    }
    sim__metrics_count_keys(metrics);
    for (unsigned b = 0; b < SIM__METRICS_BUDGET__COUNT; b++)
        sim__metrics_aggregate(metrics, (sim__metrics_budget_t)b);
    free(scratch.latencies);
    free(scratch.renders);
    return true;
fail:
    free(scratch.latencies);
    free(scratch.renders);
    sim__metrics_release_results(metrics);
    return false;
}
