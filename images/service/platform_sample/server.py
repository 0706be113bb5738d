"""The sample service: HTTP/1.1 (keep-alive, Content-Length bodies) or one JSON line per line
of TCP, behind an optional PROXY header, on one event loop with no thread per connection
(health checks arrive several times a second from every balancer, each on a new connection: a
thread and a parser per connection cost about 0.4 ms of CPU each, the loop a fraction of that).

HTTP: GET /ping (200, or 503 while failing), any other GET (the client's address), POST /calls
(a call that changes something, never retried by the balancers), POST /admin/health?state=fail|ok.
TCP: `ping`, `health fail|ok`, any other line (the client's address).
"""

import asyncio
import json
import os
import signal
import socket
import sys
import time
import urllib.parse
from typing import NamedTuple

from platform_agent import log, out

from . import bridge, proxy
from .health import Health

SHUTDOWN_GRACE = 1.8  # seconds; the process must exit within 2 s of SIGTERM
MAX_HEAD = bridge.MAX_HEAD  # the longest request head or body either server reads
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 413: "Payload Too Large",
           431: "Request Header Fields Too Large", 503: "Service Unavailable"}


class Settings(NamedTuple):
    name: str
    port: int
    proto: str  # http | tcp
    bind: str
    proxy_required: bool
    access_log: bool
    check_port: int  # the HTTP health bridge's port, 0 for none
    version: str
    instance: str


def _flag(value):
    return value.strip().lower() in ("1", "true", "yes", "on")


def settings_from_env(name):
    """The service's settings from its environment (SERVICE_*, PLATFORM_VERSION)."""
    env = os.environ
    proto = env.get("SERVICE_PROTOCOL", "http").strip().lower()
    if proto not in ("http", "tcp"):
        raise SystemExit("SERVICE_PROTOCOL must be http or tcp, got %r" % proto)
    check_port = int(env.get("SERVICE_CHECK_PORT", "").strip() or 0)
    if check_port and proto != "tcp":
        raise SystemExit("SERVICE_CHECK_PORT: the HTTP bridge is for TCP services (an HTTP service is checked on its own port)")
    return Settings(name=name, port=int(env.get("SERVICE_PORT", "8080")), proto=proto,
                    bind=env.get("SERVICE_BIND", "0.0.0.0"),
                    proxy_required=_flag(env.get("SERVICE_PROXY_PROTOCOL", "0")),
                    access_log=env.get("SERVICE_ACCESS_LOG", "1") != "0", check_port=check_port,
                    version=env.get("PLATFORM_VERSION", "0.0.0"),
                    instance=env.get("SERVICE_INSTANCE") or socket.gethostname())


class Service:
    """What a connection needs to know about the service it belongs to."""

    def __init__(self, settings):
        self.settings = settings
        self.health = Health()
        self.conns = set()
        self.draining = False

    def reply(self, **fields):
        s = self.settings
        return dict({"service": s.name, "instance": s.instance, "version": s.version}, **fields)


