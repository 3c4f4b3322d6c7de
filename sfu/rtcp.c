/* RTCP, terminated per hop, and the room's timers.
 *
 * Incoming: SRTCP is removed, the compound datagram (RFC 3550 6.1) is
 * walked packet by packet and each packet goes through one const handler
 * table indexed by its kind (the shape of quicly's frame_handlers[]):
 *   - SR from a publisher: remembered for LSR/DLSR in our RR (6.4.1);
 *   - RR (and SR report blocks) from a subscriber, about our outgoing
 *     streams: the RTT estimate, now - LSR - DLSR (6.4.1);
 *   - BYE: the named SSRCs of the sender's tracks end (6.6);
 *   - Generic NACK (RFC 4585 6.2.1): resent from that stream's history, as
 *     RTX (RFC 4588) when enabled, at most once per RTT per packet;
 *   - PLI (RFC 4585 6.3.1) and FIR (RFC 5104 4.3.1): a keyframe request to
 *     the publisher layer the subscriber receives, through the throttle;
 *   - SDES, APP, REMB, TWCC feedback: consumed here, never forwarded.
 * Outgoing, from sfu_poll(): upstream NACKs from each publisher layer's
 * generator, and every rtcp_interval_ms an SR per outgoing stream (its RTP
 * timestamp extrapolated from the newest rewritten one, so the NTP/RTP
 * mapping matches what the subscriber receives) and one RR per publisher
 * with a block per layer (fraction and cumulative loss per A.3, jitter per
 * A.8). Feedback goes alone, as reduced-size RTCP (RFC 5506); SR and RR
 * datagrams are valid compounds. */
#include "sfu/sfu_internal.h"

#include <string.h>

#define SFU__NACK_EXPAND_MAX 256u

uint64_t sfu__ntp_from_us(uint64_t now_us)
{
    uint64_t seconds = now_us / 1000000u;
    uint64_t frac = ((now_us % 1000000u) << 32) / 1000000u;
    return seconds << 32 | frac;
}

static uint32_t sfu__ntp_mid(uint64_t now_us)
{
    return (uint32_t)(sfu__ntp_from_us(now_us) >> 16);
}

/* --- Handlers ------------------------------------------------------------- */

typedef void (*sfu__rtcp_handler_fn)(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us,
                                     const rtp_rtcp_msg_t *msg);

static void sfu__on_report_blocks(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us,
                                  const rtp_rtcp_report_block_t *blocks, unsigned n)
{
    (void)room;
    for (unsigned i = 0; i < n; i++) {
        const rtp_rtcp_report_block_t *b = &blocks[i];
        if (b->lsr == 0 || sfu__sub_find_by_ssrc(p, b->ssrc, NULL) == NULL)
            continue;
        int32_t rtt = (int32_t)(sfu__ntp_mid(now_us) - b->lsr - b->dlsr);
        if (rtt < 0)
            continue;
        p->rtt_us = (uint64_t)rtt * 1000000u / 65536u;
        for (uint32_t t = 0; t < p->n_tracks; t++)
            for (unsigned l = 0; l < p->tracks[t]->config.n_layers; l++)
                if (p->tracks[t]->layers[l].nack_gen != NULL)
                    sfu__nack_gen_set_rtt(p->tracks[t]->layers[l].nack_gen, p->rtt_us);
    }
}

static void sfu__on_sr(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us,
                       const rtp_rtcp_msg_t *msg)
{
    const rtp_rtcp_sr_t *sr = &msg->u.sr;
    for (uint32_t t = 0; t < p->n_tracks; t++) {
        for (unsigned l = 0; l < p->tracks[t]->config.n_layers; l++) {
            sfu__layer_t *layer = &p->tracks[t]->layers[l];
            if (layer->config.ssrc != sr->ssrc)
                continue;
            layer->rx.last_sr_mid = (uint32_t)(sr->info.ntp >> 16);
            layer->rx.last_sr_at_us = now_us;
            layer->rx.have_sr = true;
        }
    }
    sfu__on_report_blocks(room, p, now_us, sr->blocks, sr->n_blocks);
}

static void sfu__on_rr(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us,
                       const rtp_rtcp_msg_t *msg)
{
    sfu__on_report_blocks(room, p, now_us, msg->u.rr.blocks, msg->u.rr.n_blocks);
}

