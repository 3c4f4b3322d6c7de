/* bench_sfu: packets the SFU core forwards per second on one core, against
 * libsrtp alone doing the same SRTP work, in the same run.
 *
 * Cases: one room with P publishers and S subscribers (distinct
 * participants), every subscriber subscribed to every publisher's video
 * track: 1x50, 10x10, and 50x50 with last_n = 4. Publishers send 1200-byte
 * VP8 payloads with frame marking (one layer, a keyframe first); no audio,
 * so last-N falls back to join order and forwards the first 4 publishers.
 * For each SRTP profile (AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80, none)
 * the packets are protected in advance with each publisher's keys, then
 * timed through sfu_input(): unprotect, parse, keyframe check, upstream
 * NACK bookkeeping, per subscriber rewrite + twcc + history + protect, and
 * a sink that only counts.
 *
 * Reference ("libsrtp"): raw libsrtp2 contexts keyed the same way doing the
 * same calls on the same bytes: one srtp_unprotect() per input packet and
 * one srtp_protect() per forwarded copy (on that subscriber's context and
 * SSRC), with the memcpy each needs. The ratio is reference time / SFU
 * time, i.e. value / reference_value in packets forwarded per second
 * (higher is better). The none profile has no reference.
 *
 * Timing: CLOCK_MONOTONIC around passes; SFU and reference passes
 * alternate, in alternating order, and the best pass of each counts. Each pass uses fresh sequence
 * numbers (SRTP replay windows), protected outside the timing. Output
 * follows docs/cli.md "Benchmarks". --quick runs a few seconds. */
#include "sfu/sfu.h"

#include "rtp/rtp.h"

#include <srtp2/srtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

#define PAYLOAD_LEN 1200u
#define PKT_CAP     1536u
#define FM_EXT_ID   7
#define TWCC_EXT_ID 3

typedef struct bench_case {
    const char *name;
    unsigned publishers, subscribers, last_n;
    unsigned packets_per_publisher; /* per pass, full run */
} bench_case_t;

static const bench_case_t cases[] = {
    { "1x50", 1, 50, 0, 2000 },
    { "10x10", 10, 10, 0, 1000 },
    { "50x50-last4", 50, 50, 4, 500 },
};

typedef struct profile_row {
    sfu_srtp_profile_t profile;
    const char *name;
    srtp_profile_t libsrtp;
    size_t key_len, salt_len;
} profile_row_t;

static const profile_row_t profiles[] = {
    { SFU_SRTP_AEAD_AES_128_GCM, "gcm", srtp_profile_aead_aes_128_gcm, 16, 12 },
    { SFU_SRTP_AES_CM_128_HMAC_SHA1_80, "cm-sha1", srtp_profile_aes128_cm_sha1_80, 16, 14 },
    { SFU_SRTP_NONE, "none", srtp_profile_reserved, 0, 0 },
};

typedef struct packet {
    uint32_t words[PKT_CAP / 4]; /* aligned for libsrtp */
    int len;
    unsigned publisher;
} packet_t;

static uint64_t sink_count;

