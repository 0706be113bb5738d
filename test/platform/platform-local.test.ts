// The local stack under mocks: the docker, consul and command providers declare every container,
// registration and wait on the one local Engine, exactly as on cert and prod.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  byName,
  countByType,
  deleteBeforeReplaceOf,
  dependenciesOf,
  installMocks,
  ofType,
  settle,
  valueOf,
} from "../support/mocks";

const declared = installMocks("local");
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { Platform } from "../../components/platform";
import {
  CONSUL_HANDOVER_COMMAND,
  CONSUL_HANDOVER_PROGRAM,
  QUORUM_PROBE_COMMAND,
  QUORUM_PROBE_PROGRAM,
} from "../../components/core/quorum-probe";
import { PROBE_COMMAND, PROBE_PROGRAM } from "../../components/core/readiness";
import {
  DRAIN_GATE_COMMAND,
  DRAINED_IN_BALANCER_SCRIPT,
  GATE_COMMAND,
  GATE_PROGRAM,
  IN_BALANCER_SCRIPT,
} from "../../components/haproxy/balancer-gate";

const spec = loadPlatformFromStackFile(process.cwd(), "local");
const platform = new Platform("platform", { spec });

test("the local stack declares provider resources and components only", async () => {
  await settle(declared);
  const counts = countByType(declared);
  assert.deepEqual(
    Object.entries(counts).filter(([t]) => !t.startsWith("lhcb-platform:")),
    [
      // The wait for a Consul leader, the step that keeps ZooKeeper's ids, the readiness of each
      // ZooKeeper member and Consul server, the creation of cAdvisor's database, MariaDB's password and readiness, per instance its
      // probe and drain, per balancer the wait until it listens, and per instance replaced in its
      // place (ResourceStatus' 2) the wait until both balancers serve it; per host with a Consul
      // process (3 servers, 6 agents) the step that forgets its node once it goes, if lost.
      ["command:local:Command", 1 + 1 + 3 + 3 + 1 + 2 + 12 + 2 + 2 + 9],
      // One external node per slave that holds service instances.
      ["consul:index/node:Node", 3],
      ["consul:index/service:Service", 12],
      // One cAdvisor and its Docker API proxy for the one Engine, not one per slave.
      ["docker:index/container:Container", 41],
      ["docker:index/network:Network", 1],
      ["docker:index/volume:Volume", 14],
      ["pulumi:providers:consul", 1],
      ["pulumi:providers:docker", 1],
    ],
  );
  const containers = ofType(declared, "docker:index/container:Container")
    .map((r) => withoutRevision(r))
    .sort();
  assert.deepEqual(
    containers,
    [
      "local-configuration-server-slave-1",
      "local-configuration-server-slave-2",
      "local-configuration-server-slave-3",
      "local-consul-agent-lb-1",
      "local-consul-agent-lb-2",
      "local-consul-agent-ops-1",
      "local-consul-agent-slave-1",
      "local-consul-agent-slave-2",
      "local-consul-agent-slave-3",
      "local-consul-esm-master-1",
      "local-consul-esm-master-2",
      "local-consul-server-master-1",
      "local-consul-server-master-2",
      "local-consul-server-master-3",
      "local-datamanagement-storageelement-slave-1",
      "local-datamanagement-storageelement-slave-3",
      "local-dirac-database-ops-1",
      "local-resourcestatus-resourcestatus-slave-1",
      "local-resourcestatus-resourcestatus-slave-3",
      "local-sample-proxied-slave-2",
      "local-sample-proxied-slave-3",
      "local-sample-web-slave-1",
      "local-sample-web-slave-2",
      "local-sample-web-slave-3",
      "local-influxdb-ops-1",
      "local-lb-lb-1",
      "local-lb-lb-2",
      "local-metrics-shipper-slave-1",
      "local-metrics-shipper-slave-2",
      "local-metrics-shipper-slave-3",
      "local-transformation-transformationagent-slave-1",
      "local-transformation-transformationagent-slave-3",
      "local-transformation-inputdataagent-slave-1",
      "local-transformation-inputdataagent-slave-3",
      "local-sample-longrun-slave-2",
      "local-sample-longrun-slave-3",
      "local-zookeeper-master-1",
      "local-zookeeper-master-2",
      "local-zookeeper-master-3",
      // One cAdvisor for the one Docker Engine every local host is a name on.
      "local-cadvisor-slave-1",
      "local-cadvisor-docker-api-slave-1",
    ].sort(),
  );
  for (const r of ofType(declared, "docker:index/container:Container")) {
    assert.deepEqual(
      (r.inputs.networksAdvanced as { name: string }[]).map((n) => n.name),
      ["local-net"],
      r.name,
    );
    // Nothing waits on a Docker health check (docs/promises.md).
    assert.equal(r.inputs.wait, undefined, r.name);
  }
});

