/* reports/html_replay.c: the replay page (report.json of kind "replay",
 * docs/report-format.md), from report.json, streams.csv and
 * stream_timeseries.csv: the capture and what was skipped, the SRTP keys,
 * the streams with their encryption verdicts, the SFU's counters and the
 * streams' timelines (packets, bitrate, jitter, forwarded against
 * received). Keys are read by name; what is missing shows as missing. */
#include "reports/html_plot.h"
#include "reports/html_util.h"

#include <string.h>

static const json_t *get(const json_t *object, const char *key)
{
    return json_object_get(object, key);
}

static void header(html_page_t *page)
{
    FILE *out = page->out;
    const json_t *r = page->report;
    const json_t *wall = get(r, "wall");
    fputs("<h1>Replay: ", out);
    reports__html_number(out, get(r, "capture"));
    fputs("</h1>\n<p class=\"meta\">format ", out);
    reports__html_number(out, get(r, "format"));
    fputs(" &#183; link type ", out);
    reports__html_number(out, get(r, "link_type"));
    fputs(" &#183; ", out);
    reports__html_number(out, get(r, "packets_read"));
    fputs(" packets read &#183; ", out);
    reports__html_number(out, get(r, "subscribers"));
    fputs(" subscribers &#183; blindfold ", out);
    reports__html_number(out, get(wall, "version"));
    fputs(" on ", out);
    reports__html_number(out, get(wall, "host"));
    fputs(" &#183; ", out);
    reports__html_number(out, get(wall, "seconds"));
    fputs(" s wall clock</p>\n", out);
    const char *capture_error = json_string_value(get(r, "capture_error"));
    if (capture_error != NULL && capture_error[0] != '\0') {
        fputs("<p class=\"alert\">The capture could not be read to its end: ", out);
        reports__html_text(out, capture_error);
        fputs("</p>\n", out);
    }
    fputs("<div class=\"nav\"><a href=\"#skipped\">Skipped</a> &#183; <a href=\"#keys\">Keys</a> "
          "&#183; <a href=\"#streams\">Streams</a> &#183; <a href=\"#sfu\">SFU</a> &#183; <a "
          "href=\"#timelines\">Timelines</a></div>\n",
          out);
}

static void keys(html_page_t *page)
{
    FILE *out = page->out;
    reports__html_heading(out, "keys", "SRTP keys");
    const json_t *list = get(page->report, "keys");
    if (!json_is_array(list) || json_array_size(list) == 0) {
        fputs("<p class=\"note\">No keys were given or the report lists none.</p>\n", out);
        return;
    }
    fputs("<table>\n<thead><tr><th>key</th><th>profile</th><th>streams it opened</th></tr>"
          "</thead>\n<tbody>\n",
          out);
    size_t i, j;
    const json_t *key, *stream;
    json_array_foreach(list, i, key)
    {
        fputs("<tr><td>", out);
        reports__html_number(out, get(key, "label"));
        fputs("</td><td>", out);
        reports__html_number(out, get(key, "profile"));
        fputs("</td><td>", out);
        json_array_foreach(get(key, "streams"), j, stream)
        {
            if (j > 0)
                fputs("<br/>", out);
            reports__html_number(out, stream);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

/* A stream table cell, coloured where the value is a verdict. */
static void stream_cell(FILE *out, const char *key, const json_t *value)
{
    if (strcmp(key, "looks_encrypted") == 0 && json_is_boolean(value)) {
        fputs(json_is_true(value) ? "<td><span class=\"badge pass\">yes</span></td>"
                                  : "<td><span class=\"badge fail\">no</span></td>",
              out);
    } else if (strcmp(key, "srtp") == 0 && json_is_string(value)) {
        const char *srtp = json_string_value(value);
        fputs(strcmp(srtp, "undecryptable") == 0 ? "<td><span class=\"badge warn\">"
                                                 : "<td><span class=\"badge neutral\">",
              out);
        reports__html_text(out, srtp);
        fputs("</span></td>", out);
    } else {
        reports__html_json_cell(out, value);
    }
}

static void streams(html_page_t *page)
{
    FILE *out = page->out;
    reports__html_heading(out, "streams", "RTP streams");
    const json_t *list = get(page->report, "streams");
    if (!json_is_array(list) || json_array_size(list) == 0) {
        fputs("<p class=\"note\">The report lists no streams.</p>\n", out);
        return;
    }
    fputs("<p class=\"note\">One stream is one (source, destination, SSRC). <em>looks "
          "encrypted</em> is the payload test's verdict: red means the SFU could read media "
          "from it.</p>\n",
          out);
    /* Columns: the keys of the streams, in first-seen order. */
    json_t *columns = json_array();
    size_t i, c;
    const json_t *stream, *column;
    json_array_foreach(list, i, stream)
    {
        const char *key;
        const json_t *value;
        json_object_foreach((json_t *)stream, key, value)
        {
            bool known = false;
            json_array_foreach(columns, c, column) known |=
                strcmp(json_string_value(column), key) == 0;
            if (!known)
                json_array_append_new(columns, json_string(key));
        }
    }
    fputs("<table>\n<thead><tr><th class=\"num\">#</th>", out);
    json_array_foreach(columns, c, column)
    {
        const json_t *first = get(json_array_get(list, 0), json_string_value(column));
        fputs(json_is_number(first) ? "<th class=\"num\">" : "<th>", out);
        reports__html_text(out, json_string_value(column));
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    json_array_foreach(list, i, stream)
    {
        fprintf(out, "<tr><td class=\"num\">%zu</td>", i);
        json_array_foreach(columns, c, column)
        {
            const char *key = json_string_value(column);
            stream_cell(out, key, get(stream, key));
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
    json_decref(columns);
}

/* streams.csv as it is: every column, one row per stream. */
static void streams_csv(html_page_t *page)
{
    FILE *out = page->out;
    fputs("<h3>Stream statistics (streams.csv)</h3>\n", out);
    html_csv_t *csv = reports__csv_open(page->dir, "streams.csv");
    if (csv == NULL) {
        fputs("<p class=\"note\">streams.csv is missing.</p>\n", out);
        return;
    }
    static const char *const text_columns[] = { "src",           "dst",   "ssrc",
                                                "payload_types", "codec", "srtp" };
    int n_cols = reports__csv_columns(csv);
    fputs("<table>\n<thead><tr>", out);
    for (int c = 0; c < n_cols; c++) {
        fputs("<th>", out);
        reports__html_text(out, reports__csv_name(csv, c));
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    while (reports__csv_next(csv)) {
        fputs("<tr>", out);
        for (int c = 0; c < n_cols; c++) {
            const char *name = reports__csv_name(csv, c);
            bool text = false;
            for (size_t k = 0; k < sizeof(text_columns) / sizeof(text_columns[0]); k++)
                text |= strcmp(name, text_columns[k]) == 0;
            fputs(text ? "<td>" : "<td class=\"num\">", out);
            reports__html_text(out, reports__csv_field(csv, c));
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
    reports__csv_close(csv);
}

void reports__html_replay_body(html_page_t *page)
{
    FILE *out = page->out;
    header(page);
    reports__html_heading(out, "skipped", "Packets skipped");
    reports__html_object_table(out, get(page->report, "skipped"));
    keys(page);
    streams(page);
    streams_csv(page);
    reports__html_heading(out, "sfu", "SFU counters");
    reports__html_object_table(out, get(page->report, "sfu"));
    reports__html_replay_plots(page);
}
