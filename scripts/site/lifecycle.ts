// `site up` and `site down`: the whole site in order, and everything of it removed again.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { startEngines, stopEngines } from "./engines";
import {
  hostsLines,
  REGISTRIES_DROP_IN,
  registriesDropIn,
  SITE_MARK,
  withoutSiteLines,
} from "./files";
import { SiteLayout } from "./layout";
import { createNetwork, removeNetwork } from "./network";
import { pushImages, startRegistry, stopRegistry } from "./registry";
import { startSsh, stopSsh } from "./ssh";
import { run, say } from "./system";

const HOSTS_FILE = "/etc/hosts";

/** Debian packages the site needs: each host's sshd, the registry and its login's htpasswd entry, the image copier. */
const PACKAGES: Record<string, string> = {
  "/usr/sbin/sshd": "openssh-server",
  "/usr/bin/docker-registry": "docker-registry",
  "/usr/bin/htpasswd": "apache2-utils",
  "/usr/bin/skopeo": "skopeo",
};

/**
 * `apt-get update`, however long it takes; when it fails, the lists the machine has are used
 * (an install from them may still succeed) and the failure is said.
 */
function updatePackageLists(): void {
  try {
    run("apt-get", ["update", "-qq"]);
  } catch (e) {
    say(
      `apt-get update failed; installing from the package lists the machine has: ${(e as Error).message}`,
    );
  }
}

/** Installs the missing packages, with no service started by their install scripts. */
export function ensurePackages(): void {
  const missing = Object.entries(PACKAGES)
    .filter(([path]) => !existsSync(path))
    .map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  say(`installing ${missing.join(", ")} from Debian`);
  const policy = "/usr/sbin/policy-rc.d";
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  const install = () =>
    run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing]);
  try {
    updatePackageLists();
    try {
      install();
    } catch (e) {
      // A mirror that changed under the lists, or dropped a connection: fresh lists, once more.
      say(`apt-get install failed, trying again with fresh package lists: ${(e as Error).message}`);
      updatePackageLists();
      install();
    }
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

/**
 * The site's names in /etc/hosts (replacing its earlier lines), and `extra` names (`ip name`);
 * `nsenter` leaves /etc/netns alone.
 */
export function writeHosts(site: SiteLayout, extra: string[] = []): void {
  const kept = withoutSiteLines(readFileSync(HOSTS_FILE, "utf8")).replace(/\n*$/, "\n");
  const lines = [...hostsLines(site), ...extra.map((l) => `${l} ${SITE_MARK}`)];
  writeFileSync(HOSTS_FILE, kept + lines.join("\n") + "\n");
}

function removeHosts(): void {
  writeFileSync(HOSTS_FILE, withoutSiteLines(readFileSync(HOSTS_FILE, "utf8")));
}

/** The machine's image tools told that the site's registry serves plain HTTP. */
function writeRegistriesDropIn(site: SiteLayout): void {
  mkdirSync(dirname(REGISTRIES_DROP_IN), { recursive: true });
  writeFileSync(REGISTRIES_DROP_IN, registriesDropIn(site));
}

/**
 * Brings the site up, or completes one that is partly up: packages, network, names, registry and
 * images, every host's engine and sshd; then checks each engine over SSH as the Docker provider
 * reaches it. `repoRoot`: where scripts/docker/ensure-dockerd.sh makes the machine's Docker answer.
 */
export async function siteUp(site: SiteLayout, repoRoot: string): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("the site needs root (namespaces, /etc/hosts)");
  ensurePackages();
  run("bash", [join(repoRoot, "scripts", "docker", "ensure-dockerd.sh")]);
  createNetwork(site);
  writeHosts(site);
  writeRegistriesDropIn(site);
  await startRegistry(site);
  pushImages(site);
  await startEngines(site);
  await startSsh(site);
  for (const h of site.hosts) {
    const name = run("docker", ["-H", `ssh://root@${h.address}`, "info", "--format", "{{.Name}}"]);
    if (name.trim() === "") throw new Error(`${h.id}: no engine over ssh://root@${h.address}`);
  }
  say(
    `up: ${site.hosts.length} hosts answer over SSH; deploy with \`pulumi up --stack ${site.stack}\``,
  );
}

/**
 * Stops and removes everything the site started or changed, whatever state a run left it in
 * (also after one that was killed); the engines' data roots and the registry's data stay
 * unless `purge`, so the next `up` does not pull every image again.
 */
export async function siteDown(site: SiteLayout, opts: { purge: boolean }): Promise<void> {
  await stopEngines(site);
  stopSsh(site);
  stopRegistry(site);
  removeNetwork(site);
  removeHosts();
  rmSync(REGISTRIES_DROP_IN, { force: true });
  rmSync(site.runDir, { recursive: true, force: true });
  if (opts.purge) rmSync(site.dataDir, { recursive: true, force: true });
  say(`down: the site of ${site.stack} is stopped${opts.purge ? " and its data removed" : ""}`);
}
