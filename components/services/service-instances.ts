import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { ConsulCatalog } from "../consul/consul-access";
import { BatchedComponent, keysByHost } from "../core/declare-in-batches";
import { LocalCommand } from "../core/local-command";
import { ServicesSpec } from "../core/platform-spec";
import { PROBE_COMMAND, probeEnvironment } from "../core/readiness";
import { atProbeAddress, containerReadiness } from "../hosts/container-readiness";
import { ContainerResource, declareContainer, keptLike } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import {
  drainEnvironment,
  GATE_COMMAND,
  GateBalancer,
  gateBalancers,
  gateEnvironment,
  UNGATED_COMMAND,
} from "../haproxy/balancer-gate";
import { CatalogService } from "./catalog-service";
import { PlannedInstance, servicesPlan } from "../plan";
import { HostSpec } from "../core/config-schema";
import { PlacedService } from "../core/platform-spec";
import { instanceDrain } from "./instance-drain";
import { instanceNodeName, instanceProbe, startsBeside } from "./service-containers";

export interface ServiceInstancesArgs {
  /** The site (`resolvePlatform`, `platformFromValues`): its `pulumi`-mode services, already placed on slave hosts. */
  spec: ServicesSpec;
  inventory: HostInventory;
  /** The Consul catalog the instances are registered in (its provider; they wait for its leader). */
  catalog: ConsulCatalog;
  /** Further resources the registrations wait for. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /**
   * The readiness of the stack's balancers (`LoadBalancers.ready`), where the platform's own run.
   * Given, an instance replaced in its place waits for them and then until each serves it
   * (`served`) before the next instance goes; without them the next instance waits for its
   * registration only (balancers of a project's own, or none).
   */
  balancers?: pulumi.Input<pulumi.Resource>[];
  /**
   * The DIRAC installation's database: an instance of a service that names databases waits for
   * it, and its configuration holds the password.
   */
  database?: { ready: pulumi.Resource; password: pulumi.Input<string> };
  /**
   * By slave host id, the step that passes once the host's port guard has closed the instances'
   * ports (`PortGuards.ready`): an instance's container is created after it.
   */
  guards?: Record<string, pulumi.Resource>;
}

/** The resources of one instance, in the order they are created (and deleted in reverse). */
export interface InstanceResources {
  container: ContainerResource;
  /**
   * Created once a direct probe of the instance's check passes; deleted after its deregistration
   * and before its container stops: the drain (`instanceDrain`), which waits until no balancer
   * has the instance in service any more, where the balancers are given.
   */
  ready: LocalCommand;
  /** In the Consul catalog, with the check consul-esm runs. */
  registration: CatalogService;
  /**
   * Replaced in its place only (`startsBeside` false), where the balancers are given: created
   * once every balancer serves the new instance (its checked server UP, as the balancer's admin
   * socket says); the next instance waits for it, so none is stopped while a balancer has not yet
   * taken up the one before.
   */
  served?: LocalCommand;
}

/**
 * The `pulumi`-mode services: one container per instance on the hosts placement chose, each
 * registered in the Consul catalog with its check (run by consul-esm) once a direct probe of that
 * check passes.
 *
 * A changed instance has a new name (`serviceInstance`: its revision), and how it replaces the old
 * one depends on where it runs (`startsBeside`). On the local stack, where an instance holds no
 * port of its host, the new one starts beside the old one: every changed instance of every
 * service starts at once, is probed and registered, and only then does the engine deregister,
 * drain and stop the old ones (its replacements create before they delete). At a site, where an
 * instance publishes its service's port on its host, and for a service whose instances hold the
 * database's password, the instances of a service follow one another (container, ready,
 * registration, served; then the next instance), so a release replaces one instance at a time:
 * deregistered, drained, stopped, started, probed, registered, served by every balancer, then the
 * next. A balancer that takes a moment longer to render and reload (a busy host) holds the next
 * instance back, instead of finding itself with no instance to send to.
 *
 * The instances are declared a few services per turn of the event loop (`BatchedComponent`);
 * reading `containers`, `registrations` or `instances` declares the rest at once, so a record is
 * complete whenever it is read.
 */
