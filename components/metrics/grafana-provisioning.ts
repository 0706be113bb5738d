import { DATASOURCE_REF } from "./grafana-dashboards";

export { hostsDashboard, serviceDashboard, stackDashboards } from "./grafana-dashboards";
export type { DashboardEntry, DashboardFile, DashboardSite } from "./grafana-dashboards";

/** Where Grafana reads its provisioning and the generated dashboards (outside its data volume). */
export const GRAFANA_PATHS = {
  provisioning: "/etc/grafana/provisioning",
  datasource: "/etc/grafana/provisioning/datasources/influxdb.yaml",
  dashboardProvider: "/etc/grafana/provisioning/dashboards/services.yaml",
  dashboards: "/etc/grafana/dashboards",
  data: "/var/lib/grafana",
  /** The admin password, read by the image's start script (`GF_SECURITY_ADMIN_PASSWORD__FILE`). */
  adminPassword: "/etc/grafana/secrets/admin-password",
} as const;

/** The folder in Grafana that holds the generated dashboards. */
export const DASHBOARD_FOLDER = "Services";

export interface DatasourceOptions {
  /** `https://host:8086` (`http://` on the local stack). */
  influxUrl: string;
  database: string;
  /** The InfluxDB user Grafana reads as, and its password (a placeholder), where InfluxDB asks for them. */
  credentials?: { user: string; password: string };
  /**
   * Where InfluxDB speaks HTTPS: the environment variable holding the CA (PEM) its certificate is
   * checked against. Grafana expands `$NAME` in provisioning values once the file is parsed, so
   * the PEM's lines need no quoting here.
   */
  caFromEnvironment?: string;
}

/** The InfluxDB data source (InfluxQL), the default one, not editable in the UI. */
export function renderDatasourceProvisioning(o: DatasourceOptions): string {
  const lines = [
    "# Grafana data sources; generated, do not edit",
    "apiVersion: 1",
    "datasources:",
    '  - name: "InfluxDB"',
    `    uid: "${DATASOURCE_REF.uid}"`,
    `    type: ${DATASOURCE_REF.type}`,
    "    access: proxy",
    `    url: "${o.influxUrl}"`,
    `    database: "${o.database}"`,
    "    isDefault: true",
    "    editable: false",
    "    jsonData:",
    `      dbName: "${o.database}"`,
    "      httpMode: GET",
    ...(o.caFromEnvironment ? ["      tlsAuthWithCACert: true"] : []),
    ...(o.credentials ? [`    user: "${o.credentials.user}"`] : []),
    ...(o.credentials || o.caFromEnvironment ? ["    secureJsonData:"] : []),
    ...(o.credentials ? [`      password: "${o.credentials.password}"`] : []),
    ...(o.caFromEnvironment ? [`      tlsCACert: "$${o.caFromEnvironment}"`] : []),
  ];
  return lines.join("\n") + "\n";
}

export interface DashboardProviderOptions {
  folder: string;
  /** Folder inside the container holding the dashboard JSON files. */
  path: string;
}

/** The file provider of the generated dashboards; they are replaced with the container, not edited. */
export function renderDashboardProvider(o: DashboardProviderOptions): string {
  const lines = [
    "# Grafana dashboard providers; generated, do not edit",
    "apiVersion: 1",
    "providers:",
    '  - name: "lhcb-platform"',
    "    orgId: 1",
    `    folder: "${o.folder}"`,
    "    type: file",
    "    disableDeletion: true",
    "    allowUiUpdates: false",
    "    updateIntervalSeconds: 30",
    "    options:",
    `      path: "${o.path}"`,
  ];
  return lines.join("\n") + "\n";
}
