// A consumer project of the library, as an operator makes one: its own package.json, the library
// installed the way npm installs packages (a tarball made by `npm pack`, or a git URL).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../scripts/temp-dir";

export const ROOT = join(__dirname, "..", "..");

/** What `npm pack` made of the library: the tarball's path and the paths it holds. */
export interface PackedLibrary {
  tarball: string;
  files: string[];
}

function npm(cwd: string, args: string[]): string {
  return execFileSync("npm", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 2 ** 20,
  });
}

/** Packs the library as `npm pack` does (its `prepare` builds dist/) into a new temporary folder. */
export function packLibrary(): PackedLibrary {
  const dir = tempDir("lhcb-pack-");
  const [report] = JSON.parse(npm(ROOT, ["pack", "--json", "--pack-destination", dir])) as {
    filename: string;
    files: { path: string }[];
  }[];
  return { tarball: join(dir, report.filename), files: report.files.map((f) => f.path).sort() };
}

/** A new project in a temporary folder with `dependencies`, installed by `npm install`; returns its folder. */
export function consumerProject(name: string, dependencies: Record<string, string>): string {
  const dir = tempDir(`lhcb-${name}-`);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name, version: "1.0.0", private: true, dependencies }, null, 2),
  );
  npm(dir, ["install", "--no-audit", "--no-fund"]);
  return dir;
}

/** Every version of `pkg` installed anywhere in the project's tree (`npm ls --all`). */
export function installedVersions(dir: string, pkg: string): string[] {
  const found = new Set<string>();
  const walk = (
    deps: Record<string, { version?: string; dependencies?: Record<string, unknown> }> | undefined,
  ) => {
    for (const [name, d] of Object.entries(deps ?? {})) {
      if (name === pkg && d.version) found.add(d.version);
      walk(d.dependencies as typeof deps);
    }
  };
  walk(
    (
      JSON.parse(npm(dir, ["ls", "--all", "--json", pkg])) as {
        dependencies?: Record<string, { version?: string }>;
      }
    ).dependencies,
  );
  return [...found].sort();
}

/** The exports of `id` as the consumer's code loads it (`require` from its folder): name to `typeof`. */
export function exportsFrom(dir: string, id: string): Record<string, string> {
  const program = `const m = require(${JSON.stringify(id)}); process.stdout.write(JSON.stringify(Object.fromEntries(Object.keys(m).map((k) => [k, typeof m[k]]))))`;
  return JSON.parse(
    execFileSync(process.execPath, ["-e", program], { cwd: dir, encoding: "utf8" }),
  ) as Record<string, string>;
}

/**
 * A copy of `examples/<name>` in a temporary folder, its dependency on the library pointed at
 * `tarball`, installed by `npm install`; returns its folder.
 */
export function installedExample(name: string, tarball: string): string {
  const dir = tempDir(`lhcb-example-${name}-`);
  cpSync(join(ROOT, "examples", name), dir, {
    recursive: true,
    filter: (src) => !/node_modules|package-lock\.json/.test(src),
  });
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  manifest.dependencies["lhcb-platform"] = `file:${tarball}`;
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2));
  npm(dir, ["install", "--no-audit", "--no-fund"]);
  return dir;
}

/**
 * A copy of the YAML project `examples/<name>` whose `plugins.providers` path names this
 * repository's provider/ folder absolutely: the component package as a YAML operator's project
 * points at a checkout of it.
 */
export function yamlExample(name: string): string {
  const dir = tempDir(`lhcb-example-${name}-`);
  const project = readFileSync(join(ROOT, "examples", name, "Pulumi.yaml"), "utf8");
  const pointed = project.replace(
    /^(\s+path: )\.\.\/\.\.\/provider$/m,
    `$1${join(ROOT, "provider")}`,
  );
  assert.notEqual(pointed, project, `examples/${name}/Pulumi.yaml names no ../../provider path`);
  writeFileSync(join(dir, "Pulumi.yaml"), pointed);
  return dir;
}

/** Node 20 where the machine has it (Debian's), the Node running the tests otherwise. */
export function oldestNode(): string {
  try {
    const v = execFileSync("/usr/bin/node", ["--version"], { encoding: "utf8" }).trim();
    return v.startsWith("v20.") ? "/usr/bin/node" : process.execPath;
  } catch {
    return process.execPath;
  }
}
