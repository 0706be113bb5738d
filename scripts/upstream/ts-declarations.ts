// Reading the types a TypeScript declaration file (`.d.ts`) declares, with the TypeScript
// compiler's own parser: each interface's fields and the interfaces it extends, each string
// enum's values, and each type alias. A type is kept as a structure (a primitive, a literal, a
// reference, an array, a record, a union, an inline object) that a checker can walk. Names are
// qualified with a prefix per file (`dashboard.Panel`); a name the file qualifies itself
// (`common.VizLegendOptions`) is kept as written.
import ts from "typescript";

export type DeclaredType =
  | { kind: "primitive"; name: string }
  | { kind: "literal"; value: string | number | boolean }
  | { kind: "ref"; name: string }
  | { kind: "array"; of: DeclaredType }
  | { kind: "record"; of: DeclaredType }
  | { kind: "union"; of: DeclaredType[] }
  | { kind: "object"; fields: Record<string, DeclaredField> };

export interface DeclaredField {
  type: DeclaredType;
  optional: boolean;
}

export interface DeclaredTypes {
  interfaces: Record<string, { extends: string[]; fields: Record<string, DeclaredField> }>;
  /** Enums whose members all have a string or number value: those values. */
  enums: Record<string, (string | number)[]>;
  aliases: Record<string, DeclaredType>;
}

const PRIMITIVES: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.StringKeyword]: "string",
  [ts.SyntaxKind.NumberKeyword]: "number",
  [ts.SyntaxKind.BooleanKeyword]: "boolean",
  [ts.SyntaxKind.UnknownKeyword]: "unknown",
  [ts.SyntaxKind.AnyKeyword]: "unknown",
  [ts.SyntaxKind.ObjectKeyword]: "object",
};

class Reader {
  constructor(
    private readonly file: ts.SourceFile,
    private readonly prefix: string,
    private readonly own: Set<string>,
  ) {}

  name(n: ts.EntityName | ts.Expression): string {
    const text = n.getText(this.file);
    return this.own.has(text) ? `${this.prefix}.${text}` : text;
  }

  fields(members: ts.NodeArray<ts.TypeElement>): Record<string, DeclaredField> {
    const out: Record<string, DeclaredField> = {};
    for (const m of members)
      if (ts.isPropertySignature(m) && m.type)
        out[m.name.getText(this.file).replace(/^['"]|['"]$/g, "")] = {
          type: this.type(m.type),
          optional: m.questionToken !== undefined,
        };
    return out;
  }

  type(t: ts.TypeNode): DeclaredType {
    if (ts.isParenthesizedTypeNode(t)) return this.type(t.type);
    const primitive = PRIMITIVES[t.kind];
    if (primitive) return { kind: "primitive", name: primitive };
    if (ts.isLiteralTypeNode(t)) {
      const l = t.literal;
      if (ts.isStringLiteral(l)) return { kind: "literal", value: l.text };
      if (ts.isNumericLiteral(l)) return { kind: "literal", value: Number(l.text) };
      if (l.kind === ts.SyntaxKind.TrueKeyword) return { kind: "literal", value: true };
      if (l.kind === ts.SyntaxKind.FalseKeyword) return { kind: "literal", value: false };
      if (l.kind === ts.SyntaxKind.NullKeyword) return { kind: "primitive", name: "null" };
    }
    if (ts.isArrayTypeNode(t)) return { kind: "array", of: this.type(t.elementType) };
    if (ts.isUnionTypeNode(t)) return { kind: "union", of: t.types.map((x) => this.type(x)) };
    if (ts.isTypeLiteralNode(t)) return { kind: "object", fields: this.fields(t.members) };
    if (ts.isTypeReferenceNode(t)) {
      const name = this.name(t.typeName);
      const args = t.typeArguments ?? [];
      if (name === "Array" && args.length === 1) return { kind: "array", of: this.type(args[0]) };
      if (name === "Record" && args.length === 2) return { kind: "record", of: this.type(args[1]) };
      if (name === "Partial" && args.length === 1) return this.type(args[0]);
      return { kind: "ref", name };
    }
    return { kind: "primitive", name: "unknown" };
  }
}

/** What `source` (the text of a `.d.ts` file) declares, its names qualified with `prefix`. */
export function declaredTypes(source: string, prefix: string): DeclaredTypes {
  const file = ts.createSourceFile("types.d.ts", source, ts.ScriptTarget.Latest, true);
  const own = new Set<string>();
  for (const s of file.statements)
    if (ts.isInterfaceDeclaration(s) || ts.isEnumDeclaration(s) || ts.isTypeAliasDeclaration(s))
      own.add(s.name.text);
  const r = new Reader(file, prefix, own);
  const out: DeclaredTypes = { interfaces: {}, enums: {}, aliases: {} };
  for (const s of file.statements) {
    if (ts.isInterfaceDeclaration(s)) {
      const bases = (s.heritageClauses ?? []).flatMap((h) =>
        h.types.map((t) => r.name(t.expression)),
      );
      out.interfaces[`${prefix}.${s.name.text}`] = { extends: bases, fields: r.fields(s.members) };
    } else if (ts.isEnumDeclaration(s)) {
      const values = s.members.map((m) => {
        const init = m.initializer;
        if (init && ts.isStringLiteral(init)) return init.text;
        if (init && ts.isNumericLiteral(init)) return Number(init.text);
        return undefined;
      });
      if (values.every((v) => v !== undefined))
        out.enums[`${prefix}.${s.name.text}`] = values as (string | number)[];
    } else if (ts.isTypeAliasDeclaration(s))
      out.aliases[`${prefix}.${s.name.text}`] = r.type(s.type);
  }
  return out;
}
