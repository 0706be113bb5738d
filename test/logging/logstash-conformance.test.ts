// Logstash's settings and pipeline as the platform renders them, against the version cert and prod
// name (upstream/logstash.json, extracted by scripts/upstream/extract.ts from elastic/logstash and
// the bundled plugins' repositories): Logstash stops at start on a setting it does not register
// and on a plugin option it does not declare; a deprecated name only warns, and goes in 9.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { LOGSTASH_PATHS, logstashContainer } from "../../components/logging/logging-containers";
import { LogstashSetting, PluginFacts } from "../../scripts/upstream/logstash-facts";
import { PipelinePlugin, PipelineValue, readPipeline } from "../support/logstash-pipeline";
import { assertImageIs, upstreamFacts } from "../support/upstream-facts";

const facts = upstreamFacts<{
  image: string;
  entrypoint: string[];
  user: string;
  unknownSettingStops: boolean;
  unknownOptionStops: boolean;
  settings: LogstashSetting[];
  plugins: Record<string, PluginFacts>;
}>("logstash");

test("the facts: Logstash 8.13.4's settings, strict, with the plugins the pipelines use", () => {
  assert.equal(facts.image, DEFAULT_IMAGES.logstash);
  assert.deepEqual(facts.entrypoint, ["/usr/local/bin/docker-entrypoint"]);
  assert.equal(facts.user, "1000");
  assert.equal(facts.unknownSettingStops, true);
  assert.equal(facts.unknownOptionStops, true);
  const byName = new Map(facts.settings.map((s) => [s.name, s]));
  assert.equal(byName.size, facts.settings.length, "each setting once");
  assert.equal(byName.get("api.http.host")?.deprecatedAlias, "http.host");
  assert.equal(byName.get("api.http.port")?.kind, "PortRange");
  assert.deepEqual(byName.get("pipeline.ecs_compatibility")?.allowed, ["disabled", "v1", "v8"]);
  assert.ok(byName.has("xpack.monitoring.enabled") && byName.has("monitoring.enabled"));
  assert.ok(byName.has("path.settings") && byName.has("path.queue"));
  assert.deepEqual(Object.keys(facts.plugins).sort(), [
    "codec/line",
    "filter/drop",
    "input/beats",
    "output/file",
  ]);
  const port = facts.plugins["input/beats"].options.find((o) => o.name === "port");
  assert.deepEqual(port && { validate: port.validate, required: port.required }, {
    validate: "number",
    required: true,
  });
});

/**
 * What a value must look like for an option's validator (those a platform's pipeline uses). An
 * option that takes a list (`:list => true`) takes an array of such values, or one of them.
 */
function fits(
  validate: string,
  values: string[] | undefined,
  v: PipelineValue,
  list = false,
): boolean {
  if (list && v.kind === "array") return v.value.every((item) => fits(validate, values, item));
  const scalar = v.kind === "string" || v.kind === "bareword" ? v.value : undefined;
  switch (validate) {
    case "number":
      return v.kind === "number" || (scalar !== undefined && /^-?\d+(\.\d+)?$/.test(scalar));
    case "boolean":
      return scalar === "true" || scalar === "false";
    case "string":
    case "path":
    case "password":
      return scalar !== undefined;
    case "array":
      return v.kind === "array" || scalar !== undefined;
    case "hash":
      return v.kind === "hash";
    case "codec":
      return v.kind === "plugin" || scalar !== undefined;
    case "values":
      return scalar !== undefined && values!.includes(scalar);
    default:
      return true;
  }
}

/** Asserts that `plugin`, in `kind`'s place, is one Logstash has, with options as it declares them. */
function checkPlugin(kind: string, plugin: PipelinePlugin, where: string): void {
  const p = facts.plugins[`${kind}/${plugin.name}`];
  assert.ok(p, `${where}: ${kind} "${plugin.name}": not a plugin of the facts`);
  const given = new Set<string>();
  for (const [name, value] of plugin.attributes) {
    const o = p.options.find((x) => x.name === name);
    const at = `${where}: ${kind} ${plugin.name} { ${name} }`;
    assert.ok(o, `${at}: ${p.gem} ${p.version} has no such option`);
    assert.ok(!o.obsolete, `${at}: obsolete, Logstash stops`);
    assert.ok(!o.deprecated, `${at}: deprecated`);
    assert.ok(!given.has(name), `${at}: given twice`);
    given.add(name);
    assert.ok(fits(o.validate, o.values, value, o.list), `${at}: not a ${o.validate}`);
    if (o.validate === "codec" && value.kind === "plugin") checkPlugin("codec", value.value, where);
  }
  for (const o of p.options.filter((x) => x.required))
    assert.ok(given.has(o.name), `${where}: ${kind} ${plugin.name}: ${o.name} is required`);
}

