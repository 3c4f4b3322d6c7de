/* Tests for the seeded random streams (sim/sim_engine.h, sim/rng.c).
 *
 * Sources of the expected values:
 *   - xoshiro256** from the state {1, 2, 3, 4}: its first ten outputs,
 *     computed with a few lines of python3 transcribing the reference code
 *     (https://prng.di.unimi.it/xoshiro256starstar.c); the same values are
 *     the test vector of rust-random's rand_xoshiro (Xoshiro256StarStar).
 *   - Stream derivation (seed, name) -> state: the same python3, following
 *     the definition in sim/rng.c's opening comment (FNV-1a 64, SplitMix64).
 *     These values pin the derivation: reports depend on it, so a change
 *     here is a change of every report.
 *   - Chi-square critical values at p = 0.001 from standard tables.
 * The statistical checks are deterministic (fixed seeds); their bounds are
 * sanity windows several standard errors wide. */
#include "sim/sim_engine.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define DRAWS 1000000

static void seed_state(sim_rng_t *rng, uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3)
{
    rng->s[0] = s0;
    rng->s[1] = s1;
    rng->s[2] = s2;
    rng->s[3] = s3;
}

/* ---- the generator and its seeding ----------------------------------------- */

START_TEST(xoshiro256starstar_reference_outputs)
{
    static const uint64_t expected[10] = {
        11520u,
        0u,
        1509978240u,
        1215971899390074240u,
        1216172134540287360u,
        607988272756665600u,
        16172922978634559625u,
        8476171486693032832u,
        10595114339597558777u,
        2904607092377533576u,
    };
    sim_rng_t rng;
    seed_state(&rng, 1, 2, 3, 4);
    for (size_t i = 0; i < 10; i++)
        ck_assert_uint_eq(sim_rng_next(&rng), expected[i]);
}
END_TEST

START_TEST(stream_derivation_is_pinned)
{
    sim_rng_t rng;
    sim_rng_seed(&rng, 42, "link/alice-up");
    ck_assert_uint_eq(rng.s[0], 0x5a6b775e2677657cu);
    ck_assert_uint_eq(rng.s[1], 0x4e031623f4af008bu);
    ck_assert_uint_eq(rng.s[2], 0xfed6cd1c63a33bd5u);
    ck_assert_uint_eq(rng.s[3], 0x2a5aec4907793e0bu);
    ck_assert_uint_eq(sim_rng_next(&rng), 0x45722901618c39dbu);
    ck_assert_uint_eq(sim_rng_next(&rng), 0xc226961957c5ff9au);

    sim_rng_seed(&rng, 0, "");
    ck_assert_uint_eq(rng.s[0], 0x5b21f68ffa77f14cu);
    ck_assert_uint_eq(rng.s[1], 0xacf0460c6cc09c67u);
    ck_assert_uint_eq(rng.s[2], 0x1e3a31b219d0d222u);
    ck_assert_uint_eq(rng.s[3], 0xe6d5efe738142816u);
    ck_assert_uint_eq(sim_rng_next(&rng), 0x1e28178eedbf0f30u);

    /* A NULL name is the empty name. */
    sim_rng_t null_name;
    sim_rng_seed(&null_name, 0, NULL);
    sim_rng_seed(&rng, 0, "");
    ck_assert_mem_eq(null_name.s, rng.s, sizeof rng.s);
}
END_TEST

START_TEST(same_pair_same_stream)
{
    sim_rng_t a, b;
    sim_rng_seed(&a, 7, "peer/bob");
    sim_rng_seed(&b, 7, "peer/bob");
    for (int i = 0; i < 10000; i++)
        ck_assert_uint_eq(sim_rng_next(&a), sim_rng_next(&b));
}
END_TEST

/* How many of the first 64 outputs two streams share, position by position. */
static int shared_outputs(uint64_t seed_a, const char *name_a, uint64_t seed_b, const char *name_b)
{
    sim_rng_t a, b;
    sim_rng_seed(&a, seed_a, name_a);
    sim_rng_seed(&b, seed_b, name_b);
    int shared = 0;
    for (int i = 0; i < 64; i++)
        shared += sim_rng_next(&a) == sim_rng_next(&b);
    return shared;
}

START_TEST(different_name_or_seed_differs)
{
    ck_assert_int_eq(shared_outputs(7, "peer/bob", 7, "peer/bo"), 0);
    ck_assert_int_eq(shared_outputs(7, "peer/bob", 7, "peer/boc"), 0);
    ck_assert_int_eq(shared_outputs(7, "a", 7, "b"), 0);
    ck_assert_int_eq(shared_outputs(7, "", 7, "a"), 0);
    ck_assert_int_eq(shared_outputs(7, "peer/bob", 8, "peer/bob"), 0);
    ck_assert_int_eq(shared_outputs(0, "x", UINT64_MAX, "x"), 0);
}
END_TEST

