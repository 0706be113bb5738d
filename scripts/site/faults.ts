// A host lost and back, as at a real site: its network cut (the veth on the bridge down, so its
// packets are dropped, not refused), its engine and every container killed; back: the link up and
// its engine started, which restarts its containers (`restart: always`) without a `pulumi up`.
import { inHost, killEngine, startEngines } from "./engines";
import { inNetnsArgs, SiteHost, SiteLayout } from "./layout";
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
