/* The capture reader's IP layer: IPv4 (RFC 791) and IPv6 (RFC 8200) down to
 * UDP (RFC 768), with fragment reassembly for both.
 *
 * IPv6 extension headers walked: hop-by-hop (0), routing (43), destination
 * options (60), mobility (135), HIP (139), shim6 (140), all with the
 * (length + 1) * 8 rule (RFC 8200 section 4.2, RFC 6564), AH (51, RFC 4302:
 * (length + 2) * 4), and fragment (44). At most SIM__CAPTURE_MAX_IPV6_EXTS.
 * The routing header is walked, not applied: the destination reported is
 * the one in the IPv6 header. A fragment header with offset 0 and M clear
 * is an atomic fragment (RFC 6946) and read through. Jumbograms (payload
 * length 0) are bad_ip. Checksums are not verified.
 *
 * Reassembly (RFC 791 section 3.2, RFC 8200 section 4.5). A datagram is
 * keyed by version, source, destination and identification, and for IPv4
 * the protocol. Its slot holds the fragmentable part (what follows the IPv4
 * header, or the IPv6 fragment header) in a 64 KiB buffer, with one bit per
 * 8-byte block. Fragments start on 8-byte boundaries, and every one but the
 * last must fill whole blocks. Overlaps:
 *  - a fragment whose every byte is already held, identical, is a
 *    duplicate and is dropped alone;
 *  - a fragment that overlaps held bytes with different values, or whose
 *    end disagrees with the last fragment's, drops the whole datagram. RFC
 *    5722 asks that of IPv6; it is applied to IPv4 too, because overlaps are
 *    the classic way to make two readers see two different datagrams, and
 *    a replay must see what the receiver saw or nothing;
 *  - a partial overlap with identical bytes is accepted.
 * Bounds: max_reassembly datagrams at once (the oldest is evicted for a new
 * one), 65535 bytes each, and a timeout in capture time. Only IPv4
 * fragments of UDP, and IPv6 fragments whose next header is UDP or an
 * extension header, are reassembled; others are non_udp at once. */
#include "sim/capture_internal.h"

#include <stdlib.h>
#include <string.h>

#define IPPROTO_NUM_UDP      17
#define REASM_BLOCKS         ((SIM__CAPTURE_REASM_MAX_BYTES + 7u) / 8u)
#define IPV4_MIN_HEADER      20u
#define IPV6_HEADER          40u
#define IPV6_FRAG_HEADER     8u
#define UDP_HEADER           8u
#define IPV4_MF              0x2000u
#define IPV4_OFFSET_MASK     0x1fffu
#define IPV6_FRAG_OFFSET_MSK 0xfff8u

typedef struct reasm_slot {
    bool active;
    bool have_last;
    uint8_t version;
    uint8_t proto; /* IPv4 protocol; IPv6 next header of the offset-0 fragment */
    uint32_t id;
    uint8_t src[16], dst[16];
    uint64_t first_us; /* capture time of the first fragment */
    uint32_t held;     /* fragments held */
    uint32_t end;      /* payload length, known once the last fragment came */
    uint32_t max_end;  /* highest byte end among the held fragments */
    uint32_t filled;   /* blocks held */
    uint8_t *bytes;    /* SIM__CAPTURE_REASM_MAX_BYTES, allocated on first use */
    uint8_t map[REASM_BLOCKS / 8];
} reasm_slot_t;

struct sim__capture_reasm {
    size_t count;
    size_t active;
    uint64_t timeout_us;
    reasm_slot_t slots[];
};

/* One fragment as read from its packet. */
typedef struct fragment {
    uint8_t version;
    uint8_t proto;
    uint32_t id;
    const uint8_t *src, *dst; /* 4 or 16 bytes */
    uint32_t offset;          /* bytes */
    bool more;
    const uint8_t *data;
    size_t len;
} fragment_t;

/* The addresses of the packet being parsed, and where it is reported. */
typedef struct ip_ctx {
    sim__capture_reasm_t *reasm;
    sim__capture_counters_t *counters;
    uint64_t now_us;
    sim__capture_udp_t *out;
} ip_ctx_t;

/* ---- the reassembly table --------------------------------------------------- */

