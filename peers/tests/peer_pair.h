/* Shared by the peers/tests/test_peer_*.c suites: two peers wired back to
 * back without an SFU, in virtual time.
 *
 * Peer A sends; peer B receives. They share one RFC 5764 keying material,
 * A as the DTLS client and B as the server, so what A's session protects
 * B's session unprotects (B's inbound key is A's outbound key) and the
 * other way round for B's RTCP. B receives A's layer SSRCs directly: its
 * remote configuration names A's own SSRCs (one layer at a time, since no
 * SFU rewrites them).
 *
 * The link A -> B carries A's datagrams to B after a fixed delay, dropping
 * RTP of SSRCs B does not take (what an SFU's layer selection would do),
 * and applies the test's impairments to the media packets it forwards,
 * numbered in order: drop, duplicate, delay more (reorder). The link
 * B -> A carries B's RTCP back after the same delay. pair_run() is the
 * event loop: each peer runs when it asked to or when a datagram reached
 * it, every datagram is delivered at its time. */
#ifndef BLINDFOLD_PEERS_TESTS_PEER_PAIR_H
#define BLINDFOLD_PEERS_TESTS_PEER_PAIR_H

#include "peers/peer.h"
#include "rtp/rtp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PAIR_A_ID        0x00A1u
#define PAIR_B_ID        0x00B2u
#define PAIR_MS          1000u
#define PAIR_DELAY_US    (20u * PAIR_MS)
#define PAIR_LAYERS      3u
#define PAIR_DATAGRAM    2048u
#define PAIR_MAX_ALLOWED 8u

/* Check allocates on every assertion, passing ones included: a test that
 * counts allocations sets pair_quiet, and the harness's own checks then
 * only count their failures. */
static bool pair_quiet;
static unsigned long pair_quiet_failures;
#define PAIR_CHECK(cond)               \
    do {                               \
        if (pair_quiet) {              \
            if (!(cond))               \
                pair_quiet_failures++; \
        } else {                       \
            ck_assert(cond);           \
        }                              \
    } while (0)

typedef struct pair_datagram {
    uint64_t at;
    size_t len;
    uint8_t bytes[PAIR_DATAGRAM];
} pair_datagram_t;

/* Per forwarded media packet (index counts from 0 in forwarding order). */
typedef bool (*pair_drop_fn)(void *ctx, uint64_t index, const uint8_t *rtp, size_t len);

typedef struct pair_link {
    pair_datagram_t *queue;
    size_t count, cap;
    uint64_t delay_us;
    /* Impairments, A -> B media only. */
    uint32_t allowed[PAIR_MAX_ALLOWED]; /* RTP SSRCs forwarded; none set: all */
    unsigned n_allowed;
    pair_drop_fn drop;
    void *drop_ctx;
    unsigned duplicate_every; /* every N-th media packet twice; 0 = never */
    unsigned reorder_every;   /* every N-th media packet delayed by reorder_us */
    uint64_t reorder_us;
    uint64_t media_index; /* media packets seen */
    uint64_t dropped, filtered, duplicated, delivered;
    /* What the link saw (for tests that read headers in clear); on B -> A
     * every datagram B sent. */
    void (*observe)(void *ctx, const uint8_t *bytes, size_t len);
    void *observe_ctx;
} pair_link_t;

typedef struct pair_sent {
    unsigned layer;
    peer_kind_t kind;
    uint64_t frame;
    bool keyframe;
    uint64_t epoch;
    size_t plaintext_len, protected_len, clear_head;
    unsigned packets;
} pair_sent_t;

typedef struct pair {
    peer_t *a, *b;
    peer_config_t config_a, config_b;
    pair_link_t ab, ba;
    uint64_t now_us, next_a, next_b;
    peer_frame_record_t *records; /* B's records, in order */
    size_t n_records, records_cap;
    pair_sent_t *sent; /* A's sent frames */
    size_t n_sent, sent_cap;
    /* Per sent frame hook (test-specific checks on the bytes). */
    void (*on_sent)(void *ctx, const peer_sent_frame_t *frame);
    void *on_sent_ctx;
} pair_t;

static inline void pair_material(uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(0x3c + 7 * i);
}

static inline void *pair_grow(void *array, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return array;
    size_t next = *cap ? 2 * *cap : 64;
    void *grown = realloc(array, next * size);
    PAIR_CHECK(grown != NULL);
    *cap = next;
    return grown;
}

