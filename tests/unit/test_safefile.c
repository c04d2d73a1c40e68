/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_safefile.c: every refusal of pp_read_file, pp_check_dir,
 * pp_check_parents and pp_file_id_of, with its exact message, and the good
 * cases. Needs root: the files live in a fresh pp_test_mkroot() directory.
 * The settled files are made first (setup) and looked at last, so the
 * other cases' time counts towards the settling time (PP_FILE_ID_SETTLE_NS).
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "safefile.h"
#include "secret.h"
#include "testroot.h"

static char *root;
static char *settled_pub, *settled_sec;     /* made by setup, examined last */

/* A path under the test root (freed by the caller). */
static char *at(const char *rel)
{
    return pp_test_fmt("%s/%s", root, rel);
}

/* Read path and expect a failure rc with the message "PATH: reason". */
static void expect_refusal(const char *path, enum pp_file_class cls, size_t max, int rc,
                           const char *reason)
{
    char err[PP_ERRLEN];
    char *buf = (char *)"untouched";
    size_t len = 99;
    char *want = pp_test_fmt("%s: %s", path, reason);

    assert_int_equal(pp_read_file(path, cls, max, &buf, &len, err, sizeof(err)), rc);
    assert_null(buf);
    assert_int_equal(len, 0);
    assert_string_equal(err, want);
    free(want);
}

static void expect_content(const char *path, enum pp_file_class cls, size_t max,
                           const char *content)
{
    char err[PP_ERRLEN] = "";
    char *buf = NULL;
    size_t len = 0;

    if (pp_read_file(path, cls, max, &buf, &len, err, sizeof(err)) != 0)
        fail_msg("%s refused: %s", path, err);
    assert_non_null(buf);
    assert_int_equal(len, strlen(content));
    assert_string_equal(buf, content);
    assert_int_equal(buf[len], '\0');
    pp_free_buf(buf, len + 1);
}

static void test_good_files(void **state)
{
    char *pub = at("good.conf"), *sec = at("good.key");

    (void)state;
    assert_int_equal(pp_test_write(pub, "a = 1;\n", 0644, 0, 0), 0);
    assert_int_equal(pp_test_write(sec, "key = \"pnu_x\";\n", 0600, 0, 0), 0);
    expect_content(pub, PP_FILE_PUBLIC, PP_CONFIG_MAX, "a = 1;\n");
    expect_content(sec, PP_FILE_SECRET, PP_ENTRY_MAX, "key = \"pnu_x\";\n");
    expect_content(sec, PP_FILE_PUBLIC, PP_ENTRY_MAX, "key = \"pnu_x\";\n");
    /* Read-only for root, and a group other than root's, are fine. */
    assert_int_equal(pp_test_write(sec, "k\n", 0400, 0, 12345), 0);
    expect_content(sec, PP_FILE_SECRET, PP_ENTRY_MAX, "k\n");
    free(pub);
    free(sec);
}

static void test_symlink(void **state)
{
    char *target = at("target.conf"), *link = at("link.conf");

    (void)state;
    assert_int_equal(pp_test_write(target, "x\n", 0600, 0, 0), 0);
    assert_int_equal(symlink(target, link), 0);
    expect_refusal(link, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, "is a symbolic link");
    /* A dangling one too. */
    unlink(target);
    expect_refusal(link, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, "is a symbolic link");
    free(target);
    free(link);
}

static void test_hard_link(void **state)
{
    char *a = at("hl-a.key"), *b = at("hl-b.key");

    (void)state;
    assert_int_equal(pp_test_write(a, "x\n", 0600, 0, 0), 0);
    assert_int_equal(link(a, b), 0);
    expect_refusal(a, PP_FILE_SECRET, PP_ENTRY_MAX, -1, "has 2 hard links");
    expect_refusal(b, PP_FILE_SECRET, PP_ENTRY_MAX, -1, "has 2 hard links");
    unlink(b);
    expect_content(a, PP_FILE_SECRET, PP_ENTRY_MAX, "x\n");
    free(a);
    free(b);
}

