/* The outgoing stream rewriter: continuity of SSRC, sequence numbers,
 * timestamps, VP8 picture ID and TL0PICIDX and the dependency descriptor
 * frame number across 50 random simulcast layer switches; keyframe-gated
 * switching; reordering; audio; errors. Also the PLI throttle, which the
 * switch path feeds. */
#include "sfu/pli_throttle.h"
#include "sfu/rewriter.h"

#include "rtp/rtp.h"

#include <check.h>
#include <string.h>

#define MS        1000u
#define OUT_SSRC  0x5eed5eedu
#define DD_ID     5
#define LEVEL_ID  1
#define MAX_PKT   1600
#define OPAQUE_SZ 40

/* --- Packets ------------------------------------------------------------ */

typedef struct pkt_spec {
    uint32_t ssrc;
    uint16_t seq;
    uint32_t ts;
    bool vp8;
    rtp_vp8_desc_t desc;
    bool has_dd;
    uint16_t frame_number;
    uint8_t fill; /* the opaque ("encrypted") payload bytes derive from it */
} pkt_spec_t;

static void opaque_bytes(uint8_t fill, uint8_t *out)
{
    for (unsigned i = 0; i < OPAQUE_SZ; i++)
        out[i] = (uint8_t)(fill * 13u + i * 7u);
}

static size_t build_packet(const pkt_spec_t *p, uint8_t *out, size_t cap)
{
    uint8_t ext[32];
    rtp_ext_writer_t w;
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, ext, sizeof ext);
    const uint8_t level = 0x85;
    rtp_ext_writer_add(&w, LEVEL_ID, &level, 1);
    if (p->has_dd) {
        const uint8_t dd[3] = { 0xc0, (uint8_t)(p->frame_number >> 8), (uint8_t)p->frame_number };
        rtp_ext_writer_add(&w, DD_ID, dd, sizeof dd);
    }
    uint16_t profile;
    size_t block_len;
    ck_assert_int_eq(rtp_ext_writer_finish(&w, &profile, &block_len), RTP_OK);

    uint8_t payload[RTP_VP8_DESC_MAX_LEN + OPAQUE_SZ];
    size_t desc_len = 0;
    if (p->vp8)
        ck_assert_int_eq(rtp_vp8_desc_write(&p->desc, payload, sizeof payload, &desc_len), RTP_OK);
    opaque_bytes(p->fill, payload + desc_len);

    rtp_header_t h = {
        .extension = true,
        .payload_type = 96,
        .seq = p->seq,
        .timestamp = p->ts,
        .ssrc = p->ssrc,
        .ext_profile = profile,
        .ext = ext,
        .ext_len = block_len,
    };
    size_t len;
    ck_assert_int_eq(rtp_write(&h, payload, desc_len + OPAQUE_SZ, 0, out, cap, &len), RTP_OK);
    return len;
}

/* What the test reads back from a forwarded packet. The pointers in `h`
 * point into the packet; `payload` is a copy that outlives it. */
typedef struct parsed_out {
    rtp_header_t h;
    uint8_t payload[MAX_PKT];
    rtp_vp8_desc_t desc;
    size_t desc_len;
    bool has_dd;
    uint16_t frame_number;
} parsed_out_t;

static void parse_output(const uint8_t *pkt, size_t len, bool vp8, parsed_out_t *o)
{
    memset(o, 0, sizeof *o);
    ck_assert_int_eq(rtp_parse(pkt, len, &o->h), RTP_OK);
    memcpy(o->payload, o->h.payload, o->h.payload_len);
    if (vp8)
        ck_assert_int_eq(rtp_vp8_desc_parse(o->h.payload, o->h.payload_len, &o->desc, &o->desc_len),
                         RTP_OK);
    rtp_ext_elem_t e;
    if (rtp_ext_find(&o->h, DD_ID, &e) == RTP_OK) {
        ck_assert_uint_eq(e.len, 3);
        o->has_dd = true;
        o->frame_number = (uint16_t)(e.value[1] << 8 | e.value[2]);
    }
    /* The other extension survives untouched. */
    ck_assert_int_eq(rtp_ext_find(&o->h, LEVEL_ID, &e), RTP_OK);
    ck_assert_uint_eq(e.value[0], 0x85);
}