test("every instance is registered in the Consul catalog once a direct probe of its check passed", async () => {
  await settle(declared);
  const regs = ofType(declared, "consul:index/service:Service");
  // Each registration's id is its instance's container's name, revision included.
  const containerNames = new Map(
    ofType(declared, "docker:index/container:Container").map((r) => [r.name, r.inputs.name]),
  );
  for (const r of regs) {
    assert.match(r.inputs.serviceId as string, /-[0-9a-f]{8}$/);
    assert.equal(
      r.inputs.serviceId,
      containerNames.get(r.name.replace(/-registration$/, "")),
      r.name,
    );
  }
  const ids = regs.map((r) => (r.inputs.serviceId as string).slice(0, -9)).sort();
  assert.deepEqual(ids, [
    "local-configuration-server-slave-1",
    "local-configuration-server-slave-2",
    "local-configuration-server-slave-3",
    "local-datamanagement-storageelement-slave-1",
    "local-datamanagement-storageelement-slave-3",
    "local-resourcestatus-resourcestatus-slave-1",
    "local-resourcestatus-resourcestatus-slave-3",
    "local-sample-proxied-slave-2",
    "local-sample-proxied-slave-3",
    "local-sample-web-slave-1",
    "local-sample-web-slave-2",
    "local-sample-web-slave-3",
  ]);
  for (const r of regs) {
    assert.equal(
      r.name,
      `platform-services-${(r.inputs.serviceId as string).slice("local-".length, -9)}-registration`,
    );
    assert.equal(
      r.inputs.node,
      `local-${(r.inputs.meta as Record<string, string>).host}-instances`,
    );
  }
  // Each instance's probe: the same check as its registration's, at the container's address on the
  // platform network (where this machine reaches it; the mocks give no address, so the container name).
  const ready = Object.fromEntries(
    ofType(declared, "command:local:Command")
      .filter((r) => r.name.startsWith("platform-services-") && r.name.endsWith("-ready"))
      .map((r) => [r.name, r.inputs]),
  );
  assert.equal(Object.keys(ready).length, 12);
  const probe = (key: string) =>
    ready[`platform-services-${key}-ready`] as {
      create: string;
      delete: string;
      environment: Record<string, string>;
    };
  const named = (key: string) => containerNames.get(`platform-services-${key}`) as string;
  const localBalancers = JSON.stringify([
    { id: "lb-1", engine: { host: "unix:///var/run/docker.sock" }, container: "local-lb-lb-1" },
    { id: "lb-2", engine: { host: "unix:///var/run/docker.sock" }, container: "local-lb-lb-2" },
  ]);
  // Its drain asks both balancers, through the one local Engine, until neither has it in service.
  assert.deepEqual(probe("sample-web-slave-2").environment, {
    PROBE_PROGRAM,
    PROBE_WHAT: `instance ${named("sample-web-slave-2")} of Sample/Web`,
    PROBE_TIMEOUT_SECONDS: "120",
    PROBE_HTTP: `http://${named("sample-web-slave-2")}:9162/ping`,
    GATE_PROGRAM,
    GATE_SCRIPT: DRAINED_IN_BALANCER_SCRIPT,
    GATE_WHAT: `instance ${named("sample-web-slave-2")} of Sample/Web`,
    GATE_FAILURE: "still in service on a balancer; stopped anyway",
    GATE_BACKEND: "be_sample_web",
    GATE_SERVER: named("sample-web-slave-2"),
    GATE_BALANCERS: localBalancers,
    GATE_TIMEOUT_SECONDS: "20",
    GATE_GONE_PASSES: "1",
  });
  assert.equal(
    probe("datamanagement-storageelement-slave-3").environment.PROBE_HTTP,
    `http://${named("datamanagement-storageelement-slave-3")}:19148/ping`,
  );
  assert.equal(
    probe("configuration-server-slave-1").environment.PROBE_HTTP,
    `http://${named("configuration-server-slave-1")}:19135/ping`,
  );
  // Every drain waits until no balancer has the instance in service (at most 20 s, never failing);
  // DIRAC's instances then drain themselves when their container stops, the sample's get 0.5 s
  // for the calls still under way. A change of the environment alone probes nothing.
  const commands = Object.entries(ready).map(([name, r]) => {
    const { create, update, delete: drain } = r as Record<string, string>;
    return [name.replace(/^platform-services-|-slave-\d-ready$/g, ""), create, update, drain];
  });
  assert.equal(DRAIN_GATE_COMMAND, 'node -e "$GATE_PROGRAM" || true');
  assert.deepEqual([...new Set(commands.map((c) => c.join(" | ")))].sort(), [
    `configuration-server | ${PROBE_COMMAND} | exit 0 | ${DRAIN_GATE_COMMAND}`,
    `datamanagement-storageelement | ${PROBE_COMMAND} | exit 0 | ${DRAIN_GATE_COMMAND}`,
    `resourcestatus-resourcestatus | ${PROBE_COMMAND} | exit 0 | ${DRAIN_GATE_COMMAND}`,
    `sample-proxied | ${PROBE_COMMAND} | exit 0 | ${DRAIN_GATE_COMMAND}; sleep 0.5`,
    `sample-web | ${PROBE_COMMAND} | exit 0 | ${DRAIN_GATE_COMMAND}; sleep 0.5`,
  ]);
  assert.equal(
    probe("configuration-server-slave-1").environment.GATE_BACKEND,
    "be_configuration_server",
  );
  // The instances replaced in their place (they hold the database's password) are each served
  // by both balancers, as the balancers' admin sockets on the one local Engine say, before the
  // next instance begins; the others have no such step.
  const served = ofType(declared, "command:local:Command").filter((r) =>
    r.name.endsWith("-served"),
  );
  assert.deepEqual(served.map((r) => r.name).sort(), [
    "platform-services-resourcestatus-resourcestatus-slave-1-served",
    "platform-services-resourcestatus-resourcestatus-slave-3-served",
  ]);
  const gate = served.find((r) => r.name.includes("slave-3"))!.inputs;
  assert.equal(gate.create, GATE_COMMAND);
  assert.deepEqual(gate.environment, {
    GATE_PROGRAM,
    GATE_SCRIPT: IN_BALANCER_SCRIPT,
    GATE_WHAT: `instance ${named("resourcestatus-resourcestatus-slave-3")} of ResourceStatus/ResourceStatus`,
    GATE_BACKEND: "be_resourcestatus_resourcestatus",
    GATE_SERVER: named("resourcestatus-resourcestatus-slave-3"),
    GATE_BALANCERS: localBalancers,
    GATE_TIMEOUT_SECONDS: "120",
  });
  assert.deepEqual(
    ofType(declared, "docker:index/network:Network").map((r) => r.name),
    ["platform-hosts-net"],
  );
  assert.equal(
    await valueOf(platform.services.instances["sample-web/slave-2"].registration.serviceId),
    named("sample-web-slave-2"),
  );
  // An instance's CPUs are a weight (1024 shares a CPU: the catalog's 0.15 and 0.1), not a cap;
  // its memory is a cap.
  const limits = (key: string) => {
    const { cpuShares, cpus, memory, memorySwap } = byName(declared, `platform-services-${key}`)
      .inputs as Record<string, unknown>;
    return { cpuShares, cpus, memory, memorySwap };
  };
  assert.deepEqual(limits("configuration-server-slave-1"), {
    cpuShares: 154,
    cpus: undefined,
    memory: 384,
    memorySwap: 384,
  });
  assert.deepEqual(limits("sample-web-slave-2"), {
    cpuShares: 102,
    cpus: undefined,
    memory: 128,
    memorySwap: 128,
  });
});

