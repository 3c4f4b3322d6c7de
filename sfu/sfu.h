/* sfu/sfu.h: the SFU core under test, its one public header.
 *
 * A room forwards RTP between participants the way production SFUs
 * (mediasoup, Janus, LiveKit, Jitsi Videobridge) do, while reading only what
 * end-to-end encryption leaves readable: RTP headers, header extensions, the
 * VP8 payload descriptor and a declared clear prefix. It never links
 * sframe/ and holds only hop-by-hop SRTP keys.
 *
 * The core does no I/O and has no clock: every call takes now_us (virtual
 * microseconds), and every datagram it emits goes through the sink callback
 * of the configuration. sfu_poll() runs the timers (upstream NACKs, RTCP
 * reports, active-speaker ranking) and says when it wants to run next.
 *
 * Memory: a room, a participant, a track and a subscription allocate when
 * they are created; the per-packet paths (sfu_input, sfu_poll) allocate
 * nothing. Every table is bounded by the configuration, so a hostile
 * participant cannot grow the SFU's memory.
 *
 * A room is not thread-safe: one thread at a time drives it. */
#ifndef BLINDFOLD_SFU_H
#define BLINDFOLD_SFU_H

#include "sfu/sfu_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SFU_MAX_LAYERS 3  /* simulcast layers per video track */
#define SFU_RID_MAX    17 /* rid bytes, NUL included: 16, what a one-byte extension carries */

typedef struct sfu_room sfu_room_t;

/* The scenario's "sfu.srtp_profile". */
typedef enum sfu_srtp_profile {
    SFU_SRTP_NONE = 0,
    SFU_SRTP_AES_CM_128_HMAC_SHA1_80,
    SFU_SRTP_AEAD_AES_128_GCM,
} sfu_srtp_profile_t;

/* The SFU's side of a participant's DTLS handshake (RFC 5764 section 4.2
 * decides from it which half of the keying material the SFU writes with). */
typedef enum sfu_dtls_role {
    SFU_DTLS_CLIENT = 0,
    SFU_DTLS_SERVER,
} sfu_dtls_role_t;

typedef enum sfu_kind {
    SFU_KIND_AUDIO = 0,
    SFU_KIND_VIDEO,
} sfu_kind_t;

/* How a video track's keyframes are recognised from clear data. */
typedef enum sfu_keyframe_signal {
    SFU_KEYFRAME_DEPENDENCY_DESCRIPTOR = 0, /* DD start of frame with a template structure */
    SFU_KEYFRAME_FRAME_MARKING,             /* frame marking S and I bits */
    SFU_KEYFRAME_CLEAR_PREFIX,              /* VP8 P bit, first byte after the descriptor */
    /* None readable (an unknown codec, a payload encrypted from its first
     * byte): the track must have one layer, and each subscriber gets it
     * from its first packet, as audio. The replay of a capture uses it. */
    SFU_KEYFRAME_NONE,
} sfu_keyframe_signal_t;

/* The scenario's "sfu.layer_selection". */
typedef enum sfu_layer_selection {
    SFU_LAYER_PREFERENCE = 0, /* sfu_set_preferred_layer() */
    SFU_LAYER_BANDWIDTH,      /* the config's bandwidth hook */
} sfu_layer_selection_t;

/* One media packet as the SFU can read it, after SRTP is removed: what the
 * observer hook sees (the confidentiality oracle attaches there). */
typedef struct sfu_packet_view {
    uint32_t participant_id; /* the publisher */
    uint32_t track_id;
    unsigned layer; /* simulcast layer index, 0 for audio */
    bool rtx;       /* came on the RTX SSRC (bytes are the RTX packet as received) */
    const uint8_t *bytes;
    size_t len;
} sfu_packet_view_t;

typedef void (*sfu_observer_fn)(void *ctx, uint64_t now_us, const sfu_packet_view_t *packet);

