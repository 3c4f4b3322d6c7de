/* Private to the scenario loader (sim/scenario*.c): the loader state that
 * every section reads and writes, the JSON path it keeps for messages, the
 * typed field readers (which check, apply the default and echo the value
 * into the resolved JSON in one step) and the section loaders.
 *
 * Conventions: every function returning bool returns false after it has
 * recorded an error (sim__fail), and does nothing once one is recorded; so
 * the first error wins and callers just return false. Field readers take
 * the raw object (NULL stands for an absent, that is empty, object) and the
 * resolved object they echo into. */
#ifndef BLINDFOLD_SIM_SCENARIO_INTERNAL_H
#define BLINDFOLD_SIM_SCENARIO_INTERNAL_H

#include "sim/sim_scenario.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits, documented in docs/scenario-format.md ("Additions"). */
#define SIM__NAME_MAX        64        /* characters of a name, link name or rid */
#define SIM__PEERS_MAX       10000     /* peers after expansion */
#define SIM__LAYERS_MAX      8         /* simulcast layers */
#define SIM__SECONDS_MAX     86400.0   /* duration and every time in seconds */
#define SIM__MS_MAX          3600000.0 /* every figure in milliseconds */
#define SIM__KBPS_MAX        10000000.0
#define SIM__PATH_MAX        256
#define SIM__MESSAGE_MAX     640
#define SIM__TRACE_BYTES_MAX (64u << 20)

typedef struct sim__block sim__block_t;

/* A peer name lookup entry: an expanded name, or a group's base name. */
typedef struct sim__peer_name {
    const char *name;
    size_t first, count; /* the peers it stands for */
    size_t entry;        /* the peers[] entry that defined it */
} sim__peer_name_t;

typedef struct sim__loader {
    const char *label;    /* file name in messages */
    const char *base_dir; /* trace files are relative to it; NULL: cwd */
    char *err;
    size_t err_len;
    bool failed;
    char path[SIM__PATH_MAX]; /* JSON path of the value being read */
    size_t path_len;
    sim__block_t *arena;          /* every allocation the scenario keeps */
    sim_scenario_t *scenario;     /* filled in section by section */
    sim__peer_name_t *peer_names; /* sorted by name; arena-owned */
    size_t peer_name_count;
} sim__loader_t;

/* ---- allocation (scenario.c) --------------------------------------------- */

/* Zeroed memory for count * size bytes owned by the scenario; records "out
 * of memory" and returns NULL on failure. */
void *sim__alloc(sim__loader_t *ld, size_t count, size_t size);
char *sim__strdup(sim__loader_t *ld, const char *text);
void sim__arena_free(sim__block_t *arena);

/* ---- paths and errors (scenario_json.c) ---------------------------------- */

/* Append a key (`.key`, or `["k.y"]` when it is not a plain word) or an
 * index (`[3]`) to the path; return the length to restore with pop. */
size_t sim__path_key(sim__loader_t *ld, const char *key);
size_t sim__path_index(sim__loader_t *ld, size_t index);
void sim__path_pop(sim__loader_t *ld, size_t saved);

