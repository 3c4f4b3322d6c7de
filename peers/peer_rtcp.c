/* peers/peer_rtcp.c: the RTCP a peer speaks with the SFU.
 *
 * In: each SRTCP-unprotected compound datagram (RFC 3550 section 6.1) is
 * walked packet by packet, and each packet goes through one const handler
 * table indexed by its kind:
 *   - SR (6.4.1): remembered per incoming stream for our RR's LSR/DLSR;
 *     its report blocks are handled as an RR's;
 *   - RR report blocks about one of our SSRCs: RTT = now - LSR - DLSR
 *     (6.4.1), given to the send histories and jitter buffers;
 *   - generic NACK (RFC 4585 6.2.1): answered from the layer's history on
 *     its RTX stream (RFC 4588);
 *   - PLI (RFC 4585 6.3.1) and FIR (RFC 5104 4.3.1): a keyframe on the
 *     layer named;
 *   - transport-wide CC feedback: counted (no congestion control here).
 *
 * Out: every RTCP datagram is a full compound (reduced-size RTCP, RFC 5506,
 * is not needed): SR or RR first, then SDES with the CNAME, then any
 * feedback, at most mtu bytes, each SRTCP-protected. Every rtcp_interval_ms
 * an SR per own media stream (NTP = virtual time, RTP time of the same
 * instant, packet and payload octet counts) followed by RR report blocks
 * for every stream received (appendix A.3 loss, A.8 jitter, LSR/DLSR from
 * the SFU's SR on that stream). NACKs and PLIs the jitter buffers ask for
 * go out at once after an empty RR. Transport-wide feedback
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1) every
 * twcc_interval_ms for the packets that carried a number. */
#include "peers/peer_internal.h"

#include <stdio.h>
#include <string.h>

#define CNAME_MAX      32u
#define PACKET_MAX     PEER__MTU_MAX
#define TWCC_PER_MSG   256u  /* packets one feedback message reports */
#define TWCC_MAX_SPAN  32768 /* sequence span one message may cover */
#define NACK_ITEMS_MAX 64u
#define NACK_EXPAND    1024u
#define Q16            65536u

static uint32_t ntp_mid(uint64_t now_us)
{
    return (uint32_t)(rtp_ntp_q32_from_us(now_us) >> 16);
}

/* --- Compound datagrams ------------------------------------------------------- */

static size_t build_sdes(const peer_t *peer, uint8_t *buf, size_t cap)
{
    char cname[CNAME_MAX];
    int n = snprintf(cname, sizeof cname, "peer-%u", (unsigned)peer->config.id);
    size_t written = 0;
    if (n < 0 || rtp_rtcp_build_sdes_cname(buf, cap, peer__reporter_ssrc(peer), cname, (size_t)n,
                                           &written) != RTP_OK)
        return 0;
    return written;
}

static size_t sdes_size(const peer_t *peer)
{
    uint8_t sdes[64];
    return build_sdes(peer, sdes, sizeof sdes);
}

/* Reports under construction: packets are appended to peer->rtcp; the
 * SDES goes on when it is sent. */
typedef struct compound {
    peer_t *peer;
    uint64_t now_us;
    size_t len;
} compound_t;

static void compound_send(compound_t *c)
{
    if (c->len == 0)
        return;
    peer_t *peer = c->peer;
    c->len += build_sdes(peer, peer->rtcp.bytes + c->len, peer->config.mtu - c->len);
    peer__emit(peer, c->now_us, &peer->rtcp, c->len, true);
    c->len = 0;
}

/* Appends one packet; sends what is there first if it would not fit. */
static void compound_add(compound_t *c, const uint8_t *pkt, size_t len)
{
    size_t limit = c->peer->config.mtu - sdes_size(c->peer);
    if (c->len + len > limit)
        compound_send(c);
    if (c->len + len > limit)
        return; /* alone too large: not sent */
    memcpy(c->peer->rtcp.bytes + c->len, pkt, len);
    c->len += len;
}

