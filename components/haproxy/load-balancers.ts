import * as pulumi from "@pulumi/pulumi";
import { PlatformSpec } from "../core/platform-spec";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { loadBalancerContainer } from "./lb-containers";

export interface LoadBalancersArgs {
  /** The resolved platform: one independent HAProxy on every host with role lb. */
  spec: PlatformSpec;
  hosts: HostInventory;
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
    for (const host of args.spec.loadBalancers) {
      const spec = loadBalancerContainer(args.spec, host);
      this.containers[host.id] = declareContainer(this, args.hosts, host.id, `${name}-${host.id}`, spec, {
        dependsOn: [...(args.dependsOn ?? []), ...(args.dependsOnHost?.(host.id) ?? [])],
      }).container;
      const address = args.spec.local ? spec.name : host.address;
      this.statsUrls[host.id] = `http://${address}:${args.spec.loadBalancer.statsPort}/stats`;
    }
    this.registerOutputs({ statsUrls: this.statsUrls });
  }
}
