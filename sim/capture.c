/* The capture reader: files and link layers (sim/capture.h). libpcap reads
 * the records of classic pcap (pcap-savefile(5)) and pcapng
 * (draft-ietf-opsawg-pcapng); this file finds the IP packet in
 * each frame, hands it to the IP layer (capture_ip.c), and classifies the
 * UDP payloads it gets back (RFC 7983 section 7 with RFC 5761 section 4,
 * TURN ChannelData per RFC 8656 section 12.4).
 *
 * Link layers, one row each in link_parsers[]: Ethernet (IEEE 802.3, with
 * 802.1Q / 802.1ad tags), BSD loopback NULL (family in the capturing host's
 * byte order, so either) and LOOP (network order, read the same way), raw
 * IP, LINKTYPE_IPV4 / IPV6, Linux cooked SLL (16-byte header, protocol at
 * byte 14) and SLL2 (20 bytes, protocol at byte 0).
 *
 * Offsets. The reader hands libpcap a stdio stream of its own (fopen or
 * fmemopen) and asks ftello() for the position before each record, which is
 * the record header in pcap and the first block read in pcapng. When
 * libpcap fails, this file reads the headers at that position again to say
 * what is wrong (a header cut short, a record or block longer than what is
 * left, an absurd length) and where; libpcap's own text is the fallback. */
#include "sim/capture_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PCAP_FILE_HEADER    24u
#define PCAP_RECORD_HEADER  16u
#define PCAP_LINKTYPE_FIELD 20u
/* libpcap refuses a record longer than this (MAXIMUM_SNAPLEN, the limit of
 * every link type this reader parses). */
#define PCAP_MAX_CAPLEN  262144u
#define PCAPNG_SHB       0x0A0D0D0Au
#define PCAPNG_IDB       0x00000001u
#define PCAPNG_BOM       0x1A2B3C4Du
#define PCAPNG_MIN_BLOCK 12u
/* libpcap refuses a block longer than this (INITIAL_MAX_BLOCKSIZE, which
 * only grows for snap lengths above 262144). */
#define PCAPNG_MAX_BLOCK (16u * 1024u * 1024u)
/* How many pcapng blocks the error analysis walks before giving up. */
#define PCAPNG_WALK_LIMIT 4096u
#define NO_OFFSET         UINT64_MAX

#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86DDu
/* Linux's DLT_RAW is 12; OpenBSD's 14 comes through unmapped, and 101 is
 * LINKTYPE_RAW should a libpcap ever hand it over. */
#define LINK_RAW_12  12
#define LINK_RAW_14  14
#define LINK_RAW_101 101

/* ---- names and messages ----------------------------------------------------- */

const char *sim__capture_strerror(sim__capture_err_t err)
{
    static const char *const messages[] = {
#define SIM__CAPTURE_MSG(name, msg) [name] = msg,
        SIM__CAPTURE_ERROR_LIST(SIM__CAPTURE_MSG)
#undef SIM__CAPTURE_MSG
    };
    if ((unsigned)err >= SIM__CAPTURE_ERR__COUNT)
        return "unknown error";
    return messages[err];
}

const char *sim__capture_skip_name(sim__capture_skip_t reason)
{
    static const char *const names[] = {
#define SIM__CAPTURE_SKIP_NAME(name, id, msg) [name] = id,
        SIM__CAPTURE_SKIP_LIST(SIM__CAPTURE_SKIP_NAME)
#undef SIM__CAPTURE_SKIP_NAME
    };
    if ((unsigned)reason >= SIM__CAPTURE_SKIP__COUNT)
        return "unknown";
    return names[reason];
}

const char *sim__capture_frag_drop_name(sim__capture_frag_drop_t reason)
{
    static const char *const names[] = {
#define SIM__CAPTURE_FRAG_NAME(name, id, msg) [name] = id,
        SIM__CAPTURE_FRAG_DROP_LIST(SIM__CAPTURE_FRAG_NAME)
#undef SIM__CAPTURE_FRAG_NAME
    };
    if ((unsigned)reason >= SIM__CAPTURE_FRAG_DROP__COUNT)
        return "unknown";
    return names[reason];
}

sim__capture_config_t sim__capture_config_default(void)
{
    return (sim__capture_config_t){
        .max_reassembly = 32,
        .reassembly_timeout_us = 30000000u,
    };
}

