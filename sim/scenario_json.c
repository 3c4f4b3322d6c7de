/* The scenario loader's JSON toolkit: the JSON path of the value being
 * read (`peers[2].uplink`, `links["a b"]`), first-error-wins messages of
 * the form `FILE: PATH: message` on one line, "did you mean" suggestions,
 * and typed field readers. A reader looks a key up, checks its type and
 * range, applies the default when it is absent and echoes the resulting
 * value into the resolved JSON, so the resolved scenario can never disagree
 * with the typed one.
 *
 * Suggestions use the optimal-string-alignment edit distance (Levenshtein
 * plus adjacent transpositions), ignoring case and treating '-' as '_'. A
 * candidate is suggested when it is within a quarter of the longer word's
 * length (at least 1, and less than half of it), or when the word is a
 * prefix of it of 3 characters or more ("delay" -> "delay_ms"). */
#include "sim/scenario_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- paths --------------------------------------------------------------- */

static bool is_plain_key(const char *key)
{
    if (*key == '\0')
        return false;
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

static void path_append(sim__loader_t *ld, const char *text)
{
    size_t room = sizeof ld->path - ld->path_len;
    int n = snprintf(ld->path + ld->path_len, room, "%s", text);
    ld->path_len += (n > 0 && (size_t)n < room) ? (size_t)n : room - 1;
}

size_t sim__path_key(sim__loader_t *ld, const char *key)
{
    size_t saved = ld->path_len;
    if (is_plain_key(key)) {
        if (ld->path_len > 0)
            path_append(ld, ".");
        path_append(ld, key);
    } else {
        char quoted[96];
        path_append(ld, "[");
        path_append(ld, sim__quote(quoted, sizeof quoted, key));
        path_append(ld, "]");
    }
    return saved;
}

size_t sim__path_index(sim__loader_t *ld, size_t index)
{
    size_t saved = ld->path_len;
    char text[32];
    snprintf(text, sizeof text, "[%zu]", index);
    path_append(ld, text);
    return saved;
}

void sim__path_pop(sim__loader_t *ld, size_t saved)
{
    ld->path_len = saved;
    ld->path[saved] = '\0';
}

/* ---- errors ------------------------------------------------------------ */

bool sim__fail(sim__loader_t *ld, const char *fmt, ...)
{
    if (ld->failed)
        return false;
    ld->failed = true;
    if (ld->err == NULL || ld->err_len == 0)
        return false;
    char message[SIM__MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (ld->path_len > 0)
        snprintf(ld->err, ld->err_len, "%s: %s: %s", ld->label, ld->path, message);
    else
        snprintf(ld->err, ld->err_len, "%s: %s", ld->label, message);
    /* One line, whatever the file name or a quoted value holds. */
    for (char *p = ld->err; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return false;
}

const char *sim__quote(char *buf, size_t len, const char *s)
{
    if (len < 8) {
        if (len > 0)
            buf[0] = '\0';
        return buf;
    }
    /* Opening quote, content, "...", closing quote and NUL fit in len. */
    const size_t limit = len - 6;
    size_t at = 0, content = 0;
    const unsigned char *p = (const unsigned char *)s;
    buf[at++] = '"';
    for (; *p; p++) {
        size_t need = (*p == '"' || *p == '\\') ? 2 : 1;
        if (content + need > limit)
            break;
        if (need == 2)
            buf[at++] = '\\';
        buf[at++] = *p < 0x20 ? '?' : (char)*p;
        content += need;
    }
    if (*p != '\0') {
        memcpy(buf + at, "...", 3);
        at += 3;
    }
    buf[at++] = '"';
    buf[at] = '\0';
    return buf;
}

const char *sim__type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

/* ---- suggestions --------------------------------------------------------- */

static char fold(char c)
{
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    return c == '-' ? '_' : c;
}

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Optimal string alignment distance of two strings of at most
 * SIM__NAME_MAX characters, over three rolling rows. */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t rows[3][SIM__NAME_MAX + 1];
    size_t *before = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t cost = fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1;
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) &&
                fold(a[i - 2]) == fold(b[j - 1]) && before[j - 2] + 1 < cur[j])
                cur[j] = before[j - 2] + 1;
        }
        size_t *spare = before;
        before = prev;
        prev = cur;
        cur = spare;
    }
    return prev[nb];
}