export class ServiceInstances extends BatchedComponent {
  /** Instance containers by `<service key>/<host id>`. */
  public get containers(): Record<string, ContainerResource> {
    this.completeNow();
    return this.instanceContainers;
  }
  private readonly instanceContainers: Record<string, ContainerResource> = {};
  private readonly keysOnHost: Map<string, string[]>;

  /** The instance containers on `hostId`, each once every instance is declared (in batches). */
  public containersOn(hostId: string): Promise<ContainerResource>[] {
    return this.onceDeclared(this.instanceContainers, this.keysOnHost.get(hostId) ?? []);
  }
  /** Consul registrations by `<service key>/<host id>`. */
  public get registrations(): Record<string, CatalogService> {
    this.completeNow();
    return this.instanceRegistrations;
  }
  private readonly instanceRegistrations: Record<string, CatalogService> = {};
  /** Every resource of an instance by `<service key>/<host id>`. */
  public get instances(): Record<string, InstanceResources> {
    this.completeNow();
    return this.instanceResources;
  }
  private readonly instanceResources: Record<string, InstanceResources> = {};
  /** Consul nodes by host id. */
  private readonly nodes = new Map<string, consul.Node>();
  /** The spec's hosts by id (each instance looks its host up: thousands of times at paper scale). */
  private readonly hostsById: Map<string, HostSpec>;
  /**
   * The balancers an instance's drain and served steps ask (`gateBalancers`), where the
   * balancers are given; undefined otherwise.
   */
  private readonly gated: GateBalancer[] | undefined;

  constructor(
    name: string,
    args: ServiceInstancesArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("lhcb-platform:services:ServiceInstances", name, {}, opts);
    const { spec } = args;
    this.hostsById = new Map(spec.hosts.map((h) => [h.id, h]));
    const { inventory } = args;
    this.gated =
      args.balancers === undefined
        ? undefined
        : gateBalancers(
            spec,
            (id) => inventory.isFailed(id),
            (id) => inventory.engineEndpoint(id),
          );
    // What each instance is (pure, and where a bad spec throws) is computed here, before anything
    // is declared; the resources are then declared a few services at a time (core/declare-in-batches.ts).
    const plan = servicesPlan(spec);
    this.keysOnHost = keysByHost(
      plan.flatMap(({ service, instances }) =>
        instances.map(({ hostId }) => ({ hostId, key: service.key })),
      ),
      (i) => i.key,
    );
    this.declareChildren(plan, ({ service, instances }) => {
      // Beside: no order among the instances. In place: each container waits for the served
      // step of the one before it. A release (a new image for every instance) then replaces one
      // instance at a time in a single `pulumi up`: the engine first deletes what depends on the
      // replaced container (its registration: the instance leaves the load balancers; its ready
      // step: the drain), stops the old container, starts the new one, probes it, registers it,
      // waits until every balancer serves it, and only then does the next instance begin. (A `dependsOn` edge
      // does not make the engine replace the next instance along with this one; only property
      // dependencies do, such as the container id and address these carry.)
      // An instance whose configuration holds a secret (the database password) takes the old
      // one's place even there: its name, made from the plan, cannot tell a new secret from the
      // old one (`pulumi up --replace` of the password), and two containers cannot share it.
      const beside = startsBeside(spec) && !this.holdsSecret(args, service);
      let previous: pulumi.Resource | undefined;
      for (const instance of instances) {
        const declared = this.declareInstance(name, args, service, instance, beside, previous);
        const at = `${service.key}/${instance.hostId}`;
        this.instanceContainers[at] = declared.container;
        this.instanceRegistrations[at] = declared.registration;
        this.instanceResources[at] = declared;
        if (!beside) previous = declared.served ?? declared.registration;
      }
    });
    this.registerOutputs({});
  }

