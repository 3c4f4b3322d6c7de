/* reports/gnuplot.c: runs an external gnuplot to draw one plot as SVG text
 * for the HTML pages (reports/gnuplot.h).
 *
 * The script goes to gnuplot in a temporary file and stdin is /dev/null, so
 * gnuplot never waits for input; stderr goes to a second temporary file, so
 * only stdout is a pipe and reading it cannot deadlock. A gnuplot that
 * produces no output for GNUPLOT_TIMEOUT_MS is killed. The SVG is cleaned
 * for inlining: what precedes <svg> (XML declaration, DOCTYPE, comments)
 * and gnuplot's <title>/<desc> go, and every id (and every reference to
 * one) gets a prefix made from a hash of the script, because gnuplot names
 * its markers the same way in every plot and one page holds many plots. */
#include "reports/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define GNUPLOT_TIMEOUT_MS 60000
#define GNUPLOT_PATH_MAX   4096

/* Finds the gnuplot to run: BLINDFOLD_GNUPLOT when set (empty: none),
 * else the first executable "gnuplot" in PATH. */
static bool locate_gnuplot(char *path, size_t path_len, char *why, size_t why_len)
{
    const char *forced = getenv("BLINDFOLD_GNUPLOT");
    if (forced != NULL) {
        if (forced[0] == '\0') {
            snprintf(why, why_len,
                     "No plots: BLINDFOLD_GNUPLOT is set and empty, which means "
                     "no gnuplot.");
            return false;
        }
        struct stat st;
        if (stat(forced, &st) != 0 || !S_ISREG(st.st_mode) || access(forced, X_OK) != 0) {
            snprintf(why, why_len,
                     "No plots: gnuplot was not found (BLINDFOLD_GNUPLOT='%s' is not an "
                     "executable file).",
                     forced);
            return false;
        }
        snprintf(path, path_len, "%s", forced);
        return true;
    }
    const char *search = getenv("PATH");
    if (search == NULL)
        search = "/usr/bin:/bin";
    for (const char *p = search; *p != '\0';) {
        const char *end = strchr(p, ':');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        int n = snprintf(path, path_len, "%.*s/gnuplot", (int)len, len == 0 ? "." : p);
        if (len == 0)
            n = snprintf(path, path_len, "./gnuplot");
        struct stat st;
        if (n > 0 && (size_t)n < path_len && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            access(path, X_OK) == 0)
            return true;
        if (end == NULL)
            break;
        p = end + 1;
    }
    snprintf(why, why_len, "No plots: gnuplot was not found (looked for 'gnuplot' in PATH).");
    return false;
}

bool reports__gnuplot_available(char *why, size_t why_len)
{
    char path[GNUPLOT_PATH_MAX];
    return locate_gnuplot(path, sizeof(path), why, why_len);
}

/* A temporary file with `text` in it (or empty); its name in `name`. */
static int temp_file(char *name, size_t name_len, const char *text)
{
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    snprintf(name, name_len, "%s/blindfold-gnuplot-XXXXXX", tmp);
    int fd = mkstemp(name);
    if (fd < 0)
        return -1;
    size_t len = text != NULL ? strlen(text) : 0;
    for (size_t done = 0; done < len;) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            unlink(name);
            return -1;
        }
        done += (size_t)n;
    }
    return fd;
}

typedef struct grow_buf {
    char *bytes;
    size_t len, cap;
} grow_buf_t;

static bool grow_append(grow_buf_t *b, const char *bytes, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 65536;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *bigger = realloc(b->bytes, cap);
        if (bigger == NULL)
            return false;
        b->bytes = bigger;
        b->cap = cap;
    }
    memcpy(b->bytes + b->len, bytes, len);
    b->len += len;
    b->bytes[b->len] = '\0';
    return true;
}

