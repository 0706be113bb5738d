/**
 * A deterministic (seeded) generator of DIRAC-like catalogs and prod-like inventories at any
 * scale, for benchmarks and property tests. It produces what an operator would write — stack
 * config entries (`lhcb-platform:key` → value, as in `Pulumi.<stack>.yaml`) and a catalog value
 * (as in the catalog YAML) — so callers put them through the same validation path as the
 * program: `stackConfigFromEntries`, `parseCatalog`, `resolvePlatform`.
 *
 * Capacity: every slave has at least 16 CPUs and 2 GiB per CPU; the catalog's demand is about a
 * quarter of the inventory's capacity, and every label constraint the catalog uses matches at
 * least a quarter of the slaves (at least 4 of them from 16 slaves up, the most instances an entry
 * has), so placement succeeds with room to spare: in the seeds tried, no slave is filled beyond
 * two thirds, and capacity never decides where an instance goes.
 */
import type { AgentEntryInput, CatalogInput, ServiceEntryInput } from "./catalog-schema";
import type { HostRole } from "./config-schema";

export interface GeneratorOptions {
  /** Number of services in the catalog. */
  services: number;
  /** Number of scheduled agents in the catalog. */
  agents: number;
  /** Number of slave hosts. */
  slaves: number;
  /** Seed of the pseudo-random choices; the same options give the same output. Default 1. */
  seed?: number;
  /** Stack name: prefix of host ids. Default `prod`. */
  stack?: string;
  /** Master hosts (odd, >= 3). Default 5. */
  masters?: number;
  /** Load balancer hosts. Default 3. */
  loadBalancers?: number;
  /** Every `marathonEvery`-th entry runs in `marathon` mode (0: none). Default 40. */
  marathonEvery?: number;
  /** First service port; ports are unique and consecutive from here. Default 9100. */
  firstPort?: number;
}

/** A host of the inventory, as written in the stack file. */
export interface GeneratedHost {
  id: string;
  address: string;
  roles: HostRole[];
  cpus: number;
  memoryMb: number;
  labels?: Record<string, string>;
  docker: { host: string };
}

export interface GeneratedPlatform {
  /** Stack config entries, keys `lhcb-platform:...`; structured values as objects. */
  entries: Record<string, unknown>;
  /** The inventory (also in `entries["lhcb-platform:hosts"]`). */
  hosts: GeneratedHost[];
  /** The catalog value (what the catalog YAML parses to). */
  catalog: CatalogInput;
}

/** DIRAC systems and typical component names. */
export const SYSTEMS = [
  "Configuration",
  "Framework",
  "DataManagement",
  "WorkloadManagement",
  "RequestManagement",
  "Transformation",
  "Accounting",
  "Monitoring",
  "StorageManagement",
  "ResourceStatus",
  "Bookkeeping",
  "ProductionManagement",
] as const;

const SERVICE_NOUNS = [
  "FileCatalog",
  "StorageElement",
  "JobManager",
  "JobMonitoring",
  "JobStateUpdate",
  "Matcher",
  "SandboxStore",
  "WMSAdministrator",
  "PilotManager",
  "ReqManager",
  "ReqProxy",
  "TransformationManager",
  "DataStore",
  "Notification",
  "ProxyManager",
  "SystemAdministrator",
  "BundleDelivery",
  "ComponentMonitoring",
  "UserProfileManager",
  "Plotting",
  "ResourceStatus",
  "ResourceManagement",
  "Publisher",
  "BookkeepingManager",
  "MCStatsElasticDB",
  "Server",
  "Gateway",
];
const AGENT_NOUNS = [
  "TransformationAgent",
  "InputDataAgent",
  "PilotStatusAgent",
  "StalledJobAgent",
  "JobCleaningAgent",
  "RequestExecutingAgent",
  "CleanReqDBAgent",
  "FTS3Agent",
  "MCExtensionAgent",
  "SiteDirector",
  "StatesAccountingAgent",
  "CacheFeederAgent",
  "ElementInspectorAgent",
  "SummarizeLogsAgent",
  "BKInputDataAgent",
  "DataRecoveryAgent",
  "ValidateOutputDataAgent",
];
const SCHEDULES = [
  "*/5 * * * *",
  "*/10 * * * *",
  "0 * * * *",
  "15 */2 * * *",
  "30 3 * * *",
  "*/30 * * * * *",
  "0 */6 * * 1-5",
  "*/2 * * * *",
];
/** Slave sizes (CPUs); memory is 2 GiB per CPU. */
const SLAVE_CPUS = [16, 16, 24, 32, 48];
/** Constraints the catalog uses; each matches at least a quarter of the slaves (labels go round-robin). */
const CONSTRAINTS: Record<string, string>[] = [
  { disk: "ssd" },
  { network: "public" },
  { zone: "a" },
  { disk: "ssd", network: "public" },
];

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

