/* The capture reader (private to sim/): turns a pcap or pcapng file into a
 * stream of UDP datagrams, each with its capture time, its addresses and
 * its RFC 7983 class. `blindfold replay` consumes it.
 *
 * What it reads:
 *  - files: classic pcap (microsecond and nanosecond, either byte order) and
 *    pcapng, through libpcap; from a path or from memory;
 *  - link types: EN10MB (with up to SIM__CAPTURE_MAX_VLAN_TAGS 802.1Q /
 *    802.1ad tags), NULL and LOOP (the family field in either byte order),
 *    RAW (LINKTYPE_RAW 101, and the DLT values 12 and 14 older files carry),
 *    IPV4 (228), IPV6 (229), LINUX_SLL (113) and LINUX_SLL2 (276);
 *  - IPv4 with fragment reassembly, IPv6 with extension headers (hop-by-hop,
 *    routing, destination options, AH, mobility, HIP, shim6) and fragment
 *    reassembly, then UDP (lengths checked, the checksum not);
 *  - each UDP payload classified by its first byte (RFC 7983 section 7,
 *    RFC 5761 section 4) with rtp_demux(); TURN ChannelData (RFC 8656
 *    section 12.4) is unwrapped and its payload classified in turn.
 *
 * Every record of the file ends in exactly one of three places: it yields a
 * datagram, it holds an IP fragment (counted under `fragments`), or it is
 * skipped, counted under one reason. A datagram rebuilt from fragments is a
 * "packet" of its own: it yields a datagram or is skipped. So, at any time,
 *   records - fragments + reassembled == datagrams + sum(skipped).
 *
 * Damage. A file that cannot be read at all (missing, empty, not a capture,
 * a link type this reader does not parse, a header cut short) fails to
 * open. Damage later in the file (a record cut short, an absurd record or
 * block length) ends the stream with an error: every datagram before it has
 * already been returned, the counters stay valid, and the message names the
 * byte offset of the damaged record. Either way the message is one line,
 * "NAME: byte N: what".
 *
 * Memory. The reader, its name and its reassembly table (1 KiB per slot)
 * at open, libpcap's buffers, and one 64 KiB buffer per reassembly slot
 * the first time that slot is used (at most max_reassembly of them).
 * Nothing else is allocated per packet. */
#ifndef BLINDFOLD_SIM_CAPTURE_H
#define BLINDFOLD_SIM_CAPTURE_H

#include "rtp/rtp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Errors ---------------------------------------------------------------- */

#define SIM__CAPTURE_ERROR_LIST(X)                                              \
    X(SIM__CAPTURE_OK, "success")                                               \
    X(SIM__CAPTURE_END, "end of the capture")                                   \
    X(SIM__CAPTURE_ERR_INVALID_ARG, "argument out of range")                    \
    X(SIM__CAPTURE_ERR_NO_MEMORY, "out of memory")                              \
    X(SIM__CAPTURE_ERR_IO, "the file cannot be opened or read")                 \
    X(SIM__CAPTURE_ERR_NOT_CAPTURE, "not a pcap or pcapng capture")             \
    X(SIM__CAPTURE_ERR_LINK_TYPE, "a link type this reader does not parse")     \
    X(SIM__CAPTURE_ERR_TRUNCATED, "the capture ends inside a header or record") \
    X(SIM__CAPTURE_ERR_MALFORMED, "a header, record or block holds an impossible value")

typedef enum sim__capture_err {
#define SIM__CAPTURE_ENUM(name, msg) name,
    SIM__CAPTURE_ERROR_LIST(SIM__CAPTURE_ENUM)
#undef SIM__CAPTURE_ENUM
        SIM__CAPTURE_ERR__COUNT
} sim__capture_err_t;

/* Message for a code; never NULL, also for unknown codes. */
const char *sim__capture_strerror(sim__capture_err_t err);

/* ---- Why a record gave no datagram ----------------------------------------- */

/* The name (second column) is meant for reports. The replay report's
 * coarser buckets: non_udp = non_ip + non_udp; unparsed = bad_link +
 * bad_ip + bad_udp + snapped. */
