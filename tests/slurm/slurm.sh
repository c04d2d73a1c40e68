# SPDX-License-Identifier: BSD-3-Clause
# slurm.sh: sourced by tests/slurm/*.test after tests/e2e/e2e.sh.
#
# A real single-node Slurm on 127.0.0.1 for the test: munged (a key and a
# socket of its own), slurmctld and slurmd (ports 6817 and 6818, checked to
# be free first), with every file in $R/slurm: slurm.conf, plugstack.conf,
# a root-owned copy of spank_prefect.so, the state save location, the spool
# directory and the logs. Users reach it with SLURM_CONF, through su.
#
# tests/slurm/cluster.sh starts the daemons (the demo's start-up too), in
# the foreground (-F/-D) in the background, so their pids are known, and
# fails within seconds, saying why, when one dies; slurm_stop stops them by
# pid (slurmd, slurmctld, munged),
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

. "$top_srcdir/tests/slurm/cluster.sh"
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

slurm_config() { pp_slurm_config "$SL" pptest; }

# The node's state ("idle", "drained", ...).
slurm_node_state() { pp_slurm_node_state "$SL"; }

# slurm_start: config, munged, slurmctld, slurmd (cluster.sh's start-up,
# which fails fast, saying why, when a daemon dies); returns when the node
# is idle.
slurm_start() {
    if _why=$(pp_slurm_ports_busy); then pp_fail "$_why"; fi
    mkdir -p "$SL/etc" "$SL/lib"
    chmod 0755 "$SL" "$SL/etc" "$SL/lib"
    install -m 0644 "$slurm_plugin_built" "$slurm_plugin"
    slurm_config
    slurm_plugstack
    chmod 0644 "$SL/etc"/*.conf
    pp_at_exit slurm_stop
    # The variable marks every process this run's daemons start.
    PP_SLURM_RUN_ID=$slurm_run_id
    export PP_SLURM_RUN_ID
    _rc=0
    pp_slurm_start "$SL" || _rc=$?
    unset PP_SLURM_RUN_ID
    slurm_munged_pid=$pp_slurm_munged_pid slurm_ctld_pid=$pp_slurm_ctld_pid
    slurm_slurmd_pid=$pp_slurm_slurmd_pid
    [ -z "$slurm_munged_pid" ] || e2e_track "$slurm_munged_pid" "$SL/munge"
    for _p in $slurm_ctld_pid $slurm_slurmd_pid; do e2e_track "$_p" "$SLURM_CONF"; done
    [ $_rc = 0 ] || pp_fail "Slurm did not start (above: which daemon, and its log)"
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

slurm_stop_pid() { pp_slurm_stop_pid "$1"; }

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
    pp_slurm_munged_pid= pp_slurm_ctld_pid= pp_slurm_slurmd_pid=
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
