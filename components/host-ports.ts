// The ports the platform's parts listen on, per host, on real hosts (the host network); and the
// clashes: two parts of one stack on one port of a host, or two environments' stacks naming the
// same host with ports in common. Pure: from the plan of each stack.
import { PORTS } from "./core/endpoints";
import { InputProblem } from "./core/errors";
import { MESOS_TASK_PORTS } from "./core/site-checks";
import { PlatformSpec } from "./core/platform-spec";
import { FILEBEAT_MONITORING_PORT, LOGSTASH_API_PORT } from "./logging/logging-containers";
import { INFLUXDB_RPC_BIND } from "./metrics/influxdb-config";
import {
  consulPlan,
  databasePlan,
  loadBalancersPlan,
  loggingPlan,
  mesosPlan,
  metricsPlan,
  servicesPlan,
  zookeeperPlan,
} from "./plan";
import { bridgePort } from "./services/service-containers";

/** A port a part listens on: `8501/tcp (consul-agent)`; with `last`, the ports from `port` to it. */
export interface HostPort {
  port: number;
  protocol: "tcp" | "udp";
  part: string;
  last?: number;
}

const tcp = (part: string, ...ports: number[]): HostPort[] =>
  ports.map((port) => ({ port, protocol: "tcp", part }));
const udp = (part: string, ...ports: number[]): HostPort[] =>
  ports.map((port) => ({ port, protocol: "udp", part }));

/** Consul's default WAN gossip and gRPC TLS ports (a server's), which the platform's config leaves as they are. */
const CONSUL_SERF_WAN = 8302;
const CONSUL_GRPC_TLS = 8503;

/** What each part listens on; `part` is the name `render` and the containers use. */
const consulAgentPorts = (part: string) => [
  // Real hosts only (below), where Consul's API is HTTPS (consul-tls-plan.ts).
  ...tcp(part, PORTS.consulSerfLan, PORTS.consulHttps, PORTS.consulDns),
  ...udp(part, PORTS.consulSerfLan, PORTS.consulDns),
];
const consulServerPorts = (part: string) => [
  ...consulAgentPorts(part),
  ...tcp(part, PORTS.consulServerRpc, CONSUL_SERF_WAN, CONSUL_GRPC_TLS),
  ...udp(part, CONSUL_SERF_WAN),
];

/**
 * Host id → the ports its parts listen on, sorted by port. ZooKeeper's peer port is listened on by
 * the leader only, but held for whichever member leads. Empty on the local stack, where the
 * parts run on the platform network and publish nothing they share.
 */
export function hostPorts(spec: PlatformSpec): Map<string, HostPort[]> {
  const byHost = new Map<string, HostPort[]>();
  if (spec.local) return byHost;
  const add = (hostId: string, ports: HostPort[]) =>
    byHost.set(hostId, [...(byHost.get(hostId) ?? []), ...ports]);
  const on = (planned: { hostId: string }[], ports: HostPort[]) =>
    planned.forEach((p) => add(p.hostId, ports));

  const zk = PORTS;
  on(
    zookeeperPlan(spec),
    tcp("zookeeper", zk.zookeeperClient, zk.zookeeperPeer, zk.zookeeperElection),
  );
  const consul = consulPlan(spec);
  on(consul.servers, consulServerPorts("consul-server"));
  on(consul.agents, consulAgentPorts("consul-agent"));
  for (const { service, instances } of servicesPlan(spec)) {
    const part = `service ${service.name}`;
    const ports = [service.port, ...(service.check.command ? [bridgePort(service)] : [])];
    on(instances, tcp(part, ...ports));
  }
  const frontends = spec.services.map((s) => s.port);
  on(loadBalancersPlan(spec), tcp("lb", spec.loadBalancer.statsPort, ...frontends));
  on(databasePlan(spec), tcp("dirac-database", PORTS.mariadb));
  on(mesosPlan.masters(spec), tcp("mesos-master", PORTS.mesosMaster));
  on(mesosPlan.agents(spec), [
    ...tcp("mesos-agent", PORTS.mesosAgent),
    // Marathon's tasks: each gets host ports the agent offers (bridge network, `hostPort: 0`).
    {
      port: MESOS_TASK_PORTS.first,
      last: MESOS_TASK_PORTS.last,
      protocol: "tcp",
      part: "mesos tasks",
    },
  ]);
  on(mesosPlan.marathon(spec), tcp("marathon", PORTS.marathon, PORTS.marathonLibprocess));
  on(mesosPlan.chronos(spec), tcp("chronos", PORTS.chronos, PORTS.chronosLibprocess));
  if (spec.features.logging) {
    const logging = loggingPlan(spec);
    on([logging.logstash], tcp("logstash", PORTS.logstashBeats, LOGSTASH_API_PORT));
    on(logging.filebeats, tcp("filebeat", FILEBEAT_MONITORING_PORT));
  }
  if (spec.features.metrics) {
    const metrics = metricsPlan(spec);
    const rpc = Number(INFLUXDB_RPC_BIND.split(":").pop());
    on([metrics.influxdb], tcp("influxdb", PORTS.influxdb, rpc));
    if (metrics.grafana) on([metrics.grafana], tcp("grafana", PORTS.grafana));
    on(metrics.cadvisors, tcp("cadvisor", PORTS.cadvisor));
  }
  for (const ports of byHost.values())
    ports.sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : 1));
  return byHost;
}

