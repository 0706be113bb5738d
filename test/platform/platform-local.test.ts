// The local stack under mocks: the dynamic backend declares the project's own Docker and Consul
// resources on the one local Engine.
import assert from "node:assert/strict";
import { test } from "node:test";
import { countByType, installMocks, settle } from "../support/mocks";

const declared = installMocks("local");
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { Platform } from "../../components/platform";

const spec = loadPlatformFromStackFile(process.cwd(), "local");
new Platform("platform", { spec });

type Dyn = { name: string; inputs: { __provider?: string; spec?: { name: string; labels?: Record<string, string> }; agentAddress?: string; serviceId?: string; network?: string } };
const ofType = (t: string) => declared.filter((r) => r.type === `pulumi-nodejs:dynamic/${t}`) as unknown as Dyn[];

test("the local stack declares only dynamic resources and components", async () => {
  await settle(declared);
  const counts = countByType(declared);
  assert.deepEqual(
    Object.entries(counts).filter(([t]) => !t.startsWith("lhcb-platform:")),
    [
      ["pulumi-nodejs:dynamic/consul:AgentService", 7],
      ["pulumi-nodejs:dynamic/docker:Container", 29],
      ["pulumi-nodejs:dynamic/docker:Network", 1],
      ["pulumi-nodejs:dynamic/docker:Volume", 13],
    ],
  );
  const containers = ofType("docker:Container").map((r) => r.inputs.spec!.name).sort();
  assert.deepEqual(containers, [
    "local-configuration-server-slave-1",
    "local-configuration-server-slave-2",
    "local-consul-agent-lb-1",
    "local-consul-agent-lb-2",
    "local-consul-agent-ops-1",
    "local-consul-agent-slave-1",
    "local-consul-agent-slave-2",
    "local-consul-agent-slave-3",
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
  for (const r of ofType("docker:Container")) assert.equal(r.inputs.network, "local-net", r.name);
});

test("every instance is registered with its own host's Consul agent", async () => {
  await settle(declared);
  const regs = ofType("consul:AgentService");
  assert.deepEqual(regs.map((r) => r.inputs.serviceId).sort(), [
    "local-configuration-server-slave-1",
    "local-configuration-server-slave-2",
    "local-datamanagement-storageelement-slave-1",
    "local-datamanagement-storageelement-slave-3",
    "local-framework-systemadministrator-slave-1",
    "local-framework-systemadministrator-slave-2",
    "local-framework-systemadministrator-slave-3",
  ]);
  for (const r of regs) assert.equal(r.name, `platform-services-${r.inputs.serviceId!.slice("local-".length)}-registration`);
  assert.deepEqual(ofType("docker:Network").map((r) => r.name), ["platform-hosts-net"]);
});
