// The platform's authenticated curl commands, run by the real /bin/sh and curl against a server
// that asks for basic authentication: the credentials reach it, a wrong one is refused, and they
// are neither in the command's text (kept in the state) nor left in a file.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { createServer, IncomingMessage } from "node:http";
import { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { withCurlCredentials } from "../../components/core/curl-credentials";
import { authenticatedCheck, MESOS_AUTH_FILES } from "../../components/mesos/mesos-auth-plan";
import { tempDir } from "../../scripts/temp-dir";

const CREDENTIALS = "platform-admin:0123abcd";
const seen: { method: string; authorized: boolean; body: string }[] = [];
const server = createServer((req: IncomingMessage, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    const authorized =
      req.headers.authorization === `Basic ${Buffer.from(CREDENTIALS).toString("base64")}`;
    seen.push({ method: req.method ?? "", authorized, body });
    res.writeHead(authorized ? 200 : 401).end();
  });
});
let url = "";

before(async () => {
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

/** Runs `command` with `env`, `stdin` on its input; its exit status. */
async function run(
  command: string[],
  env: Record<string, string>,
  stdin = "",
): Promise<{ status: number | null }> {
  const child = spawn(command[0], command.slice(1), {
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  child.stdin.end(stdin);
  const status = await new Promise<number | null>((ok) => child.on("close", ok));
  return { status };
}

test("a command with API_CREDENTIALS sends them, with its body, and leaves no file", async () => {
  const tmp = tempDir("curl-credentials-");
  const put = withCurlCredentials(`curl -fsS -X PUT --data-binary @- '${url}/v2/apps/x'`);
  seen.length = 0;
  const r = await run(["/bin/sh", "-c", put], { API_CREDENTIALS: CREDENTIALS, TMPDIR: tmp }, "{}");
  assert.equal(r.status, 0);
  assert.deepEqual(seen, [{ method: "PUT", authorized: true, body: "{}" }]);
  assert.deepEqual(readdirSync(tmp), []);
  assert.equal(put.includes(CREDENTIALS), false);
  const wrong = await run(
    ["/bin/sh", "-c", put],
    { API_CREDENTIALS: "platform-admin:x", TMPDIR: tmp },
    "{}",
  );
  assert.equal(wrong.status, 22, "curl -f: HTTP 401");
  assert.deepEqual(readdirSync(tmp), []);
});

test("the health check reads the credentials from the container's file", async () => {
  const dir = tempDir("authenticated-check-");
  const file = join(dir, "http-credentials");
  writeFileSync(file, CREDENTIALS);
  const check = authenticatedCheck(`${url}/ping`).map((w) =>
    w.replace(MESOS_AUTH_FILES.httpCredentials, file),
  );
  seen.length = 0;
  assert.equal((await run(check, {})).status, 0);
  assert.deepEqual(seen, [{ method: "GET", authorized: true, body: "" }]);
  writeFileSync(file, "platform-admin:wrong");
  assert.notEqual((await run(check, {})).status, 0);
});

test("a command that is not curl's is refused", () => {
  assert.throws(() => withCurlCredentials("wget x"), /not a curl command: wget x/);
});
