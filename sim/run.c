/* sim/run.c: the call runner (sim/sim_run.h): setup, membership, links,
 * polling and the simulated DTLS-SRTP handshakes. The key server is in
 * run_keys.c, the figures and the report in run_report.c.
 *
 * Identities. Peer i of the scenario is participant i + 1 at the SFU and
 * SFrame sender i + 1. Each peer publishes at most two tracks: audio
 * (RUN_TRACK_AUDIO) and video (RUN_TRACK_VIDEO). Every SSRC in the call is
 * drawn from the seeded stream "ssrc" and is unique call-wide; initial
 * sequence numbers and timestamps come from each peer's own stream, so
 * adding a peer changes nothing of another peer's draws.
 *
 * Scheduling. Each peer and the SFU are polled objects: one engine timer
 * each, at the time their poll asked for. Input can make work due
 * earlier (a packet completes a frame), so after every input the object
 * is polled at once and its timer moved forward when needed. */
#include "rtp/rtp.h"
#include "sim/pcap_out.h"
#include "sim/run_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- Small helpers ------------------------------------------------------- */

void run__fail(run_t *run, const char *fmt, ...)
{
    if (run->failed)
        return;
    run->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(run->error, sizeof(run->error), fmt, ap);
    va_end(ap);
}

void run__trace(run_t *run, uint64_t now_us, const char *fmt, ...)
{
    if (run->options->on_trace == NULL)
        return;
    char body[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof(body), fmt, ap);
    va_end(ap);
    char line[600];
    snprintf(line, sizeof(line), "{\"t_us\": %llu, %s}", (unsigned long long)now_us, body);
    run->options->on_trace(run->options->on_trace_ctx, line);
}

uint64_t run__wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A call-wide unique, non-zero SSRC. */
static uint32_t run_draw_ssrc(run_t *run)
{
    for (;;) {
        uint32_t ssrc = (uint32_t)sim_rng_next(&run->rng_ssrc);
        if (ssrc == 0)
            continue;
        bool used = false;
        for (size_t i = 0; i < run->ssrc_count; i++)
            if (run->ssrcs[i] == ssrc) {
                used = true;
                break;
            }
        if (used)
            continue;
        if (run->ssrc_count == run->ssrc_cap) {
            size_t cap = run->ssrc_cap ? 2 * run->ssrc_cap : 256;
            uint32_t *grown = realloc(run->ssrcs, cap * sizeof(*grown));
            if (grown == NULL) {
                run__fail(run, "out of memory");
                return ssrc;
            }
            run->ssrcs = grown;
            run->ssrc_cap = cap;
        }
        run->ssrcs[run->ssrc_count++] = ssrc;
        return ssrc;
    }
}

/* --- Polling --------------------------------------------------------------- */

static void run_peer_timer(void *ctx, uint64_t now_us);
static void run_sfu_timer(void *ctx, uint64_t now_us);

static void run_arm(run_t *run, run_timer_t *t, uint64_t next_us, sim_event_fn fn, void *ctx)
{
    if (next_us == UINT64_MAX || next_us > run->end_us)
        next_us = run->end_us + 1; /* never: past the end */
    if (t->armed && t->at_us <= next_us)
        return;
    if (t->armed)
        (void)sim_cancel(run->engine, t->id);
    if (next_us > run->end_us) {
        t->armed = false;
        return;
    }
    uint64_t now = sim_engine_now(run->engine);
    if (next_us < now)
        next_us = now;
    t->id = sim_schedule(run->engine, next_us, fn, ctx);
    t->at_us = next_us;
    t->armed = true;
}

void run__poll_peer(run_peer_t *p, uint64_t now_us)
{
    if (p->peer == NULL)
        return;
    uint64_t next = peer_poll(p->peer, now_us);
    run_arm(p->run, &p->timer, next, run_peer_timer, p);
}

static void run_peer_timer(void *ctx, uint64_t now_us)
{
    run_peer_t *p = ctx;
    p->timer.armed = false;
    run__poll_peer(p, now_us);
}

void run__poll_sfu(run_t *run, uint64_t now_us)
{
    uint64_t t0 = run__wall_ns();
    uint64_t next = run->ops->poll(run->sfu, now_us);
    run->wall.sfu_poll_ns += run__wall_ns() - t0;
    run_arm(run, &run->sfu_timer, next, run_sfu_timer, run);
}

static void run_sfu_timer(void *ctx, uint64_t now_us)
{
    run_t *run = ctx;
    run->sfu_timer.armed = false;
    run__poll_sfu(run, now_us);
}

/* --- Packet paths -------------------------------------------------------- */

/* Whether a datagram is an RTX packet: its payload type, readable under
 * SRTP, is the video RTX one. */
static bool run_is_rtx(const run_t *run, const uint8_t *bytes, size_t len)
{
    return run->video_rtx_pt != 0 && len >= RTP_FIXED_HEADER_LEN &&
           rtp_demux(bytes, len) == RTP_DEMUX_RTP && (bytes[1] & 0x7fu) == run->video_rtx_pt;
}

