// examples/platform-from-values through the real engine, as its operator runs it: the library
// installed from the tarball in the example's own folder, `pulumi up` of a new stack on the local
// Docker Engine (the images built by `npm run up`), every part running, then `pulumi destroy`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { engineMissing } from "../../scripts/bench/engine";
import { upAndDown } from "../support/example-run";

test("examples/platform-from-values: pulumi up of a new stack runs every part of its site, and pulumi destroy removes them", (t) => {
  const missing = engineMissing();
  if (missing !== undefined) return t.skip(missing);
  upAndDown("platform-from-values", "ex", (stack, names, outputs) => {
    const of = (part: string) => names.filter((n) => n.startsWith(`${stack}-${part}-`)).length;
    // site.ts: 3 masters, 2 slaves, 1 load balancer; 2 services of 2 instances, 1 agent and its standby.
    assert.deepEqual(
      {
        zookeeper: of("zookeeper"),
        servers: of("consul-server"),
        agents: of("consul-agent"),
        esm: of("consul-esm"),
        lb: of("lb"),
        total: names.length,
      },
      { zookeeper: 3, servers: 3, agents: 3, esm: 2, lb: 1, total: 3 + 3 + 3 + 2 + 4 + 2 + 1 },
    );
    const endpoints = outputs.endpoints as {
      zookeeper: string;
      loadBalancers: Record<string, string>;
    };
    assert.deepEqual(Object.keys(endpoints.loadBalancers), ["lb"]);
    assert.equal(endpoints.zookeeper.split(",").length, 3);
  });
});
