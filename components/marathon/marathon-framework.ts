import { apiMaster } from "../core/quorum";
import * as pulumi from "@pulumi/pulumi";
import { MesosSpec } from "../core/platform-spec";
import { ContainerResource, declarePlanned } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { marathonUrl } from "./marathon-containers";
import { mesosPlan } from "../plan";
import { MesosSecrets } from "../mesos/mesos-auth-plan";
import { frameworkSecrets } from "../mesos/mesos-secrets";

export interface MarathonArgs {
  /** What it reads of the site (`resolvePlatform`, `platformFromValues`; a `PlatformSpec` is one): Marathon runs on each master host. Nothing is declared when `spec.features.mesos` is off. */
  spec: MesosSpec;
  inventory: HostInventory;
  /** What must exist first: the Mesos masters (and ZooKeeper). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Marathon's ZooKeeper password (a secret; `ZooKeeperEnsemble.passwords`) where ZooKeeper asks for one. */
  zookeeperPassword?: pulumi.Input<string>;
  /** The secrets of the operator's and Marathon's Mesos principals (`mesosSecrets`), where Mesos asks for credentials. */
  mesosSecrets?: MesosSecrets<pulumi.Input<string>>;
}

/** The Marathon framework: one instance per master, leader elected through ZooKeeper. */
export class Marathon extends pulumi.ComponentResource {
  /** Marathon container per master host id. */
  public readonly containers: Record<string, ContainerResource>;
  /** REST API of the first master's Marathon (it proxies to the leader); empty when Mesos is off. */
  public readonly url: string;

  constructor(name: string, args: MarathonArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Checked before anything is declared.
    const secrets = frameworkSecrets("MarathonArgs", args, "marathon");
    super("lhcb-platform:marathon:Marathon", name, {}, opts);
    const { spec, inventory } = args;
    const planned = mesosPlan.marathon(spec);
    this.containers = declarePlanned(this, inventory, `${name}-`, planned, args.dependsOn, secrets);
    this.url = planned.length > 0 ? marathonUrl(spec, apiMaster(spec)) : "";
    this.registerOutputs({ url: this.url });
  }
}
