/* Tests for the sweep grid (reports/sweep.h): canonical JSON and variant
 * ids pinned to known SHA-256 prefixes and independent of key order; the
 * grid order (file order, last key fastest) and `seeds`; shard parsing and
 * selection; every sweep-file error on one line naming the key; the
 * headline figures of a run report. Runs from the project root. */
#include "reports/sweep_internal.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *value = json_loads(text, JSON_DECODE_ANY | JSON_PRESERVE_ORDER, &error);
    ck_assert_msg(value != NULL, "bad test JSON %s: %s", text, error.text);
    return value;
}

static reports_sweep_t *sweep_from(const char *text, char *err, size_t err_len)
{
    json_t *root = parse(text);
    reports_sweep_t *sweep = reports_sweep_from_json(root, "s.json", NULL, "s", err, err_len);
    json_decref(root);
    return sweep;
}

static reports_sweep_t *sweep_ok(const char *text)
{
    char err[512] = "";
    reports_sweep_t *sweep = sweep_from(text, err, sizeof(err));
    ck_assert_msg(sweep != NULL, "sweep failed: %s", err);
    return sweep;
}

/* ---- canonical JSON and ids ----------------------------------------------- */

static const struct {
    const char *json;
    const char *canonical;
} canonical_cases[] = {
    { "0.05", "0.05" },
    { "0.1", "0.1" },
    { "2.0", "2.0" },
    { "0", "0" },
    { "1e-05", "1e-5" },
    { "1.5e+300", "1.5e300" },
    { "0.30000000000000004", "0.30000000000000004" },
    { "-7", "-7" },
    { "30.0", "30.0" },
    { "1200.0", "1200.0" },
    { "1e17", "1e17" },
    { "1e16", "10000000000000000.0" },
    { "123.456", "123.456" },
    { "\"lossy\"", "\"lossy\"" },
    { "\"a\\\"b\"", "\"a\\\"b\"" },
    { "[1, 2.5, \"x\", null, true, false]", "[1,2.5,\"x\",null,true,false]" },
    { "{\"b\": 1, \"a\": {\"d\": [], \"c\": 0.05}}", "{\"a\":{\"c\":0.05,\"d\":[]},\"b\":1}" },
};

START_TEST(canonical_json_is_compact_sorted_and_shortest)
{
    json_t *value = parse(canonical_cases[_i].json);
    char *text = reports_sweep_canonical_json(value);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, canonical_cases[_i].canonical);
    free(text);
    json_decref(value);
}
END_TEST

/* The ids are SHA-256 prefixes of the canonical text, computed once with
 * `printf '%s' '{"links.lossy.loss.p":0.05}' | sha256sum`. */
static const struct {
    const char *assignment;
    const char *id;
} id_cases[] = {
    { "{\"links.lossy.loss.p\": 0.05}", "ccdcff4763d5" },
    { "{\"b\": \"y\", \"a\": 1}", "17c386fd01ef" },
    { "{\"seed\": 2, \"links.lossy.loss.p\": 0.02, \"links.lossy.delay_ms\": 80}", "ecf39b5126d0" },
    { "{\"links.lossy.delay_ms\": 80, \"seed\": 2, \"links.lossy.loss.p\": 0.02}", "ecf39b5126d0" },
};

START_TEST(ids_are_pinned_and_ignore_key_order)
{
    json_t *assignment = parse(id_cases[_i].assignment);
    char id[REPORTS_SWEEP_ID_LEN + 1];
    ck_assert(reports_sweep_assignment_id(assignment, id));
    ck_assert_str_eq(id, id_cases[_i].id);
    json_decref(assignment);
}
END_TEST

