import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { BatchedComponent } from "../core/declare-in-batches";
import { PlatformSpec } from "../core/platform-spec";
import { ConsulAgentService } from "../dynamic/consul-agent-resources";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { CatalogService } from "./catalog-service";
import { instanceNodeName, serviceContainer, serviceRegistration } from "./service-containers";

/**
 * Seconds an instance stays up after it left Consul, before its container stops: consul-template
 * waits up to 0.5 s for quiet, then HAProxy reloads; the rest is margin.
 */
export const DRAIN_SECONDS = 1.5;

export interface ServiceInstancesArgs {
  /** The resolved platform: its `pulumi`-mode services, already placed on slave hosts. */
  spec: PlatformSpec;
  hosts: HostInventory;
  /** Consul provider the catalog registrations go through (`providers` backend). */
  consulProvider?: consul.Provider;
  /**
   * The HTTP API of a host's Consul agent (`dynamic` backend; `ConsulCluster.apiOn`): each instance
   * is registered with its own host's agent, which runs its check.
   */
  consulApiOn?: (hostId: string) => pulumi.Input<string>;
  /** Resources the registrations wait for (consul-esm, which runs their checks). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Further resources per host id that the registrations there wait for (its host's Consul agent). */
  dependsOnHost?: (hostId: string) => pulumi.Resource[];
}

/**
 * The `pulumi`-mode services: one container per instance on the hosts placement chose, each
 * with a Docker health check and restart policy, and registered in Consul with its check once
 * healthy. A registration depends on its container, so it is removed first (the instance is
 * drained from the load balancers) and re-created with the container.
 *
 * The instances are declared a few services per turn of the event loop (`BatchedComponent`):
 * `containers` and `registrations` are complete once `declared` has settled.
 */
export class ServiceInstances extends BatchedComponent {
  /** Instance containers by `<service key>/<host id>` (complete once `declared` has settled). */
  public readonly containers: Record<string, ContainerResource>;
  /** Consul registrations by `<service key>/<host id>` (complete once `declared` has settled). */
  public readonly registrations: Record<string, CatalogService | ConsulAgentService>;

  constructor(name: string, args: ServiceInstancesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:services:ServiceInstances", name, {}, opts);
    const { spec, hosts } = args;
    this.containers = {};
    this.registrations = {};
    const byId = new Map(spec.hosts.map((h) => [h.id, h]));
    const nodes = new Map<string, consul.Node>();
    const dynamic = hosts.backend === "dynamic";
    if (dynamic ? args.consulApiOn === undefined : args.consulProvider === undefined) {
      throw new Error(`ServiceInstances ${name}: the ${hosts.backend} backend needs ${dynamic ? "consulApiOn" : "consulProvider"}`);
    }
    const nodeFor = (hostId: string) => {
      let node = nodes.get(hostId);
      if (node === undefined) {
        const host = byId.get(hostId)!;
        node = new consul.Node(
          `${name}-node-${hostId}`,
          { name: instanceNodeName(spec, hostId), address: spec.local ? hostId : host.address, meta: { "external-node": "true", "external-probe": "false", stack: spec.stack } },
          { parent: this, provider: args.consulProvider, dependsOn: [...(args.dependsOn ?? []), ...(args.dependsOnHost?.(hostId) ?? [])] },
        );
        nodes.set(hostId, node);
      }
      return node;
    };

    // What each instance is (pure, and where a bad spec throws) is computed here, before anything
    // is declared; the resources are then declared a few services at a time (core/declare-in-batches.ts).
    const planned = spec.services
      .filter((s) => s.mode === "pulumi")
      .map((service) => ({
        service,
        instances: service.hosts.map((hostId) => {
          const host = byId.get(hostId)!;
          return { hostId, container: serviceContainer(spec, service, host), registration: serviceRegistration(spec, service, host) };
        }),
      }));
    this.declareChildren(planned, ({ service, instances }) => {
      // The instances of a service follow one another: each container waits for the registration
      // of the one before it. A release (a new image for every instance) then replaces one
      // instance at a time in a single `pulumi up`: the registration is deleted (drained), the
      // old container stops, the new one starts and is registered once healthy, and only then
      // does the next instance begin. (A `dependsOn` edge does not make the engine replace the
      // next instance along with this one; only property dependencies do.)
      let previous: pulumi.Resource | undefined;
      for (const { hostId, container: containerSpec, registration: reg } of instances) {
        const key = `${service.key}-${hostId}`;
        const container = declareContainer(this, hosts, hostId, `${name}-${key}`, containerSpec, {
          dependsOn: previous === undefined ? [] : [previous],
        }).container;
        this.containers[`${service.key}/${hostId}`] = container;
        if (dynamic) {
          previous = this.registrations[`${service.key}/${hostId}`] = new ConsulAgentService(
            `${name}-${key}-registration`,
            {
              agentAddress: args.consulApiOn!(hostId),
              serviceId: reg.serviceId,
              name: reg.name,
              address: reg.address,
              port: reg.port,
              tags: reg.tags,
              meta: { ...reg.meta, container_id: container.id },
              checks: reg.checks,
              drainSeconds: DRAIN_SECONDS,
            },
            { parent: this, dependsOn: [container, ...(args.dependsOn ?? []), ...(args.dependsOnHost?.(hostId) ?? [])], deleteBeforeReplace: true },
          );
          continue;
        }
        const node = nodeFor(hostId);
        previous = this.registrations[`${service.key}/${hostId}`] = new CatalogService(
          `${name}-${key}-registration`,
          {
            serviceId: reg.serviceId,
            name: reg.name,
            node: node.name,
            address: reg.address,
            port: reg.port,
            tags: reg.tags,
            meta: { ...reg.meta, container_id: container.id },
            checks: reg.checks,
          },
          // A new container is a new instance: its registration goes (drained) and comes back with it.
          { parent: this, provider: args.consulProvider, dependsOn: [container, node], deleteBeforeReplace: true, replaceWith: [container] },
        );
      }
    });
    this.registerOutputs({});
  }
}
