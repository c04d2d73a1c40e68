/* SPDX-License-Identifier: BSD-3-Clause */
/* names.c: what a valid entry name, account name and Cloud id are (names.h). */
#include <config.h>

#include "names.h"

#include <string.h>

static bool dot_or_dotdot(const char *s)
{
    return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

bool pp_entry_name_valid(const char *name)
{
    size_t i;

    if (name == NULL || name[0] == '\0' || dot_or_dotdot(name))
        return false;
    for (i = 0; name[i] != '\0'; i++) {
        char c = name[i];

        if (i >= PP_ENTRY_NAME_MAX)
            return false;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
              || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool pp_account_name_valid(const char *name)
{
    size_t i;

    if (name == NULL || name[0] == '\0' || dot_or_dotdot(name))
        return false;
    for (i = 0; name[i] != '\0'; i++) {
        unsigned char c = (unsigned char)name[i];

        if (i >= PP_ACCOUNT_NAME_MAX)
            return false;
        /* Printable ASCII without the space; no path or passwd separators. */
        if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':')
            return false;
    }
    return true;
}

bool pp_uuid_valid(const char *s)
{
    size_t i;

    if (s == NULL)
        return false;
    for (i = 0; i < PP_UUID_LEN; i++) {
        char c = s[i];

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;   /* also stops at an early NUL */
        }
    }
    return s[PP_UUID_LEN] == '\0';
}

const char *pp_key_problem(const char *key)
{
    const unsigned char *p;

    if (key == NULL || key[0] == '\0')
        return "the key is empty";
    for (p = (const unsigned char *)key; *p != '\0'; p++) {
        if (*p == ' ' || *p == '\t')
            return "the key contains a space inside";
        if (*p < 0x20 || *p == 0x7f)
            return "the key contains a control character (a key is one line)";
        if (*p > 0x7e)
            return "the key contains a character that is not printable ASCII";
    }
    return NULL;
}

bool pp_text_valid(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

bool pp_entry_name_of_file(const char *fname, const char *suffix,
                           char name[PP_ENTRY_NAME_MAX + 1])
{
    size_t len = strlen(fname), sl = strlen(suffix);

    name[0] = '\0';
    if (len <= sl || len - sl > PP_ENTRY_NAME_MAX || strcmp(fname + len - sl, suffix) != 0)
        return false;
    memcpy(name, fname, len - sl);
    name[len - sl] = '\0';
    if (!pp_entry_name_valid(name)) {
        name[0] = '\0';
        return false;
    }
    return true;
}
