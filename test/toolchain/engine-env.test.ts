// The engine's environment as the project runs the CLI: the operator's shell
// (scripts/toolchain/env.sh) and the scripts and tests (engineEnv) ask the providers' diffs in
// parallel, and the operator's CLI (scripts/toolchain/bin/pulumi) and engineEnv give the engine's
// Go processes GOGC=400, each unless told otherwise; both find the project's wrappers of the CLI and
// the language host first on PATH.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { engineEnv, operatorCli, PROJECT_ROOT } from "../../scripts/engine-stack";

/** The environment without `name`, or with it set to `before`. */
function envWith(name: string, before: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env[name];
  if (before !== undefined) env[name] = before;
  return env;
}

/** `name` after `. scripts/toolchain/env.sh` in bash, from `before` (unset when undefined). */
function afterEnvSh(name: string, before: string | undefined): string {
  return execFileSync("bash", ["-c", `. scripts/toolchain/env.sh && printf %s "$${name}"`], {
    cwd: PROJECT_ROOT,
    env: envWith(name, before),
    encoding: "utf8",
  });
}

/** engineEnv's value of `name` with the process's set to `before` (unset when undefined). */
function engineEnvWith(name: string, before: string | undefined): string {
  const saved = process.env[name];
  try {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
    return engineEnv()[name];
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

/**
 * What the operator's CLI hands the toolchain's CLI: GOGC and PULUMI_SKIP_CHECKPOINTS as a
 * stand-in CLI in a scratch toolchain cache sees them, for `command`, with GOGC set to `gogc`.
 */
function operatorCliHands(command: string, gogc: string | undefined): string {
  const cache = mkdtempSync(join(tmpdir(), "toolchain-"));
  try {
    mkdirSync(join(cache, "bin"));
    const standIn = join(cache, "bin", "pulumi");
    writeFileSync(
      standIn,
      '#!/bin/sh\nprintf "%s GOGC=%s SKIP=%s" "$1" "${GOGC-unset}" "${PULUMI_SKIP_CHECKPOINTS-unset}"\n',
    );
    chmodSync(standIn, 0o755);
    const env: NodeJS.ProcessEnv = { ...envWith("GOGC", gogc), PLATFORM_TOOLCHAIN_CACHE: cache };
    delete env.PULUMI_SKIP_CHECKPOINTS;
    return execFileSync(operatorCli(), [command], { env, encoding: "utf8" });
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

test("env.sh and engineEnv turn the engine's parallel diffs on by default", () => {
  assert.equal(afterEnvSh("PULUMI_PARALLEL_DIFF", undefined), "true");
  assert.equal(engineEnvWith("PULUMI_PARALLEL_DIFF", undefined), "true");
});

test("an operator's PULUMI_PARALLEL_DIFF=false holds in both", () => {
  assert.equal(afterEnvSh("PULUMI_PARALLEL_DIFF", "false"), "false");
  assert.equal(engineEnvWith("PULUMI_PARALLEL_DIFF", "false"), "false");
});

test("the operator's CLI and engineEnv give the engine GOGC=400 for every command, and skip checkpoints in a preview only", () => {
  assert.equal(operatorCliHands("up", undefined), "up GOGC=400 SKIP=unset");
  assert.equal(operatorCliHands("preview", undefined), "preview GOGC=400 SKIP=true");
  assert.equal(operatorCliHands("destroy", undefined), "destroy GOGC=400 SKIP=unset");
  assert.equal(engineEnvWith("GOGC", undefined), "400");
});

test("an operator's GOGC holds in both", () => {
  assert.equal(operatorCliHands("up", "100"), "up GOGC=100 SKIP=unset");
  assert.equal(engineEnvWith("GOGC", "100"), "100");
});

/** What `command -v NAME` finds with `path` as PATH, for each name. */
function foundOnPath(path: string, names: string[]): string[] {
  return names.map((name) =>
    execFileSync("bash", ["-c", `command -v ${name}`], {
      env: { ...process.env, PATH: path },
      encoding: "utf8",
    }).trim(),
  );
}

test("an operator's shell and engineEnv find the project's wrappers of the CLI and of the language host first on PATH, not the toolchain's bare ones", () => {
  const wrappers = join(PROJECT_ROOT, "scripts", "toolchain", "bin");
  const names = ["pulumi", "pulumi-language-nodejs"];
  const expected = names.map((name) => join(wrappers, name));
  assert.deepEqual(foundOnPath(engineEnv().PATH, names), expected);
  assert.deepEqual(foundOnPath(afterEnvSh("PATH", process.env.PATH), names), expected);
});

/** A PULUMI_HOME whose credentials.json says `current` (none: no file), for `body`. */
function withPulumiHome<T>(current: string | undefined, body: (home: string) => T): T {
  const home = mkdtempSync(join(tmpdir(), "pulumi-home-"));
  try {
    if (current !== undefined)
      writeFileSync(join(home, "credentials.json"), JSON.stringify({ current, accounts: {} }));
    return body(home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

test("the backend: the operator's PULUMI_BACKEND_URL, else the one of `pulumi login`, else the clone's own file backend", () => {
  const own = `file://${join(PROJECT_ROOT, ".pulumi-state")}`;
  const backendAfterEnvSh = (home: string, before?: string) =>
    execFileSync(
      "bash",
      ["-c", '. scripts/toolchain/env.sh && printf %s "${PULUMI_BACKEND_URL-unset}"'],
      {
        cwd: PROJECT_ROOT,
        env: { ...envWith("PULUMI_BACKEND_URL", before), PULUMI_HOME: home },
        encoding: "utf8",
      },
    );
  const backendOfEngineEnv = (home: string, before?: string) => {
    const saved = process.env.PULUMI_HOME;
    process.env.PULUMI_HOME = home;
    try {
      return engineEnvWith("PULUMI_BACKEND_URL", before) ?? "unset";
    } finally {
      if (saved === undefined) delete process.env.PULUMI_HOME;
      else process.env.PULUMI_HOME = saved;
    }
  };
  withPulumiHome(undefined, (home) => {
    assert.equal(backendAfterEnvSh(home), own);
    assert.equal(backendOfEngineEnv(home), own);
    assert.equal(backendAfterEnvSh(home, "s3://theirs"), "s3://theirs");
  });
  // Logged in: the CLI finds that backend itself; neither sets another over it.
  withPulumiHome("s3://site-state", (home) => {
    assert.equal(backendAfterEnvSh(home), "unset");
    assert.equal(backendOfEngineEnv(home), "unset");
  });
  // Logged out (`pulumi logout` leaves "current" empty): the clone's own again.
  withPulumiHome("", (home) => {
    assert.equal(backendAfterEnvSh(home), own);
    assert.equal(backendOfEngineEnv(home), own);
  });
});
