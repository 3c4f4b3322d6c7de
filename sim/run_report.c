/* sim/run_report.c: what the runner measures and the report it builds:
 * the confidentiality oracle on the SFU's observer hook, the metrics fed
 * from the peers' frame callbacks and the links' counters, and report.json
 * (docs/report-format.md, kind "run"). */
#include "sim/metrics.h"
#include "sim/oracle.h"
#include "sim/run_internal.h"
#include "sim/sfu_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct run_link_mark {
    sim_link_counters_t up, down;
    uint64_t rtx_up, rtx_down;
} run_link_mark_t;

struct run_report_state {
    sim__metrics_t *metrics;
    sim__oracle_t *oracle;
    run_link_mark_t *marks; /* link counters at the previous tick, per peer */
    unsigned *last_layer;   /* per pair (receiver-major): the layer of the newest frame */
    uint64_t oracle_errors; /* frames the oracle refused to register */
    uint64_t metrics_errors;
    uint64_t video_bytes_sent; /* for the summary */
};

static sim__metrics_kind_t run_mkind(peer_kind_t kind)
{
    return kind == PEER_KIND_VIDEO ? SIM__METRICS_VIDEO : SIM__METRICS_AUDIO;
}

bool run__report_init(run_t *run)
{
    struct run_report_state *st = calloc(1, sizeof(*st));
    run->report = st;
    if (st == NULL) {
        run__fail(run, "out of memory");
        return false;
    }
    const sim_scenario_t *sc = run->scenario;
    sim__metrics_config_t mc = sim__metrics_config_from_scenario(sc);
    st->metrics = sim__metrics_new(&mc, run->peer_count);
    st->marks = calloc(run->peer_count, sizeof(*st->marks));
    st->last_layer = malloc(run->peer_count * run->peer_count * sizeof(*st->last_layer));
    if (st->metrics == NULL || st->marks == NULL || st->last_layer == NULL) {
        run__fail(run, "out of memory");
        return false;
    }
    for (size_t i = 0; i < run->peer_count * run->peer_count; i++)
        st->last_layer[i] = SIM__METRICS_NO_LAYER;
    for (size_t i = 0; i < run->peer_count; i++) {
        const sim_scenario_peer_t *sp = &sc->peers[i];
        sim__metrics_peer_t mp = {
            .name = sp->name,
            .eavesdropper = sp->role == SIM_PEER_EAVESDROPPER,
            .publishes_video = sp->publish_video,
            .publishes_audio = sp->publish_audio,
        };
        (void)sim__metrics_set_peer(st->metrics, i, &mp);
    }
    for (size_t r = 0; r < run->peer_count; r++)
        for (size_t s = 0; s < run->peer_count; s++) {
            run_peer_t *R = &run->peers[r], *S = &run->peers[s];
            bool wants = r != s && (sc->peers[r].subscribe_all);
            for (size_t k = 0; !wants && k < sc->peers[r].subscribe_count; k++)
                wants = sc->peers[r].subscribe[k] == s;
            (void)R;
            (void)S;
            if (wants)
                (void)sim__metrics_subscribe(st->metrics, r, s);
        }

    sim__oracle_config_t oc = sim__oracle_config_default();
    oc.scheme = sc->e2ee.scheme;
    size_t tracks = 2 * run->peer_count + 2;
    if (oc.max_tracks < tracks)
        oc.max_tracks = tracks;
    sim__oracle_err_t oerr = sim__oracle_new(&oc, &st->oracle);
    if (oerr != SIM__ORACLE_OK) {
        run__fail(run, "the confidentiality oracle could not start: %s",
                  sim__oracle_strerror(oerr));
        return false;
    }
    return true;
}

void run__report_free(run_t *run)
{
    struct run_report_state *st = run->report;
    if (st == NULL)
        return;
    sim__metrics_free(st->metrics);
    sim__oracle_free(st->oracle);
    free(st->marks);
    free(st->last_layer);
    free(st);
    run->report = NULL;
}

/* --- Per frame and packet ---------------------------------------------------- */

