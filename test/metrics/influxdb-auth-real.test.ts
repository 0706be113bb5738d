// InfluxDB's authentication and HTTPS for real: the image built here runs with the prod stack's
// configuration (`auth-enabled = true`, `https-enabled = true`) and a certificate made by the
// metrics CA's own commands for prod's monitoring host, on this machine's Docker Engine. The setup
// program runs as `pulumi up` runs it (trusting the CA), and the users it makes may do what their
// role needs and no more. The shipper of the platform image writes with its user, the password
// from its file, checking InfluxDB's certificate against the CA. Every request here goes over
// HTTPS checked against the CA, as the platform's clients' do.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import {
  influxdbAdminPasswordStatement,
  INFLUXDB_SETUP_COMMAND,
  INFLUXDB_USERS,
  influxdbSetupEnvironment,
} from "../../components/metrics/influxdb-auth-plan";
import {
  influxdbContainer,
  influxdbHealthTest,
  monitoringHost,
} from "../../components/metrics/influxdb-config";
import {
  influxdbAdminCredential,
  INFLUXDB_FIRST_USER_PATHS,
} from "../../components/metrics/influxdb-first-user";
import { METRICS_CA_COMMAND, METRICS_CERT_COMMAND } from "../../components/metrics/metrics-tls";
import {
  influxdbCertificate,
  INFLUXDB_TLS_PATHS,
  METRICS_CA_FILE,
} from "../../components/metrics/metrics-tls-plan";
import { commandTrustingCa, probeCaEnvironment } from "../../components/core/readiness";
import { docker } from "../../scripts/bench/probes";
import { PROJECT_ROOT } from "../../scripts/engine-stack";
import { tempDir } from "../../scripts/temp-dir";
import { runPlanned } from "../support/run-planned";
import { makeCa, signCertificate } from "../support/certificate-commands";

const IMAGE = "lhcb-platform/influxdb:1.8.10";
const SERVICE_IMAGE = "lhcb-platform/service:1.0.0";
const prod = loadPlatformFromStackFile(PROJECT_ROOT, "prod");
const name = `influxdb-auth-test-${process.pid}`;
const dir = tempDir("influxdb-auth-real-");
const passwords = { admin: "a".repeat(48), writer: "b".repeat(48), reader: "c".repeat(48) };
let url = "";
// The metrics CA, InfluxDB's certificate for prod's monitoring host, and a CA of no one's.
const ca = makeCa(METRICS_CA_COMMAND, "prod metrics CA");
const stranger = makeCa(METRICS_CA_COMMAND, "another CA");
const certificate = signCertificate(
  METRICS_CERT_COMMAND,
  ca,
  influxdbCertificate(prod.stack, monitoringHost(prod)),
);

/** Runs the setup program as `pulumi up` runs it, with `given` passwords; its exit status and stderr. */
function setup(
  given: typeof passwords,
  trusted = ca.cert,
  timeoutSeconds = 60,
): { status: number | null; stderr: string } {
  const env = {
    ...influxdbSetupEnvironment("InfluxDB under test", url, "cadvisor", given, timeoutSeconds),
    ...probeCaEnvironment(trusted),
  };
  const r = spawnSync("/bin/sh", ["-c", commandTrustingCa(INFLUXDB_SETUP_COMMAND, trusted)], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
  return { status: r.status, stderr: r.stderr };
}

/**
 * One request to InfluxDB as `user` (none: no credentials), over HTTPS checked against `trusted`
 * (or in plain HTTP to the same port with `plain`); its status and body.
 */
function ask(
  path: string,
  user?: { name: string; password: string },
  body?: string,
  { trusted = ca.cert, plain = false, base = url } = {},
): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = user
    ? { authorization: `Basic ${Buffer.from(`${user.name}:${user.password}`).toString("base64")}` }
    : {};
  const method = body === undefined ? "GET" : "POST";
  const target = plain ? base.replace(/^https:/, "http:") : base;
  return new Promise((resolve, reject) => {
    const done = (res: import("node:http").IncomingMessage) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    };
    const req = plain
      ? httpRequest(`${target}${path}`, { method, headers }, done)
      : httpsRequest(`${target}${path}`, { method, headers, ca: trusted }, done);
    req.on("error", reject);
    req.end(body);
  });
}

const as = (role: "admin" | "writer" | "reader", password = passwords[role]) => ({
  name: INFLUXDB_USERS[role],
  password,
});
const read = "/query?db=cadvisor&q=" + encodeURIComponent("SELECT * FROM probe");
const write = "/write?db=cadvisor";

