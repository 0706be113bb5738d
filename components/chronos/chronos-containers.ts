import { HostSpec } from "../core/config-schema";
import {
  ContainerSpec,
  DOCKER_HEALTH_INTERVAL_SECONDS,
  healthcheck,
  platformLabels,
} from "../core/container-spec";
import { containerName, partAddress, PORTS, usesHostNetwork } from "../core/endpoints";
import { PlatformSpec, MesosSpec } from "../core/platform-spec";
import { mesosZkUrl } from "../mesos/mesos-flags";
import { zkConnect } from "../zookeeper/zoo-cfg";
import { zookeeperMembers } from "../zookeeper/zookeeper-containers";

/** Chronos' REST API on a master; every instance proxies to the leader. */
export function chronosUrl(spec: Pick<PlatformSpec, "stack" | "local">, host: HostSpec): string {
  return `http://${partAddress(spec, "chronos", host)}:${PORTS.chronos}`;
}

/** Environment of Chronos on `host` (the image turns `CHRONOS_FOO` into `--foo`). */
export function chronosEnv(spec: MesosSpec, host: HostSpec): Record<string, string> {
  return {
    CHRONOS_MASTER: mesosZkUrl(spec),
    CHRONOS_ZK_HOSTS: zkConnect(zookeeperMembers(spec)),
    CHRONOS_ZK_PATH: "/chronos/state",
    CHRONOS_HTTP_PORT: String(PORTS.chronos),
    CHRONOS_HOSTNAME: partAddress(spec, "chronos", host),
    CHRONOS_MESOS_FRAMEWORK_NAME: `${spec.stack}-chronos`,
  };
}

/**
 * Chronos on a master host: the instances elect a leader through ZooKeeper, where the jobs and
 * their running state live, so a failover neither loses a job nor starts a second run of one.
 */
export function chronosContainer(spec: MesosSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "chronos", host.id);
  return {
    name,
    image: spec.images.chronos,
    hostname: name,
    aliases: [name],
    hostNetwork: usesHostNetwork(spec),
    env: chronosEnv(spec, host),
    healthcheck: healthcheck(
      ["curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${PORTS.chronos}/v1/scheduler/jobs`],
      {
        intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
        timeoutSeconds: 3,
        retries: 6,
        startPeriodSeconds: 60,
      },
    ),
    restart: "always",
    labels: platformLabels(spec.stack, "chronos", { "platform.host": host.id }),
    stopGraceSeconds: 10,
  };
}