const char *sim__capture_addr_format(const sim__capture_addr_t *addr, char *out, size_t cap)
{
    if (cap == 0)
        return "";
    char ip[INET6_ADDRSTRLEN];
    if (!addr || (addr->family != 4 && addr->family != 6) ||
        !inet_ntop(addr->family == 4 ? AF_INET : AF_INET6, addr->ip, ip, sizeof ip)) {
        snprintf(out, cap, "?");
        return out;
    }
    snprintf(out, cap, addr->family == 4 ? "%s:%u" : "[%s]:%u", ip, (unsigned)addr->port);
    return out;
}

/* Writes "NAME: byte N: what" (or "NAME: what" for NO_OFFSET) into msg and
 * turns every control character into '?', so the message stays one line
 * whatever the file name holds. */
__attribute__((format(printf, 5, 6))) static void
set_message(char *msg, size_t cap, const char *name, uint64_t offset, const char *fmt, ...)
{
    if (!msg || cap == 0)
        return;
    int used = offset == NO_OFFSET
                   ? snprintf(msg, cap, "%s: ", name)
                   : snprintf(msg, cap, "%s: byte %llu: ", name, (unsigned long long)offset);
    if (used >= 0 && (size_t)used < cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg + used, cap - (size_t)used, fmt, ap);
        va_end(ap);
    }
    for (char *c = msg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
}

/* ---- link layers ---------------------------------------------------------- */

/* Where the IP packet of a frame is. */
typedef struct link_ip {
    const uint8_t *ip;
    size_t len;
    unsigned version; /* 4 or 6 when the link layer says, else 0 */
} link_ip_t;

/* Returned by a link parser that found an IP packet. */
#define LINK_FOUND SIM__CAPTURE_SKIP__COUNT

typedef sim__capture_skip_t (*link_parse_fn)(const uint8_t *frame, size_t len, link_ip_t *out);

typedef struct link_parser {
    int dlt;
    link_parse_fn parse;
} link_parser_t;

static bool is_vlan_tpid(uint16_t type)
{
    return type == 0x8100 || type == 0x88A8 || type == 0x9100 || type == 0x9200;
}

/* The payload of EtherType `type` at [p, p + len), through VLAN tags. */
static sim__capture_skip_t ethertype_payload(uint16_t type, const uint8_t *p, size_t len,
                                             link_ip_t *out)
{
    for (unsigned tags = 0; is_vlan_tpid(type); tags++) {
        if (tags == SIM__CAPTURE_MAX_VLAN_TAGS || len < 4)
            return SIM__CAPTURE_SKIP_BAD_LINK;
        type = sim__capture_rd16(p + 2); /* after the 2-byte tag control */
        p += 4;
        len -= 4;
    }
    if (type == ETHERTYPE_IPV4)
        out->version = 4;
    else if (type == ETHERTYPE_IPV6)
        out->version = 6;
    else
        return SIM__CAPTURE_SKIP_NON_IP; /* ARP, LLDP, 802.3 lengths, ... */
    out->ip = p;
    out->len = len;
    return LINK_FOUND;
}

static sim__capture_skip_t link_ethernet(const uint8_t *frame, size_t len, link_ip_t *out)
{
    if (len < 14)
        return SIM__CAPTURE_SKIP_BAD_LINK;
    return ethertype_payload(sim__capture_rd16(frame + 12), frame + 14, len - 14, out);
}

/* NULL and LOOP: a 4-byte address family, host order of the capturing
 * machine for NULL, network order for LOOP. Families are small numbers, so
 * a value with its high half set was read in the wrong order. */
static sim__capture_skip_t link_null(const uint8_t *frame, size_t len, link_ip_t *out)
{
    if (len < 4)
        return SIM__CAPTURE_SKIP_BAD_LINK;
    uint32_t family = (uint32_t)frame[0] | (uint32_t)frame[1] << 8 | (uint32_t)frame[2] << 16 |
                      (uint32_t)frame[3] << 24;
    if (family > 0xFFFFu)
        family = sim__capture_rd32(frame);
    switch (family) {
    case 2: /* AF_INET everywhere */
        out->version = 4;
        break;
    case 10: /* AF_INET6: Linux */
    case 23: /* Windows */
    case 24: /* NetBSD, OpenBSD, BSD/OS */
    case 28: /* FreeBSD, DragonFly */
    case 30: /* Darwin */
        out->version = 6;
        break;
    default:
        return SIM__CAPTURE_SKIP_NON_IP;
    }
    out->ip = frame + 4;
    out->len = len - 4;
    return LINK_FOUND;
}

