/* `blindfold sframe protect|unprotect`: RFC 9605 SFrame over hex lines, per
 * docs/cli.md. Each stdin line is one frame in hex (either case); each
 * result goes to stdout as one line of lowercase hex, as soon as it is made.
 *
 * Decisions this file makes:
 *  - Every line is a frame. An empty line is an empty frame, which is valid
 *    SFrame plaintext (protect makes header || tag of it); for unprotect it
 *    is too short to be a frame (exit 2). A trailing "\r" is dropped, so
 *    CRLF files work; any other non-hex character is an error.
 *  - protect: one sender context, kid --kid, first counter --ctr (default
 *    0), one counter per frame. Running past 2^64 - 1 is an input error
 *    (exit 2), as the counter may not wrap.
 *  - unprotect: one receiver context (default replay window) holding the
 *    base key for --kid. --ctr is accepted so both directions take the same
 *    arguments, and ignored: the counter comes from each frame's header.
 *    A frame that fails authentication, or replays a counter, exits 1 naming
 *    the line; a frame whose KID is not --kid, or whose header is
 *    malformed, is bad input (exit 2). Frames before the failing line have
 *    already been written.
 * The SFrame work is sframe/'s; this file parses and prints. */
#include "cli/cli.h"
#include "sframe/sframe.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arguments ---------------------------------------------------------- */

typedef struct sframe_args {
    bool protect;
    sframe_suite_t suite;
    uint8_t *base_key;
    size_t base_key_len;
    uint64_t kid, ctr;
    uint8_t *metadata;
    size_t metadata_len;
} sframe_args_t;

typedef bool (*option_parse_fn)(const char *name, const char *value, sframe_args_t *args);

typedef struct option_spec {
    const char *name;
    bool required;
    option_parse_fn parse;
} option_spec_t;

static bool usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr; returns false for the caller to pass on. */
static bool usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("blindfold: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see blindfold sframe --help)\n", stderr);
    va_end(ap);
    return false;
}

static bool parse_suite(const char *name, const char *value, sframe_args_t *args)
{
    uint64_t id = 0;
    if (sframe_suite_by_name(value, &args->suite) == SFRAME_OK)
        return true;
    if (cli__parse_u64(value, &id) && id <= 0xffff && sframe_suite_info((sframe_suite_t)id)) {
        args->suite = (sframe_suite_t)id;
        return true;
    }
    return usage_error("%s: unknown cipher suite '%s'", name, value);
}

static bool parse_hex_arg(const char *name, const char *value, uint8_t **out, size_t *out_len)
{
    size_t len = strlen(value), bad_at = 0;
    uint8_t *bytes = malloc(len / 2 + 1);
    if (bytes == NULL)
        return usage_error("%s: out of memory", name);
    if (!cli__hex_decode(value, len, bytes, &bad_at)) {
        free(bytes);
        if (bad_at == len)
            return usage_error("%s: odd number of hex digits (%zu)", name, len);
        return usage_error("%s: byte offset %zu: not a hex digit (0x%02x)", name, bad_at,
                           (unsigned)(unsigned char)value[bad_at]);
    }
    free(*out);
    *out = bytes;
    *out_len = len / 2;
    return true;
}

static bool parse_base_key(const char *name, const char *value, sframe_args_t *args)
{
    if (!parse_hex_arg(name, value, &args->base_key, &args->base_key_len))
        return false;
    if (args->base_key_len == 0)
        return usage_error("%s: the base key is empty", name);
    return true;
}

static bool parse_metadata(const char *name, const char *value, sframe_args_t *args)
{
    return parse_hex_arg(name, value, &args->metadata, &args->metadata_len);
}

static bool parse_u64_arg(const char *name, const char *value, uint64_t *out)
{
    if (cli__parse_u64(value, out))
        return true;
    return usage_error("%s: '%s' is not a decimal integer in 0..18446744073709551615", name, value);
}

static bool parse_kid(const char *name, const char *value, sframe_args_t *args)
{
    return parse_u64_arg(name, value, &args->kid);
}

