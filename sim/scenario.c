/* Scenario loading, top level (docs/scenario-format.md): reads the file,
 * parses it as JSON (syntax errors at line and column), applies the --set
 * overrides, checks the top-level keys and fields (name, description,
 * seed, duration_s, warmup_s) and hands each section to its loader in the
 * order of the format: e2ee, sfu, media, links, peers, events, budgets.
 * Later sections look names up in earlier ones (peers name links, events
 * name peers and rids), so that order is also the order of dependencies.
 *
 * Everything the typed scenario points to lives in one arena (a chain of
 * allocations freed together) next to the resolved JSON; the built-in
 * default scenario is a text constant loaded through the same path.
 *
 * The seed is a uint64. jansson holds JSON integers as int64, so a seed up
 * to 2^63 - 1 is a plain number, and any seed up to 2^64 - 1 may also be
 * written as a decimal string ("18446744073709551615"); the resolved echo
 * uses a number whenever it fits. */
#include "sim/scenario_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENARIO_FILE_MAX (16u << 20)

struct sim__block {
    sim__block_t *next;
    max_align_t payload[];
};

/* The public scenario and what it owns; scenario is the first member, so a
 * sim_scenario_t pointer is also a pointer to its store. */
typedef struct scenario_store {
    sim_scenario_t scenario;
    json_t *resolved;
    sim__block_t *arena;
} scenario_store_t;

static const char default_scenario_text[] =
    "{\n"
    "  \"name\": \"default\",\n"
    "  \"description\": \"Four SFrame peers for 20 s with VP8 simulcast (q, h, f) and Opus. alice "
    "sends over a bursty Gilbert-Elliott uplink (about 2% loss); every link is 15 ms one way, so a "
    "round trip between two peers through the SFU is 60 ms. carol joins at 5 s and dave leaves at "
    "12 s.\",\n"
    "  \"seed\": 1,\n"
    "  \"duration_s\": 20.0,\n"
    "  \"e2ee\": { \"scheme\": \"sframe\", \"suite\": \"AES_128_GCM_SHA256_128\", "
    "\"keyframe_signal\": \"dependency-descriptor\" },\n"
    "  \"links\": {\n"
    "    \"clean\": {\n"
    "      \"delay_ms\": 15,\n"
    "      \"jitter\": { \"dist\": \"normal\", \"stddev_ms\": 2 },\n"
    "      \"loss\": { \"model\": \"none\" }\n"
    "    },\n"
    "    \"bursty\": {\n"
    "      \"delay_ms\": 15,\n"
    "      \"jitter\": { \"dist\": \"normal\", \"stddev_ms\": 2 },\n"
    "      \"loss\": { \"model\": \"gilbert-elliott\", \"p_good_to_bad\": 0.008, "
    "\"p_bad_to_good\": 0.3, \"loss_bad\": 0.75 }\n"
    "    }\n"
    "  },\n"
    "  \"peers\": [\n"
    "    { \"name\": \"alice\", \"uplink\": \"bursty\", \"downlink\": \"clean\" },\n"
    "    { \"name\": \"bob\", \"uplink\": \"clean\", \"downlink\": \"clean\" },\n"
    "    { \"name\": \"carol\", \"uplink\": \"clean\", \"downlink\": \"clean\", \"join_s\": 5.0 "
    "},\n"
    "    { \"name\": \"dave\", \"uplink\": \"clean\", \"downlink\": \"clean\", \"leave_s\": 12.0 "
    "}\n"
    "  ],\n"
    "  \"budgets\": {\n"
    "    \"video_latency_p95_ms\": 250,\n"
    "    \"audio_latency_p95_ms\": 200,\n"
    "    \"video_fps_min\": 20,\n"
    "    \"freeze_ratio_max\": 0.05,\n"
    "    \"delivered_ratio_min\": 0.95,\n"
    "    \"decrypt_success_min\": 0.999,\n"
    "    \"time_to_first_frame_ms_max\": 1500,\n"
    "    \"psnr_db_min\": 28,\n"
    "    \"confidentiality\": \"strict\"\n"
    "  }\n"
    "}\n";

const char *sim_scenario_builtin_default_text(void)
{
    return default_scenario_text;
}

