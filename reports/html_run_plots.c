/* reports/html_run_plots.c: the plots of the run page, from frames.csv and
 * timeseries.csv (docs/report-format.md):
 *   - latency CDF at each receiver (a curve per sender and kind) and of
 *     each sender (a curve per receiver and kind), each curve reduced to at
 *     most HTML_CDF_POINTS quantiles so large rooms stay small and fast;
 *   - bitrate of each peer, up (sent by the peer) and down (received);
 *   - loss ratio and retransmissions of each peer, up and down;
 *   - the simulcast layer each receiver decoded from each sender over
 *     render time (a line per sender in a receiver's plot);
 *   - one-way delay and queueing delay of the down links (SFU to peer,
 *     where the bottleneck queue is) and of the up links.
 * Each CSV file is read once. */
#include "reports/html_plot.h"
#include "reports/html_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NAME_LEN 96
/* Curves per latency CDF plot: a receiver of 8 senders, video and audio. */
#define HTML_CDF_MAX_LINES 16

/* ---- frames.csv ---- */

typedef struct pair_series {
    char receiver[NAME_LEN], sender[NAME_LEN], kind[16];
    double *latency;
    size_t n_latency, cap_latency;
    /* (render s, layer) where the layer changes, plus the last frame. */
    double *layer_t, *layer;
    size_t n_layer, cap_layer;
    double last_t, last_layer;
    bool has_last;
} pair_series_t;

typedef struct frames_data {
    pair_series_t *pairs;
    size_t n_pairs, cap_pairs;
    bool missing;
    bool oom;
} frames_data_t;

static bool push2(double **a, double **b, size_t *n, size_t *cap, double x, double y)
{
    if (*n == *cap) {
        size_t bigger = *cap != 0 ? *cap * 2 : 256;
        double *na = realloc(*a, bigger * sizeof(double));
        if (na == NULL)
            return false;
        *a = na;
        if (b != NULL) {
            double *nb = realloc(*b, bigger * sizeof(double));
            if (nb == NULL)
                return false;
            *b = nb;
        }
        *cap = bigger;
    }
    (*a)[*n] = x;
    if (b != NULL)
        (*b)[*n] = y;
    (*n)++;
    return true;
}