sim__capture_reasm_t *sim__capture_reasm_new(size_t slots, uint64_t timeout_us)
{
    if (slots == 0 || slots > SIM__CAPTURE_REASM_SLOTS_MAX)
        return NULL;
    sim__capture_reasm_t *reasm = calloc(1, sizeof *reasm + slots * sizeof(reasm_slot_t));
    if (!reasm)
        return NULL;
    reasm->count = slots;
    reasm->timeout_us = timeout_us;
    return reasm;
}

void sim__capture_reasm_free(sim__capture_reasm_t *reasm)
{
    if (!reasm)
        return;
    for (size_t i = 0; i < reasm->count; i++)
        free(reasm->slots[i].bytes);
    free(reasm);
}

static void drop_slot(sim__capture_reasm_t *reasm, reasm_slot_t *slot,
                      sim__capture_frag_drop_t reason, sim__capture_counters_t *counters)
{
    counters->fragments_dropped[reason] += slot->held;
    counters->datagrams_dropped++;
    slot->active = false;
    reasm->active--;
}

void sim__capture_reasm_expire(sim__capture_reasm_t *reasm, uint64_t now_us,
                               sim__capture_counters_t *counters)
{
    for (size_t i = 0; i < reasm->count && reasm->active > 0; i++) {
        reasm_slot_t *slot = &reasm->slots[i];
        if (slot->active && now_us >= slot->first_us && now_us - slot->first_us > reasm->timeout_us)
            drop_slot(reasm, slot, SIM__CAPTURE_FRAG_TIMEOUT, counters);
    }
}

void sim__capture_reasm_flush(sim__capture_reasm_t *reasm, sim__capture_counters_t *counters)
{
    for (size_t i = 0; i < reasm->count && reasm->active > 0; i++)
        if (reasm->slots[i].active)
            drop_slot(reasm, &reasm->slots[i], SIM__CAPTURE_FRAG_INCOMPLETE, counters);
}

static size_t addr_len(uint8_t version)
{
    return version == 4 ? 4 : 16;
}

static reasm_slot_t *find_slot(sim__capture_reasm_t *reasm, const fragment_t *f)
{
    size_t n = addr_len(f->version);
    for (size_t i = 0; i < reasm->count; i++) {
        reasm_slot_t *slot = &reasm->slots[i];
        if (slot->active && slot->version == f->version && slot->id == f->id &&
            (f->version == 6 || slot->proto == f->proto) && memcmp(slot->src, f->src, n) == 0 &&
            memcmp(slot->dst, f->dst, n) == 0)
            return slot;
    }
    return NULL;
}

/* A free slot for a new datagram, evicting the oldest when all are busy;
 * NULL when its buffer cannot be allocated. */
static reasm_slot_t *claim_slot(sim__capture_reasm_t *reasm, const fragment_t *f, uint64_t now_us,
                                sim__capture_counters_t *counters)
{
    reasm_slot_t *slot = NULL;
    for (size_t i = 0; i < reasm->count && !slot; i++)
        if (!reasm->slots[i].active)
            slot = &reasm->slots[i];
    if (!slot) {
        slot = &reasm->slots[0];
        for (size_t i = 1; i < reasm->count; i++)
            if (reasm->slots[i].first_us < slot->first_us)
                slot = &reasm->slots[i];
        drop_slot(reasm, slot, SIM__CAPTURE_FRAG_EVICTED, counters);
    }
    if (!slot->bytes) {
        slot->bytes = malloc(SIM__CAPTURE_REASM_MAX_BYTES);
        if (!slot->bytes)
            return NULL;
    }
    size_t n = addr_len(f->version);
    slot->active = true;
    slot->have_last = false;
    slot->version = f->version;
    slot->proto = f->proto;
    slot->id = f->id;
    memset(slot->src, 0, sizeof slot->src);
    memset(slot->dst, 0, sizeof slot->dst);
    memcpy(slot->src, f->src, n);
    memcpy(slot->dst, f->dst, n);
    slot->first_us = now_us;
    slot->held = 0;
    slot->end = 0;
    slot->max_end = 0;
    slot->filled = 0;
    memset(slot->map, 0, sizeof slot->map);
    reasm->active++;
    return slot;
}

