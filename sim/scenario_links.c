/* Scenario section links (docs/scenario-format.md): named link profiles,
 * each resolved into a sim_link_profile_t (sim/sim_link.h) that the
 * scenario owns, arrays included.
 *
 * links[0] is always "ideal", sim_link_profile_ideal(): no delay, jitter,
 * loss, rate limit or duplication. A file may spell "ideal" out, but only
 * as exactly that profile; the resolved echo lists it first, then the
 * other profiles in file order.
 *
 * Keys that only one jitter distribution or loss model reads are accepted
 * only with it ("p" with "bernoulli", "drop" with "pattern", ...), so a
 * parameter of another model is an error rather than silently unused.
 *
 * A trace is a mahimahi file (one delivery opportunity of 1500 bytes per
 * line, as an integer millisecond; non-decreasing; the last one > 0),
 * found relative to the scenario file and read at load time; its errors
 * name the trace file and line. Blanks and a CR around a number are
 * ignored; an empty line is an error. */
#include "sim/scenario_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* ---- keys that depend on a model ------------------------------------------ */

/* Fails on the first key of `object` outside `keys`, saying which model a
 * key of another model belongs to. */
static bool check_model_keys(sim__loader_t *ld, const json_t *object, const char *const *keys,
                             size_t count, const char *const *all, size_t all_count,
                             const char *what, const char *model)
{
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)object, key, value)
    {
        bool own = false, other = false;
        for (size_t i = 0; i < count; i++)
            own = own || strcmp(key, keys[i]) == 0;
        for (size_t i = 0; i < all_count; i++)
            other = other || strcmp(key, all[i]) == 0;
        if (own)
            continue;
        if (!other)
            return sim__check_keys(ld, object, all, all_count);
        sim__path_key(ld, key);
        return sim__fail(ld, "not a parameter of %s \"%s\"", what, model);
    }
    return true;
}

/* ---- jitter ----------------------------------------------------------------- */

static const char *const jitter_keys[] = { "dist", "stddev_ms", "reorder", "pareto_shape" };
static const char *const dist_names[] = { "none", "uniform", "normal", "pareto" };

static bool load_jitter(sim__loader_t *ld, const json_t *raw, json_t *out,
                        sim_link_profile_t *profile)
{
    const sim__number_spec_t stddev = { .max = SIM__MS_MAX, .fallback = 5 };
    const sim__number_spec_t shape = { .min = 2, .min_open = true, .max = 100, .fallback = 3 };
    int dist = SIM_JITTER_NORMAL;
    if (!sim__enum(ld, raw, out, "dist", dist_names, COUNT(dist_names), SIM_JITTER_NORMAL, &dist))
        return false;
    profile->jitter.dist = (sim_jitter_dist_t)dist;
    bool pareto = dist == SIM_JITTER_PARETO;
    size_t own = pareto ? COUNT(jitter_keys) : COUNT(jitter_keys) - 1;
    if (!check_model_keys(ld, raw, jitter_keys, own, jitter_keys, COUNT(jitter_keys), "dist",
                          dist_names[dist]) ||
        !sim__number(ld, raw, out, "stddev_ms", &stddev, &profile->jitter.stddev_ms) ||
        !sim__bool(ld, raw, out, "reorder", false, &profile->jitter.reorder))
        return false;
    if (pareto)
        return sim__number(ld, raw, out, "pareto_shape", &shape, &profile->jitter.pareto_shape);
    return true;
}

/* ---- loss -------------------------------------------------------------- */

static const char *const loss_keys[] = {
    "model", "p", "p_good_to_bad", "p_bad_to_good", "loss_good", "loss_bad", "drop",
};
static const char *const model_names[] = { "none", "bernoulli", "gilbert-elliott", "pattern" };
static const char *const none_keys[] = { "model" };
static const char *const bernoulli_keys[] = { "model", "p" };
static const char *const gilbert_keys[] = { "model", "p_good_to_bad", "p_bad_to_good", "loss_good",
                                            "loss_bad" };
