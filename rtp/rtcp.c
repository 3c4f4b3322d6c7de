/* RTCP common header, compound iteration and dispatch, and the RFC 3550
 * packets: SR and RR (section 6.4), SDES (6.5), BYE (6.6), APP (6.7). The
 * header and padding rules follow section 6.4.1 and Appendix A.2; compound
 * packets that do not start with SR/RR are accepted as reduced-size RTCP
 * (RFC 5506 section 3). The feedback packets are in rtcp_fb.c and
 * rtcp_twcc.c; this file only names their parsers in the dispatch table. */
#include "rtp/bytes.h"
#include "rtp/rtp_rtcp.h"

#include <string.h>

#define RTCP_VERSION 2u

/* ---- Common header ----------------------------------------------------- */

rtp_err_t rtp_rtcp_packet_parse(const uint8_t *buf, size_t len, rtp_rtcp_packet_t *pkt)
{
    if (!buf || !pkt)
        return RTP_ERR_INVALID_ARG;
    if (len < RTP_RTCP_HEADER_SIZE)
        return RTP_ERR_TRUNCATED;
    if ((buf[0] >> 6) != RTCP_VERSION)
        return RTP_ERR_BAD_VERSION;
    size_t size = ((size_t)rtp__rd16(buf + 2) + 1) * 4;
    if (size > len)
        return RTP_ERR_TRUNCATED;

    bool padding = (buf[0] & 0x20) != 0;
    size_t body_len = size - RTP_RTCP_HEADER_SIZE;
    if (padding) {
        /* The last octet counts the padding, itself included. */
        size_t pad = buf[size - 1];
        if (pad == 0 || pad > body_len)
            return RTP_ERR_MALFORMED;
        body_len -= pad;
    }
    pkt->data = buf;
    pkt->size = size;
    pkt->padding = padding;
    pkt->count = buf[0] & 0x1F;
    pkt->pt = buf[1];
    pkt->body = buf + RTP_RTCP_HEADER_SIZE;
    pkt->body_len = body_len;
    return RTP_OK;
}

void rtp_rtcp_iter_init(rtp_rtcp_iter_t *it, const uint8_t *buf, size_t len)
{
    if (!it)
        return;
    it->pos = buf;
    it->end = buf ? buf + len : buf;
    it->index = 0;
    it->err = (buf || len == 0) ? RTP_OK : RTP_ERR_INVALID_ARG;
}

rtp_err_t rtp_rtcp_iter_next(rtp_rtcp_iter_t *it, rtp_rtcp_packet_t *pkt)
{
    if (!it || !pkt)
        return RTP_ERR_INVALID_ARG;
    if (it->err != RTP_OK)
        return it->err;
    size_t left = (size_t)(it->end - it->pos);
    if (left == 0)
        return RTP_ERR_END;
    rtp_err_t err = rtp_rtcp_packet_parse(it->pos, left, pkt);
    /* Padding belongs on the last packet only (RFC 3550 section 6.4.1). */
    if (err == RTP_OK && pkt->padding && pkt->size != left)
        err = RTP_ERR_MALFORMED;
    if (err != RTP_OK) {
        it->err = err;
        return err;
    }
    it->pos += pkt->size;
    it->index++;
    return RTP_OK;
}

rtp_err_t rtp_rtcp_check_compound(const uint8_t *buf, size_t len)
{
    if (!buf && len > 0)
        return RTP_ERR_INVALID_ARG;
    rtp_rtcp_iter_t it;
    rtp_rtcp_iter_init(&it, buf, len);
    rtp_rtcp_packet_t pkt;
    rtp_err_t err;
    while ((err = rtp_rtcp_iter_next(&it, &pkt)) == RTP_OK) {
        if (it.index == 1 && pkt.pt != RTP_RTCP_PT_SR && pkt.pt != RTP_RTCP_PT_RR)
            return RTP_ERR_MALFORMED;
    }
    if (err != RTP_ERR_END)
        return err;
    return it.index == 0 ? RTP_ERR_TRUNCATED : RTP_OK;
}

rtp_err_t rtp_rtcp_write_header(uint8_t *pkt, size_t pkt_len, uint8_t count, uint8_t pt)
{
    if (!pkt || pkt_len < RTP_RTCP_HEADER_SIZE || pkt_len % 4 != 0 ||
        pkt_len > RTP_RTCP_MAX_PACKET_SIZE || count > RTP_RTCP_MAX_COUNT)
        return RTP_ERR_INVALID_ARG;
    pkt[0] = (uint8_t)(RTCP_VERSION << 6 | count);
    pkt[1] = pt;
    rtp__wr16(pkt + 2, (uint16_t)(pkt_len / 4 - 1));
    return RTP_OK;
}

