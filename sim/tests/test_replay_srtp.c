/* `blindfold replay` on SRTP captures (label replay): each capture of
 * vectors/pcap/ protected by pcap_variant's srtp mode (hbh, libsrtp2,
 * AES_CM_128_HMAC_SHA1_80 under the master key||salt
 * "blindfold-replay-srtp-test-key", sim/tests/pcap_variant.c), replayed
 * with keys given the ways docs/cli.md allows, against the plain
 * capture's replay. tshark finds no bad IPv4 or UDP checksum in the SRTP
 * captures.
 *
 *  - right_key_decrypts: `--srtp-key PROFILE:B64` with the right key: every
 *    stream "decrypted" by "--srtp-key 1", with the plain replay's packets,
 *    lost, forwarded_packets and looks_encrypted, and 10 more bytes per
 *    packet (the tag); no srtp_auth_failed; report.keys lists the key.
 *  - wrong_key_opens_nothing: another key: every stream "undecryptable",
 *    srtp_key null, not replayed (with a reason), nothing forwarded, and
 *    skipped.srtp_auth_failed counts every RTP packet of the capture.
 *  - dtls_material_opens: `--dtls-srtp-material` with the right key||salt
 *    as the client's (then the server's) half of RFC 5764's layout and a
 *    wrong one as the other: decrypted, by "--dtls-srtp-material client"
 *    (then "server"); report.keys lists both halves, client first.
 *  - bound_keys_apply_to_their_source: on the capture with two sources,
 *    `SRC_IP:PORT=PROFILE:B64` binds: the right key bound to the first
 *    stream's source and a wrong one to the second's opens the first only;
 *    a wrong key bound to the first source before an unbound right key
 *    leaves both to "--srtp-key 2".
 *  - rtcp_is_protected_and_counted: a synthetic capture of PCMU RTP with
 *    RTCP sender reports: pcap_variant's srtp mode adds the 10-byte tag to
 *    each RTP packet and the E flag, SRTCP index and tag (14 bytes) to each
 *    RTCP packet; the replay counts the RTCP under skipped.rtcp whatever
 *    the key, and srtp_auth_failed counts RTP packets only. */
#include "sim/tests/tshark_util.h"

#include <jansson.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#define PATH_CAP REPLAY_PATH_CAP
#define PROFILE  "AES_CM_128_HMAC_SHA1_80"
/* base64("blindfold-replay-srtp-test-key"), pcap_variant's srtp key. */
#define RIGHT_B64 "YmxpbmRmb2xkLXJlcGxheS1zcnRwLXRlc3Qta2V5"
/* base64("0123456789abcdefghijklmnopqrst"). */
#define WRONG_B64 "MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0"
/* The same keys and salts in hex, for the RFC 5764 material. */
#define RIGHT_KEY_HEX  "626c696e64666f6c642d7265706c6179"
#define RIGHT_SALT_HEX "2d737274702d746573742d6b6579"
#define WRONG_KEY_HEX  "30313233343536373839616263646566"
#define WRONG_SALT_HEX "6768696a6b6c6d6e6f7071727374"
#define SRTP_TAG_LEN   10

/* Two replays of one capture: plain, and its SRTP variant. */
typedef struct pair {
    char capture[PATH_CAP], dir[PATH_CAP], srtp[PATH_CAP + 32];
    json_t *plain;
} pair_t;

static void pair_start(pair_t *p, const char *capture)
{
    memset(p, 0, sizeof *p);
    snprintf(p->capture, sizeof p->capture, "%s", capture);
    tool_work_dir("replay-srtp", p->dir, sizeof p->dir);
    snprintf(p->srtp, sizeof p->srtp, "%s/srtp.pcap", p->dir);
    replay_variant("srtp", capture, p->srtp);
    ck_assert_msg(tshark_bad_checksums(p->srtp) == 0, "%s: bad IP or UDP checksums", p->srtp);
    char plain_dir[PATH_CAP + 32];
    snprintf(plain_dir, sizeof plain_dir, "%s/plain", p->dir);
    replay_ok(capture, plain_dir, "");
    p->plain = replay_load_report(plain_dir);
    ck_assert_uint_gt(replay_stream_count(p->plain), 0);
}

