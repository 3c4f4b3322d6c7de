/* peers/peer_send.c: what a peer sends (peer.h, the "send" chain).
 *
 * Video frame n is captured at peer_video_capture_us(fps, n); for each
 * simulcast layer, lowest first, the pattern is rendered at the layer's
 * size with the burned-in code (sender id, n), into the call's frame cache
 * if it has one, and encoded by the layer's VP8 encoder (or the layer's
 * clip is replayed), protected by the layer's
 * E2EE sender (stream 1 + layer), packetized (RFC 7741, with DD or frame
 * marking, mid/rid, transport-wide number, and abs-capture-time on the
 * first packet), kept in the layer's RTX history and queued in the pacer.
 * Audio frame k (capture k * ptime) is the peer's tone, Opus-encoded, with
 * its RFC 6464 level, protected as stream 0 and queued with audio priority.
 *
 * Packets leave in peer__send_flush: the pacer decides when, the
 * transport-wide sequence number is written then (send order, as libwebrtc
 * numbers at the pacer; retransmissions get their own), SRTP protects, the
 * sink takes it. Per-stream counters feed the SR (RFC 3550 section 6.4.1).
 *
 * NACKs (RFC 4585 section 6.2.1) are answered from the layer's history on
 * its RTX stream (RFC 4588) with retransmission priority; PLI and FIR make
 * the layer's next frame a keyframe. Frames that cannot be protected (no
 * send key yet) are dropped, counted, and make the next frame of their
 * layer a keyframe, so the first frame a receiver gets is decodable. */
#include "peers/peer_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint32_t total_kbps(const peer_config_t *c)
{
    uint32_t kbps = c->audio.enabled ? c->audio.kbps : 0;
    if (c->video.enabled)
        for (unsigned l = 0; l < c->video.n_layers; l++)
            kbps += c->video.layers[l].max_kbps;
    return kbps;
}

static peer__packetizer_config_t packetizer_config(peer_t *peer, peer__media_kind_t kind)
{
    const peer_config_t *c = &peer->config;
    peer__packetizer_config_t pc = peer__packetizer_config_default();
    pc.kind = kind;
    pc.mtu = c->mtu;
    pc.ext_twcc = c->ext.twcc;
    pc.twcc_seq = c->ext.twcc != 0 ? &peer->twcc_placeholder : NULL;
    pc.ext_mid = c->ext.mid;
    pc.ext_abs_capture_time = c->ext.abs_capture_time;
    if (kind == PEER__MEDIA_AUDIO) {
        pc.ext_audio_level = c->ext.audio_level;
        pc.ssrc = c->audio.ssrc;
        pc.payload_type = c->audio.payload_type;
        pc.first_seq = c->audio.first_seq;
        pc.mid = c->audio.mid;
        return pc;
    }
    pc.payload_type = c->video.payload_type;
    pc.mid = c->video.mid;
    pc.ext_rid = c->ext.rid;
    switch (c->signal) {
    case PEER_SIGNAL_DEPENDENCY_DESCRIPTOR:
        pc.signal = PEER__SIGNAL_DD;
        pc.ext_dd = c->ext.dependency_descriptor;
        break;
    case PEER_SIGNAL_FRAME_MARKING:
        pc.signal = PEER__SIGNAL_FRAME_MARKING;
        pc.ext_frame_marking = c->ext.frame_marking;
        break;
    case PEER_SIGNAL_CLEAR_PREFIX:
        pc.signal = PEER__SIGNAL_NONE;
        break;
    }
    return pc;
}

static peer_err_t e2ee_sender(peer_t *peer, unsigned stream, peer__e2ee_sender_t **out)
{
    const peer_config_t *c = &peer->config;
    peer__e2ee_sender_config_t ec = peer__e2ee_sender_config_default(peer__scheme(peer));
    ec.suite = c->suite;
    ec.legacy_variant = c->legacy_variant;
    ec.sender_id = c->id;
    ec.stream = stream;
    ec.test_mode = peer__test_mode(c->test_transform);
    return peer__err_from_sframe(peer__e2ee_sender_new(&ec, out));
}

