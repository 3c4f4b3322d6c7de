/* The E2EE transform (peers/e2ee.c) for each scheme: round trips of VP8 key
 * and delta frames and Opus frames, exactly the declared clear bytes, a
 * wrong key decrypting nothing, rekeys with the previous epoch's grace
 * period, frames held until their key arrives or counted as expired, and a
 * sender's ratchet step followed by receivers (and not undone by a
 * newcomer). Loops run over the cases below: every SFrame suite, legacy
 * insertable streams, and none where the test applies. And the oracle's
 * test modes (XOR_CONSTANT, CTR_REUSE, HALF_CLEAR): what they put on the
 * wire, that their own receivers undo them, and that normal ones do not. */
#include "peers/e2ee.h"

#include <string.h>

#define SENDER_ID   7u
#define AUDIO       0u /* stream numbers */
#define VIDEO       1u
#define MS          1000u
#define FRAME_MAX   2048u
#define OUT_MAX     (FRAME_MAX + 64u)
#define VP8_KEY_LEN 1200u
#define VP8_DEL_LEN 300u
#define OPUS_LEN    80u

typedef struct scheme_case {
    peer__e2ee_scheme_t scheme;
    sframe_suite_t suite;
} scheme_case_t;

static const scheme_case_t all_cases[] = {
    { PEER__E2EE_SFRAME, SFRAME_AES_128_CTR_HMAC_SHA256_80 },
    { PEER__E2EE_SFRAME, SFRAME_AES_128_CTR_HMAC_SHA256_64 },
    { PEER__E2EE_SFRAME, SFRAME_AES_128_CTR_HMAC_SHA256_32 },
    { PEER__E2EE_SFRAME, SFRAME_AES_128_GCM_SHA256_128 },
    { PEER__E2EE_SFRAME, SFRAME_AES_256_GCM_SHA512_128 },
    { PEER__E2EE_INSERTABLE_LEGACY, SFRAME_AES_128_GCM_SHA256_128 },
    { PEER__E2EE_NONE, SFRAME_AES_128_GCM_SHA256_128 },
};
#define ALL_CASES    (int)(sizeof(all_cases) / sizeof(all_cases[0]))
#define KEYED_CASES  (ALL_CASES - 1) /* without NONE */
#define SCHEME_CASES 2               /* one SFrame suite and legacy: indexes 3 and 5 */

static scheme_case_t keyed_scheme(int i)
{
    return all_cases[i == 0 ? 3 : 5];
}

static const uint8_t key_epoch1[16] = "epoch-1 base key";
static const uint8_t key_epoch2[16] = "epoch-2 base key";
static const uint8_t key_epoch3[16] = "epoch-3 base key";
static const uint8_t key_wrong[16] = "not the real key";

/* Deterministic bytes (xorshift) with the given first byte: 0x10 makes a
 * VP8 key frame (P bit 0), 0x11 a delta frame, anything for Opus. */
static void fill_frame(uint8_t *frame, size_t len, uint8_t first, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        frame[i] = (uint8_t)(x >> 24);
    }
    frame[0] = first;
}

static peer__e2ee_sender_t *make_sender(scheme_case_t c, unsigned stream, uint64_t epoch,
                                        const uint8_t *key)
{
    peer__e2ee_sender_config_t config = peer__e2ee_sender_config_default(c.scheme);
    config.suite = c.suite;
    config.sender_id = SENDER_ID;
    config.stream = stream;
    peer__e2ee_sender_t *sender = NULL;
    ck_assert_int_eq(peer__e2ee_sender_new(&config, &sender), SFRAME_OK);
    if (key != NULL) {
        ck_assert_int_eq(peer__e2ee_sender_set_key(sender, epoch, key, 16), SFRAME_OK);
    }
    return sender;
}

static peer__e2ee_receiver_t *make_receiver_config(scheme_case_t c,
                                                   peer__e2ee_receiver_config_t *config)
{
    config->scheme = c.scheme;
    config->suite = c.suite;
    config->sender_id = SENDER_ID;
    peer__e2ee_receiver_t *receiver = NULL;
    ck_assert_int_eq(peer__e2ee_receiver_new(config, &receiver), SFRAME_OK);
    return receiver;
}

static peer__e2ee_receiver_t *make_receiver(scheme_case_t c)
{
    peer__e2ee_receiver_config_t config = peer__e2ee_receiver_config_default(c.scheme);
    return make_receiver_config(c, &config);
}

/* Protects a video frame of the given first byte and length. */
static size_t protect(peer__e2ee_sender_t *sender, peer__e2ee_kind_t kind, const uint8_t *frame,
                      size_t len, uint32_t rtp_ts, uint8_t *out)
{
    size_t out_len = 0;
    bool keyframe = kind == PEER__E2EE_VIDEO_VP8 && (frame[0] & 1u) == 0;
    ck_assert_int_eq(peer__e2ee_sender_protect(sender, frame, len, kind, keyframe, 0x1234u, rtp_ts,
                                               out, OUT_MAX, &out_len),
                     SFRAME_OK);
    return out_len;
}

/* --- KIDs --------------------------------------------------------------- */

START_TEST(kid_layout_is_mls_context_index_epoch_then_step)
{
    uint64_t kid = 0;
    ck_assert_int_eq(peer__e2ee_kid(1, 0, 1, 0, &kid), SFRAME_OK);
    ck_assert_uint_eq(kid, 0x10100u);
    ck_assert_int_eq(peer__e2ee_kid(SENDER_ID, 3, 0x1ff, 5, &kid), SFRAME_OK);
    ck_assert_uint_eq(kid, (UINT64_C(3) << 48) | ((uint64_t)SENDER_ID << 16) | 0xff05u);
    peer__e2ee_kid_fields_t fields;
    ck_assert(peer__e2ee_kid_decode(kid, &fields));
    ck_assert_uint_eq(fields.sender_id, SENDER_ID);
    ck_assert_uint_eq(fields.stream, 3);
    ck_assert_uint_eq(fields.epoch_mod, 0xff);
    ck_assert_uint_eq(fields.step_mod, 5);
    ck_assert_int_eq(peer__e2ee_kid(1, PEER__E2EE_MAX_STREAMS, 1, 0, &kid), SFRAME_ERR_INVALID_ARG);
    ck_assert(!peer__e2ee_kid_decode(UINT64_C(16) << 48, &fields));

    /* A sender's frames carry it: stream 1, epoch 2, then step 1. */
    peer__e2ee_sender_t *sender = make_sender(all_cases[3], VIDEO, 2, key_epoch2);
    ck_assert_int_eq(peer__e2ee_kid(SENDER_ID, VIDEO, 2, 0, &kid), SFRAME_OK);
    ck_assert_uint_eq(peer__e2ee_sender_kid(sender), kid);
    ck_assert_int_eq(peer__e2ee_sender_ratchet(sender), SFRAME_OK);
    ck_assert_uint_eq(peer__e2ee_sender_kid(sender), kid + 1);
    peer__e2ee_sender_free(sender);
}
END_TEST

