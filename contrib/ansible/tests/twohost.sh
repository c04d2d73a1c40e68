#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# twohost.sh: the Ansible role (contrib/ansible) on two hosts, for real.
#
# Usage, as root: sh contrib/ansible/tests/twohost.sh DEBDIR
# (DEBDIR holds libpam-prefect_*.deb, e.g. .ci/run's package build.) It
# takes /tmp/pp-system.lock itself, unless PP_TWOHOST_LOCKED=1 says the
# caller has the machine to itself. This machine must not have
# libpam-prefect installed.
#
# Host "one" is this machine (connection local); host "two" is a root of
# its own: an overlay of / (upper layer on a tmpfs) in a mount namespace,
# reached through an sshd on 127.0.0.1:2222 that runs chrooted in it, so
# what the play does there vanishes with the namespace. The Cloud stand-in
# (tests/cloud/standin.py) plays Prefect Cloud for both.
#  1. The play runs twice: the second run reports changed=0 on both hosts.
#  2. A real PAM login (su) on each host gets the mapped keys.
#  3. The play rotates the service account's key through the stand-in on
#     host one and gives it to host two; the next login on each gets it,
#     and the old key is refused.
#  4. Entries and rules the variables no longer list are removed.
#  5. No key in the plays' -vvv output, the stand-in's request log, or
#     either host's auth log.
# This machine is put back as it was (packages purged, accounts, files).
set -eu
if [ "${PP_TWOHOST_LOCKED:-}" != 1 ]; then
    PP_TWOHOST_LOCKED=1 exec flock /tmp/pp-system.lock sh "$0" "$@"
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
debdir=$(cd "${1:?usage: twohost.sh DEBDIR}" && pwd)
deb=$(ls "$debdir"/libpam-prefect_*.deb | head -n 1)
start=$(date +%s)
fail() { echo "twohost: FAIL: $*" >&2; exit 1; }
ok() { echo "twohost: ok: $*"; }
dpkg-query -W -f='${Status}' libpam-prefect 2>/dev/null | grep -q installed \
    && fail "libpam-prefect is installed on this machine"
for d in /var/lib/pam_prefect /var/cache/pam_prefect /etc/security/pam_prefect.conf; do
    [ ! -e "$d" ] || fail "$d exists; the test would remove it"
done
command -v ansible-playbook >/dev/null || fail "ansible-playbook is missing (ansible-core)"

R=$(mktemp -d /tmp/pp-twohost.XXXXXX)
chmod 0700 "$R"
cp -a /etc/pam.d "$R/pam.d.before"
ns_pid=""
standin_pid=""
cleanup() {
    [ -z "$ns_pid" ] || kill "$ns_pid" 2>/dev/null || true
    [ -z "$standin_pid" ] || kill "$standin_pid" 2>/dev/null || true
    pam-auth-update --package --remove prefect >/dev/null 2>&1 || true
    dpkg -P libpam-prefect >/dev/null 2>&1 || true
    rm -f /etc/systemd/system/timers.target.wants/prefect-keys-check.timer
    rm -rf /var/lib/pam_prefect /var/cache/pam_prefect /run/pam_prefect \
        /etc/security/pam_prefect.conf /var/lib/prometheus/node-exporter/prefect_keys.prom
    for u in pptest-ans1 pptest-ans2; do userdel -r "$u" >/dev/null 2>&1 || true; done
    diff -r "$R/pam.d.before" /etc/pam.d >/dev/null || echo "twohost: WARNING: /etc/pam.d differs" >&2
    if [ "$passed" = 1 ] || [ -z "${PP_TWOHOST_KEEP:-}" ]; then rm -rf "$R"; else
        rm -f "$R/vault.pw" "$R/vault.yml"; echo "twohost: kept $R" >&2; fi
}
passed=0
trap cleanup EXIT INT TERM

