/* `blindfold replay`: the probe pass, the core's setup and the replay pass
 * (sim/sim_replay.h). */
#include "sim/replay_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- The map ------------------------------------------------------------ */

static uint64_t map_hash(const uint8_t *key, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= key[i];
        h *= 0x100000001b3ull;
    }
    return h ^ (h >> 29);
}

size_t replay_map_get(const replay_map_t *map, const void *key, size_t key_len)
{
    if (map->cap == 0)
        return SIZE_MAX;
    uint64_t h = map_hash(key, key_len);
    for (size_t i = h & (map->cap - 1);; i = (i + 1) & (map->cap - 1)) {
        const replay_map_slot_t *s = &map->slots[i];
        if (s->value == SIZE_MAX)
            return SIZE_MAX;
        if (s->hash == h && s->key_len == key_len && memcmp(s->key, key, key_len) == 0)
            return s->value;
    }
}

static bool map_grow(replay_map_t *map)
{
    size_t cap = map->cap ? map->cap * 2 : 64;
    replay_map_slot_t *slots = malloc(cap * sizeof *slots);
    if (slots == NULL)
        return false;
    for (size_t i = 0; i < cap; i++)
        slots[i].value = SIZE_MAX;
    for (size_t j = 0; j < map->cap; j++) {
        const replay_map_slot_t *s = &map->slots[j];
        if (s->value == SIZE_MAX)
            continue;
        size_t i = s->hash & (cap - 1);
        while (slots[i].value != SIZE_MAX)
            i = (i + 1) & (cap - 1);
        slots[i] = *s;
    }
    free(map->slots);
    map->slots = slots;
    map->cap = cap;
    return true;
}

bool replay_map_put(replay_map_t *map, const void *key, size_t key_len, size_t value)
{
    if (key_len > sizeof map->slots[0].key)
        return false;
    if ((map->used + 1) * 2 > map->cap && !map_grow(map))
        return false;
    uint64_t h = map_hash(key, key_len);
    size_t i = h & (map->cap - 1);
    while (map->slots[i].value != SIZE_MAX)
        i = (i + 1) & (map->cap - 1);
    replay_map_slot_t *s = &map->slots[i];
    s->hash = h;
    s->value = value;
    s->key_len = (uint8_t)key_len;
    memcpy(s->key, key, key_len);
    map->used++;
    return true;
}

void replay_map_free(replay_map_t *map)
{
    free(map->slots);
    memset(map, 0, sizeof *map);
}

/* Keys: an endpoint as 19 bytes (family, address, port). */
static size_t endpoint_key(const sim__streams_endpoint_t *ep, uint8_t *out)
{
    out[0] = ep->family;
    memcpy(out + 1, ep->addr, 16);
    out[17] = (uint8_t)(ep->port >> 8);
    out[18] = (uint8_t)ep->port;
    return 19;
}

static sim__streams_endpoint_t endpoint_of(const sim__capture_addr_t *a)
{
    sim__streams_endpoint_t ep;
    memset(&ep, 0, sizeof ep);
    ep.family = a->family;
    memcpy(ep.addr, a->ip, a->family == 4 ? 4 : 16);
    ep.port = a->port;
    return ep;
}

/* --- Errors -------------------------------------------------------------- */

