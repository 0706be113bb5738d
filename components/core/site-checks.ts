/**
 * Checks of the hosts and the catalog together, which the schema of either cannot make alone:
 * addresses used twice, slaves too small for a Mesos agent, entries Marathon or Chronos could
 * never place, and ports that one container or one host would be given twice. Pure: each tells
 * `problem` (the stack file) or `catalogProblem` (the catalog) what it finds.
 */
import { Catalog, ServiceSpec } from "./catalog";
import { HostSpec, RunMode, StackConfig } from "./config-schema";

type Report = (path: string, expected: string) => void;

/**
 * What a Mesos agent keeps back from Mesos for the per-host daemons (Consul agent, Filebeat,
 * cAdvisor, the agent itself), so tasks never starve them.
 */
export const MESOS_AGENT_RESERVE = { cpus: 1, memoryMb: 1024 } as const;

/** The host ports a Mesos agent offers Marathon's tasks (its default `ports` resource). */
export const MESOS_TASK_PORTS = { first: 31000, last: 32000 } as const;

/** The port of a command-checked service's HTTP bridge: the service port + 10000. */
export const BRIDGE_PORT_OFFSET = 10000;

/**
 * A stats page address every balancer can bind: each binds the same one, and a host's own address
 * is no other host's. Every address (`*`, 0.0.0.0) and the loopback are on every host.
 */
export function statsAddressProblems(
  statsAddress: string | undefined,
  loadBalancers: number,
  problem: Report,
): void {
  if (statsAddress === undefined || loadBalancers <= 1) return;
  if (statsAddress === "*" || statsAddress === "0.0.0.0" || statsAddress.startsWith("127.")) return;
  problem(
    "loadBalancer.statsAddress",
    `*, 127.0.0.1 or 0.0.0.0 where there are ${loadBalancers} load balancers: each binds it, and ${statsAddress} is one host's address at most`,
  );
}

/** Two hosts at one address (case does not matter in DNS). */
export function addressProblems(hosts: readonly HostSpec[], problem: Report): void {
  const seen = new Map<string, number>();
  hosts.forEach((h, i) => {
    const key = h.address.toLowerCase();
    const prior = seen.get(key);
    if (prior !== undefined)
      problem(
        `hosts[${i}].address`,
        `an address no other host has; ${h.address} is already hosts[${prior}] (${hosts[prior].id})`,
      );
    else seen.set(key, i);
  });
}

/** Slaves with nothing left for Mesos tasks after the agent's reserve. */
export function mesosReserveProblems(
  hosts: readonly HostSpec[],
  slaves: ReadonlySet<string>,
  problem: Report,
): void {
  const { cpus, memoryMb } = MESOS_AGENT_RESERVE;
  hosts.forEach((h, i) => {
    if (!slaves.has(h.id)) return;
    if (h.cpus <= cpus)
      problem(
        `hosts[${i}].cpus`,
        `more than the ${cpus} CPU a Mesos agent keeps for the host's own daemons; slave ${h.id} has ${h.cpus}`,
      );
    if (h.memoryMb <= memoryMb)
      problem(
        `hosts[${i}].memoryMb`,
        `more than the ${memoryMb} MiB a Mesos agent keeps for the host's own daemons; slave ${h.id} has ${h.memoryMb}`,
      );
  });
}

/** What a Mesos agent on `host` offers its tasks. */
export function mesosOffer(host: Pick<HostSpec, "cpus" | "memoryMb">): {
  cpus: number;
  memoryMb: number;
} {
  return {
    cpus: host.cpus - MESOS_AGENT_RESERVE.cpus,
    memoryMb: host.memoryMb - MESOS_AGENT_RESERVE.memoryMb,
  };
}

interface MesosEntry {
  instances: number;
  cpus: number;
  memoryMb: number;
  constraints: Record<string, string>;
}

