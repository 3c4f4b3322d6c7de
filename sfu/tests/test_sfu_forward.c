/* The SFU core's forwarding, end to end with crafted packets and a fake
 * clock (SRTP profile none): anti-spoofing, audio fan-out, the observer's
 * exactly-once view, per-subscriber extension IDs and transport-wide
 * sequence numbers, abs-send-time restamped and abs-capture-time kept, keyframe-gated simulcast
 * switches with continuous seq/timestamp/picture ID, keyframe requests while a switch is pending,
 * and last-N by smoothed audio level. */
#include "sfu/tests/sfu_test_util.h"

static t_sink_t sink;
static t_observer_t obs;

static sfu_room_t *audio_room(unsigned n_subscribers)
{
    t_sink_reset(&sink);
    memset(&obs, 0, sizeof(obs));
    sfu_config_t config = sfu_config_default();
    sfu_room_t *room = t_room(&config, &sink, &obs);
    t_add(room, 1);
    t_declare_audio(room, 1);
    for (uint32_t s = 2; s < 2 + n_subscribers; s++) {
        t_add(room, s);
        t_subscribe(room, s, 1, 1, 0);
    }
    return room;
}

static t_rtp_t audio_packet(uint32_t pub, uint16_t seq, int level)
{
    t_rtp_t r = t_rtp_default();
    r.ssrc = pub * 1000u + 1u;
    r.pt = 111;
    r.seq = seq;
    r.ts = 960u * seq;
    r.audio_level = level;
    r.payload_len = 60;
    return r;
}

START_TEST(spoofed_ssrc_is_dropped)
{
    /* Given publisher 1 with an audio track and participant 2 subscribed */
    sfu_room_t *room = audio_room(1);
    /* When participant 2 sends with 1's SSRC, and 1 sends an undeclared SSRC */
    t_rtp_t r = audio_packet(1, 1, 30);
    t_input(room, 2, 0, &r);
    r.ssrc = 4242;
    t_input(room, 1, 0, &r);
    /* And an unknown participant sends */
    t_rtp_t ok = audio_packet(1, 1, 30);
    t_input(room, 99, 0, &ok);
    /* Then nothing is forwarded or observed, and each drop is counted */
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_eq(sink.count, 0);
    ck_assert_uint_eq(obs.count, 0);
    ck_assert_uint_eq(s.dropped.spoofed_ssrc, 1);
    ck_assert_uint_eq(s.dropped.unknown_ssrc, 2); /* includes the spoofed one */
    ck_assert_uint_eq(s.dropped.unknown_participant, 1);
    ck_assert_uint_eq(s.packets_in, 3);
    /* And the genuine packet from the genuine sender goes through */
    t_input(room, 1, 0, &ok);
    ck_assert_uint_eq(sink.count, 1);
    sfu_room_free(room);
}
END_TEST

START_TEST(audio_fans_out_to_every_subscriber)
{
    /* Given one audio publisher and four subscribers */
    sfu_room_t *room = audio_room(4);
    /* When 20 packets arrive, seq crossing 65535 -> 0 */
    for (unsigned i = 0; i < 20; i++) {
        t_rtp_t r = audio_packet(1, (uint16_t)(65530u + i), 40);
        t_input(room, 1, i * 20u * T_MS, &r);
    }
    /* Then each subscriber got all 20, on its own SSRC, seq +1 each */
    ck_assert_uint_eq(sink.count, 80);
    for (uint32_t s = 2; s < 6; s++)
        ck_assert_uint_eq(sink.per_participant[s], 20);
    uint16_t last_seq[6] = { 0 };
    bool seen[6] = { false };
    for (size_t i = 0; i < sink.count; i++) {
        const t_captured_t *c = &sink.packets[i];
        rtp_header_t h;
        ck_assert_int_eq(rtp_parse(c->bytes, c->len, &h), RTP_OK);
        ck_assert_uint_eq(h.ssrc, t_sub_ssrc(c->to, 1, 1));
        if (seen[c->to])
            ck_assert_uint_eq(h.seq, (uint16_t)(last_seq[c->to] + 1));
        else
            ck_assert_uint_eq(h.seq, 1000);
        seen[c->to] = true;
        last_seq[c->to] = h.seq;
    }
    /* And the observer saw each media packet exactly once */
    ck_assert_uint_eq(obs.count, 20);
    ck_assert_uint_eq(obs.last_participant, 1);
    ck_assert_uint_eq(obs.last_track, 1);
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_eq(s.packets_out, 80);
    ck_assert_uint_eq(s.observed, 20);
    sfu_room_free(room);
}
END_TEST

