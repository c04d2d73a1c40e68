# SPDX-License-Identifier: BSD-3-Clause
"""property-compare.py: does explain's answer match the login? (property.test)

Usage: property-compare.py EXPLAIN_JSON EXPLAIN_RC LOGIN_OUTPUT LOGIN_RC LOGIN_LOG
Prints the table cell (the outcome, with the scope reason or "refused") and
exits 0 when every prediction holds; else says what differs on stderr and
exits 1.
"""
import json
import re
import sys

explain_path, explain_rc, login_path, login_rc, log_path = sys.argv[1:6]
problems = []

if explain_rc not in ("0", "1"):
    print(f"explain exited {explain_rc}", file=sys.stderr)
    sys.exit(1)
try:
    d = json.load(open(explain_path))
except ValueError as e:
    print(f"explain printed no JSON: {e}", file=sys.stderr)
    sys.exit(1)

login = open(login_path, encoding="utf-8", errors="replace").read()
log = open(log_path, encoding="utf-8", errors="replace").read()

# What the login got.
url = re.search(r"^\s*PREFECT_API_URL=(\S+)$", login, re.M)
fp = re.search(r"^\s*PREFECT_API_KEY=.*fingerprint ([0-9a-f]+)\)$", login, re.M)
got_vars = None
if url or fp:
    got_vars = {"PREFECT_API_URL": url.group(1) if url else None,
                "PREFECT_API_KEY_fingerprint": fp.group(1) if fp else None}
messages = re.findall(r"^\s*\| \((?:error )?message to the user\) (.*)$", login, re.M)
decisions = re.findall(r"entry=(\S+) fingerprint=\S+ outcome=(\S+)", log)
refused = login_rc == "1"

# What explain said.
outcome = d.get("outcome")
entry = d.get("entry")
entry_name = entry["name"] if isinstance(entry, dict) else None
want_vars = d.get("exported")
want_message = d.get("message")

if want_vars != got_vars:
    problems.append(f"variables: explain {want_vars}, login {got_vars}")
if outcome in ("out-of-scope", "no-rule", "needs-check"):
    if decisions:
        problems.append(f"outcome: explain {outcome}, login logged {decisions}")
else:
    if len(decisions) != 1:
        problems.append(f"outcome: explain {outcome}, login logged {decisions}")
    elif decisions[0] != (entry_name or "-", outcome):
        problems.append(f"entry/outcome: explain {(entry_name, outcome)}, login {decisions[0]}")
if bool(d.get("refused")) != refused:
    problems.append(f"refused: explain {d.get('refused')}, login exit {login_rc}")
if (want_message or None) != (messages[0] if messages else None) or len(messages) > 1:
    problems.append(f"message: explain {want_message!r}, login {messages!r}")

if problems:
    print("; ".join(problems), file=sys.stderr)
    sys.exit(1)
cell = outcome
if outcome == "out-of-scope":
    cell += "/" + d.get("scope", "?")
elif entry_name:
    cell = entry_name + ":" + cell
if d.get("refused"):
    cell += "+refused"
print(cell)
