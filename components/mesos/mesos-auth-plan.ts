/**
 * Who may talk to Mesos, Marathon and Chronos on cert and prod, pure. Each part is a principal
 * with a secret made at `up` (MesosCluster's args; `Platform` makes them):
 * - `mesos-agent`: an agent registers with the masters only with it (`--authenticate_agents`);
 * - `marathon`, `chronos`: a framework registers only with its own (`--authenticate_frameworks`,
 *   CRAM-MD5);
 * - `platform-admin`: the operator's and the library's, for the HTTP APIs (basic
 *   authentication): the masters' and the agents' (`--authenticate_http_readwrite`,
 *   `--authenticate_http_readonly`), Marathon's and Chronos' (`--http_credentials`).
 * Every secret reaches its part in a file, never in its environment. On `local` (where Mesos
 * does not run) nothing asks for credentials.
 */
import {
  ContainerFile,
  DOCKER_HEALTH_INTERVAL_SECONDS,
  healthcheck,
  SecretName,
  secretPlaceholder,
} from "../core/container-spec";
import { curlUserLine } from "../core/curl-credentials";
import { PlatformSpec } from "../core/platform-spec";
import { assertSecretsGiven } from "../core/required-secrets";

/** The principals: the operator's, the agents', and each framework's. */
export type MesosPrincipal = "admin" | "agent" | "marathon" | "chronos";

/** The name of each principal. */
export const MESOS_PRINCIPALS: Record<MesosPrincipal, string> = {
  admin: "platform-admin",
  agent: "mesos-agent",
  marathon: "marathon",
  chronos: "chronos",
};

/** Where a Mesos side part finds its credentials. */
export const MESOS_AUTH_DIR = "/etc/platform/mesos";

/** The files of the credentials, by what reads them. */
export const MESOS_AUTH_FILES = {
  /** The masters' `--credentials`: every principal, for CRAM-MD5 and basic HTTP. */
  masterCredentials: `${MESOS_AUTH_DIR}/credentials.json`,
  /** An agent's `--credential`: its own principal. */
  agentCredential: `${MESOS_AUTH_DIR}/credential.json`,
  /** An agent's `--http_credentials`: who may ask its HTTP API. */
  agentHttpCredentials: `${MESOS_AUTH_DIR}/http-credentials.json`,
  /** A framework's `--mesos_authentication_secret_file`: its secret alone, no newline (read as is). */
  frameworkSecret: `${MESOS_AUTH_DIR}/framework-secret`,
  /** `user:password` of the HTTP API of Marathon or Chronos (read into MESOSPHERE_HTTP_CREDENTIALS). */
  httpCredentials: `${MESOS_AUTH_DIR}/http-credentials`,
} as const;

/** Every stack but `local` asks every principal for its secret. */
export function mesosAuthEnforced(spec: Pick<PlatformSpec, "local">): boolean {
  return !spec.local;
}

const admin = () => ({
  principal: MESOS_PRINCIPALS.admin,
  secret: secretPlaceholder("mesosAdminSecret"),
});

/** The masters' `--credentials` (JSON): the agents', the frameworks' and the operator's. */
export function masterCredentialsFile(): ContainerFile {
  const frameworks = (["marathon", "chronos"] as const).map((f) => ({
    principal: MESOS_PRINCIPALS[f],
    secret: secretPlaceholder(f === "marathon" ? "marathonSecret" : "chronosSecret"),
  }));
  const credentials = [
    admin(),
    { principal: MESOS_PRINCIPALS.agent, secret: secretPlaceholder("mesosAgentSecret") },
    ...frameworks,
  ];
  return {
    path: MESOS_AUTH_FILES.masterCredentials,
    content: JSON.stringify({ credentials }, null, 2) + "\n",
  };
}

/** An agent's `--credential` (JSON) and `--http_credentials` (JSON, the operator's). */
export function agentCredentialFiles(): ContainerFile[] {
  return [
    {
      path: MESOS_AUTH_FILES.agentCredential,
      content:
        JSON.stringify({
          principal: MESOS_PRINCIPALS.agent,
          secret: secretPlaceholder("mesosAgentSecret"),
        }) + "\n",
    },
    {
      path: MESOS_AUTH_FILES.agentHttpCredentials,
      content: JSON.stringify({ credentials: [admin()] }) + "\n",
    },
  ];
}

/** The operator's `user:password` for an HTTP API of the Mesos side, in a file of the part that asks. */
export function adminHttpCredentialsFile(): ContainerFile {
  return {
    path: MESOS_AUTH_FILES.httpCredentials,
    content: `${MESOS_PRINCIPALS.admin}:${secretPlaceholder("mesosAdminSecret")}`,
  };
}

/** A framework's secret file (no newline: Marathon and Chronos read it as is) and its API's `user:password`. */
export function frameworkCredentialFiles(framework: "marathon" | "chronos"): ContainerFile[] {
  return [
    {
      path: MESOS_AUTH_FILES.frameworkSecret,
      content: secretPlaceholder(framework === "marathon" ? "marathonSecret" : "chronosSecret"),
    },
    adminHttpCredentialsFile(),
  ];
}

