# SPDX-License-Identifier: BSD-3-Clause
# cloudlib.sh: sourced by the Cloud tests after tests/lib/common.sh.
# Certificates, stand-in instances, the stand-in's state, a store and a
# configuration under $PP_TESTROOT, and assertions. Keys live only in shell
# variables, the store and pipes: never in argv, never printed.

CL_PROBE="$top_builddir/tests/cloud/cloudprobe"
# cloudprobe with the Cloud client's commands (workspaces, expiration).
CL_CLIENT="$top_builddir/tests/cloud/cloudclient"
# The check program the module and prefect-keys run (checker/check.c).
CL_CHECKER="$(cd "$top_builddir" && pwd)/checker/check"
CL_STATE="$PP_TESTROOT/state.json"
CL_REQLOG="$PP_TESTROOT/requests.log"
CL_STORE="$PP_TESTROOT/store"
CL_CACHE="$PP_TESTROOT/cache"
CL_CONF="$PP_TESTROOT/etc/pam_prefect.conf"
CL_OUT="$PP_TESTROOT/out"
CL_KEYS=""
# Under valgrind (PP_VALGRIND is its command line) everything is slower.
# CL_MANY processes at once: 32, but only 4 under valgrind (32 of them on a
# small machine take longer to start than any timeout). Built with ASan
# (PP_SANITIZE), 32 logins, each with its check program, start slowly on two
# cores: the one that asks Cloud began its request 1.7 s into a 2 s
# timeout_ms in CI, so time limits are three times as long there.
if [ -n "${PP_VALGRIND:-}" ]; then CL_SLOW=4 CL_MANY=4
elif [ -n "${PP_SANITIZE:-}" ]; then CL_SLOW=3 CL_MANY=32
else CL_SLOW=1 CL_MANY=32; fi

ACCT=0b6f7c2e-4a1d-4c3b-9e8f-1a2b3c4d5e6f
WS=9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
WS2=1a1a1a1a-2b2b-4c3c-8d4d-5e5e5e5e5e5e
USERID=33333333-3333-4333-8333-333333333333
KEYID=44444444-4444-4444-8444-444444444444
SAID=55555555-5555-4555-8555-555555555555

[ -x "$CL_PROBE" ] || pp_fail "$CL_PROBE is not built"
command -v "${PYTHON3:-python3}" >/dev/null || pp_skip "python3 is needed for the Cloud stand-in"
command -v "${OPENSSL:-openssl}" >/dev/null || pp_skip "openssl is needed to make test certificates"

mkdir -p "$CL_OUT" "$PP_TESTROOT/etc"
chmod 0755 "$PP_TESTROOT/etc"
mkdir -m 0700 "$CL_STORE"
: > "$CL_REQLOG"
: > "$PP_TEST_LOG"

# pp_has_cap_sys_resource: whether this process may raise hard resource
# limits (root normally may; some containers drop the capability).
pp_has_cap_sys_resource() {
    _eff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
    [ $(( (0x$_eff >> 24) & 1 )) = 1 ]
}

# cl_newkey PREFIX VAR: a fresh random key in VAR (pnu or pnb).
cl_newkey() {
    _k=$(pp_new_key "$1")
    eval "$2=\$_k"
    CL_KEYS="$CL_KEYS $_k"
    _k=""
}

# cl_state: the stand-in's state (JSON on stdin), replaced atomically.
cl_state() {
    cat > "$CL_STATE.tmp"
    mv -f "$CL_STATE.tmp" "$CL_STATE"
}

