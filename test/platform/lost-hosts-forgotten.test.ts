// A host gone for good under mocks (`lostHosts`): down as a failed host is, its instances placed
// around it, and everything kept as deployed on it also registered to be forgotten rather than
// deleted (`retainOnDelete`), so that taking it out of `hosts` in the next `up`, or `pulumi
// destroy`, asks nothing of its engine; nothing of any other host is.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KEPT_ON_SLAVE_2 } from "../support/kept-on-host";
import { ignoreChangesOf, installMocks, retainOnDeleteOf, settle } from "../support/mocks";
import { specWith } from "../support/stack-input";

const declared = installMocks("site");
import { declareSitePlatform } from "../support/prod-platform";

test("site with slave-2 lost: what is on slave-2 is kept as deployed and forgotten rather than deleted, nothing else", async () => {
  const { spec } = declareSitePlatform({ "lhcb-platform:lostHosts": ["slave-2"] });
  await settle(declared);
  assert.deepEqual([spec.failedHosts, spec.lostHosts], [["slave-2"], ["slave-2"]]);
  const named = (names: (name: string) => boolean) =>
    declared
      .filter((r) => names(r.name))
      .map((r) => `${r.type} ${r.name}`)
      .sort();
  assert.deepEqual(
    named((n) => ignoreChangesOf(n).join() === "*"),
    KEPT_ON_SLAVE_2,
  );
  assert.deepEqual(named(retainOnDeleteOf), KEPT_ON_SLAVE_2);
  // Its instances are placed around it, as a failed host's are.
  const failed = specWith("site", { "lhcb-platform:failedHosts": ["slave-2"] });
  const whole = specWith("site");
  assert.deepEqual(spec.services, failed.services);
  assert.notDeepEqual(spec.services, whole.services);
});
