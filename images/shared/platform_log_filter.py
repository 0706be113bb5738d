"""The health bridge's own pings, left out of a DIRAC service's log.

DIRAC logs every call a service serves at NOTICE: "Executing action (<peer>) RPC/ping(...)" and
"Returning response (<peer>) (0.00 secs) OK". The health bridge pings its service over the
loopback address each time a balancer checks the instance (about five times a second), so those
two lines were most of what an instance wrote: about 80 MB a day of the engine's log file
(920 bytes a second measured on the local stack), which filled a site engine's rotated log
files (10 MB, twice) within six hours, and went to the log store.

`dirac-platform serve` passes the service's standard output through `relay`, which drops the
pairs `BridgePings` recognises: a ping whose peer is the loopback address, and the OK response to
that same peer port. Everything else passes unchanged, in order, a line at a time: a client's
ping (its peer is a balancer's or a client's address), any other call over the loopback address,
and a bridge ping that fails (its response is kept, with its error).
"""

import re

_LOOPBACK = rb"(?:\[::ffff:127\.0\.0\.1\]|\[::1\]|127\.0\.0\.1)"
_EXECUTING = re.compile(rb" NOTICE: Executing action \(" + _LOOPBACK + rb":(\d+)\) (\S+?)\(")
_RESPONSE_OK = re.compile(
    rb" NOTICE: Returning response \(" + _LOOPBACK + rb":(\d+)\) \([0-9.]+ secs\) OK\r?\n?$"
)
# Ports of the bridge's pings still waiting for their response; past this many, the oldest are
# forgotten (a ping the service never answered).
_MOST_PENDING = 64


class BridgePings:
    """Tells the bridge's ping lines from the rest, one line (bytes) at a time."""

    def __init__(self):
        self.pending = []  # peer ports of the bridge's pings awaiting their response, oldest first

    def keep(self, line):
        executing = _EXECUTING.search(line)
        if executing:
            port, action = executing.group(1), executing.group(2)
            if port in self.pending:
                self.pending.remove(port)
            if action != b"RPC/ping":
                return True
            self.pending.append(port)
            del self.pending[:-_MOST_PENDING]
            return False
        response = _RESPONSE_OK.search(line)
        if response and response.group(1) in self.pending:
            self.pending.remove(response.group(1))
            return False
        return True


def relay(source, sink, keep):
    """Copies the lines of `source` (a binary stream) to `sink` that `keep` keeps, each flushed at
    once, until `source` ends. Reading never stops before then, whatever `keep` or `sink` raise
    (a line is then passed on, or lost when `sink` fails): the writer never blocks on a full pipe."""
    for line in iter(source.readline, b""):
        try:
            kept = keep(line)
        except Exception:
            kept = True
        if not kept:
            continue
        try:
            sink.write(line)
            sink.flush()
        except Exception:
            pass
