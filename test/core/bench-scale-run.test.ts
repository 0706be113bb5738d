// `npm run bench:scale` measures the program under mocks at the paper's scale: this runs one of its
// measurements (the child process it starts per run) and checks that it declares and renders the
// whole generated platform, so a change the benchmark's mocks do not answer (a provider output the
// platform reads back) fails here rather than in the benchmark. It checks what was declared, not
// how fast.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

const ROOT = join(__dirname, "..", "..");

test("one bench:scale measurement at the paper's scale declares and renders the whole platform", () => {
  const r = spawnSync(
    join(ROOT, "scripts", "program-node.sh"),
    [join(ROOT, "scripts", "bench-scale.ts"), "--child", "1"],
    { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const run = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>;
  assert.deepEqual(
    {
      services: run.services,
      agents: run.agents,
      slaves: run.slaves,
      instances: run.instances,
      resources: run.resources,
      files: run.files,
    },
    { services: 138, agents: 116, slaves: 40, instances: 636, resources: 2844, files: 3124 },
  );
});
