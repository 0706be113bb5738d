import { HostSpec } from "../core/config-schema";
import {
  ContainerFile,
  ContainerSpec,
  filesOf,
  platformLabels,
  reachableAs,
} from "../core/container-spec";
import { containerName, partAddress, PORTS, usesHostNetwork } from "../core/endpoints";
import { PlatformSpec, MesosSpec } from "../core/platform-spec";
import { FileValues, startEntrypoint } from "../core/start-with-files";
import { advertisedAddress } from "../mesos/mesos-flags";
import {
  FrameworkAccess,
  FrameworkAuth,
  frameworkAuth,
  frameworkHealthcheck,
} from "../mesos/mesos-auth-plan";
import { zkConnect } from "../zookeeper/zoo-cfg";
import {
  ZNODE_ROOTS,
  zookeeperAuthEnforced,
  zookeeperCredentialOf,
} from "../zookeeper/zookeeper-auth-plan";
import { zookeeperClientFile, zookeeperUrlFor } from "../zookeeper/zookeeper-clients";
import { zookeeperMembers } from "../zookeeper/zookeeper-containers";

/** Chronos' REST API on a master; every instance proxies to the leader. */
export function chronosUrl(spec: Pick<PlatformSpec, "stack" | "local">, host: HostSpec): string {
  return `http://${partAddress(spec, "chronos", host)}:${PORTS.chronos}`;
}

/** The image's entrypoint, its start script (upstream/chronos.json). */
export const CHRONOS_ENTRYPOINT = ["/chronos/bin/start.sh"];

/**
 * Chronos' ZooKeeper options that hold its credentials where ZooKeeper asks for them: the leading
 * master's URL (`--master`) and `--zk_auth` (`user:password`, which Chronos also uses for its
 * state), each in a file read at start (Chronos reads neither from a file). On `local`, the URL
 * as an option.
 */
export function chronosZookeeperAccess(spec: MesosSpec): {
  args: string[];
  files: ContainerFile[];
  fileValues?: FileValues;
} {
  const master = zookeeperUrlFor(spec, "chronos", ZNODE_ROOTS.mesos);
  if (!zookeeperAuthEnforced(spec)) return { args: ["--master", master], files: [] };
  const files = [
    zookeeperClientFile("mesos-url", master),
    zookeeperClientFile("auth", zookeeperCredentialOf("chronos")),
  ];
  return {
    args: [],
    files,
    fileValues: { options: { "--master": files[0].path, "--zk_auth": files[1].path } },
  };
}

/** Chronos's `FrameworkAccess`: its ZooKeeper access and its framework credentials. */
export type ChronosAccess = FrameworkAccess<ReturnType<typeof chronosZookeeperAccess>>;

export function chronosAccess(spec: MesosSpec): ChronosAccess {
  return { zookeeper: chronosZookeeperAccess(spec), auth: frameworkAuth(spec, "chronos") };
}

/**
 * What Chronos reads from files at start where credentials are asked for: its ZooKeeper options
 * (`chronosZookeeperAccess`) and its API's credentials (mesos-auth-plan.ts). Undefined on `local`.
 */
export function chronosFileValues(
  spec: MesosSpec,
  access = chronosAccess(spec),
): FileValues | undefined {
  const zookeeper = access.zookeeper.fileValues;
  const env = access.auth?.fileEnv;
  if (zookeeper === undefined && env === undefined) return undefined;
  return { ...zookeeper, ...(env ? { env } : {}) };
}

/** Chronos' registration with the masters where they ask frameworks to authenticate. */
function chronosMesosAuthArgs(auth: FrameworkAuth | undefined): string[] {
  if (auth === undefined) return [];
  return [
    "--mesos_authentication_principal",
    auth.principal,
    "--mesos_authentication_secret_file",
    auth.secretFile,
  ];
}

/**
 * The command-line options of Chronos on `host`. The image's start script
 * (`/chronos/bin/start.sh`, upstream/chronos.json) runs `java -jar chronos.jar "$@" --http_port
 * $PORT0`: it reads no `CHRONOS_*` variable, so every setting is an option here, and the HTTP
 * port is `PORT0` (`chronosEnv`). The ZooKeeper path is Chronos' default, `/chronos/state`.
 */
export function chronosArgs(
  spec: MesosSpec,
  host: HostSpec,
  access = chronosAccess(spec),
): string[] {
  return [
    ...access.zookeeper.args,
    "--zk_hosts",
    zkConnect(zookeeperMembers(spec)),
    "--hostname",
    partAddress(spec, "chronos", host),
    "--mesos_framework_name",
    `${spec.stack}-chronos`,
    // A late run still starts within this many seconds of its time; later, that run is skipped.
    // Chronos 3 has no per-job epsilon: its job API drops the key.
    "--task_epsilon",
    String(CHRONOS_TASK_EPSILON_SECONDS),
    ...chronosMesosAuthArgs(access.auth),
  ];
}

/** Seconds a run may start late (Chronos' default is 60). */
export const CHRONOS_TASK_EPSILON_SECONDS = 30;

/**
 * What the start script reads: `PORT0`, the HTTP port it appends as `--http_port`, and `PORT1`,
 * which it exports as `LIBPROCESS_PORT` (the port the Mesos master reaches the framework on:
 * fixed, so that a host's firewall can name it).
 */
export function chronosEnv(): Record<string, string> {
  return { PORT0: String(PORTS.chronos), PORT1: String(PORTS.chronosLibprocess) };
}

/**
 * Chronos on a master host: the instances elect a leader through ZooKeeper, where the jobs and
 * their running state live, so a failover neither loses a job nor starts a second run of one.
 */
export function chronosContainer(spec: MesosSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "chronos", host.id);
  const access = chronosAccess(spec);
  const fileValues = chronosFileValues(spec, access);
  const entrypoint = startEntrypoint(CHRONOS_ENTRYPOINT, {
    ...fileValues,
    ...advertisedAddress(spec, partAddress(spec, "chronos", host)),
  });
  return {
    ...reachableAs(name),
    image: spec.images.chronos,
    hostNetwork: usesHostNetwork(spec),
    ...(entrypoint ? { entrypoint } : {}),
    command: chronosArgs(spec, host, access),
    env: chronosEnv(),
    ...filesOf([...access.zookeeper.files, ...(access.auth?.files ?? [])]),
    healthcheck: frameworkHealthcheck(
      `http://127.0.0.1:${PORTS.chronos}/v1/scheduler/jobs`,
      access.auth,
    ),
    restart: "always",
    labels: platformLabels(spec.stack, "chronos", { "platform.host": host.id }),
    stopGraceSeconds: 10,
  };
}
