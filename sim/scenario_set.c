/* `--set JSON.PATH=VALUE`: one override applied to the parsed scenario
 * before validation, so that every later error names the overridden path
 * as if the file had said it.
 *
 * JSON.PATH is a key, then any mix of `.key` and `[N]`: `duration_s`,
 * `peers[0].count`, `links.lossy.loss.p`. Keys are any characters except
 * `.`, `[`, `]` and `=`. Missing objects on the way are created
 * (`links.new.delay_ms=5` adds a link); an index may name an existing
 * element, or the one just past the end, which appends. VALUE is parsed as
 * JSON (`8`, `0.05`, `true`, `null`, `"x"`, `["bob"]`, `{...}`); text that
 * is not valid JSON is taken as a string, so `--set name=lossy` works and
 * `--set 'name="1"'` is how to set a string that looks like a number. */
#include "sim/scenario_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct set_segment {
    bool is_index;
    size_t index;
    char key[SIM__PATH_MAX];
} set_segment_t;

/* Reads the segment at *cursor; false on malformed syntax. */
static bool next_segment(const char **cursor, bool first, set_segment_t *segment)
{
    const char *p = *cursor;
    if (!first && *p == '.')
        p++;
    else if (*p == '[') {
        p++;
        size_t index = 0, digits = 0;
        for (; *p >= '0' && *p <= '9'; p++, digits++) {
            if (index > (SIZE_MAX - 9) / 10)
                return false;
            index = index * 10 + (size_t)(*p - '0');
        }
        if (digits == 0 || *p != ']')
            return false;
        segment->is_index = true;
        segment->index = index;
        *cursor = p + 1;
        return !first;
    } else if (!first) {
        return false;
    }
    size_t len = strcspn(p, ".[]");
    if (len == 0 || len >= sizeof segment->key)
        return false;
    memcpy(segment->key, p, len);
    segment->key[len] = '\0';
    segment->is_index = false;
    *cursor = p + len;
    return true;
}

/* The container for the segment after `segment`, created when absent. */
static json_t *new_container(bool index_next)
{
    return index_next ? json_array() : json_object();
}

/* Steps from `parent` through `segment` to its child, creating it (as an
 * object, or an array when `index_next`) if it is missing. */
static json_t *descend(sim__loader_t *ld, json_t *parent, const set_segment_t *segment,
                       bool index_next, const char *assignment)
{
    char where[SIM__PATH_MAX];
    snprintf(where, sizeof where, "%s", ld->path);
    json_t *child = NULL;
    if (segment->is_index) {
        if (!json_is_array(parent)) {
            sim__fail(ld, "--set %s: this is %s, not an array", assignment, sim__type_name(parent));
            return NULL;
        }
        size_t size = json_array_size(parent);
        sim__path_index(ld, segment->index);
        if (segment->index > size) {
            sim__fail(ld, "--set %s: index out of range (%s has %zu entries)", assignment,
                      where[0] ? where : "the array", size);
            return NULL;
        }
        if (segment->index < size)
            return json_array_get(parent, segment->index);
        child = new_container(index_next);
        if (child == NULL || json_array_append_new(parent, child) != 0)
            child = NULL;
    } else {
        if (!json_is_object(parent)) {
            sim__fail(ld, "--set %s: this is %s, not an object", assignment,
                      sim__type_name(parent));
            return NULL;
        }
        sim__path_key(ld, segment->key);
        json_t *existing = json_object_get(parent, segment->key);
        if (existing != NULL)
            return existing;
        child = new_container(index_next);
        if (child == NULL || json_object_set_new(parent, segment->key, child) != 0)
            child = NULL;
    }
    if (child == NULL)
        sim__fail(ld, "out of memory");
    return child;
}

/* Stores `value` (stolen) at `segment` of `parent`. */
static bool store(sim__loader_t *ld, json_t *parent, const set_segment_t *segment, json_t *value,
                  const char *assignment)
{
    int rc;
    if (segment->is_index) {
        if (!json_is_array(parent)) {
            json_decref(value);
            return sim__fail(ld, "--set %s: this is %s, not an array", assignment,
                             sim__type_name(parent));
        }
        size_t size = json_array_size(parent);
        char where[SIM__PATH_MAX];
        snprintf(where, sizeof where, "%s", ld->path);
        sim__path_index(ld, segment->index);
        if (segment->index > size) {
            json_decref(value);
            return sim__fail(ld, "--set %s: index out of range (%s has %zu entries)", assignment,
                             where[0] ? where : "the array", size);
        }
        rc = segment->index < size ? json_array_set_new(parent, segment->index, value)
                                   : json_array_append_new(parent, value);
    } else {
        if (!json_is_object(parent)) {
            json_decref(value);
            return sim__fail(ld, "--set %s: this is %s, not an object", assignment,
                             sim__type_name(parent));
        }
        rc = json_object_set_new(parent, segment->key, value);
    }
    return rc == 0 ? true : sim__fail(ld, "out of memory");
}

/* VALUE as JSON, or as a string when it is not valid JSON. */
static json_t *parse_value(const char *text)
{
    json_error_t error;
    json_t *value = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &error);
    return value != NULL ? value : json_string(text);
}

static bool walk_and_store(sim__loader_t *ld, json_t *root, const char *path_text, json_t *value,
                           const char *assignment)
{
    const char *cursor = path_text;
    set_segment_t segment, next;
    char quoted[96];
    if (!next_segment(&cursor, true, &segment)) {
        json_decref(value);
        return sim__fail(ld, "--set %s: malformed JSON path",
                         sim__quote(quoted, sizeof quoted, assignment));
    }
    json_t *parent = root;
    while (*cursor != '\0') {
        if (!next_segment(&cursor, false, &next)) {
            json_decref(value);
            return sim__fail(ld, "--set %s: malformed JSON path at character %zu",
                             sim__quote(quoted, sizeof quoted, assignment),
                             (size_t)(cursor - path_text) + 1);
        }
        parent = descend(ld, parent, &segment, next.is_index, assignment);
        if (parent == NULL) {
            json_decref(value);
            return false;
        }
        segment = next;
    }
    return store(ld, parent, &segment, value, assignment);
}

bool sim__apply_set(sim__loader_t *ld, json_t *root, const char *assignment)
{
    char quoted[96];
    const char *equals = strchr(assignment, '=');
    if (equals == NULL)
        return sim__fail(ld, "--set %s: expected JSON.PATH=VALUE",
                         sim__quote(quoted, sizeof quoted, assignment));
    size_t path_len = (size_t)(equals - assignment);
    char *path_text = malloc(path_len + 1);
    json_t *value = parse_value(equals + 1);
    if (path_text == NULL || value == NULL) {
        free(path_text);
        json_decref(value);
        return sim__fail(ld, "--set %s: out of memory or VALUE not valid UTF-8",
                         sim__quote(quoted, sizeof quoted, assignment));
    }
    memcpy(path_text, assignment, path_len);
    path_text[path_len] = '\0';
    bool ok = walk_and_store(ld, root, path_text, value, assignment);
    free(path_text);
    sim__path_pop(ld, 0);
    return ok;
}
