/* sfu/rewriter.c: the outgoing stream rewriter (see rewriter.h). It turns
 * packets from one source at a time (a simulcast layer, or an audio
 * stream) into one continuous RTP stream (RFC 3550 section 5.1): stable
 * SSRC, sequence numbers and timestamps; VP8 picture ID and TL0PICIDX
 * (RFC 7741 section 4.2); dependency descriptor frame number (AV1 RTP
 * specification, appendix A.8.2/A.8.3).
 *
 * Every continuous number is a sfu__rw_field_t: a reference pair (newest
 * input, its output). An input is extended from the reference to the
 * nearest value in its own modulus (the RFC 3550 appendix A.1 rule), and
 * mapped to reference output + distance. A packet that is reordered within
 * a source therefore maps through the same offset as its neighbours, and a
 * 7-bit picture ID that wraps at 127 keeps counting up in the 15-bit
 * output. At a switch each field is rebased: the new source's first value
 * maps to the newest output + 1 (sequence number, picture ID, TL0PICIDX,
 * frame number), so the output continues without a hole; the new source's
 * packets from before that point are dropped (their numbers are taken).
 *
 * Timestamps at a switch. The new source's timestamps have an unrelated
 * random base, so its first frame gets output timestamp
 *     newest output timestamp + max(1, elapsed * clock_rate)
 * where elapsed is the time since the newest output timestamp was first
 * forwarded: the arrival of the first packet of the last frame of the old
 * source. Simulcast layers are captured together, so the arrival gap
 * between that frame and the new keyframe estimates their capture gap;
 * the estimate is off only by the difference in network delay of the two
 * packets (jitter, plus the keyframe's longer send time at the pacer), and
 * only once per switch. This is Janus' method. It needs nothing but the
 * packets, so it works from the first packet, for any source, and under
 * E2EE.
 *     The alternative, used by mediasoup and LiveKit, maps both sources'
 * timestamps through their RTCP sender reports (RFC 3550 section 6.4.1):
 * each SR pairs an RTP timestamp with the sender's NTP wall clock, so the
 * new source's timestamp can be converted exactly into the old source's
 * timeline. It is better once both sources have sent an SR: it introduces
 * no jitter error and keeps the output timeline locked to the publisher's
 * capture clock, which audio/video synchronisation at the receiver relies
 * on (mediasoup still caps the extra offset at 75 ms and otherwise waits
 * for another keyframe). Its drawback is the dependency on SRs, which
 * arrive only every second or so: a switch right after a source starts
 * would have to wait. The SFU core can add it later by passing a timestamp
 * step computed from SRs instead of the elapsed time.
 *
 * Blindness: only the RTP header, the dependency descriptor element (its
 * mandatory frame_number bytes) and the VP8 payload descriptor are parsed;
 * the rest of the payload is copied as opaque bytes. */
#include "sfu/rewriter.h"

#include "rtp/rtp.h"

#include <string.h>

#define SFU__RW_MOD_SEQ          65536u
#define SFU__RW_MOD_TIMESTAMP    0u /* 2^32 */
#define SFU__RW_MOD_PICTURE_ID7  128u
#define SFU__RW_MOD_PICTURE_ID15 32768u
#define SFU__RW_MOD_TL0PICIDX    256u
#define SFU__RW_MOD_FRAME_NUMBER 65536u
/* A timestamp step above half the circle would look like a step backwards. */
#define SFU__RW_MAX_TIMESTAMP_STEP 0x7fffffffu

sfu__rewriter_config_t sfu__rewriter_config_default(void)
{
    return (sfu__rewriter_config_t){
        .ssrc = 0,
        .clock_rate = 90000,
        .video = true,
        .vp8 = true,
        .dd_ext_id = 0,
        .first_seq = 0,
        .first_timestamp = 0,
    };
}

sfu_err_t sfu__rewriter_init(sfu__rewriter_t *rw, const sfu__rewriter_config_t *config)
{
    if (rw == NULL || config == NULL || config->clock_rate == 0)
        return SFU_ERR_INVALID_ARG;
    *rw = (sfu__rewriter_t){ .config = *config };
    return SFU_OK;
}

