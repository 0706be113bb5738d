// Mesos master and agent flags (MESOS_* environment) and container specs: exact values.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stackConfigSchema } from "../../components/core/config-schema";
import { PlatformSpec, resolvePlatform } from "../../components/core/platform-spec";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { agentWorkDir, whitelistHostDir } from "../../components/mesos/host-paths";
import {
  agentAttributes,
  agentResources,
  mesosAgentEnv,
  mesosAgentHostname,
  mesosMasterEnv,
  mesosZkUrl,
} from "../../components/mesos/mesos-flags";
import { mesosAgentContainer, mesosMasterContainer } from "../../components/mesos/mesos-containers";
import { ContainerSpec } from "../../components/core/container-spec";

const cert = loadPlatformFromStackFile(process.cwd(), "cert");
const local = loadPlatformFromStackFile(process.cwd(), "local");

/** A platform with `n` masters (local for 1, prod otherwise), resolved as the program would. */
function withMasters(n: number): PlatformSpec {
  const environment = n === 1 ? "local" : "prod";
  const docker = environment === "local" ? {} : { docker: { host: "ssh://root@example.org" } };
  const host = (id: string, roles: string[]) => ({
    id,
    address: `${id}.example.org`,
    roles,
    cpus: 4,
    memoryMb: 8192,
    ...docker,
  });
  const config = stackConfigSchema.parse({
    environment,
    features: { mesos: true, logging: false, metrics: false, grafana: false },
    adminNetworks: ["192.0.2.10"],
    hosts: [
      ...Array.from({ length: n }, (_, i) => host(`m${i + 1}`, ["master"])),
      host("s1", ["slave"]),
      host("lb1", ["lb"]),
      host("lb2", ["lb"]),
    ],
  });
  return resolvePlatform(
    config,
    { file: "catalog.yaml", services: [], agents: [] },
    { stack: "t", configFile: "Pulumi.t.yaml", configPrefix: "config.lhcb-platform:" },
  );
}

const quorumTable: [number, string, string][] = [
  [1, "1", "zk://t-zookeeper-m1:2181/mesos"],
  [3, "2", "zk://m1.example.org:2181,m2.example.org:2181,m3.example.org:2181/mesos"],
  [
    5,
    "3",
    "zk://m1.example.org:2181,m2.example.org:2181,m3.example.org:2181,m4.example.org:2181,m5.example.org:2181/mesos",
  ],
];

/** The URL a Mesos flag gives: the value, or the content of the container's file it names. */
function urlOf(flag: string, c: ContainerSpec): string {
  if (!flag.startsWith("file://")) return flag;
  const file = c.files?.find((f) => `file://${f.path}` === flag);
  assert.ok(file, `${c.name}: no file ${flag}`);
  return file.content;
}

for (const [n, quorum, zk] of quorumTable) {
  test(`${n} master(s): quorum ${quorum}, every master and agent on the same zk url, with its own ZooKeeper user but on local`, () => {
    const spec = withMasters(n);
    const as = (user: string) =>
      spec.local ? zk : zk.replace("zk://", `zk://${user}:@@secret:zookeeperPassword@@@`);
    assert.equal(mesosZkUrl(spec), zk);
    for (const m of spec.masters) {
      const env = mesosMasterEnv(spec, m);
      assert.equal(env.MESOS_QUORUM, quorum);
      assert.equal(urlOf(env.MESOS_ZK, mesosMasterContainer(spec, m)), as("mesos-master"));
    }
    const agent = mesosAgentContainer(spec, spec.slaves[0]);
    assert.equal(urlOf(agent.env!.MESOS_MASTER, agent), as("mesos-agent"));
  });
}

