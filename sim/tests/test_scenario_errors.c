/* Tests for the scenario loader's errors (sim/sim_scenario.h): one case per
 * error class, each checking the exact one-line message, which names the
 * file and the JSON path of the offending value. Most cases are --set
 * overrides of one small valid scenario (so the path in the message is the
 * overridden one); trace files are written to a temporary directory. */
#include "sim/sim_scenario.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char base[] =
    "{\"name\": \"base\", \"duration_s\": 10,\n"
    " \"links\": {\"lossy\": {\"loss\": {\"model\": \"bernoulli\", \"p\": 0.05}}},\n"
    " \"peers\": [{\"name\": \"alice\", \"uplink\": \"lossy\"},\n"
    "             {\"name\": \"bob\", \"count\": 2},\n"
    "             {\"name\": \"carol\"}],\n"
    " \"events\": [{\"at_s\": 5, \"peer\": \"bob\", \"set_uplink\": \"lossy\"}]}";

typedef struct error_case {
    const char *sets[3]; /* applied to `base` (or to `json`) */
    const char *json;    /* NULL: base */
    const char *want;    /* the whole message */
} error_case_t;

static const error_case_t cases[] = {
    /* unknown keys, with and without a suggestion */
    { { "peers[2].uplnk=\"lossy\"" },
      NULL,
      "t.json: peers[2].uplnk: unknown key (did you mean \"uplink\"?)" },
    { { "links.lossy.loss.modle=none" },
      NULL,
      "t.json: links.lossy.loss.modle: unknown key (did you mean \"model\"?)" },
    { { "links.lossy.rate=100" },
      NULL,
      "t.json: links.lossy.rate: unknown key (did you mean \"rate_kbps\"?)" },
    { { "sfu.colour=1" },
      NULL,
      "t.json: sfu.colour: unknown key (known keys here: \"srtp_profile\", \"nack\", "
      "\"upstream_nack\", \"rtx\", \"history_ms\", \"pli_min_interval_ms\", \"last_n\", "
      "\"layer_selection\")" },
    { { "links.lossy.loss.p_bad_to_good=0.5" },
      NULL,
      "t.json: links.lossy.loss.p_bad_to_good: not a parameter of model \"bernoulli\"" },
    { { "links.lossy.jitter.pareto_shape=3" },
      NULL,
      "t.json: links.lossy.jitter.pareto_shape: not a parameter of dist \"normal\"" },
    /* wrong types */
    { { "peers[1].count=\"2\"" },
      NULL,
      "t.json: peers[1].count: expected an integer, got a string" },
    { { "links.lossy.loss.p=true" },
      NULL,
      "t.json: links.lossy.loss.p: expected a number, got true" },
    { { "e2ee.rekey_on_leave=1" },
      NULL,
      "t.json: e2ee.rekey_on_leave: expected true or false, got an integer" },
    { { "media.video=[]" }, NULL, "t.json: media.video: expected an object or null, got an array" },
    { { "peers[0].subscribe=everyone" },
      NULL,
      "t.json: peers[0].subscribe: \"everyone\" is not \"all\"; expected \"all\" or an "
      "array of peer names" },
    { { "e2ee.suite=AES_128_GCM" },
      NULL,
      "t.json: e2ee.suite: \"AES_128_GCM\" is not one of \"AES_128_CTR_HMAC_SHA256_80\", "
      "\"AES_128_CTR_HMAC_SHA256_64\", \"AES_128_CTR_HMAC_SHA256_32\", "
      "\"AES_128_GCM_SHA256_128\", \"AES_256_GCM_SHA512_128\" (did you mean "
      "\"AES_128_GCM_SHA256_128\"?)" },
    /* out of range */
    { { "links.lossy.loss.p=1.5" },
      NULL,
      "t.json: links.lossy.loss.p: 1.5 is out of range [0, 1]" },
    { { "duration_s=0" }, NULL, "t.json: duration_s: 0 is out of range (0, 86400]" },
    { { "warmup_s=10" }, NULL, "t.json: warmup_s: 10 must be less than duration_s (10)" },
    { { "media.video.fps=0" }, NULL, "t.json: media.video.fps: 0 is out of range (0, 240]" },
    { { "media.video.layers=[{\"rid\": \"a\", \"scale_down\": 0.5, \"max_kbps\": 1}]" },
      NULL,
      "t.json: media.video.layers[0].scale_down: 0.5 is out of range [1, 64]" },
    { { "media.audio.ptime_ms=30" },
      NULL,
      "t.json: media.audio.ptime_ms: 30 is not an Opus frame duration: use 10, 20, 40 or 60" },
    { { "seed=-1" }, NULL, "t.json: seed: -1 is negative; expected an integer in [0, 2^64 - 1]" },
    { { "events[0].at_s=10.5" }, NULL, "t.json: events[0].at_s: 10.5 is out of range [0, 10]" },
    { { "peers[0].join_s=3", "peers[0].leave_s=2" },
      NULL,
      "t.json: peers[0].leave_s: 2 is not after join_s (3)" },
    { { "peers[1].count=0" }, NULL, "t.json: peers[1].count: 0 is out of range [1, 10000]" },
    /* missing required */
    { { "" }, "{\"duration_s\": 5, \"peers\": []}", "t.json: name: missing (required)" },
    { { "" }, "{\"name\": \"x\", \"peers\": []}", "t.json: duration_s: missing (required)" },
    { { "" },
      "{\"name\": \"x\", \"duration_s\": 5}",
      "t.json: peers: missing (required: at least 2 peers)" },
    { { "peers[3]={}" }, NULL, "t.json: peers[3].name: missing (required)" },
    { { "links.ge.loss.model=gilbert-elliott" },
      NULL,
      "t.json: links.ge.loss.p_good_to_bad: missing (required)" },
    { { "media.video.layers=[{\"rid\": \"x\"}]" },
      NULL,
      "t.json: media.video.layers[0].max_kbps: missing (required)" },
    /* names */
    { { "peers[0].uplink=lossey" },
      NULL,
      "t.json: peers[0].uplink: no link named \"lossey\" (did you mean \"lossy\"?)" },
    { { "events[0].set_uplink=wifi" },
      NULL,
      "t.json: events[0].set_uplink: no link named \"wifi\"; define it under \"links\" "
      "(\"ideal\" is built in)" },
    { { "peers[2].subscribe=[\"alice\", \"bobb\"]" },
      NULL,
      "t.json: peers[2].subscribe[1]: no peer named \"bobb\" (did you mean \"bob\"?)" },
    { { "events[0].peer=dave" }, NULL, "t.json: events[0].peer: no peer named \"dave\"" },
    { { "events[0].peer=bob-3" },
      NULL,
      "t.json: events[0].peer: no peer named \"bob-3\" (did you mean \"bob-1\"?)" },
    { { "peers[2].name=bob-2" },
      NULL,
      "t.json: peers[2].name: peer name \"bob-2\" is already taken by peers[1] (count 2: "
      "bob-1 ... bob-2)" },
    { { "peers[2].name=alice" },
      NULL,
      "t.json: peers[2].name: peer name \"alice\" is already taken by peers[0]" },
    { { "peers[2].name=Carol" },
      NULL,
      "t.json: peers[2].name: \"Carol\" is not a valid name: use 1 to 64 characters of a-z, "
      "0-9 and -" },
    { { "peers[0].preferred_layer=m" },
      NULL,
      "t.json: peers[0].preferred_layer: no layer with rid \"m\" in media.video.layers" },
    { { "media.video.layers=[{\"rid\": \"q\", \"max_kbps\": 1}, {\"rid\": \"q\", "
        "\"max_kbps\": 2}]" },
      NULL,
      "t.json: media.video.layers[1].rid: \"q\" is also the rid of layers[0]" },
    { { "media.video.layers=[{\"rid\": \"a\", \"max_kbps\": 1}, {\"rid\": \"b\", "
        "\"scale_down\": 2, \"max_kbps\": 2}]" },
      NULL,
      "t.json: media.video.layers[1].scale_down: layers go lowest first: 2 is larger than "
      "layers[0]'s 1" },
    { { "links.ideal.delay_ms=5" },
      NULL,
      "t.json: links.ideal: \"ideal\" is the built-in link without impairment and cannot be "
      "redefined; give this profile another name" },
    /* peers and events rules */
    { { "peers[1]=null" },
      "{\"name\": \"x\", \"duration_s\": 5, \"peers\": [{\"name\": \"solo\"}]}",
      "t.json: peers[1]: expected a peer object, got null" },
    { { "" },
      "{\"name\": \"x\", \"duration_s\": 5, \"peers\": [{\"name\": \"solo\"}]}",
      "t.json: peers: at least 2 peers are needed, got 1" },
    { { "peers[2].role=eavesdropper", "peers[2].publish=[\"audio\"]" },
      NULL,
      "t.json: peers[2].publish: an eavesdropper has no E2EE keys and publishes nothing: "
      "use []" },
    { { "events[0].rekey=true" },
      NULL,
      "t.json: events[0]: two actions (\"set_uplink\" and \"rekey\"); an event has exactly "
      "one" },
    { { "events[1]={\"at_s\": 1, \"peer\": \"bob\"}" },
      NULL,
      "t.json: events[1]: no action: give one of \"set_uplink\", \"set_downlink\", "
      "\"leave\", \"join\", \"preferred_layer\" or \"rekey\"" },
    { { "events[1]={\"at_s\": 1, \"peer\": \"bob\", \"leave\": false}" },
      NULL,
      "t.json: events[1].leave: expected true, got false" },
    { { "events[1]={\"at_s\": 1, \"peer\": \"carol\", \"join\": true}" },
      NULL,
      "t.json: events[1].join: carol cannot join: it is already in the call at 1 s" },
    { { "peers[2].join_s=null", "events[1]={\"at_s\": 2, \"peer\": \"carol\", \"leave\": true}" },
      NULL,
      "t.json: events[1].leave: carol cannot leave: it is not in the call at 2 s" },
    { { "peers[2].leave_s=4", "events[1]={\"at_s\": 3, \"peer\": \"carol\", \"leave\": true}" },
      NULL,
      "t.json: peers[2].leave_s: carol cannot leave: it is not in the call at 4 s" },
    { { "e2ee.scheme=insertable-legacy", "e2ee.keyframe_signal=dependency-descriptor" },
      NULL,
      "t.json: e2ee.keyframe_signal: scheme \"insertable-legacy\" signals keyframes only "
      "through its clear prefix: use \"clear-prefix\"" },
    { { "e2ee.scheme=none", "e2ee.test_transform=xor-constant" },
      NULL,
      "t.json: e2ee.test_transform: the test transforms exist for scheme \"sframe\" only" },
    { { "e2ee.test_transform=half" },
      NULL,
      "t.json: e2ee.test_transform: \"half\" is not one of \"off\", \"xor-constant\", "
      "\"ctr-reuse\", \"half-clear\" (did you mean \"half-clear\"?)" },
    { { "links.lossy.loss.model=gilbert" },
      NULL,
      "t.json: links.lossy.loss.model: \"gilbert\" is not one of \"none\", \"bernoulli\", "
      "\"gilbert-elliott\", \"pattern\" (did you mean \"gilbert-elliott\"?)" },
    /* --set itself */
    { { "peers[9].count=2" },
      NULL,
      "t.json: peers[9]: --set peers[9].count=2: index out of range (peers has 3 entries)" },
    { { "name.first=x" },
      NULL,
      "t.json: name: --set name.first=x: this is a string, not an object" },
    { { "peers.x=1" }, NULL, "t.json: peers: --set peers.x=1: this is an array, not an object" },
    { { "seed" }, NULL, "t.json: --set \"seed\": expected JSON.PATH=VALUE" },
    { { "peers[x].count=1" },
      NULL,
      "t.json: --set \"peers[x].count=1\": malformed JSON path at character 6" },
    { { "=1" }, NULL, "t.json: --set \"=1\": malformed JSON path" },
    /* syntax */
    { { "" },
      "{\"name\": \"x\",\n \"duration_s\": }",
      "t.json: line 2, column 16: unexpected token near '}'" },
    { { "" }, "[1, 2]", "t.json: expected a JSON object at the top level, got an array" },
    { { "" },
      "{\"name\": \"x\", \"name\": \"y\"}",
      "t.json: line 1, column 20: duplicate object key near '\"name\"'" },
};

