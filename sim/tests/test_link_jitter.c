/* Tests for the propagation delay and jitter stage of sim/ links
 * (sim/link_jitter.c): delivery order with and without reorder, and the
 * delay statistics of each jitter distribution against its definition.
 *
 * Bounds are 99.9% intervals (z = 3.29) with fixed seeds. For a sample of n
 * values with standard deviation s and kurtosis k (4th central moment over
 * s^4), the sample mean has standard error s / sqrt(n) and the sample
 * standard deviation s sqrt((k - 1) / (4 n)): k = 3 for normal, 9/5 for
 * uniform, 3 + 6 (a^3 + a^2 - 6a - 2) / (a (a - 3) (a - 4)) for a Lomax
 * (shifted pareto) of shape a > 4. Delays are rounded to 1 us, which adds
 * nothing measurable at these sizes. */
#include "sim/tests/link_test_util.h"

#include <math.h>

#define Z_999 3.29

/* Sends n numbered packets, one every `spacing_us`, and returns each one's
 * delay in ms by index (the link must not lose or duplicate). */
static double *run_delays(const sim_link_profile_t *profile, uint64_t seed, size_t n,
                          uint64_t spacing_us, link_log_t *log)
{
    sim_engine_t *engine = sim_engine_new(1024);
    sim_link_t *link = link_test_new(engine, profile, seed, log);
    for (size_t i = 0; i < n; i++) {
        sim_run_until(engine, i * spacing_us);
        link_send_numbered(link, i, 100);
    }
    sim_run(engine);
    ck_assert_uint_eq(log->count, n);
    double *delays = calloc(n, sizeof *delays);
    ck_assert_ptr_nonnull(delays);
    for (size_t k = 0; k < n; k++) {
        const link_delivery_t *d = &log->items[k];
        LINK_CHECK(d->index < n && d->at_us >= d->index * spacing_us);
        delays[d->index] = (double)(d->at_us - d->index * spacing_us) / 1000.0;
    }
    sim_link_free(link);
    sim_engine_free(engine);
    return delays;
}

typedef struct sample_stats {
    double mean, stddev, min, max;
} sample_stats_t;

static sample_stats_t stats_of(const double *x, size_t n, double offset)
{
    sample_stats_t s = { .min = INFINITY, .max = -INFINITY };
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i] - offset;
        sum += v;
        s.min = v < s.min ? v : s.min;
        s.max = v > s.max ? v : s.max;
    }
    s.mean = sum / (double)n;
    double squares = 0.0;
    for (size_t i = 0; i < n; i++)
        squares += (x[i] - offset - s.mean) * (x[i] - offset - s.mean);
    s.stddev = sqrt(squares / (double)(n - 1));
    return s;
}

static double fraction_above(const double *x, size_t n, double threshold)
{
    size_t above = 0;
    for (size_t i = 0; i < n; i++)
        above += x[i] > threshold;
    return (double)above / (double)n;
}

static sim_link_profile_t jitter_profile(sim_jitter_dist_t dist, double delay_ms, double stddev_ms,
                                         bool reorder)
{
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.delay_ms = delay_ms;
    profile.jitter.dist = dist;
    profile.jitter.stddev_ms = stddev_ms;
    profile.jitter.reorder = reorder;
    return profile;
}

START_TEST(test_fifo_without_reorder)
{
    /* Given normal jitter with a 20 ms deviation and a packet every ms, when
     * reorder is false, then packets arrive in sending order, and the
     * delays still vary (the jitter is there, only clamped). */
    sim_link_profile_t profile = jitter_profile(SIM_JITTER_NORMAL, 50.0, 20.0, false);
    link_log_t log = { 0 };
    double *delays = run_delays(&profile, LINK_TEST_SEED, 2000, 1000, &log);
    for (size_t k = 0; k < log.count; k++) {
        LINK_CHECK(log.items[k].index == k);
        LINK_CHECK(k == 0 || log.items[k].at_us >= log.items[k - 1].at_us);
    }
    sample_stats_t s = stats_of(delays, 2000, 50.0);
    link_test_note("fifo, normal 20 ms: delay - 50 ms: mean %.3f, stddev %.3f, min %.3f\n", s.mean,
                   s.stddev, s.min);
    ck_assert_double_gt(s.stddev, 5.0);
    ck_assert_double_ge(s.min, -50.0);
    free(delays);
    link_log_free(&log);
}
END_TEST

