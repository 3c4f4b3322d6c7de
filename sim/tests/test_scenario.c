/* Tests for the scenario loader (sim/sim_scenario.h), the working cases:
 * every file in scenarios/ loads and its resolved JSON loads back to the
 * same resolved JSON; scenarios/default.json is the built-in default; a
 * minimal scenario gets every default of docs/scenario-format.md, both in
 * the typed struct and in the resolved JSON; groups expand, names resolve
 * to indices, traces and drop patterns load; --set overrides numbers,
 * strings, nested keys, array elements and missing keys. The error cases
 * are in test_scenario_errors.c. Runs from the project root. */
#include "sim/sim_scenario.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENARIO_DIR "scenarios"

/* ---- helpers ------------------------------------------------------------- */

static sim_scenario_t *load_ok(const char *text, const char *const *sets, size_t n_sets)
{
    char err[1024];
    sim_scenario_t *scn = sim_scenario_load_text(text, strlen(text), "t.json", SCENARIO_DIR, sets,
                                                 n_sets, err, sizeof err);
    ck_assert_msg(scn != NULL, "load failed: %s", err);
    return scn;
}

static const json_t *resolved_at(const sim_scenario_t *scn, const char *path)
{
    /* path: keys separated by '/', array indices as numbers */
    const json_t *node = sim_scenario_resolved_json(scn);
    char copy[256];
    snprintf(copy, sizeof copy, "%s", path);
    for (char *part = strtok(copy, "/"); part != NULL; part = strtok(NULL, "/")) {
        if (json_is_array(node))
            node = json_array_get(node, strtoul(part, NULL, 10));
        else
            node = json_object_get(node, part);
        ck_assert_msg(node != NULL, "resolved JSON has no %s (at %s)", path, part);
    }
    return node;
}

static void assert_resolved_str(const sim_scenario_t *scn, const char *path, const char *want)
{
    const json_t *node = resolved_at(scn, path);
    ck_assert_msg(json_is_string(node), "%s is not a string", path);
    ck_assert_str_eq(json_string_value(node), want);
}

