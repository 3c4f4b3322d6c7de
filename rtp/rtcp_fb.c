/* RTCP feedback messages: the common feedback layout (RFC 4585 section
 * 6.1), Generic NACK (RFC 4585 section 6.2.1) with its expansion to and
 * compression from lists of lost sequence numbers, PLI (RFC 4585 section
 * 6.3.1), FIR (RFC 5104 section 4.3.1) and REMB
 * (draft-alvestrand-rmcat-remb-03 section 2.2). Transport-wide CC feedback
 * is in rtcp_twcc.c. */
#include "rtp/bytes.h"
#include "rtp/rtp_rtcp.h"

#include <string.h>

#define FB_SSRCS_SIZE   8 /* SSRC of packet sender, SSRC of media source */
#define NACK_ITEM_SIZE  4
#define FIR_ENTRY_SIZE  8
#define REMB_FIXED_SIZE 8 /* "REMB", num SSRC, exp and mantissa */
#define REMB_MAX_EXP    (64 - 18)

/* ---- Common feedback layout and builder helpers ------------------------ */

rtp_err_t rtp_rtcp_parse_fb(const rtp_rtcp_packet_t *pkt, rtp_rtcp_fb_t *fb)
{
    if (!pkt || !fb || (pkt->pt != RTP_RTCP_PT_RTPFB && pkt->pt != RTP_RTCP_PT_PSFB))
        return RTP_ERR_INVALID_ARG;
    rtp__cursor_t c = rtp__cursor(pkt->body, pkt->body_len);
    fb->sender_ssrc = rtp__get32(&c);
    fb->media_ssrc = rtp__get32(&c);
    if (c.bad)
        return RTP_ERR_MALFORMED;
    fb->fci = c.pos;
    fb->fci_len = rtp__left(&c);
    return RTP_OK;
}

/* Parses the common part of a packet that must be (pt, fmt). */
static rtp_err_t parse_fb_of(const rtp_rtcp_packet_t *pkt, uint8_t pt, uint8_t fmt,
                             rtp_rtcp_fb_t *fb)
{
    if (!pkt || pkt->pt != pt || pkt->count != fmt)
        return RTP_ERR_INVALID_ARG;
    return rtp_rtcp_parse_fb(pkt, fb);
}

/* Starts a feedback packet: room for the header, then the two SSRCs. */
static void fb_begin(uint8_t *buf, size_t cap, size_t *written, uint32_t sender_ssrc,
                     uint32_t media_ssrc, rtp__writer_t *w)
{
    *written = 0;
    *w = rtp__writer(buf, cap);
    rtp__reserve(w, RTP_RTCP_HEADER_SIZE);
    rtp__put32(w, sender_ssrc);
    rtp__put32(w, media_ssrc);
}

static rtp_err_t fb_finish(rtp__writer_t *w, uint8_t *buf, uint8_t fmt, uint8_t pt, size_t *written)
{
    if (w->bad)
        return RTP_ERR_NO_SPACE;
    size_t len = (size_t)(w->pos - buf);
    rtp_err_t err = rtp_rtcp_write_header(buf, len, fmt, pt);
    if (err == RTP_OK)
        *written = len;
    return err;
}

/* The largest FCI one packet can carry: the length field's limit minus the
 * header and the two SSRCs. */
static size_t fci_max(void)
{
    return RTP_RTCP_MAX_PACKET_SIZE - RTP_RTCP_HEADER_SIZE - FB_SSRCS_SIZE;
}

/* ---- Generic NACK ------------------------------------------------------ */

rtp_err_t rtp_rtcp_parse_nack(const rtp_rtcp_packet_t *pkt, rtp_rtcp_nack_t *nack)
{
    if (!nack)
        return RTP_ERR_INVALID_ARG;
    rtp_rtcp_fb_t fb;
    rtp_err_t err = parse_fb_of(pkt, RTP_RTCP_PT_RTPFB, RTP_RTCP_FMT_NACK, &fb);
    if (err != RTP_OK)
        return err;
    /* RFC 4585 section 6.2.1: the FCI holds one or more PID/BLP pairs. */
    if (fb.fci_len == 0 || fb.fci_len % NACK_ITEM_SIZE != 0)
        return RTP_ERR_MALFORMED;
    nack->sender_ssrc = fb.sender_ssrc;
    nack->media_ssrc = fb.media_ssrc;
    nack->fci = fb.fci;
    nack->n_items = fb.fci_len / NACK_ITEM_SIZE;
    return RTP_OK;
}

