/* sim/run_internal.h: the runner's shared state, private to sim/run*.c. */
#ifndef BLINDFOLD_SIM_RUN_INTERNAL_H
#define BLINDFOLD_SIM_RUN_INTERNAL_H

#include "hbh/hbh.h"
#include "peers/peer.h"
#include "sfu/sfu.h"
#include "sim/sim.h"
#include "sim/sim_run.h"

#include <openssl/crypto.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RUN_TRACK_AUDIO 1u
#define RUN_TRACK_VIDEO 2u
#define RUN_KEY_LEN     32u

typedef struct run run_t;

typedef struct run_timer {
    bool armed;
    uint64_t at_us;
    sim_timer_id_t id;
} run_timer_t;

/* A sender key as the key server knows it. */
typedef struct run_key {
    bool valid;
    uint64_t epoch;
    uint64_t step; /* ratchet steps taken in this epoch */
    uint8_t bytes[64];
    size_t len;
} run_key_t;

/* What receiver r has of sender s (one per ordered pair). */
typedef struct run_pair {
    bool active; /* subscribed now */
    /* Counters of the pair collected from the receiving peer before it or
     * the sender went away, added over the pair's active intervals. */
    peer_remote_stats_t video, audio;
    bool has_video, has_audio;
    run_key_t delivered; /* the newest key of the sender handed to the receiver */
} run_pair_t;

typedef struct run_peer {
    run_t *run;
    size_t index;
    uint32_t id; /* index + 1 */
    const sim_scenario_peer_t *sp;
    bool member; /* not an eavesdropper */
    sim_link_t *up, *down;
    peer_t *peer; /* NULL while out of the call */
    bool present;
    unsigned joins;
    uint64_t join_us;
    uint64_t present_us; /* time in the call, over all joins */
    /* RTX packets (the video RTX payload type) handed to the uplink and,
     * by the SFU, to the downlink: timeseries.csv's rtx_packets. */
    uint64_t rtx_up, rtx_down;
    run_timer_t timer;
    size_t preferred_layer;
    bool publishes_audio, publishes_video;
    uint32_t audio_ssrc;
    uint32_t video_ssrc[PEER_MAX_LAYERS];
    run_key_t key;     /* own send key */
    run_key_t pending; /* the next epoch's key while its switch is scheduled */
    uint32_t video_rtx[PEER_MAX_LAYERS];
    /* Attacker views for the key metrics (run_attack.c). `ghost`: after the
     * peer left, a receiver with the keys it held, fed the SFU's view of
     * every publisher's lowest layer and audio. `probe`: after it joined,
     * a receiver with the keys it is given, fed the traffic recorded
     * before its join. Both report their frames as this peer's. */
    struct run_view {
        struct run_peer *owner;
        peer_t *peer; /* NULL when there is none */
        run_timer_t timer;
    } ghost, probe;
    uint64_t last_leave_us;
    uint64_t probe_join_us, probe_ends_us;
    peer_stats_t totals;           /* summed over the peer's joins */
    uint64_t first_departed_epoch; /* keys metric: the first epoch it must not read */
} run_peer_t;

typedef struct run_wall {
    uint64_t start_ns;
    uint64_t sfu_input_ns; /* summed over input calls */
    uint64_t sfu_poll_ns;
    uint64_t sfu_packets;
    uint32_t *samples; /* ns per input call, for percentiles */
    size_t n_samples, cap_samples;
} run_wall_t;

struct run {
    const sim_scenario_t *scenario;
    const sim_run_options_t *options;
    const sfu_ops_t *ops;
    void *sfu;
    sim_engine_t *engine;
    uint64_t end_us;
    bool failed;
    struct sim__pcap_out *pcap; /* options->pcap */
    uint8_t video_rtx_pt;       /* of the peers' video; 0 until a video track */
    bool unsupported;           /* the failure is SIM_RUN_UNSUPPORTED */
    char error[256];

