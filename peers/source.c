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
 * id and the seed. */
#include "peers/source.h"

#define Q16           65536
#define DISC_COUNT    3
#define NOISE_BASE    ((int64_t)1 << 44) /* keeps panned coordinates positive */
#define GRAIN_PIXELS  4                  /* the grain's lattice, in pixels */
#define COARSE_SHIFT  12                 /* 4096 units: 16 cells per width */
#define FINE_SHIFT    10                 /* 1024 units: 64 cells per width */
#define GRADIENT_STEP 300                /* gradient drift per frame, Q16 of a cycle */

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
    int64_t cx, cy, radius;
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

/* Smoothstep of a Q16 fraction: 3t^2 - 2t^3. All operands are
 * non-negative, so the shifts are exact floor divisions. */
static int64_t fade_q16(int64_t t)
{
    return ((t * t) >> 16) * (3 * Q16 - 2 * t) >> 16;
}

static int64_t lattice(uint64_t key, int64_t i, int64_t j)
{
    return (int64_t)(mix64(key ^ ((uint64_t)i * 0x9E3779B97F4A7C15u) ^
                           ((uint64_t)j * 0xC2B2AE3D27D4EB4Fu)) &
                     0xFFu);
}

/* Value noise along one row: the lattice row pair and the vertical weight
 * are fixed, and the four corner values are kept while consecutive pixels
 * stay in the same lattice cell (4 to 40 pixels), so most pixels hash
 * nothing. */
typedef struct noise_row {
    uint64_t key;
    int shift;
    int64_t j, fy;
    int64_t cell_i; /* -1: no corners cached yet */
    int64_t top_left, top_right, bottom_left, bottom_right;
} noise_row_t;

static noise_row_t noise_row(uint64_t key, int shift, int64_t y)
{
    int64_t frac = (y & ((1 << shift) - 1)) << (16 - shift);
    return (noise_row_t){
        .key = key, .shift = shift, .j = y >> shift, .fy = fade_q16(frac), .cell_i = -1
    };
}

/* Value noise 0..255 at x (non-negative) on the row. */
static int32_t noise_at(noise_row_t *row, int64_t x)
{
    int64_t i = x >> row->shift;
    if (i != row->cell_i) {
        /* Stepping right by one cell, the old right corners are the new left. */
        bool next = i == row->cell_i + 1;
        row->top_left = next ? row->top_right : lattice(row->key, i, row->j);
        row->bottom_left = next ? row->bottom_right : lattice(row->key, i, row->j + 1);
        row->top_right = lattice(row->key, i + 1, row->j);
        row->bottom_right = lattice(row->key, i + 1, row->j + 1);
        row->cell_i = i;
    }
    int64_t fx = fade_q16((x & ((1 << row->shift) - 1)) << (16 - row->shift));
    int64_t top = row->top_left * (Q16 - fx) + row->top_right * fx;
    int64_t bottom = row->bottom_left * (Q16 - fx) + row->bottom_right * fx;
    return (int32_t)(((top >> 16) * (Q16 - row->fy) + (bottom >> 16) * row->fy) >> 16);
}

static const disc_t *disc_at(const pattern_frame_t *pf, int64_t x, int64_t y)
{
    /* The last disc is drawn on top. */
    for (int k = DISC_COUNT - 1; k >= 0; k--) {
        const disc_t *d = &pf->discs[k];
        int64_t dx = x - d->cx, dy = y - d->cy;
        if (dx >= d->radius || -dx >= d->radius || dy >= d->radius || -dy >= d->radius)
            continue;
        if (dx * dx + dy * dy < d->radius * d->radius)
            return d;
    }
    return NULL;
}

/* Triangle wave of the drifting diagonal gradient, 0..32768. */
static int32_t gradient(const pattern_frame_t *pf, int64_t x, int64_t y)
{
    /* The bias is a multiple of 2^31: positive operand, same phase mod 2^16. */
    int64_t along = (x * pf->grad_a + y * pf->grad_b + ((int64_t)1 << 46)) >> 15;
    uint32_t phase = (uint32_t)(along + pf->grad_phase) & 0xFFFFu;
    return phase < 32768u ? (int32_t)phase : (int32_t)(Q16 - phase);
}

