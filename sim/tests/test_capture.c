/* Tests for the capture reader's file and link layers (sim/capture.h,
 * sim/capture.c): every link type in pcap (libpcap's writer) and pcapng
 * (written here), the real captures under vectors/pcap/, and bad input.
 *
 * Sources of the expected values:
 *   - the built captures: the packets the tests put in them;
 *   - the real captures: vectors/SOURCES.md, cross-checked by hand with
 *     tshark 4.0.17: `tshark -r FILE -q -z io,stat,0` (frames),
 *     `tshark -r FILE -Y udp | wc -l` (UDP datagrams), `tshark -r FILE -o
 *     rtp.heuristic_rtp:TRUE -Y rtcp | wc -l` (RTCP: none), and `tshark -r
 *     FILE -T fields -e frame.time_epoch` (first time). Every frame of the
 *     four is Ethernet/IPv4/UDP RTP;
 *   - sim/tests/fixtures/capture/str0m-vp8-head.pcapng: the first 8 packets
 *     of str0m-vp8.pcap, written by `editcap -F pcapng -r
 *     vectors/pcap/str0m-vp8.pcap OUT 1-8` (Wireshark 4.0.17): an SHB of 108
 *     bytes with options, an IDB of 20, so the first EPB is at byte 128. */
#include "capture_test_util.h"

#include <stdlib.h>
#include <unistd.h>

/* ---- every link type, pcap and pcapng ------------------------------------------ */

/* Given a capture of `link` holding RTP, RTCP and STUN over IPv4, TCP and
 * ICMP over IPv4, DTLS, TURN-wrapped RTP and RTP behind a routing and a
 * destination-options header over IPv6 (each where the link can carry it),
 * and a non-IP frame where it can be built; written as pcap by libpcap
 * (even i) or as pcapng (odd i). */
static cap_frames_t *link_frames(cap_link_t link)
{
    const cap_link_info_t *info = &cap_links[link];
    cap_frames_t *f = cap_frames_new();
    uint8_t ip[CAP_MAX_FRAME], body[CAP_MAX_FRAME];
    size_t n;
    if (info->v4) {
        cap_add_ip(f, link, ip, cap_udp4(ip, cap_rtp, sizeof cap_rtp));
        cap_add_ip(f, link, ip, cap_udp4(ip, cap_rtcp, sizeof cap_rtcp));
        cap_add_ip(f, link, ip, cap_udp4(ip, cap_stun, sizeof cap_stun));
        memset(body, 0, 20);
        cap_add_ip(f, link, ip, cap_ipv4(ip, 6, 2, 0, cap_v4_a, cap_v4_b, body, 20)); /* TCP */
        cap_add_ip(f, link, ip, cap_ipv4(ip, 1, 3, 0, cap_v4_a, cap_v4_b, body, 8));  /* ICMP */
    }
    if (info->v6) {
        cap_add_ip(f, link, ip, cap_udp6(ip, cap_dtls, sizeof cap_dtls));
        n = cap_channel_data(body, cap_rtp, sizeof cap_rtp);
        cap_add_ip(f, link, ip, cap_udp6(ip, body, n));
        n = cap_udp(body, 5000, 6000, cap_rtp, sizeof cap_rtp);
        n = cap_ipv6_ext(body, 17, 0, n); /* destination options */
        n = cap_ipv6_ext(body, 60, 2, n); /* routing */
        cap_add_ip(f, link, ip, cap_ipv6(ip, 43, cap_v6_a, cap_v6_b, body, n));
    }
    if (info->can_non_ip) {
        memset(body, 0, 28);
        uint8_t frame[CAP_MAX_FRAME];
        cap_add(f, frame, cap_link_frame(link, 0x0806, body, 28, frame)); /* ARP */
    }
    return f;
}

