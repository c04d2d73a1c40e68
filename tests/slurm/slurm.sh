# SPDX-License-Identifier: BSD-3-Clause
# slurm.sh: sourced by tests/slurm/*.test after tests/e2e/e2e.sh.
#
# A real single-node Slurm on 127.0.0.1 for the test: munged (a key and a
# socket of its own), slurmctld and slurmd (ports 6817 and 6818, checked to
# be free first), with every file in $R/slurm: slurm.conf, plugstack.conf,
# a root-owned copy of spank_prefect.so, the state save location, the spool
# directory and the logs. Users reach it with SLURM_CONF, through su.
#
# The daemons are started in the foreground (-F/-D) in the background, so
# $! is their pid; slurm_stop stops them by pid (slurmd, slurmctld, munged),
# after waiting for the queue to drain, and e2e.sh's guard stops them too
# if the test dies. Processes they leave behind (slurmstepd of a job still
# running) are found by a variable only this run's daemons carry in their
# environment, never by name.
#
# Slurm missing is a skip, or a failure when PP_TEST_REQUIRE_SLURM=1 (CI).

slurm_missing() {
    if [ "${PP_TEST_REQUIRE_SLURM-}" = 1 ]; then
        pp_fail "$* (PP_TEST_REQUIRE_SLURM=1: the Slurm tests must run here)"
    fi
    pp_skip "$*"
}
for _c in slurmctld:slurmctld slurmd:slurmd srun:slurm-client sbatch:slurm-client \
    salloc:slurm-client sinfo:slurm-client scontrol:slurm-client munged:munge mungekey:munge \
    ss:iproute2; do
    command -v "${_c%%:*}" >/dev/null 2>&1 \
        || slurm_missing "${_c%%:*} is not installed (Debian package ${_c#*:}; scripts/deps installs it)"
done
slurm_plugin_built="$top_builddir/spank/.libs/spank_prefect.so"
[ -f "$slurm_plugin_built" ] \
    || slurm_missing "spank_prefect.so is not built (configure did not find slurm/spank.h: apt-get install libslurm-dev)"

SL="$R/slurm"
SLURM_CONF="$SL/etc/slurm.conf"
export SLURM_CONF
slurm_plugin="$SL/lib/spank_prefect.so"
slurm_run_id="pam_prefect-slurm-$$"
slurm_munged_pid=
slurm_ctld_pid=
slurm_slurmd_pid=

# slurm_plugstack [ARGS [CONTROL]]: the plugin line, as the man page shows
# it (CONTROL optional by default, or required).
slurm_plugstack() {
    printf '%s %s config=%s %s\n' "${2:-optional}" "$slurm_plugin" "$R/pam_prefect.conf" \
        "${1-}" >"$SL/etc/plugstack.conf"
}

