import * as pulumi from "@pulumi/pulumi";
import { BatchedComponent } from "../core/declare-in-batches";
import { MetricsSpec } from "../core/platform-spec";
import { LocalCommand } from "../core/local-command";
import { generatedSecret, PASSWORD_COMMAND } from "../core/generated-secret";
import {
  commandTrustingCa,
  PROBE_COMMAND,
  probeCaEnvironment,
  probeEnvironment,
} from "../core/readiness";
import { atProbeAddress, containerReadiness } from "../hosts/container-readiness";
import { ContainerResource, declareContainer } from "../hosts/declare-container";
import { ContainerSpec } from "../core/container-spec";
import { PORTS } from "../core/endpoints";
import { HostInventory } from "../hosts/host-inventory";
import { grafanaUrl } from "./grafana";
import {
  influxdbAuthEnforced,
  INFLUXDB_SETUP_COMMAND,
  InfluxdbRole,
  influxdbSetupEnvironment,
} from "./influxdb-auth-plan";
import {
  influxdbDatabaseProbe,
  influxdbUrl,
  METRICS_DATABASE,
  monitoringHost,
} from "./influxdb-config";
import { metricsPlan } from "../plan";
import { MetricsTls } from "./metrics-tls";
import { metricsScheme, metricsTlsOn } from "./metrics-tls-plan";

export interface MetricsStackArgs {
  /**
   * What it reads of the site (`resolvePlatform`, `platformFromValues`; a `PlatformSpec` is one): InfluxDB (and Grafana when `features.grafana`) on the host with role
   * monitoring (required), a cAdvisor per Docker Engine of the slaves (`cadvisorHosts`: one on
   * the local stack) and the metrics shipper on every slave.
   */
  spec: MetricsSpec;
  /** Where the containers are placed. */
  inventory: HostInventory;
  /** Grafana's admin password, a Pulumi secret. Required when `spec.features.grafana` is on. */
  grafanaAdminPassword?: pulumi.Input<string>;
  /**
   * The private key (PEM, a Pulumi secret) of `spec.grafanaCertificate`. Required when the spec
   * gives one; without, Grafana's certificate is made by the metrics CA.
   */
  grafanaCertificateKey?: pulumi.Input<string>;
}

/**
 * The metrics stack of an environment: cAdvisor per Docker Engine and a shipper on every slave →
 * InfluxDB → Grafana dashboards per service.
 */
export class MetricsStack extends BatchedComponent {
  /** The InfluxDB container. */
  public readonly influxdb: ContainerResource;
  /**
   * Created once InfluxDB answers and holds the metrics database (and, where it asks for
   * credentials, its users); the shippers wait for it.
   */
  public readonly database: LocalCommand;
  /** The password of each InfluxDB user (secrets), where InfluxDB asks for them; made at `up`. */
  public readonly influxdbPasswords?: Record<InfluxdbRole, pulumi.Output<string>>;
  /** The metrics CA, InfluxDB's certificate and Grafana's, where they speak HTTPS (`metricsTlsOn`). */
  public readonly tls?: MetricsTls;
  /** The metrics CA's certificate (PEM), which InfluxDB's clients and Grafana's check them with, where they speak HTTPS. */
  public readonly caCertificate?: pulumi.Output<string>;
  /** The Grafana container; undefined when Grafana is off. */
  public readonly grafana?: ContainerResource;
  /** cAdvisor container per slave host id: every slave, or the local stack's first (`cadvisorHosts`). */
  public get cadvisors(): Record<string, ContainerResource> {
    this.completeNow();
    return this.cadvisorContainers;
  }
  private readonly cadvisorContainers: Record<string, ContainerResource> = {};
  /** The metrics shipper per slave host id: cAdvisor's samples to InfluxDB, with the containers' labels. */
  public get shippers(): Record<string, ContainerResource> {
    this.completeNow();
    return this.shipperContainers;
  }
  private readonly shipperContainers: Record<string, ContainerResource> = {};
  /** The Docker API proxy of each cAdvisor, by the same host ids (hosts/docker-api-proxy.ts). */
  public get cadvisorProxies(): Record<string, ContainerResource> {
    this.completeNow();
    return this.proxyContainers;
  }
  private readonly proxyContainers: Record<string, ContainerResource> = {};
  /** `https://host:8086` (`http://` on the local stack). */
  public readonly influxdbUrl: string;
  /** `https://host:3000` (`http://` on the local stack); undefined when Grafana is off. */
  public readonly grafanaUrl?: string;

