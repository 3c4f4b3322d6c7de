/* Fuzz target: the SFU core's input path (sfu/sfu.h), SRTP profile none.
 *
 * A fresh room per input holds three participants with declared tracks:
 * participant 1 publishes audio (SSRC 0x11111111, PT 111) and two
 * three-layer simulcast video tracks, one signalling keyframes by frame
 * marking (SSRCs 0x2222222L, RTX 0x3333333L), one by the VP8 P bit
 * (0x4444444L / 0x5555555L); participant 2 publishes one video track with
 * dependency-descriptor keyframes (0x66666660 / 0x77777770). Each
 * participant subscribes to the others' tracks, 2 with its own extension
 * IDs. The input is a list of records: one byte `who`, a 2-byte big-endian
 * length, then that many bytes. who % 4 == 0 runs sfu_poll(); otherwise the
 * bytes are a datagram from participant who % 4. Virtual time advances by
 * (who >> 2) ms per record.
 *
 * Invariants: nothing crashes or reads out of bounds; every datagram the
 * SFU emits parses as RTP or as a compound of RTCP packets; the counters
 * add up (observed <= packets_in). */
#include "fuzz.h"

#include "rtp/rtp.h"
#include "sfu/sfu.h"

#include <string.h>

static uint64_t emitted;

static void sink(void *ctx, uint32_t participant_id, uint64_t now_us, const uint8_t *bytes,
                 size_t len)
{
    (void)ctx, (void)now_us;
    FUZZ_ASSERT(participant_id >= 1 && participant_id <= 3);
    rtp_demux_kind_t kind = rtp_demux(bytes, len);
    if (kind == RTP_DEMUX_RTP) {
        rtp_header_t h;
        FUZZ_ASSERT(rtp_parse(bytes, len, &h) == RTP_OK);
    } else {
        FUZZ_ASSERT(kind == RTP_DEMUX_RTCP);
        rtp_rtcp_iter_t it;
        rtp_rtcp_packet_t pkt;
        rtp_rtcp_iter_init(&it, bytes, len);
        rtp_err_t err;
        while ((err = rtp_rtcp_iter_next(&it, &pkt)) == RTP_OK)
            ;
        FUZZ_ASSERT(err == RTP_ERR_END);
    }
    emitted++;
}

static void observer(void *ctx, uint64_t now_us, const sfu_packet_view_t *v)
{
    (void)ctx, (void)now_us;
    FUZZ_ASSERT(v->participant_id == 1 || v->participant_id == 2);
    FUZZ_ASSERT(v->len >= 12);
}

static void declare_video(sfu_room_t *room, uint32_t pub, uint32_t track_id, uint32_t base,
                          uint32_t rtx_base, sfu_keyframe_signal_t signal)
{
    sfu_track_config_t t = sfu_track_config_default();
    t.track_id = track_id;
    t.n_layers = 3;
    for (unsigned l = 0; l < 3; l++) {
        t.layers[l].ssrc = base + l;
        t.layers[l].rtx_ssrc = rtx_base + l;
    }
    t.keyframe_signal = signal;
    t.ext = (sfu_ext_ids_t){ .audio_level = 1,
                             .twcc = 3,
                             .mid = 4,
                             .rid = 5,
                             .frame_marking = 7,
                             .dependency_descriptor = 8,
                             .abs_send_time = 2 };
    FUZZ_ASSERT(sfu_declare_track(room, pub, &t) == SFU_OK);
}

static void subscribe(sfu_room_t *room, uint32_t sub, uint32_t pub, uint32_t track, bool map)
{
    sfu_subscription_config_t sc = { .ssrc = sub * 1000u + pub * 10u + track,
                                     .rtx_ssrc = sub * 1000u + pub * 10u + track + 5u,
                                     .first_seq = 65530,
                                     .first_timestamp = 4294967000u,
                                     .preferred_layer = track == 1 ? 0 : 2,
                                     .has_ext_map = map,
                                     .ext = {
                                         .audio_level = 10, .twcc = 11, .frame_marking = 12 } };
    FUZZ_ASSERT(sfu_subscribe(room, sub, pub, track, &sc) == SFU_OK);
}

static sfu_room_t *make_room(void)
{
    sfu_config_t config = sfu_config_default();
    config.srtp_profile = SFU_SRTP_NONE;
    config.sink = sink;
    config.observer = observer;
    config.last_n = 2;
    config.history_packets_video = 64;
    config.history_packets_audio = 16;
    config.pli_min_interval_ms = 5;
    sfu_room_t *room = NULL;
    FUZZ_ASSERT(sfu_room_new(&config, &room) == SFU_OK);
    for (uint32_t id = 1; id <= 3; id++) {
        sfu_participant_config_t pc = { .id = id, .role = SFU_DTLS_SERVER };
        FUZZ_ASSERT(sfu_add_participant(room, &pc) == SFU_OK);
    }
    sfu_track_config_t audio = sfu_track_config_default();
    audio.track_id = 1;
    audio.kind = SFU_KIND_AUDIO;
    audio.layers[0].ssrc = 0x11111111u;
    audio.media_pt = 111;
    audio.clock_rate = 48000;
    audio.vp8 = false;
    audio.ext = (sfu_ext_ids_t){ .audio_level = 1, .twcc = 3 };
    FUZZ_ASSERT(sfu_declare_track(room, 1, &audio) == SFU_OK);
    declare_video(room, 1, 2, 0x22222220u, 0x33333330u, SFU_KEYFRAME_FRAME_MARKING);
    declare_video(room, 1, 3, 0x44444440u, 0x55555550u, SFU_KEYFRAME_CLEAR_PREFIX);
    declare_video(room, 2, 4, 0x66666660u, 0x77777770u, SFU_KEYFRAME_DEPENDENCY_DESCRIPTOR);
    for (uint32_t track = 1; track <= 3; track++) {
        subscribe(room, 2, 1, track, true);
        subscribe(room, 3, 1, track, false);
    }
    subscribe(room, 1, 2, 4, false);
    subscribe(room, 3, 2, 4, true);
    return room;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sfu_room_t *room = make_room();
    uint64_t now_us = 1000000;
    size_t pos = 0;
    while (pos + 3 <= size) {
        uint8_t who = data[pos];
        size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        now_us += (uint64_t)(who >> 2) * 1000u;
        if (who % 4 == 0)
            (void)sfu_poll(room, now_us);
        else
            FUZZ_ASSERT(sfu_input(room, who % 4u, now_us, data + pos, len) == SFU_OK);
        pos += len;
    }
    (void)sfu_poll(room, now_us + 2000000u);
    sfu_stats_t s;
    FUZZ_ASSERT(sfu_stats(room, &s) == SFU_OK);
    FUZZ_ASSERT(s.observed <= s.packets_in);
    FUZZ_ASSERT(s.dropped.queue == 0);
    sfu_room_free(room);
    return 0;
}
