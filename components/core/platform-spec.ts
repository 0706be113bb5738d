import { AgentSpec, Catalog, ServiceSpec } from "./catalog";
import { DiracSettings, EnvironmentKind, HostSpec, RunMode, StackConfig } from "./config-schema";
import { InputProblem, PlatformInputError } from "./errors";
import { ImageSet, registryHostOf, resolveImages, withRegistry } from "./images";
import { Placement, PlacementError, placeAround, PlacementRequest } from "./placement";
import { quorumProblem, quorumSize } from "./quorum";
import { diracProblems } from "./dirac-checks";
import { serverCertificateProblem } from "./certificate-checks";
import {
  addressProblems,
  statsAddressProblems,
  mesosPlacementProblems,
  mesosReserveProblems,
  portProblems,
} from "./site-checks";
import { zookeeperIdProblems } from "./zookeeper-ids";

/** A service with its run mode, image and (in `pulumi` mode) its hosts decided. */
export interface PlacedService extends ServiceSpec {
  mode: RunMode;
  image: string;
  /** Hosts of the instances, sorted; empty in `marathon` mode, where Marathon places them. */
  hosts: string[];
}

/** An agent with its run mode, image and (in `pulumi` mode) its hosts decided. */
export interface PlacedAgent extends AgentSpec {
  mode: RunMode;
  image: string;
  /** Hosts holding a container of the agent; the Consul lock lets one run at a time. */
  hosts: string[];
}

export interface ResolvedFeatures {
  mesos: boolean;
  whitelist: boolean;
  logging: boolean;
  metrics: boolean;
  grafana: boolean;
  consulEsm: boolean;
}

/** A registry login without its password: the registry's host (`registry.cern.ch[:port]`) and the user. */
export interface RegistryLogin {
  address: string;
  username: string;
}

/** Everything the components need, computed without Pulumi from the stack config and catalog. */
export interface PlatformSpec {
  stack: string;
  environment: EnvironmentKind;
  /** True when every host is a name on the one local Docker Engine. */
  local: boolean;
  hosts: HostSpec[];
  masters: HostSpec[];
  slaves: HostSpec[];
  loadBalancers: HostSpec[];
  monitoring?: HostSpec;
  logging?: HostSpec;
  quorum: number;
  images: ImageSet;
  features: ResolvedFeatures;
  /** The balancers' settings, `statsAddress` resolved (`resolveLoadBalancer`). */
  loadBalancer: StackConfig["loadBalancer"] & { statsAddress: string };
  consul: StackConfig["consul"];
  /** Set when the platform image runs DIRAC: its entries get the installation's configuration. */
  dirac?: DiracSettings;
  /**
   * The login each host's Engine pulls the images with (`registryUser` at the registry's host);
   * its password is the secret `registryPassword`. Unset: pulls without a login.
   */
  registryLogin?: RegistryLogin;
  /**
   * Who besides the masters and balancers may reach the ports instances publish on a site's slaves
   * (`adminNetworks`; hosts/port-guard.ts). Empty on the local stack, where nothing is published.
   */
  adminNetworks: string[];
  /**
   * Grafana's certificate (PEM) where the stack gives one (`grafanaCertificate`, its key the
   * secret `grafanaCertificateKey`); unset: the metrics CA makes it.
   */
  grafanaCertificate?: string;
  services: PlacedService[];
  agents: PlacedAgent[];
  /**
   * Ids of the hosts that are down (`failedHosts`, and `lostHosts`, which are down for good):
   * nothing new is placed on them, and what is on them is kept as deployed.
   */
  failedHosts: string[];
  /** Ids of the hosts gone for good (`lostHosts`): what is on them is forgotten, not deleted, once no longer declared. */
  lostHosts: string[];
  placement: Placement;
  /** The catalog file the entries come from, for messages (absent on a spec made by hand). */
  catalogFile?: string;
}

/**
 * What the master quorum's parts (ZooKeeper, the Consul servers) read of the platform: the site
 * and its masters, no catalog. `quorumSpec` makes one from narrow arguments.
 */
export type QuorumSiteSpec = Pick<
  PlatformSpec,
  "stack" | "environment" | "local" | "hosts" | "masters" | "quorum" | "images"
