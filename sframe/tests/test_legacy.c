/* The legacy insertable-streams format (sframe/legacy.c) of Jitsi and
 * LiveKit: key derivation against vectors computed apart from this code,
 * LiveKit's own test vectors, frame layout, round trips, tampering with
 * every bit, truncation at every length, the ratchet a receiver follows
 * and the key ring.
 *
 * Independent vectors: the KDF outputs and whole protected frames marked
 * "python" were computed with python3 (hmac/hashlib HKDF-SHA256 written
 * out by hand, hashlib.pbkdf2_hmac, cryptography's AESGCM), not through
 * OpenSSL's KDFs or this module. The "LiveKit" vectors are copied from
 * livekit/client-sdk-js src/e2ee/worker/FrameCryptor.test.ts ("decrypts
 * frame with correct key") and the snapshot of
 * src/e2ee/worker/ParticipantKeyHandler.test.ts ("ratchets keys
 * predictably"). */
#include "sframe/sframe.h"

#include <check.h>
#include <openssl/evp.h>
#include <string.h>

Suite *blindfold_test_suite(void);

#define OVERHEAD SFRAME_LEGACY_MAX_OVERHEAD

/* The key of lib-jitsi-meet modules/e2ee/Context.spec.ts. */
static const uint8_t jitsi_spec_key[32] = { 1 };

static sframe_legacy_sender_t *make_sender(sframe_legacy_variant_t variant, uint64_t first_count,
                                           unsigned key_index, const uint8_t *material,
                                           size_t material_len)
{
    sframe_legacy_sender_config_t config = sframe_legacy_sender_config_default(variant);
    config.first_send_count = first_count;
    sframe_legacy_sender_t *sender = NULL;
    ck_assert_int_eq(sframe_legacy_sender_new(&config, &sender), SFRAME_OK);
    ck_assert_int_eq(sframe_legacy_sender_set_key(sender, key_index, material, material_len),
                     SFRAME_OK);
    return sender;
}

static sframe_legacy_receiver_t *make_receiver_config(const sframe_legacy_receiver_config_t *config,
                                                      unsigned key_index, const uint8_t *material,
                                                      size_t material_len)
{
    sframe_legacy_receiver_t *receiver = NULL;
    ck_assert_int_eq(sframe_legacy_receiver_new(config, &receiver), SFRAME_OK);
    ck_assert_int_eq(sframe_legacy_receiver_set_key(receiver, key_index, material, material_len),
                     SFRAME_OK);
    return receiver;
}

static sframe_legacy_receiver_t *make_receiver(sframe_legacy_variant_t variant, unsigned key_index,
                                               const uint8_t *material, size_t material_len)
{
    sframe_legacy_receiver_config_t config = sframe_legacy_receiver_config_default(variant);
    return make_receiver_config(&config, key_index, material, material_len);
}

/* --- Clear prefix ------------------------------------------------------------ */

START_TEST(test_clear_bytes)
{
    ck_assert_uint_eq(sframe_legacy_clear_bytes(SFRAME_LEGACY_VIDEO_VP8, true), 10);
    ck_assert_uint_eq(sframe_legacy_clear_bytes(SFRAME_LEGACY_VIDEO_VP8, false), 3);
    ck_assert_uint_eq(sframe_legacy_clear_bytes(SFRAME_LEGACY_AUDIO, true), 1);
    ck_assert_uint_eq(sframe_legacy_clear_bytes(SFRAME_LEGACY_AUDIO, false), 1);
    ck_assert_uint_eq(sframe_legacy_clear_bytes((sframe_legacy_codec_t)7, true), 0);
    ck_assert_uint_eq(OVERHEAD, 30);

    const uint8_t key[] = { 0x50 }, delta[] = { 0x51 };
    ck_assert_uint_eq(sframe_legacy_frame_clear_bytes(SFRAME_LEGACY_VIDEO_VP8, key, 1), 10);
    ck_assert_uint_eq(sframe_legacy_frame_clear_bytes(SFRAME_LEGACY_VIDEO_VP8, delta, 1), 3);
    ck_assert_uint_eq(sframe_legacy_frame_clear_bytes(SFRAME_LEGACY_VIDEO_VP8, key, 0), 0);
    ck_assert_uint_eq(sframe_legacy_frame_clear_bytes(SFRAME_LEGACY_AUDIO, key, 1), 1);
    ck_assert_str_eq(sframe_legacy_variant_name(SFRAME_LEGACY_JITSI), "jitsi");
    ck_assert_str_eq(sframe_legacy_variant_name(SFRAME_LEGACY_LIVEKIT), "livekit");
    ck_assert_str_eq(sframe_legacy_variant_name(SFRAME_LEGACY_LIVEKIT_PASSWORD),
                     "livekit-password");
    ck_assert_str_eq(sframe_legacy_variant_name((sframe_legacy_variant_t)9), "unknown");
}
END_TEST

/* RFC 6386 section 9.1: only bit 0 of the first byte decides. */
START_TEST(test_vp8_p_bit)
{
    uint8_t first = (uint8_t)_i;
    ck_assert_int_eq(sframe_legacy_vp8_is_keyframe(first), (first & 1) == 0);
    ck_assert_uint_eq(sframe_legacy_frame_clear_bytes(SFRAME_LEGACY_VIDEO_VP8, &first, 1),
                      (first & 1) ? 3 : 10);
}
END_TEST

/* --- Key derivation ----------------------------------------------------------- */

/* python: HKDF-SHA256(salt "JFrameEncryptionKey", info "", 16) and
 * HKDF-SHA256(salt "JFrameRatchetKey", info "", 32) of the spec's key. */
static const uint8_t jitsi_key0[16] = { 0xf4, 0x96, 0xe7, 0xd5, 0xa8, 0x64, 0xad, 0x7f,
                                        0x50, 0x0e, 0xb7, 0x50, 0xe4, 0xa2, 0x67, 0xc2 };
static const uint8_t jitsi_ratchet1[32] = { 0x26, 0x83, 0xd3, 0x60, 0x87, 0x08, 0x08, 0x64,
                                            0x50, 0x9b, 0x1a, 0xfd, 0x3d, 0x5f, 0xbf, 0x96,
                                            0x36, 0xe7, 0xe6, 0x08, 0x85, 0xad, 0xb9, 0xa5,
                                            0xbc, 0x95, 0xbf, 0xea, 0x06, 0x93, 0xac, 0x67 };
static const uint8_t jitsi_key1[16] = { 0x77, 0x84, 0x32, 0x7d, 0x36, 0x0f, 0x83, 0x92,
                                        0x71, 0xf2, 0x55, 0x1d, 0xe8, 0x51, 0xa8, 0x67 };
/* python: HKDF-SHA256(salt "LKFrameEncryptionKey", info 128 zero bytes). */
static const uint8_t livekit_ratchet1[32] = { 0x57, 0x23, 0x61, 0x10, 0x06, 0xcb, 0x6d, 0x40,
                                              0x80, 0x09, 0x98, 0x62, 0x3b, 0xd0, 0x13, 0x62,
                                              0xb4, 0x2e, 0x0a, 0x92, 0x89, 0x04, 0xdd, 0xda,
                                              0x85, 0x23, 0x80, 0x12, 0x90, 0xeb, 0xe6, 0x28 };

