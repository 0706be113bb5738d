// The release's publishing step for real: an image of this machine's Docker copied by skopeo into
// a registry (Debian's docker-registry, on the loopback) under a stack's registry prefix, as each
// host's Engine then pulls it; refused, with what to do, while the registry is not marked as
// serving plain HTTP. A registry that asks for a login takes the stack's (`registryUser`,
// `registryPassword`), and an Engine pulls with it as the hosts' Docker providers hand it over.
import assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { docker } from "../../scripts/bench/probes";
import { publishImage, registryHolds } from "../../scripts/publish-image";
import { ensurePackages } from "../../scripts/site/lifecycle";
import { tempDir } from "../../scripts/temp-dir";

const IMAGE = "lhcb-platform/base:bookworm";
const dir = tempDir("publish-real-");
// How the machine marks a registry as serving plain HTTP: a drop-in, this test's own.
const dropIn = `/etc/containers/registries.conf.d/lhcb-platform-publish-test-${process.pid}.conf`;
let registry: ChildProcess;
let port: number;
let loginRegistry: ChildProcess | undefined;

/** A free TCP port of the loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** GET of the registry's API path `path`, parsed. */
async function registryGet(path: string, accept?: string): Promise<unknown> {
  const r = await fetch(`http://127.0.0.1:${port}/v2/${path}`, {
    headers: accept ? { accept } : {},
  });
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return r.json();
}

/**
 * Starts docker-registry on a free loopback port, its data in `name` under the test's folder and
 * `auth` as its config's `auth:` section; returns once its API root answers with `status`.
 */
