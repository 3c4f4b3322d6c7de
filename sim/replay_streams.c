/* sim/replay_streams.c: the RTP stream table of `blindfold replay`.
 *
 * One row per (source, destination, SSRC), found through an open-addressing
 * index. Each packet runs two analyses on its row: Wireshark 4.0's
 * per-stream RTP analysis (what `tshark -z rtp,streams` prints: lost,
 * sequence errors, deltas, RFC 3550 section 6.4.1 jitter), and an RFC 3550
 * appendix A.1/A.3 view on 64-bit sequence numbers for duplicates, reordered
 * packets and RFC 3550's lost count. replay_streams.h states every rule;
 * the comments here say why the code follows it.
 *
 * References: RFC 3550 (5.1, 6.4.1, A.1, A.3), RFC 3551 section 6 (static
 * payload types), and the behaviour of Wireshark 4.0's ui/tap-rtp-
 * analysis.c and ui/tap-rtp-common.c, observed with tshark 4.0.17. */
#include "sim/replay_streams.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STREAMS_BLOCK_ROWS 64
#define STREAMS_MAX_LIMIT  ((size_t)1 << 24)
#define STREAMS_PT_COUNT   128
#define STREAMS_TS_HALF    ((uint64_t)1 << 31)
#define STREAMS_PT_CN      13
#define STREAMS_PT_CN_OLD  19

struct sim__streams {
    size_t max_streams;
    size_t count;
    sim__streams_row_t **blocks; /* STREAMS_BLOCK_ROWS rows each, allocated on demand */
    uint32_t *index;             /* row number + 1; 0 is an empty slot */
    size_t index_mask;
    uint64_t *untracked; /* fingerprints of untracked streams; 0 is empty */
    size_t untracked_mask;
    uint64_t untracked_streams, untracked_packets;
    bool untracked_exact;
    uint64_t malformed;
    bool origin_set;
    int64_t origin_us;
    char codec[STREAMS_PT_COUNT][SIM__STREAMS_CODEC_LEN];
    uint32_t clock_rate[STREAMS_PT_COUNT];
};

/* RFC 3551 section 6, with Wireshark's 8000 Hz for the reserved 1, 2 and 19
 * (formerly 1016, G721 and CN): the same rates as its clock_map. */
static const struct {
    uint8_t pt;
    const char *codec;
    uint32_t clock_rate;
} streams_static_pts[] = {
    { 0, "PCMU", 8000 },   { 1, "", 8000 },       { 2, "", 8000 },       { 3, "GSM", 8000 },
    { 4, "G723", 8000 },   { 5, "DVI4", 8000 },   { 6, "DVI4", 16000 },  { 7, "LPC", 8000 },
    { 8, "PCMA", 8000 },   { 9, "G722", 8000 },   { 10, "L16", 44100 },  { 11, "L16", 44100 },
    { 12, "QCELP", 8000 }, { 13, "CN", 8000 },    { 14, "MPA", 90000 },  { 15, "G728", 8000 },
    { 16, "DVI4", 11025 }, { 17, "DVI4", 22050 }, { 18, "G729", 8000 },  { 19, "", 8000 },
    { 25, "CelB", 90000 }, { 26, "JPEG", 90000 }, { 28, "nv", 90000 },   { 31, "H261", 90000 },
    { 32, "MPV", 90000 },  { 33, "MP2T", 90000 }, { 34, "H263", 90000 },
};

/* Clock rates by encoding name for sim__streams_map_payload() without a
 * rate: Wireshark's mimetype table (less its ambiguous "red"), the static
 * names, and the WebRTC video codecs. telephone-event maps to 0 on
 * purpose: its timestamp stays put for a whole event (RFC 4733 2.2.1). */
static const struct {
    const char *codec;
    uint32_t clock_rate;
} streams_named_rates[] = {
    { "AMR", 8000 },     { "AMR-WB", 16000 },      { "AV1", 90000 },       { "EVRC", 8000 },
    { "EVRCB", 8000 },   { "EVRCWB", 16000 },      { "EVS", 16000 },       { "G722", 8000 },
    { "G7221", 16000 },  { "G726-16", 8000 },      { "G726-24", 8000 },    { "G726-32", 8000 },
    { "G726-40", 8000 }, { "G729", 8000 },         { "G729D", 8000 },      { "G729E", 8000 },
    { "GSM-EFR", 8000 }, { "H263-1998", 90000 },   { "H263-2000", 90000 }, { "H264", 90000 },
    { "H265", 90000 },   { "iLBC", 8000 },         { "MP4V-ES", 90000 },   { "mpa-robust", 90000 },
    { "opus", 48000 },   { "PCMA", 8000 },         { "PCMU", 8000 },       { "raw", 90000 },
    { "t140", 1000 },    { "telephone-event", 0 }, { "VP8", 90000 },       { "VP9", 90000 },
};

