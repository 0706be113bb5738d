// TLS between Filebeat and Logstash as the platform plans it (pure): where it is on, the files each
// side is given and the names each certificate holds. The certificates themselves are made at `up`
// (`LoggingTls`); the plan holds their placeholders.
import { HostSpec } from "../core/config-schema";
import { ContainerFile, secretPlaceholder } from "../core/container-spec";
import { addressNames } from "../core/openssl-certificates";
import { CertificateRequest } from "../core/tls-authority";
import { PlatformSpec } from "../core/platform-spec";

/**
 * Whether the logs travel over TLS: Logstash's Beats input shows a certificate of the logging CA,
 * which every Filebeat checks against the Logstash host's address, and takes only a Filebeat that
 * shows one of the same CA. Everywhere but on the local stack, whose parts are all on one
 * machine's private network (docs/security.md).
 */
export function loggingTlsOn(spec: Pick<PlatformSpec, "local">): boolean {
  return !spec.local;
}

/** The TLS versions both sides speak. */
export const LOGGING_TLS_PROTOCOLS = ["TLSv1.2", "TLSv1.3"] as const;

/** Where one side of the logs' TLS finds the CA, its certificate and its key. */
export interface TlsFilePaths {
  ca: string;
  cert: string;
  key: string;
}

/** Logstash's TLS files, beside its settings. */
export const LOGSTASH_TLS_PATHS: TlsFilePaths = {
  ca: "/usr/share/logstash/config/tls/ca.pem",
  cert: "/usr/share/logstash/config/tls/logstash.pem",
  key: "/usr/share/logstash/config/tls/logstash-key.pem",
};

/** Filebeat's TLS files, in its home. */
export const FILEBEAT_TLS_PATHS: TlsFilePaths = {
  ca: "/usr/share/filebeat/tls/ca.pem",
  cert: "/usr/share/filebeat/tls/filebeat.pem",
  key: "/usr/share/filebeat/tls/filebeat-key.pem",
};

/** The files of one side at `paths`: the CA, its certificate and its key (placeholders). */
export function loggingTlsFiles(paths: TlsFilePaths): ContainerFile[] {
  return [
    { path: paths.ca, content: secretPlaceholder("loggingCaCert") },
    { path: paths.cert, content: secretPlaceholder("loggingTlsCert") },
    { path: paths.key, content: secretPlaceholder("loggingTlsKey") },
  ];
}

export type { CertificateRequest } from "../core/tls-authority";

/**
 * Logstash's certificate: `logstash.<stack>`, and the address every Filebeat dials, which
 * Filebeat checks the certificate against (`ssl.verification_mode: full`).
 */
export function logstashCertificate(stack: string, dialedAs: string): CertificateRequest {
  return { subject: `logstash.${stack}`, names: addressNames(dialedAs) };
}

/** The certificate of the Filebeat on `host`: `filebeat.<host id>.<stack>`, and its host's address. */
export function filebeatCertificate(
  stack: string,
  host: Pick<HostSpec, "id" | "address">,
): CertificateRequest {
  return { subject: `filebeat.${host.id}.${stack}`, names: addressNames(host.address) };
}
