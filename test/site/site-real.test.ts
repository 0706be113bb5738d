// The multi-host site for real: `npm run site -- up` (a namespace, Docker Engine and sshd per host of
// Pulumi.site.yaml, a registry), `pulumi up` of a scratch copy of the site stack over ssh://, then
// what runs on each host, Consul's and ZooKeeper's quorums across hosts, and both load balancers
// serving every service; at the end `pulumi destroy` and `npm run site -- down`, which leave nothing.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { plannedContainers } from "../../components/plan";
import { PlatformSpec } from "../../components/core/platform-spec";
import { CliStack } from "../../scripts/cli-stack";
import { engineEnv, operatorCli, pulumiCli, PROJECT_ROOT } from "../../scripts/engine-stack";
import { Load, summarize } from "../../scripts/bench/load";
import { loseHost, restoreHost } from "../../scripts/site/faults";
import { sshPaths } from "../../scripts/site/files";
import { siteLayout } from "../../scripts/site/layout";

const site = siteLayout(
  loadPlatformFromStackFile(PROJECT_ROOT, "site"),
  "registry.site.lhcb.test:5000",
);
let stack: CliStack | undefined;
let spec: PlatformSpec;

/** `npm run site -- COMMAND`, its output printed; throws when it fails. */
function siteCommand(command: string): void {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", join(PROJECT_ROOT, "scripts", "site.ts"), command],
    {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
    },
  );
  console.log(r.stdout + r.stderr);
  assert.equal(r.status, 0, `npm run site -- ${command} failed`);
}

/** `docker ARGS` on a host's engine, over SSH as the Docker provider reaches it. */
const onHost = (address: string, ...args: string[]) =>
  execFileSync("docker", ["-H", `ssh://root@${address}`, ...args], { encoding: "utf8" });

before(async () => {
  assert.ok(existsSync(pulumiCli()), `no Pulumi CLI at ${pulumiCli()}: run \`npm run up\` first`);
  siteCommand("up");
  stack = await CliStack.create("site", "site");
  // The value goes through stdin, never on a command line or into a message.
  const set = (key: string, value: string) => {
    const r = spawnSync(
      operatorCli(),
      ["config", "set", "--secret", key, "--stack", stack!.name, "--non-interactive"],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, ...engineEnv() },
        input: value,
        encoding: "utf8",
      },
    );
    assert.equal(r.status, 0, `pulumi config set --secret ${key}: ${r.stderr}`);
  };
  set("lhcb-platform:consulGossipKey", randomBytes(32).toString("base64"));
  set("lhcb-platform:sshPrivateKey", readFileSync(sshPaths(site).clientKey, "utf8"));
  spec = { ...loadPlatformFromStackFile(PROJECT_ROOT, "site"), stack: stack.name };
  const t = Date.now();
  await stack.up();
  console.log(`site: pulumi up of ${stack.name} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
});

after(async () => {
  if (stack) await stack.remove((e) => console.error(e));
  siteCommand("down");
  assert.deepEqual(
    execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l.startsWith("lhcb-site-")),
    [],
  );
  assert.doesNotMatch(readFileSync("/etc/hosts", "utf8"), /lhcb-platform-site/);
  assert.doesNotMatch(readFileSync("/proc/mounts", "utf8"), /lhcb-platform-site/);
  assert.equal(
    spawnSync("pgrep", ["-f", "/run/lhcb-platform-site/"]).status,
    1,
    "no site process is left",
  );
});

test("each host runs exactly the containers the plan places on it, pulled from the site registry", () => {
  for (const h of site.hosts) {
    const planned = plannedContainers(spec)
      .filter((c) => c.hostId === h.id)
      .map((c) => `${c.container.name} ${c.container.image}`)
      .sort();
    const running = onHost(h.address, "ps", "--format", "{{.Names}} {{.Image}}")
      .trim()
      .split("\n")
      .sort();
    assert.deepEqual(running, planned, h.id);
    for (const line of running) assert.match(line, / registry\.site\.lhcb\.test:5000\//);
  }
});

test("Consul: every host's agent or server alive at its own address, one leader among the three servers", () => {
  const api = `http://${site.hosts[0].address}:8500`;
  const nodes = JSON.parse(
    execFileSync("curl", ["-fsS", `${api}/v1/catalog/nodes`], { encoding: "utf8" }),
  ) as {
    Node: string;
    Address: string;
  }[];
  const own = nodes.filter((n) => !n.Node.endsWith("-instances")).map((n) => [n.Node, n.Address]);
  assert.deepEqual(own.sort(), site.hosts.map((h) => [`${spec.stack}-${h.id}`, h.ip]).sort());
  const raft = JSON.parse(
    execFileSync("curl", ["-fsS", `${api}/v1/operator/raft/configuration`], { encoding: "utf8" }),
  ) as { Servers: { Node: string; Leader: boolean; Voter: boolean }[] };
  assert.deepEqual(
    raft.Servers.map((s) => s.Node).sort(),
    ["master-1", "master-2", "master-3"].map((m) => `${spec.stack}-${m}`),
  );
  assert.equal(raft.Servers.filter((s) => s.Leader).length, 1);
});

test("ZooKeeper: one leader and two followers across the three masters", () => {
  const modes = site.hosts
    .slice(0, 3)
    .map((h) =>
      onHost(
        h.address,
        "exec",
        `${spec.stack}-zookeeper-${h.id}`,
        "bash",
        "-c",
        "exec 3<>/dev/tcp/127.0.0.1/2181 && echo srvr >&3 && grep '^Mode: ' <&3",
      ).trim(),
    );
  assert.deepEqual([...modes].sort(), ["Mode: follower", "Mode: follower", "Mode: leader"]);
});

