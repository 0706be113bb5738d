// The local stack's own values, and the problems an input error lists: for tests that vary them.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CatalogInput } from "../../components/core/catalog-schema";
import { PlatformInputError } from "../../components/core/errors";
import { PlatformValues } from "../../components/core/platform-input";

const ROOT = join(__dirname, "..", "..");

/** The local stack's settings as plain values: its stack file's `lhcb-platform:` keys, less the catalog path. */
export function localValues(): { config: PlatformValues["config"]; catalog: CatalogInput } {
  const entries = (
    parse(readFileSync(join(ROOT, "Pulumi.local.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    }
  ).config;
  const config = Object.fromEntries(
    Object.entries(entries).map(([k, v]) => [k.replace(/^lhcb-platform:/, ""), v]),
  );
  const catalog = parse(readFileSync(join(ROOT, String(config.catalog)), "utf8")) as CatalogInput;
  delete config.catalog;
  return { config: config as PlatformValues["config"], catalog };
}

/** The problems of a `PlatformInputError` thrown by `f`, as `file: path: expected` lines. */
export function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof PlatformInputError, String(e));
    return e.message.split("\n");
  }
  assert.fail("no error");
}
