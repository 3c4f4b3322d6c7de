/* peers/source.h: the media sources of a peer and the checks a receiver runs
 * on what it renders, private to peers/.
 *
 * - The "pattern" video source draws I420 frame n of a sender at any size:
 *   a moving textured picture with a burned-in code (sender id and frame
 *   number) in its top-left corner. Rendering is a pure function of
 *   (sender, seed, n, width, height), so the receiver regenerates the exact
 *   source of any simulcast layer by rendering at that layer's size.
 * - The burned-in code is read back from a (decoded, lossy) luma plane.
 * - PSNR compares a decoded frame with the regenerated source.
 * - The "tone" audio source is one sine per peer under a speech-like on/off
 *   envelope; the RFC 6464 audio level is computed from its PCM.
 *
 * No allocation anywhere: callers own every buffer. */
#ifndef BLINDFOLD_PEERS_SOURCE_H
#define BLINDFOLD_PEERS_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Images ------------------------------------------------------------ */

/* A view of an I420 picture: planes Y, U, V with their own strides. Chroma
 * planes are (width + 1) / 2 by (height + 1) / 2 (exactly half for the even
 * sizes simulcast uses). It can wrap a contiguous buffer (below) or the
 * planes of a decoder's image (vpx_image_t) without copying. */
typedef struct peer__image {
    uint8_t *planes[3];
    size_t strides[3];
    uint32_t width;
    uint32_t height;
} peer__image_t;

/* Bytes of a contiguous I420 picture: Y (w*h), then U and V. For even
 * sizes the same as codec.h's peer__i420_size(); this one also sizes odd
 * ones. */
size_t peer__image_i420_size(uint32_t width, uint32_t height);

/* The view of a contiguous I420 buffer of peer__image_i420_size(width, height)
 * bytes: Y at offset 0 with stride width, then U, then V. */
peer__image_t peer__image_wrap_i420(uint8_t *buffer, uint32_t width, uint32_t height);

/* ---- The "pattern" video source ----------------------------------------- */

typedef struct peer__pattern_config {
    uint16_t sender_id; /* burned into every frame; also varies the picture */
    uint64_t seed;      /* varies the texture; the receiver needs the same */
} peer__pattern_config_t;

/* sender_id 0, seed 0. */
peer__pattern_config_t peer__pattern_config_default(void);

/* Draws frame `frame` into `out` at out->width x out->height (any size from
 * 1x1; nothing for an empty one), code included. The scene is defined in
 * coordinates relative to the width, so every size shows the same scene
 * (but for a grain at pixel scale): layer L of a simulcast sender is
 * rendered at L's size, and that rendering is also the PSNR reference for
 * L (the receiver renders the frame number it read from the code).
 * Motion: a diagonal gradient drifts, a two-octave value-noise texture and
 * a 4-pixel grain pan, and three discs move on Lissajous paths. All integer
 * arithmetic, so the result is bit-exact on every platform. */
void peer__pattern_render(const peer__pattern_config_t *config, uint32_t frame,
                          const peer__image_t *out);

/* ---- The burned-in code ------------------------------------------------- */

/* Layout, in cells of `cell` x `cell` pixels, cell = min(w / 20, h / 11):
 * - the code block, 17 x 4 cells with its top-left corner at (cell, cell);
 * - column 0 holds the reference cells, white, black, white, black from
 *   the top; columns 1..16 of rows 0..3 carry 64 bits, most significant
 *   first, row by row: sender id (16), frame number (32), then
 *   CRC-16/CCITT-FALSE (16) of those six bytes big-endian. Black is luma
 *   16, white 240, bit 1 is white;
 * - a grey (128) quiet zone of cell / 2 around the block, with neutral
 *   chroma under zone and block.
 * At 160x90 a cell is 8x8 pixels and the zone covers 144x40 (40% of the
 * frame); at 640x360 a cell is 32x32. A frame too small for 2x2-pixel
 * cells carries no code. */
#define PEER__CODE_COLUMNS    17u /* the reference column and 16 data columns */
#define PEER__CODE_ROWS       4u
#define PEER__CODE_BITS       64u
#define PEER__CODE_BLACK      16u
#define PEER__CODE_WHITE      240u
#define PEER__CODE_GUARD_LUMA 128u
#define PEER__CODE_MIN_CELL   2u

typedef struct peer__code_layout {
    uint32_t cell;     /* cell side in pixels; 0 = the frame is too small */
    uint32_t origin_x; /* top-left pixel of the reference row's first cell */
    uint32_t origin_y;
} peer__code_layout_t;

peer__code_layout_t peer__code_layout(uint32_t width, uint32_t height);

/* The top-left pixel of cell (column, row) of the code block, column 0
 * being the reference column. */
void peer__code_cell_rect(const peer__code_layout_t *layout, uint32_t column, uint32_t row,
                          uint32_t *x, uint32_t *y);

/* Draws the quiet zone and the code into `image` (the pattern source calls
 * it last). Does nothing on a frame too small to carry it. */
void peer__code_draw(const peer__image_t *image, uint16_t sender_id, uint32_t frame);