START_TEST(every_link_type_in_pcap_and_pcapng)
{
    cap_link_t link = (cap_link_t)(_i / 2);
    bool pcapng = _i % 2 == 1;
    const cap_link_info_t *info = &cap_links[link];
    cap_frames_t *f = link_frames(link);
    cap_bytes_t bytes = pcapng                ? capture_write_pcapng(info->file, f)
                        : info->dlt_write < 0 ? capture_write_pcap(info->file, 65535, f)
                                              : capture_write_libpcap(info->dlt_write, 65535, f);
    cap_result_t *r = cap_read(&bytes, NULL);
    ck_assert_msg(r->open_err == SIM__CAPTURE_OK, "%s: %s", info->name, r->message);
    ck_assert_int_eq(r->end, SIM__CAPTURE_END);
    ck_assert_int_eq(r->link_type, info->dlt_read);
    ck_assert_uint_eq(r->counters.records, f->count);

    size_t at = 0;
    if (info->v4) {
        static const rtp_demux_kind_t kinds[] = { RTP_DEMUX_RTP, RTP_DEMUX_RTCP, RTP_DEMUX_STUN };
        for (size_t i = 0; i < 3; i++, at++) {
            const sim__capture_datagram_t *d = &r->got[at];
            ck_assert_int_eq(d->kind, kinds[i]);
            ck_assert_uint_eq(d->src.family, 4);
            ck_assert_mem_eq(d->src.ip, cap_v4_a, 4);
            ck_assert_mem_eq(d->dst.ip, cap_v4_b, 4);
            ck_assert_uint_eq(d->src.port, 5000);
            ck_assert_uint_eq(d->dst.port, 6000);
            ck_assert_uint_eq(d->record_index, i);
            ck_assert_uint_eq(d->time_us, CAP_T0_US + 1000u * i);
            ck_assert_uint_eq(d->first_time_us, CAP_T0_US);
            ck_assert_int_eq(d->link_type, info->dlt_read);
        }
        ck_assert_mem_eq(r->got[0].payload, cap_rtp, sizeof cap_rtp);
        ck_assert_uint_eq(r->counters.skipped[SIM__CAPTURE_SKIP_NON_UDP], 2);
    }
    if (info->v6) {
        const sim__capture_datagram_t *d = &r->got[at];
        ck_assert_int_eq(d->kind, RTP_DEMUX_DTLS);
        ck_assert_uint_eq(d->src.family, 6);
        ck_assert_mem_eq(d->src.ip, cap_v6_a, 16);
        ck_assert_mem_eq(d->dst.ip, cap_v6_b, 16);
        d = &r->got[at + 1];
        ck_assert_int_eq(d->kind, RTP_DEMUX_RTP);
        ck_assert(d->via_turn);
        ck_assert_uint_eq(d->turn_channel, 0x4001);
        ck_assert_uint_eq(d->payload_len, sizeof cap_rtp);
        ck_assert_mem_eq(d->payload, cap_rtp, sizeof cap_rtp);
        d = &r->got[at + 2];
        ck_assert_int_eq(d->kind, RTP_DEMUX_RTP);
        ck_assert(!d->via_turn);
        ck_assert_uint_eq(d->dst.port, 6000);
        ck_assert_mem_eq(d->payload, cap_rtp, sizeof cap_rtp);
        at += 3;
    }
    ck_assert_uint_eq(r->count, at);
    ck_assert_uint_eq(r->counters.skipped[SIM__CAPTURE_SKIP_NON_IP], info->can_non_ip ? 1 : 0);
    ck_assert_uint_eq(r->counters.via_turn, info->v6 ? 1 : 0);
    ck_assert_uint_eq(r->counters.by_kind[RTP_DEMUX_RTP],
                      (info->v4 ? 1u : 0u) + (info->v6 ? 2u : 0u));
    cap_result_free(r);
    cap_free(&bytes);
    free(f);
}
END_TEST

/* ---- the real captures ------------------------------------------------------------ */

typedef struct real_capture {
    const char *path;
    uint64_t records;     /* tshark io,stat frames */
    uint64_t rtp;         /* tshark -Y udp; all RTP, no RTCP */
    uint64_t first_us;    /* tshark frame.time_epoch of frame 1 */
    uint64_t first_bytes; /* UDP payload bytes of the first datagram */
} real_capture_t;

static const real_capture_t real_captures[] = {
    { "vectors/pcap/str0m-vp8.pcap", 104, 104, 1693979200908000u, 149 },
    { "vectors/pcap/str0m-h264.pcap", 298, 298, 1703167868000006u, 657 },
    { "vectors/pcap/membrane-vp8.pcap", 410, 410, 1612888545704783u, 1472 },
    { "vectors/pcap/membrane-h264-mpa.pcap", 862, 862, 1572862430381643u, 1397 },
};

