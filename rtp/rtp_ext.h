/* RTP header extensions (RFC 8285): iterate, find, build, and add/remove/
 * remap elements of a packet; typed values for the extensions blindfold's
 * SFU reads in clear (audio level, transport-wide sequence number,
 * abs-send-time, mid, rid, repaired-rid, frame marking). The AV1 dependency
 * descriptor has its own header, rtp/rtp_dd.h. */
#ifndef BLINDFOLD_RTP_EXT_H
#define BLINDFOLD_RTP_EXT_H

#include "rtp/rtp_error.h"
#include "rtp/rtp_packet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_EXT_PROFILE_ONE_BYTE 0xBEDE
#define RTP_EXT_PROFILE_TWO_BYTE 0x1000 /* low 4 bits: "appbits", ignored */

/* Largest extension block the packet-editing functions below rebuild.
 * Larger blocks are valid RTP (up to 262140 bytes) but no real sender
 * emits one; editing them returns RTP_ERR_UNSUPPORTED. */
#define RTP_EXT_EDIT_MAX 1024

typedef enum rtp_ext_form {
    RTP_EXT_FORM_NONE = 0, /* no extension block, or a profile not from RFC 8285 */
    RTP_EXT_FORM_ONE_BYTE, /* IDs 1..14, 1..16 bytes of value */
    RTP_EXT_FORM_TWO_BYTE, /* IDs 1..255, 0..255 bytes of value */
} rtp_ext_form_t;

/* The RFC 8285 form an extension block's profile announces. */
rtp_ext_form_t rtp_ext_form_of(uint16_t profile);

/* The smallest form that can carry an element with this ID and length:
 * ONE_BYTE for IDs 1..14 with 1..16 bytes, TWO_BYTE for other IDs up to 255
 * and lengths up to 255, NONE when no form can (ID 0, length > 255). */
rtp_ext_form_t rtp_ext_form_for(unsigned id, size_t len);

/* One element; `value` points into the packet. */
typedef struct rtp_ext_elem {
    uint8_t id;
    uint8_t len;
    const uint8_t *value;
} rtp_ext_elem_t;

typedef struct rtp_ext_iter {
    const uint8_t *pos;
    const uint8_t *end;
    rtp_ext_form_t form;
} rtp_ext_iter_t;

/* Starts iterating the extension block of a parsed packet.
 * Errors: RTP_ERR_NOT_FOUND when the packet has no extension block;
 * RTP_ERR_UNSUPPORTED when its profile is not an RFC 8285 one. */
rtp_err_t rtp_ext_iter_init(rtp_ext_iter_t *it, const rtp_header_t *h);

/* Yields the next element, skipping padding bytes. ID 15 in the one-byte
 * form ends the iteration (RFC 8285 4.2: processing stops there).
 * Errors: RTP_ERR_END after the last element; RTP_ERR_TRUNCATED when an
 * element's value runs past the block; RTP_ERR_MALFORMED for a one-byte
 * element with ID 0 and a non-zero length field (neither padding nor an
 * element). After an error the iterator stays at the end. */
rtp_err_t rtp_ext_next(rtp_ext_iter_t *it, rtp_ext_elem_t *elem);

/* Finds the first element with `id`.
 * Errors: RTP_ERR_NOT_FOUND, or any error of rtp_ext_iter_init() and
 * rtp_ext_next() met before the element. */
rtp_err_t rtp_ext_find(const rtp_header_t *h, uint8_t id, rtp_ext_elem_t *elem);

/* --- Building an extension block -------------------------------------- */

typedef struct rtp_ext_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    rtp_ext_form_t form;
    rtp_err_t err; /* first failure; sticky */
} rtp_ext_writer_t;

/* Starts a block of the given form (ONE_BYTE or TWO_BYTE) in buf[0..cap). */
void rtp_ext_writer_init(rtp_ext_writer_t *w, rtp_ext_form_t form, uint8_t *buf, size_t cap);

