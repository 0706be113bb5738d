import { apiMaster } from "./core/quorum";
import * as pulumi from "@pulumi/pulumi";
import { ScheduledAgents } from "./agents/scheduled-agents";
import { ConsulCluster } from "./consul/consul-cluster";
import { partAddress } from "./core/endpoints";
import { consulApiUrl } from "./consul/consul-tls-plan";
import { PlatformInputError } from "./core/errors";
import { missingSecrets } from "./secret-checks";
import { pauseStackTraces, withStack } from "./core/stack-traces";
import { PlatformSpec } from "./core/platform-spec";
import { LoadBalancers } from "./haproxy/load-balancers";
import { HostInventory, inventoryOf } from "./hosts/host-inventory";
import { PortGuards } from "./hosts/port-guards";
import { ServiceInstances } from "./services/service-instances";
import { DiracDatabase } from "./dirac/dirac-database-component";
import { databaseHost } from "./dirac/dirac-database";
import { ZooKeeperEnsemble } from "./zookeeper/zookeeper-ensemble";
import { ZookeeperRole } from "./zookeeper/zookeeper-auth-plan";
import { MesosCluster } from "./mesos/mesos-cluster";
import { MESOS_PRINCIPALS, mesosAuthEnforced, MesosPrincipal } from "./mesos/mesos-auth-plan";
import { mesosSecrets } from "./mesos/mesos-secrets";
import { Marathon } from "./marathon/marathon-framework";
import { MarathonApps } from "./marathon/marathon-apps";
import { marathonServices, registrarHosts, taskNodeName } from "./marathon/task-registrar";
import { TaskRegistrars } from "./marathon/task-registrars";
import { TaskRegistrarGrants } from "./consul/consul-acl";
import { Chronos } from "./chronos/chronos-framework";
import { ChronosJobs } from "./chronos/chronos-jobs";
import { CHRONOS_EPOCH } from "./chronos/chronos-job";
import { HostWhitelist } from "./whitelist/host-whitelist";
import { LoggingStack } from "./logging/logging-stack";
import { MetricsStack } from "./metrics/metrics-stack";

export interface PlatformSecrets {
  /** Consul gossip encryption key (`consul keygen`). Required for cert and prod. */
  consulGossipKey?: pulumi.Input<string>;
  /**
   * Consul's management token (a UUID), where Consul's ACLs are on (cert and prod). Optional: made
   * at the first `up` and kept in the stack when not given.
   */
  consulManagementToken?: pulumi.Input<string>;
  /** Grafana's admin password. Required when Grafana is on. */
  grafanaAdminPassword?: pulumi.Input<string>;
  /** SSH key for host preparation. Required when a host has `prepare`. */
  sshPrivateKey?: pulumi.Input<string>;
  /** The password of the spec's `registryLogin`. Required when the spec has one. */
  registryPassword?: pulumi.Input<string>;
  /** The private key (PEM) of the spec's `grafanaCertificate`. Required when the spec has one. */
  grafanaCertificateKey?: pulumi.Input<string>;
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
  /** Each load balancer's address (HAProxy serves every service there), by host id. */
  loadBalancers: Record<string, string>;
  /** Each load balancer's HAProxy stats page, by host id. */
  loadBalancerStats: Record<string, string>;
  /** Consul's web UI on the first master. */
  consulUi: string;
  /** ZooKeeper's connect string, `host:2181,...`. */
  zookeeper: string;
  /** Marathon's API and UI (with Mesos). */
  marathon?: string;
  /** Chronos's API and UI (with Mesos). */
  chronos?: string;
  /** Each Mesos master's UI, by host id (with Mesos). */
  mesosMasters?: Record<string, string>;
  /** InfluxDB's HTTP API (with metrics). */
  influxdb?: string;
  /** Grafana (with metrics and Grafana). */
  grafana?: string;
  /** Where Filebeat ships to: Logstash's Beats input (with logging). */
  logstash?: string;
}

/** The Mesos side of the platform, declared when `features.mesos` is on. */
export interface MesosParts {
  cluster: MesosCluster;
  marathon: Marathon;
  chronos: Chronos;
  apps: MarathonApps;
  jobs: ChronosJobs;
  /** On each slave, what registers Marathon's tasks in Consul (where `marathon`-mode services run). */
  registrars: TaskRegistrars;
}

