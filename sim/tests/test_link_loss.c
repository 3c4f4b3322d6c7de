/* Tests for the loss and duplication stages of sim/ links (sim/link_loss.c,
 * sim/link.c), through the public API.
 *
 * The statistical cases use fixed seeds, so they are deterministic; their
 * bounds are 99.9% intervals (z = 3.29) around the model's exact value,
 * with the standard error stated at each case. A correct model therefore
 * fails one of them for about one seed in a thousand, never for ours. */
#include "sim/tests/link_test_util.h"

#include <math.h>

#define Z_999     3.29 /* two-sided 99.9% normal quantile */
#define N_PACKETS 100000u

/* Sends n numbered 64-byte packets through `profile`, all at time 0, and
 * returns, per index, how many copies arrived. */
static unsigned *run_copies(const sim_link_profile_t *profile, uint64_t seed, size_t n,
                            sim_link_counters_t *counters)
{
    sim_engine_t *engine = sim_engine_new(64);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, profile, seed, &log);
    for (size_t i = 0; i < n; i++) {
        link_send_numbered(link, i, 64);
        sim_run(engine);
    }
    unsigned *copies = calloc(n, sizeof *copies);
    ck_assert_ptr_nonnull(copies);
    for (size_t i = 0; i < log.count; i++) {
        LINK_CHECK(log.items[i].index < n);
        copies[log.items[i].index]++;
    }
    *counters = *sim_link_counters(link);
    ck_assert_uint_eq(counters->sent, n);
    ck_assert_uint_eq(counters->delivered, log.count);
    ck_assert_uint_eq(counters->in_flight, 0);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
    return copies;
}

static double loss_rate(const unsigned *copies, size_t n)
{
    size_t lost = 0;
    for (size_t i = 0; i < n; i++)
        lost += copies[i] == 0;
    return (double)lost / (double)n;
}

START_TEST(test_bernoulli_rate)
{
    /* Standard error of a binomial proportion: sqrt(p (1 - p) / n). */
    const double p = 0.05;
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.loss.model = SIM_LOSS_BERNOULLI;
    profile.loss.p = p;
    sim_link_counters_t counters;
    unsigned *copies = run_copies(&profile, LINK_TEST_SEED, N_PACKETS, &counters);
    double rate = loss_rate(copies, N_PACKETS);
    double tolerance = Z_999 * sqrt(p * (1 - p) / N_PACKETS);
    link_test_note("bernoulli p=%.3f: measured %.5f, bound +-%.5f\n", p, rate, tolerance);
    ck_assert_double_le(fabs(rate - p), tolerance);
    ck_assert_uint_eq(counters.lost_random, (uint64_t)llround(rate * N_PACKETS));
    ck_assert_uint_eq(counters.lost_queue, 0);
    free(copies);
}
END_TEST

START_TEST(test_bernoulli_edges)
{
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.loss.model = SIM_LOSS_BERNOULLI;
    sim_link_counters_t counters;
    profile.loss.p = 0.0;
    free(run_copies(&profile, LINK_TEST_SEED, 1000, &counters));
    ck_assert_uint_eq(counters.lost_random, 0);
    profile.loss.p = 1.0;
    free(run_copies(&profile, LINK_TEST_SEED, 1000, &counters));
    ck_assert_uint_eq(counters.lost_random, 1000);
    ck_assert_uint_eq(counters.delivered, 0);
}
END_TEST

/* Standard error of the loss rate of a gilbert-elliott chain over n packets.
 * Loss indicator L_n, stationary mean m = pB lb + pG lg; the chain's second
 * eigenvalue is lambda = 1 - p - r, and Cov(L_0, L_k) = pG pB (lb - lg)^2
 * lambda^k for k >= 1, so the variance of the mean is
 *   [m (1 - m) + 2 pG pB (lb - lg)^2 lambda / (1 - lambda)] / n. */
