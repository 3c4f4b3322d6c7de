/* The room: configuration, participants, declared tracks and subscriptions,
 * the bounds that keep each of them finite, counters and the ops table.
 *
 * Every table is a fixed array sized from the configuration when its owner
 * is created (room: participants; participant: tracks and subscriptions;
 * track: subscribers), so nothing a participant sends can grow the SFU.
 * SSRCs are declared up front; input.c drops anything else (anti-spoofing,
 * as every production SFU does with its SDP-declared SSRCs). */
#include "sfu/sfu_internal.h"

#include <stdlib.h>
#include <string.h>

sfu_config_t sfu_config_default(void)
{
    return (sfu_config_t){
        .srtp_profile = SFU_SRTP_AEAD_AES_128_GCM,
        .nack = true,
        .upstream_nack = true,
        .rtx = true,
        .history_ms = 1000,
        .pli_min_interval_ms = 300,
        .last_n = 0,
        .layer_selection = SFU_LAYER_PREFERENCE,
        .max_participants = 64,
        .max_tracks = 4,
        .max_subscriptions = 128,
        .max_subscribers = 64,
        .history_packets_video = 512,
        .history_packets_audio = 128,
        .history_slot_size = 1500,
        .rtcp_interval_ms = 1000,
        .speaker_interval_ms = 200,
        .rtcp_ssrc = 0x5F0C0DE1u,
    };
}

sfu_track_config_t sfu_track_config_default(void)
{
    return (sfu_track_config_t){
        .kind = SFU_KIND_VIDEO,
        .n_layers = 1,
        .media_pt = 96,
        .rtx_pt = 97,
        .clock_rate = 90000,
        .vp8 = true,
        .keyframe_signal = SFU_KEYFRAME_DEPENDENCY_DESCRIPTOR,
    };
}

/* The hbh/ profile of the public sfu_srtp_profile_t; false for a value
 * outside the enum. */
static bool sfu__hbh_profile(sfu_srtp_profile_t profile, hbh_profile_t *out)
{
    switch (profile) {
    case SFU_SRTP_NONE:
        *out = HBH_PROFILE_NONE;
        return true;
    case SFU_SRTP_AES_CM_128_HMAC_SHA1_80:
        *out = HBH_PROFILE_AES_CM_128_HMAC_SHA1_80;
        return true;
    case SFU_SRTP_AEAD_AES_128_GCM:
        *out = HBH_PROFILE_AEAD_AES_128_GCM;
        return true;
    }
    return false;
}

sfu_err_t sfu_room_new(const sfu_config_t *config, sfu_room_t **out)
{
    hbh_profile_t profile = HBH_PROFILE_NONE;
    if (config == NULL || out == NULL || config->sink == NULL)
        return SFU_ERR_INVALID_ARG;
    if (!sfu__hbh_profile(config->srtp_profile, &profile) || config->history_ms == 0 ||
        config->max_participants == 0 || config->max_tracks == 0 ||
        config->max_subscriptions == 0 || config->max_subscribers == 0 ||
        config->history_packets_video == 0 ||
        config->history_packets_video > SFU__HISTORY_MAX_CAPACITY ||
        config->history_packets_audio == 0 ||
        config->history_packets_audio > SFU__HISTORY_MAX_CAPACITY ||
        config->history_slot_size < SFU__HISTORY_MIN_SLOT_SIZE ||
        config->history_slot_size > SFU__HISTORY_MAX_SLOT_SIZE || config->rtcp_interval_ms == 0 ||
        config->speaker_interval_ms == 0 ||
        (unsigned)config->layer_selection > (unsigned)SFU_LAYER_BANDWIDTH)
        return SFU_ERR_INVALID_ARG;
    *out = NULL;
    sfu_room_t *room = calloc(1, sizeof(*room));
    if (room == NULL)
        return SFU_ERR_NO_MEMORY;
    room->config = *config;
    room->profile = profile;
    room->participants = calloc(config->max_participants, sizeof(*room->participants));
    uint32_t index_cap = 4;
    while (index_cap < 2u * config->max_participants && index_cap < (1u << 30))
        index_cap <<= 1;
    room->index = calloc(index_cap, sizeof(*room->index));
    room->index_mask = index_cap - 1;
    if (room->participants == NULL || room->index == NULL) {
        free(room->participants);
        free(room->index);
        free(room);
        return SFU_ERR_NO_MEMORY;
    }
    *out = room;
    return SFU_OK;
}