static void assert_resolved_num(const sim_scenario_t *scn, const char *path, double want)
{
    const json_t *node = resolved_at(scn, path);
    ck_assert_msg(json_is_number(node), "%s is not a number", path);
    ck_assert_double_eq_tol(json_number_value(node), want, 1e-12);
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

/* Loads the resolved text back (traces relative to scenarios/) and checks
 * it resolves to the same JSON. */
static void assert_round_trip(const sim_scenario_t *scn)
{
    char *text = sim_scenario_resolved_text(scn);
    ck_assert_ptr_nonnull(text);
    sim_scenario_t *again = load_ok(text, NULL, 0);
    char *again_text = sim_scenario_resolved_text(again);
    ck_assert_str_eq(again_text, text);
    ck_assert(json_equal(sim_scenario_resolved_json(again), sim_scenario_resolved_json(scn)));
    free(again_text);
    free(text);
    sim_scenario_free(again);
}

/* ---- scenarios/ ----------------------------------------------------------- */

START_TEST(every_scenario_file_loads_and_round_trips)
{
    DIR *dir = opendir(SCENARIO_DIR);
    ck_assert_ptr_nonnull(dir);
    size_t loaded = 0;
    for (struct dirent *entry = readdir(dir); entry != NULL; entry = readdir(dir)) {
        if (!ends_with(entry->d_name, ".json"))
            continue;
        char path[512], err[1024];
        snprintf(path, sizeof path, "%s/%s", SCENARIO_DIR, entry->d_name);
        sim_scenario_t *scn = sim_scenario_load(path, NULL, 0, err, sizeof err);
        ck_assert_msg(scn != NULL, "%s", err);
        assert_round_trip(scn);
        sim_scenario_free(scn);
        loaded++;
    }
    closedir(dir);
    ck_assert_uint_ge(loaded, 7);
}
END_TEST

START_TEST(default_json_is_the_builtin_default)
{
    char err[1024];
    FILE *file = fopen(SCENARIO_DIR "/default.json", "rb");
    ck_assert_ptr_nonnull(file);
    char text[4096];
    size_t len = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[len] = '\0';
    ck_assert_str_eq(text, sim_scenario_builtin_default_text());

    sim_scenario_t *builtin = sim_scenario_builtin_default(NULL, 0, err, sizeof err);
    ck_assert_msg(builtin != NULL, "%s", err);
    sim_scenario_t *from_file =
        sim_scenario_load(SCENARIO_DIR "/default.json", NULL, 0, err, sizeof err);
    ck_assert_msg(from_file != NULL, "%s", err);
    ck_assert(
        json_equal(sim_scenario_resolved_json(builtin), sim_scenario_resolved_json(from_file)));
    ck_assert_uint_eq(builtin->peer_count, 4);
    ck_assert_double_eq(builtin->duration_s, 20.0);
    ck_assert_int_eq(builtin->e2ee.scheme, SIM_E2EE_SFRAME);
    sim_scenario_free(builtin);
    sim_scenario_free(from_file);
}
END_TEST

START_TEST(builtin_default_round_trips)
{
    char err[1024];
    sim_scenario_t *scn = sim_scenario_builtin_default(NULL, 0, err, sizeof err);
    ck_assert_msg(scn != NULL, "%s", err);
    assert_round_trip(scn);
    sim_scenario_free(scn);
}
END_TEST

/* ---- defaults -------------------------------------------------------------- */

static const char minimal[] = "{\"name\": \"min\", \"duration_s\": 10,"
                              " \"peers\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}";

START_TEST(defaults_typed)
{
    sim_scenario_t *scn = load_ok(minimal, NULL, 0);
    ck_assert_str_eq(scn->name, "min");
    ck_assert_str_eq(scn->description, "");
    ck_assert_uint_eq(scn->seed, 1);
    ck_assert_double_eq(scn->warmup_s, 2.0);
    ck_assert_int_eq(scn->e2ee.scheme, SIM_E2EE_SFRAME);
    ck_assert_int_eq(scn->e2ee.suite, SFRAME_AES_128_GCM_SHA256_128);
    ck_assert_int_eq(scn->e2ee.keyframe_signal, SIM_KEYFRAME_SIGNAL_DEPENDENCY_DESCRIPTOR);
    ck_assert(scn->e2ee.rekey_on_leave && scn->e2ee.ratchet_on_join);
    ck_assert_double_eq(scn->e2ee.key_delivery_delay_ms, 50);
    ck_assert_double_eq(scn->e2ee.previous_key_grace_ms, 2000);
    ck_assert_int_eq(scn->e2ee.test_transform, SIM_TEST_TRANSFORM_OFF);
    ck_assert_int_eq(scn->sfu.srtp_profile, SIM_SRTP_AEAD_AES_128_GCM);
    ck_assert(scn->sfu.nack && scn->sfu.upstream_nack && scn->sfu.rtx);
    ck_assert_double_eq(scn->sfu.history_ms, 1000);
    ck_assert_double_eq(scn->sfu.pli_min_interval_ms, 300);
    ck_assert_uint_eq(scn->sfu.last_n, 0);
    ck_assert_int_eq(scn->sfu.layer_selection, SIM_LAYER_SELECTION_PREFERENCE);
    const sim_scenario_video_t *video = scn->media.video;
    ck_assert_ptr_nonnull(video);
    ck_assert_int_eq(video->codec, SIM_VIDEO_CODEC_VP8);
    ck_assert_int_eq(video->source, SIM_VIDEO_SOURCE_PATTERN);
    ck_assert_uint_eq(video->width, 640);
    ck_assert_uint_eq(video->height, 360);
    ck_assert_double_eq(video->fps, 30);
    ck_assert_double_eq(video->keyframe_interval_s, 0);
    ck_assert_uint_eq(video->layer_count, 3);
    ck_assert_str_eq(video->layers[0].rid, "q");
    ck_assert_double_eq(video->layers[0].scale_down, 4);
    ck_assert_double_eq(video->layers[0].max_kbps, 150);
    ck_assert_uint_eq(video->layers[0].width, 160);
    ck_assert_uint_eq(video->layers[0].height, 90);
    ck_assert_str_eq(video->layers[1].rid, "h");
    ck_assert_double_eq(video->layers[1].max_kbps, 500);
    ck_assert_str_eq(video->layers[2].rid, "f");
    ck_assert_double_eq(video->layers[2].scale_down, 1);
    ck_assert_double_eq(video->layers[2].max_kbps, 1500);
    const sim_scenario_audio_t *audio = scn->media.audio;
    ck_assert_ptr_nonnull(audio);
    ck_assert_int_eq(audio->codec, SIM_AUDIO_CODEC_OPUS);
    ck_assert_int_eq(audio->source, SIM_AUDIO_SOURCE_TONE);
    ck_assert_double_eq(audio->kbps, 32);
    ck_assert_uint_eq(audio->ptime_ms, 20);
    ck_assert_uint_eq(scn->event_count, 0);
    sim_scenario_free(scn);
}
END_TEST

START_TEST(defaults_peers_links_budgets)
{
    sim_scenario_t *scn = load_ok(minimal, NULL, 0);
    ck_assert_uint_eq(scn->link_count, 1);
    ck_assert_str_eq(scn->links[0].name, "ideal");
    const sim_link_profile_t *ideal = &scn->links[0].profile;
    ck_assert_double_eq(ideal->delay_ms, 0);
    ck_assert_int_eq(ideal->jitter.dist, SIM_JITTER_NONE);
    ck_assert_int_eq(ideal->loss.model, SIM_LOSS_NONE);
    ck_assert_double_eq(ideal->rate_kbps, 0);
    ck_assert_ptr_null(ideal->trace_ms);
    ck_assert_uint_eq(scn->peer_count, 2);
    const sim_scenario_peer_t *a = &scn->peers[0];
    ck_assert_str_eq(a->name, "a");
    ck_assert_str_eq(a->group, "a");
    ck_assert_uint_eq(a->uplink, 0);
    ck_assert_uint_eq(a->downlink, 0);
    ck_assert(a->has_join_s);
    ck_assert_double_eq(a->join_s, 0);
    ck_assert(!a->has_leave_s);
    ck_assert(a->publish_audio && a->publish_video);
    ck_assert(a->subscribe_all);
    ck_assert_uint_eq(a->preferred_layer, 2);
    ck_assert_int_eq(a->role, SIM_PEER_MEMBER);
    const sim_scenario_budgets_t *b = &scn->budgets;
    const sim_scenario_budget_t *all[] = {
        &b->video_latency_p50_ms, &b->video_latency_p95_ms,   &b->video_latency_p99_ms,
        &b->audio_latency_p95_ms, &b->video_fps_min,          &b->freeze_ratio_max,
        &b->delivered_ratio_min,  &b->decrypt_success_min,    &b->time_to_first_frame_ms_max,
        &b->psnr_db_min,          &b->sfu_forwarded_kbps_min,
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        ck_assert(!all[i]->present);
    ck_assert_int_eq(scn->budgets.confidentiality, SIM_CONFIDENTIALITY_STRICT);
    sim_scenario_free(scn);
}
END_TEST

START_TEST(defaults_in_resolved_json)
{
    sim_scenario_t *scn = load_ok(minimal, NULL, 0);
    assert_resolved_str(scn, "description", "");
    assert_resolved_num(scn, "seed", 1);
    assert_resolved_num(scn, "warmup_s", 2.0);
    assert_resolved_str(scn, "e2ee/scheme", "sframe");
    assert_resolved_str(scn, "e2ee/suite", "AES_128_GCM_SHA256_128");
    assert_resolved_str(scn, "e2ee/keyframe_signal", "dependency-descriptor");
    ck_assert(json_is_true(resolved_at(scn, "e2ee/rekey_on_leave")));
    ck_assert(json_is_true(resolved_at(scn, "e2ee/ratchet_on_join")));
    assert_resolved_num(scn, "e2ee/key_delivery_delay_ms", 50);
    assert_resolved_num(scn, "e2ee/previous_key_grace_ms", 2000);
    assert_resolved_str(scn, "sfu/srtp_profile", "AEAD_AES_128_GCM");
    ck_assert(json_is_true(resolved_at(scn, "sfu/upstream_nack")));
    assert_resolved_num(scn, "sfu/history_ms", 1000);
    assert_resolved_num(scn, "sfu/pli_min_interval_ms", 300);
    assert_resolved_num(scn, "sfu/last_n", 0);
    assert_resolved_str(scn, "sfu/layer_selection", "preference");
    assert_resolved_str(scn, "media/video/codec", "vp8");
    assert_resolved_str(scn, "media/video/source", "pattern");
    assert_resolved_num(scn, "media/video/width", 640);
    assert_resolved_num(scn, "media/video/fps", 30);
    assert_resolved_str(scn, "media/video/layers/1/rid", "h");
    assert_resolved_num(scn, "media/video/layers/1/scale_down", 2);
    assert_resolved_str(scn, "media/audio/codec", "opus");
    assert_resolved_num(scn, "media/audio/ptime_ms", 20);
    assert_resolved_num(scn, "links/ideal/queue_ms", 200);
    assert_resolved_str(scn, "links/ideal/loss/model", "none");
    assert_resolved_num(scn, "peers/0/count", 1);
    assert_resolved_str(scn, "peers/0/uplink", "ideal");
    assert_resolved_num(scn, "peers/0/join_s", 0);
    ck_assert(json_is_null(resolved_at(scn, "peers/0/leave_s")));
    assert_resolved_str(scn, "peers/0/publish/0", "audio");
    assert_resolved_str(scn, "peers/0/publish/1", "video");
    assert_resolved_str(scn, "peers/0/subscribe", "all");
    assert_resolved_str(scn, "peers/1/preferred_layer", "f");
    assert_resolved_str(scn, "peers/1/role", "member");
    ck_assert_uint_eq(json_array_size(resolved_at(scn, "events")), 0);
    ck_assert_uint_eq(json_object_size(resolved_at(scn, "budgets")), 1);
    assert_resolved_str(scn, "budgets/confidentiality", "strict");
    sim_scenario_free(scn);
}
END_TEST

/* A link profile given only a name gets the values the format shows. */
START_TEST(defaults_link_profile)
{
    const char *sets[] = { "links.plain={}", "peers[0].uplink=plain" };
    sim_scenario_t *scn = load_ok(minimal, sets, 2);
    ck_assert_uint_eq(scn->link_count, 2);
    const sim_link_profile_t *p = &scn->links[1].profile;
    ck_assert_uint_eq(scn->peers[0].uplink, 1);
    ck_assert_double_eq(p->delay_ms, 20);
    ck_assert_int_eq(p->jitter.dist, SIM_JITTER_NORMAL);
    ck_assert_double_eq(p->jitter.stddev_ms, 5);
    ck_assert(!p->jitter.reorder);
    ck_assert_int_eq(p->loss.model, SIM_LOSS_BERNOULLI);
    ck_assert_double_eq(p->loss.p, 0.01);
    ck_assert_double_eq(p->rate_kbps, 0);
    ck_assert_double_eq(p->queue_ms, 200);
    ck_assert_double_eq(p->duplicate, 0);
    ck_assert_ptr_null(p->trace_ms);
    ck_assert(json_is_null(resolved_at(scn, "links/plain/trace")));
    sim_scenario_free(scn);

    const char *ge[] = { "links.ge.loss={\"model\": \"gilbert-elliott\", \"p_good_to_bad\": "
                         "0.1, \"p_bad_to_good\": 0.5}" };
    scn = load_ok(minimal, ge, 1);
    ck_assert_double_eq(scn->links[1].profile.loss.loss_good, 0);
    ck_assert_double_eq(scn->links[1].profile.loss.loss_bad, 1);
    sim_scenario_free(scn);
}
END_TEST

/* ---- names, groups, traces ------------------------------------------------ */

START_TEST(groups_expand_and_names_resolve)
{
    char err[1024];
    sim_scenario_t *scn =
        sim_scenario_load(SCENARIO_DIR "/every-field.json", NULL, 0, err, sizeof err);
    ck_assert_msg(scn != NULL, "%s", err);
    ck_assert_uint_eq(scn->seed, 9007199254740993u);
    ck_assert_uint_eq(scn->peer_count, 6);
    ck_assert_str_eq(scn->peers[1].name, "crowd-1");
    ck_assert_str_eq(scn->peers[3].name, "crowd-3");
    ck_assert_str_eq(scn->peers[3].group, "crowd");
    ck_assert_uint_eq(scn->peers[3].entry, 1);
    ck_assert_int_eq(sim_scenario_peer_index(scn, "mobile"), 4);
    ck_assert_int_eq(sim_scenario_peer_index(scn, "crowd"), -1);
    /* crowd subscribes to alice and mobile */
    ck_assert(!scn->peers[2].subscribe_all);
    ck_assert_uint_eq(scn->peers[2].subscribe_count, 2);
    ck_assert_uint_eq(scn->peers[2].subscribe[0], 0);
    ck_assert_uint_eq(scn->peers[2].subscribe[1], 4);
    /* mobile: alice and crowd-2, publishes video only, joins by event */
    ck_assert_uint_eq(scn->peers[4].subscribe_count, 2);
    ck_assert_uint_eq(scn->peers[4].subscribe[1], 2);
    ck_assert(!scn->peers[4].publish_audio && scn->peers[4].publish_video);
    ck_assert(!scn->peers[4].has_join_s);
    ck_assert_int_eq(scn->peers[5].role, SIM_PEER_EAVESDROPPER);
    ck_assert(!scn->peers[5].publish_audio && !scn->peers[5].publish_video);
    /* events[2] names the group crowd: peers 1..3 */
    ck_assert_uint_eq(scn->event_count, 7);
    ck_assert_uint_eq(scn->events[2].peer_first, 1);
    ck_assert_uint_eq(scn->events[2].peer_count, 3);
    ck_assert_int_eq(scn->events[2].action, SIM_EVENT_SET_DOWNLINK);
    ck_assert_int_eq((long)scn->events[2].link, sim_scenario_link_index(scn, "bernoulli"));
    ck_assert_int_eq(scn->events[3].action, SIM_EVENT_PREFERRED_LAYER);
    ck_assert_uint_eq(scn->events[3].layer, 1);
    ck_assert_int_eq(scn->events[4].action, SIM_EVENT_REKEY);
    ck_assert(scn->budgets.psnr_db_min.present);
    ck_assert_double_eq(scn->budgets.psnr_db_min.limit, 30);
    ck_assert_int_eq(scn->budgets.confidentiality, SIM_CONFIDENTIALITY_REPORT);
    sim_scenario_free(scn);
}
END_TEST

START_TEST(trace_and_pattern_load)
{
    char err[1024];
    sim_scenario_t *scn =
        sim_scenario_load(SCENARIO_DIR "/every-field.json", NULL, 0, err, sizeof err);
    ck_assert_msg(scn != NULL, "%s", err);
    long cellular = sim_scenario_link_index(scn, "cellular");
    ck_assert_int_ge(cellular, 1);
    const sim_scenario_link_t *link = &scn->links[cellular];
    ck_assert_str_eq(link->trace_file, "traces/lte-synthetic.down");
    ck_assert_ptr_nonnull(link->profile.trace_ms);
    ck_assert_uint_gt(link->profile.trace_len, 1000);
    for (size_t i = 1; i < link->profile.trace_len; i++)
        ck_assert_uint_ge(link->profile.trace_ms[i], link->profile.trace_ms[i - 1]);
    ck_assert_uint_eq(link->profile.trace_ms[link->profile.trace_len - 1], 11999);
    const sim_link_profile_t *scripted =
        &scn->links[sim_scenario_link_index(scn, "scripted")].profile;
    ck_assert_int_eq(scripted->loss.model, SIM_LOSS_PATTERN);
    ck_assert_uint_eq(scripted->loss.drop_count, 6);
    ck_assert_uint_eq(scripted->loss.drop[5], 102);
    ck_assert_double_eq(scripted->jitter.pareto_shape, 2.5);
    sim_scenario_free(scn);

    const char *sets[] = { "links.p.loss={\"model\": \"pattern\", \"drop\": [9, 3, 9, 0]}" };
    scn = load_ok(minimal, sets, 1);
    const sim_link_profile_t *p = &scn->links[1].profile;
    ck_assert_uint_eq(p->loss.drop_count, 3);
    ck_assert_uint_eq(p->loss.drop[0], 0);
    ck_assert_uint_eq(p->loss.drop[1], 3);
    ck_assert_uint_eq(p->loss.drop[2], 9);
    ck_assert_uint_eq(json_array_size(resolved_at(scn, "links/p/loss/drop")), 3);
    sim_scenario_free(scn);
}
END_TEST

START_TEST(seed_range)
{
    const char *max[] = { "seed=\"18446744073709551615\"" };
    sim_scenario_t *scn = load_ok(minimal, max, 1);
    ck_assert_uint_eq(scn->seed, UINT64_MAX);
    assert_resolved_str(scn, "seed", "18446744073709551615");
    assert_round_trip(scn);
    sim_scenario_free(scn);
    /* too large for a JSON integer in jansson: taken as the string form */
    const char *bare[] = { "seed=18446744073709551614" };
    scn = load_ok(minimal, bare, 1);
    ck_assert_uint_eq(scn->seed, UINT64_MAX - 1);
    sim_scenario_free(scn);
    const char *big[] = { "seed=9223372036854775807" };
    scn = load_ok(minimal, big, 1);
    ck_assert_uint_eq(scn->seed, INT64_MAX);
    assert_resolved_num(scn, "seed", 9223372036854775807.0);
    sim_scenario_free(scn);
}
END_TEST

/* Collapsed key paths of a JSON tree: array elements as [], link names as *. */
typedef struct path_set {
    char paths[512][96];
    size_t count;
} path_set_t;

static bool path_set_has(const path_set_t *set, const char *path)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->paths[i], path) == 0)
            return true;
    return false;
}

