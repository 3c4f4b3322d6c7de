/* peers/packetizer.c: one encoded frame to RTP packets (see packetizer.h).
 *
 * Implements the sender side of RFC 7741 sections 4.1-4.2 (VP8 payload
 * descriptor, marker on the last packet of a frame), RFC 7587 sections
 * 4.1-4.2 (one Opus frame per packet, marker at a talkspurt start), RFC
 * 8285 section 4.2 (one-byte header extensions), RFC 6464 section 3 (audio
 * level), the transport-wide sequence number
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 section 2), RFC 8843
 * section 15.2 / RFC 8852 section 3 (mid, rid), the AV1 dependency
 * descriptor (av1-rtp-spec appendix A), frame marking (RFC 9626) and
 * abs-capture-time (webrtc.org/experiments/rtp-hdrext/abs-capture-time). The
 * wire encoders all live in rtp/; this file only decides what goes where.
 *
 * Every packet is sized in a dry run before anything is written, so a
 * failure consumes no sequence number, PictureID or TWCC number. */
#include "peers/packetizer.h"

#include <string.h>

#define MIN_MTU 64

peer__packetizer_config_t peer__packetizer_config_default(void)
{
    return (peer__packetizer_config_t){
        .kind = PEER__MEDIA_VIDEO,
        .payload_type = 96,
        .mtu = 1200,
        .signal = PEER__SIGNAL_NONE,
    };
}

void peer__dd_structure_l1t1(rtp_dd_structure_t *s)
{
    memset(s, 0, sizeof *s);
    s->template_id_offset = 0;
    s->dt_count = 1;
    s->chain_count = 1;
    s->decode_target_protected_by[0] = 0;
    s->template_count = 2;
    /* Keyframe: no references, starts the chain. */
    s->templates[0].dtis[0] = RTP_DD_DTI_SWITCH;
    s->templates[0].chain_fdiffs[0] = 0;
    /* Delta frame: refers to the previous frame, which is also its chain. */
    s->templates[1].fdiff_count = 1;
    s->templates[1].fdiffs[0] = 1;
    s->templates[1].dtis[0] = RTP_DD_DTI_SWITCH;
    s->templates[1].chain_fdiffs[0] = 1;
}

static bool copy_token(const char *src, char dst[PEER__MID_RID_MAX + 1], bool is_rid)
{
    dst[0] = '\0';
    if (src == NULL || src[0] == '\0')
        return true;
    size_t len = strlen(src);
    if (len > PEER__MID_RID_MAX)
        return false;
    uint8_t check[PEER__MID_RID_MAX];
    size_t ok = is_rid ? rtp_ext_rid_write(src, check, sizeof check)
                       : rtp_ext_mid_write(src, check, sizeof check);
    if (ok != len)
        return false;
    memcpy(dst, src, len + 1);
    return true;
}

rtp_err_t peer__packetizer_init(peer__packetizer_t *p, const peer__packetizer_config_t *config)
{
    if (p == NULL || config == NULL || config->payload_type > 127 || config->mtu < MIN_MTU ||
        config->first_picture_id > RTP_VP8_PICTURE_ID_MAX_15)
        return RTP_ERR_INVALID_ARG;
    const uint8_t ids[] = { config->ext_audio_level,
                            config->ext_twcc,
                            config->ext_mid,
                            config->ext_rid,
                            config->ext_dd,
                            config->ext_frame_marking,
                            config->ext_abs_capture_time };
    for (size_t i = 0; i < sizeof ids; i++) {
        if (ids[i] > 14)
            return RTP_ERR_INVALID_ARG;
        for (size_t j = 0; j < i; j++)
            if (ids[i] != 0 && ids[i] == ids[j])
                return RTP_ERR_INVALID_ARG;
    }
    memset(p, 0, sizeof *p);
    if (!copy_token(config->mid, p->mid, false) || !copy_token(config->rid, p->rid, true))
        return RTP_ERR_INVALID_ARG;
    p->config = *config;
    p->config.mid = NULL; /* the copies above are what counts */
    p->config.rid = NULL;
    p->next_seq = config->first_seq;
    p->picture_id = config->first_picture_id;
    p->tl0picidx = config->first_tl0picidx;
    peer__dd_structure_l1t1(&p->dd_structure);
    return RTP_OK;
}

/* Where one packet sits in its frame. */
typedef struct packet_pos {
    size_t index; /* 0 = the first packet of the frame */
    bool first;
    bool last;
    uint64_t stream_index; /* packets sent on the stream before this one */
    uint16_t twcc;
} packet_pos_t;

