import * as pulumi from "@pulumi/pulumi";
import { PlatformSpec } from "../core/platform-spec";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { loadBalancersPlan } from "../plan";

export interface LoadBalancersArgs {
  /** The resolved platform: one independent HAProxy on every host with role lb. */
  spec: PlatformSpec;
  inventory: HostInventory;
  /** The local Consul agents the balancers read from must exist first. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Further resources per host id that a container placed there waits for (its host's Consul agent). */
  dependsOnHost?: (hostId: string) => pulumi.Resource[];
}

/** Several independent HAProxy servers, each rendering its backends from Consul's healthy instances. */
export class LoadBalancers extends pulumi.ComponentResource {
  /** Load balancer container per host id. */
  public readonly containers: Record<string, ContainerResource>;
  /** Stats page URL per host id. */
  public readonly statsUrls: Record<string, string>;

  constructor(name: string, args: LoadBalancersArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:haproxy:LoadBalancers", name, {}, opts);
    this.containers = {};
    this.statsUrls = {};
    const byId = new Map(args.spec.hosts.map((h) => [h.id, h]));
    for (const { hostId, container } of loadBalancersPlan(args.spec)) {
      this.containers[hostId] = declareContainer(
        this,
        args.inventory,
        hostId,
        `${name}-${hostId}`,
        container,
        {
          dependsOn: [...(args.dependsOn ?? []), ...(args.dependsOnHost?.(hostId) ?? [])],
        },
      ).container;
      const address = args.spec.local ? container.name : byId.get(hostId)!.address;
      this.statsUrls[hostId] = `http://${address}:${args.spec.loadBalancer.statsPort}/stats`;
    }
    this.registerOutputs({ statsUrls: this.statsUrls });
  }
}
