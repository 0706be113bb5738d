// The quorum under Pulumi's mocks: a ZooKeeper member and a Consul server on each of the hosts.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";

const declared: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (a) => {
      declared.push({ type: a.type, name: a.name, inputs: a.inputs });
      return { id: `${a.name}-id`, state: a.inputs };
    },
    call: (a) => a.inputs,
  },
  "quorum-alone",
  "example",
  false,
);

test("a ZooKeeper member and a Consul server on each host, nothing else", async () => {
  const { coordination, hosts } = await import("./quorum");
  const quorum = coordination("example");
  for (let seen = -1; seen !== declared.length;) {
    seen = declared.length;
    await new Promise((r) => setTimeout(r, 100));
  }
  const names = declared
    .filter((r) => r.type === "docker:index/container:Container")
    .map((r) => String(r.inputs.name));
  assert.deepEqual(
    names.sort(),
    [
      ...hosts.map((h) => `example-consul-server-${h.id}`),
      ...hosts.map((h) => `example-zookeeper-${h.id}`),
    ].sort(),
  );
  assert.equal(quorum.zookeeperConnect.split(",").length, hosts.length);
});
