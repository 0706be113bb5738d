import * as command from "@pulumi/command";
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { BatchedComponent } from "../core/declare-in-batches";
import { DeclaredOnUse } from "../core/declared-on-use";
import { PORTS } from "../core/endpoints";
import { HostSpec } from "../core/config-schema";
import { ContainerSpec, PlannedContainer } from "../core/container-spec";
import { ConsulSiteSpec } from "../core/platform-spec";
import { LocalCommand } from "../core/local-command";
import { PROBE_COMMAND, probeEnvironment } from "../core/readiness";
import { quorumMemberReady } from "../hosts/quorum-member";
import { containerAddress, ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { consulPlan } from "../plan";
import { assertQuorum } from "../core/quorum";
import { ConsulAccess, ConsulCatalog } from "./consul-access";
import { consulServerTarget, gossipEncrypted } from "./consul-containers";

export interface ConsulClusterArgs {
  /**
   * The site (`resolvePlatform`, `quorumSpec`): a server on each master (an odd number, at least 3
   * but on the local stack), a client agent on every other host, consul-esm where `features.consulEsm`.
   */
  spec: ConsulSiteSpec;
  inventory: HostInventory;
  /**
   * Gossip encryption key (a Pulumi secret, `consul keygen`): required where gossip is encrypted
   * (every stack but the local one, `gossipEncrypted`), not used on the local stack.
   */
  gossipKey?: pulumi.Input<string>;
  /**
   * Address of the Consul HTTP API the library registers instances through. Default: the first
   * server (its container address on the local stack, `http://<address>:8500` on real hosts).
   */
  apiAddress?: pulumi.Input<string>;
}

/**
 * Consul: servers on the masters (bootstrap_expect = masters), agents elsewhere, consul-esm, and a
 * provider. A host's agent is declared when a part placed there first asks for it (`readyOn`,
 * `apiOn`), or by this component's own batches (`BatchedComponent`); `declared` settles once every
 * agent is.
 */
export class ConsulCluster extends BatchedComponent implements ConsulAccess, ConsulCatalog {
  public readonly servers: Record<string, ContainerResource>;
  public readonly esm: Record<string, ContainerResource>;
  /** Provider for catalog registrations, pointed at the API address; what goes through it must wait for `leader`. */
  public readonly provider: consul.Provider;
  /** Created once the servers have elected a leader (asked of the API itself). */
  public readonly leader: command.local.Command;
  /** The HTTP API address of the first server. */
  public readonly apiAddress: pulumi.Output<string>;
  /** Client agents by host id. */
  private readonly agents: DeclaredOnUse<{
    container: ContainerResource;
    api: pulumi.Output<string>;
  }>;
  /** The servers' HTTP APIs by (master) host id. */
  private readonly serverApis: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: ConsulClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { spec, inventory } = args;
    // Its own safety checks, before anything is declared: a quorum of servers, and the gossip key.
    assertQuorum("ConsulCluster", spec);
    if (gossipEncrypted(spec) && args.gossipKey === undefined) {
      throw new Error(
        `ConsulCluster of stack ${spec.stack}: the gossip key (gossipKey, the secret lhcb-platform:consulGossipKey) is required for ${spec.environment} (Consul's gossip is encrypted there)`,
      );
    }
    super("lhcb-platform:consul:ConsulCluster", name, {}, opts);
    // The key goes into the agents' config files where gossip is encrypted (their placeholder).
    const secrets = { consulGossipKey: args.gossipKey };
    const plan = consulPlan(spec);
    const byId = new Map(spec.hosts.map((h) => [h.id, h]));
    this.servers = {};
    this.serverApis = {};
    this.declareServers(name, args, plan.servers, secrets);
    const serverList = Object.values(this.servers);
    // Each agent's container and configuration are computed here (pure, where a bad spec throws),
    // before anything is declared; the agent itself is declared on use or in this component's batches.
    const agentPlans = new Map(plan.agents.map((a) => [a.hostId, a.container]));
    this.agents = new DeclaredOnUse("Consul agent host", [...agentPlans.keys()], (hostId) => {
      const host = byId.get(hostId)!;
      const containerSpec = agentPlans.get(hostId)!;
      const container = declareContainer(
        this,
        inventory,
        host.id,
        `${name}-agent-${host.id}`,
        containerSpec,
        { secrets, dependsOn: serverList },
      ).container;
      return { container, api: consulApiOf(spec, container, containerSpec, host) };
    });
    this.esm = {};
    for (const { hostId, container } of plan.esm) {
      this.esm[hostId] = declareContainer(
        this,
        inventory,
        hostId,
        `${name}-esm-${hostId}`,
        container,
        {
          dependsOn: serverList,
        },
      ).container;
    }
    this.apiAddress = pulumi.output(args.apiAddress ?? this.serverApis[spec.masters[0].id]);
    this.leader = leaderProbe(this, `${name}-leader`, this.apiAddress, serverList);
    // Configured as soon as the API has an address (configuring asks nothing of Consul), so the
    // plugin has started by the time there is a leader; what is written through it waits for `leader`.
    this.provider = new consul.Provider(
      `${name}-api`,
      { address: this.apiAddress, datacenter: spec.consul.datacenter },
      { parent: this },
    );
    this.declareChildren(this.agents.keys, (hostId) => this.agents.get(hostId));
    this.registerOutputs({ apiAddress: this.apiAddress });
  }

  /**
   * The servers, one after another (container, then back in the raft quorum; then the next), so
   * a change that replaces them all keeps a leader throughout.
   */
  private declareServers(
    name: string,
    args: ConsulClusterArgs,
    servers: PlannedContainer[],
    secrets: { consulGossipKey?: pulumi.Input<string> },
  ): void {
    const { spec, inventory } = args;
    let previous: LocalCommand | undefined;
    for (const { hostId, container: containerSpec } of servers) {
      const host = spec.hosts.find((h) => h.id === hostId)!;
      const key = `${name}-server-${host.id}`;
      const server = declareContainer(this, inventory, host.id, key, containerSpec, {
        secrets,
        dependsOn: previous ? [previous] : [],
      }).container;
      previous = quorumMemberReady(this, key, server, consulServerTarget(spec, host));
      this.servers[host.id] = server;
      this.serverApis[host.id] = consulApiOf(spec, server, containerSpec, host);
    }
  }

  /** The client agent of `hostId` (declared now if it was not yet); undefined on a master, which runs a server. */
  public agentOn(hostId: string): ContainerResource | undefined {
    return this.agents.knows(hostId) ? this.agents.get(hostId).container : undefined;
  }

  /** The HTTP API of the Consul process on `hostId`: its agent, or the server on a master. */
  public apiOn(hostId: string): pulumi.Output<string> {
    const server = this.serverApis[hostId];
    return server ?? this.agents.get(hostId).api;
  }

  /**
   * What a part placed on `hostId` waits for before it talks to Consul: the servers and that
   * host's own agent. Per host, so the dependencies grow with the inventory, not its square.
   */
  public readyOn(hostId: string): pulumi.Resource[] {
    const agent = this.agentOn(hostId);
    return [...Object.values(this.servers), ...(agent ? [agent] : [])];
  }
}

/**
 * The HTTP API of a Consul process: its container's address on the local stack's network, its
 * host's address at a site (Consul runs on the host network there).
 */
function consulApiOf(
  spec: ConsulSiteSpec,
  c: ContainerResource,
  containerSpec: ContainerSpec,
  host: HostSpec,
): pulumi.Output<string> {
  return spec.local
    ? containerAddress(c, containerSpec).apply((ip) => `http://${ip}:${PORTS.consulHttp}`)
    : pulumi.output(`http://${host.address}:${PORTS.consulHttp}`);
}

/** Created once the servers have elected a leader, asked of `api`; run again whenever a server container is replaced. */
function leaderProbe(
  parent: pulumi.Resource,
  name: string,
  api: pulumi.Output<string>,
  servers: ContainerResource[],
): command.local.Command {
  return new command.local.Command(
    name,
    {
      create: PROBE_COMMAND,
      environment: api.apply((a) =>
        probeEnvironment({
          what: `the Consul leader at ${a}`,
          http: `${a}/v1/status/leader`,
          nonEmpty: true,
        }),
      ),
      triggers: servers.map((c) => c.id),
    },
    { parent, dependsOn: servers },
  );
}