/**
 * The variable Marathon and Chronos read their API's `user:password` from when `--http_credentials`
 * is not given (`httpCredentialsEnvValue` in their HttpConf): a variable, not an option, so that
 * the value is not in the process's command line.
 */
export const HTTP_CREDENTIALS_VARIABLE = "MESOSPHERE_HTTP_CREDENTIALS";

/**
 * The command of a Docker health check that asks `url` with the operator's credentials from the
 * container's file: curl reads them from its standard input (`-K -`), so they are neither in the
 * container's configuration nor in a process's command line.
 */
export function authenticatedCheck(url: string): string[] {
  return [
    "sh",
    "-c",
    `${curlUserLine(`"$(cat ${MESOS_AUTH_FILES.httpCredentials})"`)} | curl -fsS -o /dev/null -K - ${url}`,
  ];
}

/**
 * What Marathon or Chronos gets where Mesos's authentication is on: its framework's principal and
 * secret file, its files, and the API's credentials read into `HTTP_CREDENTIALS_VARIABLE` at start.
 */
export interface FrameworkAuth {
  principal: string;
  secretFile: string;
  files: ContainerFile[];
  fileEnv: Record<string, string>;
}

/**
 * What a framework's container holds that depends on whether credentials are asked for, worked out
 * once per container: its ZooKeeper access (`Z`, the framework's own shape) and `FrameworkAuth`.
 */
export interface FrameworkAccess<Z> {
  zookeeper: Z;
  auth: FrameworkAuth | undefined;
}

/** `FrameworkAuth` of `framework`, undefined where Mesos asks for no credentials. */
export function frameworkAuth(
  spec: Pick<PlatformSpec, "local">,
  framework: "marathon" | "chronos",
): FrameworkAuth | undefined {
  if (!mesosAuthEnforced(spec)) return undefined;
  return {
    principal: MESOS_PRINCIPALS[framework],
    secretFile: MESOS_AUTH_FILES.frameworkSecret,
    files: frameworkCredentialFiles(framework),
    fileEnv: { [HTTP_CREDENTIALS_VARIABLE]: MESOS_AUTH_FILES.httpCredentials },
  };
}

/**
 * The Docker health check of Marathon or Chronos: `url` of its API answers, asked with the
 * operator's credentials where it asks for them (`auth`).
 */
export function frameworkHealthcheck(url: string, auth: FrameworkAuth | undefined) {
  return healthcheck(auth ? authenticatedCheck(url) : ["curl", "-fsS", "-o", "/dev/null", url], {
    intervalSeconds: DOCKER_HEALTH_INTERVAL_SECONDS,
    timeoutSeconds: 3,
    retries: 6,
    startPeriodSeconds: 60,
  });
}

/** The secrets of the principals, as given to a component (`Platform` makes them at `up`). */
export type MesosSecrets<T> = Partial<Record<MesosPrincipal, T>>;

/** The principals' secrets under the names a container's files hold their placeholders by. */
export function mesosSecretValues<T>(given: MesosSecrets<T>): Partial<Record<SecretName, T>> {
  return {
    mesosAdminSecret: given.admin,
    mesosAgentSecret: given.agent,
    marathonSecret: given.marathon,
    chronosSecret: given.chronos,
  };
}

/**
 * A component of the Mesos side checks, before it declares anything, that it has the secrets of
 * the `principals` its containers hold where Mesos's authentication is on: one error naming its
 * arguments (`args`) and each missing `mesosSecrets.<principal>`.
 */
export function assertMesosSecrets(
  args: string,
  spec: Pick<PlatformSpec, "local" | "environment"> & { features: { mesos: boolean } },
  given: MesosSecrets<unknown> | undefined,
  principals: readonly MesosPrincipal[],
): void {
  if (!mesosAuthEnforced(spec) || !spec.features.mesos) return;
  assertSecretsGiven(
    args,
    `Mesos asks for credentials on ${spec.environment}`,
    principals.map((p) => ({
      path: `mesosSecrets.${p}`,
      given: given?.[p],
      what: `the secret of the Mesos principal ${MESOS_PRINCIPALS[p]} (a secret: \`mesosSecrets\`)`,
    })),
  );
}

/**
 * Whether the library's calls to the API of `framework` give credentials (where Mesos's side
 * runs and asks for them); if so, checks before anything is declared that the component
 * (`args`) has its `apiCredentials`.
 */
export function apiAuthenticated(
  args: string,
  framework: "Marathon" | "Chronos",
  spec: Pick<PlatformSpec, "local" | "environment"> & { features: { mesos: boolean } },
  apiCredentials: unknown,
): boolean {
  if (!mesosAuthEnforced(spec) || !spec.features.mesos) return false;
  assertSecretsGiven(args, `${framework} asks for credentials on ${spec.environment}`, [
    {
      path: "apiCredentials",
      given: apiCredentials,
      what: `\`platform-admin:<secret>\` of ${framework}'s API (a secret)`,
    },
  ]);
  return true;
}
