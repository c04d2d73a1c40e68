# SPDX-License-Identifier: BSD-3-Clause
# cluster.sh: the one start-up of a single-node Slurm on 127.0.0.1, sourced
# by tests/slurm/slurm.sh (the tests) and scripts/demo-slurm (the demo).
#
# Everything lives in one directory, DIR: etc/slurm.conf (written by
# pp_slurm_config), munge/ (a key and a socket of its own), state/, spool/
# and log/. The daemons run in the foreground (-F/-D) in the background, so
# their pids are known; pp_slurm_stop stops them by pid. Ports 6817 and
# 6818 are Slurm's, fixed: callers hold the machine's lock.
#
# pp_slurm_start returns only when the node is idle, or fails within
# PP_SLURM_START_TIMEOUT seconds (default 60) -- at once when a daemon
# dies -- saying which daemon and showing the end of its log on standard
# error. Every sinfo it runs is bounded (3 s), so a controller that died
# cannot hold the wait. Nothing here exits: the caller decides. With
# PP_SLURM_KILL_CTLD=1 (tests/slurm/startup.test), slurmctld is killed as
# soon as it has written its pid file, before the wait for the node starts:
# a controller that dies while the node is not yet idle, every time (a
# killer running beside the wait could lose the race to a node that went
# idle first).
#
# Variables set: pp_slurm_munged_pid, pp_slurm_ctld_pid, pp_slurm_slurmd_pid.

pp_slurm_munged_pid=
pp_slurm_ctld_pid=
pp_slurm_slurmd_pid=

# pp_slurm_config DIR CLUSTER: DIR/etc/slurm.conf for the one node; the
# plugin stack is DIR/etc/plugstack.conf (the caller writes it).
pp_slurm_config() {
    _hw=$(SLURM_CONF=/dev/null slurmd -C | sed -n '1s/^NodeName=[^ ]* //p')
    mkdir -p "$1/etc"
    cat >"$1/etc/slurm.conf" <<EOF
# slurm.conf of pam_prefect's $2 (everything in $1)
ClusterName=$2
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$1/munge/munge.socket.2
SlurmctldPort=6817
SlurmdPort=6818
SrunPortRange=60001-63000
StateSaveLocation=$1/state
SlurmdSpoolDir=$1/spool
SlurmctldPidFile=$1/slurmctld.pid
SlurmdPidFile=$1/slurmd.pid
SlurmctldLogFile=$1/log/slurmctld.log
SlurmdLogFile=$1/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MailProg=/bin/true
SchedulerParameters=batch_sched_delay=0
LaunchParameters=use_interactive_step
PlugStackConfig=$1/etc/plugstack.conf
NodeName=localhost NodeAddr=127.0.0.1 $_hw State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    chmod 0644 "$1/etc/slurm.conf"
}

# pp_slurm_ports_free: both of Slurm's ports are free (else why, on stdout).
pp_slurm_ports_busy() {
    for _p in 6817 6818; do
        if ss -Hltn "sport = :$_p" | grep -q .; then
            echo "port $_p (Slurm) is in use: is another Slurm running here?"
            return 0
        fi
    done
    return 1
}

# pp_slurm_died NAME PID LOG: if PID is gone, say so with LOG's end (stderr).
pp_slurm_died() {
    [ -n "$2" ] || return 1
    kill -0 "$2" 2>/dev/null && ! grep -q ') Z ' "/proc/$2/stat" 2>/dev/null && return 1
    echo "Slurm did not start: $1 (pid $2) died; the end of its log ($3):" >&2
    tail -n 15 "$3" 2>/dev/null | sed 's/^/    /' >&2
    return 0
}

# pp_slurm_node_state DIR: the node's state ("idle", ...), asked for 3 s at most.
pp_slurm_node_state() {
    SLURM_CONF="$1/etc/slurm.conf" timeout 3 sinfo -h -N -n localhost -o %T 2>/dev/null
}

