import assert from "node:assert/strict";
import { test } from "node:test";
import { secretPlaceholder } from "../../components/core/container-spec";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { chronosJob } from "../../components/chronos/chronos-job";
import { marathonApp } from "../../components/marathon/marathon-app";
import { cadvisorArgs, cadvisorContainer } from "../../components/metrics/cadvisor";
import { metricsShipperContainer } from "../../components/metrics/metrics-shipper";
import {
  GRAFANA_ADMIN_PASSWORD_ENV,
  grafanaContainer,
  grafanaUrl,
} from "../../components/metrics/grafana";
import {
  hostsDashboardUid,
  entrySelection,
  serviceDashboardUid,
} from "../../components/metrics/grafana-dashboards";
import {
  hostsDashboard,
  renderDashboardProvider,
  renderDatasourceProvisioning,
  serviceDashboard,
  stackDashboards,
} from "../../components/metrics/grafana-provisioning";
import {
  influxdbConfig,
  influxdbContainer,
  influxdbUrl,
} from "../../components/metrics/influxdb-config";
import { INFLUXDB_START_SCRIPT } from "../../components/metrics/influxdb-first-user";

const prod = loadPlatformFromStackFile(process.cwd(), "prod");
const local = loadPlatformFromStackFile(process.cwd(), "local");

interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  panels: {
    id: number;
    title: string;
    type: string;
    gridPos: Record<string, number>;
    targets: { refId: string; query: string; alias: string }[];
  }[];
}

test("influxdb.conf in the 1.x format; on cert and prod it asks for credentials, on the debug endpoints too, and speaks HTTPS only; on local neither", () => {
  const prodOnly = [
    "  auth-enabled = true",
    "  pprof-auth-enabled = true",
    "  https-enabled = true",
    '  https-certificate = "/etc/influxdb/tls/influxdb.pem"',
    '  https-private-key = "/etc/influxdb/tls/influxdb-key.pem"',
    "",
  ].join("\n");
  assert.equal(
    influxdbConfig(prod).replace(prodOnly, "  auth-enabled = false\n"),
    influxdbConfig(local),
  );
  assert.ok(influxdbConfig(prod).includes(`\n${prodOnly}`));
  assert.equal(
    influxdbConfig(local),
    `# InfluxDB 1.x; generated, do not edit
reporting-disabled = true
bind-address = "127.0.0.1:8089"

[meta]
  dir = "/var/lib/influxdb/meta"

[data]
  dir = "/var/lib/influxdb/data"
  wal-dir = "/var/lib/influxdb/wal"

[http]
  enabled = true
  bind-address = ":8086"
  auth-enabled = false
  log-enabled = false

[continuous_queries]
  enabled = true
`,
  );
});

