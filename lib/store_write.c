/* SPDX-License-Identifier: BSD-3-Clause */
/* store_write.c: see store_write.h. */
#include <config.h>

#include "store_write.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "safefile.h"

static pp_write_step_hook step_hook;

void pp_store_write_set_hook(pp_write_step_hook hook)
{
    step_hook = hook;
}

static void step(const char *name)
{
    if (step_hook != NULL)
        step_hook(name);
}

static void seterr(char *err, size_t errlen, const char *fmt, ...) PP_PRINTF(3, 4);
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* "{dir}/{name}" in a fresh buffer, or NULL. */
static char *join(const char *dir, const char *name)
{
    char *p;

    if (asprintf(&p, "%s/%s", dir, name) < 0)
        return NULL;
    return p;
}

/* Why a directory on the way is unsafe, from its open descriptor; NULL if it is safe. */
static const char *unsafe_dir(int fd, char *why, size_t whylen)
{
    struct stat st;

    if (fstat(fd, &st) != 0) {
        snprintf(why, whylen, "cannot examine: %s", strerror(errno));
        return why;
    }
    if (!S_ISDIR(st.st_mode))
        return "is not a directory";
    if (st.st_uid != 0) {
        snprintf(why, whylen, "is owned by uid %lu, not root", (unsigned long)st.st_uid);
        return why;
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return "is writable by group or others";
    return NULL;
}

/*
 * Open component name of the directory at fd (path: name's own path) without
 * following a symbolic link; when it is missing and may be made, make it
 * with mkdirat and give it owner root:root and mode on the descriptor, so
 * that neither the umask, nor the caller's group, nor a setgid parent
 * decides them. Returns the new descriptor or -1 (err).
 */
static int open_or_make(int fd, const char *path, const char *name, bool make, mode_t mode,
                        bool *made, char *err, size_t errlen)
{
    int nfd;

    *made = false;
    nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (nfd < 0 && errno == ENOENT && make) {
        if (mkdirat(fd, name, 0700) == 0)
            *made = true;
        else if (errno != EEXIST) {
            seterr(err, errlen, "%s: cannot create the directory: %s", path, strerror(errno));
            return -1;
        }
        nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (nfd < 0) {
        int e = errno;

        seterr(err, errlen, "%s: %s", path,
               e == ELOOP ? "is a symbolic link"
               : e == ENOTDIR ? "is not a directory"
               : e == ENOENT ? "does not exist" : strerror(e));
        return -1;
    }
    if (*made && (fchown(nfd, 0, 0) != 0 || fchmod(nfd, mode) != 0)) {
        seterr(err, errlen, "%s: cannot set owner root:root and mode %04o: %s", path,
               (unsigned)mode, strerror(errno));
        close(nfd);
        return -1;
    }
    return nfd;
}

/* Whether a component of path is "." or "..". */
static bool has_dot_component(const char *path)
{
    const char *p = path;

    while ((p = strchr(p, '/')) != NULL) {
        p++;
        if (p[0] == '.' && (p[1] == '/' || p[1] == '\0'
                            || (p[1] == '.' && (p[2] == '/' || p[2] == '\0'))))
            return true;
    }
    return false;
}

int pp_dir_make(const char *dir, bool parents, bool *created, char *err, size_t errlen)
{
    char *copy, *name, *next, why[80];
    const char *bad;
    bool made = false;
    int fd, r;

    if (created != NULL)
        *created = false;
    if (dir == NULL || dir[0] != '/') {
        seterr(err, errlen, "%s: not an absolute path", dir != NULL ? dir : "(null)");
        return -1;
    }
    if (has_dot_component(dir)) {
        seterr(err, errlen, "%s: a directory path with a \".\" or \"..\" component is "
               "refused", dir);
        return -1;
    }
    r = pp_check_dir(dir, true, err, errlen);
    if (r != -2)
        return r == 0 ? 0 : -1;

    /*
     * From "/" down, one descriptor at a time: each directory is checked
     * (root's, not writable by others) before anything is made in it, and
     * no symbolic link is ever followed, so nobody else can change what the
     * next step acts on.
     */
    copy = strdup(dir);
    if (copy == NULL) {
        seterr(err, errlen, "%s: out of memory", dir);
        return -1;
    }
    fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || (bad = unsafe_dir(fd, why, sizeof(why))) != NULL) {
        seterr(err, errlen, "/: %s", fd < 0 ? strerror(errno) : bad);
        goto fail;
    }
    for (name = copy + 1; name != NULL && *name != '\0'; name = next) {
        char *slash = strchr(name, '/');
        int nfd;
        bool last;

        next = NULL;
        if (slash != NULL) {
            *slash = '\0';
            for (next = slash + 1; *next == '/'; next++)
                ;
        }
        last = next == NULL || *next == '\0';
        nfd = open_or_make(fd, copy, name, parents || last, last ? 0700 : 0755, &made, err,
                           errlen);
        if (nfd < 0)
            goto fail;
        close(fd);
        fd = nfd;
        if (!last && (bad = unsafe_dir(fd, why, sizeof(why))) != NULL) {
            seterr(err, errlen, "%s: %s", copy, bad);
            goto fail;
        }
        if (slash != NULL)
            *slash = '/';
    }
    close(fd);
    free(copy);
    if (pp_check_dir(dir, true, err, errlen) != 0)
        return -1;
    if (created != NULL)
        *created = made;
    return 0;

fail:
    if (fd >= 0)
        close(fd);
    free(copy);
    return -1;
}

int pp_store_lock(const char *store, struct pp_store_lock *lk, char *err, size_t errlen)
{
    struct stat st;
    char *path;
    int fd;

    lk->fd = -1;
    path = join(store, PP_LOCK_NAME);
    if (path == NULL) {
        seterr(err, errlen, "%s: out of memory", store);
        return -1;
    }
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    if (fd < 0) {
        seterr(err, errlen, "%s: cannot open the lock file: %s", path,
               errno == ELOOP ? "it is a symbolic link" : strerror(errno));
        free(path);
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0) {
        seterr(err, errlen, "%s: the lock file is not a regular file owned by root", path);
        goto fail;
    }
    /* O_CREAT honours the umask and the caller's group: set both. */
    if ((st.st_gid != 0 || (st.st_mode & 07777) != 0600)
        && (fchown(fd, 0, 0) != 0 || fchmod(fd, 0600) != 0)) {
        seterr(err, errlen, "%s: cannot set owner root:root and mode 0600: %s", path,
               strerror(errno));
        goto fail;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            seterr(err, errlen, "%s: cannot lock: %s", path, strerror(errno));
            goto fail;
        }
    }
    free(path);
    lk->fd = fd;
    step("after-lock");
    return 0;

fail:
    close(fd);
    free(path);
    return -1;
}

