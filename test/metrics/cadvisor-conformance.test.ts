// cAdvisor as the platform starts it, against the version cert and prod name
// (upstream/cadvisor.json, extracted by scripts/upstream/extract.ts from google/cadvisor and the
// klog it links): Go's flag package stops the program at the first flag it does not know, and
// `-disable_metrics` at the first metric name it does not know.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { cadvisorContainer } from "../../components/metrics/cadvisor";
import { GoFlag } from "../../scripts/upstream/go-flags";
import { assertImageIs, GO_DURATION, upstreamFacts } from "../support/upstream-facts";

const facts = upstreamFacts<{
  image: string;
  entrypoint: string[];
  flags: GoFlag[];
  metrics: string[];
}>("cadvisor");

/** Whether `value` parses as a flag of `kind` (Go's flag package; `Var` flags are checked apart). */
function parses(kind: string, value: string): boolean {
  switch (kind) {
    case "Bool":
      return /^(1|0|t|f|T|F|true|false|TRUE|FALSE|True|False)$/.test(value);
    case "Int":
    case "Int64":
      return /^-?\d+$/.test(value);
    case "Uint":
    case "Uint64":
      return /^\d+$/.test(value);
    case "Float64":
      return /^-?\d+(\.\d+)?$/.test(value);
    case "Duration":
      return GO_DURATION.test(value);
    case "String":
      return true;
    default:
      return false;
  }
}

test("the facts: cAdvisor v0.47.2 with klog's flags, and the metric names it accepts", () => {
  assert.equal(facts.image, DEFAULT_IMAGES.cadvisor);
  assert.deepEqual(facts.entrypoint, ["/usr/bin/cadvisor", "-logtostderr"]);
  const names = facts.flags.map((f) => f.name);
  assert.equal(new Set(names).size, names.length, "a flag defined twice would stop the binary");
  for (const n of ["storage_driver", "docker_only", "disable_metrics", "logtostderr", "v"])
    assert.ok(names.includes(n), n);
});

for (const stack of ["cert", "prod"]) {
  const spec = loadPlatformFromStackFile(process.cwd(), stack);

  test(`${stack}: the cAdvisor image is the version the facts come from`, () => {
    assertImageIs(spec.images.cadvisor, facts.image);
  });

  test(`${stack}: every flag cAdvisor gets is one it has, once, with a value it parses`, () => {
    const flags = new Map(facts.flags.map((f) => [f.name, f]));
    for (const host of spec.slaves) {
      const c = cadvisorContainer(spec, host);
      assert.equal(c.entrypoint, undefined, "the image's entrypoint runs, with -logtostderr");
      const given = new Set<string>();
      for (const arg of c.command ?? []) {
        const m = /^--?([\w-]+)(?:=(.*))?$/.exec(arg);
        assert.ok(m, `${arg}: not a flag`);
        const [, name, value] = m;
        const flag = flags.get(name);
        assert.ok(flag, `-${name}: cAdvisor v0.47.2 has no such flag and would not start`);
        assert.ok(!given.has(name), `-${name} given twice`);
        given.add(name);
        assert.ok(value !== undefined || flag.kind === "Bool", `-${name}: needs a value`);
        if (name === "disable_metrics" || name === "enable_metrics")
          for (const metric of value!.split(","))
            assert.ok(facts.metrics.includes(metric), `-${name}: no metric "${metric}"`);
        else if (value !== undefined)
          assert.ok(parses(flag.kind, value), `-${name}=${value}: not a ${flag.kind}`);
      }
      assert.ok(given.has("storage_driver"));
    }
  });
}
