import { isIPv4 } from "node:net";
import { z } from "zod";
import { CERTIFICATE_PEM_EXPECTED, isCertificatePem } from "./certificate-checks";
import { ZOOKEEPER_ID_MAX } from "./zookeeper-ids";
import {
  dockerHostProblem,
  hasNul,
  HOST_ADDRESS_EXPECTED,
  IMAGE_REFERENCE_EXPECTED,
  isHostAddress,
  isImageReference,
  isNetworkSource,
  isRegistryPrefix,
  MESOS_ATTRIBUTE_TEXT,
  NETWORK_SOURCE_EXPECTED,
} from "./input-formats";

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
/** The most CPUs and MiB a host or an entry may name: beyond any machine, short of numbers that overflow. */
export const MAX_CPUS = 4096;
export const MAX_MEMORY_MB = 64 * 1024 * 1024;

/** Label keys and values: they become Mesos attributes (`--attributes`), so Mesos text only. */
export const labelKey = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, "label keys are letters, digits, '_', '.', '-'");
export const labelValue = z
  .string()
  .regex(
    MESOS_ATTRIBUTE_TEXT,
    "a label value Mesos reads as text: letters, digits, '_', '.', '/', '-' (not empty)",
  );
const labelMap = z.record(labelKey, labelValue);

/** An image reference, where the stack or catalog names one. */
export const imageReference = z
  .string()
  .refine(isImageReference, { message: IMAGE_REFERENCE_EXPECTED });

/** A string passed on to a process (argument, option, command): anything but NUL. */
export const processText = z.string().refine((v) => !hasNul(v), { message: "no NUL character" });

/** How the library reaches a host's Docker Engine. Absent: the local Engine's socket. */
export const dockerEndpointSchema = z
  .strictObject({
    /** `ssh://user@host[:port]`, `tcp://host:2376` or `unix:///var/run/docker.sock`. */
    host: z.string().superRefine((value, ctx) => {
      const problem = dockerHostProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    }),
    /** For `tcp://`: a directory holding ca.pem, cert.pem and key.pem. Required there: the Engine's API unencrypted is root on the host for anyone on the network. */
    certPath: processText.pipe(z.string().min(1)).optional(),
    /** Extra options for `ssh://` connections. */
    sshOpts: z.array(processText).optional(),
  })
  .superRefine((endpoint, ctx) => {
    if (endpoint.host.startsWith("tcp://") && endpoint.certPath === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["certPath"],
        message:
          "a certPath (ca.pem, cert.pem, key.pem) for a tcp:// Docker host: without TLS anyone on the network drives the Engine",
      });
  });

/** Optional host preparation over SSH (installs Docker, creates folders) with @pulumi/command. */
export const sshPrepareSchema = z.strictObject({
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_.-]{0,31}$/, "expected a user name (lower case, digits, '_', '.', '-')")
    .default("root"),
  port: z.number().int().min(1).max(65535).default(22),
  /** Shell commands run once on the host before anything is placed on it. */
  commands: z.array(processText.pipe(z.string().min(1))).min(1, "expected at least one command"),
  /**
   * The host's SSH public key (a line of its /etc/ssh/ssh_host_*_key.pub): the commands run only
   * on a host that shows it. Without it, whatever answers at the address is trusted.
   */
  hostKey: z
    .string()
    .regex(
      /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/,
      "expected the host's SSH public key, a line of its /etc/ssh/ssh_host_*_key.pub ('ssh-ed25519 AAAA...')",
    )
    .optional(),
});

/** A registry's user name, as Docker's basic authentication sends it (`user:password`). */
export const registryUserSchema = z
  .string()
  .min(1, "expected a registry user name, not an empty one")
  .regex(/^[^\s:]+$/, "expected a registry user name: no space, line break or ':'");