void pp_store_unlock(struct pp_store_lock *lk)
{
    if (lk == NULL || lk->fd < 0)
        return;
    /* Closing the only descriptor releases the flock. */
    close(lk->fd);
    lk->fd = -1;
}

int pp_clean_temps(const char *dir, pp_temp_removed removed, void *ctx, char *err,
                   size_t errlen)
{
    struct dirent *de;
    struct stat st;
    int n = 0;
    DIR *d;

    d = opendir(dir);
    if (d == NULL) {
        seterr(err, errlen, "%s: cannot read the directory: %s", dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, PP_TEMP_PREFIX, strlen(PP_TEMP_PREFIX)) != 0)
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
            continue;
        if (unlinkat(dirfd(d), de->d_name, 0) != 0) {
            seterr(err, errlen, "%s/%s: cannot remove a stale temp file: %s", dir, de->d_name,
                   strerror(errno));
            closedir(d);
            return -1;
        }
        if (removed != NULL)
            removed(ctx, dir, de->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static int sync_dir(const char *dir, char *err, size_t errlen)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0 || fsync(fd) != 0) {
        seterr(err, errlen, "%s: cannot sync the directory: %s", dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* fsync the directory dfd (dir), then close it. 0 or -1 (err). */
static int sync_and_close(int dfd, const char *dir, char *err, size_t errlen)
{
    int rc = 0;

    if (fsync(dfd) != 0) {
        seterr(err, errlen, "%s: cannot sync the directory: %s", dir, strerror(errno));
        rc = -1;
    }
    close(dfd);
    if (rc == 0)
        step("after-dirsync");
    return rc;
}

/* The one directory whose sync waits for pp_dirsync_flush (store_write.h). */
static struct {
    bool deferred;
    int fd;                     /* -1: none waits */
    char dir[PATH_MAX];
} dirsync = { false, -1, "" };

void pp_dirsync_defer(void)
{
    dirsync.deferred = true;
}

int pp_dirsync_flush(char *err, size_t errlen)
{
    int fd = dirsync.fd;

    if (fd < 0)
        return 0;
    dirsync.fd = -1;
    return sync_and_close(fd, dirsync.dir, err, errlen);
}

/* Let dfd (dir) wait for pp_dirsync_flush, if none waits yet. */
static int wait_dirsync(int dfd, const char *dir, char *err, size_t errlen)
{
    size_t n = strlen(dir);

    if (dirsync.fd >= 0 || n >= sizeof(dirsync.dir))
        return sync_and_close(dfd, dir, err, errlen);
    memcpy(dirsync.dir, dir, n + 1);
    dirsync.fd = dfd;
    return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Remove from the directory dfd the temp files (PP_TEMP_PREFIX) of writers
 * that were killed between the link and the rename: regular files last
 * modified PP_TEMP_STALE_SECONDS ago or more. A live writer's temp file is
 * younger (it is linked right after its data is written and renamed right
 * after that); one stopped longer loses its file and fails its rename,
 * which leaves the old file. Symbolic links are never followed (fstatat and
 * unlinkat work on the name); the directory is one the caller checked.
 * Best effort: a failure only leaves the file for the next writer.
 */
static void remove_stale_temps(int dfd)
{
    struct dirent *de;
    struct timespec now;
    struct stat st;
    int fd;
    DIR *d;

    if (clock_gettime(CLOCK_REALTIME, &now) != 0)
        return;
    fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, PP_TEMP_PREFIX, strlen(PP_TEMP_PREFIX)) != 0)
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (st.st_mtim.tv_sec > now.tv_sec - PP_TEMP_STALE_SECONDS)
            continue;
        (void)unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

/*
 * A fresh name "{PP_TEMP_PREFIX}{name}.XXXXXX" in out (the X's random).
 * -1 if it does not fit.
 */
static int temp_name(const char *name, char *out, size_t outlen)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char rnd[6];
    char suffix[7];
    size_t i;
    int n;

    if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        for (i = 0; i < sizeof(rnd); i++)
            rnd[i] = (unsigned char)((unsigned long)ts.tv_nsec >> (i * 5)
                                     ^ (unsigned long)getpid() >> i);
    }
    for (i = 0; i < sizeof(rnd); i++)
        suffix[i] = chars[rnd[i] % (sizeof(chars) - 1)];
    suffix[6] = '\0';
    n = snprintf(out, outlen, "%s%s.%s", PP_TEMP_PREFIX, name, suffix);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/*
 * Give the unnamed file fd the name tmp in dfd: linkat with AT_EMPTY_PATH,
 * or through /proc when that is refused. 0, or -1 (errno; EEXIST: taken).
 */
static int link_unnamed(int fd, int dfd, const char *tmp)
{
    char proc[64];

    if (linkat(fd, "", dfd, tmp, AT_EMPTY_PATH) == 0)
        return 0;
    if (errno == EEXIST)
        return -1;
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, proc, dfd, tmp, AT_SYMLINK_FOLLOW);
}

bool pp_file_size_allowed(size_t len)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_FSIZE, &rl) != 0)
        return false;
    return rl.rlim_cur == RLIM_INFINITY || (rlim_t)len <= rl.rlim_cur;
}

