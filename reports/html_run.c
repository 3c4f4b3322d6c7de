/* reports/html_run.c: the tables of the run page (report.json of kind
 * "run", docs/report-format.md): header, budgets and invariants, one row
 * per receiver pair and per sender, confidentiality and key figures, the
 * SFU's counters and the links. The plots are html_run_plots.c. Every
 * figure is read by name and shown as it is; a missing one shows as a dash,
 * so a report from an older or newer build still renders. */
#include "reports/html_internal.h"
#include "reports/html_util.h"

#include <string.h>

static const json_t *get(const json_t *object, const char *key)
{
    return json_object_get(object, key);
}

static const char *get_text(const json_t *object, const char *key)
{
    const char *text = json_string_value(json_object_get(object, key));
    return text != NULL ? text : "";
}

static void text_cell(FILE *out, const char *text)
{
    fputs("<td>", out);
    reports__html_text(out, text);
    fputs("</td>", out);
}

static void header(html_page_t *page)
{
    FILE *out = page->out;
    const json_t *r = page->report;
    const json_t *wall = get(r, "wall");
    fputs("<h1>Run: ", out);
    reports__html_text(out, get_text(r, "scenario"));
    fputs(" ", out);
    reports__html_badge(out, json_is_true(get(r, "pass")));
    fputs("</h1>\n", out);
    const char *description = get_text(get(r, "scenario_resolved"), "description");
    if (description[0] != '\0') {
        fputs("<p>", out);
        reports__html_text(out, description);
        fputs("</p>\n", out);
    }
    fputs("<p class=\"meta\">seed ", out);
    reports__html_number(out, get(r, "seed"));
    fputs(" &#183; duration ", out);
    reports__html_number(out, get(get(r, "scenario_resolved"), "duration_s"));
    fputs(" s of virtual time &#183; blindfold ", out);
    reports__html_text(out, get_text(wall, "version"));
    fputs(" on ", out);
    reports__html_text(out, get_text(wall, "host"));
    fputs(" &#183; ", out);
    reports__html_number(out, get(wall, "seconds"));
    fputs(" s wall clock (", out);
    reports__html_number(out, get(wall, "speed_ratio"));
    fputs("&#215; real time)</p>\n", out);
    fputs("<div class=\"nav\"><a href=\"#summary\">Summary</a> &#183; <a "
          "href=\"#receivers\">Receivers</a> &#183; <a href=\"#senders\">Senders</a> &#183; "
          "<a href=\"#confidentiality\">Confidentiality</a> &#183; <a href=\"#sfu\">SFU and "
          "links</a> &#183; <a href=\"#plots\">Plots</a></div>\n",
          out);
}