> &
  Partial<Pick<PlatformSpec, "failedHosts" | "lostHosts">>;

/**
 * What Consul's parts (servers on the masters, agents on every other host, consul-esm) read of the
 * platform: the quorum's site, Consul's settings and whether consul-esm runs.
 */
export type ConsulSiteSpec = QuorumSiteSpec &
  Pick<PlatformSpec, "consul"> & { features: Pick<ResolvedFeatures, "consulEsm"> };

/**
 * What the load balancers read of the platform: the site's masters (each balancer's Consul is its
 * host's agent, or the server on a master), the load-balancer hosts and settings, and the services
 * they front.
 */
export type LoadBalancersSpec = Pick<
  PlatformSpec,
  "stack" | "local" | "hosts" | "masters" | "loadBalancers" | "loadBalancer" | "services" | "images"
>;

/**
 * What the service instances read of the platform: the hosts, the placed `services`, Consul's
 * check interval, the platform image and, where it runs DIRAC, the installation and the
 * balancers its services are reached through.
 */
export type ServicesSpec = Pick<
  PlatformSpec,
  "stack" | "local" | "hosts" | "loadBalancers" | "services" | "agents" | "images" | "dirac"
> & {
  consul: Pick<PlatformSpec["consul"], "checkIntervalSeconds">;
};

/** What the scheduled agents read of the platform: the hosts, their masters and the placed `agents`. */
export type AgentsSpec = Pick<
  PlatformSpec,
  | "stack"
  | "local"
  | "hosts"
  | "masters"
  | "agents"
  | "images"
  | "dirac"
  | "loadBalancers"
  | "services"
>;

/**
 * What the Mesos side reads of the platform (masters and agents, Marathon and its apps, Chronos and
 * its jobs, the whitelist): the quorum's site, the slaves, and the catalog's entries.
 */
export type MesosSpec = QuorumSiteSpec &
  Pick<PlatformSpec, "slaves" | "services" | "agents"> & {
    features: Pick<ResolvedFeatures, "mesos" | "whitelist">;
  };

/** What logging reads of the platform: the slaves (Filebeat) and the logging host (Logstash). */
export type LoggingSpec = Pick<
  PlatformSpec,
  "stack" | "local" | "hosts" | "slaves" | "logging" | "images"
>;

/**
 * What metrics read of the platform: the slaves (cAdvisor), the monitoring host (InfluxDB,
 * Grafana) and the catalog's entries (a dashboard row each).
 */
export type MetricsSpec = Pick<
  PlatformSpec,
  | "stack"
  | "local"
  | "hosts"
  | "slaves"
  | "monitoring"
  | "services"
  | "agents"
  | "images"
  | "grafanaCertificate"
> & { features: Pick<ResolvedFeatures, "grafana"> };

export interface ResolveOptions {
  stack: string;
  /** The stack file, for messages: `Pulumi.prod.yaml`. */
  configFile: string;
  /** Prefix of config paths in messages: `config.lhcb-platform:`. */
  configPrefix: string;
}

/** Standby containers per agent in `pulumi` mode: one runs, the other takes the lock on failover. */
export const AGENT_STANDBYS = 2;

/** The hosts by role. */
interface HostRoles {
  masters: HostSpec[];
  slaves: HostSpec[];
  loadBalancers: HostSpec[];
  monitoring?: HostSpec;
  logging?: HostSpec;
}

/** Tells `problem` about host ids used twice and, outside `local`, hosts without a Docker endpoint. */
export function hostProblems(
  hosts: readonly { id: string; docker?: unknown }[],
  environment: EnvironmentKind,
  problem: (path: string, expected: string) => void,
): void {
  const seen = new Set<string>();
  hosts.forEach((h, i) => {
    if (seen.has(h.id)) problem(`hosts[${i}].id`, `a unique host id; "${h.id}" appears twice`);
    seen.add(h.id);
    if (environment !== "local" && h.docker === undefined)
      problem(
        `hosts[${i}].docker`,
        `a Docker endpoint (ssh:// or tcp://) for a ${environment} host`,
      );
  });
}

/**
 * Splits the hosts by role, telling `problem` about ids used twice, missing Docker endpoints and
 * ZooKeeper ids that two masters would have.
 */
