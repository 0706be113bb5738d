#!/usr/bin/env python3
"""platform-service: one executable that acts as any platform service or agent.

Usage:
  platform-service serve [NAME]    run service NAME (HTTP or line-based TCP);
                                   default: SERVICE_NAME
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
  AGENT_DURATION=5             seconds each run works; when and where it runs
                               (AGENT_RUN, AGENT_SCHEDULE, the Consul lock) is
                               platform_agent's, shared with the DIRAC image
Common: PLATFORM_VERSION (baked into the image).

Python 3 standard library only, and platform_agent (images/shared), installed beside it.
"""

import asyncio
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse

import platform_agent
from platform_agent import log, out

VERSION = os.environ.get("PLATFORM_VERSION", "0.0.0")
INSTANCE = os.environ.get("SERVICE_INSTANCE") or socket.gethostname()
FAIL_FILE = os.environ.get("SERVICE_FAIL_FILE", "/tmp/platform-service.failing")
SHUTDOWN_GRACE = 1.8  # seconds; the process must exit within 2 s of SIGTERM

PROXY_V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def env_port():
    return int(os.environ.get("SERVICE_PORT", "8080"))


def env_protocol():
    proto = os.environ.get("SERVICE_PROTOCOL", "http").strip().lower()
    if proto not in ("http", "tcp"):
        raise SystemExit("SERVICE_PROTOCOL must be http or tcp, got %r" % proto)
    return proto


def env_proxy_required():
    return os.environ.get("SERVICE_PROXY_PROTOCOL", "0").strip().lower() in ("1", "true", "yes", "on")


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
# PROXY protocol (v1 text, v2 binary), parsed from the start of a buffer
# --------------------------------------------------------------------------

class ProxyHeaderError(Exception):
    pass


def parse_proxy_header(buf):
    """A PROXY v1/v2 header at the start of `buf`.

    Returns (bytes consumed, source address or None for LOCAL/UNKNOWN), or None
    while `buf` holds too little to tell. Raises ProxyHeaderError when no valid
    header is there.
    """
    if buf[:12] == PROXY_V2_SIG[:min(12, len(buf))] and len(buf) < 16:
        return None
    if buf[:12] == PROXY_V2_SIG:
        ver_cmd, fam = buf[12], buf[13]
        (length,) = struct.unpack("!H", buf[14:16])
        if len(buf) < 16 + length:
            return None
        body = buf[16:16 + length]
        if ver_cmd >> 4 != 2:
            raise ProxyHeaderError("bad PROXY v2 version")
        cmd = ver_cmd & 0x0F
        if cmd == 0:  # LOCAL (e.g. health checks from the proxy itself)
            return 16 + length, None
        if cmd != 1:
            raise ProxyHeaderError("bad PROXY v2 command")
        af = fam >> 4
        if af == 1 and length >= 12:
            return 16 + length, socket.inet_ntop(socket.AF_INET, body[0:4])
        if af == 2 and length >= 36:
            return 16 + length, socket.inet_ntop(socket.AF_INET6, body[0:16])
        return 16 + length, None  # AF_UNSPEC / AF_UNIX
    if not buf.startswith(b"PROXY "[:len(buf)]):
        raise ProxyHeaderError("missing PROXY header")
    end = buf.find(b"\n")
    if end < 0:
        if len(buf) >= 108:
            raise ProxyHeaderError("PROXY v1 header too long")
        return None
    line = buf[:end + 1]
    if not line.endswith(b"\r\n"):
        raise ProxyHeaderError("PROXY v1 header not terminated by CRLF")
    parts = line[:-2].decode("ascii", "replace").split(" ")
    if len(parts) >= 2 and parts[1] == "UNKNOWN":
        return end + 1, None
    if len(parts) != 6 or parts[1] not in ("TCP4", "TCP6"):
        raise ProxyHeaderError("malformed PROXY v1 header: %r" % line)
    return end + 1, parts[2]


def may_be_proxy_header(buf):
    """True while `buf` could still be the start of a PROXY header."""
    n = min(len(buf), 12)
    return buf[:n] == PROXY_V2_SIG[:n] or buf[:min(n, 6)] == b"PROXY "[:min(n, 6)]


# --------------------------------------------------------------------------
# serve: one event loop, no thread per connection
# --------------------------------------------------------------------------
# Health checks arrive several times a second from every balancer and from
# consul-esm, each on a new connection: a thread and a header parser per
# connection cost about 0.4 ms of CPU each, an event loop a fraction of that.

MAX_HEAD = 65536
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 413: "Payload Too Large",
           431: "Request Header Fields Too Large", 503: "Service Unavailable"}


