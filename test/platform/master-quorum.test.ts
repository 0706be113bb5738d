// The master quorum alone, on a project's own hosts, under mocks: exactly the two quorums, on
// those hosts' engines, and bad arguments stopped before anything is declared.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  byName,
  countByType,
  dependenciesOf,
  installMocks,
  isSecretInput,
  plainInput,
  settle,
} from "../support/mocks";

const declared = installMocks("quorum");
import { PlatformInputError } from "../../components/core/errors";
import { PASSWORD_COMMAND } from "../../components/core/generated-secret";
import { MasterQuorum, quorumSpec, quorumSpecOf } from "../../components/master-quorum";
import { MasterQuorum as PackageMasterQuorum } from "../../components/provider/quorum-component";
import { ZOOKEEPER_IDS_GUARD_COMMAND } from "../../components/zookeeper/zookeeper-ids-guard";

const images = {
  zookeeper: "registry.example/zookeeper:3.8",
  consul: "registry.example/consul:1.16.6",
};
const hosts = ["q1", "q2", "q3"].map((id) => ({
  id,
  address: `${id}.example.org`,
  docker: { host: `ssh://root@${id}.example.org` },
}));
/** The quorum of three site hosts on prod, with its gossip key. */
const siteQuorum = {
  stack: "site",
  environment: "prod" as const,
  hosts,
  images,
  gossipKey: pulumi.secret("a2V5LWtleS1rZXkta2V5LWtleS1rZXkta2V5LWtleTA="),
};

test("three hosts of a site: a ZooKeeper member and a Consul server on each, through each host's engine, nothing else", async () => {
  const quorum = new MasterQuorum("coord", siteQuorum);
  await settle(declared);
  assert.deepEqual(countByType(declared), {
    "lhcb-platform:index:MasterQuorum": 1,
    "lhcb-platform:hosts:HostInventory": 1,
    "lhcb-platform:zookeeper:ZooKeeperEnsemble": 1,
    "lhcb-platform:consul:ConsulCluster": 1,
    "pulumi:providers:docker": 3,
    "pulumi:providers:consul": 1,
    // Each host's engine gets the platform network, as under Platform; the members use the host's.
    "docker:index/network:Network": 3,
    "docker:index/container:Container": 6,
    "docker:index/volume:Volume": 6,
    // Each member's readiness, the Consul leader, the management token made at `up`,
    // Consul's TLS (the CA and a certificate per server), the step that puts the gossip key in
    // use, ZooKeeper's admin password, the step that keeps its ids and the one that sets its ACLs,
    // and per server the step that forgets its Consul node once it goes, if lost.
    "command:local:Command": 19,
    "lhcb-platform:consul:ConsulTls": 1,
    // Consul's ACLs (prod): a policy per client role and the slave hosts', a token per role.
    "lhcb-platform:consul:ConsulAcl": 1,
    "consul:index/aclPolicy:AclPolicy": 4,
    "consul:index/aclToken:AclToken": 3,
  });
  const containers = declared.filter((r) => r.type === "docker:index/container:Container");
  assert.deepEqual(
    containers.map((c) => [c.inputs.name, c.inputs.image, c.inputs.networkMode]).sort(),
    [
      ...["q1", "q2", "q3"].map((h) => [`site-consul-server-${h}`, images.consul, "host"]),
      ...["q1", "q2", "q3"].map((h) => [`site-zookeeper-${h}`, images.zookeeper, "host"]),
    ],
  );
  for (const c of containers)
    assert.match(
      c.provider ?? "",
      new RegExp(`::coord-hosts-${String(c.inputs.name).slice(-2)}::`),
    );
  assert.equal(
    quorum.zookeeperConnect,
    "q1.example.org:2181,q2.example.org:2181,q3.example.org:2181",
  );
  // ZooKeeper asks for credentials (prod): without Mesos, only the admin's, and only the top znode's ACL.
  const acl = byName(declared, "coord-zookeeper-acl");
  assert.deepEqual(dependenciesOf("coord-zookeeper-acl"), [
    "coord-zookeeper-password-platform-admin",
    "coord-zookeeper-q1",
    "coord-zookeeper-q2",
    "coord-zookeeper-q3",
    "coord-zookeeper-q3-ready",
  ]);
  assert.ok(isSecretInput(acl.inputs.environment));
  const env = plainInput(acl.inputs.environment) as Record<string, string>;
  assert.equal(env.ZK_MEMBERS, "q1.example.org:2181,q2.example.org:2181,q3.example.org:2181");
  assert.deepEqual(JSON.parse(env.ZK_TREES), [
    {
      path: "/",
      acl: [
        { who: "anyone", perms: "r" },
        { who: "platform-admin", perms: "cdrwa" },
      ],
      subtree: false,
    },
  ]);
  assert.deepEqual(Object.keys(JSON.parse(env.ZK_PASSWORDS)), ["platform-admin"]);
  assert.deepEqual(byName(declared, "coord-zookeeper-password-platform-admin").inputs, {
    create: PASSWORD_COMMAND,
    logging: "none",
  });
  // Before the first member: the step that stops an `up` changing a running member's id.
  const planned = JSON.stringify(
    ["q1", "q2", "q3"].map((h, i) => ({ id: i + 1, address: `${h}.example.org`, host: h })),
  );
  const ids = byName(declared, "coord-zookeeper-ids");
  assert.equal(ids.inputs.create, ZOOKEEPER_IDS_GUARD_COMMAND);
  assert.deepEqual(ids.inputs.triggers, [planned]);
  assert.equal((ids.inputs.environment as Record<string, string>).ZK_PLANNED, planned);
  assert.deepEqual(dependenciesOf("coord-zookeeper-ids"), []);
  assert.ok(dependenciesOf("coord-zookeeper-q1").includes("coord-zookeeper-ids"));
});

