// Where a catalog entry names an image of its own: the stack's registry prefix goes on it as on
// the platform's images (a site's hosts pull from the registry alone), and an entry naming the
// platform image is on the platform image.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readStackFile, loadPlatform } from "../../components/core/stack-config";
import { usesPlatformImage } from "../../components/core/images";

const ROOT = process.cwd();

function siteWith(entries: Record<string, unknown>) {
  const { file, entries: own } = readStackFile(ROOT, "site");
  return loadPlatform(ROOT, "site", { ...own, ...entries }, file);
}

test("the site with the local catalog: Sample/Web's own image under the site's registry, the platform image", () => {
  const spec = siteWith({ "lhcb-platform:catalog": "catalog/local.yaml" });
  const web = spec.services.find((s) => s.name === "Sample/Web")!;
  assert.equal(web.image, "registry.site.lhcb.test:5000/lhcb-platform/service:1.0.0");
  assert.equal(web.image, spec.images.service);
  assert.equal(usesPlatformImage(spec, web.image), true);
  // Every entry's image is under the registry.
  for (const e of [...spec.services, ...spec.agents])
    assert.match(e.image, /^registry\.site\.lhcb\.test:5000\//, e.name);
});

test("without a registry an entry's image is as the catalog names it", () => {
  const spec = siteWith({
    "lhcb-platform:catalog": "catalog/local.yaml",
    "lhcb-platform:registry": "",
    "lhcb-platform:registryUser": undefined,
  });
  assert.equal(
    spec.services.find((s) => s.name === "Sample/Web")!.image,
    "lhcb-platform/service:1.0.0",
  );
});
