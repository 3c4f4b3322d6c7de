/* What `blindfold replay` writes: stream_timeseries.csv, forwarded.pcap and
 * the report (sim/sim_replay.h, docs/report-format.md kind "replay"). */
#include "sim/pcap_out.h"
#include "sim/replay_internal.h"
#include "sim/sfu_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- stream_timeseries.csv ------------------------------------------------ */

static void bucket_write(replay_t *r)
{
    FILE *out = r->options->stream_timeseries;
    for (size_t k = 0; k < r->active_count; k++) {
        replay_stream_t *rs = &r->streams[r->active[k]];
        const sim__streams_row_t *row = sim__streams_row(r->table, r->active[k]);
        int64_t lost = row != NULL ? sim__streams_lost(row) : 0;
        if (out != NULL && row != NULL) {
            double kbps = (double)rs->bucket_bytes * 8.0 / 1000.0 / (REPLAY_BUCKET_US / 1e6);
            if (fprintf(out, "%.1f,%zu,0x%08X,%" PRIu64 ",%.3f,%" PRId64 ",%" PRIu64 ",%.3f\n",
                        (double)(r->bucket * REPLAY_BUCKET_US) / 1e6, r->active[k], row->ssrc,
                        rs->bucket_packets, kbps, lost - rs->lost_before, rs->bucket_forwarded,
                        row->analysis.jitter_ms) < 0)
                r->write_failed = true;
        }
        rs->lost_before = lost;
        rs->active = false;
        rs->bucket_packets = rs->bucket_bytes = rs->bucket_forwarded = 0;
    }
    r->active_count = 0;
}

void replay_buckets_start(replay_t *r)
{
    FILE *out = r->options->stream_timeseries;
    if (out != NULL &&
        fputs("t_s,stream,ssrc,packets,kbps,lost,forwarded_packets,jitter_ms\n", out) < 0)
        r->write_failed = true;
}

void replay_buckets_advance(replay_t *r, uint64_t now_us)
{
    uint64_t b = now_us / REPLAY_BUCKET_US;
    if (b == r->bucket)
        return;
    bucket_write(r);
    r->bucket = b;
}

void replay_buckets_finish(replay_t *r)
{
    bucket_write(r);
}

void replay_bucket_touch(replay_t *r, size_t i)
{
    replay_stream_t *rs = &r->streams[i];
    if (rs->active)
        return;
    /* At most stream_count entries: the array is sized once. */
    if (r->active == NULL) {
        r->active = malloc((r->stream_count > 0 ? r->stream_count : 1) * sizeof *r->active);
        if (r->active == NULL) {
            r->write_failed = true;
            return;
        }
    }
    rs->active = true;
    r->active[r->active_count++] = i;
}

/* --- forwarded.pcap --------------------------------------------------------- */

bool replay_pcap_open(replay_t *r, char *err, size_t err_len)
{
    r->pcap = sim__pcap_out_open(r->options->forwarded_pcap, err, err_len);
    return r->pcap != NULL;
}

/* The subscriber's address: 10.255.(1 + sub / 200).(1 + sub % 200). */
void replay_pcap_write(replay_t *r, unsigned sub, const uint8_t *bytes, size_t len)
{
    static const sim__pcap_end_t sfu = { .ip = { 10, 255, 0, 1 }, .port = 40000 };
    sim__pcap_end_t to = { .ip = { 10, 255, (uint8_t)(1 + sub / 200), (uint8_t)(1 + sub % 200) },
                           .port = (uint16_t)(50000 + sub) };
    sim__pcap_out_udp(r->pcap, r->first_capture_us + r->now_us + r->skipped_us, &sfu, &to, bytes,
                      len);
}

bool replay_pcap_close(replay_t *r)
{
    r->counts.pcap_records = sim__pcap_out_records(r->pcap);
    bool ok = sim__pcap_out_close(r->pcap);
    r->pcap = NULL;
    return ok;
}

/* --- report.json -------------------------------------------------------------- */

