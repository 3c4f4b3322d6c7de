/* Helpers shared by sim/tests/test_capture*.c: packet builders (IPv4, IPv6,
 * UDP, link headers), capture writers and a reader that collects what the
 * capture reader returns.
 *
 * Writers:
 *  - capture_write_libpcap(): libpcap's own writer (pcap_open_dead +
 *    pcap_dump_fopen on an open_memstream), so the reader is tested on what
 *    a real tool writes;
 *  - capture_write_pcap(): a classic pcap written here, little-endian, for
 *    what libpcap will not write (link type values 12 and 14, records whose
 *    lengths lie);
 *  - capture_write_pcapng(): a minimal pcapng (SHB, IDB, one EPB per frame,
 *    no options), written here because libpcap 1.10 cannot write pcapng.
 *
 * CAP_CHECK() calls Check only to fail: per-packet checks in long loops
 * would otherwise report every passing check to the parent process. */
#ifndef BLINDFOLD_SIM_TESTS_CAPTURE_TEST_UTIL_H
#define BLINDFOLD_SIM_TESTS_CAPTURE_TEST_UTIL_H

#include "sim/capture.h"

#include <check.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP_CHECK(cond)                                                   \
    do {                                                                  \
        if (!(cond))                                                      \
            ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #cond); \
    } while (0)

#define CAP_MAX_FRAME  4096u
#define CAP_MAX_FRAMES 64u
/* 2023-09-06T05:46:40Z, an arbitrary start for built captures. */
#define CAP_T0_US 1693979200000000ull

/* ---- growable bytes ---------------------------------------------------------- */

typedef struct cap_bytes {
    uint8_t *p;
    size_t len, cap;
} cap_bytes_t;

static inline void cap_put(cap_bytes_t *b, const void *src, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        CAP_CHECK(b->p != NULL);
    }
    if (n)
        memcpy(b->p + b->len, src, n);
    b->len += n;
}

