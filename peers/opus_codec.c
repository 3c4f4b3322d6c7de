/* Opus encoder and decoder over libopus (RFC 6716), at 48 kHz with one
 * Opus frame of ptime per packet, as RFC 7587 carries it.
 *
 * The encoder is OPUS_APPLICATION_VOIP (what WebRTC uses for speech) with
 * the configured bitrate, complexity, VBR and in-band FEC. A lost packet is
 * concealed by the decoder's PLC (opus_decode with no data) for one ptime.
 * libopus allocates only in *_create; encode and decode work in place. */
#include "peers/codec.h"

#include <opus/opus.h>

#include <stdlib.h>

#define OPUS__MIN_KBPS 6
#define OPUS__MAX_KBPS 510

struct peer__opus_encoder {
    OpusEncoder *opus;
    unsigned channels;
    unsigned frame_samples;
};

struct peer__opus_decoder {
    OpusDecoder *opus;
    unsigned channels;
    unsigned frame_samples;
};

peer__opus_config_t peer__opus_config_default(void)
{
    return (peer__opus_config_t){
        .channels = 1,
        .kbps = 32,
        .ptime_us = 20000,
        .complexity = 9,
        .vbr = true,
        .inband_fec = false,
        .packet_loss_pct = 0,
    };
}

static bool ptime_valid(unsigned ptime_us)
{
    switch (ptime_us) {
    case 2500:
    case 5000:
    case 10000:
    case 20000:
    case 40000:
    case 60000:
        return true;
    default:
        return false;
    }
}

unsigned peer__opus_frame_samples(const peer__opus_config_t *config)
{
    if (config == NULL || !ptime_valid(config->ptime_us))
        return 0;
    return (unsigned)((uint64_t)PEER__OPUS_RATE * config->ptime_us / 1000000u);
}

static bool config_valid(const peer__opus_config_t *c)
{
    return (c->channels == 1 || c->channels == 2) && c->kbps >= OPUS__MIN_KBPS &&
           c->kbps <= OPUS__MAX_KBPS && ptime_valid(c->ptime_us) && c->complexity <= 10 &&
           c->packet_loss_pct <= 100;
}

peer__codec_err_t peer__opus_encoder_new(const peer__opus_config_t *config,
                                         peer__opus_encoder_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (config == NULL || out == NULL || !config_valid(config))
        return PEER__CODEC_ERR_INVALID_ARG;
    peer__opus_encoder_t *enc = calloc(1, sizeof *enc);
    if (enc == NULL)
        return PEER__CODEC_ERR_NO_MEMORY;
    enc->channels = config->channels;
    enc->frame_samples = peer__opus_frame_samples(config);
    int error = OPUS_OK;
    enc->opus =
        opus_encoder_create(PEER__OPUS_RATE, (int)config->channels, OPUS_APPLICATION_VOIP, &error);
    if (enc->opus == NULL || error != OPUS_OK) {
        peer__opus_encoder_free(enc);
        return error == OPUS_ALLOC_FAIL ? PEER__CODEC_ERR_NO_MEMORY : PEER__CODEC_ERR_CODEC;
    }
    if (opus_encoder_ctl(enc->opus, OPUS_SET_BITRATE((opus_int32)config->kbps * 1000)) != OPUS_OK ||
        opus_encoder_ctl(enc->opus, OPUS_SET_COMPLEXITY((opus_int32)config->complexity)) !=
            OPUS_OK ||
        opus_encoder_ctl(enc->opus, OPUS_SET_VBR(config->vbr ? 1 : 0)) != OPUS_OK ||
        opus_encoder_ctl(enc->opus, OPUS_SET_INBAND_FEC(config->inband_fec ? 1 : 0)) != OPUS_OK ||
        opus_encoder_ctl(
            enc->opus, OPUS_SET_PACKET_LOSS_PERC((opus_int32)config->packet_loss_pct)) != OPUS_OK) {
        peer__opus_encoder_free(enc);
        return PEER__CODEC_ERR_CODEC;
    }
    *out = enc;
    return PEER__CODEC_OK;
}

void peer__opus_encoder_free(peer__opus_encoder_t *encoder)
{
    if (encoder == NULL)
        return;
    opus_encoder_destroy(encoder->opus);
    free(encoder);
}

