// The entrypoint that reads a program's secret variables and options from files, run by the real
// /bin/sh with `env` and `printf` standing in for the program.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { shellWord, startWithFiles } from "../../components/core/start-with-files";
import { tempDir } from "../../scripts/temp-dir";

const dir = tempDir("start-with-files-");

/** Runs `entrypoint` as Docker does, with `command` after it. */
function run(entrypoint: string[], command: string[]) {
  const r = spawnSync(entrypoint[0], [...entrypoint.slice(1), ...command], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("variables are exported from their files, whitespace and quotes kept, before the program runs", () => {
  const value = "zk://user:p'w $x@h:2181/path";
  writeFileSync(join(dir, "url"), `${value}\n`);
  const r = run(startWithFiles(["/usr/bin/env"], { env: { TARGET_URL: join(dir, "url") } }), []);
  assert.equal(r.status, 0, r.stderr);
  // `$(cat)` drops the trailing newline, as the programs expect.
  assert.ok(r.stdout.split("\n").includes(`TARGET_URL=${value}`), r.stdout);
});

test("options follow the command's arguments, each value one argument", () => {
  writeFileSync(join(dir, "master"), "zk://a b/mesos");
  writeFileSync(join(dir, "auth"), "chronos:pw");
  const r = run(
    startWithFiles(["/usr/bin/printf", "[%s]"], {
      options: { "--master": join(dir, "master"), "--zk_auth": join(dir, "auth") },
    }),
    ["--zk_hosts", "h:2181"],
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "[--zk_hosts][h:2181][--master][zk://a b/mesos][--zk_auth][chronos:pw]");
});

test("a file that cannot be read stops the start: the program does not run", () => {
  const missing = join(dir, "missing");
  for (const values of [{ env: { A: missing } }, { options: { "--a": missing } }]) {
    const r = run(startWithFiles(["/usr/bin/printf", "ran"], values), []);
    assert.notEqual(r.status, 0);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /missing/);
  }
});

test("a word with a special character is quoted, others kept as they are", () => {
  assert.equal(shellWord("/marathon/bin/marathon"), "/marathon/bin/marathon");
  assert.equal(shellWord("--zk_auth"), "--zk_auth");
  assert.equal(shellWord("a b"), "'a b'");
  assert.equal(shellWord("it's"), `'it'\\''s'`);
  assert.equal(shellWord("$HOME"), "'$HOME'");
});
