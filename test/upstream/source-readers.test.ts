// The readers of Go structs, Jackson deserializers and RAML type libraries that scripts/upstream/extract.ts uses.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stringConstants, taggedFields } from "../../scripts/upstream/go-struct-fields";
import { goFlags, goImports, linkedPackages } from "../../scripts/upstream/go-flags";
import { goImportSpecs } from "../../scripts/upstream/go-imports";
import { importAliases, tomlKeys } from "../../scripts/upstream/go-toml-keys";
import { jacksonReads } from "../../scripts/upstream/jackson-reads";
import {
  lockedGems,
  logstashSettings,
  mergedOptions,
  pluginName,
  pluginOptions,
} from "../../scripts/upstream/logstash-facts";
import { ramlTypes } from "../../scripts/upstream/raml-types";
import { declaredTypes } from "../../scripts/upstream/ts-declarations";

test("Jackson reads: root keys, named nodes, chained gets, elements of arrays until their block ends", () => {
  const source = `
    val name = node.get("name").asText // node.get("commented")
    val shell = if (node.has("shell") && node.get("shell") != null) node.get("shell").asBoolean else true
    if (node.has("container") && node.get("container").has("image")) {
      val containerNode = node.get("container")
      val net = containerNode.get("network").asText
      containerNode
        .get("volumes")
        .elements()
        .map {
          case node: ObjectNode =>
            val host = node.get("hostPath").asText
            if (node.has("external")) node.get("external").get("name").asText
        }
      val image = containerNode.get("image").asText
    }
    node.get("env").elements().map { case pm: ObjectNode => pm.get("value") }
    val after = node.get("retries").asInt
    val text = "node.get(\\"inString\\")"
  `;
  assert.deepEqual(jacksonReads(source), [
    "container",
    "container.image",
    "container.network",
    "container.volumes",
    "container.volumes[].external",
    "container.volumes[].external.name",
    "container.volumes[].hostPath",
    "env",
    "env[].value",
    "name",
    "retries",
    "shell",
  ]);
});

test("Go struct fields by their mapstructure key, and string constants", () => {
  const source = `
const (
	PingTypeUDP    = "udp"
	PingTypeSocket = "socket"
)

type Other struct {
	X string \`mapstructure:"x"\`
}

type HumanConfig struct {
	LogLevel  flags.StringValue   \`mapstructure:"log_level"\`
	NodeMeta  []map[string]string \`mapstructure:"external_node_meta"\`
	Internal  string
	Skipped   string \`mapstructure:"-"\`
	Threshold intValue \`mapstructure:"passing_threshold,omitempty"\`
}
`;
  assert.deepEqual(taggedFields(source, "HumanConfig"), [
    { field: "LogLevel", goType: "flags.StringValue", key: "log_level" },
    { field: "NodeMeta", goType: "[]map[string]string", key: "external_node_meta" },
    { field: "Threshold", goType: "intValue", key: "passing_threshold" },
  ]);
  assert.deepEqual(stringConstants(source), { PingTypeUDP: "udp", PingTypeSocket: "socket" });
  assert.throws(() => taggedFields(source, "Missing"), /no struct Missing/);
});

test("RAML types: qualified through `uses`, optional and pattern properties, inline and array types, unions, enums, bases", () => {
  const types = ramlTypes({
    "app.raml": `#%RAML 1.0 Library
uses:
  strings: stringTypes.raml
types:
  Mode:
    type: string
    enum: [A, B]
  Base:
    type: object
    properties:
      id: strings.PathId
  App:
    type: Base
    properties:
      mode?: Mode
      args?:
        type: array
        items: string
      env?:
        type: object
        properties:
          /^.*$/: (string | strings.Secret)
      ports?: Port[]
      note:
        required: false
`,
  });
  assert.deepEqual(types["app.Mode"], { base: ["string"], enum: ["A", "B"] });
  assert.deepEqual(types["app.App"], {
    base: ["app.Base"],
    properties: {
      mode: { type: "app.Mode", required: false },
      args: { type: { base: ["array"], items: "string" }, required: false },
      env: {
        type: {
          base: ["object"],
          patterns: [{ pattern: "^.*$", type: "(string | stringTypes.Secret)" }],
        },
        required: false,
      },
      ports: { type: "app.Port[]", required: false },
      note: { type: "string", required: false },
    },
  });
  assert.deepEqual(types["app.Base"].properties, {
    id: { type: "stringTypes.PathId", required: true },
  });
});

