// scripts/toolchain/docker-provider-edits.sh, the edits build.sh makes to the Terraform docker
// provider's source before it builds the plugin, run on the provider's own files from the
// upstream archive (../shared/upstream, or PLATFORM_UPSTREAM): each changes exactly the lines it
// is for, and a second run, finding nothing left to edit, fails and names the file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test, TestContext } from "node:test";
import { PROJECT_ROOT } from "../../scripts/engine-stack";
import { tempDir } from "../../scripts/temp-dir";

const EDITS = join(PROJECT_ROOT, "scripts", "toolchain", "docker-provider-edits.sh");
const UPSTREAM = process.env.PLATFORM_UPSTREAM ?? resolve(PROJECT_ROOT, "..", "shared", "upstream");
const FILES = [
  "resource_docker_container_funcs.go",
  "resource_docker_network_funcs.go",
  "resource_docker_volume.go",
];

/**
 * A folder holding the provider's internal/provider/ files that the edits touch, as the upstream
 * archive has them; undefined where there is no archive.
 */
function providerSource(): string | undefined {
  const archive = existsSync(UPSTREAM)
    ? readdirSync(UPSTREAM).find((f) => /^terraform-provider-docker-.*\.tar\.gz$/.test(f))
    : undefined;
  if (archive === undefined) return undefined;
  const dir = tempDir("docker-provider-edits-");
  const members = FILES.map((f) => `terraform-provider-docker/internal/provider/${f}`);
  const r = spawnSync(
    "tar",
    ["-xzf", join(UPSTREAM, archive), "-C", dir, "--strip-components=1", ...members],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

function contents(dir: string): Record<string, string[]> {
  return Object.fromEntries(
    FILES.map((f) => [f, readFileSync(join(dir, "internal", "provider", f), "utf8").split("\n")]),
  );
}

/** Each file's changed lines, `before → after`, blanks squeezed (the files have the same line count). */
function changedLines(
  before: Record<string, string[]>,
  after: Record<string, string[]>,
): Record<string, string[]> {
  const squeeze = (l: string) => l.trim().replace(/\s+/g, " ");
  return Object.fromEntries(
    FILES.map((f) => {
      assert.equal(after[f].length, before[f].length, `${f}: lines added or removed`);
      const changed = before[f].flatMap((l, i) =>
        l === after[f][i] ? [] : [`${squeeze(l)} → ${squeeze(after[f][i])}`],
      );
      return [f, changed];
    }),
  );
}

function runEdit(edit: string, dir: string) {
  return spawnSync("bash", ["-c", '. "$1" && "$2" "$3"', "edit", EDITS, edit, dir], {
    encoding: "utf8",
  });
}

/**
 * Runs `edit` on the upstream files: it must change exactly `changes` (`changedLines`); run again,
 * it must fail with `failure` about the folder's files and leave them as they are.
 */
function checkEdit(
  t: TestContext,
  edit: string,
  changes: Record<string, string[]>,
  failure: (providerDir: string) => string,
): void {
  const dir = providerSource();
  if (dir === undefined) return t.skip(`no terraform-provider-docker archive in ${UPSTREAM}`);
  const before = contents(dir);
  const first = runEdit(edit, dir);
  assert.equal(first.status, 0, first.stderr);
  assert.deepEqual(changedLines(before, contents(dir)), changes);
  const edited = contents(dir);
  const again = runEdit(edit, dir);
  assert.equal(again.status, 1);
  assert.equal(again.stderr, `${failure(join(dir, "internal", "provider"))}\n`);
  assert.deepEqual(contents(dir), edited);
}

test("one_line_inspections: each file's indented inspection becomes json.Marshal, nothing else; run again, it fails naming the first file", (t) =>
  checkEdit(
    t,
    "one_line_inspections",
    {
      "resource_docker_container_funcs.go": [
        'jsonObj, _ := json.MarshalIndent(container, "", "\\t") → jsonObj, _ := json.Marshal(container)',
      ],
      "resource_docker_network_funcs.go": [
        'jsonObj, _ := json.MarshalIndent(retNetwork, "", "\\t") → jsonObj, _ := json.Marshal(retNetwork)',
      ],
      "resource_docker_volume.go": [
        'jsonObj, _ := json.MarshalIndent(volume, "", "\\t") → jsonObj, _ := json.Marshal(volume)',
      ],
    },
    (dir) =>
      `one_line_inspections: ${dir}/resource_docker_container_funcs.go has 0 indented inspections, expected 1`,
  ));

test("no_first_waits: the network's read and removal and the volume's removal wait 0 before their first look, nothing else changes; run again, it fails naming the file", (t) =>
  checkEdit(
    t,
    "no_first_waits",
    {
      "resource_docker_container_funcs.go": [],
      "resource_docker_network_funcs.go": [
        "networkReadRefreshDelay = 2 * time.Second → networkReadRefreshDelay = 0",
        "networkRemoveRefreshDelay = 2 * time.Second → networkRemoveRefreshDelay = 0",
      ],
      "resource_docker_volume.go": [
        "volumeReadRefreshDelay = 2 * time.Second → volumeReadRefreshDelay = 0",
      ],
    },
    (dir) =>
      `no_first_waits: ${dir}/resource_docker_network_funcs.go sets networkReadRefreshDelay to 2 s 0 times, expected 1`,
  ));
