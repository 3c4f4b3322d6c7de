/* Shared by peers/tests: allocation counting for the no-allocation-per-
 * frame tests. Include it from exactly one file of a test executable. */
#ifndef BLINDFOLD_PEERS_TESTS_ALLOC_COUNT_H
#define BLINDFOLD_PEERS_TESTS_ALLOC_COUNT_H

#include <stddef.h>

/* Allocation counting for the no-allocation-per-frame test (DESIGN.md
 * "Memory"): the executable's malloc family interposes on glibc's, also for
 * the calls libvpx and libopus make from their shared libraries, and counts.
 * Sanitizer runtimes own malloc themselves, so under ASan the test is left
 * out (the plain build runs it). */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_ALLOCATIONS 0
#endif
#endif
#if !defined(COUNT_ALLOCATIONS) && defined(__GLIBC__)
#define COUNT_ALLOCATIONS 1
#endif

#if COUNT_ALLOCATIONS
#include <errno.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static unsigned long allocations;

void *malloc(size_t size)
{
    allocations++;
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size)
{
    allocations++;
    return __libc_calloc(count, size);
}

void *realloc(void *ptr, size_t size)
{
    allocations++;
    return __libc_realloc(ptr, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    allocations++;
    void *ptr = __libc_memalign(alignment, size);
    if (ptr == NULL)
        return ENOMEM;
    *out = ptr;
    return 0;
}
#endif

#endif
