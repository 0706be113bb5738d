// The gossip key step on the prod stack under mocks: one step, after every server and agent, through
// the first server's HTTPS API with the management token and the CA, the key and the whole
// environment secret; none on the local stack, whose gossip is not encrypted.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import {
  byName,
  dependenciesOf,
  installMocks,
  isSecretInput,
  plainInput,
  settle,
  valueOf,
} from "../support/mocks";

const declared = installMocks("prod");
import {
  CONSUL_KEYRING_COMMAND,
  CONSUL_KEYRING_PROGRAM,
} from "../../components/consul/consul-keyring-program";
import { consulPlan } from "../../components/plan";
import { trustingProbeCa } from "../../components/core/readiness";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { ConsulCluster, KEYRING_KEPT_COMMAND } from "../../components/consul/consul-cluster";
import { HostInventory, inventoryOf } from "../../components/hosts/host-inventory";
import { declareProdPlatform } from "../support/prod-platform";

const { spec, platform } = declareProdPlatform();
const GOSSIP_KEY = "bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc=";

test("prod: one gossip key step after the leader, every server and every agent, through the first server's HTTPS API", async () => {
  await platform.declared;
  await settle(declared);
  const step = byName(declared, "platform-consul-keyring");
  assert.equal(step.type, "command:local:Command");
  assert.equal(step.inputs.create, trustingProbeCa(CONSUL_KEYRING_COMMAND));
  // Run again for a new key only (its digest, a secret, the trigger); a change of the rest of its
  // environment alone (the members, the API, the token) runs nothing.
  assert.equal(step.inputs.update, KEYRING_KEPT_COMMAND);
  assert.ok(isSecretInput(step.inputs.triggers));
  assert.deepEqual(plainInput(step.inputs.triggers), [
    createHash("sha256").update(GOSSIP_KEY).digest("hex"),
  ]);
  assert.ok(isSecretInput(step.inputs.environment));
  const plan = consulPlan(spec);
  assert.deepEqual([plan.servers.length, plan.agents.length, spec.hosts.length], [5, 13, 18]);
  const api = `https://${spec.masters[0].address}:8501`;
  assert.deepEqual(plainInput(step.inputs.environment), {
    CONSUL_KEYRING_PROGRAM,
    PROBE_WHAT: `Consul's gossip key at ${api}`,
    PROBE_TIMEOUT_SECONDS: "120",
    CONSUL_API: api,
    CONSUL_GOSSIP_KEY: GOSSIP_KEY,
    CONSUL_MEMBERS: JSON.stringify({ lan: 18, wan: 5 }),
    CONSUL_HTTP_TOKEN: await valueOf(platform.consul.managementToken!),
    PROBE_CA_PEM: await valueOf(platform.consul.caCertificate!),
  });
  assert.deepEqual(
    dependenciesOf("platform-consul-keyring"),
    [
      "platform-consul-leader",
      // Through its inputs: the token and the CA certificate.
      "platform-consul-management-token",
      "platform-consul-tls-ca",
      ...plan.servers.map((s) => `platform-consul-server-${s.hostId}`),
      ...plan.agents.map((a) => `platform-consul-agent-${a.hostId}`),
    ].sort(),
  );
  assert.equal(platform.consul.keyring?.constructor.name, "LocalCommand");
});

test("local: no gossip key step (gossip is not encrypted there)", async () => {
  const local = loadPlatformFromStackFile(process.cwd(), "local");
  const inventory = new HostInventory("local-hosts", inventoryOf(local, {}));
  const consul = new ConsulCluster("local-consul", { spec: local, inventory });
  await consul.declared;
  await settle(declared);
  assert.equal(consul.keyring, undefined);
  assert.equal(declared.filter((r) => r.name === "local-consul-keyring").length, 0);
  assert.ok(declared.some((r) => r.name === "local-consul-leader"));
});
