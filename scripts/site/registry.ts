// The site's image registry (Debian's docker-registry) on the machine's address on the site's
// bridge, closed to anyone without the site's login, and the stack's images copied into it from
// the machine's Docker (skopeo).
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { registryConfig, registryLoginPaths } from "./files";
import { SiteLayout } from "./layout";
import { copyToRegistry, RegistryCredentials, registryHolds } from "../publish-image";
import { run, say, startDetached, succeeds, waitFor } from "./system";

const configPath = (site: SiteLayout) => `${site.runDir}/registry.yml`;
const registryUrl = (site: SiteLayout) => `http://${site.gateway}:${site.registry.port}`;

/** A file written whole or not at all (a new name renamed over it), readable by root alone. */
function writePrivate(path: string, text: string): void {
  writeFileSync(`${path}.new`, text, { mode: 0o600 });
  chmodSync(`${path}.new`, 0o600);
  renameSync(`${path}.new`, path);
}

/**
 * Makes the site registry's password where the site has none (24 random bytes), kept in the
 * site's data, root's alone; true when it made one. The password file is the login's one
 * record: the htpasswd file is written from it each time the registry starts.
 */
function ensureRegistryPassword(site: SiteLayout): boolean {
  const paths = registryLoginPaths(site);
  mkdirSync(site.registry.loginDir, { recursive: true, mode: 0o700 });
  chmodSync(site.registry.loginDir, 0o700);
  if (existsSync(paths.password)) return false;
  writePrivate(paths.password, randomBytes(24).toString("base64url"));
  say(`registry: a new password for ${site.registry.user} (${paths.password})`);
  return true;
}

/**
 * The site registry's login: its user (the stack's `registryUser`) and the password `npm run
 * site -- up` made. The site's stacks are given it as their secret `registryPassword`. Throws,
 * saying what makes it, where the site has none.
 */
export function siteRegistryLogin(site: SiteLayout): RegistryCredentials {
  const { password } = registryLoginPaths(site);
  if (!existsSync(password))
    throw new Error(
      `the site registry has no password (${password}): \`npm run site -- up\` makes it`,
    );
  return {
    address: `${site.registry.name}:${site.registry.port}`,
    username: site.registry.user,
    password: readFileSync(password, "utf8"),
  };
}

/** The user the registry's htpasswd file names, undefined where there is none. */
function htpasswdUser(site: SiteLayout): string | undefined {
  const { htpasswd } = registryLoginPaths(site);
  return existsSync(htpasswd) ? readFileSync(htpasswd, "utf8").split(":")[0] : undefined;
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
 * Starts the registry unless it answers asking for the site's current login. One that answers
 * anyone (started by an earlier version of this script), or holds another login (a new password,
 * another user), is stopped and started again with the current one, its htpasswd entry (bcrypt,
 * by Debian's apache2-utils) written from the password file. Returns once it answers.
 */
export async function startRegistry(site: SiteLayout): Promise<void> {
  const made = ensureRegistryPassword(site);
  const current = !made && htpasswdUser(site) === site.registry.user;
  const status = registryStatus(site);
  if (status !== "401" || !current) {
    if (status !== "000") {
      say(
        status === "401"
          ? `registry: holds another login; started again with ${site.registry.user}'s`
          : `registry: answered anyone (HTTP ${status}); started again, asking for the login`,
      );
      stopRegistry(site);
      await waitFor(
        `${registryUrl(site)} to stop answering (the site's registry was stopped; if it still answers, another process listens there)`,
        () => registryStatus(site) === "000",
        10,
      );
    }
    // The password on stdin (-i), never on a command line.
    const login = siteRegistryLogin(site);
    const entry = run("htpasswd", ["-niB", login.username], { input: login.password });
    writePrivate(registryLoginPaths(site).htpasswd, entry);
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
