// A host gone for good under mocks (`lostHosts`): down as a failed host is, its instances placed
// around it, and everything kept as deployed on it also registered as deleted with its engine's
// provider (`deletedWith`), so that taking it out of `hosts` in the next `up`, or `pulumi
// destroy`, asks nothing of its engine; nothing is forgotten whatever happens (`retainOnDelete`),
// so that if it comes back, a replacement deletes the old container; nothing of any other host is.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  forgetStepInputs,
  KEPT_ON_SLAVE_2,
  keptAndLeftWith,
  siteForgetSteps,
} from "../support/kept-on-host";
import {
  byName,
  deletedWithOf,
  installMocks,
  isSecretInput,
  plainInput,
  settle,
} from "../support/mocks";
import { trustingProbeCa } from "../../components/core/readiness";
import {
  CONSUL_FORGET_COMMAND,
  CONSUL_FORGET_PROGRAM,
} from "../../components/consul/consul-forget-program";
import { specWith } from "../support/stack-input";

const declared = installMocks("site");
/** The site's 3 servers and its 5 agents but slave-2's. */
const KEYRING_MEMBERS = { lan: 7, wan: 3 };
import { declareSitePlatform } from "../support/prod-platform";

test("site with slave-2 lost: what is on slave-2 is kept as deployed and deleted with its engine's provider, nothing else", async () => {
  const { spec } = declareSitePlatform({ "lhcb-platform:lostHosts": ["slave-2"] });
  await settle(declared);
  assert.deepEqual([spec.failedHosts, spec.lostHosts], [["slave-2"], ["slave-2"]]);
  // All but the provider itself and the preparation, whose deletions ask nothing of the host.
  assert.deepEqual(keptAndLeftWith(declared, "platform-hosts-slave-2"), {
    kept: KEPT_ON_SLAVE_2,
    leftWithEngine: KEPT_ON_SLAVE_2.filter(
      (r) => !r.startsWith("pulumi:providers:") && !r.startsWith("command:remote:"),
    ),
    retained: [],
  });
  // Its Consul node is forgotten by the servers once it leaves the stack: a step whose deletion
  // asks for its force-leave; the gossip key step waits for every member but it.
  const forget = byName(declared, "platform-consul-forget-slave-2");
  assert.equal(forget.type, "command:local:Command");
  assert.deepEqual(Object.keys(forget.inputs).sort(), ["delete", "environment"]);
  // Its deletion runs where `pulumi up` runs, whatever becomes of slave-2's engine.
  assert.equal(deletedWithOf("platform-consul-forget-slave-2"), "");
  assert.equal(forget.inputs.delete, trustingProbeCa(CONSUL_FORGET_COMMAND));
  assert.ok(isSecretInput(forget.inputs.environment));
  const env = plainInput(forget.inputs.environment) as Record<string, string>;
  assert.deepEqual(
    { ...env, PROBE_CA_PEM: env.PROBE_CA_PEM?.startsWith("-----BEGIN CERTIFICATE-----") },
    {
      CONSUL_FORGET_PROGRAM,
      PROBE_WHAT: "Consul's node site-slave-2 of slave-2, gone for good",
      PROBE_TIMEOUT_SECONDS: "40",
      CONSUL_FORGET_CONFIRM_MS: "2000",
      CONSUL_APIS: JSON.stringify(
        [1, 1, 2, 3].map((m) => `https://master-${m}.site.lhcb.test:8501`),
      ),
      CONSUL_NODE: "site-slave-2",
      CONSUL_HTTP_TOKEN: env.CONSUL_HTTP_TOKEN,
      PROBE_CA_PEM: true,
    },
  );
  assert.ok(env.CONSUL_HTTP_TOKEN.length > 0);
  // Every other host's forget step has no command: none runs when it goes.
  assert.deepEqual(forgetStepInputs(declared), siteForgetSteps(["slave-2"]));
  const keyring = plainInput(byName(declared, "platform-consul-keyring").inputs.environment);
  assert.equal((keyring as Record<string, string>).CONSUL_MEMBERS, JSON.stringify(KEYRING_MEMBERS));
  // Its instances are placed around it, as a failed host's are.
  const failed = specWith("site", { "lhcb-platform:failedHosts": ["slave-2"] });
  const whole = specWith("site");
  assert.deepEqual(spec.services, failed.services);
  assert.notDeepEqual(spec.services, whole.services);
});
