// A load balancer's container as the plan declares it (lhcb-platform/haproxy), on this machine's
// Docker Engine, where no Consul answers its consul-template: HAProxy does not listen before a
// rendering gives it its servers, starts with the first one, reloads the ones after, and after a
// restart of the container listens at once with the last one.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { backendName } from "../../components/haproxy/haproxy-config";
import { frontedServices, loadBalancerContainer } from "../../components/haproxy/lb-containers";
import { containerLogs, docker, eventually, execSucceeds } from "../../scripts/bench/probes";
import { PROJECT_ROOT } from "../../scripts/engine-stack";
import { tempDir } from "../../scripts/temp-dir";
import { renderingWith, renderInto } from "../support/balancer-rendering";
import { runPlanned } from "../support/run-planned";

const local = loadPlatformFromStackFile(PROJECT_ROOT, "local");
const spec = { ...local, stack: `lbfirst${process.pid}` };
const dir = tempDir("lb-first-rendering-real-");
const lb = loadBalancerContainer(spec, spec.loadBalancers[0]);
const first = frontedServices(spec)[0];

after(() => {
  docker("rm", "-f", lb.name);
  rmSync(dir, { recursive: true, force: true });
});

/** Whether a TCP connection to the first service's frontend opens inside the container. */
function listening(): boolean {
  const open = `exec 3<>/dev/tcp/127.0.0.1/${first.port}`;
  return execSucceeds(lb.name, "bash", "-c", open);
}

/** The servers of the first service's backend on the running HAProxy's stats page. */
function servers(): string[] {
  const r = spawnSync("docker", [
    "exec",
    lb.name,
    "curl",
    "-fsS",
    `http://127.0.0.1:${spec.loadBalancer.statsPort}/stats;csv`,
  ]);
  if (r.status !== 0) return [];
  return r.stdout
    .toString()
    .split("\n")
    .map((l) => l.split(","))
    .filter(([proxy, server]) => proxy === backendName(first) && server !== "BACKEND")
    .map(([, server]) => server);
}

const withLog = (e: Error) => assert.fail(`${e.message}\n${containerLogs(lb.name)}`);

test("a new balancer listens only once a rendering gave it servers, reloads later ones, and keeps the last across a restart", async () => {
  runPlanned(lb, dir);
  const running = (name: string) => execSucceeds(lb.name, "pgrep", "-x", name);
  await eventually(
    "consul-template running",
    30,
    async () => running("consul-template") || undefined,
    100,
  ).catch(withLog);
  for (let i = 0; i < 10; i++) {
    assert.equal(listening(), false, `listening before any rendering\n${containerLogs(lb.name)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(running("haproxy"), false);
  assert.match(containerLogs(lb.name), /lb-start: waiting for consul-template's first rendering/);
  assert.match(renderInto(lb.name, renderingWith(spec, "a")), /first configuration installed/);
  // A second rendering at once, while HAProxy may be starting with the first: it is the one served.
  renderInto(lb.name, renderingWith(spec, "b"));
  const expected = [`b-${first.key}`, `b-${first.key}-fallback`].join();
  /** Waits until the balancer listens with the second rendering's servers. */
  const serving = (what: string, seconds: number) =>
    eventually(
      what,
      seconds,
      async () => (listening() && servers().join() === expected ? true : undefined),
      100,
    ).catch(withLog);
  await serving("the second rendering's servers", 30);
  assert.equal(containerLogs(lb.name).match(/lb-start: waiting/g)?.length, 1);

  docker("restart", lb.name);
  await serving("listening again after the restart, without a rendering", 15);
  assert.equal(containerLogs(lb.name).match(/lb-start: waiting/g)?.length, 1);
});
