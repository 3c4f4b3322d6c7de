/* peers/peer_recv.c: what a peer receives from each remote sender (peer.h,
 * the "receive" chain), one remote stream (sender, kind) at a time.
 *
 * In: an SRTP-unprotected RTP packet is matched to its stream by SSRC,
 * media or RTX (RFC 4588 section 4: unwrapped to the original), counted
 * for the RR (RFC 3550 appendix A.3 and A.8), its abs-capture-time and
 * transport-wide number noted, and given to the stream's jitter buffer.
 *
 * Out, at each poll: frames the E2EE receiver held for their key and now
 * settles come first (they are older), then every frame the jitter buffer
 * releases. Each released frame gets exactly one record: decrypted or not
 * (a decrypt failure asks the jitter buffer for a keyframe, whose PLI it
 * throttles), decoded (VP8; Opus, with PLC for lost audio frames) unless
 * config.decode is false, and verified: the burned-in code read back
 * against the sender and the frame number of the capture time, PSNR
 * against the regenerated pattern, or the clip checksum. A frame that
 * waits for its key produces its record when it is settled, flagged
 * waited_for_key. Audio frames the jitter buffer gives up on get a record
 * too (lost, concealed: decrypted, decoded and verified false). Video
 * frames that never complete get none; they show in frames_dropped.
 *
 * The capture time of a frame is the abs-capture-time its first packet
 * carried, kept per RTP timestamp in a small ring (a recovered first
 * packet carries it too); a lost audio frame's is extrapolated from the
 * newest known one, the stream's clock being exact. */
#include "peers/peer_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- Remote streams ----------------------------------------------------------- */

static bool legacy_keyframe(void *ctx, const uint8_t *prefix, size_t len)
{
    (void)ctx;
    return len > 0 && sframe_legacy_vp8_is_keyframe(prefix[0]);
}

static peer_err_t remote_jitter_buffer(const peer_t *peer, peer__remote_t *remote)
{
    const peer_config_t *c = &peer->config;
    bool video = remote->config.kind == PEER_KIND_VIDEO;
    peer__jitter_buffer_config_t jc =
        peer__jitter_buffer_config_default(video ? PEER__MEDIA_VIDEO : PEER__MEDIA_AUDIO);
    jc.max_payload = (uint32_t)c->mtu;
    if (video) {
        switch (c->signal) {
        case PEER_SIGNAL_DEPENDENCY_DESCRIPTOR:
            jc.signal = PEER__SIGNAL_DD;
            jc.ext_dd = c->ext.dependency_descriptor;
            break;
        case PEER_SIGNAL_FRAME_MARKING:
            jc.signal = PEER__SIGNAL_FRAME_MARKING;
            jc.ext_frame_marking = c->ext.frame_marking;
            break;
        case PEER_SIGNAL_CLEAR_PREFIX:
            jc.signal = PEER__SIGNAL_NONE;
            if (c->scheme == PEER_SCHEME_INSERTABLE_LEGACY)
                jc.keyframe_check = legacy_keyframe;
            break;
        }
        jc.nack = c->nack;
        jc.nack_max_retries = c->nack_max_retries > 0 ? c->nack_max_retries : 1;
        jc.pli_interval_ms = c->pli_interval_ms;
    } else {
        jc.max_frame_size = (uint32_t)c->mtu;
    }
    rtp_err_t err = peer__jitter_buffer_create(&jc, &remote->jb);
    return err == RTP_OK             ? PEER_OK
           : err == RTP_ERR_NO_SPACE ? PEER_ERR_NO_MEMORY
                                     : PEER_ERR_INVALID_ARG;
}

static peer_err_t remote_e2ee(const peer_t *peer, peer__remote_t *remote)
{
    const peer_config_t *c = &peer->config;
    peer__e2ee_receiver_config_t ec = peer__e2ee_receiver_config_default(peer__scheme(peer));
    ec.suite = c->suite;
    ec.legacy_variant = c->legacy_variant;
    ec.sender_id = remote->config.sender_id;
    ec.streams = remote->config.kind == PEER_KIND_VIDEO ? 1u + remote->config.n_layers : 1u;
    ec.grace_ms = c->key_grace_ms;
    ec.hold_ms = c->key_hold_ms;
    ec.max_held_frames = PEER__HELD_MAX;
    ec.test_mode = peer__test_mode(c->test_transform);
    return peer__err_from_sframe(peer__e2ee_receiver_new(&ec, &remote->e2ee));
}