static json_t *count(uint64_t value)
{
    return json_integer((json_int_t)(value > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : value));
}

static json_t *real6(double value)
{
    if (isnan(value) || isinf(value))
        return json_null();
    return json_real(round(value * 1e6) / 1e6);
}

static void set(json_t *o, const char *key, json_t *value)
{
    (void)json_object_set_new(o, key, value != NULL ? value : json_null());
}

static const char *stream_name(const sim__streams_row_t *row, char *out, size_t cap)
{
    char src[SIM__STREAMS_ENDPOINT_TEXT_LEN], dst[SIM__STREAMS_ENDPOINT_TEXT_LEN];
    (void)sim__streams_endpoint_format(&row->src, src, sizeof src);
    (void)sim__streams_endpoint_format(&row->dst, dst, sizeof dst);
    snprintf(out, cap, "%s > %s 0x%08X", src, dst, row->ssrc);
    return out;
}

/* The table's per-stream objects, and what the replay adds to each. */
static json_t *streams_json(replay_t *r)
{
    for (size_t i = 0; i < r->stream_count; i++) {
        sim__streams_row_t *row = sim__streams_row(r->table, i);
        if (row == NULL)
            break;
        replay_stream_t *rs = &r->streams[i];
        row->replay.srtp = r->keys == NULL       ? SIM__STREAMS_SRTP_PLAIN
                           : rs->srtp_opened > 0 ? SIM__STREAMS_SRTP_DECRYPTED
                                                 : SIM__STREAMS_SRTP_UNDECRYPTABLE;
        sim__inspect_verdict_t v = sim__inspect_payloads_verdict(&rs->payloads);
        row->replay.looks_encrypted =
            row->replay.srtp != SIM__STREAMS_SRTP_UNDECRYPTABLE && v.looks_encrypted;
        row->replay.forwarded_packets = rs->forwarded;
    }
    json_t *streams = sim__streams_to_json(r->table);
    if (streams == NULL)
        return NULL;
    for (size_t i = 0; i < r->stream_count && i < json_array_size(streams); i++) {
        json_t *o = json_array_get(streams, i);
        const sim__streams_row_t *row = sim__streams_row(r->table, i);
        replay_stream_t *rs = &r->streams[i];
        sim__inspect_verdict_t v = sim__inspect_payloads_verdict(&rs->payloads);
        bool undecryptable = row->replay.srtp == SIM__STREAMS_SRTP_UNDECRYPTABLE;
        if (rs->codec[0] != '\0')
            set(o, "codec", json_string(rs->codec));
        size_t key = r->transports[rs->transport].srtp != NULL
                         ? sim__inspect_stream_key(r->transports[rs->transport].srtp)
                         : SIM__INSPECT_NO_KEY;
        const sim__inspect_key_t *k =
            key != SIM__INSPECT_NO_KEY ? sim__inspect_keys_get(r->keys, key) : NULL;
        set(o, "srtp_key", k != NULL && rs->srtp_opened > 0 ? json_string(k->label) : json_null());
        set(o, "srtp_packets_failed", count(rs->srtp_failed));
        set(o, "looks_encrypted_basis",
            json_string(undecryptable ? "srtp-undecryptable" : v.basis));
        /* Unrounded: the verdict's threshold is 1e-6. */
        set(o, "uniformity_p",
            undecryptable || isnan(v.p_value) ? json_null() : json_real(v.p_value));
        set(o, "uniformity_bytes", count(undecryptable ? 0 : v.bytes));
        set(o, "kind", json_string(rs->kind == REPLAY_KIND_AUDIO ? "audio" : "video"));
        set(o, "replayed", json_boolean(rs->replayed));
        set(o, "not_replayed", json_string(rs->not_replayed != NULL ? rs->not_replayed : ""));
        set(o, "participant",
            rs->replayed ? count(r->participants[rs->participant].id) : json_null());
        set(o, "keyframes",
            json_string(!rs->replayed                  ? ""
                        : rs->vp8 && rs->tags_in_clear ? "vp8-p-bit"
                                                       : "none: from the first packet"));
        set(o, "sent_to_sfu", count(rs->sent));
        char out_ssrc[16];
        snprintf(out_ssrc, sizeof out_ssrc, "0x%08X", REPLAY_OUT_SSRC_BASE + (rs->track << 1));
        set(o, "forwarded_ssrc", rs->replayed ? json_string(out_ssrc) : json_null());
    }
    return streams;
}

