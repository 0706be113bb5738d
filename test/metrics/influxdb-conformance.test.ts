// InfluxDB's configuration as the platform renders it, against the version cert and prod name
// (upstream/influxdb.json, extracted by scripts/upstream/extract.ts from the InfluxDB module):
// InfluxDB decodes its file with toml.Decode alone, so a key no field takes is dropped without a
// word, and a value of the wrong type stops it at start.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { INFLUXDB_PATHS, influxdbContainer } from "../../components/metrics/influxdb-config";
import { INFLUXDB_FIRST_USER_PATHS } from "../../components/metrics/influxdb-first-user";
import { GoFlag } from "../../scripts/upstream/go-flags";
import { TomlKey } from "../../scripts/upstream/go-toml-keys";
import { assertImageIs, GO_DURATION, upstreamFacts } from "../support/upstream-facts";

const facts = upstreamFacts<{
  image: string;
  strict: boolean;
  keys: TomlKey[];
  runFlags: GoFlag[];
}>("influxdb");

/** One line of a TOML file the platform writes: a table header or `key = value`. */
type TomlLine = { table: string; many: boolean } | { key: string; value: string };

/** The lines of the platform's TOML (tables, arrays of tables, one-line values; no inline tables). */
function tomlLines(text: string): TomlLine[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const header = /^(\[\[?)([\w.-]+)\]\]?$/.exec(l);
      if (header) return { table: header[2], many: header[1] === "[[" };
      const pair = /^([\w-]+)\s*=\s*(.+)$/.exec(l);
      assert.ok(pair, `not a TOML line the platform writes: ${l}`);
      return { key: pair[1], value: pair[2] };
    });
}

/** Whether a TOML value fits the Go type BurntSushi/toml decodes it into. */
function fits(goType: string, value: string): boolean {
  const quoted = /^"([^"\\]*)"$/.exec(value);
  if (goType === "bool") return /^(true|false)$/.test(value);
  if (goType === "string") return quoted !== null;
  if (/^u?int(8|16|32|64)?$/.test(goType)) return /^-?\d+$/.test(value);
  if (goType.endsWith("toml.Duration")) return quoted !== null && GO_DURATION.test(quoted[1]);
  if (goType.endsWith("toml.Size")) return /^\d+$/.test(value) || /^"\d+[kmg]?"$/i.test(value);
  if (goType === "[]string") return /^\[\s*("[^"]*"\s*,?\s*)*\]$/.test(value);
  return false;
}

test("the facts: InfluxDB 1.8.10's keys, tables and arrays of tables, and influxd run's flags", () => {
  assert.equal(facts.image, DEFAULT_IMAGES.influxdb);
  assert.equal(facts.strict, false, "toml.Decode alone: unknown keys dropped");
  const kinds = new Map(facts.keys.map((k) => [k.key, k.kind]));
  assert.equal(kinds.size, facts.keys.length, "each key once");
  assert.equal(kinds.get("http"), "table");
  assert.equal(kinds.get("http.bind-address"), "value");
  assert.equal(kinds.get("graphite"), "tables");
  assert.equal(kinds.get("data.wal-dir"), "value");
  assert.equal(kinds.get("reporting-disabled"), "value");
  assert.deepEqual(
    facts.runFlags.map((f) => f.name),
    ["config", "pidfile", "hostname", "cpuprofile", "memprofile"],
  );
});

for (const stack of ["cert", "prod"]) {
  const spec = loadPlatformFromStackFile(process.cwd(), stack);
  const influxdb = influxdbContainer(spec);

  test(`${stack}: the InfluxDB image is the version the facts come from`, () => {
    assertImageIs(spec.images.influxdb, facts.image);
  });

  test(`${stack}: its start runs influxd with flags it has, on the rendered file, each setting it overrides one InfluxDB has`, () => {
    // The container's start (it makes the first user on the loopback, then runs influxd) is given
    // the rendered file; every influxd it runs reads that file.
    assert.deepEqual(influxdb.command, [
      "sh",
      INFLUXDB_FIRST_USER_PATHS.script,
      INFLUXDB_PATHS.config,
    ]);
    assert.ok(influxdb.files?.some((f) => f.path === INFLUXDB_PATHS.config));
    const script = influxdb.files!.find((f) => f.path === INFLUXDB_FIRST_USER_PATHS.script)!;
    const runs = [...script.content.matchAll(/^(.*?)\binfluxd (.+?)(?: &)?$/gm)];
    assert.equal(runs.length, 2, "influxd on the loopback, then as configured");
    const flags = new Set(facts.runFlags.map((f) => f.name));
    for (const [, before, args] of runs) {
      const words = args.split(" ");
      for (let i = 0; i < words.length; i += 2)
        assert.ok(flags.has(words[i].replace(/^--?/, "")), `${words[i]}: influxd has no such flag`);
      assert.deepEqual(words, ["-config", '"$config"']);
      // InfluxDB 1.x takes INFLUXDB_<TABLE>_<KEY> for a key of its file ('-' as '_').
      const envNames = new Map(
        facts.keys
          .filter((k) => k.kind === "value")
          .map((k) => [`INFLUXDB_${k.key.toUpperCase().replace(/[.-]/g, "_")}`, k.key]),
      );
      for (const [, name] of before.matchAll(/(\w+)=\S+/g))
        assert.ok(envNames.has(name), `${name}: InfluxDB has no such setting`);
    }
    assert.match(
      runs[0][1],
      /^\s*INFLUXDB_HTTP_BIND_ADDRESS=127\.0\.0\.1:8086 INFLUXDB_HTTP_HTTPS_ENABLED=false $/,
    );
    assert.equal(runs[1][1], "exec ");
  });

  test(`${stack}: every table and key of influxdb.conf is one InfluxDB decodes, with a value of its type`, () => {
    const file = influxdb.files!.find((f) => f.path === INFLUXDB_PATHS.config)!;
    const byKey = new Map(facts.keys.map((k) => [k.key, k]));
    let table = "";
    const seen = new Set<string>();
    for (const line of tomlLines(file.content)) {
      if ("table" in line) {
        const fact = byKey.get(line.table);
        assert.ok(fact && fact.kind !== "value", `[${line.table}]: InfluxDB has no such table`);
        assert.equal(
          fact.kind === "tables",
          line.many,
          `[${line.table}]: table or array of tables`,
        );
        table = `${line.table}.`;
        continue;
      }
      const key = `${table}${line.key}`;
      const fact = byKey.get(key);
      assert.ok(fact && fact.kind === "value", `${key}: InfluxDB 1.8.10 has no such key`);
      assert.ok(!seen.has(key), `${key} twice: toml.Decode stops`);
      seen.add(key);
      assert.ok(fits(fact.goType, line.value), `${key} = ${line.value}: not a ${fact.goType}`);
    }
    for (const k of ["meta.dir", "data.dir", "data.wal-dir", "http.bind-address"])
      assert.ok(seen.has(k), `${k}: set`);
  });
}
