/* The RTP path: a datagram from a participant, demultiplexed (RFC 7983),
 * checked against the SSRCs it declared, SRTP-unprotected (RFC 3711), shown
 * to the observer, and forwarded to each subscriber through that
 * subscriber's rewriter, extension map, transport-wide sequence counter,
 * send history and SRTP context.
 *
 * Blindness: keyframes are recognised from clear data only, as the track
 * declares: the dependency descriptor (AV1 RTP spec A.8.3, a start of frame
 * that carries a template structure), frame marking (RFC 9626: S and I), or
 * the VP8 P bit (RFC 6386 9.1) in the first byte after the VP8 payload
 * descriptor, which every E2EE scheme that signals this way leaves in its
 * clear prefix. No other payload byte is read.
 *
 * RTX from a publisher (RFC 4588) is unwrapped and fed to the NACK
 * generator as a recovery, then forwarded like the original. The audio
 * level extension (RFC 6464) feeds the active-speaker ranking. Per
 * downlink, the transport-wide sequence number is renumbered and
 * abs-send-time, where present, set to the forwarding time. */
#include "sfu/sfu_internal.h"

#include <string.h>

/* Weight of a new audio-level sample in the smoothed loudness. */
#define SFU__LOUDNESS_ALPHA 0.2

void sfu__send(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us, uint8_t *pkt, size_t len,
               bool rtcp)
{
    size_t out_len = 0;
    hbh_err_t err = rtcp ? hbh_protect_rtcp(p->srtp, pkt, len, SFU__SCRATCH_LEN, &out_len)
                         : hbh_protect_rtp(p->srtp, pkt, len, SFU__SCRATCH_LEN, &out_len);
    if (err != HBH_OK) {
        room->stats.dropped.output_error++;
        return;
    }
    room->stats.packets_out++;
    room->stats.bytes_out += out_len;
    room->config.sink(room->config.sink_ctx, p->id, now_us, pkt, out_len);
}

/* Writes the subscriber downlink's next transport-wide sequence number
 * (each downlink has its own, as its congestion controller sees only that
 * link). The common case, an element already there with 2 bytes, is
 * patched in place; otherwise the extension block is rebuilt. */
static bool sfu__set_twcc(sfu__sub_t *sub, uint8_t *out, size_t *out_len, rtp_header_t *oh)
{
    uint8_t value[2];
    size_t n = rtp_ext_twcc_seq_write(sub->subscriber->twcc_seq, value);
    rtp_ext_elem_t e;
    if (rtp_ext_find(oh, sub->out_twcc_id, &e) == RTP_OK && e.len == n) {
        memcpy(out + (e.value - out), value, n);
    } else if (rtp_ext_set(out, out_len, SFU__MAX_DATAGRAM, sub->out_twcc_id, value, n) != RTP_OK ||
               rtp_parse(out, *out_len, oh) != RTP_OK) {
        return false;
    }
    sub->subscriber->twcc_seq++;
    return true;
}

void sfu__resend(sfu_room_t *room, sfu__sub_t *sub, uint64_t now_us, const uint8_t *pkt, size_t len)
{
    uint8_t *out = (uint8_t *)room->work_buf;
    size_t out_len = 0;
    if (room->config.rtx && sub->config.rtx_ssrc != 0) {
        uint8_t pt = sub->config.rtx_pt != 0 ? sub->config.rtx_pt : sub->track->config.rtx_pt;
        if (rtp_rtx_wrap(pkt, len, sub->config.rtx_ssrc, pt, sub->rtx_seq, out, SFU__MAX_DATAGRAM,
                         &out_len) != RTP_OK) {
            room->stats.dropped.output_error++;
            return;
        }
        sub->rtx_seq++;
        /* RTX is a new packet on the downlink: it gets its own transport-wide
         * number. (A plain retransmission stays byte-identical: SRTP then
         * repeats an index, safe only for identical bytes.) */
        rtp_header_t h;
        if (sub->out_twcc_id != 0 &&
            (rtp_parse(out, out_len, &h) != RTP_OK || !sfu__set_twcc(sub, out, &out_len, &h))) {
            room->stats.dropped.output_error++;
            return;
        }
    } else {
        if (len > SFU__MAX_DATAGRAM)
            return;
        memcpy(out, pkt, len);
        out_len = len;
    }
    room->stats.retransmissions++;
    sfu__send(room, sub->subscriber, now_us, out, out_len, false);
}

