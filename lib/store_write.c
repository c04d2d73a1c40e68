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
#include <sys/file.h>
#include <sys/stat.h>
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

/* Make one directory root:root with mode; *made says whether it is new. */
static int make_one_dir(const char *path, mode_t mode, bool *made, char *err, size_t errlen)
{
    *made = false;
    if (mkdir(path, mode) != 0) {
        if (errno == EEXIST)
            return 0;
        seterr(err, errlen, "%s: cannot create the directory: %s", path, strerror(errno));
        return -1;
    }
    *made = true;
    /* mkdir honours the umask and may inherit a setgid parent's group. */
    if (lchown(path, 0, 0) != 0 || chmod(path, mode) != 0) {
        seterr(err, errlen, "%s: cannot set owner root:root and mode %04o: %s", path,
               (unsigned)mode, strerror(errno));
        return -1;
    }
    return 0;
}

int pp_dir_prepare(const char *dir, bool *created, char *err, size_t errlen)
{
    char *copy, *p;
    size_t len;
    bool made;
    int r;

    if (created != NULL)
        *created = false;
    if (dir == NULL || dir[0] != '/') {
        seterr(err, errlen, "%s: not an absolute path", dir != NULL ? dir : "(null)");
        return -1;
    }
    r = pp_check_dir(dir, true, err, errlen);
    if (r != -2)
        return r == 0 ? 0 : -1;

    copy = strdup(dir);
    if (copy == NULL) {
        seterr(err, errlen, "%s: out of memory", dir);
        return -1;
    }
    len = strlen(copy);
    while (len > 1 && copy[len - 1] == '/')
        copy[--len] = '\0';
    for (p = copy + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        r = make_one_dir(copy, 0755, &made, err, errlen);
        *p = '/';
        if (r != 0) {
            free(copy);
            return -1;
        }
    }
    r = make_one_dir(copy, 0700, &made, err, errlen);
    free(copy);
    if (r != 0)
        return -1;
    if (pp_check_dir(dir, true, err, errlen) != 0)
        return -1;
    if (created != NULL)
        *created = made;
    return 0;
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
    if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0) {
        seterr(err, errlen, "%s: cannot set mode 0600: %s", path, strerror(errno));
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

int pp_store_clean_temps(const char *dir, char *err, size_t errlen)
{
    struct dirent *de;
    struct stat st;
    int removed = 0;
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
        removed++;
    }
    closedir(d);
    return removed;
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

int pp_write_file_atomic(const char *dir, const char *name, const void *data, size_t len,
                         char *err, size_t errlen)
{
    char *tmp = NULL, *final = NULL;
    int fd = -1;

    if (name == NULL || *name == '\0' || strchr(name, '/') != NULL) {
        seterr(err, errlen, "%s: invalid file name", dir);
        return -1;
    }
    final = join(dir, name);
    if (final == NULL || asprintf(&tmp, "%s/%s%s.XXXXXX", dir, PP_TEMP_PREFIX, name) < 0) {
        tmp = NULL;
        seterr(err, errlen, "%s/%s: out of memory", dir, name);
        goto fail;
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        seterr(err, errlen, "%s: cannot create a temp file: %s", dir, strerror(errno));
        free(tmp);
        tmp = NULL;
        goto fail;
    }
    step("after-mkstemp");
    if (fchown(fd, 0, 0) != 0 || fchmod(fd, 0600) != 0) {
        seterr(err, errlen, "%s: cannot set owner root:root and mode 0600: %s", tmp,
               strerror(errno));
        goto fail;
    }
    if (write_all(fd, data, len) != 0) {
        seterr(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
        goto fail;
    }
    step("after-write");
    if (fsync(fd) != 0) {
        seterr(err, errlen, "%s: cannot sync: %s", tmp, strerror(errno));
        goto fail;
    }
    step("after-fsync");
    if (close(fd) != 0) {
        fd = -1;
        seterr(err, errlen, "%s: cannot close: %s", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, final) != 0) {
        seterr(err, errlen, "%s: cannot replace: %s", final, strerror(errno));
        goto fail;
    }
    step("after-rename");
    free(tmp);
    tmp = NULL;
    if (sync_dir(dir, err, errlen) != 0) {
        free(final);
        return -1;
    }
    step("after-dirsync");
    free(final);
    return 0;

fail:
    if (fd >= 0)
        close(fd);
    if (tmp != NULL) {
        unlink(tmp);
        free(tmp);
    }
    free(final);
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
