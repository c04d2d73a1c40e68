#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# upgrade.sh: an administrator's machine, upgraded from the first packages
# to these.
#
# Usage (as root; .ci/run runs it after building both sets of packages):
#   top_srcdir=SRC top_builddir=BUILD sh tests/e2e/upgrade.sh OLDDIR NEWDIR
# OLDDIR holds the packages of the first packaged commit (tests/e2e/old-debs
# builds them), NEWDIR the packages to test; each has libpam-prefect_*.deb
# and slurm-spank-prefect_*.deb, and NEWDIR's must have a newer version (an
# equal one would be a reinstall, not an upgrade). The machine must not have
# the packages installed, nor /var/lib/pam_prefect or /var/cache/pam_prefect.
#
# 1. The old packages installed and used as an administrator would: keys
#    stored and mapped with the old prefect-keys, the configuration file (a
#    conffile) edited, the profile enabled (pam-auth-update), the check
#    timer enabled (systemctl enable), checks and a login that leave the old
#    format's records (ENTRY.json) in the cache; beside them a symbolic link
#    named like a record, pointing out of the cache.
# 2. dpkg -i of the new packages, with no standard input. The shipped
#    conffile changed since the first packages; dpkg would ask whether to
#    keep the edited one, so the test answers as --force-confold does (keep
#    it; the new default goes to .dpkg-dist).
# 3. Everything kept: the store and the mapping byte for byte, the edited
#    conffile, /etc/pam.d with the profile enabled (plus the account line
#    0.2.0's profile adds to common-account), the timer's enablement
#    link. The old records are gone (and the lock files kept); the symbolic
#    link and the file it points to are untouched. The new prefect-keys
#    verify passes, and names an old record put back, with the fix; real
#    sshd logins through the upgraded module get their keys.
# 4. Purge: the system as before (e2e.sh puts back the rest).
e2e_guard_also="/var/lib/pam /usr/share/pam-configs /var/cache/debconf /etc/security
/etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled /etc/slurm"
. "$top_srcdir/tests/e2e/e2e.sh"

e2e_require_cmd pam-auth-update libpam-runtime
e2e_require_cmd dpkg dpkg
e2e_require_cmd systemctl systemd

olddir=${1:-}
newdir=${2:-}
debs_in() {
    _a=$(ls "$1"/libpam-prefect_*.deb 2>/dev/null | head -n 1)
    _b=$(ls "$1"/slurm-spank-prefect_*.deb 2>/dev/null | head -n 1)
    [ -n "$_a" ] && [ -n "$_b" ] \
        || pp_fail "usage: upgrade.sh OLDDIR NEWDIR (each with libpam-prefect_*.deb and slurm-spank-prefect_*.deb)"
    printf '%s %s\n' "$_a" "$_b"
}
old_debs=$(debs_in "$olddir")
new_debs=$(debs_in "$newdir")
old_version=$(dpkg-deb -f "${old_debs%% *}" Version)
new_version=$(dpkg-deb -f "${new_debs%% *}" Version)
dpkg --compare-versions "$new_version" gt "$old_version" \
    || pp_fail "the new packages' version $new_version is not newer than the old $old_version: dpkg would not upgrade (build the new ones with a higher version)"
e2e_say "upgrading $old_version to $new_version"

STORE=/var/lib/pam_prefect
CACHE=/var/cache/pam_prefect
CONF=/etc/security/pam_prefect.conf
TOOL=/usr/sbin/prefect-keys
TIMER_LINK=/etc/systemd/system/timers.target.wants/prefect-keys-check.timer
for p in libpam-prefect slurm-spank-prefect; do
    if dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'installed'; then
        pp_fail "$p is installed on this machine; the test would remove it"
    fi
done
for d in "$STORE" "$CACHE"; do
    [ ! -e "$d" ] || pp_fail "$d exists; the test would remove it"
done

e2e_setup
pp_at_exit "dpkg -P slurm-spank-prefect libpam-prefect >/dev/null 2>&1 || true"
e2e_made "$STORE"
e2e_made "$CACHE"
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$R/out"
e2e_sshd_start pptest-alice pptest-bob pptest-carol
# No pam_prefect line of its own: only the profile in common-* brings the
# module in.
e2e_sshd_service_plain() {
    cat >/etc/pam.d/sshd-pptest <<'EOF'
# sshd-pptest: PAM service of pam_prefect's upgrade test (removed at its end)
@include common-auth
account    required     pam_nologin.so
@include common-account
@include common-session
EOF
}
e2e_sshd_service_plain

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
check() {
    _label=$1
    shift
    if "$@" >/dev/null 2>&1; then e2e_ok "$_label"; else e2e_bad "$_label"; fi
}
# A listing (names, types, modes, owners, sizes) and the checksums of every
# file of a directory: what "unchanged byte for byte" compares.
state_of() {
    e2e_listing "$1"
    (cd "$1" && find . -type f | LC_ALL=C sort | xargs -r sha256sum)
}