/* --- Reception statistics (RFC 3550 appendix A.3, A.8) ------------------------- */

void peer__rtcp_on_rtp(peer__rx_report_t *report, uint16_t seq, uint32_t rtp_ts, bool rtx,
                       uint64_t now_us, uint32_t clock_hz)
{
    int64_t ext = rtp_seq_unwrap(&report->unwrapper, seq);
    if (!report->started) {
        report->started = true;
        report->base_seq = ext;
        report->max_seq = ext;
    }
    if (ext > report->max_seq)
        report->max_seq = ext;
    if (ext < report->base_seq)
        report->base_seq = ext;
    report->received++;
    /* Retransmissions arrive an RTT late by design: not jitter. */
    if (rtx)
        return;
    uint32_t arrival = peer__rtp_timestamp(0, now_us, clock_hz);
    int32_t transit = (int32_t)(arrival - rtp_ts);
    if (report->have_transit) {
        int64_t d = (int64_t)transit - report->transit;
        d = d < 0 ? -d : d;
        int64_t next = (int64_t)report->jitter_q4 + d - (((int64_t)report->jitter_q4 + 8) >> 4);
        report->jitter_q4 = next < 0 ? 0 : next > UINT32_MAX ? UINT32_MAX : (uint32_t)next;
    }
    report->transit = transit;
    report->have_transit = true;
}

static rtp_rtcp_report_block_t report_block(peer__remote_t *remote, uint64_t now_us)
{
    peer__rx_report_t *r = &remote->report;
    int64_t expected = r->max_seq - r->base_seq + 1;
    int64_t lost = expected - (int64_t)r->received;
    const int64_t lost_max = (1 << 23) - 1, lost_min = -(1 << 23);
    lost = lost > lost_max ? lost_max : lost < lost_min ? lost_min : lost;
    int64_t expected_interval = expected - (int64_t)r->expected_prior;
    int64_t received_interval = (int64_t)(r->received - r->received_prior);
    int64_t lost_interval = expected_interval - received_interval;
    r->expected_prior = (uint64_t)expected;
    r->received_prior = r->received;
    uint8_t fraction = 0;
    if (expected_interval > 0 && lost_interval > 0) {
        int64_t f = (lost_interval << 8) / expected_interval;
        fraction = (uint8_t)(f > 255 ? 255 : f);
    }
    rtp_rtcp_report_block_t b = {
        .ssrc = remote->config.ssrc,
        .fraction_lost = fraction,
        .cumulative_lost = (int32_t)lost,
        .ext_highest_seq = (uint32_t)r->max_seq,
        .jitter = r->jitter_q4 >> 4,
    };
    if (r->have_sr) {
        b.lsr = r->sr_mid;
        b.dlsr = (uint32_t)((now_us - r->sr_at_us) * Q16 / PEER__US_PER_S);
    }
    return b;
}

/* --- Periodic reports ------------------------------------------------------------ */

typedef struct own_stream {
    uint32_t ssrc;
    uint32_t first_timestamp;
    uint32_t clock_hz;
    uint64_t packets, octets;
} own_stream_t;

static unsigned own_streams(const peer_t *peer, own_stream_t out[PEER_MAX_LAYERS + 1])
{
    const peer_config_t *c = &peer->config;
    unsigned n = 0;
    if (c->audio.enabled)
        out[n++] = (own_stream_t){ c->audio.ssrc, c->audio.first_timestamp, PEER__AUDIO_CLOCK,
                                   peer->audio.packets_sent, peer->audio.octets_sent };
    for (unsigned l = 0; c->video.enabled && l < c->video.n_layers; l++) {
        const peer__send_layer_t *layer = &peer->layers[l];
        out[n++] = (own_stream_t){ layer->config.ssrc, layer->config.first_timestamp,
                                   PEER__VIDEO_CLOCK, layer->packets_sent, layer->octets_sent };
    }
    return n;
}