typedef enum peer__code_result {
    PEER__CODE_OK = 0,
    PEER__CODE_TOO_SMALL,    /* the frame has no room for 2x2-pixel cells */
    PEER__CODE_NO_CONTRAST,  /* the reference cells are not clearly black/white */
    PEER__CODE_AMBIGUOUS,    /* a data cell lies too close to the threshold */
    PEER__CODE_BAD_CHECKSUM, /* the bits read do not pass the CRC */
} peer__code_result_t;

/* The cell of data bit `bit` (0 = the most significant). */
void peer__code_bit_cell(uint32_t bit, uint32_t *column, uint32_t *row);

/* Reads the code from a luma plane (w x h, row stride `stride`): averages
 * the inner half of each cell, thresholds at the midpoint of the reference
 * cells' white and black means, and checks the CRC. On PEER__CODE_OK sets
 * *sender_id and *frame; otherwise leaves them untouched. A misread shows up
 * as NO_CONTRAST, AMBIGUOUS or BAD_CHECKSUM, never as a wrong OK (short of a
 * CRC-16 collision with every cell well clear of the threshold). */
peer__code_result_t peer__code_read(const uint8_t *y_plane, uint32_t width, uint32_t height,
                                    size_t stride, uint16_t *sender_id, uint32_t *frame);

/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no xorout):
 * check value 0x29B1 for "123456789". */
uint16_t peer__code_crc16(const uint8_t *bytes, size_t len);

const char *peer__code_result_name(peer__code_result_t result);

/* ---- PSNR --------------------------------------------------------------- */

/* PSNR of identical pictures, and the ceiling of every result: 99 dB. A
 * mean squared error below 255^2 / 10^9.9 also reports 99. */
#define PEER__PSNR_CAP_DB 99.0

/* PSNR in dB of one 8-bit plane against another of the same w x h:
 * 10 log10(255^2 / MSE), capped at PEER__PSNR_CAP_DB. */
double peer__psnr_plane(const uint8_t *a, size_t a_stride, const uint8_t *b, size_t b_stride,
                        uint32_t width, uint32_t height);

/* Luma PSNR of two pictures of the same size. */
double peer__psnr_luma(const peer__image_t *a, const peer__image_t *b);

/* PSNR over all three planes together (the squared errors of Y, U and V
 * summed, divided by the number of samples), as libvpx reports "overall". */
double peer__psnr_i420(const peer__image_t *a, const peer__image_t *b);

/* ---- The "tone" audio source -------------------------------------------- */

typedef struct peer__tone_config {
    uint32_t peer_index;  /* frequency 300 + 50 * (peer_index % 64) Hz */
    uint32_t sample_rate; /* samples per second per channel */
    uint32_t channels;    /* 1, or 2 (the same sample on both, interleaved) */
    uint16_t peak;        /* amplitude at the loudest point, at most 32767 */
    uint32_t cycle_ms;    /* length of one talk/pause cycle */
    uint32_t talk_ms;     /* the talk part at the start of each cycle */
} peer__tone_config_t;

/* 48000 Hz mono, peak 16384 (-6 dBFS), a 2000 ms cycle of 1400 ms talk and
 * 600 ms digital silence. Within the talk part the amplitude follows a
 * 4 Hz "syllable" swing between 30% and 100% of peak, with 10 ms fades at
 * both ends. Peer i's cycle starts 700 * i ms late (mod the cycle), so peers
 * do not all talk at once. */
peer__tone_config_t peer__tone_config_default(void);

/* The tone's frequency in Hz. */
uint32_t peer__tone_frequency_hz(const peer__tone_config_t *config);

/* The envelope, 0..65536 (Q16), at per-channel sample index `sample`. */
uint32_t peer__tone_envelope_q16(const peer__tone_config_t *config, uint64_t sample);

/* Writes `frames` sample frames (frames * channels int16 values) starting at
 * per-channel sample index `first`; sample k is the same whatever range it
 * is rendered in. */
void peer__tone_render(const peer__tone_config_t *config, uint64_t first, size_t frames,
                       int16_t *out);

/* ---- RFC 6464 audio level ----------------------------------------------- */

/* V is set when the level is at most this (louder than -50 dBov): a simple
 * energy threshold, not a real voice activity detector. The tone's pauses
 * are digital silence (127), its talk part, fades aside, stays
 * above -20 dBov. */
#define PEER__AUDIO_LEVEL_VOICE_MAX 50u

typedef struct peer__audio_level {
    uint8_t level; /* -dBov, 0 (loudest) .. 127 (silence or quieter) */
    bool voice;    /* the V bit */
} peer__audio_level_t;

/* RFC 6464 section 3: the level of a block of PCM as -dBov of its RMS, where
 * 0 dBov is the RMS of a full-scale square wave (32768), so a full-scale
 * sine reads 3. Rounded to the nearest integer, clamped to 0..127; an empty
 * or all-zero block is 127. */
peer__audio_level_t peer__audio_level_compute(const int16_t *samples, size_t count);

#endif
