#!/usr/bin/env python3
"""platform-service: one executable that acts as any platform service or agent.

Usage:
  platform-service serve NAME      run service NAME (HTTP or line-based TCP)
  platform-service ping            health check of the local service (exit 0/1)
  platform-service agent NAME      run scheduled agent NAME
  platform-service agent NAME --once   one run now, then exit
  platform-service health fail|ok  toggle the local failing state (file flag)
  platform-service version         print PLATFORM_VERSION

Environment (serve / ping):
  SERVICE_PORT=8080            listen port
  SERVICE_PROTOCOL=http|tcp    protocol (default http)
  SERVICE_PROXY_PROTOCOL=1     require a PROXY v1/v2 header on each connection
  SERVICE_FAIL_FILE            failing-state flag file
                               (default /tmp/platform-service.failing)
  SERVICE_ACCESS_LOG=0         disable per-request log lines
  SERVICE_CHECK_PORT           also serve the HTTP health bridge there (GET: 200
                               when the service's own ping succeeds, else 503)
Environment (agent):
  AGENT_SCHEDULE               cron, 5 fields or 6 with seconds first
                               (default "* * * * *")
  AGENT_DURATION=5             seconds each run works
  AGENT_LOCK_KEY               Consul KV prefix; runs hold <prefix>/.lock
  AGENT_LOCK_TIMEOUT=0         seconds to wait for the lock before skipping
  AGENT_LOCK_TTL=10s           Consul session TTL (renewed during the run)
  AGENT_LOCK_DELAY=5s          Consul session lock-delay
  CONSUL_HTTP_ADDR             e.g. http://consul-agent:8500 (run records,
                               lock); CONSUL_HTTP_TOKEN is sent if set
Common: PLATFORM_VERSION (baked into the image).

Python 3 standard library only.
"""

import datetime
import http.client
import http.server
import json
import os
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

VERSION = os.environ.get("PLATFORM_VERSION", "0.0.0")
INSTANCE = os.environ.get("SERVICE_INSTANCE") or socket.gethostname()
FAIL_FILE = os.environ.get("SERVICE_FAIL_FILE", "/tmp/platform-service.failing")
SHUTDOWN_GRACE = 1.8  # seconds; the process must exit within 2 s of SIGTERM

PROXY_V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def out(msg):
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def env_port():
    return int(os.environ.get("SERVICE_PORT", "8080"))


def env_protocol():
    proto = os.environ.get("SERVICE_PROTOCOL", "http").strip().lower()
    if proto not in ("http", "tcp"):
        raise SystemExit("SERVICE_PROTOCOL must be http or tcp, got %r" % proto)
    return proto


def env_proxy_required():
    return os.environ.get("SERVICE_PROXY_PROTOCOL", "0").strip().lower() in ("1", "true", "yes", "on")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(ts):
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --------------------------------------------------------------------------
# failing state (in memory for HTTP admin, or a flag file for `health`)
# --------------------------------------------------------------------------

class Health:
    def __init__(self):
        self._failing = False
        self._lock = threading.Lock()

    def set_failing(self, failing):
        with self._lock:
            self._failing = bool(failing)
        if not failing:
            try:
                os.unlink(FAIL_FILE)
            except OSError:
                pass

    def failing(self):
        with self._lock:
            if self._failing:
                return True
        return os.path.exists(FAIL_FILE)


HEALTH = Health()


# --------------------------------------------------------------------------
# PROXY protocol (v1 text, v2 binary)
# --------------------------------------------------------------------------

class ProxyHeaderError(Exception):
    pass


