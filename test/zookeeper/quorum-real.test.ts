// A three-member ZooKeeper quorum started as local processes from the rendered zoo.cfg files, on
// the jars of the ZooKeeper release every stack runs (images/zookeeper/jars.txt, fetched into
// .cache/maven by scripts/docker/build-images.sh): exactly one leader is elected, and a new one
// when it is stopped.
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { renderMyId, renderZooCfg } from "../../components/zookeeper/zoo-cfg";
import { tempDir } from "../../scripts/temp-dir";

/** The class path of images/zookeeper/jars.txt, from the build's Maven cache. */
function zookeeperClasspath(): string[] {
  return readFileSync("images/zookeeper/jars.txt", "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => {
      const [, artifact, version] = l.split(" ")[0].split(":");
      return join(".cache", "maven", `${artifact}-${version}.jar`);
    });
}
const BASE = 22000 + (process.pid % 1000) * 10;

function srvr(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port }, () => s.write("srvr"));
    let out = "";
    s.on("data", (d) => (out += d.toString()));
    s.on("close", () => resolve(out));
    s.on("error", () => resolve(""));
    s.setTimeout(1000, () => s.destroy());
  });
}

async function modes(ports: number[]): Promise<string[]> {
  return Promise.all(ports.map(async (p) => /Mode: (\w+)/.exec(await srvr(p))?.[1] ?? "down"));
}

async function waitFor(
  ports: number[],
  pred: (m: string[]) => boolean,
  seconds: number,
): Promise<string[]> {
  const end = Date.now() + seconds * 1000;
  let m: string[] = [];
  while (Date.now() < end) {
    m = await modes(ports);
    if (pred(m)) return m;
    await new Promise((r) => setTimeout(r, 200));
  }
  return m;
}

const procs: ChildProcess[] = [];
after(() => procs.forEach((p) => p.kill("SIGKILL")));

test(
  "three members from the rendered zoo.cfg elect exactly one leader",
  { timeout: 120_000 },
  async () => {
    const jars = zookeeperClasspath();
    assert.equal(jars.length, 18);
    const missing = jars.filter((j) => !existsSync(j));
    assert.deepEqual(missing, [], "run npm run up: scripts/docker/build-images.sh fetches them");
    assert.match(
      spawnSync("java", ["-cp", jars.join(":"), "org.apache.zookeeper.version.VersionInfoMain"], {
        encoding: "utf8",
      }).stdout,
      /^Apache ZooKeeper, version 3\.8\.4 /,
    );
    const root = tempDir("zk-quorum-");
    // On one machine every member needs its own ports.
    const members = [1, 2, 3].map((id) => ({
      id,
      address: "127.0.0.1",
      peerPort: BASE + 100 + id,
      electionPort: BASE + 200 + id,
    }));
    const clientPorts: number[] = [];
    for (const m of members) {
      const dir = join(root, `zk${m.id}`);
      mkdirSync(dir, { recursive: true });
      const clientPort = BASE + m.id;
      clientPorts.push(clientPort);
      const cfg = renderZooCfg(members, {
        dataDir: dir,
        clientPort,
        tickTime: 200,
        initLimit: 10,
        syncLimit: 5,
      });
      writeFileSync(join(dir, "zoo.cfg"), cfg);
      writeFileSync(join(dir, "myid"), renderMyId(m.id));
      const p = spawn(
        "java",
        [
          "-Xmx128m",
          "-Dzookeeper.log.dir=" + dir,
          "-Dlogback.configurationFile=images/zookeeper/logback.xml",
          "-cp",
          jars.join(":"),
          "org.apache.zookeeper.server.quorum.QuorumPeerMain",
          join(dir, "zoo.cfg"),
        ],
        {
          stdio: "ignore",
        },
      );
      procs.push(p);
    }
    const m = await waitFor(
      clientPorts,
      (x) =>
        x.filter((v) => v === "leader").length === 1 &&
        x.filter((v) => v === "follower").length === 2,
      90,
    );
    assert.deepEqual([...m].sort(), ["follower", "follower", "leader"]);

    const leader = m.indexOf("leader");
    procs[leader].kill("SIGKILL");
    const rest = clientPorts.filter((_, i) => i !== leader);
    const m2 = await waitFor(rest, (x) => x.includes("leader") && x.includes("follower"), 30);
    assert.deepEqual([...m2].sort(), ["follower", "leader"]);
  },
);
