import { createHash } from "node:crypto";
import { toContainerArgs } from "../hosts/container-args";
import { HostSpec } from "../core/config-schema";
import {
  ContainerSpec,
  filesOf,
  platformLabels,
  reachableAs,
  UNPRIVILEGED_USER,
} from "../core/container-spec";
import { containerName } from "../core/endpoints";
import { goDuration } from "../core/go-duration";
import { usesPlatformImage } from "../core/images";
import { MAX_CONTAINER_NAME, physicalName } from "../core/naming";
import { PlacedService, ServicesSpec } from "../core/platform-spec";
import { ProbeTarget } from "../core/readiness";
import { BRIDGE_PORT_OFFSET } from "../core/site-checks";
import { diracFiles } from "../dirac/dirac-plan";

/** Port of the HTTP health bridge of a service with a `command` check (the paper's HTTP-to-DISET converter). */
export function bridgePort(service: Pick<PlacedService, "port">): number {
  return service.port + BRIDGE_PORT_OFFSET;
}

/** Address clients and the load balancers reach instance `name` at: its name on the local stack's network, its host's address at a site. */
export function instanceAddress(spec: ServicesSpec, host: HostSpec, name: string): string {
  return spec.local ? name : host.address;
}

/** Hex digits of the revision an instance's name ends with (where it has one: `serviceInstance`). */
const REVISION_DIGITS = 8;

/**
 * `<base>-<revision>`, the base cut where the whole would be longer than a DNS label (the name is
 * the instance's DNS name on the local network): the revision, a hash that covers the host,
 * keeps cut names apart.
 */
function revisedName(base: string, revision: string): string {
  const room = MAX_CONTAINER_NAME - revision.length - 1;
  return `${base.length > room ? base.slice(0, room).replace(/-+$/, "") : base}-${revision}`;
}

/**
 * The revision of an instance drafted under its name without one: a hash of the draft and of the
 * Docker provider's arguments its container is declared with (`declare`; its network aside). A
 * change to how a container is declared is a new revision too, as the replacement it causes
 * needs a new name.
 */
export function instanceRevision(
  draft: ServiceInstance,
  declare: (c: ContainerSpec) => object = (c) => toContainerArgs(c, undefined),
): string {
  return createHash("sha256")
    .update(JSON.stringify([draft, declare(draft.container)]))
    .digest("hex")
    .slice(0, REVISION_DIGITS);
}

/** What the plan says of one instance of a service: its container and its Consul registration. */
export interface ServiceInstance {
  container: ContainerSpec;
  registration: Registration;
}

/**
 * The instance of `service` on `host`. Where a changed instance starts beside the old one
 * (`startsBeside`) it is named `<stack>-<service>-<host>-<revision>`: the revision is a hash of
 * everything the plan says of the instance (its container, files and environment, and its
 * registration, under the name without the revision) and of the Docker provider's arguments its
 * container is declared with. Any change to an instance is then a new
 * container name and a new registration id, so the new instance can run and be registered beside
 * the old one (ServiceInstances); an unchanged instance keeps its name from one `up` to the next.
 * Elsewhere, where the new instance takes the old one's place, it is `<stack>-<service>-<host>`.
 */
export function serviceInstance(
  spec: ServicesSpec,
  service: PlacedService,
  host: HostSpec,
): ServiceInstance {
  const base = containerName(spec, service.key, host.id);
  const draft: ServiceInstance = {
    container: serviceContainer(spec, service, host, base),
    registration: serviceRegistration(spec, service, host, base),
  };
  if (!startsBeside(spec)) return draft;
  const name = revisedName(base, instanceRevision(draft));
  return {
    container: serviceContainer(spec, service, host, name),
    registration: serviceRegistration(spec, service, host, name),
  };
}

/**
 * The container `name` of one instance of a `pulumi`-mode service on `host` (`serviceInstance`
 * names it); a DIRAC service's has the installation's configuration files (dirac/dirac-plan.ts).
 * It has no Docker health check: the
 * balancers check it (HTTP or TCP, every fraction of a second) and consul-esm runs its catalog
 * check for Consul; an exec every interval would cost more than both (container-spec.ts).
 */
export function serviceContainer(
  spec: ServicesSpec,
  service: PlacedService,
  host: HostSpec,
  name: string,
): ContainerSpec {
  const env: Record<string, string> = {
    SERVICE_NAME: service.name,
    SERVICE_PORT: String(service.port),
    SERVICE_PROTOCOL: service.protocol,
    PLATFORM_STACK: spec.stack,
    PLATFORM_HOST: host.id,
  };
  if (service.proxyProtocol) env.SERVICE_PROXY_PROTOCOL = "1";
  if (service.check.command) env.SERVICE_CHECK_PORT = String(bridgePort(service));
  Object.assign(env, service.env);
  const ports = spec.local
    ? []
    : [
        { internal: service.port, external: service.port },
        ...(service.check.command
          ? [{ internal: bridgePort(service), external: bridgePort(service) }]
          : []),
      ];
  return {
    ...reachableAs(name),
    image: service.image,
    // The platform image serves as any user: its instances run as nobody. Another image runs as
    // it was built to.
    ...(usesPlatformImage(spec, service.image)
      ? { command: ["serve", service.name], user: UNPRIVILEGED_USER }
      : {}),
    env,
    ports,
    ...filesOf(diracFiles(spec, service)),
    restart: "always",
    cpus: service.cpus,
    memoryMb: service.memoryMb,
    labels: platformLabels(spec.stack, "service", {
      "platform.service": service.key,
      "platform.host": host.id,
      "platform.instance": name,
    }),
    stopGraceSeconds: 10,
  };
}

