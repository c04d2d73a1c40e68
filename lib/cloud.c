/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cloud.c: the Prefect Cloud client (see cloud.h).
 *
 * One curl easy handle per request (requests on a pp_cloud_conn share one,
 * reset after each: curl_easy_reset keeps its connection, so a check's
 * second request needs no new TCP and TLS handshake), set up by cloud_get()
 * with every limit the header promises. The answer is classified in one place
 * (classify_status) and bodies are parsed with json-c in strict mode with
 * every field's type checked: anything unexpected is "unreachable", never a
 * guess.
 *
 * Linked into the check program only (checker/check.c), with libcurl and
 * json-c: no login process ever maps either.
 *
 * Local failures are not Cloud's answer: a CA file that cannot be read, no
 * memory, no descriptor or socket left return -1 (cloud.h), so that the
 * check records nothing for them (checkwork.c).
 *
 * libcurl's global state: curl_global_init() is called once per process
 * through pthread_once (the module may run inside a threaded program, and
 * curl's implicit init in curl_easy_init is not thread-safe on older
 * versions). curl_global_cleanup() is never called: the process may still
 * need it (tests and tools call the client more than once).
 *
 * The key: it goes only into the Authorization header. We wipe our header
 * buffer and curl's copy in the slist (curl_slist_append copies the string)
 * before freeing them. libcurl also assembles the request in an internal
 * buffer that it frees without wiping; that copy is out of our reach.
 */
#include <config.h>

#include "cloud.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <time.h>

#include <curl/curl.h>

#include <json-c/json.h>

#include "secret.h"
#include "timefmt.h"

/* Largest answer we accept; Cloud's answers here are a few KiB. */
#define PP_CLOUD_BODY_MAX (1024 * 1024)
/* Longest key we put in a header (keys are ~40 characters). */
#define PP_CLOUD_KEY_MAX 1024
/*
 * The shortest text a valid /me/workspaces element can have:
 * {"account_id":"UUID","workspace_id":"UUID","account_handle":"",
 * "workspace_handle":""} is 130 bytes, plus a comma. A body of len bytes
 * therefore holds at most len / 131 + 1 of them.
 */
#define PP_WS_ELEMENT_MIN 131
/*
 * What json-c may be asked to build from one body (parse_body): json-c
 * spends some hundred bytes on every value and far more on every object
 * (its hash table), so a 1 MiB body of "[{},{},...]" would become a tree
 * of hundreds of megabytes. A body is scanned first and parsed only if it
 * has at most 64 + len / PP_JSON_BYTES_PER_VALUE values (keys included),
 * 64 + len / PP_JSON_BYTES_PER_CONTAINER objects and arrays, nesting no
 * deeper than PP_JSON_DEPTH_MAX. Cloud's answers are far below: a
 * workspace is one object of a dozen values in some three hundred bytes.
 */
#define PP_JSON_BYTES_PER_VALUE 8
#define PP_JSON_BYTES_PER_CONTAINER 64
#define PP_JSON_DEPTH_MAX 16
/* Pause before retrying a 5xx without Retry-After. */
#define PP_CLOUD_RETRY_PAUSE_MS 200
/* A try needs at least this much time left to be worth making. */
#define PP_CLOUD_MIN_TRY_MS 100

struct body {
    char *data;
    size_t len;
    size_t cap;
    bool too_large;
    bool no_memory;
};

/* Requests on one connection (pp_cloud_conn_new): the handle is kept. */
struct pp_cloud_conn {
    CURL *curl;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
    /*
     * libcurl opens the file named by SSLKEYLOGFILE, if set, when it is
     * initialised, and appends the TLS session secrets of every connection
     * to it: secrets that decrypt the request carrying the key. Under su the
     * environment is the calling user's, so the variable is removed before
     * libcurl (and the TLS library under it) is even loaded, and so before
     * the first initialisation (nothing reads it; see pam_prefect(8)). The
     * check program starts with an empty environment anyway.
     */
    unsetenv("SSLKEYLOGFILE");
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void set_reason(struct pp_cloud_answer *ans, enum pp_cloud_status st, const char *fmt, ...)
    PP_PRINTF(3, 4);

static void set_reason(struct pp_cloud_answer *ans, enum pp_cloud_status st, const char *fmt, ...)
{
    va_list ap;

    ans->status = st;
    va_start(ap, fmt);
    vsnprintf(ans->reason, sizeof(ans->reason), fmt, ap);
    va_end(ap);
}

static size_t body_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct body *b = userdata;
    size_t n = size * nmemb;