static bool block_held(const reasm_slot_t *slot, uint32_t block)
{
    return ((unsigned)slot->map[block / 8] >> (block % 8)) & 1u;
}

/* Compares the fragment with the bytes already held where they overlap.
 * Returns false on a difference; *all_held tells whether every block of the
 * fragment was held already. */
static bool overlap_agrees(const reasm_slot_t *slot, const fragment_t *f, uint32_t end,
                           bool *all_held)
{
    *all_held = true;
    for (uint32_t block = f->offset / 8; block <= (end - 1) / 8; block++) {
        if (!block_held(slot, block)) {
            *all_held = false;
            continue;
        }
        uint32_t lo = block * 8 > f->offset ? block * 8 : f->offset;
        /* Held bytes end at the block's end or, in the last block, at
         * slot->end; the caller has checked that `end` is not beyond it. */
        uint32_t hi = block * 8 + 8 < end ? block * 8 + 8 : end;
        if (hi > lo && memcmp(slot->bytes + lo, f->data + (lo - f->offset), hi - lo) != 0)
            return false;
    }
    return true;
}

/* Takes one fragment. Returns the slot when it completed the datagram (the
 * payload is slot->bytes, slot->end bytes; the slot is free again but its
 * bytes stay until the next fragment), else NULL: held or dropped. */
static reasm_slot_t *reasm_input(const ip_ctx_t *ctx, const fragment_t *f)
{
    sim__capture_reasm_t *reasm = ctx->reasm;
    sim__capture_counters_t *counters = ctx->counters;
    counters->fragments++;
    if (f->len == 0 || (f->more && f->len % 8 != 0)) {
        counters->fragments_dropped[SIM__CAPTURE_FRAG_MALFORMED]++;
        return NULL;
    }
    reasm_slot_t *slot = find_slot(reasm, f);
    uint64_t end64 = (uint64_t)f->offset + f->len;
    if (end64 > SIM__CAPTURE_REASM_MAX_BYTES) {
        if (slot)
            drop_slot(reasm, slot, SIM__CAPTURE_FRAG_OVERSIZE, counters);
        counters->fragments_dropped[SIM__CAPTURE_FRAG_OVERSIZE]++;
        return NULL;
    }
    uint32_t end = (uint32_t)end64;
    if (!slot) {
        slot = claim_slot(reasm, f, ctx->now_us, counters);
        if (!slot) {
            counters->fragments_dropped[SIM__CAPTURE_FRAG_EVICTED]++;
            return NULL;
        }
    }
    bool ends_disagree = f->more ? slot->have_last && end > slot->end
                                 : (slot->have_last && end != slot->end) || end < slot->max_end;
    bool all_held = false;
    if (ends_disagree || !overlap_agrees(slot, f, end, &all_held)) {
        drop_slot(reasm, slot, SIM__CAPTURE_FRAG_OVERLAP, counters);
        counters->fragments_dropped[SIM__CAPTURE_FRAG_OVERLAP]++;
        return NULL;
    }
    if (all_held) {
        counters->fragments_dropped[SIM__CAPTURE_FRAG_DUPLICATE]++;
        return NULL;
    }
    memcpy(slot->bytes + f->offset, f->data, f->len);
    for (uint32_t block = f->offset / 8; block <= (end - 1) / 8; block++) {
        if (!block_held(slot, block)) {
            slot->map[block / 8] = (uint8_t)((unsigned)slot->map[block / 8] | 1u << (block % 8));
            slot->filled++;
        }
    }
    slot->held++;
    if (end > slot->max_end)
        slot->max_end = end;
    if (!f->more) {
        slot->have_last = true;
        slot->end = end;
    }
    if (f->offset == 0)
        slot->proto = f->proto;
    if (!slot->have_last || slot->filled != (slot->end + 7) / 8)
        return NULL;
    slot->active = false;
    reasm->active--;
    counters->reassembled++;
    return slot;
}

/* ---- IPv4, IPv6, UDP -------------------------------------------------------- */

static sim__capture_ip_result_t skip(const ip_ctx_t *ctx, sim__capture_skip_t reason)
{
    ctx->counters->skipped[reason]++;
    return SIM__CAPTURE_IP_SKIPPED;
}