static inline void pair_push(pair_link_t *link, uint64_t at, const uint8_t *bytes, size_t len)
{
    PAIR_CHECK(len <= PAIR_DATAGRAM);
    link->queue = pair_grow(link->queue, &link->cap, link->count, sizeof(*link->queue));
    pair_datagram_t *d = &link->queue[link->count++];
    d->at = at;
    d->len = len;
    memcpy(d->bytes, bytes, len);
}

static inline uint32_t pair_ssrc_of(const uint8_t *bytes, size_t len)
{
    if (len < 12)
        return 0;
    return (uint32_t)bytes[8] << 24 | (uint32_t)bytes[9] << 16 | (uint32_t)bytes[10] << 8 |
           bytes[11];
}

static inline void pair_link_send(pair_link_t *link, uint64_t now_us, const uint8_t *bytes,
                                  size_t len)
{
    if (link->observe != NULL)
        link->observe(link->observe_ctx, bytes, len);
    if (rtp_demux(bytes, len) != RTP_DEMUX_RTP) {
        pair_push(link, now_us + link->delay_us, bytes, len);
        return;
    }
    if (link->n_allowed > 0) {
        uint32_t ssrc = pair_ssrc_of(bytes, len);
        bool allowed = false;
        for (unsigned i = 0; i < link->n_allowed; i++)
            allowed = allowed || link->allowed[i] == ssrc;
        if (!allowed) {
            link->filtered++;
            return;
        }
    }
    uint64_t index = link->media_index++;
    if (link->drop != NULL && link->drop(link->drop_ctx, index, bytes, len)) {
        link->dropped++;
        return;
    }
    uint64_t at = now_us + link->delay_us;
    if (link->reorder_every != 0 && index % link->reorder_every == link->reorder_every - 1)
        at += link->reorder_us;
    pair_push(link, at, bytes, len);
    if (link->duplicate_every != 0 && index % link->duplicate_every == link->duplicate_every - 1) {
        pair_push(link, at + 1, bytes, len);
        link->duplicated++;
    }
}

static inline void pair_sink_a(void *ctx, uint32_t peer_id, uint64_t now_us, const uint8_t *bytes,
                               size_t len)
{
    (void)peer_id;
    pair_t *pair = ctx;
    pair_link_send(&pair->ab, now_us, bytes, len);
}

static inline void pair_sink_b(void *ctx, uint32_t peer_id, uint64_t now_us, const uint8_t *bytes,
                               size_t len)
{
    (void)peer_id;
    pair_t *pair = ctx;
    if (pair->ba.observe != NULL)
        pair->ba.observe(pair->ba.observe_ctx, bytes, len);
    pair_push(&pair->ba, now_us + pair->ba.delay_us, bytes, len);
}

static inline void pair_on_frame(void *ctx, uint64_t now_us, const peer_frame_record_t *record)
{
    (void)now_us;
    pair_t *pair = ctx;
    pair->records =
        pair_grow(pair->records, &pair->records_cap, pair->n_records, sizeof(*pair->records));
    pair->records[pair->n_records++] = *record;
}

static inline void pair_on_sent(void *ctx, uint64_t now_us, const peer_sent_frame_t *frame)
{
    pair_t *pair = ctx;
    PAIR_CHECK(frame->capture_us == now_us);
    pair->sent = pair_grow(pair->sent, &pair->sent_cap, pair->n_sent, sizeof(*pair->sent));
    pair->sent[pair->n_sent++] = (pair_sent_t){
        .layer = frame->layer,
        .kind = frame->kind,
        .frame = frame->frame,
        .keyframe = frame->keyframe,
        .epoch = frame->epoch,
        .plaintext_len = frame->plaintext_len,
        .protected_len = frame->protected_len,
        .clear_head = frame->clear_head,
        .packets = frame->packets,
    };
    if (pair->on_sent != NULL)
        pair->on_sent(pair->on_sent_ctx, frame);
}

/* A: 3 layers q/h/f (160x90, 320x180, 640x360; 150/500/1500 kbps; RTX on),
 * 30 fps, sframe AES_128_GCM_SHA256_128, DD, SRTP AEAD_AES_128_GCM; no
 * audio. B: sends nothing, the DTLS server. */
