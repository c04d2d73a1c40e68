/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testroot.h: a safe place for the tests' root-owned files.
 *
 * The store checks demand that every directory above a store or config file
 * is root-owned and not group/world writable, wherever the clone lives (CI
 * may clone under /tmp). So tests never put those files in the build tree:
 * they make a fresh directory under /run (root:root 0755 on Debian), or
 * under $PP_TEST_SAFE_PARENT if set, and remove it at the end.
 */
#ifndef PP_TESTROOT_H
#define PP_TESTROOT_H

#include <stddef.h>
#include <sys/types.h>

/* Exit 77 (automake's "skipped") with a message unless running as root. */
void pp_test_require_root(void);

/* Make a fresh safe directory (0755, root). Returns a malloc'd path; exits 99 on failure. */
char *pp_test_mkroot(void);

/* Remove a tree made by pp_test_mkroot (never follows symlinks). */
void pp_test_rmtree(const char *path);

/* Write content to path with owner uid/gid and mode (no symlink follow). 0 or -1. */
int pp_test_write(const char *path, const char *content, mode_t mode, uid_t uid, gid_t gid);

/* mkdir -p with the given mode for the last component; 0 or -1. */
int pp_test_mkdir(const char *path, mode_t mode);

/* Read a whole file into a malloc'd string (NULL if absent). */
char *pp_test_slurp(const char *path);

/* printf into a malloc'd string. */
char *pp_test_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