/*
 * The new content is written to a file that has no name (O_TMPFILE), so a
 * writer killed before the end (SIGKILL, SIGXFSZ under a file size limit)
 * leaves nothing behind; only when it is complete and on disk does it get
 * a temp name, for the one rename over name. A file system without
 * O_TMPFILE falls back to a named temp file (mkstemp).
 */
int pp_write_file_atomic(const char *dir, const char *name, const void *data, size_t len,
                         char *err, size_t errlen)
{
    char tmp[PP_TEMP_NAME_MAX];
    bool named = false;
    int dfd, fd = -1, tries;

    if (name == NULL || *name == '\0' || strchr(name, '/') != NULL
        || strcmp(name, ".") == 0 || strcmp(name, "..") == 0
        || strlen(name) + strlen(PP_TEMP_PREFIX) + 8 > sizeof(tmp)) {
        seterr(err, errlen, "%s: invalid file name", dir);
        return -1;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        seterr(err, errlen, "%s: cannot open the directory: %s", dir,
               errno == ELOOP ? "it is a symbolic link" : strerror(errno));
        return -1;
    }
    fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        char path[PATH_MAX];
        int n = snprintf(path, sizeof(path), "%s/%s%s.XXXXXX", dir, PP_TEMP_PREFIX, name);

        if (n < 0 || (size_t)n >= sizeof(path)) {
            seterr(err, errlen, "%s/%s: path too long", dir, name);
            goto fail;
        }
        fd = mkostemp(path, O_CLOEXEC);
        if (fd >= 0) {
            named = true;
            snprintf(tmp, sizeof(tmp), "%s", strrchr(path, '/') + 1);
        }
    }
    if (fd < 0) {
        seterr(err, errlen, "%s: cannot create a temp file: %s", dir, strerror(errno));
        goto fail;
    }
    step("after-mkstemp");
    if (fchown(fd, 0, 0) != 0 || fchmod(fd, 0600) != 0) {
        seterr(err, errlen, "%s/%s: cannot set owner root:root and mode 0600 on the new "
               "file: %s", dir, name, strerror(errno));
        goto fail;
    }
    if (write_all(fd, data, len) != 0) {
        seterr(err, errlen, "%s/%s: cannot write the new file: %s", dir, name, strerror(errno));
        goto fail;
    }
    step("after-write");
    if (fsync(fd) != 0) {
        seterr(err, errlen, "%s/%s: cannot sync the new file: %s", dir, name, strerror(errno));
        goto fail;
    }
    step("after-fsync");
    for (tries = 0; !named && tries < 16; tries++) {
        if (temp_name(name, tmp, sizeof(tmp)) == 0 && link_unnamed(fd, dfd, tmp) == 0)
            named = true;
        else if (errno != EEXIST)
            break;
    }
    if (!named) {
        seterr(err, errlen, "%s/%s: cannot link the new file: %s", dir, name, strerror(errno));
        goto fail;
    }
    step("after-link");
    if (close(fd) != 0) {
        fd = -1;
        seterr(err, errlen, "%s/%s: cannot close the new file: %s", dir, name, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (renameat(dfd, tmp, dfd, name) != 0) {
        seterr(err, errlen, "%s/%s: cannot replace: %s", dir, name, strerror(errno));
        goto fail;
    }
    named = false;
    step("after-rename");
    remove_stale_temps(dfd);
    if (dirsync.deferred)
        return wait_dirsync(dfd, dir, err, errlen);
    return sync_and_close(dfd, dir, err, errlen);

fail:
    if (fd >= 0)
        close(fd);
    if (named)
        unlinkat(dfd, tmp, 0);
    close(dfd);
    return -1;
}

int pp_remove_file_durable(const char *dir, const char *name, char *err, size_t errlen)
{
    char *path;

    if (name == NULL || *name == '\0' || strchr(name, '/') != NULL) {
        seterr(err, errlen, "%s: invalid file name", dir);
        return -1;
    }
    path = join(dir, name);
    if (path == NULL) {
        seterr(err, errlen, "%s/%s: out of memory", dir, name);
        return -1;
    }
    if (unlink(path) != 0) {
        int e = errno;
        seterr(err, errlen, "%s: cannot remove: %s", path, strerror(e));
        free(path);
        return e == ENOENT ? -2 : -1;
    }
    free(path);
    step("after-unlink");
    return sync_dir(dir, err, errlen);
}