/* peer -> uplink */
static void run_peer_sink(void *ctx, uint32_t peer_id, uint64_t now_us, const uint8_t *bytes,
                          size_t len)
{
    (void)peer_id;
    (void)now_us;
    run_peer_t *p = ctx;
    if (run_is_rtx(p->run, bytes, len))
        p->rtx_up++;
    (void)sim_link_send(p->up, bytes, len);
}

/* Addresses in the run's pcap (sim/sim_run.h). */
static const sim__pcap_end_t run_pcap_sfu = { .ip = { 10, 255, 0, 1 }, .port = 3478 };

static sim__pcap_end_t run_pcap_peer(const run_peer_t *p)
{
    sim__pcap_end_t end = { .ip = { 10, 1, (uint8_t)(p->index / 250),
                                    (uint8_t)(1 + p->index % 250) },
                            .port = (uint16_t)(5000 + p->index) };
    return end;
}

/* uplink -> SFU */
static void run_uplink_deliver(void *ctx, uint64_t now_us, const uint8_t *packet, size_t len)
{
    run_peer_t *p = ctx;
    run_t *run = p->run;
    if (!p->present) {
        run->late_uplink++;
        return;
    }
    if (run->pcap != NULL) {
        sim__pcap_end_t from = run_pcap_peer(p), to = run_pcap_sfu;
        sim__pcap_out_udp(run->pcap, SIM_RUN_PCAP_EPOCH_US + now_us, &from, &to, packet, len);
    }
    uint64_t t0 = run__wall_ns();
    (void)run->ops->input(run->sfu, p->id, now_us, packet, len);
    uint64_t dt = run__wall_ns() - t0;
    run__wall_sample(run, dt);
    run__poll_sfu(run, now_us);
}

/* SFU -> downlink */
static void run_sfu_sink(void *ctx, uint32_t participant_id, uint64_t now_us, const uint8_t *bytes,
                         size_t len)
{
    run_t *run = ctx;
    if (participant_id == 0 || participant_id > run->peer_count)
        return;
    run_peer_t *p = &run->peers[participant_id - 1];
    if (run->pcap != NULL) {
        sim__pcap_end_t from = run_pcap_sfu, to = run_pcap_peer(p);
        sim__pcap_out_udp(run->pcap, SIM_RUN_PCAP_EPOCH_US + now_us, &from, &to, bytes, len);
    }
    if (run_is_rtx(run, bytes, len))
        p->rtx_down++;
    (void)sim_link_send(p->down, bytes, len);
}

/* downlink -> peer */
static void run_downlink_deliver(void *ctx, uint64_t now_us, const uint8_t *packet, size_t len)
{
    run_peer_t *p = ctx;
    if (p->peer == NULL) {
        p->run->late_downlink++;
        return;
    }
    (void)peer_input(p->peer, now_us, packet, len);
    run__poll_peer(p, now_us);
}

/* --- Configuration of the pieces ----------------------------------------- */

static hbh_profile_t run_hbh_profile(sim_srtp_profile_t profile)
{
    switch (profile) {
    case SIM_SRTP_AES_CM_128_HMAC_SHA1_80:
        return HBH_PROFILE_AES_CM_128_HMAC_SHA1_80;
    case SIM_SRTP_NONE:
        return HBH_PROFILE_NONE;
    case SIM_SRTP_AEAD_AES_128_GCM:
    default:
        return HBH_PROFILE_AEAD_AES_128_GCM;
    }
}

static sfu_srtp_profile_t run_sfu_profile(sim_srtp_profile_t profile)
{
    switch (profile) {
    case SIM_SRTP_AES_CM_128_HMAC_SHA1_80:
        return SFU_SRTP_AES_CM_128_HMAC_SHA1_80;
    case SIM_SRTP_NONE:
        return SFU_SRTP_NONE;
    case SIM_SRTP_AEAD_AES_128_GCM:
    default:
        return SFU_SRTP_AEAD_AES_128_GCM;
    }
}

static uint32_t run_ms(double ms)
{
    if (!(ms > 0))
        return 0;
    if (ms > 4e9)
        return UINT32_MAX;
    return (uint32_t)llround(ms);
}

static sfu_ext_ids_t run_sfu_ext(const peer_ext_ids_t *e)
{
    sfu_ext_ids_t s;
    memset(&s, 0, sizeof(s));
    s.audio_level = e->audio_level;
    s.twcc = e->twcc;
    s.mid = e->mid;
    s.rid = e->rid;
    s.dependency_descriptor = e->dependency_descriptor;
    s.frame_marking = e->frame_marking;
    s.abs_capture_time = e->abs_capture_time;
    return s;
}

/* The peer's configuration for its join number `join` (SSRCs and keys are
 * new each time it joins). */