/* Grows the peer's shared receive buffers for this stream. */
static bool remote_buffers(peer_t *peer, const peer__remote_t *remote)
{
    size_t frame = remote->config.kind == PEER_KIND_VIDEO ? 512u * 1024u : peer->config.mtu;
    size_t cap = peer->rx_cap;
    if (!peer__grow(&peer->rx_frame, &cap, frame))
        return false;
    cap = peer->rx_cap;
    if (!peer__grow(&peer->rx_plain, &cap, frame))
        return false;
    peer->rx_cap = cap;
    size_t picture = 0;
    for (unsigned l = 0; remote->config.kind == PEER_KIND_VIDEO && l < remote->config.n_layers;
         l++) {
        size_t size =
            peer__image_i420_size(remote->config.layer_width[l], remote->config.layer_height[l]);
        picture = size > picture ? size : picture;
    }
    cap = peer->picture_cap;
    if (!peer__grow(&peer->decoded, &cap, picture))
        return false;
    cap = peer->picture_cap;
    if (!peer__grow(&peer->reference, &cap, picture))
        return false;
    peer->picture_cap = cap;
    return true;
}

peer_err_t peer__remote_new(peer_t *peer, const peer_remote_config_t *config, peer__remote_t **out)
{
    peer__remote_t *remote = calloc(1, sizeof(*remote));
    if (remote == NULL)
        return PEER_ERR_NO_MEMORY;
    remote->config = *config;
    remote->stats.sender_id = config->sender_id;
    remote->stats.kind = config->kind;
    bool video = config->kind == PEER_KIND_VIDEO;
    remote->clock_hz = video ? PEER__VIDEO_CLOCK : PEER__AUDIO_CLOCK;
    remote->ptime_us = (uint64_t)config->ptime_ms * PEER__MS;
    peer_err_t err = remote_jitter_buffer(peer, remote);
    if (err == PEER_OK)
        err = remote_e2ee(peer, remote);
    if (err == PEER_OK && !remote_buffers(peer, remote))
        err = PEER_ERR_NO_MEMORY;
    if (err == PEER_OK && peer->config.decode && video)
        err = peer__err_from_codec(peer__vp8_decoder_new(&remote->vp8));
    if (err == PEER_OK && peer->config.decode && !video) {
        peer__opus_config_t oc = peer__opus_config_default();
        oc.ptime_us = config->ptime_ms * PEER__MS;
        err = peer__err_from_codec(peer__opus_decoder_new(&oc, &remote->opus));
    }
    if (err != PEER_OK) {
        peer__remote_free(remote);
        return err;
    }
    *out = remote;
    return PEER_OK;
}

void peer__remote_free(peer__remote_t *remote)
{
    if (remote == NULL)
        return;
    peer__jitter_buffer_destroy(remote->jb);
    peer__e2ee_receiver_free(remote->e2ee);
    peer__vp8_decoder_free(remote->vp8);
    peer__opus_decoder_free(remote->opus);
    free(remote);
}

