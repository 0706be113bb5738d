// A failed balancer under mocks: the served steps of the instances replaced in their place ask
// only the balancers that are not failed, each through its host's Engine as the site reaches it;
// the step's update asks nothing (a balancer failed or back changes its environment only).
import assert from "node:assert/strict";
import { test } from "node:test";
import { installMocks, settle } from "../support/mocks";

const declared = installMocks("site");
import { GATE_COMMAND, UNGATED_COMMAND } from "../../components/haproxy/balancer-gate";
import { declareSitePlatform } from "../support/prod-platform";

test("site with lb-1 failed: every served step asks lb-2 alone, over its host's SSH", async () => {
  declareSitePlatform({ "lhcb-platform:failedHosts": ["lb-1"] });
  await settle(declared);
  const served = declared.filter((r) => r.name.endsWith("-served"));
  // The site's 3 services, 2 instances each.
  assert.equal(served.length, 6);
  for (const r of served) {
    const env = r.inputs.environment as Record<string, string>;
    assert.deepEqual(
      JSON.parse(env.GATE_BALANCERS),
      [
        {
          id: "lb-2",
          engine: { host: "ssh://root@lb-2.site.lhcb.test" },
          container: "site-lb-lb-2",
        },
      ],
      r.name,
    );
    assert.equal(r.inputs.create, GATE_COMMAND, r.name);
    assert.equal(r.inputs.update, UNGATED_COMMAND, r.name);
  }
});
