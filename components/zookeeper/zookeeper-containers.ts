import { ContainerSpec, healthcheck, platformLabels } from "../core/container-spec";
import { containerName, partAddress, PORTS, usesHostNetwork } from "../core/endpoints";
import { HostSpec } from "../core/config-schema";
import { PlatformSpec } from "../core/platform-spec";
import { renderMyId, renderZooCfg, ZooKeeperMember } from "./zoo-cfg";

/** Layout inside the image (the upstream `zookeeper` image's: config in /conf, data in /data). */
export const ZK_CONF_DIR = "/conf";
export const ZK_DATA_DIR = "/data";

/** Members of the ensemble: one per master host, `myid` following the order of the masters. */
export function zookeeperMembers(spec: Pick<PlatformSpec, "stack" | "local" | "masters">): ZooKeeperMember[] {
  return spec.masters.map((h, i) => ({ id: i + 1, address: partAddress(spec, "zookeeper", h) }));
}

/** The container of the ZooKeeper member on `host`. */
export function zookeeperContainer(spec: PlatformSpec, host: HostSpec): ContainerSpec {
  const members = zookeeperMembers(spec);
  const id = spec.masters.findIndex((h) => h.id === host.id) + 1;
  const name = containerName(spec, "zookeeper", host.id);
  return {
    name,
    image: spec.images.zookeeper,
    hostname: name,
    aliases: [name],
    hostNetwork: usesHostNetwork(spec),
    restart: "always",
    env: { ZOOCFGDIR: ZK_CONF_DIR, ZOO_CONF_DIR: ZK_CONF_DIR, ZOO_DATA_DIR: ZK_DATA_DIR, ZOO_MY_ID: String(id), JVMFLAGS: "-Xmx512m" },
    files: [
      { path: `${ZK_CONF_DIR}/zoo.cfg`, content: renderZooCfg(members, { dataDir: ZK_DATA_DIR, tickTime: 500, initLimit: 20, syncLimit: 4 }) },
      { path: `${ZK_DATA_DIR}/myid`, content: renderMyId(id) },
    ],
    volumes: [{ volume: `${name}-data`, containerPath: `${ZK_DATA_DIR}/version-2` }],
    healthcheck: healthcheck(["zkServer.sh", "status"], 5, 4, 6, 30),
    labels: platformLabels(spec.stack, "zookeeper", { "platform.host": host.id, "platform.zookeeper.myid": String(id) }),
    stopGraceSeconds: 10,
  };
}

/** Client port every member serves. */
export const ZOOKEEPER_CLIENT_PORT = PORTS.zookeeperClient;