START_TEST(extension_ids_and_twcc_are_per_subscriber)
{
    t_sink_reset(&sink);
    sfu_config_t config = sfu_config_default();
    sfu_room_t *room = t_room(&config, &sink, NULL);
    t_add(room, 1);
    t_add(room, 2);
    t_add(room, 3);
    t_declare_audio(room, 1);
    /* Given subscriber 2 with its own IDs (audio level 5, twcc 9) and
     * subscriber 3 with the publisher's */
    sfu_subscription_config_t sc = { .ssrc = 777, .first_seq = 1, .has_ext_map = true };
    sc.ext.audio_level = 5;
    sc.ext.twcc = 9;
    ck_assert_int_eq(sfu_subscribe(room, 2, 1, 1, &sc), SFU_OK);
    t_subscribe(room, 3, 1, 1, 0);
    /* When packets carry twcc 500.. from the publisher */
    for (unsigned i = 0; i < 3; i++) {
        t_rtp_t r = audio_packet(1, (uint16_t)i, 33);
        r.twcc = 500 + (int)i;
        t_input(room, 1, i * 20u * T_MS, &r);
    }
    /* Then subscriber 2 sees level under ID 5, its own twcc 0,1,2 under ID 9 */
    unsigned twcc2 = 0, twcc3 = 0;
    for (size_t i = 0; i < sink.count; i++) {
        const t_captured_t *c = &sink.packets[i];
        rtp_header_t h;
        rtp_ext_elem_t e;
        uint16_t tw;
        ck_assert_int_eq(rtp_parse(c->bytes, c->len, &h), RTP_OK);
        if (c->to == 2) {
            ck_assert_int_eq(rtp_ext_find(&h, 5, &e), RTP_OK);
            bool voice;
            uint8_t level;
            ck_assert_int_eq(rtp_ext_audio_level_parse(&e, &voice, &level), RTP_OK);
            ck_assert_uint_eq(level, 33);
            ck_assert_int_eq(rtp_ext_find(&h, T_EXT_AUDIO_LEVEL, &e), RTP_ERR_NOT_FOUND);
            ck_assert_int_eq(rtp_ext_find(&h, 9, &e), RTP_OK);
            ck_assert_int_eq(rtp_ext_twcc_seq_parse(&e, &tw), RTP_OK);
            ck_assert_uint_eq(tw, twcc2++);
        } else {
            ck_assert_int_eq(rtp_ext_find(&h, T_EXT_TWCC, &e), RTP_OK);
            ck_assert_int_eq(rtp_ext_twcc_seq_parse(&e, &tw), RTP_OK);
            ck_assert_uint_eq(tw, twcc3++);
        }
    }
    ck_assert_uint_eq(twcc2, 3);
    ck_assert_uint_eq(twcc3, 3);
    sfu_room_free(room);
}
END_TEST

/* --- Simulcast ------------------------------------------------------------ */

typedef struct pub_state {
    uint16_t seq[3];
    uint32_t ts;
    uint16_t picture_id[3];
    uint8_t tl0[3];
} pub_state_t;

/* One frame (2 packets) on each of the 3 layers; keyframe on `key_layer`
 * (-1: none). Signalled both by frame marking and the VP8 P bit. */
static void send_frame(sfu_room_t *room, pub_state_t *ps, int key_layer, uint64_t now_us)
{
    for (unsigned l = 0; l < 3; l++) {
        for (unsigned k = 0; k < 2; k++) {
            t_rtp_t r = t_rtp_default();
            r.ssrc = 1000u + 10u + l;
            r.seq = ps->seq[l]++;
            r.ts = ps->ts + l * 7u; /* layers need not share timestamps */
            r.marker = k == 1;
            r.vp8 = true;
            r.vp8_start = k == 0;
            r.vp8_keyframe = (int)l == key_layer;
            r.picture_id = ps->picture_id[l];
            r.tl0picidx = ps->tl0[l];
            r.frame_marking = true;
            r.fm_start = k == 0;
            r.fm_independent = (int)l == key_layer;
            r.payload_len = 100 + 100 * l;
            t_input(room, 1, now_us, &r);
        }
        ps->picture_id[l] = (uint16_t)((ps->picture_id[l] + 1) & 0x7fff);
        ps->tl0[l]++;
    }
    ps->ts += 3000;
}

