// The port guard: on each slave of a site, the ports the platform's instances publish are closed to
// every source but the platform's masters, its balancers and the stack's `adminNetworks`. Pure.
import { createHash } from "node:crypto";
import { HostSpec } from "../core/config-schema";
import {
  ContainerSpec,
  DOCKER_HEALTH_INTERVAL_SECONDS,
  healthcheck,
  platformLabels,
} from "../core/container-spec";
import { containerName } from "../core/endpoints";
import { PlatformSpec } from "../core/platform-spec";
import { READY_TIMEOUT_SECONDS } from "../core/readiness";
import { MESOS_TASK_PORTS } from "../core/site-checks";
import { EngineEndpoint, GATE_PROGRAM } from "../haproxy/balancer-gate";
import { bridgePort } from "../services/service-containers";
import { PORT_GUARD_COMMAND, PORT_GUARD_COMPONENT } from "./port-guard-names";

/**
 * What the port guard reads of the platform: the site's hosts by role, the services whose
 * instances publish ports, whether Mesos runs tasks, the image and the stack's `adminNetworks`.
 */
export type PortGuardSpec = Pick<
  PlatformSpec,
  | "stack"
  | "local"
  | "masters"
  | "slaves"
  | "loadBalancers"
  | "services"
  | "images"
  | "adminNetworks"
> & { features: Pick<PlatformSpec["features"], "mesos"> };

/** Mesos's task ports (core/site-checks.ts) as iptables writes a range. */
export const MESOS_TASK_RANGE = `${MESOS_TASK_PORTS.first}:${MESOS_TASK_PORTS.last}`;

/**
 * Every TCP port a stranger could reach an instance at on a slave, as the guard takes them
 * (`8080`, `31000:32000`), sorted: each service's port and its check bridge's (published as they
 * are by a `pulumi`-mode instance, wherever placement put it, so that an instance that moves finds
 * its port closed on its new host already; a container's own port, routed to straight, for a
 * Marathon task), and Mesos's task ports where Mesos runs. Empty on the local stack, whose
 * instances publish nothing.
 */
export function guardedPorts(spec: PortGuardSpec): string[] {
  if (spec.local) return [];
  const ports = new Set<number>();
  for (const s of spec.services) {
    ports.add(s.port);
    if (s.check.command) ports.add(bridgePort(s));
  }
  const listed = [...ports].sort((a, b) => a - b).map(String);
  return spec.features.mesos ? [...listed, MESOS_TASK_RANGE] : listed;
}

/**
 * The ports the guard on `host` closes: `guardedPorts`, but on a slave that is also a balancer,
 * whose HAProxy serves every service's port there to everyone, those ports (no instance can hold
 * them there).
 */
export function guardedPortsOn(spec: PortGuardSpec, host: HostSpec): string[] {
  if (!host.roles.includes("lb")) return guardedPorts(spec);
  const served = new Set(spec.services.map((s) => String(s.port)));
  return guardedPorts(spec).filter((p) => !served.has(p));
}

/** The slaves that get a guard: every one with a port to close. */
export function portGuardHosts(spec: PortGuardSpec): HostSpec[] {
  return spec.slaves.filter((h) => guardedPortsOn(spec, h).length > 0);
}

/**
 * Who may reach the guarded ports, in this order: the masters (consul-esm runs the instances'
 * catalog checks there), the balancers (they send every call and check every instance), then the
 * stack's `adminNetworks` (the machines that run `pulumi up`, whose readiness probes ask each new
 * instance directly). Each once.
 */
export function guardAllowed(spec: PortGuardSpec): string[] {
  const hosts = [...spec.masters, ...spec.loadBalancers].map((h) => h.address);
  return [...new Set([...hosts, ...spec.adminNetworks])];
}

/**
 * The iptables chain of the stack's guard, `LHCB-PORTS-` and 8 hex digits of the stack's name:
 * one per stack, so that two stacks on one host keep theirs apart, and within the 28 characters
 * iptables allows.
 */
export function guardChain(stack: string): string {
  return `LHCB-PORTS-${createHash("sha256").update(stack).digest("hex").slice(0, 8)}`;
}

/**
 * The guard on slave `host`: the port-guard image on the host's network, root with no capability
 * but CAP_NET_ADMIN (its chain) and CAP_NET_RAW (the raw socket iptables-legacy writes through).
 * Its Docker health check, seldom, sees that the chain and its jumps are in place.
 */
