import { z } from "zod";
import { PlatformInputError, InputProblem, formatPath, joinPath } from "./errors";

/**
 * Turns a schema failure into problems that name the file, the path and what was expected.
 * `prefix` is where the validated value sits inside the file (e.g. `config.lhcb-platform:hosts`).
 */
export function problemsFromZod(error: z.ZodError, file: string, prefix = ""): InputProblem[] {
  const problems = error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((k) => ({
        file,
        path: joinPath(prefix, formatPath([...issue.path, k])),
        expected: "unknown key; expected only the documented keys (see README.md)",
      }));
    }
    return [{ file, path: joinPath(prefix, formatPath(issue.path)), expected: messageOf(issue) }];
  });
  // A value can fail several checks at once (1e300 is no safe integer and over the maximum):
  // the first, the one the schema lists first, says what was expected.
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.path) && seen.add(p.path));
}

/** Parses `value` with `schema` or throws one error listing every problem. */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  file: string,
  prefix = "",
): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new PlatformInputError(problemsFromZod(result.error, file, prefix));
  return result.data;
}

/**
 * The issue's message; a required key that is absent is said to be missing, not "received
 * undefined"; a key a map does not take, what its keys must be.
 */
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_key" && issue.issues.length > 0) return issue.issues[0].message;
  const missing = /^Invalid input: (expected .+), received undefined$/.exec(issue.message);
  return missing ? `missing: ${missing[1]}` : issue.message;
}
