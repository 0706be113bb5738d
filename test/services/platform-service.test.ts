// The sample service (images/service: platform-service and its platform_sample package), run as
// the image runs it but on loopback, for what the tests of the platform need from it and DIRAC
// cannot show: a health switch an HTTP checker sees, the client's address from X-Forwarded-For
// and from the PROXY protocol (v1 and v2), a connection without the required header cut, the
// `ping` command and the HTTP bridge of a TCP service (silent while the service is stopped), and
// a stop that closes idle connections and exits at once.
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { connect, createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const SAMPLE = join(__dirname, "..", "..", "images", "service");
const SHARED = join(__dirname, "..", "..", "images", "shared");
const CLI = join(SAMPLE, "platform-service.py");

interface Sample {
  port: number;
  env: NodeJS.ProcessEnv;
  process: ChildProcess;
  stderr: () => string;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

function sampleEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    PYTHONPATH: `${SHARED}:${SAMPLE}`,
    PYTHONUNBUFFERED: "1",
    // no __pycache__ beside the image's sources (it would change the image's source hash)
    PYTHONDONTWRITEBYTECODE: "1",
    SERVICE_BIND: "127.0.0.1",
    SERVICE_INSTANCE: "sample-1",
    PLATFORM_VERSION: "1.2.3",
    SERVICE_FAIL_FILE: join(mkdtempSync(join(tmpdir(), "sample-")), "failing"),
    ...extra,
  };
}

/** Starts `platform-service serve NAME` and waits until it says it serves. */
async function startSample(
  name: string,
  extra: Record<string, string>,
  t: { after: (fn: () => void) => void },
): Promise<Sample> {
  const port = await freePort();
  const env = sampleEnv({ SERVICE_PORT: String(port), ...extra });
  const child = spawn("python3", [CLI, "serve", name], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  t.after(() => child.kill("SIGKILL"));
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  assert.match(line.toString(), new RegExp(`^serving ${name} 1\\.2\\.3 127\\.0\\.0\\.1:${port} `));
  return { port, env, process: child, stderr: () => stderr };
}

/** Writes `request` on a new connection and returns everything read until the service closes it. */
async function exchange(port: number, request: string | Buffer): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  let got = "";
  socket.on("data", (d: Buffer) => (got += d.toString()));
  socket.write(request);
  await once(socket, "close");
  return got;
}

/** One HTTP/1.1 request with `Connection: close`: the status and the JSON body. */
async function http(
  port: number,
  method: string,
  path: string,
  headers = "",
): Promise<[number, Record<string, unknown>]> {
  const reply = await exchange(
    port,
    `${method} ${path} HTTP/1.1\r\nHost: sample\r\nConnection: close\r\n${headers}\r\n`,
  );
  const [head, body] = reply.split("\r\n\r\n");
  return [Number(head.split(" ")[1]), JSON.parse(body) as Record<string, unknown>];
}

