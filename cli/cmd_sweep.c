/* `blindfold sweep SWEEP.json --out DIR [--shard K/N] [--jobs J] [--resume]
 * [--quiet]` and `blindfold sweep-merge DIR... [--out DIR]`.
 *
 * sweep expands the grid (reports/sweep.h), checks every variant against
 * the scenario loader before it runs any, and runs its shard's variants as
 * child processes of this same binary, `blindfold run BASE --set PATH=VALUE
 * ... --out DIR/<id> --quiet --no-html`, at most J at a time (posix_spawn,
 * output to DIR/<id>/run.log). sweep-merge is reports_sweep_merge(). */
#include "cli/cli.h"
#include "reports/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define SWEEP_MAX_JOBS 256
#define SWEEP_PATH_MAX 4096
#define SWEEP_ERR_MAX  (2 * SWEEP_PATH_MAX + 256)
/* A file inside a variant folder. */
#define SWEEP_FILE_MAX (SWEEP_PATH_MAX + 32)

static void print_help(void)
{
    printf("Usage: blindfold sweep SWEEP.json --out DIR [--shard K/N] [--jobs J] [--resume]\n"
           "                       [--quiet]\n"
           "\n"
           "Runs a grid of variants of one scenario. SWEEP.json names the base scenario\n"
           "(relative to SWEEP.json's folder, or \"default\" for the built-in one) and the\n"
           "values of each JSON path to vary:\n"
           "  {\"base\": \"s.json\", \"vary\": {\"links.lossy.loss.p\": [0, 0.01, 0.05]},\n"
           "   \"seeds\": [1, 2], \"name\": \"loss\"}\n"
           "The grid is the cartesian product, in file order, last path fastest. Every\n"
           "variant is checked before any runs. Each runs as `blindfold run` into\n"
           "DIR/<id>/, <id> being 12 hex digits of SHA-256 over its assignment.\n"
           "\n"
           "Options:\n"
           "  --out DIR       output folder (required)\n"
           "  --shard K/N     run only variants i with i %% N == K-1; K is 1-based, as\n"
           "                  Slurm's --array=1-N and GNU parallel's {#}\n"
           "  --jobs J        run J variants at a time (1 .. %d, default 1)\n"
           "  --resume        skip variants whose DIR/<id>/report.json exists\n"
           "  --quiet         no line per finished variant on stderr\n"
           "  -h, --help      show this help and exit\n"
           "\n"
           "Example:\n"
           "  blindfold sweep scenarios/sweeps/loss-vs-delay.json --out out/lvd --jobs 2\n"
           "  blindfold sweep-merge out/lvd --out out/lvd\n"
           "\n"
           "Exit codes: 0 every variant passed, 1 some failed a budget, 2 invalid sweep\n"
           "or usage, 3 a variant crashed or could not run (the others still run).\n",
           SWEEP_MAX_JOBS);
}

static void print_merge_help(void)
{
    printf("Usage: blindfold sweep-merge DIR... [--out DIR]\n"
           "\n"
           "Combines the folders of one sweep (or of its shards) into summary.csv, one\n"
           "row per variant in index order, and summary.html (table and one plot per\n"
           "varied path), in --out or the current folder. The CSV is the same bytes\n"
           "however the sweep was sharded. Variants no folder has are rows with status\n"
           "\"missing\".\n"
           "\n"
           "Options:\n"
           "  --out DIR       where to write; default the current folder\n"
           "  -h, --help      show this help and exit\n"
           "\n"
           "Example:\n"
           "  blindfold sweep-merge out/shard-1 out/shard-2 --out out/merged\n"
           "\n"
           "Exit codes: 0 every variant has a result, 1 some are missing (files still\n"
           "written), 2 folders of different sweeps, clashing copies or usage, 3 a file\n"
           "could not be written.\n");
}

static int usage_error(const char *command, const char *message, const char *arg)
{
    return cli__usage_error(command, message, arg);
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

/* --- Files ------------------------------------------------------------------ */

/* mkdir -p; false with one line in err. */
static bool make_dirs(const char *path, char *err, size_t err_len)
{
    char partial[SWEEP_PATH_MAX];
    if (snprintf(partial, sizeof(partial), "%s", path) >= (int)sizeof(partial)) {
        snprintf(err, err_len, "%s: path too long", path);
        return false;
    }
    for (char *p = partial + 1;; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end)
            continue;
        *p = '\0';
        struct stat st;
        if (mkdir(partial, 0777) != 0 && errno != EEXIST && errno != ENOTDIR) {
            snprintf(err, err_len, "%s: cannot create: %s", partial, strerror(errno));
            return false;
        }
        if (stat(partial, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, err_len, "%s: exists and is not a folder", partial);
            return false;
        }
        if (end)
            return true;
        *p = '/';
    }
}

