/* sim/: scenarios. A scenario file (docs/scenario-format.md) is read,
 * overridden by `--set JSON.PATH=VALUE` arguments, validated field by field
 * and resolved into an immutable, fully typed sim_scenario_t: every default
 * filled in, every name (link, peer, rid) turned into an index, peer groups
 * (count > 1) expanded, trace files loaded. The same resolution is kept as
 * JSON (`scenario_resolved` of the report, and what `blindfold check`
 * prints).
 *
 * Loading fails on the first problem, with one line naming the file, the
 * JSON path and what is wrong:
 *   scenario.json: peers[2].uplnk: unknown key (did you mean "uplink"?) */
#ifndef BLINDFOLD_SIM_SCENARIO_H
#define BLINDFOLD_SIM_SCENARIO_H

#include "sframe/sframe.h"
#include "sim/sim_link.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Enumerations (JSON spellings in the comments) ---------------------- */

typedef enum sim_e2ee_scheme {
    SIM_E2EE_SFRAME = 0,        /* "sframe" */
    SIM_E2EE_INSERTABLE_LEGACY, /* "insertable-legacy" */
    SIM_E2EE_NONE,              /* "none": hop-by-hop SRTP only */
} sim_e2ee_scheme_t;

typedef enum sim_keyframe_signal {
    SIM_KEYFRAME_SIGNAL_DEPENDENCY_DESCRIPTOR = 0, /* "dependency-descriptor" */
    SIM_KEYFRAME_SIGNAL_FRAME_MARKING,             /* "frame-marking" */
    SIM_KEYFRAME_SIGNAL_CLEAR_PREFIX,              /* "clear-prefix" */
} sim_keyframe_signal_t;

/* e2ee.test_transform (an addition): deliberately broken transforms for the
 * confidentiality oracle's negative controls; scheme sframe only. */
typedef enum sim_test_transform {
    SIM_TEST_TRANSFORM_OFF = 0,      /* "off" */
    SIM_TEST_TRANSFORM_XOR_CONSTANT, /* "xor-constant" */
    SIM_TEST_TRANSFORM_CTR_REUSE,    /* "ctr-reuse" */
    SIM_TEST_TRANSFORM_HALF_CLEAR,   /* "half-clear" */
} sim_test_transform_t;

typedef enum sim_srtp_profile {
    SIM_SRTP_AEAD_AES_128_GCM = 0,    /* "AEAD_AES_128_GCM" */
    SIM_SRTP_AES_CM_128_HMAC_SHA1_80, /* "AES_CM_128_HMAC_SHA1_80" */
    SIM_SRTP_NONE,                    /* "none" */
} sim_srtp_profile_t;

typedef enum sim_layer_selection {
    SIM_LAYER_SELECTION_PREFERENCE = 0, /* "preference" */
    SIM_LAYER_SELECTION_BANDWIDTH,      /* "bandwidth" */
} sim_layer_selection_t;

typedef enum sim_video_codec {
    SIM_VIDEO_CODEC_VP8 = 0, /* "vp8" */
} sim_video_codec_t;

typedef enum sim_video_source {
    SIM_VIDEO_SOURCE_PATTERN = 0, /* "pattern" */
    SIM_VIDEO_SOURCE_CLIP,        /* "clip" */
} sim_video_source_t;

typedef enum sim_audio_codec {
    SIM_AUDIO_CODEC_OPUS = 0, /* "opus" */
} sim_audio_codec_t;

typedef enum sim_audio_source {
    SIM_AUDIO_SOURCE_TONE = 0, /* "tone" */
} sim_audio_source_t;

typedef enum sim_peer_role {
    SIM_PEER_MEMBER = 0,   /* "member" */
    SIM_PEER_EAVESDROPPER, /* "eavesdropper": subscribes, never gets E2EE keys */
} sim_peer_role_t;

typedef enum sim_event_action {
    SIM_EVENT_SET_UPLINK = 0,  /* "set_uplink": link */
    SIM_EVENT_SET_DOWNLINK,    /* "set_downlink": link */
    SIM_EVENT_LEAVE,           /* "leave": true */
    SIM_EVENT_JOIN,            /* "join": true */
    SIM_EVENT_PREFERRED_LAYER, /* "preferred_layer": layer */
    SIM_EVENT_REKEY,           /* "rekey": true */
} sim_event_action_t;

typedef enum sim_confidentiality {
    SIM_CONFIDENTIALITY_STRICT = 0, /* "strict": any oracle finding fails the run */
    SIM_CONFIDENTIALITY_REPORT,     /* "report": findings are only reported */
} sim_confidentiality_t;

