import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PlatformInputError } from "../../components/core/errors";
import { loadPlatform } from "../../components/core/stack-config";
import { tempDir } from "../../scripts/temp-dir";

const FILE = "Pulumi.prod.yaml";

function masters(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `m${i + 1}`,
    address: `m${i + 1}.example.org`,
    roles: ["master"],
    cpus: 4,
    memoryMb: 8192,
    docker: { host: `ssh://root@m${i + 1}.example.org` },
  }));
}
const slaves = [1, 2, 3].map((i) => ({
  id: `s${i}`,
  address: `s${i}.example.org`,
  roles: ["slave"],
  cpus: 2,
  memoryMb: 4096,
  labels: { disk: i === 1 ? "ssd" : "hdd" },
  docker: { host: `ssh://root@s${i}.example.org` },
}));
const others = [
  {
    id: "lb1",
    address: "lb1.example.org",
    roles: ["lb"],
    cpus: 2,
    memoryMb: 2048,
    docker: { host: "ssh://root@lb1.example.org" },
  },
  {
    id: "lb2",
    address: "lb2.example.org",
    roles: ["lb"],
    cpus: 2,
    memoryMb: 2048,
    docker: { host: "ssh://root@lb2.example.org" },
  },
  {
    id: "ops",
    address: "ops.example.org",
    roles: ["monitoring", "logging"],
    cpus: 4,
    memoryMb: 8192,
    docker: { host: "ssh://root@ops.example.org" },
  },
];

const GOOD_CATALOG = `services:
  - name: Framework/Monitoring
    instances: 2
    port: 9142
agents:
  - name: Transformation/TransformationAgent
    schedule: "*/5 * * * *"
`;

/** Loads a prod platform from config entries and a catalog text; returns the error message or "ok". */
function attempt(config: Record<string, unknown>, catalog = GOOD_CATALOG): string {
  const dir = tempDir("platform-input-");
  writeFileSync(join(dir, "catalog.yaml"), catalog);
  const entries: Record<string, unknown> = {
    "lhcb-platform:catalog": "catalog.yaml",
    "lhcb-platform:hosts": [...masters(3), ...slaves, ...others],
    "lhcb-platform:adminNetworks": ["ops.example.org"],
  };
  for (const [k, v] of Object.entries(config)) entries[`lhcb-platform:${k}`] = v;
  try {
    loadPlatform(dir, "prod", entries, FILE);
    return "ok";
  } catch (e) {
    assert.ok(e instanceof PlatformInputError, `expected a PlatformInputError, got ${e}`);
    return e.message;
  }
}

test("a valid config and catalog load", () => {
  assert.equal(attempt({}), "ok");
});

test("unknown keys are refused with the path", () => {
  assert.equal(
    attempt({ colour: "blue" }),
    "Pulumi.prod.yaml: config.lhcb-platform:colour: unknown key; expected only the documented keys (see README.md)",
  );
  const hosts = [...masters(3), ...slaves, ...others];
  hosts[4] = { ...hosts[4], cpu: 4 } as never;
  assert.equal(
    attempt({ hosts }),
    "Pulumi.prod.yaml: config.lhcb-platform:hosts[4].cpu: unknown key; expected only the documented keys (see README.md)",
  );
  assert.equal(
    attempt({}, GOOD_CATALOG.replace("port: 9142", "port: 9142\n    replicas: 3")),
    "catalog.yaml: services[0].replicas: unknown key; expected only the documented keys (see README.md)",
  );
});

test("wrong types are refused with the path and the expected type", () => {
  const hosts = [...masters(3), ...slaves, ...others];
  hosts[3] = { ...hosts[3], cpus: "two" } as never;
  assert.equal(
    attempt({ hosts }),
    "Pulumi.prod.yaml: config.lhcb-platform:hosts[3].cpus: Invalid input: expected number, received string",
  );
  assert.equal(
    attempt({}, GOOD_CATALOG.replace("port: 9142", "port: 70000")),
    "catalog.yaml: services[0].port: expected a port 1-65535",
  );
  assert.equal(
    attempt({ mode: "kubernetes" }),
    'Pulumi.prod.yaml: config.lhcb-platform:mode: Invalid option: expected one of "pulumi"|"marathon"',
  );
});

