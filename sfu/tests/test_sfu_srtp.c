/* The SFU core with hop-by-hop SRTP (RFC 3711, RFC 7714 AEAD_AES_128_GCM,
 * keyed per RFC 5764 from per-participant keying material), its
 * participants playing their side with hbh/ sessions: a publisher's SRTP
 * packet is unprotected, observed in clear, re-protected for the
 * subscriber, who can unprotect it; SRTCP feedback flows both ways; a
 * tampered packet is an authentication failure, counted and dropped; and
 * the SFU's error codes have their names and messages. */
#include "hbh/hbh.h"
#include "sfu/tests/sfu_test_util.h"

static t_sink_t sink;
static t_observer_t obs;

/* Keying material for participant `id`: 60 bytes, enough for every profile. */
static void material(uint32_t id, uint8_t out[60])
{
    for (unsigned i = 0; i < 60; i++)
        out[i] = (uint8_t)(id * 37u + i * 11u + 1u);
}

/* The hbh/ profile of the room's profile. */
static hbh_profile_t hbh_profile_of(sfu_srtp_profile_t profile)
{
    switch (profile) {
    case SFU_SRTP_NONE:
        return HBH_PROFILE_NONE;
    case SFU_SRTP_AES_CM_128_HMAC_SHA1_80:
        return HBH_PROFILE_AES_CM_128_HMAC_SHA1_80;
    case SFU_SRTP_AEAD_AES_128_GCM:
        return HBH_PROFILE_AEAD_AES_128_GCM;
    }
    ck_abort_msg("profile %d", (int)profile);
    return HBH_PROFILE_NONE;
}

/* The participant's own session: the DTLS client when the SFU is server. */
static hbh_session_t *peer_session(sfu_srtp_profile_t profile, uint32_t id)
{
    uint8_t km[60];
    material(id, km);
    hbh_config_t c = hbh_config_default(hbh_profile_of(profile));
    hbh_session_t *s = NULL;
    ck_assert_int_eq(
        hbh_session_new(&c, HBH_ROLE_CLIENT, km, hbh_material_len(hbh_profile_of(profile)), &s),
        HBH_OK);
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
                                            hbh_material_len(hbh_profile_of(profile)) };
        ck_assert_int_eq(sfu_add_participant(room, &pc), SFU_OK);
    }
    t_declare_audio(room, 1);
    t_subscribe(room, 2, 1, 1, 0);
    return room;
}

static void srtp_end_to_end(sfu_srtp_profile_t profile)
{
    sfu_room_t *room = srtp_room(profile);
    hbh_session_t *pub = peer_session(profile, 1);
    hbh_session_t *sub = peer_session(profile, 2);
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
        ck_assert_int_eq(hbh_protect_rtp(pub, pkt, len, T_MAX_PKT, &plen), HBH_OK);
        ck_assert(memcmp(pkt + len - 20, clear + len - 20, 20) != 0); /* payload encrypted */
        /* When the SFU gets it */
        ck_assert_int_eq(sfu_input(room, 1, i * 20u * T_MS, pkt, plen), SFU_OK);
        /* Then the subscriber can unprotect what it is sent: the same
         * payload under the rewritten header */
        const t_captured_t *c = t_sink_back(&sink, 0);
        ck_assert_uint_eq(c->to, 2);
        memcpy(pkt, c->bytes, c->len);
        size_t out_len = 0;
        ck_assert_int_eq(hbh_unprotect_rtp(sub, pkt, c->len, &out_len), HBH_OK);
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
    ck_assert_int_eq(hbh_protect_rtcp(sub, pkt, len, T_MAX_PKT, &plen), HBH_OK);
    size_t before = sink.count;
    ck_assert_int_eq(sfu_input(room, 2, 200 * T_MS, pkt, plen), SFU_OK);
    ck_assert_uint_eq(sink.count, before + 1);
    const t_captured_t *c = t_sink_back(&sink, 0);
    memcpy(pkt, c->bytes, c->len);
    ck_assert_int_eq(hbh_unprotect_rtp(sub, pkt, c->len, &len), HBH_OK);
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
        ck_assert_int_eq(hbh_unprotect_rtcp(sub, pkt, c->len, &len), HBH_OK);
        got_sr |= pkt[1] == RTP_RTCP_PT_SR;
    }
    ck_assert(got_sr);
    /* When a packet is tampered with */
    t_rtp_t r = t_rtp_default();
    r.ssrc = 1001;
    r.pt = 111;
    r.seq = 99;
    len = t_build_rtp(&r, pkt, T_MAX_PKT - 32);
    ck_assert_int_eq(hbh_protect_rtp(pub, pkt, len, T_MAX_PKT, &plen), HBH_OK);
    pkt[plen - 3] ^= 1;
    before = sink.count;
    ck_assert_int_eq(sfu_input(room, 1, 400 * T_MS, pkt, plen), SFU_OK);
    /* Then it is dropped, unobserved, and counted */
    ck_assert_uint_eq(sink.count, before);
    ck_assert_uint_eq(obs.count, 5);
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_eq(s.dropped.srtp_auth, 1);
    hbh_session_free(pub);
    hbh_session_free(sub);
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

/* Each hop-by-hop failure lands in the stats counter it always did: a
 * replayed SRTP or SRTCP packet in srtp_replay, a tampered SRTCP packet in
 * srtp_auth, one cut short of its tag in malformed_rtp / malformed_rtcp. */
