// The whitelist renderers under mocks: exact resources for the cert stack file.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  byName,
  countByType,
  installMocks,
  isSecretInput,
  ofType,
  plainInput,
  settle,
} from "../support/mocks";

const declared = installMocks("cert");
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { HostInventory } from "../../components/hosts/host-inventory";
import { HostWhitelist } from "../../components/whitelist/host-whitelist";
import { whitelistRendererConfig } from "../../components/whitelist/whitelist-containers";
import {
  renderWhitelistTemplate,
  whitelistSlaves,
} from "../../components/whitelist/whitelist-template";

const spec = loadPlatformFromStackFile(process.cwd(), "cert");

test("cert: a renderer beside each of the 3 Mesos masters, writing into the shared directory", async () => {
  const inventory = new HostInventory("hosts", {
    stack: spec.stack,
    hosts: spec.hosts,
    local: spec.local,
  });
  // Consul's ACLs are on for cert: the renderers read with the catalog-read token they are given.
  const consulToken = pulumi.secret("11111111-2222-3333-4444-555555555555");
  // And its TLS: they check Consul's certificate against the CA they are given.
  const consulCaCert = "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n";
  const whitelist = new HostWhitelist("whitelist", {
    spec,
    inventory,
    consulToken,
    consulCaCert,
  });
  await settle(declared);

  assert.deepEqual(countByType(declared.filter((r) => r.name.startsWith("whitelist"))), {
    "docker:index/container:Container": 3,
    "lhcb-platform:whitelist:HostWhitelist": 1,
  });
  assert.deepEqual(
    ofType(declared, "docker:index/container:Container")
      .map((r) => r.name)
      .sort(),
    ["whitelist-cert-master-1", "whitelist-cert-master-2", "whitelist-cert-master-3"],
  );
  assert.deepEqual(Object.keys(whitelist.renderers), [
    "cert-master-1",
    "cert-master-2",
    "cert-master-3",
  ]);

  const r = byName(declared, "whitelist-cert-master-2");
  assert.match(r.provider ?? "", /::hosts-cert-master-2::/);
  assert.equal(r.inputs.name, "cert-mesos-whitelist-cert-master-2");
  assert.equal(
    r.inputs.image,
    "gitlab-registry.cern.ch/lhcb-dirac/hashicorp/consul-template:0.42.1",
  );
  assert.equal(r.inputs.user, "0:0");
  assert.equal(r.inputs.networkMode, "host");
  // docker stop sends what consul-template stops on, whatever the image's STOPSIGNAL
  assert.equal(r.inputs.stopSignal, "SIGTERM");
  assert.deepEqual(r.inputs.entrypoints, ["consul-template"]);
  assert.deepEqual(r.inputs.command, ["-config", "/etc/consul-template/whitelist.hcl"]);
  assert.deepEqual(r.inputs.volumes, [
    {
      hostPath: "/var/lib/lhcb-platform/cert-mesos-whitelist-cert-master-2",
      containerPath: "/etc/mesos",
      readOnly: false,
    },
  ]);
  // The config holds the token: it is uploaded as a secret, after the plain template.
  assert.ok(isSecretInput(r.inputs.uploads));
  assert.deepEqual(plainInput(r.inputs.uploads), [
    {
      file: "/etc/consul-template/whitelist.ctmpl",
      content: renderWhitelistTemplate(whitelistSlaves(spec)),
      executable: false,
    },
    {
      file: "/etc/consul-template/whitelist.hcl",
      content: whitelistRendererConfig(spec, spec.masters[1]).replace(
        "@@secret:consulToken@@",
        "11111111-2222-3333-4444-555555555555",
      ),
    },
    { file: "/etc/platform/consul-ca.pem", content: consulCaCert },
  ]);
  assert.match(
    whitelistRendererConfig(spec, spec.masters[1]),
    /address = "lbcertmaster02.cern.ch:8501"/,
  );
});
