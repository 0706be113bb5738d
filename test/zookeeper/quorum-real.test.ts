// A three-member ZooKeeper quorum started as local processes from the rendered zoo.cfg files, on
// the jars of the ZooKeeper release every stack runs (test/support/zookeeper-processes.ts):
// exactly one leader is elected, and a new one when it is stopped.
import assert from "node:assert/strict";
import { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { after, test } from "node:test";
import { tempDir } from "../../scripts/temp-dir";
import {
  assertZookeeperJars,
  oneLeader,
  startZookeeperMember,
  waitForModes,
  zookeeperClasspath,
} from "../support/zookeeper-processes";

const BASE = 22000 + (process.pid % 1000) * 10;

const procs: ChildProcess[] = [];
after(() => procs.forEach((p) => p.kill("SIGKILL")));

test(
  "three members from the rendered zoo.cfg elect exactly one leader",
  { timeout: 120_000 },
  async () => {
    const jars = zookeeperClasspath();
    assertZookeeperJars(jars);
    const root = tempDir("zk-quorum-");
    // On one machine every member needs its own ports.
    const members = [1, 2, 3].map((id) => ({
      id,
      address: "127.0.0.1",
      peerPort: BASE + 100 + id,
      electionPort: BASE + 200 + id,
    }));
    const clientPorts = members.map((m) => ({ port: BASE + m.id }));
    for (const m of members)
      procs.push(
        startZookeeperMember(jars, join(root, `zk${m.id}`), members, m.id, {
          clientPort: BASE + m.id,
          tickTime: 200,
          initLimit: 10,
          syncLimit: 5,
        }),
      );
    const m = await waitForModes(clientPorts, oneLeader, 90);
    assert.deepEqual([...m].sort(), ["follower", "follower", "leader"]);

    const leader = m.indexOf("leader");
    procs[leader].kill("SIGKILL");
    const rest = clientPorts.filter((_, i) => i !== leader);
    const m2 = await waitForModes(rest, (x) => x.includes("leader") && x.includes("follower"), 30);
    assert.deepEqual([...m2].sort(), ["follower", "leader"]);
  },
);