START_TEST(srtp_failures_are_counted_by_cause)
{
    sfu_room_t *room = srtp_room(SFU_SRTP_AEAD_AES_128_GCM);
    hbh_session_t *pub = peer_session(SFU_SRTP_AEAD_AES_128_GCM, 1);
    hbh_session_t *sub = peer_session(SFU_SRTP_AEAD_AES_128_GCM, 2);
    uint32_t buf[T_MAX_PKT / 4];
    uint8_t *pkt = (uint8_t *)buf;
    /* Given one protected RTP packet, delivered once */
    t_rtp_t r = t_rtp_default();
    r.ssrc = 1001;
    r.pt = 111;
    r.seq = 10;
    r.audio_level = 25;
    size_t len = t_build_rtp(&r, pkt, T_MAX_PKT - 32), plen = 0;
    ck_assert_int_eq(hbh_protect_rtp(pub, pkt, len, T_MAX_PKT, &plen), HBH_OK);
    ck_assert_int_eq(sfu_input(room, 1, 0, pkt, plen), SFU_OK);
    ck_assert_uint_eq(obs.count, 1);
    /* When it comes again, and a copy cut short of its tag comes */
    ck_assert_int_eq(sfu_input(room, 1, 1 * T_MS, pkt, plen), SFU_OK);
    /* (20 header bytes with the audio level, then 10 of the 16-byte tag) */
    ck_assert_int_eq(sfu_input(room, 1, 2 * T_MS, pkt, 30), SFU_OK);
    /* Then one is a replay and one is malformed, neither observed */
    sfu_stats_t s = t_stats(room);
    ck_assert_uint_eq(s.dropped.srtp_replay, 1);
    ck_assert_uint_eq(s.dropped.malformed_rtp, 1);
    ck_assert_uint_eq(s.dropped.srtp_auth, 0);
    ck_assert_uint_eq(obs.count, 1);

    /* Given a protected RTCP PLI from the subscriber */
    rtp_rtcp_pli_t pli = { .sender_ssrc = 9, .media_ssrc = t_sub_ssrc(2, 1, 1) };
    ck_assert_int_eq(rtp_rtcp_build_pli(pkt, 256, &pli, &len), RTP_OK);
    ck_assert_int_eq(hbh_protect_rtcp(sub, pkt, len, T_MAX_PKT, &plen), HBH_OK);
    uint8_t copy[T_MAX_PKT];
    memcpy(copy, pkt, plen);
    ck_assert_int_eq(sfu_input(room, 2, 3 * T_MS, pkt, plen), SFU_OK);
    /* When it is replayed, tampered with, and cut short */
    ck_assert_int_eq(sfu_input(room, 2, 4 * T_MS, copy, plen), SFU_OK);
    copy[plen - 1] ^= 1;
    ck_assert_int_eq(sfu_input(room, 2, 5 * T_MS, copy, plen), SFU_OK);
    ck_assert_int_eq(sfu_input(room, 2, 6 * T_MS, copy, 10), SFU_OK);
    /* Then each is counted under its own cause */
    s = t_stats(room);
    ck_assert_uint_eq(s.rtcp_in, 1);
    ck_assert_uint_eq(s.dropped.srtp_replay, 2);
    ck_assert_uint_eq(s.dropped.srtp_auth, 1);
    ck_assert_uint_eq(s.dropped.malformed_rtcp, 1);
    ck_assert_uint_eq(s.dropped.srtp_other, 0);
    hbh_session_free(pub);
    hbh_session_free(sub);
    sfu_room_free(room);
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

START_TEST(unknown_profile_is_refused)
{
    t_sink_reset(&sink);
    sfu_config_t config = sfu_config_default();
    config.sink = t_sink_fn;
    config.sink_ctx = &sink;
    config.srtp_profile = (sfu_srtp_profile_t)3;
    sfu_room_t *room = NULL;
    ck_assert_int_eq(sfu_room_new(&config, &room), SFU_ERR_INVALID_ARG);
    config.srtp_profile = (sfu_srtp_profile_t)-1;
    ck_assert_int_eq(sfu_room_new(&config, &room), SFU_ERR_INVALID_ARG);
    ck_assert_ptr_null(room);
}
END_TEST

START_TEST(error_names)
{
    ck_assert_int_eq(SFU_OK, 0);
    ck_assert_str_eq(sfu_errname(SFU_OK), "SFU_OK");
    ck_assert_str_eq(sfu_errname(SFU_ERR_SRTP_AUTH), "SFU_ERR_SRTP_AUTH");
    ck_assert_str_eq(sfu_errname(SFU_ERR_EVICTED), "SFU_ERR_EVICTED");
    ck_assert_str_eq(sfu_strerror(SFU_ERR_NO_SPACE), "output buffer too small");
    ck_assert_str_eq(sfu_errname(SFU_ERR__COUNT), "SFU_ERR_UNKNOWN");
    ck_assert_str_eq(sfu_strerror((sfu_err_t)-1), "unknown sfu error");
    for (int code = 0; code < SFU_ERR__COUNT; code++) {
        ck_assert_ptr_nonnull(sfu_strerror((sfu_err_t)code));
        ck_assert_uint_gt(strlen(sfu_strerror((sfu_err_t)code)), 0);
        ck_assert_int_eq(strncmp(sfu_errname((sfu_err_t)code), "SFU_", 4), 0);
    }
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("sfu_srtp");
    TCase *tc = tcase_create("srtp");
    tcase_add_test(tc, gcm_end_to_end);
    tcase_add_test(tc, cm_sha1_end_to_end);
    tcase_add_test(tc, srtp_failures_are_counted_by_cause);
    tcase_add_test(tc, wrong_keying_material_is_refused);
    tcase_add_test(tc, unknown_profile_is_refused);
    tcase_add_test(tc, error_names);
    suite_add_tcase(s, tc);
    return s;
}
