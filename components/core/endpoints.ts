import { HostSpec } from "./config-schema";
import { physicalName } from "./naming";

/** Well-known ports of the platform's parts. */
export const PORTS = {
  zookeeperClient: 2181,
  zookeeperPeer: 2888,
  zookeeperElection: 3888,
  consulHttp: 8500,
  consulHttps: 8501,
  consulDns: 8600,
  consulServerRpc: 8300,
  consulSerfLan: 8301,
  mesosMaster: 5050,
  mesosAgent: 5051,
  marathon: 8080,
  /** Where the Mesos masters call Marathon back (its `LIBPROCESS_PORT`): fixed, for a firewall. */
  marathonLibprocess: 8081,
  chronos: 4400,
  chronosLibprocess: 4401,
  influxdb: 8086,
  grafana: 3000,
  cadvisor: 8088,
  logstashBeats: 5044,
  mariadb: 3306,
} as const;

/** Where the stack runs: the stack name and whether every host is a name on one local Engine. */
export interface Site {
  stack: string;
  local: boolean;
}

/** Physical name of a part's container on a host: `local-zookeeper-master-1`. */
export function containerName(site: Site, part: string, hostId: string): string {
  return physicalName(site.stack, part, hostId);
}

/**
 * The address other containers use to reach `part` on `host`: on the local stack the container's
 * name on the platform network; on real hosts the host's address (infrastructure runs on the
 * host network there).
 */
export function partAddress(site: Site, part: string, host: HostSpec): string {
  return site.local ? containerName(site, part, host.id) : host.address;
}

/** Infrastructure containers use the host network on real hosts and the platform network locally. */
export function usesHostNetwork(site: Site): boolean {
  return !site.local;
}

/**
 * The slaves that run a part which sees every container of a Docker Engine (cAdvisor measures them
 * all; Filebeat ships the tasks no host label places): every slave, each with its own Engine; on
 * the local stack, whose hosts are names on one Engine, the first slave only, so that nothing is
 * measured or shipped once per slave.
 */
export function onePerEngine(site: Pick<Site, "local">, slaves: HostSpec[]): HostSpec[] {
  return site.local ? slaves.slice(0, 1) : slaves;
}
