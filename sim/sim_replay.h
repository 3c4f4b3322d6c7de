/* sim/sim_replay.h: `blindfold replay`, a captured call through the SFU
 * core (docs/cli.md, docs/report-format.md kind "replay").
 *
 * The capture is read twice, both times through sim/capture.h:
 *
 *  1. The probe pass learns what the capture holds: its RTP streams (one
 *     per source, destination and SSRC), which SRTP key opens each
 *     transport (sim/replay_inspect.h), and each stream's kind and codec.
 *     Without SDP a dynamic payload type names nothing, so the codec is
 *     inferred: the RTP clock from timestamps against capture times (8, 16,
 *     48 or 90 kHz, within 20%), then at 90 kHz VP8 when at least 95% of
 *     the payloads carry a valid VP8 descriptor (and either set its X bit
 *     or show VP8 frame tags in clear), H264 when at least 95% start with
 *     a valid NAL unit header, else no codec name (kind video); at 48 kHz
 *     "opus", at 8 or 16 kHz no name (kind audio).
 *     Static payload types keep RFC 3551's names.
 *  2. The replay pass drives the core. Every source address with a stream
 *     to replay becomes a publishing participant, each of its SSRCs a
 *     one-layer track of the inferred kind (VP8 whose frame tags read in
 *     clear: keyframes from the VP8 P bit, so subscribers start at a
 *     keyframe; anything else: forwarded from its first packet). N
 *     receive-only subscribers get every track. Virtual time follows the
 *     capture times (clamped so it never goes back, and with idle gaps
 *     over a minute cut to one minute, so that an absurd timestamp cannot
 *     make the core's timers run for years); with a link profile,
 *     each publisher's packets cross a simulated link into the core. What
 *     the core sends to the subscribers is counted per input stream and
 *     written to forwarded.pcap.
 *
 * Streams that are not replayed, and why (each is still in the table):
 * SSRC 0; an SSRC another source already publishes; the same source and
 * SSRC towards a second destination (its first destination's stream is
 * the one replayed); SRTP that no key opens; a stream beyond the table's
 * bound. RTCP is counted, not replayed: the capture's reports describe the
 * original hops, not this one.
 *
 * Damage: a file that cannot be read at all fails before anything is
 * written. Damage later in the file ends both passes at the same record;
 * everything before it is replayed and reported, the report's
 * "capture_error" names the byte offset, and sim_replay() returns
 * SIM_REPLAY_DAMAGED. */
#ifndef BLINDFOLD_SIM_REPLAY_H
#define BLINDFOLD_SIM_REPLAY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Most --subscribers. */
#define SIM_REPLAY_MAX_SUBSCRIBERS 256u

typedef struct sim_replay_options {
    const char *capture;          /* the pcap or pcapng file */
    const char *const *srtp_keys; /* --srtp-key SPECs, in order */
    size_t n_srtp_keys;
    const char *dtls_srtp_material; /* --dtls-srtp-material HEX, or NULL */
    const char *link;               /* --link PROFILE.json, or NULL */
    unsigned subscribers;           /* 1..SIM_REPLAY_MAX_SUBSCRIBERS */
    uint64_t seed;                  /* the link's random stream */
    const char *version;            /* for the report's "wall"; NULL: "" */
    /* Outputs, each NULL for none; written as the replay goes (the
     * timeseries, forwarded.pcap) or at its end. The caller opens and
     * closes the two files; the replay creates forwarded.pcap. */
    FILE *streams_csv;          /* streams.csv (sim/replay_streams.h) */
    FILE *stream_timeseries;    /* stream_timeseries.csv, below */
    const char *forwarded_pcap; /* path of forwarded.pcap */
} sim_replay_options_t;

/* subscribers 1, seed 1, everything else NULL/0. */
sim_replay_options_t sim_replay_options_default(void);

typedef enum sim_replay_status {
    SIM_REPLAY_OK = 0,
    /* The capture is damaged past its start: the report covers what came
     * before, and err names the offset. Outputs are complete. */
    SIM_REPLAY_DAMAGED,
    /* Nothing replayed: the capture cannot be read at all, a key spec,
     * the key material or the link profile is bad, an option is out of
     * range. err holds one line naming the input. */
    SIM_REPLAY_BAD_INPUT,
    /* Out of memory, a write failed, the core refused its setup. */
    SIM_REPLAY_INTERNAL,
} sim_replay_status_t;

/* Replays the capture. On SIM_REPLAY_OK and SIM_REPLAY_DAMAGED *report
 * holds the report (kind "replay"; the caller frees it) and the outputs
 * are written; otherwise *report is NULL. err (one line, may be NULL when
 * err_len is 0) says what went wrong.
 *
 * stream_timeseries.csv: one row per 100 ms of replay time (capture time
 * from the capture's first record) per stream with packets or forwarded
 * packets in it, in time then stream order, with the columns
 *   t_s,stream,ssrc,packets,kbps,lost,forwarded_packets,jitter_ms
 * where `stream` indexes the report's streams array, `lost` is the change
 * of the stream's lost count over the bucket, and jitter_ms its RFC 3550
 * jitter at the bucket's end (0 without a clock rate). */
sim_replay_status_t sim_replay(const sim_replay_options_t *options, json_t **report, char *err,
                               size_t err_len);

#endif
