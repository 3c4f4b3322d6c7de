/* Private to sim/: the call metrics. A pure accounting module: the call
 * runner feeds it during a run (peers, presence, subscriptions, sent
 * frames, received frame records, link packets, layer changes), calls
 * sim__metrics_finish() once, and then reads the figures of report.json
 * (docs/report-format.md: peers[].sent, peers[].received[], keys, the
 * budget values) and writes timeseries.csv. It has no clock (every time is
 * a virtual microsecond passed in) and no I/O but the CSV writer.
 *
 * Determinism. Inputs are stored and every figure is computed in
 * sim__metrics_finish() from sorted data, with integer arithmetic wherever
 * an order could matter (sums of microseconds, the freeze threshold);
 * floating point comes in only for final divisions and for the PSNR sum,
 * taken in frame-number order. The same inputs give
 * bit-identical outputs; received frame records may even come in any
 * order. Sent frames are the one exception (see sim__metrics_frame_sent).
 *
 * ---- Definitions ---------------------------------------------------------
 *
 * Capture grids. Video frame n is captured at round(n * 1e6 / fps) us
 * (sim__metrics_video_capture_us; it must equal peer_video_capture_us),
 * audio frame k at k * ptime. Both grids start at virtual time 0 for every
 * peer. A frame is identified by its grid number; its capture time is the
 * grid time of that number (a record's own capture_us is only checked
 * against it, see sim__metrics_diag_t.capture_mismatch).
 *
 * Pairs. A pair is (receiver, sender, kind) for each kind the sender
 * publishes, once the receiver subscribes the sender. Its active intervals
 * are the times when both peers are present (presence intervals are
 * [join_us, leave_us); a peer still present at the end leaves at
 * duration_us). Pairs with active time are listed in the order receiver
 * index, sender index, video before audio.
 *
 * Windows, per active interval [s, e):
 *  - counting window  C = [max(s, warmup), e - tail): a frame counts in the
 *    pair's frame figures when its capture time falls in C. The tail
 *    (default 500 ms) leaves out frames that may still be in flight when
 *    the interval ends. Empty when e - tail <= max(s, warmup).
 *  - observed window  O = [max(s, warmup), e): the time over which freezes
 *    count (freeze_ratio = freeze_ms / total O).
 *  frames_expected is the number of grid frames in the C windows. Grid
 *  frames the sender's encoder skipped are still expected (they show as
 *  incomplete): the grid, not the sender, says what a receiver should get.
 *
 * Records. Several records of one frame number at one pair are merged: the
 * frame was received; decrypted if any record was; rendered if any record
 * was decrypted, decoded and verified, at the earliest such render_us
 * (whose layer and PSNR it keeps).
 *
 * Percentiles: linear interpolation between closest ranks, numpy's default
 * ("linear", type 7 of Hyndman and Fan): over the n sorted samples
 * x[0..n-1], the p-th percentile is at rank h = (n - 1) * p / 100,
 * x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]). The rank
 * is split into whole and hundredths in integers, so only the final
 * interpolation rounds. Latency percentiles are taken over microseconds
 * and then divided by 1000.
 *
 * Freezes, after the W3C webrtc-stats definition (RTCInboundRtpStreamStats,
 * w3c/webrtc-stats webrtc-stats.html as of 2025-09):
 *   freezeCount: "Count the total number of video freezes experienced by
 *   this receiver. It is a freeze if frame duration, which is time interval
 *   between two consecutively rendered frames, is equal or exceeds
 *   Max(3 * avg_frame_duration_ms, avg_frame_duration_ms + 150), where
 *   avg_frame_duration_ms is linear average of durations of last 30
 *   rendered frames."
 *   totalFreezesDuration: "Total duration of rendered frames which are
 *   considered as frozen (for definition of freeze see freezeCount), in
 *   seconds."
 * How blindfold applies it, per active interval of a video pair:
 *  - the rendered frames of the interval (capture time in [s, e), warmup or
 *    not) in render order (render_us, then frame number) give the frame
 *    durations; the average is over the last (up to) 30 of them, frozen
 *    ones included, as libwebrtc does. Before the first duration exists
 *    the nominal one, round(1e6 / fps), stands in;
 *  - a duration d is a freeze when d * k >= max(3 * S, S + 150000 * k),
 *    S the sum of the k averaged durations in microseconds: the definition
 *    in exact integers, ">=" included;
 *  - extension, the trailing stall: when the interval ends, the time from
 *    its last render to its end is judged by the same rule (otherwise a
 *    stream that dies silently would show no freeze);
 *  - a freeze counts when some of it lies in the observed window, and only
 *    that part adds to freeze_ms (so freeze_ms never exceeds the observed
 *    time; a freeze straddling the warmup counts its part after it). An
 *    interval with no rendered frame has no freeze: fps, delivered_ratio
 *    and time_to_first_frame show that case.
 *  Audio pairs have no freezes and no PSNR.
 *
 * Budget values (sim__metrics_budget_t), over the listed pairs whose
 * receiver is a member (eavesdroppers are listed but never in a budget)
 * and which expect at least one frame (frames_expected > 0):
 *   video_latency_p50/p95/p99_ms  max of the video pairs' percentile
 *   audio_latency_p95_ms          max of the audio pairs' p95
 *   video_fps_min                 min of the video pairs' fps
 *   freeze_ratio_max              max of the video pairs' freeze_ratio
 *   delivered_ratio_min           min over all pairs, both kinds
 *   decrypt_success_min           min over all pairs, both kinds
 *   time_to_first_frame_ms_max    max over all pairs, both kinds
 *   psnr_db_min                   min of the video pairs' psnr_db_mean
 * A pair in scope without the figure (no rendered frame, no record, no
 * PSNR measured) is "missing"; sim__metrics_budget_passes() fails a budget
 * with a missing pair, since the figure cannot be shown to be met there.
 *
 * Time series (sim__metrics_write_timeseries): see that function.
 *
 * Memory. 40 bytes per received frame record (frame number, render time,
 * epoch, PSNR, layer, flags), kept to the end for exact percentiles and
 * order independence; while finishing, 40 bytes per rendered frame of the
 * pair at hand (scratch reused from pair to pair); 16 bytes per layer
 * sample, and 32 bytes per time-series bucket for each
 * peer and direction that has link packets (100 peers for 60 s at 100 ms:
 * 3.8 MB). */
