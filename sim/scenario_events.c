/* Scenario sections events and budgets (docs/scenario-format.md).
 *
 * events: each has at_s in [0, duration_s], a peer (or a group, standing
 * for each of its peers) and exactly one action: set_uplink or
 * set_downlink (a link name), preferred_layer (a rid), or leave, join or
 * rekey, which take only `true`. An eavesdropper has no sender key, so it
 * cannot rekey. Events keep their file order, which is also the order of
 * events at the same instant.
 *
 * Membership is then replayed per peer in time order (join_s first, then
 * the events in file order, then leave_s at equal times): a peer must be
 * out of the call to join and in it to leave, so "leave" without a join
 * before it, or "join" for a peer already in, is an error.
 *
 * budgets: each one optional (absent or null: no budget), a number in its
 * range; confidentiality defaults to "strict". */
#include "sim/scenario_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* Indexed by sim_event_action_t. */
static const char *const action_names[] = {
    "set_uplink", "set_downlink", "leave", "join", "preferred_layer", "rekey",
};
static const char *const event_keys[] = {
    "at_s", "peer", "set_uplink", "set_downlink", "leave", "join", "preferred_layer", "rekey",
};

/* ---- one event --------------------------------------------------------- */

/* The one action key of `raw`; fails on none or several. */
static bool find_action(sim__loader_t *ld, const json_t *raw, sim_event_action_t *action)
{
    int found = -1;
    for (size_t i = 0; i < COUNT(action_names); i++) {
        if (json_object_get(raw, action_names[i]) == NULL)
            continue;
        if (found >= 0)
            return sim__fail(ld, "two actions (\"%s\" and \"%s\"); an event has exactly one",
                             action_names[found], action_names[i]);
        found = (int)i;
    }
    if (found < 0)
        return sim__fail(ld, "no action: give one of \"set_uplink\", \"set_downlink\", "
                             "\"leave\", \"join\", \"preferred_layer\" or \"rekey\"");
    *action = (sim_event_action_t)found;
    return true;
}

static bool load_action_value(sim__loader_t *ld, const json_t *raw, json_t *out,
                              sim_scenario_event_t *event)
{
    const char *key = action_names[event->action];
    const json_t *value = json_object_get(raw, key);
    const char *text;
    switch (event->action) {
    case SIM_EVENT_SET_UPLINK:
    case SIM_EVENT_SET_DOWNLINK:
        if (!sim__string(ld, raw, out, key, NULL, &text))
            return false;
        sim__path_key(ld, key);
        return sim__find_link(ld, text, &event->link);
    case SIM_EVENT_PREFERRED_LAYER:
        if (!sim__string(ld, raw, out, key, NULL, &text))
            return false;
        sim__path_key(ld, key);
        return sim__find_layer(ld, text, &event->layer);
    case SIM_EVENT_LEAVE:
    case SIM_EVENT_JOIN:
    case SIM_EVENT_REKEY:
        if (json_is_true(value))
            return sim__put(ld, out, key, json_true());
        sim__path_key(ld, key);
        return sim__fail(ld, "expected true, got %s", sim__type_name(value));
    }
    return sim__fail(ld, "unknown action");
}

static bool load_event(sim__loader_t *ld, const json_t *raw, json_t *out,
                       sim_scenario_event_t *event)
{
    const sim__number_spec_t at = { .max = ld->scenario->duration_s,
                                    .required = true,
                                    .real = true };
    const sim__peer_name_t *target;
    const char *peer;
    if (!json_is_object(raw))
        return sim__fail(ld, "expected an event object, got %s", sim__type_name(raw));
    if (!sim__check_keys(ld, raw, event_keys, COUNT(event_keys)) ||
        !sim__number(ld, raw, out, "at_s", &at, &event->at_s) ||
        !sim__string(ld, raw, out, "peer", NULL, &peer))
        return false;
    size_t saved = sim__path_key(ld, "peer");
    if (!sim__find_peer(ld, peer, &target))
        return false;
    sim__path_pop(ld, saved);
    event->peer_first = target->first;
    event->peer_count = target->count;
    if (!find_action(ld, raw, &event->action) || !load_action_value(ld, raw, out, event))
        return false;
    if (event->action == SIM_EVENT_REKEY &&
        ld->scenario->peers[event->peer_first].role == SIM_PEER_EAVESDROPPER) {
        sim__path_key(ld, "rekey");
        return sim__fail(ld, "%s is an eavesdropper and has no sender key to rotate", peer);
    }
    return true;
}