  constructor(name: string, args: MetricsStackArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { spec, inventory } = args;
    const monitoring = monitoringHost(spec);
    assertGrafanaSecrets(args);
    const plan = metricsPlan(spec);
    super("lhcb-platform:metrics:MetricsStack", name, {}, opts);

    const influxdbSpec = plan.influxdb.container;
    if (metricsTlsOn(spec)) {
      this.tls = new MetricsTls(`${name}-tls`, { stack: spec.stack }, { parent: this });
      this.caCertificate = this.tls.caCert;
    }
    if (influxdbAuthEnforced(spec)) this.influxdbPasswords = influxdbPasswords(this, name);
    // Where InfluxDB asks for credentials, its container makes the library's user itself before
    // it listens (influxdb-first-user.ts): the admin's password is its `influxdbPassword`.
    this.influxdb = declareContainer(
      this,
      inventory,
      monitoring.id,
      `${name}-influxdb-${monitoring.id}`,
      influxdbSpec,
      {
        secrets: {
          ...this.tls?.influxdbFiles(spec.stack, monitoring),
          influxdbPassword: this.influxdbPasswords?.admin,
        },
      },
    ).container;
    this.database = this.declareDatabase(name, spec, influxdbSpec);
    this.influxdbUrl = influxdbUrl(spec);
    if (plan.grafana) {
      this.grafana = declareContainer(
        this,
        inventory,
        monitoring.id,
        `${name}-grafana-${monitoring.id}`,
        plan.grafana.container,
        {
          secrets: {
            grafanaAdminPassword: args.grafanaAdminPassword,
            influxdbPassword: this.influxdbPasswords?.reader,
            metricsCaCert: this.caCertificate,
            ...this.grafanaTlsValues(spec, args.grafanaCertificateKey),
          },
          dependsOn: [this.influxdb],
        },
      ).container;
      this.grafanaUrl = grafanaUrl(spec);
    }
    this.declarePerSlave(name, inventory, plan);
    this.registerOutputs({ influxdbUrl: this.influxdbUrl, grafanaUrl: this.grafanaUrl });
  }

  /**
   * Grafana's certificate and key where it serves HTTPS: the stack's own (`grafanaCertificate`,
   * its key a secret), or one the metrics CA makes.
   */
  private grafanaTlsValues(
    spec: MetricsSpec,
    givenKey: pulumi.Input<string> | undefined,
  ): Partial<Record<"grafanaTlsCert" | "grafanaTlsKey", pulumi.Input<string>>> {
    if (this.tls === undefined) return {};
    if (spec.grafanaCertificate !== undefined && givenKey !== undefined)
      return { grafanaTlsCert: spec.grafanaCertificate, grafanaTlsKey: pulumi.secret(givenKey) };
    return this.tls.grafanaFiles(spec.stack, monitoringHost(spec));
  }

