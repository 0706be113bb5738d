// The metrics stack under mocks: exact resources for the prod and local stack files.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  byName,
  countByType,
  installMocks,
  isSecretInput,
  ofType,
  plainInput,
  secretOutputsOf,
  settle,
} from "../support/mocks";

const declared = installMocks("prod");
import { PASSWORD_COMMAND } from "../../components/core/generated-secret";
import { trustingProbeCa } from "../../components/core/readiness";
import {
  INFLUXDB_SETUP_COMMAND,
  INFLUXDB_SETUP_PROGRAM,
} from "../../components/metrics/influxdb-auth-plan";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { HostInventory } from "../../components/hosts/host-inventory";
import { cadvisorArgs } from "../../components/metrics/cadvisor";
import { grafanaContainer } from "../../components/metrics/grafana";
import { influxdbConfig } from "../../components/metrics/influxdb-config";
import { INFLUXDB_START_SCRIPT } from "../../components/metrics/influxdb-first-user";
import { MetricsStack } from "../../components/metrics/metrics-stack";

const prod = loadPlatformFromStackFile(process.cwd(), "prod");
const local = loadPlatformFromStackFile(process.cwd(), "local");

/** The signature the engine marks secret values with. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The password the mocks make for InfluxDB's user `role` (its command's stdout). */
const pw = (role: string) => `metrics-influxdb-password-${role}-stdout`;
/** A PEM block as the mocks' certificate commands print it (`mockKeyAndCertificate`). */
const pemOf = (label: string, body: string) =>
  `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
const CA_PEM = pemOf("CERTIFICATE", "metrics-tls-ca-cert");

interface Upload {
  file: string;
  content: string;
}

test("prod: InfluxDB and Grafana on the monitoring host, cAdvisor, its Docker API proxy and its shipper on each of the 8 slaves", async () => {
  const inventory = new HostInventory("hosts", {
    stack: prod.stack,
    hosts: prod.hosts,
    local: prod.local,
  });
  const metrics = new MetricsStack("metrics", {
    spec: prod,
    inventory,
    grafanaAdminPassword: pulumi.secret("correct-horse"),
  });
  await settle(declared);

  const ours = declared.filter((r) => r.name.startsWith("metrics"));
  // The commands: a password per InfluxDB user, the setup of its users and database, the metrics
  // CA, InfluxDB's certificate and Grafana's.
  assert.deepEqual(countByType(ours), {
    "command:local:Command": 7,
    "docker:index/container:Container": 26,
    "docker:index/volume:Volume": 2,
    "lhcb-platform:metrics:MetricsStack": 1,
    "lhcb-platform:metrics:MetricsTls": 1,
  });
  for (const made of ["metrics-tls-ca", "metrics-tls-cert-influxdb", "metrics-tls-cert-grafana"]) {
    assert.equal(byName(declared, made).inputs.logging, "none");
    assert.deepEqual(secretOutputsOf(made), ["stdout"]);
  }
  for (const part of ["influxdb", "grafana"]) {
    const cert = byName(declared, `metrics-tls-cert-${part}`).inputs;
    assert.match(String(cert.create), /the metrics' TLS certificates/);
    // Its own subject; the names its clients dial (the monitoring host), and its health check's.
    const environment = plainInput(cert.environment) as Record<string, string>;
    assert.equal(environment.CERT_NAME, `${part}.prod`);
    assert.equal(environment.CERT_SANS, "DNS:lbops01.cern.ch,DNS:localhost,IP:127.0.0.1");
  }
  assert.deepEqual(
    ofType(ours, "docker:index/container:Container")
      .map((r) => r.name)
      .sort(),
    [
      "metrics-grafana-prod-ops-1",
      "metrics-influxdb-prod-ops-1",
      ...prod.slaves.map((h) => `metrics-cadvisor-${h.id}`),
      ...prod.slaves.map((h) => `metrics-cadvisor-docker-api-${h.id}`),
      ...prod.slaves.map((h) => `metrics-metrics-shipper-${h.id}`),
    ].sort(),
  );
  assert.deepEqual(
    Object.keys(metrics.cadvisorProxies).sort(),
    prod.slaves.map((h) => h.id).sort(),
  );
  assert.equal(metrics.influxdbUrl, "https://lbops01.cern.ch:8086");
  assert.equal(metrics.grafanaUrl, "https://lbops01.cern.ch:3000");
  assert.deepEqual(Object.keys(metrics.cadvisors).sort(), prod.slaves.map((h) => h.id).sort());
  assert.deepEqual(Object.keys(metrics.shippers).sort(), prod.slaves.map((h) => h.id).sort());

  const influx = byName(declared, "metrics-influxdb-prod-ops-1");
  assert.match(influx.provider ?? "", /::hosts-prod-ops-1::/);
  assert.equal(influx.inputs.name, "prod-influxdb-prod-ops-1");
  assert.equal(influx.inputs.image, "gitlab-registry.cern.ch/lhcb-dirac/influxdb:1.8.10");
  assert.equal(influx.inputs.networkMode, "host");
  // Nothing waits on a Docker health check: readiness is judged by what the platform checks itself.
  assert.equal(influx.inputs.wait, undefined);
  // Its configuration and start, then what is secret: its TLS files (the CA, its certificate and
  // its key) and the library's user's statements and credential.
  assert.ok(isSecretInput(influx.inputs.uploads));
  assert.deepEqual(plainInput(influx.inputs.uploads), [
    { file: "/etc/influxdb/influxdb.conf", content: influxdbConfig(prod), executable: false },
    { file: "/etc/influxdb/platform-start.sh", content: INFLUXDB_START_SCRIPT, executable: false },
    { file: "/etc/influxdb/tls/ca.pem", content: CA_PEM },
    {
      file: "/etc/influxdb/tls/influxdb.pem",
      content: pemOf("CERTIFICATE", "metrics-tls-cert-influxdb-cert"),
    },
    {
      file: "/etc/influxdb/tls/influxdb-key.pem",
      content: pemOf("PRIVATE KEY", "metrics-tls-cert-influxdb-key"),
    },
    // The statement its start runs on its loopback before it listens: the library's user.
    {
      file: "/etc/influxdb/first-user.influxql",
      content: `CREATE USER "platform-admin" WITH PASSWORD '${pw("admin")}' WITH ALL PRIVILEGES\n`,
    },
    // What its start sets the library's user's password with, where the one kept differs, and
    // the user's credential as curl reads it.
    {
      file: "/etc/influxdb/admin-password.influxql",
      content: `SET PASSWORD FOR "platform-admin" = '${pw("admin")}'\n`,
    },
    { file: "/etc/influxdb/admin.curl", content: `user = "platform-admin:${pw("admin")}"\n` },
  ]);
  assert.deepEqual(influx.inputs.command, [
    "sh",
    "/etc/influxdb/platform-start.sh",
    "/etc/influxdb/influxdb.conf",
  ]);
  // InfluxDB asks for credentials on prod: a password per user, made at `up`, never logged; its
  // users and the metrics database made at deploy time once it answers at its host's address.
  for (const role of ["admin", "writer", "reader"]) {
    const made = byName(declared, `metrics-influxdb-password-${role}`).inputs;
    assert.deepEqual(made, { create: PASSWORD_COMMAND, logging: "none" });
    assert.deepEqual(secretOutputsOf(`metrics-influxdb-password-${role}`), ["stdout"]);
  }
  const database = byName(declared, "metrics-influxdb-database").inputs;
  // Over HTTPS, trusting the metrics CA.
  assert.equal(database.create, trustingProbeCa(INFLUXDB_SETUP_COMMAND));
  assert.ok(isSecretInput(database.environment));
  assert.deepEqual(plainInput(database.environment), {
    INFLUXDB_SETUP_PROGRAM,
    PROBE_WHAT: "the users and the cadvisor database of InfluxDB at lbops01.cern.ch",
    PROBE_TIMEOUT_SECONDS: "120",
    INFLUX_URL: "https://lbops01.cern.ch:8086",
    INFLUX_ADMIN_USER: "platform-admin",
    INFLUX_ADMIN_PASSWORD: pw("admin"),
    INFLUX_STATEMENTS: JSON.stringify([
      'CREATE DATABASE "cadvisor"',
      `CREATE USER "metrics-writer" WITH PASSWORD '${pw("writer")}'`,
      `SET PASSWORD FOR "metrics-writer" = '${pw("writer")}'`,
      'GRANT WRITE ON "cadvisor" TO "metrics-writer"',
      `CREATE USER "metrics-reader" WITH PASSWORD '${pw("reader")}'`,
      `SET PASSWORD FOR "metrics-reader" = '${pw("reader")}'`,
      'GRANT READ ON "cadvisor" TO "metrics-reader"',
    ]),
    PROBE_CA_PEM: CA_PEM,
  });
  assert.deepEqual(influx.inputs.volumes, [
    {
      volumeName: "prod-influxdb-prod-ops-1-data",
      containerPath: "/var/lib/influxdb",
      readOnly: false,
    },
  ]);
  assert.deepEqual(byName(declared, "metrics-influxdb-prod-ops-1-var-lib-influxdb").inputs, {
    name: "prod-influxdb-prod-ops-1-data",
    labels: [{ label: "platform.stack", value: "prod" }],
  });

  const grafana = byName(declared, "metrics-grafana-prod-ops-1");
  assert.match(grafana.provider ?? "", /::hosts-prod-ops-1::/);
  assert.equal(grafana.inputs.image, "gitlab-registry.cern.ch/lhcb-dirac/grafana/grafana:10.4.2");
  assert.equal(grafana.inputs.networkMode, "host");
  const spec = grafanaContainer(prod);
  // The plan holds the passwords' placeholders in files (the admin's, and the data source's
  // InfluxDB reader's), and its certificate's and key's; the declared uploads are a secret with
  // the values put in (those files last), and no environment value holds them.
  const uploads = grafana.inputs.uploads as Record<string, unknown> & { value: Upload[] };
  assert.equal(uploads[SECRET_SIG], "1b47061264138c4ac30d75fd1eb44270");
  const [password, datasource, cert, key, ...open] = spec.files!;
  assert.equal(password.path, "/etc/grafana/secrets/admin-password");
  assert.equal(datasource.path, "/etc/grafana/provisioning/datasources/influxdb.yaml");
  assert.deepEqual(
    uploads.value.map((u) => [u.file, u.content]),
    [
      ...open.map((f) => [f.path, f.content]),
      [password.path, "correct-horse"],
      [
        datasource.path,
        datasource.content.replace(
          "@@secret:influxdbPassword@@",
          "metrics-influxdb-password-reader-stdout",
        ),
      ],
      ["/etc/grafana/tls/grafana.pem", pemOf("CERTIFICATE", "metrics-tls-cert-grafana-cert")],
      ["/etc/grafana/tls/grafana-key.pem", pemOf("PRIVATE KEY", "metrics-tls-cert-grafana-key")],
    ],
  );
  assert.deepEqual(
    [cert.path, key.path],
    ["/etc/grafana/tls/grafana.pem", "/etc/grafana/tls/grafana-key.pem"],
  );
  // Its environment holds the metrics CA (the data source's): put in when declared.
  assert.deepEqual(
    plainInput(grafana.inputs.envs),
    Object.entries(spec.env!).map(
      ([k, v]) => `${k}=${v.replace("@@secret:metricsCaCert@@", CA_PEM)}`,
    ),
  );
  assert.ok(spec.env!.METRICS_CA_PEM === "@@secret:metricsCaCert@@");
  assert.equal(JSON.stringify(grafana.inputs.envs).includes("correct-horse"), false);
  assert.equal(JSON.stringify(spec).includes("correct-horse"), false);
  assert.equal(await pulumi.isSecret((metrics.grafana as docker.Container).uploads), true);

  for (const h of prod.slaves) {
    const c = byName(declared, `metrics-cadvisor-${h.id}`);
    assert.match(c.provider ?? "", new RegExp(`::hosts-${h.id}::`));
    assert.equal(c.inputs.name, `prod-cadvisor-${h.id}`);
    assert.equal(c.inputs.image, "gitlab-registry.cern.ch/lhcb-dirac/cadvisor/cadvisor:v0.47.2");
    assert.equal(c.inputs.hostname, h.id);
    assert.equal(c.inputs.privileged, undefined);
    assert.deepEqual(c.inputs.capabilities, { drops: ["ALL"], adds: [] });
    assert.deepEqual(c.inputs.securityOpts, ["no-new-privileges:true", "label=disable"]);
    assert.equal(c.inputs.networkMode, "host");
    assert.deepEqual(c.inputs.command, cadvisorArgs(true));
    const shipper = byName(declared, `metrics-metrics-shipper-${h.id}`);
    assert.match(shipper.provider ?? "", new RegExp(`::hosts-${h.id}::`));
    assert.equal(shipper.inputs.name, `prod-metrics-shipper-${h.id}`);
    assert.deepEqual(shipper.inputs.entrypoints, ["/usr/local/bin/platform-metrics"]);
    assert.equal(shipper.inputs.user, "nobody");
    // The writer's password in a file, uploaded as a secret; not in its environment.
    assert.ok(isSecretInput(shipper.inputs.uploads));
    assert.deepEqual(plainInput(shipper.inputs.uploads), [
      { file: "/etc/platform/influxdb-password", content: pw("writer") },
      { file: "/etc/platform/metrics-ca.pem", content: CA_PEM },
    ]);
    assert.equal(JSON.stringify(shipper.inputs.envs).includes(pw("writer")), false);
    assert.deepEqual(c.inputs.volumes, [
      { hostPath: "/", containerPath: "/rootfs", readOnly: true },
      { hostPath: "/sys", containerPath: "/sys", readOnly: true },
      { hostPath: "/var/lib/docker/", containerPath: "/var/lib/docker", readOnly: true },
      {
        hostPath: `/run/lhcb-platform/prod-cadvisor-docker-api-${h.id}`,
        containerPath: "/run/docker-api",
        readOnly: true,
      },
    ]);
    assert.deepEqual(c.inputs.labels, [
      { label: "platform.stack", value: "prod" },
      { label: "platform.component", value: "cadvisor" },
      { label: "platform.host", value: h.id },
    ]);
  }
});

test("local, Grafana off: InfluxDB, one cAdvisor and its proxy for the one Engine, a shipper per slave reading it, on the platform network", async () => {
  const before = declared.length;
  const inventory = new HostInventory("local-hosts", {
    stack: local.stack,
    hosts: local.hosts,
    local: true,
  });
  const metrics = new MetricsStack("local-metrics", { spec: local, inventory });
  await settle(declared);
  const ours = declared.slice(before).filter((r) => r.name.startsWith("local-metrics"));
  assert.deepEqual(
    ours
      .filter((r) => r.type === "docker:index/container:Container")
      .map((r) => r.name)
      .sort(),
    [
      "local-metrics-cadvisor-docker-api-slave-1",
      "local-metrics-cadvisor-slave-1",
      "local-metrics-influxdb-ops-1",
      "local-metrics-metrics-shipper-slave-1",
      "local-metrics-metrics-shipper-slave-2",
      "local-metrics-metrics-shipper-slave-3",
    ],
  );
  assert.equal(metrics.grafana, undefined);
  assert.equal(metrics.grafanaUrl, undefined);
  assert.equal(metrics.influxdbUrl, "http://local-influxdb-ops-1:8086");
  assert.deepEqual(Object.keys(metrics.cadvisors), ["slave-1"]);
  assert.deepEqual(Object.keys(metrics.cadvisorProxies), ["slave-1"]);
  assert.deepEqual(Object.keys(metrics.shippers).sort(), ["slave-1", "slave-2", "slave-3"]);
  const c = byName(declared, "local-metrics-cadvisor-slave-1");
  assert.equal(c.inputs.networkMode, undefined);
  assert.deepEqual(c.inputs.networksAdvanced, [
    { name: "local-net", aliases: ["local-cadvisor-slave-1"] },
  ]);
  assert.equal(c.inputs.image, "lhcb-platform/cadvisor:0.36.0");
  // Every slave's shipper reads that one cAdvisor, and ships its own host's containers.
  for (const host of ["slave-1", "slave-2", "slave-3"]) {
    const envs = byName(declared, `local-metrics-metrics-shipper-${host}`).inputs.envs as string[];
    assert.ok(envs.includes("CADVISOR_URL=http://local-cadvisor-slave-1:8088"), host);
    assert.ok(envs.includes(`PLATFORM_HOST=${host}`), host);
  }
});

test("Grafana on without a password: refused before anything is declared", async () => {
  const inventory = new HostInventory("err-hosts", {
    stack: prod.stack,
    hosts: prod.hosts.slice(0, 1),
    local: false,
  });
  assert.throws(
    () => new MetricsStack("err-metrics", { spec: prod, inventory }),
    /stack prod: the secret lhcb-platform:grafanaAdminPassword is required when Grafana is on/,
  );
  await settle(declared);
  assert.deepEqual(
    declared.filter((r) => r.name.startsWith("err-metrics")),
    [],
  );
});