void run__on_sent(void *ctx, uint64_t now_us, const peer_sent_frame_t *f)
{
    run_peer_t *p = ctx;
    run_t *run = p->run;
    struct run_report_state *st = run->report;
    bool video = f->kind == PEER_KIND_VIDEO;
    sim__oracle_frame_t of = {
        .participant_id = p->id,
        .track_id = video ? RUN_TRACK_VIDEO : RUN_TRACK_AUDIO,
        .layer = f->layer,
        .ssrc = f->ssrc,
        .rtp_timestamp = f->rtp_timestamp,
        .plaintext = f->plaintext,
        .plaintext_len = f->plaintext_len,
        .protected_frame = f->protected_frame,
        .protected_len = f->protected_len,
        .clear_head = f->clear_head,
        .clear_tail = f->clear_tail,
        .plain_offset = run->scheme == PEER_SCHEME_SFRAME ? f->clear_head : 0,
    };
    if (sim__oracle_frame_sent(st->oracle, now_us, &of) != SIM__ORACLE_OK)
        st->oracle_errors++;
    sim__metrics_sent_frame_t mf = {
        .sender = p->index,
        .kind = run_mkind(f->kind),
        .layer = f->layer,
        .frame = f->frame,
        .capture_us = f->capture_us,
        .bytes = f->protected_len,
        .keyframe = f->keyframe,
    };
    if (sim__metrics_frame_sent(st->metrics, &mf) != SIM__METRICS_OK)
        st->metrics_errors++;
}

/* The frame's capture time on its grid: what the metrics use too (the
 * record's own capture_us is 0 when its packets lacked abs-capture-time). */
static uint64_t run_grid_capture_us(const run_t *run, const peer_frame_record_t *rec)
{
    if (rec->kind == PEER_KIND_VIDEO)
        return peer_video_capture_us(run->scenario->media.video->fps, rec->frame);
    return rec->frame * (uint64_t)run->scenario->media.audio->ptime_ms * 1000u;
}

/* The metrics' view of a peer's frame record; false for records that are
 * no received frame (a concealed audio frame, an unknown sender). */
static bool run_metrics_record(const run_t *run, const run_peer_t *p,
                               const peer_frame_record_t *rec, uint64_t now_us,
                               sim__metrics_frame_record_t *mr)
{
    if (rec->lost || rec->sender_id == 0 || rec->sender_id > run->peer_count)
        return false;
    *mr = (sim__metrics_frame_record_t){
        .receiver = p->index,
        .sender = rec->sender_id - 1,
        .kind = run_mkind(rec->kind),
        .layer = rec->layer,
        .frame = rec->frame,
        .capture_us = run_grid_capture_us(run, rec),
        .render_us = rec->render_us ? rec->render_us : now_us,
        .keyframe = rec->keyframe,
        .decrypted = rec->decrypted,
        /* Receivers of a clip check each frame's checksum instead of
         * decoding it: a match is the very frame the encoder made, so it
         * counts as decodable. */
        .decoded = rec->decoded || (run->clips != NULL && rec->verified),
        .verified = rec->verified,
        .psnr_db = rec->psnr_db,
        .epoch = rec->epoch,
        .waited_for_key = rec->waited_for_key,
    };
    return true;
}

void run__on_frame(void *ctx, uint64_t now_us, const peer_frame_record_t *rec)
{
    run_peer_t *p = ctx;
    run_t *run = p->run;
    struct run_report_state *st = run->report;
    /* A concealed audio frame was never received: for the metrics it is
     * missing (incomplete), and frames.csv lists received frames only. */
    sim__metrics_frame_record_t mr;
    if (!run_metrics_record(run, p, rec, now_us, &mr))
        return;
    const run_peer_t *s = &run->peers[mr.sender];
    if (sim__metrics_frame_received(st->metrics, &mr) != SIM__METRICS_OK)
        st->metrics_errors++;
    if (rec->kind == PEER_KIND_VIDEO && rec->decoded) {
        unsigned *last = &st->last_layer[p->index * run->peer_count + s->index];
        if (*last != rec->layer) {
            *last = rec->layer;
            (void)sim__metrics_layer(st->metrics, p->index, s->index, mr.render_us, rec->layer);
        }
    }
    if (run->options->on_frame != NULL) {
        sim_run_frame_row_t row = {
            .receiver = p->sp->name,
            .sender = s->sp->name,
            .kind = rec->kind == PEER_KIND_VIDEO ? "video" : "audio",
            .layer = rec->layer,
            .frame = rec->frame,
            .capture_us = mr.capture_us,
            .render_us = mr.render_us,
            .latency_ms = mr.render_us >= mr.capture_us
                              ? (double)(mr.render_us - mr.capture_us) / 1000.0
                              : NAN,
            .decrypted = rec->decrypted,
            .decoded = rec->decoded,
            .psnr_db = rec->psnr_db,
        };
        run->options->on_frame(run->options->on_frame_ctx, &row);
    }
}