/**
 * InfluxDB as prod plans it (its configuration, certificate, start and first user), as container
 * `container` with its data in the container itself, its port published on this machine's
 * loopback; its URL.
 */
function runInfluxdb(container: string): string {
  const planned = {
    ...influxdbContainer(prod),
    name: container,
    image: IMAGE,
    hostNetwork: false,
    volumes: [],
  };
  runPlanned(planned, dir, ["-p", "127.0.0.1::8086"], {
    metricsCaCert: ca.cert,
    influxdbTlsCert: certificate.cert,
    influxdbTlsKey: certificate.key,
    influxdbPassword: passwords.admin,
  });
  return urlOf(container);
}

/** The URL of InfluxDB in `container`, at the port it publishes on this machine (anew at each start). */
function urlOf(container: string): string {
  const port = docker("port", container, "8086/tcp").trim().split(":").pop();
  return `https://127.0.0.1:${port}`;
}

before(() => {
  url = runInfluxdb(name);
});

after(() => {
  spawnSync("docker", ["rm", "-f", name]);
});

test("the setup makes the users and the database over HTTPS, and runs again without a change", () => {
  const first = setup(passwords);
  assert.equal(first.status, 0, first.stderr);
  const again = setup(passwords);
  assert.equal(again.status, 0, again.stderr);
});

/** The first answer of InfluxDB at `base` to `path` (POST `body`), asked every 20 ms from now, within 60 s. */
async function firstAnswer(container: string, path: string, body?: string) {
  const base = urlOf(container);
  for (const end = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 20))) {
    const r = await ask(path, undefined, body, { base }).catch(() => undefined);
    if (r !== undefined) return r;
    const logs = spawnSync("docker", ["logs", container], { encoding: "utf8" });
    assert.ok(
      Date.now() < end,
      `InfluxDB at ${base} answered within 60 s\n${logs.stdout}${logs.stderr}`,
    );
  }
}

