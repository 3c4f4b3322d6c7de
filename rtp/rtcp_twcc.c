/* Transport-wide congestion control feedback: RTPFB FMT 15 as defined in
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1. A packet
 * carries a base sequence number, a status count, a 24-bit signed reference
 * time (64 ms units) and a feedback counter, then 16-bit packet status
 * chunks (run length, section 3.1.3, or status vector with 1- or 2-bit
 * symbols, section 3.1.4), then one receive delta per received packet
 * (section 3.1.5: 8-bit unsigned or 16-bit signed, 250 us units), then zero
 * padding to 32 bits.
 *
 * Where the draft contradicts itself this file follows its examples and
 * deployed implementations: the 1-bit vector symbol 1 means "received,
 * small delta" (the prose of 3.1.4 swaps 0 and 1), and symbol 11, listed as
 * reserved, is read as "received without delta" as in the examples. */
#include "rtp/bytes.h"
#include "rtp/rtp_rtcp.h"

#define TWCC_FIXED_SIZE  8 /* base seq, status count, reference time, count */
#define TICKS_PER_REF    (RTP_RTCP_TWCC_REF_TIME_US / RTP_RTCP_TWCC_DELTA_US)
#define SMALL_DELTA_MAX  255
#define VECTOR_1BIT_SYMS 14
#define VECTOR_2BIT_SYMS 7

/* ---- Reading chunks ---------------------------------------------------- */

/* Number of symbols a chunk holds: its run length, or 14 / 7. */
static unsigned chunk_symbols(unsigned chunk)
{
    if (!(chunk & 0x8000))
        return chunk & 0x1FFFu;
    return (chunk & 0x4000) ? VECTOR_2BIT_SYMS : VECTOR_1BIT_SYMS;
}

/* The k-th symbol of a chunk, k below chunk_symbols(chunk). */
static uint8_t chunk_symbol(unsigned chunk, unsigned k)
{
    if (!(chunk & 0x8000))
        return (uint8_t)(chunk >> 13 & 3u);
    if (!(chunk & 0x4000))
        return (uint8_t)(chunk >> (13 - k) & 1u);
    return (uint8_t)(chunk >> (12 - 2 * k) & 3u);
}

/* Hands out the status symbols of a chunk list one at a time. */
typedef struct chunk_reader {
    rtp__cursor_t c;
    uint16_t chunk;
    unsigned taken; /* symbols already taken from chunk */
    unsigned left;  /* symbols still in chunk */
} chunk_reader_t;

/* False when the chunk list ends before another symbol. */
static bool chunk_next_symbol(chunk_reader_t *r, uint8_t *symbol)
{
    while (r->left == 0) {
        r->chunk = rtp__get16(&r->c);
        if (r->c.bad)
            return false;
        r->taken = 0;
        r->left = chunk_symbols(r->chunk);
    }
    *symbol = chunk_symbol(r->chunk, r->taken);
    r->taken++;
    r->left--;
    return true;
}

static size_t delta_size(uint8_t symbol)
{
    return symbol == RTP_RTCP_TWCC_SMALL_DELTA ? 1 : symbol == RTP_RTCP_TWCC_LARGE_DELTA ? 2 : 0;
}