/* Up to `cap` report blocks from remote *next on; advances *next. */
static uint8_t next_blocks(peer_t *peer, size_t *next, uint64_t now_us,
                           rtp_rtcp_report_block_t *blocks, unsigned cap)
{
    uint8_t n = 0;
    while (*next < peer->n_remotes && n < cap) {
        peer__remote_t *remote = peer->remotes[(*next)++];
        if (remote->report.started)
            blocks[n++] = report_block(remote, now_us);
    }
    return n;
}

static void send_reports(peer_t *peer, uint64_t now_us)
{
    compound_t c = { .peer = peer, .now_us = now_us };
    own_stream_t streams[PEER_MAX_LAYERS + 1];
    unsigned n_streams = own_streams(peer, streams);
    size_t next = 0;
    uint8_t pkt[PACKET_MAX];
    size_t written = 0;
    /* A report block is 24 bytes: as many as fit next to the SDES. */
    size_t fit = (peer->config.mtu - sdes_size(peer) - 8 - 20 - 8 * n_streams) / 24;
    unsigned per_packet = fit < RTP_RTCP_MAX_COUNT ? (unsigned)fit : RTP_RTCP_MAX_COUNT;
    for (unsigned s = 0; s < n_streams; s++) {
        rtp_rtcp_sr_t sr = {
            .ssrc = streams[s].ssrc,
            .info = { .ntp = rtp_ntp_q32_from_us(now_us),
                      .rtp_ts = peer__rtp_timestamp(streams[s].first_timestamp, now_us,
                                                    streams[s].clock_hz),
                      .packet_count = (uint32_t)streams[s].packets,
                      .octet_count = (uint32_t)streams[s].octets },
        };
        if (s == 0)
            sr.n_blocks = next_blocks(peer, &next, now_us, sr.blocks, per_packet);
        if (rtp_rtcp_build_sr(pkt, sizeof pkt, &sr, &written) == RTP_OK)
            compound_add(&c, pkt, written);
    }
    /* Then RRs for the blocks left; a receive-only peer starts with one. */
    bool first = n_streams == 0;
    while (first || next < peer->n_remotes) {
        rtp_rtcp_rr_t rr = { .ssrc = peer__reporter_ssrc(peer) };
        rr.n_blocks = next_blocks(peer, &next, now_us, rr.blocks, per_packet);
        if ((first || rr.n_blocks > 0) &&
            rtp_rtcp_build_rr(pkt, sizeof pkt, &rr, &written) == RTP_OK)
            compound_add(&c, pkt, written);
        first = false;
    }
    compound_send(&c);
}

/* --- Feedback compounds ------------------------------------------------------------ */

void peer__feedback_begin(peer__feedback_t *fb, peer_t *peer, uint64_t now_us)
{
    *fb = (peer__feedback_t){ .peer = peer, .now_us = now_us };
}

/* Opens a compound (empty RR, SDES) if none is, and makes room for len
 * bytes; false if a packet that large cannot go at all. */
static bool feedback_room(peer__feedback_t *fb, size_t len)
{
    peer_t *peer = fb->peer;
    if (fb->len > 0 && fb->len + len > peer->config.mtu)
        peer__feedback_end(fb);
    if (fb->len == 0) {
        rtp_rtcp_rr_t rr = { .ssrc = peer__reporter_ssrc(peer) };
        size_t rr_len = 0;
        if (rtp_rtcp_build_rr(peer->rtcp.bytes, peer->config.mtu, &rr, &rr_len) != RTP_OK)
            return false;
        fb->len = rr_len;
        fb->len += build_sdes(peer, peer->rtcp.bytes + fb->len, peer->config.mtu - fb->len);
        fb->head = fb->len;
    }
    return fb->len + len <= peer->config.mtu;
}

