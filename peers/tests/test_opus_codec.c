/* Opus encoder and decoder (peers/opus_codec.c).
 *
 * A 1 kHz sine at -10 dBFS goes through encode and decode for 1 s at
 * 32 kbps and 20 ms: the decoded energy (after the codec's start-up, with
 * the decoder's delay making no difference to a steady tone) is within
 * 1 dB of the input's, the decoded signal is still a 1 kHz tone (its
 * correlation with a 1 kHz reference dominates), and the packets add up to
 * about 32 kbps. Every ptime gives packets of its duration, PLC fills
 * exactly one ptime, and damaged packets and bad arguments are errors.
 * After warm-up, encode, decode and PLC allocate nothing. */
#include "peers/codec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"

#define TONE_HZ   1000.0
#define AMPLITUDE 10362.0 /* -10 dBFS */
#define PI        3.14159265358979323846

static void sine(int16_t *pcm, size_t count, size_t first_sample)
{
    for (size_t i = 0; i < count; i++) {
        double t = (double)(first_sample + i) / PEER__OPUS_RATE;
        pcm[i] = (int16_t)lrint(AMPLITUDE * sin(2.0 * PI * TONE_HZ * t));
    }
}

/* Given a 32 kbps 20 ms mono encoder and a decoder, when 1 s of a 1 kHz
 * sine goes through both, then energy, tone and rate are preserved. */
START_TEST(sine_round_trip)
{
    peer__opus_config_t config = peer__opus_config_default();
    ck_assert_uint_eq(config.kbps, 32);
    ck_assert_uint_eq(config.ptime_us, 20000);
    unsigned frame = peer__opus_frame_samples(&config);
    ck_assert_uint_eq(frame, 960);
    peer__opus_encoder_t *encoder = NULL;
    peer__opus_decoder_t *decoder = NULL;
    ck_assert_int_eq(peer__opus_encoder_new(&config, &encoder), PEER__CODEC_OK);
    ck_assert_int_eq(peer__opus_decoder_new(&config, &decoder), PEER__CODEC_OK);

    enum { PACKETS = 50, SKIP = 5 }; /* 1 s; skip the first 100 ms */
    int16_t pcm[PEER__OPUS_MAX_SAMPLES], out[PEER__OPUS_MAX_SAMPLES];
    uint8_t packet[PEER__OPUS_MAX_PACKET];
    double in_energy = 0.0, out_energy = 0.0, corr_sin = 0.0, corr_cos = 0.0;
    size_t total_bytes = 0, min_len = SIZE_MAX, max_len = 0, measured = 0;
    for (unsigned p = 0; p < PACKETS; p++) {
        sine(pcm, frame, (size_t)p * frame);
        size_t len = 0;
        ck_assert_int_eq(
            peer__opus_encoder_encode(encoder, pcm, frame, packet, sizeof packet, &len),
            PEER__CODEC_OK);
        ck_assert_uint_gt(len, 0);
        total_bytes += len;
        min_len = len < min_len ? len : min_len;
        max_len = len > max_len ? len : max_len;
        size_t decoded = 0;
        ck_assert_int_eq(
            peer__opus_decoder_decode(decoder, packet, len, out, PEER__OPUS_MAX_SAMPLES, &decoded),
            PEER__CODEC_OK);
        ck_assert_uint_eq(decoded, frame);
        if (p < SKIP)
            continue;
        for (size_t i = 0; i < frame; i++) {
            double t = (double)((size_t)p * frame + i) / PEER__OPUS_RATE;
            in_energy += (double)pcm[i] * pcm[i];
            out_energy += (double)out[i] * out[i];
            corr_sin += out[i] * sin(2.0 * PI * TONE_HZ * t);
            corr_cos += out[i] * cos(2.0 * PI * TONE_HZ * t);
        }
        measured += frame;
    }
    double energy_db = 10.0 * log10(out_energy / in_energy);
    /* Power of the decoded signal at 1 kHz (any phase: the codec delays). */
    double tone_power =
        2.0 * (corr_sin * corr_sin + corr_cos * corr_cos) / (double)measured / (double)measured;
    double tone_share = tone_power / (out_energy / (double)measured);
    double kbps = (double)total_bytes * 8.0 / 1000.0;
    printf("opus 32 kbps 20 ms: %.1f kbps, packets %zu..%zu B, energy %+.2f dB, "
           "1 kHz share %.3f\n",
           kbps, min_len, max_len, energy_db, tone_share);
    ck_assert_double_lt(fabs(energy_db), 1.0);
    ck_assert_double_gt(tone_share, 0.9);
    ck_assert_double_gt(kbps, 0.5 * config.kbps);
    ck_assert_double_lt(kbps, 1.25 * config.kbps);
    ck_assert_uint_lt(max_len, 2 * (size_t)config.kbps * 1000 / 8 * config.ptime_us / 1000000);

    /* A lost packet: PLC gives exactly one ptime. */
    size_t concealed = 0;
    ck_assert_int_eq(
        peer__opus_decoder_decode(decoder, NULL, 0, out, PEER__OPUS_MAX_SAMPLES, &concealed),
        PEER__CODEC_OK);
    ck_assert_uint_eq(concealed, frame);
    ck_assert_int_eq(peer__opus_decoder_decode(decoder, NULL, 0, out, frame - 1, &concealed),
                     PEER__CODEC_ERR_NO_SPACE);

    peer__opus_encoder_free(encoder);
    peer__opus_decoder_free(decoder);
}
END_TEST

