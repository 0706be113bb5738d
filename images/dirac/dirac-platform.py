#!/usr/bin/env python3
"""dirac-platform: how the platform runs DIRAC's own programs in the one DIRAC image.

Usage:
  dirac-platform serve System/Component   run `dirac-service System/Component`; with
                                          SERVICE_CHECK_PORT set, also the HTTP health bridge
  dirac-platform agent System/Agent [--once]
                                          run `dirac-agent System/Agent` as platform_agent says
                                          (AGENT_RUN: a singleton loop under the agent's Consul
                                          lock, or one cycle, MaxCycles=1, per firing of
                                          AGENT_SCHEDULE); --once: one cycle now, then exit
  dirac-platform ping URL                 one DISET ping of URL (dip://host:port/System/Component);
                                          exit 0 when it answers
  dirac-platform version                  print DIRAC's and LHCbDIRAC's versions

The health bridge answers every HTTP GET with 200 when a DISET ping of the local service
(dip://127.0.0.1:SERVICE_PORT/System/Component) answers within SERVICE_CHECK_TIMEOUT seconds
(default 1), else 503 with the reason. The bridge speaks DISET itself (DIRAC's plain-TCP `dip`
protocol): no process is started per check, DIRAC is not imported, and checks that arrive within
SERVICE_CHECK_CACHE_SECONDS (default 0.25) of a ping share its answer. The service's
configuration is DIRAC's own file, $DIRAC_ROOT_PATH/etc/dirac.cfg (the platform uploads it).
"""

import importlib.metadata
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import platform_check_server
import platform_drain
import platform_log_filter

STOP_GRACE_SECONDS = 8  # the platform gives a container 10 s after SIGTERM
# A service's drain at SIGTERM (platform_drain): passed on once no client or checker has come for
# this long (HAProxy checks an instance every 0.2 s, 0.5 s while down, so a balancer that still
# holds it is never this quiet), or after the longest wait, which leaves DIRAC the rest of the
# grace period to stop.
DRAIN_QUIET_SECONDS = 1.0
DRAIN_LONGEST_SECONDS = 6
# How long the service's last lines may take to be relayed once it has ended.
RELAY_DRAIN_SECONDS = 1
DIRAC_VERSION = importlib.metadata.version("DIRAC")  # what the bridge's pings say they speak


def log(msg):
    sys.stderr.write("dirac-platform: %s\n" % msg)
    sys.stderr.flush()


class DisetError(Exception):
    """A DISET exchange that ended without the service's answer."""


def send_frame(sock, value):
    """One DISET frame: the length in bytes of the value's JSON, ':', the JSON (DIRAC 9's encoding)."""
    data = json.dumps(value).encode()
    sock.sendall(b"%d:%s" % (len(data), data))


def receive_frame(sock, deadline):
    """The next frame's value, keep-alive frames (`dka` and a frame) dropped; DisetError when the
    connection ends first or sends no frame, socket.timeout once `deadline` has passed."""
    buf = b""
    while True:
        keep_alive = buf.startswith(b"dka")
        head, colon, rest = buf[3 if keep_alive else 0 :].partition(b":")
        if colon and head.isdigit() and len(rest) >= int(head):
            if not keep_alive:
                return json.loads(rest[: int(head)])
            buf = rest[int(head) :]
            continue
        if not colon and len(buf) > 23:
            raise DisetError("not a DISET answer: %r" % buf[:23])
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        sock.settimeout(left)
        chunk = sock.recv(65536)
        if not chunk:
            raise DisetError("the service closed the connection")
        buf += chunk


def diset_ping(url, timeout):
    """One DISET `ping` RPC of `url` (dip://host:port/System/Component), as DIRAC's own client
    makes it: the proposal, the service's acceptance, the (empty) arguments, the result. The
    service's result; socket.timeout once `timeout` seconds have passed without it (a hung
    service keeps the connection open and says nothing); OSError when the port takes no
    connection. No retry: the next check is the next try."""
    parts = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + timeout
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        proposal = [[parts.path[1:], "None", "unknown"], ["RPC", "ping"], "", DIRAC_VERSION]
        send_frame(sock, {"OK": True, "Value": proposal})
        accepted = receive_frame(sock, deadline)
        if not accepted.get("OK"):
            return accepted
        send_frame(sock, {"OK": True, "Value": []})
        return receive_frame(sock, deadline)


class Pinger:
    """DISET pings of one service, with no process started per check and without DIRAC's client
    (whose import would double the instance's memory, and whose ping cost the bridge 10 ms of CPU
    a second on an idle instance: measured). Every ping is bounded by the timeout on its socket.
    Called from the bridge's one thread (platform_check_server): checks that waited while a ping
    ran, and any within `cache_seconds` of it, get its answer."""

    def __init__(self, url, timeout, cache_seconds):
        self.url = url
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self.last = (-cache_seconds, False, "not pinged yet")

    def answer(self):
        """(healthy, reason): the last ping's result if it is recent enough, else a new ping's."""
        at, ok, reason = self.last
        if time.monotonic() - at < self.cache_seconds:
            return ok, reason
        ok, reason = self.ping()
        self.last = (time.monotonic(), ok, reason)
        return ok, reason

    def ping(self):
        started = time.monotonic()
        try:
            answer = diset_ping(self.url, self.timeout)
        except socket.timeout:
            return False, "ping of %s unanswered after %.1fs (limit %ss)" % (
                self.url,
                time.monotonic() - started,
                self.timeout,
            )
        except ConnectionError as e:
            return False, "ping of %s: no connection: %s" % (self.url, e)
        except (OSError, DisetError, ValueError) as e:
            return False, "ping of %s failed: %s" % (self.url, e)
        took = time.monotonic() - started
        if not answer.get("OK"):
            return False, "ping of %s failed after %.2fs: %s" % (self.url, took, answer.get("Message"))
        return True, "ping of %s answered in %.1f ms" % (self.url, took * 1000)


