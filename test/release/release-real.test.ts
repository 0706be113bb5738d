// `npm run release`'s rollout under the real engine on a scratch copy of the local stack: under
// steady load no request fails; the instances of a service are replaced one at a time (each
// drained, replaced and registered again before the next is drained), every service in
// parallel; afterwards every instance runs the new version. Needs what `npm run up` prepares.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Stack } from "@pulumi/pulumi/automation";
import { Load, summarize } from "../../scripts/bench/load";
import { docker } from "../../scripts/bench/probes";
import {
  openScratchStack,
  removeScratchStack,
  stackWithFreeNetwork,
} from "../../scripts/engine-stack";
import { buildServiceImage, Rollout, rollOut } from "../../scripts/release";

// A name whose local network no other stack on this engine holds (the developer's `local` among them).
const STACK = stackWithFreeNetwork(`release${process.pid % 1000}`);
const VERSION = "0.0.1-rt";
let stack: Stack;

before(async () => {
  buildServiceImage(VERSION);
  stack = await openScratchStack(STACK, "local");
});

after(async () => {
  if (stack) await removeScratchStack(stack);
});

test(
  "a release rolls out one instance per service at a time with no failed request",
  { timeout: 900_000 },
  async () => {
    const up = await stack.up({ color: "never" });
    assert.equal(up.summary.result, "succeeded");
    const lb = docker(
      "inspect",
      "-f",
      "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
      `${STACK}-lb-lb-1`,
    );
    // Wait until the balancer serves the service.
    for (let i = 0; i < 120; i++) {
      const ok = await fetch(`http://${lb}:9162/`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 500));
    }

    const load = new Load({ targets: [`http://${lb}:9162/`], rate: 100 }).start();
    let rollout: Rollout;
    try {
      rollout = await rollOut(stack, `lhcb-platform/service:${VERSION}`, (m) =>
        console.log(`release test: ${m}`),
      );
      await new Promise((r) => setTimeout(r, 2000));
    } catch (e) {
      console.log(`release test: rollout failed: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    } finally {
      await load.stop();
    }
    const summary = summarize(load.samples);
    console.log(
      `release test: ${rollout.replacements.length} instances in ${rollout.seconds.toFixed(1)}s; ${summary.requests} requests, ${summary.failed} failed`,
    );
    assert.equal(summary.failed, 0, summary.failures.join("; "));
    assert.ok(summary.requests > 1000, `only ${summary.requests} requests were made`);
    // All 7 instances were replaced; per service, one at a time and in order: an instance is
    // drained only once the one before it serves again.
    const service = (instance: string) =>
      instance.replace(/^.*-services-/, "").replace(/-slave-\d+$/, "");
    assert.equal(rollout.replacements.length, 7, JSON.stringify(rollout.replacements));
    const byService = new Map<string, Rollout["replacements"]>();
    for (const r of rollout.replacements)
      byService.set(service(r.instance), [...(byService.get(service(r.instance)) ?? []), r]);
    assert.deepEqual([...byService.values()].map((rs) => rs.length).sort(), [2, 2, 3]);
    for (const rs of byService.values()) {
      for (let i = 1; i < rs.length; i++)
        assert.ok(
          rs[i].drained >= rs[i - 1].serving,
          `${rs[i].instance} drained at ${rs[i].drained}s, before ${rs[i - 1].instance} served again at ${rs[i - 1].serving}s`,
        );
    }
    // Every instance answered, and the replaced ones answered again after their replacement.
    assert.equal(Object.keys(summary.byInstance).length, 3, JSON.stringify(summary.byInstance));

    // Every instance runs the new version now.
    const names = docker(
      "ps",
      "--filter",
      `label=platform.stack=${STACK}`,
      "--filter",
      "label=platform.component=service",
      "--format",
      "{{.Names}}",
    ).split("\n");
    assert.equal(names.length, 7);
    for (const n of names)
      assert.equal(
        docker("inspect", "-f", "{{.Config.Image}}", n),
        `lhcb-platform/service:${VERSION}`,
        n,
      );
    const preview = await stack.preview({ color: "never" });
    assert.deepEqual(
      Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0),
      [],
    );
  },
);
