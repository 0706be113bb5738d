// How a DIRAC instance drains at SIGTERM (images/shared/platform_drain.py), run by Python on
// kernel TCP tables the test writes and a clock it moves: which sockets count as a client (not a
// listening one, not a loopback peer, only the instance's ports), and when the wait ends (a quiet
// second after the last new connection or the last open one, or the longest wait).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pythonJson } from "../support/python-json";
import { tempDir } from "../../scripts/temp-dir";

/** Runs `body` (Python, with `pd` = platform_drain and the helpers below) and returns what it printed as JSON. */
function python(body: string): unknown {
  const program = `
import json, sys
import platform_drain as pd

def row(local, remote, state):
    return "   0: %s %s %s 00000000:00000000 00:00000000 00000000     0        0 1 1" % (local, remote, state)

V4_SELF, V4_LB = "0496D50A", "2296D50A"      # 10.213.150.4, 10.213.150.34
MAPPED = "0000000000000000FFFF0000"            # ::ffff:a.b.c.d

def hexport(p):
    return "%04X" % p

class Clock:
    """In whole milliseconds, so the times compare exactly."""
    def __init__(self):
        self.ms = 0
    def now(self):
        return self.ms
    def sleep(self, ms):
        self.ms += ms

def wait(rows_at, ports={9148, 19148}):
    """The wait with a quiet second, 6 s at most, a look every 50 ms; rows_at(seconds)."""
    clock = Clock()
    quiet_reached, waited, opened = pd.wait_until_quiet(
        ports, 1000, 6000, read=lambda: rows_at(clock.ms / 1000), clock=clock.now,
        sleep=clock.sleep, every=50)
    return [quiet_reached, waited / 1000, opened]

print(json.dumps(${body}))
`;
  return pythonJson(program);
}

test("a client is a socket on the instance's ports, not listening, whose peer is not loopback", () => {
  const found = python(`{"%d %s" % k: v for k, v in pd.peers({9148, 19148}, [
    row(MAPPED + "00000000:" + hexport(9148), "0" * 32 + ":0000", "0A"),          # listening
    row(MAPPED + V4_SELF + ":" + hexport(9148), MAPPED + "0100007F:AFF0", "06"),  # the bridge's ping
    row(MAPPED + V4_SELF + ":" + hexport(9148), "0" * 24 + "01000000:B000", "01"),  # ::1
    row("0100007F:" + hexport(19148), "0100007F:B001", "01"),                     # 127.0.0.1
    row(MAPPED + V4_SELF + ":" + hexport(9148), MAPPED + V4_LB + ":9F0E", "01"),  # a call
    row(MAPPED + V4_SELF + ":" + hexport(19148), MAPPED + V4_LB + ":9F10", "06"), # a check, done
    row(V4_SELF + ":" + hexport(19148), V4_LB + ":9F12", "08"),                   # IPv4 table
    row(MAPPED + V4_SELF + ":" + hexport(22), MAPPED + V4_LB + ":9F14", "01"),    # another port
  ]).items()}`);
  assert.deepEqual(found, {
    "9148 0000000000000000FFFF00002296D50A:9F0E": "01",
    "19148 0000000000000000FFFF00002296D50A:9F10": "06",
    "19148 2296D50A:9F12": "08",
  });
});

test("the wait ends a quiet second after the last check a balancer sent", () => {
  // A balancer checks every 0.2 s until it reloads without the instance at 1.8 s; each check's
  // socket stays in TIME_WAIT.
  const got = python(`wait(lambda t: [
    row(MAPPED + V4_SELF + ":" + hexport(19148), MAPPED + V4_LB + ":%04X" % (40000 + i), "06")
    for i in range(10) if 0.2 * i <= t + 1e-9])`);
  assert.deepEqual(got, [true, 2.8, 9]);
});

test("an open call holds the wait until it ends, then a quiet second", () => {
  // Open at every look before 0.5 s, the last at 0.45 s; no connection is new.
  const got = python(`wait(lambda t: [
    row(MAPPED + V4_SELF + ":" + hexport(9148), MAPPED + V4_LB + ":9F0E", "01" if t < 0.5 else "06")])`);
  assert.deepEqual(got, [true, 1.45, 0]);
});

test("an instance no balancer holds is quiet after a second; one that is never quiet stops at the longest wait", () => {
  assert.deepEqual(python(`wait(lambda t: [])`), [true, 1.0, 0]);
  const busy = python(`wait(lambda t: [
    row(MAPPED + V4_SELF + ":" + hexport(19148), MAPPED + V4_LB + ":%04X" % (40000 + i), "06")
    for i in range(int(t / 0.2 + 1e-9) + 1)])`);
  assert.deepEqual(busy, [false, 6.0, 30]);
});

test("the kernel's tables are read without their headers, and a missing one is none", () => {
  const dir = tempDir("drain-tables-");
  const table = join(dir, "tcp");
  writeFileSync(
    table,
    "  sl  local_address rem_address   st tx_queue rx_queue\n" +
      "   0: 0496D50A:23BC 2296D50A:9F0E 01 00000000:00000000\n" +
      "   1: 0496D50A:4ACC 2296D50A:9F10 06 00000000:00000000\n",
  );
  assert.deepEqual(python(`pd.read_tcp_tables((${JSON.stringify(table)}, "/nonexistent/tcp6"))`), [
    "   0: 0496D50A:23BC 2296D50A:9F0E 01 00000000:00000000",
    "   1: 0496D50A:4ACC 2296D50A:9F10 06 00000000:00000000",
  ]);
});
