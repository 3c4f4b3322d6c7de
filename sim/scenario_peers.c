/* Scenario section peers (docs/scenario-format.md): the peers[] entries,
 * expanded into sim_scenario_peer_t (an entry with count N > 1 becomes
 * NAME-1 ... NAME-N at consecutive indices), with their links, timing,
 * publishing, subscriptions, preferred layer and role.
 *
 * Names. Every expanded name and every group's base name (the `name` of
 * an entry with count > 1) share one namespace and must be unique; a
 * subscribe list or an event may name either, a group standing for all of
 * its peers. The namespace is kept sorted for lookups (sim__find_peer).
 *
 * Two passes: the first reads every entry but `subscribe`, so that the
 * second can resolve subscriptions against the complete namespace. The
 * resolved echo holds the entries as written (groups stay groups), every
 * default filled in.
 *
 * Rules beyond types and ranges: join_s before duration_s, leave_s after
 * join_s and not after duration_s; an eavesdropper publishes nothing (its
 * publish defaults to [] and must be []); preferred_layer defaults to the
 * highest layer and must be a rid of media.video; a peer never subscribes
 * to itself (naming itself or its own group is allowed and skipped). */
#include "sim/scenario_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static const char *const peer_keys[] = {
    "name",    "count",   "uplink",    "downlink",        "join_s",
    "leave_s", "publish", "subscribe", "preferred_layer", "role",
};
static const char *const role_names[] = { "member", "eavesdropper" };
static const char *const kind_names[] = { "audio", "video" };

/* What pass 1 learns of an entry. */
typedef struct peer_entry {
    const char *name;
    size_t first, count;
    json_t *out; /* its resolved echo */
} peer_entry_t;

/* ---- names --------------------------------------------------------------- */

