/**
 * Flags of the Mesos masters and agents, as the environment the mesosphere images take: every
 * `--flag` of `mesos-master` / `mesos-agent` can be given as `MESOS_FLAG`. Pure.
 */
import { HostSpec } from "../core/config-schema";
import { MESOS_ATTRIBUTE_TEXT } from "../core/input-formats";
import { partAddress, PORTS, Site, usesHostNetwork } from "../core/endpoints";
import { FileValues } from "../core/start-with-files";
import { PlatformSpec, MesosSpec } from "../core/platform-spec";
import { MESOS_AGENT_RESERVE } from "../core/site-checks";
import { ZNODE_ROOTS } from "../zookeeper/zookeeper-auth-plan";
import { MESOS_AUTH_FILES, MESOS_PRINCIPALS, mesosAuthEnforced } from "./mesos-auth-plan";
import { zkUrl } from "../zookeeper/zoo-cfg";
import { zookeeperUrlFlag } from "../zookeeper/zookeeper-clients";
import { zookeeperMembers } from "../zookeeper/zookeeper-containers";
import { agentWorkDir } from "./host-paths";

/** Paths inside the Mesos containers. */
export const MESOS_PATHS = {
  /** The master's replicated log (its registry): a named volume, it must survive restarts. */
  masterWorkDir: "/var/lib/mesos/master",
  /** Directory of the whitelist, shared with the whitelist renderer on the same master. */
  whitelistDir: "/etc/mesos",
  /** The whitelist file consul-template renders. */
  whitelistFile: "/etc/mesos/whitelist",
  dockerSocket: "/var/run/docker.sock",
} as const;

/** What an agent keeps back from Mesos for the per-host daemons (core/site-checks.ts). */
export const AGENT_RESERVE = MESOS_AGENT_RESERVE;

/** Seconds a framework may hold an offer before the master rescinds it. */
export const OFFER_TIMEOUT = "30secs";
/** Time an executor has to register: covers pulling a service image on a cold host. */
export const EXECUTOR_REGISTRATION_TIMEOUT = "5mins";

type MesosSite = Pick<PlatformSpec, "stack" | "local" | "masters">;

/**
 * The ZooKeeper URL the masters elect their leader under, and agents and frameworks find it:
 * `zk://…/mesos`, without credentials (each part's own, where ZooKeeper asks for them, are in
 * `mesosZkFlag`).
 */
export function mesosZkUrl(spec: MesosSite): string {
  return zkUrl(zookeeperMembers(spec), ZNODE_ROOTS.mesos);
}

/**
 * The masters' `--zk` and the agents' `--master`: the URL, or where ZooKeeper asks for
 * credentials, `file://` of a file holding it with the part's own (Mesos reads flags from files).
 */
export function mesosZkFlag(spec: MesosSite, role: "mesosMaster" | "mesosAgent") {
  return zookeeperUrlFlag(spec, role, ZNODE_ROOTS.mesos);
}

/** The name a master advertises (`--hostname`): the host's address, or its container name on the local stack. */
export function mesosMasterHostname(site: Site, host: HostSpec): string {
  return partAddress(site, "mesos-master", host);
}

/**
 * The name an agent registers with (`--hostname`). Offers, Marathon's `hostname` constraint and
 * the whitelist all use it, so the whitelist renders exactly this name.
 */
export function mesosAgentHostname(site: Site, host: HostSpec): string {
  return partAddress(site, "mesos-agent", host);
}