static void count_sink(void *ctx, uint32_t id, uint64_t now_us, const uint8_t *b, size_t len)
{
    (void)ctx, (void)id, (void)now_us, (void)b, (void)len;
    sink_count++;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* RFC 5764 4.2 keying material for participant `id`: client key, server
 * key, client salt, server salt. */
static void material(const profile_row_t *pr, unsigned id, uint8_t *out, size_t *len)
{
    *len = 2 * (pr->key_len + pr->salt_len);
    for (size_t i = 0; i < *len; i++)
        out[i] = (uint8_t)(id * 131u + i * 7u + 3u);
}

/* key || salt of one side ("client" when client is true). */
static void key_salt(const profile_row_t *pr, unsigned id, bool client, uint8_t *out)
{
    uint8_t m[64];
    size_t len;
    material(pr, id, m, &len);
    memcpy(out, m + (client ? 0 : pr->key_len), pr->key_len);
    memcpy(out + pr->key_len, m + 2 * pr->key_len + (client ? 0 : pr->salt_len), pr->salt_len);
}

static srtp_t make_ctx(const profile_row_t *pr, unsigned id, bool client, bool outbound)
{
    uint8_t ks[64];
    key_salt(pr, id, client, ks);
    srtp_policy_t policy;
    memset(&policy, 0, sizeof(policy));
    if (srtp_crypto_policy_set_from_profile_for_rtp(&policy.rtp, pr->libsrtp) !=
            srtp_err_status_ok ||
        srtp_crypto_policy_set_from_profile_for_rtcp(&policy.rtcp, pr->libsrtp) !=
            srtp_err_status_ok)
        return NULL;
    policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    policy.key = ks;
    policy.window_size = 1024;
    policy.allow_repeat_tx = outbound;
    srtp_t ctx = NULL;
    if (srtp_create(&ctx, &policy) != srtp_err_status_ok)
        return NULL;
    return ctx;
}

static uint32_t pub_ssrc(unsigned p)
{
    return 0x10000000u + p;
}
static uint32_t sub_ssrc(unsigned s, unsigned p)
{
    return 0x20000000u + s * 1000u + p;
}

static size_t build_packet(unsigned p, uint16_t seq, bool key, uint8_t *out)
{
    uint8_t ext[16];
    rtp_ext_writer_t w;
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, ext, sizeof(ext));
    rtp_frame_marking_t fm = { .start_of_frame = true, .end_of_frame = true, .independent = key };
    uint8_t v[3];
    rtp_ext_writer_add(&w, FM_EXT_ID, v, rtp_ext_frame_marking_write(&fm, v));
    uint8_t tw[2];
    rtp_ext_writer_add(&w, TWCC_EXT_ID, tw, rtp_ext_twcc_seq_write(seq, tw));
    rtp_header_t h = { .extension = true,
                       .payload_type = 96,
                       .seq = seq,
                       .timestamp = 3000u * seq,
                       .ssrc = pub_ssrc(p),
                       .ext = ext };
    rtp_ext_writer_finish(&w, &h.ext_profile, &h.ext_len);
    uint8_t payload[PAYLOAD_LEN];
    rtp_vp8_desc_t d = { .start_of_partition = true,
                         .extended = true,
                         .has_picture_id = true,
                         .picture_id_long = true,
                         .picture_id = (uint16_t)(seq & 0x7fff) };
    size_t dl = 0;
    rtp_vp8_desc_write(&d, payload, sizeof(payload), &dl);
    for (size_t i = dl; i < PAYLOAD_LEN; i++)
        payload[i] = (uint8_t)(i * 29u + seq);
    payload[dl] = key ? 0x10 : 0x11;
    size_t len = 0;
    if (rtp_write(&h, payload, PAYLOAD_LEN, 0, out, PKT_CAP, &len) != RTP_OK)
        return 0;
    return len;
}

typedef struct run {
    const bench_case_t *bc;
    const profile_row_t *pr;
    unsigned per_pub;
    sfu_room_t *room;
    srtp_t *pub_tx;    /* publishers' own senders (setup only) */
    srtp_t *ref_rx;    /* reference: one inbound per publisher */
    srtp_t *ref_tx;    /* reference: one outbound per subscriber */
    packet_t *packets; /* this pass's input */
    size_t n_packets;
    uint16_t next_seq;
    uint64_t now_us;
} run_t;

