// The generator of DIRAC-like catalogs and inventories: exact counts, determinism, and output that
// goes through the program's own validation and placement.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCatalog, parseCatalogYaml } from "../../components/core/catalog";
import {
  generateCatalog,
  generateInventory,
  generatePlatform,
  generateSlave,
  paperScale,
} from "../../components/core/catalog-generator";
import { parseCron } from "../../components/core/cron";
import { resolvePlatform } from "../../components/core/platform-spec";
import { stackConfigFromEntries } from "../../components/core/stack-config";
import { stringify } from "yaml";

const resolveGenerated = (g: ReturnType<typeof generatePlatform>) =>
  resolvePlatform(
    stackConfigFromEntries(g.entries, "Pulumi.prod.yaml"),
    parseCatalog(g.catalog, "generated.yaml"),
    {
      stack: "prod",
      configFile: "Pulumi.prod.yaml",
      configPrefix: "config.lhcb-platform:",
    },
  );

test("the paper's size: exact counts of entries and hosts", () => {
  const g = generatePlatform(paperScale(1));
  assert.equal(g.catalog.services!.length, 138);
  assert.equal(g.catalog.agents!.length, 116);
  const roles = (r: string) => g.hosts.filter((h) => h.roles.includes(r as never)).length;
  assert.deepEqual(
    [roles("master"), roles("slave"), roles("lb"), roles("monitoring"), roles("logging")],
    [5, 40, 3, 1, 1],
  );
  assert.equal(g.hosts.length, 50);
  // A few marathon-mode entries: every 40th service and agent.
  assert.equal(g.catalog.services!.filter((s) => s.mode === "marathon").length, 3);
  assert.equal(g.catalog.agents!.filter((a) => a.mode === "marathon").length, 2);
});

test("ten times the paper's size", () => {
  const g = generatePlatform(paperScale(10));
  assert.equal(g.catalog.services!.length, 1380);
  assert.equal(g.catalog.agents!.length, 1160);
  assert.equal(g.hosts.filter((h) => h.roles.includes("slave")).length, 400);
});

test("names and ports are unique, ports consecutive from 9100, checks of every kind, instances 2-4", () => {
  const c = generateCatalog(paperScale(10));
  const names = [...c.services!, ...c.agents!].map((e) => e.name.toLowerCase());
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(
    c.services!.map((s) => s.port),
    c.services!.map((_, i) => 9100 + i),
  );
  const kinds = new Set(
    c.services!.map((s) => (s.check?.http ? "http" : s.check?.tcp ? "tcp" : "command")),
  );
  assert.deepEqual([...kinds].sort(), ["command", "http", "tcp"]);
  for (const s of c.services!) assert.ok(s.instances! >= 2 && s.instances! <= 4, s.name);
  assert.ok(c.services!.some((s) => s.constraints !== undefined));
  for (const a of c.agents!) assert.doesNotThrow(() => parseCron(a.schedule!), a.schedule);
});

test("the same seed gives the same platform; another seed another catalog", () => {
  assert.deepEqual(generatePlatform(paperScale(1, 7)), generatePlatform(paperScale(1, 7)));
  assert.notDeepEqual(generateCatalog(paperScale(1, 7)), generateCatalog(paperScale(1, 8)));
  // Inventories of different sizes share their first hosts.
  assert.deepEqual(
    generateInventory({ slaves: 41, seed: 3 }).filter((h) => h.id !== "prod-slave-41"),
    generateInventory({ slaves: 40, seed: 3 }),
  );
  assert.deepEqual(
    generateSlave(41, 3),
    generateInventory({ slaves: 41, seed: 3 }).find((h) => h.id === "prod-slave-41"),
  );
});

test("the generated config and catalog pass the program's validation and placement, at both scales", () => {
  for (const scale of [1, 10]) {
    const g = generatePlatform(paperScale(scale));
    const spec = resolveGenerated(g);
    assert.equal(spec.services.length, 138 * scale);
    assert.equal(spec.agents.length, 116 * scale);
    assert.equal(spec.slaves.length, 40 * scale);
    assert.equal(spec.masters.length, 5);
    assert.equal(spec.features.mesos, true);
    for (const s of spec.services)
      assert.equal(s.hosts.length, s.mode === "pulumi" ? s.instances : 0, s.name);
    for (const a of spec.agents) assert.equal(a.hosts.length, a.mode === "pulumi" ? 2 : 0, a.name);
    // Room to spare on every slave: no host above two thirds of its CPUs or memory.
    for (const h of spec.slaves) {
      const u = spec.placement.usage.get(h.id)!;
      assert.ok(
        u.cpus <= (h.cpus * 2) / 3 && u.memoryMb <= (h.memoryMb * 2) / 3,
        `${h.id}: ${u.cpus}/${h.cpus} CPUs, ${u.memoryMb}/${h.memoryMb} MiB`,
      );
    }
  }
});

test("the catalog survives a round trip through YAML, as the program reads it", () => {
  const g = generatePlatform(paperScale(1, 5));
  assert.deepEqual(
    parseCatalogYaml(stringify(g.catalog), "generated.yaml"),
    parseCatalog(g.catalog, "generated.yaml"),
  );
});

test("many seeds: every generated platform places", () => {
  for (let seed = 1; seed <= 20; seed++)
    assert.doesNotThrow(
      () => resolveGenerated(generatePlatform(paperScale(1, seed))),
      `seed ${seed}`,
    );
});