void sfu__rewriter_select(sfu__rewriter_t *rw, uint32_t source_ssrc)
{
    rw->selected = true;
    rw->selected_ssrc = source_ssrc;
}

void sfu__rewriter_pause(sfu__rewriter_t *rw)
{
    rw->forwarding = false;
}

bool sfu__rewriter_switch_pending(const sfu__rewriter_t *rw)
{
    return rw->selected && !(rw->forwarding && rw->current_ssrc == rw->selected_ssrc);
}

const sfu__rewriter_stats_t *sfu__rewriter_stats(const sfu__rewriter_t *rw)
{
    return &rw->stats;
}

/* --- Continuous fields ------------------------------------------------- */

static uint64_t sfu__rw_modulus(uint32_t modulus)
{
    return modulus == 0 ? (uint64_t)1 << 32 : modulus;
}

static uint32_t sfu__rw_wrap(int64_t value, uint32_t modulus)
{
    int64_t m = (int64_t)sfu__rw_modulus(modulus);
    return (uint32_t)(((value % m) + m) % m);
}

/* The distance from `from` to `to` in the circle of `modulus`, nearest
 * way round: [-modulus/2, modulus/2). */
static int64_t sfu__rw_distance(uint32_t from, uint32_t to, uint32_t modulus)
{
    uint64_t m = sfu__rw_modulus(modulus);
    uint64_t d = ((uint64_t)to + m - from) % m;
    return d >= m / 2 ? (int64_t)d - (int64_t)m : (int64_t)d;
}

static void sfu__rw_rebase(sfu__rw_field_t *f, uint32_t in, uint32_t in_modulus, uint32_t out)
{
    *f = (sfu__rw_field_t){
        .valid = true,
        .ever = true,
        .in_modulus = in_modulus,
        .ref_in = in,
        .ref_out = out,
    };
}

/* The value after the newest output, `step` on; `first` if none yet. */
static uint32_t sfu__rw_next(const sfu__rw_field_t *f, uint32_t step, uint32_t out_modulus,
                             uint32_t first)
{
    if (!f->ever)
        return first;
    return sfu__rw_wrap((int64_t)f->ref_out + step, out_modulus);
}

/* Maps `in` through the reference; false when the field has none for this
 * source (or the input changed modulus: a VP8 picture ID changing width). */
static bool sfu__rw_map(sfu__rw_field_t *f, uint32_t in, uint32_t in_modulus, uint32_t out_modulus,
                        uint32_t *out)
{
    if (!f->valid || f->in_modulus != in_modulus)
        return false;
    int64_t d = sfu__rw_distance(f->ref_in, in, in_modulus);
    *out = sfu__rw_wrap((int64_t)f->ref_out + d, out_modulus);
    if (d > 0) {
        f->ref_in = in;
        f->ref_out = *out;
    }
    return true;
}

/* Maps `in`, first rebasing at newest output + 1 when the field has no
 * reference for this source. For the fields that are not rebased at the
 * switch itself, because the first packet of a source may not carry them. */
static uint32_t sfu__rw_map_or_continue(sfu__rw_field_t *f, uint32_t in, uint32_t in_modulus,
                                        uint32_t out_modulus)
{
    uint32_t out;
    if (sfu__rw_map(f, in, in_modulus, out_modulus, &out))
        return out;
    out = sfu__rw_next(f, 1, out_modulus, sfu__rw_wrap(in, out_modulus));
    sfu__rw_rebase(f, in, in_modulus, out);
    return out;
}

/* --- Switching sources -------------------------------------------------- */

/* RTP ticks in the time since the newest output timestamp was first
 * forwarded, at least 1 (see the file comment). */
