/* sim/run_keys.c: the runner's key server (docs/DESIGN.md, "Key
 * distribution"), as an MLS delivery service would act.
 *
 * Epochs are numbered call-wide: the first member's join starts epoch 1,
 * and every rekey (a leave with rekey_on_leave, a rekey event) starts the
 * next one. Each sender has one base key per epoch, drawn from the seeded
 * stream "keys".
 *
 *  - Join of a member: its own key (current epoch, step 0) is set at once
 *    (a member makes its own sender key) and reaches the other members
 *    after key_delivery_delay_ms; with ratchet_on_join every other sender
 *    ratchets its key at once (RFC 9605 section 5.1; receivers follow the
 *    step from the KID) and the newcomer gets the ratcheted keys after the
 *    delay, so it can derive nothing sent before it joined. Without it,
 *    the newcomer gets the keys as they are.
 *  - Leave of a member with rekey_on_leave: a new epoch; every remaining
 *    sender switches to a fresh key, and every remaining member receives
 *    those keys, all after the delivery delay (the commit reaches
 *    everybody at the same time). Receivers keep the previous epoch for
 *    previous_key_grace_ms. The departed member's first forbidden epoch is
 *    the new one.
 *  - Rekey event on a member: a new epoch for that sender alone, switched
 *    and delivered the same way.
 *  - Eavesdroppers never receive a key.
 *
 * A delivery hands over the sender's key as it is when it arrives: when
 * several members join at one instant, each join ratchets the earlier
 * senders again, and a receiver follows only a bounded number of steps
 * forward. A newcomer that joins while a rekey is under way also gets the
 * sender's next epoch. */
#include "sim/run_internal.h"

#include <stdlib.h>
#include <string.h>

typedef enum run_key_action {
    RUN_KEY_DELIVER, /* receiver installs sender's key */
    RUN_KEY_SWITCH,  /* sender starts sending under the key */
} run_key_action_t;

typedef struct run_key_event {
    struct run_key_event *next;
    run_t *run;
    run_key_action_t action;
    size_t receiver, sender;
    unsigned receiver_joins, sender_joins; /* both must still be in the same membership */
    run_key_t key;
} run_key_event_t;

static void run_key_draw(run_t *run, run_key_t *key, uint64_t epoch)
{
    key->valid = true;
    key->epoch = epoch;
    key->step = 0;
    key->len = RUN_KEY_LEN;
    for (size_t i = 0; i < key->len; i += 8) {
        uint64_t r = sim_rng_next(&run->rng_keys);
        memcpy(key->bytes + i, &r, 8);
    }
}

static void run_key_fire(void *ctx, uint64_t now_us)
{
    run_key_event_t *ev = ctx;
    run_t *run = ev->run;
    run_peer_t *s = &run->peers[ev->sender];
    if (!s->present || s->joins != ev->sender_joins)
        return;
    if (ev->action == RUN_KEY_SWITCH && s->pending.valid && s->pending.epoch == ev->key.epoch)
        s->pending.valid = false;
    if (ev->action == RUN_KEY_SWITCH) {
        run__trace(run, now_us, "\"event\": \"key_switch\", \"peer\": \"%s\", \"epoch\": %llu",
                   s->sp->name, (unsigned long long)ev->key.epoch);
        peer_err_t err = peer_set_send_key(s->peer, ev->key.epoch, ev->key.bytes, ev->key.len);
        if (err != PEER_OK)
            run__fail(run, "%s: cannot set the send key of epoch %llu: %s", s->sp->name,
                      (unsigned long long)ev->key.epoch, peer_strerror(err));
        else
            s->key = ev->key;
        run__poll_peer(s, now_us);
        return;
    }
    run_peer_t *r = &run->peers[ev->receiver];
    if (!r->present || r->joins != ev->receiver_joins || !run__pair(run, r, s)->active)
        return;
    /* Later joins may have ratcheted the sender's key since this delivery
     * was scheduled (several members joining at one instant): hand over
     * the key as it is now, which the receiver could not have derived
     * backwards anyway. */
    if (s->key.valid && s->key.epoch == ev->key.epoch && s->key.step > ev->key.step) {
        OPENSSL_cleanse(&ev->key, sizeof(ev->key));
        ev->key = s->key;
    }
    run__trace(run, now_us,
               "\"event\": \"key_delivered\", \"peer\": \"%s\", \"sender\": \"%s\", "
               "\"epoch\": %llu, \"step\": %llu",
               r->sp->name, s->sp->name, (unsigned long long)ev->key.epoch,
               (unsigned long long)ev->key.step);
    run__pair(run, r, s)->delivered = ev->key;
    run__attack_key(run, r, s, &ev->key, now_us);
    peer_err_t err = peer_add_recv_key(r->peer, s->id, ev->key.epoch, ev->key.step, ev->key.bytes,
                                       ev->key.len, now_us);
    if (err != PEER_OK && err != PEER_ERR_EXISTS && err != PEER_ERR_NOT_FOUND)
        run__fail(run, "%s: cannot install the key of %s (epoch %llu): %s", r->sp->name,
                  s->sp->name, (unsigned long long)ev->key.epoch, peer_strerror(err));
    run__poll_peer(r, now_us);
}

