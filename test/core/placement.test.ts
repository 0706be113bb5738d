import assert from "node:assert/strict";
import { test } from "node:test";
import {
  place,
  PlacementError,
  PlacementHost,
  PlacementRequest,
} from "../../components/core/placement";

function hosts(
  n: number,
  cpus = 16,
  memoryMb = 65536,
  labels: (i: number) => Record<string, string> = () => ({}),
): PlacementHost[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `slave-${i + 1}`,
    cpus,
    memoryMb,
    labels: labels(i),
  }));
}

function requests(n: number, instances = 3): PlacementRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `svc-${i}`,
    instances,
    cpus: 0.25,
    memoryMb: 256,
    constraints: {},
  }));
}

/** A seeded generator, so every failure is reproducible from the printed seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function moved(
  before: Map<string, string[]>,
  after: Map<string, string[]>,
): { key: string; from: string[]; to: string[] }[] {
  const out = [];
  for (const [key, a] of before) {
    const b = after.get(key)!;
    const from = a.filter((h) => !b.includes(h));
    const to = b.filter((h) => !a.includes(h));
    if (from.length > 0 || to.length > 0) out.push({ key, from, to });
  }
  return out;
}

test("instances of one entry go to distinct hosts, and the result is independent of input order", () => {
  const h = hosts(6);
  const r = requests(20, 4);
  const a = place(h, r);
  const b = place([...h].reverse(), [...r].reverse());
  for (const [key, ids] of a.assignments) {
    assert.equal(new Set(ids).size, 4, key);
    assert.deepEqual(b.assignments.get(key), ids);
  }
  assert.equal(
    [...a.usage.values()].reduce((n, u) => n + u.instances, 0),
    80,
  );
});

test("label constraints are respected", () => {
  const h = hosts(6, 16, 65536, (i) => ({ disk: i % 2 === 0 ? "ssd" : "hdd" }));
  const p = place(h, [
    { key: "fc", instances: 3, cpus: 1, memoryMb: 1024, constraints: { disk: "ssd" } },
  ]);
  assert.deepEqual(p.assignments.get("fc"), ["slave-1", "slave-3", "slave-5"]);
});

test("capacity is respected and exhaustion is reported per entry", () => {
  const h = hosts(3, 1, 1024);
  const p = place(h, [
    { key: "a", instances: 3, cpus: 0.5, memoryMb: 512, constraints: {} },
    { key: "b", instances: 3, cpus: 0.5, memoryMb: 512, constraints: {} },
  ]);
  for (const u of p.usage.values()) assert.deepEqual(u, { cpus: 1, memoryMb: 1024, instances: 2 });
  assert.throws(
    () =>
      place(h, [
        { key: "c", instances: 2, cpus: 0.75, memoryMb: 512, constraints: {} },
        { key: "d", instances: 2, cpus: 0.5, memoryMb: 512, constraints: {} },
      ]),
    (e: unknown) =>
      e instanceof PlacementError &&
      e.failures.length === 1 &&
      e.failures[0].key === "d" &&
      e.failures[0].reason ===
        "needs 2 instances (0.5 CPUs, 512 MiB each) on distinct slave hosts; only 1 of the 3 eligible host(s) have that capacity left (capacity exceeded)",
  );
  assert.throws(
    () => place(h, [{ key: "e", instances: 4, cpus: 0.1, memoryMb: 10, constraints: {} }]),
    (e: unknown) =>
      e instanceof PlacementError &&
      e.failures[0].reason ===
        "needs 4 instances on distinct slave hosts, but only 3 such host(s) exist",
  );
});

test("bigger hosts take proportionally more instances", () => {
  const h: PlacementHost[] = [
    { id: "big", cpus: 64, memoryMb: 1 << 20, labels: {} },
    ...hosts(4, 16, 1 << 20),
  ];
  const p = place(h, requests(400, 1));
  const big = p.usage.get("big")!.instances;
  // Expected share 64/128 = 200 of 400; allow sampling noise.
  assert.ok(big > 170 && big < 230, `big host took ${big} of 400`);
});

test("property: adding a host moves only instances onto the new host; removing one moves only its own", () => {
  for (let seed = 1; seed <= 60; seed++) {
    const rand = rng(seed);
    const n = 10 + Math.floor(rand() * 40);
    const inventory = Array.from({ length: n }, (_, i) => ({
      id: `h${seed}-${i}`,
      cpus: [8, 16, 32][Math.floor(rand() * 3)],
      memoryMb: 1 << 20,
      labels: { zone: ["a", "b", "c"][Math.floor(rand() * 3)] },
    }));
    const reqs: PlacementRequest[] = Array.from(
      { length: 30 + Math.floor(rand() * 120) },
      (_, i) => ({
        key: `s${seed}-${i}`,
        instances: 1 + Math.floor(rand() * 3),
        cpus: 0.25,
        memoryMb: 256,
        constraints: (rand() < 0.2
          ? { zone: ["a", "b", "c"][Math.floor(rand() * 3)] }
          : {}) as Record<string, string>,
      }),
    ).filter(
      (r) =>
        inventory.filter((h) => !r.constraints.zone || h.labels.zone === r.constraints.zone)
          .length > r.instances,
    );
    const before = place(inventory, reqs);
    const total = [...before.usage.values()].reduce((s, u) => s + u.instances, 0);

    const added = { id: `h${seed}-new`, cpus: 16, memoryMb: 1 << 20, labels: { zone: "a" } };
    const grown = place([...inventory, added], reqs);
    const movesIn = moved(before.assignments, grown.assignments);
    for (const m of movesIn) {
      assert.deepEqual(m.to, [added.id], `seed ${seed}: ${m.key} moved to ${m.to}`);
      assert.equal(m.from.length, 1, `seed ${seed}: ${m.key}`);
    }
    assert.equal(movesIn.length, grown.usage.get(added.id)!.instances, `seed ${seed}`);
    assert.ok(
      movesIn.length <= Math.ceil((total * 16) / 100) + 10,
      `seed ${seed}: ${movesIn.length} of ${total} moved`,
    );

    const gone = inventory[Math.floor(rand() * n)];
    const shrunk = place(
      inventory.filter((h) => h.id !== gone.id),
      reqs,
    );
    for (const m of moved(before.assignments, shrunk.assignments)) {
      assert.deepEqual(m.from, [gone.id], `seed ${seed}: ${m.key} left ${m.from}`);
      assert.equal(m.to.length, 1, `seed ${seed}: ${m.key}`);
    }
  }
});