class Service:
    """What a connection needs to know about the service it belongs to."""

    def __init__(self, name, proto, proxy_required, access_log):
        self.name = name
        self.proto = proto
        self.proxy_required = proxy_required
        self.access_log = access_log
        self.conns = set()
        self.draining = False

    def reply(self, **fields):
        return dict({"service": self.name, "instance": INSTANCE, "version": VERSION}, **fields)

    def status(self):
        return "failing" if HEALTH.failing() else "ok"


class Connection(asyncio.Protocol):
    """One client connection: an optional PROXY header, then HTTP/1.1 requests
    (keep-alive, Content-Length bodies) or lines of the TCP protocol."""

    def __init__(self, service):
        self.svc = service
        self.buf = b""
        self.transport = None
        self.peer = "-"
        self.proxy_client = None
        self.header_pending = service.proxy_required

    def connection_made(self, transport):
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = peer[0] if peer else "-"
        # In TCP mode a PROXY header is also accepted when not required.
        if self.svc.proto == "tcp":
            self.header_pending = True
        self.svc.conns.add(self)

    def connection_lost(self, exc):
        self.svc.conns.discard(self)

    def idle(self):
        return self.buf == b"" and not self.header_pending

    def close(self):
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data):
        self.buf += data
        try:
            if self.header_pending and not self.take_proxy_header():
                return
            if self.svc.proto == "http":
                self.serve_http()
            else:
                self.serve_lines()
        except ProxyHeaderError as exc:
            log("%s: rejecting connection from %s: %s" % (self.svc.name, self.peer, exc))
            self.transport.abort()

    def take_proxy_header(self):
        """Consumes the PROXY header; False while more bytes are needed."""
        if not self.svc.proxy_required and not may_be_proxy_header(self.buf):
            self.header_pending = False
            return True
        if not self.svc.proxy_required and len(self.buf) < 6 and may_be_proxy_header(self.buf):
            return False
        parsed = parse_proxy_header(self.buf)
        if parsed is None:
            return False
        used, self.proxy_client = parsed
        self.buf = self.buf[used:]
        self.header_pending = False
        return True

    # ---- TCP: one line in, one JSON line out ------------------------------

    def serve_lines(self):
        while not self.transport.is_closing():
            end = self.buf.find(b"\n")
            if end < 0:
                if len(self.buf) > MAX_HEAD:
                    self.transport.abort()
                return
            line, self.buf = self.buf[:end], self.buf[end + 1:]
            cmd = line.decode("utf-8", "replace").strip()
            if cmd in ("health fail", "health ok"):
                HEALTH.set_failing(cmd.endswith("fail"))
            if cmd == "ping" or cmd.startswith("health "):
                obj = self.svc.reply(status=self.svc.status())
            else:
                obj = self.svc.reply(client=self.proxy_client or self.peer)
            self.transport.write((json.dumps(obj) + "\n").encode())
            if self.svc.access_log and cmd != "ping":
                log("%s %s %r" % (self.svc.name, self.proxy_client or self.peer, cmd[:80]))
            if self.svc.draining:
                self.close()

    # ---- HTTP --------------------------------------------------------------

    def serve_http(self):
        while not self.transport.is_closing():
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > MAX_HEAD:
                    self.respond_close(431, {"error": "request head too large"})
                return
            head = self.buf[:end].decode("latin-1").split("\r\n")
            parts = head[0].split(" ")
            if len(parts) != 3 or not parts[2].startswith("HTTP/"):
                self.respond_close(400, {"error": "bad request line"})
                return
            headers = {}
            for h in head[1:]:
                k, _, v = h.partition(":")
                headers[k.strip().lower()] = v.strip()
            try:
                length = int(headers.get("content-length") or 0)
            except ValueError:
                self.respond_close(400, {"error": "bad Content-Length"})
                return
            if length > MAX_HEAD:
                self.respond_close(413, {"error": "body too large"})
                return
            if len(self.buf) < end + 4 + length:
                return
            self.buf = self.buf[end + 4 + length:]
            method, target, version = parts
            conn = headers.get("connection", "").lower()
            keep = conn != "close" and (version == "HTTP/1.1" or conn == "keep-alive")
            code, obj = self.route(method, target, headers)
            self.respond(code, obj, method, keep and not self.svc.draining)
            if self.svc.access_log and urllib.parse.urlsplit(target).path != "/ping":
                log('%s %s "%s" %d -' % (self.svc.name, self.proxy_client or self.peer, head[0], code))

    def client(self, headers):
        # The load balancer appends the address it saw to X-Forwarded-For: the last entry is
        # the one to trust (earlier entries come from the client and can be forged).
        last = headers.get("x-forwarded-for", "").split(",")[-1].strip()
        return last or self.proxy_client or self.peer

    def route(self, method, target, headers):
        parts = urllib.parse.urlsplit(target)
        if method in ("GET", "HEAD"):
            if parts.path == "/ping":
                status = self.svc.status()
                return (503 if status == "failing" else 200), self.svc.reply(status=status)
            return 200, self.svc.reply(client=self.client(headers), path=target)
        if method == "POST" and parts.path == "/calls":
            # A call that changes something (what a DIRAC write is): the balancers never retry it.
            return 200, self.svc.reply(client=self.client(headers), path=target, method=method)
        if method == "POST" and parts.path == "/admin/health":
            state = (urllib.parse.parse_qs(parts.query).get("state") or [""])[0]
            if state not in ("fail", "ok"):
                return 400, {"error": "state must be fail or ok"}
            HEALTH.set_failing(state == "fail")
            log("%s: health state set to %s by %s" % (self.svc.name, state, self.client(headers)))
            return 200, self.svc.reply(status=self.svc.status())
        return 404, {"error": "not found", "path": target}

    def respond(self, code, obj, method, keep):
        body = (json.dumps(obj) + "\n").encode()
        head = ["HTTP/1.1 %d %s" % (code, REASONS.get(code, "")),
                "Server: platform-service/" + VERSION,
                "Content-Type: application/json",
                "Content-Length: %d" % len(body),
                "Cache-Control: no-store"]
        if not keep:
            head.append("Connection: close")
        # The status line, the headers and the body leave in one write: once in the socket's
        # buffer the kernel delivers them even if this process is killed the next instant,
        # so a crash never cuts a response half-way (a proxy can retry a request that got
        # no answer, not one whose answer it has begun to forward).
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode() + (b"" if method == "HEAD" else body))
        if not keep:
            self.close()

    def respond_close(self, code, obj):
        self.buf = b""
        self.respond(code, obj, "GET", False)


