// The parts composed by a project itself, without Platform: each takes what it reads of the site
// (a ZooKeeper ensemble needs no catalog), checks its own safety rules before declaring anything,
// and reaches Consul through an interface the project may implement over a Consul of its own.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { dependenciesOf, installMocks, settle } from "../support/mocks";

const declared = installMocks("alone");
import { ConsulAccess } from "../../components/consul/consul-access";
import { ConsulCluster } from "../../components/consul/consul-cluster";
import { resolveImages } from "../../components/core/images";
import { platformFromValues } from "../../components/platform-values";
import { ConsulSiteSpec, QuorumSiteSpec } from "../../components/core/platform-spec";
import { LoadBalancers } from "../../components/haproxy/load-balancers";
import { ServiceInstances } from "../../components/services/service-instances";
import * as consul from "@pulumi/consul";
import { HostInventory, inventoryOf } from "../../components/hosts/host-inventory";
import {
  ZooKeeperEnsemble,
  ZooKeeperSiteSpec,
} from "../../components/zookeeper/zookeeper-ensemble";

/** A site of `masters` hosts reached over SSH, as a project writes it by hand: no catalog, no placement. */
function quorumSite(masters: number): QuorumSiteSpec {
  const hosts = Array.from({ length: masters }, (_, i) => ({
    id: `q${i + 1}`,
    address: `q${i + 1}.example.org`,
    roles: ["master" as const],
    cpus: 2,
    memoryMb: 2048,
    labels: {},
    docker: { host: `ssh://root@q${i + 1}.example.org` },
  }));
  return {
    stack: "site",
    environment: "prod",
    local: false,
    hosts,
    masters: hosts,
    quorum: Math.floor(masters / 2) + 1,
    images: resolveImages({}, "registry.example.org"),
  };
}

const zookeeperSite = (masters: number): ZooKeeperSiteSpec => ({
  ...quorumSite(masters),
  features: { mesos: false },
});

const consulSite = (masters: number): ConsulSiteSpec => ({
  ...quorumSite(masters),
  consul: {
    datacenter: "dc1",
    checkIntervalSeconds: 2,
    slaveMaxLoadPerCpu: 4,
    tlsCa: { issuer: "a", trusted: ["a"] },
  },
  features: { consulEsm: false },
});

/** A Consul agent the project declares its own way. */
class OwnConsulAgent extends pulumi.CustomResource {
  constructor(name: string) {
    super("project:index:ConsulAgent", name, {});
  }
}

const inventory = (name: string, spec: QuorumSiteSpec) =>
  new HostInventory(name, inventoryOf(spec, {}));

test("ZooKeeperEnsemble and ConsulCluster from a hand-made site of three masters: a member and a server per host, nothing else", async () => {
  const before = declared.length;
  const hosts = inventory("three-hosts", quorumSite(3));
  const zookeeper = new ZooKeeperEnsemble("three-zk", { spec: zookeeperSite(3), inventory: hosts });
  new ConsulCluster("three-consul", {
    spec: consulSite(3),
    inventory: hosts,
    gossipKey: pulumi.secret("a2V5LWtleS1rZXkta2V5LWtleS1rZXkta2V5LWtleTA="),
  });
  await settle(declared);
  const containers = declared
    .slice(before)
    .filter((r) => r.type === "docker:index/container:Container")
    .map((r) => r.inputs.name)
    .sort();
  assert.deepEqual(containers, [
    "site-consul-server-q1",
    "site-consul-server-q2",
    "site-consul-server-q3",
    "site-zookeeper-q1",
    "site-zookeeper-q2",
    "site-zookeeper-q3",
  ]);
  assert.equal(
    zookeeper.connectString,
    "q1.example.org:2181,q2.example.org:2181,q3.example.org:2181",
  );
});

