/* RFC 9605 test-vector files in the sframe-wg JSON format (sections
 * `header`, `aes_ctr_hmac` and `sframe`; see vectors/SOURCES.md), checked
 * against this implementation. Used by `blindfold vectors` and the tests.
 *
 * KIDs and CTRs reach 2^64 - 1 and are written as bare JSON numbers; the
 * reader keeps them exact (a plain jansson load would refuse or round
 * them). This part links jansson; the rest of sframe/ does not. */
#ifndef BLINDFOLD_SFRAME_VECTORS_H
#define BLINDFOLD_SFRAME_VECTORS_H

#include "sframe/sframe.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct sframe_vectors sframe_vectors_t;

/* Loads and validates a vector file. On failure returns NULL and writes a
 * one-line message naming the file and the place (JSON path, or line and
 * column for a syntax error) into err[0..err_len). */
sframe_vectors_t *sframe_vectors_load(const char *path, char *err, size_t err_len);

void sframe_vectors_free(sframe_vectors_t *vectors);

/* Number of vectors in all sections, in file order: header, aes_ctr_hmac,
 * sframe. */
size_t sframe_vectors_count(const sframe_vectors_t *vectors);

/* The vector's name, such as "sframe[2]" (section and index in it). */
const char *sframe_vectors_name(const sframe_vectors_t *vectors, size_t index);

/* Runs vector `index`. Returns true when it passes; otherwise writes the
 * first thing that differed into why[0..why_len), e.g. "ct differs at byte
 * 17: file has 4f, computed 4e", or the error a call returned. */
bool sframe_vectors_check(const sframe_vectors_t *vectors, size_t index, char *why, size_t why_len);

#endif
