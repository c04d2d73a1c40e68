/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkjson.c: the envelope of every --json answer of prefect-keys (pk.h).
 *
 * Promises: every answer is one object whose first member is "version": 1
 * (fields are only ever added: prefect-keys(8)), printed one way (pretty,
 * spaced, slashes as they are) on standard output; the changing verbs'
 * answer is {version, verb, changed, message}, to which a verb may add.
 * These functions print what they are given and nothing else: never a key.
 */
#include <config.h>

#include <json-c/json.h>
#include <stdio.h>

#include "pk.h"

#define JSON_VERSION 1

struct json_object *pk_json_answer(void)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "version", json_object_new_int(JSON_VERSION));
    return o;
}

struct json_object *pk_json_change(const char *verb, bool changed, const char *message)
{
    struct json_object *o = pk_json_answer();

    json_object_object_add(o, "verb", json_object_new_string(verb));
    json_object_object_add(o, "changed", json_object_new_boolean(changed));
    json_object_object_add(o, "message", json_object_new_string(message));
    return o;
}

void pk_json_print(struct json_object *o)
{
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                               | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}
