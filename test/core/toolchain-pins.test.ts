// What the README's commands rely on, checked on the repository itself: the npm SDKs are pinned to
// the plugin versions scripts/toolchain/build.sh builds, and no committed stack file carries an
// encryption salt (a salt belongs to one machine's passphrase: `pulumi stack init` fails elsewhere).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const ROOT = join(__dirname, "..", "..");
const buildScript = readFileSync(join(ROOT, "scripts", "toolchain", "build.sh"), "utf8");

/** The default of `NAME=${NAME:-default}` in build.sh. */
function builtVersion(name: string): string {
  const m = new RegExp(`^${name}=\\$\\{${name}:-([^}]+)\\}$`, "m").exec(buildScript);
  assert.ok(m, `scripts/toolchain/build.sh sets no default ${name}`);
  return m[1];
}

test("the npm SDKs are pinned exactly to the plugin versions the toolchain builds", () => {
  const deps = (
    JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    }
  ).dependencies;
  assert.deepEqual(
    {
      docker: deps["@pulumi/docker"],
      command: deps["@pulumi/command"],
      consul: deps["@pulumi/consul"],
    },
    {
      docker: builtVersion("DOCKER_PLUGIN_VERSION"),
      command: builtVersion("COMMAND_PLUGIN_VERSION"),
      consul: builtVersion("CONSUL_PLUGIN_VERSION"),
    },
  );
  // Each SDK asks the engine for the plugin version of its own package.json.
  for (const sdk of ["docker", "command", "consul"]) {
    const pkg = JSON.parse(
      readFileSync(join(ROOT, "node_modules", "@pulumi", sdk, "package.json"), "utf8"),
    ) as { version: string };
    assert.equal(pkg.version, deps[`@pulumi/${sdk}`], `installed @pulumi/${sdk}`);
  }
});

test("no committed stack file carries an encryption salt", () => {
  const files = execFileSync("git", ["ls-files", "Pulumi.*.yaml"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => f !== "");
  assert.deepEqual(files.sort(), [
    "Pulumi.cert.yaml",
    "Pulumi.local.yaml",
    "Pulumi.prod.yaml",
    "Pulumi.site.yaml",
  ]);
  for (const f of files) {
    // What is committed (the index), not the working copy, where `pulumi stack init` adds this machine's salt.
    const committed = execFileSync("git", ["show", `:${f}`], { cwd: ROOT, encoding: "utf8" });
    assert.doesNotMatch(committed, /^encryptionsalt:/m, f);
  }
});