rtp_rtcp_nack_item_t rtp_rtcp_nack_item_at(const rtp_rtcp_nack_t *nack, size_t i)
{
    rtp_rtcp_nack_item_t item = { 0, 0 };
    if (nack && nack->fci && i < nack->n_items) {
        const uint8_t *p = nack->fci + i * NACK_ITEM_SIZE;
        item.pid = rtp__rd16(p);
        item.blp = rtp__rd16(p + 2);
    }
    return item;
}

rtp_err_t rtp_rtcp_nack_expand(const rtp_rtcp_nack_t *nack, uint16_t *seqs, size_t cap,
                               size_t *n_seqs)
{
    if (!nack || !n_seqs || (!seqs && cap > 0))
        return RTP_ERR_INVALID_ARG;
    size_t n = 0;
    for (size_t i = 0; i < nack->n_items; i++) {
        rtp_rtcp_nack_item_t item = rtp_rtcp_nack_item_at(nack, i);
        /* Bit 0 is the PID itself here; bit i+1 is BLP bit i. */
        uint32_t mask = (uint32_t)item.blp << 1 | 1u;
        for (unsigned bit = 0; bit < 17; bit++) {
            if (!(mask >> bit & 1u))
                continue;
            if (n == cap) {
                *n_seqs = n;
                return RTP_ERR_NO_SPACE;
            }
            seqs[n++] = (uint16_t)(item.pid + bit);
        }
    }
    *n_seqs = n;
    return RTP_OK;
}

/* A set of sequence numbers as a bitmap over the whole 16-bit space. */
#define SEQ_SPACE 65536u
typedef struct seq_set {
    uint64_t words[SEQ_SPACE / 64];
} seq_set_t;

static bool seq_set_has(const seq_set_t *set, uint32_t seq)
{
    seq &= SEQ_SPACE - 1;
    return set->words[seq / 64] >> (seq % 64) & 1u;
}

/* The member that follows the largest circular gap: where a list that may
 * cross 65535 -> 0 really starts. */