# --- 1. the old packages, used -------------------------------------------------
# shellcheck disable=SC2086
run "dpkg -i (old $old_version)" dpkg -i $old_debs || pp_fail "the old packages do not install"
# The administrator's change to the conffile: Cloud is the stand-in.
cat >>"$CONF" <<EOF

# This site's settings (the upgrade test's: Cloud is the stand-in).
api_url = "$e2e_api_url";
ca_file = "$R/cloud/certs/ca.pem";
EOF
cp -p "$CONF" "$R/conf.edited"
for n in pptest-alice pptest-batch-sa; do
    eval "_key=\$e2e_key_$(printf '%s' "$n" | tr -c 'A-Za-z0-9_' '_')"
    _ws=$e2e_ws_a
    [ "$n" = pptest-batch-sa ] && _ws=$e2e_ws_b
    printf '%s\n' "$_key" | "$TOOL" add "$n" --workspace "$_ws" --no-validate >"$R/out/last" 2>&1 \
        || { sed 's/^/    | /' "$R/out/last"; pp_fail "the old prefect-keys add $n failed"; }
    _key=
done
run "old prefect-keys map user" "$TOOL" map user pptest-alice pptest-alice || pp_fail "map failed"
run "old prefect-keys map group" "$TOOL" map group pptest-batch pptest-batch-sa || pp_fail "map failed"
run "pam-auth-update --enable prefect" pam-auth-update --enable prefect || pp_fail "pam-auth-update failed"
if grep -q 'Local modifications' "$R/out/last"; then
    pp_skip "pam-auth-update does not manage this machine's /etc/pam.d/common-* (local modifications)"
fi
grep -q pam_prefect.so /etc/pam.d/common-session || pp_fail "the old profile did not enable"
# The timer, as the README says to turn it on. Without systemd running
# (a container), systemctl enable still makes the link.
run "systemctl enable prefect-keys-check.timer" systemctl enable prefect-keys-check.timer || true
[ -L "$TIMER_LINK" ] || pp_fail "systemctl enable made no $TIMER_LINK"
# Checks and a login with the old code: the old format's records.
run "old prefect-keys check --all" "$TOOL" check --all || true
login old-alice pptest-alice
e2e_expect "before the upgrade: ssh pptest-alice through the old module" "$R/out/old-alice" pptest-alice pptest-alice
for n in pptest-alice pptest-batch-sa; do
    [ -f "$CACHE/$n.json" ] || pp_fail "the old package wrote no $CACHE/$n.json: $(ls -a "$CACHE")"