static inline void pair_configs(pair_t *pair)
{
    peer_config_t a = peer_config_default();
    a.id = PAIR_A_ID;
    a.index = 1;
    a.video.enabled = true;
    a.video.pattern_seed = 42;
    for (unsigned l = 0; l < PAIR_LAYERS; l++) {
        a.video.layers[l].ssrc = 0x1000u + l;
        a.video.layers[l].rtx_ssrc = 0x2000u + l;
        a.video.layers[l].first_seq = (uint16_t)(65000u + 100u * l); /* wraps early */
        a.video.layers[l].first_rtx_seq = (uint16_t)(500u * l);
        a.video.layers[l].first_timestamp = 0xFFFF0000u + 1000u * l;
        a.video.layers[l].first_picture_id = (uint16_t)(32700u + l);
    }
    a.audio.ssrc = 0x3000;
    a.audio.first_seq = 65500;
    a.audio.first_timestamp = 123456;
    a.srtp_profile = HBH_PROFILE_AEAD_AES_128_GCM;
    a.keying_material_len = hbh_material_len(a.srtp_profile);
    pair_material(a.keying_material, a.keying_material_len);
    a.dtls_role = HBH_ROLE_CLIENT;
    peer_config_t b = a;
    b.id = PAIR_B_ID;
    b.index = 2;
    b.video.enabled = false;
    b.audio.enabled = false;
    b.rtcp_ssrc = 0xB0B0;
    b.dtls_role = HBH_ROLE_SERVER;
    pair->config_a = a;
    pair->config_b = b;
}

/* Grows the harness's arrays to `room` entries at once, so that a test
 * counting allocations sees none from the harness. */
static inline void pair_reserve(pair_t *pair, size_t room)
{
    pair->records = realloc(pair->records, room * sizeof(*pair->records));
    pair->records_cap = room;
    pair->sent = realloc(pair->sent, room * sizeof(*pair->sent));
    pair->sent_cap = room;
    pair->ab.queue = realloc(pair->ab.queue, room * sizeof(*pair->ab.queue));
    pair->ab.cap = room;
    pair->ba.queue = realloc(pair->ba.queue, room * sizeof(*pair->ba.queue));
    pair->ba.cap = room;
    ck_assert(pair->records && pair->sent && pair->ab.queue && pair->ba.queue);
}

static inline void pair_init(pair_t *pair)
{
    memset(pair, 0, sizeof(*pair));
    pair->ab.delay_us = PAIR_DELAY_US;
    pair->ba.delay_us = PAIR_DELAY_US;
    pair_configs(pair);
}

/* Creates both peers from config_a / config_b (adjusted by the test). */
static inline void pair_start(pair_t *pair)
{
    pair->config_a.sink = pair_sink_a;
    pair->config_a.sink_ctx = pair;
    pair->config_a.on_sent = pair_on_sent;
    pair->config_a.on_sent_ctx = pair;
    pair->config_b.sink = pair_sink_b;
    pair->config_b.sink_ctx = pair;
    pair->config_b.on_frame = pair_on_frame;
    pair->config_b.on_frame_ctx = pair;
    ck_assert_int_eq(peer_new(&pair->config_a, &pair->a), PEER_OK);
    ck_assert_int_eq(peer_new(&pair->config_b, &pair->b), PEER_OK);
    pair->now_us = 0;
    pair->next_a = 0;
    pair->next_b = 0;
}

/* B's remote for A's video, receiving layer `layer` (its SSRCs allowed
 * through the link). */
static inline peer_remote_config_t pair_video_remote(const pair_t *pair, unsigned layer)
{
    const peer_config_t *a = &pair->config_a;
    peer_remote_config_t r = {
        .sender_id = a->id,
        .kind = PEER_KIND_VIDEO,
        .ssrc = a->video.layers[layer].ssrc,
        .rtx_ssrc = a->video.layers[layer].rtx_ssrc,
        .payload_type = a->video.payload_type,
        .rtx_payload_type = a->video.rtx_payload_type,
        .source = a->video.source,
        .fps = a->video.fps,
        .width = a->video.width,
        .height = a->video.height,
        .n_layers = a->video.n_layers,
        .pattern_seed = a->video.pattern_seed,
        .clips = a->video.clips,
    };
    for (unsigned l = 0; l < a->video.n_layers; l++) {
        r.layer_width[l] = a->video.layers[l].width;
        r.layer_height[l] = a->video.layers[l].height;
    }
    return r;
}

static inline void pair_receive_layer(pair_t *pair, unsigned layer)
{
    peer_remote_config_t r = pair_video_remote(pair, layer);
    ck_assert_int_eq(peer_add_remote(pair->b, &r), PEER_OK);
    pair->ab.allowed[pair->ab.n_allowed++] = r.ssrc;
    pair->ab.allowed[pair->ab.n_allowed++] = r.rtx_ssrc;
}

