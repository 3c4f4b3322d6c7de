/* reports/html_util.h: private to reports/. The pieces every HTML page of
 * reports/ shares: escaping and the page's frame with its inline style. */
#ifndef BLINDFOLD_REPORTS_HTML_UTIL_H
#define BLINDFOLD_REPORTS_HTML_UTIL_H

#include <stdio.h>

/* Writes text with & < > " ' escaped. */
void reports__html_text(FILE *out, const char *text);

/* The page's opening (doctype, <html lang="en">, <head> with <meta charset="utf-8">, <title>
 * escaped, the shared inline <style>) and closing. */
void reports__html_begin(FILE *out, const char *title);
void reports__html_end(FILE *out);

/* A plot: the SVG text as <img src="data:image/svg+xml,...">, so that the
 * page stays HTML that checkers such as `xmllint --html` accept without a
 * word (libxml2 does not know inline SVG elements) while the SVG text is
 * still in the file: '%', '#', tabs and line breaks percent-encoded for
 * the URL, '&' and '"' escaped for the attribute. */
void reports__html_svg_image(FILE *out, const char *svg, const char *alt);

#endif