#define SIM__CAPTURE_SKIP_LIST(X)                                                           \
    X(SIM__CAPTURE_SKIP_NON_IP, "non_ip",                                                   \
      "the link layer carries something other than IPv4 or IPv6 (ARP, LLC, ...)")           \
    X(SIM__CAPTURE_SKIP_NON_UDP, "non_udp", "IP carries another protocol (TCP, ICMP, ESP)") \
    X(SIM__CAPTURE_SKIP_BAD_LINK, "bad_link",                                               \
      "link-layer header cut short, or more VLAN tags than the bound")                      \
    X(SIM__CAPTURE_SKIP_BAD_IP, "bad_ip",                                                   \
      "IP header malformed: version, header or total length, extension chain")              \
    X(SIM__CAPTURE_SKIP_BAD_UDP, "bad_udp", "UDP length below 8 or beyond the IP payload")  \
    X(SIM__CAPTURE_SKIP_SNAPPED, "snapped",                                                 \
      "the record keeps fewer bytes than the IP or UDP length says (snap length)")

typedef enum sim__capture_skip {
#define SIM__CAPTURE_SKIP_ENUM(name, id, msg) name,
    SIM__CAPTURE_SKIP_LIST(SIM__CAPTURE_SKIP_ENUM)
#undef SIM__CAPTURE_SKIP_ENUM
        SIM__CAPTURE_SKIP__COUNT
} sim__capture_skip_t;

/* Report name ("non_udp", ...) of a reason; "unknown" for other values. */
const char *sim__capture_skip_name(sim__capture_skip_t reason);

/* ---- Why a fragment was dropped -------------------------------------------- */

/* A drop that gives up a whole datagram counts every fragment it held. */
#define SIM__CAPTURE_FRAG_DROP_LIST(X)                                                     \
    X(SIM__CAPTURE_FRAG_TIMEOUT, "timeout",                                                \
      "the datagram was not complete within the timeout, in capture time")                 \
    X(SIM__CAPTURE_FRAG_INCOMPLETE, "incomplete", "the capture ended before it completed") \
    X(SIM__CAPTURE_FRAG_EVICTED, "evicted",                                                \
      "the reassembly table was full and this datagram was the oldest")                    \
    X(SIM__CAPTURE_FRAG_OVERLAP, "overlap",                                                \
      "a fragment overlapped held bytes with different ones, or the ends disagree")        \
    X(SIM__CAPTURE_FRAG_OVERSIZE, "oversize", "a fragment reached beyond 65535 bytes")     \
    X(SIM__CAPTURE_FRAG_MALFORMED, "malformed",                                            \
      "an empty fragment, or a non-final one whose length is not a multiple of 8")         \
    X(SIM__CAPTURE_FRAG_DUPLICATE, "duplicate", "every byte was already held, identical")

typedef enum sim__capture_frag_drop {
#define SIM__CAPTURE_FRAG_ENUM(name, id, msg) name,
    SIM__CAPTURE_FRAG_DROP_LIST(SIM__CAPTURE_FRAG_ENUM)
#undef SIM__CAPTURE_FRAG_ENUM
        SIM__CAPTURE_FRAG_DROP__COUNT
} sim__capture_frag_drop_t;

/* Report name ("timeout", ...) of a reason; "unknown" for other values. */
const char *sim__capture_frag_drop_name(sim__capture_frag_drop_t reason);

/* ---- Configuration --------------------------------------------------------- */

/* Most VLAN tags (802.1Q 0x8100, 802.1ad 0x88a8, pre-standard QinQ 0x9100
 * and 0x9200) read before the EtherType; a deeper stack is bad_link. */
#define SIM__CAPTURE_MAX_VLAN_TAGS 8
/* Most IPv6 extension headers walked before the upper layer; more is
 * bad_ip. */
#define SIM__CAPTURE_MAX_IPV6_EXTS 16
/* Largest rebuilt payload: what follows the IP header (IPv4) or the fragment
 * header (IPv6). */
#define SIM__CAPTURE_REASM_MAX_BYTES 65535u
/* Bounds of sim__capture_config_t.max_reassembly. */
#define SIM__CAPTURE_REASM_SLOTS_MAX 1024u

