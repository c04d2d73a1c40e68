# SPDX-License-Identifier: BSD-3-Clause
# e2e.sh: sourced by tests/e2e/*.test (it sources tests/lib/common.sh).
#
# The end-to-end tests log in for real, with the system's programs (sshd,
# su, sudo, cron, pam-auth-update) and the system's libpam, so they change
# the machine while they run: throwaway users and groups (pptest-*), PAM
# service files, a sudoers drop-in, crontabs. This file makes that safe:
#
# - one e2e test at a time on the host (a lock), so no test ever snapshots
#   another's changes;
# - before anything changes, a snapshot of every place a test may touch
#   (/etc/pam.d, the files of users and groups, and the directories and
#   files the test names in e2e_guard_also and e2e_guard_files_also before
#   sourcing this file) is kept in $e2e_guard, outside
#   the test's own directory; at exit, even after a failure, everything is
#   put back and verified byte for byte (contents, modes, owners); the test
#   fails if that verification fails;
# - if a run died without cleaning up (kill -9), the next run finds the
#   snapshot and restores from it first.
#
# Everything else (store, cache, config, module copy, certificates, keys of
# the stand-in, sshd's files, homes) lives in $PP_TESTROOT, root-owned under
# /run. Keys are generated into shell variables, go to prefect-keys on
# standard input, and are compared as fingerprints: no key is ever written
# outside the store, put on a command line or printed.

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the end-to-end tests log in for real (sshd, su, sudo, cron, pam-auth-update) and need root"
    exit 77
fi
. "$top_srcdir/tests/lib/common.sh"

