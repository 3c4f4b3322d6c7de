/* reports/summary.c: the human summary of a run report (stdout of
 * `blindfold run`), read back from the report object so that it shows
 * exactly what report.json says. */
#include "reports/reports.h"

#include <math.h>
#include <string.h>

static double num(const json_t *object, const char *key)
{
    const json_t *v = json_object_get(object, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *str(const json_t *object, const char *key)
{
    const json_t *v = json_object_get(object, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* A figure in a fixed-width cell; "-" when absent. */
static void cell(FILE *out, int width, double value, int decimals)
{
    if (isnan(value))
        fprintf(out, " %*s", width, "-");
    else
        fprintf(out, " %*.*f", width, decimals, value);
}

static void print_pairs(FILE *out, const json_t *peers)
{
    fprintf(out, "%-16s %-16s %-5s %13s %9s %9s %6s %7s %8s %7s %5s %5s\n", "receiver", "sender",
            "kind", "rendered", "p50 ms", "p95 ms", "fps", "freezes", "decrypt", "psnr", "nack",
            "pli");
    size_t i;
    const json_t *peer;
    json_array_foreach(peers, i, peer)
    {
        const json_t *received = json_object_get(peer, "received");
        size_t j;
        const json_t *r;
        json_array_foreach(received, j, r)
        {
            double expected = num(r, "frames_expected");
            double rendered = num(r, "frames_rendered");
            double failed = num(r, "frames_decrypt_failed");
            const json_t *lat = json_object_get(r, "latency_ms");
            char frames[32];
            snprintf(frames, sizeof(frames), "%.0f/%.0f", rendered, expected);
            fprintf(out, "%-16s %-16s %-5s %13s", str(peer, "name"), str(r, "from"), str(r, "kind"),
                    frames);
            cell(out, 9, num(lat, "p50"), 1);
            cell(out, 9, num(lat, "p95"), 1);
            cell(out, 6, num(r, "fps"), 1);
            cell(out, 7, num(r, "freeze_count"), 0);
            double decrypted = num(r, "frames_decrypted");
            double success = decrypted + failed > 0 ? decrypted / (decrypted + failed) : NAN;
            cell(out, 8, success, 3);
            cell(out, 7, num(r, "psnr_db_mean"), 1);
            cell(out, 5, num(r, "nacks_sent"), 0);
            cell(out, 5, num(r, "plis_sent"), 0);
            fputc('\n', out);
        }
    }
}

static void print_budgets(FILE *out, const json_t *budgets, const json_t *invariants)
{
    if (json_array_size(budgets) == 0) {
        fprintf(out, "budgets: none declared\n");
    } else {
        fprintf(out, "%-28s %12s %12s  %s\n", "budget", "limit", "value", "result");
        size_t i;
        const json_t *b;
        json_array_foreach(budgets, i, b)
        {
            fprintf(out, "%-28s", str(b, "name"));
            const json_t *limit = json_object_get(b, "limit");
            if (json_is_string(limit))
                fprintf(out, " %12s", json_string_value(limit));
            else
                cell(out, 12, num(b, "limit"), 3);
            const json_t *value = json_object_get(b, "value");
            if (json_is_string(value))
                fprintf(out, " %12s", json_string_value(value));
            else
                cell(out, 12, num(b, "value"), 3);
            fprintf(out, "  %s", json_is_true(json_object_get(b, "pass")) ? "pass" : "FAIL");
            double missing = num(b, "pairs_missing");
            if (missing > 0)
                fprintf(out, " (%.0f pair%s without a value)", missing, missing == 1 ? "" : "s");
            const json_t *worst = json_object_get(b, "worst");
            if (json_is_string(worst) && !json_is_true(json_object_get(b, "pass")))
                fprintf(out, ", worst: %s", json_string_value(worst));
            fputc('\n', out);
        }
    }
    size_t i;
    const json_t *inv;
    size_t failed = 0;
    json_array_foreach(invariants, i, inv)
    {
        if (json_is_true(json_object_get(inv, "pass")))
            continue;
        fprintf(out, "invariant %s: FAIL: %s\n", str(inv, "name"), str(inv, "detail"));
        failed++;
    }
    if (failed == 0)
        fprintf(out, "invariants: all %zu hold\n", json_array_size(invariants));
}

void reports_print_summary(FILE *out, const json_t *report)
{
    const json_t *wall = json_object_get(report, "wall");
    const json_t *scenario = json_object_get(report, "scenario_resolved");
    fprintf(out, "blindfold run: %s, seed %.0f, %.1f s of call in %.1f s (%.1fx real time)\n\n",
            str(report, "scenario"), num(report, "seed"), num(scenario, "duration_s"),
            num(wall, "seconds"), num(wall, "speed_ratio"));
    print_pairs(out, json_object_get(report, "peers"));
    fputc('\n', out);
    print_budgets(out, json_object_get(report, "budgets"), json_object_get(report, "invariants"));

    const json_t *conf = json_object_get(report, "confidentiality");
    fprintf(out,
            "\nconfidentiality: %s (%.0f packets inspected; at most %.0f clear bytes per packet; "
            "plaintext hits %.0f, keystream hits %.0f, nonce reuse %.0f, min uniformity p %.3g)\n",
            str(conf, "verdict"), num(conf, "packets_inspected"),
            num(conf, "clear_bytes_max_per_packet"), num(conf, "plaintext_window_hits"),
            num(conf, "keystream_relation_hits"), num(conf, "nonce_reuse"),
            num(conf, "uniformity_min_p"));
    const json_t *keys = json_object_get(report, "keys");
    fprintf(out,
            "keys: %.0f epochs; decrypted by departed %.0f, before join %.0f, by eavesdropper "
            "%.0f; %.0f frames waited for their key\n",
            num(keys, "epochs"), num(keys, "frames_decrypted_by_departed"),
            num(keys, "frames_decrypted_before_join"),
            num(keys, "frames_decrypted_by_eavesdropper"), num(keys, "frames_waiting_for_key"));
    fprintf(out, "\nresult: %s\n", json_is_true(json_object_get(report, "pass")) ? "PASS" : "FAIL");
}