static uint8_t clamp_u8(int32_t value)
{
    return (uint8_t)(value < 0 ? 0 : value > 255 ? 255 : value);
}

typedef struct luma_row {
    int64_t y;
    int64_t width;
    noise_row_t fine, coarse, grain;
} luma_row_t;

/* The grain's coordinate: Q16 units of GRAIN_PIXELS pixels. */
static int64_t grain_position(int64_t panned_q16, int64_t width)
{
    return panned_q16 * width / GRAIN_PIXELS;
}

static uint8_t pattern_luma(const pattern_frame_t *pf, luma_row_t *row, int64_t x)
{
    int32_t fine = noise_at(&row->fine, x + pf->pan_x) - 128;
    int32_t grain = noise_at(&row->grain, grain_position(x + pf->pan_x, row->width)) - 128;
    const disc_t *d = disc_at(pf, x, row->y);
    if (d)
        return clamp_u8(d->luma + fine / 4 + grain / 8);
    int32_t coarse = noise_at(&row->coarse, x + pf->pan_x) - 128;
    int32_t base = 50 + gradient(pf, x, row->y) * 140 / 32768;
    return clamp_u8(base + coarse * 3 / 8 + fine / 8 + grain / 4);
}

static void pattern_chroma(const pattern_frame_t *pf, int64_t x, int64_t y, uint8_t *u, uint8_t *v)
{
    const disc_t *d = disc_at(pf, x, y);
    if (d) {
        *u = (uint8_t)d->u;
        *v = (uint8_t)d->v;
        return;
    }
    int32_t g = gradient(pf, x, y) - 16384;
    *u = clamp_u8(128 + pf->tint_u + g * 24 / 32768);
    *v = clamp_u8(128 + pf->tint_v - g * 16 / 32768);
}

/* Q16 units per half luma pixel, times 2^16: positions are then
 * ((2i + 1) * step) >> 16 without a division per pixel. */
static int64_t half_pixel_step(uint32_t width)
{
    return ((int64_t)Q16 / 2 << 16) / width;
}

/* The centre of luma pixel i (chroma sample i/2 sits at luma 2i + 1, the
 * centre of its 2x2 block), in Q16 units of the frame width. */
static int64_t position_q16(int64_t half_pixels, int64_t step)
{
    return (half_pixels * step) >> 16;
}

static void render_luma(const pattern_frame_t *pf, const peer__image_t *out)
{
    int64_t step = half_pixel_step(out->width);
    for (uint32_t row = 0; row < out->height; row++) {
        uint8_t *line = out->planes[0] + (size_t)row * out->strides[0];
        int64_t y = position_q16(2 * (int64_t)row + 1, step);
        luma_row_t lr = {
            .y = y,
            .width = out->width,
            .grain = noise_row(pf->key ^ 0x6A, 16, grain_position(y + pf->pan_y, out->width)),
            .fine = noise_row(pf->key ^ 0xF1, FINE_SHIFT, y + pf->pan_y),
            .coarse = noise_row(pf->key ^ 0xC0, COARSE_SHIFT, y + pf->pan_y),
        };
        for (uint32_t col = 0; col < out->width; col++)
            line[col] = pattern_luma(pf, &lr, position_q16(2 * (int64_t)col + 1, step));
    }
}

/* Chroma sample (i, j) sits at the centre of its 2x2 luma block. */
static void render_chroma(const pattern_frame_t *pf, const peer__image_t *out)
{
    uint32_t cw = (out->width + 1u) / 2u, ch = (out->height + 1u) / 2u;
    int64_t step = half_pixel_step(out->width);
    for (uint32_t row = 0; row < ch; row++) {
        uint8_t *u_line = out->planes[1] + (size_t)row * out->strides[1];
        uint8_t *v_line = out->planes[2] + (size_t)row * out->strides[2];
        int64_t y = position_q16(4 * (int64_t)row + 2, step);
        for (uint32_t col = 0; col < cw; col++) {
            int64_t x = position_q16(4 * (int64_t)col + 2, step);
            pattern_chroma(pf, x, y, &u_line[col], &v_line[col]);
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