static peer_err_t layer_init(peer_t *peer, unsigned index)
{
    const peer_config_t *c = &peer->config;
    peer__send_layer_t *layer = &peer->layers[index];
    layer->config = c->video.layers[index];
    layer->keyframe_wanted = true;
    peer_err_t err = e2ee_sender(peer, 1u + index, &layer->e2ee);
    if (err != PEER_OK)
        return err;
    peer__packetizer_config_t pc = packetizer_config(peer, PEER__MEDIA_VIDEO);
    pc.ssrc = layer->config.ssrc;
    pc.first_seq = layer->config.first_seq;
    pc.first_picture_id = layer->config.first_picture_id;
    pc.rid = layer->config.rid;
    err = peer__err_from_rtp(peer__packetizer_init(&layer->packetizer, &pc));
    if (err != PEER_OK)
        return err;
    if (layer->config.rtx_ssrc != 0) {
        peer__send_history_config_t hc = peer__send_history_config_default();
        hc.slot_size = (uint32_t)c->mtu;
        hc.rtx_ssrc = layer->config.rtx_ssrc;
        hc.rtx_pt = c->video.rtx_payload_type;
        hc.first_rtx_seq = layer->config.first_rtx_seq;
        err = peer__err_from_rtp(peer__send_history_create(&hc, &layer->history));
        if (err != PEER_OK)
            return err;
    }
    if (c->video.source == PEER_VIDEO_CLIP) {
        peer__clip_player_init(&layer->player, peer__clips_clip(c->video.clips, index));
        return PEER_OK;
    }
    layer->i420_len = peer__i420_size(layer->config.width, layer->config.height);
    layer->i420 = malloc(layer->i420_len);
    if (layer->i420 == NULL)
        return PEER_ERR_NO_MEMORY;
    peer__vp8_encoder_config_t vc = peer__vp8_encoder_config_default();
    vc.width = layer->config.width;
    vc.height = layer->config.height;
    vc.fps = (unsigned)lround(c->video.fps < 1.0 ? 1.0 : c->video.fps);
    vc.max_kbps = layer->config.max_kbps;
    vc.keyframe_interval_us = c->video.keyframe_interval_us;
    vc.speed = c->video.encoder_speed;
    return peer__err_from_codec(peer__vp8_encoder_new(&vc, &layer->encoder));
}

static peer_err_t audio_init(peer_t *peer)
{
    const peer_config_t *c = &peer->config;
    peer__send_audio_t *audio = &peer->audio;
    peer_err_t err = e2ee_sender(peer, PEER__AUDIO_STREAM, &audio->e2ee);
    if (err != PEER_OK)
        return err;
    peer__packetizer_config_t pc = packetizer_config(peer, PEER__MEDIA_AUDIO);
    err = peer__err_from_rtp(peer__packetizer_init(&audio->packetizer, &pc));
    if (err != PEER_OK)
        return err;
    peer__opus_config_t oc = peer__opus_config_default();
    oc.kbps = c->audio.kbps;
    oc.ptime_us = c->audio.ptime_ms * PEER__MS;
    audio->samples = peer__opus_frame_samples(&oc);
    audio->tone = peer__tone_config_default();
    audio->tone.peer_index = c->index;
    return peer__err_from_codec(peer__opus_encoder_new(&oc, &audio->encoder));
}

/* The first grid index whose capture time is at or after start_us. */
static uint64_t first_video_index(double fps, uint64_t start_us)
{
    uint64_t n = peer_video_frame_index(fps, start_us);
    while (n > 0 && peer_video_capture_us(fps, n - 1) >= start_us)
        n--;
    while (peer_video_capture_us(fps, n) < start_us)
        n++;
    return n;
}

peer_err_t peer__send_init(peer_t *peer)
{
    const peer_config_t *c = &peer->config;
    peer__pacer_config_t pc = peer__pacer_config_default();
    pc.target_kbps = total_kbps(c);
    pc.pacing_factor = c->pacing_factor;
    pc.max_packet_size = (uint32_t)c->mtu + PEER__RTX_OVERHEAD;
    pc.max_bytes = pc.max_packets * pc.max_packet_size;
    peer_err_t err = peer__err_from_rtp(peer__pacer_create(&pc, &peer->pacer));
    if (err != PEER_OK)
        return err;
    if (c->video.enabled) {
        for (unsigned l = 0; l < c->video.n_layers; l++) {
            err = layer_init(peer, l);
            if (err != PEER_OK)
                return err;
        }
        peer->next_video_index = first_video_index(c->video.fps, c->start_us);
    }
    if (c->audio.enabled) {
        err = audio_init(peer);
        if (err != PEER_OK)
            return err;
        peer->audio_ptime_us = (uint64_t)c->audio.ptime_ms * PEER__MS;
        peer->next_audio_index = (c->start_us + peer->audio_ptime_us - 1) / peer->audio_ptime_us;
    }
    return PEER_OK;
}