#ifndef BLINDFOLD_SIM_METRICS_H
#define BLINDFOLD_SIM_METRICS_H

#include "sim/sim_scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- Errors ---------------------------------------------------------------- */

#define SIM__METRICS_ERROR_LIST(X)                                                         \
    X(SIM__METRICS_OK, "success")                                                          \
    X(SIM__METRICS_ERR_INVALID_ARG, "argument out of range")                               \
    X(SIM__METRICS_ERR_RANGE, "time outside [0, duration]")                                \
    X(SIM__METRICS_ERR_ORDER, "join while present, leave while absent, or time backwards") \
    X(SIM__METRICS_ERR_STATE, "input after sim__metrics_finish(), or a query before it")   \
    X(SIM__METRICS_ERR_NO_MEMORY, "out of memory")

typedef enum sim__metrics_err {
#define SIM__METRICS_ENUM(name, msg) name,
    SIM__METRICS_ERROR_LIST(SIM__METRICS_ENUM)
#undef SIM__METRICS_ENUM
        SIM__METRICS_ERR__COUNT
} sim__metrics_err_t;

/* Message for an error code; never NULL, also for unknown codes. */
const char *sim__metrics_strerror(sim__metrics_err_t err);

/* ---- Configuration --------------------------------------------------------- */

typedef enum sim__metrics_kind {
    SIM__METRICS_VIDEO = 0,
    SIM__METRICS_AUDIO = 1,
} sim__metrics_kind_t;

