// Certificates the platform makes itself at `up`: a CA, and certificates it signs, each printed by
// a local command that runs openssl where `pulumi up` runs. Consul's TLS (consul/consul-tls.ts)
// and the logs' (logging/logging-tls.ts) are made this way.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/** The DNS names and IP addresses a certificate holds. */
export interface CertificateNames {
  dns: string[];
  ips: string[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The names of a host's `address` in a certificate: an IP address, or a DNS name. */
export function addressNames(address: string): CertificateNames {
  const isIp = IPV4.test(address) || address.includes(":");
  return isIp ? { dns: [], ips: [address] } : { dns: [address], ips: [] };
}

/** OpenSSL's `subjectAltName` value for `names`: `DNS:a,DNS:b,IP:10.0.0.1`. */
export function subjectAltName(names: CertificateNames): string {
  return [...names.dns.map((n) => `DNS:${n}`), ...names.ips.map((ip) => `IP:${ip}`)].join(",");
}

/** Days a CA is valid; rotated by replacing it (docs/security.md). */
export const CA_VALIDITY_DAYS = 3650;
/** Days a certificate is valid; renewed with `pulumi up --replace` of its command (docs/security.md). */
export const CERT_VALIDITY_DAYS = 1095;

/**
 * What both commands start with: openssl is needed (the message says what it makes, e.g.
 * "Consul's TLS certificates"), and their files live in a private directory removed on exit.
 */
function prelude(what: string): string[] {
  return [
    "set -eu",
    `command -v openssl >/dev/null 2>&1 || { echo "making ${what} needs openssl on the machine that runs pulumi up" >&2; exit 1; }`,
    "umask 077",
    "d=$(mktemp -d) && trap 'rm -rf \"$d\"' EXIT",
  ];
}

/**
 * The command that prints a new CA's private key (PKCS #8) and self-signed certificate (P-256).
 * Its subject is in CA_NAME, its days in VALID_DAYS.
 */
export function caCommand(what: string): string {
  return [
    ...prelude(what),
    'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/key" -out "$d/cert" -days "$VALID_DAYS" -subj "/CN=$CA_NAME" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$d/err" || { cat "$d/err" >&2; exit 1; }',
    'cat "$d/key" "$d/cert"',
  ].join("\n");
}

/**
 * The command that prints a new key (PKCS #8) and a certificate signed by the CA in CA_KEY and
 * CA_CERT, for CERT_NAME with the names in CERT_SANS, good for both ends of a TLS connection.
 */
export function certificateCommand(what: string): string {
  return [
    ...prelude(what),
    'printf "%s\\n" "$CA_KEY" > "$d/ca-key" && printf "%s\\n" "$CA_CERT" > "$d/ca"',
    'printf "basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature,keyEncipherment\\nextendedKeyUsage=serverAuth,clientAuth\\nsubjectAltName=%s\\n" "$CERT_SANS" > "$d/ext"',
    'openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/key" -out "$d/csr" -subj "/CN=$CERT_NAME" 2>"$d/err" || { cat "$d/err" >&2; exit 1; }',
    'openssl x509 -req -in "$d/csr" -CA "$d/ca" -CAkey "$d/ca-key" -CAcreateserial -CAserial "$d/serial" -days "$VALID_DAYS" -extfile "$d/ext" -out "$d/cert" 2>"$d/err" || { cat "$d/err" >&2; exit 1; }',
    'cat "$d/key" "$d/cert"',
  ].join("\n");
}

/**
 * The key and the certificate in what a certificate command prints (a PEM private key, then a PEM
 * certificate); throws when either is missing, naming what the output held instead.
 */
export function splitKeyAndCertificate(what: string, pem: string): { key: string; cert: string } {
  const block = (label: string) =>
    new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`).exec(pem)?.[0];
  const key = block("(?:EC |RSA )?PRIVATE KEY");
  const cert = block("CERTIFICATE");
  if (key === undefined || cert === undefined) {
    const labels = [...pem.matchAll(/-----BEGIN ([A-Z ]+)-----/g)].map((m) => m[1]);
    throw new Error(
      `${what}: expected a PEM private key and a PEM certificate, got ${labels.length === 0 ? "neither" : labels.join(", ")}`,
    );
  }
  return { key: key + "\n", cert: cert + "\n" };
}

/** A key (a secret) and its certificate, made at `up`. */
export interface MadeKeyAndCertificate {
  key: pulumi.Output<string>;
  cert: pulumi.Output<string>;
}

/**
 * Runs `create` (a CA or certificate command) as a local command child of `parent` named `name`:
 * its output is a secret, never logged, kept in the stack as long as the command resource lives.
 * Returns the key, as a secret, and the certificate, which is not one; `what` names them in the
 * error when the output holds neither.
 */
export function madeKeyAndCertificate(
  parent: pulumi.Resource,
  name: string,
  what: string,
  create: string,
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>,
  opts: pulumi.CustomResourceOptions = {},
): MadeKeyAndCertificate {
  const cmd = new command.local.Command(
    name,
    { create, environment, logging: command.local.Logging.None },
    { parent, additionalSecretOutputs: ["stdout"], ...opts },
  );
  const parts = pulumi.secret(cmd.stdout).apply((o) => splitKeyAndCertificate(what, o));
  return {
    key: pulumi.secret(parts.apply((p) => p.key)),
    cert: pulumi.unsecret(parts.apply((p) => p.cert)),
  };
}

/** The environment of a certificate command: the issuing CA, the subject and the names. */
export function certificateEnvironment(
  ca: MadeKeyAndCertificate,
  subject: string,
  names: CertificateNames,
): pulumi.Input<Record<string, pulumi.Input<string>>> {
  return pulumi.secret(
    pulumi.all([ca.key, ca.cert]).apply(([caKey, caCert]): Record<string, string> => ({
      CA_KEY: caKey,
      CA_CERT: caCert,
      CERT_NAME: subject,
      CERT_SANS: subjectAltName(names),
      VALID_DAYS: String(CERT_VALIDITY_DAYS),
    })),
  );
}
