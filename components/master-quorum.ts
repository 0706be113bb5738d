import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConsulCluster } from "./consul/consul-cluster";
import {
  consulSchema,
  ENVIRONMENTS,
  hostSchema,
  HostSpec,
  idPattern,
  loadBalancerSchema,
  registryUserSchema,
} from "./core/config-schema";
import { InputProblem, PlatformInputError } from "./core/errors";
import { imageRegistryHost, resolveImages } from "./core/images";
import { place } from "./core/placement";
import { hostProblems, PlatformSpec, resolveLoadBalancer } from "./core/platform-spec";
import { quorumProblem, quorumSize } from "./core/quorum";
import { parseWith } from "./core/validate";
import { zookeeperIdProblems } from "./core/zookeeper-ids";
import { HostInventory, inventoryOf } from "./hosts/host-inventory";
import { ZooKeeperEnsemble } from "./zookeeper/zookeeper-ensemble";

/** What a quorum host is: a platform host's id, address, Docker endpoint, preparation and ZooKeeper id. */
const quorumHostSchema = hostSchema.pick({
  id: true,
  address: true,
  docker: true,
  prepare: true,
  zookeeperId: true,
});

const quorumArgsSchema = z.strictObject({
  stack: z.string().regex(idPattern, "expected a lower-case stack name"),
  environment: z.enum(ENVIRONMENTS),
  hosts: z.array(quorumHostSchema).min(1, "expected the quorum's hosts"),
  images: z.strictObject({ zookeeper: z.string().min(1), consul: z.string().min(1) }),
  datacenter: consulSchema.shape.datacenter,
  consulTlsCa: consulSchema.shape.tlsCa,
  registryUser: registryUserSchema.optional(),
});

/** One host of the quorum. */
export type QuorumHost = z.input<typeof quorumHostSchema>;

export interface MasterQuorumArgs {
  /** Part of every physical name (`<stack>-zookeeper-<host id>`). */
  stack: string;
  /**
   * `local`: every host is a name on one Docker Engine (a development machine: 1 or 3 hosts, on
   * one network, gossip unencrypted); `cert` or `prod`: each host is reached at its own `docker`
   * endpoint, the members on the host network (an odd number of at least 3 hosts, the gossip key required).
   */
  environment: "local" | "cert" | "prod";
  /**
   * The quorum's hosts, in order: a host's ZooKeeper `myid` is its place in it unless its
   * `zookeeperId` sets it, and must not change while the ensemble runs (a host moved or removed
   * in the list stops the `up` before any member changes: zookeeper-ids-guard.ts).
   */
  hosts: QuorumHost[];
  /** The two parts' images. */
  images: { zookeeper: string; consul: string };
  /** Consul's datacenter. Default `dc1`. */
  datacenter?: string;
  /**
   * Consul's CAs where TLS is on (every environment but `local`): the one that signs the
   * certificates and those trusted, as a stack's `consul.tlsCa` (a rotation, docs/security.md).
   * Default: slot "a" for both.
   */
  consulTlsCa?: { issuer?: "a" | "b"; trusted?: ("a" | "b")[] };
  /** Consul's gossip encryption key (`consul keygen`), a secret: required but on `local`. */
  gossipKey?: pulumi.Input<string>;
  /**
   * Consul's management token (a secret, a UUID) where Consul's ACLs are on (every environment but
   * `local`); made at the first `up` and kept in the stack when not given.
   */
  consulManagementToken?: pulumi.Input<string>;
  /** SSH key for the hosts' `prepare` commands (a secret). */
  sshPrivateKey?: pulumi.Input<string>;
  /**
   * The user the hosts' Engines pull the two images as, from the registry host they name (both
   * the same one). Unset: they pull without a login.
   */
  registryUser?: string;
  /** `registryUser`'s password (a secret): required with it. */
  registryPassword?: pulumi.Input<string>;
  /** Docker host of the local Engine (`local`). Default `unix:///var/run/docker.sock`. */
  localDockerHost?: string;
}