static void simulcast_switches(sfu_keyframe_signal_t signal)
{
    t_sink_reset(&sink);
    memset(&obs, 0, sizeof(obs));
    sfu_config_t config = sfu_config_default();
    config.pli_min_interval_ms = 100;
    sfu_room_t *room = t_room(&config, &sink, &obs);
    t_add(room, 1);
    t_add(room, 2);
    t_declare_video(room, 1, 3, signal);
    t_subscribe(room, 2, 1, 2, 0);
    /* Layer sequence numbers and picture IDs start near their wrap */
    pub_state_t ps = { .seq = { 65500, 30000, 65000 },
                       .ts = 4294960000u,
                       .picture_id = { 32700, 100, 32760 },
                       .tl0 = { 250, 3, 255 } };
    uint64_t now = 0;
    send_frame(room, &ps, 0, now);
    uint32_t srand_state = 12345;
    bool have_prev = false;
    uint16_t prev_seq = 0, prev_pid = 0;
    uint32_t prev_ts = 0;
    size_t checked = 0;
    unsigned switches = 0;
    for (unsigned round = 0; round < 50; round++) {
        srand_state = srand_state * 1103515245u + 12345u;
        unsigned target = (srand_state >> 16) % 3;
        ck_assert_int_eq(sfu_set_preferred_layer(room, 2, 1, 2, target), SFU_OK);
        /* Delta frames first: the switch must wait */
        for (unsigned f = 0; f < 3; f++) {
            now += 33 * T_MS;
            send_frame(room, &ps, -1, now);
        }
        now += 33 * T_MS;
        send_frame(room, &ps, (int)target, now);
        now += 33 * T_MS;
        send_frame(room, &ps, -1, now);
        /* Check everything sent to the subscriber since last round */
        for (; checked < sink.count; checked++) {
            const t_captured_t *c = &sink.packets[checked % T_MAX_CAPTURED];
            if (c->to != 2)
                continue;
            rtp_header_t h;
            rtp_vp8_desc_t d;
            size_t dl;
            ck_assert_int_eq(rtp_parse(c->bytes, c->len, &h), RTP_OK);
            ck_assert_uint_eq(h.ssrc, t_sub_ssrc(2, 1, 2));
            ck_assert_int_eq(rtp_vp8_desc_parse(h.payload, h.payload_len, &d, &dl), RTP_OK);
            ck_assert(d.picture_id_long);
            if (have_prev) {
                ck_assert_uint_eq(h.seq, (uint16_t)(prev_seq + 1));
                ck_assert(h.timestamp - prev_ts < 0x80000000u); /* monotonic */
                uint16_t step = (uint16_t)((d.picture_id - prev_pid) & 0x7fff);
                ck_assert(step == 0 || step == 1);
            }
            have_prev = true;
            prev_seq = h.seq;
            prev_ts = h.timestamp;
            prev_pid = d.picture_id;
        }
        ck_assert_uint_lt(sink.count - checked, T_MAX_CAPTURED);
        switches++;
    }
    (void)switches;
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_gt(s.layer_switches, 10);
    /* The subscriber saw whole frames: 2 packets per frame, 5 frames per
     * round plus the first keyframe, and in a round that switches up, the
     * old layer's frame sent just before the new layer's keyframe */
    ck_assert_uint_ge(sink.per_participant[2], 2u + 50u * 5u * 2u);
    ck_assert_uint_le(sink.per_participant[2], 2u + 50u * 6u * 2u);
    ck_assert_uint_eq(sink.per_participant[2] % 2u, 0);
    /* Every packet of every layer was observed exactly once */
    ck_assert_uint_eq(obs.count, 6u + 50u * 5u * 6u);
    /* And pending switches asked the publisher for keyframes, throttled */
    ck_assert_uint_gt(s.plis_forwarded, 0);
    ck_assert_uint_gt(sink.per_participant[1], 0);
    sfu_room_free(room);
}

START_TEST(layer_switches_wait_for_keyframe_frame_marking)
{
    simulcast_switches(SFU_KEYFRAME_FRAME_MARKING);
}
END_TEST

START_TEST(layer_switches_wait_for_keyframe_vp8_clear_prefix)
{
    simulcast_switches(SFU_KEYFRAME_CLEAR_PREFIX);
}
END_TEST

START_TEST(pending_switch_requests_a_keyframe)
{
    t_sink_reset(&sink);
    sfu_config_t config = sfu_config_default();
    sfu_room_t *room = t_room(&config, &sink, NULL);
    t_add(room, 1);
    t_add(room, 2);
    t_declare_video(room, 1, 3, SFU_KEYFRAME_FRAME_MARKING);
    t_subscribe(room, 2, 1, 2, 2);
    /* When only delta frames arrive on the wanted layer */
    pub_state_t ps = { .seq = { 1, 1, 1 } };
    send_frame(room, &ps, -1, 0);
    /* Then nothing is forwarded and one PLI went to the publisher for layer 2 */
    ck_assert_uint_eq(sink.per_participant[2], 0);
    ck_assert_uint_eq(sink.per_participant[1], 1);
    const t_captured_t *c = t_sink_back(&sink, 0);
    rtp_rtcp_packet_t pkt;
    rtp_rtcp_msg_t msg;
    ck_assert_int_eq(rtp_rtcp_packet_parse(c->bytes, c->len, &pkt), RTP_OK);
    ck_assert_int_eq(rtp_rtcp_parse(&pkt, &msg), RTP_OK);
    ck_assert_int_eq(msg.kind, RTP_RTCP_KIND_PLI);
    ck_assert_uint_eq(msg.u.pli.media_ssrc, 1012);
    /* And a second delta frame soon after is throttled */
    send_frame(room, &ps, -1, 10 * T_MS);
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_eq(s.plis_forwarded, 1);
    ck_assert_uint_ge(s.plis_suppressed, 1);
    /* And every copy held back is counted: 2 frames of 2 packets on layer 2
     * wait for a keyframe, those of layers 0 and 1 are not selected */
    ck_assert_uint_eq(s.dropped.wait_keyframe, 4);
    ck_assert_uint_eq(s.dropped.not_selected, 8);
    sfu_room_free(room);
}
END_TEST

/* Without a readable keyframe signal (the replay of an H264 or encrypted
 * capture), a one-layer video track goes to its subscribers from its first
 * packet, whatever that packet holds; more layers are refused. */
