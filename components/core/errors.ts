/**
 * Errors raised for bad input. Every message names the file, the path inside it and what was
 * expected, so an operator can fix the input without reading the code.
 */
export class PlatformInputError extends Error {
  /** One entry per problem found; the message lists them all. */
  public readonly problems: readonly InputProblem[];

  constructor(problems: InputProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "PlatformInputError";
    this.problems = problems;
  }
}

/** A single problem in an input file. */
export interface InputProblem {
  /** The file the value came from, e.g. `Pulumi.prod.yaml` or `catalog.yaml`. */
  file: string;
  /** Where inside the file, e.g. `services[3].port`; empty for the whole file. */
  path: string;
  /** What was expected, and what was found where that helps. */
  expected: string;
}

export function formatProblem(p: InputProblem): string {
  return `${p.file}: ${p.path === "" ? "(top level)" : p.path}: ${p.expected}`;
}

/** Renders a key path the way it is written in YAML: `hosts[2].labels.zone`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Joins a prefix and a path: `config.lhcb-platform:hosts` + `[2].cpus`. */
export function joinPath(prefix: string, path: string): string {
  if (prefix === "") return path;
  if (path === "") return prefix.replace(/:$/, "");
  return path.startsWith("[") || prefix.endsWith(":") ? `${prefix}${path}` : `${prefix}.${path}`;
}
