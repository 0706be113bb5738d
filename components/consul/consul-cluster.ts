import * as command from "@pulumi/command";
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { BatchedComponent } from "../core/declare-in-batches";
import { DeclaredOnUse } from "../core/declared-on-use";
import { HostSpec } from "../core/config-schema";
import { ContainerSpec, PlannedContainer, SecretName } from "../core/container-spec";
import { ConsulSiteSpec } from "../core/platform-spec";
import { LocalCommand } from "../core/local-command";
import {
  commandTrustingCa,
  PROBE_COMMAND,
  probeCaEnvironment,
  probeEnvironment,
} from "../core/readiness";
import { ConsulProbeAccess, quorumMemberReady } from "../hosts/quorum-member";
import {
  containerAddress,
  ContainerResource,
  declareContainer,
  declarePlanned,
} from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { consulPlan } from "../plan";
import { apiMaster, assertQuorum } from "../core/quorum";
import { ConsulAccess, ConsulCatalog } from "./consul-access";
import { ConsulAcl, generatedManagementToken, TaskRegistrarGrants } from "./consul-acl";
import { aclEnforced, ConsulRole } from "./consul-acl-plan";
import { consulNodeName, consulServerTarget, gossipEncrypted } from "./consul-containers";
import { CONSUL_FORGET_COMMAND, consulForgetEnvironment } from "./consul-forget-program";
import {
  CONSUL_KEYRING_COMMAND,
  consulKeyringEnvironment,
  PlannedMembers,
} from "./consul-keyring-program";
import { ConsulTls } from "./consul-tls";
import { consulApiUrl, tlsEnforced } from "./consul-tls-plan";

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
   * URL of the Consul HTTP API the library registers instances through. Default: the first
   * server (its container address on the local stack, `https://<address>:8501` on real hosts).
   */
  apiAddress?: pulumi.Input<string>;
  /**
   * Consul's management token (a Pulumi secret, a UUID), where ACLs are on (`aclEnforced`: every
   * stack but the local one): the servers bootstrap the ACL system with it, and the library
   * registers and makes the other tokens with it. Made at the first `up` and kept in the stack
   * when not given.
   */
  managementToken?: pulumi.Input<string>;
  /**
   * The keys of the services whose instances the balancers read from Consul (the catalog's): the
   * `catalog-read` token may read those, and the slave hosts' service. Default: none.
   */
  services?: readonly string[];
  /**
   * The task registrars' Consul nodes and the `marathon`-mode services they register, where any
   * run (marathon/task-registrar.ts): their token (`registrarToken`) may write those alone.
   */
  taskRegistrars?: TaskRegistrarGrants;
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
  /** The management token (a secret) where ACLs are on. */
  public readonly managementToken?: pulumi.Output<string>;
  /** The ACL policies and tokens where ACLs are on. */
  public readonly acl?: ConsulAcl;
  /** The CA and the agents' certificates where TLS is on (`tlsEnforced`). */
  public readonly tls?: ConsulTls;
  /** The CA certificate (PEM) the clients check Consul's HTTPS API against, where TLS is on. */
  public readonly caCertificate?: pulumi.Output<string>;
  /** The gossip key step, where gossip is encrypted (`keyring`). */
  private keyringStep?: LocalCommand;
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
    if (aclEnforced(spec))
      this.managementToken = pulumi.secret(
        args.managementToken ?? generatedManagementToken(this, `${name}-management-token`),
      );
    if (tlsEnforced(spec)) {
      this.tls = new ConsulTls(
        `${name}-tls`,
        { stack: spec.stack, datacenter: spec.consul.datacenter, cas: spec.consul.tlsCa },
        { parent: this },
      );
      this.caCertificate = this.tls.caCert;
    }
    // The key goes into the agents' config files where gossip is encrypted (their placeholder),
    // the management token into the servers'.
    const secrets = { consulGossipKey: args.gossipKey, consulCaCert: this.caCertificate };
    const serverSecrets = { ...secrets, consulManagementToken: this.managementToken };
    const plan = consulPlan(spec);
    this.servers = {};
    this.serverApis = {};
    this.declareServers(name, args, plan.servers, serverSecrets);
    const serverList = Object.values(this.servers);
    this.agents = this.agentsOnUse(name, args, plan.agents, secrets, serverList);
    this.apiAddress = pulumi.output(args.apiAddress ?? this.serverApis[apiMaster(spec).id]);
    const access = { token: this.managementToken, caCert: this.caCertificate };
    this.leader = leaderProbe(this, `${name}-leader`, this.apiAddress, serverList, access);
    this.provider = apiProvider(this, `${name}-api`, spec, this.apiAddress, access);
    if (this.managementToken)
      this.acl = new ConsulAcl(
        `${name}-acl`,
        {
          spec,
          services: args.services ?? [],
          ...(args.taskRegistrars ? { taskRegistrars: args.taskRegistrars } : {}),
          provider: this.provider,
          leader: this.leader,
        },
        { parent: this },
      );
    this.esm = this.declareEsm(name, inventory, plan.esm, serverList);
    this.declareForgets(name, spec, [...plan.servers, ...plan.agents]);
    // The agents, then the step that puts the gossip key in use once every member is declared.
    const children = this.agents.keys.map((hostId) => () => void this.agents.get(hostId));
    if (gossipEncrypted(spec) && args.gossipKey !== undefined) {
      const gossipKey = args.gossipKey;
      const members = plannedMembers(plan, new Set(spec.lostHosts ?? []));
      children.push(() => void (this.keyringStep = this.declareKeyring(name, gossipKey, members)));
    }
    this.declareChildren(children, (declare) => declare());
    this.registerOutputs({ apiAddress: this.apiAddress });
  }

  /**
   * The step that puts the gossip key in use on every member (consul-keyring-program.ts), where
   * gossip is encrypted: after the last server and agent, and again whenever the key changes.
   */
  public get keyring(): LocalCommand | undefined {
    this.completeNow();
    return this.keyringStep;
  }

  /**
   * For each host with a Consul process of the plan, agent or server, a step that does nothing
   * when made and carries, from one `up` to the next, whether its host was gone for good. While
   * the host is in `lostHosts`, the step's deletion, once the host leaves `hosts` (or the stack is
   * destroyed), has the servers forget its node at once (consul-forget-program.ts), each server
   * but a lost one asked. Otherwise it has no command at all: a host that comes back and only
   * leaves `lostHosts` updates it to none (no command runs on an update), so the node of an agent
   * that runs again is never forced out of the gossip pool and the catalog; and a host taken out
   * of `hosts` while it runs needs none, its agent leaving as its container stops. A lost master
   * leaves `hosts` only as the machine that replaces it joins, in the same `up`, whose deletions
   * come after the new server's creation: the lost server then leaves the raft peers too, where
   * autopilot has not already removed it.
   */
  private declareForgets(name: string, spec: ConsulSiteSpec, members: PlannedContainer[]): void {
    const lost = new Set(spec.lostHosts ?? []);
    // The API the stack asks first, then every server's but a lost one's.
    const apis = pulumi.all([
      this.apiAddress,
      ...Object.entries(this.serverApis)
        .filter(([hostId]) => !lost.has(hostId))
        .map(([, api]) => api),
    ]);
    for (const { hostId } of members) {
      const opts = { parent: this, dependsOn: [this.leader] };
      if (!lost.has(hostId)) {
        new LocalCommand(`${name}-forget-${hostId}`, {}, opts);
        continue;
      }
      const node = consulNodeName(spec, hostId);
      const environment = pulumi
        .all([apis, this.managementToken, this.caCertificate])
        .apply(([asked, token, ca]) => ({
          ...consulForgetEnvironment(
            `Consul's node ${node} of ${hostId}, gone for good`,
            asked,
            node,
            token,
          ),
          ...probeCaEnvironment(ca),
        }));
      new LocalCommand(
        `${name}-forget-${hostId}`,
        {
          delete: commandTrustingCa(CONSUL_FORGET_COMMAND, this.caCertificate),
          environment: pulumi.secret(environment),
        },
        opts,
      );
    }
  }

  private declareKeyring(name: string, key: pulumi.Input<string>, members: PlannedMembers) {
    const agents = this.agents.keys.map((hostId) => this.agents.get(hostId).container);
    const environment = pulumi
      .all([this.apiAddress, key, this.managementToken, this.caCertificate])
      .apply(([api, k, token, ca]) => ({
        ...consulKeyringEnvironment(`Consul's gossip key at ${api}`, api, k, members, token),
        ...probeCaEnvironment(ca),
      }));
    const create = commandTrustingCa(CONSUL_KEYRING_COMMAND, this.caCertificate);
    // Run for a new key only: with the same key in use, a change of the plan's members, the API,
    // the token or the CA leaves nothing to do (a new agent starts with the key it is configured
    // with), where a run would wait on a member just lost until gossip counts it failed.
    const triggers = [pulumi.secret(pulumi.output(key).apply(keyDigest))];
    return new LocalCommand(
      `${name}-keyring`,
      { create, update: KEYRING_KEPT_COMMAND, triggers, environment: pulumi.secret(environment) },
      { parent: this, dependsOn: [this.leader, ...Object.values(this.servers), ...agents] },
    );
  }

  /**
   * The servers, one after another (container, then back in the raft quorum; then the next), so
   * a change that replaces them all keeps a leader throughout.
   */
  private declareServers(
    name: string,
    args: ConsulClusterArgs,
    servers: PlannedContainer[],
    secrets: Partial<Record<SecretName, pulumi.Input<string>>>,
  ): void {
    const { spec, inventory } = args;
    let previous: LocalCommand | undefined;
    for (const { hostId, container: containerSpec } of servers) {
      const host = spec.hosts.find((h) => h.id === hostId)!;
      const key = `${name}-server-${host.id}`;
      const server = declareContainer(this, inventory, host.id, key, containerSpec, {
        secrets: { ...secrets, ...this.certificateSecrets(host, true) },
        dependsOn: previous ? [previous] : [],
      }).container;
      previous = quorumMemberReady(this, key, server, consulServerTarget(spec, host), {
        token: this.managementToken,
        caCert: this.caCertificate,
      });
      this.servers[host.id] = server;
      this.serverApis[host.id] = consulApiOf(spec, server, containerSpec, host);
    }
  }

  /** consul-esm on its masters, with its token and the CA where ACLs and TLS are on. */
  private declareEsm(
    name: string,
    inventory: HostInventory,
    planned: PlannedContainer[],
    servers: ContainerResource[],
  ): Record<string, ContainerResource> {
    return declarePlanned(this, inventory, `${name}-esm-`, planned, servers, {
      consulToken: this.tokenFor("esm"),
      consulCaCert: this.caCertificate,
    });
  }

  public tokenFor(role: ConsulRole): pulumi.Output<string> | undefined {
    return this.acl?.roleTokens[role];
  }

  /** The task registrars' token (a secret), where ACLs are on and `taskRegistrars` was given. */
  public get registrarToken(): pulumi.Output<string> | undefined {
    return this.acl?.registrarToken;
  }

  /** The certificate and key of the Consul process on `host`, for its files' placeholders (none where TLS is off). */
  private certificateSecrets(
    host: HostSpec,
    server: boolean,
  ): Partial<Record<SecretName, pulumi.Output<string>>> {
    if (!this.tls) return {};
    const { cert, key } = this.tls.certificateFor(host, server);
    return { consulTlsCert: cert, consulTlsKey: key };
  }

  /**
   * The client agents, each declared on use (`readyOn`, `apiOn`) or in this component's batches.
   * Each agent's container and configuration are computed before (pure, where a bad spec throws);
   * its token where ACLs are on is made when the agent is declared.
   */
  private agentsOnUse(
    name: string,
    args: ConsulClusterArgs,
    planned: PlannedContainer[],
    secrets: Partial<Record<SecretName, pulumi.Input<string>>>,
    servers: ContainerResource[],
  ): DeclaredOnUse<{ container: ContainerResource; api: pulumi.Output<string> }> {
    const { spec, inventory } = args;
    const byId = new Map(spec.hosts.map((h) => [h.id, h]));
    const agentPlans = new Map(planned.map((a) => [a.hostId, a.container]));
    return new DeclaredOnUse("Consul agent host", [...agentPlans.keys()], (hostId) => {
      const host = byId.get(hostId)!;
      const containerSpec = agentPlans.get(hostId)!;
      const consulToken = this.acl?.nodeToken(host);
      const container = declareContainer(
        this,
        inventory,
        host.id,
        `${name}-agent-${host.id}`,
        containerSpec,
        {
          secrets: { ...secrets, consulToken, ...this.certificateSecrets(host, false) },
          dependsOn: servers,
        },
      ).container;
      return { container, api: consulApiOf(spec, container, containerSpec, host) };
    });
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
    ? containerAddress(c, containerSpec).apply((ip) => consulApiUrl(spec, ip))
    : pulumi.output(consulApiUrl(spec, host.address));
}

