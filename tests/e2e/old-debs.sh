#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# old-debs.sh: the Debian packages of the first packaged commit on main, the
# "previous release" that tests/e2e/upgrade.sh and piuparts upgrade from.
#
# Usage: sh tests/e2e/old-debs.sh GITDIR OUTDIR
# GITDIR is a clone of the project with its full history (a shallow clone
# lacks the commit: git fetch --unshallow). The commit is exported with git
# archive (no work tree of the clone is touched) into OUTDIR/src and built
# there without its tests (they ran when it was made; its build-time test
# dependencies, e.g. libpam-wrapper, are no longer installed); the .deb
# files land in OUTDIR. The commit is pinned: the first one on main whose
# debian/ builds (the merge that brought the packages in), whose check
# records are still JSON.
set -eu
old_commit=79585c6fe87c53fee8bf18ca2993315246426aa4
[ $# -eq 2 ] || { echo "usage: old-debs.sh GITDIR OUTDIR" >&2; exit 2; }
gitdir=$1
out=$2
git -C "$gitdir" cat-file -e "$old_commit^{commit}" 2>/dev/null || {
    echo "old-debs.sh: $gitdir lacks commit $old_commit (a shallow clone? git fetch --unshallow)" >&2
    exit 1
}
mkdir -p "$out"
rm -rf "$out/src"
git -C "$gitdir" archive --prefix=src/ "$old_commit" | tar -x -C "$out"
# -d: its Build-Depends name libcurl4-openssl-dev, the OpenSSL build's
# headers, which conflict with the GnuTLS build's that are installed now
# (libcurl4-gnutls-dev); the headers and pkg-config module are the same.
if ! (cd "$out/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" DEB_BUILD_PROFILES=nocheck \
        dpkg-buildpackage -d -us -uc -b) >"$out/build.out" 2>&1; then
    tail -n 60 "$out/build.out" >&2
    echo "old-debs.sh: the packages of $old_commit do not build" >&2
    exit 1
fi
rm -rf "$out/src"
ls "$out"/libpam-prefect_*.deb "$out"/slurm-spank-prefect_*.deb