static inline void cap_put32le(cap_bytes_t *b, uint32_t v)
{
    uint8_t le[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    cap_put(b, le, 4);
}

static inline void cap_put16le(cap_bytes_t *b, uint16_t v)
{
    uint8_t le[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    cap_put(b, le, 2);
}

static inline void cap_free(cap_bytes_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ---- frames ---------------------------------------------------------------- */

typedef struct cap_frame {
    uint64_t time_us;
    size_t len;  /* bytes in `bytes` (the captured length) */
    size_t wire; /* length on the wire; 0 means len */
    uint8_t bytes[CAP_MAX_FRAME];
} cap_frame_t;

typedef struct cap_frames {
    size_t count;
    cap_frame_t frame[CAP_MAX_FRAMES];
} cap_frames_t;

static inline cap_frames_t *cap_frames_new(void)
{
    cap_frames_t *f = calloc(1, sizeof *f);
    CAP_CHECK(f != NULL);
    return f;
}

/* Appends a frame at CAP_T0_US + 1 ms * index. */
static inline cap_frame_t *cap_add(cap_frames_t *f, const uint8_t *bytes, size_t len)
{
    CAP_CHECK(f->count < CAP_MAX_FRAMES && len <= CAP_MAX_FRAME);
    cap_frame_t *fr = &f->frame[f->count];
    fr->time_us = CAP_T0_US + 1000u * f->count;
    fr->len = len;
    fr->wire = 0;
    memcpy(fr->bytes, bytes, len);
    f->count++;
    return fr;
}

/* ---- packet builders ---------------------------------------------------------- */

static inline void cap_wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void cap_wr32(uint8_t *p, uint32_t v)
{
    cap_wr16(p, (uint16_t)(v >> 16));
    cap_wr16(p + 2, (uint16_t)v);
}

/* UDP header + payload; returns its length. */
static inline size_t cap_udp(uint8_t *out, uint16_t sport, uint16_t dport, const uint8_t *payload,
                             size_t len)
{
    cap_wr16(out, sport);
    cap_wr16(out + 2, dport);
    cap_wr16(out + 4, (uint16_t)(8 + len));
    cap_wr16(out + 6, 0); /* no checksum */
    memcpy(out + 8, payload, len);
    return 8 + len;
}

/* IPv4 header (20 bytes, no options) + body; `frag` is the flags/offset
 * field. Returns the packet length. */
static inline size_t cap_ipv4(uint8_t *out, uint8_t proto, uint16_t id, uint16_t frag,
                              const uint8_t src[4], const uint8_t dst[4], const uint8_t *body,
                              size_t len)
{
    memset(out, 0, 20);
    out[0] = 0x45;
    cap_wr16(out + 2, (uint16_t)(20 + len));
    cap_wr16(out + 4, id);
    cap_wr16(out + 6, frag);
    out[8] = 64;
    out[9] = proto;
    memcpy(out + 12, src, 4);
    memcpy(out + 16, dst, 4);
    memmove(out + 20, body, len);
    return 20 + len;
}

/* IPv6 header + body (extension headers included). */
static inline size_t cap_ipv6(uint8_t *out, uint8_t next, const uint8_t src[16],
                              const uint8_t dst[16], const uint8_t *body, size_t len)
{
    memset(out, 0, 40);
    out[0] = 0x60;
    cap_wr16(out + 4, (uint16_t)len);
    out[6] = next;
    out[7] = 64;
    memcpy(out + 8, src, 16);
    memcpy(out + 24, dst, 16);
    memmove(out + 40, body, len);
    return 40 + len;
}

/* An IPv6 extension header of (units + 1) * 8 bytes (PadN filled) in front
 * of `len` bytes already at out + that size. Returns the new length. */
static inline size_t cap_ipv6_ext(uint8_t *out, uint8_t next, uint8_t units, size_t len)
{
    size_t size = ((size_t)units + 1) * 8;
    memmove(out + size, out, len);
    memset(out, 0, size);
    out[0] = next;
    out[1] = units;
    out[2] = 1; /* PadN */
    out[3] = (uint8_t)(size - 4);
    return size + len;
}

static const uint8_t cap_v4_a[4] = { 10, 0, 0, 1 };
static const uint8_t cap_v4_b[4] = { 10, 0, 0, 2 };
static const uint8_t cap_v6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t cap_v6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* IPv4 UDP 10.0.0.1:5000 -> 10.0.0.2:6000. */
static inline size_t cap_udp4(uint8_t *out, const uint8_t *payload, size_t len)
{
    uint8_t udp[CAP_MAX_FRAME];
    size_t n = cap_udp(udp, 5000, 6000, payload, len);
    return cap_ipv4(out, 17, 1, 0, cap_v4_a, cap_v4_b, udp, n);
}

/* IPv6 UDP [2001:db8::1]:5000 -> [2001:db8::2]:6000. */
static inline size_t cap_udp6(uint8_t *out, const uint8_t *payload, size_t len)
{
    uint8_t udp[CAP_MAX_FRAME];
    size_t n = cap_udp(udp, 5000, 6000, payload, len);
    return cap_ipv6(out, 17, cap_v6_a, cap_v6_b, udp, n);
}

/* ---- payloads ---------------------------------------------------------------- */

/* RTP: V=2, PT 96, seq 7, ts 1000, SSRC 0x11223344, 8 payload bytes. */
static const uint8_t cap_rtp[20] = { 0x80, 0x60, 0x00, 0x07, 0x00, 0x00, 0x03, 0xe8, 0x11, 0x22,
                                     0x33, 0x44, 1,    2,    3,    4,    5,    6,    7,    8 };
/* RTCP receiver report, no blocks. */
static const uint8_t cap_rtcp[8] = { 0x80, 0xc9, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44 };
/* STUN binding request: type 0x0001, length 0, magic cookie, transaction. */
static const uint8_t cap_stun[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1,  2,
                                      3,    4,    5,    6,    7,    8,    9,    10,   11, 12 };
/* DTLS 1.2 handshake record header and a few bytes. */
static const uint8_t cap_dtls[16] = { 0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3, 1, 2, 3 };
/* ZRTP packet start. */
static const uint8_t cap_zrtp[12] = { 0x10, 0x00, 0x00, 0x01, 0x5a, 0x52, 0x54, 0x50, 1, 2, 3, 4 };

/* TURN ChannelData on channel 0x4001 carrying `inner`, padded to 4. */
static inline size_t cap_channel_data(uint8_t *out, const uint8_t *inner, size_t len)
{
    cap_wr16(out, 0x4001);
    cap_wr16(out + 2, (uint16_t)len);
    memcpy(out + 4, inner, len);
    size_t total = 4 + len;
    while (total % 4)
        out[total++] = 0;
    return total;
}

/* ---- link layers --------------------------------------------------------------- */

typedef enum cap_link {
    CAP_ETH,
    CAP_ETH_VLAN,
    CAP_ETH_QINQ,
    CAP_ETH_3TAGS,
    CAP_NULL_LE,
    CAP_NULL_BE,
    CAP_LOOP,
    CAP_LOOP_LE,
    CAP_RAW,
    CAP_RAW12,
    CAP_RAW14,
    CAP_IPV4,
    CAP_IPV6,
    CAP_SLL,
    CAP_SLL2,
    CAP_LINK__COUNT
} cap_link_t;

typedef struct cap_link_info {
    const char *name;
    int dlt_write;   /* for pcap_open_dead; -1: only the hand writer */
    uint32_t file;   /* LINKTYPE_ value in the file header / IDB */
    int dlt_read;    /* what pcap_datalink() reports */
    bool v4, v6;     /* which IP versions it can carry */
    bool can_non_ip; /* whether a non-IP frame can be built */
} cap_link_info_t;

static const cap_link_info_t cap_links[CAP_LINK__COUNT] = {
    [CAP_ETH] = { "EN10MB", DLT_EN10MB, 1, DLT_EN10MB, true, true, true },
    [CAP_ETH_VLAN] = { "EN10MB 802.1Q", DLT_EN10MB, 1, DLT_EN10MB, true, true, true },
    [CAP_ETH_QINQ] = { "EN10MB QinQ", DLT_EN10MB, 1, DLT_EN10MB, true, true, true },
    [CAP_ETH_3TAGS] = { "EN10MB 3 tags", DLT_EN10MB, 1, DLT_EN10MB, true, true, true },
    [CAP_NULL_LE] = { "NULL little-endian", DLT_NULL, 0, DLT_NULL, true, true, true },
    [CAP_NULL_BE] = { "NULL big-endian", DLT_NULL, 0, DLT_NULL, true, true, true },
    [CAP_LOOP] = { "LOOP", DLT_LOOP, 108, DLT_LOOP, true, true, true },
    [CAP_LOOP_LE] = { "LOOP little-endian", DLT_LOOP, 108, DLT_LOOP, true, true, true },
    [CAP_RAW] = { "RAW", DLT_RAW, 101, DLT_RAW, true, true, false },
    [CAP_RAW12] = { "RAW as 12", -1, 12, 12, true, true, false },
    [CAP_RAW14] = { "RAW as 14", -1, 14, 14, true, true, false },
    [CAP_IPV4] = { "IPV4", DLT_IPV4, 228, DLT_IPV4, true, false, false },
    [CAP_IPV6] = { "IPV6", DLT_IPV6, 229, DLT_IPV6, false, true, false },
    [CAP_SLL] = { "LINUX_SLL", DLT_LINUX_SLL, 113, DLT_LINUX_SLL, true, true, true },
    [CAP_SLL2] = { "LINUX_SLL2", DLT_LINUX_SLL2, 276, DLT_LINUX_SLL2, true, true, true },
};

/* Puts `ethertype` and `len` bytes of `body` behind the link header of
 * `link`; for NULL and LOOP the family is 2 for 0x0800, 30 (Darwin) for
 * 0x86DD and 7 otherwise. Returns the frame length. */
static inline size_t cap_link_frame(cap_link_t link, uint16_t ethertype, const uint8_t *body,
                                    size_t len, uint8_t *out)
{
    static const uint16_t tags[][3] = {
        [CAP_ETH] = { 0 },
        [CAP_ETH_VLAN] = { 0x8100 },
        [CAP_ETH_QINQ] = { 0x88a8, 0x8100 },
        [CAP_ETH_3TAGS] = { 0x9100, 0x88a8, 0x8100 },
    };
    size_t n = 0;
    uint32_t family = ethertype == 0x0800 ? 2 : ethertype == 0x86DD ? 30 : 7;
    switch (link) {
    case CAP_ETH:
    case CAP_ETH_VLAN:
    case CAP_ETH_QINQ:
    case CAP_ETH_3TAGS:
        memset(out, 0, 12);
        out[0] = 0x02;
        out[6] = 0x02;
        out[11] = 1;
        n = 12;
        for (size_t i = 0; i < 3 && tags[link][i]; i++) {
            cap_wr16(out + n, tags[link][i]);
            cap_wr16(out + n + 2, (uint16_t)(100 + i)); /* VLAN id */
            n += 4;
        }
        cap_wr16(out + n, ethertype);
        n += 2;
        break;
    case CAP_NULL_LE:
    case CAP_LOOP_LE:
        out[0] = (uint8_t)family;
        out[1] = out[2] = out[3] = 0;
        n = 4;
        break;
    case CAP_NULL_BE:
    case CAP_LOOP:
        cap_wr32(out, family);
        n = 4;
        break;
    case CAP_SLL:
        memset(out, 0, 16);
        cap_wr16(out + 2, 1); /* ARPHRD_ETHER */
        cap_wr16(out + 4, 6);
        cap_wr16(out + 14, ethertype);
        n = 16;
        break;
    case CAP_SLL2:
        memset(out, 0, 20);
        cap_wr16(out, ethertype);
        cap_wr32(out + 4, 2); /* interface index */
        cap_wr16(out + 8, 1); /* ARPHRD_ETHER */
        out[11] = 6;
        n = 20;
        break;
    default:
        break;
    }
    memcpy(out + n, body, len);
    return n + len;
}

/* Adds an IP packet as a frame of `link`. */
static inline cap_frame_t *cap_add_ip(cap_frames_t *f, cap_link_t link, const uint8_t *ip,
                                      size_t len)
{
    uint8_t frame[CAP_MAX_FRAME];
    uint16_t ethertype = (ip[0] >> 4) == 6 ? 0x86DD : 0x0800;
    return cap_add(f, frame, cap_link_frame(link, ethertype, ip, len, frame));
}

/* ---- writers --------------------------------------------------------------- */

/* A classic pcap through libpcap's writer, in memory. */
static inline cap_bytes_t capture_write_libpcap(int dlt, int snaplen, const cap_frames_t *f)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&buf, &size);
    CAP_CHECK(fp != NULL);
    pcap_t *dead = pcap_open_dead(dlt, snaplen);
    CAP_CHECK(dead != NULL);
    pcap_dumper_t *dumper = pcap_dump_fopen(dead, fp);
    CAP_CHECK(dumper != NULL);
    for (size_t i = 0; i < f->count; i++) {
        const cap_frame_t *fr = &f->frame[i];
        struct pcap_pkthdr hdr = {
            .ts = { .tv_sec = (time_t)(fr->time_us / 1000000u),
                    .tv_usec = (suseconds_t)(fr->time_us % 1000000u) },
            .caplen = (bpf_u_int32)fr->len,
            .len = (bpf_u_int32)(fr->wire ? fr->wire : fr->len),
        };
        pcap_dump((u_char *)dumper, &hdr, fr->bytes);
    }
    pcap_dump_close(dumper); /* closes fp, which sets buf and size */
    pcap_close(dead);
    cap_bytes_t out = { .p = (uint8_t *)buf, .len = size, .cap = size };
    return out;
}

/* A classic little-endian microsecond pcap written here. */
static inline cap_bytes_t capture_write_pcap(uint32_t linktype, uint32_t snaplen,
                                             const cap_frames_t *f)
{
    cap_bytes_t b = { 0 };
    cap_put32le(&b, 0xa1b2c3d4u);
    cap_put16le(&b, 2);
    cap_put16le(&b, 4);
    cap_put32le(&b, 0);
    cap_put32le(&b, 0);
    cap_put32le(&b, snaplen);
    cap_put32le(&b, linktype);
    for (size_t i = 0; i < f->count; i++) {
        const cap_frame_t *fr = &f->frame[i];
        cap_put32le(&b, (uint32_t)(fr->time_us / 1000000u));
        cap_put32le(&b, (uint32_t)(fr->time_us % 1000000u));
        cap_put32le(&b, (uint32_t)fr->len);
        cap_put32le(&b, (uint32_t)(fr->wire ? fr->wire : fr->len));
        cap_put(&b, fr->bytes, fr->len);
    }
    return b;
}

/* Appends one pcapng block: type, total length, body padded to 4, length. */
static inline void cap_pcapng_block(cap_bytes_t *b, uint32_t type, const cap_bytes_t *body)
{
    size_t padded = (body->len + 3) & ~(size_t)3;
    uint32_t total = (uint32_t)(12 + padded);
    static const uint8_t zeros[4] = { 0 };
    cap_put32le(b, type);
    cap_put32le(b, total);
    cap_put(b, body->p, body->len);
    cap_put(b, zeros, padded - body->len);
    cap_put32le(b, total);
}

/* A minimal little-endian pcapng: SHB, one IDB (microsecond resolution by
 * default), one EPB per frame. The SHB is 28 bytes and the IDB 20, so the
 * first EPB starts at byte 48. */
static inline cap_bytes_t capture_write_pcapng(uint32_t linktype, const cap_frames_t *f)
{
    cap_bytes_t out = { 0 };
    cap_bytes_t body = { 0 };
    cap_put32le(&body, 0x1a2b3c4du); /* byte-order magic */
    cap_put16le(&body, 1);
    cap_put16le(&body, 0);
    cap_put32le(&body, 0xffffffffu); /* section length unknown */
    cap_put32le(&body, 0xffffffffu);
    cap_pcapng_block(&out, 0x0a0d0d0au, &body);
    body.len = 0;
    cap_put16le(&body, (uint16_t)linktype);
    cap_put16le(&body, 0);
    cap_put32le(&body, 0); /* snaplen: none */
    cap_pcapng_block(&out, 1, &body);
    for (size_t i = 0; i < f->count; i++) {
        const cap_frame_t *fr = &f->frame[i];
        body.len = 0;
        cap_put32le(&body, 0); /* interface 0 */
        cap_put32le(&body, (uint32_t)(fr->time_us >> 32));
        cap_put32le(&body, (uint32_t)fr->time_us);
        cap_put32le(&body, (uint32_t)fr->len);
        cap_put32le(&body, (uint32_t)(fr->wire ? fr->wire : fr->len));
        cap_put(&body, fr->bytes, fr->len);
        cap_pcapng_block(&out, 6, &body);
    }
    cap_free(&body);
    return out;
}

/* ---- reading -------------------------------------------------------------------- */

typedef struct cap_result {
    sim__capture_err_t open_err;
    sim__capture_err_t end; /* what the last sim__capture_next() returned */
    char message[512];      /* open's or the stream's */
    int link_type;
    size_t count, cap;
    /* Every datagram, its payload pointing to a copy the result owns. */
    sim__capture_datagram_t *got;
    sim__capture_counters_t counters;
} cap_result_t;

static inline void cap_result_free(cap_result_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        free((void *)(uintptr_t)r->got[i].payload);
    free(r->got);
    free(r);
}

/* Checks the accounting identity of sim/capture.h. */
static inline void cap_check_identity(const sim__capture_counters_t *c)
{
    uint64_t skipped = 0, by_kind = 0;
    for (size_t i = 0; i < SIM__CAPTURE_SKIP__COUNT; i++)
        skipped += c->skipped[i];
    for (size_t i = 0; i < SIM__CAPTURE_KINDS; i++)
        by_kind += c->by_kind[i];
    CAP_CHECK(by_kind == c->datagrams);
    CAP_CHECK(c->records - c->fragments + c->reassembled == c->datagrams + skipped);
}

/* Reads a capture from memory to its end; every datagram is copied. */
static inline cap_result_t *cap_read(const cap_bytes_t *bytes, const sim__capture_config_t *config)
{
    cap_result_t *r = calloc(1, sizeof *r);
    CAP_CHECK(r != NULL);
    sim__capture_t *reader;
    r->open_err = sim__capture_open_memory(bytes->p, bytes->len, "test.pcap", config, &reader,
                                           r->message, sizeof r->message);
    if (r->open_err != SIM__CAPTURE_OK) {
        CAP_CHECK(reader == NULL);
        return r;
    }
    r->link_type = sim__capture_link_type(reader);
    sim__capture_datagram_t d;
    while ((r->end = sim__capture_next(reader, &d)) == SIM__CAPTURE_OK) {
        CAP_CHECK(d.kind == rtp_demux(d.payload, d.payload_len));
        if (r->count == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 16;
            r->got = realloc(r->got, r->cap * sizeof *r->got);
            CAP_CHECK(r->got != NULL);
        }
        uint8_t *copy = malloc(d.payload_len ? d.payload_len : 1);
        CAP_CHECK(copy != NULL);
        memcpy(copy, d.payload, d.payload_len);
        d.payload = copy;
        r->got[r->count++] = d;
    }
    CAP_CHECK(sim__capture_next(reader, &d) == r->end); /* sticky */
    snprintf(r->message, sizeof r->message, "%s", sim__capture_message(reader));
    r->counters = *sim__capture_counters(reader);
    cap_check_identity(&r->counters);
    sim__capture_close(reader);
    return r;
}

static inline uint64_t cap_skipped_total(const sim__capture_counters_t *c)
{
    uint64_t total = 0;
    for (size_t i = 0; i < SIM__CAPTURE_SKIP__COUNT; i++)
        total += c->skipped[i];
    return total;
}

static inline uint64_t cap_frag_dropped_total(const sim__capture_counters_t *c)
{
    uint64_t total = 0;
    for (size_t i = 0; i < SIM__CAPTURE_FRAG_DROP__COUNT; i++)
        total += c->fragments_dropped[i];
    return total;
}

#endif
