/* lcfg.c: see lcfg.h. */
#include <config.h>

#include "lcfg.h"

#include <stdio.h>
#include <string.h>

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
    config_init(c);
    if (config_read_string(c, text) != CONFIG_TRUE) {
        const char *what = config_error_text(c);

        snprintf(err, errlen, "line %d: %s", config_error_line(c),
                 what != NULL ? what : "syntax error");
        config_destroy(c);
        return -1;
    }
    return 0;
}

int pp_lcfg_parse(config_t *c, const char *text, const char *path, const struct pp_log *log)
{
    char err[256];

    if (pp_lcfg_read(c, text, err, sizeof(err)) != 0) {
        /* "line N: what" -> "PATH:N: what" */
        pp_error(log, "%s:%s", path, err + 5);
        return -1;
    }
    return 0;
}
