import { z } from "zod";

/** Roles a host can play; a host may hold several. */
export const HOST_ROLES = ["master", "slave", "lb", "monitoring", "logging"] as const;
export type HostRole = (typeof HOST_ROLES)[number];

/** How a catalog entry is run: placed by this library, or handed to Marathon/Chronos. */
export const RUN_MODES = ["pulumi", "marathon"] as const;
export type RunMode = (typeof RUN_MODES)[number];

export const ENVIRONMENTS = ["local", "cert", "prod"] as const;

export type EnvironmentKind = (typeof ENVIRONMENTS)[number];

/** A lower-case name of letters, digits and inner `-`: host ids, stacks, datacenters. */
export const idPattern = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const labelMap = z.record(
  z.string().regex(/^[A-Za-z0-9_.-]+$/, "label keys are letters, digits, '_', '.', '-'"),
  z.string(),
);

/** How the library reaches a host's Docker Engine. Absent: the local Engine's socket. */
export const dockerEndpointSchema = z.strictObject({
  /** `ssh://user@host[:port]`, `tcp://host:2376` or `unix:///var/run/docker.sock`. */
  host: z
    .string()
    .regex(
      /^(ssh|tcp|unix):\/\/.+/,
      "expected a Docker host URL: ssh://user@host, tcp://host:2376 or unix:///path",
    ),
  /** For `tcp://`: a directory holding ca.pem, cert.pem and key.pem. */
  certPath: z.string().min(1).optional(),
  /** Extra options for `ssh://` connections. */
  sshOpts: z.array(z.string()).optional(),
});

/** Optional host preparation over SSH (installs Docker, creates folders) with @pulumi/command. */
export const sshPrepareSchema = z.strictObject({
  user: z.string().min(1).default("root"),
  port: z.number().int().min(1).max(65535).default(22),
  /** Shell commands run once on the host before anything is placed on it. */
  commands: z.array(z.string().min(1)).min(1, "expected at least one command"),
});

export const hostSchema = z.strictObject({
  /** Stable id: names every resource placed on the host. */
  id: z.string().regex(idPattern, "expected a lower-case id of letters, digits and '-'"),
  /** Address other hosts and clients reach this host at (DNS name or IP). */
  address: z.string().min(1, "expected a DNS name or IP address"),
  roles: z.array(z.enum(HOST_ROLES)).min(1, "expected at least one role"),
  cpus: z.number().positive("expected a positive number of CPUs"),
  memoryMb: z.number().int().positive("expected a positive memory size in MiB"),
  labels: labelMap.default({}),
  docker: dockerEndpointSchema.optional(),
  prepare: sshPrepareSchema.optional(),
});

export const imagesSchema = z.strictObject({
  zookeeper: z.string().min(1).optional(),
  mesosMaster: z.string().min(1).optional(),
  mesosAgent: z.string().min(1).optional(),
  marathon: z.string().min(1).optional(),
  chronos: z.string().min(1).optional(),
  consul: z.string().min(1).optional(),
  consulEsm: z.string().min(1).optional(),
  consulTemplate: z.string().min(1).optional(),
  loadBalancer: z.string().min(1).optional(),
  service: z.string().min(1).optional(),
  influxdb: z.string().min(1).optional(),
  grafana: z.string().min(1).optional(),
  cadvisor: z.string().min(1).optional(),
  filebeat: z.string().min(1).optional(),
  logstash: z.string().min(1).optional(),
});

export const featuresSchema = z.strictObject({
  /** Mesos masters and agents, Marathon, Chronos and the whitelist. Default: on when any entry runs in `marathon` mode. */
  mesos: z.boolean().optional(),
  /**
   * The whitelist of healthy slaves, rendered on every master from Consul health (the file the
   * Mesos masters read). Default: as `mesos`; on without Mesos, the file is rendered all the same.
   */
  whitelist: z.boolean().optional(),
  /** Filebeat on every slave and Logstash. */
  logging: z.boolean().default(true),
  /** cAdvisor on every slave and InfluxDB. */
  metrics: z.boolean().default(true),
  /** Grafana (needs metrics). */
  grafana: z.boolean().default(true),
  /** consul-esm, which runs the catalog checks of registered instances. */
  consulEsm: z.boolean().default(true),
});

export const loadBalancerSchema = z.strictObject({
  /** Port of the HAProxy stats page on every load balancer. */
  statsPort: z.number().int().min(1).max(65535).default(8404),
  /** Global connection limit of each HAProxy. */
  maxconn: z.number().int().positive().default(4096),
});

export const consulSchema = z.strictObject({
  datacenter: z.string().regex(idPattern, "expected a lower-case datacenter name").default("dc1"),
  /**
   * Most seconds between two runs of an instance's catalog check by consul-esm (the catalog's own
   * interval when shorter). The balancers check every instance themselves every 200 ms; Consul's
   * check decides what consul-template renders.
   */
  checkIntervalSeconds: z.number().positive().max(60).default(2),
  /**
   * A slave's `load` check fails (and the slave leaves the whitelist) when its 1-minute load
   * average exceeds this many per CPU. Hosts that share their CPUs with other hosts (a site
   * simulated on one machine, where every host reads the machine's load) need it multiplied.
   */
  slaveMaxLoadPerCpu: z.number().positive().max(1000).default(4),
});

/** The whole structured config of a stack, namespace `lhcb-platform:` in `Pulumi.<stack>.yaml`. */
export const stackConfigSchema = z.strictObject({
  /** local, cert or prod; default: the stack name when it is one of these. */
  environment: z.enum(ENVIRONMENTS).optional(),
  /** Default run mode of catalog entries. */
  mode: z.enum(RUN_MODES).default("pulumi"),
  /** Path of the catalog YAML, relative to the project. */
  catalog: z.string().min(1).default("catalog/dirac.yaml"),
  /** Prefix for every image, e.g. `registry.cern.ch/lhcb`. */
  registry: z.string().default(""),
  images: imagesSchema.default({}),
  hosts: z.array(hostSchema).min(1, "expected at least one host"),
  /**
   * Ids of hosts of `hosts` that are down (set by an operator, or by `npm run watch-hosts`). What
   * was placed on them stays declared as it was, and their slaves' instances get replacements on
   * healthy slaves (core/placement.ts, `placeAround`).
   */
  failedHosts: z.array(z.string()).default([]),
  features: featuresSchema.default({
    logging: true,
    metrics: true,
    grafana: true,
    consulEsm: true,
  }),
  loadBalancer: loadBalancerSchema.default({ statsPort: 8404, maxconn: 4096 }),
  consul: consulSchema.default({
    datacenter: "dc1",
    checkIntervalSeconds: 2,
    slaveMaxLoadPerCpu: 4,
  }),
});

export type StackConfigInput = z.input<typeof stackConfigSchema>;
export type StackConfig = z.output<typeof stackConfigSchema>;
export type HostSpec = z.output<typeof hostSchema>;
export type ImageOverrides = z.output<typeof imagesSchema>;
export type Features = z.output<typeof featuresSchema>;