START_TEST(test_jitsi_kdf_vector)
{
    uint8_t key[16], next[32];
    ck_assert_int_eq(
        sframe_legacy_derive_key(SFRAME_LEGACY_JITSI, jitsi_spec_key, sizeof jitsi_spec_key, key),
        SFRAME_OK);
    ck_assert_mem_eq(key, jitsi_key0, 16);
    ck_assert_int_eq(
        sframe_legacy_ratchet(SFRAME_LEGACY_JITSI, jitsi_spec_key, sizeof jitsi_spec_key, next),
        SFRAME_OK);
    ck_assert_mem_eq(next, jitsi_ratchet1, 32);
    ck_assert_int_eq(sframe_legacy_derive_key(SFRAME_LEGACY_JITSI, next, 32, key), SFRAME_OK);
    ck_assert_mem_eq(key, jitsi_key1, 16);

    /* The output may overwrite its input. */
    uint8_t material[32];
    memcpy(material, jitsi_spec_key, 32);
    ck_assert_int_eq(sframe_legacy_ratchet(SFRAME_LEGACY_JITSI, material, 32, material), SFRAME_OK);
    ck_assert_mem_eq(material, jitsi_ratchet1, 32);
}
END_TEST

/* LiveKit derives key and ratchet with the same salt and info, so the AES
 * key is the first half of the next material: whoever is handed ratcheted
 * material (ParticipantKeyHandler's KeyRatcheted event, shared out of band)
 * holds the key before the ratchet. Jitsi's two salts avoid that. */
START_TEST(test_livekit_kdf_vector)
{
    uint8_t key[16], next[32];
    ck_assert_int_eq(sframe_legacy_derive_key(SFRAME_LEGACY_LIVEKIT, jitsi_spec_key, 32, key),
                     SFRAME_OK);
    ck_assert_int_eq(sframe_legacy_ratchet(SFRAME_LEGACY_LIVEKIT, jitsi_spec_key, 32, next),
                     SFRAME_OK);
    ck_assert_mem_eq(next, livekit_ratchet1, 32);
    ck_assert_mem_eq(key, next, 16);

    ck_assert_int_eq(
        sframe_legacy_derive_key(SFRAME_LEGACY_LIVEKIT_PASSWORD, (const uint8_t *)"pw", 2, key),
        SFRAME_OK);
    ck_assert_int_eq(
        sframe_legacy_ratchet(SFRAME_LEGACY_LIVEKIT_PASSWORD, (const uint8_t *)"pw", 2, next),
        SFRAME_OK);
    ck_assert_mem_eq(key, next, 16);

    ck_assert_mem_ne(jitsi_key0, jitsi_ratchet1, 16);
}
END_TEST

START_TEST(test_variants_differ)
{
    static const sframe_legacy_variant_t variants[] = { SFRAME_LEGACY_JITSI, SFRAME_LEGACY_LIVEKIT,
                                                        SFRAME_LEGACY_LIVEKIT_PASSWORD };
    uint8_t keys[3][16], nexts[3][32];
    for (size_t v = 0; v < 3; v++) {
        ck_assert_int_eq(sframe_legacy_derive_key(variants[v], jitsi_spec_key, 32, keys[v]),
                         SFRAME_OK);
        ck_assert_int_eq(sframe_legacy_ratchet(variants[v], jitsi_spec_key, 32, nexts[v]),
                         SFRAME_OK);
    }
    for (size_t a = 0; a < 3; a++)
        for (size_t b = a + 1; b < 3; b++) {
            ck_assert_mem_ne(keys[a], keys[b], 16);
            ck_assert_mem_ne(nexts[a], nexts[b], 32);
        }

    /* The same material gives frames the other variant cannot open. */
    const uint8_t frame[] = { 0xfc, 1, 2, 3, 4 };
    uint8_t prot[sizeof frame + OVERHEAD], back[sizeof frame];
    size_t len = 0, back_len = 0;
    sframe_legacy_sender_t *tx = make_sender(SFRAME_LEGACY_JITSI, 0, 0, jitsi_spec_key, 32);
    sframe_legacy_receiver_t *rx = make_receiver(SFRAME_LEGACY_LIVEKIT, 0, jitsi_spec_key, 32);
    ck_assert_int_eq(sframe_legacy_sender_protect(tx, SFRAME_LEGACY_AUDIO, 1, 2, frame,
                                                  sizeof frame, prot, sizeof prot, &len),
                     SFRAME_OK);
    ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, SFRAME_LEGACY_AUDIO, prot, len, back,
                                                      sizeof back, &back_len, NULL),
                     SFRAME_ERR_AUTH);
    sframe_legacy_sender_free(tx);
    sframe_legacy_receiver_free(rx);
}
END_TEST

/* LiveKit's snapshot: the key of "password" and of its first nine
 * ratchets, each encrypting 0..16 under a zero IV with no AAD. Rows 0, 1
 * and 9 of the ten. */
static const uint8_t lk_snapshot[3][33] = {
    { 42, 226, 94,  49,  152, 18,  79, 1,  55, 190, 250, 80,  143, 19,  134, 218, 200,
      55, 87,  102, 117, 217, 130, 48, 11, 66, 63,  102, 115, 144, 117, 92,  232 },
    { 4,   164, 120, 76,  172, 225, 17,  14, 176, 186, 111, 5,   10,  176, 29, 42, 19,
      215, 72,  227, 203, 139, 219, 147, 85, 78,  62,  191, 186, 123, 248, 60, 147 },
    { 58,  99,  16,  151, 148, 131, 138, 94,  230, 95, 38, 81, 137, 162, 78,  61, 243,
      207, 255, 109, 48,  248, 217, 135, 133, 248, 56, 74, 41, 113, 153, 108, 202 },
};

static void gcm_encrypt_zero_iv(const uint8_t *key, const uint8_t *pt, size_t pt_len, uint8_t *out)
{
    const uint8_t iv[12] = { 0 };
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(EVP_EncryptInit_ex2(ctx, EVP_aes_128_gcm(), key, iv, NULL), 1);
    ck_assert_int_eq(EVP_EncryptUpdate(ctx, out, &n, pt, (int)pt_len), 1);
    ck_assert_int_eq(EVP_EncryptFinal_ex(ctx, out + n, &n), 1);
    ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out + pt_len), 1);
    EVP_CIPHER_CTX_free(ctx);
}

START_TEST(test_livekit_password_snapshot)
{
    uint8_t pt[17];
    for (size_t i = 0; i < sizeof pt; i++)
        pt[i] = (uint8_t)i;
    uint8_t material[32];
    size_t material_len = 8;
    memcpy(material, "password", 8);
    for (int step = 0; step < 10; step++) {
        uint8_t key[16], ct[33];
        ck_assert_int_eq(
            sframe_legacy_derive_key(SFRAME_LEGACY_LIVEKIT_PASSWORD, material, material_len, key),
            SFRAME_OK);
        gcm_encrypt_zero_iv(key, pt, sizeof pt, ct);
        if (step == 0)
            ck_assert_mem_eq(ct, lk_snapshot[0], 33);
        if (step == 1)
            ck_assert_mem_eq(ct, lk_snapshot[1], 33);
        if (step == 9)
            ck_assert_mem_eq(ct, lk_snapshot[2], 33);
        ck_assert_int_eq(
            sframe_legacy_ratchet(SFRAME_LEGACY_LIVEKIT_PASSWORD, material, material_len, material),
            SFRAME_OK);
        material_len = 32;
    }
}
END_TEST

START_TEST(test_kdf_args)
{
    uint8_t out[32];
    uint8_t big[SFRAME_LEGACY_MATERIAL_MAX + 1] = { 0 };
    ck_assert_int_eq(sframe_legacy_derive_key((sframe_legacy_variant_t)3, jitsi_spec_key, 32, out),
                     SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_legacy_derive_key(SFRAME_LEGACY_JITSI, NULL, 32, out),
                     SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_legacy_derive_key(SFRAME_LEGACY_JITSI, jitsi_spec_key, 0, out),
                     SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_legacy_ratchet(SFRAME_LEGACY_JITSI, jitsi_spec_key, 32, NULL),
                     SFRAME_ERR_INVALID_ARG);
    /* One-shots take any length; contexts cap what they store. */
    ck_assert_int_eq(sframe_legacy_derive_key(SFRAME_LEGACY_JITSI, big, sizeof big, out),
                     SFRAME_OK);
    ck_assert_int_eq(sframe_legacy_make_iv((sframe_legacy_variant_t)3, 0, 0, 0, out),
                     SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_legacy_make_iv(SFRAME_LEGACY_JITSI, 0, 0, 0, NULL),
                     SFRAME_ERR_INVALID_ARG);
}
END_TEST

