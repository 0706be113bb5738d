import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { HostSpec } from "../core/config-schema";
import { physicalName } from "../core/naming";

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
}

/**
 * The host inventory: one Docker provider per host (one shared provider on the local Engine), the
 * platform network, and optional preparation of each host over SSH before anything is placed there.
 */
export class HostInventory extends pulumi.ComponentResource {
  /** Docker provider per host id. */
  public readonly providers: Record<string, docker.Provider>;
  /** The platform network per host id (the same network for every host of the local stack). */
  public readonly networks: Record<string, docker.Network>;
  /** Physical name of the platform network. */
  public readonly networkName: string;
  /** Preparation commands per host id (absent when the host needs none). */
  public readonly preparations: Record<string, command.remote.Command>;

  constructor(name: string, args: HostInventoryArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:hosts:HostInventory", name, {}, opts);
    this.providers = {};
    this.networks = {};
    this.preparations = {};
    this.networkName = physicalName(args.stack, "net");

    if (args.local) {
      const provider = new docker.Provider(`${name}-local`, { host: args.localDockerHost ?? "unix:///var/run/docker.sock" }, { parent: this });
      const network = new docker.Network(
        `${name}-net`,
        { name: this.networkName, driver: "bridge", labels: [{ label: "platform.stack", value: args.stack }] },
        { parent: this, provider },
      );
      for (const h of args.hosts) {
        this.providers[h.id] = provider;
        this.networks[h.id] = network;
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
        const provider = new docker.Provider(
          `${name}-${h.id}`,
          { host: h.docker!.host, certPath: h.docker!.certPath, sshOpts: h.docker!.sshOpts },
          { parent: this, dependsOn: prep ? [prep] : [] },
        );
        this.providers[h.id] = provider;
        this.networks[h.id] = new docker.Network(
          `${name}-${h.id}-net`,
          { name: this.networkName, driver: "bridge", labels: [{ label: "platform.stack", value: args.stack }] },
          { parent: this, provider },
        );
      }
    }
    this.registerOutputs({ networkName: this.networkName });
  }

  /** Options for a resource placed on `hostId`: its provider and, on real hosts, its preparation. */
  public placeOn(hostId: string, parent: pulumi.Resource, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    const provider = this.providers[hostId];
    if (provider === undefined) throw new Error(`unknown host "${hostId}"`);
    const deps = [this.networks[hostId], ...(this.preparations[hostId] ? [this.preparations[hostId]] : [])];
    const extraDeps = extra.dependsOn === undefined ? [] : Array.isArray(extra.dependsOn) ? extra.dependsOn : [extra.dependsOn];
    return { ...extra, parent, provider, dependsOn: [...deps, ...(extraDeps as pulumi.Input<pulumi.Resource>[])] };
  }
}
