import * as pulumi from "@pulumi/pulumi";
import { MesosSpec } from "../core/platform-spec";
import { ContainerResource, declarePlanned } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { mesosPlan } from "../plan";

export interface HostWhitelistArgs {
  /** What it reads of the site (`resolvePlatform`, `platformFromValues`; a `PlatformSpec` is one): a renderer runs beside each Mesos master. Nothing is declared when `spec.features.mesos` is off. */
  spec: MesosSpec;
  inventory: HostInventory;
  /** What must exist first: the Consul servers it reads (the file is picked up by the masters whenever it appears). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** The `catalog-read` token the renderers read Consul with (a secret), where Consul's ACLs are on (`aclEnforced`). */
  consulToken?: pulumi.Input<string>;
  /** The CA certificate (PEM) the renderers check Consul's HTTPS API against, where Consul's TLS is on (`tlsEnforced`). */
  consulCaCert?: pulumi.Input<string>;
}

/** The Mesos whitelist of healthy slaves: consul-template on each master, rendering from Consul health. */
export class HostWhitelist extends pulumi.ComponentResource {
  /** Renderer container per master host id. */
  public readonly renderers: Record<string, ContainerResource>;

  constructor(name: string, args: HostWhitelistArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const planned = mesosPlan.whitelists(args.spec);
    super("lhcb-platform:whitelist:HostWhitelist", name, {}, opts);
    this.renderers = declarePlanned(this, args.inventory, `${name}-`, planned, args.dependsOn, {
      consulToken: args.consulToken,
      consulCaCert: args.consulCaCert,
    });
    this.registerOutputs({});
  }
}