void sfu__request_keyframe(sfu_room_t *room, sfu__track_t *track, unsigned layer, uint64_t now_us)
{
    sfu__layer_t *l = &track->layers[layer];
    if (!sfu__pli_throttle_request(&l->pli, now_us)) {
        room->stats.plis_suppressed++;
        return;
    }
    room->stats.plis_forwarded++;
    uint8_t *buf = (uint8_t *)room->rtcp_buf;
    rtp_rtcp_pli_t pli = { .sender_ssrc = room->config.rtcp_ssrc, .media_ssrc = l->config.ssrc };
    size_t written = 0;
    if (rtp_rtcp_build_pli(buf, SFU__MAX_DATAGRAM, &pli, &written) != RTP_OK) {
        room->stats.dropped.output_error++;
        return;
    }
    /* A feedback packet alone: reduced-size RTCP (RFC 5506). */
    sfu__send(room, track->publisher, now_us, buf, written, true);
}

/* --- Reading clear fields ------------------------------------------------ */

static bool sfu__is_keyframe_start(sfu_room_t *room, const sfu__track_t *track,
                                   const rtp_header_t *h)
{
    const sfu_track_config_t *tc = &track->config;
    rtp_ext_elem_t e;
    switch (tc->keyframe_signal) {
    case SFU_KEYFRAME_DEPENDENCY_DESCRIPTOR: {
        if (tc->ext.dependency_descriptor == 0 ||
            rtp_ext_find(h, tc->ext.dependency_descriptor, &e) != RTP_OK)
            return false;
        /* Only a keyframe start carries a structure, so no earlier one is
         * needed: a parse without prev_structure succeeds exactly then. */
        rtp_dd_t *dd = &room->dd_scratch;
        return rtp_dd_parse(e.value, e.len, NULL, dd, &room->dd_structure_scratch) == RTP_OK &&
               rtp_dd_is_keyframe_start(dd);
    }
    case SFU_KEYFRAME_FRAME_MARKING: {
        rtp_frame_marking_t fm;
        if (tc->ext.frame_marking == 0 || rtp_ext_find(h, tc->ext.frame_marking, &e) != RTP_OK ||
            rtp_ext_frame_marking_parse(&e, &fm) != RTP_OK)
            return false;
        return fm.start_of_frame && fm.independent;
    }
    case SFU_KEYFRAME_CLEAR_PREFIX: {
        rtp_vp8_desc_t desc;
        size_t desc_len = 0;
        if (rtp_vp8_desc_parse(h->payload, h->payload_len, &desc, &desc_len) != RTP_OK ||
            !rtp_vp8_desc_starts_frame(&desc))
            return false;
        /* Only the first byte after the descriptor: it holds the P bit. */
        rtp_vp8_frame_info_t info;
        (void)rtp_vp8_peek(h->payload + desc_len, 1, &info);
        return info.have >= RTP_VP8_HAVE_TAG_BYTE && info.keyframe;
    }
    case SFU_KEYFRAME_NONE:
        return false;
    }
    return false;
}

static void sfu__update_loudness(sfu__track_t *track, const rtp_header_t *h)
{
    rtp_ext_elem_t e;
    bool voice = false;
    uint8_t level = 127;
    if (track->config.ext.audio_level == 0 ||
        rtp_ext_find(h, track->config.ext.audio_level, &e) != RTP_OK ||
        rtp_ext_audio_level_parse(&e, &voice, &level) != RTP_OK)
        return;
    double sample = 127.0 - (double)level;
    track->loudness += (sample - track->loudness) * SFU__LOUDNESS_ALPHA;
}

/* RFC 3550 A.3 (sequence accounting) and A.8 (interarrival jitter). */
static void sfu__rx_update(sfu__rx_stats_t *rx, const rtp_header_t *h, uint32_t clock_rate,
                           uint64_t now_us)
{
    int64_t ext = rtp_seq_unwrap(&rx->unwrap, h->seq);
    if (!rx->started) {
        rx->started = true;
        rx->base_seq = ext;
        rx->max_seq = ext;
    } else if (ext > rx->max_seq) {
        rx->max_seq = ext;
    }
    rx->received++;
    uint64_t arrival =
        (now_us / 1000000u) * clock_rate + (now_us % 1000000u) * clock_rate / 1000000u;
    int64_t transit = (int64_t)(uint32_t)((uint32_t)arrival - h->timestamp);
    if (rx->have_transit) {
        int32_t d = (int32_t)(uint32_t)((uint32_t)transit - (uint32_t)rx->transit);
        double ad = d < 0 ? -(double)d : (double)d;
        rx->jitter += (ad - rx->jitter) / 16.0;
    }
    rx->transit = transit;
    rx->have_transit = true;
}

/* --- Forwarding ---------------------------------------------------------- */

