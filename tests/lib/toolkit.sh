# SPDX-License-Identifier: BSD-3-Clause
# toolkit.sh: what every shell script around pam_prefect needs, in one
# place: made-up keys and their fingerprints, the Cloud stand-in, and
# running prefect-keys. Sourced by tests/tool (pk.sh), tests/cloud
# (cloudlib.sh), tests/e2e (e2e.sh), bench/run and scripts/demo-run.
#
# POSIX sh; it defines functions only and never exits: each caller reports
# failures its own way. Needs top_srcdir (the source tree) set before use.
# Keys go into shell variables, pipes and prefect-keys' standard input:
# never into argv of another program, never printed.

# pp_new_key PREFIX: a fresh random key, PREFIX_ and 40 hex digits, on stdout.
pp_new_key() {
    printf '%s_%s' "$1" "$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"
}

# pp_fp KEY: its fingerprint as pam_prefect shows it (the first 16 hex
# digits of its SHA-256); the key goes through a pipe from printf, a builtin.
pp_fp() { printf '%s' "$1" | sha256sum | cut -c1-16; }

# pp_make_certs DIR: a test CA and server certificates in DIR
# (tests/cloud/mkcerts.sh), unless DIR exists. Returns non-zero on failure.
pp_make_certs() {
    [ -d "$1" ] || sh "$top_srcdir/tests/cloud/mkcerts.sh" "$1" >/dev/null
}

# pp_standin_start CERT STATE REQLOG PORTFILE ERRFILE [OPTION...]: start
# the Cloud stand-in (tests/cloud/standin.py) on a free port of 127.0.0.1,
# serving CERT.pem with CERT.key (pp_make_certs makes them), answering from
# STATE (JSON, re-read at every request), logging
# requests to REQLOG, its stderr in ERRFILE. Waits (at most 10 s) for the
# port in PORTFILE. Sets pp_standin_pid; returns 1 (ERRFILE says why) if it
# did not start. The caller stops it (kill "$pp_standin_pid").
pp_standin_start() {
    _ce=$1 _st=$2 _rl=$3 _pf=$4 _ef=$5
    shift 5
    rm -f "$_pf"
    PYTHONDONTWRITEBYTECODE=1 "${PYTHON3:-python3}" "$top_srcdir/tests/cloud/standin.py" \
        --cert "$_ce.pem" --key "$_ce.key" --state "$_st" --log "$_rl" \
        --port-file "$_pf" "$@" 2>"$_ef" 9>&- &
    pp_standin_pid=$!
    _i=0
    while [ ! -s "$_pf" ]; do
        kill -0 "$pp_standin_pid" 2>/dev/null || return 1
        _i=$((_i + 1))
        [ $_i -lt 200 ] || { echo "the stand-in did not start within 10 s" >>"$_ef"; return 1; }
        sleep 0.05
    done
}

# pp_standin_url PORTFILE: the stand-in's API URL.
pp_standin_url() { echo "https://127.0.0.1:$(cat "$1")/api"; }

# pp_drop_memos ROOT: remove the module's login memos (pam_prefect(8), FILES)
# that name a file under ROOT -- a test's, the demo's or the benchmark's
# configuration -- from the directory this build's module keeps them in
# (pp_rundir in top_builddir's Makefile), so that a run leaves none behind.
pp_drop_memos() {
    _pp_rd=$(sed -n 's/^pp_rundir = //p' "$top_builddir/Makefile" 2>/dev/null || true)
    [ -n "$_pp_rd" ] && [ -d "$_pp_rd" ] || return 0
    for _pp_m in "$_pp_rd"/*:* "$_pp_rd"/*@*; do
        [ -f "$_pp_m" ] && [ ! -L "$_pp_m" ] || continue
        if grep -aqF "$1/" "$_pp_m" 2>/dev/null; then rm -f "$_pp_m"; fi
    done
}

# pp_prefect_keys CONFIG ARGS...: run prefect-keys ($PP_PK_BIN, else the
# build's) with --config CONFIG, under $PP_VALGRIND when set, with
# $PP_PK_PRELOAD preloaded (e.g. the syslog capture, nss_wrapper) and the
# environment assignments in $PP_PK_ENV, through $PP_PK_RUNNER when set (a
# command or shell function given the rest as its command: e.g. setpriv
# with its options for another user, or one that shows it other users and
# groups). Standard streams are the caller's. The one way every suite runs
# the tool; a program that runs it itself is given $PP_PK_BIN's path.
pp_prefect_keys() {
    _conf=$1
    shift
    # shellcheck disable=SC2086
    ${PP_PK_RUNNER:-} env ${PP_PK_ENV:-} LD_PRELOAD="${PP_PK_PRELOAD:-}" ${PP_VALGRIND:-} \
        "${PP_PK_BIN:-$top_builddir/tools/prefect-keys}" --config "$_conf" "$@"
}
