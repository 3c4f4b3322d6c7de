/* The packetizer: VP8 (RFC 7741) and Opus (RFC 7587) packets bounded by the
 * MTU, their header extensions (audio level, TWCC, mid, rid, dependency
 * descriptor, frame marking, abs-capture-time), and round trips through the
 * depacketizer (DD, frame marking and the clear-prefix P bit) for random
 * frame sizes, 1-byte frames and frames of exactly one MTU. */
#include "peers/jitter_buffer.h"
#include "peers/packetizer.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define MTU       1200
#define MAX_SLOTS 64
#define EXT_AUDIO 1
#define EXT_TWCC  2
#define EXT_MID   3
#define EXT_RID   4
#define EXT_DD    5
#define EXT_FM    6
#define EXT_ACT   7
#define MAX_FRAME (40 * 1024)

typedef struct packets {
    uint8_t storage[MAX_SLOTS][MTU];
    peer__packet_slot_t slots[MAX_SLOTS];
    size_t count;
} packets_t;

static void packets_init(packets_t *pk)
{
    for (size_t i = 0; i < MAX_SLOTS; i++)
        pk->slots[i] = (peer__packet_slot_t){ .data = pk->storage[i], .cap = MTU };
    pk->count = 0;
}

static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static peer__packetizer_config_t video_config(peer__frame_signal_t signal, uint16_t *twcc)
{
    peer__packetizer_config_t c = peer__packetizer_config_default();
    c.kind = PEER__MEDIA_VIDEO;
    c.ssrc = 0x11223344;
    c.payload_type = 96;
    c.first_seq = 65530; /* wraps within the test */
    c.first_picture_id = 32766;
    c.mtu = MTU;
    c.signal = signal;
    c.ext_twcc = EXT_TWCC;
    c.ext_mid = EXT_MID;
    c.ext_rid = EXT_RID;
    c.ext_dd = EXT_DD;
    c.ext_frame_marking = EXT_FM;
    c.ext_abs_capture_time = EXT_ACT;
    c.mid = "v0";
    c.rid = "hi";
    c.twcc_seq = twcc;
    return c;
}

static void fill_frame(uint8_t *frame, size_t len, bool keyframe, uint32_t *rng)
{
    for (size_t i = 0; i < len; i++)
        frame[i] = (uint8_t)next_random(rng);
    /* VP8 P bit: 0 for a keyframe (what the clear-prefix check reads). */
    frame[0] = keyframe ? (uint8_t)(frame[0] & 0xfe) : (uint8_t)(frame[0] | 1);
}

/* The largest frame that still fits one packet. */
static size_t one_packet_max(const peer__packetizer_t *p, const peer__frame_meta_t *meta)
{
    size_t len = 1;
    while (peer__packetizer_count(p, meta, len + 1) == 1)
        len++;
    return len;
}