e2e_name=${0##*/}
e2e_name=${e2e_name%.test}
R=$PP_TESTROOT
e2e_lock=/run/pam_prefect-e2e.lock
e2e_guard=/run/pam_prefect-e2e.guard
# Directories put back as they were (a test adds the others it changes to
# e2e_guard_also), and files only verified (users and groups are removed
# with userdel/groupdel; a difference left is reported, never overwritten).
e2e_guarded_dirs="/etc/pam.d ${e2e_guard_also-}"
e2e_guarded_files="/etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/subuid /etc/subgid"
# Single files a test changes (e.g. /etc/nsswitch.conf): put back as they
# were, then verified.
e2e_restored_files="${e2e_guard_files_also-}"
e2e_failures=0
e2e_key_vars=
e2e_started=0
e2e_restored=0

# The caller's environment must not decide anything.
unset PREFECT_API_KEY PREFECT_API_URL

# Signals end the script through exit, so that the EXIT trap restores.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

e2e_say() { printf '%s: %s\n' "$e2e_name" "$*"; }
e2e_ok() { printf 'ok: %s\n' "$*"; }
e2e_bad() { printf 'FAIL: %s\n' "$*"; e2e_failures=$((e2e_failures + 1)); }
# log_has (common.sh) with a CHECK is one of these counted checks.
pp_check_ok=e2e_ok
pp_check_bad=e2e_bad

# e2e_require_cmd CMD PACKAGE: skip (77) with a clear message when missing.
e2e_require_cmd() {
    command -v "$1" >/dev/null 2>&1 || [ -x "$1" ] \
        || pp_skip "$1 is not installed (Debian package $2; scripts/deps installs it)"
}

# What every e2e test needs, beyond root (common.sh checked that).
e2e_require_cmd useradd passwd
e2e_require_cmd flock util-linux
e2e_require_cmd setpriv util-linux
e2e_require_cmd timeout coreutils
e2e_require_cmd sha256sum coreutils
: "${PYTHON3:=python3}" "${OPENSSL:=openssl}"
export OPENSSL
e2e_require_cmd "$PYTHON3" python3
e2e_require_cmd "$OPENSSL" openssl
e2e_module_built="$top_builddir/pam_prefect/.libs/pam_prefect.so"
e2e_tool="$top_builddir/tools/prefect-keys"
e2e_checker_built="$top_builddir/checker/check"
[ -x "$e2e_checker_built" ] || pp_fail "the check program is not built: $e2e_checker_built"
[ -f "$e2e_module_built" ] || pp_fail "the module is not built: $e2e_module_built"
[ -x "$e2e_tool" ] || pp_fail "prefect-keys is not built: $e2e_tool"

# ---------------------------------------------------------------------------
# The guard: snapshot, restore, verify.

# A listing of a tree that shows every difference that matters: names,
# types, modes, owners, sizes, link targets (contents: diff -r).
e2e_listing() {
    find "$1" -printf '%P\t%y\t%m\t%u\t%g\t%s\t%l\n' \
        | awk -F '\t' 'BEGIN { OFS = "\t" } $2 == "d" { $6 = "-" } { print }' | LC_ALL=C sort
}

e2e_snapshot() {
    rm -rf "$e2e_guard"
    mkdir -m 0700 "$e2e_guard"
    mkdir "$e2e_guard/dirs" "$e2e_guard/files"
    : >"$e2e_guard/users"
    : >"$e2e_guard/groups"
    : >"$e2e_guard/pids"
    : >"$e2e_guard/made"
    printf '%s\n' $e2e_guarded_dirs >"$e2e_guard/dirlist"
    for d in $e2e_guarded_dirs; do
        s="$e2e_guard/dirs/$(printf '%s' "$d" | tr / _)"
        if [ -d "$d" ]; then
            cp -a "$d" "$s"
            e2e_listing "$d" >"$s.list"
        else
            : >"$s.absent"
        fi
    done
    printf '%s\n' $e2e_restored_files >"$e2e_guard/filelist"
    for f in $e2e_guarded_files $e2e_restored_files; do
        s="$e2e_guard/files/$(printf '%s' "$f" | tr / _)"
        if [ -e "$f" ]; then
            cp -a "$f" "$s"
        else
            : >"$s.absent"
        fi
    done
    # Only now is the snapshot complete: a run that dies before this line
    # changed nothing yet.
    : >"$e2e_guard/complete"
}

# Put one guarded directory back as it was: entries added since are
# removed, changed or removed ones are copied back from the snapshot.
e2e_restore_dir() {
    d=$1
    s="$e2e_guard/dirs/$(printf '%s' "$d" | tr / _)"
    if [ -e "$s.absent" ]; then
        [ -e "$d" ] && rm -rf -- "$d"
        return 0
    fi
    [ -d "$s" ] || return 1
    for f in "$d"/* "$d"/.[!.]* "$d"/..?*; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        b=${f##*/}
        [ -e "$s/$b" ] || [ -L "$s/$b" ] || rm -rf -- "$f"
    done
    for f in "$s"/* "$s"/.[!.]* "$s"/..?*; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        b=${f##*/}
        if [ -d "$f" ] && [ ! -L "$f" ]; then
            # Subdirectories (none in practice): replace wholesale if different.
            if ! diff -r --no-dereference "$f" "$d/$b" >/dev/null 2>&1; then
                rm -rf -- "$d/$b"
                cp -a "$f" "$d/$b"
            fi
        elif ! cmp -s "$f" "$d/$b" 2>/dev/null \
            || [ "$(stat -c '%F %a %u %g' "$f")" != "$(stat -c '%F %a %u %g' "$d/$b" 2>/dev/null)" ]; then
            rm -rf -- "$d/$b"
            cp -a "$f" "$d/$b"
        fi
    done
    chmod --reference="$s" "$d"
    chown --reference="$s" "$d"
}

# Put one restored file back as it was (contents, mode, owner).
e2e_restore_file() {
    f=$1
    s="$e2e_guard/files/$(printf '%s' "$f" | tr / _)"
    if [ -e "$s.absent" ]; then
        rm -f -- "$f"
    elif [ -f "$s" ]; then
        cmp -s "$s" "$f" && [ "$(stat -c '%a %u %g' "$s")" = "$(stat -c '%a %u %g' "$f")" ] \
            || cp -a "$s" "$f"
    else
        return 1
    fi
}