static double ge_standard_error(double p, double r, double lg, double lb, size_t n)
{
    double p_bad = p / (p + r), p_good = 1 - p_bad;
    double m = p_bad * lb + p_good * lg;
    double lambda = 1 - p - r;
    double var = m * (1 - m) + 2 * p_good * p_bad * (lb - lg) * (lb - lg) * lambda / (1 - lambda);
    return sqrt(var / (double)n);
}

START_TEST(test_gilbert_elliott_bursts)
{
    /* Loss only in Bad: stationary loss P(Bad) = p / (p + r) = 1/6; a burst
     * is a stay in Bad, geometric with mean 1/r = 4 and standard deviation
     * sqrt(1 - r) / r, so the mean of B bursts has standard error
     * sqrt(1 - r) / (r sqrt(B)). */
    const double p = 0.05, r = 0.25;
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.loss.model = SIM_LOSS_GILBERT_ELLIOTT;
    profile.loss.p_good_to_bad = p;
    profile.loss.p_bad_to_good = r;
    profile.loss.loss_good = 0.0;
    profile.loss.loss_bad = 1.0;
    sim_link_counters_t counters;
    unsigned *copies = run_copies(&profile, LINK_TEST_SEED, N_PACKETS, &counters);

    double rate = loss_rate(copies, N_PACKETS);
    double expected = p / (p + r);
    double rate_tolerance = Z_999 * ge_standard_error(p, r, 0.0, 1.0, N_PACKETS);
    size_t bursts = 0, burst_packets = 0;
    for (size_t i = 0; i < N_PACKETS; i++) {
        if (copies[i] == 0) {
            burst_packets++;
            bursts += i == 0 || copies[i - 1] != 0;
        }
    }
    double mean_burst = (double)burst_packets / (double)bursts;
    double burst_tolerance = Z_999 * sqrt(1 - r) / (r * sqrt((double)bursts));
    link_test_note("gilbert-elliott p=%.2f r=%.2f: loss %.5f (theory %.5f +-%.5f), "
                   "%zu bursts, mean %.4f (theory %.4f +-%.4f)\n",
                   p, r, rate, expected, rate_tolerance, bursts, mean_burst, 1 / r,
                   burst_tolerance);
    ck_assert_double_le(fabs(rate - expected), rate_tolerance);
    ck_assert_double_le(fabs(mean_burst - 1 / r), burst_tolerance);
    ck_assert_uint_eq(counters.lost_random, burst_packets);
    free(copies);
}
END_TEST

START_TEST(test_gilbert_elliott_loss_in_both_states)
{
    /* Stationary loss P(Bad) loss_bad + P(Good) loss_good
     * = (0.02 / 0.22) 0.6 + (0.2 / 0.22) 0.01 = 0.063636... */
    const double p = 0.02, r = 0.2, lg = 0.01, lb = 0.6;
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.loss.model = SIM_LOSS_GILBERT_ELLIOTT;
    profile.loss.p_good_to_bad = p;
    profile.loss.p_bad_to_good = r;
    profile.loss.loss_good = lg;
    profile.loss.loss_bad = lb;
    sim_link_counters_t counters;
    unsigned *copies = run_copies(&profile, LINK_TEST_SEED + 1, N_PACKETS, &counters);
    double rate = loss_rate(copies, N_PACKETS);
    double p_bad = p / (p + r);
    double expected = p_bad * lb + (1 - p_bad) * lg;
    double tolerance = Z_999 * ge_standard_error(p, r, lg, lb, N_PACKETS);
    link_test_note("gilbert-elliott p=%.2f r=%.2f lg=%.2f lb=%.2f: loss %.5f "
                   "(theory %.5f +-%.5f)\n",
                   p, r, lg, lb, rate, expected, tolerance);
    ck_assert_double_le(fabs(rate - expected), tolerance);
    free(copies);
}
END_TEST