static void sfu__forward(sfu_room_t *room, sfu__sub_t *sub, const uint8_t *pkt, size_t len,
                         unsigned layer, bool keyframe, uint64_t now_us)
{
    sfu__track_t *track = sub->track;
    bool video = track->config.kind == SFU_KIND_VIDEO;
    if (video && room->config.layer_selection == SFU_LAYER_BANDWIDTH &&
        room->config.bandwidth != NULL) {
        unsigned want = room->config.bandwidth(room->config.bandwidth_ctx, sub->subscriber->id,
                                               track->publisher->id, track->config.track_id,
                                               track->config.n_layers, now_us);
        if (want < track->config.n_layers && want != sub->target_layer) {
            sub->target_layer = want;
            sfu__rewriter_select(&sub->rewriter, track->layers[want].config.ssrc);
        }
    }
    uint8_t *out = (uint8_t *)room->work_buf;
    sfu__rw_result_t res;
    if (sfu__rewriter_forward(&sub->rewriter, pkt, len, keyframe, now_us, out, SFU__MAX_DATAGRAM,
                              &res) != SFU_OK) {
        room->stats.dropped.output_error++;
        return;
    }
    if (res.verdict == SFU__RW_DROP_WAIT_KEYFRAME) {
        room->stats.dropped.wait_keyframe++;
        if (layer == sub->target_layer)
            sfu__request_keyframe(room, track, layer, now_us);
    } else if (res.verdict != SFU__RW_FORWARD) {
        room->stats.dropped.not_selected++;
    }
    if (res.verdict != SFU__RW_FORWARD)
        return;
    if (res.switched && sub->sent_any)
        room->stats.layer_switches++;
    size_t out_len = res.out_len;
    if (sub->has_ext_map && (out[0] & 0x10u) != 0 &&
        rtp_ext_remap(out, &out_len, SFU__MAX_DATAGRAM, sub->ext_map) != RTP_OK) {
        room->stats.dropped.output_error++;
        return;
    }
    rtp_header_t oh;
    if (rtp_parse(out, out_len, &oh) != RTP_OK) {
        room->stats.dropped.output_error++;
        return;
    }
    if (sub->out_twcc_id != 0 && !sfu__set_twcc(sub, out, &out_len, &oh)) {
        room->stats.dropped.output_error++;
        return;
    }
    rtp_ext_elem_t e;
    if (sub->out_abs_send_time_id != 0 &&
        rtp_ext_find(&oh, sub->out_abs_send_time_id, &e) == RTP_OK && e.len == 3) {
        /* abs-send-time is the time this hop sends it, as mediasoup writes */
        uint8_t value[3];
        (void)rtp_ext_abs_send_time_write(rtp_abs_send_time_from_us(now_us), value);
        memcpy(out + (e.value - out), value, 3);
    }
    sub->sent_any = true;
    sub->last_ts = oh.timestamp;
    sub->last_ts_us = now_us;
    sub->packets_sent++;
    sub->octets_sent += (uint32_t)oh.payload_len;
    if (sub->history != NULL)
        (void)sfu__history_store(sub->history, oh.seq, out, out_len, now_us);
    sfu__send(room, sub->subscriber, now_us, out, out_len, false);
}

/* --- Input --------------------------------------------------------------- */

/* Last-N: video of a publisher outside the N most active speakers goes to
 * nobody. Its subscribers' rewriters pause once, so that when it is back
 * each restarts at a keyframe with seq/timestamp/picture ID continuing. */
static bool sfu__last_n_admits(sfu_room_t *room, sfu__track_t *track)
{
    if (track->publisher->in_last_n) {
        track->last_n_paused = false;
        return true;
    }
    if (!track->last_n_paused) {
        for (uint32_t i = 0; i < track->n_subs; i++)
            sfu__rewriter_pause(&track->subs[i]->rewriter);
        track->last_n_paused = true;
    }
    room->stats.dropped.last_n += track->n_subs;
    return false;
}

/* The sender's own track and layer of an SSRC. */
static sfu__track_t *sfu__own_ssrc(const sfu__participant_t *p, uint32_t ssrc, unsigned *layer,
                                   bool *rtx)
{
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
    return NULL;
}

static void sfu__count_srtp_error(sfu_room_t *room, sfu_err_t err, bool rtcp)
{
    switch (err) {
    case SFU_ERR_SRTP_AUTH:
        room->stats.dropped.srtp_auth++;
        break;
    case SFU_ERR_SRTP_REPLAY:
        room->stats.dropped.srtp_replay++;
        break;
    case SFU_ERR_TRUNCATED:
    case SFU_ERR_MALFORMED:
        if (rtcp)
            room->stats.dropped.malformed_rtcp++;
        else
            room->stats.dropped.malformed_rtp++;
        break;
    default:
        room->stats.dropped.srtp_other++;
        break;
    }
}