class Connection(asyncio.Protocol):
    """One client connection: an optional PROXY header, then HTTP requests or TCP lines."""

    def __init__(self, service):
        self.svc = service
        self.settings = service.settings
        self.buf = b""
        self.transport = None
        self.peer = "-"
        self.proxy_client = None
        # In TCP mode a PROXY header is also accepted when not required.
        self.header_pending = service.settings.proxy_required or service.settings.proto == "tcp"

    def connection_made(self, transport):
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = peer[0] if peer else "-"
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
            if self.settings.proto == "http":
                self.serve_http()
            else:
                self.serve_lines()
        except proxy.ProxyHeaderError as exc:
            log("%s: rejecting connection from %s: %s" % (self.settings.name, self.peer, exc))
            self.transport.abort()

    def take_proxy_header(self):
        """Consumes the PROXY header; False while more bytes are needed."""
        optional = not self.settings.proxy_required
        if optional and not proxy.may_start_header(self.buf):
            self.header_pending = False
            return True
        if optional and len(self.buf) < 6:
            return False
        parsed = proxy.parse(self.buf)
        if parsed is None:
            return False
        used, self.proxy_client = parsed
        self.buf = self.buf[used:]
        self.header_pending = False
        return True

    def client(self, headers=None):
        # The load balancer appends the address it saw to X-Forwarded-For: the last entry is
        # the one to trust (earlier entries come from the client and can be forged).
        last = (headers or {}).get("x-forwarded-for", "").split(",")[-1].strip()
        return last or self.proxy_client or self.peer

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
                self.svc.health.set_failing(cmd.endswith("fail"))
            if cmd == "ping" or cmd.startswith("health "):
                obj = self.svc.reply(status=self.svc.health.status())
            else:
                obj = self.svc.reply(client=self.client())
            self.transport.write((json.dumps(obj) + "\n").encode())
            if self.settings.access_log and cmd != "ping":
                log("%s %s %r" % (self.settings.name, self.client(), cmd[:80]))
            if self.svc.draining:
                self.close()

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
            if self.settings.access_log and urllib.parse.urlsplit(target).path != "/ping":
                log('%s %s "%s" %d -' % (self.settings.name, self.client(headers), head[0], code))

    def route(self, method, target, headers):
        parts = urllib.parse.urlsplit(target)
        health = self.svc.health
        if method in ("GET", "HEAD"):
            if parts.path == "/ping":
                status = health.status()
                return (503 if status == "failing" else 200), self.svc.reply(status=status)
            return 200, self.svc.reply(client=self.client(headers), path=target)
        if method == "POST" and parts.path == "/calls":
            return 200, self.svc.reply(client=self.client(headers), path=target, method=method)
        if method == "POST" and parts.path == "/admin/health":
            state = (urllib.parse.parse_qs(parts.query).get("state") or [""])[0]
            if state not in ("fail", "ok"):
                return 400, {"error": "state must be fail or ok"}
            health.set_failing(state == "fail")
            log("%s: health state set to %s by %s" % (self.settings.name, state, self.client(headers)))
            return 200, self.svc.reply(status=health.status())
        return 404, {"error": "not found", "path": target}

    def respond(self, code, obj, method, keep):
        body = (json.dumps(obj) + "\n").encode()
        head = ["HTTP/1.1 %d %s" % (code, REASONS.get(code, "")),
                "Server: platform-service/" + self.settings.version,
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


async def _drain(svc, servers, stopping):
    """On a stop signal: stop accepting; idle keep-alive connections end now, a connection with
    a request under way once answered, and whatever is left after the grace is cut."""
    await stopping.wait()
    name = svc.settings.name
    log("%s: received a stop signal, shutting down" % name)
    t0 = time.monotonic()
    svc.draining = True
    for server in servers:
        server.close()
    while svc.conns and time.monotonic() - t0 < SHUTDOWN_GRACE:
        for c in [c for c in svc.conns if c.idle()]:
            c.close()
        await asyncio.sleep(0.02)
    if svc.conns:
        log("%s: %d connection(s) still busy after %.1fs; closing" % (name, len(svc.conns), SHUTDOWN_GRACE))
        for c in list(svc.conns):
            c.transport.abort()


def serve_forever(settings):
    """Serves until SIGTERM or SIGINT, then drains and exits the process (status 0)."""
    svc = Service(settings)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    servers = [loop.run_until_complete(loop.create_server(
        lambda: Connection(svc), settings.bind, settings.port, reuse_address=True, backlog=128))]
    if settings.check_port:
        pinger = bridge.SelfPing(settings.port, settings.proxy_required)
        servers.append(loop.run_until_complete(bridge.serve(pinger, settings.bind, settings.check_port)))
        log("%s: health bridge on port %d" % (settings.name, settings.check_port))
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    log("%s: serving version %s on %s:%d (%s%s) instance %s" % (
        settings.name, settings.version, settings.bind, settings.port, settings.proto,
        ", PROXY protocol required" if settings.proxy_required else "", settings.instance))
    out("serving %s %s %s:%d %s" % (settings.name, settings.version, settings.bind, settings.port, settings.proto))
    loop.run_until_complete(_drain(svc, servers, stopping))
    log("%s: stopped" % settings.name)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