/** What `declarePlatform` declares: the platform's parts, its endpoints, and when all is declared. */
export interface PlatformParts {
  inventory: HostInventory;
  /** On each slave of a site, the guard that closes the instances' ports to strangers. */
  portGuards: PortGuards;
  zookeeper: ZooKeeperEnsemble;
  consul: ConsulCluster;
  /** The DIRAC installation's MariaDB, where the stack's `dirac.database` names its host. */
  database?: DiracDatabase;
  services: ServiceInstances;
  agents: ScheduledAgents;
  loadBalancers: LoadBalancers;
  mesos?: MesosParts;
  /** The whitelist of healthy slaves on the masters, declared when `features.whitelist` is on. */
  whitelist?: HostWhitelist;
  logging?: LoggingStack;
  metrics?: MetricsStack;
  endpoints: PlatformEndpoints;
  /**
   * Settles once every part is declared: the parts with many similar children declare them a few
   * per turn of the event loop (core/declare-in-batches.ts). Their records (`services.containers`,
   * `mesos.cluster.agents`, ...) need no wait: reading one declares the rest of its part at once.
   * Rejects with the error of a batch that failed.
   */
  declared: Promise<void>;
}

/**
 * Throws, before anything is declared, when a secret the spec's parts need is not given: the part
 * that needs it would otherwise stop the run after the parts before it were declared. The message
 * names `file` (the arguments) and each missing secret at `pathOf(key)` in them.
 */
export function assertPlatformSecretsGiven(
  spec: PlatformSpec,
  secrets: PlatformArgs["secrets"],
  file: string,
  pathOf: (key: string) => string,
): void {
  const missing = missingSecrets(spec, (key) => secrets?.[key] !== undefined);
  if (missing.length > 0)
    throw new PlatformInputError(
      missing.map(([key, why]) => ({
        file,
        path: pathOf(key),
        expected: `the secret, required because ${why}`,
      })),
    );
}

/** The whole platform of one environment, composed from one typed spec. */
export class Platform extends pulumi.ComponentResource implements PlatformParts {
  public readonly inventory: HostInventory;
  public readonly portGuards: PortGuards;
  public readonly zookeeper: ZooKeeperEnsemble;
  public readonly consul: ConsulCluster;
  public readonly services: ServiceInstances;
  public readonly agents: ScheduledAgents;
  public readonly loadBalancers: LoadBalancers;
  public readonly mesos?: MesosParts;
  public readonly whitelist?: HostWhitelist;
  public readonly logging?: LoggingStack;
  public readonly metrics?: MetricsStack;
  public readonly endpoints: PlatformEndpoints;
  /** See `PlatformParts.declared`. */
  public readonly declared: Promise<void>;

  constructor(name: string, args: PlatformArgs, opts: pulumi.ComponentResourceOptions = {}) {
    assertPlatformSecretsGiven(args.spec, args.secrets, "PlatformArgs", (key) => `secrets.${key}`);
    super("lhcb-platform:index:Platform", name, {}, opts);
    const parts = declarePlatform(this, name, args);
    this.inventory = parts.inventory;
    this.portGuards = parts.portGuards;
    this.zookeeper = parts.zookeeper;
    this.consul = parts.consul;
    this.services = parts.services;
    this.agents = parts.agents;
    this.loadBalancers = parts.loadBalancers;
    this.mesos = parts.mesos;
    this.whitelist = parts.whitelist;
    this.logging = parts.logging;
    this.metrics = parts.metrics;
    this.endpoints = parts.endpoints;
    this.declared = parts.declared;
    this.registerOutputs({ endpoints: this.endpoints });
  }
}

/**
 * The platform's parts under `parent`, named from `name`: what `Platform` (and the component
 * package's facade of it) holds.
 */
export function declarePlatform(
  parent: pulumi.ComponentResource,
  name: string,
  args: PlatformArgs,
): PlatformParts {
  // Tens of thousands of output promises each capture a stack trace (core/stack-traces.ts).
  const resume = pauseStackTraces();
  try {
    warnOfShortfalls(parent, args.spec);
    const core = declareCoreParts(parent, name, args);
    const optional = declareOptionalParts(parent, name, args, core);
    const parts = { ...core, ...optional };
    // The parts that declare their children in batches (core/declare-in-batches.ts).
    const batched = [
      core.inventory,
      core.consul,
      core.services,
      core.agents,
      optional.mesos?.cluster,
      optional.logging,
      optional.metrics,
    ];
    const declared = Promise.all(batched.map((part) => part?.declared)).then(() => undefined);
    return { ...parts, declared, endpoints: platformEndpoints(args.spec, parts) };
  } catch (e) {
    throw withStack(e);
  } finally {
    resume();
  }
}

/** One warning per entry that runs fewer instances than asked while hosts are failed. */
function warnOfShortfalls(parent: pulumi.Resource, spec: PlatformSpec): void {
  const entries = [...spec.services, ...spec.agents];
  const failed = `${spec.failedHosts.join(", ")} ${spec.failedHosts.length === 1 ? "is" : "are"} failed`;
  for (const f of spec.placement.shortfalls) {
    const entry = entries.find((e) => e.key === f.key)!;
    const healthy = entry.hosts.filter((h) => !spec.failedHosts.includes(h)).length;
    pulumi.log.warn(
      `${entry.name} runs ${healthy} healthy instance(s) while ${failed}: it ${f.reason}`,
      parent,
    );
  }
}