static int compare_names(const void *a, const void *b)
{
    const sim__peer_name_t *x = a, *y = b;
    int order = strcmp(x->name, y->name);
    if (order != 0)
        return order;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* The sorted namespace of expanded and group names; fails on a repeat,
 * at the name of the later of the two entries. */
static bool build_names(sim__loader_t *ld, const peer_entry_t *entries, size_t entry_count)
{
    sim_scenario_t *scn = ld->scenario;
    size_t groups = 0;
    for (size_t e = 0; e < entry_count; e++)
        if (entries[e].count > 1)
            groups++;
    size_t total = scn->peer_count + groups, at = 0;
    sim__peer_name_t *names = sim__alloc(ld, total, sizeof *names);
    if (names == NULL)
        return false;
    for (size_t e = 0; e < entry_count; e++) {
        const peer_entry_t *entry = &entries[e];
        if (entry->count > 1)
            names[at++] = (sim__peer_name_t){ entry->name, entry->first, entry->count, e };
        for (size_t i = entry->first; i < entry->first + entry->count; i++)
            names[at++] = (sim__peer_name_t){ scn->peers[i].name, i, 1, e };
    }
    qsort(names, total, sizeof *names, compare_names);
    const sim__peer_name_t *clash = NULL, *earlier = NULL;
    for (size_t i = 1; i < total; i++)
        if (strcmp(names[i].name, names[i - 1].name) == 0 &&
            (clash == NULL || names[i].entry < clash->entry)) {
            clash = &names[i];
            earlier = &names[i - 1];
        }
    if (clash != NULL) {
        sim__path_index(ld, clash->entry);
        sim__path_key(ld, "name");
        const peer_entry_t *other = &entries[earlier->entry];
        if (other->count > 1)
            return sim__fail(ld,
                             "peer name \"%s\" is already taken by peers[%zu] (count %zu: "
                             "%s-1 ... %s-%zu)",
                             clash->name, earlier->entry, other->count, other->name, other->name,
                             other->count);
        return sim__fail(ld, "peer name \"%s\" is already taken by peers[%zu]", clash->name,
                         earlier->entry);
    }
    ld->peer_names = names;
    ld->peer_name_count = total;
    return true;
}

static int compare_key(const void *key, const void *element)
{
    return strcmp(key, ((const sim__peer_name_t *)element)->name);
}

bool sim__find_peer(sim__loader_t *ld, const char *name, const sim__peer_name_t **found)
{
    *found =
        bsearch(name, ld->peer_names, ld->peer_name_count, sizeof *ld->peer_names, compare_key);
    if (*found != NULL)
        return true;
    const char **names = sim__alloc(ld, ld->peer_name_count, sizeof *names);
    if (names == NULL)
        return false;
    for (size_t i = 0; i < ld->peer_name_count; i++)
        names[i] = ld->peer_names[i].name;
    const char *suggestion = sim__suggest(name, names, ld->peer_name_count);
    char quoted[96];
    sim__quote(quoted, sizeof quoted, name);
    if (suggestion != NULL)
        return sim__fail(ld, "no peer named %s (did you mean \"%s\"?)", quoted, suggestion);
    return sim__fail(ld, "no peer named %s", quoted);
}

bool sim__find_layer(sim__loader_t *ld, const char *rid, size_t *index)
{
    const sim_scenario_video_t *video = ld->scenario->media.video;
    char quoted[96];
    sim__quote(quoted, sizeof quoted, rid);
    if (video == NULL)
        return sim__fail(ld, "layer %s, but media.video is null (no video)", quoted);
    const char *rids[SIM__LAYERS_MAX];
    for (size_t i = 0; i < video->layer_count; i++) {
        rids[i] = video->layers[i].rid;
        if (strcmp(rids[i], rid) == 0) {
            *index = i;
            return true;
        }
    }
    const char *suggestion = sim__suggest(rid, rids, video->layer_count);
    if (suggestion != NULL)
        return sim__fail(ld, "no layer with rid %s (did you mean \"%s\"?)", quoted, suggestion);
    return sim__fail(ld, "no layer with rid %s in media.video.layers", quoted);
}

/* ---- pass 1: one entry ------------------------------------------------------ */

static bool load_link_name(sim__loader_t *ld, const json_t *raw, json_t *out, const char *key,
                           size_t *index)
{
    const char *name;
    if (!sim__string(ld, raw, out, key, "ideal", &name))
        return false;
    size_t saved = sim__path_key(ld, key);
    if (!sim__find_link(ld, name, index))
        return false;
    sim__path_pop(ld, saved);
    return true;
}

static bool load_timing(sim__loader_t *ld, const json_t *raw, json_t *out,
                        sim_scenario_peer_t *peer)
{
    const double duration = ld->scenario->duration_s;
    const sim__number_spec_t join = { .max = SIM__SECONDS_MAX, .real = true };
    const sim__number_spec_t leave = {
        .min = 0, .min_open = true, .max = SIM__SECONDS_MAX, .real = true
    };
    if (!sim__number_or_null(ld, raw, out, "join_s", &join, false, &peer->join_s,
                             &peer->has_join_s) ||
        !sim__number_or_null(ld, raw, out, "leave_s", &leave, true, &peer->leave_s,
                             &peer->has_leave_s))
        return false;
    if (peer->has_join_s && peer->join_s >= duration) {
        sim__path_key(ld, "join_s");
        return sim__fail(ld, "%.15g is not before the end of the run (duration_s %.15g)",
                         peer->join_s, duration);
    }
    if (peer->has_leave_s && peer->leave_s > duration) {
        sim__path_key(ld, "leave_s");
        return sim__fail(ld, "%.15g is after the end of the run (duration_s %.15g)", peer->leave_s,
                         duration);
    }
    if (peer->has_leave_s && peer->has_join_s && peer->leave_s <= peer->join_s) {
        sim__path_key(ld, "leave_s");
        return sim__fail(ld, "%.15g is not after join_s (%.15g)", peer->leave_s, peer->join_s);
    }
    return true;
}

static bool load_publish(sim__loader_t *ld, const json_t *raw, json_t *out,
                         sim_scenario_peer_t *peer)
{
    const json_t *list = json_object_get(raw, "publish");
    bool listed[2] = { list == NULL && peer->role == SIM_PEER_MEMBER,
                       list == NULL && peer->role == SIM_PEER_MEMBER };
    size_t saved = sim__path_key(ld, "publish");
    if (list != NULL && !json_is_array(list))
        return sim__fail(ld, "expected an array such as [\"audio\", \"video\"], got %s",
                         sim__type_name(list));
    for (size_t i = 0; i < json_array_size(list); i++) {
        int kind;
        size_t at = sim__path_index(ld, i);
        if (!sim__enum_value(ld, json_array_get(list, i), kind_names, 2, &kind))
            return false;
        if (listed[kind])
            return sim__fail(ld, "\"%s\" is listed twice", kind_names[kind]);
        listed[kind] = true;
        sim__path_pop(ld, at);
    }
    if (peer->role == SIM_PEER_EAVESDROPPER && (listed[0] || listed[1]))
        return sim__fail(ld, "an eavesdropper has no E2EE keys and publishes nothing: use []");
    sim__path_pop(ld, saved);
    json_t *echo = sim__put_array(ld, out, "publish");
    for (int kind = 0; echo != NULL && kind < 2; kind++)
        if (listed[kind] && !sim__append(ld, echo, json_string(kind_names[kind])))
            return false;
    peer->publish_audio = listed[0] && ld->scenario->media.audio != NULL;
    peer->publish_video = listed[1] && ld->scenario->media.video != NULL;
    return !ld->failed;
}

static bool load_preferred_layer(sim__loader_t *ld, const json_t *raw, json_t *out,
                                 sim_scenario_peer_t *peer)
{
    const json_t *given = json_object_get(raw, "preferred_layer");
    const sim_scenario_video_t *video = ld->scenario->media.video;
    peer->preferred_layer = SIM_SCENARIO_NO_LAYER;
    if (given == NULL || json_is_null(given)) {
        if (video == NULL)
            return sim__put(ld, out, "preferred_layer", json_null());
        peer->preferred_layer = video->layer_count - 1;
        return sim__put(ld, out, "preferred_layer",
                        json_string(video->layers[peer->preferred_layer].rid));
    }
    const char *rid;
    if (!sim__string(ld, raw, out, "preferred_layer", NULL, &rid))
        return false;
    size_t saved = sim__path_key(ld, "preferred_layer");
    if (!sim__find_layer(ld, rid, &peer->preferred_layer))
        return false;
    sim__path_pop(ld, saved);
    return true;
}

/* Reads entry `e` (at the current path) into *peer, the template of every
 * peer of the entry; *count receives its count. */
static bool load_entry(sim__loader_t *ld, const json_t *raw, json_t *out, sim_scenario_peer_t *peer,
                       const char **name, size_t *count)
{
    const sim__uint_spec_t count_spec = { .min = 1, .max = SIM__PEERS_MAX, .fallback = 1 };
    uint64_t n = 0;
    int role = SIM_PEER_MEMBER;
    if (!json_is_object(raw))
        return sim__fail(ld, "expected a peer object, got %s", sim__type_name(raw));
    if (!sim__check_keys(ld, raw, peer_keys, COUNT(peer_keys)) ||
        !sim__string(ld, raw, out, "name", NULL, name))
        return false;
    size_t saved = sim__path_key(ld, "name");
    if (!sim__check_name(ld, *name, false))
        return false;
    sim__path_pop(ld, saved);
    /* role first: publish's default depends on it; the echo keeps the
     * format's key order because json_object_set keeps a key's place. */
    if (!sim__uint(ld, raw, out, "count", &count_spec, &n) ||
        !load_link_name(ld, raw, out, "uplink", &peer->uplink) ||
        !load_link_name(ld, raw, out, "downlink", &peer->downlink) ||
        !load_timing(ld, raw, out, peer) || !sim__put(ld, out, "publish", json_null()) ||
        !sim__put(ld, out, "subscribe", json_null()) ||
        !sim__put(ld, out, "preferred_layer", json_null()) ||
        !sim__enum(ld, raw, out, "role", role_names, COUNT(role_names), SIM_PEER_MEMBER, &role))
        return false;
    peer->role = (sim_peer_role_t)role;
    *count = (size_t)n;
    return load_publish(ld, raw, out, peer) && load_preferred_layer(ld, raw, out, peer);
}

/* Writes the entry's peers from its template, with their expanded names. */
static bool expand_entry(sim__loader_t *ld, const sim_scenario_peer_t *template,
                         peer_entry_t *entry, size_t e, sim_scenario_peer_t *peers)
{
    const char *group = sim__strdup(ld, entry->name);
    entry->name = group;
    for (size_t i = 0; group != NULL && i < entry->count; i++) {
        sim_scenario_peer_t *peer = &peers[entry->first + i];
        *peer = *template;
        peer->group = group;
        peer->entry = e;
        if (entry->count == 1) {
            peer->name = group;
            continue;
        }
        char expanded[SIM__NAME_MAX + 16];
        snprintf(expanded, sizeof expanded, "%s-%zu", group, i + 1);
        peer->name = sim__strdup(ld, expanded);
    }
    return !ld->failed;
}

/* ---- pass 2: subscriptions -------------------------------------------------- */

/* Marks the peers that entry's subscribe list names in `marks`. */
static bool mark_subscriptions(sim__loader_t *ld, const json_t *list, bool *marks)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i);
        size_t at = sim__path_index(ld, i);
        const sim__peer_name_t *found;
        if (!json_is_string(item))
            return sim__fail(ld, "expected a peer name, got %s", sim__type_name(item));
        if (!sim__find_peer(ld, json_string_value(item), &found))
            return false;
        for (size_t p = found->first; p < found->first + found->count; p++)
            marks[p] = true;
        sim__path_pop(ld, at);
    }
    return true;
}

