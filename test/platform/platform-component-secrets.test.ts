// The package's Platform (the component other languages use, settings and catalog as values)
// checks the secrets its settings need before it declares anything, as the TypeScript Platform
// does: a missing one is named by the argument, with nothing of the platform declared.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { installMocks, settle } from "../support/mocks";

const declared = installMocks("cert");
import { PlatformInputError } from "../../components/core/errors";
import { Platform } from "../../components/provider/platform-component";

/** Pulumi.cert.yaml's settings without the prefix, and its catalog, as values. */
function certValues(): { config: Record<string, unknown>; catalog: Record<string, unknown> } {
  const file = parse(readFileSync(join(process.cwd(), "Pulumi.cert.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  const config = Object.fromEntries(
    Object.entries(file.config).map(([k, v]) => [k.replace(/^lhcb-platform:/, ""), v]),
  );
  const catalog = parse(readFileSync(join(process.cwd(), String(config.catalog)), "utf8"));
  delete config.catalog;
  return { config, catalog: catalog as Record<string, unknown> };
}

test("cert without its gossip key and Grafana's password: the component fails naming each argument, and nothing is declared", async () => {
  const { config, catalog } = certValues();
  await settle(declared);
  const before = declared.length;
  assert.throws(
    () => new Platform("site", { stack: "cert", config, catalog }),
    (e: Error) => {
      assert.ok(e instanceof PlatformInputError, e.message);
      assert.equal(
        e.message,
        [
          "site: PlatformArgs: consulGossipKey: the secret, required because Consul's gossip is encrypted on cert",
          "site: PlatformArgs: grafanaAdminPassword: the secret, required because Grafana is on (features.grafana)",
        ].join("\n"),
      );
      return true;
    },
  );
  await settle(declared);
  assert.deepEqual(
    declared.slice(before).map((r) => r.type),
    [],
  );
});

test("cert with both: the platform is declared", async () => {
  const { config, catalog } = certValues();
  const p = new Platform("given", {
    stack: "cert",
    config,
    catalog,
    consulGossipKey: pulumi.secret("bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc="),
    grafanaAdminPassword: pulumi.secret("correct-horse-battery"),
  });
  await settle(declared);
  assert.ok(p);
  assert.ok(declared.some((r) => r.type === "docker:index/container:Container"));
});