/* Records `LABEL: PATH: message` (the first error only) and returns false. */
bool sim__fail(sim__loader_t *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* `s` in double quotes, escaped and shortened, in buf. Returns buf. */
const char *sim__quote(char *buf, size_t len, const char *s);

/* "an object", "a string", ... for messages. */
const char *sim__type_name(const json_t *value);

/* The candidate closest to `word` (edit distance, ignoring case and
 * treating - as _), or NULL when none is close. */
const char *sim__suggest(const char *word, const char *const *candidates, size_t count);

/* Fails on the first key of `object` that is not in `allowed`. */
bool sim__check_keys(sim__loader_t *ld, const json_t *object, const char *const *allowed,
                     size_t count);

/* Checks a name against [a-z0-9-]{1,64}; `loose` also allows A-Z and _. */
bool sim__check_name(sim__loader_t *ld, const char *name, bool loose);

/* ---- typed field readers (scenario_json.c) ------------------------------- */

typedef struct sim__number_spec {
    double min, max;
    bool min_open; /* the value must be > min */
    bool required;
    bool real; /* echo as a JSON real even when integral */
    double fallback;
} sim__number_spec_t;

typedef struct sim__uint_spec {
    uint64_t min, max;
    bool required;
    uint64_t fallback;
} sim__uint_spec_t;

bool sim__number(sim__loader_t *ld, const json_t *object, json_t *out, const char *key,
                 const sim__number_spec_t *spec, double *value);
/* A number or null; `fallback_null` makes null the default. */
bool sim__number_or_null(sim__loader_t *ld, const json_t *object, json_t *out, const char *key,
                         const sim__number_spec_t *spec, bool fallback_null, double *value,
                         bool *has_value);
/* Checks one number already read (e.g. an array element) at the current path. */
bool sim__number_value(sim__loader_t *ld, const json_t *raw, const sim__number_spec_t *spec,
                       double *value);
bool sim__uint(sim__loader_t *ld, const json_t *object, json_t *out, const char *key,
               const sim__uint_spec_t *spec, uint64_t *value);
bool sim__uint_value(sim__loader_t *ld, const json_t *raw, const sim__uint_spec_t *spec,
                     uint64_t *value);
bool sim__bool(sim__loader_t *ld, const json_t *object, json_t *out, const char *key, bool fallback,
               bool *value);
/* A string; `fallback` NULL makes it required. *value points into the raw
 * JSON or at fallback: copy it with sim__strdup to keep it. */
bool sim__string(sim__loader_t *ld, const json_t *object, json_t *out, const char *key,
                 const char *fallback, const char **value);
/* A string among names[0..count); `fallback` < 0 makes it required. */
bool sim__enum(sim__loader_t *ld, const json_t *object, json_t *out, const char *key,
               const char *const *names, size_t count, int fallback, int *value);
bool sim__enum_value(sim__loader_t *ld, const json_t *raw, const char *const *names, size_t count,
                     int *value);
/* The object at `key`: NULL when absent (an empty object); fails on
 * another type. */
bool sim__object(sim__loader_t *ld, const json_t *object, const char *key, const json_t **child);

/* ---- building the resolved JSON (scenario_json.c) ------------------------ */

/* Sets out[key] = value (stolen); fails on NULL value (out of memory). */
bool sim__put(sim__loader_t *ld, json_t *out, const char *key, json_t *value);
/* A new empty object or array at out[key]; NULL when out of memory. */
json_t *sim__put_object(sim__loader_t *ld, json_t *out, const char *key);
json_t *sim__put_array(sim__loader_t *ld, json_t *out, const char *key);
bool sim__append(sim__loader_t *ld, json_t *array, json_t *value);
/* A JSON number: an integer when integral and not `real`, else a real. */
json_t *sim__number_json(double value, bool real);

/* ---- --set overrides (scenario_set.c) ------------------------------------ */

/* Applies one `JSON.PATH=VALUE` to the parsed scenario. */
bool sim__apply_set(sim__loader_t *ld, json_t *root, const char *assignment);

/* ---- sections ---------------------------------------------------------- */

bool sim__load_e2ee(sim__loader_t *ld, const json_t *root, json_t *resolved);
bool sim__load_sfu(sim__loader_t *ld, const json_t *root, json_t *resolved);
bool sim__load_media(sim__loader_t *ld, const json_t *root, json_t *resolved);
bool sim__load_links(sim__loader_t *ld, const json_t *root, json_t *resolved);
bool sim__load_peers(sim__loader_t *ld, const json_t *root, json_t *resolved);
bool sim__load_events(sim__loader_t *ld, const json_t *root, json_t *resolved);
bool sim__load_budgets(sim__loader_t *ld, const json_t *root, json_t *resolved);

/* Looks up a link by name at the current path; fails with a suggestion. */
/* A file holding one link profile (sim_scenario_load_link): fills the
 * scenario's links with "ideal" and the profile, named "link". */
bool sim__load_link_file(sim__loader_t *ld, const json_t *raw, json_t *resolved);
bool sim__find_link(sim__loader_t *ld, const char *name, size_t *index);
/* Looks up a video layer by rid at the current path. */
bool sim__find_layer(sim__loader_t *ld, const char *rid, size_t *index);
/* Looks up a peer or group name at the current path. */
bool sim__find_peer(sim__loader_t *ld, const char *name, const sim__peer_name_t **found);

#endif
