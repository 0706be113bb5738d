// The multi-host site as a test fixture: `npm run site -- up`, a scratch copy of the site stack
// deployed over ssh:// (its secrets through stdin); at the end `pulumi destroy`, `npm run site --
// down`, and a check that nothing of the site is left on the machine.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { PlatformSpec } from "../../components/core/platform-spec";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { CliStack } from "../../scripts/cli-stack";
import { engineObjectsOf, orphansOf, removeOrphans } from "../../scripts/engine-orphans";
import { PROJECT_ROOT, pulumiCli } from "../../scripts/engine-stack";
import { ensureSiteStack } from "../../scripts/site/deploy";
import { inNetnsArgs, SiteLayout, siteLayout } from "../../scripts/site/layout";
import { guardChain } from "../../components/hosts/port-guard";

/** The site of Pulumi.site.yaml. */
export const site: SiteLayout = siteLayout(
  loadPlatformFromStackFile(PROJECT_ROOT, "site"),
  "registry.site.lhcb.test:5000",
);

/** How many of a failed site command's last lines its error carries. */
const LAST_LINES = 25;

/**
 * `npm run site -- COMMAND`, its output printed; throws when it fails, with the output's last
 * lines (a test runner's summary of failures shows the error, not what the test printed).
 */
function siteCommand(command: string): void {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", join(PROJECT_ROOT, "scripts", "site.ts"), command],
    { cwd: PROJECT_ROOT, encoding: "utf8" },
  );
  const output = r.stdout + r.stderr;
  console.log(output);
  const last = output.trimEnd().split("\n").slice(-LAST_LINES).join("\n");
  assert.equal(r.status, 0, `npm run site -- ${command} failed; its last lines:\n${last}`);
}

/** A deployed copy of the site stack: its CLI stack and its spec (physical names from its name). */
export interface DeployedSite {
  stack: CliStack;
  spec: PlatformSpec;
  /**
   * How to ask the stack's Consul, from its outputs: its management token (ACLs are on at the
   * site) and its CA (its API is HTTPS there).
   */
  consul: { token: string; caCert: string };
}

/**
 * Removes from every host's engine what any stack left there: the engines' data roots outlive
 * `down`, so a run that was killed leaves its stack's containers, which come back with the
 * engines and would hold the ports and addresses the test's stack declares.
 */
function clearHosts(): void {
  for (const host of site.hosts) {
    const engine = `unix://${host.dockerSocket}`;
    const why = `site: ${host.id} holds a stack's objects that no test deployed (a killed run left them)`;
    removeOrphans(
      orphansOf(engineObjectsOf(undefined, engine), new Set()),
      why,
      console.log,
      engine,
    );
  }
}

