// The TypeScript loader of the Pulumi program (`--require ./scripts/program-loader.cjs` in
// Pulumi.yaml's runtime.options.nodeargs; scripts/program-node.sh gives the scripts that run the
// program inline the same). Node's CommonJS loader then requires `.ts` files as it does `.js`:
// each is compiled by esbuild to CommonJS with an inline source map (stack traces and the source
// positions Pulumi records point at the TypeScript), kept in .cache/program-js until its source
// changes. Everything else (@pulumi/pulumi, the providers' SDKs, gRPC) loads as plain Node loads
// it, and Node's compile cache (.cache/node-compile) keeps V8's code of every module between runs.
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

Module.enableCompileCache?.(join(projectRoot, ".cache", "node-compile"));
process.setSourceMapsEnabled(true);
Module._extensions[".ts"] = (module, file) => {
  module._compile(compiled(file, readFileSync(file, "utf8")), file);
};
