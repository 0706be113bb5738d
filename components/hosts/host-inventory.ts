import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { EngineEndpoint } from "../haproxy/balancer-gate";
import { HostSpec } from "../core/config-schema";
import { BatchedComponent } from "../core/declare-in-batches";
import { DeclaredOnUse } from "../core/declared-on-use";
import { localNetwork } from "../core/local-network";
import { physicalName } from "../core/naming";
import { RegistryLogin } from "../core/platform-spec";

export interface HostInventoryArgs {
  /** Stack name: part of every physical name. */
  stack: string;
  /** The inventory. */
  hosts: HostSpec[];
  /**
   * Every host is a name on one local Docker Engine (the `local` stack): one provider and one
   * shared network serve them all. Default false.
   */
  local?: boolean;
  /** Docker host of the local Engine. Default `unix:///var/run/docker.sock`. */
  localDockerHost?: string;
  /** Private key for host preparation over SSH; needed when any host has `prepare`. */
  sshPrivateKey?: pulumi.Input<string>;
  /**
   * The login every host's Engine pulls images with from the registry at `address` (the password
   * a secret). Without it, the Engines pull without one.
   */
  registryLogin?: RegistryLogin & { password: pulumi.Input<string> };
  /**
   * Ids of the hosts that are down (`failedHosts`): what is declared on them is kept as it was
   * deployed (`keptOn`), so that `pulumi up` never reaches their engines to change it.
   */
  failedHosts?: string[];
  /**
   * Ids of the hosts gone for good (`lostHosts`, failed too): what is declared on them is also
   * forgotten rather than deleted once no longer declared (`keptOn`).
   */
  lostHosts?: string[];
}

/**
 * The inventory of a resolved spec's hosts, their engines reached with `access`; the spec's
 * registry login with `registryPassword`, where both are there.
 */
export function inventoryOf(
  spec: {
    stack: string;
    hosts: HostSpec[];
    local: boolean;
    failedHosts?: string[];
    lostHosts?: string[];
    registryLogin?: RegistryLogin;
  },
  access: Pick<HostInventoryArgs, "localDockerHost" | "sshPrivateKey"> & {
    registryPassword?: pulumi.Input<string>;
  },
): HostInventoryArgs {
  const { stack, hosts, local, failedHosts, lostHosts, registryLogin } = spec;
  const { registryPassword, ...reach } = access;
  return {
    stack,
    hosts,
    local,
    ...(failedHosts ? { failedHosts } : {}),
    ...(lostHosts && lostHosts.length > 0 ? { lostHosts } : {}),
    ...reach,
    ...(registryLogin && registryPassword !== undefined
      ? { registryLogin: { ...registryLogin, password: registryPassword } }
      : {}),
  };
}

/**
 * Options that keep a resource of a failed host as it was deployed: the engine compares none of
 * its inputs (the state's are used), so it is neither updated nor replaced. A resource not yet
 * deployed is created as declared. On a host gone for good, `lostWith` is its engine's provider:
 * the resource is then not deleted through the engine when that provider goes in the same run
 * (`deletedWith`, which the state records at the `up` that declares it so), so the host taken out
 * of `hosts`, or the stack destroyed, asks nothing of it. A lost host that comes back instead
 * (out of `lostHosts`, still in `hosts`) keeps its provider: a change kept from its containers
 * then replaces them, deleting the old ones through its engine as on any host. (Forgotten
 * whatever happens, `retainOnDelete`, the old container would keep its name and its replacement
 * could not be created.) A new object each time: the options are the caller's to extend.
 */
export function keptAsDeployed(lostWith?: pulumi.Resource): pulumi.CustomResourceOptions {
  return { ignoreChanges: ["*"], ...(lostWith ? { deletedWith: lostWith } : {}) };
}

/** A host's Docker Engine as the platform uses it. */
export interface HostEngine {
  /** The Docker provider (one shared by every host of the local stack). */
  provider: docker.Provider;
  /** The platform network. */
  network: docker.Network;
  /** The host's preparation over SSH, when it has `prepare` commands. */
  preparation?: command.remote.Command;
}

/**
 * The host inventory: how each host's Docker Engine is reached (a Docker provider per host, one
 * shared on the local Engine), the platform network, and optional preparation of each host over
 * SSH before anything is placed there.
 *
 * A host's engine is declared when a part is first placed there (`placeOn`), or by this
 * component's own batches (`BatchedComponent`, core/declared-on-use.ts); `declared` settles once
 * every host's is.
 */