static bool subscribe_lists(sim__loader_t *ld, const peer_entry_t *entry, const bool *marks,
                            sim_scenario_peer_t *peers)
{
    size_t total = ld->scenario->peer_count;
    for (size_t p = entry->first; p < entry->first + entry->count; p++) {
        size_t n = 0;
        for (size_t q = 0; q < total; q++)
            if (marks[q] && q != p)
                n++;
        size_t *list = sim__alloc(ld, n ? n : 1, sizeof *list);
        if (list == NULL)
            return false;
        n = 0;
        for (size_t q = 0; q < total; q++)
            if (marks[q] && q != p)
                list[n++] = q;
        peers[p].subscribe = list;
        peers[p].subscribe_count = n;
    }
    return true;
}

static bool load_subscribe(sim__loader_t *ld, const json_t *raw, const peer_entry_t *entry,
                           bool *marks, sim_scenario_peer_t *peers)
{
    const json_t *given = json_object_get(raw, "subscribe");
    size_t saved = sim__path_key(ld, "subscribe");
    if (given == NULL || (json_is_string(given) && strcmp(json_string_value(given), "all") == 0)) {
        for (size_t p = entry->first; p < entry->first + entry->count; p++)
            peers[p].subscribe_all = true;
        sim__path_pop(ld, saved);
        return sim__put(ld, entry->out, "subscribe", json_string("all"));
    }
    char quoted[96];
    if (json_is_string(given))
        return sim__fail(ld, "%s is not \"all\"; expected \"all\" or an array of peer names",
                         sim__quote(quoted, sizeof quoted, json_string_value(given)));
    if (!json_is_array(given))
        return sim__fail(ld, "expected \"all\" or an array of peer names, got %s",
                         sim__type_name(given));
    memset(marks, 0, ld->scenario->peer_count * sizeof *marks);
    if (!mark_subscriptions(ld, given, marks) || !subscribe_lists(ld, entry, marks, peers))
        return false;
    sim__path_pop(ld, saved);
    return sim__put(ld, entry->out, "subscribe", json_deep_copy(given));
}

