// A stack file's spec with some of its entries changed, and the problems an input error lists:
// for tests that vary a stack's settings.
import assert from "node:assert/strict";
import { PlatformInputError } from "../../components/core/errors";
import { PlatformSpec } from "../../components/core/platform-spec";
import { loadPlatform, readStackFile } from "../../components/core/stack-config";

/** Stack `stack`'s spec with `entries` (full keys, `lhcb-platform:...`) set over its stack file's. */
export function specWith(stack: string, entries: Record<string, unknown> = {}): PlatformSpec {
  const root = process.cwd();
  const { file, entries: own } = readStackFile(root, stack);
  return loadPlatform(root, stack, { ...own, ...entries }, file);
}

/** The problems of a `PlatformInputError` thrown by `f`, as `file path: expected`. */
export function inputProblems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof PlatformInputError)
      return e.problems.map((p) => `${p.file} ${p.path}: ${p.expected}`);
    throw e;
  }
  assert.fail("no problem was found");
}
