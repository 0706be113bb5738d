import { PORTS } from "../core/endpoints";

export interface ConsulCommonOptions {
  datacenter: string;
  nodeName: string;
  /** Addresses of the servers, for retry_join. */
  servers: string[];
  /** Base64 gossip encryption key (secret); omitted when undefined. */
  encrypt?: string;
  /** Address to advertise; Consul picks one when undefined (local stack). */
  advertise?: string;
  /** The `acl` block (`aclConfigBlock`); ACLs are off when undefined. */
  acl?: Record<string, unknown>;
  /** The `tls` block (`tlsConfigBlock`); TLS is off when undefined. */
  tls?: Record<string, unknown>;
  /** The `ports` block (`consulPortsBlock`). Default: HTTP on 8500, DNS on 8600. */
  ports?: Record<string, number>;
}

function common(o: ConsulCommonOptions): Record<string, unknown> {
  return {
    datacenter: o.datacenter,
    node_name: o.nodeName,
    data_dir: "/consul/data",
    client_addr: "0.0.0.0",
    bind_addr: "0.0.0.0",
    ...(o.advertise ? { advertise_addr: o.advertise } : {}),
    retry_join: o.servers,
    retry_interval: "2s",
    ...(o.encrypt !== undefined ? { encrypt: o.encrypt } : {}),
    ...(o.acl !== undefined ? { acl: o.acl } : {}),
    ...(o.tls !== undefined ? { tls: o.tls } : {}),
    ports: o.ports ?? { http: PORTS.consulHttp, dns: PORTS.consulDns },
    log_level: "INFO",
    disable_update_check: true,
    enable_local_script_checks: true,
  };
}

/**
 * A Consul server of the master quorum. `bootstrap_expect` is the number of servers, so the first
 * leader is elected once all of them joined. `raft_multiplier: 2`: writes are accepted again
 * 3.2 to 4.2 s after the leader is lost, within the platform's 6 s (1: 1.3 to 2.2 s, but its
 * heartbeats cost the idle servers about 8 ms of CPU a second more; 3: 4 to 6 s), measured on the
 * local platform (docs/promises.md).
 */
export function renderConsulServerConfig(
  o: ConsulCommonOptions & { bootstrapExpect: number },
): string {
  const cfg = {
    ...common(o),
    server: true,
    bootstrap_expect: o.bootstrapExpect,
    ui_config: { enabled: true },
    performance: { raft_multiplier: 2 },
    leave_on_terminate: false,
    skip_leave_on_interrupt: true,
    autopilot: {
      cleanup_dead_servers: true,
      last_contact_threshold: "1s",
      server_stabilization_time: "5s",
    },
  };
  return JSON.stringify(cfg, null, 2) + "\n";
}

/**
 * The host checks of a slave, like the paper's Nagios plugins: disk, and the 1-minute load average
 * per CPU (above `maxLoadPerCpu` the check exits 1, a warning, which the whitelist leaves out).
 */
export function slaveHostChecks(maxLoadPerCpu: number): Record<string, unknown>[] {
  return [
    {
      id: "disk",
      name: "root disk below 95% used",
      args: [
        "sh",
        "-c",
        "used=$(df -P / | awk 'NR==2 {print $5}' | tr -d %); test \"$used\" -lt 95",
      ],
      interval: "10s",
      timeout: "5s",
    },
    {
      id: "load",
      name: `load average below ${maxLoadPerCpu} per CPU`,
      args: ["sh", "-c", `awk -v n=$(nproc) '{ exit ($1 > ${maxLoadPerCpu} * n) }' /proc/loadavg`],
      interval: "10s",
      timeout: "5s",
    },
  ];
}

/** Name of the Consul service every slave registers; the Mesos whitelist lists its healthy nodes. */
export const SLAVE_SERVICE = "mesos-slave-host";

/**
 * A Consul client agent. On slaves it registers the host itself as the `mesos-slave-host`
 * service with the host checks, which the whitelist template reads.
 */
export function renderConsulAgentConfig(
  o: ConsulCommonOptions & {
    slave: boolean;
    maxLoadPerCpu: number;
    /** The token the host's service and its checks are registered with (where ACLs are on). */
    serviceToken?: string;
  },
): string {
  const cfg: Record<string, unknown> = { ...common(o), server: false, leave_on_terminate: true };
  if (o.slave) {
    cfg.services = [
      {
        name: SLAVE_SERVICE,
        id: `${SLAVE_SERVICE}-${o.nodeName}`,
        tags: ["slave"],
        meta: { node: o.nodeName },
        ...(o.serviceToken !== undefined ? { token: o.serviceToken } : {}),
        checks: slaveHostChecks(o.maxLoadPerCpu),
      },
    ];
  }
  return JSON.stringify(cfg, null, 2) + "\n";
}

/**
 * What consul-esm of stack `stack` is named by in Consul: its service, and its KV prefix (leader
 * and check assignments). Per stack, as stacks may share a datacenter and each one's consul-esm
 * may touch its own stack's entries only (`roleRules`).
 */
export function esmNames(stack: string): { service: string; kvPath: string } {
  return { service: `${stack}-consul-esm`, kvPath: `consul-esm/${stack}/` };
}

/**
 * consul-esm: runs the health checks of the instances registered on external nodes (the library
 * registers every instance through the catalog API, which Consul agents do not check themselves),
 * those of its own stack's nodes only (their `stack` node meta).
 */
export function renderEsmConfig(o: {
  stack: string;
  datacenter: string;
  /** The Consul API's URL (`https://host:8501`) or `host:port` (HTTP). */
  consulAddress: string;
  /** The CA file its HTTPS certificate is checked against (where TLS is on). */
  caFile?: string;
  instanceId: string;
  /** Its ACL token (where ACLs are on). */
  token?: string;
}): string {
  const cfg = {
    log_level: "INFO",
    consul_service: esmNames(o.stack).service,
    consul_kv_path: esmNames(o.stack).kvPath,
    http_addr: o.consulAddress,
    ...(o.caFile !== undefined ? { ca_file: o.caFile } : {}),
    ...(o.token !== undefined ? { token: o.token } : {}),
    datacenter: o.datacenter,
    instance_id: o.instanceId,
    external_node_meta: { "external-node": "true", stack: o.stack },
    node_reconnect_timeout: "72h",
    node_probe_interval: "10s",
    disable_coordinate_updates: true,
    ping_type: "udp",
    passing_threshold: 0,
    critical_threshold: 0,
  };
  return JSON.stringify(cfg, null, 2) + "\n";
}