# --- the Cloud stand-in, its keys and state ---
sh "$top/tests/cloud/mkcerts.sh" "$R/certs" >/dev/null
chmod 0755 "$R" "$R/certs"
chmod 0644 "$R/certs/ca.pem"
newkey() { printf '%s_%s' "$1" "$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"; }
fp() { printf '%s' "$1" | sha256sum | cut -c1-16; }
ACCT=0b6f7c2e-4a1d-4c3b-9e8f-1a2b3c4d5e6f
WS=9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
SAID=55555555-5555-4555-8555-555555555555
KSA=$(newkey pnb); KADMIN=$(newkey pnb); KU1=$(newkey pnu); KGONE=$(newkey pnu)
cat >"$R/state.json" <<EOS
{"workspaces": [{"account_id": "$ACCT", "account_handle": "acme", "workspace_id": "$WS", "workspace_handle": "prod"}],
 "rotation_grace_s": 0,
 "keys": {
  "$(fp "$KSA")": {"workspaces": ["$WS"], "account_id": "$ACCT", "service_account_id": "$SAID", "expiration": null},
  "$(fp "$KADMIN")": {"workspaces": ["$WS"], "account_id": "$ACCT", "admin": true, "expiration": null},
  "$(fp "$KU1")": {"workspaces": ["$WS"]},
  "$(fp "$KGONE")": {"workspaces": ["$WS"]}}}
EOS
PYTHONDONTWRITEBYTECODE=1 python3 "$top/tests/cloud/standin.py" --cert "$R/certs/server.pem" \
    --key "$R/certs/server.key" --state "$R/state.json" --log "$R/requests.log" \
    --port-file "$R/port" 2>"$R/standin.err" &
