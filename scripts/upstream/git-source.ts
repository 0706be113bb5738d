// Reading a repository's files at a tag from a git snapshot (bare or not), as the extractors do.
import { execFileSync } from "node:child_process";

/** A file of a repository at a tag. */
export function show(gitDir: string, tag: string, path: string): string {
  return execFileSync("git", ["--git-dir", gitDir, "show", `${tag}:${path}`], {
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
}

/** The paths of a repository at a tag under `dir` that end in `suffix`. */
export function files(gitDir: string, tag: string, dir: string, suffix: string): string[] {
  return execFileSync("git", ["--git-dir", gitDir, "ls-tree", "-r", "--name-only", tag, dir], {
    encoding: "utf8",
  })
    .split("\n")
    .filter((p) => p.endsWith(suffix))
    .sort();
}

/** The commit a tag names. */
export function commitOf(gitDir: string, tag: string): string {
  return execFileSync("git", ["--git-dir", gitDir, "rev-parse", `${tag}^{commit}`], {
    encoding: "utf8",
  }).trim();
}

/** The git directory of a snapshot: `DIR/.git` for a work tree, else `DIR` itself. */
export function gitDirOf(dir: string): string {
  return execFileSync("git", ["-C", dir, "rev-parse", "--absolute-git-dir"], {
    encoding: "utf8",
  }).trim();
}
