/* SPDX-License-Identifier: BSD-3-Clause */
/* checkmsg.c: the frames between a caller and the check program (see checkmsg.h). */
#include <config.h>

#include "checkmsg.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pack.h"
#include "secret.h"
#include "timefmt.h"

#define FRAME_HEAD 4

static unsigned char *frame_of(struct pp_packer *w, size_t *len)
{
    unsigned char *out;
    uint32_t n;

    if (w->overflow || w->len > PP_CHECKMSG_MAX - FRAME_HEAD) {
        pp_packer_free(w);
        return NULL;
    }
    out = malloc(w->len + FRAME_HEAD);
    if (out != NULL) {
        n = (uint32_t)w->len;
        memcpy(out, &n, FRAME_HEAD);
        memcpy(out + FRAME_HEAD, w->buf, w->len);
        *len = w->len + FRAME_HEAD;
    }
    pp_packer_free(w);
    return out;
}

unsigned char *pp_checkmsg_pack_request(const struct pp_check_request *rq, size_t *len)
{
    const struct pp_config *c = &rq->cfg;
    const struct pp_entry *e = &rq->e;
    struct pp_packer w;

    pp_packer_init(&w, PP_CHECKMSG_MAX);
    pp_pack_u8(&w, (unsigned)rq->mode);
    pp_pack_str(&w, c->api_url);
    pp_pack_str(&w, c->cache_dir);
    pp_pack_str(&w, c->ca_file);
    pp_pack_str(&w, c->proxy);
    pp_pack_i64(&w, c->cache_ttl);
    pp_pack_i64(&w, c->negative_cache_ttl);
    pp_pack_i64(&w, c->offline_grace);
    pp_pack_i64(&w, c->connect_timeout_ms);
    pp_pack_i64(&w, c->expiry_warn_days);
    pp_pack_u8(&w, c->debug);
    pp_pack_str(&w, e->name);
    pp_pack_str(&w, e->key);
    pp_pack_u8(&w, (unsigned)e->kind);
    pp_pack_str(&w, e->account_id);
    pp_pack_str(&w, e->workspace_id);
    pp_pack_u8(&w, e->has_expires);
    pp_pack_i64(&w, (int64_t)e->expires);
    pp_pack_str(&w, e->user_id);
    pp_pack_str(&w, e->key_id);
    pp_pack_str(&w, e->service_account_id);
    pp_pack_str(&w, e->sa_key_id);
    pp_pack_str(&w, e->file_id);
    pp_pack_str(&w, e->fp);
    pp_pack_i64(&w, (int64_t)rq->now);
    pp_pack_u8(&w, rq->force);
    pp_pack_i64(&w, rq->timeout_ms);
    pp_pack_i64(&w, (int64_t)rq->start.tv_sec);
    pp_pack_i64(&w, (int64_t)rq->start.tv_nsec);
    pp_pack_str(&w, rq->user);
    pp_pack_u8(&w, rq->ask);
    return frame_of(&w, len);
}

static int dup_opt(struct pp_unpacker *r, char **out)
{
    bool isnull = false;
    const char *s = pp_unpack_str(r, &isnull);

    *out = NULL;
    if (s == NULL)
        return isnull && !r->bad ? 0 : -1;
    *out = strdup(s);
    return *out != NULL ? 0 : -1;
}