# Verify one guarded directory; prints the differences. 0 if identical.
e2e_verify_dir() {
    d=$1
    s="$e2e_guard/dirs/$(printf '%s' "$d" | tr / _)"
    if [ -e "$s.absent" ]; then
        [ ! -e "$d" ] && return 0
        echo "$d exists but did not before the test"
        return 1
    fi
    e2e_listing "$d" >"$e2e_guard/now.list" 2>&1 || true
    if ! cmp -s "$s.list" "$e2e_guard/now.list"; then
        echo "$d: names, modes or owners differ from before the test:"
        diff "$s.list" "$e2e_guard/now.list" | sed 's/^/    /'
        return 1
    fi
    # Contents shown for /etc/pam.d only (debconf's passwords.dat, crontabs:
    # names only).
    _q=-q
    [ "$d" = /etc/pam.d ] && _q=
    if ! diff -r $_q --no-dereference "$s" "$d" >"$e2e_guard/now.diff" 2>&1; then
        echo "$d: contents differ from before the test:"
        sed 's/^/    /' "$e2e_guard/now.diff"
        return 1
    fi
    return 0
}

e2e_verify_file() {
    f=$1
    s="$e2e_guard/files/$(printf '%s' "$f" | tr / _)"
    if [ -e "$s.absent" ]; then
        [ ! -e "$f" ] && return 0
        echo "$f exists but did not before the test"
        return 1
    fi
    if ! cmp -s "$s" "$f" \
        || [ "$(stat -c '%a %u %g' "$s")" != "$(stat -c '%a %u %g' "$f")" ]; then
        echo "$f differs from before the test (lines by their first field):"
        diff "$s" "$f" | sed -n 's/^\([<>] [^:]*\).*/    \1/p'
        return 1
    fi
    return 0
}