/* ---- membership replay -------------------------------------------------- */

typedef struct transition {
    double at_s;
    size_t order; /* 0 join_s, 1 + i events[i], SIZE_MAX leave_s */
    size_t peer;
    bool join;
} transition_t;

static int compare_transitions(const void *a, const void *b)
{
    const transition_t *x = a, *y = b;
    if (x->peer != y->peer)
        return x->peer < y->peer ? -1 : 1;
    if (x->at_s != y->at_s)
        return x->at_s < y->at_s ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Points the path at the transition's source and fails with `why`. */
static bool fail_transition(sim__loader_t *ld, const transition_t *t, const char *why)
{
    const sim_scenario_peer_t *peer = &ld->scenario->peers[t->peer];
    sim__path_pop(ld, 0);
    if (t->order == 0 || t->order == SIZE_MAX) {
        sim__path_key(ld, "peers");
        sim__path_index(ld, peer->entry);
        sim__path_key(ld, t->join ? "join_s" : "leave_s");
    } else {
        sim__path_key(ld, "events");
        sim__path_index(ld, t->order - 1);
        sim__path_key(ld, t->join ? "join" : "leave");
    }
    return sim__fail(ld, "%s %s at %.15g s", peer->name, why, t->at_s);
}

static bool replay(sim__loader_t *ld, transition_t *list, size_t count)
{
    qsort(list, count, sizeof *list, compare_transitions);
    bool in_call = false;
    for (size_t i = 0; i < count; i++) {
        if (i == 0 || list[i].peer != list[i - 1].peer)
            in_call = false;
        if (list[i].join && in_call)
            return fail_transition(ld, &list[i], "cannot join: it is already in the call");
        if (!list[i].join && !in_call)
            return fail_transition(ld, &list[i], "cannot leave: it is not in the call");
        in_call = list[i].join;
    }
    return true;
}

static bool check_membership(sim__loader_t *ld)
{
    const sim_scenario_t *scn = ld->scenario;
    size_t count = 2 * scn->peer_count;
    for (size_t i = 0; i < scn->event_count; i++)
        count += scn->events[i].peer_count;
    transition_t *list = malloc(count * sizeof *list);
    if (list == NULL)
        return sim__fail(ld, "out of memory");
    size_t n = 0;
    for (size_t p = 0; p < scn->peer_count; p++) {
        if (scn->peers[p].has_join_s)
            list[n++] = (transition_t){ scn->peers[p].join_s, 0, p, true };
        if (scn->peers[p].has_leave_s)
            list[n++] = (transition_t){ scn->peers[p].leave_s, SIZE_MAX, p, false };
    }
    for (size_t i = 0; i < scn->event_count; i++) {
        const sim_scenario_event_t *event = &scn->events[i];
        if (event->action != SIM_EVENT_JOIN && event->action != SIM_EVENT_LEAVE)
            continue;
        for (size_t p = event->peer_first; p < event->peer_first + event->peer_count; p++)
            list[n++] = (transition_t){ event->at_s, 1 + i, p, event->action == SIM_EVENT_JOIN };
    }
    bool ok = replay(ld, list, n);
    free(list);
    return ok;
}

bool sim__load_events(sim__loader_t *ld, const json_t *root, json_t *resolved)
{
    const json_t *list = json_object_get(root, "events");
    size_t saved = sim__path_key(ld, "events");
    if (list != NULL && !json_is_array(list))
        return sim__fail(ld, "expected an array of events, got %s", sim__type_name(list));
    size_t count = json_array_size(list);
    json_t *out = sim__put_array(ld, resolved, "events");
    sim_scenario_event_t *events = sim__alloc(ld, count ? count : 1, sizeof *events);
    for (size_t i = 0; out != NULL && events != NULL && i < count; i++) {
        json_t *event_out = json_object();
        size_t at = sim__path_index(ld, i);
        if (!sim__append(ld, out, event_out) ||
            !load_event(ld, json_array_get(list, i), event_out, &events[i]))
            return false;
        sim__path_pop(ld, at);
    }
    if (ld->failed)
        return false;
    sim__path_pop(ld, saved);
    ld->scenario->events = events;
    ld->scenario->event_count = count;
    return check_membership(ld);
}

/* ---- budgets ------------------------------------------------------------- */

typedef struct budget_field {
    const char *name;
    size_t offset; /* of its sim_scenario_budget_t in sim_scenario_budgets_t */
    double max;
    bool real; /* echoed as a real: ratios */
} budget_field_t;

#define BUDGET_NAME(field) #field
#define BUDGET(field, max, real)                                               \
    {                                                                          \
        BUDGET_NAME(field), offsetof(sim_scenario_budgets_t, field), max, real \
    }

static const budget_field_t budget_fields[] = {
    BUDGET(video_latency_p50_ms, SIM__MS_MAX, false),
    BUDGET(video_latency_p95_ms, SIM__MS_MAX, false),
    BUDGET(video_latency_p99_ms, SIM__MS_MAX, false),
    BUDGET(audio_latency_p95_ms, SIM__MS_MAX, false),
    BUDGET(video_fps_min, 240, false),
    BUDGET(freeze_ratio_max, 1, true),
    BUDGET(delivered_ratio_min, 1, true),
    BUDGET(decrypt_success_min, 1, true),
    BUDGET(time_to_first_frame_ms_max, SIM__MS_MAX, false),
    BUDGET(psnr_db_min, 100, false),
    BUDGET(sfu_forwarded_kbps_min, SIM__KBPS_MAX, false),
};

static const char *const confidentiality_names[] = { "strict", "report" };

static bool check_budget_keys(sim__loader_t *ld, const json_t *budgets)
{
    const char *keys[COUNT(budget_fields) + 1];
    for (size_t i = 0; i < COUNT(budget_fields); i++)
        keys[i] = budget_fields[i].name;
    keys[COUNT(budget_fields)] = "confidentiality";
    return sim__check_keys(ld, budgets, keys, COUNT(keys));
}

bool sim__load_budgets(sim__loader_t *ld, const json_t *root, json_t *resolved)
{
    sim_scenario_budgets_t *budgets = &ld->scenario->budgets;
    const json_t *raw;
    if (!sim__object(ld, root, "budgets", &raw))
        return false;
    json_t *out = sim__put_object(ld, resolved, "budgets");
    size_t saved = sim__path_key(ld, "budgets");
    if (out == NULL || !check_budget_keys(ld, raw))
        return false;
    for (size_t i = 0; i < COUNT(budget_fields); i++) {
        const budget_field_t *field = &budget_fields[i];
        sim_scenario_budget_t *budget = (sim_scenario_budget_t *)((char *)budgets + field->offset);
        const json_t *value = json_object_get(raw, field->name);
        if (value == NULL || json_is_null(value))
            continue;
        const sim__number_spec_t spec = { .max = field->max, .real = field->real };
        budget->present = true;
        if (!sim__number(ld, raw, out, field->name, &spec, &budget->limit))
            return false;
    }
    int level = SIM_CONFIDENTIALITY_STRICT;
    if (!sim__enum(ld, raw, out, "confidentiality", confidentiality_names,
                   COUNT(confidentiality_names), SIM_CONFIDENTIALITY_STRICT, &level))
        return false;
    budgets->confidentiality = (sim_confidentiality_t)level;
    sim__path_pop(ld, saved);
    return true;
}
