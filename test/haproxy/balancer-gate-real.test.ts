// The served gate (components/haproxy/balancer-gate.ts) against a real balancer: the planned
// load-balancer container (lhcb-platform/haproxy) on this machine's Docker Engine, given a
// rendering by hand, asked through the Docker CLI as the gate asks a balancer's Engine. It passes
// once the server is UP, waits while it is not, and names each balancer that does not serve it.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  GATE_COMMAND,
  GateBalancer,
  gateEnvironment,
} from "../../components/haproxy/balancer-gate";
import { renderHaproxyConfig, sampleServers } from "../../components/haproxy/haproxy-config";
import { frontedServices, haproxyOptions } from "../../components/haproxy/lb-containers";
import { LB_PATHS } from "../../components/haproxy/lb-files";
import { containerLogs, docker, eventually, execSucceeds } from "../../scripts/bench/probes";
import { tempDir } from "../../scripts/temp-dir";
import { renderInto } from "../support/balancer-rendering";
import { runPlanned } from "../support/run-planned";
import { balancerUnderTest, ENGINE, LIVE, liveFrontend } from "../support/balancer-under-test";

const { spec, lb, web, balancer } = balancerUnderTest(`gate${process.pid}`);
const dir = tempDir("balancer-gate-real-");

/**
 * The balancer's rendering: Sample/Web's `up-web` at the live frontend, `down-web` and `later-web`
 * where nothing listens (the discard port).
 */
function rendering(): string {
  const config = renderHaproxyConfig(
    frontedServices(spec),
    haproxyOptions(spec),
    sampleServers((s) =>
      s.key === web.key
        ? [
            { id: "up-web", ...LIVE },
            { id: "down-web", address: "127.0.0.1", port: 9 },
            { id: "later-web", address: "127.0.0.1", port: 9 },
          ]
        : [],
    ),
  );
  return `${config}${liveFrontend()}`;
}

/** Sample/Web's server `id`'s status on the balancer's admin socket. */
function status(id: string): string {
  const ask = `echo "show stat" | socat -t 2 stdio unix-connect:${LB_PATHS.runDir}/admin.sock`;
  const csv = docker("exec", lb.name, "sh", "-c", ask);
  const row = csv
    .split("\n")
    .map((l) => l.split(","))
    .find((f) => f[0] === "be_sample_web" && f[1] === id);
  return row?.[17] ?? "absent";
}

/**
 * The gate for `serverId` over `balancers`, run as `pulumi up` runs it (with `path` as its PATH
 * when given): its exit code and stderr.
 */
function gate(
  serverId: string,
  balancers: GateBalancer[],
  seconds: number,
  path?: string,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const env = {
      ...process.env,
      ...gateEnvironment(web, serverId, balancers, seconds),
      ...(path === undefined ? {} : { PATH: path }),
    };
    const child = spawn("/bin/sh", ["-c", GATE_COMMAND], { env });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => done({ code, stderr: stderr.trim() }));
  });
}

/** `gate(...)` and the seconds it took. */
async function timedGate(...args: Parameters<typeof gate>) {
  const t0 = Date.now();
  const r = await gate(...args);
  return { ...r, seconds: (Date.now() - t0) / 1000 };
}

/** A folder for PATH that holds `node` and, when given, a `docker` of the test's own. */
function pathWith(docker?: string): string {
  const bin = join(dir, `bin-${Math.random().toString(16).slice(2)}`);
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, "node"));
  if (docker !== undefined) writeFileSync(join(bin, "docker"), docker, { mode: 0o755 });
  return bin;
}

before(async () => {
  runPlanned(lb, dir);
  await eventually(
    "consul-template running",
    30,
    async () => execSucceeds(lb.name, "pgrep", "-x", "consul-template") || undefined,
    100,
  );
  renderInto(lb.name, rendering());
  // HAProxy starts a server it did not know UP until its first check: wait for both verdicts.
  await eventually(
    "up-web UP, down-web and later-web DOWN",
    30,
    async () =>
      (status("up-web") === "UP" &&
        status("down-web") === "DOWN" &&
        status("later-web") === "DOWN") ||
      undefined,
    100,
  ).catch((e: Error) => assert.fail(`${e.message}\n${containerLogs(lb.name)}`));
});

after(() => {
  spawnSync("docker", ["rm", "-f", lb.name]);
  rmSync(dir, { recursive: true, force: true });
});

test("a server UP on the balancer passes the gate", async () => {
  assert.deepEqual(await gate("up-web", [balancer], 10), { code: 0, stderr: "" });
});