/* preferred_layer of a peer when the scenario has no video. */
#define SIM_SCENARIO_NO_LAYER ((size_t)-1)

/* --- Sections ------------------------------------------------------------ */

typedef struct sim_scenario_e2ee {
    sim_e2ee_scheme_t scheme;
    sframe_suite_t suite; /* meaningful for scheme sframe */
    sim_keyframe_signal_t keyframe_signal;
    bool rekey_on_leave;
    bool ratchet_on_join;
    double key_delivery_delay_ms;
    double previous_key_grace_ms;
    sim_test_transform_t test_transform; /* default off */
} sim_scenario_e2ee_t;

typedef struct sim_scenario_sfu {
    sim_srtp_profile_t srtp_profile;
    bool nack;
    bool upstream_nack;
    bool rtx;
    double history_ms;
    double pli_min_interval_ms;
    uint32_t last_n; /* 0 = forward every speaker's video */
    sim_layer_selection_t layer_selection;
} sim_scenario_sfu_t;

/* One simulcast layer; the encoded size is width and height divided by
 * scale_down, rounded down (precomputed here). */
typedef struct sim_scenario_layer {
    const char *rid;
    double scale_down; /* >= 1 */
    double max_kbps;   /* > 0 */
    uint32_t width, height;
} sim_scenario_layer_t;

typedef struct sim_scenario_video {
    sim_video_codec_t codec;
    sim_video_source_t source;
    uint32_t width, height;
    double fps;
    double keyframe_interval_s;         /* 0 = keyframes only at start and on request */
    const sim_scenario_layer_t *layers; /* lowest first, at least one */
    size_t layer_count;
} sim_scenario_video_t;

typedef struct sim_scenario_audio {
    sim_audio_codec_t codec;
    sim_audio_source_t source;
    double kbps;
    uint32_t ptime_ms; /* 10, 20, 40 or 60 */
} sim_scenario_audio_t;

/* A kind is off when its pointer is NULL ("video": null). */
typedef struct sim_scenario_media {
    const sim_scenario_video_t *video;
    const sim_scenario_audio_t *audio;
} sim_scenario_media_t;

/* A named link profile. The profile's drop list and trace are owned by the
 * scenario (a link copies them). links[0] is always "ideal". */
typedef struct sim_scenario_link {
    const char *name;
    sim_link_profile_t profile;
    const char *trace_file; /* as written in the scenario; NULL without a trace */
} sim_scenario_link_t;

/* One peer after group expansion: {"name": "alice", "count": 3} gives
 * alice-1, alice-2, alice-3 at consecutive indices. */
typedef struct sim_scenario_peer {
    const char *name;  /* expanded name */
    const char *group; /* the name as written in peers[] */
    size_t entry;      /* index of its peers[] entry */
    size_t uplink;     /* index into links */
    size_t downlink;   /* index into links */
    bool has_join_s;   /* false: join_s was null; only a join event brings it in */
    double join_s;     /* meaningful when has_join_s */
    bool has_leave_s;  /* false: leave_s was null */
    double leave_s;    /* meaningful when has_leave_s */
    /* What the peer sends: published in the scenario and not turned off in
     * media (publishing "video" with "video": null sends nothing). */
    bool publish_audio;
    bool publish_video;
    /* subscribe_all: every other peer. Otherwise the peers listed (groups
     * expanded), ascending, unique, never the peer itself. */
    bool subscribe_all;
    const size_t *subscribe;
    size_t subscribe_count;
    size_t preferred_layer; /* index into video layers; SIM_SCENARIO_NO_LAYER without video */
    sim_peer_role_t role;
} sim_scenario_peer_t;

/* An event acts on one peer, or on every peer of a group when it names the
 * group: peers [peer_first, peer_first + peer_count). Events are kept in
 * file order; events at the same instant run in that order. */
typedef struct sim_scenario_event {
    double at_s;
    size_t peer_first;
    size_t peer_count;
    sim_event_action_t action;
    size_t link;  /* SET_UPLINK, SET_DOWNLINK: index into links */
    size_t layer; /* PREFERRED_LAYER: index into video layers */
} sim_scenario_event_t;

typedef struct sim_scenario_budget {
    bool present;
    double limit;
} sim_scenario_budget_t;