sim__streams_config_t sim__streams_config_default(void)
{
    return (sim__streams_config_t){ .max_streams = SIM__STREAMS_MAX_DEFAULT };
}

static size_t streams_pow2_at_least(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

sim__streams_t *sim__streams_create(const sim__streams_config_t *cfg)
{
    sim__streams_config_t c = cfg != NULL ? *cfg : sim__streams_config_default();
    if (c.max_streams == 0 || c.max_streams > STREAMS_MAX_LIMIT)
        return NULL;
    sim__streams_t *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->max_streams = c.max_streams;
    t->untracked_exact = true;
    size_t slots = streams_pow2_at_least(2 * c.max_streams);
    t->index_mask = slots - 1;
    t->untracked_mask = slots - 1;
    t->blocks =
        calloc((c.max_streams + STREAMS_BLOCK_ROWS - 1) / STREAMS_BLOCK_ROWS, sizeof *t->blocks);
    t->index = calloc(slots, sizeof *t->index);
    t->untracked = calloc(slots, sizeof *t->untracked);
    if (t->blocks == NULL || t->index == NULL || t->untracked == NULL)
        goto fail;
    for (size_t i = 0; i < sizeof streams_static_pts / sizeof streams_static_pts[0]; i++) {
        uint8_t pt = streams_static_pts[i].pt;
        strcpy(t->codec[pt], streams_static_pts[i].codec);
        t->clock_rate[pt] = streams_static_pts[i].clock_rate;
    }
    return t;
fail:
    sim__streams_destroy(t);
    return NULL;
}

void sim__streams_destroy(sim__streams_t *table)
{
    if (table == NULL)
        return;
    if (table->blocks != NULL) {
        size_t n_blocks = (table->max_streams + STREAMS_BLOCK_ROWS - 1) / STREAMS_BLOCK_ROWS;
        for (size_t i = 0; i < n_blocks; i++)
            free(table->blocks[i]);
    }
    free(table->blocks);
    free(table->index);
    free(table->untracked);
    free(table);
}

/* --- Payload types ----------------------------------------------------- */

static bool streams_codec_name_ok(const char *codec)
{
    if (codec == NULL || codec[0] == '\0')
        return false;
    size_t n = 0;
    for (const char *c = codec; *c != '\0'; c++, n++) {
        if (n >= SIM__STREAMS_CODEC_LEN - 1 || *c < 0x21 || *c > 0x7e || *c == ',' || *c == '"')
            return false;
    }
    return true;
}

rtp_err_t sim__streams_map_payload(sim__streams_t *table, uint8_t pt, const char *codec,
                                   uint32_t clock_rate)
{
    if (pt >= STREAMS_PT_COUNT || !streams_codec_name_ok(codec))
        return RTP_ERR_INVALID_ARG;
    if (clock_rate == 0) {
        for (size_t i = 0; i < sizeof streams_named_rates / sizeof streams_named_rates[0]; i++) {
            if (strcasecmp(codec, streams_named_rates[i].codec) == 0) {
                clock_rate = streams_named_rates[i].clock_rate;
                break;
            }
        }
    } else if (strcasecmp(codec, "telephone-event") == 0) {
        clock_rate = 0; /* as Wireshark: no jitter from frozen timestamps */
    }
    strcpy(table->codec[pt], codec);
    table->clock_rate[pt] = clock_rate;
    return RTP_OK;
}

const char *sim__streams_codec(const sim__streams_t *table, uint8_t pt)
{
    return pt < STREAMS_PT_COUNT ? table->codec[pt] : "";
}

uint32_t sim__streams_clock_rate(const sim__streams_t *table, uint8_t pt)
{
    return pt < STREAMS_PT_COUNT ? table->clock_rate[pt] : 0;
}

void sim__streams_set_origin(sim__streams_t *table, int64_t capture_us)
{
    table->origin_set = true;
    table->origin_us = capture_us;
}

/* --- The index ---------------------------------------------------------- */

static bool streams_endpoint_normalize(const sim__streams_endpoint_t *in,
                                       sim__streams_endpoint_t *out)
{
    memset(out, 0, sizeof *out);
    if (in->family != 4 && in->family != 6)
        return false;
    out->family = in->family;
    memcpy(out->addr, in->addr, in->family == 4 ? 4 : 16);
    out->port = in->port;
    return true;
}

static bool streams_endpoint_equal(const sim__streams_endpoint_t *a,
                                   const sim__streams_endpoint_t *b)
{
    return a->family == b->family && a->port == b->port &&
           memcmp(a->addr, b->addr, sizeof a->addr) == 0;
}

static uint64_t streams_fnv(uint64_t h, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ bytes[i]) * 0x100000001b3u;
    return h;
}

