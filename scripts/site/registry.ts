// The site's image registry (Debian's docker-registry) on the machine's address on the site's
// bridge, and the stack's images copied into it from the machine's Docker (skopeo).
import { mkdirSync, writeFileSync } from "node:fs";
import { registryConfig } from "./files";
import { SiteLayout } from "./layout";
import { copyToRegistry, registryHolds } from "../publish-image";
import { say, startDetached, succeeds, waitFor } from "./system";

const configPath = (site: SiteLayout) => `${site.runDir}/registry.yml`;
const registryUrl = (site: SiteLayout) => `http://${site.gateway}:${site.registry.port}`;

/** Starts the registry unless it answers; returns once it does. */
export async function startRegistry(site: SiteLayout): Promise<void> {
  const answers = () =>
    succeeds("curl", ["-fsS", "-m", "2", "-o", "/dev/null", `${registryUrl(site)}/v2/`]);
  if (!answers()) {
    mkdirSync(site.registry.dataDir, { recursive: true });
    mkdirSync(site.runDir, { recursive: true });
    writeFileSync(configPath(site), registryConfig(site));
    startDetached("docker-registry", ["serve", configPath(site)], `${site.runDir}/registry.log`);
    await waitFor(
      `the registry at ${registryUrl(site)} (log: ${site.runDir}/registry.log)`,
      answers,
      20,
    );
  }
  say(`registry: ${site.registry.name}:${site.registry.port} at ${registryUrl(site)}`);
}

/** Stops the registry (also one left by a run that was killed). Its data stays. */
export function stopRegistry(site: SiteLayout): void {
  succeeds("pkill", ["-f", `docker-registry serve ${configPath(site)}`]);
}

/**
 * Copies every image of the stack from the machine's Docker into the registry, under the stack's
 * registry prefix (unchanged layers are not sent again), over plain HTTP as the machine's
 * registries.conf drop-in says (`registriesDropIn`). An image named by its digest is one a
 * release published (`npm run release`): it must be in the registry already. Throws naming an
 * image the machine lacks, or a published one the registry lacks.
 */
export function pushImages(site: SiteLayout): void {
  const [published, built] = partition(site.images, (i) => i.source.includes("@"));
  const unpublished = published.filter((i) => !registryHolds(i.target));
  if (unpublished.length > 0)
    throw new Error(
      `the registry lacks ${unpublished.map((i) => i.target).join(", ")}, named by digest: publish it with \`npm run release -- VERSION ${site.stack}\`, or name the image by its tag in the stack's \`images\``,
    );
  for (const i of published) say(`in the registry: ${i.target}`);
  const missing = built.filter((i) => !succeeds("docker", ["image", "inspect", i.source]));
  if (missing.length > 0)
    throw new Error(
      `the machine's Docker lacks ${missing.map((i) => i.source).join(", ")}: build them first (scripts/docker/build-images.sh, run by \`npm run up\`)`,
    );
  for (const { source, target } of built) {
    const t = Date.now();
    copyToRegistry(source, target);
    say(`pushed ${target} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
}

/** The items for which `test` holds, then the others. */
function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((i) => !test(i))];
}
