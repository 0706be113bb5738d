// examples/platform-from-values, as its operator has it: the library installed from the tarball
// `npm pack` makes, beside the project's own @pulumi/pulumi (not the library's development
// version), type-checked against the package's declarations and run under mocks on Node 20.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  installedExample,
  installedVersions,
  oldestNode,
  packLibrary,
  ROOT,
} from "../support/consumer";

const EXAMPLE = "platform-from-values";
const exampleSdk = (
  JSON.parse(readFileSync(join(ROOT, "examples", EXAMPLE, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  }
).dependencies["@pulumi/pulumi"];
const librarySdk = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  }
).devDependencies["@pulumi/pulumi"];

test(`${EXAMPLE}: installed from the tarball on @pulumi/pulumi ${exampleSdk}, one SDK, type-checked, its mocks test passing on ${oldestNode()}`, () => {
  assert.notEqual(exampleSdk, librarySdk);
  const dir = installedExample(EXAMPLE, packLibrary().tarball);
  assert.deepEqual(installedVersions(dir, "@pulumi/pulumi"), [exampleSdk]);
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir],
    { encoding: "utf8" },
  );
  // Without the runner's NODE_TEST_CONTEXT, which would make this run report to the runner instead of printing.
  const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
  void _context;
  const run = spawnSync(
    oldestNode(),
    ["--import", "tsx", "--test", "--test-reporter=spec", "platform.test.ts"],
    { cwd: dir, encoding: "utf8", env },
  );
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^ℹ pass 2$/m);
  assert.match(run.stdout, /^ℹ fail 0$/m);
});