    if (n > PP_CLOUD_BODY_MAX - b->len) {
        b->too_large = true;
        return 0;       /* anything but n makes curl stop */
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 16384;
        char *p;

        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > PP_CLOUD_BODY_MAX + 1)
            cap = PP_CLOUD_BODY_MAX + 1;
        p = realloc(b->data, cap);
        if (p == NULL) {
            b->no_memory = true;
            return 0;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* A key may travel in a header only if it is a valid key (names.h) of bounded length. */
static bool key_header_safe(const char *key)
{
    return key != NULL && pp_key_problem(key) == NULL
           && strlen(key) <= PP_CLOUD_KEY_MAX;
}

/* Whether curl failed in the TLS handshake or the certificate check. */
static bool tls_failure(CURLcode rc)
{
    switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return true;
    default:
        return false;
    }
}

/* Whether fewer bytes came than the response announced. */
static bool short_body(CURL *curl)
{
    curl_off_t want = -1, got = 0;

    return curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &want) == CURLE_OK
           && curl_easy_getinfo(curl, CURLINFO_SIZE_DOWNLOAD_T, &got) == CURLE_OK
           && want > 0 && got < want;
}

/* Why curl failed, in a few words for the log. */
static void transport_reason(struct pp_cloud_answer *ans, CURL *curl, CURLcode rc,
                             const char *errbuf, const struct body *b, long connect_ms,
                             long timeout_ms)
{
    const char *detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    curl_off_t tls_done = 0;

    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        /* Not even connected (TCP and TLS): connect_timeout_ms ran out. */
        if (curl_easy_getinfo(curl, CURLINFO_APPCONNECT_TIME_T, &tls_done) == CURLE_OK
            && tls_done == 0 && connect_ms < timeout_ms)
            set_reason(ans, PP_CLOUD_UNREACHABLE, "timeout after %ld ms while connecting",
                       connect_ms);
        else
            set_reason(ans, PP_CLOUD_UNREACHABLE, "timeout after %ld ms", timeout_ms);
        break;
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (b->no_memory)
            set_reason(ans, PP_CLOUD_UNREACHABLE, "out of memory reading the response");
        else
            set_reason(ans, PP_CLOUD_UNREACHABLE, "response too large (over %d bytes)",
                       PP_CLOUD_BODY_MAX);
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        set_reason(ans, PP_CLOUD_UNREACHABLE, "refused: only https is allowed");
        break;
    case CURLE_PARTIAL_FILE:
        set_reason(ans, PP_CLOUD_UNREACHABLE, "truncated response");
        break;
    case CURLE_RECV_ERROR:
        /* GnuTLS reports a connection closed in the middle of the body
         * (no TLS close_notify) as a receive error: fewer bytes than
         * announced is a truncated response all the same. */
        if (short_body(curl))
            set_reason(ans, PP_CLOUD_UNREACHABLE, "truncated response");
        else
            set_reason(ans, PP_CLOUD_UNREACHABLE, "%s", detail);
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        set_reason(ans, PP_CLOUD_UNREACHABLE, "connection failed: %s", detail);
        break;
    default:
        set_reason(ans, PP_CLOUD_UNREACHABLE, tls_failure(rc) ? "TLS: %s" : "%s", detail);
        break;
    }
}

/*
 * Whether a failed transfer failed here rather than on the way to Cloud:
 * out of memory, a CA file that cannot be read, no descriptor or socket.
 */
static bool local_failure(CURL *curl, CURLcode rc, const struct body *b)
{
    long oserr = 0;

    switch (rc) {
    case CURLE_OUT_OF_MEMORY:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_FAILED_INIT:
        return true;
    default:
        break;
    }
    if (b->no_memory)
        return true;
    if (curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &oserr) != CURLE_OK)
        return false;
    return oserr == EMFILE || oserr == ENFILE || oserr == ENOMEM || oserr == ENOBUFS;
}

/* In set_transport and set_request: return the name of an option libcurl refuses. */
#define SET(opt, val)                                                   \
    do {                                                                \
        if ((*rc = curl_easy_setopt(curl, opt, val)) != CURLE_OK)       \
            return #opt;                                                \
    } while (0)

/*
 * The options of every connection to Cloud (cloud.h's promises), for a
 * request and for the reachability probe alike. NULL, or the option
 * libcurl refused (*rc: why).
 */
static const char *set_transport(CURL *curl, const struct pp_config *cfg, const char *url,
                                 char *errbuf, long connect_ms, long timeout_ms, CURLcode *rc)
{
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
    SET(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
    SET(CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_VERBOSE, 0L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    SET(CURLOPT_TIMEOUT_MS, timeout_ms);
    /* "" disables the proxy variables of the environment; so does an
     * explicit NOPROXY for no_proxy. */
    SET(CURLOPT_PROXY, cfg->proxy != NULL ? cfg->proxy : "");
    SET(CURLOPT_NOPROXY, "");
    /* ca_file is the whole trust: without CAPATH cleared, libcurl would
     * also trust its built-in CA directory (/etc/ssl/certs), and with
     * GnuTLS read every certificate in it at each connection. */
    if (cfg->ca_file != NULL) {
        SET(CURLOPT_CAINFO, cfg->ca_file);
        SET(CURLOPT_CAPATH, NULL);
    }
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    return NULL;
}

/* The options of one request: its method, headers, the body's cap and sink. */
static const char *set_request(CURL *curl, const char *post_json, struct curl_slist *headers,
                               struct body *b, CURLcode *rc)
{
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    if (post_json != NULL) {
        SET(CURLOPT_POSTFIELDSIZE, (long)strlen(post_json));
        SET(CURLOPT_COPYPOSTFIELDS, post_json);
    } else {
        SET(CURLOPT_HTTPGET, 1L);
    }
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)PP_CLOUD_BODY_MAX);
    SET(CURLOPT_WRITEFUNCTION, body_write);
    SET(CURLOPT_WRITEDATA, b);
    SET(CURLOPT_USERAGENT, "pam_prefect/" PACKAGE_VERSION);
    SET(CURLOPT_HTTPHEADER, headers);
    return NULL;
}
#undef SET