static sfu__rewriter_t make_rewriter(bool video, uint16_t first_seq, uint32_t first_ts)
{
    sfu__rewriter_config_t config = sfu__rewriter_config_default();
    config.ssrc = OUT_SSRC;
    config.first_seq = first_seq;
    config.first_timestamp = first_ts;
    config.dd_ext_id = video ? DD_ID : 0;
    if (!video) {
        config.video = false;
        config.vp8 = false;
        config.clock_rate = 48000;
    }
    sfu__rewriter_t rw;
    ck_assert_int_eq(sfu__rewriter_init(&rw, &config), SFU_OK);
    return rw;
}

/* --- A simulcast publisher ----------------------------------------------- */

typedef struct source {
    uint32_t ssrc;
    uint16_t seq;
    uint32_t ts_base;
    bool pid_long;
    uint16_t pid;
    uint8_t tl0;
    uint16_t frame_number;
    unsigned frame_in_gop;
    bool keyframe_requested;
    sfu__pli_throttle_t throttle;
} source_t;

static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static uint32_t random_below(uint32_t *state, uint32_t n)
{
    return next_random(state) % n;
}

/* The packets of one frame of `src`, captured at now_us. */
static size_t source_frame(source_t *src, uint64_t now_us, bool keyframe, pkt_spec_t *pkts,
                           uint32_t *rng)
{
    static const uint8_t tid_pattern[4] = { 0, 2, 1, 2 };
    if (keyframe)
        src->frame_in_gop = 0;
    uint8_t tid = tid_pattern[src->frame_in_gop % 4];
    src->frame_in_gop++;
    src->pid = (uint16_t)((src->pid + 1u) % (src->pid_long ? 32768u : 128u));
    src->frame_number++;
    if (tid == 0)
        src->tl0++;
    size_t n = keyframe ? 3 : 1 + random_below(rng, 2);
    for (size_t i = 0; i < n; i++) {
        pkts[i] = (pkt_spec_t){
            .ssrc = src->ssrc,
            .seq = src->seq++,
            .ts = src->ts_base + (uint32_t)(now_us * 9u / 100u),
            .vp8 = true,
            .desc = {
                .start_of_partition = i == 0,
                .extended = true,
                .has_picture_id = true,
                .picture_id_long = src->pid_long,
                .picture_id = src->pid,
                .has_tl0picidx = true,
                .tl0picidx = src->tl0,
                .has_tid = true,
                .tid = tid,
            },
            .has_dd = true,
            .frame_number = src->frame_number,
            .fill = (uint8_t)next_random(rng),
        };
    }
    return n;
}

/* --- Checking the output stream ----------------------------------------- */

typedef struct stream_check {
    bool any;
    uint16_t seq;
    uint32_t ts;
    uint16_t pid;
    uint8_t tl0;
    uint16_t frame_number;
    uint64_t ts_first_arrival_us; /* arrival of the first packet with `ts` */
    int source;                   /* index of the source last forwarded */
    /* wraps observed in the output */
    bool seq_wrapped, pid_wrapped, tl0_wrapped, fn_wrapped, pid7_wrapped_in;
    uint16_t last_pid7_in;
} stream_check_t;

