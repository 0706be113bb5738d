import { CatalogInput } from "./catalog-schema";
import { parseCatalog } from "./catalog";
import { StackConfigInput, stackConfigSchema } from "./config-schema";
import { PlatformInputError } from "./errors";
import { PlatformSpec, resolvePlatform } from "./platform-spec";
import { parseWith } from "./validate";
import { attempt } from "./stack-config";

/** The platform as plain values, for a project with a configuration of its own (no stack file, no catalog file). */
export interface PlatformValues {
  /** The stack's name: part of every physical name (`<stack>-zookeeper-<host>`), and the default environment (`local`, `cert`, `prod`). */
  stack: string;
  /**
   * The platform's settings, as they would stand under `lhcb-platform:` in a stack file (hosts,
   * images, features, ...; README.md, "Stack config"), without `catalog`: the catalog comes as a
   * value. Secrets (gossip key, passwords, SSH key) are not settings: `Platform` takes them.
   */
  config: Omit<StackConfigInput, "catalog">;
  /** The services and agents, as a catalog file holds them. */
  catalog: CatalogInput;
  /** How messages name the two values: by default `config` and `catalog`; a project names its own sources. */
  sources?: { config?: string; catalog?: string };
}

/**
 * Validates and resolves the platform from plain values, as `loadPlatform` does a stack file's:
 * the schemas and the checks of the settings and catalog together. Bad input throws one
 * `PlatformInputError` listing every problem, each naming the source (`sources`), the path inside
 * it (`hosts[2].cpus`) and what was expected. The checks that need the plan (container names,
 * ports) are `platformFromValues`'s (components/platform-values.ts).
 */
export function resolvePlatformValues(values: PlatformValues): PlatformSpec {
  const configSource = values.sources?.config ?? "config";
  const catalogSource = values.sources?.catalog ?? "catalog";
  if (values.config !== null && typeof values.config === "object" && "catalog" in values.config) {
    throw new PlatformInputError([
      {
        file: configSource,
        path: "catalog",
        expected: "no catalog path: the catalog is given as a value (PlatformValues.catalog)",
      },
    ]);
  }
  // Both values are checked before either's problems are thrown, so one message lists them all.
  const config = attempt(() => parseWith(stackConfigSchema, values.config, configSource));
  const catalog = attempt(() => parseCatalog(values.catalog, catalogSource));
  if (!config.ok || !catalog.ok)
    throw new PlatformInputError([
      ...(config.ok ? [] : config.problems),
      ...(catalog.ok ? [] : catalog.problems),
    ]);
  return resolvePlatform(config.value, catalog.value, {
    stack: values.stack,
    configFile: configSource,
    configPrefix: "",
  });
}