# cl_start NAME CERT [OPTION...]: start a stand-in serving certs/CERT.pem;
# its port is in $PP_TESTROOT/NAME.port. Stopped at exit.
cl_start() {
    _sname=$1 _scert=$2
    shift 2
    [ -f "$CL_STATE" ] || echo '{}' | cl_state
    pp_make_certs "$PP_TESTROOT/certs" || pp_fail "mkcerts.sh failed"
    _ok=0
    pp_standin_start "$PP_TESTROOT/certs/$_scert" "$CL_STATE" "$CL_REQLOG" \
        "$PP_TESTROOT/$_sname.port" "$PP_TESTROOT/$_sname.stderr" "$@" || _ok=1
    pp_at_exit "kill $pp_standin_pid 2>/dev/null || true"
    [ $_ok = 0 ] || { cat "$PP_TESTROOT/$_sname.stderr" >&2; pp_fail "stand-in $_sname did not start"; }
}

cl_port() { cat "$PP_TESTROOT/$1.port"; }
cl_url() { echo "https://127.0.0.1:$(cl_port "$1")/api"; }

# cl_config [SETTING...]: the configuration, pointing at stand-in "good";
# extra libconfig settings as arguments ("cache_ttl = 10;") replace the
# defaults of the same name.
cl_config() {
    {
        for _s in "api_url = \"$(cl_url good)\";" "store = \"$CL_STORE\";" \
                "cache_dir = \"$CL_CACHE\";" "ca_file = \"$PP_TESTROOT/certs/ca.pem\";" \
                "connect_timeout_ms = $((1000 * CL_SLOW));" "timeout_ms = $((2000 * CL_SLOW));" \
                "debug = true;" "check_program = \"$CL_CHECKER\";"; do
            _name=${_s%% *}
            for _x in "$@"; do
                [ "${_x%% *}" != "$_name" ] || continue 2
            done
            echo "$_s"
        done
        for _x in "$@"; do echo "$_x"; done
    } > "$CL_CONF"
    chmod 0644 "$CL_CONF"
}

# cl_entry NAME KEY [SETTING...]: a store entry for the workspace $ACCT/$WS
# (or $CL_WS), made with prefect-keys like every store the module reads in
# the tests: the key on its standard input, never on a command line.
# SETTINGs are written as in an entry file: 'expires = "T";', 'user_id =
# "U";', 'key_id = "K";', 'service_account_id = "S";'. An existing entry is
# replaced (--force, which also lets an expiration lie in the past).
cl_entry() {
    _name=$1 _key=$2 _opts=""
    shift 2
    for _s in "$@"; do
        _v=$(printf '%s\n' "$_s" | sed -n 's/^[a-z_]* = "\([^"]*\)";$/\1/p')
        case "${_s%% *}" in
            expires) _opts="$_opts --expires $_v" ;;
            user_id) _opts="$_opts --user-id $_v" ;;
            key_id) _opts="$_opts --key-id $_v" ;;
            service_account_id) _opts="$_opts --service-account-id $_v" ;;
            *) pp_fail "cl_entry: setting not supported: $_s" ;;
        esac
    done
    # shellcheck disable=SC2086
    printf '%s\n' "$_key" | cl_pk add "$_name" --workspace "$ACCT/${CL_WS:-$WS}" \
        --no-validate --force $_opts >/dev/null \
        || pp_fail "cl_entry: prefect-keys add $_name failed"
    _key=""
}

# cl_pk ARGS...: prefect-keys with the test configuration; its syslog lines
# go to the captured log.
cl_pk() {
    (PP_VALGRIND="" PP_PK_PRELOAD=$PP_LOGCAP pp_prefect_keys "$CL_CONF" "$@") \
        2>>"$CL_OUT/prefect-keys.err"
}