static void check_forwarded(stream_check_t *c, const pkt_spec_t *in, size_t in_len,
                            const uint8_t *out, const sfu__rw_result_t *res, int source,
                            uint64_t now_us)
{
    parsed_out_t o;
    parse_output(out, res->out_len, true, &o);
    ck_assert_uint_eq(o.h.ssrc, OUT_SSRC);
    /* A 7-bit picture ID grows the descriptor by one byte, nothing else. */
    ck_assert_uint_eq(res->out_len, in_len + (in->desc.picture_id_long ? 0u : 1u));
    ck_assert(o.desc.has_picture_id && o.desc.picture_id_long);
    ck_assert(o.has_dd);
    uint8_t opaque[OPAQUE_SZ];
    opaque_bytes(in->fill, opaque);
    ck_assert_uint_eq(o.h.payload_len - o.desc_len, OPAQUE_SZ);
    ck_assert_mem_eq(o.h.payload + o.desc_len, opaque, OPAQUE_SZ);

    if (c->any && source != c->source) {
        /* A change of source happens only at a keyframe start. */
        ck_assert(res->switched);
        ck_assert(rtp_vp8_desc_starts_frame(&in->desc));
        ck_assert_uint_eq(in->desc.tid, 0);
    }
    if (!c->any) {
        c->ts_first_arrival_us = now_us;
    } else {
        ck_assert_uint_eq(o.h.seq, (uint16_t)(c->seq + 1));
        int32_t dts = (int32_t)(o.h.timestamp - c->ts);
        ck_assert_int_ge(dts, 0);
        bool new_frame = dts > 0;
        if (res->switched) {
            /* The step is the time since the last frame began, at 90 kHz. */
            uint64_t elapsed = now_us - c->ts_first_arrival_us;
            uint64_t want = elapsed * 9u / 100u;
            ck_assert_int_eq(dts, want == 0 ? 1 : (int32_t)want);
            ck_assert(new_frame);
        }
        if (new_frame) {
            c->ts_first_arrival_us = now_us;
            ck_assert_uint_eq(o.desc.picture_id, (c->pid + 1u) % 32768u);
            ck_assert_uint_eq(o.frame_number, (uint16_t)(c->frame_number + 1));
            if (o.desc.tid == 0)
                ck_assert_uint_eq(o.desc.tl0picidx, (uint8_t)(c->tl0 + 1));
            else
                ck_assert_uint_eq(o.desc.tl0picidx, c->tl0);
        } else {
            ck_assert_uint_eq(o.desc.picture_id, c->pid);
            ck_assert_uint_eq(o.frame_number, c->frame_number);
            ck_assert_uint_eq(o.desc.tl0picidx, c->tl0);
        }
        c->seq_wrapped |= o.h.seq < c->seq;
        c->pid_wrapped |= o.desc.picture_id < c->pid;
        c->tl0_wrapped |= o.desc.tl0picidx < c->tl0;
        c->fn_wrapped |= o.frame_number < c->frame_number;
    }
    if (!in->desc.picture_id_long) {
        c->pid7_wrapped_in |= c->any && !res->switched && source == c->source &&
                              in->desc.picture_id < c->last_pid7_in;
        c->last_pid7_in = in->desc.picture_id;
    }
    c->any = true;
    c->seq = o.h.seq;
    c->ts = o.h.timestamp;
    c->pid = o.desc.picture_id;
    c->tl0 = o.desc.tl0picidx;
    c->frame_number = o.frame_number;
    c->source = source;
}