static bool write_file(const char *path, const char *text, char *err, size_t err_len)
{
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        snprintf(err, err_len, "%s: cannot open for writing: %s", path, strerror(errno));
        return false;
    }
    bool ok = fputs(text, out) >= 0;
    if (fclose(out) != 0 || !ok) {
        snprintf(err, err_len, "%s: write failed", path);
        return false;
    }
    return true;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A JSON string literal; malloc'd. */
static char *json_quote(const char *text)
{
    json_t *string = json_string(text);
    char *quoted = string != NULL ? json_dumps(string, JSON_ENCODE_ANY) : NULL;
    json_decref(string);
    return quoted;
}

/* {"path": value, ...} in vary order, values in canonical JSON (0.05 stays
 * 0.05, where jansson's default would print 17 digits). */
static void write_assignment(FILE *out, const reports_sweep_t *sweep, const json_t *assignment)
{
    fputc('{', out);
    for (size_t d = 0; d < reports_sweep_dimension_count(sweep); d++) {
        const char *path = reports_sweep_dimension_path(sweep, d);
        char *key = json_quote(path);
        char *value = reports_sweep_canonical_json(json_object_get(assignment, path));
        fprintf(out, "%s%s: %s", d > 0 ? ", " : "", key != NULL ? key : "\"?\"",
                value != NULL ? value : "null");
        free(key);
        free(value);
    }
    fputc('}', out);
}

/* variant.json: which variant this folder holds and, once it ran, its
 * status ("pass", "fail" or "error") and how the run ended. */
static bool write_variant_json(const char *dir, const reports_sweep_t *sweep, size_t index,
                               const char *status, const char *ending, char *err, size_t err_len)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    json_t *assignment = reports_sweep_assignment(sweep, index);
    char *name = json_quote(reports_sweep_name(sweep));
    if (out == NULL || assignment == NULL || name == NULL) {
        if (out != NULL)
            fclose(out);
        free(text);
        json_decref(assignment);
        free(name);
        snprintf(err, err_len, "out of memory");
        return false;
    }
    fprintf(out, "{\n  \"id\": \"%s\",\n  \"index\": %zu,\n  \"sweep\": %s,\n  \"assignment\": ",
            reports_sweep_variant_id(sweep, index), index, name);
    write_assignment(out, sweep, assignment);
    if (status != NULL)
        fprintf(out, ",\n  \"status\": \"%s\",\n  %s", status, ending);
    fputs("\n}\n", out);
    json_decref(assignment);
    free(name);
    bool ok = fclose(out) == 0;
    char path[SWEEP_FILE_MAX];
    snprintf(path, sizeof(path), "%s/variant.json", dir);
    ok = ok && write_file(path, text, err, err_len);
    free(text);
    return ok;
}

/* sweep.json: name, base as written, vary, the variant count, the shard. */
static bool write_sweep_json(const char *out_dir, const reports_sweep_t *sweep, unsigned k,
                             unsigned n, char *err, size_t err_len)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    char *name = json_quote(reports_sweep_name(sweep));
    char *base = json_quote(reports_sweep_base(sweep));
    bool ok = out != NULL && name != NULL && base != NULL;
    if (ok) {
        fprintf(out, "{\n  \"name\": %s,\n  \"base\": %s,\n  \"vary\": {", name, base);
        const json_t *vary = reports_sweep_vary(sweep);
        for (size_t d = 0; d < reports_sweep_dimension_count(sweep); d++) {
            const char *path = reports_sweep_dimension_path(sweep, d);
            char *key = json_quote(path);
            char *values = reports_sweep_canonical_json(json_object_get(vary, path));
            ok = ok && key != NULL && values != NULL;
            fprintf(out, "%s\n    %s: %s", d > 0 ? "," : "", key != NULL ? key : "",
                    values != NULL ? values : "");
            free(key);
            free(values);
        }
        fprintf(out, "\n  },\n  \"variants\": %zu,\n  \"shard\": {\"k\": %u, \"n\": %u}\n}\n",
                reports_sweep_variant_count(sweep), k, n);
    }
    if (out != NULL)
        ok = fclose(out) == 0 && ok;
    free(name);
    free(base);
    char path[SWEEP_FILE_MAX];
    snprintf(path, sizeof(path), "%s/sweep.json", out_dir);
    if (!ok)
        snprintf(err, err_len, "out of memory");
    ok = ok && write_file(path, text, err, err_len);
    free(text);
    return ok;
}