# cl_run NAME PROBE-ARGS...: run cloudprobe (under $PP_VALGRIND), stdout in
# out/NAME, stderr in out/NAME.err; a key on stdin when CL_STDIN is set.
# The commands workspaces and expiration run cloudclient.
cl_run() {
    _n=$1
    shift
    _rc=0
    _bin=$CL_PROBE
    for _a in "$@"; do
        case $_a in workspaces|expiration) _bin=$CL_CLIENT ;; esac
    done
    if [ -n "${CL_STDIN:-}" ]; then
        printf '%s\n' "$CL_STDIN" | $PP_VALGRIND_CMD "$_bin" --config "$CL_CONF" "$@" \
            >"$CL_OUT/$_n" 2>"$CL_OUT/$_n.err" || _rc=$?
    else
        $PP_VALGRIND_CMD "$_bin" --config "$CL_CONF" "$@" </dev/null \
            >"$CL_OUT/$_n" 2>"$CL_OUT/$_n.err" || _rc=$?
    fi
    if [ $_rc -ne 0 ]; then
        cat "$CL_OUT/$_n" "$CL_OUT/$_n.err" >&2
        pp_fail "$_n: cloudprobe exited with $_rc"
    fi
}
PP_VALGRIND_CMD=${PP_VALGRIND:-}

# cl_val NAME FIELD: a field of a run's output.
cl_val() { sed -n "s/^$2=//p" "$CL_OUT/$1" | head -n 1; }

# cl_expect NAME FIELD VALUE: exact match.
cl_expect() {
    _v=$(cl_val "$1" "$2")
    [ "$_v" = "$3" ] || { cat "$CL_OUT/$1" "$CL_OUT/$1.err" >&2; pp_fail "$1: $2 is '$_v', expected '$3'"; }
}

# cl_expect_match NAME FIELD PATTERN: grep -E on the field.
cl_expect_match() {
    cl_val "$1" "$2" | grep -Eq -- "$3" || {
        cat "$CL_OUT/$1" "$CL_OUT/$1.err" >&2
        pp_fail "$1: $2 is '$(cl_val "$1" "$2")', expected to match '$3'"
    }
}

# cl_elapsed NAME: the run's elapsed milliseconds.
cl_elapsed() { sed -n 's/^elapsed_ms=\([0-9]*\) .*/\1/p' "$CL_OUT/$1"; }

# cl_within NAME MS: the run took at most MS milliseconds (scaled under valgrind).
cl_within() {
    _e=$(cl_elapsed "$1")
    [ -n "$_e" ] && [ "$_e" -le $(($2 * CL_SLOW)) ] || pp_fail "$1: took ${_e} ms, more than $(($2 * CL_SLOW)) ms"
}

# cl_requests PATH FP: how many requests for PATH with key FP the stand-in saw.
cl_requests() {
    grep -F "\"path\": \"$1\"" "$CL_REQLOG" | grep -cF "\"fp\": \"$2\"" || true
}

# cl_no_keys: no key generated by this test appears in any output, the
# request log, the stand-ins' stderr, the captured syslog or the cache. The
# same search must find the keys in the store, or it would prove nothing.
cl_no_keys() {
    [ -n "$CL_KEYS" ] || pp_fail "cl_no_keys: no keys were made"
    if ls "$CL_STORE"/*.key >/dev/null 2>&1; then
        _found=0
        for _k in $CL_KEYS; do
            if printf '%s\n' "$_k" | grep -qF -f - "$CL_STORE"/*.key; then _found=1; fi
        done
        [ $_found = 1 ] || pp_fail "cl_no_keys: cannot see a key even in the store"
    fi
    for _k in $CL_KEYS; do
        if printf '%s\n' "$_k" | grep -rqF -f - "$CL_OUT" "$CL_REQLOG" "$PP_TEST_LOG" \
                "$PP_TESTROOT"/*.stderr $( [ -d "$CL_CACHE" ] && echo "$CL_CACHE" ); then
            pp_fail "a key appears in the test's output, request log, syslog or cache"
        fi
    done
}

# cl_workspaces: the two workspaces the stand-in knows.
cl_workspaces_json() {
    printf '[{"account_id": "%s", "account_handle": "acme", "workspace_id": "%s", "workspace_handle": "prod"},' "$ACCT" "$WS"
    printf ' {"account_id": "%s", "account_handle": "acme", "workspace_id": "%s", "workspace_handle": "staging"}]' "$ACCT" "$WS2"
}