/* FNV-1a over the normalized key, field by field (never the padding). */
static uint64_t streams_hash(const sim__streams_endpoint_t *src, const sim__streams_endpoint_t *dst,
                             uint32_t ssrc)
{
    uint64_t h = 0xcbf29ce484222325u;
    const sim__streams_endpoint_t *eps[2] = { src, dst };
    for (int i = 0; i < 2; i++) {
        uint8_t head[3] = { eps[i]->family, (uint8_t)(eps[i]->port >> 8), (uint8_t)eps[i]->port };
        h = streams_fnv(h, head, sizeof head);
        h = streams_fnv(h, eps[i]->addr, sizeof eps[i]->addr);
    }
    uint8_t s[4] = { (uint8_t)(ssrc >> 24), (uint8_t)(ssrc >> 16), (uint8_t)(ssrc >> 8),
                     (uint8_t)ssrc };
    return streams_fnv(h, s, sizeof s);
}

sim__streams_row_t *sim__streams_row(const sim__streams_t *table, size_t i)
{
    if (i >= table->count)
        return NULL;
    return &table->blocks[i / STREAMS_BLOCK_ROWS][i % STREAMS_BLOCK_ROWS];
}

size_t sim__streams_count(const sim__streams_t *table)
{
    return table->count;
}

/* The slot holding the key's row, or the empty slot where it would go. */
static size_t streams_probe(const sim__streams_t *t, const sim__streams_endpoint_t *src,
                            const sim__streams_endpoint_t *dst, uint32_t ssrc, uint64_t hash)
{
    size_t slot = (size_t)hash & t->index_mask;
    for (;;) {
        uint32_t ref = t->index[slot];
        if (ref == 0)
            return slot;
        const sim__streams_row_t *row = sim__streams_row(t, ref - 1);
        if (row->hash == hash && row->ssrc == ssrc && streams_endpoint_equal(&row->src, src) &&
            streams_endpoint_equal(&row->dst, dst))
            return slot;
        slot = (slot + 1) & t->index_mask;
    }
}

sim__streams_row_t *sim__streams_find(const sim__streams_t *table,
                                      const sim__streams_endpoint_t *src,
                                      const sim__streams_endpoint_t *dst, uint32_t ssrc)
{
    sim__streams_endpoint_t s, d;
    if (!streams_endpoint_normalize(src, &s) || !streams_endpoint_normalize(dst, &d))
        return NULL;
    uint32_t ref = table->index[streams_probe(table, &s, &d, ssrc, streams_hash(&s, &d, ssrc))];
    return ref == 0 ? NULL : sim__streams_row(table, ref - 1);
}

/* Remembers an untracked stream by its 64-bit fingerprint while the set is
 * at most half full; after that the count is a lower bound. */
static void streams_note_untracked(sim__streams_t *t, uint64_t hash)
{
    t->untracked_packets++;
    if (!t->untracked_exact)
        return;
    uint64_t fp = hash != 0 ? hash : 1;
    size_t slot = (size_t)fp & t->untracked_mask;
    while (t->untracked[slot] != 0) {
        if (t->untracked[slot] == fp)
            return;
        slot = (slot + 1) & t->untracked_mask;
    }
    if (t->untracked_streams == t->max_streams) {
        t->untracked_exact = false;
        return;
    }
    t->untracked[slot] = fp;
    t->untracked_streams++;
}