function host(
  stack: string,
  id: string,
  address: string,
  roles: HostRole[],
  cpus: number,
  labels?: Record<string, string>,
): GeneratedHost {
  return {
    id: `${stack}-${id}`,
    address,
    roles,
    cpus,
    memoryMb: cpus * 2048,
    ...(labels ? { labels } : {}),
    docker: { host: `ssh://root@${address}` },
  };
}

/**
 * Slave `index` (1-based) of a generated inventory. Its size depends on the seed and the index
 * only, so inventories of different sizes share their first hosts; its labels go round-robin
 * (disk ssd/hdd, network public/internal, zone a/b/c), so every label value is on a fair share.
 */
export function generateSlave(index: number, seed = 1, stack = "prod"): GeneratedHost {
  const rnd = seededRandom((seed * 0x9e3779b1) ^ (index * 0x85ebca6b));
  const i = index - 1;
  const labels = {
    disk: i % 2 === 0 ? "ssd" : "hdd",
    network: Math.floor(i / 2) % 2 === 0 ? "public" : "internal",
    zone: ["a", "b", "c"][i % 3],
  };
  return host(
    stack,
    `slave-${index}`,
    `lbvobox${String(index).padStart(3, "0")}.cern.ch`,
    ["slave"],
    pick(rnd, SLAVE_CPUS),
    labels,
  );
}