/**
 * True when a changed instance starts beside the old one, which leaves only once the new one is
 * registered: on the local stack, where an instance's container holds a name of its own and no
 * port of its host. At a site an instance publishes its service's port (and its check bridge's)
 * on its host, which one container holds at a time: the new instance takes the old one's place.
 */
export function startsBeside(spec: Pick<ServicesSpec, "local">): boolean {
  return spec.local;
}

/** The Consul node the instances on `host` are registered under (an external node, checked by consul-esm). */
export function instanceNodeName(spec: ServicesSpec, hostId: string): string {
  return physicalName(spec.stack, hostId, "instances");
}

/** A Consul check of an instance, as the catalog API takes it. */
export interface RegistrationCheck {
  checkId: string;
  name: string;
  http?: string;
  tcp?: string;
  interval: string;
  timeout: string;
  deregisterCriticalServiceAfter: string;
  /**
   * Status until consul-esm first runs the check (up to 10 s later: it looks for new checks every
   * 10 s): passing, because an instance is registered only once a direct probe of the same check
   * passed (`instanceProbe`).
   */
  status: "passing";
}

/** What is registered in Consul for one instance. */
export interface Registration {
  serviceId: string;
  name: string;
  node: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  checks: RegistrationCheck[];
}

/** Consul tags of a service's instances, the same whichever way they run. */
export function serviceTags(
  stack: string,
  service: Pick<PlacedService, "protocol" | "proxyProtocol">,
): string[] {
  return [stack, service.protocol, ...(service.proxyProtocol ? ["proxy-protocol"] : [])];
}

/**
 * The registration of instance `id` (its container's name) with its check: HTTP path, TCP
 * connect, or the HTTP bridge of a command check.
 */
export function serviceRegistration(
  spec: ServicesSpec,
  service: PlacedService,
  host: HostSpec,
  id: string,
): Registration {
  const address = instanceAddress(spec, host, id);
  const check: RegistrationCheck = {
    checkId: `${id}:health`,
    ...instanceCheckBasics(spec, service),
    status: "passing",
    ...checkTarget(service, address),
  };
  return {
    serviceId: id,
    name: service.key,
    node: instanceNodeName(spec, host.id),
    address,
    port: service.port,
    tags: serviceTags(spec.stack, service),
    meta: { catalog_name: service.name, stack: spec.stack, host: host.id, container: id },
    checks: [check],
  };
}

/**
 * The direct probe of instance `name`'s own check (the one registered in Consul), at `address`:
 * where the machine that runs `pulumi up` reaches the instance (its container's address on the
 * local stack, its host's address at a site). The instance is registered only once it passes.
 */
export function instanceProbe(service: PlacedService, name: string, address: string): ProbeTarget {
  return {
    what: `instance ${name} of ${service.name}`,
    ...checkTarget(service, address),
  };
}

/**
 * An instance's Consul check, wherever the instance runs: its name and timing (Go durations). It
 * runs as often as the catalog asks, or as `consul.checkIntervalSeconds` if that is sooner.
 */
export function instanceCheckBasics(
  spec: Pick<ServicesSpec, "consul">,
  service: PlacedService,
): Pick<RegistrationCheck, "name" | "interval" | "timeout" | "deregisterCriticalServiceAfter"> {
  const c = service.check;
  return {
    name: c.command
      ? `${service.name} ping (${c.command.join(" ")}) via HTTP bridge`
      : `${service.name} ${c.http ? "HTTP" : "TCP"} check`,
    interval: goDuration(Math.min(spec.consul.checkIntervalSeconds, c.intervalSeconds)),
    timeout: goDuration(c.timeoutSeconds),
    deregisterCriticalServiceAfter: goDuration(30 * 60),
  };
}

/**
 * Where an instance's check asks, in the instance's own terms: an HTTP path on the service's port,
 * a TCP connect to it, or the HTTP bridge of a command check (its own port and path).
 */
export function checkEndpoint(
  service: PlacedService,
): { kind: "http"; port: number; path: string } | { kind: "tcp"; port: number } {
  const c = service.check;
  if (c.http) return { kind: "http", port: service.port, path: c.http };
  if (c.tcp) return { kind: "tcp", port: service.port };
  return { kind: "http", port: bridgePort(service), path: c.bridgePath };
}

/** What an instance's check reaches at `address`: its HTTP path, its TCP port, or the HTTP bridge of a command check. */
function checkTarget(service: PlacedService, address: string): { http: string } | { tcp: string } {
  const at = checkEndpoint(service);
  return at.kind === "tcp"
    ? { tcp: `${address}:${at.port}` }
    : { http: `http://${address}:${at.port}${at.path}` };
}
