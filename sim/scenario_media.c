/* Scenario sections e2ee, sfu and media (docs/scenario-format.md).
 *
 * e2ee: the scheme, the RFC 9605 suite (names as sframe_suite_by_name()
 * knows them), how the SFU learns of keyframes, and the key-distribution
 * timing. insertable-legacy exposes keyframes only through its clear
 * prefix, so its keyframe_signal defaults to, and must be, "clear-prefix";
 * sframe encrypts the whole frame, so it cannot use "clear-prefix".
 *
 * sfu: the hop-by-hop SRTP profile and the SFU's NACK, RTX, PLI and layer
 * selection settings.
 *
 * media: one video and one audio track per publishing peer; either may be
 * null (off). Simulcast layers go lowest first: unique rids, scale_down
 * never increasing from one layer to the next, each layer at least one
 * pixel in each dimension. */
#include "sim/scenario_internal.h"

#include <math.h>
#include <string.h>

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* ---- e2ee --------------------------------------------------------------- */

static const char *const e2ee_keys[] = {
    "scheme",
    "suite",
    "keyframe_signal",
    "rekey_on_leave",
    "ratchet_on_join",
    "key_delivery_delay_ms",
    "previous_key_grace_ms",
    "test_transform",
};
static const char *const scheme_names[] = { "sframe", "insertable-legacy", "none" };
static const char *const signal_names[] = { "dependency-descriptor", "frame-marking",
                                            "clear-prefix" };
static const char *const transform_names[] = { "off", "xor-constant", "ctr-reuse", "half-clear" };

#define SUITE_COUNT 5

/* The suite names, in RFC 9605 order, from sframe/. */
static void suite_names(const char *names[SUITE_COUNT])
{
    for (int id = 1; id <= SUITE_COUNT; id++) {
        const sframe_suite_info_t *info = sframe_suite_info((sframe_suite_t)id);
        names[id - 1] = info != NULL ? info->name : "?";
    }
}

static bool load_suite(sim__loader_t *ld, const json_t *e2ee, json_t *out, sim_scenario_e2ee_t *cfg)
{
    const char *names[SUITE_COUNT];
    suite_names(names);
    int fallback = 0;
    for (int i = 0; i < SUITE_COUNT; i++)
        if (strcmp(names[i], "AES_128_GCM_SHA256_128") == 0)
            fallback = i;
    int index;
    if (!sim__enum(ld, e2ee, out, "suite", names, SUITE_COUNT, fallback, &index))
        return false;
    if (sframe_suite_by_name(names[index], &cfg->suite) != SFRAME_OK)
        return sim__fail(ld, "sframe/ does not know suite %s", names[index]);
    return true;
}

/* keyframe_signal, defaulting by scheme and checked against it. */
static bool load_signal(sim__loader_t *ld, const json_t *e2ee, json_t *out,
                        sim_scenario_e2ee_t *cfg)
{
    bool legacy = cfg->scheme == SIM_E2EE_INSERTABLE_LEGACY;
    int fallback =
        legacy ? SIM_KEYFRAME_SIGNAL_CLEAR_PREFIX : SIM_KEYFRAME_SIGNAL_DEPENDENCY_DESCRIPTOR;
    int signal;
    if (!sim__enum(ld, e2ee, out, "keyframe_signal", signal_names, COUNT(signal_names), fallback,
                   &signal))
        return false;
    cfg->keyframe_signal = (sim_keyframe_signal_t)signal;
    bool clear = cfg->keyframe_signal == SIM_KEYFRAME_SIGNAL_CLEAR_PREFIX;
    if (legacy == clear || cfg->scheme == SIM_E2EE_NONE)
        return true;
    sim__path_key(ld, "keyframe_signal");
    if (legacy)
        return sim__fail(ld, "scheme \"insertable-legacy\" signals keyframes only through its "
                             "clear prefix: use \"clear-prefix\"");
    return sim__fail(ld, "scheme \"sframe\" encrypts the whole frame and has no clear prefix: "
                         "use \"dependency-descriptor\" or \"frame-marking\"");
}