/* Replays the SRTP variant with `args` into DIR/<tag>; must exit 0. */
static json_t *pair_replay(const pair_t *p, const char *tag, const char *args)
{
    char dir[PATH_CAP + 64];
    snprintf(dir, sizeof dir, "%s/%s", p->dir, tag);
    replay_ok(p->srtp, dir, args);
    json_t *report = replay_load_report(dir);
    ck_assert_msg(replay_stream_count(report) == replay_stream_count(p->plain),
                  "%s %s: %zu streams, plain %zu", p->capture, args, replay_stream_count(report),
                  replay_stream_count(p->plain));
    return report;
}

static void pair_end(pair_t *p)
{
    json_decref(p->plain);
    tool_remove_dir(p->dir);
}

static long long skipped_count(const json_t *report, const char *key)
{
    const json_t *v = json_object_get(json_object_get(report, "skipped"), key);
    ck_assert_msg(json_is_integer(v), "skipped.%s is not an integer", key);
    return json_integer_value(v);
}

/* Stream i of the SRTP replay is the plain stream i, opened by `label`. */
static void stream_decrypted(const pair_t *p, const json_t *report, size_t i, const char *label)
{
    const char *what = p->capture;
    static const char *const same_text[] = { "src", "dst", "ssrc" };
    for (size_t k = 0; k < 3; k++)
        ck_assert_str_eq(replay_stream_str(report, i, same_text[k]),
                         replay_stream_str(p->plain, i, same_text[k]));
    const char *ssrc = replay_stream_str(report, i, "ssrc");
    ck_assert_msg(strcmp(replay_stream_str(report, i, "srtp"), "decrypted") == 0,
                  "%s %s: srtp '%s'", what, ssrc, replay_stream_str(report, i, "srtp"));
    const char *key = replay_stream_str(report, i, "srtp_key");
    ck_assert_msg(key != NULL && strcmp(key, label) == 0, "%s %s: srtp_key '%s', want '%s'", what,
                  ssrc, key != NULL ? key : "(not a string)", label);
    static const char *const same_number[] = { "packets",   "lost",         "duplicates",
                                               "reordered", "payload_type", "forwarded_packets" };
    for (size_t k = 0; k < sizeof same_number / sizeof same_number[0]; k++) {
        long long got = replay_stream_int(report, i, same_number[k]);
        long long want = replay_stream_int(p->plain, i, same_number[k]);
        ck_assert_msg(got == want, "%s %s: %s %lld, plain %lld", what, ssrc, same_number[k], got,
                      want);
    }
    long long packets = replay_stream_int(report, i, "packets");
    ck_assert_msg(replay_stream_int(report, i, "bytes") ==
                      replay_stream_int(p->plain, i, "bytes") + SRTP_TAG_LEN * packets,
                  "%s %s: bytes %lld, plain %lld + tags", what, ssrc,
                  replay_stream_int(report, i, "bytes"), replay_stream_int(p->plain, i, "bytes"));
    const json_t *stream = json_array_get(json_object_get(report, "streams"), i);
    const json_t *plain_stream = json_array_get(json_object_get(p->plain, "streams"), i);
    ck_assert_msg(json_equal(json_object_get(stream, "looks_encrypted"),
                             json_object_get(plain_stream, "looks_encrypted")),
                  "%s %s: looks_encrypted differs from the plain replay's", what, ssrc);
    ck_assert_msg(json_is_true(json_object_get(stream, "replayed")), "%s %s: not replayed", what,
                  ssrc);
}

/* Stream i could not be opened: nothing of it reached the SFU. */
static void stream_undecryptable(const pair_t *p, const json_t *report, size_t i)
{
    const char *ssrc = replay_stream_str(report, i, "ssrc");
    ck_assert_msg(strcmp(replay_stream_str(report, i, "srtp"), "undecryptable") == 0,
                  "%s %s: srtp '%s'", p->capture, ssrc, replay_stream_str(report, i, "srtp"));
    const json_t *stream = json_array_get(json_object_get(report, "streams"), i);
    ck_assert_msg(json_is_null(json_object_get(stream, "srtp_key")), "%s %s: srtp_key not null",
                  p->capture, ssrc);
    ck_assert_msg(replay_stream_int(report, i, "packets") ==
                      replay_stream_int(p->plain, i, "packets"),
                  "%s %s: packets differ", p->capture, ssrc);
    ck_assert_int_eq(replay_stream_int(report, i, "forwarded_packets"), 0);
    ck_assert_msg(json_is_false(json_object_get(stream, "replayed")), "%s %s: replayed", p->capture,
                  ssrc);
    const char *why = replay_stream_str(report, i, "not_replayed");
    ck_assert_msg(why != NULL && why[0] != '\0', "%s %s: no not_replayed reason", p->capture, ssrc);
}