def read_proxy_header(rfile):
    """Read a PROXY v1/v2 header from a buffered reader.

    Returns the source address (str) or None for LOCAL/UNKNOWN connections.
    Raises ProxyHeaderError when no valid header is present.
    """
    first = rfile.peek(16)[:16] if hasattr(rfile, "peek") else b""
    if first.startswith(PROXY_V2_SIG[:len(first)]) and len(first) >= 12 and first[:12] == PROXY_V2_SIG:
        head = rfile.read(16)
        if len(head) < 16:
            raise ProxyHeaderError("short PROXY v2 header")
        ver_cmd, fam = head[12], head[13]
        (length,) = struct.unpack("!H", head[14:16])
        body = rfile.read(length)
        if len(body) < length:
            raise ProxyHeaderError("short PROXY v2 address block")
        if ver_cmd >> 4 != 2:
            raise ProxyHeaderError("bad PROXY v2 version")
        cmd = ver_cmd & 0x0F
        if cmd == 0:  # LOCAL (e.g. health checks from the proxy itself)
            return None
        if cmd != 1:
            raise ProxyHeaderError("bad PROXY v2 command")
        af = fam >> 4
        if af == 1 and length >= 12:
            return socket.inet_ntop(socket.AF_INET, body[0:4])
        if af == 2 and length >= 36:
            return socket.inet_ntop(socket.AF_INET6, body[0:16])
        return None  # AF_UNSPEC / AF_UNIX
    line = rfile.readline(108)
    if not line.startswith(b"PROXY "):
        raise ProxyHeaderError("missing PROXY header")
    if not line.endswith(b"\r\n"):
        raise ProxyHeaderError("PROXY v1 header not terminated by CRLF")
    parts = line[:-2].decode("ascii", "replace").split(" ")
    if len(parts) >= 2 and parts[1] == "UNKNOWN":
        return None
    if len(parts) != 6 or parts[1] not in ("TCP4", "TCP6"):
        raise ProxyHeaderError("malformed PROXY v1 header: %r" % line)
    return parts[2]


def looks_like_proxy_header(rfile):
    try:
        first = rfile.peek(12)
    except (OSError, ValueError):
        return False
    return first.startswith(b"PROXY ") or first[:12] == PROXY_V2_SIG


# --------------------------------------------------------------------------
# serve: connection tracking for graceful shutdown
# --------------------------------------------------------------------------

class ConnTracker:
    """Tracks open connections and whether each one is mid-request."""

    def __init__(self):
        self._lock = threading.Lock()
        self._conns = {}  # handler -> busy flag
        self.draining = threading.Event()

    def add(self, handler):
        with self._lock:
            self._conns[handler] = False

    def remove(self, handler):
        with self._lock:
            self._conns.pop(handler, None)

    def set_busy(self, handler, busy):
        with self._lock:
            if handler in self._conns:
                self._conns[handler] = busy

    def close_idle(self):
        with self._lock:
            idle = [h for h, busy in self._conns.items() if not busy]
        for h in idle:
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def count(self):
        with self._lock:
            return len(self._conns)

    def close_all(self):
        with self._lock:
            handlers = list(self._conns)
        for h in handlers:
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class BaseServerMixin:
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    block_on_close = False


class ThreadingHTTPServer(BaseServerMixin, socketserver.ThreadingMixIn, http.server.HTTPServer):
    pass


class ThreadingTCPServer(BaseServerMixin, socketserver.ThreadingMixIn, socketserver.TCPServer):
    pass


def tracked(base, tracker):
    """`base`, a socketserver request handler, with its connection counted by `tracker` from
    setup to finish (graceful shutdown waits for, and closes, what it counts)."""
    class Tracked(base):
        def setup(self):
            super().setup()
            tracker.add(self)

        def finish(self):
            tracker.remove(self)
            try:
                super().finish()
            except OSError:
                pass

    return Tracked


