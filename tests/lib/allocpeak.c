/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allocpeak.c: an LD_PRELOAD library for the tests that measures a
 * process's heap: the largest single request and the peak of the bytes in
 * use (malloc_usable_size of every live block). At exit it writes
 * "alloc_max=N alloc_peak=N" to the file named by PP_ALLOC_REPORT. The
 * tests use it to show what one Cloud answer can make a login allocate.
 *
 * It forwards to glibc's own allocator (__libc_malloc and friends), so it
 * cannot run under valgrind or AddressSanitizer, which replace malloc
 * themselves: the tests skip it there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

static long long in_use;
static long long peak;
static size_t largest;

static void note_request(size_t size)
{
    size_t old = __atomic_load_n(&largest, __ATOMIC_RELAXED);

    while (size > old && !__atomic_compare_exchange_n(&largest, &old, size, false,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

static void note_block(void *p, int sign)
{
    long long now, old;

    if (p == NULL)
        return;
    now = __atomic_add_fetch(&in_use, sign * (long long)malloc_usable_size(p), __ATOMIC_RELAXED);
    old = __atomic_load_n(&peak, __ATOMIC_RELAXED);
    while (now > old && !__atomic_compare_exchange_n(&peak, &old, now, false, __ATOMIC_RELAXED,
                                                     __ATOMIC_RELAXED))
        ;
}

void *malloc(size_t size)
{
    void *p = __libc_malloc(size);

    note_request(size);
    note_block(p, 1);
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);

    note_request(n != 0 && size > (size_t)-1 / n ? (size_t)-1 : n * size);
    note_block(p, 1);
    return p;
}

void *realloc(void *old, size_t size)
{
    void *p;

    note_block(old, -1);
    p = __libc_realloc(old, size);
    note_request(size);
    note_block(p != NULL ? p : (size != 0 ? old : NULL), 1);
    return p;
}

void free(void *p)
{
    note_block(p, -1);
    __libc_free(p);
}

void *memalign(size_t align, size_t size)
{
    void *p = __libc_memalign(align, size);

    note_request(size);
    note_block(p, 1);
    return p;
}

void *aligned_alloc(size_t align, size_t size)
{
    return memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    void *p = memalign(align, size);

    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("PP_ALLOC_REPORT");
    char line[128];
    int fd, n;

    if (path == NULL || *path == '\0')
        return;
    n = snprintf(line, sizeof(line), "alloc_max=%zu alloc_peak=%lld\n", largest, peak);
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    if (write(fd, line, (size_t)n) != n)
        n = -1;
    close(fd);
}
