// A failed host under mocks: everything declared on it (its engine's provider, network and
// preparation, every container and volume, and the readiness steps that probe its containers) is
// registered kept as deployed (`ignoreChanges: ["*"]`), so a change to the plan, a release among
// them, never reaches its engine; nothing of any other host is.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GATE_COMMAND, UNGATED_COMMAND } from "../../components/haproxy/balancer-gate";
import { ignoreChangesOf, installMocks, settle } from "../support/mocks";

const declared = installMocks("site");
import { declareSitePlatform } from "../support/prod-platform";

test("site with slave-2 failed: what is on slave-2 is kept as deployed, nothing else", async () => {
  declareSitePlatform({ "lhcb-platform:failedHosts": ["slave-2"] });
  await settle(declared);
  const keptAsDeployed = (name: string) => ignoreChangesOf(name).join() === "*";
  const kept = declared.filter((r) => keptAsDeployed(r.name)).map((r) => `${r.type} ${r.name}`);
  assert.deepEqual(kept.sort(), [
    "command:local:Command platform-port-guards-slave-2-ready",
    "command:local:Command platform-port-guards-slave-2-retire",
    "command:local:Command platform-services-configuration-server-slave-2-ready",
    "command:local:Command platform-services-configuration-server-slave-2-served",
    "command:local:Command platform-services-framework-systemadministrator-slave-2-ready",
    "command:local:Command platform-services-framework-systemadministrator-slave-2-served",
    "command:remote:Command platform-hosts-slave-2-prepare",
    "docker:index/container:Container platform-consul-agent-slave-2",
    "docker:index/container:Container platform-port-guards-slave-2",
    "docker:index/container:Container platform-services-configuration-server-slave-2",
    "docker:index/container:Container platform-services-framework-systemadministrator-slave-2",
    "docker:index/network:Network platform-hosts-slave-2-net",
    "docker:index/volume:Volume platform-consul-agent-slave-2-consul-data",
    "pulumi:providers:docker platform-hosts-slave-2",
  ]);
  // Every resource on slave-2's engine is among them, and every readiness and served step of a container there.
  const onSlave2 = declared.filter((r) => r.provider?.includes("::platform-hosts-slave-2::"));
  assert.equal(onSlave2.length, 6);
  for (const r of onSlave2) assert.ok(keptAsDeployed(r.name), r.name);
  for (const r of declared.filter((r) => r.name.endsWith("-ready")))
    assert.equal(
      keptAsDeployed(r.name),
      onSlave2.some((c) => `${c.name}-ready` === r.name),
      r.name,
    );
  // A served step made on slave-2 for the first time (a platform upgrade while it is down) passes
  // at once; every other waits for the balancers.
  const served = declared.filter((r) => r.name.endsWith("-served"));
  assert.ok(served.length > 2);
  for (const r of served)
    assert.equal(
      r.inputs.create,
      r.name.includes("-slave-2-") ? UNGATED_COMMAND : GATE_COMMAND,
      r.name,
    );
});