    run_peer_t *peers;
    size_t peer_count;
    run_pair_t *pairs; /* peer_count * peer_count, receiver-major */

    run_timer_t sfu_timer;
    sim_rng_t rng_ssrc;
    sim_rng_t rng_keys;
    uint32_t *ssrcs;
    size_t ssrc_count, ssrc_cap;

    peer_scheme_t scheme;
    peer_signal_t signal;
    sfu_keyframe_signal_t sfu_signal;
    peer_test_transform_t test_transform;
    peer_ext_ids_t ext;
    peer_clips_t *clips;
    peer_frame_cache_t *frame_cache; /* pattern pictures shared by the peers */

    struct run_key_event *key_events; /* pending and done deliveries, freed at the end */
    uint64_t epoch;                   /* newest epoch number handed out */
    uint64_t epochs;                  /* epochs started in the run */

    uint64_t late_uplink, late_downlink; /* deliveries to a peer no longer there */
    struct run_recorder *recorder;       /* run_attack.c */
    uint64_t attack_decrypted;           /* frames the attacker views opened */
    uint64_t last_progress_ns;

    run_wall_t wall;
    struct run_report_state *report; /* run_report.c */
};

void run__fail(run_t *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void run__trace(run_t *run, uint64_t now_us, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
uint64_t run__wall_ns(void);
void run__wall_sample(run_t *run, uint64_t ns);

void run__poll_peer(run_peer_t *p, uint64_t now_us);
/* What a receiver of s's `kind` needs to know, for the SSRCs it gets. */
peer_remote_config_t run__remote_config(const run_t *run, const run_peer_t *s, peer_kind_t kind,
                                        uint32_t ssrc, uint32_t rtx_ssrc);
void run__poll_sfu(run_t *run, uint64_t now_us);

static inline uint32_t run_even(uint32_t v)
{
    return v & ~1u;
}

static inline run_pair_t *run__pair(run_t *run, const run_peer_t *receiver,
                                    const run_peer_t *sender)
{
    return &run->pairs[receiver->index * run->peer_count + sender->index];
}

/* run_keys.c */
void run__keys_join(run_t *run, run_peer_t *p, uint64_t now_us);
void run__keys_leave(run_t *run, run_peer_t *p, uint64_t now_us);
void run__keys_rekey(run_t *run, run_peer_t *p, uint64_t now_us);
void run__keys_free(run_t *run);

/* run_attack.c */
bool run__attack_init(run_t *run);
void run__attack_free(run_t *run);
void run__attack_observe(run_t *run, uint64_t now_us, const sfu_packet_view_t *packet);
void run__attack_left(run_t *run, run_peer_t *p, uint64_t now_us);
void run__attack_joined(run_t *run, run_peer_t *p, uint64_t now_us);
void run__attack_key(run_t *run, run_peer_t *r, run_peer_t *s, const run_key_t *key,
                     uint64_t now_us);

/* run_report.c */
bool run__report_init(run_t *run);
void run__report_free(run_t *run);
void run__on_sent(void *ctx, uint64_t now_us, const peer_sent_frame_t *frame);
void run__on_frame(void *ctx, uint64_t now_us, const peer_frame_record_t *record);
/* A frame of an attacker view: into the key metrics only. */
void run__on_attack_frame(void *ctx, uint64_t now_us, const peer_frame_record_t *record);
void run__observe(void *ctx, uint64_t now_us, const sfu_packet_view_t *packet);
void run__tracks_declared(run_t *run, run_peer_t *p, const peer_config_t *c);
void run__metrics_departed(run_t *run, run_peer_t *p, uint64_t now_us);
void run__metrics_presence(run_t *run, run_peer_t *p, uint64_t now_us, bool joined);
void run__collect_pair(run_t *run, run_peer_t *receiver, run_peer_t *sender);
void run__collect_peer(run_t *run, run_peer_t *p);
void run__timeseries_tick(run_t *run, uint64_t now_us);
json_t *run__report_build(run_t *run, sim_run_status_t *status);

#endif
