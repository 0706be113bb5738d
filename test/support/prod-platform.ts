// The prod and site stack files' platforms, declared as a program would with their secrets, for the
// test files that read what they declare under mocks (each installs its mocks first).
import * as pulumi from "@pulumi/pulumi";
import { PlatformSpec } from "../../components/core/platform-spec";
import {
  loadPlatform,
  loadPlatformFromStackFile,
  readStackFile,
} from "../../components/core/stack-config";
import { Platform, PlatformSecrets } from "../../components/platform";

/**
 * Pulumi.prod.yaml's spec (changed by `change` where given) and its `Platform`, named `platform`,
 * with a gossip key and a Grafana password.
 */
export function declareProdPlatform(change: (spec: PlatformSpec) => PlatformSpec = (s) => s): {
  spec: PlatformSpec;
  platform: Platform;
} {
  const spec = change(loadPlatformFromStackFile(process.cwd(), "prod"));
  const platform = new Platform("platform", {
    spec,
    secrets: {
      consulGossipKey: pulumi.secret("bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc="),
      grafanaAdminPassword: pulumi.secret("correct-horse-battery"),
    },
  });
  return { spec, platform };
}

/**
 * Pulumi.site.yaml's spec with `entries` (full keys) set over its config, and its `Platform`,
 * named `name` (default `platform`), with a gossip key, an operator key, the registry's password
 * and `secrets`.
 */
export function declareSitePlatform(
  entries: Record<string, unknown>,
  secrets: PlatformSecrets = {},
  name = "platform",
): {
  spec: PlatformSpec;
  platform: Platform;
} {
  const { file, entries: own } = readStackFile(process.cwd(), "site");
  const spec = loadPlatform(process.cwd(), "site", { ...own, ...entries }, file);
  const platform = new Platform(name, {
    spec,
    secrets: {
      consulGossipKey: pulumi.secret("c2l0ZS1nb3NzaXAta2V5LTMyLWJ5dGVzLWxvbmctLS0="),
      sshPrivateKey: pulumi.secret("not-a-real-key"),
      registryPassword: pulumi.secret("not-a-real-password"),
      ...secrets,
    },
  });
  return { spec, platform };
}