test("Go flags: every flag function, with its kind and default; Var flags; a flag set's own", () => {
  const source = `
var (
	port = flag.Int("port", 8080, "port to listen")
	only = flag.Bool("docker_only", false, fmt.Sprintf("a %s, b", "c"))
	every = flag.Duration("housekeeping_interval", 1*time.Second, \`interval\`)
)
func init() {
	flag.Var(&ignoreMetrics, "disable_metrics", "metrics")
	flag.StringVar(&argIP, "listen_ip", "", "ip")
	commandLine.BoolVar(&logging.toStderr, "logtostderr", true, "log to standard error")
	other.String("not_this", "", "another package's")
}`;
  assert.deepEqual(
    goFlags(source, "f.go").map(({ name, kind, default: d }) => [name, kind, d]),
    [
      ["port", "Int", "8080"],
      ["docker_only", "Bool", "false"],
      ["housekeeping_interval", "Duration", "1*time.Second"],
      ["disable_metrics", "Var", undefined],
      ["listen_ip", "String", '""'],
    ],
  );
  assert.deepEqual(
    goFlags(source, "f.go", ["commandLine"]).map((f) => f.name),
    ["logtostderr"],
  );
});

test("Go packages a main links: its module's imports followed, across modules, nothing else", () => {
  const tree: Record<string, Record<string, string>> = {
    cmd: {
      "cmd/main.go":
        'import (\n\t"fmt"\n\t"example.com/m/lib"\n\t_ "example.com/m/cmd/internal/x"\n)',
    },
    "cmd/internal/x": { "cmd/internal/x/x.go": 'import "example.com/m/lib/deep"' },
    lib: { "lib/lib.go": 'import "example.com/m/lib/deep"' },
    "lib/deep": { "lib/deep/deep.go": 'import "os"' },
    unused: { "unused/u.go": "" },
  };
  const files = (dir: string) => Object.keys(tree[dir] ?? {});
  const read = (p: string) => tree[p.slice(0, p.lastIndexOf("/"))][p];
  assert.deepEqual(
    linkedPackages("cmd", { "example.com/m": ".", "example.com/m/cmd": "cmd" }, files, read),
    ["cmd", "cmd/internal/x", "lib", "lib/deep"],
  );
});

test("Go TOML keys: tables and arrays of tables followed into the module, text values and outside types kept as values", () => {
  const sources: Record<string, string> = {
    "cmd/run": [
      "package run",
      "import (",
      '\t"example.com/db/services/meta"',
      '\tin "example.com/db/services/udp"',
      '\t"github.com/other/ext"',
      ")",
      "type Config struct {",
      '\tMeta   *meta.Config `toml:"meta"`',
      '\tUDP    []in.Config  `toml:"udp"`',
      '\tExt    ext.Config   `toml:"ext"`',
      '\tName   string       `toml:"name"`',
      '\tIgnored string      `toml:"-"`',
      "\tuntagged int",
      "}",
    ].join("\n"),
    "services/meta": [
      "package meta",
      'import "example.com/db/toml"',
      "type Config struct {",
      '\tDir     string        `toml:"dir"`',
      '\tTimeout toml.Duration `toml:"timeout"`',
      '\tFilters []Filter      `toml:"filters"`',
      "}",
      "type Filter struct { Code int }",
      "func (f *Filter) UnmarshalText(text []byte) error { return nil }",
    ].join("\n"),
    "services/udp": 'package udp\ntype Config struct {\n\tBind string `toml:"bind-address"`\n}',
    toml: "package toml\ntype Duration int64",
  };
  const keys = tomlKeys("example.com/db", "cmd/run", "Config", (dir) => sources[dir] ?? "");
  assert.deepEqual(keys, [
    { key: "meta", goType: "*meta.Config", kind: "table" },
    { key: "meta.dir", goType: "string", kind: "value" },
    { key: "meta.timeout", goType: "toml.Duration", kind: "value" },
    { key: "meta.filters", goType: "[]Filter", kind: "value" },
    { key: "udp", goType: "[]in.Config", kind: "tables" },
    { key: "udp.bind-address", goType: "string", kind: "value" },
    { key: "ext", goType: "ext.Config", kind: "value" },
    { key: "name", goType: "string", kind: "value" },
  ]);
});

