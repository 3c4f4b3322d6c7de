/* peers/peer.c: a virtual endpoint (peers/peer.h): its configuration and
 * lifetime, the keys the harness hands it, the demultiplexing of what the
 * SFU sends (RFC 7983 section 7 with RFC 5761 section 4: RTP or RTCP by the
 * second byte), hop-by-hop SRTP (RFC 3711, through hbh/), the poll that
 * drives everything else, and the figures.
 *
 * The work itself lives beside this file (peer_internal.h lists who does
 * what): peer_send.c, peer_recv.c, peer_rtcp.c, peer_clips.c. */
#include "peers/peer_internal.h"

#include <math.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define FPS_MAX          240.0
#define ENCODER_SIZE_MAX 4096u
#define ENCODER_SIZE_MIN 16u
#define DEFAULT_MTU      1200u

/* --- Helpers ------------------------------------------------------------------- */

uint64_t peer_video_capture_us(double fps, uint64_t n)
{
    if (!(fps > 0.0))
        return 0;
    double us = round((double)n * 1e6 / fps);
    return us >= 1.8e19 ? UINT64_MAX : (uint64_t)us;
}

uint64_t peer_video_frame_index(double fps, uint64_t capture_us)
{
    if (!(fps > 0.0))
        return 0;
    double n = round((double)capture_us * fps / 1e6);
    return n >= 1.8e19 ? UINT64_MAX : (uint64_t)n;
}

uint32_t peer__rtp_timestamp(uint32_t first, uint64_t us, uint32_t clock_hz)
{
    uint64_t ticks =
        (us / PEER__US_PER_S) * clock_hz + (us % PEER__US_PER_S) * clock_hz / PEER__US_PER_S;
    return first + (uint32_t)ticks;
}

uint32_t peer__reporter_ssrc(const peer_t *peer)
{
    const peer_config_t *c = &peer->config;
    if (c->audio.enabled)
        return c->audio.ssrc;
    if (c->video.enabled)
        return c->video.layers[0].ssrc;
    return c->rtcp_ssrc;
}

peer__e2ee_scheme_t peer__scheme(const peer_t *peer)
{
    switch (peer->config.scheme) {
    case PEER_SCHEME_INSERTABLE_LEGACY:
        return PEER__E2EE_INSERTABLE_LEGACY;
    case PEER_SCHEME_NONE:
        return PEER__E2EE_NONE;
    case PEER_SCHEME_SFRAME:
        break;
    }
    return PEER__E2EE_SFRAME;
}

peer__e2ee_test_mode_t peer__test_mode(peer_test_transform_t transform)
{
    switch (transform) {
    case PEER_TEST_TRANSFORM_XOR_CONSTANT:
        return PEER__E2EE_TEST_XOR_CONSTANT;
    case PEER_TEST_TRANSFORM_CTR_REUSE:
        return PEER__E2EE_TEST_CTR_REUSE;
    case PEER_TEST_TRANSFORM_HALF_CLEAR:
        return PEER__E2EE_TEST_HALF_CLEAR;
    case PEER_TEST_TRANSFORM_OFF:
        break;
    }
    return PEER__E2EE_TEST_OFF;
}

bool peer__grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap && *buf != NULL)
        return true;
    size_t size = need > *cap ? need : *cap;
    uint8_t *grown = realloc(*buf, size ? size : 1);
    if (grown == NULL)
        return false;
    *buf = grown;
    *cap = size;
    return true;
}

void peer__emit(peer_t *peer, uint64_t now_us, peer__datagram_t *buf, size_t len, bool rtcp)
{
    size_t out_len = 0;
    hbh_err_t err =
        rtcp ? hbh_protect_rtcp(peer->srtp, buf->bytes, len, sizeof(buf->bytes), &out_len)
             : hbh_protect_rtp(peer->srtp, buf->bytes, len, sizeof(buf->bytes), &out_len);
    if (err != HBH_OK)
        return;
    if (rtcp)
        peer->stats.rtcp_packets_sent++;
    peer->stats.packets_sent++;
    peer->stats.bytes_sent += out_len;
    peer->config.sink(peer->config.sink_ctx, peer->config.id, now_us, buf->bytes, out_len);
}

/* --- Configuration ------------------------------------------------------------- */

peer_ext_ids_t peer_ext_ids_default(void)
{
    return (peer_ext_ids_t){
        .audio_level = 1,
        .twcc = 2,
        .mid = 3,
        .rid = 4,
        .dependency_descriptor = 5,
        .frame_marking = 6,
        .abs_capture_time = 7,
    };
}