START_TEST(fifty_random_layer_switches)
{
    uint32_t rng = 0x9e3779b9u;
    /* Given three layers with unrelated bases, each about to wrap something:
     * sequence numbers, 15-bit and 7-bit picture IDs, TL0PICIDX, frame
     * numbers */
    source_t src[3] = {
        { .ssrc = 0xa0,
          .seq = 65500,
          .ts_base = 4000000000u,
          .pid_long = true,
          .pid = 32700,
          .tl0 = 250,
          .frame_number = 65530 },
        { .ssrc = 0xb0,
          .seq = 1234,
          .ts_base = 17,
          .pid_long = false,
          .pid = 120,
          .tl0 = 3,
          .frame_number = 100 },
        { .ssrc = 0xc0,
          .seq = 65530,
          .ts_base = 0x80000000u,
          .pid_long = true,
          .pid = 32760,
          .tl0 = 255,
          .frame_number = 30000 },
    };
    sfu__pli_throttle_config_t pli = sfu__pli_throttle_config_default();
    for (int i = 0; i < 3; i++)
        sfu__pli_throttle_init(&src[i].throttle, &pli);

    sfu__rewriter_t rw = make_rewriter(true, 65400, 123456);
    stream_check_t check = { .source = -1 };
    int target = 0;
    sfu__rewriter_select(&rw, src[0].ssrc);
    unsigned switches = 0, frames = 0, next_switch_frame = 5;
    unsigned waits = 0, old_layer_drops = 0;
    int left_source = -1; /* the source the last switch left */
    uint64_t now = 1000 * MS;

    /* When frames flow, with random pauses, and the selected layer changes
     * at random every few frames */
    while (switches < 50) {
        ck_assert_uint_lt(frames, 20000);
        uint32_t r = random_below(&rng, 100);
        now += r < 10 ? 100 * MS + random_below(&rng, 2900) * MS
                      : 20 * MS + random_below(&rng, 40) * MS;
        frames++;
        if (frames == next_switch_frame && !sfu__rewriter_switch_pending(&rw)) {
            target = (target + 1 + (int)random_below(&rng, 2)) % 3;
            sfu__rewriter_select(&rw, src[target].ssrc);
            next_switch_frame = frames + 3 + random_below(&rng, 40);
        } else if (frames >= next_switch_frame) {
            next_switch_frame = frames + 1;
        }

        int first = (int)random_below(&rng, 3);
        for (int k = 0; k < 3; k++) {
            int s = (first + k) % 3;
            bool keyframe = src[s].keyframe_requested || random_below(&rng, 100) == 0;
            src[s].keyframe_requested = false;
            pkt_spec_t pkts[3];
            size_t n = source_frame(&src[s], now, keyframe, pkts, &rng);
            for (size_t i = 0; i < n; i++) {
                uint64_t arrival = now + (uint64_t)(k * 3 + (int)i) * 150u;
                uint8_t in[MAX_PKT], out[MAX_PKT];
                size_t in_len = build_packet(&pkts[i], in, sizeof in);
                bool kf_start = keyframe && i == 0;
                int forwarded_before = check.source;
                sfu__rw_result_t res;
                ck_assert_int_eq(sfu__rewriter_forward(&rw, in, in_len, kf_start, arrival, out,
                                                       sizeof out, &res),
                                 SFU_OK);
                if (res.verdict == SFU__RW_FORWARD) {
                    check_forwarded(&check, &pkts[i], in_len, out, &res, s, arrival);
                    if (res.switched && forwarded_before >= 0) {
                        switches++;
                        left_source = forwarded_before;
                    }
                    continue;
                }
                ck_assert(!res.switched);
                if (s == target) {
                    /* Then the target's packets wait for its keyframe start */
                    ck_assert_int_eq(res.verdict, SFU__RW_DROP_WAIT_KEYFRAME);
                    ck_assert(!kf_start);
                    waits++;
                    if (sfu__pli_throttle_request(&src[s].throttle, arrival))
                        src[s].keyframe_requested = true;
                } else {
                    ck_assert_int_eq(res.verdict, SFU__RW_DROP_UNSELECTED);
                    old_layer_drops += s == left_source;
                }
            }
        }
    }

    /* Then every wrap happened along the way and the stats agree */
    ck_assert(check.seq_wrapped);
    ck_assert(check.pid_wrapped);
    ck_assert(check.tl0_wrapped);
    ck_assert(check.fn_wrapped);
    ck_assert(check.pid7_wrapped_in);
    ck_assert_uint_gt(waits, 0);
    ck_assert_uint_gt(old_layer_drops, 0);
    const sfu__rewriter_stats_t *st = sfu__rewriter_stats(&rw);
    ck_assert_uint_eq(st->switches, 51);
    ck_assert_uint_eq(st->dropped_wait_keyframe, waits);
    ck_assert_uint_eq(st->errors, 0);
    ck_assert_uint_eq(st->dropped_before_switch, 0);
}
END_TEST