/* Appends one element. Errors (also kept in w->err, which later calls
 * return unchanged): RTP_ERR_INVALID_ARG when the ID or length does not fit
 * the writer's form; RTP_ERR_NO_SPACE. */
rtp_err_t rtp_ext_writer_add(rtp_ext_writer_t *w, uint8_t id, const uint8_t *value, size_t len);

/* Pads the block with zero bytes to a multiple of 4 and returns the profile
 * and the block length to put in an rtp_header_t. Errors: w->err;
 * RTP_ERR_NO_SPACE when the padding does not fit. */
rtp_err_t rtp_ext_writer_finish(rtp_ext_writer_t *w, uint16_t *profile, size_t *block_len);

/* --- Editing a packet in place ----------------------------------------
 * Each function rewrites the whole packet pkt[0..*len) inside pkt[0..cap)
 * and updates *len. The block is rebuilt in the smallest form its elements
 * allow (one-byte where possible); a packet left with no elements loses its
 * block and X bit. Payload and padding are kept.
 * Errors common to all: those of rtp_parse() and rtp_ext_next();
 * RTP_ERR_UNSUPPORTED when the existing block is not RFC 8285 or the
 * rebuilt block would exceed RTP_EXT_EDIT_MAX; RTP_ERR_NO_SPACE when the
 * result exceeds cap (the packet is then unchanged). */

/* Sets element `id` to value[0..value_len), replacing every element with
 * that ID or appending one. Errors: RTP_ERR_INVALID_ARG for ID 0 or a
 * value longer than 255 bytes. */
rtp_err_t rtp_ext_set(uint8_t *pkt, size_t *len, size_t cap, uint8_t id, const uint8_t *value,
                      size_t value_len);

/* Removes every element with `id`. Errors: RTP_ERR_NOT_FOUND when none. */
rtp_err_t rtp_ext_remove(uint8_t *pkt, size_t *len, size_t cap, uint8_t id);

/* Renumbers elements: element with ID i gets ID map[i]; map[i] == 0 drops
 * it. Used per subscriber, whose negotiated IDs differ from the
 * publisher's. */
rtp_err_t rtp_ext_remap(uint8_t *pkt, size_t *len, size_t cap, const uint8_t map[256]);

/* --- Typed values ------------------------------------------------------
 * Each *_parse takes an element found by rtp_ext_find() and returns
 * RTP_ERR_MALFORMED when its length or content is not what the format
 * allows. Each *_write fills a caller buffer and returns the value length
 * to hand to rtp_ext_writer_add() or rtp_ext_set(), or 0 on bad input. */

/* Client-to-mixer audio level (RFC 6464 section 3): V flag and level in
 * -dBov, 0..127. One byte; RFC 6464 allows the two-byte form to carry it
 * padded, so a longer value is accepted and its first byte read. */
rtp_err_t rtp_ext_audio_level_parse(const rtp_ext_elem_t *e, bool *voice, uint8_t *level_dbov);
size_t rtp_ext_audio_level_write(bool voice, uint8_t level_dbov, uint8_t out[1]);

/* Transport-wide sequence number
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 section 2): 2 bytes. */
rtp_err_t rtp_ext_twcc_seq_parse(const rtp_ext_elem_t *e, uint16_t *seq);
size_t rtp_ext_twcc_seq_write(uint16_t seq, uint8_t out[2]);

/* abs-send-time (webrtc.org/experiments/rtp-hdrext/abs-send-time): 24-bit
 * 6.18 fixed-point seconds, wrapping every 64 s. */
rtp_err_t rtp_ext_abs_send_time_parse(const rtp_ext_elem_t *e, uint32_t *abs_send_time);
size_t rtp_ext_abs_send_time_write(uint32_t abs_send_time, uint8_t out[3]);
/* Microseconds to the 6.18 format, rounded to nearest, modulo 64 s. */
uint32_t rtp_abs_send_time_from_us(uint64_t time_us);
/* The 6.18 value back to microseconds within its 64 s period. */
uint64_t rtp_abs_send_time_to_us(uint32_t abs_send_time);