peer_config_t peer_config_default(void)
{
    peer_config_t c = {
        .id = 1,
        .video = {
            .enabled = false,
            .source = PEER_VIDEO_PATTERN,
            .width = 640,
            .height = 360,
            .fps = 30.0,
            .n_layers = 3,
            .layers = {
                { .rid = "q", .width = 160, .height = 90, .max_kbps = 150 },
                { .rid = "h", .width = 320, .height = 180, .max_kbps = 500 },
                { .rid = "f", .width = 640, .height = 360, .max_kbps = 1500 },
            },
            .payload_type = 96,
            .rtx_payload_type = 97,
            .mid = "1",
            .encoder_speed = 8,
        },
        .audio = {
            .enabled = false,
            .kbps = 32,
            .ptime_ms = 20,
            .payload_type = 111,
            .mid = "0",
        },
        .scheme = PEER_SCHEME_SFRAME,
        .suite = SFRAME_AES_128_GCM_SHA256_128,
        .legacy_variant = SFRAME_LEGACY_JITSI,
        .signal = PEER_SIGNAL_DEPENDENCY_DESCRIPTOR,
        .test_transform = PEER_TEST_TRANSFORM_OFF,
        .key_grace_ms = 2000,
        .key_hold_ms = 2000,
        .srtp_profile = HBH_PROFILE_AEAD_AES_128_GCM,
        .dtls_role = HBH_ROLE_CLIENT,
        .mtu = DEFAULT_MTU,
        .ext = peer_ext_ids_default(),
        .pacing_factor = 2.5,
        .rtcp_interval_ms = 1000,
        .twcc_interval_ms = 100,
        .nack = true,
        .nack_max_retries = 10,
        .pli_interval_ms = 300,
        .psnr_every = 1,
        .decode = true,
    };
    return c;
}

static bool token_valid(const char *token, bool rid)
{
    size_t len = strnlen(token, PEER_RID_MAX);
    if (len == PEER_RID_MAX)
        return false;
    if (len == 0)
        return true;
    uint8_t check[PEER_RID_MAX];
    return (rid ? rtp_ext_rid_write(token, check, sizeof check)
                : rtp_ext_mid_write(token, check, sizeof check)) == len;
}

static bool ext_ids_valid(const peer_ext_ids_t *ext)
{
    const uint8_t ids[] = { ext->audio_level,
                            ext->twcc,
                            ext->mid,
                            ext->rid,
                            ext->dependency_descriptor,
                            ext->frame_marking,
                            ext->abs_capture_time };
    for (size_t i = 0; i < sizeof ids; i++) {
        if (ids[i] > 14)
            return false;
        for (size_t j = 0; j < i; j++)
            if (ids[i] != 0 && ids[i] == ids[j])
                return false;
    }
    return true;
}

/* SSRCs in use must be distinct and non-zero. */
static bool ssrcs_valid(const peer_config_t *c)
{
    uint32_t ssrcs[2 * PEER_MAX_LAYERS + 1];
    size_t n = 0;
    if (c->audio.enabled)
        ssrcs[n++] = c->audio.ssrc;
    for (unsigned l = 0; c->video.enabled && l < c->video.n_layers; l++) {
        ssrcs[n++] = c->video.layers[l].ssrc;
        if (c->video.layers[l].rtx_ssrc != 0)
            ssrcs[n++] = c->video.layers[l].rtx_ssrc;
    }
    for (size_t i = 0; i < n; i++) {
        if (ssrcs[i] == 0)
            return false;
        for (size_t j = 0; j < i; j++)
            if (ssrcs[i] == ssrcs[j])
                return false;
    }
    return true;
}

static bool layer_valid(const peer_video_config_t *v, unsigned l)
{
    const peer_layer_config_t *layer = &v->layers[l];
    if (layer->width < ENCODER_SIZE_MIN || layer->height < ENCODER_SIZE_MIN ||
        layer->width > ENCODER_SIZE_MAX || layer->height > ENCODER_SIZE_MAX ||
        layer->width % 2 != 0 || layer->height % 2 != 0 || layer->width > v->width ||
        layer->height > v->height || layer->max_kbps == 0 ||
        layer->first_picture_id > RTP_VP8_PICTURE_ID_MAX_15 || !token_valid(layer->rid, true))
        return false;
    if (v->source != PEER_VIDEO_CLIP)
        return true;
    uint32_t width = 0, height = 0;
    peer__clips_size(v->clips, l, &width, &height);
    return width == layer->width && height == layer->height;
}

