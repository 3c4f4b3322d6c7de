/* reports/html_util.c: escaping and the frame every HTML page of reports/
 * shares (reports/html_util.h). The pages are self-contained: the style is
 * inline and nothing is fetched. The markup is also well-formed XML
 * (void elements close with "/>", no named entities beyond XML's), so
 * both an HTML and an XML parser accept it. */
#include "reports/html_util.h"

void reports__html_text(FILE *out, const char *text)
{
    if (text == NULL)
        return;
    for (const char *p = text; *p != '\0'; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*p, out);
        }
    }
}

/* One style for every page: plain reading layout, numbers right-aligned
 * in tabular figures, green/red badges for pass/fail. */
static const char page_style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;"
    "max-width:1100px;padding:1em 2em 3em;color:#1d2330;background:#fff;line-height:1.4}\n"
    "h1{font-size:1.6em;margin:.4em 0 .2em}h2{font-size:1.25em;margin:1.8em 0 .5em;"
    "border-bottom:2px solid #d8dde6;padding-bottom:.2em}h3{font-size:1.05em;margin:1.2em 0 .4em}\n"
    "p.meta{color:#556;margin:.2em 0}p.note{color:#556;font-style:italic}\n"
    "table{border-collapse:collapse;margin:.4em 0 1em;font-size:.9em;display:block;"
    "overflow-x:auto;max-width:100%}\n"
    "th,td{border:1px solid #d8dde6;padding:.25em .6em;text-align:left;vertical-align:top}\n"
    "th{background:#f1f3f7;font-weight:600}tbody tr:nth-child(even){background:#fafbfc}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    ".badge{display:inline-block;padding:.05em .55em;border-radius:.3em;font-weight:700;"
    "font-size:.85em;color:#fff}\n"
    ".pass{background:#1f8a3b}.fail{background:#c62828}.warn{background:#b26a00}"
    ".neutral{background:#667}\n"
    "h1 .badge{font-size:.7em;vertical-align:middle}\n"
    "tr.failed td{background:#fdecea}\n"
    "td.bad{color:#c62828;font-weight:600}td.good{color:#1f8a3b;font-weight:600}\n"
    ".alert{border:2px solid #c62828;background:#fdecea;padding:.6em 1em;margin:1em 0;"
    "font-weight:600}\n"
    ".plot{margin:1em 0 1.6em}.plot img{width:100%;max-width:900px;height:auto;display:block}\n"
    ".plot .caption{font-size:.9em;color:#445;margin:.2em 0}\n"
    ".plot .missing{border:1px dashed #aab;padding:.8em;color:#556;max-width:720px}\n"
    ".nav{margin:.6em 0;font-size:.95em}\n";

void reports__html_begin(FILE *out, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
          out);
    reports__html_text(out, title);
    fputs("</title>\n<style>\n", out);
    fputs(page_style, out);
    fputs("</style>\n</head>\n<body>\n", out);
}

void reports__html_end(FILE *out)
{
    fputs("</body>\n</html>\n", out);
}

/* The SVG as a data: URL inside a double-quoted attribute: '%', '#' and
 * line breaks percent-encoded for the URL, '&' and '"' escaped for HTML. */
void reports__html_svg_image(FILE *out, const char *svg, const char *alt)
{
    fputs("<img alt=\"", out);
    reports__html_text(out, alt);
    fputs("\" src=\"data:image/svg+xml;charset=utf-8,", out);
    for (const char *p = svg; *p; p++) {
        switch (*p) {
        case '%':
            fputs("%25", out);
            break;
        case '#':
            fputs("%23", out);
            break;
        case '\n':
            fputs("%0A", out);
            break;
        case '\r':
            break;
        case '\t':
            fputs("%09", out);
            break;
        case '&':
            fputs("&amp;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        default:
            fputc(*p, out);
        }
    }
    fputs("\">", out);
}
