/* Fuzz target for the peers' receive path: the depacketizer and jitter
 * buffer (peers/jitter_buffer.c; RFC 7741 section 4, RFC 7587, RFC 4585
 * NACK/PLI decisions), and, in peer mode, a whole peer's peer_input
 * (peers/peer.h: demux, RTX, RTCP handlers, abs-capture-time, decrypt,
 * decode, verification).
 *
 * Input: one configuration byte, then records.
 *   Peer mode (bit 6 set, the rest ignored): raw records as below (the
 *   time step modulo 64 ms), each a
 *   datagram for peer_input of a peer without SRTP or E2EE (hbh none,
 *   scheme none) that receives video (SSRC 0x1000, RTX 0x2000, three
 *   layers, DD) and audio (SSRC 0x3000) from sender 0xA1 and sends one
 *   160x90 layer (SSRC 0x5000, RTX 0x5001) whose NACKs, PLIs and RRs it
 *   answers; peer_poll after each. Invariants: every datagram counted,
 *   poll always asks for a later time, per-remote frame counts add up.
 *   Otherwise:
 *   config byte: bits 0-1 the stream (0 video with the VP8 P bit, 1 video
 *   with the dependency descriptor, 2 video with frame marking, 3 audio);
 *   bit 2 a small window (16 packets) instead of 64; bit 3 RTT 5 ms
 *   instead of 100; bit 7 the record format:
 *   - raw (bit 7 clear): 2-byte big-endian length (modulo 1600), 1 byte of
 *     time step in ms, then that many bytes taken as one packet;
 *   - built (bit 7 set): 4 bytes per packet: signed sequence step, flags
 *     (bit 0 marker, bit 1 S, bit 2 keyframe, bit 3 DD/FM extension with
 *     its start/end/key flags), payload length, time step in ms; the packet
 *     is a well-formed RTP/VP8 (or Opus) packet, so the deep states of
 *     frame assembly, NACK and PLI are reached.
 * After every packet: poll NACKs, pop every due frame, poll PLI.
 *
 * Invariants: no crash; stored packets <= max_packets; memory constant;
 * NACK lists within their cap; every released frame fits max_frame_size,
 * has 1..max_packets packets, at least one byte per packet (video) or 0
 * bytes exactly when lost (audio), and arrival times within [0, now]. */
#include "fuzz.h"

#include "peers/jitter_buffer.h"
#include "peers/packetizer.h"
#include "peers/peer.h"
#include "rtp/rtp.h"

#include <string.h>

#define EXT_DD 5
#define EXT_FM 6

typedef struct fuzz_state {
    peer__jitter_buffer_t *jb;
    peer__jitter_buffer_config_t config;
    size_t memory;
    uint64_t now_us;
} fuzz_state_t;

static void check_after(fuzz_state_t *st)
{
    static uint8_t frame[64 * 1024];
    peer__jitter_buffer_t *jb = st->jb;
    FUZZ_ASSERT(peer__jitter_buffer_packet_count(jb) <= st->config.max_packets);
    FUZZ_ASSERT(peer__jitter_buffer_memory_bytes(jb) == st->memory);
    uint16_t seqs[8];
    FUZZ_ASSERT(peer__jitter_buffer_poll_nack(jb, st->now_us, seqs, 8) <= 8);
    peer__jb_frame_t f;
    rtp_err_t err;
    unsigned guard = 0;
    while ((err = peer__jitter_buffer_pop(jb, st->now_us, frame, sizeof frame, &f)) == RTP_OK) {
        FUZZ_ASSERT(f.size <= st->config.max_frame_size);
        if (st->config.kind == PEER__MEDIA_AUDIO) {
            FUZZ_ASSERT(f.lost == (f.size == 0));
            FUZZ_ASSERT(f.packets == (f.lost ? 0u : 1u));
        } else {
            FUZZ_ASSERT(!f.lost);
            FUZZ_ASSERT(f.packets >= 1 && f.packets <= st->config.max_packets);
            FUZZ_ASSERT(f.size >= f.packets);
            FUZZ_ASSERT((uint16_t)(f.last_seq - f.first_seq + 1u) == f.packets);
        }
        if (!f.lost) {
            FUZZ_ASSERT(f.first_arrival_us <= f.last_arrival_us);
            FUZZ_ASSERT(f.last_arrival_us <= st->now_us);
        }
        FUZZ_ASSERT(++guard <= 4 * st->config.max_packets);
    }
    FUZZ_ASSERT(err == RTP_ERR_END);
    FUZZ_ASSERT(peer__jitter_buffer_pop(jb, st->now_us, frame, 0, &f) != RTP_OK || f.size == 0);
    peer__jitter_buffer_poll_pli(jb, st->now_us);
    (void)peer__jitter_buffer_next_event_us(jb);
}