rtp_err_t rtp_rtcp_parse_twcc(const rtp_rtcp_packet_t *pkt, rtp_rtcp_twcc_t *twcc)
{
    if (!pkt || !twcc || pkt->pt != RTP_RTCP_PT_RTPFB || pkt->count != RTP_RTCP_FMT_TWCC)
        return RTP_ERR_INVALID_ARG;
    rtp_rtcp_fb_t fb;
    rtp_err_t err = rtp_rtcp_parse_fb(pkt, &fb);
    if (err != RTP_OK)
        return err;
    rtp__cursor_t c = rtp__cursor(fb.fci, fb.fci_len);
    uint16_t base_seq = rtp__get16(&c);
    uint16_t status_count = rtp__get16(&c);
    uint32_t reference_time = rtp__get24(&c);
    uint8_t fb_pkt_count = rtp__get8(&c);
    if (c.bad || status_count == 0)
        return RTP_ERR_MALFORMED;

    /* Count the deltas the statuses need, a whole run at a time. */
    rtp__cursor_t chunks = c;
    size_t n_deltas = 0, deltas_len = 0;
    for (unsigned remaining = status_count; remaining > 0;) {
        unsigned chunk = rtp__get16(&chunks);
        if (chunks.bad)
            return RTP_ERR_MALFORMED;
        unsigned n = chunk_symbols(chunk);
        n = n < remaining ? n : remaining;
        remaining -= n;
        if (!(chunk & 0x8000)) {
            size_t size = delta_size(chunk_symbol(chunk, 0));
            n_deltas += size ? n : 0;
            deltas_len += size * n;
            continue;
        }
        for (unsigned k = 0; k < n; k++) {
            size_t size = delta_size(chunk_symbol(chunk, k));
            n_deltas += size ? 1 : 0;
            deltas_len += size;
        }
    }
    if (rtp__left(&chunks) < deltas_len)
        return RTP_ERR_MALFORMED;

    twcc->sender_ssrc = fb.sender_ssrc;
    twcc->media_ssrc = fb.media_ssrc;
    twcc->base_seq = base_seq;
    twcc->status_count = status_count;
    twcc->reference_time = (int32_t)(reference_time ^ 0x800000u) - 0x800000;
    twcc->fb_pkt_count = fb_pkt_count;
    twcc->n_deltas = n_deltas;
    twcc->chunks = c.pos;
    twcc->chunks_len = (size_t)(chunks.pos - c.pos);
    twcc->deltas = chunks.pos;
    twcc->deltas_len = deltas_len;
    return RTP_OK;
}

rtp_err_t rtp_rtcp_twcc_entries(const rtp_rtcp_twcc_t *twcc, rtp_rtcp_twcc_entry_t *entries,
                                size_t cap, size_t *n_entries)
{
    if (!twcc || !n_entries || (!entries && cap > 0) || !twcc->chunks || !twcc->deltas)
        return RTP_ERR_INVALID_ARG;
    *n_entries = 0;
    chunk_reader_t r = { rtp__cursor(twcc->chunks, twcc->chunks_len), 0, 0, 0 };
    rtp__cursor_t deltas = rtp__cursor(twcc->deltas, twcc->deltas_len);
    int64_t ticks = (int64_t)twcc->reference_time * TICKS_PER_REF;
    size_t n = 0;
    for (unsigned i = 0; i < twcc->status_count; i++) {
        uint8_t symbol;
        if (!chunk_next_symbol(&r, &symbol))
            return RTP_ERR_MALFORMED;
        int32_t delta = 0;
        if (symbol == RTP_RTCP_TWCC_SMALL_DELTA)
            delta = rtp__get8(&deltas);
        else if (symbol == RTP_RTCP_TWCC_LARGE_DELTA)
            delta = (int16_t)rtp__get16(&deltas);
        if (deltas.bad)
            return RTP_ERR_MALFORMED;
        if (n == cap) {
            *n_entries = n;
            return RTP_ERR_NO_SPACE;
        }
        rtp_rtcp_twcc_entry_t *e = &entries[n++];
        e->seq = (uint16_t)(twcc->base_seq + i);
        e->status = (rtp_rtcp_twcc_status_t)symbol;
        e->delta_us = 0;
        e->arrival_us = 0;
        if (delta_size(symbol)) {
            ticks += delta;
            e->delta_us = delta * RTP_RTCP_TWCC_DELTA_US;
            e->arrival_us = ticks * RTP_RTCP_TWCC_DELTA_US;
        }
        *n_entries = n;
    }
    return RTP_OK;
}