static const char *const pattern_keys[] = { "model", "drop" };

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* loss.drop: packet indices, kept sorted and without repeats. */
static bool load_drop(sim__loader_t *ld, const json_t *loss, json_t *out,
                      sim_link_profile_t *profile)
{
    const json_t *raw = json_object_get(loss, "drop");
    size_t saved = sim__path_key(ld, "drop");
    if (raw == NULL)
        return sim__fail(ld, "missing (required with model \"pattern\")");
    if (!json_is_array(raw))
        return sim__fail(ld, "expected an array of packet indices, got %s", sim__type_name(raw));
    size_t count = json_array_size(raw), unique = 0;
    uint64_t *drop = sim__alloc(ld, count ? count : 1, sizeof *drop);
    const sim__uint_spec_t index_spec = { .max = INT64_MAX };
    for (size_t i = 0; drop != NULL && i < count; i++) {
        size_t at = sim__path_index(ld, i);
        if (!sim__uint_value(ld, json_array_get(raw, i), &index_spec, &drop[i]))
            return false;
        sim__path_pop(ld, at);
    }
    if (drop == NULL)
        return false;
    qsort(drop, count, sizeof *drop, compare_u64);
    for (size_t i = 0; i < count; i++)
        if (unique == 0 || drop[i] != drop[unique - 1])
            drop[unique++] = drop[i];
    sim__path_pop(ld, saved);
    json_t *echo = sim__put_array(ld, out, "drop");
    for (size_t i = 0; echo != NULL && i < unique; i++)
        if (!sim__append(ld, echo, json_integer((json_int_t)drop[i])))
            return false;
    profile->loss.drop = drop;
    profile->loss.drop_count = unique;
    return !ld->failed;
}

static bool load_loss_params(sim__loader_t *ld, const json_t *raw, json_t *out,
                             sim_link_profile_t *profile)
{
    const sim__number_spec_t p = { .max = 1, .real = true, .fallback = 0.01 };
    const sim__number_spec_t transition = { .max = 1, .real = true, .required = true };
    const sim__number_spec_t good = { .max = 1, .real = true, .fallback = 0 };
    const sim__number_spec_t bad = { .max = 1, .real = true, .fallback = 1 };
    switch (profile->loss.model) {
    case SIM_LOSS_NONE:
        return true;
    case SIM_LOSS_BERNOULLI:
        return sim__number(ld, raw, out, "p", &p, &profile->loss.p);
    case SIM_LOSS_GILBERT_ELLIOTT:
        return sim__number(ld, raw, out, "p_good_to_bad", &transition,
                           &profile->loss.p_good_to_bad) &&
               sim__number(ld, raw, out, "p_bad_to_good", &transition,
                           &profile->loss.p_bad_to_good) &&
               sim__number(ld, raw, out, "loss_good", &good, &profile->loss.loss_good) &&
               sim__number(ld, raw, out, "loss_bad", &bad, &profile->loss.loss_bad);
    case SIM_LOSS_PATTERN:
        return load_drop(ld, raw, out, profile);
    }
    return sim__fail(ld, "unknown loss model");
}

static bool load_loss(sim__loader_t *ld, const json_t *raw, json_t *out,
                      sim_link_profile_t *profile)
{
    static const char *const *const keys[] = { none_keys, bernoulli_keys, gilbert_keys,
                                               pattern_keys };
    static const size_t key_counts[] = { COUNT(none_keys), COUNT(bernoulli_keys),
                                         COUNT(gilbert_keys), COUNT(pattern_keys) };
    int model = SIM_LOSS_BERNOULLI;
    if (!sim__enum(ld, raw, out, "model", model_names, COUNT(model_names), SIM_LOSS_BERNOULLI,
                   &model))
        return false;
    profile->loss.model = (sim_loss_model_t)model;
    profile->loss.loss_bad = 1;
    return check_model_keys(ld, raw, keys[model], key_counts[model], loss_keys, COUNT(loss_keys),
                            "model", model_names[model]) &&
           load_loss_params(ld, raw, out, profile);
}

/* ---- trace files --------------------------------------------------------- */