static bool video_valid(const peer_video_config_t *v)
{
    if (!v->enabled)
        return true;
    if (!(v->fps > 0.0 && v->fps <= FPS_MAX) || v->n_layers == 0 || v->n_layers > PEER_MAX_LAYERS ||
        v->payload_type > 127 || v->rtx_payload_type > 127 ||
        v->payload_type == v->rtx_payload_type || v->encoder_speed < 4 || v->encoder_speed > 16 ||
        !token_valid(v->mid, false))
        return false;
    if (v->source != PEER_VIDEO_PATTERN && v->source != PEER_VIDEO_CLIP)
        return false;
    if (v->source == PEER_VIDEO_CLIP && peer__clips_layers(v->clips) != v->n_layers)
        return false;
    for (unsigned l = 0; l < v->n_layers; l++)
        if (!layer_valid(v, l))
            return false;
    return true;
}

static bool audio_valid(const peer_audio_config_t *a)
{
    if (!a->enabled)
        return true;
    bool ptime = a->ptime_ms == 10 || a->ptime_ms == 20 || a->ptime_ms == 40 || a->ptime_ms == 60;
    return ptime && a->kbps >= 6 && a->kbps <= 510 && a->payload_type <= 127 &&
           token_valid(a->mid, false);
}

/* Everything peer_new checks before it allocates (PEER_ERR_INVALID_ARG). */
static bool config_valid(const peer_config_t *c)
{
    bool scheme = c->scheme == PEER_SCHEME_SFRAME || c->scheme == PEER_SCHEME_INSERTABLE_LEGACY ||
                  c->scheme == PEER_SCHEME_NONE;
    bool signal = c->signal == PEER_SIGNAL_DEPENDENCY_DESCRIPTOR ||
                  c->signal == PEER_SIGNAL_FRAME_MARKING || c->signal == PEER_SIGNAL_CLEAR_PREFIX;
    bool transform = c->test_transform == PEER_TEST_TRANSFORM_OFF ||
                     (c->scheme == PEER_SCHEME_SFRAME &&
                      (c->test_transform == PEER_TEST_TRANSFORM_XOR_CONSTANT ||
                       c->test_transform == PEER_TEST_TRANSFORM_CTR_REUSE ||
                       c->test_transform == PEER_TEST_TRANSFORM_HALF_CLEAR));
    /* The SFrame header hides the VP8 P bit: the SFU would see no keyframe. */
    bool prefix = c->signal != PEER_SIGNAL_CLEAR_PREFIX || c->scheme != PEER_SCHEME_SFRAME;
    bool role = c->dtls_role == HBH_ROLE_CLIENT || c->dtls_role == HBH_ROLE_SERVER;
    return c->sink != NULL && scheme && signal && transform && prefix && role &&
           sframe_suite_info(c->suite) != NULL &&
           (c->legacy_variant == SFRAME_LEGACY_JITSI ||
            c->legacy_variant == SFRAME_LEGACY_LIVEKIT) &&
           hbh_profile_info(c->srtp_profile) != NULL &&
           c->keying_material_len <= sizeof(c->keying_material) && c->mtu >= PEER__MTU_MIN &&
           c->mtu <= PEER__MTU_MAX && ext_ids_valid(&c->ext) && c->pacing_factor > 0.0 &&
           c->pacing_factor <= 100.0 && c->rtcp_interval_ms > 0 &&
           (!c->nack || c->nack_max_retries > 0) && video_valid(&c->video) &&
           audio_valid(&c->audio) && ssrcs_valid(c);
}

/* --- Lifetime ------------------------------------------------------------------- */

static peer_err_t srtp_new(peer_t *peer)
{
    const peer_config_t *c = &peer->config;
    hbh_config_t hc = hbh_config_default(c->srtp_profile);
    /* Every remote stream through the SFU is an SSRC (media and RTX). */
    hc.max_streams = 4096;
    hbh_err_t err =
        hbh_session_new(&hc, c->dtls_role, c->keying_material_len > 0 ? c->keying_material : NULL,
                        c->keying_material_len, &peer->srtp);
    if (err == HBH_ERR_NO_MEMORY)
        return PEER_ERR_NO_MEMORY;
    peer->srtp_rtp_overhead = hbh_rtp_overhead(c->srtp_profile);
    return err == HBH_OK ? PEER_OK : PEER_ERR_SRTP;
}

