/* sim/metrics.c: the metrics' inputs and queries. The runner describes the
 * peers, their presence and subscriptions, and feeds sent frames, received
 * frame records, link packets and layer changes; they are validated and
 * stored as they come. Nothing is judged here: sim__metrics_finish() hands
 * the stored inputs to metrics_figures.c, and the queries read what it
 * computed. The definitions (grids, windows, percentiles, the W3C freeze
 * rule and the budget aggregation) are in sim/metrics.h. */
#include "sim/metrics_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors and small helpers --------------------------------------------- */

static const char *const sim__metrics_messages[] = {
#define SIM__METRICS_MESSAGE(name, msg) msg,
    SIM__METRICS_ERROR_LIST(SIM__METRICS_MESSAGE)
#undef SIM__METRICS_MESSAGE
};

const char *sim__metrics_strerror(sim__metrics_err_t err)
{
    if ((unsigned)err >= (unsigned)SIM__METRICS_ERR__COUNT)
        return "unknown metrics error";
    return sim__metrics_messages[err];
}

bool sim__metrics_grow(void **items, size_t *cap, size_t need, size_t item_size)
{
    if (need <= *cap)
        return true;
    size_t new_cap = *cap ? *cap : 8;
    while (new_cap < need) {
        if (new_cap > SIZE_MAX / 2 / item_size)
            return false;
        new_cap *= 2;
    }
    void *grown = realloc(*items, new_cap * item_size);
    if (!grown)
        return false;
    *items = grown;
    *cap = new_cap;
    return true;
}

/* 2^63 us is about 292000 years: any grid time beyond it saturates. */
#define SIM__METRICS_GRID_LIMIT 9.2e18

uint64_t sim__metrics_video_capture_us(double fps, uint64_t n)
{
    double at = (double)n * 1e6 / fps;
    if (!(at < SIM__METRICS_GRID_LIMIT))
        return UINT64_MAX;
    return (uint64_t)llround(at);
}

uint64_t sim__metrics_grid_us(const sim__metrics_t *metrics, sim__metrics_kind_t kind,
                              uint64_t frame)
{
    if (kind == SIM__METRICS_VIDEO)
        return sim__metrics_video_capture_us(metrics->config.video_fps, frame);
    uint64_t ptime = metrics->config.audio_ptime_us;
    if (frame > UINT64_MAX / ptime)
        return UINT64_MAX;
    return frame * ptime;
}

uint64_t sim__metrics_span_end(const sim__metrics_t *metrics, const sim__metrics_span_t *span)
{
    return span->end_us == SIM__METRICS_OPEN_END ? metrics->config.duration_us : span->end_us;
}

double sim__metrics_percentile(const int64_t *sorted, size_t count, unsigned p)
{
    if (count == 0)
        return 0.0;
    if (p > 100)
        p = 100;
    /* rank h = (count - 1) * p / 100, split into whole and hundredths */
    uint64_t scaled = (uint64_t)(count - 1) * p;
    size_t lo = (size_t)(scaled / 100);
    unsigned hundredths = (unsigned)(scaled % 100);
    if (hundredths == 0 || lo + 1 >= count)
        return (double)sorted[lo];
    double below = (double)sorted[lo];
    double above = (double)sorted[lo + 1];
    return below + (above - below) * ((double)hundredths / 100.0);
}

/* ---- configuration and lifetime -------------------------------------------- */

sim__metrics_config_t sim__metrics_config_default(void)
{
    return (sim__metrics_config_t){
        .duration_us = 0,
        .warmup_us = 2000000,
        .video_fps = 30.0,
        .audio_ptime_us = 20000,
        .tail_us = 500000,
        .bucket_us = 100000,
    };
}

sim__metrics_config_t sim__metrics_config_from_scenario(const sim_scenario_t *scenario)
{
    sim__metrics_config_t config = sim__metrics_config_default();
    if (!scenario)
        return config;
    config.duration_us = sim_scenario_us(scenario->duration_s);
    config.warmup_us = sim_scenario_us(scenario->warmup_s);
    config.video_fps = scenario->media.video ? scenario->media.video->fps : 0.0;
    config.audio_ptime_us =
        scenario->media.audio ? (uint64_t)scenario->media.audio->ptime_ms * 1000u : 0;
    return config;
}