/* Receives every datagram the SFU sends, already SRTP-protected for
 * participant_id. `bytes` is valid only during the call. */
typedef void (*sfu_sink_fn)(void *ctx, uint32_t participant_id, uint64_t now_us,
                            const uint8_t *bytes, size_t len);

/* Returns the layer (0..n_layers-1) subscriber should receive of the
 * publisher's track; called per packet of that track when layer_selection
 * is SFU_LAYER_BANDWIDTH. */
typedef unsigned (*sfu_bandwidth_fn)(void *ctx, uint32_t subscriber_id, uint32_t publisher_id,
                                     uint32_t track_id, unsigned n_layers, uint64_t now_us);

typedef struct sfu_config {
    /* The scenario's "sfu" object. */
    sfu_srtp_profile_t srtp_profile;       /* default SFU_SRTP_AEAD_AES_128_GCM */
    bool nack;                             /* answer subscriber NACKs from history; default true */
    bool upstream_nack;                    /* NACK publishers for uplink loss; default true */
    bool rtx;                              /* resend as RTX (RFC 4588); default true */
    uint32_t history_ms;                   /* history age bound; default 1000 */
    uint32_t pli_min_interval_ms;          /* per publisher layer; default 300 */
    uint32_t last_n;                       /* video of the N most active speakers; 0 = all */
    sfu_layer_selection_t layer_selection; /* default SFU_LAYER_PREFERENCE */

    /* Bounds (every per-participant structure is bounded by these). */
    uint32_t max_participants;      /* default 64 */
    uint32_t max_tracks;            /* published per participant; default 4 */
    uint32_t max_subscriptions;     /* per subscriber; default 128 */
    uint32_t max_subscribers;       /* per track; default 64 */
    uint32_t history_packets_video; /* history count bound, video stream; default 512 */
    uint32_t history_packets_audio; /* ... audio stream; default 128 */
    uint32_t history_slot_size;     /* largest packet kept; default 1500 */
    uint32_t rtcp_interval_ms;      /* SR/RR period; default 1000 */
    uint32_t speaker_interval_ms;   /* active-speaker re-ranking period; default 200 */
    uint32_t rtcp_ssrc;             /* the SFU's own SSRC in RR/NACK/PLI; default 0x5F0C0DE1 */

    /* Hooks. sink is required; the others may be NULL. */
    sfu_sink_fn sink;
    void *sink_ctx;
    sfu_observer_fn observer;
    void *observer_ctx;
    sfu_bandwidth_fn bandwidth; /* NULL: layer_selection falls back to preference */
    void *bandwidth_ctx;
} sfu_config_t;

/* The defaults documented on each field; sink is NULL and must be set. */
sfu_config_t sfu_config_default(void);

/* Header-extension IDs (RFC 8285), 1..255; 0 = not negotiated. */
typedef struct sfu_ext_ids {
    uint8_t audio_level;
    uint8_t twcc;
    uint8_t mid;
    uint8_t rid;
    uint8_t dependency_descriptor;
    uint8_t frame_marking;
    uint8_t abs_send_time;
    uint8_t abs_capture_time; /* forwarded unchanged: the frame's capture time */
} sfu_ext_ids_t;

typedef struct sfu_participant_config {
    uint32_t id;          /* the caller's name for it; unique in the room */
    sfu_dtls_role_t role; /* the SFU's DTLS role toward this participant */
    /* RFC 5764 keying material for the room's profile (NULL/0 for none). */
    const uint8_t *keying_material;
    size_t keying_material_len;
} sfu_participant_config_t;

typedef struct sfu_layer_config {
    uint32_t ssrc;
    uint32_t rtx_ssrc; /* 0: no RTX stream */
    char rid[SFU_RID_MAX];
} sfu_layer_config_t;

