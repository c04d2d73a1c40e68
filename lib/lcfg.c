/* SPDX-License-Identifier: BSD-3-Clause */
/* lcfg.c: see lcfg.h. */
#include <config.h>

#include "lcfg_loader.h"

#include "lcfg.h"

#include <stdio.h>
#include <string.h>

/*
 * Every config_t of ours is made by pp_lcfg_read or pp_lcfg_init, so these
 * two are where libconfig is loaded: a sym_config_* call anywhere else
 * works on a tree one of them made, with the pointers already set.
 */
static int load_libconfig(char *err, size_t errlen)
{
    const char *why = "unknown error";

    if (pp_libconfig_load(&why) == 0)
        return 0;
    snprintf(err, errlen, "cannot load libconfig: %s", why);
    return PP_LCFG_UNAVAILABLE;
}

/*
 * The line of the first "@include" directive in text, or 0. libconfig 1.5
 * obeys one at the start of a line (after blanks); inside a multi-line
 * string this is stricter than libconfig, which is fine: we never write one.
 */
static unsigned include_line(const char *text)
{
    const char *p = text;
    unsigned line = 1;

    while (*p != '\0') {
        const char *q = p + strspn(p, " \t");

        if (strncmp(q, "@include", 8) == 0)
            return line;
        p = strchr(q, '\n');
        if (p == NULL)
            break;
        p++;
        line++;
    }
    return 0;
}

int pp_lcfg_read(config_t *c, const char *text, char *err, size_t errlen)
{
    unsigned inc = include_line(text);

    if (inc != 0) {
        snprintf(err, errlen, "line %u: @include is not allowed", inc);
        return -1;
    }
    if (load_libconfig(err, errlen) != 0)
        return PP_LCFG_UNAVAILABLE;
    sym_config_init(c);
    if (sym_config_read_string(c, text) != CONFIG_TRUE) {
        const char *what = config_error_text(c);

        snprintf(err, errlen, "line %d: %s", config_error_line(c),
                 what != NULL ? what : "syntax error");
        sym_config_destroy(c);
        return -1;
    }
    return 0;
}

int pp_lcfg_parse(config_t *c, const char *text, const char *path, const struct pp_log *log)
{
    char err[320];
    int rc = pp_lcfg_read(c, text, err, sizeof(err));

    if (rc == PP_LCFG_UNAVAILABLE) {
        pp_error(log, "%s: not read: %s", path, err);
        return -1;
    }
    if (rc != 0) {
        /* "line N: what" -> "PATH:N: what" */
        pp_error(log, "%s:%s", path, err + 5);
        return -1;
    }
    return 0;
}

int pp_lcfg_init(config_t *c, char *err, size_t errlen)
{
    if (load_libconfig(err, errlen) != 0)
        return PP_LCFG_UNAVAILABLE;
    sym_config_init(c);
    return 0;
}
