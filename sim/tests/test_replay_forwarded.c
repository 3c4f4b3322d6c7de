/* What `blindfold replay` sends to its subscribers (label replay):
 * forwarded.pcap against the report, with libpcap and tshark reading it,
 * and a replay through a lossy link profile.
 *
 *  - forwarded_pcap_matches_report: each capture of vectors/pcap/ with
 *    --subscribers 2 (and str0m-vp8.pcap with 201, so a subscriber lands in
 *    the second /24: 10.255.2.1). forwarded.pcap is EN10MB; each frame is
 *    IPv4/UDP from 10.255.0.1:40000 to a subscriber k at
 *    10.255.(1 + k/200).(1 + k%200):50000+k, RTP or RTCP, each RTP frame
 *    at the capture time of a record (the capture's first record time +
 *    replay time, and no link delays it). Its RTP frames are the sum of the
 *    streams' forwarded_packets and sfu.rtp_to_subscribers, its RTCP
 *    frames sfu.rtcp_to_subscribers, and sfu.packets_out adds
 *    sfu.rtcp_to_publishers to both. Each subscriber gets forwarded_packets
 *    / N of each stream: as the SFU gives every subscriber SSRCs of its
 *    own, a stream is found by payload type and count, and every SSRC a
 *    subscriber gets must be some stream's. tshark opens the file (exit
 *    0) and sees the same per-subscriber, per-SSRC counts from the SFU's
 *    address and a stream to every subscriber; when the capture's streams
 *    lost nothing, neither do the forwarded ones.
 *  - lossy_link_loses_and_nacks: --link with a profile of 50 ms and 10%
 *    Bernoulli loss: the streams table still counts the capture's packets,
 *    fewer are forwarded than captured, the SFU sent upstream NACKs, and
 *    the same seed gives the same streams.csv and forwarded.pcap. */
#include "rtp/rtp.h"
#include "sim/tests/tshark_util.h"

#include <jansson.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#define PATH_CAP        REPLAY_PATH_CAP
#define MAX_SUBSCRIBERS 256
#define MAX_SSRCS       16

/* --- forwarded.pcap, walked here -------------------------------------------- */

typedef struct per_subscriber {
    uint64_t rtp, rtcp;
    uint32_t ssrc[MAX_SSRCS];
    uint8_t ssrc_pt[MAX_SSRCS]; /* payload type of its first packet */
    uint64_t ssrc_packets[MAX_SSRCS];
    bool ssrc_claimed[MAX_SSRCS]; /* matched to a stream of the report */
    size_t n_ssrcs;
} per_subscriber_t;

typedef struct forwarded {
    uint64_t frames;
    int64_t first_us, last_us;
    int64_t *rtp_us; /* time of each RTP frame */
    size_t n_rtp, cap_rtp;
    per_subscriber_t sub[MAX_SUBSCRIBERS];
} forwarded_t;

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static int compare_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The capture times of every record of `path`, sorted; the caller frees. */
static int64_t *record_times(const char *path, size_t *n)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    ck_assert_msg(pc != NULL, "%s: %s", path, err);
    struct pcap_pkthdr *hdr;
    const u_char *frame;
    size_t cap = 1024;
    int64_t *times = malloc(cap * sizeof *times);
    ck_assert_ptr_nonnull(times);
    *n = 0;
    while (pcap_next_ex(pc, &hdr, &frame) == 1) {
        if (*n == cap) {
            cap *= 2;
            times = realloc(times, cap * sizeof *times);
            ck_assert_ptr_nonnull(times);
        }
        times[(*n)++] = (int64_t)hdr->ts.tv_sec * 1000000 + hdr->ts.tv_usec;
    }
    pcap_close(pc);
    ck_assert_uint_gt(*n, 0);
    qsort(times, *n, sizeof *times, compare_i64);
    return times;
}

