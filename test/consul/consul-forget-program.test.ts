// The step that has Consul's servers forget a lost host's node, run against two small HTTP servers
// standing in for two Consul servers' APIs (each its own member list and force-leave): what it
// asks (a pruned force-leave with the token at each server that lists the node, once gossip no
// longer counts it alive), and what it says for a node forgotten, one listed again and asked
// again, one that only one server still lists, one already gone, one that still answers gossip,
// a refusal, and a server that does not answer; it never fails the `up`.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer, IncomingMessage, Server } from "node:http";
import { AddressInfo } from "node:net";
import { after, before, beforeEach, test } from "node:test";
import { promisify } from "node:util";
import {
  CONSUL_FORGET_COMMAND,
  consulForgetEnvironment,
} from "../../components/consul/consul-forget-program";

const ALIVE = 1;
const LEFT = 3;
const FAILED = 4;

/**
 * How one stand-in server lists one node: its status as each member-list request finds it (the
 * last one repeated; 0: not listed), and what a force-leave there answers and does.
 */
interface NodeScript {
  listed: number[];
  forceLeave?: [number, string];
  /** After the first force-leave, how the node is listed (default, and after any other: not at all). */
  afterLeave?: number[];
  /** Whether a force-leave leaves the node listed as it was (a node that still runs refutes it). */
  refuted?: boolean;
}

type Label = "a" | "b";
/** Per stand-in server, per node: its script. */
let scripts: Record<Label, Record<string, NodeScript>> = { a: {}, b: {} };
/** What each request asked: `<server> <method> <path> <token>`. */
const asked: string[] = [];

/** Stand-in `label`'s answer to `req`: a status and a body. */
function answer(label: Label, req: IncomingMessage): [number, string] {
  if (req.url === "/v1/agent/members") {
    if (req.headers["x-consul-token"] === "weak")
      return [403, "Permission denied: token lacks node:read"];
    const members = Object.entries(scripts[label]).flatMap(([name, s]) => {
      const status = s.listed.length > 1 ? s.listed.shift()! : s.listed[0];
      return status === 0 ? [] : [{ Name: name, Status: status }];
    });
    return [200, JSON.stringify([{ Name: "site-master-1", Status: ALIVE }, ...members])];
  }
  const node = decodeURIComponent(/force-leave\/([^?]+)\?prune=1$/.exec(req.url ?? "")?.[1] ?? "");
  const script = scripts[label][node];
  if (req.method !== "PUT" || script === undefined) return [404, "no such path"];
  const [status, body] = script.forceLeave ?? [200, ""];
  if (status === 200 && !script.refuted) {
    script.listed = script.afterLeave ?? [0];
    script.afterLeave = undefined;
  }
  return [status, body];
}

const servers: Record<Label, Server> = {
  a: createServer((req, res) => {
    asked.push(`a ${req.method} ${req.url} ${req.headers["x-consul-token"]}`);
    const [status, body] = answer("a", req);
    res.writeHead(status).end(body);
  }),
  b: createServer((req, res) => {
    asked.push(`b ${req.method} ${req.url} ${req.headers["x-consul-token"]}`);
    const [status, body] = answer("b", req);
    res.writeHead(status).end(body);
  }),
};
const apis: Record<Label, string> = { a: "", b: "" };
/** An address where nothing listens: a server that does not answer. */
let silent = "";

before(async () => {
  for (const label of ["a", "b"] as const) {
    await new Promise<void>((ok) => servers[label].listen(0, "127.0.0.1", ok));
    apis[label] = `http://127.0.0.1:${(servers[label].address() as AddressInfo).port}/`;
  }
  const closed = createServer();
  await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
  silent = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((ok) => closed.close(() => ok()));
});
after(() => Object.values(servers).forEach((s) => s.close()));
beforeEach(() => {
  asked.length = 0;
});

