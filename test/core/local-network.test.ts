import assert from "node:assert/strict";
import { test } from "node:test";
import { localNetwork, localQuorumAddress } from "../../components/core/local-network";
import { consulServerContainer } from "../../components/consul/consul-containers";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { zookeeperContainer } from "../../components/zookeeper/zookeeper-containers";
import { toContainerArgs } from "../../components/hosts/container-args";

test("the local stack's network: a /22 of 10.213.0.0/16 by stack name, Docker's own addresses in its upper half", () => {
  assert.deepEqual(localNetwork("local"), {
    subnet: "10.213.148.0/22",
    gateway: "10.213.148.1",
    ipRange: "10.213.150.0/23",
  });
  assert.equal(localNetwork("local").subnet, localNetwork("local").subnet);
  // Scratch stacks of the tests beside the developer's own get another /22.
  assert.notEqual(localNetwork("scratch-engine1").subnet, localNetwork("local").subnet);
});

test("quorum members have fixed addresses below Docker's range; there are 19 of each at most", () => {
  assert.deepEqual(
    [0, 1, 2].map((i) => localQuorumAddress("local", "zookeeper", i)),
    ["10.213.148.11", "10.213.148.12", "10.213.148.13"],
  );
  assert.deepEqual(
    [0, 1, 2].map((i) => localQuorumAddress("local", "consul-server", i)),
    ["10.213.148.31", "10.213.148.32", "10.213.148.33"],
  );
  assert.equal(localQuorumAddress("local", "consul-server", 18), "10.213.148.49");
  assert.throws(
    () => localQuorumAddress("local", "zookeeper", 19),
    /no fixed address for zookeeper member 20 \(at most 19\)/,
  );
});

test("the local stack's ZooKeeper members and Consul servers ask for their fixed address; a site's run on the host network", () => {
  const local = loadPlatformFromStackFile(process.cwd(), "local");
  const master2 = local.masters[1];
  assert.deepEqual(
    toContainerArgs(zookeeperContainer(local, master2), "local-net").networksAdvanced,
    [{ name: "local-net", aliases: ["local-zookeeper-master-2"], ipv4Address: "10.213.148.12" }],
  );
  assert.deepEqual(
    toContainerArgs(consulServerContainer(local, master2), "local-net").networksAdvanced,
    [
      {
        name: "local-net",
        aliases: ["local-consul-server-master-2"],
        ipv4Address: "10.213.148.32",
      },
    ],
  );
  const prod = loadPlatformFromStackFile(process.cwd(), "prod");
  assert.equal(zookeeperContainer(prod, prod.masters[0]).ipv4Address, undefined);
  assert.equal(consulServerContainer(prod, prod.masters[0]).ipv4Address, undefined);
});
