/**
 * The task registrar of a slave (images/service/platform-registrar.py), pure: what puts the
 * `marathon`-mode services' instances into Consul's catalog, as mesos-consul did in the paper. It
 * reads the tasks of its host's Mesos agent and registers each running, healthy task of the
 * stack's catalog as an instance of its service (`platform.service` label) at the host's address
 * and the host port the agent mapped, with the same check a `pulumi`-mode instance has, on a
 * Consul node of its own (`taskNodeName`: an external node whose checks consul-esm runs). A task
 * that is killed, unhealthy or gone is deregistered at once.
 *
 * One per slave, not one per site: each reads only its own agent, so no leader is elected, a
 * host's loss takes away only its own registrar, and each registration sits with its host.
 */
import { aclEnforced } from "../consul/consul-acl-plan";
import { consulUrlFor } from "../consul/consul-containers";
import {
  consulApiUrl,
  consulClientCaFiles,
  CONSUL_CLIENT_CA_FILE,
  tlsEnforced,
} from "../consul/consul-tls-plan";
import { HostSpec } from "../core/config-schema";
import {
  ContainerFile,
  ContainerSpec,
  DOCKER_HEALTH_INTERVAL_SECONDS,
  filesOf,
  platformLabels,
  reachableAs,
  secretPlaceholder,
  UNPRIVILEGED_USER,
} from "../core/container-spec";
import { containerName, partAddress, PORTS, usesHostNetwork } from "../core/endpoints";
import { physicalName } from "../core/naming";
import { PlacedService, PlatformSpec } from "../core/platform-spec";
import {
  adminHttpCredentialsFile,
  MESOS_AUTH_FILES,
  mesosAuthEnforced,
} from "../mesos/mesos-auth-plan";
import { checkEndpoint, instanceCheckBasics, serviceTags } from "../services/service-containers";

/** What the registrar reads of the platform: the site, its slaves, the catalog, Consul's check interval. */
export type RegistrarSpec = Pick<
  PlatformSpec,
  "stack" | "local" | "hosts" | "masters" | "slaves" | "services" | "images"
> & {
  consul: Pick<PlatformSpec["consul"], "checkIntervalSeconds">;
  features: Pick<PlatformSpec["features"], "mesos">;
};

/** The registrar's program in the platform image. */
export const REGISTRAR_PROGRAM = "/usr/local/bin/platform-registrar";
/** Where the registrar reads what it registers (`registrarConfig`). */
export const REGISTRAR_CONFIG_FILE = "/etc/platform/registrar/registrar.json";
/** Where it reads its Consul ACL token. */
export const REGISTRAR_TOKEN_FILE = "/etc/platform/registrar/consul-token";
/** Seconds between two passes: a task is in the catalog at most this long after Mesos says it is healthy, and out as long after it is killed. */
export const REGISTRAR_INTERVAL_SECONDS = 2;

/** The Consul node the registrar of `hostId` registers its host's tasks on. */
export function taskNodeName(spec: Pick<PlatformSpec, "stack">, hostId: string): string {
  return physicalName(spec.stack, hostId, "tasks");
}

/** The `marathon`-mode services: the tasks a registrar looks for. */
export function marathonServices(spec: Pick<PlatformSpec, "services">): PlacedService[] {
  return spec.services.filter((s) => s.mode === "marathon");
}

/** The slaves that run a registrar: every one, where the Mesos side runs `marathon`-mode services. */
export function registrarHosts(spec: RegistrarSpec): HostSpec[] {
  return spec.features.mesos && marathonServices(spec).length > 0 ? spec.slaves : [];
}

/** What the registrar registers for a task of one service: all but the task's id and host port. */
export interface RegistrarService {
  /** The service's port in the task's container (the host port mapped to it is looked up). */
  port: number;
  tags: string[];
  meta: Record<string, string>;
  check: {
    name: string;
    kind: "http" | "tcp";
    /** The container port the check asks at: the service's, or its HTTP bridge's. */
    port: number;
    path?: string;
    interval: string;
    timeout: string;
    deregister_critical_after: string;
  };
}

/** The registrar's file: its node, its host's address, the stack and each service's registration. */
export interface RegistrarConfig {
  node: string;
  address: string;
  node_meta: Record<string, string>;
  stack: string;
  services: Record<string, RegistrarService>;
}