START_TEST(test_reorder_overtakes)
{
    /* Same, with reorder: a later packet often overtakes (two delays 1 ms
     * apart differ by more than 1 ms most of the time). */
    sim_link_profile_t profile = jitter_profile(SIM_JITTER_NORMAL, 50.0, 20.0, true);
    link_log_t log = { 0 };
    double *delays = run_delays(&profile, LINK_TEST_SEED, 2000, 1000, &log);
    size_t overtaken = 0;
    uint64_t highest = 0;
    for (size_t k = 0; k < log.count; k++) {
        if (k > 0 && log.items[k].index < highest)
            overtaken++;
        if (log.items[k].index > highest)
            highest = log.items[k].index;
    }
    link_test_note("reorder, normal 20 ms: %zu of 2000 packets arrive after a later one\n",
                   overtaken);
    ck_assert_uint_gt(overtaken, 500);
    free(delays);
    link_log_free(&log);
}
END_TEST

START_TEST(test_normal_statistics)
{
    const double sigma = 5.0;
    const size_t n = 20000;
    sim_link_profile_t profile = jitter_profile(SIM_JITTER_NORMAL, 50.0, sigma, true);
    link_log_t log = { 0 };
    double *delays = run_delays(&profile, LINK_TEST_SEED, n, 100, &log);
    sample_stats_t s = stats_of(delays, n, 50.0);
    double mean_tol = Z_999 * sigma / sqrt((double)n);
    double sd_tol = Z_999 * sigma * sqrt(2.0 / (4.0 * (double)n));
    link_test_note("normal s=5: J mean %.4f (0 +-%.4f), stddev %.4f (5 +-%.4f)\n", s.mean, mean_tol,
                   s.stddev, sd_tol);
    ck_assert_double_le(fabs(s.mean), mean_tol);
    ck_assert_double_le(fabs(s.stddev - sigma), sd_tol);
    free(delays);
    link_log_free(&log);
}
END_TEST

START_TEST(test_uniform_statistics)
{
    /* uniform on [-s sqrt(3), s sqrt(3)): mean 0, standard deviation s. */
    const double sigma = 5.0;
    const size_t n = 20000;
    sim_link_profile_t profile = jitter_profile(SIM_JITTER_UNIFORM, 50.0, sigma, true);
    link_log_t log = { 0 };
    double *delays = run_delays(&profile, LINK_TEST_SEED, n, 100, &log);
    sample_stats_t s = stats_of(delays, n, 50.0);
    double half_width = sigma * sqrt(3.0);
    double mean_tol = Z_999 * sigma / sqrt((double)n);
    double sd_tol = Z_999 * sigma * sqrt(0.8 / (4.0 * (double)n));
    link_test_note("uniform s=5: J mean %.4f (0 +-%.4f), stddev %.4f (5 +-%.4f), "
                   "range [%.4f, %.4f] (+-%.4f)\n",
                   s.mean, mean_tol, s.stddev, sd_tol, s.min, s.max, half_width);
    ck_assert_double_le(fabs(s.mean), mean_tol);
    ck_assert_double_le(fabs(s.stddev - sigma), sd_tol);
    ck_assert_double_ge(s.min, -half_width - 0.001);
    ck_assert_double_le(s.max, half_width + 0.001);
    ck_assert_double_lt(s.min, -half_width + 0.01); /* the range is covered */
    ck_assert_double_gt(s.max, half_width - 0.01);
    free(delays);
    link_log_free(&log);
}
END_TEST

START_TEST(test_pareto_statistics)
{
    /* Shape 5: J = X - x_m >= 0, x_m = s (a - 1) sqrt((a - 2) / a),
     * mean s sqrt((a - 2) / a), standard deviation s, kurtosis 73.8, and
     * P(J > x) = (x_m / (x_m + x))^a (binomial standard error). */
    const double sigma = 5.0, shape = 5.0;
    const size_t n = 50000;
    sim_link_profile_t profile = jitter_profile(SIM_JITTER_PARETO, 50.0, sigma, true);
    profile.jitter.pareto_shape = shape;
    link_log_t log = { 0 };
    double *delays = run_delays(&profile, LINK_TEST_SEED, n, 100, &log);
    sample_stats_t s = stats_of(delays, n, 50.0);
    double scale = sigma * (shape - 1) * sqrt((shape - 2) / shape);
    double mean = sigma * sqrt((shape - 2) / shape);
    double kurtosis = 3 + 6 * (shape * shape * shape + shape * shape - 6 * shape - 2) /
                              (shape * (shape - 3) * (shape - 4));
    double mean_tol = Z_999 * sigma / sqrt((double)n);
    double sd_tol = Z_999 * sigma * sqrt((kurtosis - 1) / (4.0 * (double)n));
    double tail = pow(scale / (scale + 10.0), shape);
    double tail_measured = fraction_above(delays, n, 60.0);
    double tail_tol = Z_999 * sqrt(tail * (1 - tail) / (double)n);
    link_test_note("pareto a=5 s=5: J min %.4f, mean %.4f (%.4f +-%.4f), stddev %.4f "
                   "(5 +-%.4f), P(J > 10) %.5f (%.5f +-%.5f)\n",
                   s.min, s.mean, mean, mean_tol, s.stddev, sd_tol, tail_measured, tail, tail_tol);
    ck_assert_double_ge(s.min, 0.0);
    ck_assert_double_le(fabs(s.mean - mean), mean_tol);
    ck_assert_double_le(fabs(s.stddev - sigma), sd_tol);
    ck_assert_double_le(fabs(tail_measured - tail), tail_tol);
    free(delays);
    link_log_free(&log);
}
END_TEST

