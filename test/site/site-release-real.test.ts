// A release's publish and rollout at the multi-host site for real, as `npm run release` does them
// (the site runs the sample image, not DIRAC's, so the image here is the sample one with a label
// more): published to the site's registry and named by its digest (scripts/publish-image.ts),
// rolled out over ssh:// to every host's Engine, which pulls it by that digest; then built again
// under the same tag and published again, which names another digest, so every container on it
// is replaced. The site's image push takes an image named by digest from the registry, and
// refuses one the registry lacks.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { publishImage } from "../../scripts/publish-image";
import { pushImages } from "../../scripts/site/registry";
import { DeployedSite, deploySite, removeSite, site } from "../support/site-fixture";
import { onHost, serversOf } from "../support/site-probes";

/** The release under test: the sample image the site runs, with one label more per build. */
const SOURCE = "lhcb-platform/service:1.0.0";
const IMAGE = `${SOURCE}-site-release`;
const REGISTRY = `${site.registry.name}:${site.registry.port}`;

let deployed: DeployedSite | undefined;

before(async () => {
  deployed = await deploySite("release");
});

after(async () => {
  execFileSync("docker", ["rmi", "-f", IMAGE], { stdio: "ignore" });
  await removeSite(deployed);
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

/** Each host's containers, by the name of their image: `image → [container id, image id]`. */
function containersByImage(): Map<string, string[][]> {
  const found = new Map<string, string[][]>();
  for (const h of site.hosts) {
    const ids = onHost(h.address, "ps", "-q").trim().split("\n");
    const lines = onHost(
      h.address,
      "inspect",
      "-f",
      "{{.Config.Image}} {{.Name}} {{.Image}}",
      ...ids,
    );
    for (const [image, name, id] of lines
      .trim()
      .split("\n")
      .map((l) => l.split(" "))) {
      if (!found.has(image)) found.set(image, []);
      found.get(image)!.push([`${h.id}${name}`, id]);
    }
  }
  return found;
}

test("a release published by its digest runs on every host; built again under the same tag, it replaces every container on it", async () => {
  const { stack, spec } = deployed!;
  const onPlatformImage = containersByImage().get(`${REGISTRY}/${SOURCE}`)!.length;
  assert.ok(onPlatformImage >= 6, `${onPlatformImage} containers on ${SOURCE}`);
  const published: string[] = [];
  for (const round of [1, 2]) {
    const id = build(round);
    const p = publishImage(IMAGE, REGISTRY);
    assert.match(p.published, new RegExp(`^${REGISTRY}/${IMAGE}@sha256:[0-9a-f]{64}$`));
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
    const now = containersByImage();
    assert.equal(
      now.get(`${REGISTRY}/${SOURCE}`),
      undefined,
      `round ${round}: none left on ${SOURCE}`,
    );
    const released = now.get(p.published) ?? [];
    assert.equal(released.length, onPlatformImage, `round ${round}: on ${p.published}`);
    for (const [name, runs] of released) assert.equal(runs, id, `round ${round}: ${name}`);
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
      `^Error: the registry lacks ${absent.replace(/[.]/g, "\\.")}, named by digest: publish it with \`npm run release -- VERSION ${site.stack}\``,
    ),
  );
});
