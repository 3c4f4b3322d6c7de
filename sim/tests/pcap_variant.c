/* pcap_variant: the tool that made the capture variants of the replay tests
 * (sim/tests/replay.cmake, label replay). A test program, never installed.
 *
 *   pcap_variant MODE IN OUT
 *
 * reads IN, a pcap of link type EN10MB (Ethernet, optionally VLAN-tagged),
 * with libpcap and writes OUT with every frame rewritten into MODE, in the
 * same order, with the same timestamps (nanoseconds are kept: OUT is a
 * nanosecond pcap, or a pcapng with if_tsresol 9). The record's original
 * length changes by as much as its captured length does.
 *
 *   pcapng  the same frames in a pcapng file: one section header, one
 *           interface description (EN10MB), one enhanced packet block per
 *           frame, little-endian (pcapng draft, sections 4.1-4.3; libpcap
 *           1.10 cannot write pcapng).
 *   sll2    link type LINUX_SLL2 (276): each Ethernet header (and any VLAN
 *           tags) becomes the 20-byte SLL2 header: protocol = the frame's
 *           EtherType (0x0004, ETH_P_802_2, for an 802.3 length field),
 *           interface 1, ARPHRD_ETHER, PACKET_HOST, the source MAC.
 *   vlan    an 802.1Q tag (TPID 0x8100, VLAN 100) after the MAC addresses.
 *   qinq    an 802.1ad tag (0x88a8, VLAN 200), then an 802.1Q tag (0x8100,
 *           VLAN 100).
 *   ipv6    each unfragmented IPv4 packet carrying UDP becomes IPv6 (RFC
 *           8200) with the IPv4 addresses mapped to 2001:db8::a.b.c.d
 *           (2001:db8:: and the four bytes as the last 32 bits), traffic
 *           class = TOS, hop limit = TTL, IPv4 options dropped, and the UDP
 *           checksum computed over the IPv6 pseudo-header (RFC 8200 section
 *           8.1: mandatory, 0 becomes 0xFFFF). Other frames are copied as
 *           they are.
 *   srtp    each RTP and RTCP packet (rtp_demux(), RFC 7983) carried in
 *           unfragmented IPv4 UDP is protected with hbh (libsrtp2) under
 *           AES_CM_128_HMAC_SHA1_80 and the fixed master key||salt of the
 *           ASCII text "blindfold-replay-srtp-test-key" (16 + 14 bytes),
 *           whose SDES inline form is
 *             AES_CM_128_HMAC_SHA1_80:YmxpbmRmb2xkLXJlcGxheS1zcnRwLXRlc3Qta2V5
 *           One sending session per source address and port. The IPv4 and
 *           UDP lengths, the IPv4 header checksum and the UDP checksum (if
 *           it was not 0) are recomputed; Ethernet padding after the IPv4
 *           packet is dropped. Other frames are copied as they are.
 *
 * Frames cut short by the snap length are copied unchanged by ipv6 and
 * srtp (their checksum cannot be computed). Exit status: 0 done, 2 bad
 * usage or an input this tool does not rewrite (printed on one line), 3 a
 * write or protect that failed. */
#include "hbh/hbh.h"
#include "rtp/rtp.h"

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The srtp mode's master key||salt, and its base64 (the tests repeat it). */
#define PCAP_VARIANT_SRTP_KEY "blindfold-replay-srtp-test-key"
#define PCAP_VARIANT_SRTP_B64 "YmxpbmRmb2xkLXJlcGxheS1zcnRwLXRlc3Qta2V5"

enum { EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

#define FRAME_CAP    (65536u + 256u)
#define MAX_SOURCES  64
#define SNAPLEN      262144
#define ETH_ADDRS    12 /* destination and source MAC */
#define SLL2_HDR_LEN 20

/* --- Byte helpers ---------------------------------------------------------- */

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The one's-complement sum of RFC 1071, folded, not inverted. */
static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        acc += rd16(p + i);
    if (len % 2)
        acc += (uint32_t)p[len - 1] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xFFFFu) + (acc >> 16);
    return (uint16_t)acc;
}

/* --- The Ethernet frame ---------------------------------------------------- */

/* Where the L3 packet of an Ethernet frame starts, past any VLAN tags, and
 * its EtherType (or 802.3 length). false when the header is cut short. */