/* A packet that runs past the captured bytes. */
static sim__capture_ip_result_t cut_short(const ip_ctx_t *ctx, bool snapped)
{
    return skip(ctx, snapped ? SIM__CAPTURE_SKIP_SNAPPED : SIM__CAPTURE_SKIP_BAD_IP);
}

static sim__capture_ip_result_t udp_input(const ip_ctx_t *ctx, const uint8_t *p, size_t len)
{
    if (len < UDP_HEADER)
        return skip(ctx, SIM__CAPTURE_SKIP_BAD_UDP);
    size_t udp_len = sim__capture_rd16(p + 4);
    if (udp_len < UDP_HEADER || udp_len > len)
        return skip(ctx, SIM__CAPTURE_SKIP_BAD_UDP);
    ctx->out->src.port = sim__capture_rd16(p);
    ctx->out->dst.port = sim__capture_rd16(p + 2);
    ctx->out->payload = p + UDP_HEADER;
    ctx->out->payload_len = udp_len - UDP_HEADER;
    return SIM__CAPTURE_IP_UDP;
}

static void set_addrs(const ip_ctx_t *ctx, uint8_t family, const uint8_t *src, const uint8_t *dst)
{
    size_t n = addr_len(family);
    memset(&ctx->out->src, 0, sizeof ctx->out->src);
    memset(&ctx->out->dst, 0, sizeof ctx->out->dst);
    ctx->out->src.family = family;
    ctx->out->dst.family = family;
    memcpy(ctx->out->src.ip, src, n);
    memcpy(ctx->out->dst.ip, dst, n);
}

static sim__capture_ip_result_t ipv4_input(const ip_ctx_t *ctx, const uint8_t *ip, size_t len,
                                           bool snapped)
{
    if (len < IPV4_MIN_HEADER)
        return cut_short(ctx, snapped);
    size_t header_len = (size_t)(ip[0] & 0x0f) * 4;
    size_t total = sim__capture_rd16(ip + 2);
    if (ip[0] >> 4 != 4 || header_len < IPV4_MIN_HEADER || total < header_len)
        return skip(ctx, SIM__CAPTURE_SKIP_BAD_IP);
    if (total > len)
        return cut_short(ctx, snapped);
    if (ip[9] != IPPROTO_NUM_UDP)
        return skip(ctx, SIM__CAPTURE_SKIP_NON_UDP);
    set_addrs(ctx, 4, ip + 12, ip + 16);
    uint16_t frag = sim__capture_rd16(ip + 6);
    fragment_t f = {
        .version = 4,
        .proto = ip[9],
        .id = sim__capture_rd16(ip + 4),
        .src = ip + 12,
        .dst = ip + 16,
        .offset = (uint32_t)(frag & IPV4_OFFSET_MASK) * 8,
        .more = (frag & IPV4_MF) != 0,
        .data = ip + header_len,
        .len = total - header_len,
    };
    if (!f.more && f.offset == 0)
        return udp_input(ctx, f.data, f.len);
    reasm_slot_t *slot = reasm_input(ctx, &f);
    if (!slot)
        return SIM__CAPTURE_IP_FRAGMENT;
    ctx->out->reassembled = true;
    return udp_input(ctx, slot->bytes, slot->end);
}

/* Next-header values that may start an IPv6 fragment's fragmentable part
 * and still lead to UDP. */
static bool may_lead_to_udp(uint8_t next)
{
    switch (next) {
    case IPPROTO_NUM_UDP:
    case 0:
    case 43:
    case 51:
    case 60:
    case 135:
    case 139:
    case 140:
        return true;
    default:
        return false;
    }
}

static sim__capture_ip_result_t ipv6_walk(const ip_ctx_t *ctx, uint8_t next, const uint8_t *p,
                                          size_t len, bool may_fragment);

