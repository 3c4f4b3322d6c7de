/* sim/replay_internal.h: the state of one `blindfold replay`, shared by
 * sim/replay.c (the passes and the core), sim/replay_probe.c (what a
 * stream is) and sim/replay_output.c (report, timeseries, forwarded.pcap).
 * Private to those files. */
#ifndef BLINDFOLD_SIM_REPLAY_INTERNAL_H
#define BLINDFOLD_SIM_REPLAY_INTERNAL_H

#include "sfu/sfu.h"
#include "sim/capture.h"
#include "sim/replay_inspect.h"
#include "sim/replay_streams.h"
#include "sim/sim_engine.h"
#include "sim/sim_link.h"
#include "sim/sim_replay.h"
#include "sim/sim_scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Replay time buckets of stream_timeseries.csv. */
#define REPLAY_BUCKET_US 100000u
/* Outgoing SSRC of track t toward subscriber s: REPLAY_OUT_SSRC_BASE +
 * (s << 20) + (t << 1), so a forwarded packet names its stream. */
#define REPLAY_OUT_SSRC_BASE 0x40000000u
#define REPLAY_MAX_TRACKS    (1u << 19)
/* Longest stretch of replay time without a record: longer idle gaps in the
 * capture are cut to it (counted in the report's idle_skipped_s). */
#define REPLAY_MAX_GAP_US 60000000ull

/* A small open-addressing map from a byte key (at most 48 bytes) to an
 * index; no removal. */
typedef struct replay_map_slot {
    uint64_t hash;
    size_t value; /* SIZE_MAX: empty */
    uint8_t key_len;
    uint8_t key[48];
} replay_map_slot_t;

typedef struct replay_map {
    replay_map_slot_t *slots;
    size_t cap, used; /* cap a power of two */
} replay_map_t;

/* The value stored under key, or SIZE_MAX. */
size_t replay_map_get(const replay_map_t *map, const void *key, size_t key_len);
/* Stores key -> value (key not present). False when out of memory. */
bool replay_map_put(replay_map_t *map, const void *key, size_t key_len, size_t value);
void replay_map_free(replay_map_t *map);

/* One (source, destination): where an SRTP master key applies. */
typedef struct replay_transport {
    sim__streams_endpoint_t src, dst;
    sim__inspect_stream_t *srtp; /* NULL without keys */
} replay_transport_t;

/* A publishing participant of the core: one source address. */
typedef struct replay_participant {
    struct replay *replay;
    sim__streams_endpoint_t addr;
    uint32_t id;      /* 1.. in first-seen order */
    unsigned tracks;  /* declared */
    sim_link_t *link; /* NULL: packets go straight into the core */
} replay_participant_t;

typedef enum replay_kind {
    REPLAY_KIND_VIDEO = 0,
    REPLAY_KIND_AUDIO,
} replay_kind_t;

/* What the probe pass learned of a stream's plain packets. */
typedef struct replay_evidence {
    uint64_t payloads;   /* plain packets parsed */
    uint64_t vp8_valid;  /* payloads whose VP8 descriptor parses */
    uint64_t vp8_x;      /* ... with the X bit (browsers always set it) */
    uint64_t h264_valid; /* payloads that start with a valid H264 NAL header */
    bool have_ts;
    uint32_t last_ts;
    int64_t ts_ext; /* timestamp unwrapped, relative to the first */
    int64_t first_us, last_us;
    int64_t ts_at_last;          /* ts_ext of the last packet */
    sim__inspect_payloads_t vp8; /* frame tags in clear? */
} replay_evidence_t;

