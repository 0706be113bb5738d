// The program refuses bad input before anything is declared.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { readStackFile } from "../../components/core/stack-config";
import { installMocks, settle } from "../support/mocks";

const declared = installMocks("prod");
import { platformProgram } from "../../program";

test("an even quorum in the prod stack file stops the run with nothing declared", async () => {
  const hosts = [1, 2, 3, 4].map((i) => ({
    id: `m${i}`,
    address: `m${i}`,
    roles: ["master", "slave", "lb", "monitoring", "logging"],
    cpus: 4,
    memoryMb: 8192,
    docker: { host: `ssh://root@m${i}` },
  }));
  pulumi.runtime.setAllConfig({
    "lhcb-platform:hosts": JSON.stringify(hosts),
    "lhcb-platform:adminNetworks": JSON.stringify(["192.0.2.10"]),
    "lhcb-platform:catalog": "catalog/dirac.yaml",
  });
  await assert.rejects(platformProgram(process.cwd())(), (e: unknown) => {
    assert.ok(e instanceof pulumi.RunError);
    assert.equal(
      (e as Error).message,
      "invalid input:\nPulumi.prod.yaml: config.lhcb-platform:hosts: expected an odd number of master hosts for prod, got 4: a quorum of 3 tolerates 1 failure(s), no more than 3 masters would",
    );
    return true;
  });
  await settle(declared);
  assert.deepEqual(declared, []);
});

/** Pulumi.prod.yaml's entries as the engine hands them over: structured values as JSON text. */
function prodEntries(): Record<string, string> {
  const { entries } = readStackFile(process.cwd(), "prod");
  return Object.fromEntries(
    Object.entries(entries).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** Runs the program on `config` (secret keys listed in `secretKeys`); returns the RunError's message. */
async function refusal(config: Record<string, string>, secretKeys: string[] = []): Promise<string> {
  pulumi.runtime.setAllConfig(config, secretKeys);
  let message = "";
  await assert.rejects(platformProgram(process.cwd())(), (e: unknown) => {
    assert.ok(e instanceof pulumi.RunError, String(e));
    message = (e as Error).message;
    return true;
  });
  await settle(declared);
  assert.deepEqual(declared, [], "nothing declared");
  return message;
}

test("the prod stack without its secrets stops the run with nothing declared", async () => {
  assert.equal(
    await refusal(prodEntries()),
    [
      "invalid input:",
      `Pulumi.prod.yaml: config.lhcb-platform:consulGossipKey: the secret, required because Consul's gossip is encrypted on prod: pulumi config set --secret lhcb-platform:consulGossipKey "$(consul keygen)"`,
      "Pulumi.prod.yaml: config.lhcb-platform:grafanaAdminPassword: the secret, required because Grafana is on (features.grafana): pulumi config set --secret lhcb-platform:grafanaAdminPassword",
    ].join("\n"),
  );
});

test("secrets in plain text or of the wrong form stop the run, and no message holds their value", async () => {
  const key = "lhcb-platform:consulGossipKey";
  const password = "lhcb-platform:grafanaAdminPassword";
  const badKey = "not-a-gossip-key";
  const shortPassword = "hunter2";
  const message = await refusal({ ...prodEntries(), [key]: badKey, [password]: shortPassword }, [
    password,
  ]);
  assert.equal(
    message,
    [
      "invalid input:",
      `Pulumi.prod.yaml: config.lhcb-platform:consulGossipKey: an encrypted value (pulumi config set --secret lhcb-platform:consulGossipKey "$(consul keygen)"); it is in plain text`,
      "Pulumi.prod.yaml: config.lhcb-platform:consulGossipKey: a gossip key as consul keygen makes it: standard base64 of 16, 24 or 32 bytes; the value given is not base64",
      "Pulumi.prod.yaml: config.lhcb-platform:grafanaAdminPassword: a password of at least 12 characters; the value given has 7",
    ].join("\n"),
  );
  assert.ok(!message.includes(badKey) && !message.includes(shortPassword));
  // A key of the wrong length, given as a secret: named by its length only.
  const shortKey = randomBytes(20).toString("base64");
  const second = await refusal(
    { ...prodEntries(), [key]: shortKey, [password]: "a long enough password" },
    [key, password],
  );
  assert.equal(
    second,
    "invalid input:\nPulumi.prod.yaml: config.lhcb-platform:consulGossipKey: a gossip key as consul keygen makes it: standard base64 of 16, 24 or 32 bytes; the value given is base64 of 20 bytes",
  );
  assert.ok(!second.includes(shortKey));
});