test("the InfluxDB container: config uploaded, data in a volume; its health check pings it on prod, and creates the cAdvisor database on local", () => {
  assert.deepEqual(influxdbContainer(prod), {
    name: "prod-influxdb-prod-ops-1",
    image: "gitlab-registry.cern.ch/lhcb-dirac/influxdb:1.8.10",
    hostname: "prod-influxdb-prod-ops-1",
    aliases: ["prod-influxdb-prod-ops-1"],
    hostNetwork: true,
    // Its start makes the library's user on its loopback before it listens, then runs influxd.
    command: ["sh", "/etc/influxdb/platform-start.sh", "/etc/influxdb/influxdb.conf"],
    restart: "always",
    files: [
      { path: "/etc/influxdb/influxdb.conf", content: influxdbConfig(prod) },
      // Its TLS files, the values put in when it is declared (MetricsTls).
      { path: "/etc/influxdb/tls/ca.pem", content: secretPlaceholder("metricsCaCert") },
      { path: "/etc/influxdb/tls/influxdb.pem", content: secretPlaceholder("influxdbTlsCert") },
      { path: "/etc/influxdb/tls/influxdb-key.pem", content: secretPlaceholder("influxdbTlsKey") },
      { path: "/etc/influxdb/platform-start.sh", content: INFLUXDB_START_SCRIPT },
      {
        path: "/etc/influxdb/first-user.influxql",
        content: `CREATE USER "platform-admin" WITH PASSWORD '${secretPlaceholder("influxdbPassword")}' WITH ALL PRIVILEGES\n`,
      },
      {
        path: "/etc/influxdb/admin-password.influxql",
        content: `SET PASSWORD FOR "platform-admin" = '${secretPlaceholder("influxdbPassword")}'\n`,
      },
      {
        path: "/etc/influxdb/admin.curl",
        content: `user = "platform-admin:${secretPlaceholder("influxdbPassword")}"\n`,
      },
    ],
    volumes: [{ volume: "prod-influxdb-prod-ops-1-data", containerPath: "/var/lib/influxdb" }],
    healthcheck: {
      test: [
        "CMD",
        "curl",
        "-fs",
        "--cacert",
        "/etc/influxdb/tls/ca.pem",
        "-o",
        "/dev/null",
        "https://127.0.0.1:8086/ping",
      ],
      intervalSeconds: 300,
      timeoutSeconds: 3,
      retries: 5,
      startPeriodSeconds: 20,
    },
    labels: {
      "platform.stack": "prod",
      "platform.component": "influxdb",
      "platform.host": "prod-ops-1",
    },
    stopGraceSeconds: 10,
  });
  assert.equal(influxdbUrl(prod), "https://lbops01.cern.ch:8086");
  assert.equal(influxdbUrl(local), "http://local-influxdb-ops-1:8086");
  assert.equal(influxdbContainer(local).image, "lhcb-platform/influxdb:1.8.10");
  // The local stack's InfluxDB asks for no credentials: it starts at once, with no first user.
  assert.deepEqual(influxdbContainer(local).command, [
    "influxd",
    "-config",
    "/etc/influxdb/influxdb.conf",
  ]);
  assert.deepEqual(
    influxdbContainer(local).files?.map((f) => f.path),
    ["/etc/influxdb/influxdb.conf"],
  );
  assert.deepEqual(influxdbContainer(local).healthcheck?.test, [
    "CMD-SHELL",
    "curl -fs -o /dev/null http://127.0.0.1:8086/ping && curl -fs -o /dev/null -XPOST http://127.0.0.1:8086/query --data-urlencode 'q=CREATE DATABASE cadvisor'",
  ]);
  assert.throws(
    () => influxdbContainer({ ...prod, monitoring: undefined }),
    /stack prod: the metrics stack needs a host with role monitoring/,
  );
});

test("cAdvisor on a slave: no storage driver (its shipper reads it), host mounts read-only, the Engine through its proxy, not privileged", () => {
  const h = prod.slaves[3];
  assert.deepEqual(cadvisorContainer(prod, h), {
    name: "prod-cadvisor-prod-slave-4",
    image: "gitlab-registry.cern.ch/lhcb-dirac/cadvisor/cadvisor:v0.47.2",
    hostname: "prod-slave-4",
    aliases: ["prod-cadvisor-prod-slave-4"],
    hostNetwork: true,
    entrypoint: [
      "/bin/sh",
      "-c",
      'i=0; while [ ! -S /run/docker-api/docker.sock ] && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.1; done; exec cadvisor -logtostderr "$@"',
      "cadvisor",
    ],
    command: [
      // On the host's network: on its loopback only, where its shipper asks it.
      "-listen_ip=127.0.0.1",
      "-port=8088",
      "-docker=unix:///run/docker-api/docker.sock",
      "-docker_only=true",
      "-housekeeping_interval=10s",
      "-disable_metrics=disk,diskIO,tcp,advtcp,udp,percpu,sched,process",
    ],
    restart: "always",
    readsHostFiles: true,
    volumes: [
      { hostPath: "/", containerPath: "/rootfs", readOnly: true },
      { hostPath: "/sys", containerPath: "/sys", readOnly: true },
      { hostPath: "/var/lib/docker/", containerPath: "/var/lib/docker", readOnly: true },
      {
        hostPath: "/run/lhcb-platform/prod-cadvisor-docker-api-prod-slave-4",
        containerPath: "/run/docker-api",
        readOnly: true,
      },
    ],
    healthcheck: {
      test: [
        "CMD-SHELL",
        "wget -q -O /dev/null http://127.0.0.1:8088/healthz || curl -fs -o /dev/null http://127.0.0.1:8088/healthz",
      ],
      intervalSeconds: 300,
      timeoutSeconds: 3,
      retries: 3,
      startPeriodSeconds: 10,
    },
    labels: {
      "platform.stack": "prod",
      "platform.component": "cadvisor",
      "platform.host": "prod-slave-4",
    },
    stopGraceSeconds: 5,
  });
  // On the local stack's network, every slave's shipper asks it by name: on every interface.
  assert.deepEqual(cadvisorArgs(false), cadvisorContainer(local, local.slaves[0]).command);
  assert.equal(cadvisorArgs(false).includes("-listen_ip=127.0.0.1"), false);
  assert.equal(cadvisorContainer(local, local.slaves[0]).hostNetwork, false);
  assert.equal(cadvisorContainer(local, local.slaves[0]).privileged, undefined);
  assert.equal(cadvisorContainer(local, local.slaves[0]).readsHostFiles, true);
});