START_TEST(real_captures_count_as_tshark_does)
{
    const real_capture_t *rc = &real_captures[_i];
    char msg[512];
    sim__capture_t *reader;
    ck_assert_msg(sim__capture_open(rc->path, NULL, &reader, msg, sizeof msg) == SIM__CAPTURE_OK,
                  "%s", msg);
    ck_assert_int_eq(sim__capture_link_type(reader), DLT_EN10MB);
    ck_assert_str_eq(sim__capture_link_name(reader), "EN10MB");
    ck_assert(!sim__capture_is_pcapng(reader));
    sim__capture_datagram_t d;
    sim__capture_err_t err;
    uint64_t n = 0, next_offset = 24;
    while ((err = sim__capture_next(reader, &d)) == SIM__CAPTURE_OK) {
        CAP_CHECK(d.record_index == n);
        CAP_CHECK(d.offset == next_offset);
        CAP_CHECK(d.first_time_us == rc->first_us);
        CAP_CHECK(d.kind == RTP_DEMUX_RTP);
        if (n == 0) {
            ck_assert_uint_eq(d.time_us, rc->first_us);
            ck_assert_uint_eq(d.payload_len, rc->first_bytes);
        }
        /* Each record is its 16-byte header and 14 + 20 + 8 + payload. */
        next_offset += 16 + 14 + 20 + 8 + d.payload_len;
        n++;
    }
    ck_assert_int_eq(err, SIM__CAPTURE_END);
    ck_assert_str_eq(sim__capture_message(reader), "");
    const sim__capture_counters_t *c = sim__capture_counters(reader);
    ck_assert_uint_eq(c->records, rc->records);
    ck_assert_uint_eq(c->datagrams, rc->rtp);
    ck_assert_uint_eq(c->by_kind[RTP_DEMUX_RTP], rc->rtp);
    ck_assert_uint_eq(c->by_kind[RTP_DEMUX_RTCP], 0);
    ck_assert_uint_eq(cap_skipped_total(c), 0);
    cap_check_identity(c);
    sim__capture_close(reader);
}
END_TEST

/* str0m-vp8.pcap, packet by packet, per vectors/SOURCES.md. */
START_TEST(str0m_vp8_is_one_vp8_stream)
{
    char msg[512];
    sim__capture_t *reader;
    ck_assert_int_eq(
        sim__capture_open("vectors/pcap/str0m-vp8.pcap", NULL, &reader, msg, sizeof msg),
        SIM__CAPTURE_OK);
    sim__capture_datagram_t d;
    unsigned n = 0;
    char src[64], dst[64];
    while (sim__capture_next(reader, &d) == SIM__CAPTURE_OK) {
        rtp_header_t h;
        CAP_CHECK(rtp_parse(d.payload, d.payload_len, &h) == RTP_OK);
        CAP_CHECK(h.ssrc == 0xEEDF3944u && h.payload_type == 96);
        CAP_CHECK(strcmp(sim__capture_addr_format(&d.src, src, sizeof src), "10.2.2.2:62132") == 0);
        CAP_CHECK(strcmp(sim__capture_addr_format(&d.dst, dst, sizeof dst), "10.1.1.1:5443") == 0);
        n++;
    }
    ck_assert_uint_eq(n, 104);
    sim__capture_close(reader);
}
END_TEST

/* Writes `path` as pcapng with the hand writer, from what libpcap reads. */
static cap_bytes_t pcap_to_pcapng(const char *path, uint64_t *epb_offsets, size_t cap_offsets,
                                  size_t *count)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, errbuf);
    ck_assert_msg(p != NULL, "%s", errbuf);
    cap_bytes_t out = { 0 }, body = { 0 };
    cap_put32le(&body, 0x1a2b3c4du);
    cap_put16le(&body, 1);
    cap_put16le(&body, 0);
    cap_put32le(&body, 0xffffffffu);
    cap_put32le(&body, 0xffffffffu);
    cap_pcapng_block(&out, 0x0a0d0d0au, &body);
    body.len = 0;
    cap_put16le(&body, (uint16_t)pcap_datalink(p));
    cap_put16le(&body, 0);
    cap_put32le(&body, 0);
    cap_pcapng_block(&out, 1, &body);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    *count = 0;
    while (pcap_next_ex(p, &hdr, &data) == 1) {
        uint64_t t = (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec;
        if (*count < cap_offsets)
            epb_offsets[*count] = out.len;
        (*count)++;
        body.len = 0;
        cap_put32le(&body, 0);
        cap_put32le(&body, (uint32_t)(t >> 32));
        cap_put32le(&body, (uint32_t)t);
        cap_put32le(&body, hdr->caplen);
        cap_put32le(&body, hdr->len);
        cap_put(&body, data, hdr->caplen);
        cap_pcapng_block(&out, 6, &body);
    }
    pcap_close(p);
    cap_free(&body);
    return out;
}