typedef enum sim__metrics_dir {
    SIM__METRICS_UP = 0,   /* peer to SFU */
    SIM__METRICS_DOWN = 1, /* SFU to peer */
} sim__metrics_dir_t;

/* A layer sample's "receives no video from this sender any more". */
#define SIM__METRICS_NO_LAYER 255u
/* PSNR above this (identical pictures give +inf) counts as this, the top of
 * the psnr_db_min budget range. */
#define SIM__METRICS_PSNR_CAP_DB 100.0

typedef struct sim__metrics_config {
    uint64_t duration_us;    /* (0, 2^50] */
    uint64_t warmup_us;      /* < duration_us */
    double video_fps;        /* (0, 240]; 0 when the run has no video */
    uint64_t audio_ptime_us; /* > 0; 0 when the run has no audio */
    uint64_t tail_us;        /* frames captured this close to an interval's end are not expected */
    uint64_t bucket_us;      /* time-series bucket, > 0 */
} sim__metrics_config_t;

/* duration 0 (the caller must set it), warmup 2 s, video 30 fps, audio
 * 20 ms, tail 500 ms, bucket 100 ms. */
sim__metrics_config_t sim__metrics_config_default(void);

/* The defaults with duration, warmup, fps and ptime of `scenario` (a kind
 * turned off in media gives fps or ptime 0). */
sim__metrics_config_t sim__metrics_config_from_scenario(const sim_scenario_t *scenario);

/* Grid time of video frame n: round(n * 1e6 / fps). The same formula as
 * peer_video_capture_us(). fps must be > 0. */
uint64_t sim__metrics_video_capture_us(double fps, uint64_t n);

/* The p-th percentile (0..100) of `count` samples sorted ascending, by
 * linear interpolation between closest ranks (see the file comment). 0 when
 * count is 0. */
double sim__metrics_percentile(const int64_t *sorted, size_t count, unsigned p);

/* ---- Lifetime ---------------------------------------------------------------- */

typedef struct sim__metrics sim__metrics_t;

/* NULL when the config is out of range, peer_count is 0, or memory runs
 * out. Peers are 0 .. peer_count - 1, the scenario's expanded indices. */
sim__metrics_t *sim__metrics_new(const sim__metrics_config_t *config, size_t peer_count);

/* Accepts NULL. */
void sim__metrics_free(sim__metrics_t *metrics);

/* ---- Inputs (before sim__metrics_finish; each returns ERR_STATE after) ------
 *
 * Every input returns SIM__METRICS_OK, or: ERR_INVALID_ARG (a NULL pointer,
 * a peer index out of range, a receiver equal to its sender, a bad kind,
 * direction or layer, a kind the config turns off), ERR_RANGE (a time
 * above duration_us, render_us included), ERR_NO_MEMORY. On an error
 * nothing is recorded. */

typedef struct sim__metrics_peer {
    const char *name; /* copied; NULL counts as "" */
    bool eavesdropper;
    bool publishes_video;
    bool publishes_audio;
} sim__metrics_peer_t;

/* Describes peer `index` (default: "", a member publishing nothing). Call
 * it before sim__metrics_subscribe() names the peer as a sender: the pairs
 * a subscription opens follow what the sender publishes at that time. */
sim__metrics_err_t sim__metrics_set_peer(sim__metrics_t *metrics, size_t index,
                                         const sim__metrics_peer_t *peer);

/* Presence. A peer joins and leaves in alternation, at non-decreasing
 * times (ERR_ORDER otherwise); it may join again after leaving. */
sim__metrics_err_t sim__metrics_join(sim__metrics_t *metrics, size_t peer, uint64_t at_us);
sim__metrics_err_t sim__metrics_leave(sim__metrics_t *metrics, size_t peer, uint64_t at_us);

/* `receiver` subscribes every kind `sender` publishes, for the whole run.
 * Subscribing twice is harmless. */