static void sfu__sub_free(sfu__sub_t *sub)
{
    if (sub == NULL)
        return;
    sfu__history_destroy(sub->history);
    free(sub);
}

/* Unlinks a subscription from its subscriber's list and its track's. */
static void sfu__sub_unlink(sfu__sub_t *sub)
{
    sfu__participant_t *p = sub->subscriber;
    for (uint32_t i = 0; i < p->n_subs; i++) {
        if (p->subs[i] == sub) {
            p->subs[i] = p->subs[--p->n_subs];
            break;
        }
    }
    /* Its outgoing SSRCs end: free their slots under the subscriber's
     * SRTP stream bound (never used is fine: UNKNOWN_SSRC is ignored). */
    (void)hbh_session_remove_ssrc(p->srtp, HBH_OUTBOUND, sub->config.ssrc);
    if (sub->config.rtx_ssrc != 0)
        (void)hbh_session_remove_ssrc(p->srtp, HBH_OUTBOUND, sub->config.rtx_ssrc);
    sfu__track_t *t = sub->track;
    for (uint32_t i = 0; i < t->n_subs; i++) {
        if (t->subs[i] == sub) {
            t->subs[i] = t->subs[--t->n_subs];
            break;
        }
    }
    sfu__sub_free(sub);
}

static void sfu__track_free(sfu__track_t *track)
{
    if (track == NULL)
        return;
    for (unsigned l = 0; l < SFU_MAX_LAYERS; l++)
        sfu__nack_gen_destroy(track->layers[l].nack_gen);
    free(track->subs);
    free(track);
}

void sfu__track_remove(sfu_room_t *room, sfu__track_t *track)
{
    (void)room;
    while (track->n_subs > 0)
        sfu__sub_unlink(track->subs[0]);
    sfu__participant_t *p = track->publisher;
    for (uint32_t i = 0; i < p->n_tracks; i++) {
        if (p->tracks[i] == track) {
            p->tracks[i] = p->tracks[--p->n_tracks];
            break;
        }
    }
    /* Its SSRCs are gone for good: free libsrtp's state for them. */
    for (unsigned l = 0; l < track->config.n_layers; l++) {
        (void)hbh_session_remove_ssrc(p->srtp, HBH_INBOUND, track->layers[l].config.ssrc);
        if (track->layers[l].config.rtx_ssrc != 0)
            (void)hbh_session_remove_ssrc(p->srtp, HBH_INBOUND, track->layers[l].config.rtx_ssrc);
    }
    sfu__track_free(track);
}

static void sfu__participant_free(sfu_room_t *room, sfu__participant_t *p)
{
    if (p == NULL)
        return;
    while (p->n_tracks > 0)
        sfu__track_remove(room, p->tracks[0]);
    while (p->n_subs > 0)
        sfu__sub_unlink(p->subs[0]);
    free(p->tracks);
    free(p->subs);
    hbh_session_free(p->srtp);
    free(p);
}

void sfu_room_free(sfu_room_t *room)
{
    if (room == NULL)
        return;
    while (room->n_participants > 0) {
        sfu__participant_t *p = room->participants[--room->n_participants];
        sfu__participant_free(room, p);
    }
    free(room->participants);
    free(room->index);
    free(room);
}

static uint32_t sfu__index_slot(uint32_t id, uint32_t mask)
{
    return (id * 2654435761u) & mask; /* Knuth's multiplicative hash */
}

