import * as pulumi from "@pulumi/pulumi";
import { ConsulAccess } from "../consul/consul-access";
import { LoadBalancersSpec } from "../core/platform-spec";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { loadBalancersPlan } from "../plan";

export interface LoadBalancersArgs {
  /**
   * The site (`resolvePlatform`, `platformFromValues`): one independent HAProxy on every host of
   * `loadBalancers`, fronting every service of `services`.
   */
  spec: LoadBalancersSpec;
  inventory: HostInventory;
  /**
   * The Consul each balancer's consul-template reads the healthy instances from: a balancer waits
   * for what `readyOn` its host names (the servers and the host's agent), and reads with the
   * `catalog-read` token where Consul's ACLs are on. Absent: it waits for nothing.
   */
  consul?: ConsulAccess;
  /** Further resources every balancer waits for. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * A balancer's stats page: at its address where it listens on every address, else at its stats
 * address, on the balancer's host (`http://127.0.0.1:8404/stats`, reached over SSH).
 */
function statsUrl(spec: LoadBalancersSpec, containerName: string, hostAddress: string): string {
  const { statsAddress, statsPort } = spec.loadBalancer;
  const address = statsAddress !== "*" ? statsAddress : spec.local ? containerName : hostAddress;
  return `http://${address}:${statsPort}/stats`;
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
          secrets: {
            consulToken: args.consul?.tokenFor("catalog-read"),
            consulCaCert: args.consul?.caCertificate,
          },
          dependsOn: [...(args.dependsOn ?? []), ...(args.consul?.readyOn(hostId) ?? [])],
        },
      ).container;
      this.statsUrls[hostId] = statsUrl(args.spec, container.name, byId.get(hostId)!.address);
    }
    this.registerOutputs({ statsUrls: this.statsUrls });
  }
}
