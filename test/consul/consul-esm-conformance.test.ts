// consul-esm's configuration as the platform renders it, against what the version the stacks name
// decodes (upstream/consul-esm.json, extracted from its release source by
// scripts/upstream/extract.ts): consul-esm decodes its file with `ErrorUnused`, so a key it does
// not know stops it at start, on every master that runs it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { esmContainer, esmHosts } from "../../components/consul/consul-containers";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { assertImageIs, GO_DURATION, upstreamFacts } from "../support/upstream-facts";

interface EsmFacts {
  image: string;
  strict: boolean;
  singleBlocks: string[];
  keys: { key: string; goType: string }[];
  telemetryKeys: { key: string; goType: string }[];
  pingTypes: string[];
}
const facts = upstreamFacts<EsmFacts>("consul-esm");

/** Whether a JSON value is one consul-esm decodes into a field of Go type `goType`. */
function fits(goType: string, value: unknown): boolean {
  switch (goType.replace(/^\*/, "")) {
    case "flags.StringValue":
    case "string":
      return typeof value === "string";
    case "flags.BoolValue":
    case "bool":
      return typeof value === "boolean";
    case "intValue":
      return Number.isInteger(value);
    case "flags.DurationValue":
      return typeof value === "string" && GO_DURATION.test(value);
    case "[]string":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    case "[]map[string]string":
      // one block (singleBlocks), written as an object of strings
      return (
        typeof value === "object" &&
        value !== null &&
        !Array.isArray(value) &&
        Object.values(value).every((v) => typeof v === "string")
      );
    default:
      throw new Error(`no check for the Go type ${goType}`);
  }
}

test("the facts are consul-esm 0.9.1's, which decodes strictly", () => {
  assert.equal(facts.image, DEFAULT_IMAGES.consulEsm);
  assert.equal(facts.strict, true);
  assert.deepEqual(facts.pingTypes, ["udp", "socket"]);
  assert.deepEqual(facts.singleBlocks, ["external_node_meta", "telemetry"]);
});

for (const stack of ["local", "site", "cert", "prod"]) {
  const spec = loadPlatformFromStackFile(process.cwd(), stack);

  test(`${stack}: the consul-esm image is the version the facts come from`, () => {
    const image = spec.images.consulEsm;
    if (stack === "local" || stack === "site")
      // built here from the same release source (docs/images.md)
      assert.match(image, /\/consul-esm:0\.9\.1$/);
    else assertImageIs(image, facts.image);
  });

  test(`${stack}: every key of each consul-esm's file is one it decodes, with a value of its type`, () => {
    const hosts = esmHosts(spec);
    assert.ok(hosts.length > 0);
    for (const host of hosts) {
      const c = esmContainer(spec, host);
      assert.deepEqual(c.command, ["consul-esm", "-config-file=/etc/consul-esm/config.hcl"]);
      const file = c.files?.find((f) => f.path === "/etc/consul-esm/config.hcl");
      assert.ok(file, `${host.id}: no config file`);
      const config = JSON.parse(file.content as string) as Record<string, unknown>;
      const types = new Map(facts.keys.map((k) => [k.key, k.goType]));
      for (const [key, value] of Object.entries(config)) {
        const goType = types.get(key);
        assert.ok(goType, `${host.id}: ${key}: consul-esm has no such key and would not start`);
        assert.ok(
          fits(goType, value),
          `${host.id}: ${key}: ${JSON.stringify(value)} is no ${goType}`,
        );
      }
      assert.ok(facts.pingTypes.includes(config.ping_type as string), "ping_type");
      assert.equal(config.http_addr !== undefined && config.datacenter !== undefined, true);
    }
  });
}