test("duplicate service names and ports are refused", () => {
  const dup = GOOD_CATALOG.replace(
    "agents:",
    "  - name: Framework/Monitoring\n    port: 9143\nagents:",
  );
  assert.equal(
    attempt({}, dup),
    'catalog.yaml: services[1].name: a unique name; "Framework/Monitoring" is already used by services[0]',
  );
  const port = GOOD_CATALOG.replace(
    "agents:",
    "  - name: Framework/Other\n    port: 9142\nagents:",
  );
  assert.equal(
    attempt({}, port),
    "catalog.yaml: services[1].port: a port no other service uses; 9142 is already used by services[0] (Framework/Monitoring)",
  );
});

test("impossible placement and exceeded capacity are refused", () => {
  const tooMany = GOOD_CATALOG.replace(
    "instances: 2",
    "instances: 2\n    constraints: { disk: ssd }",
  );
  assert.equal(
    attempt({}, tooMany),
    'catalog.yaml: services[0]: a placement that fits: needs 2 instances on distinct slave hosts matching {"disk":"ssd"}, but only 1 such host(s) exist',
  );
  const big = GOOD_CATALOG.replace("instances: 2", "instances: 3\n    cpus: 1.5");
  assert.equal(attempt({}, big + "\n"), "ok");
  const bigger = `services:
  - { name: A/One, instances: 3, port: 9001, cpus: 1.5 }
  - { name: A/Two, instances: 3, port: 9002, cpus: 1 }
`;
  assert.equal(
    attempt({}, bigger),
    "catalog.yaml: services[1]: a placement that fits: needs 3 instances (1 CPUs, 256 MiB each) on distinct slave hosts; only 0 of the 3 eligible host(s) have that capacity left (capacity exceeded)",
  );
});

test("an even or too small quorum is refused for prod; local takes 1 or 3", () => {
  const withMasters = (n: number) => ({ hosts: [...masters(n), ...slaves, ...others] });
  assert.equal(
    attempt(withMasters(4)),
    "Pulumi.prod.yaml: config.lhcb-platform:hosts: expected an odd number of master hosts for prod, got 4: a quorum of 3 tolerates 1 failure(s), no more than 3 masters would",
  );
  assert.equal(
    attempt(withMasters(1)),
    "Pulumi.prod.yaml: config.lhcb-platform:hosts: expected an odd number of at least 3 master hosts for prod, got 1: the quorum of 1 would tolerate no failure",
  );
  assert.equal(attempt(withMasters(5)), "ok");
  assert.equal(
    attempt({ ...withMasters(2), environment: "local" }),
    "Pulumi.prod.yaml: config.lhcb-platform:hosts: expected 1 or 3 master hosts for the local stack, got 2",
  );
  assert.equal(attempt({ ...withMasters(1), environment: "local" }), "ok");
});

test("an invalid cron expression is refused", () => {
  assert.equal(
    attempt({}, GOOD_CATALOG.replace('"*/5 * * * *"', '"*/5 * * *"')),
    'catalog.yaml: agents[0].schedule: invalid cron expression "*/5 * * *": expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got 4',
  );
});

test("a malformed YAML file is refused with line and column", () => {
  assert.equal(
    attempt({}, "services:\n  - name: A/B\n    port: [9001\n"),
    "catalog.yaml: line 4, column 1: malformed YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
  );
  assert.equal(
    attempt({}, "services:\n  - name: A/B\n    name: A/C\n    port: 9001\n"),
    "catalog.yaml: line 3, column 5: malformed YAML: Map keys must be unique",
  );
});

test("every problem is reported at once", () => {
  const hosts = [...masters(4), ...slaves, ...others.filter((h) => h.id !== "ops")];
  const message = attempt({ hosts });
  assert.deepEqual(message.split("\n"), [
    "Pulumi.prod.yaml: config.lhcb-platform:hosts: expected an odd number of master hosts for prod, got 4: a quorum of 3 tolerates 1 failure(s), no more than 3 masters would",
    "Pulumi.prod.yaml: config.lhcb-platform:hosts: a host with role monitoring (features.metrics is on)",
    "Pulumi.prod.yaml: config.lhcb-platform:hosts: a host with role logging (features.logging is on)",
  ]);
});

