// The platform's readiness probe, run by sh and Node as the command provider runs it, against a
// stand-in HTTP server and TCP port on loopback that answer what the test scripts.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer, Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer } from "node:net";
import { dirname } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { CA_COMMAND, CERT_COMMAND } from "../../components/consul/consul-tls";
import { agentCertificateNames } from "../../components/consul/consul-tls-plan";
import { splitKeyAndCertificate, subjectAltName } from "../../components/core/openssl-certificates";
import {
  PROBE_COMMAND,
  probeEnvironment,
  ProbeTarget,
  trustingProbeCa,
} from "../../components/core/readiness";
import { runCertificateCommand } from "../support/certificate-commands";

const run = promisify(execFile);
let server: Server;
let base = "";
/** Answers per path: [status, body], one per request; the last one repeats. */
let answers: Record<string, [number, string][]> = {};
const seen: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? "");
    const list = answers[req.url ?? ""] ?? [[404, ""]];
    const [status, body] = list.length > 1 ? list.shift()! : list[0];
    res.writeHead(status).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(() => new Promise<void>((r) => server.close(() => r())));

/**
 * Runs the probe as the command provider does: `sh -c PROBE_COMMAND` (or `command`, such as
 * `trustingProbeCa(PROBE_COMMAND)`) with the probe's environment and `env` added.
 */
function probe(
  target: ProbeTarget,
  timeoutSeconds = 10,
  { command = PROBE_COMMAND, env = {} }: { command?: string; env?: Record<string, string> } = {},
) {
  return run("sh", ["-c", command], {
    env: {
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
      ...probeEnvironment(target, timeoutSeconds),
      ...env,
    },
  });
}

async function failure(p: Promise<unknown>): Promise<{ code: number; stderr: string }> {
  return p.then(
    () => assert.fail("the probe passed"),
    (e: { code: number; stderr: string }) => e,
  );
}

test("an HTTP probe passes on the first 2xx answer, after errors", async () => {
  seen.length = 0;
  answers = {
    "/ping": [
      [503, "starting"],
      [500, ""],
      [200, "pong"],
    ],
  };
  await probe({ what: "instance x", http: `${base}/ping` });
  assert.deepEqual(seen, ["/ping", "/ping", "/ping"]);
});

test("a probe that never passes fails after its timeout, naming what it waited for and the last error", async () => {
  answers = { "/ping": [[503, "starting"]] };
  const e = await failure(
    probe({ what: "instance local-web-slave-2 of Web", http: `${base}/ping` }, 1),
  );
  assert.equal(e.code, 1);
  assert.equal(
    e.stderr.trim(),
    `instance local-web-slave-2 of Web: not ready after 1s (${base}/ping: HTTP 503)`,
  );
});

test('the leader probe waits for a non-empty answer: Consul answers "" while it has no leader', async () => {
  seen.length = 0;
  answers = {
    "/v1/status/leader": [
      [200, '""'],
      [200, '""'],
      [200, '"10.0.0.1:8300"'],
    ],
  };
  await probe({ what: "the Consul leader", http: `${base}/v1/status/leader`, nonEmpty: true });
  assert.equal(seen.length, 3);
  answers = { "/v1/status/leader": [[200, '""']] };
  const e = await failure(
    probe({ what: "the Consul leader", http: `${base}/v1/status/leader`, nonEmpty: true }, 1),
  );
  assert.match(e.stderr, /^the Consul leader: not ready after 1s \(.*: empty answer ""\)/);
});

test("a TCP probe passes once a connection is accepted, and fails on a closed port", async () => {
  const tcp = createTcpServer((s) => s.end());
  await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
  const port = (tcp.address() as { port: number }).port;
  await probe({ what: "instance tcp", tcp: `127.0.0.1:${port}` });
  await new Promise<void>((r) => tcp.close(() => r()));
  const e = await failure(probe({ what: "instance tcp", tcp: `127.0.0.1:${port}` }, 1));
  assert.match(
    e.stderr,
    new RegExp(
      `^instance tcp: not ready after 1s \\(127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`,
    ),
  );
});

