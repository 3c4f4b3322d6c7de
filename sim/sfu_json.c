/* The report's "sfu" object (sim/sfu_json.h). */
#include "sim/sfu_json.h"

#include <stdint.h>

static json_t *count(uint64_t value)
{
    return json_integer((json_int_t)(value > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : value));
}

json_t *sim__sfu_stats_json(const sfu_stats_t *s)
{
    json_t *d = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "malformed",
        count(s->dropped.malformed), "unknown_ssrc", count(s->dropped.unknown_ssrc), "srtp_auth",
        count(s->dropped.srtp_auth), "history_miss", count(s->dropped.history_miss), "queue",
        count(s->dropped.queue), "srtp_replay", count(s->dropped.srtp_replay), "srtp_other",
        count(s->dropped.srtp_other), "unknown_participant", count(s->dropped.unknown_participant),
        "wrong_payload_type", count(s->dropped.wrong_payload_type), "last_n",
        count(s->dropped.last_n), "output_error", count(s->dropped.output_error), "spoofed_ssrc",
        count(s->dropped.spoofed_ssrc), "not_rtp", count(s->dropped.not_rtp), "wait_keyframe",
        count(s->dropped.wait_keyframe), "not_selected", count(s->dropped.not_selected));
    if (d == NULL)
        return NULL;
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "packets_in",
        count(s->packets_in), "packets_out", count(s->packets_out), "bytes_in", count(s->bytes_in),
        "bytes_out", count(s->bytes_out), "dropped", d, "nacks_received", count(s->nacks_received),
        "retransmissions", count(s->retransmissions), "plis_forwarded", count(s->plis_forwarded),
        "plis_suppressed", count(s->plis_suppressed), "layer_switches", count(s->layer_switches),
        "keyframes_in", count(s->keyframes_in), "upstream_nacks_sent",
        count(s->upstream_nacks_sent), "rtx_in", count(s->rtx_in), "observed", count(s->observed));
}
