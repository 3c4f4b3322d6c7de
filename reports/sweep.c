/* reports/sweep.c: a sweep file and its grid of variants (reports/sweep.h).
 *
 * The file is {"base": ..., "vary": {PATH: [VALUES], ...}} with optional
 * "name" and "seeds". The grid is the cartesian product of the value lists
 * in the order the keys appear (jansson keeps it), the last key varying
 * fastest; variant i's value in dimension d is list_d[(i / stride_d) %
 * len_d], stride_d being the product of the later lists' lengths.
 *
 * A variant's id depends on its assignment alone, never on its position,
 * the shard or the machine: SHA-256 over the canonical JSON of the
 * assignment object (keys sorted, reals in their shortest round-trip form,
 * see reports_sweep_canonical_json()), first 12 hex digits. */
#include "reports/sweep_internal.h"
#include "sim/sim_scenario.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SWEEP_NAME_MAX 128

struct reports_sweep {
    char *name;
    char *base;      /* as written */
    char *base_path; /* resolved; NULL for "default" */
    json_t *vary;    /* path -> array, file order, seeds folded in */
    size_t dimensions;
    const char **paths;   /* borrowed from vary's keys */
    const json_t **lists; /* borrowed from vary */
    size_t *strides;
    size_t variants;
    char (*ids)[REPORTS_SWEEP_ID_LEN + 1];
    size_t *ids_sorted; /* variant indices ordered by id, for lookups */
};

/* --- Canonical JSON -------------------------------------------------------- */

typedef struct text_buf {
    char *bytes;
    size_t len, cap;
    bool failed;
} text_buf_t;

static void buf_add(text_buf_t *b, const char *text, size_t len)
{
    if (b->failed)
        return;
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 64;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *bigger = realloc(b->bytes, cap);
        if (bigger == NULL) {
            b->failed = true;
            return;
        }
        b->bytes = bigger;
        b->cap = cap;
    }
    memcpy(b->bytes + b->len, text, len);
    b->len += len;
    b->bytes[b->len] = '\0';
}

static void buf_str(text_buf_t *b, const char *text)
{
    buf_add(b, text, strlen(text));
}

void reports__sweep_format_real(double value, char *text, size_t text_len)
{
    /* The fewest significant digits that read back to the same double, but
     * at least enough to write the integer part without an exponent (30.0,
     * not 3e1) while it has at most 17 digits. */
    int digits = 1;
    for (; digits < 17; digits++) {
        snprintf(text, text_len, "%.*g", digits, value);
        if (strtod(text, NULL) == value)
            break;
    }
    char scientific[64];
    snprintf(scientific, sizeof(scientific), "%.16e", value);
    const char *mark = strchr(scientific, 'e');
    long power = mark != NULL ? strtol(mark + 1, NULL, 10) : 0;
    if (power >= digits && power < 17)
        digits = (int)power + 1;
    snprintf(text, text_len, "%.*g", digits, value);
    /* As jansson: no '+' and no leading zeros in the exponent, and a real
     * that looks like an integer keeps a ".0". */
    char *e = strchr(text, 'e');
    if (e != NULL) {
        char *exponent = e + 1;
        if (*exponent == '+')
            memmove(exponent, exponent + 1, strlen(exponent));
        else if (*exponent == '-')
            exponent++;
        while (exponent[0] == '0' && exponent[1] != '\0')
            memmove(exponent, exponent + 1, strlen(exponent));
    } else if (strchr(text, '.') == NULL && strchr(text, 'n') == NULL &&
               strchr(text, 'i') == NULL) {
        size_t len = strlen(text);
        if (len + 3 <= text_len)
            memcpy(text + len, ".0", 3);
    }
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void canonical(text_buf_t *b, const json_t *value)
{
    char text[64];
    switch (json_typeof(value)) {
    case JSON_OBJECT: {
        size_t count = json_object_size(value);
        const char **keys = calloc(count + 1, sizeof(*keys));
        if (keys == NULL) {
            b->failed = true;
            return;
        }
        size_t n = 0;
        const char *key;
        json_t *member;
        json_object_foreach((json_t *)value, key, member) keys[n++] = key;
        qsort(keys, n, sizeof(*keys), compare_keys);
        buf_str(b, "{");
        for (size_t i = 0; i < n; i++) {
            json_t *key_json = json_string(keys[i]);
            if (key_json == NULL) {
                b->failed = true;
                break;
            }
            if (i > 0)
                buf_str(b, ",");
            canonical(b, key_json);
            json_decref(key_json);
            buf_str(b, ":");
            canonical(b, json_object_get(value, keys[i]));
        }
        buf_str(b, "}");
        free(keys);
        return;
    }
    case JSON_ARRAY:
        buf_str(b, "[");
        for (size_t i = 0; i < json_array_size(value); i++) {
            if (i > 0)
                buf_str(b, ",");
            canonical(b, json_array_get(value, i));
        }
        buf_str(b, "]");
        return;
    case JSON_STRING: {
        char *quoted = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
        if (quoted == NULL) {
            b->failed = true;
            return;
        }
        buf_str(b, quoted);
        free(quoted);
        return;
    }
    case JSON_INTEGER:
        snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        buf_str(b, text);
        return;
    case JSON_REAL:
        reports__sweep_format_real(json_real_value(value), text, sizeof(text));
        buf_str(b, text);
        return;
    case JSON_TRUE:
        buf_str(b, "true");
        return;
    case JSON_FALSE:
        buf_str(b, "false");
        return;
    case JSON_NULL:
        buf_str(b, "null");
        return;
    }
}

char *reports_sweep_canonical_json(const json_t *value)
{
    text_buf_t b = { 0 };
    canonical(&b, value);
    buf_add(&b, "", 0);
    if (b.failed) {
        free(b.bytes);
        return NULL;
    }
    return b.bytes;
}

bool reports_sweep_assignment_id(const json_t *assignment, char *id)
{
    char *text = reports_sweep_canonical_json(assignment);
    if (text == NULL)
        return false;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    bool ok = EVP_Digest(text, strlen(text), digest, &digest_len, EVP_sha256(), NULL) == 1 &&
              digest_len * 2 >= REPORTS_SWEEP_ID_LEN;
    free(text);
    if (!ok)
        return false;
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < REPORTS_SWEEP_ID_LEN / 2; i++) {
        id[2 * i] = hex[digest[i] >> 4];
        id[2 * i + 1] = hex[digest[i] & 0x0f];
    }
    id[REPORTS_SWEEP_ID_LEN] = '\0';
    return true;
}

