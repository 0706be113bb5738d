import * as pulumi from "@pulumi/pulumi";
import { BatchedComponent } from "../core/declare-in-batches";
import { LoggingSpec } from "../core/platform-spec";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { logstashAddress, logstashEndpoint } from "./logging-containers";
import { LoggingTls } from "./logging-tls";
import { filebeatCertificate, logstashCertificate, loggingTlsOn } from "./logging-tls-plan";
import { loggingPlan } from "../plan";

export interface LoggingStackArgs {
  /** What it reads of the site (`resolvePlatform`, `platformFromValues`; a `PlatformSpec` is one): Filebeat on every slave, Logstash on the host with role logging (required). */
  spec: LoggingSpec;
  /** Where the containers are placed. */
  inventory: HostInventory;
  /**
   * What a host's Filebeat is created after: the containers there that it ships (the platform
   * gives its service instances and agents). Filebeat 7.17's Docker watcher lists the running
   * containers, then follows the Engine's events from the moment after, and never ships a
   * container that started in between; one created after them lists them all (and reads each
   * log from its start).
   */
  shippedOn?: (hostId: string) => pulumi.Input<pulumi.Resource>[];
}

/**
 * The logging stack of an environment: Filebeat on every slave ships the output of every service
 * and agent container to one Logstash, which writes one file per service and day.
 */
export class LoggingStack extends BatchedComponent {
  /** The Logstash container. */
  public readonly logstash: ContainerResource;
  /** Filebeat container per slave host id. */
  public get filebeats(): Record<string, ContainerResource> {
    this.completeNow();
    return this.filebeatContainers;
  }
  private readonly filebeatContainers: Record<string, ContainerResource> = {};
  /** The Docker API proxy of Filebeat per slave host id (hosts/docker-api-proxy.ts). */
  public get filebeatProxies(): Record<string, ContainerResource> {
    this.completeNow();
    return this.proxyContainers;
  }
  private readonly proxyContainers: Record<string, ContainerResource> = {};
  /** Where Filebeat ships to: `host:5044`. */
  public readonly logstashEndpoint: string;

  constructor(name: string, args: LoggingStackArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { spec, inventory } = args;
    const plan = loggingPlan(spec);
    super("lhcb-platform:logging:LoggingStack", name, {}, opts);

    const tls = loggingTlsOn(spec)
      ? new LoggingTls(`${name}-tls`, { stack: spec.stack }, { parent: this })
      : undefined;
    const { hostId: logging, container: logstash } = plan.logstash;
    this.logstash = declareContainer(
      this,
      inventory,
      logging,
      `${name}-logstash-${logging}`,
      logstash,
      {
        secrets: tls?.filesFor(
          `logstash-${logging}`,
          logstashCertificate(spec.stack, logstashAddress(spec)),
        ),
      },
    ).container;
    const proxies = new Map(plan.filebeatProxies.map((p) => [p.hostId, p.container]));
    this.declareChildren(plan.filebeats, ({ hostId, container }) => {
      // Filebeat after its Docker API proxy (it lists the containers as it starts) and after
      // the containers it ships, which it then lists.
      const proxy = declareContainer(
        this,
        inventory,
        hostId,
        `${name}-filebeat-docker-api-${hostId}`,
        proxies.get(hostId)!,
      ).container;
      this.proxyContainers[hostId] = proxy;
      this.filebeatContainers[hostId] = declareContainer(
        this,
        inventory,
        hostId,
        `${name}-filebeat-${hostId}`,
        container,
        {
          dependsOn: [proxy, ...(args.shippedOn?.(hostId) ?? [])],
          secrets: tls?.filesFor(
            `filebeat-${hostId}`,
            filebeatCertificate(
              spec.stack,
              spec.hosts.find((h) => h.id === hostId)!,
            ),
          ),
        },
      ).container;
    });
    this.logstashEndpoint = logstashEndpoint(spec);
    this.registerOutputs({ logstashEndpoint: this.logstashEndpoint });
  }
}