typedef struct sim__capture_config {
    /* Datagrams under reassembly at once, [1, SIM__CAPTURE_REASM_SLOTS_MAX].
     * When a fragment of a new datagram finds the table full, the datagram
     * whose first fragment came earliest is dropped (evicted). Default 32,
     * so at most 2 MiB of reassembly buffers. */
    size_t max_reassembly;
    /* A datagram not complete this long (capture time) after its first
     * fragment is dropped (timeout), checked on every record. (0, 2^40].
     * Default 30 s, as Linux's ipfrag_time. */
    uint64_t reassembly_timeout_us;
} sim__capture_config_t;

/* max_reassembly 32, reassembly_timeout_us 30 000 000. */
sim__capture_config_t sim__capture_config_default(void);

/* ---- Datagrams and counters ------------------------------------------------ */

/* One end of a datagram. */
typedef struct sim__capture_addr {
    uint8_t family; /* 4 or 6 */
    uint8_t ip[16]; /* network order; IPv4 in the first 4 bytes, the rest 0 */
    uint16_t port;  /* host order */
} sim__capture_addr_t;

/* Formats "10.2.2.2:62132" or "[2001:db8::1]:5443" into `out` (cap bytes,
 * 48 always suffice), and returns `out`; "?" for a family other than 4 or 6.
 * Truncates, NUL-terminated, when cap is too small; returns "" if cap is 0
 * (out untouched). */
const char *sim__capture_addr_format(const sim__capture_addr_t *addr, char *out, size_t cap);

typedef struct sim__capture_datagram {
    /* Capture time of the record, µs since the epoch (UTC), saturating at
     * UINT64_MAX for absurd times and 0 for negative ones. For a rebuilt
     * datagram, the time of the fragment that completed it. Captures need
     * not be sorted: time may go back. */
    uint64_t time_us;
    /* time_us of the capture's first record (whatever it held), for
     * relative times; time_us may be below it in an unsorted capture. */
    uint64_t first_time_us;
    /* 0-based index of the record among all records of the file, and its
     * byte offset in the file (the record header in pcap; in pcapng, the
     * first block read for it: the packet block, or a non-packet block
     * such as an interface description that came just before). For a
     * rebuilt datagram, those of the fragment that completed it. */
    uint64_t record_index;
    uint64_t offset;
    /* The file's link type as libpcap reports it (a DLT_ value; DLT_RAW is
     * 12 here whatever the file says). */
    int link_type;
    sim__capture_addr_t src, dst; /* the IP header's addresses, UDP ports */
    /* The UDP payload, or the payload of the TURN ChannelData message it
     * held. Valid until the next sim__capture_next() or close. */
    const uint8_t *payload;
    size_t payload_len;
    rtp_demux_kind_t kind; /* rtp_demux(payload, payload_len) */
    /* True when the UDP payload was TURN ChannelData (framing valid) and
     * `payload` is what it carried; turn_channel is then its channel
     * number (0x4000..0x4FFF), else 0. A ChannelData message whose framing
     * is invalid is returned whole, kind RTP_DEMUX_TURN_CHANNEL, via_turn
     * false; so is ChannelData inside ChannelData (one level is
     * unwrapped). */
    bool via_turn;
    uint16_t turn_channel;
    bool reassembled; /* rebuilt from IP fragments */
} sim__capture_datagram_t;

/* Number of rtp_demux_kind_t values (RTP_DEMUX_UNKNOWN .. RTP_DEMUX_RTCP). */
#define SIM__CAPTURE_KINDS ((size_t)RTP_DEMUX_RTCP + 1)

