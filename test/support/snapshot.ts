import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const DIR = join(__dirname, "..", "__snapshots__");

/**
 * Compares `actual` with the stored snapshot `name`. A missing snapshot is written only when
 * UPDATE_SNAPSHOTS=1; otherwise (as in CI) it fails, so a snapshot is always reviewed text.
 */
export function matchSnapshot(name: string, actual: string): void {
  const file = join(DIR, name);
  if (process.env.UPDATE_SNAPSHOTS === "1") {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(
    existsSync(file),
    `snapshot ${name} is missing; run UPDATE_SNAPSHOTS=1 npm test and review it`,
  );
  assert.equal(actual, readFileSync(file, "utf8"), `rendered text differs from snapshot ${name}`);
}
