// A failed slave under mocks: what it holds stays declared, its instances get replacements on the
// healthy slaves, and a service that cannot have its count there warns.
import assert from "node:assert/strict";
import { test } from "node:test";
import { installMocks, ofType, settle } from "../support/mocks";

const declared = installMocks("site");
import { declareSitePlatform } from "../support/prod-platform";

test("site with slave-2 failed and the local catalog: replacements on the healthy slaves, two services short, with a warning each", async (t) => {
  const warn = t.mock.method(console, "warn", () => undefined);
  declareSitePlatform({
    "lhcb-platform:catalog": "catalog/local.yaml",
    "lhcb-platform:failedHosts": ["slave-2"],
  });
  await settle(declared);
  const instances = ofType(declared, "docker:index/container:Container")
    .map((r) => r.inputs.name as string)
    .filter((n) => /-(sample|configuration|datamanagement)-/.test(n))
    .sort();
  assert.deepEqual(instances, [
    "site-configuration-server-slave-1",
    "site-configuration-server-slave-2",
    "site-configuration-server-slave-3",
    "site-datamanagement-storageelement-slave-1",
    "site-datamanagement-storageelement-slave-3",
    // the sample agent: slave-2's container stays declared, a replacement runs on slave-3
    "site-sample-longrun-slave-1",
    "site-sample-longrun-slave-2",
    "site-sample-longrun-slave-3",
    "site-sample-proxied-slave-1",
    "site-sample-proxied-slave-2",
    "site-sample-proxied-slave-3",
    "site-sample-web-slave-1",
    "site-sample-web-slave-2",
    "site-sample-web-slave-3",
  ]);
  // The site's hosts name no SSH key in its stack file (`npm run site -- deploy` sets them): those
  // warnings are another test's (test/hosts/unpinned-host-keys.test.ts).
  assert.deepEqual(
    warn.mock.calls
      .map((c) => String(c.arguments[0]))
      .filter((m) => !m.includes("without prepare.hostKey")),
    [
      "warning: [runtime] Configuration/Server runs 2 healthy instance(s) while slave-2 is failed: it needs 3 instances on distinct slave hosts, but only 2 such host(s) exist",
      "warning: [runtime] Sample/Web runs 2 healthy instance(s) while slave-2 is failed: it needs 3 instances on distinct slave hosts, but only 2 such host(s) exist",
    ],
  );
});