export class HostInventory extends BatchedComponent {
  /** Physical name of the platform network. */
  public readonly networkName: string;
  /** Engines by engine key: the host id, or "" for the one local Engine. */
  private readonly engines: DeclaredOnUse<HostEngine>;
  /** Engine key per host id. */
  private readonly engineOf: Map<string, string>;
  /** The hosts that are down, and those of them gone for good. */
  private readonly failed: ReadonlySet<string>;
  private readonly lost: ReadonlySet<string>;
  /** The hosts by id, and the Engine of the local stack's hosts (`engineEndpoint`). */
  private readonly hostsById: Map<string, HostSpec>;
  private readonly localDockerHost: string | undefined;

  constructor(name: string, args: HostInventoryArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:hosts:HostInventory", name, {}, opts);
    this.networkName = physicalName(args.stack, "net");
    const byId = new Map(args.hosts.map((h) => [h.id, h]));
    if (!args.local) {
      const unprepared = args.hosts.find((h) => h.prepare && args.sshPrivateKey === undefined);
      if (unprepared)
        throw new Error(
          `host ${unprepared.id} has prepare commands but no sshPrivateKey was given`,
        );
      for (const warning of unpinnedHostKeys(args.hosts)) pulumi.log.warn(warning, this);
    }
    const localDockerHost = args.localDockerHost ?? "unix:///var/run/docker.sock";
    // Where the stack names a login, each Engine is handed it for every image it pulls.
    const login = args.registryLogin;
    const registryAuth = login
      ? { registryAuth: [{ ...login, password: pulumi.secret(login.password) }] }
      : {};
    this.engineOf = new Map(args.hosts.map((h) => [h.id, args.local ? "" : h.id]));
    this.lost = new Set(args.lostHosts ?? []);
    this.failed = new Set([...(args.failedHosts ?? []), ...this.lost]);
    this.hostsById = byId;
    this.localDockerHost = args.local ? localDockerHost : undefined;

    const declareEngine = (key: string): HostEngine => {
      const host = byId.get(key);
      // A failed host's engine, preparation and network stay as deployed, as all that is on it.
      // Deleting a provider, or a preparation (it has no delete command), asks nothing of the host.
      const kept = this.failed.has(key) ? keptAsDeployed() : {};
      const preparation =
        host?.prepare === undefined
          ? undefined
          : this.prepare(name, host, host.prepare, args.sshPrivateKey!, kept);
      const provider = new docker.Provider(
        `${name}-${key === "" ? "local" : key}`,
        // The one Engine of the local stack (key ""), else the host's own.
        {
          ...(host === undefined ? { host: localDockerHost } : this.engineEndpoint(host.id)),
          ...registryAuth,
        },
        { ...kept, parent: this, dependsOn: preparation ? [preparation] : [] },
      );
      // The network as what is placed on the host (`keptOn`), which needs the provider.
      const keptNetwork = this.failed.has(key)
        ? keptAsDeployed(this.lost.has(key) ? provider : undefined)
        : {};
      return {
        provider,
        network: this.platformNetwork(name, key, args.stack, provider, keptNetwork),
        preparation,
      };
    };
    this.engines = new DeclaredOnUse(
      "host",
      args.local ? [""] : args.hosts.map((h) => h.id),
      declareEngine,
    );
    this.declareChildren(this.engines.keys, (key) => this.engines.get(key));
    this.registerOutputs({ networkName: this.networkName });
  }

  /**
   * The host's `prepare` commands, run once over SSH before anything is placed on it, and again
   * only when they change (`triggers`: the command is made anew). A new connection (the operator's
   * key rotated, another user or port) only checks that the host answers on it (`update`), and is
   * kept for the next run: without an update command, @pulumi/command runs `create` again.
   */
  private prepare(
    name: string,
    host: HostSpec,
    prepare: NonNullable<HostSpec["prepare"]>,
    privateKey: pulumi.Input<string>,
    kept: pulumi.CustomResourceOptions,
  ): command.remote.Command {
    const { user, port, commands, hostKey } = prepare;
    return new command.remote.Command(
      `${name}-${host.id}-prepare`,
      {
        connection: { host: host.address, user, port, privateKey, ...(hostKey ? { hostKey } : {}) },
        create: commands.join(" && "),
        update: "true",
        triggers: [commands.join("\n")],
      },
      { ...kept, parent: this },
    );
  }

