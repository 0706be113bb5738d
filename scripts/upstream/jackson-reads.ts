// Reading a hand-written Jackson deserializer (Scala) for the JSON keys it reads: every
// `x.get("k")`, `x.has("k")` and `x.path("k")` on the root node or on a node reached from it, as
// a path (`container.volumes[].hostPath`: `[]` for the elements of an array). The root node is
// `node`; `val v = x.get("k")` names a node; `x.get("k").elements()` followed by
// `case v: ObjectNode =>` names each element `v` until the block that holds the `case` ends.
import { stringEnd } from "./source-text";

interface Scope {
  /** Node variables and the paths they stand for. */
  vars: Map<string, string>;
  /** The nesting depth the scope lives at; it ends when the text goes shallower. */
  depth: number;
}

const join = (base: string, key: string) => (base === "" ? key : `${base}.${key}`);

/** Every key path `source` reads from the JSON tree whose root is the variable `root`. */
export function jacksonReads(source: string, root = "node"): string[] {
  const text = source.replace(/\/\/[^\n]*/g, "");
  const reads = new Set<string>();
  const scopes: Scope[] = [{ vars: new Map([[root, ""]]), depth: -1 }];
  const lookup = (v: string): string | undefined => {
    for (let s = scopes.length - 1; s >= 0; s--) {
      const p = scopes[s].vars.get(v);
      if (p !== undefined) return p;
    }
    return undefined;
  };
  let depth = 0;
  let elements: string | undefined; // the path of an array whose element variable comes next
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = stringEnd(text, i);
      continue;
    }
    if (c === "{" || c === "(") depth++;
    if (c === "}" || c === ")") {
      depth--;
      while (scopes.length > 1 && depth < scopes[scopes.length - 1].depth) scopes.pop();
    }
    if (!/[A-Za-z_]/.test(c) || /\w/.test(text[i - 1] ?? "")) continue;
    const rest = text.slice(i, i + 400);
    const named = /^val (\w+)\s*=\s*(\w+)\s*\.get\("(\w+)"\)\s*(?:\n|$)/.exec(rest);
    if (named && lookup(named[2]) !== undefined)
      scopes[scopes.length - 1].vars.set(named[1], join(lookup(named[2])!, named[3]));
    const element = /^case (\w+): ObjectNode =>/.exec(rest);
    if (element && elements !== undefined) {
      scopes.push({ vars: new Map([[element[1], elements]]), depth });
      elements = undefined;
      continue;
    }
    const access = /^(\w+)((?:\s*\.\s*(?:get|has|path)\("\w+"\))+)(\s*\.\s*elements\(\))?/.exec(
      rest,
    );
    if (!access) continue;
    let path = lookup(access[1]);
    if (path === undefined) continue;
    for (const key of [...access[2].matchAll(/"(\w+)"/g)].map((m) => m[1])) {
      path = join(path, key);
      reads.add(path);
    }
    if (access[3] !== undefined) elements = `${path}[]`;
    i += access[1].length - 1;
  }
  return [...reads].sort();
}
