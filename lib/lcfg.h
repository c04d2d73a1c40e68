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

#include <libconfig.h>

#include "log.h"

/*
 * Parse text into c. Returns 0 with c ready (the caller config_destroy()s
 * it), or -1 after logging (c is then already destroyed).
 */
int pp_lcfg_parse(config_t *c, const char *text, const char *path, const struct pp_log *log);

#endif