static bool eth_split(const uint8_t *frame, size_t len, size_t *l3, uint16_t *ethertype)
{
    size_t off = ETH_ADDRS;
    for (;;) {
        if (off + 2 > len)
            return false;
        uint16_t type = rd16(frame + off);
        if (type == 0x8100 || type == 0x88A8 || type == 0x9100) {
            off += 4;
            continue;
        }
        *ethertype = type;
        *l3 = off + 2;
        return true;
    }
}

/* An unfragmented IPv4 packet carrying UDP, with the whole datagram in
 * the record: its header length and total length (padding excluded). */
static bool ipv4_udp(const uint8_t *ip, size_t len, size_t *hdr_len, size_t *total)
{
    if (len < 20 || ip[0] >> 4 != 4 || ip[9] != 17)
        return false;
    size_t hdr = (size_t)(ip[0] & 0x0F) * 4;
    size_t tot = rd16(ip + 2);
    if (hdr < 20 || tot < hdr + 8 || tot > len || (rd16(ip + 6) & 0x3FFF) != 0)
        return false;
    if (rd16(ip + hdr + 4) != tot - hdr)
        return false;
    *hdr_len = hdr;
    *total = tot;
    return true;
}

/* --- Modes ----------------------------------------------------------------- */

typedef struct source_session {
    uint8_t addr[4];
    uint16_t port;
    hbh_session_t *session;
} source_session_t;

typedef struct variant {
    source_session_t sources[MAX_SOURCES];
    size_t n_sources;
} variant_t;

/* A rewrite: out gets the new frame (FRAME_CAP bytes of room); returns its
 * length, or 0 on a failure already printed. */
typedef size_t (*rewrite_fn)(variant_t *v, const uint8_t *in, size_t len, uint8_t *out);

static size_t rewrite_copy(variant_t *v, const uint8_t *in, size_t len, uint8_t *out)
{
    (void)v;
    memcpy(out, in, len);
    return len;
}

static size_t rewrite_sll2(variant_t *v, const uint8_t *in, size_t len, uint8_t *out)
{
    (void)v;
    size_t l3 = 0;
    uint16_t ethertype = 0;
    if (!eth_split(in, len, &l3, &ethertype)) {
        l3 = len < 14 ? len : 14;
        ethertype = 0x0004;
    }
    memset(out, 0, SLL2_HDR_LEN);
    wr16(out, ethertype >= 0x0600 ? ethertype : 0x0004);
    out[7] = 1;  /* interface index 1 */
    out[9] = 1;  /* ARPHRD_ETHER */
    out[10] = 0; /* PACKET_HOST */
    out[11] = 6;
    if (len >= ETH_ADDRS)
        memcpy(out + 12, in + 6, 6);
    memcpy(out + SLL2_HDR_LEN, in + l3, len - l3);
    return SLL2_HDR_LEN + len - l3;
}

static size_t insert_tags(const uint8_t *in, size_t len, uint8_t *out, const uint16_t *tags,
                          size_t n_tags)
{
    if (len < ETH_ADDRS)
        return rewrite_copy(NULL, in, len, out);
    memcpy(out, in, ETH_ADDRS);
    size_t off = ETH_ADDRS;
    for (size_t i = 0; i < n_tags; i++, off += 4) {
        wr16(out + off, tags[2 * i]);
        wr16(out + off + 2, tags[2 * i + 1]);
    }
    memcpy(out + off, in + ETH_ADDRS, len - ETH_ADDRS);
    return off + len - ETH_ADDRS;
}

static size_t rewrite_vlan(variant_t *v, const uint8_t *in, size_t len, uint8_t *out)
{
    (void)v;
    static const uint16_t tags[] = { 0x8100, 100 };
    return insert_tags(in, len, out, tags, 1);
}

static size_t rewrite_qinq(variant_t *v, const uint8_t *in, size_t len, uint8_t *out)
{
    (void)v;
    static const uint16_t tags[] = { 0x88A8, 200, 0x8100, 100 };
    return insert_tags(in, len, out, tags, 2);
}

static void map_v4(const uint8_t v4[4], uint8_t v6[16])
{
    static const uint8_t prefix[12] = { 0x20, 0x01, 0x0d, 0xb8 };
    memcpy(v6, prefix, 12);
    memcpy(v6 + 12, v4, 4);
}