static bool folded_prefix(const char *word, size_t n, const char *candidate)
{
    for (size_t i = 0; i < n; i++)
        if (candidate[i] == '\0' || fold(word[i]) != fold(candidate[i]))
            return false;
    return true;
}

const char *sim__suggest(const char *word, const char *const *candidates, size_t count)
{
    size_t n = strlen(word);
    if (n == 0 || n > SIM__NAME_MAX)
        return NULL;
    const char *best = NULL;
    size_t best_distance = SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
        size_t m = strlen(candidates[i]);
        if (m > SIM__NAME_MAX)
            continue;
        size_t longer = n > m ? n : m;
        size_t distance = edit_distance(word, n, candidates[i], m);
        size_t limit = longer / 4 > 0 ? longer / 4 : 1;
        bool close = distance <= limit && 2 * distance < longer;
        bool prefix = n >= 3 && folded_prefix(word, n, candidates[i]);
        if ((close || prefix) && distance < best_distance) {
            best = candidates[i];
            best_distance = distance;
        }
    }
    return best;
}

/* ---- keys and names ----------------------------------------------------- */

static bool key_allowed(const char *key, const char *const *allowed, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(key, allowed[i]) == 0)
            return true;
    return false;
}

static void list_names(char *out, size_t len, const char *const *names, size_t count)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count && at < len; i++) {
        int n = snprintf(out + at, len - at, "%s\"%s\"", i ? ", " : "", names[i]);
        if (n < 0)
            break;
        at += (size_t)n;
    }
}

bool sim__check_keys(sim__loader_t *ld, const json_t *object, const char *const *allowed,
                     size_t count)
{
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)object, key, value)
    {
        if (key_allowed(key, allowed, count))
            continue;
        sim__path_key(ld, key);
        const char *suggestion = sim__suggest(key, allowed, count);
        if (suggestion != NULL)
            return sim__fail(ld, "unknown key (did you mean \"%s\"?)", suggestion);
        char known[400];
        list_names(known, sizeof known, allowed, count);
        return sim__fail(ld, "unknown key (known keys here: %s)", known);
    }
    return true;
}