static void budgets(html_page_t *page)
{
    FILE *out = page->out;
    reports__html_heading(out, "summary", "Summary");
    fputs("<h3>Budgets</h3>\n<table>\n<thead><tr><th>budget</th><th class=\"num\">limit</th>"
          "<th class=\"num\">value</th><th>worst pair</th><th class=\"num\">pairs missing</th>"
          "<th>result</th></tr></thead>\n<tbody>\n",
          out);
    size_t i;
    const json_t *budget;
    json_array_foreach(get(page->report, "budgets"), i, budget)
    {
        fputs(json_is_true(get(budget, "pass")) ? "<tr>" : "<tr class=\"failed\">", out);
        text_cell(out, get_text(budget, "name"));
        reports__html_json_cell(out, get(budget, "limit"));
        reports__html_json_cell(out, get(budget, "value"));
        text_cell(out, get_text(budget, "worst"));
        reports__html_json_cell(out, get(budget, "pairs_missing"));
        fputs("<td>", out);
        reports__html_badge(out, json_is_true(get(budget, "pass")));
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody>\n</table>\n<h3>Invariants</h3>\n<table>\n<thead><tr><th>invariant</th>"
          "<th>result</th><th>detail</th></tr></thead>\n<tbody>\n",
          out);
    const json_t *invariant;
    json_array_foreach(get(page->report, "invariants"), i, invariant)
    {
        fputs(json_is_true(get(invariant, "pass")) ? "<tr>" : "<tr class=\"failed\">", out);
        text_cell(out, get_text(invariant, "name"));
        fputs("<td>", out);
        reports__html_badge(out, json_is_true(get(invariant, "pass")));
        fputs("</td>", out);
        text_cell(out, get_text(invariant, "detail"));
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

/* A ratio cell, red when below 1 (something was not delivered). */
static void ratio_cell(FILE *out, const json_t *value)
{
    bool short_of_one = json_is_number(value) && json_number_value(value) < 1.0;
    fputs(short_of_one ? "<td class=\"num bad\">" : "<td class=\"num\">", out);
    reports__html_number(out, value);
    fputs("</td>", out);
}

static void receivers(html_page_t *page)
{
    FILE *out = page->out;
    reports__html_heading(out, "receivers", "Receivers");
    fputs("<p class=\"note\">One row per receiver, sender and kind. Latency is render time "
          "minus capture time in virtual time, over rendered frames.</p>\n",
          out);
    fputs("<table>\n<thead><tr><th>receiver</th><th>from</th><th>kind</th>"
          "<th class=\"num\">frames expected</th><th class=\"num\">rendered</th>"
          "<th class=\"num\">delivered ratio</th><th class=\"num\">decrypt success</th>"
          "<th class=\"num\">p50 ms</th><th class=\"num\">p95 ms</th>"
          "<th class=\"num\">p99 ms</th><th class=\"num\">max ms</th><th class=\"num\">fps</th>"
          "<th class=\"num\">freezes</th><th class=\"num\">freeze ms</th>"
          "<th class=\"num\">first frame ms</th><th class=\"num\">PSNR dB</th>"
          "<th class=\"num\">kbps</th><th class=\"num\">NACKs</th><th class=\"num\">PLIs</th>"
          "</tr></thead>\n<tbody>\n",
          out);
    size_t i, j;
    const json_t *peer, *pair;
    json_array_foreach(get(page->report, "peers"), i, peer)
    {
        json_array_foreach(get(peer, "received"), j, pair)
        {
            const json_t *latency = get(pair, "latency_ms");
            fputs("<tr>", out);
            text_cell(out, get_text(peer, "name"));
            text_cell(out, get_text(pair, "from"));
            fputs("<td>", out);
            reports__html_text(out, get_text(pair, "kind"));
            if (json_is_true(get(pair, "eavesdropper")))
                fputs(" <span class=\"badge warn\">eavesdropper</span>", out);
            fputs("</td>", out);
            reports__html_json_cell(out, get(pair, "frames_expected"));
            reports__html_json_cell(out, get(pair, "frames_rendered"));
            ratio_cell(out, get(pair, "delivered_ratio"));
            ratio_cell(out, get(pair, "decrypt_success"));
            reports__html_json_cell(out, get(latency, "p50"));
            reports__html_json_cell(out, get(latency, "p95"));
            reports__html_json_cell(out, get(latency, "p99"));
            reports__html_json_cell(out, get(latency, "max"));
            reports__html_json_cell(out, get(pair, "fps"));
            reports__html_json_cell(out, get(pair, "freeze_count"));
            reports__html_json_cell(out, get(pair, "freeze_ms"));
            reports__html_json_cell(out, get(pair, "time_to_first_frame_ms"));
            reports__html_json_cell(out, get(pair, "psnr_db_mean"));
            reports__html_json_cell(out, get(pair, "kbps"));
            reports__html_json_cell(out, get(pair, "nacks_sent"));
            reports__html_json_cell(out, get(pair, "plis_sent"));
            fputs("</tr>\n", out);
        }
    }
    fputs("</tbody>\n</table>\n", out);
}

static void senders(html_page_t *page)
{
    FILE *out = page->out;
    reports__html_heading(out, "senders", "Senders");
    fputs("<table>\n<thead><tr><th>peer</th><th>role</th><th class=\"num\">video frames</th>"
          "<th class=\"num\">audio frames</th><th class=\"num\">packets</th>"
          "<th class=\"num\">kbps</th><th class=\"num\">keyframes</th>"
          "<th class=\"num\">RTX packets</th><th class=\"num\">NACKs received</th>"
          "<th class=\"num\">PLIs received</th></tr></thead>\n<tbody>\n",
          out);
    size_t i;
    const json_t *peer;
    json_array_foreach(get(page->report, "peers"), i, peer)
    {
        const json_t *sent = get(peer, "sent");
        fputs("<tr>", out);
        text_cell(out, get_text(peer, "name"));
        text_cell(out, get_text(peer, "role"));
        static const char *const keys[] = { "video_frames",   "audio_frames", "packets",
                                            "kbps",           "keyframes",    "rtx_packets",
                                            "nacks_received", "plis_received" };
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            reports__html_json_cell(out, get(sent, keys[k]));
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

static void confidentiality(html_page_t *page)
{
    FILE *out = page->out;
    const json_t *conf = get(page->report, "confidentiality");
    reports__html_heading(out, "confidentiality", "Confidentiality");
    const char *verdict = get_text(conf, "verdict");
    fputs("<p>Verdict of the oracle on what the SFU saw: ", out);
    fputs(strcmp(verdict, "ciphertext-only") == 0 ? "<span class=\"badge pass\">"
                                                  : "<span class=\"badge fail\">",
          out);
    reports__html_text(out, verdict[0] != '\0' ? verdict : "missing");
    fputs("</span></p>\n", out);
    reports__html_object_table(out, conf);
    fputs("<h3>Keys</h3>\n", out);
    reports__html_object_table(out, get(page->report, "keys"));
}

/* The links table: the union of the keys of links[], in first-seen order. */
static void links(html_page_t *page)
{
    FILE *out = page->out;
    const json_t *list = get(page->report, "links");
    fputs("<h3>Links</h3>\n", out);
    if (json_array_size(list) == 0) {
        fputs("<p class=\"note\">No links in the report.</p>\n", out);
        return;
    }
    json_t *columns = json_array();
    size_t i;
    const json_t *link;
    json_array_foreach(list, i, link)
    {
        const char *key;
        const json_t *value;
        json_object_foreach((json_t *)link, key, value)
        {
            bool known = false;
            size_t c;
            const json_t *column;
            json_array_foreach(columns, c, column) known |=
                strcmp(json_string_value(column), key) == 0;
            if (!known)
                json_array_append_new(columns, json_string(key));
        }
    }
    fputs("<table>\n<thead><tr>", out);
    size_t c;
    const json_t *column;
    json_array_foreach(columns, c, column)
    {
        const json_t *first = get(json_array_get(list, 0), json_string_value(column));
        fputs(json_is_number(first) ? "<th class=\"num\">" : "<th>", out);
        reports__html_text(out, json_string_value(column));
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    json_array_foreach(list, i, link)
    {
        fputs("<tr>", out);
        json_array_foreach(columns, c, column)
            reports__html_json_cell(out, get(link, json_string_value(column)));
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
    json_decref(columns);
}

void reports__html_run_body(html_page_t *page)
{
    header(page);
    budgets(page);
    receivers(page);
    senders(page);
    confidentiality(page);
    reports__html_heading(page->out, "sfu", "SFU and links");
    fputs("<h3>SFU counters</h3>\n", page->out);
    reports__html_object_table(page->out, get(page->report, "sfu"));
    links(page);
    reports__html_run_plots(page);
}
