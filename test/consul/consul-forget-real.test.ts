// The forget step for real, on this machine's Engine: a Consul server and three agents of the
// platform's image. An agent killed (its host lost) and the step run as `pulumi up` runs it, at
// once, while gossip still counts the node alive: the step waits until gossip counts it failed,
// prunes it, and the node is gone from the server's member list and from another agent's, and
// stays gone. One already counted failed is pruned at once.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import {
  CONSUL_FORGET_COMMAND,
  consulForgetEnvironment,
} from "../../components/consul/consul-forget-program";
import { docker } from "../../scripts/bench/probes";
import { ConsulContainers, until } from "../support/consul-containers";

const execFileAsync = promisify(execFile);
const consul = new ConsulContainers(`fg${process.pid}`);
const agents = [1, 2, 3].map((i) => `${consul.prefix}-a${i}`);

/** Runs the step for `node` as `pulumi up` does: its exit code, output and seconds. */
async function forget(node: string) {
  const env = {
    ...process.env,
    ...consulForgetEnvironment(`the node ${node}`, [consul.api], node),
  };
  const t = Date.now();
  const r = await execFileAsync("sh", ["-c", CONSUL_FORGET_COMMAND], { env });
  return { stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t) / 1000 };
}

/**
 * Waits until `other` no longer lists `node`, then asserts that neither it nor the server lists
 * it again over `seconds`; the milliseconds `other` took to drop it.
 */
async function goneEverywhere(node: string, other: string, seconds: number): Promise<number> {
  const elsewhere = await until(
    `${other} no longer listing ${node}`,
    () => !consul.lists(other, node),
    20,
  );
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    for (const m of [consul.server, other])
      assert.ok(
        !consul.lists(m, node),
        `${m} lists ${node} again: ${consul.members(m).join(", ")}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
  return elsewhere;
}

before(async () => {
  await consul.start(agents);
  await until("every agent sees four members", () =>
    agents.every((a) => consul.alive(a).length === 4),
  );
});

after(() => consul.remove());

test("an agent killed and the step run at once: it waits for gossip to count the node failed, prunes it; gone from the server and another agent, and stays gone", async () => {
  const [victim, other] = agents;
  docker("kill", victim);
  assert.ok(
    consul.members(consul.server).includes(`${victim} alive`),
    "gossip still counts it alive",
  );
  const r = await forget(victim);
  assert.equal(r.stderr, "");
  assert.match(
    r.stdout,
    new RegExp(`^the node ${victim}: forgotten \\(failed after \\d+\\.\\d s\\)\\n$`),
  );
  assert.ok(
    !consul.lists(consul.server, victim),
    `the server lists it: ${consul.members(consul.server).join(", ")}`,
  );
  const elsewhere = await goneEverywhere(victim, other, 10);
  console.log(
    `consul forget: killed and asked at once: ${r.stdout.trim()}; step ${r.seconds.toFixed(1)} s; gone from another agent ${elsewhere} ms after; gone 10 s later`,
  );
});

test("an agent gossip already counts failed: pruned at once, gone everywhere", async () => {
  const [, other, victim] = agents;
  docker("kill", victim);
  await until(`${victim} failed`, () => consul.members(consul.server).includes(`${victim} failed`));
  const r = await forget(victim);
  assert.equal(r.stderr, "");
  assert.match(
    r.stdout,
    new RegExp(`^the node ${victim}: forgotten \\(failed after 0\\.\\d s\\)\\n$`),
  );
  const elsewhere = await goneEverywhere(victim, other, 5);
  console.log(
    `consul forget: already failed: step ${r.seconds.toFixed(1)} s; gone from another agent ${elsewhere} ms after`,
  );
});
