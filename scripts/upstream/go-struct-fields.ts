// Reading Go configuration structs out of source text: the fields of `type NAME struct { ... }`
// with their Go type and the key a `mapstructure:"..."` tag decodes them from, and the string
// constants of a file.

/** One field of a struct that a decoder fills from the key of its tag. */
export interface GoTaggedField {
  field: string;
  goType: string;
  key: string;
}

/** The fields of struct `name` in `source` that carry a `tag:"key"` tag (`-` and empty keys left out). */
export function taggedFields(source: string, name: string, tag = "mapstructure"): GoTaggedField[] {
  const start = new RegExp(`^type\\s+${name}\\s+struct\\s*\\{`, "m").exec(source);
  if (!start) throw new Error(`no struct ${name} in the source`);
  const body = source.slice(start.index + start[0].length);
  const end = /^\}/m.exec(body);
  if (!end) throw new Error(`struct ${name} does not end`);
  const line = new RegExp(`^\\s*(\\w+)\\s+([^\`]+?)\\s+\`[^\`]*\\b${tag}:"([^",]*)[^"]*"`);
  return body
    .slice(0, end.index)
    .split("\n")
    .map((l) => line.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && m[3] !== "" && m[3] !== "-")
    .map((m) => ({ field: m[1], goType: m[2].trim(), key: m[3] }));
}

/** The string constants of `source` (`Name = "value"`, inside `const ( ... )` or alone). */
export function stringConstants(source: string): Record<string, string> {
  return Object.fromEntries(
    [...source.matchAll(/^\s*(?:const\s+)?(\w+)\s*(?:string\s*)?=\s*"([^"]*)"\s*$/gm)].map((m) => [
      m[1],
      m[2],
    ]),
  );
}