/** Whether a YAML value fits a Logstash setting's kind. */
function settingFits(s: LogstashSetting, value: unknown): boolean {
  if (s.allowed) return typeof value === "string" && s.allowed.includes(value);
  if (s.kind === "Boolean") return typeof value === "boolean";
  if (s.kind === "PositiveInteger") return Number.isInteger(value) && (value as number) > 0;
  if (s.kind === "Numeric") return typeof value === "number";
  if (s.kind === "PortRange")
    return Number.isInteger(value) || (typeof value === "string" && /^\d+-\d+$/.test(value));
  return typeof value === "string";
}

for (const stack of ["cert", "prod"]) {
  const spec = loadPlatformFromStackFile(process.cwd(), stack);
  const logstash = logstashContainer(spec);
  const file = (path: string) => logstash.files!.find((f) => f.path === path)!.content;

  test(`${stack}: the Logstash image is the version the facts come from, run by its own entrypoint`, () => {
    assertImageIs(spec.images.logstash, facts.image);
    assert.equal(logstash.entrypoint, undefined);
    assert.equal(logstash.command, undefined);
  });

  test(`${stack}: every key of logstash.yml is a setting Logstash registers, by its current name, with a value of its kind`, () => {
    const yml = parse(file(LOGSTASH_PATHS.settings)) as Record<string, unknown>;
    const byName = new Map(facts.settings.map((s) => [s.name, s]));
    const aliases = new Map(
      facts.settings.filter((s) => s.deprecatedAlias).map((s) => [s.deprecatedAlias!, s.name]),
    );
    for (const [key, value] of Object.entries(yml)) {
      assert.ok(!aliases.has(key), `${key}: deprecated, Logstash 8.13 says ${aliases.get(key)}`);
      const s = byName.get(key);
      assert.ok(s, `${key}: Logstash 8.13.4 registers no such setting (it stops at start)`);
      assert.ok(settingFits(s, value), `${key}: ${JSON.stringify(value)} is not a ${s.kind}`);
    }
    assert.equal(yml["path.config"], LOGSTASH_PATHS.pipelineDir);
  });

  test(`${stack}: every plugin of the pipeline is one Logstash bundles, each option one it declares, with a value it takes`, () => {
    const pipeline = readPipeline(file(LOGSTASH_PATHS.pipeline));
    assert.deepEqual(
      pipeline.plugins.map((p) => `${p.section}/${p.plugin.name}`),
      ["input/beats", "filter/drop", "output/file"],
    );
    for (const { section, plugin } of pipeline.plugins)
      checkPlugin(section, plugin, LOGSTASH_PATHS.pipeline);
    assert.deepEqual(pipeline.conditions, ["![fields][service]"]);
  });

  test(`${stack}: the Beats input speaks TLS only and requires a client certificate, from files the container has`, () => {
    const beats = readPipeline(file(LOGSTASH_PATHS.pipeline)).plugins[0].plugin;
    const option = (name: string) => beats.attributes.find(([n]) => n === name)?.[1];
    const scalar = (name: string) => {
      const v = option(name);
      return v?.kind === "string" || v?.kind === "bareword" ? v.value : undefined;
    };
    assert.equal(scalar("ssl_enabled"), "true");
    assert.equal(scalar("ssl_client_authentication"), "required");
    const cas = option("ssl_certificate_authorities");
    assert.equal(cas?.kind, "array");
    const paths = [
      scalar("ssl_certificate"),
      scalar("ssl_key"),
      ...(cas?.kind === "array" ? cas.value.map((v) => (v.kind === "string" ? v.value : "")) : []),
    ];
    const files = new Set(logstash.files!.map((f) => f.path));
    assert.equal(paths.length, 3);
    for (const path of paths) assert.ok(path !== undefined && files.has(path), String(path));
  });
}