void run__observe(void *ctx, uint64_t now_us, const sfu_packet_view_t *packet)
{
    run_t *run = ctx;
    sim__oracle_observe(run->report->oracle, now_us, packet);
    run__attack_observe(run, now_us, packet);
}

void run__on_attack_frame(void *ctx, uint64_t now_us, const peer_frame_record_t *rec)
{
    run_peer_t *p = ctx;
    run_t *run = p->run;
    sim__metrics_frame_record_t mr;
    if (!rec->decrypted || !run_metrics_record(run, p, rec, now_us, &mr))
        return;
    if (sim__metrics_frame_received(run->report->metrics, &mr) != SIM__METRICS_OK)
        run->report->metrics_errors++;
    run->attack_decrypted++;
}

void run__tracks_declared(run_t *run, run_peer_t *p, const peer_config_t *c)
{
    struct run_report_state *st = run->report;
    if (c->audio.enabled) {
        sim__oracle_track_t t = {
            .participant_id = p->id,
            .track_id = RUN_TRACK_AUDIO,
            .kind = SIM__ORACLE_AUDIO_OPUS,
            .n_layers = 1,
            .layers = { { .ssrc = c->audio.ssrc } },
            .media_pt = c->audio.payload_type,
        };
        if (sim__oracle_add_track(st->oracle, &t) != SIM__ORACLE_OK)
            run__fail(run, "the oracle cannot follow %s's audio track", p->sp->name);
    }
    if (c->video.enabled) {
        sim__oracle_track_t t = {
            .participant_id = p->id,
            .track_id = RUN_TRACK_VIDEO,
            .kind = SIM__ORACLE_VIDEO_VP8,
            .n_layers = c->video.n_layers,
            .media_pt = c->video.payload_type,
            .rtx_pt = c->video.rtx_payload_type,
        };
        for (unsigned l = 0; l < c->video.n_layers && l < SFU_MAX_LAYERS; l++) {
            t.layers[l].ssrc = c->video.layers[l].ssrc;
            t.layers[l].rtx_ssrc = c->video.layers[l].rtx_ssrc;
        }
        if (sim__oracle_add_track(st->oracle, &t) != SIM__ORACLE_OK)
            run__fail(run, "the oracle cannot follow %s's video track", p->sp->name);
    }
}

void run__metrics_presence(run_t *run, run_peer_t *p, uint64_t now_us, bool joined)
{
    struct run_report_state *st = run->report;
    sim__metrics_err_t err = joined ? sim__metrics_join(st->metrics, p->index, now_us)
                                    : sim__metrics_leave(st->metrics, p->index, now_us);
    if (err != SIM__METRICS_OK)
        st->metrics_errors++;
}

void run__metrics_departed(run_t *run, run_peer_t *p, uint64_t now_us)
{
    if (p->first_departed_epoch == 0)
        return;
    if (sim__metrics_departure(run->report->metrics, p->index, now_us, p->first_departed_epoch) !=
        SIM__METRICS_OK)
        run->report->metrics_errors++;
}

static void run_add_remote(peer_remote_stats_t *sum, const peer_remote_stats_t *x)
{
    sum->sender_id = x->sender_id;
    sum->kind = x->kind;
    sum->packets += x->packets;
    sum->bytes += x->bytes;
    sum->rtx_packets += x->rtx_packets;
    sum->duplicates += x->duplicates;
    sum->late += x->late;
    sum->frames_complete += x->frames_complete;
    sum->frames_dropped += x->frames_dropped;
    sum->frames_lost += x->frames_lost;
    sum->frames_decrypted += x->frames_decrypted;
    sum->frames_decrypt_failed += x->frames_decrypt_failed;
    sum->frames_waiting_for_key += x->frames_waiting_for_key;
    sum->frames_decoded += x->frames_decoded;
    sum->frames_decode_failed += x->frames_decode_failed;
    sum->frames_verified += x->frames_verified;
    sum->frames_verify_failed += x->frames_verify_failed;
    sum->nacks_sent += x->nacks_sent;
    sum->nack_packets_sent += x->nack_packets_sent;
    sum->plis_sent += x->plis_sent;
    sum->layer_switches += x->layer_switches;
    sum->layer = x->layer;
}

