// examples/platform-from-values through the real engine, as its operator runs it: the library
// installed from the tarball in the example's own folder, `pulumi up` of a new stack on the local
// Docker Engine (the images built by `npm run up`), every part running, then `pulumi destroy`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { engineEnv, operatorCli, stackWithFreeNetwork } from "../../scripts/engine-stack";
import { engineMissing } from "../../scripts/bench/engine";
import { installedExample, packLibrary } from "../support/consumer";

test("examples/platform-from-values: pulumi up of a new stack runs every part of its site, and pulumi destroy removes them", (t) => {
  const missing = engineMissing();
  if (missing !== undefined) return t.skip(missing);
  const dir = installedExample("platform-from-values", packLibrary().tarball);
  const stack = stackWithFreeNetwork(`ex${process.pid % 10000}`);
  const pulumi = (...args: string[]) =>
    execFileSync(operatorCli(), [...args, "--stack", stack, "--non-interactive"], {
      cwd: dir,
      env: { ...process.env, ...engineEnv() },
      encoding: "utf8",
      maxBuffer: 64 * 2 ** 20,
    });
  const running = () =>
    execFileSync(
      "docker",
      ["ps", "--filter", `label=platform.stack=${stack}`, "--format", "{{.Names}}"],
      { encoding: "utf8" },
    )
      .split("\n")
      .filter((n) => n !== "")
      .sort();
  execFileSync(operatorCli(), ["stack", "init", stack, "--non-interactive"], {
    cwd: dir,
    env: { ...process.env, ...engineEnv() },
    encoding: "utf8",
  });
  try {
    pulumi("up", "--yes", "--skip-preview");
    const names = running();
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
    const outputs = JSON.parse(pulumi("stack", "output", "--json")) as {
      endpoints: { zookeeper: string; loadBalancers: Record<string, string> };
    };
    assert.deepEqual(Object.keys(outputs.endpoints.loadBalancers), ["lb"]);
    assert.equal(outputs.endpoints.zookeeper.split(",").length, 3);
  } finally {
    pulumi("destroy", "--yes", "--skip-preview");
    execFileSync(operatorCli(), ["stack", "rm", stack, "--yes", "--non-interactive"], {
      cwd: dir,
      env: { ...process.env, ...engineEnv() },
      encoding: "utf8",
    });
  }
  assert.deepEqual(running(), []);
});