/** The arguments' secrets and Engine socket, which `quorumSpec` does not read. */
type QuorumAccess = Pick<
  MasterQuorumArgs,
  "gossipKey" | "consulManagementToken" | "sshPrivateKey" | "registryPassword" | "localDockerHost"
>;

/**
 * The validated arguments as the parts' common spec: the masters alone, no catalog, no optional
 * part. Throws one `PlatformInputError` listing every problem, each naming `MasterQuorumArgs` and the path.
 */
export function quorumSpec(args: Omit<MasterQuorumArgs, keyof QuorumAccess>): PlatformSpec {
  const file = "MasterQuorumArgs";
  const a = parseWith(quorumArgsSchema, args, file);
  const problems: InputProblem[] = [];
  const problem = (path: string, expected: string) => problems.push({ file, path, expected });
  const quorum = quorumProblem(a.hosts.length, a.environment);
  if (quorum) problem("hosts", quorum);
  hostProblems(a.hosts, a.environment, problem);
  zookeeperIdProblems(
    a.hosts.map((h) => ({ ...h, roles: ["master" as const] })),
    a.environment === "local",
    problem,
  );
  const login = quorumRegistryLogin(a.registryUser, a.images, problem);
  if (problems.length > 0) throw new PlatformInputError(problems);
  // Only the masters' parts read cpus and memory (none of them does); they are the schema's minimum.
  const masters: HostSpec[] = a.hosts.map((h) => ({
    ...h,
    roles: ["master"],
    cpus: 1,
    memoryMb: 1,
    labels: {},
  }));
  return {
    stack: a.stack,
    environment: a.environment,
    local: a.environment === "local",
    hosts: masters,
    masters,
    slaves: [],
    loadBalancers: [],
    quorum: quorumSize(masters.length),
    images: resolveImages({ zookeeper: a.images.zookeeper, consul: a.images.consul }, ""),
    features: {
      mesos: false,
      whitelist: false,
      logging: false,
      metrics: false,
      grafana: false,
      consulEsm: false,
    },
    loadBalancer: resolveLoadBalancer(loadBalancerSchema.parse({}), a.environment),
    consul: consulSchema.parse({ datacenter: a.datacenter, tlsCa: a.consulTlsCa }),
    adminNetworks: [],
    services: [],
    agents: [],
    failedHosts: [],
    lostHosts: [],
    placement: place([], []),
    ...login,
  };
}

/**
 * The quorum's registry login, where `registryUser` is given: that user at the one registry host
 * both images name; a problem where they name none, or two.
 */
function quorumRegistryLogin(
  username: string | undefined,
  images: { zookeeper: string; consul: string },
  problem: (path: string, expected: string) => void,
): Pick<PlatformSpec, "registryLogin"> {
  if (username === undefined) return {};
  const hosts = [...new Set([images.zookeeper, images.consul].map(imageRegistryHost))];
  if (hosts.length !== 1 || hosts[0] === undefined) {
    problem(
      "images",
      `both images from the one registry host registryUser logs in to (registry.example.org[:port]/...); they name ${hosts.map((h) => h ?? "Docker Hub").join(" and ")}`,
    );
    return {};
  }
  return { registryLogin: { address: hosts[0], username } };
}

/**
 * `quorumSpec` of the arguments without their secrets and Engine socket, and the one check of a
 * secret: the gossip key, required but on `local`. Every problem in one `PlatformInputError`.
 */
