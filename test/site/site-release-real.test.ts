// A release at the multi-host site for real. First `npm run release -- VERSION STACK` itself, as
// an operator runs it on cert or prod, under a steady client through both balancers: it builds
// the platform's service image (the one the site's services run) under VERSION, publishes it to
// the site's registry with the login the stack names, names it by its digest in the stack file
// and rolls it out over ssh:// to every host's Engine (each pulls it with that login), one
// instance of a service at a time. Then the publish and rollout as the
// release does them (scripts/publish-image.ts), with the same tag built again: another digest,
// so every container on it is replaced. The site's image push takes an image named by digest from
// the registry, and refuses one the registry lacks.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../../scripts/engine-stack";
import { publishImage } from "../../scripts/publish-image";
import { SERVICE_RELEASE } from "../../scripts/release";
import { pushImages, siteRegistryLogin } from "../../scripts/site/registry";
import { DeployedSite, deploySite, removeSite, site } from "../support/site-fixture";
import { onHost, serversOf, underSteadyClient } from "../support/site-probes";

/** The release under test: the sample image the site runs, with one label more per build. */
const SOURCE = "lhcb-platform/service:1.0.0";
const IMAGE = `${SOURCE}-site-release`;
const REGISTRY = `${site.registry.name}:${site.registry.port}`;
/** The release `npm run release` builds, publishes and rolls out. */
const VERSION = "1.0.1-site";
const RELEASED = SERVICE_RELEASE.image(VERSION);

let deployed: DeployedSite | undefined;

before(async () => {
  deployed = await deploySite("release");
});

after(async () => {
  execFileSync("docker", ["rmi", "-f", IMAGE, RELEASED], { stdio: "ignore" });
  await removeSite(deployed);
});

/** A container of the stack's services or agents: the image it names and the image's id. */
interface Running {
  image: string;
  imageId: string;
}

/** The stack's service instances and agents on every host, by `host/name`. */
function instancesAndAgents(stack: string): Map<string, Running> {
  const found = new Map<string, Running>();
  for (const h of site.hosts)
    for (const component of ["service", "agent"]) {
      const filters = ["--filter", `label=platform.stack=${stack}`];
      const ids = onHost(
        h.address,
        "ps",
        "-q",
        ...filters,
        "--filter",
        `label=platform.component=${component}`,
      );
      if (ids.trim() === "") continue;
      const lines = onHost(
        h.address,
        "inspect",
        "-f",
        "{{.Name}} {{.Config.Image}} {{.Image}}",
        ...ids.trim().split("\n"),
      );
      for (const [name, image, imageId] of lines
        .trim()
        .split("\n")
        .map((l) => l.split(" ")))
        found.set(`${h.id}${name}`, { image, imageId });
    }
  return found;
}

/** `text` as a regular expression that matches it alone. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `npm run release -- ARGS` in the project directory: its exit status and its output. */
async function npmRelease(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const r = await promisify(execFile)("npm", ["run", "--silent", "release", "--", ...args], {
      cwd: PROJECT_ROOT,
      maxBuffer: 64 * 2 ** 20,
    });
    return { code: 0, output: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, output: `${x.stdout ?? ""}${x.stderr ?? ""}` };
  }
}

