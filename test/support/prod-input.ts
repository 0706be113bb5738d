// A prod stack file's entries and a catalog, valid as they are, for tests that change one thing
// and read what the validation says: 3 masters, 3 slaves (2 CPUs, 4 GiB, labelled), 2 load
// balancers and an ops host, with Mesos on; a pulumi-mode service, a marathon-mode one with a
// command check, and an agent of each mode.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PlatformInputError } from "../../components/core/errors";
import { loadCheckedPlatform } from "../../components/stack-checks";
import { tempDir } from "../../scripts/temp-dir";

export const STACK_FILE = "Pulumi.prod.yaml";
export const CATALOG_FILE = "catalog.yaml";

/** A host of the fixture, as a stack file holds it. */
export interface HostEntry {
  id: string;
  address: string;
  roles: string[];
  cpus: number;
  memoryMb: number;
  labels?: Record<string, string>;
  docker: { host: string; certPath?: string };
  [key: string]: unknown;
}

function host(id: string, roles: string[], cpus: number, memoryMb: number): HostEntry {
  return {
    id,
    address: `${id}.example.org`,
    roles,
    cpus,
    memoryMb,
    docker: { host: `ssh://root@${id}.example.org` },
  };
}

/** The fixture's hosts, new objects on every call. */
export function prodHosts(): HostEntry[] {
  return [
    ...[1, 2, 3].map((i) => host(`m${i}`, ["master"], 4, 8192)),
    ...[1, 2, 3].map((i) => ({
      ...host(`s${i}`, ["slave"], 2, 4096),
      labels: { disk: i === 1 ? "ssd" : "hdd", zone: `z${i}` },
    })),
    host("lb1", ["lb"], 2, 2048),
    host("lb2", ["lb"], 2, 2048),
    host("ops", ["monitoring", "logging"], 4, 8192),
  ];
}

export const PROD_CATALOG = `services:
  - name: Framework/Monitoring
    instances: 2
    port: 9142
  - name: WorkloadManagement/JobManager
    mode: marathon
    instances: 2
    port: 9130
    check: { command: [dirac-ping, WorkloadManagement/JobManager] }
agents:
  - name: Transformation/TransformationAgent
    schedule: "*/5 * * * *"
  - name: WorkloadManagement/StalledJobAgent
    mode: marathon
    schedule: "0 * * * *"
`;

/**
 * Loads the fixture with `config` over its entries (`hosts` and the rest, under `lhcb-platform:`)
 * and `catalog` as the catalog's text, through the checks a deployment runs; returns "ok" or the
 * problems, one line each.
 */
export function attemptProd(
  config: Record<string, unknown> = {},
  catalog = PROD_CATALOG,
  stack = "prod",
): string[] | "ok" {
  const dir = tempDir("prod-input-");
  writeFileSync(join(dir, CATALOG_FILE), catalog);
  const entries: Record<string, unknown> = {
    "lhcb-platform:catalog": CATALOG_FILE,
    "lhcb-platform:hosts": prodHosts(),
    "lhcb-platform:adminNetworks": ["192.0.2.10"],
    "lhcb-platform:features": { mesos: true },
  };
  for (const [k, v] of Object.entries(config)) entries[`lhcb-platform:${k}`] = v;
  try {
    loadCheckedPlatform(dir, stack, entries, STACK_FILE);
    return "ok";
  } catch (e) {
    assert.ok(e instanceof PlatformInputError, `expected a PlatformInputError, got ${String(e)}`);
    return e.message.split("\n");
  }
}

/** The fixture's hosts with `change` applied to the one at `index`. */
export function hostsWith(index: number, change: Partial<HostEntry>): HostEntry[] {
  return prodHosts().map((h, i) => (i === index ? { ...h, ...change } : h));
}
