// Runs every test file under test/ with node:test, each file in its own process (Pulumi mocks are
// process-global). Extra arguments are test files or folders to run instead of all of them.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function collect(path) {
  if (statSync(path).isDirectory()) return readdirSync(path).sort().flatMap((f) => collect(join(path, f)));
  return path.endsWith(".test.ts") ? [path] : [];
}

const roots = process.argv.slice(2);
const files = (roots.length > 0 ? roots : ["test"]).flatMap(collect);
const concurrency = process.env.TEST_CONCURRENCY ?? "2";
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