/* ---- Building ---------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Walks the statuses in order, filling the gaps between listed packets with
 * "not received" and working out each delta in 250 us ticks. Copied by
 * value to look ahead. */
typedef struct status_walk {
    const rtp_rtcp_twcc_packet_t *packets;
    size_t n_packets;
    size_t next_packet;
    uint16_t seq;       /* sequence number of the next status */
    int64_t prev_ticks; /* arrival of the last received packet */
} status_walk_t;

static status_walk_t status_walk(const rtp_rtcp_twcc_params_t *params, int32_t reference_time)
{
    status_walk_t s = {
        .packets = params->packets,
        .n_packets = params->n_packets,
        .next_packet = 0,
        .seq = params->packets[0].seq,
        .prev_ticks = (int64_t)reference_time * TICKS_PER_REF,
    };
    return s;
}

/* The next status symbol; *delta gets its delta in ticks. A delta no symbol
 * can carry yields 0xFF. */
static uint8_t status_next(status_walk_t *s, int64_t *delta)
{
    *delta = 0;
    uint8_t symbol = RTP_RTCP_TWCC_NOT_RECEIVED;
    if (s->next_packet < s->n_packets && s->packets[s->next_packet].seq == s->seq) {
        const rtp_rtcp_twcc_packet_t *p = &s->packets[s->next_packet++];
        if (p->received) {
            int64_t ticks = floor_div(p->arrival_us, RTP_RTCP_TWCC_DELTA_US);
            *delta = ticks - s->prev_ticks;
            s->prev_ticks = ticks;
            if (*delta >= 0 && *delta <= SMALL_DELTA_MAX)
                symbol = RTP_RTCP_TWCC_SMALL_DELTA;
            else if (*delta >= INT16_MIN && *delta <= INT16_MAX)
                symbol = RTP_RTCP_TWCC_LARGE_DELTA;
            else
                symbol = 0xFF;
        }
    }
    s->seq++;
    return symbol;
}

/* Checks the packet list and works out the status count and reference
 * time. */
static rtp_err_t twcc_plan(const rtp_rtcp_twcc_params_t *params, uint16_t *status_count,
                           int32_t *reference_time)
{
    const rtp_rtcp_twcc_packet_t *packets = params->packets;
    uint32_t count = 1;
    for (size_t i = 1; i < params->n_packets; i++) {
        uint16_t step = (uint16_t)(packets[i].seq - packets[i - 1].seq);
        if (step == 0 || step > INT16_MAX)
            return RTP_ERR_INVALID_ARG;
        count += step;
        if (count > UINT16_MAX)
            return RTP_ERR_INVALID_ARG;
    }
    int64_t ref = 0;
    for (size_t i = 0; i < params->n_packets; i++) {
        if (packets[i].received) {
            ref = floor_div(packets[i].arrival_us, RTP_RTCP_TWCC_REF_TIME_US);
            break;
        }
    }
    if (ref < RTP_RTCP_TWCC_REF_TIME_MIN || ref > RTP_RTCP_TWCC_REF_TIME_MAX)
        return RTP_ERR_INVALID_ARG;
    *status_count = (uint16_t)count;
    *reference_time = (int32_t)ref;

    status_walk_t s = status_walk(params, *reference_time);
    for (uint32_t i = 0; i < count; i++) {
        int64_t delta;
        if (status_next(&s, &delta) == 0xFF)
            return RTP_ERR_INVALID_ARG;
    }
    return RTP_OK;
}

/* Writes one chunk for the statuses at s (of which `remaining` are left)
 * and advances s past the statuses it covers. See rtp_rtcp_twcc_params_t
 * for the choice. */
