#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# with-nss.sh PROGRAM: run a unit test program of tests/unit with known
# users and groups (tests/unit/data/passwd, group), served by the test NSS
# source through glibc's own NSS (tests/lib/nss-pptest.sh), so that an
# unknown user is "not found" exactly as glibc reports it. PP_VALGRIND, if
# set, is the valgrind command line to run it under.
set -eu

[ "$(id -u)" = 0 ] || { echo "SKIP: this test needs root (the store must be root-owned)"; exit 77; }
command -v unshare >/dev/null || { echo "ERROR: unshare (util-linux) is needed" >&2; exit 99; }
. "$top_srcdir/tests/lib/nss-pptest.sh"

data=$top_srcdir/tests/unit/data
down=$(mktemp -u "${PP_TEST_SAFE_PARENT:-/run}/pp-nss-down.XXXXXX")
nss_pptest_exec "$data/passwd" "$data/group" "$down" \
    ${PP_VALGRIND:-} "$top_builddir/tests/unit/$1"