static rtp_err_t add_dd(const peer__packetizer_t *p, const peer__frame_meta_t *meta,
                        const packet_pos_t *pos, rtp_ext_writer_t *w)
{
    rtp_dd_t dd;
    memset(&dd, 0, sizeof dd);
    rtp_err_t err = rtp_dd_from_template(&p->dd_structure, meta->keyframe ? 0u : 1u, &dd);
    if (err != RTP_OK)
        return err;
    dd.start_of_frame = pos->first;
    dd.end_of_frame = pos->last;
    dd.frame_number = meta->frame_number;
    dd.has_structure = meta->keyframe && pos->first;
    uint8_t value[32];
    size_t len = 0;
    err = rtp_dd_write(&dd, &p->dd_structure, value, sizeof value, &len);
    if (err != RTP_OK)
        return err;
    return rtp_ext_writer_add(w, p->config.ext_dd, value, len);
}

static rtp_err_t add_video_ext(const peer__packetizer_t *p, const peer__frame_meta_t *meta,
                               const packet_pos_t *pos, rtp_ext_writer_t *w)
{
    const peer__packetizer_config_t *c = &p->config;
    if (c->signal == PEER__SIGNAL_DD && c->ext_dd != 0)
        return add_dd(p, meta, pos, w);
    if (c->signal == PEER__SIGNAL_FRAME_MARKING && c->ext_frame_marking != 0) {
        rtp_frame_marking_t fm = {
            .start_of_frame = pos->first,
            .end_of_frame = pos->last,
            .independent = meta->keyframe,
            .discardable = false,
        };
        uint8_t value[3];
        size_t len = rtp_ext_frame_marking_write(&fm, value);
        return rtp_ext_writer_add(w, c->ext_frame_marking, value, len);
    }
    return RTP_OK;
}

/* Builds the extension block of one packet into block[]. */
static rtp_err_t build_ext(const peer__packetizer_t *p, const peer__frame_meta_t *meta,
                           const packet_pos_t *pos, uint8_t block[PEER__EXT_BLOCK_MAX],
                           uint16_t *profile, size_t *block_len)
{
    const peer__packetizer_config_t *c = &p->config;
    rtp_ext_writer_t w;
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, block, PEER__EXT_BLOCK_MAX);
    uint8_t value[PEER__MID_RID_MAX];
    size_t len;
    if (c->kind == PEER__MEDIA_AUDIO && c->ext_audio_level != 0) {
        len = rtp_ext_audio_level_write(meta->voice, meta->audio_level_dbov, value);
        rtp_ext_writer_add(&w, c->ext_audio_level, value, len);
    }
    if (c->twcc_seq != NULL && c->ext_twcc != 0) {
        len = rtp_ext_twcc_seq_write(pos->twcc, value);
        rtp_ext_writer_add(&w, c->ext_twcc, value, len);
    }
    bool with_ids = c->mid_rid_packets == 0 || pos->stream_index < c->mid_rid_packets;
    if (with_ids && c->ext_mid != 0 && p->mid[0] != '\0') {
        len = rtp_ext_mid_write(p->mid, value, sizeof value);
        rtp_ext_writer_add(&w, c->ext_mid, value, len);
    }
    if (with_ids && c->ext_rid != 0 && p->rid[0] != '\0') {
        len = rtp_ext_rid_write(p->rid, value, sizeof value);
        rtp_ext_writer_add(&w, c->ext_rid, value, len);
    }
    if (c->kind == PEER__MEDIA_VIDEO)
        add_video_ext(p, meta, pos, &w);
    if (pos->first && meta->has_capture_time && c->ext_abs_capture_time != 0) {
        uint8_t ntp[8];
        len = rtp_ext_abs_capture_time_write(meta->capture_ntp_q32, ntp);
        rtp_ext_writer_add(&w, c->ext_abs_capture_time, ntp, len);
    }
    if (w.len == 0) {
        *profile = 0;
        *block_len = 0;
        return w.err;
    }
    return rtp_ext_writer_finish(&w, profile, block_len);
}

static rtp_vp8_desc_t vp8_desc(const peer__packetizer_t *p, bool first)
{
    rtp_vp8_desc_t d = {
        .start_of_partition = first,
        .partition_index = 0,
        .extended = true,
        .has_picture_id = true,
        .picture_id_long = true,
        .picture_id = p->picture_id,
    };
    if (p->config.vp8_tl0picidx) {
        d.has_tl0picidx = true;
        d.tl0picidx = p->tl0picidx;
        d.has_tid = true;
        d.tid = 0;
    }
    return d;
}

/* Runs over the frame's packets; writes them when slots is non-NULL.
 * Returns the packet count through *count. */
