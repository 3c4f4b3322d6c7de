/* sfu/rewriter.h: the outgoing stream rewriter, private to sfu/.
 *
 * One rewriter serves one (subscriber, publisher track) pair. The SFU
 * forwards to the subscriber one source at a time (for simulcast video, one
 * layer, each with its own SSRC; for audio, the publisher's one stream) and
 * the rewriter makes the result look like a single RTP stream:
 *   - one stable SSRC;
 *   - sequence numbers that continue at +1 across a switch of source, while
 *     keeping the gaps upstream loss leaves inside a source (the subscriber
 *     NACKs them; the send history answers in outgoing numbers);
 *   - timestamps that keep increasing across a switch (see rewriter.c for
 *     the method);
 *   - for VP8 (RFC 7741 section 4.2), the picture ID always in its 15-bit
 *     form and continuing at +1 per frame, and TL0PICIDX continuing at +1
 *     per base-layer frame;
 *   - optionally, the dependency descriptor's frame number (AV1 RTP
 *     specification, appendix A.8.3) continuing at +1 per frame.
 * A video switch happens only at the first packet of a keyframe of the new
 * source; until then the old source keeps flowing and the new one's packets
 * are dropped with a verdict that asks the caller for a keyframe request
 * (through the PLI throttle).
 *
 * The rewriter is blind: it reads the RTP header, the header extension it
 * is told to rewrite and the VP8 payload descriptor, and copies every other
 * payload byte without looking at it. Whether a packet starts a keyframe is
 * the caller's input, learned from clear data (the dependency descriptor,
 * or the VP8 P bit inside a declared clear prefix).
 *
 * The state is a small fixed struct: embed it, no allocation. */
#ifndef BLINDFOLD_SFU_REWRITER_H
#define BLINDFOLD_SFU_REWRITER_H

#include "sfu/sfu_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest growth of a packet through sfu__rewriter_forward(): a 7-bit
 * VP8 picture ID written in the 15-bit form. */
#define SFU__REWRITER_MAX_GROWTH 1u

typedef struct sfu__rewriter_config {
    uint32_t ssrc;       /* the outgoing SSRC */
    uint32_t clock_rate; /* RTP clock in Hz: 90000 for video, 48000 for Opus; > 0 */
    /* Video: start, and switch sources, only at a keyframe start. Audio
     * (false): switch at the first packet of the new source. */
    bool video;
    bool vp8;                 /* rewrite the VP8 payload descriptor */
    uint8_t dd_ext_id;        /* dependency descriptor extension ID; 0: none */
    uint16_t first_seq;       /* sequence number of the first packet forwarded */
    uint32_t first_timestamp; /* its timestamp */
} sfu__rewriter_config_t;

/* Defaults: VP8 video at 90 kHz, no dependency descriptor, SSRC 0 and
 * first seq/timestamp 0 (set these three from the simulation's seeded
 * generator: RFC 3550 5.1 wants random initial values). */
sfu__rewriter_config_t sfu__rewriter_config_default(void);

/* One of the numbers the rewriter keeps continuous: input values are
 * extended from the reference (the newest input so far, in the input's
 * modulus) and mapped to the output modulus. Private to rewriter.c. */
typedef struct sfu__rw_field {
    bool valid;          /* ref_in belongs to the source being forwarded */
    bool ever;           /* ref_out holds the newest value forwarded */
    uint32_t in_modulus; /* 0 stands for 2^32 */
    uint32_t ref_in;
    uint32_t ref_out;
} sfu__rw_field_t;

typedef struct sfu__rewriter_stats {
    uint64_t forwarded;
    uint64_t switches;              /* sources started, the first one included */
    uint64_t dropped_unselected;    /* from a source neither forwarded nor selected */
    uint64_t dropped_wait_keyframe; /* from the selected source before its keyframe */
    uint64_t dropped_before_switch; /* from the forwarded source, older than its start */
    uint64_t errors;                /* packets refused: malformed, or no space */
} sfu__rewriter_stats_t;

