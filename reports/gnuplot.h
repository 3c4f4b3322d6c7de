/* reports/gnuplot.h: private to reports/. Plots for the HTML pages, drawn
 * by an external gnuplot as SVG text that the page inlines. */
#ifndef BLINDFOLD_REPORTS_GNUPLOT_H
#define BLINDFOLD_REPORTS_GNUPLOT_H

#include <stdbool.h>
#include <stddef.h>

/* Whether gnuplot can be run (BLINDFOLD_GNUPLOT, else "gnuplot" in PATH). When not, `why` (cap
 * why_len) holds one sentence for the page. */
bool reports__gnuplot_available(char *why, size_t why_len);

/* Runs gnuplot on `script`, which sets neither terminal nor output (this function prepends `set
 * terminal svg size W,H dynamic enhanced font "sans,11" background "white"` and output to stdout);
 * data should be inline datablocks ($d << EOD ... EOD). Returns malloc'd SVG text ready to inline
 * in HTML (XML declaration, DOCTYPE and comments before <svg removed), or NULL with one line in
 * `why` (gnuplot missing, its exit status, or the first line of its stderr). Never blocks forever:
 * reads stdout and stderr without deadlock (e.g. stderr to a temp file, or poll). */
char *reports__gnuplot_svg(const char *script, unsigned width, unsigned height, char *why,
                           size_t why_len);

#endif
