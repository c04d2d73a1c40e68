# sshd.sh: sourced by the e2e tests that log in through a real sshd (after
# e2e.sh). A real sshd on 127.0.0.1 (a free port, its own host key and
# sshd_config in the test directory, UsePAM yes, public-key login only).
# OpenSSH 9.2 takes its PAM service name from its program name, so it runs
# through a symlink named sshd-pptest, with the service file
# /etc/pam.d/sshd-pptest (the system's /etc/pam.d/sshd is never touched).

e2e_require_cmd /usr/sbin/sshd openssh-server
e2e_require_cmd ssh openssh-client
e2e_require_cmd ssh-keygen openssh-client

S="$R/ssh"

# e2e_sshd_prepare: the privilege separation directory, host and client keys.
e2e_sshd_prepare() {
    # Made by sshd's service unit, so it may be missing where sshd never ran.
    if [ ! -d /run/sshd ]; then
        mkdir -m 0755 /run/sshd
        e2e_made /run/sshd
    fi
    mkdir -p "$S" "$R/sbin" "$R/out"
    ln -sf /usr/sbin/sshd "$R/sbin/sshd-pptest"
    ssh-keygen -q -t ed25519 -N '' -C pptest-host -f "$S/host_key"
    ssh-keygen -q -t ed25519 -N '' -C pptest-client -f "$S/client_key"
}

# e2e_ssh_authorize USER HOME: the client key may log in as USER.
e2e_ssh_authorize() {
    install -d -m 0700 -o "$1" -g "$(id -g "$1")" "$2/.ssh"
    install -m 0600 -o "$1" -g "$(id -g "$1")" "$S/client_key.pub" "$2/.ssh/authorized_keys"
}

# e2e_sshd_service [ARGS [SESSION_CONTROL]]: the test's PAM service, as an
# administrator would write it (Debian's sshd service, shortened).
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

e2e_sshd_try_start() {
    port=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$S/sshd_config" <<EOC
Port $port
ListenAddress 127.0.0.1
HostKey $S/host_key
PidFile $S/sshd.pid
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
AllowUsers $1
EOC
    rm -f "$S/sshd.pid"
    "$R/sbin/sshd-pptest" -t -f "$S/sshd_config" || pp_fail "sshd rejects the test's sshd_config"
    # logcap.so catches the module's syslog lines in $PP_TEST_LOG.
    LD_PRELOAD="$PP_LOGCAP" "$R/sbin/sshd-pptest" -D -f "$S/sshd_config" -E "$S/sshd.log" \
        </dev/null >/dev/null 2>&1 9>&- &
    e2e_track $! sshd-pptest
    i=0
    while [ ! -s "$S/sshd.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    [ -s "$S/sshd.pid" ]
}

# e2e_sshd_start "USER...": sshd on a free port of 127.0.0.1 that lets
# those users in; sets port.
e2e_sshd_start() {
    tries=0
    until e2e_sshd_try_start "$1"; do
        tries=$((tries + 1))
        [ $tries -lt 3 ] || { cat "$S/sshd.log"; pp_fail "sshd did not start"; }
    done
    printf '[127.0.0.1]:%s %s\n' "$port" "$(cat "$S/host_key.pub")" >"$S/known_hosts"
    e2e_say "sshd-pptest listening on 127.0.0.1:$port"
    SSH="ssh -q -F /dev/null -i $S/client_key -o IdentitiesOnly=yes -o BatchMode=yes
-o UserKnownHostsFile=$S/known_hosts -o GlobalKnownHostsFile=/dev/null
-o StrictHostKeyChecking=yes -o ConnectTimeout=10 -p"
}

# login NAME USER: a non-interactive login running the probe; output in
# $R/out/NAME, ssh's exit status in $rc.
login() {
    rc=0
    # shellcheck disable=SC2086
    timeout 30 $SSH "$port" "$2@127.0.0.1" "$R/bin/pp-probe" </dev/null >"$R/out/$1" 2>&1 || rc=$?
}

# interactive NAME USER: an interactive login on a pty (what a person gets:
# the login messages, then a shell that runs the probe).
interactive() {
    rc=0
    # shellcheck disable=SC2086
    printf '%s\nexit\n' "$R/bin/pp-probe" \
        | timeout 30 $SSH "$port" -tt "$2@127.0.0.1" >"$R/out/$1" 2>&1 || rc=$?
}

expect_rc0() {
    if [ "$rc" = 0 ]; then e2e_ok "$1: login succeeded"; else e2e_bad "$1: login failed (ssh exit $rc)"; sed 's/^/    | /' "$R/out/$1"; fi
}

log_has() {
    if grep -q -- "$2" "$PP_TEST_LOG" 2>/dev/null; then
        e2e_ok "$1"
    else
        e2e_bad "$1: no log line matching: $2"
        [ -f "$PP_TEST_LOG" ] && sed 's/^/    | /' "$PP_TEST_LOG"
    fi
}