START_TEST(variant_ids_do_not_depend_on_position)
{
    /* Given the same values listed in another order, each assignment keeps
     * its id, though its index changes. */
    reports_sweep_t *a =
        sweep_ok("{\"base\": \"x.json\", \"vary\": {\"a\": [1, 2], \"b\": [\"x\", \"y\"]}}");
    reports_sweep_t *b =
        sweep_ok("{\"base\": \"x.json\", \"vary\": {\"b\": [\"y\", \"x\"], \"a\": [2, 1]}}");
    ck_assert_uint_eq(reports_sweep_variant_count(a), 4);
    for (size_t i = 0; i < 4; i++) {
        long j = reports_sweep_find_id(b, reports_sweep_variant_id(a, i));
        ck_assert_int_ge(j, 0);
        json_t *ja = reports_sweep_assignment(a, i);
        json_t *jb = reports_sweep_assignment(b, (size_t)j);
        ck_assert(json_equal(ja, jb));
        json_decref(ja);
        json_decref(jb);
    }
    /* a=1, b="y" as pinned above. */
    ck_assert_str_eq(reports_sweep_variant_id(a, 1), "17c386fd01ef");
    ck_assert_int_eq(reports_sweep_find_id(a, "000000000000"), -1);
    reports_sweep_free(a);
    reports_sweep_free(b);
}
END_TEST

/* ---- the grid --------------------------------------------------------------- */

START_TEST(grid_is_file_order_last_key_fastest)
{
    reports_sweep_t *s = sweep_ok(
        "{\"base\": \"default\", \"vary\": {\"z\": [1, 2], \"a\": [\"x\", \"y\", \"w\"]}}");
    ck_assert_uint_eq(reports_sweep_variant_count(s), 6);
    ck_assert_uint_eq(reports_sweep_dimension_count(s), 2);
    ck_assert_str_eq(reports_sweep_dimension_path(s, 0), "z");
    ck_assert_str_eq(reports_sweep_dimension_path(s, 1), "a");
    ck_assert_ptr_null(reports_sweep_base_path(s));
    ck_assert_str_eq(reports_sweep_name(s), "s");
    static const char *const expected[] = {
        "z=1;a=x", "z=1;a=y", "z=1;a=w", "z=2;a=x", "z=2;a=y", "z=2;a=w",
    };
    for (size_t i = 0; i < 6; i++) {
        char *sets[2];
        ck_assert(reports_sweep_variant_sets(s, i, sets));
        char joined[64];
        /* --set values are JSON: strings keep their quotes. */
        snprintf(joined, sizeof(joined), "%s;%s", sets[0], sets[1]);
        char want[64];
        snprintf(want, sizeof(want), "z=%c;a=\"%c\"", expected[i][2], expected[i][6]);
        ck_assert_str_eq(joined, want);
        reports_sweep_free_sets(sets, 2);
    }
    reports_sweep_free(s);
}
END_TEST

START_TEST(seeds_are_a_last_dimension)
{
    reports_sweep_t *s = sweep_ok("{\"name\": \"n1\", \"seeds\": [1, 2, 3], \"base\": \"b.json\", "
                                  "\"vary\": {\"a\": [0.05]}}");
    ck_assert_uint_eq(reports_sweep_variant_count(s), 3);
    ck_assert_str_eq(reports_sweep_dimension_path(s, 1), "seed");
    ck_assert_str_eq(reports_sweep_name(s), "n1");
    ck_assert_str_eq(reports_sweep_base_path(s), "b.json");
    char *sets[2];
    ck_assert(reports_sweep_variant_sets(s, 2, sets));
    ck_assert_str_eq(sets[0], "a=0.05");
    ck_assert_str_eq(sets[1], "seed=3");
    reports_sweep_free_sets(sets, 2);
    /* Same as varying "seed" by hand: the same ids. */
    reports_sweep_t *t = sweep_ok(
        "{\"name\": \"n1\", \"base\": \"b.json\", \"vary\": {\"a\": [0.05], \"seed\": [1, 2, 3]}}");
    for (size_t i = 0; i < 3; i++)
        ck_assert_str_eq(reports_sweep_variant_id(s, i), reports_sweep_variant_id(t, i));
    ck_assert(reports_sweep_same(s, t));
    reports_sweep_free(s);
    reports_sweep_free(t);
}
END_TEST

