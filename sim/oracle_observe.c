/* sim/oracle_observe.c: the confidentiality oracle's per-packet path, the
 * observer hook of the SFU core (sfu_observer_fn).
 *
 * For each packet: parse the RTP header (RFC 3550 5.1) without trusting a
 * length; unwrap RTX (RFC 4588 4) with the track's media SSRC and payload
 * type; skip the VP8 payload descriptor (RFC 7741 4.2); find the chunk in
 * its registered frame; then run checks (a) to (d) of sim/oracle.h on the
 * bytes not seen before. Nonces come from the SFrame header (RFC 9605 4.3)
 * or the legacy trailer (sframe/sframe_legacy.h). Nothing here allocates. */
#include "rtp/rtp.h"
#include "sim/oracle_internal.h"

#include <string.h>

/* What the per-packet path knows about the packet at hand. */
typedef struct sim__packet {
    const sfu_packet_view_t *view;
    rtp_header_t rtp;     /* of the unwrapped packet */
    const uint8_t *chunk; /* frame data: after the VP8 descriptor, before padding */
    size_t chunk_len;
    size_t clear_base; /* RTP header, extensions, OSN, descriptor */
    bool starts_frame; /* VP8 S=1 PID 0; every Opus packet */
} sim__packet_t;

static void sim__note_packet(sim__oracle_t *o, const char *check, const sim__packet_t *pkt)
{
    sim__oracle_note(o, check, pkt->view->participant_id, pkt->view->track_id, pkt->view->layer,
                     pkt->rtp.ssrc, pkt->rtp.timestamp);
}

static void sim__clear_seen(sim__oracle_t *o, size_t clear)
{
    if (clear > o->counts.clear_bytes_max_per_packet)
        o->counts.clear_bytes_max_per_packet = clear;
}

static size_t sim__overlap(size_t a_lo, size_t a_hi, size_t b_lo, size_t b_hi)
{
    size_t lo = a_lo > b_lo ? a_lo : b_lo;
    size_t hi = a_hi < b_hi ? a_hi : b_hi;
    return hi > lo ? hi - lo : 0;
}

/* ---- locating a chunk in its frame ------------------------------------------- */

static bool sim__chunk_at(const sim__oracle_t *o, const sim__oracle_rec_t *rec, size_t offset,
                          const uint8_t *chunk, size_t len)
{
    return offset <= rec->prot_len - len &&
           memcmp(sim__oracle_rec_prot(o, rec) + offset, chunk, len) == 0;
}

/* The protected offset where the chunk lies: tried first where the frame
 * starts (for a first packet) and where the previous chunk ended, then
 * searched (retransmissions, reordering). */
static bool sim__locate(const sim__oracle_t *o, const sim__oracle_rec_t *rec,
                        const sim__packet_t *pkt, size_t *offset)
{
    size_t len = pkt->chunk_len;
    if (len > rec->prot_len)
        return false;
    if (pkt->starts_frame && sim__chunk_at(o, rec, 0, pkt->chunk, len)) {
        *offset = 0;
        return true;
    }
    if (sim__chunk_at(o, rec, rec->next_offset, pkt->chunk, len)) {
        *offset = rec->next_offset;
        return true;
    }
    const uint8_t *prot = sim__oracle_rec_prot(o, rec);
    size_t starts = rec->prot_len - len + 1;
    for (size_t at = 0; at < starts;) {
        const uint8_t *hit = memchr(prot + at, pkt->chunk[0], starts - at);
        if (!hit)
            break;
        at = (size_t)(hit - prot);
        if (memcmp(hit, pkt->chunk, len) == 0) {
            *offset = at;
            return true;
        }
        at++;
    }
    return false;
}

/* ---- seen ranges (duplicates) ---------------------------------------------------- */

static bool sim__covered(const sim__oracle_cover_t *seen, size_t lo, size_t hi)
{
    for (unsigned i = 0; i < seen->n; i++)
        if (seen->range[i].lo <= lo && hi <= seen->range[i].hi)
            return true;
    return false;
}

/* Adds [lo, hi) to the ranges, merging those it touches; false (nothing
 * changed) when that would need more than SIM__ORACLE_COVER_MAX. */
static bool sim__cover_add(sim__oracle_cover_t *seen, size_t lo, size_t hi)
{
    unsigned first = 0;
    while (first < seen->n && seen->range[first].hi < lo)
        first++;
    unsigned last = first; /* ranges [first, last) touch [lo, hi) */
    while (last < seen->n && seen->range[last].lo <= hi)
        last++;
    if (first == last) {
        if (seen->n == SIM__ORACLE_COVER_MAX)
            return false;
        memmove(&seen->range[first + 1], &seen->range[first],
                (seen->n - first) * sizeof seen->range[0]);
        seen->range[first].lo = lo;
        seen->range[first].hi = hi;
        seen->n++;
        return true;
    }
    if (seen->range[first].lo < lo)
        lo = seen->range[first].lo;
    if (seen->range[last - 1].hi > hi)
        hi = seen->range[last - 1].hi;
    seen->range[first].lo = lo;
    seen->range[first].hi = hi;
    memmove(&seen->range[first + 1], &seen->range[last], (seen->n - last) * sizeof seen->range[0]);
    seen->n -= last - first - 1;
    return true;
}