static bool parse_ctr(const char *name, const char *value, sframe_args_t *args)
{
    return parse_u64_arg(name, value, &args->ctr);
}

static const option_spec_t options[] = {
    { "--suite", true, parse_suite },
    { "--base-key", true, parse_base_key },
    { "--kid", true, parse_kid },
    { "--ctr", false, parse_ctr },
    { "--metadata", false, parse_metadata },
};

#define OPTION_COUNT (sizeof options / sizeof options[0])

/* argv[0] is "protect" or "unprotect"; options follow, as "--name VALUE" or
 * "--name=VALUE", each at most once. */
static bool parse_options(int argc, char **argv, sframe_args_t *args)
{
    bool seen[OPTION_COUNT] = { false };
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        size_t o = 0;
        while (o < OPTION_COUNT && !(strlen(options[o].name) == name_len &&
                                     strncmp(options[o].name, arg, name_len) == 0))
            o++;
        if (o == OPTION_COUNT)
            return usage_error(arg[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'",
                               arg);
        if (seen[o])
            return usage_error("%s given twice", options[o].name);
        seen[o] = true;
        const char *value = eq ? eq + 1 : NULL;
        if (value == NULL) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", options[o].name);
            value = argv[++i];
        }
        if (!options[o].parse(options[o].name, value, args))
            return false;
    }
    for (size_t o = 0; o < OPTION_COUNT; o++)
        if (options[o].required && !seen[o])
            return usage_error("%s is required", options[o].name);
    return true;
}

/* ---- frames ------------------------------------------------------------- */

/* Working state for one run over stdin: the context, and buffers grown to
 * the longest line. */
typedef struct frame_pump {
    const sframe_args_t *args;
    sframe_sender_t *sender;
    sframe_receiver_t *receiver;
    uint8_t *in, *out; /* cap bytes each */
    char *hex;         /* 2 * cap bytes */
    size_t cap;
} frame_pump_t;

/* Makes room for a frame of frame_len bytes and its result. */
static bool grow_buffers(frame_pump_t *pump, size_t frame_len)
{
    size_t need = frame_len + sframe_max_overhead(pump->args->suite) + 1;
    if (need <= pump->cap)
        return true;
    uint8_t *in = realloc(pump->in, need);
    if (in == NULL)
        return false;
    pump->in = in;
    uint8_t *out = realloc(pump->out, need);
    if (out == NULL)
        return false;
    pump->out = out;
    char *hex = realloc(pump->hex, 2 * need);
    if (hex == NULL)
        return false;
    pump->hex = hex;
    pump->cap = need;
    return true;
}

static int line_error(size_t line, const char *what, int code)
{
    fprintf(stderr, "blindfold: line %zu: %s\n", line, what);
    return code;
}

/* Protects or unprotects in[0..len); writes out[0..*out_len). */
static int transform(frame_pump_t *pump, size_t line, size_t len, size_t *out_len)
{
    const sframe_args_t *args = pump->args;
    sframe_err_t err;
    if (args->protect) {
        err = sframe_sender_protect(pump->sender, args->metadata, args->metadata_len, pump->in, len,
                                    pump->out, pump->cap, out_len);
        if (err == SFRAME_ERR_COUNTER_EXHAUSTED)
            return line_error(line, "counter passed 18446744073709551615 (sender exhausted)",
                              BLINDFOLD_EXIT_USAGE);
    } else {
        err = sframe_receiver_unprotect(pump->receiver, args->metadata, args->metadata_len,
                                        pump->in, len, pump->out, pump->cap, out_len, NULL);
        char what[160];
        sframe_header_t header = { 0, 0 };
        size_t header_len = 0;
        switch (err) {
        case SFRAME_ERR_AUTH:
            return line_error(line, "authentication failed", BLINDFOLD_EXIT_FAILED);
        case SFRAME_ERR_REPLAY:
            sframe_header_decode(pump->in, len, &header, &header_len);
            snprintf(what, sizeof what, "counter %" PRIu64 ": %s", header.ctr,
                     sframe_strerror(err));
            return line_error(line, what, BLINDFOLD_EXIT_FAILED);
        case SFRAME_ERR_UNKNOWN_KID:
            sframe_header_decode(pump->in, len, &header, &header_len);
            snprintf(what, sizeof what, "frame has KID %" PRIu64 ", not --kid %" PRIu64, header.kid,
                     args->kid);
            return line_error(line, what, BLINDFOLD_EXIT_USAGE);
        case SFRAME_ERR_TRUNCATED:
        case SFRAME_ERR_MALFORMED:
            snprintf(what, sizeof what, "not an SFrame: %s", sframe_strerror(err));
            return line_error(line, what, BLINDFOLD_EXIT_USAGE);
        default:
            break;
        }
    }
    if (err != SFRAME_OK) {
        fprintf(stderr, "blindfold: line %zu: %s (%s)\n", line, sframe_strerror(err),
                sframe_errname(err));
        return BLINDFOLD_EXIT_INTERNAL;
    }
    return BLINDFOLD_EXIT_OK;
}