test("a server DOWN, or not in the configuration, fails the gate once its time is up, naming the balancer and what it saw", async () => {
  const down = await timedGate("down-web", [balancer], 2);
  assert.deepEqual(
    { code: down.code, stderr: down.stderr },
    {
      code: 1,
      stderr:
        "instance down-web of Sample/Web: not served by every balancer after 2s (lb-1: down-web in be_sample_web: DOWN)",
    },
  );
  assert.ok(down.seconds >= 1 && down.seconds < 6, `${down.seconds} s for a 2 s gate`);
  assert.deepEqual(await gate("gone-web", [balancer], 2), {
    code: 1,
    stderr:
      "instance gone-web of Sample/Web: not served by every balancer after 2s (lb-1: gone-web in be_sample_web: not in its configuration)",
  });
});

test("an Engine that never answers holds the gate only until its time and a margin are up", async () => {
  const hung = await timedGate(
    "up-web",
    [balancer],
    2,
    pathWith("#!/bin/sh\nexec /bin/sleep 600\n"),
  );
  assert.equal(hung.code, 1);
  assert.equal(
    hung.stderr,
    "instance up-web of Sample/Web: not served by every balancer after 2s (lb-1: no answer within 12s)",
  );
  assert.ok(hung.seconds >= 10 && hung.seconds < 20, `${hung.seconds} s`);
});

test("no Docker CLI on the machine fails the gate at once, saying so", async () => {
  const none = await timedGate("up-web", [balancer], 30, pathWith());
  assert.deepEqual(
    { code: none.code, stderr: none.stderr },
    {
      code: 1,
      stderr: "instance up-web of Sample/Web: no docker on this machine to ask lb-1 with",
    },
  );
  assert.ok(none.seconds < 5, `${none.seconds} s`);
});

test("an ssh:// Engine is asked over one ssh session with the host's options, its Docker CLI running the wait", async () => {
  // An `ssh` of the test's own: records its arguments, then runs the remote command here, as the
  // host's shell would.
  const bin = pathWith();
  const recorded = join(bin, "ssh-args");
  writeFileSync(
    join(bin, "ssh"),
    `#!/bin/sh\nprintf '%s\\n' "$@" > ${recorded}\nfor last; do :; done\nexec /bin/sh -c "$last"\n`,
    { mode: 0o755 },
  );
  const overSsh: GateBalancer = {
    id: "lb-1",
    engine: { host: "ssh://root@lb-1.example:2222", sshOpts: ["-o", "BatchMode=yes"] },
    container: lb.name,
  };
  const path = `${bin}:${process.env.PATH}`;
  assert.deepEqual(await gate("up-web", [overSsh], 10, path), { code: 0, stderr: "" });
  const args = readFileSync(recorded, "utf8").split("\n");
  assert.deepEqual(args.slice(0, 6), [
    "-o",
    "BatchMode=yes",
    "-p",
    "2222",
    "root@lb-1.example",
    "--",
  ]);
  assert.ok(args[6].startsWith(`'docker' 'exec' '${lb.name}' 'sh' '-c' 'b="$1"; s="$2";`), args[6]);
  // The wait's own quotes and the server's state come through the remote shell whole.
  assert.deepEqual(await gate("down-web", [overSsh], 2, path), {
    code: 1,
    stderr:
      "instance down-web of Sample/Web: not served by every balancer after 2s (lb-1: down-web in be_sample_web: DOWN)",
  });
});

test("every balancer must serve it: one whose Engine has no such container is named with the Engine's answer, the others not", async () => {
  const missing = `gate-missing-${process.pid}`;
  const r = await gate("up-web", [balancer, { id: "lb-2", engine: ENGINE, container: missing }], 2);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    new RegExp(
      `^instance up-web of Sample/Web: not served by every balancer after 2s \\(lb-2: [^;]*No such container: ${missing}\\)$`,
    ),
  );
});

test("the gate waits: a server that comes UP while it waits passes it", async () => {
  const waiting = gate("later-web", [balancer], 30);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(status("later-web"), "DOWN", "still DOWN a second into the wait");
  const move = `set server be_sample_web/later-web addr ${LIVE.address} port ${LIVE.port}`;
  docker(
    "exec",
    lb.name,
    "sh",
    "-c",
    `echo "${move}" | socat stdio unix-connect:${LB_PATHS.runDir}/admin.sock`,
  );
  assert.deepEqual(await waiting, { code: 0, stderr: "" });
  assert.equal(status("later-web"), "UP");
});
