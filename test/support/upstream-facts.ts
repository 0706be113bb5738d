// The upstream facts (upstream/<part>.json, docs/upstream.md) and the check of a command line
// against the options they list.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ScallopOption } from "../../scripts/upstream/scallop-options";

export interface OptionFacts {
  image: string;
  entrypoint: string[];
  options: ScallopOption[];
}

export function upstreamFacts<F extends { image: string }>(part: string): F {
  return JSON.parse(readFileSync(`upstream/${part}.json`, "utf8")) as F;
}

/**
 * Asserts that a stack's image is the upstream image the facts come from: the same, or its path
 * under a site registry (which takes the place of an upstream registry host such as `gcr.io`).
 */
export function assertImageIs(image: string, factImage: string): void {
  const path = /^[^/]*[.:][^/]*\//.test(factImage)
    ? factImage.slice(factImage.indexOf("/") + 1)
    : factImage;
  assert.match(image, new RegExp(`(^|/)${path.replace(/[.]/g, "\\.")}$`));
}

/** A duration as Go's `time.ParseDuration` reads it (`10s`, `1m30s`, `500ms`). */
export const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/** What a value of a Scallop type must look like, for the types the platform passes. */
const VALUE: Record<string, RegExp> = {
  Int: /^-?\d+$/,
  Long: /^-?\d+$/,
  Double: /^-?\d+(\.\d+)?$/,
  String: /^.+$/,
  /** Scallop's set of strings as Marathon parses it (`parseList`): comma-separated words. */
  "Set[String]": /^[a-z_]+(,[a-z_]+)*$/,
  ZkUrl: /^zk:\/\/[^/\s]+\/\S+$/,
  MesosMasterConnection: /^(zk:\/\/[^/\s]+\/\S+|[^\s:/]+:\d+)$/,
};

/**
 * Parses `--name [value]` options as Scallop would with `facts`' options: each must be one of
 * them, given once, with a value of its type (none for a flag or toggle); the required ones must
 * be there. Returns name → value.
 */
export function checkOptions(facts: OptionFacts, args: string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (let i = 0; i < args.length; i++) {
    assert.match(args[i], /^--[a-z_]+$/, `an option name at ${i}: ${args[i]}`);
    const given = args[i].slice(2);
    const option = facts.options.find(
      (o) => o.name === given || (o.prefix !== undefined && `${o.prefix}${o.name}` === given),
    );
    assert.ok(option, `--${given}: not an option of ${facts.image}`);
    assert.ok(!out.has(option.name), `--${option.name} given twice`);
    if (option.type === "Boolean" || option.type === "toggle") {
      out.set(option.name, undefined);
      continue;
    }
    const value = args[++i];
    assert.ok(value !== undefined && !value.startsWith("--"), `--${given} needs a value`);
    const shape = VALUE[option.type];
    assert.ok(shape, `--${given}: type ${option.type} has no check here yet`);
    assert.match(value, shape, `--${given}: a ${option.type}`);
    out.set(option.name, value);
  }
  for (const required of facts.options.filter((o) => o.required))
    assert.ok(out.has(required.name), `--${required.name} is required`);
  return out;
}