test("consul-esm cannot be switched off while pulumi-mode services are registered in the catalog", () => {
  const off = { features: { logging: true, metrics: true, grafana: true, consulEsm: false } };
  assert.equal(
    attempt(off),
    "Pulumi.prod.yaml: config.lhcb-platform:features.consulEsm: expected true: the instances of pulumi-mode services are registered in the Consul catalog, where only consul-esm runs their checks",
  );
  // With every service in marathon mode, nothing is registered in the catalog: consul-esm may be off.
  assert.equal(attempt({ ...off, mode: "marathon" }), "ok");
  // The `backend` switch (the project's own dynamic providers) is gone: every stack uses the plugins.
  assert.equal(
    attempt({ backend: "dynamic" }),
    "Pulumi.prod.yaml: config.lhcb-platform:backend: unknown key; expected only the documented keys (see README.md)",
  );
});

test("failed hosts: ids of the inventory, each once; their instances get replacements", () => {
  assert.equal(
    attempt({ failedHosts: ["s9", "s2", "s2"] }),
    [
      'Pulumi.prod.yaml: config.lhcb-platform:failedHosts[0]: the id of a host in hosts; "s9" is not one',
      'Pulumi.prod.yaml: config.lhcb-platform:failedHosts[2]: each host once; "s2" appears twice',
    ].join("\n"),
  );
  assert.equal(attempt({ failedHosts: '["s2"]' }), "ok", "as the engine hands it over: JSON text");
  assert.equal(
    attempt({ failedHosts: "s2" }),
    "Pulumi.prod.yaml: config.lhcb-platform:failedHosts: a structured value (map or list)",
  );
  const dir = tempDir("platform-input-");
  writeFileSync(join(dir, "catalog.yaml"), GOOD_CATALOG);
  const entries = (failedHosts: string[]) => ({
    "lhcb-platform:catalog": "catalog.yaml",
    "lhcb-platform:hosts": [...masters(3), ...slaves, ...others],
    "lhcb-platform:adminNetworks": ["ops.example.org"],
    "lhcb-platform:failedHosts": failedHosts,
  });
  const whole = loadPlatform(dir, "prod", entries([]), FILE);
  const [failed] = whole.services[0].hosts;
  const around = loadPlatform(dir, "prod", entries([failed]), FILE);
  assert.deepEqual(around.failedHosts, [failed]);
  assert.deepEqual(
    around.services[0].hosts,
    ["s1", "s2", "s3"],
    "the failed host's instance stays, and the third slave holds its replacement",
  );
  assert.deepEqual(around.placement.shortfalls, []);
});

test("lost hosts: ids of the inventory, each once; down as failed hosts are, and listed apart", () => {
  assert.equal(
    attempt({ lostHosts: ["s9", "s2", "s2"] }),
    [
      'Pulumi.prod.yaml: config.lhcb-platform:lostHosts[0]: the id of a host in hosts; "s9" is not one',
      'Pulumi.prod.yaml: config.lhcb-platform:lostHosts[2]: each host once; "s2" appears twice',
    ].join("\n"),
  );
  assert.equal(
    attempt({ lostHosts: "s2" }),
    "Pulumi.prod.yaml: config.lhcb-platform:lostHosts: a structured value (map or list)",
  );
  const dir = tempDir("platform-input-");
  writeFileSync(join(dir, "catalog.yaml"), GOOD_CATALOG);
  const entries = (down: Record<string, string[]>) => ({
    "lhcb-platform:catalog": "catalog.yaml",
    "lhcb-platform:hosts": [...masters(3), ...slaves, ...others],
    "lhcb-platform:adminNetworks": ["ops.example.org"],
    ...Object.fromEntries(Object.entries(down).map(([k, v]) => [`lhcb-platform:${k}`, v])),
  });
  const [first] = loadPlatform(dir, "prod", entries({}), FILE).services[0].hosts;
  const failed = loadPlatform(dir, "prod", entries({ failedHosts: [first] }), FILE);
  const lost = loadPlatform(dir, "prod", entries({ lostHosts: [first] }), FILE);
  assert.deepEqual([lost.failedHosts, lost.lostHosts], [[first], [first]]);
  assert.deepEqual([failed.failedHosts, failed.lostHosts], [[first], []]);
  assert.deepEqual(lost.services, failed.services, "placed around as a failed host is");
  // In both lists, it is down once.
  const both = loadPlatform(
    dir,
    "prod",
    entries({ failedHosts: [first], lostHosts: [first] }),
    FILE,
  );
  assert.deepEqual([both.failedHosts, both.lostHosts], [[first], [first]]);
});