START_TEST(pcapng_gives_what_pcap_gives)
{
    const real_capture_t *rc = &real_captures[_i];
    size_t count;
    uint64_t offsets[1024];
    cap_bytes_t ng = pcap_to_pcapng(rc->path, offsets, 1024, &count);
    ck_assert_uint_eq(count, rc->records);
    char msg[512];
    sim__capture_t *a, *b;
    ck_assert_int_eq(sim__capture_open(rc->path, NULL, &a, msg, sizeof msg), SIM__CAPTURE_OK);
    ck_assert_int_eq(sim__capture_open_memory(ng.p, ng.len, "ng", NULL, &b, msg, sizeof msg),
                     SIM__CAPTURE_OK);
    ck_assert(sim__capture_is_pcapng(b));
    sim__capture_datagram_t da, db;
    sim__capture_err_t ea, eb;
    size_t n = 0;
    while ((ea = sim__capture_next(a, &da)) == SIM__CAPTURE_OK) {
        eb = sim__capture_next(b, &db);
        CAP_CHECK(eb == SIM__CAPTURE_OK);
        CAP_CHECK(da.time_us == db.time_us && da.first_time_us == db.first_time_us);
        CAP_CHECK(da.record_index == db.record_index);
        CAP_CHECK(db.offset == offsets[n]);
        CAP_CHECK(memcmp(&da.src, &db.src, sizeof da.src) == 0);
        CAP_CHECK(memcmp(&da.dst, &db.dst, sizeof da.dst) == 0);
        CAP_CHECK(da.kind == db.kind && da.payload_len == db.payload_len);
        CAP_CHECK(memcmp(da.payload, db.payload, da.payload_len) == 0);
        n++;
    }
    ck_assert_int_eq(ea, SIM__CAPTURE_END);
    ck_assert_int_eq(sim__capture_next(b, &db), SIM__CAPTURE_END);
    ck_assert_uint_eq(n, rc->rtp);
    sim__capture_close(a);
    sim__capture_close(b);
    cap_free(&ng);
}
END_TEST

/* A pcapng written by another tool (editcap), with SHB options. */
START_TEST(editcap_pcapng_fixture)
{
    char msg[512];
    sim__capture_t *reader;
    ck_assert_msg(sim__capture_open("sim/tests/fixtures/capture/str0m-vp8-head.pcapng", NULL,
                                    &reader, msg, sizeof msg) == SIM__CAPTURE_OK,
                  "%s", msg);
    ck_assert(sim__capture_is_pcapng(reader));
    sim__capture_datagram_t d;
    static const size_t lens[8] = { 149, 65, 145, 824, 806, 918, 142, 179 };
    uint64_t offset = 128;
    for (unsigned i = 0; i < 8; i++) {
        ck_assert_int_eq(sim__capture_next(reader, &d), SIM__CAPTURE_OK);
        ck_assert_uint_eq(d.offset, offset);
        ck_assert_uint_eq(d.payload_len, lens[i]);
        ck_assert_int_eq(d.kind, RTP_DEMUX_RTP);
        if (i == 0)
            ck_assert_uint_eq(d.time_us, 1693979200908000u);
        /* EPB: 28 bytes of header, frame padded to 4, 4 of trailer. */
        offset += 32 + ((14 + 20 + 8 + lens[i] + 3) & ~(size_t)3);
    }
    ck_assert_int_eq(sim__capture_next(reader, &d), SIM__CAPTURE_END);
    sim__capture_close(reader);
}
END_TEST

/* ---- bad input ------------------------------------------------------------------ */

static cap_bytes_t read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    cap_bytes_t b = { 0 };
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        cap_put(&b, chunk, n);
    fclose(fp);
    return b;
}

static bool contains(const char *haystack, const char *needle)
{
    return strstr(haystack, needle) != NULL;
}

/* Reads the first `cut` bytes of `whole` and checks the outcome against the
 * record starts in `starts` (count of them, then the file end). */