/* --- Focused cases ------------------------------------------------------- */

static pkt_spec_t video_packet(uint32_t ssrc, uint16_t seq, uint32_t ts, uint16_t pid,
                               bool pid_long)
{
    return (pkt_spec_t){
        .ssrc = ssrc,
        .seq = seq,
        .ts = ts,
        .vp8 = true,
        .desc = { .start_of_partition = true,
                  .has_picture_id = true,
                  .picture_id_long = pid_long,
                  .picture_id = pid },
        .fill = (uint8_t)seq,
    };
}

static sfu_err_t feed(sfu__rewriter_t *rw, const pkt_spec_t *p, bool keyframe_start,
                      uint64_t now_us, parsed_out_t *o, sfu__rw_result_t *res)
{
    uint8_t in[MAX_PKT], out[MAX_PKT];
    size_t in_len = build_packet(p, in, sizeof in);
    sfu_err_t err =
        sfu__rewriter_forward(rw, in, in_len, keyframe_start, now_us, out, sizeof out, res);
    if (err == SFU_OK && res->verdict == SFU__RW_FORWARD)
        parse_output(out, res->out_len, p->vp8, o);
    return err;
}

static parsed_out_t forward_ok(sfu__rewriter_t *rw, pkt_spec_t p, bool keyframe_start,
                               uint64_t now_us)
{
    parsed_out_t o;
    sfu__rw_result_t res;
    ck_assert_int_eq(feed(rw, &p, keyframe_start, now_us, &o, &res), SFU_OK);
    ck_assert_int_eq(res.verdict, SFU__RW_FORWARD);
    return o;
}

static sfu__rw_verdict_t verdict_of(sfu__rewriter_t *rw, pkt_spec_t p, bool keyframe_start,
                                    uint64_t now_us)
{
    parsed_out_t o;
    sfu__rw_result_t res;
    ck_assert_int_eq(feed(rw, &p, keyframe_start, now_us, &o, &res), SFU_OK);
    return res.verdict;
}

START_TEST(starts_only_at_a_keyframe)
{
    sfu__rewriter_t rw = make_rewriter(true, 500, 9000);
    pkt_spec_t p = video_packet(0xa0, 10, 1000, 5, true);
    /* Nothing selected yet. */
    ck_assert_int_eq(verdict_of(&rw, p, true, 0), SFU__RW_DROP_UNSELECTED);
    sfu__rewriter_select(&rw, 0xa0);
    ck_assert(sfu__rewriter_switch_pending(&rw));
    p.seq = 11;
    ck_assert_int_eq(verdict_of(&rw, p, false, 0), SFU__RW_DROP_WAIT_KEYFRAME);
    p.seq = 12;
    parsed_out_t o = forward_ok(&rw, p, true, 0);
    ck_assert(!sfu__rewriter_switch_pending(&rw));
    /* The configured first numbers; the picture ID continues from the input. */
    ck_assert_uint_eq(o.h.seq, 500);
    ck_assert_uint_eq(o.h.timestamp, 9000);
    ck_assert_uint_eq(o.desc.picture_id, 5);
    /* A selection of the source already forwarded cancels a pending switch. */
    sfu__rewriter_select(&rw, 0xb0);
    ck_assert(sfu__rewriter_switch_pending(&rw));
    sfu__rewriter_select(&rw, 0xa0);
    ck_assert(!sfu__rewriter_switch_pending(&rw));
}
END_TEST