static inline void pair_receive_audio(pair_t *pair)
{
    const peer_config_t *a = &pair->config_a;
    peer_remote_config_t r = {
        .sender_id = a->id,
        .kind = PEER_KIND_AUDIO,
        .ssrc = a->audio.ssrc,
        .payload_type = a->audio.payload_type,
        .ptime_ms = a->audio.ptime_ms,
    };
    ck_assert_int_eq(peer_add_remote(pair->b, &r), PEER_OK);
    if (pair->ab.n_allowed > 0)
        pair->ab.allowed[pair->ab.n_allowed++] = r.ssrc;
}

static inline const uint8_t *pair_key(unsigned epoch)
{
    static const uint8_t keys[3][16] = { "epoch-0 test key", "epoch-1 test key",
                                         "epoch-2 test key" };
    return keys[epoch % 3];
}

/* A's key of `epoch`, and B's copy of it. */
static inline void pair_keys(pair_t *pair, uint64_t epoch)
{
    ck_assert_int_eq(peer_set_send_key(pair->a, epoch, pair_key((unsigned)epoch), 16), PEER_OK);
    ck_assert_int_eq(peer_add_recv_key(pair->b, PAIR_A_ID, epoch, 0, pair_key((unsigned)epoch), 16,
                                       pair->now_us),
                     PEER_OK);
}

static inline uint64_t pair_link_next(const pair_link_t *link)
{
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < link->count; i++)
        next = link->queue[i].at < next ? link->queue[i].at : next;
    return next;
}

/* Delivers every datagram due at `now` (in time order, then FIFO). */
static inline bool pair_deliver(pair_link_t *link, peer_t *to, uint64_t now)
{
    bool any = false;
    for (;;) {
        size_t best = link->count;
        for (size_t i = 0; i < link->count; i++)
            if (link->queue[i].at <= now &&
                (best == link->count || link->queue[i].at < link->queue[best].at))
                best = i;
        if (best == link->count)
            return any;
        pair_datagram_t d = link->queue[best];
        memmove(&link->queue[best], &link->queue[best + 1],
                (link->count - best - 1) * sizeof(*link->queue));
        link->count--;
        PAIR_CHECK(peer_input(to, now, d.bytes, d.len) == PEER_OK);
        link->delivered++;
        any = true;
    }
}

/* Runs both peers and both links until `until_us`. */
static inline void pair_run(pair_t *pair, uint64_t until_us)
{
    for (;;) {
        uint64_t next = pair->next_a < pair->next_b ? pair->next_a : pair->next_b;
        uint64_t link = pair_link_next(&pair->ab);
        next = link < next ? link : next;
        link = pair_link_next(&pair->ba);
        next = link < next ? link : next;
        if (next > until_us) {
            pair->now_us = until_us;
            return;
        }
        uint64_t now = next > pair->now_us ? next : pair->now_us;
        pair->now_us = now;
        if (pair_deliver(&pair->ab, pair->b, now))
            pair->next_b = now;
        if (pair_deliver(&pair->ba, pair->a, now))
            pair->next_a = now;
        if (pair->next_a <= now) {
            pair->next_a = peer_poll(pair->a, now);
            PAIR_CHECK(pair->next_a > now);
        }
        if (pair->next_b <= now) {
            pair->next_b = peer_poll(pair->b, now);
            PAIR_CHECK(pair->next_b > now);
        }
    }
}

static inline void pair_free(pair_t *pair)
{
    peer_free(pair->a);
    peer_free(pair->b);
    free(pair->ab.queue);
    free(pair->ba.queue);
    free(pair->records);
    free(pair->sent);
}

static inline size_t pair_count_sent(const pair_t *pair, peer_kind_t kind, unsigned layer)
{
    size_t n = 0;
    for (size_t i = 0; i < pair->n_sent; i++)
        n +=
            pair->sent[i].kind == kind && (kind == PEER_KIND_AUDIO || pair->sent[i].layer == layer);
    return n;
}

static inline peer_remote_stats_t pair_remote_stats(const pair_t *pair, peer_kind_t kind)
{
    peer_remote_stats_t s;
    ck_assert_int_eq(peer_remote_stats(pair->b, PAIR_A_ID, kind, &s), PEER_OK);
    return s;
}

static inline peer_stats_t pair_stats(peer_t *peer)
{
    peer_stats_t s;
    ck_assert_int_eq(peer_stats(peer, &s), PEER_OK);
    return s;
}

#endif