export function portGuardContainer(spec: PortGuardSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, PORT_GUARD_COMPONENT, host.id);
  return {
    name,
    hostname: name,
    image: spec.images.portGuard,
    hostNetwork: true,
    user: "0:0",
    capabilities: ["CAP_NET_ADMIN", "CAP_NET_RAW"],
    command: [PORT_GUARD_COMMAND, "run"],
    env: {
      GUARD_CHAIN: guardChain(spec.stack),
      GUARD_PORTS: guardedPortsOn(spec, host).join(" "),
      GUARD_ALLOW: guardAllowed(spec).join(" "),
      GUARD_STACK: spec.stack,
    },
    healthcheck: healthcheck([PORT_GUARD_COMMAND, "check"], {
      intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
      timeoutSeconds: 5,
      retries: 2,
    }),
    restart: "always",
    memoryMb: 32,
    labels: platformLabels(spec.stack, PORT_GUARD_COMPONENT, { "platform.host": host.id }),
    stopGraceSeconds: 2,
  };
}

/**
 * Run in a guard's container (`sh -c SCRIPT gate - - SECONDS`, as `GATE_PROGRAM` runs its
 * scripts): `platform-port-guard check` every 250 ms until the chain refuses every port and its
 * jumps are in place; after SECONDS, says what the check saw last and fails.
 */
export const GUARD_READY_SCRIPT = [
  "end=$(( $(date +%s) + $3 ))",
  "while :; do",
  `  out=$(${PORT_GUARD_COMMAND} check 2>&1) && exit 0`,
  '  [ "$(date +%s)" -ge "$end" ] && { echo "$out"; exit 1; }',
  "  sleep 0.25",
  "done",
].join("\n");

/**
 * Run in a guard's container (`sh -c SCRIPT gate - - SECONDS`): `platform-port-guard retire`,
 * which has the guard remove its chain and jumps and write nothing more.
 */
export const GUARD_RETIRE_SCRIPT = `exec ${PORT_GUARD_COMMAND} retire`;

/** How long the step that retires a guard asks its container before it fails. */
export const GUARD_RETIRE_TIMEOUT_SECONDS = 60;

/**
 * The environment of `GATE_COMMAND` running `script` in the guard's container on `host`, asked
 * through `engine`, as the host's provider reaches it: what it waits for (`failure`, for its
 * message) and for how long.
 */
function guardStepEnvironment(
  spec: Pick<PortGuardSpec, "stack" | "local">,
  host: HostSpec,
  engine: EngineEndpoint,
  step: { script: string; failure: string; timeoutSeconds: number; hint?: string },
): Record<string, string> {
  const container = containerName(spec, PORT_GUARD_COMPONENT, host.id);
  return {
    GATE_PROGRAM,
    GATE_SCRIPT: step.script,
    GATE_WHAT: `the port guard on ${host.id}`,
    GATE_FAILURE: step.failure,
    GATE_BACKEND: "-",
    GATE_SERVER: "-",
    GATE_BALANCERS: JSON.stringify([{ id: host.id, engine, container }]),
    GATE_TIMEOUT_SECONDS: String(step.timeoutSeconds),
    ...(step.hint ? { GATE_HINT: step.hint } : {}),
  };
}

/**
 * The environment of the step that waits until the guard on `host` has closed its ports
 * (`GATE_COMMAND` with `GUARD_READY_SCRIPT`), asked through `engine`, as the host's provider
 * reaches it. What publishes a port on the host waits for that step, not for the container's
 * start alone: a guard that cannot write its chain stops the `up` before any port is open.
 */
export function guardReadyEnvironment(
  spec: Pick<PortGuardSpec, "stack" | "local">,
  host: HostSpec,
  engine: EngineEndpoint,
  timeoutSeconds = READY_TIMEOUT_SECONDS,
): Record<string, string> {
  return guardStepEnvironment(spec, host, engine, {
    script: GUARD_READY_SCRIPT,
    failure: "its chain not in place",
    timeoutSeconds,
  });
}

/**
 * What the failed retire step tells the operator: a host that does not answer because it is gone
 * is put in `lostHosts` first, and what is on it is then forgotten, not deleted.
 */
export function retireHint(hostId: string): string {
  return `if ${hostId} is down for good, list it in lostHosts and run pulumi up first: what is on it is then forgotten, not deleted, and it can leave hosts (docs/site.md, "A host gone for good")`;
}

/**
 * The environment of the step whose deletion retires the guard on `host` (`GATE_COMMAND` with
 * `GUARD_RETIRE_SCRIPT`): once nothing of the stack publishes a port there any more, the guard
 * removes its chain and its jumps, so that a destroyed stack, or a host taken out of it, leaves
 * no rule behind that would refuse another stack's balancers.
 */
export function guardRetireEnvironment(
  spec: Pick<PortGuardSpec, "stack" | "local">,
  host: HostSpec,
  engine: EngineEndpoint,
): Record<string, string> {
  return guardStepEnvironment(spec, host, engine, {
    script: GUARD_RETIRE_SCRIPT,
    failure: "its chain not removed",
    timeoutSeconds: GUARD_RETIRE_TIMEOUT_SECONDS,
    hint: retireHint(host.id),
  });
}