/* The frame's subscriber from its destination; asserts the addressing. */
static unsigned subscriber_of(const uint8_t *ip, unsigned subscribers)
{
    static const uint8_t sfu[4] = { 10, 255, 0, 1 };
    ck_assert_msg(memcmp(ip + 12, sfu, 4) == 0, "source %u.%u.%u.%u, not 10.255.0.1", ip[12],
                  ip[13], ip[14], ip[15]);
    ck_assert_msg(ip[16] == 10 && ip[17] == 255 && ip[18] >= 1 && ip[19] >= 1 && ip[19] <= 200,
                  "destination %u.%u.%u.%u", ip[16], ip[17], ip[18], ip[19]);
    unsigned k = (unsigned)(ip[18] - 1) * 200u + (unsigned)(ip[19] - 1);
    ck_assert_msg(k < subscribers, "subscriber %u of %u", k, subscribers);
    const uint8_t *udp = ip + (ip[0] & 0x0F) * 4;
    ck_assert_uint_eq(rd16(udp), 40000);
    ck_assert_uint_eq(rd16(udp + 2), 50000 + k);
    return k;
}

static forwarded_t *walk_forwarded(const char *path, unsigned subscribers)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    ck_assert_msg(pc != NULL, "%s: %s", path, err);
    ck_assert_int_eq(pcap_datalink(pc), DLT_EN10MB);
    forwarded_t *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    struct pcap_pkthdr *hdr;
    const u_char *frame;
    while (pcap_next_ex(pc, &hdr, &frame) == 1) {
        int64_t us = (int64_t)hdr->ts.tv_sec * 1000000 + hdr->ts.tv_usec;
        f->first_us = f->frames == 0 || us < f->first_us ? us : f->first_us;
        f->last_us = us > f->last_us ? us : f->last_us;
        f->frames++;
        ck_assert_msg(hdr->caplen == hdr->len && hdr->caplen >= 14 + 20 + 8 + 8,
                      "frame %llu: %u of %u bytes", (unsigned long long)f->frames, hdr->caplen,
                      hdr->len);
        ck_assert_uint_eq(rd16(frame + 12), 0x0800);
        const uint8_t *ip = frame + 14;
        ck_assert_uint_eq(ip[0] >> 4, 4);
        ck_assert_uint_eq(ip[9], 17);
        ck_assert_uint_eq(rd16(ip + 2), hdr->caplen - 14);
        per_subscriber_t *s = &f->sub[subscriber_of(ip, subscribers)];
        const uint8_t *udp = ip + (ip[0] & 0x0F) * 4;
        size_t len = rd16(udp + 4) - 8u;
        rtp_demux_kind_t kind = rtp_demux(udp + 8, len);
        ck_assert_msg(kind == RTP_DEMUX_RTP || kind == RTP_DEMUX_RTCP,
                      "frame %llu is neither RTP nor RTCP", (unsigned long long)f->frames);
        if (kind == RTP_DEMUX_RTCP) {
            s->rtcp++;
            continue;
        }
        s->rtp++;
        if (f->n_rtp == f->cap_rtp) {
            f->cap_rtp = f->cap_rtp ? 2 * f->cap_rtp : 1024;
            f->rtp_us = realloc(f->rtp_us, f->cap_rtp * sizeof *f->rtp_us);
            ck_assert_ptr_nonnull(f->rtp_us);
        }
        f->rtp_us[f->n_rtp++] = us;
        uint32_t ssrc = (uint32_t)rd16(udp + 16) << 16 | rd16(udp + 18);
        size_t j = 0;
        while (j < s->n_ssrcs && s->ssrc[j] != ssrc)
            j++;
        if (j == s->n_ssrcs) {
            ck_assert_uint_lt(s->n_ssrcs, MAX_SSRCS);
            s->ssrc_pt[s->n_ssrcs] = udp[9] & 0x7F;
            s->ssrc[s->n_ssrcs++] = ssrc;
        }
        s->ssrc_packets[j]++;
    }
    pcap_close(pc);
    return f;
}

static uint64_t subscriber_ssrc_packets(const per_subscriber_t *s, uint32_t ssrc)
{
    for (size_t j = 0; j < s->n_ssrcs; j++) {
        if (s->ssrc[j] == ssrc)
            return s->ssrc_packets[j];
    }
    return 0;
}

