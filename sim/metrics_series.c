/* sim/metrics_series.c: timeseries.csv (docs/report-format.md), one row
 * per bucket of virtual time per peer and link direction. The link
 * outcomes were summed into their buckets as they came (metrics.c); the
 * layer columns replay each receiver's layer samples bucket by bucket; the
 * RTX and queueing-delay columns come from sim__metrics_link_extra(). The
 * columns and the row order are documented at
 * sim__metrics_write_timeseries() in sim/metrics.h. Every figure is a
 * ratio of integer sums, printed with a fixed format, so the file is
 * byte-stable for the same inputs. */
#include "sim/metrics_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static bool sim__metrics_overlaps(const sim__metrics_t *metrics, const sim__metrics_span_t *spans,
                                  size_t count, uint64_t from_us, uint64_t to_us)
{
    for (size_t i = 0; i < count; i++)
        if (spans[i].start_us < to_us && sim__metrics_span_end(metrics, &spans[i]) > from_us)
            return true;
    return false;
}

static uint64_t sim__metrics_bucket_end(const sim__metrics_t *metrics, size_t bucket)
{
    uint64_t end = ((uint64_t)bucket + 1) * metrics->config.bucket_us;
    return end < metrics->config.duration_us ? end : metrics->config.duration_us;
}

static int sim__metrics_u32_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

/* The senders a receiver has layer samples for, ascending and unique, each
 * with its current layer and its video pair (or SIM__METRICS_NONE). */
typedef struct sim__metrics_layer_state {
    uint32_t *senders;
    uint8_t *current;
    size_t *pair;
    size_t count;
} sim__metrics_layer_state_t;

static void sim__metrics_layer_state_free(sim__metrics_layer_state_t *state)
{
    free(state->senders);
    free(state->current);
    free(state->pair);
}

static bool sim__metrics_layer_state_init(const sim__metrics_t *metrics, size_t receiver,
                                          sim__metrics_layer_state_t *state)
{
    const sim__metrics_peer_state_t *peer = &metrics->peers[receiver];
    size_t n = peer->layer_count;
    state->count = 0;
    state->senders = malloc(n * sizeof *state->senders);
    state->current = malloc(n);
    state->pair = malloc(n * sizeof *state->pair);
    if (!state->senders || !state->current || !state->pair)
        return false;
    for (size_t i = 0; i < n; i++)
        state->senders[i] = peer->layers[i].sender;
    qsort(state->senders, n, sizeof *state->senders, sim__metrics_u32_cmp);
    for (size_t i = 0; i < n; i++)
        if (state->count == 0 || state->senders[state->count - 1] != state->senders[i])
            state->senders[state->count++] = state->senders[i];
    for (size_t i = 0; i < state->count; i++) {
        state->current[i] = SIM__METRICS_NO_LAYER;
        state->pair[i] =
            sim__metrics_find_pair(metrics, receiver, state->senders[i], SIM__METRICS_VIDEO);
    }
    return true;
}

/* Per bucket, the lowest and highest layer `receiver` gets at the bucket's
 * end from the senders whose video pair is active during it. */
