// The release's publishing step for real: an image of this machine's Docker copied by skopeo into
// a registry (Debian's docker-registry, on the loopback) under a stack's registry prefix, as each
// host's Engine then pulls it; refused, with what to do, while the registry is not marked as
// serving plain HTTP.
import assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
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

before(async () => {
  ensurePackages();
  port = await freePort();
  const config = join(dir, "registry.yml");
  writeFileSync(
    config,
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  registry = spawn("docker-registry", ["serve", config], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/v2/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`docker-registry did not answer on 127.0.0.1:${port}`);
});

after(() => {
  registry?.kill();
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

/** Runs `body` with the registry marked as serving plain HTTP. */
function marked<T>(body: () => T): T {
  mkdirSync("/etc/containers/registries.conf.d", { recursive: true });
  writeFileSync(dropIn, `[[registry]]\nlocation = "127.0.0.1:${port}"\ninsecure = true\n`);
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