  /**
   * The deploy-time step after InfluxDB's container: the metrics database; where InfluxDB asks
   * for credentials, the library's user, then the database and the shippers' and Grafana's users
   * (`INFLUXDB_SETUP_PROGRAM`), else the database alone (a probe's `CREATE DATABASE`).
   */
  private declareDatabase(
    name: string,
    spec: MetricsSpec,
    influxdbSpec: ContainerSpec,
  ): LocalCommand {
    const passwords = this.influxdbPasswords;
    const where = {
      local: spec.local,
      container: this.influxdb,
      containerSpec: influxdbSpec,
      hostAddress: monitoringHost(spec).address,
    };
    if (passwords === undefined)
      return containerReadiness(this, `${name}-influxdb-database`, this.influxdb, {
        create: PROBE_COMMAND,
        environment: atProbeAddress(where, (address) =>
          probeEnvironment(influxdbDatabaseProbe(spec, address)),
        ),
      });
    // Over HTTPS where InfluxDB speaks it, trusting the metrics CA: the passwords go in the clear
    // nowhere.
    const ca = this.caCertificate;
    const environment = pulumi
      .all([pulumi.output(atProbeAddress(where, (a) => a)), passwords, ca])
      .apply(([address, p, caPem]) => ({
        ...influxdbSetupEnvironment(
          `the users and the ${METRICS_DATABASE} database of InfluxDB at ${address}`,
          `${metricsScheme(spec)}://${address}:${PORTS.influxdb}`,
          METRICS_DATABASE,
          p,
        ),
        ...probeCaEnvironment(caPem),
      }));
    return containerReadiness(this, `${name}-influxdb-database`, this.influxdb, {
      create: commandTrustingCa(INFLUXDB_SETUP_COMMAND, ca),
      environment: pulumi.secret(environment),
    });
  }

  /** The cAdvisors and every slave's shipper, once InfluxDB holds the metrics database. */
  private declarePerSlave(
    name: string,
    inventory: HostInventory,
    plan: ReturnType<typeof metricsPlan>,
  ): void {
    const perSlave = [
      ...plan.cadvisorProxies.map((p) => ({
        ...p,
        part: "cadvisor-docker-api",
        into: this.proxyContainers,
      })),
      ...plan.cadvisors.map((p) => ({ ...p, part: "cadvisor", into: this.cadvisorContainers })),
      ...plan.shippers.map((p) => ({
        ...p,
        part: "metrics-shipper",
        into: this.shipperContainers,
      })),
    ];
    this.declareChildren(perSlave, ({ hostId, container, part, into }) => {
      into[hostId] = declareContainer(
        this,
        inventory,
        hostId,
        `${name}-${part}-${hostId}`,
        container,
        // All after InfluxDB's database: cAdvisor needs nothing of it, but started at once it
        // competes for the CPU with the parts an `up` waits for (measured: docs/scale.md).
        // cAdvisor waits for its proxy's socket itself (cadvisorEntrypoint).
        {
          dependsOn: [this.database],
          secrets: {
            influxdbPassword: this.influxdbPasswords?.writer,
            metricsCaCert: this.caCertificate,
          },
        },
      ).container;
    });
  }
}

/** Throws, naming the secret, where Grafana is on without its admin's password, or given a certificate without its key. */
function assertGrafanaSecrets(args: MetricsStackArgs): void {
  const { spec } = args;
  if (spec.features.grafana && args.grafanaAdminPassword === undefined) {
    throw new Error(
      `stack ${spec.stack}: the secret lhcb-platform:grafanaAdminPassword is required when Grafana is on`,
    );
  }
  if (spec.grafanaCertificate !== undefined && args.grafanaCertificateKey === undefined) {
    throw new Error(
      `stack ${spec.stack}: the secret lhcb-platform:grafanaCertificateKey is required when grafanaCertificate is set`,
    );
  }
}

/** A password per InfluxDB user, each made at the first `up` and kept in the stack as a secret. */
function influxdbPasswords(
  parent: pulumi.Resource,
  name: string,
): Record<InfluxdbRole, pulumi.Output<string>> {
  const made = (role: InfluxdbRole) =>
    generatedSecret(parent, `${name}-influxdb-password-${role}`, PASSWORD_COMMAND);
  return { admin: made("admin"), writer: made("writer"), reader: made("reader") };
}
