/* Opus packet TOC byte (RFC 6716 section 3.1) and frame count (section
 * 3.2; code 3's frame count byte, section 3.2.5), with the two rules of
 * section 3.4 that need nothing past those bytes: R1 (at least one byte)
 * and R5 (code 3: M != 0, at most 120 ms of audio).
 *
 *    TOC byte           code 3 frame count byte   (bit 0 most significant)
 *   +-+-+-+-+-+-+-+-+   +-+-+-+-+-+-+-+-+
 *   | config  |s| c |   |v|p|     M     |
 *   +-+-+-+-+-+-+-+-+   +-+-+-+-+-+-+-+-+ */
#include "rtp/rtp_payload.h"

#include <string.h>

#define OPUS_STEREO     0x04
#define OPUS_CODE_MASK  0x03
#define OPUS_VBR        0x80
#define OPUS_PADDED     0x40
#define OPUS_COUNT_MASK 0x3f

/* RFC 6716 table 2, one row per configuration number. */
static const struct {
    rtp_opus_mode_t mode;
    rtp_opus_bandwidth_t bandwidth;
    uint32_t frame_duration_us;
} opus__configs[32] = {
    { RTP_OPUS_MODE_SILK, RTP_OPUS_BW_NB, 10000 },    /* 0 */
    { RTP_OPUS_MODE_SILK, RTP_OPUS_BW_NB, 20000 },    /* 1 */
    { RTP_OPUS_MODE_SILK, RTP_OPUS_BW_NB, 40000 },    /* 2 */
    { RTP_OPUS_MODE_SILK, RTP_OPUS_BW_NB, 60000 },    /* 3 */
    { RTP_OPUS_MODE_SILK, RTP_OPUS_BW_MB, 10000 },    /* 4 */
    { RTP_OPUS_MODE_SILK, RTP_OPUS_BW_MB, 20000 },    /* 5 */
    { RTP_OPUS_MODE_SILK, RTP_OPUS_BW_MB, 40000 },    /* 6 */
    { RTP_OPUS_MODE_SILK, RTP_OPUS_BW_MB, 60000 },    /* 7 */
    { RTP_OPUS_MODE_SILK, RTP_OPUS_BW_WB, 10000 },    /* 8 */
    { RTP_OPUS_MODE_SILK, RTP_OPUS_BW_WB, 20000 },    /* 9 */
    { RTP_OPUS_MODE_SILK, RTP_OPUS_BW_WB, 40000 },    /* 10 */
    { RTP_OPUS_MODE_SILK, RTP_OPUS_BW_WB, 60000 },    /* 11 */
    { RTP_OPUS_MODE_HYBRID, RTP_OPUS_BW_SWB, 10000 }, /* 12 */
    { RTP_OPUS_MODE_HYBRID, RTP_OPUS_BW_SWB, 20000 }, /* 13 */
    { RTP_OPUS_MODE_HYBRID, RTP_OPUS_BW_FB, 10000 },  /* 14 */
    { RTP_OPUS_MODE_HYBRID, RTP_OPUS_BW_FB, 20000 },  /* 15 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_NB, 2500 },     /* 16 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_NB, 5000 },     /* 17 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_NB, 10000 },    /* 18 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_NB, 20000 },    /* 19 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_WB, 2500 },     /* 20 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_WB, 5000 },     /* 21 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_WB, 10000 },    /* 22 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_WB, 20000 },    /* 23 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_SWB, 2500 },    /* 24 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_SWB, 5000 },    /* 25 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_SWB, 10000 },   /* 26 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_SWB, 20000 },   /* 27 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_FB, 2500 },     /* 28 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_FB, 5000 },     /* 29 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_FB, 10000 },    /* 30 */
    { RTP_OPUS_MODE_CELT, RTP_OPUS_BW_FB, 20000 },    /* 31 */
};

/* Opus runs at 48 kHz internally, and every frame duration is a whole
 * number of samples there (2.5 ms = 120). */
static uint32_t opus__samples_48k(uint32_t duration_us)
{
    return duration_us * 48 / 1000;
}

static void opus__set_count(rtp_opus_toc_t *t, uint8_t count)
{
    t->frame_count = count;
    t->samples_48k = count * opus__samples_48k(t->frame_duration_us);
}

void rtp_opus_toc_decode(uint8_t toc, rtp_opus_toc_t *out)
{
    memset(out, 0, sizeof *out);
    out->config = (uint8_t)(toc >> 3);
    out->mode = opus__configs[out->config].mode;
    out->bandwidth = opus__configs[out->config].bandwidth;
    out->frame_duration_us = opus__configs[out->config].frame_duration_us;
    out->stereo = (toc & OPUS_STEREO) != 0;
    out->code = toc & OPUS_CODE_MASK;
    if (out->code != 3)
        opus__set_count(out, out->code == 0 ? 1 : 2);
}

rtp_err_t rtp_opus_toc_parse(const uint8_t *payload, size_t len, rtp_opus_toc_t *out)
{
    memset(out, 0, sizeof *out);
    if (len == 0)
        return RTP_ERR_TRUNCATED;
    rtp_opus_toc_t t;
    rtp_opus_toc_decode(payload[0], &t);
    if (t.code == 3) {
        if (len < 2)
            return RTP_ERR_TRUNCATED;
        uint8_t count = payload[1] & OPUS_COUNT_MASK;
        /* R5; with M at most 63 the product cannot overflow. */
        if (count == 0 || count * t.frame_duration_us > RTP_OPUS_MAX_PACKET_US)
            return RTP_ERR_MALFORMED;
        t.vbr = (payload[1] & OPUS_VBR) != 0;
        t.padded = (payload[1] & OPUS_PADDED) != 0;
        opus__set_count(&t, count);
    }
    *out = t;
    return RTP_OK;
}

uint8_t rtp_opus_toc_make(uint8_t config, bool stereo, uint8_t code)
{
    return (uint8_t)((config & 0x1f) << 3 | (stereo ? OPUS_STEREO : 0) | (code & OPUS_CODE_MASK));
}
