import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

/** The images' shared Python modules (images/shared), which the tests import. */
export const SHARED_PYTHON = join(__dirname, "..", "..", "images", "shared");

/**
 * Runs `program` with `python3 -c` (images/shared first on its path, no bytecode written) and
 * returns what it printed, parsed as JSON; fails the test with Python's error output otherwise.
 * `timeoutMs` ends a program that runs longer (killed, so the test fails).
 */
export function pythonJson(program: string, timeoutMs?: number): unknown {
  const r = spawnSync(
    "python3",
    ["-c", `import sys\nsys.path[:0] = [${JSON.stringify(SHARED_PYTHON)}]\n${program}`],
    {
      encoding: "utf8",
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
      timeout: timeoutMs,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as unknown;
}
