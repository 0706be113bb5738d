// Placement around failed hosts: what a failed host held stays, its instances get replacements on
// healthy hosts, nothing else moves, and an entry without room keeps what fits.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  place,
  placeAround,
  PlacementError,
  PlacementHost,
  PlacementRequest,
} from "../../components/core/placement";

const slaves = (n: number, cpus = 4): PlacementHost[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `slave-${i + 1}`,
    cpus,
    memoryMb: 8192,
    labels: {},
  }));

const requests = (n: number, instances: number): PlacementRequest[] =>
  Array.from({ length: n }, (_, i) => ({
    key: `svc-${i}`,
    instances,
    cpus: 0.1,
    memoryMb: 128,
    constraints: {},
  }));

test("no failed host: the same placement as place", () => {
  const hosts = slaves(5);
  const reqs = requests(20, 2);
  assert.deepEqual(placeAround(hosts, new Set(), reqs), place(hosts, reqs));
  const unused = placeAround(hosts, new Set(["lb-1"]), reqs);
  assert.deepEqual(unused, place(hosts, reqs));
});

test("a failed slave keeps its instances, each gets one replacement on a healthy slave, and no other instance moves", () => {
  const hosts = slaves(5);
  const reqs = requests(40, 2);
  const whole = place(hosts, reqs);
  for (const failedId of hosts.map((h) => h.id)) {
    const around = placeAround(hosts, new Set([failedId]), reqs);
    const withoutIt = place(
      hosts.filter((h) => h.id !== failedId),
      reqs,
    );
    assert.deepEqual(around.shortfalls, []);
    for (const r of reqs) {
      const before = whole.assignments.get(r.key)!;
      const after = around.assignments.get(r.key)!;
      const healthyAfter = after.filter((id) => id !== failedId);
      assert.deepEqual(healthyAfter, withoutIt.assignments.get(r.key), r.key);
      if (before.includes(failedId)) {
        assert.equal(after.length, 3, `${r.key}: the kept instance and 2 healthy ones`);
        assert.ok(after.includes(failedId));
        const added = healthyAfter.filter((id) => !before.includes(id));
        assert.equal(added.length, 1, `${r.key}: exactly one replacement`);
      } else {
        assert.deepEqual(after, before, `${r.key}: untouched`);
      }
    }
    assert.deepEqual(around.usage.get(failedId), whole.usage.get(failedId));
  }
});

test("an entry with as many instances as slaves runs short on a failed one, and says why", () => {
  const hosts = slaves(3);
  const reqs = [...requests(1, 3), ...requests(2, 2).map((r) => ({ ...r, key: `two-${r.key}` }))];
  const around = placeAround(hosts, new Set(["slave-2"]), reqs);
  assert.deepEqual(around.assignments.get("svc-0"), ["slave-1", "slave-2", "slave-3"]);
  assert.deepEqual(around.shortfalls, [
    {
      key: "svc-0",
      reason: "needs 3 instances on distinct slave hosts, but only 2 such host(s) exist",
    },
  ]);
  for (const key of ["two-svc-0", "two-svc-1"]) {
    const healthy = around.assignments.get(key)!.filter((id) => id !== "slave-2");
    assert.equal(healthy.length, 2, `${key}: full count on the healthy slaves`);
  }
});

test("the whole inventory must still hold the catalog: a failed host does not excuse a catalog that never fits", () => {
  assert.throws(
    () => placeAround(slaves(2), new Set(["slave-1"]), requests(1, 3)),
    (e: unknown) =>
      e instanceof PlacementError &&
      e.message ===
        "svc-0: needs 3 instances on distinct slave hosts, but only 2 such host(s) exist",
  );
});