/* --- Shards ------------------------------------------------------------------ */

static bool parse_small_uint(const char *text, size_t len, unsigned *out)
{
    if (len == 0 || len > 7)
        return false;
    unsigned value = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (unsigned)(text[i] - '0');
    }
    *out = value;
    return true;
}

bool reports_sweep_parse_shard(const char *text, unsigned *k, unsigned *n)
{
    if (text == NULL)
        return false;
    const char *slash = strchr(text, '/');
    if (slash == NULL)
        return false;
    unsigned kk, nn;
    if (!parse_small_uint(text, (size_t)(slash - text), &kk) ||
        !parse_small_uint(slash + 1, strlen(slash + 1), &nn))
        return false;
    if (kk < 1 || nn > 1000000 || kk > nn)
        return false;
    *k = kk;
    *n = nn;
    return true;
}

bool reports_sweep_in_shard(size_t index, unsigned k, unsigned n)
{
    return n > 0 && index % n == (size_t)k - 1;
}

/* --- Loading ----------------------------------------------------------------- */

static void fail(char *err, size_t err_len, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(char *err, size_t err_len, const char *format, ...)
{
    if (err == NULL || err_len == 0)
        return;
    va_list args;
    va_start(args, format);
    vsnprintf(err, err_len, format, args);
    va_end(args);
}

void reports_sweep_free(reports_sweep_t *sweep)
{
    if (sweep == NULL)
        return;
    free(sweep->name);
    free(sweep->base);
    free(sweep->base_path);
    json_decref(sweep->vary);
    free(sweep->paths);
    free(sweep->lists);
    free(sweep->strides);
    free(sweep->ids);
    free(sweep->ids_sorted);
    free(sweep);
}

/* Two values of one list are the same setting: equal canonical text, or
 * numbers with the same value (0 and 0.0). */
static bool same_value(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    return json_equal((json_t *)a, (json_t *)b) != 0;
}

static bool check_list(const char *label, const char *key, const json_t *list, char *err,
                       size_t err_len)
{
    if (!json_is_array(list)) {
        fail(err, err_len, "%s: vary: \"%s\": expected a list of values", label, key);
        return false;
    }
    if (json_array_size(list) == 0) {
        fail(err, err_len, "%s: vary: \"%s\": empty list", label, key);
        return false;
    }
    for (size_t i = 0; i < json_array_size(list); i++)
        for (size_t j = 0; j < i; j++)
            if (same_value(json_array_get(list, i), json_array_get(list, j))) {
                char *text = reports_sweep_canonical_json(json_array_get(list, i));
                fail(err, err_len, "%s: vary: \"%s\": value %s listed twice ([%zu] and [%zu])",
                     label, key, text != NULL ? text : "?", j, i);
                free(text);
                return false;
            }
    return true;
}

/* Folds `vary` (and `seeds` as a last "seed" dimension) into sweep->vary. */
static bool read_vary(reports_sweep_t *sweep, const json_t *vary, const json_t *seeds,
                      const char *label, char *err, size_t err_len)
{
    if (!json_is_object(vary)) {
        fail(err, err_len, "%s: vary: expected an object {\"JSON.PATH\": [values], ...}", label);
        return false;
    }
    if (json_object_size(vary) == 0 && seeds == NULL) {
        fail(err, err_len, "%s: vary: empty, nothing to sweep", label);
        return false;
    }
    sweep->vary = json_object();
    if (sweep->vary == NULL)
        goto oom;
    const char *key;
    json_t *list;
    json_object_foreach((json_t *)vary, key, list)
    {
        if (key[0] == '\0' || strchr(key, '=') != NULL) {
            fail(err, err_len, "%s: vary: \"%s\": a JSON.PATH cannot be empty or hold '='", label,
                 key);
            return false;
        }
        if (!check_list(label, key, list, err, err_len))
            return false;
        if (json_object_set(sweep->vary, key, list) != 0)
            goto oom;
    }
    if (seeds != NULL) {
        if (json_object_get(vary, "seed") != NULL) {
            fail(err, err_len, "%s: seeds: vary has \"seed\" already; give one of them", label);
            return false;
        }
        if (!json_is_array(seeds) || json_array_size(seeds) == 0) {
            fail(err, err_len, "%s: seeds: expected a non-empty list of seeds", label);
            return false;
        }
        if (!check_list(label, "seed", seeds, err, err_len))
            return false;
        if (json_object_set(sweep->vary, "seed", (json_t *)seeds) != 0)
            goto oom;
    }
    return true;
oom:
    fail(err, err_len, "%s: out of memory", label);
    return false;
}

static int compare_ids_ctx(const reports_sweep_t *sweep, size_t a, size_t b)
{
    return strcmp(sweep->ids[a], sweep->ids[b]);
}

/* qsort has no context argument: sort indices by id with a small merge
 * sort instead. */
static void sort_ids(const reports_sweep_t *sweep, size_t *items, size_t *scratch, size_t count)
{
    if (count < 2)
        return;
    size_t half = count / 2;
    sort_ids(sweep, items, scratch, half);
    sort_ids(sweep, items + half, scratch, count - half);
    size_t i = 0, j = half, k = 0;
    while (i < half && j < count)
        scratch[k++] = compare_ids_ctx(sweep, items[i], items[j]) <= 0 ? items[i++] : items[j++];
    while (i < half)
        scratch[k++] = items[i++];
    while (j < count)
        scratch[k++] = items[j++];
    memcpy(items, scratch, count * sizeof(*items));
}

/* The grid: strides, ids, and the id index; ids must be unique. */
static bool build_grid(reports_sweep_t *sweep, const char *label, char *err, size_t err_len)
{
    size_t dims = json_object_size(sweep->vary);
    sweep->dimensions = dims;
    sweep->paths = calloc(dims + 1, sizeof(*sweep->paths));
    sweep->lists = calloc(dims + 1, sizeof(*sweep->lists));
    sweep->strides = calloc(dims + 1, sizeof(*sweep->strides));
    if (sweep->paths == NULL || sweep->lists == NULL || sweep->strides == NULL)
        goto oom;
    size_t d = 0;
    const char *key;
    json_t *list;
    json_object_foreach(sweep->vary, key, list)
    {
        sweep->paths[d] = key;
        sweep->lists[d] = list;
        d++;
    }
    size_t total = 1;
    for (size_t back = dims; back > 0; back--) {
        sweep->strides[back - 1] = total;
        size_t len = json_array_size(sweep->lists[back - 1]);
        if (total > REPORTS_SWEEP_MAX_VARIANTS / len) {
            fail(err, err_len, "%s: vary: more than %d variants", label,
                 REPORTS_SWEEP_MAX_VARIANTS);
            return false;
        }
        total *= len;
    }
    sweep->variants = total;
    sweep->ids = calloc(total, sizeof(*sweep->ids));
    sweep->ids_sorted = calloc(total, sizeof(*sweep->ids_sorted));
    size_t *scratch = calloc(total, sizeof(*scratch));
    if (sweep->ids == NULL || sweep->ids_sorted == NULL || scratch == NULL) {
        free(scratch);
        goto oom;
    }
    for (size_t i = 0; i < total; i++) {
        json_t *assignment = reports_sweep_assignment(sweep, i);
        bool ok = assignment != NULL && reports_sweep_assignment_id(assignment, sweep->ids[i]);
        json_decref(assignment);
        if (!ok) {
            free(scratch);
            goto oom;
        }
        sweep->ids_sorted[i] = i;
    }
    sort_ids(sweep, sweep->ids_sorted, scratch, total);
    free(scratch);
    for (size_t i = 1; i < total; i++)
        if (strcmp(sweep->ids[sweep->ids_sorted[i - 1]], sweep->ids[sweep->ids_sorted[i]]) == 0) {
            fail(err, err_len, "%s: variants %zu and %zu have the same id %s", label,
                 sweep->ids_sorted[i - 1], sweep->ids_sorted[i], sweep->ids[sweep->ids_sorted[i]]);
            return false;
        }
    return true;
oom:
    fail(err, err_len, "%s: out of memory", label);
    return false;
}

char *reports__sweep_dup(const char *text)
{
    size_t len = strlen(text) + 1;
    char *copy = malloc(len);
    if (copy != NULL)
        memcpy(copy, text, len);
    return copy;
}

static bool valid_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > SWEEP_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

static bool resolve_base(reports_sweep_t *sweep, const char *dir)
{
    if (strcmp(sweep->base, "default") == 0)
        return true;
    if (sweep->base[0] == '/' || dir == NULL || dir[0] == '\0')
        sweep->base_path = reports__sweep_dup(sweep->base);
    else {
        size_t len = strlen(dir) + strlen(sweep->base) + 2;
        sweep->base_path = malloc(len);
        if (sweep->base_path != NULL)
            snprintf(sweep->base_path, len, "%s/%s", dir, sweep->base);
    }
    return sweep->base_path != NULL;
}

/* A sweep file, or (`description`) a sweep.json with its added keys. */
static reports_sweep_t *from_json(const json_t *root, const char *label, const char *dir,
                                  const char *default_name, bool description, char *err,
                                  size_t err_len)
{
    static const char *const known[] = { "base", "vary", "name", "seeds", "variants", "shard" };
    size_t n_known = description ? 6 : 4;
    if (!json_is_object(root)) {
        fail(err, err_len, "%s: expected an object {\"base\": ..., \"vary\": {...}}", label);
        return NULL;
    }
    const char *key;
    json_t *member;
    json_object_foreach((json_t *)root, key, member)
    {
        bool found = false;
        for (size_t i = 0; i < n_known; i++)
            found = found || strcmp(key, known[i]) == 0;
        if (!found) {
            fail(err, err_len,
                 "%s: %s: unknown key (expected base, vary, and optionally name, seeds)", label,
                 key);
            return NULL;
        }
    }
    const json_t *base = json_object_get(root, "base");
    const json_t *name = json_object_get(root, "name");
    if (base == NULL || !json_is_string(base) || json_string_length(base) == 0) {
        fail(err, err_len, "%s: base: %s", label,
             base == NULL ? "missing (a scenario file, or \"default\")"
                          : "expected a scenario file name, or \"default\"");
        return NULL;
    }
    if (json_object_get(root, "vary") == NULL) {
        fail(err, err_len, "%s: vary: missing", label);
        return NULL;
    }
    if (name != NULL && (!json_is_string(name) || !valid_name(json_string_value(name)))) {
        fail(err, err_len, "%s: name: expected 1 to %d characters of [A-Za-z0-9._-]", label,
             SWEEP_NAME_MAX);
        return NULL;
    }
    const char *name_text = name != NULL ? json_string_value(name) : default_name;
    if (name_text == NULL || !valid_name(name_text)) {
        fail(err, err_len, "%s: name: the file name is not a usable sweep name; give \"name\"",
             label);
        return NULL;
    }
    reports_sweep_t *sweep = calloc(1, sizeof(*sweep));
    if (sweep == NULL) {
        fail(err, err_len, "%s: out of memory", label);
        return NULL;
    }
    sweep->name = reports__sweep_dup(name_text);
    sweep->base = reports__sweep_dup(json_string_value(base));
    if (sweep->name == NULL || sweep->base == NULL || !resolve_base(sweep, dir)) {
        fail(err, err_len, "%s: out of memory", label);
        goto fail;
    }
    if (!read_vary(sweep, json_object_get(root, "vary"), json_object_get(root, "seeds"), label, err,
                   err_len) ||
        !build_grid(sweep, label, err, err_len))
        goto fail;
    return sweep;
fail:
    reports_sweep_free(sweep);
    return NULL;
}

reports_sweep_t *reports_sweep_from_json(const json_t *root, const char *label, const char *dir,
                                         const char *default_name, char *err, size_t err_len)
{
    return from_json(root, label, dir, default_name, false, err, err_len);
}

reports_sweep_t *reports_sweep_from_description(const json_t *root, const char *label, char *err,
                                                size_t err_len)
{
    const json_t *variants = json_object_get(root, "variants");
    reports_sweep_t *sweep = from_json(root, label, NULL, NULL, true, err, err_len);
    if (sweep != NULL && (!json_is_integer(variants) ||
                          json_integer_value(variants) != (json_int_t)sweep->variants)) {
        fail(err, err_len, "%s: variants: does not match the grid of vary (%zu variants)", label,
             sweep->variants);
        reports_sweep_free(sweep);
        return NULL;
    }
    return sweep;
}

reports_sweep_t *reports_sweep_load(const char *path, char *err, size_t err_len)
{
    json_error_t error;
    json_t *root = json_load_file(path, JSON_PRESERVE_ORDER | JSON_REJECT_DUPLICATES, &error);
    if (root == NULL) {
        if (error.line <= 0)
            fail(err, err_len, "%s: %s", path, error.text);
        else
            fail(err, err_len, "%s: line %d, column %d: %s", path, error.line, error.column,
                 error.text);
        return NULL;
    }
    /* The folder `base` is relative to, and the default name: the file's
     * name without its folder and its last extension. */
    char *dir = reports__sweep_dup(path);
    char *name = NULL;
    reports_sweep_t *sweep = NULL;
    if (dir == NULL) {
        fail(err, err_len, "%s: out of memory", path);
        goto done;
    }
    char *slash = strrchr(dir, '/');
    const char *file_part = slash != NULL ? slash + 1 : dir;
    name = reports__sweep_dup(file_part);
    if (name == NULL) {
        fail(err, err_len, "%s: out of memory", path);
        goto done;
    }
    char *dot = strrchr(name, '.');
    if (dot != NULL && dot != name)
        *dot = '\0';
    if (slash != NULL)
        slash[slash == dir ? 1 : 0] = '\0';
    else
        dir[0] = '\0';
    sweep = from_json(root, path, dir, name, false, err, err_len);
done:
    free(dir);
    free(name);
    json_decref(root);
    return sweep;
}

/* --- Accessors --------------------------------------------------------------- */

const char *reports_sweep_name(const reports_sweep_t *sweep)
{
    return sweep->name;
}

const char *reports_sweep_base(const reports_sweep_t *sweep)
{
    return sweep->base;
}

const char *reports_sweep_base_path(const reports_sweep_t *sweep)
{
    return sweep->base_path;
}

const json_t *reports_sweep_vary(const reports_sweep_t *sweep)
{
    return sweep->vary;
}

size_t reports_sweep_dimension_count(const reports_sweep_t *sweep)
{
    return sweep->dimensions;
}

const char *reports_sweep_dimension_path(const reports_sweep_t *sweep, size_t dimension)
{
    return sweep->paths[dimension];
}

size_t reports_sweep_variant_count(const reports_sweep_t *sweep)
{
    return sweep->variants;
}

const char *reports_sweep_variant_id(const reports_sweep_t *sweep, size_t index)
{
    return sweep->ids[index];
}

size_t reports_sweep_value_index(const reports_sweep_t *sweep, size_t index, size_t dimension)
{
    return (index / sweep->strides[dimension]) % json_array_size(sweep->lists[dimension]);
}

json_t *reports_sweep_assignment(const reports_sweep_t *sweep, size_t index)
{
    json_t *assignment = json_object();
    for (size_t d = 0; assignment != NULL && d < sweep->dimensions; d++) {
        json_t *value = json_array_get(sweep->lists[d], reports_sweep_value_index(sweep, index, d));
        if (json_object_set(assignment, sweep->paths[d], value) != 0) {
            json_decref(assignment);
            assignment = NULL;
        }
    }
    return assignment;
}

void reports_sweep_free_sets(char **sets, size_t count)
{
    for (size_t i = 0; sets != NULL && i < count; i++) {
        free(sets[i]);
        sets[i] = NULL;
    }
}

bool reports_sweep_variant_sets(const reports_sweep_t *sweep, size_t index, char **sets)
{
    for (size_t d = 0; d < sweep->dimensions; d++) {
        json_t *value = json_array_get(sweep->lists[d], reports_sweep_value_index(sweep, index, d));
        char *text = reports_sweep_canonical_json(value);
        size_t len = text != NULL ? strlen(sweep->paths[d]) + strlen(text) + 2 : 0;
        sets[d] = text != NULL ? malloc(len) : NULL;
        if (sets[d] == NULL) {
            free(text);
            reports_sweep_free_sets(sets, d);
            return false;
        }
        snprintf(sets[d], len, "%s=%s", sweep->paths[d], text);
        free(text);
    }
    return true;
}

char *reports__sweep_value_text(const reports_sweep_t *sweep, size_t index, size_t dimension)
{
    const json_t *value =
        json_array_get(sweep->lists[dimension], reports_sweep_value_index(sweep, index, dimension));
    if (json_is_string(value))
        return reports__sweep_dup(json_string_value(value));
    return reports_sweep_canonical_json(value);
}

long reports_sweep_find_id(const reports_sweep_t *sweep, const char *id)
{
    size_t low = 0, high = sweep->variants;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        int cmp = strcmp(sweep->ids[sweep->ids_sorted[mid]], id);
        if (cmp == 0)
            return (long)sweep->ids_sorted[mid];
        if (cmp < 0)
            low = mid + 1;
        else
            high = mid;
    }
    return -1;
}

