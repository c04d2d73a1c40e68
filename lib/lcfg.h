/*
 * lcfg.h: how every pam_prefect file in libconfig syntax is parsed.
 *
 * Promises: the text (already read through safefile) is parsed from memory
 * with libconfig, never by path; an @include directive (which libconfig 1.5
 * cannot switch off, and which would open a file that escaped every check)
 * refuses the whole text; a syntax error is one log line "PATH:LINE: what".
 */
#ifndef PP_LCFG_H
#define PP_LCFG_H

#include <stddef.h>

#include <libconfig.h>

#include "log.h"

/*
 * Parse text into c. Returns 0 with c ready (the caller config_destroy()s
 * it), or -1 after logging (c is then already destroyed).
 */
int pp_lcfg_parse(config_t *c, const char *text, const char *path, const struct pp_log *log);

/*
 * The same, without logging: -1 with err = "line N: what" (c destroyed),
 * for callers that report a malformed file in their own words.
 */
int pp_lcfg_read(config_t *c, const char *text, char *err, size_t errlen);

#endif