typedef struct sim_scenario_budgets {
    sim_scenario_budget_t video_latency_p50_ms;
    sim_scenario_budget_t video_latency_p95_ms;
    sim_scenario_budget_t video_latency_p99_ms;
    sim_scenario_budget_t audio_latency_p95_ms;
    sim_scenario_budget_t video_fps_min;
    sim_scenario_budget_t freeze_ratio_max;
    sim_scenario_budget_t delivered_ratio_min;
    sim_scenario_budget_t decrypt_success_min;
    sim_scenario_budget_t time_to_first_frame_ms_max;
    sim_scenario_budget_t psnr_db_min;
    sim_scenario_budget_t sfu_forwarded_kbps_min;
    sim_confidentiality_t confidentiality; /* default strict */
} sim_scenario_budgets_t;

/* A loaded scenario. Immutable: every pointer in it is owned by the
 * scenario and lives until sim_scenario_free(). */
typedef struct sim_scenario {
    const char *name;
    const char *description; /* "" when not given */
    uint64_t seed;
    double duration_s;
    double warmup_s;
    sim_scenario_e2ee_t e2ee;
    sim_scenario_sfu_t sfu;
    sim_scenario_media_t media;
    const sim_scenario_link_t *links; /* links[0] is "ideal" */
    size_t link_count;
    const sim_scenario_peer_t *peers; /* expanded, at least 2 */
    size_t peer_count;
    const sim_scenario_event_t *events;
    size_t event_count;
    sim_scenario_budgets_t budgets;
} sim_scenario_t;

/* --- Loading --------------------------------------------------------------- */

/* Loads the scenario file at `path`. `sets` are `JSON.PATH=VALUE` overrides
 * (n_sets of them, applied in order to the parsed JSON before validation;
 * see docs/scenario-format.md, "Additions"). Trace files are relative to
 * the scenario file's directory.
 *
 * Returns NULL on any problem (unreadable file, JSON syntax, a bad --set,
 * an unknown key, a wrong type, a value out of range, a dangling name, an
 * unreadable or malformed trace file, out of memory); `err` then receives
 * one line `FILE: JSON.PATH: message` (`FILE: line L, column C: message`
 * for syntax errors). `err` may be NULL when err_len is 0. */
sim_scenario_t *sim_scenario_load(const char *path, const char *const *sets, size_t n_sets,
                                  char *err, size_t err_len);

/* As sim_scenario_load() on JSON text in memory. `label` stands for the
 * file name in messages; trace files are relative to `base_dir` (NULL: the
 * current directory). */
sim_scenario_t *sim_scenario_load_text(const char *json_text, size_t len, const char *label,
                                       const char *base_dir, const char *const *sets, size_t n_sets,
                                       char *err, size_t err_len);

/* The built-in default scenario (what `blindfold run` runs without a
 * file), with `sets` applied, through the same validation; messages name
 * it "(built-in default)". scenarios/default.json holds the same text. */
sim_scenario_t *sim_scenario_builtin_default(const char *const *sets, size_t n_sets, char *err,
                                             size_t err_len);

/* The built-in default scenario's JSON text. */
const char *sim_scenario_builtin_default_text(void);

/* Loads a file holding one link profile: a JSON object in the format of
 * one entry of "links" (blindfold replay --link). The result is a scenario
 * holding only links: links[0] "ideal" and links[1] the file's profile,
 * named "link"; its trace file is relative to the file's directory. Its
 * other fields are zero: only sim_scenario_free() and the links may be
 * used. NULL on any problem, with one line in err: `FILE: JSON.PATH:
 * message` (the path from the object, as "loss.p"), `FILE: message`. */
sim_scenario_t *sim_scenario_load_link(const char *path, char *err, size_t err_len);

/* Frees a scenario; accepts NULL. */
void sim_scenario_free(sim_scenario_t *scenario);

/* --- The resolved scenario as JSON ---------------------------------------- */

/* Every field with its default filled in, keys in the order of
 * docs/scenario-format.md. Peer groups stay as written (with their count);
 * loading it again gives the same scenario. Borrowed: valid until
 * sim_scenario_free(); copy it (json_deep_copy) to keep it longer. */
const json_t *sim_scenario_resolved_json(const sim_scenario_t *scenario);

/* The same, as text indented by two spaces and ending in a newline, with
 * reals printed to 15 significant digits. The caller frees it with free().
 * NULL when out of memory. */
char *sim_scenario_resolved_text(const sim_scenario_t *scenario);

/* --- Lookups ----------------------------------------------------------------- */

/* Index of the link profile or peer (expanded name) called `name`, or -1. */
long sim_scenario_link_index(const sim_scenario_t *scenario, const char *name);
long sim_scenario_peer_index(const sim_scenario_t *scenario, const char *name);

/* Seconds of virtual time as microseconds, rounded to the nearest. */
uint64_t sim_scenario_us(double seconds);

#endif
