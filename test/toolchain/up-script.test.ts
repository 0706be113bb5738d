// `npm run up -- STACK` for a stack on real hosts: its state is not kept in the clone. Without a
// backend the operator logged in to, it stops before it prepares or changes anything.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../../scripts/engine-stack";
import { tempDir } from "../../scripts/temp-dir";

test("cert without `pulumi login`: up stops at once, saying where the state would have gone, and touches nothing", () => {
  const home = tempDir("up-script-home-");
  const stackFile = join(PROJECT_ROOT, "Pulumi.cert.yaml");
  const before = readFileSync(stackFile, "utf8");
  try {
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: home };
    const r = spawnSync("bash", [join(PROJECT_ROOT, "scripts", "up.sh"), "cert"], {
      env,
      encoding: "utf8",
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      [
        "up: stack cert runs on real hosts, and its state, secrets among them, would be kept in this clone's .pulumi-state (git-ignored: `git clean -X` deletes it, and no other clone can read it)",
        "up: log in to the site's backend first (`pulumi login URL`), or set PULUMI_BACKEND_URL (docs/toolchain.md)",
        "",
      ].join("\n"),
    );
    assert.equal(readFileSync(stackFile, "utf8"), before);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