static uint32_t sfu__rw_timestamp_step(const sfu__rewriter_t *rw, uint64_t now_us)
{
    uint64_t elapsed = now_us > rw->timestamp_ref_us ? now_us - rw->timestamp_ref_us : 0;
    uint64_t clock = rw->config.clock_rate;
    uint64_t seconds = elapsed / 1000000u;
    if (seconds >= SFU__RW_MAX_TIMESTAMP_STEP / clock)
        return SFU__RW_MAX_TIMESTAMP_STEP;
    uint64_t ticks = seconds * clock + (elapsed % 1000000u) * clock / 1000000u;
    if (ticks > SFU__RW_MAX_TIMESTAMP_STEP)
        return SFU__RW_MAX_TIMESTAMP_STEP;
    return ticks == 0 ? 1 : (uint32_t)ticks;
}

static void sfu__rw_start_source(sfu__rewriter_t *rw, const rtp_header_t *h, uint64_t now_us)
{
    uint32_t seq = sfu__rw_next(&rw->seq, 1, SFU__RW_MOD_SEQ, rw->config.first_seq);
    sfu__rw_rebase(&rw->seq, h->seq, SFU__RW_MOD_SEQ, seq);

    uint32_t step = sfu__rw_timestamp_step(rw, now_us);
    uint32_t ts =
        sfu__rw_next(&rw->timestamp, step, SFU__RW_MOD_TIMESTAMP, rw->config.first_timestamp);
    sfu__rw_rebase(&rw->timestamp, h->timestamp, SFU__RW_MOD_TIMESTAMP, ts);
    rw->timestamp_ref_us = now_us;

    rw->picture_id.valid = false;
    rw->tl0picidx.valid = false;
    rw->frame_number.valid = false;
    rw->forwarding = true;
    rw->current_ssrc = h->ssrc;
    rw->seq_since_switch = 0;
}

/* Decides what to do with a packet; switches source when it starts the
 * selected one. */
static sfu__rw_verdict_t sfu__rw_route(sfu__rewriter_t *rw, const rtp_header_t *h,
                                       bool keyframe_start, uint64_t now_us, bool *switched)
{
    *switched = false;
    bool from_current = rw->forwarding && h->ssrc == rw->current_ssrc;
    bool from_selected = rw->selected && h->ssrc == rw->selected_ssrc;
    if (from_selected && !from_current) {
        if (rw->config.video && !keyframe_start)
            return SFU__RW_DROP_WAIT_KEYFRAME;
        sfu__rw_start_source(rw, h, now_us);
        *switched = true;
        return SFU__RW_FORWARD;
    }
    if (!from_current)
        return SFU__RW_DROP_UNSELECTED;
    int64_t d = sfu__rw_distance(rw->seq.ref_in, h->seq, SFU__RW_MOD_SEQ);
    if (rw->seq_since_switch + d < 0)
        return SFU__RW_DROP_BEFORE_SWITCH;
    return SFU__RW_FORWARD;
}

/* --- Writing ------------------------------------------------------------ */

static sfu_err_t sfu__rw_from_rtp(rtp_err_t err)
{
    switch (err) {
    case RTP_OK:
        return SFU_OK;
    case RTP_ERR_TRUNCATED:
        return SFU_ERR_TRUNCATED;
    case RTP_ERR_NO_SPACE:
        return SFU_ERR_NO_SPACE;
    case RTP_ERR_INVALID_ARG:
        return SFU_ERR_INVALID_ARG;
    default:
        return SFU_ERR_MALFORMED;
    }
}

/* Maps the header's sequence number and timestamp into `oh`. */
static void sfu__rw_map_header(sfu__rewriter_t *rw, const rtp_header_t *h, uint64_t now_us,
                               rtp_header_t *oh)
{
    uint32_t seq = 0, ts = 0;
    uint32_t seq_ref = rw->seq.ref_in, ts_ref = rw->timestamp.ref_in;
    /* Both fields were rebased when the source started: always valid. */
    sfu__rw_map(&rw->seq, h->seq, SFU__RW_MOD_SEQ, SFU__RW_MOD_SEQ, &seq);
    sfu__rw_map(&rw->timestamp, h->timestamp, SFU__RW_MOD_TIMESTAMP, SFU__RW_MOD_TIMESTAMP, &ts);
    rw->seq_since_switch += sfu__rw_distance(seq_ref, rw->seq.ref_in, SFU__RW_MOD_SEQ);
    if (rw->timestamp.ref_in != ts_ref)
        rw->timestamp_ref_us = now_us;
    oh->ssrc = rw->config.ssrc;
    oh->seq = (uint16_t)seq;
    oh->timestamp = ts;
}

