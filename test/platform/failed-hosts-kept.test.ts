// A failed host under mocks: everything declared on it (its engine's provider, network and
// preparation, every container and volume, and the readiness steps that probe its containers) is
// registered kept as deployed (`ignoreChanges: ["*"]`), so a change to the plan, a release among
// them, never reaches its engine, and to be forgotten rather than deleted (`retainOnDelete`), so
// that the host taken out of the inventory for good, or the stack destroyed while it is down,
// asks nothing of it; nothing of any other host is either.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GATE_COMMAND, UNGATED_COMMAND } from "../../components/haproxy/balancer-gate";
import { forgetStepInputs, KEPT_ON_SLAVE_2, siteForgetSteps } from "../support/kept-on-host";
import {
  byName,
  ignoreChangesOf,
  installMocks,
  plainInput,
  retainOnDeleteOf,
  deletedWithOf,
  settle,
} from "../support/mocks";

const declared = installMocks("site");
import { declareSitePlatform } from "../support/prod-platform";

test("site with slave-2 failed: what is on slave-2 is kept as deployed, nothing else", async () => {
  declareSitePlatform({ "lhcb-platform:failedHosts": ["slave-2"] });
  await settle(declared);
  const keptAsDeployed = (name: string) => ignoreChangesOf(name).join() === "*";
  const kept = declared.filter((r) => keptAsDeployed(r.name)).map((r) => `${r.type} ${r.name}`);
  assert.deepEqual(kept.sort(), KEPT_ON_SLAVE_2);
  // Failed, not lost: nothing is to be forgotten (back, a kept container's replacement must
  // delete the old one), its Consul node neither; the gossip key step waits for it too.
  assert.deepEqual(
    declared
      .filter((r) => retainOnDeleteOf(r.name) || deletedWithOf(r.name) !== "")
      .map((r) => r.name),
    [],
  );
  assert.deepEqual(forgetStepInputs(declared), siteForgetSteps([]));
  const keyring = plainInput(byName(declared, "platform-consul-keyring").inputs.environment);
  assert.equal((keyring as Record<string, string>).CONSUL_MEMBERS, '{"lan":8,"wan":3}');
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