void run__collect_pair(run_t *run, run_peer_t *receiver, run_peer_t *sender)
{
    if (receiver->peer == NULL)
        return;
    run_pair_t *pair = run__pair(run, receiver, sender);
    peer_remote_stats_t x;
    if (peer_remote_stats(receiver->peer, sender->id, PEER_KIND_VIDEO, &x) == PEER_OK) {
        run_add_remote(&pair->video, &x);
        pair->has_video = true;
    }
    if (peer_remote_stats(receiver->peer, sender->id, PEER_KIND_AUDIO, &x) == PEER_OK) {
        run_add_remote(&pair->audio, &x);
        pair->has_audio = true;
    }
}

void run__collect_peer(run_t *run, run_peer_t *p)
{
    (void)run;
    if (p->peer == NULL)
        return;
    peer_stats_t s;
    if (peer_stats(p->peer, &s) != PEER_OK)
        return;
    peer_stats_t *t = &p->totals;
    t->video_frames += s.video_frames;
    t->audio_frames += s.audio_frames;
    t->keyframes += s.keyframes;
    t->packets_sent += s.packets_sent;
    t->bytes_sent += s.bytes_sent;
    t->rtp_packets_sent += s.rtp_packets_sent;
    t->rtx_packets_sent += s.rtx_packets_sent;
    t->rtcp_packets_sent += s.rtcp_packets_sent;
    t->nacks_received += s.nacks_received;
    t->plis_received += s.plis_received;
    t->firs_received += s.firs_received;
    t->pacer_dropped += s.pacer_dropped;
    t->twcc_feedback_received += s.twcc_feedback_received;
    t->packets_received += s.packets_received;
    t->bytes_received += s.bytes_received;
    t->srtp_failures += s.srtp_failures;
    t->malformed += s.malformed;
    t->unknown_ssrc += s.unknown_ssrc;
    t->twcc_feedback_sent += s.twcc_feedback_sent;
    t->rtt_us = s.rtt_us;
}

/* One bucket of every link's counters into the metrics. */
static void run_sample_link(run_t *run, size_t peer, sim__metrics_dir_t dir,
                            const sim_link_counters_t *now, sim_link_counters_t *mark,
                            uint64_t rtx_now, uint64_t *rtx_mark, uint64_t at_us)
{
    sim__metrics_link_counts_t c = {
        .peer = peer,
        .dir = dir,
        .at_us = at_us,
        .packets = now->sent - mark->sent,
        .lost = (now->lost_random - mark->lost_random) + (now->lost_queue - mark->lost_queue),
        .delivered = now->delivered - mark->delivered,
        .bytes = now->bytes_sent - mark->bytes_sent,
        .delivered_bytes = now->bytes_delivered - mark->bytes_delivered,
        .delay_sum_us = now->delay_sum_us - mark->delay_sum_us,
    };
    if (c.lost > c.packets)
        c.lost = c.packets; /* losses of packets sent in an earlier bucket */
    sim__metrics_link_extra_t e = {
        .peer = peer,
        .dir = dir,
        .at_us = at_us,
        .has_rtx = true,
        .has_queue_delay = true,
        .rtx_packets = rtx_now - *rtx_mark,
        .queue_delay_sum_us = now->queue_delay_sum_us - mark->queue_delay_sum_us,
    };
    if (c.packets || c.delivered)
        if (sim__metrics_link_counts(run->report->metrics, &c) != SIM__METRICS_OK ||
            sim__metrics_link_extra(run->report->metrics, &e) != SIM__METRICS_OK)
            run->report->metrics_errors++;
    *mark = *now;
    *rtx_mark = rtx_now;
}

void run__timeseries_tick(run_t *run, uint64_t now_us)
{
    struct run_report_state *st = run->report;
    if (now_us == 0)
        return;
    /* The bucket that just ended: [now - tick, now). */
    uint64_t at = now_us - 1;
    for (size_t i = 0; i < run->peer_count; i++) {
        run_peer_t *p = &run->peers[i];
        run_link_mark_t *m = &st->marks[i];
        run_sample_link(run, i, SIM__METRICS_UP, sim_link_counters(p->up), &m->up, p->rtx_up,
                        &m->rtx_up, at);
        run_sample_link(run, i, SIM__METRICS_DOWN, sim_link_counters(p->down), &m->down,
                        p->rtx_down, &m->rtx_down, at);
    }
}

/* --- The report ---------------------------------------------------------------- */

/* A figure, or null when absent. Reals are rounded to 1e-6 so that the
 * text stays short; the rounding is deterministic. */
static json_t *run_num(bool has, double value)
{
    if (!has || isnan(value) || isinf(value))
        return json_null();
    return json_real(round(value * 1e6) / 1e6);
}

