// The task registrars under mocks on the cert stack file: one per slave, what each reads and
// writes with, what it registers (exact), and where none runs.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  byName,
  countByType,
  installMocks,
  isSecretInput,
  plainInput,
  settle,
} from "../support/mocks";

const declared = installMocks("cert");
import { PlatformInputError } from "../../components/core/errors";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { HostInventory } from "../../components/hosts/host-inventory";
import {
  marathonServices,
  registrarConfig,
  registrarHosts,
} from "../../components/marathon/task-registrar";
import { TaskRegistrars } from "../../components/marathon/task-registrars";

const spec = loadPlatformFromStackFile(process.cwd(), "cert");
const TOKEN = "11111111-2222-3333-4444-555555555555";
const CA = "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n";
const inventory = () =>
  new HostInventory(`hosts-${Math.random()}`, {
    stack: spec.stack,
    hosts: spec.hosts,
    local: spec.local,
  });

test("what a registrar registers: each marathon-mode service's tags, meta and check, at the ports of the task's container", () => {
  const config = registrarConfig(spec, spec.slaves[1]);
  assert.deepEqual(
    Object.keys(config.services),
    marathonServices(spec)
      .map((s) => s.key)
      .sort(),
  );
  assert.equal(Object.keys(config.services).length, 16);
  assert.equal(config.node, "cert-cert-slave-2-tasks");
  assert.equal(config.address, "lbcertvobox02.cern.ch");
  assert.deepEqual(config.node_meta, {
    "external-node": "true",
    "external-probe": "false",
    stack: "cert",
  });
  assert.equal(config.stack, "cert");
  assert.deepEqual(config.services["framework-monitoring"], {
    port: 9142,
    tags: ["cert", "http"],
    meta: { catalog_name: "Framework/Monitoring", stack: "cert", host: "cert-slave-2" },
    check: {
      name: "Framework/Monitoring HTTP check",
      kind: "http",
      port: 9142,
      path: "/ping",
      interval: "2s",
      timeout: "2s",
      deregister_critical_after: "30m0s",
    },
  });
  // A command check is asked through the task's HTTP bridge, the service's port + 10000.
  assert.deepEqual(config.services["datamanagement-filecatalog"], {
    port: 9197,
    tags: ["cert", "tcp", "proxy-protocol"],
    meta: { catalog_name: "DataManagement/FileCatalog", stack: "cert", host: "cert-slave-2" },
    check: {
      name: "DataManagement/FileCatalog ping (platform-service ping) via HTTP bridge",
      kind: "http",
      port: 19197,
      path: "/ping",
      interval: "2s",
      timeout: "1s",
      deregister_critical_after: "30m0s",
    },
  });
  assert.deepEqual(config.services["datamanagement-storageelement"].check, {
    name: "DataManagement/StorageElement TCP check",
    kind: "tcp",
    port: 9148,
    interval: "2s",
    timeout: "2s",
    deregister_critical_after: "30m0s",
  });
});

test("no registrar where no service runs in marathon mode or where the Mesos side is off", () => {
  for (const stack of ["local", "site"]) {
    const other = loadPlatformFromStackFile(process.cwd(), stack);
    assert.equal(marathonServices(other).length, 0, stack);
    assert.deepEqual(registrarHosts(other), [], stack);
  }
  assert.deepEqual(registrarHosts({ ...spec, features: { ...spec.features, mesos: false } }), []);
  assert.deepEqual(
    registrarHosts(spec).map((h) => h.id),
    ["cert-slave-1", "cert-slave-2", "cert-slave-3", "cert-slave-4"],
  );
});

test("cert: a registrar on each of the 4 slaves, on the host's network, reading its agent and writing through its host's Consul agent with the registrars' token", async () => {
  const registrars = new TaskRegistrars("registrars", {
    spec,
    inventory: inventory(),
    consulToken: pulumi.secret(TOKEN),
    consulCaCert: CA,
    mesosAdminSecret: pulumi.secret("admin-secret"),
  });
  await settle(declared);
  assert.deepEqual(countByType(declared.filter((r) => r.name.startsWith("registrars"))), {
    "docker:index/container:Container": 4,
    "lhcb-platform:marathon:TaskRegistrars": 1,
  });
  assert.deepEqual(Object.keys(registrars.registrars), [
    "cert-slave-1",
    "cert-slave-2",
    "cert-slave-3",
    "cert-slave-4",
  ]);
  const r = byName(declared, "registrars-cert-slave-3");
  assert.match(r.provider ?? "", /::hosts-[0-9.]+-cert-slave-3::/);
  assert.equal(r.inputs.name, "cert-task-registrar-cert-slave-3");
  assert.equal(r.inputs.image, "gitlab-registry.cern.ch/lhcb-dirac/lhcb-platform/service:1.0.0");
  assert.equal(r.inputs.user, "65534:65534");
  assert.equal(r.inputs.networkMode, "host");
  assert.deepEqual(r.inputs.entrypoints, ["/usr/local/bin/platform-registrar"]);
  assert.deepEqual(r.inputs.command, ["run"]);
  assert.deepEqual(r.inputs.envs, [
    "MESOS_AGENT_URL=http://127.0.0.1:5051",
    "MESOS_CREDENTIALS_FILE=/etc/platform/mesos/http-credentials",
    "CONSUL_HTTP_ADDR=https://127.0.0.1:8501",
    "CONSUL_HTTP_TOKEN_FILE=/etc/platform/registrar/consul-token",
    "CONSUL_CACERT=/etc/platform/consul-ca.pem",
    "REGISTRAR_CONFIG=/etc/platform/registrar/registrar.json",
    "REGISTRAR_INTERVAL=2",
  ]);
  assert.deepEqual((r.inputs.healthcheck as { tests: string[] }).tests, [
    "CMD",
    "/usr/local/bin/platform-registrar",
    "healthy",
  ]);
  // Its token, the CA and the agent's credentials are uploaded as secrets, with the plain file.
  assert.ok(isSecretInput(r.inputs.uploads));
  assert.deepEqual(plainInput(r.inputs.uploads), [
    {
      file: "/etc/platform/registrar/registrar.json",
      content: JSON.stringify(registrarConfig(spec, spec.slaves[2]), null, 2) + "\n",
      executable: false,
    },
    { file: "/etc/platform/registrar/consul-token", content: TOKEN },
    { file: "/etc/platform/consul-ca.pem", content: CA },
    { file: "/etc/platform/mesos/http-credentials", content: "platform-admin:admin-secret" },
  ]);
});

test("cert without the registrars' token and the agents' credentials: refused naming each, before anything is declared", async () => {
  await settle(declared);
  const before = declared.length;
  const hosts = inventory();
  await settle(declared);
  const afterInventory = declared.length;
  assert.throws(
    () => new TaskRegistrars("refused", { spec, inventory: hosts, consulCaCert: CA }),
    (e: Error) => {
      assert.ok(e instanceof PlatformInputError, e.message);
      assert.equal(
        e.message,
        [
          "TaskRegistrarsArgs: consulToken: the registrars' Consul token (`ConsulCluster.registrarToken`), since stack cert asks for credentials",
          "TaskRegistrarsArgs: mesosAdminSecret: the secret of the Mesos principal platform-admin (`mesosSecrets.admin`), since stack cert asks for credentials",
        ].join("\n"),
      );
      return true;
    },
  );
  await settle(declared);
  assert.ok(afterInventory >= before);
  assert.deepEqual(
    declared.slice(afterInventory).map((r) => r.name),
    [],
  );
});
