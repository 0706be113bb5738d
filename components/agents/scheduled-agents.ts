import * as pulumi from "@pulumi/pulumi";
import { PlatformSpec } from "../core/platform-spec";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { agentContainer } from "./agent-containers";

export interface ScheduledAgentsArgs {
  /** The resolved platform: its `pulumi`-mode agents, placed on slave hosts. */
  spec: PlatformSpec;
  hosts: HostInventory;
  /** The Consul agents the lock goes through must exist first. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Further resources per host id that a container placed there waits for (its host's Consul agent). */
  dependsOnHost?: (hostId: string) => pulumi.Resource[];
}

/** The `pulumi`-mode scheduled agents: one container per placed host, runs guarded by a Consul lock. */
export class ScheduledAgents extends pulumi.ComponentResource {
  /** Containers by `<agent key>/<host id>`. */
  public readonly containers: Record<string, ContainerResource>;

  constructor(name: string, args: ScheduledAgentsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:agents:ScheduledAgents", name, {}, opts);
    this.containers = {};
    const byId = new Map(args.spec.hosts.map((h) => [h.id, h]));
    for (const agent of args.spec.agents.filter((a) => a.mode === "pulumi")) {
      for (const hostId of agent.hosts) {
        this.containers[`${agent.key}/${hostId}`] = declareContainer(
          this,
          args.hosts,
          hostId,
          `${name}-${agent.key}-${hostId}`,
          agentContainer(args.spec, agent, byId.get(hostId)!),
          { dependsOn: [...(args.dependsOn ?? []), ...(args.dependsOnHost?.(hostId) ?? [])] },
        ).container;
      }
    }
    this.registerOutputs({});
  }
}