static bool sim__metrics_layer_track(const sim__metrics_t *metrics, size_t receiver, uint8_t *lo,
                                     uint8_t *hi)
{
    const sim__metrics_peer_state_t *peer = &metrics->peers[receiver];
    sim__metrics_layer_state_t state = { .senders = NULL };
    if (!sim__metrics_layer_state_init(metrics, receiver, &state)) {
        sim__metrics_layer_state_free(&state);
        return false;
    }
    size_t next = 0;
    for (size_t k = 0; k < metrics->bucket_count; k++) {
        uint64_t start = (uint64_t)k * metrics->config.bucket_us;
        uint64_t end = sim__metrics_bucket_end(metrics, k);
        bool last = end == metrics->config.duration_us;
        while (next < peer->layer_count &&
               (peer->layers[next].at_us < end || (last && peer->layers[next].at_us <= end))) {
            const uint32_t *at = bsearch(&peer->layers[next].sender, state.senders, state.count,
                                         sizeof *state.senders, sim__metrics_u32_cmp);
            state.current[at - state.senders] = peer->layers[next].layer;
            next++;
        }
        lo[k] = SIM__METRICS_NO_LAYER;
        hi[k] = SIM__METRICS_NO_LAYER;
        for (size_t s = 0; s < state.count; s++) {
            uint8_t layer = state.current[s];
            if (layer == SIM__METRICS_NO_LAYER || state.pair[s] == SIM__METRICS_NONE)
                continue;
            const sim__metrics_pair_state_t *pair = &metrics->pair_states[state.pair[s]];
            if (!sim__metrics_overlaps(metrics, pair->active, pair->active_count, start, end))
                continue;
            if (lo[k] == SIM__METRICS_NO_LAYER || layer < lo[k])
                lo[k] = layer;
            if (hi[k] == SIM__METRICS_NO_LAYER || layer > hi[k])
                hi[k] = layer;
        }
    }
    sim__metrics_layer_state_free(&state);
    return true;
}

/* A CSV field, quoted when it holds a comma, a quote or a line break. */
static void sim__metrics_csv_text(FILE *out, const char *text)
{
    if (!strpbrk(text, ",\"\r\n")) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            fputc('"', out);
        fputc(*c, out);
    }
    fputc('"', out);
}

static void sim__metrics_csv_layer(FILE *out, const uint8_t *layers, size_t bucket)
{
    fputc(',', out);
    if (layers && layers[bucket] != SIM__METRICS_NO_LAYER)
        fprintf(out, "%u", (unsigned)layers[bucket]);
}

static void sim__metrics_csv_row(FILE *out, const sim__metrics_t *metrics, size_t bucket,
                                 size_t peer_index, sim__metrics_dir_t dir, const uint8_t *lo,
                                 const uint8_t *hi)
{
    static const sim__metrics_bucket_t empty = { .packets = 0 };
    const sim__metrics_peer_state_t *peer = &metrics->peers[peer_index];
    const sim__metrics_bucket_t *b = peer->buckets[dir] ? &peer->buckets[dir][bucket] : &empty;
    uint64_t start = (uint64_t)bucket * metrics->config.bucket_us;
    double length_us = (double)(sim__metrics_bucket_end(metrics, bucket) - start);
    uint32_t delivered = b->delivered;

    fprintf(out, "%" PRIu64 ".%03" PRIu64 ",", start / 1000000u, start % 1000000u / 1000u);
    sim__metrics_csv_text(out, peer->name ? peer->name : "");
    fprintf(out, ",%s,%" PRIu32 ",%" PRIu32 ",", dir == SIM__METRICS_UP ? "up" : "down", b->packets,
            b->lost);
    if (b->packets > 0)
        fprintf(out, "%.4f", (double)b->lost / (double)b->packets);
    fprintf(out, ",%.3f,%.3f,", (double)b->delivered_bytes * 8000.0 / length_us,
            (double)b->bytes * 8000.0 / length_us);
    if (delivered > 0)
        fprintf(out, "%.3f", (double)b->delay_sum_us / (double)delivered / 1000.0);
    sim__metrics_csv_layer(out, dir == SIM__METRICS_DOWN ? lo : NULL, bucket);
    sim__metrics_csv_layer(out, dir == SIM__METRICS_DOWN ? hi : NULL, bucket);
    fputc(',', out);
    if (metrics->has_rtx)
        fprintf(out, "%" PRIu64, b->rtx_packets);
    fputc(',', out);
    if (metrics->has_queue_delay && delivered > 0)
        fprintf(out, "%.3f", (double)b->queue_delay_sum_us / (double)delivered / 1000.0);
    fputc('\n', out);
}

static bool sim__metrics_has_packets(const sim__metrics_peer_state_t *peer, size_t bucket)
{
    for (int dir = 0; dir < 2; dir++) {
        const sim__metrics_bucket_t *b = peer->buckets[dir] ? &peer->buckets[dir][bucket] : NULL;
        if (b != NULL && (b->packets > 0 || b->delivered > 0))
            return true;
    }
    return false;
}