/* report.keys lists the keys given, in order, by label. */
static void keys_listed(const json_t *report, const char *const *labels, size_t n)
{
    const json_t *keys = json_object_get(report, "keys");
    ck_assert_msg(json_is_array(keys) && json_array_size(keys) == n, "keys: want %zu entries", n);
    for (size_t i = 0; i < n; i++) {
        const char *label = json_string_value(json_object_get(json_array_get(keys, i), "label"));
        ck_assert_msg(label != NULL && strcmp(label, labels[i]) == 0,
                      "keys[%zu].label '%s', want '%s'", i, label != NULL ? label : "(none)",
                      labels[i]);
    }
}

START_TEST(right_key_decrypts)
{
    char capture[PATH_CAP];
    ck_assert_uint_gt(replay_capture_path((size_t)_i, capture, sizeof capture), (size_t)_i);
    pair_t p;
    pair_start(&p, capture);
    json_t *report = pair_replay(&p, "right", "--srtp-key " PROFILE ":" RIGHT_B64);
    for (size_t i = 0; i < replay_stream_count(report); i++)
        stream_decrypted(&p, report, i, "--srtp-key 1");
    ck_assert_int_eq(skipped_count(report, "srtp_auth_failed"), 0);
    static const char *const labels[] = { "--srtp-key 1" };
    keys_listed(report, labels, 1);
    ck_assert(json_equal(json_object_get(report, "packets_read"),
                         json_object_get(p.plain, "packets_read")));
    json_decref(report);
    pair_end(&p);
}
END_TEST

START_TEST(wrong_key_opens_nothing)
{
    char capture[PATH_CAP];
    ck_assert_uint_gt(replay_capture_path((size_t)_i, capture, sizeof capture), (size_t)_i);
    pair_t p;
    pair_start(&p, capture);
    json_t *report = pair_replay(&p, "wrong", "--srtp-key " PROFILE ":" WRONG_B64);
    long long rtp_packets = 0;
    for (size_t i = 0; i < replay_stream_count(report); i++) {
        stream_undecryptable(&p, report, i);
        rtp_packets += replay_stream_int(report, i, "packets");
    }
    ck_assert_msg(skipped_count(report, "srtp_auth_failed") == rtp_packets,
                  "%s: srtp_auth_failed %lld, RTP packets %lld", capture,
                  skipped_count(report, "srtp_auth_failed"), rtp_packets);
    const json_t *sfu = json_object_get(report, "sfu");
    ck_assert_msg(json_integer_value(json_object_get(sfu, "packets_in")) == 0,
                  "%s: the SFU got %lld packets", capture,
                  json_integer_value(json_object_get(sfu, "packets_in")));
    json_decref(report);
    pair_end(&p);
}
END_TEST

START_TEST(dtls_material_opens)
{
    bool right_is_client = _i == 0;
    char capture[PATH_CAP], args[512];
    replay_capture_named("membrane-h264-mpa.pcap", capture, sizeof capture);
    pair_t p;
    pair_start(&p, capture);
    /* RFC 5764 section 4.2: client key, server key, client salt, server salt. */
    snprintf(args, sizeof args, "--dtls-srtp-material %s%s%s%s",
             right_is_client ? RIGHT_KEY_HEX : WRONG_KEY_HEX,
             right_is_client ? WRONG_KEY_HEX : RIGHT_KEY_HEX,
             right_is_client ? RIGHT_SALT_HEX : WRONG_SALT_HEX,
             right_is_client ? WRONG_SALT_HEX : RIGHT_SALT_HEX);
    json_t *report = pair_replay(&p, "dtls", args);
    for (size_t i = 0; i < replay_stream_count(report); i++)
        stream_decrypted(&p, report, i,
                         right_is_client ? "--dtls-srtp-material client"
                                         : "--dtls-srtp-material server");
    ck_assert_int_eq(skipped_count(report, "srtp_auth_failed"), 0);
    static const char *const labels[] = { "--dtls-srtp-material client",
                                          "--dtls-srtp-material server" };
    keys_listed(report, labels, 2);
    json_decref(report);
    pair_end(&p);
}
END_TEST

