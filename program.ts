import * as pulumi from "@pulumi/pulumi";
import { PlatformInputError } from "./components/core/errors";
import { CONFIG_NAMESPACE } from "./components/core/stack-config";
import { Platform } from "./components/platform";
import { loadCheckedPlatform } from "./components/stack-checks";

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
      spec = loadCheckedPlatform(projectDir, stack, pulumi.runtime.allConfig(), file);
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
        grafanaAdminPassword: config.getSecret("grafanaAdminPassword"),
        sshPrivateKey: config.getSecret("sshPrivateKey"),
      },
    });
    return {
      environment: spec.environment,
      endpoints: platform.endpoints,
      consulApi: platform.consul.apiAddress,
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
