/* peers/code.c: the code burned into every "pattern" frame, carrying the
 * sender id and the frame number (layout in source.h).
 *
 * The code is built to survive lossy coding at the lowest simulcast layer:
 * cells are at least 8x8 pixels at 160x90 and aligned to a multiple of
 * their size (so to VP8's 4x4 transform blocks), a grey quiet zone keeps the
 * moving texture away from them, and the reader averages only the inner
 * half of each cell, away from ringing at its edges. The threshold comes
 * from reference cells in the same picture, so a decoder that shifts or
 * compresses the luma range does not matter. A misread is detected three
 * ways: reference contrast, a dead zone around the threshold, and a CRC-16
 * over the payload. */
#include "peers/source.h"

#include <string.h>

#define CODE_REF_MIN_CONTRAST 56u /* a quarter of white - black */
#define CODE_DEAD_ZONE_DIV    6u  /* |mean - mid| < contrast / 6 is ambiguous */
#define CHROMA_NEUTRAL        128u

peer__code_layout_t peer__code_layout(uint32_t width, uint32_t height)
{
    uint32_t cell = width / 20u < height / 11u ? width / 20u : height / 11u;
    if (cell < PEER__CODE_MIN_CELL)
        return (peer__code_layout_t){ 0 };
    return (peer__code_layout_t){ .cell = cell, .origin_x = cell, .origin_y = cell };
}

void peer__code_cell_rect(const peer__code_layout_t *layout, uint32_t column, uint32_t row,
                          uint32_t *x, uint32_t *y)
{
    *x = layout->origin_x + column * layout->cell;
    *y = layout->origin_y + row * layout->cell;
}

void peer__code_bit_cell(uint32_t bit, uint32_t *column, uint32_t *row)
{
    *column = 1u + bit % (PEER__CODE_COLUMNS - 1u);
    *row = bit / (PEER__CODE_COLUMNS - 1u);
}

uint16_t peer__code_crc16(const uint8_t *bytes, size_t len)
{
    uint16_t crc = 0xFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc = (uint16_t)(crc ^ (uint16_t)(bytes[i] << 8));
        for (int bit = 0; bit < 8; bit++)
            crc = (uint16_t)((crc & 0x8000u) ? ((unsigned)crc << 1) ^ 0x1021u : (unsigned)crc << 1);
    }
    return crc;
}

static uint64_t code_word(uint16_t sender_id, uint32_t frame)
{
    uint8_t payload[6] = { (uint8_t)(sender_id >> 8), (uint8_t)sender_id,    (uint8_t)(frame >> 24),
                           (uint8_t)(frame >> 16),    (uint8_t)(frame >> 8), (uint8_t)frame };
    uint64_t word = ((uint64_t)sender_id << 48) | ((uint64_t)frame << 16);
    return word | peer__code_crc16(payload, sizeof(payload));
}

static void fill_rect(uint8_t *plane, size_t stride, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
                      uint8_t value)
{
    for (uint32_t row = 0; row < h; row++)
        memset(plane + (size_t)(y + row) * stride + x, value, w);
}

/* The quiet zone: half a cell of grey around the block, neutral chroma
 * under both so the encoder spends nothing on colour there. */
static void draw_quiet_zone(const peer__image_t *image, const peer__code_layout_t *layout)
{
    uint32_t c = layout->cell, guard = c / 2u;
    uint32_t x = layout->origin_x - guard, y = layout->origin_y - guard;
    uint32_t w = PEER__CODE_COLUMNS * c + 2u * guard, h = PEER__CODE_ROWS * c + 2u * guard;
    fill_rect(image->planes[0], image->strides[0], x, y, w, h, PEER__CODE_GUARD_LUMA);
    uint32_t cw = (image->width + 1u) / 2u, ch = (image->height + 1u) / 2u;
    uint32_t cx = x / 2u, cy = y / 2u;
    uint32_t cx_end = (x + w + 1u) / 2u < cw ? (x + w + 1u) / 2u : cw;
    uint32_t cy_end = (y + h + 1u) / 2u < ch ? (y + h + 1u) / 2u : ch;
    for (int p = 1; p <= 2; p++)
        fill_rect(image->planes[p], image->strides[p], cx, cy, cx_end - cx, cy_end - cy,
                  CHROMA_NEUTRAL);
}

static uint8_t cell_luma(uint32_t column, uint32_t row, uint64_t word)
{
    bool white;
    if (column == 0) {
        white = (row % 2u) == 0;
    } else {
        uint32_t bit = row * (PEER__CODE_COLUMNS - 1u) + column - 1u;
        white = (word >> (PEER__CODE_BITS - 1u - bit)) & 1u;
    }
    return (uint8_t)(white ? PEER__CODE_WHITE : PEER__CODE_BLACK);
}

