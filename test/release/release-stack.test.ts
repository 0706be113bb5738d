// What the release checks of its stack before it builds anything: the stack exists (a mistyped
// name creates nothing), and it runs DIRAC, the image the release builds; and which instances
// it waits for in Consul.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { openExistingStack, PROJECT_ROOT } from "../../scripts/engine-stack";
import { instanceChecks, refuseNonDiracStack } from "../../scripts/release";

test("a stack without a stack file is refused, naming the file, and none is made", async () => {
  const file = join(PROJECT_ROOT, "Pulumi.prdo.yaml");
  await assert.rejects(openExistingStack("prdo"), {
    message: `no stack prdo: ${file} does not exist`,
  });
  assert.equal(existsSync(file), false);
});

test("a stack that sets no lhcb-platform:dirac is refused, naming its services' image", () => {
  const images = { value: JSON.stringify({ service: "lhcb-platform/service:1.0.0" }) };
  assert.throws(() => refuseNonDiracStack("cert", { "lhcb-platform:images": images }), {
    message:
      "stack cert does not run DIRAC (Pulumi.cert.yaml sets no lhcb-platform:dirac): its services run lhcb-platform/service:1.0.0, and the DIRAC image this release builds would serve none of them",
  });
  assert.throws(() => refuseNonDiracStack("prod", {}), {
    message:
      "stack prod does not run DIRAC (Pulumi.prod.yaml sets no lhcb-platform:dirac): its services run the default service image, and the DIRAC image this release builds would serve none of them",
  });
  const dirac = { value: JSON.stringify({ installation: "Local" }) };
  assert.doesNotThrow(() =>
    refuseNonDiracStack("local", { "lhcb-platform:dirac": dirac, "lhcb-platform:images": images }),
  );
});

test("the instances' checks the release waits for: those of their external nodes, but a failed host's", () => {
  const check = (Node: string, ServiceID: string, Status: string) => ({ Node, ServiceID, Status });
  const checks = [
    check("site-slave-1-instances", "web-1", "passing"),
    check("site-slave-1-instances", "cs-1", "passing"),
    check("site-slave-2-instances", "web-2", "critical"), // slave-2 is down
    check("site-slave-3-instances", "web-3", "warning"),
    check("site-slave-1", "", "passing"), // a node's own check (serfHealth)
    check("site-master-1", "consul", "passing"), // not an instance
  ];
  assert.deepEqual(instanceChecks(checks, []), { total: 4, passing: 2 });
  assert.deepEqual(instanceChecks(checks, ["site-slave-2-instances"]), { total: 3, passing: 2 });
});