test("both load balancers serve every service, with every instance up", () => {
  for (const lb of spec.loadBalancers) {
    for (const s of spec.services.filter((x) => x.mode === "pulumi")) {
      if (s.protocol === "http") {
        const code = execFileSync(
          "curl",
          [
            "-s",
            "-m",
            "3",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            `http://${lb.address}:${s.port}${s.check.http ?? "/"}`,
          ],
          { encoding: "utf8" },
        );
        assert.equal(code, "200", `${lb.id} ${s.name}`);
      } else {
        const connect = spawnSync("bash", ["-c", `exec 3<>/dev/tcp/${lb.address}/${s.port}`], {
          timeout: 3000,
        });
        assert.equal(connect.status, 0, `${lb.id} ${s.name}`);
      }
    }
    const stats = execFileSync(
      "curl",
      ["-fsS", `http://${lb.address}:${spec.loadBalancer.statsPort}/stats;csv`],
      { encoding: "utf8" },
    );
    const servers = stats
      .split("\n")
      .filter((l) => l.startsWith("be_") && !l.split(",")[1].match(/^(BACKEND|FRONTEND)$/));
    const instances = spec.services
      .filter((x) => x.mode === "pulumi")
      .reduce((n, s) => n + s.hosts.length, 0);
    assert.equal(servers.length, instances, `${lb.id}: one server per instance`);
    for (const line of servers)
      assert.equal(line.split(",")[17], "UP", `${lb.id}: ${line.split(",")[1]}`);
  }
});

/** Polls `check` every 100 ms until it holds; resolves with the ms it took, or rejects after `seconds`. */
async function timeUntil(what: string, check: () => boolean, seconds: number): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > seconds * 1000) throw new Error(`${what}: not after ${seconds} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}

/** The balancer's servers (backend/server → status) from its stats page. */
function serversOf(lb: string): Map<string, string> {
  const csv = execFileSync(
    "curl",
    ["-fsS", "-m", "2", `http://${lb}:${spec.loadBalancer.statsPort}/stats;csv`],
    { encoding: "utf8" },
  );
  return new Map(
    csv
      .split("\n")
      .filter((l) => l.startsWith("be_") && !/^(BACKEND|FRONTEND)$/.test(l.split(",")[1]))
      .map((l) => [`${l.split(",")[0]}/${l.split(",")[1]}`, l.split(",")[17]]),
  );
}

/** Consul's view of a node: its `serfHealth` check's status. */
function serfHealth(node: string): string {
  const checks = JSON.parse(
    execFileSync(
      "curl",
      ["-fsS", "-m", "2", `http://${site.hosts[0].address}:8500/v1/health/node/${node}`],
      { encoding: "utf8" },
    ),
  ) as { CheckID: string; Status: string }[];
  return checks.find((c) => c.CheckID === "serfHealth")?.Status ?? "absent";
}

test("a slave host lost under a steady client through both balancers: no request fails, its instances hidden on both, its Consul node failed; back, it serves again without an up", async () => {
  const victim = "slave-2";
  const http = spec.services.find((s) => s.protocol === "http" && s.hosts.includes(victim))!;
  const victimInstance = `${spec.stack}-${http.key}-${victim}`;
  const load = new Load({
    targets: spec.loadBalancers.map((lb) => `http://${lb.address}:${http.port}/`),
    rate: 100,
    timeoutMs: 5000,
  }).start();
  try {
    await new Promise((r) => setTimeout(r, 2000));
    const lost = Date.now();
    loseHost(site, victim);
    const onVictim = (lb: string) =>
      [...serversOf(lb)].filter(([k]) => k.endsWith(`-${victim}`)).map(([, status]) => status);
    const hidden = await Promise.all(
      spec.loadBalancers.map((lb) =>
        timeUntil(
          `${victim} hidden on ${lb.id}`,
          () => onVictim(lb.address).every((s) => s !== "UP"),
          30,
        ),
      ),
    );
    const failed = await timeUntil(
      `${victim}'s Consul node failed`,
      () => serfHealth(`${spec.stack}-${victim}`) === "critical",
      30,
    );
    const lastAnswer = Math.max(
      0,
      ...load.samples.filter((s) => s.instance === victimInstance).map((s) => s.done),
    );
    console.log(
      `site: ${victim} lost: hidden on ${spec.loadBalancers.map((lb, i) => `${lb.id} after ${hidden[i]} ms`).join(", ")}; its last answer ${lastAnswer - lost} ms after the loss; its Consul node critical after ${failed} ms`,
    );
    const restored = Date.now();
    await restoreHost(site, victim);
    const serving = await timeUntil(
      `${victim} serving again`,
      () => load.samples.some((s) => s.instance === victimInstance && s.sent > restored),
      90,
    );
    console.log(
      `site: ${victim} back: answering through the balancers ${serving} ms after its restore began`,
    );
    for (const lb of spec.loadBalancers)
      await timeUntil(
        `every server up on ${lb.id}`,
        () => [...serversOf(lb.address).values()].every((s) => s === "UP"),
        30,
      );
    assert.equal(serfHealth(`${spec.stack}-${victim}`), "passing");
  } finally {
    await load.stop();
  }
  const summary = summarize(load.samples);
  console.log(
    `site: steady client: ${summary.requests} requests, ${summary.failed} failed, p99 ${summary.p99Ms} ms, max ${summary.maxMs} ms`,
  );
  assert.equal(summary.failed, 0, summary.failures.join("\n"));
  assert.ok(summary.requests > 1000);
});
