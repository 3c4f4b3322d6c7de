/* peers/source.c: the "pattern" video source, a deterministic moving test
 * picture in I420 (see source.h), and the I420 buffer helpers.
 *
 * The scene is defined in fixed-point coordinates relative to the frame
 * width (Q16: the width is 65536 units, the height 65536 * h / w), sampled
 * at pixel centres, so every size renders the same scene and the source of a
 * simulcast layer is simply a rendering at that layer's size. It is built
 * to give VP8 real work without being incompressible:
 * - a diagonal triangle-wave gradient that drifts (smooth, global motion);
 * - value noise in two octaves (16 and 64 lattice cells across the width,
 *   smoothstep-interpolated) that pans a few pixels per frame: texture that
 *   motion search can follow;
 * - a grain of the same noise on a 4-pixel lattice, panning with it: the
 *   one part defined in pixels rather than relative to the width, so that
 *   every layer has detail at its own scale, as a camera's picture does;
 * - three discs on Lissajous paths with their own luma and colour: edges and
 *   occlusion;
 * - the burned-in code on top (code.c).
 * Everything is integer arithmetic, so a frame is bit-exact wherever it is
 * rendered; colours, directions and phases come from a hash of the sender
 * id and the seed.
 *
 * How it is rendered fast. Every term splits into a part that depends on
 * the column only and a part that depends on the row only:
 * - value noise is a bilinear blend of lattice values with smoothstep
 *   weights (Q8). A column's lattice cell and horizontal weight are the
 *   same in every row, so they are tabled once per frame; each lattice row
 *   the picture crosses is hashed and blended horizontally once (a fine
 *   lattice row serves about ten pixel rows at 640 wide, a grain one four);
 *   a pixel is then one vertical blend of two tabled values per octave;
 * - the gradient's phase is a column term plus a row term;
 * - a disc covers one run of columns per row, found from its centre and
 *   radius with an integer square root, and is painted over the background.
 * What is left per pixel is a few 8- and 16-bit operations on contiguous
 * arrays, which the compiler vectorizes. The picture is rendered in strips
 * of at most STRIP columns, so the per-column tables are small and fixed (on
 * the stack) whatever the size; every value is defined per pixel, so the
 * strips do not show. */
#include "peers/source.h"

#include <string.h>

#define Q16           65536
#define DISC_COUNT    3
#define NOISE_BASE    ((int64_t)1 << 44) /* keeps panned coordinates positive */
#define GRADIENT_STEP 300                /* gradient drift per frame, Q16 of a cycle */
#define OCTAVE_COUNT  3
#define STRIP         512 /* columns rendered together: bounds the tables */
#define LANES         16  /* bytes in an SSE2/NEON vector; divides STRIP */
#define GRAIN_PIXELS  4   /* the grain's cell, in pixels */

size_t peer__image_i420_size(uint32_t width, uint32_t height)
{
    size_t chroma = (size_t)((width + 1u) / 2u) * ((height + 1u) / 2u);
    return (size_t)width * height + 2u * chroma;
}

peer__image_t peer__image_wrap_i420(uint8_t *buffer, uint32_t width, uint32_t height)
{
    size_t cw = (width + 1u) / 2u, ch = (height + 1u) / 2u;
    uint8_t *u = buffer + (size_t)width * height;
    return (peer__image_t){
        .planes = { buffer, u, u + cw * ch },
        .strides = { width, cw, cw },
        .width = width,
        .height = height,
    };
}

peer__pattern_config_t peer__pattern_config_default(void)
{
    return (peer__pattern_config_t){ .sender_id = 0, .seed = 0 };
}

/* splitmix64's finaliser: a well-mixed hash of one 64-bit word. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15u;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
    return x ^ (x >> 31);
}

/* sin of a Q16 phase (65536 = a full turn), Q15 result, by Bhaskara I's
 * rational approximation (error below 0.002): integer-only and exact to
 * reproduce. */
static int32_t isin_q15(uint32_t phase)
{
    uint32_t p = phase & 0xFFFFu;
    int64_t t = p & 0x7FFFu; /* within the half turn, 32768 = pi */
    int64_t a = t * (32768 - t);
    int64_t value = (a * 16 * 32767) / (5 * ((int64_t)1 << 30) - 4 * a);
    return (int32_t)(p & 0x8000u ? -value : value);
}

