import * as pulumi from "@pulumi/pulumi";
import {
  CA_VALIDITY_DAYS,
  caCommand,
  CertificateNames,
  certificateCommand,
  certificateEnvironment,
  MadeKeyAndCertificate,
  madeKeyAndCertificate,
} from "./openssl-certificates";

/** A certificate's subject and names. */
export interface CertificateRequest {
  subject: string;
  names: CertificateNames;
}

/** What one TLS authority is for, in the words its resources and messages use. */
export interface TlsAuthorityPurpose {
  /** Names the CA: `<stack> <caLabel>` (e.g. "logging CA"). */
  caLabel: string;
  /** What the commands say they make (e.g. "the logs' TLS certificates"). */
  commands: string;
  /** How a certificate is named in messages (e.g. "the logging certificate"). */
  certificate: string;
}

/** The CA command and certificate command of `purpose`, whose messages name it. */
export function tlsCommands(purpose: Pick<TlsAuthorityPurpose, "commands">): {
  ca: string;
  certificate: string;
} {
  return { ca: caCommand(purpose.commands), certificate: certificateCommand(purpose.commands) };
}

/**
 * A CA of the platform's making and the certificates it signs (the logs', the metrics'), as a
 * component of type `type`: the CA (`<name>-ca`) and each certificate (`<name>-cert-<key>`) made at
 * `up` by a local command (openssl where `pulumi up` runs) whose output is a secret, never logged,
 * kept in the stack as long as the command resource lives. The CA is made once: a later version of
 * its command does not remake it (`ignoreChanges`); `pulumi up --replace` of it makes a new CA and,
 * with it, every certificate. A certificate is remade when the CA or its names change.
 */
export class TlsAuthority extends pulumi.ComponentResource {
  /** The CA's certificate (PEM, not a secret): what each side checks the other's with. */
  public readonly caCert: pulumi.Output<string>;
  private readonly ca: MadeKeyAndCertificate;
  private readonly key: string;
  private readonly purpose: TlsAuthorityPurpose;

  constructor(
    type: string,
    name: string,
    args: { stack: string; purpose: TlsAuthorityPurpose },
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super(type, name, {}, opts);
    this.key = name;
    this.purpose = args.purpose;
    this.ca = madeKeyAndCertificate(
      this,
      `${name}-ca`,
      `the ${args.purpose.caLabel} of ${args.stack}`,
      tlsCommands(args.purpose).ca,
      { CA_NAME: `${args.stack} ${args.purpose.caLabel}`, VALID_DAYS: String(CA_VALIDITY_DAYS) },
      { ignoreChanges: ["create", "environment"] },
    );
    this.caCert = this.ca.cert;
    this.registerOutputs({ caCert: this.caCert });
  }

  /** A certificate and key for `request`, signed by the CA, made as `<name>-cert-<key>`. */
  public issue(key: string, request: CertificateRequest): MadeKeyAndCertificate {
    return madeKeyAndCertificate(
      this,
      `${this.key}-cert-${key}`,
      `${this.purpose.certificate} ${request.subject}`,
      tlsCommands(this.purpose).certificate,
      certificateEnvironment(this.ca, request.subject, request.names),
    );
  }
}
