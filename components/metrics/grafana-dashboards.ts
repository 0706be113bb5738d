import { createHash } from "node:crypto";
import { PlacedAgent, PlacedService, PlatformSpec } from "../core/platform-spec";

/** What a dashboard needs to know of the stack. */
export type DashboardSite = Pick<PlatformSpec, "stack" | "local" | "slaves">;

/** A catalog entry a dashboard is made for: a service or a scheduled agent. */
export type DashboardEntry = Pick<PlacedService | PlacedAgent, "kind" | "name" | "key" | "hosts">;

/** The provisioned InfluxDB data source every panel reads. */
export const DATASOURCE_REF = { type: "influxdb", uid: "platform-influxdb" } as const;

/** Escapes text for an InfluxQL regular expression literal `/.../`. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** Stable uid of an entry's dashboard: `svc-` and 16 hex digits of the stack and key. */
export function serviceDashboardUid(stack: string, key: string): string {
  return `svc-${shortHash(`${stack}/${key}`)}`;
}

/** Stable uid of the host overview of a stack. */
export function hostsDashboardUid(stack: string): string {
  return `hosts-${shortHash(stack)}`;
}

/** An InfluxQL string literal. */
function quoted(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * The InfluxQL condition that selects an entry's containers: each slave's metrics shipper writes
 * a container's samples with its Docker labels as tags (metrics-shipper.ts), and every container
 * of an entry carries `platform.stack` and `platform.service`, whether Pulumi declared it or Mesos
 * started it for Marathon or Chronos (given to `docker run` as `--label` parameters). A Mesos task's container
 * is named `mesos-<id>` by Mesos, so its name says nothing of the entry.
 */
export function entrySelection(site: DashboardSite, entry: Pick<DashboardEntry, "key">): string {
  return `"platform.stack" = ${quoted(site.stack)} AND "platform.service" = ${quoted(entry.key)}`;
}

/** InfluxQL regex of the slave host ids (cAdvisor's `machine` tag). */
export function machineRegex(site: DashboardSite): string {
  return `/^(${site.slaves
    .map((h) => escapeRegex(h.id))
    .sort()
    .join("|")})$/`;
}

interface Target {
  refId: string;
  query: string;
  alias: string;
}

interface PanelSpec {
  title: string;
  unit: string;
  targets: Target[];
}

const rate = (measurement: string, where: string, by: string, scale = "") =>
  `SELECT non_negative_derivative(mean("value"), 1s)${scale} FROM "${measurement}" WHERE ${where} AND $timeFilter GROUP BY time($__interval), "${by}" fill(none)`;
const level = (measurement: string, where: string, by: string) =>
  `SELECT mean("value") FROM "${measurement}" WHERE ${where} AND $timeFilter GROUP BY time($__interval), "${by}" fill(none)`;
const countOf = (where: string, innerBy: string[], outerBy: string[]) =>
  `SELECT count("value") FROM (SELECT last("value") AS "value" FROM "memory_usage" WHERE ${where} AND $timeFilter GROUP BY time($__interval), ${innerBy
    .map((t) => `"${t}"`)
    .join(
      ", ",
    )}) WHERE $timeFilter GROUP BY ${["time($__interval)", ...outerBy.map((t) => `"${t}"`)].join(", ")} fill(0)`;

/** Panels two to a row, each a time series over InfluxQL. Keys are written in a fixed order. */
function panel(p: PanelSpec, index: number): Record<string, unknown> {
  return {
    id: index + 1,
    type: "timeseries",
    title: p.title,
    datasource: { ...DATASOURCE_REF },
    gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    options: {
      legend: { calcs: [], displayMode: "list", placement: "bottom", showLegend: true },
      tooltip: { mode: "multi", sort: "desc" },
    },
    targets: p.targets.map((t) => ({
      refId: t.refId,
      datasource: { ...DATASOURCE_REF },
      rawQuery: true,
      resultFormat: "time_series",
      query: t.query,
      alias: t.alias,
    })),
  };
}

function dashboard(uid: string, title: string, tags: string[], panels: PanelSpec[]): string {
  const doc = {
    uid,
    title,
    tags,
    timezone: "utc",
    editable: false,
    schemaVersion: 39,
    version: 1,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    annotations: { list: [] },
    templating: { list: [] },
    panels: panels.map(panel),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

/**
 * The dashboard of one catalog entry: CPU, memory, network and running instances of its
 * containers, from cAdvisor's measurements in InfluxDB. Returns the JSON text.
 */
export function serviceDashboard(entry: DashboardEntry, site: DashboardSite): string {
  const where = entrySelection(site, entry);
  const by = "container_name";
  return dashboard(
    serviceDashboardUid(site.stack, entry.key),
    `${entry.name} (${site.stack})`,
    ["lhcb-platform", site.stack, entry.kind],
    [
      {
        title: "CPU usage per container (cores)",
        unit: "short",
        targets: [
          {
            refId: "A",
            query: rate("cpu_usage_total", where, by, " / 1000000000"),
            alias: "$tag_container_name",
          },
        ],
      },
      {
        title: "Memory usage per container",
        unit: "bytes",
        targets: [
          { refId: "A", query: level("memory_usage", where, by), alias: "$tag_container_name" },
        ],
      },
      {
        title: "Network received / sent per container",
        unit: "Bps",
        targets: [
          { refId: "A", query: rate("rx_bytes", where, by), alias: "$tag_container_name rx" },
          { refId: "B", query: rate("tx_bytes", where, by), alias: "$tag_container_name tx" },
        ],
      },
      {
        title: "Running instances",
        unit: "short",
        targets: [{ refId: "A", query: countOf(where, [by], []), alias: "instances" }],
      },
    ],
  );
}

/** The overview of the slaves: whole-host CPU, memory, network and containers of the stack per host. */
export function hostsDashboard(site: DashboardSite): string {
  const hosts = `"machine" =~ ${machineRegex(site)}`;
  const root = `"container_name" = '/' AND ${hosts}`;
  const ofStack = `"platform.stack" = ${quoted(site.stack)} AND ${hosts}`;
  const by = "machine";
  return dashboard(
    hostsDashboardUid(site.stack),
    `Hosts (${site.stack})`,
    ["lhcb-platform", site.stack, "hosts"],
    [
      {
        title: "CPU usage per host (cores)",
        unit: "short",
        targets: [
          {
            refId: "A",
            query: rate("cpu_usage_total", root, by, " / 1000000000"),
            alias: "$tag_machine",
          },
        ],
      },
      {
        title: "Memory usage per host",
        unit: "bytes",
        targets: [{ refId: "A", query: level("memory_usage", root, by), alias: "$tag_machine" }],
      },
      {
        title: "Network received / sent per host",
        unit: "Bps",
        targets: [
          { refId: "A", query: rate("rx_bytes", root, by), alias: "$tag_machine rx" },
          { refId: "B", query: rate("tx_bytes", root, by), alias: "$tag_machine tx" },
        ],
      },
      {
        title: "Containers of the stack per host",
        unit: "short",
        targets: [
          {
            refId: "A",
            query: countOf(ofStack, ["container_name", by], [by]),
            alias: "$tag_machine",
          },
        ],
      },
    ],
  );
}

/** A dashboard file: its name in the dashboards folder and its JSON. */
export interface DashboardFile {
  file: string;
  uid: string;
  content: string;
}

/** Every dashboard of the stack: one per catalog service and agent, and the host overview. */
export function stackDashboards(
  spec: Pick<PlatformSpec, "stack" | "local" | "slaves" | "services" | "agents">,
): DashboardFile[] {
  const entries: DashboardEntry[] = [...spec.services, ...spec.agents];
  return [
    {
      file: "hosts-overview.json",
      uid: hostsDashboardUid(spec.stack),
      content: hostsDashboard(spec),
    },
    ...entries.map((e) => ({
      file: `${e.kind}-${e.key}.json`,
      uid: serviceDashboardUid(spec.stack, e.key),
      content: serviceDashboard(e, spec),
    })),
  ];
}