START_TEST(keyframe_signal_none_forwards_from_the_first_packet)
{
    t_sink_reset(&sink);
    sfu_config_t config = sfu_config_default();
    sfu_room_t *room = t_room(&config, &sink, NULL);
    t_add(room, 1);
    t_add(room, 2);
    sfu_track_config_t t = sfu_track_config_default();
    t.track_id = 2;
    t.n_layers = 2;
    t.layers[0].ssrc = 1010;
    t.layers[1].ssrc = 1011;
    t.keyframe_signal = SFU_KEYFRAME_NONE;
    ck_assert_int_eq(sfu_declare_track(room, 1, &t), SFU_ERR_INVALID_ARG);
    t.n_layers = 1;
    t.vp8 = false;
    ck_assert_int_eq(sfu_declare_track(room, 1, &t), SFU_OK);
    t_subscribe(room, 2, 1, 2, 0);
    for (uint16_t i = 0; i < 5; i++) {
        t_rtp_t r = t_rtp_default();
        r.ssrc = 1010;
        r.seq = (uint16_t)(100 + i);
        r.ts = 9000u * i;
        uint8_t buf[T_MAX_PKT];
        size_t len = t_build_rtp(&r, buf, sizeof(buf));
        ck_assert_int_eq(sfu_input(room, 1, i * 33 * T_MS, buf, len), SFU_OK);
    }
    ck_assert_uint_eq(sink.per_participant[2], 5);
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_eq(s.dropped.wait_keyframe, 0);
    ck_assert_uint_eq(s.keyframes_in, 0);
    ck_assert_uint_eq(s.plis_forwarded, 0);
    sfu_room_free(room);
}
END_TEST

/* A one-template (L1T1) dependency descriptor; the keyframe carries the
 * structure, which is what marks it (AV1 RTP spec A.8.3). */
static size_t make_dd(bool key, uint16_t frame_number, uint8_t *out)
{
    static rtp_dd_structure_t st;
    memset(&st, 0, sizeof(st));
    st.dt_count = 1;
    st.template_count = 1;
    st.templates[0].dtis[0] = RTP_DD_DTI_SWITCH;
    static rtp_dd_t dd;
    memset(&dd, 0, sizeof(dd));
    ck_assert_int_eq(rtp_dd_from_template(&st, 0, &dd), RTP_OK);
    dd.start_of_frame = true;
    dd.end_of_frame = true;
    dd.frame_number = frame_number;
    dd.has_structure = key;
    size_t len = 0;
    ck_assert_int_eq(rtp_dd_write(&dd, &st, out, 16, &len), RTP_OK);
    return len;
}

START_TEST(layer_switch_at_dependency_descriptor_keyframe)
{
    t_sink_reset(&sink);
    sfu_config_t config = sfu_config_default();
    sfu_room_t *room = t_room(&config, &sink, NULL);
    t_add(room, 1);
    t_add(room, 2);
    t_declare_video(room, 1, 3, SFU_KEYFRAME_DEPENDENCY_DESCRIPTOR);
    t_subscribe(room, 2, 1, 2, 0);
    /* Each layer numbers its frames on its own; one packet per frame */
    uint16_t fn[3] = { 100, 40000, 65530 };
    uint16_t seq[3] = { 1, 500, 9000 };
    bool have_prev = false;
    uint16_t prev_fn = 0;
    unsigned forwarded = 0;
    for (unsigned f = 0; f < 40; f++) {
        if (f == 10)
            ck_assert_int_eq(sfu_set_preferred_layer(room, 2, 1, 2, 2), SFU_OK);
        if (f == 25)
            ck_assert_int_eq(sfu_set_preferred_layer(room, 2, 1, 2, 1), SFU_OK);
        for (unsigned l = 0; l < 3; l++) {
            /* keyframes: layer 0 at frame 0, layer 2 at 15, layer 1 at 30 */
            bool key = (l == 0 && f == 0) || (l == 2 && f == 15) || (l == 1 && f == 30);
            uint8_t dd[16];
            t_rtp_t r = t_rtp_default();
            r.ssrc = 1010u + l;
            r.seq = seq[l]++;
            r.ts = 3000u * f;
            r.vp8 = r.vp8_start = true;
            r.vp8_keyframe = key;
            r.dd = dd;
            r.dd_len = make_dd(key, fn[l]++, dd);
            size_t before = sink.per_participant[2];
            t_input(room, 1, f * 33u * T_MS, &r);
            if (sink.per_participant[2] == before)
                continue;
            /* Then the old layer flows until the wanted one's keyframe
             * (in frame 15, layer 0 is sent before layer 2's keyframe),
             * and the frame number runs on by one */
            unsigned want = f < 15 || (f == 15 && l == 0) ? 0 : f < 30 ? 2 : 1;
            ck_assert_uint_eq(l, want);
            const t_captured_t *c = t_sink_back(&sink, 0);
            rtp_header_t h;
            rtp_ext_elem_t e;
            ck_assert_int_eq(rtp_parse(c->bytes, c->len, &h), RTP_OK);
            ck_assert_int_eq(rtp_ext_find(&h, T_EXT_DD, &e), RTP_OK);
            uint16_t out_fn = (uint16_t)(e.value[1] << 8 | e.value[2]);
            if (have_prev)
                ck_assert_uint_eq(out_fn, (uint16_t)(prev_fn + 1));
            have_prev = true;
            prev_fn = out_fn;
            forwarded++;
        }
    }
    ck_assert_uint_eq(forwarded, 41);
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_eq(s.layer_switches, 2);
    ck_assert_uint_eq(s.keyframes_in, 3);
    sfu_room_free(room);
}
END_TEST