/* Shared by the builders below: start with room for the header, and once
 * the body is written fill the header in. */
static rtp_err_t build_begin(uint8_t *buf, size_t cap, size_t *written, rtp__writer_t *w)
{
    if (!buf || !written)
        return RTP_ERR_INVALID_ARG;
    *written = 0;
    *w = rtp__writer(buf, cap);
    rtp__reserve(w, RTP_RTCP_HEADER_SIZE);
    return RTP_OK;
}

static rtp_err_t build_finish(rtp__writer_t *w, uint8_t *buf, uint8_t count, uint8_t pt,
                              size_t *written)
{
    if (w->bad)
        return RTP_ERR_NO_SPACE;
    size_t len = (size_t)(w->pos - buf);
    rtp_err_t err = rtp_rtcp_write_header(buf, len, count, pt);
    if (err == RTP_OK)
        *written = len;
    return err;
}

/* Zero octets up to the next multiple of 4 counted from `start`. */
static void put_zero_pad(rtp__writer_t *w, const uint8_t *start)
{
    while (!w->bad && (size_t)(w->pos - start) % 4 != 0)
        rtp__put8(w, 0);
}

static int32_t sign_extend24(uint32_t v)
{
    return (int32_t)(v ^ 0x800000u) - 0x800000;
}

/* ---- SR and RR --------------------------------------------------------- */

#define REPORT_BLOCK_SIZE 24
#define SENDER_INFO_SIZE  20

static void read_report_blocks(rtp__cursor_t *c, rtp_rtcp_report_block_t *blocks, uint8_t n)
{
    for (uint8_t i = 0; i < n; i++) {
        rtp_rtcp_report_block_t *b = &blocks[i];
        b->ssrc = rtp__get32(c);
        b->fraction_lost = rtp__get8(c);
        b->cumulative_lost = sign_extend24(rtp__get24(c));
        b->ext_highest_seq = rtp__get32(c);
        b->jitter = rtp__get32(c);
        b->lsr = rtp__get32(c);
        b->dlsr = rtp__get32(c);
    }
}

static bool report_blocks_valid(const rtp_rtcp_report_block_t *blocks, uint8_t n)
{
    if (n > RTP_RTCP_MAX_COUNT)
        return false;
    for (uint8_t i = 0; i < n; i++) {
        if (blocks[i].cumulative_lost < -(1 << 23) || blocks[i].cumulative_lost > (1 << 23) - 1)
            return false;
    }
    return true;
}

static void write_report_blocks(rtp__writer_t *w, const rtp_rtcp_report_block_t *blocks, uint8_t n)
{
    for (uint8_t i = 0; i < n; i++) {
        const rtp_rtcp_report_block_t *b = &blocks[i];
        rtp__put32(w, b->ssrc);
        rtp__put8(w, b->fraction_lost);
        rtp__put24(w, (uint32_t)b->cumulative_lost & 0xFFFFFFu);
        rtp__put32(w, b->ext_highest_seq);
        rtp__put32(w, b->jitter);
        rtp__put32(w, b->lsr);
        rtp__put32(w, b->dlsr);
    }
}

static void write_ext(rtp__writer_t *w, const uint8_t *ext, size_t ext_len)
{
    uint8_t *dst = ext_len ? rtp__reserve(w, ext_len) : NULL;
    if (dst)
        memcpy(dst, ext, ext_len);
}

rtp_err_t rtp_rtcp_parse_sr(const rtp_rtcp_packet_t *pkt, rtp_rtcp_sr_t *sr)
{
    if (!pkt || !sr || pkt->pt != RTP_RTCP_PT_SR)
        return RTP_ERR_INVALID_ARG;
    rtp__cursor_t c = rtp__cursor(pkt->body, pkt->body_len);
    sr->ssrc = rtp__get32(&c);
    uint32_t ntp_msw = rtp__get32(&c);
    uint32_t ntp_lsw = rtp__get32(&c);
    sr->info.ntp = (uint64_t)ntp_msw << 32 | ntp_lsw;
    sr->info.rtp_ts = rtp__get32(&c);
    sr->info.packet_count = rtp__get32(&c);
    sr->info.octet_count = rtp__get32(&c);
    sr->n_blocks = pkt->count;
    read_report_blocks(&c, sr->blocks, pkt->count);
    if (c.bad)
        return RTP_ERR_MALFORMED;
    sr->ext = rtp__left(&c) ? c.pos : NULL;
    sr->ext_len = rtp__left(&c);
    return RTP_OK;
}