sim__metrics_err_t sim__metrics_subscribe(sim__metrics_t *metrics, size_t receiver, size_t sender);

/* Key accounting: `receiver` left at leave_us and must not read epoch
 * first_forbidden_epoch or any later one. A decrypted record at it with
 * such an epoch, made at or after leave_us and before its next join,
 * counts in frames_decrypted_by_departed. */
sim__metrics_err_t sim__metrics_departure(sim__metrics_t *metrics, size_t receiver,
                                          uint64_t leave_us, uint64_t first_forbidden_epoch);

typedef struct sim__metrics_sent_frame {
    size_t sender;
    sim__metrics_kind_t kind;
    unsigned layer;      /* 0 for audio; < SIM__METRICS_NO_LAYER */
    uint64_t frame;      /* grid number */
    uint64_t capture_us; /* its grid time; not checked */
    uint64_t bytes;      /* encoded (protected) frame size */
    bool keyframe;
} sim__metrics_sent_frame_t;

/* One encoded frame of one layer. Per sender and kind, feed frames in
 * capture order: a frame number reported for several simulcast layers in a
 * row counts once in video_frames. */
sim__metrics_err_t sim__metrics_frame_sent(sim__metrics_t *metrics,
                                           const sim__metrics_sent_frame_t *frame);

typedef struct sim__metrics_frame_record {
    size_t receiver;
    size_t sender;
    sim__metrics_kind_t kind;
    unsigned layer;      /* < SIM__METRICS_NO_LAYER */
    uint64_t frame;      /* grid number: the frame's identity */
    uint64_t capture_us; /* only compared with the grid time of `frame` */
    /* When the frame was rendered; for a frame not rendered, when the
     * receiver gave up on it (decrypt or decode failed). Also the record's
     * time for the key accounting. */
    uint64_t render_us;
    bool keyframe;
    bool decrypted;
    bool decoded;
    bool verified;       /* rendered = decrypted && decoded && verified */
    double psnr_db;      /* NaN: not measured */
    uint64_t epoch;      /* the key epoch that opened it */
    bool waited_for_key; /* held for its key first */
} sim__metrics_frame_record_t;

/* One frame that completed at a receiver (a frame that never completed has
 * no record). Records of pairs never subscribed are kept for the key
 * accounting only. Any order. */
sim__metrics_err_t sim__metrics_frame_received(sim__metrics_t *metrics,
                                               const sim__metrics_frame_record_t *record);

typedef struct sim__metrics_packet {
    size_t peer;
    sim__metrics_dir_t dir;
    /* When the runner learns the packet's fate: the delivery time of a
     * delivered copy, the send time of a lost packet. <= duration_us. */
    uint64_t at_us;
    uint64_t bytes;
    bool delivered;    /* false: lost */
    uint64_t delay_us; /* one-way delay of a delivered copy */
} sim__metrics_packet_t;

/* One packet outcome on a link, for timeseries.csv. A duplicated packet
 * gives two delivered copies: feed each. */
sim__metrics_err_t sim__metrics_link_packet(sim__metrics_t *metrics,
                                            const sim__metrics_packet_t *packet);

/* The same for many packets at once, as a link's counters moved over one
 * interval ending at at_us (sim_link_counters_t differences): `packets`
 * handed to the link and `bytes` of them, `lost` of them (lost <=
 * packets), copies `delivered` (duplicates included) with their
 * `delivered_bytes` and their one-way delays summed. The runner samples its
 * links this way every bucket. One packet of sim__metrics_link_packet() is
 * packets 1 and either lost 1 or delivered 1. */
typedef struct sim__metrics_link_counts {
    size_t peer;
    sim__metrics_dir_t dir;
    uint64_t at_us;
    uint64_t packets, lost, delivered;
    uint64_t bytes, delivered_bytes;
    uint64_t delay_sum_us;
} sim__metrics_link_counts_t;

