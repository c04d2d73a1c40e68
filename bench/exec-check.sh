#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# exec-check.sh: the benchmark's stack 3, what an administrator might write
# by hand instead of pam_prefect: pam_exec runs it at session open, it looks
# up the user's key file and checks the key with curl against Prefect Cloud
# (here the stand-in). It exports nothing (pam_exec cannot set the PAM
# environment), so it is a lower bound on the cost of doing this by hand.
#
#   session required pam_exec.so type=open_session /path/exec-check.sh DIR
#
# DIR (root-owned) holds:
#   map               "user entry" per line
#   keys/ENTRY.key    the key alone (root 0600)
#   api_url           e.g. https://api.prefect.cloud/api
#   workspace_id      the workspace the key must see
#   ca.pem            CA bundle for api_url
# The key goes to curl on its standard input as a config line (curl -K -),
# never on a command line. Exit 0: key valid for the workspace, or the user
# is not mapped; anything else fails the session.
set -eu
PATH=/usr/sbin:/usr/bin:/sbin:/bin
dir=$1
entry=$(awk -v u="${PAM_USER:-}" '$1 == u { print $2; exit }' "$dir/map")
[ -n "$entry" ] || exit 0
key=$(cat "$dir/keys/$entry.key")
api=$(cat "$dir/api_url")
ws=$(cat "$dir/workspace_id")
# printf is a shell builtin: the key is never in any process's argv.
body=$(printf 'header = "Authorization: Bearer %s"\n' "$key" |
    curl --silent --show-error --fail --proto =https --max-redirs 0 \
        --connect-timeout 2 --max-time 4 --cacert "$dir/ca.pem" \
        --config - "$api/me/workspaces")
key=
case $body in
*"\"$ws\""*) exit 0 ;;
esac
echo "exec-check: key $entry cannot see workspace $ws" >&2
exit 1