type CoreParts = Pick<
  PlatformParts,
  | "inventory"
  | "portGuards"
  | "zookeeper"
  | "consul"
  | "database"
  | "services"
  | "agents"
  | "loadBalancers"
>;

/**
 * The parts every platform has: hosts, the slaves' port guards, the quorum, the instances, the
 * agents, the balancers.
 */
function declareCoreParts(
  parent: pulumi.ComponentResource,
  name: string,
  args: PlatformArgs,
): CoreParts {
  const { spec } = args;
  const secrets = args.secrets ?? {};
  const opts = { parent };
  const inventory = new HostInventory(
    `${name}-hosts`,
    inventoryOf(spec, {
      localDockerHost: args.localDockerHost,
      sshPrivateKey: secrets.sshPrivateKey,
      registryPassword: secrets.registryPassword,
    }),
    opts,
  );
  const base = { spec, inventory };
  const portGuards = new PortGuards(`${name}-port-guards`, base, opts);
  const zookeeper = new ZooKeeperEnsemble(`${name}-zookeeper`, base, opts);
  const consul = new ConsulCluster(
    `${name}-consul`,
    {
      ...base,
      gossipKey: secrets.consulGossipKey,
      managementToken: secrets.consulManagementToken,
      services: spec.services.map((s) => s.key),
      ...taskRegistrarGrants(spec),
    },
    opts,
  );
  const database = databaseHost(spec)
    ? new DiracDatabase(`${name}-dirac-database`, base, opts)
    : undefined;
  // The agents and load balancers talk to their host's Consul agent.
  const nearConsul = { ...base, consul };
  const loadBalancers = new LoadBalancers(`${name}-lb`, nearConsul, opts);
  const services = new ServiceInstances(
    `${name}-services`,
    // The registrations go to the catalog through the API once it has a leader. Neither
    // consul-esm nor the host's agent is needed for that: consul-esm runs the checks of
    // whatever the catalog holds when it starts, and an instance is registered passing, its
    // probe having passed. Waiting for them made the first instance of every service, and so
    // the next ones, wait for the slowest agent. An instance replaced in its place waits for the
    // balancers to serve it (`served`), so for them to run.
    {
      ...base,
      catalog: consul,
      database,
      balancers: Object.values(loadBalancers.ready),
      guards: portGuards.ready,
    },
    opts,
  );
  const agents = new ScheduledAgents(`${name}-agents`, nearConsul, opts);
  return { inventory, portGuards, zookeeper, consul, database, services, agents, loadBalancers };
}

/** The parts the spec's features switch on: the Mesos side, the whitelist, logging, metrics. */
function declareOptionalParts(
  parent: pulumi.ComponentResource,
  name: string,
  args: PlatformArgs,
  core: CoreParts,
): Pick<PlatformParts, "mesos" | "whitelist" | "logging" | "metrics"> {
  const base = { spec: args.spec, inventory: core.inventory };
  const grafana = {
    grafanaAdminPassword: args.secrets?.grafanaAdminPassword,
    grafanaCertificateKey: args.secrets?.grafanaCertificateKey,
  };
  const { features } = base.spec;
  const opts = { parent };
  return {
    mesos: features.mesos ? declareMesosParts(parent, name, base, core) : undefined,
    whitelist: features.whitelist
      ? new HostWhitelist(
          `${name}-whitelist`,
          {
            ...base,
            dependsOn: Object.values(core.consul.servers),
            consulToken: core.consul.tokenFor("catalog-read"),
            consulCaCert: core.consul.caCertificate,
          },
          opts,
        )
      : undefined,
    logging: features.logging
      ? new LoggingStack(
          `${name}-logging`,
          {
            ...base,
            shippedOn: (host) => [
              ...core.services.containersOn(host),
              ...core.agents.containersOn(host),
            ],
          },
          opts,
        )
      : undefined,
    metrics: features.metrics
      ? new MetricsStack(`${name}-metrics`, { ...base, ...grafana }, opts)
      : undefined,
  };
}