static void test_directory(void **state)
{
    char *d = at("adir");

    (void)state;
    assert_int_equal(pp_test_mkdir(d, 0700), 0);
    expect_refusal(d, PP_FILE_SECRET, PP_ENTRY_MAX, -1, "is a directory");
    free(d);
}

static void test_fifo(void **state)
{
    char *f = at("fifo");

    (void)state;
    assert_int_equal(mkfifo(f, 0600), 0);
    /* Must not block waiting for a writer (alarm() in main catches a hang). */
    expect_refusal(f, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, "is not a regular file (a FIFO)");
    free(f);
}

static void test_empty(void **state)
{
    char *f = at("empty.key");

    (void)state;
    assert_int_equal(pp_test_write(f, "", 0600, 0, 0), 0);
    expect_refusal(f, PP_FILE_SECRET, PP_ENTRY_MAX, -1, "empty");
    free(f);
}

static void test_size_cap(void **state)
{
    char *f = at("big.key");
    char *big = malloc(PP_ENTRY_MAX + 2);

    (void)state;
    assert_non_null(big);
    memset(big, 'x', PP_ENTRY_MAX + 1);
    big[PP_ENTRY_MAX + 1] = '\0';
    assert_int_equal(pp_test_write(f, big, 0600, 0, 0), 0);
    expect_refusal(f, PP_FILE_SECRET, PP_ENTRY_MAX, -1, "larger than 16384 bytes");
    /* Exactly at the cap is fine. */
    big[PP_ENTRY_MAX] = '\0';
    assert_int_equal(pp_test_write(f, big, 0600, 0, 0), 0);
    expect_content(f, PP_FILE_SECRET, PP_ENTRY_MAX, big);
    expect_refusal(f, PP_FILE_SECRET, 16, -1, "larger than 16 bytes");
    free(big);
    free(f);
}

static void test_writable_by_others(void **state)
{
    char *f = at("w.conf");

    (void)state;
    assert_int_equal(pp_test_write(f, "x\n", 0664, 0, 0), 0);
    expect_refusal(f, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, "group- or world-writable (mode 0664)");
    assert_int_equal(chmod(f, 0602), 0);
    expect_refusal(f, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, "group- or world-writable (mode 0602)");
    assert_int_equal(chmod(f, 0620), 0);
    expect_refusal(f, PP_FILE_SECRET, PP_ENTRY_MAX, -1, "group- or world-writable (mode 0620)");
    free(f);
}

static void test_secret_readable_by_others(void **state)
{
    char *f = at("r.key");

    (void)state;
    assert_int_equal(pp_test_write(f, "x\n", 0640, 0, 0), 0);
    expect_refusal(f, PP_FILE_SECRET, PP_ENTRY_MAX, -1, "readable by group or others (mode 0640)");
    assert_int_equal(chmod(f, 0604), 0);
    expect_refusal(f, PP_FILE_SECRET, PP_ENTRY_MAX, -1, "readable by group or others (mode 0604)");
    /* The same modes are fine for a public file. */
    expect_content(f, PP_FILE_PUBLIC, PP_CONFIG_MAX, "x\n");
    free(f);
}

static void test_not_root_owned(void **state)
{
    char *f = at("u.key");

    (void)state;
    assert_int_equal(pp_test_write(f, "x\n", 0600, 12345, 0), 0);
    expect_refusal(f, PP_FILE_SECRET, PP_ENTRY_MAX, -1, "owned by uid 12345, not root");
    free(f);
}