/* test_transform (an addition): echoed only when not "off", so scenarios
 * that do not use it resolve as before. */
static bool load_test_transform(sim__loader_t *ld, const json_t *e2ee, json_t *out,
                                sim_scenario_e2ee_t *cfg)
{
    int transform;
    if (!sim__enum(ld, e2ee, out, "test_transform", transform_names, COUNT(transform_names),
                   SIM_TEST_TRANSFORM_OFF, &transform))
        return false;
    cfg->test_transform = (sim_test_transform_t)transform;
    if (cfg->test_transform == SIM_TEST_TRANSFORM_OFF) {
        json_object_del(out, "test_transform");
        return true;
    }
    if (cfg->scheme == SIM_E2EE_SFRAME)
        return true;
    sim__path_key(ld, "test_transform");
    return sim__fail(ld, "the test transforms exist for scheme \"sframe\" only");
}

bool sim__load_e2ee(sim__loader_t *ld, const json_t *root, json_t *resolved)
{
    sim_scenario_e2ee_t *cfg = &ld->scenario->e2ee;
    const json_t *e2ee;
    if (!sim__object(ld, root, "e2ee", &e2ee))
        return false;
    json_t *out = sim__put_object(ld, resolved, "e2ee");
    size_t saved = sim__path_key(ld, "e2ee");
    const sim__number_spec_t delay = { .max = SIM__MS_MAX, .fallback = 50 };
    const sim__number_spec_t grace = { .max = SIM__MS_MAX, .fallback = 2000 };
    int scheme;
    bool ok = out != NULL && sim__check_keys(ld, e2ee, e2ee_keys, COUNT(e2ee_keys)) &&
              sim__enum(ld, e2ee, out, "scheme", scheme_names, COUNT(scheme_names), SIM_E2EE_SFRAME,
                        &scheme);
    if (ok)
        cfg->scheme = (sim_e2ee_scheme_t)scheme;
    ok = ok && load_suite(ld, e2ee, out, cfg) && load_signal(ld, e2ee, out, cfg) &&
         sim__bool(ld, e2ee, out, "rekey_on_leave", true, &cfg->rekey_on_leave) &&
         sim__bool(ld, e2ee, out, "ratchet_on_join", true, &cfg->ratchet_on_join) &&
         sim__number(ld, e2ee, out, "key_delivery_delay_ms", &delay, &cfg->key_delivery_delay_ms) &&
         sim__number(ld, e2ee, out, "previous_key_grace_ms", &grace, &cfg->previous_key_grace_ms) &&
         load_test_transform(ld, e2ee, out, cfg);
    sim__path_pop(ld, saved);
    return ok;
}

/* ---- sfu ---------------------------------------------------------------- */

static const char *const sfu_keys[] = {
    "srtp_profile",        "nack",   "upstream_nack",   "rtx", "history_ms",
    "pli_min_interval_ms", "last_n", "layer_selection",
};
static const char *const srtp_names[] = { "AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80", "none" };
static const char *const selection_names[] = { "preference", "bandwidth" };

