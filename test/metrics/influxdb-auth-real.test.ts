// InfluxDB's authentication for real: the image built here runs with the prod stack's
// configuration (`auth-enabled = true`) on this machine's Docker Engine; the setup program runs as
// `pulumi up` runs it, and the users it makes may do what their role needs and no more. The
// shipper of the platform image writes with its user and the password from its file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import {
  INFLUXDB_SETUP_COMMAND,
  INFLUXDB_USERS,
  influxdbSetupEnvironment,
} from "../../components/metrics/influxdb-auth-plan";
import { influxdbConfig, INFLUXDB_PATHS } from "../../components/metrics/influxdb-config";
import { docker } from "../../scripts/bench/probes";
import { PROJECT_ROOT } from "../../scripts/engine-stack";
import { tempDir } from "../../scripts/temp-dir";

const IMAGE = "lhcb-platform/influxdb:1.8.10";
const SERVICE_IMAGE = "lhcb-platform/service:1.0.0";
const prod = loadPlatformFromStackFile(PROJECT_ROOT, "prod");
const name = `influxdb-auth-test-${process.pid}`;
const dir = tempDir("influxdb-auth-real-");
const passwords = { admin: "a".repeat(48), writer: "b".repeat(48), reader: "c".repeat(48) };
let url = "";

/** Runs the setup program as `pulumi up` runs it, with `given` passwords; its exit status and stderr. */
function setup(given: typeof passwords): { status: number | null; stderr: string } {
  const env = influxdbSetupEnvironment("InfluxDB under test", url, "cadvisor", given, 60);
  const r = spawnSync("/bin/sh", ["-c", INFLUXDB_SETUP_COMMAND], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
  return { status: r.status, stderr: r.stderr };
}

/** One request to InfluxDB as `user` (none: no credentials); its status and body. */
async function ask(
  path: string,
  user?: { name: string; password: string },
  body?: string,
): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = user
    ? { authorization: `Basic ${Buffer.from(`${user.name}:${user.password}`).toString("base64")}` }
    : {};
  const r = await fetch(`${url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers,
    body,
  });
  return { status: r.status, body: await r.text() };
}

const as = (role: "admin" | "writer" | "reader", password = passwords[role]) => ({
  name: INFLUXDB_USERS[role],
  password,
});
const read = "/query?db=cadvisor&q=" + encodeURIComponent("SELECT * FROM probe");
const write = "/write?db=cadvisor";

before(() => {
  const config = join(dir, "influxdb.conf");
  writeFileSync(config, influxdbConfig(prod));
  docker(
    "run",
    "-d",
    "--name",
    name,
    "-p",
    "127.0.0.1::8086",
    "-v",
    `${config}:${INFLUXDB_PATHS.config}:ro`,
    IMAGE,
    "influxd",
    "-config",
    INFLUXDB_PATHS.config,
  );
  const port = docker("port", name, "8086/tcp").trim().split(":").pop();
  url = `http://127.0.0.1:${port}`;
});

after(() => {
  spawnSync("docker", ["rm", "-f", name]);
});

test("the setup makes the users and the database, and runs again without a change", () => {
  const first = setup(passwords);
  assert.equal(first.status, 0, first.stderr);
  const again = setup(passwords);
  assert.equal(again.status, 0, again.stderr);
});

test("without credentials, or with a wrong password, nothing is read or written", async () => {
  assert.equal(setup(passwords).status, 0);
  assert.equal((await ask("/query?q=SHOW%20DATABASES")).status, 401);
  assert.equal((await ask(write, undefined, "probe value=1i")).status, 401);
  assert.equal((await ask(read, as("reader", "d".repeat(48)))).status, 401);
  // The ping is open: the health check asks it without credentials.
  assert.equal((await ask("/ping")).status, 204);
});

test("the debug endpoints answer no stranger: the statistics and the requests by user and address ask for an admin, the profiles answer no one", async () => {
  assert.equal(setup(passwords).status, 0);
  for (const path of ["/debug/vars", "/debug/requests"]) {
    assert.equal((await ask(path)).status, 401, path);
    assert.equal((await ask(path, as("writer"))).status, 403, path);
    assert.equal((await ask(path, as("admin"))).status, 200, path);
  }
  assert.equal((await ask("/debug/pprof/")).status, 404);
  assert.equal((await ask("/debug/pprof/", as("admin"))).status, 404);
});

test("the writer writes and cannot read; the reader reads what was written and cannot write", async () => {
  assert.equal(setup(passwords).status, 0);
  assert.equal((await ask(write, as("writer"), "probe,t=w value=7i")).status, 204);
  assert.equal((await ask(read, as("writer"))).status, 403);
  const seen = await ask(read, as("reader"));
  assert.equal(seen.status, 200);
  assert.match(seen.body, /"columns":\["time","t","value"\],"values":\[\["[^"]+","w",7\]/);
  assert.equal((await ask(write, as("reader"), "probe,t=r value=1i")).status, 403);
  // Neither makes users.
  for (const role of ["writer", "reader"] as const) {
    const q = "/query?q=" + encodeURIComponent(`CREATE USER "x" WITH PASSWORD 'y'`);
    assert.equal((await ask(q, as(role), "")).status, 403, role);
  }
});

test("a new password of a user takes at the next setup; the old one is refused", async () => {
  assert.equal(setup(passwords).status, 0);
  const rotated = { ...passwords, writer: "e".repeat(48) };
  const r = setup(rotated);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await ask(write, as("writer"), "probe value=2i")).status, 401);
  assert.equal((await ask(write, as("writer", rotated.writer), "probe value=2i")).status, 204);
  assert.equal(setup(passwords).status, 0);
});

test("a setup with a wrong password of the library's user stops, naming the statement with its passwords masked", () => {
  assert.equal(setup(passwords).status, 0);
  const wrong = { ...passwords, admin: "f".repeat(48) };
  const r = setup(wrong);
  assert.equal(r.status, 1);
  assert.equal(
    r.stderr,
    `InfluxDB under test: CREATE DATABASE "cadvisor": HTTP 401 {"error":"authorization failed"}\n`,
  );
  for (const p of Object.values(wrong)) assert.equal(r.stderr.includes(p), false);
});

test("the platform image's shipper writes as the writer, its password read from its file", async () => {
  assert.equal(setup(passwords).status, 0);
  const file = join(dir, "influxdb-password");
  writeFileSync(file, `${passwords.writer}\n`);
  const program = [
    "from importlib.machinery import SourceFileLoader",
    'm = SourceFileLoader("pm", "/usr/local/bin/platform-metrics").load_module()',
    'm.write("' + url + '", "cadvisor", ["probe,t=shipper value=3i"], m.influxdb_headers())',
  ].join("\n");
  const r = spawnSync(
    "docker",
    [
      "run",
      "--rm",
      "--network",
      "host",
      "-e",
      `INFLUXDB_USER=${INFLUXDB_USERS.writer}`,
      "-e",
      "INFLUXDB_PASSWORD_FILE=/etc/platform/influxdb-password",
      "-v",
      `${file}:/etc/platform/influxdb-password:ro`,
      "--entrypoint",
      "python3",
      SERVICE_IMAGE,
      "-c",
      program,
    ],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  const seen = await ask(read + encodeURIComponent(" WHERE t = 'shipper'"), as("reader"));
  assert.match(seen.body, /"shipper",3\]/);
});