static void collect_paths(const json_t *node, const char *prefix, path_set_t *set)
{
    char path[96];
    if (json_is_array(node)) {
        snprintf(path, sizeof path, "%s[]", prefix);
        for (size_t i = 0; i < json_array_size(node); i++)
            collect_paths(json_array_get(node, i), path, set);
        return;
    }
    if (!json_is_object(node))
        return;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)node, key, value)
    {
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "",
                 strcmp(prefix, "links") == 0 ? "*" : key);
        if (!path_set_has(set, path)) {
            ck_assert_uint_lt(set->count, 512);
            snprintf(set->paths[set->count++], sizeof set->paths[0], "%s", path);
        }
        collect_paths(value, path, set);
    }
}

/* every-field.json writes out every key its resolved form holds (no field
 * is left to a default), and uses every event action, loss model and
 * jitter distribution. */
START_TEST(every_field_uses_every_field)
{
    char err[1024];
    json_error_t jerr;
    json_t *raw = json_load_file(SCENARIO_DIR "/every-field.json", 0, &jerr);
    ck_assert_ptr_nonnull(raw);
    sim_scenario_t *scn =
        sim_scenario_load(SCENARIO_DIR "/every-field.json", NULL, 0, err, sizeof err);
    ck_assert_msg(scn != NULL, "%s", err);
    static path_set_t written, resolved;
    collect_paths(raw, "", &written);
    collect_paths(sim_scenario_resolved_json(scn), "", &resolved);
    for (size_t i = 0; i < resolved.count; i++)
        ck_assert_msg(path_set_has(&written, resolved.paths[i]), "every-field.json lacks %s",
                      resolved.paths[i]);
    static const char *const needed[] = {
        "events[].set_uplink",
        "events[].set_downlink",
        "events[].leave",
        "events[].join",
        "events[].preferred_layer",
        "events[].rekey",
        "links.*.loss.p",
        "links.*.loss.p_good_to_bad",
        "links.*.loss.drop",
        "links.*.jitter.pareto_shape",
        "links.*.trace",
    };
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        ck_assert_msg(path_set_has(&written, needed[i]), "every-field.json lacks %s", needed[i]);
    static const char *const models[] = { "none", "bernoulli", "gilbert-elliott", "pattern" };
    static const char *const dists[] = { "none", "uniform", "normal", "pareto" };
    for (size_t m = 0; m < 4; m++) {
        bool model = false, dist = false;
        const char *name;
        const json_t *link;
        json_object_foreach(json_object_get(raw, "links"), name, link)
        {
            const char *lm =
                json_string_value(json_object_get(json_object_get(link, "loss"), "model"));
            const char *jd =
                json_string_value(json_object_get(json_object_get(link, "jitter"), "dist"));
            model = model || (lm != NULL && strcmp(lm, models[m]) == 0);
            dist = dist || (jd != NULL && strcmp(jd, dists[m]) == 0);
        }
        ck_assert_msg(model && dist, "every-field.json lacks loss model %s or jitter dist %s",
                      models[m], dists[m]);
    }
    json_decref(raw);
    sim_scenario_free(scn);
}
END_TEST