done
cp -p "$CACHE/pptest-alice.json" "$R/old-record.json"
# What an interrupted old write left; and a link named like a record.
: >"$CACHE/.tmp-pptest-alice.json.Ab12Cd"
chmod 0600 "$CACHE/.tmp-pptest-alice.json.Ab12Cd"
echo "not a record: must survive the upgrade" >"$R/outside.json"
ln -s "$R/outside.json" "$CACHE/pptest-link.json"
cp -p "$R/outside.json" "$R/outside.before"
locks=$(cd "$CACHE" && ls ./*.lock 2>/dev/null | LC_ALL=C sort)
[ -n "$locks" ] || pp_fail "the old checks left no lock files in $CACHE"

state_of "$STORE" >"$R/store.before"
cp -a /etc/pam.d "$R/pam.d.enabled"

# --- 2. the upgrade --------------------------------------------------------------
# shellcheck disable=SC2086
if dpkg --force-confdef --force-confold -i $new_debs </dev/null >"$R/out/upgrade" 2>&1; then
    e2e_ok "dpkg -i $new_version over $old_version, without standard input"
else
    e2e_bad "the upgrade failed:"
    sed 's/^/    | /' "$R/out/upgrade"
fi
for p in libpam-prefect slurm-spank-prefect; do
    _v=$(dpkg-query -W -f='${Status} ${Version}' $p 2>/dev/null || true)
    if [ "$_v" = "install ok installed $new_version" ]; then
        e2e_ok "$p $new_version installed"
    else
        e2e_bad "$p: $_v, expected $new_version installed"
    fi
done

# --- 3. what must be kept, what must be gone --------------------------------------
if state_of "$STORE" | diff "$R/store.before" - >"$R/out/store.diff"; then
    e2e_ok "the store and the mapping are unchanged, byte for byte"
else
    e2e_bad "the store changed:"
    sed 's/^/    | /' "$R/out/store.diff"
fi
if cmp -s "$R/conf.edited" "$CONF" && [ "$(stat -c %a "$CONF")" = 644 ]; then
    e2e_ok "the edited conffile $CONF is kept as the administrator left it"
else
    e2e_bad "the edited conffile changed"
fi
# When the shipped default changed too, dpkg would ask which to keep
# (--force-confold answers: the administrator's) and puts the new default
# beside it.
shipped=$(dpkg-deb --fsys-tarfile "${new_debs%% *}" | tar -xO ".$CONF" | sha256sum)
if [ "$shipped" = "$(dpkg-deb --fsys-tarfile "${old_debs%% *}" | tar -xO ".$CONF" | sha256sum)" ]; then
    check "the default did not change: no $CONF.dpkg-dist" test ! -e "$CONF.dpkg-dist"
elif [ -f "$CONF.dpkg-dist" ] && [ "$(sha256sum <"$CONF.dpkg-dist")" = "$shipped" ]; then
    e2e_ok "the new default is beside it, in $CONF.dpkg-dist"
else
    e2e_bad "the new default is not in $CONF.dpkg-dist"
fi
# The new profile adds the account stage (on_failure = "deny" refuses
# there): the one change the upgrade may make, one line in common-account.
acct_re='^account[[:space:]]+\[.*\][[:space:]]+pam_prefect\.so[[:space:]]*$'
rm -rf "$R/pam.d.after"
cp -a /etc/pam.d "$R/pam.d.after"
if grep -qE "$acct_re" "$R/pam.d.enabled/common-account"; then
    added=0
else
    added=$(grep -cE "$acct_re" "$R/pam.d.after/common-account" || true)
    grep -vE "$acct_re" /etc/pam.d/common-account >"$R/pam.d.after/common-account"
fi
if diff -r --no-dereference "$R/pam.d.enabled" "$R/pam.d.after" >"$R/out/pamd.diff" 2>&1 \
    && grep -q pam_prefect.so /etc/pam.d/common-session && [ "$added" -le 1 ]; then
    e2e_ok "the profile is still enabled: /etc/pam.d as before the upgrade (plus the account line: $added)"
else
    e2e_bad "/etc/pam.d changed in the upgrade beyond the account line:"
    sed 's/^/    | /' "$R/out/pamd.diff"
fi
if grep -qE "$acct_re" /etc/pam.d/common-account; then
    e2e_ok "the upgraded profile has the account stage in common-account"
else
    e2e_bad "the upgraded profile lacks the account line in common-account"
fi
check "the check timer is still enabled ($TIMER_LINK)" test -L "$TIMER_LINK"
check "the old records are removed" \
    sh -c "! ls '$CACHE'/pptest-alice.json '$CACHE'/pptest-batch-sa.json '$CACHE'/.tmp-pptest-alice.json.Ab12Cd 2>/dev/null | grep -q ."
if grep -q "removed 3 check record(s) of the old JSON format from $CACHE" "$R/out/upgrade"; then
    e2e_ok "the upgrade says it removed them"
else
    e2e_bad "the upgrade does not say what it removed:"
    sed 's/^/    | /' "$R/out/upgrade"
fi
check "the lock files are kept" test "$(cd "$CACHE" && ls ./*.lock 2>/dev/null | LC_ALL=C sort)" = "$locks"
check "a symbolic link named like a record is left alone" test -L "$CACHE/pptest-link.json"
check "the file it points to is untouched" cmp -s "$R/outside.before" "$R/outside.json"
rm "$CACHE/pptest-link.json"

# verify: the upgraded tool finds the machine as it should be, and names an
# old record that is left (as after an upgrade from source) with the fix.
if "$TOOL" verify --offline >"$R/out/verify" 2>&1; then
    e2e_ok "prefect-keys verify after the upgrade: no problem"
else
    e2e_bad "prefect-keys verify after the upgrade:"
    sed 's/^/    | /' "$R/out/verify"
fi
cp -p "$R/old-record.json" "$CACHE/pptest-alice.json"
"$TOOL" verify --offline >"$R/out/verify-old" 2>&1 || true
if grep -q "^problem: $CACHE/pptest-alice.json: a check record of the old JSON format" "$R/out/verify-old" \
    && grep -q "^  fix:   rm $CACHE/pptest-alice.json\$" "$R/out/verify-old"; then
    e2e_ok "prefect-keys verify names a left-over old record, with the fix"
else
    e2e_bad "prefect-keys verify does not name the old record:"
    sed 's/^/    | /' "$R/out/verify-old"
fi
rm -f "$CACHE/pptest-alice.json"

# Logins through the upgraded module.
: >"$PP_TEST_LOG"
login alice pptest-alice
e2e_expect "after the upgrade: ssh pptest-alice" "$R/out/alice" pptest-alice pptest-alice
login bob pptest-bob
e2e_expect "after the upgrade: ssh pptest-bob (group)" "$R/out/bob" pptest-bob pptest-batch-sa
login carol pptest-carol
e2e_expect "after the upgrade: ssh pptest-carol (unmapped)" "$R/out/carol" pptest-carol none
check "the new format's record is written" test -f "$CACHE/pptest-alice.rec"

# --- 4. purge ---------------------------------------------------------------------
run "pam-auth-update --disable prefect" pam-auth-update --disable prefect || true
run "dpkg -P" dpkg -P slurm-spank-prefect libpam-prefect || true
check "purge removes the cache" test ! -e "$CACHE"
check "purge removes the configuration" test ! -e "$CONF"
check "purge removes the new default beside it" test ! -e "$CONF.dpkg-dist"
check "purge removes the timer's enablement" test ! -e "$TIMER_LINK"
rm -rf "$STORE"

e2e_assert_no_key "$PP_TEST_LOG" "$R"/out/* "$R/cloud/requests.log"
e2e_end
