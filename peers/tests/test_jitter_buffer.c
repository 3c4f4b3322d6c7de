/* The jitter buffer: recovery under reordering, duplication and loss
 * (repaired by retransmissions after NACKs), the NACK retry limit and its
 * RTT spacing, PLI on an unrecoverable keyframe and its throttle, the
 * clear-prefix keyframe check, the audio playout delay and loss reports,
 * and bounded memory under a flood of random packets. */
#include "peers/jitter_buffer.h"
#include "peers/packetizer.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define MS         1000u
#define MTU        1200
#define MAX_PKTS   4096
#define MAX_FRAMES 256
#define FRAME_CAP  (64 * 1024)

/* A recorded stream: every packet of every frame, with the frames. */
typedef struct stream {
    uint8_t pkt[MAX_PKTS][MTU];
    size_t len[MAX_PKTS];
    size_t n_pkts;
    uint16_t first_seq;
    uint8_t frames[MAX_FRAMES][4000];
    size_t frame_len[MAX_FRAMES];
    size_t frame_first_pkt[MAX_FRAMES];
    size_t n_frames;
} stream_t;

static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* Packetizes n frames of random sizes (1..4000 bytes: 1..4 packets);
 * keyframes where is_key says. */
static void make_video_stream(stream_t *st, size_t n, uint32_t seed, const bool *is_key,
                              uint16_t first_seq)
{
    peer__packetizer_config_t c = peer__packetizer_config_default();
    c.ssrc = 7;
    c.first_seq = first_seq;
    c.mtu = MTU;
    peer__packetizer_t p;
    ck_assert_int_eq(peer__packetizer_init(&p, &c), RTP_OK);
    st->n_pkts = 0;
    st->n_frames = 0;
    st->first_seq = first_seq;
    uint32_t rng = seed;
    for (size_t f = 0; f < n; f++) {
        bool key = is_key != NULL ? is_key[f] : f == 0;
        size_t len = 1 + next_random(&rng) % 4000;
        for (size_t i = 0; i < len; i++)
            st->frames[f][i] = (uint8_t)next_random(&rng);
        st->frames[f][0] =
            key ? (uint8_t)(st->frames[f][0] & 0xfe) : (uint8_t)(st->frames[f][0] | 1);
        st->frame_len[f] = len;
        st->frame_first_pkt[f] = st->n_pkts;
        peer__packet_slot_t slots[8];
        for (size_t i = 0; i < 8; i++)
            slots[i] = (peer__packet_slot_t){ .data = st->pkt[st->n_pkts + i], .cap = MTU };
        peer__frame_meta_t meta = { .keyframe = key, .rtp_timestamp = (uint32_t)(3000 * f) };
        size_t count = 0;
        ck_assert_int_eq(peer__packetize(&p, &meta, st->frames[f], len, slots, 8, &count), RTP_OK);
        for (size_t i = 0; i < count; i++)
            st->len[st->n_pkts + i] = slots[i].len;
        st->n_pkts += count;
        st->n_frames++;
    }
}

static peer__jitter_buffer_t *make_jb(const peer__jitter_buffer_config_t *c)
{
    peer__jitter_buffer_t *jb = NULL;
    ck_assert_int_eq(peer__jitter_buffer_create(c, &jb), RTP_OK);
    return jb;
}

/* Index of the packet that carries seq. */
static size_t index_of(const stream_t *st, uint16_t seq)
{
    return (uint16_t)(seq - st->first_seq);
}