static void write_chunk(rtp__writer_t *w, status_walk_t *s, uint32_t remaining)
{
    int64_t delta;
    status_walk_t peek = *s;
    uint8_t first = status_next(&peek, &delta);
    uint32_t limit = remaining < RTP_RTCP_TWCC_MAX_RUN ? remaining : RTP_RTCP_TWCC_MAX_RUN;
    uint32_t run = 1;
    while (run < limit) {
        status_walk_t next = peek;
        if (status_next(&next, &delta) != first)
            break;
        peek = next;
        run++;
    }

    uint32_t n_1bit = remaining < VECTOR_1BIT_SYMS ? remaining : VECTOR_1BIT_SYMS;
    bool fits_1bit = true;
    uint16_t vector_1bit = 0x8000;
    peek = *s;
    for (uint32_t i = 0; i < n_1bit; i++) {
        uint8_t symbol = status_next(&peek, &delta);
        if (symbol > RTP_RTCP_TWCC_SMALL_DELTA)
            fits_1bit = false;
        vector_1bit |= (uint16_t)((symbol & 1u) << (13 - i));
    }

    uint32_t covered;
    if (run >= VECTOR_1BIT_SYMS || run == remaining || (!fits_1bit && run >= VECTOR_2BIT_SYMS)) {
        rtp__put16(w, (uint16_t)((uint32_t)first << 13 | run));
        covered = run;
    } else if (fits_1bit) {
        rtp__put16(w, vector_1bit);
        covered = n_1bit;
    } else {
        covered = remaining < VECTOR_2BIT_SYMS ? remaining : VECTOR_2BIT_SYMS;
        uint16_t vector_2bit = 0xC000;
        peek = *s;
        for (uint32_t i = 0; i < covered; i++)
            vector_2bit |= (uint16_t)(status_next(&peek, &delta) << (12 - 2 * i));
        rtp__put16(w, vector_2bit);
    }
    for (uint32_t i = 0; i < covered; i++)
        status_next(s, &delta);
}

rtp_err_t rtp_rtcp_build_twcc(uint8_t *buf, size_t cap, const rtp_rtcp_twcc_params_t *params,
                              size_t *written)
{
    if (!buf || !written || !params || !params->packets || params->n_packets == 0)
        return RTP_ERR_INVALID_ARG;
    *written = 0;
    uint16_t status_count;
    int32_t reference_time;
    rtp_err_t err = twcc_plan(params, &status_count, &reference_time);
    if (err != RTP_OK)
        return err;

    rtp__writer_t w = rtp__writer(buf, cap);
    rtp__reserve(&w, RTP_RTCP_HEADER_SIZE);
    rtp__put32(&w, params->sender_ssrc);
    rtp__put32(&w, params->media_ssrc);
    rtp__put16(&w, params->packets[0].seq);
    rtp__put16(&w, status_count);
    rtp__put24(&w, (uint32_t)reference_time & 0xFFFFFFu);
    rtp__put8(&w, params->fb_pkt_count);

    status_walk_t s = status_walk(params, reference_time);
    for (uint32_t done = 0; done < status_count && !w.bad;) {
        uint16_t before = s.seq;
        write_chunk(&w, &s, status_count - done);
        done += (uint16_t)(s.seq - before);
    }

    s = status_walk(params, reference_time);
    for (uint32_t i = 0; i < status_count && !w.bad; i++) {
        int64_t delta;
        uint8_t symbol = status_next(&s, &delta);
        if (symbol == RTP_RTCP_TWCC_SMALL_DELTA)
            rtp__put8(&w, (uint8_t)delta);
        else if (symbol == RTP_RTCP_TWCC_LARGE_DELTA)
            rtp__put16(&w, (uint16_t)(int16_t)delta);
    }
    while (!w.bad && (size_t)(w.pos - buf) % 4 != 0)
        rtp__put8(&w, 0);

    if (w.bad)
        return RTP_ERR_NO_SPACE;
    size_t len = (size_t)(w.pos - buf);
    err = rtp_rtcp_write_header(buf, len, RTP_RTCP_FMT_TWCC, RTP_RTCP_PT_RTPFB);
    if (err == RTP_OK)
        *written = len;
    return err;
}