/* Reads the child's stdout to its end; false on timeout or error. */
static bool read_all(int fd, grow_buf_t *out, char *why, size_t why_len)
{
    char chunk[65536];
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int ready = poll(&pfd, 1, GNUPLOT_TIMEOUT_MS);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0) {
            snprintf(why, why_len, "gnuplot produced nothing for %d s and was stopped",
                     GNUPLOT_TIMEOUT_MS / 1000);
            return false;
        }
        ssize_t n = ready < 0 ? -1 : read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(why, why_len, "reading gnuplot's output failed: %s", strerror(errno));
            return false;
        }
        if (n == 0)
            return true;
        if (!grow_append(out, chunk, (size_t)n)) {
            snprintf(why, why_len, "out of memory reading gnuplot's output");
            return false;
        }
    }
}

/* One line of gnuplot's stderr (the file `fd`) into why: the first that is
 * not a warning, else the first. The temporary script's name goes: it
 * means nothing to the reader. */
static bool first_stderr_line(int fd, char *why, size_t why_len)
{
    char text[4096];
    if (lseek(fd, 0, SEEK_SET) < 0)
        return false;
    ssize_t n = read(fd, text, sizeof(text) - 1);
    if (n <= 0)
        return false;
    text[n] = '\0';
    const char *chosen = NULL;
    for (char *line = strtok(text, "\r\n"); line != NULL; line = strtok(NULL, "\r\n")) {
        while (*line == ' ' || *line == '\t' || *line == '^')
            line++;
        if (*line == '\0')
            continue;
        char *at_line = line[0] == '"' ? strstr(line, "\" line ") : NULL;
        if (at_line != NULL)
            line = at_line + 2;
        bool warning = strstr(line, "warning:") != NULL;
        if (chosen == NULL || (!warning && strstr(chosen, "warning:") != NULL))
            chosen = line;
        if (!warning)
            break;
    }
    if (chosen == NULL)
        return false;
    snprintf(why, why_len, "gnuplot: %s", chosen);
    return true;
}

static uint32_t fnv1a(const char *text)
{
    uint32_t hash = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        hash = (hash ^ *p) * 16777619u;
    return hash;
}

/* Drops <tag ...>...</tag> (first occurrence) from `svg` in place. */
static void drop_element(char *svg, const char *open, const char *close)
{
    char *start = strstr(svg, open);
    char *end = start != NULL ? strstr(start, close) : NULL;
    if (end == NULL)
        return;
    end += strlen(close);
    memmove(start, end, strlen(end) + 1);
}

/* Removes, in place and in one pass, every <g ...> group holding nothing
 * but white space (gnuplot writes many: about half of its output). A
 * group whose children were all removed goes too. */
static void drop_empty_groups(char *svg)
{
    enum { MAX_DEPTH = 64 };
    size_t open_at[MAX_DEPTH], content_at[MAX_DEPTH];
    size_t depth = 0, out = 0;
    for (size_t in = 0; svg[in] != '\0';) {
        if (strncmp(svg + in, "<g", 2) == 0 && (svg[in + 2] == ' ' || svg[in + 2] == '>')) {
            char *end = strchr(svg + in, '>');
            if (end == NULL || end[-1] == '/' || depth == MAX_DEPTH)
                goto copy;
            size_t len = (size_t)(end - (svg + in)) + 1;
            open_at[depth] = out;
            memmove(svg + out, svg + in, len);
            out += len;
            in += len;
            content_at[depth++] = out;
            continue;
        }
        if (strncmp(svg + in, "</g>", 4) == 0 && depth > 0) {
            depth--;
            bool empty = true;
            for (size_t k = content_at[depth]; k < out && empty; k++)
                empty = svg[k] == ' ' || svg[k] == '\t' || svg[k] == '\n' || svg[k] == '\r';
            if (empty) {
                out = open_at[depth];
                in += 4;
                /* and the line break after it */
                if (svg[in] == '\n')
                    in++;
                continue;
            }
        }
    copy:
        svg[out++] = svg[in++];
    }
    svg[out] = '\0';
}