static pair_series_t *find_pair(frames_data_t *fd, const char *receiver, const char *sender,
                                const char *kind, size_t *hint)
{
    if (*hint < fd->n_pairs) {
        pair_series_t *p = &fd->pairs[*hint];
        if (strcmp(p->receiver, receiver) == 0 && strcmp(p->sender, sender) == 0 &&
            strcmp(p->kind, kind) == 0)
            return p;
    }
    for (size_t i = 0; i < fd->n_pairs; i++) {
        pair_series_t *p = &fd->pairs[i];
        if (strcmp(p->receiver, receiver) == 0 && strcmp(p->sender, sender) == 0 &&
            strcmp(p->kind, kind) == 0) {
            *hint = i;
            return p;
        }
    }
    if (fd->n_pairs == fd->cap_pairs) {
        size_t bigger = fd->cap_pairs != 0 ? fd->cap_pairs * 2 : 16;
        pair_series_t *grown = realloc(fd->pairs, bigger * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        fd->pairs = grown;
        fd->cap_pairs = bigger;
    }
    pair_series_t *p = &fd->pairs[fd->n_pairs];
    memset(p, 0, sizeof(*p));
    snprintf(p->receiver, sizeof(p->receiver), "%s", receiver);
    snprintf(p->sender, sizeof(p->sender), "%s", sender);
    snprintf(p->kind, sizeof(p->kind), "%s", kind);
    *hint = fd->n_pairs++;
    return p;
}

static void add_layer_point(pair_series_t *p, double t, double layer, bool *oom)
{
    if (!p->has_last || layer != p->last_layer) {
        /* Close the previous step at this time so steps stay honest. */
        if (!push2(&p->layer_t, &p->layer, &p->n_layer, &p->cap_layer, t, layer))
            *oom = true;
    }
    p->last_t = t;
    p->last_layer = layer;
    p->has_last = true;
}

static void read_frames(const char *dir, frames_data_t *fd)
{
    html_csv_t *csv = reports__csv_open(dir, "frames.csv");
    if (csv == NULL) {
        fd->missing = true;
        return;
    }
    int c_receiver = reports__csv_col(csv, "receiver"), c_sender = reports__csv_col(csv, "sender");
    int c_kind = reports__csv_col(csv, "kind"), c_layer = reports__csv_col(csv, "layer");
    int c_render = reports__csv_col(csv, "render_us"),
        c_latency = reports__csv_col(csv, "latency_ms");
    int c_decrypted = reports__csv_col(csv, "decrypted");
    size_t hint = 0;
    while (!fd->oom && reports__csv_next(csv)) {
        pair_series_t *p =
            find_pair(fd, reports__csv_field(csv, c_receiver), reports__csv_field(csv, c_sender),
                      reports__csv_field(csv, c_kind), &hint);
        if (p == NULL) {
            fd->oom = true;
            break;
        }
        /* Frames the receiver gave up on (not decrypted: incomplete, no
         * key, failed) have a row too; the report's figures leave them out,
         * and so do the plots. */
        double latency, render_us, layer, decrypted;
        if (!reports__csv_number(csv, c_decrypted, &decrypted) || decrypted != 1)
            continue;
        if (reports__csv_number(csv, c_latency, &latency) &&
            !push2(&p->latency, NULL, &p->n_latency, &p->cap_latency, latency, 0))
            fd->oom = true;
        if (strcmp(p->kind, "video") == 0 && reports__csv_number(csv, c_render, &render_us) &&
            reports__csv_number(csv, c_layer, &layer))
            add_layer_point(p, render_us / 1e6, layer, &fd->oom);
    }
    reports__csv_close(csv);
}

static void free_frames(frames_data_t *fd)
{
    for (size_t i = 0; i < fd->n_pairs; i++) {
        free(fd->pairs[i].latency);
        free(fd->pairs[i].layer_t);
        free(fd->pairs[i].layer);
    }
    free(fd->pairs);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The empirical CDF as at most HTML_CDF_POINTS (latency, fraction) rows:
 * quantiles at evenly spaced ranks, interpolated between closest ranks. */
static void cdf_rows(pair_series_t *p, size_t max_points, html_text_t *rows)
{
    if (p->n_latency == 0)
        return;
    qsort(p->latency, p->n_latency, sizeof(double), compare_double);
    size_t n = p->n_latency;
    size_t m = n < max_points ? n : max_points;
    if (m == 1) {
        reports__text_printf(rows, "%.4f 0\n%.4f 1\n", p->latency[0], p->latency[0]);
        return;
    }
    /* Inside a run of equal latencies only the run's ends matter. */
    double prev_value = NAN, prev_q = 0;
    bool held = false;
    for (size_t i = 0; i < m; i++) {
        double q = (double)i / (double)(m - 1);
        double rank = q * (double)(n - 1);
        size_t lo = (size_t)rank;
        size_t hi = lo + 1 < n ? lo + 1 : lo;
        double frac = rank - (double)lo;
        double value = p->latency[lo] + (p->latency[hi] - p->latency[lo]) * frac;
        if (i > 0 && i + 1 < m && value == prev_value) {
            prev_q = q;
            held = true;
            continue;
        }
        if (held)
            reports__text_printf(rows, "%.4f %.5f\n", prev_value, prev_q);
        held = false;
        reports__text_printf(rows, "%.4f %.5f\n", value, q);
        prev_value = value;
        prev_q = q;
    }
}

static void free_lines(html_line_t *lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        reports__text_free(&lines[i].rows);
    free(lines);
}

/* Latency CDFs: of_receiver picks the pairs with that receiver (curve per
 * sender and kind), otherwise the pairs with that sender. */
static void latency_cdf(html_page_t *page, frames_data_t *fd, const char *peer, bool of_receiver)
{
    html_line_t *lines = calloc(fd->n_pairs + 1, sizeof(*lines));
    if (lines == NULL)
        return;
    size_t curves = 0;
    for (size_t i = 0; i < fd->n_pairs; i++)
        curves += strcmp(of_receiver ? fd->pairs[i].receiver : fd->pairs[i].sender, peer) == 0 &&
                  fd->pairs[i].n_latency > 0;
    /* A plot of many curves gets fewer points per curve. */
    size_t shown = curves < HTML_CDF_MAX_LINES ? curves : HTML_CDF_MAX_LINES;
    size_t max_points = shown > 4 ? HTML_CDF_POINTS * 4 / shown : HTML_CDF_POINTS;
    size_t n = 0;
    for (size_t i = 0; i < fd->n_pairs; i++) {
        pair_series_t *p = &fd->pairs[i];
        if (strcmp(of_receiver ? p->receiver : p->sender, peer) != 0 || p->n_latency == 0)
            continue;
        snprintf(lines[n].title, sizeof(lines[n].title), "%s %s (%s)", of_receiver ? "from" : "at",
                 of_receiver ? p->sender : p->receiver, p->kind);
        lines[n].style = strcmp(p->kind, "audio") == 0 ? "lines lw 1.5 dt 2" : "lines lw 1.5";
        cdf_rows(p, max_points, &lines[n].rows);
        n++;
    }
    char id[256], title[256], caption[512];
    reports__html_id(id, sizeof(id),
                     of_receiver ? "plot-latency-cdf-receiver" : "plot-latency-cdf-sender", peer,
                     NULL);
    snprintf(title, sizeof(title), "Latency CDF %s %s", of_receiver ? "at receiver" : "of sender",
             peer);
    snprintf(caption, sizeof(caption),
             of_receiver ? "Frame latency (render minus capture) of what %s rendered, one curve "
                           "per sender and kind (audio dashed)."
                         : "Frame latency of what %s sent, one curve per receiver and kind "
                           "(audio dashed).",
             peer);
    html_plot_spec_t spec = { .id = id,
                              .caption = caption,
                              .title = title,
                              .xlabel = "latency (ms)",
                              .ylabel = "fraction of frames",
                              .settings = "set yrange [0:1]",
                              .width = HTML_PLOT_WIDTH,
                              .height = HTML_PLOT_HEIGHT,
                              .max_lines = HTML_CDF_MAX_LINES };
    reports__html_line_plot(page, &spec, lines, n);
    free_lines(lines, fd->n_pairs + 1);
}

/* One plot per receiver, one step line per sender: the layer over render
 * time. Lines are offset a little from each other so that senders on the
 * same layer stay apart. */
static void layer_plot(html_page_t *page, frames_data_t *fd, const char *receiver)
{
    size_t senders = 0;
    for (size_t i = 0; i < fd->n_pairs; i++)
        senders += strcmp(fd->pairs[i].receiver, receiver) == 0 &&
                   strcmp(fd->pairs[i].kind, "video") == 0 && fd->pairs[i].n_layer > 0;
    html_line_t *lines = calloc(senders + 1, sizeof(*lines));
    if (lines == NULL)
        return;
    size_t per_plot = senders < HTML_PLOT_MAX_LINES ? senders : HTML_PLOT_MAX_LINES;
    double step = per_plot > 1 ? 0.3 / (double)(per_plot - 1) : 0;
    double top = 0;
    size_t n = 0;
    for (size_t i = 0; i < fd->n_pairs; i++) {
        pair_series_t *p = &fd->pairs[i];
        if (strcmp(p->receiver, receiver) != 0 || strcmp(p->kind, "video") != 0 || p->n_layer == 0)
            continue;
        double offset = per_plot > 1 ? -0.15 + step * (double)(n % HTML_PLOT_MAX_LINES) : 0;
        snprintf(lines[n].title, sizeof(lines[n].title), "from %s", p->sender);
        lines[n].style = "steps lw 2";
        for (size_t k = 0; k < p->n_layer; k++) {
            reports__text_printf(&lines[n].rows, "%.4f %.3f\n", p->layer_t[k],
                                 p->layer[k] + offset);
            if (p->layer[k] > top)
                top = p->layer[k];
        }
        reports__text_printf(&lines[n].rows, "%.4f %.3f\n", p->last_t, p->last_layer + offset);
        n++;
    }
    char id[256], title[256], caption[512], settings[128];
    reports__html_id(id, sizeof(id), "plot-layer", receiver, NULL);
    snprintf(title, sizeof(title), "Simulcast layer at receiver %s", receiver);
    snprintf(caption, sizeof(caption),
             "Simulcast layer %s decoded from each sender (one line per subscription) over "
             "render time; 0 is the lowest layer. Lines are offset by up to 0.15 so that "
             "senders on the same layer stay visible.",
             receiver);
    snprintf(settings, sizeof(settings), "set yrange [-0.4:%g]\nset ytics 1", top + 0.4);
    html_plot_spec_t spec = { .id = id,
                              .caption = caption,
                              .title = title,
                              .xlabel = "render time (s)",
                              .ylabel = "layer",
                              .settings = settings,
                              .width = HTML_PLOT_WIDTH,
                              .height = HTML_PLOT_HEIGHT * 2 / 3 };
    reports__html_line_plot(page, &spec, lines, n);
    free_lines(lines, senders + 1);
}

/* ---- timeseries.csv ---- */

typedef struct ts_row {
    double t, kbps, sent_kbps, loss_ratio, lost, rtx, delay, queue_delay;
} ts_row_t;

typedef struct ts_series {
    char peer[NAME_LEN];
    bool down;
    ts_row_t *rows;
    size_t n, cap;
} ts_series_t;

typedef struct ts_data {
    ts_series_t *series;
    size_t n, cap;
    bool missing, oom, has_queue;
} ts_data_t;

static ts_series_t *find_ts(ts_data_t *td, const char *peer, bool down)
{
    for (size_t i = 0; i < td->n; i++)
        if (td->series[i].down == down && strcmp(td->series[i].peer, peer) == 0)
            return &td->series[i];
    if (td->n == td->cap) {
        size_t bigger = td->cap != 0 ? td->cap * 2 : 16;
        ts_series_t *grown = realloc(td->series, bigger * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        td->series = grown;
        td->cap = bigger;
    }
    ts_series_t *s = &td->series[td->n++];
    memset(s, 0, sizeof(*s));
    snprintf(s->peer, sizeof(s->peer), "%s", peer);
    s->down = down;
    return s;
}

static double cell(html_csv_t *csv, int col)
{
    double value;
    return reports__csv_number(csv, col, &value) ? value : NAN;
}

static void read_timeseries(const char *dir, ts_data_t *td)
{
    html_csv_t *csv = reports__csv_open(dir, "timeseries.csv");
    if (csv == NULL) {
        td->missing = true;
        return;
    }
    int c_t = reports__csv_col(csv, "t_s"), c_peer = reports__csv_col(csv, "peer");
    int c_dir = reports__csv_col(csv, "dir"), c_kbps = reports__csv_col(csv, "kbps");
    int c_sent = reports__csv_col(csv, "sent_kbps"), c_loss = reports__csv_col(csv, "loss_ratio");
    int c_lost = reports__csv_col(csv, "lost"), c_rtx = reports__csv_col(csv, "rtx_packets");
    int c_delay = reports__csv_col(csv, "mean_delay_ms");
    int c_queue = reports__csv_col(csv, "mean_queue_delay_ms");
    td->has_queue = c_queue >= 0;
    while (reports__csv_next(csv)) {
        bool down = strcmp(reports__csv_field(csv, c_dir), "down") == 0;
        ts_series_t *s = find_ts(td, reports__csv_field(csv, c_peer), down);
        if (s == NULL) {
            td->oom = true;
            break;
        }
        if (s->n == s->cap) {
            size_t bigger = s->cap != 0 ? s->cap * 2 : 256;
            ts_row_t *grown = realloc(s->rows, bigger * sizeof(*grown));
            if (grown == NULL) {
                td->oom = true;
                break;
            }
            s->rows = grown;
            s->cap = bigger;
        }
        s->rows[s->n++] = (ts_row_t){ .t = cell(csv, c_t),
                                      .kbps = cell(csv, c_kbps),
                                      .sent_kbps = cell(csv, c_sent),
                                      .loss_ratio = cell(csv, c_loss),
                                      .lost = cell(csv, c_lost),
                                      .rtx = cell(csv, c_rtx),
                                      .delay = cell(csv, c_delay),
                                      .queue_delay = cell(csv, c_queue) };
    }
    reports__csv_close(csv);
}

static void free_timeseries(ts_data_t *td)
{
    for (size_t i = 0; i < td->n; i++)
        free(td->series[i].rows);
    free(td->series);
}

typedef enum ts_field {
    TS_KBPS,
    TS_SENT_KBPS,
    TS_LOSS_PERCENT,
    TS_RTX,
    TS_DELAY,
    TS_QUEUE_DELAY,
} ts_field_t;

static double ts_value(const ts_row_t *row, ts_field_t field)
{
    switch (field) {
    case TS_KBPS:
        return row->kbps;
    case TS_SENT_KBPS:
        return row->sent_kbps;
    case TS_LOSS_PERCENT:
        return row->loss_ratio * 100.0;
    case TS_RTX:
        return row->rtx;
    case TS_DELAY:
        return row->delay;
    case TS_QUEUE_DELAY:
        return row->queue_delay;
    }
    return NAN;
}

/* Rows of one field of one series (the time is the bucket's start);
 * returns how many have a value. */
static size_t ts_rows(const ts_series_t *s, ts_field_t field, html_text_t *rows)
{
    size_t finite = 0;
    if (s == NULL)
        return 0;
    for (size_t i = 0; i < s->n; i++) {
        double value = ts_value(&s->rows[i], field);
        if (isfinite(value)) {
            reports__text_printf(rows, "%.3f %.4f\n", s->rows[i].t, value);
            finite++;
        } else {
            reports__text_printf(rows, "%.3f NaN\n", s->rows[i].t);
        }
    }
    return finite;
}

static ts_series_t *ts_get(ts_data_t *td, const char *peer, bool down)
{
    for (size_t i = 0; i < td->n; i++)
        if (td->series[i].down == down && strcmp(td->series[i].peer, peer) == 0)
            return &td->series[i];
    return NULL;
}

static void bitrate_plot(html_page_t *page, ts_data_t *td, const char *peer)
{
    html_line_t lines[2];
    memset(lines, 0, sizeof(lines));
    snprintf(lines[0].title, sizeof(lines[0].title), "up: sent by %s", peer);
    ts_rows(ts_get(td, peer, false), TS_SENT_KBPS, &lines[0].rows);
    snprintf(lines[1].title, sizeof(lines[1].title), "down: received by %s", peer);
    ts_rows(ts_get(td, peer, true), TS_KBPS, &lines[1].rows);
    char id[256], title[256], caption[512];
    reports__html_id(id, sizeof(id), "plot-bitrate", peer, NULL);
    snprintf(title, sizeof(title), "Bitrate of %s", peer);
    snprintf(caption, sizeof(caption),
             "Bitrate of %s per 100 ms: up is what it handed to its uplink, down what its "
             "downlink delivered to it.",
             peer);
    html_plot_spec_t spec = { .id = id,
                              .caption = caption,
                              .title = title,
                              .xlabel = "time (s)",
                              .ylabel = "bitrate (kbit/s)",
                              .settings = "set yrange [0:*]",
                              .width = HTML_PLOT_WIDTH,
                              .height = HTML_PLOT_HEIGHT };
    reports__html_line_plot(page, &spec, lines, 2);
    for (size_t i = 0; i < 2; i++)
        reports__text_free(&lines[i].rows);
}

static void loss_plot(html_page_t *page, ts_data_t *td, const char *peer)
{
    html_line_t lines[4];
    memset(lines, 0, sizeof(lines));
    snprintf(lines[0].title, sizeof(lines[0].title), "loss up (%%)");
    ts_rows(ts_get(td, peer, false), TS_LOSS_PERCENT, &lines[0].rows);
    snprintf(lines[1].title, sizeof(lines[1].title), "loss down (%%)");
    lines[1].style = "lines lw 1.5 dt 3";
    ts_rows(ts_get(td, peer, true), TS_LOSS_PERCENT, &lines[1].rows);
    snprintf(lines[2].title, sizeof(lines[2].title), "RTX sent by %s", peer);
    snprintf(lines[3].title, sizeof(lines[3].title), "RTX sent to %s", peer);
    lines[2].y2 = lines[3].y2 = true;
    lines[2].style = "steps lw 1.2 dt 2";
    lines[3].style = "steps lw 1.2 dt 4";
    size_t rtx = ts_rows(ts_get(td, peer, false), TS_RTX, &lines[2].rows) +
                 ts_rows(ts_get(td, peer, true), TS_RTX, &lines[3].rows);
    char id[256], title[256], caption[512];
    reports__html_id(id, sizeof(id), "plot-loss", peer, NULL);
    snprintf(title, sizeof(title), "Loss and retransmissions of %s", peer);
    snprintf(caption, sizeof(caption),
             "Share of the packets handed to the link that it dropped, per 100 ms, up and "
             "down%s.",
             rtx > 0 ? "; right axis: retransmitted (RTX) packets handed to the link"
                     : " (timeseries.csv has no RTX counts, so no retransmission lines)");
    html_plot_spec_t spec = { .id = id,
                              .caption = caption,
                              .title = title,
                              .xlabel = "time (s)",
                              .ylabel = "loss (%)",
                              .y2label = rtx > 0 ? "RTX packets per 100 ms" : NULL,
                              .settings = rtx > 0 ? "set yrange [0:*]\nset y2range [0:*]"
                                                  : "set yrange [0:*]",
                              .width = HTML_PLOT_WIDTH,
                              .height = HTML_PLOT_HEIGHT };
    reports__html_line_plot(page, &spec, lines, rtx > 0 ? 4 : 2);
    for (size_t i = 0; i < 4; i++)
        reports__text_free(&lines[i].rows);
}

/* Delay (or queueing delay) of every peer's link in one direction. */
static void delay_plot(html_page_t *page, ts_data_t *td, bool down, ts_field_t field)
{
    html_line_t *lines = calloc(td->n + 1, sizeof(*lines));
    if (lines == NULL)
        return;
    size_t n = 0;
    for (size_t i = 0; i < td->n; i++) {
        if (td->series[i].down != down)
            continue;
        snprintf(lines[n].title, sizeof(lines[n].title), "%s", td->series[i].peer);
        ts_rows(&td->series[i], field, &lines[n].rows);
        n++;
    }
    bool queue = field == TS_QUEUE_DELAY;
    char id[256], title[256], caption[512];
    snprintf(id, sizeof(id), "plot-sfu-%s-%s", queue ? "queue" : "delay", down ? "down" : "up");
    snprintf(title, sizeof(title), "%s on the %s", queue ? "Queueing delay" : "One-way delay",
             down ? "down links (SFU to peer)" : "up links (peer to SFU)");
    snprintf(caption, sizeof(caption),
             "%s of the packets delivered per 100 ms on each %s, one "
             "line per peer.%s",
             queue ? "Mean queueing delay" : "Mean one-way delay (propagation, jitter, queueing)",
             down ? "down link, the SFU's egress path that holds the bottleneck queue" : "up link",
             queue && !td->has_queue ? " This timeseries.csv has no mean_queue_delay_ms." : "");
    html_plot_spec_t spec = { .id = id,
                              .caption = caption,
                              .title = title,
                              .xlabel = "time (s)",
                              .ylabel = queue ? "queueing delay (ms)" : "delay (ms)",
                              .settings = "set yrange [0:*]",
                              .width = HTML_PLOT_WIDTH,
                              .height = HTML_PLOT_HEIGHT };
    reports__html_line_plot(page, &spec, lines, n);
    free_lines(lines, td->n + 1);
}

/* ---- the section ---- */

static bool sends(const json_t *peer)
{
    const json_t *sent = json_object_get(peer, "sent");
    return json_integer_value(json_object_get(sent, "video_frames")) > 0 ||
           json_integer_value(json_object_get(sent, "audio_frames")) > 0;
}

void reports__html_run_plots(html_page_t *page)
{
    FILE *out = page->out;
    reports__html_heading(out, "plots", "Plots");
    if (!page->gnuplot_ok) {
        fputs("<p class=\"alert\">", out);
        reports__html_text(out, page->gnuplot_why);
        fputs("</p>\n", out);
        return;
    }
    frames_data_t fd = { 0 };
    ts_data_t td = { 0 };
    read_frames(page->dir, &fd);
    read_timeseries(page->dir, &td);
    const json_t *peers = json_object_get(page->report, "peers");
    size_t i;
    const json_t *peer;

    fputs("<h3 id=\"plots-latency\">Latency CDF at each receiver</h3>\n", out);
    if (fd.missing || fd.oom)
        fputs(fd.missing ? "<p class=\"note\">frames.csv is missing.</p>\n"
                         : "<p class=\"note\">Out of memory reading frames.csv.</p>\n",
              out);
    else
        json_array_foreach(peers, i,
                           peer) if (json_array_size(json_object_get(peer, "received")) > 0)
            latency_cdf(page, &fd, json_string_value(json_object_get(peer, "name")), true);
    fputs("<h3>Latency CDF of each sender</h3>\n", out);
    if (!fd.missing && !fd.oom)
        json_array_foreach(peers, i, peer) if (sends(peer))
            latency_cdf(page, &fd, json_string_value(json_object_get(peer, "name")), false);

    fputs("<h3 id=\"plots-bitrate\">Bitrate</h3>\n", out);
    if (td.missing || td.oom)
        fputs(td.missing ? "<p class=\"note\">timeseries.csv is missing.</p>\n"
                         : "<p class=\"note\">Out of memory reading timeseries.csv.</p>\n",
              out);
    else
        json_array_foreach(peers, i, peer)
            bitrate_plot(page, &td, json_string_value(json_object_get(peer, "name")));

    fputs("<h3 id=\"plots-loss\">Loss and retransmissions</h3>\n", out);
    if (!td.missing && !td.oom)
        json_array_foreach(peers, i, peer)
            loss_plot(page, &td, json_string_value(json_object_get(peer, "name")));

    fputs("<h3 id=\"plots-layer\">Simulcast layer</h3>\n", out);
    if (!fd.missing && !fd.oom)
        json_array_foreach(peers, i,
                           peer) if (json_array_size(json_object_get(peer, "received")) > 0)
            layer_plot(page, &fd, json_string_value(json_object_get(peer, "name")));

    fputs("<h3 id=\"plots-sfu\">SFU queue and delay</h3>\n", out);
    if (!td.missing && !td.oom) {
        delay_plot(page, &td, true, TS_DELAY);
        delay_plot(page, &td, true, TS_QUEUE_DELAY);
        delay_plot(page, &td, false, TS_DELAY);
    }
    free_frames(&fd);
    free_timeseries(&td);
}