peer_err_t peer_new(const peer_config_t *config, peer_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (config == NULL || out == NULL || !config_valid(config))
        return PEER_ERR_INVALID_ARG;
    peer_t *peer = calloc(1, sizeof(*peer));
    if (peer == NULL)
        return PEER_ERR_NO_MEMORY;
    peer->config = *config;
    peer->next_rtcp_us = config->start_us + (uint64_t)config->rtcp_interval_ms * PEER__MS / 2;
    peer->next_twcc_us = config->start_us + (uint64_t)config->twcc_interval_ms * PEER__MS;
    peer_err_t err = srtp_new(peer);
    if (err == PEER_OK)
        err = peer__send_init(peer);
    if (err != PEER_OK) {
        peer_free(peer);
        return err;
    }
    *out = peer;
    return PEER_OK;
}

void peer_free(peer_t *peer)
{
    if (peer == NULL)
        return;
    peer__send_free(peer);
    for (size_t i = 0; i < peer->n_remotes; i++)
        peer__remote_free(peer->remotes[i]);
    free(peer->remotes);
    free(peer->ssrcs);
    free(peer->rx_frame);
    free(peer->rx_plain);
    free(peer->decoded);
    free(peer->reference);
    hbh_session_free(peer->srtp);
    OPENSSL_cleanse(peer->config.keying_material, sizeof(peer->config.keying_material));
    free(peer);
}

/* --- Remotes --------------------------------------------------------------------- */

static bool remote_config_valid(const peer_remote_config_t *r)
{
    if (r->ssrc == 0 || r->ssrc == r->rtx_ssrc || r->payload_type > 127 ||
        r->rtx_payload_type > 127)
        return false;
    if (r->kind == PEER_KIND_AUDIO)
        return r->ptime_ms == 10 || r->ptime_ms == 20 || r->ptime_ms == 40 || r->ptime_ms == 60;
    if (r->kind != PEER_KIND_VIDEO || !(r->fps > 0.0 && r->fps <= FPS_MAX) || r->n_layers == 0 ||
        r->n_layers > PEER_MAX_LAYERS)
        return false;
    if (r->source == PEER_VIDEO_CLIP && peer__clips_layers(r->clips) != r->n_layers)
        return false;
    if (r->source != PEER_VIDEO_CLIP && r->source != PEER_VIDEO_PATTERN)
        return false;
    for (unsigned l = 0; l < r->n_layers; l++)
        if (r->layer_width[l] == 0 || r->layer_height[l] == 0 ||
            r->layer_width[l] > ENCODER_SIZE_MAX || r->layer_height[l] > ENCODER_SIZE_MAX)
            return false;
    return true;
}

static peer__remote_t *remote_by_sender(const peer_t *peer, uint32_t sender_id, peer_kind_t kind)
{
    for (size_t i = 0; i < peer->n_remotes; i++)
        if (peer->remotes[i]->config.sender_id == sender_id &&
            peer->remotes[i]->config.kind == kind)
            return peer->remotes[i];
    return NULL;
}

static int compare_ssrcs(const void *a, const void *b)
{
    const peer__ssrc_entry_t *x = a, *y = b;
    return x->ssrc < y->ssrc ? -1 : x->ssrc > y->ssrc;
}

static void rebuild_ssrcs(peer_t *peer)
{
    peer->n_ssrcs = 0;
    for (size_t i = 0; i < peer->n_remotes; i++) {
        peer__remote_t *remote = peer->remotes[i];
        peer->ssrcs[peer->n_ssrcs++] =
            (peer__ssrc_entry_t){ .ssrc = remote->config.ssrc, .remote = remote };
        if (remote->config.rtx_ssrc != 0)
            peer->ssrcs[peer->n_ssrcs++] = (peer__ssrc_entry_t){ .ssrc = remote->config.rtx_ssrc,
                                                                 .rtx = true,
                                                                 .remote = remote };
    }
    qsort(peer->ssrcs, peer->n_ssrcs, sizeof(*peer->ssrcs), compare_ssrcs);
}

