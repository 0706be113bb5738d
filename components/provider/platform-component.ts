import * as pulumi from "@pulumi/pulumi";
import { PlatformValues } from "../core/platform-input";
import { platformFromValues } from "../platform-values";
import { assertPlatformSecretsGiven, declarePlatform, PlatformEndpoints } from "../platform";

/** The arguments of the platform from other languages: its settings and catalog as values. */
export interface PlatformArgs {
  /** The stack's name: part of every physical name, and the default environment (`local`, `cert`, `prod`). */
  stack: string;
  /**
   * The settings as they stand under `lhcb-platform:` in a stack file (hosts, images, features,
   * ...), without `catalog`. Checked as a whole: one error lists every problem by its path.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the settings' shape is checked by the config schema, not by the caller's language
  config: { [key: string]: any };
  /** The services and agents, as a catalog file holds them (`services`, `agents`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked by the catalog schema
  catalog: { [key: string]: any };
  /** Consul gossip encryption key (`consul keygen`), a secret. Required for cert and prod. */
  consulGossipKey?: pulumi.Input<string>;
  /**
   * Consul's management token (a UUID), a secret, where Consul's ACLs are on (cert and prod):
   * made at the first `up` and kept in the stack when not given.
   */
  consulManagementToken?: pulumi.Input<string>;
  /** Grafana's admin password, a secret. Required when Grafana is on. */
  grafanaAdminPassword?: pulumi.Input<string>;
  /** SSH key for host preparation, a secret. Required when a host has `prepare`. */
  sshPrivateKey?: pulumi.Input<string>;
  /**
   * The password of `config.registryUser` at the registry `config.registry` names, a secret, with
   * which every host's Engine pulls the images. Required when `config` names a `registryUser`.
   */
  registryPassword?: pulumi.Input<string>;
  /**
   * The private key (PEM) of `config.grafanaCertificate`, a secret. Required when `config` gives
   * Grafana a certificate of its own.
   */
  grafanaCertificateKey?: pulumi.Input<string>;
  /** Docker host of the local Engine, for the local stack. Default `unix:///var/run/docker.sock`. */
  localDockerHost?: string;
}

/**
 * The whole platform of one environment from its settings and catalog as values. Bad values, or
 * a secret the settings need and the arguments lack, fail the component before any of its
 * children is declared, with one message naming `config`, `catalog` or the argument, the path
 * inside it and what was expected. Its outputs resolve once every part is declared.
 */
export class Platform extends pulumi.ComponentResource {
  /** The addresses an operator needs: load balancers, their stats pages, Consul, ZooKeeper, ... */
  public readonly endpoints: pulumi.Output<PlatformEndpoints>;
  /** Consul's management token (a secret) where ACLs are on; empty on local. */
  public readonly consulManagementToken: pulumi.Output<string>;
  /** The CA certificate (PEM) Consul's HTTPS API is checked against where its TLS is on; empty on `local`. */
  public readonly consulCaCertificate: pulumi.Output<string>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    const spec = platformFromValues({
      stack: args.stack,
      config: args.config as PlatformValues["config"],
      catalog: args.catalog as PlatformValues["catalog"],
      sources: { config: `${name}: config`, catalog: `${name}: catalog` },
    });
    const secrets = {
      consulGossipKey: args.consulGossipKey,
      consulManagementToken: args.consulManagementToken,
      grafanaAdminPassword: args.grafanaAdminPassword,
      sshPrivateKey: args.sshPrivateKey,
      registryPassword: args.registryPassword,
      grafanaCertificateKey: args.grafanaCertificateKey,
    };
    assertPlatformSecretsGiven(spec, secrets, `${name}: PlatformArgs`, (key) => key);
    super("lhcb-platform:index:Platform", name, {}, opts);
    const parts = declarePlatform(this, name, {
      spec,
      secrets,
      localDockerHost: args.localDockerHost,
    });
    // The endpoints are given once every part is declared (`PlatformParts.declared`).
    this.endpoints = pulumi.output(parts.declared.then(() => parts.endpoints));
    this.consulManagementToken = parts.consul.managementToken ?? pulumi.output("");
    this.consulCaCertificate = parts.consul.caCertificate ?? pulumi.output("");
    this.registerOutputs({
      endpoints: this.endpoints,
      consulManagementToken: this.consulManagementToken,
      consulCaCertificate: this.consulCaCertificate,
    });
  }
}
