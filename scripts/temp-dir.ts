// Temporary folders that go when the process does: tests and scripts make many (projects, stack
// files, rendered configurations, installed consumers of the package, some of a gigabyte), and
// left behind they fill the machine's /tmp run after run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

process.on("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A new folder under the machine's temporary folder, named `prefix` plus a random tail; removed at exit. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
