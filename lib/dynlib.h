/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dynlib.h: a library opened when it is first needed, not linked.
 *
 * A warm login (answered from the cache) needs neither libcurl, json-c nor
 * libcrypto, and linking them made every pam_start map and relocate them:
 * most of such a login's cost (bench/README.md). libconfig is needed only
 * when a file must be parsed or written (lcfg_loader.h). Each is opened by
 * its SONAME (found by configure from the library it was built against) the
 * first time it is needed, RTLD_NOW | RTLD_LOCAL, and the functions used are
 * resolved into a table of typed function pointers; the headers still give
 * the types and constants.
 *
 * Promises: pp_dynlib_open fills the whole table or nothing (then err says
 * why, as dlerror() did, e.g. "libjson-c.so.5: cannot open shared object
 * file: No such file or directory"); a library is never closed once its
 * table is handed out (libraries keep global state, and the program may use
 * them too). The callers open each library once per process
 * (pthread_once) and give every later call the same answer.
 */
#ifndef PP_DYNLIB_H
#define PP_DYNLIB_H

#include <stddef.h>

/* One function: its name and where its pointer goes in the table. */
struct pp_dynsym {
    const char *name;
    size_t offset;
};

/*
 * Open soname and resolve the n functions of syms into table. Returns 0, or
 * -1 with err (errlen bytes) saying why; the table is then untouched.
 */
int pp_dynlib_open(const char *soname, const struct pp_dynsym *syms, size_t n, void *table,
                   size_t table_size, char *err, size_t errlen);

#endif
