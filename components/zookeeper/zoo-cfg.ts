import { PORTS } from "../core/endpoints";

/** A member of the ensemble: its `myid` and the address the others reach it at. */
export interface ZooKeeperMember {
  id: number;
  address: string;
  /** Peer and election ports of this member, when they differ from the ensemble's (several members on one machine). */
  peerPort?: number;
  electionPort?: number;
}

export interface ZooCfgOptions {
  dataDir: string;
  /** Milliseconds per tick. */
  tickTime?: number;
  /** Ticks a follower may take to connect and sync to the leader. */
  initLimit?: number;
  /** Ticks a follower may lag behind the leader. */
  syncLimit?: number;
  clientPort?: number;
  peerPort?: number;
  electionPort?: number;
  /** Address to bind the client port to; default all. */
  clientPortAddress?: string;
  /** Every client must authenticate (digest) before anything else (zookeeper-auth-plan.ts). */
  enforceAuth?: boolean;
  /**
   * The digest id (`user:base64(sha1(user:password))`, or its placeholder) of the super user, who
   * passes every ACL (zookeeper-auth-plan.ts). ZooKeeper sets a key of zoo.cfg it does not know
   * as a system property `zookeeper.<key>`, which is where it reads the super digest.
   */
  superDigest?: string;
}

/**
 * zoo.cfg of one member. Every member gets the same file (the full server list); only `myid`
 * differs. `quorumListenOnAllIPs` lets a member bind its peer ports on every interface while the
 * others reach it by name.
 */
export function renderZooCfg(members: readonly ZooKeeperMember[], opts: ZooCfgOptions): string {
  const peer = opts.peerPort ?? PORTS.zookeeperPeer;
  const election = opts.electionPort ?? PORTS.zookeeperElection;
  const lines = [
    "# ZooKeeper ensemble; generated, do not edit",
    `tickTime=${opts.tickTime ?? 2000}`,
    `initLimit=${opts.initLimit ?? 10}`,
    `syncLimit=${opts.syncLimit ?? 5}`,
    `dataDir=${opts.dataDir}`,
    `clientPort=${opts.clientPort ?? PORTS.zookeeperClient}`,
    ...(opts.clientPortAddress ? [`clientPortAddress=${opts.clientPortAddress}`] : []),
    "maxClientCnxns=200",
    "autopurge.snapRetainCount=5",
    "autopurge.purgeInterval=24",
    "quorumListenOnAllIPs=true",
    "4lw.commands.whitelist=srvr,stat,ruok,mntr,conf",
    "admin.enableServer=false",
    ...(opts.enforceAuth ? ["enforce.auth.enabled=true", "enforce.auth.schemes=digest"] : []),
    ...(opts.superDigest ? [`DigestAuthenticationProvider.superDigest=${opts.superDigest}`] : []),
  ];
  if (members.length > 1) {
    for (const m of [...members].sort((a, b) => a.id - b.id))
      lines.push(`server.${m.id}=${m.address}:${m.peerPort ?? peer}:${m.electionPort ?? election}`);
  } else {
    lines.push("standaloneEnabled=true");
  }
  return lines.join("\n") + "\n";
}

/**
 * The JVM's cache of the members' names, read with `-Djava.security.properties`. By default a
 * failed lookup is remembered for 10 s: a member that looked another up before that one existed
 * (the first deployment, where members start one after another; a host back under its name)
 * could not reach it for those 10 s, and a leader elected meanwhile gave up waiting for its
 * followers (initLimit). Measured on the local stack's first `up`: the first two members formed
 * the ensemble 11 s after the second one started, 0.8 s with this. A failed lookup is not
 * remembered; a found address for 10 s (30 by default), so a host that comes back at a new
 * address is reached again soon.
 */
export function renderJavaSecurity(): string {
  return "networkaddress.cache.ttl=10\nnetworkaddress.cache.negative.ttl=0\n";
}

/** The `myid` file of a member. */
export function renderMyId(id: number): string {
  return `${id}\n`;
}

/**
 * The ZooKeeper URL `zk://a:2181,b:2181,c:2181/<path>`, with `user:password@` before the hosts
 * when `credential` is given (Mesos, Marathon and Chronos read digest credentials there).
 */
export function zkUrl(
  members: readonly ZooKeeperMember[],
  path: string,
  clientPort: number = PORTS.zookeeperClient,
  credential?: string,
): string {
  const auth = credential === undefined ? "" : `${credential}@`;
  return `zk://${auth}${zkConnect(members, clientPort)}/${path.replace(/^\/+/, "")}`;
}

/** The plain connect string `a:2181,b:2181,c:2181`. */
export function zkConnect(
  members: readonly ZooKeeperMember[],
  clientPort: number = PORTS.zookeeperClient,
): string {
  return [...members]
    .sort((a, b) => a.id - b.id)
    .map((m) => `${m.address}:${clientPort}`)
    .join(",");
}