START_TEST(reordering_within_a_layer)
{
    sfu__rewriter_t rw = make_rewriter(true, 1000, 0);
    sfu__rewriter_select(&rw, 0xa0);
    forward_ok(&rw, video_packet(0xa0, 100, 3000, 10, true), true, 0);
    parsed_out_t o = forward_ok(&rw, video_packet(0xa0, 102, 9000, 12, true), false, 66 * MS);
    ck_assert_uint_eq(o.h.seq, 1002);
    ck_assert_uint_eq(o.h.timestamp, 6000);
    ck_assert_uint_eq(o.desc.picture_id, 12);
    /* The late packet maps through the same offsets, backwards. */
    o = forward_ok(&rw, video_packet(0xa0, 101, 6000, 11, true), false, 67 * MS);
    ck_assert_uint_eq(o.h.seq, 1001);
    ck_assert_uint_eq(o.h.timestamp, 3000);
    ck_assert_uint_eq(o.desc.picture_id, 11);
    /* A loss inside the layer stays visible, for the receiver to NACK. */
    o = forward_ok(&rw, video_packet(0xa0, 106, 12000, 13, true), false, 100 * MS);
    ck_assert_uint_eq(o.h.seq, 1006);
}
END_TEST

START_TEST(packets_before_the_switch_point_are_dropped)
{
    sfu__rewriter_t rw = make_rewriter(true, 0, 0);
    sfu__rewriter_select(&rw, 0xa0);
    forward_ok(&rw, video_packet(0xa0, 7, 3000, 1, true), true, 0);
    forward_ok(&rw, video_packet(0xa0, 8, 6000, 2, true), false, 33 * MS);
    sfu__rewriter_select(&rw, 0xb0);
    parsed_out_t o = forward_ok(&rw, video_packet(0xb0, 65535, 50, 90, false), true, 66 * MS);
    ck_assert_uint_eq(o.h.seq, 2);
    ck_assert_uint_eq(o.h.timestamp, 3000 + 33 * 90); /* 33 ms since frame 2 began */
    ck_assert_uint_eq(o.desc.picture_id, 3);
    /* The new layer's earlier packet, and the old layer, are dropped. */
    ck_assert_int_eq(verdict_of(&rw, video_packet(0xb0, 65534, 20, 89, false), false, 67 * MS),
                     SFU__RW_DROP_BEFORE_SWITCH);
    ck_assert_int_eq(verdict_of(&rw, video_packet(0xa0, 9, 9000, 3, true), false, 67 * MS),
                     SFU__RW_DROP_UNSELECTED);
    /* Later ones continue across the input wrap, 7-bit IDs counting on. */
    o = forward_ok(&rw, video_packet(0xb0, 0, 50, 90, false), false, 68 * MS);
    ck_assert_uint_eq(o.h.seq, 3);
    ck_assert_uint_eq(o.desc.picture_id, 3);
    o = forward_ok(&rw, video_packet(0xb0, 1, 3050, 91, false), false, 99 * MS);
    ck_assert_uint_eq(o.h.seq, 4);
    ck_assert_uint_eq(o.desc.picture_id, 4);
    const sfu__rewriter_stats_t *st = sfu__rewriter_stats(&rw);
    ck_assert_uint_eq(st->dropped_before_switch, 1);
    ck_assert_uint_eq(st->dropped_unselected, 1);
    ck_assert_uint_eq(st->switches, 2);
    ck_assert_uint_eq(st->forwarded, 5);
}
END_TEST

START_TEST(immediate_switch_still_advances_the_timestamp)
{
    sfu__rewriter_t rw = make_rewriter(true, 0, 0);
    sfu__rewriter_select(&rw, 0xa0);
    forward_ok(&rw, video_packet(0xa0, 1, 100, 1, true), true, 10 * MS);
    sfu__rewriter_select(&rw, 0xb0);
    /* Zero elapsed time: the new frame is still one tick later. */
    parsed_out_t o = forward_ok(&rw, video_packet(0xb0, 1, 99999, 1, true), true, 10 * MS);
    ck_assert_uint_eq(o.h.timestamp, 1);
    /* A very long pause is capped below half the timestamp circle. */
    sfu__rewriter_select(&rw, 0xa0);
    o = forward_ok(&rw, video_packet(0xa0, 2, 200, 2, true), true, 10 * MS + 86400000000ull);
    ck_assert_uint_eq(o.h.timestamp, 1 + 0x7fffffffu);
}
END_TEST

