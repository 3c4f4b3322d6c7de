/* Private to sim/metrics*.c: the state behind sim__metrics_t, shared by
 * the inputs and queries (metrics.c), the figures computed at finish
 * (metrics_figures.c) and the time series (metrics_series.c). */
#ifndef BLINDFOLD_SIM_METRICS_INTERNAL_H
#define BLINDFOLD_SIM_METRICS_INTERNAL_H

#include "sim/metrics.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM__METRICS_NONE          SIZE_MAX            /* "no pair" */
#define SIM__METRICS_OPEN_END      UINT64_MAX          /* end of a presence span still open */
#define SIM__METRICS_FREEZE_WIN    30                  /* durations averaged by the freeze rule */
#define SIM__METRICS_FREEZE_ADD_US 150000u             /* the rule's "avg + 150 ms" */
#define SIM__METRICS_DURATION_MAX  (UINT64_C(1) << 50) /* about 35 years */

/* [start_us, end_us); end_us may be SIM__METRICS_OPEN_END in a presence. */
typedef struct sim__metrics_span {
    uint64_t start_us;
    uint64_t end_us;
} sim__metrics_span_t;

enum {
    SIM__METRICS_REC_DECRYPTED = 1u << 0,
    SIM__METRICS_REC_DECODED = 1u << 1,
    SIM__METRICS_REC_VERIFIED = 1u << 2,
    SIM__METRICS_REC_KEYFRAME = 1u << 3,
    SIM__METRICS_REC_WAITED = 1u << 4,
    SIM__METRICS_REC_RENDERED =
        SIM__METRICS_REC_DECRYPTED | SIM__METRICS_REC_DECODED | SIM__METRICS_REC_VERIFIED,
};

/* One received frame record as stored: 40 bytes. */
typedef struct sim__metrics_record {
    uint64_t frame;
    uint64_t render_us;
    uint64_t epoch;
    double psnr_db;
    uint8_t layer;
    uint8_t flags; /* SIM__METRICS_REC_* */
} sim__metrics_record_t;

/* A (receiver, sender, kind) with its records. Pairs a record names but no
 * subscription opened stay with subscribed false. */
typedef struct sim__metrics_pair_state {
    uint32_t receiver;
    uint32_t sender;
    sim__metrics_kind_t kind;
    bool subscribed;
    sim__metrics_record_t *records;
    size_t record_count, record_cap;
    /* Set by finish: the active intervals (both present, if subscribed). */
    sim__metrics_span_t *active;
    size_t active_count;
} sim__metrics_pair_state_t;

/* Link outcomes of one peer, direction and bucket: 56 bytes. Sends and
 * losses count in the bucket of the send, deliveries (duplicates
 * included) in the bucket of the delivery. */
typedef struct sim__metrics_bucket {
    uint32_t packets; /* sent */
    uint32_t lost;
    uint32_t delivered; /* copies delivered */
    uint64_t bytes;     /* sent */
    uint64_t delivered_bytes;
    uint64_t delay_sum_us; /* of the delivered copies */
    /* sim__metrics_link_extra(): retransmissions handed to the link and the
     * queueing part of the delivered copies' delay. */
    uint64_t rtx_packets;
    uint64_t queue_delay_sum_us;
} sim__metrics_bucket_t;

/* From at_us on, the receiver gets `layer` from `sender`: 16 bytes. */
typedef struct sim__metrics_layer_sample {
    uint64_t at_us;
    uint32_t sender;
    uint8_t layer;
} sim__metrics_layer_sample_t;

typedef struct sim__metrics_departure_entry {
    uint64_t leave_us;
    uint64_t first_epoch;
} sim__metrics_departure_entry_t;

typedef struct sim__metrics_peer_state {
    char *name;
    bool eavesdropper;
    bool publishes_video;
    bool publishes_audio;
    /* Presence, ascending; while present the last span is open. */
    sim__metrics_span_t *spans;
    size_t span_count, span_cap;
    sim__metrics_departure_entry_t *departures;
    size_t departure_count, departure_cap;
    /* Indices into pair_states of the pairs it receives, sorted by (sender,
     * kind). */
    size_t *pairs;
    size_t pair_count, pair_cap;
    sim__metrics_layer_sample_t *layers; /* non-decreasing at_us */
    size_t layer_count, layer_cap;
    sim__metrics_bucket_t *buckets[2]; /* per direction; NULL until a packet */
    sim__metrics_sent_t sent;
    bool has_last_video, has_last_audio;
    uint64_t last_video_frame, last_audio_frame;
} sim__metrics_peer_state_t;

struct sim__metrics {
    sim__metrics_config_t config;
    size_t peer_count;
    size_t bucket_count;
    sim__metrics_peer_state_t *peers;
    sim__metrics_pair_state_t *pair_states;
    size_t pair_state_count, pair_state_cap;
    uint64_t capture_mismatch;
    bool finished;
    /* Whether sim__metrics_link_extra() fed the rtx_packets and the queue
     * delay columns of timeseries.csv; without it they stay empty. */
    bool has_rtx, has_queue_delay;
    /* Results, set by finish. */
    sim__metrics_pair_t *listed;
    size_t listed_count;
    size_t *listed_state; /* the pair state of each listed pair */
    sim__metrics_keys_t keys;
    sim__metrics_diag_t diag;
    sim__metrics_budget_value_t budgets[SIM__METRICS_BUDGET__COUNT];
};

/* Grows *items (of item_size bytes each) to hold at least `need`, doubling;
 * false when memory runs out (nothing changes then). */
bool sim__metrics_grow(void **items, size_t *cap, size_t need, size_t item_size);

/* Grid time of frame `frame` of `kind` (saturates at UINT64_MAX). */
uint64_t sim__metrics_grid_us(const sim__metrics_t *metrics, sim__metrics_kind_t kind,
                              uint64_t frame);

/* A span's end with an open end read as duration_us. */
uint64_t sim__metrics_span_end(const sim__metrics_t *metrics, const sim__metrics_span_t *span);

/* The pair state of (receiver, sender, kind), or SIM__METRICS_NONE. */
size_t sim__metrics_find_pair(const sim__metrics_t *metrics, size_t receiver, size_t sender,
                              sim__metrics_kind_t kind);

/* metrics_figures.c: everything finish computes. False when memory runs
 * out (finish then fails and frees what it built). */
bool sim__metrics_compute(sim__metrics_t *metrics);
/* Frees what sim__metrics_compute() built. */
void sim__metrics_release_results(sim__metrics_t *metrics);

#endif
