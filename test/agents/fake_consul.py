"""A Consul of the test's, for platform_agent: sessions (TTL ignored, lock-delay kept, `expire`
ends one as a missed TTL would), KV with acquire/release and blocking queries. It counts the
requests it answers, by kind."""

import http.server
import json
import threading
import time
import urllib.parse
import uuid


class FakeConsul:
    def __init__(self):
        self.lock = threading.Condition()
        self.index = 1
        self.kv = {}  # key -> {"Value", "Session", "ModifyIndex"}
        self.sessions = {}  # id -> lock-delay seconds
        self.delayed = {}  # key -> monotonic time before which acquire is refused
        self.requests = {}
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addr = "http://127.0.0.1:%d" % self.server.server_address[1]

    def count(self, kind):
        self.requests[kind] = self.requests.get(kind, 0) + 1

    def bump(self, key):
        self.index += 1
        self.kv[key]["ModifyIndex"] = self.index
        self.lock.notify_all()

    def end_session(self, sid):
        """A session ends (destroyed, or its TTL missed): its locks are let go, and each is
        refused to others for the session's lock-delay."""
        delay = self.sessions.pop(sid, None)
        if delay is None:
            return False
        for key, entry in self.kv.items():
            if entry["Session"] == sid:
                entry["Session"] = None
                self.delayed[key] = time.monotonic() + delay
                self.bump(key)
        return True

    def expire(self, sid):
        with self.lock:
            return self.end_session(sid)

    def holder(self, key):
        with self.lock:
            entry = self.kv.get(key)
            return entry and entry["Session"]

    def put(self, key, query, body):
        entry = self.kv.setdefault(key, {"Value": None, "Session": None, "ModifyIndex": 0})
        if "acquire" in query:
            sid = query["acquire"][0]
            self.count("acquire")
            if sid not in self.sessions or entry["Session"] not in (None, sid):
                return False
            if time.monotonic() < self.delayed.get(key, 0):
                return False
            entry["Session"] = sid
        elif "release" in query:
            if entry["Session"] != query["release"][0]:
                return False
            entry["Session"] = None
        entry["Value"] = body
        self.bump(key)
        return True

    def get(self, key, query):
        """The key's entry once its index passes `index` (or `wait` passes): a blocking query."""
        self.count("get")
        index = int(query.get("index", ["0"])[0])
        deadline = time.monotonic() + float(query.get("wait", ["0s"])[0].rstrip("s"))
        while key not in self.kv or self.kv[key]["ModifyIndex"] <= index:
            left = deadline - time.monotonic()
            if index == 0 or left <= 0:
                break
            self.lock.wait(left)
        entry = self.kv.get(key)
        if entry is None:
            return 404, None
        return 200, [{"Key": key, "Session": entry["Session"], "ModifyIndex": entry["ModifyIndex"]}]

    def answer(self, method, path, query, body):
        with self.lock:
            if path == "/v1/session/create":
                sid = str(uuid.uuid4())
                self.sessions[sid] = float(json.loads(body)["LockDelay"].rstrip("s"))
                return 200, {"ID": sid}
            if path.startswith("/v1/session/renew/"):
                self.count("renew")
                return (200, []) if path.rsplit("/", 1)[1] in self.sessions else (404, None)
            if path.startswith("/v1/session/destroy/"):
                self.end_session(path.rsplit("/", 1)[1])
                return 200, True
            key = path[len("/v1/kv/"):]
            if method == "PUT":
                return 200, self.put(key, query, body)
            return self.get(key, query)

    def handler(self):
        consul = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.reply()

            def do_PUT(self):
                self.reply()

            def reply(self):
                url = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                code, value = consul.answer(self.command, urllib.parse.unquote(url.path),
                                            urllib.parse.parse_qs(url.query), body)
                data = json.dumps(value).encode() if value is not None else b""
                self.send_response(code)
                self.send_header("X-Consul-Index", str(consul.index))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, fmt, *args):
                pass

        return Handler

    def records(self, prefix):
        with self.lock:
            return [json.loads(e["Value"]) for k, e in sorted(self.kv.items())
                    if k.startswith(prefix + "/runs/")]