# Stop the daemons this test (or a dead earlier run) started: only the
# recorded pids, and only while they still are what was started.
e2e_stop_pids() {
    while read -r pid marker; do
        [ -n "$pid" ] || continue
        if [ -r "/proc/$pid/cmdline" ] \
            && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"; then
            kill -TERM "$pid" 2>/dev/null || true
            i=0
            while [ -d "/proc/$pid" ] && [ $i -lt 50 ]; do
                sleep 0.1
                i=$((i + 1))
            done
            [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null
        fi
    done <"$e2e_guard/pids"
    : >"$e2e_guard/pids"
    wait 2>/dev/null || true
}

# Undo everything, then verify. Prints what differs; returns 0 or 1.
# Used at the end of each test, from the EXIT trap, and to recover after a
# run that died.
e2e_restore() {
    [ -e "$e2e_guard/complete" ] || { rm -rf "$e2e_guard"; return 0; }
    e2e_stop_pids
    while read -r u; do
        [ -n "$u" ] || continue
        if getent passwd "$u" >/dev/null; then
            crontab -u "$u" -r >/dev/null 2>&1 || true
            rm -f "/run/sudo/ts/$u"
            userdel -f "$u" >/dev/null 2>&1 || echo "userdel $u failed"
        fi
    done <"$e2e_guard/users"
    while read -r g; do
        [ -n "$g" ] || continue
        getent group "$g" >/dev/null && { groupdel "$g" >/dev/null 2>&1 || echo "groupdel $g failed"; }
    done <"$e2e_guard/groups"
    while read -r m; do
        [ -n "$m" ] && rm -rf -- "$m"
    done <"$e2e_guard/made"
    # The directories of the run being undone (a dead run's may differ).
    _dirs=$(cat "$e2e_guard/dirlist")
    for d in $_dirs; do
        e2e_restore_dir "$d" || echo "cannot restore $d"
    done
    _files=$(cat "$e2e_guard/filelist" 2>/dev/null || true)
    for f in $_files; do
        e2e_restore_file "$f" || echo "cannot restore $f"
    done
    bad=0
    for d in $_dirs; do
        e2e_verify_dir "$d" || bad=1
    done
    for f in $e2e_guarded_files $_files; do
        e2e_verify_file "$f" || bad=1
    done
    if [ $bad = 0 ]; then
        rm -rf "$e2e_guard"
        return 0
    fi
    echo "the snapshot taken before the test is kept in $e2e_guard"
    return 1
}

e2e_on_exit() {
    set +e
    if [ "$e2e_started" = 1 ] && [ "$e2e_restored" = 0 ]; then
        e2e_restored=1
        if ! e2e_restore; then
            echo "FAIL: the system was not restored exactly (see above)"
            rm -rf "$PP_TESTROOT"
            exit 1
        fi
    fi
}

# e2e_begin: take the lock, recover from a dead run, snapshot.
e2e_begin() {
    # (the demo removes the lock file it made while it holds it: a lock
    # taken on the removed file would lock nothing, so take it again)
    while :; do
        exec 9>>"$e2e_lock"
        flock -w 600 9 || pp_fail "another end-to-end test holds $e2e_lock for over 10 minutes"
        [ "$(stat -L -c %d:%i /dev/fd/9)" = "$(stat -c %d:%i "$e2e_lock" 2>/dev/null)" ] && break
    done
    if [ -e "$e2e_guard/complete" ]; then
        e2e_say "an earlier end-to-end run did not finish its clean-up; restoring from its snapshot"
        e2e_restore || e2e_say "(the differences above were there before this run; going on)"
        rm -rf "$e2e_guard"
    fi
    rm -rf "$e2e_guard"
    # Users and groups of ours left by something else: refuse rather than
    # delete what this run did not create.
    if getent passwd | grep -q '^pptest-' || getent group | grep -q '^pptest-'; then
        pp_fail "users or groups named pptest-* exist; remove them first (they are the tests' prefix)"
    fi
    e2e_snapshot
    # A run that dies (kill -9) leaves its test directory: the next removes it.
    e2e_made "$PP_TESTROOT"
    e2e_started=1
    pp_at_exit e2e_on_exit
}

# e2e_end: restore now and assert it (the EXIT trap then has nothing to do),
# then report. The test's last command.
e2e_end() {
    e2e_restored=1
    set +e
    if e2e_restore; then
        e2e_ok "everything the test changed is back exactly as before:" $e2e_guarded_dirs $e2e_guarded_files $e2e_restored_files
    else
        e2e_bad "the system was not restored exactly (see above)"
    fi
    if [ "$e2e_failures" -gt 0 ]; then
        echo "$e2e_name: $e2e_failures check(s) failed"
        exit 1
    fi
    exit 0
}

# e2e_made PATH: remove PATH at the end (something the test created outside
# $PP_TESTROOT and the guarded places, e.g. /run/sshd).
e2e_made() { printf '%s\n' "$1" >>"$e2e_guard/made"; }

# e2e_track PID MARKER: stop PID at the end if its command line has MARKER.
e2e_track() { printf '%s %s\n' "$1" "$2" >>"$e2e_guard/pids"; }

# ---------------------------------------------------------------------------
# Users, groups.

# e2e_group NAME
e2e_group() {
    printf '%s\n' "$1" >>"$e2e_guard/groups"
    groupadd "$1"
}

# e2e_user NAME [SUPPLEMENTARY_GROUP]: home in $R/home, shell /bin/sh.
e2e_user() {
    printf '%s\n' "$1" >>"$e2e_guard/users"
    printf '%s\n' "$1" >>"$e2e_guard/groups"     # the user private group
    mkdir -p "$R/home"
    if [ $# -ge 2 ]; then
        useradd -m -d "$R/home/$1" -s /bin/sh -G "$2" "$1"
    else
        useradd -m -d "$R/home/$1" -s /bin/sh "$1"
    fi
    # A user without any mail or hushlogin surprises.
    rm -f "$R/home/$1/.hushlogin"
}

# ---------------------------------------------------------------------------
# PAM service files (only in the guarded /etc/pam.d).

# The lines of the README, pointing at the test's module copy and config
# (account and session with the README's control, which lets deny refuse
# and changes nothing otherwise; SESSION_CONTROL replaces the session's).
e2e_module_lines() {
    printf 'auth\toptional\t%s config=%s %s\n' "$R/lib/pam_prefect.so" "$R/pam_prefect.conf" "${1-}"
    printf 'account\t[success=ok ignore=ignore module_unknown=ignore default=bad]\t%s config=%s %s\n' \
        "$R/lib/pam_prefect.so" "$R/pam_prefect.conf" "${1-}"
    printf 'session\t%s\t%s config=%s %s\n' \
        "${2:-[success=ok ignore=ignore module_unknown=ignore default=bad]}" \
        "$R/lib/pam_prefect.so" "$R/pam_prefect.conf" "${1-}"
}

# e2e_pam_append SERVICE [ARGS [SESSION_CONTROL]]: the module lines at the
# end of an existing service file.
e2e_pam_append() {
    [ -f "/etc/pam.d/$1" ] || pp_fail "/etc/pam.d/$1 does not exist"
    e2e_module_lines "${2-}" "${3-}" >>"/etc/pam.d/$1"
}

# ---------------------------------------------------------------------------
# The Cloud stand-in, keys, the store, the config.

e2e_uuid() { cat /proc/sys/kernel/random/uuid; }

# e2e_cloud_start: certificates, an empty state, the stand-in on a free
# port of 127.0.0.1; sets e2e_api_url.
e2e_cloud_start() {
    mkdir -p "$R/cloud"
    pp_make_certs "$R/cloud/certs" || pp_fail "cannot make the test certificates"
    : >"$R/cloud/keys"
    : >"$R/cloud/workspaces"
    e2e_cloud_state
    _ok=0
    pp_standin_start "$R/cloud/certs/server" "$R/cloud/state.json" "$R/cloud/requests.log" \
        "$R/cloud/port" "$R/cloud/standin.out" || _ok=1
    e2e_track "$pp_standin_pid" standin.py
    [ $_ok = 0 ] || { cat "$R/cloud/standin.out"; pp_fail "the Cloud stand-in did not start"; }
    e2e_api_url=$(pp_standin_url "$R/cloud/port")
}

# Rewrite the stand-in's state (atomically) from $R/cloud/workspaces
# ("ACCOUNT WORKSPACE" lines) and $R/cloud/keys ("FP WORKSPACE KIND" lines).
e2e_cloud_state() {
    "$PYTHON3" - "$R/cloud" <<'EOF'
import json, os, sys, uuid
d = sys.argv[1]
ws = [l.split() for l in open(os.path.join(d, "workspaces")) if l.strip()]
keys = {}
for fp, wid, kind in (l.split() for l in open(os.path.join(d, "keys")) if l.strip()):
    k = {"workspaces": [wid], "revoked": False, "expiration": None}
    acct = [a for a, w in ws if w == wid][0]
    if kind == "pnb_":
        k.update(account_id=acct, service_account_id=str(uuid.uuid4()))
    else:
        k.update(user_id=str(uuid.uuid4()), key_id=str(uuid.uuid4()))
    keys[fp] = k
state = {"workspaces": [{"account_id": a, "account_handle": "acct%d" % i,
                         "workspace_id": w, "workspace_handle": "ws%d" % i}
                        for i, (a, w) in enumerate(ws)],
         "keys": keys, "faults": []}
tmp = os.path.join(d, "state.json.tmp")
with open(tmp, "w") as f:
    json.dump(state, f)
os.rename(tmp, os.path.join(d, "state.json"))
EOF
}

# e2e_workspace VAR: a new workspace; VAR gets "ACCOUNT_ID/WORKSPACE_ID".
e2e_workspace() {
    _a=$(e2e_uuid)
    _w=$(e2e_uuid)
    printf '%s %s\n' "$_a" "$_w" >>"$R/cloud/workspaces"
    e2e_cloud_state
    eval "$1=\$_a/\$_w"
}

# e2e_config [EXTRA]: the module's config for this test (the store and the
# cache in $R, the stand-in as Prefect Cloud).
e2e_config() {
    cat >"$R/pam_prefect.conf" <<EOF
# pam_prefect.conf for the end-to-end test $e2e_name
api_url = "$e2e_api_url";
store = "$R/store";
cache_dir = "$R/cache";
ca_file = "$R/cloud/certs/ca.pem";
check_program = "$R/lib/check";
${1-}
EOF
    chmod 0644 "$R/pam_prefect.conf"
}

# e2e_pk ARGS...: prefect-keys with the test configuration (natively).
e2e_pk() { (PP_VALGRIND="" PP_PK_BIN=$e2e_tool pp_prefect_keys "$R/pam_prefect.conf" "$@"); }

# e2e_entry NAME PREFIX WORKSPACE CLOUD: a new key (PREFIX pnu_ or pnb_)
# stored as entry NAME with prefect-keys for WORKSPACE (ACCOUNT/WORKSPACE);
# CLOUD "known" makes the stand-in accept it, "unknown" reject it (401).
# The key stays in the variable e2e_key_NAME (for the no-leak checks), its
# fingerprint goes to $R/fp/NAME, the URL the session should get to
# $R/url/NAME.
e2e_entry() {
    _var=e2e_key_$(printf '%s' "$1" | tr -c 'A-Za-z0-9_' '_')
    _key=$(pp_new_key "${2%_}")
    eval "$_var=\$_key"
    e2e_key_vars="$e2e_key_vars $_var"
    mkdir -p "$R/fp" "$R/url"
    pp_fp "$_key" >"$R/fp/$1"
    printf '%s/accounts/%s/workspaces/%s\n' "$e2e_api_url" "${3%/*}" "${3#*/}" >"$R/url/$1"
    if [ "$4" = known ]; then
        printf '%s %s %s\n' "$(cat "$R/fp/$1")" "${3#*/}" "$2" >>"$R/cloud/keys"
        e2e_cloud_state
    fi
    printf '%s\n' "$_key" | e2e_pk add "$1" --workspace "$3" --no-validate >"$R/tool.out" 2>&1 \
        || { cat "$R/tool.out"; pp_fail "prefect-keys add $1 failed"; }
    _key=
}

# e2e_map user|group NAME ENTRY
e2e_map() {
    e2e_pk map "$1" "$2" "$3" >"$R/tool.out" 2>&1 \
        || { cat "$R/tool.out"; pp_fail "prefect-keys map $1 $2 $3 failed"; }
}

# All generated keys, one a line, on stdout (to feed grep -f -, never argv).
e2e_all_keys() {
    for _v in $e2e_key_vars; do
        eval "printf '%s\n' \"\$$_v\""
    done
}

# e2e_assert_no_key FILE...: none of the generated keys appears in FILE.
e2e_assert_no_key() {
    for _f in "$@"; do
        [ -f "$_f" ] || continue
        if e2e_all_keys | grep -qF -f - "$_f"; then
            e2e_bad "a key appears in $_f"
        else
            e2e_ok "no key in ${_f#"$R"/}"
        fi
    done
}

# The standard cast, used by every login test:
#   pptest-alice  mapped by name to entry pptest-alice (user key, workspace A)
#   pptest-bob    in group pptest-batch, mapped to entry pptest-batch-sa
#                 (service account key, workspace B)
#   pptest-carol  mapped to nothing
#   pptest-dave   mapped by name to entry pptest-dave, whose key the
#                 stand-in rejects (401)
e2e_setup() {
    e2e_base "${1-}"
    e2e_group pptest-batch
    e2e_user pptest-alice
    e2e_user pptest-bob pptest-batch
    e2e_user pptest-carol
    e2e_user pptest-dave
    e2e_entry pptest-alice pnu_ "$e2e_ws_a" known
    e2e_entry pptest-batch-sa pnb_ "$e2e_ws_b" known
    e2e_entry pptest-dave pnu_ "$e2e_ws_a" unknown
    e2e_map user pptest-alice pptest-alice
    e2e_map group pptest-batch pptest-batch-sa
    e2e_map user pptest-dave pptest-dave
}

# e2e_base [CONFIG_EXTRA]: what every login test needs before its cast:
# the lock and the snapshot, the module, the probe, the stand-in with two
# workspaces ($e2e_ws_a, $e2e_ws_b), the config.
e2e_base() {
    e2e_begin
    mkdir -p "$R/lib" "$R/bin"
    # The module, from a root-owned place (the build tree may be anywhere).
    install -m 0644 "$e2e_module_built" "$R/lib/pam_prefect.so"
    # The check program the module and prefect-keys run (check_program),
    # root's alone as when installed.
    install -m 0700 "$e2e_checker_built" "$R/lib/check"
    # What every login runs: the fingerprint of PREFECT_API_KEY and the
    # value of PREFECT_API_URL (or "unset"), never the key.
    cat >"$R/bin/pp-probe" <<'EOF'
#!/bin/sh
if [ -n "${PREFECT_API_KEY+x}" ]; then
    fp=$(printf '%s' "$PREFECT_API_KEY" | sha256sum | cut -c1-16)
else
    fp=unset
fi
printf 'probe: user=%s key=%s url=%s\n' "$(id -un)" "$fp" "${PREFECT_API_URL-unset}"
EOF
    chmod 0755 "$R/bin/pp-probe"
    e2e_cloud_start
    e2e_config "${1-}"
    e2e_workspace e2e_ws_a
    e2e_workspace e2e_ws_b
    mkdir -p "$R/fp" "$R/url"
    echo unset >"$R/fp/none"
    echo unset >"$R/url/none"
}

# e2e_expect LABEL OUTPUT_FILE USER ENTRY|none: the probe line for USER in
# OUTPUT_FILE shows ENTRY's key fingerprint and URL (or neither).
e2e_expect() {
    # (on a pty the line may follow the shell's prompt)
    _line=$(tr -d '\r' <"$2" | sed -n "s/^.*\(probe: user=$3 .*\)\$/\1/p" | tail -n 1)
    if [ -z "$_line" ]; then
        e2e_bad "$1: no probe output for $3"
        sed 's/^/    | /' "$2"
        return 0
    fi
    _fp=$(cat "$R/fp/$4")
    _url=$(cat "$R/url/$4")
    if [ "$_line" = "probe: user=$3 key=$_fp url=$_url" ]; then
        if [ "$4" = none ]; then
            e2e_ok "$1: $3 has neither PREFECT_API_KEY nor PREFECT_API_URL"
        else
            e2e_ok "$1: $3 has the key of entry $4 (fingerprint $_fp) and its URL"
        fi
    else
        # Name the entry whose key came instead, if it is one of ours.
        _got=$(printf '%s\n' "$_line" | sed -n 's/.* key=\([^ ]*\) .*/\1/p')
        _owner="not one of the test's keys"
        for _f in "$R"/fp/*; do
            [ "$(cat "$_f")" = "$_got" ] && _owner="entry ${_f##*/}"
        done
        e2e_bad "$1: expected key=$_fp url=$_url (entry $4), got: ${_line#probe: } ($_owner)"
    fi
}

# ---------------------------------------------------------------------------
# A real sshd on 127.0.0.1, for tests that log in through it.

# e2e_sshd_service [ARGS [SESSION_CONTROL]]: the PAM service sshd-pptest, as
# an administrator would write it (Debian's sshd service, shortened).
e2e_sshd_service() {
    {
        echo "# sshd-pptest: PAM service of pam_prefect's end-to-end test (removed at its end)"
        echo "@include common-auth"
        echo "account    required     pam_nologin.so"
        echo "@include common-account"
        echo "@include common-session"
        e2e_module_lines "${1-}" "${2-}"
    } >/etc/pam.d/sshd-pptest
}

# e2e_sshd_start USER...: sshd (through the symlink sshd-pptest, since
# OpenSSH 9.2 takes the PAM service name from its program name) on a free
# port of 127.0.0.1, its own host key and sshd_config in $R/ssh, public-key
# login for USER...; the PAM service sshd-pptest with the module. Sets
# e2e_ssh_port and e2e_ssh (the ssh command line, then "-p PORT").
e2e_sshd_start() {
    e2e_require_cmd /usr/sbin/sshd openssh-server
    e2e_require_cmd ssh openssh-client
    e2e_require_cmd ssh-keygen openssh-client
    # sshd's privilege separation directory (made by its service unit, so it
    # may be missing where sshd never ran).
    if [ ! -d /run/sshd ]; then
        mkdir -m 0755 /run/sshd
        e2e_made /run/sshd
    fi
    _S="$R/ssh"
    mkdir -p "$_S" "$R/sbin"
    ln -sf /usr/sbin/sshd "$R/sbin/sshd-pptest"
    ssh-keygen -q -t ed25519 -N '' -C pptest-host -f "$_S/host_key"
    ssh-keygen -q -t ed25519 -N '' -C pptest-client -f "$_S/client_key"
    for _u in "$@"; do
        _g=$(id -g "$_u")
        install -d -m 0700 -o "$_u" -g "$_g" "$R/home/$_u/.ssh"
        install -m 0600 -o "$_u" -g "$_g" "$_S/client_key.pub" "$R/home/$_u/.ssh/authorized_keys"
    done
    e2e_sshd_service
    _users="$*"
    _tries=0
    until e2e_sshd_try; do
        _tries=$((_tries + 1))
        [ $_tries -lt 3 ] || { cat "$_S/sshd.log"; pp_fail "sshd did not start"; }
    done
    printf '[127.0.0.1]:%s %s\n' "$e2e_ssh_port" "$(cat "$_S/host_key.pub")" >"$_S/known_hosts"
    e2e_ssh="ssh -q -F /dev/null -i $_S/client_key -o IdentitiesOnly=yes -o BatchMode=yes
-o UserKnownHostsFile=$_S/known_hosts -o GlobalKnownHostsFile=/dev/null
-o StrictHostKeyChecking=yes -o ConnectTimeout=10 -p $e2e_ssh_port"
    e2e_say "sshd-pptest listening on 127.0.0.1:$e2e_ssh_port"
}

# One attempt (the free port found may be taken before sshd binds it).
e2e_sshd_try() {
    e2e_ssh_port=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$_S/sshd_config" <<EOS
Port $e2e_ssh_port
ListenAddress 127.0.0.1
HostKey $_S/host_key
PidFile $_S/sshd.pid
UsePAM yes
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
StrictModes yes
PrintMotd no
PrintLastLog no
UseDNS no
AcceptEnv none
AllowUsers $_users
EOS
    rm -f "$_S/sshd.pid"
    "$R/sbin/sshd-pptest" -t -f "$_S/sshd_config" || pp_fail "sshd rejects the test's sshd_config"
    # logcap.so catches the module's syslog lines in $PP_TEST_LOG.
    LD_PRELOAD="$PP_LOGCAP" "$R/sbin/sshd-pptest" -D -f "$_S/sshd_config" -E "$_S/sshd.log" \
        </dev/null >/dev/null 2>&1 9>&- &
    e2e_track $! sshd-pptest
    _i=0
    while [ ! -s "$_S/sshd.pid" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
    [ -s "$_S/sshd.pid" ]
}

# login NAME USER: a non-interactive login running the probe; output in
# $R/out/NAME, ssh's exit status in $rc.
login() {
    rc=0
    # shellcheck disable=SC2086
    timeout 30 $e2e_ssh "$2@127.0.0.1" "$R/bin/pp-probe" </dev/null >"$R/out/$1" 2>&1 || rc=$?
}

# interactive NAME USER: an interactive login on a pty (what a person gets:
# the login messages, then a shell that runs the probe).
interactive() {
    rc=0
    # shellcheck disable=SC2086
    printf '%s\nexit\n' "$R/bin/pp-probe" \
        | timeout 30 $e2e_ssh -tt "$2@127.0.0.1" >"$R/out/$1" 2>&1 || rc=$?
}

expect_rc0() {
    if [ "$rc" = 0 ]; then e2e_ok "$1: login succeeded"; else e2e_bad "$1: login failed (ssh exit $rc)"; sed 's/^/    | /' "$R/out/$1"; fi
}