/* ---- the peers array ---------------------------------------------------- */

static bool load_entries(sim__loader_t *ld, const json_t *list, json_t *out, peer_entry_t *entries,
                         sim_scenario_peer_t **peers)
{
    size_t entry_count = json_array_size(list), total = 0, cap = 0;
    sim_scenario_peer_t *table = NULL;
    for (size_t e = 0; e < entry_count; e++) {
        sim_scenario_peer_t template = { 0 };
        size_t at = sim__path_index(ld, e);
        entries[e].out = json_object();
        if (!sim__append(ld, out, entries[e].out) ||
            !load_entry(ld, json_array_get(list, e), entries[e].out, &template, &entries[e].name,
                        &entries[e].count))
            return false;
        if (total + entries[e].count > SIM__PEERS_MAX) {
            sim__path_key(ld, "count");
            return sim__fail(ld, "the peers add up to more than %d", SIM__PEERS_MAX);
        }
        entries[e].first = total;
        total += entries[e].count;
        if (total > cap) {
            cap = total * 2 > SIM__PEERS_MAX ? SIM__PEERS_MAX : total * 2;
            sim_scenario_peer_t *bigger = sim__alloc(ld, cap, sizeof *bigger);
            if (bigger == NULL)
                return false;
            if (table != NULL)
                memcpy(bigger, table, entries[e].first * sizeof *table);
            table = bigger;
        }
        if (!expand_entry(ld, &template, &entries[e], e, table))
            return false;
        sim__path_pop(ld, at);
    }
    *peers = table;
    ld->scenario->peers = table;
    ld->scenario->peer_count = total;
    return true;
}

bool sim__load_peers(sim__loader_t *ld, const json_t *root, json_t *resolved)
{
    const json_t *list = json_object_get(root, "peers");
    size_t saved = sim__path_key(ld, "peers");
    if (list == NULL)
        return sim__fail(ld, "missing (required: at least 2 peers)");
    if (!json_is_array(list))
        return sim__fail(ld, "expected an array of peers, got %s", sim__type_name(list));
    json_t *out = sim__put_array(ld, resolved, "peers");
    size_t entry_count = json_array_size(list);
    peer_entry_t *entries = sim__alloc(ld, entry_count ? entry_count : 1, sizeof *entries);
    sim_scenario_peer_t *peers = NULL;
    if (out == NULL || entries == NULL || !load_entries(ld, list, out, entries, &peers))
        return false;
    if (ld->scenario->peer_count < 2)
        return sim__fail(ld, "at least 2 peers are needed, got %zu", ld->scenario->peer_count);
    bool *marks = sim__alloc(ld, ld->scenario->peer_count, sizeof *marks);
    if (marks == NULL || !build_names(ld, entries, entry_count))
        return false;
    for (size_t e = 0; e < entry_count; e++) {
        size_t at = sim__path_index(ld, e);
        if (!load_subscribe(ld, json_array_get(list, e), &entries[e], marks, peers))
            return false;
        sim__path_pop(ld, at);
    }
    sim__path_pop(ld, saved);
    return true;
}
