/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcfg.h: how every pam_prefect file in libconfig syntax is parsed.
 *
 * Promises: the text (already read through safefile) is parsed from memory
 * with libconfig, never by path; an @include directive (which libconfig 1.5
 * cannot switch off, and which would open a file that escaped every check)
 * refuses the whole text; a syntax error is one log line "PATH:LINE: what".
 * libconfig itself is opened here (lcfg_loader.h) the first time a text is
 * parsed or a tree made in a process: a process that does neither never
 * maps it. When it cannot be opened, nothing is parsed or written, and the
 * error names the library and why (dlerror's text).
 */
#ifndef PP_LCFG_H
#define PP_LCFG_H

#include <stddef.h>

#include <libconfig.h>

#include "log.h"

/*
 * Returned by pp_lcfg_read and pp_lcfg_init when libconfig could not be
 * loaded: err is then "cannot load libconfig: WHY", and c was never
 * initialised (nothing to destroy).
 */
#define PP_LCFG_UNAVAILABLE (-3)

/*
 * Parse text into c. Returns 0 with c ready (the caller config_destroy()s
 * it), or -1 after logging (c is then already destroyed or was never
 * made): "PATH:LINE: what", or "PATH: not read: cannot load libconfig: WHY".
 */
int pp_lcfg_parse(config_t *c, const char *text, const char *path, const struct pp_log *log);

/*
 * The same, without logging, for callers that report a malformed file in
 * their own words: -1 with err = "line N: what" (c destroyed), or
 * PP_LCFG_UNAVAILABLE.
 */
int pp_lcfg_read(config_t *c, const char *text, char *err, size_t errlen);

/*
 * An empty tree in c, to be filled and written (config_write); the caller
 * config_destroy()s it. 0, or PP_LCFG_UNAVAILABLE.
 */
int pp_lcfg_init(config_t *c, char *err, size_t errlen);

#endif
