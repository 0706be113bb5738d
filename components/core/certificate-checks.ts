// Checks of a certificate and key an operator gives (PEM), before anything is declared: that the
// certificate parses, is in its validity period, names the host its clients dial, and that the key
// is its own. Pure but for the clock, which the caller passes. No message quotes a key.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { isIPv4 } from "node:net";

/** What a certificate given in a stack file must be, for messages. */
export const CERTIFICATE_PEM_EXPECTED =
  "a server certificate in PEM form (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), the server's own first, then any intermediate CA's";

/** One PEM certificate block. */
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificate blocks of `pem`, in order. */
function certificateBlocks(pem: string): string[] {
  return pem.match(CERTIFICATE_BLOCK) ?? [];
}

/** The certificate one PEM block holds, or undefined where it does not parse. */
function parsedCertificate(block: string): X509Certificate | undefined {
  try {
    return new X509Certificate(block);
  } catch {
    return undefined;
  }
}

/** The first certificate of `pem` (the server's own), or undefined where none parses. */
export function serverCertificate(pem: string): X509Certificate | undefined {
  const [first] = certificateBlocks(pem);
  return first === undefined ? undefined : parsedCertificate(first);
}

/** True where `pem` holds certificate blocks alone, one at least, each of which parses. */
export function isCertificatePem(pem: string): boolean {
  const blocks = certificateBlocks(pem);
  if (blocks.length === 0 || pem.replace(CERTIFICATE_BLOCK, "").trim() !== "") return false;
  return blocks.every((b) => parsedCertificate(b) !== undefined);
}

/**
 * What is wrong with `pem` as the certificate of a server its clients reach at `address` (a DNS
 * name or an IPv4 address), at the time `now`; undefined where it will do.
 */
export function serverCertificateProblem(
  pem: string,
  address: string,
  now: Date,
): string | undefined {
  const cert = serverCertificate(pem);
  if (cert === undefined) return CERTIFICATE_PEM_EXPECTED;
  if (cert.ca) return "a server's certificate; the first one given is a CA's";
  const named = isIPv4(address) ? cert.checkIP(address) : cert.checkHost(address);
  if (named === undefined)
    return `a certificate that names ${address}, where its clients reach it; the one given names ${cert.subjectAltName ?? cert.subject.replace(/\n/g, ", ")}`;
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now < from)
    return `a certificate valid now; the one given is valid from ${from.toISOString()}`;
  if (now > to) return `a certificate valid now; the one given expired at ${to.toISOString()}`;
  return undefined;
}

/**
 * What is wrong with `key` (PEM) as the private key of the certificate `certPem`, never quoting
 * it; undefined where it is that certificate's key.
 */
export function certificateKeyProblem(key: string, certPem: string): string | undefined {
  let parsed;
  try {
    parsed = createPrivateKey(key);
  } catch {
    return "a private key in PEM form (-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----); the value given is not one";
  }
  const cert = serverCertificate(certPem);
  if (cert !== undefined && !cert.checkPrivateKey(parsed))
    return "the private key of the certificate given beside it; the value given is another key";
  return undefined;
}