peer__codec_err_t peer__opus_encoder_set_kbps(peer__opus_encoder_t *encoder, unsigned kbps)
{
    if (encoder == NULL || kbps < OPUS__MIN_KBPS || kbps > OPUS__MAX_KBPS)
        return PEER__CODEC_ERR_INVALID_ARG;
    if (opus_encoder_ctl(encoder->opus, OPUS_SET_BITRATE((opus_int32)kbps * 1000)) != OPUS_OK)
        return PEER__CODEC_ERR_CODEC;
    return PEER__CODEC_OK;
}

peer__codec_err_t peer__opus_encoder_encode(peer__opus_encoder_t *encoder, const int16_t *pcm,
                                            size_t samples, uint8_t *out, size_t out_cap,
                                            size_t *out_len)
{
    if (out_len != NULL)
        *out_len = 0;
    if (encoder == NULL || pcm == NULL || out == NULL || out_len == NULL ||
        samples != (size_t)encoder->frame_samples * encoder->channels)
        return PEER__CODEC_ERR_INVALID_ARG;
    /* A packet never needs more than PEER__OPUS_MAX_PACKET bytes; a smaller
     * buffer makes libopus lower the bitrate of this frame, or fail. */
    opus_int32 cap = out_cap > PEER__OPUS_MAX_PACKET ? PEER__OPUS_MAX_PACKET : (opus_int32)out_cap;
    opus_int32 written = opus_encode(encoder->opus, pcm, (int)encoder->frame_samples, out, cap);
    if (written == OPUS_BUFFER_TOO_SMALL)
        return PEER__CODEC_ERR_NO_SPACE;
    if (written < 0)
        return PEER__CODEC_ERR_CODEC;
    *out_len = (size_t)written;
    return PEER__CODEC_OK;
}

peer__codec_err_t peer__opus_decoder_new(const peer__opus_config_t *config,
                                         peer__opus_decoder_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (config == NULL || out == NULL || (config->channels != 1 && config->channels != 2) ||
        !ptime_valid(config->ptime_us))
        return PEER__CODEC_ERR_INVALID_ARG;
    peer__opus_decoder_t *dec = calloc(1, sizeof *dec);
    if (dec == NULL)
        return PEER__CODEC_ERR_NO_MEMORY;
    dec->channels = config->channels;
    dec->frame_samples = peer__opus_frame_samples(config);
    int error = OPUS_OK;
    dec->opus = opus_decoder_create(PEER__OPUS_RATE, (int)config->channels, &error);
    if (dec->opus == NULL || error != OPUS_OK) {
        peer__opus_decoder_free(dec);
        return error == OPUS_ALLOC_FAIL ? PEER__CODEC_ERR_NO_MEMORY : PEER__CODEC_ERR_CODEC;
    }
    *out = dec;
    return PEER__CODEC_OK;
}

void peer__opus_decoder_free(peer__opus_decoder_t *decoder)
{
    if (decoder == NULL)
        return;
    opus_decoder_destroy(decoder->opus);
    free(decoder);
}

peer__codec_err_t peer__opus_decoder_decode(peer__opus_decoder_t *decoder, const uint8_t *data,
                                            size_t len, int16_t *pcm, size_t pcm_cap,
                                            size_t *samples_per_channel)
{
    if (samples_per_channel != NULL)
        *samples_per_channel = 0;
    if (decoder == NULL || pcm == NULL || samples_per_channel == NULL ||
        (data != NULL && (len == 0 || len > PEER__OPUS_MAX_PACKET)))
        return PEER__CODEC_ERR_INVALID_ARG;
    size_t per_channel_cap = pcm_cap / decoder->channels;
    int frame_size;
    if (data == NULL) {
        /* PLC: libopus conceals exactly frame_size samples (a multiple of
         * 2.5 ms), so ask for one ptime. */
        if (per_channel_cap < decoder->frame_samples)
            return PEER__CODEC_ERR_NO_SPACE;
        frame_size = (int)decoder->frame_samples;
    } else {
        int packet_samples = opus_packet_get_nb_samples(data, (opus_int32)len, PEER__OPUS_RATE);
        if (packet_samples < 0)
            return PEER__CODEC_ERR_CORRUPT;
        if (per_channel_cap < (size_t)packet_samples)
            return PEER__CODEC_ERR_NO_SPACE;
        frame_size = packet_samples;
    }
    int decoded =
        opus_decode(decoder->opus, data, data == NULL ? 0 : (opus_int32)len, pcm, frame_size, 0);
    if (decoded < 0)
        return data == NULL ? PEER__CODEC_ERR_CODEC : PEER__CODEC_ERR_CORRUPT;
    *samples_per_channel = (size_t)decoded;
    return PEER__CODEC_OK;
}