static json_t *skipped_json(const replay_t *r)
{
    const sim__capture_counters_t *c = &r->capture_counters;
    uint64_t unparsed =
        c->skipped[SIM__CAPTURE_SKIP_BAD_LINK] + c->skipped[SIM__CAPTURE_SKIP_BAD_IP] +
        c->skipped[SIM__CAPTURE_SKIP_BAD_UDP] + c->skipped[SIM__CAPTURE_SKIP_SNAPPED];
    uint64_t non_udp = c->skipped[SIM__CAPTURE_SKIP_NON_IP] + c->skipped[SIM__CAPTURE_SKIP_NON_UDP];
    json_t *o = json_object();
    set(o, "stun", count(r->counts.stun));
    set(o, "dtls", count(r->counts.dtls));
    set(o, "non_udp", count(non_udp));
    set(o, "unparsed", count(unparsed));
    set(o, "srtp_auth_failed", count(r->counts.srtp_auth_failed));
    set(o, "turn", count(r->counts.turn));
    set(o, "rtcp", count(r->counts.rtcp));
    set(o, "other", count(r->counts.other));
    set(o, "malformed_rtp", count(r->counts.malformed_rtp));
    set(o, "untracked", count(r->counts.untracked));
    set(o, "not_replayed", count(r->counts.not_replayed_packets));
    json_t *reasons = json_object();
    for (int i = 0; i < SIM__CAPTURE_SKIP__COUNT; i++)
        set(reasons, sim__capture_skip_name((sim__capture_skip_t)i), count(c->skipped[i]));
    set(o, "by_reason", reasons);
    return o;
}

static json_t *fragments_json(const replay_t *r)
{
    const sim__capture_counters_t *c = &r->capture_counters;
    json_t *dropped = json_object();
    for (int i = 0; i < SIM__CAPTURE_FRAG_DROP__COUNT; i++)
        set(dropped, sim__capture_frag_drop_name((sim__capture_frag_drop_t)i),
            count(c->fragments_dropped[i]));
    return json_pack("{s:o, s:o, s:o, s:o}", "records", count(c->fragments), "reassembled",
                     count(c->reassembled), "datagrams_dropped", count(c->datagrams_dropped),
                     "fragments_dropped", dropped);
}

static json_t *keys_json(replay_t *r)
{
    json_t *keys = json_array();
    for (size_t k = 0; k < sim__inspect_keys_count(r->keys); k++) {
        const sim__inspect_key_t *key = sim__inspect_keys_get(r->keys, k);
        const hbh_profile_info_t *info = hbh_profile_info(key->profile);
        json_t *opened = json_array();
        for (size_t i = 0; i < r->stream_count; i++) {
            const replay_stream_t *rs = &r->streams[i];
            const replay_transport_t *tr = &r->transports[rs->transport];
            if (rs->srtp_opened == 0 || tr->srtp == NULL || sim__inspect_stream_key(tr->srtp) != k)
                continue;
            char name[160];
            (void)json_array_append_new(
                opened, json_string(stream_name(sim__streams_row(r->table, i), name, sizeof name)));
        }
        json_t *o = json_object();
        set(o, "label", json_string(key->label));
        set(o, "profile", json_string(info != NULL ? info->name : "?"));
        char filter[SIM__STREAMS_ENDPOINT_TEXT_LEN] = "";
        if (key->has_filter)
            (void)sim__streams_endpoint_format(&key->filter, filter, sizeof filter);
        set(o, "source", key->has_filter ? json_string(filter) : json_null());
        set(o, "streams", opened);
        (void)json_array_append_new(keys, o);
    }
    return keys;
}