/* Checks the wire form of one frame's packets. */
static void check_video_packets(const packets_t *pk, const peer__packetizer_config_t *c,
                                const peer__frame_meta_t *meta, uint16_t first_seq,
                                uint16_t picture_id, uint16_t first_twcc)
{
    rtp_dd_structure_t structure;
    peer__dd_structure_l1t1(&structure);
    for (size_t i = 0; i < pk->count; i++) {
        const peer__packet_slot_t *s = &pk->slots[i];
        ck_assert_uint_le(s->len, MTU);
        rtp_header_t h;
        ck_assert_int_eq(rtp_parse(s->data, s->len, &h), RTP_OK);
        ck_assert_uint_eq(h.seq, (uint16_t)(first_seq + i));
        ck_assert_uint_eq(h.ssrc, c->ssrc);
        ck_assert_uint_eq(h.payload_type, c->payload_type);
        ck_assert_uint_eq(h.timestamp, meta->rtp_timestamp);
        ck_assert(h.marker == (i + 1 == pk->count));
        ck_assert_uint_eq(h.ext_profile, RTP_EXT_PROFILE_ONE_BYTE);

        rtp_vp8_desc_t d;
        size_t dlen = 0;
        ck_assert_int_eq(rtp_vp8_desc_parse(h.payload, h.payload_len, &d, &dlen), RTP_OK);
        ck_assert(d.start_of_partition == (i == 0));
        ck_assert_uint_eq(d.partition_index, 0);
        ck_assert(d.has_picture_id && d.picture_id_long);
        ck_assert_uint_eq(d.picture_id, picture_id);

        rtp_ext_elem_t e;
        uint16_t twcc = 0;
        ck_assert_int_eq(rtp_ext_find(&h, EXT_TWCC, &e), RTP_OK);
        ck_assert_int_eq(rtp_ext_twcc_seq_parse(&e, &twcc), RTP_OK);
        ck_assert_uint_eq(twcc, (uint16_t)(first_twcc + i));
        char text[32];
        ck_assert_int_eq(rtp_ext_find(&h, EXT_MID, &e), RTP_OK);
        ck_assert_int_eq(rtp_ext_mid_parse(&e, text, sizeof text), RTP_OK);
        ck_assert_str_eq(text, "v0");
        ck_assert_int_eq(rtp_ext_find(&h, EXT_RID, &e), RTP_OK);
        ck_assert_int_eq(rtp_ext_rid_parse(&e, text, sizeof text), RTP_OK);
        ck_assert_str_eq(text, "hi");
        ck_assert_int_eq(rtp_ext_find(&h, EXT_AUDIO, &e), RTP_ERR_NOT_FOUND);

        bool first = i == 0, last = i + 1 == pk->count;
        /* abs-capture-time on the first packet only, when the frame has one. */
        if (first && meta->has_capture_time) {
            uint64_t ntp = 0;
            bool has_offset = true;
            int64_t offset = 1;
            ck_assert_int_eq(rtp_ext_find(&h, EXT_ACT, &e), RTP_OK);
            ck_assert_int_eq(rtp_ext_abs_capture_time_parse(&e, &ntp, &has_offset, &offset),
                             RTP_OK);
            ck_assert_uint_eq(ntp, meta->capture_ntp_q32);
            ck_assert(!has_offset);
        } else {
            ck_assert_int_eq(rtp_ext_find(&h, EXT_ACT, &e), RTP_ERR_NOT_FOUND);
        }
        if (c->signal == PEER__SIGNAL_NONE) {
            /* Clear prefix: nothing but the VP8 descriptor and payload. */
            ck_assert_int_eq(rtp_ext_find(&h, EXT_DD, &e), RTP_ERR_NOT_FOUND);
            ck_assert_int_eq(rtp_ext_find(&h, EXT_FM, &e), RTP_ERR_NOT_FOUND);
        } else if (c->signal == PEER__SIGNAL_DD) {
            ck_assert_int_eq(rtp_ext_find(&h, EXT_FM, &e), RTP_ERR_NOT_FOUND);
            ck_assert_int_eq(rtp_ext_find(&h, EXT_DD, &e), RTP_OK);
            rtp_dd_t dd;
            ck_assert_int_eq(rtp_dd_parse(e.value, e.len, &structure, &dd, NULL), RTP_OK);
            ck_assert(dd.start_of_frame == first);
            ck_assert(dd.end_of_frame == last);
            ck_assert_uint_eq(dd.frame_number, meta->frame_number);
            ck_assert_uint_eq(dd.template_id, meta->keyframe ? 0 : 1);
            ck_assert(dd.has_structure == (first && meta->keyframe));
            ck_assert(rtp_dd_is_keyframe_start(&dd) == (first && meta->keyframe));
        } else {
            ck_assert_int_eq(rtp_ext_find(&h, EXT_DD, &e), RTP_ERR_NOT_FOUND);
            ck_assert_int_eq(rtp_ext_find(&h, EXT_FM, &e), RTP_OK);
            rtp_frame_marking_t fm;
            ck_assert_int_eq(rtp_ext_frame_marking_parse(&e, &fm), RTP_OK);
            ck_assert(fm.start_of_frame == first);
            ck_assert(fm.end_of_frame == last);
            ck_assert(fm.independent == meta->keyframe);
            ck_assert(!fm.discardable);
        }
    }
}

/* Given a packetizer and a depacketizer configured alike, when random-size
 * frames (1 byte, exactly one MTU, one byte more, up to 40 KiB) go through
 * both, then every frame comes out byte for byte with its metadata. */