static sim__streams_row_t *streams_new_row(sim__streams_t *t, size_t slot,
                                           const sim__streams_endpoint_t *src,
                                           const sim__streams_endpoint_t *dst, uint32_t ssrc,
                                           uint64_t hash)
{
    size_t block = t->count / STREAMS_BLOCK_ROWS;
    if (t->blocks[block] == NULL) {
        t->blocks[block] = calloc(STREAMS_BLOCK_ROWS, sizeof *t->blocks[block]);
        if (t->blocks[block] == NULL)
            return NULL;
    }
    sim__streams_row_t *row = &t->blocks[block][t->count % STREAMS_BLOCK_ROWS];
    memset(row, 0, sizeof *row);
    row->src = *src;
    row->dst = *dst;
    row->ssrc = ssrc;
    row->hash = hash;
    row->index = t->count;
    row->replay.srtp = SIM__STREAMS_SRTP_PLAIN;
    t->index[slot] = (uint32_t)(t->count + 1);
    t->count++;
    return row;
}

/* --- The analyses ------------------------------------------------------- */

/* Wireshark 4.0's time order: a packet is in time unless its RTP timestamp
 * lies before the first packet's, "before" meaning more than half the
 * 32-bit range ahead (the boundary as Wireshark draws it). */
static bool streams_in_time(uint32_t first_ts, uint32_t ts)
{
    if (first_ts <= ts)
        return (int64_t)ts - (int64_t)first_ts < (int64_t)STREAMS_TS_HALF;
    return ((int64_t)0xFFFFFFFF - (int64_t)first_ts) + (int64_t)ts < (int64_t)STREAMS_TS_HALF;
}

static bool streams_seen_get(const sim__streams_analysis_t *a, int64_t ext)
{
    uint64_t bit = (uint64_t)ext & (SIM__STREAMS_SEQ_WINDOW - 1);
    return ((unsigned)a->seen[bit / 8] >> (bit % 8)) & 1u;
}

static void streams_seen_set(sim__streams_analysis_t *a, int64_t ext, bool on)
{
    uint64_t bit = (uint64_t)ext & (SIM__STREAMS_SEQ_WINDOW - 1);
    uint8_t mask = (uint8_t)(1u << (bit % 8));
    a->seen[bit / 8] =
        on ? (uint8_t)(a->seen[bit / 8] | mask) : (uint8_t)(a->seen[bit / 8] & ~mask);
}

/* RFC 3550 A.1/A.3 view: duplicates and reordered packets within the
 * window below the highest sequence number. */
static void streams_count_extended(sim__streams_row_t *row, uint16_t seq)
{
    sim__streams_analysis_t *a = &row->analysis;
    int64_t ext = rtp_seq_unwrap(&a->unwrap, seq);
    if (row->packets == 0) {
        a->first_ext = a->highest_ext = ext;
    } else if (ext > a->highest_ext) {
        int64_t gap = ext - a->highest_ext;
        if (gap >= SIM__STREAMS_SEQ_WINDOW)
            memset(a->seen, 0, sizeof a->seen);
        else
            for (int64_t n = a->highest_ext + 1; n < ext; n++)
                streams_seen_set(a, n, false);
        a->highest_ext = ext;
    } else if (a->highest_ext - ext >= SIM__STREAMS_SEQ_WINDOW) {
        /* too old to tell; its bit now stands for a newer number */
        row->reordered++;
        return;
    } else if (streams_seen_get(a, ext)) {
        row->duplicates++;
        return;
    } else {
        row->reordered++;
    }
    streams_seen_set(a, ext, true);
}

/* Wireshark's wrap count: lost = expected - received needs the number of
 * times the sequence number went round, which it guesses from where each
 * in-time packet falls against the first sequence number. */
static void streams_count_cycles(sim__streams_analysis_t *a, uint16_t seq, bool in_time)
{
    if (!in_time)
        return;
    if (seq < a->first_seq && !a->cycle_open) {
        a->cycles++;
        a->cycle_open = true;
    } else if (seq == 0 && a->last_seq == 65535 && !a->cycle_open) {
        /* a stream that started at 0 never goes below its first seq */
        a->cycles++;
        a->cycle_open = true;
    } else if (seq > a->first_seq && a->cycle_open) {
        a->cycle_open = false;
    }
}

/* Wireshark's sequence check (see the header): int arithmetic on purpose,
 * so that 65535 + 1 is not 0 and the wrap needs its own test. */