static void sfu__on_ignored(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us,
                            const rtp_rtcp_msg_t *msg)
{
    (void)room, (void)p, (void)now_us, (void)msg;
}

static void sfu__on_bye(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us,
                        const rtp_rtcp_msg_t *msg)
{
    (void)now_us;
    room->stats.byes_received++;
    for (unsigned i = 0; i < msg->u.bye.n_ssrcs; i++) {
        for (uint32_t t = 0; t < p->n_tracks; t++) {
            sfu__track_t *track = p->tracks[t];
            bool match = false;
            for (unsigned l = 0; l < track->config.n_layers; l++)
                match |= track->layers[l].config.ssrc == msg->u.bye.ssrcs[i];
            if (match) {
                sfu__track_remove(room, track);
                break;
            }
        }
    }
}

static void sfu__on_nack(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us,
                         const rtp_rtcp_msg_t *msg)
{
    room->stats.nacks_received++;
    bool rtx = false;
    sfu__sub_t *sub = sfu__sub_find_by_ssrc(p, msg->u.nack.media_ssrc, &rtx);
    uint16_t seqs[SFU__NACK_EXPAND_MAX];
    size_t n = 0;
    rtp_err_t err = rtp_rtcp_nack_expand(&msg->u.nack, seqs, SFU__NACK_EXPAND_MAX, &n);
    if (err != RTP_OK && err != RTP_ERR_NO_SPACE)
        return;
    if (sub == NULL || rtx || sub->history == NULL) {
        room->stats.dropped.history_miss += n;
        return;
    }
    /* One resend per packet per RTT: a repeat NACK sooner was sent before
     * our answer could arrive. Until measured, mediasoup's 100 ms. */
    uint64_t min_interval = p->rtt_us != 0 ? p->rtt_us : SFU__DEFAULT_RTT_US;
    for (size_t i = 0; i < n; i++) {
        sfu__history_packet_t hp;
        sfu_err_t herr = sfu__history_resend(sub->history, seqs[i], now_us, min_interval, &hp);
        if (herr == SFU_OK)
            sfu__resend(room, sub, now_us, hp.bytes, hp.len);
        else if (herr == SFU_ERR_TOO_SOON)
            room->stats.retransmissions_too_soon++;
        else
            room->stats.dropped.history_miss++;
    }
}

/* The layer a subscriber receives now (or waits for). */
static unsigned sfu__current_layer(const sfu__sub_t *sub)
{
    const sfu__track_t *track = sub->track;
    if (sub->rewriter.forwarding)
        for (unsigned l = 0; l < track->config.n_layers; l++)
            if (track->layers[l].config.ssrc == sub->rewriter.current_ssrc)
                return l;
    return sub->target_layer;
}

static void sfu__keyframe_for(sfu_room_t *room, sfu__participant_t *p, uint32_t media_ssrc,
                              uint64_t now_us)
{
    sfu__sub_t *sub = sfu__sub_find_by_ssrc(p, media_ssrc, NULL);
    if (sub == NULL || sub->track->config.kind != SFU_KIND_VIDEO)
        return;
    sfu__request_keyframe(room, sub->track, sfu__current_layer(sub), now_us);
}

static void sfu__on_pli(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us,
                        const rtp_rtcp_msg_t *msg)
{
    sfu__keyframe_for(room, p, msg->u.pli.media_ssrc, now_us);
}

static void sfu__on_fir(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us,
                        const rtp_rtcp_msg_t *msg)
{
    room->stats.firs_received++;
    for (size_t i = 0; i < msg->u.fir.n_entries; i++)
        sfu__keyframe_for(room, p, rtp_rtcp_fir_entry_at(&msg->u.fir, i).ssrc, now_us);
}

static const sfu__rtcp_handler_fn sfu__rtcp_handlers[RTP_RTCP_KIND__COUNT] = {
    [RTP_RTCP_KIND_UNKNOWN] = sfu__on_ignored, [RTP_RTCP_KIND_SR] = sfu__on_sr,
    [RTP_RTCP_KIND_RR] = sfu__on_rr,           [RTP_RTCP_KIND_SDES] = sfu__on_ignored,
    [RTP_RTCP_KIND_BYE] = sfu__on_bye,         [RTP_RTCP_KIND_APP] = sfu__on_ignored,
    [RTP_RTCP_KIND_NACK] = sfu__on_nack,       [RTP_RTCP_KIND_TWCC] = sfu__on_ignored,
    [RTP_RTCP_KIND_PLI] = sfu__on_pli,         [RTP_RTCP_KIND_FIR] = sfu__on_fir,
    [RTP_RTCP_KIND_REMB] = sfu__on_ignored,
};

