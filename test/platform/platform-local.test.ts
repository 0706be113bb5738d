// The local stack under mocks: the docker, consul and command providers declare every container,
// registration and wait on the one local Engine, exactly as on cert and prod.
import assert from "node:assert/strict";
import { test } from "node:test";
import { countByType, installMocks, ofType, settle, valueOf } from "../support/mocks";

const declared = installMocks("local");
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { Platform } from "../../components/platform";
import { DRAIN_COMMAND, PROBE_COMMAND, PROBE_PROGRAM } from "../../components/core/readiness";

const spec = loadPlatformFromStackFile(process.cwd(), "local");
const platform = new Platform("platform", { spec });

test("the local stack declares provider resources and components only", async () => {
  await settle(declared);
  const counts = countByType(declared);
  assert.deepEqual(
    Object.entries(counts).filter(([t]) => !t.startsWith("lhcb-platform:")),
    [
      // The wait for a Consul leader, and per instance its probe and drain.
      ["command:local:Command", 1 + 7],
      // One external node per slave that holds service instances.
      ["consul:index/node:Node", 3],
      ["consul:index/service:Service", 7],
      ["docker:index/container:Container", 31],
      ["docker:index/network:Network", 1],
      ["docker:index/volume:Volume", 13],
      ["pulumi:providers:consul", 1],
      ["pulumi:providers:docker", 1],
    ],
  );
  const containers = ofType(declared, "docker:index/container:Container")
    .map((r) => r.inputs.name as string)
    .sort();
  assert.deepEqual(containers, [
    "local-configuration-server-slave-1",
    "local-configuration-server-slave-2",
    "local-consul-agent-lb-1",
    "local-consul-agent-lb-2",
    "local-consul-agent-ops-1",
    "local-consul-agent-slave-1",
    "local-consul-agent-slave-2",
    "local-consul-agent-slave-3",
    "local-consul-esm-master-1",
    "local-consul-esm-master-2",
    "local-consul-server-master-1",
    "local-consul-server-master-2",
    "local-consul-server-master-3",
    "local-datamanagement-storageelement-slave-1",
    "local-datamanagement-storageelement-slave-3",
    "local-framework-systemadministrator-slave-1",
    "local-framework-systemadministrator-slave-2",
    "local-framework-systemadministrator-slave-3",
    "local-influxdb-ops-1",
    "local-lb-lb-1",
    "local-lb-lb-2",
    "local-transformation-transformationagent-slave-1",
    "local-transformation-transformationagent-slave-3",
    "local-workloadmanagement-stalledjobagent-slave-1",
    "local-workloadmanagement-stalledjobagent-slave-3",
    "local-zookeeper-master-1",
    "local-zookeeper-master-2",
    "local-zookeeper-master-3",
    "local-cadvisor-slave-1",
    "local-cadvisor-slave-2",
    "local-cadvisor-slave-3",
  ].sort());
  for (const r of ofType(declared, "docker:index/container:Container")) {
    assert.deepEqual((r.inputs.networksAdvanced as { name: string }[]).map((n) => n.name), ["local-net"], r.name);
    // Nothing waits on a Docker health check (docs/promises.md).
    assert.equal(r.inputs.wait, undefined, r.name);
  }
});

test("every instance is registered in the Consul catalog once a direct probe of its check passed", async () => {
  await settle(declared);
  const regs = ofType(declared, "consul:index/service:Service");
  const ids = regs.map((r) => r.inputs.serviceId as string).sort();
  assert.deepEqual(ids, [
    "local-configuration-server-slave-1",
    "local-configuration-server-slave-2",
    "local-datamanagement-storageelement-slave-1",
    "local-datamanagement-storageelement-slave-3",
    "local-framework-systemadministrator-slave-1",
    "local-framework-systemadministrator-slave-2",
    "local-framework-systemadministrator-slave-3",
  ]);
  for (const r of regs) {
    assert.equal(r.name, `platform-services-${(r.inputs.serviceId as string).slice("local-".length)}-registration`);
    assert.equal(r.inputs.node, `local-${(r.inputs.meta as Record<string, string>).host}-instances`);
  }
  // Each instance's probe: the same check as its registration's, at the container's address on the
  // platform network (where this machine reaches it; the mocks give no address, so the container name).
  const ready = Object.fromEntries(ofType(declared, "command:local:Command").filter((r) => r.name.endsWith("-ready")).map((r) => [r.name, r.inputs]));
  assert.equal(Object.keys(ready).length, 7);
  const probe = (key: string) => ready[`platform-services-${key}-ready`] as { create: string; delete: string; environment: Record<string, string> };
  assert.deepEqual(probe("framework-systemadministrator-slave-2").environment, {
    PROBE_PROGRAM,
    PROBE_WHAT: "instance local-framework-systemadministrator-slave-2 of Framework/SystemAdministrator",
    PROBE_TIMEOUT_SECONDS: "120",
    PROBE_HTTP: "http://local-framework-systemadministrator-slave-2:9162/ping",
  });
  assert.equal(probe("datamanagement-storageelement-slave-3").environment.PROBE_TCP, "local-datamanagement-storageelement-slave-3:9148");
  assert.equal(probe("configuration-server-slave-1").environment.PROBE_HTTP, "http://local-configuration-server-slave-1:19135/ping");
  for (const r of Object.values(ready) as { create: string; delete: string }[]) assert.deepEqual([r.create, r.delete], [PROBE_COMMAND, DRAIN_COMMAND]);
  assert.deepEqual(ofType(declared, "docker:index/network:Network").map((r) => r.name), ["platform-hosts-net"]);
  assert.equal(await valueOf(platform.services.instances["framework-systemadministrator/slave-2"].registration.serviceId), "local-framework-systemadministrator-slave-2");
});
