/**
 * Who may do what in ZooKeeper on cert and prod, pure. Every client must authenticate
 * (`enforce.auth.enabled`, the `digest` scheme), and each part of the platform has its own digest
 * user, whose password is made at `up` (ZooKeeperEnsemble). Digest authentication accepts any
 * user and password: what protects the data is the ACL of each znode, which names the users by
 * the hash of their password. A deploy-time step (zookeeper-acl-program.ts) makes the parts'
 * top znodes and sets these ACLs on them and everything below, before any part starts:
 * - `/`: anyone reads, only `platform-admin` makes znodes;
 * - `/mesos` (the masters' election and replicated log): anyone reads, as Mesos itself sets it
 *   with credentials, so agents and frameworks find the leader; only `mesos-master` writes;
 * - `/marathon`, `/chronos` (the frameworks' state): their own user only.
 * Mesos and Marathon give the znodes they make their user's ACL (with anyone reading Mesos's).
 * Chronos 3.0.2 does not: Curator makes its state and leader-election folders (and `--zk_path`) open to anyone
 * authenticated, so the step makes those first, closed; what Chronos makes in them later
 * (its leader's entry, open; its jobs, Mesos's ACL) keeps Chronos' ACL until the next `up` that
 * runs the step. A part's password reaches it in a file, never in its environment.
 *
 * `platform-admin` is ZooKeeper's super user (`DigestAuthenticationProvider.superDigest` in every
 * member's zoo.cfg): it passes every ACL. The step authenticates as it alone, so it sets any ACL
 * whatever the digests the znodes name: a part's password is rotated by setting its new digest,
 * and the admin's by restarting the members with its new super digest first.
 */
import { createHash } from "node:crypto";
import { secretPlaceholder } from "../core/container-spec";
import { PlatformSpec, ResolvedFeatures } from "../core/platform-spec";

/** What decides which parts use ZooKeeper: whether Mesos's side runs. */
export type ZookeeperClientsSpec = { features: Pick<ResolvedFeatures, "mesos"> };

/** The parts that use ZooKeeper, each with its digest user. */
export type ZookeeperRole = "admin" | "mesosMaster" | "mesosAgent" | "marathon" | "chronos";

/** The digest user of each role. */
export const ZOOKEEPER_USERS: Record<ZookeeperRole, string> = {
  admin: "platform-admin",
  mesosMaster: "mesos-master",
  mesosAgent: "mesos-agent",
  marathon: "marathon",
  chronos: "chronos",
};

/**
 * The digest id ZooKeeper gives `user` authenticated with `password`, as its ACLs and its super
 * digest name it: `user:base64(sha1("user:password"))`.
 */
export function zookeeperDigestId(user: string, password: string): string {
  return `${user}:${createHash("sha1").update(`${user}:${password}`).digest("base64")}`;
}

/** The znode each part keeps its state under. */
export const ZNODE_ROOTS = { mesos: "/mesos", marathon: "/marathon", chronos: "/chronos" } as const;

/**
 * Chronos' default `--zk_path`, below its root, and the two folders Chronos 3.0.2 makes in it:
 * its state (`<zk_path>/state`) and its leader election (`<zk_path>/candidate`).
 */
export const CHRONOS_ZK_PATH = `${ZNODE_ROOTS.chronos}/state`;
export const CHRONOS_FOLDERS = [`${CHRONOS_ZK_PATH}/state`, `${CHRONOS_ZK_PATH}/candidate`];

/** Where a part finds its ZooKeeper URLs and credentials, in files of its container. */
export const ZOOKEEPER_CLIENT_DIR = "/etc/platform/zookeeper";

/** Every stack but `local` asks its clients to authenticate. */
export function zookeeperAuthEnforced(spec: Pick<PlatformSpec, "local">): boolean {
  return !spec.local;
}

/** The roles of the site's parts: the library's own, and Mesos's side where it runs. */
export function zookeeperRoles(spec: ZookeeperClientsSpec): ZookeeperRole[] {
  return spec.features.mesos
    ? ["admin", "mesosMaster", "mesosAgent", "marathon", "chronos"]
    : ["admin"];
}

/** One entry of an ACL: `anyone`, or a digest user, with ZooKeeper's permission letters. */
export interface ZnodeAclEntry {
  who: "anyone" | string;
  perms: string;
}

/**
 * A znode the deploy-time step makes when missing, and the ACL it sets on it (and below it, with
 * `subtree`); `make`: znodes below it made too, in order, where missing.
 */
export interface ZnodeTree {
  path: string;
  acl: ZnodeAclEntry[];
  subtree: boolean;
  make?: string[];
}

const ALL = "cdrwa";

/** The znodes and ACLs of the site, root first (its ACL lets only the admin make the others). */
export function zookeeperAclTrees(spec: ZookeeperClientsSpec): ZnodeTree[] {
  const u = ZOOKEEPER_USERS;
  const root: ZnodeTree = {
    path: "/",
    acl: [
      { who: "anyone", perms: "r" },
      { who: u.admin, perms: ALL },
    ],
    subtree: false,
  };
  if (!spec.features.mesos) return [root];
  return [
    root,
    {
      path: ZNODE_ROOTS.mesos,
      acl: [
        { who: "anyone", perms: "r" },
        { who: u.mesosMaster, perms: ALL },
      ],
      subtree: true,
    },
    { path: ZNODE_ROOTS.marathon, acl: [{ who: u.marathon, perms: ALL }], subtree: true },
    {
      path: ZNODE_ROOTS.chronos,
      acl: [{ who: u.chronos, perms: ALL }],
      subtree: true,
      make: [CHRONOS_ZK_PATH, ...CHRONOS_FOLDERS],
    },
  ];
}

/** `user:password` of `role`, the password as its secret's placeholder (the container's own). */
export function zookeeperCredentialOf(role: ZookeeperRole): string {
  return `${ZOOKEEPER_USERS[role]}:${secretPlaceholder("zookeeperPassword")}`;
}