standin_pid=$!
i=0; while [ ! -s "$R/port" ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "no stand-in"; sleep 0.1; done
PORT=$(cat "$R/port")

# --- host two: an overlay of / in its own mount namespace, sshd on 2222 ---
mkdir -p "$R/h2" "$R/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$R/ssh/host" </dev/null
ssh-keygen -q -t ed25519 -N '' -f "$R/ssh/client" </dev/null
cp "$R/ssh/client.pub" "$R/ssh/authorized_keys"
cat >"$R/ssh/sshd_config" <<EOS
ListenAddress 127.0.0.1
Port 2222
HostKey $R/ssh/host
AuthorizedKeysFile $R/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
PidFile none
EOS
# Host one's changes to / show through host two's overlay wherever host two
# has not written yet: a mask layer of whiteouts hides every path the
# package, the play and the test make (from the package's file list, each
# at its first part that does not exist yet), and the files both hosts
# edit (PAM, accounts, dpkg's and debconf's state) are copied up at once.
mkdir -p "$R/mask"
mask() {
    # $1: a path on /; whiteout its first missing part (resolving links)
    _p=$1
    while [ ! -e "$(dirname "$_p")" ] && [ "$(dirname "$_p")" != / ]; do _p=$(dirname "$_p"); done
    [ -e "$_p" ] && return 0
    _d=$(readlink -f "$(dirname "$_p")")
    mkdir -p "$R/mask$_d"
    [ -e "$R/mask$_d/$(basename "$_p")" ] || mknod "$R/mask$_d/$(basename "$_p")" c 0 0
}
for p in $(dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|; s|/$||' | grep -v '^/\?$'); do
    mask "$p"
done
for p in /var/lib/pam_prefect /var/cache/pam_prefect /run/pam_prefect \
        /etc/systemd/system/timers.target.wants/prefect-keys-check.timer \
        /var/lib/prometheus/node-exporter/prefect_keys.prom /home/pptest-ans1 /home/pptest-ans2 \
        /var/mail/pptest-ans1 /var/mail/pptest-ans2; do
    mask "$p"
done
for f in list md5sums conffiles postinst postrm prerm preinst triggers shlibs symbols; do
    mask /var/lib/dpkg/info/libpam-prefect.$f
done
unshare --mount --propagation private --fork --kill-child sh -c '
    set -e
    h=$1
    mount -t tmpfs -o mode=0755 tmpfs "$h"
    mkdir "$h/upper" "$h/work" "$h/root"
    # a layer inside another one is refused (ELOOP): the mask goes on the tmpfs
    cp -a "$3" "$h/mask"
    mount -t overlay overlay -o "lowerdir=$h/mask:/,upperdir=$h/upper,workdir=$h/work" "$h/root"
    # copy up now what both hosts edit in place
    for f in /etc/pam.d/* /etc/passwd /etc/passwd- /etc/group /etc/group- /etc/shadow \
            /etc/shadow- /etc/gshadow /etc/gshadow- /etc/subuid /etc/subgid \
            /var/lib/dpkg/status /var/lib/dpkg/status-old /var/lib/dpkg/available \
            /var/lib/pam/* /var/cache/debconf/*.dat; do
        [ ! -e "$h/root$f" ] || touch -c -h "$h/root$f"
    done
    mount --rbind /dev "$h/root/dev"
    mount -t proc proc "$h/root/proc"
    mount --rbind /sys "$h/root/sys"
    mount -t tmpfs -o mode=0755 tmpfs "$h/root/run"
    mkdir -p "$h/root/run/sshd"
    exec chroot "$h/root" /usr/sbin/sshd -D -e -f "$2"
' twohost "$R/h2" "$R/ssh/sshd_config" "$R/mask" 2>"$R/sshd.err" &
ns_pid=$!
SSH="ssh -i $R/ssh/client -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes root@127.0.0.1"
i=0
until $SSH true </dev/null 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 50 ] || { cat "$R/sshd.err" >&2; fail "host two's sshd did not answer"; }
    sleep 0.2
done
[ "$($SSH 'test -e /var/lib/dpkg/info/ansible-core.list && echo lower' </dev/null)" = lower ] \
    || fail "host two does not see this machine's / below its overlay"
ok "host two: an overlay of / on a tmpfs in its own mount namespace, sshd on 127.0.0.1:2222"

# --- the inventory, the vault, the variables ---
cat >"$R/hosts.yml" <<EOS
all:
  hosts:
    one:
      ansible_connection: local
      ansible_python_interpreter: /usr/bin/python3
    two:
      ansible_host: 127.0.0.1
      ansible_port: 2222
      ansible_user: root
      ansible_python_interpreter: /usr/bin/python3
      ansible_ssh_private_key_file: $R/ssh/client
      ansible_ssh_common_args: "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
EOS
od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$R/vault.pw"
chmod 0600 "$R/vault.pw"
vars() {
    # $1: the unlisted entry's name ("" none)
    {
        printf 'pam_prefect_keys:\n  batch-sa: "%s"\n  cloud-admin: "%s"\n  u1: "%s"\n' "$KSA" "$KADMIN" "$KU1"
        [ -z "$1" ] || printf '  %s: "%s"\n' "$1" "$KGONE"
    } >"$R/vault.yml"
    ansible-vault encrypt --vault-password-file "$R/vault.pw" "$R/vault.yml" >/dev/null 2>&1 \
        || fail "ansible-vault encrypt"
    cat >"$R/vars.yml" <<EOS
pam_prefect_debs: ["$deb"]
pam_prefect_config:
  api_url: "https://127.0.0.1:$PORT/api"
  ca_file: "$R/certs/ca.pem"
  timeout_ms: 4000
  cache_ttl: 0
pam_prefect_entries:
  - {name: batch-sa, workspace: "$ACCT/$WS", service_account_id: "$SAID", from_cloud: true}
  - {name: cloud-admin, workspace: "$ACCT/$WS"}
  - {name: u1, workspace: "$ACCT/$WS"}
$( [ -z "$1" ] || echo "  - {name: $1, workspace: \"$ACCT/$WS\"}" )
pam_prefect_map_users: {pptest-ans1: u1$( [ -z "$1" ] || echo ", pptest-ans2: $1" )}
pam_prefect_map_groups: []
pam_prefect_map_default: batch-sa
EOS
}
play() {
    # $1: name of the run; then extra ansible-playbook arguments
    _n=$1; shift
    ANSIBLE_ROLES_PATH="$top/contrib/ansible/roles" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
    ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_LOCAL_TEMP="$R/ansible-local" \
    ANSIBLE_REMOTE_TEMP="$R/ansible-remote" ANSIBLE_SSH_CONTROL_PATH_DIR="$R/ansible-cp" \
        timeout 900 ansible-playbook -vvv -i "$R/hosts.yml" -e "@$R/vars.yml" -e "@$R/vault.yml" \
        --vault-password-file "$R/vault.pw" "$here/site.yml" "$@" </dev/null >"$R/$_n.out" 2>&1 \
        || { tail -n 80 "$R/$_n.out" >&2; fail "ansible-playbook ($_n) failed"; }
}
changed() { sed -n "s/^$2 *:.* changed=\([0-9]*\).*/\1/p" "$R/$1.out"; }

# --- 1. twice: the second run changes nothing ---
vars gone
play run1
[ "$(changed run1 one)" -gt 0 ] && [ "$(changed run1 two)" -gt 0 ] || fail "the first run changed nothing"
play run2
[ "$(changed run2 one)" = 0 ] && [ "$(changed run2 two)" = 0 ] \
    || { grep -E '^(changed|ok):|RECAP' -A3 "$R/run2.out" | grep -B1 changed >&2; fail "the second run changed something"; }
ok "the play twice on two hosts: the second run reports changed=0 on both"

# --- 2. real logins (su, PAM) on each host get the mapped keys ---
login_fp() {
    # $1 host, $2 user: the fingerprint of PREFECT_API_KEY in a su login
    _c="su - $2 -c 'printf %s \"\$PREFECT_API_KEY\" | sha256sum | cut -c1-16'"
    if [ "$1" = one ]; then sh -c "$_c" </dev/null; else $SSH "$_c" </dev/null; fi
}
for h in one two; do
    [ "$(login_fp $h pptest-ans1)" = "$(fp "$KU1")" ] || fail "host $h: pptest-ans1 did not get u1's key"
    [ "$(login_fp $h pptest-ans2)" = "$(fp "$KGONE")" ] || fail "host $h: pptest-ans2 did not get its key"
done
ok "logins (su, PAM) on both hosts get the keys mapped to them"

# --- 3. rotation through Cloud on host one, given to host two in the same play ---
vars ""
play run3 -e pam_prefect_rotate_entry=batch-sa -e pam_prefect_rotate_host=one
KNEW=$(sed -n 's/^key = "\(.*\)";$/\1/p' /var/lib/pam_prefect/batch-sa.key)
case $KNEW in pnb_*) ;; *) fail "host one holds no new key" ;; esac
[ "$KNEW" != "$KSA" ] || fail "the key was not rotated"
grep '"method": "POST"' "$R/requests.log" | grep -qF "\"fp\": \"$(fp "$KADMIN")\"" \
    || fail "the rotation was not asked with the administrator's key"
