import * as pulumi from "@pulumi/pulumi";
import { ConsulAccess } from "../consul/consul-access";
import { LoadBalancersSpec } from "../core/platform-spec";
import { LocalCommand } from "../core/local-command";
import { PROBE_COMMAND, probeEnvironment } from "../core/readiness";
import { atProbeAddress, containerReadiness } from "../hosts/container-readiness";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { loadBalancersPlan } from "../plan";
import { loadBalancerProbe } from "./lb-containers";

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

/**
 * Several independent HAProxy servers, each rendering its backends from Consul's healthy
 * instances. They come one after another (container, then listening; then the next), so a change
 * that replaces them all (a new service's frontend) never has every balancer down at once.
 */
export class LoadBalancers extends pulumi.ComponentResource {
  /** Load balancer container per host id. */
  public readonly containers: Record<string, ContainerResource>;
  /** Per host id, the step that waits until its balancer listens (`loadBalancerProbe`). */
  public readonly ready: Record<string, LocalCommand>;
  /** Stats page URL per host id. */
  public readonly statsUrls: Record<string, string>;

  constructor(name: string, args: LoadBalancersArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:haproxy:LoadBalancers", name, {}, opts);
    this.containers = {};
    this.ready = {};
    this.statsUrls = {};
    const { spec } = args;
    const byId = new Map(spec.hosts.map((h) => [h.id, h]));
    let previous: LocalCommand | undefined;
    for (const { hostId, container: containerSpec } of loadBalancersPlan(spec)) {
      const host = byId.get(hostId)!;
      const container = declareContainer(
        this,
        args.inventory,
        hostId,
        `${name}-${hostId}`,
        containerSpec,
        {
          secrets: {
            consulToken: args.consul?.tokenFor("catalog-read"),
            consulCaCert: args.consul?.caCertificate,
          },
          dependsOn: [
            ...(args.dependsOn ?? []),
            ...(args.consul?.readyOn(hostId) ?? []),
            ...(previous ? [previous] : []),
          ],
        },
      ).container;
      this.containers[hostId] = container;
      const where = { local: spec.local, container, containerSpec, hostAddress: host.address };
      const probe = loadBalancerProbe(spec, host);
      if (probe !== undefined) {
        previous = containerReadiness(this, `${name}-${hostId}-ready`, container, {
          create: PROBE_COMMAND,
          environment: atProbeAddress(where, (address) => probeEnvironment(probe(address))),
        });
        this.ready[hostId] = previous;
      }
      this.statsUrls[hostId] = statsUrl(spec, containerSpec.name, host.address);
    }
    this.registerOutputs({ statsUrls: this.statsUrls });
  }
}
