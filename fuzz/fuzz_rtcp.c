/* Fuzz target: RTCP (rtp/rtp_rtcp.h). The input is walked twice:
 *  - as a compound datagram, through the iterator and the dispatch table;
 *  - as the body of every packet kind in turn (count from the first byte),
 *    so each typed parser sees arbitrary bodies, not only ones whose header
 *    happened to match.
 * Whatever parses must survive build -> parse with the same values:
 *  - SR, RR, NACK: the rebuilt body is byte-identical;
 *  - SDES, BYE, APP, PLI, FIR, REMB: the same fields and lists;
 *  - NACK: expand -> compress -> build -> parse -> expand gives the same set;
 *  - TWCC: entries -> build -> parse -> entries gives the same sequence
 *    numbers and arrival times (statuses without a time come back as not
 *    received), unless the reference time sits at the edge of its range. */
#include "fuzz.h"

#include "rtp/rtp.h"

#include <string.h>

#define OUT_CAP (RTP_RTCP_MAX_PACKET_SIZE + 64)

static uint8_t out[OUT_CAP];

static rtp_rtcp_packet_t reparse(size_t len)
{
    rtp_rtcp_packet_t pkt;
    FUZZ_ASSERT(rtp_rtcp_packet_parse(out, len, &pkt) == RTP_OK);
    FUZZ_ASSERT(pkt.size == len);
    return pkt;
}

static void check_body_equal(const rtp_rtcp_packet_t *pkt, size_t len)
{
    FUZZ_ASSERT(len - RTP_RTCP_HEADER_SIZE == pkt->body_len);
    FUZZ_ASSERT(memcmp(out + RTP_RTCP_HEADER_SIZE, pkt->body, pkt->body_len) == 0);
}

static bool blocks_equal(const rtp_rtcp_report_block_t *a, const rtp_rtcp_report_block_t *b,
                         uint8_t n)
{
    for (uint8_t i = 0; i < n; i++) {
        if (a[i].ssrc != b[i].ssrc || a[i].fraction_lost != b[i].fraction_lost ||
            a[i].cumulative_lost != b[i].cumulative_lost ||
            a[i].ext_highest_seq != b[i].ext_highest_seq || a[i].jitter != b[i].jitter ||
            a[i].lsr != b[i].lsr || a[i].dlsr != b[i].dlsr)
            return false;
    }
    return true;
}

static void check_sr(const rtp_rtcp_packet_t *pkt, const rtp_rtcp_sr_t *sr)
{
    size_t len;
    rtp_err_t err = rtp_rtcp_build_sr(out, OUT_CAP, sr, &len);
    if (sr->ext_len % 4 != 0) {
        FUZZ_ASSERT(err == RTP_ERR_INVALID_ARG);
        return;
    }
    FUZZ_ASSERT(err == RTP_OK);
    check_body_equal(pkt, len);
    rtp_rtcp_packet_t again = reparse(len);
    rtp_rtcp_sr_t back;
    FUZZ_ASSERT(rtp_rtcp_parse_sr(&again, &back) == RTP_OK);
    FUZZ_ASSERT(back.ssrc == sr->ssrc && back.info.ntp == sr->info.ntp);
    FUZZ_ASSERT(back.n_blocks == sr->n_blocks);
    FUZZ_ASSERT(blocks_equal(back.blocks, sr->blocks, sr->n_blocks));
}

static void check_rr(const rtp_rtcp_packet_t *pkt, const rtp_rtcp_rr_t *rr)
{
    size_t len;
    rtp_err_t err = rtp_rtcp_build_rr(out, OUT_CAP, rr, &len);
    if (rr->ext_len % 4 != 0) {
        FUZZ_ASSERT(err == RTP_ERR_INVALID_ARG);
        return;
    }
    FUZZ_ASSERT(err == RTP_OK);
    check_body_equal(pkt, len);
    rtp_rtcp_packet_t again = reparse(len);
    rtp_rtcp_rr_t back;
    FUZZ_ASSERT(rtp_rtcp_parse_rr(&again, &back) == RTP_OK);
    FUZZ_ASSERT(back.n_blocks == rr->n_blocks);
    FUZZ_ASSERT(blocks_equal(back.blocks, rr->blocks, rr->n_blocks));
}

#define MAX_SDES_ITEMS (RTP_RTCP_MAX_PACKET_SIZE / 2)
static rtp_rtcp_sdes_item_t sdes_items[MAX_SDES_ITEMS];