test("registrations wait for a Consul leader, not for consul-esm or the host's agent; the API's provider waits for nothing", async () => {
  await settle(declared);
  for (const slave of ["slave-1", "slave-2", "slave-3"])
    assert.deepEqual(dependenciesOf(`platform-services-node-${slave}`), ["platform-consul-leader"]);
  // An instance's registration waits for its probe and its host's node. The instances of a
  // service wait for none of the others: a changed one is created beside the old one (its
  // container, probe and registration), which is deleted after.
  assert.deepEqual(dependenciesOf("platform-services-sample-web-slave-1-registration"), [
    "platform-services-node-slave-1",
    "platform-services-sample-web-slave-1",
    "platform-services-sample-web-slave-1-ready",
  ]);
  for (const slave of ["slave-1", "slave-2", "slave-3"]) {
    const instance = `platform-services-sample-web-${slave}`;
    assert.deepEqual(dependenciesOf(instance), ["platform-hosts-net"]);
    for (const part of ["", "-ready", "-registration"])
      assert.equal(deleteBeforeReplaceOf(`${instance}${part}`), false, `${instance}${part}`);
  }
  // A service whose instances hold the database's password replaces them in their place, one
  // after another; every other container is replaced in its place too (its name is fixed).
  const rs = "platform-services-resourcestatus-resourcestatus";
  for (const part of ["", "-ready", "-registration"])
    assert.equal(deleteBeforeReplaceOf(`${rs}-slave-3${part}`), true, part);
  // The next instance begins once both balancers serve the one before, which waits for them.
  assert.ok(dependenciesOf(`${rs}-slave-3`).includes(`${rs}-slave-1-served`));
  assert.deepEqual(dependenciesOf(`${rs}-slave-1-served`), [
    "platform-lb-lb-1-ready",
    "platform-lb-lb-2-ready",
    `${rs}-slave-1`,
    `${rs}-slave-1-registration`,
  ]);
  assert.equal(deleteBeforeReplaceOf("platform-consul-server-master-1"), true);
  // Configured once the API has an address (the first server's), long before there is a leader.
  assert.deepEqual(dependenciesOf("platform-consul-api"), ["platform-consul-server-master-1"]);
});

