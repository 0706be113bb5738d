// Logstash's facts, at the image tag the stacks name: every setting logstash.yml may hold (the
// settings Logstash and its x-pack register, with their kind, the values a setting allows where it
// lists them, and the old names kept as deprecated aliases), whether an unknown setting stops the
// start, the image's entrypoint and user, and for each plugin the platform's pipelines use, at the
// version that Logstash release bundles, every option it declares (its own and its base class's).
import { rubyArguments, rubyLiteral, rubyOptions } from "./ruby-source";

/** A setting of logstash.yml. */
export interface LogstashSetting {
  name: string;
  /** The `Setting` class: `Boolean`, `String`, `PositiveInteger`, `TimeValue`, ... */
  kind: string;
  /** The values a string setting allows, where it lists them. */
  allowed?: string[];
  /** The setting's old name, still read with a deprecation warning. */
  deprecatedAlias?: string;
  source: string;
}

/** An option of a plugin block (`port => 5044`). */
export interface PluginOption {
  name: string;
  /** The validator: `string`, `number`, `boolean`, `array`, `hash`, `codec`, `path`, ..., `values`, or `any` (none given). */
  validate: string;
  /** The values allowed, when the validator lists them. */
  values?: string[];
  required?: true;
  /** A list of values (a single one is taken as a list of one). */
  list?: true;
  /** Still read, with a deprecation warning. */
  deprecated?: true;
  /** Refused: Logstash stops at the option. */
  obsolete?: true;
  source: string;
}

/** The names a method that registers settings under a `prefix` argument is called with. */
function prefixesOf(source: string): string[] {
  const def = /def (\w+)\(\w+, prefix = "([^"]*)"\)/.exec(source);
  if (!def) return [""];
  const calls = [...source.matchAll(new RegExp(`\\b${def[1]}\\(\\w+(?:, "([^"]*)")?\\)`, "g"))];
  return calls.map((c) => c[1] ?? def[2]);
}

/** Every setting `source` (a Ruby file that registers settings) registers, with literal names. */
export function logstashSettings(source: string, path: string): LogstashSetting[] {
  const out: LogstashSetting[] = [];
  for (const m of source.matchAll(/\bSetting(?:::(\w+))?\.new\(/g)) {
    const args = rubyArguments(source, m.index + m[0].length - 1);
    const name = /^"([^"]+)"$/.exec(args[0] ?? "")?.[1];
    if (name === undefined || (name.includes("#{") && !name.includes("#{prefix}"))) continue;
    const kind = m[1] ?? "Setting";
    const listed = ["String", "CoercibleString", "StringArray"].includes(kind)
      ? rubyLiteral(args[3] ?? "")
      : undefined;
    const rest = source.slice(m.index, source.indexOf("\n", m.index));
    const alias = /\)\.with_deprecated_alias\("([^"]+)"\)/.exec(rest)?.[1];
    for (const prefix of name.includes("#{prefix}") ? prefixesOf(source) : [""])
      out.push({
        name: name.replace("#{prefix}", prefix),
        kind,
        ...(Array.isArray(listed) ? { allowed: listed } : {}),
        ...(alias !== undefined ? { deprecatedAlias: alias } : {}),
        source: path,
      });
  }
  return out;
}

/** The name a plugin class gives itself (`config_name "beats"`). */
export function pluginName(source: string): string | undefined {
  return /^\s*config_name\s+["']([^"']+)["']/m.exec(source)?.[1];
}

