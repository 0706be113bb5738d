// Consul's ACLs on the prod stack under mocks: the policies and tokens, and which token each part
// gets, where and how kept. The mocks make a token's value from its resource's name
// (test/support/mocks.ts): `<token>-accessor-secret`, and the management token is the command's
// stdout.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  byName,
  dependenciesOf,
  installMocks,
  isSecretInput,
  ofType,
  plainInput,
  secretOutputsOf,
  settle,
  uploadsByPath,
} from "../support/mocks";

const declared = installMocks("prod");
import { MANAGEMENT_TOKEN_COMMAND } from "../../components/consul/consul-acl";
import { aclEnforced } from "../../components/consul/consul-acl-plan";
import { AGENT_TOKEN_FILE } from "../../components/agents/agent-containers";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { MasterQuorum } from "../../components/master-quorum";
import { declareProdPlatform } from "../support/prod-platform";
import { secretValueProblem } from "../../components/secret-checks";

const { spec, platform } = declareProdPlatform();

const MANAGEMENT = "platform-consul-management-token-stdout";
const tokenOf = (resource: string) => `${resource}-accessor-secret`;

/** The uploads of container resource `name`, secret or not, by path. */
const uploadsOf = (name: string) => uploadsByPath(declared, name);

test("policies: one per client role and the slave hosts', named after the stack, with exact rules", async () => {
  await platform.declared;
  await settle(declared);
  const policies = ofType(declared, "consul:index/aclPolicy:AclPolicy");
  assert.deepEqual(
    policies.map((p) => [p.name, p.inputs.name]),
    [
      ["platform-consul-acl-policy-catalog-read", "prod-catalog-read"],
      ["platform-consul-acl-policy-agent-locks", "prod-agent-locks"],
      ["platform-consul-acl-policy-esm", "prod-esm"],
      ["platform-consul-acl-policy-task-registrar", "prod-task-registrar"],
      ["platform-consul-acl-policy-slave-host", "prod-slave-host"],
    ],
  );
  assert.equal(
    byName(declared, "platform-consul-acl-policy-catalog-read").inputs.rules,
    [
      // Each of the catalog's services by its key (the stack is a tag, which ACLs cannot tell).
      ...[...new Set(spec.services.map((s) => s.key))]
        .sort()
        .map((key) => `service "${key}" {\n  policy = "read"\n}`),
      'service "mesos-slave-host" {\n  policy = "read"\n}',
      'node_prefix "" {\n  policy = "read"\n}',
      "",
    ].join("\n"),
  );
  assert.equal(
    byName(declared, "platform-consul-acl-policy-agent-locks").inputs.rules,
    [
      'key_prefix "platform/prod/agents/" {\n  policy = "write"\n}',
      'session_prefix "" {\n  policy = "write"\n}',
      "",
    ].join("\n"),
  );
  assert.match(
    String(byName(declared, "platform-consul-acl-policy-catalog-read").inputs.rules),
    /^service "bookkeeping-bookkeepingmanager" \{\n {2}policy = "read"\n\}\nservice "configuration-server" \{/,
  );
  assert.equal(
    byName(declared, "platform-consul-acl-policy-esm").inputs.rules,
    [
      'agent_prefix "" {\n  policy = "read"\n}',
      'key_prefix "consul-esm/prod/" {\n  policy = "write"\n}',
      'node_prefix "prod-" {\n  policy = "write"\n}',
      'service "prod-consul-esm" {\n  policy = "write"\n}',
      // Each of the catalog's services by its key: consul-esm writes their instances' checks.
      ...[...new Set(spec.services.map((s) => s.key))]
        .sort()
        .map((key) => `service "${key}" {\n  policy = "write"\n}`),
      'session_prefix "prod-" {\n  policy = "write"\n}',
      "",
    ].join("\n"),
  );
  // The task registrars write their own nodes, one per slave, and the marathon-mode services.
  const marathonKeys = spec.services.filter((s) => s.mode === "marathon").map((s) => s.key);
  assert.ok(marathonKeys.length > 0 && marathonKeys.length < spec.services.length);
  assert.equal(
    byName(declared, "platform-consul-acl-policy-task-registrar").inputs.rules,
    [
      ...spec.slaves
        .map((h) => `prod-${h.id}-tasks`)
        .sort()
        .map((node) => `node "${node}" {\n  policy = "write"\n}`),
      ...[...new Set(marathonKeys)]
        .sort()
        .map((key) => `service "${key}" {\n  policy = "write"\n}`),
      "",
    ].join("\n"),
  );
  assert.equal(
    byName(declared, "platform-consul-acl-policy-slave-host").inputs.rules,
    'service "mesos-slave-host" {\n  policy = "write"\n}\n',
  );
  // Each is written through the management token's provider, once there is a leader.
  for (const p of policies) {
    assert.match(p.provider ?? "", /::platform-consul-api::/);
    assert.ok(dependenciesOf(p.name).includes("platform-consul-leader"), p.name);
  }
});

test("tokens: one per role with its policy, one per Consul agent with its node identity (and the slave hosts' policy on slaves)", async () => {
  await platform.declared;
  await settle(declared);
  const tokens = ofType(declared, "consul:index/aclToken:AclToken");
  const roles = tokens.filter((t) => !t.name.includes("-node-"));
  assert.deepEqual(
    roles.map((t) => [t.name, t.inputs.policies]),
    [
      ["platform-consul-acl-token-catalog-read", ["prod-catalog-read"]],
      ["platform-consul-acl-token-agent-locks", ["prod-agent-locks"]],
      ["platform-consul-acl-token-esm", ["prod-esm"]],
      ["platform-consul-acl-token-task-registrar", ["prod-task-registrar"]],
    ],
  );
  const agentHosts = spec.hosts.filter((h) => !h.roles.includes("master"));
  assert.deepEqual(
    tokens
      .filter((t) => t.name.includes("-node-"))
      .map((t) => t.name)
      .sort(),
    agentHosts.map((h) => `platform-consul-acl-node-${h.id}`).sort(),
  );
  const slave = byName(declared, "platform-consul-acl-node-prod-slave-3");
  assert.deepEqual(slave.inputs.nodeIdentities, [
    { nodeName: "prod-prod-slave-3", datacenter: "dc1" },
  ]);
  assert.deepEqual(slave.inputs.policies, ["prod-slave-host"]);
  assert.equal(slave.inputs.description, "prod: the Consul agent of prod-slave-3");
  const lb = byName(declared, "platform-consul-acl-node-prod-lb-1");
  assert.deepEqual(lb.inputs.nodeIdentities, [{ nodeName: "prod-prod-lb-1", datacenter: "dc1" }]);
  assert.deepEqual(lb.inputs.policies, []);
  for (const t of tokens) assert.ok(dependenciesOf(t.name).includes("platform-consul-leader"));
});

test("the management token: made once by a local command whose output is secret and not logged, in the servers' configuration, the provider and the probes", async () => {
  await platform.declared;
  await settle(declared);
  const made = byName(declared, "platform-consul-management-token");
  assert.equal(made.inputs.create, MANAGEMENT_TOKEN_COMMAND);
  assert.equal(made.inputs.logging, "none");
  assert.deepEqual(secretOutputsOf("platform-consul-management-token"), ["stdout"]);
  // The servers bootstrap the ACLs with it and use it as their agent token.
  const server = JSON.parse(
    uploadsOf("platform-consul-server-prod-master-2").get("/consul/config/consul.json")!,
  ) as { acl: unknown };
  assert.deepEqual(server.acl, {
    enabled: true,
    default_policy: "deny",
    down_policy: "extend-cache",
    tokens: { initial_management: MANAGEMENT, agent: MANAGEMENT },
  });
  assert.ok(isSecretInput(byName(declared, "platform-consul-server-prod-master-2").inputs.uploads));
  const provider = byName(declared, "platform-consul-api");
  assert.ok(isSecretInput(provider.inputs.token));
  assert.equal(plainInput(provider.inputs.token), MANAGEMENT);
  // The leader probe waits until the token reads itself: the ACLs are bootstrapped.
  const leader = byName(declared, "platform-consul-leader").inputs.environment;
  assert.ok(isSecretInput(leader));
  const env = plainInput(leader) as Record<string, string>;
  assert.equal(env.PROBE_HTTP, "https://lbmaster01.cern.ch:8501/v1/acl/token/self");
  assert.equal(env.CONSUL_HTTP_TOKEN, MANAGEMENT);
  // A leading server hands its leadership over with it.
  const ready = byName(declared, "platform-consul-server-prod-master-1-ready").inputs.environment;
  assert.ok(isSecretInput(ready));
  assert.equal((plainInput(ready) as Record<string, string>).CONSUL_HTTP_TOKEN, MANAGEMENT);
  assert.equal(await new Promise((r) => platform.consul.managementToken!.apply(r)), MANAGEMENT);
});

test("each part gets its own token, in a file uploaded as a secret, never in its environment", async () => {
  await platform.declared;
  await settle(declared);
  // A slave's agent: its node token for itself and for the slave host's service.
  const agent = JSON.parse(
    uploadsOf("platform-consul-agent-prod-slave-3").get("/consul/config/consul.json")!,
  ) as { acl: { tokens: unknown }; services: { token: string }[] };
  const slaveToken = tokenOf("platform-consul-acl-node-prod-slave-3");
  assert.deepEqual(agent.acl.tokens, { agent: slaveToken });
  assert.equal(agent.services[0].token, slaveToken);
  // consul-esm.
  const esm = JSON.parse(
    uploadsOf("platform-consul-esm-prod-master-1").get("/etc/consul-esm/config.hcl")!,
  ) as { token: string };
  assert.equal(esm.token, tokenOf("platform-consul-acl-token-esm"));
  // consul-template in the balancers and the whitelist renderers: the catalog-read token.
  const read = tokenOf("platform-consul-acl-token-catalog-read");
  assert.match(
    uploadsOf("platform-lb-prod-lb-2").get("/etc/consul-template/lb.hcl")!,
    new RegExp(`\n  token   = "${read}"\n`),
  );
  assert.match(
    uploadsOf("platform-whitelist-prod-master-3").get("/etc/consul-template/whitelist.hcl")!,
    new RegExp(`\n  token   = "${read}"\n`),
  );
  // The scheduled agents: the locks' token in a file its environment names.
  const agents = ofType(declared, "docker:index/container:Container").filter((r) =>
    (r.inputs.labels as { label: string; value: string }[]).some(
      (l) => l.label === "platform.component" && l.value === "agent",
    ),
  );
  assert.equal(agents.length, 18);
  for (const a of agents) {
    assert.equal(
      uploadsOf(a.name).get(AGENT_TOKEN_FILE),
      tokenOf("platform-consul-acl-token-agent-locks"),
    );
    assert.ok((a.inputs.envs as string[]).includes(`CONSUL_HTTP_TOKEN_FILE=${AGENT_TOKEN_FILE}`));
  }
  // The task registrars, one per slave: theirs, and the Mesos agents' credentials beside it.
  for (const slave of spec.slaves) {
    const uploads = uploadsOf(`platform-task-registrars-${slave.id}`);
    assert.equal(
      uploads.get("/etc/platform/registrar/consul-token"),
      tokenOf("platform-consul-acl-token-task-registrar"),
    );
    assert.match(uploads.get("/etc/platform/mesos/http-credentials")!, /^platform-admin:.+/);
  }
  // No container has a token in its environment.
  const tokens = [MANAGEMENT, "-accessor-secret"];
  for (const c of ofType(declared, "docker:index/container:Container")) {
    const env = JSON.stringify(plainInput(c.inputs.envs) ?? []);
    assert.ok(!tokens.some((t) => env.includes(t)), `${c.name}'s environment holds a token`);
  }
});

test("the command that makes the management token prints a token of the form Consul and the secret check take", () => {
  const made = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const token = execFileSync("sh", ["-c", MANAGEMENT_TOKEN_COMMAND], { encoding: "utf8" }).trim();
    assert.equal(secretValueProblem("consulManagementToken", token, spec), undefined, token);
    made.add(token);
  }
  assert.equal(made.size, 20);
});

