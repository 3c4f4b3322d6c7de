/* reports/replay_summary.c: the human summary of a replay report. */
#include "reports/reports.h"

#include <string.h>

static long long num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static const char *text(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

void reports_print_replay_summary(FILE *out, const json_t *report)
{
    const json_t *skipped = json_object_get(report, "skipped");
    const json_t *streams = json_object_get(report, "streams");
    const json_t *sfu = json_object_get(report, "sfu");
    fprintf(out, "capture %s (%s, %s): %lld records, %zu RTP streams\n", text(report, "capture"),
            text(report, "format"), text(report, "link_type"), num(report, "packets_read"),
            json_array_size(streams));
    fprintf(out,
            "  not RTP: %lld STUN, %lld DTLS, %lld RTCP, %lld TURN, %lld other UDP, %lld not UDP, "
            "%lld unparsed; %lld failed SRTP\n",
            num(skipped, "stun"), num(skipped, "dtls"), num(skipped, "rtcp"), num(skipped, "turn"),
            num(skipped, "other"), num(skipped, "non_udp"), num(skipped, "unparsed"),
            num(skipped, "srtp_auth_failed"));
    fprintf(out, "\n%-47s %-10s %3s %-5s %7s %5s %8s %-13s %-9s %9s\n", "stream", "ssrc", "pt",
            "codec", "packets", "lost", "jitter", "srtp", "e2ee?", "forwarded");
    size_t i;
    const json_t *s;
    json_array_foreach(streams, i, s)
    {
        char name[128];
        snprintf(name, sizeof name, "%s > %s", text(s, "src"), text(s, "dst"));
        const json_t *jitter = json_object_get(s, "jitter_ms_max");
        const char *e2ee =
            json_is_true(json_object_get(s, "looks_encrypted"))                ? "yes"
            : strcmp(text(s, "looks_encrypted_basis"), "codec-signature") == 0 ? "NO (clear)"
            : strcmp(text(s, "looks_encrypted_basis"), "non-uniform") == 0     ? "NO"
                                                                               : "unknown";
        char forwarded[32];
        if (json_is_true(json_object_get(s, "replayed")))
            snprintf(forwarded, sizeof forwarded, "%lld", num(s, "forwarded_packets"));
        else
            snprintf(forwarded, sizeof forwarded, "-");
        fprintf(out, "%-47s %-10s %3lld %-5s %7lld %5lld %6.1fms %-13s %-9s %9s\n", name,
                text(s, "ssrc"), num(s, "payload_type"), text(s, "codec"), num(s, "packets"),
                num(s, "lost"), json_is_number(jitter) ? json_number_value(jitter) : 0.0,
                text(s, "srtp"), e2ee, forwarded);
        if (!json_is_true(json_object_get(s, "replayed")))
            fprintf(out, "    not replayed: %s\n", text(s, "not_replayed"));
    }
    const json_t *dropped = json_object_get(sfu, "dropped");
    fprintf(out,
            "\nSFU: %lld packets in, %lld RTP to %lld subscriber(s); dropped %lld waiting for a "
            "keyframe, %lld wrong payload type, %lld malformed\n",
            num(sfu, "packets_in"), num(sfu, "rtp_to_subscribers"), num(report, "subscribers"),
            num(dropped, "wait_keyframe"), num(dropped, "wrong_payload_type"),
            num(dropped, "malformed"));
    const char *damage = text(report, "capture_error");
    if (damage[0] != '\0')
        fprintf(out, "capture damaged: %s (everything before it was replayed)\n", damage);
}
