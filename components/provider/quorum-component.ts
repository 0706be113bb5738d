import * as pulumi from "@pulumi/pulumi";
import {
  declareMasterQuorum,
  MasterQuorumArgs as TypedQuorumArgs,
  quorumSpecOf,
} from "../master-quorum";

/** How the platform reaches a host's Docker Engine. */
export interface DockerEndpoint {
  /** `ssh://user@host[:port]`, `tcp://host:2376` or `unix:///var/run/docker.sock`. */
  host: string;
  /** For `tcp://`: a directory holding ca.pem, cert.pem and key.pem. */
  certPath?: string;
  /** Extra options for `ssh://` connections. */
  sshOpts?: string[];
}

/** Commands run once on a host over SSH before anything is placed on it. */
export interface HostPreparation {
  /** Default `root`. */
  user?: string;
  /** Default 22. */
  port?: number;
  /** Shell commands, in order. */
  commands: string[];
  /**
   * The host's SSH public key (a line of its /etc/ssh/ssh_host_*_key.pub): the commands run only
   * on a host that shows it. Absent: whatever answers at the address is trusted.
   */
  hostKey?: string;
}

/** One host of the quorum. */
export interface QuorumHost {
  /** Stable lower-case id: names every resource placed on the host. */
  id: string;
  /** Address other hosts and clients reach this host at (DNS name or IP). */
  address: string;
  /** The host's Docker Engine. Absent: the local Engine's socket. */
  docker?: DockerEndpoint;
  /** Preparation over SSH (needs `sshPrivateKey`). */
  prepare?: HostPreparation;
}

/** The quorum's two images. */
export interface QuorumImages {
  /** The ZooKeeper image (the project's `images/zookeeper`, or a site registry's copy of it). */
  zookeeper: string;
  /** The Consul image (the project's `images/consul`, or a site registry's copy of it). */
  consul: string;
}

/** Which of Consul's two CA slots signs, and which are trusted. */
export interface QuorumTlsCa {
  /** `a` or `b`. Default `a`. */
  issuer?: string;
  /** Slots trusted, each `a` or `b`. Default `[a]`. */
  trusted?: string[];
}

/** The arguments of the quorum from other languages: `MasterQuorumArgs` as plain values. */
export interface MasterQuorumArgs {
  /** Part of every physical name (`<stack>-zookeeper-<host id>`). */
  stack: string;
  /**
   * `local` (every host a name on one Docker Engine: 1 or 3 hosts, gossip unencrypted), `cert` or
   * `prod` (each host at its own `docker` endpoint: an odd number of at least 3, the gossip key required).
   */
  environment: string;
  /** The quorum's hosts, in order: ZooKeeper's `myid` follows it. */
  hosts: QuorumHost[];
  images: QuorumImages;
  /** Consul's datacenter. Default `dc1`. */
  datacenter?: string;
  /**
   * Consul's CAs (not on `local`): the slot that signs the certificates (`issuer`, `a` or `b`)
   * and the slots trusted (`trusted`), one step of a rotation (docs/security.md). Default: slot `a`
   * for both.
   */
  consulTlsCa?: QuorumTlsCa;
  /** Consul's gossip encryption key (`consul keygen`), a secret: required but on `local`. */
  gossipKey?: pulumi.Input<string>;
  /**
   * Consul's management token (a UUID), a secret, where Consul's ACLs are on (every environment
   * but `local`): made at the first `up` and kept in the stack when not given.
   */
  consulManagementToken?: pulumi.Input<string>;
  /** SSH key for the hosts' `prepare` commands, a secret. */
  sshPrivateKey?: pulumi.Input<string>;
  /**
   * The user the hosts' Engines pull the two images as, from the one registry host they name.
   * Absent: they pull without a login.
   */
  registryUser?: string;
  /** `registryUser`'s password, a secret: required with it. */
  registryPassword?: pulumi.Input<string>;
  /** Docker host of the local Engine (`local`). Default `unix:///var/run/docker.sock`. */
  localDockerHost?: string;
}

/**
 * A ZooKeeper ensemble and Consul servers, one member of each per host, each replaced one at a
 * time. Bad arguments fail the component before any of its children is declared, with one message
 * naming `MasterQuorumArgs`, the path and what was expected.
 */
export class MasterQuorum extends pulumi.ComponentResource {
  /** `host:2181,...` for ZooKeeper's clients. */
  public readonly zookeeperConnect: pulumi.Output<string>;
  /** Consul's HTTP API (the first server). */
  public readonly consulApi: pulumi.Output<string>;
  /** Consul's management token (a secret) where ACLs are on; empty on `local`. */
  public readonly consulManagementToken: pulumi.Output<string>;
  /** The CA certificate (PEM) Consul's HTTPS API is checked against where its TLS is on; empty on `local`. */
  public readonly consulCaCertificate: pulumi.Output<string>;

  constructor(name: string, args: MasterQuorumArgs, opts?: pulumi.ComponentResourceOptions) {
    // The environment and the CA slots are names of a few; quorumSpec checks them with the rest.
    const plain = {
      ...args,
      environment: args.environment as TypedQuorumArgs["environment"],
      consulTlsCa: args.consulTlsCa as TypedQuorumArgs["consulTlsCa"],
    };
    const spec = quorumSpecOf(plain);
    super("lhcb-platform:index:MasterQuorum", name, {}, opts);
    const parts = declareMasterQuorum(this, name, spec, plain);
    this.zookeeperConnect = pulumi.output(parts.zookeeperConnect);
    this.consulApi = parts.consulApi;
    this.consulManagementToken = parts.consul.managementToken ?? pulumi.output("");
    this.consulCaCertificate = parts.consul.caCertificate ?? pulumi.output("");
    this.registerOutputs({
      zookeeperConnect: this.zookeeperConnect,
      consulApi: this.consulApi,
      consulManagementToken: this.consulManagementToken,
      consulCaCertificate: this.consulCaCertificate,
    });
  }
}
