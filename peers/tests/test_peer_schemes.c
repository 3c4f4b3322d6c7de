/* Schemes, suites, signals, SRTP profiles and the oracle's test transforms,
 * each through a call between two peers (peers/tests/peer_pair.h) on the
 * middle layer (320x180) with audio, for 1.2 s:
 *  - every frame B gets decrypts, decodes and verifies, audio included;
 *  - every frame A sends declares exactly its scheme's clear bytes
 *    (peer_sent_frame_t clear_head / clear_tail), and the protected bytes
 *    are what the scheme (or the test transform) makes of the plaintext:
 *    sframe: header, no plaintext visible; insertable-legacy: the clear
 *    prefix, then ciphertext and the 14-byte trailer; none: the plaintext;
 *    XOR_CONSTANT: the plaintext XORed with the pattern; CTR_REUSE: counter
 *    0 on every frame; HALF_CLEAR: the first half of the plaintext right
 *    after the SFrame header. The transforms keep the scheme's declaration
 *    (the SFrame header alone) so the oracle can catch them. */
#include "peers/e2ee.h"
#include "peers/tests/peer_pair.h"

#include <stdio.h>

#define RUN_US (1200u * PAIR_MS)
#define LAYER  1u

typedef struct scheme_case {
    const char *name;
    peer_scheme_t scheme;
    sframe_suite_t suite;
    peer_signal_t signal;
    hbh_profile_t srtp;
    peer_test_transform_t transform;
} scheme_case_t;

static const scheme_case_t cases[] = {
    { "sframe-gcm-dd-aead", PEER_SCHEME_SFRAME, SFRAME_AES_128_GCM_SHA256_128,
      PEER_SIGNAL_DEPENDENCY_DESCRIPTOR, HBH_PROFILE_AEAD_AES_128_GCM, PEER_TEST_TRANSFORM_OFF },
    { "sframe-ctr80-fm-cm", PEER_SCHEME_SFRAME, SFRAME_AES_128_CTR_HMAC_SHA256_80,
      PEER_SIGNAL_FRAME_MARKING, HBH_PROFILE_AES_CM_128_HMAC_SHA1_80, PEER_TEST_TRANSFORM_OFF },
    { "legacy-prefix-aead", PEER_SCHEME_INSERTABLE_LEGACY, SFRAME_AES_128_GCM_SHA256_128,
      PEER_SIGNAL_CLEAR_PREFIX, HBH_PROFILE_AEAD_AES_128_GCM, PEER_TEST_TRANSFORM_OFF },
    { "none-dd-nosrtp", PEER_SCHEME_NONE, SFRAME_AES_128_GCM_SHA256_128,
      PEER_SIGNAL_DEPENDENCY_DESCRIPTOR, HBH_PROFILE_NONE, PEER_TEST_TRANSFORM_OFF },
    { "none-prefix-cm", PEER_SCHEME_NONE, SFRAME_AES_128_GCM_SHA256_128, PEER_SIGNAL_CLEAR_PREFIX,
      HBH_PROFILE_AES_CM_128_HMAC_SHA1_80, PEER_TEST_TRANSFORM_OFF },
    { "xor-constant", PEER_SCHEME_SFRAME, SFRAME_AES_128_GCM_SHA256_128,
      PEER_SIGNAL_DEPENDENCY_DESCRIPTOR, HBH_PROFILE_AEAD_AES_128_GCM,
      PEER_TEST_TRANSFORM_XOR_CONSTANT },
    { "ctr-reuse", PEER_SCHEME_SFRAME, SFRAME_AES_128_GCM_SHA256_128,
      PEER_SIGNAL_DEPENDENCY_DESCRIPTOR, HBH_PROFILE_AEAD_AES_128_GCM,
      PEER_TEST_TRANSFORM_CTR_REUSE },
    { "half-clear", PEER_SCHEME_SFRAME, SFRAME_AES_128_CTR_HMAC_SHA256_80,
      PEER_SIGNAL_FRAME_MARKING, HBH_PROFILE_AEAD_AES_128_GCM, PEER_TEST_TRANSFORM_HALF_CLEAR },
};
#define N_CASES (int)(sizeof(cases) / sizeof(cases[0]))