/* ---- arena ---------------------------------------------------------------- */

void *sim__alloc(sim__loader_t *ld, size_t count, size_t size)
{
    if (ld->failed)
        return NULL;
    if (size != 0 && count > (SIZE_MAX - sizeof(sim__block_t)) / size) {
        sim__fail(ld, "out of memory");
        return NULL;
    }
    sim__block_t *block = calloc(1, sizeof(sim__block_t) + count * size);
    if (block == NULL) {
        sim__fail(ld, "out of memory");
        return NULL;
    }
    block->next = ld->arena;
    ld->arena = block;
    return block->payload;
}

char *sim__strdup(sim__loader_t *ld, const char *text)
{
    size_t len = strlen(text);
    char *copy = sim__alloc(ld, len + 1, 1);
    if (copy != NULL)
        memcpy(copy, text, len + 1);
    return copy;
}

void sim__arena_free(sim__block_t *arena)
{
    while (arena != NULL) {
        sim__block_t *next = arena->next;
        free(arena);
        arena = next;
    }
}

/* ---- top-level fields ------------------------------------------------------ */

static const char *const top_keys[] = {
    "name", "description", "seed",  "duration_s", "warmup_s", "e2ee",
    "sfu",  "media",       "links", "peers",      "events",   "budgets",
};