static void streams_check_sequence(sim__streams_row_t *row, uint16_t seq, bool in_time)
{
    sim__streams_analysis_t *a = &row->analysis;
    int cursor = a->seq_cursor;
    int s = seq;
    if (in_time && (cursor + 1 == s || (cursor == 65535 && s == 0))) {
        a->seq_cursor = seq;
    } else if (in_time && (cursor + 1 < s || cursor - s > 0xFF00)) {
        a->seq_cursor = seq;
        row->sequence_errors++;
    } else if (cursor + 1 > s) {
        row->sequence_errors++;
    }
}

static void streams_first_packet(sim__streams_row_t *row, const rtp_header_t *h, double now_ms,
                                 int64_t capture_us)
{
    sim__streams_analysis_t *a = &row->analysis;
    a->first_seq = a->last_seq = a->seq_cursor = h->seq;
    a->first_ts = h->timestamp;
    a->intime_ms = now_ms;
    a->prev_pt = h->payload_type;
    row->payload_type = h->payload_type;
    row->first_us = capture_us;
}

/* Jitter and delta against the last in-time packet. The nominal time is
 * the timestamp's distance from the first one, modulo 2^32, in ms. */
static double streams_timing(const sim__streams_t *t, sim__streams_row_t *row,
                             const rtp_header_t *h, double now_ms)
{
    sim__streams_analysis_t *a = &row->analysis;
    uint32_t khz = t->clock_rate[h->payload_type] / 1000; /* Wireshark's integer quotient */
    if (khz != 0) {
        row->clock_rate = t->clock_rate[h->payload_type];
        double nominal_ms = (double)(uint32_t)(h->timestamp - a->first_ts) / (double)khz;
        double d = fabs(now_ms - (a->intime_ms + (nominal_ms - a->nominal_ms)));
        a->jitter_ms = (15 * a->jitter_ms + d) / 16;
        a->nominal_ms = nominal_ms;
    }
    return now_ms - a->intime_ms;
}

/* A regular packet enters the delta and jitter figures. Wireshark's running
 * means divide by the packets before this one, regular or not. */
static void streams_regular(const sim__streams_t *t, sim__streams_row_t *row, uint8_t pt,
                            double delta)
{
    double n = (double)row->packets;
    if (delta > row->max_delta_ms)
        row->max_delta_ms = delta;
    if (row->regular == 0 || delta < row->min_delta_ms)
        row->min_delta_ms = delta;
    row->mean_delta_ms = (row->mean_delta_ms * (n - 1) + delta) / n;
    row->regular++;
    if (t->clock_rate[pt] / 1000 == 0)
        return;
    double jitter = row->analysis.jitter_ms;
    if (jitter > row->max_jitter_ms)
        row->max_jitter_ms = jitter;
    if (row->jitter_regular == 0 || jitter < row->min_jitter_ms)
        row->min_jitter_ms = jitter;
    row->mean_jitter_ms = (row->mean_jitter_ms * (n - 1) + jitter) / n;
    row->jitter_regular++;
}

/* One packet after the first: Wireshark 4.0's rtppacket_analyse. */
static void streams_next_packet(const sim__streams_t *t, sim__streams_row_t *row,
                                const rtp_header_t *h, double now_ms)
{
    sim__streams_analysis_t *a = &row->analysis;
    bool in_time = streams_in_time(a->first_ts, h->timestamp);
    if (!in_time)
        row->timestamp_errors++;
    streams_count_cycles(a, h->seq, in_time);
    streams_check_sequence(row, h->seq, in_time);

    uint8_t pt = h->payload_type;
    bool cn = pt == STREAMS_PT_CN || pt == STREAMS_PT_CN_OLD;
    bool after_cn = a->prev_pt == STREAMS_PT_CN || a->prev_pt == STREAMS_PT_CN_OLD;
    a->prev_pt = pt;
    if (pt != row->payload_type)
        row->payload_type_changed = true;
    if (!in_time) {
        a->last_seq = h->seq;
        return; /* out of time: no timing, not regular, no new reference */
    }
    double delta = streams_timing(t, row, h, now_ms);
    if (!h->marker && !cn && !after_cn)
        streams_regular(t, row, pt, delta);
    a->intime_ms = now_ms;
    a->last_seq = h->seq;
}

