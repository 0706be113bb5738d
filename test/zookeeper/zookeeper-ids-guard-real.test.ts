// The step that keeps ZooKeeper's ids (components/zookeeper/zookeeper-ids-guard.ts), run by sh and
// Node as the command provider runs it, against a real ensemble of three members on 127.0.0.1,
// 127.0.0.2 and 127.0.0.3 (local processes on the jars every stack runs, one client port): what
// `conf` prints is ZooKeeper's own. The plans are made as the ensemble makes them, from masters
// in the order `hosts` gives them.
import assert from "node:assert/strict";
import { ChildProcess, execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { HostSpec } from "../../components/core/config-schema";
import {
  plannedZooKeeperMembers,
  ZOOKEEPER_IDS_GUARD_COMMAND,
  zookeeperIdsGuardEnvironment,
} from "../../components/zookeeper/zookeeper-ids-guard";
import { tempDir } from "../../scripts/temp-dir";
import {
  assertZookeeperJars,
  oneLeader,
  startZookeeperMember,
  waitForModes,
  zookeeperClasspath,
} from "../support/zookeeper-processes";

const run = promisify(execFile);
const BASE = 33000 + (process.pid % 1000) * 10;
const CLIENT_PORT = BASE;

/** A master at `address`, its ZooKeeper id pinned where given. */
function master(id: string, address: string, zookeeperId?: number): HostSpec {
  return {
    id,
    address,
    roles: ["master"],
    cpus: 2,
    memoryMb: 2048,
    labels: {},
    ...(zookeeperId !== undefined ? { zookeeperId } : {}),
  };
}

const M1 = master("master-1", "127.0.0.1");
const M2 = master("master-2", "127.0.0.2");
const M3 = master("master-3", "127.0.0.3");

/** Runs the guard for the masters `masters` in that order; its exit code, stdout and stderr. */
async function guard(masters: HostSpec[]) {
  const planned = plannedZooKeeperMembers({ stack: "site", local: false, masters });
  try {
    const { stdout, stderr } = await run("sh", ["-c", ZOOKEEPER_IDS_GUARD_COMMAND], {
      env: {
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
        ...zookeeperIdsGuardEnvironment(planned, false, CLIENT_PORT),
      },
    });
    return { code: 0, stdout, stderr };
  } catch (x) {
    const e = x as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const HINT =
  "A member's id is its master's place among the masters in hosts unless hosts[i].zookeeperId sets it: put the masters back in the order they were deployed in, or set each master's zookeeperId to the id it serves as\n";

const procs: ChildProcess[] = [];
let before3: Awaited<ReturnType<typeof guard>>;

before(async () => {
  const jars = zookeeperClasspath();
  assertZookeeperJars(jars);
  // Before any member runs: nothing to compare.
  before3 = await guard([M1, M2, M3]);
  const members = [M1, M2, M3].map((h, i) => ({
    id: i + 1,
    address: h.address,
    peerPort: BASE + 100 + i,
    electionPort: BASE + 200 + i,
  }));
  const root = tempDir("zk-ids-");
  for (const m of members)
    procs.push(
      startZookeeperMember(jars, join(root, `zk${m.id}`), members, m.id, {
        clientPort: CLIENT_PORT,
        clientPortAddress: m.address,
        tickTime: 200,
        initLimit: 10,
        syncLimit: 5,
      }),
    );
  const at = members.map((m) => ({ host: m.address, port: CLIENT_PORT }));
  assert.deepEqual([...(await waitForModes(at, oneLeader, 90))].sort(), [
    "follower",
    "follower",
    "leader",
  ]);
});

after(() => procs.forEach((p) => p.kill("SIGKILL")));

test("with no member serving, the guard says there is nothing to compare and passes", () => {
  assert.deepEqual(before3, {
    code: 0,
    stdout:
      "ZooKeeper's ids: no member serves, nothing to compare (a first deployment, or the quorum lost)\n",
    stderr: "",
  });
});

test("the masters in the order they were deployed in: kept", async () => {
  assert.deepEqual(await guard([M1, M2, M3]), {
    code: 0,
    stdout: "ZooKeeper's ids: kept (the list master-1's member serves with)\n",
    stderr: "",
  });
});

test("two masters swapped in hosts: refused, naming both and what to do", async () => {
  assert.deepEqual(await guard([M2, M1, M3]), {
    code: 1,
    stdout: "",
    stderr:
      "ZooKeeper's ids: would change, so nothing of the ensemble was changed: master-1 (127.0.0.1) serves as server.1 and would be server.2; master-2 (127.0.0.2) serves as server.2 and would be server.1. " +
      HINT,
  });
});

test("the middle master removed: refused for the one after it", async () => {
  assert.deepEqual(await guard([M1, M3]), {
    code: 1,
    stdout: "",
    stderr:
      "ZooKeeper's ids: would change, so nothing of the ensemble was changed: master-3 (127.0.0.3) serves as server.3 and would be server.2. " +
      HINT,
  });
});

test("moved or removed with each master's zookeeperId set to the id it serves as: kept", async () => {
  const pinned = [master("master-2", "127.0.0.2", 2), master("master-1", "127.0.0.1", 1), M3];
  assert.deepEqual(await guard(pinned), {
    code: 0,
    stdout: "ZooKeeper's ids: kept (the list master-2's member serves with)\n",
    stderr: "",
  });
  assert.equal((await guard([M1, master("master-3", "127.0.0.3", 3)])).code, 0);
});

test("a lost master's new machine in its place (same id, new address; not yet running): kept", async () => {
  assert.deepEqual(await guard([master("master-4", "127.0.0.4"), M2, M3]), {
    code: 0,
    stdout: "ZooKeeper's ids: kept (the list master-2's member serves with)\n",
    stderr: "",
  });
});
