// The containers on the balancers' image (lhcb-platform/haproxy, whose STOPSIGNAL is SIGUSR1, for
// HAProxy) as the plan declares them, on this machine's Docker Engine: `docker stop` ends each
// within its grace, not by Docker's SIGKILL once the grace has passed. A load balancer stops HAProxy
// softly; the whitelist renderer's consul-template stops on its own signal. Neither finds a
// Consul here, and their consul-template keeps retrying until stopped; the balancer is given a
// rendering by hand, without which its HAProxy would not start.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { ContainerSpec } from "../../components/core/container-spec";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { loadBalancerContainer } from "../../components/haproxy/lb-containers";
import { whitelistRendererContainer } from "../../components/whitelist/whitelist-containers";
import { containerLogs, docker, eventually, execSucceeds } from "../../scripts/bench/probes";
import { PROJECT_ROOT } from "../../scripts/engine-stack";
import { tempDir } from "../../scripts/temp-dir";
import { renderingWith, renderInto } from "../support/balancer-rendering";
import { runPlanned } from "../support/run-planned";

const local = loadPlatformFromStackFile(PROJECT_ROOT, "local");
const spec = { ...local, stack: `stopsig${process.pid}` };
const dir = tempDir("stop-signal-real-");
const startedContainers: ContainerSpec[] = [];

after(() => {
  for (const c of startedContainers) {
    docker("rm", "-f", c.name);
    for (const v of c.volumes ?? [])
      if (v.hostPath?.includes(spec.stack)) rmSync(v.hostPath, { recursive: true, force: true });
  }
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `c`, then `started`, waits until `ready`, stops it, and returns its log. It must end by
 * itself within half its grace, with status `exitCode` (Docker's SIGKILL gives 137).
 */
async function stopOf(
  c: ContainerSpec,
  ready: () => boolean,
  exitCode: number,
  started: () => void = () => undefined,
): Promise<string> {
  startedContainers.push(c);
  runPlanned(c, dir);
  started();
  await eventually(`${c.name} ready`, 30, async () => (ready() ? true : undefined), 100).catch(
    (e: Error) => assert.fail(`${e.message}\n${containerLogs(c.name)}`),
  );
  const grace = c.stopGraceSeconds ?? 10;
  const begun = Date.now();
  docker("stop", c.name);
  const took = (Date.now() - begun) / 1000;
  const status = Number(docker("inspect", "-f", "{{.State.ExitCode}}", c.name));
  const log = containerLogs(c.name);
  console.log(
    `stop-signal: ${c.name} stopped in ${took.toFixed(2)} s (grace ${grace} s), exit ${status}`,
  );
  assert.equal(status, exitCode, log);
  assert.ok(took < grace / 2, `stopped after ${took} s of a grace of ${grace} s\n${log}`);
  return log;
}

test("docker stop ends a load balancer within its grace, HAProxy stopped softly, not killed", async () => {
  const lb = loadBalancerContainer(spec, spec.loadBalancers[0]);
  const healthz = `http://127.0.0.1:${spec.loadBalancer.statsPort}/healthz`;
  const log = await stopOf(
    lb,
    () => execSucceeds(lb.name, "curl", "-fsS", "-o", "/dev/null", healthz),
    0,
    () => renderInto(lb.name, renderingWith(spec, "sample")),
  );
  // A soft stop (SIGUSR1 to the master): the worker stops its proxies and exits by itself, where
  // SIGTERM ends it at once ("exited with code 143 (Terminated)").
  assert.match(log, /Current worker \(\d+\) exited with code 0 \(Exit\)/);
  assert.match(log, /Proxy fe_configuration_server stopped/);
});

test("docker stop ends the whitelist renderer within its grace, not killed", async () => {
  const renderer = whitelistRendererContainer(spec, spec.masters[0]);
  // 12: consul-template's status when its kill signal stops it (ExitCodeInterrupt in its cli.go)
  await stopOf(renderer, () => execSucceeds(renderer.name, "pgrep", "-x", "consul-template"), 12);
});

test("docker stop ends a load balancer still waiting for its first rendering, HAProxy never started", async () => {
  const waiting = { ...spec, stack: `${spec.stack}w` };
  const lb = loadBalancerContainer(waiting, waiting.loadBalancers[0]);
  const log = await stopOf(
    lb,
    () => /lb-start: waiting for consul-template's first rendering/.test(containerLogs(lb.name)),
    0,
  );
  assert.doesNotMatch(log, /Proxy \w+ started|HAProxy version|worker/i);
});