static uint32_t seq_set_start(const seq_set_t *set)
{
    uint32_t first = SEQ_SPACE, prev = SEQ_SPACE, start = 0;
    uint32_t best_gap = 0;
    for (uint32_t w = 0; w < SEQ_SPACE / 64; w++) {
        uint64_t bits = set->words[w];
        while (bits) {
            uint32_t seq = w * 64 + (uint32_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            if (first == SEQ_SPACE)
                first = seq;
            else if (seq - prev > best_gap) {
                best_gap = seq - prev;
                start = seq;
            }
            prev = seq;
        }
    }
    /* The gap that wraps from the largest member back to the smallest; on a
     * tie prefer plain numeric order. */
    if (first + SEQ_SPACE - prev >= best_gap)
        start = first;
    return start;
}

rtp_err_t rtp_rtcp_nack_compress(const uint16_t *seqs, size_t n_seqs, rtp_rtcp_nack_item_t *items,
                                 size_t cap, size_t *n_items)
{
    if (!n_items || (!seqs && n_seqs > 0) || (!items && cap > 0))
        return RTP_ERR_INVALID_ARG;
    *n_items = 0;
    if (n_seqs == 0)
        return RTP_OK;
    seq_set_t set;
    memset(&set, 0, sizeof set);
    for (size_t i = 0; i < n_seqs; i++)
        set.words[seqs[i] / 64] |= (uint64_t)1 << (seqs[i] % 64);

    uint32_t start = seq_set_start(&set);
    size_t n = 0;
    for (uint32_t off = 0; off < SEQ_SPACE;) {
        uint32_t pid = (start + off) & (SEQ_SPACE - 1);
        /* Jump to the next member, a word at a time. */
        uint64_t ahead = set.words[pid / 64] >> (pid % 64);
        if (ahead == 0) {
            off += 64 - pid % 64;
            continue;
        }
        if (!(ahead & 1u)) {
            off += (uint32_t)__builtin_ctzll(ahead);
            continue;
        }
        if (n == cap) {
            *n_items = n;
            return RTP_ERR_NO_SPACE;
        }
        uint16_t blp = 0;
        for (uint32_t bit = 0; bit < 16 && off + 1 + bit < SEQ_SPACE; bit++) {
            if (seq_set_has(&set, pid + 1 + bit))
                blp |= (uint16_t)(1u << bit);
        }
        items[n].pid = (uint16_t)pid;
        items[n].blp = blp;
        n++;
        off += 17; /* the PID and the 16 its BLP covers */
    }
    *n_items = n;
    return RTP_OK;
}

rtp_err_t rtp_rtcp_build_nack(uint8_t *buf, size_t cap, const rtp_rtcp_nack_params_t *params,
                              size_t *written)
{
    if (!buf || !written || !params || !params->items || params->n_items == 0 ||
        params->n_items > fci_max() / NACK_ITEM_SIZE)
        return RTP_ERR_INVALID_ARG;
    rtp__writer_t w;
    fb_begin(buf, cap, written, params->sender_ssrc, params->media_ssrc, &w);
    for (size_t i = 0; i < params->n_items; i++) {
        rtp__put16(&w, params->items[i].pid);
        rtp__put16(&w, params->items[i].blp);
    }
    return fb_finish(&w, buf, RTP_RTCP_FMT_NACK, RTP_RTCP_PT_RTPFB, written);
}

/* ---- PLI --------------------------------------------------------------- */

rtp_err_t rtp_rtcp_parse_pli(const rtp_rtcp_packet_t *pkt, rtp_rtcp_pli_t *pli)
{
    if (!pli)
        return RTP_ERR_INVALID_ARG;
    rtp_rtcp_fb_t fb;
    rtp_err_t err = parse_fb_of(pkt, RTP_RTCP_PT_PSFB, RTP_RTCP_FMT_PLI, &fb);
    if (err != RTP_OK)
        return err;
    pli->sender_ssrc = fb.sender_ssrc;
    pli->media_ssrc = fb.media_ssrc;
    return RTP_OK;
}

rtp_err_t rtp_rtcp_build_pli(uint8_t *buf, size_t cap, const rtp_rtcp_pli_t *pli, size_t *written)
{
    if (!buf || !written || !pli)
        return RTP_ERR_INVALID_ARG;
    rtp__writer_t w;
    fb_begin(buf, cap, written, pli->sender_ssrc, pli->media_ssrc, &w);
    return fb_finish(&w, buf, RTP_RTCP_FMT_PLI, RTP_RTCP_PT_PSFB, written);
}

/* ---- FIR --------------------------------------------------------------- */

rtp_err_t rtp_rtcp_parse_fir(const rtp_rtcp_packet_t *pkt, rtp_rtcp_fir_t *fir)
{
    if (!fir)
        return RTP_ERR_INVALID_ARG;
    rtp_rtcp_fb_t fb;
    rtp_err_t err = parse_fb_of(pkt, RTP_RTCP_PT_PSFB, RTP_RTCP_FMT_FIR, &fb);
    if (err != RTP_OK)
        return err;
    /* RFC 5104 section 4.3.1.2: one or more 8-byte entries. */
    if (fb.fci_len == 0 || fb.fci_len % FIR_ENTRY_SIZE != 0)
        return RTP_ERR_MALFORMED;
    fir->sender_ssrc = fb.sender_ssrc;
    fir->media_ssrc = fb.media_ssrc;
    fir->fci = fb.fci;
    fir->n_entries = fb.fci_len / FIR_ENTRY_SIZE;
    return RTP_OK;
}

rtp_rtcp_fir_entry_t rtp_rtcp_fir_entry_at(const rtp_rtcp_fir_t *fir, size_t i)
{
    rtp_rtcp_fir_entry_t entry = { 0, 0 };
    if (fir && fir->fci && i < fir->n_entries) {
        const uint8_t *p = fir->fci + i * FIR_ENTRY_SIZE;
        entry.ssrc = rtp__rd32(p);
        entry.seq_nr = p[4];
    }
    return entry;
}

rtp_err_t rtp_rtcp_build_fir(uint8_t *buf, size_t cap, const rtp_rtcp_fir_params_t *params,
                             size_t *written)
{
    if (!buf || !written || !params || !params->entries || params->n_entries == 0 ||
        params->n_entries > fci_max() / FIR_ENTRY_SIZE)
        return RTP_ERR_INVALID_ARG;
    rtp__writer_t w;
    fb_begin(buf, cap, written, params->sender_ssrc, 0, &w);
    for (size_t i = 0; i < params->n_entries; i++) {
        rtp__put32(&w, params->entries[i].ssrc);
        rtp__put8(&w, params->entries[i].seq_nr);
        rtp__put24(&w, 0);
    }
    return fb_finish(&w, buf, RTP_RTCP_FMT_FIR, RTP_RTCP_PT_PSFB, written);
}

/* ---- REMB -------------------------------------------------------------- */

static const uint8_t remb_id[4] = { 'R', 'E', 'M', 'B' };

rtp_err_t rtp_rtcp_parse_remb(const rtp_rtcp_packet_t *pkt, rtp_rtcp_remb_t *remb)
{
    if (!remb)
        return RTP_ERR_INVALID_ARG;
    rtp_rtcp_fb_t fb;
    rtp_err_t err = parse_fb_of(pkt, RTP_RTCP_PT_PSFB, RTP_RTCP_FMT_AFB, &fb);
    if (err != RTP_OK)
        return err;
    rtp__cursor_t c = rtp__cursor(fb.fci, fb.fci_len);
    const uint8_t *id = rtp__take(&c, 4);
    if (!id)
        return RTP_ERR_MALFORMED;
    if (memcmp(id, remb_id, 4) != 0)
        return RTP_ERR_UNSUPPORTED;
    uint8_t n_ssrcs = rtp__get8(&c);
    uint32_t exp_mantissa = rtp__get24(&c);
    const uint8_t *list = rtp__take(&c, (size_t)n_ssrcs * 4);
    if (c.bad)
        return RTP_ERR_MALFORMED;
    uint8_t exp = (uint8_t)(exp_mantissa >> 18);
    uint32_t mantissa = exp_mantissa & 0x3FFFFu;
    /* mantissa << exp must fit 64 bits. */
    if (exp > REMB_MAX_EXP && (mantissa >> (64 - exp)) != 0)
        return RTP_ERR_MALFORMED;
    remb->sender_ssrc = fb.sender_ssrc;
    remb->media_ssrc = fb.media_ssrc;
    remb->exp = exp;
    remb->mantissa = mantissa;
    remb->bitrate_bps = (uint64_t)mantissa << exp;
    remb->n_ssrcs = n_ssrcs;
    remb->ssrc_list = list;
    return RTP_OK;
}

uint32_t rtp_rtcp_remb_ssrc_at(const rtp_rtcp_remb_t *remb, size_t i)
{
    if (!remb || !remb->ssrc_list || i >= remb->n_ssrcs)
        return 0;
    return rtp__rd32(remb->ssrc_list + i * 4);
}

rtp_err_t rtp_rtcp_build_remb(uint8_t *buf, size_t cap, const rtp_rtcp_remb_params_t *params,
                              size_t *written)
{
    if (!buf || !written || !params || params->n_ssrcs > UINT8_MAX ||
        (!params->ssrcs && params->n_ssrcs > 0))
        return RTP_ERR_INVALID_ARG;
    uint8_t exp = 0;
    while ((params->bitrate_bps >> exp) > 0x3FFFFu)
        exp++;
    uint32_t mantissa = (uint32_t)(params->bitrate_bps >> exp);

    rtp__writer_t w;
    fb_begin(buf, cap, written, params->sender_ssrc, 0, &w);
    uint8_t *id = rtp__reserve(&w, 4);
    if (id)
        memcpy(id, remb_id, 4);
    rtp__put8(&w, (uint8_t)params->n_ssrcs);
    rtp__put24(&w, (uint32_t)exp << 18 | mantissa);
    for (size_t i = 0; i < params->n_ssrcs; i++)
        rtp__put32(&w, params->ssrcs[i]);
    return fb_finish(&w, buf, RTP_RTCP_FMT_AFB, RTP_RTCP_PT_PSFB, written);
}
