/* A real capture through the parsers: every RTP packet of
 * vectors/pcap/str0m-vp8.pcap (see vectors/SOURCES.md) is read with libpcap,
 * unwrapped from Ethernet/IPv4/UDP and parsed. The expected figures come
 * from SOURCES.md and agree with tshark's RTP stream table. */
#include "rtp/rtp.h"

#include <pcap/pcap.h>
#include <string.h>

#define CAPTURE "vectors/pcap/str0m-vp8.pcap"

/* What the capture holds, per SOURCES.md. */
#define EXPECT_PACKETS   104
#define EXPECT_SSRC      0xEEDF3944u
#define EXPECT_PT        96
#define EXPECT_FIRST_SEQ 14260

/* Extension IDs the sender negotiated: abs-send-time 2, transport-wide
 * sequence number 4, mid 9, rid 10. */
enum { EXT_ABS_SEND_TIME = 2, EXT_TWCC = 4, EXT_MID = 9, EXT_RID = 10 };

/* Returns the UDP payload of an Ethernet/IPv4/UDP frame, or NULL. */
static const uint8_t *udp_payload(const uint8_t *frame, size_t len, size_t *out_len)
{
    if (len < 14 || frame[12] != 0x08 || frame[13] != 0x00)
        return NULL;
    const uint8_t *ip = frame + 14;
    size_t ip_len = len - 14;
    if (ip_len < 20 || ip[0] >> 4 != 4 || ip[9] != 17)
        return NULL;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (ihl < 20 || ip_len < ihl + 8)
        return NULL;
    const uint8_t *udp = ip + ihl;
    size_t udp_len = (size_t)udp[4] << 8 | udp[5];
    if (udp_len < 8 || udp_len > ip_len - ihl)
        return NULL;
    *out_len = udp_len - 8;
    return udp + 8;
}

START_TEST(every_rtp_packet_parses)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pcap = pcap_open_offline(CAPTURE, errbuf);
    ck_assert_msg(pcap != NULL, "%s", errbuf);
    ck_assert_int_eq(pcap_datalink(pcap), DLT_EN10MB);

    unsigned packets = 0, with_mid = 0, with_rid = 0, markers = 0;
    uint16_t expect_seq = EXPECT_FIRST_SEQ;
    uint32_t last_ts = 0;
    struct pcap_pkthdr *hdr;
    const uint8_t *frame;
    int rc;
    while ((rc = pcap_next_ex(pcap, &hdr, &frame)) == 1) {
        ck_assert_uint_eq(hdr->caplen, hdr->len); /* nothing cut by the snaplen */
        size_t len = 0;
        const uint8_t *dgram = udp_payload(frame, hdr->caplen, &len);
        ck_assert_ptr_nonnull(dgram);
        ck_assert_int_eq(rtp_demux(dgram, len), RTP_DEMUX_RTP);

        rtp_header_t h;
        ck_assert_int_eq(rtp_parse(dgram, len, &h), RTP_OK);
        ck_assert_uint_eq(h.ssrc, EXPECT_SSRC);
        ck_assert_uint_eq(h.payload_type, EXPECT_PT);
        ck_assert_uint_eq(h.seq, expect_seq);
        expect_seq++;
        if (packets > 0)
            ck_assert_msg(h.timestamp - last_ts < 0x80000000u, "timestamp went back");
        last_ts = h.timestamp;
        markers += h.marker;
        ck_assert(h.extension);
        ck_assert_uint_eq(h.ext_profile, RTP_EXT_PROFILE_ONE_BYTE);

        /* Every element iterates cleanly and each known one has a valid value. */
        rtp_ext_iter_t it;
        rtp_ext_elem_t e;
        ck_assert_int_eq(rtp_ext_iter_init(&it, &h), RTP_OK);
        rtp_err_t err;
        bool has_ast = false, has_twcc = false;
        while ((err = rtp_ext_next(&it, &e)) == RTP_OK) {
            uint32_t ast;
            uint16_t twcc;
            char text[32];
            switch (e.id) {
            case EXT_ABS_SEND_TIME:
                ck_assert_int_eq(rtp_ext_abs_send_time_parse(&e, &ast), RTP_OK);
                has_ast = true;
                break;
            case EXT_TWCC:
                ck_assert_int_eq(rtp_ext_twcc_seq_parse(&e, &twcc), RTP_OK);
                has_twcc = true;
                break;
            case EXT_MID:
                ck_assert_int_eq(rtp_ext_mid_parse(&e, text, sizeof text), RTP_OK);
                ck_assert_str_eq(text, "1");
                with_mid++;
                break;
            case EXT_RID:
                ck_assert_int_eq(rtp_ext_rid_parse(&e, text, sizeof text), RTP_OK);
                ck_assert_str_eq(text, "l");
                with_rid++;
                break;
            default:
                break;
            }
        }
        ck_assert_int_eq(err, RTP_ERR_END);
        ck_assert(has_ast && has_twcc);

        /* Each payload starts with a VP8 payload descriptor: at least 1 byte. */
        ck_assert_uint_gt(h.payload_len, 1);
        packets++;
    }
    ck_assert_int_eq(rc, PCAP_ERROR_BREAK); /* end of file, not a read error */
    pcap_close(pcap);

    ck_assert_uint_eq(packets, EXPECT_PACKETS);
    ck_assert_uint_eq(with_mid, 2); /* the sender stops repeating mid/rid */
    ck_assert_uint_eq(with_rid, 2);
    ck_assert_uint_gt(markers, 0);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("rtp_pcap");
    TCase *tc = tcase_create("str0m-vp8");
    tcase_add_test(tc, every_rtp_packet_parses);
    suite_add_tcase(s, tc);
    return s;
}
