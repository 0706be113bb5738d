// ZooKeeper members run as local processes from rendered zoo.cfg files, on the jars of the
// ZooKeeper release every stack runs (images/zookeeper/jars.txt, fetched into .cache/maven by
// scripts/docker/build-images.sh), and how to ask them their mode.
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import {
  renderMyId,
  renderZooCfg,
  ZooCfgOptions,
  ZooKeeperMember,
} from "../../components/zookeeper/zoo-cfg";

/** The class path of images/zookeeper/jars.txt, from the build's Maven cache. */
export function zookeeperClasspath(): string[] {
  return readFileSync("images/zookeeper/jars.txt", "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => {
      const [, artifact, version] = l.split(" ")[0].split(":");
      return join(".cache", "maven", `${artifact}-${version}.jar`);
    });
}

/** The jars are all there, and are ZooKeeper 3.8.4's. */
export function assertZookeeperJars(jars: string[]): void {
  assert.equal(jars.length, 18);
  const missing = jars.filter((j) => !existsSync(j));
  assert.deepEqual(missing, [], "run npm run up: scripts/docker/build-images.sh fetches them");
  assert.match(
    spawnSync("java", ["-cp", jars.join(":"), "org.apache.zookeeper.version.VersionInfoMain"], {
      encoding: "utf8",
    }).stdout,
    /^Apache ZooKeeper, version 3\.8\.4 /,
  );
}

/** Starts the member `id` of `members` in `dir`, with `opts` (the client port among them). */
export function startZookeeperMember(
  jars: string[],
  dir: string,
  members: readonly ZooKeeperMember[],
  id: number,
  opts: Omit<ZooCfgOptions, "dataDir">,
): ChildProcess {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "zoo.cfg"), renderZooCfg(members, { ...opts, dataDir: dir }));
  writeFileSync(join(dir, "myid"), renderMyId(id));
  return spawn(
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
    { stdio: "ignore" },
  );
}

/** A member's answer to `srvr` at `host:port`; "" when it does not answer. */
export function srvr(port: number, host = "127.0.0.1"): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => s.write("srvr"));
    let out = "";
    s.on("data", (d) => (out += d.toString()));
    s.on("close", () => resolve(out));
    s.on("error", () => resolve(""));
    s.setTimeout(1000, () => s.destroy());
  });
}

/** Each member's mode (leader, follower, standalone) or "down". */
export async function modes(at: readonly { port: number; host?: string }[]): Promise<string[]> {
  return Promise.all(
    at.map(async (m) => /Mode: (\w+)/.exec(await srvr(m.port, m.host))?.[1] ?? "down"),
  );
}

/** The members' modes once `pred` holds of them, or the last ones after `seconds`. */
export async function waitForModes(
  at: readonly { port: number; host?: string }[],
  pred: (m: string[]) => boolean,
  seconds: number,
): Promise<string[]> {
  const end = Date.now() + seconds * 1000;
  let m: string[] = [];
  while (Date.now() < end) {
    m = await modes(at);
    if (pred(m)) return m;
    await new Promise((r) => setTimeout(r, 200));
  }
  return m;
}

/** Exactly one leader and the rest followers. */
export const oneLeader = (m: string[]): boolean =>
  m.filter((v) => v === "leader").length === 1 &&
  m.filter((v) => v === "follower").length === m.length - 1;