bool sim__load_sfu(sim__loader_t *ld, const json_t *root, json_t *resolved)
{
    sim_scenario_sfu_t *cfg = &ld->scenario->sfu;
    const json_t *sfu;
    if (!sim__object(ld, root, "sfu", &sfu))
        return false;
    json_t *out = sim__put_object(ld, resolved, "sfu");
    size_t saved = sim__path_key(ld, "sfu");
    const sim__number_spec_t history = { .max = SIM__MS_MAX, .fallback = 1000 };
    const sim__number_spec_t pli = { .max = SIM__MS_MAX, .fallback = 300 };
    const sim__uint_spec_t last_n = { .max = SIM__PEERS_MAX };
    int profile = 0, selection = 0;
    uint64_t n = 0;
    bool ok = out != NULL && sim__check_keys(ld, sfu, sfu_keys, COUNT(sfu_keys)) &&
              sim__enum(ld, sfu, out, "srtp_profile", srtp_names, COUNT(srtp_names),
                        SIM_SRTP_AEAD_AES_128_GCM, &profile) &&
              sim__bool(ld, sfu, out, "nack", true, &cfg->nack) &&
              sim__bool(ld, sfu, out, "upstream_nack", true, &cfg->upstream_nack) &&
              sim__bool(ld, sfu, out, "rtx", true, &cfg->rtx) &&
              sim__number(ld, sfu, out, "history_ms", &history, &cfg->history_ms) &&
              sim__number(ld, sfu, out, "pli_min_interval_ms", &pli, &cfg->pli_min_interval_ms) &&
              sim__uint(ld, sfu, out, "last_n", &last_n, &n) &&
              sim__enum(ld, sfu, out, "layer_selection", selection_names, COUNT(selection_names),
                        SIM_LAYER_SELECTION_PREFERENCE, &selection);
    cfg->srtp_profile = (sim_srtp_profile_t)profile;
    cfg->layer_selection = (sim_layer_selection_t)selection;
    cfg->last_n = (uint32_t)n;
    sim__path_pop(ld, saved);
    return ok;
}

/* ---- media.video.layers -------------------------------------------------- */

static const char *const layer_keys[] = { "rid", "scale_down", "max_kbps" };

static bool load_layer(sim__loader_t *ld, const json_t *raw, json_t *out,
                       const sim_scenario_video_t *video, sim_scenario_layer_t *layer)
{
    if (!json_is_object(raw))
        return sim__fail(ld, "expected an object, got %s", sim__type_name(raw));
    const sim__number_spec_t scale = { .min = 1, .max = 64, .fallback = 1 };
    const sim__number_spec_t kbps = {
        .min = 0, .min_open = true, .max = SIM__KBPS_MAX, .required = true
    };
    const char *rid;
    if (!sim__check_keys(ld, raw, layer_keys, COUNT(layer_keys)) ||
        !sim__string(ld, raw, out, "rid", NULL, &rid))
        return false;
    size_t saved = sim__path_key(ld, "rid");
    if (!sim__check_name(ld, rid, true))
        return false;
    sim__path_pop(ld, saved);
    if (!sim__number(ld, raw, out, "scale_down", &scale, &layer->scale_down) ||
        !sim__number(ld, raw, out, "max_kbps", &kbps, &layer->max_kbps))
        return false;
    layer->rid = sim__strdup(ld, rid);
    layer->width = (uint32_t)floor(video->width / layer->scale_down);
    layer->height = (uint32_t)floor(video->height / layer->scale_down);
    if (layer->width == 0 || layer->height == 0) {
        sim__path_key(ld, "scale_down");
        return sim__fail(ld, "%.15g leaves no pixel of %ux%u", layer->scale_down, video->width,
                         video->height);
    }
    return !ld->failed;
}

/* Unique rids, lowest layer first. */
static bool check_layer_order(sim__loader_t *ld, const sim_scenario_layer_t *layers, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(layers[j].rid, layers[i].rid) == 0) {
            sim__path_key(ld, "rid");
            return sim__fail(ld, "\"%s\" is also the rid of layers[%zu]", layers[i].rid, j);
        }
    if (i > 0 && layers[i].scale_down > layers[i - 1].scale_down) {
        sim__path_key(ld, "scale_down");
        return sim__fail(ld, "layers go lowest first: %.15g is larger than layers[%zu]'s %.15g",
                         layers[i].scale_down, i - 1, layers[i - 1].scale_down);
    }
    return true;
}

static json_t *default_layers(void)
{
    return json_pack("[{s:s, s:i, s:i}, {s:s, s:i, s:i}, {s:s, s:i, s:i}]", "rid", "q",
                     "scale_down", 4, "max_kbps", 150, "rid", "h", "scale_down", 2, "max_kbps", 500,
                     "rid", "f", "scale_down", 1, "max_kbps", 1500);
}