START_TEST(test_pareto_default_shape)
{
    /* Shape 0 means 3: the mean s / sqrt(3) and two tail probabilities (the
     * 4th moment is infinite, so the sample deviation is not checked). */
    const double sigma = 5.0;
    const size_t n = 50000;
    sim_link_profile_t profile = jitter_profile(SIM_JITTER_PARETO, 50.0, sigma, true);
    link_log_t log = { 0 };
    double *delays = run_delays(&profile, LINK_TEST_SEED + 1, n, 100, &log);
    sample_stats_t s = stats_of(delays, n, 50.0);
    double scale = sigma * 2 * sqrt(1.0 / 3.0);
    double mean_tol = Z_999 * sigma / sqrt((double)n);
    ck_assert_double_ge(s.min, 0.0);
    ck_assert_double_le(fabs(s.mean - sigma / sqrt(3.0)), mean_tol);
    static const double at_ms[] = { 5.0, 20.0 };
    for (size_t i = 0; i < 2; i++) {
        double tail = pow(scale / (scale + at_ms[i]), 3.0);
        double measured = fraction_above(delays, n, 50.0 + at_ms[i]);
        double tol = Z_999 * sqrt(tail * (1 - tail) / (double)n);
        link_test_note("pareto a=3 s=5: P(J > %.0f) %.5f (%.5f +-%.5f)\n", at_ms[i], measured, tail,
                       tol);
        ck_assert_double_le(fabs(measured - tail), tol);
    }
    link_test_note("pareto a=3 s=5: J mean %.4f (%.4f +-%.4f), stddev %.4f\n", s.mean,
                   sigma / sqrt(3.0), mean_tol, s.stddev);
    free(delays);
    link_log_free(&log);
}
END_TEST

START_TEST(test_negative_delay_clamped)
{
    /* delay 1 ms, normal 5 ms: delay + J < 0 happens with probability
     * P(N < -0.2) = 0.42074, and those packets take exactly 0 ms. */
    const size_t n = 20000;
    sim_link_profile_t profile = jitter_profile(SIM_JITTER_NORMAL, 1.0, 5.0, true);
    link_log_t log = { 0 };
    double *delays = run_delays(&profile, LINK_TEST_SEED, n, 100, &log);
    size_t zero = 0;
    for (size_t i = 0; i < n; i++) {
        LINK_CHECK(delays[i] >= 0.0);
        zero += delays[i] == 0.0;
    }
    double p = 0.5 * erfc(0.2 / sqrt(2.0));
    double measured = (double)zero / (double)n;
    double tol = Z_999 * sqrt(p * (1 - p) / (double)n);
    link_test_note("clamp: P(delay = 0) %.5f (%.5f +-%.5f)\n", measured, p, tol);
    ck_assert_double_le(fabs(measured - p), tol);
    free(delays);
    link_log_free(&log);
}
END_TEST

START_TEST(test_zero_stddev_is_fixed_delay)
{
    sim_link_profile_t profile = jitter_profile(SIM_JITTER_PARETO, 12.5, 0.0, true);
    link_log_t log = { 0 };
    double *delays = run_delays(&profile, LINK_TEST_SEED, 100, 1000, &log);
    for (size_t i = 0; i < 100; i++)
        ck_assert_double_eq(delays[i], 12.5);
    free(delays);
    link_log_free(&log);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("sim_link_jitter");

    TCase *order = tcase_create("order");
    tcase_add_test(order, test_fifo_without_reorder);
    tcase_add_test(order, test_reorder_overtakes);
    suite_add_tcase(suite, order);

    TCase *stats = tcase_create("statistics");
    tcase_add_test(stats, test_normal_statistics);
    tcase_add_test(stats, test_uniform_statistics);
    tcase_add_test(stats, test_pareto_statistics);
    tcase_add_test(stats, test_pareto_default_shape);
    tcase_add_test(stats, test_negative_delay_clamped);
    tcase_add_test(stats, test_zero_stddev_is_fixed_delay);
    suite_add_tcase(suite, stats);
    return suite;
}