static const unsigned ptimes_us[] = { 2500, 5000, 10000, 20000, 40000, 60000 };

/* Every ptime gives packets that decode to that duration, and PLC fills
 * the same duration; CBR at 64 kbps makes the sizes exact. */
START_TEST(every_ptime)
{
    peer__opus_config_t config = peer__opus_config_default();
    config.ptime_us = ptimes_us[_i];
    config.kbps = 64;
    config.vbr = false;
    unsigned frame = peer__opus_frame_samples(&config);
    ck_assert_uint_eq(frame, 48u * config.ptime_us / 1000u);
    peer__opus_encoder_t *encoder = NULL;
    peer__opus_decoder_t *decoder = NULL;
    ck_assert_int_eq(peer__opus_encoder_new(&config, &encoder), PEER__CODEC_OK);
    ck_assert_int_eq(peer__opus_decoder_new(&config, &decoder), PEER__CODEC_OK);
    int16_t pcm[PEER__OPUS_MAX_SAMPLES], out[PEER__OPUS_MAX_SAMPLES];
    uint8_t packet[PEER__OPUS_MAX_PACKET];
    size_t expected_len = (size_t)config.kbps * 1000 / 8 * config.ptime_us / 1000000;
    for (unsigned p = 0; p < 10; p++) {
        sine(pcm, frame, (size_t)p * frame);
        size_t len = 0, decoded = 0;
        ck_assert_int_eq(
            peer__opus_encoder_encode(encoder, pcm, frame, packet, sizeof packet, &len),
            PEER__CODEC_OK);
        ck_assert_msg(len + 2 >= expected_len && len <= expected_len + 2,
                      "ptime %u us: %zu bytes, expected about %zu", config.ptime_us, len,
                      expected_len);
        ck_assert_int_eq(
            peer__opus_decoder_decode(decoder, packet, len, out, PEER__OPUS_MAX_SAMPLES, &decoded),
            PEER__CODEC_OK);
        ck_assert_uint_eq(decoded, frame);
    }
    size_t concealed = 0;
    ck_assert_int_eq(
        peer__opus_decoder_decode(decoder, NULL, 0, out, PEER__OPUS_MAX_SAMPLES, &concealed),
        PEER__CODEC_OK);
    ck_assert_uint_eq(concealed, frame);
    peer__opus_encoder_free(encoder);
    peer__opus_decoder_free(decoder);
}
END_TEST