/* Writes the payload with its VP8 descriptor rewritten to dst[0..cap). */
static sfu_err_t sfu__rw_write_vp8(sfu__rewriter_t *rw, const rtp_header_t *h, uint8_t *dst,
                                   size_t cap, size_t *written)
{
    rtp_vp8_desc_t desc;
    size_t in_desc_len = 0, out_desc_len = 0;
    rtp_err_t err = rtp_vp8_desc_parse(h->payload, h->payload_len, &desc, &in_desc_len);
    if (err != RTP_OK)
        return sfu__rw_from_rtp(err);
    if (desc.has_picture_id) {
        uint32_t modulus =
            desc.picture_id_long ? SFU__RW_MOD_PICTURE_ID15 : SFU__RW_MOD_PICTURE_ID7;
        desc.picture_id = (uint16_t)sfu__rw_map_or_continue(&rw->picture_id, desc.picture_id,
                                                            modulus, SFU__RW_MOD_PICTURE_ID15);
        desc.picture_id_long = true;
    }
    if (desc.has_tl0picidx)
        desc.tl0picidx = (uint8_t)sfu__rw_map_or_continue(
            &rw->tl0picidx, desc.tl0picidx, SFU__RW_MOD_TL0PICIDX, SFU__RW_MOD_TL0PICIDX);
    err = rtp_vp8_desc_write(&desc, dst, cap, &out_desc_len);
    if (err != RTP_OK)
        return sfu__rw_from_rtp(err);

    size_t rest = h->payload_len - in_desc_len;
    if (cap - out_desc_len < rest)
        return SFU_ERR_NO_SPACE;
    memcpy(dst + out_desc_len, h->payload + in_desc_len, rest);
    *written = out_desc_len + rest;
    return SFU_OK;
}

/* Reads and maps the dependency descriptor's frame number: the mandatory
 * fields' bytes 1..2 (A.8.2), which need no template structure. *present
 * is false when the packet carries no such element. */
static sfu_err_t sfu__rw_map_frame_number(sfu__rewriter_t *rw, const rtp_header_t *h, bool *present,
                                          uint16_t *frame_number)
{
    *present = false;
    if (rw->config.dd_ext_id == 0)
        return SFU_OK;
    rtp_ext_elem_t elem;
    rtp_err_t err = rtp_ext_find(h, rw->config.dd_ext_id, &elem);
    if (err == RTP_ERR_NOT_FOUND || err == RTP_ERR_UNSUPPORTED)
        return SFU_OK; /* no element, or a block that is not RFC 8285 */
    if (err != RTP_OK)
        return sfu__rw_from_rtp(err);
    if (elem.len < RTP_DD_MANDATORY_SIZE)
        return SFU_ERR_TRUNCATED;
    uint32_t in = (uint32_t)elem.value[1] << 8 | elem.value[2];
    *frame_number = (uint16_t)sfu__rw_map_or_continue(
        &rw->frame_number, in, SFU__RW_MOD_FRAME_NUMBER, SFU__RW_MOD_FRAME_NUMBER);
    *present = true;
    return SFU_OK;
}

/* Sets the frame number of the element in the written packet out[0..len). */
static sfu_err_t sfu__rw_patch_frame_number(uint8_t id, uint16_t frame_number, uint8_t *out,
                                            size_t len)
{
    rtp_header_t oh;
    rtp_ext_elem_t elem;
    rtp_err_t err = rtp_parse(out, len, &oh);
    if (err == RTP_OK)
        err = rtp_ext_find(&oh, id, &elem);
    if (err == RTP_OK)
        err = rtp_dd_set_frame_number(out + (elem.value - out), elem.len, frame_number);
    return sfu__rw_from_rtp(err);
}

