/* sfu/ private: the room's data structures, shared by room.c (lifecycle,
 * bounds, stats), input.c (the RTP path) and rtcp.c (RTCP termination and
 * timers). Nothing here is part of the public API. */
#ifndef BLINDFOLD_SFU_INTERNAL_H
#define BLINDFOLD_SFU_INTERNAL_H

#include "hbh/hbh.h"
#include "rtp/rtp.h"
#include "sfu/history.h"
#include "sfu/nack_gen.h"
#include "sfu/pli_throttle.h"
#include "sfu/rewriter.h"
#include "sfu/sfu.h"

/* Largest datagram handled, and the scratch buffers' size. */
#define SFU__MAX_DATAGRAM   1600u
#define SFU__SCRATCH_LEN    (SFU__MAX_DATAGRAM + 64u)
#define SFU__NACK_BATCH     64u
#define SFU__DEFAULT_RTT_US 100000u /* until RTCP measures it */

typedef struct sfu__participant sfu__participant_t;
typedef struct sfu__track sfu__track_t;

/* Receive statistics of one publisher stream (RFC 3550 appendix A.3, A.8). */
typedef struct sfu__rx_stats {
    bool started;
    rtp_seq_unwrapper_t unwrap;
    int64_t base_seq, max_seq;
    uint64_t received, expected_prior, received_prior;
    bool have_transit;
    int64_t transit;
    double jitter;        /* RTP timestamp units */
    uint32_t last_sr_mid; /* middle 32 bits of the last SR's NTP time */
    uint64_t last_sr_at_us;
    bool have_sr;
} sfu__rx_stats_t;

typedef struct sfu__layer {
    sfu_layer_config_t config;
    sfu__nack_gen_t *nack_gen; /* NULL without upstream_nack or for audio */
    sfu__pli_throttle_t pli;
    sfu__rx_stats_t rx;
} sfu__layer_t;

/* One subscriber's outgoing stream of one publisher track. */
typedef struct sfu__sub {
    sfu__participant_t *subscriber;
    sfu__track_t *track;
    sfu_subscription_config_t config;
    sfu__rewriter_t rewriter;
    sfu__history_t *history; /* NULL without nack */
    unsigned target_layer;
    bool has_ext_map;
    uint8_t ext_map[256];
    uint8_t out_twcc_id;
    uint8_t out_abs_send_time_id;
    uint16_t rtx_seq;
    /* For SR (RFC 3550 6.4.1): the newest rewritten timestamp and when. */
    bool sent_any;
    uint32_t last_ts;
    uint64_t last_ts_us;
    uint32_t packets_sent, octets_sent;
} sfu__sub_t;

struct sfu__track {
    sfu__participant_t *publisher;
    sfu_track_config_t config;
    sfu__layer_t layers[SFU_MAX_LAYERS];
    sfu__sub_t **subs; /* max_subscribers */
    uint32_t n_subs;
    double loudness;    /* smoothed 127 - dBov, audio only */
    bool last_n_paused; /* video: publisher outside last-N, subscribers paused */
};

struct sfu__participant {
    uint32_t id;
    hbh_session_t *srtp;
    sfu__track_t **tracks; /* max_tracks */
    uint32_t n_tracks;
    sfu__sub_t **subs; /* max_subscriptions: what it receives */
    uint32_t n_subs;
    uint16_t twcc_seq; /* transport-wide sequence of its downlink */
    uint64_t rtt_us;
    bool in_last_n;
    uint64_t rank_order; /* join order, the tie-breaker of the ranking */
};

