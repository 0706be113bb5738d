import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Backend, HostSpec } from "../core/config-schema";
import { physicalName } from "../core/naming";
import { DockerNetwork } from "../dynamic/docker-resources";

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
  /** `providers` (docker provider plugin, default) or `dynamic` (the project's Docker Engine API provider). */
  backend?: Backend;
}

/** The platform network of a host, from either backend. */
export type NetworkResource = docker.Network | DockerNetwork;

/**
 * The host inventory: how each host's Docker Engine is reached (a Docker provider per host, one
 * shared on the local Engine), the platform network, and optional preparation of each host over
 * SSH before anything is placed there.
 */
export class HostInventory extends pulumi.ComponentResource {
  /** Which backend declares containers. */
  public readonly backend: Backend;
  /** Docker host URL per host id. */
  public readonly dockerHosts: Record<string, string>;
  /** Docker provider per host id (`providers` backend only). */
  public readonly providers: Record<string, docker.Provider>;
  /** The platform network per host id (the same network for every host of the local stack). */
  public readonly networks: Record<string, NetworkResource>;
  /** Physical name of the platform network. */
  public readonly networkName: string;
  /** Preparation commands per host id (absent when the host needs none). */
  public readonly preparations: Record<string, command.remote.Command>;

  constructor(name: string, args: HostInventoryArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:hosts:HostInventory", name, {}, opts);
    this.backend = args.backend ?? "providers";
    this.dockerHosts = {};
    this.providers = {};
    this.networks = {};
    this.preparations = {};
    this.networkName = physicalName(args.stack, "net");
    const labels = { "platform.stack": args.stack };

    const declareEngine = (key: string, dockerHost: string, extra: { certPath?: string; sshOpts?: string[] }, dependsOn: pulumi.Resource[]) => {
      if (this.backend === "dynamic") {
        return { network: new DockerNetwork(`${name}-${key}net`, { dockerHost, name: this.networkName, labels }, { parent: this, dependsOn }) };
      }
      const provider = new docker.Provider(`${name}-${key === "" ? "local" : key.slice(0, -1)}`, { host: dockerHost, ...extra }, { parent: this, dependsOn });
      const network = new docker.Network(
        `${name}-${key}net`,
        { name: this.networkName, driver: "bridge", labels: Object.entries(labels).map(([label, value]) => ({ label, value })) },
        { parent: this, provider },
      );
      return { provider, network };
    };

    if (args.local) {
      const dockerHost = args.localDockerHost ?? "unix:///var/run/docker.sock";
      const engine = declareEngine("", dockerHost, {}, []);
      for (const h of args.hosts) {
        this.dockerHosts[h.id] = dockerHost;
        this.networks[h.id] = engine.network;
        if (engine.provider) this.providers[h.id] = engine.provider;
      }
    } else {
      for (const h of args.hosts) {
        if (h.prepare) {
          if (args.sshPrivateKey === undefined) throw new Error(`host ${h.id} has prepare commands but no sshPrivateKey was given`);
          this.preparations[h.id] = new command.remote.Command(
            `${name}-${h.id}-prepare`,
            {
              connection: { host: h.address, user: h.prepare.user, port: h.prepare.port, privateKey: args.sshPrivateKey },
              create: h.prepare.commands.join(" && "),
              triggers: [h.prepare.commands.join("\n")],
            },
            { parent: this },
          );
        }
        const prep = this.preparations[h.id];
        this.dockerHosts[h.id] = h.docker!.host;
        const engine = declareEngine(`${h.id}-`, h.docker!.host, { certPath: h.docker!.certPath, sshOpts: h.docker!.sshOpts }, prep ? [prep] : []);
        this.networks[h.id] = engine.network;
        if (engine.provider) this.providers[h.id] = engine.provider;
      }
    }
    this.registerOutputs({ networkName: this.networkName });
  }

  /** Options for a resource placed on `hostId`: its provider (if any), its network and preparation. */
  public placeOn(hostId: string, parent: pulumi.Resource, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    if (this.dockerHosts[hostId] === undefined) throw new Error(`unknown host "${hostId}"`);
    const deps = [this.networks[hostId], ...(this.preparations[hostId] ? [this.preparations[hostId]] : [])];
    const extraDeps = extra.dependsOn === undefined ? [] : Array.isArray(extra.dependsOn) ? extra.dependsOn : [extra.dependsOn];
    const provider = this.providers[hostId];
    return { ...extra, parent, ...(provider ? { provider } : {}), dependsOn: [...deps, ...(extraDeps as pulumi.Input<pulumi.Resource>[])] };
  }
}
