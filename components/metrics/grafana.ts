import {
  ContainerFile,
  ContainerSpec,
  DOCKER_HEALTH_INTERVAL_SECONDS,
  platformLabels,
  reachableAs,
  secretPlaceholder,
} from "../core/container-spec";
import { containerName, partAddress, PORTS, usesHostNetwork } from "../core/endpoints";
import { MetricsSpec } from "../core/platform-spec";
import { influxdbAuthEnforced, INFLUXDB_USERS } from "./influxdb-auth-plan";
import { influxdbUrl, METRICS_DATABASE, monitoringHost } from "./influxdb-config";
import {
  GRAFANA_TLS_PATHS,
  grafanaTlsFiles,
  metricsScheme,
  metricsTlsOn,
} from "./metrics-tls-plan";
import {
  DASHBOARD_FOLDER,
  GRAFANA_PATHS,
  renderDashboardProvider,
  renderDatasourceProvisioning,
  stackDashboards,
} from "./grafana-provisioning";

/** Grafana's InfluxDB data source; where InfluxDB asks for credentials, as its reader. */
function grafanaDatasourceFile(spec: MetricsSpec): ContainerFile {
  const credentials = {
    user: INFLUXDB_USERS.reader,
    password: secretPlaceholder("influxdbPassword"),
  };
  return {
    path: GRAFANA_PATHS.datasource,
    content: renderDatasourceProvisioning({
      influxUrl: influxdbUrl(spec),
      database: METRICS_DATABASE,
      ...(influxdbAuthEnforced(spec) ? { credentials } : {}),
      ...(metricsTlsOn(spec) ? { caFromEnvironment: GRAFANA_METRICS_CA_ENV } : {}),
    }),
  };
}

/**
 * The environment variable naming the file that holds the admin password: the image's start
 * script reads every `GF_..._FILE` variable's file into `GF_...`, so the password is in no
 * environment Docker shows (`docker inspect`), only in a file uploaded as a secret.
 */
export const GRAFANA_ADMIN_PASSWORD_ENV = "GF_SECURITY_ADMIN_PASSWORD__FILE";

/** The variable that holds the metrics CA (PEM, not a secret) for the data source, where InfluxDB speaks HTTPS. */
export const GRAFANA_METRICS_CA_ENV = "METRICS_CA_PEM";

/** Grafana's URL: HTTPS where `metricsTlsOn`, HTTP on the local stack. */
export function grafanaUrl(spec: MetricsSpec): string {
  const address = partAddress(spec, "grafana", monitoringHost(spec));
  return `${metricsScheme(spec)}://${address}:${PORTS.grafana}`;
}

/**
 * Where `metricsTlsOn`, Grafana serves HTTPS only, with its certificate of the metrics CA, and
 * its session cookie is sent over HTTPS only: the admin's and the users' logins never cross the
 * network in the clear.
 */
function grafanaTlsEnvironment(spec: MetricsSpec): Record<string, string> {
  if (!metricsTlsOn(spec)) return {};
  return {
    GF_SERVER_PROTOCOL: "https",
    GF_SERVER_CERT_FILE: GRAFANA_TLS_PATHS.cert,
    GF_SERVER_CERT_KEY: GRAFANA_TLS_PATHS.key,
    GF_SECURITY_COOKIE_SECURE: "true",
  };
}

/**
 * Grafana's Docker health check: `/api/health` on its own loopback. Over HTTPS it does not check
 * the certificate (`-k`): it asks whether Grafana answers, and the image's busybox `wget` cannot
 * be given a CA.
 */
function grafanaHealthTest(spec: MetricsSpec): string {
  const probe = `${metricsScheme(spec)}://127.0.0.1:${PORTS.grafana}/api/health`;
  const [wget, curl] = metricsTlsOn(spec)
    ? ["wget -q --no-check-certificate", "curl -fsk"]
    : ["wget -q", "curl -fs"];
  return `${wget} -O /dev/null ${probe} || ${curl} -o /dev/null ${probe}`;
}

/**
 * Grafana on the monitoring host: data source and dashboards provisioned from files. The admin
 * password is the secret `grafanaAdminPassword`: its placeholder here, in a file the container
 * reads at start, its value put in (as a secret) when the container is declared. HTTPS only where
 * `metricsTlsOn` (`grafanaTlsEnvironment`).
 */
export function grafanaContainer(spec: MetricsSpec): ContainerSpec {
  const host = monitoringHost(spec);
  const name = containerName(spec, "grafana", host.id);
  return {
    ...reachableAs(name),
    image: spec.images.grafana,
    hostNetwork: usesHostNetwork(spec),
    restart: "always",
    env: {
      GF_SECURITY_ADMIN_USER: "admin",
      [GRAFANA_ADMIN_PASSWORD_ENV]: GRAFANA_PATHS.adminPassword,
      GF_PATHS_PROVISIONING: GRAFANA_PATHS.provisioning,
      GF_SERVER_HTTP_PORT: String(PORTS.grafana),
      GF_USERS_ALLOW_SIGN_UP: "false",
      GF_ANALYTICS_REPORTING_ENABLED: "false",
      GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
      ...grafanaTlsEnvironment(spec),
      ...(metricsTlsOn(spec)
        ? { [GRAFANA_METRICS_CA_ENV]: secretPlaceholder("metricsCaCert") }
        : {}),
    },
    files: [
      { path: GRAFANA_PATHS.adminPassword, content: secretPlaceholder("grafanaAdminPassword") },
      grafanaDatasourceFile(spec),
      ...grafanaTlsFiles(spec),
      {
        path: GRAFANA_PATHS.dashboardProvider,
        content: renderDashboardProvider({
          folder: DASHBOARD_FOLDER,
          path: GRAFANA_PATHS.dashboards,
        }),
      },
      ...stackDashboards(spec).map((d) => ({
        path: `${GRAFANA_PATHS.dashboards}/${d.file}`,
        content: d.content,
      })),
    ],
    volumes: [{ volume: `${name}-data`, containerPath: GRAFANA_PATHS.data }],
    healthcheck: {
      test: ["CMD-SHELL", grafanaHealthTest(spec)],
      intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
      timeoutSeconds: 3,
      retries: 5,
      startPeriodSeconds: 30,
    },
    labels: platformLabels(spec.stack, "grafana", { "platform.host": host.id }),
    stopGraceSeconds: 10,
  };
}
