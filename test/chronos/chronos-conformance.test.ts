// Chronos as the platform starts it, against what the image the stacks name does with it
// (upstream/chronos.json, extracted from mesos/chronos and mesosphere/chaos by
// scripts/upstream/extract.ts): the start script's variables, and every option passed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chronosContainer } from "../../components/chronos/chronos-containers";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { assertImageIs, checkOptions, OptionFacts, upstreamFacts } from "../support/upstream-facts";

const facts = upstreamFacts<OptionFacts & { startScript: { text: string; reads: string[] } }>(
  "chronos",
);

for (const stack of ["cert", "prod"]) {
  const spec = loadPlatformFromStackFile(process.cwd(), stack);

  test(`${stack}: the Chronos image is the version the facts come from`, () => {
    assert.equal(facts.image, DEFAULT_IMAGES.chronos);
    assertImageIs(spec.images.chronos, facts.image);
  });

  test(`${stack}: every option Chronos gets is one it has, once, with a value of its type; the start script gets every variable it reads`, () => {
    assert.deepEqual(facts.entrypoint, ["/chronos/bin/start.sh"]);
    // The start script runs `java $JVM_OPTS -jar /chronos/chronos.jar $@ --http_port $PORT0`.
    const exec = facts.startScript.text.split("\n").find((l) => l.startsWith("exec java"))!;
    const appended = exec
      .slice(exec.indexOf("$@") + 2)
      .trim()
      .split(/\s+/);
    for (const host of spec.masters) {
      const c = chronosContainer(spec, host);
      assert.equal(c.entrypoint, undefined, "the image's entrypoint, the start script, runs");
      const env = c.env ?? {};
      const resolved = appended.map((w) => (w.startsWith("$") ? env[w.slice(1)] : w));
      const options = checkOptions(facts, [...(c.command ?? []), ...resolved]);
      assert.equal(options.get("http_port"), "4400");
      for (const v of facts.startScript.reads.filter((v) => v !== "JVM_OPTS"))
        assert.match(env[v] ?? "", /^\d+$/, `${v}: the start script reads it as a port`);
      for (const name of Object.keys(env))
        assert.ok(facts.startScript.reads.includes(name), `${name}: nothing of Chronos reads it`);
    }
  });
}
