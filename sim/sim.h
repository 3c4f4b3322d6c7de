/* sim/: everything that runs in virtual time. This header gathers the
 * topic headers; include it rather than a topic.
 *  - sim_engine.h: the discrete-event engine and seeded random streams;
 *  - sim_link.h: simulated links built from composable stages;
 *  - sim_scenario.h: the scenario loader and the resolved scenario. */
#ifndef BLINDFOLD_SIM_H
#define BLINDFOLD_SIM_H

#include "sim/sim_engine.h"
#include "sim/sim_link.h"
#include "sim/sim_scenario.h"

#endif
