// The checks of a stack that need its plan, run where a stack is loaded for a deployment or a
// render: no two parts of it on one port of a host, and no host shared on a port with another
// environment's stack in the project.
import { readdirSync } from "node:fs";
import { InputProblem, PlatformInputError } from "./core/errors";
import { plannedContainers } from "./plan";
import { MAX_CONTAINER_NAME } from "./core/naming";
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
    ...planProblems(spec, file, prefix),
    ...sharedHostClashes(spec, file, prefix, siblingStacks(projectDir, spec)),
  ];
  if (problems.length > 0) throw new PlatformInputError(problems);
  return spec;
}

/**
 * What a resolved spec's plan shows wrong, whatever the spec was read from (`file`, its paths
 * under `prefix`): container names too long or given twice, and ports given twice on a host.
 */
export function planProblems(spec: PlatformSpec, file: string, prefix: string): InputProblem[] {
  return [
    ...containerNameProblems(spec, file, prefix),
    ...containerNameClashes(spec),
    ...portClashes(spec, file, prefix),
  ];
}

/** Where a catalog entry is (its `name` in the catalog file). */
function entryPath(spec: PlatformSpec, key: string): InputProblem | undefined {
  const si = spec.services.findIndex((e) => e.key === key);
  const ai = spec.agents.findIndex((e) => e.key === key);
  if (si < 0 && ai < 0) return undefined;
  return {
    file: spec.catalogFile ?? "catalog",
    path: si >= 0 ? `services[${si}].name` : `agents[${ai}].name`,
    expected: "",
  };
}

/**
 * Catalog entries whose containers would take a name another container of the stack has (an
 * entry named like one of the platform's parts, `Consul/Agent` as `consul-agent`): Docker would
 * refuse the second one in the middle of the `up`. One problem per entry, naming the first clash.
 */
export function containerNameClashes(spec: PlatformSpec): InputProblem[] {
  const byName = new Map<string, string[]>();
  for (const { container } of plannedContainers(spec)) {
    const owner =
      container.labels?.["platform.service"] ?? `part ${container.labels?.["platform.component"]}`;
    byName.set(container.name, [...(byName.get(container.name) ?? []), owner]);
  }
  const found = new Map<string, InputProblem>();
  for (const [name, owners] of byName) {
    if (owners.length < 2) continue;
    for (const key of owners) {
      const where = entryPath(spec, key);
      if (where === undefined || found.has(key)) continue;
      const other = owners.find((o) => o !== key) ?? `another instance of ${key}`;
      found.set(key, {
        ...where,
        expected: `a name whose containers no other container of the stack has: ${name} would also be ${other.startsWith("part ") ? `the platform's ${other.slice(5)}` : `entry ${other}'s`}`,
      });
    }
  }
  return [...found.values()];
}

/**
 * Containers whose name (`<stack>-<part>-<host>`, `<stack>-<entry>-<host>`), which is also their
 * hostname and their DNS name on the platform network, would be longer than a DNS label: one
 * problem per entry name or host id that makes one, with the longest name it makes.
 */
export function containerNameProblems(
  spec: PlatformSpec,
  file: string,
  prefix: string,
): InputProblem[] {
  const longest = new Map<string, { problem: InputProblem; length: number }>();
  for (const { hostId, container } of plannedContainers(spec)) {
    const name = container.name;
    if (name.length <= MAX_CONTAINER_NAME) continue;
    // A container nobody reaches by name (no hostname, no alias: a Docker API proxy) is not held to it.
    if (container.hostname === undefined && (container.aliases ?? []).length === 0) continue;
    const entry = entryPath(spec, container.labels?.["platform.service"] ?? "");
    const where = entry ?? {
      file,
      path: `${prefix}hosts[${spec.hosts.findIndex((h) => h.id === hostId)}].id`,
    };
    const key = `${where.file}\0${where.path}`;
    if ((longest.get(key)?.length ?? 0) >= name.length) continue;
    longest.set(key, {
      length: name.length,
      problem: {
        file: where.file,
        path: where.path,
        expected: `a shorter ${entry === undefined ? "host id" : "name"}: the container ${name} would have a name of ${name.length} characters, and a container's name is its hostname, at most ${MAX_CONTAINER_NAME} (stack name, part or entry, and host id together)`,
      },
    });
  }
  return [...longest.values()].map((v) => v.problem);
}