static bool run_peer_config(run_peer_t *p, uint64_t now_us, peer_config_t *c)
{
    run_t *run = p->run;
    const sim_scenario_t *sc = run->scenario;
    const sim_scenario_peer_t *sp = p->sp;
    char name[96];
    snprintf(name, sizeof(name), "peer:%s:join%u", sp->name, p->joins);
    sim_rng_t rng;
    sim_rng_seed(&rng, sc->seed, name);

    *c = peer_config_default();
    c->id = p->id;
    c->index = (uint32_t)p->index;
    c->start_us = now_us;
    c->ext = run->ext;

    const sim_scenario_video_t *v = sc->media.video;
    if (v != NULL && sp->publish_video) {
        peer_video_config_t *pv = &c->video;
        pv->enabled = true;
        pv->source = v->source == SIM_VIDEO_SOURCE_CLIP ? PEER_VIDEO_CLIP : PEER_VIDEO_PATTERN;
        pv->width = v->width & ~1u;
        pv->height = v->height & ~1u;
        pv->fps = v->fps;
        pv->keyframe_interval_us = sim_scenario_us(v->keyframe_interval_s);
        pv->n_layers = (unsigned)v->layer_count;
        for (size_t l = 0; l < v->layer_count; l++) {
            peer_layer_config_t *L = &pv->layers[l];
            snprintf(L->rid, sizeof(L->rid), "%s", v->layers[l].rid);
            L->width = run_even(v->layers[l].width);
            L->height = run_even(v->layers[l].height);
            L->max_kbps = (uint32_t)llround(v->layers[l].max_kbps);
            L->ssrc = run_draw_ssrc(run);
            L->rtx_ssrc = run_draw_ssrc(run);
            L->first_seq = (uint16_t)sim_rng_next(&rng);
            L->first_rtx_seq = (uint16_t)sim_rng_next(&rng);
            L->first_timestamp = (uint32_t)sim_rng_next(&rng);
            L->first_picture_id = (uint16_t)(sim_rng_next(&rng) & 0x7FFFu);
        }
        pv->pattern_seed = sc->seed;
        pv->clips = run->clips;
    }
    c->frame_cache = run->frame_cache;
    const sim_scenario_audio_t *a = sc->media.audio;
    if (a != NULL && sp->publish_audio) {
        peer_audio_config_t *pa = &c->audio;
        pa->enabled = true;
        pa->kbps = (uint32_t)llround(a->kbps);
        pa->ptime_ms = a->ptime_ms;
        pa->ssrc = run_draw_ssrc(run);
        pa->first_seq = (uint16_t)sim_rng_next(&rng);
        pa->first_timestamp = (uint32_t)sim_rng_next(&rng);
    }
    c->scheme = run->scheme;
    c->suite = sc->e2ee.suite;
    c->signal = run->signal;
    c->test_transform = run->test_transform;
    c->key_grace_ms = run_ms(sc->e2ee.previous_key_grace_ms);

    c->srtp_profile = run_hbh_profile(sc->sfu.srtp_profile);
    c->dtls_role = HBH_ROLE_CLIENT;
    c->keying_material_len = hbh_material_len(c->srtp_profile);
    for (size_t i = 0; i < c->keying_material_len; i++)
        c->keying_material[i] = (uint8_t)sim_rng_next(&rng);
    c->rtcp_ssrc = run_draw_ssrc(run);
    c->nack = true;
    c->decode = v == NULL || v->source == SIM_VIDEO_SOURCE_PATTERN;

    c->sink = run_peer_sink;
    c->sink_ctx = p;
    c->on_sent = run__on_sent;
    c->on_sent_ctx = p;
    c->on_frame = run__on_frame;
    c->on_frame_ctx = p;
    return !run->failed;
}

/* --- Membership ------------------------------------------------------------ */

static bool run_declare_tracks(run_peer_t *p, const peer_config_t *c)
{
    run_t *run = p->run;
    if (c->audio.enabled) {
        sfu_track_config_t t = sfu_track_config_default();
        t.track_id = RUN_TRACK_AUDIO;
        t.kind = SFU_KIND_AUDIO;
        t.n_layers = 1;
        t.layers[0].ssrc = c->audio.ssrc;
        t.media_pt = c->audio.payload_type;
        t.clock_rate = 48000;
        t.vp8 = false;
        t.ext = run_sfu_ext(&c->ext);
        if (run->ops->declare_track(run->sfu, p->id, &t) != SFU_OK) {
            run__fail(run, "%s: the SFU refused the audio track", p->sp->name);
            return false;
        }
        p->audio_ssrc = c->audio.ssrc;
    }
    if (c->video.enabled) {
        sfu_track_config_t t = sfu_track_config_default();
        t.track_id = RUN_TRACK_VIDEO;
        t.kind = SFU_KIND_VIDEO;
        t.n_layers = c->video.n_layers;
        for (unsigned l = 0; l < c->video.n_layers; l++) {
            t.layers[l].ssrc = c->video.layers[l].ssrc;
            t.layers[l].rtx_ssrc = c->video.layers[l].rtx_ssrc;
            snprintf(t.layers[l].rid, sizeof(t.layers[l].rid), "%s", c->video.layers[l].rid);
            p->video_ssrc[l] = c->video.layers[l].ssrc;
            p->video_rtx[l] = c->video.layers[l].rtx_ssrc;
        }
        t.media_pt = c->video.payload_type;
        t.rtx_pt = c->video.rtx_payload_type;
        run->video_rtx_pt = c->video.rtx_payload_type;
        t.clock_rate = 90000;
        t.vp8 = true;
        t.keyframe_signal = run->sfu_signal;
        t.ext = run_sfu_ext(&c->ext);
        if (run->ops->declare_track(run->sfu, p->id, &t) != SFU_OK) {
            run__fail(run, "%s: the SFU refused the video track", p->sp->name);
            return false;
        }
    }
    p->publishes_audio = c->audio.enabled;
    p->publishes_video = c->video.enabled;
    run__tracks_declared(run, p, c);
    return !run->failed;
}