/* One stdin line (without its newline) to one stdout line. */
static int pump_line(frame_pump_t *pump, size_t line, const char *text, size_t text_len)
{
    size_t bad_at = 0, frame_len = text_len / 2;
    if (!grow_buffers(pump, frame_len))
        return line_error(line, "out of memory", BLINDFOLD_EXIT_INTERNAL);
    if (!cli__hex_decode(text, text_len, pump->in, &bad_at)) {
        char what[96];
        if (bad_at == text_len)
            snprintf(what, sizeof what, "odd number of hex digits (%zu)", text_len);
        else
            snprintf(what, sizeof what, "byte offset %zu: not a hex digit (0x%02x)", bad_at,
                     (unsigned)(unsigned char)text[bad_at]);
        return line_error(line, what, BLINDFOLD_EXIT_USAGE);
    }
    size_t out_len = 0;
    int code = transform(pump, line, frame_len, &out_len);
    if (code != BLINDFOLD_EXIT_OK)
        return code;
    cli__hex_encode(pump->out, out_len, pump->hex);
    pump->hex[2 * out_len] = '\n';
    fwrite(pump->hex, 1, 2 * out_len + 1, stdout);
    return BLINDFOLD_EXIT_OK;
}

static int pump_stdin(frame_pump_t *pump)
{
    char *text = NULL;
    size_t text_cap = 0, line = 0;
    ssize_t got;
    int code = BLINDFOLD_EXIT_OK;
    while (code == BLINDFOLD_EXIT_OK && (got = getline(&text, &text_cap, stdin)) >= 0) {
        size_t len = (size_t)got;
        line++;
        if (len > 0 && text[len - 1] == '\n')
            len--;
        if (len > 0 && text[len - 1] == '\r')
            len--;
        code = pump_line(pump, line, text, len);
    }
    free(text);
    if (code == BLINDFOLD_EXIT_OK && ferror(stdin)) {
        fprintf(stderr, "blindfold: cannot read stdin\n");
        code = BLINDFOLD_EXIT_INTERNAL;
    }
    if ((fflush(stdout) != 0 || ferror(stdout)) && code == BLINDFOLD_EXIT_OK) {
        fprintf(stderr, "blindfold: cannot write stdout\n");
        code = BLINDFOLD_EXIT_INTERNAL;
    }
    return code;
}

static int setup_error(const char *what, sframe_err_t err)
{
    fprintf(stderr, "blindfold: %s: %s (%s)\n", what, sframe_strerror(err), sframe_errname(err));
    return err == SFRAME_ERR_INVALID_ARG ? BLINDFOLD_EXIT_USAGE : BLINDFOLD_EXIT_INTERNAL;
}