test("each quorum part refuses a site whose masters hold no safe quorum, naming itself, before declaring anything", async () => {
  const hosts = inventory("two-hosts", quorumSite(2));
  await settle(declared);
  const before = declared.length;
  assert.throws(
    () => new ZooKeeperEnsemble("two-zk", { spec: zookeeperSite(2), inventory: hosts }),
    new Error(
      "ZooKeeperEnsemble of stack site: expected an odd number of at least 3 master hosts for prod, got 2: the quorum of 2 would tolerate no failure",
    ),
  );
  assert.throws(
    () =>
      new ConsulCluster("four-consul", {
        spec: consulSite(4),
        inventory: hosts,
        gossipKey: pulumi.secret("a2V5LWtleS1rZXkta2V5LWtleS1rZXkta2V5LWtleTA="),
      }),
    /^Error: ConsulCluster of stack site: expected an odd number of master hosts for prod, got 4/,
  );
  assert.throws(
    () => new ConsulCluster("keyless-consul", { spec: consulSite(3), inventory: hosts }),
    /^Error: ConsulCluster of stack site: the gossip key \(gossipKey, the secret lhcb-platform:consulGossipKey\) is required for prod/,
  );
  await settle(declared);
  assert.deepEqual(
    declared.slice(before).map((r) => r.name),
    [],
  );
});

/** A local site of the project's own: one master, one slave, two load balancers, one service. */
function ownSite() {
  return platformFromValues({
    stack: "own",
    config: {
      environment: "local",
      features: { mesos: false, logging: false, metrics: false, grafana: false },
      hosts: [
        { id: "m1", address: "m1", roles: ["master"], cpus: 2, memoryMb: 2048 },
        { id: "s1", address: "s1", roles: ["slave"], cpus: 2, memoryMb: 2048 },
        { id: "edge-1", address: "edge-1", roles: ["lb"], cpus: 1, memoryMb: 1024 },
        { id: "edge-2", address: "edge-2", roles: ["lb"], cpus: 1, memoryMb: 1024 },
      ],
    },
    catalog: { services: [{ name: "Framework/SystemAdministrator", port: 9162, instances: 1 }] },
  });
}

test("a load balancer reaches Consul through the ConsulAccess it is given: a project's own Consul, its readiness per host", async () => {
  const spec = ownSite();
  // The project's Consul agents, declared its own way; the balancers only ask what to wait for.
  const agents = new Map(
    ["edge-1", "edge-2"].map((h) => [h, new OwnConsulAgent(`own-agent-${h}`)]),
  );
  const asked: string[] = [];
  const ownConsul: ConsulAccess = {
    readyOn: (hostId) => {
      asked.push(hostId);
      return [agents.get(hostId)!];
    },
    apiOn: (hostId) => pulumi.output(`http://${hostId}:8500`),
    // A local site: its Consul's ACLs are off, and no part asks for a token.
    tokenFor: () => undefined,
  };
  const hosts = inventory("own-hosts", spec);
  const balancers = new LoadBalancers("own-lb", { spec, inventory: hosts, consul: ownConsul });
  await settle(declared);
  assert.deepEqual(asked.sort(), ["edge-1", "edge-2"]);
  assert.deepEqual(Object.keys(balancers.containers).sort(), ["edge-1", "edge-2"]);
  for (const h of ["edge-1", "edge-2"])
    assert.ok(
      dependenciesOf(`own-lb-${h}`).includes(`own-agent-${h}`),
      `own-lb-${h} waits for own-agent-${h}`,
    );
  assert.ok(!dependenciesOf("own-lb-edge-1").includes("own-agent-edge-2"));
});

test("service instances register through the ConsulCatalog they are given: its provider, after its leader", async () => {
  const spec = ownSite();
  const provider = new consul.Provider("own-consul-api", {
    address: "http://consul.example.org:8500",
  });
  const leader = new OwnConsulAgent("own-consul-leader");
  const services = new ServiceInstances("own-services", {
    spec,
    inventory: inventory("own-services-hosts", spec),
    catalog: { provider, leader },
  });
  const registrations = Object.values(services.registrations);
  assert.equal(registrations.length, 1);
  await settle(declared);
  const registered = declared.filter((r) => r.type === "consul:index/service:Service");
  assert.deepEqual(
    registered.map((r) => [r.name, (r.provider ?? "").split("::").slice(-2)[0]]),
    [["own-services-framework-systemadministrator-s1-registration", "own-consul-api"]],
  );
  // The registration waits for its node, which waits for the catalog's leader.
  assert.ok(dependenciesOf("own-services-node-s1").includes("own-consul-leader"));
  // Given no balancers (a project's own, or none), no instance waits for the platform's.
  assert.deepEqual(
    declared.filter((r) => r.name.startsWith("own-services-") && r.name.endsWith("-served")),
    [],
  );
  assert.equal(services.instances["framework-systemadministrator/s1"].served, undefined);
});
