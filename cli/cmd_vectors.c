/* `blindfold vectors FILE.json`: checks an RFC 9605 test-vector file (the
 * sframe-wg JSON format) against this build's sframe/ through
 * sframe/sframe_vectors.h, which holds all the checking. This file only
 * parses the arguments and prints: one `NAME: why` line per failing vector,
 * then `N passed, M failed`, on stdout. Exit 0 when every vector passes, 1
 * when one fails, 2 when the file cannot be read or is not a valid vector
 * file (one line on stderr naming the file and the JSON path or line). */
#include "cli/cli.h"
#include "sframe/sframe_vectors.h"

#include <stdio.h>
#include <string.h>

static void print_help(void)
{
    printf("Usage: blindfold vectors FILE.json\n"
           "\n"
           "Checks an RFC 9605 test-vector file in the sframe-wg JSON format (sections\n"
           "header, aes_ctr_hmac and sframe) against this build's SFrame code:\n"
           "  header        encode(kid, ctr) gives `encoded`, and decoding gives them back\n"
           "  aes_ctr_hmac  AEAD encrypt of pt gives ct, decrypt gives pt, and enc_key and\n"
           "                auth_key are the halves of key\n"
           "  sframe        the key schedule gives sframe_key and sframe_salt, a sender\n"
           "                protecting pt gives exactly ct, a receiver unprotects ct to pt\n"
           "\n"
           "Prints one line per failing vector (NAME: what differed), then\n"
           "`N passed, M failed`.\n"
           "\n"
           "Example:\n"
           "  blindfold vectors vectors/sframe/rfc9605-test-vectors.json\n"
           "  297 passed, 0 failed\n"
           "\n"
           "Exit codes: 0 all passed, 1 a vector failed, 2 the file cannot be read or\n"
           "is not a valid vector file, 3 internal error.\n");
}

int cli__cmd_vectors(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        print_help();
        return BLINDFOLD_EXIT_OK;
    }
    if (argc != 2 || argv[1][0] == '\0') {
        fprintf(stderr, "blindfold vectors: expected one FILE.json (see blindfold vectors "
                        "--help)\n");
        return BLINDFOLD_EXIT_USAGE;
    }
    if (argv[1][0] == '-') {
        fprintf(stderr, "blindfold vectors: unknown option '%s' (see blindfold vectors --help)\n",
                argv[1]);
        return BLINDFOLD_EXIT_USAGE;
    }

    char err[512];
    sframe_vectors_t *vectors = sframe_vectors_load(argv[1], err, sizeof err);
    if (vectors == NULL) {
        fprintf(stderr, "blindfold: %s\n", err);
        return BLINDFOLD_EXIT_USAGE;
    }
    size_t passed = 0, failed = 0;
    for (size_t i = 0; i < sframe_vectors_count(vectors); i++) {
        char why[256];
        if (sframe_vectors_check(vectors, i, why, sizeof why)) {
            passed++;
        } else {
            failed++;
            printf("%s: %s\n", sframe_vectors_name(vectors, i), why);
        }
    }
    sframe_vectors_free(vectors);
    printf("%zu passed, %zu failed\n", passed, failed);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "blindfold: cannot write stdout\n");
        return BLINDFOLD_EXIT_INTERNAL;
    }
    return failed == 0 ? BLINDFOLD_EXIT_OK : BLINDFOLD_EXIT_FAILED;
}