static unsigned hook_layer;
static unsigned hook_calls;

static unsigned bandwidth_hook(void *ctx, uint32_t subscriber_id, uint32_t publisher_id,
                               uint32_t track_id, unsigned n_layers, uint64_t now_us)
{
    (void)ctx, (void)now_us;
    ck_assert_uint_eq(subscriber_id, 2);
    ck_assert_uint_eq(publisher_id, 1);
    ck_assert_uint_eq(track_id, 2);
    ck_assert_uint_eq(n_layers, 3);
    hook_calls++;
    return hook_layer;
}

START_TEST(bandwidth_hook_picks_the_layer)
{
    t_sink_reset(&sink);
    sfu_config_t config = sfu_config_default();
    config.layer_selection = SFU_LAYER_BANDWIDTH;
    config.bandwidth = bandwidth_hook;
    sfu_room_t *room = t_room(&config, &sink, NULL);
    t_add(room, 1);
    t_add(room, 2);
    t_declare_video(room, 1, 3, SFU_KEYFRAME_FRAME_MARKING);
    t_subscribe(room, 2, 1, 2, 0);
    /* Given the hook wants layer 1, and keyframes on every layer */
    hook_layer = 1;
    pub_state_t ps = { .seq = { 1, 100, 200 } };
    send_frame(room, &ps, 0, 0);
    send_frame(room, &ps, 1, 33 * T_MS);
    /* Then the subscriber gets layer 1's frame only... */
    ck_assert_uint_eq(sink.per_participant[2], 2);
    /* ...until the hook changes its mind and layer 2 has a keyframe */
    hook_layer = 2;
    send_frame(room, &ps, -1, 66 * T_MS);
    send_frame(room, &ps, 2, 99 * T_MS);
    ck_assert_uint_eq(sink.per_participant[2], 2u + 2u + 2u + 2u);
    ck_assert_uint_eq(t_stats(room).layer_switches, 1);
    ck_assert_uint_gt(hook_calls, 0);
    sfu_room_free(room);
}
END_TEST

START_TEST(abs_send_time_is_the_forwarding_time)
{
    t_sink_reset(&sink);
    sfu_config_t config = sfu_config_default();
    sfu_room_t *room = t_room(&config, &sink, NULL);
    t_add(room, 1);
    t_add(room, 2);
    sfu_track_config_t t = t_audio_track(1);
    t.ext = (sfu_ext_ids_t){ .abs_send_time = 2 };
    ck_assert_int_eq(sfu_declare_track(room, 1, &t), SFU_OK);
    t_subscribe(room, 2, 1, 1, 0);
    /* Given a packet stamped 0 by the publisher */
    uint8_t buf[T_MAX_PKT];
    t_rtp_t r = audio_packet(1, 1, -1);
    size_t len = t_build_rtp(&r, buf, sizeof(buf));
    uint8_t zero[3] = { 0 };
    ck_assert_int_eq(rtp_ext_set(buf, &len, sizeof(buf), 2, zero, 3), RTP_OK);
    /* When it is forwarded at 1.5 s */
    ck_assert_int_eq(sfu_input(room, 1, 1500 * T_MS, buf, len), SFU_OK);
    const t_captured_t *c = t_sink_back(&sink, 0);
    rtp_header_t h;
    rtp_ext_elem_t e;
    uint32_t ast = 0;
    ck_assert_int_eq(rtp_parse(c->bytes, c->len, &h), RTP_OK);
    ck_assert_int_eq(rtp_ext_find(&h, 2, &e), RTP_OK);
    ck_assert_int_eq(rtp_ext_abs_send_time_parse(&e, &ast), RTP_OK);
    ck_assert_uint_eq(ast, rtp_abs_send_time_from_us(1500 * T_MS));
    sfu_room_free(room);
}
END_TEST

/* abs-capture-time, in its 8- and 16-byte forms, reaches the subscriber
 * byte for byte: under the publisher's ID without an extension map (_i 0),
 * under the subscriber's own ID with one (_i 1); a map that lacks it drops
 * it (_i 2). */