static bool run_wants(const run_peer_t *r, const run_peer_t *s)
{
    if (r == s)
        return false;
    if (r->sp->subscribe_all)
        return true;
    for (size_t i = 0; i < r->sp->subscribe_count; i++)
        if (r->sp->subscribe[i] == s->index)
            return true;
    return false;
}

peer_remote_config_t run__remote_config(const run_t *run, const run_peer_t *s, peer_kind_t kind,
                                        uint32_t ssrc, uint32_t rtx_ssrc)
{
    const sim_scenario_t *sc = run->scenario;
    peer_remote_config_t rc;
    memset(&rc, 0, sizeof(rc));
    rc.sender_id = s->id;
    rc.kind = kind;
    rc.ssrc = ssrc;
    rc.rtx_ssrc = rtx_ssrc;
    if (kind == PEER_KIND_AUDIO) {
        rc.payload_type = 111;
        rc.ptime_ms = sc->media.audio->ptime_ms;
        return rc;
    }
    const sim_scenario_video_t *v = sc->media.video;
    rc.payload_type = 96;
    rc.rtx_payload_type = 97;
    rc.source = v->source == SIM_VIDEO_SOURCE_CLIP ? PEER_VIDEO_CLIP : PEER_VIDEO_PATTERN;
    rc.fps = v->fps;
    rc.width = run_even(v->width);
    rc.height = run_even(v->height);
    rc.n_layers = (unsigned)v->layer_count;
    for (size_t l = 0; l < v->layer_count; l++) {
        rc.layer_width[l] = run_even(v->layers[l].width);
        rc.layer_height[l] = run_even(v->layers[l].height);
    }
    rc.pattern_seed = sc->seed;
    rc.clips = run->clips;
    return rc;
}

/* Subscribes r to s's tracks at the SFU and tells r's peer about them. */
static void run_subscribe(run_t *run, run_peer_t *r, run_peer_t *s)
{
    run_pair_t *pair = run__pair(run, r, s);
    if (pair == NULL)
        return;
    char name[160];
    snprintf(name, sizeof(name), "sub:%s:%s:%u:%u", r->sp->name, s->sp->name, r->joins, s->joins);
    sim_rng_t rng;
    sim_rng_seed(&rng, run->scenario->seed, name);
    for (int kind = 0; kind < 2; kind++) {
        bool video = kind == 1;
        if (video ? !s->publishes_video : !s->publishes_audio)
            continue;
        sfu_subscription_config_t sc;
        memset(&sc, 0, sizeof(sc));
        sc.ssrc = run_draw_ssrc(run);
        sc.rtx_ssrc = video ? run_draw_ssrc(run) : 0;
        sc.first_seq = (uint16_t)sim_rng_next(&rng);
        sc.first_timestamp = (uint32_t)sim_rng_next(&rng);
        sc.preferred_layer = video ? (unsigned)r->preferred_layer : 0;
        uint32_t track = video ? RUN_TRACK_VIDEO : RUN_TRACK_AUDIO;
        if (run->ops->subscribe(run->sfu, r->id, s->id, track, &sc) != SFU_OK) {
            run__fail(run, "%s: the SFU refused a subscription to %s", r->sp->name, s->sp->name);
            return;
        }
        peer_remote_config_t rc = run__remote_config(
            run, s, video ? PEER_KIND_VIDEO : PEER_KIND_AUDIO, sc.ssrc, sc.rtx_ssrc);
        peer_err_t err = peer_add_remote(r->peer, &rc);
        if (err != PEER_OK) {
            run__fail(run, "%s: cannot receive from %s: %s", r->sp->name, s->sp->name,
                      peer_strerror(err));
            return;
        }
    }
    pair->active = true;
}

static void run_join(run_t *run, run_peer_t *p, uint64_t now_us)
{
    if (p->present || run->failed)
        return;
    p->joins++;
    peer_config_t c;
    if (!run_peer_config(p, now_us, &c))
        return;
    peer_err_t err = peer_new(&c, &p->peer);
    if (err != PEER_OK) {
        OPENSSL_cleanse(c.keying_material, sizeof(c.keying_material));
        run__fail(run, "%s: cannot create the peer: %s", p->sp->name, peer_strerror(err));
        return;
    }
    /* The SFU's side of the same DTLS-SRTP handshake: it is the server. */
    sfu_participant_config_t pc = {
        .id = p->id,
        .role = SFU_DTLS_SERVER,
        .keying_material = c.keying_material_len ? c.keying_material : NULL,
        .keying_material_len = c.keying_material_len,
    };
    sfu_err_t serr = run->ops->add_participant(run->sfu, &pc);
    OPENSSL_cleanse(c.keying_material, sizeof(c.keying_material));
    if (serr != SFU_OK) {
        peer_free(p->peer);
        p->peer = NULL;
        run__fail(run, "%s: the SFU refused the participant: %s", p->sp->name, sfu_strerror(serr));
        return;
    }
    p->present = true;
    p->join_us = now_us;
    if (!run_declare_tracks(p, &c))
        return;
    for (size_t i = 0; i < run->peer_count; i++) {
        run_peer_t *q = &run->peers[i];
        if (q == p || !q->present)
            continue;
        if (run_wants(p, q))
            run_subscribe(run, p, q);
        if (run_wants(q, p))
            run_subscribe(run, q, p);
    }
    run__metrics_presence(run, p, now_us, true);
    run__keys_join(run, p, now_us);
    run__attack_joined(run, p, now_us);
    run__poll_peer(p, now_us);
    for (size_t i = 0; i < run->peer_count; i++)
        if (run->peers[i].present && &run->peers[i] != p)
            run__poll_peer(&run->peers[i], now_us);
    run__poll_sfu(run, now_us);
}