START_TEST(state_never_all_zero)
{
    /* Over many pairs, no state is all zero (and none is even close). */
    char name[32];
    for (uint64_t seed = 0; seed < 64; seed++) {
        for (int n = 0; n < 64; n++) {
            snprintf(name, sizeof name, "n%d", n);
            sim_rng_t rng;
            sim_rng_seed(&rng, seed, name);
            int zero_words = 0;
            for (int i = 0; i < 4; i++)
                zero_words += rng.s[i] == 0;
            ck_assert_int_lt(zero_words, 2);
        }
    }
}
END_TEST

/* ---- distributions ------------------------------------------------------- */

START_TEST(uniform_in_unit_interval)
{
    sim_rng_t rng;
    sim_rng_seed(&rng, 1, "test_rng/uniform");
    double sum = 0, sum_sq = 0, low = 1, high = 0;
    int outside = 0; /* counted, not asserted per draw: Check's asserts are slow */
    for (int i = 0; i < DRAWS; i++) {
        double u = sim_rng_uniform(&rng);
        outside += !(u >= 0.0 && u < 1.0);
        sum += u;
        sum_sq += u * u;
        low = u < low ? u : low;
        high = u > high ? u : high;
    }
    ck_assert_int_eq(outside, 0);
    double mean = sum / DRAWS;
    double variance = sum_sq / DRAWS - mean * mean;
    /* Standard error of the mean: 0.289 / 1000. */
    ck_assert_double_eq_tol(mean, 0.5, 0.002);
    ck_assert_double_eq_tol(variance, 1.0 / 12.0, 0.001);
    ck_assert_double_lt(low, 1e-5);
    ck_assert_double_gt(high, 1.0 - 1e-5);
}
END_TEST

/* Chi-square critical values at p = 0.001, by degrees of freedom. */
static double chi2_critical_001(int df)
{
    switch (df) {
    case 1:
        return 10.828;
    case 2:
        return 13.816;
    case 4:
        return 18.467;
    case 6:
        return 22.458;
    case 9:
        return 27.877;
    default:
        ck_abort_msg("no critical value for %d degrees of freedom", df);
        return 0;
    }
}

static const uint64_t below_sizes[] = { 2, 3, 5, 7, 10 };

START_TEST(below_small_n_is_unbiased)
{
    uint64_t n = below_sizes[_i];
    uint64_t counts[11] = { 0 }; /* the last counts draws out of range */
    sim_rng_t rng;
    sim_rng_seed(&rng, 3, "test_rng/below");
    for (int i = 0; i < DRAWS; i++) {
        uint64_t k = sim_rng_below(&rng, n);
        counts[k < n ? k : 10]++;
    }
    ck_assert_uint_eq(counts[10], 0);
    double expected = (double)DRAWS / (double)n, chi2 = 0;
    for (uint64_t k = 0; k < n; k++) {
        double diff = (double)counts[k] - expected;
        chi2 += diff * diff / expected;
    }
    ck_assert_double_lt(chi2, chi2_critical_001((int)n - 1));
}
END_TEST

/* Chi-square statistic of `count` bins against equal expectation. */
static double chi2_even(const uint64_t *bins, int count, double total)
{
    double expected = total / count, chi2 = 0;
    for (int i = 0; i < count; i++) {
        double diff = (double)bins[i] - expected;
        chi2 += diff * diff / expected;
    }
    return chi2;
}

START_TEST(below_large_n_is_unbiased)
{
    /* n = 3 * 2^62, so 2^64 mod n = 2^62:
     *  - a plain `next % n` would put half the draws in the lowest third;
     *  - a multiply-shift without Lemire's rejection, floor(3 next / 4),
     *    would make k mod 3 == 0 half the draws.
     * Both the thirds and the residues mod 3 must be even. */
    const uint64_t n = 3ull << 62;
    uint64_t thirds[4] = { 0 }; /* thirds[3]: out of range */
    uint64_t residues[3] = { 0 };
    sim_rng_t rng;
    sim_rng_seed(&rng, 4, "test_rng/below-large");
    for (int i = 0; i < DRAWS; i++) {
        uint64_t k = sim_rng_below(&rng, n);
        thirds[k >> 62]++;
        residues[k % 3]++;
    }
    ck_assert_uint_eq(thirds[3], 0);
    ck_assert_double_lt(chi2_even(thirds, 3, DRAWS), chi2_critical_001(2));
    ck_assert_double_lt(chi2_even(residues, 3, DRAWS), chi2_critical_001(2));
}
END_TEST

START_TEST(below_edges)
{
    sim_rng_t rng;
    sim_rng_seed(&rng, 5, "test_rng/below-edges");
    ck_assert_uint_eq(sim_rng_below(&rng, 0), 0);
    for (int i = 0; i < 1000; i++) {
        ck_assert_uint_eq(sim_rng_below(&rng, 1), 0);
        ck_assert_uint_lt(sim_rng_below(&rng, UINT64_MAX), UINT64_MAX);
    }
    /* n = 2^63 + 1 rejects almost half the draws; results stay in range. */
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_le(sim_rng_below(&rng, (1ull << 63) + 1), 1ull << 63);
}
END_TEST