void peer__send_free(peer_t *peer)
{
    for (unsigned l = 0; l < PEER_MAX_LAYERS; l++) {
        peer__send_layer_t *layer = &peer->layers[l];
        peer__vp8_encoder_free(layer->encoder);
        peer__e2ee_sender_free(layer->e2ee);
        peer__send_history_destroy(layer->history);
        free(layer->i420);
    }
    peer__opus_encoder_free(peer->audio.encoder);
    peer__e2ee_sender_free(peer->audio.e2ee);
    peer__pacer_destroy(peer->pacer);
    free(peer->protected_frame);
    free(peer->slot_bytes);
    free(peer->slots);
    free(peer->rtx_bytes);
}

/* --- One frame ------------------------------------------------------------ */

/* What one protected frame declares readable (peer_sent_frame_t). */
static void declare_clear(const peer_t *peer, peer_sent_frame_t *sent, peer__e2ee_kind_t kind)
{
    const uint8_t *frame = sent->protected_frame;
    size_t len = sent->protected_len;
    switch (peer->config.scheme) {
    case PEER_SCHEME_SFRAME: {
        sframe_header_t header;
        size_t header_len = 0;
        if (sframe_header_decode(frame, len, &header, &header_len) == SFRAME_OK) {
            sent->clear_head = header_len;
            sent->kid = header.kid;
            sent->ctr = header.ctr;
        }
        break;
    }
    case PEER_SCHEME_INSERTABLE_LEGACY:
        sent->clear_head = peer__e2ee_clear_bytes(PEER__E2EE_INSERTABLE_LEGACY, kind, frame, len);
        sent->clear_tail = PEER__LEGACY_TAIL;
        break;
    case PEER_SCHEME_NONE:
        sent->clear_head = len;
        break;
    }
    sent->epoch = peer->config.scheme == PEER_SCHEME_NONE ? 0 : peer->send_epoch;
}

/* Makes room for `count` packet slots of mtu bytes. */
static bool ensure_slots(peer_t *peer, size_t count)
{
    if (count <= peer->n_slots)
        return true;
    size_t mtu = peer->config.mtu;
    uint8_t *bytes = realloc(peer->slot_bytes, count * mtu);
    if (bytes == NULL)
        return false;
    peer->slot_bytes = bytes;
    peer__packet_slot_t *slots = realloc(peer->slots, count * sizeof(*slots));
    if (slots == NULL)
        return false;
    peer->slots = slots;
    for (size_t i = 0; i < count; i++)
        slots[i] = (peer__packet_slot_t){ .data = bytes + i * mtu, .cap = mtu };
    peer->n_slots = count;
    return true;
}

/* Protects an encoded frame into peer->protected_frame. false (counted):
 * no key yet, or the transform failed. */
static bool protect(peer_t *peer, peer__e2ee_sender_t *e2ee, const peer__encoded_frame_t *frame,
                    peer__e2ee_kind_t kind, uint32_t ssrc, uint32_t rtp_ts, size_t *out_len)
{
    size_t need = frame->len + peer__e2ee_max_overhead(peer__scheme(peer), peer->config.suite);
    if (!peer__grow(&peer->protected_frame, &peer->protected_cap, need) ||
        peer__e2ee_sender_protect(e2ee, frame->data, frame->len, kind, frame->keyframe, ssrc,
                                  rtp_ts, peer->protected_frame, peer->protected_cap,
                                  out_len) != SFRAME_OK) {
        peer->stats.frames_not_sent++;
        return false;
    }
    return true;
}

/* Packetizes peer->protected_frame into the pacer (and the history). */
static unsigned packetize(peer_t *peer, peer__packetizer_t *packetizer,
                          peer__send_history_t *history, const peer__frame_meta_t *meta, size_t len,
                          peer__pacer_priority_t priority, uint64_t now_us)
{
    size_t count = peer__packetizer_count(packetizer, meta, len);
    size_t n = 0;
    if (count == 0 || !ensure_slots(peer, count) ||
        peer__packetize(packetizer, meta, peer->protected_frame, len, peer->slots, peer->n_slots,
                        &n) != RTP_OK) {
        peer->stats.frames_not_sent++;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const peer__packet_slot_t *slot = &peer->slots[i];
        if (history != NULL)
            (void)peer__send_history_store(history, slot->data, slot->len, now_us);
        /* A refusal shows in the pacer's counts (peer_stats pacer_dropped). */
        (void)peer__pacer_enqueue(peer->pacer, slot->data, slot->len, priority, now_us);
    }
    return (unsigned)n;
}