/*
 * GET {api_url}{path} with key, or POST post_json (a JSON body) there when
 * it is not NULL. Returns 0 with ans->http_status and *b set when an HTTP
 * answer came back; 1 when it did not (ans: unreachable and why); -1 on a
 * local error (logged; ans: unreachable and why).
 */
static int cloud_get(struct pp_cloud_conn *conn, const struct pp_config *cfg, const char *key,
                     const char *path, const char *post_json, long timeout_ms, struct body *b,
                     struct pp_cloud_answer *ans, const struct pp_log *log)
{
    static const char bearer[] = "Authorization: Bearer ";
    char errbuf[CURL_ERROR_SIZE];
    struct curl_slist *headers = NULL, *tmp, *s;
    char *url = NULL, *auth = NULL;
    const char *refused;
    size_t authlen = 0;
    long connect_ms;
    CURL *curl = NULL;
    CURLcode rc;
    int ret = -1;

    memset(b, 0, sizeof(*b));
    if (cfg->api_url == NULL || strncasecmp(cfg->api_url, "https://", 8) != 0) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "refused: api_url is not an https:// URL");
        return 1;
    }
    if (!key_header_safe(key)) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "key has characters not allowed in a header");
        pp_error(log, "cloud: the key cannot be sent: it has characters not allowed in a header");
        return -1;
    }
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "libcurl initialisation failed");
        pp_error(log, "cloud: curl_global_init failed: %s", curl_easy_strerror(curl_init_rc));
        return -1;
    }

    if (timeout_ms <= 0)
        timeout_ms = 1;
    connect_ms = cfg->connect_timeout_ms > 0 && cfg->connect_timeout_ms < timeout_ms
        ? cfg->connect_timeout_ms : timeout_ms;

    if (asprintf(&url, "%s%s", cfg->api_url, path) < 0) {
        url = NULL;
        goto nomem;
    }
    authlen = sizeof(bearer) + strlen(key);
    auth = malloc(authlen);
    if (auth == NULL)
        goto nomem;
    snprintf(auth, authlen, "%s%s", bearer, key);
    if ((tmp = curl_slist_append(headers, auth)) == NULL)
        goto nomem;
    headers = tmp;
    if ((tmp = curl_slist_append(headers, "Accept: application/json")) == NULL)
        goto nomem;
    headers = tmp;
    if (post_json != NULL) {
        if ((tmp = curl_slist_append(headers, "Content-Type: application/json")) == NULL)
            goto nomem;
        headers = tmp;
    }

    curl = conn != NULL && conn->curl != NULL ? conn->curl : curl_easy_init();
    if (conn != NULL)
        conn->curl = curl;
    if (curl == NULL) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "libcurl initialisation failed");
        pp_error(log, "cloud: curl_easy_init failed");
        goto out;
    }
    errbuf[0] = '\0';
    refused = set_transport(curl, cfg, url, errbuf, connect_ms, timeout_ms, &rc);
    if (refused == NULL)
        refused = set_request(curl, post_json, headers, b, &rc);
    if (refused != NULL) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "libcurl refused %s", refused);
        pp_error(log, "cloud: libcurl refused %s: %s", refused, curl_easy_strerror(rc));
        goto out;
    }

    rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        transport_reason(ans, curl, rc, errbuf, b, connect_ms, timeout_ms);
        ret = local_failure(curl, rc, b) ? -1 : 1;
        if (ret < 0)
            pp_error(log, "cloud: the request failed on this host: %s", ans->reason);
        goto out;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &ans->http_status);
#if LIBCURL_VERSION_NUM >= 0x074200
    {
        curl_off_t ra = 0;

        if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
            ans->retry_after = ra > 86400 ? 86400 : (long)ra;
    }
#endif
    ret = 0;
    goto out;

nomem:
    set_reason(ans, PP_CLOUD_UNREACHABLE, "out of memory");
    pp_error(log, "cloud: out of memory");
out:
    /* A connection's handle keeps its connection, and none of our pointers. */
    if (curl != NULL && conn != NULL)
        curl_easy_reset(curl);
    else if (curl != NULL)
        curl_easy_cleanup(curl);
    for (s = headers; s != NULL; s = s->next)
        pp_wipe(s->data, strlen(s->data));
    curl_slist_free_all(headers);
    pp_free_buf(auth, authlen);
    free(url);
    if (ret != 0) {
        free(b->data);
        memset(b, 0, sizeof(*b));
    }
    return ret;
}

