#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# packages.sh: the Debian package libpam-prefect, installed for real.
#
# Usage (as root; .ci/run runs it after building the packages):
#   top_srcdir=SRC top_builddir=BUILD sh tests/e2e/packages.sh DEBDIR
# DEBDIR holds libpam-prefect_*.deb and slurm-spank-prefect_*.deb. The
# machine must not have them installed, nor /var/lib/pam_prefect or
# /var/cache/pam_prefect (the test would remove them).
#
# 1. dpkg -i of both: the store and the cache are made root 0700, the
#    configuration is a conffile, /etc/pam.d is unchanged (the profile is
#    off), the check timer is not enabled, systemd-analyze verify accepts the
#    units; the Slurm plugin is in Slurm's plugin directory, off.
# 2. The installed prefect-keys stores keys (checked with the Cloud stand-in,
#    by the installed check program) in the default store;
#    "pam-auth-update --enable prefect"; real sshd logins through
#    common-auth/common-session get the key from the installed module; the
#    installed tool writes metrics that promtool accepts.
# 3. pam-auth-update --disable, dpkg -r, dpkg -P: /etc/pam.d byte for byte
#    as before at each step; purge removes the configuration, the cache and
#    the login memos (/run/pam_prefect)
#    and keeps a store that holds keys.
# 4. libpam-prefect alone (a node without Slurm), removed while still
#    enabled: the prerm takes the module out of /etc/pam.d; a purge with an
#    empty store removes it.
# Everything is put back at the end (e2e.sh), even on failure.
e2e_guard_also="/var/lib/pam /usr/share/pam-configs /var/cache/debconf /etc/security
/etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled /etc/slurm"
. "$top_srcdir/tests/e2e/e2e.sh"

e2e_require_cmd pam-auth-update libpam-runtime
e2e_require_cmd dpkg dpkg
e2e_require_cmd systemd-analyze systemd

debdir=${1:-}
deb=$(ls "$debdir"/libpam-prefect_*.deb 2>/dev/null | head -n 1)
slurmdeb=$(ls "$debdir"/slurm-spank-prefect_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] && [ -n "$slurmdeb" ] \
    || pp_fail "usage: packages.sh DEBDIR (with libpam-prefect_*.deb and slurm-spank-prefect_*.deb)"
STORE=/var/lib/pam_prefect
CACHE=/var/cache/pam_prefect
TOOL=/usr/sbin/prefect-keys
for p in libpam-prefect slurm-spank-prefect; do
    if dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'installed'; then
        pp_fail "$p is installed on this machine; the test would remove it"
    fi
done
for d in "$STORE" "$CACHE"; do
    [ ! -e "$d" ] || pp_fail "$d exists; the test would remove it"
done

e2e_setup
# Whatever happens, the package goes again (before e2e.sh restores the rest),
# and so do the directories it made.
pp_at_exit "dpkg -P slurm-spank-prefect libpam-prefect >/dev/null 2>&1 || true"
e2e_made "$STORE"
e2e_made "$CACHE"
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$R/out"

e2e_sshd_start pptest-alice pptest-bob pptest-carol
# The test's sshd service: Debian's, shortened; no pam_prefect line of its
# own, so only the profile in common-* can bring the module in.
cat >/etc/pam.d/sshd-pptest <<'EOF'
# sshd-pptest: PAM service of pam_prefect's package test (removed at its end)
@include common-auth
account    required     pam_nologin.so
@include common-account
@include common-session
EOF
# login NAME USER: a non-interactive login running the probe; output in
# $R/out/NAME.
login() {
    # shellcheck disable=SC2086
    timeout 30 $e2e_ssh "$2@127.0.0.1" "$R/bin/pp-probe" </dev/null >"$R/out/$1" 2>&1 || true
}