/* ---- (c) nonces --------------------------------------------------------------------- */

static void sim__put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void sim__put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void sim__nonce_seen(sim__oracle_t *o, const sim__packet_t *pkt, const uint8_t *key,
                            size_t key_len)
{
    sim__oracle_keyrec_t *rec = sim__oracle_keyset_find(&o->nonces, key, key_len);
    if (!rec) {
        sim__oracle_keyset_add(&o->nonces, key, key_len, pkt->rtp.ssrc, pkt->rtp.timestamp);
        return;
    }
    if (rec->ssrc == pkt->rtp.ssrc && rec->rtp_timestamp == pkt->rtp.timestamp)
        return; /* the same frame again */
    o->counts.nonce_reuse++;
    sim__note_packet(o, "nonce reuse", pkt);
    /* Remember the newest frame: its own retransmissions are no repeat. */
    rec->ssrc = pkt->rtp.ssrc;
    rec->rtp_timestamp = pkt->rtp.timestamp;
}

/* (participant, KID, CTR) from the SFrame header at the start of `frame`. */
static void sim__nonce_sframe(sim__oracle_t *o, const sim__packet_t *pkt, const uint8_t *frame,
                              size_t len)
{
    sframe_header_t header;
    size_t header_len;
    if (sframe_header_decode(frame, len, &header, &header_len) != SFRAME_OK) {
        o->counts.sframe_header_bad++;
        return;
    }
    uint8_t key[1 + 4 + 8 + 8] = { 'S' };
    sim__put32(key + 1, pkt->view->participant_id);
    sim__put64(key + 5, header.kid);
    sim__put64(key + 13, header.ctr);
    sim__nonce_seen(o, pkt, key, sizeof key);
}

/* (participant, key index, IV) from the legacy trailer ending `frame`. */
static void sim__nonce_legacy(sim__oracle_t *o, const sim__packet_t *pkt, const uint8_t *frame,
                              size_t len)
{
    const size_t trailer = SFRAME_LEGACY_IV_LEN + SFRAME_LEGACY_TRAILER_LEN;
    if (len < trailer || frame[len - 2] != SFRAME_LEGACY_IV_LEN) {
        o->counts.legacy_trailer_bad++;
        return;
    }
    const uint8_t *iv = frame + len - trailer;
    uint8_t key[1 + 4 + 1 + SFRAME_LEGACY_IV_LEN] = { 'L' };
    sim__put32(key + 1, pkt->view->participant_id);
    key[5] = frame[len - 1];
    memcpy(key + 6, iv, SFRAME_LEGACY_IV_LEN);
    sim__nonce_seen(o, pkt, key, sizeof key);
}

/* Check (c) for a located chunk at `offset`: the frame's header (sframe)
 * or trailer (legacy) is read from its registered copy, which holds the
 * same bytes, once the chunk that carries its start (the first packet:
 * VP8 S=1 PID 0, any Opus packet) or its end (the last packet: the VP8
 * marker, any Opus packet) is seen. Unlocated chunks are not read: bytes
 * that match no sent frame are no frame's nonce, and garbage would
 * otherwise make up repeats. */
static void sim__check_nonce(sim__oracle_t *o, const sim__packet_t *pkt, sim__oracle_rec_t *rec,
                             size_t offset)
{
    if (rec->nonce_checked)
        return;
    if (o->config.scheme == SIM_E2EE_SFRAME && offset == 0) {
        rec->nonce_checked = true;
        sim__nonce_sframe(o, pkt, sim__oracle_rec_prot(o, rec), rec->prot_len);
    } else if (o->config.scheme == SIM_E2EE_INSERTABLE_LEGACY &&
               offset + pkt->chunk_len == rec->prot_len) {
        rec->nonce_checked = true;
        sim__nonce_legacy(o, pkt, sim__oracle_rec_prot(o, rec), rec->prot_len);
    }
}

/* ---- (b) keystream --------------------------------------------------------------------- */

/* Check (b) on protected range [lo, hi) of a located chunk at `offset`,
 * clipped to where plaintext lies under it. True for a finding. */
