// A stranger on the site's network: a namespace of its own on the site's bridge, none of the
// stack's hosts, from which the tests try what anyone who reaches a host could try. `npm run site
// -- down` removes it with the site's other namespaces (every `lhcb-site-` one).
import { execFileSync } from "node:child_process";
import { SiteLayout } from "../../scripts/site/layout";

export interface Stranger {
  netns: string;
  ip: string;
}

/** Joins a stranger to `site`'s bridge at the subnet's address .250 (again if it is there). */
export function addStranger(site: SiteLayout): Stranger {
  const stranger = { netns: "lhcb-site-stranger", ip: site.gateway.replace(/\.1$/, ".250") };
  const ip = (...args: string[]) => execFileSync("ip", args, { encoding: "utf8" });
  removeStranger(stranger);
  ip("netns", "add", stranger.netns);
  ip("link", "add", "lhcbstrgr", "type", "veth", "peer", "name", "eth0", "netns", stranger.netns);
  ip("link", "set", "lhcbstrgr", "master", site.bridge);
  ip("link", "set", "lhcbstrgr", "up");
  ip("-n", stranger.netns, "link", "set", "lo", "up");
  // No duplicate address detection: its IPv6 link-local address is usable at once, not
  // "tentative" (EADDRNOTAVAIL) for its first seconds.
  execFileSync("nsenter", [
    `--net=/var/run/netns/${stranger.netns}`,
    "sysctl",
    "-qw",
    "net.ipv6.conf.eth0.accept_dad=0",
  ]);
  ip("-n", stranger.netns, "addr", "add", `${stranger.ip}/${site.prefixLength}`, "dev", "eth0");
  ip("-n", stranger.netns, "link", "set", "eth0", "up");
  return stranger;
}

/** Removes the stranger's namespace (its veth goes with it), if there is one. */
export function removeStranger(stranger: Pick<Stranger, "netns">): void {
  try {
    execFileSync("ip", ["netns", "delete", stranger.netns], { stdio: "ignore" });
  } catch {
    // none to remove
  }
}

/** What a TCP connection to a port gives: a connection, a refusal (a reset), or nothing at all. */
export type TcpOutcome = "open" | "refused" | "timeout";

const CONNECT = `
const [host, port, scope] = process.argv.slice(1);
const s = require("node:net").connect({ host: scope ? host + "%" + scope : host, port: Number(port) });
s.setTimeout(2000, () => { console.log("timeout"); process.exit(0); });
s.on("connect", () => { console.log("open"); process.exit(0); });
s.on("error", (e) => { console.log(e.code === "ECONNREFUSED" || e.code === "ECONNRESET" ? "refused" : e.code); process.exit(0); });
`;

/**
 * Opens a TCP connection to `address`:`port` from network namespace `netns` (the machine's own
 * where undefined); `scope` names the interface of an IPv6 link-local address.
 */
export function tcpFrom(
  netns: string | undefined,
  address: string,
  port: number,
  scope?: string,
): TcpOutcome {
  const node = [process.execPath, "-e", CONNECT, address, String(port), ...(scope ? [scope] : [])];
  const [cmd, args] =
    netns === undefined
      ? [node[0], node.slice(1)]
      : ["nsenter", [`--net=/var/run/netns/${netns}`, ...node]];
  return execFileSync(cmd, args, { encoding: "utf8", timeout: 10_000 }).trim() as TcpOutcome;
}

/** The IPv6 link-local address of `netns`'s eth0. */
export function linkLocalOf(netns: string): string {
  const out = execFileSync("ip", ["-n", netns, "-6", "-o", "addr", "show", "dev", "eth0"], {
    encoding: "utf8",
  });
  const m = /inet6 (fe80::[0-9a-f:]+)\/64/.exec(out);
  if (!m) throw new Error(`${netns}: no IPv6 link-local address on eth0:\n${out}`);
  return m[1];
}
