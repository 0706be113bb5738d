// Rendered HAProxy configs checked by the real program (Debian's haproxy 2.6): `haproxy -c`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { renderHaproxyConfig, sampleServers } from "../../components/haproxy/haproxy-config";
import { haproxyInitialConfig, haproxyOptions } from "../../components/haproxy/lb-containers";
import { tempDir } from "../../scripts/temp-dir";

function check(text: string): { status: number | null; output: string } {
  const dir = tempDir("haproxy-c-");
  const file = join(dir, "haproxy.cfg");
  // The stats socket lives in the container's run dir; point it at the temp dir here.
  writeFileSync(file, text.replace(/\/var\/run\/haproxy\//g, `${dir}/`));
  // The empty server state lb-start writes before HAProxy's first start.
  writeFileSync(join(dir, "server-state"), "1\n");
  const r = spawnSync("haproxy", ["-c", "-f", file], { encoding: "utf8" });
  assert.ok(r.error === undefined, `haproxy is not installed (.ci/run installs it): ${r.error}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

for (const stack of ["local", "cert", "prod"]) {
  test(`haproxy -c accepts the ${stack} stack's initial config and a sample rendering`, () => {
    const spec = loadPlatformFromStackFile(process.cwd(), stack);
    const initial = check(haproxyInitialConfig(spec));
    assert.equal(initial.status, 0, initial.output);
    const sample = renderHaproxyConfig(
      spec.services,
      haproxyOptions(spec),
      sampleServers((s) =>
        [1, 2, 3].map((i) => ({
          id: `${stack}-${s.key}-${i}`,
          address: `10.0.${i}.${(s.port % 200) + 1}`,
          port: s.port,
        })),
      ),
    );
    const r = check(sample);
    assert.equal(r.status, 0, r.output);
    assert.equal(/\[WARNING\]|\[ALERT\]/.test(r.output), false, r.output);
  });
}

test("haproxy -c refuses a broken candidate, which the reload keeps out", () => {
  const spec = loadPlatformFromStackFile(process.cwd(), "local");
  const r = check(haproxyInitialConfig(spec).replace("balance roundrobin", "balance sometimes"));
  assert.notEqual(r.status, 0);
  assert.match(r.output, /balance/);
});
