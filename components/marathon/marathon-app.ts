/**
 * The Marathon app definition of a `marathon`-mode service (Marathon 1.5+ REST API: `networks`
 * and `container.portMappings`; `container/bridge` is the old `network: BRIDGE`). Pure.
 */
import { HealthCheck } from "../core/catalog-schema";
import { entryLabelParameters } from "../core/container-spec";
import { PlacedService, PlatformSpec } from "../core/platform-spec";
import { bridgePort } from "../services/service-containers";

export interface MarathonHealthCheck {
  protocol: "MESOS_HTTP" | "MESOS_TCP";
  path?: string;
  portIndex: number;
  gracePeriodSeconds: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  maxConsecutiveFailures: number;
}

export interface MarathonApp {
  id: string;
  instances: number;
  cpus: number;
  mem: number;
  args?: string[];
  env: Record<string, string>;
  container: {
    type: "DOCKER";
    docker: {
      image: string;
      forcePullImage: boolean;
      /** `docker run` options, `--KEY=VALUE` each: the entry's labels. */
      parameters: { key: string; value: string }[];
    };
    portMappings: { containerPort: number; hostPort: number; protocol: "tcp"; name: string }[];
  };
  networks: { mode: "container/bridge" }[];
  constraints: string[][];
  healthChecks: MarathonHealthCheck[];
  upgradeStrategy: { minimumHealthCapacity: number; maximumOverCapacity: number };
  killSelection: "YOUNGEST_FIRST" | "OLDEST_FIRST";
  taskKillGracePeriodSeconds: number;
  backoffSeconds: number;
  backoffFactor: number;
  maxLaunchDelaySeconds: number;
  labels: Record<string, string>;
}

/** Marathon app id of a service: `/<stack>/<key>`. */
export function marathonAppId(stack: string, service: Pick<PlacedService, "key">): string {
  return `/${stack}/${service.key}`;
}

/**
 * The health check of an app, the same the instance's Consul check asks: `http` → MESOS_HTTP on
 * the path, `tcp` → MESOS_TCP, `command` → MESOS_HTTP on the task's HTTP bridge (its second port,
 * which runs the command's ping, as a `pulumi`-mode instance's bridge does), not a COMMAND check,
 * which would start a process in the container at every interval. The grace period is the Docker
 * start period the `pulumi`-mode containers use.
 */
export function marathonHealthCheck(check: HealthCheck): MarathonHealthCheck {
  const timing = {
    gracePeriodSeconds: Math.max(5, check.intervalSeconds * 2),
    intervalSeconds: check.intervalSeconds,
    timeoutSeconds: check.timeoutSeconds,
    maxConsecutiveFailures: check.retries,
  };
  if (check.http !== undefined)
    return { protocol: "MESOS_HTTP", path: check.http, portIndex: 0, ...timing };
  if (check.tcp !== undefined) return { protocol: "MESOS_TCP", portIndex: 0, ...timing };
  return { protocol: "MESOS_HTTP", path: check.bridgePath, portIndex: 1, ...timing };
}

/** The app's ports: the service's, and its HTTP bridge's for a command check; each on a host port the agent picks. */
function appPortMappings(service: PlacedService): MarathonApp["container"]["portMappings"] {
  const mapping = (containerPort: number, name: string) => ({
    containerPort,
    hostPort: 0,
    protocol: "tcp" as const,
    name,
  });
  return [
    mapping(service.port, service.key),
    ...(service.check.command ? [mapping(bridgePort(service), `${service.key}-check`)] : []),
  ];
}

/**
 * The rolling upgrade: one instance at a time, never below the healthy count.
 *
 * Marathon keeps `ceil(instances × minimumHealthCapacity)` old instances healthy and runs at most
 * `trunc(instances × (1 + maximumOverCapacity))` in all. With minimumHealthCapacity 1 no old
 * instance is stopped before its replacement is healthy; maximumOverCapacity must then allow
 * exactly one extra instance. Exactly 1/instances is fragile: 3 × (1 + 1/3) can come out as
 * 3.999… in floating point, truncating to 3, and the deployment would never start. So the value
 * aims at one and a half extra instances (1.5/instances, rounded up to 3 decimals, at most 1):
 * the total lands between n+1.5 and n+1.6 for up to 100 instances, and truncates to exactly n+1.
 */
export function rollingUpgrade(instances: number): {
  minimumHealthCapacity: number;
  maximumOverCapacity: number;
} {
  return {
    minimumHealthCapacity: 1,
    maximumOverCapacity: Math.min(1, Math.ceil(1500 / instances) / 1000),
  };
}

/**
 * The app of a `marathon`-mode service. Marathon places the instances (one per agent: `hostname
 * UNIQUE`, on agents whose attributes match the catalog constraints) on a random host port
 * (`hostPort 0`). The task registrar of the agent's host registers each running, healthy task in
 * Consul under its `platform.service` label (the service key, as the `pulumi`-mode registrations;
 * marathon/task-registrar.ts).
 */
export function marathonApp(
  spec: Pick<PlatformSpec, "stack" | "images">,
  service: PlacedService,
): MarathonApp {
  if (service.mode !== "marathon")
    throw new Error(`service ${service.name} runs in ${service.mode} mode, not marathon`);
  const env: Record<string, string> = {
    SERVICE_NAME: service.name,
    SERVICE_PORT: String(service.port),
    SERVICE_PROTOCOL: service.protocol,
    PLATFORM_STACK: spec.stack,
  };
  if (service.proxyProtocol) env.SERVICE_PROXY_PROTOCOL = "1";
  if (service.check.command) env.SERVICE_CHECK_PORT = String(bridgePort(service));
  Object.assign(env, service.env);
  const constraints = Object.keys(service.constraints)
    .sort()
    .map((label) => [label, "CLUSTER", service.constraints[label]]);
  return {
    id: marathonAppId(spec.stack, service),
    instances: service.instances,
    cpus: service.cpus,
    mem: service.memoryMb,
    // The one platform image is told which service to be; another image runs its own command.
    ...(service.image === spec.images.service ? { args: ["serve", service.name] } : {}),
    env,
    container: {
      type: "DOCKER",
      docker: {
        image: service.image,
        forcePullImage: false,
        parameters: entryLabelParameters(spec.stack, service.key),
      },
      portMappings: appPortMappings(service),
    },
    networks: [{ mode: "container/bridge" }],
    constraints: [["hostname", "UNIQUE"], ...constraints],
    healthChecks: [marathonHealthCheck(service.check)],
    upgradeStrategy: rollingUpgrade(service.instances),
    // Scaling down stops the newest instances: the long-running ones are the proven ones.
    killSelection: "YOUNGEST_FIRST",
    // SIGTERM, then this long to drain before SIGKILL (as the `pulumi`-mode containers).
    taskKillGracePeriodSeconds: 10,
    // A crashing instance is restarted after 1 s, then 15 % later each time, at most every 5 min.
    backoffSeconds: 1,
    backoffFactor: 1.15,
    maxLaunchDelaySeconds: 300,
    labels: {
      "platform.stack": spec.stack,
      "platform.service": service.key,
    },
  };
}

/** The app as the JSON text submitted to Marathon. */
export function marathonAppJson(
  spec: Pick<PlatformSpec, "stack" | "images">,
  service: PlacedService,
): string {
  return JSON.stringify(marathonApp(spec, service), null, 2) + "\n";
}