/* One stream (row of the table, same index in both passes). */
typedef struct replay_stream {
    size_t transport;
    replay_evidence_t evidence; /* probe pass */
    /* Decisions after the probe. */
    replay_kind_t kind;
    char codec[SIM__STREAMS_CODEC_LEN]; /* "" when unknown */
    uint32_t clock_rate;                /* Hz, never 0 */
    bool vp8, tags_in_clear;
    bool opened_in_probe;     /* an SRTP key opened some packet */
    bool replayed;            /* declared as a track */
    const char *not_replayed; /* why not (static), "" when replayed */
    size_t participant;       /* index into participants, when replayed */
    uint32_t track;           /* 0-based among all tracks, when replayed */
    /* Replay pass. */
    sim__inspect_payloads_t payloads;
    uint64_t srtp_opened, srtp_failed;
    uint64_t sent; /* packets handed to the core's input path */
    uint64_t forwarded;
    /* The current timeseries bucket. */
    bool active;
    uint64_t bucket_packets, bucket_bytes, bucket_forwarded;
    int64_t lost_before;
} replay_stream_t;

typedef struct replay_counts {
    uint64_t stun, dtls, turn, rtcp, other;
    uint64_t srtp_auth_failed, srtp_malformed;
    uint64_t untracked, malformed_rtp;
    uint64_t time_went_back;
    uint64_t not_replayed_packets; /* RTP of streams not declared */
    uint64_t to_subscribers_rtp, to_subscribers_rtcp, to_publishers;
    uint64_t pcap_records;
} replay_counts_t;

typedef struct replay {
    const sim_replay_options_t *options;
    sim__inspect_keys_t *keys; /* NULL without keys */
    sim_scenario_t *link_file; /* --link, or NULL */
    sim__capture_config_t capture_config;
    /* The probe's table, and the replay's (its payload types mapped): the
     * same rows in the same order. */
    sim__streams_t *probe;
    sim__streams_t *table;
    replay_transport_t *transports;
    size_t transport_count, transport_cap;
    replay_map_t transport_index; /* (src, dst) -> transport */
    replay_stream_t *streams;
    size_t stream_count, stream_cap;
    replay_participant_t *participants;
    size_t participant_count;
    uint32_t track_count;
    size_t *track_stream; /* track -> stream */
    size_t track_stream_cap;
    /* The replay pass. */
    sim_engine_t *engine;
    sfu_room_t *room;
    uint64_t now_us, first_capture_us;
    uint64_t skipped_us; /* capture time cut from idle gaps */
    bool started;
    uint64_t bucket; /* index of the bucket being filled */
    size_t *active;  /* streams with data in it */
    size_t active_count;
    bool write_failed;
    struct sim__pcap_out *pcap; /* forwarded.pcap */
    replay_counts_t counts;
    sim__capture_counters_t capture_counters;
    char capture_error[256];
    const char *format, *link_name;
    int link_type;
    uint8_t buf[HBH_MAX_PACKET_LEN + 64]; /* 4-byte aligned by its offset below */
} replay_t;

/* --- replay_probe.c --------------------------------------------------------- */

/* Adds one plain RTP packet to the stream's evidence. */
void replay_probe_packet(replay_evidence_t *ev, const rtp_header_t *h, int64_t capture_us);

/* Decides kind, codec, clock rate and tags_in_clear from the evidence and
 * the probe table's payload type names. */
void replay_probe_decide(replay_stream_t *rs, const sim__streams_row_t *row,
                         const sim__streams_t *probe_table);

/* --- replay_output.c -------------------------------------------------------- */

/* Writes stream_timeseries.csv's header. */
void replay_buckets_start(replay_t *r);
/* Moves the bucket to the one holding now_us, writing rows of the one that
 * ends (stream_timeseries.csv). */
void replay_buckets_advance(replay_t *r, uint64_t now_us);
/* Writes the last bucket. */
void replay_buckets_finish(replay_t *r);
/* Marks stream i active in the current bucket. */
void replay_bucket_touch(replay_t *r, size_t i);

/* Opens forwarded.pcap; false with err filled. */
bool replay_pcap_open(replay_t *r, char *err, size_t err_len);
/* One datagram from the core to subscriber `sub` (0-based). */
void replay_pcap_write(replay_t *r, unsigned sub, const uint8_t *bytes, size_t len);
/* Flushes and closes; false when a write failed. */
bool replay_pcap_close(replay_t *r);

/* The report; NULL when out of memory. */
json_t *replay_report(replay_t *r, double wall_seconds);

#endif