static int32_t icos_q15(uint32_t phase)
{
    return isin_q15(phase + Q16 / 4);
}

typedef struct disc {
    int64_t cx, cy, radius; /* radius below 2^16: its square fits 32 bits */
    int32_t luma, u, v;
} disc_t;

/* What is fixed for one frame: motion offsets, directions and the discs. */
typedef struct pattern_frame {
    uint64_t key; /* hash of sender and seed */
    int64_t pan_x, pan_y;
    int32_t grad_a, grad_b; /* gradient direction, Q15 */
    uint32_t grad_phase;
    int32_t tint_u, tint_v;
    disc_t discs[DISC_COUNT];
} pattern_frame_t;

static int32_t key_range(uint64_t key, uint64_t salt, int32_t lo, int32_t hi)
{
    return lo + (int32_t)(mix64(key ^ salt) % (uint64_t)(hi - lo + 1));
}

static void place_discs(pattern_frame_t *pf, uint32_t frame, int64_t height_q16)
{
    static const uint32_t period_x[DISC_COUNT] = { 150, 173, 211 };
    static const uint32_t period_y[DISC_COUNT] = { 127, 190, 97 };
    for (uint32_t k = 0; k < DISC_COUNT; k++) {
        uint64_t salt = 0x100u + k * 16u;
        uint32_t phase_x = (uint32_t)key_range(pf->key, salt, 0, Q16 - 1);
        uint32_t phase_y = (uint32_t)key_range(pf->key, salt + 1, 0, Q16 - 1);
        uint32_t step_x = (uint32_t)((uint64_t)(frame % period_x[k]) * Q16 / period_x[k]);
        uint32_t step_y = (uint32_t)((uint64_t)(frame % period_y[k]) * Q16 / period_y[k]);
        disc_t *d = &pf->discs[k];
        d->cx = Q16 / 2 + (int64_t)isin_q15(phase_x + step_x) * 24000 / 32768;
        d->cy = height_q16 / 2 + (int64_t)isin_q15(phase_y + step_y) * height_q16 * 7 / 20 / 32768;
        d->radius = 5000 + 1500 * (int64_t)k;
        d->luma = key_range(pf->key, salt + 2, 30, 225);
        d->u = key_range(pf->key, salt + 3, 70, 186);
        d->v = key_range(pf->key, salt + 4, 70, 186);
    }
}

static pattern_frame_t pattern_frame(const peer__pattern_config_t *config, uint32_t frame,
                                     uint32_t width, uint32_t height)
{
    pattern_frame_t pf = { .key = mix64(config->seed ^ mix64(0x5EED0000u + config->sender_id)) };
    uint32_t pan_angle = (uint32_t)key_range(pf.key, 1, 0, Q16 - 1);
    /* 240..400 units a frame: 0.6..1 pixel at 160 wide, 2.3..4 at 640. */
    int64_t speed = key_range(pf.key, 2, 240, 400);
    pf.pan_x = NOISE_BASE + (int64_t)frame * speed * icos_q15(pan_angle) / 32768;
    pf.pan_y = NOISE_BASE + (int64_t)frame * speed * isin_q15(pan_angle) / 32768;
    uint32_t grad_angle = (uint32_t)key_range(pf.key, 3, 0, Q16 - 1);
    pf.grad_a = icos_q15(grad_angle);
    pf.grad_b = isin_q15(grad_angle);
    pf.grad_phase = (uint32_t)((uint64_t)frame * GRADIENT_STEP);
    pf.tint_u = key_range(pf.key, 4, -24, 24);
    pf.tint_v = key_range(pf.key, 5, -24, 24);
    place_discs(&pf, frame, (int64_t)Q16 * height / width);
    return pf;
}

/* ---- Sampling grids ----------------------------------------------------- */