test("where ZooKeeper and Mesos ask for credentials, they are in files of the container, not in its environment", () => {
  for (const [c, files] of [
    [
      mesosMasterContainer(cert, cert.masters[0]),
      ["/etc/platform/zookeeper/mesos-url", "/etc/platform/mesos/credentials.json"],
    ],
    [
      mesosAgentContainer(cert, cert.slaves[0]),
      [
        "/etc/platform/zookeeper/mesos-url",
        "/etc/platform/mesos/credential.json",
        "/etc/platform/mesos/http-credentials.json",
      ],
    ],
  ] as const) {
    assert.deepEqual(
      c.files?.map((f) => f.path),
      files,
    );
    assert.equal(JSON.stringify(c.env).includes("@@secret:"), false);
  }
  for (const c of [
    mesosMasterContainer(local, local.masters[0]),
    mesosAgentContainer(local, local.slaves[0]),
  ])
    assert.equal(c.files, undefined);
});

const CERT_ZK = "file:///etc/platform/zookeeper/mesos-url";

test("cert master env, exactly", () => {
  assert.deepEqual(mesosMasterEnv(cert, cert.masters[1]), {
    MESOS_ZK: CERT_ZK,
    MESOS_QUORUM: "2",
    MESOS_CLUSTER: "cert",
    MESOS_HOSTNAME: "lbcertmaster02.cern.ch",
    MESOS_PORT: "5050",
    MESOS_WORK_DIR: "/var/lib/mesos/master",
    MESOS_REGISTRY: "replicated_log",
    MESOS_WHITELIST: "file:///etc/mesos/whitelist",
    MESOS_OFFER_TIMEOUT: "30secs",
    MESOS_AUTHENTICATE_AGENTS: "true",
    MESOS_AUTHENTICATE_FRAMEWORKS: "true",
    MESOS_AUTHENTICATE_HTTP_FRAMEWORKS: "true",
    MESOS_HTTP_FRAMEWORK_AUTHENTICATORS: "basic",
    MESOS_AUTHENTICATE_HTTP_READWRITE: "true",
    MESOS_AUTHENTICATE_HTTP_READONLY: "true",
    MESOS_CREDENTIALS: "/etc/platform/mesos/credentials.json",
    MESOS_ACLS:
      '{"register_frameworks":[{"principals":{"values":["marathon","chronos"]},"roles":{"type":"ANY"}},{"principals":{"type":"ANY"},"roles":{"type":"NONE"}}]}',
  });
});

test("cert agent env, exactly: resources minus the reserve, attributes from the labels", () => {
  assert.deepEqual(mesosAgentEnv(cert, cert.slaves[3]), {
    MESOS_MASTER: CERT_ZK,
    MESOS_HOSTNAME: "lbcertvobox04.cern.ch",
    MESOS_PORT: "5051",
    MESOS_WORK_DIR: "/var/lib/lhcb-platform/cert-mesos-agent-cert-slave-4",
    MESOS_RESOURCES: "cpus:7;mem:15360",
    MESOS_ATTRIBUTES: "disk:ssd;network:internal",
    MESOS_CONTAINERIZERS: "docker,mesos",
    MESOS_EXECUTOR_REGISTRATION_TIMEOUT: "5mins",
    MESOS_DOCKER_MESOS_IMAGE: "gitlab-registry.cern.ch/lhcb-dirac/mesosphere/mesos-slave:1.7.1",
    MESOS_SYSTEMD_ENABLE_SUPPORT: "false",
    MESOS_CREDENTIAL: "/etc/platform/mesos/credential.json",
    MESOS_AUTHENTICATE_HTTP_READWRITE: "true",
    MESOS_AUTHENTICATE_HTTP_READONLY: "true",
    MESOS_HTTP_CREDENTIALS: "/etc/platform/mesos/http-credentials.json",
  });
});

test("agent resources: the host minus 1 CPU and 1 GiB; refused when nothing is left", () => {
  const table: [number, number, string][] = [
    [16, 32768, "cpus:15;mem:31744"],
    [12, 24576, "cpus:11;mem:23552"],
    [2, 4096, "cpus:1;mem:3072"],
    [1.5, 2048, "cpus:0.5;mem:1024"],
    [2.2, 1500, "cpus:1.2;mem:476"],
  ];
  for (const [cpus, memoryMb, expected] of table)
    assert.equal(agentResources({ id: "h", cpus, memoryMb }), expected);
  assert.throws(
    () => agentResources({ id: "tiny", cpus: 1, memoryMb: 4096 }),
    /host tiny \(1 CPUs, 4096 MiB\) leaves nothing for Mesos tasks/,
  );
  assert.throws(() => agentResources({ id: "small", cpus: 4, memoryMb: 1024 }), /host small/);
});