test("a management token the operator gives is used as it is: nothing makes one", async () => {
  const given = "0b7c2a6e-5d1f-4c8e-9a3b-2f6e8d4c1a90";
  const quorum = new MasterQuorum("given", {
    stack: "given",
    environment: "cert",
    hosts: [1, 2, 3].map((i) => ({
      id: `q${i}`,
      address: `10.0.0.${i}`,
      docker: { host: `ssh://root@10.0.0.${i}` },
    })),
    images: { zookeeper: "lhcb-platform/zookeeper:3.8.4", consul: "lhcb-platform/consul:1.16.6" },
    gossipKey: pulumi.secret("bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc="),
    consulManagementToken: pulumi.secret(given),
  });
  await settle(declared);
  assert.equal(
    declared.some((r) => r.name === "given-consul-management-token"),
    false,
  );
  const server = JSON.parse(uploadsOf("given-consul-server-q1").get("/consul/config/consul.json")!);
  assert.deepEqual(server.acl.tokens, { initial_management: given, agent: given });
  assert.equal(plainInput(byName(declared, "given-consul-api").inputs.token), given);
  assert.equal(await new Promise((r) => quorum.consul.managementToken!.apply(r)), given);
});

test("the local stack keeps Consul open: no ACL anywhere", () => {
  const local = loadPlatformFromStackFile(process.cwd(), "local");
  assert.equal(aclEnforced(local), false);
  assert.equal(aclEnforced(spec), true);
});

test("consul-esm checks its own stack's external nodes only: each instance's node carries the meta its configuration filters by", async () => {
  await platform.declared;
  await settle(declared);
  const config = JSON.parse(
    uploadsOf("platform-consul-esm-prod-master-1").get("/etc/consul-esm/config.hcl")!,
  ) as { external_node_meta: Record<string, string>; consul_service: string };
  assert.deepEqual(config.external_node_meta, { "external-node": "true", stack: "prod" });
  assert.equal(config.consul_service, "prod-consul-esm");
  const nodes = ofType(declared, "consul:index/node:Node");
  assert.equal(nodes.length, 7);
  for (const n of nodes) {
    const meta = n.inputs.meta as Record<string, string>;
    for (const [k, v] of Object.entries(config.external_node_meta))
      assert.equal(meta[k], v, n.name);
    // Its node's name is one the esm token may write (`node_prefix "prod-"`).
    assert.match(String(n.inputs.name), /^prod-/);
  }
});
