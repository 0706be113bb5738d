// The step that has Consul's servers forget a lost host's node, run against a small HTTP server
// standing in for Consul's API: what it asks (a pruned force-leave with the token), and what it
// says for a node forgotten, one already gone, and a refusal; it never fails the `up`.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer, IncomingMessage } from "node:http";
import { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import {
  CONSUL_FORGET_COMMAND,
  consulForgetEnvironment,
} from "../../components/consul/consul-forget-program";

/** What the stand-in answers per node: Consul's answers to a force-leave. */
const ANSWERS: Record<string, [number, string]> = {
  "site-slave-3": [200, ""],
  "site-master-2": [500, "agent: No node found with name 'site-master-2'"],
  "site-lb-1": [403, "Permission denied: token lacks operator:write"],
};
const asked: { method?: string; url?: string; token?: string | string[] }[] = [];
const server = createServer((req: IncomingMessage, res) => {
  asked.push({ method: req.method, url: req.url, token: req.headers["x-consul-token"] });
  const node = decodeURIComponent(/force-leave\/([^?]+)/.exec(req.url ?? "")?.[1] ?? "");
  const [status, body] = ANSWERS[node] ?? [404, "no such path"];
  res.writeHead(status).end(body);
});
let api = "";

before(async () => {
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(() => server.close());

/** The step's command run for `node`: its exit status, stdout and stderr. */
async function forget(node: string): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env, ...consulForgetEnvironment(`the node ${node}`, api, node, "tkn") };
  try {
    const r = await promisify(execFile)("sh", ["-c", CONSUL_FORGET_COMMAND], { env });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

test("a node the servers know: a pruned force-leave with the token, said forgotten", async () => {
  asked.length = 0;
  assert.deepEqual(await forget("site-slave-3"), {
    code: 0,
    out: "the node site-slave-3: forgotten\n",
    err: "",
  });
  assert.deepEqual(asked, [
    { method: "PUT", url: "/v1/agent/force-leave/site-slave-3?prune=1", token: "tkn" },
  ]);
});

test("a node already gone (a lost server autopilot removed): said so, not as a failure", async () => {
  assert.deepEqual(await forget("site-master-2"), {
    code: 0,
    out: "the node site-master-2: already gone from the gossip pool\n",
    err: "",
  });
});

test("a refusal: said, with Consul's answer, and the up goes on", async () => {
  assert.deepEqual(await forget("site-lb-1"), {
    code: 0,
    out: "",
    err: "the node site-lb-1: not forgotten (HTTP 403 Permission denied: token lacks operator:write); Consul drops it once it reaps failed nodes (72 h)\n",
  });
});