/* An existing DIR/sweep.json must describe the same sweep: one folder
 * never mixes two sweeps. */
static int check_existing_folder(const char *out_dir, const reports_sweep_t *sweep)
{
    char path[SWEEP_FILE_MAX], err[SWEEP_ERR_MAX];
    snprintf(path, sizeof(path), "%s/sweep.json", out_dir);
    if (!file_exists(path))
        return BLINDFOLD_EXIT_OK;
    json_error_t error;
    json_t *root = json_load_file(path, JSON_PRESERVE_ORDER, &error);
    reports_sweep_t *held =
        root != NULL ? reports_sweep_from_description(root, path, err, sizeof(err)) : NULL;
    json_decref(root);
    bool same = held != NULL && reports_sweep_same(held, sweep);
    reports_sweep_free(held);
    if (same)
        return BLINDFOLD_EXIT_OK;
    fprintf(stderr,
            "blindfold sweep: %s: holds another sweep (or is unreadable); use another "
            "--out\n",
            path);
    return BLINDFOLD_EXIT_USAGE;
}

/* --- Running the variants ------------------------------------------------- */

typedef struct sweep_run {
    const reports_sweep_t *sweep;
    const char *out_dir;
    char exe[SWEEP_PATH_MAX];
    bool quiet;
    size_t shard_total; /* variants in this shard */
    size_t finished;
    size_t failed;
    size_t errors;
} sweep_run_t;

typedef struct sweep_slot {
    pid_t pid;
    size_t index;
} sweep_slot_t;

static void variant_dir(const sweep_run_t *run, size_t index, char *dir, size_t dir_len)
{
    snprintf(dir, dir_len, "%s/%s", run->out_dir, reports_sweep_variant_id(run->sweep, index));
}

/* The report's wall.seconds (from the child; this process reads no clock),
 * and its pass; false when there is no readable report. */
static bool read_report(const char *dir, bool *pass, double *seconds)
{
    char path[SWEEP_FILE_MAX];
    snprintf(path, sizeof(path), "%s/report.json", dir);
    json_error_t error;
    json_t *report = json_load_file(path, 0, &error);
    if (report == NULL)
        return false;
    *pass = json_is_true(json_object_get(report, "pass"));
    const json_t *wall = json_object_get(json_object_get(report, "wall"), "seconds");
    *seconds = json_is_number(wall) ? json_number_value(wall) : -1;
    json_decref(report);
    return true;
}

static void progress_line(sweep_run_t *run, size_t index, const char *status, const char *detail)
{
    run->finished++;
    if (run->quiet)
        return;
    fprintf(stderr, "[%zu/%zu] %s %s%s\n", run->finished, run->shard_total,
            reports_sweep_variant_id(run->sweep, index), status, detail);
}

/* Starts variant `index`; false when it could not start (recorded as an
 * error). */