test("no stranger makes InfluxDB's first admin: its container made the library's user on its loopback before it listened, and keeps it across restarts", async () => {
  const fresh = `${name}-fresh`;
  const intruder = `CREATE USER "intruder" WITH PASSWORD 'x' WITH ALL PRIVILEGES`;
  const stranger = "/query?q=" + encodeURIComponent(intruder);
  const logs = () => spawnSync("docker", ["logs", fresh], { encoding: "utf8" }).stdout;
  try {
    runInfluxdb(fresh);
    // Asked from the moment the container starts: the very first answer refuses it.
    const first = await firstAnswer(fresh, stranger, "");
    assert.equal(first.status, 401, first.body);
    const users = () =>
      ask("/query?q=SHOW%20USERS", as("admin"), undefined, { base: urlOf(fresh) }).then(
        (r) => r.body,
      );
    assert.equal(
      await users(),
      '{"results":[{"statement_id":0,"series":[{"columns":["user","admin"],"values":[["platform-admin",true]]}]}]}\n',
    );
    assert.match(logs(), /^platform-start: InfluxDB's first user made on the loopback$/m);
    // Restarted, it starts at once as configured: the mark in its data says the user is made.
    docker("restart", fresh);
    assert.equal((await firstAnswer(fresh, "/ping")).status, 204);
    assert.equal(logs().match(/platform-start:/g)?.length, 1);
    // Data from before the mark (its users made by an earlier version's setup) will do as well.
    docker("exec", fresh, "rm", INFLUXDB_FIRST_USER_PATHS.made);
    docker("restart", fresh);
    assert.equal((await firstAnswer(fresh, stranger, "")).status, 401);
    assert.match(logs(), /^platform-start: InfluxDB has its users already$/m);
    assert.match(await users(), /"values":\[\["platform-admin",true\]\]/);
  } finally {
    spawnSync("docker", ["rm", "-f", fresh]);
  }
});

test("the admin's password made anew takes at the container's next start, set with the one kept in its data; the old one is refused after", async () => {
  const rotated = `${name}-rotated`;
  const renewed = "d".repeat(48);
  const logs = () => {
    const r = spawnSync("docker", ["logs", rotated], { encoding: "utf8" });
    return r.stdout + r.stderr;
  };
  /**
   * Puts `text` at `path` in the container: a planned file through the file it is mounted from
   * (as a new container with the new secret would hold it), else in the container itself.
   */
  const place = (path: string, text: string) => {
    const planned = influxdbContainer(prod).files!.findIndex((f) => f.path === path);
    if (planned >= 0) return writeFileSync(join(dir, `${rotated}-${planned}`), text);
    const r = spawnSync("docker", ["exec", "-i", rotated, "sh", "-c", `cat > ${path}`], {
      input: text,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
  };
  const users = (password: string) =>
    ask("/query?q=SHOW%20USERS", as("admin", password), undefined, { base: urlOf(rotated) });
  try {
    runInfluxdb(rotated);
    assert.equal((await firstAnswer(rotated, "/ping")).status, 204);
    assert.equal((await users(passwords.admin)).status, 200);
    // Its start kept the admin's credential in its data, root's alone.
    assert.equal(
      docker("exec", rotated, "stat", "-c", "%a %U", INFLUXDB_FIRST_USER_PATHS.kept).trim(),
      "600 root",
    );
    place(INFLUXDB_FIRST_USER_PATHS.credential, influxdbAdminCredential(renewed));
    place(
      INFLUXDB_FIRST_USER_PATHS.passwordStatement,
      `${influxdbAdminPasswordStatement(renewed)}\n`,
    );
    docker("restart", rotated);
    assert.equal((await firstAnswer(rotated, "/ping")).status, 204);
    assert.equal((await users(passwords.admin)).status, 401, "the old password is refused");
    const now = await users(renewed);
    assert.equal(now.status, 200, now.body);
    assert.match(now.body, /"values":\[\["platform-admin",true\]\]/);
    assert.match(logs(), /^platform-start: InfluxDB's admin has its new password$/m);
    // Started again with the same password, it sets nothing.
    docker("restart", rotated);
    assert.equal((await firstAnswer(rotated, "/ping")).status, 204);
    assert.equal(logs().match(/has its new password/g)?.length, 1);
    // A kept credential InfluxDB refuses stops the start, saying so; nothing is set.
    place(INFLUXDB_FIRST_USER_PATHS.kept, influxdbAdminCredential("wrong"));
    place(INFLUXDB_FIRST_USER_PATHS.credential, influxdbAdminCredential(passwords.admin));
    docker("restart", rotated);
    for (const end = Date.now() + 30_000; !/not set anew/.test(logs());) {
      assert.ok(Date.now() < end, `the start said why it stopped within 30 s\n${logs()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(
      logs(),
      /^platform-start: InfluxDB's admin password not set anew with the one kept in \/var\/lib\/influxdb\/\.platform-admin\.curl: .* HTTP 401$/m,
    );
  } finally {
    spawnSync("docker", ["rm", "-f", rotated]);
  }
});

test("HTTPS only, with a certificate of the metrics CA: a client trusting another CA is refused before it sends anything, so is plain HTTP", async () => {
  assert.equal(setup(passwords).status, 0);
  await assert.rejects(ask("/ping", undefined, undefined, { trusted: stranger.cert }), {
    code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  });
  const plain = await ask("/ping", undefined, undefined, { plain: true });
  assert.equal(plain.status, 400);
  assert.match(plain.body, /Client sent an HTTP request to an HTTPS server/);
  // The setup trusting another CA stops at its first ask, naming why.
  const r = setup(passwords, stranger.cert, 2);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /^InfluxDB under test: no answer after 2s \(https:\/\/127\.0\.0\.1:\d+\/ping: unable to verify the first certificate\)\n$/,
  );
});

test("the container's health check asks over HTTPS on its loopback, trusting the CA: its certificate names 127.0.0.1", () => {
  const check = influxdbHealthTest(prod);
  assert.deepEqual(check, [
    "CMD",
    "curl",
    "-fs",
    "--cacert",
    INFLUXDB_TLS_PATHS.ca,
    "-o",
    "/dev/null",
    "https://127.0.0.1:8086/ping",
  ]);
  const r = spawnSync("docker", ["exec", name, ...check.slice(1)], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
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

test("the platform image's shipper writes as the writer over HTTPS, its password read from its file, InfluxDB's certificate checked against the CA", async () => {
  assert.equal(setup(passwords).status, 0);
  const file = join(dir, "influxdb-password");
  writeFileSync(file, `${passwords.writer}\n`);
  const caFile = join(dir, "metrics-ca.pem");
  writeFileSync(caFile, ca.cert);
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
      "-e",
      `INFLUXDB_CACERT=${METRICS_CA_FILE}`,
      "-v",
      `${file}:/etc/platform/influxdb-password:ro`,
      "-v",
      `${caFile}:${METRICS_CA_FILE}:ro`,
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
