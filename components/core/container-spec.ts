/**
 * A container as plain data. Every area computes these from the platform spec without Pulumi;
 * `toContainerArgs` (hosts/container-args.ts) maps them onto the Docker provider.
 */
export interface ContainerFile {
  /** Absolute path inside the container. */
  path: string;
  content: string;
  executable?: boolean;
}

export interface ContainerPortSpec {
  internal: number;
  /** Host port; absent means not published. */
  external?: number;
  protocol?: "tcp" | "udp";
}

export interface ContainerVolumeSpec {
  /** A named volume (physical name) … */
  volume?: string;
  /** … or a host path. */
  hostPath?: string;
  containerPath: string;
  readOnly?: boolean;
}

/**
 * Seconds between two runs of a container's Docker health check, where one is declared at all.
 * Each run is a `docker exec`: a process started in the container and about 0.1 s of CPU in
 * dockerd, containerd and runc (measured on the local platform), so 25 containers checked every
 * 30 s cost a tenth of a core doing nothing. Nothing waits on these checks (readiness is probed
 * directly, core/readiness.ts): they only tell an operator looking at `docker ps`. So a part that
 * something else already watches has none (a service instance: HAProxy and consul-esm; Consul:
 * its own gossip; consul-esm: its TTL check in Consul), and the others are checked seldom. Docker
 * runs the first check one interval after the start (the API these engines speak has no faster
 * start interval): such a part shows `health: starting` for its first 5 minutes.
 */
export const DOCKER_HEALTH_INTERVAL_SECONDS = 300;

export interface HealthcheckSpec {
  test: string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  startPeriodSeconds: number;
}

/**
 * The capabilities a part of the platform may keep (Docker's default set has these and more),
 * named as Docker reports them back, so a preview sees no change.
 */
export type LinuxCapability =
  "CAP_CHOWN" | "CAP_SETUID" | "CAP_SETGID" | "CAP_NET_ADMIN" | "CAP_NET_RAW";

/**
 * What the image's entrypoint needs when it starts as root and hands over to its own user (the
 * upstream Consul and ZooKeeper images chown their data and `su-exec`/`gosu`), so a stack may run
 * those images as well as the platform's own.
 */
export const DROP_TO_OWN_USER: readonly LinuxCapability[] = [
  "CAP_CHOWN",
  "CAP_SETUID",
  "CAP_SETGID",
];

/** The user the platform's own service image runs its instances and agents as. */
export const UNPRIVILEGED_USER = "65534:65534";

export type RestartPolicy = "always" | "unless-stopped" | "on-failure" | "no";

/**
 * The secrets a container may hold, and the values made at `up` that go into its files the same
 * way; `Platform` takes the secrets' values as Pulumi secrets (`PlatformSecrets`), or makes them
 * (Consul's tokens, `ConsulAcl`; its certificates, `ConsulTls`). `consulToken` is the Consul ACL
 * token of the container's own role or node; `consulTlsCert` and `consulTlsKey` the certificate
 * and key of its Consul agent; `consulCaCert` the CA they are checked against (not a secret);
 * `influxdbPassword` the InfluxDB password of the container's own user; `zookeeperPassword` the
 * ZooKeeper digest password of the container's own part; `mesosAdminSecret`, `mesosAgentSecret`,
 * `marathonSecret` and `chronosSecret` the secrets of the Mesos principals (mesos-auth-plan.ts);
 * `loggingCaCert` the logging CA (not a secret), `loggingTlsCert` and `loggingTlsKey` the
 * certificate and key of the container's own side of the logs' TLS (logging-tls-plan.ts);
 * `metricsCaCert` the metrics CA (not a secret), `influxdbTlsCert` and `influxdbTlsKey` InfluxDB's
 * certificate and key, `grafanaTlsCert` and `grafanaTlsKey` Grafana's (metrics-tls-plan.ts).
 */
export type SecretName =
  | "consulGossipKey"
  | "grafanaAdminPassword"
  | "consulManagementToken"
  | "consulToken"
  | "consulCaCert"
  | "consulTlsCert"
  | "consulTlsKey"
  | "influxdbPassword"
  | "zookeeperPassword"
  | "zookeeperSuperDigest"
  | "mesosAdminSecret"
  | "mesosAgentSecret"
  | "marathonSecret"
  | "chronosSecret"
  | "diracDatabasePassword"
  | "loggingCaCert"
  | "loggingTlsCert"
  | "loggingTlsKey"
  | "metricsCaCert"
  | "influxdbTlsCert"
  | "influxdbTlsKey"
  | "grafanaTlsCert"
  | "grafanaTlsKey";