static bool sim__metrics_config_ok(const sim__metrics_config_t *config)
{
    if (config->duration_us == 0 || config->warmup_us >= config->duration_us)
        return false;
    if (!(config->video_fps >= 0.0 && config->video_fps <= 240.0))
        return false;
    /* Bounded durations keep every product of the freeze rule in range. */
    return config->bucket_us > 0 && config->duration_us <= SIM__METRICS_DURATION_MAX;
}

sim__metrics_t *sim__metrics_new(const sim__metrics_config_t *config, size_t peer_count)
{
    if (!config || !sim__metrics_config_ok(config) || peer_count == 0 || peer_count > UINT32_MAX)
        return NULL;
    sim__metrics_t *metrics = calloc(1, sizeof *metrics);
    if (!metrics)
        return NULL;
    metrics->config = *config;
    metrics->peer_count = peer_count;
    metrics->bucket_count =
        (size_t)((config->duration_us + config->bucket_us - 1) / config->bucket_us);
    metrics->peers = calloc(peer_count, sizeof *metrics->peers);
    if (!metrics->peers) {
        free(metrics);
        return NULL;
    }
    return metrics;
}

void sim__metrics_free(sim__metrics_t *metrics)
{
    if (!metrics)
        return;
    sim__metrics_release_results(metrics);
    for (size_t i = 0; metrics->peers && i < metrics->peer_count; i++) {
        sim__metrics_peer_state_t *peer = &metrics->peers[i];
        free(peer->name);
        free(peer->spans);
        free(peer->departures);
        free(peer->pairs);
        free(peer->layers);
        free(peer->buckets[0]);
        free(peer->buckets[1]);
    }
    free(metrics->peers);
    for (size_t i = 0; i < metrics->pair_state_count; i++)
        free(metrics->pair_states[i].records);
    free(metrics->pair_states);
    free(metrics);
}

/* ---- peers, presence and subscriptions -------------------------------------- */

static bool sim__metrics_kind_ok(const sim__metrics_t *metrics, sim__metrics_kind_t kind)
{
    if (kind == SIM__METRICS_VIDEO)
        return metrics->config.video_fps > 0.0;
    if (kind == SIM__METRICS_AUDIO)
        return metrics->config.audio_ptime_us > 0;
    return false;
}

sim__metrics_err_t sim__metrics_set_peer(sim__metrics_t *metrics, size_t index,
                                         const sim__metrics_peer_t *peer)
{
    if (!metrics || !peer || index >= metrics->peer_count)
        return SIM__METRICS_ERR_INVALID_ARG;
    if (metrics->finished)
        return SIM__METRICS_ERR_STATE;
    if ((peer->publishes_video && !sim__metrics_kind_ok(metrics, SIM__METRICS_VIDEO)) ||
        (peer->publishes_audio && !sim__metrics_kind_ok(metrics, SIM__METRICS_AUDIO)))
        return SIM__METRICS_ERR_INVALID_ARG;
    const char *name = peer->name ? peer->name : "";
    size_t len = strlen(name);
    char *copy = malloc(len + 1);
    if (!copy)
        return SIM__METRICS_ERR_NO_MEMORY;
    memcpy(copy, name, len + 1);
    sim__metrics_peer_state_t *state = &metrics->peers[index];
    free(state->name);
    state->name = copy;
    state->eavesdropper = peer->eavesdropper;
    state->publishes_video = peer->publishes_video;
    state->publishes_audio = peer->publishes_audio;
    return SIM__METRICS_OK;
}

/* The common checks of an input naming one peer at one time. */
static sim__metrics_err_t sim__metrics_check_input(const sim__metrics_t *metrics, size_t peer,
                                                   uint64_t at_us)
{
    if (!metrics || peer >= metrics->peer_count)
        return SIM__METRICS_ERR_INVALID_ARG;
    if (metrics->finished)
        return SIM__METRICS_ERR_STATE;
    if (at_us > metrics->config.duration_us)
        return SIM__METRICS_ERR_RANGE;
    return SIM__METRICS_OK;
}

static bool sim__metrics_present(const sim__metrics_peer_state_t *peer)
{
    return peer->span_count > 0 &&
           peer->spans[peer->span_count - 1].end_us == SIM__METRICS_OPEN_END;
}

