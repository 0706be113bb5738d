// The platform's secrets, checked before anything is declared: which ones a stack needs, and
// whether the values given are what the parts will accept. No message names a value, nor any
// part of one: only the key, what was expected, and what kind of thing was found.
import { PlatformSpec } from "./core/platform-spec";
import { InputProblem } from "./core/errors";
import { SecretKey } from "./core/stack-config";
import { gossipEncrypted } from "./consul/consul-containers";
import { certificateKeyProblem } from "./core/certificate-checks";

/** What of the platform says which secrets it needs. */
type SecretsSpec = Pick<
  PlatformSpec,
  "local" | "environment" | "features" | "hosts" | "registryLogin" | "grafanaCertificate"
>;

/** How each secret is set, for messages. */
const HOW_TO_SET: Record<SecretKey, string> = {
  consulGossipKey: 'pulumi config set --secret lhcb-platform:consulGossipKey "$(consul keygen)"',
  consulManagementToken:
    'pulumi config set --secret lhcb-platform:consulManagementToken "$(cat /proc/sys/kernel/random/uuid)"',
  grafanaAdminPassword: "pulumi config set --secret lhcb-platform:grafanaAdminPassword",
  sshPrivateKey: "pulumi config set --secret lhcb-platform:sshPrivateKey < KEYFILE",
  registryPassword: "pulumi config set --secret lhcb-platform:registryPassword",
  grafanaCertificateKey: "pulumi config set --secret lhcb-platform:grafanaCertificateKey < KEYFILE",
};

/** The shortest Grafana admin password accepted outside the local stack. */
export const MIN_GRAFANA_PASSWORD = 12;

/** The secrets the stack's parts need, each with why. */
export function requiredSecrets(spec: SecretsSpec): Map<SecretKey, string> {
  const out = new Map<SecretKey, string>();
  if (gossipEncrypted(spec))
    out.set("consulGossipKey", `Consul's gossip is encrypted on ${spec.environment}`);
  if (spec.features.metrics && spec.features.grafana)
    out.set("grafanaAdminPassword", "Grafana is on (features.grafana)");
  const prepared = spec.hosts.find((h) => h.prepare !== undefined);
  if (prepared !== undefined && !spec.local)
    out.set("sshPrivateKey", `host ${prepared.id} has prepare commands, run over SSH`);
  if (spec.registryLogin !== undefined)
    out.set(
      "registryPassword",
      `the hosts pull the images from ${spec.registryLogin.address} as registryUser ${spec.registryLogin.username}`,
    );
  if (spec.grafanaCertificate !== undefined)
    out.set("grafanaCertificateKey", "grafanaCertificate gives Grafana a certificate of its own");
  return out;
}

/** The required secrets `given` says are not there, each with why it is required. */
export function missingSecrets(
  spec: SecretsSpec,
  given: (key: SecretKey) => boolean,
): [SecretKey, string][] {
  return [...requiredSecrets(spec)].filter(([key]) => !given(key));
}

/** What is wrong with a secret's value, never quoting it; undefined when it will be accepted. */
export function secretValueProblem(
  key: SecretKey,
  value: string,
  spec: Pick<PlatformSpec, "local" | "grafanaCertificate">,
): string | undefined {
  switch (key) {
    case "consulGossipKey": {
      // Consul decodes the key as standard base64, and its gossip layer takes an AES key of 16,
      // 24 or 32 bytes (`consul keygen` makes 32).
      const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
      const bytes = base64.test(value) ? Buffer.from(value, "base64").length : -1;
      if (![16, 24, 32].includes(bytes))
        return `a gossip key as consul keygen makes it: standard base64 of 16, 24 or 32 bytes; the value given is ${bytes < 0 ? "not base64" : `base64 of ${bytes} bytes`}`;
      return undefined;
    }
    case "consulManagementToken": {
      // Consul takes a token's secret id only as a UUID (8-4-4-4-12 hex digits).
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
      if (!uuid.test(value))
        return "a UUID (8-4-4-4-12 hexadecimal digits), the form Consul takes a token in; the value given is not one";
      return undefined;
    }
    case "grafanaAdminPassword": {
      if (/[\r\n\0]/.test(value))
        return "a password on one line; the value given has a line break or NUL";
      const min = spec.local ? 1 : MIN_GRAFANA_PASSWORD;
      if (value.length < min)
        return `a password of at least ${min} characters; the value given has ${value.length}`;
      return undefined;
    }
    case "registryPassword": {
      if (/[\r\n\0]/.test(value))
        return "a password on one line; the value given has a line break or NUL";
      if (value === "") return "a password; the value given is empty";
      return undefined;
    }
    case "grafanaCertificateKey": {
      if (spec.grafanaCertificate === undefined)
        return "unset, or grafanaCertificate set beside it: it is the key of that certificate, and none is given";
      return certificateKeyProblem(value, spec.grafanaCertificate);
    }
    case "sshPrivateKey": {
      const pem =
        /-----BEGIN ((?:OPENSSH|RSA|EC|DSA) )?PRIVATE KEY-----[\s\S]+-----END \1PRIVATE KEY-----/;
      if (!pem.test(value))
        return "a private key in PEM or OpenSSH form (-----BEGIN ... PRIVATE KEY----- ... -----END ... PRIVATE KEY-----); the value given is not one";
      return undefined;
    }
  }
}

/** A secret as the program has it: its value, and whether it was set as a secret. */
export interface GivenSecret {
  value: string;
  /** False when the stack file holds it in plain text. */
  secret: boolean;
}

/**
 * Problems of the secrets given for `spec`: each required one missing, each given one whose
 * value would be refused, and each held in plain text instead of as a Pulumi secret.
 */
export function secretProblems(
  spec: SecretsSpec,
  given: Partial<Record<SecretKey, GivenSecret>>,
  file: string,
  prefix: string,
): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const [key, why] of missingSecrets(spec, (k) => given[k] !== undefined))
    problems.push({
      file,
      path: `${prefix}${key}`,
      expected: `the secret, required because ${why}: ${HOW_TO_SET[key]}`,
    });
  for (const key of Object.keys(HOW_TO_SET) as SecretKey[]) {
    const secret = given[key];
    if (secret === undefined) continue;
    if (!secret.secret)
      problems.push({
        file,
        path: `${prefix}${key}`,
        expected: `an encrypted value (${HOW_TO_SET[key]}); it is in plain text`,
      });
    const wrong = secretValueProblem(key, secret.value, spec);
    if (wrong !== undefined) problems.push({ file, path: `${prefix}${key}`, expected: wrong });
  }
  return problems;
}
