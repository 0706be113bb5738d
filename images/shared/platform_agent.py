"""platform_agent: how a platform image runs an agent, shared by the service and DIRAC images.

An agent runs one of two ways (AGENT_RUN):
  cycle   one run per firing of AGENT_SCHEDULE (cron, 5 fields or 6 with seconds first); a run
          starts only under the agent's Consul lock and is skipped when another container holds it
  loop    a singleton: every container of the agent waits for the lock, and the one holding it
          runs the agent's own long-running loop until it ends, the container stops or the lock
          is lost; another container then takes over

A run is a callable work(stop, lost) -> status: `stop` and `lost` are threading.Events (the
container is stopping; the lock's session is gone), the status "ok" or what went wrong.
`Process` makes one of a program: its output is passed on, and DIRAC's own cycle reports counted.

Environment:
  AGENT_RUN=cycle|loop         (default cycle)
  AGENT_SCHEDULE               cron, for `cycle` (default "* * * * *")
  AGENT_LOCK_KEY               Consul KV prefix; runs hold <prefix>/.lock, and each run's record
                               goes to <prefix>/runs/<start> (agents/NAME/runs without a lock):
                               instance, start, end, status, and a `cycle` run's firing
  AGENT_LOCK_TTL=10s           Consul session TTL (renewed while the lock is held)
  AGENT_LOCK_DELAY=5s          Consul session lock-delay
  CONSUL_HTTP_ADDR             e.g. http://consul-agent:8500; the ACL token is read from the file
                               CONSUL_HTTP_TOKEN_FILE, else CONSUL_HTTP_TOKEN; an https://
                               address is checked against the CA file CONSUL_CACERT

Python 3 standard library only.
"""

import datetime
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

INSTANCE = os.environ.get("SERVICE_INSTANCE") or socket.gethostname()
STOP_GRACE_SECONDS = 8  # the platform gives a container 10 s after SIGTERM
RETRY_SECONDS = 5  # a loop that ended by itself starts again this long after
CONSUL_ERRORS = (OSError, urllib.error.URLError, KeyError, ValueError)


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def out(msg):
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(ts):
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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

def consul_token():
    """The ACL token, as Consul's own tools take it: from CONSUL_HTTP_TOKEN_FILE, else CONSUL_HTTP_TOKEN."""
    path = os.environ.get("CONSUL_HTTP_TOKEN_FILE", "").strip()
    if path:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    return os.environ.get("CONSUL_HTTP_TOKEN") or None


class Consul:
    def __init__(self, addr):
        if "://" not in addr:
            addr = "http://" + addr
        self.addr = addr.rstrip("/")
        self.token = consul_token()
        # Over HTTPS, Consul's certificate is checked, against CONSUL_CACERT as Consul's tools take it.
        ca = os.environ.get("CONSUL_CACERT", "").strip()
        self.tls = ssl.create_default_context(cafile=ca or None) if self.addr.startswith("https://") else None

    def call(self, method, path, body=None, timeout=5.0, with_index=False):
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.addr + path, data=data, method=method)
        if self.token:
            req.add_header("X-Consul-Token", self.token)
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self.tls) as resp:
                raw, index = resp.read(), resp.headers.get("X-Consul-Index")
        except urllib.error.HTTPError as exc:
            if not (with_index and exc.code == 404):
                raise
            raw, index = b"", exc.headers.get("X-Consul-Index")
        value = json.loads(raw.decode()) if raw else None
        return (value, index) if with_index else value

    def kv_put(self, key, value, query=""):
        path = "/v1/kv/" + urllib.parse.quote(key.lstrip("/")) + query
        return self.call("PUT", path, value if isinstance(value, bytes) else value.encode())

    def kv_wait(self, key, index, wait_seconds):
        """The key's index and whether a session holds it: at once without `index`, else once the
        key changes after `index` (a Consul blocking query) or `wait_seconds` pass. A key that
        does not exist is no error (and not held)."""
        query = "?wait=%ds&index=%s" % (wait_seconds, index) if index else ""
        path = "/v1/kv/" + urllib.parse.quote(key.lstrip("/")) + query
        entries, new_index = self.call("GET", path, timeout=wait_seconds + 10, with_index=True)
        return new_index, bool(entries and entries[0].get("Session"))

    def session_create(self, name, ttl, lock_delay):
        res = self.call("PUT", "/v1/session/create",
                        {"Name": name, "TTL": ttl, "LockDelay": lock_delay, "Behavior": "release"})
        return res["ID"]

    def session_renew(self, sid, timeout=5.0):
        self.call("PUT", "/v1/session/renew/" + sid, timeout=timeout)

    def session_destroy(self, sid):
        self.call("PUT", "/v1/session/destroy/" + sid)


