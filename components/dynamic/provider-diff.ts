/** Diff helpers shared by the dynamic providers (plain functions: they are serialized with them). */

/** JSON with object keys sorted, so equal values compare equal whatever order the engine gave. */
export function stableJson(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => stableJson(v)).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`).join(",")}}`;
}

/** The keys among `keys` whose values differ between the old outputs and the new inputs. */
export function changedKeys(keys: readonly string[], olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
  return keys.filter((k) => stableJson(olds[k]) !== stableJson(news[k]));
}

export interface ReplaceDiff {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** Any change of the given inputs replaces the resource, deleting the old one first. */
export function replaceOnAnyChange(keys: readonly string[], olds: Record<string, unknown>, news: Record<string, unknown>): ReplaceDiff {
  const replaces = changedKeys(keys, olds, news);
  return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
}