static int setup(run_t *r)
{
    const bench_case_t *bc = r->bc;
    sfu_config_t config = sfu_config_default();
    config.srtp_profile = r->pr->profile;
    config.sink = count_sink;
    config.last_n = bc->last_n;
    config.history_packets_video = 64;
    config.history_slot_size = 1300;
    config.max_participants = bc->publishers + bc->subscribers;
    config.max_subscriptions = bc->publishers;
    config.max_subscribers = bc->subscribers;
    if (sfu_room_new(&config, &r->room) != SFU_OK)
        return -1;
    unsigned n = bc->publishers + bc->subscribers;
    r->pub_tx = calloc(bc->publishers, sizeof(srtp_t));
    r->ref_rx = calloc(bc->publishers, sizeof(srtp_t));
    r->ref_tx = calloc(bc->subscribers, sizeof(srtp_t));
    r->n_packets = (size_t)bc->publishers * r->per_pub;
    r->packets = aligned_alloc(16, r->n_packets * sizeof(packet_t));
    if (r->pub_tx == NULL || r->ref_rx == NULL || r->ref_tx == NULL || r->packets == NULL)
        return -1;
    for (unsigned id = 0; id < n; id++) {
        uint8_t m[64];
        size_t len = 0;
        material(r->pr, id, m, &len);
        sfu_participant_config_t pc = { .id = id,
                                        .role = SFU_DTLS_SERVER,
                                        .keying_material = len ? m : NULL,
                                        .keying_material_len = len };
        if (sfu_add_participant(r->room, &pc) != SFU_OK)
            return -1;
    }
    for (unsigned p = 0; p < bc->publishers; p++) {
        sfu_track_config_t t = sfu_track_config_default();
        t.track_id = 1;
        t.layers[0].ssrc = pub_ssrc(p);
        t.layers[0].rtx_ssrc = pub_ssrc(p) + 0x01000000u;
        t.keyframe_signal = SFU_KEYFRAME_FRAME_MARKING;
        t.ext.frame_marking = FM_EXT_ID;
        t.ext.twcc = TWCC_EXT_ID;
        if (sfu_declare_track(r->room, p, &t) != SFU_OK)
            return -1;
        if (r->pr->profile != SFU_SRTP_NONE) {
            r->pub_tx[p] = make_ctx(r->pr, p, true, true);
            r->ref_rx[p] = make_ctx(r->pr, p, true, false);
            if (r->pub_tx[p] == NULL || r->ref_rx[p] == NULL)
                return -1;
        }
    }
    for (unsigned s = 0; s < bc->subscribers; s++) {
        unsigned id = bc->publishers + s;
        for (unsigned p = 0; p < bc->publishers; p++) {
            sfu_subscription_config_t sc = { .ssrc = sub_ssrc(s, p),
                                             .rtx_ssrc = sub_ssrc(s, p) + 0x01000000u };
            if (sfu_subscribe(r->room, id, p, 1, &sc) != SFU_OK)
                return -1;
        }
        if (r->pr->profile != SFU_SRTP_NONE) {
            r->ref_tx[s] = make_ctx(r->pr, id, false, true);
            if (r->ref_tx[s] == NULL)
                return -1;
        }
    }
    (void)sfu_poll(r->room, 0); /* ranks last-N */
    return 0;
}

static void teardown(run_t *r)
{
    sfu_room_free(r->room);
    for (unsigned p = 0; r->pub_tx != NULL && p < r->bc->publishers; p++) {
        if (r->pub_tx[p] != NULL)
            srtp_dealloc(r->pub_tx[p]);
        if (r->ref_rx[p] != NULL)
            srtp_dealloc(r->ref_rx[p]);
    }
    for (unsigned s = 0; r->ref_tx != NULL && s < r->bc->subscribers; s++)
        if (r->ref_tx[s] != NULL)
            srtp_dealloc(r->ref_tx[s]);
    free(r->pub_tx);
    free(r->ref_rx);
    free(r->ref_tx);
    free(r->packets);
}

/* The next pass's packets, interleaved across publishers, protected. */
static int prepare_pass(run_t *r)
{
    size_t k = 0;
    for (unsigned i = 0; i < r->per_pub; i++) {
        uint16_t seq = r->next_seq++;
        for (unsigned p = 0; p < r->bc->publishers; p++, k++) {
            packet_t *pk = &r->packets[k];
            uint8_t *b = (uint8_t *)pk->words;
            size_t len = build_packet(p, seq, seq == 0, b);
            if (len == 0)
                return -1;
            pk->len = (int)len;
            pk->publisher = p;
            if (r->pr->profile != SFU_SRTP_NONE &&
                srtp_protect(r->pub_tx[p], b, &pk->len) != srtp_err_status_ok)
                return -1;
        }
    }
    return 0;
}

static double time_sfu(run_t *r, uint64_t *forwarded)
{
    uint64_t before = sink_count;
    double t0 = now_ns();
    for (size_t k = 0; k < r->n_packets; k++) {
        const packet_t *pk = &r->packets[k];
        r->now_us += 20;
        (void)sfu_input(r->room, pk->publisher, r->now_us, (const uint8_t *)pk->words,
                        (size_t)pk->len);
    }
    double t = now_ns() - t0;
    *forwarded = sink_count - before;
    return t;
}

static double time_reference(run_t *r, unsigned forwarding_publishers, uint64_t *forwarded)
{
    static uint32_t in[PKT_CAP / 4], out[PKT_CAP / 4];
    uint64_t n = 0;
    double t0 = now_ns();
    for (size_t k = 0; k < r->n_packets; k++) {
        const packet_t *pk = &r->packets[k];
        int len = pk->len;
        memcpy(in, pk->words, (size_t)len);
        if (srtp_unprotect(r->ref_rx[pk->publisher], in, &len) != srtp_err_status_ok)
            return -1;
        if (pk->publisher >= forwarding_publishers)
            continue;
        uint8_t *o = (uint8_t *)out;
        for (unsigned s = 0; s < r->bc->subscribers; s++) {
            memcpy(out, in, (size_t)len);
            uint32_t ssrc = sub_ssrc(s, pk->publisher);
            o[8] = (uint8_t)(ssrc >> 24), o[9] = (uint8_t)(ssrc >> 16);
            o[10] = (uint8_t)(ssrc >> 8), o[11] = (uint8_t)ssrc;
            int olen = len;
            if (srtp_protect(r->ref_tx[s], out, &olen) != srtp_err_status_ok)
                return -1;
            n++;
        }
    }
    double t = now_ns() - t0;
    *forwarded = n;
    return t;
}