static bool sim__check_keystream(sim__oracle_t *o, const sim__packet_t *pkt, sim__oracle_rec_t *rec,
                                 size_t offset, size_t lo, size_t hi)
{
    size_t plain_hi = rec->plain_offset + rec->plain_len;
    if (lo < rec->plain_offset)
        lo = rec->plain_offset;
    if (hi > plain_hi)
        hi = plain_hi;
    if (hi <= lo)
        return false;
    size_t n = hi - lo;
    const uint8_t *cipher = pkt->chunk + (lo - offset);
    const uint8_t *plain = sim__oracle_rec_plain(o, rec) + (lo - rec->plain_offset);
    uint8_t *diff = o->scratch_diff;
    for (size_t i = 0; i < n; i++)
        diff[i] = cipher[i] ^ plain[i];

    bool finding = false;
    if (sim__oracle_periodic(&o->config, diff, n)) {
        o->counts.keystream_periodic++;
        sim__note_packet(o, "keystream periodic", pkt);
        finding = true;
    }

    /* (b)(2): the keystream's first bytes, where the sealed plaintext starts. */
    size_t start = rec->sealed_lo > rec->plain_offset ? rec->sealed_lo : rec->plain_offset;
    if (!rec->fingerprinted && lo <= start && start + SIM__ORACLE_FINGERPRINT_LEN <= hi) {
        rec->fingerprinted = true;
        const uint8_t *fp = diff + (start - lo);
        sim__oracle_keyrec_t *seen =
            sim__oracle_keyset_find(&o->keystreams, fp, SIM__ORACLE_FINGERPRINT_LEN);
        if (!seen) {
            sim__oracle_keyset_add(&o->keystreams, fp, SIM__ORACLE_FINGERPRINT_LEN, pkt->rtp.ssrc,
                                   pkt->rtp.timestamp);
        } else if (seen->ssrc != pkt->rtp.ssrc || seen->rtp_timestamp != pkt->rtp.timestamp) {
            o->counts.keystream_repeat++;
            sim__note_packet(o, "keystream repeat", pkt);
            finding = true;
        }
    }
    return finding;
}

/* ---- (d) uniformity ---------------------------------------------------------------------- */

static void sim__histogram(sim__oracle_stream_stats_t *s, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s->hist[bytes[i]]++;
    s->total += n;
}

/* Adds the bytes of protected [lo, hi) outside the ranges `seen`. */
static void sim__check_uniformity(sim__oracle_stream_stats_t *s, const sim__oracle_cover_t *seen,
                                  const sim__packet_t *pkt, size_t offset, size_t lo, size_t hi)
{
    size_t at = lo;
    for (unsigned i = 0; i < seen->n && at < hi; i++) {
        if (seen->range[i].hi <= at)
            continue;
        size_t gap_hi = seen->range[i].lo < hi ? seen->range[i].lo : hi;
        if (gap_hi > at)
            sim__histogram(s, pkt->chunk + (at - offset), gap_hi - at);
        at = seen->range[i].hi;
    }
    if (hi > at)
        sim__histogram(s, pkt->chunk + (at - offset), hi - at);
}

/* ---- one packet ----------------------------------------------------------------------------- */

static void sim__inspect_located(sim__oracle_t *o, const sim__packet_t *pkt,
                                 sim__oracle_stream_stats_t *stream, sim__oracle_rec_t *rec,
                                 size_t offset)
{
    size_t end = offset + pkt->chunk_len;
    rec->next_offset = end;
    const sfu_packet_view_t *v = pkt->view;
    if (v->participant_id != rec->participant_id || v->track_id != rec->track_id ||
        v->layer != rec->layer)
        o->counts.stream_mismatch++;
    sim__clear_seen(o,
                    pkt->clear_base + sim__overlap(offset, end, 0, rec->clear_head) +
                        sim__overlap(offset, end, rec->prot_len - rec->clear_tail, rec->prot_len));
    sim__check_nonce(o, pkt, rec, offset);
    if (sim__covered(&rec->seen, offset, end)) {
        o->counts.duplicates++;
        return;
    }

    size_t lo = offset > rec->sealed_lo ? offset : rec->sealed_lo;
    size_t hi = end < rec->sealed_hi ? end : rec->sealed_hi;
    if (hi > lo) {
        if (sim__oracle_scan_windows(o, pkt->chunk + (lo - offset), hi - lo)) {
            o->counts.plaintext_window_hits++;
            sim__note_packet(o, "plaintext window", pkt);
        }
        if (sim__check_keystream(o, pkt, rec, offset, lo, hi))
            o->counts.keystream_relation_hits++;
    }

    /* Count only bytes never counted: a copy of the seen ranges decides
     * which, then the ranges grow; with no slot left the chunk is left out
     * rather than risk counting its bytes twice. */
    sim__oracle_cover_t before = rec->seen;
    if (!sim__cover_add(&rec->seen, offset, end)) {
        o->counts.cover_overflow++;
        return;
    }
    if (hi > lo)
        sim__check_uniformity(stream, &before, pkt, offset, lo, hi);
}