/** A line service's answers to `lines`, sent after `header` on one connection that is then closed. */
async function lines(
  port: number,
  header: Buffer | string,
  ...sent: string[]
): Promise<Record<string, unknown>[]> {
  const socket = connect(port, "127.0.0.1");
  let got = "";
  socket.on("data", (d: Buffer) => {
    got += d.toString();
    if (got.split("\n").length > sent.length) socket.end();
  });
  socket.write(
    Buffer.concat([Buffer.from(header), Buffer.from(sent.map((l) => `${l}\n`).join(""))]),
  );
  await once(socket, "close");
  return got
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A PROXY v2 PROXY-command header of a TCP4 connection from `source`:`sourcePort`. */
function proxyV2(source: string, sourcePort: number, local = false): Buffer {
  const body = Buffer.alloc(12);
  source.split(".").forEach((o, i) => body.writeUInt8(Number(o), i));
  [127, 0, 0, 1].forEach((o, i) => body.writeUInt8(o, 4 + i));
  body.writeUInt16BE(sourcePort, 8);
  body.writeUInt16BE(9170, 10);
  const head = Buffer.from("\r\n\r\n\x00\r\nQUIT\n", "latin1");
  const verCmd = Buffer.from([local ? 0x20 : 0x21, 0x11, 0, 12]);
  return Buffer.concat([head, verCmd, body]);
}

test("HTTP: the health switch turns /ping to 503 and back; a GET names the client by the last X-Forwarded-For entry; a POST call is answered", async (t) => {
  const s = await startSample("Sample/Web", { SERVICE_PROTOCOL: "http" }, t);
  const ident = { service: "Sample/Web", instance: "sample-1", version: "1.2.3" };
  assert.deepEqual(await http(s.port, "GET", "/ping"), [200, { ...ident, status: "ok" }]);
  assert.deepEqual(await http(s.port, "POST", "/admin/health?state=fail"), [
    200,
    { ...ident, status: "failing" },
  ]);
  assert.deepEqual(await http(s.port, "GET", "/ping"), [503, { ...ident, status: "failing" }]);
  assert.deepEqual(await http(s.port, "POST", "/admin/health?state=ok"), [
    200,
    { ...ident, status: "ok" },
  ]);
  assert.deepEqual(await http(s.port, "GET", "/ping"), [200, { ...ident, status: "ok" }]);
  assert.deepEqual(await http(s.port, "POST", "/admin/health?state=maybe"), [
    400,
    { error: "state must be fail or ok" },
  ]);
  assert.deepEqual(await http(s.port, "GET", "/x", "X-Forwarded-For: 6.6.6.6, 10.1.2.3\r\n"), [
    200,
    { ...ident, client: "10.1.2.3", path: "/x" },
  ]);
  assert.deepEqual(await http(s.port, "GET", "/y"), [
    200,
    { ...ident, client: "127.0.0.1", path: "/y" },
  ]);
  assert.deepEqual(await http(s.port, "POST", "/calls"), [
    200,
    { ...ident, client: "127.0.0.1", path: "/calls", method: "POST" },
  ]);
  assert.deepEqual(await http(s.port, "DELETE", "/calls"), [
    404,
    { error: "not found", path: "/calls" },
  ]);
  // two requests on one kept-alive connection, both answered
  const both = await exchange(
    s.port,
    "GET /a HTTP/1.1\r\nHost: s\r\n\r\nGET /b HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n",
  );
  assert.deepEqual(both.match(/"path": "[^"]+"/g), ['"path": "/a"', '"path": "/b"']);
  assert.match(s.stderr(), /Sample\/Web: health state set to fail by 127\.0\.0\.1/);
});

test("TCP with the PROXY protocol required: the client is the header's source (v1 and v2), the peer for LOCAL; a connection without a header is cut", async (t) => {
  const s = await startSample(
    "Sample/Proxied",
    { SERVICE_PROTOCOL: "tcp", SERVICE_PROXY_PROTOCOL: "1" },
    t,
  );
  const ident = { service: "Sample/Proxied", instance: "sample-1", version: "1.2.3" };
  assert.deepEqual(
    await lines(s.port, "PROXY TCP4 10.0.0.7 127.0.0.1 40000 9170\r\n", "hello", "ping"),
    [
      { ...ident, client: "10.0.0.7" },
      { ...ident, status: "ok" },
    ],
  );
  assert.deepEqual(await lines(s.port, proxyV2("192.168.5.9", 41000), "hello"), [
    { ...ident, client: "192.168.5.9" },
  ]);
  assert.deepEqual(await lines(s.port, proxyV2("192.168.5.9", 41000, true), "hello"), [
    { ...ident, client: "127.0.0.1" },
  ]);
  assert.deepEqual(await lines(s.port, "PROXY UNKNOWN\r\n", "hello"), [
    { ...ident, client: "127.0.0.1" },
  ]);
  assert.equal(await exchange(s.port, "hello\n"), "");
  assert.equal(await exchange(s.port, "PROXY TCP4 10.0.0.7\n"), "");
  assert.match(
    s.stderr(),
    /Sample\/Proxied: rejecting connection from 127\.0\.0\.1: missing PROXY header/,
  );
  assert.match(
    s.stderr(),
    /rejecting connection from 127\.0\.0\.1: PROXY v1 header not terminated by CRLF/,
  );
  // the health switch by a line, as a checker on another connection sees it
  assert.deepEqual(await lines(s.port, "PROXY UNKNOWN\r\n", "health fail"), [
    { ...ident, status: "failing" },
  ]);
  assert.deepEqual(await lines(s.port, "PROXY UNKNOWN\r\n", "ping"), [
    { ...ident, status: "failing" },
  ]);
});

test("`platform-service ping` exits 0 while the service answers ok, 1 after `platform-service health fail` and when nothing listens", async (t) => {
  const s = await startSample(
    "Sample/Proxied",
    { SERVICE_PROTOCOL: "tcp", SERVICE_PROXY_PROTOCOL: "1" },
    t,
  );
  const run = (...args: string[]) =>
    spawnSync("python3", [CLI, ...args], { env: s.env, encoding: "utf8" });
  const ok = run("ping");
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).status, "ok");
  assert.equal(run("health", "fail").stdout, "fail\n");
  const failing = run("ping");
  assert.equal(failing.status, 1);
  assert.equal(JSON.parse(failing.stdout).status, "failing");
  run("health", "ok");
  assert.equal(run("ping").status, 0);
  s.process.kill("SIGKILL");
  await once(s.process, "exit");
  const down = run("ping");
  assert.equal(down.status, 1);
  assert.match(down.stdout, /^ping failed: .*Connection refused/);
  assert.equal(run("bogus").status, 2);
});