test("the metrics shipper of a slave: the platform image's shipper, from its Engine's cAdvisor to InfluxDB, as nobody; on prod as InfluxDB's writer, its password in a file", () => {
  assert.deepEqual(metricsShipperContainer(prod, prod.slaves[3]), {
    name: "prod-metrics-shipper-prod-slave-4",
    image: "gitlab-registry.cern.ch/lhcb-dirac/lhcb-platform/service:1.0.0",
    hostname: "prod-metrics-shipper-prod-slave-4",
    aliases: ["prod-metrics-shipper-prod-slave-4"],
    hostNetwork: true,
    entrypoint: ["/usr/local/bin/platform-metrics"],
    command: ["ship"],
    env: {
      CADVISOR_URL: "http://127.0.0.1:8088",
      INFLUXDB_URL: "https://lbops01.cern.ch:8086",
      INFLUXDB_DB: "cadvisor",
      PLATFORM_HOST: "prod-slave-4",
      SHIP_INTERVAL: "10",
      INFLUXDB_USER: "metrics-writer",
      INFLUXDB_PASSWORD_FILE: "/etc/platform/influxdb-password",
      INFLUXDB_CACERT: "/etc/platform/metrics-ca.pem",
    },
    files: [
      { path: "/etc/platform/influxdb-password", content: "@@secret:influxdbPassword@@" },
      { path: "/etc/platform/metrics-ca.pem", content: "@@secret:metricsCaCert@@" },
    ],
    restart: "always",
    user: "nobody",
    healthcheck: {
      test: ["CMD", "/usr/local/bin/platform-metrics", "healthy"],
      intervalSeconds: 300,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 30,
    },
    labels: {
      "platform.stack": "prod",
      "platform.component": "metrics-shipper",
      "platform.host": "prod-slave-4",
    },
    stopGraceSeconds: 2,
  });
  const l = metricsShipperContainer(local, local.slaves[1]);
  assert.equal(l.hostNetwork, false);
  assert.equal(l.image, "lhcb-platform/service:1.0.0");
  // On the local stack, the cAdvisor of the one Engine, on the first slave (cadvisorHosts).
  assert.equal(l.env!.CADVISOR_URL, "http://local-cadvisor-slave-1:8088");
  assert.equal(l.env!.PLATFORM_HOST, "slave-2");
  assert.equal(l.env!.INFLUXDB_URL, "http://local-influxdb-ops-1:8086");
  // InfluxDB asks no credentials on local: no user, no file.
  assert.equal(l.env!.INFLUXDB_USER, undefined);
  assert.equal(l.files, undefined);
});