for h in one two; do
    [ "$(login_fp $h pptest-ans2)" = "$(fp "$KNEW")" ] \
        || fail "host $h: the next login did not get the rotated key"
done
ok "a rotation through the stand-in on host one reaches host two in the same play; the next login on each uses it"

# --- 4. what the variables no longer list is gone ---
for h in one two; do
    if [ $h = one ]; then l=$(prefect-keys list --json); else l=$($SSH prefect-keys list --json </dev/null); fi
    printf '%s' "$l" | python3 -c 'import json, sys
d = json.load(sys.stdin)
names = [e["name"] for e in d["entries"]]
users = [r["name"] for r in d["mapping"]["users"]]
sys.exit(0 if "gone" not in names and "pptest-ans2" not in users else 1)' \
        || fail "host $h still holds the entry or rule the variables dropped"
done
ok "entries and rules the variables no longer list are removed on both hosts"

# --- 5. no key anywhere ---
logs="$R/run1.out $R/run2.out $R/run3.out $R/requests.log $R/standin.err $R/sshd.err"
for f in /var/log/auth.log /var/log/syslog; do [ -f "$f" ] && logs="$logs $f"; done
$SSH 'cat /var/log/auth.log /var/log/syslog 2>/dev/null' </dev/null >"$R/two.logs" || true
command -v journalctl >/dev/null && journalctl -q --since "@$start" >"$R/journal" 2>/dev/null || true
for k in "$KSA" "$KADMIN" "$KU1" "$KGONE" "$KNEW"; do
    if printf '%s\n' "$k" | grep -qF -f - $logs "$R/two.logs" "$R/journal" 2>/dev/null; then
        fail "a key appears in the plays' -vvv output or a host's log"
    fi
done
# and the search would have found them: the store holds them
printf '%s\n' "$KNEW" | grep -qF -f - /var/lib/pam_prefect/batch-sa.key || fail "the key search is blind"
ok "no key in the plays' -vvv output, the request log or the hosts' logs"
passed=1
echo "twohost: PASS in $(($(date +%s) - start)) s"
