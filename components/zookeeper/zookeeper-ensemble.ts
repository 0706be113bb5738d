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

export interface ZooKeeperEnsembleArgs {
  /**
   * The site (`resolvePlatform`, `quorumSpec`): one member runs on each master host, an odd number
   * of them (at least 3 but on the local stack).
   */
  spec: QuorumSiteSpec;
  /** Where the members are placed. */
  inventory: HostInventory;
}

/**
 * The ZooKeeper ensemble of the master quorum: one member per master, each with its `myid`. The
 * members follow one another (container, then its readiness: back in the ensemble; then the next),
 * so a change that replaces them all never has two away at once; replacing the leader still costs
 * an election (ZooKeeper cannot hand its leadership over).
 */
export class ZooKeeperEnsemble extends pulumi.ComponentResource {
  /** Member container per master host id. */
  public readonly members: Record<string, ContainerResource>;
  /** Per master host id: created once that member serves in the ensemble. */
  public readonly ready: Record<string, LocalCommand>;
  /** `host:2181,...` for clients. */
  public readonly connectString: string;

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
    let previous: LocalCommand | undefined;
    const byId = new Map(args.spec.hosts.map((h) => [h.id, h]));
    for (const { hostId, container: member } of zookeeperPlan(args.spec)) {
      const key = `${name}-${hostId}`;
      const container = declareContainer(this, args.inventory, hostId, key, member, {
        dependsOn: previous ? [previous] : [],
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
    this.registerOutputs({ connectString: this.connectString });
  }
}
