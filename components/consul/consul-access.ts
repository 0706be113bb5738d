import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { ConsulRole } from "./consul-acl-plan";

/**
 * What a part placed on a host needs of Consul there: the load balancers' consul-template and the
 * scheduled agents' locks talk to their host's Consul agent. `ConsulCluster` implements it; a
 * project with a Consul of its own implements it over that.
 */
export interface ConsulAccess {
  /** What a container placed on `hostId` waits for before it talks to Consul (the servers, the host's agent). */
  readyOn(hostId: string): pulumi.Resource[];
  /** The HTTP API of the Consul process on `hostId` (`https://address:8501`, `http://address:8500` on the local stack). */
  apiOn(hostId: string): pulumi.Output<string>;
  /**
   * The CA certificate (PEM) Consul's HTTPS API is checked against, where Consul's TLS is on
   * (`tlsEnforced`); the parts put it into a file of theirs. Undefined where it is off.
   */
  readonly caCertificate?: pulumi.Output<string>;
  /**
   * The ACL token of a client role (a secret), where Consul's ACLs are on (`aclEnforced`); the
   * parts put it into their config files. Undefined where they are off.
   */
  tokenFor(role: ConsulRole): pulumi.Output<string> | undefined;
}

/**
 * What registering in Consul's catalog needs: the service instances register through it.
 * `ConsulCluster` implements it.
 */
export interface ConsulCatalog {
  /** A provider pointed at the Consul HTTP API the registrations go to. */
  readonly provider: consul.Provider;
  /** Exists once the servers have elected a leader: every registration waits for it. */
  readonly leader: pulumi.Resource;
}