static void run_leave(run_t *run, run_peer_t *p, uint64_t now_us)
{
    if (!p->present)
        return;
    (void)run->ops->remove_participant(run->sfu, p->id);
    for (size_t i = 0; i < run->peer_count; i++) {
        run_peer_t *q = &run->peers[i];
        if (q == p || !q->present)
            continue;
        run_pair_t *to_q = run__pair(run, q, p);
        if (to_q != NULL && to_q->active) {
            run__collect_pair(run, q, p);
            (void)peer_remove_remote(q->peer, p->id);
            to_q->active = false;
        }
        run_pair_t *to_p = run__pair(run, p, q);
        if (to_p != NULL && to_p->active) {
            run__collect_pair(run, p, q);
            to_p->active = false;
        }
    }
    run__collect_peer(run, p);
    p->present_us += now_us - p->join_us;
    run__metrics_presence(run, p, now_us, false);
    if (p->timer.armed) {
        (void)sim_cancel(run->engine, p->timer.id);
        p->timer.armed = false;
    }
    peer_free(p->peer);
    p->peer = NULL;
    p->present = false;
    p->publishes_audio = p->publishes_video = false;
    run__keys_leave(run, p, now_us);
    run__metrics_departed(run, p, now_us);
    run__attack_left(run, p, now_us);
}

/* --- Events ------------------------------------------------------------------ */

typedef enum run_event_kind {
    RUN_EV_JOIN,
    RUN_EV_LEAVE,
    RUN_EV_SET_UPLINK,
    RUN_EV_SET_DOWNLINK,
    RUN_EV_PREFERRED_LAYER,
    RUN_EV_REKEY,
} run_event_kind_t;

typedef struct run_event {
    run_t *run;
    run_event_kind_t kind;
    size_t peer;
    size_t value; /* link or layer index */
} run_event_t;

static void run_event_fire(void *ctx, uint64_t now_us)
{
    run_event_t *ev = ctx;
    run_t *run = ev->run;
    run_peer_t *p = &run->peers[ev->peer];
    const sim_scenario_t *sc = run->scenario;
    static const char *const names[] = { "join",         "leave",           "set_uplink",
                                         "set_downlink", "preferred_layer", "rekey" };
    if (ev->kind == RUN_EV_SET_UPLINK || ev->kind == RUN_EV_SET_DOWNLINK)
        run__trace(run, now_us, "\"event\": \"%s\", \"peer\": \"%s\", \"link\": \"%s\"",
                   names[ev->kind], p->sp->name, sc->links[ev->value].name);
    else if (ev->kind == RUN_EV_PREFERRED_LAYER)
        run__trace(run, now_us, "\"event\": \"%s\", \"peer\": \"%s\", \"layer\": \"%s\"",
                   names[ev->kind], p->sp->name, sc->media.video->layers[ev->value].rid);
    else
        run__trace(run, now_us, "\"event\": \"%s\", \"peer\": \"%s\"", names[ev->kind],
                   p->sp->name);
    switch (ev->kind) {
    case RUN_EV_JOIN:
        run_join(run, p, now_us);
        break;
    case RUN_EV_LEAVE:
        run_leave(run, p, now_us);
        break;
    case RUN_EV_SET_UPLINK:
        (void)sim_link_set_profile(p->up, &sc->links[ev->value].profile);
        break;
    case RUN_EV_SET_DOWNLINK:
        (void)sim_link_set_profile(p->down, &sc->links[ev->value].profile);
        break;
    case RUN_EV_PREFERRED_LAYER:
        p->preferred_layer = ev->value;
        if (!p->present)
            break;
        for (size_t i = 0; i < run->peer_count; i++) {
            run_peer_t *s = &run->peers[i];
            if (s != p && s->present && s->publishes_video && run__pair(run, p, s)->active)
                (void)run->ops->set_preference(run->sfu, p->id, s->id, RUN_TRACK_VIDEO,
                                               (unsigned)ev->value);
        }
        run__poll_sfu(run, now_us);
        break;
    case RUN_EV_REKEY:
        if (p->present)
            run__keys_rekey(run, p, now_us);
        break;
    }
}