START_TEST(abs_capture_time_is_forwarded_unchanged)
{
    enum { PUB_ID = 4, SUB_ID = 12 };
    t_sink_reset(&sink);
    sfu_config_t config = sfu_config_default();
    sfu_room_t *room = t_room(&config, &sink, NULL);
    t_add(room, 1);
    t_add(room, 2);
    sfu_track_config_t t = t_audio_track(1);
    t.ext = (sfu_ext_ids_t){ .audio_level = T_EXT_AUDIO_LEVEL, .abs_capture_time = PUB_ID };
    ck_assert_int_eq(sfu_declare_track(room, 1, &t), SFU_OK);
    sfu_subscription_config_t sc = { .ssrc = 777, .first_seq = 1, .has_ext_map = _i > 0 };
    sc.ext.audio_level = 5;
    sc.ext.abs_capture_time = _i == 1 ? SUB_ID : 0;
    ck_assert_int_eq(sfu_subscribe(room, 2, 1, 1, &sc), SFU_OK);
    uint8_t out_id = _i == 0 ? PUB_ID : SUB_ID;

    /* Given packets stamped with a capture time, then with one and an offset */
    uint64_t capture_q32 = rtp_ntp_q32_from_us(123456789);
    uint8_t value[16];
    ck_assert_uint_eq(rtp_ext_abs_capture_time_write(capture_q32, value), 8);
    static const uint8_t offset[8] = { 0xff, 0xff, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00 };
    memcpy(value + 8, offset, sizeof(offset));
    for (unsigned form = 0; form < 2; form++) {
        size_t value_len = form == 0 ? 8 : 16;
        uint8_t buf[T_MAX_PKT];
        t_rtp_t r = audio_packet(1, (uint16_t)(1 + form), 40);
        size_t len = t_build_rtp(&r, buf, sizeof(buf));
        ck_assert_int_eq(rtp_ext_set(buf, &len, sizeof(buf), PUB_ID, value, value_len), RTP_OK);
        /* When the SFU forwards it */
        size_t before = sink.count;
        ck_assert_int_eq(sfu_input(room, 1, (100 + 20 * form) * T_MS, buf, len), SFU_OK);
        ck_assert_uint_eq(sink.count, before + 1);
        /* Then the subscriber reads the same bytes under its ID */
        const t_captured_t *c = t_sink_back(&sink, 0);
        rtp_header_t h;
        rtp_ext_elem_t e;
        ck_assert_int_eq(rtp_parse(c->bytes, c->len, &h), RTP_OK);
        if (_i == 2) {
            ck_assert_int_eq(rtp_ext_find(&h, PUB_ID, &e), RTP_ERR_NOT_FOUND);
            ck_assert_int_eq(rtp_ext_find(&h, 5, &e), RTP_OK);
            continue;
        }
        if (_i == 1)
            ck_assert_int_eq(rtp_ext_find(&h, PUB_ID, &e), RTP_ERR_NOT_FOUND);
        ck_assert_int_eq(rtp_ext_find(&h, out_id, &e), RTP_OK);
        ck_assert_uint_eq(e.len, value_len);
        ck_assert_mem_eq(e.value, value, value_len);
        uint64_t got = 0;
        bool has_offset = false;
        int64_t offset_q32 = 0;
        ck_assert_int_eq(rtp_ext_abs_capture_time_parse(&e, &got, &has_offset, &offset_q32),
                         RTP_OK);
        ck_assert_uint_eq(got, capture_q32);
        ck_assert_uint_eq(rtp_ntp_q32_to_us(got), 123456789);
        ck_assert(has_offset == (form == 1));
        ck_assert_int_eq(offset_q32, form == 1 ? -(INT64_C(3) << 31) : 0);
    }
    sfu_room_free(room);
}
END_TEST

START_TEST(last_n_picks_the_loudest)
{
    t_sink_reset(&sink);
    sfu_config_t config = sfu_config_default();
    config.last_n = 2;
    config.upstream_nack = false;
    sfu_room_t *room = t_room(&config, &sink, NULL);
    /* Given publishers 1..4 with audio and video, and subscriber 5 */
    for (uint32_t p = 1; p <= 5; p++)
        t_add(room, p);
    for (uint32_t p = 1; p <= 4; p++) {
        t_declare_audio(room, p);
        sfu_track_config_t t = sfu_track_config_default();
        t.track_id = 2;
        t.layers[0].ssrc = p * 1000u + 10u;
        t.keyframe_signal = SFU_KEYFRAME_FRAME_MARKING;
        t.ext.frame_marking = T_EXT_FRAME_MARKING;
        ck_assert_int_eq(sfu_declare_track(room, p, &t), SFU_OK);
        t_subscribe(room, 5, p, 2, 0);
    }
    /* When 3 and 1 are loud (-10, -20 dBov) and 2, 4 quiet (-90, -127) */
    const int level[5] = { 0, 20, 90, 10, 127 };
    uint64_t now = 0;
    for (unsigned i = 0; i < 50; i++, now += 20 * T_MS) {
        for (uint32_t p = 1; p <= 4; p++) {
            t_rtp_t r = audio_packet(p, (uint16_t)i, level[p]);
            t_input(room, p, now, &r);
        }
        (void)sfu_poll(room, now);
    }
    uint32_t speaker = 0;
    ck_assert_int_eq(sfu_active_speaker(room, &speaker), SFU_OK);
    ck_assert_uint_eq(speaker, 3);
    /* Then a keyframe from every publisher reaches 5 only from 3 and 1 */
    size_t before = sink.count;
    for (uint32_t p = 1; p <= 4; p++) {
        t_rtp_t r = t_rtp_default();
        r.ssrc = p * 1000u + 10u;
        r.seq = 7;
        r.frame_marking = r.fm_start = r.fm_independent = true;
        r.vp8 = r.vp8_start = r.vp8_keyframe = true;
        t_input(room, p, now, &r);
    }
    ck_assert_uint_eq(sink.count - before, 2);
    bool from[5] = { false };
    for (size_t i = 0; i < 2; i++) {
        rtp_header_t h;
        const t_captured_t *c = t_sink_back(&sink, i);
        ck_assert_int_eq(rtp_parse(c->bytes, c->len, &h), RTP_OK);
        from[(h.ssrc / 10u) % 10u] = true;
    }
    ck_assert(from[1] && from[3] && !from[2] && !from[4]);
    ck_assert_uint_eq(t_stats(room).dropped.last_n, 2);
    sfu_room_free(room);
}
END_TEST

