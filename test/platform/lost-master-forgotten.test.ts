// A master gone for good under mocks (site, master-2 in `lostHosts`): what is on it kept as
// deployed and deleted with its engine's provider, as on a lost slave; its Consul server's node is
// forgotten by the others as it leaves the stack (as the machine that replaces it joins), and
// the gossip key step waits for every member but it. The engine asks the first master still.
import assert from "node:assert/strict";
import { test } from "node:test";
import { byName, installMocks, plainInput, settle } from "../support/mocks";

const declared = installMocks("site");
import { declareSitePlatform } from "../support/prod-platform";
import { forgetStepInputs, keptAndLeftWith, siteForgetSteps } from "../support/kept-on-host";

/** What the site's plan keeps as deployed on master-2 while it is down: `type name`, sorted. */
const KEPT_ON_MASTER_2 = [
  "command:local:Command platform-consul-server-master-2-ready",
  "command:local:Command platform-zookeeper-master-2-ready",
  "command:remote:Command platform-hosts-master-2-prepare",
  "docker:index/container:Container platform-consul-esm-master-2",
  "docker:index/container:Container platform-consul-server-master-2",
  "docker:index/container:Container platform-whitelist-master-2",
  "docker:index/container:Container platform-zookeeper-master-2",
  "docker:index/network:Network platform-hosts-master-2-net",
  "docker:index/volume:Volume platform-consul-server-master-2-consul-data",
  "docker:index/volume:Volume platform-zookeeper-master-2-data-version-2",
  "pulumi:providers:docker platform-hosts-master-2",
];

test("site with master-2 lost: kept and deleted with its engine's provider, its server's node forgotten as it leaves, the APIs asked at master-1", async () => {
  const { spec } = declareSitePlatform({ "lhcb-platform:lostHosts": ["master-2"] });
  await settle(declared);
  assert.deepEqual(keptAndLeftWith(declared, "platform-hosts-master-2"), {
    kept: KEPT_ON_MASTER_2,
    leftWithEngine: KEPT_ON_MASTER_2.filter(
      (r) => !r.startsWith("pulumi:providers:") && !r.startsWith("command:remote:"),
    ),
    retained: [],
  });
  assert.deepEqual(forgetStepInputs(declared), siteForgetSteps(["master-2"]));
  const forget = plainInput(byName(declared, "platform-consul-forget-master-2").inputs.environment);
  const env = forget as Record<string, string>;
  // Asked of the API master first, then of each server but the lost one.
  assert.deepEqual(
    [env.PROBE_WHAT, JSON.parse(env.CONSUL_APIS), env.CONSUL_NODE],
    [
      "Consul's node site-master-2 of master-2, gone for good",
      [1, 1, 3].map((m) => `https://master-${m}.site.lhcb.test:8501`),
      "site-master-2",
    ],
  );
  // Two servers and the five agents: the lost server is no member the key must reach.
  const keyring = plainInput(byName(declared, "platform-consul-keyring").inputs.environment);
  assert.equal(
    (keyring as Record<string, string>).CONSUL_MEMBERS,
    JSON.stringify({ lan: 7, wan: 2 }),
  );
  assert.deepEqual(spec.failedHosts, ["master-2"]);
});