static void check_cut(const cap_bytes_t *whole, size_t cut, const uint64_t *starts, size_t count,
                      uint64_t header_end)
{
    cap_bytes_t prefix = { .p = whole->p, .len = cut };
    char expect[64];
    cap_result_t *r = cap_read(&prefix, NULL);
    if (cut == 0 || cut < 4) {
        CAP_CHECK(r->open_err == SIM__CAPTURE_ERR_NOT_CAPTURE);
        CAP_CHECK(contains(r->message, "test.pcap: byte 0: "));
    } else if (cut < header_end) {
        CAP_CHECK(r->open_err == SIM__CAPTURE_ERR_TRUNCATED);
        CAP_CHECK(contains(r->message, "test.pcap: byte "));
    } else {
        CAP_CHECK(r->open_err == SIM__CAPTURE_OK);
        size_t whole_records = 0;
        while (whole_records < count && starts[whole_records + 1] <= cut)
            whole_records++;
        CAP_CHECK(r->counters.records == whole_records);
        CAP_CHECK(r->count == whole_records);
        bool at_boundary = cut == header_end || starts[whole_records] == cut;
        if (at_boundary) {
            CAP_CHECK(r->end == SIM__CAPTURE_END);
            CAP_CHECK(r->message[0] == '\0');
        } else {
            CAP_CHECK(r->end == SIM__CAPTURE_ERR_TRUNCATED);
            snprintf(expect, sizeof expect,
                     "test.pcap: byte %llu: ", (unsigned long long)starts[whole_records]);
            if (!contains(r->message, expect))
                ck_abort_msg("cut %zu: \"%s\" lacks \"%s\"", cut, r->message, expect);
        }
    }
    CAP_CHECK(strchr(r->message, '\n') == NULL);
    cap_result_free(r);
}

/* Given str0m-vp8.pcap (and its pcapng rewrite) cut at many byte positions,
 * the reader returns every whole record before the cut, then ends cleanly
 * at a record boundary or reports the cut record's offset. */
START_TEST(truncated_anywhere)
{
    bool pcapng = _i == 1;
    uint64_t starts[106];
    size_t count;
    cap_bytes_t whole;
    uint64_t header_end;
    if (pcapng) {
        whole = pcap_to_pcapng("vectors/pcap/str0m-vp8.pcap", starts, 105, &count);
        header_end = 48; /* SHB 28 + IDB 20 */
    } else {
        whole = read_file("vectors/pcap/str0m-vp8.pcap");
        cap_result_t *r = cap_read(&whole, NULL);
        count = r->count;
        for (size_t i = 0; i < count; i++)
            starts[i] = r->got[i].offset;
        cap_result_free(r);
        header_end = 24;
    }
    ck_assert_uint_eq(count, 104);
    starts[count] = whole.len;
    for (size_t cut = 0; cut < 600; cut++)
        check_cut(&whole, cut, starts, count, header_end);
    for (size_t cut = 600; cut < whole.len; cut += 53)
        check_cut(&whole, cut, starts, count, header_end);
    for (size_t i = 0; i <= count; i++)
        for (size_t d = 0; d < 3; d++)
            if (starts[i] + d - 1 <= whole.len)
                check_cut(&whole, (size_t)(starts[i] + d - 1), starts, count, header_end);
    cap_free(&whole);
}
END_TEST

/* A unique temporary directory for the files the path-based open reads;
 * removed with the files the test names. */
typedef struct temp_dir {
    char path[64];
} temp_dir_t;

static void temp_dir_make(temp_dir_t *t)
{
    snprintf(t->path, sizeof t->path, "/tmp/blindfold-test-capture-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t->path));
}

static void temp_dir_remove(const temp_dir_t *t, const char *const *files, size_t count)
{
    char path[128];
    for (size_t i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/%s", t->path, files[i]);
        ck_assert_int_eq(unlink(path), 0);
    }
    ck_assert_int_eq(rmdir(t->path), 0);
}

static void write_file(const char *path, const void *bytes, size_t len)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(bytes, 1, len, fp), len);
    ck_assert_int_eq(fclose(fp), 0);
}

/* Given files on disk: a pcap written by pcap_dump_open, a text file, an
 * empty file, a directory and a missing path. */
