// Chronos as the platform starts it, against what the image the stacks name does with it
// (upstream/chronos.json, extracted from mesos/chronos and mesosphere/chaos by
// scripts/upstream/extract.ts): the start script's variables, and every option passed.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { chronosContainer } from "../../components/chronos/chronos-containers";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { ScallopOption } from "../../scripts/upstream/scallop-options";

interface ChronosFacts {
  image: string;
  entrypoint: string[];
  startScript: { text: string; reads: string[] };
  options: ScallopOption[];
}

const facts = JSON.parse(readFileSync("upstream/chronos.json", "utf8")) as ChronosFacts;

/** `--name value` pairs of a command line, Boolean options and toggles taking no value. */
function parse(args: string[]): { name: string; value?: string }[] {
  const out: { name: string; value?: string }[] = [];
  for (let i = 0; i < args.length; i++) {
    assert.match(args[i], /^--[a-z_]+$/, `an option name at ${i}: ${args[i]}`);
    const name = args[i].slice(2);
    const option = facts.options.find(
      (o) => o.name === name || (o.prefix !== undefined && `${o.prefix}${o.name}` === name),
    );
    assert.ok(option, `--${name}: not an option of Chronos ${facts.image}`);
    if (option.type === "Boolean" || option.type === "toggle") out.push({ name: option.name });
    else {
      const value = args[++i];
      assert.ok(value !== undefined && !value.startsWith("--"), `--${name} needs a value`);
      if (["Int", "Long"].includes(option.type))
        assert.match(value, /^-?\d+$/, `--${name}: ${option.type}`);
      if (option.type === "Double") assert.ok(Number.isFinite(Number(value)), `--${name}: Double`);
      out.push({ name: option.name, value });
    }
  }
  return out;
}

for (const stack of ["cert", "prod"]) {
  const spec = loadPlatformFromStackFile(process.cwd(), stack);

  test(`${stack}: the Chronos image is the version the facts come from`, () => {
    assert.equal(facts.image, DEFAULT_IMAGES.chronos);
    assert.ok(
      spec.images.chronos.endsWith(`/${facts.image}`) || spec.images.chronos === facts.image,
    );
  });

  test(`${stack}: every option Chronos gets is one it has, once, with a value of its type; the start script gets every variable it reads`, () => {
    for (const host of spec.masters) {
      const c = chronosContainer(spec, host);
      assert.equal(c.entrypoint, undefined, "the image's entrypoint, the start script, runs");
      assert.deepEqual(facts.entrypoint, ["/chronos/bin/start.sh"]);
      // The start script runs `java $JVM_OPTS -jar /chronos/chronos.jar $@ --http_port $PORT0`.
      const exec = facts.startScript.text.split("\n").find((l) => l.startsWith("exec java"))!;
      const appended = exec
        .slice(exec.indexOf("$@") + 2)
        .trim()
        .split(/\s+/);
      const env = c.env ?? {};
      const resolved = appended.map((w) => (w.startsWith("$") ? env[w.slice(1)] : w));
      const options = parse([...(c.command ?? []), ...resolved]);
      const names = options.map((o) => o.name);
      assert.deepEqual(names, [...new Set(names)], "each option once");
      for (const required of facts.options.filter((o) => o.required))
        assert.ok(names.includes(required.name), `--${required.name} is required`);
      for (const v of facts.startScript.reads.filter((v) => v !== "JVM_OPTS"))
        assert.match(env[v] ?? "", /^\d+$/, `${v}: the start script reads it as a port`);
      for (const name of Object.keys(env))
        assert.ok(facts.startScript.reads.includes(name), `${name}: nothing of Chronos reads it`);
      assert.equal(options.find((o) => o.name === "http_port")?.value, "4400");
    }
  });
}