typedef struct sfu_track_config {
    uint32_t track_id; /* unique per publisher */
    sfu_kind_t kind;
    unsigned n_layers; /* 1..SFU_MAX_LAYERS; audio 1; layer 0 is the lowest */
    sfu_layer_config_t layers[SFU_MAX_LAYERS];
    uint8_t media_pt;
    uint8_t rtx_pt;
    uint32_t clock_rate; /* 90000 video, 48000 Opus */
    bool vp8;            /* VP8 payload descriptor present (picture ID rewriting) */
    sfu_keyframe_signal_t keyframe_signal;
    sfu_ext_ids_t ext;
} sfu_track_config_t;

/* A zeroed track config with clock_rate 90000, VP8, DD signal, 1 layer. */
sfu_track_config_t sfu_track_config_default(void);

typedef struct sfu_subscription_config {
    uint32_t ssrc;     /* outgoing SSRC toward the subscriber */
    uint32_t rtx_ssrc; /* outgoing RTX SSRC (used when config.rtx) */
    uint8_t rtx_pt;    /* outgoing RTX payload type; 0: the track's */
    uint16_t first_seq;
    uint32_t first_timestamp;
    unsigned preferred_layer;
    /* The subscriber's extension IDs; when has_ext_map is false the
     * publisher's IDs are kept. IDs it lacks are removed. */
    bool has_ext_map;
    sfu_ext_ids_t ext;
} sfu_subscription_config_t;

/* Errors of the functions below: SFU_ERR_INVALID_ARG (NULL or a value out of
 * range), SFU_ERR_NO_MEMORY, SFU_ERR_FULL (a configured bound reached),
 * SFU_ERR_NOT_FOUND (unknown participant, track or subscription), and for
 * add_participant the errors of the SRTP session (SFU_ERR_MALFORMED for
 * keying material of the wrong length, SFU_ERR_SRTP). */
sfu_err_t sfu_room_new(const sfu_config_t *config, sfu_room_t **out);
void sfu_room_free(sfu_room_t *room); /* NULL accepted */

sfu_err_t sfu_add_participant(sfu_room_t *room, const sfu_participant_config_t *config);
/* Removes the participant, its tracks and every subscription to them. */
sfu_err_t sfu_remove_participant(sfu_room_t *room, uint32_t participant_id);

/* Declares a published track; its SSRCs must be unused in the room
 * (SFU_ERR_INVALID_ARG otherwise). */
sfu_err_t sfu_declare_track(sfu_room_t *room, uint32_t publisher_id,
                            const sfu_track_config_t *track);

sfu_err_t sfu_subscribe(sfu_room_t *room, uint32_t subscriber_id, uint32_t publisher_id,
                        uint32_t track_id, const sfu_subscription_config_t *config);

sfu_err_t sfu_set_preferred_layer(sfu_room_t *room, uint32_t subscriber_id, uint32_t publisher_id,
                                  uint32_t track_id, unsigned layer);

/* One datagram from a participant: RTP or RTCP (RFC 5761 muxed, RFC 7983
 * demultiplexed; anything else counts as not_rtp), at most 1600 bytes
 * (longer ones count as malformed). Drops are counted, not returned: the
 * result is SFU_OK unless the arguments are invalid (SFU_ERR_INVALID_ARG). */
sfu_err_t sfu_input(sfu_room_t *room, uint32_t participant_id, uint64_t now_us,
                    const uint8_t *bytes, size_t len);

/* Runs the timers due at now_us; returns when it next wants to run. */
uint64_t sfu_poll(sfu_room_t *room, uint64_t now_us);

