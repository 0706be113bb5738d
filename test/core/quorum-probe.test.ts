// The quorum members' readiness probe and a Consul server's leadership handover, run by sh and
// Node as the command provider runs them, against stand-in members on loopback addresses
// (127.0.0.1 to 127.0.0.3, one port): a Consul HTTP API and a ZooKeeper `srvr` answer that the
// test scripts.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer, Server } from "node:http";
import { createServer as createTcpServer, Server as TcpServer } from "node:net";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import {
  CONSUL_HANDOVER_COMMAND,
  CONSUL_HANDOVER_PROGRAM,
  QUORUM_PROBE_COMMAND,
  QuorumMemberTarget,
  quorumProbeEnvironment,
} from "../../components/core/quorum-probe";
import { tempDir } from "../../scripts/temp-dir";

const run = promisify(execFile);
const MEMBERS = ["127.0.0.1", "127.0.0.2", "127.0.0.3"];

/** Each member's Consul answers per path ([status, body]; the last one repeats) and what it was asked. */
let consul: Record<string, Record<string, [number, string][]>> = {};
const asked: string[] = [];
/** Each member's ZooKeeper `srvr` answer; a member without one closes at once. */
let zookeeper: Record<string, string> = {};
const servers: (Server | TcpServer)[] = [];
let consulPort = 0;
let zookeeperPort = 0;

function answerConsul(address: string) {
  return createServer((req, res) => {
    asked.push(`${address} ${req.method} ${req.url}`);
    const list = consul[address]?.[req.url ?? ""] ?? [[404, ""]];
    const [status, body] = list.length > 1 ? list.shift()! : list[0];
    res.writeHead(status).end(body);
  });
}

/** Each member's ZooKeeper `conf` answer, where it has one (else its `srvr` answer). */
let zookeeperConf: Record<string, string> = {};

function answerZookeeper(address: string) {
  return createTcpServer((s) =>
    s.once("data", (word) =>
      s.end(
        (String(word) === "conf" ? zookeeperConf[address] : undefined) ?? zookeeper[address] ?? "",
      ),
    ),
  );
}

/** Listens on every member's address at one port (the first free one at 127.0.0.1). */
async function listenOnEveryMember(make: (address: string) => Server | TcpServer) {
  let port = 0;
  for (const address of MEMBERS) {
    const server = make(address);
    await new Promise<void>((r) => server.listen(port, address, r));
    port = (server.address() as { port: number }).port;
    servers.push(server);
  }
  return port;
}

before(async () => {
  consulPort = await listenOnEveryMember(answerConsul);
  zookeeperPort = await listenOnEveryMember(answerZookeeper);
});

after(() => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))));

function target(
  kind: "consul" | "zookeeper",
  self: string,
  mustServe: boolean,
): QuorumMemberTarget {
  return {
    kind,
    what: `${kind} member ${self}`,
    self,
    others: MEMBERS.filter((m) => m !== self),
    port: kind === "consul" ? consulPort : zookeeperPort,
    resolveWithDocker: false,
    mustServe,
  };
}

/**
 * Runs `command` as the command provider does: `sh -c` with the member's environment; with
 * `hosts`, in a mount namespace of its own where /etc/hosts is that text.
 */
function runAs(
  command: string,
  member: QuorumMemberTarget,
  timeoutSeconds: number,
  hosts?: string,
) {
  const file = join(tempDir("quorum-probe-"), "hosts");
  if (hosts !== undefined) writeFileSync(file, hosts);
  const shell =
    hosts === undefined
      ? ["sh", "-c", command]
      : ["unshare", "--mount", "sh", "-c", `mount --bind ${file} /etc/hosts && ${command}`];
  return run(shell[0], shell.slice(1), {
    env: {
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
      ...quorumProbeEnvironment(member, timeoutSeconds),
    },
  });
}

test("a Consul server is ready once a leader is known and its own address is among the raft peers", async () => {
  asked.length = 0;
  zookeeper = {};
  consul = {
    "127.0.0.2": {
      "/v1/status/leader": [
        [200, '""'],
        [200, '"127.0.0.1:8300"'],
      ],
      "/v1/status/peers": [
        [200, '["127.0.0.1:8300"]'],
        [200, '["127.0.0.1:8300","127.0.0.2:8300"]'],
      ],
    },
  };
  await runAs(QUORUM_PROBE_COMMAND, target("consul", "127.0.0.2", true), 10);
  const ofSelf = asked.filter((a) => a.startsWith("127.0.0.2 "));
  assert.deepEqual(ofSelf, [
    "127.0.0.2 GET /v1/status/leader",
    "127.0.0.2 GET /v1/status/leader",
    "127.0.0.2 GET /v1/status/peers",
    "127.0.0.2 GET /v1/status/leader",
    "127.0.0.2 GET /v1/status/peers",
  ]);
});

