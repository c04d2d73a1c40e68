# SPDX-License-Identifier: BSD-3-Clause
# common.sh: sourced by the shell tests. Sets up a safe root-owned test
# directory (see testroot.h for why not the build tree), log capture, and
# removes everything on exit.
set -eu

pp_skip() { echo "SKIP: $*"; exit 77; }
pp_fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || pp_skip "this test needs root (the store must be root-owned)"

PP_TESTROOT=$(mktemp -d "${PP_TEST_SAFE_PARENT:-/run}/pam_prefect-test.XXXXXX")
chmod 0755 "$PP_TESTROOT"
pp_cleanup_hooks=""
pp_on_exit() {
    eval "$pp_cleanup_hooks"
    # The module's login memos of this test's logins (toolkit.sh).
    if command -v pp_drop_memos >/dev/null 2>&1; then pp_drop_memos "$PP_TESTROOT" || true; fi
    rm -rf "$PP_TESTROOT"
}
trap pp_on_exit EXIT
# A time limit (tests/lib/timelimit) stops a test with SIGTERM: clean up then too.
trap 'exit 143' TERM INT HUP
pp_at_exit() { pp_cleanup_hooks="$1; $pp_cleanup_hooks"; }

# log_has [-e] TEXT [CHECK]: the captured log ($PP_TEST_LOG) has a line
# with TEXT, a fixed string (with -e: a grep basic regular expression).
# Without CHECK, the test fails at once if not, showing the log. With
# CHECK (what is checked, in words), the outcome is one of the suite's
# counted checks: "$pp_check_ok CHECK" or "$pp_check_bad CHECK: ..." (the
# suite names its functions; e2e.sh's count failures and go on), the log
# shown after a failed one. The one check of the captured log.
pp_check_ok=:
pp_check_bad=pp_fail
log_has() {
    _lh_opt=-qF
    if [ "$1" = -e ]; then _lh_opt=-q; shift; fi
    if grep "$_lh_opt" -- "$1" "$PP_TEST_LOG" 2>/dev/null; then
        [ $# -lt 2 ] || $pp_check_ok "$2"
        return 0
    fi
    if [ $# -lt 2 ]; then
        cat "$PP_TEST_LOG" 2>/dev/null
        pp_fail "log lacks: $1"
    fi
    $pp_check_bad "$2: no log line matching: $1"
    if [ -f "$PP_TEST_LOG" ]; then sed 's/^/    | /' "$PP_TEST_LOG"; fi
}

PP_TEST_LOG="$PP_TESTROOT/syslog"
export PP_TEST_LOG
PP_LOGCAP="$top_builddir/tests/lib/.libs/logcap.so"
# Preloaded into every PAM application of a test: pam_start reads $PP_PAM_CONFDIR.
PP_PAMCONFDIR="$top_builddir/tests/lib/.libs/pamconfdir.so"

# The shared shell toolkit: keys, fingerprints, the Cloud stand-in, prefect-keys.
# shellcheck source=tests/lib/toolkit.sh
. "$top_srcdir/tests/lib/toolkit.sh"