/** Every option `source` declares with `config :name, ...` (or `base.config(:name, ...)`). */
export function pluginOptions(source: string, path: string): PluginOption[] {
  const out: PluginOption[] = [];
  for (const m of source.matchAll(/^\s*(?:base\.)?config[ (](?=\s*:\w)/gm)) {
    const at = m.index + m[0].length - 1;
    const args = rubyArguments(source, source[at] === "(" ? at : at + 1);
    const opts = rubyOptions(args.slice(1));
    const validate = rubyLiteral(opts.validate ?? ":any");
    const flag = (key: string) => opts[key] !== undefined && opts[key] !== "false";
    out.push({
      name: args[0].slice(1),
      ...(Array.isArray(validate)
        ? { validate: "values", values: validate }
        : { validate: typeof validate === "string" ? validate : "expression" }),
      ...(opts.required === "true" ? { required: true as const } : {}),
      ...(opts.list === "true" ? { list: true as const } : {}),
      ...(flag("deprecated") ? { deprecated: true as const } : {}),
      ...(flag("obsolete") ? { obsolete: true as const } : {}),
      source: path,
    });
  }
  return out;
}

/** A plugin's options over its base classes': the plugin's own declaration of a name wins. */
export function mergedOptions(...layers: PluginOption[][]): PluginOption[] {
  const byName = new Map<string, PluginOption>();
  for (const layer of layers) for (const o of layer) byName.set(o.name, o);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The version of each gem a Gemfile lock pins (`    name (1.2.3-java)`), without the platform. */
export function lockedGems(lock: string): Record<string, string> {
  return Object.fromEntries(
    [...lock.matchAll(/^ {4}([\w-]+) \(([\d.]+)(?:-java)?\)$/gm)].map((m) => [m[1], m[2]]),
  );
}

/** The files that register the settings of logstash.yml (the core's, then x-pack's). */
const SETTINGS_FILES = [
  "logstash-core/lib/logstash/environment.rb",
  "logstash-core/lib/logstash/util/settings_helper.rb",
  "x-pack/lib/monitoring/monitoring.rb",
  "x-pack/lib/config_management/extension.rb",
  "x-pack/lib/geoip_database_management/extension.rb",
];

const CORE = "logstash-core/lib/logstash";
const PLUGIN_KINDS: Record<string, string> = {
  inputs: "input",
  filters: "filter",
  outputs: "output",
  codecs: "codec",
};

/** One plugin: the pipeline section it belongs in, its version, and its options with its bases'. */
export interface PluginFacts {
  kind: string;
  gem: string;
  version: string;
  options: PluginOption[];
}

/**
 * The facts of `upstream/logstash.json`, from git snapshots of elastic/logstash and of the plugins'
 * repositories (each read at the version the release's Gemfile lock pins).
 */
export function logstashFacts(
  image: string,
  logstash: { gitDir: string; read: (tag: string, path: string) => string },
  plugins: {
    gitDir: string;
    files: (tag: string) => string[];
    read: (tag: string, path: string) => string;
  }[],
  commitOf: (gitDir: string, tag: string) => string,
): object {
  const tag = `v${image.slice(image.lastIndexOf(":") + 1)}`;
  const core = (path: string) => logstash.read(tag, path);
  const at = (path: string) => `elastic/logstash@${tag}:${path}`;
  const settings = SETTINGS_FILES.flatMap((p) => logstashSettings(core(p), at(p)));
  const gems = lockedGems(core("Gemfile.jruby-3.1.lock.release"));
  const common = [
    ...pluginOptions(core(`${CORE}/plugin.rb`), at(`${CORE}/plugin.rb`)),
    ...pluginOptions(
      core(`${CORE}/plugins/ecs_compatibility_support.rb`),
      at(`${CORE}/plugins/ecs_compatibility_support.rb`),
    ),
  ];
  const pluginFacts: Record<string, PluginFacts> = {};
  const sources: object[] = [
    { repo: "elastic/logstash", tag, commit: commitOf(logstash.gitDir, tag) },
  ];
  for (const p of plugins) {
    const gemspec = p.files("HEAD").find((f) => /^[\w-]+\.gemspec$/.test(f));
    const gem = gemspec?.replace(/\.gemspec$/, "");
    if (gem === undefined || gems[gem] === undefined)
      throw new Error(`${p.gitDir}: not a plugin the Logstash ${tag} release bundles`);
    const version = gems[gem];
    const ptag = `v${version}`;
    for (const path of p.files(ptag)) {
      const m = /^lib\/logstash\/(inputs|filters|outputs|codecs)\/\w+\.rb$/.exec(path);
      const text = m ? p.read(ptag, path) : "";
      const name = pluginName(text);
      if (!m || name === undefined) continue;
      const base = `${CORE}/${m[1]}/base.rb`;
      const options = mergedOptions(
        common,
        pluginOptions(core(base), at(base)),
        pluginOptions(text, `logstash-plugins/${gem}@${ptag}:${path}`),
      );
      pluginFacts[`${PLUGIN_KINDS[m[1]]}/${name}`] = {
        kind: PLUGIN_KINDS[m[1]],
        gem,
        version,
        options,
      };
    }
    sources.push({ repo: `logstash-plugins/${gem}`, tag: ptag, commit: commitOf(p.gitDir, ptag) });
  }
  const dockerfile = core("docker/templates/Dockerfile.erb");
  const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
  return {
    part: "logstash",
    image,
    sources,
    entrypoint: JSON.parse(/^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)![1]) as string[],
    user: users[users.length - 1],
    // validate_all merges what from_yaml could not set without `graceful`: an unknown setting raises.
    unknownSettingStops: /def validate_all[\s\S]*?self\.merge\(@transient_settings\)\n/.test(
      core(`${CORE}/settings.rb`),
    ),
    unknownOptionStops: /Unknown setting '/.test(core(`${CORE}/config/mixin.rb`)),
    settings: settings.sort((a, b) => a.name.localeCompare(b.name)),
    plugins: pluginFacts,
  };
}