START_TEST(files_on_disk)
{
    temp_dir_t dir;
    temp_dir_make(&dir);
    char path[128], msg[512];
    sim__capture_t *reader;

    snprintf(path, sizeof path, "%s/written.pcap", dir.path);
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *dumper = pcap_dump_open(dead, path);
    ck_assert_ptr_nonnull(dumper);
    uint8_t ip[256], frame[256];
    size_t n = cap_udp4(ip, cap_rtp, sizeof cap_rtp);
    n = cap_link_frame(CAP_ETH, 0x0800, ip, n, frame);
    struct pcap_pkthdr hdr = { .ts = { .tv_sec = 100, .tv_usec = 5 },
                               .caplen = (bpf_u_int32)n,
                               .len = (bpf_u_int32)n };
    pcap_dump((u_char *)dumper, &hdr, frame);
    pcap_dump_close(dumper);
    pcap_close(dead);
    ck_assert_int_eq(sim__capture_open(path, NULL, &reader, msg, sizeof msg), SIM__CAPTURE_OK);
    sim__capture_datagram_t d;
    ck_assert_int_eq(sim__capture_next(reader, &d), SIM__CAPTURE_OK);
    ck_assert_uint_eq(d.time_us, 100000005u);
    ck_assert_uint_eq(d.offset, 24);
    ck_assert_int_eq(sim__capture_next(reader, &d), SIM__CAPTURE_END);
    sim__capture_close(reader);

    snprintf(path, sizeof path, "%s/notes.txt", dir.path);
    static const char text[] = "this is not a capture\n";
    write_file(path, text, sizeof text - 1);
    ck_assert_int_eq(sim__capture_open(path, NULL, &reader, msg, sizeof msg),
                     SIM__CAPTURE_ERR_NOT_CAPTURE);
    ck_assert_ptr_null(reader);
    ck_assert_msg(contains(msg, "notes.txt: byte 0: not a pcap or pcapng capture"), "%s", msg);

    snprintf(path, sizeof path, "%s/empty.pcap", dir.path);
    write_file(path, "", 0);
    ck_assert_int_eq(sim__capture_open(path, NULL, &reader, msg, sizeof msg),
                     SIM__CAPTURE_ERR_NOT_CAPTURE);
    ck_assert_msg(contains(msg, "empty.pcap: byte 0: empty file"), "%s", msg);

    ck_assert_int_eq(sim__capture_open(dir.path, NULL, &reader, msg, sizeof msg),
                     SIM__CAPTURE_ERR_IO);
    snprintf(path, sizeof path, "%s/missing.pcap", dir.path);
    ck_assert_int_eq(sim__capture_open(path, NULL, &reader, msg, sizeof msg), SIM__CAPTURE_ERR_IO);
    ck_assert_msg(contains(msg, "missing.pcap: No such file"), "%s", msg);
    static const char *const files[] = { "written.pcap", "notes.txt", "empty.pcap" };
    temp_dir_remove(&dir, files, 3);
    ck_assert_int_eq(access(dir.path, F_OK), -1);
}
END_TEST

static cap_frames_t *one_rtp_frame(void)
{
    cap_frames_t *f = cap_frames_new();
    uint8_t ip[256];
    cap_add_ip(f, CAP_ETH, ip, cap_udp4(ip, cap_rtp, sizeof cap_rtp));
    return f;
}

START_TEST(unknown_link_type_names_its_field)
{
    cap_frames_t *f = one_rtp_frame();
    cap_bytes_t pcap = capture_write_libpcap(147, 65535, f);
    cap_result_t *r = cap_read(&pcap, NULL);
    ck_assert_int_eq(r->open_err, SIM__CAPTURE_ERR_LINK_TYPE);
    ck_assert_str_eq(r->message, "test.pcap: byte 20: link type 147 is not supported");
    cap_result_free(r);
    cap_bytes_t ng = capture_write_pcapng(147, f);
    r = cap_read(&ng, NULL);
    ck_assert_int_eq(r->open_err, SIM__CAPTURE_ERR_LINK_TYPE);
    ck_assert_str_eq(r->message, "test.pcap: byte 36: link type 147 is not supported");
    cap_result_free(r);
    cap_free(&pcap);
    cap_free(&ng);
    free(f);
}
END_TEST

/* Given a good record, then one whose capture length is 0x7fffffff: the
 * first datagram comes, then an error naming the second record's offset. */
