/* reports/html_replay_plots.c: the timelines of the replay page, from
 * stream_timeseries.csv (one row per 100 ms of capture time per stream
 * that had packets in it; `stream` indexes report.json's streams): packets
 * and bitrate per stream, jitter per stream, and forwarded against received
 * packets. A bucket without a row had no packets: the count lines drop to
 * zero there and the jitter line breaks. */
#include "reports/html_plot.h"
#include "reports/html_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BUCKET_S 0.1

typedef enum replay_field {
    RF_PACKETS,
    RF_KBPS,
    RF_JITTER,
    RF_FORWARDED,
    RF_COUNT,
} replay_field_t;

typedef struct replay_stream {
    html_text_t rows[RF_COUNT];
    double last_t;
    bool any;
} replay_stream_t;

static void add_row(replay_stream_t *s, double t, const double values[RF_COUNT])
{
    bool gap = s->any && t - s->last_t > BUCKET_S * 1.5;
    for (int f = 0; f < RF_COUNT; f++) {
        html_text_t *rows = &s->rows[f];
        if (gap && f == RF_JITTER)
            reports__text_printf(rows, "%.3f NaN\n", s->last_t + BUCKET_S);
        else if (gap)
            reports__text_printf(rows, "%.3f 0\n%.3f 0\n", s->last_t + BUCKET_S, t - BUCKET_S);
        if (isfinite(values[f]))
            reports__text_printf(rows, "%.3f %.4f\n", t, values[f]);
        else
            reports__text_printf(rows, "%.3f NaN\n", t);
    }
    s->last_t = t;
    s->any = true;
}

static void stream_label(const json_t *report, size_t index, char *label, size_t label_len)
{
    const json_t *stream = json_array_get(json_object_get(report, "streams"), index);
    const char *ssrc = json_string_value(json_object_get(stream, "ssrc"));
    const char *codec = json_string_value(json_object_get(stream, "codec"));
    snprintf(label, label_len, "#%zu %s %s", index, ssrc != NULL ? ssrc : "?",
             codec != NULL ? codec : "");
}

static void draw(html_page_t *page, replay_stream_t *streams, size_t n, replay_field_t field)
{
    static const struct {
        const char *id, *title, *ylabel, *caption;
    } looks[RF_COUNT] = {
        [RF_PACKETS] = { "plot-replay-packets", "Packets per stream", "packets per 100 ms",
                         "RTP packets of each stream per 100 ms of capture time." },
        [RF_KBPS] = { "plot-replay-kbps", "Bitrate per stream", "bitrate (kbit/s)",
                      "Bitrate of each stream per 100 ms of capture time." },
        [RF_JITTER] = { "plot-replay-jitter", "Jitter per stream", "jitter (ms)",
                        "Interarrival jitter (RFC 3550) of each stream, at the end of each "
                        "100 ms of capture time." },
        [RF_FORWARDED] = { "plot-replay-forwarded", "Forwarded against received",
                           "packets per 100 ms",
                           "Packets of each stream received (solid) and forwarded by the SFU to "
                           "each subscriber (dashed: the copies to all subscribers divided by "
                           "their number), per 100 ms." },
    };
    bool pairs = field == RF_FORWARDED;
    size_t n_lines = pairs ? 2 * n : n;
    html_line_t *lines = calloc(n_lines + 1, sizeof(*lines));
    if (lines == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        char label[160];
        stream_label(page->report, i, label, sizeof(label));
        html_line_t *line = &lines[pairs ? 2 * i : i];
        snprintf(line->title, sizeof(line->title), "%s%s", label, pairs ? " received" : "");
        reports__text_printf(&line->rows, "%s",
                             streams[i].rows[pairs ? RF_PACKETS : field].bytes != NULL
                                 ? streams[i].rows[pairs ? RF_PACKETS : field].bytes
                                 : "");
        if (pairs) {
            html_line_t *fwd = &lines[2 * i + 1];
            snprintf(fwd->title, sizeof(fwd->title), "%s forwarded", label);
            fwd->style = "lines lw 1.5 dt 2";
            reports__text_printf(&fwd->rows, "%s",
                                 streams[i].rows[RF_FORWARDED].bytes != NULL
                                     ? streams[i].rows[RF_FORWARDED].bytes
                                     : "");
        }
    }
    html_plot_spec_t spec = { .id = looks[field].id,
                              .caption = looks[field].caption,
                              .title = looks[field].title,
                              .xlabel = "capture time (s)",
                              .ylabel = looks[field].ylabel,
                              .settings = "set yrange [0:*]",
                              .width = HTML_PLOT_WIDTH,
                              .height = HTML_PLOT_HEIGHT };
    reports__html_line_plot(page, &spec, lines, n_lines);
    for (size_t i = 0; i < n_lines + 1; i++)
        reports__text_free(&lines[i].rows);
    free(lines);
}

void reports__html_replay_plots(html_page_t *page)
{
    FILE *out = page->out;
    reports__html_heading(out, "timelines", "Stream timelines");
    if (!page->gnuplot_ok) {
        fputs("<p class=\"alert\">", out);
        reports__html_text(out, page->gnuplot_why);
        fputs("</p>\n", out);
        return;
    }
    size_t n = json_array_size(json_object_get(page->report, "streams"));
    html_csv_t *csv = reports__csv_open(page->dir, "stream_timeseries.csv");
    if (csv == NULL || n == 0) {
        fputs(csv == NULL ? "<p class=\"note\">stream_timeseries.csv is missing.</p>\n"
                          : "<p class=\"note\">The report lists no streams.</p>\n",
              out);
        reports__csv_close(csv);
        return;
    }
    replay_stream_t *streams = calloc(n, sizeof(*streams));
    if (streams == NULL) {
        reports__csv_close(csv);
        return;
    }
    int c_t = reports__csv_col(csv, "t_s"), c_stream = reports__csv_col(csv, "stream");
    int cols[RF_COUNT] = { [RF_PACKETS] = reports__csv_col(csv, "packets"),
                           [RF_KBPS] = reports__csv_col(csv, "kbps"),
                           [RF_JITTER] = reports__csv_col(csv, "jitter_ms"),
                           [RF_FORWARDED] = reports__csv_col(csv, "forwarded_packets") };
    /* forwarded_packets counts the copies to every subscriber. */
    const json_t *subs = json_object_get(page->report, "subscribers");
    double n_subs = json_is_integer(subs) && json_integer_value(subs) > 0
                        ? (double)json_integer_value(subs)
                        : 1.0;
    while (reports__csv_next(csv)) {
        double t, index;
        if (!reports__csv_number(csv, c_t, &t) || !reports__csv_number(csv, c_stream, &index) ||
            index < 0 || index >= (double)n)
            continue;
        double values[RF_COUNT];
        for (int f = 0; f < RF_COUNT; f++)
            if (!reports__csv_number(csv, cols[f], &values[f]))
                values[f] = NAN;
        values[RF_FORWARDED] /= n_subs;
        add_row(&streams[(size_t)index], t, values);
    }
    reports__csv_close(csv);
    for (int f = 0; f < RF_COUNT; f++)
        draw(page, streams, n, (replay_field_t)f);
    for (size_t i = 0; i < n; i++)
        for (int f = 0; f < RF_COUNT; f++)
            reports__text_free(&streams[i].rows[f]);
    free(streams);
}
