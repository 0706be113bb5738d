// What the watcher reads of Consul: every host's node, masters included, from the first API that
// answers, against a stand-in for Consul's members API on the loopback.
import assert from "node:assert/strict";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { consulNodeName } from "../../components/consul/consul-containers";
import { answeredFirst, hostNodeStates } from "../../scripts/watch/consul-nodes";

const spec = {
  stack: "w",
  hosts: [
    { id: "master-1", roles: ["master"] },
    { id: "master-2", roles: ["master"] },
    { id: "slave-1", roles: ["slave"] },
    { id: "slave-2", roles: ["slave"] },
    { id: "slave-3", roles: ["slave"] },
    { id: "lb-1", roles: ["lb"] },
  ],
} as unknown as Parameters<typeof hostNodeStates>[0];

/**
 * The LAN pool as a server lists it (Serf status 1 alive, 3 left, 4 failed): master-2's server was
 * reaped by autopilot after it failed (left), slave-2's agent was killed (failed), slave-3's was
 * stopped cleanly (left), lb-1 never joined.
 */
const MEMBERS = [
  { Name: consulNodeName(spec, "master-1"), Status: 1 },
  { Name: consulNodeName(spec, "master-2"), Status: 3 },
  { Name: consulNodeName(spec, "slave-1"), Status: 1 },
  { Name: consulNodeName(spec, "slave-2"), Status: 4 },
  { Name: consulNodeName(spec, "slave-3"), Status: 3 },
  { Name: "another-stack-slave-1", Status: 4 },
];

let consul: Server;
let empty: Server;
const asked: string[] = [];
const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

before(async () => {
  consul = createServer((req, res) => {
    asked.push(req.url ?? "");
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(MEMBERS));
  });
  // Consul with ACLs on, asked without a token: it hides every node.
  empty = createServer((_req, res) => res.end("[]"));
  for (const s of [consul, empty]) await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
});

after(() => {
  consul.close();
  empty.close();
});

test("every host's node, masters and balancers as well as slaves: alive passing; failed, left or reaped critical; never joined absent", async () => {
  const { states, answered } = await hostNodeStates(spec, [url(consul)]);
  assert.deepEqual(Object.fromEntries(states), {
    "master-1": "passing",
    "master-2": "critical",
    "slave-1": "passing",
    "slave-2": "critical",
    "slave-3": "critical",
    "lb-1": "absent",
  });
  assert.equal(answered, url(consul));
  assert.equal(asked.at(-1), "/v1/agent/members");
});

test("an API that does not answer, or hides every node, is passed over for the next; the one that answered is asked first next time", async () => {
  const down = "http://127.0.0.1:9";
  const apis = [down, url(empty), url(consul)];
  const { answered } = await hostNodeStates(spec, apis);
  assert.equal(answered, url(consul));
  assert.deepEqual(answeredFirst(apis, answered), [url(consul), down, url(empty)]);
  await assert.rejects(hostNodeStates(spec, [down, url(empty)]), (e: Error) => {
    assert.match(e.message, /^no Consul API answered: http:\/\/127\.0\.0\.1:9: .+; /);
    assert.ok(
      e.message.endsWith(
        `${url(empty)}: no node at all (without a token: where Consul's ACLs are on, it hides every node)`,
      ),
      e.message,
    );
    return true;
  });
});