test("volumes are made while the network is (they need none); their containers wait for both", async () => {
  await settle(declared);
  const volumes = ofType(declared, "docker:index/volume:Volume").map((r) => r.name);
  assert.equal(volumes.length, 14);
  for (const v of volumes) assert.deepEqual(dependenciesOf(v), [], v);
  assert.deepEqual(dependenciesOf("platform-consul-server-master-1"), [
    "platform-consul-server-master-1-consul-data",
    "platform-hosts-net",
  ]);
});

test("quorum members are ready one after another: back in their quorum, the others named by container", async () => {
  await settle(declared);
  const env = (name: string) =>
    byName(declared, name).inputs as {
      create: string;
      delete?: string;
      environment: Record<string, string>;
      triggers: unknown[];
    };
  const zk = env("platform-zookeeper-master-2-ready");
  assert.equal(zk.create, QUORUM_PROBE_COMMAND);
  assert.deepEqual(zk.environment, {
    QUORUM_PROBE_PROGRAM,
    PROBE_KIND: "zookeeper",
    PROBE_WHAT: "ZooKeeper member local-zookeeper-master-2",
    PROBE_SELF: "local-zookeeper-master-2",
    PROBE_OTHERS: "local-zookeeper-master-1,local-zookeeper-master-3",
    PROBE_PORT: "2181",
    PROBE_TIMEOUT_SECONDS: "120",
    PROBE_RESOLVE: "docker",
    PROBE_MUST_SERVE: "1",
    // Its id, to find itself in a serving member's membership (a replaced host's member).
    PROBE_ZK_MYID: "2",
  });
  // On a first deployment the first members cannot form a quorum alone: from ZooKeeper's majority
  // (2 of 3) and Consul's expected servers (all 3) on, a member must serve to be ready.
  const mustServe = (name: string) => env(name).environment.PROBE_MUST_SERVE === "1";
  assert.deepEqual(
    ["master-1", "master-2", "master-3"].map((m) => mustServe(`platform-zookeeper-${m}-ready`)),
    [false, true, true],
  );
  assert.deepEqual(
    ["master-1", "master-2", "master-3"].map((m) => mustServe(`platform-consul-server-${m}-ready`)),
    [false, false, true],
  );
  assert.deepEqual(zk.triggers, ["platform-zookeeper-master-2-id"]);
  assert.equal(zk.delete, undefined);
  // A Consul server hands its leadership over before it stops.
  assert.equal(env("platform-consul-server-master-3-ready").delete, CONSUL_HANDOVER_COMMAND);
  assert.equal(
    env("platform-consul-server-master-3-ready").environment.CONSUL_HANDOVER_PROGRAM,
    CONSUL_HANDOVER_PROGRAM,
  );
  const consul = env("platform-consul-server-master-3-ready").environment;
  assert.deepEqual(
    [consul.PROBE_KIND, consul.PROBE_SELF, consul.PROBE_OTHERS, consul.PROBE_PORT],
    [
      "consul",
      "local-consul-server-master-3",
      "local-consul-server-master-1,local-consul-server-master-2",
      "8500",
    ],
  );
  assert.deepEqual(Object.keys(platform.zookeeper.ready), ["master-1", "master-2", "master-3"]);
  // They keep their address when replaced: fixed ones on the local network, below Docker's own range.
  assert.deepEqual(byName(declared, "platform-hosts-net").inputs.ipamConfigs, [
    { subnet: "10.213.148.0/22", gateway: "10.213.148.1", ipRange: "10.213.150.0/23" },
  ]);
  assert.deepEqual(
    (
      byName(declared, "platform-consul-server-master-1").inputs.networksAdvanced as {
        ipv4Address: string;
      }[]
    )[0].ipv4Address,
    "10.213.148.31",
  );
});