START_TEST(absurd_record_length)
{
    cap_frames_t *f = one_rtp_frame();
    cap_add(f, f->frame[0].bytes, f->frame[0].len);
    cap_bytes_t b = capture_write_pcap(1, 65535, f);
    size_t second = 24 + 16 + f->frame[0].len;
    b.p[second + 8] = 0xff;
    b.p[second + 9] = 0xff;
    b.p[second + 10] = 0xff;
    b.p[second + 11] = 0x7f;
    cap_result_t *r = cap_read(&b, NULL);
    ck_assert_int_eq(r->open_err, SIM__CAPTURE_OK);
    ck_assert_uint_eq(r->count, 1);
    ck_assert_int_eq(r->end, SIM__CAPTURE_ERR_MALFORMED);
    char expect[128];
    snprintf(expect, sizeof expect,
             "test.pcap: byte %zu: record 1: capture length 2147483647 is absurd (over 262144)",
             second);
    ck_assert_str_eq(r->message, expect);
    cap_result_free(r);
    cap_free(&b);

    /* The same in pcapng: a block length of 0x7ffffff0. */
    b = capture_write_pcapng(1, f);
    second = 48 + 32 + ((f->frame[0].len + 3) & ~(size_t)3);
    b.p[second + 4] = 0xf0;
    b.p[second + 5] = 0xff;
    b.p[second + 6] = 0xff;
    b.p[second + 7] = 0x7f;
    r = cap_read(&b, NULL);
    ck_assert_uint_eq(r->count, 1);
    ck_assert_int_eq(r->end, SIM__CAPTURE_ERR_MALFORMED);
    snprintf(expect, sizeof expect, "test.pcap: byte %zu: block length 2147483632 is absurd",
             second);
    ck_assert_msg(contains(r->message, expect), "%s", r->message);
    cap_result_free(r);
    cap_free(&b);
    free(f);
}
END_TEST

/* Given a file whose snap length is 64 and a record of 100 bytes (all
 * present): libpcap hands over the first 64, so the datagram counts as
 * snapped, and the record after it still reads. */
START_TEST(record_longer_than_snaplen)
{
    cap_frames_t *f = cap_frames_new();
    uint8_t ip[256], payload[58] = { 0x80, 0x60 };
    cap_add_ip(f, CAP_ETH, ip, cap_udp4(ip, payload, sizeof payload));   /* 100 bytes */
    cap_add_ip(f, CAP_ETH, ip, cap_udp4(ip, cap_rtcp, sizeof cap_rtcp)); /* 50 bytes */
    ck_assert_uint_eq(f->frame[0].len, 100);
    cap_bytes_t b = capture_write_pcap(1, 64, f);
    cap_result_t *r = cap_read(&b, NULL);
    ck_assert_int_eq(r->end, SIM__CAPTURE_END);
    ck_assert_uint_eq(r->counters.records, 2);
    ck_assert_uint_eq(r->counters.skipped[SIM__CAPTURE_SKIP_SNAPPED], 1);
    ck_assert_uint_eq(r->count, 1);
    ck_assert_int_eq(r->got[0].kind, RTP_DEMUX_RTCP);
    ck_assert_uint_eq(r->got[0].offset, 24 + 16 + 100);
    cap_result_free(r);
    cap_free(&b);
    free(f);
}
END_TEST

/* Given a pcapng block whose length is not a multiple of 4. */
START_TEST(pcapng_impossible_block_length)
{
    cap_frames_t *f = one_rtp_frame();
    cap_bytes_t b = capture_write_pcapng(1, f);
    b.p[48 + 4] = 13;
    b.p[48 + 5] = b.p[48 + 6] = b.p[48 + 7] = 0;
    cap_result_t *r = cap_read(&b, NULL);
    ck_assert_int_eq(r->open_err, SIM__CAPTURE_OK);
    ck_assert_uint_eq(r->count, 0);
    ck_assert_int_eq(r->end, SIM__CAPTURE_ERR_MALFORMED);
    ck_assert_msg(contains(r->message, "test.pcap: byte 48: block length 13 is impossible"), "%s",
                  r->message);
    cap_result_free(r);
    cap_free(&b);
    free(f);
}
END_TEST

/* Given headers libpcap refuses though their structure is sound (a pcap
 * of version 1.0, a pcapng section of version 2.0): the refusal keeps an
 * offset and libpcap's words. */
