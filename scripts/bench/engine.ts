// The engine's figures (the efficiency goal 5), as an operator runs the engine: the CLI of
// scripts/toolchain/bin in the project directory, the Node.js language host running index.ts.
// - `upFromNothing`: a scratch stack with the local stack's config, `pulumi up` from nothing (the
//   toolchain and images already there), `pulumi preview` without change (and, the baseline, the
//   same with the providers' diffs one after another), `pulumi destroy`;
// - `paperScalePreview`: `pulumi preview` of a scratch stack with the local stack's config and the
//   paper-scale catalog and inventory (docs/scale.md); nothing is started by a preview.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import {
  generateCatalog,
  generateInventory,
  paperScale,
} from "../../components/core/catalog-generator";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { readStackFile } from "../../components/core/stack-config";
import { CliStack } from "../cli-stack";
import { errorLines, PROJECT_ROOT, pulumiCli } from "../engine-stack";
import { tempDir } from "../temp-dir";

/** Seconds of each step of one `upFromNothing` run. */
export interface LifecycleRun {
  up: number;
  preview: number;
  /** The same preview with the providers' diffs asked one after another (PULUMI_PARALLEL_DIFF=false). */
  serialDiffPreview: number;
  destroy: number;
}

/** Why the engine cannot be measured here (no CLI, no Docker Engine), or undefined. */
export function engineMissing(): string | undefined {
  if (!existsSync(pulumiCli()))
    return `no Pulumi CLI at ${pulumiCli()} (scripts/toolchain/build.sh builds it)`;
  const docker = spawnSync("docker", ["info"], { encoding: "utf8" });
  if (docker.status !== 0)
    return `no Docker Engine answers \`docker info\`: ${(docker.stderr || docker.error?.message || "").trim().split("\n")[0]}`;
  return undefined;
}

/** What `f` resolves with, and the seconds it took. */
export async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, (performance.now() - t) / 1000];
}

/**
 * `runs` times: `pulumi up` of a new scratch local stack, a preview without change (then the same
 * with the diffs one after another, the baseline), its destroy.
 */
export async function upFromNothing(
  runs: number,
  log: (m: string) => void,
): Promise<LifecycleRun[]> {
  const out: LifecycleRun[] = [];
  for (let i = 0; i < runs; i++) {
    const stack = await CliStack.create(`eng${process.pid % 10000}`, "local");
    try {
      const [, up] = await timed(() => stack.up());
      const [, preview] = await timed(() => stack.previewNoChanges());
      const [, serialDiffPreview] = await timed(() =>
        stack.previewNoChanges({ PULUMI_PARALLEL_DIFF: "false" }),
      );
      const [, destroy] = await timed(() => stack.destroy());
      log(
        `engine run ${i + 1} of ${runs}: up from nothing ${up.toFixed(2)} s, preview without change ${preview.toFixed(2)} s (diffs one after another: ${serialDiffPreview.toFixed(2)} s), destroy ${destroy.toFixed(2)} s`,
      );
      out.push({ up, preview, serialDiffPreview, destroy });
    } finally {
      await stack.remove(destroyFailed(stack, log));
    }
  }
  return out;
}

/** Tells `log` why the destroy of `stack` failed (CliStack.remove removes the stack anyway). */
function destroyFailed(stack: CliStack, log: (m: string) => void): (e: unknown) => void {
  return (e) =>
    log(`the destroy of ${stack.name} failed, the stack is removed anyway: ${errorLines(e, 3)}`);
}

/**
 * Runs `body` on scratch stack `scratch-<label>`: the local stack's config with `catalog` (written
 * to a temporary file that `lhcb-platform:catalog` names), `hosts`, and `config` (a key set to
 * undefined is removed); the stack and the file are removed afterwards, whatever happened.
 */
export async function withCatalogStack<T>(
  label: string,
  catalog: unknown,
  hosts: unknown[],
  log: (m: string) => void,
  body: (stack: CliStack) => Promise<T>,
  config: Record<string, unknown> = {},
): Promise<T> {
  const dir = tempDir("lhcb-bench-stack-");
  const file = join(dir, "catalog.yaml");
  writeFileSync(file, stringify(catalog));
  const stack = await CliStack.create(label, "local", {
    "lhcb-platform:catalog": file,
    "lhcb-platform:hosts": hosts,
    ...config,
  });
  try {
    return await body(stack);
  } finally {
    await stack.remove(destroyFailed(stack, log));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Seconds of each paper-scale preview, as shipped and (`baselineRuns`) with the per-step snapshot. */
export interface ScalePreview {
  resources: number;
  seconds: number[];
  baselineSeconds: number[];
}

/**
 * `runs` previews of a scratch stack with the local stack's config (images, features), the
 * paper-scale inventory as names on the local Engine (local takes 1 or 3 masters) and the
 * paper-scale catalog without `marathon` entries (Mesos is off there); then `baselineRuns` more
 * with PULUMI_SKIP_CHECKPOINTS=false, which the operator's CLI otherwise sets for previews.
 */
export async function paperScalePreview(
  runs: number,
  baselineRuns: number,
  log: (m: string) => void,
): Promise<ScalePreview> {
  const opts = paperScale(1);
  // Each host named h1, h2, ... on the local Engine: with the scratch stack's name, the longest
  // container name (stack, entry and host id) stays within a hostname's 63 characters, which the
  // program's checks require; the generator's ids (local-slave-35) would not.
  const hosts = generateInventory({ ...opts, stack: "local", masters: 3 }).map(
    ({ docker: _docker, ...h }, i) => ({ ...h, id: `h${i + 1}`, address: `h${i + 1}` }),
  );
  const catalog = generateCatalog({ ...opts, marathonEvery: 0 });
  // The generator's catalog has HTTP services and the PROXY protocol, which DIRAC's do not: its
  // entries run the sample image, as they did before the local stack ran DIRAC.
  const images = readStackFile(PROJECT_ROOT, "local").entries["lhcb-platform:images"] as object;
  const sample = {
    "lhcb-platform:dirac": undefined,
    "lhcb-platform:images": { ...images, service: DEFAULT_IMAGES.service },
  };
  return withCatalogStack(
    `ps${process.pid % 1000}`,
    catalog,
    hosts,
    log,
    async (stack) => {
      const result: ScalePreview = { resources: 0, seconds: [], baselineSeconds: [] };
      const once = async (label: string, env: Record<string, string>) => {
        const [text, s] = await timed(() => stack.preview(env));
        const created = /\+ (\d+) to create/.exec(text);
        if (!created)
          throw new Error(
            `the paper-scale preview printed no count of resources to create:\n${text.slice(-2000)}`,
          );
        result.resources = Number(created[1]);
        log(
          `paper-scale preview${label}: ${s.toFixed(2)} s, ${result.resources} resources to create`,
        );
        return s;
      };
      for (let i = 0; i < runs; i++) result.seconds.push(await once("", {}));
      for (let i = 0; i < baselineRuns; i++)
        result.baselineSeconds.push(
          await once(" with a snapshot after every step (baseline)", {
            PULUMI_SKIP_CHECKPOINTS: "false",
          }),
        );
      return result;
    },
    sample,
  );
}
