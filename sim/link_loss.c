/* sim/link_loss.c: the loss stage, first on a link. It decides, once per
 * packet handed to sim_link_send() and before anything else, whether the
 * packet is lost. A lost packet is counted in lost_random and goes no
 * further (it is never duplicated and takes no room in the queue).
 *
 * Models, dispatched through sim__loss_models[]:
 *   none:      nothing is lost; no draw.
 *   bernoulli: lost when u < p, u uniform in [0, 1); one draw per packet,
 *              so losses are independent with probability p.
 *   gilbert-elliott: a two-state Markov chain, Good and Bad (netem's
 *              "gemodel"; see docs/REFERENCES.md "Network models"). Per
 *              packet, two draws in this order:
 *                1. the loss draw, in the chain's current state: lost when
 *                   u1 < loss_good (Good) or u1 < loss_bad (Bad);
 *                2. the transition draw, which sets the state of the next
 *                   packet: Good -> Bad when u2 < p_good_to_bad, Bad -> Good
 *                   when u2 < p_bad_to_good.
 *              So the state that decides packet n is the one the chain
 *              reached after packet n - 1. The chain starts in Good. The
 *              stationary P(Bad) is p/(p + r) (p = p_good_to_bad,
 *              r = p_bad_to_good), the stationary loss rate
 *              P(Bad) loss_bad + P(Good) loss_good, and with loss_good = 0
 *              and loss_bad = 1 a loss burst lasts 1/r packets on average
 *              (geometric). In netem's terms loss_good = 1 - k and
 *              loss_bad = 1 - h.
 *   pattern:   packet i is lost when i is listed in `drop`, where i is the
 *              0-based index of the packet among those sent since the
 *              profile was applied (by sim_link_new() or
 *              sim_link_set_profile()); no draw.
 * Every draw comes from the loss stage's own stream, and the number of
 * draws per packet depends only on the model, never on the outcome or on
 * the probabilities, so a scenario that changes a probability keeps the
 * rest of its stream aligned.
 *
 * On a profile change the pattern index restarts at 0; the gilbert-elliott
 * state is kept when the old and the new model are both gilbert-elliott and
 * starts again in Good otherwise. */
#include "sim/link_internal.h"

typedef struct sim__loss_model {
    const char *(*check)(const sim_link_profile_t *profile);
    bool (*drops)(sim__loss_t *loss, const sim_link_profile_t *profile);
} sim__loss_model_t;

static bool sim__is_probability(double p)
{
    return p >= 0.0 && p <= 1.0; /* false for NaN */
}

static const char *sim__loss_none_check(const sim_link_profile_t *profile)
{
    (void)profile;
    return NULL;
}

static bool sim__loss_none_drops(sim__loss_t *loss, const sim_link_profile_t *profile)
{
    (void)loss;
    (void)profile;
    return false;
}

static const char *sim__loss_bernoulli_check(const sim_link_profile_t *profile)
{
    return sim__is_probability(profile->loss.p) ? NULL : "loss.p: not in [0, 1]";
}

static bool sim__loss_bernoulli_drops(sim__loss_t *loss, const sim_link_profile_t *profile)
{
    return sim_rng_uniform(&loss->rng) < profile->loss.p;
}

static const char *sim__loss_gilbert_elliott_check(const sim_link_profile_t *profile)
{
    if (!sim__is_probability(profile->loss.p_good_to_bad))
        return "loss.p_good_to_bad: not in [0, 1]";
    if (!sim__is_probability(profile->loss.p_bad_to_good))
        return "loss.p_bad_to_good: not in [0, 1]";
    if (!sim__is_probability(profile->loss.loss_good))
        return "loss.loss_good: not in [0, 1]";
    if (!sim__is_probability(profile->loss.loss_bad))
        return "loss.loss_bad: not in [0, 1]";
    return NULL;
}

static bool sim__loss_gilbert_elliott_drops(sim__loss_t *loss, const sim_link_profile_t *profile)
{
    double loss_p = loss->bad ? profile->loss.loss_bad : profile->loss.loss_good;
    bool lost = sim_rng_uniform(&loss->rng) < loss_p;
    double move_p = loss->bad ? profile->loss.p_bad_to_good : profile->loss.p_good_to_bad;
    if (sim_rng_uniform(&loss->rng) < move_p)
        loss->bad = !loss->bad;
    return lost;
}

static const char *sim__loss_pattern_check(const sim_link_profile_t *profile)
{
    if (profile->loss.drop_count > 0 && profile->loss.drop == NULL)
        return "loss.drop: NULL with a non-zero count";
    for (size_t i = 1; i < profile->loss.drop_count; i++) {
        if (profile->loss.drop[i] < profile->loss.drop[i - 1])
            return "loss.drop: not sorted";
    }
    return NULL;
}

static bool sim__loss_pattern_drops(sim__loss_t *loss, const sim_link_profile_t *profile)
{
    const uint64_t *drop = profile->loss.drop;
    size_t count = profile->loss.drop_count;
    while (loss->pattern_pos < count && drop[loss->pattern_pos] < loss->index)
        loss->pattern_pos++;
    return loss->pattern_pos < count && drop[loss->pattern_pos] == loss->index;
}

static const sim__loss_model_t sim__loss_models[] = {
    [SIM_LOSS_NONE] = { sim__loss_none_check, sim__loss_none_drops },
    [SIM_LOSS_BERNOULLI] = { sim__loss_bernoulli_check, sim__loss_bernoulli_drops },
    [SIM_LOSS_GILBERT_ELLIOTT] = { sim__loss_gilbert_elliott_check,
                                   sim__loss_gilbert_elliott_drops },
    [SIM_LOSS_PATTERN] = { sim__loss_pattern_check, sim__loss_pattern_drops },
};

#define SIM__LOSS_MODEL_COUNT (sizeof sim__loss_models / sizeof sim__loss_models[0])

const char *sim__loss_check(const sim_link_profile_t *profile)
{
    if ((size_t)profile->loss.model >= SIM__LOSS_MODEL_COUNT)
        return "loss.model: unknown";
    return sim__loss_models[profile->loss.model].check(profile);
}

void sim__loss_init(sim__loss_t *loss, const sim_rng_t *rng)
{
    *loss = (sim__loss_t){ .rng = *rng };
}

void sim__loss_apply_profile(sim__loss_t *loss, sim_loss_model_t old_model,
                             const sim_link_profile_t *profile)
{
    loss->index = 0;
    loss->pattern_pos = 0;
    if (old_model != SIM_LOSS_GILBERT_ELLIOTT || profile->loss.model != SIM_LOSS_GILBERT_ELLIOTT)
        loss->bad = false;
}

bool sim__loss_drops(sim__loss_t *loss, const sim_link_profile_t *profile)
{
    bool lost = sim__loss_models[profile->loss.model].drops(loss, profile);
    loss->index++;
    return lost;
}
