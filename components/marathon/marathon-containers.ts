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
import { zkUrl } from "../zookeeper/zoo-cfg";
import { zookeeperMembers } from "../zookeeper/zookeeper-containers";

/*
 * mesos-consul (the paper's bridge registering Mesos tasks in Consul) is not declared here: the
 * image set has no role for it, and adding one is the config schema's business. The apps carry
 * the labels it reads (`overrideTaskName`, `tags`, see marathon-app.ts), so a site that runs it
 * (one instance, pointed at the same ZooKeeper `zk://…/mesos`) gets the registrations.
 */

/** Marathon's state in ZooKeeper: `zk://…/marathon`. */
export function marathonZkUrl(spec: Pick<PlatformSpec, "stack" | "local" | "masters">): string {
  return zkUrl(zookeeperMembers(spec), "marathon");
}

/** Marathon's REST API on a master; every instance proxies to the leader. */
export function marathonUrl(spec: Pick<PlatformSpec, "stack" | "local">, host: HostSpec): string {
  return `http://${partAddress(spec, "marathon", host)}:${PORTS.marathon}`;
}

/** Environment of Marathon on `host` (the image turns `MARATHON_FOO` into `--foo`). */
export function marathonEnv(spec: MesosSpec, host: HostSpec): Record<string, string> {
  return {
    MARATHON_MASTER: mesosZkUrl(spec),
    MARATHON_ZK: marathonZkUrl(spec),
    MARATHON_HTTP_PORT: String(PORTS.marathon),
    MARATHON_HOSTNAME: partAddress(spec, "marathon", host),
    MARATHON_FRAMEWORK_NAME: `${spec.stack}-marathon`,
  };
}

/** Marathon on a master host: the three instances elect a leader through ZooKeeper, as the masters do. */
export function marathonContainer(spec: MesosSpec, host: HostSpec): ContainerSpec {
  const name = containerName(spec, "marathon", host.id);
  return {
    name,
    image: spec.images.marathon,
    hostname: name,
    aliases: [name],
    hostNetwork: usesHostNetwork(spec),
    env: marathonEnv(spec, host),
    healthcheck: healthcheck(
      ["curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${PORTS.marathon}/ping`],
      {
        intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
        timeoutSeconds: 3,
        retries: 6,
        startPeriodSeconds: 60,
      },
    ),
    restart: "always",
    labels: platformLabels(spec.stack, "marathon", { "platform.host": host.id }),
    stopGraceSeconds: 10,
  };
}