sim__metrics_err_t sim__metrics_link_counts(sim__metrics_t *metrics,
                                            const sim__metrics_link_counts_t *counts);

/* What the link counters alone cannot say, for the same interval as a
 * sim__metrics_link_counts() call (and, like it, counted in the bucket of
 * at_us): `rtx_packets` retransmitted packets (RFC 4588 RTX) handed to the
 * link: for "up" the ones the peer sent, for "down" the ones the SFU sent
 * to the peer; and `queue_delay_sum_us`, the time the delivered copies
 * waited in the link's bottleneck queue, summed. `has_rtx` and
 * `has_queue_delay` say which of the two the caller knows: a column fed
 * by no call at all stays empty in timeseries.csv. ERR_INVALID_ARG,
 * ERR_STATE after finish, ERR_RANGE past duration_us, ERR_NO_MEMORY. */
typedef struct sim__metrics_link_extra {
    size_t peer;
    sim__metrics_dir_t dir;
    uint64_t at_us;
    bool has_rtx, has_queue_delay;
    uint64_t rtx_packets;
    uint64_t queue_delay_sum_us;
} sim__metrics_link_extra_t;

sim__metrics_err_t sim__metrics_link_extra(sim__metrics_t *metrics,
                                           const sim__metrics_link_extra_t *extra);

/* From at_us on, `receiver` gets video layer `layer` from `sender`
 * (SIM__METRICS_NO_LAYER: none any more). For timeseries.csv. Per
 * receiver, at_us never decreases (ERR_ORDER); at equal times the later
 * sample wins. */
sim__metrics_err_t sim__metrics_layer(sim__metrics_t *metrics, size_t receiver, size_t sender,
                                      uint64_t at_us, unsigned layer);

/* Ends the inputs and computes every figure: closes open presence at
 * duration_us. ERR_STATE when called twice, ERR_NO_MEMORY (the object
 * then stays unfinished and may be freed). */
sim__metrics_err_t sim__metrics_finish(sim__metrics_t *metrics);

/* ---- Results (after sim__metrics_finish; NULL or 0 before) ----------------- */

typedef struct sim__metrics_latency {
    double p50_ms, p95_ms, p99_ms, max_ms;
} sim__metrics_latency_t;

/* One listed pair: the figures of a report.json received[] entry. A
 * figure whose has_ flag is false is null in the report (its value is 0).
 * Frame figures count frames captured in the counting windows. */
typedef struct sim__metrics_pair {
    size_t receiver;
    size_t sender;
    sim__metrics_kind_t kind;
    bool eavesdropper; /* the receiver's role; never in a budget */

    uint64_t active_us;   /* total length of the active intervals */
    uint64_t counted_us;  /* total length of the counting windows */
    uint64_t observed_us; /* total length of the observed windows */

    uint64_t frames_expected;       /* grid frames in the counting windows */
    uint64_t frames_received;       /* of those, frames with a record */
    uint64_t frames_decrypted;      /* of those, decrypted */
    uint64_t frames_rendered;       /* decrypted, decoded and verified */
    uint64_t frames_decrypt_failed; /* received - decrypted */
    uint64_t frames_incomplete;     /* expected - received */
    uint64_t records_outside;       /* records captured outside every active interval */

    bool has_latency;                  /* a rendered frame counted */
    sim__metrics_latency_t latency_ms; /* render - capture of the rendered frames */

    bool has_fps; /* counted_us > 0 */
    double fps;   /* frames_rendered per counted second */

    /* Video only: has_freeze_ratio when observed_us > 0 and a frame was
     * rendered in the active intervals. */
    uint64_t freeze_count;
    double freeze_ms;
    bool has_freeze_ratio;
    double freeze_ratio; /* freeze_ms / observed ms */

    /* First render of a frame of the active intervals (warmup or not) minus
     * the start of the first active interval. */
    bool has_time_to_first_frame;
    double time_to_first_frame_ms;

    bool has_psnr; /* video: a counted rendered frame had a PSNR */
    double psnr_db_mean;

    uint64_t layer_switches; /* layer changes along counted rendered frames, in render order */

    bool has_delivered_ratio; /* frames_expected > 0 */
    double delivered_ratio;   /* rendered / expected */
    bool has_decrypt_success; /* frames_received > 0 */
    double decrypt_success;   /* decrypted / received */
} sim__metrics_pair_t;

