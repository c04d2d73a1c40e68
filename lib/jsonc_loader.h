/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jsonc_loader.h: json-c, loaded when the first answer from Cloud is read.
 *
 * Nothing in the module links json-c: a warm login reads no JSON (the cache
 * record is libconfig text, cache.h), and mapping json-c at every pam_start
 * cost more than the module's own work. The Cloud client opens it with
 * libcurl (dynlib.h) by its SONAME (PP_LIBJSONC_SONAME, from configure);
 * lcfg_loader.h does the same for libconfig, which reads the record.
 *
 * A file that defines PP_JSONC_LAZY before including this header calls
 * every json-c function below through the loaded table (the macros at the
 * end), and must have called pp_jsonc_load() successfully first. A json-c
 * function that is not in the table does not link into the module: add it
 * to struct pp_jsonc_api, the table in jsonc_loader.c and the macros.
 *
 * Promises: as dynlib.h: opened at most once per process (pthread_once),
 * never closed, the whole table or NULL.
 */
#ifndef PP_JSONC_LOADER_H
#define PP_JSONC_LOADER_H

#include <json-c/json.h>

#if JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
#define PP_JSONC_HAS_PARSE_END 1
#endif

struct pp_jsonc_api {
    json_tokener *(*tokener_new)(void);
    void (*tokener_set_flags)(json_tokener *tok, int flags);
    json_object *(*tokener_parse_ex)(json_tokener *tok, const char *str, int len);
    enum json_tokener_error (*tokener_get_error)(json_tokener *tok);
    void (*tokener_free)(json_tokener *tok);
#ifdef PP_JSONC_HAS_PARSE_END
    size_t (*tokener_get_parse_end)(json_tokener *tok);
#endif
    int (*object_put)(json_object *obj);
    int (*object_is_type)(const json_object *obj, enum json_type type);
    json_bool (*object_object_get_ex)(const json_object *obj, const char *key,
                                      json_object **value);
    const char *(*object_get_string)(json_object *obj);
    int (*object_get_string_len)(const json_object *obj);
    size_t (*object_array_length)(const json_object *obj);
    json_object *(*object_array_get_idx)(const json_object *obj, size_t idx);
};

/*
 * json-c's functions, loading the library on the first call. NULL if it
 * could not be loaded or lacks a function; then *why (if not NULL) says
 * why, as dlerror() did. Every later call gives the same answer.
 */
const struct pp_jsonc_api *pp_jsonc_load(const char **why);

#ifdef PP_JSONC_LAZY
/* Set by a successful pp_jsonc_load(). */
extern const struct pp_jsonc_api *pp_jsonc;
#define json_tokener_new (pp_jsonc->tokener_new)
#define json_tokener_set_flags (pp_jsonc->tokener_set_flags)
#define json_tokener_parse_ex (pp_jsonc->tokener_parse_ex)
#define json_tokener_get_error (pp_jsonc->tokener_get_error)
#define json_tokener_free (pp_jsonc->tokener_free)
#ifdef PP_JSONC_HAS_PARSE_END
#define json_tokener_get_parse_end (pp_jsonc->tokener_get_parse_end)
#endif
#define json_object_put (pp_jsonc->object_put)
#define json_object_is_type (pp_jsonc->object_is_type)
#define json_object_object_get_ex (pp_jsonc->object_object_get_ex)
#define json_object_get_string (pp_jsonc->object_get_string)
#define json_object_get_string_len (pp_jsonc->object_get_string_len)
#define json_object_array_length (pp_jsonc->object_array_length)
#define json_object_array_get_idx (pp_jsonc->object_array_get_idx)
#endif

#endif
