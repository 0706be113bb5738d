// Walks a JSON value against RAML types read by scripts/upstream/raml-types.ts: each key of an
// object is a property (its own or a base type's) or matches a pattern property, required
// properties are there, array items and property values are checked against their types, scalars
// are of their built-in type and among their enum's values, a union takes any of its members.
import { RamlType, TypeRef } from "../../scripts/upstream/raml-types";

type Types = Record<string, RamlType>;

/** The built-in a type comes down to (`object`, `array`, `string`, ...), through its bases. */
function kindOf(types: Types, t: RamlType, seen = new Set<RamlType>()): string {
  if (seen.has(t)) return "any";
  seen.add(t);
  for (const b of t.base) {
    if (!b.includes(".") && !b.includes("|") && !b.endsWith("[]")) return b;
    if (b.endsWith("[]")) return "array";
    const named = types[b];
    if (named) return kindOf(types, named, seen);
  }
  return "any";
}

/** A type's declarations with its bases' (its own win). */
function flattened(types: Types, t: RamlType): RamlType {
  const out: RamlType = { base: t.base, properties: {}, patterns: [] };
  for (const b of t.base) {
    const named = types[b];
    if (!named) continue;
    const base = flattened(types, named);
    Object.assign(out.properties!, base.properties);
    out.patterns!.push(...(base.patterns ?? []));
    out.items ??= base.items;
    out.enum ??= base.enum;
  }
  Object.assign(out.properties!, t.properties);
  out.patterns!.push(...(t.patterns ?? []));
  if (t.items) out.items = t.items;
  if (t.enum) out.enum = t.enum;
  return out;
}

const SCALAR: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === "number" && Number.isFinite(v),
  boolean: (v) => typeof v === "boolean",
  datetime: (v) => typeof v === "string",
  any: () => true,
};

/** What is wrong with `value` as a `ref` (empty when nothing), each problem with its JSON path. */
export function ramlProblems(types: Types, ref: TypeRef, value: unknown, at = "$"): string[] {
  if (typeof ref !== "string") return typeProblems(types, ref, value, at);
  const union = ref
    .replace(/^\((.*)\)$/, "$1")
    .split("|")
    .map((r) => r.trim());
  if (union.length > 1) {
    const each = union.map((r) => ramlProblems(types, r, value, at));
    return each.some((p) => p.length === 0) ? [] : [`${at}: none of ${ref} (${each.flat()[0]})`];
  }
  if (ref.endsWith("[]"))
    return typeProblems(types, { base: ["array"], items: ref.slice(0, -2) }, value, at);
  if (SCALAR[ref] || ref === "object" || ref === "array")
    return typeProblems(types, { base: [ref] }, value, at, ref);
  const named = types[ref];
  if (!named) return [`${at}: no type ${ref} in the facts`];
  return typeProblems(types, named, value, at, ref);
}

function typeProblems(
  types: Types,
  t: RamlType,
  value: unknown,
  at: string,
  name = "type",
): string[] {
  const kind = kindOf(types, t);
  const full = flattened(types, t);
  if (full.enum && !full.enum.includes(value as string))
    return [`${at}: ${JSON.stringify(value)} is none of ${name}'s ${JSON.stringify(full.enum)}`];
  if (kind === "array") {
    if (!Array.isArray(value)) return [`${at}: expected an array (${name})`];
    return full.items === undefined
      ? []
      : value.flatMap((v, i) => ramlProblems(types, full.items!, v, `${at}[${i}]`));
  }
  if (kind === "object") {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return [`${at}: expected an object (${name})`];
    const problems: string[] = [];
    const record = value as Record<string, unknown>;
    for (const [key, v] of Object.entries(record)) {
      const prop = full.properties![key];
      const pattern = full.patterns!.find((p) => new RegExp(p.pattern).test(key));
      if (prop) problems.push(...ramlProblems(types, prop.type, v, `${at}.${key}`));
      else if (pattern) problems.push(...ramlProblems(types, pattern.type, v, `${at}.${key}`));
      else problems.push(`${at}.${key}: ${name} has no such property`);
    }
    for (const [key, prop] of Object.entries(full.properties!))
      if (prop.required && !(key in record)) problems.push(`${at}.${key}: required by ${name}`);
    return problems;
  }
  const scalar = SCALAR[kind];
  if (scalar === undefined) return [`${at}: ${name} comes down to ${kind}, which is not checked`];
  return scalar(value) ? [] : [`${at}: ${JSON.stringify(value)} is no ${kind} (${name})`];
}
