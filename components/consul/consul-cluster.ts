import * as consul from "@pulumi/consul";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../core/endpoints";
import { PlatformSpec } from "../core/platform-spec";
import { declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import {
  CONSUL_CONFIG_DIR,
  consulAgentConfig,
  consulAgentContainer,
  consulAgentHosts,
  consulServerConfig,
  consulServerContainer,
  esmContainer,
  esmHosts,
  withGossipKey,
} from "./consul-containers";

export interface ConsulClusterArgs {
  /** The resolved platform: servers on the masters, client agents on every other host. */
  spec: PlatformSpec;
  hosts: HostInventory;
  /** Gossip encryption key (a Pulumi secret, `consul keygen`); gossip is unencrypted when absent. */
  gossipKey?: pulumi.Input<string>;
  /**
   * Address of the Consul HTTP API the library registers instances through. Default: the first
   * server (its container address on the local stack, `http://<address>:8500` on real hosts).
   */
  apiAddress?: pulumi.Input<string>;
}

/** Consul: servers on the masters (bootstrap_expect = masters), agents elsewhere, consul-esm, and a provider. */
export class ConsulCluster extends pulumi.ComponentResource {
  public readonly servers: Record<string, docker.Container>;
  public readonly agents: Record<string, docker.Container>;
  public readonly esm: Record<string, docker.Container>;
  /** Provider for registrations, pointed at the API address. */
  public readonly provider: consul.Provider;
  /** The HTTP API address the provider uses. */
  public readonly apiAddress: pulumi.Output<string>;

  constructor(name: string, args: ConsulClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:consul:ConsulCluster", name, {}, opts);
    const { spec, hosts } = args;
    const encrypt = args.gossipKey !== undefined;
    const secretConfig = (rendered: string) =>
      args.gossipKey === undefined ? rendered : pulumi.secret(pulumi.output(args.gossipKey).apply((k) => withGossipKey(rendered, k)));

    this.servers = {};
    for (const host of spec.masters) {
      this.servers[host.id] = declareContainer(this, hosts, host.id, `${name}-server-${host.id}`, consulServerContainer(spec, host), {
        secretFiles: [{ path: `${CONSUL_CONFIG_DIR}/consul.json`, content: secretConfig(consulServerConfig(spec, host, encrypt)) }],
      }).container;
    }
    const serverList = Object.values(this.servers);
    this.agents = {};
    for (const host of consulAgentHosts(spec)) {
      this.agents[host.id] = declareContainer(this, hosts, host.id, `${name}-agent-${host.id}`, consulAgentContainer(spec, host), {
        secretFiles: [{ path: `${CONSUL_CONFIG_DIR}/consul.json`, content: secretConfig(consulAgentConfig(spec, host, encrypt)) }],
        dependsOn: serverList,
      }).container;
    }
    this.esm = {};
    if (spec.features.consulEsm) {
      for (const host of esmHosts(spec)) {
        this.esm[host.id] = declareContainer(this, hosts, host.id, `${name}-esm-${host.id}`, esmContainer(spec, host), { dependsOn: serverList }).container;
      }
    }

    const first = spec.masters[0];
    this.apiAddress = pulumi.output(
      args.apiAddress ??
        (spec.local
          ? this.servers[first.id].networkDatas.apply((n) => `http://${n?.[0]?.ipAddress ?? "127.0.0.1"}:${PORTS.consulHttp}`)
          : `http://${first.address}:${PORTS.consulHttp}`),
    );
    this.provider = new consul.Provider(`${name}-api`, { address: this.apiAddress, datacenter: spec.consul.datacenter }, { parent: this, dependsOn: serverList });
    this.registerOutputs({ apiAddress: this.apiAddress });
  }
}
