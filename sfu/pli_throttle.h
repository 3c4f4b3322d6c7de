/* sfu/pli_throttle.h: the keyframe request throttle of one publisher track,
 * private to sfu/.
 *
 * Every subscriber that switches layer, joins, or loses too much asks the
 * SFU for a keyframe; the SFU turns these into Picture Loss Indications
 * (RFC 4585 section 6.3.1) to the publisher. A keyframe is several times
 * the size of a delta frame, so each one costs the publisher's uplink; the
 * throttle lets at most one request through per min_interval_ms and
 * counts the rest, which the keyframe already requested will satisfy.
 * Production values: Janus 1 s per publisher, LiveKit 500 ms (low layer) to
 * 1 s, Jitsi Videobridge at least 200 ms apart.
 *
 * A plain struct: embed it, no allocation. */
#ifndef BLINDFOLD_SFU_PLI_THROTTLE_H
#define BLINDFOLD_SFU_PLI_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sfu__pli_throttle_config {
    uint32_t min_interval_ms; /* shortest time between two requests let through */
} sfu__pli_throttle_config_t;

/* min_interval_ms 500: LiveKit's value for the low layer, between Jitsi's
 * 200 ms and Janus' 1 s. */
sfu__pli_throttle_config_t sfu__pli_throttle_config_default(void);

/* Private to pli_throttle.c; exposed so that callers can embed it. */
typedef struct sfu__pli_throttle {
    uint64_t min_interval_us;
    bool sent_any;
    uint64_t last_sent_us;
    uint64_t forwarded;  /* requests let through */
    uint64_t suppressed; /* requests swallowed */
} sfu__pli_throttle_t;

void sfu__pli_throttle_init(sfu__pli_throttle_t *throttle,
                            const sfu__pli_throttle_config_t *config);

/* A keyframe request at now_us: true when it may go to the publisher now
 * (the first one, or min_interval_ms after the last one let through), false
 * when it is suppressed. Either way it is counted. */
bool sfu__pli_throttle_request(sfu__pli_throttle_t *throttle, uint64_t now_us);

/* When a request would next be let through; 0 before the first. */
uint64_t sfu__pli_throttle_next_allowed_us(const sfu__pli_throttle_t *throttle);

#endif