/* --- Frames ------------------------------------------------------------------ */

/* python: the spec's key, key index 3, SSRC 123, timestamp 0x01020304,
 * count 0x12345 (0x2346 mod 0xFFFF); audio frame de ad be ef. */
static const uint8_t kat_jitsi_audio[34] = {
    0xde, 0x11, 0xfc, 0xf5, 0x3a, 0x1d, 0x88, 0x0f, 0x8b, 0x5e, 0xc3, 0xec,
    0x33, 0xb3, 0xf6, 0x3b, 0x52, 0xaa, 0xbf, 0x5d, 0x00, 0x00, 0x00, 0x7b,
    0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x23, 0x46, 0x0c, 0x03,
};
/* python: the next frame after one sender ratchet (count 0x12346). */
static const uint8_t kat_jitsi_audio_ratcheted[34] = {
    0xde, 0x4f, 0x19, 0x60, 0x42, 0x8e, 0x90, 0x1a, 0x8c, 0x2f, 0xf0, 0x7a,
    0xd0, 0x64, 0x4f, 0x1a, 0xe3, 0xd1, 0xb5, 0x3b, 0x00, 0x00, 0x00, 0x7b,
    0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x23, 0x47, 0x0c, 0x03,
};
/* python: key index 0, SSRC 321, timestamp 0xA0B0C0D0, count 7; the
 * spec's VP8 key frame (de ad be ef) x 3. */
static const uint8_t kat_jitsi_vp8_key[42] = {
    0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0x44, 0xbc, 0x83, 0xd5,
    0x71, 0xbd, 0xd4, 0x10, 0x30, 0x00, 0xf2, 0x55, 0x07, 0x6c, 0x08, 0x2c, 0xbc, 0x36,
    0x00, 0x00, 0x01, 0x41, 0xa0, 0xb0, 0xc0, 0xd0, 0x00, 0x00, 0x00, 0x07, 0x0c, 0x00,
};
/* python, LiveKit HKDF: key index 2, SSRC 0xCAFEBABE, timestamp 5, count 10:
 * the third IV word is 5 - 10 mod 2^32. VP8 delta frame 31 02 03
 * "hello livekit". */
static const uint8_t kat_livekit_vp8_delta[46] = {
    0x31, 0x02, 0x03, 0x97, 0xf5, 0xf6, 0x1e, 0xbe, 0xa3, 0x64, 0xf7, 0x4f, 0x11, 0xce, 0x77, 0x23,
    0xbd, 0x3f, 0xbd, 0xe5, 0xcb, 0x4c, 0xd6, 0xca, 0xc4, 0xfd, 0x2a, 0x4b, 0xaf, 0x07, 0xfe, 0x91,
    0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x05, 0xff, 0xff, 0xff, 0xfb, 0x0c, 0x02,
};

static void check_protect(sframe_legacy_sender_t *tx, sframe_legacy_codec_t codec, uint32_t ssrc,
                          uint32_t ts, const uint8_t *frame, size_t frame_len,
                          const uint8_t *expect, size_t expect_len)
{
    uint8_t out[128];
    size_t len = 0;
    ck_assert_int_eq(
        sframe_legacy_sender_protect(tx, codec, ssrc, ts, frame, frame_len, out, sizeof out, &len),
        SFRAME_OK);
    ck_assert_uint_eq(len, expect_len);
    ck_assert_mem_eq(out, expect, expect_len);
}

static void check_unprotect(sframe_legacy_receiver_t *rx, sframe_legacy_codec_t codec,
                            const uint8_t *prot, size_t prot_len, const uint8_t *expect,
                            size_t expect_len, unsigned expect_index)
{
    uint8_t out[128];
    size_t len = 0;
    unsigned index = 99;
    ck_assert_int_eq(
        sframe_legacy_receiver_unprotect(rx, codec, prot, prot_len, out, sizeof out, &len, &index),
        SFRAME_OK);
    ck_assert_uint_eq(len, expect_len);
    ck_assert_mem_eq(out, expect, expect_len);
    ck_assert_uint_eq(index, expect_index);
}

START_TEST(test_python_frames)
{
    const uint8_t audio[] = { 0xde, 0xad, 0xbe, 0xef };
    uint8_t video[12];
    for (size_t i = 0; i < 12; i++)
        video[i] = audio[i % 4];

    sframe_legacy_sender_t *tx = make_sender(SFRAME_LEGACY_JITSI, 0x12345, 3, jitsi_spec_key, 32);
    check_protect(tx, SFRAME_LEGACY_AUDIO, 123, 0x01020304, audio, 4, kat_jitsi_audio, 34);
    ck_assert_int_eq(sframe_legacy_sender_ratchet(tx), SFRAME_OK);
    ck_assert_uint_eq(sframe_legacy_sender_key_index(tx), 3);
    check_protect(tx, SFRAME_LEGACY_AUDIO, 123, 0x01020304, audio, 4, kat_jitsi_audio_ratcheted,
                  34);
    sframe_legacy_sender_free(tx);

    tx = make_sender(SFRAME_LEGACY_JITSI, 7, 0, jitsi_spec_key, 32);
    check_protect(tx, SFRAME_LEGACY_VIDEO_VP8, 321, 0xA0B0C0D0, video, 12, kat_jitsi_vp8_key, 42);
    sframe_legacy_sender_free(tx);

    const uint8_t delta[] = "\x31\x02\x03hello livekit";
    tx = make_sender(SFRAME_LEGACY_LIVEKIT, 10, 2, jitsi_spec_key, 32);
    check_protect(tx, SFRAME_LEGACY_VIDEO_VP8, 0xCAFEBABE, 5, delta, 16, kat_livekit_vp8_delta, 46);
    sframe_legacy_sender_free(tx);

    sframe_legacy_receiver_t *rx = make_receiver(SFRAME_LEGACY_JITSI, 3, jitsi_spec_key, 32);
    ck_assert_int_eq(sframe_legacy_receiver_set_key(rx, 0, jitsi_spec_key, 32), SFRAME_OK);
    check_unprotect(rx, SFRAME_LEGACY_AUDIO, kat_jitsi_audio, 34, audio, 4, 3);
    check_unprotect(rx, SFRAME_LEGACY_VIDEO_VP8, kat_jitsi_vp8_key, 42, video, 12, 0);
    /* The receiver follows the sender's ratchet in slot 3 only. */
    check_unprotect(rx, SFRAME_LEGACY_AUDIO, kat_jitsi_audio_ratcheted, 34, audio, 4, 3);
    ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 3), 1);
    ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 0), 0);
    sframe_legacy_receiver_free(rx);

    rx = make_receiver(SFRAME_LEGACY_LIVEKIT, 2, jitsi_spec_key, 32);
    check_unprotect(rx, SFRAME_LEGACY_VIDEO_VP8, kat_livekit_vp8_delta, 46, delta, 16, 2);
    sframe_legacy_receiver_free(rx);
}
END_TEST

/* LiveKit's FrameCryptor test frame: key "key1" (PBKDF2) at index 1, a
 * frame the mock marks type 'key' (10 clear bytes 1..10), SSRC -1 as
 * 0xFFFFFFFF, timestamp 0 and IV word 0xFFFFC733 = 0 - 14541. */
static const uint8_t lk_frame[46] = {
    1,   2,   3,   4,   5,  6,   7,   8,   9,   10,  254, 96, 91,  111, 187, 132,
    31,  12,  207, 136, 17, 221, 233, 116, 174, 6,   50,  37, 214, 71,  119, 196,
    255, 255, 255, 255, 0,  0,   0,   0,   255, 255, 199, 51, 12,  1,
};

