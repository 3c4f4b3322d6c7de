/* reports/tests/test_html.c: the HTML page's pieces (reports/html_util.h,
 * reports/gnuplot.h) and the error returns of reports_render_html(). The
 * pages themselves are checked on the real binary (reports/tests/html.cmake).
 * Runs from the source tree (the replay fixture is read from there). */
#include "reports/gnuplot.h"
#include "reports/html_util.h"
#include "reports/reports.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *escaped(const char *text)
{
    char *out_text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&out_text, &len);
    ck_assert_ptr_nonnull(out);
    reports__html_text(out, text);
    ck_assert_int_eq(fclose(out), 0);
    return out_text;
}

START_TEST(html_text_escapes)
{
    char *text = escaped("a<b>&\"c\" 'd' é");
    ck_assert_str_eq(text, "a&lt;b&gt;&amp;&quot;c&quot; &#39;d&#39; é");
    free(text);
}
END_TEST

START_TEST(html_frame)
{
    char *page = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&page, &len);
    reports__html_begin(out, "run <x>");
    reports__html_end(out);
    ck_assert_int_eq(fclose(out), 0);
    ck_assert_msg(strncmp(page, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0, "%s", page);
    ck_assert_ptr_nonnull(strstr(page, "<meta charset=\"utf-8\"/>"));
    ck_assert_ptr_nonnull(strstr(page, "<title>run &lt;x&gt;</title>"));
    ck_assert_ptr_nonnull(strstr(page, "<style>"));
    ck_assert_ptr_nonnull(strstr(page, "</body>\n</html>\n"));
    free(page);
}
END_TEST

START_TEST(gnuplot_forced_off)
{
    char why[256] = "";
    setenv("BLINDFOLD_GNUPLOT", "", 1);
    ck_assert(!reports__gnuplot_available(why, sizeof(why)));
    ck_assert_ptr_nonnull(strstr(why, "BLINDFOLD_GNUPLOT is set and empty"));
    setenv("BLINDFOLD_GNUPLOT", "/no/such/gnuplot", 1);
    ck_assert(!reports__gnuplot_available(why, sizeof(why)));
    ck_assert_ptr_nonnull(strstr(why, "gnuplot was not found"));
    ck_assert_ptr_nonnull(strstr(why, "/no/such/gnuplot"));
    ck_assert_ptr_null(reports__gnuplot_svg("plot x", 320, 200, why, sizeof(why)));
    ck_assert_ptr_nonnull(strstr(why, "gnuplot was not found"));
    unsetenv("BLINDFOLD_GNUPLOT");
}
END_TEST

START_TEST(gnuplot_that_fails)
{
    char why[256] = "";
    setenv("BLINDFOLD_GNUPLOT", "/bin/false", 1);
    ck_assert(reports__gnuplot_available(why, sizeof(why)));
    ck_assert_ptr_null(reports__gnuplot_svg("plot x", 320, 200, why, sizeof(why)));
    ck_assert_str_eq(why, "gnuplot exited with status 1");
    unsetenv("BLINDFOLD_GNUPLOT");
}
END_TEST

START_TEST(gnuplot_svg_for_inlining)
{
    char why[256] = "";
    unsetenv("BLINDFOLD_GNUPLOT");
    if (!reports__gnuplot_available(why, sizeof(why))) {
        fprintf(stderr, "skipped: %s\n", why);
        return;
    }
    /* Given a plot with markers (gnuplot defines them with fixed ids),
     * the SVG starts at <svg, has no title, and its ids are prefixed. */
    char *svg = reports__gnuplot_svg("$d << EOD\n1 2\n2 3\nEOD\nset title \"t\"\n"
                                     "plot $d with linespoints title \"a\"\n",
                                     320, 200, why, sizeof(why));
    ck_assert_msg(svg != NULL, "%s", why);
    ck_assert(strncmp(svg, "<svg", 4) == 0);
    ck_assert_ptr_null(strstr(svg, "<?xml"));
    ck_assert_ptr_null(strstr(svg, "<title>Gnuplot</title>"));
    ck_assert_ptr_null(strstr(svg, " id='gpDot'"));
    ck_assert_ptr_nonnull(strstr(svg, "-gpDot'"));
    ck_assert_ptr_nonnull(strstr(svg, "viewBox=\"0 0 320 200\""));
    free(svg);
    /* A script gnuplot rejects: NULL and one line from its stderr, without
     * the temporary file's name. */
    ck_assert_ptr_null(
        reports__gnuplot_svg("plot $nosuchblock using 1:2\n", 320, 200, why, sizeof(why)));
    ck_assert_msg(strncmp(why, "gnuplot: ", 9) == 0, "%s", why);
    ck_assert_ptr_null(strchr(why, '\n'));
    ck_assert_ptr_null(strstr(why, "blindfold-gnuplot-"));
}
END_TEST