START_TEST(errors)
{
    peer__opus_config_t config = peer__opus_config_default();
    peer__opus_encoder_t *encoder = NULL;
    peer__opus_decoder_t *decoder = NULL;
    config.ptime_us = 30000;
    ck_assert_uint_eq(peer__opus_frame_samples(&config), 0);
    ck_assert_int_eq(peer__opus_encoder_new(&config, &encoder), PEER__CODEC_ERR_INVALID_ARG);
    ck_assert_int_eq(peer__opus_decoder_new(&config, &decoder), PEER__CODEC_ERR_INVALID_ARG);
    config = peer__opus_config_default();
    config.kbps = 5;
    ck_assert_int_eq(peer__opus_encoder_new(&config, &encoder), PEER__CODEC_ERR_INVALID_ARG);
    config = peer__opus_config_default();
    config.channels = 3;
    ck_assert_int_eq(peer__opus_encoder_new(&config, &encoder), PEER__CODEC_ERR_INVALID_ARG);
    ck_assert_ptr_null(encoder);

    config = peer__opus_config_default();
    ck_assert_int_eq(peer__opus_encoder_new(&config, &encoder), PEER__CODEC_OK);
    ck_assert_int_eq(peer__opus_decoder_new(&config, &decoder), PEER__CODEC_OK);
    int16_t pcm[PEER__OPUS_MAX_SAMPLES] = { 0 }, out[PEER__OPUS_MAX_SAMPLES];
    uint8_t packet[PEER__OPUS_MAX_PACKET];
    size_t len = 0, decoded = 0;
    ck_assert_int_eq(peer__opus_encoder_encode(encoder, pcm, 959, packet, sizeof packet, &len),
                     PEER__CODEC_ERR_INVALID_ARG);
    ck_assert_int_eq(peer__opus_encoder_set_kbps(encoder, 600), PEER__CODEC_ERR_INVALID_ARG);
    ck_assert_int_eq(peer__opus_encoder_set_kbps(encoder, 24), PEER__CODEC_OK);
    ck_assert_int_eq(peer__opus_encoder_encode(encoder, pcm, 960, packet, sizeof packet, &len),
                     PEER__CODEC_OK);

    /* A packet whose TOC declares an invalid frame count (code 3, zero
     * frames) is refused. */
    uint8_t bad[2] = { 0x03, 0x00 };
    ck_assert_int_eq(
        peer__opus_decoder_decode(decoder, bad, sizeof bad, out, PEER__OPUS_MAX_SAMPLES, &decoded),
        PEER__CODEC_ERR_CORRUPT);
    /* A code 1 packet (two equal frames) with an odd payload is malformed. */
    uint8_t odd[4] = { 0x01, 0x11, 0x22, 0x33 };
    ck_assert_int_eq(
        peer__opus_decoder_decode(decoder, odd, sizeof odd, out, PEER__OPUS_MAX_SAMPLES, &decoded),
        PEER__CODEC_ERR_CORRUPT);
    /* Output too small for the packet's 20 ms. */
    ck_assert_int_eq(peer__opus_decoder_decode(decoder, packet, len, out, 100, &decoded),
                     PEER__CODEC_ERR_NO_SPACE);
    ck_assert_int_eq(peer__opus_decoder_decode(decoder, packet, 0, out, 100, &decoded),
                     PEER__CODEC_ERR_INVALID_ARG);

    /* Random packets never crash the decoder. */
    uint64_t state = 7;
    for (unsigned round = 0; round < 500; round++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        size_t random_len = 1 + (size_t)((state >> 33) % 300);
        for (size_t i = 0; i < random_len; i++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            packet[i] = (uint8_t)(state >> 33);
        }
        peer__codec_err_t err = peer__opus_decoder_decode(decoder, packet, random_len, out,
                                                          PEER__OPUS_MAX_SAMPLES, &decoded);
        ck_assert(err == PEER__CODEC_OK || err == PEER__CODEC_ERR_CORRUPT ||
                  err == PEER__CODEC_ERR_NO_SPACE);
    }
    peer__opus_encoder_free(encoder);
    peer__opus_decoder_free(decoder);
    peer__opus_encoder_free(NULL);
    peer__opus_decoder_free(NULL);
}
END_TEST

#if COUNT_ALLOCATIONS
/* After warm-up, encode, decode and PLC allocate nothing. */
START_TEST(no_allocation_per_packet)
{
    peer__opus_config_t config = peer__opus_config_default();
    peer__opus_encoder_t *encoder = NULL;
    peer__opus_decoder_t *decoder = NULL;
    ck_assert_int_eq(peer__opus_encoder_new(&config, &encoder), PEER__CODEC_OK);
    ck_assert_int_eq(peer__opus_decoder_new(&config, &decoder), PEER__CODEC_OK);
    int16_t pcm[PEER__OPUS_MAX_SAMPLES], out[PEER__OPUS_MAX_SAMPLES];
    uint8_t packet[PEER__OPUS_MAX_PACKET];
    /* No Check assertion inside the loop: Check records passing assertions
     * too, which allocates. */
    unsigned long before = 0;
    unsigned failures = 0;
    for (unsigned p = 0; p < 60; p++) {
        if (p == 10)
            before = allocations;
        sine(pcm, 960, (size_t)p * 960);
        size_t len = 0, decoded = 0;
        if (peer__opus_encoder_encode(encoder, pcm, 960, packet, sizeof packet, &len) !=
                PEER__CODEC_OK ||
            peer__opus_decoder_decode(decoder, p % 7 == 3 ? NULL : packet, len, out,
                                      PEER__OPUS_MAX_SAMPLES, &decoded) != PEER__CODEC_OK)
            failures++;
    }
    unsigned long during = allocations - before;
    ck_assert_uint_eq(failures, 0);
    ck_assert_uint_eq(during, 0);
    ck_assert_uint_gt(before, 0);
    peer__opus_encoder_free(encoder);
    peer__opus_decoder_free(decoder);
}
END_TEST
#endif

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("peers_opus_codec");
    TCase *tc = tcase_create("opus");
    tcase_add_test(tc, sine_round_trip);
    tcase_add_loop_test(tc, every_ptime, 0, (int)(sizeof ptimes_us / sizeof ptimes_us[0]));
    tcase_add_test(tc, errors);
#if COUNT_ALLOCATIONS
    tcase_add_test(tc, no_allocation_per_packet);
#endif
    suite_add_tcase(suite, tc);
    return suite;
}