test("Go import specs: every block and single line, with aliases; blank imports linked, not named", () => {
  const source = [
    "package run",
    'import "fmt"',
    "import (",
    '\t"os"',
    '\tcoll "github.com/x/y/collectd"',
    '\t_ "github.com/x/y/plugins"',
    ")",
    "var a = 1",
    "import (",
    '\t. "github.com/x/y/dot"',
    '\t"github.com/x/y/services/http" // the API',
    ")",
    'import z "github.com/x/z"',
  ].join("\n");
  assert.deepEqual(goImportSpecs(source), [
    { path: "os" },
    { alias: "coll", path: "github.com/x/y/collectd" },
    { alias: "_", path: "github.com/x/y/plugins" },
    { alias: ".", path: "github.com/x/y/dot" },
    { path: "github.com/x/y/services/http" },
    { path: "fmt" },
    { alias: "z", path: "github.com/x/z" },
  ]);
  assert.deepEqual(goImports(source), [
    "os",
    "github.com/x/y/collectd",
    "github.com/x/y/plugins",
    "github.com/x/y/dot",
    "github.com/x/y/services/http",
    "fmt",
    "github.com/x/z",
  ]);
  assert.deepEqual(importAliases(source), {
    os: "os",
    coll: "github.com/x/y/collectd",
    http: "github.com/x/y/services/http",
    fmt: "fmt",
    z: "github.com/x/z",
  });
});

test("Logstash settings: each registered with its kind, allowed values, deprecated alias; prefixed ones expanded", () => {
  const environment = `
  [
           Setting::Boolean.new("allow_superuser", true),
            Setting::String.new("api.http.host", "127.0.0.1").with_deprecated_alias("http.host"),
   Setting::CoercibleString.new("pipeline.ordered", "auto", true, ["auto", "true", "false"]),
            Setting::String.new("log.format", "plain", true, %w(json plain)), # a comment, "x"
                    Setting.new("path.plugins", Array, []),
  ].each {|setting| SETTINGS.register(setting) }
  get_setting(LogStash::Setting::NullableString.new(name, default.to_s))
`;
  assert.deepEqual(logstashSettings(environment, "env.rb"), [
    { name: "allow_superuser", kind: "Boolean", source: "env.rb" },
    { name: "api.http.host", kind: "String", deprecatedAlias: "http.host", source: "env.rb" },
    {
      name: "pipeline.ordered",
      kind: "CoercibleString",
      allowed: ["auto", "true", "false"],
      source: "env.rb",
    },
    { name: "log.format", kind: "String", allowed: ["json", "plain"], source: "env.rb" },
    { name: "path.plugins", kind: "Setting", source: "env.rb" },
  ]);
  const monitoring = `
    def additionals_settings(settings)
      register_monitoring_settings(settings, "xpack.")
      register_monitoring_settings(settings)
    end
    def register_monitoring_settings(settings, prefix = "")
      settings.register(LogStash::Setting::Boolean.new("#{prefix}monitoring.enabled", false))
    end`;
  assert.deepEqual(
    logstashSettings(monitoring, "m.rb").map((s) => s.name),
    ["xpack.monitoring.enabled", "monitoring.enabled"],
  );
});

