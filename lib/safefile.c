/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * safefile.c: read root's files only when nobody else could have put them
 * there or changed them (see safefile.h).
 *
 * The parent directories are checked first, with lstat from "/" down, so
 * that nothing is ever opened inside a directory someone else controls;
 * then the file is opened without following a symlink and without blocking
 * (a FIFO must not hang a login), and every other check is made on the open
 * descriptor, so the file checked is the file read.
 */
#include <config.h>

#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "secret.h"

static int fail(char *err, size_t errlen, int rc, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Write "PATH: reason" into err and return rc. */
static int fail(char *err, size_t errlen, int rc, const char *path, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (err == NULL || errlen == 0)
        return rc;
    n = snprintf(err, errlen, "%s: ", path);
    if (n >= 0 && (size_t)n < errlen) {
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static const char *file_type(mode_t mode)
{
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISLNK(mode))
        return "a symbolic link";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "of an unknown type";
}

/* One directory above errpath: real directory, root's, not writable by others. */
static int check_parent(const char *dir, const char *errpath, char *err, size_t errlen)
{
    struct stat st;

    if (lstat(dir, &st) != 0) {
        if (errno == ENOENT)
            return fail(err, errlen, -2, errpath, "parent directory %s does not exist", dir);
        return fail(err, errlen, -1, errpath, "cannot examine parent directory %s: %s", dir,
                    strerror(errno));
    }
    if (S_ISLNK(st.st_mode))
        return fail(err, errlen, -1, errpath, "parent directory %s is a symbolic link", dir);
    if (!S_ISDIR(st.st_mode))
        return fail(err, errlen, -1, errpath, "parent directory %s is not a directory", dir);
    if (st.st_uid != 0)
        return fail(err, errlen, -1, errpath, "parent directory %s is owned by uid %lu, not root",
                    dir, (unsigned long)st.st_uid);
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return fail(err, errlen, -1, errpath,
                    "parent directory %s is writable by group or others", dir);
    return 0;
}

/*
 * Copy path into out without trailing slashes. Refuses relative and
 * over-long paths.
 */
static int normalise(const char *path, char out[PATH_MAX], char *err, size_t errlen)
{
    size_t len;

    if (path == NULL || path[0] != '/')
        return fail(err, errlen, -1, path != NULL ? path : "(null)", "not an absolute path");
    len = strlen(path);
    if (len >= PATH_MAX)
        return fail(err, errlen, -1, path, "path too long");
    memcpy(out, path, len + 1);
    while (len > 1 && out[len - 1] == '/')
        out[--len] = '\0';
    return 0;
}

/*
 * Check "/" and every directory above the last component of p (already
 * normalised), reporting against errpath.
 */
static int check_above(const char *p, const char *errpath, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    const char *last = strrchr(p, '/');
    size_t dirlen = (size_t)(last - p);
    size_t i;
    int rc;

    if (strcmp(p, "/") == 0)
        return 0;   /* nothing above the root */
    if ((rc = check_parent("/", errpath, err, errlen)) != 0)
        return rc;
    memcpy(dir, p, dirlen);
    dir[dirlen] = '\0';
    /* Check each prefix ending before a '/' and the whole parent. */
    for (i = 1; i <= dirlen; i++) {
        if (i < dirlen && dir[i] != '/')
            continue;
        if (dir[i - 1] == '/')
            continue;   /* "//": empty component */
        {
            char saved = dir[i];

            dir[i] = '\0';
            rc = check_parent(dir, errpath, err, errlen);
            dir[i] = saved;
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

int pp_check_parents(const char *path, char *err, size_t errlen)
{
    char p[PATH_MAX];

    if (normalise(path, p, err, errlen) != 0)
        return -1;
    return check_above(p, path, err, errlen);
}

int pp_check_dir(const char *dir, bool private_dir, char *err, size_t errlen)
{
    char p[PATH_MAX];
    struct stat st;
    int rc;

    if (normalise(dir, p, err, errlen) != 0)
        return -1;
    if ((rc = check_above(p, dir, err, errlen)) != 0)
        return rc;
    if (lstat(p, &st) != 0) {
        if (errno == ENOENT)
            return fail(err, errlen, -2, dir, "does not exist");
        return fail(err, errlen, -1, dir, "cannot examine: %s", strerror(errno));
    }
    if (S_ISLNK(st.st_mode))
        return fail(err, errlen, -1, dir, "is a symbolic link");
    if (!S_ISDIR(st.st_mode))
        return fail(err, errlen, -1, dir, "is not a directory (%s)", file_type(st.st_mode));
    if (st.st_uid != 0)
        return fail(err, errlen, -1, dir, "owned by uid %lu, not root", (unsigned long)st.st_uid);
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return fail(err, errlen, -1, dir, "group- or world-writable (mode %04o)",
                    (unsigned)(st.st_mode & 07777));
    if (private_dir && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return fail(err, errlen, -1, dir, "readable or searchable by group or others (mode %04o)",
                    (unsigned)(st.st_mode & 07777));
    return 0;
}

/* Checks on what fstat (or lstat) said of the file. */
static int check_st(const struct stat *st, const char *path, enum pp_file_class cls, size_t max,
                    char *err, size_t errlen)
{
    unsigned mode = (unsigned)(st->st_mode & 07777);

    if (S_ISLNK(st->st_mode))
        return fail(err, errlen, -1, path, "is a symbolic link");
    if (S_ISDIR(st->st_mode))
        return fail(err, errlen, -1, path, "is a directory");
    if (!S_ISREG(st->st_mode))
        return fail(err, errlen, -1, path, "is not a regular file (%s)", file_type(st->st_mode));
    if (st->st_uid != 0)
        return fail(err, errlen, -1, path, "owned by uid %lu, not root",
                    (unsigned long)st->st_uid);
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return fail(err, errlen, -1, path, "group- or world-writable (mode %04o)", mode);
    if (cls == PP_FILE_SECRET && (st->st_mode & (S_IRGRP | S_IROTH)) != 0)
        return fail(err, errlen, -1, path, "readable by group or others (mode %04o)", mode);
    if (st->st_nlink != 1)
        return fail(err, errlen, -1, path, "has %lu hard links", (unsigned long)st->st_nlink);
    if (st->st_size <= 0)
        return fail(err, errlen, -1, path, "empty");
    if ((unsigned long long)st->st_size > (unsigned long long)max)
        return fail(err, errlen, -1, path, "larger than %zu bytes", max);
    return 0;
}

/* Read exactly size bytes and make sure there is no more. */
static int read_all(int fd, const char *path, char *buf, size_t size, char *err, size_t errlen)
{
    size_t got = 0;
    char extra;
    ssize_t n;

    while (got < size) {
        n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(err, errlen, -1, path, "cannot read: %s", strerror(errno));
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got == size) {
        do {
            n = read(fd, &extra, 1);
        } while (n < 0 && errno == EINTR);
        pp_wipe(&extra, sizeof(extra));
        if (n == 0)
            return 0;
        if (n < 0)
            return fail(err, errlen, -1, path, "cannot read: %s", strerror(errno));
    }
    return fail(err, errlen, -1, path,
                "truncated or changed while reading (expected %zu bytes)", size);
}

int pp_read_file(const char *path, enum pp_file_class cls, size_t max,
                 char **buf, size_t *len, char *err, size_t errlen)
{
    return pp_read_file_st(path, cls, max, false, buf, len, NULL, err, errlen);
}

/*
 * Open path (no symlink as its last component, the directories above
 * checked unless dir_checked) and check the descriptor. Returns it, or -1
 * or PP_ABSENT with err.
 */
static int open_checked(const char *path, enum pp_file_class cls, size_t max, bool dir_checked,
                        struct stat *st, char *err, size_t errlen)
{
    int fd, rc;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (!dir_checked && (rc = pp_check_parents(path, err, errlen)) != 0)
        return rc;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT)
            return fail(err, errlen, -2, path, "does not exist");
        if (errno == ELOOP)
            return fail(err, errlen, -1, path, "is a symbolic link");
        return fail(err, errlen, -1, path, "cannot open: %s", strerror(errno));
    }
    if (fstat(fd, st) != 0)
        rc = fail(err, errlen, -1, path, "cannot examine: %s", strerror(errno));
    else
        rc = check_st(st, path, cls, max, err, errlen);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    return fd;
}

int pp_file_id_of(const char *path, enum pp_file_class cls, size_t max, bool dir_checked,
                  char *id, size_t idlen, char *err, size_t errlen)
{
    struct stat st;
    int rc;

    if (idlen > 0)
        id[0] = '\0';
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (!dir_checked && (rc = pp_check_parents(path, err, errlen)) != 0)
        return rc;
    /* What open(O_NOFOLLOW) and fstat would say, in one call: nothing is read. */
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return fail(err, errlen, -2, path, "does not exist");
        return fail(err, errlen, -1, path, "cannot examine: %s", strerror(errno));
    }
    if ((rc = check_st(&st, path, cls, max, err, errlen)) != 0)
        return rc;
    pp_file_identity(&st, id, idlen);
    return 0;
}

int pp_read_file_st(const char *path, enum pp_file_class cls, size_t max, bool dir_checked,
                    char **buf, size_t *len, struct stat *stp, char *err, size_t errlen)
{
    struct stat st;
    char *data;
    size_t size;
    int fd;

    *buf = NULL;
    *len = 0;
    fd = open_checked(path, cls, max, dir_checked, &st, err, errlen);
    if (fd < 0)
        return fd;
    size = (size_t)st.st_size;
    data = malloc(size + 1);
    if (data == NULL) {
        close(fd);
        return fail(err, errlen, -1, path, "out of memory");
    }
    if (read_all(fd, path, data, size, err, errlen) != 0) {
        pp_free_buf(data, size + 1);
        close(fd);
        return -1;
    }
    close(fd);
    data[size] = '\0';
    *buf = data;
    *len = size;
    if (stp != NULL)
        *stp = st;
    return 0;
}

/* Append v in hex and then sep to out at *pos (room checked by the caller). */
static void put_hex(char *out, size_t *pos, unsigned long long v, char sep)
{
    static const char hex[] = "0123456789abcdef";
    char digits[16];
    int n = 0;

    do {
        digits[n++] = hex[v & 0xf];
        v >>= 4;
    } while (v != 0);
    while (n > 0)
        out[(*pos)++] = digits[--n];
    out[(*pos)++] = sep;
}

void pp_file_identity(const struct stat *st, char *out, size_t outlen)
{
    struct timespec now;
    long long age;
    size_t pos = 0;

    out[0] = '\0';
    /* 7 numbers of at most 16 hex digits and a separator each, and the NUL. */
    if (outlen < 7 * 17 + 1 || clock_gettime(CLOCK_REALTIME, &now) != 0)
        return;
    age = ((long long)now.tv_sec - st->st_ctim.tv_sec) * 1000000000LL
          + (now.tv_nsec - st->st_ctim.tv_nsec);
    if (age < PP_FILE_ID_SETTLE_NS + (st->st_ctim.tv_nsec == 0 ? 1000000000LL : 0))
        return;
    /* Hex, as it is only ever compared: formatted by hand, it is a login's
     * cheapest part (two are formatted per warm login). */
    put_hex(out, &pos, (unsigned long long)st->st_dev, ':');
    put_hex(out, &pos, (unsigned long long)st->st_ino, ':');
    put_hex(out, &pos, (unsigned long long)st->st_size, ':');
    put_hex(out, &pos, (unsigned long long)st->st_mtim.tv_sec, '.');
    put_hex(out, &pos, (unsigned long long)st->st_mtim.tv_nsec, ':');
    put_hex(out, &pos, (unsigned long long)st->st_ctim.tv_sec, '.');
    put_hex(out, &pos, (unsigned long long)st->st_ctim.tv_nsec, '\0');
}
