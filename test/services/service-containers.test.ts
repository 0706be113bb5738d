import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import {
  serviceContainer,
  serviceRegistration,
} from "../../components/services/service-containers";

const local = loadPlatformFromStackFile(process.cwd(), "local");
const prod = loadPlatformFromStackFile(process.cwd(), "prod");
const byName = (spec: typeof local, name: string) => spec.services.find((s) => s.name === name)!;
const host = (spec: typeof local, id: string) => spec.hosts.find((h) => h.id === id)!;

test("an instance of the sample service on the local stack: its image runs as it was built, told its name by the environment", () => {
  const svc = byName(local, "Sample/Web");
  assert.deepEqual(svc.hosts, ["slave-1", "slave-2", "slave-3"]);
  const c = serviceContainer(local, svc, host(local, "slave-2"));
  assert.deepEqual(c, {
    name: "local-sample-web-slave-2",
    image: "lhcb-platform/service:1.0.0",
    hostname: "local-sample-web-slave-2",
    aliases: ["local-sample-web-slave-2"],
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
      "platform.instance": "local-sample-web-slave-2",
    },
    stopGraceSeconds: 10,
  });
  assert.deepEqual(serviceRegistration(local, svc, host(local, "slave-2")), {
    serviceId: "local-sample-web-slave-2",
    name: "sample-web",
    node: "local-slave-2-instances",
    address: "local-sample-web-slave-2",
    port: 9162,
    tags: ["local", "http"],
    meta: {
      catalog_name: "Sample/Web",
      stack: "local",
      host: "slave-2",
      container: "local-sample-web-slave-2",
    },
    checks: [
      {
        checkId: "local-sample-web-slave-2:health",
        name: "Sample/Web HTTP check",
        http: "http://local-sample-web-slave-2:9162/ping",
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
  const { files, ...c } = serviceContainer(local, svc, host(local, "slave-1"));
  assert.deepEqual(c, {
    name: "local-configuration-server-slave-1",
    image: "lhcb-platform/dirac:9.1.22",
    hostname: "local-configuration-server-slave-1",
    aliases: ["local-configuration-server-slave-1"],
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
      "platform.instance": "local-configuration-server-slave-1",
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
  const c = serviceContainer(prod, svc, h);
  assert.equal(c.image, "gitlab-registry.cern.ch/lhcb-dirac/lhcb-platform/service:1.0.0");
  assert.deepEqual(c.ports, [
    { internal: 9197, external: 9197 },
    { internal: 19197, external: 19197 },
  ]);
  assert.equal(c.env!.SERVICE_PROXY_PROTOCOL, "1");
  assert.equal(c.env!.SERVICE_CHECK_PORT, "19197");
  assert.equal(c.env!.DIRAC_DB_POOL, "20");
  assert.equal(c.healthcheck, undefined);
  const r = serviceRegistration(prod, svc, h);
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
  const r = serviceRegistration(prod, svc, host(prod, svc.hosts[0]));
  assert.equal(r.checks[0].tcp, `${host(prod, svc.hosts[0]).address}:9148`);
  assert.equal(r.checks[0].http, undefined);
  assert.equal(r.checks[0].interval, "2s");
  const http = {
    ...byName(prod, "Framework/SystemAdministrator"),
    image: "registry.example.org/mon:2",
  };
  const c = serviceContainer(prod, http, host(prod, http.hosts[0]));
  assert.equal(c.command, undefined);
  assert.equal(c.healthcheck, undefined);
});