def make_http_handler(name, tracker, proxy_required, access_log):
    class Handler(tracked(http.server.BaseHTTPRequestHandler, tracker)):
        protocol_version = "HTTP/1.1"
        server_version = "platform-service/" + VERSION
        sys_version = ""

        def setup(self):
            self.proxy_client = None
            super().setup()

        def handle(self):
            if proxy_required:
                try:
                    self.proxy_client = read_proxy_header(self.rfile)
                except (ProxyHeaderError, OSError) as exc:
                    log("%s: rejecting connection from %s: %s" % (name, self.client_address[0], exc))
                    self.close_connection = True
                    return
            super().handle()

        def handle_one_request(self):
            if tracker.draining.is_set():
                self.close_connection = True
                return
            try:
                super().handle_one_request()
            finally:
                tracker.set_busy(self, False)
            if tracker.draining.is_set():
                self.close_connection = True

        def parse_request(self):
            tracker.set_busy(self, True)
            return super().parse_request()

        def peer(self):
            return self.proxy_client or self.client_address[0]

        def client(self):
            # The load balancer appends the address it saw to X-Forwarded-For: the last entry is
            # the one to trust (earlier entries come from the client and can be forged).
            xff = self.headers.get("X-Forwarded-For")
            if xff:
                last = xff.split(",")[-1].strip()
                if last:
                    return last
            return self.peer()

        def send_json(self, code, obj):
            body = (json.dumps(obj) + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            if tracker.draining.is_set() or self.close_connection:
                self.send_header("Connection", "close")
                self.close_connection = True
            # The status line, the headers and the body leave in one write: once in the socket's
            # buffer the kernel delivers them even if this process is killed the next instant,
            # so a crash never cuts a response half-way (a proxy can retry a request that got
            # no answer, not one whose answer it has begun to forward).
            self._headers_buffer.append(b"\r\n")
            if self.command != "HEAD":
                self._headers_buffer.append(body)
            self.flush_headers()

        def log_message(self, fmt, *args):
            if access_log:
                log("%s %s %s" % (name, self.peer(), fmt % args))

        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            if path == "/ping":
                if HEALTH.failing():
                    self.send_json(503, {"service": name, "instance": INSTANCE,
                                         "version": VERSION, "status": "failing"})
                else:
                    self.send_json(200, {"service": name, "instance": INSTANCE,
                                         "version": VERSION, "status": "ok"})
                return
            self.send_json(200, {"service": name, "instance": INSTANCE, "version": VERSION,
                                 "client": self.client(), "path": self.path})

        do_HEAD = do_GET

        def do_POST(self):
            # drain any request body so keep-alive stays in sync
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            parts = urllib.parse.urlsplit(self.path)
            if parts.path != "/admin/health":
                self.send_json(404, {"error": "not found", "path": self.path})
                return
            state = (urllib.parse.parse_qs(parts.query).get("state") or [""])[0]
            if state == "fail":
                HEALTH.set_failing(True)
            elif state == "ok":
                HEALTH.set_failing(False)
            else:
                self.send_json(400, {"error": "state must be fail or ok"})
                return
            log("%s: health state set to %s by %s" % (name, state, self.client()))
            self.send_json(200, {"service": name, "instance": INSTANCE, "version": VERSION,
                                 "status": "failing" if HEALTH.failing() else "ok"})

    return Handler


def make_tcp_handler(name, tracker, proxy_required, access_log):
    class Handler(tracked(socketserver.StreamRequestHandler, tracker)):

        def reply(self, obj):
            self.wfile.write((json.dumps(obj) + "\n").encode())
            self.wfile.flush()

        def handle(self):
            peer = self.client_address[0]
            client = peer
            try:
                if proxy_required or looks_like_proxy_header(self.rfile):
                    src = read_proxy_header(self.rfile)
                    client = src or peer
            except (ProxyHeaderError, OSError) as exc:
                log("%s: rejecting connection from %s: %s" % (name, peer, exc))
                return
            while not tracker.draining.is_set():
                try:
                    line = self.rfile.readline(65536)
                except OSError:
                    return
                if not line:
                    return
                tracker.set_busy(self, True)
                try:
                    cmd = line.decode("utf-8", "replace").strip()
                    if cmd == "ping":
                        status = "failing" if HEALTH.failing() else "ok"
                        self.reply({"service": name, "instance": INSTANCE, "version": VERSION,
                                    "status": status})
                    elif cmd in ("health fail", "health ok"):
                        HEALTH.set_failing(cmd.endswith("fail"))
                        self.reply({"service": name, "instance": INSTANCE, "version": VERSION,
                                    "status": "failing" if HEALTH.failing() else "ok"})
                    else:
                        self.reply({"service": name, "instance": INSTANCE, "version": VERSION,
                                    "client": client})
                    if access_log:
                        log("%s %s %r" % (name, client, cmd[:80]))
                except OSError:
                    return
                finally:
                    tracker.set_busy(self, False)

    return Handler


def install_stop_signals(stop, what):
    """SIGTERM/SIGINT set `stop`.

    The signals are blocked in every thread and received by one dedicated
    sigwait() thread, so a blocked main thread wakes up at once (a Python
    signal handler would only run when the main thread next runs bytecode).
    Must be called before any other thread is started.
    """
    sigs = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, sigs)

    def waiter():
        signum = signal.sigwait(sigs)
        log("%s: received signal %d, shutting down" % (what, signum))
        stop.set()

    threading.Thread(target=waiter, name="signals", daemon=True).start()