peer__ssrc_entry_t *peer__ssrc_find(peer_t *peer, uint32_t ssrc)
{
    size_t lo = 0, hi = peer->n_ssrcs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (peer->ssrcs[mid].ssrc < ssrc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < peer->n_ssrcs && peer->ssrcs[lo].ssrc == ssrc ? &peer->ssrcs[lo] : NULL;
}

void peer__recv_set_rtt(peer_t *peer, uint64_t rtt_us)
{
    for (size_t i = 0; i < peer->n_remotes; i++)
        peer__jitter_buffer_set_rtt(peer->remotes[i]->jb, rtt_us);
}

/* --- Packets in ----------------------------------------------------------------- */

static void note_capture(peer__remote_t *remote, const peer_t *peer, const rtp_header_t *h)
{
    rtp_ext_elem_t e;
    uint64_t ntp = 0;
    bool has_offset = false;
    int64_t offset = 0;
    if (peer->config.ext.abs_capture_time == 0 ||
        rtp_ext_find(h, peer->config.ext.abs_capture_time, &e) != RTP_OK ||
        rtp_ext_abs_capture_time_parse(&e, &ntp, &has_offset, &offset) != RTP_OK)
        return;
    uint64_t capture_us = rtp_ntp_q32_to_us(ntp);
    remote->have_anchor = true;
    remote->anchor_ts = h->timestamp;
    remote->anchor_us = capture_us;
    for (unsigned i = 0; i < PEER__CAPTURE_RING; i++) {
        peer__capture_entry_t *entry = &remote->captures[i];
        if (entry->used && entry->rtp_ts == h->timestamp) {
            entry->capture_us = capture_us;
            return;
        }
    }
    remote->captures[remote->capture_next] =
        (peer__capture_entry_t){ .used = true, .rtp_ts = h->timestamp, .capture_us = capture_us };
    remote->capture_next = (remote->capture_next + 1) % PEER__CAPTURE_RING;
}

void peer__recv_rtp(peer_t *peer, uint64_t now_us, size_t len)
{
    rtp_header_t h;
    if (rtp_parse(peer->packet.bytes, len, &h) != RTP_OK) {
        peer->stats.malformed++;
        return;
    }
    peer__ssrc_entry_t *entry = peer__ssrc_find(peer, h.ssrc);
    if (entry == NULL) {
        peer->stats.unknown_ssrc++;
        return;
    }
    peer__remote_t *remote = entry->remote;
    /* Transport feedback covers every packet that carried a number. */
    rtp_ext_elem_t e;
    uint16_t twcc = 0;
    if (peer->config.ext.twcc != 0 && rtp_ext_find(&h, peer->config.ext.twcc, &e) == RTP_OK &&
        rtp_ext_twcc_seq_parse(&e, &twcc) == RTP_OK)
        peer__twcc_log(peer, twcc, h.ssrc, now_us);
    remote->stats.packets++;
    remote->stats.bytes += len;
    const uint8_t *pkt = peer->packet.bytes;
    size_t pkt_len = len;
    if (entry->rtx) {
        remote->stats.rtx_packets++;
        uint16_t osn = 0;
        rtp_err_t err = rtp_rtx_unwrap(peer->packet.bytes, len, remote->config.ssrc,
                                       remote->config.payload_type, peer->rtx.bytes,
                                       sizeof(peer->rtx.bytes), &pkt_len, &osn);
        if (err == RTP_ERR_TRUNCATED && h.payload_len == 0)
            return; /* padding only: nothing to recover */
        if (err != RTP_OK || rtp_parse(peer->rtx.bytes, pkt_len, &h) != RTP_OK) {
            peer->stats.malformed++;
            return;
        }
        pkt = peer->rtx.bytes;
    }
    peer__rtcp_on_rtp(&remote->report, h.seq, h.timestamp, entry->rtx, now_us, remote->clock_hz);
    note_capture(remote, peer, &h);
    switch (peer__jitter_buffer_receive(remote->jb, pkt, pkt_len, now_us)) {
    case PEER__JB_RX_STORED:
        break;
    case PEER__JB_RX_DUPLICATE:
        remote->stats.duplicates++;
        break;
    case PEER__JB_RX_LATE:
        remote->stats.late++;
        break;
    case PEER__JB_RX_MALFORMED:
    case PEER__JB_RX_TOO_LARGE:
        peer->stats.malformed++;
        break;
    }
}

/* --- Frames out ------------------------------------------------------------------ */

static uint64_t capture_of(const peer__remote_t *remote, uint32_t rtp_ts)
{
    for (unsigned i = 0; i < PEER__CAPTURE_RING; i++)
        if (remote->captures[i].used && remote->captures[i].rtp_ts == rtp_ts)
            return remote->captures[i].capture_us;
    return 0;
}

/* A lost audio frame: its capture time from the newest known one. */
static uint64_t capture_extrapolated(const peer__remote_t *remote, uint32_t rtp_ts)
{
    if (!remote->have_anchor)
        return 0;
    int64_t ticks = (int32_t)(rtp_ts - remote->anchor_ts);
    int64_t us = ticks * (int64_t)PEER__US_PER_S / (int64_t)remote->clock_hz;
    if (us < 0 && (uint64_t)-us > remote->anchor_us)
        return 0;
    return (uint64_t)((int64_t)remote->anchor_us + us);
}

static uint64_t frame_index(const peer__remote_t *remote, uint64_t capture_us)
{
    if (remote->config.kind == PEER_KIND_AUDIO)
        return remote->ptime_us > 0 ? (capture_us + remote->ptime_us / 2) / remote->ptime_us : 0;
    return peer_video_frame_index(remote->config.fps, capture_us);
}

static int layer_of_size(const peer__remote_t *remote, unsigned width, unsigned height)
{
    for (unsigned l = 0; l < remote->config.n_layers; l++)
        if (remote->config.layer_width[l] == width && remote->config.layer_height[l] == height)
            return (int)l;
    return -1;
}

static void note_layer(peer__remote_t *remote, unsigned layer)
{
    if (remote->have_layer && remote->stats.layer != layer)
        remote->stats.layer_switches++;
    remote->have_layer = true;
    remote->stats.layer = layer;
}

/* Decodes into peer->decoded, growing it for a larger picture. */
static peer__codec_err_t decode_vp8(peer_t *peer, peer__remote_t *remote, const uint8_t *frame,
                                    size_t len, unsigned *width, unsigned *height)
{
    peer__codec_err_t err = peer__vp8_decoder_decode(remote->vp8, frame, len, peer->decoded,
                                                     peer->picture_cap, width, height);
    if (err != PEER__CODEC_ERR_NO_SPACE)
        return err;
    size_t need = peer__i420_size(*width, *height);
    size_t cap = peer->picture_cap;
    if (!peer__grow(&peer->decoded, &cap, need))
        return PEER__CODEC_ERR_NO_MEMORY;
    cap = peer->picture_cap;
    if (!peer__grow(&peer->reference, &cap, need))
        return PEER__CODEC_ERR_NO_MEMORY;
    peer->picture_cap = cap;
    /* The frame itself is gone (decoded, not copied out): it counts as
     * failed and the keyframe it asks for decodes into the larger
     * buffers. Only a size no layer declared gets here. */
    return PEER__CODEC_ERR_NO_SPACE;
}

/* Pattern video: the code read back, then PSNR against the regenerated
 * source at the decoded size (from the call's frame cache if it has it). */
static bool verify_pattern(peer_t *peer, const peer__remote_t *remote, unsigned width,
                           unsigned height, int layer, peer_frame_record_t *record)
{
    uint16_t sender = 0;
    uint32_t n = 0;
    if (peer__code_read(peer->decoded, width, height, width, &sender, &n) != PEER__CODE_OK)
        return false;
    record->frame = n;
    bool ok = layer >= 0 && sender == (uint16_t)(remote->config.sender_id & 0xFFFFu) &&
              (record->capture_us == 0 ||
               n == peer_video_frame_index(remote->config.fps, record->capture_us));
    uint32_t every = peer->config.psnr_every;
    if (ok && every != 0 && n % every == 0) {
        peer__pattern_config_t pattern = { .sender_id = sender,
                                           .seed = remote->config.pattern_seed };
        /* The sender rendered the same picture into a shared cache. */
        peer__image_t reference = peer__frame_cache_picture(peer->config.frame_cache, &pattern, n,
                                                            width, height, peer->reference);
        peer__image_t decoded = peer__image_wrap_i420(peer->decoded, width, height);
        record->psnr_db = peer__psnr_i420(&decoded, &reference);
    }
    return ok;
}

static void video_frame(peer_t *peer, peer__remote_t *remote, const uint8_t *frame, size_t len,
                        uint64_t now_us, peer_frame_record_t *record)
{
    bool clip = remote->config.source == PEER_VIDEO_CLIP;
    bool attempted = false, verified = false;
    unsigned clip_layer = 0, clip_index = 0;
    if (clip) {
        attempted = true;
        verified = peer__clips_find(remote->config.clips, frame, len, &clip_layer, &clip_index);
        if (verified) {
            record->layer = clip_layer;
            note_layer(remote, clip_layer);
        }
    }
    if (remote->vp8 != NULL) {
        unsigned width = 0, height = 0;
        if (decode_vp8(peer, remote, frame, len, &width, &height) != PEER__CODEC_OK) {
            remote->stats.frames_decode_failed++;
            peer__jitter_buffer_request_keyframe(remote->jb, now_us);
        } else {
            record->decoded = true;
            remote->stats.frames_decoded++;
            int layer = layer_of_size(remote, width, height);
            if (!clip) {
                attempted = true;
                verified = verify_pattern(peer, remote, width, height, layer, record);
                if (layer >= 0) {
                    record->layer = (unsigned)layer;
                    note_layer(remote, (unsigned)layer);
                }
            }
        }
    }
    if (attempted) {
        record->verified = verified;
        if (verified)
            remote->stats.frames_verified++;
        else
            remote->stats.frames_verify_failed++;
    }
}

static void audio_frame(peer_t *peer, peer__remote_t *remote, const uint8_t *frame, size_t len,
                        peer_frame_record_t *record)
{
    if (remote->opus == NULL)
        return;
    size_t samples = 0;
    if (peer__opus_decoder_decode(remote->opus, frame, len, peer->pcm,
                                  sizeof(peer->pcm) / sizeof(peer->pcm[0]),
                                  &samples) != PEER__CODEC_OK) {
        remote->stats.frames_decode_failed++;
        return;
    }
    remote->stats.frames_decoded++;
    remote->stats.frames_verified++;
    record->decoded = true;
    record->verified = true;
}

/* Opus packet loss concealment for a frame that is not there. */
static void conceal(peer_t *peer, peer__remote_t *remote)
{
    size_t samples = 0;
    if (remote->opus != NULL)
        (void)peer__opus_decoder_decode(remote->opus, NULL, 0, peer->pcm,
                                        sizeof(peer->pcm) / sizeof(peer->pcm[0]), &samples);
}

/* The one record of a frame, whatever became of it. */
static void finish_frame(peer_t *peer, peer__remote_t *remote, const peer__rx_frame_t *meta,
                         peer__e2ee_result_t result, bool waited, const uint8_t *plain,
                         size_t plain_len, uint64_t now_us)
{
    bool video = remote->config.kind == PEER_KIND_VIDEO;
    peer_frame_record_t record = {
        .receiver_id = peer->config.id,
        .sender_id = remote->config.sender_id,
        .kind = remote->config.kind,
        .layer = video && remote->have_layer ? remote->stats.layer : 0,
        .frame = meta->capture_us != 0 ? frame_index(remote, meta->capture_us) : 0,
        .capture_us = meta->capture_us,
        .render_us = meta->render_us,
        .keyframe = meta->keyframe,
        .lost = meta->lost,
        .waited_for_key = waited,
        .e2ee_result = (int)result,
        .psnr_db = NAN,
    };
    if (meta->lost) {
        conceal(peer, remote);
    } else if (result == PEER__E2EE_DECRYPTED) {
        record.decrypted = true;
        record.epoch = peer__e2ee_receiver_last_epoch(remote->e2ee);
        remote->stats.frames_decrypted++;
        if (video)
            video_frame(peer, remote, plain, plain_len, now_us, &record);
        else
            audio_frame(peer, remote, plain, plain_len, &record);
    } else {
        if (result == PEER__E2EE_EXPIRED || result == PEER__E2EE_HOLD_FULL)
            remote->stats.frames_waiting_for_key++;
        else
            remote->stats.frames_decrypt_failed++;
        if (video)
            peer__jitter_buffer_request_keyframe(remote->jb, now_us);
        else
            conceal(peer, remote);
    }
    if (peer->config.on_frame != NULL)
        peer->config.on_frame(peer->config.on_frame_ctx, now_us, &record);
}

static void hold_meta(peer__remote_t *remote, const peer__rx_frame_t *meta)
{
    for (unsigned i = 0; i < PEER__HELD_MAX; i++) {
        if (!remote->held[i].used) {
            remote->held[i] = *meta;
            remote->held[i].used = true;
            return;
        }
    }
}

static peer__rx_frame_t take_meta(peer__remote_t *remote, uint64_t tag)
{
    for (unsigned i = 0; i < PEER__HELD_MAX; i++) {
        if (remote->held[i].used && remote->held[i].tag == tag) {
            peer__rx_frame_t meta = remote->held[i];
            remote->held[i].used = false;
            return meta;
        }
    }
    return (peer__rx_frame_t){ .tag = tag };
}

static void popped_frame(peer_t *peer, peer__remote_t *remote, const peer__jb_frame_t *frame,
                         uint64_t now_us)
{
    bool video = remote->config.kind == PEER_KIND_VIDEO;
    peer__rx_frame_t meta = {
        .tag = remote->next_tag++,
        .rtp_ts = frame->rtp_timestamp,
        .keyframe = frame->keyframe,
        .lost = frame->lost,
        .capture_us = capture_of(remote, frame->rtp_timestamp),
        .render_us = video ? now_us : frame->playout_us,
    };
    if (frame->lost) {
        meta.capture_us = capture_extrapolated(remote, frame->rtp_timestamp);
        finish_frame(peer, remote, &meta, PEER__E2EE_NOTHING, false, NULL, 0, now_us);
        return;
    }
    remote->stats.frames_complete++;
    size_t plain_len = 0;
    peer__e2ee_result_t result = peer__e2ee_receiver_unprotect(
        remote->e2ee, video ? PEER__E2EE_VIDEO_VP8 : PEER__E2EE_AUDIO_OPUS, peer->rx_frame,
        frame->size, meta.tag, now_us, peer->rx_plain, peer->rx_cap, &plain_len);
    if (result == PEER__E2EE_HELD) {
        hold_meta(remote, &meta);
        return;
    }
    finish_frame(peer, remote, &meta, result, false, peer->rx_plain, plain_len, now_us);
}

static void settle_held(peer_t *peer, peer__remote_t *remote, uint64_t now_us)
{
    for (;;) {
        peer__e2ee_released_t released;
        size_t plain_len = 0;
        peer__e2ee_result_t result = peer__e2ee_receiver_poll(
            remote->e2ee, now_us, &released, peer->rx_plain, peer->rx_cap, &plain_len);
        if (result == PEER__E2EE_NOTHING || result == PEER__E2EE_ERROR)
            return;
        peer__rx_frame_t meta = take_meta(remote, released.tag);
        meta.render_us = now_us; /* it could play only now */
        finish_frame(peer, remote, &meta, result, true, peer->rx_plain, plain_len, now_us);
    }
}

static void poll_remote(peer_t *peer, peer__remote_t *remote, peer__feedback_t *fb, uint64_t now_us)
{
    settle_held(peer, remote, now_us);
    for (;;) {
        peer__jb_frame_t frame;
        if (peer__jitter_buffer_pop(remote->jb, now_us, peer->rx_frame, peer->rx_cap, &frame) !=
            RTP_OK)
            break;
        popped_frame(peer, remote, &frame, now_us);
    }
    uint16_t seqs[PEER__NACK_MAX];
    size_t n = peer__jitter_buffer_poll_nack(remote->jb, now_us, seqs, PEER__NACK_MAX);
    if (n > 0)
        remote->stats.nack_packets_sent += peer__feedback_nack(fb, remote->config.ssrc, seqs, n);
    if (peer__jitter_buffer_poll_pli(remote->jb, now_us)) {
        peer__feedback_pli(fb, remote->config.ssrc);
        remote->stats.plis_sent++;
    }
}

void peer__recv_poll(peer_t *peer, uint64_t now_us)
{
    peer__feedback_t fb;
    peer__feedback_begin(&fb, peer, now_us);
    for (size_t i = 0; i < peer->n_remotes; i++)
        poll_remote(peer, peer->remotes[i], &fb, now_us);
    peer__feedback_end(&fb);
}

uint64_t peer__recv_next_us(const peer_t *peer, uint64_t now_us)
{
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < peer->n_remotes; i++) {
        const peer__remote_t *remote = peer->remotes[i];
        uint64_t at = peer__jitter_buffer_next_event_us(remote->jb);
        /* e2ee.h tells no hold deadline: look again every 10 ms. */
        if (peer__e2ee_receiver_stats(remote->e2ee).held_now > 0 &&
            now_us + PEER__HELD_POLL_US < at)
            at = now_us + PEER__HELD_POLL_US;
        next = at < next ? at : next;
    }
    return next;
}