test("a Consul server whose name resolves to IPv6 first is ready once any of its addresses is among the raft peers", async () => {
  asked.length = 0;
  const answers: Record<string, [number, string][]> = {
    "/v1/status/leader": [[200, '"127.0.0.1:8300"']],
    "/v1/status/peers": [[200, '["127.0.0.1:8300","127.0.0.2:8300"]']],
  };
  consul = { "127.0.0.2": answers };
  // A dual-stack name: its IPv6 address first, as a resolver may give it; the raft peers are IPv4.
  const member = { ...target("consul", "127.0.0.2", true), self: "dual.test" };
  await runAs(QUORUM_PROBE_COMMAND, member, 5, "::1 dual.test\n127.0.0.2 dual.test\n");
  assert.deepEqual(asked, ["127.0.0.2 GET /v1/status/leader", "127.0.0.2 GET /v1/status/peers"]);
  // Not among the peers under either address: the message names both.
  const noLeader: Record<string, [number, string][]> = { "/v1/status/leader": [[200, '""']] };
  consul = {
    "127.0.0.1": noLeader,
    "127.0.0.2": { ...answers, "/v1/status/peers": [[200, '["127.0.0.1:8300"]']] },
    "127.0.0.3": noLeader,
  };
  await assert.rejects(
    runAs(QUORUM_PROBE_COMMAND, member, 1, "::1 dual.test\n127.0.0.2 dual.test\n"),
    {
      code: 1,
      stderr:
        "consul member 127.0.0.2: not back in its quorum after 1s (::1 or 127.0.0.2 not among the raft peers)\n",
    },
  );
});

test("a server that must serve fails after its timeout while there is no leader, naming it and the last answer", async () => {
  consul = {
    "127.0.0.1": { "/v1/status/leader": [[200, '""']] },
    "127.0.0.2": { "/v1/status/leader": [[200, '""']] },
    "127.0.0.3": { "/v1/status/leader": [[200, '""']] },
  };
  await assert.rejects(runAs(QUORUM_PROBE_COMMAND, target("consul", "127.0.0.1", true), 1), {
    code: 1,
    stderr: "consul member 127.0.0.1: not back in its quorum after 1s (no leader known)\n",
  });
});

test("the first member, with no quorum to join, is ready as soon as it answers at all", async () => {
  zookeeper = { "127.0.0.1": "Zookeeper version: 3.8.4\nMode: standalone\n" };
  await runAs(QUORUM_PROBE_COMMAND, target("zookeeper", "127.0.0.1", false), 5);
});

test("a ZooKeeper member that must serve waits for Mode: leader or follower", async () => {
  zookeeper = { "127.0.0.3": "Mode: follower\n" };
  await runAs(QUORUM_PROBE_COMMAND, target("zookeeper", "127.0.0.3", true), 5);
  zookeeper = { "127.0.0.3": "This ZooKeeper instance is not currently serving requests\n" };
  await assert.rejects(runAs(QUORUM_PROBE_COMMAND, target("zookeeper", "127.0.0.3", true), 1), {
    code: 1,
    stderr:
      "zookeeper member 127.0.0.3: not back in its quorum after 1s (not serving: its srvr answer has no Mode: leader or follower)\n",
  });
});

test("a ZooKeeper member the serving members list at another address (its host replaced) is ready once it answers; listed at its own, it must serve", async () => {
  const notServing = "This ZooKeeper instance is not currently serving requests\n";
  const listing = (first: string) =>
    ["serverId=2", "membership: ", `server.1=${first}:2888:3888:participant`].join("\n") +
    "\nserver.2=127.0.0.2:2888:3888:participant\nserver.3=127.0.0.3:2888:3888:participant\nversion=0\n";
  zookeeper = { "127.0.0.1": notServing, "127.0.0.2": "Mode: leader\n" };
  zookeeperConf = { "127.0.0.2": listing("master-1.example.org") };
  const replaced = { ...target("zookeeper", "127.0.0.1", true), myid: 1 };
  const { stdout } = await runAs(QUORUM_PROBE_COMMAND, replaced, 5);
  assert.equal(
    stdout,
    "zookeeper member 127.0.0.1: answers; joins as the others take the new list (127.0.0.2 lists it at master-1.example.org)\n",
  );
  zookeeperConf = { "127.0.0.2": listing("127.0.0.1") };
  await assert.rejects(runAs(QUORUM_PROBE_COMMAND, replaced, 1), {
    code: 1,
    stderr:
      "zookeeper member 127.0.0.1: not back in its quorum after 1s (not serving: its srvr answer has no Mode: leader or follower)\n",
  });
  zookeeperConf = {};
});

test("a leading Consul server hands its leadership over and waits for the new leader", async () => {
  asked.length = 0;
  consul = {
    "127.0.0.1": {
      "/v1/status/leader": [
        [200, '"127.0.0.1:8300"'],
        [200, '"127.0.0.1:8300"'],
        [200, '"127.0.0.3:8300"'],
      ],
      "/v1/operator/raft/transfer-leader": [[200, '{"Success":true}']],
    },
  };
  const member = target("consul", "127.0.0.1", true);
  assert.equal(quorumProbeEnvironment(member).CONSUL_HANDOVER_PROGRAM, CONSUL_HANDOVER_PROGRAM);
  await runAs(CONSUL_HANDOVER_COMMAND, member, 5);
  assert.deepEqual(asked, [
    "127.0.0.1 GET /v1/status/leader",
    "127.0.0.1 POST /v1/operator/raft/transfer-leader",
    "127.0.0.1 GET /v1/status/leader",
    "127.0.0.1 GET /v1/status/leader",
  ]);
});
