/* sfu/pli_throttle.c: at most one keyframe request (PLI, RFC 4585 section
 * 6.3.1) per publisher track per interval (see pli_throttle.h). A request
 * that is suppressed is not queued: the keyframe the last forwarded
 * request asked for serves it too, and if that keyframe is lost the
 * requester asks again after the interval. */
#include "sfu/pli_throttle.h"

#include <stddef.h>

sfu__pli_throttle_config_t sfu__pli_throttle_config_default(void)
{
    return (sfu__pli_throttle_config_t){ .min_interval_ms = 500 };
}

void sfu__pli_throttle_init(sfu__pli_throttle_t *throttle, const sfu__pli_throttle_config_t *config)
{
    *throttle = (sfu__pli_throttle_t){
        .min_interval_us = (uint64_t)config->min_interval_ms * 1000u,
    };
}

uint64_t sfu__pli_throttle_next_allowed_us(const sfu__pli_throttle_t *throttle)
{
    if (!throttle->sent_any)
        return 0;
    return throttle->last_sent_us + throttle->min_interval_us;
}

bool sfu__pli_throttle_request(sfu__pli_throttle_t *throttle, uint64_t now_us)
{
    if (throttle->sent_any && now_us < sfu__pli_throttle_next_allowed_us(throttle)) {
        throttle->suppressed++;
        return false;
    }
    throttle->sent_any = true;
    throttle->last_sent_us = now_us;
    throttle->forwarded++;
    return true;
}