static sim__capture_skip_t link_raw(const uint8_t *frame, size_t len, link_ip_t *out)
{
    out->ip = frame;
    out->len = len;
    out->version = 0;
    return LINK_FOUND;
}

static sim__capture_skip_t link_ipv4(const uint8_t *frame, size_t len, link_ip_t *out)
{
    link_raw(frame, len, out);
    out->version = 4;
    return LINK_FOUND;
}

static sim__capture_skip_t link_ipv6(const uint8_t *frame, size_t len, link_ip_t *out)
{
    link_raw(frame, len, out);
    out->version = 6;
    return LINK_FOUND;
}

static sim__capture_skip_t link_sll(const uint8_t *frame, size_t len, link_ip_t *out)
{
    if (len < 16)
        return SIM__CAPTURE_SKIP_BAD_LINK;
    return ethertype_payload(sim__capture_rd16(frame + 14), frame + 16, len - 16, out);
}

static sim__capture_skip_t link_sll2(const uint8_t *frame, size_t len, link_ip_t *out)
{
    if (len < 20)
        return SIM__CAPTURE_SKIP_BAD_LINK;
    return ethertype_payload(sim__capture_rd16(frame), frame + 20, len - 20, out);
}

static const link_parser_t link_parsers[] = {
    { DLT_EN10MB, link_ethernet }, { DLT_NULL, link_null },   { DLT_LOOP, link_null },
    { LINK_RAW_12, link_raw },     { LINK_RAW_14, link_raw }, { LINK_RAW_101, link_raw },
    { DLT_IPV4, link_ipv4 },       { DLT_IPV6, link_ipv6 },   { DLT_LINUX_SLL, link_sll },
    { DLT_LINUX_SLL2, link_sll2 },
};

static const link_parser_t *find_link_parser(int dlt)
{
    for (size_t i = 0; i < sizeof link_parsers / sizeof link_parsers[0]; i++)
        if (link_parsers[i].dlt == dlt)
            return &link_parsers[i];
    return NULL;
}

/* ---- the reader ------------------------------------------------------------ */

struct sim__capture {
    pcap_t *pcap;
    FILE *fp; /* owned by pcap once it is open */
    char *name;
    uint64_t size; /* of the file, in bytes */
    bool pcapng;
    int link_type;
    const link_parser_t *link;
    sim__capture_reasm_t *reasm;
    sim__capture_counters_t counters;
    uint64_t first_time_us;
    sim__capture_err_t stopped; /* OK while records remain */
    char message[512];
};

/* Reads up to n bytes at `offset`; returns how many came. */
static size_t read_at(FILE *fp, uint64_t offset, uint8_t *buf, size_t n)
{
    if (offset > (uint64_t)INT64_MAX || fseeko(fp, (off_t)offset, SEEK_SET) != 0)
        return 0;
    return fread(buf, 1, n, fp);
}