sim__metrics_err_t sim__metrics_join(sim__metrics_t *metrics, size_t peer, uint64_t at_us)
{
    sim__metrics_err_t err = sim__metrics_check_input(metrics, peer, at_us);
    if (err != SIM__METRICS_OK)
        return err;
    sim__metrics_peer_state_t *state = &metrics->peers[peer];
    if (sim__metrics_present(state) ||
        (state->span_count > 0 && at_us < state->spans[state->span_count - 1].end_us))
        return SIM__METRICS_ERR_ORDER;
    if (!sim__metrics_grow((void **)&state->spans, &state->span_cap, state->span_count + 1,
                           sizeof *state->spans))
        return SIM__METRICS_ERR_NO_MEMORY;
    state->spans[state->span_count++] =
        (sim__metrics_span_t){ .start_us = at_us, .end_us = SIM__METRICS_OPEN_END };
    return SIM__METRICS_OK;
}

sim__metrics_err_t sim__metrics_leave(sim__metrics_t *metrics, size_t peer, uint64_t at_us)
{
    sim__metrics_err_t err = sim__metrics_check_input(metrics, peer, at_us);
    if (err != SIM__METRICS_OK)
        return err;
    sim__metrics_peer_state_t *state = &metrics->peers[peer];
    if (!sim__metrics_present(state) || at_us < state->spans[state->span_count - 1].start_us)
        return SIM__METRICS_ERR_ORDER;
    state->spans[state->span_count - 1].end_us = at_us;
    return SIM__METRICS_OK;
}

sim__metrics_err_t sim__metrics_departure(sim__metrics_t *metrics, size_t receiver,
                                          uint64_t leave_us, uint64_t first_forbidden_epoch)
{
    sim__metrics_err_t err = sim__metrics_check_input(metrics, receiver, leave_us);
    if (err != SIM__METRICS_OK)
        return err;
    sim__metrics_peer_state_t *state = &metrics->peers[receiver];
    if (!sim__metrics_grow((void **)&state->departures, &state->departure_cap,
                           state->departure_count + 1, sizeof *state->departures))
        return SIM__METRICS_ERR_NO_MEMORY;
    state->departures[state->departure_count++] = (sim__metrics_departure_entry_t){
        .leave_us = leave_us,
        .first_epoch = first_forbidden_epoch,
    };
    return SIM__METRICS_OK;
}

/* Position in receiver's sorted pair list where (sender, kind) is or would
 * go; *found tells which. */
