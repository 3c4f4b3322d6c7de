/* Shared by the fuzz targets: the libFuzzer entry point and an assertion
 * that stays on in release builds. A failed FUZZ_ASSERT aborts, which both
 * libFuzzer and the corpus replay report as a finding. */
#ifndef BLINDFOLD_FUZZ_H
#define BLINDFOLD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                     \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

#endif