test("masters moved, each with its zookeeperId: every member keeps its id; two with one id are refused", async () => {
  const [q1, q2, q3] = hosts;
  const moved = [
    { ...q3, zookeeperId: 3 },
    { ...q1, zookeeperId: 1 },
    { ...q2, zookeeperId: 2 },
  ];
  new MasterQuorum("moved", { ...siteQuorum, stack: "moved", hosts: moved });
  await settle(declared);
  for (const [host, id] of [
    ["q3", "3"],
    ["q1", "1"],
    ["q2", "2"],
  ]) {
    const envs = byName(declared, `moved-zookeeper-${host}`).inputs.envs as string[];
    assert.ok(envs.includes(`ZOO_MY_ID=${id}`), host);
    const ready = byName(declared, `moved-zookeeper-${host}-ready`).inputs.environment;
    assert.equal((ready as Record<string, string>).PROBE_ZK_MYID, id, host);
  }
  // The members follow the list: the second (q1) completes a majority and must serve.
  const mustServe = (h: string) =>
    (byName(declared, `moved-zookeeper-${h}-ready`).inputs.environment as Record<string, string>)
      .PROBE_MUST_SERVE;
  assert.deepEqual(["q3", "q1", "q2"].map(mustServe), [undefined, "1", "1"]);
  assert.deepEqual(
    JSON.parse(
      (byName(declared, "moved-zookeeper-ids").inputs.environment as Record<string, string>)
        .ZK_PLANNED,
    ).map((m: { id: number; host: string }) => [m.host, m.id]),
    [
      ["q3", 3],
      ["q1", 1],
      ["q2", 2],
    ],
  );
  assert.throws(
    () =>
      quorumSpec({
        stack: "site",
        environment: "prod",
        images,
        hosts: [{ ...q1, zookeeperId: 2 }, q2, q3],
      }),
    new PlatformInputError([
      {
        file: "MasterQuorumArgs",
        path: "hosts[1].zookeeperId",
        expected:
          "a ZooKeeper id no other master has; q2 would have 2 (its place among the masters), as hosts[0] (q1) has",
      },
    ]),
  );
  // On one Docker Engine the members' fixed addresses follow their ids: 19 of them.
  assert.throws(
    () =>
      quorumSpec({
        stack: "dev",
        environment: "local",
        images,
        hosts: [{ ...q1, zookeeperId: 20 }, q2, q3],
      }),
    new PlatformInputError([
      {
        file: "MasterQuorumArgs",
        path: "hosts[0].zookeeperId",
        expected:
          "at most 19 on the local stack, whose network has fixed addresses for 19 members; got 20",
      },
    ]),
  );
});

test("bad arguments: every problem at once, naming MasterQuorumArgs and the path", async () => {
  const problems = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof PlatformInputError);
      return e.message.split("\n");
    }
    assert.fail("no error");
  };
  assert.deepEqual(
    problems(() =>
      quorumSpec({
        stack: "site",
        environment: "prod",
        hosts: [hosts[0], { ...hosts[1], docker: undefined }],
        images,
      }),
    ),
    [
      "MasterQuorumArgs: hosts: expected an odd number of at least 3 master hosts for prod, got 2: the quorum of 2 would tolerate no failure",
      "MasterQuorumArgs: hosts[1].docker: a Docker endpoint (ssh:// or tcp://) for a prod host",
    ],
  );
  assert.match(
    problems(() => quorumSpec({ stack: "Site", environment: "local", hosts, images }))[0],
    /^MasterQuorumArgs: stack: expected a lower-case stack name$/,
  );
  const before = declared.length;
  assert.throws(
    () => new MasterQuorum("q", { stack: "site", environment: "prod", hosts, images }),
    new PlatformInputError([
      {
        file: "MasterQuorumArgs",
        path: "gossipKey",
        expected:
          "Consul's gossip encryption key (a secret, `consul keygen`): gossip is encrypted on prod",
      },
    ]),
  );
  // A host prepared over SSH, and no key to prepare it with.
  const prepared = [{ ...hosts[0], prepare: { commands: ["true"] } }, ...hosts.slice(1)];
  assert.throws(
    () =>
      new MasterQuorum("p", {
        stack: "site",
        environment: "prod",
        hosts: prepared,
        images,
        gossipKey: pulumi.secret("a2V5LWtleS1rZXkta2V5LWtleS1rZXkta2V5LWtleTA="),
      }),
    new PlatformInputError([
      {
        file: "MasterQuorumArgs",
        path: "sshPrivateKey",
        expected: `the SSH private key the hosts' prepare commands run with (a secret): host ${hosts[0].id} has prepare`,
      },
    ]),
  );
  await settle(declared);
  assert.equal(declared.length, before, "nothing is declared");
});

