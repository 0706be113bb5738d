// The site's network: a bridge on this machine, and per host a network namespace joined to it by a
// veth pair, with its address and a route to the machine (where the registry listens).
import { SiteLayout } from "./layout";
import { run, say, succeeds } from "./system";

/** The comment on the site's own firewall rule, so that `down` removes that rule only. */
export const RULE_COMMENT = "lhcb-platform-site";

/** The FORWARD rule that lets the hosts talk to each other across the bridge. */
const forwardRule = (site: SiteLayout) => [
  "FORWARD",
  "-i",
  site.bridge,
  "-o",
  site.bridge,
  "-m",
  "comment",
  "--comment",
  RULE_COMMENT,
  "-j",
  "ACCEPT",
];

/** Creates whatever of the site's network is missing. */
export function createNetwork(site: SiteLayout): void {
  if (!succeeds("ip", ["link", "show", site.bridge])) {
    run("ip", ["link", "add", site.bridge, "type", "bridge"]);
    run("ip", ["addr", "add", `${site.gateway}/${site.prefixLength}`, "dev", site.bridge]);
  }
  run("ip", ["link", "set", site.bridge, "up"]);
  // Bridged traffic passes the machine's FORWARD chain once br_netfilter is loaded (Docker loads
  // it), whose policy Docker sets to DROP: the hosts' traffic to each other is let through.
  if (!succeeds("iptables", ["-C", ...forwardRule(site)]))
    run("iptables", ["-I", ...forwardRule(site)]);
  for (const h of site.hosts) {
    if (!succeeds("ip", ["netns", "pids", h.netns])) run("ip", ["netns", "add", h.netns]);
    if (!succeeds("ip", ["link", "show", h.veth])) {
      run("ip", ["link", "add", h.veth, "type", "veth", "peer", "name", "eth0", "netns", h.netns]);
      run("ip", ["link", "set", h.veth, "master", site.bridge]);
    }
    run("ip", ["link", "set", h.veth, "up"]);
    const inside = (...args: string[]) => run("ip", ["-n", h.netns, ...args]);
    inside("link", "set", "lo", "up");
    inside("addr", "replace", `${h.ip}/${site.prefixLength}`, "dev", "eth0");
    inside("link", "set", "eth0", "up");
    inside("route", "replace", "default", "via", site.gateway);
  }
  say(
    `network: bridge ${site.bridge} ${site.gateway}/${site.prefixLength}, ${site.hosts.length} namespaces`,
  );
}

/**
 * Deletes a link if it is there. A namespace's deletion takes its veth pairs with it a moment
 * later, so a link seen a moment ago may be gone when it is deleted: only one still there after a
 * failed delete is an error (reported by the second attempt).
 */
function removeLink(name: string): void {
  if (!succeeds("ip", ["link", "delete", name]) && succeeds("ip", ["link", "show", name]))
    run("ip", ["link", "delete", name]);
}

/** Removes the site's network, and any leftover of a run that was killed. */
export function removeNetwork(site: SiteLayout): void {
  const namespaces = run("ip", ["netns", "list"])
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter((n) => n.startsWith("lhcb-site-"));
  for (const ns of namespaces) run("ip", ["netns", "delete", ns]);
  for (const h of site.hosts) removeLink(h.veth);
  removeLink(site.bridge);
  while (succeeds("iptables", ["-C", ...forwardRule(site)]))
    run("iptables", ["-D", ...forwardRule(site)]);
}