/** A unique `System/Component` name: the component noun, numbered when already taken. */
function uniqueName(rnd: () => number, nouns: readonly string[], taken: Set<string>): string {
  const system = pick(rnd, SYSTEMS);
  const noun = pick(rnd, nouns);
  let name = `${system}/${noun}`;
  for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${system}/${noun}${n}`;
  taken.add(name.toLowerCase());
  return name;
}

/** A catalog of `services` services and `agents` agents. */
export function generateCatalog(
  opts: Pick<GeneratorOptions, "services" | "agents" | "seed" | "marathonEvery" | "firstPort">,
): CatalogInput {
  const rnd = seededRandom(opts.seed ?? 1);
  const marathonEvery = opts.marathonEvery ?? 40;
  const firstPort = opts.firstPort ?? 9100;
  if (firstPort + opts.services > 65535 - 10000)
    throw new Error(
      `generateCatalog: ${opts.services} services from port ${firstPort} leave no room for health bridge ports (port + 10000)`,
    );
  const taken = new Set<string>();
  const services: ServiceEntryInput[] = [];
  for (let i = 0; i < opts.services; i++) {
    const name = uniqueName(rnd, SERVICE_NOUNS, taken);
    const kind = rnd();
    const s: ServiceEntryInput = {
      name,
      instances: 2 + Math.floor(rnd() * 3),
      port: firstPort + i,
    };
    if (kind < 0.4)
      s.check = { http: "/ping", intervalSeconds: pick(rnd, [2, 5]), timeoutSeconds: 1 };
    else if (kind < 0.7) {
      s.protocol = "tcp";
      s.check = { tcp: true, intervalSeconds: 3, timeoutSeconds: 2 };
    } else {
      s.protocol = "tcp";
      s.proxyProtocol = true;
      s.check = {
        command: ["platform-service", "ping"],
        intervalSeconds: 2,
        timeoutSeconds: 1,
        retries: pick(rnd, [2, 3]),
      };
    }
    const size = rnd();
    if (size < 0.15) Object.assign(s, { cpus: 1, memoryMb: 2048 });
    else if (size < 0.4) Object.assign(s, { cpus: 0.5, memoryMb: 1024 });
    else if (size < 0.5) s.memoryMb = 512;
    if (rnd() < 0.2) s.constraints = { ...pick(rnd, CONSTRAINTS) };
    if (rnd() < 0.1) s.env = { DIRAC_DB_POOL: String(5 + Math.floor(rnd() * 20)) };
    if (marathonEvery > 0 && i % marathonEvery === marathonEvery - 1) s.mode = "marathon";
    services.push(s);
  }
  const agents: AgentEntryInput[] = [];
  for (let i = 0; i < opts.agents; i++) {
    const a: AgentEntryInput = {
      name: uniqueName(rnd, AGENT_NOUNS, taken),
      schedule: pick(rnd, SCHEDULES),
      durationSeconds: 5 + Math.floor(rnd() * 120),
    };
    if (rnd() < 0.1) a.constraints = { ...pick(rnd, CONSTRAINTS.slice(0, 3)) };
    if (rnd() < 0.1) a.memoryMb = 512;
    if (marathonEvery > 0 && i % marathonEvery === marathonEvery - 1) a.mode = "marathon";
    agents.push(a);
  }
  return { defaults: { cpus: 0.25, memoryMb: 256 }, services, agents };
}

/** The prod-like inventory: masters, slaves of mixed sizes with labels, load balancers, monitoring and logging. */
export function generateInventory(
  opts: Pick<GeneratorOptions, "slaves" | "seed" | "stack" | "masters" | "loadBalancers">,
): GeneratedHost[] {
  const stack = opts.stack ?? "prod";
  const seed = opts.seed ?? 1;
  const hosts: GeneratedHost[] = [];
  for (let i = 1; i <= (opts.masters ?? 5); i++)
    hosts.push(
      host(stack, `master-${i}`, `lbmaster${String(i).padStart(2, "0")}.cern.ch`, ["master"], 8),
    );
  for (let i = 1; i <= opts.slaves; i++) hosts.push(generateSlave(i, seed, stack));
  for (let i = 1; i <= (opts.loadBalancers ?? 3); i++)
    hosts.push(host(stack, `lb-${i}`, `lbproxy${String(i).padStart(2, "0")}.cern.ch`, ["lb"], 8));
  hosts.push(host(stack, "ops-1", "lbops01.cern.ch", ["monitoring"], 16));
  hosts.push(host(stack, "ops-2", "lbops02.cern.ch", ["logging"], 16));
  return hosts;
}

/** Stack config entries for an inventory, like `Pulumi.prod.yaml`'s. */
export function stackEntries(
  hosts: GeneratedHost[],
  catalogPath = "catalog/generated.yaml",
): Record<string, unknown> {
  return {
    "lhcb-platform:environment": "prod",
    "lhcb-platform:mode": "pulumi",
    "lhcb-platform:catalog": catalogPath,
    "lhcb-platform:registry": "gitlab-registry.cern.ch/lhcb-dirac",
    "lhcb-platform:adminNetworks": ["192.0.2.0/28"],
    "lhcb-platform:features": { mesos: true },
    "lhcb-platform:loadBalancer": { statsPort: 8404, maxconn: 20000 },
    "lhcb-platform:hosts": hosts,
  };
}

/** A whole generated platform: config entries, inventory and catalog. */
export function generatePlatform(opts: GeneratorOptions): GeneratedPlatform {
  const hosts = generateInventory(opts);
  return { entries: stackEntries(hosts), hosts, catalog: generateCatalog(opts) };
}

/** The paper's size: 138 services, 116 agents, 40 slaves; `scale` multiplies each. */
export function paperScale(scale = 1, seed = 1): GeneratorOptions {
  return { services: 138 * scale, agents: 116 * scale, slaves: 40 * scale, seed };
}
