import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { CaSlot, HostSpec } from "../core/config-schema";
import {
  agentCertificateNames,
  CA_VALIDITY_DAYS,
  CERT_VALIDITY_DAYS,
  splitKeyAndCertificate,
  subjectAltName,
} from "./consul-tls-plan";

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

/** A CA: its private key (a secret) and its certificate. */
interface MadeCa {
  key: pulumi.Output<string>;
  cert: pulumi.Output<string>;
}

/** A certificate and its private key (a secret). */
export interface AgentCertificate {
  cert: pulumi.Output<string>;
  key: pulumi.Output<string>;
}

/** What both commands start with: openssl is needed, and their files live in a private directory removed on exit. */
const PRELUDE = [
  "set -eu",
  'command -v openssl >/dev/null 2>&1 || { echo "making Consul\'s TLS certificates needs openssl on the machine that runs pulumi up" >&2; exit 1; }',
  "umask 077",
  "d=$(mktemp -d) && trap 'rm -rf \"$d\"' EXIT",
];

/** Prints a new CA's private key and self-signed certificate (P-256). Its subject is in CA_NAME. */
export const CA_COMMAND = [
  ...PRELUDE,
  'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/key" -out "$d/cert" -days "$VALID_DAYS" -subj "/CN=$CA_NAME" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$d/err" || { cat "$d/err" >&2; exit 1; }',
  'cat "$d/key" "$d/cert"',
].join("\n");

/**
 * Prints a new key and a certificate signed by the CA in CA_KEY and CA_CERT, for CERT_NAME with the
 * names in CERT_SANS, good for both ends of a TLS connection (agents are servers and clients).
 */
export const CERT_COMMAND = [
  ...PRELUDE,
  'printf "%s\\n" "$CA_KEY" > "$d/ca-key" && printf "%s\\n" "$CA_CERT" > "$d/ca"',
  'printf "basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature,keyEncipherment\\nextendedKeyUsage=serverAuth,clientAuth\\nsubjectAltName=%s\\n" "$CERT_SANS" > "$d/ext"',
  'openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/key" -out "$d/csr" -subj "/CN=$CERT_NAME" 2>"$d/err" || { cat "$d/err" >&2; exit 1; }',
  'openssl x509 -req -in "$d/csr" -CA "$d/ca" -CAkey "$d/ca-key" -CAcreateserial -CAserial "$d/serial" -days "$VALID_DAYS" -extfile "$d/ext" -out "$d/cert" 2>"$d/err" || { cat "$d/err" >&2; exit 1; }',
  'cat "$d/key" "$d/cert"',
].join("\n");

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
  private readonly issuer: MadeCa;
  private readonly key: string;
  private readonly args: ConsulTlsArgs;

  constructor(name: string, args: ConsulTlsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:consul:ConsulTls", name, {}, opts);
    this.key = name;
    this.args = args;
    const cas = args.cas ?? { issuer: "a", trusted: ["a"] };
    const made = new Map<CaSlot, MadeCa>();
    for (const slot of new Set([...cas.trusted, cas.issuer])) made.set(slot, this.ca(slot));
    this.issuer = made.get(cas.issuer)!;
    this.caCert = pulumi
      .all(cas.trusted.map((slot) => made.get(slot)!.cert))
      .apply((certs) => certs.join(""));
    this.registerOutputs({ caCert: this.caCert });
  }

  /** The CA of `slot`, made at the `up` that first names it. */
  private ca(slot: CaSlot): MadeCa {
    const { stack } = this.args;
    const out = this.made(
      slot === "a" ? `${this.key}-ca` : `${this.key}-ca-${slot}`,
      CA_COMMAND,
      {
        CA_NAME: slot === "a" ? `${stack} Consul CA` : `${stack} Consul CA ${slot}`,
        VALID_DAYS: String(CA_VALIDITY_DAYS),
      },
      { ignoreChanges: ["create", "environment"] },
    );
    const parts = out.apply((o) => splitKeyAndCertificate(`the Consul CA ${slot} of ${stack}`, o));
    return {
      key: pulumi.secret(parts.apply((p) => p.key)),
      cert: pulumi.unsecret(parts.apply((p) => p.cert)),
    };
  }

  /** The certificate of the Consul server (on a master) or agent on `host`, made when first asked for. */
  public certificateFor(host: HostSpec, server: boolean): AgentCertificate {
    const names = agentCertificateNames(this.args.datacenter, host, server);
    const { key: issuerKey, cert: issuerCert } = this.issuer;
    const environment = pulumi.all([issuerKey, issuerCert]).apply(([caKey, caCert]) => ({
      CA_KEY: caKey,
      CA_CERT: caCert,
      CERT_NAME: names.dns[0],
      CERT_SANS: subjectAltName(names),
      VALID_DAYS: String(CERT_VALIDITY_DAYS),
    }));
    const out = this.made(`${this.key}-cert-${host.id}`, CERT_COMMAND, pulumi.secret(environment));
    const parts = out.apply((o) =>
      splitKeyAndCertificate(`the Consul certificate of ${host.id}`, o),
    );
    return {
      key: pulumi.secret(parts.apply((p) => p.key)),
      cert: pulumi.unsecret(parts.apply((p) => p.cert)),
    };
  }

  /** A local command's output (a secret, never logged). */
  private made(
    key: string,
    create: string,
    environment: pulumi.Input<Record<string, pulumi.Input<string>>>,
    opts: pulumi.CustomResourceOptions = {},
  ): pulumi.Output<string> {
    const cmd = new command.local.Command(
      key,
      { create, environment, logging: command.local.Logging.None },
      { parent: this, additionalSecretOutputs: ["stdout"], ...opts },
    );
    return pulumi.secret(cmd.stdout);
  }
}