async function startRegistry(
  name: string,
  auth: string,
  status: number,
): Promise<{ child: ChildProcess; port: number }> {
  const at = await freePort();
  const config = join(dir, `${name}.yml`);
  writeFileSync(
    config,
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/${name}\nhttp:\n  addr: 127.0.0.1:${at}\n${auth}`,
  );
  const child = spawn("docker-registry", ["serve", config], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const answered = await fetch(`http://127.0.0.1:${at}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (answered === status) return { child, port: at };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  return assert.fail(`docker-registry did not answer ${status} on 127.0.0.1:${at}`);
}

before(async () => {
  ensurePackages();
  ({ child: registry, port } = await startRegistry("data", "", 200));
});

after(() => {
  registry?.kill();
  loginRegistry?.kill();
  rmSync(dropIn, { force: true });
  rmSync(dir, { recursive: true, force: true });
});

test("an image published to a plain-HTTP registry not marked so is refused, saying where to mark it", () => {
  assert.throws(
    () => publishImage(IMAGE, `127.0.0.1:${port}/site`),
    (e: Error) => {
      assert.match(
        e.message,
        /^publishing lhcb-platform\/base:bookworm to 127\.0\.0\.1:\d+\/site\/lhcb-platform\/base:bookworm: skopeo failed/,
      );
      assert.match(e.message, /HTTP response to HTTPS client/);
      assert.match(e.message, /must be marked insecure in \/etc\/containers\/registries\.conf\.d/);
      return true;
    },
  );
});

/** Runs `body` with the registry at `at` (default the test's first) marked as serving plain HTTP. */
function marked<T>(body: () => T, at = port): T {
  mkdirSync("/etc/containers/registries.conf.d", { recursive: true });
  writeFileSync(dropIn, `[[registry]]\nlocation = "127.0.0.1:${at}"\ninsecure = true\n`);
  try {
    return body();
  } finally {
    rmSync(dropIn, { force: true });
  }
}

test("an image published under the stack's registry prefix is there, the same image as on the machine, named by its digest", async () => {
  const began = Date.now();
  const published = marked(() => publishImage(IMAGE, `127.0.0.1:${port}/site`));
  console.log(`publish-real: ${IMAGE} published in ${((Date.now() - began) / 1000).toFixed(2)} s`);
  assert.deepEqual(await registryGet("site/lhcb-platform/base/tags/list"), {
    name: "site/lhcb-platform/base",
    tags: ["bookworm"],
  });
  const r = await fetch(`http://127.0.0.1:${port}/v2/site/lhcb-platform/base/manifests/bookworm`, {
    headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" },
  });
  const digest = r.headers.get("docker-content-digest");
  const manifest = (await r.json()) as { config: { digest: string } };
  assert.equal(manifest.config.digest, docker("image", "inspect", "-f", "{{.Id}}", IMAGE));
  assert.match(digest ?? "", /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(published, {
    published: `127.0.0.1:${port}/site/lhcb-platform/base:bookworm@${digest}`,
    pinned: `lhcb-platform/base:bookworm@${digest}`,
  });
  // What a host's Engine does with the name the plan gives it (Docker takes the loopback's
  // registries as plain HTTP): pulls that image by its digest and creates a container of it.
  docker("pull", "-q", published.published);
  try {
    assert.equal(
      docker("image", "inspect", "-f", "{{.Id}}", published.published),
      manifest.config.digest,
    );
    const c = docker(
      "create",
      "--name",
      `publish-real-${process.pid}`,
      published.published,
      "true",
    );
    assert.equal(
      docker("inspect", "-f", "{{.Config.Image}} {{.Image}}", c),
      `${published.published} ${manifest.config.digest}`,
    );
    docker("rm", c);
  } finally {
    docker("rmi", `127.0.0.1:${port}/site/lhcb-platform/base@${digest}`);
  }
});

test("an image published again under the same tag gets a name of its own, and the registry keeps both", () => {
  const image = `lhcb-platform/publish-test:${process.pid}`;
  docker("tag", IMAGE, image);
  try {
    const first = marked(() => publishImage(image, `127.0.0.1:${port}/site`));
    // Another image under the same tag: the base with one label more, as a rebuild would be.
    execFileSync("docker", ["build", "-q", "-t", image, "-"], {
      input: `FROM ${IMAGE}\nLABEL publish-test=${process.pid}\n`,
      stdio: ["pipe", "ignore", "inherit"],
    });
    const second = marked(() => publishImage(image, `127.0.0.1:${port}/site`));
    assert.notEqual(second.pinned, first.pinned);
    assert.equal(second.pinned.split("@")[0], image);
    marked(() => {
      assert.equal(registryHolds(first.published), true);
      assert.equal(registryHolds(second.published), true);
      const absent = `${first.published.split("@")[0]}@sha256:${"0".repeat(64)}`;
      assert.equal(registryHolds(absent), false);
    });
  } finally {
    docker("rmi", image);
  }
});

/** The header Docker's API takes a login in: its JSON in base64's URL alphabet, padded. */
function xRegistryAuth(auth: object): string {
  return Buffer.from(JSON.stringify(auth))
    .toString("base64")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

test("a registry that asks for a login: refused without one, saying what to set; published with the stack's, which an Engine pulls with; a stranger is turned away", async () => {
  const login = {
    address: "",
    username: "lhcb-deploy",
    password: randomBytes(18).toString("base64url"),
  };
  const htpasswd = join(dir, "htpasswd");
  writeFileSync(
    htpasswd,
    execFileSync("htpasswd", ["-niB", login.username], { input: login.password }),
  );
  const started = await startRegistry(
    "login",
    `auth:\n  htpasswd:\n    realm: test\n    path: ${htpasswd}\n`,
    401,
  );
  loginRegistry = started.child;
  login.address = `127.0.0.1:${started.port}`;
  const prefix = `${login.address}/site`;
  assert.throws(
    () => marked(() => publishImage(IMAGE, prefix), started.port),
    (e: Error) => {
      assert.match(e.message, /skopeo failed .*(authentication required|unauthorized)/is);
      assert.match(e.message, /lhcb-platform:registryUser and registryPassword in the stack/);
      return true;
    },
  );
  const wrong = { ...login, password: "not-the-password" };
  assert.throws(
    () => marked(() => publishImage(IMAGE, prefix, wrong), started.port),
    /takes lhcb-deploy's password \(lhcb-platform:registryUser, registryPassword\)/,
  );
  const published = marked(() => publishImage(IMAGE, prefix, login), started.port);
  marked(() => {
    assert.equal(registryHolds(published.published, login), true);
    assert.equal(registryHolds(published.published), false);
  }, started.port);
  // A stranger's request, and one with a wrong password: refused.
  const api = `http://${login.address}/v2/_catalog`;
  assert.equal((await fetch(api)).status, 401);
  const basic = (user: string, password: string) => ({
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
  });
  assert.equal((await fetch(api, { headers: basic(login.username, "wrong") })).status, 401);
  assert.equal((await fetch(api, { headers: basic(login.username, login.password) })).status, 200);
  // What a host's Docker provider asks its Engine for each image it lacks: a pull, with the login
  // in X-Registry-Auth (site-real runs the provider itself); without one the Engine is refused.
  const [name, digest] = published.published.split("@");
  const pull = (auth: object | undefined) =>
    spawnSync("curl", [
      "-sS",
      "--unix-socket",
      "/var/run/docker.sock",
      "-X",
      "POST",
      ...(auth ? ["-H", `X-Registry-Auth: ${xRegistryAuth(auth)}`] : []),
      `http://localhost/images/create?fromImage=${encodeURIComponent(name.slice(0, name.lastIndexOf(":")))}&tag=${digest}`,
    ]).stdout.toString();
  assert.match(pull(undefined), /no basic auth credentials|unauthorized|authentication required/i);
  const pulled = pull({
    username: login.username,
    password: login.password,
    serveraddress: login.address,
  });
  try {
    assert.match(pulled, /Digest: sha256:[0-9a-f]{64}/, pulled.slice(-500));
    assert.equal(
      docker("image", "inspect", "-f", "{{.Id}}", published.published),
      docker("image", "inspect", "-f", "{{.Id}}", IMAGE),
    );
  } finally {
    spawnSync("docker", ["rmi", `${name.slice(0, name.lastIndexOf(":"))}@${digest}`]);
  }
});