static void test_unsafe_parents(void **state)
{
    char *ww = at("ww"), *wwsub = at("ww/sub"), *f1 = at("ww/sub/f.conf");
    char *gw = at("gw"), *f2 = at("gw/f.conf");
    char *st = at("sticky"), *f3 = at("sticky/f.conf");
    char *nr = at("nonroot"), *f4 = at("nonroot/f.conf");
    char *real = at("real"), *lnk = at("lnk"), *f5 = at("real/f.conf"), *f5l = at("lnk/f.conf");
    char *notdir = at("plain"), *f6 = at("plain/f.conf");
    char *reason;

    (void)state;
    assert_int_equal(pp_test_mkdir(wwsub, 0755), 0);
    assert_int_equal(chmod(ww, 0777), 0);
    assert_int_equal(pp_test_write(f1, "x\n", 0644, 0, 0), 0);
    reason = pp_test_fmt("parent directory %s is writable by group or others", ww);
    expect_refusal(f1, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, reason);
    free(reason);

    assert_int_equal(pp_test_mkdir(gw, 0775), 0);
    assert_int_equal(pp_test_write(f2, "x\n", 0644, 0, 0), 0);
    reason = pp_test_fmt("parent directory %s is writable by group or others", gw);
    expect_refusal(f2, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, reason);
    free(reason);

    /* Like /tmp: the sticky bit does not make it safe. */
    assert_int_equal(pp_test_mkdir(st, 01777), 0);
    assert_int_equal(pp_test_write(f3, "x\n", 0644, 0, 0), 0);
    reason = pp_test_fmt("parent directory %s is writable by group or others", st);
    expect_refusal(f3, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, reason);
    free(reason);

    assert_int_equal(pp_test_mkdir(nr, 0755), 0);
    assert_int_equal(pp_test_write(f4, "x\n", 0644, 0, 0), 0);
    assert_int_equal(chown(nr, 12345, 0), 0);
    reason = pp_test_fmt("parent directory %s is owned by uid 12345, not root", nr);
    expect_refusal(f4, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, reason);
    free(reason);

    assert_int_equal(pp_test_mkdir(real, 0755), 0);
    assert_int_equal(pp_test_write(f5, "x\n", 0644, 0, 0), 0);
    assert_int_equal(symlink(real, lnk), 0);
    expect_content(f5, PP_FILE_PUBLIC, PP_CONFIG_MAX, "x\n");
    reason = pp_test_fmt("parent directory %s is a symbolic link", lnk);
    expect_refusal(f5l, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, reason);
    free(reason);

    assert_int_equal(pp_test_write(notdir, "x\n", 0644, 0, 0), 0);
    reason = pp_test_fmt("parent directory %s is not a directory", notdir);
    expect_refusal(f6, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, reason);
    free(reason);

    /* pp_check_parents says the same. */
    {
        char err[PP_ERRLEN];
        char *want = pp_test_fmt("%s: parent directory %s is writable by group or others",
                                 f1, ww);

        assert_int_equal(pp_check_parents(f1, err, sizeof(err)), -1);
        assert_string_equal(err, want);
        free(want);
        assert_int_equal(pp_check_parents(f5, err, sizeof(err)), 0);
    }

    free(ww); free(wwsub); free(f1); free(gw); free(f2); free(st); free(f3);
    free(nr); free(f4); free(real); free(lnk); free(f5); free(f5l); free(notdir); free(f6);
}

static void test_missing(void **state)
{
    char *f = at("absent.key"), *g = at("nodir/absent.key");
    char *reason;

    (void)state;
    expect_refusal(f, PP_FILE_SECRET, PP_ENTRY_MAX, -2, "does not exist");
    reason = pp_test_fmt("parent directory %s/nodir does not exist", root);
    expect_refusal(g, PP_FILE_SECRET, PP_ENTRY_MAX, -2, reason);
    free(reason);
    free(f);
    free(g);
}