rtp_err_t rtp_rtcp_parse_rr(const rtp_rtcp_packet_t *pkt, rtp_rtcp_rr_t *rr)
{
    if (!pkt || !rr || pkt->pt != RTP_RTCP_PT_RR)
        return RTP_ERR_INVALID_ARG;
    rtp__cursor_t c = rtp__cursor(pkt->body, pkt->body_len);
    rr->ssrc = rtp__get32(&c);
    rr->n_blocks = pkt->count;
    read_report_blocks(&c, rr->blocks, pkt->count);
    if (c.bad)
        return RTP_ERR_MALFORMED;
    rr->ext = rtp__left(&c) ? c.pos : NULL;
    rr->ext_len = rtp__left(&c);
    return RTP_OK;
}

static bool ext_valid(const uint8_t *ext, size_t ext_len)
{
    return ext_len % 4 == 0 && (ext || ext_len == 0);
}

rtp_err_t rtp_rtcp_build_sr(uint8_t *buf, size_t cap, const rtp_rtcp_sr_t *sr, size_t *written)
{
    rtp__writer_t w;
    rtp_err_t err = build_begin(buf, cap, written, &w);
    if (err != RTP_OK)
        return err;
    if (!sr || !report_blocks_valid(sr->blocks, sr->n_blocks) || !ext_valid(sr->ext, sr->ext_len))
        return RTP_ERR_INVALID_ARG;
    rtp__put32(&w, sr->ssrc);
    rtp__put32(&w, (uint32_t)(sr->info.ntp >> 32));
    rtp__put32(&w, (uint32_t)sr->info.ntp);
    rtp__put32(&w, sr->info.rtp_ts);
    rtp__put32(&w, sr->info.packet_count);
    rtp__put32(&w, sr->info.octet_count);
    write_report_blocks(&w, sr->blocks, sr->n_blocks);
    write_ext(&w, sr->ext, sr->ext_len);
    return build_finish(&w, buf, sr->n_blocks, RTP_RTCP_PT_SR, written);
}

rtp_err_t rtp_rtcp_build_rr(uint8_t *buf, size_t cap, const rtp_rtcp_rr_t *rr, size_t *written)
{
    rtp__writer_t w;
    rtp_err_t err = build_begin(buf, cap, written, &w);
    if (err != RTP_OK)
        return err;
    if (!rr || !report_blocks_valid(rr->blocks, rr->n_blocks) || !ext_valid(rr->ext, rr->ext_len))
        return RTP_ERR_INVALID_ARG;
    rtp__put32(&w, rr->ssrc);
    write_report_blocks(&w, rr->blocks, rr->n_blocks);
    write_ext(&w, rr->ext, rr->ext_len);
    return build_finish(&w, buf, rr->n_blocks, RTP_RTCP_PT_RR, written);
}

/* ---- SDES -------------------------------------------------------------- */

/* Chunks start on 32-bit boundaries; the body does too, so offsets from the
 * start of the chunk list decide alignment. Walking with the iterator is
 * also how the parser validates, so the two cannot disagree. */
void rtp_rtcp_sdes_iter_init(rtp_rtcp_sdes_iter_t *it, const rtp_rtcp_sdes_t *sdes)
{
    if (!it)
        return;
    memset(it, 0, sizeof *it);
    if (!sdes || !sdes->chunks)
        return;
    it->pos = sdes->chunks;
    it->end = sdes->chunks + sdes->chunks_len;
    it->chunk_start = sdes->chunks;
    it->chunks_left = sdes->n_chunks;
}