def start_bridge(component, port):
    url = "dip://127.0.0.1:%s/%s" % (os.environ.get("SERVICE_PORT", "9135"), component)
    timeout = float(os.environ.get("SERVICE_CHECK_TIMEOUT", "1"))
    cache = float(os.environ.get("SERVICE_CHECK_CACHE_SECONDS", "0.25"))
    server = platform_check_server.CheckServer(
        platform_check_server.listening_socket(port), Pinger(url, timeout, cache).answer
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log("health bridge on :%d pings %s" % (port, url))


def run_child(argv, drain_ports=(), keep_line=None):
    """Runs DIRAC's program as a child: SIGTERM and SIGINT are passed on, and the child is killed
    if it still runs STOP_GRACE_SECONDS later; exits with its status. With `drain_ports`, the first
    signal is passed on only once their clients have gone (platform_drain), at most
    DRAIN_LONGEST_SECONDS later; a second one at once. The handler only signals, arms the alarm
    or starts the drain's thread: a wait of its own would queue behind the main thread's, which
    holds the child's wait lock, and last the whole grace period whenever the child exits at once.
    A child ended by a signal exits as a shell reports it: 128 + the signal (143 for SIGTERM, 137
    for SIGKILL). With `keep_line`, the child's standard output is relayed line by line
    (platform_log_filter.relay), without the lines it does not keep, until the child and whatever
    holds its output end (at most RELAY_DRAIN_SECONDS after the child)."""
    child = subprocess.Popen(argv, stdout=subprocess.PIPE if keep_line else None)
    relaying = None
    if keep_line:
        relaying = threading.Thread(
            target=platform_log_filter.relay,
            args=(child.stdout, sys.stdout.buffer, keep_line),
            daemon=True,
        )
        relaying.start()
    stopping = {"draining": False, "passed_on": False}

    def pass_on(signum, waited):
        stopping["passed_on"] = True
        child.send_signal(signum)
        signal.alarm(max(1, int(STOP_GRACE_SECONDS - waited)))

    def drain_then_pass_on(signum):
        quiet, waited, opened = platform_drain.wait_until_quiet(
            set(drain_ports), DRAIN_QUIET_SECONDS, DRAIN_LONGEST_SECONDS)
        if stopping["passed_on"]:  # a second signal did not wait
            return
        log("%s after %.1f s (%d connections opened meanwhile); stopping the service"
            % ("no client for %.1f s" % DRAIN_QUIET_SECONDS if quiet else "clients still came",
               waited, opened))
        pass_on(signum, waited)

    def stop(signum, _frame):
        if not drain_ports or stopping["draining"]:
            pass_on(signum, 0)
            return
        stopping["draining"] = True
        log("signal %d: draining ports %s before the service stops"
            % (signum, ", ".join(str(p) for p in drain_ports)))
        threading.Thread(target=drain_then_pass_on, args=(signum,), daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGALRM, lambda _signum, _frame: child.kill())
    status = child.wait()
    if relaying:
        relaying.join(RELAY_DRAIN_SECONDS)
    sys.exit(128 - status if status < 0 else status)


def serve(component):
    # The first line names the instance and what it serves: how its logs are told apart.
    instance = os.environ.get("SERVICE_INSTANCE") or socket.gethostname()
    log("instance %s serves %s (DIRAC %s)" % (instance, component, DIRAC_VERSION))
    check_port = os.environ.get("SERVICE_CHECK_PORT")
    if check_port:
        start_bridge(component, int(check_port))
    # The instance's ports its clients and checkers come to: drained before the service stops.
    ports = [int(p) for p in (os.environ.get("SERVICE_PORT"), check_port) if p]
    # Without the bridge's own pings in the log (platform_log_filter).
    keep = platform_log_filter.BridgePings().keep if check_port else None
    run_child(["dirac-service", component], ports, keep)


def agent(name, once):
    """DIRAC's agent under platform_agent: as a singleton loop (AGENT_RUN=loop: `dirac-agent`
    polls on its own while this container holds the agent's lock), or one cycle (MaxCycles=1)
    per firing of AGENT_SCHEDULE, under the lock."""
    import platform_agent

    one_cycle = once or os.environ.get("AGENT_RUN", "cycle").strip() != "loop"
    argv = ["dirac-agent", name] + (["-o", "MaxCycles=1"] if one_cycle else [])
    platform_agent.run_agent(name, platform_agent.Process(argv), once)


def ping(url):
    ok, reason = Pinger(url, float(os.environ.get("SERVICE_CHECK_TIMEOUT", "5")), 0).answer()
    print(reason)
    sys.exit(0 if ok else 1)


def version():
    import DIRAC
    import LHCbDIRAC

    release = os.environ.get("PLATFORM_RELEASE", "")
    print(
        "DIRAC %s LHCbDIRAC %s%s"
        % (DIRAC.version, LHCbDIRAC.version, " release %s" % release if release else "")
    )


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def main(args):
    if len(args) == 2 and args[0] == "serve":
        serve(args[1])
    elif len(args) in (2, 3) and args[0] == "agent" and args[2:] in ([], ["--once"]):
        agent(args[1], args[2:] == ["--once"])
    elif len(args) == 2 and args[0] == "ping":
        ping(args[1])
    elif args == ["version"]:
        version()
    else:
        usage()


if __name__ == "__main__":
    main(sys.argv[1:])
