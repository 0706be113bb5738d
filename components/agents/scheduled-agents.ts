import * as pulumi from "@pulumi/pulumi";
import { BatchedComponent, keysByHost } from "../core/declare-in-batches";
import { ConsulAccess } from "../consul/consul-access";
import { AgentsSpec } from "../core/platform-spec";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { agentsPlan } from "../plan";

export interface ScheduledAgentsArgs {
  /** The site (`resolvePlatform`, `platformFromValues`): its `pulumi`-mode agents, placed on slave hosts. */
  spec: AgentsSpec;
  inventory: HostInventory;
  /**
   * The Consul the agents' lock goes through: a container waits for what `readyOn` its host names
   * (the servers and the host's agent). Absent: it waits for nothing.
   */
  consul?: ConsulAccess;
  /** Further resources every container waits for. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The `pulumi`-mode scheduled agents: one container per placed host, runs guarded by a Consul lock.
 * The containers are declared a few agents per turn of the event loop (`BatchedComponent`).
 */
export class ScheduledAgents extends BatchedComponent {
  /** Containers by `<agent key>/<host id>`. */
  public get containers(): Record<string, ContainerResource> {
    this.completeNow();
    return this.agentContainers;
  }
  private readonly agentContainers: Record<string, ContainerResource> = {};
  private readonly keysOnHost: Map<string, string[]>;

  /** The agent containers on `hostId`, each once every container is declared (in batches). */
  public containersOn(hostId: string): Promise<ContainerResource>[] {
    return this.onceDeclared(this.agentContainers, this.keysOnHost.get(hostId) ?? []);
  }

  constructor(name: string, args: ScheduledAgentsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:agents:ScheduledAgents", name, {}, opts);
    // Each container's spec is computed (and a bad spec throws) before anything is declared.
    const planned = agentsPlan(args.spec);
    this.keysOnHost = keysByHost(planned, (p) => p.agent.key);
    this.declareChildren(planned, ({ agent, hostId, container }) => {
      this.agentContainers[`${agent.key}/${hostId}`] = declareContainer(
        this,
        args.inventory,
        hostId,
        `${name}-${agent.key}-${hostId}`,
        container,
        {
          secrets: {
            consulToken: args.consul?.tokenFor("agent-locks"),
            consulCaCert: args.consul?.caCertificate,
          },
          dependsOn: [...(args.dependsOn ?? []), ...(args.consul?.readyOn(hostId) ?? [])],
        },
      ).container;
    });
    this.registerOutputs({});
  }
}