int pp_checkmsg_unpack_request(const void *buf, size_t len, struct pp_check_request *rq)
{
    struct pp_config *c = &rq->cfg;
    struct pp_entry *e = &rq->e;
    struct pp_unpacker r;
    const char *key;
    bool isnull;
    int bad = 0;

    memset(rq, 0, sizeof(*rq));
    pp_unpacker_init(&r, buf, len);
    rq->mode = (enum pp_check_mode)pp_unpack_u8(&r);
    bad |= dup_opt(&r, &c->api_url);
    bad |= dup_opt(&r, &c->cache_dir);
    bad |= dup_opt(&r, &c->ca_file);
    bad |= dup_opt(&r, &c->proxy);
    c->cache_ttl = (long)pp_unpack_i64(&r);
    c->negative_cache_ttl = (long)pp_unpack_i64(&r);
    c->offline_grace = (long)pp_unpack_i64(&r);
    c->connect_timeout_ms = (long)pp_unpack_i64(&r);
    c->expiry_warn_days = (long)pp_unpack_i64(&r);
    c->debug = pp_unpack_bool(&r);
    pp_unpack_strcpy(&r, e->name, sizeof(e->name));
    key = pp_unpack_str(&r, &isnull);
    if (key != NULL && !r.bad && (e->key = pp_strdup_secret(key)) == NULL)
        bad = -1;
    e->kind = (enum pp_key_kind)pp_unpack_u8(&r);
    pp_unpack_strcpy(&r, e->account_id, sizeof(e->account_id));
    pp_unpack_strcpy(&r, e->workspace_id, sizeof(e->workspace_id));
    e->has_expires = pp_unpack_bool(&r);
    e->expires = (time_t)pp_unpack_i64(&r);
    pp_unpack_strcpy(&r, e->user_id, sizeof(e->user_id));
    pp_unpack_strcpy(&r, e->key_id, sizeof(e->key_id));
    pp_unpack_strcpy(&r, e->service_account_id, sizeof(e->service_account_id));
    pp_unpack_strcpy(&r, e->sa_key_id, sizeof(e->sa_key_id));
    pp_unpack_strcpy(&r, e->file_id, sizeof(e->file_id));
    pp_unpack_strcpy(&r, e->fp, sizeof(e->fp));
    rq->now = (time_t)pp_unpack_i64(&r);
    rq->force = pp_unpack_bool(&r);
    rq->timeout_ms = (long)pp_unpack_i64(&r);
    rq->start.tv_sec = (time_t)pp_unpack_i64(&r);
    rq->start.tv_nsec = (long)pp_unpack_i64(&r);
    pp_unpack_strcpy(&r, rq->user, sizeof(rq->user));
    rq->ask = pp_unpack_u8(&r);
    c->timeout_ms = rq->timeout_ms;
    if (bad != 0 || !pp_unpack_done(&r) || e->key == NULL || rq->mode < PP_CHECK_MODE_CHECK
        || rq->mode > PP_CHECK_MODE_VALIDATE || c->api_url == NULL
        || rq->start.tv_nsec < 0 || rq->start.tv_nsec >= 1000000000L
        || (rq->mode != PP_CHECK_MODE_VALIDATE && c->cache_dir == NULL)) {
        pp_checkmsg_request_clear(rq);
        return -1;
    }
    return 0;
}

void pp_checkmsg_request_clear(struct pp_check_request *rq)
{
    free(rq->cfg.api_url);
    free(rq->cfg.cache_dir);
    free(rq->cfg.ca_file);
    free(rq->cfg.proxy);
    pp_free_secret(rq->e.key);
    memset(rq, 0, sizeof(*rq));
}

static void pack_cloud_answer(struct pp_packer *w, const struct pp_cloud_answer *a)
{
    pp_pack_u8(w, (unsigned)a->status);
    pp_pack_i64(w, a->http_status);
    pp_pack_i64(w, a->retry_after);
    pp_pack_i64(w, a->retried_http_status);
    pp_pack_str(w, a->reason);
    pp_pack_str(w, a->key_id);
}

static void unpack_cloud_answer(struct pp_unpacker *r, struct pp_cloud_answer *a)
{
    a->status = (enum pp_cloud_status)pp_unpack_u8(r);
    a->http_status = (long)pp_unpack_i64(r);
    a->retry_after = (long)pp_unpack_i64(r);
    a->retried_http_status = (long)pp_unpack_i64(r);
    pp_unpack_strcpy(r, a->reason, sizeof(a->reason));
    pp_unpack_strcpy(r, a->key_id, sizeof(a->key_id));
}

unsigned char *pp_checkmsg_pack_answer(const struct pp_check_answer *a, size_t *len)
{
    struct pp_packer w;
    size_t i, nws = a->nws < PP_CHECKMSG_WS_MAX ? a->nws : PP_CHECKMSG_WS_MAX;

    pp_packer_init(&w, PP_CHECKMSG_MAX);
    pp_pack_i64(&w, a->rc);
    pp_pack_u8(&w, (unsigned)a->v.outcome);
    pp_pack_u8(&w, a->v.export_key);
    pp_pack_u8(&w, a->v.has_expires);
    pp_pack_i64(&w, (int64_t)a->v.expires);
    pp_pack_u8(&w, a->v.from_cache);
    pp_pack_str(&w, a->v.reason);
    pp_pack_str(&w, a->source);
    pack_cloud_answer(&w, &a->ws_ans);
    pp_pack_i64(&w, (int64_t)nws);
    for (i = 0; i < nws; i++) {
        pp_pack_str(&w, a->ws[i].account_id);
        pp_pack_str(&w, a->ws[i].workspace_id);
        pp_pack_str(&w, a->ws[i].account_handle);
        pp_pack_str(&w, a->ws[i].workspace_handle);
    }
    pp_pack_u8(&w, a->exp_read);
    pack_cloud_answer(&w, &a->exp_ans);
    pp_pack_u8(&w, a->has_expires);
    pp_pack_i64(&w, (int64_t)a->expires);
    pp_pack_i64(&w, (int64_t)a->nlines);
    for (i = 0; i < a->nlines && i < PP_CHECKMSG_LINES; i++) {
        pp_pack_i64(&w, a->lines[i].priority);
        pp_pack_str(&w, a->lines[i].text);
    }
    pp_pack_i64(&w, (int64_t)a->dropped);
    return frame_of(&w, len);
}

