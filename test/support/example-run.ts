// What test/examples does with each example project: install it as its operator would, check its
// SDK, type-check it and run its own mocks test; and through the real engine, `pulumi up` of a new
// stack, a look at what runs, `pulumi destroy`.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { engineEnv, operatorCli, stackWithFreeNetwork } from "../../scripts/engine-stack";
import { installedExample, installedVersions, oldestNode, packLibrary, ROOT } from "./consumer";

/** The @pulumi/pulumi an example asks for, and the library's own development copy. */
export function sdkVersions(example: string): { example: string; library: string } {
  const read = (file: string) =>
    JSON.parse(readFileSync(file, "utf8")) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
  return {
    example: read(join(ROOT, "examples", example, "package.json")).dependencies!["@pulumi/pulumi"],
    library: read(join(ROOT, "package.json")).devDependencies!["@pulumi/pulumi"],
  };
}

/**
 * Installs `example` from the tarball, asserts one @pulumi/pulumi (the example's), type-checks it
 * against the package's declarations and runs `testFile` on Node 20; returns that run's output.
 */
export function checkExample(example: string, testFile: string): string {
  const sdk = sdkVersions(example);
  assert.notEqual(sdk.example, sdk.library);
  const dir = installedExample(example, packLibrary().tarball);
  assert.deepEqual(installedVersions(dir, "@pulumi/pulumi"), [sdk.example]);
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
    ["--import", "tsx", "--test", "--test-reporter=spec", testFile],
    { cwd: dir, encoding: "utf8", env },
  );
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^ℹ fail 0$/m);
  return run.stdout;
}

/** `example` installed as its operator installs it: the library from the tarball. */
export function installedFromTarball(example: string): string {
  return installedExample(example, packLibrary().tarball);
}

/**
 * In the project at `dir`, runs `pulumi up` of a new stack (named `<label><n>`, its local network
 * free), hands `check` the containers running with that stack's label and the stack's outputs,
 * then destroys and removes the stack whatever happened, and asserts nothing of it runs any more.
 */
export function upAndDown(
  dir: string,
  label: string,
  check: (stack: string, running: string[], outputs: Record<string, unknown>) => void,
): void {
  const stack = stackWithFreeNetwork(`${label}${process.pid % 10000}`);
  const env = { ...process.env, ...engineEnv() };
  const cli = (...args: string[]) =>
    execFileSync(operatorCli(), [...args, "--stack", stack, "--non-interactive"], {
      cwd: dir,
      env,
      encoding: "utf8",
      maxBuffer: 64 * 2 ** 20,
    });
  const running = () =>
    execFileSync(
      "docker",
      ["ps", "--filter", `label=platform.stack=${stack}`, "--format", "{{.Names}}"],
      { encoding: "utf8" },
    )
      .split("\n")
      .filter((n) => n !== "")
      .sort();
  execFileSync(operatorCli(), ["stack", "init", stack, "--non-interactive"], {
    cwd: dir,
    env,
    encoding: "utf8",
  });
  try {
    cli("up", "--yes", "--skip-preview");
    check(
      stack,
      running(),
      JSON.parse(cli("stack", "output", "--json")) as Record<string, unknown>,
    );
  } finally {
    cli("destroy", "--yes", "--skip-preview");
    cli("stack", "rm", "--yes");
  }
  assert.deepEqual(running(), []);
}