static bool run_schedule_events(run_t *run, run_event_t **out, size_t *n_out)
{
    const sim_scenario_t *sc = run->scenario;
    size_t cap = 2 * run->peer_count;
    for (size_t i = 0; i < sc->event_count; i++)
        cap += sc->events[i].peer_count;
    run_event_t *evs = calloc(cap ? cap : 1, sizeof(*evs));
    if (evs == NULL)
        return false;
    size_t n = 0;
    /* At one instant: joins, then the events in file order, then leaves. */
    for (size_t i = 0; i < run->peer_count; i++) {
        const sim_scenario_peer_t *sp = &sc->peers[i];
        if (!sp->has_join_s)
            continue;
        evs[n] = (run_event_t){ run, RUN_EV_JOIN, i, 0 };
        (void)sim_schedule(run->engine, sim_scenario_us(sp->join_s), run_event_fire, &evs[n]);
        n++;
    }
    for (size_t e = 0; e < sc->event_count; e++) {
        const sim_scenario_event_t *se = &sc->events[e];
        run_event_kind_t kind = RUN_EV_JOIN;
        size_t value = 0;
        switch (se->action) {
        case SIM_EVENT_SET_UPLINK:
            kind = RUN_EV_SET_UPLINK;
            value = se->link;
            break;
        case SIM_EVENT_SET_DOWNLINK:
            kind = RUN_EV_SET_DOWNLINK;
            value = se->link;
            break;
        case SIM_EVENT_LEAVE:
            kind = RUN_EV_LEAVE;
            break;
        case SIM_EVENT_JOIN:
            kind = RUN_EV_JOIN;
            break;
        case SIM_EVENT_PREFERRED_LAYER:
            kind = RUN_EV_PREFERRED_LAYER;
            value = se->layer;
            break;
        case SIM_EVENT_REKEY:
            kind = RUN_EV_REKEY;
            break;
        }
        for (size_t k = 0; k < se->peer_count; k++) {
            evs[n] = (run_event_t){ run, kind, se->peer_first + k, value };
            (void)sim_schedule(run->engine, sim_scenario_us(se->at_s), run_event_fire, &evs[n]);
            n++;
        }
    }
    for (size_t i = 0; i < run->peer_count; i++) {
        const sim_scenario_peer_t *sp = &sc->peers[i];
        if (!sp->has_leave_s)
            continue;
        evs[n] = (run_event_t){ run, RUN_EV_LEAVE, i, 0 };
        (void)sim_schedule(run->engine, sim_scenario_us(sp->leave_s), run_event_fire, &evs[n]);
        n++;
    }
    *out = evs;
    *n_out = n;
    return true;
}

/* Every 100 ms of virtual time: the time series, and progress. */
#define RUN_TICK_US 100000u

static void run_tick(void *ctx, uint64_t now_us)
{
    run_t *run = ctx;
    run__timeseries_tick(run, now_us);
    if (run->options->on_progress != NULL) {
        uint64_t wall = run__wall_ns();
        if (wall - run->last_progress_ns >= 250000000u) {
            run->last_progress_ns = wall;
            run->options->on_progress(run->options->on_progress_ctx, (double)now_us / 1e6,
                                      (double)run->end_us / 1e6,
                                      (double)(wall - run->wall.start_ns) / 1e9);
        }
    }
    if (now_us + RUN_TICK_US <= run->end_us)
        (void)sim_schedule(run->engine, now_us + RUN_TICK_US, run_tick, run);
}

/* --- Setup and teardown ------------------------------------------------------ */