peer_err_t peer_add_remote(peer_t *peer, const peer_remote_config_t *remote)
{
    if (peer == NULL || remote == NULL || !remote_config_valid(remote))
        return PEER_ERR_INVALID_ARG;
    if (peer__ssrc_find(peer, remote->ssrc) != NULL ||
        (remote->rtx_ssrc != 0 && peer__ssrc_find(peer, remote->rtx_ssrc) != NULL) ||
        remote_by_sender(peer, remote->sender_id, remote->kind) != NULL)
        return PEER_ERR_EXISTS;
    if (peer->n_remotes >= PEER_MAX_REMOTES)
        return PEER_ERR_FULL;
    if (peer->n_remotes == peer->remotes_cap) {
        size_t cap = peer->remotes_cap ? 2 * peer->remotes_cap : 8;
        peer__remote_t **remotes = realloc(peer->remotes, cap * sizeof(*remotes));
        if (remotes == NULL)
            return PEER_ERR_NO_MEMORY;
        peer->remotes = remotes;
        peer__ssrc_entry_t *ssrcs = realloc(peer->ssrcs, 2 * cap * sizeof(*ssrcs));
        if (ssrcs == NULL)
            return PEER_ERR_NO_MEMORY;
        peer->ssrcs = ssrcs;
        peer->remotes_cap = cap;
    }
    peer__remote_t *created = NULL;
    peer_err_t err = peer__remote_new(peer, remote, &created);
    if (err != PEER_OK)
        return err;
    peer->remotes[peer->n_remotes++] = created;
    rebuild_ssrcs(peer);
    return PEER_OK;
}

peer_err_t peer_remove_remote(peer_t *peer, uint32_t sender_id)
{
    if (peer == NULL)
        return PEER_ERR_INVALID_ARG;
    size_t kept = 0;
    bool found = false;
    for (size_t i = 0; i < peer->n_remotes; i++) {
        peer__remote_t *remote = peer->remotes[i];
        if (remote->config.sender_id != sender_id) {
            peer->remotes[kept++] = remote;
            continue;
        }
        found = true;
        /* Its streams ended for good: libsrtp's state for them can go. */
        (void)hbh_session_remove_ssrc(peer->srtp, HBH_INBOUND, remote->config.ssrc);
        if (remote->config.rtx_ssrc != 0)
            (void)hbh_session_remove_ssrc(peer->srtp, HBH_INBOUND, remote->config.rtx_ssrc);
        peer__remote_free(remote);
    }
    peer->n_remotes = kept;
    rebuild_ssrcs(peer);
    return found ? PEER_OK : PEER_ERR_NOT_FOUND;
}

/* --- Keys --------------------------------------------------------------------------- */

peer_err_t peer_set_send_key(peer_t *peer, uint64_t epoch, const uint8_t *key, size_t len)
{
    if (peer == NULL || key == NULL || len == 0 || (peer->send_keyed && epoch <= peer->send_epoch))
        return PEER_ERR_INVALID_ARG;
    for (unsigned l = 0; peer->config.video.enabled && l < peer->config.video.n_layers; l++) {
        sframe_err_t err = peer__e2ee_sender_set_key(peer->layers[l].e2ee, epoch, key, len);
        if (err != SFRAME_OK)
            return peer__err_from_sframe(err);
    }
    if (peer->config.audio.enabled) {
        sframe_err_t err = peer__e2ee_sender_set_key(peer->audio.e2ee, epoch, key, len);
        if (err != SFRAME_OK)
            return peer__err_from_sframe(err);
    }
    peer->send_keyed = true;
    peer->send_epoch = epoch;
    return PEER_OK;
}

peer_err_t peer_ratchet_send_key(peer_t *peer)
{
    if (peer == NULL)
        return PEER_ERR_INVALID_ARG;
    if (peer->config.scheme == PEER_SCHEME_NONE)
        return PEER_OK;
    if (!peer->send_keyed)
        return PEER_ERR_STATE;
    for (unsigned l = 0; peer->config.video.enabled && l < peer->config.video.n_layers; l++) {
        sframe_err_t err = peer__e2ee_sender_ratchet(peer->layers[l].e2ee);
        if (err != SFRAME_OK)
            return peer__err_from_sframe(err);
    }
    if (peer->config.audio.enabled) {
        sframe_err_t err = peer__e2ee_sender_ratchet(peer->audio.e2ee);
        if (err != SFRAME_OK)
            return peer__err_from_sframe(err);
    }
    return PEER_OK;
}