START_TEST(ops_table_drives_the_core)
{
    /* The harness's view: everything through sfu_builtin_ops() */
    const sfu_ops_t *ops = sfu_builtin_ops();
    ck_assert_ptr_nonnull(ops->name);
    t_sink_reset(&sink);
    memset(&obs, 0, sizeof(obs));
    sfu_config_t config = sfu_config_default();
    config.srtp_profile = SFU_SRTP_NONE;
    config.sink = t_sink_fn;
    config.sink_ctx = &sink;
    config.observer = t_observer_fn;
    config.observer_ctx = &obs;
    void *sfu = NULL;
    ck_assert_int_eq(ops->create(&config, &sfu), SFU_OK);
    for (uint32_t id = 1; id <= 3; id++) {
        sfu_participant_config_t pc = { .id = id };
        ck_assert_int_eq(ops->add_participant(sfu, &pc), SFU_OK);
    }
    sfu_track_config_t t = sfu_track_config_default();
    t.track_id = 2;
    t.n_layers = 2;
    t.layers[0].ssrc = 1010;
    t.layers[1].ssrc = 1011;
    t.keyframe_signal = SFU_KEYFRAME_CLEAR_PREFIX;
    ck_assert_int_eq(ops->declare_track(sfu, 1, &t), SFU_OK);
    sfu_subscription_config_t sc = { .ssrc = 55, .preferred_layer = 0 };
    ck_assert_int_eq(ops->subscribe(sfu, 2, 1, 2, &sc), SFU_OK);
    sc.ssrc = 66;
    ck_assert_int_eq(ops->subscribe(sfu, 3, 1, 2, &sc), SFU_OK);
    ck_assert_int_eq(ops->set_preference(sfu, 3, 1, 2, 1), SFU_OK);
    ck_assert_int_eq(ops->set_preference(sfu, 3, 1, 2, 2), SFU_ERR_INVALID_ARG);
    for (unsigned l = 0; l < 2; l++) {
        t_rtp_t r = t_rtp_default();
        r.ssrc = 1010u + l;
        r.vp8 = r.vp8_start = r.vp8_keyframe = true;
        uint8_t buf[T_MAX_PKT];
        size_t len = t_build_rtp(&r, buf, sizeof(buf));
        ck_assert_int_eq(ops->input(sfu, 1, 0, buf, len), SFU_OK);
    }
    ck_assert_uint_eq(sink.per_participant[2], 1);
    ck_assert_uint_eq(sink.per_participant[3], 1);
    ck_assert_uint_lt(ops->poll(sfu, 0), UINT64_MAX);
    sfu_stats_t s;
    ck_assert_int_eq(ops->stats(sfu, &s), SFU_OK);
    ck_assert_uint_eq(s.observed, 2);
    ck_assert_uint_eq(obs.count, 2);
    /* Removing the publisher ends its subscriptions and its SSRCs */
    ck_assert_int_eq(ops->remove_participant(sfu, 1), SFU_OK);
    ck_assert_int_eq(ops->remove_participant(sfu, 1), SFU_ERR_NOT_FOUND);
    ck_assert_int_eq(ops->set_preference(sfu, 3, 1, 2, 0), SFU_ERR_NOT_FOUND);
    ops->destroy(sfu);
}
END_TEST

START_TEST(bounds_are_enforced)
{
    t_sink_reset(&sink);
    sfu_config_t config = sfu_config_default();
    config.max_participants = 3;
    config.max_tracks = 1;
    config.max_subscribers = 1;
    sfu_room_t *room = t_room(&config, &sink, NULL);
    t_add(room, 1);
    t_add(room, 2);
    t_add(room, 3);
    sfu_participant_config_t pc = { .id = 4 };
    ck_assert_int_eq(sfu_add_participant(room, &pc), SFU_ERR_FULL);
    t_declare_audio(room, 1);
    sfu_track_config_t t = sfu_track_config_default();
    t.track_id = 9;
    t.layers[0].ssrc = 5;
    ck_assert_int_eq(sfu_declare_track(room, 1, &t), SFU_ERR_FULL);
    /* An SSRC already declared by someone else is refused */
    t.layers[0].ssrc = 1001;
    ck_assert_int_eq(sfu_declare_track(room, 2, &t), SFU_ERR_INVALID_ARG);
    t_subscribe(room, 2, 1, 1, 0);
    sfu_subscription_config_t sc = { .ssrc = 77 };
    ck_assert_int_eq(sfu_subscribe(room, 3, 1, 1, &sc), SFU_ERR_FULL);
    ck_assert_int_eq(sfu_subscribe(room, 1, 1, 1, &sc), SFU_ERR_INVALID_ARG); /* self */
    sfu_room_free(room);
}
END_TEST

/* Publisher p's audio at `level` -dBov for 10 packets, then a poll. */
static void speak(sfu_room_t *room, uint32_t p, int level, uint16_t *seq, uint64_t *now)
{
    for (unsigned i = 0; i < 10; i++, *now += 20 * T_MS) {
        t_rtp_t r = audio_packet(p, (*seq)++, level);
        t_input(room, p, *now, &r);
        (void)sfu_poll(room, *now);
    }
}