# The state every step must come back to.
cp -a /etc/pam.d "$R/pam.d.before"
pamd_as_before() {
    if diff -r --no-dereference "$R/pam.d.before" /etc/pam.d >"$R/out/pamd.diff" 2>&1 \
        && [ "$(e2e_listing "$R/pam.d.before")" = "$(e2e_listing /etc/pam.d)" ]; then
        e2e_ok "$1: /etc/pam.d byte for byte as before"
    else
        e2e_bad "$1: /etc/pam.d differs from before:"
        sed 's/^/    | /' "$R/out/pamd.diff"
    fi
}
run() {
    # run LABEL COMMAND...: must succeed; output in $R/out/last
    _label=$1
    shift
    if "$@" </dev/null >"$R/out/last" 2>&1; then
        return 0
    fi
    e2e_bad "$_label failed:"
    sed 's/^/    | /' "$R/out/last"
    return 1
}
pau() {
    run "pam-auth-update $*" pam-auth-update "$@" || pp_fail "pam-auth-update $* failed"
    if grep -q 'Local modifications' "$R/out/last"; then
        pp_skip "pam-auth-update does not manage this machine's /etc/pam.d/common-* (local modifications)"
    fi
}
check() {
    # check LABEL COMMAND...: ok if the command succeeds
    _label=$1
    shift
    if "$@" >/dev/null 2>&1; then e2e_ok "$_label"; else e2e_bad "$_label"; fi
}
# add NAME KEY WORKSPACE: the installed tool stores KEY (on its standard
# input, never in argv) after checking it with Cloud.
add() {
    if printf '%s\n' "$2" | "$TOOL" add "$1" --workspace "$3" >"$R/out/last" 2>&1 \
        && grep -q 'checked with Prefect Cloud: the key is valid' "$R/out/last"; then
        e2e_ok "the installed prefect-keys stores $1, checked with Cloud (by the installed check program)"
    else
        e2e_bad "prefect-keys add $1:"
        sed 's/^/    | /' "$R/out/last"
    fi
}
mode_is() {
    _m=$(stat -c '%F %a %U %G' "$1" 2>/dev/null || echo absent)
    if [ "$_m" = "$2" ]; then e2e_ok "$1: $2"; else e2e_bad "$1: $_m, expected $2"; fi
}

# --- 1. install ---------------------------------------------------------------
run "dpkg -i" dpkg -i "$deb" "$slurmdeb" || pp_fail "the packages do not install"
cp "$R/out/last" "$R/out/install"
mode_is "$STORE" "directory 700 root root"
mode_is "$CACHE" "directory 700 root root"
mode_is /etc/security/pam_prefect.conf "regular file 644 root root"
if dpkg-query -W -f='${Conffiles}\n' libpam-prefect | grep -q '^ /etc/security/pam_prefect.conf '; then
    e2e_ok "/etc/security/pam_prefect.conf is a conffile"
else
    e2e_bad "/etc/security/pam_prefect.conf is not a conffile"
fi
# The libraries the module and the plugin open with dlopen: no shlibs
# dependency finds them, so each package's Depends must name them
# (${pp:Depends}). libcurl and json-c are linked by the check program and
# prefect-keys: dh_shlibdeps names them for libpam-prefect, which the
# plugin's package depends on (the plugin runs its check program).
depends_names() {
    # depends_names PKG LIB WHY
    if dpkg-query -W -f='${Depends}\n' "$1" | tr ',' '\n' | grep -q "^ *$2\\b"; then
        e2e_ok "$1: Depends names $2 ($3)"
    else
        e2e_bad "$1: Depends lacks $2 ($3): $(dpkg-query -W -f='${Depends}' "$1")"
    fi
}
# (The packages of this release, as debian/rules computes them.)
dlopened=$(CC=${CC:-cc} sh "$top_srcdir/debian/dlopen-depends" "$top_builddir/config.h" \
    | sed 's/^pp:Depends=//; s/([^)]*)//g; s/,/ /g') || pp_fail "debian/dlopen-depends failed"
[ -n "$dlopened" ] || pp_fail "debian/dlopen-depends names no package"
for pkg in libpam-prefect slurm-spank-prefect; do
    for lib in $dlopened; do
        depends_names "$pkg" "$lib" "opened with dlopen, so no shlibs dependency finds it"
    done
done
# Which packages ship them is asked of dpkg, not written here: libcurl is
# Debian's GnuTLS build (libcurl3-gnutls), and a release may rename either.
nlinked=0
for so in $(ldd /usr/libexec/pam_prefect/check | awk '/libcurl|libjson-c/ { print $3 }'); do
    lib=$(dpkg -S "$(readlink -f "$so")" 2>/dev/null | sed 's/:.*//' | head -n 1)
    if [ -z "$lib" ]; then
        e2e_bad "the check program's $so is in no package"
        continue
    fi
    nlinked=$((nlinked + 1))
    depends_names libpam-prefect "$lib" "linked by the check program"
done
check "the check program links libcurl and json-c" [ "$nlinked" = 2 ]
depends_names libpam-prefect libmd0 "linked by the module (the key's fingerprint)"
check "slurm-spank-prefect depends on libpam-prefect (its check program)" \
    sh -c "dpkg-query -W -f='\${Depends}' slurm-spank-prefect | grep -q 'libpam-prefect (='"
# The check program: root's alone, outside PATH, where the module looks.
mode_is /usr/libexec/pam_prefect/check "regular file 700 root root"
check "the installed module runs /usr/libexec/pam_prefect/check" \
    grep -qaF /usr/libexec/pam_prefect/check "$(dpkg -L libpam-prefect | grep '/security/pam_prefect\.so$')"