static bool run_setup(run_t *run)
{
    const sim_scenario_t *sc = run->scenario;
    run->end_us = sim_scenario_us(sc->duration_s);
    run->peer_count = sc->peer_count;
    run->engine = sim_engine_new(1024);
    run->peers = calloc(run->peer_count, sizeof(*run->peers));
    run->pairs = calloc(run->peer_count * run->peer_count, sizeof(*run->pairs));
    if (run->engine == NULL || run->peers == NULL || run->pairs == NULL) {
        run__fail(run, "out of memory");
        return false;
    }
    sim_rng_seed(&run->rng_ssrc, sc->seed, "ssrc");
    sim_rng_seed(&run->rng_keys, sc->seed, "keys");
    run->ext = peer_ext_ids_default();

    switch (sc->e2ee.scheme) {
    case SIM_E2EE_INSERTABLE_LEGACY:
        run->scheme = PEER_SCHEME_INSERTABLE_LEGACY;
        break;
    case SIM_E2EE_NONE:
        run->scheme = PEER_SCHEME_NONE;
        break;
    case SIM_E2EE_SFRAME:
    default:
        run->scheme = PEER_SCHEME_SFRAME;
        break;
    }
    switch (sc->e2ee.keyframe_signal) {
    case SIM_KEYFRAME_SIGNAL_FRAME_MARKING:
        run->signal = PEER_SIGNAL_FRAME_MARKING;
        run->sfu_signal = SFU_KEYFRAME_FRAME_MARKING;
        break;
    case SIM_KEYFRAME_SIGNAL_CLEAR_PREFIX:
        run->signal = PEER_SIGNAL_CLEAR_PREFIX;
        run->sfu_signal = SFU_KEYFRAME_CLEAR_PREFIX;
        break;
    case SIM_KEYFRAME_SIGNAL_DEPENDENCY_DESCRIPTOR:
    default:
        run->signal = PEER_SIGNAL_DEPENDENCY_DESCRIPTOR;
        run->sfu_signal = SFU_KEYFRAME_DEPENDENCY_DESCRIPTOR;
        break;
    }
    switch (sc->e2ee.test_transform) {
    case SIM_TEST_TRANSFORM_XOR_CONSTANT:
        run->test_transform = PEER_TEST_TRANSFORM_XOR_CONSTANT;
        break;
    case SIM_TEST_TRANSFORM_CTR_REUSE:
        run->test_transform = PEER_TEST_TRANSFORM_CTR_REUSE;
        break;
    case SIM_TEST_TRANSFORM_HALF_CLEAR:
        run->test_transform = PEER_TEST_TRANSFORM_HALF_CLEAR;
        break;
    case SIM_TEST_TRANSFORM_OFF:
    default:
        run->test_transform = PEER_TEST_TRANSFORM_OFF;
        break;
    }

    const sim_scenario_video_t *v = sc->media.video;
    if (v != NULL && v->layer_count > SFU_MAX_LAYERS) {
        run__fail(run, "%s: media.video.layers: %zu layers, but the SFU core forwards at most %d",
                  sc->name, v->layer_count, SFU_MAX_LAYERS);
        run->unsupported = true;
        return false;
    }
    for (size_t l = 0; v != NULL && l < v->layer_count; l++) {
        if (strlen(v->layers[l].rid) >= PEER_RID_MAX) {
            run__fail(run,
                      "%s: media.video.layers[%zu].rid: longer than %d characters, the most an "
                      "RFC 8285 one-byte header extension carries",
                      sc->name, l, PEER_RID_MAX - 1);
            run->unsupported = true;
            return false;
        }
    }
    if (v != NULL && v->source == SIM_VIDEO_SOURCE_CLIP) {
        peer_config_t c;
        memset(&c, 0, sizeof(c));
        peer_video_config_t pv = peer_config_default().video;
        pv.enabled = true;
        pv.width = run_even(v->width);
        pv.height = run_even(v->height);
        pv.fps = v->fps;
        pv.n_layers = (unsigned)v->layer_count;
        for (size_t l = 0; l < v->layer_count; l++) {
            pv.layers[l].width = run_even(v->layers[l].width);
            pv.layers[l].height = run_even(v->layers[l].height);
            pv.layers[l].max_kbps = (uint32_t)llround(v->layers[l].max_kbps);
        }
        pv.pattern_seed = sc->seed;
        unsigned frames = (unsigned)llround(v->fps * 10.0);
        unsigned kf = (unsigned)llround(v->fps);
        if (peer_clips_new(&pv, frames ? frames : 1, kf ? kf : 1, &run->clips) != PEER_OK) {
            run__fail(run, "cannot encode the video clips");
            return false;
        }
    }

    /* The pictures a sender renders are every receiver's PSNR references
     * a receive delay later: 4 MB per peer holds about 300 ms of the
     * default layers (13.6 MB per second per sender). Pages are touched
     * only as the ring reaches them. */
    if (v != NULL && v->source == SIM_VIDEO_SOURCE_PATTERN) {
        size_t bytes = run->peer_count * ((size_t)4 << 20);
        if (bytes > ((size_t)512 << 20))
            bytes = (size_t)512 << 20;
        if (peer_frame_cache_new(bytes, &run->frame_cache) != PEER_OK) {
            run__fail(run, "out of memory");
            return false;
        }
    }

    sfu_config_t config = sfu_config_default();
    config.srtp_profile = run_sfu_profile(sc->sfu.srtp_profile);
    config.nack = sc->sfu.nack;
    config.upstream_nack = sc->sfu.upstream_nack;
    config.rtx = sc->sfu.rtx;
    config.history_ms = run_ms(sc->sfu.history_ms);
    config.pli_min_interval_ms = run_ms(sc->sfu.pli_min_interval_ms);
    config.last_n = sc->sfu.last_n;
    config.layer_selection = sc->sfu.layer_selection == SIM_LAYER_SELECTION_BANDWIDTH
                                 ? SFU_LAYER_BANDWIDTH
                                 : SFU_LAYER_PREFERENCE;
    uint32_t n = (uint32_t)run->peer_count;
    if (config.max_participants < n)
        config.max_participants = n;
    if (config.max_subscriptions < 2 * n)
        config.max_subscriptions = 2 * n;
    if (config.max_subscribers < n)
        config.max_subscribers = n;
    config.sink = run_sfu_sink;
    config.sink_ctx = run;
    config.observer = run__observe;
    config.observer_ctx = run;
    sfu_err_t serr = run->ops->create(&config, &run->sfu);
    if (serr != SFU_OK) {
        run__fail(run, "the SFU (%s) could not start: %s", run->ops->name, sfu_strerror(serr));
        return false;
    }

    for (size_t i = 0; i < run->peer_count; i++) {
        run_peer_t *p = &run->peers[i];
        const sim_scenario_peer_t *sp = &sc->peers[i];
        p->run = run;
        p->index = i;
        p->id = (uint32_t)(i + 1);
        p->sp = sp;
        p->member = sp->role == SIM_PEER_MEMBER;
        p->preferred_layer = sp->preferred_layer == SIM_SCENARIO_NO_LAYER ? 0 : sp->preferred_layer;
        char name[96];
        sim_rng_t rng;
        snprintf(name, sizeof(name), "link:%s:up", sp->name);
        sim_rng_seed(&rng, sc->seed, name);
        p->up =
            sim_link_new(run->engine, &sc->links[sp->uplink].profile, &rng, run_uplink_deliver, p);
        snprintf(name, sizeof(name), "link:%s:down", sp->name);
        sim_rng_seed(&rng, sc->seed, name);
        p->down = sim_link_new(run->engine, &sc->links[sp->downlink].profile, &rng,
                               run_downlink_deliver, p);
        if (p->up == NULL || p->down == NULL) {
            run__fail(run, "out of memory");
            return false;
        }
    }
    return run__report_init(run) && run__attack_init(run);
}