sim__metrics_err_t sim__metrics_link_extra(sim__metrics_t *metrics,
                                           const sim__metrics_link_extra_t *extra)
{
    if (!metrics || !extra || extra->peer >= metrics->peer_count ||
        (extra->dir != SIM__METRICS_UP && extra->dir != SIM__METRICS_DOWN))
        return SIM__METRICS_ERR_INVALID_ARG;
    if (metrics->finished)
        return SIM__METRICS_ERR_STATE;
    if (extra->at_us > metrics->config.duration_us)
        return SIM__METRICS_ERR_RANGE;
    metrics->has_rtx |= extra->has_rtx;
    metrics->has_queue_delay |= extra->has_queue_delay;
    if (extra->rtx_packets == 0 && extra->queue_delay_sum_us == 0)
        return SIM__METRICS_OK;
    /* The same buckets as sim__metrics_link_counts(), which frees them. */
    sim__metrics_bucket_t **buckets = &metrics->peers[extra->peer].buckets[extra->dir];
    if (!*buckets) {
        *buckets = calloc(metrics->bucket_count, sizeof **buckets);
        if (!*buckets)
            return SIM__METRICS_ERR_NO_MEMORY;
    }
    size_t index = (size_t)(extra->at_us / metrics->config.bucket_us);
    if (index >= metrics->bucket_count)
        index = metrics->bucket_count - 1;
    (*buckets)[index].rtx_packets += extra->rtx_packets;
    (*buckets)[index].queue_delay_sum_us += extra->queue_delay_sum_us;
    return SIM__METRICS_OK;
}

sim__metrics_err_t sim__metrics_write_timeseries(const sim__metrics_t *metrics, FILE *out)
{
    if (!metrics || !out)
        return SIM__METRICS_ERR_INVALID_ARG;
    if (!metrics->finished)
        return SIM__METRICS_ERR_STATE;
    sim__metrics_err_t err = SIM__METRICS_OK;
    size_t buckets = metrics->bucket_count;
    /* Per peer with layer samples: lowest then highest layer per bucket. */
    uint8_t **layers = calloc(metrics->peer_count, sizeof *layers);
    if (!layers)
        return SIM__METRICS_ERR_NO_MEMORY;
    for (size_t i = 0; i < metrics->peer_count; i++) {
        if (metrics->peers[i].layer_count == 0)
            continue;
        layers[i] = malloc(2 * buckets);
        if (!layers[i] || !sim__metrics_layer_track(metrics, i, layers[i], layers[i] + buckets)) {
            err = SIM__METRICS_ERR_NO_MEMORY;
            goto done;
        }
    }
    fputs("t_s,peer,dir,packets,lost,loss_ratio,kbps,sent_kbps,mean_delay_ms,layer_min,"
          "layer_max,rtx_packets,mean_queue_delay_ms\n",
          out);
    for (size_t k = 0; k < buckets; k++) {
        uint64_t start = (uint64_t)k * metrics->config.bucket_us;
        uint64_t end = sim__metrics_bucket_end(metrics, k);
        for (size_t i = 0; i < metrics->peer_count; i++) {
            const sim__metrics_peer_state_t *peer = &metrics->peers[i];
            if (!sim__metrics_overlaps(metrics, peer->spans, peer->span_count, start, end) &&
                !sim__metrics_has_packets(peer, k))
                continue;
            const uint8_t *lo = layers[i];
            const uint8_t *hi = layers[i] ? layers[i] + buckets : NULL;
            sim__metrics_csv_row(out, metrics, k, i, SIM__METRICS_UP, lo, hi);
            sim__metrics_csv_row(out, metrics, k, i, SIM__METRICS_DOWN, lo, hi);
        }
    }
done:
    for (size_t i = 0; i < metrics->peer_count; i++)
        free(layers[i]);
    free(layers);
    return err;
}
