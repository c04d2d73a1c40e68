/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dynlib.c: libraries opened on first use (see dynlib.h).
 *
 * The functions are resolved with dlsym into the caller's table of typed
 * function pointers; the void * that dlsym returns is copied into each
 * pointer with memcpy (POSIX guarantees that a function's address survives
 * the trip through void *; ISO C has no cast for it, and a type-punned store
 * would break aliasing). The table is filled in a copy first, so a missing
 * function leaves the caller's table as it was.
 */
#include <config.h>

#include "dynlib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
               "function pointers must fit in void * (POSIX dlsym)");

/* Why the last dl* call failed, or fallback when dlerror has nothing. */
static void save_dlerror(char *err, size_t errlen, const char *fallback)
{
    const char *e = dlerror();

    snprintf(err, errlen, "%s", e != NULL ? e : fallback);
}

int pp_dynlib_open(const char *soname, const struct pp_dynsym *syms, size_t n, void *table,
                   size_t table_size, char *err, size_t errlen)
{
    unsigned char copy[512];
    char fallback[160];
    void *handle, *sym;
    size_t i;

    if (table_size > sizeof(copy)) {
        snprintf(err, errlen, "%s: table too large", soname);
        return -1;
    }
    dlerror();          /* clear a stale error */
    handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        snprintf(fallback, sizeof(fallback), "%s: cannot be opened", soname);
        save_dlerror(err, errlen, fallback);
        return -1;
    }
    memset(copy, 0, sizeof(copy));
    for (i = 0; i < n; i++) {
        if (syms[i].offset + sizeof(sym) > table_size) {
            snprintf(err, errlen, "%s: bad table for %s", soname, syms[i].name);
            dlclose(handle);
            return -1;
        }
        dlerror();
        sym = dlsym(handle, syms[i].name);
        if (sym == NULL) {
            snprintf(fallback, sizeof(fallback), "%s: no function %s", soname, syms[i].name);
            save_dlerror(err, errlen, fallback);
            /* Not the library we need: nothing of it is used. */
            dlclose(handle);
            return -1;
        }
        memcpy(copy + syms[i].offset, &sym, sizeof(sym));
    }
    memcpy(table, copy, table_size);
    return 0;
}