static uint32_t rd32_order(const uint8_t *p, bool little_endian)
{
    if (!little_endian)
        return sim__capture_rd32(p);
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool host_is_little_endian(void)
{
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* What the pcapng walk found. */
typedef struct pcapng_finding {
    sim__capture_err_t err; /* OK: found the IDB asked for; else the damage */
    uint64_t offset;
    char what[160];
} pcapng_finding_t;

/* Walks pcapng blocks from `offset` (in a section of the given byte order,
 * which an SHB on the way resets) until the first block whose header is cut
 * short, whose length is impossible or absurd, or which runs past the end
 * of the file, or (when want_idb) the first interface description block
 * (err OK, the offset of its link type field) or the end of the file before
 * one (truncated). Returns false when it finds nothing within the walk
 * limit or before the end. */
static bool pcapng_walk(FILE *fp, uint64_t size, uint64_t offset, bool little_endian, bool want_idb,
                        pcapng_finding_t *found)
{
    for (unsigned walked = 0; walked < PCAPNG_WALK_LIMIT && offset < size; walked++) {
        uint8_t head[12];
        size_t got = read_at(fp, offset, head, sizeof head);
        uint32_t type = got >= 4 ? rd32_order(head, little_endian) : 0;
        size_t need = type == PCAPNG_SHB ? 12 : 8;
        found->offset = offset;
        if (got < need) {
            found->err = SIM__CAPTURE_ERR_TRUNCATED;
            snprintf(found->what, sizeof found->what, "block header cut short (%zu of %zu bytes)",
                     got, need);
            return true;
        }
        if (type == PCAPNG_SHB)
            little_endian = rd32_order(head + 8, true) == PCAPNG_BOM;
        uint32_t len = rd32_order(head + 4, little_endian);
        if (len < PCAPNG_MIN_BLOCK || len % 4 != 0) {
            found->err = SIM__CAPTURE_ERR_MALFORMED;
            snprintf(found->what, sizeof found->what, "block length %u is impossible", len);
            return true;
        }
        if (len > PCAPNG_MAX_BLOCK) {
            found->err = SIM__CAPTURE_ERR_MALFORMED;
            snprintf(found->what, sizeof found->what, "block length %u is absurd (over %u)", len,
                     PCAPNG_MAX_BLOCK);
            return true;
        }
        if (len > size - offset) {
            found->err = SIM__CAPTURE_ERR_TRUNCATED;
            snprintf(found->what, sizeof found->what,
                     "block cut short: %u bytes declared, %llu present", len,
                     (unsigned long long)(size - offset));
            return true;
        }
        if (want_idb && type == PCAPNG_IDB) {
            found->err = SIM__CAPTURE_OK;
            found->offset = offset + 8;
            return true;
        }
        offset += len;
    }
    if (want_idb && offset >= size) {
        found->err = SIM__CAPTURE_ERR_TRUNCATED;
        found->offset = size;
        snprintf(found->what, sizeof found->what,
                 "the file ends before an interface description block");
        return true;
    }
    return false;
}

/* Says why the file header could not be opened, with the offset. */
static sim__capture_err_t explain_open_failure(sim__capture_t *r, bool classic, const char *errbuf,
                                               char *msg, size_t cap)
{
    if (!classic) {
        pcapng_finding_t found;
        if (pcapng_walk(r->fp, r->size, 0, true, true, &found) && found.err != SIM__CAPTURE_OK) {
            set_message(msg, cap, r->name, found.offset, "%s", found.what);
            return found.err;
        }
    }
    off_t at = ftello(r->fp);
    set_message(msg, cap, r->name, at < 0 ? 0 : (uint64_t)at, "%s", errbuf);
    return SIM__CAPTURE_ERR_MALFORMED;
}

/* Offset of the link type field, for the message that refuses it. */
static uint64_t link_type_offset(sim__capture_t *r)
{
    if (!r->pcapng)
        return PCAP_LINKTYPE_FIELD;
    pcapng_finding_t found;
    if (pcapng_walk(r->fp, r->size, 0, true, true, &found) && found.err == SIM__CAPTURE_OK)
        return found.offset;
    return 0;
}

/* Checks the magic and, for classic pcap, the whole file header, before
 * libpcap reads them: libpcap's own messages carry no offset. */
static sim__capture_err_t check_file_header(sim__capture_t *r, char *msg, size_t cap)
{
    uint8_t head[PCAP_FILE_HEADER];
    size_t got = read_at(r->fp, 0, head, sizeof head);
    if (got == 0) {
        set_message(msg, cap, r->name, 0, "empty file, not a pcap or pcapng capture");
        return SIM__CAPTURE_ERR_NOT_CAPTURE;
    }
    if (got < 4) {
        set_message(msg, cap, r->name, 0, "%zu bytes, too short to be a capture", got);
        return SIM__CAPTURE_ERR_NOT_CAPTURE;
    }
    uint32_t magic = sim__capture_rd32(head);
    if (magic == PCAPNG_SHB) {
        r->pcapng = true;
        return SIM__CAPTURE_OK;
    }
    if (magic != 0xA1B2C3D4u && magic != 0xD4C3B2A1u && magic != 0xA1B23C4Du &&
        magic != 0x4D3CB2A1u) {
        set_message(msg, cap, r->name, 0,
                    "not a pcap or pcapng capture (starts %02x %02x %02x %02x)", head[0], head[1],
                    head[2], head[3]);
        return SIM__CAPTURE_ERR_NOT_CAPTURE;
    }
    if (got < PCAP_FILE_HEADER) {
        set_message(msg, cap, r->name, got, "pcap file header cut short (%zu of %u bytes)", got,
                    PCAP_FILE_HEADER);
        return SIM__CAPTURE_ERR_TRUNCATED;
    }
    return SIM__CAPTURE_OK;
}

static sim__capture_err_t open_stream(sim__capture_t *r, char *msg, size_t cap)
{
    sim__capture_err_t err = check_file_header(r, msg, cap);
    if (err != SIM__CAPTURE_OK)
        return err;
    if (fseeko(r->fp, 0, SEEK_SET) != 0) {
        set_message(msg, cap, r->name, NO_OFFSET, "cannot seek: not a regular file?");
        return SIM__CAPTURE_ERR_IO;
    }
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    r->pcap = pcap_fopen_offline_with_tstamp_precision(r->fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!r->pcap)
        return explain_open_failure(r, !r->pcapng, errbuf, msg, cap);
    r->link_type = pcap_datalink(r->pcap);
    r->link = find_link_parser(r->link_type);
    if (!r->link) {
        const char *link_name = pcap_datalink_val_to_name(r->link_type);
        set_message(msg, cap, r->name, link_type_offset(r), "link type %d%s%s%s is not supported",
                    r->link_type, link_name ? " (" : "", link_name ? link_name : "",
                    link_name ? ")" : "");
        return SIM__CAPTURE_ERR_LINK_TYPE;
    }
    return SIM__CAPTURE_OK;
}

static bool config_valid(const sim__capture_config_t *config)
{
    return config->max_reassembly >= 1 && config->max_reassembly <= SIM__CAPTURE_REASM_SLOTS_MAX &&
           config->reassembly_timeout_us > 0 && config->reassembly_timeout_us <= (1ull << 40);
}

/* Takes ownership of fp (closes it on failure). */
static sim__capture_err_t open_common(FILE *fp, const char *name, uint64_t size,
                                      const sim__capture_config_t *config, sim__capture_t **out,
                                      char *msg, size_t cap)
{
    sim__capture_err_t err = SIM__CAPTURE_ERR_NO_MEMORY;
    sim__capture_t *r = calloc(1, sizeof *r);
    if (!r)
        goto fail;
    r->fp = fp;
    r->size = size;
    size_t name_len = strlen(name);
    r->name = malloc(name_len + 1);
    if (!r->name)
        goto fail;
    memcpy(r->name, name, name_len + 1);
    r->reasm = sim__capture_reasm_new(config->max_reassembly, config->reassembly_timeout_us);
    if (!r->reasm)
        goto fail;
    err = open_stream(r, msg, cap);
    if (err != SIM__CAPTURE_OK)
        goto fail;
    *out = r;
    return SIM__CAPTURE_OK;
fail:
    if (err == SIM__CAPTURE_ERR_NO_MEMORY)
        set_message(msg, cap, name, NO_OFFSET, "out of memory");
    if (r && r->pcap)
        r->fp = NULL; /* pcap_close closes it */
    if (!r || r->fp)
        fclose(fp);
    sim__capture_close(r);
    return err;
}

sim__capture_err_t sim__capture_open(const char *path, const sim__capture_config_t *config,
                                     sim__capture_t **out, char *msg, size_t cap)
{
    if (msg && cap > 0)
        msg[0] = '\0';
    if (out)
        *out = NULL;
    sim__capture_config_t defaults = sim__capture_config_default();
    if (!config)
        config = &defaults;
    if (!path || !out || !config_valid(config)) {
        set_message(msg, cap, path ? path : "capture", NO_OFFSET, "invalid argument");
        return SIM__CAPTURE_ERR_INVALID_ARG;
    }
    FILE *fp = fopen(path, "rb");
    int open_errno = errno;
    struct stat st;
    if (!fp || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        set_message(msg, cap, path, NO_OFFSET, "%s",
                    fp ? "not a regular file" : strerror(open_errno));
        if (fp)
            fclose(fp);
        return SIM__CAPTURE_ERR_IO;
    }
    return open_common(fp, path, (uint64_t)st.st_size, config, out, msg, cap);
}

sim__capture_err_t sim__capture_open_memory(const uint8_t *bytes, size_t len, const char *name,
                                            const sim__capture_config_t *config,
                                            sim__capture_t **out, char *msg, size_t cap)
{
    if (msg && cap > 0)
        msg[0] = '\0';
    if (out)
        *out = NULL;
    if (!name)
        name = "memory";
    sim__capture_config_t defaults = sim__capture_config_default();
    if (!config)
        config = &defaults;
    if ((!bytes && len > 0) || !out || !config_valid(config)) {
        set_message(msg, cap, name, NO_OFFSET, "invalid argument");
        return SIM__CAPTURE_ERR_INVALID_ARG;
    }
    if (len == 0) {
        set_message(msg, cap, name, 0, "empty file, not a pcap or pcapng capture");
        return SIM__CAPTURE_ERR_NOT_CAPTURE;
    }
    /* Opened read-only: fmemopen never writes through the pointer. */
    FILE *fp = fmemopen((void *)(uintptr_t)bytes, len, "r");
    if (!fp) {
        set_message(msg, cap, name, NO_OFFSET, "cannot open the bytes as a stream");
        return SIM__CAPTURE_ERR_IO;
    }
    return open_common(fp, name, len, config, out, msg, cap);
}

void sim__capture_close(sim__capture_t *reader)
{
    if (!reader)
        return;
    if (reader->pcap)
        pcap_close(reader->pcap);
    sim__capture_reasm_free(reader->reasm);
    free(reader->name);
    free(reader);
}

/* ---- records ---------------------------------------------------------------- */

/* Says what is wrong with the classic pcap record at `offset`. */
static sim__capture_err_t explain_pcap_record(sim__capture_t *r, uint64_t offset, uint64_t index,
                                              const char *errbuf)
{
    uint8_t head[PCAP_RECORD_HEADER];
    size_t got = read_at(r->fp, offset, head, sizeof head);
    uint64_t left = offset < r->size ? r->size - offset : 0;
    char *msg = r->message;
    size_t cap = sizeof r->message;
    if (got < PCAP_RECORD_HEADER) {
        set_message(msg, cap, r->name, offset, "record %llu: header cut short (%zu of %u bytes)",
                    (unsigned long long)index, got, PCAP_RECORD_HEADER);
        return SIM__CAPTURE_ERR_TRUNCATED;
    }
    bool little_endian = host_is_little_endian() != (pcap_is_swapped(r->pcap) == 1);
    uint32_t caplen = rd32_order(head + 8, little_endian);
    if (caplen > PCAP_MAX_CAPLEN) {
        set_message(msg, cap, r->name, offset, "record %llu: capture length %u is absurd (over %u)",
                    (unsigned long long)index, caplen, PCAP_MAX_CAPLEN);
        return SIM__CAPTURE_ERR_MALFORMED;
    }
    if (PCAP_RECORD_HEADER + (uint64_t)caplen > left) {
        set_message(msg, cap, r->name, offset,
                    "record %llu cut short: %u + %u bytes declared, %llu present",
                    (unsigned long long)index, PCAP_RECORD_HEADER, caplen,
                    (unsigned long long)left);
        return SIM__CAPTURE_ERR_TRUNCATED;
    }
    set_message(msg, cap, r->name, offset, "record %llu: %s", (unsigned long long)index, errbuf);
    return SIM__CAPTURE_ERR_MALFORMED;
}

/* Says what is wrong with the pcapng blocks from `offset` on. */
static sim__capture_err_t explain_pcapng_record(sim__capture_t *r, uint64_t offset,
                                                const char *errbuf)
{
    bool little_endian = host_is_little_endian() != (pcap_is_swapped(r->pcap) == 1);
    pcapng_finding_t found;
    if (pcapng_walk(r->fp, r->size, offset, little_endian, false, &found)) {
        set_message(r->message, sizeof r->message, r->name, found.offset, "%s", found.what);
        return found.err;
    }
    set_message(r->message, sizeof r->message, r->name, offset, "%s", errbuf);
    return SIM__CAPTURE_ERR_MALFORMED;
}

static sim__capture_err_t stop(sim__capture_t *r, sim__capture_err_t why)
{
    sim__capture_reasm_flush(r->reasm, &r->counters);
    r->stopped = why;
    return why;
}

static uint64_t record_time_us(const struct pcap_pkthdr *hdr)
{
    if (hdr->ts.tv_sec < 0)
        return 0;
    uint64_t sec = (uint64_t)hdr->ts.tv_sec;
    uint64_t usec = hdr->ts.tv_usec < 0 ? 0 : (uint64_t)hdr->ts.tv_usec;
    if (sec > (UINT64_MAX - usec) / 1000000u)
        return UINT64_MAX;
    return sec * 1000000u + usec;
}

/* Fills the payload fields of *out from a UDP payload, unwrapping TURN
 * ChannelData one level. */
static void classify(sim__capture_datagram_t *out, const uint8_t *payload, size_t len)
{
    out->payload = payload;
    out->payload_len = len;
    out->kind = rtp_demux(payload, len);
    out->via_turn = false;
    out->turn_channel = 0;
    if (out->kind != RTP_DEMUX_TURN_CHANNEL)
        return;
    uint16_t channel;
    const uint8_t *inner;
    size_t inner_len;
    if (rtp_turn_channel_data(payload, len, &channel, &inner, &inner_len) != RTP_OK)
        return;
    rtp_demux_kind_t inner_kind = rtp_demux(inner, inner_len);
    if (inner_kind == RTP_DEMUX_TURN_CHANNEL)
        return;
    out->payload = inner;
    out->payload_len = inner_len;
    out->kind = inner_kind;
    out->via_turn = true;
    out->turn_channel = channel;
}

sim__capture_err_t sim__capture_next(sim__capture_t *r, sim__capture_datagram_t *out)
{
    if (!r || !out)
        return SIM__CAPTURE_ERR_INVALID_ARG;
    if (r->stopped != SIM__CAPTURE_OK)
        return r->stopped;
    for (;;) {
        off_t at = ftello(r->fp);
        uint64_t offset = at < 0 ? 0 : (uint64_t)at;
        struct pcap_pkthdr *hdr;
        const u_char *frame;
        int rc = pcap_next_ex(r->pcap, &hdr, &frame);
        if (rc == PCAP_ERROR_BREAK)
            return stop(r, SIM__CAPTURE_END);
        if (rc != 1) {
            char errbuf[PCAP_ERRBUF_SIZE];
            snprintf(errbuf, sizeof errbuf, "%s", pcap_geterr(r->pcap));
            return stop(r, r->pcapng ? explain_pcapng_record(r, offset, errbuf)
                                     : explain_pcap_record(r, offset, r->counters.records, errbuf));
        }
        uint64_t index = r->counters.records++;
        uint64_t now_us = record_time_us(hdr);
        if (index == 0)
            r->first_time_us = now_us;
        sim__capture_reasm_expire(r->reasm, now_us, &r->counters);

        link_ip_t link;
        sim__capture_skip_t why = r->link->parse(frame, hdr->caplen, &link);
        if (why != LINK_FOUND) {
            r->counters.skipped[why]++;
            continue;
        }
        sim__capture_udp_t udp;
        if (sim__capture_ip_input(r->reasm, &r->counters, now_us, link.ip, link.len, link.version,
                                  hdr->caplen < hdr->len, &udp) != SIM__CAPTURE_IP_UDP)
            continue;
        out->time_us = now_us;
        out->first_time_us = r->first_time_us;
        out->record_index = index;
        out->offset = offset;
        out->link_type = r->link_type;
        out->src = udp.src;
        out->dst = udp.dst;
        out->reassembled = udp.reassembled;
        classify(out, udp.payload, udp.payload_len);
        r->counters.datagrams++;
        r->counters.by_kind[out->kind]++;
        r->counters.via_turn += out->via_turn;
        return SIM__CAPTURE_OK;
    }
}

const sim__capture_counters_t *sim__capture_counters(const sim__capture_t *reader)
{
    return reader ? &reader->counters : NULL;
}

const char *sim__capture_message(const sim__capture_t *reader)
{
    return reader ? reader->message : "";
}

int sim__capture_link_type(const sim__capture_t *reader)
{
    return reader ? reader->link_type : -1;
}

const char *sim__capture_link_name(const sim__capture_t *reader)
{
    const char *name = reader ? pcap_datalink_val_to_name(reader->link_type) : NULL;
    return name ? name : "unknown";
}

bool sim__capture_is_pcapng(const sim__capture_t *reader)
{
    return reader && reader->pcapng;
}