static void make_temp_dir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/blindfold-test-html-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static void remove_in(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    remove(path);
}

START_TEST(render_errors)
{
    char dir[64], err[512];
    make_temp_dir(dir, sizeof(dir));
    /* Given no report.json: 2, naming it. */
    ck_assert_int_eq(reports_render_html(dir, err, sizeof(err)), 2);
    ck_assert_ptr_nonnull(strstr(err, "/report.json: cannot open"));
    /* Not JSON: 2 with line and column. */
    write_file(dir, "report.json", "{ \"kind\": \n oops");
    ck_assert_int_eq(reports_render_html(dir, err, sizeof(err)), 2);
    ck_assert_msg(strstr(err, "report.json: line 2, column") != NULL, "%s", err);
    /* JSON of another kind: 2. */
    write_file(dir, "report.json", "{ \"kind\": \"sweep-of-something\" }");
    ck_assert_int_eq(reports_render_html(dir, err, sizeof(err)), 2);
    ck_assert_ptr_nonnull(strstr(err, "not a blindfold report"));
    /* A page that cannot be written: 3, and no report.html. */
    write_file(dir, "report.json", "{ \"kind\": \"run\", \"scenario\": \"x\" }");
    char blocker[128];
    snprintf(blocker, sizeof(blocker), "%s/report.html.tmp", dir);
    ck_assert_int_eq(mkdir(blocker, 0700), 0);
    ck_assert_int_eq(reports_render_html(dir, err, sizeof(err)), 3);
    ck_assert_ptr_nonnull(strstr(err, "report.html.tmp"));
    char page[128];
    snprintf(page, sizeof(page), "%s/report.html", dir);
    ck_assert_int_ne(access(page, F_OK), 0);
    rmdir(blocker);
    /* A minimal run report with no CSV files renders, saying what is missing. */
    setenv("BLINDFOLD_GNUPLOT", "/bin/true", 1);
    ck_assert_int_eq(reports_render_html(dir, err, sizeof(err)), 0);
    ck_assert_int_eq(access(page, F_OK), 0);
    ck_assert_int_ne(access(blocker, F_OK), 0);
    FILE *f = fopen(page, "r");
    char text[65536];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "frames.csv is missing"));
    ck_assert_ptr_nonnull(strstr(text, "timeseries.csv is missing"));
    unsetenv("BLINDFOLD_GNUPLOT");
    remove_in(dir, "report.html");
    remove_in(dir, "report.json");
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(render_replay_without_gnuplot)
{
    char dir[64], err[512], path[256];
    make_temp_dir(dir, sizeof(dir));
    static const char *const files[] = { "report.json", "streams.csv", "stream_timeseries.csv" };
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "reports/tests/fixtures/replay/%s", files[i]);
        FILE *in = fopen(path, "r");
        ck_assert_msg(in != NULL, "%s (run from the source tree)", path);
        char text[65536];
        size_t n = fread(text, 1, sizeof(text) - 1, in);
        text[n] = '\0';
        fclose(in);
        write_file(dir, files[i], text);
    }
    setenv("BLINDFOLD_GNUPLOT", "", 1);
    ck_assert_int_eq(reports_render_html(dir, err, sizeof(err)), 0);
    unsetenv("BLINDFOLD_GNUPLOT");
    snprintf(path, sizeof(path), "%s/report.html", dir);
    FILE *f = fopen(path, "r");
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    ck_assert_ptr_null(strstr(text, "<svg"));
    ck_assert_ptr_nonnull(strstr(text, "No plots: BLINDFOLD_GNUPLOT is set and empty"));
    ck_assert_ptr_nonnull(strstr(text, "0x0BADF00D"));
    ck_assert_ptr_nonnull(strstr(text, "<span class=\"badge warn\">undecryptable</span>"));
    remove(path);
    for (size_t i = 0; i < 3; i++)
        remove_in(dir, files[i]);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *suite = suite_create("reports_html");
    TCase *pieces = tcase_create("pieces");
    tcase_add_test(pieces, html_text_escapes);
    tcase_add_test(pieces, html_frame);
    tcase_add_test(pieces, gnuplot_forced_off);
    tcase_add_test(pieces, gnuplot_that_fails);
    tcase_add_test(pieces, gnuplot_svg_for_inlining);
    suite_add_tcase(suite, pieces);
    TCase *render = tcase_create("render");
    tcase_add_test(render, render_errors);
    tcase_add_test(render, render_replay_without_gnuplot);
    suite_add_tcase(suite, render);
    return suite;
}
