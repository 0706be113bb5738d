// Reading the keys a Go program's TOML configuration decodes (BurntSushi/toml): from a root
// struct, every field's `toml:"key"` tag, followed into the structs of the module the field's type
// names (tables, and arrays of tables), down to the values, each with its Go type.
import { goImportSpecs } from "./go-imports";
import { taggedFields } from "./go-struct-fields";

/** A key of the configuration: a value, a table (`[key]`) or an array of tables (`[[key]]`). */
export interface TomlKey {
  /** The path from the root: `http.bind-address`, a table's own name for the table. */
  key: string;
  goType: string;
  kind: "value" | "table" | "tables";
}

/**
 * The import aliases of Go source (one file, or a package's files joined): each import's alias, or
 * its path's last element, to the path.
 */
export function importAliases(source: string): Record<string, string> {
  return Object.fromEntries(
    goImportSpecs(source)
      .filter((i) => i.alias !== "_" && i.alias !== ".")
      .map((i) => [i.alias ?? i.path.slice(i.path.lastIndexOf("/") + 1), i.path]),
  );
}

/**
 * The package directory (relative to the module) and name of the struct a Go type names, if it is
 * a struct of the module that is decoded field by field.
 */
type StructOf = (goType: string, fromDir: string) => { dir: string; name: string } | undefined;

/**
 * The keys of struct `name` in package `dir` of module `module`, whose package sources (the
 * non-test Go files of a directory, joined) `sourceOf` gives.
 */
export function tomlKeys(
  module: string,
  dir: string,
  name: string,
  sourceOf: (dir: string) => string,
): TomlKey[] {
  const structOf: StructOf = (goType, fromDir) => {
    const qualified = /^(\w+)\.(\w+)$/.exec(goType);
    const local = /^(\w+)$/.exec(goType);
    let target: { dir: string; name: string } | undefined;
    if (qualified) {
      const path = importAliases(sourceOf(fromDir))[qualified[1]];
      if (path?.startsWith(`${module}/`))
        target = { dir: path.slice(module.length + 1), name: qualified[2] };
    } else if (local) target = { dir: fromDir, name: local[1] };
    if (!target) return undefined;
    const source = sourceOf(target.dir);
    const isStruct = new RegExp(`^type\\s+${target.name}\\s+struct\\s*\\{`, "m");
    // A struct that decodes itself from text is a value (the decoder calls its UnmarshalText).
    const isText = new RegExp(`^func\\s+\\(\\w+\\s+\\*?${target.name}\\)\\s+UnmarshalText\\(`, "m");
    return isStruct.test(source) && !isText.test(source) ? target : undefined;
  };
  return keysOf(dir, name, "", sourceOf, structOf);
}

function keysOf(
  dir: string,
  name: string,
  prefix: string,
  sourceOf: (dir: string) => string,
  structOf: StructOf,
): TomlKey[] {
  return taggedFields(sourceOf(dir), name, "toml").flatMap(({ key, goType }) => {
    const path = `${prefix}${key}`;
    const many = goType.replace(/^\*/, "").startsWith("[]");
    const element = goType.replace(/^\*/, "").replace(/^\[\]\*?/, "");
    const struct = structOf(element, dir);
    if (!struct) return [{ key: path, goType, kind: "value" as const }];
    const table: TomlKey = { key: path, goType, kind: many ? "tables" : "table" };
    return [table, ...keysOf(struct.dir, struct.name, `${path}.`, sourceOf, structOf)];
  });
}
