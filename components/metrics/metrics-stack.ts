import * as pulumi from "@pulumi/pulumi";
import { BatchedComponent } from "../core/declare-in-batches";
import { MetricsSpec } from "../core/platform-spec";
import { LocalCommand } from "../core/local-command";
import { PROBE_COMMAND, probeEnvironment } from "../core/readiness";
import { atProbeAddress, containerReadiness } from "../hosts/container-readiness";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { HostInventory } from "../hosts/host-inventory";
import { grafanaUrl } from "./grafana";
import { influxdbDatabaseProbe, influxdbUrl, monitoringHost } from "./influxdb-config";
import { metricsPlan } from "../plan";

export interface MetricsStackArgs {
  /**
   * What it reads of the site (`resolvePlatform`, `platformFromValues`; a `PlatformSpec` is one): InfluxDB (and Grafana when `features.grafana`) on the host with role
   * monitoring (required), cAdvisor on every slave.
   */
  spec: MetricsSpec;
  /** Where the containers are placed. */
  inventory: HostInventory;
  /** Grafana's admin password, a Pulumi secret. Required when `spec.features.grafana` is on. */
  grafanaAdminPassword?: pulumi.Input<string>;
}

/** The metrics stack of an environment: cAdvisor on every slave → InfluxDB → Grafana dashboards per service. */
export class MetricsStack extends BatchedComponent {
  /** The InfluxDB container. */
  public readonly influxdb: ContainerResource;
  /** Created once InfluxDB answers and holds cAdvisor's database; the cAdvisors wait for it. */
  public readonly database: LocalCommand;
  /** The Grafana container; undefined when Grafana is off. */
  public readonly grafana?: ContainerResource;
  /** cAdvisor container per slave host id. */
  public get cadvisors(): Record<string, ContainerResource> {
    this.completeNow();
    return this.cadvisorContainers;
  }
  private readonly cadvisorContainers: Record<string, ContainerResource> = {};
  /** `http://host:8086`. */
  public readonly influxdbUrl: string;
  /** `http://host:3000`; undefined when Grafana is off. */
  public readonly grafanaUrl?: string;

  constructor(name: string, args: MetricsStackArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { spec, inventory } = args;
    const monitoring = monitoringHost(spec);
    if (spec.features.grafana && args.grafanaAdminPassword === undefined) {
      throw new Error(
        `stack ${spec.stack}: the secret lhcb-platform:grafanaAdminPassword is required when Grafana is on`,
      );
    }
    const plan = metricsPlan(spec);
    super("lhcb-platform:metrics:MetricsStack", name, {}, opts);

    const influxdbSpec = plan.influxdb.container;
    this.influxdb = declareContainer(
      this,
      inventory,
      monitoring.id,
      `${name}-influxdb-${monitoring.id}`,
      influxdbSpec,
    ).container;
    this.database = containerReadiness(this, `${name}-influxdb-database`, this.influxdb, {
      create: PROBE_COMMAND,
      environment: atProbeAddress(
        {
          local: spec.local,
          container: this.influxdb,
          containerSpec: influxdbSpec,
          hostAddress: monitoring.address,
        },
        (address) => probeEnvironment(influxdbDatabaseProbe(spec, address)),
      ),
    });
    this.influxdbUrl = influxdbUrl(spec);
    if (plan.grafana) {
      this.grafana = declareContainer(
        this,
        inventory,
        monitoring.id,
        `${name}-grafana-${monitoring.id}`,
        plan.grafana.container,
        {
          secrets: { grafanaAdminPassword: args.grafanaAdminPassword },
          dependsOn: [this.influxdb],
        },
      ).container;
      this.grafanaUrl = grafanaUrl(spec);
    }
    this.declareChildren(plan.cadvisors, ({ hostId, container }) => {
      this.cadvisorContainers[hostId] = declareContainer(
        this,
        inventory,
        hostId,
        `${name}-cadvisor-${hostId}`,
        container,
        { dependsOn: [this.database] },
      ).container;
    });
    this.registerOutputs({ influxdbUrl: this.influxdbUrl, grafanaUrl: this.grafanaUrl });
  }
}
