// The engine's environment as the project runs the CLI: the operator's shell (scripts/toolchain/env.sh)
// and the scripts and tests (engineEnv) ask the providers' diffs in parallel, unless told not to.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { engineEnv, PROJECT_ROOT } from "../../scripts/engine-stack";

/** PULUMI_PARALLEL_DIFF after `. scripts/toolchain/env.sh` in bash, from `before` (unset when undefined). */
function parallelDiffAfterEnvSh(before: string | undefined): string {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PULUMI_PARALLEL_DIFF;
  if (before !== undefined) env.PULUMI_PARALLEL_DIFF = before;
  return execFileSync(
    "bash",
    ["-c", '. scripts/toolchain/env.sh && printf %s "$PULUMI_PARALLEL_DIFF"'],
    { cwd: PROJECT_ROOT, env, encoding: "utf8" },
  );
}

/** engineEnv's PULUMI_PARALLEL_DIFF with the process's set to `before` (unset when undefined). */
function parallelDiffOfEngineEnv(before: string | undefined): string {
  const saved = process.env.PULUMI_PARALLEL_DIFF;
  try {
    if (before === undefined) delete process.env.PULUMI_PARALLEL_DIFF;
    else process.env.PULUMI_PARALLEL_DIFF = before;
    return engineEnv().PULUMI_PARALLEL_DIFF;
  } finally {
    if (saved === undefined) delete process.env.PULUMI_PARALLEL_DIFF;
    else process.env.PULUMI_PARALLEL_DIFF = saved;
  }
}

test("env.sh and engineEnv turn the engine's parallel diffs on by default", () => {
  assert.equal(parallelDiffAfterEnvSh(undefined), "true");
  assert.equal(parallelDiffOfEngineEnv(undefined), "true");
});

test("an operator's PULUMI_PARALLEL_DIFF=false holds in both", () => {
  assert.equal(parallelDiffAfterEnvSh("false"), "false");
  assert.equal(parallelDiffOfEngineEnv("false"), "false");
});
