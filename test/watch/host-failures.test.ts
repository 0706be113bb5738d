import assert from "node:assert/strict";
import { test } from "node:test";
import { HostFailures, NodeState, sameHosts } from "../../scripts/watch/host-failures";

const states = (entries: Record<string, NodeState>) => new Map(Object.entries(entries));

test("a host fails after its node has been critical for the grace period, without interruption", () => {
  const f = new HostFailures(10_000);
  f.observe(0, states({ "slave-1": "passing", "slave-2": "passing" }));
  f.observe(1_000, states({ "slave-1": "passing", "slave-2": "critical" }));
  f.observe(10_999, states({ "slave-1": "passing", "slave-2": "critical" }));
  assert.deepEqual(f.current(), []);
  f.observe(11_000, states({ "slave-1": "passing", "slave-2": "critical" }));
  assert.deepEqual(f.current(), ["slave-2"]);
});

test("a flapping node moves nothing: each passing beat restarts the count", () => {
  const f = new HostFailures(10_000);
  for (let t = 0; t < 60_000; t += 1_000)
    f.observe(t, states({ "slave-3": t % 8_000 === 0 ? "passing" : "critical" }));
  assert.deepEqual(f.current(), []);
});

test("a failed host is back once passing for the grace period; absent nodes change nothing", () => {
  const f = new HostFailures(5_000, ["slave-2"]);
  f.observe(0, states({ "slave-2": "passing", "slave-1": "absent" }));
  f.observe(4_000, states({ "slave-2": "passing", "slave-1": "absent" }));
  assert.deepEqual(f.current(), ["slave-2"]);
  f.observe(5_000, states({ "slave-2": "passing", "slave-1": "absent" }));
  assert.deepEqual(f.current(), []);
  f.observe(60_000, states({ "slave-2": "absent", "slave-1": "absent" }));
  assert.deepEqual(f.current(), []);
});

test("several hosts are reported sorted", () => {
  const f = new HostFailures(0);
  f.observe(0, states({ "slave-3": "critical", "lb-1": "critical", "slave-1": "passing" }));
  assert.deepEqual(f.current(), ["lb-1", "slave-3"]);
  assert.ok(sameHosts(f.current(), ["lb-1", "slave-3"]));
  assert.ok(!sameHosts(f.current(), ["lb-1"]));
  assert.ok(!sameHosts(f.current(), ["lb-1", "slave-2"]));
});