static size_t rewrite_ipv6(variant_t *v, const uint8_t *in, size_t len, uint8_t *out)
{
    size_t l3 = 0, hdr = 0, total = 0;
    uint16_t ethertype = 0;
    if (!eth_split(in, len, &l3, &ethertype) || ethertype != 0x0800 ||
        !ipv4_udp(in + l3, len - l3, &hdr, &total))
        return rewrite_copy(v, in, len, out);
    const uint8_t *ip4 = in + l3;
    size_t udp_len = total - hdr;
    memcpy(out, in, l3);
    wr16(out + l3 - 2, 0x86DD);
    uint8_t *ip6 = out + l3;
    memset(ip6, 0, 40);
    ip6[0] = (uint8_t)(0x60 | ip4[1] >> 4);
    ip6[1] = (uint8_t)(ip4[1] << 4);
    wr16(ip6 + 4, (uint16_t)udp_len);
    ip6[6] = 17;
    ip6[7] = ip4[8];
    map_v4(ip4 + 12, ip6 + 8);
    map_v4(ip4 + 16, ip6 + 24);
    uint8_t *udp = ip6 + 40;
    memcpy(udp, ip4 + hdr, udp_len);
    wr16(udp + 6, 0);
    uint32_t acc = sum16(0, ip6 + 8, 32);
    acc += (uint32_t)udp_len + 17;
    uint16_t sum = (uint16_t)~fold(sum16(acc, udp, udp_len));
    wr16(udp + 6, sum == 0 ? 0xFFFF : sum);
    return l3 + 40 + udp_len;
}

static hbh_session_t *source_session(variant_t *v, const uint8_t addr[4], uint16_t port)
{
    for (size_t i = 0; i < v->n_sources; i++) {
        if (memcmp(v->sources[i].addr, addr, 4) == 0 && v->sources[i].port == port)
            return v->sources[i].session;
    }
    if (v->n_sources == MAX_SOURCES) {
        fprintf(stderr, "pcap_variant: more than %d sources\n", MAX_SOURCES);
        return NULL;
    }
    hbh_config_t cfg = hbh_config_default(HBH_PROFILE_AES_CM_128_HMAC_SHA1_80);
    source_session_t *s = &v->sources[v->n_sources];
    hbh_err_t err = hbh_session_new_keys(&cfg, (const uint8_t *)PCAP_VARIANT_SRTP_KEY, 30, NULL, 0,
                                         &s->session);
    if (err != HBH_OK) {
        fprintf(stderr, "pcap_variant: hbh: %s\n", hbh_strerror(err));
        return NULL;
    }
    memcpy(s->addr, addr, 4);
    s->port = port;
    v->n_sources++;
    return s->session;
}

static size_t rewrite_srtp(variant_t *v, const uint8_t *in, size_t len, uint8_t *out)
{
    size_t l3 = 0, hdr = 0, total = 0;
    uint16_t ethertype = 0;
    if (!eth_split(in, len, &l3, &ethertype) || ethertype != 0x0800 ||
        !ipv4_udp(in + l3, len - l3, &hdr, &total))
        return rewrite_copy(v, in, len, out);
    const uint8_t *ip4 = in + l3;
    const uint8_t *payload = ip4 + hdr + 8;
    size_t payload_len = total - hdr - 8;
    rtp_demux_kind_t kind = rtp_demux(payload, payload_len);
    if (kind != RTP_DEMUX_RTP && kind != RTP_DEMUX_RTCP)
        return rewrite_copy(v, in, len, out);
    hbh_session_t *session = source_session(v, ip4 + 12, rd16(ip4 + hdr));
    if (session == NULL)
        return 0;

    static uint32_t words[FRAME_CAP / 4]; /* libsrtp wants 4-byte alignment */
    uint8_t *packet = (uint8_t *)words;
    memcpy(packet, payload, payload_len);
    size_t protected_len = 0;
    hbh_err_t err =
        kind == RTP_DEMUX_RTP
            ? hbh_protect_rtp(session, packet, payload_len, sizeof words, &protected_len)
            : hbh_protect_rtcp(session, packet, payload_len, sizeof words, &protected_len);
    if (err == HBH_ERR_TRUNCATED || err == HBH_ERR_MALFORMED)
        return rewrite_copy(v, in, len, out); /* not a packet libsrtp takes */
    if (err != HBH_OK) {
        fprintf(stderr, "pcap_variant: protect: %s\n", hbh_strerror(err));
        return 0;
    }
    size_t new_total = hdr + 8 + protected_len;
    if (new_total > 65535) {
        fprintf(stderr, "pcap_variant: a protected packet exceeds 65535 bytes\n");
        return 0;
    }
    memcpy(out, in, l3 + hdr + 8);
    uint8_t *ip = out + l3;
    wr16(ip + 2, (uint16_t)new_total);
    wr16(ip + 10, 0);
    wr16(ip + 10, (uint16_t)~fold(sum16(0, ip, hdr)));
    uint8_t *udp = ip + hdr;
    bool had_checksum = rd16(udp + 6) != 0;
    wr16(udp + 4, (uint16_t)(8 + protected_len));
    wr16(udp + 6, 0);
    memcpy(udp + 8, packet, protected_len);
    if (had_checksum) {
        uint32_t acc = sum16(0, ip + 12, 8);
        acc += 17u + (uint32_t)(8 + protected_len);
        uint16_t sum = (uint16_t)~fold(sum16(acc, udp, 8 + protected_len));
        wr16(udp + 6, sum == 0 ? 0xFFFF : sum);
    }
    return l3 + new_total;
}