static json_t *run_int(uint64_t value)
{
    return json_integer((json_int_t)(value > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : value));
}

static void run_set(json_t *object, const char *key, json_t *value)
{
    (void)json_object_set_new(object, key, value != NULL ? value : json_null());
}

static json_t *run_received(const run_t *run, const sim__metrics_pair_t *mp)
{
    const run_peer_t *r = &run->peers[mp->receiver];
    const run_peer_t *s = &run->peers[mp->sender];
    const run_pair_t *pair = &run->pairs[mp->receiver * run->peer_count + mp->sender];
    bool video = mp->kind == SIM__METRICS_VIDEO;
    const peer_remote_stats_t *rs = video ? &pair->video : &pair->audio;
    json_t *o = json_object();
    run_set(o, "from", json_string(s->sp->name));
    run_set(o, "kind", json_string(video ? "video" : "audio"));
    run_set(o, "frames_expected", run_int(mp->frames_expected));
    run_set(o, "frames_rendered", run_int(mp->frames_rendered));
    run_set(o, "frames_decrypt_failed", run_int(mp->frames_decrypt_failed));
    run_set(o, "frames_incomplete", run_int(mp->frames_incomplete));
    json_t *lat = json_object();
    run_set(lat, "p50", run_num(mp->has_latency, mp->latency_ms.p50_ms));
    run_set(lat, "p95", run_num(mp->has_latency, mp->latency_ms.p95_ms));
    run_set(lat, "p99", run_num(mp->has_latency, mp->latency_ms.p99_ms));
    run_set(lat, "max", run_num(mp->has_latency, mp->latency_ms.max_ms));
    run_set(o, "latency_ms", lat);
    run_set(o, "fps", run_num(mp->has_fps, mp->fps));
    run_set(o, "freeze_count", video ? run_int(mp->freeze_count) : json_null());
    run_set(o, "freeze_ms", run_num(video && mp->has_freeze_ratio, mp->freeze_ms));
    run_set(o, "time_to_first_frame_ms",
            run_num(mp->has_time_to_first_frame, mp->time_to_first_frame_ms));
    run_set(o, "psnr_db_mean", run_num(mp->has_psnr, mp->psnr_db_mean));
    double active_s = (double)mp->active_us / 1e6;
    run_set(o, "kbps", run_num(active_s > 0, (double)rs->bytes * 8.0 / 1000.0 / active_s));
    run_set(o, "nacks_sent", run_int(rs->nacks_sent));
    run_set(o, "plis_sent", run_int(rs->plis_sent));
    run_set(o, "layer_switches", video ? run_int(mp->layer_switches) : json_null());
    /* Additions. */
    run_set(o, "frames_received", run_int(mp->frames_received));
    run_set(o, "frames_decrypted", run_int(mp->frames_decrypted));
    run_set(o, "delivered_ratio", run_num(mp->has_delivered_ratio, mp->delivered_ratio));
    run_set(o, "decrypt_success", run_num(mp->has_decrypt_success, mp->decrypt_success));
    run_set(o, "freeze_ratio", run_num(mp->has_freeze_ratio, mp->freeze_ratio));
    run_set(o, "frames_waiting_for_key", run_int(rs->frames_waiting_for_key));
    run_set(o, "frames_decode_failed", run_int(rs->frames_decode_failed));
    run_set(o, "frames_verify_failed", run_int(rs->frames_verify_failed));
    run_set(o, "rtx_packets", run_int(rs->rtx_packets));
    run_set(o, "eavesdropper", json_boolean(!r->member));
    return o;
}

static json_t *run_peers_json(const run_t *run)
{
    const sim__metrics_t *m = run->report->metrics;
    json_t *peers = json_array();
    size_t n_pairs = sim__metrics_pair_count(m);
    size_t next_pair = 0;
    for (size_t i = 0; i < run->peer_count; i++) {
        const run_peer_t *p = &run->peers[i];
        const sim__metrics_sent_t *sent = sim__metrics_sent(m, i);
        json_t *o = json_object();
        run_set(o, "name", json_string(p->sp->name));
        json_t *so = json_object();
        run_set(so, "video_frames", run_int(sent ? sent->video_frames : 0));
        run_set(so, "audio_frames", run_int(sent ? sent->audio_frames : 0));
        run_set(so, "packets", run_int(p->totals.packets_sent));
        double present_s = (double)p->present_us / 1e6;
        run_set(so, "kbps",
                run_num(present_s > 0, (double)p->totals.bytes_sent * 8.0 / 1000.0 / present_s));
        run_set(so, "keyframes", run_int(sent ? sent->keyframes : 0));
        run_set(so, "rtx_packets", run_int(p->totals.rtx_packets_sent));
        run_set(so, "nacks_received", run_int(p->totals.nacks_received));
        run_set(so, "plis_received", run_int(p->totals.plis_received));
        run_set(o, "sent", so);
        json_t *received = json_array();
        while (next_pair < n_pairs) {
            const sim__metrics_pair_t *mp = sim__metrics_pair(m, next_pair);
            if (mp->receiver != i)
                break;
            (void)json_array_append_new(received, run_received(run, mp));
            next_pair++;
        }
        run_set(o, "received", received);
        run_set(o, "role", json_string(p->member ? "member" : "eavesdropper"));
        (void)json_array_append_new(peers, o);
    }
    return peers;
}