static size_t list_sdes(const rtp_rtcp_sdes_t *sdes)
{
    rtp_rtcp_sdes_iter_t it;
    rtp_rtcp_sdes_iter_init(&it, sdes);
    size_t n = 0;
    rtp_err_t err;
    while ((err = rtp_rtcp_sdes_next(&it, &sdes_items[n])) == RTP_OK) {
        FUZZ_ASSERT(sdes_items[n].type != RTP_RTCP_SDES_END);
        n++;
        FUZZ_ASSERT(n < MAX_SDES_ITEMS);
    }
    FUZZ_ASSERT(err == RTP_ERR_END);
    return n;
}

static void check_sdes(const rtp_rtcp_sdes_t *sdes)
{
    size_t n = list_sdes(sdes);
    /* One chunk per run of items with the same SSRC; chunks without items
     * are not rebuilt, so the groups never outnumber the original chunks. */
    rtp_rtcp_sdes_chunk_t chunks[RTP_RTCP_MAX_COUNT];
    size_t n_chunks = 0;
    for (size_t i = 0; i < n; i++) {
        if (n_chunks == 0 || chunks[n_chunks - 1].ssrc != sdes_items[i].ssrc) {
            FUZZ_ASSERT(n_chunks < RTP_RTCP_MAX_COUNT);
            chunks[n_chunks++] = (rtp_rtcp_sdes_chunk_t){ sdes_items[i].ssrc, &sdes_items[i], 0 };
        }
        chunks[n_chunks - 1].n_items++;
    }
    size_t len;
    FUZZ_ASSERT(rtp_rtcp_build_sdes(out, OUT_CAP, chunks, n_chunks, &len) == RTP_OK);
    rtp_rtcp_packet_t again = reparse(len);
    rtp_rtcp_sdes_t back;
    FUZZ_ASSERT(rtp_rtcp_parse_sdes(&again, &back) == RTP_OK);
    rtp_rtcp_sdes_iter_t it;
    rtp_rtcp_sdes_iter_init(&it, &back);
    for (size_t i = 0; i < n; i++) {
        rtp_rtcp_sdes_item_t item;
        FUZZ_ASSERT(rtp_rtcp_sdes_next(&it, &item) == RTP_OK);
        FUZZ_ASSERT(item.ssrc == sdes_items[i].ssrc && item.type == sdes_items[i].type);
        FUZZ_ASSERT(item.length == sdes_items[i].length);
        FUZZ_ASSERT(memcmp(item.text, sdes_items[i].text, item.length) == 0);
    }
}

static void check_bye(const rtp_rtcp_bye_t *bye)
{
    size_t len;
    FUZZ_ASSERT(rtp_rtcp_build_bye(out, OUT_CAP, bye, &len) == RTP_OK);
    rtp_rtcp_packet_t again = reparse(len);
    rtp_rtcp_bye_t back;
    FUZZ_ASSERT(rtp_rtcp_parse_bye(&again, &back) == RTP_OK);
    FUZZ_ASSERT(back.n_ssrcs == bye->n_ssrcs);
    FUZZ_ASSERT(memcmp(back.ssrcs, bye->ssrcs, bye->n_ssrcs * sizeof bye->ssrcs[0]) == 0);
    FUZZ_ASSERT((back.reason == NULL) == (bye->reason == NULL));
    FUZZ_ASSERT(back.reason_len == bye->reason_len);
    if (bye->reason_len)
        FUZZ_ASSERT(memcmp(back.reason, bye->reason, bye->reason_len) == 0);
}

static void check_app(const rtp_rtcp_app_t *app)
{
    size_t len;
    rtp_err_t err = rtp_rtcp_build_app(out, OUT_CAP, app, &len);
    if (app->data_len % 4 != 0) {
        FUZZ_ASSERT(err == RTP_ERR_INVALID_ARG);
        return;
    }
    FUZZ_ASSERT(err == RTP_OK);
    rtp_rtcp_packet_t again = reparse(len);
    rtp_rtcp_app_t back;
    FUZZ_ASSERT(rtp_rtcp_parse_app(&again, &back) == RTP_OK);
    FUZZ_ASSERT(back.subtype == app->subtype && back.ssrc == app->ssrc);
    FUZZ_ASSERT(memcmp(back.name, app->name, 4) == 0 && back.data_len == app->data_len);
    if (app->data_len)
        FUZZ_ASSERT(memcmp(back.data, app->data, app->data_len) == 0);
}

/* ---- NACK -------------------------------------------------------------- */

#define MAX_NACK_ITEMS (RTP_RTCP_MAX_PACKET_SIZE / 4)
static rtp_rtcp_nack_item_t nack_items[MAX_NACK_ITEMS];
static uint16_t nack_seqs[MAX_NACK_ITEMS * 17];
static uint16_t nack_seqs2[MAX_NACK_ITEMS * 17];
static uint8_t seq_marks[65536];