static sfu_err_t sfu__rw_emit(sfu__rewriter_t *rw, const rtp_header_t *h, uint64_t now_us,
                              uint8_t *out, size_t cap, size_t *out_len)
{
    rtp_header_t oh = *h;
    sfu__rw_map_header(rw, h, now_us, &oh);
    bool has_frame_number;
    uint16_t frame_number = 0;
    sfu_err_t err = sfu__rw_map_frame_number(rw, h, &has_frame_number, &frame_number);
    if (err != SFU_OK)
        return err;

    /* The payload is assembled where rtp_write() will put it, after a
     * header of the same size as the input's. */
    size_t header_len = rtp_header_size(&oh);
    if (cap < header_len)
        return SFU_ERR_NO_SPACE;
    size_t payload_len = h->payload_len;
    if (rw->config.vp8) {
        err = sfu__rw_write_vp8(rw, h, out + header_len, cap - header_len, &payload_len);
        if (err != SFU_OK)
            return err;
    } else {
        if (cap - header_len < payload_len)
            return SFU_ERR_NO_SPACE;
        memcpy(out + header_len, h->payload, payload_len);
    }

    rtp_err_t rerr =
        rtp_write(&oh, out + header_len, payload_len, h->padding_len, out, cap, out_len);
    if (rerr != RTP_OK)
        return sfu__rw_from_rtp(rerr);
    if (has_frame_number)
        return sfu__rw_patch_frame_number(rw->config.dd_ext_id, frame_number, out, *out_len);
    return SFU_OK;
}

static void sfu__rw_count_drop(sfu__rewriter_stats_t *stats, sfu__rw_verdict_t verdict)
{
    switch (verdict) {
    case SFU__RW_DROP_UNSELECTED:
        stats->dropped_unselected++;
        break;
    case SFU__RW_DROP_WAIT_KEYFRAME:
        stats->dropped_wait_keyframe++;
        break;
    case SFU__RW_DROP_BEFORE_SWITCH:
        stats->dropped_before_switch++;
        break;
    case SFU__RW_FORWARD:
        break;
    }
}

static bool sfu__rw_overlap(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b;
    return a0 < b0 + b_len && b0 < a0 + a_len;
}

sfu_err_t sfu__rewriter_forward(sfu__rewriter_t *rw, const uint8_t *pkt, size_t len,
                                bool keyframe_start, uint64_t now_us, uint8_t *out, size_t cap,
                                sfu__rw_result_t *res)
{
    if (rw == NULL || pkt == NULL || out == NULL || res == NULL ||
        sfu__rw_overlap(pkt, len, out, cap))
        return SFU_ERR_INVALID_ARG;
    *res = (sfu__rw_result_t){ .verdict = SFU__RW_DROP_UNSELECTED };

    rtp_header_t h;
    rtp_err_t rerr = rtp_parse(pkt, len, &h);
    if (rerr != RTP_OK) {
        rw->stats.errors++;
        return sfu__rw_from_rtp(rerr);
    }

    /* Work on a copy: a packet that fails half-way leaves no trace. */
    sfu__rewriter_t next = *rw;
    res->verdict = sfu__rw_route(&next, &h, keyframe_start, now_us, &res->switched);
    if (res->verdict != SFU__RW_FORWARD) {
        res->switched = false;
        sfu__rw_count_drop(&rw->stats, res->verdict);
        return SFU_OK;
    }
    sfu_err_t err = sfu__rw_emit(&next, &h, now_us, out, cap, &res->out_len);
    if (err != SFU_OK) {
        rw->stats.errors++;
        *res = (sfu__rw_result_t){ .verdict = SFU__RW_DROP_UNSELECTED };
        return err;
    }
    next.stats.forwarded++;
    if (res->switched)
        next.stats.switches++;
    *rw = next;
    return SFU_OK;
}