START_TEST(eavesdropper_publishes_nothing_by_default)
{
    const char *sets[] = { "peers[1].role=eavesdropper" };
    sim_scenario_t *scn = load_ok(minimal, sets, 1);
    ck_assert(!scn->peers[1].publish_audio && !scn->peers[1].publish_video);
    ck_assert_uint_eq(json_array_size(resolved_at(scn, "peers/1/publish")), 0);
    ck_assert(scn->peers[0].publish_audio && scn->peers[0].publish_video);
    sim_scenario_free(scn);
}
END_TEST

/* ---- --set ------------------------------------------------------------------ */

static const char base[] =
    "{\"name\": \"base\", \"duration_s\": 10,"
    " \"links\": {\"lossy\": {\"loss\": {\"model\": \"bernoulli\", \"p\": 0.05}}},"
    " \"peers\": [{\"name\": \"alice\", \"uplink\": \"lossy\"}, {\"name\": \"bob\"}]}";

START_TEST(set_number_string_nested)
{
    const char *sets[] = { "duration_s=12.5", "peers[1].uplink=lossy", "links.lossy.loss.p=0.2",
                           "name=\"x-1\"" };
    sim_scenario_t *scn = load_ok(base, sets, 4);
    ck_assert_double_eq(scn->duration_s, 12.5);
    ck_assert_uint_eq(scn->peers[1].uplink, 1);
    ck_assert_double_eq(scn->links[1].profile.loss.p, 0.2);
    ck_assert_str_eq(scn->name, "x-1");
    assert_resolved_num(scn, "links/lossy/loss/p", 0.2);
    assert_resolved_str(scn, "peers/1/uplink", "lossy");
    sim_scenario_free(scn);
}
END_TEST

