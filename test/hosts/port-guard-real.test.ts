// The port guard's image, run for real in a network namespace of its own (`--network none`, with
// the capabilities the platform gives it): retired, it is woken at once, removes its chain and its
// jumps from both families and writes nothing again when its container restarts; a guard that does not
// answer is stopped from writing by the same mark while `retire` removes the chain itself.
// (lhcb-platform/port-guard, built by scripts/docker/build-images.sh.)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, test } from "node:test";
import { DEFAULT_IMAGES } from "../../components/core/images";

const IMAGE = DEFAULT_IMAGES.portGuard;
const CHAIN = "LHCB-PORTS-7e570001";
const hasImage =
  spawnSync("docker", ["image", "inspect", IMAGE], { encoding: "utf8" }).status === 0;
const skip = hasImage ? false : `no ${IMAGE}: run npm run up first`;
const started: string[] = [];

after(() => {
  if (started.length > 0) spawnSync("docker", ["rm", "-f", ...started]);
});

function docker(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync("docker", args, { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A guard in a namespace of its own, checking its chain every `verify` seconds; its container's name. */
function startGuard(name: string, verify: number): string {
  const container = `${name}-${process.pid}`;
  const r = docker(
    "run",
    "-d",
    "--name",
    container,
    "--network",
    "none",
    "--user",
    "0:0",
    "--cap-drop",
    "ALL",
    "--cap-add",
    "NET_ADMIN",
    "--cap-add",
    "NET_RAW",
    "-e",
    `GUARD_CHAIN=${CHAIN}`,
    "-e",
    "GUARD_PORTS=9135 31000:32000",
    "-e",
    "GUARD_ALLOW=192.0.2.1 2001:db8::/32",
    "-e",
    "GUARD_STACK=guard-test",
    "-e",
    `GUARD_VERIFY_SECONDS=${verify}`,
    IMAGE,
    "platform-port-guard",
    "run",
  );
  assert.equal(r.status, 0, r.out);
  started.push(container);
  return container;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A guard started (`startGuard`) whose check passes: its chain and jumps in place. */
async function checkedGuard(name: string, verify: number): Promise<string> {
  const container = startGuard(name, verify);
  const end = Date.now() + 30_000;
  let last = docker("exec", container, "platform-port-guard", "check");
  while (last.status !== 0 && Date.now() < end) {
    await sleep(250);
    last = docker("exec", container, "platform-port-guard", "check");
  }
  assert.equal(last.status, 0, `the guard's chain in place: ${last.out}`);
  return container;
}

/** The lines of the guard's chain and of the jumps to it, in each family's filter table. */
function guardRules(container: string): Record<"v4" | "v6", string[]> {
  const lines = (tool: string) =>
    docker("exec", container, tool, "-t", "filter")
      .out.split("\n")
      .filter((l) => l.includes(CHAIN));
  return { v4: lines("iptables-nft-save"), v6: lines("ip6tables-nft-save") };
}

test(
  "retired, the guard, woken at once, removes its chain and its jumps in both families, and writes nothing again when its container restarts",
  { skip },
  async () => {
    // Its rounds 30 s apart: a retirement within seconds is the guard woken by `retire`.
    const guard = await checkedGuard("port-guard-retire", 30);
    const before = guardRules(guard);
    for (const family of ["v4", "v6"] as const) {
      assert.ok(before[family].includes(`:${CHAIN} - [0:0]`), `${family}: ${before[family]}`);
      assert.equal(
        before[family].filter((l) => l.startsWith("-A INPUT ")).length,
        1,
        `${family}: one jump from INPUT`,
      );
      assert.equal(before[family].filter((l) => l.includes("-j REJECT")).length, 2);
    }

    const t0 = Date.now();
    const retired = docker("exec", guard, "platform-port-guard", "retire");
    const took = Date.now() - t0;
    assert.equal(retired.status, 0, retired.out);
    // The guard answered at once, woken from its 30 s pause; not the fallback after 20 s.
    assert.ok(took < 5_000, `retired in ${took} ms`);
    assert.equal(retired.out, "", "retire itself removed nothing");
    const logs = docker("logs", guard).out;
    assert.match(logs, new RegExp(`IPv4: chain ${CHAIN} and its jumps removed \\(iptables-nft\\)`));
    assert.match(
      logs,
      new RegExp(`IPv6: chain ${CHAIN} and its jumps removed \\(ip6tables-nft\\)`),
    );
    assert.match(logs, /retired: this host's ports are no longer the guard's to close/);
    assert.deepEqual(guardRules(guard), { v4: [], v6: [] });
    // Looking for its chain in the legacy flavour made none of legacy's tables.
    assert.equal(docker("exec", guard, "iptables-legacy-save").out, "");
    assert.equal(docker("exec", guard, "ip6tables-legacy-save").out, "");

    // After a restart of its container (a guard not retired writes its chain at once): nothing.
    assert.equal(docker("restart", "-t", "2", guard).status, 0);
    await sleep(3000);
    assert.equal(docker("inspect", "-f", "{{.State.Running}}", guard).out.trim(), "true");
    assert.deepEqual(guardRules(guard), { v4: [], v6: [] });
    assert.notEqual(docker("exec", guard, "platform-port-guard", "check").status, 0);
  },
);

test(
  "a guard that does not answer: retire removes the chain itself, and the guard, woken, writes nothing again",
  { skip },
  async () => {
    const guard = await checkedGuard("port-guard-stuck", 1);
    const pid = docker("inspect", "-f", "{{.State.Pid}}", guard).out.trim();
    assert.equal(spawnSync("kill", ["-STOP", pid]).status, 0);
    try {
      const retired = docker(
        "exec",
        "-e",
        "GUARD_RETIRE_SECONDS=2",
        guard,
        "platform-port-guard",
        "retire",
      );
      assert.equal(retired.status, 0, retired.out);
      assert.match(
        retired.out,
        /^port guard: the guard did not answer within 2s: removing its chain here$/m,
      );
      assert.match(retired.out, new RegExp(`IPv4: chain ${CHAIN} and its jumps removed`));
      assert.deepEqual(guardRules(guard), { v4: [], v6: [] });
    } finally {
      spawnSync("kill", ["-CONT", pid]);
    }
    await sleep(3000);
    assert.deepEqual(guardRules(guard), { v4: [], v6: [] });
    assert.match(docker("logs", guard).out, /retired: this host's ports are no longer the guard's/);
  },
);