sfu__participant_t *sfu__participant_find(const sfu_room_t *room, uint32_t id)
{
    for (uint32_t i = sfu__index_slot(id, room->index_mask);; i = (i + 1) & room->index_mask) {
        sfu__participant_t *p = room->index[i];
        if (p == NULL || p->id == id)
            return p;
    }
}

static void sfu__index_insert(sfu_room_t *room, sfu__participant_t *p)
{
    uint32_t i = sfu__index_slot(p->id, room->index_mask);
    while (room->index[i] != NULL)
        i = (i + 1) & room->index_mask;
    room->index[i] = p;
}

/* Linear probing has no cheap delete; removals are rare, so rebuild. */
static void sfu__index_rebuild(sfu_room_t *room)
{
    memset(room->index, 0, ((size_t)room->index_mask + 1) * sizeof(*room->index));
    for (uint32_t i = 0; i < room->n_participants; i++)
        sfu__index_insert(room, room->participants[i]);
}

sfu_err_t sfu_add_participant(sfu_room_t *room, const sfu_participant_config_t *config)
{
    if (room == NULL || config == NULL || (unsigned)config->role > (unsigned)SFU_DTLS_SERVER)
        return SFU_ERR_INVALID_ARG;
    if (sfu__participant_find(room, config->id) != NULL)
        return SFU_ERR_INVALID_ARG;
    if (room->n_participants >= room->config.max_participants)
        return SFU_ERR_FULL;
    sfu__participant_t *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return SFU_ERR_NO_MEMORY;
    p->id = config->id;
    p->tracks = calloc(room->config.max_tracks, sizeof(*p->tracks));
    p->subs = calloc(room->config.max_subscriptions, sizeof(*p->subs));
    sfu_err_t err = SFU_ERR_NO_MEMORY;
    if (p->tracks == NULL || p->subs == NULL)
        goto fail;
    hbh_config_t srtp = hbh_config_default(room->profile);
    /* Each declared SSRC, RTX SSRC and outgoing stream may need a libsrtp
     * stream; the bound still caps what a participant can make us track. */
    size_t streams = (size_t)room->config.max_tracks * SFU_MAX_LAYERS * 2 +
                     (size_t)room->config.max_subscriptions * 2 + 4;
    srtp.max_streams = streams > 4096 ? 4096 : streams;
    err = sfu__err_from_hbh(
        hbh_session_new(&srtp, config->role == SFU_DTLS_CLIENT ? HBH_ROLE_CLIENT : HBH_ROLE_SERVER,
                        config->keying_material, config->keying_material_len, &p->srtp));
    if (err != SFU_OK)
        goto fail;
    p->in_last_n = true;
    p->rank_order = room->joins++;
    room->participants[room->n_participants++] = p;
    sfu__index_insert(room, p);
    return SFU_OK;
fail:
    sfu__participant_free(room, p);
    return err;
}

sfu_err_t sfu_remove_participant(sfu_room_t *room, uint32_t participant_id)
{
    if (room == NULL)
        return SFU_ERR_INVALID_ARG;
    for (uint32_t i = 0; i < room->n_participants; i++) {
        sfu__participant_t *p = room->participants[i];
        if (p->id != participant_id)
            continue;
        room->participants[i] = room->participants[--room->n_participants];
        sfu__index_rebuild(room);
        sfu__participant_free(room, p);
        if (room->have_active_speaker && room->active_speaker == participant_id)
            room->have_active_speaker = false;
        return SFU_OK;
    }
    return SFU_ERR_NOT_FOUND;
}

sfu__track_t *sfu__ssrc_find(const sfu_room_t *room, uint32_t ssrc, unsigned *layer, bool *rtx)
{
    for (uint32_t i = 0; i < room->n_participants; i++) {
        const sfu__participant_t *p = room->participants[i];
        for (uint32_t t = 0; t < p->n_tracks; t++) {
            sfu__track_t *track = p->tracks[t];
            for (unsigned l = 0; l < track->config.n_layers; l++) {
                const sfu_layer_config_t *lc = &track->layers[l].config;
                if (lc->ssrc == ssrc || (lc->rtx_ssrc != 0 && lc->rtx_ssrc == ssrc)) {
                    *layer = l;
                    *rtx = lc->ssrc != ssrc;
                    return track;
                }
            }
        }
    }
    return NULL;
}