static void round_trip(peer__frame_signal_t signal)
{
    uint16_t twcc = 65000;
    peer__packetizer_config_t c = video_config(signal, &twcc);
    peer__packetizer_t p;
    ck_assert_int_eq(peer__packetizer_init(&p, &c), RTP_OK);

    peer__jitter_buffer_config_t jc = peer__jitter_buffer_config_default(PEER__MEDIA_VIDEO);
    jc.signal = signal;
    jc.ext_dd = EXT_DD;
    jc.ext_frame_marking = EXT_FM;
    peer__jitter_buffer_t *jb = NULL;
    ck_assert_int_eq(peer__jitter_buffer_create(&jc, &jb), RTP_OK);

    static uint8_t frame[MAX_FRAME], out[MAX_FRAME];
    static packets_t pk;
    uint32_t rng = 12345;
    peer__frame_meta_t probe = { .keyframe = false, .has_capture_time = true };
    size_t full = one_packet_max(&p, &probe);
    peer__frame_meta_t key_probe = { .keyframe = true, .has_capture_time = true };
    size_t key_full = one_packet_max(&p, &key_probe);
    /* A keyframe's first packet carries the DD structure: less room. */
    if (signal == PEER__SIGNAL_DD)
        ck_assert_uint_lt(key_full, full);

    uint16_t seq = c.first_seq;
    uint16_t pid = c.first_picture_id;
    for (uint32_t n = 0; n < 60; n++) {
        bool key = n % 20 == 0;
        size_t len;
        switch (n % 6) {
        case 1:
            len = 1;
            break;
        case 2:
            len = key ? key_full : full;
            break;
        case 3:
            len = (key ? key_full : full) + 1;
            break;
        default:
            len = 1 + next_random(&rng) % MAX_FRAME;
        }
        fill_frame(frame, len, key, &rng);
        peer__frame_meta_t meta = {
            .keyframe = key,
            .frame_number = (uint16_t)(1000 + n),
            .rtp_timestamp = 90000u * n / 30u,
            .has_capture_time = n % 6 != 4,
            .capture_ntp_q32 = rtp_ntp_q32_from_us(1000000ull * n / 30u),
        };
        size_t expect = peer__packetizer_count(&p, &meta, len);
        packets_init(&pk);
        uint16_t first_twcc = twcc;
        ck_assert_int_eq(peer__packetize(&p, &meta, frame, len, pk.slots, MAX_SLOTS, &pk.count),
                         RTP_OK);
        ck_assert_uint_eq(pk.count, expect);
        if (len == 1 || n % 6 == 2)
            ck_assert_uint_eq(pk.count, 1);
        if (n % 6 == 2)
            ck_assert_uint_eq(pk.slots[0].len, MTU); /* exactly one MTU */
        if (n % 6 == 3)
            ck_assert_uint_eq(pk.count, 2);
        ck_assert_uint_eq(twcc, (uint16_t)(first_twcc + pk.count));
        check_video_packets(&pk, &c, &meta, seq, pid, first_twcc);
        seq = (uint16_t)(seq + pk.count);
        pid = (uint16_t)((pid + 1) & 0x7fff);

        for (size_t i = 0; i < pk.count; i++)
            ck_assert_int_eq(
                peer__jitter_buffer_receive(jb, pk.slots[i].data, pk.slots[i].len, n * 33000u),
                PEER__JB_RX_STORED);
        peer__jb_frame_t f;
        ck_assert_int_eq(peer__jitter_buffer_pop(jb, n * 33000u, out, sizeof out, &f), RTP_OK);
        ck_assert_uint_eq(f.size, len);
        ck_assert_mem_eq(out, frame, len);
        ck_assert(f.keyframe == key);
        ck_assert_uint_eq(f.rtp_timestamp, meta.rtp_timestamp);
        ck_assert_uint_eq(f.packets, pk.count);
        if (signal == PEER__SIGNAL_DD)
            ck_assert_uint_eq(f.frame_number, meta.frame_number);
        ck_assert_int_eq(peer__jitter_buffer_pop(jb, n * 33000u, out, sizeof out, &f), RTP_ERR_END);
    }
    ck_assert_uint_eq(peer__jitter_buffer_stats(jb)->frames_released, 60);
    ck_assert_uint_eq(peer__jitter_buffer_stats(jb)->plis, 0);
    peer__jitter_buffer_destroy(jb);
}