/** The registration of `service`'s tasks on `host`, as a `pulumi`-mode instance's (`serviceRegistration`). */
function registrarService(
  spec: RegistrarSpec,
  service: PlacedService,
  host: HostSpec,
): RegistrarService {
  const basics = instanceCheckBasics(spec, service);
  const at = checkEndpoint(service);
  return {
    port: service.port,
    tags: serviceTags(spec.stack, service),
    meta: { catalog_name: service.name, stack: spec.stack, host: host.id },
    check: {
      name: basics.name,
      ...at,
      interval: basics.interval,
      timeout: basics.timeout,
      deregister_critical_after: basics.deregisterCriticalServiceAfter,
    },
  };
}

/** What the registrar of `host` registers (its REGISTRAR_CONFIG file). */
export function registrarConfig(spec: RegistrarSpec, host: HostSpec): RegistrarConfig {
  return {
    node: taskNodeName(spec, host.id),
    address: spec.local ? containerName(spec, "mesos-agent", host.id) : host.address,
    // consul-esm runs the checks of the stack's external nodes (`renderEsmConfig`).
    node_meta: { "external-node": "true", "external-probe": "false", stack: spec.stack },
    stack: spec.stack,
    services: Object.fromEntries(
      marathonServices(spec)
        .sort((a, b) => a.key.localeCompare(b.key))
        .map((s) => [s.key, registrarService(spec, s, host)]),
    ),
  };
}

/** The registrar's files: what it registers, and its credentials for Consul and the Mesos agent. */
function registrarFiles(spec: RegistrarSpec, host: HostSpec): ContainerFile[] {
  return [
    {
      path: REGISTRAR_CONFIG_FILE,
      content: JSON.stringify(registrarConfig(spec, host), null, 2) + "\n",
    },
    ...(aclEnforced(spec)
      ? [{ path: REGISTRAR_TOKEN_FILE, content: secretPlaceholder("consulToken") }]
      : []),
    ...consulClientCaFiles(spec),
    // The agent's HTTP API asks for the operator's credentials (`agentCredentialFiles`), which
    // the agent's own files on the same host hold already.
    ...(mesosAuthEnforced(spec) ? [adminHttpCredentialsFile()] : []),
  ];
}

/**
 * The registrar of slave `host`, beside its Mesos agent. On the host's network at a site, where
 * the agent and the host's Consul agent answer on 127.0.0.1 (which the Consul certificate names).
 */
export function taskRegistrarContainer(spec: RegistrarSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "task-registrar", host.id);
  const hostNetwork = usesHostNetwork(spec);
  const agent = hostNetwork ? "127.0.0.1" : partAddress(spec, "mesos-agent", host);
  return {
    ...reachableAs(name),
    image: spec.images.taskRegistrar,
    hostNetwork,
    entrypoint: [REGISTRAR_PROGRAM],
    command: ["run"],
    user: UNPRIVILEGED_USER,
    env: {
      MESOS_AGENT_URL: `http://${agent}:${PORTS.mesosAgent}`,
      ...(mesosAuthEnforced(spec)
        ? { MESOS_CREDENTIALS_FILE: MESOS_AUTH_FILES.httpCredentials }
        : {}),
      CONSUL_HTTP_ADDR: hostNetwork ? consulApiUrl(spec, "127.0.0.1") : consulUrlFor(spec, host),
      ...(aclEnforced(spec) ? { CONSUL_HTTP_TOKEN_FILE: REGISTRAR_TOKEN_FILE } : {}),
      ...(tlsEnforced(spec) ? { CONSUL_CACERT: CONSUL_CLIENT_CA_FILE } : {}),
      REGISTRAR_CONFIG: REGISTRAR_CONFIG_FILE,
      REGISTRAR_INTERVAL: String(REGISTRAR_INTERVAL_SECONDS),
    },
    ...filesOf(registrarFiles(spec, host)),
    restart: "always",
    healthcheck: {
      test: ["CMD", REGISTRAR_PROGRAM, "healthy"],
      intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 30,
    },
    labels: platformLabels(spec.stack, "task-registrar", { "platform.host": host.id }),
    stopGraceSeconds: 2,
  };
}