/** The step's command run for `node`, confirming for 500 ms: its exit status, stdout and stderr. */
async function forget(
  node: string,
  { token = "tkn", timeoutSeconds = 10, asking = [apis.a, apis.b] } = {},
): Promise<{ code: number; out: string; err: string }> {
  const what = `the node ${node}`;
  const env = {
    ...process.env,
    ...consulForgetEnvironment(what, asking, node, token, timeoutSeconds, 500),
  };
  try {
    const r = await promisify(execFile)("sh", ["-c", CONSUL_FORGET_COMMAND], { env });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

const members = (label: Label) => `${label} GET /v1/agent/members tkn`;
const forceLeave = (label: Label, node: string) =>
  `${label} PUT /v1/agent/force-leave/${node}?prune=1 tkn`;
const puts = () => asked.filter((a) => a.includes(" PUT "));

/** The seconds the step says it waited for gossip, from its `(<status> after N s` words. */
const waitedSeconds = (out: string) => Number(/ after (\d+\.\d) s/.exec(out)?.[1]);

test("a node both servers count failed: a pruned force-leave with the token at each, then only their member lists until it stays gone; said forgotten", async () => {
  scripts = {
    a: { "site-slave-3": { listed: [FAILED] } },
    b: { "site-slave-3": { listed: [FAILED] } },
  };
  const r = await forget("site-slave-3");
  assert.match(r.out, /^the node site-slave-3: forgotten \(failed after 0\.\d s\)\n$/);
  assert.deepEqual({ code: r.code, err: r.err }, { code: 0, err: "" });
  assert.deepEqual(asked.slice(0, 2).sort(), [members("a"), members("b")]);
  assert.deepEqual(asked.slice(2, 4), [
    forceLeave("a", "site-slave-3"),
    forceLeave("b", "site-slave-3"),
  ]);
  const rest = asked.slice(4);
  assert.deepEqual(
    rest.filter((a) => a !== members("a") && a !== members("b")),
    [],
  );
  assert.ok(rest.length >= 4, `${rest.length} member lists asked to confirm`);
});

test("a node still counted alive by a server: no force-leave until gossip counts it failed there too", async () => {
  scripts = {
    a: { "site-slave-4": { listed: [ALIVE, ALIVE, ALIVE, ALIVE, FAILED] } },
    b: { "site-slave-4": { listed: [FAILED] } },
  };
  const r = await forget("site-slave-4");
  assert.match(r.out, /^the node site-slave-4: forgotten \(failed after \d+\.\d s\)\n$/);
  assert.ok(waitedSeconds(r.out) >= 0.9, r.out);
  assert.deepEqual(
    asked.slice(0, 10).filter((a) => a.includes(" PUT ")),
    [],
  );
  assert.deepEqual(puts(), [forceLeave("a", "site-slave-4"), forceLeave("b", "site-slave-4")]);
});

test("a node one server still lists, left, after the others dropped it: asked there only; said with its status", async () => {
  scripts = { a: { "site-slave-3": { listed: [0] } }, b: { "site-slave-3": { listed: [LEFT] } } };
  const r = await forget("site-slave-3");
  assert.match(r.out, /^the node site-slave-3: forgotten \(left after 0\.\d s\)\n$/);
  assert.deepEqual(puts(), [forceLeave("b", "site-slave-3")]);
});

test("a node listed again after the force-leave: asked again where it is listed, said so", async () => {
  scripts = {
    a: { "site-slave-5": { listed: [FAILED] } },
    b: { "site-slave-5": { listed: [FAILED], afterLeave: [0, FAILED] } },
  };
  const r = await forget("site-slave-5");
  assert.deepEqual(r.err, "");
  assert.match(
    r.out,
    /^the node site-slave-5: forgotten \(failed after 0\.\d s; listed again, asked 2 times\)\n$/,
  );
  assert.deepEqual(puts(), [
    forceLeave("a", "site-slave-5"),
    forceLeave("b", "site-slave-5"),
    forceLeave("b", "site-slave-5"),
  ]);
});

test("a node no server lists (a lost server autopilot removed): said gone already, no force-leave", async () => {
  scripts = { a: { "site-master-2": { listed: [0] } }, b: {} };
  assert.deepEqual(await forget("site-master-2"), {
    code: 0,
    out: "the node site-master-2: already gone from the gossip pool\n",
    err: "",
  });
  assert.deepEqual(asked.sort(), [members("a"), members("b")]);
});

test("a server that does not answer: left out and said; the others forget the node", async () => {
  scripts = { a: { "site-slave-3": { listed: [FAILED] } }, b: {} };
  const r = await forget("site-slave-3", { asking: [apis.a, silent] });
  assert.equal(r.err, "");
  assert.match(
    r.out,
    new RegExp(
      `^the node site-slave-3: forgotten \\(failed after 0\\.\\d s\\); not asked at ${silent}, which did not answer\\n$`,
    ),
  );
  assert.deepEqual(puts(), [forceLeave("a", "site-slave-3")]);
});

test("a node that still answers gossip: force-left and back each time; said, with the question to ask", async () => {
  scripts = { a: { "site-lb-2": { listed: [ALIVE], refuted: true } }, b: {} };
  const t = Date.now();
  assert.deepEqual(await forget("site-lb-2", { timeoutSeconds: 3 }), {
    code: 0,
    out: "",
    err: `the node site-lb-2: not forgotten: still alive at ${apis.a.replace(/\/$/, "")} after 3 s: it still answers gossip; is its host really gone for good?\n`,
  });
  const took = (Date.now() - t) / 1000;
  assert.ok(took >= 3 && took < 5, `${took} s`);
  assert.ok(puts().length >= 1);
});

test("a refusal of the force-leave: said, with the server and Consul's answer, and the up goes on", async () => {
  scripts = {
    a: {
      "site-lb-1": {
        listed: [FAILED],
        forceLeave: [403, "Permission denied: token lacks operator:write"],
      },
    },
    b: {},
  };
  assert.deepEqual(await forget("site-lb-1"), {
    code: 0,
    out: "",
    err: `the node site-lb-1: not forgotten (${apis.a.replace(/\/$/, "")}: HTTP 403 Permission denied: token lacks operator:write); Consul drops it once it reaps failed nodes (72 h)\n`,
  });
});

test("member lists refused everywhere: said, with each server's answer, and nothing is forced", async () => {
  scripts = { a: { "site-slave-3": { listed: [FAILED] } }, b: {} };
  const r = await forget("site-slave-3", { token: "weak" });
  const refused = (api: string) =>
    `${api.replace(/\/$/, "")}: its member list: HTTP 403 Permission denied: token lacks node:read`;
  assert.deepEqual(r, {
    code: 0,
    out: "",
    err: `the node site-slave-3: not forgotten (no server answers: ${refused(apis.a)}; ${refused(apis.b)}); Consul drops it once it reaps failed nodes (72 h)\n`,
  });
  assert.equal(puts().length, 0);
});
