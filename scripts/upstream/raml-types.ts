// Reading the RAML 1.0 type libraries of an API (Marathon's docs/docs/rest-api/public/api/v2/types)
// into plain data a test can walk a JSON document with: every type of every library, named
// `library.Type` (the file's name without `.raml`), with what RAML says of its shape: its base
// types, properties (required or not, `?` dropped), pattern properties (`/regex/:`), the items of
// an array, the members of a union, the values of an enum.
import { parse } from "yaml";

/**
 * A type expression, resolved (`library.Type`, a RAML built-in, `X[]`, `A | B`), or a type
 * declared in place (a property's inline object, an array's inline items).
 */
export type TypeRef = string | RamlType;

export interface RamlType {
  /** The types it extends (`type: other.Base`), or a built-in (`object`, `string`, ...). */
  base: string[];
  properties?: Record<string, { type: TypeRef; required: boolean }>;
  /** Pattern properties: any key matching `pattern` has a value of `type`. */
  patterns?: { pattern: string; type: TypeRef }[];
  items?: TypeRef;
  enum?: (string | number | boolean)[];
}

const BUILT_IN = new Set([
  "any",
  "array",
  "boolean",
  "date-only",
  "datetime",
  "datetime-only",
  "file",
  "integer",
  "nil",
  "number",
  "object",
  "string",
  "time-only",
]);

type Definition = string | null | Record<string, unknown>;

/** `expr` with every library alias and local name qualified (`strings.Name` → `stringTypes.Name`). */
function resolve(expr: string, library: string, uses: Record<string, string>): string {
  return expr.replace(/[A-Za-z_][\w.-]*/g, (name) => {
    if (BUILT_IN.has(name)) return name;
    const dot = name.indexOf(".");
    if (dot < 0) return `${library}.${name}`;
    const alias = name.slice(0, dot);
    const file = uses[alias];
    if (file === undefined) throw new Error(`${library}: no library "${alias}" (${name})`);
    return `${file.replace(/\.raml$/, "")}.${name.slice(dot + 1)}`;
  });
}

/** One type declaration (a type's value, or a property's) as a RamlType. */
function typeOf(def: Definition, library: string, uses: Record<string, string>): RamlType {
  if (def === null) return { base: ["string"] };
  if (typeof def === "string") return { base: [resolve(def, library, uses)] };
  const t: RamlType = { base: [] };
  const declared = def.type ?? def.schema;
  if (typeof declared === "string") t.base = [resolve(declared, library, uses)];
  else if (Array.isArray(declared)) t.base = declared.map((d) => resolve(String(d), library, uses));
  else t.base = [def.properties ? "object" : def.items ? "array" : "string"];
  if (def.properties && typeof def.properties === "object") {
    for (const [rawName, propDef] of Object.entries(def.properties as Record<string, Definition>)) {
      const pt = typeOf(propDef, library, uses);
      const ref = refOf(pt);
      if (/^\/.*\/$/.test(rawName)) {
        (t.patterns ??= []).push({ pattern: rawName.slice(1, -1), type: ref });
        continue;
      }
      const optional = rawName.endsWith("?");
      const explicit =
        propDef !== null && typeof propDef === "object" && typeof propDef.required === "boolean"
          ? propDef.required
          : undefined;
      (t.properties ??= {})[optional ? rawName.slice(0, -1) : rawName] = {
        type: ref,
        required: explicit ?? !optional,
      };
    }
  }
  if (def.items !== undefined) t.items = refOf(typeOf(def.items as Definition, library, uses));
  if (Array.isArray(def.enum)) t.enum = def.enum as (string | number | boolean)[];
  return t;
}

/** A type as a reference: its name when it only names or extends one type, else the type itself. */
function refOf(t: RamlType): TypeRef {
  const plain = t.base.length === 1 && !t.properties && !t.patterns && !t.items && !t.enum;
  return plain ? t.base[0] : t;
}

/** Every type of the RAML libraries given as file name → text, by `library.Type`. */
export function ramlTypes(files: Record<string, string>): Record<string, RamlType> {
  const out: Record<string, RamlType> = {};
  for (const [file, text] of Object.entries(files)) {
    const library = file.replace(/\.raml$/, "");
    const doc = parse(text) as {
      uses?: Record<string, string>;
      types?: Record<string, Definition>;
    };
    for (const [name, def] of Object.entries(doc.types ?? {}))
      out[`${library}.${name}`] = typeOf(def, library, doc.uses ?? {});
  }
  return out;
}