  /**
   * One instance: its container (once `previous` exists), its readiness, its registration;
   * replaced beside the old one's (created, then the old one deleted) when `beside`, in its place
   * otherwise.
   */
  private declareInstance(
    name: string,
    args: ServiceInstancesArgs,
    service: PlacedService,
    { hostId, container: containerSpec, registration: reg }: PlannedInstance,
    beside: boolean,
    previous: pulumi.Resource | undefined,
  ): InstanceResources {
    const { spec, inventory } = args;
    const host = this.hostsById.get(hostId)!;
    const key = `${service.key}-${hostId}`;
    const usesDatabase = this.holdsSecret(args, service);
    const container = declareContainer(this, inventory, hostId, `${name}-${key}`, containerSpec, {
      dependsOn: [
        ...(previous === undefined ? [] : [previous]),
        ...(usesDatabase ? [args.database!.ready] : []),
        ...(args.guards?.[hostId] === undefined ? [] : [args.guards[hostId]]),
      ],
      ...(usesDatabase ? { secrets: { diracDatabasePassword: args.database!.password } } : {}),
      deleteBeforeReplace: !beside,
    }).container;
    const drain = this.gated && drainEnvironment(service, reg.serviceId, this.gated);
    const ready = containerReadiness(this, `${name}-${key}-ready`, container, {
      create: PROBE_COMMAND,
      // A change of the environment alone (a balancer added, failed or back) probes nothing.
      update: UNGATED_COMMAND,
      delete: instanceDrain(spec, service, drain !== undefined),
      deleteBeforeReplace: !beside,
      environment: atProbeAddress(
        { local: spec.local, container, containerSpec, hostAddress: host.address },
        (address) => ({
          ...probeEnvironment(instanceProbe(service, containerSpec.name, address)),
          ...drain,
        }),
      ),
    });
    const node = this.nodeOn(name, args, hostId);
    const registration = new CatalogService(
      `${name}-${key}-registration`,
      { ...reg, node: node.name, meta: { ...reg.meta, container_id: container.id } },
      // A new container is a new instance: its registration goes (drained) and comes back with it.
      {
        parent: this,
        provider: args.catalog.provider,
        dependsOn: [ready, node],
        deleteBeforeReplace: !beside,
        replaceWith: [container],
      },
    );
    if (beside || args.balancers === undefined) return { container, ready, registration };
    const served = this.declareServed(`${name}-${key}-served`, args, service, container, {
      serverId: reg.serviceId,
      hostId,
      registration,
    });
    return { container, ready, registration, served };
  }

  /**
   * The step created once every balancer (but those on failed hosts) serves instance `serverId`
   * of `service`, after its registration; made anew with its container; kept as deployed with it.
   * Made on a failed host (new there), it passes at once (`UNGATED_COMMAND`).
   */
  private declareServed(
    name: string,
    args: ServiceInstancesArgs,
    service: PlacedService,
    container: ContainerResource,
    instance: { serverId: string; hostId: string; registration: CatalogService },
  ): LocalCommand {
    const { inventory } = args;
    const { hostId } = instance;
    const balancers = this.gated ?? [];
    return new LocalCommand(
      name,
      {
        create: inventory.isFailed(hostId) ? UNGATED_COMMAND : GATE_COMMAND,
        update: UNGATED_COMMAND,
        environment: gateEnvironment(service, instance.serverId, balancers),
        triggers: [container.id],
      },
      {
        ...keptLike(container),
        parent: this,
        dependsOn: [instance.registration, ...(args.balancers ?? [])],
      },
    );
  }

  /** True when the instances of `service` get the database's password in their configuration. */
  private holdsSecret(args: ServiceInstancesArgs, service: PlacedService): boolean {
    return service.databases.length > 0 && args.database !== undefined;
  }

  /** The Consul node the instances on `hostId` are registered on (declared on first use). */
  private nodeOn(name: string, args: ServiceInstancesArgs, hostId: string): consul.Node {
    const { spec } = args;
    let node = this.nodes.get(hostId);
    if (node === undefined) {
      const host = this.hostsById.get(hostId)!;
      node = new consul.Node(
        `${name}-node-${hostId}`,
        {
          name: instanceNodeName(spec, hostId),
          address: spec.local ? hostId : host.address,
          meta: { "external-node": "true", "external-probe": "false", stack: spec.stack },
        },
        {
          parent: this,
          provider: args.catalog.provider,
          dependsOn: [args.catalog.leader, ...(args.dependsOn ?? [])],
        },
      );
      this.nodes.set(hostId, node);
    }
    return node;
  }
}