START_TEST(chance_edges_and_rate)
{
    sim_rng_t rng, shadow;
    sim_rng_seed(&rng, 6, "test_rng/chance");
    shadow = rng;
    int wrong = 0;
    for (int i = 0; i < 10000; i++) {
        wrong += sim_rng_chance(&rng, 0.0);
        wrong += sim_rng_chance(&rng, -1.0);
        wrong += !sim_rng_chance(&rng, 1.0);
        wrong += !sim_rng_chance(&rng, 2.0);
        wrong += sim_rng_chance(&rng, NAN);
    }
    ck_assert_int_eq(wrong, 0);
    /* Every call drew exactly one value. */
    for (int i = 0; i < 50000; i++)
        sim_rng_next(&shadow);
    ck_assert_mem_eq(rng.s, shadow.s, sizeof rng.s);

    int hits = 0;
    for (int i = 0; i < DRAWS; i++)
        hits += sim_rng_chance(&rng, 0.3);
    /* Standard error: sqrt(0.21 / 10^6) = 0.00046. */
    ck_assert_double_eq_tol(hits / (double)DRAWS, 0.3, 0.003);
}
END_TEST

START_TEST(normal_mean_and_stddev)
{
    sim_rng_t rng, shadow;
    sim_rng_seed(&rng, 8, "test_rng/normal");
    shadow = rng;
    double sum = 0, sum_sq = 0;
    int within_one = 0, not_finite = 0;
    for (int i = 0; i < DRAWS; i++) {
        double x = sim_rng_normal(&rng, 3.0, 2.0);
        not_finite += !isfinite(x);
        sum += x;
        sum_sq += x * x;
        within_one += fabs(x - 3.0) < 2.0;
    }
    ck_assert_int_eq(not_finite, 0);
    double mean = sum / DRAWS;
    double stddev = sqrt(sum_sq / DRAWS - mean * mean);
    /* Standard errors: mean 0.002, stddev 0.0014. */
    ck_assert_double_eq_tol(mean, 3.0, 0.012);
    ck_assert_double_eq_tol(stddev, 2.0, 0.01);
    ck_assert_double_eq_tol(within_one / (double)DRAWS, 0.682689, 0.003);

    /* Two draws per deviate, nothing kept between calls. */
    for (int i = 0; i < 2 * DRAWS; i++)
        sim_rng_next(&shadow);
    ck_assert_mem_eq(rng.s, shadow.s, sizeof rng.s);

    /* stddev 0 gives the mean. */
    ck_assert_double_eq(sim_rng_normal(&rng, -4.5, 0.0), -4.5);
}
END_TEST

START_TEST(pareto_bounds_and_mean)
{
    const double scale = 2.0, shape = 3.0;
    sim_rng_t rng, shadow;
    sim_rng_seed(&rng, 9, "test_rng/pareto");
    shadow = rng;
    double sum = 0, low = INFINITY;
    int below_median = 0, wrong = 0;
    const double median = scale * pow(2.0, 1.0 / shape);
    for (int i = 0; i < DRAWS; i++) {
        double x = sim_rng_pareto(&rng, scale, shape);
        wrong += !isfinite(x) || x < scale;
        sum += x;
        low = x < low ? x : low;
        below_median += x < median;
    }
    /* Mean alpha x_m / (alpha - 1) = 3; variance 3, standard error 0.0017,
     * with a heavy tail: a wider window. */
    ck_assert_int_eq(wrong, 0);
    ck_assert_double_eq_tol(sum / DRAWS, shape * scale / (shape - 1.0), 0.03);
    ck_assert_double_lt(low, scale * 1.0001);
    ck_assert_double_eq_tol(below_median / (double)DRAWS, 0.5, 0.003);

    /* One draw per deviate. */
    for (int i = 0; i < DRAWS; i++)
        sim_rng_next(&shadow);
    ck_assert_mem_eq(rng.s, shadow.s, sizeof rng.s);

    /* Invalid parameters give 0. */
    ck_assert_double_eq(sim_rng_pareto(&rng, 0.0, 2.0), 0.0);
    ck_assert_double_eq(sim_rng_pareto(&rng, 1.0, 0.0), 0.0);
    ck_assert_double_eq(sim_rng_pareto(&rng, -1.0, 2.0), 0.0);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("sim_rng");
    TCase *tc = tcase_create("generator");
    tcase_add_test(tc, xoshiro256starstar_reference_outputs);
    tcase_add_test(tc, stream_derivation_is_pinned);
    tcase_add_test(tc, same_pair_same_stream);
    tcase_add_test(tc, different_name_or_seed_differs);
    tcase_add_test(tc, state_never_all_zero);
    suite_add_tcase(s, tc);

    tc = tcase_create("distributions");
    tcase_add_test(tc, uniform_in_unit_interval);
    tcase_add_loop_test(tc, below_small_n_is_unbiased, 0,
                        (int)(sizeof below_sizes / sizeof below_sizes[0]));
    tcase_add_test(tc, below_large_n_is_unbiased);
    tcase_add_test(tc, below_edges);
    tcase_add_test(tc, chance_edges_and_rate);
    tcase_add_test(tc, normal_mean_and_stddev);
    tcase_add_test(tc, pareto_bounds_and_mean);
    suite_add_tcase(s, tc);
    return s;
}
