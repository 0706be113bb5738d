// The TypeScript loader of the Pulumi program (`--require ./scripts/program-loader.cjs` in
// Pulumi.yaml's runtime.options.nodeargs; scripts/program-node.sh gives the scripts that run the
// program inline the same). Node's CommonJS loader then requires `.ts` files as it does `.js`:
// each is compiled by esbuild to CommonJS with an inline source map (stack traces and the source
// positions Pulumi records point at the TypeScript), kept in .cache/program-js until its source
// changes. Everything else (@pulumi/pulumi, the providers' SDKs, gRPC) loads as plain Node loads
// it, without its source maps (not read: `withoutPackageSourceMaps`), and Node's compile cache
// (.cache/node-compile) keeps V8's code of every module between runs.
// Loading the program this way takes about half the time tsx's hooks take (docs/scale.md), which
// come before the first resource of every `pulumi up` and preview.
"use strict";
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { basename, dirname, join } = require("node:path");

const projectRoot = dirname(__dirname);
const compiledDir = join(projectRoot, ".cache", "program-js");

/**
 * The esbuild options: those of tsconfig.json that change what the JavaScript does, and `import()`
 * as `require` (as tsc emits it for CommonJS), so a module imported on demand is found as any other.
 */
const TRANSFORM = {
  loader: "ts",
  format: "cjs",
  target: `node${process.versions.node.split(".")[0]}`,
  supported: { "dynamic-import": false },
  sourcemap: "inline",
  tsconfigRaw: { compilerOptions: { target: "ES2022", esModuleInterop: true, strict: true } },
};

/** Where the compiled `file` is kept: one entry per source file, replaced when the source changes. */
function compiledPath(file) {
  const key = createHash("sha256").update(file).digest("hex").slice(0, 32);
  return join(compiledDir, `${basename(file, ".ts")}-${key}.js`);
}

/**
 * `source` (of `file`) as CommonJS: from the cache when it was compiled from this very source with
 * these very options (esbuild's version is left out: another version's output of the same source
 * and options runs the same).
 */
function compiled(file, source) {
  const digest = createHash("sha256")
    .update(JSON.stringify(TRANSFORM))
    .update(source)
    .digest("hex");
  const header = `// compiled from ${digest}\n`;
  const cached = compiledPath(file);
  try {
    const text = readFileSync(cached, "utf8");
    if (text.startsWith(header)) return text.slice(header.length);
  } catch {
    // not compiled yet
  }
  const { code } = require("esbuild").transformSync(source, { ...TRANSFORM, sourcefile: file });
  mkdirSync(compiledDir, { recursive: true });
  // Another run may compile the same file at the same time: each writes its own file and renames.
  const partial = `${cached}.${process.pid}`;
  writeFileSync(partial, header + code);
  renameSync(partial, cached);
  return code;
}

/** A path inside an installed package. */
const IN_PACKAGE = /[\\/]node_modules[\\/]/;

/** How many packages' modules are being loaded, one inside another. */
let packageDepth = 0;
/** Whether source maps were on when the outermost of them began: so they are again after it. */
let mapsOutside = true;

/** Source maps off, where they were on, remembering which (`mapsOutside`). */
function mapsOffRemembered() {
  mapsOutside = process.sourceMapsEnabled;
  if (mapsOutside) process.setSourceMapsEnabled(false);
}

/** Source maps off for the package module about to load, unless one is loading already. */
function enterPackage() {
  if (packageDepth++ === 0) mapsOffRemembered();
}

/** Back from a package module: source maps as they were outside packages, once the outermost returns. */
function leavePackage() {
  if (--packageDepth === 0 && mapsOutside) process.setSourceMapsEnabled(true);
}

/**
 * `load` (Node's loader of `.js` files) with source maps off while a package's module compiles
 * and runs, the modules it requires with it. With them on, Node reads and parses the `.map` file
 * of every module that names one (@pulumi/pulumi, gRPC and OpenTelemetry do) and measures every
 * line of its source: 0.46 s of the 1.7 s the program spent before its first resource, in a CPU
 * profile of a preview of the local stack. A package's frames then read as its JavaScript.
 */
function withoutPackageSourceMaps(load) {
  return function (module, file) {
    if (!IN_PACKAGE.test(file)) return load.call(this, module, file);
    enterPackage();
    try {
      return load.call(this, module, file);
    } finally {
      leavePackage();
    }
  };
}

/**
 * The program's own files keep their source maps, also when a package requires them (the language
 * host's runner requires the program's entry while it loads): its errors and the source positions
 * Pulumi records point at the TypeScript. Whatever the program sets meanwhile holds after.
 */
function loadTypeScript(module, file) {
  const code = compiled(file, readFileSync(file, "utf8"));
  const depth = packageDepth;
  if (depth > 0) {
    packageDepth = 0;
    if (mapsOutside) process.setSourceMapsEnabled(true);
  }
  try {
    module._compile(code, file);
  } finally {
    if (depth > 0) {
      // Back inside the package that required the file: what the program chose holds after it.
      mapsOffRemembered();
      packageDepth = depth;
    }
  }
}

/**
 * Node keeps formatting the program's stack traces, with the source maps above: the language
 * host's runner (@pulumi/pulumi's cmd/run) requires `source-map-support/register` before it loads
 * the program, which would put its own `Error.prepareStackTrace` in Node's place. That one finds a
 * file's map only in a `sourceMappingURL` comment of the file on disk, which the program's
 * TypeScript has none of: every frame of the program would read as a line of the compiled
 * JavaScript under the TypeScript's name, in errors and in the source positions Pulumi records,
 * and it would map the packages' frames to TypeScript files they do not ship. The package installs
 * its formatter only once per process: installed here first and Node's put back, the runner's
 * `register` leaves Node's in place (and adds the rest, as before).
 */
function keepNodeStackTraces() {
  let sourceMapSupport;
  try {
    const runner = dirname(require.resolve("@pulumi/pulumi/cmd/run/index.js"));
    sourceMapSupport = require(require.resolve("source-map-support", { paths: [runner] }));
  } catch {
    return; // the runner does not use it
  }
  const nodes = Error.prepareStackTrace;
  sourceMapSupport.install({ environment: "node", handleUncaughtExceptions: false });
  Error.prepareStackTrace = nodes;
}

Module.enableCompileCache?.(join(projectRoot, ".cache", "node-compile"));
process.setSourceMapsEnabled(true);
Module._extensions[".js"] = withoutPackageSourceMaps(Module._extensions[".js"]);
Module._extensions[".ts"] = loadTypeScript;
keepNodeStackTraces(); // after the hooks: source-map-support loads as any package does
