// HTTPS to InfluxDB as the platform plans it (pure): where it is on, the files InfluxDB and its
// clients are given, and the names InfluxDB's certificate holds. The certificates are made at `up`
// (`MetricsTls`); the plan holds their placeholders.
import { HostSpec } from "../core/config-schema";
import { ContainerFile, secretPlaceholder } from "../core/container-spec";
import { addressNames } from "../core/openssl-certificates";
import { PlatformSpec } from "../core/platform-spec";
import { CertificateRequest } from "../core/tls-authority";

/**
 * Whether InfluxDB answers over HTTPS only, with a certificate of the metrics CA that every
 * client (the shippers, Grafana, the setup at `up`) checks: everywhere but on the local stack,
 * whose parts are all on one machine's private network (docs/security.md). Its users' passwords
 * then never cross the network in the clear.
 */
export function metricsTlsOn(spec: Pick<PlatformSpec, "local">): boolean {
  return !spec.local;
}

/** InfluxDB's TLS files, beside its configuration: the CA (its health check's), its certificate and key. */
export const INFLUXDB_TLS_PATHS = {
  ca: "/etc/influxdb/tls/ca.pem",
  cert: "/etc/influxdb/tls/influxdb.pem",
  key: "/etc/influxdb/tls/influxdb-key.pem",
} as const;

/** Where a client of InfluxDB (a shipper) finds the metrics CA (`INFLUXDB_CACERT`). */
export const METRICS_CA_FILE = "/etc/platform/metrics-ca.pem";

/** InfluxDB's TLS files (placeholders), where HTTPS is on. */
export function influxdbTlsFiles(spec: Pick<PlatformSpec, "local">): ContainerFile[] {
  if (!metricsTlsOn(spec)) return [];
  return [
    { path: INFLUXDB_TLS_PATHS.ca, content: secretPlaceholder("metricsCaCert") },
    { path: INFLUXDB_TLS_PATHS.cert, content: secretPlaceholder("influxdbTlsCert") },
    { path: INFLUXDB_TLS_PATHS.key, content: secretPlaceholder("influxdbTlsKey") },
  ];
}

/** A client's copy of the metrics CA (`METRICS_CA_FILE`), where HTTPS is on. */
export function metricsCaFiles(spec: Pick<PlatformSpec, "local">): ContainerFile[] {
  return metricsTlsOn(spec)
    ? [{ path: METRICS_CA_FILE, content: secretPlaceholder("metricsCaCert") }]
    : [];
}

/**
 * InfluxDB's certificate: `influxdb.<stack>`, the monitoring host's address (which the shippers,
 * Grafana and the setup dial, and check), and 127.0.0.1 and `localhost` (its health check's).
 */
export function influxdbCertificate(
  stack: string,
  host: Pick<HostSpec, "address">,
): CertificateRequest {
  const own = addressNames(host.address);
  return {
    subject: `influxdb.${stack}`,
    names: { dns: [...own.dns, "localhost"], ips: [...own.ips, "127.0.0.1"] },
  };
}