/* e2ee.test_transform is an addition: echoed only when set. */
START_TEST(test_transform_echoed_only_when_set)
{
    sim_scenario_t *scn = load_ok(base, NULL, 0);
    const json_t *e2ee = json_object_get(sim_scenario_resolved_json(scn), "e2ee");
    ck_assert_ptr_null(json_object_get(e2ee, "test_transform"));
    sim_scenario_free(scn);
    const char *sets[] = { "e2ee.test_transform=ctr-reuse" };
    scn = load_ok(base, sets, 1);
    ck_assert_int_eq(scn->e2ee.test_transform, SIM_TEST_TRANSFORM_CTR_REUSE);
    assert_resolved_str(scn, "e2ee/test_transform", "ctr-reuse");
    sim_scenario_free(scn);
}
END_TEST

START_TEST(set_array_index_and_json_values)
{
    const char *sets[] = { "peers[0].count=8", "peers[1].subscribe=[\"alice\"]", "media.video=null",
                           "peers[0].publish=[\"audio\"]" };
    sim_scenario_t *scn = load_ok(base, sets, 4);
    ck_assert_uint_eq(scn->peer_count, 9);
    ck_assert_str_eq(scn->peers[7].name, "alice-8");
    ck_assert_str_eq(scn->peers[8].name, "bob");
    ck_assert_uint_eq(scn->peers[8].subscribe_count, 8);
    ck_assert_ptr_null(scn->media.video);
    ck_assert_uint_eq(scn->peers[0].preferred_layer, SIM_SCENARIO_NO_LAYER);
    ck_assert(json_is_null(resolved_at(scn, "media/video")));
    ck_assert(scn->peers[0].publish_audio && !scn->peers[0].publish_video);
    /* bob publishes "video" as written, but video is off */
    ck_assert(!scn->peers[8].publish_video);
    sim_scenario_free(scn);
}
END_TEST

