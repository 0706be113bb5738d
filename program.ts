import * as pulumi from "@pulumi/pulumi";
import { PlatformInputError } from "./components/core/errors";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { CONFIG_NAMESPACE, SECRET_KEYS, SecretKey } from "./components/core/stack-config";
import { Platform } from "./components/platform";
import { GivenSecret, secretProblems } from "./components/secret-checks";
import { loadCheckedPlatform } from "./components/stack-checks";

/**
 * Whether the engine handed a config key over as a secret. @pulumi/pulumi keeps this in its
 * runtime (`isConfigSecret`, not in its typings); where it is missing every key counts as one.
 */
const isConfigSecret: (key: string) => boolean =
  (runtimeConfig as { isConfigSecret?: (key: string) => boolean }).isConfigSecret ?? (() => true);

/** The secrets the stack sets, with their values (decrypted by the engine) and how they are held. */
function givenSecrets(entries: Record<string, string>): Partial<Record<SecretKey, GivenSecret>> {
  const out: Partial<Record<SecretKey, GivenSecret>> = {};
  for (const key of SECRET_KEYS) {
    const full = `${CONFIG_NAMESPACE}:${key}`;
    if (entries[full] !== undefined)
      out[key] = { value: entries[full], secret: isConfigSecret(full) };
  }
  return out;
}

/**
 * The program: reads and validates the stack config and the catalog once, then declares the
 * platform. Bad input stops the run before any resource is declared, with one message naming the
 * file, the path inside it and what was expected.
 */
export function platformProgram(projectDir: string) {
  return async () => {
    const stack = pulumi.getStack();
    const file = `Pulumi.${stack}.yaml`;
    let spec;
    try {
      const entries = pulumi.runtime.allConfig();
      spec = loadCheckedPlatform(projectDir, stack, entries, file);
      const problems = secretProblems(
        spec,
        givenSecrets(entries),
        file,
        `config.${CONFIG_NAMESPACE}:`,
      );
      if (problems.length > 0) throw new PlatformInputError(problems);
    } catch (e) {
      if (e instanceof PlatformInputError)
        throw new pulumi.RunError(`invalid input:\n${e.message}`);
      throw e;
    }
    const config = new pulumi.Config(CONFIG_NAMESPACE);
    const platform = new Platform("platform", {
      spec,
      secrets: {
        consulGossipKey: config.getSecret("consulGossipKey"),
        consulManagementToken: config.getSecret("consulManagementToken"),
        grafanaAdminPassword: config.getSecret("grafanaAdminPassword"),
        sshPrivateKey: config.getSecret("sshPrivateKey"),
        registryPassword: config.getSecret("registryPassword"),
        grafanaCertificateKey: config.getSecret("grafanaCertificateKey"),
      },
    });
    return {
      environment: spec.environment,
      endpoints: platform.endpoints,
      consulApi: platform.consul.apiAddress,
      // Where Consul's ACLs are on: the management token (a secret; `pulumi stack output
      // --show-secrets consulManagementToken`), which the operator's tools and the release use.
      ...(platform.consul.managementToken
        ? { consulManagementToken: platform.consul.managementToken }
        : {}),
      // Where Consul's TLS is on: the CA its HTTPS API is checked against (PEM, not a secret).
      ...(platform.consul.caCertificate
        ? { consulCaCertificate: platform.consul.caCertificate }
        : {}),
      // Where InfluxDB speaks HTTPS: the CA its certificate is checked against (PEM, not a secret).
      ...(platform.metrics?.caCertificate
        ? { metricsCaCertificate: platform.metrics.caCertificate }
        : {}),
      // What the deployed plan placed around: the watcher (scripts/watch-hosts.ts) starts from it.
      failedHosts: spec.failedHosts,
      placement: Object.fromEntries(
        [...spec.services, ...spec.agents].map((e) => [
          e.name,
          e.mode === "pulumi" ? e.hosts : [`(${e.mode})`],
        ]),
      ),
    };
  };
}