bool reports_sweep_validate(const reports_sweep_t *sweep, char *err, size_t err_len)
{
    char **sets = calloc(sweep->dimensions + 1, sizeof(*sets));
    if (sets == NULL) {
        fail(err, err_len, "out of memory");
        return false;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < sweep->variants; i++) {
        if (!reports_sweep_variant_sets(sweep, i, sets)) {
            fail(err, err_len, "out of memory");
            ok = false;
            break;
        }
        char line[1024] = "";
        const char *const *set_list = (const char *const *)sets;
        sim_scenario_t *scenario =
            sweep->base_path != NULL
                ? sim_scenario_load(sweep->base_path, set_list, sweep->dimensions, line,
                                    sizeof(line))
                : sim_scenario_builtin_default(set_list, sweep->dimensions, line, sizeof(line));
        if (scenario == NULL) {
            fail(err, err_len, "%s (variant %zu, %s)", line, i, sweep->ids[i]);
            ok = false;
        }
        sim_scenario_free(scenario);
        reports_sweep_free_sets(sets, sweep->dimensions);
    }
    free(sets);
    return ok;
}

json_t *reports_sweep_description(const reports_sweep_t *sweep, unsigned shard_k, unsigned shard_n)
{
    return json_pack("{s:s, s:s, s:O, s:I, s:{s:I, s:I}}", "name", sweep->name, "base", sweep->base,
                     "vary", sweep->vary, "variants", (json_int_t)sweep->variants, "shard", "k",
                     (json_int_t)shard_k, "n", (json_int_t)shard_n);
}

bool reports_sweep_same(const reports_sweep_t *a, const reports_sweep_t *b)
{
    if (strcmp(a->name, b->name) != 0 || a->variants != b->variants ||
        a->dimensions != b->dimensions)
        return false;
    for (size_t d = 0; d < a->dimensions; d++) {
        if (strcmp(a->paths[d], b->paths[d]) != 0)
            return false;
        char *ta = reports_sweep_canonical_json(a->lists[d]);
        char *tb = reports_sweep_canonical_json(b->lists[d]);
        bool same = ta != NULL && tb != NULL && strcmp(ta, tb) == 0;
        free(ta);
        free(tb);
        if (!same)
            return false;
    }
    return true;
}
