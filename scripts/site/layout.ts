// Where each host of a site stack lives on this machine: its network namespace, address, Docker
// Engine and SSH daemon, and the site's registry. Pure: computed from the resolved stack.
import { PlatformSpec } from "../../components/core/platform-spec";
import { plannedContainers } from "../../components/plan";

/** One host of the site: a network namespace with its own Docker Engine and sshd. */
export interface SiteHost {
  id: string;
  /** Its DNS name (the stack's `address`), written to /etc/hosts. */
  address: string;
  /** Its address on the site's bridge. */
  ip: string;
  /** `ip netns` name. */
  netns: string;
  /** The veth end on the bridge (at most 15 characters). */
  veth: string;
  /** Persistent files: the engine's data root, the sshd host key. */
  dataDir: string;
  /** Run-time files: the engine's socket, exec root and pid file, sshd's pid file. */
  runDir: string;
  /** The host's Docker Engine, as its sshd hands it to `docker system dial-stdio`. */
  dockerSocket: string;
}

/**
 * The `nsenter` arguments that run `cmd` in the host's network namespace (not `ip netns exec`,
 * which mounts a fresh /sys and hides the cgroup mounts dockerd needs).
 */
export function inNetnsArgs(host: Pick<SiteHost, "netns">, cmd: string[]): string[] {
  return [`--net=/var/run/netns/${host.netns}`, ...cmd];
}

/** The site of one stack on this machine. */
export interface SiteLayout {
  stack: string;
  /** The bridge every host's veth joins; the machine's own address on it is `gateway`. */
  bridge: string;
  gateway: string;
  prefixLength: number;
  /**
   * The site registry: its DNS name and port (the stack's `registry` prefix), served at `gateway`;
   * the user it lets pull and push (the stack's `registryUser`), and where its password and its
   * htpasswd file are kept (`loginDir`).
   */
  registry: { name: string; port: number; dataDir: string; user: string; loginDir: string };
  hosts: SiteHost[];
  /** Every image the stack's containers use: from the machine's Docker (`source`) to the registry. */
  images: { source: string; target: string }[];
  /** The site's own files: keys, configs, data roots (`dataDir`) and run-time files (`runDir`). */
  dataDir: string;
  runDir: string;
}

export interface SiteOptions {
  /** Default /var/lib/lhcb-platform-site. */
  dataDir?: string;
  /** Default /run/lhcb-platform-site. */
  runDir?: string;
  /** The first three octets of the site's /24. Default 10.231.0. */
  subnet?: string;
}

/** The `Pulumi.<stack>.yaml` path of a layout problem. */
const where = (stack: string, path: string) => `Pulumi.${stack}.yaml: lhcb-platform:${path}`;

/** A DNS name of at least two labels (no IP: the site names its hosts as prod does). */
const dnsName =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/** The registry's name and port from the stack's `registry` prefix (`name:port[/path]`). */
function registryOf(spec: PlatformSpec, registryPrefix: string): { name: string; port: number } {
  const m = /^([a-z0-9.-]+):(\d+)(\/.*)?$/.exec(registryPrefix);
  if (!m || !dnsName.test(m[1]))
    throw new Error(
      `${where(spec.stack, "registry")}: expected the site registry as name:port (e.g. registry.site.lhcb.test:5000), got "${registryPrefix}"`,
    );
  return { name: m[1], port: Number(m[2]) };
}

/** The host's checks: a DNS name, and its engine over SSH as root at that name. */
function checkHost(spec: PlatformSpec, index: number): void {
  const h = spec.hosts[index];
  const path = `hosts[${index}]`;
  if (!dnsName.test(h.address))
    throw new Error(
      `${where(spec.stack, `${path}.address`)}: expected a DNS name, got "${h.address}"`,
    );
  const expected = `ssh://root@${h.address}`;
  if (h.docker?.host !== expected)
    throw new Error(
      `${where(spec.stack, `${path}.docker.host`)}: expected "${expected}" (the site's hosts are reached over SSH at their names), got "${h.docker?.host ?? "(none)"}"`,
    );
}

/**
 * The layout of `spec`'s hosts on this machine. `registryPrefix` is the stack's `registry`
 * setting: every image is pushed there from the machine's Docker under the name it has without it.
 */
export function siteLayout(
  spec: PlatformSpec,
  registryPrefix: string,
  opts: SiteOptions = {},
): SiteLayout {
  const dataDir = opts.dataDir ?? "/var/lib/lhcb-platform-site";
  const runDir = opts.runDir ?? "/run/lhcb-platform-site";
  const subnet = opts.subnet ?? "10.231.0";
  if (spec.local)
    throw new Error(`${where(spec.stack, "environment")}: expected cert or prod, not local`);
  if (spec.hosts.length > 200) throw new Error(`${where(spec.stack, "hosts")}: at most 200 hosts`);
  spec.hosts.forEach((_, i) => checkHost(spec, i));
  const registry = registryOf(spec, registryPrefix);
  if (spec.registryLogin === undefined)
    throw new Error(
      `${where(spec.stack, "registryUser")}: expected the user the hosts pull as: the site's registry asks for a login`,
    );
  const prefix = `${registryPrefix.replace(/\/+$/, "")}/`;
  const images = [...new Set(plannedContainers(spec).map((c) => c.container.image))].sort();
  for (const image of images)
    if (!image.startsWith(prefix))
      throw new Error(
        `${where(spec.stack, "images")}: ${image} is not under the site registry ${prefix}`,
      );
  return {
    stack: spec.stack,
    bridge: "lhcbsite0",
    gateway: `${subnet}.1`,
    prefixLength: 24,
    registry: {
      ...registry,
      dataDir: `${dataDir}/registry`,
      user: spec.registryLogin.username,
      loginDir: `${dataDir}/registry-login`,
    },
    hosts: spec.hosts.map((h, i) => ({
      id: h.id,
      address: h.address,
      ip: `${subnet}.${10 + i}`,
      netns: `lhcb-site-${h.id}`,
      veth: `lhcbs${i}`,
      dataDir: `${dataDir}/hosts/${h.id}`,
      runDir: `${runDir}/${h.id}`,
      dockerSocket: `${runDir}/${h.id}/docker.sock`,
    })),
    images: images.map((target) => ({ source: target.slice(prefix.length), target })),
    dataDir,
    runDir,
  };
}
