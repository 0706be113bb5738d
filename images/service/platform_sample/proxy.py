"""The PROXY protocol (v1 text, v2 binary) as HAProxy sends it ahead of a connection's data:
parsed from the start of a buffer, and the v1 header of a connection from this host to itself."""

import socket
import struct

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
V1_PREFIX = b"PROXY "
V1_MAX = 107  # bytes, the CRLF included


class ProxyHeaderError(Exception):
    pass


def parse(buf):
    """The PROXY header at the start of `buf`: (bytes it takes, the client's address, or None for
    LOCAL and UNKNOWN), or None while `buf` holds too little to tell. Raises ProxyHeaderError
    when no valid header is there."""
    if buf[:12] == V2_SIGNATURE[:min(12, len(buf))] and len(buf) < 16:
        return None
    if buf[:12] == V2_SIGNATURE:
        return _parse_v2(buf)
    if not buf.startswith(V1_PREFIX[:len(buf)]):
        raise ProxyHeaderError("missing PROXY header")
    return _parse_v1(buf)


def _parse_v2(buf):
    ver_cmd, family = buf[12], buf[13]
    (length,) = struct.unpack("!H", buf[14:16])
    if len(buf) < 16 + length:
        return None
    body = buf[16:16 + length]
    if ver_cmd >> 4 != 2:
        raise ProxyHeaderError("bad PROXY v2 version")
    command = ver_cmd & 0x0F
    if command == 0:  # LOCAL: the proxy's own connection (a health check)
        return 16 + length, None
    if command != 1:
        raise ProxyHeaderError("bad PROXY v2 command")
    af = family >> 4
    if af == 1 and length >= 12:
        return 16 + length, socket.inet_ntop(socket.AF_INET, body[0:4])
    if af == 2 and length >= 36:
        return 16 + length, socket.inet_ntop(socket.AF_INET6, body[0:16])
    return 16 + length, None  # AF_UNSPEC, AF_UNIX


def _parse_v1(buf):
    end = buf.find(b"\n")
    if end < 0:
        if len(buf) > V1_MAX:
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


def may_start_header(buf):
    """True while `buf` could still be the start of a PROXY header."""
    n = min(len(buf), 12)
    return buf[:n] == V2_SIGNATURE[:n] or buf[:min(n, 6)] == V1_PREFIX[:min(n, 6)]


def local_header(local_port, port):
    """The v1 header of a connection from this host to itself (`local_port` to `port`)."""
    return ("PROXY TCP4 127.0.0.1 127.0.0.1 %d %d\r\n" % (local_port, port)).encode()