START_TEST(audio_switches_at_any_packet)
{
    sfu__rewriter_t rw = make_rewriter(false, 40000, 7);
    sfu__rewriter_select(&rw, 0x11);
    pkt_spec_t p = { .ssrc = 0x11, .seq = 5, .ts = 960, .fill = 1 };
    parsed_out_t o = forward_ok(&rw, p, false, 0);
    ck_assert_uint_eq(o.h.seq, 40000);
    ck_assert_uint_eq(o.h.timestamp, 7);
    ck_assert_uint_eq(o.h.payload_len, OPAQUE_SZ);
    uint8_t opaque[OPAQUE_SZ];
    opaque_bytes(1, opaque);
    ck_assert_mem_eq(o.payload, opaque, OPAQUE_SZ);

    sfu__rewriter_select(&rw, 0x22);
    p = (pkt_spec_t){ .ssrc = 0x22, .seq = 900, .ts = 48000, .fill = 2 };
    o = forward_ok(&rw, p, false, 20 * MS);
    ck_assert_uint_eq(o.h.seq, 40001);
    ck_assert_uint_eq(o.h.timestamp, 7 + 960); /* 20 ms at 48 kHz */
    ck_assert_uint_eq(o.h.ssrc, OUT_SSRC);
}
END_TEST

START_TEST(errors_leave_the_state_unchanged)
{
    sfu__rewriter_t rw = make_rewriter(true, 100, 0);
    sfu__rewriter_select(&rw, 0xa0);
    forward_ok(&rw, video_packet(0xa0, 1, 0, 127, false), true, 0);

    /* Too small an output: a 7-bit ID needs one more byte than the input. */
    pkt_spec_t p = video_packet(0xa0, 2, 3000, 0, false);
    uint8_t in[MAX_PKT], out[MAX_PKT];
    size_t in_len = build_packet(&p, in, sizeof in);
    sfu__rw_result_t res;
    ck_assert_int_eq(sfu__rewriter_forward(&rw, in, in_len, false, 33 * MS, out, in_len, &res),
                     SFU_ERR_NO_SPACE);
    ck_assert_int_ne(res.verdict, SFU__RW_FORWARD);
    ck_assert_int_eq(sfu__rewriter_forward(&rw, in, in_len, false, 33 * MS, out, in_len + 1, &res),
                     SFU_OK);
    ck_assert_uint_eq(res.out_len, in_len + SFU__REWRITER_MAX_GROWTH);
    parsed_out_t o;
    parse_output(out, res.out_len, true, &o);
    ck_assert_uint_eq(o.h.seq, 101);
    ck_assert_uint_eq(o.desc.picture_id, 128); /* 127 -> 0 in, 127 -> 128 out */

    /* A truncated VP8 descriptor (I set, picture ID missing). */
    const uint8_t bad_payload[] = { 0x90, 0x80 };
    rtp_header_t h = { .payload_type = 96, .seq = 3, .timestamp = 6000, .ssrc = 0xa0 };
    size_t bad_len;
    ck_assert_int_eq(rtp_write(&h, bad_payload, sizeof bad_payload, 0, in, sizeof in, &bad_len),
                     RTP_OK);
    ck_assert_int_eq(sfu__rewriter_forward(&rw, in, bad_len, false, 66 * MS, out, sizeof out, &res),
                     SFU_ERR_TRUNCATED);
    /* Not RTP at all. */
    ck_assert_int_eq(sfu__rewriter_forward(&rw, in, 5, false, 66 * MS, out, sizeof out, &res),
                     SFU_ERR_TRUNCATED);
    /* Overlapping buffers. */
    ck_assert_int_eq(sfu__rewriter_forward(&rw, in, in_len, false, 66 * MS, in + 4, 100, &res),
                     SFU_ERR_INVALID_ARG);
    ck_assert_uint_eq(sfu__rewriter_stats(&rw)->errors, 3);

    /* The next good packet continues as if the failures never happened. */
    o = forward_ok(&rw, video_packet(0xa0, 3, 6000, 1, false), false, 66 * MS);
    ck_assert_uint_eq(o.h.seq, 102);
    ck_assert_uint_eq(o.desc.picture_id, 129);

    sfu__rewriter_config_t config = sfu__rewriter_config_default();
    config.clock_rate = 0;
    ck_assert_int_eq(sfu__rewriter_init(&rw, &config), SFU_ERR_INVALID_ARG);
}
END_TEST