void peer__code_draw(const peer__image_t *image, uint16_t sender_id, uint32_t frame)
{
    peer__code_layout_t layout = peer__code_layout(image->width, image->height);
    if (layout.cell == 0)
        return;
    draw_quiet_zone(image, &layout);
    uint64_t word = code_word(sender_id, frame);
    for (uint32_t row = 0; row < PEER__CODE_ROWS; row++) {
        for (uint32_t column = 0; column < PEER__CODE_COLUMNS; column++) {
            uint32_t x, y;
            peer__code_cell_rect(&layout, column, row, &x, &y);
            fill_rect(image->planes[0], image->strides[0], x, y, layout.cell, layout.cell,
                      cell_luma(column, row, word));
        }
    }
}

/* Mean luma, rounded, of the inner half of a cell: a margin of a quarter
 * cell on each side is left out, where ringing from the neighbours lands. */
static uint32_t cell_mean(const uint8_t *y_plane, size_t stride, const peer__code_layout_t *layout,
                          uint32_t column, uint32_t row)
{
    uint32_t x, y;
    peer__code_cell_rect(layout, column, row, &x, &y);
    uint32_t margin = layout->cell / 4u, side = layout->cell - 2u * margin;
    uint32_t sum = 0;
    for (uint32_t j = 0; j < side; j++) {
        const uint8_t *line = y_plane + (size_t)(y + margin + j) * stride + x + margin;
        for (uint32_t i = 0; i < side; i++)
            sum += line[i];
    }
    return (sum + side * side / 2u) / (side * side);
}

typedef struct code_reference {
    uint32_t black; /* mean of the black reference cells */
    uint32_t white;
} code_reference_t;

static bool read_reference(const uint8_t *y_plane, size_t stride, const peer__code_layout_t *layout,
                           code_reference_t *ref)
{
    uint32_t white_sum = 0, black_sum = 0, white_min = 255, black_max = 0;
    for (uint32_t row = 0; row < PEER__CODE_ROWS; row++) {
        uint32_t mean = cell_mean(y_plane, stride, layout, 0, row);
        if (row % 2u == 0) {
            white_sum += mean;
            white_min = mean < white_min ? mean : white_min;
        } else {
            black_sum += mean;
            black_max = mean > black_max ? mean : black_max;
        }
    }
    ref->white = white_sum / (PEER__CODE_ROWS / 2u);
    ref->black = black_sum / (PEER__CODE_ROWS / 2u);
    return white_min >= black_max + CODE_REF_MIN_CONTRAST;
}

peer__code_result_t peer__code_read(const uint8_t *y_plane, uint32_t width, uint32_t height,
                                    size_t stride, uint16_t *sender_id, uint32_t *frame)
{
    peer__code_layout_t layout = peer__code_layout(width, height);
    if (layout.cell == 0)
        return PEER__CODE_TOO_SMALL;
    code_reference_t ref;
    if (!read_reference(y_plane, stride, &layout, &ref))
        return PEER__CODE_NO_CONTRAST;
    uint32_t twice_mid = ref.white + ref.black;
    uint32_t dead_zone = (ref.white - ref.black) / CODE_DEAD_ZONE_DIV;
    uint64_t word = 0;
    for (uint32_t bit = 0; bit < PEER__CODE_BITS; bit++) {
        uint32_t column, row;
        peer__code_bit_cell(bit, &column, &row);
        uint32_t mean = cell_mean(y_plane, stride, &layout, column, row);
        /* Compare 2 * mean with white + black to keep the midpoint exact. */
        uint32_t twice = 2u * mean;
        uint32_t distance = twice > twice_mid ? twice - twice_mid : twice_mid - twice;
        if (distance < 2u * dead_zone)
            return PEER__CODE_AMBIGUOUS;
        word = (word << 1) | (twice > twice_mid ? 1u : 0u);
    }
    uint16_t sender = (uint16_t)(word >> 48);
    uint32_t number = (uint32_t)(word >> 16);
    if (code_word(sender, number) != word)
        return PEER__CODE_BAD_CHECKSUM;
    *sender_id = sender;
    *frame = number;
    return PEER__CODE_OK;
}

const char *peer__code_result_name(peer__code_result_t result)
{
    static const char *const names[] = {
        [PEER__CODE_OK] = "ok",
        [PEER__CODE_TOO_SMALL] = "too-small",
        [PEER__CODE_NO_CONTRAST] = "no-contrast",
        [PEER__CODE_AMBIGUOUS] = "ambiguous",
        [PEER__CODE_BAD_CHECKSUM] = "bad-checksum",
    };
    if ((size_t)result >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[result];
}
