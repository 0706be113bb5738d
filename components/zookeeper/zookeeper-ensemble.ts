import * as pulumi from "@pulumi/pulumi";
import { QuorumSiteSpec } from "../core/platform-spec";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { zkConnect } from "./zoo-cfg";
import { quorumMemberReady } from "../hosts/quorum-member";
import { LocalCommand } from "../core/local-command";
import { zookeeperMembers, zookeeperMemberTarget } from "./zookeeper-containers";
import { zookeeperPlan } from "../plan";
import { assertQuorum } from "../core/quorum";
import { generatedSecret, PASSWORD_COMMAND } from "../core/generated-secret";
import { PORTS } from "../core/endpoints";
import {
  ZOOKEEPER_USERS,
  zookeeperAclTrees,
  zookeeperAuthEnforced,
  zookeeperDigestId,
  ZookeeperClientsSpec,
  ZookeeperRole,
  zookeeperRoles,
} from "./zookeeper-auth-plan";
import { ZOOKEEPER_ACL_COMMAND, zookeeperAclEnvironment } from "./zookeeper-acl-program";
import {
  plannedZooKeeperMembers,
  ZOOKEEPER_IDS_GUARD_COMMAND,
  zookeeperIdsGuardEnvironment,
} from "./zookeeper-ids-guard";

/** What the ensemble reads of the site: the quorum, and whether Mesos's side uses it. */
export type ZooKeeperSiteSpec = QuorumSiteSpec & ZookeeperClientsSpec;

export interface ZooKeeperEnsembleArgs {
  /**
   * The site (`resolvePlatform`, `quorumSpec`): one member runs on each master host, an odd number
   * of them (at least 3 but on the local stack).
   */
  spec: ZooKeeperSiteSpec;
  /** Where the members are placed. */
  inventory: HostInventory;
}

/**
 * The ZooKeeper ensemble of the master quorum: one member per master, each with its `myid`
 * (core/zookeeper-ids.ts), which a step before the first member keeps from changing under the
 * running ensemble (zookeeper-ids-guard.ts). The members follow one another (container, then its
 * readiness: back in the ensemble; then the next), so a change that replaces them all never has
 * two away at once; replacing the leader still costs an election (ZooKeeper cannot hand its
 * leadership over). Where clients must authenticate (zookeeper-auth-plan.ts), each part's
 * password is made at the first `up`, and a last step sets the ACLs once the ensemble serves.
 */
export class ZooKeeperEnsemble extends pulumi.ComponentResource {
  /** Member container per master host id. */
  public readonly members: Record<string, ContainerResource>;
  /** Per master host id: created once that member serves in the ensemble. */
  public readonly ready: Record<string, LocalCommand>;
  /** `host:2181,...` for clients. */
  public readonly connectString: string;
  /** Where clients authenticate: each part's digest password (secrets). */
  public readonly passwords?: Partial<Record<ZookeeperRole, pulumi.Output<string>>>;
  /** Where clients authenticate: the step that set the ACLs, after the last member. */
  public readonly acl?: LocalCommand;
  /** The step before the first member: no running member's id changes (zookeeper-ids-guard.ts). */
  public readonly idsGuard: LocalCommand;
  /** What a client waits for: the members, and the ACLs where they are set. */
  public readonly forClients: pulumi.Resource[];

  constructor(
    name: string,
    args: ZooKeeperEnsembleArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    // Its own safety check, before anything is declared: the masters hold a quorum.
    assertQuorum("ZooKeeperEnsemble", args.spec);
    super("lhcb-platform:zookeeper:ZooKeeperEnsemble", name, {}, opts);
    this.members = {};
    this.ready = {};
    if (zookeeperAuthEnforced(args.spec))
      this.passwords = zookeeperPasswords(this, name, zookeeperRoles(args.spec));
    // The members' zoo.cfg names the admin as the super user, by its digest.
    const admin = this.passwords?.admin;
    const secrets = admin && {
      zookeeperSuperDigest: admin.apply((p) => zookeeperDigestId(ZOOKEEPER_USERS.admin, p)),
    };
    this.idsGuard = this.declareIdsGuard(name, args.spec);
    let previous: LocalCommand = this.idsGuard;
    const byId = new Map(args.spec.hosts.map((h) => [h.id, h]));
    for (const { hostId, container: member } of zookeeperPlan(args.spec)) {
      const key = `${name}-${hostId}`;
      const container = declareContainer(this, args.inventory, hostId, key, member, {
        dependsOn: [previous],
        secrets,
      }).container;
      previous = quorumMemberReady(
        this,
        key,
        container,
        zookeeperMemberTarget(args.spec, byId.get(hostId)!),
      );
      this.members[hostId] = container;
      this.ready[hostId] = previous;
    }
    this.connectString = zkConnect(zookeeperMembers(args.spec));
    if (this.passwords) this.acl = this.declareAcl(name, args.spec, previous);
    this.forClients = [...Object.values(this.members), ...(this.acl ? [this.acl] : [])];
    this.registerOutputs({ connectString: this.connectString });
  }

  /**
   * The step that stops the `up` before any member changes where a running member's id would
   * change (zookeeper-ids-guard.ts). Run again whenever the planned list changes.
   */
  private declareIdsGuard(name: string, spec: ZooKeeperSiteSpec): LocalCommand {
    const planned = plannedZooKeeperMembers(spec);
    return new LocalCommand(
      `${name}-ids`,
      {
        create: ZOOKEEPER_IDS_GUARD_COMMAND,
        environment: zookeeperIdsGuardEnvironment(planned, spec.local),
        triggers: [JSON.stringify(planned)],
      },
      { parent: this },
    );
  }

  /**
   * The step that makes the parts' znodes and sets their ACLs (zookeeper-acl-program.ts), after
   * the last member serves, and again whenever a member is replaced.
   */
  private declareAcl(name: string, spec: ZooKeeperSiteSpec, lastReady: LocalCommand): LocalCommand {
    const members = zookeeperMembers(spec).map((m) => `${m.address}:${PORTS.zookeeperClient}`);
    const byUser = Object.entries(this.passwords!).map(([role, password]) =>
      password!.apply((p) => [ZOOKEEPER_USERS[role as ZookeeperRole], p] as const),
    );
    const environment = pulumi
      .all(byUser)
      .apply((pairs) =>
        zookeeperAclEnvironment(
          `the ACLs of ZooKeeper at ${members.join(",")}`,
          members,
          zookeeperAclTrees(spec),
          Object.fromEntries(pairs),
        ),
      );
    return new LocalCommand(
      `${name}-acl`,
      {
        create: ZOOKEEPER_ACL_COMMAND,
        environment: pulumi.secret(environment),
        triggers: Object.values(this.members).map((m) => m.id),
      },
      { parent: this, dependsOn: [lastReady] },
    );
  }
}

/** A digest password per role, each made at the first `up` and kept in the stack as a secret. */
function zookeeperPasswords(
  parent: pulumi.Resource,
  name: string,
  roles: readonly ZookeeperRole[],
): Partial<Record<ZookeeperRole, pulumi.Output<string>>> {
  return Object.fromEntries(
    roles.map((role) => [
      role,
      generatedSecret(parent, `${name}-password-${ZOOKEEPER_USERS[role]}`, PASSWORD_COMMAND),
    ]),
  );
}
