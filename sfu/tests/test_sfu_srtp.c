/* The SFU core with hop-by-hop SRTP (RFC 3711, RFC 7714 AEAD_AES_128_GCM,
 * keyed per RFC 5764 from per-participant keying material): a publisher's
 * SRTP packet is unprotected, observed in clear, re-protected for the
 * subscriber, who can unprotect it; SRTCP feedback flows both ways; a
 * tampered packet is an authentication failure, counted and dropped. */
#include "sfu/srtp_session.h"
#include "sfu/tests/sfu_test_util.h"

static t_sink_t sink;
static t_observer_t obs;

/* Keying material for participant `id`: 60 bytes, enough for every profile. */
static void material(uint32_t id, uint8_t out[60])
{
    for (unsigned i = 0; i < 60; i++)
        out[i] = (uint8_t)(id * 37u + i * 11u + 1u);
}

/* The participant's own session: the DTLS client when the SFU is server. */
static sfu__srtp_session_t *peer_session(sfu_srtp_profile_t profile, uint32_t id)
{
    uint8_t km[60];
    material(id, km);
    sfu__srtp_config_t c = sfu__srtp_config_default((sfu__srtp_profile_t)profile);
    sfu__srtp_session_t *s = NULL;
    ck_assert_int_eq(sfu__srtp_session_new(&c, SFU__SRTP_ROLE_CLIENT, km,
                                           sfu__srtp_material_len((sfu__srtp_profile_t)profile),
                                           &s),
                     SFU_OK);
    return s;
}

static sfu_room_t *srtp_room(sfu_srtp_profile_t profile)
{
    t_sink_reset(&sink);
    memset(&obs, 0, sizeof(obs));
    sfu_config_t config = sfu_config_default();
    sfu_room_t *room = t_room(&config, &sink, &obs);
    sfu_room_free(room);
    config.srtp_profile = profile;
    ck_assert_int_eq(sfu_room_new(&config, &room), SFU_OK);
    for (uint32_t id = 1; id <= 2; id++) {
        uint8_t km[60];
        material(id, km);
        sfu_participant_config_t pc = { .id = id,
                                        .role = SFU_DTLS_SERVER,
                                        .keying_material = km,
                                        .keying_material_len =
                                            sfu__srtp_material_len((sfu__srtp_profile_t)profile) };
        ck_assert_int_eq(sfu_add_participant(room, &pc), SFU_OK);
    }
    t_declare_audio(room, 1);
    t_subscribe(room, 2, 1, 1, 0);
    return room;
}

