import * as pulumi from "@pulumi/pulumi";
import { portGuardsPlan } from "../plan";
import { ContainerResource, declarePlanned } from "./declare-container";
import { HostInventory } from "./host-inventory";
import { PortGuardSpec } from "./port-guard";

export interface PortGuardsArgs {
  /** What it reads of the site (`resolvePlatform`, `platformFromValues`; a `PlatformSpec` is one): a guard runs on each slave where instances or Mesos's tasks publish ports. Nothing is declared on the local stack. */
  spec: PortGuardSpec;
  inventory: HostInventory;
}

/**
 * The ports the instances publish on each slave, closed to every source but the platform's
 * masters, its balancers and the stack's `adminNetworks`: a guard container per slave keeps an
 * iptables chain that Docker's `DOCKER-USER` and the host's `INPUT` jump to first
 * (images/port-guard/platform-port-guard). What runs on a slave waits for its guard.
 */
export class PortGuards extends pulumi.ComponentResource {
  /** The guard container by slave host id. */
  public readonly guards: Record<string, ContainerResource>;

  constructor(name: string, args: PortGuardsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const planned = portGuardsPlan(args.spec);
    super("lhcb-platform:hosts:PortGuards", name, {}, opts);
    this.guards = declarePlanned(this, args.inventory, `${name}-`, planned);
    this.registerOutputs({});
  }

  /** The guard of `hostId`, as a list for `dependsOn` (empty where the host has none). */
  public on(hostId: string): pulumi.Resource[] {
    const guard = this.guards[hostId];
    return guard === undefined ? [] : [guard];
  }
}