function hostRoles(
  config: StackConfig,
  environment: EnvironmentKind,
  problem: (path: string, expected: string) => void,
): HostRoles {
  hostProblems(config.hosts, environment, problem);
  zookeeperIdProblems(config.hosts, environment === "local", problem);
  const withRole = (role: string) =>
    config.hosts.filter((h) => (h.roles as string[]).includes(role));
  return {
    masters: withRole("master"),
    slaves: withRole("slave"),
    loadBalancers: withRole("lb"),
    monitoring: withRole("monitoring")[0],
    logging: withRole("logging")[0],
  };
}

/** Tells `problem` what the roles and features lack for the environment and the catalog; returns whether Mesos is on. */
function checkRolesAndFeatures(
  config: StackConfig,
  catalog: Catalog,
  environment: EnvironmentKind,
  roles: HostRoles,
  problem: (path: string, expected: string) => void,
): boolean {
  const qp = quorumProblem(roles.masters.length, environment);
  if (qp) problem("hosts", qp);
  if (roles.loadBalancers.length === 0) problem("hosts", "at least one host with role lb");
  if (environment === "prod" && roles.loadBalancers.length < 2)
    problem("hosts", `at least 2 hosts with role lb for prod, got ${roles.loadBalancers.length}`);
  if (config.features.metrics && !roles.monitoring)
    problem("hosts", "a host with role monitoring (features.metrics is on)");
  if (config.features.logging && !roles.logging)
    problem("hosts", "a host with role logging (features.logging is on)");
  if (config.features.grafana && !config.features.metrics)
    problem("features.grafana", "features.metrics on as well: Grafana reads InfluxDB");
  const modeOf = (m: RunMode | undefined): RunMode => m ?? config.mode;
  const anyMarathon = [...catalog.services, ...catalog.agents].some(
    (e) => modeOf(e.mode) === "marathon",
  );
  const mesos = config.features.mesos ?? anyMarathon;
  if (anyMarathon && !mesos) {
    const path = catalog.services.some((s) => modeOf(s.mode) === "marathon")
      ? "mode"
      : "features.mesos";
    problem(path, "features.mesos on: some catalog entries run in marathon mode");
  }
  if (!config.features.consulEsm && catalog.services.some((s) => modeOf(s.mode) === "pulumi")) {
    problem(
      "features.consulEsm",
      "expected true: the instances of pulumi-mode services are registered in the Consul catalog, where only consul-esm runs their checks",
    );
  }
  const needSlaves = mesos || catalog.services.length + catalog.agents.length > 0;
  if (needSlaves && roles.slaves.length === 0)
    problem("hosts", "at least one host with role slave");
  adminNetworksProblem(config, environment, mesos, catalog, modeOf, problem);
  grafanaCertificateProblem(config, environment, roles, problem);
  return mesos;
}

/**
 * A problem where the stack gives Grafana a certificate (`grafanaCertificate`) that it cannot
 * serve: Grafana off or on plain HTTP (the local stack), or a certificate that is not a server's,
 * names not the monitoring host's address, or is not valid now.
 */
function grafanaCertificateProblem(
  config: StackConfig,
  environment: EnvironmentKind,
  roles: HostRoles,
  problem: (path: string, expected: string) => void,
): void {
  const pem = config.grafanaCertificate;
  if (pem === undefined) return;
  if (environment === "local" || !config.features.grafana || !config.features.metrics) {
    problem(
      "grafanaCertificate",
      `unset: Grafana serves HTTPS only on cert and prod with features.metrics and features.grafana on; ${environment === "local" ? "this is the local stack" : "Grafana is off"}`,
    );
    return;
  }
  if (roles.monitoring === undefined) return;
  const wrong = serverCertificateProblem(pem, roles.monitoring.address, new Date());
  if (wrong !== undefined) problem("grafanaCertificate", wrong);
}

/** The stack's registry login, where it sets `registryUser`; a problem where no registry host is named. */
function registryLoginOf(
  config: StackConfig,
  problem: (path: string, expected: string) => void,
): Pick<PlatformSpec, "registryLogin"> {
  if (config.registryUser === undefined) return {};
  const address = registryHostOf(config.registry);
  if (address === undefined) {
    problem(
      "registry",
      `a registry prefix that names the registry's host (registry.example.org[:port][/path]), which registryUser logs in to; ${config.registry === "" ? "none is set" : `"${config.registry}" names none`}`,
    );
    return {};
  }
  return { registryLogin: { address, username: config.registryUser } };
}