static bool load_layers_array(sim__loader_t *ld, const json_t *raw, json_t *out,
                              sim_scenario_video_t *video)
{
    size_t count = json_array_size(raw);
    if (!json_is_array(raw))
        return sim__fail(ld, "expected an array of layers, got %s", sim__type_name(raw));
    if (count == 0 || count > SIM__LAYERS_MAX)
        return sim__fail(ld, "expected 1 to %d layers, got %zu", SIM__LAYERS_MAX, count);
    sim_scenario_layer_t *layers = sim__alloc(ld, count, sizeof *layers);
    for (size_t i = 0; layers != NULL && i < count; i++) {
        json_t *layer_out = json_object();
        if (!sim__append(ld, out, layer_out))
            return false;
        size_t saved = sim__path_index(ld, i);
        if (!load_layer(ld, json_array_get(raw, i), layer_out, video, &layers[i]) ||
            !check_layer_order(ld, layers, i))
            return false;
        sim__path_pop(ld, saved);
    }
    video->layers = layers;
    video->layer_count = count;
    return !ld->failed;
}

static bool load_layers(sim__loader_t *ld, const json_t *video_raw, json_t *video_out,
                        sim_scenario_video_t *video)
{
    json_t *out = sim__put_array(ld, video_out, "layers");
    if (out == NULL)
        return false;
    const json_t *raw = json_object_get(video_raw, "layers");
    json_t *fallback = NULL;
    if (raw == NULL) {
        raw = fallback = default_layers();
        if (fallback == NULL)
            return sim__fail(ld, "out of memory");
    }
    size_t saved = sim__path_key(ld, "layers");
    bool ok = load_layers_array(ld, raw, out, video);
    json_decref(fallback);
    sim__path_pop(ld, saved);
    return ok;
}

/* ---- media.video and media.audio ----------------------------------------- */

static const char *const video_keys[] = {
    "codec", "source", "width", "height", "fps", "keyframe_interval_s", "layers",
};
static const char *const video_codecs[] = { "vp8" };
static const char *const video_sources[] = { "pattern", "clip" };

static bool load_video_fields(sim__loader_t *ld, const json_t *raw, json_t *out,
                              sim_scenario_video_t *video)
{
    const sim__uint_spec_t width = { .min = 16, .max = 7680, .fallback = 640 };
    const sim__uint_spec_t height = { .min = 16, .max = 4320, .fallback = 360 };
    const sim__number_spec_t fps = { .min = 0, .min_open = true, .max = 240, .fallback = 30 };
    const sim__number_spec_t interval = { .max = SIM__SECONDS_MAX, .real = true };
    int codec = 0, source = 0;
    uint64_t w = 0, h = 0;
    bool ok =
        sim__check_keys(ld, raw, video_keys, COUNT(video_keys)) &&
        sim__enum(ld, raw, out, "codec", video_codecs, COUNT(video_codecs), SIM_VIDEO_CODEC_VP8,
                  &codec) &&
        sim__enum(ld, raw, out, "source", video_sources, COUNT(video_sources),
                  SIM_VIDEO_SOURCE_PATTERN, &source) &&
        sim__uint(ld, raw, out, "width", &width, &w) &&
        sim__uint(ld, raw, out, "height", &height, &h) &&
        sim__number(ld, raw, out, "fps", &fps, &video->fps) &&
        sim__number(ld, raw, out, "keyframe_interval_s", &interval, &video->keyframe_interval_s);
    video->codec = (sim_video_codec_t)codec;
    video->source = (sim_video_source_t)source;
    video->width = (uint32_t)w;
    video->height = (uint32_t)h;
    return ok && load_layers(ld, raw, out, video);
}

static const char *const audio_keys[] = { "codec", "source", "kbps", "ptime_ms" };
static const char *const audio_codecs[] = { "opus" };
static const char *const audio_sources[] = { "tone" };