START_TEST(bound_keys_apply_to_their_source)
{
    char capture[PATH_CAP], args[1024];
    replay_capture_named("membrane-h264-mpa.pcap", capture, sizeof capture);
    pair_t p;
    pair_start(&p, capture);
    ck_assert_uint_eq(replay_stream_count(p.plain), 2);
    const char *first = replay_stream_str(p.plain, 0, "src");
    const char *second = replay_stream_str(p.plain, 1, "src");
    ck_assert_str_ne(first, second);

    /* The right key bound to the first source, a wrong one to the second. */
    snprintf(args, sizeof args, "--srtp-key '%s=%s:%s' --srtp-key '%s=%s:%s'", first, PROFILE,
             RIGHT_B64, second, PROFILE, WRONG_B64);
    json_t *report = pair_replay(&p, "bound", args);
    stream_decrypted(&p, report, 0, "--srtp-key 1");
    stream_undecryptable(&p, report, 1);
    ck_assert_int_eq(skipped_count(report, "srtp_auth_failed"),
                     replay_stream_int(report, 1, "packets"));
    json_decref(report);

    /* A wrong key bound to the first source, then the right key unbound. */
    snprintf(args, sizeof args, "--srtp-key '%s=%s:%s' --srtp-key %s:%s", first, PROFILE, WRONG_B64,
             PROFILE, RIGHT_B64);
    report = pair_replay(&p, "bound-then-any", args);
    stream_decrypted(&p, report, 0, "--srtp-key 2");
    stream_decrypted(&p, report, 1, "--srtp-key 2");
    ck_assert_int_eq(skipped_count(report, "srtp_auth_failed"), 0);
    json_decref(report);
    pair_end(&p);
}
END_TEST

/* --- RTCP ------------------------------------------------------------------ */

#define SYN_RTP    200
#define SYN_RTCP_N 50 /* a sender report after every 50th RTP packet */
#define SYN_RTCP   (SYN_RTP / SYN_RTCP_N)

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

/* Ethernet/IPv4/UDP 10.0.0.1:5000 -> 10.0.0.2:6000 around `payload`, UDP
 * checksum 0; returns the frame length. */
static size_t syn_frame(const uint8_t *payload, size_t len, uint8_t *out)
{
    memset(out, 0, 42);
    out[0] = 0x02;
    out[6] = 0x02;
    out[11] = 1;
    put16(out + 12, 0x0800);
    uint8_t *ip = out + 14;
    ip[0] = 0x45;
    put16(ip + 2, (uint32_t)(20 + 8 + len));
    ip[8] = 64;
    ip[9] = 17;
    const uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 };
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint32_t sum = 0;
    for (size_t i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    put16(ip + 10, ~sum & 0xFFFF);
    put16(ip + 20, 5000);
    put16(ip + 22, 6000);
    put16(ip + 24, (uint32_t)(8 + len));
    memcpy(ip + 28, payload, len);
    return 42 + len;
}

/* SYN_RTP PCMU packets 20 ms apart (160-byte payloads), and a 28-byte
 * sender report after every SYN_RTCP_N of them. */
static void write_synthetic(const char *path)
{
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    ck_assert_ptr_nonnull(dead);
    pcap_dumper_t *dumper = pcap_dump_open(dead, path);
    ck_assert_ptr_nonnull(dumper);
    uint8_t packet[256], frame[512];
    for (uint32_t i = 0; i < SYN_RTP; i++) {
        struct pcap_pkthdr hdr = { .ts = { .tv_sec = 1700000000 + (time_t)(i / 50),
                                           .tv_usec = (suseconds_t)(i % 50) * 20000 } };
        memset(packet, 0, sizeof packet);
        packet[0] = 0x80;
        put16(packet + 2, 1000 + i);
        put32(packet + 4, 160 * i);
        put32(packet + 8, 0x11223344);
        for (size_t k = 12; k < 12 + 160; k++)
            packet[k] = (uint8_t)(k * 31 + i);
        hdr.caplen = hdr.len = (bpf_u_int32)syn_frame(packet, 12 + 160, frame);
        pcap_dump((u_char *)dumper, &hdr, frame);
        if ((i + 1) % SYN_RTCP_N != 0)
            continue;
        memset(packet, 0, 28);
        packet[0] = 0x80;
        packet[1] = 200; /* SR */
        put16(packet + 2, 6);
        put32(packet + 4, 0x11223344);
        put32(packet + 20, i + 1);
        put32(packet + 24, (i + 1) * 160);
        hdr.ts.tv_usec += 1000;
        hdr.caplen = hdr.len = (bpf_u_int32)syn_frame(packet, 28, frame);
        pcap_dump((u_char *)dumper, &hdr, frame);
    }
    pcap_dump_close(dumper);
    pcap_close(dead);
}