START_TEST(vp8_round_trip_with_dd)
{
    round_trip(PEER__SIGNAL_DD);
}
END_TEST

START_TEST(vp8_round_trip_with_frame_marking)
{
    round_trip(PEER__SIGNAL_FRAME_MARKING);
}
END_TEST

/* Insertable-legacy's clear prefix: no extension signals the frame; the
 * depacketizer reads the VP8 P bit of the first payload byte. */
START_TEST(vp8_round_trip_with_clear_prefix)
{
    round_trip(PEER__SIGNAL_NONE);
}
END_TEST

START_TEST(vp8_tl0picidx_and_tid)
{
    peer__packetizer_config_t c = video_config(PEER__SIGNAL_NONE, NULL);
    c.vp8_tl0picidx = true;
    c.first_tl0picidx = 254;
    peer__packetizer_t p;
    ck_assert_int_eq(peer__packetizer_init(&p, &c), RTP_OK);
    static packets_t pk;
    uint8_t frame[3000];
    memset(frame, 0x5a, sizeof frame);
    for (unsigned n = 0; n < 4; n++) {
        packets_init(&pk);
        peer__frame_meta_t meta = { .keyframe = n == 0, .rtp_timestamp = n * 3000u };
        ck_assert_int_eq(
            peer__packetize(&p, &meta, frame, sizeof frame, pk.slots, MAX_SLOTS, &pk.count),
            RTP_OK);
        ck_assert_uint_eq(pk.count, 3);
        for (size_t i = 0; i < pk.count; i++) {
            rtp_header_t h;
            ck_assert_int_eq(rtp_parse(pk.slots[i].data, pk.slots[i].len, &h), RTP_OK);
            /* No TWCC counter and no signal: only mid and rid. */
            rtp_ext_elem_t e;
            ck_assert_int_eq(rtp_ext_find(&h, EXT_TWCC, &e), RTP_ERR_NOT_FOUND);
            ck_assert_int_eq(rtp_ext_find(&h, EXT_DD, &e), RTP_ERR_NOT_FOUND);
            ck_assert_int_eq(rtp_ext_find(&h, EXT_FM, &e), RTP_ERR_NOT_FOUND);
            rtp_vp8_desc_t d;
            size_t dlen = 0;
            ck_assert_int_eq(rtp_vp8_desc_parse(h.payload, h.payload_len, &d, &dlen), RTP_OK);
            ck_assert_uint_eq(dlen, 6);
            ck_assert(d.has_tl0picidx && d.has_tid);
            ck_assert_uint_eq(d.tid, 0);
            ck_assert_uint_eq(d.tl0picidx, (uint8_t)(254 + n));
            ck_assert_uint_eq(d.picture_id, (uint16_t)((32766 + n) & 0x7fff));
        }
    }
}
END_TEST

START_TEST(mid_rid_only_on_first_packets)
{
    peer__packetizer_config_t c = video_config(PEER__SIGNAL_NONE, NULL);
    c.mid_rid_packets = 2;
    peer__packetizer_t p;
    ck_assert_int_eq(peer__packetizer_init(&p, &c), RTP_OK);
    static packets_t pk;
    uint8_t frame[2500];
    memset(frame, 1, sizeof frame);
    packets_init(&pk);
    peer__frame_meta_t meta = { .keyframe = true };
    ck_assert_int_eq(
        peer__packetize(&p, &meta, frame, sizeof frame, pk.slots, MAX_SLOTS, &pk.count), RTP_OK);
    ck_assert_uint_eq(pk.count, 3);
    for (size_t i = 0; i < pk.count; i++) {
        rtp_header_t h;
        ck_assert_int_eq(rtp_parse(pk.slots[i].data, pk.slots[i].len, &h), RTP_OK);
        rtp_ext_elem_t e;
        ck_assert_int_eq(rtp_ext_find(&h, EXT_MID, &e), i < 2 ? RTP_OK : RTP_ERR_NOT_FOUND);
        ck_assert_int_eq(rtp_ext_find(&h, EXT_RID, &e), i < 2 ? RTP_OK : RTP_ERR_NOT_FOUND);
        /* The packet without ids is fuller: the MTU is used. */
        if (i == 1)
            ck_assert_uint_eq(pk.slots[i].len, MTU);
    }
}
END_TEST

