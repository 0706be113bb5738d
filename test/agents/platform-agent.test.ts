// How the platform images run an agent (images/shared/platform_agent.py), run by Python against a
// Consul of the test's (fake_consul.py: sessions with lock-delay, locks, blocking queries): a
// `loop` agent runs in one container at a time and another takes over when the holder stops or
// its session ends; a `cycle` run is skipped while another holds the lock; a program's run reports
// DIRAC's cycles, its exit status, and ends when the container stops; SIGTERM stops the runner.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

const SHARED = join(__dirname, "..", "..", "images", "shared");

/** Runs `body` (Python, in a function with `pa` = platform_agent and `consul` a FakeConsul) and returns what it returned, as JSON. */
function python(body: string): unknown {
  const program = `
import json, signal, sys, threading, time
sys.path[:0] = [${JSON.stringify(SHARED)}, ${JSON.stringify(__dirname)}]
import platform_agent as pa
from fake_consul import FakeConsul
pa.log = pa.out = lambda msg: None
KEY = "platform/test/agents/sys-agent"

def env(consul, **more):
    return dict({"AGENT_LOCK_KEY": KEY, "CONSUL_HTTP_ADDR": consul.addr}, **more)

def until(what, seconds):
    deadline = time.monotonic() + seconds
    while not what():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.02)
    return time.monotonic()

class Holders:
    """Works that run until stopped or the lock is lost; the most that ran at once."""
    def __init__(self):
        self.running, self.most, self.starts = [], 0, []
    def work(self, name):
        def run(stop, lost):
            self.starts.append(time.monotonic())
            self.running.append(name)
            self.most = max(self.most, len(self.running))
            while not stop.is_set() and not lost.is_set():
                stop.wait(0.02)
            self.running.remove(name)
            return "interrupted" if stop.is_set() else "lock-lost"
        return run

def main():
    consul = FakeConsul()
${body
  .split("\n")
  .map((l) => `    ${l}`)
  .join("\n")}

print(json.dumps(main()))
`;
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };
  const r = spawnSync("python3", ["-c", program], { encoding: "utf8", timeout: 60_000, env });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

test("a loop agent runs in one container at a time; when the holder stops, the other takes over at once", () => {
  const out = python(`
h = Holders()
agents = {n: pa.Agent("Sys/Agent", h.work(n), env(consul, AGENT_LOCK_DELAY="5s")) for n in "ab"}
for a in agents.values():
    threading.Thread(target=a.as_singleton, daemon=True).start()
until(lambda: h.running, 5)
first = h.running[0]
other = "b" if first == "a" else "a"
time.sleep(1.0)
gets = consul.requests.get("get", 0)
time.sleep(2.0)
standby_gets = consul.requests.get("get", 0) - gets
stopped = time.monotonic()
agents[first].stop.set()
took = until(lambda: h.running == [other], 10) - stopped
return {"most": h.most, "standbyGetsIn2s": standby_gets, "takenOverBeforeABlockingQueryEnds": took < 10,
        "records": [r["status"] for r in consul.records(KEY)]}
`);
  assert.deepEqual(out, {
    most: 1,
    // the standby blocks on the lock's key: no request while the holder keeps it
    standbyGetsIn2s: 0,
    // a released lock is taken at once (no lock-delay), not when a blocking query times out (60 s)
    takenOverBeforeABlockingQueryEnds: true,
    records: ["interrupted"],
  });
});

test("a holder whose session ends stops its run; the lock is held again after the lock-delay, never by two", () => {
  const out = python(`
h = Holders()
agents = {n: pa.Agent("Sys/Agent", h.work(n), env(consul, AGENT_LOCK_TTL="2s", AGENT_LOCK_DELAY="2s")) for n in "ab"}
for a in agents.values():
    threading.Thread(target=a.as_singleton, daemon=True).start()
until(lambda: h.running, 5)
expired = time.monotonic()
consul.expire(consul.holder(KEY + "/.lock"))
until(lambda: len(h.starts) == 2, 15)
took = h.starts[1] - expired
return {"most": h.most, "afterLockDelay": took >= 2.0, "beforeABlockingQueryEnds": took < 10,
        "records": [r["status"] for r in consul.records(KEY)]}
`);
  assert.deepEqual(out, {
    most: 1,
    afterLockDelay: true,
    beforeABlockingQueryEnds: true,
    records: ["lock-lost"],
  });
});

test("a holder that cannot renew its session for a whole TTL takes the lock as lost", () => {
  const out = python(`
h = Holders()
agent = pa.Agent("Sys/Agent", h.work("a"), env(consul, AGENT_LOCK_TTL="2s"))
threading.Thread(target=agent.as_singleton, daemon=True).start()
until(lambda: h.running, 5)
consul.server.shutdown()  # Consul unreachable: renewals fail without an answer
cut = time.monotonic()
took = until(lambda: not h.running, 10) - cut
# the TTL counts from the last renewal, at most one renewal interval (1 s) before the cut; the
# rest is slack for a busy machine (without the TTL's check the run never stops)
return {"stoppedWithinTheTtl": took < 2.0 + 1.0 + 3.0}
`);
  assert.deepEqual(out, { stoppedWithinTheTtl: true });
});

