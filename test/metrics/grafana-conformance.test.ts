// The dashboards as the platform renders them, against the dashboard model of the Grafana version
// cert and prod name (upstream/grafana.json, extracted by scripts/upstream/extract.ts from the
// @grafana/schema package of that version): every key one the model has, every required key
// there, every value of its type; each panel's options those of its panel type.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_IMAGES } from "../../components/core/images";
import { loadPlatformFromStackFile } from "../../components/core/stack-config";
import { stackDashboards } from "../../components/metrics/grafana-dashboards";
import { DeclaredField, DeclaredType, DeclaredTypes } from "../../scripts/upstream/ts-declarations";
import { assertImageIs, upstreamFacts } from "../support/upstream-facts";

const facts = upstreamFacts<DeclaredTypes & { image: string; panels: string[] }>("grafana");

/** The fields of interface `name` with those of the interfaces it extends. */
function fieldsOf(name: string): Record<string, DeclaredField> {
  const i = facts.interfaces[name];
  if (!i) throw new Error(`${name}: not in the facts`);
  return Object.assign({}, ...i.extends.map(fieldsOf), i.fields) as Record<string, DeclaredField>;
}

/** The problems of `value` as a `type`, each naming its path; none when it fits. */
function problems(type: DeclaredType, value: unknown, path: string): string[] {
  switch (type.kind) {
    case "primitive":
      if (type.name === "unknown") return [];
      if (type.name === "null") return value === null ? [] : [`${path}: not null`];
      return typeof value === type.name
        ? []
        : [`${path}: ${JSON.stringify(value)} is not a ${type.name}`];
    case "literal":
      return value === type.value ? [] : [`${path}: not ${JSON.stringify(type.value)}`];
    case "array":
      return Array.isArray(value)
        ? value.flatMap((v, i) => problems(type.of, v, `${path}[${i}]`))
        : [`${path}: not an array`];
    case "record":
      return typeof value === "object" && value !== null && !Array.isArray(value)
        ? Object.entries(value).flatMap(([k, v]) => problems(type.of, v, `${path}.${k}`))
        : [`${path}: not an object`];
    case "union": {
      const each = type.of.map((t) => problems(t, value, path));
      return each.some((p) => p.length === 0)
        ? []
        : [`${path}: none of a union: ${each.flat().join("; ")}`];
    }
    case "object":
      return objectProblems(type.fields, value, path);
    case "ref":
      if (facts.enums[type.name])
        return facts.enums[type.name].includes(value as string | number)
          ? []
          : [`${path}: ${JSON.stringify(value)} is not one of ${type.name}`];
      if (facts.aliases[type.name]) return problems(facts.aliases[type.name], value, path);
      return objectProblems(fieldsOf(type.name), value, path);
  }
}

function objectProblems(
  fields: Record<string, DeclaredField>,
  value: unknown,
  path: string,
): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return [`${path}: not an object`];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const f = fields[k];
    if (!f) out.push(`${path}.${k}: the model has no such key`);
    else out.push(...problems(f.type, v, `${path}.${k}`));
  }
  for (const [k, f] of Object.entries(fields))
    if (!f.optional && !(k in value)) out.push(`${path}.${k}: required, missing`);
  return out;
}

/** The problems of a dashboard: the model's, and each panel's options as its panel type has them. */
function dashboardProblems(doc: { panels?: { type: string; options?: unknown }[] }, file: string) {
  const out = problems({ kind: "ref", name: "dashboard.Dashboard" }, doc, file);
  for (const [i, p] of (doc.panels ?? []).entries()) {
    if (!facts.panels.includes(p.type)) out.push(`${file}.panels[${i}]: no panel type ${p.type}`);
    else if (p.options !== undefined)
      out.push(
        ...problems(
          { kind: "ref", name: `${p.type}.Options` },
          p.options,
          `${file}.panels[${i}].options`,
        ),
      );
  }
  return out;
}

test("the facts: Grafana 10.4.2's dashboard model and its core panels' options", () => {
  assert.equal(facts.image, DEFAULT_IMAGES.grafana);
  assert.ok(facts.panels.includes("timeseries") && facts.panels.length >= 20);
  const panel = fieldsOf("dashboard.Panel");
  assert.deepEqual(panel.type, { type: { kind: "primitive", name: "string" }, optional: false });
  assert.deepEqual(Object.keys(fieldsOf("timeseries.Options")).sort(), [
    "legend",
    "timezone",
    "tooltip",
  ]);
  assert.equal(fieldsOf("common.VizLegendOptions").calcs.optional, false);
  assert.deepEqual(facts.enums["common.TooltipDisplayMode"], ["multi", "none", "single"]);
  // The checker itself: what the model refuses, it reports.
  assert.deepEqual(
    dashboardProblems(
      { schemaVersion: "39", panels: [{ type: "graph2", options: {} }], colour: 1 } as never,
      "x",
    ),
    [
      'x.schemaVersion: "39" is not a number',
      "x.colour: the model has no such key",
      "x.panels[0]: no panel type graph2",
    ],
  );
});

for (const stack of ["cert", "prod"]) {
  const spec = loadPlatformFromStackFile(process.cwd(), stack);

  test(`${stack}: the Grafana image is the version the facts come from`, () => {
    assertImageIs(spec.images.grafana, facts.image);
  });

  test(`${stack}: every dashboard fits Grafana 10.4.2's dashboard model, each panel's options its panel type's`, () => {
    const dashboards = stackDashboards(spec);
    assert.equal(dashboards.length, 1 + spec.services.length + spec.agents.length);
    for (const d of dashboards)
      assert.deepEqual(dashboardProblems(JSON.parse(d.content), d.file), [], d.file);
  });
}
