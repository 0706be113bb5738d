// What a Consul server or agent on a host named by DNS advertises (consulAdvertiseAddress), for
// real: Consul 1.16 (the platform's image's binary) started in a network namespace made here as a
// host, with the interfaces a site's host has (its own, Docker's docker0 and a platform bridge),
// asked for the address it advertises.
import assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { consulAdvertiseAddress } from "../../components/consul/consul-containers";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { tempDir } from "../../scripts/temp-dir";

const IMAGE = "lhcb-platform/consul:1.16.6";
const dir = tempDir("consul-advertise-");
const consul = join(dir, "consul");
const made: string[] = [];

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] });

before(() => {
  assert.match(DEFAULT_IMAGES.consul, /:1\.16\.6$/);
  const c = execFileSync("docker", ["create", IMAGE], { encoding: "utf8" }).trim();
  try {
    execFileSync("docker", ["cp", `${c}:/usr/local/bin/consul`, consul]);
  } finally {
    execFileSync("docker", ["rm", c], { stdio: "ignore" });
  }
});

after(() => {
  for (const ns of made) ip("netns", "delete", ns);
});

/**
 * A host: a namespace with its own interface `eth0` (`addresses`, the default route on it),
 * docker0 at 172.17.0.1/16 and a platform bridge at 172.18.0.1/16.
 */
function host(name: string, addresses: string[]): string {
  const ns = `lhcbadv${process.pid % 10000}${name}`;
  ip("netns", "add", ns);
  made.push(ns);
  const inNs = (...args: string[]) => ip("-n", ns, ...args);
  inNs("link", "set", "lo", "up");
  // Its own interface: one end of a veth pair (no dummy interfaces on every kernel), both ends here.
  inNs("link", "add", "eth0", "type", "veth", "peer", "name", "eth0-peer");
  for (const a of addresses) inNs("addr", "add", a, "dev", "eth0");
  inNs("link", "set", "eth0-peer", "up");
  inNs("link", "set", "eth0", "up");
  inNs("route", "add", "default", "dev", "eth0");
  for (const [bridge, address] of [
    ["docker0", "172.17.0.1/16"],
    ["br-0123456789ab", "172.18.0.1/16"],
  ]) {
    inNs("link", "add", bridge, "type", "bridge");
    inNs("addr", "add", address, "dev", bridge);
    inNs("link", "set", bridge, "up");
  }
  return ns;
}

/** The address a Consul agent started on `ns` with the platform's advertise setting advertises. */
async function advertisedOn(ns: string): Promise<string> {
  const agent: ChildProcess = spawn(
    "nsenter",
    [
      `--net=/run/netns/${ns}`,
      consul,
      "agent",
      "-dev",
      "-bind",
      "0.0.0.0",
      "-client",
      "127.0.0.1",
      "-advertise",
      consulAdvertiseAddress("consul-host.example.org"),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  agent.stdout!.on("data", (d) => (output += d));
  agent.stderr!.on("data", (d) => (output += d));
  try {
    for (let i = 0; i < 100; i++) {
      const self = (() => {
        try {
          return execFileSync(
            "nsenter",
            [
              `--net=/run/netns/${ns}`,
              "curl",
              "-fsS",
              "-m",
              "1",
              "http://127.0.0.1:8500/v1/agent/self",
            ],
            { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
          );
        } catch {
          return undefined;
        }
      })();
      if (self !== undefined) return (JSON.parse(self) as { Member: { Addr: string } }).Member.Addr;
      if (agent.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`consul did not answer on ${ns}: ${output}`);
  } finally {
    agent.kill();
  }
}

test("a host with a public address only advertises it, not Docker's bridges", async () => {
  assert.equal(await advertisedOn(host("pub", ["11.0.0.5/24"])), "11.0.0.5");
});

test("a host with a private address advertises it, as before", async () => {
  assert.equal(await advertisedOn(host("priv", ["10.1.0.5/24"])), "10.1.0.5");
});
