// The import specs of a Go source file, read from its text: every `import (...)` block and every
// single `import "path"` line, each with its alias (`_`, `.` or a name) when it has one.

/** One import spec: the package's path and the name it is imported under, if one is given. */
export interface GoImport {
  alias?: string;
  path: string;
}

const SPEC = /^\s*(?:([\w.]+)\s+)?"([^"]+)"/;

/** Every import spec of `source`: those of its blocks, then its single-line imports. */
export function goImportSpecs(source: string): GoImport[] {
  const lines = [
    ...[...source.matchAll(/^import\s*\(([\s\S]*?)^\)/gm)].flatMap((m) => m[1].split("\n")),
    ...[...source.matchAll(/^import\s+((?:[\w.]+\s+)?"[^"]+")/gm)].map((m) => m[1]),
  ];
  return lines
    .map((l) => SPEC.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => (m[1] === undefined ? { path: m[2] } : { alias: m[1], path: m[2] }));
}