/* --- Round trips -------------------------------------------------------- */

START_TEST(round_trip_video_key_delta_and_audio)
{
    scheme_case_t c = all_cases[_i];
    peer__e2ee_sender_t *video = make_sender(c, VIDEO, 1, key_epoch1);
    peer__e2ee_sender_t *audio = make_sender(c, AUDIO, 1, key_epoch1);
    peer__e2ee_receiver_t *receiver = make_receiver(c);
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 1, 0, key_epoch1, 16, 0), SFRAME_OK);

    static const struct {
        peer__e2ee_kind_t kind;
        uint8_t first;
        size_t len;
    } frames[] = {
        { PEER__E2EE_VIDEO_VP8, 0x10, VP8_KEY_LEN }, { PEER__E2EE_VIDEO_VP8, 0x11, VP8_DEL_LEN },
        { PEER__E2EE_AUDIO_OPUS, 0x78, OPUS_LEN },   { PEER__E2EE_VIDEO_VP8, 0x11, 3 },
        { PEER__E2EE_AUDIO_OPUS, 0xfc, 1 },
    };
    const size_t n = sizeof(frames) / sizeof(frames[0]);
    for (size_t round = 0; round < 3; round++) {
        for (size_t f = 0; f < n; f++) {
            uint8_t frame[FRAME_MAX], wire[OUT_MAX], plain[OUT_MAX];
            fill_frame(frame, frames[f].len, frames[f].first, (uint32_t)(round * 10 + f));
            peer__e2ee_sender_t *sender = frames[f].kind == PEER__E2EE_AUDIO_OPUS ? audio : video;
            size_t wire_len = protect(sender, frames[f].kind, frame, frames[f].len,
                                      (uint32_t)(round * 3000), wire);
            ck_assert_uint_le(wire_len, frames[f].len + peer__e2ee_max_overhead(c.scheme, c.suite));
            size_t plain_len = 0;
            ck_assert_int_eq(peer__e2ee_receiver_unprotect(receiver, frames[f].kind, wire, wire_len,
                                                           f, 0, plain, sizeof(plain), &plain_len),
                             PEER__E2EE_DECRYPTED);
            ck_assert_uint_eq(plain_len, frames[f].len);
            ck_assert_mem_eq(plain, frame, plain_len);
        }
    }
    peer__e2ee_receiver_stats_t stats = peer__e2ee_receiver_stats(receiver);
    ck_assert_uint_eq(stats.decrypted, 3 * n);
    ck_assert_uint_eq(stats.auth_failures + stats.unknown_key + stats.held + stats.malformed, 0);
    ck_assert_uint_eq(peer__e2ee_sender_frames(video) + peer__e2ee_sender_frames(audio), 3 * n);
    peer__e2ee_sender_free(video);
    peer__e2ee_sender_free(audio);
    peer__e2ee_receiver_free(receiver);
}
END_TEST

/* --- Clear bytes ---------------------------------------------------------- */

static bool window_occurs(const uint8_t *hay, size_t hay_len, const uint8_t *needle, size_t len)
{
    for (size_t i = 0; i + len <= hay_len; i++) {
        if (memcmp(hay + i, needle, len) == 0) {
            return true;
        }
    }
    return false;
}

START_TEST(transform_leaves_exactly_the_declared_clear_bytes)
{
    scheme_case_t c = all_cases[_i];
    peer__e2ee_sender_t *sender = make_sender(c, VIDEO, 1, key_epoch1);
    static const struct {
        peer__e2ee_kind_t kind;
        uint8_t first;
        size_t legacy_clear;
    } kinds[] = {
        { PEER__E2EE_VIDEO_VP8, 0x10, 10 },
        { PEER__E2EE_VIDEO_VP8, 0x11, 3 },
        { PEER__E2EE_AUDIO_OPUS, 0x78, 1 },
    };
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        uint8_t frame[VP8_DEL_LEN], wire[OUT_MAX];
        fill_frame(frame, sizeof(frame), kinds[k].first, (uint32_t)k + 100u);
        size_t wire_len = protect(sender, kinds[k].kind, frame, sizeof(frame), 90000, wire);
        size_t clear = peer__e2ee_clear_bytes(c.scheme, kinds[k].kind, wire, wire_len);
        switch (c.scheme) {
        case PEER__E2EE_NONE:
            ck_assert_uint_eq(clear, wire_len);
            ck_assert_uint_eq(wire_len, sizeof(frame));
            ck_assert_mem_eq(wire, frame, sizeof(frame));
            break;
        case PEER__E2EE_INSERTABLE_LEGACY:
            ck_assert_uint_eq(clear, kinds[k].legacy_clear);
            ck_assert_uint_eq(wire_len, sizeof(frame) + SFRAME_LEGACY_MAX_OVERHEAD);
            ck_assert_mem_eq(wire, frame, clear);
            /* With this frame and key each of the next 8 bytes differs. */
            for (size_t i = clear; i < clear + 8; i++) {
                ck_assert_uint_ne(wire[i], frame[i]);
            }
            break;
        case PEER__E2EE_SFRAME: {
            ck_assert_uint_eq(clear, 0);
            size_t header_len = 0;
            ck_assert_int_eq(peer__e2ee_sframe_header_len(wire, wire_len, &header_len), SFRAME_OK);
            ck_assert_uint_ge(header_len, 1);
            ck_assert_uint_le(header_len, SFRAME_HEADER_MAX);
            const sframe_suite_info_t *info = sframe_suite_info(c.suite);
            ck_assert_uint_eq(wire_len, header_len + sizeof(frame) + info->nt);
            /* No 8-byte window of the frame appears anywhere in the output. */
            for (size_t i = 0; i + 8 <= sizeof(frame); i++) {
                ck_assert_msg(!window_occurs(wire, wire_len, frame + i, 8),
                              "plaintext bytes %zu..%zu appear in clear", i, i + 8);
            }
            break;
        }
        }
    }
    peer__e2ee_sender_free(sender);
}
END_TEST

