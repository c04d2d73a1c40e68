/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cloud.h: the Prefect Cloud client (libcurl + json-c).
 *
 * Promises: https only, no redirects, CURLOPT_NOSIGNAL, connect and total
 * timeouts from the config, a response size cap, proxy only from
 * cfg->proxy (never the environment), cfg->ca_file when set, peer and host
 * name always verified, a User-Agent "pam_prefect/VERSION", never verbose;
 * the key travels only in the Authorization header, never in a URL, and the
 * header buffer is wiped after use.
 *
 * Retries: an answer 502, 503 or 504, or 429 with a Retry-After, is asked
 * once more after Retry-After (or a short pause), but only when that wait
 * and a last try still fit in timeout_ms, which bounds both tries together.
 * Nothing else is retried (a timeout has used the time up already).
 *
 * Memory: the body is capped (1 MiB) and every allocation made for an
 * answer is bounded by that cap: elements are checked before the array
 * that holds them is allocated.
 */
#ifndef PP_CLOUD_H
#define PP_CLOUD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "names.h"

enum pp_cloud_status {
    PP_CLOUD_OK = 0,        /* 200 (201 for a rotation) with the expected JSON */
    PP_CLOUD_REJECTED,      /* 401 or 403 with Prefect's JSON {"detail": ...} body */
    PP_CLOUD_NOT_FOUND,     /* 404 (expiration routes) */
    PP_CLOUD_UNREACHABLE,   /* timeout, TLS, 429, 5xx, bad body, redirect, a 401/403
                               without Prefect's JSON body (a proxy's page), ... */
};

struct pp_workspace {
    char account_id[PP_UUID_LEN + 1];
    char workspace_id[PP_UUID_LEN + 1];
    char account_handle[128];
    char workspace_handle[128];
};

struct pp_cloud_answer {
    enum pp_cloud_status status;
    long http_status;               /* 0 when no HTTP answer */
    long retry_after;               /* seconds, from 429's Retry-After; 0 if none */
    long retried_http_status;       /* the answer that was retried; 0 if none */
    char reason[200];               /* short, for logs; never a key */
    char key_id[PP_UUID_LEN + 1];   /* bots route: the record's api_key.id; else "" */
};

/*
 * Both calls return 0 when ans says what happened (any status, including
 * unreachable), or -1 on a local error (bad arguments, no memory; logged,
 * and ans then says unreachable and why).
 */

/*
 * A connection that consecutive requests share (one TCP and TLS handshake
 * for a check and its expiration read: two round trips less). The key and
 * every setting are given again with each request; nothing of one request
 * but the open connection outlives it. NULL when out of memory.
 */
struct pp_cloud_conn;
struct pp_cloud_conn *pp_cloud_conn_new(void);
void pp_cloud_conn_free(struct pp_cloud_conn *conn);

/*
 * GET {api_url}/me/workspaces on conn (NULL: a connection of its own).
 * *ws (malloc'd) and *nws on PP_CLOUD_OK.
 */
int pp_cloud_workspaces_on(struct pp_cloud_conn *conn, const struct pp_config *cfg,
                           const char *key, struct pp_workspace **ws, size_t *nws,
                           struct pp_cloud_answer *ans, const struct pp_log *log);

/*
 * The key's expiration, from GET {api_url}/users/{user_id}/api_keys/{key_id}
 * (user_id/key_id set) or GET {api_url}/accounts/{account_id}/bots/{sa_id}
 * (api_key.expiration), on conn (NULL: a connection of its own).
 * *has_expires false for null (never expires).
 */
int pp_cloud_expiration_on(struct pp_cloud_conn *conn, const struct pp_config *cfg,
                           const char *key, const char *account_id, const char *user_id,
                           const char *key_id, const char *service_account_id,
                           bool *has_expires, time_t *expires, struct pp_cloud_answer *ans,
                           const struct pp_log *log);

/*
 * Whether api_url answers, without sending a key or any request: a DNS
 * lookup of its host, a TCP connection (through cfg->proxy when set), and
 * a TLS handshake that verifies the peer and its name (cfg->ca_file when
 * set), within connect_timeout_ms, then the connection is closed. Not a
 * check of a key: whether Cloud accepts keys is for pp_cloud_workspaces_on.
 * Returns the stage that failed (PP_REACH_OK: all passed); reason says why
 * in a few words (libcurl's own), never a key (there is none).
 */
enum pp_reach {
    PP_REACH_OK = 0,
    PP_REACH_URL,       /* api_url is not an https:// URL */
    PP_REACH_DNS,       /* its host (or the proxy's) does not resolve */
    PP_REACH_TCP,       /* no TCP connection (refused, unreachable, timeout) */
    PP_REACH_TLS,       /* the TLS handshake or the certificate check failed */
    PP_REACH_OTHER,     /* libcurl missing, out of memory, ... */
};
enum pp_reach pp_cloud_reach(const struct pp_config *cfg, char *reason, size_t reasonlen);

/*
 * The parsers behind the two calls, on a 200 answer's body (len bytes,
 * not necessarily NUL-terminated), for the fuzz targets: ans->status is
 * PP_CLOUD_OK with the results, or PP_CLOUD_UNREACHABLE and why. bot: the
 * service account route (api_key.expiration, api_key.id in ans->key_id).
 */
void pp_cloud_parse_workspaces(const char *body, size_t len, struct pp_workspace **ws,
                               size_t *nws, struct pp_cloud_answer *ans);
void pp_cloud_parse_expiration(const char *body, size_t len, bool bot, bool *has_expires,
                               time_t *expires, struct pp_cloud_answer *ans);

/*
 * POST {api_url}/accounts/{account_id}/bots/{service_account_id}/rotate_api_key
 * with admin_key and {"api_key_expiration": RFC 3339 or null}: Cloud makes
 * the service account a new key. PP_CLOUD_OK only for 201 Created with the
 * service account (its id and account_id the ones asked for) and an api_key
 * {id: UUID, expiration: null or RFC 3339, key: a pnb_ key}: then rk holds
 * the new key (a secret: pp_rotated_key_clear), its id and expiration.
 * PP_CLOUD_REJECTED: the admin key was refused (401/403); NOT_FOUND: 404.
 * Anything else changes nothing in rk and says why in ans->reason (never
 * the key). Never retried. Returns as the calls above.
 */
struct pp_rotated_key {
    char *key;                          /* secret; NULL unless PP_CLOUD_OK */
    char key_id[PP_UUID_LEN + 1];       /* api_key.id, lowercase */
    bool has_expires;                   /* false: never expires */
    time_t expires;
};
int pp_cloud_rotate_service_key(const struct pp_config *cfg, const char *admin_key,
                                const char *account_id, const char *service_account_id,
                                bool has_expiration, time_t expiration,
                                struct pp_rotated_key *rk, struct pp_cloud_answer *ans,
                                const struct pp_log *log);
/* The parser behind it, on a 201 answer's body (fuzz/fuzz_rotated.c). */
void pp_cloud_parse_rotated(const char *body, size_t len, const char *account_id,
                            const char *service_account_id, struct pp_rotated_key *rk,
                            struct pp_cloud_answer *ans);
/* Wipe and free rk's key; zero rk. */
void pp_rotated_key_clear(struct pp_rotated_key *rk);

#endif