START_TEST(set_creates_missing_keys)
{
    const char *sets[] = { "links.new.delay_ms=5",
                           "budgets.psnr_db_min=30",
                           "events[0]={\"at_s\": 1, \"peer\": \"bob\", \"rekey\": true}",
                           "events[1].at_s=2",
                           "events[1].peer=alice",
                           "events[1].set_uplink=new" };
    sim_scenario_t *scn = load_ok(base, sets, 6);
    ck_assert_int_eq(sim_scenario_link_index(scn, "new"), 2);
    ck_assert_double_eq(scn->links[2].profile.delay_ms, 5);
    ck_assert(scn->budgets.psnr_db_min.present);
    ck_assert_uint_eq(scn->event_count, 2);
    ck_assert_int_eq(scn->events[1].action, SIM_EVENT_SET_UPLINK);
    ck_assert_uint_eq(scn->events[1].link, 2);
    sim_scenario_free(scn);
}
END_TEST

START_TEST(set_later_wins)
{
    const char *sets[] = { "seed=5", "seed=6" };
    sim_scenario_t *scn = load_ok(base, sets, 2);
    ck_assert_uint_eq(scn->seed, 6);
    sim_scenario_free(scn);
}
END_TEST

START_TEST(builtin_default_takes_sets)
{
    char err[1024];
    const char *sets[] = { "peers[0].count=4" };
    sim_scenario_t *scn = sim_scenario_builtin_default(sets, 1, err, sizeof err);
    ck_assert_msg(scn != NULL, "%s", err);
    ck_assert_uint_eq(scn->peer_count, 7);
    sim_scenario_free(scn);
    const char *bad[] = { "peers[0].uplnk=mild" };
    ck_assert_ptr_null(sim_scenario_builtin_default(bad, 1, err, sizeof err));
    ck_assert_str_eq(err, "(built-in default): peers[0].uplnk: unknown key (did you mean "
                          "\"uplink\"?)");
}
END_TEST

