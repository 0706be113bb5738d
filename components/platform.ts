import * as pulumi from "@pulumi/pulumi";
import { ScheduledAgents } from "./agents/scheduled-agents";
import { ConsulCluster } from "./consul/consul-cluster";
import { PORTS, partAddress } from "./core/endpoints";
import { PlatformSpec } from "./core/platform-spec";
import { LoadBalancers } from "./haproxy/load-balancers";
import { HostInventory } from "./hosts/host-inventory";
import { ServiceInstances } from "./services/service-instances";
import { ZooKeeperEnsemble } from "./zookeeper/zookeeper-ensemble";

export interface PlatformSecrets {
  /** Consul gossip encryption key (`consul keygen`). Required for cert and prod. */
  consulGossipKey?: pulumi.Input<string>;
  /** Grafana's admin password. Required when Grafana is on. */
  grafanaAdminPassword?: pulumi.Input<string>;
  /** SSH key for host preparation. Required when a host has `prepare`. */
  sshPrivateKey?: pulumi.Input<string>;
}

export interface PlatformArgs {
  /** The resolved platform (`resolvePlatform` or `loadPlatform`): what exists is decided there. */
  spec: PlatformSpec;
  /** Secrets, kept as Pulumi secrets end to end. */
  secrets?: PlatformSecrets;
  /** Docker host of the local Engine, for the local stack. Default `unix:///var/run/docker.sock`. */
  localDockerHost?: string;
}

/** The addresses an operator needs. */
export interface PlatformEndpoints {
  loadBalancers: Record<string, string>;
  loadBalancerStats: Record<string, string>;
  consulUi: string;
  zookeeper: string;
}

/** The whole platform of one environment, composed from one typed spec. */
export class Platform extends pulumi.ComponentResource {
  public readonly hosts: HostInventory;
  public readonly zookeeper: ZooKeeperEnsemble;
  public readonly consul: ConsulCluster;
  public readonly services: ServiceInstances;
  public readonly agents: ScheduledAgents;
  public readonly loadBalancers: LoadBalancers;
  public readonly endpoints: PlatformEndpoints;

  constructor(name: string, args: PlatformArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:index:Platform", name, {}, opts);
    const { spec } = args;
    const secrets = args.secrets ?? {};
    if (!spec.local && secrets.consulGossipKey === undefined) {
      throw new Error(`stack ${spec.stack}: the secret lhcb-platform:consulGossipKey is required for ${spec.environment}`);
    }
    this.hosts = new HostInventory(`${name}-hosts`, { stack: spec.stack, hosts: spec.hosts, local: spec.local, localDockerHost: args.localDockerHost, sshPrivateKey: secrets.sshPrivateKey }, { parent: this });
    const base = { spec, hosts: this.hosts };
    this.zookeeper = new ZooKeeperEnsemble(`${name}-zookeeper`, base, { parent: this });
    this.consul = new ConsulCluster(`${name}-consul`, { ...base, gossipKey: secrets.consulGossipKey }, { parent: this });
    const consulReady = [...Object.values(this.consul.servers), ...Object.values(this.consul.agents)];
    this.services = new ServiceInstances(
      `${name}-services`,
      { ...base, consulProvider: this.consul.provider, dependsOn: Object.values(this.consul.esm) },
      { parent: this },
    );
    this.agents = new ScheduledAgents(`${name}-agents`, { ...base, dependsOn: consulReady }, { parent: this });
    this.loadBalancers = new LoadBalancers(`${name}-lb`, { ...base, dependsOn: consulReady }, { parent: this });

    this.endpoints = {
      loadBalancers: Object.fromEntries(spec.loadBalancers.map((h) => [h.id, partAddress(spec, "lb", h)])),
      loadBalancerStats: this.loadBalancers.statsUrls,
      consulUi: `http://${partAddress(spec, "consul-server", spec.masters[0])}:${PORTS.consulHttp}/ui`,
      zookeeper: this.zookeeper.connectString,
    };
    this.registerOutputs({ endpoints: this.endpoints });
  }
}