START_TEST(test_livekit_frame_vector)
{
    uint8_t plain[16], out[64];
    for (size_t i = 0; i < 16; i++)
        plain[i] = (uint8_t)(i + 1);
    size_t len = 0;
    unsigned index = 0;

    sframe_legacy_receiver_t *rx =
        make_receiver(SFRAME_LEGACY_LIVEKIT_PASSWORD, 1, (const uint8_t *)"key1", 4);
    ck_assert_int_eq(sframe_legacy_receiver_unprotect_prefix(rx, 10, lk_frame, sizeof lk_frame, out,
                                                             sizeof out, &len, &index),
                     SFRAME_OK);
    ck_assert_uint_eq(len, 16);
    ck_assert_mem_eq(out, plain, 16);
    ck_assert_uint_eq(index, 1);

    /* By the P-bit rule byte 1 is a delta frame: 3 clear bytes, another
     * AAD. The mock's 'key' type disagrees with its own first byte; a
     * browser takes the type from that byte, so real frames agree. */
    sframe_legacy_receiver_config_t no_ratchet =
        sframe_legacy_receiver_config_default(SFRAME_LEGACY_LIVEKIT_PASSWORD);
    no_ratchet.ratchet_window = 0;
    sframe_legacy_receiver_t *rx0 =
        make_receiver_config(&no_ratchet, 1, (const uint8_t *)"key1", 4);
    ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx0, SFRAME_LEGACY_VIDEO_VP8, lk_frame,
                                                      sizeof lk_frame, out, sizeof out, &len,
                                                      &index),
                     SFRAME_ERR_AUTH);
    sframe_legacy_receiver_free(rx0);

    sframe_legacy_sender_t *tx =
        make_sender(SFRAME_LEGACY_LIVEKIT_PASSWORD, 14541, 1, (const uint8_t *)"key1", 4);
    ck_assert_int_eq(sframe_legacy_sender_protect_prefix(tx, 10, 0xFFFFFFFF, 0, plain, 16, out,
                                                         sizeof out, &len),
                     SFRAME_OK);
    ck_assert_uint_eq(len, sizeof lk_frame);
    ck_assert_mem_eq(out, lk_frame, sizeof lk_frame);
    sframe_legacy_sender_free(tx);
    sframe_legacy_receiver_free(rx);
}
END_TEST

/* Round trips: each frame kind, each variant. */
typedef struct frame_case {
    const char *name;
    sframe_legacy_codec_t codec;
    uint8_t first; /* first byte; the rest is a pattern */
    size_t len;
    size_t clear;
} frame_case_t;

static const frame_case_t frame_cases[] = {
    { "vp8 key", SFRAME_LEGACY_VIDEO_VP8, 0x10, 300, 10 },
    { "vp8 delta", SFRAME_LEGACY_VIDEO_VP8, 0x31, 120, 3 },
    { "opus", SFRAME_LEGACY_AUDIO, 0xfc, 80, 1 },
    { "vp8 key, prefix only", SFRAME_LEGACY_VIDEO_VP8, 0x50, 10, 10 },
    { "vp8 delta, prefix only", SFRAME_LEGACY_VIDEO_VP8, 0x01, 3, 3 },
    { "opus, TOC only", SFRAME_LEGACY_AUDIO, 0x08, 1, 1 },
    { "opus, TOC and one byte", SFRAME_LEGACY_AUDIO, 0x09, 2, 1 },
};
#define N_FRAME_CASES (sizeof frame_cases / sizeof frame_cases[0])
#define N_VARIANTS    3

static void fill_frame(const frame_case_t *fc, uint8_t *frame)
{
    frame[0] = fc->first;
    for (size_t i = 1; i < fc->len; i++)
        frame[i] = (uint8_t)(i * 7 + 1);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

START_TEST(test_round_trip)
{
    const frame_case_t *fc = &frame_cases[(size_t)_i % N_FRAME_CASES];
    sframe_legacy_variant_t variant = (sframe_legacy_variant_t)((size_t)_i / N_FRAME_CASES);
    const uint8_t material[] = "round trip material";
    const uint32_t ssrc = 0x11223344, ts = 0x00000010;
    const uint64_t count = 0xFFFE; /* the third frame wraps to 0 mod 0xFFFF */
    sframe_legacy_sender_t *tx = make_sender(variant, count, 5, material, sizeof material);
    sframe_legacy_receiver_t *rx = make_receiver(variant, 5, material, sizeof material);

    uint8_t frame[300], prot[300 + OVERHEAD], back[300];
    fill_frame(fc, frame);
    for (uint64_t n = 0; n < 3; n++) {
        size_t len = 0, back_len = 0;
        unsigned index = 99;
        ck_assert_int_eq(sframe_legacy_sender_protect(tx, fc->codec, ssrc, ts, frame, fc->len, prot,
                                                      sizeof prot, &len),
                         SFRAME_OK);
        ck_assert_uint_eq(len, fc->len + OVERHEAD);
        /* What the SFU reads is the sender's clear prefix, unchanged. */
        ck_assert_mem_eq(prot, frame, fc->clear);
        ck_assert_uint_eq(sframe_legacy_frame_clear_bytes(fc->codec, prot, len), fc->clear);
        if (fc->len - fc->clear >= 4)
            ck_assert_mem_ne(prot + fc->clear, frame + fc->clear, fc->len - fc->clear);

        /* Trailer: IV = SSRC || timestamp || count word, then 12, index. */
        const uint8_t *iv = prot + len - 14;
        ck_assert_uint_eq(be32(iv), ssrc);
        ck_assert_uint_eq(be32(iv + 4), ts);
        uint32_t word = (uint32_t)((count + n) % 0xFFFF);
        if (variant != SFRAME_LEGACY_JITSI)
            word = ts - word;
        ck_assert_uint_eq(be32(iv + 8), word);
        uint8_t expect_iv[12];
        ck_assert_int_eq(sframe_legacy_make_iv(variant, ssrc, ts, count + n, expect_iv), SFRAME_OK);
        ck_assert_mem_eq(iv, expect_iv, 12);
        ck_assert_uint_eq(prot[len - 2], 12);
        ck_assert_uint_eq(prot[len - 1], 5);

        ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, fc->codec, prot, len, back,
                                                          sizeof back, &back_len, &index),
                         SFRAME_OK);
        ck_assert_uint_eq(back_len, fc->len);
        ck_assert_mem_eq(back, frame, fc->len);
        ck_assert_uint_eq(index, 5);
    }
    ck_assert_uint_eq(sframe_legacy_sender_send_count(tx), count + 3);
    ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 5), 0);
    sframe_legacy_sender_free(tx);
    sframe_legacy_receiver_free(rx);
}
END_TEST

START_TEST(test_in_place_and_determinism)
{
    const uint8_t material[] = "in place";
    uint8_t frame[64], buf[64 + OVERHEAD], ref[64 + OVERHEAD], again[64 + OVERHEAD];
    for (size_t i = 0; i < sizeof frame; i++)
        frame[i] = (uint8_t)(i * 3);
    size_t len = 0, ref_len = 0, again_len = 0;

    sframe_legacy_sender_t *a = make_sender(SFRAME_LEGACY_JITSI, 42, 1, material, sizeof material);
    sframe_legacy_sender_t *b = make_sender(SFRAME_LEGACY_JITSI, 42, 1, material, sizeof material);
    ck_assert_int_eq(sframe_legacy_sender_protect(a, SFRAME_LEGACY_VIDEO_VP8, 9, 9, frame,
                                                  sizeof frame, ref, sizeof ref, &ref_len),
                     SFRAME_OK);
    memcpy(buf, frame, sizeof frame);
    ck_assert_int_eq(sframe_legacy_sender_protect(b, SFRAME_LEGACY_VIDEO_VP8, 9, 9, buf,
                                                  sizeof frame, buf, sizeof buf, &len),
                     SFRAME_OK);
    ck_assert_uint_eq(len, ref_len);
    ck_assert_mem_eq(buf, ref, len);

    /* Same config, same frames, same bytes: nothing random inside. */
    sframe_legacy_sender_t *c = make_sender(SFRAME_LEGACY_JITSI, 42, 1, material, sizeof material);
    ck_assert_int_eq(sframe_legacy_sender_protect(c, SFRAME_LEGACY_VIDEO_VP8, 9, 9, frame,
                                                  sizeof frame, again, sizeof again, &again_len),
                     SFRAME_OK);
    ck_assert_mem_eq(again, ref, ref_len);

    /* A partial overlap is refused. */
    ck_assert_int_eq(sframe_legacy_sender_protect(c, SFRAME_LEGACY_VIDEO_VP8, 9, 9, buf, 32,
                                                  buf + 1, sizeof buf - 1, &len),
                     SFRAME_ERR_INVALID_ARG);
    sframe_legacy_sender_free(a);
    sframe_legacy_sender_free(b);
    sframe_legacy_sender_free(c);
}
END_TEST