struct sfu_room {
    sfu_config_t config;
    hbh_profile_t profile;
    sfu__participant_t **participants; /* max_participants */
    uint32_t n_participants;
    /* id -> participant, open addressing with linear probing; a power of two
     * >= 2 * max_participants, rebuilt on removal (rare). */
    sfu__participant_t **index;
    uint32_t index_mask;
    uint64_t joins;
    sfu_stats_t stats;
    uint64_t next_rtcp_us, next_speaker_us;
    uint32_t active_speaker;
    bool have_active_speaker;
    /* Scratch, 4-byte aligned for libsrtp. */
    uint32_t in_buf[SFU__SCRATCH_LEN / 4];
    uint32_t work_buf[SFU__SCRATCH_LEN / 4];
    uint32_t aux_buf[SFU__SCRATCH_LEN / 4];
    uint32_t rtcp_buf[SFU__SCRATCH_LEN / 4];
    uint16_t nack_seqs[SFU__NACK_BATCH];
    rtp_dd_t dd_scratch;
    rtp_dd_structure_t dd_structure_scratch;
};

/* The SFU's code for an hbh/ error: each is the same condition under the
 * same name, so the drop counters (srtp_auth, srtp_replay, srtp_other,
 * malformed_*) and the documented errors of sfu_add_participant
 * (SFU_ERR_MALFORMED for keying material of the wrong length, SFU_ERR_SRTP
 * for libsrtp) stay what they were. */
static inline sfu_err_t sfu__err_from_hbh(hbh_err_t err)
{
    switch (err) {
    case HBH_OK:
        return SFU_OK;
    case HBH_ERR_INVALID_ARG:
        return SFU_ERR_INVALID_ARG;
    case HBH_ERR_NO_SPACE:
        return SFU_ERR_NO_SPACE;
    case HBH_ERR_NO_MEMORY:
        return SFU_ERR_NO_MEMORY;
    case HBH_ERR_SRTP_AUTH:
        return SFU_ERR_SRTP_AUTH;
    case HBH_ERR_SRTP_REPLAY:
        return SFU_ERR_SRTP_REPLAY;
    case HBH_ERR_SRTP:
        return SFU_ERR_SRTP;
    case HBH_ERR_MALFORMED:
        return SFU_ERR_MALFORMED;
    case HBH_ERR_TRUNCATED:
        return SFU_ERR_TRUNCATED;
    case HBH_ERR_UNKNOWN_SSRC:
        return SFU_ERR_UNKNOWN_SSRC;
    case HBH_ERR_NOT_FOUND:
        return SFU_ERR_NOT_FOUND;
    case HBH_ERR_FULL:
        return SFU_ERR_FULL;
    case HBH_ERR__COUNT:
        break;
    }
    return SFU_ERR_SRTP;
}

/* room.c */
sfu__participant_t *sfu__participant_find(const sfu_room_t *room, uint32_t id);
/* The track and layer of an SSRC within the room; *rtx says it is an RTX SSRC. */
sfu__track_t *sfu__ssrc_find(const sfu_room_t *room, uint32_t ssrc, unsigned *layer, bool *rtx);
sfu__sub_t *sfu__sub_find_by_ssrc(const sfu__participant_t *p, uint32_t out_ssrc, bool *rtx);
void sfu__track_remove(sfu_room_t *room, sfu__track_t *track);
void sfu__rank_speakers(sfu_room_t *room);

/* input.c */
void sfu__input_rtp(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us, const uint8_t *bytes,
                    size_t len);
/* Protects pkt[0..len) in place (an aligned scratch buffer of
 * SFU__SCRATCH_LEN bytes; RTP when rtcp is false) for participant p and
 * hands it to the sink; counts it. */
void sfu__send(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us, uint8_t *pkt, size_t len,
               bool rtcp);
/* Sends an RTP packet from p's history (or any copy) again to p, as RTX
 * when the room uses RTX and the stream has an RTX SSRC. */
void sfu__resend(sfu_room_t *room, sfu__sub_t *sub, uint64_t now_us, const uint8_t *pkt,
                 size_t len);
void sfu__request_keyframe(sfu_room_t *room, sfu__track_t *track, unsigned layer, uint64_t now_us);

/* rtcp.c */
void sfu__input_rtcp(sfu_room_t *room, sfu__participant_t *p, uint64_t now_us, const uint8_t *bytes,
                     size_t len);
uint64_t sfu__rtcp_poll(sfu_room_t *room, uint64_t now_us);
uint64_t sfu__ntp_from_us(uint64_t now_us);

#endif
