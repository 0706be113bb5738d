// `site deploy` and `site destroy`: the site stack through the CLI as an operator runs it, its
// secrets made once when missing (a new gossip key; the site's operator key for the preparation),
// each prepared host's SSH key named (`prepare.hostKey`).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { engineEnv, operatorCli, PROJECT_ROOT } from "../engine-stack";
import { sshPaths } from "./files";
import { SiteLayout } from "./layout";
import { siteRegistryLogin } from "./registry";
import { hostPublicKey } from "./ssh";
import { say } from "./system";

/** Runs the CLI in the project; `show`: its output goes to the terminal (progress of an up). */
function pulumi(
  args: string[],
  opts: { input?: string; show?: boolean } = {},
): { ok: boolean; out: string; stdout: string } {
  const r = spawnSync(operatorCli(), [...args, "--non-interactive"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...engineEnv() },
    input: opts.input,
    encoding: "utf8",
    stdio: opts.show ? ["pipe", "inherit", "inherit"] : "pipe",
    maxBuffer: 64 * 2 ** 20,
  });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`, stdout: r.stdout ?? "" };
}

function must(args: string[], opts: { input?: string; show?: boolean } = {}): string {
  return mustRun(args, opts).out;
}

/** `pulumi ARGS`, which must succeed; what it printed (`out`) and its standard output alone. */
function mustRun(
  args: string[],
  opts: { input?: string; show?: boolean } = {},
): { out: string; stdout: string } {
  const r = pulumi(args, opts);
  if (!r.ok) throw new Error(`pulumi ${args.join(" ")} failed:\n${r.out}`);
  return r;
}

/** Sets the secret `key` of stack `name` to `value` through stdin: never on a command line. */
export function setSecretConfig(name: string, key: string, value: string): void {
  must(["config", "set", "--secret", key, "--stack", name], { input: value });
}

/** A new Consul gossip key: 32 random bytes in base64, as `consul keygen` makes one. */
export function newGossipKey(): string {
  return randomBytes(32).toString("base64");
}

/**
 * Creates the stack `name` (default: the site's) when it does not exist, and sets each of its
 * secrets that is missing, through stdin: never on a command line or into a message. The
 * registry's password is set wherever it is not the one the site's registry asks for now (a
 * purged site makes a new one).
 */
export function ensureSiteStack(site: SiteLayout, name = site.stack): void {
  const stack = ["--stack", name];
  if (!pulumi(["stack", "select", name]).ok) must(["stack", "init", name]);
  const has = (key: string) => pulumi(["config", "get", key, ...stack]).ok;
  if (!has("lhcb-platform:consulGossipKey")) {
    setSecretConfig(name, "lhcb-platform:consulGossipKey", newGossipKey());
    say("stack: a new Consul gossip key (secret lhcb-platform:consulGossipKey)");
  }
  if (!has("lhcb-platform:sshPrivateKey")) {
    setSecretConfig(
      name,
      "lhcb-platform:sshPrivateKey",
      readFileSync(sshPaths(site).clientKey, "utf8"),
    );
    say(`stack: the site's operator key (secret lhcb-platform:sshPrivateKey)`);
  }
  const registryPassword = siteRegistryLogin(site).password;
  const given = pulumi(["config", "get", "lhcb-platform:registryPassword", ...stack]);
  if (!given.ok || given.stdout.trim() !== registryPassword) {
    setSecretConfig(name, "lhcb-platform:registryPassword", registryPassword);
    say(
      `stack: the site registry's password for ${site.registry.user} (secret lhcb-platform:registryPassword)`,
    );
  }
  pinHostKeys(site, name);
}

/**
 * Sets `prepare.hostKey` of each of stack `name`'s prepared hosts to the key that host's sshd
 * shows (`npm run site -- up` made it): the preparation then runs only on a host that shows it,
 * as cert and prod should name their hosts' keys. One `pulumi config set-all`.
 */
function pinHostKeys(site: SiteLayout, name: string): void {
  const hosts = (
    JSON.parse(
      mustRun(["config", "get", "lhcb-platform:hosts", "--json", "--stack", name]).stdout,
    ) as {
      objectValue: { id: string; prepare?: unknown }[];
    }
  ).objectValue;
  const pins = site.hosts.flatMap((h) => {
    const at = hosts.findIndex((c) => c.id === h.id && c.prepare !== undefined);
    if (at < 0) return [];
    const key = hostPublicKey(site, h);
    return ["--plaintext", `lhcb-platform:hosts[${at}].prepare.hostKey=${key}`];
  });
  if (pins.length === 0) return;
  must(["config", "set-all", "--path", ...pins, "--stack", name]);
  say(`stack: ${pins.length / 2} hosts' SSH keys (prepare.hostKey)`);
}

/** `pulumi up` of the site stack (its secrets made first when missing). */
export function siteDeploy(site: SiteLayout): void {
  ensureSiteStack(site);
  const t = Date.now();
  must(["up", "--stack", site.stack, "--yes", "--skip-preview"], { show: true });
  say(`deploy: pulumi up --stack ${site.stack} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

/** `pulumi destroy` of the site stack, when it exists. */
export function siteDestroy(site: SiteLayout): void {
  if (!pulumi(["stack", "select", site.stack]).ok) return;
  must(["destroy", "--stack", site.stack, "--yes", "--skip-preview"], { show: true });
}