static bool sfu__track_config_valid(const sfu_track_config_t *t)
{
    if ((unsigned)t->kind > (unsigned)SFU_KIND_VIDEO || t->n_layers == 0 ||
        t->n_layers > SFU_MAX_LAYERS || t->clock_rate == 0 || t->media_pt > 127 ||
        t->rtx_pt > 127 || (unsigned)t->keyframe_signal > (unsigned)SFU_KEYFRAME_NONE)
        return false;
    if (t->keyframe_signal == SFU_KEYFRAME_NONE && t->n_layers != 1)
        return false;
    if (t->kind == SFU_KIND_AUDIO && t->n_layers != 1)
        return false;
    for (unsigned i = 0; i < t->n_layers; i++) {
        if (t->layers[i].ssrc == 0 || t->layers[i].ssrc == t->layers[i].rtx_ssrc)
            return false;
        for (unsigned j = 0; j < i; j++) {
            uint32_t a[2] = { t->layers[i].ssrc, t->layers[i].rtx_ssrc };
            for (unsigned k = 0; k < 2; k++)
                if (a[k] != 0 && (a[k] == t->layers[j].ssrc || a[k] == t->layers[j].rtx_ssrc))
                    return false;
        }
    }
    return true;
}

sfu_err_t sfu_declare_track(sfu_room_t *room, uint32_t publisher_id,
                            const sfu_track_config_t *config)
{
    if (room == NULL || config == NULL || !sfu__track_config_valid(config))
        return SFU_ERR_INVALID_ARG;
    sfu__participant_t *p = sfu__participant_find(room, publisher_id);
    if (p == NULL)
        return SFU_ERR_NOT_FOUND;
    for (uint32_t t = 0; t < p->n_tracks; t++)
        if (p->tracks[t]->config.track_id == config->track_id)
            return SFU_ERR_INVALID_ARG;
    for (unsigned l = 0; l < config->n_layers; l++) {
        unsigned layer;
        bool rtx;
        if (sfu__ssrc_find(room, config->layers[l].ssrc, &layer, &rtx) != NULL ||
            (config->layers[l].rtx_ssrc != 0 &&
             sfu__ssrc_find(room, config->layers[l].rtx_ssrc, &layer, &rtx) != NULL))
            return SFU_ERR_INVALID_ARG;
    }
    if (p->n_tracks >= room->config.max_tracks)
        return SFU_ERR_FULL;
    sfu__track_t *track = calloc(1, sizeof(*track));
    if (track == NULL)
        return SFU_ERR_NO_MEMORY;
    track->publisher = p;
    track->config = *config;
    track->subs = calloc(room->config.max_subscribers, sizeof(*track->subs));
    sfu_err_t err = SFU_ERR_NO_MEMORY;
    if (track->subs == NULL)
        goto fail;
    sfu__pli_throttle_config_t pli = { .min_interval_ms = room->config.pli_min_interval_ms };
    for (unsigned l = 0; l < config->n_layers; l++) {
        sfu__layer_t *layer = &track->layers[l];
        layer->config = config->layers[l];
        layer->config.rid[SFU_RID_MAX - 1] = '\0';
        sfu__pli_throttle_init(&layer->pli, &pli);
        if (room->config.upstream_nack && config->kind == SFU_KIND_VIDEO) {
            sfu__nack_gen_config_t ng = sfu__nack_gen_config_default();
            err = sfu__nack_gen_create(&ng, &layer->nack_gen);
            if (err != SFU_OK)
                goto fail;
        }
    }
    p->tracks[p->n_tracks++] = track;
    return SFU_OK;
fail:
    sfu__track_free(track);
    return err;
}