/* --- Tampering and truncation -------------------------------------------------- */

/* The three frame kinds as a protected frame, key index 4, Jitsi; the
 * receiver has slot 4 only and the default ratchet window. */
static size_t protect_case(size_t which, uint8_t *prot, size_t cap, size_t *clear)
{
    static const frame_case_t cases[] = {
        { "vp8 key", SFRAME_LEGACY_VIDEO_VP8, 0x10, 30, 10 },
        { "vp8 delta", SFRAME_LEGACY_VIDEO_VP8, 0x31, 8, 3 },
        { "opus", SFRAME_LEGACY_AUDIO, 0xfc, 6, 1 },
    };
    uint8_t frame[30];
    fill_frame(&cases[which], frame);
    sframe_legacy_sender_t *tx = make_sender(SFRAME_LEGACY_JITSI, 1, 4, jitsi_spec_key, 32);
    size_t len = 0;
    ck_assert_int_eq(sframe_legacy_sender_protect(tx, cases[which].codec, 1, 2, frame,
                                                  cases[which].len, prot, cap, &len),
                     SFRAME_OK);
    sframe_legacy_sender_free(tx);
    *clear = cases[which].clear;
    return len;
}

static sframe_legacy_codec_t case_codec(size_t which)
{
    return which == 2 ? SFRAME_LEGACY_AUDIO : SFRAME_LEGACY_VIDEO_VP8;
}

/* Every bit of the output flipped, one at a time:
 *  - clear prefix: AAD, so SFRAME_ERR_AUTH; the VP8 P bit also moves the
 *    prefix between 10 and 3 bytes: SFRAME_ERR_AUTH, or
 *    SFRAME_ERR_TRUNCATED when the frame is too short for 10 + 30;
 *  - ciphertext, tag, IV: SFRAME_ERR_AUTH (after the ratchet retries);
 *  - IV length byte: SFRAME_ERR_MALFORMED;
 *  - key index byte: SFRAME_ERR_UNKNOWN_KID (slot empty or index > 15).
 * No failure changes the receiver: the untouched frame still opens. */
START_TEST(test_tamper_every_bit)
{
    size_t which = (size_t)_i;
    sframe_legacy_codec_t codec = case_codec(which);
    uint8_t prot[64], out[64];
    size_t clear = 0;
    size_t len = protect_case(which, prot, sizeof prot, &clear);
    sframe_legacy_receiver_t *rx = make_receiver(SFRAME_LEGACY_JITSI, 4, jitsi_spec_key, 32);

    for (size_t bit = 0; bit < len * 8; bit++) {
        size_t byte = bit / 8;
        prot[byte] ^= (uint8_t)(1u << (bit % 8));
        sframe_err_t expect;
        if (byte == len - 1)
            expect = SFRAME_ERR_UNKNOWN_KID;
        else if (byte == len - 2)
            expect = SFRAME_ERR_MALFORMED;
        else if (byte == 0 && bit == 0 && codec == SFRAME_LEGACY_VIDEO_VP8)
            expect =
                len < (clear == 10 ? 3u : 10u) + OVERHEAD ? SFRAME_ERR_TRUNCATED : SFRAME_ERR_AUTH;
        else
            expect = SFRAME_ERR_AUTH;

        size_t out_len = 99;
        unsigned index = 99;
        sframe_err_t err = sframe_legacy_receiver_unprotect(rx, codec, prot, len, out, sizeof out,
                                                            &out_len, &index);
        ck_assert_msg(err == expect, "case %zu bit %zu: %s, expected %s", which, bit,
                      sframe_errname(err), sframe_errname(expect));
        ck_assert_uint_eq(out_len, 0);
        if (expect != SFRAME_ERR_TRUNCATED)
            ck_assert_uint_eq(index, prot[len - 1]);
        prot[byte] ^= (uint8_t)(1u << (bit % 8));
    }
    size_t out_len = 0;
    ck_assert_int_eq(
        sframe_legacy_receiver_unprotect(rx, codec, prot, len, out, sizeof out, &out_len, NULL),
        SFRAME_OK);
    ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 4), 0);
    sframe_legacy_receiver_free(rx);
}
END_TEST

/* A key index flipped onto another installed slot: that key fails. */
START_TEST(test_tamper_key_index_other_slot)
{
    uint8_t prot[64], out[64];
    size_t clear = 0, out_len = 0;
    size_t len = protect_case(2, prot, sizeof prot, &clear);
    const uint8_t other[] = "another participant";
    sframe_legacy_receiver_t *rx = make_receiver(SFRAME_LEGACY_JITSI, 4, jitsi_spec_key, 32);
    ck_assert_int_eq(sframe_legacy_receiver_set_key(rx, 5, other, sizeof other), SFRAME_OK);
    prot[len - 1] = 5;
    unsigned index = 0;
    ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, SFRAME_LEGACY_AUDIO, prot, len, out,
                                                      sizeof out, &out_len, &index),
                     SFRAME_ERR_AUTH);
    ck_assert_uint_eq(index, 5);
    prot[len - 1] = 200;
    ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, SFRAME_LEGACY_AUDIO, prot, len, out,
                                                      sizeof out, &out_len, &index),
                     SFRAME_ERR_UNKNOWN_KID);
    ck_assert_uint_eq(index, 200);
    sframe_legacy_receiver_free(rx);
}
END_TEST

/* Every shorter length: below clear + 30 it is TRUNCATED; from there on the
 * trailer is read from the wrong place and the frame still fails. */
START_TEST(test_truncated_every_length)
{
    size_t which = (size_t)_i;
    sframe_legacy_codec_t codec = case_codec(which);
    uint8_t prot[64], out[64];
    size_t clear = 0;
    size_t len = protect_case(which, prot, sizeof prot, &clear);
    sframe_legacy_receiver_t *rx = make_receiver(SFRAME_LEGACY_JITSI, 4, jitsi_spec_key, 32);
    for (size_t cut = 0; cut < len; cut++) {
        size_t out_len = 99;
        sframe_err_t err =
            sframe_legacy_receiver_unprotect(rx, codec, prot, cut, out, sizeof out, &out_len, NULL);
        if (cut < clear + OVERHEAD)
            ck_assert_msg(err == SFRAME_ERR_TRUNCATED, "case %zu length %zu: %s", which, cut,
                          sframe_errname(err));
        else
            ck_assert_msg(err != SFRAME_OK, "case %zu length %zu opened", which, cut);
        ck_assert_uint_eq(out_len, 0);
        err = sframe_legacy_receiver_unprotect_prefix(rx, clear, prot, cut, out, sizeof out,
                                                      &out_len, NULL);
        if (cut < clear + OVERHEAD)
            ck_assert_int_eq(err, SFRAME_ERR_TRUNCATED);
        else
            ck_assert_int_ne(err, SFRAME_OK);
    }
    sframe_legacy_receiver_free(rx);
}
END_TEST