def cmd_serve(name):
    port = env_port()
    proto = env_protocol()
    proxy_required = env_proxy_required()
    access_log = os.environ.get("SERVICE_ACCESS_LOG", "1") != "0"
    bind = os.environ.get("SERVICE_BIND", "0.0.0.0")
    tracker = ConnTracker()
    if proto == "http":
        server = ThreadingHTTPServer((bind, port), make_http_handler(name, tracker, proxy_required, access_log))
    else:
        server = ThreadingTCPServer((bind, port), make_tcp_handler(name, tracker, proxy_required, access_log))

    stop = threading.Event()
    install_stop_signals(stop, name)

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    start_check_bridge(name)
    log("%s: serving version %s on %s:%d (%s%s) instance %s" % (
        name, VERSION, bind, port, proto, ", PROXY protocol required" if proxy_required else "", INSTANCE))
    out("serving %s %s %s:%d %s" % (name, VERSION, bind, port, proto))
    stop.wait()

    t0 = time.monotonic()
    tracker.draining.set()
    server.shutdown()        # stop accepting (serve_forever returns)
    server.server_close()    # close the listening socket
    tracker.close_idle()     # idle keep-alive connections end now
    while tracker.count() and time.monotonic() - t0 < SHUTDOWN_GRACE:
        tracker.close_idle()
        time.sleep(0.02)
    left = tracker.count()
    if left:
        log("%s: %d connection(s) still busy after %.1fs; closing" % (name, left, SHUTDOWN_GRACE))
        tracker.close_all()
    log("%s: stopped" % name)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# --------------------------------------------------------------------------
# ping (health check command)
# --------------------------------------------------------------------------

def cmd_ping():
    ok, text = ping_self()
    out(text)
    return 0 if ok else 1


def ping_self():
    """Pings the service on its own port; returns (healthy, what it answered or the failure)."""
    port = env_port()
    proto = env_protocol()
    proxy = env_proxy_required()
    deadline = 2.0
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=deadline)
    except OSError as exc:
        return False, "ping failed: %s" % exc
    try:
        sock.settimeout(deadline)
        if proxy:
            sock.sendall(("PROXY TCP4 127.0.0.1 127.0.0.1 %d %d\r\n" % (sock.getsockname()[1], port)).encode())
        if proto == "tcp":
            sock.sendall(b"ping\n")
            f = sock.makefile("rb")
            line = f.readline(65536)
            try:
                reply = json.loads(line.decode())
            except ValueError:
                return False, "ping failed: bad reply %r" % line[:200]
            ok = reply.get("status") == "ok"
        else:
            sock.sendall(b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                         b"User-Agent: platform-service-ping\r\n\r\n")
            resp = http.client.HTTPResponse(sock)
            resp.begin()
            body = resp.read()
            try:
                reply = json.loads(body.decode())
            except ValueError:
                reply = {}
            ok = resp.status == 200 and reply.get("status") == "ok"
        return ok, json.dumps(reply)
    except (OSError, http.client.HTTPException) as exc:
        return False, "ping failed: %s" % exc
    finally:
        sock.close()