void sfu__input_rtp(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us, const uint8_t *bytes,
                    size_t len)
{
    /* Before SRTP only the fixed header is read: the padding count sits in
     * the encrypted payload, so a full parse must wait. */
    if (len < RTP_FIXED_HEADER_LEN) {
        room->stats.dropped.malformed_rtp++;
        return;
    }
    uint32_t ssrc =
        (uint32_t)bytes[8] << 24 | (uint32_t)bytes[9] << 16 | (uint32_t)bytes[10] << 8 | bytes[11];
    uint8_t payload_type = bytes[1] & 0x7fu;
    unsigned layer = 0;
    bool rtx = false;
    sfu__track_t *track = sfu__own_ssrc(p, ssrc, &layer, &rtx);
    if (track == NULL) {
        /* Checked before SRTP, so unknown SSRCs never create libsrtp state. */
        if (sfu__ssrc_find(room, ssrc, &layer, &rtx) != NULL)
            room->stats.dropped.spoofed_ssrc++;
        else
            room->stats.dropped.unknown_ssrc++;
        return;
    }
    if (payload_type != (rtx ? track->config.rtx_pt : track->config.media_pt)) {
        room->stats.dropped.wrong_payload_type++;
        return;
    }
    uint8_t *pkt = (uint8_t *)room->in_buf;
    memcpy(pkt, bytes, len);
    size_t clear_len = 0;
    sfu_err_t err = sfu__err_from_hbh(hbh_unprotect_rtp(p->srtp, pkt, len, &clear_len));
    if (err != SFU_OK) {
        sfu__count_srtp_error(room, err, false);
        return;
    }
    rtp_header_t h;
    if (rtp_parse(pkt, clear_len, &h) != RTP_OK) {
        room->stats.dropped.malformed_rtp++;
        return;
    }
    if (room->config.observer != NULL) {
        sfu_packet_view_t view = { .participant_id = p->id,
                                   .track_id = track->config.track_id,
                                   .layer = layer,
                                   .rtx = rtx,
                                   .bytes = pkt,
                                   .len = clear_len };
        room->config.observer(room->config.observer_ctx, now_us, &view);
    }
    room->stats.observed++;
    sfu__layer_t *l = &track->layers[layer];
    unsigned flags = 0;
    if (rtx) {
        room->stats.rtx_in++;
        uint8_t *orig = (uint8_t *)room->aux_buf;
        size_t orig_len = 0;
        /* A padding-only RTX packet (bandwidth probe) carries no original. */
        if (rtp_rtx_unwrap(pkt, clear_len, l->config.ssrc, track->config.media_pt, orig,
                           SFU__MAX_DATAGRAM, &orig_len, NULL) != RTP_OK ||
            rtp_parse(orig, orig_len, &h) != RTP_OK)
            return;
        pkt = orig;
        clear_len = orig_len;
        flags |= SFU__NACK_RETRANSMISSION;
    } else {
        sfu__rx_update(&l->rx, &h, track->config.clock_rate, now_us);
    }
    bool keyframe = false;
    if (track->config.kind == SFU_KIND_VIDEO) {
        keyframe = sfu__is_keyframe_start(room, track, &h);
        if (keyframe) {
            room->stats.keyframes_in++;
            flags |= SFU__NACK_KEYFRAME_START;
        }
    } else {
        sfu__update_loudness(track, &h);
    }
    if (l->nack_gen != NULL &&
        sfu__nack_gen_receive(l->nack_gen, h.seq, now_us, flags) == SFU__NACK_RX_KEYFRAME_NEEDED)
        sfu__request_keyframe(room, track, layer, now_us);
    if (track->config.kind == SFU_KIND_VIDEO && !sfu__last_n_admits(room, track))
        return;
    for (uint32_t i = 0; i < track->n_subs; i++)
        sfu__forward(room, track->subs[i], pkt, clear_len, layer, keyframe, now_us);
}

sfu_err_t sfu_input(sfu_room_t *room, uint32_t participant_id, uint64_t now_us,
                    const uint8_t *bytes, size_t len)
{
    if (room == NULL || (bytes == NULL && len > 0))
        return SFU_ERR_INVALID_ARG;
    room->stats.packets_in++;
    room->stats.bytes_in += len;
    sfu__participant_t *p = sfu__participant_find(room, participant_id);
    if (p == NULL) {
        room->stats.dropped.unknown_participant++;
        return SFU_OK;
    }
    switch (rtp_demux(bytes, len)) {
    case RTP_DEMUX_RTP:
        if (len > SFU__MAX_DATAGRAM)
            room->stats.dropped.malformed_rtp++;
        else
            sfu__input_rtp(room, p, now_us, bytes, len);
        break;
    case RTP_DEMUX_RTCP:
        if (len > SFU__MAX_DATAGRAM)
            room->stats.dropped.malformed_rtcp++;
        else
            sfu__input_rtcp(room, p, now_us, bytes, len);
        break;
    default:
        room->stats.dropped.not_rtp++;
        break;
    }
    return SFU_OK;
}
