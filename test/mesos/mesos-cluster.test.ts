// The Mesos cluster under mocks: exact resources for the cert stack file.
import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  byName,
  countByType,
  installMocks,
  isSecretInput,
  ofType,
  settle,
  uploadsByPath,
} from "../support/mocks";

const declared = installMocks("cert");
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { HostInventory } from "../../components/hosts/host-inventory";
import { mesosAgentEnv, mesosMasterEnv } from "../../components/mesos/mesos-flags";
import { MesosCluster } from "../../components/mesos/mesos-cluster";
import { PlatformInputError } from "../../components/core/errors";

const spec = loadPlatformFromStackFile(process.cwd(), "cert");
const envs = (env: Record<string, string>) => Object.entries(env).map(([k, v]) => `${k}=${v}`);

test("cert: a master on each of the 3 masters, an agent on each of the 4 slaves", async () => {
  const inventory = new HostInventory("hosts", {
    stack: spec.stack,
    hosts: spec.hosts,
    local: spec.local,
  });
  const mesos = new MesosCluster("mesos", {
    spec,
    inventory,
    zookeeperPasswords: {
      mesosMaster: pulumi.secret("master-zk-password"),
      mesosAgent: pulumi.secret("agent-zk-password"),
    },
    mesosSecrets: {
      admin: pulumi.secret("admin-secret"),
      agent: pulumi.secret("agent-secret"),
      marathon: pulumi.secret("marathon-secret"),
      chronos: pulumi.secret("chronos-secret"),
    },
  });
  await settle(declared);

  const ours = declared.filter((r) => r.name.startsWith("mesos"));
  assert.deepEqual(countByType(ours), {
    "docker:index/container:Container": 7,
    "docker:index/volume:Volume": 3,
    "lhcb-platform:mesos:MesosCluster": 1,
  });
  assert.deepEqual(
    ofType(ours, "docker:index/container:Container")
      .map((r) => r.name)
      .sort(),
    [
      "mesos-agent-cert-slave-1",
      "mesos-agent-cert-slave-2",
      "mesos-agent-cert-slave-3",
      "mesos-agent-cert-slave-4",
      "mesos-master-cert-master-1",
      "mesos-master-cert-master-2",
      "mesos-master-cert-master-3",
    ],
  );
  assert.deepEqual(Object.keys(mesos.masters), ["cert-master-1", "cert-master-2", "cert-master-3"]);
  assert.deepEqual(Object.keys(mesos.agents), [
    "cert-slave-1",
    "cert-slave-2",
    "cert-slave-3",
    "cert-slave-4",
  ]);
  assert.equal(
    mesos.zkUrl,
    "zk://lbcertmaster01.cern.ch:2181,lbcertmaster02.cern.ch:2181,lbcertmaster03.cern.ch:2181/mesos",
  );
  assert.deepEqual(mesos.masterUrls, {
    "cert-master-1": "http://lbcertmaster01.cern.ch:5050",
    "cert-master-2": "http://lbcertmaster02.cern.ch:5050",
    "cert-master-3": "http://lbcertmaster03.cern.ch:5050",
  });

  const master = byName(declared, "mesos-master-cert-master-1");
  assert.match(master.provider ?? "", /::hosts-cert-master-1::/);
  assert.equal(master.inputs.name, "cert-mesos-master-cert-master-1");
  assert.equal(
    master.inputs.image,
    "gitlab-registry.cern.ch/lhcb-dirac/mesosphere/mesos-master:1.7.1",
  );
  assert.equal(master.inputs.networkMode, "host");
  assert.equal(master.inputs.restart, "always");
  assert.deepEqual(master.inputs.envs, envs(mesosMasterEnv(spec, spec.masters[0])));
  assert.deepEqual(master.inputs.volumes, [
    {
      volumeName: "cert-mesos-master-cert-master-1-work",
      containerPath: "/var/lib/mesos/master",
      readOnly: false,
    },
    {
      hostPath: "/var/lib/lhcb-platform/cert-mesos-whitelist-cert-master-1",
      containerPath: "/etc/mesos",
      readOnly: true,
    },
  ]);
  assert.deepEqual(master.inputs.healthcheck, {
    tests: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:5050/health"],
    interval: "5m0s",
    timeout: "3s",
    retries: 6,
    startPeriod: "30s",
  });
  assert.equal(
    byName(declared, "mesos-master-cert-master-1-var-lib-mesos-master").inputs.name,
    "cert-mesos-master-cert-master-1-work",
  );

  // Each one's ZooKeeper URL, with its own user and password, in a file uploaded as a secret.
  const zkHosts =
    "lbcertmaster01.cern.ch:2181,lbcertmaster02.cern.ch:2181,lbcertmaster03.cern.ch:2181";
  for (const [container, credential] of [
    ["mesos-master-cert-master-1", "mesos-master:master-zk-password"],
    ["mesos-agent-cert-slave-2", "mesos-agent:agent-zk-password"],
  ]) {
    assert.equal(
      uploadsByPath(declared, container).get("/etc/platform/zookeeper/mesos-url"),
      `zk://${credential}@${zkHosts}/mesos`,
    );
    assert.ok(isSecretInput(byName(declared, container).inputs.uploads), container);
  }
  // The masters hold every principal's secret; an agent its own and the operator's.
  assert.deepEqual(
    JSON.parse(
      uploadsByPath(declared, "mesos-master-cert-master-1").get(
        "/etc/platform/mesos/credentials.json",
      )!,
    ),
    {
      credentials: [
        { principal: "platform-admin", secret: "admin-secret" },
        { principal: "mesos-agent", secret: "agent-secret" },
        { principal: "marathon", secret: "marathon-secret" },
        { principal: "chronos", secret: "chronos-secret" },
      ],
    },
  );
  const agentFiles = uploadsByPath(declared, "mesos-agent-cert-slave-2");
  assert.deepEqual(
    [...agentFiles.keys()],
    [
      "/etc/platform/zookeeper/mesos-url",
      "/etc/platform/mesos/credential.json",
      "/etc/platform/mesos/http-credentials.json",
    ],
  );
  assert.equal(
    agentFiles.get("/etc/platform/mesos/credential.json"),
    '{"principal":"mesos-agent","secret":"agent-secret"}\n',
  );

  const agent = byName(declared, "mesos-agent-cert-slave-2");
  assert.match(agent.provider ?? "", /::hosts-cert-slave-2::/);
  assert.equal(agent.inputs.name, "cert-mesos-agent-cert-slave-2");
  assert.equal(
    agent.inputs.image,
    "gitlab-registry.cern.ch/lhcb-dirac/mesosphere/mesos-slave:1.7.1",
  );
  assert.equal(agent.inputs.networkMode, "host");
  assert.equal(agent.inputs.privileged, true);
  assert.deepEqual(agent.inputs.envs, envs(mesosAgentEnv(spec, spec.slaves[1])));
  assert.ok((agent.inputs.envs as string[]).includes("MESOS_RESOURCES=cpus:15;mem:31744"));
  assert.ok((agent.inputs.envs as string[]).includes("MESOS_ATTRIBUTES=disk:ssd;network:public"));
  assert.deepEqual(agent.inputs.volumes, [
    { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: false },
    {
      hostPath: "/var/lib/lhcb-platform/cert-mesos-agent-cert-slave-2",
      containerPath: "/var/lib/lhcb-platform/cert-mesos-agent-cert-slave-2",
      readOnly: false,
    },
  ]);
  assert.deepEqual((agent.inputs.healthcheck as { tests: string[] }).tests, [
    "CMD",
    "curl",
    "-fsS",
    "-o",
    "/dev/null",
    "http://127.0.0.1:5051/health",
  ]);
});