test("the arguments' Consul CAs reach the spec (a rotation's step); without them, slot a signs and is trusted", () => {
  const args = {
    stack: "site",
    environment: "prod" as const,
    hosts,
    images,
    gossipKey: pulumi.secret("a2V5LWtleS1rZXkta2V5LWtleS1rZXkta2V5LWtleTA="),
  };
  assert.deepEqual(
    quorumSpecOf({ ...args, consulTlsCa: { issuer: "b", trusted: ["a", "b"] } }).consul.tlsCa,
    { issuer: "b", trusted: ["a", "b"] },
  );
  assert.deepEqual(quorumSpecOf(args).consul.tlsCa, { issuer: "a", trusted: ["a"] });
});

test("the package's MasterQuorum passes its Consul CAs on: a step of a rotation makes CA b", async () => {
  new PackageMasterQuorum("pkg", {
    stack: "site",
    environment: "prod",
    hosts,
    images,
    gossipKey: pulumi.secret("a2V5LWtleS1rZXkta2V5LWtleS1rZXkta2V5LWtleTA="),
    consulTlsCa: { issuer: "b", trusted: ["a", "b"] },
  });
  await settle(declared);
  assert.deepEqual(
    declared
      .map((r) => r.name)
      .filter((n) => n.startsWith("pkg-consul-tls-ca"))
      .sort(),
    ["pkg-consul-tls-ca", "pkg-consul-tls-ca-b"],
  );
});

test("a registry login: each host's Engine pulls as registryUser with its secret password, from the host both images name", async () => {
  new PackageMasterQuorum("login", {
    ...siteQuorum,
    registryUser: "deploy",
    registryPassword: pulumi.secret("s3cret-pass"),
  });
  await settle(declared);
  const providers = declared.filter(
    (r) => r.type === "pulumi:providers:docker" && r.name.startsWith("login-"),
  );
  assert.deepEqual(providers.map((p) => p.name).sort(), [
    "login-hosts-q1",
    "login-hosts-q2",
    "login-hosts-q3",
  ]);
  for (const p of providers) {
    assert.ok(isSecretInput(p.inputs.registryAuth), p.name);
    assert.deepEqual(JSON.parse(plainInput(p.inputs.registryAuth) as string), [
      { address: "registry.example", username: "deploy", password: "s3cret-pass" },
    ]);
  }
  // None without a user.
  new PackageMasterQuorum("anon", siteQuorum);
  await settle(declared);
  const anonymous = declared.filter(
    (r) => r.type === "pulumi:providers:docker" && r.name.startsWith("anon-hosts-"),
  );
  assert.equal(anonymous.length, 3);
  for (const p of anonymous) assert.equal(p.inputs.registryAuth, undefined, p.name);
});

test("a registry login without its password, or with images from no registry host or two, is refused naming the argument", () => {
  const base = { stack: "site", environment: "prod" as const, hosts, images, gossipKey: "k" };
  const problems = (args: Parameters<typeof quorumSpecOf>[0]) => {
    try {
      quorumSpecOf(args);
    } catch (e) {
      if (e instanceof PlatformInputError) return e.problems.map((p) => `${p.path}: ${p.expected}`);
      throw e;
    }
    return [];
  };
  assert.deepEqual(problems({ ...base, registryUser: "deploy" }), [
    "registryPassword: registryUser's password (a secret): the hosts pull the images as deploy",
  ]);
  assert.deepEqual(
    problems({
      ...base,
      images: { zookeeper: "zookeeper:3.8", consul: "registry.example/consul:1.16.6" },
      registryUser: "deploy",
      registryPassword: "p",
    }),
    [
      "images: both images from the one registry host registryUser logs in to (registry.example.org[:port]/...); they name Docker Hub and registry.example",
    ],
  );
  assert.deepEqual(
    problems({
      ...base,
      images: { ...images, consul: "other.example:5000/consul:1.16.6" },
      registryUser: "deploy",
      registryPassword: "p",
    }),
    [
      "images: both images from the one registry host registryUser logs in to (registry.example.org[:port]/...); they name registry.example and other.example:5000",
    ],
  );
  assert.deepEqual(problems({ ...base, registryUser: "deploy", registryPassword: "p" }), []);
});