/* Where the samples of a plane sit, in Q16 units of the frame width: sample
 * k along either axis is at (((k << scale) + offset) * step) >> 16, with
 * step the Q16 units of half a luma pixel, times 2^16 (no division per
 * sample). Luma pixel k (scale 1) sits at half-pixel 2k + 1, its centre;
 * chroma sample k (scale 2) at 4k + 2, the centre of its 2x2 luma block. */
typedef struct grid {
    int64_t step, width;
    unsigned scale;
    int64_t offset;
} grid_t;

static grid_t grid_of(uint32_t width, unsigned scale)
{
    return (grid_t){ .step = ((int64_t)Q16 / 2 << 16) / width,
                     .width = width,
                     .scale = scale,
                     .offset = (int64_t)1 << (scale - 1) };
}

static int64_t grid_position(const grid_t *grid, int64_t k)
{
    return (((k << grid->scale) + grid->offset) * grid->step) >> 16;
}

/* The first sample in [0, count] at or after position `at` (0..2^20).
 * Positions only grow with k: at * width / 2^15 half-pixels is an estimate
 * within a sample or so (step is rounded down), the loops make it exact. */
static int64_t grid_first_at(const grid_t *grid, int64_t at, int64_t count)
{
    if (at <= 0)
        return 0;
    int64_t half_pixels = ((at * grid->width) >> 15) - grid->offset;
    int64_t k = half_pixels <= 0 ? 0 : half_pixels >> grid->scale;
    k = k > count ? count : k;
    while (k > 0 && grid_position(grid, k - 1) >= at)
        k--;
    while (k < count && grid_position(grid, k) < at)
        k++;
    return k;
}

/* ---- Discs -------------------------------------------------------------- */

/* floor(sqrt(value)), digit by digit; no branch on the data. */
static uint32_t isqrt32(uint32_t value)
{
    uint32_t root = 0;
    for (uint32_t bit = (uint32_t)1 << 30; bit != 0; bit >>= 2) {
        uint32_t trial = root + bit;
        uint32_t take = value >= trial ? ~0u : 0u;
        value -= trial & take;
        root = (root >> 1) + (bit & take);
    }
    return root;
}

/* The samples [*first, *end) of a line at position y that lie inside the
 * disc, (x - cx)^2 + (y - cy)^2 < r^2: |x - cx| <= isqrt(r^2 - dy^2 - 1). */
static void disc_span(const disc_t *d, int64_t y, const grid_t *grid, int64_t count, int64_t *first,
                      int64_t *end)
{
    int64_t dy = y - d->cy;
    if (dy >= d->radius || -dy >= d->radius) {
        *first = *end = 0;
        return;
    }
    int64_t half = isqrt32((uint32_t)(d->radius * d->radius - dy * dy - 1));
    *first = grid_first_at(grid, d->cx - half, count);
    *end = grid_first_at(grid, d->cx + half + 1, count);
}

/* The part of a disc's span that falls in the strip [strip_first,
 * strip_first + n), relative to the strip; false if none. */
static bool disc_strip_span(const disc_t *d, int64_t y, const grid_t *grid, int64_t count,
                            int64_t strip_first, int64_t n, size_t *first, size_t *end)
{
    int64_t lo, hi;
    disc_span(d, y, grid, count, &lo, &hi);
    lo = lo < strip_first ? 0 : lo - strip_first;
    hi = hi > strip_first + n ? n : hi - strip_first;
    if (lo >= hi)
        return false;
    *first = (size_t)lo;
    *end = (size_t)hi;
    return true;
}

/* ---- Value noise -------------------------------------------------------- */

/* Smoothstep of a Q16 fraction, 3t^2 - 2t^3, as a Q8 weight 0..255. All
 * operands are non-negative, so the shifts are exact floor divisions. */
static uint32_t fade_q8(uint64_t t)
{
    return (uint32_t)((((t * t) >> 16) * (3 * Q16 - 2 * t) >> 16) >> 8);
}

/* (a * (256 - w) + b * w) / 256, rounded down. The sum lies in 0..65280,
 * so it is exact mod 2^16: the compiler may use 16-bit lanes. */
static uint8_t blend_q8(uint8_t a, uint8_t b, uint8_t weight)
{
    return (uint8_t)((uint16_t)(a * 256u + (uint32_t)(b - a) * weight) >> 8);
}

