import * as pulumi from "@pulumi/pulumi";
import {
  CA_VALIDITY_DAYS,
  caCommand,
  certificateCommand,
  certificateEnvironment,
  MadeKeyAndCertificate,
  madeKeyAndCertificate,
} from "../core/openssl-certificates";
import { CertificateRequest } from "./logging-tls-plan";

/** The values of one side's TLS files (`loggingTlsFiles`); the key is a secret. */
export type LoggingTlsValues = Record<
  "loggingCaCert" | "loggingTlsCert" | "loggingTlsKey",
  pulumi.Output<string>
>;

export interface LoggingTlsArgs {
  /** The stack: names the CA. */
  stack: string;
}

/** What the commands print for the logs' TLS, whose messages name it. */
export const LOGGING_CA_COMMAND = caCommand("the logs' TLS certificates");
export const LOGGING_CERT_COMMAND = certificateCommand("the logs' TLS certificates");

/**
 * The logs' TLS of a stack: a CA (`<name>-ca`), and a certificate for Logstash and for each
 * Filebeat (`<name>-cert-<key>`), each made at `up` by a local command (openssl where `pulumi up`
 * runs) whose output is a secret, never logged, kept in the stack as long as the command resource
 * lives. The CA is made once: a later version of its command does not remake it
 * (`ignoreChanges`); `pulumi up --replace` of it makes a new CA and, with it, every certificate.
 * A certificate is remade when the CA or its names change.
 */
export class LoggingTls extends pulumi.ComponentResource {
  /** The CA's certificate (PEM, not a secret): Logstash and every Filebeat check the other side's with it. */
  public readonly caCert: pulumi.Output<string>;
  private readonly ca: MadeKeyAndCertificate;
  private readonly key: string;

  constructor(name: string, args: LoggingTlsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("lhcb-platform:logging:LoggingTls", name, {}, opts);
    this.key = name;
    this.ca = madeKeyAndCertificate(
      this,
      `${name}-ca`,
      `the logging CA of ${args.stack}`,
      LOGGING_CA_COMMAND,
      { CA_NAME: `${args.stack} logging CA`, VALID_DAYS: String(CA_VALIDITY_DAYS) },
      { ignoreChanges: ["create", "environment"] },
    );
    this.caCert = this.ca.cert;
    this.registerOutputs({ caCert: this.caCert });
  }

  /**
   * The values of `loggingTlsFiles`' placeholders for the side that shows `request`'s certificate:
   * the CA, and a certificate and key signed by it, made as `<name>-cert-<key>`.
   */
  public filesFor(key: string, request: CertificateRequest): LoggingTlsValues {
    const { cert, key: privateKey } = madeKeyAndCertificate(
      this,
      `${this.key}-cert-${key}`,
      `the logging certificate ${request.subject}`,
      LOGGING_CERT_COMMAND,
      certificateEnvironment(this.ca, request.subject, request.names),
    );
    return { loggingCaCert: this.caCert, loggingTlsCert: cert, loggingTlsKey: privateKey };
  }
}
