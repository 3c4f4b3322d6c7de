/* peers/tone.c: the "tone" audio source and the RFC 6464 audio level.
 *
 * Each peer sends one sine (300 + 50 * i Hz) under an envelope that talks
 * and pauses like speech, so that the audio level (RFC 6464, the header
 * extension the SFU reads for active-speaker selection) changes over time.
 * Sample k is a function of k alone: the phase is (f * k) mod rate, exact in
 * integers, so any range renders the same samples however it is split. */
#include "peers/source.h"

#include <math.h>

#define FADE_MS          10u
#define SYLLABLE_HZ      4u
#define SYLLABLE_MIN_Q16 19661u /* 30% of the peak */
#define PEER_OFFSET_MS   700u
#define Q16              65536u

static const double two_pi = 6.283185307179586476925286766559;

peer__tone_config_t peer__tone_config_default(void)
{
    return (peer__tone_config_t){
        .peer_index = 0,
        .sample_rate = 48000,
        .channels = 1,
        .peak = 16384,
        .cycle_ms = 2000,
        .talk_ms = 1400,
    };
}

uint32_t peer__tone_frequency_hz(const peer__tone_config_t *config)
{
    return 300u + 50u * (config->peer_index % 64u);
}

/* Linear fade over FADE_MS at both ends of the talk part, Q16. */
static uint64_t fade_q16(uint64_t pos, uint64_t talk, uint64_t fade)
{
    uint64_t to_edge = pos < talk - pos ? pos : talk - pos;
    return to_edge >= fade ? Q16 : to_edge * Q16 / fade;
}

uint32_t peer__tone_envelope_q16(const peer__tone_config_t *config, uint64_t sample)
{
    uint64_t rate = config->sample_rate;
    uint64_t cycle = (uint64_t)config->cycle_ms * rate / 1000u;
    uint64_t talk = (uint64_t)config->talk_ms * rate / 1000u;
    if (cycle == 0)
        return 0;
    uint64_t offset = (uint64_t)config->peer_index * PEER_OFFSET_MS * rate / 1000u;
    uint64_t pos = (sample + cycle - offset % cycle) % cycle;
    if (pos >= talk)
        return 0;
    /* The syllable swing: a raised cosine at SYLLABLE_HZ from the talk start. */
    uint64_t syllable_phase = (pos * SYLLABLE_HZ) % rate;
    double swing = 0.5 - 0.5 * cos(two_pi * (double)syllable_phase / (double)rate);
    uint64_t level = SYLLABLE_MIN_Q16 + (uint64_t)(swing * (double)(Q16 - SYLLABLE_MIN_Q16));
    uint64_t fade = (uint64_t)FADE_MS * rate / 1000u;
    return (uint32_t)(level * fade_q16(pos, talk, fade > 0 ? fade : 1) / Q16);
}

static int16_t tone_sample(const peer__tone_config_t *config, uint64_t k)
{
    uint64_t rate = config->sample_rate;
    uint64_t phase = (k % rate) * peer__tone_frequency_hz(config) % rate;
    double wave = sin(two_pi * (double)phase / (double)rate);
    /* A peak above INT16_MAX would wrap: clamp it. */
    double peak = config->peak > INT16_MAX ? (double)INT16_MAX : (double)config->peak;
    double amplitude = peak * peer__tone_envelope_q16(config, k) / Q16;
    return (int16_t)lround(wave * amplitude);
}

void peer__tone_render(const peer__tone_config_t *config, uint64_t first, size_t frames,
                       int16_t *out)
{
    uint32_t channels = config->channels == 2 ? 2u : 1u;
    if (config->sample_rate == 0)
        return;
    for (size_t i = 0; i < frames; i++) {
        int16_t sample = tone_sample(config, first + i);
        for (uint32_t c = 0; c < channels; c++)
            out[i * channels + c] = sample;
    }
}

peer__audio_level_t peer__audio_level_compute(const int16_t *samples, size_t count)
{
    double energy = 0.0;
    for (size_t i = 0; i < count; i++)
        energy += (double)samples[i] * (double)samples[i];
    if (count == 0 || energy == 0.0)
        return (peer__audio_level_t){ .level = 127, .voice = false };
    double rms = sqrt(energy / (double)count);
    double dbov = 20.0 * log10(rms / 32768.0);
    long level = lround(-dbov);
    level = level < 0 ? 0 : level > 127 ? 127 : level;
    return (peer__audio_level_t){
        .level = (uint8_t)level,
        .voice = (uint32_t)level <= PEER__AUDIO_LEVEL_VOICE_MAX,
    };
}
