// 6. A release under a steady client: `npm run release`'s rollout (scripts/release.ts) onto a
// service image tag built beforehand, timed from the start of its `pulumi up` until Consul shows
// every instance passing again.
import { Stack } from "@pulumi/pulumi/automation";
import { Rollout, rollOut } from "../release";
import { LoadSummary } from "./load";
import { Platform } from "./platform";
import { withLoad } from "./scenarios";

export interface ReleaseResult {
  image: string;
  rollout: Rollout;
  load: LoadSummary;
}

export async function releaseUnderLoad(p: Platform, stack: Stack, image: string, log: (m: string) => void = () => undefined): Promise<ReleaseResult> {
  const { result, load } = await withLoad(p, p.lbs, () => rollOut(stack, image, log));
  return { image, rollout: result, load };
}
