import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { slug } from "../../components/core/naming";
import { toContainerArgs } from "../../components/hosts/container-args";
import { containerNameProblems } from "../../components/stack-checks";
import {
  instanceRevision,
  serviceContainer,
  serviceInstance,
  serviceRegistration,
  startsBeside,
} from "../../components/services/service-containers";

const local = loadPlatformFromStackFile(process.cwd(), "local");
const prod = loadPlatformFromStackFile(process.cwd(), "prod");
const byName = (spec: typeof local, name: string) => spec.services.find((s) => s.name === name)!;
const host = (spec: typeof local, id: string) => spec.hosts.find((h) => h.id === id)!;

test("an instance of the sample service on the local stack: its image runs as it was built, told its name by the environment", () => {
  const svc = byName(local, "Sample/Web");
  assert.deepEqual(svc.hosts, ["slave-1", "slave-2", "slave-3"]);
  const { container: c, registration } = serviceInstance(local, svc, host(local, "slave-2"));
  const name = c.name;
  assert.match(name, /^local-sample-web-slave-2-[0-9a-f]{8}$/);
  assert.deepEqual(c, {
    name,
    image: "lhcb-platform/service:1.0.0",
    hostname: name,
    aliases: [name],
    env: {
      SERVICE_NAME: "Sample/Web",
      SERVICE_PORT: "9162",
      SERVICE_PROTOCOL: "http",
      PLATFORM_STACK: "local",
      PLATFORM_HOST: "slave-2",
    },
    ports: [],
    restart: "always",
    cpus: 0.1,
    memoryMb: 128,
    labels: {
      "platform.stack": "local",
      "platform.component": "service",
      "platform.service": "sample-web",
      "platform.host": "slave-2",
      "platform.instance": name,
    },
    stopGraceSeconds: 10,
  });
  assert.deepEqual(registration, {
    serviceId: name,
    name: "sample-web",
    node: "local-slave-2-instances",
    address: name,
    port: 9162,
    tags: ["local", "http"],
    meta: {
      catalog_name: "Sample/Web",
      stack: "local",
      host: "slave-2",
      container: name,
    },
    checks: [
      {
        checkId: `${name}:health`,
        name: "Sample/Web HTTP check",
        http: `http://${name}:9162/ping`,
        interval: "2s",
        timeout: "2s",
        deregisterCriticalServiceAfter: "30m0s",
        status: "passing",
      },
    ],
  });
});

test("a DIRAC service's instance on the local stack: the platform image serves it as nobody, its bridge port set, the installation's files uploaded", () => {
  const svc = byName(local, "Configuration/Server");
  const { files, ...c } = serviceInstance(local, svc, host(local, "slave-1")).container;
  const name = c.name;
  assert.match(name, /^local-configuration-server-slave-1-[0-9a-f]{8}$/);
  assert.deepEqual(c, {
    name,
    image: "lhcb-platform/dirac:9.1.22",
    hostname: name,
    aliases: [name],
    command: ["serve", "Configuration/Server"],
    user: "65534:65534",
    env: {
      SERVICE_NAME: "Configuration/Server",
      SERVICE_PORT: "9135",
      SERVICE_PROTOCOL: "tcp",
      PLATFORM_STACK: "local",
      PLATFORM_HOST: "slave-1",
      SERVICE_CHECK_PORT: "19135",
    },
    ports: [],
    restart: "always",
    cpus: 0.15,
    memoryMb: 384,
    labels: {
      "platform.stack": "local",
      "platform.component": "service",
      "platform.service": "configuration-server",
      "platform.host": "slave-1",
      "platform.instance": name,
    },
    stopGraceSeconds: 10,
  });
  assert.deepEqual(
    files?.map((f) => f.path),
    ["/opt/dirac/etc/dirac.cfg", "/opt/dirac/etc/Local.cfg"],
  );
});

test("a DISET service: no Docker health check, the command check behind the HTTP bridge in Consul, PROXY protocol, published ports in prod", () => {
  const svc = byName(prod, "DataManagement/FileCatalog");
  assert.equal(svc.hosts.length, 4);
  const h = host(prod, svc.hosts[0]);
  assert.equal(h.labels.disk, "ssd");
  const { container: c, registration: r } = serviceInstance(prod, svc, h);
  assert.equal(c.image, "gitlab-registry.cern.ch/lhcb-dirac/lhcb-platform/service:1.0.0");
  assert.deepEqual(c.ports, [
    { internal: 9197, external: 9197 },
    { internal: 19197, external: 19197 },
  ]);
  assert.equal(c.env!.SERVICE_PROXY_PROTOCOL, "1");
  assert.equal(c.env!.SERVICE_CHECK_PORT, "19197");
  assert.equal(c.env!.DIRAC_DB_POOL, "20");
  assert.equal(c.healthcheck, undefined);
  assert.equal(r.address, h.address);
  assert.deepEqual(r.tags, ["prod", "tcp", "proxy-protocol"]);
  assert.equal(r.checks[0].http, `http://${h.address}:19197/ping`);
  assert.equal(
    r.checks[0].name,
    "DataManagement/FileCatalog ping (platform-service ping) via HTTP bridge",
  );
});

