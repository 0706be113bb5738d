// Placement stability as a property, over many seeded random 40-slave inventories (mixed sizes)
// and paper-size catalogs: adding one slave moves only the instances the new host takes over
// (about 1/41 of them); removing one moves only the instances that were on it; nothing else
// changes. At the Pulumi level: the container (and registration) logical names differ exactly by
// the moved instances, so `pulumi up` after a host change replaces only those containers.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, ofType, settle } from "../support/mocks";

const declared = installMocks("prod");
import { parseCatalog } from "../../components/core/catalog";
import {
  GeneratedHost,
  generateCatalog,
  generateInventory,
  generateSlave,
  seededRandom,
  stackEntries,
} from "../../components/core/catalog-generator";
import { PlatformSpec, resolvePlatform } from "../../components/core/platform-spec";
import { stackConfigFromEntries } from "../../components/core/stack-config";
import { Platform } from "../../components/platform";

const TRIALS = 40;

function resolve(
  hosts: GeneratedHost[],
  seed: number,
  size = { services: 138, agents: 116 },
): PlatformSpec {
  return resolvePlatform(
    stackConfigFromEntries(stackEntries(hosts), "Pulumi.prod.yaml"),
    parseCatalog(generateCatalog({ ...size, seed }), "generated.yaml"),
    {
      stack: "prod",
      configFile: "Pulumi.prod.yaml",
      configPrefix: "config.lhcb-platform:",
    },
  );
}

/** Instances as `<entry key>@<host id>`, for `pulumi`-mode entries. */
function instances(spec: PlatformSpec): Set<string> {
  const out = new Set<string>();
  for (const e of [...spec.services, ...spec.agents])
    for (const h of e.hosts) out.add(`${e.key}@${h}`);
  return out;
}

/**
 * Logical names of the resources of each instance, built as the components build them:
 * ServiceInstances (`platform-services`) declares `<name>-<key>-<host>` and its registration
 * `<name>-<key>-<host>-registration`; ScheduledAgents (`platform-agents`) `<name>-<key>-<host>`.
 */
function instanceResourceNames(spec: PlatformSpec): Set<string> {
  const out = new Set<string>();
  for (const s of spec.services.filter((x) => x.mode === "pulumi")) {
    for (const h of s.hosts) {
      out.add(`platform-services-${s.key}-${h}`);
      out.add(`platform-services-${s.key}-${h}-registration`);
    }
  }
  for (const a of spec.agents.filter((x) => x.mode === "pulumi"))
    for (const h of a.hosts) out.add(`platform-agents-${a.key}-${h}`);
  return out;
}

const minus = <T>(a: Set<T>, b: Set<T>) => new Set([...a].filter((x) => !b.has(x)));

/** The property holds when capacity never decides (see docs/scale.md): every slave keeps room for the largest request. */
function assertRoomToSpare(spec: PlatformSpec): void {
  const largest = [...spec.services, ...spec.agents].reduce(
    (m, e) => ({ cpus: Math.max(m.cpus, e.cpus), memoryMb: Math.max(m.memoryMb, e.memoryMb) }),
    { cpus: 0, memoryMb: 0 },
  );
  for (const h of spec.slaves) {
    const u = spec.placement.usage.get(h.id)!;
    assert.ok(
      u.cpus + largest.cpus <= h.cpus && u.memoryMb + largest.memoryMb <= h.memoryMb,
      `${h.id} is nearly full (${u.cpus}/${h.cpus} CPUs, ${u.memoryMb}/${h.memoryMb} MiB, largest request ${largest.cpus}/${largest.memoryMb}): the property is about placements with room to spare`,
    );
  }
}

/** Names of the resources of the instances `keys@hosts`, as instanceResourceNames builds them. */
function namesOf(spec: PlatformSpec, moved: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const m of moved) {
    const [key, host] = m.split("@");
    if (spec.services.some((s) => s.key === key)) {
      out.add(`platform-services-${key}-${host}`);
      out.add(`platform-services-${key}-${host}-registration`);
    } else out.add(`platform-agents-${key}-${host}`);
  }
  return out;
}

