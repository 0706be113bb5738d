// Rendered HAProxy configs checked by the real program (Debian's haproxy 2.6): `haproxy -c`; and a
// rendered backend run by it, whose last instance its checks hide.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { renderHaproxyConfig, sampleServers } from "../../components/haproxy/haproxy-config";
import {
  haproxyConfigWithoutServers,
  haproxyOptions,
} from "../../components/haproxy/lb-containers";
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
  test(`haproxy -c accepts the ${stack} stack's rendering without servers and a sample rendering`, () => {
    const spec = loadPlatformFromStackFile(process.cwd(), stack);
    const empty = check(haproxyConfigWithoutServers(spec));
    assert.equal(empty.status, 0, empty.output);
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
  const r = check(
    haproxyConfigWithoutServers(spec).replace("balance roundrobin", "balance sometimes"),
  );
  assert.notEqual(r.status, 0);
  assert.match(r.output, /balance/);
});

/** A free TCP port on loopback: it, the next two and its bridge port (+10000) are free. */
async function freePortBlock(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const taken = await Promise.all(
      [port, port + 1, port + 2, port + 10000].map(
        (p) =>
          new Promise<boolean>((resolve) => {
            const s = createServer()
              .once("error", () => resolve(true))
              .listen(p, "127.0.0.1", () => s.close(() => resolve(false)));
          }),
      ),
    );
    if (!taken.includes(true)) return port;
  }
}

test("a real HAProxy still sends clients to an instance its checks hide when it is the last one: its unchecked fallback takes them", async (t) => {
  const spec = loadPlatformFromStackFile(process.cwd(), "local");
  const port = await freePortBlock();
  // The balancer's frontend on `port`, its stats on `port + 1`; a DISET-like TCP instance on
  // `port + 2` (one line in, one line out) whose bridge, where the checks go, answers 503.
  const instancePort = port + 2;
  const service = createServer((c) =>
    c.on("error", () => undefined).on("data", () => c.end("answer\n")),
  ).listen(instancePort, "127.0.0.1");
  // (HAProxy resets a check's connection once it has read the status.)
  const bridge = createServer((c) =>
    c
      .on("error", () => undefined)
      .once("data", () => c.end("HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")),
  ).listen(port + 10000, "127.0.0.1");
  t.after(() => {
    service.close();
    bridge.close();
  });
  const lone = { ...spec.services.find((s) => s.name === "ResourceStatus/ResourceStatus")!, port };
  const dir = tempDir("haproxy-run-");
  writeFileSync(join(dir, "server-state"), "1\n");
  const config = renderHaproxyConfig(
    [lone],
    {
      ...haproxyOptions(spec),
      reResolve: false,
      statsAddress: "127.0.0.1",
      statsPort: port + 1,
      runDir: dir,
    },
    sampleServers(() => [{ id: "lone", address: "127.0.0.1", port: instancePort }]),
  ).replace(/bind \*:/g, "bind 127.0.0.1:");
  writeFileSync(join(dir, "haproxy.cfg"), config);
  const haproxy = spawn("haproxy", ["-f", join(dir, "haproxy.cfg")], { stdio: "ignore" });
  t.after(() => haproxy.kill("SIGKILL"));
  const stats = async () =>
    (await fetch(`http://127.0.0.1:${port + 1}/stats;csv`).then((r) => r.text()))
      .split("\n")
      .filter((l) => l.startsWith("be_"))
      .map((l) => l.split(",").slice(1, 2).concat(l.split(",")[17]).join(" "));
  let servers: string[] = [];
  for (let i = 0; i < 100 && !servers.includes("lone DOWN"); i++) {
    await new Promise((r) => setTimeout(r, 100));
    servers = await stats().catch(() => []);
  }
  assert.deepEqual(servers, ["lone DOWN", "lone-fallback no check", "BACKEND UP"]);
  const answers = await Promise.all(
    [1, 2, 3].map(
      () =>
        new Promise<string>((resolve) => {
          let got = "";
          const c = connect(port, "127.0.0.1", () => c.write("ping\n"));
          c.on("data", (d: Buffer) => (got += d.toString()));
          c.on("close", () => resolve(got));
          c.on("error", () => resolve(got));
        }),
    ),
  );
  assert.deepEqual(answers, ["answer\n", "answer\n", "answer\n"]);
});
