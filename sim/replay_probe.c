/* What a captured stream is, from its packets alone (sim/sim_replay.h,
 * "The probe pass"): the RTP clock from timestamps against capture times,
 * then the payload format from the first payload bytes.
 *
 * VP8 (RFC 7741 section 4.2): the payload descriptor parses; browsers set
 * X on every packet (they always send a picture ID), which an H264 NAL
 * header cannot do (its F bit must be 0); without X, the frame tags must
 * read as VP8 in clear (sim/replay_inspect.h's "codec-signature"). H264 (RFC 6184 section 5.3): F
 * is 0 and the type is a single NAL unit (1..23), STAP-A (24) or FU-A (28)
 * whose FU header does not set both S and E. A stream is called one of
 * them when at least 95% of its plain payloads fit. */
#include "sim/replay_internal.h"

#include <stdio.h>
#include <string.h>

/* Clock rates a capture's streams are matched against. */
static const uint32_t probe_rates[] = { 8000, 16000, 48000, 90000 };
#define PROBE_RATE_TOLERANCE 0.2    /* 20% either way */
#define PROBE_MIN_SPAN_US    200000 /* shorter streams: rate unknown */

static bool h264_valid(const uint8_t *p, size_t len)
{
    if (len < 1 || (p[0] & 0x80u) != 0)
        return false;
    unsigned type = p[0] & 0x1fu;
    if (type >= 1 && type <= 24)
        return len >= 2;
    if (type == 28)
        return len >= 3 && (p[1] & 0xc0u) != 0xc0u;
    return false;
}

void replay_probe_packet(replay_evidence_t *ev, const rtp_header_t *h, int64_t capture_us)
{
    if (!ev->have_ts) {
        ev->have_ts = true;
        ev->last_ts = h->timestamp;
        ev->first_us = capture_us;
        sim__inspect_payloads_init(&ev->vp8, SIM__INSPECT_CODEC_VP8);
    } else {
        ev->ts_ext += (int32_t)(h->timestamp - ev->last_ts);
        ev->last_ts = h->timestamp;
    }
    ev->last_us = capture_us;
    ev->ts_at_last = ev->ts_ext;
    ev->payloads++;
    rtp_vp8_desc_t desc;
    size_t desc_len = 0;
    if (rtp_vp8_desc_parse(h->payload, h->payload_len, &desc, &desc_len) == RTP_OK) {
        ev->vp8_valid++;
        if (desc.extended)
            ev->vp8_x++;
    }
    if (h264_valid(h->payload, h->payload_len))
        ev->h264_valid++;
    sim__inspect_payloads_feed(&ev->vp8, h->payload, h->payload_len);
}

/* The listed rate nearest the measured one, within the tolerance; 0 when
 * none is or the stream is too short to tell. */
static uint32_t probe_rate(const replay_evidence_t *ev)
{
    int64_t span_us = ev->last_us - ev->first_us;
    if (span_us < PROBE_MIN_SPAN_US || ev->ts_at_last <= 0)
        return 0;
    double measured = (double)ev->ts_at_last * 1e6 / (double)span_us;
    uint32_t best = 0;
    double best_err = PROBE_RATE_TOLERANCE;
    for (size_t i = 0; i < sizeof probe_rates / sizeof probe_rates[0]; i++) {
        double err = measured / probe_rates[i] - 1.0;
        if (err < 0)
            err = -err;
        if (err <= best_err) {
            best_err = err;
            best = probe_rates[i];
        }
    }
    return best;
}

static bool most(uint64_t part, uint64_t whole)
{
    return whole > 0 && part * 100 >= whole * 95;
}

static void set_codec(replay_stream_t *rs, const char *codec)
{
    snprintf(rs->codec, sizeof rs->codec, "%s", codec);
}

void replay_probe_decide(replay_stream_t *rs, const sim__streams_row_t *row,
                         const sim__streams_t *probe_table)
{
    const replay_evidence_t *ev = &rs->evidence;
    const char *named = sim__streams_codec(probe_table, row->payload_type);
    uint32_t named_rate = sim__streams_clock_rate(probe_table, row->payload_type);
    /* Without X, a descriptor is one byte that most payloads pass: then
     * the frame tags must read as VP8 too. */
    sim__inspect_verdict_t tags = sim__inspect_payloads_verdict(&ev->vp8);
    bool vp8 = most(ev->vp8_valid, ev->payloads) &&
               (most(ev->vp8_x, ev->payloads) || strcmp(tags.basis, "codec-signature") == 0);
    bool h264 = !vp8 && most(ev->h264_valid, ev->payloads);
    uint32_t rate = probe_rate(ev);
    rs->codec[0] = '\0';
    rs->vp8 = false;
    if (named[0] != '\0' && named_rate > 0) {
        /* A static payload type (RFC 3551) names its codec. */
        set_codec(rs, named);
        rs->clock_rate = named_rate;
        rs->kind = named_rate == 90000 ? REPLAY_KIND_VIDEO : REPLAY_KIND_AUDIO;
    } else if (rate == 90000 || (rate == 0 && (vp8 || h264))) {
        rs->kind = REPLAY_KIND_VIDEO;
        rs->clock_rate = 90000;
        set_codec(rs, vp8 ? "VP8" : h264 ? "H264" : "");
        rs->vp8 = vp8;
    } else if (rate != 0) {
        rs->kind = REPLAY_KIND_AUDIO;
        rs->clock_rate = rate;
        set_codec(rs, rate == 48000 ? "opus" : "");
    } else {
        /* Too short to tell and no payload format recognised. */
        rs->kind = REPLAY_KIND_VIDEO;
        rs->clock_rate = 90000;
    }
    if (strcmp(rs->codec, "VP8") == 0) {
        rs->vp8 = true;
        rs->tags_in_clear = strcmp(tags.basis, "codec-signature") == 0;
    }
}