START_TEST(dependency_descriptor_is_optional)
{
    sfu__rewriter_t rw = make_rewriter(true, 0, 0);
    sfu__rewriter_select(&rw, 0xa0);
    pkt_spec_t p = video_packet(0xa0, 1, 0, 1, true);
    parsed_out_t o = forward_ok(&rw, p, true, 0); /* no DD on this packet */
    ck_assert(!o.has_dd);
    p = video_packet(0xa0, 2, 3000, 2, true);
    p.has_dd = true;
    p.frame_number = 777;
    o = forward_ok(&rw, p, false, 33 * MS);
    ck_assert(o.has_dd);
    ck_assert_uint_eq(o.frame_number, 777);
    /* Without a DD id configured, the element passes through untouched. */
    sfu__rewriter_t plain = make_rewriter(true, 0, 0);
    plain.config.dd_ext_id = 0;
    sfu__rewriter_select(&plain, 0xb0);
    p = video_packet(0xb0, 1, 0, 1, true);
    p.has_dd = true;
    p.frame_number = 4242;
    o = forward_ok(&plain, p, true, 0);
    ck_assert_uint_eq(o.frame_number, 4242);
}
END_TEST

/* --- PLI throttle ---------------------------------------------------------- */

START_TEST(pli_throttle_respects_the_interval)
{
    sfu__pli_throttle_t t;
    sfu__pli_throttle_config_t config = { .min_interval_ms = 500 };
    sfu__pli_throttle_init(&t, &config);
    ck_assert_uint_eq(sfu__pli_throttle_next_allowed_us(&t), 0);
    ck_assert(sfu__pli_throttle_request(&t, 1000 * MS));
    ck_assert_uint_eq(sfu__pli_throttle_next_allowed_us(&t), 1500 * MS);
    for (uint64_t now = 1000 * MS; now < 1500 * MS; now += 50 * MS)
        ck_assert(!sfu__pli_throttle_request(&t, now));
    ck_assert(!sfu__pli_throttle_request(&t, 1500 * MS - 1));
    ck_assert(sfu__pli_throttle_request(&t, 1500 * MS));
    ck_assert(!sfu__pli_throttle_request(&t, 1700 * MS));
    ck_assert(sfu__pli_throttle_request(&t, 5000 * MS));
    ck_assert_uint_eq(t.forwarded, 3);
    ck_assert_uint_eq(t.suppressed, 12);
    ck_assert_uint_eq(sfu__pli_throttle_config_default().min_interval_ms, 500);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("sfu_rewriter");
    TCase *tc = tcase_create("switches");
    tcase_add_test(tc, fifty_random_layer_switches);
    tcase_add_test(tc, starts_only_at_a_keyframe);
    tcase_add_test(tc, packets_before_the_switch_point_are_dropped);
    tcase_add_test(tc, immediate_switch_still_advances_the_timestamp);
    tcase_add_test(tc, audio_switches_at_any_packet);
    suite_add_tcase(s, tc);

    tc = tcase_create("rewrite");
    tcase_add_test(tc, reordering_within_a_layer);
    tcase_add_test(tc, errors_leave_the_state_unchanged);
    tcase_add_test(tc, dependency_descriptor_is_optional);
    suite_add_tcase(s, tc);

    tc = tcase_create("pli_throttle");
    tcase_add_test(tc, pli_throttle_respects_the_interval);
    suite_add_tcase(s, tc);
    return s;
}