static bool start_variant(sweep_run_t *run, size_t index, pid_t *pid)
{
    const reports_sweep_t *sweep = run->sweep;
    size_t dims = reports_sweep_dimension_count(sweep);
    char dir[SWEEP_PATH_MAX], log_path[SWEEP_FILE_MAX], report_path[SWEEP_FILE_MAX];
    char err[SWEEP_ERR_MAX] = "";
    variant_dir(run, index, dir, sizeof(dir));
    snprintf(log_path, sizeof(log_path), "%s/run.log", dir);
    snprintf(report_path, sizeof(report_path), "%s/report.json", dir);
    char **sets = calloc(dims + 1, sizeof(*sets));
    char **child_argv = calloc(2 * dims + 9, sizeof(*child_argv));
    bool ok = sets != NULL && child_argv != NULL && make_dirs(dir, err, sizeof(err)) &&
              write_variant_json(dir, sweep, index, NULL, NULL, err, sizeof(err));
    /* A report left by an earlier run must not pass for this one's. */
    if (ok && unlink(report_path) != 0 && errno != ENOENT) {
        snprintf(err, sizeof(err), "%s: cannot remove: %s", report_path, strerror(errno));
        ok = false;
    }
    bool sets_made = ok && reports_sweep_variant_sets(sweep, index, sets);
    if (ok && !sets_made)
        snprintf(err, sizeof(err), "out of memory");
    ok = ok && sets_made;
    posix_spawn_file_actions_t actions;
    bool actions_made = ok && posix_spawn_file_actions_init(&actions) == 0;
    if (actions_made) {
        size_t n = 0;
        child_argv[n++] = run->exe;
        child_argv[n++] = "run";
        if (reports_sweep_base_path(sweep) != NULL)
            child_argv[n++] = (char *)reports_sweep_base_path(sweep);
        for (size_t d = 0; d < dims; d++) {
            child_argv[n++] = "--set";
            child_argv[n++] = sets[d];
        }
        child_argv[n++] = "--out";
        child_argv[n++] = dir;
        child_argv[n++] = "--quiet";
        child_argv[n++] = "--no-html";
        child_argv[n] = NULL;
        int rc = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        if (rc == 0)
            rc = posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path,
                                                  O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (rc == 0)
            rc = posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
        if (rc == 0)
            rc = posix_spawn(pid, run->exe, &actions, NULL, child_argv, environ);
        if (rc != 0) {
            snprintf(err, sizeof(err), "cannot start %s: %s", run->exe, strerror(rc));
            ok = false;
        }
        posix_spawn_file_actions_destroy(&actions);
    } else if (ok) {
        snprintf(err, sizeof(err), "out of memory");
        ok = false;
    }
    if (sets_made)
        reports_sweep_free_sets(sets, dims);
    free(sets);
    free(child_argv);
    if (!ok) {
        char ending[SWEEP_ERR_MAX + 64], quoted_err[SWEEP_ERR_MAX];
        char *quoted = json_quote(err);
        snprintf(quoted_err, sizeof(quoted_err), "%s", quoted != NULL ? quoted : "\"\"");
        free(quoted);
        snprintf(ending, sizeof(ending), "\"error\": %s", quoted_err);
        char ignored[SWEEP_ERR_MAX];
        (void)write_variant_json(dir, sweep, index, "error", ending, ignored, sizeof(ignored));
        run->errors++;
        fprintf(stderr, "blindfold sweep: variant %zu (%s): %s\n", index,
                reports_sweep_variant_id(sweep, index), err);
        progress_line(run, index, "error", "");
    }
    return ok;
}

/* Records how variant `index`'s child ended. */
static void finish_variant(sweep_run_t *run, size_t index, int wait_status)
{
    char dir[SWEEP_PATH_MAX], ending[128], detail[SWEEP_PATH_MAX + 160];
    char err[SWEEP_ERR_MAX];
    variant_dir(run, index, dir, sizeof(dir));
    bool pass = false;
    double seconds = -1;
    bool have_report = read_report(dir, &pass, &seconds);
    const char *status;
    char how[64];
    if (WIFEXITED(wait_status)) {
        int code = WEXITSTATUS(wait_status);
        snprintf(ending, sizeof(ending), "\"exit\": %d", code);
        snprintf(how, sizeof(how), "exit %d", code);
        status = (code == 0 || code == 1) && have_report ? (code == 0 ? "pass" : "fail") : "error";
    } else {
        int signal_number = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
        snprintf(ending, sizeof(ending), "\"signal\": %d", signal_number);
        snprintf(how, sizeof(how), "signal %d", signal_number);
        status = "error";
    }
    if (!write_variant_json(dir, run->sweep, index, status, ending, err, sizeof(err))) {
        fprintf(stderr, "blindfold sweep: %s\n", err);
        status = "error";
    }
    if (strcmp(status, "error") == 0) {
        run->errors++;
        snprintf(detail, sizeof(detail), " (%s; see %s/run.log)", how, dir);
    } else {
        run->failed += strcmp(status, "fail") == 0;
        if (seconds >= 0)
            snprintf(detail, sizeof(detail), " %.1f s", seconds);
        else
            detail[0] = '\0';
    }
    progress_line(run, index, status, detail);
}