static int run_case(const bench_case_t *bc, const profile_row_t *pr, bool quick)
{
    run_t r = { .bc = bc,
                .pr = pr,
                .per_pub = quick ? bc->packets_per_publisher / 8 : bc->packets_per_publisher };
    int rounds = quick ? 3 : 8;
    int rc = setup(&r);
    double best_sfu = 0, best_ref = 0;
    uint64_t fwd_sfu = 0, fwd_ref = 0;
    unsigned forwarding =
        bc->last_n > 0 && bc->last_n < bc->publishers ? bc->last_n : bc->publishers;
    /* Warm-up pass: the first keyframes, histories touched */
    if (rc == 0)
        rc = prepare_pass(&r);
    if (rc == 0) {
        uint64_t f;
        (void)time_sfu(&r, &f);
    }
    for (int round = 0; rc == 0 && round < rounds; round++) {
        rc = prepare_pass(&r);
        if (rc != 0)
            break;
        /* Alternate which side runs first, so neither always gets the
         * cache the other warmed. */
        for (int side = 0; side < 2; side++) {
            bool sfu_turn = (side == 0) == (round % 2 == 0);
            uint64_t f = 0;
            if (sfu_turn) {
                double t = time_sfu(&r, &f);
                if (best_sfu == 0 || t < best_sfu)
                    best_sfu = t, fwd_sfu = f;
            } else if (pr->profile != SFU_SRTP_NONE) {
                double t = time_reference(&r, forwarding, &f);
                if (t < 0) {
                    rc = -1;
                    break;
                }
                if (best_ref == 0 || t < best_ref)
                    best_ref = t, fwd_ref = f;
            }
        }
    }
    if (rc == 0) {
        double value = (double)fwd_sfu / (best_sfu / 1e9);
        printf("{\"bench\": \"sfu\", \"case\": \"%s-%s\", \"metric\": \"packets_per_s\", "
               "\"value\": %.0f, \"unit\": \"1/s\"",
               bc->name, pr->name, value);
        if (pr->profile != SFU_SRTP_NONE) {
            double ref = (double)fwd_ref / (best_ref / 1e9);
            printf(", \"reference\": \"libsrtp\", \"reference_value\": %.0f, \"ratio\": %.3f", ref,
                   value / ref);
        }
        printf("}\n");
        fflush(stdout);
        if (fwd_sfu == 0 || (pr->profile != SFU_SRTP_NONE && fwd_ref != fwd_sfu)) {
            fprintf(stderr, "bench_sfu: %s-%s: forwarded %llu, reference %llu\n", bc->name,
                    pr->name, (unsigned long long)fwd_sfu, (unsigned long long)fwd_ref);
            rc = -1;
        }
    } else {
        fprintf(stderr, "bench_sfu: %s-%s: setup failed\n", bc->name, pr->name);
    }
    teardown(&r);
    return rc;
}

int main(int argc, char **argv)
{
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else {
            fprintf(stderr, "usage: bench_sfu [--quick]\n");
            return EXIT_USAGE;
        }
    }
    /* libsrtp is initialised once per process, by the SFU's first keyed
     * participant (a second srtp_init() fails): make one first. */
    sfu_config_t config = sfu_config_default();
    config.sink = count_sink;
    sfu_room_t *room = NULL;
    uint8_t m[64];
    size_t len = 0;
    material(&profiles[0], 0, m, &len);
    sfu_participant_config_t pc = { .id = 0, .keying_material = m, .keying_material_len = len };
    bool ok = sfu_room_new(&config, &room) == SFU_OK && sfu_add_participant(room, &pc) == SFU_OK;
    sfu_room_free(room);
    if (!ok)
        return EXIT_INTERNAL;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
        for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++)
            if (run_case(&cases[c], &profiles[p], quick) != 0)
                return EXIT_INTERNAL;
    return 0;
}
