/* peers/psnr.c: peak signal-to-noise ratio between a decoded picture and
 * the regenerated source, 10 log10(255^2 / MSE), the figure the metrics
 * record per frame. Identical pictures would give infinity; every result is
 * capped at PEER__PSNR_CAP_DB (99 dB) so that averages stay finite. */
#include "peers/source.h"

#include <math.h>

typedef struct squared_error {
    uint64_t sum;
    uint64_t samples;
} squared_error_t;

static void accumulate_plane(squared_error_t *acc, const uint8_t *a, size_t a_stride,
                             const uint8_t *b, size_t b_stride, uint32_t width, uint32_t height)
{
    for (uint32_t row = 0; row < height; row++) {
        const uint8_t *line_a = a + (size_t)row * a_stride;
        const uint8_t *line_b = b + (size_t)row * b_stride;
        for (uint32_t col = 0; col < width; col++) {
            int32_t diff = (int32_t)line_a[col] - (int32_t)line_b[col];
            acc->sum += (uint64_t)(diff * diff);
        }
    }
    acc->samples += (uint64_t)width * height;
}

static double psnr_of(const squared_error_t *acc)
{
    if (acc->samples == 0 || acc->sum == 0)
        return PEER__PSNR_CAP_DB;
    double mse = (double)acc->sum / (double)acc->samples;
    double psnr = 10.0 * log10(255.0 * 255.0 / mse);
    return psnr > PEER__PSNR_CAP_DB ? PEER__PSNR_CAP_DB : psnr;
}

double peer__psnr_plane(const uint8_t *a, size_t a_stride, const uint8_t *b, size_t b_stride,
                        uint32_t width, uint32_t height)
{
    squared_error_t acc = { 0 };
    accumulate_plane(&acc, a, a_stride, b, b_stride, width, height);
    return psnr_of(&acc);
}

double peer__psnr_luma(const peer__image_t *a, const peer__image_t *b)
{
    return peer__psnr_plane(a->planes[0], a->strides[0], b->planes[0], b->strides[0], a->width,
                            a->height);
}

double peer__psnr_i420(const peer__image_t *a, const peer__image_t *b)
{
    squared_error_t acc = { 0 };
    uint32_t cw = (a->width + 1u) / 2u, ch = (a->height + 1u) / 2u;
    accumulate_plane(&acc, a->planes[0], a->strides[0], b->planes[0], b->strides[0], a->width,
                     a->height);
    for (int p = 1; p <= 2; p++)
        accumulate_plane(&acc, a->planes[p], a->strides[p], b->planes[p], b->strides[p], cw, ch);
    return psnr_of(&acc);
}