START_TEST(libpcap_refusals_keep_an_offset)
{
    cap_frames_t *f = one_rtp_frame();
    cap_bytes_t b = capture_write_pcap(1, 65535, f);
    b.p[4] = 1; /* version 1.0 */
    cap_result_t *r = cap_read(&b, NULL);
    ck_assert_int_eq(r->open_err, SIM__CAPTURE_ERR_MALFORMED);
    ck_assert_msg(contains(r->message, "test.pcap: byte 24: archaic pcap savefile format"), "%s",
                  r->message);
    cap_result_free(r);
    cap_free(&b);
    b = capture_write_pcapng(1, f);
    b.p[12] = 2; /* major version 2 */
    r = cap_read(&b, NULL);
    ck_assert_int_eq(r->open_err, SIM__CAPTURE_ERR_MALFORMED);
    ck_assert_msg(contains(r->message, "test.pcap: byte ") && contains(r->message, "version"), "%s",
                  r->message);
    cap_result_free(r);
    cap_free(&b);
    free(f);
}
END_TEST

START_TEST(arguments_and_names)
{
    char msg[256];
    sim__capture_t *reader = (sim__capture_t *)(void *)msg; /* must come back NULL */
    sim__capture_config_t bad = sim__capture_config_default();
    bad.max_reassembly = 0;
    ck_assert_int_eq(
        sim__capture_open("vectors/pcap/str0m-vp8.pcap", &bad, &reader, msg, sizeof msg),
        SIM__CAPTURE_ERR_INVALID_ARG);
    ck_assert_ptr_null(reader);
    ck_assert_int_eq(sim__capture_open(NULL, NULL, &reader, msg, sizeof msg),
                     SIM__CAPTURE_ERR_INVALID_ARG);
    ck_assert_int_eq(sim__capture_open_memory(NULL, 0, NULL, NULL, &reader, msg, sizeof msg),
                     SIM__CAPTURE_ERR_NOT_CAPTURE);
    ck_assert_str_eq(msg, "memory: byte 0: empty file, not a pcap or pcapng capture");
    ck_assert_int_eq(sim__capture_next(NULL, NULL), SIM__CAPTURE_ERR_INVALID_ARG);
    sim__capture_close(NULL);
    ck_assert_ptr_null(sim__capture_counters(NULL));
    ck_assert_str_eq(sim__capture_strerror(SIM__CAPTURE_ERR_TRUNCATED),
                     "the capture ends inside a header or record");
    ck_assert_str_eq(sim__capture_strerror((sim__capture_err_t)99), "unknown error");
    ck_assert_str_eq(sim__capture_skip_name(SIM__CAPTURE_SKIP_NON_UDP), "non_udp");
    ck_assert_str_eq(sim__capture_frag_drop_name(SIM__CAPTURE_FRAG_TIMEOUT), "timeout");
    sim__capture_addr_t v6 = { .family = 6,
                               .ip = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
                               .port = 443 };
    char text[64];
    ck_assert_str_eq(sim__capture_addr_format(&v6, text, sizeof text), "[2001:db8::1]:443");
    ck_assert_str_eq(sim__capture_addr_format(&v6, text, 5), "[200");
    v6.family = 5;
    ck_assert_str_eq(sim__capture_addr_format(&v6, text, sizeof text), "?");
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("capture");
    TCase *links = tcase_create("links");
    tcase_add_loop_test(links, every_link_type_in_pcap_and_pcapng, 0, 2 * CAP_LINK__COUNT);
    suite_add_tcase(suite, links);

    TCase *real = tcase_create("real");
    tcase_add_loop_test(real, real_captures_count_as_tshark_does, 0,
                        (int)(sizeof real_captures / sizeof real_captures[0]));
    tcase_add_test(real, str0m_vp8_is_one_vp8_stream);
    tcase_add_loop_test(real, pcapng_gives_what_pcap_gives, 0,
                        (int)(sizeof real_captures / sizeof real_captures[0]));
    tcase_add_test(real, editcap_pcapng_fixture);
    suite_add_tcase(suite, real);

    TCase *bad = tcase_create("bad_input");
    tcase_set_timeout(bad, 120);
    tcase_add_loop_test(bad, truncated_anywhere, 0, 2);
    tcase_add_test(bad, files_on_disk);
    tcase_add_test(bad, unknown_link_type_names_its_field);
    tcase_add_test(bad, absurd_record_length);
    tcase_add_test(bad, record_longer_than_snaplen);
    tcase_add_test(bad, pcapng_impossible_block_length);
    tcase_add_test(bad, libpcap_refusals_keep_an_offset);
    tcase_add_test(bad, arguments_and_names);
    suite_add_tcase(suite, bad);
    return suite;
}