slurm_config() {
    _hw=$(SLURM_CONF=/dev/null slurmd -C | sed -n '1s/^NodeName=[^ ]* //p')
    cat >"$SLURM_CONF" <<EOF
# slurm.conf of pam_prefect's test $e2e_name (everything in $SL)
ClusterName=pptest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SL/munge/munge.socket.2
SlurmctldPort=6817
SlurmdPort=6818
SrunPortRange=60001-63000
StateSaveLocation=$SL/state
SlurmdSpoolDir=$SL/spool
SlurmctldPidFile=$SL/slurmctld.pid
SlurmdPidFile=$SL/slurmd.pid
SlurmctldLogFile=$SL/log/slurmctld.log
SlurmdLogFile=$SL/log/slurmd.log
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
PlugStackConfig=$SL/etc/plugstack.conf
NodeName=localhost NodeAddr=127.0.0.1 $_hw State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

# The node's state ("idle", "drained", ...).
slurm_node_state() { sinfo -h -N -n localhost -o %T 2>/dev/null; }

# slurm_wait_idle: the node is idle within 60 s (fails otherwise).
slurm_wait_idle() {
    _i=0
    while [ $_i -lt 300 ]; do
        [ "$(slurm_node_state)" = idle ] && return 0
        kill -0 "$slurm_ctld_pid" 2>/dev/null || { tail -n 20 "$SL/log/slurmctld.log"; pp_fail "slurmctld died"; }
        kill -0 "$slurm_slurmd_pid" 2>/dev/null || { tail -n 20 "$SL/log/slurmd.log"; pp_fail "slurmd died"; }
        sleep 0.2
        _i=$((_i + 1))
    done
    pp_fail "the node is not idle after 60 s (state: $(slurm_node_state))"
}

# slurm_start: config, munged, slurmctld, slurmd; returns when the node is idle.
slurm_start() {
    for _p in 6817 6818; do
        if ss -Hltn "sport = :$_p" | grep -q .; then
            pp_fail "port $_p (Slurm) is in use: is another Slurm running here?"
        fi
    done
    mkdir -p "$SL/etc" "$SL/lib" "$SL/munge" "$SL/state" "$SL/spool" "$SL/log"
    # (munged wants its socket's directory searchable by all)
    chmod 0755 "$SL" "$SL/etc" "$SL/lib" "$SL/log" "$SL/munge" "$SL/state" "$SL/spool"
    install -m 0644 "$slurm_plugin_built" "$slurm_plugin"
    slurm_config
    slurm_plugstack
    chmod 0644 "$SL/etc"/*.conf
    pp_at_exit slurm_stop
    mungekey -c -k "$SL/munge/munge.key" || pp_fail "mungekey failed"
    # The variable marks every process this run's daemons start.
    PP_SLURM_RUN_ID=$slurm_run_id munged -F --key-file="$SL/munge/munge.key" \
        --socket="$SL/munge/munge.socket.2" --pid-file="$SL/munge/munged.pid" \
        --seed-file="$SL/munge/munged.seed" --log-file="$SL/log/munged.log" \
        </dev/null >"$SL/log/munged.stderr" 2>&1 9>&- &
    slurm_munged_pid=$!
    e2e_track "$slurm_munged_pid" "$SL/munge"
    _i=0
    while [ ! -S "$SL/munge/munge.socket.2" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
    [ -S "$SL/munge/munge.socket.2" ] || { cat "$SL/log/munged.stderr"; pp_fail "munged did not start"; }
    (cd / && PP_SLURM_RUN_ID=$slurm_run_id exec slurmctld -D -c -f "$SLURM_CONF" \
        </dev/null >"$SL/log/slurmctld.stderr" 2>&1 9>&-) &
    slurm_ctld_pid=$!
    e2e_track "$slurm_ctld_pid" "$SLURM_CONF"
    (cd / && PP_SLURM_RUN_ID=$slurm_run_id exec slurmd -D -f "$SLURM_CONF" \
        </dev/null >"$SL/log/slurmd.stderr" 2>&1 9>&-) &
    slurm_slurmd_pid=$!
    e2e_track "$slurm_slurmd_pid" "$SLURM_CONF"
    slurm_wait_idle
    e2e_say "Slurm is up: munged $slurm_munged_pid, slurmctld $slurm_ctld_pid, slurmd $slurm_slurmd_pid"
}

# Pids (but this shell's) whose environment carries this run's mark.
slurm_leftovers() {
    for _d in /proc/[0-9]*; do
        _pid=${_d#/proc/}
        [ "$_pid" = "$$" ] && continue
        { tr '\0' '\n' <"$_d/environ"; } 2>/dev/null \
            | grep -qx "PP_SLURM_RUN_ID=$slurm_run_id" && echo "$_pid"
    done
    return 0
}

slurm_stop_pid() {
    [ -n "$1" ] || return 0
    kill -TERM "$1" 2>/dev/null || return 0
    _i=0
    while kill -0 "$1" 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# slurm_stop: let the queue drain (10 s at most), stop the daemons by pid,
# then whatever they left.
slurm_stop() {
    _i=0
    while [ -n "$slurm_ctld_pid" ] && [ -n "$(squeue -h 2>/dev/null)" ] && [ $_i -lt 50 ]; do
        sleep 0.2
        _i=$((_i + 1))
    done
    slurm_stop_pid "$slurm_slurmd_pid"
    slurm_stop_pid "$slurm_ctld_pid"
    slurm_stop_pid "$slurm_munged_pid"
    slurm_munged_pid= slurm_ctld_pid= slurm_slurmd_pid=
    for _p in $(slurm_leftovers); do
        e2e_bad "a process of this run was left behind: $(ps -o pid=,args= -p "$_p")"
        kill -KILL "$_p" 2>/dev/null || true
    done
}

# as_user USER COMMAND: COMMAND through su, with a clean environment and
# this cluster's SLURM_CONF, in USER's home; at most 60 s.
as_user() {
    timeout 60 env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        SLURM_CONF="$SLURM_CONF" su "$1" -c "cd && $2"
}