/* abs-capture-time (webrtc.org/experiments/rtp-hdrext/abs-capture-time,
 * libwebrtc's AbsoluteCaptureTimeExtension): when the frame's first
 * sample was captured, as a 64-bit UQ32.32 NTP timestamp (8 bytes),
 * optionally followed by the sender's estimate of the offset between the
 * capture clock and its own clock, a signed Q32.32 (16 bytes in all). It
 * passes through an SFU unchanged, so a receiver learns each frame's
 * capture time whatever the SFU rewrites. *has_offset says whether the
 * long form was present (*offset_q32 is 0 when not). RTP_ERR_MALFORMED
 * for any length but 8 and 16. The writer emits the 8-byte form. */
rtp_err_t rtp_ext_abs_capture_time_parse(const rtp_ext_elem_t *e, uint64_t *ntp_q32,
                                         bool *has_offset, int64_t *offset_q32);
size_t rtp_ext_abs_capture_time_write(uint64_t ntp_q32, uint8_t out[8]);
/* Virtual microseconds to NTP Q32.32 seconds (seconds << 32 | fraction),
 * virtual time 0 being NTP time 0; the fraction is rounded to nearest and
 * the seconds wrap at 2^32. rtp_ntp_q32_to_us() rounds back to nearest,
 * so rtp_ntp_q32_to_us(rtp_ntp_q32_from_us(us)) == us for every us below
 * 2^32 seconds: a fraction step (2^-32 s) is far finer than 1 us. */
uint64_t rtp_ntp_q32_from_us(uint64_t time_us);
uint64_t rtp_ntp_q32_to_us(uint64_t ntp_q32);

/* SDES items carried as extensions: mid (RFC 8843 section 15.2) and rid /
 * repaired-rid (RFC 8852 section 3). Values are 1..255 bytes without a
 * terminator. A mid is an RFC 5888 identification-tag (RFC 4566 token
 * characters); a rid is alphanumerics, '-' and '_' (RFC 8851 section 10).
 * The string is copied NUL-terminated into out[0..cap); RTP_ERR_NO_SPACE
 * when it does not fit. */
rtp_err_t rtp_ext_mid_parse(const rtp_ext_elem_t *e, char *out, size_t cap);
rtp_err_t rtp_ext_rid_parse(const rtp_ext_elem_t *e, char *out, size_t cap);
/* Copies a checked mid or rid into out[0..cap) and returns its length, or
 * 0 when it is empty, invalid or does not fit. */
size_t rtp_ext_mid_write(const char *mid, uint8_t *out, size_t cap);
size_t rtp_ext_rid_write(const char *rid, uint8_t *out, size_t cap);

/* Video frame marking (RFC 9626, formerly draft-ietf-avtext-framemarking).
 * Short form, 1 byte, non-scalable streams: S E I D and four zero bits.
 * Long form, 3 bytes, scalable streams: S E I D B TID(3), LID(8),
 * TL0PICIDX(8). A 2-byte long form without TL0PICIDX is accepted on input
 * (has_tl0picidx false); the writer emits 1 or 3 bytes. */
typedef struct rtp_frame_marking {
    bool start_of_frame;  /* S */
    bool end_of_frame;    /* E */
    bool independent;     /* I: decodable without earlier frames (keyframe) */
    bool discardable;     /* D */
    bool scalable;        /* long form: the fields below are valid */
    bool base_layer_sync; /* B */
    uint8_t tid;          /* temporal layer, 0..7 */
    uint8_t lid;          /* layer (spatial/quality) id */
    bool has_tl0picidx;
    uint8_t tl0picidx;
} rtp_frame_marking_t;

rtp_err_t rtp_ext_frame_marking_parse(const rtp_ext_elem_t *e, rtp_frame_marking_t *fm);
/* Writes the short form unless fm->scalable; 0 when tid > 7. */
size_t rtp_ext_frame_marking_write(const rtp_frame_marking_t *fm, uint8_t out[3]);

#endif