export function quorumSpecOf(args: MasterQuorumArgs): PlatformSpec {
  const prepared = args.hosts.find((h) => h.prepare !== undefined);
  const missingKey: InputProblem[] = [
    ...(args.environment !== "local" && args.gossipKey === undefined
      ? [
          {
            file: "MasterQuorumArgs",
            path: "gossipKey",
            expected: `Consul's gossip encryption key (a secret, \`consul keygen\`): gossip is encrypted on ${args.environment}`,
          },
        ]
      : []),
    ...(prepared !== undefined && args.sshPrivateKey === undefined
      ? [
          {
            file: "MasterQuorumArgs",
            path: "sshPrivateKey",
            expected: `the SSH private key the hosts' prepare commands run with (a secret): host ${prepared.id} has prepare`,
          },
        ]
      : []),
    ...(args.registryUser !== undefined && args.registryPassword === undefined
      ? [
          {
            file: "MasterQuorumArgs",
            path: "registryPassword",
            expected: `registryUser's password (a secret): the hosts pull the images as ${args.registryUser}`,
          },
        ]
      : []),
  ];
  let spec: PlatformSpec;
  try {
    spec = quorumSpec({
      stack: args.stack,
      environment: args.environment,
      hosts: args.hosts,
      images: args.images,
      datacenter: args.datacenter,
      consulTlsCa: args.consulTlsCa,
      registryUser: args.registryUser,
    });
  } catch (e) {
    if (e instanceof PlatformInputError && missingKey.length > 0)
      throw new PlatformInputError([...e.problems, ...missingKey]);
    throw e;
  }
  if (missingKey.length > 0) throw new PlatformInputError(missingKey);
  return spec;
}

/** What `declareMasterQuorum` declares under its parent. */
export interface MasterQuorumParts {
  /** The hosts' Docker providers (and, on `local`, the network). */
  inventory: HostInventory;
  zookeeper: ZooKeeperEnsemble;
  /** Its `provider` registers in the catalog once `leader` exists. */
  consul: ConsulCluster;
  /** `host:2181,...` for ZooKeeper's clients. */
  zookeeperConnect: string;
  /** Consul's HTTP API (the first server). */
  consulApi: pulumi.Output<string>;
}

/**
 * The quorum's parts under `parent`, named from `name`, for the spec `quorumSpecOf` made of the
 * arguments: what `MasterQuorum` (and the component package's facade of it) holds.
 */
export function declareMasterQuorum(
  parent: pulumi.ComponentResource,
  name: string,
  spec: PlatformSpec,
  access: QuorumAccess,
): MasterQuorumParts {
  const { gossipKey, consulManagementToken, sshPrivateKey, localDockerHost } = access;
  const opts = { parent };
  const inventory = new HostInventory(
    `${name}-hosts`,
    inventoryOf(spec, {
      localDockerHost,
      sshPrivateKey,
      registryPassword: access.registryPassword,
    }),
    opts,
  );
  const zookeeper = new ZooKeeperEnsemble(`${name}-zookeeper`, { spec, inventory }, opts);
  const consul = new ConsulCluster(
    `${name}-consul`,
    { spec, inventory, gossipKey, managementToken: consulManagementToken },
    opts,
  );
  return {
    inventory,
    zookeeper,
    consul,
    zookeeperConnect: zookeeper.connectString,
    consulApi: consul.apiAddress,
  };
}

/**
 * The master quorum alone, on a project's own hosts: a ZooKeeper ensemble and Consul servers, one
 * member of each per host, each replaced one at a time (`ZooKeeperEnsemble`, `ConsulCluster`).
 * Bad arguments throw before anything is declared (`quorumSpec`).
 */
export class MasterQuorum extends pulumi.ComponentResource implements MasterQuorumParts {
  public readonly inventory: HostInventory;
  public readonly zookeeper: ZooKeeperEnsemble;
  public readonly consul: ConsulCluster;
  public readonly zookeeperConnect: string;
  public readonly consulApi: pulumi.Output<string>;

  constructor(name: string, args: MasterQuorumArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Checked before the component itself is registered: nothing is declared on bad input.
    const spec = quorumSpecOf(args);
    super("lhcb-platform:index:MasterQuorum", name, {}, opts);
    const parts = declareMasterQuorum(this, name, spec, args);
    this.inventory = parts.inventory;
    this.zookeeper = parts.zookeeper;
    this.consul = parts.consul;
    this.zookeeperConnect = parts.zookeeperConnect;
    this.consulApi = parts.consulApi;
    this.registerOutputs({ zookeeperConnect: this.zookeeperConnect, consulApi: this.consulApi });
  }
}
