/* sim/sim_run.h: one whole call in virtual time.
 *
 * sim_run_call() wires a loaded scenario into the real pieces: one virtual peer
 * (peers/peer.h) per scenario peer, the SFU core through its ops table
 * (sfu/sfu.h), an uplink and a downlink per peer (sim_link.h), and the
 * scenario's events. It plays the key server of docs/DESIGN.md ("Key
 * distribution") and the DTLS-SRTP handshakes (fresh hop-by-hop keying
 * material per participant and join), runs the confidentiality oracle on
 * the SFU's observer hook, and measures every frame.
 *
 * The result is the report object of docs/report-format.md (kind "run"),
 * built in memory: writing it, and the CSV files, is the caller's. The
 * same scenario and seed give the same report, apart from its "wall"
 * section. Only the "wall" section reads the wall clock.
 *
 * Per-frame rows (frames.csv) go through a callback as they are produced,
 * so a long run never holds them in memory; the time series
 * (timeseries.csv) is written at the end from 100-ms buckets. */
#ifndef BLINDFOLD_SIM_RUN_H
#define BLINDFOLD_SIM_RUN_H

#include "sim/sim_scenario.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct sfu_ops sfu_ops_t;

/* One row of frames.csv. */
typedef struct sim_run_frame_row {
    const char *receiver;
    const char *sender;
    const char *kind; /* "video" or "audio" */
    unsigned layer;
    uint64_t frame;
    uint64_t capture_us;
    uint64_t render_us;
    double latency_ms;
    bool decrypted;
    bool decoded;
    double psnr_db; /* NaN when not measured */
} sim_run_frame_row_t;

typedef void (*sim_run_frame_fn)(void *ctx, const sim_run_frame_row_t *row);
/* One line of the event log (without the newline). */
typedef void (*sim_run_line_fn)(void *ctx, const char *line);
/* Progress: virtual seconds done of the total, wall seconds so far. */
typedef void (*sim_run_progress_fn)(void *ctx, double virtual_s, double total_s, double wall_s);

typedef struct sim_run_options {
    const sfu_ops_t *sfu; /* NULL: this project's core (sfu_builtin_ops) */
    sim_run_frame_fn on_frame;
    void *on_frame_ctx;
    FILE *timeseries;    /* timeseries.csv is written here at the end; NULL: not written */
    const char *version; /* the report's wall.version */
    sim_run_progress_fn on_progress; /* called about every 0.25 s of wall time */
    void *on_progress_ctx;
    /* The event log (--trace): one JSON object per line, in virtual-time
     * order: joins, leaves, link changes, layer preferences, key switches
     * and deliveries. NULL: none. */
    sim_run_line_fn on_trace;
    void *on_trace_ctx;
    /* A pcap file of the SFU's traffic (--pcap), or NULL: every datagram
     * the core received from a peer and sent to one, as on the wire (SRTP
     * included), as Ethernet/IPv4/UDP. Peer i (0-based, scenario order)
     * is 10.1.(i / 250).(1 + i % 250):(5000 + i), the SFU 10.255.0.1:3478;
     * times are SIM_RUN_PCAP_EPOCH_US plus virtual time. `blindfold
     * replay` reads it back. */
    const char *pcap;
} sim_run_options_t;

/* 2026-01-01T00:00:00Z: virtual time 0 in a run's pcap. */
#define SIM_RUN_PCAP_EPOCH_US 1767225600000000ull

typedef enum sim_run_status {
    SIM_RUN_PASS = 0, /* every budget met, no invariant broken */
    SIM_RUN_FAIL = 1, /* ran; a budget or an invariant failed */
    /* The scenario is valid but asks for what this build cannot run (more
     * simulcast layers than the SFU core forwards): see the error text,
     * which names the JSON path. */
    SIM_RUN_UNSUPPORTED = 2,
    SIM_RUN_INTERNAL = 3, /* could not run: see the error text */
} sim_run_status_t;

/* Runs `scenario`. On PASS and FAIL, *report receives the report object
 * (the caller json_decref()s it). On UNSUPPORTED and INTERNAL, *report is
 * NULL and `err` holds one line. */
sim_run_status_t sim_run_call(const sim_scenario_t *scenario, const sim_run_options_t *options,
                              json_t **report, char *err, size_t err_len);

#endif
