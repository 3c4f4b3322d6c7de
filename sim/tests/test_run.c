/* sim_run_call (sim/sim_run.h) on small calls: the report's shape and
 * figures, the frame rows, determinism, the key server's epochs, clips,
 * and what the runner refuses. The scenario suite (ctest label scenario)
 * runs full-size calls through the command. */
#include "sim/sim.h"
#include "sim/sim_run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Small pictures and short calls, so that the test stays quick under the
 * sanitizers. */
static const char small_call[] =
    "{\"name\": \"small\", \"duration_s\": 3.0, \"warmup_s\": 0.5,"
    " \"media\": {\"video\": {\"width\": 160, \"height\": 96, \"fps\": 15,"
    "   \"layers\": [{\"rid\": \"l\", \"scale_down\": 2, \"max_kbps\": 60},"
    "                {\"rid\": \"h\", \"scale_down\": 1, \"max_kbps\": 200}]}},"
    " \"links\": {\"wan\": {\"delay_ms\": 10, \"jitter\": {\"dist\": \"none\"},"
    "   \"loss\": {\"model\": \"none\"}}},"
    " \"peers\": [{\"name\": \"alice\", \"uplink\": \"wan\", \"downlink\": \"wan\"},"
    "            {\"name\": \"bob\", \"uplink\": \"wan\", \"downlink\": \"wan\"}],"
    " \"budgets\": {\"delivered_ratio_min\": 0.95, \"psnr_db_min\": 25}}";

static sim_scenario_t *load(const char *text, const char *const *sets, size_t n_sets)
{
    char err[512];
    sim_scenario_t *scn =
        sim_scenario_load_text(text, strlen(text), "t.json", NULL, sets, n_sets, err, sizeof err);
    ck_assert_msg(scn != NULL, "%s", err);
    return scn;
}

typedef struct rows {
    size_t count, video, audio, decrypted;
    double worst_latency_ms;
} rows_t;

static void on_row(void *ctx, const sim_run_frame_row_t *row)
{
    rows_t *r = ctx;
    r->count++;
    if (strcmp(row->kind, "video") == 0)
        r->video++;
    else
        r->audio++;
    r->decrypted += row->decrypted;
    if (row->latency_ms > r->worst_latency_ms)
        r->worst_latency_ms = row->latency_ms;
}

static json_t *run_ok(const sim_scenario_t *scn, rows_t *rows, sim_run_status_t want)
{
    sim_run_options_t options = { .on_frame = on_row, .on_frame_ctx = rows };
    json_t *report = NULL;
    char err[512] = "";
    sim_run_status_t status = sim_run_call(scn, &options, &report, err, sizeof err);
    ck_assert_msg(status == want, "status %d, %s", status, err);
    ck_assert_ptr_nonnull(report);
    return report;
}

static const json_t *at(const json_t *node, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *part = strtok(buf, "/"); part != NULL; part = strtok(NULL, "/")) {
        if (json_is_array(node))
            node = json_array_get(node, (size_t)atoi(part));
        else
            node = json_object_get(node, part);
        ck_assert_msg(node != NULL, "no %s in the report (at %s)", path, part);
    }
    return node;
}

static double num(const json_t *report, const char *path)
{
    const json_t *v = at(report, path);
    ck_assert_msg(json_is_number(v), "%s is not a number", path);
    return json_number_value(v);
}

