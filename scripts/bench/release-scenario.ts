// 6. A release under a steady client of DIRAC's services (DISET pings through every balancer):
// what `npm run release -- TAG` does (scripts/release.ts) for a tag built beforehand: the image
// checked (build-images.sh finds it up to date), the stack's config set, its rollout; timed from
// before the image check (the command's own Node start is not counted) until Consul shows every
// instance passing again. The client's requests are summarized apart: those sent during the
// rollout, and those of the 1.5 s of steady client before and after it (the baseline).
import { Stack } from "@pulumi/pulumi/automation";
import { buildReleaseImage, releaseImage, Rollout, rollOut } from "../release";
import { LoadSummary, summarize } from "./load";
import { Platform } from "./platform";
import { diracTargets, withLoad } from "./scenarios";

export interface ReleaseResult {
  image: string;
  rollout: Rollout;
  /** Every request of the client. */
  load: LoadSummary;
  /** The requests sent while the rollout ran. */
  during: LoadSummary;
  /** The requests sent before and after it. */
  outside: LoadSummary;
}

export async function releaseUnderLoad(
  p: Platform,
  stack: Stack,
  tag: string,
  log: (m: string) => void = () => undefined,
): Promise<ReleaseResult> {
  let window = { from: 0, to: 0 };
  const { result, load, samples } = await withLoad(
    p,
    p.lbs,
    async () => {
      const from = Date.now();
      const image = buildReleaseImage(tag);
      const r = await rollOut(stack, image, log, from);
      window = { from, to: Date.now() };
      return r;
    },
    { targets: diracTargets(p.lbs.map((lb) => p.ip(lb))) },
  );
  const inWindow = (sent: number) => sent >= window.from && sent <= window.to;
  return {
    image: releaseImage(tag),
    rollout: result,
    load,
    during: summarize(samples.filter((s) => inWindow(s.sent))),
    outside: summarize(samples.filter((s) => !inWindow(s.sent))),
  };
}