void sfu__input_rtcp(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us, const uint8_t *bytes,
                     size_t len)
{
    uint8_t *buf = (uint8_t *)room->in_buf;
    memcpy(buf, bytes, len);
    size_t clear_len = 0;
    sfu_err_t err = sfu__err_from_hbh(hbh_unprotect_rtcp(p->srtp, buf, len, &clear_len));
    if (err != SFU_OK) {
        switch (err) {
        case SFU_ERR_SRTP_AUTH:
            room->stats.dropped.srtp_auth++;
            break;
        case SFU_ERR_SRTP_REPLAY:
            room->stats.dropped.srtp_replay++;
            break;
        case SFU_ERR_TRUNCATED:
        case SFU_ERR_MALFORMED:
            room->stats.dropped.malformed_rtcp++;
            break;
        default:
            room->stats.dropped.srtp_other++;
            break;
        }
        return;
    }
    room->stats.rtcp_in++;
    /* Validate the whole compound first: a datagram whose lengths do not
     * add up is dropped entire, so none of it acts half-way. */
    rtp_rtcp_iter_t it;
    rtp_rtcp_packet_t pkt;
    rtp_rtcp_iter_init(&it, buf, clear_len);
    rtp_err_t rerr;
    while ((rerr = rtp_rtcp_iter_next(&it, &pkt)) == RTP_OK)
        ;
    if (rerr != RTP_ERR_END || it.index == 0) {
        room->stats.dropped.malformed_rtcp++;
        return;
    }
    rtp_rtcp_iter_init(&it, buf, clear_len);
    rtp_rtcp_msg_t msg;
    while (rtp_rtcp_iter_next(&it, &pkt) == RTP_OK) {
        rerr = rtp_rtcp_parse(&pkt, &msg);
        if (rerr == RTP_ERR_UNSUPPORTED)
            continue;
        if (rerr != RTP_OK) {
            room->stats.dropped.malformed_rtcp++;
            continue;
        }
        sfu__rtcp_handlers[msg.kind](room, p, now_us, &msg);
        /* A BYE may have removed the participant's tracks; p itself stays. */
    }
}

/* --- Timers ---------------------------------------------------------------- */

static uint64_t sfu__poll_upstream_nacks(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us)
{
    uint64_t next = UINT64_MAX;
    for (uint32_t t = 0; t < p->n_tracks; t++) {
        sfu__track_t *track = p->tracks[t];
        for (unsigned l = 0; l < track->config.n_layers; l++) {
            sfu__layer_t *layer = &track->layers[l];
            if (layer->nack_gen == NULL)
                continue;
            size_t n =
                sfu__nack_gen_poll(layer->nack_gen, now_us, room->nack_seqs, SFU__NACK_BATCH);
            if (n > 0) {
                rtp_rtcp_nack_item_t items[SFU__NACK_BATCH];
                size_t n_items = 0;
                uint8_t *buf = (uint8_t *)room->rtcp_buf;
                size_t written = 0;
                (void)rtp_rtcp_nack_compress(room->nack_seqs, n, items, SFU__NACK_BATCH, &n_items);
                rtp_rtcp_nack_params_t params = { .sender_ssrc = room->config.rtcp_ssrc,
                                                  .media_ssrc = layer->config.ssrc,
                                                  .items = items,
                                                  .n_items = n_items };
                if (n_items > 0 &&
                    rtp_rtcp_build_nack(buf, SFU__MAX_DATAGRAM, &params, &written) == RTP_OK) {
                    room->stats.upstream_nacks_sent++;
                    room->stats.upstream_nack_seqs += n;
                    sfu__send(room, p, now_us, buf, written, true);
                }
            }
            uint64_t due = sfu__nack_gen_next_timer_us(layer->nack_gen);
            if (due < next)
                next = due;
        }
    }
    return next;
}

