/* Fuzz target: an RTP packet with header extensions (rtp/rtp_packet.h,
 * rtp/rtp_ext.h). Besides not crashing, whatever parses must survive these
 * round trips:
 *  - rtp_write() of the parsed header and payload reproduces the packet's
 *    header and payload bytes;
 *  - an identity rtp_ext_remap() keeps every element (ID, length, value);
 *  - RTX wrap then unwrap gives back the original header and payload;
 *  - an abs-capture-time value that parses is written back identically. */
#include "fuzz.h"

#include "rtp/rtp.h"

#include <string.h>

#define MAX_PACKET 2048

typedef struct elem_list {
    size_t count;
    rtp_ext_elem_t elems[1024]; /* a 2048-byte packet holds at most 1018 */
    rtp_err_t end;              /* what ended the iteration */
} elem_list_t;

static void list_elements(const rtp_header_t *h, elem_list_t *list)
{
    list->count = 0;
    rtp_ext_iter_t it;
    list->end = rtp_ext_iter_init(&it, h);
    if (list->end != RTP_OK)
        return;
    rtp_ext_elem_t e;
    while ((list->end = rtp_ext_next(&it, &e)) == RTP_OK) {
        FUZZ_ASSERT(list->count < sizeof list->elems / sizeof list->elems[0]);
        list->elems[list->count++] = e;
        /* The typed readers must cope with any element. */
        bool voice;
        uint8_t level;
        uint16_t seq;
        uint32_t ast;
        uint64_t capture_q32;
        bool has_offset;
        int64_t offset_q32;
        char text[256];
        rtp_frame_marking_t fm;
        rtp_ext_audio_level_parse(&e, &voice, &level);
        rtp_ext_twcc_seq_parse(&e, &seq);
        rtp_ext_abs_send_time_parse(&e, &ast);
        if (rtp_ext_abs_capture_time_parse(&e, &capture_q32, &has_offset, &offset_q32) == RTP_OK) {
            /* The writer reproduces the capture time's 8 bytes. */
            uint8_t again[8];
            FUZZ_ASSERT(rtp_ext_abs_capture_time_write(capture_q32, again) == 8);
            FUZZ_ASSERT(memcmp(again, e.value, 8) == 0);
        }
        rtp_ext_mid_parse(&e, text, sizeof text);
        rtp_ext_rid_parse(&e, text, sizeof text);
        rtp_ext_frame_marking_parse(&e, &fm);
    }
}

static void check_identity_remap(const uint8_t *data, size_t size, const rtp_header_t *h,
                                 const elem_list_t *before)
{
    static uint8_t copy[MAX_PACKET + RTP_EXT_EDIT_MAX];
    memcpy(copy, data, size);
    size_t len = size;
    uint8_t map[256];
    for (unsigned i = 0; i < 256; i++)
        map[i] = (uint8_t)i;
    rtp_err_t err = rtp_ext_remap(copy, &len, sizeof copy, map);
    if (err != RTP_OK)
        return; /* malformed blocks and oversized ones are refused, not rebuilt */
    FUZZ_ASSERT(before->end == RTP_ERR_END || before->end == RTP_ERR_NOT_FOUND);

    rtp_header_t after;
    FUZZ_ASSERT(rtp_parse(copy, len, &after) == RTP_OK);
    FUZZ_ASSERT(after.payload_len == h->payload_len);
    FUZZ_ASSERT(memcmp(after.payload, h->payload, h->payload_len) == 0);
    FUZZ_ASSERT(after.padding_len == h->padding_len);
    static elem_list_t rebuilt;
    list_elements(&after, &rebuilt);
    FUZZ_ASSERT(rebuilt.count == before->count);
    for (size_t i = 0; i < before->count; i++) {
        FUZZ_ASSERT(rebuilt.elems[i].id == before->elems[i].id);
        FUZZ_ASSERT(rebuilt.elems[i].len == before->elems[i].len);
        FUZZ_ASSERT(memcmp(rebuilt.elems[i].value, before->elems[i].value, before->elems[i].len) ==
                    0);
    }
}

static void check_rtx_round_trip(const uint8_t *data, size_t size, const rtp_header_t *h)
{
    static uint8_t rtx[MAX_PACKET + 2], back[MAX_PACKET + 2];
    size_t rtx_len, back_len;
    FUZZ_ASSERT(rtp_rtx_wrap(data, size, 0x01020304, 97, 5, rtx, sizeof rtx, &rtx_len) == RTP_OK);
    uint16_t osn;
    FUZZ_ASSERT(rtp_rtx_unwrap(rtx, rtx_len, h->ssrc, h->payload_type, back, sizeof back, &back_len,
                               &osn) == RTP_OK);
    FUZZ_ASSERT(osn == h->seq);
    FUZZ_ASSERT(back_len == h->header_len + h->payload_len);
    /* The P bit is dropped with the padding; everything else is equal. */
    FUZZ_ASSERT((back[0] & 0xdf) == (data[0] & 0xdf));
    FUZZ_ASSERT(memcmp(back + 1, data + 1, back_len - 1) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtp_demux(data, size);
    if (size > MAX_PACKET)
        return 0;
    rtp_header_t h;
    if (rtp_parse(data, size, &h) != RTP_OK)
        return 0;
    FUZZ_ASSERT(h.header_len + h.payload_len + h.padding_len == size);

    static uint8_t out[MAX_PACKET];
    size_t out_len;
    FUZZ_ASSERT(rtp_write(&h, h.payload, h.payload_len, h.padding_len, out, sizeof out, &out_len) ==
                RTP_OK);
    FUZZ_ASSERT(out_len == size);
    FUZZ_ASSERT(memcmp(out, data, h.header_len + h.payload_len) == 0);

    static elem_list_t elems;
    list_elements(&h, &elems);
    check_identity_remap(data, size, &h, &elems);
    check_rtx_round_trip(data, size, &h);
    return 0;
}