peer_err_t peer_add_recv_key(peer_t *peer, uint32_t sender_id, uint64_t epoch, uint64_t step,
                             const uint8_t *key, size_t len, uint64_t now_us)
{
    if (peer == NULL || key == NULL || len == 0)
        return PEER_ERR_INVALID_ARG;
    bool found = false;
    for (size_t i = 0; i < peer->n_remotes; i++) {
        peer__remote_t *remote = peer->remotes[i];
        if (remote->config.sender_id != sender_id)
            continue;
        found = true;
        sframe_err_t err = peer__e2ee_receiver_add_key(remote->e2ee, epoch, step, key, len, now_us);
        if (err != SFRAME_OK)
            return peer__err_from_sframe(err);
    }
    return found ? PEER_OK : PEER_ERR_NOT_FOUND;
}

/* --- Driving --------------------------------------------------------------------------- */

/* Counts a failed unprotect; true when the packet may go on. */
static bool unprotected(peer_t *peer, hbh_err_t err)
{
    if (err == HBH_ERR_TRUNCATED || err == HBH_ERR_MALFORMED)
        peer->stats.malformed++;
    else if (err != HBH_OK)
        peer->stats.srtp_failures++;
    return err == HBH_OK;
}

static void input_rtp(peer_t *peer, uint64_t now_us, const uint8_t *bytes, size_t len)
{
    memcpy(peer->packet.bytes, bytes, len);
    size_t plain = 0;
    if (unprotected(peer, hbh_unprotect_rtp(peer->srtp, peer->packet.bytes, len, &plain)))
        peer__recv_rtp(peer, now_us, plain);
}

static void input_rtcp(peer_t *peer, uint64_t now_us, const uint8_t *bytes, size_t len)
{
    memcpy(peer->rtcp.bytes, bytes, len);
    size_t plain = 0;
    if (unprotected(peer, hbh_unprotect_rtcp(peer->srtp, peer->rtcp.bytes, len, &plain)))
        peer__rtcp_input(peer, now_us, plain);
}

peer_err_t peer_input(peer_t *peer, uint64_t now_us, const uint8_t *bytes, size_t len)
{
    if (peer == NULL || (bytes == NULL && len > 0))
        return PEER_ERR_INVALID_ARG;
    peer->stats.packets_received++;
    peer->stats.bytes_received += len;
    if (len > PEER__DATAGRAM_MAX) {
        peer->stats.malformed++;
        return PEER_OK;
    }
    switch (rtp_demux(bytes, len)) {
    case RTP_DEMUX_RTP:
        input_rtp(peer, now_us, bytes, len);
        break;
    case RTP_DEMUX_RTCP:
        input_rtcp(peer, now_us, bytes, len);
        break;
    default:
        peer->stats.malformed++;
        break;
    }
    return PEER_OK;
}

uint64_t peer_poll(peer_t *peer, uint64_t now_us)
{
    if (peer == NULL)
        return UINT64_MAX;
    peer__send_capture(peer, now_us);
    peer__recv_poll(peer, now_us);
    peer__rtcp_poll(peer, now_us);
    peer__send_flush(peer, now_us);
    uint64_t next = peer__send_next_us(peer);
    uint64_t at = peer__recv_next_us(peer, now_us);
    next = at < next ? at : next;
    at = peer__rtcp_next_us(peer);
    next = at < next ? at : next;
    /* Everything due now is done: never ask to be called again at now. */
    return next > now_us ? next : now_us + 1;
}

void peer_request_keyframe(peer_t *peer)
{
    if (peer == NULL)
        return;
    for (unsigned l = 0; l < PEER_MAX_LAYERS; l++)
        peer->layers[l].keyframe_wanted = true;
}

/* --- Figures ------------------------------------------------------------------------------ */

peer_err_t peer_stats(const peer_t *peer, peer_stats_t *out)
{
    if (peer == NULL || out == NULL)
        return PEER_ERR_INVALID_ARG;
    *out = peer->stats;
    const peer__pacer_stats_t *pacer = peer__pacer_stats(peer->pacer);
    out->pacer_dropped = pacer->dropped_video + pacer->refused;
    return PEER_OK;
}

peer_err_t peer_remote_stats(const peer_t *peer, uint32_t sender_id, peer_kind_t kind,
                             peer_remote_stats_t *out)
{
    if (peer == NULL || out == NULL)
        return PEER_ERR_INVALID_ARG;
    const peer__remote_t *remote = remote_by_sender(peer, sender_id, kind);
    if (remote == NULL)
        return PEER_ERR_NOT_FOUND;
    *out = remote->stats;
    const peer__jb_stats_t *jb = peer__jitter_buffer_stats(remote->jb);
    out->frames_dropped = jb->frames_dropped;
    out->frames_lost = jb->frames_lost;
    out->nacks_sent = jb->nacks_sent;
    return PEER_OK;
}