static json_t *run_sfu_json(const run_t *run)
{
    sfu_stats_t s;
    memset(&s, 0, sizeof(s));
    (void)run->ops->stats(run->sfu, &s);
    json_t *o = sim__sfu_stats_json(&s);
    if (o == NULL)
        return NULL;
    double seconds = (double)run->end_us / 1e6;
    run_set(o, "forwarded_kbps",
            run_num(seconds > 0, (double)s.bytes_out * 8.0 / 1000.0 / seconds));
    run_set(o, "name", json_string(run->ops->name));
    return o;
}

static json_t *run_links_json(const run_t *run)
{
    json_t *links = json_array();
    for (size_t i = 0; i < run->peer_count; i++) {
        const run_peer_t *p = &run->peers[i];
        for (int dir = 0; dir < 2; dir++) {
            const sim_link_counters_t *c = sim_link_counters(dir == 0 ? p->up : p->down);
            json_t *o = json_object();
            run_set(o, "peer", json_string(p->sp->name));
            run_set(o, "dir", json_string(dir == 0 ? "up" : "down"));
            run_set(o, "sent", run_int(c->sent));
            run_set(o, "lost", run_int(c->lost_random + c->lost_queue));
            run_set(o, "duplicated", run_int(c->duplicated));
            run_set(
                o, "mean_delay_ms",
                run_num(c->delivered > 0, (double)c->delay_sum_us / (double)c->delivered / 1000.0));
            run_set(o, "lost_random", run_int(c->lost_random));
            run_set(o, "lost_queue", run_int(c->lost_queue));
            run_set(o, "delivered", run_int(c->delivered));
            run_set(o, "max_delay_ms", run_num(c->delivered > 0, (double)c->delay_max_us / 1000.0));
            run_set(o, "mean_queue_delay_ms",
                    run_num(c->delivered > 0,
                            (double)c->queue_delay_sum_us / (double)c->delivered / 1000.0));
            (void)json_array_append_new(links, o);
        }
    }
    return links;
}

static int run_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static json_t *run_wall_json(run_t *run)
{
    run_wall_t *w = &run->wall;
    double seconds = (double)(run__wall_ns() - w->start_ns) / 1e9;
    json_t *o = json_object();
    run_set(o, "seconds", json_real(seconds));
    run_set(o, "speed_ratio", json_real(seconds > 0 ? (double)run->end_us / 1e6 / seconds : 0));
    json_t *ns = json_object();
    if (w->n_samples > 0) {
        qsort(w->samples, w->n_samples, sizeof(*w->samples), run_cmp_u32);
        run_set(ns, "p50", run_int(w->samples[(w->n_samples - 1) / 2]));
        run_set(ns, "p99", run_int(w->samples[(size_t)((double)(w->n_samples - 1) * 0.99)]));
    } else {
        run_set(ns, "p50", json_null());
        run_set(ns, "p99", json_null());
    }
    run_set(o, "sfu_ns_per_packet", ns);
    double sfu_s = (double)w->sfu_input_ns / 1e9;
    run_set(o, "sfu_packets_per_s",
            sfu_s > 0 ? json_real((double)w->sfu_packets / sfu_s) : json_null());
    run_set(o, "version", json_string(run->options->version ? run->options->version : ""));
    char host[256] = "";
    if (gethostname(host, sizeof(host) - 1) != 0)
        host[0] = '\0';
    run_set(o, "host", json_string(host));
    return o;
}