/* UDP payload lengths of RTP and RTCP (by the second byte) in a capture
 * written by write_synthetic() or rewritten from one. */
static void payload_lengths(const char *path, size_t *rtp_len, size_t *rtcp_len, size_t *rtcp)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    ck_assert_msg(pc != NULL, "%s: %s", path, err);
    struct pcap_pkthdr *hdr;
    const u_char *frame;
    *rtcp = 0;
    while (pcap_next_ex(pc, &hdr, &frame) == 1) {
        ck_assert_uint_ge(hdr->caplen, 42 + 12);
        size_t len = (size_t)(frame[38] << 8 | frame[39]) - 8;
        ck_assert_uint_eq(len, hdr->caplen - 42);
        if (frame[43] == 200) {
            *rtcp_len = len;
            (*rtcp)++;
        } else {
            *rtp_len = len;
        }
    }
    pcap_close(pc);
}

START_TEST(rtcp_is_protected_and_counted)
{
    pair_t p;
    char plain[PATH_CAP + 32], dir[PATH_CAP];
    tool_work_dir("replay-srtcp", dir, sizeof dir);
    snprintf(plain, sizeof plain, "%s/rtp-rtcp.pcap", dir);
    write_synthetic(plain);
    pair_start(&p, plain);
    ck_assert_uint_eq(replay_stream_count(p.plain), 1);
    ck_assert_int_eq(replay_stream_int(p.plain, 0, "packets"), SYN_RTP);
    ck_assert_int_eq(skipped_count(p.plain, "rtcp"), SYN_RTCP);

    size_t rtp_len = 0, rtcp_len = 0, rtcp = 0, srtp_len = 0, srtcp_len = 0, srtcp = 0;
    payload_lengths(plain, &rtp_len, &rtcp_len, &rtcp);
    payload_lengths(p.srtp, &srtp_len, &srtcp_len, &srtcp);
    ck_assert_uint_eq(rtcp, SYN_RTCP);
    ck_assert_uint_eq(srtcp, SYN_RTCP);
    ck_assert_uint_eq(srtp_len, rtp_len + SRTP_TAG_LEN);
    ck_assert_uint_eq(srtcp_len, rtcp_len + 4 + SRTP_TAG_LEN);

    json_t *report = pair_replay(&p, "right", "--srtp-key " PROFILE ":" RIGHT_B64);
    stream_decrypted(&p, report, 0, "--srtp-key 1");
    ck_assert_int_eq(skipped_count(report, "rtcp"), SYN_RTCP);
    ck_assert_int_eq(skipped_count(report, "srtp_auth_failed"), 0);
    json_decref(report);
    report = pair_replay(&p, "wrong", "--srtp-key " PROFILE ":" WRONG_B64);
    stream_undecryptable(&p, report, 0);
    ck_assert_int_eq(skipped_count(report, "rtcp"), SYN_RTCP);
    ck_assert_int_eq(skipped_count(report, "srtp_auth_failed"), SYN_RTP);
    json_decref(report);
    pair_end(&p);
    tool_remove_dir(dir);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("replay_srtp");
    int captures = (int)replay_capture_path(0, NULL, 0);
    TCase *keys = tcase_create("keys");
    tcase_add_loop_test(keys, right_key_decrypts, 0, captures > 0 ? captures : 1);
    tcase_add_loop_test(keys, wrong_key_opens_nothing, 0, captures > 0 ? captures : 1);
    tcase_add_loop_test(keys, dtls_material_opens, 0, 2);
    tcase_add_test(keys, bound_keys_apply_to_their_source);
    suite_add_tcase(s, keys);
    TCase *rtcp = tcase_create("rtcp");
    tcase_add_test(rtcp, rtcp_is_protected_and_counted);
    suite_add_tcase(s, rtcp);
    return s;
}