/* Before the first send key, sframe and insertable-legacy cannot protect
 * a frame: it is not even encoded (nor the clip advanced). */
static bool can_protect(const peer_t *peer)
{
    return peer->send_keyed || peer->config.scheme == PEER_SCHEME_NONE;
}

static bool encode_layer(peer_t *peer, peer__send_layer_t *layer, uint64_t n, uint64_t capture_us,
                         peer__encoded_frame_t *frame)
{
    const peer_config_t *c = &peer->config;
    if (c->video.source == PEER_VIDEO_CLIP) {
        if (layer->keyframe_wanted)
            peer__clip_player_request_keyframe(&layer->player);
        unsigned index = 0;
        uint64_t checksum = 0;
        peer__clip_player_next(&layer->player, capture_us, frame, &index, &checksum);
        return frame->len > 0;
    }
    peer__pattern_config_t pattern = { .sender_id = (uint16_t)(c->id & 0xFFFFu),
                                       .seed = c->video.pattern_seed };
    /* Rendered straight into the shared cache when there is one, where the
     * layer's receivers find it as their PSNR reference; the encoder reads
     * it before anything else asks the cache. */
    peer__image_t image =
        peer__frame_cache_picture(c->frame_cache, &pattern, (uint32_t)n, layer->config.width,
                                  layer->config.height, layer->i420);
    if (layer->keyframe_wanted)
        peer__vp8_encoder_request_keyframe(layer->encoder);
    return peer__vp8_encoder_encode(layer->encoder, image.planes[0], layer->i420_len, capture_us,
                                    frame) == PEER__CODEC_OK &&
           frame->len > 0;
}

static void send_layer_frame(peer_t *peer, unsigned index, uint64_t n, uint64_t capture_us,
                             uint64_t now_us)
{
    peer__send_layer_t *layer = &peer->layers[index];
    if (!can_protect(peer)) {
        peer->stats.frames_not_sent++;
        layer->keyframe_wanted = true; /* the receiver's first frame must decode */
        return;
    }
    peer__encoded_frame_t frame;
    if (!encode_layer(peer, layer, n, capture_us, &frame)) {
        peer->stats.frames_not_sent++;
        return;
    }
    layer->keyframe_wanted = false;
    peer->stats.video_frames++;
    if (frame.keyframe)
        peer->stats.keyframes++;
    uint32_t rtp_ts =
        peer__rtp_timestamp(layer->config.first_timestamp, capture_us, PEER__VIDEO_CLOCK);
    size_t len = 0;
    if (!protect(peer, layer->e2ee, &frame, PEER__E2EE_VIDEO_VP8, layer->config.ssrc, rtp_ts,
                 &len)) {
        layer->keyframe_wanted = true; /* the receiver's first frame must decode */
        return;
    }
    peer__frame_meta_t meta = {
        .keyframe = frame.keyframe,
        .frame_number = layer->frame_number,
        .rtp_timestamp = rtp_ts,
        .has_capture_time = true,
        .capture_ntp_q32 = rtp_ntp_q32_from_us(capture_us),
    };
    unsigned packets =
        packetize(peer, &layer->packetizer, layer->history, &meta, len, PEER__PACER_VIDEO, now_us);
    if (packets == 0) {
        layer->keyframe_wanted = true;
        return;
    }
    layer->frame_number++;
    if (peer->config.on_sent == NULL)
        return;
    peer_sent_frame_t sent = {
        .sender_id = peer->config.id,
        .kind = PEER_KIND_VIDEO,
        .layer = index,
        .ssrc = layer->config.ssrc,
        .frame = n,
        .capture_us = capture_us,
        .rtp_timestamp = rtp_ts,
        .keyframe = frame.keyframe,
        .plaintext = frame.data,
        .plaintext_len = frame.len,
        .protected_frame = peer->protected_frame,
        .protected_len = len,
        .packets = packets,
    };
    declare_clear(peer, &sent, PEER__E2EE_VIDEO_VP8);
    peer->config.on_sent(peer->config.on_sent_ctx, now_us, &sent);
}

