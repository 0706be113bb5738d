"""How a service instance leaves its balancers before it stops.

When an instance is replaced, the platform deregisters it from Consul, waits, then stops its
container. Each balancer drops the instance only once consul-template has rendered its new
configuration and HAProxy has reloaded, which on a busy host can come seconds after the
deregistration; a service that exits at SIGTERM meanwhile cuts the calls still sent to it. So
on SIGTERM the instance keeps its service running until its clients have gone: until no client
but this host itself has opened a connection to the instance's ports (the service's, and its
health bridge's, which every balancer that still holds the instance checks several times a
second), and none is open, for a quiet while; then the service gets the signal. An instance no
balancer holds any more is quiet at once; one a balancer still holds waits until it reloaded, at
most a bounded time.

Connections are read from the kernel's TCP tables of the container's network namespace: every
socket on those ports but the listening ones, whose peer is not a loopback address (the health
bridge pings the service on loopback). A call or a check that came and went between two looks is
still seen: the instance closes its end first, and such a socket stays in TIME_WAIT for a minute.
"""

import time

TCP_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")

# States of /proc/net/tcp (include/net/tcp_states.h) in which a connection still holds a call:
# established, half-open as it arrives, and closed by the client with the answer not yet sent.
OPEN_STATES = {"01", "03", "08"}
LISTEN = "0A"


def read_tcp_tables(paths=TCP_TABLES):
    """The rows of the kernel's TCP tables, headers left out; a table that cannot be read (no
    IPv6) is none."""
    rows = []
    for path in paths:
        try:
            with open(path) as f:
                rows.extend(f.read().splitlines()[1:])
        except OSError:
            pass
    return rows


def is_loopback(address):
    """Whether a table's hex address is loopback: 127.0.0.0/8 (its first byte is printed last),
    the same mapped into IPv6, or ::1."""
    if len(address) == 8 or address.startswith("0000000000000000FFFF0000"):
        return address.endswith("7F")
    return address == "00000000000000000000000001000000"


def peers(ports, rows):
    """The sockets of `rows` on the local `ports` whose peer is not loopback, listening ones left
    out: (local port, peer as `hexaddr:hexport`) to state."""
    found = {}
    for row in rows:
        fields = row.split()
        if len(fields) < 4:
            continue
        local, remote, state = fields[1], fields[2], fields[3]
        port = int(local.rsplit(":", 1)[1], 16)
        if state == LISTEN or port not in ports or is_loopback(remote.rsplit(":", 1)[0]):
            continue
        found[(port, remote)] = state
    return found


def wait_until_quiet(ports, quiet, longest, read=read_tcp_tables, clock=time.monotonic,
                     sleep=time.sleep, every=0.05):
    """Waits until, for `quiet` seconds, no client has opened a connection to `ports` and none is
    open, or until `longest` seconds have passed. Returns (quiet reached, seconds waited,
    connections seen opening meanwhile)."""
    start = clock()
    seen = set(peers(ports, read()))
    last_busy = start
    opened = 0
    while True:
        now = clock()
        current = peers(ports, read())
        new = set(current) - seen
        opened += len(new)
        seen |= new
        if new or any(state in OPEN_STATES for state in current.values()):
            last_busy = now
        if now - last_busy >= quiet:
            return True, now - start, opened
        if now - start >= longest:
            return False, now - start, opened
        sleep(every)
