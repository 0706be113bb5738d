import * as pulumi from "@pulumi/pulumi";
import { BatchedComponent } from "../core/declare-in-batches";
import { assertQuorum } from "../core/quorum";
import { PORTS, partAddress } from "../core/endpoints";
import { MesosSpec } from "../core/platform-spec";
import { ContainerResource, declareContainer, declarePlanned } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { mesosZkUrl } from "./mesos-flags";
import { mesosPlan } from "../plan";
import { assertMesosSecrets, MesosSecrets, mesosSecretValues } from "./mesos-auth-plan";
import { assertZookeeperPasswords } from "../zookeeper/zookeeper-clients";

export interface MesosClusterArgs {
  /** What it reads of the site (`resolvePlatform`, `platformFromValues`; a `PlatformSpec` is one): a master on each master host, an agent on each slave host. Nothing is declared when `spec.features.mesos` is off. */
  spec: MesosSpec;
  /** Where the containers are placed. */
  inventory: HostInventory;
  /** What must exist first: the ZooKeeper ensemble (and, for the whitelist, the Consul servers). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** The masters' and the agents' ZooKeeper passwords (secrets; `ZooKeeperEnsemble.passwords`) where ZooKeeper asks for them. */
  zookeeperPasswords?: { mesosMaster?: pulumi.Input<string>; mesosAgent?: pulumi.Input<string> };
  /** The secrets of every Mesos principal (`mesosSecrets`), where Mesos asks for credentials: the masters hold them all. */
  mesosSecrets?: MesosSecrets<pulumi.Input<string>>;
  /**
   * By slave host id, the step that passes once the host's port guard has closed the task ports
   * (`PortGuards.ready`): an agent, which starts tasks that publish ports, is created after it.
   */
  guards?: Record<string, pulumi.Resource>;
}

/** The Mesos cluster of the paper: masters (`--quorum` of the masters) elected through ZooKeeper, and agents offering the slaves' resources. */
export class MesosCluster extends BatchedComponent {
  /** Master container per master host id. */
  public readonly masters: Record<string, ContainerResource>;
  /** Agent container per slave host id. */
  public get agents(): Record<string, ContainerResource> {
    this.completeNow();
    return this.agentContainers;
  }
  private readonly agentContainers: Record<string, ContainerResource> = {};
  /** `zk://…/mesos`: how agents and frameworks find the leading master. */
  public readonly zkUrl: string;
  /** The masters' HTTP endpoints (any of them redirects to the leader). */
  public readonly masterUrls: Record<string, string>;

  constructor(name: string, args: MesosClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Its own safety check, before anything is declared: the masters hold a quorum (`--quorum`).
    assertQuorum("MesosCluster", args.spec);
    assertZookeeperPasswords("MesosClusterArgs", args.spec, args.zookeeperPasswords ?? {}, {
      mesosMaster: "zookeeperPasswords.mesosMaster",
      mesosAgent: "zookeeperPasswords.mesosAgent",
    });
    assertMesosSecrets("MesosClusterArgs", args.spec, args.mesosSecrets, [
      "admin",
      "agent",
      "marathon",
      "chronos",
    ]);
    super("lhcb-platform:mesos:MesosCluster", name, {}, opts);
    const { spec, inventory } = args;
    const planned = mesosPlan.masters(spec);
    this.masters = declarePlanned(this, inventory, `${name}-master-`, planned, args.dependsOn, {
      zookeeperPassword: args.zookeeperPasswords?.mesosMaster,
      ...mesosSecretValues(args.mesosSecrets ?? {}),
    });
    const byId = new Map(spec.hosts.map((h) => [h.id, h]));
    this.masterUrls = Object.fromEntries(
      planned.map(({ hostId }) => [
        hostId,
        `http://${partAddress(spec, "mesos-master", byId.get(hostId)!)}:${PORTS.mesosMaster}`,
      ]),
    );
    const masters = Object.values(this.masters);
    this.declareChildren(mesosPlan.agents(spec), ({ hostId, container }) => {
      this.agentContainers[hostId] = declareContainer(
        this,
        inventory,
        hostId,
        `${name}-agent-${hostId}`,
        container,
        {
          dependsOn: [
            ...(args.dependsOn ?? []),
            ...masters,
            ...(args.guards?.[hostId] === undefined ? [] : [args.guards[hostId]]),
          ],
          secrets: {
            zookeeperPassword: args.zookeeperPasswords?.mesosAgent,
            ...mesosSecretValues({
              admin: args.mesosSecrets?.admin,
              agent: args.mesosSecrets?.agent,
            }),
          },
        },
      ).container;
    });
    this.zkUrl = mesosZkUrl(spec);
    this.registerOutputs({ zkUrl: this.zkUrl, masterUrls: this.masterUrls });
  }
}
