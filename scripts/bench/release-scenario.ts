// 6. A release under a steady client of DIRAC's services (DISET pings through every balancer):
// what `npm run release -- TAG` does (scripts/release.ts) for a tag built beforehand: the image
// checked (build-images.sh finds it up to date), the stack's config set, its rollout; timed from
// before the image check (the command's own Node start is not counted) until Consul shows every
// instance passing again. The client runs in a thread of its own (steady-client.ts); its requests
// are summarized apart: those sent during the rollout, and those of the 1.5 s of steady client
// before and after it (the baseline).
import { Stack } from "@pulumi/pulumi/automation";
import { buildReleaseImage, releaseImage, Rollout, rollOut } from "../release";
import { CpuSplit, cpuSplit, readCpu } from "./cpu-split";
import { LoadSummary, Sample, summarize } from "./load";
import { Platform } from "./platform";
import { sleep } from "./probes";
import { diracTargets } from "./scenarios";
import { SteadyClient } from "./steady-client";

/** The steady client's time before and after the rollout: the baseline. */
const STEADY_MS = 1500;

export interface ReleaseResult {
  image: string;
  rollout: Rollout;
  /** Every request of the client. */
  load: LoadSummary;
  /** The requests sent while the rollout ran. */
  during: LoadSummary;
  /** The requests sent before and after it. */
  outside: LoadSummary;
  /** The machine's CPU during the rollout, the containers' apart. */
  cpu: CpuSplit;
}

export async function releaseUnderLoad(
  p: Platform,
  stack: Stack,
  tag: string,
  log: (m: string) => void = () => undefined,
): Promise<ReleaseResult> {
  // The rollout runs the Pulumi program in this thread: the client has a thread of its own.
  const client = new SteadyClient({ targets: diracTargets(p.lbs.map((lb) => p.ip(lb))) });
  let samples: Sample[] = [];
  let window = { from: 0, to: 0 };
  let rollout: Rollout;
  let cpu: CpuSplit;
  try {
    await sleep(STEADY_MS);
    const before = readCpu();
    const from = Date.now();
    const image = buildReleaseImage(tag);
    rollout = await rollOut(stack, image, log, from);
    window = { from, to: Date.now() };
    cpu = cpuSplit(before, readCpu());
    await sleep(STEADY_MS);
  } finally {
    samples = await client.stop();
  }
  const inWindow = (sent: number) => sent >= window.from && sent <= window.to;
  return {
    image: releaseImage(tag),
    rollout,
    load: summarize(samples),
    during: summarize(samples.filter((s) => inWindow(s.sent))),
    outside: summarize(samples.filter((s) => !inWindow(s.sent))),
    cpu,
  };
}