/* --- Wrong key ------------------------------------------------------------ */

START_TEST(wrong_key_decrypts_nothing_and_counts_failures)
{
    scheme_case_t c = all_cases[_i];
    peer__e2ee_sender_t *sender = make_sender(c, VIDEO, 1, key_epoch1);
    peer__e2ee_receiver_t *receiver = make_receiver(c);
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 1, 0, key_wrong, 16, 0), SFRAME_OK);
    for (uint32_t i = 0; i < 100; i++) {
        uint8_t frame[VP8_DEL_LEN], wire[OUT_MAX], plain[OUT_MAX];
        fill_frame(frame, sizeof(frame), i % 10 == 0 ? 0x10 : 0x11, i);
        size_t wire_len =
            protect(sender, PEER__E2EE_VIDEO_VP8, frame, sizeof(frame), i * 3000, wire);
        size_t plain_len = 99;
        ck_assert_int_eq(peer__e2ee_receiver_unprotect(receiver, PEER__E2EE_VIDEO_VP8, wire,
                                                       wire_len, i, i * 33u * MS, plain,
                                                       sizeof(plain), &plain_len),
                         PEER__E2EE_AUTH_FAILED);
        ck_assert_uint_eq(plain_len, 0);
    }
    peer__e2ee_receiver_stats_t stats = peer__e2ee_receiver_stats(receiver);
    ck_assert_uint_eq(stats.auth_failures, 100);
    ck_assert_uint_eq(stats.decrypted, 0);
    ck_assert_uint_eq(stats.held, 0);
    peer__e2ee_sender_free(sender);
    peer__e2ee_receiver_free(receiver);
}
END_TEST

/* --- Rekey and grace ------------------------------------------------------ */

static peer__e2ee_result_t deliver(peer__e2ee_receiver_t *receiver, const uint8_t *wire,
                                   size_t wire_len, uint64_t now_us, const uint8_t *expect,
                                   size_t expect_len)
{
    uint8_t plain[OUT_MAX];
    size_t plain_len = 0;
    peer__e2ee_result_t result =
        peer__e2ee_receiver_unprotect(receiver, PEER__E2EE_VIDEO_VP8, wire, wire_len, 0, now_us,
                                      plain, sizeof(plain), &plain_len);
    if (result == PEER__E2EE_DECRYPTED) {
        ck_assert_uint_eq(plain_len, expect_len);
        ck_assert_mem_eq(plain, expect, expect_len);
    }
    return result;
}

START_TEST(rekey_decrypts_new_epoch_and_old_one_only_within_grace)
{
    scheme_case_t c = keyed_scheme(_i);
    /* Given frames of epoch 1, then a rekey to epoch 2 and its frames. */
    peer__e2ee_sender_t *sender = make_sender(c, VIDEO, 1, key_epoch1);
    enum { OLD = 4, NEW = 3 };
    uint8_t frames[OLD + NEW][VP8_DEL_LEN], wire[OLD + NEW][OUT_MAX];
    size_t wire_len[OLD + NEW];
    for (unsigned i = 0; i < OLD + NEW; i++) {
        if (i == OLD) {
            ck_assert_int_eq(peer__e2ee_sender_set_key(sender, 2, key_epoch2, 16), SFRAME_OK);
        }
        fill_frame(frames[i], VP8_DEL_LEN, 0x11, i + 50u);
        wire_len[i] = protect(sender, PEER__E2EE_VIDEO_VP8, frames[i], VP8_DEL_LEN, i, wire[i]);
    }
    peer__e2ee_receiver_config_t config = peer__e2ee_receiver_config_default(c.scheme);
    config.grace_ms = 500;
    peer__e2ee_receiver_t *receiver = make_receiver_config(c, &config);
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 1, 0, key_epoch1, 16, 0), SFRAME_OK);
    ck_assert_int_eq(deliver(receiver, wire[0], wire_len[0], 0, frames[0], VP8_DEL_LEN),
                     PEER__E2EE_DECRYPTED);

    /* When epoch 2 arrives at 1 s: its frames decrypt with the new key. */
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 2, 0, key_epoch2, 16, 1000 * MS),
                     SFRAME_OK);
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 1, 0, key_epoch1, 16, 1000 * MS),
                     SFRAME_ERR_INVALID_ARG); /* older than the newest */
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 2, 0, key_epoch2, 16, 1000 * MS),
                     SFRAME_ERR_KEY_EXISTS);
    for (unsigned i = OLD; i < OLD + NEW; i++) {
        ck_assert_int_eq(deliver(receiver, wire[i], wire_len[i], 1000 * MS, frames[i], VP8_DEL_LEN),
                         PEER__E2EE_DECRYPTED);
    }
    /* Then epoch-1 frames decrypt within the 500 ms grace period ... */
    ck_assert(peer__e2ee_receiver_has_epoch(receiver, 1, 1499 * MS));
    ck_assert_int_eq(deliver(receiver, wire[1], wire_len[1], 1499 * MS, frames[1], VP8_DEL_LEN),
                     PEER__E2EE_DECRYPTED);
    /* ... and not after it: no key, and none to wait for. */
    ck_assert_int_eq(deliver(receiver, wire[2], wire_len[2], 1500 * MS, frames[2], VP8_DEL_LEN),
                     PEER__E2EE_UNKNOWN_KEY);
    ck_assert(!peer__e2ee_receiver_has_epoch(receiver, 1, 1500 * MS));
    ck_assert(peer__e2ee_receiver_has_epoch(receiver, 2, 1500 * MS));
    ck_assert_int_eq(deliver(receiver, wire[3], wire_len[3], 9000 * MS, frames[3], VP8_DEL_LEN),
                     PEER__E2EE_UNKNOWN_KEY);

    peer__e2ee_receiver_stats_t stats = peer__e2ee_receiver_stats(receiver);
    ck_assert_uint_eq(stats.decrypted, 1 + NEW + 1);
    ck_assert_uint_eq(stats.unknown_key, 2);
    ck_assert_uint_eq(stats.held, 0);

    /* A third epoch retires epoch 1 for good and makes 2 the previous one. */
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 3, 0, key_epoch3, 16, 10000 * MS),
                     SFRAME_OK);
    ck_assert(peer__e2ee_receiver_has_epoch(receiver, 2, 10000 * MS));
    ck_assert_int_eq(peer__e2ee_receiver_remove_key(receiver, 2), SFRAME_OK);
    ck_assert_int_eq(peer__e2ee_receiver_remove_key(receiver, 2), SFRAME_ERR_UNKNOWN_KID);
    ck_assert_int_eq(
        deliver(receiver, wire[OLD], wire_len[OLD], 10000 * MS, frames[OLD], VP8_DEL_LEN),
        PEER__E2EE_UNKNOWN_KEY);
    peer__e2ee_sender_free(sender);
    peer__e2ee_receiver_free(receiver);
}
END_TEST