static json_t *participants_json(const replay_t *r)
{
    json_t *list = json_array();
    for (size_t p = 0; p < r->participant_count; p++) {
        char addr[SIM__STREAMS_ENDPOINT_TEXT_LEN];
        (void)sim__streams_endpoint_format(&r->participants[p].addr, addr, sizeof addr);
        json_t *o = json_pack("{s:o, s:s, s:o}", "id", count(r->participants[p].id), "address",
                              addr, "tracks", count(r->participants[p].tracks));
        if (r->participants[p].link != NULL) {
            const sim_link_counters_t *lc = sim_link_counters(r->participants[p].link);
            double mean =
                lc->delivered > 0 ? (double)lc->delay_sum_us / (double)lc->delivered / 1e3 : 0.0;
            set(o, "link",
                json_pack("{s:o, s:o, s:o, s:o, s:o}", "sent", count(lc->sent), "lost",
                          count(lc->lost_random + lc->lost_queue), "duplicated",
                          count(lc->duplicated), "delivered", count(lc->delivered), "mean_delay_ms",
                          real6(mean)));
        }
        (void)json_array_append_new(list, o);
    }
    return list;
}

json_t *replay_report(replay_t *r, double wall_seconds)
{
    json_t *rep = json_object();
    json_t *streams = streams_json(r);
    if (rep == NULL || streams == NULL) {
        json_decref(rep);
        json_decref(streams);
        return NULL;
    }
    set(rep, "schema", json_string("blindfold.report/1"));
    set(rep, "kind", json_string("replay"));
    set(rep, "capture", json_string(r->options->capture));
    set(rep, "format", json_string(r->format != NULL ? r->format : ""));
    set(rep, "link_type", json_string(r->link_name != NULL ? r->link_name : ""));
    set(rep, "packets_read", count(r->capture_counters.records));
    set(rep, "datagrams", count(r->capture_counters.datagrams));
    set(rep, "capture_error", json_string(r->capture_error));
    set(rep, "time_went_back", count(r->counts.time_went_back));
    set(rep, "idle_skipped_s", real6((double)r->skipped_us / 1e6));
    set(rep, "turn_unwrapped", count(r->capture_counters.via_turn));
    set(rep, "skipped", skipped_json(r));
    set(rep, "fragments", fragments_json(r));
    set(rep, "keys", keys_json(r));
    set(rep, "streams", streams);
    set(rep, "untracked_streams", count(sim__streams_untracked_streams(r->table, NULL)));
    set(rep, "participants", participants_json(r));
    set(rep, "subscribers", count(r->options->subscribers));
    set(rep, "link",
        r->link_file != NULL
            ? json_deep_copy(json_object_get(sim_scenario_resolved_json(r->link_file), "link"))
            : json_null());
    set(rep, "seed", count(r->options->seed));
    set(rep, "duration_s", real6((double)r->now_us / 1e6));
    sfu_stats_t s;
    memset(&s, 0, sizeof s);
    (void)sfu_stats(r->room, &s);
    json_t *sfu = sim__sfu_stats_json(&s);
    if (sfu != NULL) {
        set(sfu, "rtp_to_subscribers", count(r->counts.to_subscribers_rtp));
        set(sfu, "rtcp_to_subscribers", count(r->counts.to_subscribers_rtcp));
        set(sfu, "rtcp_to_publishers", count(r->counts.to_publishers));
    }
    set(rep, "sfu", sfu);
    set(rep, "forwarded_pcap", json_pack("{s:o}", "records", count(r->counts.pcap_records)));
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    set(rep, "wall",
        json_pack("{s:o, s:o, s:s, s:s}", "seconds", real6(wall_seconds), "packets_per_s",
                  real6(wall_seconds > 0 ? (double)r->capture_counters.records / wall_seconds : 0),
                  "version", r->options->version != NULL ? r->options->version : "", "host", host));
    return rep;
}