/* Pops every frame due and checks it is the next expected one. */
static void drain(peer__jitter_buffer_t *jb, const stream_t *st, uint64_t now, size_t *next_frame)
{
    static uint8_t out[FRAME_CAP];
    peer__jb_frame_t f;
    while (peer__jitter_buffer_pop(jb, now, out, sizeof out, &f) == RTP_OK) {
        ck_assert_uint_lt(*next_frame, st->n_frames);
        ck_assert_uint_eq(f.size, st->frame_len[*next_frame]);
        ck_assert_mem_eq(out, st->frames[*next_frame], f.size);
        ck_assert_uint_eq(f.rtp_timestamp, 3000u * *next_frame);
        ck_assert_uint_eq(f.first_seq,
                          (uint16_t)(st->first_seq + st->frame_first_pkt[*next_frame]));
        ck_assert_uint_le(f.first_arrival_us, f.last_arrival_us);
        (*next_frame)++;
    }
}

/* Given a stream whose packets arrive shuffled (each moved up to 6 places)
 * and 15% duplicated, when each is fed and the buffer drained, then every
 * frame comes out once, in order, intact, and no PLI is asked for. */
START_TEST(recovers_reordering_and_duplication)
{
    static stream_t st;
    make_video_stream(&st, 120, 1, NULL, 65500);
    size_t order[MAX_PKTS];
    for (size_t i = 0; i < st.n_pkts; i++)
        order[i] = i;
    uint32_t rng = 77;
    for (size_t i = 0; i + 1 < st.n_pkts; i++) {
        size_t j = i + next_random(&rng) % 7;
        if (j >= st.n_pkts)
            j = st.n_pkts - 1;
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    peer__jitter_buffer_config_t c = peer__jitter_buffer_config_default(PEER__MEDIA_VIDEO);
    peer__jitter_buffer_t *jb = make_jb(&c);
    size_t next_frame = 0, dups = 0;
    uint64_t now = 0;
    for (size_t i = 0; i < st.n_pkts; i++) {
        size_t k = order[i];
        ck_assert_int_eq(peer__jitter_buffer_receive(jb, st.pkt[k], st.len[k], now),
                         PEER__JB_RX_STORED);
        if (next_random(&rng) % 100 < 15) {
            peer__jb_rx_t r = peer__jitter_buffer_receive(jb, st.pkt[k], st.len[k], now);
            ck_assert(r == PEER__JB_RX_DUPLICATE || r == PEER__JB_RX_LATE);
            dups++;
        }
        uint16_t seqs[64];
        peer__jitter_buffer_poll_nack(jb, now, seqs, 64);
        drain(jb, &st, now, &next_frame);
        ck_assert(!peer__jitter_buffer_poll_pli(jb, now));
        now += MS;
    }
    ck_assert_uint_eq(next_frame, st.n_frames);
    const peer__jb_stats_t *s = peer__jitter_buffer_stats(jb);
    ck_assert_uint_eq(s->duplicates + s->late, dups);
    ck_assert_uint_eq(s->frames_dropped, 0);
    ck_assert_uint_eq(s->plis, 0);
    ck_assert_uint_eq(peer__jitter_buffer_packet_count(jb), 0);
    peer__jitter_buffer_destroy(jb);
}
END_TEST

/* Given 10% loss on first transmission, and retransmissions that arrive
 * 20 ms after each NACK (the first retransmission of every third lost
 * packet is lost too), then every frame is released in order and intact,
 * without a PLI. */
START_TEST(recovers_loss_with_nack)
{
    static stream_t st;
    make_video_stream(&st, 150, 2, NULL, 100);
    peer__jitter_buffer_config_t c = peer__jitter_buffer_config_default(PEER__MEDIA_VIDEO);
    peer__jitter_buffer_t *jb = make_jb(&c);
    peer__jitter_buffer_set_rtt(jb, 40 * MS);

    static bool lost[MAX_PKTS];
    static unsigned nacked[MAX_PKTS];
    static uint64_t deliver_at[MAX_PKTS];
    uint32_t rng = 5;
    size_t n_lost = 0;
    for (size_t i = 0; i < st.n_pkts; i++) {
        lost[i] = i > 0 && next_random(&rng) % 10 == 0;
        n_lost += lost[i];
        nacked[i] = 0;
        deliver_at[i] = UINT64_MAX;
    }
    ck_assert_uint_gt(n_lost, 10);

    size_t next_frame = 0;
    for (uint64_t step = 0; step < st.n_pkts + 1000; step++) {
        uint64_t now = step * MS;
        if (step < st.n_pkts && !lost[step])
            peer__jitter_buffer_receive(jb, st.pkt[step], st.len[step], now);
        for (size_t i = 0; i < st.n_pkts; i++)
            if (deliver_at[i] <= now) {
                deliver_at[i] = UINT64_MAX;
                peer__jitter_buffer_receive(jb, st.pkt[i], st.len[i], now);
            }
        uint16_t seqs[32];
        size_t n = peer__jitter_buffer_poll_nack(jb, now, seqs, 32);
        for (size_t k = 0; k < n; k++) {
            size_t i = index_of(&st, seqs[k]);
            ck_assert(i < st.n_pkts && lost[i]);
            nacked[i]++;
            bool drop_again = nacked[i] == 1 && i % 3 == 0;
            if (!drop_again)
                deliver_at[i] = now + 20 * MS;
        }
        drain(jb, &st, now, &next_frame);
        ck_assert(!peer__jitter_buffer_poll_pli(jb, now));
    }
    ck_assert_uint_eq(next_frame, st.n_frames);
    const peer__jb_stats_t *s = peer__jitter_buffer_stats(jb);
    ck_assert_uint_eq(s->recovered, n_lost);
    ck_assert_uint_eq(s->nacks_given_up, 0);
    ck_assert_uint_eq(s->frames_dropped, 0);
    for (size_t i = 0; i < st.n_pkts; i++)
        ck_assert_uint_eq(nacked[i], lost[i] ? (i % 3 == 0 ? 2u : 1u) : 0u);
    peer__jitter_buffer_destroy(jb);
}
END_TEST

/* Times at which seq was NACKed, polling every ms for `ms` ms. */
static size_t nack_times(peer__jitter_buffer_t *jb, uint16_t seq, uint64_t ms, uint64_t *times,
                         size_t cap)
{
    size_t n = 0;
    for (uint64_t t = 0; t <= ms; t++) {
        uint16_t seqs[8];
        size_t got = peer__jitter_buffer_poll_nack(jb, t * MS, seqs, 8);
        for (size_t k = 0; k < got; k++) {
            ck_assert_uint_eq(seqs[k], seq);
            ck_assert_uint_lt(n, cap);
            times[n++] = t * MS;
        }
    }
    return n;
}

/* Given a missing packet that never arrives, then it is NACKed exactly
 * nack_max_retries times, spaced by max(RTT, floor), then given up, and
 * the frame it belonged to is dropped with a PLI. */
START_TEST(nack_retry_limit_and_rtt_spacing)
{
    static stream_t st;
    bool keys[4] = { true, false, false, false };
    make_video_stream(&st, 4, 3, keys, 0);
    size_t missing = st.frame_first_pkt[1]; /* the start of frame 1 */
    uint16_t seq = (uint16_t)missing;

    const uint64_t rtts_ms[2] = { 50, 5 };
    const uint64_t spacing_ms[2] = { 50, 20 }; /* the 20 ms floor wins over 5 */
    for (int v = 0; v < 2; v++) {
        peer__jitter_buffer_config_t c = peer__jitter_buffer_config_default(PEER__MEDIA_VIDEO);
        c.nack_max_retries = 4;
        c.nack_min_interval_ms = 20;
        peer__jitter_buffer_t *jb = make_jb(&c);
        peer__jitter_buffer_set_rtt(jb, rtts_ms[v] * MS);
        for (size_t i = 0; i < st.n_pkts; i++)
            if (i != missing)
                peer__jitter_buffer_receive(jb, st.pkt[i], st.len[i], 0);
        size_t next_frame = 0;
        drain(jb, &st, 0, &next_frame);
        ck_assert_uint_eq(next_frame, 1); /* the keyframe only */

        uint64_t times[16];
        size_t n = nack_times(jb, seq, 900, times, 16);
        ck_assert_uint_eq(n, 4);
        for (size_t k = 0; k < n; k++)
            ck_assert_uint_eq(times[k], k * spacing_ms[v] * MS);
        const peer__jb_stats_t *s = peer__jitter_buffer_stats(jb);
        ck_assert_uint_eq(s->nacks_sent, 4);
        ck_assert_uint_eq(s->nacks_given_up, 1);

        /* Given up one interval after the last NACK: the late packet is
         * refused, the rest is dropped and a keyframe is asked for. */
        ck_assert_int_eq(
            peer__jitter_buffer_receive(jb, st.pkt[missing], st.len[missing], 900 * MS),
            PEER__JB_RX_LATE);
        static uint8_t out[FRAME_CAP];
        peer__jb_frame_t f;
        ck_assert_int_eq(peer__jitter_buffer_pop(jb, 900 * MS, out, sizeof out, &f), RTP_ERR_END);
        /* Frames 2 and 3; frame 1 lost its first packet. */
        ck_assert_uint_eq(s->frames_dropped, 2);
        ck_assert(peer__jitter_buffer_poll_pli(jb, 900 * MS));
        ck_assert_uint_eq(peer__jitter_buffer_packet_count(jb), 0);
        peer__jitter_buffer_destroy(jb);
    }
}
END_TEST

/* Given a keyframe whose second packet is lost for good, then after the
 * NACKs are spent a PLI is due; it repeats at most every 300 ms while no
 * keyframe arrives, delta frames are dropped meanwhile, and the next
 * keyframe is released and ends the requests. */
START_TEST(lost_keyframe_leads_to_throttled_pli)
{
    static stream_t st;
    bool keys[40] = { [0] = true, [30] = true };
    make_video_stream(&st, 40, 4, keys, 1000);
    ck_assert_uint_gt(st.frame_first_pkt[1], 1); /* the keyframe has 2+ packets */
    peer__jitter_buffer_config_t c = peer__jitter_buffer_config_default(PEER__MEDIA_VIDEO);
    c.nack_max_retries = 3;
    peer__jitter_buffer_t *jb = make_jb(&c);
    peer__jitter_buffer_set_rtt(jb, 30 * MS);

    size_t next_frame = 0;
    size_t pkt = 0;
    uint64_t first_pli = UINT64_MAX, plis[32];
    size_t n_plis = 0;
    static uint8_t out[FRAME_CAP];
    for (uint64_t t = 0; t < 2000; t++) {
        uint64_t now = t * MS;
        /* Frames every 33 ms; frame 30 (the new keyframe) at 990 ms. */
        size_t due_frame = (size_t)(t / 33);
        size_t limit = due_frame + 1 < st.n_frames ? st.frame_first_pkt[due_frame + 1] : st.n_pkts;
        for (; pkt < limit; pkt++)
            if (pkt != 1)
                peer__jitter_buffer_receive(jb, st.pkt[pkt], st.len[pkt], now);
        uint16_t seqs[64];
        peer__jitter_buffer_poll_nack(jb, now, seqs, 64);
        peer__jb_frame_t f;
        while (peer__jitter_buffer_pop(jb, now, out, sizeof out, &f) == RTP_OK) {
            /* Nothing but the second keyframe and what follows it. */
            ck_assert_uint_eq(f.rtp_timestamp, 3000u * (30 + next_frame));
            ck_assert(f.keyframe == (next_frame == 0));
            next_frame++;
        }
        if (peer__jitter_buffer_poll_pli(jb, now)) {
            if (first_pli == UINT64_MAX)
                first_pli = now;
            ck_assert_uint_lt(n_plis, 32);
            plis[n_plis++] = now;
        }
    }
    /* Given up after 3 NACKs 30 ms apart: about 90 ms in. */
    ck_assert_uint_ge(first_pli, 60 * MS);
    ck_assert_uint_le(first_pli, 200 * MS);
    ck_assert_uint_ge(n_plis, 2);
    for (size_t k = 1; k < n_plis; k++)
        ck_assert_uint_eq(plis[k] - plis[k - 1], 300 * MS);
    /* No more PLIs once the keyframe at 990 ms is out. */
    ck_assert_uint_le(plis[n_plis - 1], 1000 * MS);
    ck_assert_uint_eq(next_frame, 10);
    const peer__jb_stats_t *s = peer__jitter_buffer_stats(jb);
    ck_assert_uint_eq(s->plis, n_plis);
    ck_assert_uint_ge(s->frames_dropped, 29);
    peer__jitter_buffer_destroy(jb);
}
END_TEST

/* A stream that starts with delta frames: after the startup wait they are
 * dropped with a PLI. Delta frames followed by a keyframe already here are
 * skipped without one. request_keyframe() drops up to the next keyframe. */
START_TEST(delta_before_keyframe_and_requested_keyframe)
{
    static stream_t st;
    bool keys[12] = { [3] = true, [6] = true, [9] = true };
    make_video_stream(&st, 12, 6, keys, 500);
    peer__jitter_buffer_config_t c = peer__jitter_buffer_config_default(PEER__MEDIA_VIDEO);
    peer__jitter_buffer_t *jb = make_jb(&c);
    static uint8_t out[FRAME_CAP];
    peer__jb_frame_t f;
    /* Frames 0..2, deltas: held for the startup wait, then dropped. */
    for (size_t i = 0; i < st.frame_first_pkt[3]; i++)
        peer__jitter_buffer_receive(jb, st.pkt[i], st.len[i], 0);
    ck_assert_int_eq(peer__jitter_buffer_pop(jb, 0, out, sizeof out, &f), RTP_ERR_END);
    ck_assert_uint_eq(peer__jitter_buffer_next_event_us(jb), 50 * MS);
    ck_assert(!peer__jitter_buffer_poll_pli(jb, 0));
    ck_assert_int_eq(peer__jitter_buffer_pop(jb, 50 * MS, out, sizeof out, &f), RTP_ERR_END);
    ck_assert_uint_eq(peer__jitter_buffer_stats(jb)->frames_dropped, 3);
    ck_assert(peer__jitter_buffer_poll_pli(jb, 50 * MS));
    ck_assert(!peer__jitter_buffer_poll_pli(jb, 51 * MS));
    /* Frames 3 (key) and 4 play; the PLI is no longer wanted. */
    for (size_t i = st.frame_first_pkt[3]; i < st.frame_first_pkt[5]; i++)
        peer__jitter_buffer_receive(jb, st.pkt[i], st.len[i], 60 * MS);
    ck_assert_int_eq(peer__jitter_buffer_pop(jb, 60 * MS, out, sizeof out, &f), RTP_OK);
    ck_assert(f.keyframe);
    ck_assert_uint_eq(f.rtp_timestamp, 9000);
    ck_assert_int_eq(peer__jitter_buffer_pop(jb, 60 * MS, out, sizeof out, &f), RTP_OK);
    ck_assert_uint_eq(f.rtp_timestamp, 12000);
    ck_assert(!peer__jitter_buffer_poll_pli(jb, 400 * MS));

    /* The caller's decrypt failed: a PLI is due, delta frame 5 is skipped
     * since keyframe 6 is already here, and no second PLI follows. */
    peer__jitter_buffer_request_keyframe(jb, 400 * MS);
    ck_assert(peer__jitter_buffer_poll_pli(jb, 400 * MS));
    for (size_t i = st.frame_first_pkt[5]; i < st.frame_first_pkt[9]; i++)
        peer__jitter_buffer_receive(jb, st.pkt[i], st.len[i], 410 * MS);
    ck_assert_int_eq(peer__jitter_buffer_pop(jb, 410 * MS, out, sizeof out, &f), RTP_OK);
    ck_assert(f.keyframe);
    ck_assert_uint_eq(f.rtp_timestamp, 18000);
    ck_assert(!peer__jitter_buffer_poll_pli(jb, 800 * MS));

    /* A buffer too small keeps the frame. */
    ck_assert_int_eq(peer__jitter_buffer_pop(jb, 410 * MS, out, 0, &f), RTP_ERR_NO_SPACE);
    ck_assert_uint_eq(f.size, st.frame_len[7]);
    ck_assert_int_eq(peer__jitter_buffer_pop(jb, 410 * MS, out, sizeof out, &f), RTP_OK);
    ck_assert_uint_eq(f.rtp_timestamp, 21000);
    ck_assert_uint_eq(peer__jitter_buffer_stats(jb)->frames_dropped, 4);
    peer__jitter_buffer_destroy(jb);
}
END_TEST

static bool first_byte_is_aa(void *ctx, const uint8_t *prefix, size_t len)
{
    (*(int *)ctx)++;
    return len >= 1 && prefix[0] == 0xaa;
}

START_TEST(clear_prefix_keyframe_check)
{
    peer__packetizer_config_t pc = peer__packetizer_config_default();
    peer__packetizer_t p;
    ck_assert_int_eq(peer__packetizer_init(&p, &pc), RTP_OK);
    peer__jitter_buffer_config_t c = peer__jitter_buffer_config_default(PEER__MEDIA_VIDEO);
    int calls = 0;
    c.keyframe_check = first_byte_is_aa;
    c.keyframe_check_ctx = &calls;
    peer__jitter_buffer_t *jb = make_jb(&c);
    uint8_t frames[2][3] = { { 0xaa, 1, 2 }, { 0x00, 3, 4 } }; /* P bit says key for both */
    static uint8_t out[FRAME_CAP];
    for (int i = 0; i < 2; i++) {
        uint8_t buf[MTU];
        peer__packet_slot_t slot = { .data = buf, .cap = sizeof buf };
        peer__frame_meta_t meta = { .keyframe = i == 0 };
        size_t n = 0;
        ck_assert_int_eq(peer__packetize(&p, &meta, frames[i], 3, &slot, 1, &n), RTP_OK);
        peer__jitter_buffer_receive(jb, buf, slot.len, 0);
        peer__jb_frame_t f;
        ck_assert_int_eq(peer__jitter_buffer_pop(jb, 0, out, sizeof out, &f), RTP_OK);
        ck_assert(f.keyframe == (i == 0));
    }
    ck_assert_int_eq(calls, 2);
    peer__jitter_buffer_destroy(jb);
}
END_TEST

/* Random but well-formed RTP/VP8 packets with random sequence numbers. */
static size_t random_packet(uint8_t *buf, size_t cap, uint32_t *rng, bool video)
{
    uint32_t r = next_random(rng);
    rtp_header_t h = {
        .marker = r & 1,
        .payload_type = 96,
        .seq = (uint16_t)(r >> 8),
        .timestamp = next_random(rng) % 4 * 3000,
        .ssrc = 1,
    };
    if ((r & 0xf0) != 0) /* mostly near each other, sometimes anywhere */
        h.seq = (uint16_t)(next_random(rng) % 200);
    size_t body = 1 + next_random(rng) % 1400;
    uint8_t payload[1500];
    for (size_t i = 0; i < body; i++)
        payload[i] = (uint8_t)next_random(rng);
    if (video)
        payload[0] = (uint8_t)((payload[0] & 0x10) | 0x80 | (r & 0x20 ? 0 : 1)); /* X, S */
    size_t len = 0;
    if (rtp_write(&h, payload, body, 0, buf, cap, &len) != RTP_OK)
        return 0;
    return len;
}

START_TEST(bounded_under_random_flood)
{
    for (int kind = 0; kind < 2; kind++) {
        bool video = kind == 1;
        peer__jitter_buffer_config_t c =
            peer__jitter_buffer_config_default(video ? PEER__MEDIA_VIDEO : PEER__MEDIA_AUDIO);
        c.max_packets = 64;
        c.max_frame_size = 8000;
        peer__jitter_buffer_t *jb = make_jb(&c);
        size_t mem = peer__jitter_buffer_memory_bytes(jb);
        ck_assert_uint_gt(mem, 64u * 1200u);
        uint32_t rng = 31337;
        static uint8_t out[FRAME_CAP];
        /* Checked with plain comparisons, asserted once: Check's asserts
         * cost a syscall each. */
        size_t max_stored = 0, max_nacks = 0, max_frame = 0, bad = 0;
        for (uint64_t i = 0; i < 50000; i++) {
            uint8_t pkt[1600];
            size_t len = random_packet(pkt, sizeof pkt, &rng, video);
            peer__jitter_buffer_receive(jb, pkt, len, i * 100);
            size_t stored = peer__jitter_buffer_packet_count(jb);
            max_stored = stored > max_stored ? stored : max_stored;
            if (i % 7 == 0) {
                uint16_t seqs[16];
                size_t n = peer__jitter_buffer_poll_nack(jb, i * 100, seqs, 16);
                max_nacks = n > max_nacks ? n : max_nacks;
                peer__jb_frame_t f;
                while (peer__jitter_buffer_pop(jb, i * 100, out, sizeof out, &f) == RTP_OK) {
                    max_frame = f.size > max_frame ? f.size : max_frame;
                    bad += f.lost && f.size != 0;
                }
                peer__jitter_buffer_poll_pli(jb, i * 100);
            }
            bad += peer__jitter_buffer_memory_bytes(jb) != mem;
        }
        ck_assert_uint_le(max_stored, 64);
        ck_assert_uint_gt(max_stored, 8);
        ck_assert_uint_le(max_nacks, 16);
        ck_assert_uint_le(max_frame, video ? 8000u : 1200u);
        ck_assert_uint_eq(bad, 0);
        const peer__jb_stats_t *s = peer__jitter_buffer_stats(jb);
        ck_assert_uint_eq(s->received, 50000);
        ck_assert_uint_gt(s->overflows, 0);
        peer__jitter_buffer_destroy(jb);
    }
}
END_TEST

/* Audio: 20 ms Opus frames with up to `jitter_ms` of random network delay
 * and one packet in 25 lost; returns the target delay reached. */
static uint32_t run_audio(uint32_t jitter_ms, size_t *played, size_t *lost_out, size_t *late)
{
    peer__packetizer_config_t pc = peer__packetizer_config_default();
    pc.kind = PEER__MEDIA_AUDIO;
    pc.payload_type = 111;
    pc.first_seq = 65000;
    peer__packetizer_t p;
    ck_assert_int_eq(peer__packetizer_init(&p, &pc), RTP_OK);
    peer__jitter_buffer_config_t c = peer__jitter_buffer_config_default(PEER__MEDIA_AUDIO);
    peer__jitter_buffer_t *jb = make_jb(&c);

    enum { N = 1000 };
    static uint8_t pkts[N][200];
    static size_t lens[N];
    static uint64_t arrive[N];
    uint32_t rng = 4242 + jitter_ms;
    for (size_t i = 0; i < N; i++) {
        uint8_t frame[60];
        memset(frame, (int)(i & 0xff), sizeof frame);
        peer__packet_slot_t slot = { .data = pkts[i], .cap = sizeof pkts[i] };
        peer__frame_meta_t meta = { .rtp_timestamp = (uint32_t)(960 * i) };
        size_t n = 0;
        ck_assert_int_eq(peer__packetize(&p, &meta, frame, sizeof frame, &slot, 1, &n), RTP_OK);
        lens[i] = slot.len;
        uint64_t jitter = jitter_ms ? (next_random(&rng) % (jitter_ms * MS)) : 0;
        arrive[i] = 1000000u + i * 20 * MS + 30 * MS + jitter;
        if (i % 25 == 13)
            arrive[i] = UINT64_MAX; /* lost */
    }
    /* Packets in arrival order. */
    static size_t order[N];
    for (size_t i = 0; i < N; i++) {
        size_t j = i;
        for (; j > 0 && arrive[order[j - 1]] > arrive[i]; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    size_t next_arrival = 0;
    size_t expect_index = 0;
    *played = *lost_out = 0;
    for (uint64_t now = 1000000u; now < 1000000u + (N + 30) * 20 * MS; now += MS) {
        for (; next_arrival < N && arrive[order[next_arrival]] < now + MS; next_arrival++) {
            size_t i = order[next_arrival];
            peer__jitter_buffer_receive(jb, pkts[i], lens[i], now);
        }
        static uint8_t out[1200];
        peer__jb_frame_t f;
        while (peer__jitter_buffer_pop(jb, now, out, sizeof out, &f) == RTP_OK) {
            /* With jitter far above the frame spacing, the first frames
             * may arrive after a later one has played: start there. */
            if (expect_index == 0 && jitter_ms > 100)
                expect_index = f.rtp_timestamp / 960u;
            ck_assert_uint_eq(f.rtp_timestamp, (uint32_t)(960 * expect_index));
            ck_assert_uint_ge(now, f.playout_us);
            if (f.lost) {
                ck_assert_uint_eq(f.size, 0);
                (*lost_out)++;
            } else {
                ck_assert_uint_eq(f.size, 60);
                ck_assert_uint_eq(out[0], expect_index & 0xff);
                (*played)++;
            }
            expect_index++;
        }
    }
    ck_assert_uint_eq(expect_index, N);
    const peer__jb_stats_t *s = peer__jitter_buffer_stats(jb);
    *late = s->late;
    uint32_t target = s->audio_target_delay_us;
    peer__jitter_buffer_destroy(jb);
    return target;
}

START_TEST(audio_playout_delay_adapts_and_reports_loss)
{
    size_t played, lost, late;
    /* No jitter: the floor, 20 ms; every missing frame reported lost. */
    uint32_t calm = run_audio(0, &played, &lost, &late);
    ck_assert_uint_eq(calm, 20 * MS);
    ck_assert_uint_eq(lost, 40);
    ck_assert_uint_eq(played, 960);
    ck_assert_uint_eq(late, 0);
    /* 60 ms of jitter: the delay grows to cover ~95% of packets. */
    uint32_t rough = run_audio(60, &played, &lost, &late);
    ck_assert_uint_ge(rough, 50 * MS);
    ck_assert_uint_le(rough, 70 * MS);
    ck_assert_uint_ge(played, 900);
    ck_assert_uint_eq(played + lost, 1000);
    ck_assert_uint_eq(late, lost - 40); /* a frame played as lost then arrived */
    /* 500 ms of jitter: capped at 200 ms. */
    uint32_t stormy = run_audio(500, &played, &lost, &late);
    ck_assert_uint_eq(stormy, 200 * MS);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("jitter_buffer");
    TCase *tc = tcase_create("jitter_buffer");
    tcase_add_test(tc, recovers_reordering_and_duplication);
    tcase_add_test(tc, recovers_loss_with_nack);
    tcase_add_test(tc, nack_retry_limit_and_rtt_spacing);
    tcase_add_test(tc, lost_keyframe_leads_to_throttled_pli);
    tcase_add_test(tc, delta_before_keyframe_and_requested_keyframe);
    tcase_add_test(tc, clear_prefix_keyframe_check);
    tcase_add_test(tc, bounded_under_random_flood);
    tcase_add_test(tc, audio_playout_delay_adapts_and_reports_loss);
    suite_add_tcase(s, tc);
    return s;
}