function decimal(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/**
 * The agent's `--resources`: the host's CPUs and memory minus the reserve, `cpus:15;mem:31744`.
 * Mesos adds its defaults for what is not named (disk, and the ports 31000-32000 Marathon picks
 * host ports from). Throws when the host is too small to give anything.
 */
export function agentResources(
  host: Pick<HostSpec, "id" | "cpus" | "memoryMb">,
  reserve: { cpus: number; memoryMb: number } = AGENT_RESERVE,
): string {
  const cpus = host.cpus - reserve.cpus;
  const mem = host.memoryMb - reserve.memoryMb;
  if (cpus <= 0 || mem <= 0) {
    throw new Error(
      `host ${host.id} (${host.cpus} CPUs, ${host.memoryMb} MiB) leaves nothing for Mesos tasks after the ${reserve.cpus} CPUs and ${reserve.memoryMb} MiB kept for the per-host daemons`,
    );
  }
  return `cpus:${decimal(cpus)};mem:${Math.floor(mem)}`;
}

/**
 * The agent's `--attributes` from the host labels, sorted by key: `disk:ssd;network:public`.
 * Marathon `CLUSTER` and Chronos `EQUALS` constraints match these. Undefined for a host without labels.
 */
export function agentAttributes(host: Pick<HostSpec, "id" | "labels">): string | undefined {
  const entries = Object.entries(host.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [k, v] of entries) {
    if (!MESOS_ATTRIBUTE_TEXT.test(v))
      throw new Error(
        `host ${host.id}: label ${k}="${v}" cannot be a Mesos attribute value (letters, digits, '_', '.', '/', '-')`,
      );
  }
  return entries.length === 0 ? undefined : entries.map(([k, v]) => `${k}:${v}`).join(";");
}

/**
 * What the masters ask for where Mesos's authentication is on (mesos-auth-plan.ts): agents and
 * frameworks authenticate (CRAM-MD5), so do HTTP clients (basic, the default authenticator),
 * including HTTP frameworks, all against `--credentials`; and only the frameworks' principals may
 * register a framework (`--acls`), so that an agent's secret does not run tasks.
 */
export function mesosMasterAuthEnv(spec: Pick<PlatformSpec, "local">): Record<string, string> {
  if (!mesosAuthEnforced(spec)) return {};
  const frameworks = [MESOS_PRINCIPALS.marathon, MESOS_PRINCIPALS.chronos];
  const acls = {
    register_frameworks: [
      { principals: { values: frameworks }, roles: { type: "ANY" } },
      { principals: { type: "ANY" }, roles: { type: "NONE" } },
    ],
  };
  return {
    MESOS_AUTHENTICATE_AGENTS: "true",
    MESOS_AUTHENTICATE_FRAMEWORKS: "true",
    MESOS_AUTHENTICATE_HTTP_FRAMEWORKS: "true",
    MESOS_HTTP_FRAMEWORK_AUTHENTICATORS: "basic",
    MESOS_AUTHENTICATE_HTTP_READWRITE: "true",
    MESOS_AUTHENTICATE_HTTP_READONLY: "true",
    MESOS_CREDENTIALS: MESOS_AUTH_FILES.masterCredentials,
    MESOS_ACLS: JSON.stringify(acls),
  };
}

/**
 * What an agent gives and asks for where Mesos's authentication is on: its own credential to
 * register, and basic authentication of its HTTP API (which can launch containers) against the
 * operator's credentials.
 */
export function mesosAgentAuthEnv(spec: Pick<PlatformSpec, "local">): Record<string, string> {
  if (!mesosAuthEnforced(spec)) return {};
  return {
    MESOS_CREDENTIAL: MESOS_AUTH_FILES.agentCredential,
    MESOS_AUTHENTICATE_HTTP_READWRITE: "true",
    MESOS_AUTHENTICATE_HTTP_READONLY: "true",
    MESOS_HTTP_CREDENTIALS: MESOS_AUTH_FILES.agentHttpCredentials,
  };
}

/** Environment of the Mesos master on `host`; `zk` is its `--zk` (`mesosZkFlag`). */
export function mesosMasterEnv(
  spec: MesosSpec,
  host: HostSpec,
  zk = mesosZkFlag(spec, "mesosMaster").value,
): Record<string, string> {
  return {
    MESOS_ZK: zk,
    MESOS_QUORUM: String(spec.quorum),
    MESOS_CLUSTER: spec.stack,
    MESOS_HOSTNAME: mesosMasterHostname(spec, host),
    MESOS_PORT: String(PORTS.mesosMaster),
    MESOS_WORK_DIR: MESOS_PATHS.masterWorkDir,
    MESOS_REGISTRY: "replicated_log",
    MESOS_WHITELIST: `file://${MESOS_PATHS.whitelistFile}`,
    MESOS_OFFER_TIMEOUT: OFFER_TIMEOUT,
    ...mesosMasterAuthEnv(spec),
  };
}

/** Environment of the Mesos agent on the slave `host`; `master` is its `--master` (`mesosZkFlag`). */
export function mesosAgentEnv(
  spec: MesosSpec,
  host: HostSpec,
  master = mesosZkFlag(spec, "mesosAgent").value,
): Record<string, string> {
  const env: Record<string, string> = {
    MESOS_MASTER: master,
    MESOS_HOSTNAME: mesosAgentHostname(spec, host),
    MESOS_PORT: String(PORTS.mesosAgent),
    MESOS_WORK_DIR: agentWorkDir(spec, host.id),
    MESOS_RESOURCES: agentResources(host),
  };
  const attributes = agentAttributes(host);
  if (attributes !== undefined) env.MESOS_ATTRIBUTES = attributes;
  Object.assign(env, {
    MESOS_CONTAINERIZERS: "docker,mesos",
    MESOS_EXECUTOR_REGISTRATION_TIMEOUT: EXECUTOR_REGISTRATION_TIMEOUT,
    // The agent runs in a container itself: Docker executors are started from the agent's image
    // so they survive an agent restart, and there is no systemd to move them under.
    MESOS_DOCKER_MESOS_IMAGE: spec.images.mesosAgent,
    MESOS_SYSTEMD_ENABLE_SUPPORT: "false",
    ...mesosAgentAuthEnv(spec),
  });
  return env;
}

/**
 * What a part of the Mesos side (a master, an agent, Marathon, Chronos) is started with on a
 * host's network: the address it advertises, resolved where it starts (`advertiseLines` in
 * core/start-with-files.ts). None on the local stack, whose containers' names resolve.
 */
export function advertisedAddress(spec: Site, address: string): FileValues {
  return usesHostNetwork(spec) ? { advertiseAddress: address } : {};
}
