/**
 * How ZooKeeper's clients (Mesos, Marathon, Chronos) are pointed at it, pure: on `local` the
 * plain URL; where clients authenticate (zookeeper-auth-plan.ts), the URL with the part's digest
 * credentials, in a file of its container, the password as its secret's placeholder.
 */
import { ContainerFile } from "../core/container-spec";
import { assertSecretsGiven } from "../core/required-secrets";
import { PlatformSpec } from "../core/platform-spec";
import { zkUrl } from "./zoo-cfg";
import {
  ZOOKEEPER_CLIENT_DIR,
  ZOOKEEPER_USERS,
  zookeeperAuthEnforced,
  ZookeeperClientsSpec,
  zookeeperCredentialOf,
  ZookeeperRole,
} from "./zookeeper-auth-plan";
import { zookeeperMembers } from "./zookeeper-containers";

type ZookeeperSite = Pick<PlatformSpec, "stack" | "local" | "masters">;

/** The URL of the znode `path`, with `role`'s credentials where clients authenticate. */
export function zookeeperUrlFor(spec: ZookeeperSite, role: ZookeeperRole, path: string): string {
  const credential = zookeeperAuthEnforced(spec) ? zookeeperCredentialOf(role) : undefined;
  return zkUrl(zookeeperMembers(spec), path, undefined, credential);
}

/** A file of a part's container holding `content`, under the ZooKeeper client folder. */
export function zookeeperClientFile(name: string, content: string): ContainerFile {
  return { path: `${ZOOKEEPER_CLIENT_DIR}/${name}`, content };
}

/**
 * The value of a flag that takes a ZooKeeper URL and reads `file://` (Mesos's `--zk` and
 * `--master`), and the file it names where clients authenticate: the URL itself otherwise.
 */
export function zookeeperUrlFlag(
  spec: ZookeeperSite,
  role: ZookeeperRole,
  path: string,
): { value: string; files: ContainerFile[] } {
  const url = zookeeperUrlFor(spec, role, path);
  if (!zookeeperAuthEnforced(spec)) return { value: url, files: [] };
  const file = zookeeperClientFile(`${path.replace(/^\/+/, "")}-url`, url);
  return { value: `file://${file.path}`, files: [file] };
}

/**
 * A component of ZooKeeper's clients given alone (`MesosCluster`, `Marathon`, `Chronos`) checks,
 * before it declares anything, that it has the passwords of its roles (role → the path in its
 * arguments) where ZooKeeper asks for them.
 */
export function assertZookeeperPasswords(
  args: string,
  spec: Pick<PlatformSpec, "local" | "environment"> & ZookeeperClientsSpec,
  given: Partial<Record<ZookeeperRole, unknown>>,
  roles: Partial<Record<ZookeeperRole, string>>,
): void {
  if (!zookeeperAuthEnforced(spec) || !spec.features.mesos) return;
  assertSecretsGiven(
    args,
    `ZooKeeper asks for credentials on ${spec.environment}`,
    Object.entries(roles).map(([role, path]) => ({
      path: path!,
      given: given[role as ZookeeperRole],
      what: `the ZooKeeper password of ${ZOOKEEPER_USERS[role as ZookeeperRole]} (a secret: ZooKeeperEnsemble's passwords.${role})`,
    })),
  );
}