test("an unreachable address is reported with its cause", async () => {
  const closed = createTcpServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const e = await failure(
    probe({ what: "instance gone", http: `http://127.0.0.1:${port}/ping` }, 1),
  );
  assert.equal(
    e.stderr.trim(),
    `instance gone: not ready after 1s (http://127.0.0.1:${port}/ping: connect ECONNREFUSED 127.0.0.1:${port})`,
  );
});

test("a try that gets no answer is given up after 1 s and the next try asked", async () => {
  let connections = 0;
  const held = createServer((_req, res) => {
    connections += 1;
    if (connections > 1) res.writeHead(200).end("pong");
  });
  await new Promise<void>((r) => held.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(held.address() as { port: number }).port}/ping`;
  try {
    await probe({ what: "instance held", http: url }, 10);
    assert.equal(connections, 2);
    connections = -1000;
    const e = await failure(probe({ what: "instance held", http: url }, 1));
    assert.equal(
      e.stderr.trim(),
      `instance held: not ready after 1s (${url}: no answer within 1000 ms)`,
    );
  } finally {
    held.closeAllConnections();
    await new Promise<void>((r) => held.close(() => r()));
  }
});

test("a POST probe sends its method, and CONSUL_HTTP_TOKEN as Consul's token header", async () => {
  const got: string[] = [];
  const influx = createServer((req, res) => {
    got.push(`${req.method} ${req.url} ${req.headers["x-consul-token"] ?? "no token"}`);
    res.writeHead(200).end("{}");
  });
  await new Promise<void>((r) => influx.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(influx.address() as { port: number }).port}/query`;
  try {
    await probe({ what: "InfluxDB", http: url, post: true });
    await probe({ what: "the Consul leader", http: url }, 10, {
      env: { CONSUL_HTTP_TOKEN: "a-token" },
    });
    assert.deepEqual(got, ["POST /query no token", "GET /query a-token"]);
  } finally {
    await new Promise<void>((r) => influx.close(() => r()));
  }
});

test("an HTTPS probe trusts the CA in PROBE_CA_PEM, and fails without it", async () => {
  const certificate = (command: string, env: Record<string, string>) =>
    splitKeyAndCertificate("test", runCertificateCommand(command, env));
  const ca = certificate(CA_COMMAND, { CA_NAME: "probe test CA", VALID_DAYS: "1" });
  const leaf = certificate(CERT_COMMAND, {
    CA_KEY: ca.key,
    CA_CERT: ca.cert,
    CERT_NAME: "server.dc1.consul",
    CERT_SANS: subjectAltName(agentCertificateNames("dc1", { address: "127.0.0.1" }, true)),
    VALID_DAYS: "1",
  });
  const consul = createHttpsServer({ key: leaf.key, cert: leaf.cert }, (_req, res) =>
    res.writeHead(200).end('"127.0.0.1:8300"'),
  );
  await new Promise<void>((r) => consul.listen(0, "127.0.0.1", r));
  const url = `https://127.0.0.1:${(consul.address() as { port: number }).port}/v1/status/leader`;
  const leader: ProbeTarget = { what: "the Consul leader", http: url, nonEmpty: true };
  const withCa = (command: string, timeoutSeconds: number) =>
    probe(leader, timeoutSeconds, { command, env: { PROBE_CA_PEM: ca.cert } });
  try {
    await withCa(trustingProbeCa(PROBE_COMMAND), 10);
    const e = await failure(withCa(PROBE_COMMAND, 1));
    assert.equal(
      e.stderr.trim(),
      `the Consul leader: not ready after 1s (${url}: unable to verify the first certificate)`,
    );
  } finally {
    await new Promise<void>((r) => consul.close(() => r()));
  }
});
