import {
  ContainerSpec,
  DOCKER_HEALTH_INTERVAL_SECONDS,
  DROP_TO_OWN_USER,
  healthcheck,
  platformLabels,
  reachableAs,
  secretPlaceholder,
} from "../core/container-spec";
import { containerName, partAddress, PORTS, usesHostNetwork } from "../core/endpoints";
import { HostSpec } from "../core/config-schema";
import { PlatformSpec, QuorumSiteSpec } from "../core/platform-spec";
import { localQuorumAddress } from "../core/local-network";
import { masterMemberTarget, QuorumMemberTarget } from "../core/quorum-probe";
import { quorumSize } from "../core/quorum";
import { masterPlace, zookeeperIdOf, zookeeperIds } from "../core/zookeeper-ids";
import { renderJavaSecurity, renderMyId, renderZooCfg, ZooKeeperMember } from "./zoo-cfg";
import { zookeeperAuthEnforced } from "./zookeeper-auth-plan";

/** Layout inside the image (the upstream `zookeeper` image's: config in /conf, data in /data). */
export const ZK_CONF_DIR = "/conf";
export const ZK_DATA_DIR = "/data";

/** The health probe: the member answers the `srvr` four-letter word with its mode. */
export const ZK_PROBE = `exec 3<>/dev/tcp/127.0.0.1/${PORTS.zookeeperClient} && echo srvr >&3 && grep -q '^Mode: ' <&3`;

/** Members of the ensemble: one per master host, with its id (core/zookeeper-ids.ts). */
export function zookeeperMembers(
  spec: Pick<PlatformSpec, "stack" | "local" | "masters">,
): ZooKeeperMember[] {
  const ids = zookeeperIds(spec.masters);
  return spec.masters.map((h, i) => ({
    id: ids[i],
    address: partAddress(spec, "zookeeper", h),
  }));
}

/** What the readiness of the member on `host` asks (core/quorum-probe.ts): back in the ensemble. */
export function zookeeperMemberTarget(spec: QuorumSiteSpec, host: HostSpec): QuorumMemberTarget {
  const myid = zookeeperIdOf(spec.masters, host.id);
  return masterMemberTarget(spec, host, {
    kind: "zookeeper",
    part: "zookeeper",
    label: "ZooKeeper member",
    port: PORTS.zookeeperClient,
    // The members are declared in the masters' order; those up to this one are a majority: they
    // elect a leader on their own.
    mustServe: masterPlace(spec.masters, host.id) >= quorumSize(spec.masters.length),
    myid,
  });
}

/** The container of the ZooKeeper member on `host`. */
export function zookeeperContainer(spec: QuorumSiteSpec, host: HostSpec): ContainerSpec {
  const members = zookeeperMembers(spec);
  const id = zookeeperIdOf(spec.masters, host.id);
  const name = containerName(spec, "zookeeper", host.id);
  return {
    ...reachableAs(name),
    image: spec.images.zookeeper,
    hostNetwork: usesHostNetwork(spec),
    capabilities: DROP_TO_OWN_USER,
    // On the local stack, the same address whenever the member is replaced, as a host keeps its own.
    ...(spec.local ? { ipv4Address: localQuorumAddress(spec.stack, "zookeeper", id - 1) } : {}),
    restart: "always",
    // Read by the upstream image (ZOO_CONF_DIR, ZOO_DATA_DIR, ZOO_MY_ID, SERVER_JVMFLAGS) and by
    // the project's Debian image (ZOO_CFG, ZOO_MY_ID, SERVER_JVMFLAGS): both use the same layout.
    env: {
      ZOO_CONF_DIR: ZK_CONF_DIR,
      ZOO_CFG: `${ZK_CONF_DIR}/zoo.cfg`,
      ZOO_DATA_DIR: ZK_DATA_DIR,
      ZOO_MY_ID: String(id),
      SERVER_JVMFLAGS: ZOOKEEPER_JVM_FLAGS,
    },
    files: [
      {
        path: `${ZK_CONF_DIR}/zoo.cfg`,
        content: renderZooCfg(members, {
          dataDir: ZK_DATA_DIR,
          tickTime: 500,
          initLimit: 20,
          syncLimit: 4,
          enforceAuth: zookeeperAuthEnforced(spec),
          ...(zookeeperAuthEnforced(spec)
            ? { superDigest: secretPlaceholder("zookeeperSuperDigest") }
            : {}),
        }),
      },
      { path: `${ZK_DATA_DIR}/myid`, content: renderMyId(id) },
      { path: `${ZK_CONF_DIR}/java.security`, content: renderJavaSecurity() },
    ],
    volumes: [{ volume: `${name}-data`, containerPath: `${ZK_DATA_DIR}/version-2` }],
    // Serving means answering `srvr` with a mode (leader, follower or standalone).
    healthcheck: healthcheck(["bash", "-c", ZK_PROBE], {
      intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
      timeoutSeconds: 2,
      retries: 10,
      startPeriodSeconds: 30,
    }),
    labels: platformLabels(spec.stack, "zookeeper", {
      "platform.host": host.id,
      "platform.zookeeper.myid": String(id),
    }),
    stopGraceSeconds: 10,
  };
}

/**
 * The members' JVM: a 256 MiB heap, collected by the serial collector (G1's concurrent threads buy
 * nothing on a heap this small), code compiled by C1 only (a coordination service's load never
 * needs C2's peak, and C2's compilations were most of a member's start: 0.60 s of CPU to serve
 * with the defaults, 0.45 s with these, measured on the project's image), and the lookups of
 * renderJavaSecurity.
 */
export const ZOOKEEPER_JVM_FLAGS = `-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.security.properties=${ZK_CONF_DIR}/java.security`;

/** Client port every member serves. */
export const ZOOKEEPER_CLIENT_PORT = PORTS.zookeeperClient;
