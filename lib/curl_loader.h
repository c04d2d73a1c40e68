/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * curl_loader.h: libcurl, loaded when the first request needs it.
 *
 * Nothing links libcurl. A login that finds a fresh cached result sends no
 * request, and linking libcurl made every pam_start map and relocate its
 * whole dependency tree (TLS, Kerberos, LDAP, ssh, HTTP/2, IDN, ...); the
 * measurements are in bench/README.md. Instead
 * pp_curl_load() opens the system's libcurl by its SONAME
 * (PP_LIBCURL_SONAME, found by configure from the libcurl it was built
 * against) the first time a request is made in a process, RTLD_LOCAL, and
 * resolves the functions the Cloud client uses into a table. curl's headers
 * still give the types and constants.
 *
 * Promises: the library is opened at most once per process (pthread_once;
 * safe from any thread), and never closed (libcurl keeps global state, and
 * the program may use it too); the table holds every function or the call
 * fails, never half a table. curl_global_init is not called here: that is
 * cloud.c's business (it removes SSLKEYLOGFILE first).
 */
#ifndef PP_CURL_LOADER_H
#define PP_CURL_LOADER_H

#include <curl/curl.h>

struct pp_curl_api {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *curl);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *curl);
    void (*easy_reset)(CURL *curl);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
    void (*slist_free_all)(struct curl_slist *list);
};

/*
 * libcurl's functions, loading the library on the first call. NULL if it
 * could not be loaded or lacks a function; then *why (if why is not NULL)
 * says why, as dlerror() did (e.g. "libcurl.so.4: cannot open shared object
 * file: No such file or directory"); the string is static. Every later call
 * in the process gives the same answer.
 */
const struct pp_curl_api *pp_curl_load(const char **why);

#endif