static int run(const sframe_args_t *args)
{
    frame_pump_t pump = { .args = args };
    sframe_err_t err;
    int code;
    if (args->protect) {
        sframe_sender_config_t config = sframe_sender_config_default(args->suite);
        config.kid = args->kid;
        config.first_ctr = args->ctr;
        err = sframe_sender_new(&config, args->base_key, args->base_key_len, &pump.sender);
        if (err != SFRAME_OK)
            return setup_error("creating the sender", err);
    } else {
        sframe_receiver_config_t config = sframe_receiver_config_default(args->suite);
        err = sframe_receiver_new(&config, &pump.receiver);
        if (err == SFRAME_OK)
            err = sframe_receiver_add_key(pump.receiver, args->kid, args->base_key,
                                          args->base_key_len);
        if (err != SFRAME_OK) {
            sframe_receiver_free(pump.receiver);
            return setup_error("creating the receiver", err);
        }
    }
    code = pump_stdin(&pump);
    sframe_sender_free(pump.sender);
    sframe_receiver_free(pump.receiver);
    free(pump.in);
    free(pump.out);
    free(pump.hex);
    return code;
}

/* ---- entry -------------------------------------------------------------- */

static void print_help(void)
{
    printf("Usage: blindfold sframe protect|unprotect --suite NAME --base-key HEX --kid N\n"
           "                        [--ctr N] [--metadata HEX]\n"
           "\n"
           "Applies RFC 9605 SFrame to frames given one per line as hex on stdin, and\n"
           "writes one result per line as lowercase hex on stdout.\n"
           "\n"
           "  protect     encrypts each line with a sender for KID N; the first frame\n"
           "              carries counter --ctr (default 0), each next one counter + 1\n"
           "  unprotect   decrypts each line with a receiver holding the base key for\n"
           "              KID N; stops with exit 1 at the first frame that fails\n"
           "              authentication (or replays a counter), naming its line\n"
           "\n"
           "Options (--name VALUE or --name=VALUE):\n"
           "  --suite NAME      cipher suite, by RFC name or number:\n");
    for (int id = 1; id <= 5; id++) {
        const sframe_suite_info_t *info = sframe_suite_info((sframe_suite_t)id);
        if (info)
            printf("                      %d  %s\n", id, info->name);
    }
    printf("  --base-key HEX    the sender's base key (RFC 9605 section 4.4.2)\n"
           "  --kid N           key ID, decimal, 0..18446744073709551615\n"
           "  --ctr N           first counter (protect), same range; unprotect accepts and\n"
           "                    ignores it, since each frame's header carries its counter\n"
           "  --metadata HEX    metadata authenticated with every frame (default none)\n"
           "\n"
           "Every line is one frame: for protect an empty line is an empty frame; for\n"
           "unprotect it is too short to be one. A trailing CR is ignored. unprotect\n"
           "refuses a frame whose KID is not N, or whose header is malformed (exit 2).\n"
           "\n"
           "Example:\n"
           "  printf '48656c6c6f\\n\\n' |\n"
           "    blindfold sframe protect --suite AES_128_GCM_SHA256_128 \\\n"
           "      --base-key 000102030405060708090a0b0c0d0e0f --kid 7 --ctr 5 |\n"
           "    blindfold sframe unprotect --suite AES_128_GCM_SHA256_128 \\\n"
           "      --base-key 000102030405060708090a0b0c0d0e0f --kid 7\n"
           "  48656c6c6f\n"
           "  (an empty line)\n"
           "\n"
           "Exit codes: 0 success, 1 a frame failed authentication, 2 bad input or\n"
           "usage (one line on stderr, naming the line), 3 internal error.\n");
}

static bool is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int cli__cmd_sframe(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "blindfold: sframe needs protect or unprotect (see blindfold sframe "
                        "--help)\n");
        return BLINDFOLD_EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++)
        if (is_help(argv[i])) {
            print_help();
            return BLINDFOLD_EXIT_OK;
        }
    sframe_args_t args = { .protect = strcmp(argv[1], "protect") == 0 };
    if (!args.protect && strcmp(argv[1], "unprotect") != 0) {
        fprintf(stderr, "blindfold: sframe: unknown action '%s', expected protect or unprotect\n",
                argv[1]);
        return BLINDFOLD_EXIT_USAGE;
    }
    int code = BLINDFOLD_EXIT_USAGE;
    if (parse_options(argc - 1, argv + 1, &args))
        code = run(&args);
    if (args.base_key)
        OPENSSL_cleanse(args.base_key, args.base_key_len);
    free(args.base_key);
    free(args.metadata);
    return code;
}