/* --- Frames before their key ---------------------------------------------- */

START_TEST(frame_before_its_key_is_held_then_decrypted_or_counted_expired)
{
    scheme_case_t c = keyed_scheme(_i);
    peer__e2ee_sender_t *sender = make_sender(c, VIDEO, 1, key_epoch1);
    uint8_t frame[4][VP8_DEL_LEN], wire[4][OUT_MAX], plain[OUT_MAX];
    size_t wire_len[4], plain_len = 0;
    for (unsigned i = 0; i < 4; i++) {
        if (i == 2) {
            ck_assert_int_eq(peer__e2ee_sender_set_key(sender, 2, key_epoch2, 16), SFRAME_OK);
        }
        if (i == 3) {
            ck_assert_int_eq(peer__e2ee_sender_set_key(sender, 3, key_epoch3, 16), SFRAME_OK);
        }
        fill_frame(frame[i], VP8_DEL_LEN, i == 0 ? 0x10 : 0x11, i + 200u);
        wire_len[i] = protect(sender, PEER__E2EE_VIDEO_VP8, frame[i], VP8_DEL_LEN, i, wire[i]);
    }
    peer__e2ee_receiver_config_t config = peer__e2ee_receiver_config_default(c.scheme);
    config.hold_ms = 300;
    config.max_held_frames = 2;
    peer__e2ee_receiver_t *receiver = make_receiver_config(c, &config);
    peer__e2ee_released_t released;

    /* Given frames 0 and 1 (epoch 1) before any key: both are held, and a
     * third frame finds the queue full and is refused, counted. */
    ck_assert_int_eq(peer__e2ee_receiver_unprotect(receiver, PEER__E2EE_VIDEO_VP8, wire[0],
                                                   wire_len[0], 100, 0, plain, sizeof(plain),
                                                   &plain_len),
                     PEER__E2EE_HELD);
    ck_assert_int_eq(peer__e2ee_receiver_unprotect(receiver, PEER__E2EE_VIDEO_VP8, wire[1],
                                                   wire_len[1], 101, 10 * MS, plain, sizeof(plain),
                                                   &plain_len),
                     PEER__E2EE_HELD);
    ck_assert_int_eq(peer__e2ee_receiver_unprotect(receiver, PEER__E2EE_VIDEO_VP8, wire[2],
                                                   wire_len[2], 102, 20 * MS, plain, sizeof(plain),
                                                   &plain_len),
                     PEER__E2EE_HOLD_FULL);
    ck_assert_int_eq(
        peer__e2ee_receiver_poll(receiver, 50 * MS, &released, plain, sizeof(plain), &plain_len),
        PEER__E2EE_NOTHING);

    /* When the key of epoch 1 arrives, poll hands both back decrypted, in order. */
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 1, 0, key_epoch1, 16, 100 * MS),
                     SFRAME_OK);
    for (unsigned i = 0; i < 2; i++) {
        ck_assert_int_eq(peer__e2ee_receiver_poll(receiver, 100 * MS, &released, plain,
                                                  sizeof(plain), &plain_len),
                         PEER__E2EE_DECRYPTED);
        ck_assert_uint_eq(released.tag, 100 + i);
        ck_assert_uint_eq(released.held_since_us, i * 10 * MS);
        ck_assert_uint_eq(plain_len, VP8_DEL_LEN);
        ck_assert_mem_eq(plain, frame[i], VP8_DEL_LEN);
    }
    ck_assert_int_eq(
        peer__e2ee_receiver_poll(receiver, 100 * MS, &released, plain, sizeof(plain), &plain_len),
        PEER__E2EE_NOTHING);

    /* Frame 2 (epoch 2) is held again; its key never comes: poll returns
     * nothing until hold_ms has passed, then the frame as expired. */
    ck_assert_int_eq(peer__e2ee_receiver_unprotect(receiver, PEER__E2EE_VIDEO_VP8, wire[2],
                                                   wire_len[2], 102, 200 * MS, plain, sizeof(plain),
                                                   &plain_len),
                     PEER__E2EE_HELD);
    ck_assert_int_eq(
        peer__e2ee_receiver_poll(receiver, 499 * MS, &released, plain, sizeof(plain), &plain_len),
        PEER__E2EE_NOTHING);
    ck_assert_int_eq(
        peer__e2ee_receiver_poll(receiver, 500 * MS, &released, plain, sizeof(plain), &plain_len),
        PEER__E2EE_EXPIRED);
    ck_assert_uint_eq(released.tag, 102);
    ck_assert_uint_eq(plain_len, 0);

    /* Frame 2 again, then epoch 3's key arrives without epoch 2's: the
     * frame can no longer get its key and is expired at once. */
    ck_assert_int_eq(peer__e2ee_receiver_unprotect(receiver, PEER__E2EE_VIDEO_VP8, wire[2],
                                                   wire_len[2], 202, 600 * MS, plain, sizeof(plain),
                                                   &plain_len),
                     PEER__E2EE_HELD);
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 3, 0, key_epoch3, 16, 610 * MS),
                     SFRAME_OK);
    ck_assert_int_eq(
        peer__e2ee_receiver_poll(receiver, 610 * MS, &released, plain, sizeof(plain), &plain_len),
        PEER__E2EE_EXPIRED);
    ck_assert_uint_eq(released.tag, 202);
    ck_assert_int_eq(deliver(receiver, wire[3], wire_len[3], 620 * MS, frame[3], VP8_DEL_LEN),
                     PEER__E2EE_DECRYPTED);

    peer__e2ee_receiver_stats_t stats = peer__e2ee_receiver_stats(receiver);
    ck_assert_uint_eq(stats.held, 4);
    ck_assert_uint_eq(stats.held_then_decrypted, 2);
    ck_assert_uint_eq(stats.held_expired, 2);
    ck_assert_uint_eq(stats.held_then_failed, 0);
    ck_assert_uint_eq(stats.hold_full, 1);
    ck_assert_uint_eq(stats.held_now, 0);
    ck_assert_uint_eq(stats.decrypted, 3);
    /* Every frame handed in is accounted for. */
    ck_assert_uint_eq(stats.held, stats.held_then_decrypted + stats.held_then_failed +
                                      stats.held_expired + stats.held_now);
    peer__e2ee_sender_free(sender);
    peer__e2ee_receiver_free(receiver);
}
END_TEST

