/* sim/rng.c: seeded random streams, the only randomness in a simulation.
 *
 * The generator is xoshiro256** 1.0 (D. Blackman and S. Vigna, "Scrambled
 * linear pseudorandom number generators", ACM TOMS 47(4), 2021; reference
 * code at https://prng.di.unimi.it/xoshiro256starstar.c). Its state is
 * filled by SplitMix64 (G. Steele, D. Lea and C. Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014), as its authors advise.
 *
 * Stream derivation, stable forever because reports depend on it:
 *   h     = FNV-1a 64 over the name's bytes, without the NUL (offset basis
 *           0xcbf29ce484222325, prime 0x100000001b3); a NULL name hashes
 *           as "";
 *   x     = seed, then k = splitmix64_next(&x)   (k = mix(seed + golden));
 *   x     = k ^ h;
 *   s[i]  = splitmix64_next(&x) for i = 0..3.
 * The four words are the SplitMix64 finaliser (a bijection) of four distinct
 * inputs, so at most one of them is zero and the state is never all zero.
 *
 * Distributions, each drawing a fixed number of values per call so that a
 * change of parameters never shifts the rest of a stream:
 *   uniform: the top 53 bits of one draw, times 2^-53;
 *   chance:  one uniform draw, even when p <= 0 or p >= 1;
 *   below:   D. Lemire, "Fast random integer generation in an interval",
 *            ACM TOMACS 29(1), 2019 (unbiased; the only variable-count
 *            draw: it rejects with probability < n / 2^64);
 *   normal:  Box-Muller (G. Box and M. Muller, 1958), two draws, the cosine
 *            branch only, so nothing is cached between calls;
 *   pareto:  inverse CDF, x_m / u^(1/alpha) with u in (0, 1], one draw;
 *            u >= 2^-53 keeps it finite for alpha above about 0.05 (below
 *            that, callers clamp); invalid parameters give 0. */
#include "sim/sim_engine.h"

#include <math.h>

#define SIM__FNV_OFFSET 0xcbf29ce484222325u
#define SIM__FNV_PRIME  0x100000001b3u
#define SIM__GOLDEN     0x9e3779b97f4a7c15u
#define SIM__TWO_PI     6.283185307179586476925286766559

static uint64_t sim__splitmix64_next(uint64_t *x)
{
    uint64_t z = (*x += SIM__GOLDEN);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t sim__fnv1a64(const char *name)
{
    uint64_t hash = SIM__FNV_OFFSET;
    for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++) {
        hash ^= *p;
        hash *= SIM__FNV_PRIME;
    }
    return hash;
}

static inline uint64_t sim__rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void sim_rng_seed(sim_rng_t *rng, uint64_t seed, const char *name)
{
    uint64_t x = seed;
    x = sim__splitmix64_next(&x) ^ sim__fnv1a64(name);
    for (int i = 0; i < 4; i++)
        rng->s[i] = sim__splitmix64_next(&x);
}

uint64_t sim_rng_next(sim_rng_t *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = sim__rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sim__rotl(s[3], 45);
    return result;
}

double sim_rng_uniform(sim_rng_t *rng)
{
    return (double)(sim_rng_next(rng) >> 11) * 0x1.0p-53;
}

bool sim_rng_chance(sim_rng_t *rng, double p)
{
    double u = sim_rng_uniform(rng);
    if (p <= 0.0)
        return false;
    if (p >= 1.0)
        return true;
    return u < p;
}

/* The high and low 64 bits of a * b. */
static inline uint64_t sim__mul_128(uint64_t a, uint64_t b, uint64_t *low)
{
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 sim__u128;
    sim__u128 product = (sim__u128)a * b;
    *low = (uint64_t)product;
    return (uint64_t)(product >> 64);
#else
    uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32;
    uint64_t b_lo = b & 0xffffffffu, b_hi = b >> 32;
    uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo;
    uint64_t lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
    uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
    *low = (cross << 32) | (lo_lo & 0xffffffffu);
    return hi_hi + (hi_lo >> 32) + (cross >> 32);
#endif
}

uint64_t sim_rng_below(sim_rng_t *rng, uint64_t n)
{
    if (n == 0)
        return 0;
    uint64_t low;
    uint64_t high = sim__mul_128(sim_rng_next(rng), n, &low);
    if (low < n) {
        uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
        while (low < threshold)
            high = sim__mul_128(sim_rng_next(rng), n, &low);
    }
    return high;
}

/* A uniform double in (0, 1], safe for log() and pow(). */
static double sim__uniform_open_zero(sim_rng_t *rng)
{
    return 1.0 - sim_rng_uniform(rng);
}

double sim_rng_normal(sim_rng_t *rng, double mean, double stddev)
{
    double radius = sqrt(-2.0 * log(sim__uniform_open_zero(rng)));
    double angle = SIM__TWO_PI * sim_rng_uniform(rng);
    return mean + stddev * radius * cos(angle);
}

double sim_rng_pareto(sim_rng_t *rng, double scale, double shape)
{
    double u = sim__uniform_open_zero(rng);
    if (!(scale > 0.0) || !(shape > 0.0))
        return 0.0;
    return scale / pow(u, 1.0 / shape);
}
