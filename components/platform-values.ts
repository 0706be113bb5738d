// The platform from plain values, checked as a stack file is: the entry point beside the
// stack-file one (`loadCheckedPlatform`) for a project with a configuration of its own.
import { PlatformInputError } from "./core/errors";
import { PlatformValues, resolvePlatformValues } from "./core/platform-input";
import { PlatformSpec } from "./core/platform-spec";
import { planProblems } from "./stack-checks";

/**
 * Validates and resolves the platform from plain values (`resolvePlatformValues`), then checks its
 * plan as a stack file's is: no container name too long or given twice, no port given twice on a
 * host. Bad input throws one `PlatformInputError` listing every problem, each naming the source
 * (`sources`), the path inside it (`hosts[2].cpus`) and what was expected; nothing is declared
 * before it returns.
 */
export function platformFromValues(values: PlatformValues): PlatformSpec {
  const spec = resolvePlatformValues(values);
  const problems = planProblems(spec, values.sources?.config ?? "config", "");
  if (problems.length > 0) throw new PlatformInputError(problems);
  return spec;
}