/** Why Mesos could never run `entry` on the working slaves, or undefined when it could. */
function mesosFitProblem(entry: MesosEntry, slaves: readonly HostSpec[]): string | undefined {
  const matching = slaves.filter((h) =>
    Object.entries(entry.constraints).every(([k, v]) => h.labels[k] === v),
  );
  const labels = Object.entries(entry.constraints)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  if (matching.length === 0)
    return `constraints some working slave meets; none has ${labels === "" ? "a working slave at all" : labels}`;
  const fitting = matching.filter((h) => {
    const offer = mesosOffer(h);
    return offer.cpus >= entry.cpus && offer.memoryMb >= entry.memoryMb;
  });
  if (fitting.length === 0)
    return `at most what one Mesos agent offers (the slave minus ${MESOS_AGENT_RESERVE.cpus} CPU and ${MESOS_AGENT_RESERVE.memoryMb} MiB); it asks ${entry.cpus} CPUs and ${entry.memoryMb} MiB, the largest matching slave offers ${Math.max(...matching.map((h) => mesosOffer(h).cpus))} CPUs`;
  if (fitting.length < entry.instances)
    return `at most as many instances as slaves that can hold one (Marathon runs one per agent); ${entry.instances} asked, ${fitting.length} can`;
  return undefined;
}

/**
 * `marathon`-mode entries Mesos could never place on the slaves that are not failed: a service's
 * instances go one per agent (`hostname UNIQUE`), a Chronos job needs one agent.
 */
export function mesosPlacementProblems(
  catalog: Catalog,
  slaves: readonly HostSpec[],
  modeOf: (m: RunMode | undefined) => RunMode,
  catalogProblem: Report,
): void {
  catalog.services.forEach((s, i) => {
    if (modeOf(s.mode) !== "marathon") return;
    const why = mesosFitProblem(s, slaves);
    if (why !== undefined) catalogProblem(`services[${i}]`, `a placement Mesos can make: ${why}`);
  });
  catalog.agents.forEach((a, i) => {
    if (modeOf(a.mode) !== "marathon") return;
    if (a.run === "loop")
      catalogProblem(
        `agents[${i}].run`,
        `expected cycle: in marathon mode Chronos starts a container per run, and a loop agent's run never ends (${a.name})`,
      );
    const why = mesosFitProblem({ ...a, instances: 1 }, slaves);
    if (why !== undefined) catalogProblem(`agents[${i}]`, `a placement Mesos can make: ${why}`);
  });
}

/** The bridge port of a command-checked service, undefined for the others. */
function bridgePortOf(s: ServiceSpec): number | undefined {
  return s.check.command ? s.port + BRIDGE_PORT_OFFSET : undefined;
}

/**
 * Ports the catalog and the stack would give twice or could not give: a bridge port beyond
 * 65535 or on another service's port; the stats page on a service's frontend (one HAProxy
 * listens on both); with Mesos, a service port among those the agents offer Marathon's tasks.
 */
export function portProblems(
  config: Pick<StackConfig, "loadBalancer">,
  catalog: Catalog,
  mesos: boolean,
  problem: Report,
  catalogProblem: Report,
): void {
  const owners = new Map<number, string>();
  catalog.services.forEach((s, i) => owners.set(s.port, `services[${i}] (${s.name})`));
  catalog.services.forEach((s, i) => {
    const bridge = bridgePortOf(s);
    if (bridge !== undefined && bridge > 65535)
      catalogProblem(
        `services[${i}].port`,
        `a port of at most ${65535 - BRIDGE_PORT_OFFSET} for a command-checked service (its HTTP bridge listens on the port + ${BRIDGE_PORT_OFFSET}); got ${s.port}`,
      );
    else if (bridge !== undefined && owners.has(bridge))
      catalogProblem(
        `services[${i}].port`,
        `a port whose bridge port (+${BRIDGE_PORT_OFFSET}: ${bridge}) no service uses; ${bridge} is ${owners.get(bridge)}`,
      );
    else if (bridge !== undefined) owners.set(bridge, `the bridge port of services[${i}]`);
    if (
      mesos &&
      [s.port, bridge].some(
        (p) => p !== undefined && p >= MESOS_TASK_PORTS.first && p <= MESOS_TASK_PORTS.last,
      )
    )
      catalogProblem(
        `services[${i}].port`,
        `a port (and bridge port) outside ${MESOS_TASK_PORTS.first}-${MESOS_TASK_PORTS.last}, the host ports Mesos agents give Marathon's tasks; got ${s.port}`,
      );
  });
  const stats = config.loadBalancer.statsPort;
  const statsOwner = catalog.services.findIndex((s) => s.port === stats);
  if (statsOwner >= 0)
    problem(
      "loadBalancer.statsPort",
      `a port no service's frontend uses (every load balancer listens on both); ${stats} is services[${statsOwner}] (${catalog.services[statsOwner].name}) of ${catalog.file}`,
    );
}