static void feedback_add(peer__feedback_t *fb, const uint8_t *pkt, size_t len)
{
    if (!feedback_room(fb, len))
        return;
    memcpy(fb->peer->rtcp.bytes + fb->len, pkt, len);
    fb->len += len;
}

unsigned peer__feedback_nack(peer__feedback_t *fb, uint32_t media_ssrc, const uint16_t *seqs,
                             size_t n_seqs)
{
    rtp_rtcp_nack_item_t items[PEER__NACK_MAX];
    size_t n_items = 0;
    (void)rtp_rtcp_nack_compress(seqs, n_seqs, items, PEER__NACK_MAX, &n_items);
    unsigned packets = 0;
    uint8_t pkt[PACKET_MAX];
    for (size_t from = 0; from < n_items; from += NACK_ITEMS_MAX) {
        size_t count = n_items - from < NACK_ITEMS_MAX ? n_items - from : NACK_ITEMS_MAX;
        rtp_rtcp_nack_params_t params = { .sender_ssrc = peer__reporter_ssrc(fb->peer),
                                          .media_ssrc = media_ssrc,
                                          .items = items + from,
                                          .n_items = count };
        size_t written = 0;
        if (rtp_rtcp_build_nack(pkt, sizeof pkt, &params, &written) != RTP_OK)
            continue;
        feedback_add(fb, pkt, written);
        packets++;
    }
    return packets;
}

void peer__feedback_pli(peer__feedback_t *fb, uint32_t media_ssrc)
{
    rtp_rtcp_pli_t pli = { .sender_ssrc = peer__reporter_ssrc(fb->peer), .media_ssrc = media_ssrc };
    uint8_t pkt[16];
    size_t written = 0;
    if (rtp_rtcp_build_pli(pkt, sizeof pkt, &pli, &written) == RTP_OK)
        feedback_add(fb, pkt, written);
}

void peer__feedback_end(peer__feedback_t *fb)
{
    if (fb->len > fb->head)
        peer__emit(fb->peer, fb->now_us, &fb->peer->rtcp, fb->len, true);
    fb->len = 0;
    fb->head = 0;
}

/* --- Transport-wide feedback ------------------------------------------------------ */

void peer__twcc_log(peer_t *peer, uint16_t seq, uint32_t ssrc, uint64_t now_us)
{
    if (peer->config.twcc_interval_ms == 0)
        return;
    if (peer->twcc_count >= PEER__TWCC_LOG_MAX) {
        peer->next_twcc_us = now_us; /* full: report at the next poll */
        return;
    }
    if (peer->twcc_count == 0)
        peer->twcc_media_ssrc = ssrc;
    peer->twcc_log[peer->twcc_count++] =
        (peer__twcc_entry_t){ .seq = rtp_seq_unwrap(&peer->twcc_unwrapper, seq),
                              .arrival_us = now_us };
}

/* Insertion sort by sequence number, then arrival: the log arrives almost
 * in order, so this is close to linear, and it allocates nothing (qsort
 * may). */
static void sort_twcc(peer__twcc_entry_t *log, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        peer__twcc_entry_t entry = log[i];
        size_t j = i;
        while (j > 0 &&
               (log[j - 1].seq > entry.seq ||
                (log[j - 1].seq == entry.seq && log[j - 1].arrival_us > entry.arrival_us))) {
            log[j] = log[j - 1];
            j--;
        }
        log[j] = entry;
    }
}

/* One feedback message for entries [from, to). */
static void twcc_message(peer_t *peer, peer__feedback_t *fb, size_t from, size_t to)
{
    rtp_rtcp_twcc_packet_t packets[TWCC_PER_MSG];
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        packets[n++] =
            (rtp_rtcp_twcc_packet_t){ .seq = (uint16_t)peer->twcc_log[i].seq,
                                      .received = true,
                                      .arrival_us = (int64_t)peer->twcc_log[i].arrival_us };
    rtp_rtcp_twcc_params_t params = {
        .sender_ssrc = peer__reporter_ssrc(peer),
        .media_ssrc = peer->twcc_media_ssrc,
        .fb_pkt_count = peer->twcc_fb_count,
        .packets = packets,
        .n_packets = n,
    };
    uint8_t pkt[PACKET_MAX];
    size_t written = 0;
    if (rtp_rtcp_build_twcc(pkt, sizeof pkt, &params, &written) != RTP_OK)
        return;
    peer->twcc_fb_count++;
    peer->stats.twcc_feedback_sent++;
    feedback_add(fb, pkt, written);
}