test("agent attributes: sorted by label, none without labels, refused when Mesos would misread them", () => {
  assert.equal(
    agentAttributes({ id: "h", labels: { zone: "a", disk: "ssd", rack: "r-12.b" } }),
    "disk:ssd;rack:r-12.b;zone:a",
  );
  assert.equal(agentAttributes({ id: "h", labels: {} }), undefined);
  assert.throws(
    () => agentAttributes({ id: "h", labels: { zone: "a;b" } }),
    /host h: label zone="a;b" cannot be a Mesos attribute value/,
  );
  assert.throws(
    () => agentAttributes({ id: "h", labels: { zone: "a b" } }),
    /cannot be a Mesos attribute value/,
  );
});

test("local stack: masters and agents are named after their containers", () => {
  assert.equal(mesosAgentHostname(local, local.slaves[0]), "local-mesos-agent-slave-1");
  assert.equal(
    mesosMasterEnv(local, local.masters[0]).MESOS_HOSTNAME,
    "local-mesos-master-master-1",
  );
  assert.equal(
    mesosZkUrl(local),
    "zk://local-zookeeper-master-1:2181,local-zookeeper-master-2:2181,local-zookeeper-master-3:2181/mesos",
  );
  assert.equal(mesosAgentEnv(local, local.slaves[1]).MESOS_ATTRIBUTES, "disk:hdd;zone:b");
});

test("host paths carry the stack and host", () => {
  assert.equal(
    agentWorkDir(cert, "cert-slave-1"),
    "/var/lib/lhcb-platform/cert-mesos-agent-cert-slave-1",
  );
  assert.equal(
    whitelistHostDir(cert, "cert-master-1"),
    "/var/lib/lhcb-platform/cert-mesos-whitelist-cert-master-1",
  );
});

test("master container: host network, registry volume, whitelist directory read-only, /health check", () => {
  const c = mesosMasterContainer(cert, cert.masters[0]);
  assert.equal(c.name, "cert-mesos-master-cert-master-1");
  assert.equal(c.image, "gitlab-registry.cern.ch/lhcb-dirac/mesosphere/mesos-master:1.7.1");
  assert.equal(c.hostNetwork, true);
  assert.equal(c.restart, "always");
  assert.deepEqual(c.volumes, [
    { volume: "cert-mesos-master-cert-master-1-work", containerPath: "/var/lib/mesos/master" },
    {
      hostPath: "/var/lib/lhcb-platform/cert-mesos-whitelist-cert-master-1",
      containerPath: "/etc/mesos",
      readOnly: true,
    },
  ]);
  assert.deepEqual(c.healthcheck, {
    test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:5050/health"],
    intervalSeconds: 300,
    timeoutSeconds: 3,
    retries: 6,
    startPeriodSeconds: 30,
  });
  assert.deepEqual(c.labels, {
    "platform.stack": "cert",
    "platform.component": "mesos-master",
    "platform.host": "cert-master-1",
  });
});

test("agent container: privileged, Docker socket, work dir at the same path, /health check", () => {
  const c = mesosAgentContainer(cert, cert.slaves[0]);
  assert.equal(c.name, "cert-mesos-agent-cert-slave-1");
  assert.equal(c.image, "gitlab-registry.cern.ch/lhcb-dirac/mesosphere/mesos-slave:1.7.1");
  assert.equal(c.privileged, true);
  assert.equal(c.hostNetwork, true);
  assert.deepEqual(c.volumes, [
    { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" },
    {
      hostPath: "/var/lib/lhcb-platform/cert-mesos-agent-cert-slave-1",
      containerPath: "/var/lib/lhcb-platform/cert-mesos-agent-cert-slave-1",
    },
  ]);
  assert.deepEqual(c.healthcheck?.test, [
    "CMD",
    "curl",
    "-fsS",
    "-o",
    "/dev/null",
    "http://127.0.0.1:5051/health",
  ]);
  assert.equal(c.stopGraceSeconds, 30);
});