/* Builds one well-formed packet from a 4-byte record. */
static size_t build_packet(const fuzz_state_t *st, const uint8_t rec[4], uint16_t seq, uint8_t *out,
                           size_t cap)
{
    bool video = st->config.kind == PEER__MEDIA_VIDEO;
    uint8_t flags = rec[1];
    bool marker = flags & 1, start = flags & 2, key = flags & 4, with_ext = flags & 8;
    uint8_t block[PEER__EXT_BLOCK_MAX];
    rtp_ext_writer_t w;
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, block, sizeof block);
    if (video && with_ext && st->config.signal == PEER__SIGNAL_DD) {
        rtp_dd_structure_t structure;
        peer__dd_structure_l1t1(&structure);
        rtp_dd_t dd;
        memset(&dd, 0, sizeof dd);
        rtp_dd_from_template(&structure, key ? 0u : 1u, &dd);
        dd.start_of_frame = start;
        dd.end_of_frame = marker;
        dd.frame_number = seq;
        dd.has_structure = key && start;
        uint8_t value[32];
        size_t len = 0;
        if (rtp_dd_write(&dd, &structure, value, sizeof value, &len) == RTP_OK)
            rtp_ext_writer_add(&w, EXT_DD, value, len);
    } else if (video && with_ext) {
        rtp_frame_marking_t fm = { .start_of_frame = start,
                                   .end_of_frame = marker,
                                   .independent = key };
        uint8_t value[3];
        rtp_ext_writer_add(&w, EXT_FM, value, rtp_ext_frame_marking_write(&fm, value));
    }
    uint16_t profile = 0;
    size_t block_len = 0;
    if (w.len > 0 && rtp_ext_writer_finish(&w, &profile, &block_len) != RTP_OK)
        block_len = 0;
    uint8_t payload[300];
    size_t n = 0;
    if (video) {
        rtp_vp8_desc_t d = { .start_of_partition = start,
                             .has_picture_id = true,
                             .picture_id_long = true,
                             .picture_id = (uint16_t)(seq & 0x7fff) };
        rtp_vp8_desc_write(&d, payload, sizeof payload, &n);
    }
    size_t body = 1u + rec[2];
    memset(payload + n, rec[2], body);
    if (video && start)
        payload[n] = key ? 0x10 : 0x11; /* the VP8 P bit */
    rtp_header_t h = { .marker = marker,
                       .payload_type = 96,
                       .seq = seq,
                       .timestamp = (uint32_t)(seq / 4u) * 3000u,
                       .ssrc = 9,
                       .extension = block_len > 0,
                       .ext_profile = profile,
                       .ext = block_len > 0 ? block : NULL,
                       .ext_len = block_len };
    size_t len = 0;
    if (rtp_write(&h, payload, n + body, 0, out, cap, &len) != RTP_OK)
        return 0;
    return len;
}

/* ---- Peer mode ------------------------------------------------------------ */

#define PEER_MODE 0x40

static void count_datagram(void *ctx, uint32_t peer_id, uint64_t now_us, const uint8_t *bytes,
                           size_t len)
{
    (void)peer_id;
    (void)now_us;
    FUZZ_ASSERT(bytes != NULL && len > 0 && len <= 2048);
    (*(uint64_t *)ctx)++;
}

static void add_remotes(peer_t *peer)
{
    static const uint32_t widths[3] = { 160, 320, 640 }, heights[3] = { 90, 180, 360 };
    peer_remote_config_t video = { .sender_id = 0xA1,
                                   .kind = PEER_KIND_VIDEO,
                                   .ssrc = 0x1000,
                                   .rtx_ssrc = 0x2000,
                                   .payload_type = 96,
                                   .rtx_payload_type = 97,
                                   .fps = 30,
                                   .width = 640,
                                   .height = 360,
                                   .n_layers = 3,
                                   .pattern_seed = 42 };
    for (unsigned l = 0; l < 3; l++) {
        video.layer_width[l] = widths[l];
        video.layer_height[l] = heights[l];
    }
    FUZZ_ASSERT(peer_add_remote(peer, &video) == PEER_OK);
    peer_remote_config_t audio = { .sender_id = 0xA1,
                                   .kind = PEER_KIND_AUDIO,
                                   .ssrc = 0x3000,
                                   .payload_type = 111,
                                   .ptime_ms = 20 };
    FUZZ_ASSERT(peer_add_remote(peer, &audio) == PEER_OK);
}

static void check_remote(const peer_t *peer, peer_kind_t kind)
{
    peer_remote_stats_t rs;
    FUZZ_ASSERT(peer_remote_stats(peer, 0xA1, kind, &rs) == PEER_OK);
    FUZZ_ASSERT(rs.rtx_packets <= rs.packets);
    FUZZ_ASSERT(rs.frames_decrypted + rs.frames_decrypt_failed + rs.frames_waiting_for_key <=
                rs.frames_complete);
    FUZZ_ASSERT(rs.frames_decoded + rs.frames_decode_failed <= rs.frames_decrypted);
}