sim__streams_status_t sim__streams_add(sim__streams_t *table, const sim__streams_packet_t *pkt,
                                       sim__streams_row_t **row_out)
{
    if (row_out != NULL)
        *row_out = NULL;
    sim__streams_endpoint_t src, dst;
    if (!streams_endpoint_normalize(&pkt->src, &src) ||
        !streams_endpoint_normalize(&pkt->dst, &dst))
        return SIM__STREAMS_INVALID;
    rtp_header_t h;
    if (rtp_parse(pkt->rtp, pkt->rtp_len, &h) != RTP_OK) {
        table->malformed++;
        return SIM__STREAMS_MALFORMED;
    }
    if (!table->origin_set)
        sim__streams_set_origin(table, pkt->capture_us);

    uint64_t hash = streams_hash(&src, &dst, h.ssrc);
    size_t slot = streams_probe(table, &src, &dst, h.ssrc, hash);
    sim__streams_row_t *row = NULL;
    if (table->index[slot] != 0)
        row = sim__streams_row(table, table->index[slot] - 1);
    else if (table->count < table->max_streams)
        row = streams_new_row(table, slot, &src, &dst, h.ssrc, hash);
    if (row == NULL) {
        /* beyond the bound, or no memory for a new block of rows */
        streams_note_untracked(table, hash);
        return SIM__STREAMS_UNTRACKED;
    }

    double now_ms = (double)(pkt->capture_us - table->origin_us) / 1000.0;
    streams_count_extended(row, h.seq);
    if (row->packets == 0)
        streams_first_packet(row, &h, now_ms, pkt->capture_us);
    else
        streams_next_packet(table, row, &h, now_ms);
    row->packets++;
    row->bytes += pkt->wire_len != 0 ? pkt->wire_len : pkt->rtp_len;
    row->last_us = pkt->capture_us;
    row->payload_types[h.payload_type / 8] |= (uint8_t)(1u << (h.payload_type % 8));
    if (row_out != NULL)
        *row_out = row;
    return SIM__STREAMS_COUNTED;
}

/* --- Figures ------------------------------------------------------------ */

uint64_t sim__streams_untracked_packets(const sim__streams_t *table)
{
    return table->untracked_packets;
}

uint64_t sim__streams_untracked_streams(const sim__streams_t *table, bool *streams_exact)
{
    if (streams_exact != NULL)
        *streams_exact = table->untracked_exact;
    return table->untracked_streams;
}

uint64_t sim__streams_malformed(const sim__streams_t *table)
{
    return table->malformed;
}

int64_t sim__streams_lost(const sim__streams_row_t *row)
{
    const sim__streams_analysis_t *a = &row->analysis;
    int64_t expected = (int64_t)a->last_seq + 65536 * (int64_t)a->cycles - a->first_seq + 1;
    return expected - (int64_t)row->packets;
}

int64_t sim__streams_lost_rfc3550(const sim__streams_row_t *row)
{
    const sim__streams_analysis_t *a = &row->analysis;
    return a->highest_ext - a->first_ext + 1 - (int64_t)row->packets;
}

double sim__streams_rel_s(const sim__streams_t *table, int64_t capture_us)
{
    return (double)(capture_us - table->origin_us) / 1e6;
}

const char *sim__streams_srtp_name(sim__streams_srtp_t srtp)
{
    switch (srtp) {
    case SIM__STREAMS_SRTP_PLAIN:
        return "plain";
    case SIM__STREAMS_SRTP_DECRYPTED:
        return "decrypted";
    case SIM__STREAMS_SRTP_UNDECRYPTABLE:
        return "undecryptable";
    }
    return "?";
}

bool sim__streams_endpoint_format(const sim__streams_endpoint_t *ep, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];
    if (cap > 0)
        out[0] = '\0';
    if (ep->family != 4 && ep->family != 6)
        return false;
    if (inet_ntop(ep->family == 4 ? AF_INET : AF_INET6, ep->addr, ip, sizeof ip) == NULL)
        return false;
    int n = snprintf(out, cap, ep->family == 4 ? "%s:%u" : "[%s]:%u", ip, (unsigned)ep->port);
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0)
            out[0] = '\0';
        return false;
    }
    return true;
}

