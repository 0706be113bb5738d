// Marathon and its apps under mocks: exact resources for the cert stack file.
import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  byName,
  countByType,
  installMocks,
  isSecretInput,
  ofType,
  plainInput,
  settle,
  uploadsByPath,
  valueOf,
} from "../support/mocks";

const declared = installMocks("cert");
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { HostInventory } from "../../components/hosts/host-inventory";
import { marathonAppJson } from "../../components/marathon/marathon-app";
import { MarathonApps } from "../../components/marathon/marathon-apps";
import { PlatformInputError } from "../../components/core/errors";
import { marathonEnv } from "../../components/marathon/marathon-containers";
import { Marathon } from "../../components/marathon/marathon-framework";

const spec = loadPlatformFromStackFile(process.cwd(), "cert");
const marathonKeys = spec.services.filter((s) => s.mode === "marathon").map((s) => s.key);

test("cert: Marathon on the 3 masters, one submitted app per marathon-mode service", async () => {
  const inventory = new HostInventory("hosts", {
    stack: spec.stack,
    hosts: spec.hosts,
    local: spec.local,
  });
  const marathon = new Marathon("marathon", {
    spec,
    inventory,
    zookeeperPassword: pulumi.secret("marathon-zk-password"),
    mesosSecrets: {
      admin: pulumi.secret("admin-secret"),
      marathon: pulumi.secret("marathon-secret"),
    },
  });
  const apps = new MarathonApps("apps", {
    spec,
    marathonUrl: marathon.url,
    apiCredentials: pulumi.secret("platform-admin:admin-secret"),
    dependsOn: Object.values(marathon.containers),
  });
  await settle(declared);

  assert.equal(marathonKeys.length, 16);
  assert.deepEqual(countByType(declared.filter((r) => r.name.startsWith("marathon"))), {
    "docker:index/container:Container": 3,
    "lhcb-platform:marathon:Marathon": 1,
  });
  assert.deepEqual(countByType(declared.filter((r) => r.name.startsWith("apps"))), {
    "command:local:Command": 16,
    "lhcb-platform:marathon:MarathonApps": 1,
  });
  assert.deepEqual(
    ofType(declared, "docker:index/container:Container")
      .map((r) => r.name)
      .sort(),
    ["marathon-cert-master-1", "marathon-cert-master-2", "marathon-cert-master-3"],
  );
  assert.deepEqual(
    ofType(declared, "command:local:Command")
      .map((r) => r.name)
      .sort(),
    marathonKeys.map((k) => `apps-${k}`).sort(),
  );
  assert.equal(marathon.url, "http://lbcertmaster01.cern.ch:8080");
  assert.equal(apps.appIds["configuration-server"], "/cert/configuration-server");

  const m = byName(declared, "marathon-cert-master-2");
  assert.match(m.provider ?? "", /::hosts-cert-master-2::/);
  assert.equal(m.inputs.name, "cert-marathon-cert-master-2");
  assert.equal(m.inputs.image, "gitlab-registry.cern.ch/lhcb-dirac/mesosphere/marathon:v1.11.24");
  assert.equal(m.inputs.networkMode, "host");
  assert.deepEqual(
    m.inputs.envs,
    Object.entries(marathonEnv(spec, spec.masters[1])).map(([k, v]) => `${k}=${v}`),
  );
  // Its two ZooKeeper URLs, with its user and password, in files uploaded as secrets.
  const zkHosts = spec.masters.map((h) => `${h.address}:2181`).join(",");
  assert.deepEqual(Object.fromEntries(uploadsByPath(declared, "marathon-cert-master-2")), {
    "/etc/platform/zookeeper/mesos-url": `zk://marathon:marathon-zk-password@${zkHosts}/mesos`,
    "/etc/platform/zookeeper/marathon-url": `zk://marathon:marathon-zk-password@${zkHosts}/marathon`,
    "/etc/platform/mesos/framework-secret": "marathon-secret",
    "/etc/platform/mesos/http-credentials": "platform-admin:admin-secret",
  });
  assert.ok(isSecretInput(m.inputs.uploads));

  const fc = spec.services.find((s) => s.key === "datamanagement-filecatalog")!;
  const cmd = byName(declared, "apps-datamanagement-filecatalog");
  // Marathon asks for credentials on cert: curl reads them from a file made of API_CREDENTIALS.
  const withCredentials = (curl: string) =>
    `cfg=$(mktemp) && printf 'user = "%s"\\n' "$API_CREDENTIALS" > "$cfg" || exit 1; curl -K "$cfg" ${curl}; s=$?; rm -f "$cfg"; exit $s`;
  const put = withCredentials(
    "-fsS --connect-timeout 5 --retry 60 --retry-delay 2 --retry-connrefused -X PUT -H 'Content-Type: application/json' --data-binary @- 'http://lbcertmaster01.cern.ch:8080/v2/apps/cert/datamanagement-filecatalog?force=true'",
  );
  assert.equal(cmd.inputs.create, put);
  assert.equal(cmd.inputs.update, put);
  assert.equal(
    cmd.inputs.delete,
    withCredentials(
      "-fsS --connect-timeout 5 --retry 60 --retry-delay 2 --retry-connrefused -X DELETE 'http://lbcertmaster01.cern.ch:8080/v2/apps/cert/datamanagement-filecatalog'",
    ),
  );
  assert.ok(isSecretInput(cmd.inputs.environment));
  assert.deepEqual(plainInput(cmd.inputs.environment), {
    API_CREDENTIALS: "platform-admin:admin-secret",
  });
  assert.equal(cmd.inputs.stdin, marathonAppJson(spec, fc));
  assert.deepEqual(cmd.inputs.triggers, [marathonAppJson(spec, fc)]);
  assert.equal(JSON.parse(cmd.inputs.stdin as string).id, "/cert/datamanagement-filecatalog");
  assert.equal(
    await valueOf(apps.apps["datamanagement-filecatalog"].stdin),
    marathonAppJson(spec, fc),
  );
});

test("cert: without the API's credentials, no app is declared and the message says what is missing", async () => {
  await settle(declared);
  const before = declared.length;
  assert.throws(
    () => new MarathonApps("apps-without", { spec, marathonUrl: "http://m:8080" }),
    new PlatformInputError([
      {
        file: "MarathonAppsArgs",
        path: "apiCredentials",
        expected:
          "`platform-admin:<secret>` of Marathon's API (a secret), since Marathon asks for credentials on cert",
      },
    ]),
  );
  await settle(declared);
  assert.deepEqual(declared.slice(before), []);
});