def start_check_bridge(name):
    """The HTTP health bridge on SERVICE_CHECK_PORT: GET answers 200 when the service's own ping
    (the DIRAC DISET ping of a TCP service) succeeds, 503 otherwise, so HTTP-only checkers
    (Consul, HAProxy) can follow a service that speaks another protocol."""
    port = os.environ.get("SERVICE_CHECK_PORT", "").strip()
    if not port:
        return None

    class Bridge(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):
            ok, text = ping_self()
            body = (text + "\n").encode()
            self.send_response(200 if ok else 503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("0.0.0.0", int(port)), Bridge)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    log("%s: health bridge on port %s" % (name, port))
    return server


# --------------------------------------------------------------------------
# cron
# --------------------------------------------------------------------------

MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
DOWS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}


def parse_field(text, lo, hi, names=None):
    values = set()
    for part in text.lower().split(","):
        step = 1
        if "/" in part:
            part, step_s = part.split("/", 1)
            step = int(step_s)
            if step <= 0:
                raise ValueError("bad step in %r" % text)
        if part in ("*", "?"):
            start, end = lo, hi
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = to_int(a, names), to_int(b, names)
        else:
            start = to_int(part, names)
            end = hi if step != 1 else start
        if start < lo or end > hi or start > end:
            raise ValueError("value out of range in %r (%d-%d)" % (text, lo, hi))
        values.update(range(start, end + 1, step))
    return values


def to_int(s, names):
    if names and s in names:
        return names[s]
    return int(s)


class Cron:
    def __init__(self, expr):
        fields = expr.split()
        if len(fields) == 5:
            fields = ["0"] + fields
        if len(fields) != 6:
            raise ValueError("cron schedule needs 5 or 6 fields: %r" % expr)
        self.expr = expr
        self.seconds = parse_field(fields[0], 0, 59)
        self.minutes = parse_field(fields[1], 0, 59)
        self.hours = parse_field(fields[2], 0, 23)
        self.dom = parse_field(fields[3], 1, 31)
        self.months = parse_field(fields[4], 1, 12, MONTHS)
        dow = parse_field(fields[5], 0, 7, DOWS)
        self.dow = {d % 7 for d in dow}
        self.dom_any = fields[3] in ("*", "?")
        self.dow_any = fields[5] in ("*", "?")

    def day_ok(self, t):
        dom_ok = t.day in self.dom
        dow_ok = ((t.weekday() + 1) % 7) in self.dow
        if self.dom_any and self.dow_any:
            return True
        if self.dom_any:
            return dow_ok
        if self.dow_any:
            return dom_ok
        return dom_ok or dow_ok  # classic cron: either restriction matches

    def next_after(self, t):
        """Next matching time strictly after t (naive local datetime)."""
        t = t.replace(microsecond=0) + datetime.timedelta(seconds=1)
        limit = t + datetime.timedelta(days=366 * 5)
        while t < limit:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0, second=0) + datetime.timedelta(days=32)).replace(day=1)
                continue
            if not self.day_ok(t):
                t = t.replace(hour=0, minute=0, second=0) + datetime.timedelta(days=1)
                continue
            if t.hour not in self.hours:
                t = t.replace(minute=0, second=0) + datetime.timedelta(hours=1)
                continue
            if t.minute not in self.minutes:
                t = t.replace(second=0) + datetime.timedelta(minutes=1)
                continue
            if t.second not in self.seconds:
                t = t + datetime.timedelta(seconds=1)
                continue
            return t
        raise ValueError("cron schedule %r never fires" % self.expr)


# --------------------------------------------------------------------------
# Consul HTTP API (session + KV)
# --------------------------------------------------------------------------