test("adding one slave to a 40-slave inventory moves only what the new host takes over, about 1/41", () => {
  let sumFraction = 0;
  let sumExpected = 0;
  for (let seed = 1; seed <= TRIALS; seed++) {
    const hosts = generateInventory({ slaves: 40, seed });
    const before = resolve(hosts, seed);
    const added = generateSlave(41, seed);
    const after = resolve([...hosts, added], seed);
    assertRoomToSpare(before);
    assertRoomToSpare(after);

    const gone = minus(instances(before), instances(after));
    const come = minus(instances(after), instances(before));
    // Every moved instance goes to the new host, and the new host holds nothing else.
    for (const i of come)
      assert.equal(
        i.split("@")[1],
        added.id,
        `seed ${seed}: ${i} moved elsewhere than the new host`,
      );
    assert.equal(come.size, gone.size);
    assert.equal(come.size, after.placement.usage.get(added.id)!.instances);
    // Each moved instance left one host for the new one: one per entry at most.
    const keys = [...come].map((i) => i.split("@")[0]);
    assert.equal(new Set(keys).size, keys.length);
    for (const i of gone)
      assert.ok(
        keys.includes(i.split("@")[0]),
        `seed ${seed}: ${i} left but its entry gained nothing`,
      );

    // How many: rendezvous hashing gives the new host a share of about its weight (CPUs) over
    // the total. Per trial the count is a sum of ~380 independent rare events, so it stays
    // under 2.5 times its expectation plus a margin of 6 (far beyond any binomial tail seen).
    const total = instances(after).size;
    const weight = added.cpus / after.slaves.reduce((n, h) => n + h.cpus, 0);
    assert.ok(
      come.size <= 2.5 * weight * total + 6,
      `seed ${seed}: ${come.size} of ${total} moved, expected about ${(weight * total).toFixed(1)}`,
    );
    sumFraction += come.size / total;
    sumExpected += weight;

    // Pulumi: the instance resources' logical names differ by exactly the moved instances.
    const namesBefore = instanceResourceNames(before);
    const namesAfter = instanceResourceNames(after);
    assert.deepEqual(minus(namesBefore, namesAfter), namesOf(before, gone));
    assert.deepEqual(minus(namesAfter, namesBefore), namesOf(after, come));
  }
  // Over all trials: the moved share matches the new host's weight within 20%; for a host of
  // average size that is 1/41 of the instances.
  const ratio = sumFraction / sumExpected;
  assert.ok(ratio > 0.8 && ratio < 1.2, `moved share / weight share = ${ratio.toFixed(2)}`);
  assert.ok(
    Math.abs(sumExpected / TRIALS - 1 / 41) < 0.01,
    `average weight share of the new host ${(sumExpected / TRIALS).toFixed(3)}`,
  );
});

test("removing one slave moves only the instances that were on it", () => {
  for (let seed = 1; seed <= TRIALS; seed++) {
    const hosts = generateInventory({ slaves: 40, seed });
    const slaves = hosts.filter((h) => h.roles.includes("slave"));
    const removed = slaves[Math.floor(seededRandom(seed)() * slaves.length)];
    const before = resolve(hosts, seed);
    const after = resolve(
      hosts.filter((h) => h !== removed),
      seed,
    );
    assertRoomToSpare(before);
    assertRoomToSpare(after);

    const gone = minus(instances(before), instances(after));
    const come = minus(instances(after), instances(before));
    const onRemoved = [...instances(before)].filter((i) => i.split("@")[1] === removed.id);
    assert.deepEqual(
      [...gone].sort(),
      onRemoved.sort(),
      `seed ${seed}: only the removed host's instances leave`,
    );
    assert.equal(come.size, gone.size);
    // Each replacement is the same entry on a host that did not hold it; no other entry changes.
    const goneKeys = [...gone].map((i) => i.split("@")[0]).sort();
    assert.deepEqual([...come].map((i) => i.split("@")[0]).sort(), goneKeys);
    for (const e of [...after.services, ...after.agents]) {
      if (!goneKeys.includes(e.key))
        assert.deepEqual(
          e.hosts,
          [...before.services, ...before.agents].find((x) => x.key === e.key)!.hosts,
        );
    }

    const namesBefore = instanceResourceNames(before);
    const namesAfter = instanceResourceNames(after);
    assert.deepEqual(minus(namesBefore, namesAfter), namesOf(before, gone));
    assert.deepEqual(minus(namesAfter, namesBefore), namesOf(after, come));
  }
});

test("the names computed here are the names the components declare", async () => {
  // A small generated platform under mocks: the instance resources it declares are exactly instanceResourceNames.
  // 16 slaves: every label constraint of the catalog matches at least 4 of them (the most instances).
  const hosts = generateInventory({ slaves: 16, seed: 11 });
  const spec = resolve(hosts, 11, { services: 12, agents: 6 });
  new Platform("platform", {
    spec,
    secrets: { consulGossipKey: pulumi.secret("a2V5"), grafanaAdminPassword: pulumi.secret("pw") },
  });
  await settle(declared);
  const isInstance = (n: string) =>
    n.startsWith("platform-services-") || n.startsWith("platform-agents-");
  const containers = [
    ...ofType(declared, "docker:index/container:Container"),
    ...ofType(declared, "consul:index/service:Service"),
  ]
    .map((r) => r.name)
    .filter(isInstance);
  assert.deepEqual(new Set(containers), instanceResourceNames(spec));
  assert.ok(containers.length > 30);
});
