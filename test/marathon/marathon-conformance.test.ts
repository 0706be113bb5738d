// Marathon as the platform starts it, against what the image the stacks name does with it
// (upstream/marathon.json, extracted from mesosphere/marathon by scripts/upstream/extract.ts):
// `Main.envToArgs` turns each MARATHON_* variable into an option, which must be one it has.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { marathonContainer } from "../../components/marathon/marathon-containers";
import { assertImageIs, checkOptions, OptionFacts, upstreamFacts } from "../support/upstream-facts";

const facts = upstreamFacts<OptionFacts & { environment: { prefix: string; ignored: string[] } }>(
  "marathon",
);

/** The options Marathon makes of its environment, as `envToArgs` does. */
function envToArgs(env: Record<string, string>): string[] {
  const { prefix, ignored } = facts.environment;
  return Object.entries(env).flatMap(([k, v]) => {
    if (!k.startsWith(prefix) || ignored.some((p) => k.startsWith(p))) return [];
    const name = `--${k.slice(prefix.length).toLowerCase()}`;
    return v === "" ? [name] : [name, v];
  });
}

for (const stack of ["cert", "prod"]) {
  const spec = loadPlatformFromStackFile(process.cwd(), stack);

  test(`${stack}: the Marathon image is the version the facts come from`, () => {
    assert.equal(facts.image, DEFAULT_IMAGES.marathon);
    assertImageIs(spec.images.marathon, facts.image);
  });

  test(`${stack}: every variable Marathon gets becomes an option it has, once, with a value of its type`, () => {
    assert.deepEqual(facts.entrypoint, ["/marathon/bin/marathon"]);
    for (const host of spec.masters) {
      const c = marathonContainer(spec, host);
      assert.equal(c.entrypoint, undefined, "the image's entrypoint runs");
      assert.equal(c.command, undefined);
      const env = c.env ?? {};
      for (const name of Object.keys(env))
        assert.ok(
          name.startsWith(facts.environment.prefix),
          `${name}: Marathon reads no such variable`,
        );
      const options = checkOptions(facts, envToArgs(env));
      assert.equal(options.get("http_port"), "8080");
      assert.equal(options.get("hostname"), host.address);
    }
  });
}