START_TEST(small_call_passes_with_every_figure)
{
    sim_scenario_t *scn = load(small_call, NULL, 0);
    rows_t rows = { 0 };
    json_t *report = run_ok(scn, &rows, SIM_RUN_PASS);

    ck_assert_str_eq(json_string_value(at(report, "schema")), "blindfold.report/1");
    ck_assert_str_eq(json_string_value(at(report, "kind")), "run");
    ck_assert(json_is_true(at(report, "pass")));
    ck_assert_str_eq(json_string_value(at(report, "confidentiality/verdict")), "ciphertext-only");
    ck_assert_double_eq(num(report, "confidentiality/plaintext_window_hits"), 0);
    ck_assert_double_gt(num(report, "confidentiality/packets_inspected"), 100);
    ck_assert_double_eq(num(report, "keys/epochs"), 1);

    /* alice receives bob's video then audio. 15 fps over [0.5 s, 2.5 s):
     * frames 8..37, 30 of them; 20 ms audio: 100. */
    ck_assert_str_eq(json_string_value(at(report, "peers/0/received/0/from")), "bob");
    ck_assert_str_eq(json_string_value(at(report, "peers/0/received/0/kind")), "video");
    ck_assert_double_eq(num(report, "peers/0/received/0/frames_expected"), 30);
    ck_assert_double_eq(num(report, "peers/0/received/0/frames_rendered"), 30);
    ck_assert_double_eq(num(report, "peers/0/received/1/frames_expected"), 100);
    ck_assert_double_eq(num(report, "peers/0/received/1/frames_rendered"), 100);
    ck_assert_double_gt(num(report, "peers/0/received/0/psnr_db_mean"), 30);
    /* 10 ms each way plus pacing and, for audio, the playout delay. */
    double p95 = num(report, "peers/0/received/0/latency_ms/p95");
    ck_assert_double_ge(p95, 20);
    ck_assert_double_le(p95, 100);
    ck_assert_double_eq(num(report, "sfu/dropped/srtp_auth"), 0);
    ck_assert_double_gt(num(report, "sfu/packets_out"), 100);
    ck_assert_double_eq(num(report, "links/0/lost"), 0);
    ck_assert_double_gt(num(report, "wall/sfu_packets_per_s"), 0);

    /* Budgets: the two declared and confidentiality, all met. */
    const json_t *budgets = at(report, "budgets");
    ck_assert_uint_eq(json_array_size(budgets), 3);
    for (size_t i = 0; i < json_array_size(budgets); i++)
        ck_assert(json_is_true(json_object_get(json_array_get(budgets, i), "pass")));

    /* Every row is a received frame, all decrypted but the first frame
     * of each of alice's streams at bob: alice captured it at 0 s, then
     * bob's join (also at 0 s) ratcheted her key, and bob got only the
     * ratcheted one. */
    ck_assert_uint_gt(rows.video, 60);
    ck_assert_uint_gt(rows.audio, 250);
    ck_assert_uint_eq(rows.decrypted, rows.count - 2);
    ck_assert_double_lt(rows.worst_latency_ms, 500);
    json_decref(report);
    sim_scenario_free(scn);
}
END_TEST

START_TEST(same_seed_same_report)
{
    sim_scenario_t *scn = load(small_call, NULL, 0);
    rows_t a = { 0 }, b = { 0 };
    json_t *first = run_ok(scn, &a, SIM_RUN_PASS);
    json_t *second = run_ok(scn, &b, SIM_RUN_PASS);
    json_object_del(first, "wall");
    json_object_del(second, "wall");
    ck_assert(json_equal(first, second));
    ck_assert_uint_eq(a.count, b.count);
    json_decref(first);
    json_decref(second);
    sim_scenario_free(scn);

    /* Another seed changes the draws: SSRCs, keys, so the bytes. */
    const char *sets[] = { "seed=2" };
    scn = load(small_call, sets, 1);
    rows_t c = { 0 };
    json_t *other = run_ok(scn, &c, SIM_RUN_PASS);
    ck_assert(json_is_true(at(other, "pass")));
    json_decref(other);
    sim_scenario_free(scn);
}
END_TEST

/* A leave with rekey starts epoch 2, and the departed member's view opens
 * nothing of it; a late joiner's view opens nothing recorded before it. */
START_TEST(leave_and_join_keep_the_key_metrics_at_zero)
{
    const char *sets[] = { "duration_s=4",
                           "peers[2]={\"name\": \"carol\", \"join_s\": 1.5, \"leave_s\": 3.0}",
                           "media.audio=null", "budgets={}" };
    sim_scenario_t *scn = load(small_call, sets, 4);
    rows_t rows = { 0 };
    json_t *report = run_ok(scn, &rows, SIM_RUN_PASS);
    ck_assert_double_eq(num(report, "keys/epochs"), 2);
    ck_assert_double_eq(num(report, "keys/frames_decrypted_by_departed"), 0);
    ck_assert_double_eq(num(report, "keys/frames_decrypted_before_join"), 0);
    json_decref(report);
    sim_scenario_free(scn);

    /* Without the ratchet on join, the newcomer's view opens what was sent
     * before it joined, and the run fails that invariant. */
    const char *unsafe[] = { "duration_s=4",
                             "peers[2]={\"name\": \"carol\", \"join_s\": 1.5, \"leave_s\": 3.0}",
                             "media.audio=null", "budgets={}", "e2ee.ratchet_on_join=false" };
    scn = load(small_call, unsafe, 5);
    report = run_ok(scn, &rows, SIM_RUN_FAIL);
    ck_assert_double_gt(num(report, "keys/frames_decrypted_before_join"), 0);
    const json_t *invariants = at(report, "invariants");
    bool found = false;
    for (size_t i = 0; i < json_array_size(invariants); i++) {
        const json_t *inv = json_array_get(invariants, i);
        if (strcmp(json_string_value(json_object_get(inv, "name")),
                   "newcomers_decrypt_nothing_earlier") == 0) {
            ck_assert(json_is_false(json_object_get(inv, "pass")));
            found = true;
        }
    }
    ck_assert(found);
    json_decref(report);
    sim_scenario_free(scn);
}
END_TEST

