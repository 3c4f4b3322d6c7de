/* peers/peer_internal.h: the body of a peer (peers/peer.h), shared by the
 * files that implement it, private to peers/:
 *
 *   peer.c        configuration, lifetime, keys, input demux, poll, stats
 *   peer_send.c   capture, encode, E2EE, packetize, send history, pacer,
 *                 SRTP and the sink; keyframe requests and NACK answers
 *   peer_recv.c   remote streams: SRTP'd RTP in, RTX, jitter buffer, E2EE,
 *                 decode, verification, frame records
 *   peer_rtcp.c   RTCP in (one handler per kind) and out (SR/RR, NACK, PLI,
 *                 transport-wide feedback)
 *   peer_clips.c  the shared clip set
 *   peer_frame_cache.c  the shared cache of pattern pictures
 *   peer_error.c  the error list and the mapping of internal codes
 *
 * Every datagram buffer handed to hbh/ is a peer__datagram_t, 4-byte
 * aligned as libsrtp needs, with room for the SRTP/SRTCP trailer. */
#ifndef BLINDFOLD_PEERS_PEER_INTERNAL_H
#define BLINDFOLD_PEERS_PEER_INTERNAL_H

#include "hbh/hbh.h"
#include "peers/codec.h"
#include "peers/e2ee.h"
#include "peers/jitter_buffer.h"
#include "peers/pacer.h"
#include "peers/packetizer.h"
#include "peers/peer.h"
#include "peers/send_history.h"
#include "peers/source.h"
#include "rtp/rtp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PEER__US_PER_S     1000000u
#define PEER__MS           1000u
#define PEER__MTU_MIN      256u /* room for headers, extensions and E2EE overhead */
#define PEER__MTU_MAX      1500u
#define PEER__DATAGRAM_MAX 2048u /* any datagram handled, SRTP trailer included */
#define PEER__VIDEO_CLOCK  90000u
#define PEER__AUDIO_CLOCK  48000u
#define PEER__HELD_MAX     64u  /* frames a remote stream holds for their key */
#define PEER__CAPTURE_RING 128u /* abs-capture-time per RTP timestamp, per stream */
#define PEER__TWCC_LOG_MAX 1024u
#define PEER__NACK_MAX     256u   /* sequence numbers one NACK poll or answer handles */
#define PEER__HELD_POLL_US 10000u /* e2ee.h has no hold deadline: look every 10 ms */
#define PEER__LEGACY_TAIL  (SFRAME_LEGACY_IV_LEN + SFRAME_LEGACY_TRAILER_LEN)
/* e2ee stream numbers: audio 0, video layer L is 1 + L. */
#define PEER__AUDIO_STREAM 0u

typedef union peer__datagram {
    uint8_t bytes[PEER__DATAGRAM_MAX];
    uint32_t align;
} peer__datagram_t;

/* --- Sending -------------------------------------------------------------- */

typedef struct peer__send_layer {
    peer_layer_config_t config;
    peer__vp8_encoder_t *encoder; /* pattern source */
    peer__clip_player_t player;   /* clip source */
    peer__e2ee_sender_t *e2ee;
    peer__packetizer_t packetizer;
    peer__send_history_t *history; /* NULL without RTX */
    uint8_t *i420;                 /* the rendered frame (pattern) when no cache holds it */
    size_t i420_len;
    uint16_t frame_number; /* DD frame number */
    bool keyframe_wanted;  /* the next frame is a keyframe */
    uint64_t packets_sent, octets_sent;
} peer__send_layer_t;

typedef struct peer__send_audio {
    peer__opus_encoder_t *encoder;
    peer__e2ee_sender_t *e2ee;
    peer__packetizer_t packetizer;
    peer__tone_config_t tone;
    unsigned samples; /* per frame and channel */
    int16_t pcm[PEER__OPUS_MAX_SAMPLES];
    uint8_t encoded[PEER__OPUS_MAX_PACKET];
    uint64_t packets_sent, octets_sent;
} peer__send_audio_t;

/* --- Receiving ------------------------------------------------------------ */

typedef struct peer__capture_entry {
    bool used;
    uint32_t rtp_ts;
    uint64_t capture_us;
} peer__capture_entry_t;

/* A frame on its way to a record: what the jitter buffer said of it. */
typedef struct peer__rx_frame {
    bool used; /* held slots */
    uint64_t tag;
    uint32_t rtp_ts;
    bool keyframe;
    bool lost;           /* audio: released as lost */
    uint64_t capture_us; /* 0 when unknown */
    uint64_t render_us;
} peer__rx_frame_t;

/* RFC 3550 appendix A.3 (loss) and A.8 (jitter) for one incoming stream,
 * and the SR last received on it (for LSR/DLSR, section 6.4.1). */
