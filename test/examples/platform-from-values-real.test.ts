// examples/platform-from-values through the real engine, as its operator runs it: the library
// installed from the tarball in the example's own folder, `pulumi up` of a new stack on the local
// Docker Engine (the images built by `npm run up`), every part running, then `pulumi destroy`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { engineMissing } from "../../scripts/bench/engine";
import { assertSiteRuns } from "../support/example-expectations";
import { installedFromTarball, upAndDown } from "../support/example-run";

test("examples/platform-from-values: pulumi up of a new stack runs every part of its site, and pulumi destroy removes them", (t) => {
  const missing = engineMissing();
  if (missing !== undefined) return t.skip(missing);
  upAndDown(installedFromTarball("platform-from-values"), "ex", (stack, names, outputs) => {
    assertSiteRuns(stack, names);
    const endpoints = outputs.endpoints as {
      zookeeper: string;
      loadBalancers: Record<string, string>;
    };
    assert.deepEqual(Object.keys(endpoints.loadBalancers), ["lb"]);
    assert.equal(endpoints.zookeeper.split(",").length, 3);
  });
});