static sim__capture_ip_result_t ipv6_fragment(const ip_ctx_t *ctx, const uint8_t *p, size_t len,
                                              bool may_fragment)
{
    if (!may_fragment || len < IPV6_FRAG_HEADER)
        return skip(ctx, SIM__CAPTURE_SKIP_BAD_IP);
    uint8_t next = p[0];
    uint32_t offset = sim__capture_rd16(p + 2) & IPV6_FRAG_OFFSET_MSK;
    bool more = (p[3] & 1u) != 0;
    if (offset == 0 && !more) /* atomic fragment, RFC 6946 */
        return ipv6_walk(ctx, next, p + IPV6_FRAG_HEADER, len - IPV6_FRAG_HEADER, false);
    if (!may_lead_to_udp(next))
        return skip(ctx, SIM__CAPTURE_SKIP_NON_UDP);
    fragment_t f = {
        .version = 6,
        .proto = next,
        .id = sim__capture_rd32(p + 4),
        .src = ctx->out->src.ip,
        .dst = ctx->out->dst.ip,
        .offset = offset,
        .more = more,
        .data = p + IPV6_FRAG_HEADER,
        .len = len - IPV6_FRAG_HEADER,
    };
    reasm_slot_t *slot = reasm_input(ctx, &f);
    if (!slot)
        return SIM__CAPTURE_IP_FRAGMENT;
    ctx->out->reassembled = true;
    return ipv6_walk(ctx, slot->proto, slot->bytes, slot->end, false);
}

static sim__capture_ip_result_t ipv6_walk(const ip_ctx_t *ctx, uint8_t next, const uint8_t *p,
                                          size_t len, bool may_fragment)
{
    for (unsigned walked = 0; walked <= SIM__CAPTURE_MAX_IPV6_EXTS; walked++) {
        size_t header_len;
        switch (next) {
        case IPPROTO_NUM_UDP:
            return udp_input(ctx, p, len);
        case 44:
            return ipv6_fragment(ctx, p, len, may_fragment);
        case 0:
        case 43:
        case 60:
        case 135:
        case 139:
        case 140:
            if (len < 2)
                return skip(ctx, SIM__CAPTURE_SKIP_BAD_IP);
            header_len = ((size_t)p[1] + 1) * 8;
            break;
        case 51:
            if (len < 2)
                return skip(ctx, SIM__CAPTURE_SKIP_BAD_IP);
            header_len = ((size_t)p[1] + 2) * 4;
            break;
        default: /* TCP, ICMPv6, ESP, no next header, ... */
            return skip(ctx, SIM__CAPTURE_SKIP_NON_UDP);
        }
        if (header_len > len)
            return skip(ctx, SIM__CAPTURE_SKIP_BAD_IP);
        next = p[0];
        p += header_len;
        len -= header_len;
    }
    return skip(ctx, SIM__CAPTURE_SKIP_BAD_IP);
}

static sim__capture_ip_result_t ipv6_input(const ip_ctx_t *ctx, const uint8_t *ip, size_t len,
                                           bool snapped)
{
    if (len < IPV6_HEADER)
        return cut_short(ctx, snapped);
    size_t payload_len = sim__capture_rd16(ip + 4);
    if (ip[0] >> 4 != 6 || payload_len == 0)
        return skip(ctx, SIM__CAPTURE_SKIP_BAD_IP);
    if (IPV6_HEADER + payload_len > len)
        return cut_short(ctx, snapped);
    set_addrs(ctx, 6, ip + 8, ip + 24);
    return ipv6_walk(ctx, ip[6], ip + IPV6_HEADER, payload_len, true);
}

sim__capture_ip_result_t sim__capture_ip_input(sim__capture_reasm_t *reasm,
                                               sim__capture_counters_t *counters, uint64_t now_us,
                                               const uint8_t *ip, size_t len, unsigned version,
                                               bool snapped, sim__capture_udp_t *out)
{
    ip_ctx_t ctx = { .reasm = reasm, .counters = counters, .now_us = now_us, .out = out };
    out->reassembled = false;
    if (len == 0)
        return cut_short(&ctx, snapped);
    unsigned nibble = ip[0] >> 4u;
    if (version != 0 && nibble != version)
        return skip(&ctx, SIM__CAPTURE_SKIP_BAD_IP);
    if (nibble == 4)
        return ipv4_input(&ctx, ip, len, snapped);
    if (nibble == 6)
        return ipv6_input(&ctx, ip, len, snapped);
    return skip(&ctx, SIM__CAPTURE_SKIP_BAD_IP);
}