/** The Mesos side: the cluster on ZooKeeper, the frameworks and what they run. */
function declareMesosParts(
  parent: pulumi.ComponentResource,
  name: string,
  base: { spec: PlatformSpec; inventory: HostInventory },
  core: Pick<CoreParts, "zookeeper" | "consul" | "portGuards">,
): MesosParts {
  const { spec } = base;
  const { zookeeper, consul } = core;
  const opts = { parent };
  const passwords = zookeeper.passwords ?? {};
  const secrets = mesosAuthEnforced(spec) ? mesosSecrets(parent, `${name}-mesos`) : undefined;
  const cluster = new MesosCluster(
    `${name}-mesos`,
    {
      ...base,
      dependsOn: zookeeper.forClients,
      zookeeperPasswords: passwords,
      mesosSecrets: secrets,
      guards: core.portGuards.ready,
    },
    opts,
  );
  const registrars = new TaskRegistrars(
    `${name}-task-registrars`,
    {
      ...base,
      dependsOn: [cluster, ...Object.values(consul.servers)],
      consulToken: consul.registrarToken,
      consulCaCert: consul.caCertificate,
      mesosAdminSecret: secrets?.admin,
    },
    opts,
  );
  return {
    cluster,
    registrars,
    ...declareFrameworks(parent, name, base, cluster, {
      zookeeper: passwords,
      mesos: secrets,
    }),
  };
}

/**
 * What the task registrars may write, where any run (`registrarHosts`): their slaves' nodes and
 * the `marathon`-mode services.
 */
function taskRegistrarGrants(spec: PlatformSpec): { taskRegistrars?: TaskRegistrarGrants } {
  const hosts = registrarHosts(spec);
  if (hosts.length === 0) return {};
  return {
    taskRegistrars: {
      nodes: hosts.map((h) => taskNodeName(spec, h.id)),
      services: marathonServices(spec).map((s) => s.key),
    },
  };
}

/** Marathon and Chronos on the cluster, with the apps and jobs they run. */
function declareFrameworks(
  parent: pulumi.ComponentResource,
  name: string,
  base: { spec: PlatformSpec; inventory: HostInventory },
  cluster: MesosCluster,
  credentials: {
    zookeeper: Partial<Record<ZookeeperRole, pulumi.Output<string>>>;
    mesos?: Record<MesosPrincipal, pulumi.Output<string>>;
  },
): Omit<MesosParts, "cluster" | "registrars"> {
  const { spec } = base;
  const opts = { parent };
  const passwords = credentials.zookeeper;
  const secrets = credentials.mesos;
  const masters = Object.values(cluster.masters);
  const marathon = new Marathon(
    `${name}-marathon`,
    {
      ...base,
      dependsOn: masters,
      zookeeperPassword: passwords.marathon,
      mesosSecrets: secrets && { admin: secrets.admin, marathon: secrets.marathon },
    },
    opts,
  );
  const chronos = new Chronos(
    `${name}-chronos`,
    {
      ...base,
      dependsOn: masters,
      zookeeperPassword: passwords.chronos,
      mesosSecrets: secrets && { admin: secrets.admin, chronos: secrets.chronos },
    },
    opts,
  );
  const apiCredentials = secrets?.admin.apply((s) => `${MESOS_PRINCIPALS.admin}:${s}`);
  const apps = new MarathonApps(
    `${name}-marathon-apps`,
    {
      spec,
      marathonUrl: marathon.url,
      apiCredentials,
      dependsOn: [...Object.values(marathon.containers), cluster],
    },
    opts,
  );
  const jobs = new ChronosJobs(
    `${name}-chronos-jobs`,
    {
      spec,
      chronosUrl: chronos.url,
      from: CHRONOS_EPOCH,
      apiCredentials,
      dependsOn: [...Object.values(chronos.containers), cluster],
    },
    opts,
  );
  return { marathon, chronos, apps, jobs };
}

/** The addresses an operator needs, from the spec and the declared parts. */
function platformEndpoints(
  spec: PlatformSpec,
  parts: Pick<PlatformParts, "loadBalancers" | "zookeeper" | "mesos" | "metrics" | "logging">,
): PlatformEndpoints {
  const { mesos, metrics, logging } = parts;
  return {
    loadBalancers: Object.fromEntries(
      spec.loadBalancers.map((h) => [h.id, partAddress(spec, "lb", h)]),
    ),
    loadBalancerStats: parts.loadBalancers.statsUrls,
    consulUi: `${consulApiUrl(spec, partAddress(spec, "consul-server", apiMaster(spec)))}/ui`,
    zookeeper: parts.zookeeper.connectString,
    ...(mesos
      ? {
          marathon: mesos.marathon.url,
          chronos: mesos.chronos.url,
          mesosMasters: mesos.cluster.masterUrls,
        }
      : {}),
    ...(metrics
      ? {
          influxdb: metrics.influxdbUrl,
          ...(metrics.grafanaUrl ? { grafana: metrics.grafanaUrl } : {}),
        }
      : {}),
    ...(logging ? { logstash: logging.logstashEndpoint } : {}),
  };
}