START_TEST(test_gilbert_elliott_draw_order)
{
    /* With p = r = 1 the chain alternates; loss_good 0 and loss_bad 1 make
     * the state visible. The chain starts in Good and a packet's loss is
     * decided in the state before its transition, so packets 1, 3, 5, ...
     * are lost. The state survives a change to another gilbert-elliott
     * profile (packet 5 after the change at 5 is still lost) and restarts
     * in Good after another model (after the switch at 8, packet 9 is the
     * first in Bad again: 8 is Good). */
    sim_link_profile_t alternate = sim_link_profile_ideal();
    alternate.loss.model = SIM_LOSS_GILBERT_ELLIOTT;
    alternate.loss.p_good_to_bad = 1.0;
    alternate.loss.p_bad_to_good = 1.0;
    sim_link_profile_t none = sim_link_profile_ideal();
    sim_engine_t *engine = sim_engine_new(64);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &alternate, LINK_TEST_SEED, &log);
    for (uint64_t i = 0; i < 12; i++) {
        if (i == 5)
            ck_assert(sim_link_set_profile(link, &alternate));
        if (i == 7)
            ck_assert(sim_link_set_profile(link, &none));
        if (i == 8)
            ck_assert(sim_link_set_profile(link, &alternate));
        link_send_numbered(link, i, 64);
    }
    sim_run(engine);
    static const uint64_t delivered[] = { 0, 2, 4, 6, 7, 8, 10 };
    ck_assert_uint_eq(log.count, sizeof delivered / sizeof delivered[0]);
    for (size_t k = 0; k < log.count; k++)
        ck_assert_uint_eq(log.items[k].index, delivered[k]);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

START_TEST(test_pattern_drops_listed_indices)
{
    /* Given the pattern {0, 3, 4, 17}, when 30 packets are sent, the profile
     * is applied again and 30 more are sent, then exactly 0, 3, 4, 17 and,
     * the index having restarted, 30, 33, 34, 47 are lost. */
    static const uint64_t drop[] = { 0, 3, 4, 17 };
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.loss.model = SIM_LOSS_PATTERN;
    profile.loss.drop = drop;
    profile.loss.drop_count = 4;
    sim_engine_t *engine = sim_engine_new(64);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &profile, LINK_TEST_SEED, &log);
    for (uint64_t i = 0; i < 60; i++) {
        if (i == 30)
            ck_assert(sim_link_set_profile(link, &profile));
        link_send_numbered(link, i, 100);
    }
    sim_run(engine);

    static const uint64_t lost[] = { 0, 3, 4, 17, 30, 33, 34, 47 };
    bool expect_lost[60] = { false };
    for (size_t i = 0; i < sizeof lost / sizeof lost[0]; i++)
        expect_lost[lost[i]] = true;
    size_t at = 0;
    for (uint64_t i = 0; i < 60; i++) {
        if (expect_lost[i])
            continue;
        ck_assert_uint_lt(at, log.count);
        ck_assert_uint_eq(log.items[at].index, i);
        at++;
    }
    ck_assert_uint_eq(at, log.count);
    ck_assert_uint_eq(sim_link_counters(link)->lost_random, 8);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

START_TEST(test_duplication_rate)
{
    /* Each packet is duplicated with probability d: a binomial count, with
     * standard error sqrt(d (1 - d) / n) on the rate. */
    const double d = 0.1;
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.duplicate = d;
    sim_link_counters_t counters;
    unsigned *copies = run_copies(&profile, LINK_TEST_SEED, N_PACKETS, &counters);
    size_t twice = 0;
    for (size_t i = 0; i < N_PACKETS; i++) {
        LINK_CHECK(copies[i] >= 1 && copies[i] <= 2);
        twice += copies[i] == 2;
    }
    double rate = (double)counters.duplicated / N_PACKETS;
    double tolerance = Z_999 * sqrt(d * (1 - d) / N_PACKETS);
    link_test_note("duplicate d=%.2f: measured %.5f, bound +-%.5f\n", d, rate, tolerance);
    ck_assert_double_le(fabs(rate - d), tolerance);
    ck_assert_uint_eq(counters.duplicated, twice);
    ck_assert_uint_eq(counters.delivered, N_PACKETS + twice);
    ck_assert_uint_eq(counters.bytes_delivered, 64 * (N_PACKETS + twice));
    free(copies);
}
END_TEST