START_TEST(failure_consumes_nothing)
{
    uint16_t twcc = 7;
    peer__packetizer_config_t c = video_config(PEER__SIGNAL_DD, &twcc);
    peer__packetizer_t p;
    ck_assert_int_eq(peer__packetizer_init(&p, &c), RTP_OK);
    static packets_t pk;
    static uint8_t frame[5000];
    packets_init(&pk);
    peer__frame_meta_t meta = { .keyframe = true };
    size_t n = 0;
    ck_assert_int_eq(peer__packetize(&p, &meta, frame, sizeof frame, pk.slots, 2, &n),
                     RTP_ERR_NO_SPACE);
    pk.slots[3].cap = 100; /* too small for its packet */
    ck_assert_int_eq(peer__packetize(&p, &meta, frame, sizeof frame, pk.slots, MAX_SLOTS, &n),
                     RTP_ERR_NO_SPACE);
    ck_assert_int_eq(peer__packetize(&p, &meta, frame, 0, pk.slots, MAX_SLOTS, &n),
                     RTP_ERR_INVALID_ARG);
    ck_assert_uint_eq(twcc, 7);
    ck_assert_uint_eq(p.next_seq, c.first_seq);
    ck_assert_uint_eq(p.picture_id, c.first_picture_id);
    packets_init(&pk);
    ck_assert_int_eq(peer__packetize(&p, &meta, frame, sizeof frame, pk.slots, MAX_SLOTS, &n),
                     RTP_OK);
    ck_assert_uint_eq(n, 5);
    ck_assert_uint_eq(twcc, 12);
}
END_TEST

START_TEST(bad_configs_rejected)
{
    peer__packetizer_t p;
    peer__packetizer_config_t c = video_config(PEER__SIGNAL_DD, NULL);
    c.ext_rid = EXT_MID;
    ck_assert_int_eq(peer__packetizer_init(&p, &c), RTP_ERR_INVALID_ARG);
    c = video_config(PEER__SIGNAL_DD, NULL);
    c.ext_twcc = 15;
    ck_assert_int_eq(peer__packetizer_init(&p, &c), RTP_ERR_INVALID_ARG);
    c = video_config(PEER__SIGNAL_DD, NULL);
    c.rid = "a rid with spaces";
    ck_assert_int_eq(peer__packetizer_init(&p, &c), RTP_ERR_INVALID_ARG);
    c = video_config(PEER__SIGNAL_DD, NULL);
    c.mid = "0123456789abcdefg"; /* 17 bytes: no one-byte element holds it */
    ck_assert_int_eq(peer__packetizer_init(&p, &c), RTP_ERR_INVALID_ARG);
    c = video_config(PEER__SIGNAL_DD, NULL);
    c.mtu = 40;
    ck_assert_int_eq(peer__packetizer_init(&p, &c), RTP_ERR_INVALID_ARG);
    c = video_config(PEER__SIGNAL_DD, NULL);
    c.ext_abs_capture_time = EXT_DD;
    ck_assert_int_eq(peer__packetizer_init(&p, &c), RTP_ERR_INVALID_ARG);
}
END_TEST

/* Opus: one frame per packet, audio level, marker on the first packet and
 * on a talkspurt start; round trip through an audio jitter buffer. */