static void srtp_end_to_end(sfu_srtp_profile_t profile)
{
    sfu_room_t *room = srtp_room(profile);
    sfu__srtp_session_t *pub = peer_session(profile, 1);
    sfu__srtp_session_t *sub = peer_session(profile, 2);
    uint32_t buf[T_MAX_PKT / 4];
    uint8_t *pkt = (uint8_t *)buf;
    for (unsigned i = 0; i < 5; i++) {
        /* Given the publisher's protected packet */
        t_rtp_t r = t_rtp_default();
        r.ssrc = 1001;
        r.pt = 111;
        r.seq = (uint16_t)(10 + i);
        r.audio_level = 25;
        /* with a padding count that only SRTP decryption reveals */
        r.padding = i == 2 ? 4 : 0;
        size_t len = t_build_rtp(&r, pkt, T_MAX_PKT - 32), plen = 0;
        uint8_t clear[T_MAX_PKT];
        memcpy(clear, pkt, len);
        ck_assert_int_eq(sfu__srtp_protect_rtp(pub, pkt, len, T_MAX_PKT, &plen), SFU_OK);
        ck_assert(memcmp(pkt + len - 20, clear + len - 20, 20) != 0); /* payload encrypted */
        /* When the SFU gets it */
        ck_assert_int_eq(sfu_input(room, 1, i * 20u * T_MS, pkt, plen), SFU_OK);
        /* Then the subscriber can unprotect what it is sent: the same
         * payload under the rewritten header */
        const t_captured_t *c = t_sink_back(&sink, 0);
        ck_assert_uint_eq(c->to, 2);
        memcpy(pkt, c->bytes, c->len);
        size_t out_len = 0;
        ck_assert_int_eq(sfu__srtp_unprotect_rtp(sub, pkt, c->len, &out_len), SFU_OK);
        rtp_header_t h, orig;
        ck_assert_int_eq(rtp_parse(pkt, out_len, &h), RTP_OK);
        ck_assert_int_eq(rtp_parse(clear, len, &orig), RTP_OK);
        ck_assert_uint_eq(h.ssrc, t_sub_ssrc(2, 1, 1));
        ck_assert_uint_eq(h.seq, (uint16_t)(1000 + i));
        ck_assert_uint_eq(h.payload_len, orig.payload_len);
        ck_assert_mem_eq(h.payload, orig.payload, orig.payload_len);
    }
    ck_assert_uint_eq(obs.count, 5);
    /* And a NACK over SRTCP from the subscriber gets an RTX it can read */
    rtp_rtcp_nack_item_t item = { .pid = 1002 };
    rtp_rtcp_nack_params_t np = {
        .sender_ssrc = 9, .media_ssrc = t_sub_ssrc(2, 1, 1), .items = &item, .n_items = 1
    };
    size_t len = 0, plen = 0;
    ck_assert_int_eq(rtp_rtcp_build_nack(pkt, 256, &np, &len), RTP_OK);
    ck_assert_int_eq(sfu__srtp_protect_rtcp(sub, pkt, len, T_MAX_PKT, &plen), SFU_OK);
    size_t before = sink.count;
    ck_assert_int_eq(sfu_input(room, 2, 200 * T_MS, pkt, plen), SFU_OK);
    ck_assert_uint_eq(sink.count, before + 1);
    const t_captured_t *c = t_sink_back(&sink, 0);
    memcpy(pkt, c->bytes, c->len);
    ck_assert_int_eq(sfu__srtp_unprotect_rtp(sub, pkt, c->len, &len), SFU_OK);
    rtp_header_t h;
    ck_assert_int_eq(rtp_parse(pkt, len, &h), RTP_OK);
    ck_assert_uint_eq(h.ssrc, t_sub_ssrc(2, 1, 1) + 5u);
    /* And the SFU's SR to the subscriber is valid SRTCP */
    before = sink.count;
    (void)sfu_poll(room, 300 * T_MS);
    bool got_sr = false;
    for (size_t i = before; i < sink.count; i++) {
        c = &sink.packets[i % T_MAX_CAPTURED];
        if (c->to != 2)
            continue;
        memcpy(pkt, c->bytes, c->len);
        ck_assert_int_eq(sfu__srtp_unprotect_rtcp(sub, pkt, c->len, &len), SFU_OK);
        got_sr |= pkt[1] == RTP_RTCP_PT_SR;
    }
    ck_assert(got_sr);
    /* When a packet is tampered with */
    t_rtp_t r = t_rtp_default();
    r.ssrc = 1001;
    r.pt = 111;
    r.seq = 99;
    len = t_build_rtp(&r, pkt, T_MAX_PKT - 32);
    ck_assert_int_eq(sfu__srtp_protect_rtp(pub, pkt, len, T_MAX_PKT, &plen), SFU_OK);
    pkt[plen - 3] ^= 1;
    before = sink.count;
    ck_assert_int_eq(sfu_input(room, 1, 400 * T_MS, pkt, plen), SFU_OK);
    /* Then it is dropped, unobserved, and counted */
    ck_assert_uint_eq(sink.count, before);
    ck_assert_uint_eq(obs.count, 5);
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_eq(s.dropped.srtp_auth, 1);
    sfu__srtp_session_free(pub);
    sfu__srtp_session_free(sub);
    sfu_room_free(room);
}

START_TEST(gcm_end_to_end)
{
    srtp_end_to_end(SFU_SRTP_AEAD_AES_128_GCM);
}
END_TEST

START_TEST(cm_sha1_end_to_end)
{
    srtp_end_to_end(SFU_SRTP_AES_CM_128_HMAC_SHA1_80);
}
END_TEST

START_TEST(wrong_keying_material_is_refused)
{
    t_sink_reset(&sink);
    sfu_config_t config = sfu_config_default();
    config.sink = t_sink_fn;
    config.sink_ctx = &sink;
    sfu_room_t *room = NULL;
    ck_assert_int_eq(sfu_room_new(&config, &room), SFU_OK);
    uint8_t km[56] = { 0 };
    sfu_participant_config_t pc = { .id = 1, .keying_material = km, .keying_material_len = 55 };
    ck_assert_int_eq(sfu_add_participant(room, &pc), SFU_ERR_MALFORMED);
    pc.keying_material_len = 56;
    ck_assert_int_eq(sfu_add_participant(room, &pc), SFU_OK);
    ck_assert_int_eq(sfu_add_participant(room, &pc), SFU_ERR_INVALID_ARG); /* same id */
    sfu_room_free(room);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("sfu_srtp");
    TCase *tc = tcase_create("srtp");
    tcase_add_test(tc, gcm_end_to_end);
    tcase_add_test(tc, cm_sha1_end_to_end);
    tcase_add_test(tc, wrong_keying_material_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
