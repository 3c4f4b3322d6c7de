/* sim/sfu_json.h, private to sim/: the report's "sfu" object from the
 * core's counters, shared by the run and the replay reports. */
#ifndef BLINDFOLD_SIM_SFU_JSON_H
#define BLINDFOLD_SIM_SFU_JSON_H

#include "sfu/sfu.h"

#include <jansson.h>

/* The counters of docs/report-format.md's "sfu" object and the additions
 * (every drop reason, keyframes, upstream NACKs, RTX in, observed), keys
 * in a fixed order; the caller appends its own. NULL when out of memory. */
json_t *sim__sfu_stats_json(const sfu_stats_t *stats);

#endif