def serve_forever(name, proto, port, bind, proxy_required, access_log):
    svc = Service(name, proto, proxy_required, access_log)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(lambda: Connection(svc), bind, port, reuse_address=True, backlog=128))
    bridge = start_check_bridge(loop, name)
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    log("%s: serving version %s on %s:%d (%s%s) instance %s" % (
        name, VERSION, bind, port, proto, ", PROXY protocol required" if proxy_required else "", INSTANCE))
    out("serving %s %s %s:%d %s" % (name, VERSION, bind, port, proto))

    async def drain():
        await stopping.wait()
        log("%s: received a stop signal, shutting down" % name)
        t0 = time.monotonic()
        svc.draining = True
        server.close()  # stop accepting
        if bridge is not None:
            bridge.close()
        # Idle keep-alive connections end now; one with a request under way ends once answered.
        while svc.conns and time.monotonic() - t0 < SHUTDOWN_GRACE:
            for c in [c for c in svc.conns if c.idle()]:
                c.close()
            await asyncio.sleep(0.02)
        if svc.conns:
            log("%s: %d connection(s) still busy after %.1fs; closing" % (name, len(svc.conns), SHUTDOWN_GRACE))
            for c in list(svc.conns):
                c.transport.abort()

    loop.run_until_complete(drain())
    log("%s: stopped" % name)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def cmd_serve(name):
    serve_forever(name, env_protocol(), env_port(), os.environ.get("SERVICE_BIND", "0.0.0.0"),
                  env_proxy_required(), os.environ.get("SERVICE_ACCESS_LOG", "1") != "0")


# --------------------------------------------------------------------------
# ping (health check command, and the HTTP bridge's persistent client)
# --------------------------------------------------------------------------

def cmd_ping():
    ok, text = ping_self()
    out(text)
    return 0 if ok else 1


def local_proxy_header(local_port, port):
    """The PROXY v1 header of a connection from this host to itself (`local_port` to `port`)."""
    return ("PROXY TCP4 127.0.0.1 127.0.0.1 %d %d\r\n" % (local_port, port)).encode()


def ping_request(port, proto, proxy, local_port):
    """The bytes of one ping of the service on `port`, over a new connection from `local_port`."""
    head = local_proxy_header(local_port, port) if proxy else b""
    if proto == "tcp":
        return head + b"ping\n"
    return head + (b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                   b"User-Agent: platform-service-ping\r\n\r\n")