/* The SFU gives each subscriber its own SSRCs, so a stream of the report
 * is found among a subscriber's by payload type and count: claims the
 * first unclaimed SSRC with both; false when there is none. */
static bool claim_stream(per_subscriber_t *s, uint8_t pt, uint64_t packets)
{
    for (size_t j = 0; j < s->n_ssrcs; j++) {
        if (!s->ssrc_claimed[j] && s->ssrc_pt[j] == pt && s->ssrc_packets[j] == packets) {
            s->ssrc_claimed[j] = true;
            return true;
        }
    }
    return false;
}

static const json_t *sfu_get(const json_t *report, const char *key)
{
    const json_t *v = json_object_get(json_object_get(report, "sfu"), key);
    ck_assert_msg(json_is_integer(v), "sfu.%s is not an integer", key);
    return v;
}

/* --- forwarded.pcap against the report ------------------------------------- */

/* tshark's streams of forwarded.pcap: per subscriber and SSRC, the counts
 * of the walk, from the SFU's address, and no loss when `lossless`. */
static void tshark_agrees(const char *path, const forwarded_t *f, unsigned subscribers,
                          bool lossless)
{
    static ts_row_t rows[TS_MAX_ROWS];
    size_t n = tshark_streams(path, rows);
    uint64_t tshark_total = 0, walk_total = 0;
    for (unsigned k = 0; k < subscribers; k++)
        walk_total += f->sub[k].rtp;
    for (size_t i = 0; i < n; i++) {
        const ts_row_t *r = &rows[i];
        ck_assert_str_eq(r->src, "10.255.0.1");
        ck_assert_uint_eq(r->sport, 40000);
        ck_assert_uint_ge(r->dport, 50000);
        unsigned k = r->dport - 50000;
        ck_assert_uint_lt(k, subscribers);
        char want[32];
        snprintf(want, sizeof want, "10.255.%u.%u", 1 + k / 200, 1 + k % 200);
        ck_assert_str_eq(r->dst, want);
        ck_assert_msg(r->packets == subscriber_ssrc_packets(&f->sub[k], r->ssrc),
                      "%s: tshark %lu packets of 0x%08X to subscriber %u, the walk %llu", path,
                      r->packets, r->ssrc, k,
                      (unsigned long long)subscriber_ssrc_packets(&f->sub[k], r->ssrc));
        if (lossless)
            ck_assert_msg(r->lost == 0, "%s: 0x%08X to subscriber %u lost %ld", path, r->ssrc, k,
                          r->lost);
        tshark_total += r->packets;
    }
    ck_assert_msg(tshark_total == walk_total, "%s: tshark %llu RTP packets, the walk %llu", path,
                  (unsigned long long)tshark_total, (unsigned long long)walk_total);
    for (unsigned k = 0; k < subscribers; k++) {
        bool seen = false;
        for (size_t i = 0; i < n; i++)
            seen = seen || rows[i].dport == 50000 + k;
        ck_assert_msg(seen, "%s: tshark sees no stream to subscriber %u", path, k);
    }
}