static void send_twcc(peer_t *peer, uint64_t now_us)
{
    sort_twcc(peer->twcc_log, peer->twcc_count);
    size_t n = 0; /* duplicates out: the first arrival counts */
    for (size_t i = 0; i < peer->twcc_count; i++)
        if (n == 0 || peer->twcc_log[i].seq != peer->twcc_log[n - 1].seq)
            peer->twcc_log[n++] = peer->twcc_log[i];
    peer__feedback_t fb;
    peer__feedback_begin(&fb, peer, now_us);
    size_t from = 0;
    for (size_t i = 1; i <= n; i++) {
        bool split = i == n || i - from >= TWCC_PER_MSG ||
                     peer->twcc_log[i].seq - peer->twcc_log[from].seq >= TWCC_MAX_SPAN;
        if (split) {
            twcc_message(peer, &fb, from, i);
            from = i;
        }
    }
    peer__feedback_end(&fb);
    peer->twcc_count = 0;
}

/* --- Polling ------------------------------------------------------------------------ */

void peer__rtcp_poll(peer_t *peer, uint64_t now_us)
{
    if (now_us >= peer->next_rtcp_us) {
        send_reports(peer, now_us);
        uint64_t interval = (uint64_t)peer->config.rtcp_interval_ms * PEER__MS;
        while (peer->next_rtcp_us <= now_us)
            peer->next_rtcp_us += interval;
    }
    if (peer->config.twcc_interval_ms != 0 && now_us >= peer->next_twcc_us) {
        if (peer->twcc_count > 0)
            send_twcc(peer, now_us);
        uint64_t interval = (uint64_t)peer->config.twcc_interval_ms * PEER__MS;
        while (peer->next_twcc_us <= now_us)
            peer->next_twcc_us += interval;
    }
}

uint64_t peer__rtcp_next_us(const peer_t *peer)
{
    uint64_t next = peer->next_rtcp_us;
    if (peer->config.twcc_interval_ms != 0 && peer->twcc_count > 0 && peer->next_twcc_us < next)
        next = peer->next_twcc_us;
    return next;
}

/* --- Input ----------------------------------------------------------------------------- */

static void on_report_blocks(peer_t *peer, uint64_t now_us, const rtp_rtcp_report_block_t *blocks,
                             unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        const rtp_rtcp_report_block_t *b = &blocks[i];
        if (b->lsr == 0 || !peer__is_own_ssrc(peer, b->ssrc))
            continue;
        int32_t rtt = (int32_t)(ntp_mid(now_us) - b->lsr - b->dlsr);
        if (rtt < 0)
            continue;
        uint64_t rtt_us = (uint64_t)rtt * PEER__US_PER_S / Q16;
        peer->stats.rtt_us = rtt_us;
        peer__send_set_rtt(peer, rtt_us);
        peer__recv_set_rtt(peer, rtt_us);
    }
}

typedef void (*rtcp_handler_fn)(peer_t *peer, uint64_t now_us, const rtp_rtcp_msg_t *msg);

static void on_sr(peer_t *peer, uint64_t now_us, const rtp_rtcp_msg_t *msg)
{
    const rtp_rtcp_sr_t *sr = &msg->u.sr;
    peer__ssrc_entry_t *entry = peer__ssrc_find(peer, sr->ssrc);
    if (entry != NULL && !entry->rtx) {
        peer__rx_report_t *r = &entry->remote->report;
        r->have_sr = true;
        r->sr_mid = (uint32_t)(sr->info.ntp >> 16);
        r->sr_at_us = now_us;
    }
    on_report_blocks(peer, now_us, sr->blocks, sr->n_blocks);
}