static uint8_t lattice(uint64_t key, uint64_t i, uint64_t j)
{
    return (uint8_t)mix64(key ^ (i * 0x9E3779B97F4A7C15u) ^ (j * 0xC2B2AE3D27D4EB4Fu));
}

/* One octave of value noise over a strip. Lattice coordinates are Q18 of a
 * cell (CELL_SHIFT), taken mod 2^64, so lattice indices run mod 2^46 and
 * no size or frame number overflows anything:
 * - coarse: (x + pan) * 64, a cell of 4096 units, 16 across the width;
 * - fine: (x + pan) * 256, a cell of 1024 units, 64 across the width;
 * - grain: pixel centre (k + 1/2) * 2^16 plus pan * width, a cell of 4
 *   pixels, panning with the rest. */
#define CELL_SHIFT 18
#define INDEX_MASK (~(uint64_t)0 >> CELL_SHIFT)

enum { COARSE, FINE, GRAIN };

/* The lattice coordinate of pixel `pixel` at `position` along one axis,
 * with that axis' pan. */
static uint64_t noise_units(int octave, int64_t position, int64_t pixel, int64_t pan,
                            uint32_t width)
{
    if (octave == GRAIN)
        return ((uint64_t)(2 * pixel + 1) << 15) + (uint64_t)pan * width;
    return (uint64_t)(position + pan) * (octave == COARSE ? 64u : 256u);
}

/* A strip of n columns spans at most 64 + 2 fine cells and n / 4 + 2 grain
 * cells: STRIP + 2 bounds the lattice columns of every octave. */
typedef struct octave {
    uint64_t key;
    int kind;              /* COARSE, FINE or GRAIN */
    uint64_t first_cell;   /* lattice column of the strip's first pixel */
    uint32_t corners;      /* lattice columns the strip needs, from first_cell */
    uint8_t weight[STRIP]; /* each column's horizontal weight, Q8 */
    /* Cell c (from first_cell) covers columns run[c] .. run[c + 1] - 1. */
    uint16_t run[STRIP + 2];
    /* The grain's cells are exactly GRAIN_PIXELS columns: column k lies in
     * cell (k + head) / GRAIN_PIXELS, with weight group_weight[(k + head) %
     * GRAIN_PIXELS]. */
    unsigned head;
    uint8_t group_weight[GRAIN_PIXELS];
    bool rows_valid;
    uint64_t upper_row; /* the lattice row blended into rows[upper] */
    unsigned upper;
    /* Lattice rows j and j + 1 blended horizontally, column k at head + k. */
    uint8_t rows[2][STRIP + GRAIN_PIXELS];
} octave_t;

static uint32_t octave_weight(uint64_t units)
{
    return fade_q8((units >> (CELL_SHIFT - 16)) & 0xFFFFu);
}

/* Tables the columns [first, first + n) of a strip along `grid`; the padding
 * up to `padded` repeats the last column. */
static void octave_columns(octave_t *o, const grid_t *grid, int64_t first, size_t n, size_t padded,
                           int64_t pan, uint32_t width)
{
    uint32_t next_cell = 0;
    for (size_t k = 0; k < padded; k++) {
        int64_t pixel = first + (int64_t)(k < n ? k : n - 1);
        uint64_t units = noise_units(o->kind, grid_position(grid, pixel), pixel, pan, width);
        if (k == 0)
            o->first_cell = units >> CELL_SHIFT;
        uint64_t cell = ((units >> CELL_SHIFT) - o->first_cell) & INDEX_MASK;
        while (next_cell <= cell)
            o->run[next_cell++] = (uint16_t)k;
        o->weight[k] = (uint8_t)octave_weight(units);
    }
    o->run[next_cell] = (uint16_t)padded;
    o->corners = next_cell + 1u;
    o->head = 0;
    if (o->kind == GRAIN) {
        /* The first cell holds run[1] columns, GRAIN_PIXELS or fewer (or
         * the whole strip, when it is narrower). Whole cells cover the
         * padding too. */
        o->head = o->run[1] < GRAIN_PIXELS ? GRAIN_PIXELS - o->run[1] : 0;
        for (unsigned k = 0; k < GRAIN_PIXELS; k++)
            o->group_weight[(k + o->head) % GRAIN_PIXELS] = o->weight[k];
        o->corners = (uint32_t)((padded + o->head + GRAIN_PIXELS - 1u) / GRAIN_PIXELS) + 1u;
    }
    o->rows_valid = false;
}