pamd_as_before "installed (profile off by default)"
if [ -e /etc/systemd/system/timers.target.wants/prefect-keys-check.timer ]; then
    e2e_bad "the check timer is enabled by the installation"
else
    e2e_ok "the check timer is installed disabled"
fi
units="/lib/systemd/system/prefect-keys-check.service /lib/systemd/system/prefect-keys-check.timer"
# (verify works offline; it says "ignoring" for a bad setting and still
# exits 0, so any output is a failure. The man pages are checked by name.)
if systemd-analyze verify --man=no $units >"$R/out/verify" 2>&1 && [ ! -s "$R/out/verify" ]; then
    e2e_ok "systemd-analyze verify: the service and the timer"
else
    e2e_bad "systemd-analyze verify complains:"
    sed 's/^/    | /' "$R/out/verify"
fi
for u in $units; do
    for m in $(sed -n 's/^Documentation=man:\([^(]*\)(\([0-9]\)).*/\1.\2/p' "$u"); do
        check "$u: its man page $m is installed" test -f "/usr/share/man/man${m##*.}/$m.gz"
    done
done
grep -q "ExecStart=-$TOOL check --all" /lib/systemd/system/prefect-keys-check.service \
    && grep -q "ExecStart=$TOOL metrics\$" /lib/systemd/system/prefect-keys-check.service \
    && e2e_ok "the service checks every entry, then writes the metrics" \
    || e2e_bad "the service does not run check --all and metrics"

# Slurm's plugin directory: where Debian's Slurm has its own plugins.
slurmdir=$(dpkg -L slurm-wlm-basic-plugins 2>/dev/null | grep '/slurm-wlm$' | head -n 1)
[ -n "$slurmdir" ] || slurmdir=/usr/lib/$(gcc -print-multiarch)/slurm-wlm
plugin=$(dpkg -L slurm-spank-prefect | grep '/spank_prefect\.so$' || true)
if [ "$plugin" = "$slurmdir/spank_prefect.so" ] \
    && readelf --dyn-syms -W "$plugin" | grep -qw slurm_spank_init; then
    e2e_ok "the Slurm plugin is in Slurm's plugin directory: $plugin"
else
    e2e_bad "the Slurm plugin is not where Slurm loads plugins from: '$plugin'"
fi
if dpkg-query -W -f='${Conffiles}\n' slurm-spank-prefect | grep -q '^ /etc/slurm/plugstack.conf.d/prefect.conf ' \
    && grep -q '^#optional spank_prefect.so$' /etc/slurm/plugstack.conf.d/prefect.conf \
    && ! grep -q '^[^#]' /etc/slurm/plugstack.conf.d/prefect.conf; then
    e2e_ok "the plugin's plugstack.conf.d line is a conffile, commented out (off)"
else
    e2e_bad "plugstack.conf.d/prefect.conf is not an off conffile"
fi
check "spank_prefect(8) comes with the plugin" sh -c "dpkg -L slurm-spank-prefect | grep -q '/man8/spank_prefect.8.gz\$'"
if dpkg-query -W -f='${Depends}\n' libpam-prefect | grep -qi slurm; then
    e2e_bad "libpam-prefect depends on Slurm"
else
    e2e_ok "libpam-prefect does not depend on Slurm"
fi

# --- 2. keys with the installed tool, the profile, sshd logins ---------------
cat >/etc/security/pam_prefect.conf <<EOF
# the package test's: Cloud is the stand-in; store and cache by default
api_url = "$e2e_api_url";
ca_file = "$R/cloud/certs/ca.pem";
EOF
add pptest-alice "$e2e_key_pptest_alice" "$e2e_ws_a"
add pptest-batch-sa "$e2e_key_pptest_batch_sa" "$e2e_ws_b"
run "map user" "$TOOL" map user pptest-alice pptest-alice || true
run "map group" "$TOOL" map group pptest-batch pptest-batch-sa || true
check "the store is in $STORE" test -f "$STORE/pptest-alice.key"
check "prefect-keys verify: configuration, store and cache as they should be" "$TOOL" verify --offline

pau --enable prefect
for f in common-auth common-account common-session common-session-noninteractive; do
    if grep -qE '^(auth|account|session)[[:space:]]+\[.*\][[:space:]]+pam_prefect\.so[[:space:]]*$' "/etc/pam.d/$f"; then
        e2e_ok "enabled: /etc/pam.d/$f has the module's line"
    else
        e2e_bad "enabled: /etc/pam.d/$f lacks the module's line:"
        grep -n prefect "/etc/pam.d/$f" | cat -A | sed 's/^/    | /'
    fi