static void run_key_schedule(run_t *run, run_key_action_t action, const run_peer_t *r,
                             const run_peer_t *s, const run_key_t *key, uint64_t at_us)
{
    run_key_event_t *ev = calloc(1, sizeof(*ev));
    if (ev == NULL) {
        run__fail(run, "out of memory");
        return;
    }
    ev->run = run;
    ev->action = action;
    ev->receiver = r != NULL ? r->index : 0;
    ev->receiver_joins = r != NULL ? r->joins : 0;
    ev->sender = s->index;
    ev->sender_joins = s->joins;
    ev->key = *key;
    ev->next = run->key_events;
    run->key_events = ev;
    (void)sim_schedule(run->engine, at_us, run_key_fire, ev);
}

static uint64_t run_key_delay_us(const run_t *run)
{
    return sim_scenario_us(run->scenario->e2ee.key_delivery_delay_ms / 1000.0);
}

/* Delivers s's key to every present member that receives s. */
static void run_key_to_receivers(run_t *run, const run_peer_t *s, const run_key_t *key,
                                 uint64_t at_us)
{
    for (size_t i = 0; i < run->peer_count; i++) {
        const run_peer_t *r = &run->peers[i];
        if (r != s && r->present && r->member && run__pair(run, (run_peer_t *)r, s)->active)
            run_key_schedule(run, RUN_KEY_DELIVER, r, s, key, at_us);
    }
}

void run__keys_join(run_t *run, run_peer_t *p, uint64_t now_us)
{
    if (!p->member || run->scheme == PEER_SCHEME_NONE)
        return;
    const sim_scenario_t *sc = run->scenario;
    uint64_t at = now_us + run_key_delay_us(run);
    if (run->epoch == 0) {
        run->epoch = 1;
        run->epochs = 1;
    }
    run_key_draw(run, &p->key, run->epoch);
    peer_err_t err = peer_set_send_key(p->peer, p->key.epoch, p->key.bytes, p->key.len);
    if (err != PEER_OK) {
        run__fail(run, "%s: cannot set its send key: %s", p->sp->name, peer_strerror(err));
        return;
    }
    run_key_to_receivers(run, p, &p->key, at);

    for (size_t i = 0; i < run->peer_count; i++) {
        run_peer_t *q = &run->peers[i];
        if (q == p || !q->present || !q->member || !q->key.valid)
            continue;
        if (sc->e2ee.ratchet_on_join) {
            uint8_t next[64];
            size_t next_len = 0;
            err = peer_ratchet_key(run->scheme, sc->e2ee.suite, SFRAME_LEGACY_JITSI, q->key.bytes,
                                   q->key.len, next, &next_len);
            if (err == PEER_OK)
                err = peer_ratchet_send_key(q->peer);
            if (err != PEER_OK) {
                OPENSSL_cleanse(next, sizeof(next));
                run__fail(run, "%s: cannot ratchet its key: %s", q->sp->name, peer_strerror(err));
                return;
            }
            memcpy(q->key.bytes, next, next_len);
            q->key.len = next_len;
            q->key.step++;
            OPENSSL_cleanse(next, sizeof(next));
        }
        if (run__pair(run, p, q)->active) {
            run_key_schedule(run, RUN_KEY_DELIVER, p, q, &q->key, at);
            /* A rekey under way: the newcomer needs the next epoch too. */
            if (q->pending.valid)
                run_key_schedule(run, RUN_KEY_DELIVER, p, q, &q->pending, at);
        }
    }
}

/* A new epoch for each sender in senders[] (switched and delivered after
 * the delay). */
static void run_key_new_epoch(run_t *run, run_peer_t *only, uint64_t now_us)
{
    uint64_t at = now_us + run_key_delay_us(run);
    run->epoch++;
    run->epochs++;
    for (size_t i = 0; i < run->peer_count; i++) {
        run_peer_t *s = &run->peers[i];
        if (!s->present || !s->member || (only != NULL && s != only))
            continue;
        run_key_t key;
        run_key_draw(run, &key, run->epoch);
        s->pending = key;
        run_key_schedule(run, RUN_KEY_SWITCH, NULL, s, &key, at);
        run_key_to_receivers(run, s, &key, at);
        OPENSSL_cleanse(&key, sizeof(key));
    }
}

void run__keys_leave(run_t *run, run_peer_t *p, uint64_t now_us)
{
    OPENSSL_cleanse(&p->key, sizeof(p->key));
    OPENSSL_cleanse(&p->pending, sizeof(p->pending));
    if (!p->member || run->scheme == PEER_SCHEME_NONE)
        return;
    if (!run->scenario->e2ee.rekey_on_leave)
        return;
    run_key_new_epoch(run, NULL, now_us);
    p->first_departed_epoch = run->epoch;
}

void run__keys_rekey(run_t *run, run_peer_t *p, uint64_t now_us)
{
    if (!p->member || run->scheme == PEER_SCHEME_NONE)
        return;
    run_key_new_epoch(run, p, now_us);
}

void run__keys_free(run_t *run)
{
    run_key_event_t *ev = run->key_events;
    while (ev != NULL) {
        run_key_event_t *next = ev->next;
        OPENSSL_cleanse(&ev->key, sizeof(ev->key));
        free(ev);
        ev = next;
    }
    run->key_events = NULL;
}
