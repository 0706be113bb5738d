import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parseCatalogYaml } from "./catalog";
import { StackConfig, stackConfigSchema } from "./config-schema";
import { InputProblem, PlatformInputError } from "./errors";
import { PlatformSpec, resolvePlatform } from "./platform-spec";
import { parseWith } from "./validate";
import { parseYamlText } from "./yaml-file";

/** The config namespace of the project: keys are written `lhcb-platform:hosts`. */
export const CONFIG_NAMESPACE = "lhcb-platform";

/** Keys that hold secrets; read as Pulumi secrets by the program, never validated as plain values. */
export const SECRET_KEYS = [
  "grafanaAdminPassword",
  "consulGossipKey",
  "consulManagementToken",
  "sshPrivateKey",
  "registryPassword",
  "grafanaCertificateKey",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

const STRUCTURED = new Set([
  "images",
  "hosts",
  "failedHosts",
  "lostHosts",
  "adminNetworks",
  "features",
  "loadBalancer",
  "consul",
  "dirac",
]);

/**
 * Validates the project's config entries (`lhcb-platform:key` → value, as in the stack file or as
 * the engine hands them over, where structured values arrive as JSON text). Keys of other
 * namespaces are left to their owners; unknown keys of ours are refused.
 */
export function stackConfigFromEntries(
  entries: Record<string, unknown>,
  file: string,
): StackConfig {
  const ours: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, raw] of Object.entries(entries)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if ((SECRET_KEYS as readonly string[]).includes(key)) continue;
    let value = raw;
    if (STRUCTURED.has(key) && typeof raw === "string") {
      try {
        value = JSON.parse(raw);
      } catch {
        throw new PlatformInputError([
          { file, path: `config.${fullKey}`, expected: "a structured value (map or list)" },
        ]);
      }
    }
    ours[key] = value;
  }
  return parseWith(stackConfigSchema, ours, file, `config.${prefix}`);
}

/** Reads `Pulumi.<stack>.yaml` from `projectDir` and returns its `config:` entries. */
export function readStackFile(
  projectDir: string,
  stack: string,
): { file: string; entries: Record<string, unknown> } {
  const file = `Pulumi.${stack}.yaml`;
  let text: string;
  try {
    text = readFileSync(join(projectDir, file), "utf8");
  } catch {
    throw new PlatformInputError([
      { file, path: "", expected: `a stack file ${file} in ${projectDir}` },
    ]);
  }
  const doc = parseYamlText(text, file);
  const entries = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
  return { file, entries };
}

/** Reads the catalog file named by the config: relative to `projectDir`, or an absolute path. */
export function readCatalog(projectDir: string, path: string) {
  let text: string;
  try {
    text = readFileSync(isAbsolute(path) ? path : join(projectDir, path), "utf8");
  } catch {
    throw new PlatformInputError([
      {
        file: path,
        path: "",
        expected: "a readable catalog file (config key lhcb-platform:catalog)",
      },
    ]);
  }
  return parseCatalogYaml(text, path);
}

/** Config entries and stack → the resolved platform, reading the catalog the config names. */
export function loadPlatform(
  projectDir: string,
  stack: string,
  entries: Record<string, unknown>,
  file: string,
): PlatformSpec {
  const config = attempt(() => stackConfigFromEntries(entries, file));
  // The catalog is read even when the stack file has problems (at the path it names, or the
  // default), so one message lists the problems of both.
  const catalogPath = config.ok ? config.value.catalog : namedCatalog(entries);
  const catalogFile = isAbsolute(catalogPath) ? catalogPath : join(projectDir, catalogPath);
  // With a stack file in error, a catalog that is not there is left unsaid: its path may be one.
  const catalogRead = config.ok || existsSync(catalogFile);
  const catalog = catalogRead
    ? attempt(() => readCatalog(projectDir, catalogPath))
    : ({ ok: false, problems: [] } as const);
  if (!config.ok || !catalog.ok)
    throw new PlatformInputError([
      ...(config.ok ? [] : config.problems),
      ...(catalog.ok ? [] : catalog.problems),
    ]);
  return resolvePlatform(config.value, catalog.value, {
    stack,
    configFile: file,
    configPrefix: `config.${CONFIG_NAMESPACE}:`,
  });
}

/** The catalog path a stack file names, read without validating the rest; the default when it names none usable. */
function namedCatalog(entries: Record<string, unknown>): string {
  const path = stackConfigSchema.shape.catalog;
  const named = path.safeParse(entries[`${CONFIG_NAMESPACE}:catalog`]);
  return named.success ? named.data : path.parse(undefined);
}

/** What `parse` returns, or the problems of the `PlatformInputError` it throws. */
export function attempt<T>(
  parse: () => T,
): { ok: true; value: T } | { ok: false; problems: InputProblem[] } {
  try {
    return { ok: true, value: parse() };
  } catch (e) {
    if (e instanceof PlatformInputError) return { ok: false, problems: [...e.problems] };
    throw e;
  }
}

/** Reads a stack file and resolves it: what the render command and tests use. */
export function loadPlatformFromStackFile(projectDir: string, stack: string): PlatformSpec {
  const { file, entries } = readStackFile(projectDir, stack);
  return loadPlatform(projectDir, stack, entries, file);
}
