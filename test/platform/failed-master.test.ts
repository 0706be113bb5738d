// A failed master under mocks (prod, its first master in failedHosts): the engine asks Consul,
// Marathon and Chronos at the next master, so the loss of one master stops no `up` while the
// others hold the quorum, and what is on the failed master is kept as deployed.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  byName,
  ignoreChangesOf,
  installMocks,
  retainOnDeleteOf,
  deletedWithOf,
  ofType,
  plainInput,
  settle,
  valueOf,
} from "../support/mocks";

const declared = installMocks("prod");
import { apiMaster } from "../../components/core/quorum";
import { declareProdPlatform } from "../support/prod-platform";

const { spec, platform } = declareProdPlatform((s) => ({ ...s, failedHosts: [s.masters[0].id] }));
const [lost, next] = spec.masters;

test("the APIs are asked at the first master not failed; the first when all are", () => {
  const masters = [{ id: "m1" }, { id: "m2" }, { id: "m3" }];
  assert.equal(apiMaster({ masters }).id, "m1");
  assert.equal(apiMaster({ masters, failedHosts: ["m1"] }).id, "m2");
  assert.equal(apiMaster({ masters, failedHosts: ["m2", "m1"] }).id, "m3");
  assert.equal(apiMaster({ masters, failedHosts: ["m1", "m2", "m3"] }).id, "m1");
});

test("prod with its first master failed: Consul's provider, the leader probe, Marathon and Chronos at the second", async () => {
  await platform.declared;
  await settle(declared);
  const providers = ofType(declared, "pulumi:providers:consul");
  assert.deepEqual(
    providers.map((p) => p.inputs.address),
    [`https://${next.address}:8501`],
  );
  const leader = plainInput(byName(declared, "platform-consul-leader").inputs.environment);
  assert.equal(
    (leader as Record<string, string>).PROBE_HTTP,
    `https://${next.address}:8501/v1/acl/token/self`,
  );
  assert.equal(await valueOf(platform.mesos!.marathon.url), `http://${next.address}:8080`);
  assert.equal(await valueOf(platform.mesos!.chronos.url), `http://${next.address}:4400`);
  assert.deepEqual(ignoreChangesOf(`platform-consul-server-${lost.id}`), ["*"]);
  assert.deepEqual(ignoreChangesOf(`platform-consul-server-${lost.id}-ready`), ["*"]);
  assert.deepEqual(ignoreChangesOf(`platform-consul-server-${next.id}`), []);
  // Failed, not lost: deleted as usual once back and changed (lost-hosts-forgotten.test.ts).
  assert.equal(retainOnDeleteOf(`platform-consul-server-${lost.id}`), false);
  assert.equal(retainOnDeleteOf(`platform-consul-server-${next.id}`), false);
  assert.equal(deletedWithOf(`platform-consul-server-${lost.id}`), "");
});