def ping_self():
    """Pings the service on its own port; returns (healthy, what it answered or the failure)."""
    port = env_port()
    proto = env_protocol()
    deadline = 2.0
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=deadline)
    except OSError as exc:
        return False, "ping failed: %s" % exc
    try:
        sock.settimeout(deadline)
        sock.sendall(ping_request(port, proto, env_proxy_required(), sock.getsockname()[1]))
        f = sock.makefile("rb")
        if proto == "tcp":
            line = f.readline(65536)
            try:
                reply = json.loads(line.decode())
            except ValueError:
                return False, "ping failed: bad reply %r" % line[:200]
            return reply.get("status") == "ok", json.dumps(reply)
        status_line = f.readline(65536).decode("latin-1")
        while f.readline(65536) not in (b"\r\n", b"\n", b""):
            pass
        body = f.read()
        try:
            reply = json.loads(body.decode())
        except ValueError:
            reply = {}
        code = status_line.split(" ")[1] if status_line.count(" ") >= 1 else ""
        return code == "200" and reply.get("status") == "ok", json.dumps(reply)
    except OSError as exc:
        return False, "ping failed: %s" % exc
    finally:
        sock.close()


class SelfPing:
    """The bridge's client of the service's own ping over one kept-open TCP connection (TCP
    services: a `ping` line per check), so a check costs two small writes, not a connection and
    a process. A new connection after any failure.

    One ping at a time, shared: a check that comes while a ping is under way gets that ping's
    answer instead of queueing its own behind it. The balancers check every instance every
    200 ms and Consul every few seconds; queued one after another behind a slow ping, checks
    would wait longer than their own timeouts, and the pings of checkers that had long given up
    would still run, one by one, after the service was quick again."""

    SLOW = 0.5  # seconds: a ping slower than this is logged, as is every change of its outcome

    def __init__(self, port, proxy, timeout=2.0):
        self.port = port
        self.proxy = proxy
        self.timeout = timeout
        self.reader = None
        self.writer = None
        self.under_way = None
        self.last_ok = None

    async def ping(self):
        if self.under_way is None:
            self.under_way = asyncio.ensure_future(self._timed_ping())
            self.under_way.add_done_callback(self._done)
        # shield: a checker that leaves does not cancel the ping the others wait for
        return await asyncio.shield(self.under_way)

    def _done(self, _future):
        self.under_way = None

    async def _timed_ping(self):
        started = time.monotonic()
        try:
            result = await asyncio.wait_for(self._ping(), self.timeout)
        except (OSError, asyncio.TimeoutError, ValueError) as exc:
            self.drop()
            result = False, "ping failed: %s" % (exc or type(exc).__name__)
        took = time.monotonic() - started
        if took > self.SLOW or result[0] != self.last_ok:
            log("health bridge: ping %s after %.3f s: %s" % ("ok" if result[0] else "failed", took, result[1]))
        self.last_ok = result[0]
        return result

    async def _ping(self):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            if self.proxy:
                self.writer.write(local_proxy_header(self.writer.get_extra_info("sockname")[1], self.port))
        self.writer.write(b"ping\n")
        line = await self.reader.readline()
        if not line:
            raise OSError("connection closed")
        reply = json.loads(line.decode())
        return reply.get("status") == "ok", json.dumps(reply)

    def drop(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class BridgeConnection(asyncio.Protocol):
    """GET on the bridge port: 200 when the service's own ping succeeds, 503 otherwise."""

    def __init__(self, pinger):
        self.pinger = pinger
        self.buf = b""
        self.started = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buf += data
        if self.started or b"\r\n\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD:
                self.transport.abort()
            return
        self.started = True
        asyncio.ensure_future(self.answer())

    async def answer(self):
        ok, text = await self.pinger.ping()
        body = (text + "\n").encode()
        code = 200 if ok else 503
        if not self.transport.is_closing():
            self.transport.write(("HTTP/1.0 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                                  % (code, REASONS[code], len(body))).encode() + body)
            self.transport.close()


def start_check_bridge(loop, name):
    """The HTTP health bridge on SERVICE_CHECK_PORT (the paper's HTTP-to-DISET converter), so
    HTTP-only checkers (Consul, HAProxy) can follow a service that speaks another protocol."""
    port = os.environ.get("SERVICE_CHECK_PORT", "").strip()
    if not port:
        return None
    if env_protocol() != "tcp":
        raise SystemExit("SERVICE_CHECK_PORT: the HTTP bridge is for TCP services (an HTTP service is checked on its own port)")
    pinger = SelfPing(env_port(), env_proxy_required())
    server = loop.run_until_complete(loop.create_server(lambda: BridgeConnection(pinger), "0.0.0.0", int(port), reuse_address=True))
    log("%s: health bridge on port %s" % (name, port))
    return server


def cmd_agent(name, once=False):
    """A sample agent: each run works AGENT_DURATION seconds (default 5); how and when it runs
    is platform_agent's (AGENT_RUN, AGENT_SCHEDULE, the Consul lock)."""
    platform_agent.run_agent(name, platform_agent.sleeping(float(os.environ.get("AGENT_DURATION", "5"))), once)


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
    if cmd == "serve" and len(argv) == 2 and os.environ.get("SERVICE_NAME"):
        cmd_serve(os.environ["SERVICE_NAME"])
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
