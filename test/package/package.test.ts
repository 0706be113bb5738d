// The library as other projects install it: from a tarball and from git, beside their own
// @pulumi/pulumi, with only compiled output and docs, every component the README names exported.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  consumerProject,
  exportsFrom,
  installedVersions,
  packLibrary,
  ROOT,
} from "../support/consumer";

/** A released SDK other than the library's own development copy (package.json devDependencies). */
const CONSUMER_SDK = "3.230.0";

const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  peerDependencies: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The components the README's "Using the components in another project" lists. */
function componentsTheReadmeNames(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const list = /exports every component \(([^)]*)\)/.exec(readme);
  assert.ok(list, "README.md lists the exported components");
  return [...list[1].matchAll(/`(\w+)`/g)].map((m) => m[1]);
}

test("the manifest: one name, @pulumi/pulumi a peer with a range, the provider SDKs pinned, the README's import line", () => {
  assert.equal(manifest.name, "lhcb-platform");
  assert.equal(manifest.peerDependencies["@pulumi/pulumi"], "^3.207.0");
  assert.equal(manifest.dependencies["@pulumi/pulumi"], undefined);
  assert.notEqual(manifest.devDependencies["@pulumi/pulumi"], CONSUMER_SDK);
  for (const sdk of ["@pulumi/docker", "@pulumi/consul", "@pulumi/command"])
    assert.match(manifest.dependencies[sdk], /^\d+\.\d+\.\d+$/, sdk);
  assert.match(
    readFileSync(join(ROOT, "README.md"), "utf8"),
    /^import \{ [^}]+ \} from "lhcb-platform";$/m,
  );
});

test(`installed from a tarball beside the consumer's @pulumi/pulumi ${CONSUMER_SDK}: compiled output and docs only, one SDK, every component`, () => {
  const packed = packLibrary();
  const outside = packed.files.filter(
    (f) => !/^(dist\/.+\.(js|d\.ts)|docs\/.+\.md|README\.md|CHANGELOG\.md|package\.json)$/.test(f),
  );
  assert.deepEqual(outside, []);
  assert.ok(
    packed.files.includes("dist/index.js") &&
      packed.files.includes("dist/index.d.ts") &&
      packed.files.includes("CHANGELOG.md"),
  );
  const dir = consumerProject("tarball-consumer", {
    "@pulumi/pulumi": CONSUMER_SDK,
    "lhcb-platform": `file:${packed.tarball}`,
  });
  assert.deepEqual(installedVersions(dir, "@pulumi/pulumi"), [CONSUMER_SDK]);
  const exported = exportsFrom(dir, "lhcb-platform");
  const named = componentsTheReadmeNames();
  assert.ok(named.length >= 15, `README names ${named.length} components`);
  for (const name of named) assert.equal(exported[name], "function", name);
  for (const fn of ["loadPlatform", "resolvePlatform", "parseCatalog", "renderStack", "place"])
    assert.equal(exported[fn], "function", fn);
});

test("installed from git: built on install", () => {
  const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  const dir = consumerProject("git-consumer", {
    "@pulumi/pulumi": CONSUMER_SDK,
    "lhcb-platform": `git+file://${ROOT}#${head}`,
  });
  assert.deepEqual(installedVersions(dir, "@pulumi/pulumi"), [CONSUMER_SDK]);
  assert.equal(exportsFrom(dir, "lhcb-platform").Platform, "function");
});
