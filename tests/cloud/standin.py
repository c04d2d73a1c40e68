#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""standin.py: a local stand-in for the Prefect Cloud routes pam_prefect uses.

Serves, over TLS on 127.0.0.1 only:
  GET /api/me/workspaces
  GET /api/me/                                 (403 for pnb_ keys)
  GET /api/users/{user_id}/api_keys/{key_id}
  GET /api/accounts/{account_id}/bots/{service_account_id}
  POST /api/accounts/{account_id}/bots/{service_account_id}/rotate_api_key
Everything else is 404. A missing, unknown, revoked or expired key gets 401
{"detail":"Invalid authentication credentials"}, as Prefect Cloud answers.

The state file (JSON, re-read on every request so tests can rewrite it;
write it atomically) knows keys only by their fingerprint, the first 16 hex
digits of SHA-256(key), so no key is ever written to disk:
  {
    "workspaces": [{"account_id": UUID, "account_handle": "acme",
                    "workspace_id": UUID, "workspace_handle": "prod"}, ...],
    "keys": {
      "FP16": {"workspaces": [WORKSPACE_ID, ...], "revoked": false,
               "expiration": "2027-01-01T00:00:00Z" or null,
               "user_id": UUID, "key_id": UUID,                (user keys)
               "account_id": UUID, "service_account_id": UUID, (pnb_ keys)
               "current": true}   (the key the account's record describes
                                   when it has several: after a rotation)
    },
    "faults": [{"path": "/api/me/workspaces", "kind": "status", ...}, ...],
    "rotation_grace_s": 0
  }