static void sim__inspect_unlocated(sim__oracle_t *o, const sim__packet_t *pkt)
{
    o->counts.unmatched++;
    sim__clear_seen(o, pkt->clear_base);
    if (sim__oracle_scan_windows(o, pkt->chunk, pkt->chunk_len)) {
        o->counts.plaintext_window_hits++;
        sim__note_packet(o, "plaintext window (unmatched packet)", pkt);
    }
}

/* A parsed packet of no declared stream: only check (a), over its payload. */
static void sim__inspect_undeclared(sim__oracle_t *o, sim__packet_t *pkt)
{
    o->counts.unknown_stream++;
    o->counts.packets_inspected++;
    o->counts.payload_bytes_inspected += pkt->rtp.payload_len;
    sim__clear_seen(o, pkt->rtp.header_len);
    if (sim__oracle_scan_windows(o, pkt->rtp.payload, pkt->rtp.payload_len)) {
        o->counts.plaintext_window_hits++;
        sim__note_packet(o, "plaintext window (undeclared stream)", pkt);
    }
}

/* RTX unwrap and the codec descriptor; false for a packet to skip. */
static bool sim__prepare(sim__oracle_t *o, sim__packet_t *pkt, const sim__oracle_track_t *track,
                         const sim__oracle_layer_t *layer)
{
    const sfu_packet_view_t *v = pkt->view;
    size_t osn = 0;
    if (v->rtx) {
        size_t len = 0;
        if (pkt->rtp.payload_len == 0) {
            o->counts.rtx_empty++; /* padding only: a bandwidth probe */
            return false;
        }
        if (rtp_rtx_unwrap(v->bytes, v->len, layer->ssrc, track->media_pt, o->scratch_packet,
                           SIM__ORACLE_SCRATCH, &len, NULL) != RTP_OK ||
            rtp_parse(o->scratch_packet, len, &pkt->rtp) != RTP_OK) {
            o->counts.malformed++;
            return false;
        }
        o->counts.rtx_unwrapped++;
        osn = 2;
    }
    size_t desc_len = 0;
    pkt->chunk = pkt->rtp.payload;
    pkt->chunk_len = pkt->rtp.payload_len;
    pkt->starts_frame = true;
    if (track->kind == SIM__ORACLE_VIDEO_VP8) {
        rtp_vp8_desc_t desc;
        if (rtp_vp8_desc_parse(pkt->rtp.payload, pkt->rtp.payload_len, &desc, &desc_len) !=
            RTP_OK) {
            o->counts.malformed++;
            return false;
        }
        pkt->chunk += desc_len;
        pkt->chunk_len -= desc_len;
        pkt->starts_frame = rtp_vp8_desc_starts_frame(&desc);
    }
    pkt->clear_base = pkt->rtp.header_len + osn + desc_len;
    return true;
}

void sim__oracle_observe(void *ctx, uint64_t now_us, const sfu_packet_view_t *view)
{
    sim__oracle_t *o = ctx;
    if (!o)
        return;
    o->counts.packets_observed++;
    sim__packet_t pkt = { .view = view };
    if (!view || !view->bytes || view->len == 0 || view->len > SIM__ORACLE_SCRATCH ||
        rtp_parse(view->bytes, view->len, &pkt.rtp) != RTP_OK) {
        o->counts.malformed++;
        return;
    }
    sim__oracle_expire(o, now_us);

    sim__oracle_track_state_t *track =
        sim__oracle_find_track(o, view->participant_id, view->track_id);
    const sim__oracle_layer_t *layer =
        track && view->layer < track->decl.n_layers ? &track->decl.layers[view->layer] : NULL;
    if (!layer || pkt.rtp.ssrc != (view->rtx ? layer->rtx_ssrc : layer->ssrc) ||
        (view->rtx && layer->rtx_ssrc == 0)) {
        sim__inspect_undeclared(o, &pkt);
        return;
    }
    if (!sim__prepare(o, &pkt, &track->decl, layer))
        return;
    o->counts.packets_inspected++;
    o->counts.payload_bytes_inspected += pkt.rtp.payload_len;
    if (pkt.chunk_len == 0) {
        sim__clear_seen(o, pkt.clear_base);
        return;
    }

    sim__oracle_rec_t *rec = sim__oracle_frame_lookup(o, pkt.rtp.ssrc, pkt.rtp.timestamp);
    size_t offset = 0;
    if (rec && sim__locate(o, rec, &pkt, &offset))
        sim__inspect_located(o, &pkt, &track->layers[view->layer], rec, offset);
    else
        sim__inspect_unlocated(o, &pkt);
}