rtp_err_t rtp_rtcp_sdes_next(rtp_rtcp_sdes_iter_t *it, rtp_rtcp_sdes_item_t *item)
{
    if (!it || !item)
        return RTP_ERR_INVALID_ARG;
    for (;;) {
        rtp__cursor_t c = { it->pos, it->end, false };
        if (!it->in_chunk) {
            if (it->chunks_left == 0)
                return RTP_ERR_END;
            it->chunk_start = c.pos;
            it->ssrc = rtp__get32(&c);
            if (c.bad)
                return RTP_ERR_MALFORMED;
            it->in_chunk = true;
            it->pos = c.pos;
        }
        uint8_t type = rtp__get8(&c);
        if (c.bad)
            return RTP_ERR_MALFORMED;
        if (type == RTP_RTCP_SDES_END) {
            /* The null item, then null octets to the next boundary. */
            size_t used = (size_t)(c.pos - it->chunk_start);
            rtp__take(&c, (4 - used % 4) % 4);
            if (c.bad)
                return RTP_ERR_MALFORMED;
            it->pos = c.pos;
            it->in_chunk = false;
            it->chunks_left--;
            continue;
        }
        uint8_t length = rtp__get8(&c);
        const uint8_t *text = rtp__take(&c, length);
        if (c.bad)
            return RTP_ERR_MALFORMED;
        it->pos = c.pos;
        item->ssrc = it->ssrc;
        item->type = type;
        item->length = length;
        item->text = (const char *)text;
        return RTP_OK;
    }
}

rtp_err_t rtp_rtcp_parse_sdes(const rtp_rtcp_packet_t *pkt, rtp_rtcp_sdes_t *sdes)
{
    if (!pkt || !sdes || pkt->pt != RTP_RTCP_PT_SDES)
        return RTP_ERR_INVALID_ARG;
    rtp_rtcp_sdes_t view = { pkt->count, pkt->body, pkt->body_len };
    rtp_rtcp_sdes_iter_t it;
    rtp_rtcp_sdes_iter_init(&it, &view);
    rtp_rtcp_sdes_item_t item;
    rtp_err_t err;
    while ((err = rtp_rtcp_sdes_next(&it, &item)) == RTP_OK) {
    }
    if (err != RTP_ERR_END)
        return err;
    /* Nothing may follow the last chunk (padding is outside the body). */
    if (view.n_chunks == 0 ? view.chunks_len != 0 : it.pos != it.end)
        return RTP_ERR_MALFORMED;
    *sdes = view;
    return RTP_OK;
}

rtp_err_t rtp_rtcp_sdes_find(const rtp_rtcp_sdes_t *sdes, uint32_t ssrc, uint8_t type,
                             rtp_rtcp_sdes_item_t *item)
{
    if (!sdes || !item)
        return RTP_ERR_INVALID_ARG;
    rtp_rtcp_sdes_iter_t it;
    rtp_rtcp_sdes_iter_init(&it, sdes);
    rtp_rtcp_sdes_item_t cur;
    rtp_err_t err;
    while ((err = rtp_rtcp_sdes_next(&it, &cur)) == RTP_OK) {
        if (cur.ssrc == ssrc && cur.type == type) {
            *item = cur;
            return RTP_OK;
        }
    }
    return err == RTP_ERR_END ? RTP_ERR_NOT_FOUND : err;
}

static bool sdes_chunks_valid(const rtp_rtcp_sdes_chunk_t *chunks, size_t n_chunks)
{
    if (n_chunks > RTP_RTCP_MAX_COUNT || (!chunks && n_chunks > 0))
        return false;
    for (size_t i = 0; i < n_chunks; i++) {
        if (!chunks[i].items && chunks[i].n_items > 0)
            return false;
        for (size_t j = 0; j < chunks[i].n_items; j++) {
            const rtp_rtcp_sdes_item_t *item = &chunks[i].items[j];
            if (item->type == RTP_RTCP_SDES_END || (!item->text && item->length > 0))
                return false;
        }
    }
    return true;
}

rtp_err_t rtp_rtcp_build_sdes(uint8_t *buf, size_t cap, const rtp_rtcp_sdes_chunk_t *chunks,
                              size_t n_chunks, size_t *written)
{
    rtp__writer_t w;
    rtp_err_t err = build_begin(buf, cap, written, &w);
    if (err != RTP_OK)
        return err;
    if (!sdes_chunks_valid(chunks, n_chunks))
        return RTP_ERR_INVALID_ARG;
    for (size_t i = 0; i < n_chunks; i++) {
        const uint8_t *chunk_start = w.pos;
        rtp__put32(&w, chunks[i].ssrc);
        for (size_t j = 0; j < chunks[i].n_items; j++) {
            const rtp_rtcp_sdes_item_t *item = &chunks[i].items[j];
            rtp__put8(&w, item->type);
            rtp__put8(&w, item->length);
            uint8_t *dst = item->length ? rtp__reserve(&w, item->length) : NULL;
            if (dst)
                memcpy(dst, item->text, item->length);
        }
        /* At least one null octet ends the list, more pad to 32 bits. */
        rtp__put8(&w, RTP_RTCP_SDES_END);
        put_zero_pad(&w, chunk_start);
    }
    return build_finish(&w, buf, (uint8_t)n_chunks, RTP_RTCP_PT_SDES, written);
}