bool sim__streams_endpoint_parse(const char *text, sim__streams_endpoint_t *ep)
{
    memset(ep, 0, sizeof *ep);
    char ip[INET6_ADDRSTRLEN];
    const char *colon;
    size_t ip_len;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (close == NULL || close[1] != ':')
            return false;
        ip_len = (size_t)(close - text - 1);
        colon = close + 1;
        ep->family = 6;
        text++;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL)
            return false;
        ip_len = (size_t)(colon - text);
        ep->family = 4;
    }
    if (ip_len == 0 || ip_len >= sizeof ip)
        goto fail;
    memcpy(ip, text, ip_len);
    ip[ip_len] = '\0';
    if (inet_pton(ep->family == 4 ? AF_INET : AF_INET6, ip, ep->addr) != 1)
        goto fail;
    unsigned long port = 0;
    const char *digit = colon + 1;
    if (*digit == '\0')
        goto fail;
    for (; *digit != '\0'; digit++) {
        if (*digit < '0' || *digit > '9' || port > 65535)
            goto fail;
        port = port * 10 + (unsigned long)(*digit - '0');
    }
    if (port > 65535)
        goto fail;
    ep->port = (uint16_t)port;
    return true;
fail:
    memset(ep, 0, sizeof *ep);
    return false;
}

/* --- Output ------------------------------------------------------------- */

static void streams_format_ssrc(uint32_t ssrc, char out[11])
{
    snprintf(out, 11, "0x%08X", (unsigned)ssrc);
}

static int streams_csv_ms(FILE *out, bool has, double value, const char *sep)
{
    return has ? fprintf(out, "%.3f%s", value, sep) : fprintf(out, "%s", sep);
}

static int streams_csv_row(const sim__streams_t *t, const sim__streams_row_t *r, FILE *out)
{
    char src[SIM__STREAMS_ENDPOINT_TEXT_LEN], dst[SIM__STREAMS_ENDPOINT_TEXT_LEN], ssrc[11];
    (void)sim__streams_endpoint_format(&r->src, src, sizeof src);
    (void)sim__streams_endpoint_format(&r->dst, dst, sizeof dst);
    streams_format_ssrc(r->ssrc, ssrc);
    if (fprintf(out, "%s,%s,%s,%u,", src, dst, ssrc, (unsigned)r->payload_type) < 0)
        return -1;
    const char *sep = "";
    for (unsigned pt = 0; pt < STREAMS_PT_COUNT; pt++) {
        if (((unsigned)r->payload_types[pt / 8] >> (pt % 8)) & 1u) {
            if (fprintf(out, "%s%u", sep, pt) < 0)
                return -1;
            sep = ";";
        }
    }
    if (fprintf(out, ",%d,%s,%u,%llu,%llu,%lld,%lld,%llu,%llu,%llu,%llu,%.6f,%.6f,",
                r->payload_type_changed ? 1 : 0, t->codec[r->payload_type], (unsigned)r->clock_rate,
                (unsigned long long)r->packets, (unsigned long long)r->bytes,
                (long long)sim__streams_lost(r), (long long)sim__streams_lost_rfc3550(r),
                (unsigned long long)r->duplicates, (unsigned long long)r->reordered,
                (unsigned long long)r->sequence_errors, (unsigned long long)r->timestamp_errors,
                sim__streams_rel_s(t, r->first_us), sim__streams_rel_s(t, r->last_us)) < 0)
        return -1;
    bool delta = r->regular > 0, jitter = r->jitter_regular > 0;
    if (streams_csv_ms(out, delta, r->min_delta_ms, ",") < 0 ||
        streams_csv_ms(out, delta, r->mean_delta_ms, ",") < 0 ||
        streams_csv_ms(out, delta, r->max_delta_ms, ",") < 0 ||
        streams_csv_ms(out, jitter, r->min_jitter_ms, ",") < 0 ||
        streams_csv_ms(out, jitter, r->mean_jitter_ms, ",") < 0 ||
        streams_csv_ms(out, jitter, r->max_jitter_ms, ",") < 0)
        return -1;
    if (fprintf(out, "%s,%d,%llu\n", sim__streams_srtp_name(r->replay.srtp),
                r->replay.looks_encrypted ? 1 : 0,
                (unsigned long long)r->replay.forwarded_packets) < 0)
        return -1;
    return 0;
}