typedef struct sfu_stats {
    /* The report's "sfu" object. */
    uint64_t packets_in, packets_out, bytes_in, bytes_out;
    struct {
        uint64_t malformed;    /* malformed_rtp + malformed_rtcp */
        uint64_t unknown_ssrc; /* undeclared SSRC, spoofed included */
        uint64_t srtp_auth;    /* SRTP/SRTCP authentication failures */
        uint64_t history_miss; /* NACKed packets not (or no longer) in history */
        uint64_t queue;        /* always 0: the core keeps no send queue */
        /* Per subscription copy, not per packet: a video source waiting for
         * its first keyframe start, and packets of a source not forwarded
         * (a layer not selected, or older than the switch point). */
        uint64_t wait_keyframe;
        uint64_t not_selected;
        /* Finer reasons. */
        uint64_t malformed_rtp;
        uint64_t malformed_rtcp;
        uint64_t spoofed_ssrc;        /* SSRC declared by another participant */
        uint64_t unknown_participant; /* sfu_input for an id not in the room */
        uint64_t srtp_replay;
        uint64_t srtp_other; /* other libsrtp failures and stream limits */
        uint64_t not_rtp;    /* STUN/DTLS/other first bytes */
        uint64_t wrong_payload_type;
        uint64_t last_n;       /* video of a speaker outside last-N */
        uint64_t output_error; /* rewriting or protecting failed */
    } dropped;
    uint64_t nacks_received;  /* generic NACK packets from subscribers */
    uint64_t retransmissions; /* packets resent from history (RTX or plain) */
    /* Keyframe requests (subscriber PLI/FIR, pending switches, NACK list
     * overflow) let through to a publisher / swallowed by the throttle. */
    uint64_t plis_forwarded, plis_suppressed;
    uint64_t layer_switches; /* source changes of a stream after its first */
    /* More. */
    uint64_t rtcp_in;                  /* SRTCP datagrams accepted */
    uint64_t rtx_in;                   /* RTX packets from publishers */
    uint64_t keyframes_in;             /* keyframe starts recognised */
    uint64_t upstream_nacks_sent;      /* NACK packets to publishers */
    uint64_t upstream_nack_seqs;       /* sequence numbers they asked for */
    uint64_t retransmissions_too_soon; /* NACKed again within an RTT: not resent */
    uint64_t sr_sent, rr_sent, byes_received, firs_received;
    uint64_t observed; /* packets handed to the observer */
} sfu_stats_t;

sfu_err_t sfu_stats(const sfu_room_t *room, sfu_stats_t *out);

/* The RTT estimate toward a participant from its RR LSR/DLSR (RFC 3550
 * 6.4.1); 0 until measured. SFU_ERR_NOT_FOUND for an unknown id. */
sfu_err_t sfu_participant_rtt_us(const sfu_room_t *room, uint32_t participant_id, uint64_t *rtt_us);

/* The current active speaker (loudest smoothed audio level). */
sfu_err_t sfu_active_speaker(const sfu_room_t *room, uint32_t *participant_id);

/* The interface the harness drives; another forwarder provides its own
 * table. `instance` is the forwarder's opaque room. */
typedef struct sfu_ops {
    const char *name;
    sfu_err_t (*create)(const sfu_config_t *config, void **instance);
    void (*destroy)(void *instance);
    sfu_err_t (*add_participant)(void *instance, const sfu_participant_config_t *config);
    sfu_err_t (*remove_participant)(void *instance, uint32_t participant_id);
    sfu_err_t (*declare_track)(void *instance, uint32_t publisher_id,
                               const sfu_track_config_t *track);
    sfu_err_t (*subscribe)(void *instance, uint32_t subscriber_id, uint32_t publisher_id,
                           uint32_t track_id, const sfu_subscription_config_t *config);
    sfu_err_t (*input)(void *instance, uint32_t participant_id, uint64_t now_us,
                       const uint8_t *bytes, size_t len);
    uint64_t (*poll)(void *instance, uint64_t now_us);
    sfu_err_t (*set_preference)(void *instance, uint32_t subscriber_id, uint32_t publisher_id,
                                uint32_t track_id, unsigned layer);
    sfu_err_t (*stats)(const void *instance, sfu_stats_t *out);
} sfu_ops_t;

/* This core, as an ops table. */
const sfu_ops_t *sfu_builtin_ops(void);

#endif