typedef struct sent_check {
    const scheme_case_t *c;
    size_t frames;
    size_t half_clear_bytes; /* plaintext bytes found in clear (HALF_CLEAR) */
} sent_check_t;

static void check_sframe(sent_check_t *check, const peer_sent_frame_t *f)
{
    const sframe_suite_info_t *info = sframe_suite_info(check->c->suite);
    sframe_header_t header;
    size_t header_len = 0;
    ck_assert_int_eq(
        sframe_header_decode(f->protected_frame, f->protected_len, &header, &header_len),
        SFRAME_OK);
    /* The declaration is the header, whatever the transform does. */
    ck_assert_uint_eq(f->clear_head, header_len);
    ck_assert_uint_eq(f->clear_tail, 0);
    ck_assert_uint_eq(f->kid, header.kid);
    ck_assert_uint_eq(f->ctr, header.ctr);
    uint64_t kid = 0;
    unsigned stream = f->kind == PEER_KIND_AUDIO ? 0u : 1u + f->layer;
    ck_assert_int_eq(peer__e2ee_kid(PAIR_A_ID, stream, 1, 0, &kid), SFRAME_OK);
    ck_assert_uint_eq(header.kid, kid);
    const uint8_t *body = f->protected_frame + header_len;
    size_t n = f->plaintext_len;
    switch (check->c->transform) {
    case PEER_TEST_TRANSFORM_XOR_CONSTANT:
        ck_assert_uint_eq(f->protected_len, header_len + n);
        for (size_t i = 0; i < n; i++)
            ck_assert_uint_eq(body[i], f->plaintext[i] ^ peer__e2ee_xor_pattern[i % 16]);
        break;
    case PEER_TEST_TRANSFORM_CTR_REUSE:
        ck_assert_uint_eq(header.ctr, 0);
        ck_assert_uint_eq(f->protected_len, header_len + n + info->nt);
        break;
    case PEER_TEST_TRANSFORM_HALF_CLEAR:
        ck_assert_uint_eq(f->protected_len, header_len + n + info->nt);
        ck_assert_mem_eq(body, f->plaintext, n / 2);
        check->half_clear_bytes += n / 2;
        break;
    case PEER_TEST_TRANSFORM_OFF:
        ck_assert_uint_eq(f->protected_len, header_len + n + info->nt);
        /* Nothing of the plaintext shows after the header. */
        if (n >= 8)
            ck_assert(memcmp(body, f->plaintext, 8) != 0);
        break;
    }
}

static void check_sent(void *ctx, const peer_sent_frame_t *f)
{
    sent_check_t *check = ctx;
    check->frames++;
    ck_assert_uint_eq(f->epoch, check->c->scheme == PEER_SCHEME_NONE ? 0 : 1);
    switch (check->c->scheme) {
    case PEER_SCHEME_SFRAME:
        check_sframe(check, f);
        break;
    case PEER_SCHEME_INSERTABLE_LEGACY: {
        size_t prefix = f->kind == PEER_KIND_AUDIO ? 1 : f->keyframe ? 10 : 3;
        ck_assert_uint_eq(f->clear_head, prefix);
        ck_assert_uint_eq(f->clear_tail, 14);
        ck_assert_uint_eq(f->protected_len, f->plaintext_len + 16 + 14);
        ck_assert_mem_eq(f->protected_frame, f->plaintext, prefix);
        /* The trailer: IV, IV length 12, key index epoch mod 16. */
        ck_assert_uint_eq(f->protected_frame[f->protected_len - 2], 12);
        ck_assert_uint_eq(f->protected_frame[f->protected_len - 1], 1);
        break;
    }
    case PEER_SCHEME_NONE:
        ck_assert_uint_eq(f->clear_head, f->protected_len);
        ck_assert_uint_eq(f->protected_len, f->plaintext_len);
        ck_assert_mem_eq(f->protected_frame, f->plaintext, f->plaintext_len);
        break;
    }
}