static void video_of_2(sfu_room_t *room, uint16_t seq, bool key, uint64_t now)
{
    t_rtp_t r = t_rtp_default();
    r.ssrc = 2010;
    r.seq = seq;
    r.ts = 3000u * seq;
    r.frame_marking = r.fm_start = true;
    r.fm_independent = key;
    r.vp8 = r.vp8_start = true;
    r.vp8_keyframe = key;
    r.picture_id = seq;
    t_input(room, 2, now, &r);
}

START_TEST(last_n_resumes_at_a_keyframe_with_continuous_numbers)
{
    t_sink_reset(&sink);
    sfu_config_t config = sfu_config_default();
    config.last_n = 1;
    config.upstream_nack = false;
    sfu_room_t *room = t_room(&config, &sink, NULL);
    for (uint32_t p = 1; p <= 3; p++)
        t_add(room, p);
    for (uint32_t p = 1; p <= 2; p++) {
        t_declare_audio(room, p);
        t_declare_video(room, p, 1, SFU_KEYFRAME_FRAME_MARKING);
        t_subscribe(room, 3, p, 2, 0);
    }
    uint16_t aseq[3] = { 0 };
    uint64_t now = 0;
    /* Given 2 is the loudest and its video flows (seq 100..104) */
    speak(room, 2, 10, &aseq[2], &now);
    speak(room, 1, 90, &aseq[1], &now);
    for (uint16_t q = 100; q < 105; q++)
        video_of_2(room, q, q == 100, now);
    ck_assert_uint_eq(sink.per_participant[3], 5);
    rtp_header_t h;
    ck_assert_int_eq(rtp_parse(t_sink_back(&sink, 0)->bytes, t_sink_back(&sink, 0)->len, &h),
                     RTP_OK);
    uint16_t last_out = h.seq;
    /* When 1 becomes the loudest, 2's video stops */
    for (unsigned i = 0; i < 5; i++) {
        speak(room, 1, 5, &aseq[1], &now);
        speak(room, 2, 100, &aseq[2], &now);
    }
    size_t out_before = sink.per_participant[3];
    for (uint16_t q = 105; q < 110; q++)
        video_of_2(room, q, false, now);
    ck_assert_uint_eq(sink.per_participant[3], out_before);
    ck_assert_uint_eq(t_stats(room).dropped.last_n, 5);
    /* And when 2 is back, its delta frames wait for a keyframe (requested) */
    for (unsigned i = 0; i < 5; i++) {
        speak(room, 2, 3, &aseq[2], &now);
        speak(room, 1, 110, &aseq[1], &now);
    }
    size_t plis = t_stats(room).plis_forwarded;
    out_before = sink.per_participant[3];
    video_of_2(room, 110, false, now);
    ck_assert_uint_eq(sink.per_participant[3], out_before);
    ck_assert_uint_eq(t_stats(room).plis_forwarded, plis + 1);
    /* Then the keyframe goes through, numbered right after the last one sent */
    video_of_2(room, 111, true, now);
    ck_assert_uint_eq(sink.per_participant[3], out_before + 1);
    ck_assert_int_eq(rtp_parse(t_sink_back(&sink, 0)->bytes, t_sink_back(&sink, 0)->len, &h),
                     RTP_OK);
    ck_assert_uint_eq(h.ssrc, t_sub_ssrc(3, 2, 2));
    ck_assert_uint_eq(h.seq, (uint16_t)(last_out + 1));
    sfu_room_free(room);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("sfu_forward");
    TCase *tc = tcase_create("forward");
    tcase_add_test(tc, spoofed_ssrc_is_dropped);
    tcase_add_test(tc, audio_fans_out_to_every_subscriber);
    tcase_add_test(tc, extension_ids_and_twcc_are_per_subscriber);
    tcase_add_test(tc, abs_send_time_is_the_forwarding_time);
    tcase_add_loop_test(tc, abs_capture_time_is_forwarded_unchanged, 0, 3);
    suite_add_tcase(s, tc);
    tc = tcase_create("simulcast");
    tcase_add_test(tc, layer_switches_wait_for_keyframe_frame_marking);
    tcase_add_test(tc, layer_switches_wait_for_keyframe_vp8_clear_prefix);
    tcase_add_test(tc, pending_switch_requests_a_keyframe);
    tcase_add_test(tc, keyframe_signal_none_forwards_from_the_first_packet);
    tcase_add_test(tc, layer_switch_at_dependency_descriptor_keyframe);
    tcase_add_test(tc, bandwidth_hook_picks_the_layer);
    suite_add_tcase(s, tc);
    tc = tcase_create("api");
    tcase_add_test(tc, ops_table_drives_the_core);
    tcase_add_test(tc, bounds_are_enforced);
    suite_add_tcase(s, tc);
    tc = tcase_create("speakers");
    tcase_add_test(tc, last_n_picks_the_loudest);
    tcase_add_test(tc, last_n_resumes_at_a_keyframe_with_continuous_numbers);
    suite_add_tcase(s, tc);
    return s;
}