START_TEST(test_wrong_key)
{
    uint8_t prot[64], out[64];
    size_t clear = 0, out_len = 0;
    size_t len = protect_case(0, prot, sizeof prot, &clear);
    const uint8_t wrong[] = "not the key";
    for (unsigned window = 0; window <= 8; window += 8) {
        sframe_legacy_receiver_config_t config =
            sframe_legacy_receiver_config_default(SFRAME_LEGACY_JITSI);
        config.ratchet_window = window;
        sframe_legacy_receiver_t *rx = make_receiver_config(&config, 4, wrong, sizeof wrong);
        ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, SFRAME_LEGACY_VIDEO_VP8, prot, len,
                                                          out, sizeof out, &out_len, NULL),
                         SFRAME_ERR_AUTH);
        ck_assert_uint_eq(out_len, 0);
        ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 4), 0);
        /* The right key, installed later, opens it. */
        ck_assert_int_eq(sframe_legacy_receiver_set_key(rx, 4, jitsi_spec_key, 32), SFRAME_OK);
        ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, SFRAME_LEGACY_VIDEO_VP8, prot, len,
                                                          out, sizeof out, &out_len, NULL),
                         SFRAME_OK);
        sframe_legacy_receiver_free(rx);
    }
}
END_TEST

/* --- Ratchet --------------------------------------------------------------------- */

/* The sender ratchets `steps` times, then sends one frame; returns what the
 * receiver made of it. */
static sframe_err_t send_after_ratchets(sframe_legacy_sender_t *tx, sframe_legacy_receiver_t *rx,
                                        unsigned steps)
{
    const uint8_t frame[] = { 0xfc, 'r', 'a', 't', 'c', 'h', 'e', 't' };
    uint8_t prot[sizeof frame + OVERHEAD], out[sizeof frame];
    size_t len = 0, out_len = 0;
    for (unsigned i = 0; i < steps; i++)
        ck_assert_int_eq(sframe_legacy_sender_ratchet(tx), SFRAME_OK);
    ck_assert_int_eq(sframe_legacy_sender_protect(tx, SFRAME_LEGACY_AUDIO, 7, 7, frame,
                                                  sizeof frame, prot, sizeof prot, &len),
                     SFRAME_OK);
    sframe_err_t err = sframe_legacy_receiver_unprotect(rx, SFRAME_LEGACY_AUDIO, prot, len, out,
                                                        sizeof out, &out_len, NULL);
    if (err == SFRAME_OK) {
        ck_assert_uint_eq(out_len, sizeof frame);
        ck_assert_mem_eq(out, frame, sizeof frame);
    }
    return err;
}

/* Jitsi (CHAIN, window 8): a sender k steps ahead is followed for k <= 8,
 * the ratcheted key is kept, and beyond 8 nothing changes. */
START_TEST(test_ratchet_follow_chain)
{
    unsigned k = (unsigned)_i;
    sframe_legacy_sender_t *tx = make_sender(SFRAME_LEGACY_JITSI, 0, 0, jitsi_spec_key, 32);
    sframe_legacy_receiver_t *rx = make_receiver(SFRAME_LEGACY_JITSI, 0, jitsi_spec_key, 32);
    sframe_err_t err = send_after_ratchets(tx, rx, k);
    if (k <= SFRAME_LEGACY_RATCHET_WINDOW) {
        ck_assert_int_eq(err, SFRAME_OK);
        ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 0), k);
        /* The next frame opens with the kept key, no search. */
        ck_assert_int_eq(send_after_ratchets(tx, rx, 0), SFRAME_OK);
        ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 0), k);
    } else {
        ck_assert_int_eq(err, SFRAME_ERR_AUTH);
        ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 0), 0);
        /* Still at step 0: a receiver ratcheted by hand catches up. */
        for (unsigned i = 0; i < k; i++)
            ck_assert_int_eq(sframe_legacy_receiver_ratchet(rx, 0), SFRAME_OK);
        ck_assert_int_eq(send_after_ratchets(tx, rx, 0), SFRAME_OK);
        ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 0), k);
    }
    sframe_legacy_sender_free(tx);
    sframe_legacy_receiver_free(rx);
}
END_TEST

START_TEST(test_ratchet_window_config)
{
    sframe_legacy_receiver_config_t config =
        sframe_legacy_receiver_config_default(SFRAME_LEGACY_JITSI);
    ck_assert_uint_eq(config.ratchet_window, 8);
    ck_assert_int_eq(config.ratchet_mode, SFRAME_LEGACY_RATCHET_CHAIN);
    config.ratchet_window = 3;
    for (unsigned k = 3; k <= 4; k++) {
        sframe_legacy_sender_t *tx = make_sender(SFRAME_LEGACY_JITSI, 0, 0, jitsi_spec_key, 32);
        sframe_legacy_receiver_t *rx = make_receiver_config(&config, 0, jitsi_spec_key, 32);
        ck_assert_int_eq(send_after_ratchets(tx, rx, k), k == 3 ? SFRAME_OK : SFRAME_ERR_AUTH);
        sframe_legacy_sender_free(tx);
        sframe_legacy_receiver_free(rx);
    }
    config.ratchet_window = 0;
    sframe_legacy_sender_t *tx = make_sender(SFRAME_LEGACY_JITSI, 0, 0, jitsi_spec_key, 32);
    sframe_legacy_receiver_t *rx = make_receiver_config(&config, 0, jitsi_spec_key, 32);
    ck_assert_int_eq(send_after_ratchets(tx, rx, 1), SFRAME_ERR_AUTH);
    sframe_legacy_sender_free(tx);
    sframe_legacy_receiver_free(rx);

    config.ratchet_window = SFRAME_LEGACY_RATCHET_MAX + 1;
    ck_assert_int_eq(sframe_legacy_receiver_new(&config, &rx), SFRAME_ERR_INVALID_ARG);
    ck_assert_ptr_null(rx);
}
END_TEST

/* LiveKit's receiver retries the once-ratcheted key only: one step ahead
 * is followed, two are not; single steps in a row are. With CHAIN it
 * follows like Jitsi. */
START_TEST(test_ratchet_livekit_one_step)
{
    static const sframe_legacy_variant_t variants[] = { SFRAME_LEGACY_LIVEKIT,
                                                        SFRAME_LEGACY_LIVEKIT_PASSWORD };
    for (size_t v = 0; v < 2; v++) {
        sframe_legacy_receiver_config_t config = sframe_legacy_receiver_config_default(variants[v]);
        ck_assert_int_eq(config.ratchet_mode, SFRAME_LEGACY_RATCHET_ONE_STEP);
        ck_assert_uint_eq(config.ratchet_window, 8);

        sframe_legacy_sender_t *tx = make_sender(variants[v], 0, 0, jitsi_spec_key, 32);
        sframe_legacy_receiver_t *rx = make_receiver_config(&config, 0, jitsi_spec_key, 32);
        ck_assert_int_eq(send_after_ratchets(tx, rx, 1), SFRAME_OK);
        ck_assert_int_eq(send_after_ratchets(tx, rx, 1), SFRAME_OK);
        ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 0), 2);
        ck_assert_int_eq(send_after_ratchets(tx, rx, 2), SFRAME_ERR_AUTH);
        ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 0), 2);
        sframe_legacy_sender_free(tx);
        sframe_legacy_receiver_free(rx);
    }

    sframe_legacy_receiver_config_t config =
        sframe_legacy_receiver_config_default(SFRAME_LEGACY_LIVEKIT);
    config.ratchet_mode = SFRAME_LEGACY_RATCHET_CHAIN;
    sframe_legacy_sender_t *tx = make_sender(SFRAME_LEGACY_LIVEKIT, 0, 0, jitsi_spec_key, 32);
    sframe_legacy_receiver_t *rx = make_receiver_config(&config, 0, jitsi_spec_key, 32);
    ck_assert_int_eq(send_after_ratchets(tx, rx, 5), SFRAME_OK);
    ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 0), 5);
    sframe_legacy_sender_free(tx);
    sframe_legacy_receiver_free(rx);
}
END_TEST

