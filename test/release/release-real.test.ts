// `npm run release`'s rollout under the real engine on a scratch copy of the local stack: under
// steady load no request fails; instances are replaced in rounds of one per service; afterwards
// every instance runs the new version. Needs what `npm run up` prepares.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import http from "node:http";
import { after, before, test } from "node:test";
import { Stack } from "@pulumi/pulumi/automation";
import { openScratchStack, PROJECT_ROOT } from "../../scripts/engine-stack";
import { pendingInstances, rollOut, rounds } from "../../scripts/release";

const STACK = `release${process.pid % 1000}`;
const VERSION = "0.0.1-rt";
let stack: Stack;

function docker(...args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8" }).trim();
}

before(async () => {
  execFileSync("scripts/docker/build-images.sh", ["--no-dockerd", "--service-version", VERSION, "service"], { cwd: PROJECT_ROOT, stdio: "ignore" });
  stack = await openScratchStack(STACK, "local");
});

after(async () => {
  if (stack) await stack.destroy({ color: "never" }).catch(() => undefined);
  if (stack) await stack.workspace.removeStack(STACK).catch(() => undefined);
});

/** Steady keep-alive GETs through a load balancer until stopped; counts outcomes and versions. */
function steadyLoad(host: string, port: number, perSecond: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const stats = { ok: 0, failed: 0, errors: [] as string[], versions: new Map<string, number>() };
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.get({ host, port, path: "/", agent, timeout: 10_000 }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => {
          if (res.statusCode === 200) {
            stats.ok++;
            const v = JSON.parse(body).version as string;
            stats.versions.set(v, (stats.versions.get(v) ?? 0) + 1);
          } else {
            stats.failed++;
            stats.errors.push(`HTTP ${res.statusCode}`);
          }
          resolve();
        });
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (e) => {
        stats.failed++;
        stats.errors.push(String(e));
        resolve();
      });
    });
  const loop = (async () => {
    const inflight = new Set<Promise<void>>();
    while (running) {
      const p = one().finally(() => inflight.delete(p));
      inflight.add(p);
      await new Promise((r) => setTimeout(r, 1000 / perSecond));
    }
    await Promise.all(inflight);
  })();
  return {
    stats,
    stop: async () => {
      running = false;
      await loop;
      agent.destroy();
    },
  };
}

test("a release rolls out one instance per service at a time with no failed request", { timeout: 900_000 }, async () => {
  const up = await stack.up({ color: "never" });
  assert.equal(up.summary.result, "succeeded");
  const lb = docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", `${STACK}-lb-lb-1`);
  // Wait until the balancer serves the service.
  for (let i = 0; i < 120; i++) {
    const ok = await fetch(`http://${lb}:9162/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 500));
  }

  const state = (await stack.exportStack()).deployment as { resources: Parameters<typeof pendingInstances>[0] };
  const plan = rounds(pendingInstances(state.resources, `lhcb-platform/service:${VERSION}`));
  assert.deepEqual(plan.map((r) => r.length), [3, 3, 1], "round i replaces the i-th instance of every service");
  for (const round of plan) assert.equal(new Set(round.map((u) => u.split("::").pop()!.replace(/-slave-\d$/, ""))).size, round.length);

  const load = steadyLoad(lb, 9162, 100);
  let times: number[];
  try {
    times = await rollOut(stack, `lhcb-platform/service:${VERSION}`, (m) => console.log(`release test: ${m}`));
    await new Promise((r) => setTimeout(r, 2000));
  } catch (e) {
    console.log(`release test: rollout failed: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  } finally {
    await load.stop();
  }
  console.log(`release test: rounds ${times.map((t) => t.toFixed(1)).join("s, ")}s; requests ok ${load.stats.ok}, failed ${load.stats.failed}; versions ${JSON.stringify([...load.stats.versions])}`);
  assert.equal(load.stats.failed, 0, load.stats.errors.slice(0, 5).join("; "));
  assert.ok(load.stats.ok > 1000, `only ${load.stats.ok} requests were made`);
  assert.ok((load.stats.versions.get(VERSION) ?? 0) > 0);

  // Every instance runs the new version now.
  const names = docker("ps", "--filter", `label=platform.stack=${STACK}`, "--filter", "label=platform.component=service", "--format", "{{.Names}}").split("\n");
  assert.equal(names.length, 7);
  for (const n of names) assert.equal(docker("inspect", "-f", "{{.Config.Image}}", n), `lhcb-platform/service:${VERSION}`, n);
  const preview = await stack.preview({ color: "never" });
  assert.deepEqual(Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0), []);
});