/* Reads at most SIM__TRACE_BYTES_MAX bytes; NULL with the error recorded. */
static char *read_trace_file(sim__loader_t *ld, const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        sim__fail(ld, "cannot open trace file %s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t used = 0, cap = 0;
    const char *problem = NULL;
    while (problem == NULL) {
        if (used == cap) {
            size_t grown = cap ? 2 * cap : 65536;
            char *bigger = grown <= 2 * (size_t)SIM__TRACE_BYTES_MAX ? realloc(text, grown) : NULL;
            if (bigger == NULL) {
                problem = "out of memory";
                break;
            }
            text = bigger;
            cap = grown;
        }
        size_t got = fread(text + used, 1, cap - used, file);
        used += got;
        if (used > SIM__TRACE_BYTES_MAX)
            problem = "trace file larger than 64 MiB";
        else if (got == 0 && ferror(file))
            problem = "cannot read the trace file";
        else if (got == 0)
            break;
    }
    fclose(file);
    if (problem != NULL) {
        sim__fail(ld, "%s: %s", path, problem);
        free(text);
        return NULL;
    }
    *len = used;
    return text;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Parses one line [start, end) into *ms; false with the error recorded. */
static bool parse_trace_line(sim__loader_t *ld, const char *path, size_t line, const char *start,
                             const char *end, uint32_t *ms)
{
    while (start < end && is_blank(*start))
        start++;
    while (end > start && is_blank(end[-1]))
        end--;
    if (start == end)
        return sim__fail(ld, "%s:%zu: empty line; expected one integer millisecond", path, line);
    uint64_t value = 0;
    for (const char *p = start; p < end; p++) {
        if (*p < '0' || *p > '9')
            return sim__fail(ld, "%s:%zu: \"%.*s\" is not a non-negative integer", path, line,
                             (int)(end - start > 40 ? 40 : end - start), start);
        value = value * 10 + (uint64_t)(*p - '0');
        if (value > UINT32_MAX)
            return sim__fail(ld, "%s:%zu: timestamp larger than %u ms", path, line, UINT32_MAX);
    }
    *ms = (uint32_t)value;
    return true;
}

static bool parse_trace(sim__loader_t *ld, const char *path, const char *text, size_t len,
                        sim_link_profile_t *profile)
{
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n' || i + 1 == len)
            lines++;
    if (lines == 0)
        return sim__fail(ld, "%s: empty trace file; expected one integer millisecond per line",
                         path);
    uint32_t *trace = sim__alloc(ld, lines, sizeof *trace);
    const char *cursor = text, *end = text + len;
    for (size_t line = 1; trace != NULL && line <= lines; line++) {
        const char *newline = memchr(cursor, '\n', (size_t)(end - cursor));
        const char *stop = newline != NULL ? newline : end;
        if (!parse_trace_line(ld, path, line, cursor, stop, &trace[line - 1]))
            return false;
        if (line > 1 && trace[line - 1] < trace[line - 2])
            return sim__fail(ld, "%s:%zu: %u ms is before the previous line's %u ms", path, line,
                             trace[line - 1], trace[line - 2]);
        cursor = stop + 1;
    }
    if (trace != NULL && trace[lines - 1] == 0)
        return sim__fail(ld, "%s:%zu: the trace must last longer than 0 ms", path, lines);
    profile->trace_ms = trace;
    profile->trace_len = lines;
    return !ld->failed;
}

static bool load_trace(sim__loader_t *ld, const char *file, sim_link_profile_t *profile)
{
    size_t dir_len = ld->base_dir != NULL && file[0] != '/' ? strlen(ld->base_dir) : 0;
    char *path = malloc(dir_len + strlen(file) + 2);
    if (path == NULL)
        return sim__fail(ld, "out of memory");
    if (dir_len > 0)
        sprintf(path, "%s/%s", ld->base_dir, file);
    else
        strcpy(path, file);
    size_t len = 0;
    char *text = read_trace_file(ld, path, &len);
    bool ok = text != NULL && parse_trace(ld, path, text, len, profile);
    free(text);
    free(path);
    return ok;
}

/* ---- one profile --------------------------------------------------------- */

static const char *const link_keys[] = {
    "delay_ms", "jitter", "loss", "rate_kbps", "queue_ms", "duplicate", "trace",
};

/* A nested object (jitter or loss), read by `load` into `out[key]`. */
static bool load_part(sim__loader_t *ld, const json_t *raw, json_t *out, const char *key,
                      bool (*load)(sim__loader_t *, const json_t *, json_t *, sim_link_profile_t *),
                      sim_link_profile_t *profile)
{
    const json_t *part;
    if (!sim__object(ld, raw, key, &part))
        return false;
    json_t *part_out = sim__put_object(ld, out, key);
    size_t saved = sim__path_key(ld, key);
    if (part_out == NULL || !load(ld, part, part_out, profile))
        return false;
    sim__path_pop(ld, saved);
    return true;
}

static bool load_trace_field(sim__loader_t *ld, const json_t *raw, json_t *out,
                             sim_scenario_link_t *link)
{
    const json_t *trace = json_object_get(raw, "trace");
    if (trace == NULL || json_is_null(trace))
        return sim__put(ld, out, "trace", json_null());
    size_t saved = sim__path_key(ld, "trace");
    if (!json_is_string(trace))
        return sim__fail(ld, "expected a file name or null, got %s", sim__type_name(trace));
    if (json_string_length(trace) == 0)
        return sim__fail(ld, "expected a file name or null, got \"\"");
    link->trace_file = sim__strdup(ld, json_string_value(trace));
    if (link->trace_file == NULL || !load_trace(ld, link->trace_file, &link->profile))
        return false;
    sim__path_pop(ld, saved);
    return sim__put(ld, out, "trace", json_string(link->trace_file));
}

static bool load_profile(sim__loader_t *ld, const json_t *raw, json_t *out,
                         sim_scenario_link_t *link)
{
    sim_link_profile_t *profile = &link->profile;
    *profile = sim_link_profile_ideal();
    const sim__number_spec_t delay = { .max = SIM__MS_MAX, .fallback = 20 };
    const sim__number_spec_t rate = { .max = SIM__KBPS_MAX, .fallback = 0 };
    const sim__number_spec_t queue = { .max = SIM__MS_MAX, .fallback = 200 };
    const sim__number_spec_t duplicate = { .max = 1, .real = true, .fallback = 0 };
    if (!json_is_object(raw))
        return sim__fail(ld, "expected a link profile object, got %s", sim__type_name(raw));
    if (!sim__check_keys(ld, raw, link_keys, COUNT(link_keys)) ||
        !sim__number(ld, raw, out, "delay_ms", &delay, &profile->delay_ms) ||
        !load_part(ld, raw, out, "jitter", load_jitter, profile) ||
        !load_part(ld, raw, out, "loss", load_loss, profile) ||
        !sim__number(ld, raw, out, "rate_kbps", &rate, &profile->rate_kbps) ||
        !sim__number(ld, raw, out, "queue_ms", &queue, &profile->queue_ms) ||
        !sim__number(ld, raw, out, "duplicate", &duplicate, &profile->duplicate) ||
        !load_trace_field(ld, raw, out, link))
        return false;
    const char *reason = sim_link_profile_check(profile);
    return reason == NULL ? true : sim__fail(ld, "%s", reason);
}

/* ---- the links object ------------------------------------------------------ */

/* "ideal" as the format spells it, so that its echo is built by the same
 * code as every other profile's. */
static json_t *ideal_json(void)
{
    return json_pack("{s:i, s:{s:s, s:i}, s:{s:s}}", "delay_ms", 0, "jitter", "dist", "none",
                     "stddev_ms", 0, "loss", "model", "none");
}

/* links[0]: the built-in ideal profile; a file's "ideal" must equal it. */
static bool load_ideal(sim__loader_t *ld, const json_t *links, json_t *out,
                       sim_scenario_link_t *link)
{
    json_t *builtin = ideal_json();
    json_t *echo = json_object();
    bool ok = builtin != NULL && echo != NULL && load_profile(ld, builtin, echo, link);
    json_decref(builtin);
    if (!ok) {
        json_decref(echo);
        return ld->failed ? false : sim__fail(ld, "out of memory");
    }
    link->profile = sim_link_profile_ideal();
    link->name = "ideal";
    const json_t *given = json_object_get(links, "ideal");
    if (given != NULL) {
        json_t *given_echo = json_object();
        sim_scenario_link_t scratch = { 0 };
        size_t saved = sim__path_key(ld, "ideal");
        ok = given_echo != NULL && load_profile(ld, given, given_echo, &scratch);
        bool same = ok && json_equal(given_echo, echo);
        json_decref(given_echo);
        if (ok && !same)
            sim__fail(ld, "\"ideal\" is the built-in link without impairment and cannot be "
                          "redefined; give this profile another name");
        if (!same) {
            json_decref(echo);
            return ld->failed ? false : sim__fail(ld, "out of memory");
        }
        sim__path_pop(ld, saved);
    }
    return sim__put(ld, out, "ideal", echo);
}

bool sim__load_links(sim__loader_t *ld, const json_t *root, json_t *resolved)
{
    const json_t *links;
    if (!sim__object(ld, root, "links", &links))
        return false;
    json_t *out = sim__put_object(ld, resolved, "links");
    size_t saved = sim__path_key(ld, "links");
    size_t count = 1 + json_object_size(links) - (json_object_get(links, "ideal") != NULL);
    sim_scenario_link_t *table = sim__alloc(ld, count, sizeof *table);
    if (out == NULL || table == NULL || !load_ideal(ld, links, out, &table[0]))
        return false;
    size_t next = 1;
    const char *name;
    const json_t *raw;
    json_object_foreach((json_t *)links, name, raw)
    {
        if (strcmp(name, "ideal") == 0)
            continue;
        size_t at = sim__path_key(ld, name);
        json_t *echo = sim__put_object(ld, out, name);
        sim_scenario_link_t *link = &table[next++];
        if (echo == NULL || !sim__check_name(ld, name, true) || !load_profile(ld, raw, echo, link))
            return false;
        link->name = sim__strdup(ld, name);
        sim__path_pop(ld, at);
    }
    sim__path_pop(ld, saved);
    ld->scenario->links = table;
    ld->scenario->link_count = count;
    return !ld->failed;
}

bool sim__load_link_file(sim__loader_t *ld, const json_t *raw, json_t *resolved)
{
    sim_scenario_link_t *table = sim__alloc(ld, 2, sizeof *table);
    json_t *ideal = sim__put_object(ld, resolved, "ideal");
    json_t *echo = sim__put_object(ld, resolved, "link");
    if (table == NULL || ideal == NULL || echo == NULL)
        return false;
    table[0].profile = sim_link_profile_ideal();
    table[0].name = "ideal";
    if (!load_profile(ld, raw, echo, &table[1]))
        return false;
    table[1].name = "link";
    ld->scenario->links = table;
    ld->scenario->link_count = 2;
    return !ld->failed;
}

bool sim__find_link(sim__loader_t *ld, const char *name, size_t *index)
{
    const sim_scenario_t *scn = ld->scenario;
    for (size_t i = 0; i < scn->link_count; i++)
        if (strcmp(scn->links[i].name, name) == 0) {
            *index = i;
            return true;
        }
    const char **names = sim__alloc(ld, scn->link_count, sizeof *names);
    if (names == NULL)
        return false;
    for (size_t i = 0; i < scn->link_count; i++)
        names[i] = scn->links[i].name;
    const char *suggestion = sim__suggest(name, names, scn->link_count);
    char quoted[96];
    sim__quote(quoted, sizeof quoted, name);
    if (suggestion != NULL)
        return sim__fail(ld, "no link named %s (did you mean \"%s\"?)", quoted, suggestion);
    return sim__fail(ld, "no link named %s; define it under \"links\" (\"ideal\" is built in)",
                     quoted);
}