typedef struct variant_mode {
    const char *name;
    rewrite_fn rewrite;
    int dlt_out;
    bool pcapng;
} variant_mode_t;

static const variant_mode_t modes[] = {
    { "pcapng", rewrite_copy, DLT_EN10MB, true }, { "sll2", rewrite_sll2, DLT_LINUX_SLL2, false },
    { "vlan", rewrite_vlan, DLT_EN10MB, false },  { "qinq", rewrite_qinq, DLT_EN10MB, false },
    { "ipv6", rewrite_ipv6, DLT_EN10MB, false },  { "srtp", rewrite_srtp, DLT_EN10MB, false },
};

/* --- pcapng ---------------------------------------------------------------- */

/* One block: type, total length, body padded to 4, total length. */
static bool pcapng_block(FILE *out, uint32_t type, const uint8_t *body, size_t len)
{
    static const uint8_t zeros[4] = { 0 };
    size_t padded = (len + 3) & ~(size_t)3;
    uint8_t word[4];
    uint32_t total = (uint32_t)(12 + padded);
    bool ok = true;
    wr32le(word, type);
    ok = ok && fwrite(word, 1, 4, out) == 4;
    wr32le(word, total);
    ok = ok && fwrite(word, 1, 4, out) == 4;
    ok = ok && fwrite(body, 1, len, out) == len;
    ok = ok && fwrite(zeros, 1, padded - len, out) == padded - len;
    ok = ok && fwrite(word, 1, 4, out) == 4;
    return ok;
}

/* The section header and one EN10MB interface with nanosecond times. */
static bool pcapng_start(FILE *out, int dlt)
{
    uint8_t shb[16] = { 0 };
    wr32le(shb, 0x1A2B3C4Du);
    shb[4] = 1;               /* version 1.0 */
    memset(shb + 8, 0xFF, 8); /* section length unknown */
    uint8_t idb[20] = { 0 };
    idb[0] = (uint8_t)dlt;
    idb[1] = (uint8_t)(dlt >> 8);
    wr32le(idb + 4, SNAPLEN);
    idb[8] = 9; /* if_tsresol */
    idb[10] = 1;
    idb[12] = 9; /* 10^-9 s */
    /* idb[16..19]: opt_endofopt */
    return pcapng_block(out, 0x0A0D0D0Au, shb, sizeof shb) && pcapng_block(out, 1, idb, sizeof idb);
}

static bool pcapng_packet(FILE *out, uint64_t ts_ns, const uint8_t *frame, size_t caplen,
                          size_t wire_len)
{
    static uint8_t body[20 + FRAME_CAP];
    wr32le(body, 0);
    wr32le(body + 4, (uint32_t)(ts_ns >> 32));
    wr32le(body + 8, (uint32_t)ts_ns);
    wr32le(body + 12, (uint32_t)caplen);
    wr32le(body + 16, (uint32_t)wire_len);
    memcpy(body + 20, frame, caplen);
    return pcapng_block(out, 6, body, 20 + caplen);
}

/* --- Main ------------------------------------------------------------------ */

static int usage(void)
{
    fprintf(stderr, "usage: pcap_variant pcapng|sll2|vlan|qinq|ipv6|srtp IN.pcap OUT\n");
    return EXIT_USAGE;
}

/* Where the frames go: a pcapng file written here, or libpcap's dumper. */
typedef struct writer {
    FILE *pcapng;
    pcap_t *dead;
    pcap_dumper_t *dumper;
} writer_t;