static void test_bad_paths(void **state)
{
    char err[PP_ERRLEN];
    char *buf;
    size_t len;

    (void)state;
    assert_int_equal(pp_read_file("relative/f.conf", PP_FILE_PUBLIC, PP_CONFIG_MAX, &buf, &len,
                                  err, sizeof(err)), -1);
    assert_string_equal(err, "relative/f.conf: not an absolute path");
    assert_null(buf);
    assert_int_equal(pp_check_dir("", false, err, sizeof(err)), -1);
    assert_string_equal(err, ": not an absolute path");
}

/* A file that says it is larger than what read() gives: sysfs does that. */
static void test_short_read(void **state)
{
    const char *f = "/sys/devices/system/cpu/online";
    char err[PP_ERRLEN];
    struct stat st;
    char *buf;
    size_t len;

    (void)state;
    if (stat(f, &st) != 0 || st.st_size != 4096 || st.st_uid != 0
        || (st.st_mode & 022) != 0 || pp_check_parents(f, err, sizeof(err)) != 0)
        skip();
    assert_int_equal(pp_read_file(f, PP_FILE_PUBLIC, PP_CONFIG_MAX, &buf, &len, err,
                                  sizeof(err)), -1);
    assert_null(buf);
    assert_string_equal(err, "/sys/devices/system/cpu/online: "
                        "truncated or changed while reading (expected 4096 bytes)");
}

static void test_small_err_buffer(void **state)
{
    char *f = at("absent-too");
    char err[8];
    char *buf;
    size_t len;

    (void)state;
    memset(err, 'z', sizeof(err));
    assert_int_equal(pp_read_file(f, PP_FILE_PUBLIC, PP_CONFIG_MAX, &buf, &len, err,
                                  sizeof(err)), -2);
    assert_int_equal(strlen(err), sizeof(err) - 1);
    assert_memory_equal(err, f, sizeof(err) - 1);
    free(f);
}

static void test_check_dir(void **state)
{
    char *priv = at("store"), *pub = at("pubdir"), *ww = at("wwdir"), *nr = at("nrdir");
    char *lnk = at("storelink"), *file = at("afile"), *absent = at("absent-dir");
    char *under = at("wwdir/inner"), *slash;
    char err[PP_ERRLEN];
    char *want;

    (void)state;
    assert_int_equal(pp_test_mkdir(priv, 0700), 0);
    assert_int_equal(pp_check_dir(priv, true, err, sizeof(err)), 0);
    slash = pp_test_fmt("%s/", priv);
    assert_int_equal(pp_check_dir(slash, true, err, sizeof(err)), 0);
    free(slash);

    assert_int_equal(pp_test_mkdir(pub, 0755), 0);
    assert_int_equal(pp_check_dir(pub, false, err, sizeof(err)), 0);
    assert_int_equal(pp_check_dir(pub, true, err, sizeof(err)), -1);
    want = pp_test_fmt("%s: readable or searchable by group or others (mode 0755)", pub);
    assert_string_equal(err, want);
    free(want);
    assert_int_equal(chmod(pub, 0701), 0);
    assert_int_equal(pp_check_dir(pub, true, err, sizeof(err)), -1);
    want = pp_test_fmt("%s: readable or searchable by group or others (mode 0701)", pub);
    assert_string_equal(err, want);
    free(want);

    assert_int_equal(pp_test_mkdir(ww, 0777), 0);
    assert_int_equal(pp_check_dir(ww, false, err, sizeof(err)), -1);
    want = pp_test_fmt("%s: group- or world-writable (mode 0777)", ww);
    assert_string_equal(err, want);
    free(want);
    assert_int_equal(pp_test_mkdir(under, 0700), 0);
    assert_int_equal(pp_check_dir(under, true, err, sizeof(err)), -1);
    want = pp_test_fmt("%s: parent directory %s is writable by group or others", under, ww);
    assert_string_equal(err, want);
    free(want);

    assert_int_equal(pp_test_mkdir(nr, 0700), 0);
    assert_int_equal(chown(nr, 12345, 12345), 0);
    assert_int_equal(pp_check_dir(nr, true, err, sizeof(err)), -1);
    want = pp_test_fmt("%s: owned by uid 12345, not root", nr);
    assert_string_equal(err, want);
    free(want);

    assert_int_equal(symlink(priv, lnk), 0);
    assert_int_equal(pp_check_dir(lnk, true, err, sizeof(err)), -1);
    want = pp_test_fmt("%s: is a symbolic link", lnk);
    assert_string_equal(err, want);
    free(want);

    assert_int_equal(pp_test_write(file, "x\n", 0600, 0, 0), 0);
    assert_int_equal(pp_check_dir(file, true, err, sizeof(err)), -1);
    want = pp_test_fmt("%s: is not a directory (a regular file)", file);
    assert_string_equal(err, want);
    free(want);

    assert_int_equal(pp_check_dir(absent, true, err, sizeof(err)), -2);
    want = pp_test_fmt("%s: does not exist", absent);
    assert_string_equal(err, want);
    free(want);

    assert_int_equal(pp_check_dir("/", false, err, sizeof(err)), 0);

    free(priv); free(pub); free(ww); free(nr); free(lnk); free(file); free(absent); free(under);
}

