#!/usr/bin/env python3
"""dirac-platform: how the platform runs DIRAC's own programs in the one DIRAC image.

Usage:
  dirac-platform serve System/Component   run `dirac-service System/Component`; with
                                          SERVICE_CHECK_PORT set, also the HTTP health bridge
  dirac-platform agent System/Agent [--once]
                                          run `dirac-agent System/Agent` (--once: one cycle,
                                          MaxCycles=1, then exit)
  dirac-platform ping URL                 one DISET ping of URL (dip://host:port/System/Component);
                                          exit 0 when it answers
  dirac-platform version                  print DIRAC's and LHCbDIRAC's versions

The health bridge answers every HTTP GET with 200 when a DISET ping of the local service
(dip://127.0.0.1:SERVICE_PORT/System/Component) answers within SERVICE_CHECK_TIMEOUT seconds
(default 1), else 503 with the reason. One DIRAC client in this process serves every check: no
process is started per check, and checks that arrive within SERVICE_CHECK_CACHE_SECONDS (default
0.25) of a ping share its answer. The service's configuration is DIRAC's own file,
$DIRAC_ROOT_PATH/etc/dirac.cfg (the platform uploads it).
"""

import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

STOP_GRACE_SECONDS = 8  # the platform gives a container 10 s after SIGTERM


def log(msg):
    sys.stderr.write("dirac-platform: %s\n" % msg)
    sys.stderr.flush()


DIRAC_READY = threading.Lock()
dirac_initialized = False


def diset_client(url, timeout):
    """A DIRAC client of `url`. DIRAC is initialized once per process, for this process only (no
    credentials, no configuration server: the bridge reaches its own service by address); a new
    client after a failed ping does not initialize it again."""
    global dirac_initialized
    import DIRAC

    with DIRAC_READY:
        if not dirac_initialized:
            DIRAC.initialize(
                require_auth=False,
                extra_config={
                    "DIRAC": {"Security": {"UseServerCertificate": "no"}, "Configuration": {"Servers": ""}}
                },
            )
            dirac_initialized = True
    from DIRAC.Core.Base.Client import Client

    return Client(url=url, timeout=timeout)


class Pinger:
    """DISET pings of one service through one client, each in a worker thread so that a check
    never waits longer than the timeout: DIRAC's client waits as long as a hung service keeps the
    connection open. Concurrent checks share one ping; a ping still unanswered after the timeout
    makes every check fail at once until it returns, and the next ping gets a new client."""

    def __init__(self, url, timeout, cache_seconds):
        self.url = url
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self.client = None
        self.lock = threading.Lock()
        self.last = (-cache_seconds, False, "not pinged yet")
        self.pending = None  # (started, threading.Event, [result]) of the ping in flight

    def answer(self):
        """(healthy, reason): the last ping's result if it is recent enough, else a new ping's."""
        with self.lock:
            at, ok, reason = self.last
            if time.monotonic() - at < self.cache_seconds:
                return ok, reason
            if self.pending is None:
                self.pending = (time.monotonic(), threading.Event(), [])
                threading.Thread(target=self.ping, args=(self.pending,), daemon=True).start()
            started, done, result = self.pending
        if done.wait(max(0.0, started + self.timeout - time.monotonic())):
            return result[0]
        return False, "ping of %s unanswered after %.1fs (limit %ss)" % (
            self.url,
            time.monotonic() - started,
            self.timeout,
        )

    def refused(self):
        """Why the service's port takes no connection now, or None when it does. DIRAC's client
        retries a refused connection after 2 s of sleep, twice: a check would wait that out."""
        host, port = urllib.parse.urlsplit(self.url).netloc.rsplit(":", 1)
        try:
            socket.create_connection((host, int(port)), timeout=self.timeout).close()
            return None
        except OSError as e:
            return "ping of %s: no connection: %s" % (self.url, e)

    def ping(self, pending):
        started, done, result = pending
        try:
            refused = self.refused()
            if refused is not None:
                raise ConnectionError(refused)
            if self.client is None:
                self.client = diset_client(self.url, self.timeout)
            answer = self.client.ping()
            took = time.monotonic() - started
            if not answer.get("OK"):
                outcome = (False, "ping of %s failed after %.2fs: %s" % (self.url, took, answer.get("Message")))
            elif took > self.timeout:
                outcome = (False, "ping of %s answered after %.2fs (limit %ss)" % (self.url, took, self.timeout))
            else:
                outcome = (True, "ping of %s answered in %.1f ms" % (self.url, took * 1000))
        except ConnectionError as e:
            outcome = (False, str(e))
        except Exception as e:  # a client that cannot even be made is an unhealthy answer
            outcome = (False, "%s: %s" % (type(e).__name__, e))
        with self.lock:
            if not outcome[0]:
                self.client = None
            result.append(outcome)
            self.last = (time.monotonic(), outcome[0], outcome[1])
            self.pending = None
            done.set()


def bridge_handler(pinger):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            ok, reason = pinger.answer()
            body = (reason + "\n").encode()
            self.send_response(200 if ok else 503)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            pass

    return Handler


def start_bridge(component, port):
    url = "dip://127.0.0.1:%s/%s" % (os.environ.get("SERVICE_PORT", "9135"), component)
    timeout = float(os.environ.get("SERVICE_CHECK_TIMEOUT", "1"))
    cache = float(os.environ.get("SERVICE_CHECK_CACHE_SECONDS", "0.25"))
    server = http.server.ThreadingHTTPServer(("0.0.0.0", port), bridge_handler(Pinger(url, timeout, cache)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log("health bridge on :%d pings %s" % (port, url))


def run_child(argv):
    """Runs DIRAC's program as a child: SIGTERM and SIGINT are passed on, and the child is killed
    if it still runs STOP_GRACE_SECONDS later; exits with its status. The handler only signals and
    arms the alarm: a wait of its own would queue behind the main thread's, which holds the child's
    wait lock, and last the whole grace period whenever the child exits at once. A child ended by
    a signal exits as a shell reports it: 128 + the signal (143 for SIGTERM, 137 for SIGKILL)."""
    child = subprocess.Popen(argv)

    def stop(signum, _frame):
        child.send_signal(signum)
        signal.alarm(STOP_GRACE_SECONDS)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGALRM, lambda _signum, _frame: child.kill())
    status = child.wait()
    sys.exit(128 - status if status < 0 else status)


def serve(component):
    check_port = os.environ.get("SERVICE_CHECK_PORT")
    if check_port:
        start_bridge(component, int(check_port))
    run_child(["dirac-service", component])


def agent(name, once):
    run_child(["dirac-agent", name] + (["-o", "MaxCycles=1"] if once else []))


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
