import * as pulumi from "@pulumi/pulumi";
import { PlatformSpec } from "../core/platform-spec";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { zkConnect } from "./zoo-cfg";
import { zookeeperContainer, zookeeperMembers } from "./zookeeper-containers";

export interface ZooKeeperEnsembleArgs {
  /** The resolved platform; one member runs on each master host. */
  spec: PlatformSpec;
  /** Where the members are placed. */
  hosts: HostInventory;
}

/** The ZooKeeper ensemble of the master quorum: one member per master, each with its `myid`. */
export class ZooKeeperEnsemble extends pulumi.ComponentResource {
  /** Member container per master host id. */
  public readonly members: Record<string, ContainerResource>;
  /** `host:2181,...` for clients. */
  public readonly connectString: string;

  constructor(name: string, args: ZooKeeperEnsembleArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:zookeeper:ZooKeeperEnsemble", name, {}, opts);
    this.members = {};
    for (const host of args.spec.masters) {
      this.members[host.id] = declareContainer(this, args.hosts, host.id, `${name}-${host.id}`, zookeeperContainer(args.spec, host)).container;
    }
    this.connectString = zkConnect(zookeeperMembers(args.spec));
    this.registerOutputs({ connectString: this.connectString });
  }
}
