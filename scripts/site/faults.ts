// A host lost and back, as at a real site: its network cut (the veth on the bridge down, so its
// packets are dropped, not refused), its engine and every container killed; back: the link up and
// its engine started, which restarts its containers (`restart: always`) without a `pulumi up`.
import { rmSync } from "node:fs";
import { enginePid, inHost, killEngine, startEngines } from "./engines";
import { inNetnsArgs, SiteHost, SiteLayout } from "./layout";
import { writeHosts } from "./lifecycle";
import { startSsh } from "./ssh";
import { run, say, succeeds } from "./system";

function hostOf(site: SiteLayout, id: string): SiteHost {
  const h = site.hosts.find((x) => x.id === id);
  if (!h)
    throw new Error(
      `no host "${id}" in the site of ${site.stack} (${site.hosts.map((x) => x.id).join(", ")})`,
    );
  return h;
}

/**
 * Cuts the host off and kills its engine, containerd and containers: a host that died. Returns
 * once nothing of it runs and its containers' network namespaces are gone.
 */
export async function loseHost(site: SiteLayout, id: string): Promise<void> {
  const h = hostOf(site, id);
  run("ip", ["link", "set", h.veth, "down"]);
  const held = await killEngine(h);
  const links = held > 0 ? `; ${held} container link(s) the kernel still held deleted` : "";
  say(`lost ${id}: link ${h.veth} down, its engine and containers killed${links}`);
}

/** Brings a lost host back: its link up and its engine started; its containers restart. */
export async function restoreHost(site: SiteLayout, id: string): Promise<void> {
  const h = hostOf(site, id);
  run("ip", ["link", "set", h.veth, "up"]);
  await startEngines({ ...site, hosts: [h] });
  say(`restored ${id}: link up, engine started`);
}

/** The last octet of an address on the site's bridge that no host holds: below the hosts' (.10 on). */
export const VACANT_HOST = 9;

function vacantAddress(site: SiteLayout): string {
  return site.gateway.replace(/\.\d+$/, `.${VACANT_HOST}`);
}

/**
 * A new machine in the place of lost host `id`, as a site gets one for a host gone for good: on
 * the lost one's link and address on the bridge, with an empty engine (the lost one's data
 * removed), known by `replacement.address` (in /etc/hosts, the SSH client's config and known
 * hosts). The lost one's name still resolves, as a site's DNS keeps a dead machine's record for
 * a while, to an address on the bridge that no host holds (`VACANT_HOST`): nothing answers
 * there. (A name that no longer resolves at all would cost every lookup in a host's namespace
 * the resolver's timeouts here, about 20 s, where no DNS server is reachable; a site's DNS
 * answers at once.) Returns the site as it now is, the new machine under `replacement.id`.
 */
export async function replaceLostHost(
  site: SiteLayout,
  id: string,
  replacement: { id: string; address: string },
): Promise<SiteLayout> {
  const lost = hostOf(site, id);
  if (enginePid(lost) !== undefined) throw new Error(`${id} is not lost: its engine runs`);
  rmSync(`${lost.dataDir}/docker`, { recursive: true, force: true });
  const machine = { ...lost, ...replacement };
  const now = { ...site, hosts: site.hosts.map((h) => (h.id === id ? machine : h)) };
  writeHosts(now, [`${vacantAddress(site)} ${lost.address}`]);
  run("ip", ["link", "set", machine.veth, "up"]);
  await startEngines({ ...now, hosts: [machine] });
  await startSsh(now);
  say(`${replacement.id} (${replacement.address}) in the place of ${id}: an empty engine`);
  return now;
}

/** The rules that drop every packet of the host but those on its loopback, inside its namespace. */
const PARTITION_RULES = [
  ["INPUT", "!", "-i", "lo", "-j", "DROP"],
  ["OUTPUT", "!", "-o", "lo", "-j", "DROP"],
];

/** Cuts the host off by dropping its traffic in its own namespace; its engine and containers keep running. */
export function partitionHost(site: SiteLayout, id: string): void {
  const h = hostOf(site, id);
  for (const rule of PARTITION_RULES) inHost(h, ["iptables", "-I", ...rule]);
  say(`partitioned ${id}: its traffic dropped in its namespace`);
}

/** Ends a partition made by `partitionHost`. */
export function healHost(site: SiteLayout, id: string): void {
  const h = hostOf(site, id);
  for (const rule of PARTITION_RULES)
    while (succeeds("nsenter", inNetnsArgs(h, ["iptables", "-C", ...rule])))
      inHost(h, ["iptables", "-D", ...rule]);
  say(`healed ${id}`);
}