test("MariaDB: its password made once by a command whose output is secret and never logged, in its init file and the DB-backed instances' configuration alone; those instances wait until it takes connections", async () => {
  await settle(declared);
  const password = byName(declared, "platform-dirac-database-password");
  assert.equal(password.inputs.logging, "none");
  const ready = byName(declared, "platform-dirac-database-ready");
  assert.equal(ready.inputs.create, PROBE_COMMAND);
  assert.deepEqual(
    (ready.inputs.environment as Record<string, string>).PROBE_TCP,
    "local-dirac-database-ops-1:3306",
  );
  // the secret goes into the files of these containers only
  const holders = ofType(declared, "docker:index/container:Container")
    .filter((r) => JSON.stringify(r.inputs).includes("platform-dirac-database-password-stdout"))
    .map((r) => withoutRevision(r))
    .sort();
  assert.deepEqual(holders, [
    "local-dirac-database-ops-1",
    "local-resourcestatus-resourcestatus-slave-1",
    "local-resourcestatus-resourcestatus-slave-3",
  ]);
  assert.ok(
    dependenciesOf("platform-services-resourcestatus-resourcestatus-slave-1").includes(
      "platform-dirac-database-ready",
    ),
  );
  assert.ok(
    !dependenciesOf("platform-services-datamanagement-storageelement-slave-1").includes(
      "platform-dirac-database-ready",
    ),
  );
});

/** A container's name without its revision: a service instance's ends with 8 hex digits (serviceInstance), any other's with none. */
function withoutRevision(r: { inputs: Record<string, unknown> }): string {
  const name = r.inputs.name as string;
  const labels = r.inputs.labels as { label: string; value: string }[];
  const instance = labels.some((l) => l.label === "platform.component" && l.value === "service");
  if (!instance) return name;
  assert.match(name, /-[0-9a-f]{8}$/);
  return name.slice(0, -9);
}
