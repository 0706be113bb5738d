import * as pulumi from "@pulumi/pulumi";
import { BatchedComponent } from "../core/declare-in-batches";
import { PORTS, partAddress } from "../core/endpoints";
import { PlatformSpec } from "../core/platform-spec";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { mesosZkUrl } from "./mesos-flags";
import { mesosAgentContainer, mesosMasterContainer } from "./mesos-containers";

export interface MesosClusterArgs {
  /** The resolved platform: a master on each master host, an agent on each slave host. Nothing is declared when `spec.features.mesos` is off. */
  spec: PlatformSpec;
  /** Where the containers are placed. */
  hosts: HostInventory;
  /** What must exist first: the ZooKeeper ensemble (and, for the whitelist, the Consul servers). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The Mesos cluster of the paper: masters (`--quorum` of the masters) elected through ZooKeeper, and agents offering the slaves' resources. */
export class MesosCluster extends BatchedComponent {
  /** Master container per master host id. */
  public readonly masters: Record<string, ContainerResource>;
  /** Agent container per slave host id (complete once `declared` has settled). */
  public readonly agents: Record<string, ContainerResource>;
  /** `zk://…/mesos`: how agents and frameworks find the leading master. */
  public readonly zkUrl: string;
  /** The masters' HTTP endpoints (any of them redirects to the leader). */
  public readonly masterUrls: Record<string, string>;

  constructor(name: string, args: MesosClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:mesos:MesosCluster", name, {}, opts);
    const { spec, hosts } = args;
    const on = spec.features.mesos;
    this.masters = {};
    this.agents = {};
    this.masterUrls = {};
    for (const host of on ? spec.masters : []) {
      this.masters[host.id] = declareContainer(this, hosts, host.id, `${name}-master-${host.id}`, mesosMasterContainer(spec, host), {
        dependsOn: args.dependsOn,
      }).container;
      this.masterUrls[host.id] = `http://${partAddress(spec, "mesos-master", host)}:${PORTS.mesosMaster}`;
    }
    const masters = Object.values(this.masters);
    const agentSpecs = (on ? spec.slaves : []).map((host) => ({ host, spec: mesosAgentContainer(spec, host) }));
    this.declareChildren(agentSpecs, ({ host, spec: agent }) => {
      this.agents[host.id] = declareContainer(this, hosts, host.id, `${name}-agent-${host.id}`, agent, { dependsOn: [...(args.dependsOn ?? []), ...masters] }).container;
    });
    this.zkUrl = mesosZkUrl(spec);
    this.registerOutputs({ zkUrl: this.zkUrl, masterUrls: this.masterUrls });
  }
}