# pp_slurm_start DIR: munged, slurmctld, slurmd on DIR/etc/slurm.conf; 0
# when the node is idle, 1 (and why, on stderr) otherwise.
pp_slurm_start() {
    _d=$1
    _limit=${PP_SLURM_START_TIMEOUT:-60}
    if _why=$(pp_slurm_ports_busy); then echo "$_why" >&2; return 1; fi
    mkdir -p "$_d/munge" "$_d/state" "$_d/spool" "$_d/log"
    # (munged wants its socket's directory searchable by all)
    chmod 0755 "$_d" "$_d/etc" "$_d/log" "$_d/munge" "$_d/state" "$_d/spool"
    mungekey -c -k "$_d/munge/munge.key" || { echo "mungekey failed" >&2; return 1; }
    munged -F --key-file="$_d/munge/munge.key" --socket="$_d/munge/munge.socket.2" \
        --pid-file="$_d/munge/munged.pid" --seed-file="$_d/munge/munged.seed" \
        --log-file="$_d/log/munged.log" </dev/null >"$_d/log/munged.stderr" 2>&1 8>&- 9>&- &
    pp_slurm_munged_pid=$!
    _i=0
    while [ ! -S "$_d/munge/munge.socket.2" ]; do
        pp_slurm_died munged "$pp_slurm_munged_pid" "$_d/log/munged.stderr" && return 1
        _i=$((_i + 1))
        [ $_i -le 100 ] || { echo "Slurm did not start: munged made no socket in 10 s" >&2; return 1; }
        sleep 0.1
    done
    (cd / && exec slurmctld -D -c -f "$_d/etc/slurm.conf" \
        </dev/null >"$_d/log/slurmctld.stderr" 2>&1 8>&- 9>&-) &
    pp_slurm_ctld_pid=$!
    (cd / && exec slurmd -D -f "$_d/etc/slurm.conf" \
        </dev/null >"$_d/log/slurmd.stderr" 2>&1 8>&- 9>&-) &
    pp_slurm_slurmd_pid=$!
    if [ "${PP_SLURM_KILL_CTLD:-}" = 1 ]; then
        _i=0
        while [ ! -s "$_d/slurmctld.pid" ] && [ $_i -lt 600 ]; do sleep 0.05; _i=$((_i + 1)); done
        kill -KILL "$pp_slurm_ctld_pid" 2>/dev/null
    fi
    _t0=$(date +%s)
    while :; do
        pp_slurm_died slurmctld "$pp_slurm_ctld_pid" "$_d/log/slurmctld.log" && return 1
        pp_slurm_died slurmd "$pp_slurm_slurmd_pid" "$_d/log/slurmd.log" && return 1
        pp_slurm_died munged "$pp_slurm_munged_pid" "$_d/log/munged.log" && return 1
        [ "$(pp_slurm_node_state "$_d")" = idle ] && return 0
        if [ $(($(date +%s) - _t0)) -ge "$_limit" ]; then
            echo "Slurm did not start: the node is not idle after $_limit s (state:" \
                "$(pp_slurm_node_state "$_d")); the end of slurmctld's log:" >&2
            tail -n 15 "$_d/log/slurmctld.log" 2>/dev/null | sed 's/^/    /' >&2
            return 1
        fi
        sleep 0.2
    done
}

# pp_slurm_stop_pid PID: SIGTERM, 10 s, then SIGKILL; reaped.
pp_slurm_stop_pid() {
    [ -n "$1" ] || return 0
    kill -TERM "$1" 2>/dev/null || return 0
    _i=0
    while kill -0 "$1" 2>/dev/null && ! grep -q ') Z ' "/proc/$1/stat" 2>/dev/null \
        && [ $_i -lt 100 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# pp_slurm_stop: the daemons, newest first.
pp_slurm_stop() {
    pp_slurm_stop_pid "$pp_slurm_slurmd_pid"
    pp_slurm_stop_pid "$pp_slurm_ctld_pid"
    pp_slurm_stop_pid "$pp_slurm_munged_pid"
    pp_slurm_munged_pid= pp_slurm_ctld_pid= pp_slurm_slurmd_pid=
}
