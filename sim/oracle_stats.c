/* sim/oracle_stats.c: the statistics of the confidentiality oracle.
 *
 *  - The upper regularized incomplete gamma function Q(a, x), from which
 *    the chi-square upper tail is P(X >= c) = Q(dof / 2, c / 2) (Abramowitz
 *    and Stegun 26.4.19). For x < a + 1 the series of P(a, x) = 1 - Q
 *    (A&S 6.5.29) converges fast; beyond, the continued fraction of
 *    Gamma(a, x) (A&S 6.5.31), evaluated by the modified Lentz method. This
 *    is the split of Numerical Recipes (2nd ed., section 6.2), written
 *    anew. Relative accuracy ~1e-14 where the result is a normal double.
 *  - Pearson's chi-square statistic of a 256-bin byte histogram.
 *  - The periodicity test of check (b)(1). */
#include "sim/oracle_internal.h"

#include <math.h>
#include <string.h>

#define SIM__GAMMA_EPS      1e-15
#define SIM__GAMMA_TINY     1e-300
#define SIM__GAMMA_MAX_ITER 100000

/* P(a, x) by its series: e^-x x^a / Gamma(a + 1) * sum x^n / ((a+1)...(a+n)). */
static double sim__gamma_p_series(double a, double x)
{
    double term = 1.0 / a;
    double sum = term;
    double ap = a;
    for (int n = 0; n < SIM__GAMMA_MAX_ITER; n++) {
        ap += 1.0;
        term *= x / ap;
        sum += term;
        if (fabs(term) < fabs(sum) * SIM__GAMMA_EPS)
            break;
    }
    return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Q(a, x) by the continued fraction
 * e^-x x^a / Gamma(a) * 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...))). */
static double sim__gamma_q_fraction(double a, double x)
{
    double b = x + 1.0 - a;
    double c = 1.0 / SIM__GAMMA_TINY;
    double d = 1.0 / b;
    double h = d;
    for (int i = 1; i < SIM__GAMMA_MAX_ITER; i++) {
        double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < SIM__GAMMA_TINY)
            d = SIM__GAMMA_TINY;
        c = b + an / c;
        if (fabs(c) < SIM__GAMMA_TINY)
            c = SIM__GAMMA_TINY;
        d = 1.0 / d;
        double delta = d * c;
        h *= delta;
        if (fabs(delta - 1.0) < SIM__GAMMA_EPS)
            break;
    }
    return exp(-x + a * log(x) - lgamma(a)) * h;
}

double sim__oracle_gamma_q(double a, double x)
{
    if (!(a > 0.0) || !(x >= 0.0) || isinf(a))
        return NAN;
    if (x == 0.0)
        return 1.0;
    if (isinf(x))
        return 0.0;
    if (x < a + 1.0) {
        double q = 1.0 - sim__gamma_p_series(a, x);
        return q < 0.0 ? 0.0 : q;
    }
    return sim__gamma_q_fraction(a, x);
}

double sim__oracle_chi2_p(double chi2, unsigned dof)
{
    if (dof == 0)
        return NAN;
    return sim__oracle_gamma_q(dof / 2.0, chi2 / 2.0);
}

double sim__oracle_chi2_uniform(const uint64_t hist[256], uint64_t total)
{
    if (total == 0)
        return 0.0;
    double expected = (double)total / 256.0;
    double chi2 = 0.0;
    for (size_t i = 0; i < 256; i++) {
        double diff = (double)hist[i] - expected;
        chi2 += diff * diff;
    }
    return chi2 / expected;
}

/* True when at least `need` of the pairs (x[i], x[i + p]), i < m, are
 * equal. Sixteen byte lanes count eight rounds at a time (the fixed-width
 * inner loop is what compilers turn into one vector compare and subtract);
 * between batches the count is checked against what the rest could still
 * add, so random input stops about halfway. */
static bool sim__enough_equal_pairs(const uint8_t *x, size_t m, size_t p, size_t need)
{
    size_t equal = 0;
    size_t i = 0;
    while (m - i >= 16) {
        size_t rounds = (m - i) / 16;
        if (rounds > 8)
            rounds = 8;
        uint8_t lanes[16] = { 0 };
        for (size_t r = 0; r < rounds; r++, i += 16) {
            uint8_t a[16], b[16];
            memcpy(a, x + i, 16);
            memcpy(b, x + i + p, 16);
            for (size_t j = 0; j < 16; j++)
                lanes[j] = (uint8_t)(lanes[j] + (a[j] == b[j]));
        }
        for (size_t j = 0; j < 16; j++)
            equal += lanes[j];
        if (equal >= need)
            return true;
        if (equal + (m - i) < need)
            return false;
    }
    for (; i < m; i++)
        equal += x[i] == x[i + p];
    return equal >= need;
}

bool sim__oracle_periodic(const sim__oracle_config_t *config, const uint8_t *diff, size_t len)
{
    for (size_t p = 1; p <= config->periodic_max_period; p++) {
        if (len < p + config->periodic_min_span)
            break;
        size_t m = len - p;
        /* More than fraction * m: the next integer above it. */
        size_t need = (size_t)(config->periodic_fraction * (double)m) + 1;
        if (sim__enough_equal_pairs(diff, m, p, need))
            return true;
    }
    return false;
}
