// The ports each planned container listens on, read from what it is given (its configuration
// files, environment, arguments and published ports) as the part itself reads them, and the
// sample HAProxy configuration for the load balancers: a judge of "no two parts on one port"
// that does not use the validation's own table of ports (components/host-ports.ts).
import { ContainerSpec, PlannedContainer } from "../../components/core/container-spec";

/** Consul's ports when its configuration does not name them: an agent's, and a server's on top. */
const CONSUL_AGENT_DEFAULTS = { serf_lan: 8301, http: 8500, dns: 8600 };
const CONSUL_SERVER_DEFAULTS = { server: 8300, serf_wan: 8302, grpc_tls: 8503 };

function file(c: ContainerSpec, suffix: string): string {
  const f = (c.files ?? []).find((x) => x.path.endsWith(suffix));
  if (f === undefined) throw new Error(`${c.name}: no file ending in ${suffix}`);
  return f.content;
}

const numbers = (text: string, pattern: RegExp): number[] =>
  [...text.matchAll(pattern)].map((m) => Number(m[1]));

function consulPorts(c: ContainerSpec, server: boolean): number[] {
  const config = JSON.parse(file(c, "consul.json")) as { ports?: Record<string, number> };
  const ports: Record<string, number> = {
    ...CONSUL_AGENT_DEFAULTS,
    ...(server ? CONSUL_SERVER_DEFAULTS : {}),
    ...(config.ports ?? {}),
  };
  return Object.values(ports).filter((p) => p > 0);
}

/**
 * The ports `c` listens on. `address` is its host's address (a ZooKeeper member listens on the
 * peer ports of its own `server.N` line); `haproxySample` the load balancers' configuration.
 * A part this judge does not know is an error, so a new part cannot slip past it.
 */
export function listenPorts(
  { container: c }: PlannedContainer,
  address: string,
  haproxySample: string,
): number[] {
  const env = c.env ?? {};
  switch (c.labels?.["platform.component"]) {
    case "consul-agent":
      return consulPorts(c, false);
    case "consul-server":
      return consulPorts(c, true);
    case "zookeeper": {
      const cfg = file(c, "zoo.cfg");
      const own = cfg
        .split("\n")
        .filter((l) => /^server\.\d+=/.test(l) && l.split("=")[1].split(":")[0] === address);
      return [
        ...numbers(cfg, /^clientPort=(\d+)$/gm),
        ...own.flatMap((l) => numbers(l, /:(\d+)/g)),
      ];
    }
    case "mesos-master":
    case "mesos-agent":
      return [Number(env.MESOS_PORT)];
    case "marathon":
      return [Number(env.MARATHON_HTTP_PORT)];
    case "chronos":
      return [Number(env.PORT0), Number(env.PORT1)];
    case "lb":
      return numbers(haproxySample, /^\s*bind \S*:(\d+)/gm);
    case "service":
      return (c.ports ?? []).map((p) => p.external ?? p.internal);
    // MariaDB listens where its entry point says (`mariadb-platform`: --port=3306).
    case "dirac-database":
      return [3306];
    case "influxdb":
      return numbers(file(c, "influxdb.conf"), /bind-address = "[^"]*:(\d+)"/g);
    case "grafana":
      return [Number(env.GF_SERVER_HTTP_PORT ?? 3000)];
    case "cadvisor":
      return numbers((c.command ?? []).join(" "), /-port=(\d+)/g);
    case "logstash":
      return [
        ...numbers(file(c, "logstash.yml"), /^api\.http\.port: (\d+)$/gm),
        ...numbers(file(c, "logstash.conf"), /port => (\d+)/g),
      ];
    case "filebeat":
      return numbers(file(c, "filebeat.yml"), /^http\.port: (\d+)$/gm);
    // A Docker API proxy binds what its haproxy.cfg says: a socket, no port.
    case "cadvisor-docker-api":
    case "filebeat-docker-api":
      return numbers(file(c, "haproxy.cfg"), /^\s*bind \S*:(\d+)/gm);
    // The port guard closes ports; it listens on none.
    case "port-guard":
    case "consul-esm":
    case "mesos-whitelist":
    case "metrics-shipper":
    case "task-registrar":
    case "agent":
      return [];
    default:
      throw new Error(`${c.name}: a part the port judge does not know`);
  }
}

/** The host ports a Mesos agent hands Marathon's tasks (Mesos' default `ports` resource). */
const MESOS_TASK_PORTS = [31000, 32000];

/**
 * Ports two parts would both listen on: per container, and per host for the containers on the
 * host's network and the ports others publish there; on a Mesos agent's host, ports its tasks
 * may be given. Each clash as `host: port (container, container)`.
 */
export function portClashesOf(
  planned: readonly PlannedContainer[],
  addressOf: (hostId: string) => string,
  haproxySample: string,
): string[] {
  const clashes: string[] = [];
  const byHost = new Map<string, Map<number, string[]>>();
  for (const p of planned) {
    const ports = listenPorts(p, addressOf(p.hostId), haproxySample);
    const own = ports.filter((port, i) => ports.indexOf(port) !== i);
    for (const port of new Set(own)) clashes.push(`${p.container.name}: ${port} twice`);
    for (const port of ports)
      if (!(port >= 1 && port <= 65535)) clashes.push(`${p.container.name}: port ${port}`);
    const onHost = p.container.hostNetwork
      ? ports
      : (p.container.ports ?? []).flatMap((q) => (q.external === undefined ? [] : [q.external]));
    const host = byHost.get(p.hostId) ?? new Map<number, string[]>();
    byHost.set(p.hostId, host);
    for (const port of new Set(onHost))
      host.set(port, [...(host.get(port) ?? []), p.container.name]);
  }
  const agentHosts = new Set(
    planned
      .filter((p) => p.container.labels?.["platform.component"] === "mesos-agent")
      .map((p) => p.hostId),
  );
  for (const [hostId, ports] of byHost)
    for (const [port, names] of ports) {
      if (names.length > 1) clashes.push(`${hostId}: ${port} (${names.join(", ")})`);
      if (agentHosts.has(hostId) && port >= MESOS_TASK_PORTS[0] && port <= MESOS_TASK_PORTS[1])
        clashes.push(`${hostId}: ${port} (${names.join(", ")}) among Mesos' task ports`);
    }
  return clashes;
}