/**
 * A problem where the slaves of a site publish ports (a `pulumi`-mode service, or Mesos's tasks)
 * and `adminNetworks` names no one: the port guard would then refuse the machine that runs
 * `pulumi up` its readiness probes, and the `up` would stop at the first new instance.
 */
function adminNetworksProblem(
  config: StackConfig,
  environment: EnvironmentKind,
  mesos: boolean,
  catalog: Catalog,
  modeOf: (m: RunMode | undefined) => RunMode,
  problem: (path: string, expected: string) => void,
): void {
  if (environment === "local" || (config.adminNetworks ?? []).length > 0) return;
  const published = catalog.services.some((s) => modeOf(s.mode) === "pulumi");
  if (!published && !mesos) return;
  problem(
    "adminNetworks",
    `the addresses, CIDR networks or DNS names of the machines that run \`pulumi up\` for this stack (e.g. [deploy.example.org, 192.0.2.0/24]): ${published ? "its instances publish their ports" : "Mesos's tasks publish theirs"} on the slaves, where every source but the masters, the balancers and these is refused`,
  );
}

/** Tells `problem` about a failed or lost host that is not in the inventory or is named twice. */
function downHostProblems(
  config: StackConfig,
  problem: (path: string, expected: string) => void,
): void {
  const ids = new Set(config.hosts.map((h) => h.id));
  for (const key of ["failedHosts", "lostHosts"] as const) {
    const seen = new Set<string>();
    config[key].forEach((id, i) => {
      if (!ids.has(id)) problem(`${key}[${i}]`, `the id of a host in hosts; "${id}" is not one`);
      else if (seen.has(id)) problem(`${key}[${i}]`, `each host once; "${id}" appears twice`);
      seen.add(id);
    });
  }
}

/** The spec's hosts that are down (`downHosts`), and those of them lost for good. */
function downHostsOf(config: StackConfig): Pick<PlatformSpec, "failedHosts" | "lostHosts"> {
  return { failedHosts: downHosts(config), lostHosts: config.lostHosts };
}

/** The hosts that are down: the failed ones, then the lost ones not also failed. */
function downHosts(config: StackConfig): string[] {
  return [
    ...config.failedHosts,
    ...config.lostHosts.filter((id) => !config.failedHosts.includes(id)),
  ];
}

/**
 * Places the `pulumi`-mode entries on the slaves, around the failed ones; an entry that does not
 * fit the whole inventory is a problem of the catalog.
 */
function placeEntries(
  slaves: HostSpec[],
  failed: ReadonlySet<string>,
  catalog: Catalog,
  modeOf: (m: RunMode | undefined) => RunMode,
): Placement {
  const agentInstances = Math.min(AGENT_STANDBYS, slaves.length);
  const requests: PlacementRequest[] = [
    ...catalog.services.filter((s) => modeOf(s.mode) === "pulumi"),
    ...catalog.agents
      .filter((a) => modeOf(a.mode) === "pulumi")
      .map((a) => ({ ...a, instances: agentInstances })),
  ];
  try {
    return placeAround(slaves, failed, requests);
  } catch (e) {
    if (!(e instanceof PlacementError)) throw e;
    throw new PlatformInputError(
      e.failures.map((f) => {
        const si = catalog.services.findIndex((s) => s.key === f.key);
        const path =
          si >= 0
            ? `services[${si}]`
            : `agents[${catalog.agents.findIndex((a) => a.key === f.key)}]`;
        return { file: catalog.file, path, expected: `a placement that fits: ${f.reason}` };
      }),
    );
  }
}

/** Where Mesos runs: the slaves' reserves, and room on the working slaves for Marathon's entries. */
function mesosProblems(
  config: StackConfig,
  catalog: Catalog,
  slaves: HostSpec[],
  modeOf: (m: RunMode | undefined) => RunMode,
  problem: (path: string, expected: string) => void,
  catalogProblem: (path: string, expected: string) => void,
): void {
  mesosReserveProblems(config.hosts, new Set(slaves.map((h) => h.id)), problem);
  const down = downHosts(config);
  const working = slaves.filter((h) => !down.includes(h.id));
  mesosPlacementProblems(catalog, working, modeOf, catalogProblem);
}

