// examples/quorum-alone through the real engine: `pulumi up` of a new stack runs the two quorums
// (the up ends only once ZooKeeper's majority serves and Consul has a leader), `pulumi destroy` removes them.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { engineMissing } from "../../scripts/bench/engine";
import { assertQuorumRuns, QUORUM_HOSTS } from "../support/example-expectations";
import { installedFromTarball, upAndDown } from "../support/example-run";

test("examples/quorum-alone: pulumi up of a new stack runs a ZooKeeper member and a Consul server per host, one ZooKeeper leader, and pulumi destroy removes them", (t) => {
  const missing = engineMissing();
  if (missing !== undefined) return t.skip(missing);
  upAndDown(installedFromTarball("quorum-alone"), "qa", (stack, names, outputs) => {
    assertQuorumRuns(stack, names);
    const modes = QUORUM_HOSTS.map((h) =>
      execFileSync(
        "docker",
        [
          "exec",
          `${stack}-zookeeper-${h}`,
          "bash",
          "-c",
          "exec 3<>/dev/tcp/127.0.0.1/2181 && echo srvr >&3 && grep '^Mode: ' <&3",
        ],
        { encoding: "utf8" },
      ).trim(),
    );
    assert.deepEqual(modes.filter((m) => m === "Mode: leader").length, 1, modes.join("; "));
    assert.equal(String(outputs.zookeeper).split(",").length, 3);
    assert.match(String(outputs.consulApi), /^http:\/\/10\.213\.\d+\.\d+:8500$/);
  });
});