/* Lattice row j, blended horizontally: a cell at a time, with its corners
 * in registers. */
static void octave_blend_row(const octave_t *o, uint64_t j, uint8_t *restrict row)
{
    uint8_t corner[STRIP + 2];
    for (uint32_t c = 0; c < o->corners; c++)
        corner[c] = lattice(o->key, (o->first_cell + c) & INDEX_MASK, j);
    if (o->kind == GRAIN) {
        for (uint32_t c = 0; c + 1u < o->corners; c++)
            for (unsigned r = 0; r < GRAIN_PIXELS; r++)
                row[c * GRAIN_PIXELS + r] = blend_q8(corner[c], corner[c + 1], o->group_weight[r]);
        return;
    }
    const uint8_t *weight = o->weight;
    for (uint32_t c = 0; c + 1u < o->corners; c++) {
        uint8_t left = corner[c], right = corner[c + 1];
        for (size_t k = o->run[c]; k < o->run[c + 1]; k++)
            row[k] = blend_q8(left, right, weight[k]);
    }
}

/* Brings the two lattice rows around a pixel row (lattice coordinate
 * `units`) into the cache, keeping the lower one when the picture steps
 * down a lattice row, and returns the vertical weight, Q8. */
static uint32_t octave_seek_row(octave_t *o, uint64_t units)
{
    uint64_t j = units >> CELL_SHIFT;
    if (!o->rows_valid || j != o->upper_row) {
        if (o->rows_valid && j == ((o->upper_row + 1) & INDEX_MASK)) {
            o->upper ^= 1u;
        } else {
            o->upper = 0;
            octave_blend_row(o, j, o->rows[0]);
        }
        octave_blend_row(o, (j + 1) & INDEX_MASK, o->rows[o->upper ^ 1u]);
        o->upper_row = j;
        o->rows_valid = true;
    }
    return octave_weight(units);
}

/* ---- Gradient ----------------------------------------------------------- */

/* The gradient's phase is ((x * a + y * b) >> 15) + drift, mod 2^16, taken
 * as a column term plus a row term (each floored on its own). The
 * products are mod 2^64, which keeps the low 16 bits of the floor exact. */
static uint16_t gradient_term(int64_t position, int32_t direction)
{
    return (uint16_t)(((uint64_t)position * (uint64_t)(int64_t)direction) >> 15);
}

/* The triangle wave of a gradient phase (mod 2^16), 0..255: phase / 128
 * on the rising half, its mirror 511 - phase / 128 on the falling half
 * (the low 8 bits inverted), in 16-bit operations only. */
static uint8_t gradient_fold(uint16_t phase)
{
    uint16_t falling = (uint16_t)(0u - (phase >> 15u));
    return (uint8_t)((phase >> 7u) ^ falling);
}

static uint8_t clamp_u8(int16_t value)
{
    return (uint8_t)(value < 0 ? 0 : value > 255 ? 255 : value);
}

/* Loops over a strip's columns run over whole groups of LANES (the padding
 * repeats the last column or is thrown away), so that the compiler
 * vectorizes them without a scalar tail. */
static size_t padded_count(size_t n)
{
    return (n + LANES - 1u) & ~(size_t)(LANES - 1u);
}

/* ---- Luma --------------------------------------------------------------- */

/* A luma strip: the tables of its columns, then row by row the background
 * (gradient + coarse * 3/8 + fine / 8 + grain / 4) and the discs over it
 * (disc luma + fine / 4 + grain / 8), noise centred on 128. */
typedef struct luma_strip {
    int64_t first; /* the strip's first column */
    size_t n, padded;
    octave_t octaves[OCTAVE_COUNT];
    uint16_t gradient[STRIP];
    uint8_t luma[STRIP];         /* the current row */
    uint8_t disc_texture[STRIP]; /* (2 fine + grain) / 8 of the current row */
} luma_strip_t;