static sfu__track_t *sfu__track_find(const sfu__participant_t *p, uint32_t track_id)
{
    for (uint32_t t = 0; t < p->n_tracks; t++)
        if (p->tracks[t]->config.track_id == track_id)
            return p->tracks[t];
    return NULL;
}

sfu__sub_t *sfu__sub_find_by_ssrc(const sfu__participant_t *p, uint32_t out_ssrc, bool *rtx)
{
    for (uint32_t i = 0; i < p->n_subs; i++) {
        sfu__sub_t *sub = p->subs[i];
        if (sub->config.ssrc == out_ssrc ||
            (sub->config.rtx_ssrc != 0 && sub->config.rtx_ssrc == out_ssrc)) {
            if (rtx != NULL)
                *rtx = sub->config.ssrc != out_ssrc;
            return sub;
        }
    }
    return NULL;
}

/* The publisher's ID -> the subscriber's ID, for each extension both know. */
static void sfu__sub_build_ext_map(sfu__sub_t *sub)
{
    const sfu_ext_ids_t *in = &sub->track->config.ext;
    const sfu_ext_ids_t *out = sub->config.has_ext_map ? &sub->config.ext : in;
    sub->has_ext_map = sub->config.has_ext_map;
    memset(sub->ext_map, 0, sizeof(sub->ext_map));
    const uint8_t pairs[][2] = {
        { in->audio_level, out->audio_level },
        { in->twcc, out->twcc },
        { in->mid, out->mid },
        { in->rid, out->rid },
        { in->dependency_descriptor, out->dependency_descriptor },
        { in->frame_marking, out->frame_marking },
        { in->abs_send_time, out->abs_send_time },
        { in->abs_capture_time, out->abs_capture_time },
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (pairs[i][0] != 0)
            sub->ext_map[pairs[i][0]] = pairs[i][1];
    sub->out_twcc_id = out->twcc;
    sub->out_abs_send_time_id = out->abs_send_time;
}

sfu_err_t sfu_subscribe(sfu_room_t *room, uint32_t subscriber_id, uint32_t publisher_id,
                        uint32_t track_id, const sfu_subscription_config_t *config)
{
    if (room == NULL || config == NULL || config->ssrc == 0 || config->rtx_pt > 127 ||
        subscriber_id == publisher_id)
        return SFU_ERR_INVALID_ARG;
    sfu__participant_t *subscriber = sfu__participant_find(room, subscriber_id);
    sfu__participant_t *publisher = sfu__participant_find(room, publisher_id);
    if (subscriber == NULL || publisher == NULL)
        return SFU_ERR_NOT_FOUND;
    sfu__track_t *track = sfu__track_find(publisher, track_id);
    if (track == NULL)
        return SFU_ERR_NOT_FOUND;
    if (config->preferred_layer >= track->config.n_layers)
        return SFU_ERR_INVALID_ARG;
    for (uint32_t i = 0; i < track->n_subs; i++)
        if (track->subs[i]->subscriber == subscriber)
            return SFU_ERR_INVALID_ARG;
    if (sfu__sub_find_by_ssrc(subscriber, config->ssrc, NULL) != NULL ||
        (config->rtx_ssrc != 0 && sfu__sub_find_by_ssrc(subscriber, config->rtx_ssrc, NULL)))
        return SFU_ERR_INVALID_ARG;
    if (subscriber->n_subs >= room->config.max_subscriptions ||
        track->n_subs >= room->config.max_subscribers)
        return SFU_ERR_FULL;
    sfu__sub_t *sub = calloc(1, sizeof(*sub));
    if (sub == NULL)
        return SFU_ERR_NO_MEMORY;
    sub->subscriber = subscriber;
    sub->track = track;
    sub->config = *config;
    sub->target_layer = config->preferred_layer;
    sub->rtx_seq = config->first_seq; /* any start works; RFC 4588 wants it random */
    sfu__rewriter_config_t rw = sfu__rewriter_config_default();
    rw.ssrc = config->ssrc;
    rw.clock_rate = track->config.clock_rate;
    bool video = track->config.kind == SFU_KIND_VIDEO;
    /* Without a keyframe signal the one source starts at its first packet. */
    rw.video = video && track->config.keyframe_signal != SFU_KEYFRAME_NONE;
    rw.vp8 = video && track->config.vp8;
    rw.dd_ext_id = video ? track->config.ext.dependency_descriptor : 0;
    rw.first_seq = config->first_seq;
    rw.first_timestamp = config->first_timestamp;
    sfu_err_t err = sfu__rewriter_init(&sub->rewriter, &rw);
    if (err != SFU_OK)
        goto fail;
    sfu__rewriter_select(&sub->rewriter, track->layers[sub->target_layer].config.ssrc);
    if (room->config.nack) {
        sfu__history_config_t hc = {
            .capacity =
                video ? room->config.history_packets_video : room->config.history_packets_audio,
            .slot_size = room->config.history_slot_size,
            .history_ms = room->config.history_ms,
        };
        err = sfu__history_create(&hc, &sub->history);
        if (err != SFU_OK)
            goto fail;
    }
    sfu__sub_build_ext_map(sub);
    subscriber->subs[subscriber->n_subs++] = sub;
    track->subs[track->n_subs++] = sub;
    return SFU_OK;
fail:
    sfu__sub_free(sub);
    return err;
}

sfu_err_t sfu_set_preferred_layer(sfu_room_t *room, uint32_t subscriber_id, uint32_t publisher_id,
                                  uint32_t track_id, unsigned layer)
{
    if (room == NULL)
        return SFU_ERR_INVALID_ARG;
    sfu__participant_t *publisher = sfu__participant_find(room, publisher_id);
    sfu__track_t *track = publisher != NULL ? sfu__track_find(publisher, track_id) : NULL;
    if (track == NULL)
        return SFU_ERR_NOT_FOUND;
    if (layer >= track->config.n_layers)
        return SFU_ERR_INVALID_ARG;
    for (uint32_t i = 0; i < track->n_subs; i++) {
        sfu__sub_t *sub = track->subs[i];
        if (sub->subscriber->id != subscriber_id)
            continue;
        sub->config.preferred_layer = layer;
        sub->target_layer = layer;
        sfu__rewriter_select(&sub->rewriter, track->layers[layer].config.ssrc);
        return SFU_OK;
    }
    return SFU_ERR_NOT_FOUND;
}

/* Ranks the publishers of audio by smoothed loudness; the first last_n are
 * "in last-N" (all of them when last_n is 0). Ties go to the earlier joiner. */
void sfu__rank_speakers(sfu_room_t *room)
{
    double best = -1.0;
    for (uint32_t i = 0; i < room->n_participants; i++) {
        sfu__participant_t *p = room->participants[i];
        double mine = -1.0;
        for (uint32_t t = 0; t < p->n_tracks; t++)
            if (p->tracks[t]->config.kind == SFU_KIND_AUDIO && p->tracks[t]->loudness > mine)
                mine = p->tracks[t]->loudness;
        uint32_t louder = 0;
        for (uint32_t j = 0; j < room->n_participants && room->config.last_n > 0; j++) {
            sfu__participant_t *q = room->participants[j];
            double theirs = -1.0;
            for (uint32_t t = 0; t < q->n_tracks; t++)
                if (q->tracks[t]->config.kind == SFU_KIND_AUDIO && q->tracks[t]->loudness > theirs)
                    theirs = q->tracks[t]->loudness;
            if (q != p && (theirs > mine || (theirs == mine && q->rank_order < p->rank_order)))
                louder++;
        }
        p->in_last_n = room->config.last_n == 0 || louder < room->config.last_n;
        if (mine > best) {
            best = mine;
            room->active_speaker = p->id;
            room->have_active_speaker = true;
        }
    }
}

sfu_err_t sfu_active_speaker(const sfu_room_t *room, uint32_t *participant_id)
{
    if (room == NULL || participant_id == NULL)
        return SFU_ERR_INVALID_ARG;
    if (!room->have_active_speaker)
        return SFU_ERR_NOT_FOUND;
    *participant_id = room->active_speaker;
    return SFU_OK;
}

sfu_err_t sfu_participant_rtt_us(const sfu_room_t *room, uint32_t participant_id, uint64_t *rtt_us)
{
    if (room == NULL || rtt_us == NULL)
        return SFU_ERR_INVALID_ARG;
    const sfu__participant_t *p = sfu__participant_find(room, participant_id);
    if (p == NULL)
        return SFU_ERR_NOT_FOUND;
    *rtt_us = p->rtt_us;
    return SFU_OK;
}

sfu_err_t sfu_stats(const sfu_room_t *room, sfu_stats_t *out)
{
    if (room == NULL || out == NULL)
        return SFU_ERR_INVALID_ARG;
    *out = room->stats;
    out->dropped.malformed = out->dropped.malformed_rtp + out->dropped.malformed_rtcp;
    out->dropped.unknown_ssrc += out->dropped.spoofed_ssrc;
    out->dropped.queue = 0;
    return SFU_OK;
}

uint64_t sfu_poll(sfu_room_t *room, uint64_t now_us)
{
    if (room == NULL)
        return UINT64_MAX;
    return sfu__rtcp_poll(room, now_us);
}

/* --- The ops table --------------------------------------------------------- */

static sfu_err_t sfu__ops_create(const sfu_config_t *config, void **instance)
{
    return sfu_room_new(config, (sfu_room_t **)instance);
}
static void sfu__ops_destroy(void *instance)
{
    sfu_room_free(instance);
}
static sfu_err_t sfu__ops_add(void *instance, const sfu_participant_config_t *config)
{
    return sfu_add_participant(instance, config);
}
static sfu_err_t sfu__ops_remove(void *instance, uint32_t id)
{
    return sfu_remove_participant(instance, id);
}
static sfu_err_t sfu__ops_declare(void *instance, uint32_t publisher_id,
                                  const sfu_track_config_t *track)
{
    return sfu_declare_track(instance, publisher_id, track);
}
static sfu_err_t sfu__ops_subscribe(void *instance, uint32_t subscriber_id, uint32_t publisher_id,
                                    uint32_t track_id, const sfu_subscription_config_t *config)
{
    return sfu_subscribe(instance, subscriber_id, publisher_id, track_id, config);
}
static sfu_err_t sfu__ops_input(void *instance, uint32_t id, uint64_t now_us, const uint8_t *bytes,
                                size_t len)
{
    return sfu_input(instance, id, now_us, bytes, len);
}
static uint64_t sfu__ops_poll(void *instance, uint64_t now_us)
{
    return sfu_poll(instance, now_us);
}
static sfu_err_t sfu__ops_prefer(void *instance, uint32_t subscriber_id, uint32_t publisher_id,
                                 uint32_t track_id, unsigned layer)
{
    return sfu_set_preferred_layer(instance, subscriber_id, publisher_id, track_id, layer);
}
static sfu_err_t sfu__ops_stats(const void *instance, sfu_stats_t *out)
{
    return sfu_stats(instance, out);
}

static const sfu_ops_t sfu__builtin_ops = {
    .name = "blindfold",
    .create = sfu__ops_create,
    .destroy = sfu__ops_destroy,
    .add_participant = sfu__ops_add,
    .remove_participant = sfu__ops_remove,
    .declare_track = sfu__ops_declare,
    .subscribe = sfu__ops_subscribe,
    .input = sfu__ops_input,
    .poll = sfu__ops_poll,
    .set_preference = sfu__ops_prefer,
    .stats = sfu__ops_stats,
};

const sfu_ops_t *sfu_builtin_ops(void)
{
    return &sfu__builtin_ops;
}