/** Brings the site up and deploys a scratch copy of the site stack labelled `label`. */
export async function deploySite(label: string): Promise<DeployedSite> {
  assert.ok(existsSync(pulumiCli()), `no Pulumi CLI at ${pulumiCli()}: run \`npm run up\` first`);
  siteCommand("up");
  clearHosts();
  const stack = await CliStack.create(label, "site");
  // A new gossip key and the site's operator key, as `npm run site -- deploy` sets them.
  ensureSiteStack(site, stack.name);
  const t = Date.now();
  await stack.up();
  console.log(`site: pulumi up of ${stack.name} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const output = async (name: string) =>
    (await stack.pulumi(["stack", "output", name, "--show-secrets", "--stack", stack.name])).trim();
  return {
    stack,
    spec: { ...loadPlatformFromStackFile(PROJECT_ROOT, "site"), stack: stack.name },
    consul: {
      token: await output("consulManagementToken"),
      caCert: await output("consulCaCertificate"),
    },
  };
}

/** The file of the deployed scratch stack, `Pulumi.<stack>.yaml`. */
const stackFileOf = (d: DeployedSite) => join(PROJECT_ROOT, `Pulumi.${d.stack.name}.yaml`);

/** A host's entry in a stack file, as written there. */
export type HostEntry = { id: string; address: string } & Record<string, unknown>;

/** The hosts of the scratch stack's file, as written there. */
export function hostsOfStackFile(d: DeployedSite): HostEntry[] {
  const doc = parseDocument(readFileSync(stackFileOf(d), "utf8"));
  const hosts = doc.getIn(["config", "lhcb-platform:hosts"], false) as { toJSON(): unknown };
  return hosts.toJSON() as HostEntry[];
}

/** The hosts that are down, as a stack file lists them. */
export type HostsDown = { failedHosts?: string[]; lostHosts?: string[] };

/**
 * `pulumi up` of the scratch stack with `hosts` as its inventory, and the hosts that are down
 * (`failedHosts`, `lostHosts`) where given; resolves with its seconds and what it printed.
 */
export async function upWithHostsSaying(
  d: DeployedSite,
  hosts: unknown[],
  down: HostsDown = {},
): Promise<{ seconds: number; output: string }> {
  const doc = parseDocument(readFileSync(stackFileOf(d), "utf8"));
  doc.setIn(["config", "lhcb-platform:hosts"], hosts);
  for (const [key, ids] of Object.entries(down)) doc.setIn(["config", `lhcb-platform:${key}`], ids);
  writeFileSync(stackFileOf(d), doc.toString());
  const t = Date.now();
  const output = await d.stack.up();
  return { seconds: (Date.now() - t) / 1000, output };
}

/** `upWithHostsSaying`, resolving with its seconds only. */
export async function upWithHosts(
  d: DeployedSite,
  hosts: unknown[],
  down: HostsDown = {},
): Promise<number> {
  return (await upWithHostsSaying(d, hosts, down)).seconds;
}

/** The URNs of the scratch stack's state that name host `id` (as their stable key). */
export async function urnsNaming(d: DeployedSite, id: string): Promise<string[]> {
  const { resources } = await d.stack.exportState();
  return resources.map((r) => r.urn).filter((urn) => urn.includes(`-${id}`));
}

/**
 * The lines of `stack`'s port guard (its chain, its rules, the jumps to it) in each host's IPv4
 * and IPv6 filter tables, as `host family: line`.
 */
export function guardRulesLeft(stack: string): string[] {
  const chain = guardChain(stack);
  return site.hosts.flatMap((h) =>
    (["iptables-save", "ip6tables-save"] as const).flatMap((tool) =>
      execFileSync("nsenter", inNetnsArgs(h, [tool, "-t", "filter"]), { encoding: "utf8" })
        .split("\n")
        .filter((l) => l.includes(chain))
        .map((l) => `${h.id} ${tool === "iptables-save" ? "IPv4" : "IPv6"}: ${l}`),
    ),
  );
}

/**
 * Destroys the stack, takes the site down, and asserts nothing of it is left: the destroy
 * removed every slave's port guard chain before the engines and namespaces went.
 */
export async function removeSite(deployed: DeployedSite | undefined): Promise<void> {
  const destroyed = deployed?.stack.name;
  if (deployed) await deployed.stack.remove((e) => console.error(e));
  let guardRules: string[] = [];
  try {
    if (destroyed !== undefined) guardRules = guardRulesLeft(destroyed);
  } catch (e) {
    guardRules = [`the hosts' filter tables could not be read: ${(e as Error).message}`];
  }
  siteCommand("down");
  assert.deepEqual(guardRules, [], "pulumi destroy leaves no port guard rule on any host");
  const namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.startsWith("lhcb-site-"));
  assert.deepEqual(namespaces, []);
  assert.doesNotMatch(readFileSync("/etc/hosts", "utf8"), /lhcb-platform-site/);
  assert.doesNotMatch(readFileSync("/proc/mounts", "utf8"), /lhcb-platform-site/);
  const left = spawnSync("pgrep", ["-f", "/run/lhcb-platform-site/"]);
  assert.equal(left.status, 1, "no site process is left");
}
