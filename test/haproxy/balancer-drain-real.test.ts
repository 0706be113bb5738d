// An instance's drain (components/haproxy/balancer-gate.ts, `DRAIN_GATE_COMMAND`) against a real
// balancer: the planned load-balancer container (lhcb-platform/haproxy) on this machine's Docker
// Engine, given renderings by hand as consul-template gives them, asked through the Docker CLI as
// the drain asks a balancer's Engine. It waits while the balancer has the instance in service,
// checked or as its fallback, passes once a rendering without it is loaded, and never fails.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { after, before, test } from "node:test";
import {
  DRAIN_GATE_COMMAND,
  drainEnvironment,
  GateBalancer,
} from "../../components/haproxy/balancer-gate";
import {
  BackendServer,
  renderHaproxyConfig,
  sampleServers,
} from "../../components/haproxy/haproxy-config";
import { frontedServices, haproxyOptions } from "../../components/haproxy/lb-containers";
import { LB_PATHS } from "../../components/haproxy/lb-files";
import { containerLogs, docker, eventually } from "../../scripts/bench/probes";
import { tempDir } from "../../scripts/temp-dir";
import { renderInto } from "../support/balancer-rendering";
import { runPlanned } from "../support/run-planned";
import { balancerUnderTest, ENGINE, LIVE, liveFrontend } from "../support/balancer-under-test";

const { spec, lb, web, balancer } = balancerUnderTest(`drain${process.pid}`);
const dir = tempDir("balancer-drain-real-");

/** Sample/Web's servers, each a live instance, the ones not `passing` as their fallback only. */
function rendering(servers: { id: string; passing?: boolean }[]): string {
  const instances: BackendServer[] = servers.map((s) => ({ ...s, ...LIVE }));
  const config = renderHaproxyConfig(
    frontedServices(spec),
    haproxyOptions(spec),
    sampleServers((s) => (s.key === web.key ? instances : [])),
  );
  return `${config}${liveFrontend()}`;
}

/** Sample/Web's server names the balancer has loaded (`show servers state`). */
function loaded(): string[] {
  const ask = `echo "show servers state be_sample_web" | socat -t 2 stdio unix-connect:${LB_PATHS.runDir}/admin.sock`;
  return docker("exec", lb.name, "sh", "-c", ask)
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#") && l.split(" ").length > 4)
    .map((l) => l.split(" ")[3])
    .sort();
}

/** Renders `servers` into the balancer and waits until HAProxy has loaded exactly those lines. */
async function install(servers: { id: string; passing?: boolean }[]): Promise<void> {
  renderInto(lb.name, rendering(servers));
  const expected = servers
    .flatMap((s) => (s.passing === false ? [`${s.id}-fallback`] : [s.id, `${s.id}-fallback`]))
    .sort();
  await eventually(
    `the balancer loading ${expected.join(", ")}`,
    30,
    async () => JSON.stringify(loaded()) === JSON.stringify(expected) || undefined,
    100,
  ).catch((e: Error) => assert.fail(`${e.message}\n${containerLogs(lb.name)}`));
}

/** The drain of `serverId` over `balancers`, run as `pulumi up` runs it: exit code, stderr, seconds. */
function drain(
  serverId: string,
  balancers: GateBalancer[],
  seconds: number,
): Promise<{ code: number | null; stderr: string; seconds: number }> {
  const t0 = Date.now();
  return new Promise((done) => {
    const env = { ...process.env, ...drainEnvironment(web, serverId, balancers, seconds) };
    const child = spawn("/bin/sh", ["-c", DRAIN_GATE_COMMAND], { env });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) =>
      done({ code, stderr: stderr.trim(), seconds: (Date.now() - t0) / 1000 }),
    );
  });
}

before(() => {
  runPlanned(lb, dir);
});

after(() => {
  spawnSync("docker", ["rm", "-f", lb.name, `${lb.name}-stopped`]);
  rmSync(dir, { recursive: true, force: true });
});

test("the drain waits while the balancer has the instance, and passes once a rendering without it is loaded", async () => {
  await install([{ id: "stay-web" }, { id: "going-web" }]);
  let finished = false;
  const waiting = drain("going-web", [balancer], 30).finally(() => (finished = true));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(finished, false, "still waiting 1.5 s in, while the balancer has going-web");
  await install([{ id: "stay-web" }]);
  const r = await waiting;
  assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 0, stderr: "" });
  assert.ok(r.seconds < 10, `${r.seconds} s`);
});

test("an instance the balancer keeps as its fallback only (failing in Consul) is still in service: the drain waits its time, then lets it stop, naming the balancer", async () => {
  await install([{ id: "stay-web" }, { id: "failing-web", passing: false }]);
  const r = await drain("failing-web", [balancer], 2);
  assert.deepEqual(
    { code: r.code, stderr: r.stderr },
    {
      code: 0,
      stderr:
        "instance failing-web of Sample/Web: still in service on a balancer; stopped anyway after 2s (lb-1: failing-web-fallback in be_sample_web still in service)",
    },
  );
  assert.ok(r.seconds >= 1 && r.seconds < 6, `${r.seconds} s for a 2 s drain`);
});

test("an instance put in maintenance on the balancer, checked line and fallback, is drained at once", async () => {
  await install([{ id: "stay-web" }, { id: "maint-web" }]);
  for (const server of ["maint-web", "maint-web-fallback"])
    docker(
      "exec",
      lb.name,
      "sh",
      "-c",
      `echo "set server be_sample_web/${server} state maint" | socat stdio unix-connect:${LB_PATHS.runDir}/admin.sock`,
    );
  const r = await drain("maint-web", [balancer], 10);
  assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 0, stderr: "" });
  assert.ok(r.seconds < 5, `${r.seconds} s`);
});

test("a balancer whose container is gone or stopped sends nothing: it counts as drained, the live one is still asked", async () => {
  await install([{ id: "stay-web" }, { id: "kept-web" }]);
  const stopped = `${lb.name}-stopped`;
  docker("create", "--name", stopped, lb.image);
  const gone = `drain-missing-${process.pid}`;
  const others: GateBalancer[] = [
    { id: "lb-2", engine: ENGINE, container: gone },
    { id: "lb-3", engine: ENGINE, container: stopped },
  ];
  assert.deepEqual(
    await drain("stay-web", others, 10).then((r) => ({ code: r.code, stderr: r.stderr })),
    { code: 0, stderr: "" },
  );
  const r = await drain("kept-web", [balancer, ...others], 2);
  assert.equal(r.code, 0);
  assert.equal(
    r.stderr,
    "instance kept-web of Sample/Web: still in service on a balancer; stopped anyway after 2s (lb-1: kept-web in be_sample_web still in service)",
  );
});
