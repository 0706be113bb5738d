import * as pulumi from "@pulumi/pulumi";
import { CertificateRequest, TlsAuthority, tlsCommands } from "../core/tls-authority";

/** The values of one side's TLS files (`loggingTlsFiles`); the key is a secret. */
export type LoggingTlsValues = Record<
  "loggingCaCert" | "loggingTlsCert" | "loggingTlsKey",
  pulumi.Output<string>
>;

export interface LoggingTlsArgs {
  /** The stack: names the CA. */
  stack: string;
}

/** What the logs' TLS authority is for, in its resources' and messages' words. */
const LOGGING_TLS = {
  caLabel: "logging CA",
  commands: "the logs' TLS certificates",
  certificate: "the logging certificate",
};

/** What the commands print for the logs' TLS, whose messages name it. */
export const LOGGING_CA_COMMAND = tlsCommands(LOGGING_TLS).ca;
export const LOGGING_CERT_COMMAND = tlsCommands(LOGGING_TLS).certificate;

/**
 * The logs' TLS of a stack (`TlsAuthority`): a CA (`<name>-ca`), and a certificate for Logstash
 * and for each Filebeat (`<name>-cert-<key>`).
 */
export class LoggingTls extends TlsAuthority {
  constructor(name: string, args: LoggingTlsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(
      "lhcb-platform:logging:LoggingTls",
      name,
      { stack: args.stack, purpose: LOGGING_TLS },
      opts,
    );
  }

  /**
   * The values of `loggingTlsFiles`' placeholders for the side that shows `request`'s certificate:
   * the CA, and a certificate and key signed by it, made as `<name>-cert-<key>`.
   */
  public filesFor(key: string, request: CertificateRequest): LoggingTlsValues {
    const { cert, key: privateKey } = this.issue(key, request);
    return { loggingCaCert: this.caCert, loggingTlsCert: cert, loggingTlsKey: privateKey };
  }
}