START_TEST(scheme_round_trip)
{
    const scheme_case_t *c = &cases[_i];
    pair_t pair;
    pair_init(&pair);
    sent_check_t check = { .c = c };
    pair.on_sent = check_sent;
    pair.on_sent_ctx = &check;
    for (int p = 0; p < 2; p++) {
        peer_config_t *config = p == 0 ? &pair.config_a : &pair.config_b;
        config->scheme = c->scheme;
        config->suite = c->suite;
        config->signal = c->signal;
        config->test_transform = c->transform;
        config->srtp_profile = c->srtp;
        config->keying_material_len = hbh_material_len(c->srtp);
        pair_material(config->keying_material, config->keying_material_len);
    }
    pair.config_a.audio.enabled = true;
    pair_start(&pair);
    pair_receive_layer(&pair, LAYER);
    pair_receive_audio(&pair);
    pair_keys(&pair, 1);

    pair_run(&pair, RUN_US);

    size_t video = 0, audio = 0;
    for (size_t i = 0; i < pair.n_records; i++) {
        const peer_frame_record_t *r = &pair.records[i];
        ck_assert_msg(r->decrypted && r->decoded && r->verified, "%s: frame %llu not verified",
                      c->name, (unsigned long long)r->frame);
        ck_assert_uint_eq(r->epoch, c->scheme == PEER_SCHEME_NONE ? 0 : 1);
        if (r->kind == PEER_KIND_VIDEO) {
            ck_assert_uint_eq(r->layer, LAYER);
            ck_assert_uint_eq(r->frame, video);
            video++;
        } else {
            audio++;
        }
    }
    ck_assert_uint_ge(video, pair_count_sent(&pair, PEER_KIND_VIDEO, LAYER) - 1);
    ck_assert_uint_ge(audio + 12, pair_count_sent(&pair, PEER_KIND_AUDIO, 0));
    ck_assert_uint_ge(audio, 45);
    ck_assert_uint_eq(check.frames, pair.n_sent);
    if (c->transform == PEER_TEST_TRANSFORM_HALF_CLEAR)
        ck_assert_uint_gt(check.half_clear_bytes, 10000);
    peer_stats_t sb = pair_stats(pair.b);
    ck_assert_uint_eq(sb.srtp_failures + sb.malformed, 0);
    ck_assert_uint_gt(pair_stats(pair.a).twcc_feedback_received, 5);
    pair_free(&pair);
}
END_TEST

/* A transform on another scheme than sframe is refused, as is a clear
 * prefix signal with sframe (its header hides the P bit). */
START_TEST(transforms_only_with_sframe)
{
    static const peer_test_transform_t transforms[] = { PEER_TEST_TRANSFORM_XOR_CONSTANT,
                                                        PEER_TEST_TRANSFORM_CTR_REUSE,
                                                        PEER_TEST_TRANSFORM_HALF_CLEAR };
    pair_t pair;
    pair_init(&pair);
    pair.config_a.sink = pair_sink_a;
    for (size_t t = 0; t < 3; t++) {
        for (int s = 0; s < 2; s++) {
            peer_config_t c = pair.config_a;
            c.scheme = s == 0 ? PEER_SCHEME_INSERTABLE_LEGACY : PEER_SCHEME_NONE;
            c.signal = PEER_SIGNAL_CLEAR_PREFIX;
            c.test_transform = transforms[t];
            peer_t *peer = NULL;
            ck_assert_int_eq(peer_new(&c, &peer), PEER_ERR_INVALID_ARG);
            ck_assert_ptr_null(peer);
        }
    }
    peer_config_t c = pair.config_a;
    c.signal = PEER_SIGNAL_CLEAR_PREFIX;
    peer_t *peer = NULL;
    ck_assert_int_eq(peer_new(&c, &peer), PEER_ERR_INVALID_ARG);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("peer_schemes");
    TCase *tc = tcase_create("schemes");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, scheme_round_trip, 0, N_CASES);
    tcase_add_test(tc, transforms_only_with_sframe);
    suite_add_tcase(s, tc);
    return s;
}