static void check_forwarded(const char *capture, unsigned subscribers)
{
    char dir[PATH_CAP], args[64], path[PATH_CAP + 32];
    tool_work_dir("replay-forwarded", dir, sizeof dir);
    snprintf(args, sizeof args, "--subscribers %u", subscribers);
    replay_ok(capture, dir, args);
    json_t *report = replay_load_report(dir);
    ck_assert_int_eq(json_integer_value(json_object_get(report, "subscribers")), subscribers);
    snprintf(path, sizeof path, "%s/forwarded.pcap", dir);
    forwarded_t *f = walk_forwarded(path, subscribers);

    /* sfu.packets_out also counts the SFU's RTCP to the publishers, which
     * forwarded.pcap leaves out (it holds what the subscribers get). */
    long long rtp_out = json_integer_value(sfu_get(report, "rtp_to_subscribers"));
    long long rtcp_out = json_integer_value(sfu_get(report, "rtcp_to_subscribers"));
    long long to_publishers = json_integer_value(sfu_get(report, "rtcp_to_publishers"));
    ck_assert_msg(json_integer_value(sfu_get(report, "packets_out")) ==
                      rtp_out + rtcp_out + to_publishers,
                  "%s: sfu.packets_out %lld is not %lld RTP + %lld RTCP to subscribers + %lld "
                  "RTCP to publishers",
                  capture, json_integer_value(sfu_get(report, "packets_out")), rtp_out, rtcp_out,
                  to_publishers);
    ck_assert_msg(f->frames == (uint64_t)(rtp_out + rtcp_out),
                  "%s: forwarded.pcap holds %llu frames, the SFU sent %lld + %lld to subscribers",
                  capture, (unsigned long long)f->frames, rtp_out, rtcp_out);
    size_t n_times = 0;
    int64_t *times = record_times(capture, &n_times);
    int64_t t0 = times[0];
    bool lossless = true;
    uint64_t forwarded_sum = 0;
    for (size_t i = 0; i < replay_stream_count(report); i++) {
        long long fwd = replay_stream_int(report, i, "forwarded_packets");
        const char *ssrc_text = replay_stream_str(report, i, "ssrc");
        ck_assert_msg(fwd % subscribers == 0, "%s %s: %lld forwarded for %u subscribers", capture,
                      ssrc_text, fwd, subscribers);
        uint8_t pt = (uint8_t)replay_stream_int(report, i, "payload_type");
        for (unsigned k = 0; k < subscribers && fwd > 0; k++)
            ck_assert_msg(claim_stream(&f->sub[k], pt, (uint64_t)fwd / subscribers),
                          "%s %s: subscriber %u has no stream of PT %u with %lld / %u packets",
                          capture, ssrc_text, k, pt, fwd, subscribers);
        forwarded_sum += (uint64_t)fwd;
        lossless = lossless && replay_stream_int(report, i, "lost") == 0 &&
                   replay_stream_int(report, i, "reordered") == 0 &&
                   replay_stream_int(report, i, "duplicates") == 0;
    }
    uint64_t rtp_frames = 0, rtcp_frames = 0;
    for (unsigned k = 0; k < subscribers; k++) {
        for (size_t j = 0; j < f->sub[k].n_ssrcs; j++)
            ck_assert_msg(f->sub[k].ssrc_claimed[j], "%s: subscriber %u got 0x%08X, no stream's",
                          capture, k, f->sub[k].ssrc[j]);
        rtp_frames += f->sub[k].rtp;
        rtcp_frames += f->sub[k].rtcp;
        ck_assert_msg(f->sub[k].rtp == f->sub[0].rtp, "%s: subscriber %u got %llu, 0 got %llu",
                      capture, k, (unsigned long long)f->sub[k].rtp,
                      (unsigned long long)f->sub[0].rtp);
    }
    ck_assert_msg(rtp_frames == forwarded_sum && rtp_frames == (uint64_t)rtp_out,
                  "%s: %llu RTP frames, forwarded_packets sum %llu, sfu.rtp_to_subscribers %lld",
                  capture, (unsigned long long)rtp_frames, (unsigned long long)forwarded_sum,
                  rtp_out);
    ck_assert_msg(rtcp_frames == (uint64_t)rtcp_out,
                  "%s: %llu RTCP frames, sfu.rtcp_to_subscribers %lld", capture,
                  (unsigned long long)rtcp_frames, rtcp_out);
    ck_assert_msg(f->frames > 0 && f->first_us >= t0, "%s: first frame at %lld us, capture at %lld",
                  capture, (long long)f->first_us, (long long)t0);
    /* Without a link the core forwards each packet when it arrives, at the
     * capture's first record time + replay time = the packet's own capture
     * time (the vectors have no gap the replay would shorten). RTCP runs
     * on the core's timers, so only RTP is held to it. */
    for (size_t i = 0; i < f->n_rtp; i++)
        ck_assert_msg(bsearch(&f->rtp_us[i], times, n_times, sizeof *times, compare_i64) != NULL,
                      "%s: forwarded RTP frame at %lld us (%.6f s into the capture) is at no "
                      "record's time",
                      capture, (long long)f->rtp_us[i], (double)(f->rtp_us[i] - t0) / 1e6);
    /* RTCP: timers late by at most a few seconds after the last packet. */
    ck_assert_msg(f->last_us <= times[n_times - 1] + 30000000,
                  "%s: last frame %.6f s into the capture, its last record at %.6f s", capture,
                  (double)(f->last_us - t0) / 1e6, (double)(times[n_times - 1] - t0) / 1e6);
    free(times);
    tshark_agrees(path, f, subscribers, lossless);
    free(f->rtp_us);
    free(f);
    json_decref(report);
    tool_remove_dir(dir);
}

