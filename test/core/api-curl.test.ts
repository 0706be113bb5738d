// The library's calls to Marathon's and Chronos' APIs, run by the real /bin/sh and curl against a
// server standing in for a framework that is still starting: they ask again while it refuses the
// connection or answers 503, and send the app whole each time; an app it refuses fails at once.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { test } from "node:test";
import { chronosPostCommand } from "../../components/chronos/chronos-api";
import { marathonPutCommand } from "../../components/marathon/marathon-api";

/** A server on `port` (0: any) answering each request with the next of `statuses` (then 200). */
async function framework(
  statuses: number[],
  port = 0,
): Promise<{ server: Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      seen.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((ok) => server.listen(port, "127.0.0.1", ok));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

/** Runs `command` by /bin/sh with `stdin`; its exit status and seconds. */
async function run(command: string, stdin: string): Promise<{ status: number | null; s: number }> {
  const t = Date.now();
  const child = spawn("/bin/sh", ["-c", command], { env: { PATH: process.env.PATH ?? "" } });
  child.stdin.end(stdin);
  const status = await new Promise<number | null>((ok) => child.on("close", ok));
  return { status, s: (Date.now() - t) / 1000 };
}

test("an app put while Marathon refuses connections, then answers 503, is sent whole once it answers", async () => {
  // A free port, closed until the framework listens.
  const probe = await framework([]);
  const port = probe.port;
  await new Promise((ok) => probe.server.close(ok));
  const app = JSON.stringify({ id: "/t/app", instances: 2 });
  const put = run(marathonPutCommand(`http://127.0.0.1:${port}`, "/t/app"), app);
  await new Promise((ok) => setTimeout(ok, 3000));
  const starting = await framework([503], port);
  try {
    const r = await put;
    assert.equal(r.status, 0);
    assert.deepEqual(starting.seen, [
      `PUT /v2/apps/t/app?force=true ${app}`,
      `PUT /v2/apps/t/app?force=true ${app}`,
    ]);
    assert.ok(r.s >= 3, `${r.s} s: it asked until the framework listened`);
  } finally {
    starting.server.close();
  }
});

test("a job Chronos refuses (400) fails at once, asked once", async () => {
  const chronos = await framework([400]);
  try {
    const r = await run(chronosPostCommand(`http://127.0.0.1:${chronos.port}`), "{}");
    assert.equal(r.status, 22);
    assert.deepEqual(chronos.seen, ["POST /v1/scheduler/iso8601 {}"]);
  } finally {
    chronos.server.close();
  }
});