START_TEST(scheme_none_is_a_leak)
{
    const char *sets[] = { "e2ee.scheme=none", "media.audio=null" };
    sim_scenario_t *scn = load(small_call, sets, 2);
    rows_t rows = { 0 };
    json_t *report = run_ok(scn, &rows, SIM_RUN_FAIL);
    ck_assert_str_eq(json_string_value(at(report, "confidentiality/verdict")), "leak");
    ck_assert_double_gt(num(report, "confidentiality/plaintext_window_hits"), 0);
    json_decref(report);
    sim_scenario_free(scn);

    /* Under "confidentiality": "report" the leak is shown, not failed. */
    const char *report_only[] = { "e2ee.scheme=none", "media.audio=null",
                                  "budgets.confidentiality=report" };
    scn = load(small_call, report_only, 3);
    report = run_ok(scn, &rows, SIM_RUN_PASS);
    ck_assert_str_eq(json_string_value(at(report, "confidentiality/verdict")), "leak");
    json_decref(report);
    sim_scenario_free(scn);
}
END_TEST

START_TEST(clip_source_and_audio_only)
{
    const char *clip[] = { "media.video.source=clip", "media.audio=null", "budgets={}" };
    sim_scenario_t *scn = load(small_call, clip, 3);
    rows_t rows = { 0 };
    json_t *report = run_ok(scn, &rows, SIM_RUN_PASS);
    ck_assert_double_eq(num(report, "peers/1/received/0/frames_rendered"),
                        num(report, "peers/1/received/0/frames_expected"));
    ck_assert(json_is_null(at(report, "peers/1/received/0/psnr_db_mean")));
    json_decref(report);
    sim_scenario_free(scn);

    const char *audio_only[] = { "media.video=null", "budgets={}" };
    scn = load(small_call, audio_only, 2);
    rows = (rows_t){ 0 };
    report = run_ok(scn, &rows, SIM_RUN_PASS);
    ck_assert_uint_eq(rows.video, 0);
    ck_assert_uint_gt(rows.audio, 250);
    json_decref(report);
    sim_scenario_free(scn);
}
END_TEST

START_TEST(unsupported_scenarios_are_refused)
{
    const char *layers[] = { "media.video.layers=[{\"rid\": \"a\", \"scale_down\": 8, "
                             "\"max_kbps\": 50}, {\"rid\": \"b\", \"scale_down\": 4, \"max_kbps\": "
                             "60}, {\"rid\": \"c\", \"scale_down\": 2, \"max_kbps\": 70}, "
                             "{\"rid\": \"d\", \"max_kbps\": 80}]" };
    sim_scenario_t *scn = load(small_call, layers, 1);
    json_t *report = (json_t *)1;
    char err[512];
    ck_assert_int_eq(sim_run_call(scn, NULL, &report, err, sizeof err), SIM_RUN_UNSUPPORTED);
    ck_assert_ptr_null(report);
    ck_assert_str_eq(err, "small: media.video.layers: 4 layers, but the SFU core forwards at "
                          "most 3");
    sim_scenario_free(scn);

    const char *rid[] = { "media.video.layers[0].rid=abcdefghijklmnopq" };
    scn = load(small_call, rid, 1);
    ck_assert_int_eq(sim_run_call(scn, NULL, &report, err, sizeof err), SIM_RUN_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err, "media.video.layers[0].rid: longer than 16"));
    sim_scenario_free(scn);

    ck_assert_int_eq(sim_run_call(NULL, NULL, &report, err, sizeof err), SIM_RUN_INTERNAL);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("run");
    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, small_call_passes_with_every_figure);
    tcase_add_test(tc, same_seed_same_report);
    tcase_add_test(tc, leave_and_join_keep_the_key_metrics_at_zero);
    tcase_add_test(tc, scheme_none_is_a_leak);
    tcase_add_test(tc, clip_source_and_audio_only);
    tcase_add_test(tc, unsupported_scenarios_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