START_TEST(forwarded_pcap_matches_report)
{
    char capture[PATH_CAP];
    ck_assert_uint_gt(replay_capture_path((size_t)_i, capture, sizeof capture), (size_t)_i);
    check_forwarded(capture, 2);
}
END_TEST

START_TEST(forwarded_pcap_addresses_201_subscribers)
{
    char capture[PATH_CAP];
    replay_capture_named("str0m-vp8.pcap", capture, sizeof capture);
    check_forwarded(capture, 201);
}
END_TEST

/* --- A lossy link ----------------------------------------------------------- */

static bool files_equal(const char *a, const char *b)
{
    char cmd[3 * PATH_CAP];
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
    return system(cmd) == 0;
}

START_TEST(lossy_link_loses_and_nacks)
{
    char capture[PATH_CAP], dir[PATH_CAP], args[PATH_CAP + 64], ideal[PATH_CAP + 32],
        lossy[2][PATH_CAP + 32];
    replay_capture_named("membrane-vp8.pcap", capture, sizeof capture);
    const char *fixtures = tool_path("REPLAY_FIXTURES");
    tool_work_dir("replay-link", dir, sizeof dir);
    snprintf(ideal, sizeof ideal, "%s/ideal", dir);
    replay_ok(capture, ideal, "");
    snprintf(args, sizeof args, "--link '%s/link-lossy.json' --seed 7", fixtures);
    for (int run = 0; run < 2; run++) {
        snprintf(lossy[run], sizeof lossy[run], "%s/lossy%d", dir, run);
        replay_ok(capture, lossy[run], args);
    }

    json_t *plain = replay_load_report(ideal), *report = replay_load_report(lossy[0]);
    ck_assert_uint_eq(replay_stream_count(report), replay_stream_count(plain));
    long long packets = 0, forwarded = 0;
    for (size_t i = 0; i < replay_stream_count(report); i++) {
        ck_assert_msg(replay_stream_int(report, i, "packets") ==
                          replay_stream_int(plain, i, "packets"),
                      "stream %zu: the link changed the capture's count", i);
        packets += replay_stream_int(report, i, "packets");
        forwarded += replay_stream_int(report, i, "forwarded_packets");
    }
    ck_assert_msg(forwarded < packets, "forwarded %lld of %lld packets through 10%% loss",
                  forwarded, packets);
    ck_assert_msg(json_integer_value(sfu_get(report, "upstream_nacks_sent")) > 0,
                  "no upstream NACK through 10%% loss");

    char a[PATH_CAP + 64], b[PATH_CAP + 64];
    static const char *const outputs[] = { "streams.csv", "forwarded.pcap" };
    for (size_t k = 0; k < 2; k++) {
        snprintf(a, sizeof a, "%s/%s", lossy[0], outputs[k]);
        snprintf(b, sizeof b, "%s/%s", lossy[1], outputs[k]);
        ck_assert_msg(files_equal(a, b), "%s differs between two runs with seed 7", outputs[k]);
    }
    json_decref(plain);
    json_decref(report);
    tool_remove_dir(dir);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("replay_forwarded");
    int captures = (int)replay_capture_path(0, NULL, 0);
    TCase *forwarded = tcase_create("forwarded");
    tcase_add_loop_test(forwarded, forwarded_pcap_matches_report, 0, captures > 0 ? captures : 1);
    tcase_add_test(forwarded, forwarded_pcap_addresses_201_subscribers);
    suite_add_tcase(s, forwarded);
    TCase *link = tcase_create("link");
    tcase_add_test(link, lossy_link_loses_and_nacks);
    suite_add_tcase(s, link);
    return s;
}
