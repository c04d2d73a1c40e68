# SPDX-License-Identifier: BSD-3-Clause
# pk.sh: sourced by the prefect-keys tests after tests/lib/common.sh.
# Gives a configuration whose store and cache live in $PP_TESTROOT, a pk
# function that runs the tool on it (under $PP_VALGRIND when set, with the
# syslog capture preloaded), and small assertions.

PK_BIN="$top_builddir/tools/prefect-keys"
[ -x "$PK_BIN" ] || pp_fail "$PK_BIN is not built"
[ -f "$PP_LOGCAP" ] || pp_fail "$PP_LOGCAP is not built"

CONF="$PP_TESTROOT/pam_prefect.conf"
STORE="$PP_TESTROOT/state/store"
CACHE="$PP_TESTROOT/state/cache"
OUT="$PP_TESTROOT/pk.out"
ERR="$PP_TESTROOT/pk.err"
# Every output the tests saw, kept to prove that no key was ever printed.
ALL_OUTPUT="$PP_TESTROOT/pk.all-output"
: >"$ALL_OUTPUT"

ACC=0b5e1c1a-8f5e-4c2b-9a57-2b3c4d5e6f70
WS=6d1f0e2a-3b4c-4d5e-8f60-718293a4b5c6
WS2=7e2a1f3b-4c5d-4e6f-9071-8293a4b5c6d7

pk_write_conf() {
    # $1...: extra settings lines
    {
        printf 'store = "%s";\ncache_dir = "%s";\ncheck_program = "%s";\n' "$STORE" "$CACHE" \
            "$(cd "$top_builddir" && pwd)/checker/check"
        for line in "$@"; do printf '%s\n' "$line"; done
    } >"$CONF"
    chmod 0644 "$CONF"
}
pk_write_conf 'api_url = "https://127.0.0.1:9/api";' 'timeout_ms = 1000;' 'connect_timeout_ms = 500;'

# pk ARGS...: run the tool; stdout in $OUT, stderr in $ERR, status in $rc.
# Standard input is the caller's (redirect it).
PP_PK_BIN=$PK_BIN
PP_PK_PRELOAD=$PP_LOGCAP
pk() {
    rc=0
    pp_prefect_keys "$CONF" "$@" >"$OUT" 2>"$ERR" || rc=$?
    cat "$OUT" "$ERR" >>"$ALL_OUTPUT"
    if [ "$rc" = 97 ]; then
        cat "$ERR" >&2
        pp_fail "valgrind found errors in: prefect-keys $*"
    fi
}

# expect RC ARGS...: run pk, fail unless the status is RC.
expect() {
    want=$1
    shift
    pk "$@"
    if [ "$rc" != "$want" ]; then
        echo "--- stdout"; cat "$OUT"; echo "--- stderr"; cat "$ERR"
        pp_fail "prefect-keys $* exited $rc, expected $want"
    fi
}

# out_has / err_has TEXT: fixed-string checks (log_has: common.sh).
out_has() { grep -qF -- "$1" "$OUT" || { cat "$OUT"; pp_fail "stdout lacks: $1"; }; }
err_has() { grep -qF -- "$1" "$ERR" || { cat "$ERR"; pp_fail "stderr lacks: $1"; }; }
err_lacks() { ! grep -qF -- "$1" "$ERR" || { cat "$ERR"; pp_fail "stderr has: $1"; }; }
out_lacks() { ! grep -qF -- "$1" "$OUT" || { cat "$OUT"; pp_fail "stdout has: $1"; }; }

# json EXPR: evaluate a Python expression on the JSON in $OUT (as d).
json() {
    "$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
r = eval(sys.argv[2])
print(r if not isinstance(r, bool) else str(r).lower())' "$OUT" "$1"
}

# json_is EXPR WANT
json_is() {
    got=$(json "$1") || pp_fail "bad JSON output: $(cat "$OUT")"
    [ "$got" = "$2" ] || { cat "$OUT"; pp_fail "JSON $1 is \"$got\", expected \"$2\""; }
}

# add_key NAME KEY [ARGS...]: add without Cloud.
add_key() {
    n=$1
    k=$2
    shift 2
    printf '%s\n' "$k" | expect 0 add "$n" --workspace "$ACC/$WS" --no-validate "$@"
}

# never_shown KEY...: no output or log line the tests saw has any of the keys.
never_shown() {
    for k in "$@"; do
        if grep -qF -- "$k" "$ALL_OUTPUT" "$PP_TEST_LOG" 2>/dev/null; then
            pp_fail "a key appeared in the output or the log"
        fi
    done
}