static bool writer_open(writer_t *w, const variant_mode_t *mode, const char *path)
{
    memset(w, 0, sizeof *w);
    if (mode->pcapng) {
        w->pcapng = fopen(path, "wb");
        return w->pcapng != NULL && pcapng_start(w->pcapng, mode->dlt_out);
    }
    w->dead =
        pcap_open_dead_with_tstamp_precision(mode->dlt_out, SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
    w->dumper = w->dead != NULL ? pcap_dump_open(w->dead, path) : NULL;
    return w->dumper != NULL;
}

static bool writer_put(writer_t *w, const struct pcap_pkthdr *in_hdr, const uint8_t *frame,
                       size_t len)
{
    size_t wire = in_hdr->len + len - in_hdr->caplen;
    if (w->pcapng != NULL) {
        uint64_t ns = (uint64_t)in_hdr->ts.tv_sec * 1000000000u + (uint64_t)in_hdr->ts.tv_usec;
        return pcapng_packet(w->pcapng, ns, frame, len, wire);
    }
    struct pcap_pkthdr out_hdr = *in_hdr;
    out_hdr.caplen = (bpf_u_int32)len;
    out_hdr.len = (bpf_u_int32)wire;
    pcap_dump((u_char *)w->dumper, &out_hdr, frame);
    return true;
}

/* Flushes and closes; false when a write failed. Accepts a half-open w. */
static bool writer_close(writer_t *w)
{
    bool ok = true;
    if (w->pcapng != NULL)
        ok = fclose(w->pcapng) == 0;
    if (w->dumper != NULL) {
        ok = pcap_dump_flush(w->dumper) == 0;
        pcap_dump_close(w->dumper);
    }
    if (w->dead != NULL)
        pcap_close(w->dead);
    memset(w, 0, sizeof *w);
    return ok;
}

/* Rewrites every frame of `in` into `w`; returns the exit status. */
static int rewrite_all(const variant_mode_t *mode, pcap_t *in, const char *in_path, writer_t *w,
                       variant_t *v)
{
    static uint8_t frame[FRAME_CAP];
    struct pcap_pkthdr *hdr;
    const u_char *bytes;
    int rc;
    while ((rc = pcap_next_ex(in, &hdr, &bytes)) == 1) {
        size_t len = hdr->caplen > FRAME_CAP - 64 ? 0 : mode->rewrite(v, bytes, hdr->caplen, frame);
        if (len == 0 && hdr->caplen != 0)
            return EXIT_INTERNAL;
        if (!writer_put(w, hdr, frame, len))
            return EXIT_INTERNAL;
    }
    if (rc != PCAP_ERROR_BREAK) {
        fprintf(stderr, "pcap_variant: %s: %s\n", in_path, pcap_geterr(in));
        return EXIT_USAGE;
    }
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return usage();
    const variant_mode_t *mode = NULL;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(argv[1], modes[i].name) == 0)
            mode = &modes[i];
    }
    if (mode == NULL)
        return usage();
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *in =
        pcap_open_offline_with_tstamp_precision(argv[2], PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (in == NULL) {
        fprintf(stderr, "pcap_variant: %s: %s\n", argv[2], errbuf);
        return EXIT_USAGE;
    }
    if (pcap_datalink(in) != DLT_EN10MB) {
        fprintf(stderr, "pcap_variant: %s: link type %d, not EN10MB\n", argv[2], pcap_datalink(in));
        pcap_close(in);
        return EXIT_USAGE;
    }

    int status = EXIT_INTERNAL;
    writer_t w;
    variant_t *v = calloc(1, sizeof *v);
    if (v == NULL)
        goto fail;
    if (!writer_open(&w, mode, argv[3])) {
        fprintf(stderr, "pcap_variant: %s: cannot write\n", argv[3]);
        writer_close(&w);
        goto fail;
    }
    status = rewrite_all(mode, in, argv[2], &w, v);
    if (!writer_close(&w) && status == EXIT_SUCCESS) {
        fprintf(stderr, "pcap_variant: %s: cannot write\n", argv[3]);
        status = EXIT_INTERNAL;
    }
fail:
    if (v != NULL) {
        for (size_t i = 0; i < v->n_sources; i++)
            hbh_session_free(v->sources[i].session);
        free(v);
    }
    pcap_close(in);
    return status;
}