test("cert: without the ZooKeeper passwords and the Mesos principals' secrets, nothing is declared and the message names each", async () => {
  await settle(declared);
  const before = declared.length;
  const inventory = new HostInventory("hosts-without", {
    stack: spec.stack,
    hosts: spec.hosts,
    local: spec.local,
  });
  assert.throws(
    () => new MesosCluster("mesos-without", { spec, inventory }),
    new PlatformInputError([
      {
        file: "MesosClusterArgs",
        path: "zookeeperPasswords.mesosMaster",
        expected:
          "the ZooKeeper password of mesos-master (a secret: ZooKeeperEnsemble's passwords.mesosMaster), since ZooKeeper asks for credentials on cert",
      },
      {
        file: "MesosClusterArgs",
        path: "zookeeperPasswords.mesosAgent",
        expected:
          "the ZooKeeper password of mesos-agent (a secret: ZooKeeperEnsemble's passwords.mesosAgent), since ZooKeeper asks for credentials on cert",
      },
    ]),
  );
  assert.throws(
    () =>
      new MesosCluster("mesos-without", {
        spec,
        inventory,
        zookeeperPasswords: { mesosMaster: "m", mesosAgent: "a" },
        mesosSecrets: { admin: "s", agent: "s" },
      }),
    new PlatformInputError(
      ["marathon", "chronos"].map((p) => ({
        file: "MesosClusterArgs",
        path: `mesosSecrets.${p}`,
        expected: `the secret of the Mesos principal ${p} (a secret: \`mesosSecrets\`), since Mesos asks for credentials on cert`,
      })),
    ),
  );
  await settle(declared);
  assert.deepEqual(
    declared.slice(before).filter((r) => r.name.startsWith("mesos-without")),
    [],
  );
});