static bool load_audio_fields(sim__loader_t *ld, const json_t *raw, json_t *out,
                              sim_scenario_audio_t *audio)
{
    const sim__number_spec_t kbps = { .min = 6, .max = 510, .fallback = 32 };
    const sim__uint_spec_t ptime = { .min = 10, .max = 60, .fallback = 20 };
    int codec = 0, source = 0;
    uint64_t ptime_ms = 0;
    bool ok = sim__check_keys(ld, raw, audio_keys, COUNT(audio_keys)) &&
              sim__enum(ld, raw, out, "codec", audio_codecs, COUNT(audio_codecs),
                        SIM_AUDIO_CODEC_OPUS, &codec) &&
              sim__enum(ld, raw, out, "source", audio_sources, COUNT(audio_sources),
                        SIM_AUDIO_SOURCE_TONE, &source) &&
              sim__number(ld, raw, out, "kbps", &kbps, &audio->kbps) &&
              sim__uint(ld, raw, out, "ptime_ms", &ptime, &ptime_ms);
    if (!ok)
        return false;
    audio->codec = (sim_audio_codec_t)codec;
    audio->source = (sim_audio_source_t)source;
    audio->ptime_ms = (uint32_t)ptime_ms;
    if (ptime_ms != 10 && ptime_ms != 20 && ptime_ms != 40 && ptime_ms != 60) {
        sim__path_key(ld, "ptime_ms");
        return sim__fail(ld, "%u is not an Opus frame duration: use 10, 20, 40 or 60",
                         audio->ptime_ms);
    }
    return true;
}

/* media.video or media.audio: absent means the defaults, null means off.
 * *raw_object receives the object to read (NULL: all defaults) and
 * *kind_out its echo, which stays NULL when the kind is off. False after
 * an error. */
static bool media_kind(sim__loader_t *ld, const json_t *media, const char *kind, json_t *out,
                       const json_t **raw_object, json_t **kind_out)
{
    const json_t *raw = json_object_get(media, kind);
    *raw_object = NULL;
    *kind_out = NULL;
    if (json_is_null(raw))
        return sim__put(ld, out, kind, json_null());
    if (raw != NULL && !json_is_object(raw)) {
        sim__path_key(ld, kind);
        return sim__fail(ld, "expected an object or null, got %s", sim__type_name(raw));
    }
    *raw_object = raw;
    *kind_out = sim__put_object(ld, out, kind);
    return *kind_out != NULL;
}

static const char *const media_keys[] = { "video", "audio" };

bool sim__load_media(sim__loader_t *ld, const json_t *root, json_t *resolved)
{
    const json_t *media, *raw;
    json_t *kind_out;
    if (!sim__object(ld, root, "media", &media))
        return false;
    json_t *out = sim__put_object(ld, resolved, "media");
    size_t saved = sim__path_key(ld, "media");
    if (out == NULL || !sim__check_keys(ld, media, media_keys, COUNT(media_keys)) ||
        !media_kind(ld, media, "video", out, &raw, &kind_out))
        return false;
    if (kind_out != NULL) {
        sim_scenario_video_t *video = sim__alloc(ld, 1, sizeof *video);
        size_t at = sim__path_key(ld, "video");
        if (video == NULL || !load_video_fields(ld, raw, kind_out, video))
            return false;
        sim__path_pop(ld, at);
        ld->scenario->media.video = video;
    }
    if (!media_kind(ld, media, "audio", out, &raw, &kind_out))
        return false;
    if (kind_out != NULL) {
        sim_scenario_audio_t *audio = sim__alloc(ld, 1, sizeof *audio);
        size_t at = sim__path_key(ld, "audio");
        if (audio == NULL || !load_audio_fields(ld, raw, kind_out, audio))
            return false;
        sim__path_pop(ld, at);
        ld->scenario->media.audio = audio;
    }
    sim__path_pop(ld, saved);
    return true;
}