static void check_nack(const rtp_rtcp_packet_t *pkt, const rtp_rtcp_nack_t *nack)
{
    /* Items -> build is byte-exact. */
    for (size_t i = 0; i < nack->n_items; i++)
        nack_items[i] = rtp_rtcp_nack_item_at(nack, i);
    rtp_rtcp_nack_params_t params = { nack->sender_ssrc, nack->media_ssrc, nack_items,
                                      nack->n_items };
    size_t len;
    FUZZ_ASSERT(rtp_rtcp_build_nack(out, OUT_CAP, &params, &len) == RTP_OK);
    check_body_equal(pkt, len);

    /* expand -> compress -> build -> parse -> expand keeps the set. */
    size_t n_seqs, n_items, n_back;
    FUZZ_ASSERT(rtp_rtcp_nack_expand(nack, nack_seqs, MAX_NACK_ITEMS * 17, &n_seqs) == RTP_OK);
    FUZZ_ASSERT(n_seqs >= nack->n_items);
    FUZZ_ASSERT(rtp_rtcp_nack_compress(nack_seqs, n_seqs, nack_items, MAX_NACK_ITEMS, &n_items) ==
                RTP_OK);
    FUZZ_ASSERT(n_items >= 1 && n_items <= n_seqs);
    /* Greedy on a circle may need one item more than the packet held. */
    if (n_items > (RTP_RTCP_MAX_PACKET_SIZE - 12) / 4)
        return;
    params.n_items = n_items;
    FUZZ_ASSERT(rtp_rtcp_build_nack(out, OUT_CAP, &params, &len) == RTP_OK);
    rtp_rtcp_packet_t again = reparse(len);
    rtp_rtcp_nack_t back;
    FUZZ_ASSERT(rtp_rtcp_parse_nack(&again, &back) == RTP_OK);
    FUZZ_ASSERT(rtp_rtcp_nack_expand(&back, nack_seqs2, MAX_NACK_ITEMS * 17, &n_back) == RTP_OK);

    memset(seq_marks, 0, sizeof seq_marks);
    size_t distinct = 0;
    for (size_t i = 0; i < n_seqs; i++) {
        if (seq_marks[nack_seqs[i]] == 0)
            distinct++;
        seq_marks[nack_seqs[i]] = 1;
    }
    /* Compressed output never repeats a number. */
    FUZZ_ASSERT(n_back == distinct);
    for (size_t i = 0; i < n_back; i++) {
        FUZZ_ASSERT(seq_marks[nack_seqs2[i]] == 1);
        seq_marks[nack_seqs2[i]] = 2;
    }
}

/* ---- TWCC -------------------------------------------------------------- */

static rtp_rtcp_twcc_entry_t twcc_entries[65536];
static rtp_rtcp_twcc_entry_t twcc_entries2[65536];
static rtp_rtcp_twcc_packet_t twcc_packets[65536];

static bool has_time(rtp_rtcp_twcc_status_t status)
{
    return status == RTP_RTCP_TWCC_SMALL_DELTA || status == RTP_RTCP_TWCC_LARGE_DELTA;
}

/* The round trip costs O(status_count), up to 65535 per input, which held
 * the whole target to a few hundred executions a second. Random inputs
 * reach huge counts through a single run-length chunk, so only feedback
 * for up to ROUND_TRIP_MAX packets is expanded and rebuilt; the parser's
 * own validation still runs on every input, and the unit tests cover runs
 * longer than 8191. */
#define ROUND_TRIP_MAX 2048