static void on_rr(peer_t *peer, uint64_t now_us, const rtp_rtcp_msg_t *msg)
{
    on_report_blocks(peer, now_us, msg->u.rr.blocks, msg->u.rr.n_blocks);
}

static void on_nack(peer_t *peer, uint64_t now_us, const rtp_rtcp_msg_t *msg)
{
    peer->stats.nacks_received++;
    peer__send_layer_t *layer = peer__send_layer_by_ssrc(peer, msg->u.nack.media_ssrc);
    if (layer == NULL)
        return;
    uint16_t seqs[NACK_EXPAND];
    size_t n = 0;
    (void)rtp_rtcp_nack_expand(&msg->u.nack, seqs, NACK_EXPAND, &n);
    for (size_t from = 0; from < n; from += PEER__NACK_MAX) {
        size_t count = n - from < PEER__NACK_MAX ? n - from : PEER__NACK_MAX;
        peer__send_on_nack(peer, layer, seqs + from, count, now_us);
    }
}

static void on_pli(peer_t *peer, uint64_t now_us, const rtp_rtcp_msg_t *msg)
{
    (void)now_us;
    peer->stats.plis_received++;
    peer__send_layer_t *layer = peer__send_layer_by_ssrc(peer, msg->u.pli.media_ssrc);
    if (layer != NULL)
        layer->keyframe_wanted = true;
}

static void on_fir(peer_t *peer, uint64_t now_us, const rtp_rtcp_msg_t *msg)
{
    (void)now_us;
    peer->stats.firs_received++;
    for (size_t i = 0; i < msg->u.fir.n_entries; i++) {
        rtp_rtcp_fir_entry_t entry = rtp_rtcp_fir_entry_at(&msg->u.fir, i);
        peer__send_layer_t *layer = peer__send_layer_by_ssrc(peer, entry.ssrc);
        if (layer != NULL)
            layer->keyframe_wanted = true;
    }
}

static void on_twcc(peer_t *peer, uint64_t now_us, const rtp_rtcp_msg_t *msg)
{
    (void)now_us;
    (void)msg;
    peer->stats.twcc_feedback_received++;
}

/* What each kind of RTCP packet does to a peer; NULL: nothing. */
static const rtcp_handler_fn rtcp_handlers[RTP_RTCP_KIND__COUNT] = {
    [RTP_RTCP_KIND_SR] = on_sr,   [RTP_RTCP_KIND_RR] = on_rr,   [RTP_RTCP_KIND_NACK] = on_nack,
    [RTP_RTCP_KIND_PLI] = on_pli, [RTP_RTCP_KIND_FIR] = on_fir, [RTP_RTCP_KIND_TWCC] = on_twcc,
};

void peer__rtcp_input(peer_t *peer, uint64_t now_us, size_t len)
{
    rtp_rtcp_iter_t it;
    rtp_rtcp_packet_t pkt;
    rtp_rtcp_iter_init(&it, peer->rtcp.bytes, len);
    rtp_err_t err;
    bool malformed = false;
    while ((err = rtp_rtcp_iter_next(&it, &pkt)) == RTP_OK) {
        rtp_rtcp_msg_t msg;
        rtp_err_t parsed = rtp_rtcp_parse(&pkt, &msg);
        if (parsed == RTP_ERR_UNSUPPORTED)
            continue;
        if (parsed != RTP_OK) {
            malformed = true;
            continue;
        }
        rtcp_handler_fn handler = rtcp_handlers[msg.kind];
        if (handler != NULL)
            handler(peer, now_us, &msg);
    }
    if (malformed || err != RTP_ERR_END)
        peer->stats.malformed++;
}
