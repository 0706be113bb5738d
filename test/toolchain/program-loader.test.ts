// The Pulumi program's TypeScript loader (scripts/program-loader.cjs): `.ts` files required as
// CommonJS, stack traces on the TypeScript lines, each file compiled once until its source changes.
// The loader is copied into a scratch project so its cache is that project's own.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../scripts/temp-dir";

const ROOT = join(__dirname, "..", "..");
const project = tempDir("program-loader-");
mkdirSync(join(project, "scripts"));
copyFileSync(
  join(ROOT, "scripts", "program-loader.cjs"),
  join(project, "scripts", "program-loader.cjs"),
);

/** Gives the scratch project the repository's node_modules (esbuild among them), or takes them away. */
function withDependencies(on: boolean): void {
  rmSync(join(project, "node_modules"), { force: true });
  if (on) symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"));
}

/**
 * Runs `entry` of the scratch project as the language host runs a program: `node --require
 * LOADER`, after requiring `first` when given (as the host's runner requires
 * source-map-support's `register`).
 */
function runMain(
  entry = "./main",
  env: NodeJS.ProcessEnv = process.env,
  first?: string,
): { status: number | null; stdout: string; stderr: string } {
  const before = first === undefined ? "" : `require(${JSON.stringify(first)}); `;
  const code = `${before}require(${JSON.stringify(entry)})`;
  const r = spawnSync(process.execPath, ["--require", "./scripts/program-loader.cjs", "-e", code], {
    cwd: project,
    encoding: "utf8",
    env,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const GREETING = [
  "export class Greeter {",
  "  constructor(private readonly who: string) {}",
  "  greet(): string { return `hello ${this.who}`; }",
  "}",
  "export enum Size { Small = 1, Large = 2 }",
].join("\n");

writeFileSync(join(project, "greeter.ts"), GREETING);
writeFileSync(
  join(project, "main.ts"),
  [
    'import { Greeter, Size } from "./greeter";',
    "type Shout = (s: string) => string;",
    "const shout: Shout = (s) => s.toUpperCase();",
    'console.log(shout(new Greeter("site").greet()), Size.Large);',
    'void import("./greeter").then((m) => console.log(new m.Greeter("later").greet()));',
    'if (process.env.FAIL) throw new Error("failed here");',
  ].join("\n"),
);

test("TypeScript is required or imported without an extension, with its parameter properties and enums", () => {
  withDependencies(true);
  const r = runMain();
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "HELLO SITE 2\nhello later\n");
  assert.deepEqual(
    readdirSync(join(project, ".cache", "program-js"))
      .map((f) => f.replace(/-[0-9a-f]{32}\.js$/, ""))
      .sort(),
    ["greeter", "main"],
  );
});

test("a compiled file is used again without the compiler; a changed source is compiled anew", () => {
  withDependencies(true);
  assert.equal(runMain().status, 0);
  withDependencies(false);
  const cached = runMain();
  assert.equal(cached.status, 0, cached.stderr);
  assert.equal(cached.stdout, "HELLO SITE 2\nhello later\n");

  writeFileSync(join(project, "greeter.ts"), GREETING.replace("hello", "bye"));
  const withoutCompiler = runMain();
  assert.notEqual(withoutCompiler.status, 0, "a changed source ran from a stale compilation");
  assert.match(withoutCompiler.stderr, /Cannot find module 'esbuild'/);
  withDependencies(true);
  const recompiled = runMain();
  assert.equal(recompiled.status, 0, recompiled.stderr);
  assert.equal(recompiled.stdout, "BYE SITE 2\nbye later\n");
  assert.equal(readdirSync(join(project, ".cache", "program-js")).length, 2);
  writeFileSync(join(project, "greeter.ts"), GREETING);
});

test("an error's stack trace names the TypeScript file and line", () => {
  withDependencies(true);
  const r = runMain("./main", { ...process.env, FAIL: "1" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /Error: failed here\n\s+at Object\.<anonymous> \(.*\/main\.ts:6:\d+\)/);
});

test("under the language host's runner, which loads source-map-support's `register` before the program, an error's stack trace still names the TypeScript line", () => {
  withDependencies(true);
  const r = runMain("./main", { ...process.env, FAIL: "1" }, "source-map-support/register");
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /Error: failed here\n\s+at Object\.<anonymous> \(.*\/main\.ts:6:\d+\)/);
});

/** A package of the scratch project whose module names a source map, and can require a file. */
function writePackage(): void {
  const dir = join(project, "vendor", "node_modules", "dep");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "index.js"),
    "exports.load = (file) => require(file);\n//# sourceMappingURL=index.js.map\n",
  );
  writeFileSync(
    join(dir, "index.js.map"),
    JSON.stringify({ version: 3, sources: ["dep.ts"], names: [], mappings: "AAAA;AACA" }),
  );
  writeFileSync(join(project, "late.ts"), "export const late: number = 1;\n");
  writeFileSync(
    join(project, "maps.ts"),
    [
      'import { findSourceMap } from "node:module";',
      'import { join } from "node:path";',
      'const dep = require("./vendor/node_modules/dep") as { load: (f: string) => unknown };',
      'dep.load(join(__dirname, "late"));',
      "const mapped = (f: string) => findSourceMap(join(__dirname, f)) !== undefined;",
      'const seen = { own: mapped("maps.ts"), package: mapped("vendor/node_modules/dep/index.js"), requiredByPackage: mapped("late.ts"), on: process.sourceMapsEnabled };',
      "process.setSourceMapsEnabled(false);",
      'require("./vendor/node_modules/dep");',
      'delete require.cache[require.resolve("./vendor/node_modules/dep")];',
      'require("./vendor/node_modules/dep");',
      "console.log(JSON.stringify({ ...seen, offAfterPackage: !process.sourceMapsEnabled }));",
    ].join("\n"),
  );
}

test("a package's source map is not read; the program's files keep theirs, also one a package requires, and the program's choice to turn them off holds", () => {
  withDependencies(true);
  writePackage();
  const r = runMain("./maps");
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    own: true,
    package: false,
    requiredByPackage: true,
    on: true,
    offAfterPackage: true,
  });
});
