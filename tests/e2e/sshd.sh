# sshd.sh: sourced by end-to-end tests after e2e.sh and e2e_setup: a real
# sshd on 127.0.0.1 for the standard cast (pptest-alice, -bob, -carol,
# -dave), on a free port, with its own host key and sshd_config in the test
# directory (UsePAM yes, public-key login). OpenSSH 9.2 takes its PAM service
# name from its program name, so it runs through a symlink named
# sshd-pptest: the test writes /etc/pam.d/sshd-pptest (guarded by e2e.sh);
# the system's /etc/pam.d/sshd is never touched.
#
#   e2e_sshd_start        keys, authorized_keys, sshd started (stopped at exit)
#   login NAME USER       a non-interactive login running the probe
#   interactive NAME USER a login on a pty running the probe
# Output of a login in $R/out/NAME, ssh's exit status in $rc.

e2e_require_cmd /usr/sbin/sshd openssh-server
e2e_require_cmd ssh openssh-client
e2e_require_cmd ssh-keygen openssh-client

S="$R/ssh"

start_sshd() {
    port=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$S/sshd_config" <<EOF
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
AllowUsers pptest-alice pptest-bob pptest-carol pptest-dave
EOF
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

e2e_sshd_start() {
    # sshd's privilege separation directory (made by its service unit, so it
    # may be missing where sshd never ran).
    if [ ! -d /run/sshd ]; then
        mkdir -m 0755 /run/sshd
        e2e_made /run/sshd
    fi

    mkdir -p "$S" "$R/sbin" "$R/out"
    ln -s /usr/sbin/sshd "$R/sbin/sshd-pptest"
    ssh-keygen -q -t ed25519 -N '' -C pptest-host -f "$S/host_key"
    ssh-keygen -q -t ed25519 -N '' -C pptest-client -f "$S/client_key"
    for u in pptest-alice pptest-bob pptest-carol pptest-dave; do
        install -d -m 0700 -o "$u" -g "$u" "$R/home/$u/.ssh"
        install -m 0600 -o "$u" -g "$u" "$S/client_key.pub" "$R/home/$u/.ssh/authorized_keys"
    done
    tries=0
    until start_sshd; do
        tries=$((tries + 1))
        [ $tries -lt 3 ] || { cat "$S/sshd.log"; pp_fail "sshd did not start"; }
    done
    printf '[127.0.0.1]:%s %s\n' "$port" "$(cat "$S/host_key.pub")" >"$S/known_hosts"
    e2e_say "sshd-pptest listening on 127.0.0.1:$port"
}

SSH="ssh -q -F /dev/null -i $S/client_key -o IdentitiesOnly=yes -o BatchMode=yes
-o UserKnownHostsFile=$S/known_hosts -o GlobalKnownHostsFile=/dev/null
-o StrictHostKeyChecking=yes -o ConnectTimeout=10 -p"

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
