/* reports/sweep.h: parameter sweeps (docs/cli.md, "Additions: sweep").
 *
 * A sweep file names a base scenario and, for each JSON path to vary, a
 * list of values. This module expands it into its grid of variants (the
 * cartesian product in file order, last key fastest), gives each variant
 * a stable id, picks a shard's share, checks every variant against the
 * scenario loader, and merges the folders the variants ran into
 * (summary.csv and summary.html). It spawns no process: running the
 * variants is cli/cmd_sweep.c's job. */
#ifndef BLINDFOLD_REPORTS_SWEEP_H
#define BLINDFOLD_REPORTS_SWEEP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Length of a variant id: the first 12 hex digits of a SHA-256. */
#define REPORTS_SWEEP_ID_LEN 12

/* At most this many variants in one sweep. */
#define REPORTS_SWEEP_MAX_VARIANTS 1000000

typedef struct reports_sweep reports_sweep_t;

/* Loads and checks the sweep file at `path`: JSON syntax, the keys
 * (`base`, `vary`, and optional `name` and `seeds`), non-empty value lists
 * without repeats, at most REPORTS_SWEEP_MAX_VARIANTS variants. It does not
 * load the base scenario (see reports_sweep_validate()). NULL on failure,
 * with one line in err: `FILE: line L, column C: message` or
 * `FILE: KEY: message`. */
reports_sweep_t *reports_sweep_load(const char *path, char *err, size_t err_len);

/* The same on a parsed sweep object (borrowed). `label` names it in
 * messages; `dir` is the folder `base` is relative to (NULL: the current
 * one); `default_name` is the name when the object has none. */
reports_sweep_t *reports_sweep_from_json(const json_t *root, const char *label, const char *dir,
                                         const char *default_name, char *err, size_t err_len);

/* A sweep folder's sweep.json (reports_sweep_description()) read back: as
 * above, with the keys `variants` (which must match the grid) and `shard`
 * accepted. */
reports_sweep_t *reports_sweep_from_description(const json_t *root, const char *label, char *err,
                                                size_t err_len);

/* Frees a sweep; accepts NULL. */
void reports_sweep_free(reports_sweep_t *sweep);

const char *reports_sweep_name(const reports_sweep_t *sweep);
/* `base` as written in the file. */
const char *reports_sweep_base(const reports_sweep_t *sweep);
/* The base scenario's path resolved against the sweep file's folder, or
 * NULL for "default" (the built-in default scenario). */
const char *reports_sweep_base_path(const reports_sweep_t *sweep);
/* The varied paths and their values, in file order, with `seeds` folded in
 * as a last dimension "seed". Borrowed. */
const json_t *reports_sweep_vary(const reports_sweep_t *sweep);
size_t reports_sweep_dimension_count(const reports_sweep_t *sweep);
const char *reports_sweep_dimension_path(const reports_sweep_t *sweep, size_t dimension);
size_t reports_sweep_variant_count(const reports_sweep_t *sweep);

/* Variant `index`'s id: REPORTS_SWEEP_ID_LEN lowercase hex digits.
 * Borrowed; index must be below the variant count. */
const char *reports_sweep_variant_id(const reports_sweep_t *sweep, size_t index);

/* Variant `index`'s position in dimension `dimension`'s value list. */
size_t reports_sweep_value_index(const reports_sweep_t *sweep, size_t index, size_t dimension);

/* Variant `index`'s assignment {"path": value, ...}, keys in vary order.
 * A new reference; NULL when out of memory. */
json_t *reports_sweep_assignment(const reports_sweep_t *sweep, size_t index);

/* Variant `index` as `--set` arguments "PATH=VALUE", one per dimension in
 * vary order, VALUE as canonical JSON. `sets` gets dimension_count
 * malloc'd strings; free them with reports_sweep_free_sets(). False when
 * out of memory (nothing to free then). */
bool reports_sweep_variant_sets(const reports_sweep_t *sweep, size_t index, char **sets);
void reports_sweep_free_sets(char **sets, size_t count);

/* The index of the variant with this id, or -1. */
long reports_sweep_find_id(const reports_sweep_t *sweep, const char *id);

/* Loads the base scenario with every variant's overrides, as `blindfold
 * check --set` does, and stops at the first that fails: false, with the
 * loader's line (`FILE: JSON.PATH: message`) and the variant in err. */
bool reports_sweep_validate(const reports_sweep_t *sweep, char *err, size_t err_len);

/* What sweep.json holds: name, base (as written), vary, the number of
 * variants and the shard {"k": K, "n": N}. A new reference. */
json_t *reports_sweep_description(const reports_sweep_t *sweep, unsigned shard_k, unsigned shard_n);

/* Whether two sweeps are the same grid: same name, same vary (keys in the
 * same order, the same values), same number of variants. */
bool reports_sweep_same(const reports_sweep_t *a, const reports_sweep_t *b);

/* --- Ids, shards and canonical JSON --------------------------------------- */

/* The canonical compact JSON text of `value`: no spaces, object keys sorted
 * bytewise, strings escaped as jansson does, integers as integers and
 * reals in the shortest form that reads back to the same double (0.05
 * stays "0.05", 1e-05 is "1e-5", 2.0 is "2.0"). malloc'd; NULL when out
 * of memory. */
char *reports_sweep_canonical_json(const json_t *value);

/* The id of an assignment object: the first 12 hex digits (lowercase) of
 * SHA-256 over its canonical JSON; so independent of key order. `id` gets
 * REPORTS_SWEEP_ID_LEN + 1 bytes. False when out of memory or OpenSSL
 * fails. */
bool reports_sweep_assignment_id(const json_t *assignment, char *id);

/* Parses "K/N", decimal, 1 <= K <= N <= 1000000. False on anything else. */
bool reports_sweep_parse_shard(const char *text, unsigned *k, unsigned *n);

/* Whether variant `index` belongs to shard K of N: index % N == K - 1. */
bool reports_sweep_in_shard(size_t index, unsigned k, unsigned n);

/* --- Merging -------------------------------------------------------------- */

typedef enum reports_sweep_merge_status {
    REPORTS_SWEEP_MERGE_OK,        /* every variant has a result */
    REPORTS_SWEEP_MERGE_MISSING,   /* files written; some variants have no result */
    REPORTS_SWEEP_MERGE_BAD_INPUT, /* folders of different sweeps, not sweep folders, clashing
                                      copies */
    REPORTS_SWEEP_MERGE_IO_ERROR,  /* an output file could not be written */
} reports_sweep_merge_status_t;

/* Merges the sweep folders dirs[0..n_dirs) into out_dir/summary.csv and
 * out_dir/summary.html (out_dir is created when missing). *missing gets
 * the number of variants without a result. On BAD_INPUT and IO_ERROR, err
 * holds one line naming the folders or the file. */
reports_sweep_merge_status_t reports_sweep_merge(const char *const *dirs, size_t n_dirs,
                                                 const char *out_dir, size_t *missing, char *err,
                                                 size_t err_len);

#endif