/* Private to rewriter.c; exposed so that callers can embed it. */
typedef struct sfu__rewriter {
    sfu__rewriter_config_t config;
    bool forwarding;        /* a source is being forwarded */
    uint32_t current_ssrc;  /* ... this one */
    bool selected;          /* sfu__rewriter_select() was called */
    uint32_t selected_ssrc; /* the source wanted; a switch is pending while != current */
    /* How far the current source's newest forwarded sequence number is past
     * its first one: a packet that would extend below 0 precedes the switch. */
    int64_t seq_since_switch;
    sfu__rw_field_t seq, timestamp, picture_id, tl0picidx, frame_number;
    uint64_t timestamp_ref_us; /* when the newest timestamp was first forwarded */
    sfu__rewriter_stats_t stats;
} sfu__rewriter_t;

/* What became of one packet. */
typedef enum sfu__rw_verdict {
    SFU__RW_FORWARD = 0,        /* rewritten into the output buffer */
    SFU__RW_DROP_UNSELECTED,    /* its source is not forwarded (an old layer, say) */
    SFU__RW_DROP_WAIT_KEYFRAME, /* the selected source, waiting for a keyframe start:
                                 * request one (PLI) through the throttle */
    SFU__RW_DROP_BEFORE_SWITCH, /* the forwarded source, older than the switch point */
} sfu__rw_verdict_t;

typedef struct sfu__rw_result {
    sfu__rw_verdict_t verdict;
    bool switched;  /* this packet started the forwarded source */
    size_t out_len; /* bytes written, when forwarded */
} sfu__rw_result_t;

/* Errors: SFU_ERR_INVALID_ARG for a NULL argument or a clock_rate of 0. */
sfu_err_t sfu__rewriter_init(sfu__rewriter_t *rw, const sfu__rewriter_config_t *config);

/* Selects the source to forward. Video switches at the first keyframe start
 * of that source; selecting the source already forwarded cancels a
 * pending switch. */
void sfu__rewriter_select(sfu__rewriter_t *rw, uint32_t source_ssrc);

/* Stops forwarding (the subscriber left last-N, say) without forgetting the
 * outgoing numbering: the selected source restarts at its next keyframe
 * start (audio: next packet) and seq, timestamp and picture ID continue
 * from the last packet forwarded. */
void sfu__rewriter_pause(sfu__rewriter_t *rw);

/* True while a selected source waits for its keyframe (or, for audio, its
 * first packet). */
bool sfu__rewriter_switch_pending(const sfu__rewriter_t *rw);

/* Handles one packet `pkt` from a source of the track, received at now_us.
 * `keyframe_start`: it is the first packet of a keyframe. When forwarded,
 * the rewritten packet is written to out[0..cap): the header with the
 * outgoing SSRC, sequence number and timestamp (extension block, CSRCs,
 * marker and payload type kept), the rewritten VP8 descriptor, the rest of
 * the payload copied, padding kept. cap >= len + SFU__REWRITER_MAX_GROWTH
 * always suffices. `out` must not overlap `pkt`.
 *
 * Returns SFU_OK with res->verdict saying whether the packet was forwarded
 * or why not. Errors (the packet is dropped, the state is unchanged, and
 * `errors` counts it): SFU_ERR_INVALID_ARG for a NULL argument or
 * overlapping buffers; SFU_ERR_TRUNCATED / SFU_ERR_MALFORMED when the RTP
 * header, the dependency descriptor element or the VP8 descriptor of a
 * packet to forward cannot be parsed; SFU_ERR_NO_SPACE when cap is too
 * small. On error res->verdict is never SFU__RW_FORWARD. */
sfu_err_t sfu__rewriter_forward(sfu__rewriter_t *rw, const uint8_t *pkt, size_t len,
                                bool keyframe_start, uint64_t now_us, uint8_t *out, size_t cap,
                                sfu__rw_result_t *res);

const sfu__rewriter_stats_t *sfu__rewriter_stats(const sfu__rewriter_t *rw);

#endif
