// 6. A release under a steady client: `npm run release`'s rollout (scripts/release.ts) onto a
// service image tag built beforehand, timed from the start of its `pulumi up` until Consul shows
// every instance passing again.
import { execFileSync } from "node:child_process";
import { Stack } from "@pulumi/pulumi/automation";
import { PROJECT_ROOT } from "../engine-stack";
import { Rollout, rollOut } from "../release";
import { LoadSummary } from "./load";
import { Platform } from "./platform";
import { withLoad } from "./scenarios";

export interface ReleaseResult {
  image: string;
  rollout: Rollout;
  load: LoadSummary;
}

/** Builds the platform service image at each of `versions` (what `npm run release` builds first). */
export function buildServiceImages(versions: string[]): string[] {
  for (const v of versions) execFileSync("scripts/docker/build-images.sh", ["--no-dockerd", "--service-version", v, "service"], { cwd: PROJECT_ROOT, stdio: "ignore" });
  return versions.map((v) => `lhcb-platform/service:${v}`);
}

export async function releaseUnderLoad(p: Platform, stack: Stack, image: string, log: (m: string) => void = () => undefined): Promise<ReleaseResult> {
  const { result, load } = await withLoad(p, p.lbs, () => rollOut(stack, image, log));
  return { image, rollout: result, load };
}