static bool parse_decimal_u64(const char *text, uint64_t *out)
{
    uint64_t value = 0;
    if (*text == '\0' || (text[0] == '0' && text[1] != '\0'))
        return false;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned digit = (unsigned)(*p - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    *out = value;
    return true;
}

static bool load_seed(sim__loader_t *ld, const json_t *root, json_t *resolved)
{
    const json_t *raw = json_object_get(root, "seed");
    uint64_t seed = 1;
    sim__path_key(ld, "seed");
    if (json_is_integer(raw)) {
        if (json_integer_value(raw) < 0)
            return sim__fail(ld, "%" PRId64 " is negative; expected an integer in [0, 2^64 - 1]",
                             (int64_t)json_integer_value(raw));
        seed = (uint64_t)json_integer_value(raw);
    } else if (json_is_string(raw)) {
        if (!parse_decimal_u64(json_string_value(raw), &seed))
            return sim__fail(ld, "a string seed must be decimal digits of a number in [0, "
                                 "2^64 - 1]");
    } else if (raw != NULL) {
        return sim__fail(ld, "expected an integer in [0, 2^64 - 1], got %s", sim__type_name(raw));
    }
    sim__path_pop(ld, 0);
    ld->scenario->seed = seed;
    char digits[24];
    snprintf(digits, sizeof digits, "%" PRIu64, seed);
    return sim__put(ld, resolved, "seed",
                    seed <= INT64_MAX ? json_integer((json_int_t)seed) : json_string(digits));
}

static bool load_times(sim__loader_t *ld, const json_t *root, json_t *resolved)
{
    sim_scenario_t *scn = ld->scenario;
    const sim__number_spec_t duration = {
        .min = 0, .min_open = true, .max = SIM__SECONDS_MAX, .required = true, .real = true
    };
    const sim__number_spec_t warmup = {
        .min = 0, .max = SIM__SECONDS_MAX, .real = true, .fallback = 2.0
    };
    if (!sim__number(ld, root, resolved, "duration_s", &duration, &scn->duration_s) ||
        !sim__number(ld, root, resolved, "warmup_s", &warmup, &scn->warmup_s))
        return false;
    if (scn->warmup_s >= scn->duration_s) {
        sim__path_key(ld, "warmup_s");
        return sim__fail(ld, "%.15g must be less than duration_s (%.15g)", scn->warmup_s,
                         scn->duration_s);
    }
    return true;
}

static bool load_identity(sim__loader_t *ld, const json_t *root, json_t *resolved)
{
    const char *name, *description;
    if (!sim__string(ld, root, resolved, "name", NULL, &name))
        return false;
    size_t saved = sim__path_key(ld, "name");
    if (!sim__check_name(ld, name, false))
        return false;
    sim__path_pop(ld, saved);
    if (!sim__string(ld, root, resolved, "description", "", &description))
        return false;
    ld->scenario->name = sim__strdup(ld, name);
    ld->scenario->description = sim__strdup(ld, description);
    return !ld->failed;
}

static bool load_root(sim__loader_t *ld, const json_t *root, json_t *resolved)
{
    if (!json_is_object(root))
        return sim__fail(ld, "expected a JSON object at the top level, got %s",
                         sim__type_name(root));
    return sim__check_keys(ld, root, top_keys, sizeof top_keys / sizeof top_keys[0]) &&
           load_identity(ld, root, resolved) && load_seed(ld, root, resolved) &&
           load_times(ld, root, resolved) && sim__load_e2ee(ld, root, resolved) &&
           sim__load_sfu(ld, root, resolved) && sim__load_media(ld, root, resolved) &&
           sim__load_links(ld, root, resolved) && sim__load_peers(ld, root, resolved) &&
           sim__load_events(ld, root, resolved) && sim__load_budgets(ld, root, resolved);
}

/* ---- parsing and the pipeline ---------------------------------------------- */

static json_t *parse_text(sim__loader_t *ld, const char *text, size_t len)
{
    json_error_t error;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
    if (root == NULL)
        sim__fail(ld, "line %d, column %d: %s", error.line, error.column, error.text);
    return root;
}

static void fail_early(const char *label, char *err, size_t err_len, const char *message)
{
    sim__loader_t ld = { .label = label, .err = err, .err_len = err_len };
    sim__fail(&ld, "%s", message);
}

/* An empty store and its resolved JSON object; NULL (err filled) when out
 * of memory. */
static scenario_store_t *store_new(const char *label, char *err, size_t err_len, json_t **resolved)
{
    scenario_store_t *store = calloc(1, sizeof *store);
    *resolved = json_object();
    if (store == NULL || *resolved == NULL) {
        free(store);
        json_decref(*resolved);
        *resolved = NULL;
        fail_early(label, err, err_len, "out of memory");
        return NULL;
    }
    return store;
}

/* Hands the loader's results to the store: the scenario, or NULL (freed)
 * when loading failed. */
static sim_scenario_t *store_finish(scenario_store_t *store, json_t *resolved,
                                    const sim__loader_t *ld)
{
    store->resolved = resolved;
    store->arena = ld->arena;
    if (ld->failed) {
        sim_scenario_free(&store->scenario);
        return NULL;
    }
    return &store->scenario;
}

sim_scenario_t *sim_scenario_load_text(const char *json_text, size_t len, const char *label,
                                       const char *base_dir, const char *const *sets, size_t n_sets,
                                       char *err, size_t err_len)
{
    if (err_len > 0 && err != NULL)
        err[0] = '\0';
    json_t *resolved = NULL;
    scenario_store_t *store = store_new(label, err, err_len, &resolved);
    if (store == NULL)
        return NULL;
    sim__loader_t ld = {
        .label = label,
        .base_dir = base_dir,
        .err = err,
        .err_len = err_len,
        .scenario = &store->scenario,
    };
    json_t *root = parse_text(&ld, json_text, len);
    for (size_t i = 0; root != NULL && i < n_sets && !ld.failed; i++)
        sim__apply_set(&ld, root, sets[i]);
    if (root != NULL && !ld.failed)
        load_root(&ld, root, resolved);
    json_decref(root);
    return store_finish(store, resolved, &ld);
}

/* Reads a whole file; NULL with the error recorded. */
static char *read_file(sim__loader_t *ld, const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        sim__fail(ld, "cannot open: %s", strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (used == cap) {
            size_t grown = cap ? cap * 2 : 4096;
            char *bigger = grown <= SCENARIO_FILE_MAX + 1 ? realloc(text, grown) : NULL;
            if (bigger == NULL) {
                sim__fail(ld,
                          grown > SCENARIO_FILE_MAX + 1 ? "larger than 16 MiB" : "out of memory");
                break;
            }
            text = bigger;
            cap = grown;
        }
        size_t got = fread(text + used, 1, cap - used, file);
        used += got;
        if (got == 0) {
            if (ferror(file))
                sim__fail(ld, "cannot read: %s", strerror(errno));
            break;
        }
    }
    fclose(file);
    if (ld->failed) {
        free(text);
        return NULL;
    }
    *len = used;
    return text;
}

/* The directory part of `path` ("a/b.json" -> "a"), or NULL for none. */
static char *directory_of(const char *path, bool *oom)
{
    const char *slash = strrchr(path, '/');
    *oom = false;
    if (slash == NULL)
        return NULL;
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *dir = malloc(len + 1);
    if (dir == NULL) {
        *oom = true;
        return NULL;
    }
    memcpy(dir, path, len);
    dir[len] = '\0';
    return dir;
}

sim_scenario_t *sim_scenario_load(const char *path, const char *const *sets, size_t n_sets,
                                  char *err, size_t err_len)
{
    sim__loader_t ld = { .label = path, .err = err, .err_len = err_len };
    if (err_len > 0 && err != NULL)
        err[0] = '\0';
    size_t len = 0;
    char *text = read_file(&ld, path, &len);
    if (text == NULL)
        return NULL;
    bool oom;
    char *dir = directory_of(path, &oom);
    sim_scenario_t *scenario = NULL;
    if (oom)
        sim__fail(&ld, "out of memory");
    else
        scenario = sim_scenario_load_text(text, len, path, dir, sets, n_sets, err, err_len);
    free(dir);
    free(text);
    return scenario;
}

sim_scenario_t *sim_scenario_load_link(const char *path, char *err, size_t err_len)
{
    if (err_len > 0 && err != NULL)
        err[0] = '\0';
    json_t *resolved = NULL;
    scenario_store_t *store = store_new(path, err, err_len, &resolved);
    if (store == NULL)
        return NULL;
    sim__loader_t ld = {
        .label = path, .err = err, .err_len = err_len, .scenario = &store->scenario
    };
    size_t len = 0;
    char *text = read_file(&ld, path, &len);
    bool oom = false;
    char *dir = text != NULL ? directory_of(path, &oom) : NULL;
    if (oom)
        sim__fail(&ld, "out of memory");
    ld.base_dir = dir;
    json_t *root = text != NULL && !ld.failed ? parse_text(&ld, text, len) : NULL;
    if (root != NULL)
        sim__load_link_file(&ld, root, resolved);
    json_decref(root);
    free(text);
    free(dir);
    return store_finish(store, resolved, &ld);
}

sim_scenario_t *sim_scenario_builtin_default(const char *const *sets, size_t n_sets, char *err,
                                             size_t err_len)
{
    return sim_scenario_load_text(default_scenario_text, sizeof default_scenario_text - 1,
                                  "(built-in default)", NULL, sets, n_sets, err, err_len);
}

void sim_scenario_free(sim_scenario_t *scenario)
{
    if (scenario == NULL)
        return;
    scenario_store_t *store = (scenario_store_t *)scenario;
    json_decref(store->resolved);
    sim__arena_free(store->arena);
    free(store);
}

/* ---- resolved JSON and lookups ------------------------------------------- */

const json_t *sim_scenario_resolved_json(const sim_scenario_t *scenario)
{
    return ((const scenario_store_t *)scenario)->resolved;
}

char *sim_scenario_resolved_text(const sim_scenario_t *scenario)
{
    char *body =
        json_dumps(sim_scenario_resolved_json(scenario), JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    if (body == NULL)
        return NULL;
    size_t len = strlen(body);
    char *text = malloc(len + 2);
    if (text != NULL) {
        memcpy(text, body, len);
        memcpy(text + len, "\n", 2);
    }
    free(body);
    return text;
}

long sim_scenario_link_index(const sim_scenario_t *scenario, const char *name)
{
    for (size_t i = 0; i < scenario->link_count; i++)
        if (strcmp(scenario->links[i].name, name) == 0)
            return (long)i;
    return -1;
}

long sim_scenario_peer_index(const sim_scenario_t *scenario, const char *name)
{
    for (size_t i = 0; i < scenario->peer_count; i++)
        if (strcmp(scenario->peers[i].name, name) == 0)
            return (long)i;
    return -1;
}

uint64_t sim_scenario_us(double seconds)
{
    if (!(seconds > 0))
        return 0;
    return (uint64_t)llround(seconds * 1e6);
}