START_TEST(a_frame_still_waiting_does_not_block_one_whose_key_came)
{
    scheme_case_t c = keyed_scheme(_i);
    peer__e2ee_sender_t *sender = make_sender(c, VIDEO, 2, key_epoch2);
    uint8_t frame2[VP8_DEL_LEN], frame3[VP8_DEL_LEN], wire2[OUT_MAX], wire3[OUT_MAX],
        plain[OUT_MAX];
    size_t plain_len = 0;
    fill_frame(frame2, sizeof(frame2), 0x11, 400);
    fill_frame(frame3, sizeof(frame3), 0x11, 401);
    size_t wire2_len = protect(sender, PEER__E2EE_VIDEO_VP8, frame2, sizeof(frame2), 1, wire2);
    ck_assert_int_eq(peer__e2ee_sender_set_key(sender, 3, key_epoch3, 16), SFRAME_OK);
    size_t wire3_len = protect(sender, PEER__E2EE_VIDEO_VP8, frame3, sizeof(frame3), 2, wire3);

    /* Given epoch 1 installed and frames of epochs 3 and then 2 held. */
    peer__e2ee_receiver_t *receiver = make_receiver(c);
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 1, 0, key_epoch1, 16, 0), SFRAME_OK);
    ck_assert_int_eq(peer__e2ee_receiver_unprotect(receiver, PEER__E2EE_VIDEO_VP8, wire3, wire3_len,
                                                   3, 0, plain, sizeof(plain), &plain_len),
                     PEER__E2EE_HELD);
    ck_assert_int_eq(peer__e2ee_receiver_unprotect(receiver, PEER__E2EE_VIDEO_VP8, wire2, wire2_len,
                                                   2, 0, plain, sizeof(plain), &plain_len),
                     PEER__E2EE_HELD);
    /* When epoch 2 arrives, its frame comes out past the one still waiting. */
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 2, 0, key_epoch2, 16, 10 * MS),
                     SFRAME_OK);
    peer__e2ee_released_t released;
    ck_assert_int_eq(
        peer__e2ee_receiver_poll(receiver, 10 * MS, &released, plain, sizeof(plain), &plain_len),
        PEER__E2EE_DECRYPTED);
    ck_assert_uint_eq(released.tag, 2);
    ck_assert_mem_eq(plain, frame2, sizeof(frame2));
    ck_assert_int_eq(
        peer__e2ee_receiver_poll(receiver, 10 * MS, &released, plain, sizeof(plain), &plain_len),
        PEER__E2EE_NOTHING);
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 3, 0, key_epoch3, 16, 20 * MS),
                     SFRAME_OK);
    ck_assert_int_eq(
        peer__e2ee_receiver_poll(receiver, 20 * MS, &released, plain, sizeof(plain), &plain_len),
        PEER__E2EE_DECRYPTED);
    ck_assert_uint_eq(released.tag, 3);
    ck_assert_mem_eq(plain, frame3, sizeof(frame3));
    ck_assert_uint_eq(peer__e2ee_receiver_stats(receiver).held_then_decrypted, 2);
    peer__e2ee_sender_free(sender);
    peer__e2ee_receiver_free(receiver);
}
END_TEST