/* Whether an HTTP answer is worth one more try, and after how many ms. */
static bool retry_pause(const struct pp_cloud_answer *ans, long *pause_ms)
{
    switch (ans->http_status) {
    case 502:
    case 503:
    case 504:
        *pause_ms = ans->retry_after > 0 ? ans->retry_after * 1000L : PP_CLOUD_RETRY_PAUSE_MS;
        return true;
    case 429:
        *pause_ms = ans->retry_after * 1000L;
        return ans->retry_after > 0;
    default:
        return false;
    }
}

static void sleep_until(const struct timespec *t0, long ms)
{
    struct timespec until = *t0;

    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
        ;
}

/*
 * cloud_get, retried once (see cloud.h) when the answer says to and the
 * pause and a last try fit in what is left of cfg->timeout_ms.
 */
static int cloud_request(struct pp_cloud_conn *conn, const struct pp_config *cfg,
                         const char *key, const char *path, struct body *b,
                         struct pp_cloud_answer *ans, const struct pp_log *log)
{
    long total = cfg->timeout_ms > 0 ? cfg->timeout_ms : 1;
    long pause, first;
    struct timespec t0;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = cloud_get(conn, cfg, key, path, NULL, total, b, ans, log);
    if (rc != 0 || !retry_pause(ans, &pause))
        return rc;
    first = ans->http_status;
    if (pp_ms_since(&t0) + pause + PP_CLOUD_MIN_TRY_MS > total) {
        pp_debug(log, "cloud: HTTP %ld; not retried: a pause of %ld ms and another try do "
                 "not fit in the %ld ms left of timeout_ms", first, pause,
                 total - pp_ms_since(&t0));
        return rc;
    }
    pp_debug(log, "cloud: HTTP %ld; retrying once in %ld ms", first, pause);
    free(b->data);
    memset(b, 0, sizeof(*b));
    sleep_until(&t0, pp_ms_since(&t0) + pause);
    ans->http_status = 0;
    ans->retry_after = 0;
    rc = cloud_get(conn, cfg, key, path, NULL, total - pp_ms_since(&t0), b, ans, log);
    ans->retried_http_status = first;
    return rc;
}

/* Say in the reason that the answer came from a second try. */
static void note_retry(struct pp_cloud_answer *ans)
{
    size_t n = strlen(ans->reason);

    if (ans->retried_http_status != 0 && n < sizeof(ans->reason))
        snprintf(ans->reason + n, sizeof(ans->reason) - n, " (retried once after HTTP %ld)",
                 ans->retried_http_status);
}

static json_object *parse_body(const char *data, size_t len, struct pp_cloud_answer *ans);

/* Whether b is Prefect's error body: a JSON object with a "detail" member. */
static bool is_prefect_error(const struct body *b)
{
    struct pp_cloud_answer scratch;
    json_object *root = parse_body(b->data, b->len, &scratch);
    bool yes = root != NULL && json_object_is_type(root, json_type_object)
        && json_object_object_get_ex(root, "detail", NULL);

    json_object_put(root);
    return yes;
}

/*
 * Decide what an HTTP status means. Returns true when the body is to be
 * parsed (200); otherwise ans is final.
 */
static bool classify_status(struct pp_cloud_answer *ans, const struct body *b,
                            bool not_found_is_answer)
{
    long st = ans->http_status;

    if (st == 200)
        return true;
    if ((st == 401 || st == 403) && is_prefect_error(b))
        set_reason(ans, PP_CLOUD_REJECTED, "HTTP %ld", st);
    else if (st == 401 || st == 403)
        set_reason(ans, PP_CLOUD_UNREACHABLE, "HTTP %ld without Prefect's JSON error body "
                   "(from a proxy or firewall?)", st);
    else if (st == 404 && not_found_is_answer)
        set_reason(ans, PP_CLOUD_NOT_FOUND, "HTTP 404");
    else if (st == 429 && ans->retry_after > 0)
        set_reason(ans, PP_CLOUD_UNREACHABLE, "HTTP 429 (rate limited, retry after %ld s)",
                   ans->retry_after);
    else if (st == 429)
        set_reason(ans, PP_CLOUD_UNREACHABLE, "HTTP 429 (rate limited)");
    else if (st >= 300 && st < 400)
        set_reason(ans, PP_CLOUD_UNREACHABLE, "redirect refused (HTTP %ld)", st);
    else
        set_reason(ans, PP_CLOUD_UNREACHABLE, "HTTP %ld", st);
    return false;
}

/* What json-c would build from a text: counted without building it. */
struct json_shape {
    size_t values;          /* every value and key */
    size_t containers;      /* objects and arrays */
    unsigned depth;         /* deepest nesting */
};

/*
 * Count the values, containers and nesting of the JSON text p (len bytes)
 * in one pass, outside strings (escapes honoured). It does not validate:
 * json-c does, once the counts are within the limits; whatever malformed
 * text gives, its counts bound what json-c could build from it.
 */
