/* reports/html_plot.h: private to the HTML pages of reports/. A line plot
 * built from named lines of (x, y) text rows, handed to gnuplot as inline
 * datablocks; plots with many lines are split into several. */
#ifndef BLINDFOLD_REPORTS_HTML_PLOT_H
#define BLINDFOLD_REPORTS_HTML_PLOT_H

#include "reports/html_internal.h"

/* Lines per plot at most; more are split into further plots (id "-2"...). */
#define HTML_PLOT_MAX_LINES 12

typedef struct html_line {
    char title[192];
    const char *style; /* gnuplot "with" clause, e.g. "lines lw 1.5"; NULL: lines */
    bool y2;           /* on the right axis */
    html_text_t rows;  /* "x y\n" rows; "NaN" breaks the line */
} html_line_t;

typedef struct html_plot_spec {
    const char *id;       /* base id of the slot(s) */
    const char *caption;  /* shown above the plot */
    const char *title;    /* plot title (escaped for gnuplot here) */
    const char *xlabel;   /* with unit */
    const char *ylabel;   /* with unit */
    const char *y2label;  /* NULL: no right axis */
    const char *settings; /* more gnuplot settings, or NULL */
    unsigned width, height;
    size_t max_lines; /* 0: HTML_PLOT_MAX_LINES */
} html_plot_spec_t;

/* Draws the lines (those with no rows are skipped) into one slot, or into
 * several when there are more than max_lines. With no line at all, the
 * slot says there is no data. */
void reports__html_line_plot(html_page_t *page, const html_plot_spec_t *spec, html_line_t *lines,
                             size_t n_lines);

#endif
