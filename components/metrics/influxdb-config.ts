import { HostSpec } from "../core/config-schema";
import {
  ContainerSpec,
  DOCKER_HEALTH_INTERVAL_SECONDS,
  platformLabels,
  reachableAs,
} from "../core/container-spec";
import { containerName, partAddress, PORTS, usesHostNetwork } from "../core/endpoints";
import { MetricsSpec } from "../core/platform-spec";
import { ProbeTarget } from "../core/readiness";
import { influxdbAuthEnforced } from "./influxdb-auth-plan";
import { influxdbCommand, influxdbFirstUserFiles } from "./influxdb-first-user";
import {
  INFLUXDB_TLS_PATHS,
  influxdbTlsFiles,
  metricsScheme,
  metricsTlsOn,
} from "./metrics-tls-plan";

/** The database cAdvisor writes to and Grafana reads. */
export const METRICS_DATABASE = "cadvisor";

/** Layout inside the InfluxDB 1.x image (upstream and the project's Debian one). */
export const INFLUXDB_PATHS = {
  config: "/etc/influxdb/influxdb.conf",
  root: "/var/lib/influxdb",
  meta: "/var/lib/influxdb/meta",
  data: "/var/lib/influxdb/data",
  wal: "/var/lib/influxdb/wal",
} as const;

/**
 * Address of InfluxDB's backup/restore RPC service, on loopback. Not InfluxDB's default 8088:
 * cAdvisor listens there, and both use the host network on real hosts.
 */
export const INFLUXDB_RPC_BIND = "127.0.0.1:8089";

export interface InfluxdbConfigOptions {
  metaDir: string;
  dataDir: string;
  walDir: string;
  httpPort: number;
  rpcBindAddress: string;
  /** Whether every request but the ping needs a user and a password (`influxdbAuthEnforced`). */
  authEnabled: boolean;
  /** HTTPS only, with this certificate and key (`metricsTlsOn`); plain HTTP without. */
  https?: { certificate: string; privateKey: string };
}

/** influxdb.conf in the 1.x format. */
export function renderInfluxdbConfig(o: InfluxdbConfigOptions): string {
  const lines = [
    "# InfluxDB 1.x; generated, do not edit",
    "reporting-disabled = true",
    `bind-address = "${o.rpcBindAddress}"`,
    "",
    "[meta]",
    `  dir = "${o.metaDir}"`,
    "",
    "[data]",
    `  dir = "${o.dataDir}"`,
    `  wal-dir = "${o.walDir}"`,
    "",
    "[http]",
    "  enabled = true",
    `  bind-address = ":${o.httpPort}"`,
    `  auth-enabled = ${o.authEnabled}`,
    // With users, the debug endpoints too: /debug/vars and /debug/requests (the users and the
    // addresses that write and read) ask for an admin; /debug/pprof answers no one.
    ...(o.authEnabled ? ["  pprof-auth-enabled = true"] : []),
    ...(o.https
      ? [
          "  https-enabled = true",
          `  https-certificate = "${o.https.certificate}"`,
          `  https-private-key = "${o.https.privateKey}"`,
        ]
      : []),
    "  log-enabled = false",
    "",
    "[continuous_queries]",
    "  enabled = true",
  ];
  return lines.join("\n") + "\n";
}

/** The host with role monitoring; the metrics stack needs one. */
export function monitoringHost(spec: MetricsSpec): HostSpec {
  if (spec.monitoring === undefined)
    throw new Error(`stack ${spec.stack}: the metrics stack needs a host with role monitoring`);
  return spec.monitoring;
}

/** `host:8086`, where cAdvisor writes and Grafana reads. */
export function influxdbAddress(spec: MetricsSpec): string {
  return `${partAddress(spec, "influxdb", monitoringHost(spec))}:${PORTS.influxdb}`;
}

/** The URL of InfluxDB's API: HTTPS where `metricsTlsOn`, HTTP on the local stack. */
export function influxdbUrl(spec: MetricsSpec): string {
  return `${metricsScheme(spec)}://${influxdbAddress(spec)}`;
}

/** influxdb.conf of the stack's InfluxDB. */
export function influxdbConfig(spec: Pick<MetricsSpec, "local">): string {
  return renderInfluxdbConfig({
    authEnabled: influxdbAuthEnforced(spec),
    metaDir: INFLUXDB_PATHS.meta,
    dataDir: INFLUXDB_PATHS.data,
    walDir: INFLUXDB_PATHS.wal,
    httpPort: PORTS.influxdb,
    rpcBindAddress: INFLUXDB_RPC_BIND,
    ...(metricsTlsOn(spec)
      ? { https: { certificate: INFLUXDB_TLS_PATHS.cert, privateKey: INFLUXDB_TLS_PATHS.key } }
      : {}),
  });
}

/**
 * The health check: InfluxDB answers its ping, and, where it asks no credentials, the database the
 * shippers write to exists (`CREATE DATABASE` is idempotent in 1.x). Where it asks for them, the
 * check holds none: the deploy-time setup makes the database (`influxdbSetupEnvironment`).
 */
export function influxdbHealthTest(spec: Pick<MetricsSpec, "local">): string[] {
  const base = `${metricsScheme(spec)}://127.0.0.1:${PORTS.influxdb}`;
  const ca = metricsTlsOn(spec) ? ["--cacert", INFLUXDB_TLS_PATHS.ca] : [];
  if (influxdbAuthEnforced(spec))
    return ["CMD", "curl", "-fs", ...ca, "-o", "/dev/null", `${base}/ping`];
  return [
    "CMD-SHELL",
    `curl -fs -o /dev/null ${base}/ping && curl -fs -o /dev/null -XPOST ${base}/query --data-urlencode 'q=CREATE DATABASE ${METRICS_DATABASE}'`,
  ];
}

/**
 * The deploy-time step that creates cAdvisor's database once InfluxDB answers at `address`
 * (`CREATE DATABASE` does nothing when it exists). The Docker health check creates it too, but
 * only every 5 minutes; cAdvisor's writes are refused until it exists.
 */
export function influxdbDatabaseProbe(spec: MetricsSpec, address: string): ProbeTarget {
  return {
    what: `the ${METRICS_DATABASE} database in InfluxDB ${containerName(spec, "influxdb", monitoringHost(spec).id)}`,
    http: `http://${address}:${PORTS.influxdb}/query?q=${encodeURIComponent(`CREATE DATABASE ${METRICS_DATABASE}`)}`,
    post: true,
  };
}

/** InfluxDB on the monitoring host, its data in a volume. */
export function influxdbContainer(spec: MetricsSpec): ContainerSpec {
  const host = monitoringHost(spec);
  const name = containerName(spec, "influxdb", host.id);
  return {
    ...reachableAs(name),
    image: spec.images.influxdb,
    hostNetwork: usesHostNetwork(spec),
    command: influxdbCommand(spec, INFLUXDB_PATHS.config),
    restart: "always",
    files: [
      { path: INFLUXDB_PATHS.config, content: influxdbConfig(spec) },
      ...influxdbTlsFiles(spec),
      ...influxdbFirstUserFiles(spec),
    ],
    volumes: [{ volume: `${name}-data`, containerPath: INFLUXDB_PATHS.root }],
    healthcheck: {
      test: influxdbHealthTest(spec),
      intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
      timeoutSeconds: 3,
      retries: 5,
      startPeriodSeconds: 20,
    },
    labels: platformLabels(spec.stack, "influxdb", { "platform.host": host.id }),
    stopGraceSeconds: 10,
  };
}