/* Both clients replace the key once a ratcheted one works: a frame still
 * under the old key, arriving late, is lost. */
START_TEST(test_ratchet_late_frame_lost)
{
    const uint8_t frame[] = { 0xfc, 1, 2, 3 };
    uint8_t late[sizeof frame + OVERHEAD], out[sizeof frame];
    size_t len = 0, out_len = 0;
    sframe_legacy_sender_t *tx = make_sender(SFRAME_LEGACY_JITSI, 0, 0, jitsi_spec_key, 32);
    sframe_legacy_receiver_t *rx = make_receiver(SFRAME_LEGACY_JITSI, 0, jitsi_spec_key, 32);
    ck_assert_int_eq(sframe_legacy_sender_protect(tx, SFRAME_LEGACY_AUDIO, 1, 1, frame,
                                                  sizeof frame, late, sizeof late, &len),
                     SFRAME_OK);
    ck_assert_int_eq(send_after_ratchets(tx, rx, 1), SFRAME_OK);
    ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, SFRAME_LEGACY_AUDIO, late, len, out,
                                                      sizeof out, &out_len, NULL),
                     SFRAME_ERR_AUTH);
    ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 0), 1);
    sframe_legacy_sender_free(tx);
    sframe_legacy_receiver_free(rx);
}
END_TEST

/* --- Key ring and arguments ------------------------------------------------------ */

START_TEST(test_key_ring)
{
    sframe_legacy_receiver_config_t config =
        sframe_legacy_receiver_config_default(SFRAME_LEGACY_JITSI);
    sframe_legacy_receiver_t *rx = NULL;
    ck_assert_int_eq(sframe_legacy_receiver_new(&config, &rx), SFRAME_OK);
    sframe_legacy_sender_t *tx[SFRAME_LEGACY_KEY_RING_SIZE];
    uint8_t material[SFRAME_LEGACY_KEY_RING_SIZE][8];
    for (unsigned i = 0; i < SFRAME_LEGACY_KEY_RING_SIZE; i++) {
        ck_assert(!sframe_legacy_receiver_has_key(rx, i));
        memcpy(material[i], "slot-00", 8);
        material[i][5] = (uint8_t)('0' + i / 10);
        material[i][6] = (uint8_t)('0' + i % 10);
        tx[i] = make_sender(SFRAME_LEGACY_JITSI, i, i, material[i], 8);
        ck_assert_uint_eq(sframe_legacy_sender_key_index(tx[i]), i);
        ck_assert_int_eq(sframe_legacy_receiver_set_key(rx, i, material[i], 8), SFRAME_OK);
        ck_assert(sframe_legacy_receiver_has_key(rx, i));
    }
    ck_assert_int_eq(sframe_legacy_receiver_set_key(rx, 16, material[0], 8),
                     SFRAME_ERR_INVALID_ARG);
    ck_assert(!sframe_legacy_receiver_has_key(rx, 16));

    const uint8_t frame[] = { 0x31, 0, 0, 'r', 'i', 'n', 'g' };
    uint8_t prot[SFRAME_LEGACY_KEY_RING_SIZE][sizeof frame + OVERHEAD], out[sizeof frame];
    size_t len = 0, out_len = 0;
    unsigned index = 0;
    for (unsigned i = 0; i < SFRAME_LEGACY_KEY_RING_SIZE; i++) {
        ck_assert_int_eq(sframe_legacy_sender_protect(tx[i], SFRAME_LEGACY_VIDEO_VP8, 1, 1, frame,
                                                      sizeof frame, prot[i], sizeof prot[i], &len),
                         SFRAME_OK);
        ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, SFRAME_LEGACY_VIDEO_VP8, prot[i], len,
                                                          out, sizeof out, &out_len, &index),
                         SFRAME_OK);
        ck_assert_uint_eq(index, i);
        ck_assert_mem_eq(out, frame, sizeof frame);
    }

    /* Removed: unknown; removed twice: unknown; the others unaffected. */
    ck_assert_int_eq(sframe_legacy_receiver_remove_key(rx, 7), SFRAME_OK);
    ck_assert(!sframe_legacy_receiver_has_key(rx, 7));
    ck_assert_int_eq(sframe_legacy_receiver_remove_key(rx, 7), SFRAME_ERR_UNKNOWN_KID);
    ck_assert_int_eq(sframe_legacy_receiver_remove_key(rx, 16), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_legacy_receiver_ratchet(rx, 7), SFRAME_ERR_UNKNOWN_KID);
    ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, SFRAME_LEGACY_VIDEO_VP8, prot[7], len,
                                                      out, sizeof out, &out_len, &index),
                     SFRAME_ERR_UNKNOWN_KID);
    ck_assert_uint_eq(index, 7);
    ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, SFRAME_LEGACY_VIDEO_VP8, prot[8], len,
                                                      out, sizeof out, &out_len, &index),
                     SFRAME_OK);

    /* Replaced: the slot's old frames fail, the new key's open. */
    ck_assert_int_eq(sframe_legacy_receiver_set_key(rx, 8, material[9], 8), SFRAME_OK);
    ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, SFRAME_LEGACY_VIDEO_VP8, prot[8], len,
                                                      out, sizeof out, &out_len, &index),
                     SFRAME_ERR_AUTH);
    ck_assert_int_eq(sframe_legacy_sender_set_key(tx[9], 8, material[9], 8), SFRAME_OK);
    ck_assert_uint_eq(sframe_legacy_sender_key_index(tx[9]), 8);
    ck_assert_int_eq(sframe_legacy_sender_protect(tx[9], SFRAME_LEGACY_VIDEO_VP8, 1, 1, frame,
                                                  sizeof frame, prot[9], sizeof prot[9], &len),
                     SFRAME_OK);
    ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, SFRAME_LEGACY_VIDEO_VP8, prot[9], len,
                                                      out, sizeof out, &out_len, &index),
                     SFRAME_OK);
    ck_assert_uint_eq(index, 8);

    for (unsigned i = 0; i < SFRAME_LEGACY_KEY_RING_SIZE; i++)
        sframe_legacy_sender_free(tx[i]);
    sframe_legacy_receiver_free(rx);
}
END_TEST

