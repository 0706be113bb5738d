// HTTPS to InfluxDB and Grafana as the platform plans it (pure): where it is on, the files InfluxDB,
// Grafana and InfluxDB's clients are given, and the names their certificates hold. The
// certificates are made at `up` (`MetricsTls`); the plan holds their placeholders.
import { HostSpec } from "../core/config-schema";
import { ContainerFile, secretPlaceholder } from "../core/container-spec";
import { addressNames } from "../core/openssl-certificates";
import { PlatformSpec } from "../core/platform-spec";
import { CertificateRequest } from "../core/tls-authority";

/**
 * Whether InfluxDB and Grafana answer over HTTPS only, each with a certificate of the metrics CA
 * (which InfluxDB's clients, the shippers, Grafana and the setup at `up`, check): everywhere but
 * on the local stack, whose parts are all on one machine's private network (docs/security.md).
 * InfluxDB's users' passwords and Grafana's logins then never cross the network in the clear.
 */
export function metricsTlsOn(spec: Pick<PlatformSpec, "local">): boolean {
  return !spec.local;
}

/** `https` where InfluxDB and Grafana speak TLS (`metricsTlsOn`), else `http`. */
export function metricsScheme(spec: Pick<PlatformSpec, "local">): "http" | "https" {
  return metricsTlsOn(spec) ? "https" : "http";
}

/** InfluxDB's TLS files, beside its configuration: the CA (its health check's), its certificate and key. */
export const INFLUXDB_TLS_PATHS = {
  ca: "/etc/influxdb/tls/ca.pem",
  cert: "/etc/influxdb/tls/influxdb.pem",
  key: "/etc/influxdb/tls/influxdb-key.pem",
} as const;

/** Grafana's certificate and key, outside its data volume. */
export const GRAFANA_TLS_PATHS = {
  cert: "/etc/grafana/tls/grafana.pem",
  key: "/etc/grafana/tls/grafana-key.pem",
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

/** Grafana's certificate and key (placeholders), where HTTPS is on. */
export function grafanaTlsFiles(spec: Pick<PlatformSpec, "local">): ContainerFile[] {
  if (!metricsTlsOn(spec)) return [];
  return [
    { path: GRAFANA_TLS_PATHS.cert, content: secretPlaceholder("grafanaTlsCert") },
    { path: GRAFANA_TLS_PATHS.key, content: secretPlaceholder("grafanaTlsKey") },
  ];
}

/** A client's copy of the metrics CA (`METRICS_CA_FILE`), where HTTPS is on. */
export function metricsCaFiles(spec: Pick<PlatformSpec, "local">): ContainerFile[] {
  return metricsTlsOn(spec)
    ? [{ path: METRICS_CA_FILE, content: secretPlaceholder("metricsCaCert") }]
    : [];
}

/**
 * The certificate of a part on the monitoring host, `<part>.<stack>`: it names the host's address
 * (which its clients dial and check), and 127.0.0.1 and `localhost` (its health check's).
 */
function monitoringCertificate(
  part: string,
  stack: string,
  host: Pick<HostSpec, "address">,
): CertificateRequest {
  const own = addressNames(host.address);
  return {
    subject: `${part}.${stack}`,
    names: { dns: [...own.dns, "localhost"], ips: [...own.ips, "127.0.0.1"] },
  };
}

/** InfluxDB's certificate, `influxdb.<stack>`, which the shippers, Grafana and the setup check. */
export function influxdbCertificate(
  stack: string,
  host: Pick<HostSpec, "address">,
): CertificateRequest {
  return monitoringCertificate("influxdb", stack, host);
}

/** Grafana's certificate, `grafana.<stack>`, which the operators' browsers check. */
export function grafanaCertificate(
  stack: string,
  host: Pick<HostSpec, "address">,
): CertificateRequest {
  return monitoringCertificate("grafana", stack, host);
}
