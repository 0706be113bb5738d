import * as pulumi from "@pulumi/pulumi";
import { LocalCommand } from "../core/local-command";
import { GATE_COMMAND } from "../haproxy/balancer-gate";
import { portGuardsPlan } from "../plan";
import { containerReadiness } from "./container-readiness";
import { ContainerResource, declarePlanned, keptLike } from "./declare-container";
import { HostInventory } from "./host-inventory";
import { guardReadyEnvironment, guardRetireEnvironment, PortGuardSpec } from "./port-guard";

export interface PortGuardsArgs {
  /** What it reads of the site (`resolvePlatform`, `platformFromValues`; a `PlatformSpec` is one): a guard runs on each slave where instances or Mesos's tasks publish ports. Nothing is declared on the local stack. */
  spec: PortGuardSpec;
  inventory: HostInventory;
}

/**
 * The ports the instances publish on each slave, closed to every source but the platform's
 * masters, its balancers and the stack's `adminNetworks`: a guard container per slave keeps an
 * iptables chain that Docker's `DOCKER-USER` and the host's `INPUT` jump to first
 * (images/port-guard/platform-port-guard). What publishes ports on a slave waits until its guard
 * has closed them (`ready`). When the stack is destroyed, or a slave taken out of it, each guard
 * removes its chain once nothing of the stack publishes a port there any more (`retire`).
 */
export class PortGuards extends pulumi.ComponentResource {
  /** The guard container by slave host id. */
  public readonly guards: Record<string, ContainerResource>;
  /**
   * By slave host id, the step created once that host's guard has closed its ports (its chain
   * refuses every port, its jumps in place), asked in the guard's container through the host's
   * Engine; made anew with the container.
   */
  public readonly ready: Record<string, LocalCommand>;
  /**
   * By slave host id, the step whose deletion retires that host's guard: it has the guard remove
   * its chain and jumps (`platform-port-guard retire`, through the host's Engine). Deleted after
   * everything that waits on `ready` and before the guard's container. It has no create command,
   * and no input that replaces it: only the stack's destruction or the host's removal deletes it.
   */
  public readonly retire: Record<string, LocalCommand>;

  constructor(name: string, args: PortGuardsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const planned = portGuardsPlan(args.spec);
    super("lhcb-platform:hosts:PortGuards", name, {}, opts);
    const { inventory } = args;
    this.guards = declarePlanned(this, inventory, `${name}-`, planned);
    const byId = new Map(args.spec.slaves.map((h) => [h.id, h]));
    const steps = Object.keys(this.guards).map((hostId) => {
      const host = byId.get(hostId)!;
      const engine = inventory.engineEndpoint(hostId);
      const guard = this.guards[hostId];
      const retire = new LocalCommand(
        `${name}-${hostId}-retire`,
        { delete: GATE_COMMAND, environment: guardRetireEnvironment(args.spec, host, engine) },
        {
          ...keptLike(guard),
          parent: this,
          dependsOn: [guard],
        },
      );
      const ready = containerReadiness(this, `${name}-${hostId}-ready`, guard, {
        create: GATE_COMMAND,
        environment: guardReadyEnvironment(args.spec, host, engine),
        dependsOn: [retire],
      });
      return { hostId, retire, ready };
    });
    this.retire = Object.fromEntries(steps.map((s) => [s.hostId, s.retire]));
    this.ready = Object.fromEntries(steps.map((s) => [s.hostId, s.ready]));
    this.registerOutputs({});
  }
}