/* ---- pp_file_id_of ---- */

/* pp_file_id_of must fail with rc and "PATH: reason", leaving id "". */
static void expect_id_refusal(const char *path, enum pp_file_class cls, size_t max, int rc,
                              const char *reason)
{
    char err[PP_ERRLEN], id[PP_FILE_ID_SIZE];
    char *want = pp_test_fmt("%s: %s", path, reason);

    memcpy(id, "junk", 5);
    assert_int_equal(pp_file_id_of(path, cls, max, false, id, sizeof(id), err, sizeof(err)), rc);
    assert_string_equal(id, "");
    assert_string_equal(err, want);
    free(want);
}

/* A file written just now is accepted, with no identity yet. */
static void test_file_id_unsettled(void **state)
{
    char *f = at("fresh.key");
    char err[PP_ERRLEN], id[PP_FILE_ID_SIZE];

    (void)state;
    assert_int_equal(pp_test_write(f, "x\n", 0600, 0, 0), 0);
    memcpy(id, "junk", 5);
    strcpy(err, "junk");
    assert_int_equal(pp_file_id_of(f, PP_FILE_SECRET, PP_ENTRY_MAX, false, id, sizeof(id), err,
                                   sizeof(err)), 0);
    assert_string_equal(id, "");
    assert_string_equal(err, "");
    free(f);
}

static void test_file_id_absent(void **state)
{
    char *f = at("absent-id.key"), *g = at("nodir/absent-id.key");
    char *reason;

    (void)state;
    expect_id_refusal(f, PP_FILE_SECRET, PP_ENTRY_MAX, PP_ABSENT, "does not exist");
    reason = pp_test_fmt("parent directory %s/nodir does not exist", root);
    expect_id_refusal(g, PP_FILE_SECRET, PP_ENTRY_MAX, PP_ABSENT, reason);
    free(reason);
    free(f);
    free(g);
}