test("Grafana provisioning: the InfluxDB data source and the dashboard provider", () => {
  assert.equal(
    renderDatasourceProvisioning({
      influxUrl: "http://lbops01.cern.ch:8086",
      database: "cadvisor",
    }),
    `# Grafana data sources; generated, do not edit
apiVersion: 1
datasources:
  - name: "InfluxDB"
    uid: "platform-influxdb"
    type: influxdb
    access: proxy
    url: "http://lbops01.cern.ch:8086"
    database: "cadvisor"
    isDefault: true
    editable: false
    jsonData:
      dbName: "cadvisor"
      httpMode: GET
`,
  );
  // Where InfluxDB asks for credentials: Grafana's user, its password kept in secureJsonData.
  assert.equal(
    renderDatasourceProvisioning({
      influxUrl: "http://h:8086",
      database: "cadvisor",
      credentials: { user: "metrics-reader", password: "@@secret:influxdbPassword@@" },
    })
      .split("\n")
      .slice(-5)
      .join("\n"),
    `      httpMode: GET
    user: "metrics-reader"
    secureJsonData:
      password: "@@secret:influxdbPassword@@"
`,
  );
  // Where InfluxDB speaks HTTPS: its certificate checked against the CA in Grafana's environment.
  assert.equal(
    renderDatasourceProvisioning({
      influxUrl: "https://h:8086",
      database: "cadvisor",
      credentials: { user: "metrics-reader", password: "@@secret:influxdbPassword@@" },
      caFromEnvironment: "METRICS_CA_PEM",
    })
      .split("\n")
      .slice(-8)
      .join("\n"),
    `      dbName: "cadvisor"
      httpMode: GET
      tlsAuthWithCACert: true
    user: "metrics-reader"
    secureJsonData:
      password: "@@secret:influxdbPassword@@"
      tlsCACert: "$METRICS_CA_PEM"
`,
  );
  assert.equal(
    renderDashboardProvider({ folder: "Services", path: "/etc/grafana/dashboards" }),
    `# Grafana dashboard providers; generated, do not edit
apiVersion: 1
providers:
  - name: "lhcb-platform"
    orgId: 1
    folder: "Services"
    type: file
    disableDeletion: true
    allowUiUpdates: false
    updateIntervalSeconds: 30
    options:
      path: "/etc/grafana/dashboards"
`,
  );
});

test("a service dashboard: four panels over cAdvisor measurements, filtered on the labels every container of the entry carries", () => {
  const svc = prod.services.find((s) => s.key === "datamanagement-filecatalog")!;
  assert.deepEqual(svc.hosts, ["prod-slave-1", "prod-slave-3", "prod-slave-5", "prod-slave-7"]);
  const selection = `"platform.stack" = 'prod' AND "platform.service" = 'datamanagement-filecatalog'`;
  assert.equal(entrySelection(prod, svc), selection);
  const text = serviceDashboard(svc, prod);
  assert.equal(text, serviceDashboard(svc, prod));
  const d = JSON.parse(text) as Dashboard;
  assert.deepEqual(Object.keys(d), [
    "uid",
    "title",
    "tags",
    "timezone",
    "editable",
    "schemaVersion",
    "version",
    "refresh",
    "time",
    "annotations",
    "templating",
    "panels",
  ]);
  assert.equal(d.uid, "svc-ca5ee07c968fd234");
  assert.equal(d.title, "DataManagement/FileCatalog (prod)");
  assert.deepEqual(d.tags, ["lhcb-platform", "prod", "service"]);
  assert.deepEqual(
    d.panels.map((p) => [p.id, p.type, p.title, p.gridPos]),
    [
      [1, "timeseries", "CPU usage per container (cores)", { h: 8, w: 12, x: 0, y: 0 }],
      [2, "timeseries", "Memory usage per container", { h: 8, w: 12, x: 12, y: 0 }],
      [3, "timeseries", "Network received / sent per container", { h: 8, w: 12, x: 0, y: 8 }],
      [4, "timeseries", "Running instances", { h: 8, w: 12, x: 12, y: 8 }],
    ],
  );
  const where = `${selection} AND $timeFilter`;
  assert.deepEqual(
    d.panels.flatMap((p) => p.targets.map((t) => [t.refId, t.query, t.alias])),
    [
      [
        "A",
        `SELECT non_negative_derivative(mean("value"), 1s) / 1000000000 FROM "cpu_usage_total" WHERE ${where} GROUP BY time($__interval), "container_name" fill(none)`,
        "$tag_container_name",
      ],
      [
        "A",
        `SELECT mean("value") FROM "memory_usage" WHERE ${where} GROUP BY time($__interval), "container_name" fill(none)`,
        "$tag_container_name",
      ],
      [
        "A",
        `SELECT non_negative_derivative(mean("value"), 1s) FROM "rx_bytes" WHERE ${where} GROUP BY time($__interval), "container_name" fill(none)`,
        "$tag_container_name rx",
      ],
      [
        "B",
        `SELECT non_negative_derivative(mean("value"), 1s) FROM "tx_bytes" WHERE ${where} GROUP BY time($__interval), "container_name" fill(none)`,
        "$tag_container_name tx",
      ],
      [
        "A",
        `SELECT count("value") FROM (SELECT last("value") AS "value" FROM "memory_usage" WHERE ${where} GROUP BY time($__interval), "container_name") WHERE $timeFilter GROUP BY time($__interval) fill(0)`,
        "instances",
      ],
    ],
  );
});