static void check_twcc(const rtp_rtcp_twcc_t *twcc)
{
    size_t n, n2, len;
    if (twcc->status_count > ROUND_TRIP_MAX)
        return;
    FUZZ_ASSERT(rtp_rtcp_twcc_entries(twcc, twcc_entries, 65536, &n) == RTP_OK);
    FUZZ_ASSERT(n == twcc->status_count);
    size_t n_timed = 0;
    for (size_t i = 0; i < n; i++) {
        FUZZ_ASSERT(twcc_entries[i].seq == (uint16_t)(twcc->base_seq + i));
        twcc_packets[i].seq = twcc_entries[i].seq;
        twcc_packets[i].received = has_time(twcc_entries[i].status);
        twcc_packets[i].arrival_us = twcc_entries[i].arrival_us;
        if (twcc_packets[i].received)
            n_timed++;
    }
    FUZZ_ASSERT(n_timed == twcc->n_deltas);
    rtp_rtcp_twcc_params_t params = { twcc->sender_ssrc, twcc->media_ssrc, twcc->fb_pkt_count,
                                      twcc_packets, n };
    rtp_err_t err = rtp_rtcp_build_twcc(out, OUT_CAP, &params, &len);
    if (err == RTP_ERR_INVALID_ARG) {
        /* Only a reference time within one large delta of its limits may
         * move out of range when re-derived from the first arrival. */
        FUZZ_ASSERT(twcc->reference_time < RTP_RTCP_TWCC_REF_TIME_MIN + 130 ||
                    twcc->reference_time > RTP_RTCP_TWCC_REF_TIME_MAX - 130);
        return;
    }
    FUZZ_ASSERT(err == RTP_OK);
    rtp_rtcp_packet_t again = reparse(len);
    rtp_rtcp_twcc_t back;
    FUZZ_ASSERT(rtp_rtcp_parse_twcc(&again, &back) == RTP_OK);
    FUZZ_ASSERT(back.base_seq == twcc->base_seq && back.status_count == twcc->status_count);
    FUZZ_ASSERT(back.fb_pkt_count == twcc->fb_pkt_count);
    FUZZ_ASSERT(rtp_rtcp_twcc_entries(&back, twcc_entries2, 65536, &n2) == RTP_OK);
    FUZZ_ASSERT(n2 == n);
    for (size_t i = 0; i < n; i++) {
        FUZZ_ASSERT(twcc_entries2[i].seq == twcc_entries[i].seq);
        FUZZ_ASSERT(has_time(twcc_entries2[i].status) == has_time(twcc_entries[i].status));
        if (has_time(twcc_entries[i].status))
            FUZZ_ASSERT(twcc_entries2[i].arrival_us == twcc_entries[i].arrival_us);
        else
            FUZZ_ASSERT(twcc_entries2[i].status == RTP_RTCP_TWCC_NOT_RECEIVED);
    }
}

/* ---- PLI, FIR, REMB ---------------------------------------------------- */

static void check_pli(const rtp_rtcp_pli_t *pli)
{
    size_t len;
    FUZZ_ASSERT(rtp_rtcp_build_pli(out, OUT_CAP, pli, &len) == RTP_OK && len == 12);
    rtp_rtcp_packet_t again = reparse(len);
    rtp_rtcp_pli_t back;
    FUZZ_ASSERT(rtp_rtcp_parse_pli(&again, &back) == RTP_OK);
    FUZZ_ASSERT(back.sender_ssrc == pli->sender_ssrc && back.media_ssrc == pli->media_ssrc);
}

static rtp_rtcp_fir_entry_t fir_entries[RTP_RTCP_MAX_PACKET_SIZE / 8];

static void check_fir(const rtp_rtcp_fir_t *fir)
{
    for (size_t i = 0; i < fir->n_entries; i++)
        fir_entries[i] = rtp_rtcp_fir_entry_at(fir, i);
    rtp_rtcp_fir_params_t params = { fir->sender_ssrc, fir_entries, fir->n_entries };
    size_t len;
    FUZZ_ASSERT(rtp_rtcp_build_fir(out, OUT_CAP, &params, &len) == RTP_OK);
    rtp_rtcp_packet_t again = reparse(len);
    rtp_rtcp_fir_t back;
    FUZZ_ASSERT(rtp_rtcp_parse_fir(&again, &back) == RTP_OK);
    FUZZ_ASSERT(back.n_entries == fir->n_entries && back.media_ssrc == 0);
    for (size_t i = 0; i < fir->n_entries; i++) {
        rtp_rtcp_fir_entry_t e = rtp_rtcp_fir_entry_at(&back, i);
        FUZZ_ASSERT(e.ssrc == fir_entries[i].ssrc && e.seq_nr == fir_entries[i].seq_nr);
    }
}

static void check_remb(const rtp_rtcp_remb_t *remb)
{
    uint32_t ssrcs[256];
    for (size_t i = 0; i < remb->n_ssrcs; i++)
        ssrcs[i] = rtp_rtcp_remb_ssrc_at(remb, i);
    rtp_rtcp_remb_params_t params = { remb->sender_ssrc, remb->bitrate_bps, ssrcs, remb->n_ssrcs };
    size_t len;
    FUZZ_ASSERT(rtp_rtcp_build_remb(out, OUT_CAP, &params, &len) == RTP_OK);
    rtp_rtcp_packet_t again = reparse(len);
    rtp_rtcp_remb_t back;
    FUZZ_ASSERT(rtp_rtcp_parse_remb(&again, &back) == RTP_OK);
    FUZZ_ASSERT(back.bitrate_bps == remb->bitrate_bps && back.n_ssrcs == remb->n_ssrcs);
    for (size_t i = 0; i < remb->n_ssrcs; i++)
        FUZZ_ASSERT(rtp_rtcp_remb_ssrc_at(&back, i) == ssrcs[i]);
}

