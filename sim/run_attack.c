/* sim/run_attack.c: attacker views that give the key metrics evidence.
 *
 * A member that left no longer gets packets from the SFU, and a newcomer
 * never got what was sent before it joined, so "decrypted nothing" would
 * hold for them by construction. The runner therefore hands the ciphertext
 * to them anyway, as an attacker who kept watching the wire would have it:
 *
 *  - Ghost (departed member). When a member leaves with rekey_on_leave, a
 *    receive-only peer is made with the keys the member held (the newest
 *    key of each sender it was given) and fed, until the end or its next
 *    join, every packet the SFU sees of each publisher's lowest layer and
 *    audio (the observer view: hop-by-hop SRTP removed, E2EE intact).
 *    Whatever it decrypts under an epoch at or after the member's first
 *    forbidden epoch counts in frames_decrypted_by_departed; frames of the
 *    old epoch still in flight decrypt legitimately and are not counted.
 *    It follows ratchet steps as a real receiver would, which is why only
 *    a rekey locks it out.
 *  - Probe (newcomer). When a member joins a call already under way, a
 *    receive-only peer gets every key the member is given and, once those
 *    keys are there, the recorded packets of the last RUN_RECORD_US before
 *    the join (since the member's previous leave). Whatever it decrypts
 *    counts in frames_decrypted_before_join. With ratchet_on_join the
 *    recorded frames are under older ratchet steps and must stay closed.
 *
 * Both decode nothing (decryption is the question) and send nothing: their
 * RTCP goes nowhere. Their frames reach only the key metrics, never the
 * pair figures or frames.csv.
 *
 * The recorder keeps at most RUN_RECORD_PACKETS packets of at most
 * RUN_RECORD_MAX_LEN bytes, oldest dropped first, and forgets packets older
 * than RUN_RECORD_US. */
#include "sim/run_internal.h"

#include <stdlib.h>
#include <string.h>

#define RUN_RECORD_US        2000000u
#define RUN_RECORD_PACKETS   8192u
#define RUN_RECORD_MAX_LEN   1500u
#define RUN_PROBE_LIFE_US    3000000u
#define RUN_ATTACK_RTCP_SSRC 0x6A05E000u

typedef struct run_record {
    uint64_t at_us;
    uint32_t participant;
    uint16_t len;
    uint8_t bytes[RUN_RECORD_MAX_LEN];
} run_record_t;

struct run_recorder {
    run_record_t *ring;
    size_t head, count; /* oldest at head */
};

bool run__attack_init(run_t *run)
{
    if (run->scheme == PEER_SCHEME_NONE)
        return true; /* nothing to decrypt: no views */
    run->recorder = calloc(1, sizeof(*run->recorder));
    if (run->recorder != NULL)
        run->recorder->ring = calloc(RUN_RECORD_PACKETS, sizeof(run_record_t));
    if (run->recorder == NULL || run->recorder->ring == NULL) {
        run__fail(run, "out of memory");
        return false;
    }
    return true;
}

void run__attack_free(run_t *run)
{
    for (size_t i = 0; i < run->peer_count && run->peers != NULL; i++) {
        peer_free(run->peers[i].ghost.peer);
        peer_free(run->peers[i].probe.peer);
        run->peers[i].ghost.peer = run->peers[i].probe.peer = NULL;
    }
    if (run->recorder != NULL)
        free(run->recorder->ring);
    free(run->recorder);
    run->recorder = NULL;
}

static void run_discard(void *ctx, uint32_t peer_id, uint64_t now_us, const uint8_t *bytes,
                        size_t len)
{
    (void)ctx;
    (void)peer_id;
    (void)now_us;
    (void)bytes;
    (void)len;
}

/* --- Polling the views ----------------------------------------------------- */

typedef struct run_view run_view_t;

static void run_view_timer(void *ctx, uint64_t now_us);

static void run_view_poll(run_view_t *view, uint64_t now_us)
{
    run_t *run = view->owner->run;
    if (view->peer == NULL)
        return;
    uint64_t next = peer_poll(view->peer, now_us);
    run_timer_t *t = &view->timer;
    if (next > run->end_us || (t->armed && t->at_us <= next))
        return;
    if (t->armed)
        (void)sim_cancel(run->engine, t->id);
    t->id = sim_schedule(run->engine, next, run_view_timer, view);
    t->at_us = next;
    t->armed = true;
}

static void run_view_timer(void *ctx, uint64_t now_us)
{
    run_view_t *view = ctx;
    view->timer.armed = false;
    run_view_poll(view, now_us);
}

static void run_view_stop(run_view_t *view)
{
    if (view->timer.armed) {
        (void)sim_cancel(view->owner->run->engine, view->timer.id);
        view->timer.armed = false;
    }
    peer_free(view->peer);
    view->peer = NULL;
}

/* A receive-only peer standing for p, following every present publisher's
 * lowest layer and audio by their own SSRCs. */
