// The site's image registry (Debian's docker-registry) on the machine's address on the site's
// bridge, closed to anyone without the site's login, and the stack's images copied into it from
// the machine's Docker (skopeo).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { registryConfig, registryLoginPaths } from "./files";
import { SiteLayout } from "./layout";
import { copyToRegistry, RegistryCredentials, registryHolds } from "../publish-image";
import { run, say, startDetached, succeeds, waitFor } from "./system";

const configPath = (site: SiteLayout) => `${site.runDir}/registry.yml`;
const registryUrl = (site: SiteLayout) => `http://${site.gateway}:${site.registry.port}`;

/**
 * The site registry's login: its user (the stack's `registryUser`) and password, made once with
 * its htpasswd entry (bcrypt, by Debian's apache2-utils) and kept in the site's data, readable by
 * root alone. The site's stacks are given it as their secret `registryPassword`.
 */
export function siteRegistryLogin(site: SiteLayout): RegistryCredentials {
  const paths = registryLoginPaths(site);
  if (!existsSync(paths.password) || !existsSync(paths.htpasswd)) {
    mkdirSync(site.registry.loginDir, { recursive: true, mode: 0o700 });
    const password = randomBytes(24).toString("base64url");
    // The password on stdin (-i), never on a command line.
    const entry = run("htpasswd", ["-niB", site.registry.user], { input: password });
    writeFileSync(paths.htpasswd, entry, { mode: 0o600 });
    writeFileSync(paths.password, password, { mode: 0o600 });
    say(`registry: a new login for ${site.registry.user} (${paths.password})`);
  }
  return {
    address: `${site.registry.name}:${site.registry.port}`,
    username: site.registry.user,
    password: readFileSync(paths.password, "utf8"),
  };
}

/** The HTTP status the registry's API root answers with, "000" when nothing answers. */
function registryStatus(site: SiteLayout): string {
  try {
    return run("curl", [
      "-sS",
      "-m",
      "2",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      `${registryUrl(site)}/v2/`,
    ]);
  } catch {
    return "000";
  }
}

/**
 * Starts the registry unless it answers asking for a login; one that answers anyone (started by
 * an earlier version of this script) is stopped and started again with the login. Returns once
 * it answers.
 */
export async function startRegistry(site: SiteLayout): Promise<void> {
  siteRegistryLogin(site);
  const status = registryStatus(site);
  if (status !== "401") {
    if (status !== "000") {
      say(`registry: answered anyone (HTTP ${status}); started again, asking for the login`);
      stopRegistry(site);
      await waitFor(
        `the registry at ${registryUrl(site)} to stop`,
        () => registryStatus(site) === "000",
        10,
      );
    }
    mkdirSync(site.registry.dataDir, { recursive: true });
    mkdirSync(site.runDir, { recursive: true });
    writeFileSync(configPath(site), registryConfig(site));
    startDetached("docker-registry", ["serve", configPath(site)], `${site.runDir}/registry.log`);
    await waitFor(
      `the registry at ${registryUrl(site)} (log: ${site.runDir}/registry.log)`,
      () => registryStatus(site) === "401",
      20,
    );
  }
  say(
    `registry: ${site.registry.name}:${site.registry.port} at ${registryUrl(site)}, login ${site.registry.user}`,
  );
}

/** Stops the registry (also one left by a run that was killed). Its data stays. */
export function stopRegistry(site: SiteLayout): void {
  succeeds("pkill", ["-f", `docker-registry serve ${configPath(site)}`]);
}

/**
 * Copies every image of the stack from the machine's Docker into the registry, under the stack's
 * registry prefix (unchanged layers are not sent again), with the site's login, over plain HTTP as the machine's
 * registries.conf drop-in says (`registriesDropIn`). An image named by its digest is one a
 * release published (`npm run release`): it must be in the registry already. Throws naming an
 * image the machine lacks, or a published one the registry lacks.
 */
export function pushImages(site: SiteLayout): void {
  const [published, built] = partition(site.images, (i) => i.source.includes("@"));
  const login = siteRegistryLogin(site);
  const unpublished = published.filter((i) => !registryHolds(i.target, login));
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
    copyToRegistry(source, target, login);
    say(`pushed ${target} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
}

/** The items for which `test` holds, then the others. */
function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((i) => !test(i))];
}