static void json_shape(const char *p, size_t len, struct json_shape *sh)
{
    bool in_string = false, escaped = false, in_atom = false;
    unsigned depth = 0;

    memset(sh, 0, sizeof(*sh));
    for (size_t i = 0; i < len; i++) {
        char c = p[i];

        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        switch (c) {
        case '"':
            in_string = true;
            in_atom = false;
            sh->values++;
            break;
        case '{':
        case '[':
            in_atom = false;
            sh->values++;
            sh->containers++;
            if (++depth > sh->depth)
                sh->depth = depth;
            break;
        case '}':
        case ']':
            in_atom = false;
            if (depth > 0)
                depth--;
            break;
        case ',':
        case ':':
        case ' ':
        case '\t':
        case '\n':
        case '\r':
            in_atom = false;
            break;
        default:            /* a number, true, false, null (or garbage) */
            if (!in_atom)
                sh->values++;
            in_atom = true;
            break;
        }
    }
}

/* Parse the whole body (len bytes) as one JSON value, strictly. NULL (ans set) if it is not. */
static json_object *parse_body(const char *data, size_t len, struct pp_cloud_answer *ans)
{
    struct json_shape sh;
    json_tokener *tok;
    json_object *root;
    size_t end;

    if (len == 0 || len > (size_t)INT32_MAX) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "body is not JSON (empty)");
        return NULL;
    }
    /* Bounded before json-c builds anything (PP_JSON_BYTES_PER_VALUE). */
    json_shape(data, len, &sh);
    if (sh.depth > PP_JSON_DEPTH_MAX) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "unexpected answer: nested deeper than %d",
                   PP_JSON_DEPTH_MAX);
        return NULL;
    }
    if (sh.values > 64 + len / PP_JSON_BYTES_PER_VALUE
        || sh.containers > 64 + len / PP_JSON_BYTES_PER_CONTAINER) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "unexpected answer: %zu values (%zu objects or "
                   "lists) in %zu bytes", sh.values, sh.containers, len);
        return NULL;
    }
    tok = json_tokener_new();
    if (tok == NULL) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "out of memory");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT
#ifdef JSON_TOKENER_VALIDATE_UTF8
                           | JSON_TOKENER_VALIDATE_UTF8
#endif
                           );
    root = json_tokener_parse_ex(tok, data, (int)len);
    if (root == NULL || json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(root);
        json_tokener_free(tok);
        set_reason(ans, PP_CLOUD_UNREACHABLE, "body is not JSON");
        return NULL;
    }
#if JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
    end = json_tokener_get_parse_end(tok);
#else
    end = (size_t)tok->char_offset;
#endif
    json_tokener_free(tok);
    for (; end < len; end++) {
        char c = data[end];

        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            json_object_put(root);
            set_reason(ans, PP_CLOUD_UNREACHABLE, "body is not JSON (data after the value)");
            return NULL;
        }
    }
    return root;
}

/* obj[name] as a string no longer than max; NULL if absent or another type. */
static const char *get_string(json_object *obj, const char *name, size_t max)
{
    json_object *v;
    const char *s;

    if (!json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    s = json_object_get_string(v);
    if (s == NULL || (size_t)json_object_get_string_len(v) != strlen(s) || strlen(s) > max)
        return NULL;    /* an embedded NUL, or too long */
    return s;
}

/* Element i of /me/workspaces: 0 if it is one (copied into w unless NULL), else -1. */
static int check_workspace(json_object *o, size_t i, struct pp_workspace *w,
                           struct pp_cloud_answer *ans)
{
    const char *aid, *wid, *ah, *wh;

    if (!json_object_is_type(o, json_type_object)) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "unexpected answer: element %zu is not an object", i);
        return -1;
    }
    aid = get_string(o, "account_id", PP_UUID_LEN);
    wid = get_string(o, "workspace_id", PP_UUID_LEN);
    ah = get_string(o, "account_handle", sizeof(w->account_handle) - 1);
    wh = get_string(o, "workspace_handle", sizeof(w->workspace_handle) - 1);
    if (!pp_uuid_valid(aid) || !pp_uuid_valid(wid)) {
        set_reason(ans, PP_CLOUD_UNREACHABLE,
                   "unexpected answer: element %zu: account_id/workspace_id not a UUID", i);
        return -1;
    }
    if (ah == NULL || wh == NULL) {
        set_reason(ans, PP_CLOUD_UNREACHABLE,
                   "unexpected answer: element %zu: handles missing or not strings", i);
        return -1;
    }
    if (w != NULL) {
        snprintf(w->account_id, sizeof(w->account_id), "%s", aid);
        snprintf(w->workspace_id, sizeof(w->workspace_id), "%s", wid);
        snprintf(w->account_handle, sizeof(w->account_handle), "%s", ah);
        snprintf(w->workspace_handle, sizeof(w->workspace_handle), "%s", wh);
    }
    return 0;
}