/* Runs the shard's variants, at most `jobs` at once. */
static void run_variants(sweep_run_t *run, unsigned k, unsigned n, unsigned jobs, bool resume)
{
    sweep_slot_t slots[SWEEP_MAX_JOBS];
    size_t running = 0;
    size_t total = reports_sweep_variant_count(run->sweep);
    size_t next = (size_t)k - 1;
    for (;;) {
        while (running < jobs && next < total) {
            size_t index = next;
            next += n;
            char dir[SWEEP_PATH_MAX];
            variant_dir(run, index, dir, sizeof(dir));
            bool pass = false;
            double seconds;
            if (resume && read_report(dir, &pass, &seconds)) {
                run->failed += !pass;
                progress_line(run, index, pass ? "pass" : "fail", " (kept)");
                continue;
            }
            pid_t pid;
            if (start_variant(run, index, &pid))
                slots[running++] = (sweep_slot_t){ .pid = pid, .index = index };
        }
        if (running == 0)
            return;
        int wait_status = 0;
        pid_t done = waitpid(-1, &wait_status, 0);
        if (done < 0) {
            if (errno == EINTR)
                continue;
            /* No child left to wait for: should not happen; count them lost. */
            for (size_t s = 0; s < running; s++) {
                run->errors++;
                progress_line(run, slots[s].index, "error", " (lost its process)");
            }
            return;
        }
        for (size_t s = 0; s < running; s++)
            if (slots[s].pid == done) {
                finish_variant(run, slots[s].index, wait_status);
                slots[s] = slots[--running];
                break;
            }
    }
}

typedef struct sweep_args {
    const char *file;
    const char *out;
    const char *shard;
    const char *jobs;
    bool resume;
    bool quiet;
} sweep_args_t;

static int parse_sweep_args(int argc, char **argv, sweep_args_t *a)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int rc = BLINDFOLD_EXIT_OK;
        if (cli__is_opt(arg, "--out"))
            rc = cli__take_value("sweep", argc, argv, &i, "--out", &a->out, false);
        else if (cli__is_opt(arg, "--shard"))
            rc = cli__take_value("sweep", argc, argv, &i, "--shard", &a->shard, false);
        else if (cli__is_opt(arg, "--jobs"))
            rc = cli__take_value("sweep", argc, argv, &i, "--jobs", &a->jobs, false);
        else if (strcmp(arg, "--resume") == 0)
            a->resume = true;
        else if (strcmp(arg, "--quiet") == 0)
            a->quiet = true;
        else if (arg[0] == '-' && arg[1] != '\0')
            return usage_error("sweep", "unknown option", arg);
        else if (a->file != NULL)
            return usage_error("sweep", "expected one SWEEP.json, got another:", arg);
        else
            a->file = arg;
        if (rc != BLINDFOLD_EXIT_OK)
            return rc;
    }
    if (a->file == NULL || a->file[0] == '\0')
        return usage_error("sweep", "expected one SWEEP.json", NULL);
    if (a->out == NULL || a->out[0] == '\0')
        return usage_error("sweep", "--out DIR is required", NULL);
    if (strlen(a->out) > SWEEP_PATH_MAX - 64)
        return usage_error("sweep", "--out: path too long", NULL);
    return BLINDFOLD_EXIT_OK;
}