/* Bytes an Opus frame may take so that its packet fits the MTU. */
static size_t audio_room(const peer_t *peer)
{
    size_t overhead = RTP_FIXED_HEADER_LEN + 4 + PEER__EXT_BLOCK_MAX +
                      peer__e2ee_max_overhead(peer__scheme(peer), peer->config.suite);
    size_t room = peer->config.mtu - overhead;
    return room < PEER__OPUS_MAX_PACKET ? room : PEER__OPUS_MAX_PACKET;
}

static void send_audio_frame(peer_t *peer, uint64_t k, uint64_t now_us)
{
    peer__send_audio_t *audio = &peer->audio;
    uint64_t capture_us = k * peer->audio_ptime_us;
    if (!can_protect(peer)) {
        peer->stats.frames_not_sent++;
        return;
    }
    peer__tone_render(&audio->tone, k * audio->samples, audio->samples, audio->pcm);
    peer__audio_level_t level = peer__audio_level_compute(audio->pcm, audio->samples);
    peer__encoded_frame_t frame = { .data = audio->encoded, .capture_us = capture_us };
    if (peer__opus_encoder_encode(audio->encoder, audio->pcm, audio->samples, audio->encoded,
                                  audio_room(peer), &frame.len) != PEER__CODEC_OK ||
        frame.len == 0) {
        peer->stats.frames_not_sent++;
        return;
    }
    peer->stats.audio_frames++;
    uint32_t rtp_ts =
        peer__rtp_timestamp(peer->config.audio.first_timestamp, capture_us, PEER__AUDIO_CLOCK);
    size_t len = 0;
    if (!protect(peer, audio->e2ee, &frame, PEER__E2EE_AUDIO_OPUS, peer->config.audio.ssrc, rtp_ts,
                 &len))
        return;
    peer__frame_meta_t meta = {
        .rtp_timestamp = rtp_ts,
        .voice = level.voice,
        .audio_level_dbov = level.level,
        .has_capture_time = true,
        .capture_ntp_q32 = rtp_ntp_q32_from_us(capture_us),
    };
    unsigned packets =
        packetize(peer, &audio->packetizer, NULL, &meta, len, PEER__PACER_AUDIO, now_us);
    if (packets == 0 || peer->config.on_sent == NULL)
        return;
    peer_sent_frame_t sent = {
        .sender_id = peer->config.id,
        .kind = PEER_KIND_AUDIO,
        .ssrc = peer->config.audio.ssrc,
        .frame = k,
        .capture_us = capture_us,
        .rtp_timestamp = rtp_ts,
        .plaintext = frame.data,
        .plaintext_len = frame.len,
        .protected_frame = peer->protected_frame,
        .protected_len = len,
        .packets = packets,
    };
    declare_clear(peer, &sent, PEER__E2EE_AUDIO_OPUS);
    peer->config.on_sent(peer->config.on_sent_ctx, now_us, &sent);
}

void peer__send_capture(peer_t *peer, uint64_t now_us)
{
    const peer_config_t *c = &peer->config;
    for (;;) {
        uint64_t video_at = c->video.enabled
                                ? peer_video_capture_us(c->video.fps, peer->next_video_index)
                                : UINT64_MAX;
        uint64_t audio_at =
            c->audio.enabled ? peer->next_audio_index * peer->audio_ptime_us : UINT64_MAX;
        if (video_at > now_us && audio_at > now_us)
            return;
        /* Audio first on a tie: it is the smaller, higher-priority frame. */
        if (audio_at <= video_at) {
            send_audio_frame(peer, peer->next_audio_index++, now_us);
            continue;
        }
        uint64_t n = peer->next_video_index++;
        for (unsigned l = 0; l < c->video.n_layers; l++)
            send_layer_frame(peer, l, n, video_at, now_us);
    }
}

/* --- Leaving ---------------------------------------------------------------- */

/* The SR counters of the stream a packet belongs to, and whether it is a
 * retransmission. */