test("entries Marathon and Chronos place: selected by the labels their runs' containers are given, as Pulumi's are", () => {
  const svc = prod.services.find((s) => s.mode === "marathon")!;
  assert.deepEqual(svc.hosts, []);
  assert.equal(
    entrySelection(prod, svc),
    `"platform.stack" = 'prod' AND "platform.service" = '${svc.key}'`,
  );
  const labels = [`platform.stack=prod`, `platform.service=${svc.key}`];
  assert.deepEqual(
    marathonApp(prod, svc).container.docker.parameters,
    labels.map((value) => ({ key: "label", value })),
  );
  const agent = prod.agents.find((a) => a.mode === "marathon")!;
  assert.deepEqual(
    chronosJob(prod, agent, { from: new Date(0) }).container.parameters,
    [`platform.stack=prod`, `platform.service=${agent.key}`].map((value) => ({
      key: "label",
      value,
    })),
  );
  assert.equal(
    entrySelection(prod, agent),
    `"platform.stack" = 'prod' AND "platform.service" = '${agent.key}'`,
  );
  assert.equal(
    entrySelection({ ...prod, stack: "it's" }, svc)
      .split("AND")[0]
      .trim(),
    `"platform.stack" = 'it\\'s'`,
  );
});

test("dashboard uids are stable, short, and unique across entries and stacks", () => {
  const all = stackDashboards(prod);
  assert.equal(all.length, 1 + prod.services.length + prod.agents.length);
  const uids = all.map((d) => (JSON.parse(d.content) as Dashboard).uid);
  assert.deepEqual(
    uids,
    all.map((d) => d.uid),
  );
  assert.equal(new Set(uids).size, uids.length);
  assert.equal(new Set(all.map((d) => d.file)).size, all.length);
  for (const u of uids) assert.ok(u.length <= 40 && /^[a-z0-9-]+$/.test(u), u);
  assert.equal(
    serviceDashboardUid("prod", "configuration-server"),
    serviceDashboardUid("prod", "configuration-server"),
  );
  assert.notEqual(
    serviceDashboardUid("prod", "configuration-server"),
    serviceDashboardUid("cert", "configuration-server"),
  );
  assert.equal(hostsDashboardUid("prod"), "hosts-6754af9632a2745e");
  assert.equal(all[0].file, "hosts-overview.json");
  assert.equal(all[1].file, "service-configuration-server.json");
  assert.equal(all[all.length - 1].file, `agent-${prod.agents[prod.agents.length - 1].key}.json`);
  for (const d of all) assert.equal((JSON.parse(d.content) as Dashboard).panels.length, 4);
});

test("the host overview: whole-host series of the slaves, by cAdvisor's machine tag", () => {
  const d = JSON.parse(hostsDashboard(local)) as Dashboard;
  assert.equal(d.title, "Hosts (local)");
  const hosts = `"machine" =~ /^(slave-1|slave-2|slave-3)$/`;
  assert.deepEqual(
    d.panels.map((p) => p.targets[0].query),
    [
      `SELECT non_negative_derivative(mean("value"), 1s) / 1000000000 FROM "cpu_usage_total" WHERE "container_name" = '/' AND ${hosts} AND $timeFilter GROUP BY time($__interval), "machine" fill(none)`,
      `SELECT mean("value") FROM "memory_usage" WHERE "container_name" = '/' AND ${hosts} AND $timeFilter GROUP BY time($__interval), "machine" fill(none)`,
      `SELECT non_negative_derivative(mean("value"), 1s) FROM "rx_bytes" WHERE "container_name" = '/' AND ${hosts} AND $timeFilter GROUP BY time($__interval), "machine" fill(none)`,
      `SELECT count("value") FROM (SELECT last("value") AS "value" FROM "memory_usage" WHERE "platform.stack" = 'local' AND ${hosts} AND $timeFilter GROUP BY time($__interval), "container_name", "machine") WHERE $timeFilter GROUP BY time($__interval), "machine" fill(0)`,
    ],
  );
});

