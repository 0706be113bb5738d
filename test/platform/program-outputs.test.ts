// What the program gives an operator as stack outputs on prod, under mocks: the CAs its clients
// check Consul's and InfluxDB's certificates against (certificates, not secrets).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { readStackFile } from "../../components/core/stack-config";
import { installMocks, settle } from "../support/mocks";

const declared = installMocks("prod");
import { platformProgram } from "../../program";

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;

/** An output's value as the engine would record it. */
function valueOf(o: unknown): Promise<unknown> {
  return new Promise((resolve) => (pulumi.output(o) as pulumi.Output<unknown>).apply(resolve));
}

test("prod: the outputs name the Consul CA and the metrics CA, each the certificate of the CA made at up", async () => {
  const { entries } = readStackFile(process.cwd(), "prod");
  const config = Object.fromEntries(
    Object.entries(entries).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  const secrets = {
    "lhcb-platform:consulGossipKey": Buffer.alloc(32, 7).toString("base64"),
    "lhcb-platform:grafanaAdminPassword": "correct-horse-battery",
  };
  pulumi.runtime.setAllConfig({ ...config, ...secrets }, Object.keys(secrets));
  const outputs = (await platformProgram(process.cwd())()) as Record<string, unknown>;
  await settle(declared);
  assert.equal(await valueOf(outputs.consulCaCertificate), pem("platform-consul-tls-ca-cert"));
  assert.equal(await valueOf(outputs.metricsCaCertificate), pem("platform-metrics-tls-ca-cert"));
  const endpoints = (await valueOf(outputs.endpoints)) as { influxdb: string };
  assert.equal(endpoints.influxdb, "https://lbops01.cern.ch:8086");
});