static void count_sent(peer_t *peer, const uint8_t *pkt, size_t len)
{
    rtp_header_t h;
    if (rtp_parse(pkt, len, &h) != RTP_OK)
        return;
    if (peer->config.audio.enabled && h.ssrc == peer->config.audio.ssrc) {
        peer->audio.packets_sent++;
        peer->audio.octets_sent += h.payload_len;
        peer->stats.rtp_packets_sent++;
        return;
    }
    for (unsigned l = 0; peer->config.video.enabled && l < peer->config.video.n_layers; l++) {
        peer__send_layer_t *layer = &peer->layers[l];
        if (h.ssrc == layer->config.ssrc) {
            layer->packets_sent++;
            layer->octets_sent += h.payload_len;
            peer->stats.rtp_packets_sent++;
            return;
        }
        if (layer->config.rtx_ssrc != 0 && h.ssrc == layer->config.rtx_ssrc) {
            peer->stats.rtx_packets_sent++;
            return;
        }
    }
}

/* The transport-wide number goes on at send time, in place (the element
 * keeps its length). */
static void stamp_twcc(peer_t *peer, uint8_t *pkt, size_t len)
{
    rtp_header_t h;
    rtp_ext_elem_t e;
    if (peer->config.ext.twcc == 0 || rtp_parse(pkt, len, &h) != RTP_OK ||
        rtp_ext_find(&h, peer->config.ext.twcc, &e) != RTP_OK || e.len != 2)
        return;
    uint8_t *value = pkt + (e.value - pkt);
    (void)rtp_ext_twcc_seq_write(peer->twcc_seq++, value);
}

void peer__send_flush(peer_t *peer, uint64_t now_us)
{
    size_t cap = PEER__DATAGRAM_MAX - peer->srtp_rtp_overhead;
    for (;;) {
        size_t len = 0;
        if (peer__pacer_dequeue(peer->pacer, now_us, peer->packet.bytes, cap, &len, NULL) != RTP_OK)
            return;
        stamp_twcc(peer, peer->packet.bytes, len);
        count_sent(peer, peer->packet.bytes, len);
        peer__emit(peer, now_us, &peer->packet, len, false);
    }
}

uint64_t peer__send_next_us(const peer_t *peer)
{
    const peer_config_t *c = &peer->config;
    uint64_t next = peer__pacer_next_send_us(peer->pacer);
    if (c->video.enabled) {
        uint64_t at = peer_video_capture_us(c->video.fps, peer->next_video_index);
        next = at < next ? at : next;
    }
    if (c->audio.enabled) {
        uint64_t at = peer->next_audio_index * peer->audio_ptime_us;
        next = at < next ? at : next;
    }
    return next;
}

/* --- Feedback from the SFU -------------------------------------------------- */

peer__send_layer_t *peer__send_layer_by_ssrc(peer_t *peer, uint32_t ssrc)
{
    if (!peer->config.video.enabled || ssrc == 0)
        return NULL;
    for (unsigned l = 0; l < peer->config.video.n_layers; l++) {
        peer__send_layer_t *layer = &peer->layers[l];
        if (layer->config.ssrc == ssrc || layer->config.rtx_ssrc == ssrc)
            return layer;
    }
    return NULL;
}

bool peer__is_own_ssrc(const peer_t *peer, uint32_t ssrc)
{
    if (peer->config.audio.enabled && peer->config.audio.ssrc == ssrc)
        return true;
    for (unsigned l = 0; peer->config.video.enabled && l < peer->config.video.n_layers; l++)
        if (peer->layers[l].config.ssrc == ssrc)
            return true;
    return false;
}

void peer__send_on_nack(peer_t *peer, peer__send_layer_t *layer, const uint16_t *seqs,
                        size_t n_seqs, uint64_t now_us)
{
    if (layer->history == NULL || n_seqs == 0)
        return;
    size_t slot = peer->config.mtu + PEER__RTX_OVERHEAD;
    if (!peer__grow(&peer->rtx_bytes, &peer->rtx_cap, PEER__NACK_MAX * slot))
        return;
    size_t lens[PEER__NACK_MAX];
    size_t count = peer__send_history_on_nack(layer->history, seqs, n_seqs, now_us, peer->rtx_bytes,
                                              peer->rtx_cap, lens, PEER__NACK_MAX);
    size_t offset = 0;
    for (size_t i = 0; i < count; i++) {
        (void)peer__pacer_enqueue(peer->pacer, peer->rtx_bytes + offset, lens[i],
                                  PEER__PACER_RETRANSMISSION, now_us);
        offset += lens[i];
    }
}

void peer__send_set_rtt(peer_t *peer, uint64_t rtt_us)
{
    for (unsigned l = 0; l < PEER_MAX_LAYERS; l++)
        if (peer->layers[l].history != NULL)
            peer__send_history_set_rtt(peer->layers[l].history, rtt_us);
}