static int parse_workspaces(json_object *root, size_t body_len, struct pp_workspace **out,
                            size_t *nout, struct pp_cloud_answer *ans)
{
    struct pp_workspace *ws;
    size_t n, i;

    if (!json_object_is_type(root, json_type_array)) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "unexpected answer: not a list");
        return -1;
    }
    /* Every element is checked before anything is allocated for them. */
    n = json_object_array_length(root);
    for (i = 0; i < n; i++) {
        if (check_workspace(json_object_array_get_idx(root, i), i, NULL, ans) != 0)
            return -1;
    }
    if (n > body_len / PP_WS_ELEMENT_MIN + 1) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "unexpected answer: %zu workspaces in %zu bytes",
                   n, body_len);
        return -1;
    }
    ws = calloc(n > 0 ? n : 1, sizeof(*ws));
    if (ws == NULL) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "out of memory");
        return -1;
    }
    for (i = 0; i < n; i++)
        check_workspace(json_object_array_get_idx(root, i), i, &ws[i], ans);
    *out = ws;
    *nout = n;
    return 0;
}

static void answer_init(struct pp_cloud_answer *ans)
{
    memset(ans, 0, sizeof(*ans));
    ans->status = PP_CLOUD_UNREACHABLE;
}

struct pp_cloud_conn *pp_cloud_conn_new(void)
{
    return calloc(1, sizeof(struct pp_cloud_conn));
}

void pp_cloud_conn_free(struct pp_cloud_conn *conn)
{
    if (conn == NULL)
        return;
    if (conn->curl != NULL)
        curl_easy_cleanup(conn->curl);
    free(conn);
}

int pp_cloud_workspaces_on(struct pp_cloud_conn *conn, const struct pp_config *cfg,
                           const char *key, struct pp_workspace **ws, size_t *nws,
                           struct pp_cloud_answer *ans, const struct pp_log *log)
{
    struct body b;
    int rc;

    answer_init(ans);
    *ws = NULL;
    *nws = 0;
    /* b is empty unless an HTTP answer came back (rc 0). */
    rc = cloud_request(conn, cfg, key, "/me/workspaces", &b, ans, log);
    if (rc == 0 && classify_status(ans, &b, false))
        pp_cloud_parse_workspaces(b.data, b.len, ws, nws, ans);
    note_retry(ans);
    free(b.data);
    return rc < 0 ? -1 : 0;
}

void pp_cloud_parse_workspaces(const char *body, size_t len, struct pp_workspace **ws,
                               size_t *nws, struct pp_cloud_answer *ans)
{
    json_object *root;

    *ws = NULL;
    *nws = 0;
    root = parse_body(body, len, ans);
    if (root == NULL)
        return;
    if (parse_workspaces(root, len, ws, nws, ans) == 0)
        set_reason(ans, PP_CLOUD_OK, "HTTP 200, %zu workspace%s", *nws, *nws == 1 ? "" : "s");
    json_object_put(root);
}

/* Read "expiration" of obj: null or an RFC 3339 time. */
static int parse_expiration(json_object *obj, bool *has, time_t *when, struct pp_cloud_answer *ans)
{
    json_object *v;

    if (!json_object_is_type(obj, json_type_object)
        || !json_object_object_get_ex(obj, "expiration", &v)) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "unexpected answer: no expiration field");
        return -1;
    }
    if (v == NULL || json_object_is_type(v, json_type_null)) {
        *has = false;
        *when = 0;
        return 0;
    }
    if (!json_object_is_type(v, json_type_string)
        || pp_time_parse(json_object_get_string(v), when) != 0) {
        set_reason(ans, PP_CLOUD_UNREACHABLE,
                   "unexpected answer: expiration is not an RFC 3339 time");
        return -1;
    }
    *has = true;
    return 0;
}

void pp_cloud_parse_expiration(const char *body, size_t len, bool bot, bool *has_expires,
                               time_t *expires, struct pp_cloud_answer *ans)
{
    json_object *root, *obj;
    char t[PP_TIME_SIZE];
    const char *id;

    *has_expires = false;
    *expires = 0;
    root = parse_body(body, len, ans);
    if (root == NULL)
        return;
    obj = root;
    if (bot && (!json_object_object_get_ex(root, "api_key", &obj)
                || !json_object_is_type(obj, json_type_object))) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "unexpected answer: no api_key object");
    } else if (parse_expiration(obj, has_expires, expires, ans) == 0) {
        id = bot ? get_string(obj, "id", PP_UUID_LEN) : NULL;
        if (id != NULL && pp_uuid_valid(id))
            snprintf(ans->key_id, sizeof(ans->key_id), "%s", id);
        set_reason(ans, PP_CLOUD_OK, "HTTP 200, expiration %s",
                   *has_expires ? pp_time_format(*expires, t) : "none");
    }
    json_object_put(root);
}