static rtp_err_t run(const peer__packetizer_t *p, const peer__frame_meta_t *meta,
                     const uint8_t *frame, size_t frame_len, peer__packet_slot_t *slots,
                     size_t n_slots, size_t *count)
{
    const peer__packetizer_config_t *c = &p->config;
    bool video = c->kind == PEER__MEDIA_VIDEO;
    uint16_t twcc = c->twcc_seq != NULL ? *c->twcc_seq : 0; /* read only */
    size_t offset = 0;
    size_t n = 0;
    *count = 0;
    do {
        packet_pos_t pos = {
            .index = n,
            .first = n == 0,
            .last = false,
            .stream_index = p->packets_sent + n,
            .twcc = (uint16_t)(twcc + n),
        };
        uint8_t block[PEER__EXT_BLOCK_MAX];
        uint16_t profile = 0;
        size_t block_len = 0;
        /* The E flag and the last-packet state change no length. */
        rtp_err_t err = build_ext(p, meta, &pos, block, &profile, &block_len);
        if (err != RTP_OK)
            return err;
        rtp_vp8_desc_t desc = vp8_desc(p, pos.first);
        size_t desc_len = video ? rtp_vp8_desc_size(&desc) : 0;
        size_t overhead = RTP_FIXED_HEADER_LEN + (block_len ? 4 + block_len : 0) + desc_len;
        if (overhead >= c->mtu)
            return RTP_ERR_INVALID_ARG;
        size_t room = c->mtu - overhead;
        size_t chunk = frame_len - offset < room ? frame_len - offset : room;
        if (!video && chunk != frame_len)
            return RTP_ERR_INVALID_ARG; /* one Opus frame, one packet */
        pos.last = offset + chunk == frame_len;
        if (slots != NULL) {
            if (n >= n_slots || slots[n].data == NULL || slots[n].cap < overhead + chunk)
                return RTP_ERR_NO_SPACE;
            if (pos.last)
                build_ext(p, meta, &pos, block, &profile, &block_len);
            uint8_t *out = slots[n].data;
            rtp_header_t h = {
                .extension = block_len > 0,
                .marker = video ? pos.last : (p->packets_sent == 0 || meta->talkspurt_start),
                .payload_type = c->payload_type,
                .seq = (uint16_t)(p->next_seq + n),
                .timestamp = meta->rtp_timestamp,
                .ssrc = c->ssrc,
                .ext_profile = profile,
                .ext = block_len ? block : NULL,
                .ext_len = block_len,
            };
            size_t head = rtp_header_size(&h);
            size_t written = 0;
            if (video) {
                err = rtp_vp8_desc_write(&desc, out + head, slots[n].cap - head, &written);
                if (err != RTP_OK)
                    return err;
            }
            memcpy(out + head + written, frame + offset, chunk);
            size_t total = 0;
            /* rtp_write moves the payload (memmove) behind the header. */
            err = rtp_write(&h, out + head, written + chunk, 0, out, slots[n].cap, &total);
            if (err != RTP_OK)
                return err;
            slots[n].len = total;
        }
        offset += chunk;
        n++;
    } while (offset < frame_len);
    *count = n;
    return RTP_OK;
}

size_t peer__packetizer_count(const peer__packetizer_t *p, const peer__frame_meta_t *meta,
                              size_t frame_len)
{
    if (p == NULL || meta == NULL || frame_len == 0 || meta->audio_level_dbov > 127)
        return 0;
    size_t count = 0;
    if (run(p, meta, NULL, frame_len, NULL, 0, &count) != RTP_OK)
        return 0;
    return count;
}

rtp_err_t peer__packetize(peer__packetizer_t *p, const peer__frame_meta_t *meta,
                          const uint8_t *frame, size_t frame_len, peer__packet_slot_t *slots,
                          size_t n_slots, size_t *n_packets)
{
    if (p == NULL || meta == NULL || frame == NULL || frame_len == 0 || slots == NULL ||
        n_packets == NULL || meta->audio_level_dbov > 127)
        return RTP_ERR_INVALID_ARG;
    *n_packets = 0;
    size_t count = 0;
    rtp_err_t err = run(p, meta, frame, frame_len, NULL, 0, &count);
    if (err != RTP_OK)
        return err;
    if (count > n_slots)
        return RTP_ERR_NO_SPACE;
    err = run(p, meta, frame, frame_len, slots, n_slots, &count);
    if (err != RTP_OK)
        return err;
    p->next_seq = (uint16_t)(p->next_seq + count);
    p->packets_sent += count;
    p->frames_sent++;
    if (p->config.twcc_seq != NULL && p->config.ext_twcc != 0)
        *p->config.twcc_seq = (uint16_t)(*p->config.twcc_seq + count);
    if (p->config.kind == PEER__MEDIA_VIDEO) {
        p->picture_id = (uint16_t)((p->picture_id + 1u) & RTP_VP8_PICTURE_ID_MAX_15);
        p->tl0picidx = (uint8_t)(p->tl0picidx + 1u);
    }
    *n_packets = count;
    return RTP_OK;
}
