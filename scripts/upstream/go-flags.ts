// Reading Go programs for their command-line flags: the packages a `main` package links (its
// imports within the module, followed), and every flag those packages define with the standard
// `flag` package (`flag.String("name", ...)`, `fs.BoolVar(&v, "name", ...)`, `flag.Var(&v, "name",
// ...)`), with the kind (String, Bool, Int, Duration, Uint64, Float64, Var...) and the default's
// source text where there is one.
import { goImportSpecs } from "./go-imports";
import { argumentsAt, topLevelArguments } from "./source-text";

export interface GoFlag {
  name: string;
  /** The `flag` function's type: `String`, `Bool`, `Duration`, ... or `Var` (a custom parser). */
  kind: string;
  /** The default as written in the source (absent for `Var`). */
  default?: string;
  source: string;
}

/** The import paths of a Go file, blank (`_`) imports included: each is linked. */
export function goImports(source: string): string[] {
  return goImportSpecs(source).map((i) => i.path);
}

/**
 * The directories of the packages `mainDir` links from its module tree: `modules` maps a module
 * path to its directory (`github.com/google/cadvisor/cmd` → `cmd`); imports outside them are left.
 */
export function linkedPackages(
  mainDir: string,
  modules: Record<string, string>,
  filesIn: (dir: string) => string[],
  read: (path: string) => string,
): string[] {
  const byLength = Object.entries(modules).sort((a, b) => b[0].length - a[0].length);
  const dirOf = (importPath: string): string | undefined => {
    for (const [module, dir] of byLength)
      if (importPath === module || importPath.startsWith(`${module}/`)) {
        const rest = importPath.slice(module.length + 1);
        return [dir, rest].filter((p) => p !== "" && p !== ".").join("/") || ".";
      }
    return undefined;
  };
  const seen = new Set<string>();
  const queue = [mainDir];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    for (const file of filesIn(dir))
      for (const imp of goImports(read(file))) {
        const d = dirOf(imp);
        if (d !== undefined && !seen.has(d)) queue.push(d);
      }
  }
  return [...seen].sort();
}

/** Every flag `source` defines, on the `flag` package or on a flag set named `sets`. */
export function goFlags(source: string, path: string, sets = ["flag"]): GoFlag[] {
  const out: GoFlag[] = [];
  const call = new RegExp(`\\b(?:${sets.join("|")})\\.(\\w+?)(Var)?\\(`, "g");
  for (const m of source.matchAll(call)) {
    const kind = m[1] === "" ? "Var" : m[1];
    const isVar = m[2] !== undefined || kind === "Var";
    if (!/^(String|Bool|Int|Int64|Uint|Uint64|Float64|Duration|Func|Text|BoolFunc|Var)$/.test(kind))
      continue;
    const args = topLevelArguments(argumentsAt(source, m.index! + m[0].length - 1));
    const nameAt = isVar ? 1 : 0;
    const name = /^"([^"]+)"$/.exec(args[nameAt] ?? "")?.[1];
    if (name === undefined) continue;
    const flag: GoFlag = { name, kind, source: path };
    if (kind !== "Var" && args[nameAt + 1] !== undefined) flag.default = args[nameAt + 1];
    out.push(flag);
  }
  return out;
}