START_TEST(test_lost_packets_are_not_duplicated)
{
    /* Duplication comes after loss: with loss p = 0.3 and duplicate 0.5, a
     * lost packet never arrives, and duplicates are about half of the
     * survivors (binomial over the survivors S: standard error
     * sqrt(0.25 / S)). */
    sim_link_profile_t profile = sim_link_profile_ideal();
    profile.loss.model = SIM_LOSS_BERNOULLI;
    profile.loss.p = 0.3;
    profile.duplicate = 0.5;
    sim_link_counters_t counters;
    unsigned *copies = run_copies(&profile, LINK_TEST_SEED, 20000, &counters);
    size_t survivors = 0, twice = 0;
    for (size_t i = 0; i < 20000; i++) {
        survivors += copies[i] > 0;
        twice += copies[i] == 2;
    }
    ck_assert_uint_eq(counters.lost_random, 20000 - survivors);
    ck_assert_uint_eq(counters.duplicated, twice);
    double rate = (double)twice / (double)survivors;
    ck_assert_double_le(fabs(rate - 0.5), Z_999 * sqrt(0.25 / (double)survivors));
    ck_assert_uint_eq(counters.sent + counters.duplicated,
                      counters.lost_random + counters.lost_queue + counters.delivered);
    free(copies);
}
END_TEST

START_TEST(test_profile_change_loss_from_time)
{
    /* Given a 100 ms link without loss and one packet every 10 ms, when the
     * profile switches to loss p = 1 at 500 ms, then every packet sent
     * before 500 ms arrives (those still in flight too) and none after. */
    sim_link_profile_t clean = sim_link_profile_ideal();
    clean.delay_ms = 100.0;
    sim_link_profile_t lossy = clean;
    lossy.loss.model = SIM_LOSS_BERNOULLI;
    lossy.loss.p = 1.0;
    sim_engine_t *engine = sim_engine_new(64);
    link_log_t log = { 0 };
    sim_link_t *link = link_test_new(engine, &clean, LINK_TEST_SEED, &log);
    for (uint64_t i = 0; i < 100; i++) {
        sim_run_until(engine, i * 10000);
        if (i == 50) {
            ck_assert_uint_eq(sim_link_counters(link)->in_flight, 9); /* sent 410..490 ms */
            ck_assert(sim_link_set_profile(link, &lossy));
        }
        link_send_numbered(link, i, 200);
    }
    sim_run(engine);
    ck_assert_uint_eq(log.count, 50);
    for (uint64_t i = 0; i < 50; i++) {
        ck_assert_uint_eq(log.items[i].index, i);
        ck_assert_uint_eq(log.items[i].at_us, i * 10000 + 100000);
    }
    ck_assert_uint_eq(sim_link_counters(link)->lost_random, 50);
    sim_link_free(link);
    sim_engine_free(engine);
    link_log_free(&log);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("sim_link_loss");

    TCase *loss = tcase_create("loss");
    tcase_add_test(loss, test_bernoulli_rate);
    tcase_add_test(loss, test_bernoulli_edges);
    tcase_add_test(loss, test_gilbert_elliott_bursts);
    tcase_add_test(loss, test_gilbert_elliott_loss_in_both_states);
    tcase_add_test(loss, test_gilbert_elliott_draw_order);
    tcase_add_test(loss, test_pattern_drops_listed_indices);
    tcase_add_test(loss, test_profile_change_loss_from_time);
    suite_add_tcase(suite, loss);

    TCase *duplicate = tcase_create("duplicate");
    tcase_add_test(duplicate, test_duplication_rate);
    tcase_add_test(duplicate, test_lost_packets_are_not_duplicated);
    suite_add_tcase(suite, duplicate);
    return suite;
}