START_TEST(description_loads_back_as_the_same_sweep)
{
    reports_sweep_t *s = sweep_ok(
        "{\"base\": \"b.json\", \"vary\": {\"p\": [0, 0.05, 0.1], \"q\": [\"u\", \"v\"]}}");
    json_t *description = reports_sweep_description(s, 2, 3);
    ck_assert_ptr_nonnull(description);
    ck_assert_int_eq(json_integer_value(json_object_get(description, "variants")), 6);
    char err[512] = "";
    reports_sweep_t *back =
        reports_sweep_from_description(description, "sweep.json", err, sizeof(err));
    ck_assert_msg(back != NULL, "%s", err);
    ck_assert(reports_sweep_same(s, back));
    /* A different variant count is refused. */
    json_object_set_new(description, "variants", json_integer(5));
    ck_assert_ptr_null(reports_sweep_from_description(description, "sweep.json", err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "variants"));
    json_decref(description);
    reports_sweep_t *other = sweep_ok(
        "{\"base\": \"b.json\", \"vary\": {\"q\": [\"u\", \"v\"], \"p\": [0, 0.05, 0.1]}}");
    ck_assert(!reports_sweep_same(s, other));
    reports_sweep_free(other);
    reports_sweep_free(back);
    reports_sweep_free(s);
}
END_TEST

/* ---- errors ---------------------------------------------------------------- */

static const struct {
    const char *json;
    const char *message;
} error_cases[] = {
    { "[1]", "s.json: expected an object" },
    { "{\"base\": \"b.json\", \"vary\": {\"a\": [1]}, \"varyy\": 1}",
      "s.json: varyy: unknown key" },
    { "{\"base\": \"b.json\", \"vary\": {\"a\": [1]}, \"variants\": 1}",
      "s.json: variants: unknown key" },
    { "{\"vary\": {\"a\": [1]}}", "s.json: base: missing" },
    { "{\"base\": 3, \"vary\": {\"a\": [1]}}", "s.json: base: expected" },
    { "{\"base\": \"b.json\"}", "s.json: vary: missing" },
    { "{\"base\": \"b.json\", \"vary\": [1]}", "s.json: vary: expected an object" },
    { "{\"base\": \"b.json\", \"vary\": {}}", "s.json: vary: empty" },
    { "{\"base\": \"b.json\", \"vary\": {\"a\": []}}", "s.json: vary: \"a\": empty list" },
    { "{\"base\": \"b.json\", \"vary\": {\"a\": 1}}", "s.json: vary: \"a\": expected a list" },
    { "{\"base\": \"b.json\", \"vary\": {\"a\": [0, 0.01, 0.0]}}",
      "s.json: vary: \"a\": value 0.0 listed twice ([0] and [2])" },
    { "{\"base\": \"b.json\", \"vary\": {\"a\": [\"x\", \"x\"]}}", "listed twice" },
    { "{\"base\": \"b.json\", \"vary\": {\"a=b\": [1]}}", "cannot be empty or hold '='" },
    { "{\"base\": \"b.json\", \"vary\": {\"seed\": [1]}, \"seeds\": [2]}",
      "s.json: seeds: vary has" },
    { "{\"base\": \"b.json\", \"vary\": {\"a\": [1]}, \"seeds\": []}", "s.json: seeds: expected" },
    { "{\"base\": \"b.json\", \"vary\": {\"a\": [1]}, \"name\": \"no spaces\"}", "s.json: name: " },
};

START_TEST(sweep_errors_name_the_key_on_one_line)
{
    char err[512] = "";
    reports_sweep_t *s = sweep_from(error_cases[_i].json, err, sizeof(err));
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err, error_cases[_i].message) != NULL, "got '%s', want '%s'", err,
                  error_cases[_i].message);
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(too_many_variants_is_an_error)
{
    char err[512] = "";
    ck_assert_ptr_null(sweep_from(
        "{\"base\": \"b\", \"vary\": {\"a\": [1,2,3,4,5,6,7,8,9,10], \"b\": [1,2,3,4,5,6,7,8,9,10],"
        " \"c\": [1,2,3,4,5,6,7,8,9,10], \"d\": [1,2,3,4,5,6,7,8,9,10], \"e\": "
        "[1,2,3,4,5,6,7,8,9,10],"
        " \"f\": [1,2,3,4,5,6,7,8,9,10], \"g\": [1,2]}}",
        err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "more than"));
}
END_TEST

START_TEST(load_reports_syntax_errors_with_line_and_column)
{
    char err[512] = "";
    ck_assert_ptr_null(reports_sweep_load("vectors/SOURCES.md", err, sizeof(err)));
    ck_assert_msg(strstr(err, "vectors/SOURCES.md: line 1, column ") == err, "%s", err);
    ck_assert_ptr_null(reports_sweep_load("no-such-sweep.json", err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "no-such-sweep.json"));
}
END_TEST

