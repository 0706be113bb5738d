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
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { docker } from "../../scripts/bench/probes";
import { PROJECT_ROOT } from "../../scripts/engine-stack";

const execFileAsync = promisify(execFile);
const image = loadPlatformFromStackFile(PROJECT_ROOT, "local").images.consul;
const prefix = `fg${process.pid}`;
const network = `${prefix}-net`;
const server = `${prefix}-server`;
const agents = [1, 2, 3].map((i) => `${prefix}-a${i}`);
const started: string[] = [];
let api = "";

/** Starts a Consul agent (or the server) named `name`, gossip tuned as Consul ships it. */
function agent(name: string, isServer = false): void {
  started.push(name);
  docker(
    ...["run", "-d", "--name", name, "--hostname", name, "--network", network, image],
    ...["agent", `-node=${name}`, "-data-dir=/consul/data"],
    ...(isServer
      ? ["-server", "-bootstrap-expect=1", "-client=0.0.0.0"]
      : [`-retry-join=${server}`, "-retry-interval=1s"]),
  );
}

/** The LAN members `member` lists, as `name status`, sorted. */
function members(member: string): string[] {
  return docker("exec", member, "consul", "members")
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .map((f) => `${f[0]} ${f[2]}`)
    .sort();
}

const listing = (member: string, node: string) =>
  members(member).some((m) => m.startsWith(`${node} `));

async function until(what: string, ok: () => boolean, seconds = 60): Promise<number> {
  const t = Date.now();
  for (;;) {
    try {
      if (ok()) return Date.now() - t;
    } catch {
      // not answering yet
    }
    assert.ok(Date.now() - t < seconds * 1000, `${what}: not after ${seconds} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs the step for `node` as `pulumi up` does: its exit code, output and seconds. */
async function forget(node: string) {
  const env = { ...process.env, ...consulForgetEnvironment(`the node ${node}`, [api], node) };
  const t = Date.now();
  const r = await execFileAsync("sh", ["-c", CONSUL_FORGET_COMMAND], { env });
  return { stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t) / 1000 };
}

/** Asserts that neither the server nor `other` lists `node`, over `seconds`. */
async function staysGone(node: string, other: string, seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    for (const m of [server, other])
      assert.ok(!listing(m, node), `${m} lists ${node} again: ${members(m).join(", ")}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

before(async () => {
  docker("network", "create", network);
  agent(server, true);
  for (const a of agents) agent(a);
  const ip = docker(
    "inspect",
    "-f",
    "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
    server,
  );
  api = `http://${ip}:8500`;
  await until("four members alive", () => members(server).every((m) => m.endsWith(" alive")));
  await until("every agent sees four members", () =>
    agents.every((a) => members(a).filter((m) => m.endsWith(" alive")).length === 4),
  );
});

after(() => {
  for (const name of started) docker("rm", "-f", "-v", name);
  docker("network", "rm", network);
});

test("an agent killed and the step run at once: it waits for gossip to count the node failed, prunes it; gone from the server and another agent, and stays gone", async () => {
  const [victim, other] = agents;
  docker("kill", victim);
  assert.ok(members(server).includes(`${victim} alive`), "gossip still counts it alive");
  const r = await forget(victim);
  assert.equal(r.stderr, "");
  assert.match(
    r.stdout,
    new RegExp(`^the node ${victim}: forgotten \\(failed after \\d+\\.\\d s\\)\\n$`),
  );
  assert.ok(!listing(server, victim), `the server lists it: ${members(server).join(", ")}`);
  const elsewhere = await until(
    `${other} no longer listing ${victim}`,
    () => !listing(other, victim),
    20,
  );
  await staysGone(victim, other, 10);
  console.log(
    `consul forget: killed and asked at once: ${r.stdout.trim()}; step ${r.seconds.toFixed(1)} s; gone from another agent ${elsewhere} ms after; gone 10 s later`,
  );
});

test("an agent gossip already counts failed: pruned at once, gone everywhere", async () => {
  const [, other, victim] = agents;
  docker("kill", victim);
  await until(`${victim} failed`, () => members(server).includes(`${victim} failed`));
  const r = await forget(victim);
  assert.equal(r.stderr, "");
  assert.match(
    r.stdout,
    new RegExp(`^the node ${victim}: forgotten \\(failed after 0\\.\\d s\\)\\n$`),
  );
  const elsewhere = await until(
    `${other} no longer listing ${victim}`,
    () => !listing(other, victim),
    20,
  );
  await staysGone(victim, other, 5);
  console.log(
    `consul forget: already failed: step ${r.seconds.toFixed(1)} s; gone from another agent ${elsewhere} ms after`,
  );
});
