// The site stack: Mesos off, the whitelist on. The renderers run on every master all the same,
// and nothing else of the Mesos side is declared.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { byName, installMocks, ofType, plainInput, settle } from "../support/mocks";

const declared = installMocks("site");
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { Platform } from "../../components/platform";
import { mesosPlan } from "../../components/plan";
import { WHITELIST_PATHS } from "../../components/whitelist/whitelist-containers";
import {
  renderWhitelistTemplate,
  whitelistSlaves,
} from "../../components/whitelist/whitelist-template";

const spec = loadPlatformFromStackFile(process.cwd(), "site");
const platform = new Platform("platform", {
  spec,
  secrets: {
    consulGossipKey: pulumi.secret("c2l0ZS1nb3NzaXAta2V5LTMyLWJ5dGVzLWxvbmctLS0="),
    sshPrivateKey: pulumi.secret("not-a-real-key"),
    registryPassword: pulumi.secret("not-a-real-password"),
  },
});

test("site: the whitelist is rendered on the 3 masters without Mesos", async () => {
  assert.equal(spec.features.mesos, false);
  assert.equal(spec.features.whitelist, true);
  assert.equal(platform.mesos, undefined);
  assert.deepEqual(mesosPlan.masters(spec), []);
  assert.deepEqual(mesosPlan.agents(spec), []);
  await settle(declared);
  assert.deepEqual(Object.keys(platform.whitelist?.renderers ?? {}), [
    "master-1",
    "master-2",
    "master-3",
  ]);
  const mesosContainers = ofType(declared, "docker:index/container:Container")
    .map((r) => r.inputs.name as string)
    .filter((n) => n.includes("mesos") || n.includes("marathon") || n.includes("chronos"))
    .sort();
  assert.deepEqual(mesosContainers, [
    "site-mesos-whitelist-master-1",
    "site-mesos-whitelist-master-2",
    "site-mesos-whitelist-master-3",
  ]);
  const r = byName(declared, "platform-whitelist-master-3");
  assert.match(r.provider ?? "", /::platform-hosts-master-3::/);
  assert.equal(r.inputs.networkMode, "host");
  assert.deepEqual(r.inputs.volumes, [
    {
      hostPath: "/var/lib/lhcb-platform/site-mesos-whitelist-master-3",
      containerPath: WHITELIST_PATHS.dir,
      readOnly: false,
    },
  ]);
  const template = (plainInput(r.inputs.uploads) as { file: string; content: string }[]).find(
    (u) => u.file === WHITELIST_PATHS.template,
  );
  assert.equal(template?.content, renderWhitelistTemplate(whitelistSlaves(spec)));
  assert.deepEqual(
    whitelistSlaves(spec).map((s) => s.node),
    ["site-slave-1", "site-slave-2", "site-slave-3"],
  );
});