START_TEST(load_resolves_base_against_the_sweep_folder)
{
    char err[512] = "";
    reports_sweep_t *s =
        reports_sweep_load("scenarios/sweeps/loss-vs-delay.json", err, sizeof(err));
    ck_assert_msg(s != NULL, "%s", err);
    ck_assert_str_eq(reports_sweep_base_path(s), "scenarios/sweeps/small-call.json");
    ck_assert_str_eq(reports_sweep_name(s), "loss-vs-delay");
    ck_assert_msg(reports_sweep_validate(s, err, sizeof(err)), "%s", err);
    reports_sweep_free(s);
}
END_TEST

START_TEST(validate_names_the_rejected_path)
{
    char err[512] = "";
    reports_sweep_t *s =
        sweep_ok("{\"base\": \"default\", \"vary\": {\"links.mild.loss.p\": [0.5, 2]}}");
    ck_assert(!reports_sweep_validate(s, err, sizeof(err)));
    ck_assert_msg(strstr(err, "links.mild.loss.p: 2 is out of range") != NULL, "%s", err);
    ck_assert_ptr_nonnull(strstr(err, "variant 1"));
    reports_sweep_free(s);
    s = sweep_ok("{\"base\": \"default\", \"vary\": {\"peers[0].uplnk\": [\"mild\"]}}");
    ck_assert(!reports_sweep_validate(s, err, sizeof(err)));
    ck_assert_msg(strstr(err, "peers[0].uplnk: unknown key") != NULL, "%s", err);
    reports_sweep_free(s);
}
END_TEST

/* ---- shards ---------------------------------------------------------------- */