static void luma_strip_columns(luma_strip_t *ls, const pattern_frame_t *pf, const grid_t *grid,
                               uint32_t width)
{
    for (size_t k = 0; k < ls->padded; k++) {
        int64_t x = grid_position(grid, ls->first + (int64_t)(k < ls->n ? k : ls->n - 1));
        ls->gradient[k] = gradient_term(x, pf->grad_a);
    }
    for (int o = 0; o < OCTAVE_COUNT; o++)
        octave_columns(&ls->octaves[o], grid, ls->first, ls->n, ls->padded, pf->pan_x, width);
}

/* The background of one row of a strip, from the two cached lattice rows of
 * each octave (`rows`: coarse, fine, grain, upper then lower), their
 * vertical weights and the gradient's column terms. The texture the discs
 * take goes to `disc_texture`. */
static void luma_row_background(const uint8_t *const rows[2 * OCTAVE_COUNT],
                                const uint8_t weights[OCTAVE_COUNT],
                                const uint16_t *restrict gradient, uint32_t row_phase,
                                uint8_t *restrict luma, uint8_t *restrict disc_texture,
                                size_t padded)
{
    const uint8_t *restrict c0 = rows[0], *restrict c1 = rows[1];
    const uint8_t *restrict f0 = rows[2], *restrict f1 = rows[3];
    const uint8_t *restrict g0 = rows[4], *restrict g1 = rows[5];
    uint8_t wc = weights[COARSE], wf = weights[FINE], wg = weights[GRAIN];
    /* The narrow types tell the compiler that 16-bit lanes hold every
     * intermediate value. */
    for (size_t k = 0; k < padded; k++) {
        uint8_t c = blend_q8(c0[k], c1[k], wc);
        uint8_t f = blend_q8(f0[k], f1[k], wf);
        uint8_t g = blend_q8(g0[k], g1[k], wg);
        uint8_t wave = gradient_fold((uint16_t)(gradient[k] + row_phase));
        /* 50..189; the noise sum is centred on 96. */
        uint16_t base = (uint16_t)(50u + (((uint16_t)(wave * 140u)) >> 8));
        uint16_t noise = (uint16_t)((3u * c + f + 2u * g) >> 3);
        luma[k] = clamp_u8((int16_t)(base + noise - 96));
        disc_texture[k] = (uint8_t)((2u * f + g) >> 3);
    }
}

static void luma_strip_discs(luma_strip_t *ls, const pattern_frame_t *pf, int64_t y,
                             const grid_t *grid, int64_t width)
{
    /* In order, so the last disc is drawn on top. */
    for (int d = 0; d < DISC_COUNT; d++) {
        size_t lo, hi;
        if (!disc_strip_span(&pf->discs[d], y, grid, width, ls->first, (int64_t)ls->n, &lo, &hi))
            continue;
        for (size_t k = lo; k < hi; k++)
            ls->luma[k] = clamp_u8((int16_t)(pf->discs[d].luma + ls->disc_texture[k] - 48));
    }
}

static void luma_strip_row(luma_strip_t *ls, const pattern_frame_t *pf, const grid_t *grid,
                           uint32_t width, uint32_t row, uint8_t *line)
{
    int64_t y = grid_position(grid, row);
    uint8_t weights[OCTAVE_COUNT];
    const uint8_t *rows[2 * OCTAVE_COUNT];
    for (int o = 0; o < OCTAVE_COUNT; o++) {
        octave_t *octave = &ls->octaves[o];
        uint64_t units = noise_units(o, y, row, pf->pan_y, width);
        weights[o] = (uint8_t)octave_seek_row(octave, units);
        rows[2 * o] = octave->rows[octave->upper] + octave->head;
        rows[2 * o + 1] = octave->rows[octave->upper ^ 1u] + octave->head;
    }
    uint32_t row_phase = gradient_term(y, pf->grad_b) + pf->grad_phase;
    /* padded_count() here rather than ls->padded: the compiler then sees a
     * multiple of LANES and vectorizes without a scalar tail. */
    luma_row_background(rows, weights, ls->gradient, row_phase, ls->luma, ls->disc_texture,
                        padded_count(ls->n));
    luma_strip_discs(ls, pf, y, grid, width);
    memcpy(line, ls->luma, ls->n);
}