int pp_cloud_expiration_on(struct pp_cloud_conn *conn, const struct pp_config *cfg,
                           const char *key, const char *account_id, const char *user_id,
                           const char *key_id, const char *service_account_id,
                           bool *has_expires, time_t *expires, struct pp_cloud_answer *ans,
                           const struct pp_log *log)
{
    char path[160];
    bool bot;
    struct body b;
    int rc;

    answer_init(ans);
    *has_expires = false;
    *expires = 0;
    if (user_id != NULL && *user_id != '\0' && key_id != NULL && *key_id != '\0') {
        if (!pp_uuid_valid(user_id) || !pp_uuid_valid(key_id))
            goto badids;
        snprintf(path, sizeof(path), "/users/%s/api_keys/%s", user_id, key_id);
        bot = false;
    } else if (service_account_id != NULL && *service_account_id != '\0') {
        if (!pp_uuid_valid(service_account_id) || !pp_uuid_valid(account_id))
            goto badids;
        snprintf(path, sizeof(path), "/accounts/%s/bots/%s", account_id, service_account_id);
        bot = true;
    } else {
        goto badids;
    }

    rc = cloud_request(conn, cfg, key, path, &b, ans, log);
    if (rc == 0 && classify_status(ans, &b, true))
        pp_cloud_parse_expiration(b.data, b.len, bot, has_expires, expires, ans);
    note_retry(ans);
    free(b.data);
    return rc < 0 ? -1 : 0;

badids:
    set_reason(ans, PP_CLOUD_UNREACHABLE, "no valid ids to read the expiration with");
    pp_error(log, "cloud: reading an expiration needs user_id and key_id, or account_id and "
             "service_account_id, as UUIDs");
    return -1;
}

/* ---- reachability: DNS, TCP, TLS, and no request ---- */

enum pp_reach pp_cloud_reach(const struct pp_config *cfg, char *reason, size_t reasonlen)
{
    char errbuf[CURL_ERROR_SIZE];
    enum pp_reach stage = PP_REACH_OTHER;
    long connect_ms;
    CURL *curl;
    CURLcode rc;

    snprintf(reason, reasonlen, "%s", "");
    if (cfg->api_url == NULL || strncasecmp(cfg->api_url, "https://", 8) != 0) {
        snprintf(reason, reasonlen, "api_url is not an https:// URL");
        return PP_REACH_URL;
    }
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK) {
        snprintf(reason, reasonlen, "libcurl could not be initialised: %s",
                 curl_easy_strerror(curl_init_rc));
        return PP_REACH_OTHER;
    }
    connect_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : cfg->timeout_ms;
    if (connect_ms <= 0)
        connect_ms = 1;
    curl = curl_easy_init();
    if (curl == NULL) {
        snprintf(reason, reasonlen, "libcurl initialisation failed");
        return PP_REACH_OTHER;
    }
    errbuf[0] = '\0';
    /* CONNECT_ONLY: resolve, connect, handshake, and stop: no HTTP request. */
    if (set_transport(curl, cfg, cfg->api_url, errbuf, connect_ms, connect_ms, &rc) != NULL
        || curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L) != CURLE_OK) {
        snprintf(reason, reasonlen, "libcurl refused a setting");
        goto out;
    }
    rc = curl_easy_perform(curl);
    switch (rc) {
    case CURLE_OK:
        stage = PP_REACH_OK;
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        stage = PP_REACH_DNS;
        break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
        stage = PP_REACH_TCP;
        break;
    case CURLE_RECV_ERROR:
        stage = PP_REACH_TLS;
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        stage = PP_REACH_URL;
        break;
    default:
        stage = tls_failure(rc) ? PP_REACH_TLS : PP_REACH_OTHER;
        break;
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        curl_off_t dns_done = 0, tcp_done = 0;

        /* Which stage the time ran out in: the lookup, the connection or
         * the handshake. */
        (void)curl_easy_getinfo(curl, CURLINFO_NAMELOOKUP_TIME_T, &dns_done);
        (void)curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &tcp_done);
        stage = dns_done == 0 ? PP_REACH_DNS : tcp_done == 0 ? PP_REACH_TCP : PP_REACH_TLS;
        snprintf(reason, reasonlen, "timeout after %ld ms (connect_timeout_ms)", connect_ms);
    } else if (stage != PP_REACH_OK) {
        snprintf(reason, reasonlen, "%s", errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
    }
out:
    curl_easy_cleanup(curl);
    return stage;
}

/* ---- rotating a service account's key ---- */

/*
 * The one place that asks Cloud for a new key: its request and its answer
 * are handled here and nowhere else, so that the call can be moved whole
 * (e.g. into another program) without touching its callers' logic.
 *
 * The answer holds the new key: the body buffer and json-c's copy of the
 * key are wiped before they are freed (json-c's tokener keeps a working
 * copy that it frees unwiped, like libcurl's request buffer: out of reach).
 * A POST is never retried: a second try could rotate twice and lose the
 * first new key.
 */

void pp_rotated_key_clear(struct pp_rotated_key *rk)
{
    pp_free_secret(rk->key);
    memset(rk, 0, sizeof(*rk));
}