START_TEST(opus_round_trip)
{
    uint16_t twcc = 0;
    peer__packetizer_config_t c = peer__packetizer_config_default();
    c.kind = PEER__MEDIA_AUDIO;
    c.ssrc = 42;
    c.payload_type = 111;
    c.ext_audio_level = EXT_AUDIO;
    c.ext_twcc = EXT_TWCC;
    c.ext_mid = EXT_MID;
    c.ext_dd = EXT_DD; /* ignored for audio */
    c.signal = PEER__SIGNAL_DD;
    c.mid = "a0";
    c.twcc_seq = &twcc;
    peer__packetizer_t p;
    ck_assert_int_eq(peer__packetizer_init(&p, &c), RTP_OK);

    peer__jitter_buffer_t *jb = NULL;
    peer__jitter_buffer_config_t jc = peer__jitter_buffer_config_default(PEER__MEDIA_AUDIO);
    ck_assert_int_eq(peer__jitter_buffer_create(&jc, &jb), RTP_OK);

    static packets_t pk;
    static uint8_t frame[MTU], out[MTU];
    uint32_t rng = 99;
    peer__frame_meta_t probe = { .voice = true };
    size_t full = one_packet_max(&p, &probe);
    for (uint32_t n = 0; n < 40; n++) {
        size_t len = n == 1 ? 1 : n == 2 ? full : 1 + next_random(&rng) % 300;
        fill_frame(frame, len, false, &rng);
        peer__frame_meta_t meta = {
            .rtp_timestamp = 960u * n,
            .voice = n % 2 == 0,
            .audio_level_dbov = (uint8_t)(n * 3),
            .talkspurt_start = n == 10,
        };
        packets_init(&pk);
        ck_assert_int_eq(peer__packetize(&p, &meta, frame, len, pk.slots, MAX_SLOTS, &pk.count),
                         RTP_OK);
        ck_assert_uint_eq(pk.count, 1);
        if (n == 2)
            ck_assert_uint_eq(pk.slots[0].len, MTU);
        rtp_header_t h;
        ck_assert_int_eq(rtp_parse(pk.slots[0].data, pk.slots[0].len, &h), RTP_OK);
        ck_assert(h.marker == (n == 0 || n == 10));
        ck_assert_uint_eq(h.payload_len, len);
        ck_assert_mem_eq(h.payload, frame, len);
        rtp_ext_elem_t e;
        bool voice = false;
        uint8_t level = 0;
        ck_assert_int_eq(rtp_ext_find(&h, EXT_AUDIO, &e), RTP_OK);
        ck_assert_int_eq(rtp_ext_audio_level_parse(&e, &voice, &level), RTP_OK);
        ck_assert(voice == meta.voice);
        ck_assert_uint_eq(level, meta.audio_level_dbov);
        ck_assert_int_eq(rtp_ext_find(&h, EXT_DD, &e), RTP_ERR_NOT_FOUND);
        uint16_t tw = 0;
        ck_assert_int_eq(rtp_ext_find(&h, EXT_TWCC, &e), RTP_OK);
        ck_assert_int_eq(rtp_ext_twcc_seq_parse(&e, &tw), RTP_OK);
        ck_assert_uint_eq(tw, n);

        uint64_t now = 20000u * n;
        ck_assert_int_eq(peer__jitter_buffer_receive(jb, pk.slots[0].data, pk.slots[0].len, now),
                         PEER__JB_RX_STORED);
        peer__jb_frame_t f;
        /* Played after the playout delay, never before. */
        ck_assert_int_eq(peer__jitter_buffer_pop(jb, now, out, sizeof out, &f), RTP_ERR_END);
        uint64_t at = peer__jitter_buffer_next_event_us(jb);
        ck_assert_uint_gt(at, now);
        ck_assert_uint_le(at, now + 200000u);
        ck_assert_int_eq(peer__jitter_buffer_pop(jb, at, out, sizeof out, &f), RTP_OK);
        ck_assert(!f.lost);
        ck_assert_uint_eq(f.size, len);
        ck_assert_mem_eq(out, frame, len);
        ck_assert_uint_eq(f.rtp_timestamp, meta.rtp_timestamp);
    }
    /* A frame too large for one packet is refused. */
    static uint8_t big[MTU + 1];
    size_t count = 0;
    peer__frame_meta_t meta = { .voice = true };
    ck_assert_int_eq(peer__packetize(&p, &meta, big, full + 1, pk.slots, MAX_SLOTS, &count),
                     RTP_ERR_INVALID_ARG);
    ck_assert_uint_eq(peer__packetizer_count(&p, &meta, full + 1), 0);
    peer__jitter_buffer_destroy(jb);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("packetizer");
    TCase *tc = tcase_create("packetizer");
    tcase_add_test(tc, vp8_round_trip_with_dd);
    tcase_add_test(tc, vp8_round_trip_with_frame_marking);
    tcase_add_test(tc, vp8_round_trip_with_clear_prefix);
    tcase_add_test(tc, vp8_tl0picidx_and_tid);
    tcase_add_test(tc, mid_rid_only_on_first_packets);
    tcase_add_test(tc, failure_consumes_nothing);
    tcase_add_test(tc, bad_configs_rejected);
    tcase_add_test(tc, opus_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