typedef struct peer__rx_report {
    bool started;
    rtp_seq_unwrapper_t unwrapper;
    int64_t base_seq, max_seq;
    uint64_t received, expected_prior, received_prior;
    bool have_transit;
    int32_t transit;
    uint32_t jitter_q4;
    bool have_sr;
    uint32_t sr_mid; /* middle 32 bits of the SR's NTP time */
    uint64_t sr_at_us;
} peer__rx_report_t;

typedef struct peer__remote {
    peer_remote_config_t config;
    peer__jitter_buffer_t *jb;
    peer__e2ee_receiver_t *e2ee;
    peer__vp8_decoder_t *vp8;
    peer__opus_decoder_t *opus;
    uint32_t clock_hz;
    uint64_t ptime_us; /* audio */
    peer__capture_entry_t captures[PEER__CAPTURE_RING];
    unsigned capture_next;
    bool have_anchor; /* an RTP timestamp with its capture time */
    uint32_t anchor_ts;
    uint64_t anchor_us;
    peer__rx_frame_t held[PEER__HELD_MAX];
    uint64_t next_tag;
    peer__rx_report_t report;
    bool have_layer;
    peer_remote_stats_t stats;
} peer__remote_t;

typedef struct peer__ssrc_entry {
    uint32_t ssrc;
    bool rtx;
    peer__remote_t *remote;
} peer__ssrc_entry_t;

typedef struct peer__twcc_entry {
    int64_t seq; /* unwrapped */
    uint64_t arrival_us;
} peer__twcc_entry_t;

/* --- The peer --------------------------------------------------------------- */

struct peer {
    peer_config_t config;
    hbh_session_t *srtp;
    size_t srtp_rtp_overhead;
    peer__pacer_t *pacer;

    /* Sending. */
    peer__send_layer_t layers[PEER_MAX_LAYERS];
    peer__send_audio_t audio;
    uint64_t next_video_index; /* grid index of the next video capture */
    uint64_t next_audio_index;
    uint64_t audio_ptime_us;
    uint16_t twcc_placeholder; /* what the packetizer writes; replaced at send */
    uint16_t twcc_seq;         /* transport-wide numbers, in send order */
    bool send_keyed;
    uint64_t send_epoch;
    uint8_t *protected_frame;
    size_t protected_cap;
    uint8_t *slot_bytes;
    peer__packet_slot_t *slots;
    size_t n_slots;
    uint8_t *rtx_bytes;
    size_t rtx_cap;

    /* Receiving. */
    peer__remote_t **remotes;
    size_t n_remotes, remotes_cap;
    peer__ssrc_entry_t *ssrcs; /* sorted by ssrc */
    size_t n_ssrcs, ssrcs_cap;
    uint8_t *rx_frame; /* jitter buffer output */
    uint8_t *rx_plain; /* decrypted */
    size_t rx_cap;
    uint8_t *decoded;
    uint8_t *reference; /* PSNR reference when no cache holds it */
    size_t picture_cap;
    int16_t pcm[PEER__OPUS_MAX_SAMPLES * 2];

    /* RTCP. */
    uint64_t next_rtcp_us;
    uint64_t next_twcc_us;
    peer__twcc_entry_t twcc_log[PEER__TWCC_LOG_MAX];
    size_t twcc_count;
    uint32_t twcc_media_ssrc;
    rtp_seq_unwrapper_t twcc_unwrapper;
    uint8_t twcc_fb_count;

    peer__datagram_t packet; /* RTP in and out */
    peer__datagram_t rtx;    /* RTX unwrapped */
    peer__datagram_t rtcp;   /* RTCP in and out */
    peer_stats_t stats;
};

/* --- peer.c ----------------------------------------------------------------- */

/* RTP timestamp of virtual time `us` on a stream: first + us * clock / 1e6,
 * exact (integer), modulo 2^32. */
uint32_t peer__rtp_timestamp(uint32_t first, uint64_t us, uint32_t clock_hz);
/* SSRC of our RR, NACK, PLI and TWCC feedback. */
uint32_t peer__reporter_ssrc(const peer_t *peer);
/* SRTP-protects the datagram in buf (len bytes, room for the trailer) and
 * hands it to the sink; counts it. */
void peer__emit(peer_t *peer, uint64_t now_us, peer__datagram_t *buf, size_t len, bool rtcp);
/* The peer's e2ee scheme and test mode. */
peer__e2ee_scheme_t peer__scheme(const peer_t *peer);
peer__e2ee_test_mode_t peer__test_mode(peer_test_transform_t transform);
bool peer__grow(uint8_t **buf, size_t *cap, size_t need);

/* --- peer_send.c ------------------------------------------------------------ */