class Consul:
    def __init__(self, addr):
        if "://" not in addr:
            addr = "http://" + addr
        self.addr = addr.rstrip("/")
        self.token = os.environ.get("CONSUL_HTTP_TOKEN")

    def call(self, method, path, body=None, timeout=5.0):
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.addr + path, data=data, method=method)
        if self.token:
            req.add_header("X-Consul-Token", self.token)
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        if not raw:
            return None
        try:
            return json.loads(raw.decode())
        except ValueError:
            return raw.decode()

    def kv_put(self, key, value, query=""):
        path = "/v1/kv/" + urllib.parse.quote(key.lstrip("/")) + query
        return self.call("PUT", path, value if isinstance(value, bytes) else value.encode())

    def session_create(self, name, ttl, lock_delay):
        res = self.call("PUT", "/v1/session/create",
                        {"Name": name, "TTL": ttl, "LockDelay": lock_delay, "Behavior": "release"})
        return res["ID"]

    def session_renew(self, sid):
        self.call("PUT", "/v1/session/renew/" + sid)

    def session_destroy(self, sid):
        self.call("PUT", "/v1/session/destroy/" + sid)


def duration_seconds(s):
    s = s.strip()
    for suffix, mult in (("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)):
        if s.endswith(suffix):
            return float(s[: -len(suffix)]) * mult
    return float(s)


class AgentLock:
    """Cross-container mutual exclusion with a Consul session + KV acquire."""

    def __init__(self, consul, prefix, name):
        self.consul = consul
        self.key = prefix.rstrip("/") + "/.lock"
        self.name = name
        self.ttl = os.environ.get("AGENT_LOCK_TTL", "10s")
        self.lock_delay = os.environ.get("AGENT_LOCK_DELAY", "5s")
        self.timeout = float(os.environ.get("AGENT_LOCK_TIMEOUT", "0"))
        self.sid = None
        self.lost = threading.Event()
        self._stop_renew = threading.Event()
        self._renewer = None

    def acquire(self, stop):
        self.sid = self.consul.session_create("agent-%s-%s" % (self.name, INSTANCE), self.ttl, self.lock_delay)
        deadline = time.monotonic() + self.timeout
        holder = json.dumps({"instance": INSTANCE, "agent": self.name}).encode()
        while True:
            try:
                got = self.consul.kv_put(self.key, holder, "?acquire=" + self.sid)
            except (OSError, urllib.error.URLError) as exc:
                log("agent %s: lock acquire error: %s" % (self.name, exc))
                got = False
            if got is True:
                self._renewer = threading.Thread(target=self._renew_loop, daemon=True)
                self._renewer.start()
                return True
            if time.monotonic() >= deadline or stop.is_set():
                self._destroy()
                return False
            stop.wait(min(1.0, max(0.05, deadline - time.monotonic())))

    def _renew_loop(self):
        interval = max(1.0, duration_seconds(self.ttl) / 2.0)
        while not self._stop_renew.wait(interval):
            try:
                self.consul.session_renew(self.sid)
            except urllib.error.HTTPError as exc:
                if exc.code == 404:  # session invalidated: we no longer hold the lock
                    log("agent %s: lock session lost" % self.name)
                    self.lost.set()
                    return
            except (OSError, urllib.error.URLError) as exc:
                log("agent %s: session renew error: %s" % (self.name, exc))

    def release(self):
        self._stop_renew.set()
        try:
            self.consul.kv_put(self.key, b"", "?release=" + self.sid)
        except (OSError, urllib.error.URLError) as exc:
            log("agent %s: lock release error: %s" % (self.name, exc))
        self._destroy()

    def _destroy(self):
        if self.sid:
            try:
                self.consul.session_destroy(self.sid)
            except (OSError, urllib.error.URLError):
                pass
            self.sid = None


def cmd_agent(name, once=False):
    schedule = Cron(os.environ.get("AGENT_SCHEDULE", "* * * * *"))
    duration = float(os.environ.get("AGENT_DURATION", "5"))
    lock_prefix = os.environ.get("AGENT_LOCK_KEY", "").strip()
    consul_addr = os.environ.get("CONSUL_HTTP_ADDR", "").strip()
    consul = Consul(consul_addr) if consul_addr else None
    if lock_prefix and not consul:
        raise SystemExit("AGENT_LOCK_KEY requires CONSUL_HTTP_ADDR")

    stop = threading.Event()
    state = {"thread": None}
    install_stop_signals(stop, "agent " + name)

    def run_once(scheduled):
        lock = None
        if lock_prefix:
            lock = AgentLock(consul, lock_prefix, name)
            try:
                if not lock.acquire(stop):
                    out("run skip %s %s %s lock %s/.lock held elsewhere" % (
                        name, iso(utc_now()), INSTANCE, lock_prefix.rstrip("/")))
                    return
            except (OSError, urllib.error.URLError, KeyError, ValueError) as exc:
                out("run skip %s %s %s lock error: %s" % (name, iso(utc_now()), INSTANCE, exc))
                return
        start = utc_now()
        out("run start %s %s %s" % (name, iso(start), INSTANCE))
        status = "ok"
        end_at = time.monotonic() + duration
        while True:
            left = end_at - time.monotonic()
            if left <= 0:
                break
            if stop.wait(min(left, 0.2)):
                status = "interrupted"
                break
            if lock and lock.lost.is_set():
                status = "lock-lost"
                break
        end = utc_now()
        # the record is written while the lock is still held
        if consul:
            key = "agents/%s/runs/%s" % (name, start.strftime("%Y%m%dT%H%M%S.%fZ"))
            try:
                consul.kv_put(key, json.dumps({"instance": INSTANCE, "start": iso(start), "end": iso(end)}))
            except (OSError, urllib.error.URLError) as exc:
                log("agent %s: could not write run record %s: %s" % (name, key, exc))
        if lock:
            lock.release()
        out("run end %s %s %s%s" % (name, iso(end), INSTANCE, "" if status == "ok" else " " + status))

    log("agent %s: version %s schedule %r duration %ss lock %s consul %s instance %s%s" % (
        name, VERSION, schedule.expr, duration, lock_prefix or "-", consul_addr or "-", INSTANCE,
        " (one run)" if once else ""))
    if once:
        # One run now, as a scheduler that starts a container per run (Chronos) wants.
        run_once(datetime.datetime.now())
        sys.stdout.flush()
        os._exit(0)
    nxt = schedule.next_after(datetime.datetime.now())
    while not stop.is_set():
        wait = (nxt - datetime.datetime.now()).total_seconds()
        if wait > 0:
            if stop.wait(min(wait, 1.0)):
                break
            continue
        running = state["thread"]
        if running is not None and running.is_alive():
            out("run skip %s %s %s previous run still going" % (name, iso(utc_now()), INSTANCE))
        else:
            t = threading.Thread(target=run_once, args=(nxt,), daemon=True)
            state["thread"] = t
            t.start()
        nxt = schedule.next_after(max(nxt, datetime.datetime.now().replace(microsecond=0)))
    running = state["thread"]
    if running is not None:
        running.join(timeout=SHUTDOWN_GRACE)
    sys.stdout.flush()
    os._exit(0)


# --------------------------------------------------------------------------

def usage():
    sys.stderr.write(__doc__)
    return 2


def main(argv):
    if len(argv) < 2:
        return usage()
    cmd = argv[1]
    if cmd == "serve" and len(argv) == 3:
        cmd_serve(argv[2])
        return 0
    if cmd == "ping" and len(argv) == 2:
        return cmd_ping()
    if cmd == "agent" and len(argv) == 3:
        cmd_agent(argv[2])
        return 0
    if cmd == "agent" and len(argv) == 4 and argv[3] == "--once":
        cmd_agent(argv[2], once=True)
        return 0
    if cmd == "health" and len(argv) == 3 and argv[2] in ("fail", "ok"):
        if argv[2] == "fail":
            with open(FAIL_FILE, "w") as f:
                f.write("failing\n")
        else:
            try:
                os.unlink(FAIL_FILE)
            except OSError:
                pass
        out(argv[2])
        return 0
    if cmd == "version":
        out(VERSION)
        return 0
    return usage()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