typedef struct sim__capture_counters {
    uint64_t records;   /* records read from the file */
    uint64_t datagrams; /* datagrams returned by sim__capture_next() */
    /* Returned datagrams by kind, indexed by rtp_demux_kind_t; they sum to
     * `datagrams`. RTP_DEMUX_UNKNOWN counts UDP payloads no RFC 7983 range
     * claims (and empty ones); RTP_DEMUX_TURN_CHANNEL counts ChannelData
     * not unwrapped (see via_turn). */
    uint64_t by_kind[SIM__CAPTURE_KINDS];
    uint64_t via_turn; /* returned datagrams unwrapped from ChannelData */
    /* Packets (records that held no fragment, and rebuilt datagrams) that
     * gave no datagram, by reason. */
    uint64_t skipped[SIM__CAPTURE_SKIP__COUNT];
    uint64_t fragments;   /* records that held an IPv4 or IPv6 fragment */
    uint64_t reassembled; /* datagrams rebuilt from fragments (returned or skipped) */
    /* Fragments dropped, by reason, and the datagrams given up (each
     * timeout, incomplete, evicted, overlap or oversize drop of a datagram
     * under reassembly). Fragments still held at the end of the capture
     * count as incomplete once sim__capture_next() has returned END. */
    uint64_t fragments_dropped[SIM__CAPTURE_FRAG_DROP__COUNT];
    uint64_t datagrams_dropped;
} sim__capture_counters_t;

/* ---- The reader ------------------------------------------------------------ */

typedef struct sim__capture sim__capture_t;

/* Opens the capture at `path`. `config` may be NULL (the defaults). On
 * success *out holds the reader. On failure *out is NULL and `msg` (cap
 * bytes; may be NULL when cap is 0) holds one line "PATH: byte N: what",
 * or "PATH: what" when no offset applies (the file cannot be opened).
 *
 * Errors: SIM__CAPTURE_ERR_INVALID_ARG (NULL path or out, a config field
 * out of range); SIM__CAPTURE_ERR_IO (cannot open, read or seek the file);
 * SIM__CAPTURE_ERR_NOT_CAPTURE (empty, under 4 bytes, or a magic number
 * that is neither pcap nor pcapng; the modified-pcap magics are refused
 * too); SIM__CAPTURE_ERR_TRUNCATED (the file ends inside its file header
 * or before its first interface description); SIM__CAPTURE_ERR_MALFORMED
 * (an impossible block length, or libpcap refuses the header, such as a
 * version it does not read: libpcap's words then follow the offset where
 * it stopped); SIM__CAPTURE_ERR_LINK_TYPE (the offset is that of the link
 * type field); SIM__CAPTURE_ERR_NO_MEMORY. */
sim__capture_err_t sim__capture_open(const char *path, const sim__capture_config_t *config,
                                     sim__capture_t **out, char *msg, size_t cap);

/* As sim__capture_open(), on the `len` bytes at `bytes`, which must stay
 * unchanged until sim__capture_close(). `name` (NULL: "memory") stands for
 * the file in messages. Same errors. */
sim__capture_err_t sim__capture_open_memory(const uint8_t *bytes, size_t len, const char *name,
                                            const sim__capture_config_t *config,
                                            sim__capture_t **out, char *msg, size_t cap);

/* Reads records until one yields a datagram, and fills *out.
 *
 * Returns SIM__CAPTURE_OK with *out filled; SIM__CAPTURE_END at the end
 * of the file (fragments still held are then dropped as incomplete);
 * SIM__CAPTURE_ERR_TRUNCATED (a record or block cut short: the file ends
 * inside it), SIM__CAPTURE_ERR_MALFORMED (an absurd record or block length,
 * a block libpcap refuses) or SIM__CAPTURE_ERR_IO (a read error): the
 * stream stops there, and sim__capture_message() names the offset.
 * After END or an error, every further call returns the same code.
 * SIM__CAPTURE_ERR_INVALID_ARG for NULL arguments. */
sim__capture_err_t sim__capture_next(sim__capture_t *reader, sim__capture_datagram_t *out);

/* The counters so far; NULL for a NULL reader. */
const sim__capture_counters_t *sim__capture_counters(const sim__capture_t *reader);

/* The one-line message of the error that stopped the stream ("NAME: byte N:
 * what"), or "" when none did. Never NULL. */
const char *sim__capture_message(const sim__capture_t *reader);

/* The file's link type (DLT_ value) and its libpcap name ("EN10MB"). */
int sim__capture_link_type(const sim__capture_t *reader);
const char *sim__capture_link_name(const sim__capture_t *reader);

/* Whether the file is pcapng (else classic pcap). */
bool sim__capture_is_pcapng(const sim__capture_t *reader);

/* Closes the file and frees everything; accepts NULL. */
void sim__capture_close(sim__capture_t *reader);

#endif
