import * as pulumi from "@pulumi/pulumi";
import { BatchedComponent } from "../core/declare-in-batches";
import { PlatformSpec } from "../core/platform-spec";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { agentsPlan } from "../plan";

export interface ScheduledAgentsArgs {
  /** The resolved platform: its `pulumi`-mode agents, placed on slave hosts. */
  spec: PlatformSpec;
  inventory: HostInventory;
  /** The Consul agents the lock goes through must exist first. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Further resources per host id that a container placed there waits for (its host's Consul agent). */
  dependsOnHost?: (hostId: string) => pulumi.Resource[];
}

/**
 * The `pulumi`-mode scheduled agents: one container per placed host, runs guarded by a Consul lock.
 * The containers are declared a few agents per turn of the event loop (`BatchedComponent`).
 */
export class ScheduledAgents extends BatchedComponent {
  /** Containers by `<agent key>/<host id>` (complete once `declared` has settled). */
  public readonly containers: Record<string, ContainerResource>;

  constructor(name: string, args: ScheduledAgentsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:agents:ScheduledAgents", name, {}, opts);
    this.containers = {};
    // Each container's spec is computed (and a bad spec throws) before anything is declared.
    const planned = agentsPlan(args.spec);
    this.declareChildren(planned, ({ agent, hostId, container }) => {
      this.containers[`${agent.key}/${hostId}`] = declareContainer(
        this,
        args.inventory,
        hostId,
        `${name}-${agent.key}-${hostId}`,
        container,
        {
          dependsOn: [...(args.dependsOn ?? []), ...(args.dependsOnHost?.(hostId) ?? [])],
        },
      ).container;
    });
    this.registerOutputs({});
  }
}