START_TEST(held_frames_of_a_wrong_key_are_failures_and_free_frees_the_rest)
{
    scheme_case_t c = keyed_scheme(_i);
    peer__e2ee_sender_t *sender = make_sender(c, AUDIO, 1, key_epoch1);
    peer__e2ee_receiver_t *receiver = make_receiver(c);
    uint8_t frame[OPUS_LEN], wire[OUT_MAX], plain[OUT_MAX];
    size_t plain_len = 0;
    fill_frame(frame, sizeof(frame), 0x78, 9);
    size_t wire_len = protect(sender, PEER__E2EE_AUDIO_OPUS, frame, sizeof(frame), 960, wire);
    ck_assert_int_eq(peer__e2ee_receiver_unprotect(receiver, PEER__E2EE_AUDIO_OPUS, wire, wire_len,
                                                   1, 0, plain, sizeof(plain), &plain_len),
                     PEER__E2EE_HELD);
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 1, 0, key_wrong, 16, 5 * MS), SFRAME_OK);
    peer__e2ee_released_t released;
    ck_assert_int_eq(peer__e2ee_receiver_poll(receiver, 5 * MS, &released, plain, 1, &plain_len),
                     PEER__E2EE_ERROR); /* too small: the frame stays held */
    ck_assert_int_eq(
        peer__e2ee_receiver_poll(receiver, 5 * MS, &released, plain, sizeof(plain), &plain_len),
        PEER__E2EE_AUTH_FAILED);
    ck_assert_uint_eq(released.kind, PEER__E2EE_AUDIO_OPUS);
    peer__e2ee_receiver_stats_t stats = peer__e2ee_receiver_stats(receiver);
    ck_assert_uint_eq(stats.held_then_failed, 1);
    ck_assert_uint_eq(stats.auth_failures, 1);

    /* A frame of another sender is not held: it is malformed for this one. */
    peer__e2ee_sender_config_t other = peer__e2ee_sender_config_default(c.scheme);
    other.suite = c.suite;
    other.sender_id = SENDER_ID + 1;
    peer__e2ee_sender_t *stranger = NULL;
    ck_assert_int_eq(peer__e2ee_sender_new(&other, &stranger), SFRAME_OK);
    ck_assert_int_eq(peer__e2ee_sender_set_key(stranger, 2, key_epoch2, 16), SFRAME_OK);
    wire_len = protect(stranger, PEER__E2EE_AUDIO_OPUS, frame, sizeof(frame), 960, wire);
    peer__e2ee_result_t expect =
        c.scheme == PEER__E2EE_SFRAME ? PEER__E2EE_MALFORMED : PEER__E2EE_HELD;
    ck_assert_int_eq(peer__e2ee_receiver_unprotect(receiver, PEER__E2EE_AUDIO_OPUS, wire, wire_len,
                                                   2, 6 * MS, plain, sizeof(plain), &plain_len),
                     expect);
    peer__e2ee_sender_free(stranger);
    peer__e2ee_sender_free(sender);
    peer__e2ee_receiver_free(receiver); /* frees what is still held */
}
END_TEST

/* --- Ratchet ---------------------------------------------------------------- */

START_TEST(sender_ratchet_is_followed_by_the_receiver)
{
    scheme_case_t c = keyed_scheme(_i);
    peer__e2ee_sender_t *sender = make_sender(c, VIDEO, 1, key_epoch1);
    peer__e2ee_receiver_t *member = make_receiver(c);
    ck_assert_int_eq(peer__e2ee_receiver_add_key(member, 1, 0, key_epoch1, 16, 0), SFRAME_OK);

    uint8_t before[VP8_DEL_LEN], after[VP8_DEL_LEN], wire_before[OUT_MAX], wire_after[OUT_MAX];
    fill_frame(before, sizeof(before), 0x11, 300);
    fill_frame(after, sizeof(after), 0x11, 301);
    size_t before_len =
        protect(sender, PEER__E2EE_VIDEO_VP8, before, sizeof(before), 1, wire_before);
    ck_assert_int_eq(deliver(member, wire_before, before_len, 0, before, sizeof(before)),
                     PEER__E2EE_DECRYPTED);

    /* When a member joins, the sender ratchets and the newcomer gets the
     * ratcheted key at step 1. */
    ck_assert_int_eq(peer__e2ee_sender_ratchet(sender), SFRAME_OK);
    uint8_t ratcheted[64];
    size_t ratcheted_len = 0;
    ck_assert_int_eq(peer__e2ee_ratchet_key(c.scheme, c.suite, SFRAME_LEGACY_JITSI, key_epoch1, 16,
                                            ratcheted, &ratcheted_len),
                     SFRAME_OK);
    peer__e2ee_receiver_t *newcomer = make_receiver(c);
    ck_assert_int_eq(peer__e2ee_receiver_add_key(newcomer, 1, 1, ratcheted, ratcheted_len, 0),
                     SFRAME_OK);

    size_t after_len = protect(sender, PEER__E2EE_VIDEO_VP8, after, sizeof(after), 2, wire_after);
    /* Then the existing member follows the step ... */
    ck_assert_int_eq(deliver(member, wire_after, after_len, 10 * MS, after, sizeof(after)),
                     PEER__E2EE_DECRYPTED);
    /* ... the newcomer decrypts the new frame but not the one from before it joined. */
    ck_assert_int_eq(deliver(newcomer, wire_after, after_len, 10 * MS, after, sizeof(after)),
                     PEER__E2EE_DECRYPTED);
    peer__e2ee_result_t old =
        deliver(newcomer, wire_before, before_len, 10 * MS, before, sizeof(before));
    ck_assert(old == PEER__E2EE_UNKNOWN_KEY || old == PEER__E2EE_AUTH_FAILED);
    ck_assert_uint_eq(peer__e2ee_receiver_stats(newcomer).decrypted, 1);
    ck_assert_uint_eq(peer__e2ee_receiver_stats(member).decrypted, 2);
    peer__e2ee_sender_free(sender);
    peer__e2ee_receiver_free(member);
    peer__e2ee_receiver_free(newcomer);
}
END_TEST

/* --- Arguments ------------------------------------------------------------ */

