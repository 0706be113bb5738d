// Every command-line option a Scala source declares with Scallop (`opt[T]("name", ...)` and
// `toggle("name", ...)`, the name first or as `name = "..."`), read mechanically from the source
// text: its name, value type, default (as written) and whether it is required. Pure. Used by
// scripts/upstream/extract.ts.

import { argumentsAt, topLevelArguments } from "./source-text";

/** One option as Scallop parses it: `--name VALUE`, or `--name` / `--PREFIXname` for a toggle. */
export interface ScallopOption {
  name: string;
  /** The value type (`String`, `Int`, `Long`, `Double`, `Boolean`), or `toggle`. */
  type: string;
  /** The `default = ...` expression as written (`Some(8080)`, `None`), when there is one. */
  default?: string;
  required: boolean;
  /** A toggle's `prefix` (`disable_`: `--disable_NAME` turns it off). */
  prefix?: string;
}

/** The value of `key = ...` among a call's top-level arguments, spaces collapsed. */
function namedArgument(args: string, key: string): string | undefined {
  const match = topLevelArguments(args).find((p) => new RegExp(`^${key}\\s*=`).test(p));
  return match?.replace(new RegExp(`^${key}\\s*=\\s*`), "").replace(/\s+/g, " ");
}

/** The options declared in `source`, in source order. */
export function scallopOptions(source: string): ScallopOption[] {
  const out: ScallopOption[] = [];
  const start = /\b(?:opt\[([A-Za-z.]+(?:\[[A-Za-z.,\s]+\])?)\]|toggle)\s*\(/g;
  for (let m = start.exec(source); m !== null; m = start.exec(source)) {
    const args = argumentsAt(source, m.index + m[0].length - 1);
    const named = namedArgument(args, "name");
    const name = /^\s*"([^"]+)"/.exec(args)?.[1] ?? (named && /^"([^"]+)"$/.exec(named)?.[1]);
    if (name === undefined) continue;
    const type = m[1] ?? "toggle";
    const option: ScallopOption = {
      name,
      type,
      required: namedArgument(args, "required") === "true",
    };
    const fallback = namedArgument(args, "default");
    if (fallback !== undefined) option.default = fallback;
    const prefix = namedArgument(args, "prefix");
    if (prefix !== undefined) option.prefix = JSON.parse(prefix) as string;
    out.push(option);
  }
  return out;
}