test("the Grafana container: provisioning and dashboards as files, the admin password's placeholder in its spec; on prod it reads InfluxDB as its reader and serves HTTPS only", () => {
  const g = grafanaContainer(prod);
  assert.equal(g.name, "prod-grafana-prod-ops-1");
  assert.equal(g.image, "gitlab-registry.cern.ch/lhcb-dirac/grafana/grafana:10.4.2");
  assert.equal(g.hostNetwork, true);
  assert.deepEqual(g.env, {
    GF_SECURITY_ADMIN_USER: "admin",
    GF_SECURITY_ADMIN_PASSWORD__FILE: "/etc/grafana/secrets/admin-password",
    GF_PATHS_PROVISIONING: "/etc/grafana/provisioning",
    GF_SERVER_HTTP_PORT: "3000",
    GF_USERS_ALLOW_SIGN_UP: "false",
    GF_ANALYTICS_REPORTING_ENABLED: "false",
    GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
    // HTTPS only, with its certificate of the metrics CA; the session cookie over HTTPS only.
    GF_SERVER_PROTOCOL: "https",
    GF_SERVER_CERT_FILE: "/etc/grafana/tls/grafana.pem",
    GF_SERVER_CERT_KEY: "/etc/grafana/tls/grafana-key.pem",
    GF_SECURITY_COOKIE_SECURE: "true",
    // The metrics CA (not a secret), which the data source's `$METRICS_CA_PEM` reads.
    METRICS_CA_PEM: secretPlaceholder("metricsCaCert"),
  });
  assert.equal(g.env![GRAFANA_ADMIN_PASSWORD_ENV], "/etc/grafana/secrets/admin-password");
  const dashboards = stackDashboards(prod);
  assert.deepEqual(g.files, [
    {
      path: "/etc/grafana/secrets/admin-password",
      content: secretPlaceholder("grafanaAdminPassword"),
    },
    {
      path: "/etc/grafana/provisioning/datasources/influxdb.yaml",
      content: renderDatasourceProvisioning({
        influxUrl: "https://lbops01.cern.ch:8086",
        database: "cadvisor",
        credentials: { user: "metrics-reader", password: "@@secret:influxdbPassword@@" },
        caFromEnvironment: "METRICS_CA_PEM",
      }),
    },
    { path: "/etc/grafana/tls/grafana.pem", content: secretPlaceholder("grafanaTlsCert") },
    { path: "/etc/grafana/tls/grafana-key.pem", content: secretPlaceholder("grafanaTlsKey") },
    {
      path: "/etc/grafana/provisioning/dashboards/services.yaml",
      content: renderDashboardProvider({ folder: "Services", path: "/etc/grafana/dashboards" }),
    },
    ...dashboards.map((d) => ({ path: `/etc/grafana/dashboards/${d.file}`, content: d.content })),
  ]);
  assert.deepEqual(g.volumes, [
    { volume: "prod-grafana-prod-ops-1-data", containerPath: "/var/lib/grafana" },
  ]);
  assert.deepEqual(g.healthcheck?.test, [
    "CMD-SHELL",
    "wget -q --no-check-certificate -O /dev/null https://127.0.0.1:3000/api/health || curl -fsk -o /dev/null https://127.0.0.1:3000/api/health",
  ]);
  assert.equal(grafanaUrl(prod), "https://lbops01.cern.ch:3000");
});

test("the local stack's Grafana speaks plain HTTP, as its InfluxDB does: no certificate, no TLS setting", () => {
  const g = grafanaContainer(local);
  assert.equal(grafanaUrl(local), "http://local-grafana-ops-1:3000");
  assert.deepEqual(
    Object.keys(g.env!).filter((k) => k.startsWith("GF_SERVER_") || k.includes("COOKIE")),
    ["GF_SERVER_HTTP_PORT"],
  );
  assert.deepEqual(
    g.files!.filter((f) => f.path.startsWith("/etc/grafana/tls/")),
    [],
  );
  assert.deepEqual(g.healthcheck?.test, [
    "CMD-SHELL",
    "wget -q -O /dev/null http://127.0.0.1:3000/api/health || curl -fs -o /dev/null http://127.0.0.1:3000/api/health",
  ]);
});