START_TEST(bad_arguments_and_keyless_senders_are_refused)
{
    peer__e2ee_sender_config_t config = peer__e2ee_sender_config_default(PEER__E2EE_SFRAME);
    peer__e2ee_sender_t *sender = NULL;
    config.stream = PEER__E2EE_MAX_STREAMS;
    ck_assert_int_eq(peer__e2ee_sender_new(&config, &sender), SFRAME_ERR_INVALID_ARG);
    config.stream = 0;
    ck_assert_int_eq(peer__e2ee_sender_new(&config, &sender), SFRAME_OK);
    uint8_t frame[16] = { 0x10 }, out[OUT_MAX];
    size_t out_len = 0;
    ck_assert_int_eq(peer__e2ee_sender_protect(sender, frame, sizeof(frame), PEER__E2EE_VIDEO_VP8,
                                               true, 1, 1, out, sizeof(out), &out_len),
                     SFRAME_ERR_UNKNOWN_KID);
    ck_assert_int_eq(peer__e2ee_sender_ratchet(sender), SFRAME_ERR_UNKNOWN_KID);
    peer__e2ee_sender_free(sender);

    /* Legacy: a keyframe flag that contradicts the VP8 P bit. */
    sender = make_sender(keyed_scheme(1), VIDEO, 1, key_epoch1);
    ck_assert_int_eq(peer__e2ee_sender_protect(sender, frame, sizeof(frame), PEER__E2EE_VIDEO_VP8,
                                               false, 1, 1, out, sizeof(out), &out_len),
                     SFRAME_ERR_INVALID_ARG);
    ck_assert_int_eq(peer__e2ee_sender_protect(sender, frame, sizeof(frame), PEER__E2EE_VIDEO_VP8,
                                               true, 1, 1, out, 8, &out_len),
                     SFRAME_ERR_NO_SPACE);
    peer__e2ee_sender_free(sender);

    peer__e2ee_receiver_config_t rc = peer__e2ee_receiver_config_default(PEER__E2EE_SFRAME);
    peer__e2ee_receiver_t *receiver = NULL;
    rc.streams = 0;
    ck_assert_int_eq(peer__e2ee_receiver_new(&rc, &receiver), SFRAME_ERR_INVALID_ARG);
    rc.streams = 4;
    ck_assert_int_eq(peer__e2ee_receiver_new(&rc, &receiver), SFRAME_OK);
    uint8_t junk[3] = { 0xff, 0xff, 0xff };
    ck_assert_int_eq(peer__e2ee_receiver_unprotect(receiver, PEER__E2EE_VIDEO_VP8, junk,
                                                   sizeof(junk), 0, 0, out, sizeof(out), &out_len),
                     PEER__E2EE_MALFORMED);
    ck_assert_uint_eq(peer__e2ee_receiver_stats(receiver).malformed, 1);
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 1, 256, key_epoch1, 16, 0),
                     SFRAME_ERR_INVALID_ARG);
    peer__e2ee_receiver_free(receiver);
    peer__e2ee_sender_free(NULL);
    peer__e2ee_receiver_free(NULL);
    ck_assert_str_eq(peer__e2ee_result_name(PEER__E2EE_HELD), "PEER__E2EE_HELD");
    ck_assert_str_eq(peer__e2ee_scheme_name(PEER__E2EE_INSERTABLE_LEGACY), "insertable-legacy");
}
END_TEST

/* --- Test modes (the oracle's negative controls) ------------------------ */

static const peer__e2ee_test_mode_t test_modes[] = {
    PEER__E2EE_TEST_XOR_CONSTANT,
    PEER__E2EE_TEST_CTR_REUSE,
    PEER__E2EE_TEST_HALF_CLEAR,
};
#define TEST_MODES (int)(sizeof(test_modes) / sizeof(test_modes[0]))

static peer__e2ee_sender_t *make_test_sender(peer__e2ee_test_mode_t mode, sframe_suite_t suite)
{
    peer__e2ee_sender_config_t config = peer__e2ee_sender_config_default(PEER__E2EE_SFRAME);
    config.suite = suite;
    config.sender_id = SENDER_ID;
    config.stream = VIDEO;
    config.test_mode = mode;
    peer__e2ee_sender_t *sender = NULL;
    ck_assert_int_eq(peer__e2ee_sender_new(&config, &sender), SFRAME_OK);
    ck_assert_int_eq(peer__e2ee_sender_set_key(sender, 1, key_epoch1, 16), SFRAME_OK);
    return sender;
}

static peer__e2ee_receiver_t *make_test_receiver(peer__e2ee_test_mode_t mode, sframe_suite_t suite)
{
    peer__e2ee_receiver_config_t config = peer__e2ee_receiver_config_default(PEER__E2EE_SFRAME);
    config.suite = suite;
    config.sender_id = SENDER_ID;
    config.test_mode = mode;
    peer__e2ee_receiver_t *receiver = NULL;
    ck_assert_int_eq(peer__e2ee_receiver_new(&config, &receiver), SFRAME_OK);
    ck_assert_int_eq(peer__e2ee_receiver_add_key(receiver, 1, 0, key_epoch1, 16, 0), SFRAME_OK);
    return receiver;
}

/* Given a sender and a receiver in one test mode, frames of 1, 2, 3 and
 * many bytes (and one after a ratchet step) round-trip; the bytes on the
 * wire are what the mode says; a normal receiver opens none of them but
 * CTR_REUSE's first frame, and refuses the repeated counter after it. */