START_TEST(resolved_key_order)
{
    sim_scenario_t *scn = load_ok(base, NULL, 0);
    static const char *const top[] = { "name",     "description", "seed",   "duration_s",
                                       "warmup_s", "e2ee",        "sfu",    "media",
                                       "links",    "peers",       "events", "budgets" };
    size_t i = 0;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)sim_scenario_resolved_json(scn), key, value)
        ck_assert_str_eq(key, top[i++]);
    ck_assert_uint_eq(i, 12);
    static const char *const peer[] = { "name",     "count",     "uplink",
                                        "downlink", "join_s",    "leave_s",
                                        "publish",  "subscribe", "preferred_layer",
                                        "role" };
    i = 0;
    json_object_foreach((json_t *)resolved_at(scn, "peers/0"), key, value)
        ck_assert_str_eq(key, peer[i++]);
    ck_assert_uint_eq(i, 10);
    char *text = sim_scenario_resolved_text(scn);
    ck_assert(ends_with(text, "}\n"));
    free(text);
    sim_scenario_free(scn);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("scenario");
    TCase *files = tcase_create("files");
    tcase_add_test(files, every_scenario_file_loads_and_round_trips);
    tcase_add_test(files, default_json_is_the_builtin_default);
    tcase_add_test(files, builtin_default_round_trips);
    tcase_add_test(files, every_field_uses_every_field);
    suite_add_tcase(suite, files);
    TCase *defaults = tcase_create("defaults");
    tcase_add_test(defaults, defaults_typed);
    tcase_add_test(defaults, defaults_peers_links_budgets);
    tcase_add_test(defaults, defaults_in_resolved_json);
    tcase_add_test(defaults, defaults_link_profile);
    suite_add_tcase(suite, defaults);
    TCase *resolve = tcase_create("resolve");
    tcase_add_test(resolve, groups_expand_and_names_resolve);
    tcase_add_test(resolve, trace_and_pattern_load);
    tcase_add_test(resolve, seed_range);
    tcase_add_test(resolve, resolved_key_order);
    tcase_add_test(resolve, eavesdropper_publishes_nothing_by_default);
    suite_add_tcase(suite, resolve);
    TCase *set = tcase_create("set");
    tcase_add_test(set, set_number_string_nested);
    tcase_add_test(set, set_array_index_and_json_values);
    tcase_add_test(set, set_creates_missing_keys);
    tcase_add_test(set, set_later_wins);
    tcase_add_test(set, test_transform_echoed_only_when_set);
    tcase_add_test(set, builtin_default_takes_sets);
    suite_add_tcase(suite, set);
    return suite;
}
