// Every flag a Mesos `Flags` class declares with stout's `add(&Flags::member, "name", ...)`, read
// mechanically from its .cpp (names, deprecated aliases) and .hpp (the member's C++ type). Pure.
// Used by scripts/upstream/extract.ts.

import { argumentsAt, topLevelArguments } from "./source-text";

/** One flag: `--name=VALUE` on the command line, `PREFIX_NAME` in the environment. */
export interface StoutFlag {
  name: string;
  /** The member's C++ type as declared (`Option<Duration>`, `bool`, `std::string`). */
  type: string;
  /** Older names still accepted (`flags::DeprecatedName("...")`). */
  aliases?: string[];
  /** Stout refuses to start without it: not an `Option`, and no default given. */
  required: boolean;
}

/** The C++ type of each data member the header declares: `Option<Duration> offer_timeout;`. */
function memberTypes(header: string): Map<string, string> {
  const types = new Map<string, string>();
  const code = header.replace(/\/\/[^\n]*/g, "");
  for (const m of code.matchAll(/^\s*([A-Za-z_:][\w:<>, ]*?[\w>])\s+(\w+);\s*$/gm))
    types.set(m[2], m[1].replace(/\s+/g, " "));
  return types;
}

/** The flags `source` adds, with their types from `header`; throws for a member without a type. */
export function stoutFlags(source: string, header: string): StoutFlag[] {
  const types = memberTypes(header);
  const out: StoutFlag[] = [];
  const start = /\badd\s*\(\s*&Flags::(\w+)\s*,/g;
  for (let m = start.exec(source); m !== null; m = start.exec(source)) {
    const open = source.indexOf("(", m.index);
    const args = argumentsAt(source, open);
    const name = /^\s*&Flags::\w+\s*,\s*(?:\/\/[^\n]*\n\s*)*"([^"]+)"/.exec(args)?.[1];
    if (name === undefined) throw new Error(`add(&Flags::${m[1]}, ...): no name`);
    const type = types.get(m[1]);
    if (type === undefined) throw new Error(`Flags::${m[1]}: no declaration in the header`);
    const aliases = [...args.matchAll(/DeprecatedName\(\s*"([^"]+)"\s*\)/g)].map((a) => a[1]);
    // member, name, aliases, help, then a default unless what follows is a validating lambda
    // (a lambda called where it stands, `[]() { ... }()`, is a default).
    const rest = topLevelArguments(args)
      .slice(2)
      .filter((a) => !a.includes("DeprecatedName("));
    const hasDefault =
      rest.length > 1 && (!rest[1].startsWith("[") || /\}\s*\(\s*\)$/.test(rest[1]));
    const required = !type.startsWith("Option<") && !hasDefault;
    out.push({ name, type, ...(aliases.length > 0 ? { aliases } : {}), required });
  }
  return out;
}