START_TEST(test_modes_round_trip_and_show_their_flaw)
{
    peer__e2ee_test_mode_t mode = test_modes[_i];
    sframe_suite_t suite =
        _i == 2 ? SFRAME_AES_128_CTR_HMAC_SHA256_80 : SFRAME_AES_128_GCM_SHA256_128;
    size_t nt = sframe_suite_info(suite)->nt;
    peer__e2ee_sender_t *sender = make_test_sender(mode, suite);
    peer__e2ee_receiver_t *receiver = make_test_receiver(mode, suite);
    peer__e2ee_receiver_t *normal = make_test_receiver(PEER__E2EE_TEST_OFF, suite);
    static const size_t lens[] = { 1, 2, 3, 700, 1200, 901 };
    uint8_t frame[FRAME_MAX], out[OUT_MAX], back[OUT_MAX];
    size_t normal_opened = 0;
    for (size_t f = 0; f < sizeof lens / sizeof lens[0]; f++) {
        if (f == 5)
            ck_assert_int_eq(peer__e2ee_sender_ratchet(sender), SFRAME_OK);
        size_t len = lens[f];
        fill_frame(frame, len, f == 0 ? 0x10 : 0x11, (uint32_t)f);
        size_t out_len = protect(sender, PEER__E2EE_VIDEO_VP8, frame, len, 0, out);
        sframe_header_t header;
        size_t header_len = 0;
        ck_assert_int_eq(sframe_header_decode(out, out_len, &header, &header_len), SFRAME_OK);
        uint64_t kid = 0;
        ck_assert_int_eq(peer__e2ee_kid(SENDER_ID, VIDEO, 1, f == 5 ? 1 : 0, &kid), SFRAME_OK);
        ck_assert_uint_eq(header.kid, kid);
        switch (mode) {
        case PEER__E2EE_TEST_XOR_CONSTANT:
            ck_assert_uint_eq(header.ctr, f == 5 ? 0 : f);
            ck_assert_uint_eq(out_len, header_len + len);
            for (size_t i = 0; i < len; i++)
                ck_assert_uint_eq(out[header_len + i], frame[i] ^ peer__e2ee_xor_pattern[i % 16]);
            break;
        case PEER__E2EE_TEST_CTR_REUSE:
            ck_assert_uint_eq(header.ctr, 0);
            ck_assert_uint_eq(out_len, header_len + len + nt);
            break;
        case PEER__E2EE_TEST_HALF_CLEAR:
            ck_assert_uint_eq(header.ctr, f == 5 ? 0 : f);
            ck_assert_uint_eq(out_len, header_len + len + nt);
            ck_assert_mem_eq(out + header_len, frame, len / 2);
            break;
        case PEER__E2EE_TEST_OFF:
            break;
        }
        size_t back_len = 0;
        ck_assert_int_eq(peer__e2ee_receiver_unprotect(receiver, PEER__E2EE_VIDEO_VP8, out, out_len,
                                                       f, 0, back, sizeof back, &back_len),
                         PEER__E2EE_DECRYPTED);
        ck_assert_uint_eq(back_len, len);
        ck_assert_mem_eq(back, frame, len);
        ck_assert_uint_eq(peer__e2ee_receiver_last_epoch(receiver), 1);
        normal_opened +=
            peer__e2ee_receiver_unprotect(normal, PEER__E2EE_VIDEO_VP8, out, out_len, f, 0, back,
                                          sizeof back, &back_len) == PEER__E2EE_DECRYPTED;
    }
    /* CTR_REUSE is real SFrame: a normal receiver opens the first frame of
     * each KID and calls the rest replays. HALF_CLEAR of a 1-byte frame
     * has nothing in clear: it is a normal SFrame. XOR frames have no tag
     * (a 1-byte one is too short to hold one). */
    peer__e2ee_receiver_stats_t stats = peer__e2ee_receiver_stats(normal);
    switch (mode) {
    case PEER__E2EE_TEST_CTR_REUSE:
        ck_assert_uint_eq(normal_opened, 2);
        ck_assert_uint_eq(stats.replays, 4);
        break;
    case PEER__E2EE_TEST_HALF_CLEAR:
        ck_assert_uint_eq(normal_opened, 1);
        ck_assert_uint_eq(stats.auth_failures, 5);
        break;
    default:
        ck_assert_uint_eq(normal_opened, 0);
        ck_assert_uint_eq(stats.auth_failures + stats.malformed, 6);
        break;
    }
    peer__e2ee_sender_free(sender);
    peer__e2ee_receiver_free(receiver);
    peer__e2ee_receiver_free(normal);
}
END_TEST

START_TEST(test_modes_only_for_sframe)
{
    for (int m = 0; m < TEST_MODES; m++) {
        for (int s = 0; s < 2; s++) {
            peer__e2ee_scheme_t scheme = s == 0 ? PEER__E2EE_INSERTABLE_LEGACY : PEER__E2EE_NONE;
            peer__e2ee_sender_config_t sc = peer__e2ee_sender_config_default(scheme);
            sc.test_mode = test_modes[m];
            peer__e2ee_sender_t *sender = NULL;
            ck_assert_int_eq(peer__e2ee_sender_new(&sc, &sender), SFRAME_ERR_INVALID_ARG);
            peer__e2ee_receiver_config_t rc = peer__e2ee_receiver_config_default(scheme);
            rc.test_mode = test_modes[m];
            peer__e2ee_receiver_t *receiver = NULL;
            ck_assert_int_eq(peer__e2ee_receiver_new(&rc, &receiver), SFRAME_ERR_INVALID_ARG);
        }
    }
    peer__e2ee_sender_config_t sc = peer__e2ee_sender_config_default(PEER__E2EE_SFRAME);
    sc.test_mode = (peer__e2ee_test_mode_t)9;
    peer__e2ee_sender_t *sender = NULL;
    ck_assert_int_eq(peer__e2ee_sender_new(&sc, &sender), SFRAME_ERR_INVALID_ARG);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("peers_e2ee");
    TCase *tc = tcase_create("e2ee");
    tcase_add_test(tc, kid_layout_is_mls_context_index_epoch_then_step);
    tcase_add_loop_test(tc, round_trip_video_key_delta_and_audio, 0, ALL_CASES);
    tcase_add_loop_test(tc, transform_leaves_exactly_the_declared_clear_bytes, 0, ALL_CASES);
    tcase_add_loop_test(tc, wrong_key_decrypts_nothing_and_counts_failures, 0, KEYED_CASES);
    tcase_add_loop_test(tc, rekey_decrypts_new_epoch_and_old_one_only_within_grace, 0,
                        SCHEME_CASES);
    tcase_add_loop_test(tc, frame_before_its_key_is_held_then_decrypted_or_counted_expired, 0,
                        SCHEME_CASES);
    tcase_add_loop_test(tc, a_frame_still_waiting_does_not_block_one_whose_key_came, 0,
                        SCHEME_CASES);
    tcase_add_loop_test(tc, held_frames_of_a_wrong_key_are_failures_and_free_frees_the_rest, 0,
                        SCHEME_CASES);
    tcase_add_loop_test(tc, sender_ratchet_is_followed_by_the_receiver, 0, SCHEME_CASES);
    tcase_add_test(tc, bad_arguments_and_keyless_senders_are_refused);
    tcase_add_loop_test(tc, test_modes_round_trip_and_show_their_flaw, 0, TEST_MODES);
    tcase_add_test(tc, test_modes_only_for_sframe);
    suite_add_tcase(suite, tc);
    return suite;
}