export const hostSchema = z.strictObject({
  /** Stable id: names every resource placed on the host. */
  id: z.string().regex(idPattern, "expected a lower-case id of letters, digits and '-'"),
  /** Address other hosts and clients reach this host at (DNS name or IP). */
  address: z.string().refine(isHostAddress, { message: HOST_ADDRESS_EXPECTED }),
  roles: z.array(z.enum(HOST_ROLES)).min(1, "expected at least one role"),
  cpus: z
    .number()
    .positive("expected a positive number of CPUs")
    .max(MAX_CPUS, `expected at most ${MAX_CPUS} CPUs`),
  memoryMb: z
    .number()
    .positive("expected a positive memory size in MiB")
    .max(MAX_MEMORY_MB, `expected at most ${MAX_MEMORY_MB} MiB`)
    .int("expected a whole number of MiB"),
  labels: labelMap.default({}),
  docker: dockerEndpointSchema.optional(),
  prepare: sshPrepareSchema.optional(),
  /**
   * A master's ZooKeeper id (`myid`), where it must not follow the master's place among the
   * masters: a master removed or moved in `hosts` would change the ids of those after it
   * (core/zookeeper-ids.ts).
   */
  zookeeperId: z
    .number()
    .int("expected a whole number from 1 to 255")
    .min(1, "expected a whole number from 1 to 255")
    .max(ZOOKEEPER_ID_MAX, "expected a whole number from 1 to 255")
    .optional(),
});

export const imagesSchema = z.strictObject({
  zookeeper: imageReference.optional(),
  mesosMaster: imageReference.optional(),
  mesosAgent: imageReference.optional(),
  marathon: imageReference.optional(),
  chronos: imageReference.optional(),
  consul: imageReference.optional(),
  consulEsm: imageReference.optional(),
  consulTemplate: imageReference.optional(),
  loadBalancer: imageReference.optional(),
  service: imageReference.optional(),
  /** The image holding `platform-metrics`, which ships a slave's cAdvisor metrics to InfluxDB. */
  metricsShipper: imageReference.optional(),
  /** The image holding `platform-registrar`, which registers Marathon's tasks in Consul on each slave. */
  taskRegistrar: imageReference.optional(),
  influxdb: imageReference.optional(),
  /** MariaDB, the DIRAC installation's database (`dirac.database`). */
  database: imageReference.optional(),
  grafana: imageReference.optional(),
  cadvisor: imageReference.optional(),
  filebeat: imageReference.optional(),
  logstash: imageReference.optional(),
  /** The image holding `platform-port-guard` and iptables, which closes the instances' ports on each slave of a site. */
  portGuard: imageReference.optional(),
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
  /**
   * The address the stats page listens on, on each balancer: an IPv4 address of the balancer's
   * host, or `*` for all. Default: `127.0.0.1` on cert and prod (reached over SSH, `ssh -L`), `*`
   * on local.
   */
  statsAddress: z
    .string()
    .refine((a) => a === "*" || isIPv4(a), "expected an IPv4 address or *")
    .optional(),
  /** Global connection limit of each HAProxy. */
  maxconn: z.number().positive().max(1_000_000).int().default(4096),
});

/**
 * The platform image runs DIRAC (images/dirac): each of its instances gets the installation's
 * `dirac.cfg`, rendered from the catalog (components/dirac/dirac-plan.ts), and the catalog's
 * `Configuration/Server` serves the installation's configuration with the balancers' URLs.
 * Absent: the platform image is another one, which reads no DIRAC configuration.
 */
export const diracSchema = z.strictObject({
  /** The installation's name (`/DIRAC/Configuration/Name`); its Configuration Server's file is `<name>.cfg`. */
  installation: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, "expected a name of letters, digits, '_', '-'"),
  /**
   * The installation's MariaDB, for the catalog's services that name `databases`: one instance,
   * on `host` (a host id of `hosts`), its data in a volume there (docs/dirac.md).
   */
  database: z.strictObject({ host: z.string().min(1, "expected a host id") }).optional(),
});

/** The two slots of Consul's CAs: "a" holds a stack's first CA, "b" the next one a rotation makes. */
export const CA_SLOTS = ["a", "b"] as const;
export type CaSlot = (typeof CA_SLOTS)[number];

/**
 * Consul's CAs where TLS is on: `trusted`, the CAs every agent and client of Consul trusts (in this
 * order in their bundle); `issuer`, the one that signs the agents' certificates. A CA is rotated in
 * three `up`s (docs/security.md): trust both, issue from the new one, trust it alone.
 */
