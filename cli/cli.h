/* Private to cli/: the exit codes of docs/cli.md, the subcommand entry
 * points that main.c's table dispatches to, and small parsing helpers the
 * subcommand files share (strict unsigned decimal, hex). */
#ifndef BLINDFOLD_CLI_H
#define BLINDFOLD_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    BLINDFOLD_EXIT_OK = 0,
    BLINDFOLD_EXIT_FAILED = 1,
    BLINDFOLD_EXIT_USAGE = 2,
    BLINDFOLD_EXIT_INTERNAL = 3,
};

/* Subcommands; argv[0] is the subcommand name. They return an exit code. */
int cli__cmd_vectors(int argc, char **argv);
int cli__cmd_sframe(int argc, char **argv);
int cli__cmd_check(int argc, char **argv);
int cli__cmd_run(int argc, char **argv);
int cli__cmd_replay(int argc, char **argv);
int cli__cmd_report(int argc, char **argv);
int cli__cmd_sweep(int argc, char **argv);
int cli__cmd_sweep_merge(int argc, char **argv);

/* Option parsing shared by the subcommands (cli/args.c). cli__is_opt: arg
 * is `name` or `name=...`. cli__take_value: reads the value of the option
 * at argv[*i] (`--opt VALUE` or `--opt=VALUE`) into *slot; an option that
 * is not `repeatable` may be given once. On error prints one line
 * "blindfold CMD: ... (see blindfold CMD --help)" and returns
 * BLINDFOLD_EXIT_USAGE; else BLINDFOLD_EXIT_OK. cli__usage_error prints
 * "blindfold CMD: MESSAGE[ ARG] (see blindfold CMD --help)" and returns
 * BLINDFOLD_EXIT_USAGE. */
int cli__usage_error(const char *cmd, const char *message, const char *arg);
bool cli__is_opt(const char *arg, const char *name);
int cli__take_value(const char *cmd, int argc, char **argv, int *i, const char *name,
                    const char **slot, bool repeatable);

/* The end of `run` and `replay` (cli/args.c): renders DIR/report.html, or
 * with no_html removes one an earlier run left there. A page that cannot
 * be rendered is one line on stderr; returns false only when it cannot be
 * written (exit 3), not for a missing gnuplot. */
bool cli__finish_html(const char *cmd, const char *dir, bool no_html);

/* A decimal number in [0, 2^64 - 1]: one or more ASCII digits and nothing
 * else, so no sign, space, fraction, exponent or hex prefix. Leading zeros
 * are allowed. Returns false on anything else, including overflow. */
static inline bool cli__parse_u64(const char *text, uint64_t *out)
{
    if (text == NULL || *text == '\0')
        return false;
    uint64_t value = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned digit = (unsigned)(*p - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    *out = value;
    return true;
}

static inline int cli__hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes hex[0..len), either case, into out[0..len/2). On failure returns
 * false and sets *bad_at to the offset of the first non-hex character, or
 * to `len` when the digits are all valid but odd in number. */
static inline bool cli__hex_decode(const char *hex, size_t len, uint8_t *out, size_t *bad_at)
{
    for (size_t i = 0; i < len; i++)
        if (cli__hex_digit(hex[i]) < 0) {
            *bad_at = i;
            return false;
        }
    if (len % 2 != 0) {
        *bad_at = len;
        return false;
    }
    for (size_t i = 0; i < len / 2; i++)
        out[i] = (uint8_t)(cli__hex_digit(hex[2 * i]) << 4 | cli__hex_digit(hex[2 * i + 1]));
    return true;
}

/* Writes 2 * len lowercase hex digits (no terminator) into out. */
static inline void cli__hex_encode(const uint8_t *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
}

#endif
