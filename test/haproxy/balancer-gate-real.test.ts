// The served gate (components/haproxy/balancer-gate.ts) against a real balancer: the planned
// load-balancer container (lhcb-platform/haproxy) on this machine's Docker Engine, given a
// rendering by hand, asked through the Docker CLI as the gate asks a balancer's Engine. It passes
// once the server is UP, waits while it is not, and names each balancer that does not serve it.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { after, before, test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import {
  GATE_COMMAND,
  GateBalancer,
  gateEnvironment,
} from "../../components/haproxy/balancer-gate";
import { renderHaproxyConfig, sampleServers } from "../../components/haproxy/haproxy-config";
import {
  frontedServices,
  haproxyOptions,
  loadBalancerContainer,
} from "../../components/haproxy/lb-containers";
import { LB_PATHS } from "../../components/haproxy/lb-files";
import { containerLogs, docker, eventually, execSucceeds } from "../../scripts/bench/probes";
import { PROJECT_ROOT } from "../../scripts/engine-stack";
import { tempDir } from "../../scripts/temp-dir";
import { renderInto } from "../support/balancer-rendering";
import { runPlanned } from "../support/run-planned";

const local = loadPlatformFromStackFile(PROJECT_ROOT, "local");
const spec = { ...local, stack: `gate${process.pid}` };
const dir = tempDir("balancer-gate-real-");
const lb = loadBalancerContainer(spec, spec.loadBalancers[0]);
const web = frontedServices(spec).find((s) => s.key === "sample-web")!;
/** Inside the balancer, a frontend of its own answers `GET /ping` with 200: a live instance. */
const LIVE = { address: "127.0.0.1", port: 18080 };
const ENGINE = { host: "unix:///var/run/docker.sock" };
const balancer: GateBalancer = { id: "lb-1", engine: ENGINE, container: lb.name };

/**
 * The balancer's rendering: Sample/Web's `up-web` at the live frontend, `down-web` and `later-web`
 * where nothing listens (the discard port).
 */
function rendering(): string {
  const config = renderHaproxyConfig(
    frontedServices(spec),
    haproxyOptions(spec),
    sampleServers((s) =>
      s.key === web.key
        ? [
            { id: "up-web", ...LIVE },
            { id: "down-web", address: "127.0.0.1", port: 9 },
            { id: "later-web", address: "127.0.0.1", port: 9 },
          ]
        : [],
    ),
  );
  const live = `${LIVE.address}:${LIVE.port}`;
  return `${config}\nfrontend live\n    mode http\n    bind ${live}\n    http-request return status 200 content-type text/plain string pong\n`;
}

/** Sample/Web's server `id`'s status on the balancer's admin socket. */
function status(id: string): string {
  const ask = `echo "show stat" | socat -t 2 stdio unix-connect:${LB_PATHS.runDir}/admin.sock`;
  const csv = docker("exec", lb.name, "sh", "-c", ask);
  const row = csv
    .split("\n")
    .map((l) => l.split(","))
    .find((f) => f[0] === "be_sample_web" && f[1] === id);
  return row?.[17] ?? "absent";
}

/** The gate for `serverId` over `balancers`, run as `pulumi up` runs it: its exit code and stderr. */
function gate(
  serverId: string,
  balancers: GateBalancer[],
  seconds: number,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const env = { ...process.env, ...gateEnvironment(web, serverId, balancers, seconds) };
    const child = spawn("sh", ["-c", GATE_COMMAND], { env });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => done({ code, stderr: stderr.trim() }));
  });
}

before(async () => {
  runPlanned(lb, dir);
  await eventually(
    "consul-template running",
    30,
    async () => execSucceeds(lb.name, "pgrep", "-x", "consul-template") || undefined,
    100,
  );
  renderInto(lb.name, rendering());
  // HAProxy starts a server it did not know UP until its first check: wait for both verdicts.
  await eventually(
    "up-web UP, down-web and later-web DOWN",
    30,
    async () =>
      (status("up-web") === "UP" &&
        status("down-web") === "DOWN" &&
        status("later-web") === "DOWN") ||
      undefined,
    100,
  ).catch((e: Error) => assert.fail(`${e.message}\n${containerLogs(lb.name)}`));
});

after(() => {
  spawnSync("docker", ["rm", "-f", lb.name]);
  rmSync(dir, { recursive: true, force: true });
});

test("a server UP on the balancer passes the gate", async () => {
  assert.deepEqual(await gate("up-web", [balancer], 10), { code: 0, stderr: "" });
});

test("a server DOWN, or not in the configuration, fails the gate once its time is up, naming the balancer and what it saw", async () => {
  assert.deepEqual(await gate("down-web", [balancer], 2), {
    code: 1,
    stderr:
      "instance down-web of Sample/Web: not served by every balancer after 2s (lb-1: down-web in be_sample_web: DOWN)",
  });
  assert.deepEqual(await gate("gone-web", [balancer], 2), {
    code: 1,
    stderr:
      "instance gone-web of Sample/Web: not served by every balancer after 2s (lb-1: gone-web in be_sample_web: not in its configuration)",
  });
});

test("every balancer must serve it: one whose Engine has no such container is named with the Engine's answer, the others not", async () => {
  const missing = `gate-missing-${process.pid}`;
  const r = await gate("up-web", [balancer, { id: "lb-2", engine: ENGINE, container: missing }], 2);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `instance up-web of Sample/Web: not served by every balancer after 2s (lb-2: Error response from daemon: No such container: ${missing})`,
  );
});

test("the gate waits: a server that comes UP while it waits passes it", async () => {
  const waiting = gate("later-web", [balancer], 30);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(status("later-web"), "DOWN", "still DOWN a second into the wait");
  const move = `set server be_sample_web/later-web addr ${LIVE.address} port ${LIVE.port}`;
  docker(
    "exec",
    lb.name,
    "sh",
    "-c",
    `echo "${move}" | socat stdio unix-connect:${LB_PATHS.runDir}/admin.sock`,
  );
  assert.deepEqual(await waiting, { code: 0, stderr: "" });
  assert.equal(status("later-web"), "UP");
});
