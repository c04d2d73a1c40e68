#!/bin/sh
# with-nss.sh PROGRAM: run a unit test program of tests/unit with
# nss_wrapper's fake users and groups (tests/unit/data/passwd, group), so
# that lookups and group memberships are known. PP_VALGRIND, if set, is the
# valgrind command line to run it under.
set -eu

[ "$(id -u)" = 0 ] || { echo "SKIP: this test needs root (the store must be root-owned)"; exit 77; }

# NSS_WRAPPER_LIB is pkg-config's Libs: the library's path (it may carry
# a trailing blank, hence the word splitting).
set -- "$1" ${NSS_WRAPPER_LIB:-}
nss_lib=${2:-}
[ -f "$nss_lib" ] || { echo "ERROR: nss_wrapper not found (Debian: libnss-wrapper)" >&2; exit 99; }

data=$top_srcdir/tests/unit/data
exec env LD_PRELOAD="$nss_lib" NSS_WRAPPER_PASSWD="$data/passwd" NSS_WRAPPER_GROUP="$data/group" \
    ${PP_VALGRIND:-} "$top_builddir/tests/unit/$1"