size_t sim__metrics_pair_count(const sim__metrics_t *metrics);
/* The i-th listed pair (receiver, sender, video before audio); NULL when i
 * is out of range. */
const sim__metrics_pair_t *sim__metrics_pair(const sim__metrics_t *metrics, size_t i);

/* report.json peers[].sent, over the whole run (no warmup). */
typedef struct sim__metrics_sent {
    uint64_t video_frames;       /* distinct frame numbers */
    uint64_t video_layer_frames; /* encoded frames over every layer */
    uint64_t audio_frames;
    uint64_t keyframes; /* keyframes over every layer */
    uint64_t bytes;     /* every layer and kind */
} sim__metrics_sent_t;

const sim__metrics_sent_t *sim__metrics_sent(const sim__metrics_t *metrics, size_t peer);
/* The name given to sim__metrics_set_peer ("" without one); NULL when peer
 * is out of range. Valid before finish too. */
const char *sim__metrics_peer_name(const sim__metrics_t *metrics, size_t peer);

/* report.json "keys" (epochs come from the key server), over the whole run
 * and every record. Each decrypted record counts in at most one of the
 * first three: an eavesdropper's in by_eavesdropper only; else one made
 * while departed (see sim__metrics_departure) in by_departed; else one
 * whose frame was captured before the receiver's latest join at or before
 * render_us (or made while it had never joined) in before_join. */
typedef struct sim__metrics_keys {
    uint64_t frames_decrypted_by_departed;
    uint64_t frames_decrypted_before_join;
    uint64_t frames_decrypted_by_eavesdropper;
    uint64_t frames_waiting_for_key; /* records with waited_for_key */
} sim__metrics_keys_t;

const sim__metrics_keys_t *sim__metrics_keys(const sim__metrics_t *metrics);

/* Inputs the figures set aside; all should be 0 in a sound run. */
typedef struct sim__metrics_diag {
    uint64_t records_unsubscribed; /* records of a pair never subscribed */
    uint64_t records_outside;      /* sum of the pairs' records_outside */
    uint64_t capture_mismatch;     /* records whose capture_us is not their grid time */
} sim__metrics_diag_t;

const sim__metrics_diag_t *sim__metrics_diag(const sim__metrics_t *metrics);

/* ---- Budgets ------------------------------------------------------------------ */

/* name (the scenario's budgets key), upper bound (value <= limit passes)
 * or lower bound (value >= limit). */
#define SIM__METRICS_BUDGET_LIST(X)                                                       \
    X(SIM__METRICS_BUDGET_VIDEO_LATENCY_P50_MS, "video_latency_p50_ms", true)             \
    X(SIM__METRICS_BUDGET_VIDEO_LATENCY_P95_MS, "video_latency_p95_ms", true)             \
    X(SIM__METRICS_BUDGET_VIDEO_LATENCY_P99_MS, "video_latency_p99_ms", true)             \
    X(SIM__METRICS_BUDGET_AUDIO_LATENCY_P95_MS, "audio_latency_p95_ms", true)             \
    X(SIM__METRICS_BUDGET_VIDEO_FPS_MIN, "video_fps_min", false)                          \
    X(SIM__METRICS_BUDGET_FREEZE_RATIO_MAX, "freeze_ratio_max", true)                     \
    X(SIM__METRICS_BUDGET_DELIVERED_RATIO_MIN, "delivered_ratio_min", false)              \
    X(SIM__METRICS_BUDGET_DECRYPT_SUCCESS_MIN, "decrypt_success_min", false)              \
    X(SIM__METRICS_BUDGET_TIME_TO_FIRST_FRAME_MS_MAX, "time_to_first_frame_ms_max", true) \
    X(SIM__METRICS_BUDGET_PSNR_DB_MIN, "psnr_db_min", false)

