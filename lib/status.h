/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * status.h: the return codes that mean something besides success (0) and
 * failure (-1, logged or in err). Each function's contract says which of
 * them it returns.
 */
#ifndef PP_STATUS_H
#define PP_STATUS_H

/* The thing asked for does not exist: a file, an entry, a cache record. */
#define PP_ABSENT (-2)

/* A wait ran out (pp_cache_lock). */
#define PP_TIMED_OUT (-3)

#endif