def duration_seconds(s):
    s = s.strip()
    for suffix, mult in (("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)):
        if s.endswith(suffix):
            return float(s[: -len(suffix)]) * mult
    return float(s)


class AgentLock:
    """Mutual exclusion across containers: a Consul session (TTL, lock-delay) and a KV acquire.
    While held, the session is renewed; `lost` is set when Consul no longer knows it."""

    def __init__(self, consul, prefix, name, ttl="10s", lock_delay="5s"):
        self.consul = consul
        self.key = prefix.rstrip("/") + "/.lock"
        self.name = name
        self.ttl = ttl
        self.lock_delay = lock_delay
        self.sid = None
        self.lost = threading.Event()
        self._stop_renew = threading.Event()
        self._stop_renew.set()  # set while the lock is not held

    def try_acquire(self):
        """One attempt, with a session of its own: True when this container now holds the lock."""
        self.sid = self.consul.session_create("agent-%s-%s" % (self.name, INSTANCE), self.ttl, self.lock_delay)
        holder = json.dumps({"instance": INSTANCE, "agent": self.name}).encode()
        try:
            got = self.consul.kv_put(self.key, holder, "?acquire=" + self.sid) is True
        except CONSUL_ERRORS:
            self.release()
            raise
        if not got:
            self.release()
            return False
        self._stop_renew = threading.Event()
        threading.Thread(target=self._renew_loop, args=(self._stop_renew,), daemon=True).start()
        return True

    def wait_and_acquire(self, stop):
        """Waits, as long as it takes, until this container holds the lock (True) or `stop` is
        set (False). While another container holds it, it blocks on the key in Consul, so a
        waiting container costs a request a minute, not one a second, and wakes when the holder
        lets go; a lock nobody holds is tried again each second (Consul refuses it for the
        lock-delay after a holder's session ended without letting go)."""
        while not stop.is_set():
            try:
                if self.try_acquire():
                    return True
            except CONSUL_ERRORS as exc:
                log("agent %s: lock: %s" % (self.name, exc))
            self.wait_while_held(stop)
            stop.wait(1.0)
        return False

    def wait_while_held(self, stop):
        """Returns once the lock is not held (at once when it is not), or Consul fails, or `stop`
        is set. The blocking queries run in a thread of their own, so a stop does not wait."""
        done = threading.Event()

        def query():
            try:
                index, held = self.consul.kv_wait(self.key, None, 0)
                while held and not stop.is_set():
                    index, held = self.consul.kv_wait(self.key, index, 60)
            except CONSUL_ERRORS as exc:
                log("agent %s: lock: %s" % (self.name, exc))
            done.set()

        threading.Thread(target=query, daemon=True).start()
        while not done.wait(0.5) and not stop.is_set():
            pass

    def _renew_loop(self, stopped):
        """Renews the session at half its TTL. Consul answering that it no longer knows the
        session, or no renewal getting through for a whole TTL (Consul may have ended it, and
        another container may hold the lock after the lock-delay), sets `lost`."""
        ttl = duration_seconds(self.ttl)
        interval = max(1.0, ttl / 2.0)
        renewed = time.monotonic()
        while not stopped.wait(interval):
            try:
                # bounded: a Consul that does not answer must not hold the check past the TTL
                self.consul.session_renew(self.sid, timeout=interval)
                renewed = time.monotonic()
                continue
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    log("agent %s: lock session ended" % self.name)
                    self.lost.set()
                    return
                log("agent %s: session renew error: %s" % (self.name, exc))
            except (OSError, urllib.error.URLError) as exc:
                log("agent %s: session renew error: %s" % (self.name, exc))
            if time.monotonic() - renewed >= ttl:
                log("agent %s: no renewal for %s: the lock is taken as lost" % (self.name, self.ttl))
                self.lost.set()
                return

    def release(self):
        """Lets the lock go (if held) and ends the session."""
        if self.sid is None:
            return
        if not self._stop_renew.is_set():
            self._stop_renew.set()
            try:
                self.consul.kv_put(self.key, b"", "?release=" + self.sid)
            except (OSError, urllib.error.URLError) as exc:
                log("agent %s: lock release error: %s" % (self.name, exc))
        try:
            self.consul.session_destroy(self.sid)
        except (OSError, urllib.error.URLError):
            pass
        self.sid = None


def install_stop_signals(stop, what):
    """SIGTERM/SIGINT set `stop`. The handler runs in the main thread, which only ever waits
    with a timeout or on an Event, and such a wait is cut short by a signal, so it runs at once.
    A child process starts with both signals at their defaults (a handler is not inherited)."""

    def handler(signum, _frame):
        log("%s: received signal %d, shutting down" % (what, signum))
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


# --------------------------------------------------------------------------
# a run: a program as a child
# --------------------------------------------------------------------------

DIRAC_CYCLE_START = "Starting cycle for module"
DIRAC_CYCLE_ERROR = "Cycle had an error:"


class Process:
    """A run that is a program: `argv` as a child, its output passed on line by line. It is sent
    SIGTERM when the container stops or the lock is lost, and killed STOP_GRACE_SECONDS later.
    DIRAC's agent reports each cycle in its log: the cycles started and the last error are kept."""

    def __init__(self, argv):
        self.argv = argv
        self.cycles = 0
        self.failed_cycles = 0
        self.last_error = None

    def read_output(self, stream):
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            out(line)
            if DIRAC_CYCLE_START in line:
                self.cycles += 1
            elif DIRAC_CYCLE_ERROR in line:
                self.failed_cycles += 1
                self.last_error = line.split(DIRAC_CYCLE_ERROR, 1)[1].strip()

    def __call__(self, stop, lost):
        self.cycles, self.failed_cycles, self.last_error = 0, 0, None
        child = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        reader = threading.Thread(target=self.read_output, args=(child.stdout,), daemon=True)
        reader.start()
        why = None
        while child.poll() is None and why is None:
            if stop.wait(0.2):
                why = "interrupted"
            elif lost.is_set():
                why = "lock-lost"
        if why is not None:
            child.terminate()
            try:
                child.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        reader.join(2)
        return why or self.outcome(child.returncode)

    def outcome(self, code):
        if code != 0:
            return "exit %d" % code
        if self.failed_cycles:
            return "cycle error: %s" % self.last_error
        return "ok"

    def details(self):
        return {"cycles": self.cycles, "failedCycles": self.failed_cycles}


def sleeping(seconds):
    """A run that works `seconds` and ends (the sample image's agents)."""

    def work(stop, lost):
        end_at = time.monotonic() + seconds
        while time.monotonic() < end_at:
            if stop.wait(min(end_at - time.monotonic(), 0.2)):
                return "interrupted"
            if lost.is_set():
                return "lock-lost"
        return "ok"

    return work


# --------------------------------------------------------------------------
# the two ways an agent runs
# --------------------------------------------------------------------------

class Agent:
    """One agent's runs: where its lock and records are, and how a run is recorded."""

    def __init__(self, name, work, env=os.environ):
        self.name = name
        self.work = work
        self.lock_prefix = env.get("AGENT_LOCK_KEY", "").strip()
        self.lock_ttl = env.get("AGENT_LOCK_TTL", "10s")
        self.lock_delay = env.get("AGENT_LOCK_DELAY", "5s")
        addr = env.get("CONSUL_HTTP_ADDR", "").strip()
        self.consul = Consul(addr) if addr else None
        if self.lock_prefix and not self.consul:
            raise SystemExit("AGENT_LOCK_KEY requires CONSUL_HTTP_ADDR")
        self.stop = threading.Event()

    def runs_prefix(self):
        """Beside the lock, under its own prefix, so the lock's ACL token reaches nothing else."""
        return self.lock_prefix.rstrip("/") if self.lock_prefix else "agents/%s" % self.name

    def lock(self):
        if not self.lock_prefix:
            return None
        return AgentLock(self.consul, self.lock_prefix, self.name, self.lock_ttl, self.lock_delay)

    def run_held(self, lock, firing=None):
        """One run, the lock (if any) held: its record is written before the lock is let go. A
        scheduled run's record names its `firing`, which its start may follow by as long as Consul
        took to give the lock."""
        start = utc_now()
        out("run start %s %s %s" % (self.name, iso(start), INSTANCE))
        status = self.work(self.stop, lock.lost if lock else threading.Event())
        end = utc_now()
        record = {"instance": INSTANCE, "start": iso(start), "end": iso(end), "status": status}
        if firing is not None:
            record["firing"] = iso(firing.astimezone(datetime.timezone.utc))
        record.update(getattr(self.work, "details", dict)())
        self.write_record(start, record)
        if lock:
            lock.release()
        out("run end %s %s %s%s" % (self.name, iso(end), INSTANCE, "" if status == "ok" else " " + status))
        return status

    def write_record(self, start, record):
        if not self.consul:
            return
        key = "%s/runs/%s" % (self.runs_prefix(), start.strftime("%Y%m%dT%H%M%S.%fZ"))
        # A few tries: a Consul election or a busy host may refuse one write.
        for attempt in range(1, 4):
            try:
                self.consul.kv_put(key, json.dumps(record))
                return
            except (OSError, urllib.error.URLError) as exc:
                log("agent %s: could not write run record %s (try %d of 3): %s" % (self.name, key, attempt, exc))
                if attempt < 3:
                    time.sleep(0.5)

    def run_cycle(self, firing=None):
        """One run (at the schedule's `firing`, if any): skipped when another container holds the
        lock."""
        lock = self.lock()
        if lock:
            try:
                if not lock.try_acquire():
                    out("run skip %s %s %s lock %s held elsewhere" % (self.name, iso(utc_now()), INSTANCE, lock.key))
                    return
            except CONSUL_ERRORS as exc:
                out("run skip %s %s %s lock error: %s" % (self.name, iso(utc_now()), INSTANCE, exc))
                return
        self.run_held(lock, firing)

    def on_schedule(self, schedule):
        """`cycle`: a run at each firing; a firing while the last run still goes is skipped."""
        running = None
        nxt = schedule.next_after(datetime.datetime.now())
        while not self.stop.is_set():
            wait = (nxt - datetime.datetime.now()).total_seconds()
            if wait > 0:
                self.stop.wait(min(wait, 1.0))
                continue
            if running is not None and running.is_alive():
                out("run skip %s %s %s previous run still going" % (self.name, iso(utc_now()), INSTANCE))
            else:
                running = threading.Thread(target=self.run_cycle, args=(nxt,), daemon=True)
                running.start()
            nxt = schedule.next_after(max(nxt, datetime.datetime.now().replace(microsecond=0)))
        if running is not None:
            running.join(STOP_GRACE_SECONDS + 1)

    def as_singleton(self):
        """`loop`: wait for the lock, run while it is held; again when the run ends by itself."""
        while not self.stop.is_set():
            lock = self.lock()
            if lock and not lock.wait_and_acquire(self.stop):
                return
            status = self.run_held(lock)
            if status not in ("interrupted", "lock-lost"):
                self.stop.wait(RETRY_SECONDS)


def run_agent(name, work, once=False, env=os.environ):
    """The container's whole life as agent `name` (AGENT_RUN); `once`: one run now and exit, as
    a scheduler that starts a container per run (Chronos) wants."""
    how = env.get("AGENT_RUN", "cycle").strip()
    if how not in ("cycle", "loop"):
        raise SystemExit("AGENT_RUN must be cycle or loop, got %r" % how)
    agent = Agent(name, work, env)
    schedule = Cron(env.get("AGENT_SCHEDULE", "* * * * *")) if how == "cycle" else None
    install_stop_signals(agent.stop, "agent " + name)
    log("agent %s: runs %s%s lock %s consul %s instance %s" % (
        name, "once" if once else how, " on %r" % schedule.expr if schedule and not once else "",
        agent.lock_prefix or "-", agent.consul.addr if agent.consul else "-", INSTANCE))
    if once:
        agent.run_cycle()
    elif schedule:
        agent.on_schedule(schedule)
    else:
        agent.as_singleton()
    sys.stdout.flush()
    os._exit(0)
