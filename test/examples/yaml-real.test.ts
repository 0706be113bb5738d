// The component package from Pulumi YAML through the real engine: the YAML language host built from
// the upstream sources, the examples' `plugins.providers` path at this repository's provider/
// folder, `pulumi up` of a new stack, a look at what runs, `pulumi destroy`.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { engineEnv, operatorCli, toolchainCache } from "../../scripts/engine-stack";
import { engineMissing } from "../../scripts/bench/engine";
import { yamlExample } from "../support/consumer";
import { assertQuorumRuns, assertSiteRuns, QUORUM_HOSTS } from "../support/example-expectations";
import { upAndDown } from "../support/example-run";

function yamlHostMissing(): string | undefined {
  const host = join(toolchainCache(), "bin", "pulumi-language-yaml");
  return existsSync(host)
    ? undefined
    : `no YAML language host at ${host} (scripts/toolchain/build.sh)`;
}

test("examples/quorum-yaml: a YAML program's MasterQuorum runs a ZooKeeper member and a Consul server per host, and pulumi destroy removes them", (t) => {
  const missing = engineMissing();
  if (missing !== undefined) return t.skip(missing);
  assert.equal(yamlHostMissing(), undefined);
  upAndDown(yamlExample("quorum-yaml"), "qy", (stack, names, outputs) => {
    assertQuorumRuns(stack, names);
    assert.equal(
      outputs.zookeeper,
      QUORUM_HOSTS.map((h) => `${stack}-zookeeper-${h}:2181`).join(","),
    );
    assert.match(String(outputs.consulApi), /^http:\/\/10\.213\.\d+\.\d+:8500$/);
  });
});

test("examples/platform-yaml: a YAML program's Platform from its own values runs every part of its site, and pulumi destroy removes them", (t) => {
  const missing = engineMissing();
  if (missing !== undefined) return t.skip(missing);
  assert.equal(yamlHostMissing(), undefined);
  upAndDown(yamlExample("platform-yaml"), "py", (stack, names, outputs) => {
    assertSiteRuns(stack, names);
    assert.deepEqual(outputs.endpoints, {
      consulUi: `http://${stack}-consul-server-m1:8500/ui`,
      loadBalancerStats: { lb: `http://${stack}-lb-lb:8404/stats` },
      loadBalancers: { lb: `${stack}-lb-lb` },
      zookeeper: ["m1", "m2", "m3"].map((h) => `${stack}-zookeeper-${h}:2181`).join(","),
    });
  });
});

test("a YAML program's bad MasterQuorum arguments fail the preview with one message naming the argument, and nothing is created", (t) => {
  const missing = engineMissing();
  if (missing !== undefined) return t.skip(missing);
  const dir = yamlExample("quorum-yaml");
  const env = { ...process.env, ...engineEnv() };
  const project = join(dir, "Pulumi.yaml");
  execFileSync("sed", ["-i", "s/environment: local/environment: staging/", project]);
  const stack = `qybad${process.pid % 10000}`;
  const cli = (...args: string[]) =>
    spawnSync(operatorCli(), [...args, "--stack", stack, "--non-interactive"], {
      cwd: dir,
      env,
      encoding: "utf8",
    });
  execFileSync(operatorCli(), ["stack", "init", stack, "--non-interactive"], { cwd: dir, env });
  try {
    const preview = cli("preview");
    assert.notEqual(preview.status, 0);
    assert.match(
      preview.stdout,
      /lhcb-platform:index:MasterQuorum resource 'coordination' has a problem: MasterQuorumArgs: environment: Invalid option: expected one of "local"\|"cert"\|"prod"/,
    );
    assert.doesNotMatch(preview.stdout, /docker:index:|command:local:/);
  } finally {
    cli("stack", "rm", "--yes", "--force");
  }
});