test("the HTTP bridge of a TCP service: 200 with the ping's answer, 503 while failing, no answer while the service is stopped, 200 once it runs again", async (t) => {
  const checkPort = await freePort();
  const s = await startSample(
    "Sample/Proxied",
    { SERVICE_PROTOCOL: "tcp", SERVICE_CHECK_PORT: String(checkPort) },
    t,
  );
  const check = () => exchange(checkPort, "GET / HTTP/1.0\r\n\r\n");
  assert.match(await check(), /^HTTP\/1\.0 200 OK\r\n[^]*"status": "ok"/);
  await lines(s.port, "", "health fail");
  assert.match(await check(), /^HTTP\/1\.0 503 Service Unavailable\r\n[^]*"status": "failing"/);
  await lines(s.port, "", "health ok");
  assert.match(await check(), /^HTTP\/1\.0 200 OK/);
  s.process.kill("SIGSTOP");
  const socket: Socket = connect(checkPort, "127.0.0.1");
  let answered = "";
  socket.on("data", (d: Buffer) => (answered += d.toString()));
  socket.write("GET / HTTP/1.0\r\n\r\n");
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(answered, "", "a stopped service's bridge must not answer: its checkers time out");
  socket.destroy();
  s.process.kill("SIGCONT");
  assert.match(await check(), /^HTTP\/1\.0 200 OK/);
});

test("SIGTERM: idle keep-alive connections are closed, the process exits 0 at once and stops listening", async (t) => {
  const s = await startSample("Sample/Web", { SERVICE_PROTOCOL: "http" }, t);
  const idle = connect(s.port, "127.0.0.1");
  idle.write("GET /a HTTP/1.1\r\nHost: s\r\n\r\n");
  await once(idle, "data");
  const started = Date.now();
  s.process.kill("SIGTERM");
  const [[code]] = await Promise.all([once(s.process, "exit"), once(idle, "close")]);
  const took = Date.now() - started;
  assert.equal(code, 0);
  assert.ok(took < 1000, `stopped in ${took} ms`);
  assert.match(
    s.stderr(),
    /Sample\/Web: received a stop signal, shutting down\n.*Sample\/Web: stopped/s,
  );
  const refused = connect(s.port, "127.0.0.1");
  const [err] = (await once(refused, "error")) as [NodeJS.ErrnoException];
  assert.equal(err.code, "ECONNREFUSED");
});
