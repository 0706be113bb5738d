// The checks of a stack that need its plan, run where a stack is loaded for a deployment or a
// render: no two parts of it on one port of a host, and no host shared on a port with another
// environment's stack in the project.
import { readdirSync } from "node:fs";
import { PlatformInputError } from "./core/errors";
import { PlatformSpec } from "./core/platform-spec";
import { CONFIG_NAMESPACE, loadPlatform, readStackFile } from "./core/stack-config";
import { portClashes, sharedHostClashes, SiblingStack } from "./host-ports";

const STACK_FILE = /^Pulumi\.(.+)\.yaml$/;

/** Addresses of a stack file's hosts, lower case, read without validating the file. */
function addressesIn(entries: Record<string, unknown>): string[] {
  let hosts = entries[`${CONFIG_NAMESPACE}:hosts`];
  if (typeof hosts === "string") {
    try {
      hosts = JSON.parse(hosts) as unknown;
    } catch {
      return [];
    }
  }
  if (!Array.isArray(hosts)) return [];
  return hosts
    .map((h) => (h as { address?: unknown })?.address)
    .filter((a): a is string => typeof a === "string")
    .map((a) => a.toLowerCase());
}

/**
 * The project's other stacks that name one of `spec`'s hosts, resolved. A stack file that does
 * not resolve is left out: its own run reports what is wrong with it.
 */
export function siblingStacks(projectDir: string, spec: PlatformSpec): SiblingStack[] {
  if (spec.local) return [];
  const mine = new Set(spec.hosts.map((h) => h.address.toLowerCase()));
  const out: SiblingStack[] = [];
  for (const name of readdirSync(projectDir).sort()) {
    const stack = STACK_FILE.exec(name)?.[1];
    if (stack === undefined || stack === spec.stack) continue;
    try {
      const { file, entries } = readStackFile(projectDir, stack);
      if (!addressesIn(entries).some((a) => mine.has(a))) continue;
      out.push({ file, spec: loadPlatform(projectDir, stack, entries, file) });
    } catch {
      continue;
    }
  }
  return out;
}

/** `loadPlatform`, then the port checks: every problem at once in one `PlatformInputError`. */
export function loadCheckedPlatform(
  projectDir: string,
  stack: string,
  entries: Record<string, unknown>,
  file: string,
): PlatformSpec {
  const spec = loadPlatform(projectDir, stack, entries, file);
  const prefix = `config.${CONFIG_NAMESPACE}:`;
  const problems = [
    ...portClashes(spec, file, prefix),
    ...sharedHostClashes(spec, file, prefix, siblingStacks(projectDir, spec)),
  ];
  if (problems.length > 0) throw new PlatformInputError(problems);
  return spec;
}