START_TEST(shard_parsing)
{
    unsigned k = 0, n = 0;
    ck_assert(reports_sweep_parse_shard("1/1", &k, &n));
    ck_assert(k == 1 && n == 1);
    ck_assert(reports_sweep_parse_shard("3/4", &k, &n));
    ck_assert(k == 3 && n == 4);
    static const char *const bad[] = { "0/2",  "3/2",  "x", "1/0", "1/",   "/2",       "1/2/3",
                                       "-1/2", "1 /2", "",  "1",   "+1/2", "1/2000000" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(!reports_sweep_parse_shard(bad[i], &k, &n), "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(shards_partition_the_grid)
{
    for (unsigned n = 1; n <= 5; n++)
        for (size_t i = 0; i < 23; i++) {
            unsigned owners = 0;
            for (unsigned k = 1; k <= n; k++)
                owners += reports_sweep_in_shard(i, k, n);
            ck_assert_uint_eq(owners, 1);
        }
    ck_assert(reports_sweep_in_shard(0, 1, 2));
    ck_assert(reports_sweep_in_shard(1, 2, 2));
    ck_assert(reports_sweep_in_shard(4, 1, 2));
}
END_TEST

/* ---- headline figures -------------------------------------------------------- */

START_TEST(figures_take_the_worst_member_pair)
{
    json_t *report = parse(
        "{\"peers\": ["
        " {\"name\": \"a\", \"role\": \"member\", \"received\": ["
        "  {\"kind\": \"video\", \"latency_ms\": {\"p50\": 10, \"p95\": 20.5, \"p99\": 30}, "
        "\"fps\": 30,"
        "   \"freeze_ratio\": 0.01, \"delivered_ratio\": 0.9, \"decrypt_success\": 1.0,"
        "   \"time_to_first_frame_ms\": 100, \"psnr_db_mean\": 38.5, \"eavesdropper\": false},"
        "  {\"kind\": \"audio\", \"latency_ms\": {\"p50\": 5, \"p95\": 7, \"p99\": 9}, \"fps\": 50,"
        "   \"freeze_ratio\": null, \"delivered_ratio\": 0.8, \"decrypt_success\": 0.99,"
        "   \"time_to_first_frame_ms\": 300, \"psnr_db_mean\": null}]},"
        " {\"name\": \"b\", \"role\": \"member\", \"received\": ["
        "  {\"kind\": \"video\", \"latency_ms\": {\"p50\": 12, \"p95\": 18, \"p99\": 40}, \"fps\": "
        "29,"
        "   \"freeze_ratio\": 0.0, \"delivered_ratio\": 0.95, \"decrypt_success\": 1.0,"
        "   \"time_to_first_frame_ms\": 90, \"psnr_db_mean\": 36}]},"
        " {\"name\": \"e\", \"role\": \"eavesdropper\", \"received\": ["
        "  {\"kind\": \"video\", \"latency_ms\": {\"p50\": null}, \"fps\": 0, \"delivered_ratio\": "
        "0,"
        "   \"decrypt_success\": 0, \"eavesdropper\": true}]}]}");
    reports__sweep_figures_t f;
    reports__sweep_figures(report, &f);
    ck_assert(f.has[REPORTS__FIG_VIDEO_LATENCY_P50]);
    ck_assert_double_eq(f.value[REPORTS__FIG_VIDEO_LATENCY_P50], 12);
    ck_assert_double_eq(f.value[REPORTS__FIG_VIDEO_LATENCY_P95], 20.5);
    ck_assert_double_eq(f.value[REPORTS__FIG_VIDEO_LATENCY_P99], 40);
    ck_assert_double_eq(f.value[REPORTS__FIG_AUDIO_LATENCY_P95], 7);
    ck_assert_double_eq(f.value[REPORTS__FIG_FPS_MIN], 29);
    ck_assert_double_eq(f.value[REPORTS__FIG_FPS_MEAN], 29.5);
    ck_assert_double_eq(f.value[REPORTS__FIG_FREEZE_RATIO_MAX], 0.01);
    ck_assert_double_eq(f.value[REPORTS__FIG_DELIVERED_RATIO_MIN], 0.8);
    ck_assert_double_eq(f.value[REPORTS__FIG_DECRYPT_SUCCESS_MIN], 0.99);
    ck_assert_double_eq(f.value[REPORTS__FIG_TIME_TO_FIRST_FRAME_MAX], 300);
    ck_assert_double_eq(f.value[REPORTS__FIG_PSNR_MIN], 36);
    ck_assert_str_eq(reports__sweep_figure_name(REPORTS__FIG_VIDEO_LATENCY_P95),
                     "video_latency_p95_ms");
    json_decref(report);

    /* No pairs: every figure absent. */
    report = parse("{\"peers\": []}");
    reports__sweep_figures(report, &f);
    for (size_t i = 0; i < REPORTS__FIG_COUNT; i++)
        ck_assert(!f.has[i]);
    json_decref(report);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("reports_sweep");
    TCase *tc = tcase_create("ids");
    tcase_add_loop_test(tc, canonical_json_is_compact_sorted_and_shortest, 0,
                        (int)(sizeof(canonical_cases) / sizeof(canonical_cases[0])));
    tcase_add_loop_test(tc, ids_are_pinned_and_ignore_key_order, 0,
                        (int)(sizeof(id_cases) / sizeof(id_cases[0])));
    tcase_add_test(tc, variant_ids_do_not_depend_on_position);
    suite_add_tcase(s, tc);

    tc = tcase_create("grid");
    tcase_add_test(tc, grid_is_file_order_last_key_fastest);
    tcase_add_test(tc, seeds_are_a_last_dimension);
    tcase_add_test(tc, description_loads_back_as_the_same_sweep);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_loop_test(tc, sweep_errors_name_the_key_on_one_line, 0,
                        (int)(sizeof(error_cases) / sizeof(error_cases[0])));
    tcase_add_test(tc, too_many_variants_is_an_error);
    tcase_add_test(tc, load_reports_syntax_errors_with_line_and_column);
    tcase_add_test(tc, load_resolves_base_against_the_sweep_folder);
    tcase_add_test(tc, validate_names_the_rejected_path);
    suite_add_tcase(s, tc);

    tc = tcase_create("shards");
    tcase_add_test(tc, shard_parsing);
    tcase_add_test(tc, shards_partition_the_grid);
    suite_add_tcase(s, tc);

    tc = tcase_create("figures");
    tcase_add_test(tc, figures_take_the_worst_member_pair);
    suite_add_tcase(s, tc);
    return s;
}