static void render_luma(const pattern_frame_t *pf, const peer__image_t *out)
{
    luma_strip_t ls;
    ls.octaves[COARSE].key = pf->key ^ 0xC0;
    ls.octaves[FINE].key = pf->key ^ 0xF1;
    ls.octaves[GRAIN].key = pf->key ^ 0x6A;
    for (int o = 0; o < OCTAVE_COUNT; o++)
        ls.octaves[o].kind = o;
    grid_t grid = grid_of(out->width, 1);
    for (ls.first = 0; ls.first < out->width; ls.first += STRIP) {
        ls.n = out->width - ls.first < STRIP ? (size_t)(out->width - ls.first) : STRIP;
        ls.padded = padded_count(ls.n);
        luma_strip_columns(&ls, pf, &grid, out->width);
        for (uint32_t row = 0; row < out->height; row++)
            luma_strip_row(&ls, pf, &grid, out->width, row,
                           out->planes[0] + (size_t)row * out->strides[0] + ls.first);
    }
}

/* ---- Chroma ------------------------------------------------------------- */

/* Chroma follows the gradient, tinted: u = 128 + tint -12..+11 and
 * v = 128 + tint +8..-7 with the wave. It carries no texture. */
static void chroma_row_background(const uint16_t *restrict gradient, uint32_t row_phase,
                                  int32_t tint_u, int32_t tint_v, uint8_t *restrict u,
                                  uint8_t *restrict v, size_t padded)
{
    for (size_t k = 0; k < padded; k++) {
        uint32_t wave = gradient_fold((uint16_t)(gradient[k] + row_phase));
        u[k] = (uint8_t)(116 + tint_u + (int32_t)((wave * 24u) >> 8));
        v[k] = (uint8_t)(136 + tint_v - (int32_t)((wave * 16u) >> 8));
    }
}

/* Chroma: the gradient, and the discs' colours over it. */
static void render_chroma(const pattern_frame_t *pf, const peer__image_t *out)
{
    uint32_t cw = (out->width + 1u) / 2u, ch = (out->height + 1u) / 2u;
    grid_t grid = grid_of(out->width, 2);
    uint16_t gradient[STRIP];
    uint8_t u[STRIP], v[STRIP];
    for (int64_t first = 0; first < cw; first += STRIP) {
        size_t n = cw - first < STRIP ? (size_t)(cw - first) : STRIP, padded = padded_count(n);
        for (size_t k = 0; k < padded; k++) {
            int64_t x = grid_position(&grid, first + (int64_t)(k < n ? k : n - 1));
            gradient[k] = gradient_term(x, pf->grad_a);
        }
        for (uint32_t row = 0; row < ch; row++) {
            int64_t y = grid_position(&grid, row);
            uint32_t row_phase = gradient_term(y, pf->grad_b) + pf->grad_phase;
            chroma_row_background(gradient, row_phase, pf->tint_u, pf->tint_v, u, v, padded);
            for (int d = 0; d < DISC_COUNT; d++) {
                size_t lo, hi;
                const disc_t *disc = &pf->discs[d];
                if (!disc_strip_span(disc, y, &grid, cw, first, (int64_t)n, &lo, &hi))
                    continue;
                memset(u + lo, disc->u, hi - lo);
                memset(v + lo, disc->v, hi - lo);
            }
            memcpy(out->planes[1] + (size_t)row * out->strides[1] + first, u, n);
            memcpy(out->planes[2] + (size_t)row * out->strides[2] + first, v, n);
        }
    }
}

void peer__pattern_render(const peer__pattern_config_t *config, uint32_t frame,
                          const peer__image_t *out)
{
    if (out->width == 0 || out->height == 0)
        return;
    pattern_frame_t pf = pattern_frame(config, frame, out->width, out->height);
    render_luma(&pf, out);
    render_chroma(&pf, out);
    peer__code_draw(out, config->sender_id, frame);
}