typedef enum sim__metrics_budget {
#define SIM__METRICS_BUDGET_ENUM(id, name, upper) id,
    SIM__METRICS_BUDGET_LIST(SIM__METRICS_BUDGET_ENUM)
#undef SIM__METRICS_BUDGET_ENUM
        SIM__METRICS_BUDGET__COUNT
} sim__metrics_budget_t;

typedef struct sim__metrics_budget_value {
    bool has_value;       /* some pair in scope has the figure */
    double value;         /* the worst of them (0 without one) */
    size_t worst_pair;    /* index for sim__metrics_pair(); the first of equals */
    size_t pairs;         /* pairs in scope with the figure */
    size_t pairs_missing; /* pairs in scope without it */
} sim__metrics_budget_value_t;

/* The scenario key, e.g. "video_latency_p95_ms"; NULL for an unknown id. */
const char *sim__metrics_budget_name(sim__metrics_budget_t budget);
/* True when value <= limit passes, false when value >= limit does. */
bool sim__metrics_budget_is_upper(sim__metrics_budget_t budget);

/* The aggregated value (see the file comment). All zero before finish or
 * for an unknown id. */
sim__metrics_budget_value_t sim__metrics_budget_value(const sim__metrics_t *metrics,
                                                      sim__metrics_budget_t budget);

/* Pass: a value exists, no pair in scope misses it, and it is within
 * `limit` in the budget's direction. */
bool sim__metrics_budget_passes(sim__metrics_budget_t budget,
                                const sim__metrics_budget_value_t *value, double limit);

/* ---- timeseries.csv ------------------------------------------------------------
 *
 * Writes the header and one row per bucket of bucket_us, per peer, per
 * direction, in the order bucket time, peer index, up before down. A
 * peer's two rows appear for a bucket when the peer is present during some
 * of it or has link packets in it. Columns:
 *   t_s            bucket start in seconds, 3 decimals (bucket k starts at
 *                  k * bucket_us; the last one ends at duration_us)
 *   peer           the peer's name
 *   dir            up | down
 *   packets        packets handed to the link in the bucket (sim__metrics_link_counts)
 *   lost           lost packets
 *   loss_ratio     lost / packets; empty without packets
 *   kbps           delivered bytes * 8 / bucket length in ms (the length
 *                  of the bucket as cut by duration_us)
 *   sent_kbps      the same over every outcome, lost ones included
 *   mean_delay_ms  mean one-way delay of the delivered copies; empty
 *                  without one
 *   layer_min, layer_max  down rows: the lowest and highest video layer
 *                  the peer receives from its senders at the bucket's end
 *                  (the last layer sample before it, over senders whose
 *                  video pair is active during the bucket); empty on up
 *                  rows and when no layer is known
 *   rtx_packets    retransmitted (RTX) packets handed to the link in the
 *                  bucket: up rows those the peer sent, down rows those
 *                  the SFU sent to the peer (sim__metrics_link_extra());
 *                  empty in every row when no input gave RTX counts
 *   mean_queue_delay_ms  the queueing part of mean_delay_ms: mean time the
 *                  delivered copies waited in the bottleneck queue; empty
 *                  without a delivered copy or when no input gave it
 * Reals are printed with "%.3f" (loss_ratio "%.4f"). Returns ERR_STATE
 * before finish, ERR_INVALID_ARG for a NULL file, ERR_NO_MEMORY; a write
 * error shows in ferror(out). */
sim__metrics_err_t sim__metrics_write_timeseries(const sim__metrics_t *metrics, FILE *out);

#endif