A key with "admin": true (and the account's "account_id") may rotate the
account's service accounts' keys: POST .../rotate_api_key with
{"api_key_expiration": RFC 3339 or null} makes a new pnb_ key for the
service account's current key, adds it to the state file (by fingerprint:
the same workspaces and ids, a new "key_id", "current": true) and answers
201 with the service account and the new key in api_key.key, as Cloud does.
The old key is revoked at once, or, with "rotation_grace_s": N, keeps
working for N more seconds ("grace_until" in its state) and is no longer
"current". Any other key gets 403 {"detail": ...}; an unknown service
account 404. The new key is in no file but the answer.
A fault applies to every request whose path starts with its "path" (all
requests when it has none); the first match wins. With "count": N it
applies to the first N such requests only (counted from the moment that
state file was written), then the stand-in answers normally. Kinds:
  status     answer "status" (e.g. 403, 429, 500, 503) with {"detail": ...};
             "retry_after": N adds a Retry-After header
  body       answer 200 with "body" as it is (any text)
  status201  answer 201 with "body" as it is (a rotation's odd answers)
  not_json   answer 200 with an HTML page
  page       answer "status" (e.g. 403) with an HTML page, as a proxy, a
             firewall or an IP allow list in front of Cloud would
  truncated  promise 1000 bytes, send a few, close the connection
  huge       stream "mb" MiB (default 50) without a Content-Length
  objects    answer 200 with a list of empty objects, "[{},{},...]", of
             "kb" KiB (default 1023: under the client's 1 MiB cap)
  slow       wait "ms" milliseconds, then answer normally
  hang       accept the request and never answer
  redirect   302 to "location"

Each request appends one JSON line to the request log:
  {"method": "GET", "path": "/api/me/workspaces", "fp": FP16 or null,
   "fault": KIND or null, "ua": USER-AGENT, "host": NAME or null, "conn": N}
(and "t", the time it was read in seconds since the epoch, when "host" is set)
never the key itself; N numbers the TLS connections from 1, so requests
that share a connection have the same N. A path may start with "/host/NAME" (an api_url of
https://127.0.0.1:PORT/host/NAME/api): NAME is logged as "host" and the rest
of the path is served as usual, so many simulated hosts can share one
stand-in and each request be counted for its host (bench/fleet).

Usage: standin.py --cert CERT --key KEY --state STATE --log LOG
                  --port-file FILE [--port N] [--stall] [--rtt-ms MS]
The chosen port (--port 0, the default, picks a free one) is written to
--port-file once the server listens. --stall: accept connections and never
answer, not even the TLS handshake (logged as fault "stall"). --rtt-ms:
behave as a server MS milliseconds of round trip away (for the benchmark):
a new connection waits two round trips (TCP's and TLS 1.3's handshakes)
before its handshake, and every answer one. Stop it with SIGTERM.
"""

import argparse
import datetime
import hashlib
import http.server
import json
import os
import secrets
import signal
import ssl
import sys
import threading
import time

UNAUTHORIZED = {"detail": "Invalid authentication credentials"}
NOT_A_USER = {"detail": "Only users (not service accounts) can access this endpoint."}
NOT_FOUND = {"detail": "Not Found"}
CREATED = "2025-01-01T00:00:00Z"


def fingerprint(key):
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def has_expired(exp):
    """Whether an expiration from the state has passed. One the stand-in
    cannot read (tests serve malformed ones on purpose) never has."""
    try:
        when = datetime.datetime.fromisoformat(exp.upper().replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return False
    if when.tzinfo is None:
        return False
    return when <= datetime.datetime.now(datetime.timezone.utc)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are written separately: without TCP_NODELAY the
    # client's delayed ACK adds 40 ms to every answer.
    disable_nagle_algorithm = True
    server_version = "prefect-cloud-standin/1"

    def log_message(self, fmt, *args):
        pass    # the request log below is the only record

    def setup(self):
        super().setup()
        with self.server.log_lock:
            self.server.connections += 1
            self.conn_id = self.server.connections

    # --- plumbing -------------------------------------------------------
    def send_json(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_raw(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def presented_key(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or len(auth) <= len("Bearer "):
            return None
        return auth[len("Bearer "):]

    def record(self, fp, fault):
        rec = {"method": self.command, "path": self.path, "fp": fp,
               "fault": fault["kind"] if fault else None,
               "ua": self.headers.get("User-Agent"),
               "host": getattr(self, "sim_host", None), "conn": self.conn_id}
        if rec["host"] is not None:
            rec["t"] = time.time()
        line = json.dumps(rec)
        with self.server.log_lock:
            with open(self.server.args.log, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    # --- faults ---------------------------------------------------------
    def apply_fault(self, fault):
        """Returns True when the fault answered the request itself."""
        kind = fault["kind"]
        if kind == "status":
            headers = {}
            if "retry_after" in fault:
                headers["Retry-After"] = str(fault["retry_after"])
            self.send_json(int(fault["status"]),
                           {"detail": fault.get("detail", "injected fault")}, headers)
        elif kind == "body":
            self.send_raw(200, fault["body"].encode(), "application/json")
        elif kind == "status201":
            self.send_raw(201, fault["body"].encode(), "application/json")
        elif kind == "page":
            self.send_raw(int(fault["status"]),
                          b"<html><head><title>403 Forbidden</title></head><body>"
                          b"<h1>Access denied</h1><p>Request blocked by policy.</p></body></html>",
                          "text/html")
        elif kind == "not_json":
            self.send_raw(200, b"<html><body>Service temporarily unavailable</body></html>",
                          "text/html")
        elif kind == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'[{"account_id": "')
            self.wfile.flush()
            self.close_connection = True
        elif kind == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"[" + b" " * 65535
            try:
                for _ in range(int(fault.get("mb", 50)) * 16):
                    self.wfile.write(chunk)
                    chunk = b" " * 65536
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                pass
            self.close_connection = True
        elif kind == "objects":
            n = (int(fault.get("kb", 1023)) * 1024 - 2) // 3
            self.send_raw(200, b"[" + b",".join([b"{}"] * n) + b"]", "application/json")
        elif kind == "slow":
            time.sleep(int(fault["ms"]) / 1000.0)
            return False
        elif kind == "hang":
            self.server.stopping.wait(3600)
            self.close_connection = True
        elif kind == "redirect":
            self.send_response(302)
            self.send_header("Location", fault.get("location", "https://127.0.0.1:1/api/me/workspaces"))
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_json(500, {"detail": "stand-in: unknown fault kind %r" % kind})
        return True

    def pick_fault(self, state):
        """The first fault for this path that has not used up its "count"."""
        try:
            st = os.stat(self.server.args.state)
            version = (st.st_ino, st.st_mtime_ns)
        except OSError:
            version = None
        for i, f in enumerate(state.get("faults", [])):
            if not self.path.startswith(f.get("path", "")):
                continue
            if "count" not in f:
                return f
            with self.server.log_lock:
                used = self.server.fault_uses.get((version, i), 0)
                if used < int(f["count"]):
                    self.server.fault_uses[(version, i)] = used + 1
                    return f
        return None

    # --- routes ---------------------------------------------------------
    def do_POST(self):
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = -1
        if n < 0 or n > 65536:
            self.send_json(400, {"detail": "bad Content-Length"})
            return
        self.post_body = self.rfile.read(n)
        self.do_GET()

    def do_GET(self):
        if self.server.args.rtt_ms > 0:
            time.sleep(self.server.args.rtt_ms / 1000.0)    # the request's round trip
        self.sim_host = None
        if self.path.startswith("/host/"):
            self.sim_host, _, rest = self.path[len("/host/"):].partition("/")
            self.path = "/" + rest
        try:
            with open(self.server.args.state, encoding="utf-8") as f:
                state = json.load(f)
        except (OSError, ValueError) as err:
            self.record(None, None)
            self.send_json(500, {"detail": "stand-in: bad state file: %s" % err})
            return
        key = self.presented_key()
        fp = fingerprint(key) if key is not None else None
        fault = self.pick_fault(state)
        self.record(fp, fault)
        if fault is not None and self.apply_fault(fault):
            return

        info = state.get("keys", {}).get(fp) if fp else None
        if info is None or info.get("revoked"):
            self.send_json(401, UNAUTHORIZED)
            return
        if has_expired(info.get("expiration")) or \
                ("grace_until" in info and info["grace_until"] <= time.time()):
            self.send_json(401, UNAUTHORIZED)
            return

        parts = self.path.split("?")[0].strip("/").split("/")
        if self.command == "POST":
            if len(parts) == 6 and parts[:2] == ["api", "accounts"] and parts[3] == "bots" \
                    and parts[5] == "rotate_api_key":
                self.rotate(state, info, parts[2], parts[4])
            else:
                self.send_json(404, NOT_FOUND)
            return
        if parts == ["api", "me", "workspaces"]:
            allowed = set(info.get("workspaces", []))
            self.send_json(200, [dict({"account_name": w.get("account_handle", ""),
                                       "workspace_name": w.get("workspace_handle", ""),
                                       "workspace_description": ""}, **w)
                                 for w in state.get("workspaces", [])
                                 if w["workspace_id"] in allowed])
        elif parts == ["api", "me"]:
            if key.startswith("pnb_"):
                self.send_json(403, NOT_A_USER)
            else:
                uid = info.get("user_id", "")
                self.send_json(200, {"id": uid, "email": "user@example.com", "first_name": "Test",
                                     "last_name": "User", "handle": "user-" + uid[:8]})
        elif len(parts) == 5 and parts[:2] == ["api", "users"] and parts[3] == "api_keys":
            self.user_key(state, info, parts[2], parts[4])
        elif len(parts) == 5 and parts[:2] == ["api", "accounts"] and parts[3] == "bots":
            self.bot(state, parts[2], parts[4])
        else:
            self.send_json(404, NOT_FOUND)

    def user_key(self, state, info, user_id, key_id):
        # A user reads the keys of its own user id only.
        if info.get("user_id") != user_id:
            self.send_json(404, NOT_FOUND)
            return
        for k in state.get("keys", {}).values():
            if k.get("user_id") == user_id and k.get("key_id") == key_id and not k.get("revoked"):
                self.send_json(200, {"id": key_id, "created": CREATED, "name": "key",
                                     "expiration": k.get("expiration")})
                return
        self.send_json(404, NOT_FOUND)

    def bot(self, state, account_id, sa_id):
        # The record describes the account's current key: the one marked
        # "current" (after a rotation), else the first one.
        keys = sorted(state.get("keys", {}).values(), key=lambda k: not k.get("current"))
        for k in keys:
            if k.get("service_account_id") == sa_id and k.get("account_id") == account_id \
                    and not k.get("revoked"):
                self.send_json(200, {
                    "id": sa_id, "created": CREATED, "updated": CREATED, "actor_id": sa_id,
                    "account_id": account_id, "name": "bot", "account_role_name": "Member",
                    "api_key": {"id": k.get("key_id", sa_id), "created": CREATED,
                                "name": "bot-key", "expiration": k.get("expiration")}})
                return
        self.send_json(404, NOT_FOUND)


    def rotate(self, state, info, account_id, sa_id):
        if not info.get("admin") or info.get("account_id") != account_id:
            self.send_json(403, {"detail": "Not authorized to rotate this service account's key"})
            return
        try:
            body = json.loads(self.post_body)
            exp = body["api_key_expiration"]
            if exp is not None and not isinstance(exp, str):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            self.send_json(422, {"detail": "api_key_expiration: null or a date-time"})
            return
        with self.server.log_lock:
            keys = state.get("keys", {})
            olds = [(fp, k) for fp, k in keys.items()
                    if k.get("service_account_id") == sa_id and k.get("account_id") == account_id
                    and not k.get("revoked") and "grace_until" not in k]
            if not olds:
                self.send_json(404, NOT_FOUND)
                return
            olds.sort(key=lambda fk: not fk[1].get("current"))
            old = olds[0][1]
            new_key = "pnb_" + secrets.token_hex(20)
            new_id = "%08x-%04x-4%03x-8%03x-%012x" % (
                secrets.randbits(32), secrets.randbits(16), secrets.randbits(12),
                secrets.randbits(12), secrets.randbits(48))
            grace = int(state.get("rotation_grace_s", 0))
            for _, k in olds:
                k["current"] = False
                if grace > 0:
                    k["grace_until"] = time.time() + grace
                else:
                    k["revoked"] = True
            keys[fingerprint(new_key)] = {
                "workspaces": old.get("workspaces", []), "account_id": account_id,
                "service_account_id": sa_id, "key_id": new_id, "expiration": exp,
                "current": True}
            tmp = self.server.args.state + ".standin-tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(state, f)
            os.replace(tmp, self.server.args.state)
        self.send_json(201, {
            "id": sa_id, "account_id": account_id, "name": "bot",
            "account_role_name": "Member",
            "api_key": {"id": new_id, "created": CREATED, "name": "bot-key",
                        "expiration": exp, "key": new_key}})
        new_key = None


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # Python's default backlog of 5 drops some of 64 simultaneous connections.
    request_queue_size = 128

    def __init__(self, args, context):
        self.args = args
        self.context = context
        self.log_lock = threading.Lock()
        self.connections = 0
        self.fault_uses = {}
        self.stopping = threading.Event()
        super().__init__(("127.0.0.1", args.port), Handler)

    def finish_request(self, request, client_address):
        if self.args.stall:
            # Accept the connection, then say nothing at all, not even TLS.
            self.record_stall()
            self.stopping.wait(3600)
            return
        # The TLS handshake runs here, in the request's own thread, so that a
        # client that never completes it cannot block the others.
        request.settimeout(30)
        if self.args.rtt_ms > 0:
            time.sleep(2 * self.args.rtt_ms / 1000.0)   # TCP's and TLS's handshakes
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def record_stall(self):
        with self.log_lock:
            with open(self.args.log, "a", encoding="utf-8") as f:
                f.write(json.dumps({"method": None, "path": None, "fp": None,
                                    "fault": "stall", "ua": None}) + "\n")

    def handle_error(self, request, client_address):
        err = sys.exc_info()[1]
        if not isinstance(err, (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)


def main():
    p = argparse.ArgumentParser(description="Prefect Cloud stand-in for the tests")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--stall", action="store_true",
                   help="accept connections and never answer, not even the TLS handshake")
    p.add_argument("--rtt-ms", type=int, default=0,
                   help="simulate a server this many milliseconds of round trip away")
    args = p.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server = Server(args, context)

    def stop(signum, frame):
        server.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    server.serve_forever(poll_interval=0.1)
    server.server_close()


if __name__ == "__main__":
    main()