#define CASE_COUNT (sizeof cases / sizeof cases[0])

START_TEST(error_message)
{
    const error_case_t *c = &cases[_i];
    const char *sets[3];
    size_t n = 0;
    for (size_t i = 0; i < 3 && c->sets[i] != NULL; i++)
        if (c->sets[i][0] != '\0')
            sets[n++] = c->sets[i];
    const char *json = c->json != NULL ? c->json : base;
    char err[1024];
    sim_scenario_t *scn =
        sim_scenario_load_text(json, strlen(json), "t.json", NULL, sets, n, err, sizeof err);
    ck_assert_msg(scn == NULL, "case %d loaded", _i);
    ck_assert_str_eq(err, c->want);
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(base_is_valid)
{
    char err[1024];
    sim_scenario_t *scn =
        sim_scenario_load_text(base, strlen(base), "t.json", NULL, NULL, 0, err, sizeof err);
    ck_assert_msg(scn != NULL, "%s", err);
    sim_scenario_free(scn);
}
END_TEST

START_TEST(missing_file)
{
    char err[1024];
    ck_assert_ptr_null(sim_scenario_load("sim/tests/no-such.json", NULL, 0, err, sizeof err));
    ck_assert_str_eq(err, "sim/tests/no-such.json: cannot open: No such file or directory");
    /* err may be left out */
    ck_assert_ptr_null(sim_scenario_load("sim/tests/no-such.json", NULL, 0, NULL, 0));
}
END_TEST

/* A message longer than the buffer is cut, still one terminated line. */
START_TEST(short_error_buffer)
{
    char err[16];
    const char *sets[] = { "peers[2].uplnk=1" };
    ck_assert_ptr_null(
        sim_scenario_load_text(base, strlen(base), "t.json", NULL, sets, 1, err, sizeof err));
    ck_assert_str_eq(err, "t.json: peers[2");
}
END_TEST

/* ---- traces ------------------------------------------------------------------ */

static char trace_dir[64];

static void make_trace_dir(void)
{
    snprintf(trace_dir, sizeof trace_dir, "/tmp/blindfold-scenario-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(trace_dir));
}

static void write_trace(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", trace_dir, name);
    FILE *file = fopen(path, "wb");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    ck_assert_int_eq(fclose(file), 0);
}

static void remove_trace(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", trace_dir, name);
    unlink(path);
}

/* Loads base with links.cell.trace = name from trace_dir; returns err. */
static sim_scenario_t *load_trace(const char *name, char *err, size_t err_len)
{
    char set[128];
    snprintf(set, sizeof set, "links.cell.trace=%s", name);
    const char *sets[] = { set };
    return sim_scenario_load_text(base, strlen(base), "t.json", trace_dir, sets, 1, err, err_len);
}

static void expect_trace_error(const char *name, const char *text, const char *want_tail)
{
    char err[1024], want[512];
    if (text != NULL)
        write_trace(name, text);
    ck_assert_ptr_null(load_trace(name, err, sizeof err));
    snprintf(want, sizeof want, "t.json: links.cell.trace: %s/%s%s", trace_dir, name, want_tail);
    ck_assert_str_eq(err, want);
    if (text != NULL)
        remove_trace(name);
}

START_TEST(trace_errors)
{
    make_trace_dir();
    char err[1024];
    write_trace("good", "0\n5\n5\r\n 12 \n");
    sim_scenario_t *scn = load_trace("good", err, sizeof err);
    ck_assert_msg(scn != NULL, "%s", err);
    const sim_link_profile_t *p = &scn->links[2].profile;
    ck_assert_uint_eq(p->trace_len, 4);
    ck_assert_uint_eq(p->trace_ms[3], 12);
    sim_scenario_free(scn);
    remove_trace("good");

    char want[256];
    snprintf(want, sizeof want,
             "t.json: links.cell.trace: cannot open trace file %s/missing: "
             "No such file or directory",
             trace_dir);
    ck_assert_ptr_null(load_trace("missing", err, sizeof err));
    ck_assert_str_eq(err, want);
    expect_trace_error("letters", "1\n2\nabc\n", ":3: \"abc\" is not a non-negative integer");
    expect_trace_error("negative", "1\n-2\n", ":2: \"-2\" is not a non-negative integer");
    expect_trace_error("decreasing", "1\n5\n4\n", ":3: 4 ms is before the previous line's 5 ms");
    expect_trace_error("blank", "1\n\n4\n", ":2: empty line; expected one integer millisecond");
    expect_trace_error("zero", "0\n0\n", ":2: the trace must last longer than 0 ms");
    expect_trace_error("empty", "",
                       ": empty trace file; expected one integer millisecond per "
                       "line");
    expect_trace_error("huge", "1\n4294967296\n", ":2: timestamp larger than 4294967295 ms");
    rmdir(trace_dir);
}
END_TEST

/* ---- a link profile file (blindfold replay --link) -------------------------- */

START_TEST(link_file_loads_one_profile)
{
    make_trace_dir();
    char err[1024], path[128], want[512];
    write_trace("cell.trace", "0\n7\n");
    write_trace("link.json", "{\"delay_ms\": 40, \"loss\": {\"model\": \"bernoulli\", "
                             "\"p\": 0.1}, \"trace\": \"cell.trace\"}");
    snprintf(path, sizeof path, "%s/link.json", trace_dir);
    sim_scenario_t *scn = sim_scenario_load_link(path, err, sizeof err);
    ck_assert_msg(scn != NULL, "%s", err);
    ck_assert_uint_eq(scn->link_count, 2);
    ck_assert_str_eq(scn->links[1].name, "link");
    ck_assert_double_eq(scn->links[1].profile.delay_ms, 40);
    ck_assert_int_eq(scn->links[1].profile.loss.model, SIM_LOSS_BERNOULLI);
    ck_assert_double_eq(scn->links[1].profile.loss.p, 0.1);
    /* The trace is read relative to the profile's folder */
    ck_assert_uint_eq(scn->links[1].profile.trace_len, 2);
    sim_scenario_free(scn);

    /* Errors name the file and the path inside the object */
    write_trace("link.json", "{\"loss\": {\"model\": \"bernoulli\", \"p\": 2}}");
    ck_assert_ptr_null(sim_scenario_load_link(path, err, sizeof err));
    snprintf(want, sizeof want, "%s: loss.p: 2 is out of range [0, 1]", path);
    ck_assert_str_eq(err, want);
    write_trace("link.json", "{\"delay\": 4}");
    ck_assert_ptr_null(sim_scenario_load_link(path, err, sizeof err));
    snprintf(want, sizeof want, "%s: delay: unknown key (did you mean \"delay_ms\"?)", path);
    ck_assert_str_eq(err, want);
    write_trace("link.json", "[1]");
    ck_assert_ptr_null(sim_scenario_load_link(path, err, sizeof err));
    snprintf(want, sizeof want, "%s: expected a link profile object, got an array", path);
    ck_assert_str_eq(err, want);
    write_trace("link.json", "{\"delay_ms\": ");
    ck_assert_ptr_null(sim_scenario_load_link(path, err, sizeof err));
    ck_assert_msg(strstr(err, "link.json: line 1, column ") != NULL, "%s", err);
    remove_trace("link.json");
    ck_assert_ptr_null(sim_scenario_load_link(path, err, sizeof err));
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    ck_assert_str_eq(err, want);
    remove_trace("cell.trace");
    rmdir(trace_dir);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("scenario_errors");
    TCase *messages = tcase_create("messages");
    tcase_add_test(messages, base_is_valid);
    tcase_add_loop_test(messages, error_message, 0, (int)CASE_COUNT);
    tcase_add_test(messages, missing_file);
    tcase_add_test(messages, short_error_buffer);
    suite_add_tcase(suite, messages);
    TCase *traces = tcase_create("traces");
    tcase_add_test(traces, trace_errors);
    tcase_add_test(traces, link_file_loads_one_profile);
    suite_add_tcase(suite, traces);
    return suite;
}