int cli__cmd_sweep(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        print_help();
        return BLINDFOLD_EXIT_OK;
    }
    sweep_args_t a = { 0 };
    int rc = parse_sweep_args(argc, argv, &a);
    if (rc != BLINDFOLD_EXIT_OK)
        return rc;
    unsigned k = 1, n = 1;
    if (a.shard != NULL && !reports_sweep_parse_shard(a.shard, &k, &n))
        return usage_error("sweep", "--shard needs K/N with 1 <= K <= N, got", a.shard);
    uint64_t jobs = 1;
    if (a.jobs != NULL && (!cli__parse_u64(a.jobs, &jobs) || jobs < 1 || jobs > SWEEP_MAX_JOBS))
        return usage_error("sweep", "--jobs needs a number 1 .. 256, got", a.jobs);

    char err[SWEEP_ERR_MAX];
    reports_sweep_t *sweep = reports_sweep_load(a.file, err, sizeof(err));
    if (sweep == NULL) {
        fprintf(stderr, "blindfold sweep: %s\n", err);
        return BLINDFOLD_EXIT_USAGE;
    }
    sweep_run_t run = { .sweep = sweep, .out_dir = a.out, .quiet = a.quiet };
    int exit_code = BLINDFOLD_EXIT_USAGE;
    if (!reports_sweep_validate(sweep, err, sizeof(err))) {
        fprintf(stderr, "blindfold sweep: %s\n", err);
        goto done;
    }
    ssize_t exe_len = readlink("/proc/self/exe", run.exe, sizeof(run.exe) - 1);
    if (exe_len <= 0) {
        fprintf(stderr, "blindfold sweep: cannot find this program (/proc/self/exe): %s\n",
                strerror(errno));
        exit_code = BLINDFOLD_EXIT_INTERNAL;
        goto done;
    }
    run.exe[exe_len] = '\0';
    if (!make_dirs(a.out, err, sizeof(err))) {
        fprintf(stderr, "blindfold sweep: %s\n", err);
        goto done;
    }
    exit_code = check_existing_folder(a.out, sweep);
    if (exit_code != BLINDFOLD_EXIT_OK)
        goto done;
    if (!write_sweep_json(a.out, sweep, k, n, err, sizeof(err))) {
        fprintf(stderr, "blindfold sweep: %s\n", err);
        exit_code = BLINDFOLD_EXIT_INTERNAL;
        goto done;
    }
    size_t total = reports_sweep_variant_count(sweep);
    run.shard_total = total >= k ? (total - k) / n + 1 : 0;
    run_variants(&run, k, n, (unsigned)jobs, a.resume);
    exit_code = run.errors > 0   ? BLINDFOLD_EXIT_INTERNAL
                : run.failed > 0 ? BLINDFOLD_EXIT_FAILED
                                 : BLINDFOLD_EXIT_OK;
    if (!a.quiet)
        fprintf(stderr, "sweep %s: %zu variant%s in this shard, %zu failed, %zu error%s; %s\n",
                reports_sweep_name(sweep), run.shard_total, run.shard_total == 1 ? "" : "s",
                run.failed, run.errors, run.errors == 1 ? "" : "s", a.out);
done:
    reports_sweep_free(sweep);
    return exit_code;
}

int cli__cmd_sweep_merge(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        print_merge_help();
        return BLINDFOLD_EXIT_OK;
    }
    const char **dirs = calloc((size_t)argc + 1, sizeof(*dirs));
    if (dirs == NULL) {
        fprintf(stderr, "blindfold sweep-merge: out of memory\n");
        return BLINDFOLD_EXIT_INTERNAL;
    }
    size_t n_dirs = 0;
    const char *out = NULL;
    int rc = BLINDFOLD_EXIT_OK;
    for (int i = 1; rc == BLINDFOLD_EXIT_OK && i < argc; i++) {
        const char *arg = argv[i];
        if (cli__is_opt(arg, "--out"))
            rc = cli__take_value("sweep-merge", argc, argv, &i, "--out", &out, false);
        else if (arg[0] == '-' && arg[1] != '\0')
            rc = usage_error("sweep-merge", "unknown option", arg);
        else if (arg[0] == '\0')
            rc = usage_error("sweep-merge", "empty folder name", NULL);
        else
            dirs[n_dirs++] = arg;
    }
    if (rc == BLINDFOLD_EXIT_OK && n_dirs == 0)
        rc = usage_error("sweep-merge", "expected at least one sweep folder", NULL);
    if (rc == BLINDFOLD_EXIT_OK && out != NULL && out[0] == '\0')
        rc = usage_error("sweep-merge", "--out needs a folder name", NULL);
    if (rc != BLINDFOLD_EXIT_OK) {
        free(dirs);
        return rc;
    }
    char err[SWEEP_ERR_MAX] = "";
    size_t missing = 0;
    reports_sweep_merge_status_t status =
        reports_sweep_merge(dirs, n_dirs, out != NULL ? out : ".", &missing, err, sizeof(err));
    free(dirs);
    switch (status) {
    case REPORTS_SWEEP_MERGE_OK:
        return BLINDFOLD_EXIT_OK;
    case REPORTS_SWEEP_MERGE_MISSING:
        fprintf(stderr,
                "blindfold sweep-merge: %zu variant%s missing (no result in the folders given; "
                "rows marked \"missing\")\n",
                missing, missing == 1 ? "" : "s");
        return BLINDFOLD_EXIT_FAILED;
    case REPORTS_SWEEP_MERGE_BAD_INPUT:
        fprintf(stderr, "blindfold sweep-merge: %s\n", err);
        return BLINDFOLD_EXIT_USAGE;
    case REPORTS_SWEEP_MERGE_IO_ERROR:
        break;
    }
    fprintf(stderr, "blindfold sweep-merge: %s\n", err);
    return BLINDFOLD_EXIT_INTERNAL;
}