static void run_teardown(run_t *run)
{
    for (size_t i = 0; i < run->peer_count && run->peers != NULL; i++) {
        run_peer_t *p = &run->peers[i];
        peer_free(p->peer);
        sim_link_free(p->up);
        sim_link_free(p->down);
    }
    if (run->sfu != NULL)
        run->ops->destroy(run->sfu);
    run__attack_free(run);
    run__report_free(run);
    run__keys_free(run);
    peer_clips_free(run->clips);
    peer_frame_cache_free(run->frame_cache);
    sim_engine_free(run->engine);
    free(run->peers);
    free(run->pairs);
    free(run->ssrcs);
    free(run->wall.samples);
    OPENSSL_cleanse(&run->rng_keys, sizeof(run->rng_keys));
}

void run__wall_sample(run_t *run, uint64_t ns)
{
    run_wall_t *w = &run->wall;
    w->sfu_input_ns += ns;
    w->sfu_packets++;
    if (w->n_samples == w->cap_samples) {
        size_t cap = w->cap_samples ? 2 * w->cap_samples : 4096;
        uint32_t *grown = realloc(w->samples, cap * sizeof(*grown));
        if (grown == NULL)
            return; /* the figure then covers fewer packets; not worth failing */
        w->samples = grown;
        w->cap_samples = cap;
    }
    w->samples[w->n_samples++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

sim_run_status_t sim_run_call(const sim_scenario_t *scenario, const sim_run_options_t *options,
                              json_t **report, char *err, size_t err_len)
{
    static const sim_run_options_t no_options;
    if (report != NULL)
        *report = NULL;
    if (scenario == NULL || report == NULL) {
        if (err_len > 0)
            snprintf(err, err_len, "sim_run: invalid argument");
        return SIM_RUN_INTERNAL;
    }
    run_t *run = calloc(1, sizeof(*run));
    if (run == NULL) {
        if (err_len > 0)
            snprintf(err, err_len, "out of memory");
        return SIM_RUN_INTERNAL;
    }
    run->scenario = scenario;
    run->options = options != NULL ? options : &no_options;
    run->ops = run->options->sfu != NULL ? run->options->sfu : sfu_builtin_ops();
    run->wall.start_ns = run__wall_ns();

    sim_run_status_t status = SIM_RUN_INTERNAL;
    run_event_t *events = NULL;
    size_t n_events = 0;
    char pcap_err[512];
    if (run->options->pcap != NULL) {
        run->pcap = sim__pcap_out_open(run->options->pcap, pcap_err, sizeof pcap_err);
        if (run->pcap == NULL)
            run__fail(run, "%s", pcap_err);
    }
    if (!run->failed && run_setup(run) && run_schedule_events(run, &events, &n_events)) {
        (void)sim_schedule(run->engine, 0, run_tick, run);
        (void)sim_run_until(run->engine, run->end_us);
        if (run->pcap != NULL && !sim__pcap_out_close(run->pcap))
            run__fail(run, "%s: write failed", run->options->pcap);
        run->pcap = NULL;
        if (!run->failed) {
            for (size_t i = 0; i < run->peer_count; i++) {
                run_peer_t *p = &run->peers[i];
                if (!p->present)
                    continue;
                for (size_t j = 0; j < run->peer_count; j++)
                    if (run__pair(run, p, &run->peers[j])->active)
                        run__collect_pair(run, p, &run->peers[j]);
                run__collect_peer(run, p);
                p->present_us += run->end_us - p->join_us;
            }
            *report = run__report_build(run, &status);
            if (*report == NULL && !run->failed)
                run__fail(run, "out of memory");
        }
    } else if (!run->failed) {
        run__fail(run, "out of memory");
    }
    if (run->failed) {
        json_decref(*report);
        *report = NULL;
        status = run->unsupported ? SIM_RUN_UNSUPPORTED : SIM_RUN_INTERNAL;
        if (err_len > 0)
            snprintf(err, err_len, "%s", run->error);
    }
    (void)sim__pcap_out_close(run->pcap);
    run_teardown(run);
    free(events);
    free(run);
    return status;
}