done
: >"$PP_TEST_LOG"
login alice pptest-alice
e2e_expect "ssh pptest-alice through the installed module" "$R/out/alice" pptest-alice pptest-alice
login bob pptest-bob
e2e_expect "ssh pptest-bob (group) through the installed module" "$R/out/bob" pptest-bob pptest-batch-sa
login carol pptest-carol
e2e_expect "ssh pptest-carol (unmapped)" "$R/out/carol" pptest-carol none
log_has -e "user=pptest-alice service=sshd-pptest entry=pptest-alice fingerprint=$(cat "$R/fp/pptest-alice") outcome=valid" \
    "log: the installed module's decision line for pptest-alice"
mode_is "$CACHE/pptest-alice.rec" "regular file 600 root root"
# Once the store's files have settled, a login leaves its login memo in
# /run/pam_prefect, and the next login (decided from it) gets the same key.
memo=/run/pam_prefect/pptest-alice:sshd-pptest
for i in 1 2 3; do
    sleep 3
    login alice-memo pptest-alice
    [ -f "$memo" ] && break
done
mode_is "$memo" "regular file 600 root root"
mode_is /run/pam_prefect "directory 700 root root"
login alice-warm pptest-alice
e2e_expect "ssh pptest-alice again, from the login memo" "$R/out/alice-warm" pptest-alice pptest-alice

# The timer's two commands, as the service runs them, into a textfile
# directory of the test's.
mkdir -m 0755 "$R/textfile"
run "prefect-keys check --all" "$TOOL" check --all || true
run "prefect-keys metrics" "$TOOL" metrics --output "$R/textfile/prefect_keys.prom" || true
if grep -q '^prefect_keys_last_check_outcome{entry="pptest-alice",outcome="valid"} 1$' \
        "$R/textfile/prefect_keys.prom" 2>/dev/null; then
    e2e_ok "metrics: pptest-alice's check is valid"
else
    e2e_bad "metrics: no valid check for pptest-alice"
fi
if command -v promtool >/dev/null 2>&1; then
    if promtool check metrics <"$R/textfile/prefect_keys.prom" >"$R/out/promtool" 2>&1 \
        && [ ! -s "$R/out/promtool" ]; then
        e2e_ok "promtool check metrics accepts the installed tool's metrics"
    else
        e2e_bad "promtool check metrics:"
        sed 's/^/    | /' "$R/out/promtool"
    fi
fi

# --- 3. disable, remove, purge --------------------------------------------------
pau --disable prefect
pamd_as_before "pam-auth-update --disable prefect"
run "dpkg -r" dpkg -r slurm-spank-prefect libpam-prefect || true
pamd_as_before "dpkg -r"
check "remove keeps the configuration" test -f /etc/security/pam_prefect.conf
check "remove keeps the store" test -f "$STORE/pptest-alice.key"
check "remove takes the module away" test ! -e /lib/x86_64-linux-gnu/security/pam_prefect.so
run "dpkg -P" dpkg -P slurm-spank-prefect libpam-prefect || true
cp "$R/out/last" "$R/out/purge"
pamd_as_before "dpkg -P"
check "purge removes the configuration" test ! -e /etc/security/pam_prefect.conf
check "purge removes the plugin's plugstack.conf.d file" test ! -e /etc/slurm/plugstack.conf.d/prefect.conf
check "purge removes the cache" test ! -e "$CACHE"
check "purge removes the login memos" test ! -e /run/pam_prefect
check "purge keeps a store that holds keys" test -f "$STORE/pptest-alice.key"
if grep -q "keeping the key store $STORE" "$R/out/purge"; then
    e2e_ok "purge says it keeps the store"
else
    e2e_bad "purge does not say it keeps the store:"
    sed 's/^/    | /' "$R/out/purge"
fi
check "purged: dpkg no longer knows the packages" \
    sh -c "! dpkg-query -W -f='\${Status}' libpam-prefect slurm-spank-prefect 2>/dev/null | grep -q installed"

# --- 4. removed while enabled; purge of an empty store ---------------------------
rm -rf "$STORE"
run "dpkg -i (again)" dpkg -i "$deb" || pp_fail "the package does not install again"
pau --enable prefect
grep -q pam_prefect.so /etc/pam.d/common-session && e2e_ok "enabled again" \
    || e2e_bad "not enabled again"
run "dpkg -r (enabled)" dpkg -r libpam-prefect || true
pamd_as_before "dpkg -r with the profile still enabled"
run "dpkg -P (empty store)" dpkg -P libpam-prefect || true
check "purge removes an empty store" test ! -e "$STORE"
pamd_as_before "dpkg -P"

e2e_assert_no_key "$PP_TEST_LOG" "$R"/out/* "$R/cloud/requests.log" "$R/textfile/prefect_keys.prom"
e2e_end