test("a TCP check registers a TCP check; a custom image gets no platform command", () => {
  const svc = byName(prod, "DataManagement/StorageElement");
  const r = serviceInstance(prod, svc, host(prod, svc.hosts[0])).registration;
  assert.equal(r.checks[0].tcp, `${host(prod, svc.hosts[0]).address}:9148`);
  assert.equal(r.checks[0].http, undefined);
  assert.equal(r.checks[0].interval, "2s");
  const http = {
    ...byName(prod, "Framework/SystemAdministrator"),
    image: "registry.example.org/mon:2",
  };
  const c = serviceInstance(prod, http, host(prod, http.hosts[0])).container;
  assert.equal(c.command, undefined);
  assert.equal(c.healthcheck, undefined);
});

test("an instance's name ends with its revision: the same for the same instance, another for any change to its container or its registration", () => {
  const svc = byName(local, "Sample/Web");
  const at = host(local, "slave-2");
  const revision = (s: typeof svc, spec = local) =>
    serviceInstance(spec, s, at).container.name.replace("local-sample-web-slave-2-", "");
  const first = revision(svc);
  assert.equal(revision(svc), first);
  assert.equal(revision({ ...svc }), first);
  const changed = [
    revision({ ...svc, image: "lhcb-platform/service:1.0.1" }),
    revision({ ...svc, env: { ...svc.env, LOG_LEVEL: "debug" } }),
    revision({ ...svc, memoryMb: svc.memoryMb * 2 }),
    revision({ ...svc, check: { ...svc.check, timeoutSeconds: svc.check.timeoutSeconds + 1 } }),
    revision(svc, { ...local, consul: { ...local.consul, checkIntervalSeconds: 1 } }),
  ];
  for (const r of changed) assert.match(r, /^[0-9a-f]{8}$/);
  assert.equal(new Set([first, ...changed]).size, changed.length + 1, changed.join(" "));
  // Another host is another instance, whose name differs before its revision.
  const other = serviceInstance(local, svc, host(local, "slave-3")).container.name;
  assert.match(other, /^local-sample-web-slave-3-[0-9a-f]{8}$/);
});

test("a changed instance starts beside the old one on the local stack, in its place at a site", () => {
  assert.equal(startsBeside(local), true);
  assert.equal(startsBeside(prod), false);
  // At a site the instance publishes its service's port on its host, which two containers cannot hold.
  const svc = byName(prod, "DataManagement/FileCatalog");
  const { container } = serviceInstance(prod, svc, host(prod, svc.hosts[0]));
  assert.deepEqual(
    (container.ports ?? []).map((p) => p.external),
    [svc.port, svc.port + 10000],
  );
});

test("on the local stack an instance's name stays a DNS label: a long one is cut before its revision, which keeps it apart from its siblings", () => {
  const name = `Framework/${"m".repeat(36)}`; // local-framework-m…m-slave-N: 60 characters without the revision
  const long = {
    ...byName(local, "Sample/Web"),
    name,
    key: slug(name),
    hosts: ["slave-1", "slave-2"],
  };
  const spec = { ...local, services: [...local.services, long] };
  const [one, two] = ["slave-1", "slave-2"].map(
    (id) => serviceInstance(spec, long, host(local, id)).container.name,
  );
  for (const n of [one, two]) {
    assert.equal(n.length, 63, n);
    assert.match(n, new RegExp(`^local-framework-${"m".repeat(36)}-s-[0-9a-f]{8}$`));
  }
  assert.notEqual(one, two);
  assert.deepEqual(containerNameProblems(spec, "Pulumi.local.yaml", "config.lhcb-platform:"), []);
  // A name that fits keeps its host id whole.
  assert.match(
    serviceInstance(local, byName(local, "Sample/Web"), host(local, "slave-1")).container.name,
    /^local-sample-web-slave-1-[0-9a-f]{8}$/,
  );
});

test("an instance's revision covers the provider's arguments its container is declared with, not only the plan", () => {
  const svc = byName(local, "Sample/Web");
  const at = host(local, "slave-1");
  const base = "local-sample-web-slave-1";
  const draft = {
    container: serviceContainer(local, svc, at, base),
    registration: serviceRegistration(local, svc, at, base),
  };
  assert.equal(
    serviceInstance(local, svc, at).container.name,
    `${base}-${instanceRevision(draft)}`,
  );
  // The same plan declared another way (as a later version of the platform might map it): the
  // replacement that causes needs, and gets, a new name.
  const declaredAnotherWay = instanceRevision(draft, (c) => ({
    ...toContainerArgs(c, undefined),
    cpuShares: 512,
  }));
  assert.match(declaredAnotherWay, /^[0-9a-f]{8}$/);
  assert.notEqual(declaredAnotherWay, instanceRevision(draft));
  assert.equal(
    instanceRevision(draft, (c) => toContainerArgs(c, undefined)),
    instanceRevision(draft),
  );
});