export const tlsCaSchema = z
  .strictObject({
    issuer: z.enum(CA_SLOTS).default("a"),
    trusted: z
      .array(z.enum(CA_SLOTS))
      .min(1, "expected at least one CA")
      .refine((t) => new Set(t).size === t.length, "expected each CA once")
      .default(["a"]),
  })
  .refine((c) => c.trusted.length === 0 || c.trusted.includes(c.issuer), {
    message:
      "expected a CA that trusted lists: the agents refuse certificates of a CA they do not trust",
    path: ["issuer"],
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
  tlsCa: tlsCaSchema.default({ issuer: "a", trusted: ["a"] }),
});

/** The whole structured config of a stack, namespace `lhcb-platform:` in `Pulumi.<stack>.yaml`. */
export const stackConfigSchema = z.strictObject({
  /** local, cert or prod; default: the stack name when it is one of these. */
  environment: z.enum(ENVIRONMENTS).optional(),
  /** Default run mode of catalog entries. */
  mode: z.enum(RUN_MODES).default("pulumi"),
  /** Path of the catalog YAML, relative to the project. */
  catalog: z
    .string()
    .regex(/^[A-Za-z0-9._/-]+$/, "expected a file path of letters, digits, '.', '_', '-', '/'")
    .default("catalog/dirac.yaml"),
  /** Prefix for every image, e.g. `registry.cern.ch/lhcb`. */
  registry: z
    .string()
    .refine(isRegistryPrefix, {
      message:
        "a registry prefix: registry[:port][/path], the path in lower case (letters, digits, '.', '_', '-')",
    })
    .default(""),
  /**
   * The user each host's Engine pulls the images as, from the registry `registry` names (its
   * password: the secret `registryPassword`). Unset: the Engines pull without a login.
   */
  registryUser: registryUserSchema.optional(),
  images: imagesSchema.default({}),
  /**
   * Besides the platform's masters and balancers, who may reach the ports the instances publish on
   * the slaves of a site (every other source is refused there, `components/hosts/port-guard.ts`):
   * addresses, CIDR networks or DNS names. The machines that run `pulumi up` for the stack must be
   * among them (their readiness probes ask each new instance directly). Required where a slave
   * publishes a port: on a site whose catalog has a `pulumi`-mode service, or with Mesos.
   */
  adminNetworks: z
    .array(z.string().refine(isNetworkSource, { message: NETWORK_SOURCE_EXPECTED }))
    .optional(),
  /**
   * Grafana's certificate (PEM: its own, then any intermediate CA's), from a CA the operators'
   * browsers trust, for the monitoring host's address; its key is the secret
   * `grafanaCertificateKey`. Unset: Grafana's certificate is made by the stack's metrics CA. Only
   * where Grafana serves HTTPS (cert and prod, `features.grafana`).
   */
  grafanaCertificate: z
    .string()
    .refine(isCertificatePem, { message: CERTIFICATE_PEM_EXPECTED })
    .optional(),
  hosts: z.array(hostSchema).min(1, "expected at least one host"),
  /**
   * Ids of hosts of `hosts` that are down (set by an operator, or by `npm run watch-hosts`). What
   * was placed on them stays declared as it was, and their slaves' instances get replacements on
   * healthy slaves (core/placement.ts, `placeAround`).
   */
  failedHosts: z.array(z.string().regex(idPattern, "expected a host id")).default([]),
  /**
   * Ids of hosts of `hosts` gone for good, about to leave `hosts`: treated as failed, and what is
   * on them is registered as deleted with their engine's provider (`deletedWith`), so that taking
   * them out of `hosts` in the next `up`, or `pulumi destroy`, asks nothing of them, while one
   * that comes back and only leaves `lostHosts` is changed through its engine as any host is
   * (docs/site.md, "A host gone for good").
   */
  lostHosts: z.array(z.string().regex(idPattern, "expected a host id")).default([]),
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
    tlsCa: { issuer: "a", trusted: ["a"] },
  }),
  dirac: diracSchema.optional(),
});

export type StackConfigInput = z.input<typeof stackConfigSchema>;
export type StackConfig = z.output<typeof stackConfigSchema>;
export type HostSpec = z.output<typeof hostSchema>;
export type ImageOverrides = z.output<typeof imagesSchema>;
export type Features = z.output<typeof featuresSchema>;
export type DiracSettings = z.output<typeof diracSchema>;
