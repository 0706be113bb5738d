// Runs the commands `ConsulTls` and the TLS authorities make certificates with, as the command
// provider runs them.
import { execFileSync } from "node:child_process";
import { splitKeyAndCertificate, subjectAltName } from "../../components/core/openssl-certificates";
import { CertificateRequest } from "../../components/core/tls-authority";

/** `command` run by /bin/sh with only PATH and `env` in its environment; its stdout. */
export function runCertificateCommand(command: string, env: Record<string, string>): string {
  return execFileSync("/bin/sh", ["-c", command], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
}

/** A key and a certificate (PEM), as a CA or certificate command prints them. */
export type MadePem = { key: string; cert: string };

/** A CA named `name`, made by `caCommand` (`tlsCommands(...).ca`), valid for 2 days. */
export function makeCa(caCommand: string, name: string): MadePem {
  return splitKeyAndCertificate(
    name,
    runCertificateCommand(caCommand, { CA_NAME: name, VALID_DAYS: "2" }),
  );
}

/** `request`'s certificate signed by `ca`, made by `certCommand` (`tlsCommands(...).certificate`). */
export function signCertificate(
  certCommand: string,
  ca: MadePem,
  request: CertificateRequest,
): MadePem {
  return splitKeyAndCertificate(
    request.subject,
    runCertificateCommand(certCommand, {
      CA_KEY: ca.key,
      CA_CERT: ca.cert,
      CERT_NAME: request.subject,
      CERT_SANS: subjectAltName(request.names),
      VALID_DAYS: "2",
    }),
  );
}