  /**
   * The platform network on the engine of `key` ("" for the one local Engine, whose network has
   * fixed addresses for the quorum members: core/local-network.ts).
   */
  private platformNetwork(
    name: string,
    key: string,
    stack: string,
    provider: docker.Provider,
    kept: pulumi.CustomResourceOptions,
  ): docker.Network {
    const ipam = key === "" ? localNetwork(stack) : undefined;
    return new docker.Network(
      `${name}-${key === "" ? "" : `${key}-`}net`,
      {
        name: this.networkName,
        driver: "bridge",
        labels: [{ label: "platform.stack", value: stack }],
        ...(ipam
          ? { ipamConfigs: [{ subnet: ipam.subnet, gateway: ipam.gateway, ipRange: ipam.ipRange }] }
          : {}),
      },
      { ...kept, parent: this, provider },
    );
  }

  /**
   * `keptAsDeployed` for a resource of failed host `hostId` (failedHosts; on lostHosts, not
   * deleted through its engine when its provider goes too), nothing for any other. On the local
   * stack, whose hosts share one engine, the engine itself is never kept, and a lost host's
   * containers are deleted through it once they leave the stack.
   */
  public keptOn(hostId: string): pulumi.CustomResourceOptions {
    if (!this.failed.has(hostId)) return {};
    return keptAsDeployed(this.lost.has(hostId) ? this.engineOn(hostId).provider : undefined);
  }

  /** True when `hostId` is down (failedHosts). */
  public isFailed(hostId: string): boolean {
    return this.failed.has(hostId);
  }

  /**
   * How `hostId`'s Engine is reached: its provider's arguments, and how the machine running
   * `pulumi up` reaches it otherwise (the balancers' served gate).
   */
  public engineEndpoint(hostId: string): EngineEndpoint {
    const host = this.hostsById.get(hostId);
    if (host === undefined) throw new Error(`unknown host "${hostId}"`);
    if (this.localDockerHost !== undefined) return { host: this.localDockerHost };
    const { host: url, certPath, sshOpts } = host.docker!;
    return { host: url, ...(certPath ? { certPath } : {}), ...(sshOpts ? { sshOpts } : {}) };
  }

  /** The engine of `hostId` (declared now if no part was placed there yet). */
  public engineOn(hostId: string): HostEngine {
    const key = this.engineOf.get(hostId);
    if (key === undefined) throw new Error(`unknown host "${hostId}"`);
    return this.engines.get(key);
  }

  /**
   * Options for a resource on `hostId`'s engine that needs no network (a volume): its provider (if
   * any) and the host's preparation, so it is created while the network is still being made.
   */
  public onEngineOf(hostId: string, parent: pulumi.Resource): pulumi.CustomResourceOptions {
    const engine = this.engineOn(hostId);
    return {
      ...this.keptOn(hostId),
      parent,
      provider: engine.provider,
      dependsOn: engine.preparation ? [engine.preparation] : [],
    };
  }

  /** Options for a resource placed on `hostId`: its provider (if any), its network and preparation. */
  public placeOn(
    hostId: string,
    parent: pulumi.Resource,
    extra: pulumi.CustomResourceOptions = {},
  ): pulumi.CustomResourceOptions {
    const engine = this.engineOn(hostId);
    const deps = [engine.network, ...(engine.preparation ? [engine.preparation] : [])];
    const extraDeps =
      extra.dependsOn === undefined
        ? []
        : Array.isArray(extra.dependsOn)
          ? extra.dependsOn
          : [extra.dependsOn];
    return {
      ...extra,
      ...this.keptOn(hostId),
      parent,
      provider: engine.provider,
      dependsOn: [...deps, ...(extraDeps as pulumi.Input<pulumi.Resource>[])],
    };
  }
}

/**
 * A warning for each host prepared over SSH without `prepare.hostKey`: @pulumi/command then runs
 * its commands, with the operator's key, on whatever answers at its address.
 */
export function unpinnedHostKeys(hosts: readonly HostSpec[]): string[] {
  return hosts
    .filter((h) => h.prepare !== undefined && h.prepare.hostKey === undefined)
    .map(
      (h) =>
        `host ${h.id} is prepared over SSH without prepare.hostKey: its commands run on whatever answers at ${h.address}:${h.prepare!.port}. Set it to the key its sshd shows, a line of its /etc/ssh/ssh_host_*_key.pub ('ssh-ed25519 AAAA...')`,
    );
}