const key = (p: HostPort) => `${p.port}/${p.protocol}`;

/** `8501/tcp (consul-agent, service A/B)` for each port both lists hold. */
function common(a: readonly HostPort[], b: readonly HostPort[]): string[] {
  const out: string[] = [];
  for (const p of a) {
    const other = b.filter((q) => key(q) === key(p));
    if (other.length > 0)
      out.push(`${key(p)} (${[p.part, ...other.map((q) => q.part)].join(", ")})`);
  }
  return out;
}

/** Two parts of the stack on one port of a host: one problem per host, at its `hosts[i]`. */
export function portClashes(spec: PlatformSpec, file: string, prefix: string): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const [hostId, ports] of hostPorts(spec)) {
    const clashes: string[] = [];
    ports.forEach((p, i) => {
      const later = ports.slice(i + 1).filter((q) => key(q) === key(p));
      const earlier = ports.slice(0, i).some((q) => key(q) === key(p));
      if (later.length > 0 && !earlier)
        clashes.push(`${key(p)} (${[p, ...later].map((q) => q.part).join(", ")})`);
    });
    if (clashes.length > 0)
      problems.push({
        file,
        path: `${prefix}hosts[${spec.hosts.findIndex((h) => h.id === hostId)}]`,
        expected: `parts that listen on distinct ports of the host; ${hostId} would have ${clashes.join(", ")}`,
      });
  }
  return problems;
}

/** Another stack of the project, resolved, with the file it comes from. */
export interface SiblingStack {
  file: string;
  spec: PlatformSpec;
}

/**
 * Hosts this stack shares (same address) with a stack of another environment, where both would
 * listen on a port: one problem per shared host, at this stack's `hosts[i].address`. Stacks of
 * the same environment are taken as alternative definitions of it (a copy under test, a move to
 * other hosts), deployed one at a time, and are not compared.
 */
export function sharedHostClashes(
  spec: PlatformSpec,
  file: string,
  prefix: string,
  siblings: readonly SiblingStack[],
): InputProblem[] {
  const problems: InputProblem[] = [];
  const mine = hostPorts(spec);
  const others = siblings
    .filter((o) => o.spec.environment !== spec.environment && !o.spec.local)
    .map((o) => ({ ...o, ports: hostPorts(o.spec) }));
  spec.hosts.forEach((host, i) => {
    for (const sibling of others) {
      const j = sibling.spec.hosts.findIndex(
        (h) => h.address.toLowerCase() === host.address.toLowerCase(),
      );
      if (j < 0) continue;
      const clashes = common(
        mine.get(host.id) ?? [],
        sibling.ports.get(sibling.spec.hosts[j].id) ?? [],
      );
      if (clashes.length > 0)
        problems.push({
          file,
          path: `${prefix}hosts[${i}].address`,
          expected: `a host no other environment listens on with the same ports; ${host.address} is also hosts[${j}] of ${sibling.file} (${sibling.spec.environment}), and both would listen there on ${clashes.join(", ")}`,
        });
    }
  });
  return problems;
}
