import { HostSpec } from "../core/config-schema";
import {
  ContainerSpec,
  DOCKER_HEALTH_INTERVAL_SECONDS,
  filesOf,
  healthcheck,
  platformLabels,
  reachableAs,
} from "../core/container-spec";
import { containerName, PORTS, usesHostNetwork } from "../core/endpoints";
import { MesosSpec } from "../core/platform-spec";
import { agentWorkDir, whitelistHostDir } from "./host-paths";
import { agentCredentialFiles, masterCredentialsFile, mesosAuthEnforced } from "./mesos-auth-plan";
import {
  advertisedAddress,
  MESOS_PATHS,
  mesosAgentEnv,
  mesosMasterEnv,
  mesosZkFlag,
} from "./mesos-flags";
import { startEntrypoint } from "../core/start-with-files";

/**
 * The images' entrypoints (mesosphere/docker-containers, mesos/dockerfile-templates). The master's
 * image also has `CMD ["--registry=in_memory"]`, which would win over `MESOS_REGISTRY` (a flag on
 * the command line takes precedence over its variable): an entrypoint of the container's own
 * starts it without that command.
 */
export const MESOS_ENTRYPOINTS = {
  master: ["mesos-master"],
  agent: ["mesos-slave"],
} as const;

/**
 * The entrypoint of a Mesos master or agent: the image's, started by a script that sets the
 * address it advertises on a host's network (`advertisedAddress`), or as it is with no command
 * on the local stack.
 */
function mesosEntrypoint(spec: MesosSpec, host: HostSpec, entrypoint: readonly string[]): string[] {
  return startEntrypoint(entrypoint, advertisedAddress(spec, host.address)) ?? [...entrypoint];
}

/** Docker health check on a Mesos process's `/health` endpoint (200 while the process serves). */
function mesosHealth(port: number) {
  return healthcheck(["curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${port}/health`], {
    intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
    timeoutSeconds: 3,
    retries: 6,
    startPeriodSeconds: 30,
  });
}

/**
 * The Mesos master on a master host. Its registry (replicated log) lives in a named volume; the
 * whitelist directory is the host directory the whitelist renderer on the same host writes into.
 * It is mounted over `/etc/mesos`, which the mesosphere image only uses for its init wrapper's
 * files: the master itself is configured from `MESOS_*` variables alone, and, where ZooKeeper
 * asks for credentials, its URL with them in a file (`mesosZkFlag`).
 */
export function mesosMasterContainer(spec: MesosSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "mesos-master", host.id);
  const zk = mesosZkFlag(spec, "mesosMaster");
  return {
    ...reachableAs(name),
    image: spec.images.mesosMaster,
    hostNetwork: usesHostNetwork(spec),
    entrypoint: mesosEntrypoint(spec, host, MESOS_ENTRYPOINTS.master),
    env: mesosMasterEnv(spec, host, zk.value),
    ...filesOf([...zk.files, ...(mesosAuthEnforced(spec) ? [masterCredentialsFile()] : [])]),
    volumes: [
      { volume: `${name}-work`, containerPath: MESOS_PATHS.masterWorkDir },
      {
        hostPath: whitelistHostDir(spec, host.id),
        containerPath: MESOS_PATHS.whitelistDir,
        readOnly: true,
      },
    ],
    healthcheck: mesosHealth(PORTS.mesosMaster),
    restart: "always",
    labels: platformLabels(spec.stack, "mesos-master", { "platform.host": host.id }),
    stopGraceSeconds: 10,
  };
}

/**
 * The Mesos agent on a slave host. It starts task containers through the host's Docker socket;
 * its work directory is a host directory mounted at the same path, because task sandboxes are
 * bind-mounted into task containers by their host path. Privileged: it manages the host's
 * containers and mounts.
 */
export function mesosAgentContainer(spec: MesosSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "mesos-agent", host.id);
  const workDir = agentWorkDir(spec, host.id);
  const zk = mesosZkFlag(spec, "mesosAgent");
  return {
    ...reachableAs(name),
    image: spec.images.mesosAgent,
    hostNetwork: usesHostNetwork(spec),
    entrypoint: mesosEntrypoint(spec, host, MESOS_ENTRYPOINTS.agent),
    privileged: true,
    env: mesosAgentEnv(spec, host, zk.value),
    ...filesOf([...zk.files, ...(mesosAuthEnforced(spec) ? agentCredentialFiles() : [])]),
    volumes: [
      { hostPath: MESOS_PATHS.dockerSocket, containerPath: MESOS_PATHS.dockerSocket },
      { hostPath: workDir, containerPath: workDir },
    ],
    healthcheck: mesosHealth(PORTS.mesosAgent),
    restart: "always",
    labels: platformLabels(spec.stack, "mesos-agent", { "platform.host": host.id }),
    // Long enough for the agent to checkpoint; tasks keep running (recovered on restart).
    stopGraceSeconds: 30,
  };
}