rtp_err_t rtp_rtcp_build_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc, const char *cname,
                                    size_t cname_len, size_t *written)
{
    if (!cname || cname_len > UINT8_MAX)
        return RTP_ERR_INVALID_ARG;
    rtp_rtcp_sdes_item_t item = {
        .type = RTP_RTCP_SDES_CNAME,
        .length = (uint8_t)cname_len,
        .text = cname,
    };
    rtp_rtcp_sdes_chunk_t chunk = { .ssrc = ssrc, .items = &item, .n_items = 1 };
    return rtp_rtcp_build_sdes(buf, cap, &chunk, 1, written);
}

/* ---- BYE and APP ------------------------------------------------------- */

rtp_err_t rtp_rtcp_parse_bye(const rtp_rtcp_packet_t *pkt, rtp_rtcp_bye_t *bye)
{
    if (!pkt || !bye || pkt->pt != RTP_RTCP_PT_BYE)
        return RTP_ERR_INVALID_ARG;
    rtp__cursor_t c = rtp__cursor(pkt->body, pkt->body_len);
    bye->n_ssrcs = pkt->count;
    for (uint8_t i = 0; i < pkt->count; i++)
        bye->ssrcs[i] = rtp__get32(&c);
    bye->reason = NULL;
    bye->reason_len = 0;
    if (!c.bad && rtp__left(&c) > 0) {
        uint8_t len = rtp__get8(&c);
        const uint8_t *text = rtp__take(&c, len);
        bye->reason = (const char *)text;
        bye->reason_len = len;
    }
    return c.bad ? RTP_ERR_MALFORMED : RTP_OK;
}

rtp_err_t rtp_rtcp_build_bye(uint8_t *buf, size_t cap, const rtp_rtcp_bye_t *bye, size_t *written)
{
    rtp__writer_t w;
    rtp_err_t err = build_begin(buf, cap, written, &w);
    if (err != RTP_OK)
        return err;
    if (!bye || bye->n_ssrcs > RTP_RTCP_MAX_COUNT || (!bye->reason && bye->reason_len > 0))
        return RTP_ERR_INVALID_ARG;
    for (uint8_t i = 0; i < bye->n_ssrcs; i++)
        rtp__put32(&w, bye->ssrcs[i]);
    if (bye->reason) {
        rtp__put8(&w, bye->reason_len);
        uint8_t *dst = bye->reason_len ? rtp__reserve(&w, bye->reason_len) : NULL;
        if (dst)
            memcpy(dst, bye->reason, bye->reason_len);
        put_zero_pad(&w, buf);
    }
    return build_finish(&w, buf, bye->n_ssrcs, RTP_RTCP_PT_BYE, written);
}

rtp_err_t rtp_rtcp_parse_app(const rtp_rtcp_packet_t *pkt, rtp_rtcp_app_t *app)
{
    if (!pkt || !app || pkt->pt != RTP_RTCP_PT_APP)
        return RTP_ERR_INVALID_ARG;
    rtp__cursor_t c = rtp__cursor(pkt->body, pkt->body_len);
    app->subtype = pkt->count;
    app->ssrc = rtp__get32(&c);
    const uint8_t *name = rtp__take(&c, 4);
    if (c.bad)
        return RTP_ERR_MALFORMED;
    memcpy(app->name, name, 4);
    app->data_len = rtp__left(&c);
    app->data = app->data_len ? c.pos : NULL;
    return RTP_OK;
}

rtp_err_t rtp_rtcp_build_app(uint8_t *buf, size_t cap, const rtp_rtcp_app_t *app, size_t *written)
{
    rtp__writer_t w;
    rtp_err_t err = build_begin(buf, cap, written, &w);
    if (err != RTP_OK)
        return err;
    if (!app || app->subtype > RTP_RTCP_MAX_COUNT || !ext_valid(app->data, app->data_len))
        return RTP_ERR_INVALID_ARG;
    rtp__put32(&w, app->ssrc);
    uint8_t *name = rtp__reserve(&w, 4);
    if (name)
        memcpy(name, app->name, 4);
    write_ext(&w, app->data, app->data_len);
    return build_finish(&w, buf, app->subtype, RTP_RTCP_PT_APP, written);
}

/* ---- Dispatch ---------------------------------------------------------- */

/* Adapters from the typed parsers to one signature, so the table can hold
 * them; each fills its member of the message union. */
