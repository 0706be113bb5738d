// The watcher's start, with the real Pulumi CLI: a stack it cannot read (here, a stack file whose
// stack is in no backend) stops it at once, with pulumi's error, where it watched on with no token
// and saw no node at all.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { engineEnv, PROJECT_ROOT, writeScratchStackFile } from "../../scripts/engine-stack";

test("a stack not in the backend stops the watcher at once, naming the stack and pulumi's error", () => {
  const stack = `watch-unread-${process.pid}`;
  const file = join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
  writeScratchStackFile(file, "site");
  try {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", join(PROJECT_ROOT, "scripts", "watch-hosts.ts"), stack],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, ...engineEnv() },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(
      r.stderr.trim(),
      `watch-hosts: pulumi stack output consulManagementToken --stack ${stack}: error: no stack named '${stack}' found`,
    );
  } finally {
    rmSync(file, { force: true });
  }
});