/**
 * Where a secret's value goes in a file's content or an environment value of a planned container:
 * the plan (and `render`) carries this placeholder, `declareContainer` puts the value in, as a secret.
 */
export function secretPlaceholder(name: SecretName): string {
  return `@@secret:${name}@@`;
}

/** The secrets whose placeholders `text` holds. */
export function secretsIn(text: string): SecretName[] {
  if (!text.includes("@@secret:")) return [];
  return [...text.matchAll(/@@secret:(\w+)@@/g)].map((m) => m[1] as SecretName);
}

export interface ContainerSpec {
  /** Physical container name (includes the stack). */
  name: string;
  image: string;
  command?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  files?: ContainerFile[];
  ports?: ContainerPortSpec[];
  volumes?: ContainerVolumeSpec[];
  healthcheck?: HealthcheckSpec;
  labels?: Record<string, string>;
  restart: RestartPolicy;
  cpus?: number;
  memoryMb?: number;
  hostname?: string;
  /** Extra DNS names on the platform network (local stack). */
  aliases?: string[];
  /** A fixed address on the platform network (local stack: the quorum members, core/local-network.ts). */
  ipv4Address?: string;
  /** Use the host's network stack (real hosts), instead of the platform network. */
  hostNetwork?: boolean;
  /**
   * Names the container resolves to fixed addresses (`docker run --add-host`), by name: an IP, or
   * `host-gateway`, the host the container runs on as its bridge reaches it.
   */
  extraHosts?: Record<string, string>;
  privileged?: boolean;
  /**
   * SELinux does not confine the container to its own label (`label=disable`): for a part that
   * reads the host's files (cAdvisor), which SELinux would otherwise hide from it. No capability
   * or device comes with it. A no-op where SELinux is off.
   */
  readsHostFiles?: boolean;
  /**
   * The Linux capabilities the container keeps (`CAP_CHOWN`, ...): every other one is
   * dropped, and no process in it gains privileges it was not started with (`no-new-privileges`).
   * Absent: none kept. A privileged container keeps everything (see `privileged`).
   */
  capabilities?: readonly LinuxCapability[];
  /** User (name or uid[:gid]) the main process runs as; the image's default when absent. */
  user?: string;
  /** Seconds Docker waits after the stop signal before SIGKILL. */
  stopGraceSeconds?: number;
  /**
   * The signal `docker stop` sends first. Absent: the image's `STOPSIGNAL`, else SIGTERM. A
   * process the signal does not stop is killed once `stopGraceSeconds` have passed.
   */
  stopSignal?: string;
}

/** Labels every platform container carries; Filebeat and the dashboards group by them. */
export function platformLabels(
  stack: string,
  component: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { "platform.stack": stack, "platform.component": component, ...extra };
}

/**
 * The labels of a catalog entry's containers that Mesos starts for Marathon or Chronos, as the
 * `docker run` parameters Mesos passes on (`--label=KEY=VALUE`): Mesos 1.7 gives a task's own
 * labels to Docker not at all. With them, cAdvisor's points and Filebeat's events of a task name
 * its stack and entry as those of the containers Pulumi declares do.
 */
export function entryLabelParameters(
  stack: string,
  key: string,
): { key: "label"; value: string }[] {
  return [`platform.stack=${stack}`, `platform.service=${key}`].map((value) => ({
    key: "label" as const,
    value,
  }));
}

/** Docker health check running `test` (`CMD`) with the given timing (`startPeriodSeconds` 0 when absent). */
export function healthcheck(
  test: string[],
  timing: Omit<HealthcheckSpec, "test" | "startPeriodSeconds"> & { startPeriodSeconds?: number },
): HealthcheckSpec {
  return { test: ["CMD", ...test], ...timing, startPeriodSeconds: timing.startPeriodSeconds ?? 0 };
}

/** `files` where there are any: a container without files has none declared. */
export function filesOf(files: ContainerFile[]): { files?: ContainerFile[] } {
  return files.length > 0 ? { files } : {};
}

/** A container of the platform's plan and the host it runs on. */
export interface PlannedContainer {
  hostId: string;
  container: ContainerSpec;
}

/**
 * A container named `name` that the others on its network reach by that name: its container
 * name, host name and network alias.
 */
export function reachableAs(name: string): Pick<ContainerSpec, "name" | "hostname" | "aliases"> {
  return { name, hostname: name, aliases: [name] };
}