#define RTCP_ADAPTER(name)                                                                \
    static rtp_err_t parse_into_##name(const rtp_rtcp_packet_t *pkt, rtp_rtcp_msg_t *msg) \
    {                                                                                     \
        return rtp_rtcp_parse_##name(pkt, &msg->u.name);                                  \
    }
RTCP_ADAPTER(sr)
RTCP_ADAPTER(rr)
RTCP_ADAPTER(sdes)
RTCP_ADAPTER(bye)
RTCP_ADAPTER(app)
RTCP_ADAPTER(nack)
RTCP_ADAPTER(twcc)
RTCP_ADAPTER(pli)
RTCP_ADAPTER(fir)
RTCP_ADAPTER(remb)
#undef RTCP_ADAPTER

#define ANY_FMT 0xFF

/* One row per packet kind: which (PT, FMT) it is, its name and how to
 * parse it. The FMT column is ANY_FMT where the 5-bit field is a count, not
 * a type. */
static const struct rtcp_handler {
    uint8_t pt;
    uint8_t fmt;
    rtp_rtcp_kind_t kind;
    const char *name;
    rtp_err_t (*parse)(const rtp_rtcp_packet_t *pkt, rtp_rtcp_msg_t *msg);
} rtcp_handlers[] = {
    { RTP_RTCP_PT_SR, ANY_FMT, RTP_RTCP_KIND_SR, "SR", parse_into_sr },
    { RTP_RTCP_PT_RR, ANY_FMT, RTP_RTCP_KIND_RR, "RR", parse_into_rr },
    { RTP_RTCP_PT_SDES, ANY_FMT, RTP_RTCP_KIND_SDES, "SDES", parse_into_sdes },
    { RTP_RTCP_PT_BYE, ANY_FMT, RTP_RTCP_KIND_BYE, "BYE", parse_into_bye },
    { RTP_RTCP_PT_APP, ANY_FMT, RTP_RTCP_KIND_APP, "APP", parse_into_app },
    { RTP_RTCP_PT_RTPFB, RTP_RTCP_FMT_NACK, RTP_RTCP_KIND_NACK, "NACK", parse_into_nack },
    { RTP_RTCP_PT_RTPFB, RTP_RTCP_FMT_TWCC, RTP_RTCP_KIND_TWCC, "TWCC", parse_into_twcc },
    { RTP_RTCP_PT_PSFB, RTP_RTCP_FMT_PLI, RTP_RTCP_KIND_PLI, "PLI", parse_into_pli },
    { RTP_RTCP_PT_PSFB, RTP_RTCP_FMT_FIR, RTP_RTCP_KIND_FIR, "FIR", parse_into_fir },
    { RTP_RTCP_PT_PSFB, RTP_RTCP_FMT_AFB, RTP_RTCP_KIND_REMB, "REMB", parse_into_remb },
};
#define N_HANDLERS (sizeof rtcp_handlers / sizeof rtcp_handlers[0])

static const struct rtcp_handler *find_handler(uint8_t pt, uint8_t count)
{
    for (size_t i = 0; i < N_HANDLERS; i++) {
        const struct rtcp_handler *h = &rtcp_handlers[i];
        if (h->pt == pt && (h->fmt == ANY_FMT || h->fmt == count))
            return h;
    }
    return NULL;
}

rtp_rtcp_kind_t rtp_rtcp_kind_of(uint8_t pt, uint8_t count)
{
    const struct rtcp_handler *h = find_handler(pt, count);
    return h ? h->kind : RTP_RTCP_KIND_UNKNOWN;
}

const char *rtp_rtcp_kind_name(rtp_rtcp_kind_t kind)
{
    if (kind == RTP_RTCP_KIND_UNKNOWN)
        return "unknown";
    for (size_t i = 0; i < N_HANDLERS; i++) {
        if (rtcp_handlers[i].kind == kind)
            return rtcp_handlers[i].name;
    }
    return "invalid";
}

rtp_err_t rtp_rtcp_parse(const rtp_rtcp_packet_t *pkt, rtp_rtcp_msg_t *msg)
{
    if (!pkt || !msg)
        return RTP_ERR_INVALID_ARG;
    msg->kind = RTP_RTCP_KIND_UNKNOWN;
    const struct rtcp_handler *h = find_handler(pkt->pt, pkt->count);
    if (!h)
        return RTP_ERR_UNSUPPORTED;
    rtp_err_t err = h->parse(pkt, msg);
    if (err == RTP_OK)
        msg->kind = h->kind;
    return err;
}
