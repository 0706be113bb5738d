import { AgentSpec, Catalog, ServiceSpec } from "./catalog";
import { EnvironmentKind, HostSpec, RunMode, StackConfig } from "./config-schema";
import { InputProblem, PlatformInputError } from "./errors";
import { ImageSet, resolveImages } from "./images";
import { place, Placement, PlacementError, PlacementRequest } from "./placement";
import { quorumProblem, quorumSize } from "./quorum";

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
  logging: boolean;
  metrics: boolean;
  grafana: boolean;
  consulEsm: boolean;
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
  loadBalancer: StackConfig["loadBalancer"];
  consul: StackConfig["consul"];
  services: PlacedService[];
  agents: PlacedAgent[];
  placement: Placement;
}

export interface ResolveOptions {
  stack: string;
  /** The stack file, for messages: `Pulumi.prod.yaml`. */
  configFile: string;
  /** Prefix of config paths in messages: `config.lhcb-platform:`. */
  configPrefix: string;
}

/** Standby containers per agent in `pulumi` mode: one runs, the other takes the lock on failover. */
export const AGENT_STANDBYS = 2;

/** Resolves a validated stack config and catalog into a `PlatformSpec`, or throws every problem at once. */
export function resolvePlatform(
  config: StackConfig,
  catalog: Catalog,
  opts: ResolveOptions,
): PlatformSpec {
  const problems: InputProblem[] = [];
  const cfg = (path: string, expected: string) =>
    problems.push({ file: opts.configFile, path: `${opts.configPrefix}${path}`, expected });
  const environment: EnvironmentKind =
    config.environment ??
    (["local", "cert", "prod"].includes(opts.stack) ? (opts.stack as EnvironmentKind) : "prod");

  const seen = new Set<string>();
  config.hosts.forEach((h, i) => {
    if (seen.has(h.id)) cfg(`hosts[${i}].id`, `a unique host id; "${h.id}" appears twice`);
    seen.add(h.id);
    if (environment !== "local" && h.docker === undefined)
      cfg(`hosts[${i}].docker`, `a Docker endpoint (ssh:// or tcp://) for a ${environment} host`);
  });
  const withRole = (role: string) =>
    config.hosts.filter((h) => (h.roles as string[]).includes(role));
  const masters = withRole("master");
  const slaves = withRole("slave");
  const loadBalancers = withRole("lb");
  const monitoring = withRole("monitoring")[0];
  const logging = withRole("logging")[0];

  const qp = quorumProblem(masters.length, environment);
  if (qp) cfg("hosts", qp);
  if (loadBalancers.length === 0) cfg("hosts", "at least one host with role lb");
  if (environment === "prod" && loadBalancers.length < 2)
    cfg("hosts", `at least 2 hosts with role lb for prod, got ${loadBalancers.length}`);
  if (config.features.metrics && !monitoring)
    cfg("hosts", "a host with role monitoring (features.metrics is on)");
  if (config.features.logging && !logging)
    cfg("hosts", "a host with role logging (features.logging is on)");
  if (config.features.grafana && !config.features.metrics)
    cfg("features.grafana", "features.metrics on as well: Grafana reads InfluxDB");

  const modeOf = (m: RunMode | undefined): RunMode => m ?? config.mode;
  const anyMarathon = [...catalog.services, ...catalog.agents].some(
    (e) => modeOf(e.mode) === "marathon",
  );
  const mesos = config.features.mesos ?? anyMarathon;
  if (anyMarathon && !mesos) {
    const path = catalog.services.some((s) => modeOf(s.mode) === "marathon")
      ? "mode"
      : "features.mesos";
    cfg(path, "features.mesos on: some catalog entries run in marathon mode");
  }
  if (!config.features.consulEsm && catalog.services.some((s) => modeOf(s.mode) === "pulumi")) {
    cfg(
      "features.consulEsm",
      "expected true: the instances of pulumi-mode services are registered in the Consul catalog, where only consul-esm runs their checks",
    );
  }
  const needSlaves = mesos || catalog.services.length + catalog.agents.length > 0;
  if (needSlaves && slaves.length === 0) cfg("hosts", "at least one host with role slave");
  if (problems.length > 0) throw new PlatformInputError(problems);

  const images = resolveImages(config.images, config.registry);
  const requests: PlacementRequest[] = [];
  const agentInstances = Math.min(AGENT_STANDBYS, slaves.length);
  for (const s of catalog.services) if (modeOf(s.mode) === "pulumi") requests.push(s);
  for (const a of catalog.agents)
    if (modeOf(a.mode) === "pulumi") requests.push({ ...a, instances: agentInstances });

  let placement: Placement;
  try {
    placement = place(slaves, requests);
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

  const hostsOf = (key: string) => placement.assignments.get(key) ?? [];
  return {
    stack: opts.stack,
    environment,
    local: environment === "local",
    hosts: config.hosts,
    masters,
    slaves,
    loadBalancers,
    monitoring,
    logging,
    quorum: quorumSize(masters.length),
    images,
    features: {
      mesos,
      logging: config.features.logging,
      metrics: config.features.metrics,
      grafana: config.features.grafana,
      consulEsm: config.features.consulEsm,
    },
    loadBalancer: config.loadBalancer,
    consul: config.consul,
    services: catalog.services.map((s) => ({
      ...s,
      mode: modeOf(s.mode),
      image: s.image ?? images.service,
      hosts: hostsOf(s.key),
    })),
    agents: catalog.agents.map((a) => ({
      ...a,
      mode: modeOf(a.mode),
      image: a.image ?? images.service,
      hosts: hostsOf(a.key),
    })),
    placement,
  };
}