/* The cleaned SVG: from "<svg" on, ids and references prefixed. */
static char *clean_svg(const char *raw, const char *script)
{
    const char *start = strstr(raw, "<svg");
    if (start == NULL)
        return NULL;
    char prefix[16];
    snprintf(prefix, sizeof(prefix), "g%08x-", (unsigned)fnv1a(script));
    static const char *const id_marks[] = { " id='", " id=\"", "href='#", "href=\"#", "url(#" };
    grow_buf_t out = { 0 };
    const char *p = start;
    while (*p != '\0') {
        const char *next = NULL;
        size_t mark_len = 0;
        for (size_t i = 0; i < sizeof(id_marks) / sizeof(id_marks[0]); i++) {
            const char *hit = strstr(p, id_marks[i]);
            if (hit != NULL && (next == NULL || hit < next)) {
                next = hit;
                mark_len = strlen(id_marks[i]);
            }
        }
        if (next == NULL) {
            if (!grow_append(&out, p, strlen(p)))
                goto fail;
            break;
        }
        if (!grow_append(&out, p, (size_t)(next - p) + mark_len) ||
            !grow_append(&out, prefix, strlen(prefix)))
            goto fail;
        p = next + mark_len;
    }
    if (out.bytes == NULL)
        return NULL;
    drop_empty_groups(out.bytes);
    drop_element(out.bytes, "<title>", "</title>");
    drop_element(out.bytes, "<desc>", "</desc>");
    return out.bytes;
fail:
    free(out.bytes);
    return NULL;
}

char *reports__gnuplot_svg(const char *script, unsigned width, unsigned height, char *why,
                           size_t why_len)
{
    char gnuplot[GNUPLOT_PATH_MAX];
    if (!locate_gnuplot(gnuplot, sizeof(gnuplot), why, why_len))
        return NULL;
    size_t script_len = strlen(script) + 256;
    char *full = malloc(script_len);
    if (full == NULL) {
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    snprintf(full, script_len,
             "set terminal svg size %u,%u dynamic enhanced font \"sans,11\" background "
             "\"white\"\nset output\n%s\n",
             width, height, script);
    char script_name[GNUPLOT_PATH_MAX], err_name[GNUPLOT_PATH_MAX];
    int script_fd = temp_file(script_name, sizeof(script_name), full);
    int err_fd = script_fd >= 0 ? temp_file(err_name, sizeof(err_name), NULL) : -1;
    int pipe_fds[2] = { -1, -1 };
    char *svg = NULL;
    grow_buf_t raw = { 0 };
    pid_t child = -1;
    if (script_fd < 0 || err_fd < 0 || pipe(pipe_fds) != 0) {
        snprintf(why, why_len, "cannot make gnuplot's temporary files: %s", strerror(errno));
        goto done;
    }
    child = fork();
    if (child < 0) {
        snprintf(why, why_len, "cannot start gnuplot: %s", strerror(errno));
        goto done;
    }
    if (child == 0) {
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd >= 0)
            dup2(null_fd, STDIN_FILENO);
        dup2(pipe_fds[1], STDOUT_FILENO);
        dup2(err_fd, STDERR_FILENO);
        close(pipe_fds[0]);
        execl(gnuplot, "gnuplot", script_name, (char *)NULL);
        _exit(127);
    }
    close(pipe_fds[1]);
    pipe_fds[1] = -1;
    bool read_ok = read_all(pipe_fds[0], &raw, why, why_len);
    if (!read_ok)
        kill(child, SIGKILL);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (!read_ok)
        goto done;
    bool stderr_said = first_stderr_line(err_fd, why, why_len);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (!stderr_said && WIFEXITED(status))
            snprintf(why, why_len, "gnuplot exited with status %d", WEXITSTATUS(status));
        else if (!stderr_said)
            snprintf(why, why_len, "gnuplot was stopped by signal %d", WTERMSIG(status));
        goto done;
    }
    svg = raw.bytes != NULL ? clean_svg(raw.bytes, script) : NULL;
    if (svg == NULL && !stderr_said)
        snprintf(why, why_len, "gnuplot wrote no SVG");
    else if (svg == NULL)
        (void)0; /* why holds gnuplot's complaint */
done:
    free(raw.bytes);
    free(full);
    if (pipe_fds[0] >= 0)
        close(pipe_fds[0]);
    if (pipe_fds[1] >= 0)
        close(pipe_fds[1]);
    if (script_fd >= 0) {
        close(script_fd);
        unlink(script_name);
    }
    if (err_fd >= 0) {
        close(err_fd);
        unlink(err_name);
    }
    return svg;
}
