# SPDX-License-Identifier: BSD-3-Clause
# nss-pptest.sh: sourced by tests that need fake users and groups from the
# test NSS source (tests/lib/nss_pptest.c) through glibc's own NSS, so that
# NSS failures are reported exactly as glibc reports them (nss_wrapper
# answers "not found" with ENOENT, which glibc keeps for a source that could
# not answer).
#
# nss_pptest_exec PASSWD GROUP DOWNFILE COMMAND...: run COMMAND in a mount
# namespace of its own in which /etc/nsswitch.conf (a bind mount, private to
# that namespace) says "passwd: pptest" and "group: pptest"; the system's
# file is never changed. DOWNFILE: see nss_pptest.c.
nss_pptest_exec() {
    _np_dir=$(mktemp -d "${PP_TEST_SAFE_PARENT:-/run}/pp-nss.XXXXXX")
    ln -s "$top_builddir/tests/lib/.libs/libnss_pptest.so" "$_np_dir/libnss_pptest.so.2"
    printf 'passwd: pptest\ngroup: pptest\ninitgroups: pptest\n' >"$_np_dir/nsswitch.conf"
    _np_rc=0 _np_passwd=$1 _np_group=$2 _np_down=$3
    shift 3
    PPTEST_NSS_PASSWD=$_np_passwd PPTEST_NSS_GROUP=$_np_group PPTEST_NSS_DOWN=$_np_down \
        LD_LIBRARY_PATH="$_np_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        unshare --mount --propagation private sh -c \
        'mount --bind "$0" /etc/nsswitch.conf && exec "$@"' \
        "$_np_dir/nsswitch.conf" "$@" || _np_rc=$?
    rm -rf "$_np_dir"
    return $_np_rc
}
