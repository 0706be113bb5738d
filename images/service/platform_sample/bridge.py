"""The health of a sample service, as its checkers see it: `ping_self` (the `platform-service
ping` command: one connection, one ping) and the HTTP health bridge (the paper's HTTP-to-DISET
converter), so HTTP-only checkers (Consul, HAProxy) can follow a TCP service: a GET is answered
200 when the service's own ping succeeds, 503 otherwise, from one kept-open connection."""

import asyncio
import json
import socket
import time

from platform_agent import log

from . import proxy

MAX_HEAD = 65536  # bytes: the longest head the bridge, or the service (server.py), reads


def ping_request(port, proto, with_proxy, local_port):
    """The bytes of one ping of the service on `port`, over a new connection from `local_port`."""
    head = proxy.local_header(local_port, port) if with_proxy else b""
    if proto == "tcp":
        return head + b"ping\n"
    return head + (b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                   b"User-Agent: platform-service-ping\r\n\r\n")


def ping_self(port, proto, with_proxy, deadline=2.0):
    """Pings the service on its own port; returns (healthy, what it answered or the failure)."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=deadline)
    except OSError as exc:
        return False, "ping failed: %s" % exc
    try:
        sock.settimeout(deadline)
        sock.sendall(ping_request(port, proto, with_proxy, sock.getsockname()[1]))
        f = sock.makefile("rb")
        if proto == "tcp":
            line = f.readline(MAX_HEAD)
            try:
                reply = json.loads(line.decode())
            except ValueError:
                return False, "ping failed: bad reply %r" % line[:200]
            return reply.get("status") == "ok", json.dumps(reply)
        status_line = f.readline(MAX_HEAD).decode("latin-1")
        while f.readline(MAX_HEAD) not in (b"\r\n", b"\n", b""):
            pass
        try:
            reply = json.loads(f.read().decode())
        except ValueError:
            reply = {}
        code = status_line.split(" ")[1] if " " in status_line else ""
        return code == "200" and reply.get("status") == "ok", json.dumps(reply)
    except OSError as exc:
        return False, "ping failed: %s" % exc
    finally:
        sock.close()


class SelfPing:
    """The bridge's client of the service's own ping over one kept-open TCP connection (a `ping`
    line per check), so a check costs two small writes, not a connection and a process. A new
    connection after any failure.

    One ping at a time, shared: a check that comes while a ping is under way gets that ping's
    answer instead of queueing its own behind it. The balancers check every instance every
    200 ms and Consul every few seconds; queued one after another behind a slow ping, checks
    would wait longer than their own timeouts, and the pings of checkers that had long given up
    would still run, one by one, after the service was quick again."""

    SLOW = 0.5  # seconds: a ping slower than this is logged, as is every change of its outcome

    def __init__(self, port, with_proxy, timeout=2.0):
        self.port = port
        self.with_proxy = with_proxy
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
            if self.with_proxy:
                self.writer.write(proxy.local_header(self.writer.get_extra_info("sockname")[1], self.port))
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
    """One check: a request head in, 200 or 503 with the ping's answer out, then closed."""

    def __init__(self, pinger):
        self.pinger = pinger
        self.buf = b""
        self.started = False
        self.transport = None

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
        code, reason = (200, "OK") if ok else (503, "Service Unavailable")
        if not self.transport.is_closing():
            self.transport.write(("HTTP/1.0 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                                  % (code, reason, len(body))).encode() + body)
            self.transport.close()


async def serve(pinger, bind, port):
    """The bridge's server on `port`, answering each GET with `pinger`'s shared ping."""
    return await asyncio.get_running_loop().create_server(
        lambda: BridgeConnection(pinger), bind, port, reuse_address=True)