static void test_file_id_refusals(void **state)
{
    char *target = at("id-target.conf"), *lnk = at("id-link.conf");
    char *dir = at("id-dir"), *other = at("id-other.key"), *gw = at("id-gw.conf");
    char *rd = at("id-readable.key"), *hl_a = at("id-hl-a.key"), *hl_b = at("id-hl-b.key");
    char *empty = at("id-empty.key"), *big = at("id-big.key");
    char *gwdir = at("id-gwdir"), *under = at("id-gwdir/f.conf");
    char *reason;

    (void)state;
    assert_int_equal(pp_test_write(target, "x\n", 0644, 0, 0), 0);
    assert_int_equal(symlink(target, lnk), 0);
    expect_id_refusal(lnk, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, "is a symbolic link");
    unlink(target);     /* a dangling one too */
    expect_id_refusal(lnk, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, "is a symbolic link");

    assert_int_equal(pp_test_mkdir(dir, 0700), 0);
    expect_id_refusal(dir, PP_FILE_SECRET, PP_ENTRY_MAX, -1, "is a directory");

    assert_int_equal(pp_test_write(other, "x\n", 0600, 12345, 0), 0);
    expect_id_refusal(other, PP_FILE_SECRET, PP_ENTRY_MAX, -1, "owned by uid 12345, not root");

    assert_int_equal(pp_test_write(gw, "x\n", 0664, 0, 0), 0);
    expect_id_refusal(gw, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1,
                      "group- or world-writable (mode 0664)");

    assert_int_equal(pp_test_write(rd, "x\n", 0640, 0, 0), 0);
    expect_id_refusal(rd, PP_FILE_SECRET, PP_ENTRY_MAX, -1,
                      "readable by group or others (mode 0640)");

    assert_int_equal(pp_test_write(hl_a, "x\n", 0600, 0, 0), 0);
    assert_int_equal(link(hl_a, hl_b), 0);
    expect_id_refusal(hl_a, PP_FILE_SECRET, PP_ENTRY_MAX, -1, "has 2 hard links");

    assert_int_equal(pp_test_write(empty, "", 0600, 0, 0), 0);
    expect_id_refusal(empty, PP_FILE_SECRET, PP_ENTRY_MAX, -1, "empty");

    assert_int_equal(pp_test_write(big, "0123456789abcdefg", 0600, 0, 0), 0);
    expect_id_refusal(big, PP_FILE_SECRET, 16, -1, "larger than 16 bytes");

    assert_int_equal(pp_test_mkdir(gwdir, 0775), 0);
    assert_int_equal(pp_test_write(under, "x\n", 0644, 0, 0), 0);
    reason = pp_test_fmt("parent directory %s is writable by group or others", gwdir);
    expect_id_refusal(under, PP_FILE_PUBLIC, PP_CONFIG_MAX, -1, reason);
    free(reason);
    /* dir_checked: the caller vouches for the directories, which are not walked again. */
    {
        char err[PP_ERRLEN], id[PP_FILE_ID_SIZE];

        assert_int_equal(pp_file_id_of(under, PP_FILE_PUBLIC, PP_CONFIG_MAX, true, id,
                                       sizeof(id), err, sizeof(err)), 0);
    }

    free(target); free(lnk); free(dir); free(other); free(gw); free(rd); free(hl_a);
    free(hl_b); free(empty); free(big); free(gwdir); free(under);
}

/* Wait until the change time of path is the settling time behind the clock (safefile.h). */
static void wait_settled(const char *path)
{
    const struct timespec step = { 0, 10 * 1000 * 1000 };
    struct timespec now;
    struct stat st;
    long long age, need;

    assert_int_equal(lstat(path, &st), 0);
    need = PP_FILE_ID_SETTLE_NS + (st.st_ctim.tv_nsec == 0 ? 1000000000LL : 0);
    for (;;) {
        assert_int_equal(clock_gettime(CLOCK_REALTIME, &now), 0);
        age = ((long long)now.tv_sec - st.st_ctim.tv_sec) * 1000000000LL
              + (now.tv_nsec - st.st_ctim.tv_nsec);
        if (age >= need)
            return;
        nanosleep(&step, NULL);
    }
}

/* The identity pp_file_id_of gives is the one a read of the file gives. */
static void expect_same_id(const char *path, enum pp_file_class cls, size_t max)
{
    char err[PP_ERRLEN], id[PP_FILE_ID_SIZE], want[PP_FILE_ID_SIZE];
    struct stat st;
    char *buf;
    size_t len;

    if (pp_read_file_st(path, cls, max, false, &buf, &len, &st, err, sizeof(err)) != 0)
        fail_msg("%s refused: %s", path, err);
    pp_free_buf(buf, len + 1);
    pp_file_identity(&st, want, sizeof(want));
    assert_string_not_equal(want, "");
    if (pp_file_id_of(path, cls, max, false, id, sizeof(id), err, sizeof(err)) != 0)
        fail_msg("%s refused: %s", path, err);
    assert_string_equal(id, want);
    assert_string_equal(err, "");
    /* dir_checked gives the same. */
    assert_int_equal(pp_file_id_of(path, cls, max, true, id, sizeof(id), err, sizeof(err)), 0);
    assert_string_equal(id, want);
}