static void say(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t err_len, const char *fmt, ...)
{
    if (err == NULL || err_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/* --- Streams and transports --------------------------------------------- */

static bool grow(void **array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*array, n * size);
    if (p == NULL)
        return false;
    memset((uint8_t *)p + *cap * size, 0, (n - *cap) * size);
    *array = p;
    *cap = n;
    return true;
}

/* The transport of (src, dst), created with its SRTP matching state when
 * new; SIZE_MAX when out of memory or libsrtp refuses. */
static size_t transport_of(replay_t *r, const sim__streams_endpoint_t *src,
                           const sim__streams_endpoint_t *dst)
{
    uint8_t key[38];
    endpoint_key(src, key);
    endpoint_key(dst, key + 19);
    size_t t = replay_map_get(&r->transport_index, key, sizeof key);
    if (t != SIZE_MAX)
        return t;
    if (!grow((void **)&r->transports, &r->transport_cap, r->transport_count + 1,
              sizeof *r->transports))
        return SIZE_MAX;
    replay_transport_t *tr = &r->transports[r->transport_count];
    memset(tr, 0, sizeof *tr);
    tr->src = *src;
    tr->dst = *dst;
    if (r->keys != NULL && sim__inspect_stream_new(r->keys, src, &tr->srtp) != HBH_OK)
        return SIZE_MAX;
    if (!replay_map_put(&r->transport_index, key, sizeof key, r->transport_count)) {
        sim__inspect_stream_free(tr->srtp);
        tr->srtp = NULL;
        return SIZE_MAX;
    }
    return r->transport_count++;
}

/* Matching restarts for the replay pass: libsrtp's replay windows saw the
 * probe's packets. */
static bool transports_reset(replay_t *r)
{
    for (size_t i = 0; i < r->transport_count; i++) {
        replay_transport_t *tr = &r->transports[i];
        sim__inspect_stream_free(tr->srtp);
        tr->srtp = NULL;
        if (r->keys != NULL && sim__inspect_stream_new(r->keys, &tr->src, &tr->srtp) != HBH_OK)
            return false;
    }
    return true;
}

/* The plain RTP packet of an SRTP one: r->buf, or NULL when no key opens
 * it (counted). Without keys the packet itself. */
static const uint8_t *plain_rtp(replay_t *r, replay_transport_t *tr, const uint8_t *bytes,
                                size_t len, size_t *plain_len, bool *opened)
{
    *opened = false;
    if (tr->srtp == NULL) {
        *plain_len = len;
        return bytes;
    }
    sim__inspect_match_status_t st =
        sim__inspect_match(tr->srtp, false, bytes, len, r->buf, sizeof r->buf, plain_len, NULL);
    if (st == SIM__INSPECT_OPENED) {
        *opened = true;
        return r->buf;
    }
    if (st == SIM__INSPECT_MALFORMED || st == SIM__INSPECT_INVALID)
        r->counts.srtp_malformed++;
    return NULL;
}

/* --- The probe pass -------------------------------------------------------- */

static sim__capture_t *open_capture(replay_t *r, char *err, size_t err_len)
{
    sim__capture_t *cap = NULL;
    char msg[512];
    if (sim__capture_open(r->options->capture, &r->capture_config, &cap, msg, sizeof msg) !=
        SIM__CAPTURE_OK) {
        say(err, err_len, "%s", msg);
        return NULL;
    }
    return cap;
}

/* Adds the datagram's RTP packet to `table`; *row is its row when counted. */
static sim__streams_status_t add_rtp(sim__streams_t *table, const sim__capture_datagram_t *d,
                                     sim__streams_packet_t *pkt, sim__streams_row_t **row)
{
    *pkt = (sim__streams_packet_t){
        .capture_us = (int64_t)d->time_us,
        .src = endpoint_of(&d->src),
        .dst = endpoint_of(&d->dst),
        .rtp = d->payload,
        .rtp_len = d->payload_len,
    };
    *row = NULL;
    return sim__streams_add(table, pkt, row);
}

static bool probe_rtp(replay_t *r, const sim__capture_datagram_t *d)
{
    sim__streams_packet_t pkt;
    sim__streams_row_t *row = NULL;
    if (add_rtp(r->probe, d, &pkt, &row) != SIM__STREAMS_COUNTED)
        return true;
    if (row->index >= r->stream_count) {
        if (!grow((void **)&r->streams, &r->stream_cap, row->index + 1, sizeof *r->streams))
            return false;
        r->stream_count = row->index + 1;
        size_t t = transport_of(r, &pkt.src, &pkt.dst);
        if (t == SIZE_MAX)
            return false;
        r->streams[row->index].transport = t;
    }
    replay_stream_t *rs = &r->streams[row->index];
    size_t plain_len = 0;
    bool opened = false;
    const uint8_t *plain = plain_rtp(r, &r->transports[rs->transport], d->payload, d->payload_len,
                                     &plain_len, &opened);
    if (plain == NULL)
        return true;
    rs->opened_in_probe |= opened;
    rtp_header_t h;
    if (rtp_parse(plain, plain_len, &h) == RTP_OK)
        replay_probe_packet(&rs->evidence, &h, (int64_t)d->time_us);
    return true;
}

/* Reads the whole capture once. Returns false when out of memory; the
 * damage, if any, is in r->capture_error. */
static bool probe_pass(replay_t *r, char *err, size_t err_len)
{
    sim__capture_t *cap = open_capture(r, err, err_len);
    if (cap == NULL)
        return false;
    r->format = sim__capture_is_pcapng(cap) ? "pcapng" : "pcap";
    r->link_name = sim__capture_link_name(cap);
    r->link_type = sim__capture_link_type(cap);
    sim__capture_datagram_t d;
    sim__capture_err_t rc;
    bool ok = true;
    bool origin = false;
    while (ok && (rc = sim__capture_next(cap, &d)) == SIM__CAPTURE_OK) {
        if (!origin) {
            sim__streams_set_origin(r->probe, (int64_t)d.first_time_us);
            origin = true;
        }
        if (d.kind == RTP_DEMUX_RTP)
            ok = probe_rtp(r, &d);
    }
    if (ok && rc != SIM__CAPTURE_END)
        snprintf(r->capture_error, sizeof r->capture_error, "%s", sim__capture_message(cap));
    sim__capture_close(cap);
    if (!ok)
        say(err, err_len, "%s: out of memory during the probe pass", r->options->capture);
    return ok;
}

/* --- Decisions and the core's setup --------------------------------------- */

static const char *const why_ssrc0 = "SSRC 0 cannot be declared";
static const char *const why_undecryptable = "no SRTP key opens it";
static const char *const why_second_dst = "its source sends this SSRC to another destination "
                                          "too; that stream is replayed";
static const char *const why_taken = "another source publishes this SSRC";
static const char *const why_too_many = "more tracks than the replay declares";

static size_t participant_of(replay_t *r, replay_map_t *index, const sim__streams_endpoint_t *src)
{
    uint8_t key[19];
    endpoint_key(src, key);
    size_t p = replay_map_get(index, key, sizeof key);
    if (p != SIZE_MAX)
        return p;
    replay_participant_t *grown =
        realloc(r->participants, (r->participant_count + 1) * sizeof *r->participants);
    if (grown == NULL)
        return SIZE_MAX;
    r->participants = grown;
    replay_participant_t *np = &r->participants[r->participant_count];
    memset(np, 0, sizeof *np);
    np->replay = r;
    np->addr = *src;
    np->id = (uint32_t)r->participant_count + 1;
    if (!replay_map_put(index, key, sizeof key, r->participant_count))
        return SIZE_MAX;
    return r->participant_count++;
}

/* Who publishes what: decides every stream, maps payload types for the
 * replay's table. */
static bool decide(replay_t *r)
{
    replay_map_t by_src = { 0 }, by_ssrc = { 0 }, by_src_ssrc = { 0 };
    bool ok = true;
    for (size_t i = 0; ok && i < r->stream_count; i++) {
        replay_stream_t *rs = &r->streams[i];
        const sim__streams_row_t *row = sim__streams_row(r->probe, i);
        replay_probe_decide(rs, row, r->probe);
        rs->not_replayed = "";
        uint8_t key[23];
        size_t n = endpoint_key(&row->src, key);
        memcpy(key + n, &row->ssrc, 4);
        if (row->ssrc == 0)
            rs->not_replayed = why_ssrc0;
        else if (r->keys != NULL && !rs->opened_in_probe)
            rs->not_replayed = why_undecryptable;
        else if (replay_map_get(&by_src_ssrc, key, n + 4) != SIZE_MAX)
            rs->not_replayed = why_second_dst;
        else if (replay_map_get(&by_ssrc, &row->ssrc, 4) != SIZE_MAX)
            rs->not_replayed = why_taken;
        else if (r->track_count >= REPLAY_MAX_TRACKS)
            rs->not_replayed = why_too_many;
        if (rs->not_replayed[0] != '\0')
            continue;
        size_t p = participant_of(r, &by_src, &row->src);
        ok = p != SIZE_MAX && replay_map_put(&by_src_ssrc, key, n + 4, i) &&
             replay_map_put(&by_ssrc, &row->ssrc, 4, i);
        if (!ok)
            break;
        rs->replayed = true;
        rs->participant = p;
        rs->track = r->track_count++;
        if (!grow((void **)&r->track_stream, &r->track_stream_cap, r->track_count,
                  sizeof *r->track_stream)) {
            ok = false;
            break;
        }
        r->track_stream[rs->track] = i;
        r->participants[p].tracks++;
    }
    replay_map_free(&by_src);
    replay_map_free(&by_ssrc);
    replay_map_free(&by_src_ssrc);
    return ok;
}

/* The replay's table names a dynamic payload type when every stream that
 * starts with it was given the same codec. */
static void map_payload_types(replay_t *r, sim__streams_t *table)
{
    for (unsigned pt = 35; pt < 128; pt++) {
        const replay_stream_t *first = NULL;
        bool agree = true;
        for (size_t i = 0; i < r->stream_count && agree; i++) {
            const sim__streams_row_t *row = sim__streams_row(r->probe, i);
            if (row->payload_type != pt)
                continue;
            const replay_stream_t *rs = &r->streams[i];
            if (first == NULL)
                first = rs;
            else
                agree = strcmp(first->codec, rs->codec) == 0 && first->clock_rate == rs->clock_rate;
        }
        if (first != NULL && agree && first->codec[0] != '\0')
            (void)sim__streams_map_payload(table, (uint8_t)pt, first->codec, first->clock_rate);
    }
}

static void on_link_deliver(void *ctx, uint64_t now_us, const uint8_t *packet, size_t len)
{
    replay_participant_t *p = ctx;
    (void)sfu_input(p->replay->room, p->id, now_us, packet, len);
}

static uint32_t subscriber_id(const replay_t *r, unsigned sub)
{
    return (uint32_t)r->participant_count + 1 + sub;
}

/* The core's egress: to a subscriber it is counted and written out; to a
 * publisher (RTCP feedback), counted. */
static void on_sfu_sink(void *ctx, uint32_t participant_id, uint64_t now_us, const uint8_t *bytes,
                        size_t len)
{
    replay_t *r = ctx;
    if (participant_id <= r->participant_count) {
        r->counts.to_publishers++;
        return;
    }
    unsigned sub = participant_id - (uint32_t)r->participant_count - 1;
    replay_buckets_advance(r, now_us);
    replay_pcap_write(r, sub, bytes, len);
    if (rtp_demux(bytes, len) != RTP_DEMUX_RTP || len < RTP_FIXED_HEADER_LEN) {
        r->counts.to_subscribers_rtcp++;
        return;
    }
    r->counts.to_subscribers_rtp++;
    uint32_t ssrc =
        (uint32_t)bytes[8] << 24 | (uint32_t)bytes[9] << 16 | (uint32_t)bytes[10] << 8 | bytes[11];
    uint32_t track = (ssrc - REPLAY_OUT_SSRC_BASE - ((uint32_t)sub << 20)) >> 1;
    if (sub >= r->options->subscribers || track >= r->track_count)
        return;
    size_t i = r->track_stream[track];
    replay_stream_t *rs = &r->streams[i];
    rs->forwarded++;
    rs->bucket_forwarded++;
    replay_bucket_touch(r, i);
}

static void on_poll(void *ctx, uint64_t now_us)
{
    replay_t *r = ctx;
    uint64_t next = sfu_poll(r->room, now_us);
    (void)sim_schedule(r->engine, next > now_us ? next : now_us + 1000, on_poll, r);
}

static bool setup_core(replay_t *r, char *err, size_t err_len)
{
    unsigned subs = r->options->subscribers;
    unsigned max_tracks = 1;
    for (size_t p = 0; p < r->participant_count; p++)
        if (r->participants[p].tracks > max_tracks)
            max_tracks = r->participants[p].tracks;
    sfu_config_t cfg = sfu_config_default();
    cfg.srtp_profile = SFU_SRTP_NONE; /* the replay removed the capture's SRTP */
    /* The subscribers never send NACKs or keyframe requests: no history. */
    cfg.nack = false;
    cfg.max_participants = (uint32_t)r->participant_count + subs;
    cfg.max_tracks = max_tracks;
    cfg.max_subscriptions = r->track_count > 0 ? r->track_count : 1;
    cfg.max_subscribers = subs;
    cfg.sink = on_sfu_sink;
    cfg.sink_ctx = r;
    sfu_err_t e = sfu_room_new(&cfg, &r->room);
    for (size_t p = 0; e == SFU_OK && p < r->participant_count; p++) {
        sfu_participant_config_t pc = { .id = r->participants[p].id, .role = SFU_DTLS_SERVER };
        e = sfu_add_participant(r->room, &pc);
    }
    for (unsigned s = 0; e == SFU_OK && s < subs; s++) {
        sfu_participant_config_t pc = { .id = subscriber_id(r, s), .role = SFU_DTLS_SERVER };
        e = sfu_add_participant(r->room, &pc);
    }
    for (size_t i = 0; e == SFU_OK && i < r->stream_count; i++) {
        const replay_stream_t *rs = &r->streams[i];
        if (!rs->replayed)
            continue;
        const sim__streams_row_t *row = sim__streams_row(r->probe, i);
        sfu_track_config_t tc = sfu_track_config_default();
        tc.track_id = rs->track + 1;
        tc.kind = rs->kind == REPLAY_KIND_AUDIO ? SFU_KIND_AUDIO : SFU_KIND_VIDEO;
        tc.n_layers = 1;
        tc.layers[0].ssrc = row->ssrc;
        tc.media_pt = row->payload_type;
        tc.clock_rate = rs->clock_rate;
        tc.vp8 = rs->vp8;
        tc.keyframe_signal =
            rs->vp8 && rs->tags_in_clear ? SFU_KEYFRAME_CLEAR_PREFIX : SFU_KEYFRAME_NONE;
        e = sfu_declare_track(r->room, r->participants[rs->participant].id, &tc);
        for (unsigned s = 0; e == SFU_OK && s < subs; s++) {
            sfu_subscription_config_t sc = {
                .ssrc = REPLAY_OUT_SSRC_BASE + ((uint32_t)s << 20) + (rs->track << 1),
                .rtx_ssrc = REPLAY_OUT_SSRC_BASE + ((uint32_t)s << 20) + (rs->track << 1) + 1,
                /* The capture's own numbering, so forwarded.pcap lines up. */
                .first_seq = row->analysis.first_seq,
                .first_timestamp = row->analysis.first_ts,
            };
            e = sfu_subscribe(r->room, subscriber_id(r, s), r->participants[rs->participant].id,
                              tc.track_id, &sc);
        }
    }
    if (e != SFU_OK) {
        say(err, err_len, "the SFU core refused the replay's setup: %s", sfu_strerror(e));
        return false;
    }
    return true;
}

/* --- The replay pass -------------------------------------------------------- */

static void replay_rtp(replay_t *r, const sim__capture_datagram_t *d)
{
    sim__streams_packet_t pkt;
    sim__streams_row_t *row = NULL;
    switch (add_rtp(r->table, d, &pkt, &row)) {
    case SIM__STREAMS_COUNTED:
        break;
    case SIM__STREAMS_UNTRACKED:
        r->counts.untracked++;
        return;
    default:
        r->counts.malformed_rtp++;
        return;
    }
    if (row->index >= r->stream_count) {
        /* The file changed between the passes. */
        r->counts.not_replayed_packets++;
        return;
    }
    replay_stream_t *rs = &r->streams[row->index];
    rs->bucket_packets++;
    rs->bucket_bytes += d->payload_len;
    replay_bucket_touch(r, row->index);
    size_t plain_len = 0;
    bool opened = false;
    const uint8_t *plain = plain_rtp(r, &r->transports[rs->transport], d->payload, d->payload_len,
                                     &plain_len, &opened);
    if (plain == NULL) {
        rs->srtp_failed++;
        r->counts.srtp_auth_failed++;
        return;
    }
    if (opened)
        rs->srtp_opened++;
    rtp_header_t h;
    if (rtp_parse(plain, plain_len, &h) == RTP_OK)
        sim__inspect_payloads_feed(&rs->payloads, h.payload, h.payload_len);
    if (!rs->replayed) {
        r->counts.not_replayed_packets++;
        return;
    }
    rs->sent++;
    replay_participant_t *p = &r->participants[rs->participant];
    if (p->link != NULL) {
        if (!sim_link_send(p->link, plain, plain_len))
            r->write_failed = true; /* out of memory */
    } else {
        (void)sfu_input(r->room, p->id, r->now_us, plain, plain_len);
    }
}

static void replay_datagram(replay_t *r, const sim__capture_datagram_t *d)
{
    if (!r->started) {
        r->started = true;
        r->first_capture_us = d->first_time_us;
    }
    uint64_t rel = d->time_us > r->first_capture_us ? d->time_us - r->first_capture_us : 0;
    uint64_t t = rel > r->skipped_us ? rel - r->skipped_us : 0;
    if (t < r->now_us) {
        r->counts.time_went_back++;
        t = r->now_us;
    } else if (t - r->now_us > REPLAY_MAX_GAP_US) {
        /* The core's timers run every few hundred ms of virtual time: an
         * idle gap of hours (or an absurd timestamp) is cut short. */
        r->skipped_us += t - r->now_us - REPLAY_MAX_GAP_US;
        t = r->now_us + REPLAY_MAX_GAP_US;
    }
    r->now_us = t;
    (void)sim_run_until(r->engine, t);
    replay_buckets_advance(r, t);
    switch (d->kind) {
    case RTP_DEMUX_RTP:
        replay_rtp(r, d);
        break;
    case RTP_DEMUX_RTCP:
        r->counts.rtcp++;
        break;
    case RTP_DEMUX_STUN:
        r->counts.stun++;
        break;
    case RTP_DEMUX_DTLS:
        r->counts.dtls++;
        break;
    case RTP_DEMUX_TURN_CHANNEL:
        r->counts.turn++;
        break;
    default:
        r->counts.other++;
        break;
    }
}

static bool links_busy(const replay_t *r)
{
    for (size_t p = 0; p < r->participant_count; p++)
        if (r->participants[p].link != NULL &&
            sim_link_counters(r->participants[p].link)->in_flight > 0)
            return true;
    return false;
}

/* Most virtual time the replay waits after the capture for packets still
 * crossing a link. */
#define REPLAY_DRAIN_MAX_US 600000000ull

static bool replay_pass(replay_t *r, char *err, size_t err_len)
{
    sim__capture_t *cap = open_capture(r, err, err_len);
    if (cap == NULL)
        return false;
    sim__capture_datagram_t d;
    bool origin = false;
    while (sim__capture_next(cap, &d) == SIM__CAPTURE_OK) {
        if (!origin) {
            sim__streams_set_origin(r->table, (int64_t)d.first_time_us);
            origin = true;
        }
        replay_datagram(r, &d);
    }
    r->capture_counters = *sim__capture_counters(cap);
    sim__capture_close(cap);
    uint64_t end = r->now_us;
    while (links_busy(r) && r->now_us - end < REPLAY_DRAIN_MAX_US) {
        r->now_us += REPLAY_BUCKET_US / 10;
        (void)sim_run_until(r->engine, r->now_us);
        replay_buckets_advance(r, r->now_us);
    }
    replay_buckets_finish(r);
    return true;
}

static bool make_links(replay_t *r)
{
    if (r->link_file == NULL)
        return true;
    const sim_link_profile_t *profile = &r->link_file->links[1].profile;
    for (size_t p = 0; p < r->participant_count; p++) {
        char name[96], addr[SIM__STREAMS_ENDPOINT_TEXT_LEN];
        (void)sim__streams_endpoint_format(&r->participants[p].addr, addr, sizeof addr);
        snprintf(name, sizeof name, "replay:link:%s", addr);
        sim_rng_t rng;
        sim_rng_seed(&rng, r->options->seed, name);
        r->participants[p].link =
            sim_link_new(r->engine, profile, &rng, on_link_deliver, &r->participants[p]);
        if (r->participants[p].link == NULL)
            return false;
    }
    return true;
}

/* --- Setup and teardown ------------------------------------------------------ */

sim_replay_options_t sim_replay_options_default(void)
{
    sim_replay_options_t o;
    memset(&o, 0, sizeof o);
    o.subscribers = 1;
    o.seed = 1;
    return o;
}

static sim_replay_status_t load_inputs(replay_t *r, char *err, size_t err_len)
{
    const sim_replay_options_t *o = r->options;
    if (o->subscribers < 1 || o->subscribers > SIM_REPLAY_MAX_SUBSCRIBERS) {
        if (err != NULL && err_len > 0)
            snprintf(err, err_len, "--subscribers: %u is out of range [1, %u]", o->subscribers,
                     SIM_REPLAY_MAX_SUBSCRIBERS);
        return SIM_REPLAY_BAD_INPUT;
    }
    if (o->n_srtp_keys > 0 || o->dtls_srtp_material != NULL) {
        r->keys = sim__inspect_keys_new();
        if (r->keys == NULL)
            return SIM_REPLAY_INTERNAL;
        char msg[SIM__INSPECT_ERR_LEN];
        for (size_t i = 0; i < o->n_srtp_keys; i++)
            if (!sim__inspect_keys_add_spec(r->keys, o->srtp_keys[i], (unsigned)i + 1, msg,
                                            sizeof msg)) {
                say(err, err_len, "%s", msg);
                return SIM_REPLAY_BAD_INPUT;
            }
        if (o->dtls_srtp_material != NULL &&
            !sim__inspect_keys_add_material(r->keys, o->dtls_srtp_material, HBH_PROFILE_NONE, msg,
                                            sizeof msg)) {
            say(err, err_len, "%s", msg);
            return SIM_REPLAY_BAD_INPUT;
        }
    }
    if (o->link != NULL) {
        char msg[512];
        r->link_file = sim_scenario_load_link(o->link, msg, sizeof msg);
        if (r->link_file == NULL) {
            say(err, err_len, "--link: %s", msg);
            return SIM_REPLAY_BAD_INPUT;
        }
    }
    return SIM_REPLAY_OK;
}

static void replay_free(replay_t *r)
{
    for (size_t p = 0; p < r->participant_count; p++)
        sim_link_free(r->participants[p].link);
    sfu_room_free(r->room);
    sim_engine_free(r->engine);
    for (size_t i = 0; i < r->transport_count; i++)
        sim__inspect_stream_free(r->transports[i].srtp);
    free(r->transports);
    replay_map_free(&r->transport_index);
    free(r->streams);
    free(r->participants);
    free(r->track_stream);
    free(r->active);
    sim__streams_destroy(r->probe);
    sim__streams_destroy(r->table);
    sim__inspect_keys_free(r->keys);
    sim_scenario_free(r->link_file);
    if (r->pcap != NULL)
        (void)replay_pcap_close(r);
    free(r);
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static sim__inspect_codec_t inspect_codec(const replay_stream_t *rs)
{
    if (rs->vp8)
        return SIM__INSPECT_CODEC_VP8;
    if (strcmp(rs->codec, "opus") == 0)
        return SIM__INSPECT_CODEC_OPUS;
    return SIM__INSPECT_CODEC_UNKNOWN;
}

sim_replay_status_t sim_replay(const sim_replay_options_t *options, json_t **report, char *err,
                               size_t err_len)
{
    if (report != NULL)
        *report = NULL;
    if (err != NULL && err_len > 0)
        err[0] = '\0';
    if (options == NULL || options->capture == NULL || report == NULL) {
        say(err, err_len, "no capture given");
        return SIM_REPLAY_BAD_INPUT;
    }
    double wall_start = wall_now();
    replay_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return SIM_REPLAY_INTERNAL;
    r->options = options;
    r->capture_config = sim__capture_config_default();
    sim_replay_status_t st = load_inputs(r, err, err_len);
    if (st != SIM_REPLAY_OK) {
        replay_free(r);
        return st;
    }
    r->probe = sim__streams_create(NULL);
    r->table = sim__streams_create(NULL);
    r->engine = sim_engine_new(1024);
    if (r->probe == NULL || r->table == NULL || r->engine == NULL) {
        replay_free(r);
        return SIM_REPLAY_INTERNAL;
    }
    /* A capture that cannot be opened is bad input; out of memory is not. */
    if (!probe_pass(r, err, err_len)) {
        st = r->format == NULL ? SIM_REPLAY_BAD_INPUT : SIM_REPLAY_INTERNAL;
        replay_free(r);
        return st;
    }
    if (!decide(r) || !transports_reset(r) || !make_links(r) || !setup_core(r, err, err_len) ||
        sim_schedule(r->engine, 0, on_poll, r) == 0) {
        replay_free(r);
        return SIM_REPLAY_INTERNAL;
    }
    map_payload_types(r, r->table);
    for (size_t i = 0; i < r->stream_count; i++)
        sim__inspect_payloads_init(&r->streams[i].payloads, inspect_codec(&r->streams[i]));
    if (options->forwarded_pcap != NULL && !replay_pcap_open(r, err, err_len)) {
        replay_free(r);
        return SIM_REPLAY_INTERNAL;
    }
    replay_buckets_start(r);
    if (!replay_pass(r, err, err_len)) {
        replay_free(r);
        return SIM_REPLAY_BAD_INPUT;
    }
    bool pcap_ok = r->pcap == NULL || replay_pcap_close(r);
    json_t *rep = replay_report(r, wall_now() - wall_start);
    bool csv_ok =
        options->streams_csv == NULL || sim__streams_write_csv(r->table, options->streams_csv) == 0;
    if (rep == NULL || !pcap_ok || !csv_ok || r->write_failed) {
        json_decref(rep);
        say(err, err_len, "%s: %s", options->capture,
            rep == NULL ? "out of memory while building the report" : "an output write failed");
        replay_free(r);
        return SIM_REPLAY_INTERNAL;
    }
    *report = rep;
    st = SIM_REPLAY_OK;
    if (r->capture_error[0] != '\0') {
        say(err, err_len, "%s", r->capture_error);
        st = SIM_REPLAY_DAMAGED;
    }
    replay_free(r);
    return st;
}