test("Logstash plugin options: validators, lists of values, flags, over several lines; bases merged", () => {
  const plugin = `
class LogStash::Inputs::Beats < LogStash::Inputs::Base
  config_name "beats"
  config :port, :validate => :number, :required => true
  config :ssl, :validate => :boolean, :default => false, :deprecated => "Use 'ssl_enabled' instead."
  config :ssl_cipher_suites, :validate => SslContextBuilder::SUPPORTED_CIPHERS.to_a,
         :default => SslContextBuilder.getDefaultCiphers, :list => true
  config :mode, :validate => %w[none optional], :default => 'none'
  config :charset, :obsolete => "Use the codec"
  # config :commented, :validate => :string
end`;
  assert.equal(pluginName(plugin), "beats");
  const own = pluginOptions(plugin, "b.rb");
  assert.deepEqual(own, [
    { name: "port", validate: "number", required: true, source: "b.rb" },
    { name: "ssl", validate: "boolean", deprecated: true, source: "b.rb" },
    { name: "ssl_cipher_suites", validate: "expression", list: true, source: "b.rb" },
    { name: "mode", validate: "values", values: ["none", "optional"], source: "b.rb" },
    { name: "charset", validate: "any", obsolete: true, source: "b.rb" },
  ]);
  const base = pluginOptions(
    `base.config(:ecs_compatibility, :validate => :ecs_compatibility_argument,
                 :attr_accessor => false)
  config :charset, :validate => :string`,
    "base.rb",
  );
  assert.deepEqual(
    mergedOptions(base, own).map((o) => `${o.name}:${o.source}`),
    [
      "charset:b.rb",
      "ecs_compatibility:base.rb",
      "mode:b.rb",
      "port:b.rb",
      "ssl:b.rb",
      "ssl_cipher_suites:b.rb",
    ],
  );
  assert.deepEqual(
    lockedGems(
      "    logstash-input-beats (6.8.3-java)\n      logstash-codec-plain\n    rack (2.2.8)\n",
    ),
    { "logstash-input-beats": "6.8.3", rack: "2.2.8" },
  );
});

test("TypeScript declarations: interfaces with bases and fields as structures, enums, aliases; own names qualified", () => {
  const d = declaredTypes(
    `import * as common from '@grafana/schema';
export interface Options extends common.OptionsWithTimezones {
    /** a comment */
    legend: common.VizLegendOptions;
    mode?: ('h' | 'v');
    sync?: CursorSync;
    panels?: Array<(Panel | null)>;
    time?: { from: string; to?: string };
    options?: Record<string, unknown>;
    ids: number[];
}
export interface Panel { type: string; }
export declare enum CursorSync { Off = 0, Tooltip = 2 }
export declare enum Mode { List = "list" }
export type Placement = ('bottom' | 'right');
export declare const defaultOptions: Partial<Options>;`,
    "ts",
  );
  const str = { kind: "primitive", name: "string" } as const;
  assert.deepEqual(d.interfaces["ts.Options"], {
    extends: ["common.OptionsWithTimezones"],
    fields: {
      legend: { type: { kind: "ref", name: "common.VizLegendOptions" }, optional: false },
      mode: {
        type: {
          kind: "union",
          of: [
            { kind: "literal", value: "h" },
            { kind: "literal", value: "v" },
          ],
        },
        optional: true,
      },
      sync: { type: { kind: "ref", name: "ts.CursorSync" }, optional: true },
      panels: {
        type: {
          kind: "array",
          of: {
            kind: "union",
            of: [
              { kind: "ref", name: "ts.Panel" },
              { kind: "primitive", name: "null" },
            ],
          },
        },
        optional: true,
      },
      time: {
        type: {
          kind: "object",
          fields: { from: { type: str, optional: false }, to: { type: str, optional: true } },
        },
        optional: true,
      },
      options: {
        type: { kind: "record", of: { kind: "primitive", name: "unknown" } },
        optional: true,
      },
      ids: { type: { kind: "array", of: { kind: "primitive", name: "number" } }, optional: false },
    },
  });
  assert.deepEqual(d.enums, { "ts.CursorSync": [0, 2], "ts.Mode": ["list"] });
  assert.deepEqual(Object.keys(d.aliases), ["ts.Placement"]);
});
