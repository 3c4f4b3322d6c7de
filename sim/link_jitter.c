/* sim/link_jitter.c: the propagation delay and jitter stage, last before
 * delivery. A copy that leaves the bottleneck at time d (fractional us) is
 * delivered at
 *     D = round(d + 1000 min(max(delay_ms + J, 0), one day))  us
 * where J is one jitter draw in ms and round() goes to the nearest
 * microsecond, halves up. The clamp at 0 keeps a packet from arriving
 * before it left the bottleneck; the one-day cap only keeps times finite.
 * A departure so late (a rate of a few bits per second) that D would pass
 * 2^62 us is delivered at 2^62 us, which no run reaches.
 *
 * Jitter J, with s = stddev_ms (dispatched through sim__jitter_dists[]):
 *   none:    J = 0.
 *   uniform: J = s sqrt(3) (2u - 1), u uniform in [0, 1): uniform on
 *            [-s sqrt(3), s sqrt(3)), mean 0, standard deviation s.
 *   normal:  J ~ N(0, s), Box-Muller (sim_rng_normal).
 *   pareto:  J = X - x_m with X ~ Pareto(x_m, a) (sim_rng_pareto), shape
 *            a = pareto_shape (default 3, must be > 2) and scale
 *            x_m = s (a - 1) sqrt((a - 2) / a). J is a Lomax variable: never
 *            negative, heavy-tailed (P(J > x) = (x_m / (x_m + x))^a), with
 *            standard deviation s and mean s sqrt((a - 2) / a) (0.577 s for
 *            a = 3). Pareto jitter only adds delay: delay_ms is the floor.
 * uniform and normal have mean 0, so the mean delay stays delay_ms while
 * the clamp at 0 stays out of reach: never for uniform when
 * delay_ms >= s sqrt(3), with probability 0.13% per packet for normal when
 * delay_ms = 3 s. With s = 0 there is no draw and J = 0, whatever the
 * distribution.
 *
 * Order. With reorder false, delivery stays FIFO: a copy is delivered at
 * max(D, L), L being the latest delivery time this link has handed out
 * (duplicates included, and across profile changes), so a copy whose draw
 * would overtake waits for the one before it (libwebrtc's
 * allow_reordering = false). This raises delays when packets are sent
 * closer together than the jitter's spread. With reorder true, D is used as
 * drawn and copies may overtake each other. Copies delivered at the same
 * microsecond come out in the order they were sent (the engine runs events
 * due at one instant in scheduling order).
 *
 * Draws come from this stage's own stream, in the order copies leave the
 * bottleneck: the original before its duplicate. Copies dropped by the
 * queue draw nothing. */
#include "sim/link_internal.h"

#include <math.h>

#define SIM__DELAY_MAX_MS         86400000.0 /* one day */
#define SIM__PARETO_SHAPE_DEFAULT 3.0
#define SIM__TIME_MAX_US          0x1p62 /* 146,000 years */
#define SIM__SQRT3                1.7320508075688772935274463415059

typedef double (*sim__jitter_draw_fn)(sim_rng_t *rng, double stddev_ms, double pareto_shape);

static double sim__jitter_none(sim_rng_t *rng, double stddev_ms, double pareto_shape)
{
    (void)rng;
    (void)stddev_ms;
    (void)pareto_shape;
    return 0.0;
}

static double sim__jitter_uniform(sim_rng_t *rng, double stddev_ms, double pareto_shape)
{
    (void)pareto_shape;
    return stddev_ms * SIM__SQRT3 * (2.0 * sim_rng_uniform(rng) - 1.0);
}

static double sim__jitter_normal(sim_rng_t *rng, double stddev_ms, double pareto_shape)
{
    (void)pareto_shape;
    return sim_rng_normal(rng, 0.0, stddev_ms);
}

static double sim__jitter_pareto(sim_rng_t *rng, double stddev_ms, double pareto_shape)
{
    double shape = pareto_shape > 0.0 ? pareto_shape : SIM__PARETO_SHAPE_DEFAULT;
    double scale = stddev_ms * (shape - 1.0) * sqrt((shape - 2.0) / shape);
    return sim_rng_pareto(rng, scale, shape) - scale;
}

static const sim__jitter_draw_fn sim__jitter_dists[] = {
    [SIM_JITTER_NONE] = sim__jitter_none,
    [SIM_JITTER_UNIFORM] = sim__jitter_uniform,
    [SIM_JITTER_NORMAL] = sim__jitter_normal,
    [SIM_JITTER_PARETO] = sim__jitter_pareto,
};

#define SIM__JITTER_DIST_COUNT (sizeof sim__jitter_dists / sizeof sim__jitter_dists[0])

const char *sim__delay_check(const sim_link_profile_t *profile)
{
    if (!(profile->delay_ms >= 0.0 && profile->delay_ms <= SIM__DELAY_MAX_MS))
        return "delay_ms: not in [0, 86400000]";
    if ((size_t)profile->jitter.dist >= SIM__JITTER_DIST_COUNT)
        return "jitter.dist: unknown";
    if (!(profile->jitter.stddev_ms >= 0.0 && profile->jitter.stddev_ms <= SIM__DELAY_MAX_MS))
        return "jitter.stddev_ms: not in [0, 86400000]";
    double shape = profile->jitter.pareto_shape;
    if (shape != 0.0 && !(shape > 2.0 && isfinite(shape)))
        return "jitter.pareto_shape: not 0 (default) or a finite number > 2";
    return NULL;
}

void sim__delay_init(sim__delay_t *delay, const sim_rng_t *rng)
{
    *delay = (sim__delay_t){ .rng = *rng };
}

double sim__jitter_draw_ms(sim_rng_t *rng, const sim_link_profile_t *profile)
{
    if (profile->jitter.stddev_ms == 0.0)
        return 0.0;
    return sim__jitter_dists[profile->jitter.dist](rng, profile->jitter.stddev_ms,
                                                   profile->jitter.pareto_shape);
}

uint64_t sim__delay_deliver_at(sim__delay_t *delay, const sim_link_profile_t *profile,
                               double depart_us)
{
    double delay_ms = profile->delay_ms + sim__jitter_draw_ms(&delay->rng, profile);
    if (!(delay_ms > 0.0)) /* NaN too */
        delay_ms = 0.0;
    if (delay_ms > SIM__DELAY_MAX_MS)
        delay_ms = SIM__DELAY_MAX_MS;
    double at = floor(depart_us + delay_ms * 1000.0 + 0.5);
    uint64_t at_us = at < SIM__TIME_MAX_US ? (uint64_t)at : (uint64_t)SIM__TIME_MAX_US;
    if (!profile->jitter.reorder && at_us < delay->last_delivery_us)
        at_us = delay->last_delivery_us;
    if (at_us > delay->last_delivery_us)
        delay->last_delivery_us = at_us;
    return at_us;
}