/* Wipe the text of a json-c string member (the object owns it). */
static void wipe_json_string(json_object *obj, const char *name)
{
    json_object *v;

    if (obj != NULL && json_object_object_get_ex(obj, name, &v)
        && json_object_is_type(v, json_type_string)) {
        char *s = (char *)(uintptr_t)json_object_get_string(v);

        if (s != NULL)
            pp_wipe(s, (size_t)json_object_get_string_len(v));
    }
}

void pp_cloud_parse_rotated(const char *body, size_t len, const char *account_id,
                            const char *service_account_id, struct pp_rotated_key *rk,
                            struct pp_cloud_answer *ans)
{
    json_object *root, *ak = NULL;
    const char *sid, *aid, *kid, *key;
    char t[PP_TIME_SIZE];

    memset(rk, 0, sizeof(*rk));
    root = parse_body(body, len, ans);
    if (root == NULL)
        return;
    if (!json_object_is_type(root, json_type_object)) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "unexpected answer: not an object");
        goto out;
    }
    sid = get_string(root, "id", PP_UUID_LEN);
    aid = get_string(root, "account_id", PP_UUID_LEN);
    if (!pp_uuid_valid(sid) || strcasecmp(sid, service_account_id) != 0) {
        set_reason(ans, PP_CLOUD_UNREACHABLE,
                   "unexpected answer: id is not the service account's");
        goto out;
    }
    if (!pp_uuid_valid(aid) || strcasecmp(aid, account_id) != 0) {
        set_reason(ans, PP_CLOUD_UNREACHABLE,
                   "unexpected answer: account_id is not the entry's account");
        goto out;
    }
    if (!json_object_object_get_ex(root, "api_key", &ak)
        || !json_object_is_type(ak, json_type_object)) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "unexpected answer: no api_key object");
        ak = NULL;
        goto out;
    }
    kid = get_string(ak, "id", PP_UUID_LEN);
    if (!pp_uuid_valid(kid)) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "unexpected answer: api_key.id is not a UUID");
        goto out;
    }
    if (parse_expiration(ak, &rk->has_expires, &rk->expires, ans) != 0) {
        set_reason(ans, PP_CLOUD_UNREACHABLE,
                   "unexpected answer: api_key.expiration is not null or an RFC 3339 time");
        goto out;
    }
    key = get_string(ak, "key", PP_CLOUD_KEY_MAX);
    if (key == NULL) {
        set_reason(ans, PP_CLOUD_UNREACHABLE,
                   "unexpected answer: api_key.key missing, not a string or too long");
        goto out;
    }
    if (pp_key_problem(key) != NULL || strncmp(key, "pnb_", 4) != 0) {
        set_reason(ans, PP_CLOUD_UNREACHABLE,
                   "unexpected answer: api_key.key is not a service account key (pnb_)");
        goto out;
    }
    rk->key = strdup(key);
    if (rk->key == NULL) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "out of memory");
        goto out;
    }
    snprintf(rk->key_id, sizeof(rk->key_id), "%s", kid);
    for (char *p = rk->key_id; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    set_reason(ans, PP_CLOUD_OK, "HTTP 201, new key id %s, expiration %s", rk->key_id,
               rk->has_expires ? pp_time_format(rk->expires, t) : "none");
out:
    if (ans->status != PP_CLOUD_OK) {
        rk->has_expires = false;
        rk->expires = 0;
    }
    wipe_json_string(ak, "key");
    json_object_put(root);
}

int pp_cloud_rotate_service_key(const struct pp_config *cfg, const char *admin_key,
                                const char *account_id, const char *service_account_id,
                                bool has_expiration, time_t expiration,
                                struct pp_rotated_key *rk, struct pp_cloud_answer *ans,
                                const struct pp_log *log)
{
    char path[160], post[96], t[PP_TIME_SIZE];
    struct body b;
    int rc;

    answer_init(ans);
    memset(rk, 0, sizeof(*rk));
    if (!pp_uuid_valid(account_id) || !pp_uuid_valid(service_account_id)) {
        set_reason(ans, PP_CLOUD_UNREACHABLE, "no valid ids to rotate the key with");
        pp_error(log, "cloud: rotating a key needs account_id and service_account_id as UUIDs");
        return -1;
    }
    snprintf(path, sizeof(path), "/accounts/%s/bots/%s/rotate_api_key", account_id,
             service_account_id);
    if (has_expiration)
        snprintf(post, sizeof(post), "{\"api_key_expiration\": \"%s\"}",
                 pp_time_format(expiration, t));
    else
        snprintf(post, sizeof(post), "{\"api_key_expiration\": null}");

    rc = cloud_get(NULL, cfg, admin_key, path, post, cfg->timeout_ms, &b, ans, log);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (ans->http_status == 201)
        pp_cloud_parse_rotated(b.data, b.len, account_id, service_account_id, rk, ans);
    else if (ans->http_status == 200)
        set_reason(ans, PP_CLOUD_UNREACHABLE, "unexpected answer: HTTP 200, not 201 Created");
    else
        classify_status(ans, &b, true);
    pp_free_buf(b.data, b.cap);
    return 0;
}