static peer_t *run_view_new(run_t *run, run_peer_t *p, uint64_t now_us)
{
    const sim_scenario_t *sc = run->scenario;
    peer_config_t c = peer_config_default();
    c.id = p->id;
    c.index = (uint32_t)p->index;
    c.start_us = now_us;
    c.scheme = run->scheme;
    c.suite = sc->e2ee.suite;
    c.signal = run->signal;
    c.test_transform = run->test_transform;
    c.srtp_profile = HBH_PROFILE_NONE;
    c.keying_material_len = 0;
    c.rtcp_ssrc = RUN_ATTACK_RTCP_SSRC + (uint32_t)p->index;
    c.ext = run->ext;
    c.nack = false;
    c.decode = false;
    c.psnr_every = 0;
    c.sink = run_discard;
    c.on_frame = run__on_attack_frame;
    c.on_frame_ctx = p;
    peer_t *view = NULL;
    if (peer_new(&c, &view) != PEER_OK) {
        run__fail(run, "%s: cannot create its attacker view", p->sp->name);
        return NULL;
    }
    for (size_t i = 0; i < run->peer_count; i++) {
        run_peer_t *s = &run->peers[i];
        if (s == p || !s->present)
            continue;
        peer_remote_config_t rc;
        if (s->publishes_video) {
            rc = run__remote_config(run, s, PEER_KIND_VIDEO, s->video_ssrc[0], s->video_rtx[0]);
            (void)peer_add_remote(view, &rc);
        }
        if (s->publishes_audio) {
            rc = run__remote_config(run, s, PEER_KIND_AUDIO, s->audio_ssrc, 0);
            (void)peer_add_remote(view, &rc);
        }
    }
    return view;
}

/* --- Membership ------------------------------------------------------------ */

void run__attack_left(run_t *run, run_peer_t *p, uint64_t now_us)
{
    run_view_stop(&p->probe);
    p->last_leave_us = now_us;
    if (run->recorder == NULL || !p->member || p->first_departed_epoch == 0)
        return;
    p->ghost.owner = p;
    p->ghost.peer = run_view_new(run, p, now_us);
    if (p->ghost.peer == NULL)
        return;
    for (size_t i = 0; i < run->peer_count; i++) {
        run_peer_t *s = &run->peers[i];
        run_pair_t *pair = run__pair(run, p, s);
        if (s == p || !s->present || !pair->delivered.valid)
            continue;
        (void)peer_add_recv_key(p->ghost.peer, s->id, pair->delivered.epoch, pair->delivered.step,
                                pair->delivered.bytes, pair->delivered.len, now_us);
    }
    run_view_poll(&p->ghost, now_us);
}

static void run_probe_replay(void *ctx, uint64_t now_us);

void run__attack_joined(run_t *run, run_peer_t *p, uint64_t now_us)
{
    run_view_stop(&p->ghost);
    if (run->recorder == NULL || !p->member || run->recorder->count == 0)
        return;
    p->probe.owner = p;
    p->probe.peer = run_view_new(run, p, now_us);
    if (p->probe.peer == NULL)
        return;
    p->probe_join_us = now_us;
    /* After the keys (delivered at now + delay, scheduled earlier). */
    uint64_t at = now_us + sim_scenario_us(run->scenario->e2ee.key_delivery_delay_ms / 1000.0) + 1;
    (void)sim_schedule(run->engine, at, run_probe_replay, p);
}

static void run_probe_end(void *ctx, uint64_t now_us)
{
    run_peer_t *p = ctx;
    (void)now_us;
    if (p->probe.peer != NULL && p->probe_ends_us == now_us)
        run_view_stop(&p->probe);
}

static void run_probe_replay(void *ctx, uint64_t now_us)
{
    run_peer_t *p = ctx;
    run_t *run = p->run;
    if (p->probe.peer == NULL || !p->present)
        return;
    struct run_recorder *rec = run->recorder;
    for (size_t k = 0; k < rec->count; k++) {
        const run_record_t *r = &rec->ring[(rec->head + k) % RUN_RECORD_PACKETS];
        if (r->at_us >= p->probe_join_us || r->at_us < p->last_leave_us || r->participant == p->id)
            continue;
        (void)peer_input(p->probe.peer, now_us, r->bytes, r->len);
    }
    run_view_poll(&p->probe, now_us);
    p->probe_ends_us = now_us + RUN_PROBE_LIFE_US;
    (void)sim_schedule(run->engine, p->probe_ends_us, run_probe_end, p);
}

void run__attack_key(run_t *run, run_peer_t *r, run_peer_t *s, const run_key_t *key,
                     uint64_t now_us)
{
    (void)run;
    if (r->probe.peer == NULL)
        return;
    (void)peer_add_recv_key(r->probe.peer, s->id, key->epoch, key->step, key->bytes, key->len,
                            now_us);
    run_view_poll(&r->probe, now_us);
}

/* --- Packets ------------------------------------------------------------------ */

void run__attack_observe(run_t *run, uint64_t now_us, const sfu_packet_view_t *packet)
{
    struct run_recorder *rec = run->recorder;
    if (rec == NULL || packet->rtx || packet->layer != 0 || packet->len > RUN_RECORD_MAX_LEN)
        return;
    /* Record it, forgetting what is too old or over the bound. */
    while (rec->count > 0 && rec->ring[rec->head].at_us + RUN_RECORD_US < now_us) {
        rec->head = (rec->head + 1) % RUN_RECORD_PACKETS;
        rec->count--;
    }
    if (rec->count == RUN_RECORD_PACKETS) {
        rec->head = (rec->head + 1) % RUN_RECORD_PACKETS;
        rec->count--;
    }
    run_record_t *r = &rec->ring[(rec->head + rec->count) % RUN_RECORD_PACKETS];
    r->at_us = now_us;
    r->participant = packet->participant_id;
    r->len = (uint16_t)packet->len;
    memcpy(r->bytes, packet->bytes, packet->len);
    rec->count++;
    /* Hand it to every ghost. */
    for (size_t i = 0; i < run->peer_count; i++) {
        run_peer_t *p = &run->peers[i];
        if (p->ghost.peer == NULL || packet->participant_id == p->id)
            continue;
        (void)peer_input(p->ghost.peer, now_us, packet->bytes, packet->len);
        run_view_poll(&p->ghost, now_us);
    }
}