int pp_checkmsg_unpack_answer(const void *buf, size_t len, struct pp_check_answer *a)
{
    struct pp_unpacker r;
    int64_t n;
    size_t i;

    memset(a, 0, sizeof(*a));
    pp_unpacker_init(&r, buf, len);
    a->rc = (int)pp_unpack_i64(&r);
    a->v.outcome = (enum pp_outcome)pp_unpack_u8(&r);
    a->v.export_key = pp_unpack_bool(&r);
    a->v.has_expires = pp_unpack_bool(&r);
    a->v.expires = (time_t)pp_unpack_i64(&r);
    a->v.from_cache = pp_unpack_bool(&r);
    pp_unpack_strcpy(&r, a->v.reason, sizeof(a->v.reason));
    pp_unpack_strcpy(&r, a->source, sizeof(a->source));
    unpack_cloud_answer(&r, &a->ws_ans);
    n = pp_unpack_i64(&r);
    if (n < 0 || n > PP_CHECKMSG_WS_MAX)
        r.bad = true;
    if (!r.bad && n > 0 && (a->ws = calloc((size_t)n, sizeof(*a->ws))) == NULL)
        r.bad = true;
    for (i = 0; !r.bad && i < (size_t)n; i++) {
        pp_unpack_strcpy(&r, a->ws[i].account_id, sizeof(a->ws[i].account_id));
        pp_unpack_strcpy(&r, a->ws[i].workspace_id, sizeof(a->ws[i].workspace_id));
        pp_unpack_strcpy(&r, a->ws[i].account_handle, sizeof(a->ws[i].account_handle));
        pp_unpack_strcpy(&r, a->ws[i].workspace_handle, sizeof(a->ws[i].workspace_handle));
    }
    a->nws = r.bad ? 0 : (size_t)n;
    a->exp_read = pp_unpack_bool(&r);
    unpack_cloud_answer(&r, &a->exp_ans);
    a->has_expires = pp_unpack_bool(&r);
    a->expires = (time_t)pp_unpack_i64(&r);
    n = pp_unpack_i64(&r);
    if (n < 0 || n > PP_CHECKMSG_LINES)
        r.bad = true;
    for (i = 0; !r.bad && i < (size_t)n; i++) {
        a->lines[i].priority = (int)pp_unpack_i64(&r);
        pp_unpack_strcpy(&r, a->lines[i].text, sizeof(a->lines[i].text));
    }
    a->nlines = r.bad ? 0 : (size_t)n;
    a->dropped = (size_t)pp_unpack_i64(&r);
    if (!pp_unpack_done(&r) || (unsigned)a->v.outcome >= PP_OUT_COUNT) {
        pp_checkmsg_answer_clear(a);
        return -1;
    }
    return 0;
}

void pp_checkmsg_answer_clear(struct pp_check_answer *a)
{
    free(a->ws);
    memset(a, 0, sizeof(*a));
}

int pp_checkmsg_send(int fd, const unsigned char *frame, size_t len)
{
    size_t off = 0;

    while (off < len) {
        ssize_t n = write(fd, frame + off, len - off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

static long ms_left(const struct timespec *start, long ms)
{
    return ms - pp_ms_since(start);
}

/* Read exactly n bytes by the deadline: 1, 0 (time ran out) or -1. */
static int read_full(int fd, unsigned char *p, size_t n, const struct timespec *start, long ms)
{
    struct pollfd pfd = { fd, POLLIN, 0 };
    size_t got = 0;

    while (got < n) {
        long left = ms_left(start, ms);
        ssize_t k;
        int r;

        if (left <= 0)
            return 0;
        r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        k = read(fd, p + got, n - got);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k <= 0)
            return -1;
        got += (size_t)k;
    }
    return 1;
}

int pp_checkmsg_recv(int fd, long ms, unsigned char **buf, size_t *len)
{
    struct timespec start;
    unsigned char head[FRAME_HEAD];
    uint32_t n;
    int r;

    *buf = NULL;
    *len = 0;
    clock_gettime(CLOCK_MONOTONIC, &start);
    if ((r = read_full(fd, head, sizeof(head), &start, ms)) != 1)
        return r;
    memcpy(&n, head, sizeof(n));
    if (n == 0 || n > PP_CHECKMSG_MAX - FRAME_HEAD)
        return -1;
    if ((*buf = malloc(n)) == NULL)
        return -1;
    if ((r = read_full(fd, *buf, n, &start, ms)) != 1) {
        pp_free_buf(*buf, n);
        *buf = NULL;
        return r;
    }
    *len = n;
    return 1;
}
