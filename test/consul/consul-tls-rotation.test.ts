// Consul's CA through its two slots under mocks: which CAs are made, what every client and agent
// is given to trust (the trusted CAs' certificates one after another), and which CA signs the
// certificates; the prod platform gives its agents and its clients that bundle. The mocks print
// `mockKeyAndCertificate(<name>)` for a command that runs openssl (test/support/mocks.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  installMocks,
  mockKeyAndCertificate,
  ofType,
  plainInput,
  settle,
  uploadsByPath,
  valueOf,
  byName,
} from "../support/mocks";

const declared = installMocks("prod");
import { ConsulTls } from "../../components/consul/consul-tls";
import { CONSUL_TLS_PATHS } from "../../components/consul/consul-tls-plan";
import { splitKeyAndCertificate } from "../../components/core/openssl-certificates";
import { CaSlot } from "../../components/core/config-schema";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { Platform } from "../../components/platform";

const host = {
  id: "h1",
  address: "10.0.0.1",
  roles: ["slave" as const],
  cpus: 4,
  memoryMb: 8192,
  labels: {},
};
const mockCa = (name: string) => splitKeyAndCertificate(name, mockKeyAndCertificate(name));

/** A ConsulTls named `name` with `cas`, a certificate for `host`, and the CA commands it made. */
async function tlsWith(name: string, cas: { issuer: CaSlot; trusted: CaSlot[] }) {
  const tls = new ConsulTls(name, { stack: "prod", datacenter: "dc1", cas }, {});
  const leaf = tls.certificateFor(host, false);
  await valueOf(leaf.cert);
  await settle(declared);
  const cas_ = ofType(declared, "command:local:Command")
    .map((r) => r.name)
    .filter((n) => n.startsWith(`${name}-ca`))
    .sort();
  return {
    tls,
    cas: cas_,
    certEnv: plainInput(byName(declared, `${name}-cert-h1`).inputs.environment) as Record<
      string,
      string
    >,
  };
}

test("one CA (the default, slot a): its certificate alone is trusted and signs", async () => {
  const { tls, cas, certEnv } = await tlsWith("one", { issuer: "a", trusted: ["a"] });
  assert.deepEqual(cas, ["one-ca"]);
  assert.equal(await valueOf(tls.caCert), mockCa("one-ca").cert);
  assert.equal(certEnv.CA_CERT, mockCa("one-ca").cert);
  assert.equal(certEnv.CA_KEY, mockCa("one-ca").key);
  assert.deepEqual(plainInput(byName(declared, "one-ca").inputs.environment), {
    CA_NAME: "prod Consul CA",
    VALID_DAYS: "3650",
  });
});

test("a rotation's first step: a second CA (slot b) trusted after the first, which still signs", async () => {
  const { tls, cas, certEnv } = await tlsWith("first", { issuer: "a", trusted: ["a", "b"] });
  assert.deepEqual(cas, ["first-ca", "first-ca-b"]);
  assert.equal(await valueOf(tls.caCert), mockCa("first-ca").cert + mockCa("first-ca-b").cert);
  assert.equal(certEnv.CA_CERT, mockCa("first-ca").cert);
  assert.deepEqual(plainInput(byName(declared, "first-ca-b").inputs.environment), {
    CA_NAME: "prod Consul CA b",
    VALID_DAYS: "3650",
  });
});

test("the second step: both trusted, the new CA signs", async () => {
  const { tls, cas, certEnv } = await tlsWith("second", { issuer: "b", trusted: ["a", "b"] });
  assert.deepEqual(cas, ["second-ca", "second-ca-b"]);
  assert.equal(await valueOf(tls.caCert), mockCa("second-ca").cert + mockCa("second-ca-b").cert);
  assert.equal(certEnv.CA_CERT, mockCa("second-ca-b").cert);
  assert.equal(certEnv.CA_KEY, mockCa("second-ca-b").key);
});

test("the last step: the new CA alone; the old one is no longer declared, so the next up deletes it", async () => {
  const { tls, cas, certEnv } = await tlsWith("last", { issuer: "b", trusted: ["b"] });
  assert.deepEqual(cas, ["last-ca-b"]);
  assert.equal(await valueOf(tls.caCert), mockCa("last-ca-b").cert);
  assert.equal(certEnv.CA_CERT, mockCa("last-ca-b").cert);
});

test("the prod platform in a rotation: every agent's CA file and the balancers' hold both CAs", async () => {
  const base = loadPlatformFromStackFile(process.cwd(), "prod");
  const spec = {
    ...base,
    consul: { ...base.consul, tlsCa: { issuer: "b" as const, trusted: ["a", "b"] as CaSlot[] } },
  };
  const platform = new Platform("rot", {
    spec,
    secrets: {
      consulGossipKey: pulumi.secret("bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc="),
      grafanaAdminPassword: pulumi.secret("correct-horse-battery"),
    },
  });
  await platform.declared;
  await settle(declared);
  const bundle = mockCa("rot-consul-tls-ca").cert + mockCa("rot-consul-tls-ca-b").cert;
  assert.equal(await valueOf(platform.consul.caCertificate!), bundle);
  const slave = spec.slaves[0].id;
  const agentFiles = uploadsByPath(declared, `rot-consul-agent-${slave}`);
  assert.equal(agentFiles.get(CONSUL_TLS_PATHS.ca), bundle);
  // Its own certificate is the new CA's.
  const certEnv = plainInput(
    byName(declared, `rot-consul-tls-cert-${slave}`).inputs.environment,
  ) as Record<string, string>;
  assert.equal(certEnv.CA_CERT, mockCa("rot-consul-tls-ca-b").cert);
});
