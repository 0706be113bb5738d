// `npm run release`'s rollout under the real engine on a scratch copy of the local stack: under
// a steady client of DIRAC's services (DISET pings through both balancers) no call fails; each
// instance's replacement starts beside it, and an old instance is drained only once every new
// instance of its service is registered (one at a time for a service whose instances hold the
// database's password), every service in parallel; afterwards every instance on the platform
// image runs the new release. Needs what `npm run up` prepares.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Stack } from "@pulumi/pulumi/automation";
import { Sample, summarize } from "../../scripts/bench/load";
import { disetCall } from "../../scripts/bench/diset";
import { balancerTrouble, docker, eventually, ipOf } from "../../scripts/bench/probes";
import { DIRAC_SERVICES, diracTargets } from "../../scripts/bench/scenarios";
import { SteadyClient } from "../../scripts/bench/steady-client";
import {
  openScratchStack,
  removeScratchStack,
  stackWithFreeNetwork,
} from "../../scripts/engine-stack";
import { buildReleaseImage, releaseImage, Rollout, rollOut } from "../../scripts/release";

// A name whose local network no other stack on this engine holds (the developer's `local` among them).
const STACK = stackWithFreeNetwork(`release${process.pid % 1000}`);
const VERSION = "rt";
let stack: Stack;

before(async () => {
  buildReleaseImage(VERSION);
  stack = await openScratchStack(STACK, "local");
});

after(async () => {
  if (stack) await removeScratchStack(stack);
});

test(
  "a release starts each service's new instances beside the old ones, which leave after, with no failed request",
  { timeout: 900_000 },
  async () => {
    const up = await stack.up({ color: "never" });
    assert.equal(up.summary.result, "succeeded");
    const lbs = [1, 2].map((i) => ipOf(`${STACK}-lb-lb-${i}`));
    const targets = diracTargets(lbs);
    // Wait until both balancers serve DIRAC's services.
    for (const lb of lbs)
      for (const d of DIRAC_SERVICES)
        await eventually(`${lb} serving ${d.name}`, 60, async () =>
          (await disetCall(lb, d.port, d.name, "ping", [], 2000).catch(() => undefined))?.OK
            ? true
            : undefined,
        );

    const loadStarted = Date.now();
    // In a thread of its own: the rollout runs the program in this one.
    const client = new SteadyClient({ targets, rate: 100 });
    let samples: Sample[] = [];
    let rollout: Rollout;
    try {
      rollout = await rollOut(stack, releaseImage(VERSION), (m) =>
        console.log(`release test: ${m}`),
      );
      await new Promise((r) => setTimeout(r, 2000));
    } catch (e) {
      console.log(`release test: rollout failed: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    } finally {
      samples = await client.stop();
    }
    const summary = summarize(samples);
    console.log(
      `release test: ${rollout.replacements.length} instances in ${rollout.seconds.toFixed(1)}s; ${summary.requests} requests, ${summary.failed} failed`,
    );
    // What each balancer saw: on a failure, the connections it ended abnormally or retried, its
    // servers' state changes and its reloads, so a failed run says where its calls were lost.
    const evidence: string[] = [];
    for (const i of [1, 2]) {
      const t = balancerTrouble(`${STACK}-lb-lb-${i}`, loadStarted);
      console.log(
        `release test: lb-${i}: ${t.connections} connections, ${t.abnormal} ended abnormally or unanswered, ${t.retried} retried`,
      );
      evidence.push(`lb-${i}:`, ...t.lines);
    }
    assert.equal(summary.failed, 0, [...summary.failures, ...evidence].join("\n"));
    assert.ok(summary.requests > 1000, `only ${summary.requests} requests were made`);
    // The 7 instances of DIRAC's services were replaced (the sample's, on their own image, not).
    // Those of a service without secrets each beside the old one: an old instance is drained
    // only once every new instance of its service serves. ResourceStatus's, which hold the
    // database's password, one at a time and in order: an instance is drained only once the one
    // before it serves again.
    const service = (instance: string) =>
      instance.replace(/^.*-services-/, "").replace(/-slave-\d+$/, "");
    assert.equal(rollout.replacements.length, 7, JSON.stringify(rollout.replacements));
    const byService = new Map<string, Rollout["replacements"]>();
    for (const r of rollout.replacements)
      byService.set(service(r.instance), [...(byService.get(service(r.instance)) ?? []), r]);
    assert.deepEqual([...byService.entries()].map(([k, rs]) => `${k} ${rs.length}`).sort(), [
      "configuration-server 3",
      "datamanagement-storageelement 2",
      "resourcestatus-resourcestatus 2",
    ]);
    for (const [key, rs] of byService) {
      if (key === "resourcestatus-resourcestatus") {
        for (let i = 1; i < rs.length; i++)
          assert.ok(
            rs[i].drained >= rs[i - 1].serving,
            `${rs[i].instance} drained at ${rs[i].drained}s, before ${rs[i - 1].instance} served again at ${rs[i - 1].serving}s`,
          );
        continue;
      }
      const allServing = Math.max(...rs.map((r) => r.serving));
      for (const r of rs)
        assert.ok(
          r.drained >= allServing,
          `${r.instance} drained at ${r.drained}s, before every new instance of ${key} served (${allServing}s)`,
        );
    }
    // Every instance of DIRAC's services runs the new release now, and so do DIRAC's agents; the
    // sample's services and agent run their own image.
    const release = "lhcb-platform/dirac:9.1.22-rt";
    const sample = "lhcb-platform/service:1.0.0";
    assert.deepEqual(runningImages("service"), [
      ...Array(3).fill(`${STACK}-configuration-server ${release}`),
      ...Array(2).fill(`${STACK}-datamanagement-storageelement ${release}`),
      ...Array(2).fill(`${STACK}-resourcestatus-resourcestatus ${release}`),
      ...Array(2).fill(`${STACK}-sample-proxied ${sample}`),
      ...Array(3).fill(`${STACK}-sample-web ${sample}`),
    ]);
    assert.deepEqual(runningImages("agent"), [
      ...Array(2).fill(`${STACK}-sample-longrun ${sample}`),
      ...Array(2).fill(`${STACK}-transformation-inputdataagent ${release}`),
      ...Array(2).fill(`${STACK}-transformation-transformationagent ${release}`),
    ]);
    const preview = await stack.preview({ color: "never" });
    assert.deepEqual(
      Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0),
      [],
    );
  },
);

/** `<container> <image>` of each running container of the stack's `component`, without its host (and an instance's revision), sorted. */
function runningImages(component: string): string[] {
  return docker(
    "ps",
    "--filter",
    `label=platform.stack=${STACK}`,
    "--filter",
    `label=platform.component=${component}`,
    "--format",
    "{{.Names}} {{.Image}}",
  )
    .split("\n")
    .map((l) => l.replace(/-slave-\d+-[0-9a-f]{8} /, " ").replace(/-slave-\d+ /, " "))
    .sort();
}