/**
 * The provider the library writes to Consul through (with the management token where ACLs are on,
 * over HTTPS checked against the platform's CA where TLS is).
 * Configured as soon as the API has an address (configuring asks nothing of Consul), so the plugin
 * has started by the time there is a leader; what is written through it waits for the leader.
 */
function apiProvider(
  parent: pulumi.Resource,
  name: string,
  spec: ConsulSiteSpec,
  url: pulumi.Output<string>,
  access: ConsulProbeAccess,
): consul.Provider {
  return new consul.Provider(
    name,
    {
      address: url,
      datacenter: spec.consul.datacenter,
      ...(access.token ? { token: access.token } : {}),
      ...(access.caCert ? { scheme: "https", caPem: access.caCert } : {}),
    },
    { parent },
  );
}

/**
 * Created once the servers have elected a leader, asked of `api`; run again whenever a server
 * container is replaced. Where ACLs are on, once the leader has also bootstrapped them: the
 * management token reads itself (`/v1/acl/token/self` refuses it until then).
 */
function leaderProbe(
  parent: pulumi.Resource,
  name: string,
  api: pulumi.Output<string>,
  servers: ContainerResource[],
  access: ConsulProbeAccess,
): command.local.Command {
  const environment = pulumi.all([api, access.token, access.caCert]).apply(([a, token, ca]) => ({
    ...(token === undefined
      ? probeEnvironment({
          what: `the Consul leader at ${a}`,
          http: `${a}/v1/status/leader`,
          nonEmpty: true,
        })
      : {
          ...probeEnvironment({
            what: `the Consul leader at ${a}, its ACLs bootstrapped`,
            http: `${a}/v1/acl/token/self`,
          }),
          CONSUL_HTTP_TOKEN: token,
        }),
    ...probeCaEnvironment(ca),
  }));
  const create = commandTrustingCa(PROBE_COMMAND, access.caCert);
  return new command.local.Command(
    name,
    { create, environment, triggers: servers.map((c) => c.id) },
    { parent, dependsOn: servers },
  );
}

/** What the gossip key step runs when only its environment changed: nothing, the key is the same. */
export const KEYRING_KEPT_COMMAND = "true";

/** The gossip key step's trigger: the key's SHA-256, so that the step runs again for a new key. */
function keyDigest(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/**
 * The members the gossip key step waits for: every server and agent of the plan but those on
 * hosts gone for good, which never answer again.
 */
function plannedMembers(
  plan: { servers: PlannedContainer[]; agents: PlannedContainer[] },
  lost: ReadonlySet<string>,
): PlannedMembers {
  const servers = plan.servers.filter((s) => !lost.has(s.hostId)).length;
  return { lan: servers + plan.agents.filter((a) => !lost.has(a.hostId)).length, wan: servers };
}