static void sfu__send_srs(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us)
{
    for (uint32_t i = 0; i < p->n_subs; i++) {
        const sfu__sub_t *sub = p->subs[i];
        if (!sub->sent_any)
            continue;
        uint64_t elapsed = now_us - sub->last_ts_us;
        uint64_t clock = sub->track->config.clock_rate;
        uint64_t ticks = (elapsed / 1000000u) * clock + (elapsed % 1000000u) * clock / 1000000u;
        rtp_rtcp_sr_t sr = {
            .ssrc = sub->config.ssrc,
            .info = { .ntp = sfu__ntp_from_us(now_us),
                      .rtp_ts = sub->last_ts + (uint32_t)ticks,
                      .packet_count = sub->packets_sent,
                      .octet_count = sub->octets_sent },
        };
        uint8_t *buf = (uint8_t *)room->rtcp_buf;
        size_t written = 0;
        if (rtp_rtcp_build_sr(buf, SFU__MAX_DATAGRAM, &sr, &written) != RTP_OK)
            continue;
        room->stats.sr_sent++;
        sfu__send(room, p, now_us, buf, written, true);
    }
}

static void sfu__report_block(sfu__rx_stats_t *rx, uint32_t ssrc, uint64_t now_us,
                              rtp_rtcp_report_block_t *b)
{
    int64_t expected = rx->max_seq - rx->base_seq + 1;
    int64_t lost = expected - (int64_t)rx->received;
    int64_t expected_interval = expected - (int64_t)rx->expected_prior;
    int64_t lost_interval = expected_interval - (int64_t)(rx->received - rx->received_prior);
    rx->expected_prior = (uint64_t)expected;
    rx->received_prior = rx->received;
    if (lost > 0x7FFFFF)
        lost = 0x7FFFFF;
    if (lost < -0x800000)
        lost = -0x800000;
    uint8_t fraction = 0;
    if (expected_interval > 0 && lost_interval > 0) {
        int64_t f = (lost_interval << 8) / expected_interval;
        fraction = (uint8_t)(f > 255 ? 255 : f);
    }
    *b = (rtp_rtcp_report_block_t){
        .ssrc = ssrc,
        .fraction_lost = fraction,
        .cumulative_lost = (int32_t)lost,
        .ext_highest_seq = (uint32_t)rx->max_seq,
        .jitter = (uint32_t)rx->jitter,
        .lsr = rx->have_sr ? rx->last_sr_mid : 0,
        .dlsr = rx->have_sr ? (uint32_t)((now_us - rx->last_sr_at_us) * 65536u / 1000000u) : 0,
    };
}

static void sfu__send_rr(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us)
{
    rtp_rtcp_rr_t rr = { .ssrc = room->config.rtcp_ssrc };
    for (uint32_t t = 0; t < p->n_tracks; t++) {
        sfu__track_t *track = p->tracks[t];
        for (unsigned l = 0; l < track->config.n_layers && rr.n_blocks < RTP_RTCP_MAX_COUNT; l++) {
            sfu__layer_t *layer = &track->layers[l];
            if (layer->rx.started)
                sfu__report_block(&layer->rx, layer->config.ssrc, now_us,
                                  &rr.blocks[rr.n_blocks++]);
        }
    }
    if (rr.n_blocks == 0)
        return;
    uint8_t *buf = (uint8_t *)room->rtcp_buf;
    size_t written = 0;
    if (rtp_rtcp_build_rr(buf, SFU__MAX_DATAGRAM, &rr, &written) != RTP_OK)
        return;
    room->stats.rr_sent++;
    sfu__send(room, p, now_us, buf, written, true);
}

uint64_t sfu__rtcp_poll(sfu_room_t *room, uint64_t now_us)
{
    uint64_t next = UINT64_MAX;
    bool reports = now_us >= room->next_rtcp_us;
    if (now_us >= room->next_speaker_us) {
        sfu__rank_speakers(room);
        room->next_speaker_us = now_us + (uint64_t)room->config.speaker_interval_ms * 1000u;
    }
    for (uint32_t i = 0; i < room->n_participants; i++) {
        sfu__participant_t *p = room->participants[i];
        uint64_t due = sfu__poll_upstream_nacks(room, p, now_us);
        if (due < next)
            next = due;
        if (reports) {
            sfu__send_srs(room, p, now_us);
            sfu__send_rr(room, p, now_us);
        }
    }
    if (reports)
        room->next_rtcp_us = now_us + (uint64_t)room->config.rtcp_interval_ms * 1000u;
    if (room->next_rtcp_us < next)
        next = room->next_rtcp_us;
    if (room->next_speaker_us < next)
        next = room->next_speaker_us;
    return next;
}