static void test_file_id_settled(void **state)
{
    char err[PP_ERRLEN], id[PP_FILE_ID_SIZE], before[PP_FILE_ID_SIZE];

    (void)state;
    wait_settled(settled_pub);
    wait_settled(settled_sec);
    expect_same_id(settled_pub, PP_FILE_PUBLIC, PP_CONFIG_MAX);
    expect_same_id(settled_sec, PP_FILE_SECRET, PP_ENTRY_MAX);
    expect_same_id(settled_sec, PP_FILE_PUBLIC, PP_ENTRY_MAX);

    /* A change, even one that leaves content, size and mode as they were,
     * unsettles it: no identity until it has settled again. */
    assert_int_equal(pp_file_id_of(settled_pub, PP_FILE_PUBLIC, PP_CONFIG_MAX, false, before,
                                   sizeof(before), err, sizeof(err)), 0);
    assert_string_not_equal(before, "");
    assert_int_equal(chmod(settled_pub, 0600), 0);
    assert_int_equal(chmod(settled_pub, 0644), 0);
    assert_int_equal(pp_file_id_of(settled_pub, PP_FILE_PUBLIC, PP_CONFIG_MAX, false, id,
                                   sizeof(id), err, sizeof(err)), 0);
    assert_string_equal(id, "");
    /* Settled again, it is another identity: the change time alone tells. */
    wait_settled(settled_pub);
    assert_int_equal(pp_file_id_of(settled_pub, PP_FILE_PUBLIC, PP_CONFIG_MAX, false, id,
                                   sizeof(id), err, sizeof(err)), 0);
    assert_string_not_equal(id, "");
    assert_string_not_equal(id, before);

    /* Too small a buffer gets no identity, never a part of one. */
    memcpy(id, "junk", 5);
    assert_int_equal(pp_file_id_of(settled_sec, PP_FILE_SECRET, PP_ENTRY_MAX, false, id, 16,
                                   err, sizeof(err)), 0);
    assert_string_equal(id, "");
}

static int setup(void **state)
{
    (void)state;
    root = pp_test_mkroot();
    settled_pub = at("settled.conf");
    settled_sec = at("settled.key");
    if (pp_test_write(settled_pub, "a = 1;\n", 0644, 0, 0) != 0
        || pp_test_write(settled_sec, "key = \"pnu_x\";\n", 0600, 0, 0) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pp_test_rmtree(root);
    free(root);
    free(settled_pub);
    free(settled_sec);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_files),
        cmocka_unit_test(test_symlink),
        cmocka_unit_test(test_hard_link),
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_writable_by_others),
        cmocka_unit_test(test_secret_readable_by_others),
        cmocka_unit_test(test_not_root_owned),
        cmocka_unit_test(test_unsafe_parents),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_bad_paths),
        cmocka_unit_test(test_short_read),
        cmocka_unit_test(test_small_err_buffer),
        cmocka_unit_test(test_check_dir),
        cmocka_unit_test(test_file_id_unsettled),
        cmocka_unit_test(test_file_id_absent),
        cmocka_unit_test(test_file_id_refusals),
        cmocka_unit_test(test_file_id_settled),     /* last: it may have to wait */
    };

    pp_test_require_root();
    alarm(120);     /* a blocking open (FIFO) must fail the test, not hang it */
    return cmocka_run_group_tests(tests, setup, teardown);
}