static size_t sim__metrics_pair_slot(const sim__metrics_t *metrics,
                                     const sim__metrics_peer_state_t *receiver, size_t sender,
                                     sim__metrics_kind_t kind, bool *found)
{
    size_t lo = 0, hi = receiver->pair_count;
    uint64_t key = (uint64_t)sender * 2u + (uint64_t)kind;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const sim__metrics_pair_state_t *pair = &metrics->pair_states[receiver->pairs[mid]];
        uint64_t mid_key = (uint64_t)pair->sender * 2u + (uint64_t)pair->kind;
        if (mid_key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    if (lo < receiver->pair_count) {
        const sim__metrics_pair_state_t *pair = &metrics->pair_states[receiver->pairs[lo]];
        *found = pair->sender == sender && pair->kind == kind;
    }
    return lo;
}

size_t sim__metrics_find_pair(const sim__metrics_t *metrics, size_t receiver, size_t sender,
                              sim__metrics_kind_t kind)
{
    if (receiver >= metrics->peer_count)
        return SIM__METRICS_NONE;
    const sim__metrics_peer_state_t *state = &metrics->peers[receiver];
    bool found;
    size_t slot = sim__metrics_pair_slot(metrics, state, sender, kind, &found);
    return found ? state->pairs[slot] : SIM__METRICS_NONE;
}

/* The pair state of (receiver, sender, kind), created when missing;
 * SIM__METRICS_NONE when memory runs out. */
static size_t sim__metrics_pair_get(sim__metrics_t *metrics, size_t receiver, size_t sender,
                                    sim__metrics_kind_t kind)
{
    sim__metrics_peer_state_t *state = &metrics->peers[receiver];
    bool found;
    size_t slot = sim__metrics_pair_slot(metrics, state, sender, kind, &found);
    if (found)
        return state->pairs[slot];
    if (!sim__metrics_grow((void **)&metrics->pair_states, &metrics->pair_state_cap,
                           metrics->pair_state_count + 1, sizeof *metrics->pair_states) ||
        !sim__metrics_grow((void **)&state->pairs, &state->pair_cap, state->pair_count + 1,
                           sizeof *state->pairs))
        return SIM__METRICS_NONE;
    size_t index = metrics->pair_state_count++;
    metrics->pair_states[index] = (sim__metrics_pair_state_t){
        .receiver = (uint32_t)receiver,
        .sender = (uint32_t)sender,
        .kind = kind,
    };
    memmove(&state->pairs[slot + 1], &state->pairs[slot],
            (state->pair_count - slot) * sizeof *state->pairs);
    state->pairs[slot] = index;
    state->pair_count++;
    return index;
}

sim__metrics_err_t sim__metrics_subscribe(sim__metrics_t *metrics, size_t receiver, size_t sender)
{
    sim__metrics_err_t err = sim__metrics_check_input(metrics, receiver, 0);
    if (err != SIM__METRICS_OK)
        return err;
    if (sender >= metrics->peer_count || sender == receiver)
        return SIM__METRICS_ERR_INVALID_ARG;
    const sim__metrics_peer_state_t *publisher = &metrics->peers[sender];
    /* Both pair states first, then mark them, so that a failure records
     * nothing a later call would see as subscribed. */
    size_t video = SIM__METRICS_NONE, audio = SIM__METRICS_NONE;
    if (publisher->publishes_video) {
        video = sim__metrics_pair_get(metrics, receiver, sender, SIM__METRICS_VIDEO);
        if (video == SIM__METRICS_NONE)
            return SIM__METRICS_ERR_NO_MEMORY;
    }
    if (publisher->publishes_audio) {
        audio = sim__metrics_pair_get(metrics, receiver, sender, SIM__METRICS_AUDIO);
        if (audio == SIM__METRICS_NONE)
            return SIM__METRICS_ERR_NO_MEMORY;
    }
    if (video != SIM__METRICS_NONE)
        metrics->pair_states[video].subscribed = true;
    if (audio != SIM__METRICS_NONE)
        metrics->pair_states[audio].subscribed = true;
    return SIM__METRICS_OK;
}

/* ---- frames ------------------------------------------------------------------- */

sim__metrics_err_t sim__metrics_frame_sent(sim__metrics_t *metrics,
                                           const sim__metrics_sent_frame_t *frame)
{
    if (!frame)
        return SIM__METRICS_ERR_INVALID_ARG;
    sim__metrics_err_t err = sim__metrics_check_input(metrics, frame->sender, 0);
    if (err != SIM__METRICS_OK)
        return err;
    if (!sim__metrics_kind_ok(metrics, frame->kind) || frame->layer >= SIM__METRICS_NO_LAYER)
        return SIM__METRICS_ERR_INVALID_ARG;
    sim__metrics_peer_state_t *state = &metrics->peers[frame->sender];
    sim__metrics_sent_t *sent = &state->sent;
    if (frame->kind == SIM__METRICS_VIDEO) {
        sent->video_layer_frames++;
        if (!state->has_last_video || state->last_video_frame != frame->frame)
            sent->video_frames++;
        state->has_last_video = true;
        state->last_video_frame = frame->frame;
        if (frame->keyframe)
            sent->keyframes++;
    } else {
        if (!state->has_last_audio || state->last_audio_frame != frame->frame)
            sent->audio_frames++;
        state->has_last_audio = true;
        state->last_audio_frame = frame->frame;
    }
    sent->bytes += frame->bytes;
    return SIM__METRICS_OK;
}

sim__metrics_err_t sim__metrics_frame_received(sim__metrics_t *metrics,
                                               const sim__metrics_frame_record_t *record)
{
    if (!record)
        return SIM__METRICS_ERR_INVALID_ARG;
    sim__metrics_err_t err = sim__metrics_check_input(metrics, record->receiver, record->render_us);
    if (err != SIM__METRICS_OK)
        return err;
    if (record->sender >= metrics->peer_count || record->sender == record->receiver ||
        !sim__metrics_kind_ok(metrics, record->kind) || record->layer >= SIM__METRICS_NO_LAYER)
        return SIM__METRICS_ERR_INVALID_ARG;
    size_t index = sim__metrics_pair_get(metrics, record->receiver, record->sender, record->kind);
    if (index == SIM__METRICS_NONE)
        return SIM__METRICS_ERR_NO_MEMORY;
    sim__metrics_pair_state_t *pair = &metrics->pair_states[index];
    if (!sim__metrics_grow((void **)&pair->records, &pair->record_cap, pair->record_count + 1,
                           sizeof *pair->records))
        return SIM__METRICS_ERR_NO_MEMORY;
    uint8_t flags = (uint8_t)((record->decrypted ? SIM__METRICS_REC_DECRYPTED : 0u) |
                              (record->decoded ? SIM__METRICS_REC_DECODED : 0u) |
                              (record->verified ? SIM__METRICS_REC_VERIFIED : 0u) |
                              (record->keyframe ? SIM__METRICS_REC_KEYFRAME : 0u) |
                              (record->waited_for_key ? SIM__METRICS_REC_WAITED : 0u));
    pair->records[pair->record_count++] = (sim__metrics_record_t){
        .frame = record->frame,
        .render_us = record->render_us,
        .epoch = record->epoch,
        .psnr_db = record->psnr_db,
        .layer = (uint8_t)record->layer,
        .flags = flags,
    };
    if (record->capture_us != sim__metrics_grid_us(metrics, record->kind, record->frame))
        metrics->capture_mismatch++;
    return SIM__METRICS_OK;
}

/* ---- time-series samples --------------------------------------------------------- */

sim__metrics_err_t sim__metrics_link_counts(sim__metrics_t *metrics,
                                            const sim__metrics_link_counts_t *counts)
{
    if (!counts)
        return SIM__METRICS_ERR_INVALID_ARG;
    sim__metrics_err_t err = sim__metrics_check_input(metrics, counts->peer, counts->at_us);
    if (err != SIM__METRICS_OK)
        return err;
    if ((counts->dir != SIM__METRICS_UP && counts->dir != SIM__METRICS_DOWN) ||
        counts->lost > counts->packets || counts->packets > UINT32_MAX ||
        counts->delivered > UINT32_MAX)
        return SIM__METRICS_ERR_INVALID_ARG;
    sim__metrics_peer_state_t *state = &metrics->peers[counts->peer];
    sim__metrics_bucket_t **buckets = &state->buckets[counts->dir];
    if (!*buckets) {
        *buckets = calloc(metrics->bucket_count, sizeof **buckets);
        if (!*buckets)
            return SIM__METRICS_ERR_NO_MEMORY;
    }
    /* The instant duration_us itself belongs to the last bucket. */
    size_t index = (size_t)(counts->at_us / metrics->config.bucket_us);
    if (index >= metrics->bucket_count)
        index = metrics->bucket_count - 1;
    sim__metrics_bucket_t *bucket = &(*buckets)[index];
    if ((uint64_t)bucket->packets + counts->packets > UINT32_MAX ||
        (uint64_t)bucket->delivered + counts->delivered > UINT32_MAX)
        return SIM__METRICS_ERR_INVALID_ARG;
    bucket->packets += (uint32_t)counts->packets;
    bucket->lost += (uint32_t)counts->lost;
    bucket->delivered += (uint32_t)counts->delivered;
    bucket->bytes += counts->bytes;
    bucket->delivered_bytes += counts->delivered_bytes;
    bucket->delay_sum_us += counts->delay_sum_us;
    return SIM__METRICS_OK;
}

sim__metrics_err_t sim__metrics_link_packet(sim__metrics_t *metrics,
                                            const sim__metrics_packet_t *packet)
{
    if (!packet)
        return SIM__METRICS_ERR_INVALID_ARG;
    sim__metrics_link_counts_t counts = {
        .peer = packet->peer,
        .dir = packet->dir,
        .at_us = packet->at_us,
        .packets = 1,
        .lost = packet->delivered ? 0 : 1,
        .delivered = packet->delivered ? 1 : 0,
        .bytes = packet->bytes,
        .delivered_bytes = packet->delivered ? packet->bytes : 0,
        .delay_sum_us = packet->delivered ? packet->delay_us : 0,
    };
    return sim__metrics_link_counts(metrics, &counts);
}

sim__metrics_err_t sim__metrics_layer(sim__metrics_t *metrics, size_t receiver, size_t sender,
                                      uint64_t at_us, unsigned layer)
{
    sim__metrics_err_t err = sim__metrics_check_input(metrics, receiver, at_us);
    if (err != SIM__METRICS_OK)
        return err;
    if (sender >= metrics->peer_count || sender == receiver || layer > SIM__METRICS_NO_LAYER)
        return SIM__METRICS_ERR_INVALID_ARG;
    sim__metrics_peer_state_t *state = &metrics->peers[receiver];
    if (state->layer_count > 0 && at_us < state->layers[state->layer_count - 1].at_us)
        return SIM__METRICS_ERR_ORDER;
    if (!sim__metrics_grow((void **)&state->layers, &state->layer_cap, state->layer_count + 1,
                           sizeof *state->layers))
        return SIM__METRICS_ERR_NO_MEMORY;
    state->layers[state->layer_count++] = (sim__metrics_layer_sample_t){
        .at_us = at_us,
        .sender = (uint32_t)sender,
        .layer = (uint8_t)layer,
    };
    return SIM__METRICS_OK;
}

/* ---- finish and results ------------------------------------------------------------ */

sim__metrics_err_t sim__metrics_finish(sim__metrics_t *metrics)
{
    if (!metrics)
        return SIM__METRICS_ERR_INVALID_ARG;
    if (metrics->finished)
        return SIM__METRICS_ERR_STATE;
    if (!sim__metrics_compute(metrics))
        return SIM__METRICS_ERR_NO_MEMORY;
    metrics->finished = true;
    return SIM__METRICS_OK;
}

size_t sim__metrics_pair_count(const sim__metrics_t *metrics)
{
    return metrics && metrics->finished ? metrics->listed_count : 0;
}

const sim__metrics_pair_t *sim__metrics_pair(const sim__metrics_t *metrics, size_t i)
{
    if (!metrics || !metrics->finished || i >= metrics->listed_count)
        return NULL;
    return &metrics->listed[i];
}

const sim__metrics_sent_t *sim__metrics_sent(const sim__metrics_t *metrics, size_t peer)
{
    if (!metrics || !metrics->finished || peer >= metrics->peer_count)
        return NULL;
    return &metrics->peers[peer].sent;
}

const char *sim__metrics_peer_name(const sim__metrics_t *metrics, size_t peer)
{
    if (!metrics || peer >= metrics->peer_count)
        return NULL;
    const char *name = metrics->peers[peer].name;
    return name ? name : "";
}

const sim__metrics_keys_t *sim__metrics_keys(const sim__metrics_t *metrics)
{
    return metrics && metrics->finished ? &metrics->keys : NULL;
}

const sim__metrics_diag_t *sim__metrics_diag(const sim__metrics_t *metrics)
{
    return metrics && metrics->finished ? &metrics->diag : NULL;
}

/* ---- budgets ---------------------------------------------------------------------- */

static const struct {
    const char *name;
    bool upper;
} sim__metrics_budget_table[SIM__METRICS_BUDGET__COUNT] = {
#define SIM__METRICS_BUDGET_ROW(id, key, is_upper) [id] = { .name = key, .upper = is_upper },
    SIM__METRICS_BUDGET_LIST(SIM__METRICS_BUDGET_ROW)
#undef SIM__METRICS_BUDGET_ROW
};

const char *sim__metrics_budget_name(sim__metrics_budget_t budget)
{
    if ((unsigned)budget >= (unsigned)SIM__METRICS_BUDGET__COUNT)
        return NULL;
    return sim__metrics_budget_table[budget].name;
}

bool sim__metrics_budget_is_upper(sim__metrics_budget_t budget)
{
    if ((unsigned)budget >= (unsigned)SIM__METRICS_BUDGET__COUNT)
        return false;
    return sim__metrics_budget_table[budget].upper;
}

sim__metrics_budget_value_t sim__metrics_budget_value(const sim__metrics_t *metrics,
                                                      sim__metrics_budget_t budget)
{
    if (!metrics || !metrics->finished || (unsigned)budget >= (unsigned)SIM__METRICS_BUDGET__COUNT)
        return (sim__metrics_budget_value_t){ 0 };
    return metrics->budgets[budget];
}

bool sim__metrics_budget_passes(sim__metrics_budget_t budget,
                                const sim__metrics_budget_value_t *value, double limit)
{
    if ((unsigned)budget >= (unsigned)SIM__METRICS_BUDGET__COUNT || !value || !value->has_value ||
        value->pairs_missing > 0)
        return false;
    return sim__metrics_budget_is_upper(budget) ? value->value <= limit : value->value >= limit;
}
