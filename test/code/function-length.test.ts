// The shape the code keeps: no function, method or constructor in components/ longer than 60 lines
// (as formatted by prettier), so each says one thing that a reader can hold.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as ts from "typescript";

const ROOT = join(__dirname, "..", "..");
const MAX_LINES = 60;

/** Every function-like node of `file` longer than `MAX_LINES`, as `file:line name (n lines)`. */
function longFunctions(file: string): string[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(join(ROOT, file), "utf8"),
    ts.ScriptTarget.ES2022,
    true,
  );
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      const lines = source.getLineAndCharacterOfPosition(node.getEnd()).line + 2 - first;
      const name = node.name?.getText(source) ?? ts.SyntaxKind[node.kind];
      if (lines > MAX_LINES) out.push(`${file}:${first} ${name} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

test(`no function in components/ is longer than ${MAX_LINES} lines`, () => {
  const files = execFileSync("git", ["ls-files", "components/*.ts", "components/**/*.ts"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => f !== "");
  assert.ok(files.length > 50, `${files.length} files`);
  assert.deepEqual(files.flatMap(longFunctions), []);
});