int sim__streams_write_csv(const sim__streams_t *table, FILE *out)
{
    static const char header[] =
        "src,dst,ssrc,payload_type,payload_types,payload_type_changed,codec,clock_rate,"
        "packets,bytes,lost,lost_rfc3550,duplicates,reordered,sequence_errors,"
        "timestamp_errors,first_s,last_s,min_delta_ms,mean_delta_ms,max_delta_ms,"
        "min_jitter_ms,mean_jitter_ms,max_jitter_ms,srtp,looks_encrypted,forwarded_packets\n";
    if (fputs(header, out) == EOF)
        return -1;
    for (size_t i = 0; i < table->count; i++) {
        if (streams_csv_row(table, sim__streams_row(table, i), out) != 0)
            return -1;
    }
    return ferror(out) ? -1 : 0;
}

/* Sets key to value, taking ownership; false when either is missing. */
static bool streams_put(json_t *object, const char *key, json_t *value)
{
    return value != NULL && json_object_set_new(object, key, value) == 0;
}

static json_t *streams_u64(uint64_t value)
{
    return json_integer((json_int_t)(value > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : value));
}

static json_t *streams_real6(double value)
{
    return json_real(round(value * 1e6) / 1e6);
}

static json_t *streams_pt_list(const sim__streams_row_t *r)
{
    json_t *list = json_array();
    for (unsigned pt = 0; list != NULL && pt < STREAMS_PT_COUNT; pt++) {
        if ((((unsigned)r->payload_types[pt / 8] >> (pt % 8)) & 1u) &&
            json_array_append_new(list, json_integer(pt)) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static json_t *streams_row_json(const sim__streams_t *t, const sim__streams_row_t *r)
{
    char src[SIM__STREAMS_ENDPOINT_TEXT_LEN], dst[SIM__STREAMS_ENDPOINT_TEXT_LEN], ssrc[11];
    (void)sim__streams_endpoint_format(&r->src, src, sizeof src);
    (void)sim__streams_endpoint_format(&r->dst, dst, sizeof dst);
    streams_format_ssrc(r->ssrc, ssrc);
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    bool ok = streams_put(o, "src", json_string(src)) && streams_put(o, "dst", json_string(dst)) &&
              streams_put(o, "ssrc", json_string(ssrc)) &&
              streams_put(o, "payload_type", json_integer(r->payload_type)) &&
              streams_put(o, "codec", json_string(t->codec[r->payload_type])) &&
              streams_put(o, "packets", streams_u64(r->packets)) &&
              streams_put(o, "bytes", streams_u64(r->bytes)) &&
              streams_put(o, "lost", json_integer(sim__streams_lost(r))) &&
              streams_put(o, "duplicates", streams_u64(r->duplicates)) &&
              streams_put(o, "reordered", streams_u64(r->reordered)) &&
              streams_put(o, "first_s", streams_real6(sim__streams_rel_s(t, r->first_us))) &&
              streams_put(o, "last_s", streams_real6(sim__streams_rel_s(t, r->last_us))) &&
              streams_put(o, "jitter_ms_max", streams_real6(r->max_jitter_ms)) &&
              streams_put(o, "srtp", json_string(sim__streams_srtp_name(r->replay.srtp))) &&
              streams_put(o, "looks_encrypted", json_boolean(r->replay.looks_encrypted)) &&
              streams_put(o, "forwarded_packets", streams_u64(r->replay.forwarded_packets)) &&
              streams_put(o, "payload_types", streams_pt_list(r)) &&
              streams_put(o, "payload_type_changed", json_boolean(r->payload_type_changed)) &&
              streams_put(o, "clock_rate", json_integer(r->clock_rate)) &&
              streams_put(o, "lost_rfc3550", json_integer(sim__streams_lost_rfc3550(r))) &&
              streams_put(o, "sequence_errors", streams_u64(r->sequence_errors)) &&
              streams_put(o, "timestamp_errors", streams_u64(r->timestamp_errors)) &&
              streams_put(o, "max_delta_ms", streams_real6(r->max_delta_ms)) &&
              streams_put(o, "jitter_ms_mean", streams_real6(r->mean_jitter_ms));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *sim__streams_to_json(const sim__streams_t *table)
{
    json_t *list = json_array();
    if (list == NULL)
        return NULL;
    for (size_t i = 0; i < table->count; i++) {
        json_t *o = streams_row_json(table, sim__streams_row(table, i));
        if (o == NULL || json_array_append_new(list, o) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}
