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

test("an HTTP service instance on the local stack", () => {
  const svc = byName(local, "Framework/SystemAdministrator");
  assert.deepEqual(svc.hosts, ["slave-1", "slave-2", "slave-3"]);
  const c = serviceContainer(local, svc, host(local, "slave-2"));
  assert.deepEqual(c, {
    name: "local-framework-systemadministrator-slave-2",
    image: "lhcb-platform/service:1.0.0",
    hostname: "local-framework-systemadministrator-slave-2",
    aliases: ["local-framework-systemadministrator-slave-2"],
    command: ["serve", "Framework/SystemAdministrator"],
    user: "65534:65534",
    env: {
      SERVICE_NAME: "Framework/SystemAdministrator",
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
      "platform.service": "framework-systemadministrator",
      "platform.host": "slave-2",
      "platform.instance": "local-framework-systemadministrator-slave-2",
    },
    stopGraceSeconds: 10,
  });
  assert.deepEqual(serviceRegistration(local, svc, host(local, "slave-2")), {
    serviceId: "local-framework-systemadministrator-slave-2",
    name: "framework-systemadministrator",
    node: "local-slave-2-instances",
    address: "local-framework-systemadministrator-slave-2",
    port: 9162,
    tags: ["local", "http"],
    meta: {
      catalog_name: "Framework/SystemAdministrator",
      stack: "local",
      host: "slave-2",
      container: "local-framework-systemadministrator-slave-2",
    },
    checks: [
      {
        checkId: "local-framework-systemadministrator-slave-2:health",
        name: "Framework/SystemAdministrator HTTP check",
        http: "http://local-framework-systemadministrator-slave-2:9162/ping",
        interval: "2s",
        timeout: "2s",
        deregisterCriticalServiceAfter: "30m0s",
        status: "passing",
      },
    ],
  });
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