bool sim__check_name(sim__loader_t *ld, const char *name, bool loose)
{
    size_t n = strlen(name);
    bool ok = n > 0 && n <= SIM__NAME_MAX;
    for (const char *p = name; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
             (loose && ((*p >= 'A' && *p <= 'Z') || *p == '_'));
    if (ok)
        return true;
    char quoted[96];
    return sim__fail(ld, "%s is not a valid name: use 1 to %d characters of %s",
                     sim__quote(quoted, sizeof quoted, name), SIM__NAME_MAX,
                     loose ? "a-z, A-Z, 0-9, _ and -" : "a-z, 0-9 and -");
}

/* ---- typed values ------------------------------------------------------ */

static bool in_range(double v, const sim__number_spec_t *spec)
{
    bool above = spec->min_open ? v > spec->min : v >= spec->min;
    return above && v <= spec->max;
}

bool sim__number_value(sim__loader_t *ld, const json_t *raw, const sim__number_spec_t *spec,
                       double *value)
{
    if (!json_is_number(raw))
        return sim__fail(ld, "expected a number, got %s", sim__type_name(raw));
    double v = json_number_value(raw);
    if (!in_range(v, spec))
        return sim__fail(ld, "%.15g is out of range %s%.15g, %.15g]", v, spec->min_open ? "(" : "[",
                         spec->min, spec->max);
    *value = v;
    return true;
}

bool sim__uint_value(sim__loader_t *ld, const json_t *raw, const sim__uint_spec_t *spec,
                     uint64_t *value)
{
    uint64_t v;
    if (json_is_integer(raw)) {
        json_int_t i = json_integer_value(raw);
        if (i < 0)
            return sim__fail(ld, "%lld is out of range [%llu, %llu]", (long long)i,
                             (unsigned long long)spec->min, (unsigned long long)spec->max);
        v = (uint64_t)i;
    } else if (json_is_real(raw) && json_real_value(raw) >= 0 &&
               json_real_value(raw) <= 9007199254740992.0 &&
               floor(json_real_value(raw)) == json_real_value(raw)) {
        v = (uint64_t)json_real_value(raw);
    } else if (json_is_real(raw) && floor(json_real_value(raw)) == json_real_value(raw)) {
        return sim__fail(ld, "%.15g is out of range [%llu, %llu]", json_real_value(raw),
                         (unsigned long long)spec->min, (unsigned long long)spec->max);
    } else {
        return sim__fail(ld, "expected an integer, got %s", sim__type_name(raw));
    }
    if (v < spec->min || v > spec->max)
        return sim__fail(ld, "%llu is out of range [%llu, %llu]", (unsigned long long)v,
                         (unsigned long long)spec->min, (unsigned long long)spec->max);
    *value = v;
    return true;
}

bool sim__enum_value(sim__loader_t *ld, const json_t *raw, const char *const *names, size_t count,
                     int *value)
{
    char known[400];
    list_names(known, sizeof known, names, count);
    if (!json_is_string(raw))
        return sim__fail(ld, "expected one of %s, got %s", known, sim__type_name(raw));
    const char *text = json_string_value(raw);
    for (size_t i = 0; i < count; i++)
        if (strcmp(text, names[i]) == 0) {
            *value = (int)i;
            return true;
        }
    char quoted[96];
    const char *suggestion = sim__suggest(text, names, count);
    if (suggestion != NULL)
        return sim__fail(ld, "%s is not one of %s (did you mean \"%s\"?)",
                         sim__quote(quoted, sizeof quoted, text), known, suggestion);
    return sim__fail(ld, "%s is not one of %s", sim__quote(quoted, sizeof quoted, text), known);
}

/* ---- field readers -------------------------------------------------------- */

json_t *sim__number_json(double value, bool real)
{
    if (!real && floor(value) == value && fabs(value) < 9007199254740992.0)
        return json_integer((json_int_t)value);
    return json_real(value);
}

static bool missing(sim__loader_t *ld)
{
    return sim__fail(ld, "missing (required)");
}

bool sim__number(sim__loader_t *ld, const json_t *object, json_t *out, const char *key,
                 const sim__number_spec_t *spec, double *value)
{
    if (ld->failed)
        return false;
    const json_t *raw = json_object_get(object, key);
    size_t saved = sim__path_key(ld, key);
    bool ok;
    if (raw == NULL) {
        ok = spec->required ? missing(ld) : true;
        *value = spec->fallback;
    } else {
        ok = sim__number_value(ld, raw, spec, value);
    }
    sim__path_pop(ld, saved);
    return ok && sim__put(ld, out, key, sim__number_json(*value, spec->real));
}

bool sim__number_or_null(sim__loader_t *ld, const json_t *object, json_t *out, const char *key,
                         const sim__number_spec_t *spec, bool fallback_null, double *value,
                         bool *has_value)
{
    if (ld->failed)
        return false;
    const json_t *raw = json_object_get(object, key);
    if (raw == NULL ? fallback_null : json_is_null(raw)) {
        *has_value = false;
        *value = 0;
        return sim__put(ld, out, key, json_null());
    }
    *has_value = true;
    return sim__number(ld, object, out, key, spec, value);
}

bool sim__uint(sim__loader_t *ld, const json_t *object, json_t *out, const char *key,
               const sim__uint_spec_t *spec, uint64_t *value)
{
    if (ld->failed)
        return false;
    const json_t *raw = json_object_get(object, key);
    size_t saved = sim__path_key(ld, key);
    bool ok;
    if (raw == NULL) {
        ok = spec->required ? missing(ld) : true;
        *value = spec->fallback;
    } else {
        ok = sim__uint_value(ld, raw, spec, value);
    }
    sim__path_pop(ld, saved);
    return ok && sim__put(ld, out, key, json_integer((json_int_t)*value));
}

bool sim__bool(sim__loader_t *ld, const json_t *object, json_t *out, const char *key, bool fallback,
               bool *value)
{
    if (ld->failed)
        return false;
    const json_t *raw = json_object_get(object, key);
    *value = fallback;
    if (raw != NULL && !json_is_boolean(raw)) {
        sim__path_key(ld, key);
        return sim__fail(ld, "expected true or false, got %s", sim__type_name(raw));
    }
    if (raw != NULL)
        *value = json_is_true(raw);
    return sim__put(ld, out, key, json_boolean(*value));
}

bool sim__string(sim__loader_t *ld, const json_t *object, json_t *out, const char *key,
                 const char *fallback, const char **value)
{
    if (ld->failed)
        return false;
    const json_t *raw = json_object_get(object, key);
    if (raw == NULL && fallback == NULL) {
        sim__path_key(ld, key);
        return missing(ld);
    }
    if (raw != NULL && !json_is_string(raw)) {
        sim__path_key(ld, key);
        return sim__fail(ld, "expected a string, got %s", sim__type_name(raw));
    }
    *value = raw != NULL ? json_string_value(raw) : fallback;
    return sim__put(ld, out, key, json_string(*value));
}

bool sim__enum(sim__loader_t *ld, const json_t *object, json_t *out, const char *key,
               const char *const *names, size_t count, int fallback, int *value)
{
    if (ld->failed)
        return false;
    const json_t *raw = json_object_get(object, key);
    size_t saved = sim__path_key(ld, key);
    bool ok = true;
    if (raw == NULL) {
        if (fallback < 0)
            ok = missing(ld);
        *value = fallback;
    } else {
        ok = sim__enum_value(ld, raw, names, count, value);
    }
    sim__path_pop(ld, saved);
    return ok && sim__put(ld, out, key, json_string(names[*value]));
}

bool sim__object(sim__loader_t *ld, const json_t *object, const char *key, const json_t **child)
{
    if (ld->failed)
        return false;
    const json_t *raw = json_object_get(object, key);
    *child = NULL;
    if (raw == NULL)
        return true;
    if (!json_is_object(raw)) {
        sim__path_key(ld, key);
        return sim__fail(ld, "expected an object, got %s", sim__type_name(raw));
    }
    *child = raw;
    return true;
}

/* ---- resolved JSON --------------------------------------------------------- */

bool sim__put(sim__loader_t *ld, json_t *out, const char *key, json_t *value)
{
    if (ld->failed) {
        json_decref(value);
        return false;
    }
    if (value == NULL || json_object_set_new(out, key, value) != 0)
        return sim__fail(ld, "out of memory");
    return true;
}

json_t *sim__put_object(sim__loader_t *ld, json_t *out, const char *key)
{
    json_t *object = json_object();
    return sim__put(ld, out, key, object) ? object : NULL;
}

json_t *sim__put_array(sim__loader_t *ld, json_t *out, const char *key)
{
    json_t *array = json_array();
    return sim__put(ld, out, key, array) ? array : NULL;
}

bool sim__append(sim__loader_t *ld, json_t *array, json_t *value)
{
    if (ld->failed) {
        json_decref(value);
        return false;
    }
    if (value == NULL || json_array_append_new(array, value) != 0)
        return sim__fail(ld, "out of memory");
    return true;
}
