// The component package for other Pulumi languages (provider/): the schema Pulumi reads from its
// plugin, as `pulumi package get-schema` prints it, and Pulumi's own check of that schema.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { engineEnv, operatorCli } from "../../scripts/engine-stack";
import { ROOT } from "../support/consumer";
import { tempDir } from "../../scripts/temp-dir";

const PLUGIN = join(ROOT, "provider", "pulumi-resource-lhcb-platform");

interface Property {
  type?: string;
  $ref?: string;
  plain?: boolean;
  items?: Property;
  additionalProperties?: Property;
  description?: string;
}
interface Schema {
  name: string;
  version: string;
  resources: Record<
    string,
    {
      isComponent: boolean;
      inputProperties: Record<string, Property>;
      requiredInputs?: string[];
      properties: Record<string, Property>;
      required?: string[];
    }
  >;
  types: Record<string, { properties: Record<string, Property>; required?: string[] }>;
}

let printed: { text: string; value: Schema } | undefined;

/** The schema the plugin serves (read once: starting the plugin takes about two seconds). */
function schema(): { text: string; value: Schema } {
  if (printed) return printed;
  const text = execFileSync(operatorCli(), ["package", "get-schema", PLUGIN], {
    env: { ...process.env, ...engineEnv() },
    encoding: "utf8",
  });
  printed = { text, value: JSON.parse(text) as Schema };
  return printed;
}

/** A property's type as one word: `string`, `array<string>`, `map<string>`, or the type's name. */
function typeOf(p: Property): string {
  if (p.$ref) return p.$ref.replace(/^#\/types\/lhcb-platform:index:/, "");
  if (p.type === "array") return `array<${typeOf(p.items!)}>`;
  if (p.type === "object" && p.additionalProperties)
    return `map<${typeOf(p.additionalProperties)}>`;
  return p.type!;
}

const typesOf = (props: Record<string, Property>) =>
  Object.fromEntries(Object.entries(props).map(([k, p]) => [k, typeOf(p)]));

test("provider/ is the package lhcb-platform at the library's version, and its plugin serves two components", () => {
  const { value } = schema();
  const library = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    version: string;
  };
  const plugin = JSON.parse(readFileSync(join(ROOT, "provider", "package.json"), "utf8")) as {
    name: string;
    version: string;
  };
  assert.equal(plugin.name, "lhcb-platform");
  assert.equal(plugin.version, library.version);
  assert.equal(value.name, "lhcb-platform");
  assert.equal(value.version, library.version);
  assert.deepEqual(Object.keys(value.resources).sort(), [
    "lhcb-platform:index:MasterQuorum",
    "lhcb-platform:index:Platform",
  ]);
  for (const r of Object.values(value.resources)) assert.equal(r.isComponent, true);
});

/**
 * The component's inputs and outputs, their types, which are required, and which are plain values:
 * every input but the secrets (which may be Outputs: a secret config value, another resource's).
 */
function assertComponent(
  name: string,
  expected: {
    inputs: Record<string, string>;
    required: string[];
    secrets: string[];
    outputs: Record<string, string>;
  },
): void {
  const r = schema().value.resources[`lhcb-platform:index:${name}`];
  assert.deepEqual(typesOf(r.inputProperties), expected.inputs);
  assert.deepEqual([...r.requiredInputs!].sort(), expected.required);
  for (const [k, p] of Object.entries(r.inputProperties))
    assert.equal(p.plain === true, !expected.secrets.includes(k), k);
  assert.deepEqual(typesOf(r.properties), expected.outputs);
  assert.deepEqual([...r.required!].sort(), Object.keys(expected.outputs).sort());
}

test("MasterQuorum takes plain typed hosts and images and Input secrets, and gives Outputs", () => {
  assertComponent("MasterQuorum", {
    inputs: {
      stack: "string",
      environment: "string",
      hosts: "array<QuorumHost>",
      images: "QuorumImages",
      datacenter: "string",
      consulTlsCa: "QuorumTlsCa",
      gossipKey: "string",
      consulManagementToken: "string",
      sshPrivateKey: "string",
      registryUser: "string",
      registryPassword: "string",
      localDockerHost: "string",
    },
    required: ["environment", "hosts", "images", "stack"],
    secrets: ["consulManagementToken", "gossipKey", "sshPrivateKey", "registryPassword"],
    outputs: {
      consulApi: "string",
      consulCaCertificate: "string",
      consulManagementToken: "string",
      zookeeperConnect: "string",
    },
  });
});

test("the quorum's host type carries every field a platform host has but roles and sizes, and every type's fields are documented", () => {
  const { types } = schema().value;
  const host = types["lhcb-platform:index:QuorumHost"];
  assert.deepEqual(typesOf(host.properties), {
    id: "string",
    address: "string",
    docker: "DockerEndpoint",
    prepare: "HostPreparation",
  });
  assert.deepEqual([...host.required!].sort(), ["address", "id"]);
  assert.deepEqual(typesOf(types["lhcb-platform:index:DockerEndpoint"].properties), {
    host: "string",
    certPath: "string",
    sshOpts: "array<string>",
  });
  assert.deepEqual(typesOf(types["lhcb-platform:index:QuorumTlsCa"].properties), {
    issuer: "string",
    trusted: "array<string>",
  });
  assert.deepEqual(typesOf(types["lhcb-platform:index:HostPreparation"].properties), {
    user: "string",
    port: "number",
    commands: "array<string>",
    hostKey: "string",
  });
  for (const [name, t] of Object.entries(types))
    for (const [k, p] of Object.entries(t.properties))
      assert.ok(p.description, `${name}.${k} has a description`);
});

test("Platform takes its settings and catalog as values and the three secrets, and gives its endpoints", () => {
  assertComponent("Platform", {
    inputs: {
      stack: "string",
      config: "map<pulumi.json#/Any>",
      catalog: "map<pulumi.json#/Any>",
      consulGossipKey: "string",
      consulManagementToken: "string",
      grafanaAdminPassword: "string",
      sshPrivateKey: "string",
      registryPassword: "string",
      grafanaCertificateKey: "string",
      localDockerHost: "string",
    },
    required: ["catalog", "config", "stack"],
    secrets: [
      "consulGossipKey",
      "consulManagementToken",
      "grafanaAdminPassword",
      "sshPrivateKey",
      "registryPassword",
      "grafanaCertificateKey",
    ],
    outputs: {
      consulCaCertificate: "string",
      consulManagementToken: "string",
      endpoints: "PlatformEndpoints",
    },
  });
});

test("pulumi schema check accepts the schema", () => {
  const file = join(tempDir("lhcb-schema-"), "schema.json");
  writeFileSync(file, schema().text);
  const out = execFileSync(operatorCli(), ["schema", "check", file], {
    env: { ...process.env, ...engineEnv() },
    encoding: "utf8",
  });
  assert.equal(out.trim(), "");
});