peer_err_t peer__send_init(peer_t *peer);
void peer__send_free(peer_t *peer);
/* Captures every grid point due at now_us. */
void peer__send_capture(peer_t *peer, uint64_t now_us);
/* Hands every packet the pacer releases at now_us to the sink. */
void peer__send_flush(peer_t *peer, uint64_t now_us);
/* Earliest next capture or paced send. */
uint64_t peer__send_next_us(const peer_t *peer);
/* The layer that sends (or retransmits on) `ssrc`; NULL if none. */
peer__send_layer_t *peer__send_layer_by_ssrc(peer_t *peer, uint32_t ssrc);
bool peer__is_own_ssrc(const peer_t *peer, uint32_t ssrc);
/* Answers a NACK for one of our layers: RTX packets into the pacer. */
void peer__send_on_nack(peer_t *peer, peer__send_layer_t *layer, const uint16_t *seqs,
                        size_t n_seqs, uint64_t now_us);
void peer__send_set_rtt(peer_t *peer, uint64_t rtt_us);

/* --- peer_recv.c ------------------------------------------------------------ */

peer_err_t peer__remote_new(peer_t *peer, const peer_remote_config_t *config, peer__remote_t **out);
void peer__remote_free(peer__remote_t *remote);
peer__ssrc_entry_t *peer__ssrc_find(peer_t *peer, uint32_t ssrc);
/* One unprotected RTP packet (in peer->packet). */
void peer__recv_rtp(peer_t *peer, uint64_t now_us, size_t len);
/* Releases due frames, settles held ones; queues NACK/PLI feedback. */
void peer__recv_poll(peer_t *peer, uint64_t now_us);
uint64_t peer__recv_next_us(const peer_t *peer, uint64_t now_us);
void peer__recv_set_rtt(peer_t *peer, uint64_t rtt_us);

/* --- peer_rtcp.c ------------------------------------------------------------ */

/* One unprotected compound RTCP datagram (in peer->rtcp). */
void peer__rtcp_input(peer_t *peer, uint64_t now_us, size_t len);
/* Periodic SR/RR and transport-wide feedback due at now_us. */
void peer__rtcp_poll(peer_t *peer, uint64_t now_us);
uint64_t peer__rtcp_next_us(const peer_t *peer);
void peer__rtcp_on_rtp(peer__rx_report_t *report, uint16_t seq, uint32_t rtp_ts, bool rtx,
                       uint64_t now_us, uint32_t clock_hz);
/* A packet with a transport-wide sequence number arrived. */
void peer__twcc_log(peer_t *peer, uint16_t seq, uint32_t ssrc, uint64_t now_us);

/* Feedback of one poll: NACKs and PLIs gathered into compounds. */
typedef struct peer__feedback {
    peer_t *peer;
    uint64_t now_us;
    size_t len;  /* bytes of peer->rtcp in use; 0: no compound open */
    size_t head; /* bytes of the RR + SDES head */
} peer__feedback_t;

void peer__feedback_begin(peer__feedback_t *fb, peer_t *peer, uint64_t now_us);
/* Adds a NACK (the sequence numbers, compressed) or a PLI for media_ssrc;
 * returns the RTCP packets added. */
unsigned peer__feedback_nack(peer__feedback_t *fb, uint32_t media_ssrc, const uint16_t *seqs,
                             size_t n_seqs);
void peer__feedback_pli(peer__feedback_t *fb, uint32_t media_ssrc);
void peer__feedback_end(peer__feedback_t *fb);

/* --- peer_clips.c ----------------------------------------------------------- */

unsigned peer__clips_layers(const peer_clips_t *clips);
void peer__clips_size(const peer_clips_t *clips, unsigned layer, uint32_t *width, uint32_t *height);
const peer__clip_t *peer__clips_clip(const peer_clips_t *clips, unsigned layer);
/* The layer and index of the clip frame that `frame` is exactly. */
bool peer__clips_find(const peer_clips_t *clips, const uint8_t *frame, size_t len, unsigned *layer,
                      unsigned *index);

/* --- peer_frame_cache.c ------------------------------------------------------ */

/* Pattern frame `frame` of `pattern` at width x height, as a contiguous
 * I420 picture: the cache's copy, rendered into the cache first on a miss;
 * or, with no cache (NULL) or a picture larger than the cache, rendered into
 * `fallback` (peer__image_i420_size(width, height) bytes). The same pixels
 * either way. The picture is read-only and valid until the next call on the
 * cache: use it (encode, PSNR) before asking for another. */
peer__image_t peer__frame_cache_picture(peer_frame_cache_t *cache,
                                        const peer__pattern_config_t *pattern, uint32_t frame,
                                        uint32_t width, uint32_t height, uint8_t *fallback);

/* --- peer_error.c ------------------------------------------------------------ */

peer_err_t peer__err_from_rtp(rtp_err_t err);
peer_err_t peer__err_from_sframe(sframe_err_t err);
peer_err_t peer__err_from_codec(peer__codec_err_t err);
peer_err_t peer__err_from_hbh(hbh_err_t err);

#endif
