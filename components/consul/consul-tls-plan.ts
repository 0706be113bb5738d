// Consul's TLS as the platform plans it (pure): where it is on, the `tls` block and ports of the
// agents' configurations, the names each agent's certificate must hold, and the files a client
// of the HTTPS API is given. The certificates themselves are made at `up` (`ConsulTls`); the plan
// holds their placeholders.
import { HostSpec } from "../core/config-schema";
import { ContainerFile, secretPlaceholder } from "../core/container-spec";
import { PORTS } from "../core/endpoints";
import { addressNames, CertificateNames } from "../core/openssl-certificates";
import { PlatformSpec } from "../core/platform-spec";

/**
 * Whether Consul speaks TLS: RPC between agents with certificates verified both ways, and the
 * HTTP API only as HTTPS (port 8501; plain HTTP is off). Everywhere but on the local stack, whose
 * agents are all on one machine's private network (docs/security.md).
 */
export function tlsEnforced(spec: Pick<PlatformSpec, "local">): boolean {
  return !spec.local;
}

/** Where a Consul agent or server finds the CA, its certificate and its key. */
export const CONSUL_TLS_PATHS = {
  ca: "/consul/tls/ca.pem",
  cert: "/consul/tls/agent.pem",
  key: "/consul/tls/agent-key.pem",
} as const;

/** Where a client of Consul's API (consul-template, consul-esm, a scheduled agent) finds the CA. */
export const CONSUL_CLIENT_CA_FILE = "/etc/platform/consul-ca.pem";

/** The port of Consul's HTTP API: HTTPS where TLS is on, HTTP on the local stack. */
export function consulApiPort(spec: Pick<PlatformSpec, "local">): number {
  return tlsEnforced(spec) ? PORTS.consulHttps : PORTS.consulHttp;
}

/** The URL of the Consul API at `address` (a host's address or name): `https://address:8501`. */
export function consulApiUrl(spec: Pick<PlatformSpec, "local">, address: string): string {
  return `${tlsEnforced(spec) ? "https" : "http"}://${address}:${consulApiPort(spec)}`;
}

/** The ports block of an agent's configuration: HTTPS only where TLS is on. */
export function consulPortsBlock(spec: Pick<PlatformSpec, "local">): Record<string, number> {
  return tlsEnforced(spec)
    ? { http: -1, https: PORTS.consulHttps, dns: PORTS.consulDns }
    : { http: PORTS.consulHttp, dns: PORTS.consulDns };
}

/**
 * The `tls` block of a Consul server's or agent's configuration. RPC and gossip-adjacent traffic
 * between agents: each side shows a certificate of the platform's CA and checks the other's
 * (`verify_incoming`, `verify_outgoing`), and a server must show `server.<datacenter>.consul`
 * (`verify_server_hostname`), so an agent's certificate cannot pass for a server's. HTTPS: the
 * clients check the agent's certificate; the agent asks none of them (their ACL token is what
 * lets them in).
 */
export function tlsConfigBlock(): Record<string, unknown> {
  return {
    defaults: {
      ca_file: CONSUL_TLS_PATHS.ca,
      cert_file: CONSUL_TLS_PATHS.cert,
      key_file: CONSUL_TLS_PATHS.key,
      verify_incoming: true,
      verify_outgoing: true,
    },
    internal_rpc: { verify_server_hostname: true },
    https: { verify_incoming: false },
  };
}

/** The files of a Consul agent's or server's TLS: the CA, its certificate and its key (placeholders). */
export function consulTlsFiles(spec: Pick<PlatformSpec, "local">): ContainerFile[] {
  if (!tlsEnforced(spec)) return [];
  return [
    { path: CONSUL_TLS_PATHS.ca, content: secretPlaceholder("consulCaCert") },
    { path: CONSUL_TLS_PATHS.cert, content: secretPlaceholder("consulTlsCert") },
    { path: CONSUL_TLS_PATHS.key, content: secretPlaceholder("consulTlsKey") },
  ];
}

/** The CA file a client of Consul's HTTPS API is given (none where TLS is off). */
export function consulClientCaFiles(spec: Pick<PlatformSpec, "local">): ContainerFile[] {
  return tlsEnforced(spec)
    ? [{ path: CONSUL_CLIENT_CA_FILE, content: secretPlaceholder("consulCaCert") }]
    : [];
}

/** The CA file path a client's configuration names (undefined where TLS is off). */
export function consulClientCaPath(spec: Pick<PlatformSpec, "local">): string | undefined {
  return tlsEnforced(spec) ? CONSUL_CLIENT_CA_FILE : undefined;
}

/**
 * The names the certificate of the Consul process on `host` holds: `server.<dc>.consul` or
 * `client.<dc>.consul` (what `verify_server_hostname` checks); the host's address, which the
 * balancers, consul-esm, the provider and the probes reach it at; `host.docker.internal` and
 * `localhost`/127.0.0.1, which the scheduled agents and the container's own CLI use.
 */
export function agentCertificateNames(
  datacenter: string,
  host: Pick<HostSpec, "address">,
  server: boolean,
): CertificateNames {
  const role = `${server ? "server" : "client"}.${datacenter}.consul`;
  const own = addressNames(host.address);
  return {
    dns: [role, ...own.dns, "host.docker.internal", "localhost"],
    ips: [...own.ips, "127.0.0.1"],
  };
}