START_TEST(test_arguments)
{
    sframe_legacy_sender_free(NULL);
    sframe_legacy_receiver_free(NULL);

    sframe_legacy_sender_config_t sc = sframe_legacy_sender_config_default(SFRAME_LEGACY_JITSI);
    ck_assert_uint_eq(sc.first_send_count, 0);
    sframe_legacy_sender_t *tx = NULL;
    ck_assert_int_eq(sframe_legacy_sender_new(NULL, &tx), SFRAME_ERR_INVALID_ARG);
    sc.variant = (sframe_legacy_variant_t)5;
    ck_assert_int_eq(sframe_legacy_sender_new(&sc, &tx), SFRAME_ERR_INVALID_ARG);
    ck_assert_ptr_null(tx);
    sc.variant = SFRAME_LEGACY_JITSI;
    ck_assert_int_eq(sframe_legacy_sender_new(&sc, &tx), SFRAME_OK);

    const uint8_t frame[] = { 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
    uint8_t out[sizeof frame + OVERHEAD];
    size_t len = 99;
    /* No key yet. */
    ck_assert_int_eq(sframe_legacy_sender_protect(tx, SFRAME_LEGACY_VIDEO_VP8, 1, 1, frame,
                                                  sizeof frame, out, sizeof out, &len),
                     SFRAME_ERR_UNKNOWN_KID);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(sframe_legacy_sender_ratchet(tx), SFRAME_ERR_UNKNOWN_KID);
    uint8_t big[SFRAME_LEGACY_MATERIAL_MAX + 1] = { 0 };
    ck_assert_int_eq(sframe_legacy_sender_set_key(tx, 0, big, sizeof big), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_legacy_sender_set_key(tx, 0, big, 0), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_legacy_sender_set_key(tx, 16, big, 1), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_legacy_sender_set_key(tx, 15, big, SFRAME_LEGACY_MATERIAL_MAX),
                     SFRAME_OK);

    /* Short output: nothing written, the count stays. */
    ck_assert_int_eq(sframe_legacy_sender_protect(tx, SFRAME_LEGACY_VIDEO_VP8, 1, 1, frame,
                                                  sizeof frame, out, sizeof out - 1, &len),
                     SFRAME_ERR_NO_SPACE);
    ck_assert_uint_eq(sframe_legacy_sender_send_count(tx), 0);
    /* Shorter than the clear prefix, or no byte to read P from. */
    ck_assert_int_eq(sframe_legacy_sender_protect(tx, SFRAME_LEGACY_VIDEO_VP8, 1, 1, frame, 9, out,
                                                  sizeof out, &len),
                     SFRAME_ERR_TRUNCATED);
    ck_assert_int_eq(sframe_legacy_sender_protect(tx, SFRAME_LEGACY_VIDEO_VP8, 1, 1, frame, 0, out,
                                                  sizeof out, &len),
                     SFRAME_ERR_TRUNCATED);
    ck_assert_int_eq(
        sframe_legacy_sender_protect(tx, SFRAME_LEGACY_AUDIO, 1, 1, NULL, 0, out, sizeof out, &len),
        SFRAME_ERR_TRUNCATED);
    ck_assert_int_eq(sframe_legacy_sender_protect(tx, (sframe_legacy_codec_t)9, 1, 1, frame,
                                                  sizeof frame, out, sizeof out, &len),
                     SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_legacy_sender_protect(tx, SFRAME_LEGACY_AUDIO, 1, 1, frame,
                                                  sizeof frame, NULL, sizeof out, &len),
                     SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_legacy_sender_protect(tx, SFRAME_LEGACY_AUDIO, 1, 1, frame,
                                                  sizeof frame, out, sizeof out, NULL),
                     SFRAME_ERR_INVALID_ARG);
    /* A prefix of 0 (LiveKit's VP9) is fine: everything is encrypted. */
    ck_assert_int_eq(sframe_legacy_sender_protect_prefix(tx, 0, 1, 1, frame, sizeof frame, out,
                                                         sizeof out, &len),
                     SFRAME_OK);
    ck_assert_uint_eq(sframe_legacy_sender_send_count(tx), 1);

    sframe_legacy_receiver_config_t rc = sframe_legacy_receiver_config_default(SFRAME_LEGACY_JITSI);
    sframe_legacy_receiver_t *rx = NULL;
    rc.ratchet_mode = (sframe_legacy_ratchet_mode_t)7;
    ck_assert_int_eq(sframe_legacy_receiver_new(&rc, &rx), SFRAME_ERR_INVALID_ARG);
    rc = sframe_legacy_receiver_config_default(SFRAME_LEGACY_JITSI);
    ck_assert_int_eq(sframe_legacy_receiver_new(&rc, &rx), SFRAME_OK);
    ck_assert_int_eq(sframe_legacy_receiver_set_key(rx, 15, big, SFRAME_LEGACY_MATERIAL_MAX),
                     SFRAME_OK);
    uint8_t back[sizeof out];
    size_t back_len = 99;
    unsigned index = 99;
    ck_assert_int_eq(sframe_legacy_receiver_unprotect_prefix(rx, 0, out, len, back,
                                                             sizeof frame - 1, &back_len, &index),
                     SFRAME_ERR_NO_SPACE);
    ck_assert_uint_eq(back_len, 0);
    ck_assert_int_eq(sframe_legacy_receiver_unprotect_prefix(rx, 0, out, len, back, sizeof back,
                                                             &back_len, &index),
                     SFRAME_OK);
    ck_assert_mem_eq(back, frame, sizeof frame);
    ck_assert_uint_eq(index, 15);
    /* Output over the input: refused (retries re-read the ciphertext). */
    ck_assert_int_eq(sframe_legacy_receiver_unprotect_prefix(rx, 0, out, len, out, sizeof out,
                                                             &back_len, &index),
                     SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, SFRAME_LEGACY_VIDEO_VP8, out, 0, back,
                                                      sizeof back, &back_len, &index),
                     SFRAME_ERR_TRUNCATED);
    ck_assert_int_eq(sframe_legacy_receiver_unprotect(rx, (sframe_legacy_codec_t)9, out, len, back,
                                                      sizeof back, &back_len, &index),
                     SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_legacy_receiver_unprotect(NULL, SFRAME_LEGACY_AUDIO, out, len, back,
                                                      sizeof back, &back_len, &index),
                     SFRAME_ERR_INVALID_ARG);
    /* The index is reported even when the IV length is wrong. */
    out[len - 2] = 16;
    index = 99;
    ck_assert_int_eq(sframe_legacy_receiver_unprotect_prefix(rx, 0, out, len, back, sizeof back,
                                                             &back_len, &index),
                     SFRAME_ERR_MALFORMED);
    ck_assert_uint_eq(index, 15);
    ck_assert_int_eq(sframe_legacy_receiver_set_key(rx, 0, NULL, 4), SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(sframe_legacy_receiver_set_key(rx, 0, big, sizeof big),
                     SFRAME_ERR_INVALID_ARG);
    ck_assert(!sframe_legacy_receiver_has_key(rx, 0));
    ck_assert_uint_eq(sframe_legacy_receiver_ratchet_count(rx, 0), 0);
    sframe_legacy_sender_free(tx);
    sframe_legacy_receiver_free(rx);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("legacy");

    TCase *prefix = tcase_create("clear prefix");
    tcase_add_test(prefix, test_clear_bytes);
    tcase_add_loop_test(prefix, test_vp8_p_bit, 0, 256);
    suite_add_tcase(s, prefix);

    TCase *kdf = tcase_create("key derivation");
    tcase_add_test(kdf, test_jitsi_kdf_vector);
    tcase_add_test(kdf, test_livekit_kdf_vector);
    tcase_add_test(kdf, test_variants_differ);
    tcase_add_test(kdf, test_livekit_password_snapshot);
    tcase_add_test(kdf, test_kdf_args);
    suite_add_tcase(s, kdf);

    TCase *frames = tcase_create("frames");
    tcase_add_test(frames, test_python_frames);
    tcase_add_test(frames, test_livekit_frame_vector);
    tcase_add_loop_test(frames, test_round_trip, 0, (int)(N_FRAME_CASES * N_VARIANTS));
    tcase_add_test(frames, test_in_place_and_determinism);
    suite_add_tcase(s, frames);

    TCase *tamper = tcase_create("tamper");
    tcase_add_loop_test(tamper, test_tamper_every_bit, 0, 3);
    tcase_add_test(tamper, test_tamper_key_index_other_slot);
    tcase_add_loop_test(tamper, test_truncated_every_length, 0, 3);
    tcase_add_test(tamper, test_wrong_key);
    suite_add_tcase(s, tamper);

    TCase *ratchet = tcase_create("ratchet");
    tcase_add_loop_test(ratchet, test_ratchet_follow_chain, 0, SFRAME_LEGACY_RATCHET_WINDOW + 2);
    tcase_add_test(ratchet, test_ratchet_window_config);
    tcase_add_test(ratchet, test_ratchet_livekit_one_step);
    tcase_add_test(ratchet, test_ratchet_late_frame_lost);
    suite_add_tcase(s, ratchet);

    TCase *ring = tcase_create("key ring");
    tcase_add_test(ring, test_key_ring);
    tcase_add_test(ring, test_arguments);
    suite_add_tcase(s, ring);
    return s;
}
