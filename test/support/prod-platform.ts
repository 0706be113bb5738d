// The prod stack file's platform, declared as a program would with its secrets, for the test files
// that read what it declares under mocks (each installs its mocks first).
import * as pulumi from "@pulumi/pulumi";
import { PlatformSpec } from "../../components/core/platform-spec";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { Platform } from "../../components/platform";

/** Pulumi.prod.yaml's spec and its `Platform`, named `platform`, with a gossip key and a Grafana password. */
export function declareProdPlatform(): { spec: PlatformSpec; platform: Platform } {
  const spec = loadPlatformFromStackFile(process.cwd(), "prod");
  const platform = new Platform("platform", {
    spec,
    secrets: {
      consulGossipKey: pulumi.secret("bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc="),
      grafanaAdminPassword: pulumi.secret("correct-horse-battery"),
    },
  });
  return { spec, platform };
}
