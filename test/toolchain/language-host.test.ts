// The language host wrapper (scripts/toolchain/bin/pulumi-language-nodejs): the toolchain's host
// started with the `typescript` and `nodeargs` options of the Pulumi.yaml where the CLI starts it,
// which that host reads only from its command line. The host is a stand-in here that prints what
// it was given; the real one runs in test/engine.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../scripts/temp-dir";

const ROOT = join(__dirname, "..", "..");
const WRAPPER = join(ROOT, "scripts", "toolchain", "bin", "pulumi-language-nodejs");
const scratch = tempDir("language-host-");

// A toolchain cache whose host prints its arguments, one per line.
const cache = join(scratch, "cache");
mkdirSync(join(cache, "bin"), { recursive: true });
writeFileSync(join(cache, "bin", "pulumi-language-nodejs"), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
chmodSync(join(cache, "bin", "pulumi-language-nodejs"), 0o755);

/** The arguments the host gets when the CLI starts the wrapper in `dir` with the engine's address. */
function hostArguments(dir: string): string[] {
  const r = spawnSync(WRAPPER, ["127.0.0.1:40000"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, PLATFORM_TOOLCHAIN_CACHE: cache },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trimEnd().split("\n");
}

function projectWith(name: string, pulumiYaml?: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  if (pulumiYaml !== undefined) writeFileSync(join(dir, "Pulumi.yaml"), pulumiYaml);
  return dir;
}

test("this project's runtime options reach the host as the flags it reads", () => {
  const dir = projectWith("this");
  copyFileSync(join(ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  const nodeargs = /^\s*nodeargs: "(.*)"\s*$/m.exec(
    readFileSync(join(ROOT, "Pulumi.yaml"), "utf8"),
  );
  assert.ok(nodeargs, "Pulumi.yaml has no quoted nodeargs");
  assert.match(nodeargs[1], /^--require \.\/scripts\/program-loader\.cjs /);
  assert.deepEqual(hostArguments(dir), [
    "-typescript=false",
    `-nodeargs=${nodeargs[1]}`,
    "127.0.0.1:40000",
  ]);
});

test("a project without options, or without a Pulumi.yaml, gets the host's defaults", () => {
  const plain = projectWith("plain", "name: plain\nruntime: nodejs\nmain: index.ts\n");
  assert.deepEqual(hostArguments(plain), ["127.0.0.1:40000"]);
  assert.deepEqual(hostArguments(projectWith("none")), ["127.0.0.1:40000"]);
  const typed = projectWith(
    "typed",
    "name: typed\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
  );
  assert.deepEqual(hostArguments(typed), ["-typescript=true", "127.0.0.1:40000"]);
});