test("npm run release -- VERSION STACK at the site: the service image built, published by its digest, rolled out to every host while both balancers keep serving", async () => {
  const { stack, spec } = deployed!;
  const instances = spec.services.reduce((n, s) => n + s.hosts.length, 0);
  const containers = instancesAndAgents(spec.stack).size;
  assert.ok(containers > instances, `${containers} service and agent containers`);
  const http = spec.services.find((s) => s.protocol === "http")!;
  const urls = spec.loadBalancers.map((lb) => `http://${lb.address}:${http.port}/`);
  let release = { code: -1, output: "" };
  const t = Date.now();
  const summary = await underSteadyClient(urls, { site, spec }, async () => {
    release = await npmRelease([VERSION, stack.name]);
  });
  const seconds = (Date.now() - t) / 1000;
  console.log(release.output);
  assert.equal(release.code, 0, release.output.trimEnd().split("\n").slice(-20).join("\n"));
  console.log(
    `site release: npm run release in ${seconds.toFixed(1)} s; steady client p99 ${summary.p99Ms} ms, max ${summary.maxMs} ms`,
  );
  assert.equal(summary.failed, 0, summary.failures.join("\n"));

  const line = (text: string) => new RegExp(`^release: ${literal(text)} \\([0-9.]+s\\)$`, "m");
  assert.match(release.output, line(`building ${RELEASED}`));
  assert.match(release.output, line(`publishing ${RELEASED} to ${REGISTRY}`));
  const digest = new RegExp(
    `^release: published ${literal(`${REGISTRY}/${RELEASED}`)}@(sha256:[0-9a-f]{64}) `,
    "m",
  ).exec(release.output)?.[1];
  assert.ok(digest !== undefined, "the release names what it published");
  assert.match(
    release.output,
    new RegExp(
      `^release: rolled out ${literal(VERSION)} on ${stack.name}: ${instances} instance\\(s\\) replaced in [0-9.]+s `,
      "m",
    ),
  );
  const named = await stack.pulumi([
    "config",
    "get",
    "--path",
    "lhcb-platform:images.service",
    "--stack",
    stack.name,
  ]);
  assert.equal(named.trim(), `${RELEASED}@${digest}`);

  const running = instancesAndAgents(spec.stack);
  assert.equal(running.size, containers);
  for (const [at, { image }] of running)
    assert.equal(image, `${REGISTRY}/${RELEASED}@${digest}`, at);
  for (const lb of spec.loadBalancers) {
    for (const [server, status] of await serversOf(site, spec, lb.id))
      assert.equal(status, "UP", `${lb.id}: ${server}`);
    const answer = (await (await fetch(`http://${lb.address}:${http.port}/`)).json()) as {
      version: string;
    };
    assert.equal(answer.version, VERSION, `${http.name} through ${lb.id}`);
  }
});

/** Builds IMAGE again, `build` in a label of its own; returns the image's id. */
function build(build: number): string {
  execFileSync("docker", ["build", "-q", "-t", IMAGE, "-"], {
    input: `FROM ${SOURCE}\nLABEL platform.test-build=${build}\n`,
    stdio: ["pipe", "ignore", "inherit"],
  });
  return execFileSync("docker", ["image", "inspect", "-f", "{{.Id}}", IMAGE], {
    encoding: "utf8",
  }).trim();
}

test("a release published by its digest runs on every host; built again under the same tag, it replaces every container on it", async () => {
  const { stack, spec } = deployed!;
  const platformContainers = instancesAndAgents(spec.stack).size;
  assert.ok(platformContainers >= 6, `${platformContainers} service and agent containers`);
  const published: string[] = [];
  for (const round of [1, 2]) {
    const id = build(round);
    const p = publishImage(IMAGE, REGISTRY, siteRegistryLogin(site));
    assert.match(
      p.published,
      new RegExp(`^${literal(`${REGISTRY}/${IMAGE}`)}@sha256:[0-9a-f]{64}$`),
    );
    published.push(p.published);
    await stack.pulumi([
      "config",
      "set",
      "--path",
      "lhcb-platform:images.service",
      p.pinned,
      "--stack",
      stack.name,
    ]);
    const t = Date.now();
    await stack.up();
    console.log(
      `site release: round ${round} rolled out in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
    const now = instancesAndAgents(spec.stack);
    assert.equal(now.size, platformContainers, `round ${round}: service and agent containers`);
    for (const [at, running] of now)
      assert.deepEqual(running, { image: p.published, imageId: id }, `round ${round}: ${at}`);
    for (const lb of spec.loadBalancers)
      for (const [server, status] of await serversOf(site, spec, lb.id))
        assert.equal(status, "UP", `round ${round}: ${lb.id}: ${server}`);
  }
  assert.notEqual(published[1], published[0]);

  // The site's image push, as `npm run site -- up` runs it with the stack's images named so.
  const pinned = (reference: string) => ({
    source: reference.slice(REGISTRY.length + 1),
    target: reference,
  });
  assert.doesNotThrow(() => pushImages({ ...site, images: published.map(pinned) }));
  const absent = `${published[0].split("@")[0]}@sha256:${"0".repeat(64)}`;
  assert.throws(
    () => pushImages({ ...site, images: [pinned(absent)] }),
    new RegExp(
      `^Error: the registry lacks ${literal(absent)}, named by digest: publish it with \`npm run release -- VERSION ${site.stack}\``,
    ),
  );
});
