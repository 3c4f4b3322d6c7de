/* rtp/: the wire formats blindfold speaks. Pure functions over caller-owned
 * buffers; nothing here allocates, reads a clock or keeps global state.
 *
 * This header gathers the topic headers; include it rather than a topic. */
#ifndef BLINDFOLD_RTP_H
#define BLINDFOLD_RTP_H

#include "rtp/rtp_dd.h"
#include "rtp/rtp_error.h"
#include "rtp/rtp_ext.h"
#include "rtp/rtp_packet.h"
#include "rtp/rtp_payload.h"
#include "rtp/rtp_rtcp.h"

#endif