json_t *run__report_build(run_t *run, sim_run_status_t *status)
{
    struct run_report_state *st = run->report;
    const sim_scenario_t *sc = run->scenario;
    if (sim__metrics_finish(st->metrics) != SIM__METRICS_OK) {
        run__fail(run, "the metrics could not be computed");
        return NULL;
    }
    sim__oracle_result_t oracle;
    sim__oracle_result(st->oracle, &oracle);
    const sim__metrics_keys_t *keys = sim__metrics_keys(st->metrics);

    bool pass = true;
    json_t *budgets = json_array();
    const sim_scenario_budget_t *limits[SIM__METRICS_BUDGET__COUNT] = {
        &sc->budgets.video_latency_p50_ms,
        &sc->budgets.video_latency_p95_ms,
        &sc->budgets.video_latency_p99_ms,
        &sc->budgets.audio_latency_p95_ms,
        &sc->budgets.video_fps_min,
        &sc->budgets.freeze_ratio_max,
        &sc->budgets.delivered_ratio_min,
        &sc->budgets.decrypt_success_min,
        &sc->budgets.time_to_first_frame_ms_max,
        &sc->budgets.psnr_db_min,
    };
    for (unsigned i = 0; i < SIM__METRICS_BUDGET__COUNT; i++) {
        sim__metrics_budget_t b = (sim__metrics_budget_t)i;
        if (!limits[b]->present)
            continue;
        sim__metrics_budget_value_t v = sim__metrics_budget_value(st->metrics, b);
        bool ok = sim__metrics_budget_passes(b, &v, limits[b]->limit);
        pass = pass && ok;
        json_t *o = json_object();
        run_set(o, "name", json_string(sim__metrics_budget_name(b)));
        run_set(o, "limit", json_real(limits[b]->limit));
        run_set(o, "value", run_num(v.has_value, v.value));
        run_set(o, "pass", json_boolean(ok));
        if (v.has_value) {
            const sim__metrics_pair_t *mp = sim__metrics_pair(st->metrics, v.worst_pair);
            char where[200];
            snprintf(where, sizeof(where), "%s from %s (%s)", run->peers[mp->receiver].sp->name,
                     run->peers[mp->sender].sp->name,
                     mp->kind == SIM__METRICS_VIDEO ? "video" : "audio");
            run_set(o, "worst", json_string(where));
        }
        run_set(o, "pairs_missing", run_int(v.pairs_missing));
        (void)json_array_append_new(budgets, o);
    }
    json_t *sfu = run_sfu_json(run);
    if (sc->budgets.sfu_forwarded_kbps_min.present) {
        double kbps = json_number_value(json_object_get(sfu, "forwarded_kbps"));
        bool ok = kbps >= sc->budgets.sfu_forwarded_kbps_min.limit;
        pass = pass && ok;
        json_t *o = json_object();
        run_set(o, "name", json_string("sfu_forwarded_kbps_min"));
        run_set(o, "limit", json_real(sc->budgets.sfu_forwarded_kbps_min.limit));
        run_set(o, "value", run_num(true, kbps));
        run_set(o, "pass", json_boolean(ok));
        (void)json_array_append_new(budgets, o);
    }
    bool leak = strcmp(oracle.verdict, "ciphertext-only") != 0;
    bool strict = sc->budgets.confidentiality == SIM_CONFIDENTIALITY_STRICT;
    {
        json_t *o = json_object();
        run_set(o, "name", json_string("confidentiality"));
        run_set(o, "limit", json_string(strict ? "strict" : "report"));
        run_set(o, "value", json_string(oracle.verdict));
        run_set(o, "pass", json_boolean(!strict || !leak));
        (void)json_array_append_new(budgets, o);
        pass = pass && (!strict || !leak);
    }

    json_t *invariants = json_array();
    struct {
        const char *name;
        bool ok;
        char detail[200];
    } inv[5];
    size_t n_inv = 0;
    inv[n_inv].name = "no_plaintext_at_sfu";
    inv[n_inv].ok = !leak;
    snprintf(inv[n_inv].detail, sizeof(inv[n_inv].detail), "%s", oracle.first_finding);
    n_inv++;
    inv[n_inv].name = "departed_decrypt_nothing";
    inv[n_inv].ok = keys->frames_decrypted_by_departed == 0;
    snprintf(inv[n_inv].detail, sizeof(inv[n_inv].detail), "%llu frames",
             (unsigned long long)keys->frames_decrypted_by_departed);
    n_inv++;
    inv[n_inv].name = "newcomers_decrypt_nothing_earlier";
    inv[n_inv].ok = keys->frames_decrypted_before_join == 0;
    snprintf(inv[n_inv].detail, sizeof(inv[n_inv].detail), "%llu frames",
             (unsigned long long)keys->frames_decrypted_before_join);
    n_inv++;
    inv[n_inv].name = "eavesdroppers_decrypt_nothing";
    inv[n_inv].ok = keys->frames_decrypted_by_eavesdropper == 0;
    snprintf(inv[n_inv].detail, sizeof(inv[n_inv].detail), "%llu frames",
             (unsigned long long)keys->frames_decrypted_by_eavesdropper);
    n_inv++;
    inv[n_inv].name = "harness_consistent";
    inv[n_inv].ok = st->oracle_errors == 0 && st->metrics_errors == 0;
    snprintf(inv[n_inv].detail, sizeof(inv[n_inv].detail),
             "%llu frames the oracle refused, %llu metrics inputs refused",
             (unsigned long long)st->oracle_errors, (unsigned long long)st->metrics_errors);
    n_inv++;
    for (size_t i = 0; i < n_inv; i++) {
        json_t *o = json_object();
        run_set(o, "name", json_string(inv[i].name));
        run_set(o, "pass", json_boolean(inv[i].ok));
        run_set(o, "detail", json_string(inv[i].ok ? "" : inv[i].detail));
        (void)json_array_append_new(invariants, o);
        /* The oracle's invariant fails the run only under "strict". */
        if (!inv[i].ok && (i != 0 || strict))
            pass = false;
    }

    json_t *conf = json_object();
    run_set(conf, "verdict", json_string(oracle.verdict));
    run_set(conf, "packets_inspected", run_int(oracle.packets_inspected));
    run_set(conf, "payload_bytes_inspected", run_int(oracle.payload_bytes_inspected));
    run_set(conf, "clear_bytes_max_per_packet", run_int(oracle.clear_bytes_max_per_packet));
    run_set(conf, "plaintext_window_hits", run_int(oracle.plaintext_window_hits));
    run_set(conf, "keystream_relation_hits", run_int(oracle.keystream_relation_hits));
    run_set(conf, "nonce_reuse", run_int(oracle.nonce_reuse));
    run_set(conf, "uniformity_min_p", json_real(oracle.uniformity_min_p));
    run_set(conf, "streams_tested", run_int(oracle.streams_tested));
    run_set(conf, "first_finding", json_string(oracle.first_finding));
    run_set(conf, "frames_registered", run_int(oracle.frames_registered));
    run_set(conf, "unmatched", run_int(oracle.unmatched));
    run_set(conf, "malformed", run_int(oracle.malformed));

    json_t *kj = json_object();
    run_set(kj, "epochs", run_int(run->epochs));
    run_set(kj, "frames_decrypted_by_departed", run_int(keys->frames_decrypted_by_departed));
    run_set(kj, "frames_decrypted_before_join", run_int(keys->frames_decrypted_before_join));
    run_set(kj, "frames_decrypted_by_eavesdropper",
            run_int(keys->frames_decrypted_by_eavesdropper));
    run_set(kj, "frames_waiting_for_key", run_int(keys->frames_waiting_for_key));
    /* Frames the attacker views (sim/run_attack.c) opened in all: departed
     * members' frames still under their old epoch count here, not above. */
    run_set(kj, "attacker_view_frames_opened", run_int(run->attack_decrypted));

    json_t *report = json_object();
    run_set(report, "schema", json_string("blindfold.report/1"));
    run_set(report, "kind", json_string("run"));
    run_set(report, "scenario", json_string(sc->name));
    run_set(report, "seed",
            sc->seed <= (uint64_t)INT64_MAX ? run_int(sc->seed) : json_real((double)sc->seed));
    run_set(report, "pass", json_boolean(pass));
    run_set(report, "budgets", budgets);
    run_set(report, "invariants", invariants);
    run_set(report, "confidentiality", conf);
    run_set(report, "keys", kj);
    run_set(report, "peers", run_peers_json(run));
    run_set(report, "sfu", sfu);
    run_set(report, "links", run_links_json(run));
    run_set(report, "scenario_resolved", json_deep_copy(sim_scenario_resolved_json(sc)));
    run_set(report, "wall", run_wall_json(run));

    if (run->options->timeseries != NULL &&
        sim__metrics_write_timeseries(st->metrics, run->options->timeseries) != SIM__METRICS_OK)
        run__fail(run, "timeseries.csv could not be written");
    *status = pass ? SIM_RUN_PASS : SIM_RUN_FAIL;
    return report;
}
