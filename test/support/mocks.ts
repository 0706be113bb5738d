import * as pulumi from "@pulumi/pulumi";
import { computedCallResult, computedState } from "../../scripts/mock-provider-state";

export { mockKeyAndCertificate } from "../../scripts/mock-provider-state";

/** A resource the program declared under mocks. */
export interface DeclaredResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider?: string;
  parent?: string;
}

/**
 * Installs Pulumi mocks of a probe program (project and stack `probe`) that give each resource its
 * inputs as its state and each call its inputs as its result, recording nothing.
 */
export function installEchoMocks(): Promise<void> {
  return pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    "probe",
    "probe",
    false,
  );
}

/**
 * Installs Pulumi mocks that record every declared resource. Call once per test file (each test
 * file runs in its own process, so the process-global mocks never leak between files).
 */
export function installMocks(stack = "test"): DeclaredResource[] {
  const declared: DeclaredResource[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        declared.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          provider: args.provider,
        });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computedState(args) } };
      },
      call: computedCallResult,
    },
    "lhcb-platform",
    stack,
    false,
  );
  recordDependencies();
  return declared;
}

/** The names of the resources each registration told the engine it depends on, by resource name. */
const dependenciesByName = new Map<string, string[]>();
/** Each registration's `deleteBeforeReplace` option, by resource name (undefined: not set, the provider decides). */
const deleteBeforeReplaceByName = new Map<string, boolean | undefined>();
/** Each registration's `ignoreChanges` option, by resource name. */
const ignoreChangesByName = new Map<string, string[]>();
/** Each registration's `retainOnDelete` option, by resource name (false where not set). */
const retainOnDeleteByName = new Map<string, boolean>();
/** The name of each registration's `deletedWith` resource, by resource name ("" where not set). */
const deletedWithByName = new Map<string, string>();
/** The outputs each registration asked the engine to keep secret, by resource name. */
const secretOutputsByName = new Map<string, string[]>();

/** Records what each registration request carries to the engine as its dependencies (the mocks' `newResource` does not see them). */
function recordDependencies(): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(
      req: {
        getName(): string;
        getDependenciesList(): string[];
        getAdditionalsecretoutputsList(): string[];
        getDeletebeforereplace(): boolean;
        getDeletebeforereplacedefined(): boolean;
        getIgnorechangesList(): string[];
        getRetainondelete(): boolean | undefined;
        getDeletedwith(): string;
      },
      cb: unknown,
    ): void;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    secretOutputsByName.set(req.getName(), req.getAdditionalsecretoutputsList());
    ignoreChangesByName.set(req.getName(), req.getIgnorechangesList());
    retainOnDeleteByName.set(req.getName(), req.getRetainondelete() === true);
    const deletedWith = req.getDeletedwith();
    deletedWithByName.set(req.getName(), deletedWith.slice(deletedWith.lastIndexOf("::") + 2));
    deleteBeforeReplaceByName.set(
      req.getName(),
      req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
    );
    dependenciesByName.set(
      req.getName(),
      req.getDependenciesList().map((urn) => urn.slice(urn.lastIndexOf("::") + 2)),
    );
    register(req, cb);
  };
}

/**
 * How `name` was registered to be replaced: `true` the old one deleted first, `false` the new one
 * created first, `undefined` as its provider says.
 */
export function deleteBeforeReplaceOf(name: string): boolean | undefined {
  if (!deleteBeforeReplaceByName.has(name))
    throw new Error(`no registration of ${name} was recorded`);
  return deleteBeforeReplaceByName.get(name);
}

/** The inputs whose changes `name` was registered as ignoring (`ignoreChanges`). */
export function ignoreChangesOf(name: string): string[] {
  const ignored = ignoreChangesByName.get(name);
  if (ignored === undefined) throw new Error(`no registration of ${name} was recorded`);
  return ignored;
}

/**
 * The name of the resource `name` was registered as deleted with (`deletedWith`: not deleted
 * itself when that one goes in the same run), "" where none.
 */
export function deletedWithOf(name: string): string {
  const with_ = deletedWithByName.get(name);
  if (with_ === undefined) throw new Error(`no registration of ${name} was recorded`);
  return with_;
}

/** Whether `name` was registered to be forgotten rather than deleted (`retainOnDelete`). */
export function retainOnDeleteOf(name: string): boolean {
  const retained = retainOnDeleteByName.get(name);
  if (retained === undefined) throw new Error(`no registration of ${name} was recorded`);
  return retained;
}

/** The outputs `name` was registered as keeping secret (`additionalSecretOutputs`). */
export function secretOutputsOf(name: string): string[] {
  const outputs = secretOutputsByName.get(name);
  if (outputs === undefined) throw new Error(`no registration of ${name} was recorded`);
  return outputs;
}

/** The names of the resources `name` was registered as depending on (`dependsOn` and its inputs' resources), sorted. */
export function dependenciesOf(name: string): string[] {
  const deps = dependenciesByName.get(name);
  if (deps === undefined) throw new Error(`no registration of ${name} was recorded`);
  return [...deps].sort();
}

/** Waits until no new resource has been declared for a few turns of the event loop. */
export async function settle(declared: DeclaredResource[]): Promise<void> {
  let last = -1;
  let stable = 0;
  while (stable < 5) {
    await new Promise((r) => setTimeout(r, 5));
    if (declared.length === last) stable++;
    else {
      stable = 0;
      last = declared.length;
    }
  }
}

/** Pulumi's signature on a secret value as the mocks are handed it. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/** Whether the mocks were handed `v` as a secret. */
export function isSecretInput(v: unknown): boolean {
  return v !== null && typeof v === "object" && SECRET_SIGNATURE in v;
}

/** An input as the mocks were handed it, with every secret in it (at any depth) replaced by its value. */
export function plainInput(v: unknown): unknown {
  if (isSecretInput(v)) return plainInput((v as { value: unknown }).value);
  if (Array.isArray(v)) return v.map(plainInput);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainInput(x)]));
  return v;
}

/** The uploads of container resource `name` among `declared`, secret or not, by path. */
export function uploadsByPath(declared: DeclaredResource[], name: string): Map<string, string> {
  const uploads = plainInput(byName(declared, name).inputs.uploads) as {
    file: string;
    content: string;
  }[];
  return new Map(uploads.map((u) => [u.file, u.content]));
}

/** The value of an output (secret or not). */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Resources of one type. */
export function ofType(declared: DeclaredResource[], type: string): DeclaredResource[] {
  return declared.filter((r) => r.type === type);
}

/** The one resource with this logical name; fails loudly otherwise. */
export function byName(declared: DeclaredResource[], name: string): DeclaredResource {
  const found = declared.filter((r) => r.name === name);
  if (found.length !== 1)
    throw new Error(`expected one resource named ${name}, found ${found.length}`);
  return found[0];
}

/** Counts per resource type, sorted by type, for exact comparisons. */
export function countByType(declared: DeclaredResource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of declared) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}
