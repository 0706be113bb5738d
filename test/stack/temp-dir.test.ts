// tempDir: a folder that outlives nothing but its process, whether the process ends normally or
// by process.exit with a failure.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";

function folderOfChild(exitCode: number): { dir: string; status: number | null } {
  const script = [
    'const { writeFileSync, mkdirSync } = require("node:fs");',
    'const { tempDir } = require("./scripts/temp-dir");',
    'const dir = tempDir("temp-dir-test-");',
    'mkdirSync(dir + "/nested");',
    'writeFileSync(dir + "/nested/file", "x");',
    "console.log(dir);",
    `process.exit(${exitCode});`,
  ].join("\n");
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8" });
  return { dir: r.stdout.trim(), status: r.status };
}

for (const code of [0, 3])
  test(`tempDir: the folder and what it holds are gone when its process exits with ${code}`, () => {
    const { dir, status } = folderOfChild(code);
    assert.equal(status, code);
    assert.match(dir, /\/temp-dir-test-\w{6}$/);
    assert.equal(existsSync(dir), false, `${dir} left behind`);
  });
