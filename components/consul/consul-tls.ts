import * as pulumi from "@pulumi/pulumi";
import { CaSlot, HostSpec } from "../core/config-schema";
import {
  CA_VALIDITY_DAYS,
  caCommand,
  certificateCommand,
  certificateEnvironment,
  MadeKeyAndCertificate,
  madeKeyAndCertificate,
} from "../core/openssl-certificates";
import { agentCertificateNames } from "./consul-tls-plan";

export interface ConsulTlsArgs {
  /** The stack (names the CA) and the datacenter (the agents' `server.<dc>.consul` names). */
  stack: string;
  datacenter: string;
  /**
   * The CA that signs the certificates and the CAs trusted (`consul.tlsCa`; default: slot "a" for
   * both). A CA of a slot that neither names is not declared, so it goes at the next `up`.
   */
  cas?: { issuer: CaSlot; trusted: readonly CaSlot[] };
}

/** What the commands print for Consul, whose messages name it. */
export const CA_COMMAND = caCommand("Consul's TLS certificates");
export const CERT_COMMAND = certificateCommand("Consul's TLS certificates");

/** A certificate and its private key (a secret). */
export type AgentCertificate = MadeKeyAndCertificate;

/**
 * Consul's TLS of a stack: a CA, and a certificate per Consul agent or server, each made at `up` by
 * a local command (openssl where `pulumi up` runs) whose output is a secret, never logged, kept in
 * the stack as long as the command resource lives. A CA is made once: a later version of the
 * command does not remake it (`ignoreChanges`). It is rotated through its two slots, "a"
 * (`<name>-ca`) and "b" (`<name>-ca-b`): trusting both, then issuing from the new one, then
 * trusting it alone (docs/security.md). An agent's certificate is remade when the issuing CA or
 * its names change.
 */
export class ConsulTls extends pulumi.ComponentResource {
  /**
   * The certificates of the trusted CAs, one after another (PEM, not a secret): every client of
   * Consul's API, and every agent, is given it. With one CA, its certificate alone.
   */
  public readonly caCert: pulumi.Output<string>;
  private readonly issuer: MadeKeyAndCertificate;
  private readonly key: string;
  private readonly args: ConsulTlsArgs;

  constructor(name: string, args: ConsulTlsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:consul:ConsulTls", name, {}, opts);
    this.key = name;
    this.args = args;
    const cas = args.cas ?? { issuer: "a", trusted: ["a"] };
    const made = new Map<CaSlot, MadeKeyAndCertificate>();
    for (const slot of new Set([...cas.trusted, cas.issuer])) made.set(slot, this.ca(slot));
    this.issuer = made.get(cas.issuer)!;
    this.caCert = pulumi
      .all(cas.trusted.map((slot) => made.get(slot)!.cert))
      .apply((certs) => certs.join(""));
    this.registerOutputs({ caCert: this.caCert });
  }

  /** The CA of `slot`, made at the `up` that first names it. */
  private ca(slot: CaSlot): MadeKeyAndCertificate {
    const { stack } = this.args;
    return madeKeyAndCertificate(
      this,
      slot === "a" ? `${this.key}-ca` : `${this.key}-ca-${slot}`,
      `the Consul CA ${slot} of ${stack}`,
      CA_COMMAND,
      {
        CA_NAME: slot === "a" ? `${stack} Consul CA` : `${stack} Consul CA ${slot}`,
        VALID_DAYS: String(CA_VALIDITY_DAYS),
      },
      { ignoreChanges: ["create", "environment"] },
    );
  }

  /** The certificate of the Consul server (on a master) or agent on `host`, made when first asked for. */
  public certificateFor(host: HostSpec, server: boolean): AgentCertificate {
    const names = agentCertificateNames(this.args.datacenter, host, server);
    return madeKeyAndCertificate(
      this,
      `${this.key}-cert-${host.id}`,
      `the Consul certificate of ${host.id}`,
      CERT_COMMAND,
      certificateEnvironment(this.issuer, names.dns[0], names),
    );
  }
}