static int fuzz_peer(const uint8_t *data, size_t size)
{
    uint64_t sent = 0;
    peer_config_t c = peer_config_default();
    c.id = 0xB2;
    c.scheme = PEER_SCHEME_NONE;
    c.srtp_profile = HBH_PROFILE_NONE;
    c.psnr_every = 0;
    c.twcc_interval_ms = 50;
    c.video.enabled = true;
    c.video.fps = 5; /* its encoder is not what is fuzzed: keep it cheap */
    c.video.n_layers = 1;
    c.video.layers[0].ssrc = 0x5000;
    c.video.layers[0].rtx_ssrc = 0x5001;
    c.sink = count_datagram;
    c.sink_ctx = &sent;
    peer_t *peer = NULL;
    FUZZ_ASSERT(peer_new(&c, &peer) == PEER_OK);
    add_remotes(peer);
    uint64_t now = 0, inputs = 0;
    size_t pos = 1;
    while (size - pos >= 3) {
        size_t len = ((size_t)data[pos] << 8 | data[pos + 1]) % 2100;
        now += (uint64_t)(data[pos + 2] % 64u) * 1000u;
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        uint8_t *copy = malloc(len ? len : 1);
        FUZZ_ASSERT(copy != NULL);
        memcpy(copy, data + pos, len);
        FUZZ_ASSERT(peer_input(peer, now, copy, len) == PEER_OK);
        free(copy);
        pos += len;
        inputs++;
        FUZZ_ASSERT(peer_poll(peer, now) > now);
    }
    /* Let timers run out: NACKs give up, audio plays. */
    for (int i = 0; i < 12; i++) {
        now += 100000;
        FUZZ_ASSERT(peer_poll(peer, now) > now);
    }
    peer_stats_t stats;
    FUZZ_ASSERT(peer_stats(peer, &stats) == PEER_OK);
    FUZZ_ASSERT(stats.packets_received == inputs);
    FUZZ_ASSERT(stats.packets_sent == sent);
    check_remote(peer, PEER_KIND_VIDEO);
    check_remote(peer, PEER_KIND_AUDIO);
    peer_free(peer);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    if (mode & PEER_MODE)
        return fuzz_peer(data, size);
    fuzz_state_t st;
    memset(&st, 0, sizeof st);
    bool audio = (mode & 3) == 3;
    st.config = peer__jitter_buffer_config_default(audio ? PEER__MEDIA_AUDIO : PEER__MEDIA_VIDEO);
    if (!audio)
        st.config.signal = (mode & 3) == 1   ? PEER__SIGNAL_DD
                           : (mode & 3) == 2 ? PEER__SIGNAL_FRAME_MARKING
                                             : PEER__SIGNAL_NONE;
    st.config.ext_dd = EXT_DD;
    st.config.ext_frame_marking = EXT_FM;
    st.config.max_packets = (mode & 4) ? 16 : 64;
    st.config.max_frame_size = audio ? 1200 : 16000;
    st.config.nack_max_retries = 3;
    FUZZ_ASSERT(peer__jitter_buffer_create(&st.config, &st.jb) == RTP_OK);
    if (mode & 8)
        peer__jitter_buffer_set_rtt(st.jb, 5000);
    st.memory = peer__jitter_buffer_memory_bytes(st.jb);

    size_t pos = 1;
    uint16_t seq = 1000;
    static uint8_t pkt[2048];
    while (pos < size) {
        if (mode & 0x80) {
            if (size - pos < 4)
                break;
            const uint8_t *rec = data + pos;
            pos += 4;
            seq = (uint16_t)(seq + (int8_t)rec[0]);
            size_t len = build_packet(&st, rec, seq, pkt, sizeof pkt);
            st.now_us += (uint64_t)rec[3] * 1000u;
            if (len > 0)
                peer__jitter_buffer_receive(st.jb, pkt, len, st.now_us);
        } else {
            if (size - pos < 3)
                break;
            size_t len = ((size_t)data[pos] << 8 | data[pos + 1]) % 1600;
            st.now_us += (uint64_t)data[pos + 2] * 1000u;
            pos += 3;
            if (len > size - pos)
                len = size - pos;
            /* Exact-size copy so ASan sees any read past the packet. */
            uint8_t *copy = malloc(len ? len : 1);
            FUZZ_ASSERT(copy != NULL);
            memcpy(copy, data + pos, len);
            peer__jitter_buffer_receive(st.jb, copy, len, st.now_us);
            free(copy);
            pos += len;
        }
        check_after(&st);
    }
    /* Let every timer run out: NACKs give up, audio plays or is lost. */
    for (int i = 0; i < 8; i++) {
        st.now_us += 500000;
        check_after(&st);
    }
    peer__jitter_buffer_destroy(st.jb);
    return 0;
}