/* ---- Driver ------------------------------------------------------------ */

static void check_packet(const rtp_rtcp_packet_t *pkt)
{
    static rtp_rtcp_msg_t msg;
    rtp_err_t err = rtp_rtcp_parse(pkt, &msg);
    rtp_rtcp_kind_t table_kind = rtp_rtcp_kind_of(pkt->pt, pkt->count);
    if (err != RTP_OK) {
        FUZZ_ASSERT(msg.kind == RTP_RTCP_KIND_UNKNOWN);
        FUZZ_ASSERT(err != RTP_ERR_UNSUPPORTED || table_kind == RTP_RTCP_KIND_UNKNOWN ||
                    table_kind == RTP_RTCP_KIND_REMB);
        return;
    }
    FUZZ_ASSERT(msg.kind == table_kind);
    switch (msg.kind) {
    case RTP_RTCP_KIND_SR:
        check_sr(pkt, &msg.u.sr);
        break;
    case RTP_RTCP_KIND_RR:
        check_rr(pkt, &msg.u.rr);
        break;
    case RTP_RTCP_KIND_SDES:
        check_sdes(&msg.u.sdes);
        break;
    case RTP_RTCP_KIND_BYE:
        check_bye(&msg.u.bye);
        break;
    case RTP_RTCP_KIND_APP:
        check_app(&msg.u.app);
        break;
    case RTP_RTCP_KIND_NACK:
        check_nack(pkt, &msg.u.nack);
        break;
    case RTP_RTCP_KIND_TWCC:
        check_twcc(&msg.u.twcc);
        break;
    case RTP_RTCP_KIND_PLI:
        check_pli(&msg.u.pli);
        break;
    case RTP_RTCP_KIND_FIR:
        check_fir(&msg.u.fir);
        break;
    case RTP_RTCP_KIND_REMB:
        check_remb(&msg.u.remb);
        break;
    default:
        FUZZ_ASSERT(0);
    }
}

/* (PT, FMT) of each kind; FMT 0xFF means "use the count from the input". */
static const struct {
    uint8_t pt, fmt;
} kinds[] = {
    { RTP_RTCP_PT_SR, 0xFF },
    { RTP_RTCP_PT_RR, 0xFF },
    { RTP_RTCP_PT_SDES, 0xFF },
    { RTP_RTCP_PT_BYE, 0xFF },
    { RTP_RTCP_PT_APP, 0xFF },
    { RTP_RTCP_PT_RTPFB, RTP_RTCP_FMT_NACK },
    { RTP_RTCP_PT_RTPFB, RTP_RTCP_FMT_TWCC },
    { RTP_RTCP_PT_PSFB, RTP_RTCP_FMT_PLI },
    { RTP_RTCP_PT_PSFB, RTP_RTCP_FMT_FIR },
    { RTP_RTCP_PT_PSFB, RTP_RTCP_FMT_AFB },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > RTP_RTCP_MAX_PACKET_SIZE)
        return 0;

    /* As a compound datagram. */
    rtp_rtcp_iter_t it;
    rtp_rtcp_iter_init(&it, data, size);
    rtp_rtcp_packet_t pkt;
    rtp_err_t err;
    size_t walked = 0;
    while ((err = rtp_rtcp_iter_next(&it, &pkt)) == RTP_OK) {
        FUZZ_ASSERT(pkt.data == data + walked && pkt.size % 4 == 0);
        FUZZ_ASSERT(pkt.body_len <= pkt.size - RTP_RTCP_HEADER_SIZE);
        walked += pkt.size;
        check_packet(&pkt);
    }
    FUZZ_ASSERT(walked <= size);
    if (err == RTP_ERR_END)
        FUZZ_ASSERT(walked == size);
    rtp_err_t compound = rtp_rtcp_check_compound(data, size);
    FUZZ_ASSERT(compound != RTP_OK || err == RTP_ERR_END);

    /* As the body of every kind. */
    if (size == 0)
        return 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        rtp_rtcp_packet_t view = {
            .data = data,
            .size = size,
            .padding = false,
            .count = kinds[k].fmt == 0xFF ? (uint8_t)(data[0] & 0x1F) : kinds[k].fmt,
            .pt = kinds[k].pt,
            .body = data + 1,
            .body_len = size - 1,
        };
        check_packet(&view);
    }
    return 0;
}
