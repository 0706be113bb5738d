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
import { zkUrl } from "../zookeeper/zoo-cfg";
import { ZNODE_ROOTS, zookeeperAuthEnforced } from "../zookeeper/zookeeper-auth-plan";
import { zookeeperClientFile, zookeeperUrlFor } from "../zookeeper/zookeeper-clients";
import { zookeeperMembers } from "../zookeeper/zookeeper-containers";

/** Marathon's state in ZooKeeper: `zk://…/marathon`. */
export function marathonZkUrl(spec: Pick<PlatformSpec, "stack" | "local" | "masters">): string {
  return zkUrl(zookeeperMembers(spec), ZNODE_ROOTS.marathon);
}

/** The image's entrypoint (upstream/marathon.json). */
export const MARATHON_ENTRYPOINT = ["/marathon/bin/marathon"];

/**
 * Marathon's two ZooKeeper URLs, the leading master's (`MARATHON_MASTER`) and its state's
 * (`MARATHON_ZK`). Where ZooKeeper asks for credentials, each with Marathon's own, in a file
 * read into its variable at start (Marathon reads neither from a file); the variables otherwise.
 */
export function marathonZookeeperAccess(spec: MesosSpec): {
  env: Record<string, string>;
  files: ContainerFile[];
  fileValues?: FileValues;
} {
  const urls = {
    MARATHON_MASTER: zookeeperUrlFor(spec, "marathon", ZNODE_ROOTS.mesos),
    MARATHON_ZK: zookeeperUrlFor(spec, "marathon", ZNODE_ROOTS.marathon),
  };
  if (!zookeeperAuthEnforced(spec)) return { env: urls, files: [] };
  const files = [
    zookeeperClientFile("mesos-url", urls.MARATHON_MASTER),
    zookeeperClientFile("marathon-url", urls.MARATHON_ZK),
  ];
  return {
    env: {},
    files,
    fileValues: { env: { MARATHON_MASTER: files[0].path, MARATHON_ZK: files[1].path } },
  };
}

/** Marathon's `FrameworkAccess`: its ZooKeeper access and its framework credentials. */
export type MarathonAccess = FrameworkAccess<ReturnType<typeof marathonZookeeperAccess>>;

export function marathonAccess(spec: MesosSpec): MarathonAccess {
  return { zookeeper: marathonZookeeperAccess(spec), auth: frameworkAuth(spec, "marathon") };
}

/**
 * What Marathon reads from files at start where credentials are asked for: its ZooKeeper URLs
 * (`marathonZookeeperAccess`) and its API's credentials (mesos-auth-plan.ts). Undefined on `local`.
 */
export function marathonFileValues(
  spec: MesosSpec,
  access = marathonAccess(spec),
): FileValues | undefined {
  const env = { ...access.zookeeper.fileValues?.env, ...access.auth?.fileEnv };
  return Object.keys(env).length === 0 ? undefined : { env };
}

/** Marathon's REST API on a master; every instance proxies to the leader. */
export function marathonUrl(spec: Pick<PlatformSpec, "stack" | "local">, host: HostSpec): string {
  return `http://${partAddress(spec, "marathon", host)}:${PORTS.marathon}`;
}

/** Environment of Marathon on `host` (the image turns `MARATHON_FOO` into `--foo`). */
export function marathonEnv(
  spec: MesosSpec,
  host: HostSpec,
  access = marathonAccess(spec),
): Record<string, string> {
  return {
    ...access.zookeeper.env,
    MARATHON_HTTP_PORT: String(PORTS.marathon),
    MARATHON_HOSTNAME: partAddress(spec, "marathon", host),
    MARATHON_FRAMEWORK_NAME: `${spec.stack}-marathon`,
    // The port the Mesos masters call Marathon back on (libprocess, which Marathon embeds, reads
    // it): fixed, as Chronos' is, so that a host's firewall can name it; else it is any port.
    LIBPROCESS_PORT: String(PORTS.marathonLibprocess),
    // A task being killed says so (TASK_KILLING, which the Docker executor sends only to a
    // framework with that capability, as it sends the task SIGTERM), so its host's task registrar
    // takes it out of the balancers as its stop begins, not once it has ended
    // (marathon/task-registrar.ts).
    MARATHON_ENABLE_FEATURES: "task_killing",
    ...marathonMesosAuthEnv(access.auth),
  };
}

/** Marathon's registration with the masters where they ask frameworks to authenticate. */
function marathonMesosAuthEnv(auth: FrameworkAuth | undefined): Record<string, string> {
  if (auth === undefined) return {};
  return {
    // A toggle: the image makes `--mesos_authentication` of an empty value.
    MARATHON_MESOS_AUTHENTICATION: "",
    MARATHON_MESOS_AUTHENTICATION_PRINCIPAL: auth.principal,
    MARATHON_MESOS_AUTHENTICATION_SECRET_FILE: auth.secretFile,
  };
}

/** Marathon on a master host: the three instances elect a leader through ZooKeeper, as the masters do. */
export function marathonContainer(spec: MesosSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "marathon", host.id);
  const access = marathonAccess(spec);
  const fileValues = marathonFileValues(spec, access);
  const entrypoint = startEntrypoint(MARATHON_ENTRYPOINT, {
    ...fileValues,
    ...advertisedAddress(spec, partAddress(spec, "marathon", host)),
  });
  return {
    ...reachableAs(name),
    image: spec.images.marathon,
    hostNetwork: usesHostNetwork(spec),
    ...(entrypoint ? { entrypoint } : {}),
    env: marathonEnv(spec, host, access),
    ...filesOf([...access.zookeeper.files, ...(access.auth?.files ?? [])]),
    healthcheck: frameworkHealthcheck(`http://127.0.0.1:${PORTS.marathon}/ping`, access.auth),
    restart: "always",
    labels: platformLabels(spec.stack, "marathon", { "platform.host": host.id }),
    stopGraceSeconds: 10,
  };
}
