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
import { bridgePort } from "../services/service-containers";

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

/**
 * The host ports Mesos gives Marathon's tasks when an agent's `--resources` names none
 * (mesos/mesos-flags.ts, `agentResources`), as iptables writes a range.
 */
export const MESOS_TASK_PORTS = "31000:32000";

/**
 * Every TCP port an instance may publish on a slave, as the guard takes them (`8080`,
 * `31000:32000`), sorted: each `pulumi`-mode service's port and its check bridge's, wherever
 * placement put its instances (an instance that moves finds its port closed on its new host
 * already), and Mesos's task ports where Mesos runs. Empty on the local stack, whose instances
 * publish nothing.
 */
export function guardedPorts(spec: PortGuardSpec): string[] {
  if (spec.local) return [];
  const ports = new Set<number>();
  for (const s of spec.services) {
    if (s.mode !== "pulumi") continue;
    ports.add(s.port);
    if (s.check.command) ports.add(bridgePort(s));
  }
  const listed = [...ports].sort((a, b) => a - b).map(String);
  return spec.features.mesos ? [...listed, MESOS_TASK_PORTS] : listed;
}

/** The slaves that get a guard: every one, where any port is guarded. */
export function portGuardHosts(spec: PortGuardSpec): HostSpec[] {
  return guardedPorts(spec).length > 0 ? spec.slaves : [];
}

/**
 * Who may reach the guarded ports, in this order: the masters (consul-esm runs the instances'
 * catalog checks there, Marathon's tasks are asked from there), the balancers (they send every
 * call and check every instance), then the stack's `adminNetworks` (the machines that run
 * `pulumi up`, whose readiness probes ask each new instance directly). Each once.
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

/** The guard's program in its image (images/port-guard/platform-port-guard). */
export const PORT_GUARD_COMMAND = "platform-port-guard";

/**
 * The guard on slave `host`: the port-guard image on the host's network, root with no capability
 * but CAP_NET_ADMIN (its chain) and CAP_NET_RAW (the raw socket iptables-legacy writes through).
 * Its Docker health check, seldom, sees that the chain and its jumps are in place.
 */
export function portGuardContainer(spec: PortGuardSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "port-guard", host.id);
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
      GUARD_PORTS: guardedPorts(spec).join(" "),
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
    labels: platformLabels(spec.stack, "port-guard", { "platform.host": host.id }),
    stopGraceSeconds: 2,
  };
}