/**
 * The catalog with the stack's registry prefix on the images its entries name (as on the
 * platform's own): at a site, the hosts pull from the registry alone.
 */
function catalogUnderRegistry(catalog: Catalog, registry: string): Catalog {
  const under = <E extends { image?: string }>(e: E): E =>
    e.image === undefined ? e : { ...e, image: withRegistry(e.image, registry) };
  return { ...catalog, services: catalog.services.map(under), agents: catalog.agents.map(under) };
}

/** The stack's `environment`, else the stack's name where it names one, else prod. */
function environmentOf(config: StackConfig, stack: string): EnvironmentKind {
  if (config.environment !== undefined) return config.environment;
  return ["local", "cert", "prod"].includes(stack) ? (stack as EnvironmentKind) : "prod";
}

/** Resolves a validated stack config and catalog into a `PlatformSpec`, or throws every problem at once. */
export function resolvePlatform(
  config: StackConfig,
  catalog: Catalog,
  opts: ResolveOptions,
): PlatformSpec {
  const problems: InputProblem[] = [];
  const problem = (path: string, expected: string) =>
    problems.push({ file: opts.configFile, path: `${opts.configPrefix}${path}`, expected });
  const environment = environmentOf(config, opts.stack);
  const catalogProblem = (path: string, expected: string) =>
    problems.push({ file: catalog.file, path, expected });
  const modeOf = (m: RunMode | undefined): RunMode => m ?? config.mode;
  const roles = hostRoles(config, environment, problem);
  const mesos = checkRolesAndFeatures(config, catalog, environment, roles, problem);
  downHostProblems(config, problem);
  addressProblems(config.hosts, problem);
  statsAddressProblems(config.loadBalancer.statsAddress, roles.loadBalancers.length, problem);
  portProblems(config, catalog, mesos, problem, catalogProblem);
  const images = resolveImages(config.images, config.registry);
  const entries = catalogUnderRegistry(catalog, config.registry);
  diracProblems(config, entries, images.service, modeOf, problem, catalogProblem);
  const login = registryLoginOf(config, problem);
  if (mesos) mesosProblems(config, catalog, roles.slaves, modeOf, problem, catalogProblem);
  if (problems.length > 0) throw new PlatformInputError(problems);
  const placement = placeEntries(roles.slaves, new Set(downHosts(config)), catalog, modeOf);
  const placed = <E extends { key: string; mode?: RunMode; image?: string }>(e: E) => ({
    ...e,
    mode: modeOf(e.mode),
    image: e.image ?? images.service,
    hosts: placement.assignments.get(e.key) ?? [],
  });
  return {
    stack: opts.stack,
    environment,
    local: environment === "local",
    hosts: config.hosts,
    ...roles,
    quorum: quorumSize(roles.masters.length),
    images,
    features: {
      mesos,
      whitelist: config.features.whitelist ?? mesos,
      logging: config.features.logging,
      metrics: config.features.metrics,
      grafana: config.features.grafana,
      consulEsm: config.features.consulEsm,
    },
    loadBalancer: resolveLoadBalancer(config.loadBalancer, environment),
    consul: config.consul,
    ...(config.dirac ? { dirac: config.dirac } : {}),
    ...login,
    adminNetworks: config.adminNetworks ?? [],
    ...(config.grafanaCertificate ? { grafanaCertificate: config.grafanaCertificate } : {}),
    services: entries.services.map(placed),
    agents: entries.agents.map(placed),
    ...downHostsOf(config),
    placement,
    catalogFile: catalog.file,
  };
}

/**
 * The balancers' settings with where their stats page listens: the stack's
 * `loadBalancer.statsAddress`, else the loopback on cert and prod (the page shows every backend
 * and server to whoever reaches it) and every address on local.
 */
export function resolveLoadBalancer(
  loadBalancer: StackConfig["loadBalancer"],
  environment: EnvironmentKind,
): PlatformSpec["loadBalancer"] {
  const statsAddress = loadBalancer.statsAddress ?? (environment === "local" ? "*" : "127.0.0.1");
  return { ...loadBalancer, statsAddress };
}