test("a cycle run is skipped while another container holds the lock, and records each run", () => {
  const out = python(`
a = pa.Agent("Sys/Agent", pa.sleeping(0.5), env(consul))
b = pa.Agent("Sys/Agent", pa.sleeping(0.1), env(consul))
t = threading.Thread(target=a.run_cycle)
t.start()
until(lambda: consul.holder(KEY + "/.lock"), 5)
b.run_cycle()
t.join()
b.run_cycle()
return {"records": [r["status"] for r in consul.records(KEY)], "held": bool(consul.holder(KEY + "/.lock"))}
`);
  assert.deepEqual(out, { records: ["ok", "ok"], held: false });
});

test("each scheduled run's record names its firing, which its start follows", () => {
  const out = python(`
a = pa.Agent("Sys/Agent", pa.sleeping(0.1), env(consul))
sched = pa.Cron("* * * * * *")
t = threading.Thread(target=a.on_schedule, args=(sched,))
t.start()
until(lambda: len(consul.records(KEY)) >= 3, 10)
a.stop.set()
t.join()
runs = consul.records(KEY)[:3]
fired = [r["firing"] for r in runs]
return {
    "statuses": [r["status"] for r in runs],
    "wholeSeconds": all(f.endswith(":%s.000000Z" % f[17:19]) for f in fired),
    "oneASecond": [
        (pa.datetime.datetime.fromisoformat(b[:-1]) - pa.datetime.datetime.fromisoformat(a[:-1])).total_seconds()
        for a, b in zip(fired, fired[1:])
    ],
    "startAfterFiring": all(r["firing"] <= r["start"] < r["end"] for r in runs),
    "once": "firing" in (lambda: (a.run_cycle(), consul.records(KEY)[-1])[1])(),
}
`);
  assert.deepEqual(out, {
    statuses: ["ok", "ok", "ok"],
    wholeSeconds: true,
    oneASecond: [1, 1],
    startAfterFiring: true,
    once: false,
  });
});

test("a program's run: DIRAC's cycles counted, a cycle's error and an exit status reported", () => {
  const out = python(`
never = threading.Event()
cycle = "print('T NOTICE: Starting cycle for module Sys/Agent'); print('T WARN:  Cycle had an error: URL for service Sys/S not found')"
failed = pa.Process([sys.executable, "-c", cycle])
status = failed(never, never)
clean = pa.Process([sys.executable, "-c", "print('T NOTICE: Starting cycle for module Sys/Agent')"])
return {"failed": [status, failed.details()], "clean": [clean(never, never), clean.details()],
        "exit": pa.Process([sys.executable, "-c", "raise SystemExit(3)"])(never, never)}
`);
  assert.deepEqual(out, {
    failed: ["cycle error: URL for service Sys/S not found", { cycles: 1, failedCycles: 1 }],
    clean: ["ok", { cycles: 1, failedCycles: 0 }],
    exit: "exit 3",
  });
});

test("a program ends when the container stops: SIGTERM, before the kill's grace has passed", () => {
  const out = python(`
stop, never = threading.Event(), threading.Event()
threading.Timer(0.5, stop.set).start()
started = time.monotonic()
status = pa.Process([sys.executable, "-c", "import time; time.sleep(60)"])(stop, never)
return {"status": status, "endedBeforeTheKill": time.monotonic() - started < pa.STOP_GRACE_SECONDS}
`);
  assert.deepEqual(out, { status: "interrupted", endedBeforeTheKill: true });
});

test("SIGTERM stops a runner waiting for its lock without waiting out its blocking query, and it lets go of nothing it does not hold", () => {
  const out = python(`
import subprocess
code = (
    "import sys; sys.path[:0] = %r\\n"
    "import platform_agent as pa\\n"
    "pa.run_agent('Sys/Agent', pa.sleeping(60), env={'AGENT_RUN': 'loop', 'AGENT_LOCK_KEY': %r, 'CONSUL_HTTP_ADDR': %r})\\n"
) % (sys.path[:2], KEY, consul.addr)
holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
until(lambda: consul.holder(KEY + "/.lock"), 10)
waiting = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.5)
sent = time.monotonic()
waiting.terminate()
waiting.wait(10)
took = time.monotonic() - sent
held = bool(consul.holder(KEY + "/.lock"))
holder.terminate()
holder.wait(10)
return {"waitingExit": waiting.returncode, "endedBeforeABlockingQueryEnds": took < 5, "stillHeld": held,
        "holderExit": holder.returncode, "records": [r["status"] for r in consul.records(KEY)],
        "heldAfter": bool(consul.holder(KEY + "/.lock"))}
`);
  assert.deepEqual(out, {
    waitingExit: 0,
    endedBeforeABlockingQueryEnds: true,
    stillHeld: true,
    holderExit: 0,
    records: ["interrupted"],
    heldAfter: false,
  });
});
